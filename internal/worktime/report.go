package worktime

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/holiday"
	"ortlos/internal/worktime/arbzg"
)

// ReportPerson names a person in the reports.
type ReportPerson struct {
	ID           int64
	Username     string
	DisplayName  string
	OrgUnitID    int64 // 0: none
	OrgUnitName  string
	SupervisorID int64 // 0: none
	// State is the Land used for holidays and targets: the account's,
	// or the organisation's default (ORTLOS_DEFAULT_STATE) when the
	// account names none, as in the month view.
	State string
}

// ReportDay is one calendar day of a person in a report.
type ReportDay struct {
	Date          civil.Date
	TargetMinutes int
	WorkedMinutes int
	BreakMinutes  int
	// BalanceMinutes is WorkedMinutes minus TargetMinutes for days up to
	// today (Counted); 0 for later days.
	BalanceMinutes int
	Counted        bool
	// Start is the start of the first shift that belongs to the day and
	// End the end of its last shift (which may lie on the next day for a
	// night shift); nil on days without a shift.
	Start, End *time.Time
	// HolidayName names a statutory holiday of the person's Land.
	HolidayName string
	// AbsenceType is the type id of an approved absence on the day
	// (e.g. "vacation"), CreditMinutes what it credits (see MonthDay).
	AbsenceType   string
	CreditMinutes int
	Findings      []arbzg.Finding
	// Running: the day's time includes an interval still running,
	// counted up to now.
	Running bool
}

// SeverityCounts counts findings per severity.
type SeverityCounts struct {
	Violation, Flag, Obligation, Info int
}

func (c *SeverityCounts) add(s arbzg.Severity) {
	switch s {
	case arbzg.Violation:
		c.Violation++
	case arbzg.Flag:
		c.Flag++
	case arbzg.Obligation:
		c.Obligation++
	case arbzg.Info:
		c.Info++
	}
}

// Total returns the number of findings counted.
func (c SeverityCounts) Total() int { return c.Violation + c.Flag + c.Obligation + c.Info }

// PersonMonth is one person's month in a report: the same figures as the
// month view (Month), plus the first start and last end of every day.
type PersonMonth struct {
	Person ReportPerson
	Days   []ReportDay
	Totals MonthTotals
	// Findings are the findings dated in the month, in the engine's order.
	Findings []arbzg.Finding
	Counts   SeverityCounts
	Running  bool
}

// MonthReport is the compliance report of an org unit (or the whole
// organisation) for a calendar month.
type MonthReport struct {
	// OrgUnitID is 0 for the whole organisation.
	OrgUnitID       int64
	OrgUnitName     string
	IncludeSubunits bool
	Year            int
	Month           time.Month
	People          []PersonMonth
	// Counts sums the findings of all people.
	Counts SeverityCounts
}

// ReportOrgUnit is an org unit in the report's pick list; Depth is its
// level in the tree (0 for roots).
type ReportOrgUnit struct {
	ID    int64
	Name  string
	Depth int
}

// orgUnit is a row of org_units.
type orgUnit struct {
	id, parent int64
	name       string
}

func loadOrgUnits(ctx context.Context, q db.Querier) ([]orgUnit, error) {
	out, err := db.Query(ctx, q, func(row db.Scanner) (orgUnit, error) {
		var u orgUnit
		var parent sql.NullInt64
		err := row.Scan(&u.id, &parent, &u.name)
		u.parent = parent.Int64
		return u, err
	}, "SELECT id, parent_id, name FROM org_units ORDER BY name, id")
	if err != nil {
		return nil, fmt.Errorf("worktime: list org units: %w", err)
	}
	return out, nil
}

