package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"strings"

	"ortlos/internal/absence/entitlement"
	"ortlos/internal/civil"
)

const absenceUsage = `Usage: ortlos absence entitlement --year YYYY --days-per-week N
         [--annual-days DAYS] [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--format text|json]

Prints the leave entitlement (Urlaubsanspruch) of one person for one year
with the steps of the calculation: the statutory minimum of §§ 3-5 BUrlG
and, with --annual-days, the contractual entitlement, never below the
minimum. The rules are described in docs/absence-entitlement.md.

  --year           calendar year (%d to %d)
  --days-per-week  days a week the person works, 1 to 6
  --annual-days    contractual entitlement for a 5-day week, e.g. 30 under
                   TVöD (omitted or 0: statutory minimum only)
  --start, --end   first and last day of employment, when they fall in or
                   around the year (omitted: employed before, resp. beyond it)
  --format         text (default) or json

Exit code 0 when the entitlement was computed, 2 for invalid flags.
`

// cmdAbsence implements "ortlos absence entitlement …".
func cmdAbsence(args []string, env Env) error {
	if len(args) == 0 {
		return usageErr("absence needs a sub-command: entitlement")
	}
	switch args[0] {
	case "entitlement":
		return absenceEntitlement(args[1:], env)
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(env.Stdout, absenceUsage, entitlement.MinYear, entitlement.MaxYear)
		return nil
	}
	return usageErr("unknown absence sub-command %q (want entitlement)", args[0])
}

