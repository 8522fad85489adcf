package holiday

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ortlos/internal/civil"
)

func TestPickPrefersStatewide(t *testing.T) {
	d := civil.D(2026, time.June, 4)
	regional := Holiday{Date: d, Name: "Regional", Scope: Regional, Note: "irgendwo"}
	statewide := Holiday{Date: d, Name: "Statewide", Scope: Statewide}
	other := Holiday{Date: d.AddDays(1), Name: "Other", Scope: Statewide}
	tests := []struct {
		list []Holiday
		want string
	}{
		{[]Holiday{regional, statewide, other}, "Statewide"},
		{[]Holiday{statewide, regional}, "Statewide"},
		{[]Holiday{regional, other}, "Regional"},
		{[]Holiday{other}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		h, ok := pick(tt.list, d)
		if h.Name != tt.want || ok != (tt.want != "") {
			t.Errorf("pick(%v, %s) = %q, %v; want %q", tt.list, d, h.Name, ok, tt.want)
		}
	}
}

func TestEscapeText(t *testing.T) {
	tests := map[string]string{
		"Neujahr":            "Neujahr",
		`a\b`:                `a\\b`,
		"a;b,c":              `a\;b\,c`,
		"eins\nzwei\r\ndrei": `eins\nzwei\ndrei`,
		`\;`:                 `\\\;`,
	}
	for in, want := range tests {
		if got := escapeText(in); got != want {
			t.Errorf("escapeText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFold(t *testing.T) {
	inputs := []string{
		"SUMMARY:Neujahr",
		"DESCRIPTION:" + strings.Repeat("x", 63), // exactly 75 octets
		"DESCRIPTION:" + strings.Repeat("x", 64), // 76 octets
		"SUMMARY:" + strings.Repeat("ä", 100),    // two-octet runes across every fold
		"SUMMARY:" + strings.Repeat("a€", 60),    // three-octet runes
		"DESCRIPTION:" + noteTHFron,
	}
	for _, in := range inputs {
		out := fold(in)
		lines := strings.Split(out, "\r\n")
		for i, l := range lines {
			if len(l) > 75 {
				t.Errorf("fold(%q): line %d has %d octets", in, i, len(l))
			}
			if i > 0 && !strings.HasPrefix(l, " ") {
				t.Errorf("fold(%q): continuation line %d does not start with a space", in, i)
			}
			if !utf8.ValidString(l) {
				t.Errorf("fold(%q): line %d splits a UTF-8 sequence", in, i)
			}
		}
		if len(in) <= 75 && len(lines) != 1 {
			t.Errorf("fold(%q) folded a line of %d octets", in, len(in))
		}
		if unfolded := strings.ReplaceAll(out, "\r\n ", ""); unfolded != in {
			t.Errorf("unfolding fold(%q) gives %q", in, unfolded)
		}
	}
}

func TestSlug(t *testing.T) {
	tests := map[string]string{
		"Neujahr":                       "neujahr",
		"Buß- und Bettag":               "buss-und-bettag",
		"1. Weihnachtstag":              "1-weihnachtstag",
		"Mariä Himmelfahrt":             "mariae-himmelfahrt",
		"Heilige Drei Könige":           "heilige-drei-koenige",
		"Augsburger Hohes Friedensfest": "augsburger-hohes-friedensfest",
		"75. Jahrestag des Aufstandes vom 17. Juni 1953": "75-jahrestag-des-aufstandes-vom-17-juni-1953",
	}
	for in, want := range tests {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteICS(t *testing.T) {
	d := civil.D(2026, time.June, 4)
	hs := []Holiday{
		{Date: d, Name: "Tag; mit, Sonderzeichen", Scope: Regional, Note: "Zeile 1\nZeile 2 \\ Ende"},
		{Date: civil.D(2026, time.December, 31), Name: "Silvester", Scope: Statewide},
	}
	var b bytes.Buffer
	if err := writeICS(&b, "SN", 2026, hs); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	want := "BEGIN:VCALENDAR\r\n" +
		"VERSION:2.0\r\n" +
		"PRODID:-//ortlos//Feiertage//DE\r\n" +
		"CALSCALE:GREGORIAN\r\n" +
		"X-WR-CALNAME:Feiertage Sachsen 2026\r\n" +
		"BEGIN:VEVENT\r\n" +
		"UID:2026-06-04-SN-tag-mit-sonderzeichen@ortlos\r\n" +
		"DTSTAMP:20260101T000000Z\r\n" +
		"DTSTART;VALUE=DATE:20260604\r\n" +
		"DTEND;VALUE=DATE:20260605\r\n" +
		"SUMMARY:Tag\\; mit\\, Sonderzeichen\r\n" +
		"DESCRIPTION:Zeile 1\\nZeile 2 \\\\ Ende\r\n" +
		"CATEGORIES:Feiertag\r\n" +
		"TRANSP:TRANSPARENT\r\n" +
		"END:VEVENT\r\n" +
		"BEGIN:VEVENT\r\n" +
		"UID:2026-12-31-SN-silvester@ortlos\r\n" +
		"DTSTAMP:20260101T000000Z\r\n" +
		"DTSTART;VALUE=DATE:20261231\r\n" +
		"DTEND;VALUE=DATE:20270101\r\n" +
		"SUMMARY:Silvester\r\n" +
		"CATEGORIES:Feiertag\r\n" +
		"TRANSP:TRANSPARENT\r\n" +
		"END:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	if got != want {
		t.Errorf("writeICS:\n got %q\nwant %q", got, want)
	}
}

func TestWriteICSIsReproducible(t *testing.T) {
	var a, b bytes.Buffer
	if err := WriteICS(&a, "BE", 2025); err != nil {
		t.Fatal(err)
	}
	if err := WriteICS(&b, "BE", 2025); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("two runs of WriteICS(BE, 2025) differ")
	}
	if err := WriteICS(&a, "XX", 2025); err == nil {
		t.Error("WriteICS(XX, 2025) succeeded")
	}
}
