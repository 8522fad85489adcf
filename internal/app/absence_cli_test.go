package app

// "ortlos absence entitlement", run in-process through cmdAbsence (and
// through Run once cli.go dispatches "absence").

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"strings"
	"testing"
)

type absenceRun struct {
	err            error
	stdout, stderr string
}

func runAbsence(args ...string) absenceRun {
	var stdout, stderr bytes.Buffer
	err := cmdAbsence(args, Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
	return absenceRun{err, stdout.String(), stderr.String()}
}

func absenceOK(t *testing.T, args ...string) string {
	t.Helper()
	r := runAbsence(args...)
	if r.err != nil {
		t.Fatalf("ortlos absence %s: %v\nstderr: %s", strings.Join(args, " "), r.err, r.stderr)
	}
	return r.stdout
}

func TestAbsenceCLIText(t *testing.T) {
	t.Parallel()
	got := absenceOK(t, "entitlement", "--year", "2026", "--days-per-week", "5", "--annual-days", "30", "--start", "2026-03-15")
	want := `Leave entitlement 2026: 23 days
Statutory minimum (§§ 3-5 BUrlG): 20 days
Contractual: 23 days

Calculation:
 1. §5(1) BUrlG: Employed from 2026-03-15 to 2026-12-31 in 2026: 9 full months.
 2. §3(1) BUrlG: Statutory minimum for a full year: 24 Werktage (6-day week) × 5/6 days per week = 20 days.
 3. §4 BUrlG: The six-month waiting period from 2026-03-15 ends on 2026-09-14; the full entitlement is acquired on 2026-09-15 if employment lasts until then.
 4. §4 BUrlG: Waiting period completed and not leaving in the first half of 2026: full statutory entitlement of 20 days.
 5. contract: Contractual entitlement for a full year: 30 days (5-day week) × 5/5 days per week = 30 days.
 6. contract (§5(1) BUrlG, §26(2)b TVöD): Employment begins or ends during the year: 1/12 per full month, 30 × 9/12 = 22.5 days.
 7. §5(2) BUrlG (applied to the contractual part): The fraction 1/2 of a day is at least half a day: 22.5 days are rounded up to 23 days.
 8. §13(1) BUrlG: The contractual 23 days are not below the statutory minimum of 20 days: the entitlement is 23 days.
`
	if got != want {
		t.Errorf("absence entitlement (join 15 March, 30 days):\n got:\n%s\nwant:\n%s", got, want)
	}
	// Single-dash flags and an upper-case format give the same.
	if again := absenceOK(t, "entitlement", "-year=2026", "-days-per-week=5", "-annual-days=30", "-start=2026-03-15", "-format=TEXT"); again != want {
		t.Errorf("single-dash flags:\n got:\n%s\nwant:\n%s", again, want)
	}
	// A remaining fraction is shown with four decimals and exactly.
	got = absenceOK(t, "entitlement", "--year", "2026", "--days-per-week", "5", "--start", "2026-11-01")
	if first, _, _ := strings.Cut(got, "\n"); first != "Leave entitlement 2026: 3.3333 days (10/3)" {
		t.Errorf("join 1 November, statutory only: first line %q, want %q", first, "Leave entitlement 2026: 3.3333 days (10/3)")
	}
}

// absenceJSON is the JSON "absence entitlement --format json" prints.
type absenceJSON struct {
	Year                     int      `json:"year"`
	DaysPerWeek              int      `json:"days_per_week"`
	AnnualDays               *int     `json:"annual_days"`
	Days                     float64  `json:"days"`
	DaysFraction             string   `json:"days_fraction"`
	StatutoryMinimumDays     float64  `json:"statutory_minimum_days"`
	StatutoryMinimumFraction string   `json:"statutory_minimum_fraction"`
	ContractualDays          *float64 `json:"contractual_days"`
	ContractualFraction      *string  `json:"contractual_fraction"`
	Start                    *string  `json:"start"`
	End                      *string  `json:"end"`
	EmployedFrom             *string  `json:"employed_from"`
	EmployedTo               *string  `json:"employed_to"`
	FullMonths               int      `json:"full_months"`
	Steps                    []struct {
		Rule         string         `json:"rule"`
		Code         string         `json:"code"`
		Text         string         `json:"text"`
		Figures      map[string]any `json:"figures"`
		Days         *float64       `json:"days"`
		DaysFraction *string        `json:"days_fraction"`
	} `json:"steps"`
}

func TestAbsenceCLIJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args          []string
		days          float64
		fraction      string
		statutory     float64
		contractual   float64 // 0: none
		months        int
		lastCode      string
		containsCodes []string
	}{
		{[]string{"--days-per-week", "5", "--annual-days", "30"}, 30, "30", 20, 30, 12, "contractual_applies", []string{"contractual_full_year"}},
		{[]string{"--days-per-week", "4", "--annual-days", "30"}, 24, "24", 16, 24, 12, "contractual_applies", nil},
		{[]string{"--days-per-week", "3", "--annual-days", "30"}, 18, "18", 12, 18, 12, "contractual_applies", nil},
		{[]string{"--days-per-week", "5"}, 20, "20", 20, 0, 12, "no_contract", []string{"statutory_full"}},
		{[]string{"--days-per-week", "6"}, 24, "24", 24, 0, 12, "no_contract", nil},
		{[]string{"--days-per-week", "5", "--annual-days", "0"}, 20, "20", 20, 0, 12, "no_contract", nil},
		{[]string{"--days-per-week", "5", "--annual-days", "30", "--start", "2026-07-01"}, 15, "15", 10, 15, 6, "contractual_applies", []string{"statutory_pro_rata_waiting", "contractual_pro_rata"}},
		{[]string{"--days-per-week", "5", "--annual-days", "30", "--start", "2026-03-15"}, 23, "23", 20, 23, 9, "contractual_applies", []string{"rounded_up"}},
		{[]string{"--days-per-week", "5", "--annual-days", "30", "--start", "2015-09-01", "--end", "2026-03-31"}, 8, "8", 5, 8, 3, "contractual_applies", []string{"statutory_pro_rata_left_first_half", "rounded_up"}},
		{[]string{"--days-per-week", "5", "--annual-days", "30", "--end", "2026-07-31"}, 20, "20", 20, 18, 7, "statutory_minimum_applies", []string{"statutory_full"}},
		{[]string{"--days-per-week", "5", "--start", "2026-11-01"}, 3.3333, "10/3", 3.3333, 0, 2, "no_contract", []string{"fraction_kept"}},
		{[]string{"--days-per-week", "5", "--annual-days", "28", "--start", "2027-02-01"}, 0, "0", 0, 0, 0, "not_employed", nil},
	} {
		args := append([]string{"entitlement", "--year", "2026", "--format", "json"}, tc.args...)
		out := absenceOK(t, args...)
		var got absenceJSON
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%v: output is not the expected JSON: %v\n%s", tc.args, err, out)
		}
		contractual := 0.0
		if got.ContractualDays != nil {
			contractual = *got.ContractualDays
		}
		if got.Year != 2026 || got.Days != tc.days || got.DaysFraction != tc.fraction || got.StatutoryMinimumDays != tc.statutory ||
			contractual != tc.contractual || got.FullMonths != tc.months {
			t.Errorf("%v: year %d, days %v (%s), statutory %v, contractual %v, %d months; want 2026, %v (%s), %v, %v, %d\n%s",
				tc.args, got.Year, got.Days, got.DaysFraction, got.StatutoryMinimumDays, contractual, got.FullMonths,
				tc.days, tc.fraction, tc.statutory, tc.contractual, tc.months, out)
		}
		if len(got.Steps) == 0 {
			t.Fatalf("%v: no steps\n%s", tc.args, out)
		}
		codes := map[string]bool{}
		for i, s := range got.Steps {
			codes[s.Code] = true
			if s.Rule == "" || s.Code == "" || s.Text == "" || (s.Days == nil) != (s.DaysFraction == nil) {
				t.Errorf("%v: step %d incomplete: %+v", tc.args, i, s)
			}
		}
		last := got.Steps[len(got.Steps)-1]
		if last.Code != tc.lastCode || last.Days == nil || *last.Days != tc.days || *last.DaysFraction != tc.fraction {
			t.Errorf("%v: last step %+v, want %s with %v days", tc.args, last, tc.lastCode, tc.days)
		}
		for _, c := range tc.containsCodes {
			if !codes[c] {
				t.Errorf("%v: no step %s\n%s", tc.args, c, out)
			}
		}
	}
}

