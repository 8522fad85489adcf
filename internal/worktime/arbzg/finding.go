package arbzg

import (
	"bytes"
	"cmp"
	"encoding/json"
	"math"
	"slices"

	"ortlos/internal/civil"
)

// Code identifies a finding. The codes are stable: API clients, the UI,
// exports and the message catalogue key on them.
type Code string

// The finding codes, in the order findings of one date are listed.
const (
	DailyMaxExceeded        Code = "ARBZG_3_DAILY_MAX_EXCEEDED"
	ExtendedDay             Code = "ARBZG_3_EXTENDED_DAY"
	AverageExceeded         Code = "ARBZG_3_AVERAGE_EXCEEDED"
	BreakTooShort           Code = "ARBZG_4_BREAK_TOO_SHORT"
	ContinuousWorkOver6h    Code = "ARBZG_4_CONTINUOUS_WORK_OVER_6H"
	RestTooShort            Code = "ARBZG_5_REST_TOO_SHORT"
	SundayHolidayWork       Code = "ARBZG_9_SUNDAY_HOLIDAY_WORK"
	TooFewFreeSundays       Code = "ARBZG_11_TOO_FEW_FREE_SUNDAYS"
	RecordOvertime          Code = "ARBZG_16_RECORD_OVERTIME"
	RecordSundayHolidayWork Code = "ARBZG_16_RECORD_SUNDAY_HOLIDAY"
	RegionalHoliday         Code = "INFO_REGIONAL_HOLIDAY"
)

// Severity says how a finding is to be read.
type Severity string

// The severities.
const (
	// Violation: the data show a breach of the Act.
	Violation Severity = "violation"
	// Flag: lawful only under an exception the clock data cannot show
	// (Sunday and holiday work under § 10).
	Flag Severity = "flag"
	// Obligation: the employer must keep a record (§ 16 (2)).
	Obligation Severity = "obligation"
	// Info: worth knowing, no breach.
	Info Severity = "info"
)

// DayType says why a day counts under § 9.
type DayType string

// The day types of ARBZG_9_SUNDAY_HOLIDAY_WORK.
const (
	Sunday           DayType = "sunday"
	Holiday          DayType = "holiday"
	SundayAndHoliday DayType = "sunday_and_holiday"
)