// ReportOrgUnits lists the org units a report can be asked for, as a tree
// in depth-first order by name. HR, administrators and leads may (a lead's
// report shows only the people they supervise); everyone else gets
// NotFound.
func (s *Service) ReportOrgUnits(ctx context.Context, a actor.Actor) ([]ReportOrgUnit, error) {
	if _, ok := reportScope(a); !ok {
		return nil, errNotFound
	}
	units, err := loadOrgUnits(ctx, s.db)
	if err != nil {
		return nil, err
	}
	known := map[int64]bool{}
	for _, u := range units {
		known[u.id] = true
	}
	children := map[int64][]orgUnit{}
	for _, u := range units {
		p := u.parent
		if !known[p] {
			p = 0
		}
		children[p] = append(children[p], u)
	}
	out := make([]ReportOrgUnit, 0, len(units))
	seen := map[int64]bool{}
	var walk func(parent int64, depth int)
	walk = func(parent int64, depth int) {
		for _, u := range children[parent] {
			if seen[u.id] {
				continue
			}
			seen[u.id] = true
			out = append(out, ReportOrgUnit{ID: u.id, Name: u.name, Depth: depth})
			walk(u.id, depth+1)
		}
	}
	walk(0, 0)
	return out, nil
}

// validMonth checks year and month like Month does.
func validMonth(year int, month time.Month) error {
	if month < time.January || month > time.December {
		return apperr.Invalidf("invalid_filter", "month must be 1 to 12").WithField("month", "invalid_filter")
	}
	if year < holiday.MinYear || year > holiday.MaxYear {
		return apperr.Invalidf("invalid_filter", "year must be %d to %d", holiday.MinYear, holiday.MaxYear).WithField("year", "invalid_filter")
	}
	return nil
}

// ComplianceReport returns the month of every active person of org unit
// orgUnitID (with its sub-units if includeSubunits; 0 means the whole
// organisation, people without a unit included), by display name: worked,
// target and balance of the month, the ArbZG findings dated in the month
// and their counts per severity.
//
// Each person is judged exactly as Month judges them (same engine input:
// the entries of the month and the day before and after it), with the
// holidays of their own Land (the organisation's default if their account names none).
// Findings about a year (§ 11) or a reference period (§ 3 average) are not
// dated in a month and do not appear.
//
// HR and administrators see every unit; a lead sees only the people they
// supervise within it; everyone else, and an unknown unit, get NotFound.
// Everything is loaded in bulk: one query each for the people, their
// entries and their work models, whatever the number of people.
func (s *Service) ComplianceReport(ctx context.Context, a actor.Actor, orgUnitID int64, includeSubunits bool, year int, month time.Month) (MonthReport, error) {
	if err := validMonth(year, month); err != nil {
		if _, ok := reportScope(a); !ok {
			return MonthReport{}, errNotFound
		}
		return MonthReport{}, err
	}
	sel, err := s.reportSelection(ctx, a, orgUnitID, includeSubunits)
	if err != nil {
		return MonthReport{}, err
	}
	out := MonthReport{OrgUnitID: orgUnitID, OrgUnitName: sel.unitName, IncludeSubunits: includeSubunits, Year: year, Month: month}
	people, err := s.reportMonths(ctx, sel.where, sel.args, year, month)
	if err != nil {
		return MonthReport{}, err
	}
	out.People = people
	for _, p := range people {
		out.Counts.Violation += p.Counts.Violation
		out.Counts.Flag += p.Counts.Flag
		out.Counts.Obligation += p.Counts.Obligation
		out.Counts.Info += p.Counts.Info
	}
	return out, nil
}

// reportSelection is the condition on users u that selects the people of
// a report, with its arguments and the name of the org unit.
type reportSelection struct {
	where    string
	args     []any
	unitName string
}

// reportSelection selects the active people of orgUnitID (0: the whole
// organisation; with includeSubunits its sub-units too) whom a may see in
// reports: HR and administrators everyone, a lead the people they
// supervise. Others and unknown units get NotFound.
func (s *Service) reportSelection(ctx context.Context, a actor.Actor, orgUnitID int64, includeSubunits bool) (reportSelection, error) {
	leadID, ok := reportScope(a)
	if !ok {
		return reportSelection{}, errNotFound
	}
	var out reportSelection
	where := []string{"u.disabled = ?"}
	out.args = []any{false}
	if orgUnitID != 0 {
		units, err := loadOrgUnits(ctx, s.db)
		if err != nil {
			return reportSelection{}, err
		}
		ids, name, found := subtree(units, orgUnitID, includeSubunits)
		if !found {
			return reportSelection{}, errNotFound
		}
		out.unitName = name
		where = append(where, "u.org_unit_id IN ("+placeholders(len(ids))+")")
		for _, id := range ids {
			out.args = append(out.args, id)
		}
	}
	if leadID != 0 {
		where = append(where, "u.supervisor_id = ?")
		out.args = append(out.args, leadID)
	}
	out.where = strings.Join(where, " AND ")
	return out, nil
}

