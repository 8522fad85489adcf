package worktime

import (
	"context"
	"fmt"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/holiday"
	"ortlos/internal/worktime/arbzg"
)

// MonthDay is one calendar day of a person's month view.
type MonthDay struct {
	Date civil.Date
	// TargetMinutes is the Sollzeit of the day (see TargetMinutes).
	TargetMinutes int
	// WorkedMinutes and BreakMinutes sum the shifts that belong to the day
	// (a shift belongs to the local date on which it starts, so a night
	// shift counts wholly on its first day).
	WorkedMinutes int
	BreakMinutes  int
	// BalanceMinutes is WorkedMinutes plus CreditMinutes minus
	// TargetMinutes; 0 for days after today, which do not count (Counted
	// is false).
	BalanceMinutes int
	Counted        bool
	// HolidayName and HolidayScope name a statutory holiday of the state
	// on the day (statewide wins over regional); empty on other days.
	HolidayName  string
	HolidayScope holiday.Scope
	// Findings are the ArbZG findings dated on the day.
	Findings []arbzg.Finding
	// Running reports that the day's working time includes an interval
	// that is still running, counted up to now.
	Running bool
	// Warnings are hints outside the ArbZG, such as core hours not
	// covered; they never block anything.
	Warnings []Warning
	// Absence is an approved absence on the day (nil: none);
	// CreditMinutes is what it credits against the target (the target,
	// half of it for half a day, or 0 for a Gleittag, which draws from the
	// flexitime account).
	Absence       *DayAbsence
	CreditMinutes int
}

// Warning is a hint on a day that is not an ArbZG finding.
type Warning struct {
	Code string // stable code, e.g. CORE_HOURS_NOT_COVERED
	// Minutes quantifies the warning (e.g. minutes of core time missed).
	Minutes int
}

// MonthTotals sums the days of a month view.
type MonthTotals struct {
	// TargetMinutes is the target of the whole month; TargetToDateMinutes
	// that of the days up to today, the basis of BalanceMinutes.
	TargetMinutes       int
	TargetToDateMinutes int
	WorkedMinutes       int
	BreakMinutes        int
	// CreditMinutes sums the credits of approved absences.
	CreditMinutes int
	// BalanceMinutes sums the balances of the counted days (up to today).
	BalanceMinutes int
}

// MonthView is a person's working time in one calendar month.
type MonthView struct {
	UserID int64
	Year   int
	Month  time.Month
	Days   []MonthDay
	Totals MonthTotals
	// Findings are the findings of the check dated in the month, in the
	// engine's order.
	Findings []arbzg.Finding
	// Running reports that an interval is running (counted up to now).
	Running bool
	// Status is the month's sign-off state and Flexitime the account;
	// both are filled by Month, not by the internal monthView.
	Status    MonthStatus
	Flexitime Flexitime
}

// Today returns the current calendar day in the organisation's zone.
func (s *Service) Today() civil.Date { return civil.In(s.clock.Now(), s.loc) }

// Month returns the month view of userID for year and month, judged with
// the holidays of state (a Land code such as "NW"; empty: the person's
// own) in the organisation's zone, with its sign-off status and the
// flexitime account. The person, their lead, HR and administrators may see it; everyone
// else gets NotFound.
//
// The compliance engine (arbzg.Check) sees the entries overlapping the
// month and the day before and after it: the day before gives the rest
// period (§ 5) before the month's first shift and the shift that may run
// over midnight into the month's first day; the day after lets a shift
// starting on the month's last evening end. Only findings dated in the
// month are reported; findings about a year (§ 11) or a reference period
// (the § 3 average) need more than a month of data and are left to
// reports over those spans.
//
// A running interval counts up to now (the service clock) and marks its
// day Running. Days after today have no working time; they keep their
// target but are not counted into the balance, so the month balance is
// the balance up to and including today.
func (s *Service) Month(ctx context.Context, a actor.Actor, userID int64, state string, year int, month time.Month) (MonthView, error) {
	supervisor, err := userSupervisor(ctx, s.db, userID)
	if err != nil {
		return MonthView{}, err
	}
	if !canViewEntries(a, userID, supervisor) {
		return MonthView{}, errNotFound
	}
	if state == "" {
		if state, err = s.userState(ctx, s.db, userID); err != nil {
			return MonthView{}, err
		}
	}
	v, err := s.monthView(ctx, s.db, userID, state, year, month)
	if err != nil {
		return MonthView{}, err
	}
	if v.Status, err = monthStatus(ctx, s.db, userID, YearMonth{year, month}); err != nil {
		return MonthView{}, err
	}
	if v.Flexitime, err = s.flexitime(ctx, s.db, v, state, v.Status); err != nil {
		return MonthView{}, err
	}
	return v, nil
}