// TestAbsenceCLIJSONExact fixes the JSON of the example.
func TestAbsenceCLIJSONExact(t *testing.T) {
	t.Parallel()
	got := absenceOK(t, "entitlement", "--year", "2026", "--days-per-week", "5", "--start", "2026-11-01", "--format", "json")
	want := `{
  "year": 2026,
  "days_per_week": 5,
  "start": "2026-11-01",
  "days": 3.3333,
  "days_fraction": "10/3",
  "statutory_minimum_days": 3.3333,
  "statutory_minimum_fraction": "10/3",
  "employed_from": "2026-11-01",
  "employed_to": "2026-12-31",
  "full_months": 2,
  "steps": [
    {
      "rule": "§5(1) BUrlG",
      "code": "employment_in_year",
      "text": "Employed from 2026-11-01 to 2026-12-31 in 2026: 2 full months.",
      "figures": {
        "from": "2026-11-01",
        "full_months": 2,
        "to": "2026-12-31"
      }
    },
    {
      "rule": "§3(1) BUrlG",
      "code": "statutory_base",
      "text": "Statutory minimum for a full year: 24 Werktage (6-day week) × 5/6 days per week = 20 days.",
      "figures": {
        "days_per_week": 5,
        "werktage": 24,
        "werktage_per_week": 6
      },
      "days": 20,
      "days_fraction": "20"
    },
    {
      "rule": "§4 BUrlG",
      "code": "waiting_period",
      "text": "The six-month waiting period from 2026-11-01 ends on 2027-04-30; the full entitlement is acquired on 2027-05-01 if employment lasts until then.",
      "figures": {
        "full_entitlement_from": "2027-05-01",
        "start": "2026-11-01",
        "waiting_period_end": "2027-04-30"
      }
    },
    {
      "rule": "§5(1)a BUrlG",
      "code": "statutory_pro_rata_waiting",
      "text": "The full entitlement is not acquired in 2026 (waiting period not completed in the year): 1/12 per full month, 20 × 2/12 = 10/3 (3.3333) days.",
      "figures": {
        "full_months": 2,
        "full_year_days": "20"
      },
      "days": 3.3333,
      "days_fraction": "10/3"
    },
    {
      "rule": "§5(2) BUrlG",
      "code": "fraction_kept",
      "text": "The fraction 1/3 of a day is less than half a day: it is kept, the statutory part stays 10/3 (3.3333) days.",
      "figures": {
        "after": "10/3",
        "before": "10/3",
        "fraction": "1/3",
        "part": "statutory"
      },
      "days": 3.3333,
      "days_fraction": "10/3"
    },
    {
      "rule": "§3(1) BUrlG",
      "code": "no_contract",
      "text": "No contractual entitlement given: the statutory minimum of 10/3 (3.3333) days applies.",
      "days": 3.3333,
      "days_fraction": "10/3"
    }
  ]
}
`
	if got != want {
		t.Errorf("absence entitlement --start 2026-11-01 --format json:\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestAbsenceCLIErrors(t *testing.T) {
	t.Parallel()
	base := []string{"entitlement", "--year", "2026", "--days-per-week", "5"}
	for _, tc := range []struct {
		args []string
		want string // in the error message
	}{
		{nil, "absence needs a sub-command"},
		{[]string{"balance"}, `unknown absence sub-command "balance"`},
		{[]string{"entitlement", "--days-per-week", "5"}, "--year is required"},
		{[]string{"entitlement", "--year", "2026"}, "--days-per-week is required"},
		{[]string{"entitlement", "--year", "x", "--days-per-week", "5"}, `invalid value "x" for flag -year`},
		{append(base, "--bogus"), "flag provided but not defined: -bogus"},
		{append(base, "extra"), `unexpected argument "extra"`},
		{append(base, "--format", "ics"), `--format "ics" is not text or json`},
		{append(base, "--start", "15.03.2026"), `--start "15.03.2026" is not a date (YYYY-MM-DD)`},
		{append(base, "--end", "2026-02-30"), `--end "2026-02-30" is not a date`},
		{append(base, "--start", "2026-05-02", "--end", "2026-05-01"), "--end: 2026-05-01 is before the start 2026-05-02"},
		{append(base, "--annual-days", "-3"), "--annual-days: -3 is not between 0 and 262"},
		{[]string{"entitlement", "--year", "2026", "--days-per-week", "7"}, "--days-per-week: 7 is not between 1 and 6"},
		{[]string{"entitlement", "--year", "1990", "--days-per-week", "5"}, "--year: 1990 is outside 1995 to 2200"},
	} {
		r := runAbsence(tc.args...)
		if !errors.Is(r.err, errUsage) || !strings.Contains(r.err.Error(), tc.want) {
			t.Errorf("absence %s: error %v, want a usage error containing %q", strings.Join(tc.args, " "), r.err, tc.want)
		}
		if r.stdout != "" {
			t.Errorf("absence %s: printed %q on standard output", strings.Join(tc.args, " "), r.stdout)
		}
	}
}

func TestAbsenceCLIHelp(t *testing.T) {
	t.Parallel()
	r := runAbsence("entitlement", "-h")
	if !errors.Is(r.err, flag.ErrHelp) || !strings.Contains(r.stderr, "Usage: ortlos absence entitlement") {
		t.Errorf("absence entitlement -h: error %v, stderr %q; want flag.ErrHelp and the usage", r.err, r.stderr)
	}
	r = runAbsence("help")
	if r.err != nil || !strings.Contains(r.stdout, "--annual-days") || strings.Contains(r.stdout, "%!") {
		t.Errorf("absence help: error %v, stdout %q", r.err, r.stdout)
	}
}

// TestAbsenceCLIRun goes through Run, the way cmd/ortlos calls it: exit
// codes 0 and 2.
func TestAbsenceCLIRun(t *testing.T) {
	t.Parallel()
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := Run(context.Background(), append([]string{"absence"}, args...), Env{
			Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" },
		})
		return code, stdout.String(), stderr.String()
	}
	code, _, stderr := run("entitlement", "--year", "2026", "--days-per-week", "5")
	if code != 0 {
		t.Fatalf("ortlos absence entitlement: exit %d, want 0\nstderr: %s", code, stderr)
	}
	code, stdout, stderr := run("entitlement", "--year", "2026", "--days-per-week", "9")
	if code != 2 || stdout != "" || !strings.Contains(stderr, "--days-per-week: 9 is not between 1 and 6") {
		t.Errorf("ortlos absence entitlement --days-per-week 9: exit %d, stdout %q, stderr %q; want 2 and the reason", code, stdout, stderr)
	}
}
