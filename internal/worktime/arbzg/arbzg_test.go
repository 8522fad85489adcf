package arbzg

import (
	"slices"
	"strings"
	"testing"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
)

// shiftSummary is the shape of a shift a test compares.
type shiftSummary struct {
	date                                   string
	start, end                             string // RFC 3339
	working, breaks, longest, span, nbreak int
}

func summarise(s Shift) shiftSummary {
	return shiftSummary{
		date: s.Date.String(), start: s.Start.Format(time.RFC3339), end: s.End.Format(time.RFC3339),
		working: s.WorkingMinutes, breaks: s.BreakMinutes, longest: s.LongestContinuousMinutes,
		span: s.SpanMinutes, nbreak: len(s.Breaks),
	}
}

func TestShifts(t *testing.T) {
	tests := []struct {
		name string
		in   []Interval
		want []shiftSummary
	}{
		{"one interval", day("2026-03-02", "08:00-12:00"), []shiftSummary{
			{"2026-03-02", "2026-03-02T08:00:00+01:00", "2026-03-02T12:00:00+01:00", 240, 0, 240, 240, 0},
		}},
		{"touching intervals merge", day("2026-03-02", "08:00-10:00", "10:00-12:00"), []shiftSummary{
			{"2026-03-02", "2026-03-02T08:00:00+01:00", "2026-03-02T12:00:00+01:00", 240, 0, 240, 240, 0},
		}},
		{"overlapping and contained intervals merge, any order", day("2026-03-02", "10:00-12:00", "08:00-11:00", "09:00-09:30"), []shiftSummary{
			{"2026-03-02", "2026-03-02T08:00:00+01:00", "2026-03-02T12:00:00+01:00", 240, 0, 240, 240, 0},
		}},
		{"duplicate intervals count once", day("2026-03-02", "08:00-12:00", "08:00-12:00"), []shiftSummary{
			{"2026-03-02", "2026-03-02T08:00:00+01:00", "2026-03-02T12:00:00+01:00", 240, 0, 240, 240, 0},
		}},
		{"gap of 14 minutes is working time", day("2026-03-02", "08:00-11:00", "11:14-14:00"), []shiftSummary{
			{"2026-03-02", "2026-03-02T08:00:00+01:00", "2026-03-02T14:00:00+01:00", 360, 0, 360, 360, 0},
		}},
		{"gap of 15 minutes is a Ruhepause", day("2026-03-02", "08:00-11:00", "11:15-14:00"), []shiftSummary{
			{"2026-03-02", "2026-03-02T08:00:00+01:00", "2026-03-02T14:00:00+01:00", 345, 15, 180, 360, 1},
		}},
		{"short gaps join the stretch between Ruhepausen", day("2026-03-02", "08:00-09:00", "09:10-10:00", "10:30-11:00", "11:05-12:00"), []shiftSummary{
			{"2026-03-02", "2026-03-02T08:00:00+01:00", "2026-03-02T12:00:00+01:00", 210, 30, 120, 240, 1},
		}},
		{"the example of docs/worktime-rules.md", day("2026-03-02", "08:00-11:00", "11:14-14:00", "14:30-16:00"), []shiftSummary{
			{"2026-03-02", "2026-03-02T08:00:00+01:00", "2026-03-02T16:00:00+01:00", 450, 30, 360, 480, 1},
		}},
		{"gap of 179 minutes is a Ruhepause", day("2026-03-02", "08:00-11:00", "13:59-15:00"), []shiftSummary{
			{"2026-03-02", "2026-03-02T08:00:00+01:00", "2026-03-02T15:00:00+01:00", 241, 179, 180, 420, 1},
		}},
		{"gap of 180 minutes ends the shift", day("2026-03-02", "08:00-11:00", "14:00-15:00"), []shiftSummary{
			{"2026-03-02", "2026-03-02T08:00:00+01:00", "2026-03-02T11:00:00+01:00", 180, 0, 180, 180, 0},
			{"2026-03-02", "2026-03-02T14:00:00+01:00", "2026-03-02T15:00:00+01:00", 60, 0, 60, 60, 0},
		}},
		{"midnight-spanning shift belongs to its start date", []Interval{iv("2026-03-02 22:00", "2026-03-03 06:00")}, []shiftSummary{
			{"2026-03-02", "2026-03-02T22:00:00+01:00", "2026-03-03T06:00:00+01:00", 480, 0, 480, 480, 0},
		}},
		{"shift split by midnight clocking merges", []Interval{iv("2026-03-02 22:00", "2026-03-03 00:00"), iv("2026-03-03 00:00", "2026-03-03 06:00")}, []shiftSummary{
			{"2026-03-02", "2026-03-02T22:00:00+01:00", "2026-03-03T06:00:00+01:00", 480, 0, 480, 480, 0},
		}},
		{"spring-forward night has 7 hours", []Interval{iv("2026-03-28 22:00", "2026-03-29 06:00")}, []shiftSummary{
			{"2026-03-28", "2026-03-28T22:00:00+01:00", "2026-03-29T06:00:00+02:00", 420, 0, 420, 420, 0},
		}},
		{"fall-back night has 9 hours", []Interval{iv("2026-10-24 22:00", "2026-10-25 06:00")}, []shiftSummary{
			{"2026-10-24", "2026-10-24T22:00:00+02:00", "2026-10-25T06:00:00+01:00", 540, 0, 540, 540, 0},
		}},
		{"seconds are truncated", []Interval{{at("2026-03-02 08:00").Add(59 * time.Second), at("2026-03-02 12:00").Add(30 * time.Second)}}, []shiftSummary{
			{"2026-03-02", "2026-03-02T08:00:00+01:00", "2026-03-02T12:00:00+01:00", 240, 0, 240, 240, 0},
		}},
		{"interval shorter than a minute after truncation is dropped", []Interval{{at("2026-03-02 08:00").Add(10 * time.Second), at("2026-03-02 08:00").Add(50 * time.Second)}}, nil},
		{"instants in another zone", []Interval{{time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC), time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC)}}, []shiftSummary{
			{"2026-03-03", "2026-03-03T00:30:00+01:00", "2026-03-03T02:00:00+01:00", 90, 0, 90, 90, 0},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := check(t, "BE", nil, noHolidays, tc.in)
			var got []shiftSummary
			for _, s := range res.Shifts {
				got = append(got, summarise(s))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("intervals %v:\ngot  %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
}

// TestRuleBoundaries checks every threshold on both sides. All days are
// ordinary weekdays, so only the rule under test speaks.
func TestRuleBoundaries(t *testing.T) {
	const mon, tue = "2026-03-02", "2026-03-03"
	tests := []struct {
		name string
		in   []Interval
		want []string
	}{
		// § 4 required break: 0 up to 360, 30 up to 540, 45 above.
		{"360 working minutes need no break", day(mon, "08:00-14:00"), nil},
		{"361 working minutes need 30", day(mon, "08:00-14:01"), []string{
			"ARBZG_4_BREAK_TOO_SHORT date=2026-03-02 required_break_minutes=30 actual_break_minutes=0 working_minutes=361",
			"ARBZG_4_CONTINUOUS_WORK_OVER_6H date=2026-03-02 longest_continuous_minutes=361",
		}},
		{"361 with 15 minutes of break", day(mon, "08:00-11:00", "11:15-14:16"), []string{
			"ARBZG_4_BREAK_TOO_SHORT date=2026-03-02 required_break_minutes=30 actual_break_minutes=15 working_minutes=361",
		}},
		{"361 with 30 minutes of break", day(mon, "08:00-11:00", "11:30-14:31"), nil},
		{"break threshold on net time: 6h20 span with 20 min break", day(mon, "08:00-11:00", "11:20-14:20"), nil},
		{"540 with 30 minutes of break", day(mon, "07:00-11:30", "12:00-16:30"), []string{
			"ARBZG_3_EXTENDED_DAY date=2026-03-02 working_minutes=540",
			"ARBZG_16_RECORD_OVERTIME date=2026-03-02 minutes_over_8h=60 working_minutes=540",
		}},
		{"541 with 30 minutes of break", day(mon, "07:00-11:30", "12:00-16:31"), []string{
			"ARBZG_3_EXTENDED_DAY date=2026-03-02 working_minutes=541",
			"ARBZG_4_BREAK_TOO_SHORT date=2026-03-02 required_break_minutes=45 actual_break_minutes=30 working_minutes=541",
			"ARBZG_16_RECORD_OVERTIME date=2026-03-02 minutes_over_8h=61 working_minutes=541",
		}},
		{"541 with 45 minutes in two breaks", day(mon, "07:00-10:00", "10:15-13:00", "13:30-16:46"), []string{
			"ARBZG_3_EXTENDED_DAY date=2026-03-02 working_minutes=541",
			"ARBZG_16_RECORD_OVERTIME date=2026-03-02 minutes_over_8h=61 working_minutes=541",
		}},
		// § 3 and § 16 (2): 480 and 600.
		{"480 working minutes", day(mon, "08:00-12:00", "12:30-16:30"), nil},
		{"481 working minutes", day(mon, "08:00-12:00", "12:30-16:31"), []string{
			"ARBZG_3_EXTENDED_DAY date=2026-03-02 working_minutes=481",
			"ARBZG_16_RECORD_OVERTIME date=2026-03-02 minutes_over_8h=1 working_minutes=481",
		}},
		{"600 working minutes", day(mon, "06:00-11:00", "11:45-16:45"), []string{
			"ARBZG_3_EXTENDED_DAY date=2026-03-02 working_minutes=600",
			"ARBZG_16_RECORD_OVERTIME date=2026-03-02 minutes_over_8h=120 working_minutes=600",
		}},
		{"601 working minutes", day(mon, "06:00-11:00", "11:45-16:46"), []string{
			"ARBZG_3_DAILY_MAX_EXCEEDED date=2026-03-02 working_minutes=601 excess_minutes=1",
			"ARBZG_16_RECORD_OVERTIME date=2026-03-02 minutes_over_8h=121 working_minutes=601",
		}},
		// § 4 S. 2 and 3: a gap of 14 minutes is work, 15 a Ruhepause.
		{"gap of 14 minutes continues the work", day(mon, "08:00-14:00", "14:14-15:00"), []string{
			"ARBZG_4_BREAK_TOO_SHORT date=2026-03-02 required_break_minutes=30 actual_break_minutes=0 working_minutes=420",
			"ARBZG_4_CONTINUOUS_WORK_OVER_6H date=2026-03-02 longest_continuous_minutes=420",
		}},
		{"gap of 15 minutes interrupts it", day(mon, "08:00-14:00", "14:15-15:00"), []string{
			"ARBZG_4_BREAK_TOO_SHORT date=2026-03-02 required_break_minutes=30 actual_break_minutes=15 working_minutes=405",
		}},
		{"360 continuous minutes", day(mon, "08:00-14:00", "14:30-15:00"), nil},
		{"361 continuous minutes", day(mon, "08:00-14:01", "14:31-15:00"), []string{
			"ARBZG_4_CONTINUOUS_WORK_OVER_6H date=2026-03-02 longest_continuous_minutes=361",
		}},
		{"361 continuous minutes made of short gaps", day(mon, "08:00-10:00", "10:14-12:00", "12:10-14:01", "14:31-15:00"), []string{
			"ARBZG_4_CONTINUOUS_WORK_OVER_6H date=2026-03-02 longest_continuous_minutes=361",
		}},
		// The shift boundary and § 5.
		{"gap of 179 minutes keeps one shift", day(mon, "08:00-11:00", "13:59-15:00"), nil},
		{"gap of 180 minutes is a rest period", day(mon, "08:00-11:00", "14:00-15:00"), []string{
			"ARBZG_5_REST_TOO_SHORT date=2026-03-02 rest_minutes=180 deficit_minutes=480",
		}},
		{"rest of 659 minutes", slices.Concat(day(mon, "15:00-21:00"), day(tue, "07:59-12:00")), []string{
			"ARBZG_5_REST_TOO_SHORT date=2026-03-03 rest_minutes=659 deficit_minutes=1",
		}},
		{"rest of 660 minutes", slices.Concat(day(mon, "15:00-21:00"), day(tue, "08:00-12:00")), nil},
		{"rest after a night shift is dated on the later shift", []Interval{iv("2026-03-02 22:00", "2026-03-03 04:00"), iv("2026-03-03 13:00", "2026-03-03 17:00")}, []string{
			"ARBZG_5_REST_TOO_SHORT date=2026-03-03 rest_minutes=540 deficit_minutes=120",
		}},
		{"first shift has no rest finding", day(mon, "01:00-02:00"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := check(t, "BE", nil, testCalendar, tc.in)
			got := summaries(res.Findings)
			want := tc.want
			if want == nil {
				want = []string{}
			}
			if !slices.Equal(got, want) {
				t.Errorf("intervals %v:\ngot  %s\nwant %s", tc.in, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
			}
		})
	}
}

func TestDSTNights(t *testing.T) {
	tests := []struct {
		name string
		in   Interval
		want []string
	}{
		{"spring forward: 22:00-06:00 is 7 hours, 5 of them on the Sunday", iv("2026-03-28 22:00", "2026-03-29 06:00"), []string{
			"ARBZG_4_BREAK_TOO_SHORT date=2026-03-28 required_break_minutes=30 actual_break_minutes=0 working_minutes=420",
			"ARBZG_4_CONTINUOUS_WORK_OVER_6H date=2026-03-28 longest_continuous_minutes=420",
			"ARBZG_9_SUNDAY_HOLIDAY_WORK date=2026-03-29 minutes=300 day_type=sunday",
			"ARBZG_16_RECORD_SUNDAY_HOLIDAY date=2026-03-29 minutes=300",
		}},
		{"fall back: 22:00-06:00 is 9 hours, 7 of them on the Sunday", iv("2026-10-24 22:00", "2026-10-25 06:00"), []string{
			"ARBZG_3_EXTENDED_DAY date=2026-10-24 working_minutes=540",
			"ARBZG_4_BREAK_TOO_SHORT date=2026-10-24 required_break_minutes=30 actual_break_minutes=0 working_minutes=540",
			"ARBZG_4_CONTINUOUS_WORK_OVER_6H date=2026-10-24 longest_continuous_minutes=540",
			"ARBZG_16_RECORD_OVERTIME date=2026-10-24 minutes_over_8h=60 working_minutes=540",
			"ARBZG_9_SUNDAY_HOLIDAY_WORK date=2026-10-25 minutes=420 day_type=sunday",
			"ARBZG_16_RECORD_SUNDAY_HOLIDAY date=2026-10-25 minutes=420",
		}},
		{"fall back inside a day: 00:00-24:00 on the Sunday is 25 hours", iv("2026-10-25 00:00", "2026-10-26 00:00"), []string{
			"ARBZG_3_DAILY_MAX_EXCEEDED date=2026-10-25 working_minutes=1500 excess_minutes=900",
			"ARBZG_4_BREAK_TOO_SHORT date=2026-10-25 required_break_minutes=45 actual_break_minutes=0 working_minutes=1500",
			"ARBZG_4_CONTINUOUS_WORK_OVER_6H date=2026-10-25 longest_continuous_minutes=1500",
			"ARBZG_9_SUNDAY_HOLIDAY_WORK date=2026-10-25 minutes=1500 day_type=sunday",
			"ARBZG_16_RECORD_OVERTIME date=2026-10-25 minutes_over_8h=1020 working_minutes=1500",
			"ARBZG_16_RECORD_SUNDAY_HOLIDAY date=2026-10-25 minutes=1500",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := summaries(check(t, "BE", nil, testCalendar, []Interval{tc.in}).Findings)
			if !slices.Equal(got, tc.want) {
				t.Errorf("interval %v:\ngot  %s\nwant %s", tc.in, strings.Join(got, "\n     "), strings.Join(tc.want, "\n     "))
			}
		})
	}
}

func TestSundaysAndHolidays(t *testing.T) {
	easterNight := []Interval{iv("2026-04-05 22:00", "2026-04-06 06:00")}
	tests := []struct {
		name  string
		state string
		in    []Interval
		want  []string
	}{
		{"night shift from Easter Sunday (a holiday in BB) into Easter Monday", "BB", easterNight, []string{
			"ARBZG_4_BREAK_TOO_SHORT date=2026-04-05 required_break_minutes=30 actual_break_minutes=0 working_minutes=480",
			"ARBZG_4_CONTINUOUS_WORK_OVER_6H date=2026-04-05 longest_continuous_minutes=480",
			"ARBZG_9_SUNDAY_HOLIDAY_WORK date=2026-04-05 minutes=120 day_type=sunday_and_holiday holiday_name=Ostersonntag",
			"ARBZG_16_RECORD_SUNDAY_HOLIDAY date=2026-04-05 minutes=120",
			"ARBZG_9_SUNDAY_HOLIDAY_WORK date=2026-04-06 minutes=360 day_type=holiday holiday_name=Ostermontag",
			"ARBZG_16_RECORD_SUNDAY_HOLIDAY date=2026-04-06 minutes=360",
		}},
		{"the same night in BE, where Easter Sunday is just a Sunday", "BE", easterNight, []string{
			"ARBZG_4_BREAK_TOO_SHORT date=2026-04-05 required_break_minutes=30 actual_break_minutes=0 working_minutes=480",
			"ARBZG_4_CONTINUOUS_WORK_OVER_6H date=2026-04-05 longest_continuous_minutes=480",
			"ARBZG_9_SUNDAY_HOLIDAY_WORK date=2026-04-05 minutes=120 day_type=sunday",
			"ARBZG_16_RECORD_SUNDAY_HOLIDAY date=2026-04-05 minutes=120",
			"ARBZG_9_SUNDAY_HOLIDAY_WORK date=2026-04-06 minutes=360 day_type=holiday holiday_name=Ostermontag",
			"ARBZG_16_RECORD_SUNDAY_HOLIDAY date=2026-04-06 minutes=360",
		}},
		{"night shift ending at midnight does not touch the Sunday", "BE", []Interval{iv("2026-03-07 18:00", "2026-03-08 00:00")}, []string{}},
		{"night shift one minute into a Sunday that is a holiday", "BE", []Interval{iv("2026-03-07 20:00", "2026-03-08 00:01")}, []string{
			"ARBZG_9_SUNDAY_HOLIDAY_WORK date=2026-03-08 minutes=1 day_type=sunday_and_holiday holiday_name=Internationaler Frauentag",
			"ARBZG_16_RECORD_SUNDAY_HOLIDAY date=2026-03-08 minutes=1",
		}},
		{"short gap on a Sunday counts as work, a Ruhepause does not", "BE", day("2026-03-15", "10:00-11:00", "11:10-12:00", "12:30-13:00"), []string{
			"ARBZG_9_SUNDAY_HOLIDAY_WORK date=2026-03-15 minutes=150 day_type=sunday",
			"ARBZG_16_RECORD_SUNDAY_HOLIDAY date=2026-03-15 minutes=150",
		}},
		{"regional holiday is info only", "BY", day("2026-08-15", "08:00-12:00"), []string{
			"INFO_REGIONAL_HOLIDAY date=2026-08-15 minutes=240 holiday_name=Mariä Himmelfahrt",
		}},
		{"regional holiday is no holiday elsewhere", "BE", day("2026-08-15", "08:00-12:00"), []string{}},
		{"statewide holiday on a weekday", "BY", day("2026-01-06", "08:00-12:00"), []string{
			"ARBZG_9_SUNDAY_HOLIDAY_WORK date=2026-01-06 minutes=240 day_type=holiday holiday_name=Heilige Drei Könige",
			"ARBZG_16_RECORD_SUNDAY_HOLIDAY date=2026-01-06 minutes=240",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := summaries(check(t, tc.state, nil, testCalendar, tc.in).Findings)
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s %v:\ngot  %s\nwant %s", tc.state, tc.in, strings.Join(got, "\n     "), strings.Join(tc.want, "\n     "))
			}
		})
	}
}

func TestRegionalHolidayOnSunday(t *testing.T) {
	cal := fakeCalendar{"BY": {d("2026-03-15"): {"Ortsfest", false}}}
	got := summaries(check(t, "BY", nil, cal, day("2026-03-15", "10:00-12:00")).Findings)
	want := []string{
		"ARBZG_9_SUNDAY_HOLIDAY_WORK date=2026-03-15 minutes=120 day_type=sunday",
		"ARBZG_16_RECORD_SUNDAY_HOLIDAY date=2026-03-15 minutes=120",
		"INFO_REGIONAL_HOLIDAY date=2026-03-15 minutes=120 holiday_name=Ortsfest",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// sundays returns the first n Sundays of 2026, each worked 10:00-14:00.
func sundays(n int) []Interval {
	var out []Interval
	for d := civil.D(2026, 1, 4); len(out) < n; d = d.AddDays(7) {
		out = append(out, day(d.String(), "10:00-14:00")...)
	}
	return out
}

func TestFreeSundays(t *testing.T) {
	tests := []struct {
		name string
		in   []Interval
		want []string
	}{
		{"37 worked Sundays leave 15 free", sundays(37), []string{}},
		{"38 worked Sundays leave 14 free", sundays(38), []string{
			"ARBZG_11_TOO_FEW_FREE_SUNDAYS year=2026 free_sundays=14 sundays_in_year=52 sundays_worked=38",
		}},
		{"a night shift into a Sunday makes it worked", slices.Concat(sundays(37), []Interval{iv("2026-12-26 22:00", "2026-12-27 01:00")}), []string{
			"ARBZG_11_TOO_FEW_FREE_SUNDAYS year=2026 free_sundays=14 sundays_in_year=52 sundays_worked=38",
		}},
		{"two shifts on one Sunday count once", slices.Concat(sundays(37), day("2026-01-04", "18:00-19:00")), []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := summaries(only(check(t, "BE", nil, testCalendar, tc.in).Findings, TooFewFreeSundays))
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	for year, want := range map[int]int{2023: 53, 2024: 52, 2026: 52, 2028: 53, 2033: 52} {
		if got := sundaysIn(year); got != want {
			t.Errorf("sundaysIn(%d) = %d, want %d", year, got, want)
		}
	}
}

// werktagShifts returns an 8-hour shift (with a 30-minute break) on every
// Monday to Saturday in [from, to), except the dates in skip.
func werktagShifts(from, to civil.Date, skip ...civil.Date) []Interval {
	var out []Interval
	for d := from; d.Before(to); d = d.AddDays(1) {
		if d.Weekday() == time.Sunday || slices.Contains(skip, d) {
			continue
		}
		out = append(out, day(d.String(), "08:00-12:00", "12:30-16:30")...)
	}
	return out
}

func TestAverage(t *testing.T) {
	weeks24 := &ReferencePeriod{Type: Period24Weeks, Start: d("2026-06-01")}
	start, end := d("2026-06-01"), d("2026-11-16")
	unity := d("2026-10-03") // a Saturday, a statewide holiday
	withHoliday := fakeCalendar{"BE": {unity: {"Tag der Deutschen Einheit", true}}}
	plusOne := []Interval{iv("2026-06-01 16:30", "2026-06-01 16:31")}
	tests := []struct {
		name string
		cal  HolidayCalendar
		in   []Interval
		want []string
	}{
		{"144 Werktage of 480 minutes", noHolidays, werktagShifts(start, end), []string{}},
		{"one minute more", noHolidays, slices.Concat(werktagShifts(start, end), plusOne), []string{
			"ARBZG_3_AVERAGE_EXCEEDED period_start=2026-06-01 period_end_exclusive=2026-11-16 average_minutes_per_werktag=480.01 working_minutes=69121 werktage=144",
		}},
		{"a Saturday holiday off leaves 143 Werktage", withHoliday, werktagShifts(start, end, unity), []string{}},
		{"working on the Saturday holiday too", withHoliday, werktagShifts(start, end), []string{
			"ARBZG_3_AVERAGE_EXCEEDED period_start=2026-06-01 period_end_exclusive=2026-11-16 average_minutes_per_werktag=483.36 working_minutes=69120 werktage=143",
		}},
		{"a full-time week of 5 x 9.6 h averages 480", noHolidays, func() []Interval {
			var out []Interval
			for d := start; d.Before(end); d = d.AddDays(1) {
				if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
					out = append(out, day(d.String(), "07:00-12:00", "12:45-17:21")...)
				}
			}
			return out
		}(), []string{}},
		{"shifts before the anchor fall into the period before", noHolidays, slices.Concat(werktagShifts(start, end), day("2026-05-30", "06:00-12:00", "12:45-16:45")), []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := summaries(only(check(t, "BE", weeks24, tc.cal, tc.in).Findings, AverageExceeded))
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestAverageHalfYears(t *testing.T) {
	// H1 2026 in Berlin: 181 days, 26 Sundays and 6 holidays on Monday to
	// Saturday (Frauentag falls on a Sunday) leave 149 Werktage; there are
	// 155 days from Monday to Saturday.
	h1, end := d("2026-01-01"), d("2026-07-01")
	holidays := []civil.Date{d("2026-01-01"), d("2026-04-03"), d("2026-04-06"), d("2026-05-01"), d("2026-05-14"), d("2026-05-25")}
	tests := []struct {
		name string
		rp   *ReferencePeriod
		in   []Interval
		want []string
	}{
		{"default half-year, holidays worked", nil, werktagShifts(h1, end), []string{
			"ARBZG_3_AVERAGE_EXCEEDED period_start=2026-01-01 period_end_exclusive=2026-07-01 average_minutes_per_werktag=499.33 working_minutes=74400 werktage=149",
		}},
		{"default half-year, holidays off", nil, werktagShifts(h1, end, holidays...), []string{}},
		{"6 calendar months from February split the same data", &ReferencePeriod{Type: Period6CalendarMonths, Start: d("2026-02-01")}, werktagShifts(h1, end), []string{}},
		{"6 calendar months from January are the half-year", &ReferencePeriod{Type: Period6CalendarMonths, Start: d("2026-01-01")}, werktagShifts(h1, end), []string{
			"ARBZG_3_AVERAGE_EXCEEDED period_start=2026-01-01 period_end_exclusive=2026-07-01 average_minutes_per_werktag=499.33 working_minutes=74400 werktage=149",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := summaries(only(check(t, "BE", tc.rp, testCalendar, tc.in).Findings, AverageExceeded))
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestPeriodGrid(t *testing.T) {
	tests := []struct {
		g          grid
		d          string
		start, end string
	}{
		{grid{Period24Weeks, d("2026-06-01")}, "2026-06-01", "2026-06-01", "2026-11-16"},
		{grid{Period24Weeks, d("2026-06-01")}, "2026-11-15", "2026-06-01", "2026-11-16"},
		{grid{Period24Weeks, d("2026-06-01")}, "2026-11-16", "2026-11-16", "2027-05-03"},
		{grid{Period24Weeks, d("2026-06-01")}, "2026-05-31", "2025-12-15", "2026-06-01"},
		{grid{Period6CalendarMonths, d("2026-02-01")}, "2026-01-31", "2025-08-01", "2026-02-01"},
		{grid{Period6CalendarMonths, d("2026-02-01")}, "2026-02-01", "2026-02-01", "2026-08-01"},
		{grid{Period6CalendarMonths, d("2026-02-01")}, "2026-08-01", "2026-08-01", "2027-02-01"},
		{defaultGrid, "2026-06-30", "2026-01-01", "2026-07-01"},
		{defaultGrid, "2026-07-01", "2026-07-01", "2027-01-01"},
		{defaultGrid, "1999-12-31", "1999-07-01", "2000-01-01"},
		{defaultGrid, "0003-03-03", "0003-01-01", "0003-07-01"},
	}
	for _, tc := range tests {
		start, end := tc.g.period(d(tc.d))
		if start.String() != tc.start || end.String() != tc.end {
			t.Errorf("%+v.period(%s) = %s, %s; want %s, %s", tc.g, tc.d, start, end, tc.start, tc.end)
		}
	}
}

func TestInvalidInput(t *testing.T) {
	ok := day("2026-03-02", "08:00-12:00")[0]
	tests := []struct {
		name  string
		in    Input
		field string
		msg   string
	}{
		{"unknown state", Input{State: "XX", Location: berlin}, "state", `state: "XX" is not a Bundesland code`},
		{"lower-case state", Input{State: "be", Location: berlin}, "state", `state: "be" is not a Bundesland code`},
		{"no location", Input{State: "BE"}, "timezone", "timezone: missing"},
		{"end before start", Input{State: "BE", Location: berlin, Intervals: []Interval{ok, ok, ok, {ok.End, ok.Start}}}, "intervals[3].end", "intervals[3].end: before start"},
		{"empty interval", Input{State: "BE", Location: berlin, Intervals: []Interval{{ok.Start, ok.Start}}}, "intervals[0].end", "intervals[0].end: equal to start (an empty interval)"},
		{"interval over 7 days", Input{State: "BE", Location: berlin, Intervals: []Interval{{ok.Start, ok.Start.Add(MaxIntervalLength + time.Minute)}}}, "intervals[0].end", "intervals[0].end: more than 7 days after start"},
		{"unknown period type", Input{State: "BE", Location: berlin, ReferencePeriod: &ReferencePeriod{Type: "1_year", Start: d("2026-01-01")}}, "reference_period.type", `reference_period.type: "1_year" is neither "24_weeks" nor "6_calendar_months"`},
		{"calendar months from mid-month", Input{State: "BE", Location: berlin, ReferencePeriod: &ReferencePeriod{Type: Period6CalendarMonths, Start: d("2026-01-15")}}, "reference_period.start", "reference_period.start: 2026-01-15: a 6_calendar_months period starts on the first day of a month"},
		{"period without start", Input{State: "BE", Location: berlin, ReferencePeriod: &ReferencePeriod{Type: Period24Weeks}}, "reference_period.start", "reference_period.start: missing or not a date"},
		{"period with impossible start", Input{State: "BE", Location: berlin, ReferencePeriod: &ReferencePeriod{Type: Period24Weeks, Start: civil.Date{Year: 2026, Month: 2, Day: 30}}}, "reference_period.start", "reference_period.start: missing or not a date"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Check(tc.in, testCalendar)
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.Invalid || e.Code != CodeInvalidInput {
				t.Fatalf("Check(%+v) = %v, want an invalid-input error", tc.in, err)
			}
			if _, ok := e.Fields[tc.field]; !ok || e.Message != tc.msg {
				t.Errorf("Check(%+v): message %q, fields %v; want %q naming %s", tc.in, e.Message, e.Fields, tc.msg, tc.field)
			}
		})
	}
	if _, err := Check(Input{State: "BE", Location: berlin}, nil); err == nil {
		t.Error("Check without a calendar succeeded")
	}
}

func TestEmptyInput(t *testing.T) {
	res := check(t, "BE", nil, testCalendar)
	if res.Shifts == nil || res.Findings == nil || len(res.Shifts) != 0 || len(res.Findings) != 0 {
		t.Errorf("Check(no intervals) = %#v, want empty non-nil slices", res)
	}
}

// TestMidnightTransitionZone runs a zone whose clocks jump at midnight
// (Chile) through a night: every minute lands on exactly one day.
func TestMidnightTransitionZone(t *testing.T) {
	santiago := mustLoad("America/Santiago")
	// Chile went back from 24:00 to 23:00 on 2026-04-04/05 and forward from
	// 24:00 to 01:00 on 2026-09-05/06.
	for _, from := range []time.Time{
		time.Date(2026, 4, 4, 20, 0, 0, 0, santiago),
		time.Date(2026, 9, 5, 20, 0, 0, 0, santiago),
	} {
		in := Input{State: "BE", Location: santiago, Intervals: []Interval{{from, from.Add(8 * time.Hour)}}}
		res, err := Check(in, noHolidays)
		if err != nil {
			t.Fatal(err)
		}
		days := dailyMinutes(stretchesOf(in.Intervals, santiago), santiago)
		total := 0
		for _, dm := range days {
			total += dm.minutes
		}
		if total != 480 || res.Shifts[0].WorkingMinutes != 480 {
			t.Errorf("night from %v: days %v (total %d), shift %+v; want 480 minutes", from, days, total, res.Shifts[0])
		}
	}
}
