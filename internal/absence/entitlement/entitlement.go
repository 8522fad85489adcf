// Package entitlement computes the leave entitlement (Urlaubsanspruch) of
// one person for one calendar year under the Bundesurlaubsgesetz (BUrlG)
// and a contractual entitlement such as the 30 days of § 26 TVöD, and
// explains every step so that an HR clerk can follow how the number came
// about.
//
// The package is pure: no database, no clock, no I/O. Amounts are exact
// fractions (big.Rat); the legal reading behind each rule is described in
// docs/absence-entitlement.md.
package entitlement

import (
	"fmt"
	"math/big"
	"time"

	"ortlos/internal/civil"
)

// Limits of the input.
const (
	// MinYear is the first year of the 24 Werktage of § 3(1) BUrlG (18
	// Werktage before 1995).
	MinYear = 1995
	// MaxYear matches the holiday calendar.
	MaxYear = 2200
	// MaxAnnualDays bounds the contractual entitlement for a five-day week
	// (a year has at most 262 weekdays); larger numbers are typos.
	MaxAnnualDays = 262
)

const (
	statutoryWerktage = 24 // § 3(1) BUrlG
	werktagePerWeek   = 6  // § 3(2) BUrlG: every day but Sundays and holidays
	contractWeekDays  = 5  // contractual entitlements are stated for a 5-day week
	waitingMonths     = 6  // § 4 BUrlG
)

// Input is what the calculation needs to know about one person and year.
type Input struct {
	Year int
	// DaysPerWeek is the number of days a week the person works, 1 to 6.
	DaysPerWeek int
	// AnnualDays is the contractual entitlement for a five-day week, e.g. 30
	// under § 26 TVöD; 0 means no contractual entitlement, only the
	// statutory minimum.
	AnnualDays int
	// Start and End are the first and last day of employment; the zero
	// Date means "not given": employed since long before the year, resp.
	// beyond it.
	Start, End civil.Date
}

// Result is the entitlement of one year with the steps that led to it.
type Result struct {
	Input Input
	// Days is the entitlement: the contractual amount, but never less than
	// the statutory one.
	Days *big.Rat
	// StatutoryDays is the statutory minimum of §§ 3–5 BUrlG for this person
	// and year (already pro rata and rounded).
	StatutoryDays *big.Rat
	// ContractualDays is the contractual amount (converted, pro rata,
	// rounded); nil without a contractual entitlement.
	ContractualDays *big.Rat
	// EmployedFrom and EmployedTo are the first and last day of employment
	// within the year; both zero when the person is not employed in it.
	EmployedFrom, EmployedTo civil.Date
	// FullMonths is the number of full months of employment within the
	// year (§§ 187(2), 188(2) BGB), 12 for the whole year.
	FullMonths int
	// Steps explain the calculation, in order.
	Steps []Step
}

// Step is one step of the calculation.
type Step struct {
	// Rule is the legal basis, e.g. "§3(1) BUrlG" or "contract".
	Rule string
	// Code identifies the step for programs; see the Code* constants.
	Code string
	// Text explains the step in one English sentence.
	Text string
	// Figures are the numbers and dates the step used; values are int,
	// string (dates as YYYY-MM-DD, fractions as "45/2") or bool.
	Figures map[string]any
	// Days is the amount the step arrived at, nil when it computes none.
	Days *big.Rat
}

// Step codes. They are stable: programs and translations may rely on them.
const (
	CodeNotEmployed             = "not_employed"                              // no day of employment in the year
	CodeEmployment              = "employment_in_year"                        // employment period and full months in the year
	CodeStatutoryBase           = "statutory_base"                            // 24 Werktage converted to the days per week
	CodeWaitingAssumed          = "waiting_period_assumed"                    // no start given: waiting period completed long ago
	CodeWaitingPeriod           = "waiting_period"                            // when the waiting period ends
	CodeStatutoryFull           = "statutory_full"                            // full statutory entitlement
	CodeStatutoryWaitingPending = "statutory_pro_rata_waiting"                // § 5(1)a: waiting period not completed in the year
	CodeStatutoryLeftInWaiting  = "statutory_pro_rata_left_in_waiting_period" // § 5(1)b
	CodeStatutoryLeftFirstHalf  = "statutory_pro_rata_left_first_half"        // § 5(1)c
	CodeRoundedUp               = "rounded_up"                                // § 5(2): fraction of at least half a day
	CodeFractionKept            = "fraction_kept"                             // § 5(2): smaller fraction kept
	CodeNoContract              = "no_contract"                               // statutory minimum only
	CodeContractualBase         = "contractual_base"                          // annual days converted to the days per week
	CodeContractualFull         = "contractual_full_year"                     // employed the whole year
	CodeContractualProRata      = "contractual_pro_rata"                      // joined or left during the year
	CodeContractualApplies      = "contractual_applies"                       // result: contractual amount
	CodeStatutoryApplies        = "statutory_minimum_applies"                 // result: statutory minimum (§ 13(1) BUrlG)
)

