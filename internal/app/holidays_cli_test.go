package app_test

// "ortlos holidays", run in-process; the iCalendar output is read back by a
// real parser from another project (python3-icalendar).

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"ortlos/internal/app"
	"ortlos/internal/holiday"
)

type holidaysRun struct {
	code           int
	stdout, stderr string
}

// runHolidays runs "ortlos holidays args…" with env as the only environment.
func runHolidays(t *testing.T, env map[string]string, args ...string) holidaysRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := app.Run(context.Background(), append([]string{"holidays"}, args...), app.Env{
		Stdin:  strings.NewReader(""),
		Stdout: &stdout,
		Stderr: &stderr,
		Getenv: func(k string) string { return env[k] },
	})
	return holidaysRun{code, stdout.String(), stderr.String()}
}

// holidaysOK runs a command that must succeed and returns its output.
func holidaysOK(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	r := runHolidays(t, env, args...)
	if r.code != 0 {
		t.Fatalf("ortlos holidays %s: exit %d, want 0\nstderr: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

func TestHolidaysCLIText(t *testing.T) {
	t.Parallel()
	got := holidaysOK(t, nil, "--state", "BY", "--year", "2026")
	want := `Gesetzliche Feiertage Bayern 2026
01.01.2026  Do  Neujahr
06.01.2026  Di  Heilige Drei Könige
03.04.2026  Fr  Karfreitag
06.04.2026  Mo  Ostermontag
01.05.2026  Fr  Tag der Arbeit
14.05.2026  Do  Christi Himmelfahrt
25.05.2026  Mo  Pfingstmontag
04.06.2026  Do  Fronleichnam
08.08.2026  Sa  Augsburger Hohes Friedensfest (regional: nur im Stadtgebiet Augsburg)
15.08.2026  Sa  Mariä Himmelfahrt (regional: in Gemeinden mit überwiegend katholischer Bevölkerung)
03.10.2026  Sa  Tag der Deutschen Einheit
01.11.2026  So  Allerheiligen
25.12.2026  Fr  1. Weihnachtstag
26.12.2026  Sa  2. Weihnachtstag
`
	if got != want {
		t.Errorf("holidays --state BY --year 2026:\n got:\n%s\nwant:\n%s", got, want)
	}
	// Flags accept lower case and the single-dash form.
	if got := holidaysOK(t, nil, "-state", "by", "-year", "2026", "-format", "TEXT"); got != want {
		t.Errorf("holidays -state by -year 2026 -format TEXT:\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestHolidaysCLIJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		state string
		year  int
	}{{"BE", 2025}, {"TH", 2026}, {"SN", 2025}, {"BY", 2026}} {
		out := holidaysOK(t, nil, "--state", tc.state, "--year", strconv.Itoa(tc.year), "--format", "json")
		var compact bytes.Buffer
		if err := json.Compact(&compact, []byte(out)); err != nil {
			t.Fatalf("%s %d: output is not JSON: %v\n%s", tc.state, tc.year, err, out)
		}
		prefix := `[{"date":"` + strconv.Itoa(tc.year) + `-01-01","name":"Neujahr","scope":"statewide"},`
		if !strings.HasPrefix(compact.String(), prefix) {
			t.Errorf("%s %d: JSON starts %.80s, want %s", tc.state, tc.year, compact.String(), prefix)
		}
		var got []map[string]string
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%s %d: %v", tc.state, tc.year, err)
		}
		want, err := holiday.ForYear(tc.state, tc.year)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%s %d: %d holidays in JSON, want %d", tc.state, tc.year, len(got), len(want))
		}
		for i, h := range want {
			w := map[string]string{"date": h.Date.String(), "name": h.Name, "scope": string(h.Scope)}
			if h.Scope == holiday.Regional {
				w["note"] = h.Note
			}
			if !maps.Equal(got[i], w) {
				t.Errorf("%s %d: element %d = %v, want %v", tc.state, tc.year, i, got[i], w)
			}
		}
	}
}

func TestHolidaysCLIICS(t *testing.T) {
	t.Parallel()
	py := icalendarPython(t)
	// Berlin 2025 has a summary longer than one line; Thüringen and
	// Sachsen have long regional notes (one with a comma) in DESCRIPTION.
	for _, tc := range []struct {
		state string
		year  int
	}{{"BE", 2025}, {"TH", 2026}, {"SN", 2025}, {"BY", 2026}, {"BB", 2017}} {
		out := holidaysOK(t, nil, "--state", tc.state, "--year", strconv.Itoa(tc.year), "--format", "ics")
		checkICSLines(t, out)
		if again := holidaysOK(t, nil, "--state", tc.state, "--year", strconv.Itoa(tc.year), "--format", "ics"); again != out {
			t.Errorf("%s %d: two runs give different ICS", tc.state, tc.year)
		}

		cal := parseICS(t, py, out)
		wantName := "Feiertage " + holiday.StateName(tc.state) + " " + strconv.Itoa(tc.year)
		if cal.ProdID != "-//ortlos//Feiertage//DE" || cal.Version != "2.0" || cal.CalScale != "GREGORIAN" || cal.CalName != wantName {
			t.Errorf("%s %d: calendar properties %+v, want PRODID -//ortlos//Feiertage//DE, VERSION 2.0, CALSCALE GREGORIAN, X-WR-CALNAME %q",
				tc.state, tc.year, cal, wantName)
		}
		if len(cal.Errors) > 0 {
			t.Errorf("%s %d: icalendar reports errors: %v", tc.state, tc.year, cal.Errors)
		}
		want, err := holiday.ForYear(tc.state, tc.year)
		if err != nil {
			t.Fatal(err)
		}
		if len(cal.Events) != len(want) {
			t.Fatalf("%s %d: icalendar found %d events, want %d", tc.state, tc.year, len(cal.Events), len(want))
		}
		uids := map[string]bool{}
		for i, h := range want {
			ev := cal.Events[i]
			wantDesc := ""
			if h.Scope == holiday.Regional {
				wantDesc = h.Note
			}
			if ev.Summary != h.Name || ev.Start != h.Date.String() || ev.End != h.Date.AddDays(1).String() ||
				ev.Description != wantDesc || ev.Stamp != strconv.Itoa(tc.year)+"-01-01T00:00:00+00:00" ||
				ev.Transp != "TRANSPARENT" || ev.Categories != "Feiertag" || len(ev.Errors) > 0 {
				t.Errorf("%s %d: event %d = %+v, want %s %q (description %q)", tc.state, tc.year, i, ev, h.Date, h.Name, wantDesc)
			}
			if !strings.HasPrefix(ev.UID, h.Date.String()+"-"+tc.state+"-") || !strings.HasSuffix(ev.UID, "@ortlos") || uids[ev.UID] {
				t.Errorf("%s %d: event %d has UID %q, want a unique %s-%s-…@ortlos", tc.state, tc.year, i, ev.UID, h.Date, tc.state)
			}
			uids[ev.UID] = true
		}
	}
	// One UID spelled out, as calendar clients will remember it.
	out := holidaysOK(t, nil, "--state", "BY", "--year", "2026", "--format", "ics")
	if !strings.Contains(out, "\r\nUID:2026-01-01-BY-neujahr@ortlos\r\n") {
		t.Errorf("BY 2026: no UID 2026-01-01-BY-neujahr@ortlos in\n%s", out)
	}
}

// checkICSLines checks the line format of RFC 5545 that parsers forgive:
// CRLF line ends and at most 75 octets per line.
func checkICSLines(t *testing.T, ics string) {
	t.Helper()
	if !strings.HasSuffix(ics, "\r\n") {
		t.Errorf("ICS does not end with CRLF")
	}
	for i, l := range strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n") {
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("ICS line %d has a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("ICS line %d has %d octets (max 75): %q", i+1, len(l), l)
		}
	}
	// TEXT values escape commas and semicolons (RFC 5545, 3.3.11); the
	// parser below forgives a bare comma, so check here.
	for _, l := range strings.Split(strings.ReplaceAll(ics, "\r\n ", ""), "\r\n") {
		name, value, _ := strings.Cut(l, ":")
		if name != "SUMMARY" && name != "DESCRIPTION" && name != "X-WR-CALNAME" {
			continue
		}
		for i := 0; i < len(value); i++ {
			switch value[i] {
			case '\\':
				i++
			case ',', ';':
				t.Errorf("ICS %s has an unescaped %q: %q", name, value[i], value)
			}
		}
	}
}

// icalendarPython returns a python3 that can import icalendar. Without one
// the test is skipped, unless ORTLOS_TEST_REQUIRE_TOOLS=1 (as in
// scripts/test.sh, which installs python3-icalendar).
func icalendarPython(t *testing.T) string {
	t.Helper()
	// Debian's package installs for Debian's python3, which need not be
	// the first python3 on PATH.
	for _, name := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import icalendar").Run() == nil {
			return path
		}
	}
	if os.Getenv("ORTLOS_TEST_REQUIRE_TOOLS") == "1" {
		t.Fatal("no python3 with the icalendar module (Debian: python3-icalendar) and ORTLOS_TEST_REQUIRE_TOOLS=1")
	}
	t.Skip("no python3 with the icalendar module (Debian: python3-icalendar)")
	return ""
}

