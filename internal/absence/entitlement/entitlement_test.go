package entitlement

import (
	"errors"
	"math/big"
	"testing"
	"time"

	"ortlos/internal/civil"
)

func d(s string) civil.Date {
	if s == "" {
		return civil.Date{}
	}
	v, err := civil.Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("bad rat " + s)
	}
	return r
}

// TestCompute checks hand-computed cases. Months are counted from the first
// day of employment in the year (§§ 187(2), 188(2) BGB).
func TestCompute(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		in          Input
		days, stat  string // exact amounts
		contractual string // "" without contract
		months      int
		codes       []string // codes that must appear, in this order
	}{
		{"TVöD 30, 5-day week, whole year", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30}, "30", "20", "30", 12,
			[]string{CodeEmployment, CodeStatutoryBase, CodeWaitingAssumed, CodeStatutoryFull, CodeContractualBase, CodeContractualFull, CodeContractualApplies}},
		{"TVöD 30, 4-day week", Input{Year: 2026, DaysPerWeek: 4, AnnualDays: 30}, "24", "16", "24", 12,
			[]string{CodeStatutoryFull, CodeContractualApplies}},
		{"TVöD 30, 3-day week", Input{Year: 2026, DaysPerWeek: 3, AnnualDays: 30}, "18", "12", "18", 12, nil},
		{"TVöD 30, 6-day week", Input{Year: 2026, DaysPerWeek: 6, AnnualDays: 30}, "36", "24", "36", 12, nil},
		{"TVöD 30, 1-day week", Input{Year: 2026, DaysPerWeek: 1, AnnualDays: 30}, "6", "4", "6", 12, nil},
		{"statutory only, 5-day week", Input{Year: 2026, DaysPerWeek: 5}, "20", "20", "", 12,
			[]string{CodeStatutoryFull, CodeNoContract}},
		{"statutory only, 6-day week", Input{Year: 2026, DaysPerWeek: 6}, "24", "24", "", 12, nil},
		{"statutory only, 2-day week", Input{Year: 2026, DaysPerWeek: 2}, "8", "8", "", 12, nil},
		{"contract below the minimum", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 18}, "20", "20", "18", 12,
			[]string{CodeStatutoryApplies}},
		{"contract 28, 4-day week: 22.4 keeps its fraction", Input{Year: 2026, DaysPerWeek: 4, AnnualDays: 28}, "112/5", "16", "112/5", 12,
			[]string{CodeContractualFull, CodeFractionKept, CodeContractualApplies}},
		{"contract 26, 3-day week: 15.6 rounds up", Input{Year: 2026, DaysPerWeek: 3, AnnualDays: 26}, "16", "12", "16", 12,
			[]string{CodeContractualFull, CodeRoundedUp}},
		// BAG 17.11.2015 – 9 AZR 179/15: joining on 1 July gives no full
		// entitlement that year (§ 5(1)a): 20 × 6/12 = 10; contract 30 × 6/12 = 15.
		{"joins 1 July", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, Start: d("2026-07-01")}, "15", "10", "15", 6,
			[]string{CodeWaitingPeriod, CodeStatutoryWaitingPending, CodeContractualProRata, CodeContractualApplies}},
		{"joins 1 July, statutory only", Input{Year: 2026, DaysPerWeek: 5, Start: d("2026-07-01")}, "10", "10", "", 6, nil},
		// 30 June: waiting period ends 29 December, the full statutory 20
		// days are acquired on 30 December; the contract gives 15.
		{"joins 30 June", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, Start: d("2026-06-30")}, "20", "20", "15", 6,
			[]string{CodeStatutoryFull, CodeContractualProRata, CodeStatutoryApplies}},
		// 15 March: 15.3.–14.12. are 9 full months; 30 × 9/12 = 22.5 → 23.
		// The waiting period ends 14 September: full statutory 20.
		{"joins 15 March", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, Start: d("2026-03-15")}, "23", "20", "23", 9,
			[]string{CodeStatutoryFull, CodeContractualProRata, CodeRoundedUp, CodeContractualApplies}},
		{"joins 1 March", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, Start: d("2026-03-01")}, "25", "20", "25", 10, nil},
		// 2 July: 2.7.–1.12. are 5 full months; 20 × 5/12 = 25/3 = 8 1/3,
		// kept; contract 30 × 5/12 = 12.5 → 13.
		{"joins 2 July", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, Start: d("2026-07-02")}, "13", "25/3", "13", 5,
			[]string{CodeStatutoryWaitingPending, CodeFractionKept, CodeRoundedUp}},
		// The example of the issue: 20 × 2/12 = 10/3.
		{"joins 1 November, statutory only", Input{Year: 2026, DaysPerWeek: 5, Start: d("2026-11-01")}, "10/3", "10/3", "", 2,
			[]string{CodeStatutoryWaitingPending, CodeFractionKept, CodeNoContract}},
		// 6-day week, 2 months: 24 × 2/12 = 4 exactly.
		{"joins 1 November, 6-day week", Input{Year: 2026, DaysPerWeek: 6, Start: d("2026-11-01")}, "4", "4", "", 2, nil},
		// Leaves 31 March after years: § 5(1)c, 20 × 3/12 = 5; the contract
		// 30 × 3/12 = 7.5 → 8.
		{"leaves 31 March after years", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, Start: d("2010-04-01"), End: d("2026-03-31")}, "8", "5", "8", 3,
			[]string{CodeWaitingPeriod, CodeStatutoryLeftFirstHalf, CodeContractualProRata, CodeRoundedUp}},
		{"leaves 31 March, no start given", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, End: d("2026-03-31")}, "8", "5", "8", 3,
			[]string{CodeWaitingAssumed, CodeStatutoryLeftFirstHalf}},
		// 30 March: March is not a full month.
		{"leaves 30 March", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, End: d("2026-03-30")}, "5", "10/3", "5", 2, nil},
		// Leaving on 30 June is still the first half (§ 5(1)c).
		{"leaves 30 June", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, End: d("2026-06-30")}, "15", "10", "15", 6,
			[]string{CodeStatutoryLeftFirstHalf}},
		// Leaving in the second half after the waiting period: full
		// statutory 20; the contract 30 × 7/12 = 17.5 → 18 is below it.
		{"leaves 31 July", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, End: d("2026-07-31")}, "20", "20", "18", 7,
			[]string{CodeStatutoryFull, CodeContractualProRata, CodeStatutoryApplies}},
		{"leaves 15 July", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, End: d("2026-07-15")}, "20", "20", "15", 6, nil},
		// 30 × 11/12 = 27.5 → 28.
		{"leaves 30 November", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, End: d("2026-11-30")}, "28", "20", "28", 11, nil},
		// § 5(1)b: joins 1 February, leaves 31 May before the waiting period:
		// 4 months; 20 × 4/12 = 6 2/3 → 7, 30 × 4/12 = 10.
		{"joins and leaves within the waiting period", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, Start: d("2026-02-01"), End: d("2026-05-31")}, "10", "7", "10", 4,
			[]string{CodeStatutoryLeftInWaiting, CodeRoundedUp, CodeContractualProRata, CodeContractualApplies}},
		// 4-day week, 3 months: 16 × 3/12 = 4; 24 × 3/12 = 6.
		{"4-day week, joins and leaves within the waiting period", Input{Year: 2026, DaysPerWeek: 4, AnnualDays: 30, Start: d("2026-02-01"), End: d("2026-04-30")}, "6", "4", "6", 3, nil},
		// Leaves on the last day of the waiting period: the full entitlement
		// is acquired only after it (§ 4 "nach"), so § 5(1)b.
		{"leaves on the last day of the waiting period", Input{Year: 2026, DaysPerWeek: 5, Start: d("2026-02-15"), End: d("2026-08-14")}, "10", "10", "", 6,
			[]string{CodeStatutoryLeftInWaiting}},
		{"leaves the day after the waiting period", Input{Year: 2026, DaysPerWeek: 5, Start: d("2026-02-15"), End: d("2026-08-15")}, "20", "20", "", 6,
			[]string{CodeStatutoryFull}},
		// Joined 1 October of the year before: waiting period completed on
		// 31 March, full entitlement in 2026.
		{"joined in the previous autumn", Input{Year: 2026, DaysPerWeek: 5, Start: d("2025-10-01")}, "20", "20", "", 12,
			[]string{CodeWaitingPeriod, CodeStatutoryFull}},
		{"previous autumn, that year", Input{Year: 2025, DaysPerWeek: 5, Start: d("2025-10-01")}, "5", "5", "", 3,
			[]string{CodeStatutoryWaitingPending}},
		// Joined 1 October, leaves 28 February before the waiting period
		// ends: § 5(1)b for 2026, 2 months: 10/3.
		{"previous autumn, leaves in February", Input{Year: 2026, DaysPerWeek: 5, Start: d("2025-10-01"), End: d("2026-02-28")}, "10/3", "10/3", "", 2,
			[]string{CodeStatutoryLeftInWaiting}},
		// Joined 31 January: months end 28 Feb, 30 Mar, 30 Apr, … 30 Dec
		// (§ 188(3) BGB): 11; 30 × 11/12 = 27.5 → 28.
		{"joins 31 January", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, Start: d("2026-01-31")}, "28", "20", "28", 11, nil},
		{"not employed yet", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, Start: d("2027-01-01")}, "0", "0", "0", 0,
			[]string{CodeNotEmployed}},
		{"no longer employed", Input{Year: 2026, DaysPerWeek: 5, End: d("2025-12-31")}, "0", "0", "", 0,
			[]string{CodeNotEmployed}},
		{"employed one day", Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 30, Start: d("2026-12-31")}, "0", "0", "0", 0,
			[]string{CodeEmployment, CodeStatutoryWaitingPending}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := Compute(tc.in)
			if err != nil {
				t.Fatalf("Compute(%+v): %v", tc.in, err)
			}
			if res.Days.Cmp(rat(tc.days)) != 0 || res.StatutoryDays.Cmp(rat(tc.stat)) != 0 {
				t.Errorf("Compute(%+v) = %s days, statutory %s; want %s, statutory %s\n%s",
					tc.in, res.Days.RatString(), res.StatutoryDays.RatString(), tc.days, tc.stat, stepsText(res))
			}
			switch {
			case tc.contractual == "" && res.ContractualDays != nil:
				t.Errorf("Compute(%+v): contractual %s, want none", tc.in, res.ContractualDays.RatString())
			case tc.contractual != "" && (res.ContractualDays == nil || res.ContractualDays.Cmp(rat(tc.contractual)) != 0):
				t.Errorf("Compute(%+v): contractual %v, want %s\n%s", tc.in, res.ContractualDays, tc.contractual, stepsText(res))
			}
			if res.FullMonths != tc.months {
				t.Errorf("Compute(%+v): %d full months, want %d", tc.in, res.FullMonths, tc.months)
			}
			i := 0
			for _, s := range res.Steps {
				if i < len(tc.codes) && s.Code == tc.codes[i] {
					i++
				}
			}
			if i < len(tc.codes) {
				t.Errorf("Compute(%+v): steps lack %q (in order %v)\n%s", tc.in, tc.codes[i], tc.codes, stepsText(res))
			}
			checkSteps(t, res)
		})
	}
}