// InputError is an invalid input. Field is named like the command-line
// flag without dashes ("year", "days-per-week", "annual-days", "start",
// "end").
type InputError struct {
	Field   string
	Message string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Message }

func invalid(field, format string, a ...any) error {
	return &InputError{Field: field, Message: fmt.Sprintf(format, a...)}
}

// Validate checks the input.
func (in Input) Validate() error {
	if in.Year < MinYear || in.Year > MaxYear {
		return invalid("year", "%d is outside %d to %d (the 24 Werktage of § 3 BUrlG apply since 1995)", in.Year, MinYear, MaxYear)
	}
	if in.DaysPerWeek < 1 || in.DaysPerWeek > werktagePerWeek {
		return invalid("days-per-week", "%d is not between 1 and 6", in.DaysPerWeek)
	}
	if in.AnnualDays < 0 || in.AnnualDays > MaxAnnualDays {
		return invalid("annual-days", "%d is not between 0 and %d", in.AnnualDays, MaxAnnualDays)
	}
	if !in.Start.IsZero() && !in.End.IsZero() && in.End.Before(in.Start) {
		return invalid("end", "%s is before the start %s", in.End, in.Start)
	}
	return nil
}

// Compute calculates the entitlement of in.Year. It returns an
// *InputError for invalid input.
func Compute(in Input) (Result, error) {
	if err := in.Validate(); err != nil {
		return Result{}, err
	}
	c := calc{in: in, res: Result{Input: in}}
	c.run()
	return c.res, nil
}

type calc struct {
	in  Input
	res Result
}

func (c *calc) add(s Step) { c.res.Steps = append(c.res.Steps, s) }

func (c *calc) run() {
	in := c.in
	jan1, dec31 := civil.D(in.Year, time.January, 1), civil.D(in.Year, time.December, 31)
	from, to := jan1, dec31
	if !in.Start.IsZero() && in.Start.After(from) {
		from = in.Start
	}
	if !in.End.IsZero() && in.End.Before(to) {
		to = in.End
	}
	if to.Before(from) {
		zero := new(big.Rat)
		c.res.Days, c.res.StatutoryDays = zero, zero
		if in.AnnualDays > 0 {
			c.res.ContractualDays = zero
		}
		c.add(Step{Rule: "§1 BUrlG", Code: CodeNotEmployed,
			Text:    fmt.Sprintf("Not employed in %d: no entitlement for this year.", in.Year),
			Figures: dateFigures(map[string]civil.Date{"start": in.Start, "end": in.End}),
			Days:    zero})
		return
	}
	months := fullMonths(from, to)
	c.res.EmployedFrom, c.res.EmployedTo, c.res.FullMonths = from, to, months
	wholeYear := from == jan1 && to == dec31
	text := fmt.Sprintf("Employed from %s to %s in %d: %d full months.", from, to, in.Year, months)
	if wholeYear {
		text = fmt.Sprintf("Employed for the whole year %d: 12 full months.", in.Year)
	}
	c.add(Step{Rule: "§5(1) BUrlG", Code: CodeEmployment, Text: text,
		Figures: map[string]any{"from": from.String(), "to": to.String(), "full_months": months}})

	stat := c.statutory(jan1, dec31, months)
	c.res.StatutoryDays = stat
	if in.AnnualDays == 0 {
		c.add(Step{Rule: "§3(1) BUrlG", Code: CodeNoContract,
			Text: fmt.Sprintf("No contractual entitlement given: the statutory minimum of %s days applies.", daysText(stat)),
			Days: stat})
		c.res.Days = stat
		return
	}
	contr := c.contractual(wholeYear, months)
	c.res.ContractualDays = contr
	figures := map[string]any{"contractual": ratFigure(contr), "statutory": ratFigure(stat)}
	if contr.Cmp(stat) >= 0 {
		c.add(Step{Rule: "§13(1) BUrlG", Code: CodeContractualApplies, Figures: figures, Days: contr,
			Text: fmt.Sprintf("The contractual %s days are not below the statutory minimum of %s days: the entitlement is %s days.", daysText(contr), daysText(stat), daysText(contr))})
		c.res.Days = contr
		return
	}
	c.add(Step{Rule: "§13(1) BUrlG", Code: CodeStatutoryApplies, Figures: figures, Days: stat,
		Text: fmt.Sprintf("The contractual %s days are below the statutory minimum of %s days, which cannot be reduced by contract: the entitlement is %s days.", daysText(contr), daysText(stat), daysText(stat))})
	c.res.Days = stat
}