type parsedCalendar struct {
	ProdID   string        `json:"prodid"`
	Version  string        `json:"version"`
	CalScale string        `json:"calscale"`
	CalName  string        `json:"calname"`
	Errors   []any         `json:"errors"`
	Events   []parsedEvent `json:"events"`
}

type parsedEvent struct {
	UID         string `json:"uid"`
	Summary     string `json:"summary"`
	Description string `json:"description"`
	Start       string `json:"start"`
	End         string `json:"end"`
	Stamp       string `json:"stamp"`
	Transp      string `json:"transp"`
	Categories  string `json:"categories"`
	Errors      []any  `json:"errors"`
}

// parseScript reads an iCalendar file on stdin with icalendar and prints
// what it understood as JSON.
const parseScript = `
import json, sys
import icalendar

cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())

def text(component, name):
    value = component.get(name)
    return "" if value is None else str(value)

events = []
for ev in cal.walk("VEVENT"):
    events.append({
        "uid": text(ev, "UID"),
        "summary": text(ev, "SUMMARY"),
        "description": text(ev, "DESCRIPTION"),
        "start": ev.decoded("DTSTART").isoformat(),
        "end": ev.decoded("DTEND").isoformat(),
        "stamp": ev.decoded("DTSTAMP").isoformat(),
        "transp": text(ev, "TRANSP"),
        "categories": ev.get("CATEGORIES").to_ical().decode(),
        "errors": [str(e) for e in ev.errors],
    })
json.dump({
    "prodid": text(cal, "PRODID"),
    "version": text(cal, "VERSION"),
    "calscale": text(cal, "CALSCALE"),
    "calname": text(cal, "X-WR-CALNAME"),
    "errors": [str(e) for e in cal.errors],
    "events": events,
}, sys.stdout)
`

