package project

// Workload (Auslastung): per person and ISO week, the capacity (working
// minutes of the valid work model, minus statutory holidays and approved
// absences – computed by the worktime module through Capacity) against
// the load (the remaining estimate of the person's open tasks, spread
// evenly over the person's working days between the task's start and its
// due date). docs/workload.md explains the rules; in short:
//
//   - Open tasks are those not in a column of category done, of projects
//     that are no templates and neither completed nor cancelled.
//   - A task starts on its start date, else on the day it was created;
//     work that remains cannot be done in the past, so the span starts
//     today at the earliest. It ends on the due date.
//   - Overdue tasks (due before today) count in full today.
//   - Tasks without a due date count in the week they start (this week
//     for most of them) and are marked "ohne Termin".
//   - Several assignees share the remaining estimate equally.
//   - The working days of the span are the person's days with capacity;
//     a span without any (all of it on leave, say) puts the whole share on
//     its last day.
//   - Tasks without a remaining estimate add no load; they are counted
//     ("ohne Schätzung") so that the heat map does not look emptier than
//     the work is.
//
// Who sees whom: everyone their own row; a lead (role lead) the people
// they supervise; HR and administrators anyone, by org unit. The figures
// include all the person's tasks, but titles and projects are shown only
// for tasks in projects the viewer may see; the rest is one sum "weitere
// Projekte", so a confidential project is not revealed by the drill-down.

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// Capacity tells the minutes a person can work on each day (worktime:
// work model minus holidays and approved absences).
type Capacity interface {
	// CapacityMinutes returns the available minutes of every person and
	// day from from to to; unknown people are left out.
	CapacityMinutes(ctx context.Context, userIDs []int64, from, to civil.Date) (map[int64]map[civil.Date]int, error)
	// Location is the time zone that decides what "today" is.
	Location() *time.Location
}

// Limits of the workload view.
const (
	WorkloadWeeksDefault = 8
	WorkloadWeeksMax     = 26
	// WorkloadPeopleMax bounds the people of one view.
	WorkloadPeopleMax = 1000
	// workloadHorizon bounds the days of capacity read beyond the window:
	// longer task spans count weekdays as working days beyond it.
	workloadHorizon = 730
)

// WorkloadQuery selects a workload view. Zero fields take defaults.
type WorkloadQuery struct {
	// From is any day of the first week; zero is today.
	From civil.Date
	// Weeks is the number of weeks (1 to WorkloadWeeksMax; 0 is
	// WorkloadWeeksDefault).
	Weeks int
	// OrgUnitID selects the people of an org unit (HR and administrators:
	// everybody in it; leads: their reports in it).
	OrgUnitID int64
	// UserID selects one person.
	UserID int64
}

// WorkloadWeek is an ISO week.
type WorkloadWeek struct {
	Year, Week int
	Start, End civil.Date // Monday and Sunday
}

// Key is the week as "2026-W12".
func (w WorkloadWeek) Key() string { return fmt.Sprintf("%04d-W%02d", w.Year, w.Week) }

// WeekOf returns the ISO week that d lies in.
func WeekOf(d civil.Date) WorkloadWeek {
	monday := d.AddDays(-((int(d.Weekday()) + 6) % 7))
	y, w := monday.Start(time.UTC).ISOWeek()
	return WorkloadWeek{Year: y, Week: w, Start: monday, End: monday.AddDays(6)}
}

// ParseWeek reads an ISO week "2026-W12" (or "2026-w12").
func ParseWeek(s string) (WorkloadWeek, error) {
	bad := apperr.Invalidf("invalid_filter", "week must look like 2026-W12").WithField("week", "invalid_filter")
	ys, ws, ok := strings.Cut(strings.ToUpper(strings.TrimSpace(s)), "-W")
	if !ok || len(ys) != 4 || len(ws) != 2 {
		return WorkloadWeek{}, bad
	}
	y, err1 := strconv.Atoi(ys)
	w, err2 := strconv.Atoi(ws)
	if err1 != nil || err2 != nil || y < 1900 || y > 9998 || w < 1 || w > 53 {
		return WorkloadWeek{}, bad
	}
	// 4 January is always in week 1.
	out := WeekOf(civil.D(y, time.January, 4).AddDays(7 * (w - 1)))
	if out.Year != y || out.Week != w {
		return WorkloadWeek{}, bad // week 53 of a year with 52
	}
	return out, nil
}

