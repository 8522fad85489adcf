package app_test

// "ortlos worktime check", run in-process with the real holiday calendar.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"ortlos/internal/holiday"
	"ortlos/internal/worktime/arbzg"
)

// worktimeOutput is the JSON "worktime check" prints.
type worktimeOutput struct {
	Shifts []struct {
		Date           string `json:"date"`
		WorkingMinutes int    `json:"working_minutes"`
	} `json:"shifts"`
	Findings []map[string]any `json:"findings"`
}

// parseWorktime parses the output of a successful run.
func parseWorktime(t *testing.T, r cliRun) worktimeOutput {
	t.Helper()
	var out worktimeOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("worktime check printed no JSON: %v\n%s", err, r.stdout)
	}
	if out.Shifts == nil || out.Findings == nil {
		t.Fatalf("worktime check: shifts or findings missing:\n%s", r.stdout)
	}
	return out
}

// finding returns the finding with code on date, or nil.
func finding(out worktimeOutput, code, date string) map[string]any {
	for _, f := range out.Findings {
		if f["code"] == code && f["date"] == date {
			return f
		}
	}
	return nil
}

// night and holiday work in Bavaria: Allerheiligen 2026 is a Sunday and a
// statewide holiday, Mariä Himmelfahrt only a regional one.
const bavariaInput = `{
  "state": "BY",
  "timezone": "Europe/Berlin",
  "reference_period": {"type": "24_weeks", "start": "2026-06-01"},
  "intervals": [
    {"start": "2026-08-15T08:00:00+02:00", "end": "2026-08-15T12:00:00+02:00"},
    {"start": "2026-10-31T22:00:00+01:00", "end": "2026-11-01T06:00:00+01:00"},
    {"start": "2026-11-02T08:00:00+01:00", "end": "2026-11-02T14:01:00+01:00"}
  ]
}`

func TestCLIWorktimeCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "bavaria.json")
	if err := os.WriteFile(file, []byte(bavariaInput), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"worktime", "check", file},
		{"worktime", "check", "-"},
		{"worktime", "check"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stdin := bavariaInput
			if len(args) == 3 && args[2] == file {
				stdin = "" // must read the file, not standard input
			}
			r := runCLI(t, dir, nil, stdin, args...)
			r.wantCode(t, 0, args...)
			out := parseWorktime(t, r)
			if len(out.Shifts) != 3 || out.Shifts[1].Date != "2026-10-31" || out.Shifts[1].WorkingMinutes != 480 {
				t.Errorf("shifts = %+v, want 3 with the night of 2026-10-31 at 480 minutes", out.Shifts)
			}
			want := []struct {
				code, date string
				fields     map[string]any
			}{
				{"INFO_REGIONAL_HOLIDAY", "2026-08-15", map[string]any{"rule": "§9", "severity": "info", "minutes": 240.0}},
				{"ARBZG_9_SUNDAY_HOLIDAY_WORK", "2026-11-01", map[string]any{"severity": "flag", "minutes": 360.0, "day_type": "sunday_and_holiday"}},
				{"ARBZG_16_RECORD_SUNDAY_HOLIDAY", "2026-11-01", map[string]any{"severity": "obligation", "minutes": 360.0}},
				{"ARBZG_4_BREAK_TOO_SHORT", "2026-10-31", map[string]any{"required_break_minutes": 30.0, "actual_break_minutes": 0.0, "working_minutes": 480.0}},
				{"ARBZG_4_CONTINUOUS_WORK_OVER_6H", "2026-11-02", map[string]any{"longest_continuous_minutes": 361.0}},
			}
			for _, w := range want {
				f := finding(out, w.code, w.date)
				if f == nil {
					t.Errorf("no %s on %s in\n%s", w.code, w.date, r.stdout)
					continue
				}
				for k, v := range w.fields {
					if f[k] != v {
						t.Errorf("%s on %s: %s = %v, want %v", w.code, w.date, k, f[k], v)
					}
				}
			}
			if f := finding(out, "ARBZG_9_SUNDAY_HOLIDAY_WORK", "2026-11-01"); f != nil && f["holiday_name"] == nil {
				t.Errorf("Allerheiligen has no holiday_name: %v", f)
			}
			if f := finding(out, "ARBZG_9_SUNDAY_HOLIDAY_WORK", "2026-08-15"); f != nil {
				t.Errorf("regional holiday flagged under §9: %v", f)
			}
		})
	}
}