func parseICS(t *testing.T, python, ics string) parsedCalendar {
	t.Helper()
	cmd := exec.Command(python, "-c", parseScript)
	cmd.Stdin = strings.NewReader(ics)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("icalendar could not parse the output: %v\n%s\nICS:\n%s", err, stderr.String(), ics)
	}
	var cal parsedCalendar
	if err := json.Unmarshal(out, &cal); err != nil {
		t.Fatalf("reading the parser's answer: %v\n%s", err, out)
	}
	return cal
}

func TestHolidaysCLIDefaults(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	before := time.Now().In(berlin).Year()
	out := holidaysOK(t, map[string]string{"ORTLOS_DEFAULT_STATE": "sn"})
	after := time.Now().In(berlin).Year()
	// The year may turn while the command runs.
	header, _, _ := strings.Cut(out, "\n")
	if header != "Gesetzliche Feiertage Sachsen "+strconv.Itoa(before) && header != "Gesetzliche Feiertage Sachsen "+strconv.Itoa(after) {
		t.Errorf("with ORTLOS_DEFAULT_STATE=sn and no flags: header %q, want Sachsen and the current year", header)
	}
	// --state wins over the environment.
	out = holidaysOK(t, map[string]string{"ORTLOS_DEFAULT_STATE": "SN"}, "--state", "HE", "--year", "2026")
	if !strings.HasPrefix(out, "Gesetzliche Feiertage Hessen 2026\n") {
		t.Errorf("--state HE with ORTLOS_DEFAULT_STATE=SN: output starts %.40q, want Hessen", out)
	}
	// -h prints the flags and succeeds.
	r := runHolidays(t, nil, "-h")
	if r.code != 0 || !strings.Contains(r.stderr, "-state") || !strings.Contains(r.stderr, "-format") {
		t.Errorf("holidays -h: exit %d, stderr %q; want 0 and the flags", r.code, r.stderr)
	}
}

func TestHolidaysCLIErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env        map[string]string
		args       []string
		wantStderr string
	}{
		{nil, []string{"--state", "XX", "--year", "2026"}, `--state "XX" is not a Bundesland code`},
		{nil, []string{"--state", "Bayern", "--year", "2026"}, "--state"},
		{map[string]string{"ORTLOS_DEFAULT_STATE": "ZZ"}, []string{"--year", "2026"}, `--state (from ORTLOS_DEFAULT_STATE) "ZZ"`},
		{nil, []string{"--year", "2026"}, "--state is required"},
		{nil, []string{"--state", "BY", "--year", "1994"}, "--year 1994 is out of range (1995 to 2200)"},
		{nil, []string{"--state", "BY", "--year", "2201"}, "--year 2201 is out of range"},
		{nil, []string{"--state", "BY", "--year", "0"}, "--year 0 is out of range"},
		{nil, []string{"--state", "BY", "--year", "zwanzig"}, "year"},
		{nil, []string{"--state", "BY", "--format", "pdf"}, `--format "pdf"`},
		{nil, []string{"--state", "BY", "2026"}, `unexpected argument "2026"`},
		{nil, []string{"--land", "BY"}, "land"},
	}
	for _, tt := range tests {
		r := runHolidays(t, tt.env, tt.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.wantStderr) || r.stdout != "" {
			t.Errorf("ortlos holidays %s: exit %d, stdout %q, stderr %q; want exit 2, no output and a message with %q",
				strings.Join(tt.args, " "), r.code, r.stdout, r.stderr, tt.wantStderr)
		}
	}
}
