package worktime

import (
	"time"

	"ortlos/internal/civil"
	"ortlos/internal/holiday"
	"ortlos/internal/worktime/arbzg"
)

// The codes of the live warnings. They are stable: the API, the UI and the
// message catalogue key on them.
const (
	WarnBreakDue          = "BREAK_DUE"
	WarnMaxDayApproaching = "MAX_DAY_APPROACHING"
	WarnMaxDayExceeded    = "MAX_DAY_EXCEEDED"
	WarnRestTooShort      = "REST_TOO_SHORT"
	WarnSundayHolidayWork = "SUNDAY_HOLIDAY_WORK"
	// WarnAbsenceToday: working on a day with an approved absence (leave,
	// sickness …): the absence or the clocking is probably wrong.
	WarnAbsenceToday       = "ABSENCE_TODAY"
	liveLeadMinutes        = 30  // warn this long before a threshold
	liveBreakFromMinutes   = 360 // § 4: more than 6 h need 30 minutes
	liveLongBreakMinutes   = 540 // § 4: more than 9 h need 45 minutes
	liveMaxDayMinutes      = 600 // § 3: ten hours
	liveRestMinMinutes     = 660 // § 5: eleven hours
	liveMinBreakMinutes    = 15  // § 4 S. 2: shorter gaps are no Ruhepause
	liveShiftGapMinutes    = 180 // a gap this long ends the shift
	liveLookbackHours      = 48  // how far back Status reads intervals
	liveMaxDayApproachFrom = liveMaxDayMinutes - liveLeadMinutes
)

// LiveWarning is a hint while a person works: a rule of the ArbZG is about
// to be broken, or has been broken, in the shift that is still going on.
// Which figures are set depends on Code.
type LiveWarning struct {
	Code string
	// BREAK_DUE: the break the shift needs (30 or 45), the Ruhepausen taken
	// so far (the current break included once it lasts 15 minutes), what is
	// missing, and the working minutes until the break becomes required (0
	// once it is).
	BreakRequiredMinutes int
	BreakTakenMinutes    int
	BreakMissingMinutes  int
	DueInMinutes         int
	// MAX_DAY_APPROACHING: working minutes left until ten hours.
	MinutesLeft int
	// MAX_DAY_EXCEEDED: the shift's working minutes and those above ten
	// hours.
	WorkingMinutes int
	ExcessMinutes  int
	// REST_TOO_SHORT: the rest between the previous shift and this one,
	// and what it lacks of eleven hours.
	RestMinutes    int
	DeficitMinutes int
	// SUNDAY_HOLIDAY_WORK: sunday, holiday or sunday_and_holiday, and the
	// holiday's name.
	DayType     string
	HolidayName string
	// ABSENCE_TODAY: the type id of the approved absence (e.g. vacation).
	AbsenceType string
}

// LiveInput is what LiveWarnings examines.
type LiveInput struct {
	// Intervals are the person's clocked intervals of the last days; a
	// running interval ends at Now.
	Intervals []arbzg.Interval
	Now       time.Time
	// OnBreakSince is the start of the current break (nil unless on break):
	// the break counts as a Ruhepause once it lasts 15 minutes.
	OnBreakSince *time.Time
	// State is the Bundesland (for holidays); empty or unknown: Sundays
	// only.
	State    string
	Location *time.Location
}

// noHolidays is the calendar used when the person's Land is unknown.
type noHolidays struct{}

func (noHolidays) Holiday(string, civil.Date) (string, bool, bool) { return "", false, false }

// LiveWarnings returns the warnings about the shift that is going on at
// in.Now: the last shift of the intervals, unless it ended three hours or
// more ago (then the next work starts a new shift and nothing is going on).
// It is pure and uses the compliance engine for the shifts; the thresholds
// are those of docs/worktime-rules.md, and each warning starts 30 working
// minutes before its limit.
func LiveWarnings(in LiveInput) []LiveWarning {
	out := []LiveWarning{}
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	state := in.State
	var cal arbzg.HolidayCalendar = holiday.Calendar{}
	if !arbzg.ValidState(state) {
		// The engine needs a Land; without one only Sundays count.
		state, cal = "BE", noHolidays{}
	}
	var ivs []arbzg.Interval
	for _, iv := range in.Intervals {
		if iv.End.After(in.Now) {
			iv.End = in.Now
		}
		if iv.End.Sub(iv.Start) > arbzg.MaxIntervalLength {
			iv.Start = iv.End.Add(-arbzg.MaxIntervalLength)
		}
		if iv.End.After(iv.Start) {
			ivs = append(ivs, iv)
		}
	}
	res, err := arbzg.Check(arbzg.Input{State: state, Location: loc, Intervals: ivs}, cal)
	if err != nil || len(res.Shifts) == 0 {
		return out
	}
	cur := res.Shifts[len(res.Shifts)-1]
	now := in.Now.Truncate(time.Minute)
	gapNow := int(now.Sub(cur.End) / time.Minute)
	if gapNow >= liveShiftGapMinutes {
		return out
	}
	wt := cur.WorkingMinutes
	taken := cur.BreakMinutes
	if in.OnBreakSince != nil && gapNow >= liveMinBreakMinutes {
		taken += gapNow
	}

	// § 4: warn from 30 minutes before the threshold that makes a break
	// (or a longer one) required.
	required, threshold := 0, 0
	switch {
	case wt >= liveLongBreakMinutes-liveLeadMinutes:
		required, threshold = 45, liveLongBreakMinutes
	case wt >= liveBreakFromMinutes-liveLeadMinutes:
		required, threshold = 30, liveBreakFromMinutes
	}
	if required > 0 && taken < required {
		out = append(out, LiveWarning{Code: WarnBreakDue, BreakRequiredMinutes: required, BreakTakenMinutes: taken,
			BreakMissingMinutes: required - taken, DueInMinutes: max(0, threshold-wt)})
	}
	// § 3: ten hours.
	switch {
	case wt > liveMaxDayMinutes:
		out = append(out, LiveWarning{Code: WarnMaxDayExceeded, WorkingMinutes: wt, ExcessMinutes: wt - liveMaxDayMinutes})
	case wt >= liveMaxDayApproachFrom:
		out = append(out, LiveWarning{Code: WarnMaxDayApproaching, MinutesLeft: liveMaxDayMinutes - wt, WorkingMinutes: wt})
	}
	// § 5: the rest before this shift.
	if n := len(res.Shifts); n > 1 {
		if rest := int(cur.Start.Sub(res.Shifts[n-2].End) / time.Minute); rest < liveRestMinMinutes {
			out = append(out, LiveWarning{Code: WarnRestTooShort, RestMinutes: rest, DeficitMinutes: liveRestMinMinutes - rest})
		}
	}
	// § 9: work of this shift on a Sunday or a statewide holiday; the
	// latest such day first (the one that is today).
	first, last := cur.Date, civil.In(cur.End, loc)
	for i := len(res.Findings) - 1; i >= 0; i-- {
		f := res.Findings[i]
		if f.Code == arbzg.SundayHolidayWork && !f.Date.Before(first) && !f.Date.After(last) {
			out = append(out, LiveWarning{Code: WarnSundayHolidayWork, DayType: string(f.DayType), HolidayName: f.HolidayName})
			break
		}
	}
	return out
}