// WorkloadCell is one person's week.
type WorkloadCell struct {
	CapacityMinutes int
	LoadMinutes     int
	// Tasks counts the tasks with a share in the week.
	Tasks int
	// Undated, Overdue and Unestimated count the tasks of the week
	// without a due date, past their due date (counted today) and
	// without a remaining estimate.
	Undated, Overdue, Unestimated int
}

// Percent returns the load in percent of the capacity, rounded; ok is
// false when there is no capacity.
func (c WorkloadCell) Percent() (pct int, ok bool) {
	if c.CapacityMinutes <= 0 {
		return 0, false
	}
	return int(math.Round(float64(c.LoadMinutes) * 100 / float64(c.CapacityMinutes))), true
}

// Overloaded reports a load of 100 % of the capacity or more (any load
// in a week without capacity).
func (c WorkloadCell) Overloaded() bool {
	return c.LoadMinutes > 0 && c.LoadMinutes >= c.CapacityMinutes
}

// WorkloadPerson is one row of the heat map.
type WorkloadPerson struct {
	UserID      int64
	Username    string
	DisplayName string
	Cells       []WorkloadCell // one per week
}

// Workload is the heat map: people by weeks.
type Workload struct {
	Weeks  []WorkloadWeek
	People []WorkloadPerson
	Today  civil.Date
}

// WorkloadTask is a task's share in one person's week (drill-down).
type WorkloadTask struct {
	TaskID           int64
	ProjectID        int64
	ProjectName      string
	Title            string
	StartDate        *civil.Date
	DueDate          *civil.Date
	RemainingMinutes *int
	// Assignees is the number of people sharing the remaining estimate.
	Assignees int
	// ShareMinutes is the part of the person's share in the week.
	ShareMinutes int
	NoDueDate    bool
	Overdue      bool
	NoEstimate   bool
}

// WorkloadDetail is one person's week with the tasks behind it.
type WorkloadDetail struct {
	Person WorkloadPerson // Cells holds the one week
	Week   WorkloadWeek
	Cell   WorkloadCell
	// Tasks are the tasks of projects the viewer sees, largest share
	// first; tasks without an estimate last.
	Tasks []WorkloadTask
	// OtherMinutes is the load of tasks in projects the viewer may not
	// see ("weitere Projekte"), without titles.
	OtherMinutes int
	Today        civil.Date
}

// workloadPerson is a person of the view.
type workloadPerson struct {
	id             int64
	username, name string
}

// workloadItem is one (task, assignee) pair.
type workloadItem struct {
	task       WorkloadTask
	userID     int64
	created    time.Time
	remaining  *int
	assignees  int
	start, due *civil.Date
}

var errWorkloadUnavailable = fmt.Errorf("project: workload: no capacity provider configured")

// today returns today in the capacity's time zone.
func (s *Service) today() civil.Date {
	loc := time.UTC
	if s.capacity != nil && s.capacity.Location() != nil {
		loc = s.capacity.Location()
	}
	return civil.In(s.clock.Now(), loc)
}

// Workload returns the heat map of q for a.
func (s *Service) Workload(ctx context.Context, a actor.Actor, q WorkloadQuery) (Workload, error) {
	if !a.Authenticated() {
		return Workload{}, errNotFound
	}
	if s.capacity == nil {
		return Workload{}, errWorkloadUnavailable
	}
	if q.Weeks == 0 {
		q.Weeks = WorkloadWeeksDefault
	}
	if q.Weeks < 1 || q.Weeks > WorkloadWeeksMax {
		return Workload{}, apperr.Invalidf("invalid_filter", "weeks must be between 1 and %d", WorkloadWeeksMax).WithField("weeks", "invalid_filter")
	}
	today := s.today()
	if q.From.IsZero() {
		q.From = today
	}
	if q.From.Year < 1901 || q.From.Year > 9997 {
		return Workload{}, apperr.Invalidf("invalid_filter", "from is out of range").WithField("from", "invalid_filter")
	}
	people, err := s.workloadPeople(ctx, a, q.OrgUnitID, q.UserID)
	if err != nil {
		return Workload{}, err
	}
	first := WeekOf(q.From)
	out := Workload{Today: today, People: make([]WorkloadPerson, 0, len(people))}
	for i := range q.Weeks {
		out.Weeks = append(out.Weeks, WeekOf(first.Start.AddDays(7*i)))
	}
	cells, _, _, err := s.workloadCompute(ctx, a, people, first.Start, q.Weeks, today, 0)
	if err != nil {
		return Workload{}, err
	}
	for _, p := range people {
		out.People = append(out.People, WorkloadPerson{UserID: p.id, Username: p.username, DisplayName: p.name, Cells: cells[p.id]})
	}
	return out, nil
}

