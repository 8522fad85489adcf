package ical_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ortlos/internal/civil"
	"ortlos/internal/ical"
)

func TestEscapeText(t *testing.T) {
	tests := map[string]string{
		"Urlaub":             "Urlaub",
		`a\b`:                `a\\b`,
		"a;b,c":              `a\;b\,c`,
		"eins\nzwei\r\ndrei": `eins\nzwei\ndrei`,
	}
	for in, want := range tests {
		if got := ical.EscapeText(in); got != want {
			t.Errorf("EscapeText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFold(t *testing.T) {
	for _, in := range []string{"SUMMARY:x", "SUMMARY:" + strings.Repeat("ü", 80), "DESCRIPTION:" + strings.Repeat("a€", 50)} {
		out := ical.Fold(in)
		for i, l := range strings.Split(out, "\r\n") {
			if len(l) > 75 || !utf8.ValidString(l) || (i > 0 && !strings.HasPrefix(l, " ")) {
				t.Errorf("Fold(%q): bad line %d %q", in, i, l)
			}
		}
		if strings.ReplaceAll(out, "\r\n ", "") != in {
			t.Errorf("Fold(%q) does not unfold to its input", in)
		}
	}
}

func TestWrite(t *testing.T) {
	var b bytes.Buffer
	stamp := time.Date(2026, 3, 2, 9, 15, 0, 0, time.FixedZone("CET", 3600))
	err := ical.Write(&b, ical.Calendar{ProdID: "-//ortlos//Test//DE", Name: "Team, Abwesenheiten", RefreshInterval: "PT1H",
		Events: []ical.Event{
			{UID: "absence-1@example.org", Stamp: stamp, Start: civil.D(2026, 3, 30), End: civil.D(2026, 4, 10), Summary: "Erika: Urlaub; lang", Status: ical.StatusTentative, Categories: "Abwesenheit"},
			{UID: "absence-2@example.org", Stamp: stamp, Start: civil.D(2026, 12, 31), Summary: "Max", Transparent: true},
		}})
	if err != nil {
		t.Fatal(err)
	}
	want := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ortlos//Test//DE\r\nCALSCALE:GREGORIAN\r\n" +
		"X-WR-CALNAME:Team\\, Abwesenheiten\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\nX-PUBLISHED-TTL:PT1H\r\n" +
		"BEGIN:VEVENT\r\nUID:absence-1@example.org\r\nDTSTAMP:20260302T081500Z\r\nDTSTART;VALUE=DATE:20260330\r\n" +
		"DTEND;VALUE=DATE:20260411\r\nSUMMARY:Erika: Urlaub\\; lang\r\nSTATUS:TENTATIVE\r\nCATEGORIES:Abwesenheit\r\nTRANSP:OPAQUE\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:absence-2@example.org\r\nDTSTAMP:20260302T081500Z\r\nDTSTART;VALUE=DATE:20261231\r\n" +
		"DTEND;VALUE=DATE:20270101\r\nSUMMARY:Max\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if got := b.String(); got != want {
		t.Errorf("Write:\n got %q\nwant %q", got, want)
	}
}