// TestCLIWorktimeMonth runs the engine's realistic month through the
// command: the output has every finding the golden file of the engine has.
func TestCLIWorktimeMonth(t *testing.T) {
	t.Parallel()
	input := filepath.Join("..", "worktime", "arbzg", "testdata", "march-2026-be.input.json")
	r := runCLI(t, t.TempDir(), nil, "", "worktime", "check", input)
	r.wantCode(t, 0, "worktime", "check", input)
	out := parseWorktime(t, r)
	var codes []string
	for _, f := range out.Findings {
		codes = append(codes, f["code"].(string)+" "+f["date"].(string))
	}
	for _, want := range []string{
		"ARBZG_9_SUNDAY_HOLIDAY_WORK 2026-03-08",
		"ARBZG_3_DAILY_MAX_EXCEEDED 2026-03-09",
		"ARBZG_4_BREAK_TOO_SHORT 2026-03-10",
		"ARBZG_4_CONTINUOUS_WORK_OVER_6H 2026-03-10",
		"ARBZG_3_EXTENDED_DAY 2026-03-11",
		"ARBZG_5_REST_TOO_SHORT 2026-03-12",
		"ARBZG_16_RECORD_OVERTIME 2026-03-16",
		"ARBZG_9_SUNDAY_HOLIDAY_WORK 2026-03-29",
	} {
		if !slices.Contains(codes, want) {
			t.Errorf("no %s in %v", want, codes)
		}
	}
	if f := finding(out, "ARBZG_9_SUNDAY_HOLIDAY_WORK", "2026-03-08"); f == nil || f["day_type"] != "sunday_and_holiday" {
		t.Errorf("Frauentag 2026 (a Sunday, a holiday in Berlin): %v, want sunday_and_holiday", f)
	}
	if f := finding(out, "ARBZG_9_SUNDAY_HOLIDAY_WORK", "2026-03-29"); f == nil || f["minutes"] != 270.0 {
		t.Errorf("Sunday of the spring-forward night: %v, want 270 minutes", f)
	}
}