// Finding is one result of the check. Which of the fields are set depends
// on Code; spec lists them, and MarshalJSON writes exactly those (zeros
// included, e.g. "actual_break_minutes": 0).
type Finding struct {
	Code     Code     `json:"code"`
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`

	// Date is the day of a finding about a shift (the shift's date) or a
	// calendar day; zero for the findings about a year or a period.
	Date civil.Date `json:"date"`
	// Year is the calendar year of ARBZG_11_TOO_FEW_FREE_SUNDAYS.
	Year int `json:"year"`
	// PeriodStart and PeriodEndExclusive bound the reference period of
	// ARBZG_3_AVERAGE_EXCEEDED.
	PeriodStart        civil.Date `json:"period_start"`
	PeriodEndExclusive civil.Date `json:"period_end_exclusive"`

	WorkingMinutes           int     `json:"working_minutes"`
	ExcessMinutes            int     `json:"excess_minutes"`
	RequiredBreakMinutes     int     `json:"required_break_minutes"`
	ActualBreakMinutes       int     `json:"actual_break_minutes"`
	LongestContinuousMinutes int     `json:"longest_continuous_minutes"`
	RestMinutes              int     `json:"rest_minutes"`
	DeficitMinutes           int     `json:"deficit_minutes"`
	Minutes                  int     `json:"minutes"`
	DayType                  DayType `json:"day_type"`
	HolidayName              string  `json:"holiday_name"`
	MinutesOver8h            int     `json:"minutes_over_8h"`
	FreeSundays              int     `json:"free_sundays"`
	SundaysInYear            int     `json:"sundays_in_year"`
	SundaysWorked            int     `json:"sundays_worked"`
	// AverageMinutesPerWerktag is rounded to two decimals.
	AverageMinutesPerWerktag float64 `json:"average_minutes_per_werktag"`
	// Werktage is the number of Werktage in the reference period, the
	// divisor of the average.
	Werktage int `json:"werktage"`
}

// spec is what a code means: its rule, severity and JSON fields (after
// code, rule and severity), in output order. The documentation test checks
// docs/worktime-rules.md against this table.
type spec struct {
	code     Code
	rule     string
	severity Severity
	fields   []string
}

var specs = []spec{
	{DailyMaxExceeded, "§3", Violation, []string{"date", "working_minutes", "excess_minutes"}},
	{ExtendedDay, "§3", Info, []string{"date", "working_minutes"}},
	{AverageExceeded, "§3", Violation, []string{"period_start", "period_end_exclusive", "average_minutes_per_werktag", "working_minutes", "werktage"}},
	{BreakTooShort, "§4", Violation, []string{"date", "required_break_minutes", "actual_break_minutes", "working_minutes"}},
	{ContinuousWorkOver6h, "§4", Violation, []string{"date", "longest_continuous_minutes"}},
	{RestTooShort, "§5", Violation, []string{"date", "rest_minutes", "deficit_minutes"}},
	{SundayHolidayWork, "§9", Flag, []string{"date", "minutes", "day_type", "holiday_name"}},
	{TooFewFreeSundays, "§11", Violation, []string{"year", "free_sundays", "sundays_in_year", "sundays_worked"}},
	{RecordOvertime, "§16", Obligation, []string{"date", "minutes_over_8h", "working_minutes"}},
	{RecordSundayHolidayWork, "§16", Obligation, []string{"date", "minutes"}},
	{RegionalHoliday, "§9", Info, []string{"date", "minutes", "holiday_name"}},
}

func specOf(c Code) (spec, int) {
	i := slices.IndexFunc(specs, func(s spec) bool { return s.code == c })
	if i < 0 {
		return spec{code: c}, len(specs)
	}
	return specs[i], i
}

// newFinding returns a finding of code with its rule and severity.
func newFinding(c Code) Finding {
	s, _ := specOf(c)
	return Finding{Code: c, Rule: s.rule, Severity: s.severity}
}

// MarshalJSON writes code, rule and severity and then the fields of f's
// code, zeros included; holiday_name is left out when empty (a Sunday that
// is no holiday).
func (f Finding) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	write := func(name string, v any) error {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteByte(':')
		val, err := json.Marshal(v)
		b.Write(val)
		return err
	}
	for _, kv := range [][2]any{{"code", f.Code}, {"rule", f.Rule}, {"severity", f.Severity}} {
		if err := write(kv[0].(string), kv[1]); err != nil {
			return nil, err
		}
	}
	s, _ := specOf(f.Code)
	for _, name := range s.fields {
		v := f.field(name)
		if name == "holiday_name" && f.HolidayName == "" {
			continue
		}
		if err := write(name, v); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// field returns the value of the JSON field name.
func (f Finding) field(name string) any {
	switch name {
	case "date":
		return f.Date
	case "year":
		return f.Year
	case "period_start":
		return f.PeriodStart
	case "period_end_exclusive":
		return f.PeriodEndExclusive
	case "working_minutes":
		return f.WorkingMinutes
	case "excess_minutes":
		return f.ExcessMinutes
	case "required_break_minutes":
		return f.RequiredBreakMinutes
	case "actual_break_minutes":
		return f.ActualBreakMinutes
	case "longest_continuous_minutes":
		return f.LongestContinuousMinutes
	case "rest_minutes":
		return f.RestMinutes
	case "deficit_minutes":
		return f.DeficitMinutes
	case "minutes":
		return f.Minutes
	case "day_type":
		return f.DayType
	case "holiday_name":
		return f.HolidayName
	case "minutes_over_8h":
		return f.MinutesOver8h
	case "free_sundays":
		return f.FreeSundays
	case "sundays_in_year":
		return f.SundaysInYear
	case "sundays_worked":
		return f.SundaysWorked
	case "average_minutes_per_werktag":
		return f.AverageMinutesPerWerktag
	case "werktage":
		return f.Werktage
	}
	panic("arbzg: no finding field " + name)
}

// firstDay is the first day a finding covers, its sort key.
func (f Finding) firstDay() civil.Date {
	switch {
	case !f.Date.IsZero():
		return f.Date
	case !f.PeriodStart.IsZero():
		return f.PeriodStart
	case f.Year != 0:
		return civil.Date{Year: f.Year, Month: 1, Day: 1}
	}
	return civil.Date{}
}

// sortFindings orders by the first day a finding covers, then by the order
// of the codes in specs; findings alike in both (two shifts on one date)
// keep their chronological order.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := a.firstDay().Compare(b.firstDay()); c != 0 {
			return c
		}
		_, ra := specOf(a.Code)
		_, rb := specOf(b.Code)
		return cmp.Compare(ra, rb)
	})
}

// round2 rounds x to two decimals.
func round2(x float64) float64 { return math.Round(x*100) / 100 }