// statutory computes the minimum of §§ 3–5 BUrlG.
func (c *calc) statutory(jan1, dec31 civil.Date, months int) *big.Rat {
	in := c.in
	full := big.NewRat(int64(statutoryWerktage*in.DaysPerWeek), werktagePerWeek)
	c.add(Step{Rule: "§3(1) BUrlG", Code: CodeStatutoryBase, Days: full,
		Figures: map[string]any{"werktage": statutoryWerktage, "days_per_week": in.DaysPerWeek, "werktage_per_week": werktagePerWeek},
		Text: fmt.Sprintf("Statutory minimum for a full year: 24 Werktage (6-day week) × %d/6 days per week = %s days.",
			in.DaysPerWeek, daysText(full))})

	// acquired is the day the full entitlement is acquired: the day after
	// the six-month waiting period (§ 4 BUrlG: "nach" six months; BAG
	// 17.11.2015 – 9 AZR 179/15). Without a start, long ago.
	var acquired civil.Date
	if in.Start.IsZero() {
		c.add(Step{Rule: "§4 BUrlG", Code: CodeWaitingAssumed,
			Text: "No start of employment given: the six-month waiting period is taken as completed before the year."})
	} else {
		waitEnd := addMonths(in.Start, waitingMonths).AddDays(-1)
		acquired = waitEnd.AddDays(1)
		c.add(Step{Rule: "§4 BUrlG", Code: CodeWaitingPeriod,
			Figures: map[string]any{"start": in.Start.String(), "waiting_period_end": waitEnd.String(), "full_entitlement_from": acquired.String()},
			Text: fmt.Sprintf("The six-month waiting period from %s ends on %s; the full entitlement is acquired on %s if employment lasts until then.",
				in.Start, waitEnd, acquired)})
	}
	leavesInYear := !in.End.IsZero() && !in.End.Before(jan1) && !in.End.After(dec31)
	// The full entitlement is acquired in or before the year if the day
	// of acquisition falls before the end of the year and of employment.
	hasFull := acquired.IsZero() ||
		(!acquired.After(dec31) && (in.End.IsZero() || !acquired.After(in.End)))
	var rule, code, why string
	switch {
	case hasFull && leavesInYear && !in.End.After(civil.D(in.Year, time.June, 30)):
		rule, code = "§5(1)c BUrlG", CodeStatutoryLeftFirstHalf
		why = fmt.Sprintf("Leaves on %s, in the first half of the year, after the waiting period", in.End)
	case hasFull:
		c.add(Step{Rule: "§4 BUrlG", Code: CodeStatutoryFull, Days: full,
			Text: fmt.Sprintf("Waiting period completed and not leaving in the first half of %d: full statutory entitlement of %s days.", in.Year, daysText(full))})
		return full
	case leavesInYear && in.End.Before(acquired):
		rule, code = "§5(1)b BUrlG", CodeStatutoryLeftInWaiting
		why = fmt.Sprintf("Leaves on %s, before the full entitlement is acquired", in.End)
	default:
		rule, code = "§5(1)a BUrlG", CodeStatutoryWaitingPending
		why = fmt.Sprintf("The full entitlement is not acquired in %d (waiting period not completed in the year)", in.Year)
	}
	part := new(big.Rat).Mul(full, big.NewRat(int64(months), 12))
	c.add(Step{Rule: rule, Code: code, Days: part,
		Figures: map[string]any{"full_year_days": ratFigure(full), "full_months": months},
		Text:    fmt.Sprintf("%s: 1/12 per full month, %s × %d/12 = %s days.", why, daysText(full), months, daysText(part))})
	return c.round(part, "statutory", "§5(2) BUrlG")
}

