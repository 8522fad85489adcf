// Package arbzg checks a person's clock intervals against the German
// Arbeitszeitgesetz (ArbZG). It is pure: no clock, no database, no I/O. It
// takes absolute instants, the Bundesland and the time zone, groups the
// intervals into shifts and returns the shifts and the findings under §§ 3,
// 4, 5, 9, 11 and 16(2). docs/worktime-rules.md states the reading it
// implements; the finding codes and their JSON fields are a public contract.
package arbzg

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
)

// Interval is one clocked stretch of work, half-open [Start, End) on
// absolute time. Seconds and below are ignored: both ends are truncated to
// the whole minute before anything is computed.
type Interval struct{ Start, End time.Time }

// The types of reference period (Ausgleichszeitraum) of § 3 S. 2.
const (
	Period24Weeks         = "24_weeks"
	Period6CalendarMonths = "6_calendar_months"
)

// ReferencePeriod anchors the reference periods over which the average
// working time per Werktag is checked: consecutive periods of Type that
// start at Start (and, going back, end at Start). A 6_calendar_months period
// starts on the first day of a month.
type ReferencePeriod struct {
	Type  string
	Start civil.Date
}

// Input is what Check examines: one person's intervals in any order,
// overlapping or not.
type Input struct {
	// State is the Bundesland code (BW, BY, BE, BB, HB, HH, HE, MV, NI, NW,
	// RP, SL, SN, ST, SH, TH); it selects the holidays.
	State string
	// Location is the zone in which calendar days, Sundays and holidays are
	// reckoned (Europe/Berlin for a German employer).
	Location *time.Location
	// ReferencePeriod is optional; without it the average is checked over
	// the half-years January–June and July–December.
	ReferencePeriod *ReferencePeriod
	Intervals       []Interval
}

// HolidayCalendar answers whether d is a public holiday in state: ok
// reports a holiday, statewide whether it holds in the whole Land (rather
// than in some municipalities only, like Mariä Himmelfahrt in Bavaria).
type HolidayCalendar interface {
	Holiday(state string, d civil.Date) (name string, statewide bool, ok bool)
}

// Result is the outcome of a check. Both slices are non-nil.
type Result struct {
	Shifts   []Shift   `json:"shifts"`
	Findings []Finding `json:"findings"`
}

// Shift is a stretch of work with no gap of three hours or more. It belongs
// to the local date on which it starts.
type Shift struct {
	Date civil.Date `json:"date"`
	// Start and End are in the input's Location.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// WorkingMinutes is SpanMinutes minus BreakMinutes: gaps shorter than
	// 15 minutes count as working time.
	WorkingMinutes int `json:"working_minutes"`
	// BreakMinutes is the sum of the Ruhepausen (gaps of 15 minutes or more).
	BreakMinutes int     `json:"break_minutes"`
	Breaks       []Break `json:"breaks"`
	// LongestContinuousMinutes is the longest stretch of working time
	// between Ruhepausen.
	LongestContinuousMinutes int `json:"longest_continuous_minutes"`
	// SpanMinutes is End minus Start on absolute time.
	SpanMinutes int `json:"span_minutes"`
}

// Break is a Ruhepause inside a shift.
type Break struct {
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	Minutes int       `json:"minutes"`
}

// The thresholds of the reading, in minutes.
const (
	minBreakMinutes       = 15  // § 4 S. 2: shorter gaps are no Ruhepause
	shiftGapMinutes       = 180 // a gap this long ends the shift
	dailyRegularMinutes   = 480 // § 3 S. 1: eight hours per Werktag
	dailyMaxMinutes       = 600 // § 3 S. 2: ten hours
	breakFromMinutes      = 360 // § 4: more than six hours need 30 minutes
	longBreakFromMinutes  = 540 // § 4: more than nine hours need 45 minutes
	continuousMaxMinutes  = 360 // § 4 S. 3: no more than six hours without a break
	restMinMinutes        = 660 // § 5: eleven hours of rest
	minFreeSundaysPerYear = 15  // § 11 (1)
	weeksPerPeriod        = 24
	monthsPerPeriod       = 6
)

// MaxIntervalLength is the longest interval Check accepts. Anything longer
// is a data error (a clock-out missed for a week), and refusing it keeps a
// typo in a year from making the engine walk millions of days.
const MaxIntervalLength = 7 * 24 * time.Hour

// states are the codes of the 16 Länder.
var states = []string{"BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH"}

// ValidState reports whether s is the code of a Bundesland.
func ValidState(s string) bool { return slices.Contains(states, s) }

// CodeInvalidInput is the apperr code of every input error of Check. The
// error's Message starts with the input field, named as in the JSON input
// of "ortlos worktime check" (e.g. "intervals[3].end: before start"), and
// Fields maps that name to a short reason code.
const CodeInvalidInput = "worktime_invalid_input"

func invalid(field, reason, format string, a ...any) error {
	return apperr.Invalidf(CodeInvalidInput, "%s: %s", field, fmt.Sprintf(format, a...)).WithField(field, reason)
}