func absenceEntitlement(args []string, env Env) error {
	fs := flag.NewFlagSet("absence entitlement", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	year := fs.Int("year", 0, "calendar year")
	perWeek := fs.Int("days-per-week", 0, "days a week the person works, 1 to 6")
	annual := fs.Int("annual-days", 0, "contractual entitlement for a 5-day week (0: statutory minimum only)")
	start := fs.String("start", "", "first day of employment, YYYY-MM-DD")
	end := fs.String("end", "", "last day of employment, YYYY-MM-DD")
	format := fs.String("format", "text", "output format: text or json")
	fs.Usage = func() { fmt.Fprintf(fs.Output(), absenceUsage, entitlement.MinYear, entitlement.MaxYear) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErr("absence entitlement: %v", err)
	}
	if fs.NArg() > 0 {
		return usageErr("absence entitlement: unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range []string{"year", "days-per-week"} {
		if !set[name] {
			return usageErr("absence entitlement: --%s is required", name)
		}
	}
	in := entitlement.Input{Year: *year, DaysPerWeek: *perWeek, AnnualDays: *annual}
	for _, f := range []struct {
		name  string
		value string
		date  *civil.Date
	}{{"start", *start, &in.Start}, {"end", *end, &in.End}} {
		if f.value == "" {
			continue
		}
		d, err := civil.Parse(f.value)
		if err != nil {
			return usageErr("absence entitlement: --%s %q is not a date (YYYY-MM-DD)", f.name, f.value)
		}
		*f.date = d
	}
	var write func(*bytes.Buffer, entitlement.Result) error
	switch strings.ToLower(*format) {
	case "text":
		write = writeEntitlementText
	case "json":
		write = writeEntitlementJSON
	default:
		return usageErr("absence entitlement: --format %q is not text or json", *format)
	}
	res, err := entitlement.Compute(in)
	if err != nil {
		var ie *entitlement.InputError
		if errors.As(err, &ie) {
			return usageErr("absence entitlement: --%s", ie.Error())
		}
		return fmt.Errorf("absence entitlement: %w", err)
	}
	var buf bytes.Buffer
	if err := write(&buf, res); err != nil {
		return fmt.Errorf("absence entitlement: %w", err)
	}
	_, err = env.Stdout.Write(buf.Bytes())
	return err
}

// entitlementJSON is the JSON output of "absence entitlement". Amounts
// come twice: "days" with four decimals and "days_fraction" exact, e.g.
// 3.3333 and "10/3" ("30" when whole).
type entitlementJSON struct {
	Year                     int        `json:"year"`
	DaysPerWeek              int        `json:"days_per_week"`
	AnnualDays               *int       `json:"annual_days,omitempty"`
	Start                    *string    `json:"start,omitempty"`
	End                      *string    `json:"end,omitempty"`
	Days                     float64    `json:"days"`
	DaysFraction             string     `json:"days_fraction"`
	StatutoryMinimumDays     float64    `json:"statutory_minimum_days"`
	StatutoryMinimumFraction string     `json:"statutory_minimum_fraction"`
	ContractualDays          *float64   `json:"contractual_days,omitempty"`
	ContractualFraction      *string    `json:"contractual_fraction,omitempty"`
	EmployedFrom             *string    `json:"employed_from,omitempty"`
	EmployedTo               *string    `json:"employed_to,omitempty"`
	FullMonths               int        `json:"full_months"`
	Steps                    []stepJSON `json:"steps"`
}

type stepJSON struct {
	Rule         string         `json:"rule"`
	Code         string         `json:"code"`
	Text         string         `json:"text"`
	Figures      map[string]any `json:"figures,omitempty"`
	Days         *float64       `json:"days,omitempty"`
	DaysFraction *string        `json:"days_fraction,omitempty"`
}

func writeEntitlementJSON(w *bytes.Buffer, r entitlement.Result) error {
	dateOrNil := func(d civil.Date) *string {
		if d.IsZero() {
			return nil
		}
		s := d.String()
		return &s
	}
	out := entitlementJSON{
		Year:                     r.Input.Year,
		DaysPerWeek:              r.Input.DaysPerWeek,
		Start:                    dateOrNil(r.Input.Start),
		End:                      dateOrNil(r.Input.End),
		Days:                     entitlement.Float(r.Days),
		DaysFraction:             r.Days.RatString(),
		StatutoryMinimumDays:     entitlement.Float(r.StatutoryDays),
		StatutoryMinimumFraction: r.StatutoryDays.RatString(),
		EmployedFrom:             dateOrNil(r.EmployedFrom),
		EmployedTo:               dateOrNil(r.EmployedTo),
		FullMonths:               r.FullMonths,
		Steps:                    make([]stepJSON, len(r.Steps)),
	}
	if r.Input.AnnualDays > 0 {
		out.AnnualDays = &r.Input.AnnualDays
	}
	if r.ContractualDays != nil {
		out.ContractualDays, out.ContractualFraction = amountJSON(r.ContractualDays)
	}
	for i, s := range r.Steps {
		out.Steps[i] = stepJSON{Rule: s.Rule, Code: s.Code, Text: s.Text, Figures: s.Figures}
		if s.Days != nil {
			out.Steps[i].Days, out.Steps[i].DaysFraction = amountJSON(s.Days)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func amountJSON(d *big.Rat) (*float64, *string) {
	f, s := entitlement.Float(d), d.RatString()
	return &f, &s
}

// writeEntitlementText prints the result and the numbered steps:
//
//	Leave entitlement 2026: 23 days
//	Statutory minimum (§§ 3-5 BUrlG): 20 days
//	Contractual: 23 days
//
//	Calculation:
//	 1. §5(1) BUrlG: Employed from …
func writeEntitlementText(w *bytes.Buffer, r entitlement.Result) error {
	fmt.Fprintf(w, "Leave entitlement %d: %s\n", r.Input.Year, amountText(r.Days))
	fmt.Fprintf(w, "Statutory minimum (§§ 3-5 BUrlG): %s\n", amountText(r.StatutoryDays))
	if r.ContractualDays != nil {
		fmt.Fprintf(w, "Contractual: %s\n", amountText(r.ContractualDays))
	}
	fmt.Fprintf(w, "\nCalculation:\n")
	for i, s := range r.Steps {
		fmt.Fprintf(w, "%2d. %s: %s\n", i+1, s.Rule, s.Text)
	}
	return nil
}

// amountText is "23 days", "1 day" or "3.3333 days (10/3)".
func amountText(d *big.Rat) string {
	switch {
	case d.IsInt() && d.Cmp(big.NewRat(1, 1)) == 0:
		return "1 day"
	case d.IsInt():
		return d.RatString() + " days"
	}
	return fmt.Sprintf("%s days (%s)", strings.TrimRight(strings.TrimRight(d.FloatString(4), "0"), "."), d.RatString())
}