// monthView computes the month view reading through q, without
// permission checks.
func (s *Service) monthView(ctx context.Context, q db.Querier, userID int64, state string, year int, month time.Month) (MonthView, error) {
	if month < time.January || month > time.December {
		return MonthView{}, apperr.Invalidf("invalid_filter", "month must be 1 to 12").WithField("month", "invalid_filter")
	}
	if year < holiday.MinYear || year > holiday.MaxYear {
		return MonthView{}, apperr.Invalidf("invalid_filter", "year must be %d to %d", holiday.MinYear, holiday.MaxYear).WithField("year", "invalid_filter")
	}
	first := civil.D(year, month, 1)
	last := civil.D(year, month+1, 1).AddDays(-1)
	targets, err := targetMinutes(ctx, q, userID, state, first, last)
	if err != nil {
		return MonthView{}, err
	}
	entries, err := entriesBetween(ctx, q, userID, first.AddDays(-1).Start(s.loc), last.AddDays(2).Start(s.loc))
	if err != nil {
		return MonthView{}, err
	}
	now := s.clock.Now()
	today := civil.In(now, s.loc)

	in, running := engineInput(entries, state, s.loc, now)
	res, err := arbzg.Check(in, holiday.Calendar{})
	if err != nil {
		return MonthView{}, fmt.Errorf("worktime: month check: %w", err)
	}

	out := MonthView{UserID: userID, Year: year, Month: month, Findings: []arbzg.Finding{}}
	index := map[civil.Date]int{}
	for d := first; !d.After(last); d = d.AddDays(1) {
		day := MonthDay{Date: d, TargetMinutes: targets[d], Findings: []arbzg.Finding{}, Warnings: []Warning{}}
		if h, ok := holiday.Lookup(state, d); ok {
			day.HolidayName, day.HolidayScope = h.Name, h.Scope
		}
		index[d] = len(out.Days)
		out.Days = append(out.Days, day)
	}
	for _, sh := range res.Shifts {
		i, ok := index[sh.Date]
		if !ok {
			continue
		}
		out.Days[i].WorkedMinutes += sh.WorkingMinutes
		out.Days[i].BreakMinutes += sh.BreakMinutes
		if running != nil {
			rs := running.Truncate(time.Minute)
			if !rs.Before(sh.Start) && rs.Before(sh.End) {
				out.Days[i].Running, out.Running = true, true
			}
		}
	}
	if running != nil && !out.Running {
		// A running interval shorter than a minute forms no shift yet.
		if i, ok := index[civil.In(*running, s.loc)]; ok {
			out.Days[i].Running, out.Running = true, true
		}
	}
	for _, f := range res.Findings {
		i, ok := index[f.Date]
		if !ok {
			continue
		}
		out.Days[i].Findings = append(out.Days[i].Findings, f)
		out.Findings = append(out.Findings, f)
	}
	if err := s.addDayWarnings(ctx, userID, &out, entries); err != nil {
		return MonthView{}, err
	}
	users, args := oneUser(userID)
	absences, err := approvedAbsences(ctx, q, users, args, first, last)
	if err != nil {
		return MonthView{}, err
	}
	t := &out.Totals
	for i := range out.Days {
		d := &out.Days[i]
		if a, ok := absenceOn(absences[userID], d.Date); ok {
			d.Absence, d.CreditMinutes = a.day(), absenceCredit(a, d.TargetMinutes)
		}
		t.TargetMinutes += d.TargetMinutes
		t.WorkedMinutes += d.WorkedMinutes
		t.BreakMinutes += d.BreakMinutes
		t.CreditMinutes += d.CreditMinutes
		if !d.Date.After(today) {
			d.Counted = true
			d.BalanceMinutes = d.WorkedMinutes + d.CreditMinutes - d.TargetMinutes
			t.TargetToDateMinutes += d.TargetMinutes
			t.BalanceMinutes += d.BalanceMinutes
		}
	}
	return out, nil
}

// engineInput turns stored entries into the input of the compliance
// engine for state in loc. A running interval counts up to now and its
// start is returned. The engine refuses intervals over a week: a clock-out
// forgotten (or a typing error) counts at most a week. Empty intervals (a
// clock-out in the same instant) carry no time and are left out.
func engineInput(entries []Entry, state string, loc *time.Location, now time.Time) (arbzg.Input, *time.Time) {
	in := arbzg.Input{State: state, Location: loc}
	var running *time.Time
	for _, e := range entries {
		end := now
		if e.End != nil {
			end = *e.End
		} else {
			st := e.Start
			running = &st
		}
		if end.Sub(e.Start) > arbzg.MaxIntervalLength {
			end = e.Start.Add(arbzg.MaxIntervalLength)
		}
		if end.After(e.Start) {
			in.Intervals = append(in.Intervals, arbzg.Interval{Start: e.Start, End: end})
		}
	}
	return in, running
}