// contractual converts the contractual entitlement to the days per week
// and reduces it pro rata when employment begins or ends during the year
// (the reading of § 26(2)b TVöD and TV-L).
func (c *calc) contractual(wholeYear bool, months int) *big.Rat {
	in := c.in
	full := big.NewRat(int64(in.AnnualDays*in.DaysPerWeek), contractWeekDays)
	c.add(Step{Rule: "contract", Code: CodeContractualBase, Days: full,
		Figures: map[string]any{"annual_days": in.AnnualDays, "days_per_week": in.DaysPerWeek, "contract_days_per_week": contractWeekDays},
		Text: fmt.Sprintf("Contractual entitlement for a full year: %d days (5-day week) × %d/5 days per week = %s days.",
			in.AnnualDays, in.DaysPerWeek, daysText(full))})
	if wholeYear {
		c.add(Step{Rule: "contract", Code: CodeContractualFull, Days: full,
			Text: fmt.Sprintf("Employed for the whole year: full contractual entitlement of %s days.", daysText(full))})
		return c.round(full, "contractual", "§5(2) BUrlG (applied to the contractual part)")
	}
	part := new(big.Rat).Mul(full, big.NewRat(int64(months), 12))
	c.add(Step{Rule: "contract (§5(1) BUrlG, §26(2)b TVöD)", Code: CodeContractualProRata, Days: part,
		Figures: map[string]any{"full_year_days": ratFigure(full), "full_months": months},
		Text: fmt.Sprintf("Employment begins or ends during the year: 1/12 per full month, %s × %d/12 = %s days.",
			daysText(full), months, daysText(part))})
	return c.round(part, "contractual", "§5(2) BUrlG (applied to the contractual part)")
}

// round applies § 5(2) BUrlG: a fraction of at least half a day is rounded
// up to a whole day; a smaller fraction is kept, not dropped (BAG
// 26.1.1989 – 8 AZR 730/87). No step when d is whole.
func (c *calc) round(d *big.Rat, part, rule string) *big.Rat {
	if d.IsInt() {
		return d
	}
	whole := new(big.Int).Quo(d.Num(), d.Denom()) // d ≥ 0: truncation is floor
	frac := new(big.Rat).Sub(d, new(big.Rat).SetInt(whole))
	figures := map[string]any{"part": part, "before": ratFigure(d), "fraction": ratFigure(frac)}
	if frac.Cmp(big.NewRat(1, 2)) >= 0 {
		up := new(big.Rat).SetInt(whole.Add(whole, big.NewInt(1)))
		figures["after"] = ratFigure(up)
		c.add(Step{Rule: rule, Code: CodeRoundedUp, Figures: figures, Days: up,
			Text: fmt.Sprintf("The fraction %s of a day is at least half a day: %s days are rounded up to %s days.",
				frac.RatString(), daysText(d), daysText(up))})
		return up
	}
	figures["after"] = ratFigure(d)
	c.add(Step{Rule: rule, Code: CodeFractionKept, Figures: figures, Days: d,
		Text: fmt.Sprintf("The fraction %s of a day is less than half a day: it is kept, the %s part stays %s days.",
			frac.RatString(), part, daysText(d))})
	return d
}

// fullMonths counts the full months of employment from the first to the
// last day (both inclusive), each month counted from the first day as
// §§ 187(2), 188(2), (3) BGB count a period of months: from 15 March the
// first month ends on 14 April; from 31 January it ends on the last day of
// February.
func fullMonths(from, to civil.Date) int {
	n := 0
	for addMonths(from, n+1).AddDays(-1).Compare(to) <= 0 {
		n++
	}
	return n
}

// addMonths returns the day that begins month n after d, so that the
// months end the day before: the same day of the month n months later, or,
// when that month is too short, the day after its last day (§ 188(3) BGB).
func addMonths(d civil.Date, n int) civil.Date {
	first := civil.D(d.Year, d.Month+time.Month(n), 1)
	last := civil.D(first.Year, first.Month+1, 0).Day
	if d.Day > last {
		return civil.D(first.Year, first.Month+1, 1)
	}
	return civil.D(first.Year, first.Month, d.Day)
}

// Float returns d with four decimals, as the JSON output shows it.
func Float(d *big.Rat) float64 {
	f, _ := new(big.Rat).SetString(d.FloatString(4))
	v, _ := f.Float64()
	return v
}

// daysText formats an amount for the step texts: "30", "22.5", "10/3 (3.3333)".
func daysText(d *big.Rat) string {
	if d.IsInt() {
		return d.RatString()
	}
	for _, places := range []int{1, 2} {
		if s := d.FloatString(places); mustRat(s).Cmp(d) == 0 {
			return s
		}
	}
	return d.RatString() + " (" + d.FloatString(4) + ")"
}

func mustRat(s string) *big.Rat {
	r, _ := new(big.Rat).SetString(s)
	return r
}

func ratFigure(d *big.Rat) string { return d.RatString() }

// dateFigures returns the dates that are given, as YYYY-MM-DD.
func dateFigures(dates map[string]civil.Date) map[string]any {
	m := map[string]any{}
	for name, d := range dates {
		if !d.IsZero() {
			m[name] = d.String()
		}
	}
	return m
}