func stepsText(r Result) string {
	s := ""
	for _, st := range r.Steps {
		s += "  " + st.Rule + " " + st.Code + ": " + st.Text + "\n"
	}
	return s
}

// checkSteps checks what every result must satisfy: each step has a rule,
// code and text, and the last step states the result.
func checkSteps(t *testing.T, r Result) {
	t.Helper()
	if len(r.Steps) == 0 {
		t.Fatalf("Compute(%+v): no steps", r.Input)
	}
	for i, s := range r.Steps {
		if s.Rule == "" || s.Code == "" || s.Text == "" {
			t.Errorf("Compute(%+v): step %d incomplete: %+v", r.Input, i, s)
		}
	}
	last := r.Steps[len(r.Steps)-1]
	if last.Days == nil || last.Days.Cmp(r.Days) != 0 {
		t.Errorf("Compute(%+v): last step %s has %v days, want the result %s", r.Input, last.Code, last.Days, r.Days.RatString())
	}
}

func TestComputeInvalid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    Input
		field string
	}{
		{Input{Year: 1994, DaysPerWeek: 5}, "year"},
		{Input{Year: 2201, DaysPerWeek: 5}, "year"},
		{Input{Year: 2026, DaysPerWeek: 0}, "days-per-week"},
		{Input{Year: 2026, DaysPerWeek: 7}, "days-per-week"},
		{Input{Year: 2026, DaysPerWeek: 5, AnnualDays: -1}, "annual-days"},
		{Input{Year: 2026, DaysPerWeek: 5, AnnualDays: 263}, "annual-days"},
		{Input{Year: 2026, DaysPerWeek: 5, Start: d("2026-05-02"), End: d("2026-05-01")}, "end"},
	} {
		_, err := Compute(tc.in)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("Compute(%+v) = %v, want an InputError for %s", tc.in, err, tc.field)
		}
	}
}