// validate checks in; field names follow the JSON input of the CLI.
func (in Input) validate() error {
	if !ValidState(in.State) {
		return invalid("state", "unknown", "%q is not a Bundesland code", in.State)
	}
	if in.Location == nil {
		return invalid("timezone", "missing", "missing")
	}
	if rp := in.ReferencePeriod; rp != nil {
		if rp.Start.IsZero() || rp.Start != civil.D(rp.Start.Year, rp.Start.Month, rp.Start.Day) {
			return invalid("reference_period.start", "invalid", "missing or not a date")
		}
		switch rp.Type {
		case Period24Weeks:
		case Period6CalendarMonths:
			if rp.Start.Day != 1 {
				return invalid("reference_period.start", "not_first_of_month",
					"%s: a %s period starts on the first day of a month", rp.Start, rp.Type)
			}
		default:
			return invalid("reference_period.type", "unknown", "%q is neither %q nor %q", rp.Type, Period24Weeks, Period6CalendarMonths)
		}
	}
	for i, iv := range in.Intervals {
		switch {
		case iv.End.Before(iv.Start):
			return invalid(fmt.Sprintf("intervals[%d].end", i), "before_start", "before start")
		case iv.End.Equal(iv.Start):
			return invalid(fmt.Sprintf("intervals[%d].end", i), "equal_to_start", "equal to start (an empty interval)")
		case iv.End.Sub(iv.Start) > MaxIntervalLength:
			return invalid(fmt.Sprintf("intervals[%d].end", i), "too_long", "more than 7 days after start")
		}
	}
	return nil
}

// Check groups in's intervals into shifts and returns them with the
// findings, ordered by date and then by the order of the codes in the
// documentation. Invalid input gives an *apperr.Error of kind Invalid and
// code CodeInvalidInput.
func Check(in Input, cal HolidayCalendar) (Result, error) {
	if cal == nil {
		return Result{}, errors.New("arbzg: check: no holiday calendar")
	}
	if err := in.validate(); err != nil {
		return Result{}, err
	}
	c := checker{state: in.State, cal: cal, grid: defaultGrid}
	if rp := in.ReferencePeriod; rp != nil {
		c.grid = grid{rp.Type, rp.Start}
	}
	shifts, stretches := buildShifts(merge(in.Intervals), in.Location)
	days := dailyMinutes(stretches, in.Location)
	c.prepareHolidays(shifts, days)
	c.checkShifts(shifts)
	c.checkDays(days)
	c.checkSundaysPerYear(days)
	c.checkAverage(shifts)
	sortFindings(c.findings)
	res := Result{Shifts: shifts, Findings: c.findings}
	if res.Findings == nil {
		res.Findings = []Finding{}
	}
	return res, nil
}

// checker carries the state of one Check.
type checker struct {
	state    string
	cal      HolidayCalendar
	grid     grid
	findings []Finding
	// holidays caches the answers for the days from holidayBase on, so
	// that each date is asked once; other days go to holidayMore.
	holidayBase civil.Date
	holidays    []holidayInfo
	holidayMore map[civil.Date]holidayInfo
}

type holidayInfo struct {
	name                string
	seen, statewide, ok bool
}

// prepareHolidays sizes the holiday cache to the days the checks ask
// about: the reference periods of the shifts and the days with work.
func (c *checker) prepareHolidays(shifts []Shift, days []dayMinutes) {
	if len(shifts) == 0 || len(days) == 0 {
		return
	}
	lo, _ := c.grid.period(shifts[0].Date)
	_, hi := c.grid.period(shifts[len(shifts)-1].Date)
	if first := days[0].date; first.Before(lo) {
		lo = first
	}
	if last := days[len(days)-1].date.AddDays(1); last.After(hi) {
		hi = last
	}
	// Data spread over many years use the map for the days beyond.
	if n := lo.DaysUntil(hi); n > 0 && n <= 4*366 {
		c.holidayBase, c.holidays = lo, make([]holidayInfo, n)
	}
}

func (c *checker) holiday(d civil.Date) holidayInfo {
	if i := c.holidayBase.DaysUntil(d); i >= 0 && i < len(c.holidays) {
		if !c.holidays[i].seen {
			c.holidays[i] = c.lookup(d)
		}
		return c.holidays[i]
	}
	h, ok := c.holidayMore[d]
	if !ok {
		h = c.lookup(d)
		if c.holidayMore == nil {
			c.holidayMore = map[civil.Date]holidayInfo{}
		}
		c.holidayMore[d] = h
	}
	return h
}

func (c *checker) lookup(d civil.Date) holidayInfo {
	name, statewide, ok := c.cal.Holiday(c.state, d)
	return holidayInfo{name: name, seen: true, statewide: statewide, ok: ok}
}

// isWerktag reports whether d is a Werktag: Monday to Saturday and not a
// statewide holiday.
func (c *checker) isWerktag(d civil.Date) bool {
	if d.Weekday() == time.Sunday {
		return false
	}
	h := c.holiday(d)
	return !(h.ok && h.statewide)
}

func (c *checker) add(f Finding) { c.findings = append(c.findings, f) }