func TestCLIWorktimeInvalid(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const iv = `{"start": "2026-03-02T08:00:00+01:00", "end": "2026-03-02T12:00:00+01:00"}`
	tests := []struct {
		name, stdin string
		args        []string
		wantErr     string
	}{
		{"end before start", `{"state": "BE", "intervals": [` + iv + `, ` + iv + `, ` + iv + `,
			{"start": "2026-03-02T08:00:00+01:00", "end": "2026-03-02T07:59:00+01:00"}]}`, nil, "intervals[3].end: before start"},
		{"end equal to start", `{"state": "BE", "intervals": [{"start": "2026-03-02T08:00:00+01:00", "end": "2026-03-02T08:00:00+01:00"}]}`, nil, "intervals[0].end: equal to start"},
		{"unknown state", `{"state": "XX", "intervals": []}`, nil, `state: "XX" is not a Bundesland code`},
		{"missing state", `{"intervals": []}`, nil, "state: missing"},
		{"time without offset", `{"state": "BE", "intervals": [{"start": "2026-03-02T08:00:00", "end": "2026-03-02T12:00:00+01:00"}]}`, nil,
			`intervals[0].start: "2026-03-02T08:00:00" is not an RFC 3339 time`},
		{"German date", `{"state": "BE", "intervals": [` + iv + `, {"start": "2026-03-03T08:00:00+01:00", "end": "3.3.2026 12:00"}]}`, nil,
			`intervals[1].end: "3.3.2026 12:00" is not an RFC 3339 time`},
		{"missing end", `{"state": "BE", "intervals": [{"start": "2026-03-02T08:00:00+01:00"}]}`, nil, "intervals[0].end: missing"},
		{"number as time", `{"state": "BE", "intervals": [{"start": 1772434800, "end": "2026-03-02T12:00:00+01:00"}]}`, nil, "intervals[0].start: JSON number where a string is expected"},
		{"unknown field", `{"state": "BE", "intervals": [], "person": "Erika"}`, nil, `unknown field "person"`},
		{"unknown field in an interval", `{"state": "BE", "intervals": [{"start": "2026-03-02T08:00:00+01:00", "end": "2026-03-02T12:00:00+01:00", "location": "home"}]}`, nil, `intervals[0]: unknown field "location"`},
		{"missing intervals", `{"state": "BE"}`, nil, "intervals: missing"},
		{"unknown zone", `{"state": "BE", "timezone": "Europe/Bonn", "intervals": []}`, nil, `timezone: "Europe/Bonn" is not an IANA time zone`},
		{"empty zone", `{"state": "BE", "timezone": "", "intervals": []}`, nil, `timezone: "" is not an IANA time zone`},
		{"unknown period type", `{"state": "BE", "reference_period": {"type": "1_year", "start": "2026-01-01"}, "intervals": []}`, nil, `reference_period.type: "1_year" is neither`},
		{"period start not a date", `{"state": "BE", "reference_period": {"type": "24_weeks", "start": "01.06.2026"}, "intervals": []}`, nil, `reference_period.start: "01.06.2026" is not a date`},
		{"calendar months from mid-month", `{"state": "BE", "reference_period": {"type": "6_calendar_months", "start": "2026-06-15"}, "intervals": []}`, nil, "reference_period.start: 2026-06-15: a 6_calendar_months period starts on the first day of a month"},
		{"year without holidays", `{"state": "BE", "intervals": [{"start": "2226-03-02T08:00:00+01:00", "end": "2226-03-02T12:00:00+01:00"}]}`, nil, "intervals[0].start: \"2226-03-02T08:00:00+01:00\" is outside the years"},
		{"not JSON", `state=BE`, nil, "invalid JSON"},
		{"truncated JSON", `{"state": "BE", "intervals": [`, nil, "invalid JSON: unexpected end of input"},
		{"two objects", `{"state": "BE", "intervals": []} {}`, nil, "unexpected data after the JSON object"},
		{"empty input", ``, nil, "empty input"},
		{"missing file", "", []string{"worktime", "check", filepath.Join(dir, "nope.json")}, "nope.json"},
		{"two files", "", []string{"worktime", "check", "a.json", "b.json"}, `unexpected argument "b.json"`},
		{"no sub-command", "", []string{"worktime"}, "worktime needs a sub-command: check"},
		{"unknown sub-command", "", []string{"worktime", "report"}, `unknown worktime sub-command "report"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if args == nil {
				args = []string{"worktime", "check", "-"}
			}
			r := runCLI(t, dir, nil, tc.stdin, args...)
			r.wantCode(t, 2, args...)
			if !strings.Contains(r.stderr, tc.wantErr) {
				t.Errorf("stdin %s: stderr %q, want it to contain %q", tc.stdin, r.stderr, tc.wantErr)
			}
			if r.stdout != "" {
				t.Errorf("stdin %s: stdout %q, want nothing", tc.stdin, r.stdout)
			}
		})
	}
}

// TestWorktimeStatesMatchHolidays keeps the engine's list of Länder in step
// with the holiday calendar it is wired to.
func TestWorktimeStatesMatchHolidays(t *testing.T) {
	t.Parallel()
	states := holiday.States()
	if len(states) != 16 {
		t.Fatalf("holiday.States() = %v, want 16 codes", states)
	}
	for _, s := range states {
		if !arbzg.ValidState(s) {
			t.Errorf("arbzg.ValidState(%q) = false; package holiday knows it", s)
		}
	}
}