// Timesheet returns one person's month with the first start and last end
// of every day, for the printable timesheet. The person, their lead, HR
// and administrators may see it (as the month view); everyone else gets
// NotFound. Disabled accounts keep their timesheets.
func (s *Service) Timesheet(ctx context.Context, a actor.Actor, userID int64, year int, month time.Month) (PersonMonth, error) {
	supervisor, err := userSupervisor(ctx, s.db, userID)
	if err != nil {
		return PersonMonth{}, err
	}
	if !canViewEntries(a, userID, supervisor) {
		return PersonMonth{}, errNotFound
	}
	if err := validMonth(year, month); err != nil {
		return PersonMonth{}, err
	}
	people, err := s.reportMonths(ctx, "u.id = ?", []any{userID}, year, month)
	if err != nil {
		return PersonMonth{}, err
	}
	if len(people) != 1 {
		return PersonMonth{}, errNotFound
	}
	return people[0], nil
}

// subtree returns the ids of unit root (and its descendants if deep) and
// the unit's name; found is false for an unknown unit.
func subtree(units []orgUnit, root int64, deep bool) (ids []int64, name string, found bool) {
	children := map[int64][]int64{}
	for _, u := range units {
		if u.id == root {
			name, found = u.name, true
		}
		children[u.parent] = append(children[u.parent], u.id)
	}
	if !found {
		return nil, "", false
	}
	ids = []int64{root}
	if !deep {
		return ids, name, true
	}
	seen := map[int64]bool{root: true}
	for i := 0; i < len(ids); i++ {
		for _, c := range children[ids[i]] {
			if !seen[c] {
				seen[c] = true
				ids = append(ids, c)
			}
		}
	}
	return ids, name, true
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// reportMonths computes the month of every person matched by where (a
// condition on users u with its args), loading people, entries and work
// models with one query each.
func (s *Service) reportMonths(ctx context.Context, where string, args []any, year int, month time.Month) ([]PersonMonth, error) {
	people, err := s.reportPeople(ctx, where, args)
	if err != nil || len(people) == 0 {
		return []PersonMonth{}, err
	}
	first := civil.D(year, month, 1)
	last := civil.D(year, month+1, 1).AddDays(-1)
	users := "SELECT u.id FROM users u WHERE " + where

	// Entries of everybody, the month and the day before and after it (as
	// Month loads them).
	byUser, err := s.reportEntries(ctx, users, args, first.AddDays(-1).Start(s.loc), last.AddDays(2).Start(s.loc))
	if err != nil {
		return nil, err
	}
	hist, err := bulkAssignments(ctx, s.db, users, args, last)
	if err != nil {
		return nil, err
	}
	absences, err := approvedAbsences(ctx, s.db, users, args, first, last)
	if err != nil {
		return nil, err
	}

	now := s.clock.Now()
	today := civil.In(now, s.loc)
	out := make([]PersonMonth, 0, len(people))
	for _, p := range people {
		targets := targetsFrom(hist[p.ID], p.State, first, last)
		pm, err := s.personMonth(p, byUser[p.ID], targets, absences[p.ID], first, last, now, today)
		if err != nil {
			return nil, err
		}
		out = append(out, pm)
	}
	return out, nil
}

// reportPeople loads the people matched by where (a condition on users u).
func (s *Service) reportPeople(ctx context.Context, where string, args []any) ([]ReportPerson, error) {
	people, err := db.Query(ctx, s.db, func(row db.Scanner) (ReportPerson, error) {
		var p ReportPerson
		var org, sup sql.NullInt64
		var orgName sql.NullString
		err := row.Scan(&p.ID, &p.Username, &p.DisplayName, &org, &orgName, &sup, &p.State)
		p.OrgUnitID, p.OrgUnitName, p.SupervisorID = org.Int64, orgName.String, sup.Int64
		if !arbzg.ValidState(p.State) {
			p.State = s.policy.DefaultState
		}
		return p, err
	}, `SELECT u.id, u.username, u.display_name, u.org_unit_id, o.name, u.supervisor_id, u.state
		FROM users u LEFT JOIN org_units o ON o.id = u.org_unit_id
		WHERE `+where+` ORDER BY u.display_name, u.username, u.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("worktime: report people: %w", err)
	}
	return people, nil
}

// reportEntries loads the entries of everybody selected by the subquery
// users that overlap [from, to), by person. An interval counts at most a
// week from its start (engineInput), so older starts cannot reach the
// window; the bound lets the database read a range of the start_at index
// instead of everybody's whole history.
func (s *Service) reportEntries(ctx context.Context, users string, args []any, from, to time.Time) (map[int64][]Entry, error) {
	qargs := append([]any{false}, args...)
	qargs = append(qargs, db.T(from.Add(-arbzg.MaxIntervalLength)), db.T(to), db.T(from))
	entries, err := db.Query(ctx, s.db, scanEntry, currentRevisions+
		" AND e.user_id IN ("+users+") AND r.start_at >= ? AND r.start_at < ? AND (r.end_at IS NULL OR r.end_at > ?) ORDER BY e.user_id, r.start_at, e.id", qargs...)
	if err != nil {
		return nil, fmt.Errorf("worktime: report entries: %w", err)
	}
	byUser := map[int64][]Entry{}
	for _, e := range entries {
		byUser[e.UserID] = append(byUser[e.UserID], e)
	}
	return byUser, nil
}

// bulkAssignments returns the work-model history (by valid_from) of every
// person selected by the subquery users, up to upTo.
func bulkAssignments(ctx context.Context, q db.Querier, users string, args []any, upTo civil.Date) (map[int64][]WorkModelAssignment, error) {
	rows, err := db.Query(ctx, q, func(row db.Scanner) (WorkModelAssignment, error) {
		var x WorkModelAssignment
		var from string
		m := &x.Model
		if err := row.Scan(&x.UserID, &from, &m.ID, &m.Minutes[0], &m.Minutes[1], &m.Minutes[2], &m.Minutes[3], &m.Minutes[4], &m.Minutes[5], &m.Minutes[6]); err != nil {
			return x, err
		}
		d, err := civil.Parse(from)
		x.ValidFrom = d
		return x, err
	}, `SELECT a.user_id, a.valid_from, m.id, m.mon_minutes, m.tue_minutes, m.wed_minutes, m.thu_minutes, m.fri_minutes, m.sat_minutes, m.sun_minutes
		FROM user_work_models a JOIN work_models m ON m.id = a.work_model_id
		WHERE a.user_id IN (`+users+`) AND a.valid_from <= ?
		ORDER BY a.user_id, a.valid_from`, append(slices.Clone(args), upTo.String())...)
	if err != nil {
		return nil, fmt.Errorf("worktime: report work models: %w", err)
	}
	out := map[int64][]WorkModelAssignment{}
	for _, x := range rows {
		out[x.UserID] = append(out[x.UserID], x)
	}
	return out, nil
}

// personMonth runs the engine over one person's entries and folds the
// result into the days first..last, as Month does.
func (s *Service) personMonth(p ReportPerson, entries []Entry, targets map[civil.Date]int, absences []absenceSpan, first, last civil.Date, now time.Time, today civil.Date) (PersonMonth, error) {
	in, running := engineInput(entries, p.State, s.loc, now)
	res, err := arbzg.Check(in, holiday.Calendar{})
	if err != nil {
		return PersonMonth{}, fmt.Errorf("worktime: report check of user %d: %w", p.ID, err)
	}
	out := PersonMonth{Person: p, Findings: []arbzg.Finding{}, Days: make([]ReportDay, 0, first.DaysUntil(last)+1)}
	for d := first; !d.After(last); d = d.AddDays(1) {
		day := ReportDay{Date: d, TargetMinutes: targets[d], Findings: []arbzg.Finding{}}
		if a, ok := absenceOn(absences, d); ok {
			day.AbsenceType, day.CreditMinutes = a.typeID, absenceCredit(a, day.TargetMinutes)
		}
		if h, ok := holiday.Lookup(p.State, d); ok {
			day.HolidayName = h.Name
		}
		out.Days = append(out.Days, day)
	}
	index := func(d civil.Date) (int, bool) {
		if d.Before(first) || d.After(last) {
			return 0, false
		}
		return first.DaysUntil(d), true
	}
	for _, sh := range res.Shifts {
		i, ok := index(sh.Date)
		if !ok {
			continue
		}
		day := &out.Days[i]
		day.WorkedMinutes += sh.WorkingMinutes
		day.BreakMinutes += sh.BreakMinutes
		if day.Start == nil || sh.Start.Before(*day.Start) {
			st := sh.Start
			day.Start = &st
		}
		if day.End == nil || sh.End.After(*day.End) {
			en := sh.End
			day.End = &en
		}
		if running != nil {
			rs := running.Truncate(time.Minute)
			if !rs.Before(sh.Start) && rs.Before(sh.End) {
				day.Running, out.Running = true, true
			}
		}
	}
	if running != nil && !out.Running {
		if i, ok := index(civil.In(*running, s.loc)); ok {
			out.Days[i].Running, out.Running = true, true
		}
	}
	for _, f := range res.Findings {
		i, ok := index(f.Date)
		if !ok || f.Date.IsZero() {
			continue
		}
		out.Days[i].Findings = append(out.Days[i].Findings, f)
		out.Findings = append(out.Findings, f)
		out.Counts.add(f.Severity)
	}
	t := &out.Totals
	for i := range out.Days {
		d := &out.Days[i]
		t.TargetMinutes += d.TargetMinutes
		t.WorkedMinutes += d.WorkedMinutes
		t.BreakMinutes += d.BreakMinutes
		if !d.Date.After(today) {
			d.Counted = true
			d.BalanceMinutes = d.WorkedMinutes + d.CreditMinutes - d.TargetMinutes
			t.TargetToDateMinutes += d.TargetMinutes
			t.BalanceMinutes += d.BalanceMinutes
		}
		t.CreditMinutes += d.CreditMinutes
	}
	return out, nil
}

// PayrollColumns are the header of the payroll export, in order.
var PayrollColumns = []string{"user_id", "username", "display_name", "org_unit", "date", "start", "end",
	"break_minutes", "working_minutes", "target_minutes", "absence_type", "balance_minutes"}

// PayrollRow is one person and calendar day of the payroll export.
type PayrollRow struct {
	UserID      int64
	Username    string
	DisplayName string
	OrgUnit     string
	Date        civil.Date
	// Start and End are local times "HH:MM" of the first shift start and
	// the last shift end of the day (End may be on the next day for a
	// night shift); empty on days without work.
	Start, End     string
	BreakMinutes   int
	WorkingMinutes int
	TargetMinutes  int
	// AbsenceType is the type id of an approved absence (e.g. vacation), empty on other days.
	AbsenceType string
	// BalanceMinutes is nil for days after today.
	BalanceMinutes *int
}

// PayrollRows flattens a report into one row per person and calendar day,
// in the report's order of people and date order.
func (s *Service) PayrollRows(r MonthReport) []PayrollRow {
	var out []PayrollRow
	for _, p := range r.People {
		for _, d := range p.Days {
			row := PayrollRow{UserID: p.Person.ID, Username: p.Person.Username, DisplayName: p.Person.DisplayName,
				OrgUnit: p.Person.OrgUnitName, Date: d.Date, BreakMinutes: d.BreakMinutes, WorkingMinutes: d.WorkedMinutes,
				TargetMinutes: d.TargetMinutes, AbsenceType: d.AbsenceType}
			if d.Start != nil {
				row.Start = d.Start.In(s.loc).Format("15:04")
			}
			if d.End != nil {
				row.End = d.End.In(s.loc).Format("15:04")
			}
			if d.Counted {
				b := d.BalanceMinutes
				row.BalanceMinutes = &b
			}
			out = append(out, row)
		}
	}
	return out
}

// HomeOfficeDay is a calendar day with work at home.
type HomeOfficeDay struct {
	Date         civil.Date
	HomeMinutes  int
	OtherMinutes int // office and on the road
	// PredominantlyHome: more minutes at home than elsewhere that day.
	PredominantlyHome bool
}

// HomeOfficeYear counts a person's home-office days of a calendar year
// (for the Homeoffice-Pauschale, § 4 Abs. 5 Satz 1 Nr. 6c EStG).
type HomeOfficeYear struct {
	UserID int64
	Year   int
	// DaysPredominantlyHome counts the days with more working minutes at
	// home than elsewhere; DaysWithHomeWork the days with any.
	DaysPredominantlyHome int
	DaysWithHomeWork      int
	// Days lists every day with work at home, by date.
	Days []HomeOfficeDay
}

// HomeOfficeDays returns the home-office days of userID in year. Minutes
// are the clocked intervals split at local midnight (so a night at home
// counts on both days); a day is predominantly at home when its minutes
// at home exceed those in the office and on the road together. A running
// interval counts up to now. People see their own; HR and administrators
// everyone's; everyone else gets NotFound (leads too: the figure is a
// matter of the person's tax return, not of supervision).
func (s *Service) HomeOfficeDays(ctx context.Context, a actor.Actor, userID int64, year int) (HomeOfficeYear, error) {
	if _, err := userSupervisor(ctx, s.db, userID); err != nil {
		return HomeOfficeYear{}, err
	}
	if !canViewHomeOffice(a, userID) {
		return HomeOfficeYear{}, errNotFound
	}
	if year < holiday.MinYear || year > holiday.MaxYear {
		return HomeOfficeYear{}, apperr.Invalidf("invalid_filter", "year must be %d to %d", holiday.MinYear, holiday.MaxYear).WithField("year", "invalid_filter")
	}
	from, to := civil.D(year, 1, 1).Start(s.loc), civil.D(year+1, 1, 1).Start(s.loc)
	entries, err := entriesBetween(ctx, s.db, userID, from, to)
	if err != nil {
		return HomeOfficeYear{}, err
	}
	now := s.clock.Now()
	type split struct{ home, other time.Duration }
	days := map[civil.Date]*split{}
	for _, e := range entries {
		start, end := e.Start, now
		if e.End != nil {
			end = *e.End
		} else if end.Sub(start) > arbzg.MaxIntervalLength {
			end = start.Add(arbzg.MaxIntervalLength)
		}
		start, end = maxTime(start, from), minTime(end, to)
		for start.Before(end) {
			d := civil.In(start, s.loc)
			cut := minTime(end, d.AddDays(1).Start(s.loc))
			sp := days[d]
			if sp == nil {
				sp = &split{}
				days[d] = sp
			}
			if e.Location == LocationHome {
				sp.home += cut.Sub(start)
			} else {
				sp.other += cut.Sub(start)
			}
			start = cut
		}
	}
	out := HomeOfficeYear{UserID: userID, Year: year, Days: []HomeOfficeDay{}}
	for d, sp := range days {
		home := int(sp.home / time.Minute)
		if home == 0 {
			continue
		}
		day := HomeOfficeDay{Date: d, HomeMinutes: home, OtherMinutes: int(sp.other / time.Minute), PredominantlyHome: sp.home > sp.other}
		out.Days = append(out.Days, day)
		out.DaysWithHomeWork++
		if day.PredominantlyHome {
			out.DaysPredominantlyHome++
		}
	}
	slices.SortFunc(out.Days, func(x, y HomeOfficeDay) int { return x.Date.Compare(y.Date) })
	return out, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