// WorkloadWeekDetail returns one person's week with its tasks (the
// drill-down of a heat-map cell). People a may not see are NotFound.
func (s *Service) WorkloadWeekDetail(ctx context.Context, a actor.Actor, userID int64, week WorkloadWeek) (WorkloadDetail, error) {
	if !a.Authenticated() || userID <= 0 {
		return WorkloadDetail{}, errNotFound
	}
	if s.capacity == nil {
		return WorkloadDetail{}, errWorkloadUnavailable
	}
	people, err := s.workloadPeople(ctx, a, 0, userID)
	if err != nil {
		return WorkloadDetail{}, err
	}
	today := s.today()
	cells, tasks, other, err := s.workloadCompute(ctx, a, people, week.Start, 1, today, userID)
	if err != nil {
		return WorkloadDetail{}, err
	}
	p := people[0]
	d := WorkloadDetail{Person: WorkloadPerson{UserID: p.id, Username: p.username, DisplayName: p.name, Cells: cells[p.id]},
		Week: week, Cell: cells[p.id][0], Tasks: tasks, OtherMinutes: other, Today: today}
	return d, nil
}

// workloadPeople returns the people of a view, the viewer first, then by
// name; one person (userID) must be a themselves, a report of a lead, or
// anyone for HR and administrators, else NotFound.
func (s *Service) workloadPeople(ctx context.Context, a actor.Actor, orgUnitID, userID int64) ([]workloadPerson, error) {
	hr := a.IsAdmin() || a.Has(actor.RoleHR)
	lead := a.Has(actor.RoleLead)
	var where []string
	var args []any
	switch {
	case userID != 0:
		where, args = []string{"u.id = ?"}, []any{userID}
		switch {
		case userID == a.UserID || hr:
		case lead:
			where, args = append(where, "u.supervisor_id = ?"), append(args, a.UserID)
		default:
			return nil, errNotFound
		}
	case orgUnitID != 0 && hr:
		where, args = []string{"u.org_unit_id = ?", "u.disabled = ?"}, []any{orgUnitID, false}
	default:
		scope := "u.id = ?"
		args = []any{a.UserID}
		if lead {
			scope = "(u.id = ? OR (u.supervisor_id = ? AND u.disabled = ?))"
			args = append(args, a.UserID, false)
		}
		where = []string{scope}
		if orgUnitID != 0 {
			where, args = append(where, "u.org_unit_id = ?"), append(args, orgUnitID)
		}
	}
	args = append(args, a.UserID, WorkloadPeopleMax+1)
	people, err := db.Query(ctx, s.db, func(row db.Scanner) (workloadPerson, error) {
		var p workloadPerson
		return p, row.Scan(&p.id, &p.username, &p.name)
	}, `SELECT u.id, u.username, u.display_name FROM users u WHERE `+strings.Join(where, " AND ")+`
		ORDER BY CASE WHEN u.id = ? THEN 0 ELSE 1 END, u.display_name, u.username, u.id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("project: workload people: %w", err)
	}
	if userID != 0 && len(people) == 0 {
		return nil, errNotFound
	}
	if len(people) > WorkloadPeopleMax {
		return nil, apperr.Invalidf("workload_too_many_people", "at most %d people at once; choose a smaller org unit", WorkloadPeopleMax).WithField("org_unit_id", "workload_too_many_people")
	}
	return people, nil
}

// workloadCompute computes the cells of weeks weeks from monday for
// people; with detail set to a person's id it also returns that person's
// tasks of the first week and the load of projects a does not see.
func (s *Service) workloadCompute(ctx context.Context, a actor.Actor, people []workloadPerson, monday civil.Date, weeks int, today civil.Date, detail int64) (map[int64][]WorkloadCell, []WorkloadTask, int, error) {
	out := make(map[int64][]WorkloadCell, len(people))
	if len(people) == 0 {
		return out, nil, 0, nil
	}
	winStart, winEnd := monday, monday.AddDays(7*weeks-1)
	ids := make([]int64, len(people))
	for i, p := range people {
		ids[i] = p.id
	}
	items, err := s.workloadItems(ctx, ids, winEnd, detail != 0)
	if err != nil {
		return nil, nil, 0, err
	}
	loc := s.capacity.Location()
	if loc == nil {
		loc = time.UTC
	}
	// The span of each item; the capacity range covers the window, today
	// and the spans that reach into the window, up to the horizon.
	type span struct{ start, end civil.Date }
	spans := make([]span, len(items))
	rangeStart, rangeEnd := winStart, winEnd
	if today.Before(rangeStart) {
		rangeStart = today
	}
	for i := range items {
		it := &items[i]
		st := civil.In(it.created, loc)
		if it.start != nil {
			st = *it.start
		}
		if st.Before(today) {
			st = today
		}
		var en civil.Date
		switch {
		case it.due == nil:
			it.task.NoDueDate = true
			en = WeekOf(st).End
		case it.due.Before(today):
			it.task.Overdue = true
			st, en = today, today
		default:
			en = *it.due
		}
		if en.Before(st) {
			en = st
		}
		spans[i] = span{st, en}
		if en.After(rangeEnd) && !st.After(winEnd) {
			rangeEnd = en
		}
	}
	if limit := rangeStart.AddDays(workloadHorizon); rangeEnd.After(limit) {
		rangeEnd = limit
	}
	caps, err := s.capacity.CapacityMinutes(ctx, ids, rangeStart, rangeEnd)
	if err != nil {
		return nil, nil, 0, err
	}
	// Days are indices from rangeStart; per person a prefix sum of
	// working days (days with capacity) answers "working days in [a, b]"
	// at once. Beyond rangeEnd (the horizon) weekdays count.
	nDays := rangeStart.DaysUntil(rangeEnd) + 1
	dates := make([]civil.Date, nDays)
	for i := range dates {
		dates[i] = rangeStart.AddDays(i)
	}
	wd0 := int(rangeStart.Weekday())
	winOff := rangeStart.DaysUntil(winStart)
	load := make(map[int64][]float64, len(people))
	prefix := make(map[int64][]int32, len(people))
	for _, p := range people {
		cells := make([]WorkloadCell, weeks)
		pc := caps[p.id]
		pre := make([]int32, nDays+1)
		for i, d := range dates {
			m := pc[d]
			pre[i+1] = pre[i]
			if m > 0 {
				pre[i+1]++
			}
			if k := i - winOff; k >= 0 && k < 7*weeks {
				cells[k/7].CapacityMinutes += m
			}
		}
		out[p.id] = cells
		load[p.id] = make([]float64, weeks)
		prefix[p.id] = pre
	}
	// working counts the working days of a person in [a, b] (indices).
	working := func(pre []int32, a, b int) int {
		if b < a {
			return 0
		}
		n := 0
		if a < nDays {
			n = int(pre[min(b, nDays-1)+1] - pre[a])
		}
		if b >= nDays {
			from := max(a, nDays)
			b = min(b, from+3660) // far-off due dates: ten years are plenty
			days := b - from + 1
			n += days / 7 * 5
			for i := from + days/7*7; i <= b; i++ {
				if wd := (wd0 + i) % 7; wd != int(time.Saturday) && wd != int(time.Sunday) {
					n++
				}
			}
		}
		return n
	}
	var visible map[int64]Role
	if detail != 0 {
		if visible, err = s.visible(ctx, s.db, a); err != nil {
			return nil, nil, 0, err
		}
	}
	var tasks []WorkloadTask
	var other float64
	shares := make([]float64, weeks)
	touched := make([]bool, weeks)
	for i, it := range items {
		sp := spans[i]
		if sp.end.Before(winStart) || sp.start.After(winEnd) {
			continue
		}
		cells, pl, pre := out[it.userID], load[it.userID], prefix[it.userID]
		a, b := rangeStart.DaysUntil(sp.start), rangeStart.DaysUntil(sp.end)
		clear(shares)
		for w := range weeks {
			ws, we := winOff+7*w, winOff+7*w+6
			touched[w] = ws <= b && a <= we
		}
		if it.remaining != nil && *it.remaining > 0 {
			share := float64(*it.remaining) / float64(it.assignees)
			if n := working(pre, a, b); n == 0 {
				if k := b - winOff; k >= 0 && k < 7*weeks {
					shares[k/7] = share
				}
			} else {
				per := share / float64(n)
				for w := range weeks {
					if touched[w] {
						shares[w] = per * float64(working(pre, max(a, winOff+7*w), min(b, winOff+7*w+6)))
					}
				}
			}
		}
		for w := range weeks {
			if !touched[w] {
				continue
			}
			c := &cells[w]
			pl[w] += shares[w]
			switch {
			case it.remaining == nil:
				c.Unestimated++
			case shares[w] > 0:
			default:
				continue // no share this week (no working day in it)
			}
			c.Tasks++
			if it.task.NoDueDate {
				c.Undated++
			}
			if it.task.Overdue {
				c.Overdue++
			}
		}
		if detail == it.userID && touched[0] && (shares[0] > 0 || it.remaining == nil) {
			if _, ok := visible[it.task.ProjectID]; ok {
				t := it.task
				t.ShareMinutes = int(math.Round(shares[0]))
				t.NoEstimate = it.remaining == nil
				tasks = append(tasks, t)
			} else {
				other += shares[0]
			}
		}
	}
	for id, pl := range load {
		for w := range pl {
			out[id][w].LoadMinutes = int(math.Round(pl[w]))
		}
	}
	slices.SortStableFunc(tasks, func(x, y WorkloadTask) int {
		if x.NoEstimate != y.NoEstimate {
			if x.NoEstimate {
				return 1
			}
			return -1
		}
		if x.ShareMinutes != y.ShareMinutes {
			return y.ShareMinutes - x.ShareMinutes
		}
		return int(x.TaskID - y.TaskID)
	})
	if tasks == nil {
		tasks = []WorkloadTask{}
	}
	return out, tasks, int(math.Round(other)), nil
}

// workloadItems loads the open tasks assigned to the people ids that do
// not start after until, one item per task and assignee; titles and
// project names only when texts is set (the drill-down).
func (s *Service) workloadItems(ctx context.Context, ids []int64, until civil.Date, texts bool) ([]workloadItem, error) {
	in, args := taskIDList(ids)
	args = append(args, false, until.String())
	names := "'', ''"
	if texts {
		names = "t.title, p.name"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.project_id, `+names+`, t.start_date, t.due_date, t.remaining_minutes, t.created_at, ta.user_id,
			(SELECT count(*) FROM task_assignees x WHERE x.task_id = t.id)
		FROM task_assignees ta JOIN tasks t ON t.id = ta.task_id
		JOIN project_statuses s ON s.id = t.status_id JOIN projects p ON p.id = t.project_id
		WHERE ta.user_id IN (`+in+`) AND s.category <> 'done' AND p.template = ? AND p.status NOT IN ('completed', 'cancelled')
			AND (t.start_date IS NULL OR t.start_date <= ?)`, args...)
	if err != nil {
		return nil, fmt.Errorf("project: workload tasks: %w", err)
	}
	defer rows.Close()
	items := make([]workloadItem, 0, 1024)
	for rows.Next() {
		items = append(items, workloadItem{})
		it := &items[len(items)-1]
		var start, due *string
		var created db.Time
		if err := rows.Scan(&it.task.TaskID, &it.task.ProjectID, &it.task.Title, &it.task.ProjectName, &start, &due,
			&it.remaining, &created, &it.userID, &it.assignees); err != nil {
			return nil, fmt.Errorf("project: workload tasks: %w", err)
		}
		if it.start, err = taskDate(start); err != nil {
			return nil, err
		}
		if it.due, err = taskDate(due); err != nil {
			return nil, err
		}
		if it.assignees < 1 {
			it.assignees = 1
		}
		it.created = created.Time
		it.task.StartDate, it.task.DueDate, it.task.RemainingMinutes, it.task.Assignees = it.start, it.due, it.remaining, it.assignees
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("project: workload tasks: %w", err)
	}
	return items, nil
}

// WorkloadOrgUnit is an org unit to choose in the workload view.
type WorkloadOrgUnit struct {
	ID   int64
	Name string
}

// WorkloadOrgUnits lists the org units a may choose in the workload view:
// all of them for HR and administrators, none for everybody else (leads
// see their reports without choosing).
func (s *Service) WorkloadOrgUnits(ctx context.Context, a actor.Actor) ([]WorkloadOrgUnit, error) {
	if !a.IsAdmin() && !a.Has(actor.RoleHR) {
		return nil, nil
	}
	out, err := db.Query(ctx, s.db, func(row db.Scanner) (WorkloadOrgUnit, error) {
		var u WorkloadOrgUnit
		return u, row.Scan(&u.ID, &u.Name)
	}, "SELECT id, name FROM org_units ORDER BY name, id")
	if err != nil {
		return nil, fmt.Errorf("project: workload org units: %w", err)
	}
	return out, nil
}