func TestFullMonths(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from, to string
		want     int
	}{
		{"2026-01-01", "2026-12-31", 12},
		{"2026-01-01", "2026-12-30", 11},
		{"2026-03-15", "2026-12-31", 9},
		{"2026-03-15", "2026-12-14", 9},
		{"2026-03-15", "2026-12-13", 8},
		{"2026-02-15", "2026-08-14", 6}, // calendar months would give 5
		{"2026-01-31", "2026-02-27", 0},
		{"2026-01-31", "2026-02-28", 1}, // § 188(3) BGB
		{"2026-01-31", "2026-03-30", 2},
		{"2028-01-30", "2028-02-29", 1}, // leap year
		{"2028-01-30", "2028-02-28", 0},
		{"2026-12-31", "2026-12-31", 0},
	} {
		if got := fullMonths(d(tc.from), d(tc.to)); got != tc.want {
			t.Errorf("fullMonths(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestFloat(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]float64{"10/3": 3.3333, "20/3": 6.6667, "45/2": 22.5, "30": 30, "0": 0, "1/20000": 0.0001} {
		if got := Float(rat(s)); got != want {
			t.Errorf("Float(%s) = %v, want %v", s, got, want)
		}
	}
}

// TestProperties walks every start day of a year with a range of ends and
// checks the invariants of the rules.
func TestProperties(t *testing.T) {
	t.Parallel()
	jan1 := civil.D(2026, time.January, 1)
	for start := jan1.AddDays(-200); start.Year <= 2026; start = start.AddDays(3) {
		for _, end := range []civil.Date{{}, civil.D(2026, time.March, 31), civil.D(2026, time.June, 30), civil.D(2026, time.July, 1), civil.D(2026, time.October, 17), civil.D(2026, time.December, 31)} {
			if !end.IsZero() && end.Before(start) {
				continue
			}
			for dpw := 1; dpw <= 6; dpw++ {
				checkProperties(t, Input{Year: 2026, DaysPerWeek: dpw, AnnualDays: 30, Start: start, End: end})
			}
		}
	}
}

// checkProperties checks in against invariants that do not depend on the
// exact case:
//   - the result is never below the statutory amount, nor below the share
//     of the statutory minimum for the full months employed;
//   - it never exceeds the full-year amount rounded up;
//   - it grows with the annual days and with the days per week;
//   - without a contract it equals the statutory amount;
//   - the steps are complete.
func checkProperties(t *testing.T, in Input) {
	t.Helper()
	res, err := Compute(in)
	if err != nil {
		t.Fatalf("Compute(%+v): %v", in, err)
	}
	checkSteps(t, res)
	full := big.NewRat(int64(4*in.DaysPerWeek), 1)
	if res.Days.Cmp(res.StatutoryDays) < 0 {
		t.Errorf("Compute(%+v): %s days below the statutory %s", in, res.Days.RatString(), res.StatutoryDays.RatString())
	}
	share := new(big.Rat).Mul(full, big.NewRat(int64(res.FullMonths), 12))
	if res.StatutoryDays.Cmp(share) < 0 {
		t.Errorf("Compute(%+v): statutory %s below the share %s for %d months", in, res.StatutoryDays.RatString(), share.RatString(), res.FullMonths)
	}
	if res.StatutoryDays.Cmp(full) > 0 {
		t.Errorf("Compute(%+v): statutory %s above the full %s", in, res.StatutoryDays.RatString(), full.RatString())
	}
	maxContract := new(big.Rat).SetFrac64(int64(in.AnnualDays*in.DaysPerWeek+4), 5) // +4/5: rounded up at most
	if m := maxRat(full, maxContract); res.Days.Cmp(m) > 0 {
		t.Errorf("Compute(%+v): %s days above the full-year %s", in, res.Days.RatString(), m.RatString())
	}
	if res.Days.Sign() < 0 {
		t.Errorf("Compute(%+v): negative %s", in, res.Days.RatString())
	}
	if in.AnnualDays < MaxAnnualDays {
		more := in
		more.AnnualDays++
		if r2, err := Compute(more); err != nil || r2.Days.Cmp(res.Days) < 0 {
			t.Errorf("Compute(%+v) = %s days, but with one annual day more %v (err %v)", in, res.Days.RatString(), r2.Days, err)
		}
	}
	if in.DaysPerWeek < 6 {
		more := in
		more.DaysPerWeek++
		if r2, err := Compute(more); err != nil || r2.Days.Cmp(res.Days) < 0 {
			t.Errorf("Compute(%+v) = %s days, but with one day per week more %v (err %v)", in, res.Days.RatString(), r2.Days, err)
		}
	}
	none := in
	none.AnnualDays = 0
	if r2, err := Compute(none); err != nil || r2.Days.Cmp(res.StatutoryDays) != 0 || r2.ContractualDays != nil {
		t.Errorf("Compute(%+v) without contract = %v, want the statutory %s (err %v)", in, r2.Days, res.StatutoryDays.RatString(), err)
	}
}

func maxRat(a, b *big.Rat) *big.Rat {
	if a.Cmp(b) >= 0 {
		return a
	}
	return b
}

func FuzzCompute(f *testing.F) {
	f.Add(2026, 5, 30, int64(0), int64(0))
	f.Add(2026, 5, 30, int64(181), int64(-1))
	f.Add(2026, 3, 0, int64(73), int64(300))
	f.Add(2026, 6, 28, int64(-400), int64(89))
	f.Fuzz(func(t *testing.T, year, dpw, annual int, startOff, endOff int64) {
		in := Input{Year: year, DaysPerWeek: dpw, AnnualDays: annual}
		// Offsets in days from 1 January; out of ±3 years means "not given".
		jan1 := civil.D(2026, time.January, 1)
		if startOff > -1100 && startOff < 1100 {
			in.Start = jan1.AddDays(int(startOff))
		}
		if endOff > -1100 && endOff < 1100 {
			in.End = jan1.AddDays(int(endOff))
		}
		if in.Validate() != nil {
			if _, err := Compute(in); err == nil {
				t.Fatalf("Compute(%+v): no error for invalid input", in)
			}
			return
		}
		checkProperties(t, in)
	})
}
