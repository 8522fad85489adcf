package app

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/holiday"
)

// cmdHolidays implements "ortlos holidays --state BY --year 2026
// [--format text|json|ics]".
func cmdHolidays(args []string, env Env) error {
	fs := flag.NewFlagSet("holidays", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	state := fs.String("state", "", "Bundesland code, e.g. BY or NW (default ORTLOS_DEFAULT_STATE)")
	year := fs.Int("year", 0, "year (default: the current year in Europe/Berlin)")
	format := fs.String("format", "text", "output format: text, json or ics")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: ortlos holidays --state CODE [--year YYYY] [--format text|json|ics]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErr("holidays: %v", err)
	}
	if fs.NArg() > 0 {
		return usageErr("holidays: unexpected argument %q", fs.Arg(0))
	}
	yearSet := false
	fs.Visit(func(f *flag.Flag) { yearSet = yearSet || f.Name == "year" })
	if !yearSet {
		*year = currentYear()
	}
	from := "--state"
	if *state == "" && env.Getenv != nil {
		*state = env.Getenv("ORTLOS_DEFAULT_STATE")
		from = "--state (from ORTLOS_DEFAULT_STATE)"
	}
	code := strings.ToUpper(strings.TrimSpace(*state))
	if code == "" {
		return usageErr("holidays: --state is required (or set ORTLOS_DEFAULT_STATE); one of %s",
			strings.Join(holiday.States(), ", "))
	}
	var write func(io.Writer, string, int, []holiday.Holiday) error
	switch strings.ToLower(*format) {
	case "text":
		write = writeHolidaysText
	case "json":
		write = writeHolidaysJSON
	case "ics":
		write = func(w io.Writer, state string, year int, _ []holiday.Holiday) error {
			return holiday.WriteICS(w, state, year)
		}
	default:
		return usageErr("holidays: --format %q is not text, json or ics", *format)
	}
	hs, err := holiday.ForYear(code, *year)
	switch {
	case apperr.Is(err, "unknown_state"):
		return usageErr("holidays: %s %q is not a Bundesland code (one of %s)",
			from, *state, strings.Join(holiday.States(), ", "))
	case apperr.Is(err, "year_out_of_range"):
		return usageErr("holidays: --year %d is out of range (%d to %d)", *year, holiday.MinYear, holiday.MaxYear)
	case err != nil:
		return err
	}
	return write(env.Stdout, code, *year, hs)
}

// currentYear is the year now in Europe/Berlin, the zone whose calendar
// the holidays follow.
func currentYear() int {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		loc = time.UTC // cmd/ortlos embeds tzdata, so only odd test hosts get here
	}
	return time.Now().In(loc).Year()
}

// germanWeekdays are the usual two-letter abbreviations, Sunday first.
var germanWeekdays = [7]string{"So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"}

// writeHolidaysText prints a header and one line per holiday:
// "01.01.2026  Do  Neujahr", regional ones with "(regional: <note>)".
func writeHolidaysText(w io.Writer, state string, year int, hs []holiday.Holiday) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Gesetzliche Feiertage %s %d\n", holiday.StateName(state), year)
	for _, h := range hs {
		fmt.Fprintf(&b, "%02d.%02d.%04d  %s  %s", h.Date.Day, h.Date.Month, h.Date.Year, germanWeekdays[h.Date.Weekday()], h.Name)
		if h.Scope == holiday.Regional {
			fmt.Fprintf(&b, " (regional: %s)", h.Note)
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// holidayJSON is one element of the JSON output; note only for regional
// holidays.
type holidayJSON struct {
	Date  civil.Date `json:"date"`
	Name  string     `json:"name"`
	Scope string     `json:"scope"`
	Note  string     `json:"note,omitempty"`
}

// writeHolidaysJSON prints a JSON array, indented by two spaces.
func writeHolidaysJSON(w io.Writer, _ string, _ int, hs []holiday.Holiday) error {
	out := make([]holidayJSON, len(hs))
	for i, h := range hs {
		out[i] = holidayJSON{Date: h.Date, Name: h.Name, Scope: string(h.Scope), Note: h.Note}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
