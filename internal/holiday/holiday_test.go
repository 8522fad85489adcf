package holiday_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/holiday"
)

// The golden files were written by hand from the official lists (see
// docs/holidays.md). -update rewrites them from the code; review the diff
// against the official lists before committing it.
var update = flag.Bool("update", false, "rewrite testdata/holidays-YYYY.json from the code")

type goldenHoliday struct {
	Date  string `json:"date"`
	Name  string `json:"name"`
	Scope string `json:"scope"`
	Note  string `json:"note,omitempty"`
}

func TestForYearGolden(t *testing.T) {
	t.Parallel()
	for _, year := range []int{2025, 2026} {
		path := filepath.Join("testdata", fmt.Sprintf("holidays-%d.json", year))
		got := map[string][]goldenHoliday{}
		for _, state := range holiday.States() {
			hs, err := holiday.ForYear(state, year)
			if err != nil {
				t.Fatalf("ForYear(%s, %d): %v", state, year, err)
			}
			for _, h := range hs {
				got[state] = append(got[state], goldenHoliday{h.Date.String(), h.Name, string(h.Scope), h.Note})
			}
		}
		if *update {
			if err := os.WriteFile(path, formatGolden(t, got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var want map[string][]goldenHoliday
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(want) != 16 {
			t.Errorf("%s has %d Länder, want 16", path, len(want))
		}
		for _, state := range holiday.States() {
			if !slices.Equal(got[state], want[state]) {
				t.Errorf("ForYear(%s, %d) differs from %s\n got: %s\nwant: %s",
					state, year, path, listing(got[state]), listing(want[state]))
			}
		}
	}
}

// formatGolden writes one holiday per line, as the hand-written files are.
func formatGolden(t *testing.T, m map[string][]goldenHoliday) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, state := range holiday.States() {
		fmt.Fprintf(&b, "  %q: [\n", state)
		for j, h := range m[state] {
			line, err := json.Marshal(h)
			if err != nil {
				t.Fatal(err)
			}
			// encoding/json writes {"date":"…","name":…}; the files have
			// a space after each colon and comma between fields.
			line = bytes.ReplaceAll(line, []byte(`","`), []byte(`", "`))
			line = bytes.ReplaceAll(line, []byte(`":"`), []byte(`": "`))
			b.WriteString("    ")
			b.Write(line)
			if j < len(m[state])-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString("  ]")
		if i < len(m)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return b.Bytes()
}

func listing(hs []goldenHoliday) string {
	var b bytes.Buffer
	for _, h := range hs {
		fmt.Fprintf(&b, "\n  %s %s (%s) %s", h.Date, h.Name, h.Scope, h.Note)
	}
	return b.String()
}

func TestEaster(t *testing.T) {
	t.Parallel()
	// Easter Sundays 1995–2035 and a few boundary years (22 March and
	// 25 April are the earliest and latest possible dates).
	want := map[int]string{
		1995: "04-16", 1996: "04-07", 1997: "03-30", 1998: "04-12", 1999: "04-04",
		2000: "04-23", 2001: "04-15", 2002: "03-31", 2003: "04-20", 2004: "04-11",
		2005: "03-27", 2006: "04-16", 2007: "04-08", 2008: "03-23", 2009: "04-12",
		2010: "04-04", 2011: "04-24", 2012: "04-08", 2013: "03-31", 2014: "04-20",
		2015: "04-05", 2016: "03-27", 2017: "04-16", 2018: "04-01", 2019: "04-21",
		2020: "04-12", 2021: "04-04", 2022: "04-17", 2023: "04-09", 2024: "03-31",
		2025: "04-20", 2026: "04-05", 2027: "03-28", 2028: "04-16", 2029: "04-01",
		2030: "04-21", 2031: "04-13", 2032: "03-28", 2033: "04-17", 2034: "04-09",
		2035: "03-25", 2038: "04-25", 1943: "04-25", 1818: "03-22", 2285: "03-22",
	}
	for year, md := range want {
		if got := holiday.Easter(year).String(); got != fmt.Sprintf("%d-%s", year, md) {
			t.Errorf("Easter(%d) = %s, want %d-%s", year, got, year, md)
		}
	}
	for year := holiday.MinYear; year <= holiday.MaxYear; year++ {
		e := holiday.Easter(year)
		if e.Weekday() != time.Sunday || e.Before(civil.D(year, time.March, 22)) || e.After(civil.D(year, time.April, 25)) {
			t.Errorf("Easter(%d) = %s (%s), want a Sunday from 22 March to 25 April", year, e, e.Weekday())
		}
	}
}

// find returns the holidays of state on d.
func find(t *testing.T, state string, d civil.Date) []holiday.Holiday {
	t.Helper()
	hs, err := holiday.ForYear(state, d.Year)
	if err != nil {
		t.Fatalf("ForYear(%s, %d): %v", state, d.Year, err)
	}
	var on []holiday.Holiday
	for _, h := range hs {
		if h.Date == d {
			on = append(on, h)
		}
	}
	return on
}

func TestRules(t *testing.T) {
	t.Parallel()
	type want struct {
		name  string // "" means no holiday
		scope holiday.Scope
	}
	none := want{}
	sw := func(name string) want { return want{name, holiday.Statewide} }
	rg := func(name string) want { return want{name, holiday.Regional} }
	tests := []struct {
		states string
		date   civil.Date
		want   want
	}{
		// Frauentag: Berlin from 2019, Mecklenburg-Vorpommern from 2023.
		{"BE", civil.D(2018, time.March, 8), none},
		{"BE", civil.D(2019, time.March, 8), sw("Internationaler Frauentag")},
		{"MV", civil.D(2022, time.March, 8), none},
		{"MV", civil.D(2023, time.March, 8), sw("Internationaler Frauentag")},
		{"BB HB HH", civil.D(2026, time.March, 8), none},
		// Weltkindertag in Thüringen from 2019.
		{"TH", civil.D(2018, time.September, 20), none},
		{"TH", civil.D(2019, time.September, 20), sw("Weltkindertag")},
		{"SN ST", civil.D(2019, time.September, 20), none},
		// Reformationstag: everywhere in 2017, in the north from 2018.
		{"BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH", civil.D(2017, time.October, 31), sw("Reformationstag")},
		{"HB HH NI SH", civil.D(2016, time.October, 31), none},
		{"HB HH NI SH", civil.D(2018, time.October, 31), sw("Reformationstag")},
		{"BB MV SN ST TH", civil.D(1995, time.October, 31), sw("Reformationstag")},
		{"BW BY BE HE NW RP SL", civil.D(2018, time.October, 31), none},
		// Berlin's one-off holidays.
		{"BE", civil.D(2020, time.May, 8), sw("75. Jahrestag der Befreiung vom Nationalsozialismus und der Beendigung des Zweiten Weltkrieges in Europa")},
		{"BE", civil.D(2025, time.May, 8), sw("80. Jahrestag der Befreiung vom Nationalsozialismus und der Beendigung des Zweiten Weltkrieges in Europa")},
		{"BE", civil.D(2021, time.May, 8), none},
		{"BE", civil.D(2026, time.May, 8), none},
		{"BB", civil.D(2025, time.May, 8), none},
		{"BE", civil.D(2028, time.June, 17), sw("75. Jahrestag des Aufstandes vom 17. Juni 1953")},
		{"BE", civil.D(2027, time.June, 17), none},
		{"BE", civil.D(2029, time.June, 17), none},
		// Heilige Drei Könige.
		{"BW BY ST", civil.D(2026, time.January, 6), sw("Heilige Drei Könige")},
		{"BE HE NW SN TH", civil.D(2026, time.January, 6), none},
		// Easter and Whit Sunday only in Brandenburg (Hessen protects them
		// as Sundays, not as holidays of their own).
		{"BB", civil.D(2026, time.April, 5), sw("Ostersonntag")},
		{"BB", civil.D(2026, time.May, 24), sw("Pfingstsonntag")},
		{"HE BE BY", civil.D(2026, time.April, 5), none},
		{"HE BE BY", civil.D(2026, time.May, 24), none},
		// Movable feasts, 2027 (Easter 28 March).
		{"BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH", civil.D(2027, time.March, 26), sw("Karfreitag")},
		{"BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH", civil.D(2027, time.March, 29), sw("Ostermontag")},
		{"BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH", civil.D(2027, time.May, 6), sw("Christi Himmelfahrt")},
		{"BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH", civil.D(2027, time.May, 17), sw("Pfingstmontag")},
		// Fronleichnam: statewide in six Länder, regional in SN and TH.
		{"BW BY HE NW RP SL", civil.D(2027, time.May, 27), sw("Fronleichnam")},
		{"SN TH", civil.D(2027, time.May, 27), rg("Fronleichnam")},
		{"BE BB HB HH MV NI ST SH", civil.D(2027, time.May, 27), none},
		// August in Bavaria and the Saarland.
		{"BY", civil.D(2026, time.August, 8), rg("Augsburger Hohes Friedensfest")},
		{"BW SL", civil.D(2026, time.August, 8), none},
		{"BY", civil.D(2026, time.August, 15), rg("Mariä Himmelfahrt")},
		{"SL", civil.D(2026, time.August, 15), sw("Mariä Himmelfahrt")},
		{"BW NW RP SN TH", civil.D(2026, time.August, 15), none},
		// Allerheiligen.
		{"BW BY NW RP SL", civil.D(2026, time.November, 1), sw("Allerheiligen")},
		{"HE SN TH", civil.D(2026, time.November, 1), none},
		// Buß- und Bettag: the Wednesday before 23 November, only in Saxony.
		{"SN", civil.D(2022, time.November, 16), sw("Buß- und Bettag")},
		{"SN", civil.D(2023, time.November, 22), sw("Buß- und Bettag")},
		{"SN", civil.D(2024, time.November, 20), sw("Buß- und Bettag")},
		{"SN", civil.D(2025, time.November, 19), sw("Buß- und Bettag")},
		{"SN", civil.D(2026, time.November, 18), sw("Buß- und Bettag")},
		{"BY TH ST", civil.D(2026, time.November, 18), none},
		// Fixed nationwide holidays.
		{"BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH", civil.D(2200, time.January, 1), sw("Neujahr")},
		{"BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH", civil.D(1995, time.May, 1), sw("Tag der Arbeit")},
		{"BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH", civil.D(2026, time.October, 3), sw("Tag der Deutschen Einheit")},
		{"BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH", civil.D(2026, time.December, 25), sw("1. Weihnachtstag")},
		{"BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH", civil.D(2026, time.December, 26), sw("2. Weihnachtstag")},
		{"BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH", civil.D(2026, time.December, 24), none},
	}
	for _, tt := range tests {
		for _, state := range strings.Fields(tt.states) {
			on := find(t, state, tt.date)
			switch {
			case tt.want == none && len(on) > 0:
				t.Errorf("%s %s: got %+v, want no holiday", state, tt.date, on)
			case tt.want != none && (len(on) != 1 || on[0].Name != tt.want.name || on[0].Scope != tt.want.scope):
				t.Errorf("%s %s: got %+v, want %q (%s)", state, tt.date, on, tt.want.name, tt.want.scope)
			}
			h, ok := holiday.Lookup(state, tt.date)
			if ok != (tt.want != none) || ok && (h.Name != tt.want.name || h.Scope != tt.want.scope) {
				t.Errorf("Lookup(%s, %s) = %+v, %v; want %q (%s)", state, tt.date, h, ok, tt.want.name, tt.want.scope)
			}
		}
	}
}

// TestInvariants checks every list ForYear can return.
func TestInvariants(t *testing.T) {
	t.Parallel()
	nationwide := []string{"Neujahr", "Karfreitag", "Ostermontag", "Tag der Arbeit", "Christi Himmelfahrt",
		"Pfingstmontag", "Tag der Deutschen Einheit", "1. Weihnachtstag", "2. Weihnachtstag"}
	for _, state := range holiday.States() {
		for year := holiday.MinYear; year <= holiday.MaxYear; year++ {
			hs, err := holiday.ForYear(state, year)
			if err != nil {
				t.Fatalf("ForYear(%s, %d): %v", state, year, err)
			}
			names := map[string]bool{}
			for i, h := range hs {
				names[h.Name] = true
				if h.Date.Year != year {
					t.Errorf("%s %d: %s on %s, outside the year", state, year, h.Name, h.Date)
				}
				switch h.Scope {
				case holiday.Statewide:
					if h.Note != "" {
						t.Errorf("%s %d: statewide %s has note %q", state, year, h.Name, h.Note)
					}
				case holiday.Regional:
					if h.Note == "" {
						t.Errorf("%s %d: regional %s has no note", state, year, h.Name)
					}
				default:
					t.Errorf("%s %d: %s has scope %q", state, year, h.Name, h.Scope)
				}
				if i == 0 {
					continue
				}
				p := hs[i-1]
				if c := p.Date.Compare(h.Date); c > 0 || c == 0 && p.Scope == holiday.Regional && h.Scope == holiday.Statewide {
					t.Errorf("%s %d: %s (%s, %s) listed before %s (%s, %s)", state, year, p.Name, p.Date, p.Scope, h.Name, h.Date, h.Scope)
				}
				if p.Date == h.Date && p.Name == h.Name {
					t.Errorf("%s %d: %s listed twice", state, year, h.Name)
				}
			}
			for _, n := range nationwide {
				if !names[n] {
					t.Errorf("%s %d: %s missing", state, year, n)
				}
			}
		}
	}
}

func TestLookupPrefersFirstStatewide(t *testing.T) {
	t.Parallel()
	// In 2008 Christi Himmelfahrt fell on 1 May.
	d := civil.D(2008, time.May, 1)
	on := find(t, "BY", d)
	if len(on) != 2 || on[0].Name != "Tag der Arbeit" || on[1].Name != "Christi Himmelfahrt" {
		t.Fatalf("BY %s: got %+v, want Tag der Arbeit and Christi Himmelfahrt", d, on)
	}
	if h, ok := holiday.Lookup("BY", d); !ok || h.Name != "Tag der Arbeit" {
		t.Errorf("Lookup(BY, %s) = %+v, %v; want Tag der Arbeit", d, h, ok)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		state string
		year  int
		code  string // "" means no error
	}{
		{"BY", holiday.MinYear, ""},
		{"BY", holiday.MaxYear, ""},
		{"BY", holiday.MinYear - 1, "year_out_of_range"},
		{"BY", holiday.MaxYear + 1, "year_out_of_range"},
		{"BY", 0, "year_out_of_range"},
		{"XX", 2026, "unknown_state"},
		{"by", 2026, "unknown_state"},
		{"", 2026, "unknown_state"},
		{"DE-BY", 2026, "unknown_state"},
	}
	for _, tt := range tests {
		hs, err := holiday.ForYear(tt.state, tt.year)
		switch {
		case tt.code == "" && (err != nil || len(hs) == 0):
			t.Errorf("ForYear(%q, %d) = %d holidays, %v; want a list", tt.state, tt.year, len(hs), err)
		case tt.code != "" && (!apperr.Is(err, tt.code) || apperr.KindOf(err) != apperr.Invalid || hs != nil):
			t.Errorf("ForYear(%q, %d) = %v, %v; want an invalid error coded %s", tt.state, tt.year, hs, err, tt.code)
		}
		if tt.code != "" {
			if h, ok := holiday.Lookup(tt.state, civil.D(tt.year, time.January, 1)); ok {
				t.Errorf("Lookup(%q, %d-01-01) = %+v, true; want false", tt.state, tt.year, h)
			}
		}
	}
}

func TestForYearReturnsACopy(t *testing.T) {
	t.Parallel()
	hs, err := holiday.ForYear("HE", 2030)
	if err != nil {
		t.Fatal(err)
	}
	hs[0].Name = "changed"
	again, _ := holiday.ForYear("HE", 2030)
	if again[0].Name != "Neujahr" {
		t.Errorf("after changing a returned list, ForYear gives %q first, want Neujahr", again[0].Name)
	}
	if h, _ := holiday.Lookup("HE", civil.D(2030, time.January, 1)); h.Name != "Neujahr" {
		t.Errorf("after changing a returned list, Lookup gives %q, want Neujahr", h.Name)
	}
}

func TestStates(t *testing.T) {
	t.Parallel()
	want := []string{"BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH"}
	if got := holiday.States(); !slices.Equal(got, want) {
		t.Errorf("States() = %v, want %v", got, want)
	}
	names := map[string]string{"BW": "Baden-Württemberg", "BY": "Bayern", "NW": "Nordrhein-Westfalen", "TH": "Thüringen", "by": "", "XX": ""}
	for code, want := range names {
		if got := holiday.StateName(code); got != want {
			t.Errorf("StateName(%q) = %q, want %q", code, got, want)
		}
	}
	for _, code := range want {
		if holiday.StateName(code) == "" {
			t.Errorf("StateName(%q) is empty", code)
		}
	}
}
