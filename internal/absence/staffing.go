package absence

// Staffing warnings: when a person requests an absence, or their lead
// decides it, they see the working days on which the person's org unit
// would drop below its minimum staffing (org_unit_staffing) if the absence
// is (or stays) approved. A warning never blocks anything, and it carries
// counts only, never who else is absent or why.
//
// Presence is counted as the team calendar counts it (calendar.go): a
// person of the unit would work on a day that is no weekend and no
// statewide holiday of their Land, and is present unless absent all day.
// Unlike the calendar, whose figures depend on what the viewer may see,
// the warning counts the approved absences of the unit for everyone alike
// (requests still waiting do not count) plus the absence in question as if
// approved. Warnings exist only for types that need approval: a sick note
// cannot be planned around, and nobody should be nudged to work sick.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
)

// StaffingWarningCode is the code of a staffing warning in the API.
const StaffingWarningCode = "STAFFING_BELOW_MINIMUM"

// StaffingWarning is a working day of the person on which their org unit
// would have fewer people present than its minimum.
type StaffingWarning struct {
	Date civil.Date
	// Present counts the people of the unit present that day with the
	// absence approved; Minimum is the unit's minimum staffing.
	Present int
	Minimum int
}

// WithStaffingWarnings returns x with StaffingWarnings set (non-nil, maybe
// empty) when the warnings apply and a may see them: x is requested or
// approved, of a type that needs approval, and a is the person, HR, an
// administrator, or decides it (the person's lead or the lead's acting
// deputy). Otherwise x comes back unchanged (StaffingWarnings nil).
func (s *Service) WithStaffingWarnings(ctx context.Context, a actor.Actor, x Absence) (Absence, error) {
	x.StaffingWarnings = nil
	if x.Status != StatusRequested && x.Status != StatusApproved {
		return x, nil
	}
	r, err := s.load(ctx, s.db, x.ID)
	if err != nil {
		return Absence{}, err
	}
	if r.Status != StatusRequested && r.Status != StatusApproved {
		return x, nil
	}
	sees := isHR(a) || (a.Authenticated() && a.UserID == r.UserID) || isLeadOf(a, r.supervisor)
	if !sees {
		if sees, err = s.actingDeputy(ctx, s.db, a, r.supervisor); err != nil {
			return Absence{}, err
		}
	}
	if !sees {
		return x, nil
	}
	t, err := s.typeByID(ctx, s.db, r.TypeID)
	if err != nil {
		return Absence{}, err
	}
	if !t.NeedsApproval {
		return x, nil
	}
	w, err := s.staffingWarnings(ctx, r.UserID, r.state, r.Start, r.End, r.DayLength, r.ID)
	if err != nil {
		return Absence{}, err
	}
	x.StaffingWarnings = w
	return x, nil
}

// staffingWarnings returns the working days (under the work model) of
// userID (of Land state) from start to end on which their org unit would
// have fewer people present than its minimum with an approved absence of
// dayLength over the range; exceptID is that absence's own id (0 for one
// not yet stored), so that it is not counted twice. The answer is never
// nil. It reads the unit's people and approved absences of the range once
// (the range is at most MaxDays long).
func (s *Service) staffingWarnings(ctx context.Context, userID int64, state string, start, end civil.Date, dayLength string, exceptID int64) ([]StaffingWarning, error) {
	out := []StaffingWarning{}
	var unit sql.NullInt64
	err := s.db.QueryRowContext(ctx, "SELECT org_unit_id FROM users WHERE id = ?", userID).Scan(&unit)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("absence: staffing unit: %w", err)
	}
	if !unit.Valid || end.Before(start) {
		return out, nil
	}
	minimum, err := s.minStaffing(ctx, unit.Int64)
	if err != nil || minimum == 0 {
		return out, err
	}
	targets, err := s.wt.TargetMinutes(ctx, userID, state, start, end)
	if err != nil {
		return nil, err
	}
	const where = "u.org_unit_id = ?"
	people, err := s.unitPeople(ctx, where, unit.Int64)
	if err != nil {
		return nil, err
	}
	absences, err := s.unitAbsences(ctx, where, unit.Int64, start, end, StatusApproved)
	if err != nil {
		return nil, err
	}

	n := start.DaysUntil(end) + 1
	// works[state][j]: people of that Land would work on day j.
	works := map[string][]bool{}
	worksIn := func(state string) []bool {
		w, ok := works[state]
		if !ok {
			w = make([]bool, n)
			for j := range w {
				d := start.AddDays(j)
				w[j] = !isWeekend(d) && statewideHoliday(state, d) == ""
			}
			works[state] = w
		}
		return w
	}
	stateOf := make(map[int64]string, len(people))
	working := make([]int, n)
	for _, p := range people {
		stateOf[p.id] = p.state
		for j, ok := range worksIn(p.state) {
			if ok {
				working[j]++
			}
		}
	}
	present := append([]int(nil), working...)
	absent := map[int64][]bool{} // days already counted as absent, per person
	markAbsent := func(uid int64, from, to civil.Date) {
		st, ok := stateOf[uid]
		if !ok {
			return // disabled
		}
		if from.Before(start) {
			from = start
		}
		if to.After(end) {
			to = end
		}
		w, seen := worksIn(st), absent[uid]
		if seen == nil {
			seen = make([]bool, n)
			absent[uid] = seen
		}
		for d := from; !d.After(to); d = d.AddDays(1) {
			if j := start.DaysUntil(d); w[j] && !seen[j] {
				seen[j] = true
				present[j]--
			}
		}
	}
	for _, r := range absences {
		if r.id != exceptID && r.dayLength == DayFull {
			markAbsent(r.userID, r.start, r.end)
		}
	}
	if dayLength == DayFull {
		markAbsent(userID, start, end)
	}
	for j := range n {
		d := start.AddDays(j)
		if targets[d] > 0 && understaffed(working[j], present[j], minimum) {
			out = append(out, StaffingWarning{Date: d, Present: present[j], Minimum: minimum})
		}
	}
	return out, nil
}
