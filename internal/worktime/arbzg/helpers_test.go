package arbzg

import (
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests need Europe/Berlin on hosts without zoneinfo

	"ortlos/internal/civil"
)

var berlin = mustLoad("Europe/Berlin")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at parses "2026-03-02 08:00" as local time in Berlin. Times that do not
// exist (the skipped hour of a spring-forward night) are a test bug.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
	if err != nil {
		panic(err)
	}
	return t
}

// iv is an interval between two local Berlin times; end may be a bare
// "15:04" on the start's day.
func iv(start, end string) Interval {
	if len(end) == len("15:04") {
		end = start[:len("2006-01-02 ")] + end
	}
	return Interval{at(start), at(end)}
}

// day returns intervals on date (2006-01-02) from "08:00-12:00" pairs.
func day(date string, ranges ...string) []Interval {
	var out []Interval
	for _, r := range ranges {
		from, to, ok := strings.Cut(r, "-")
		if !ok {
			panic("bad range " + r)
		}
		out = append(out, iv(date+" "+from, date+" "+to))
	}
	return out
}

func d(s string) civil.Date {
	v, err := civil.Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// fakeCalendar is a HolidayCalendar from a fixed list: state → date →
// holiday.
type fakeCalendar map[string]map[civil.Date]fakeHoliday

type fakeHoliday struct {
	name      string
	statewide bool
}

func (c fakeCalendar) Holiday(state string, d civil.Date) (string, bool, bool) {
	h, ok := c[state][d]
	return h.name, h.statewide, ok
}

// testCalendar holds the 2026 holidays of a few Länder, enough for the
// tests (the real list lives in package holiday).
var testCalendar = func() fakeCalendar {
	national := map[string]string{
		"2026-01-01": "Neujahr",
		"2026-04-03": "Karfreitag",
		"2026-04-06": "Ostermontag",
		"2026-05-01": "Tag der Arbeit",
		"2026-05-14": "Christi Himmelfahrt",
		"2026-05-25": "Pfingstmontag",
		"2026-10-03": "Tag der Deutschen Einheit",
		"2026-12-25": "1. Weihnachtstag",
		"2026-12-26": "2. Weihnachtstag",
	}
	extra := map[string]map[string]fakeHoliday{
		"BE": {"2026-03-08": {"Internationaler Frauentag", true}},
		"BB": {
			"2026-04-05": {"Ostersonntag", true},
			"2026-05-24": {"Pfingstsonntag", true},
			"2026-10-31": {"Reformationstag", true},
		},
		"BY": {
			"2026-01-06": {"Heilige Drei Könige", true},
			"2026-06-04": {"Fronleichnam", true},
			"2026-08-08": {"Augsburger Friedensfest", false},
			"2026-08-15": {"Mariä Himmelfahrt", false},
			"2026-11-01": {"Allerheiligen", true},
		},
	}
	cal := fakeCalendar{}
	for _, st := range states {
		cal[st] = map[civil.Date]fakeHoliday{}
		for day, name := range national {
			cal[st][d(day)] = fakeHoliday{name, true}
		}
		for day, h := range extra[st] {
			cal[st][d(day)] = h
		}
	}
	return cal
}()

// noHolidays is a calendar without any holiday.
var noHolidays = fakeCalendar{}

// check runs Check for Berlin-zone intervals in state and fails on error.
func check(t testing.TB, state string, rp *ReferencePeriod, cal HolidayCalendar, ivs ...[]Interval) Result {
	t.Helper()
	var all []Interval
	for _, v := range ivs {
		all = append(all, v...)
	}
	res, err := Check(Input{State: state, Location: berlin, ReferencePeriod: rp, Intervals: all}, cal)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return res
}

// summary is a finding on one line: code, then its JSON fields in order,
// e.g. "ARBZG_4_BREAK_TOO_SHORT date=2026-03-02 required_break_minutes=30 …".
func summary(f Finding) string {
	s, _ := specOf(f.Code)
	parts := []string{string(f.Code)}
	for _, name := range s.fields {
		if name == "holiday_name" && f.HolidayName == "" {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%v", name, f.field(name)))
	}
	return strings.Join(parts, " ")
}

func summaries(fs []Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, summary(f))
	}
	return out
}

// only returns the findings of code.
func only(fs []Finding, code Code) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Code == code {
			out = append(out, f)
		}
	}
	return out
}

// stretchesOf returns the stretches of continuous work of the shifts in ivs.
func stretchesOf(ivs []Interval, loc *time.Location) [][]span {
	_, stretches := buildShifts(merge(ivs), loc)
	return stretches
}
