package arbzg

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"ortlos/internal/civil"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestFindingJSON(t *testing.T) {
	tests := []struct {
		name string
		f    Finding
		want string
	}{
		{"zero break is written", Finding{Code: BreakTooShort, Rule: "§4", Severity: Violation, Date: d("2026-03-02"), RequiredBreakMinutes: 30, WorkingMinutes: 361},
			`{"code":"ARBZG_4_BREAK_TOO_SHORT","rule":"§4","severity":"violation","date":"2026-03-02","required_break_minutes":30,"actual_break_minutes":0,"working_minutes":361}`},
		{"Sunday without holiday name", Finding{Code: SundayHolidayWork, Rule: "§9", Severity: Flag, Date: d("2026-03-15"), Minutes: 90, DayType: Sunday},
			`{"code":"ARBZG_9_SUNDAY_HOLIDAY_WORK","rule":"§9","severity":"flag","date":"2026-03-15","minutes":90,"day_type":"sunday"}`},
		{"holiday with name", Finding{Code: SundayHolidayWork, Rule: "§9", Severity: Flag, Date: d("2026-04-06"), Minutes: 90, DayType: Holiday, HolidayName: "Ostermontag"},
			`{"code":"ARBZG_9_SUNDAY_HOLIDAY_WORK","rule":"§9","severity":"flag","date":"2026-04-06","minutes":90,"day_type":"holiday","holiday_name":"Ostermontag"}`},
		{"year", Finding{Code: TooFewFreeSundays, Rule: "§11", Severity: Violation, Year: 2026, FreeSundays: 0, SundaysInYear: 52, SundaysWorked: 52},
			`{"code":"ARBZG_11_TOO_FEW_FREE_SUNDAYS","rule":"§11","severity":"violation","year":2026,"free_sundays":0,"sundays_in_year":52,"sundays_worked":52}`},
		{"period", Finding{Code: AverageExceeded, Rule: "§3", Severity: Violation, PeriodStart: d("2026-01-01"), PeriodEndExclusive: d("2026-07-01"), AverageMinutesPerWerktag: 499.33, WorkingMinutes: 74400, Werktage: 149},
			`{"code":"ARBZG_3_AVERAGE_EXCEEDED","rule":"§3","severity":"violation","period_start":"2026-01-01","period_end_exclusive":"2026-07-01","average_minutes_per_werktag":499.33,"working_minutes":74400,"werktage":149}`},
		{"regional holiday", newFindingWith(RegionalHoliday, func(f *Finding) { f.Date, f.Minutes, f.HolidayName = d("2026-08-15"), 240, "Mariä Himmelfahrt" }),
			`{"code":"INFO_REGIONAL_HOLIDAY","rule":"§9","severity":"info","date":"2026-08-15","minutes":240,"holiday_name":"Mariä Himmelfahrt"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.f)
			if err != nil || string(b) != tc.want {
				t.Fatalf("Marshal(%+v) = %s, %v\nwant %s", tc.f, b, err, tc.want)
			}
			var back Finding
			if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, tc.f) {
				t.Errorf("Unmarshal(%s) = %+v, %v; want %+v", b, back, err, tc.f)
			}
		})
	}
}

func newFindingWith(c Code, set func(*Finding)) Finding {
	f := newFinding(c)
	set(&f)
	return f
}

func TestSpecs(t *testing.T) {
	var codes []Code
	fields := map[string]bool{}
	for _, s := range specs {
		codes = append(codes, s.code)
		f := newFinding(s.code)
		if f.Rule == "" || f.Severity == "" {
			t.Errorf("%s: no rule or severity", s.code)
		}
		for _, name := range s.fields {
			fields[name] = true
			_ = f.field(name) // panics on a name without a Finding field
		}
	}
	if len(slices.Compact(slices.Clone(codes))) != len(specs) {
		t.Errorf("codes listed twice: %v", codes)
	}
	// Every field MarshalJSON can write is a JSON tag of Finding, so
	// Unmarshal reads what Marshal wrote.
	typ := reflect.TypeFor[Finding]()
	tags := map[string]bool{}
	for i := range typ.NumField() {
		tags[strings.Split(typ.Field(i).Tag.Get("json"), ",")[0]] = true
	}
	for name := range fields {
		if !tags[name] {
			t.Errorf("field %s has no json tag on Finding", name)
		}
	}
}

// TestDocsListCodes keeps docs/worktime-rules.md in step with specs: every
// code has a table row naming its rule, severity and fields.
func TestDocsListCodes(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "worktime-rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for line := range strings.Lines(string(doc)) {
		if m := regexp.MustCompile("^\\| `([A-Z0-9_]+)` \\|").FindStringSubmatch(line); m != nil {
			rows[m[1]] = line
		}
	}
	for _, s := range specs {
		row, ok := rows[string(s.code)]
		if !ok {
			t.Errorf("docs/worktime-rules.md: no table row for %s", s.code)
			continue
		}
		cells := strings.Split(row, "|")
		if len(cells) < 5 || strings.TrimSpace(cells[2]) != s.rule || strings.TrimSpace(cells[3]) != string(s.severity) {
			t.Errorf("docs/worktime-rules.md: row %q, want rule %s and severity %s", strings.TrimSpace(row), s.rule, s.severity)
			continue
		}
		var want []string
		for _, f := range s.fields {
			want = append(want, "`"+f+"`")
		}
		if got := strings.TrimSpace(cells[4]); got != strings.Join(want, ", ") {
			t.Errorf("docs/worktime-rules.md: %s fields %s, want %s", s.code, got, strings.Join(want, ", "))
		}
	}
}

// goldenInput is the JSON input of "ortlos worktime check".
type goldenInput struct {
	State           string `json:"state"`
	Timezone        string `json:"timezone"`
	ReferencePeriod *struct {
		Type  string     `json:"type"`
		Start civil.Date `json:"start"`
	} `json:"reference_period"`
	Intervals []struct {
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
	} `json:"intervals"`
}

// TestGolden checks a realistic month (testdata/*.input.json, the CLI's
// input format) against testdata/*.golden.json. Run with -update to
// rewrite the golden files, then read the diff.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "*.input.json"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no testdata/*.input.json: %v", err)
	}
	for _, path := range inputs {
		name := strings.TrimSuffix(filepath.Base(path), ".input.json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var gi goldenInput
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&gi); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			in := Input{State: gi.State, Location: mustLoad(gi.Timezone)}
			if rp := gi.ReferencePeriod; rp != nil {
				in.ReferencePeriod = &ReferencePeriod{Type: rp.Type, Start: rp.Start}
			}
			for _, v := range gi.Intervals {
				in.Intervals = append(in.Intervals, Interval{v.Start, v.End})
			}
			res, err := Check(in, testCalendar)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run go test -update and read the diff):\n%s", path, golden, got)
			}
		})
	}
}
