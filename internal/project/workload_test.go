package project_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/project"
)

// wfCapacity is a fake capacity: 480 minutes Monday to Friday, except
// the days in off (per person) which have none.
type wfCapacity struct {
	off map[int64]map[civil.Date]bool
}

func (c wfCapacity) Location() *time.Location { return time.UTC }

func (c wfCapacity) CapacityMinutes(_ context.Context, ids []int64, from, to civil.Date) (map[int64]map[civil.Date]int, error) {
	out := map[int64]map[civil.Date]int{}
	for _, id := range ids {
		m := map[civil.Date]int{}
		for d := from; !d.After(to); d = d.AddDays(1) {
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday && !c.off[id][d] {
				m[d] = 480
			} else {
				m[d] = 0
			}
		}
		out[id] = m
	}
	return out, nil
}

// wfFixture: lead supervises emp1 and emp2 (org unit "Bauamt"); out is
// in another unit; hr has the HR role. Project "Bau" (emp1, emp2,
// members; lead viewer through non-confidentiality) and a confidential
// project "Personal" of emp1 only.
type wfFixture struct {
	d                          *db.DB
	svc                        *project.Service
	lead, emp1, emp2, out, hr  actor.Actor
	unit                       int64
	bau, open, done            int64
	secret, secretCol          int64
	taskA, taskB, taskF, taskG int64
	taskC, taskD, taskH, taskE int64
	week1, week2, week3        project.WorkloadWeek
	emp2Off                    map[civil.Date]bool
	capacity                   wfCapacity
	clock                      *clock.Fake
}

func newWorkloadFixture(t testing.TB, d *db.DB) *wfFixture {
	t.Helper()
	f := &wfFixture{d: d, clock: clock.NewFake(tfStart)}
	f.unit = tfExec(t, d, `INSERT INTO org_units (name, created_at, updated_at) VALUES ('Bauamt', ?, ?) RETURNING id`, db.T(tfStart), db.T(tfStart))
	other := tfExec(t, d, `INSERT INTO org_units (name, created_at, updated_at) VALUES ('Kämmerei', ?, ?) RETURNING id`, db.T(tfStart), db.T(tfStart))
	f.lead = tfUser(t, d, "lena.leitung", actor.RoleEmployee, actor.RoleLead)
	f.emp1 = tfUser(t, d, "emil.eins", actor.RoleEmployee)
	f.emp2 = tfUser(t, d, "erna.zwei", actor.RoleEmployee)
	f.out = tfUser(t, d, "olaf.andere", actor.RoleEmployee)
	f.hr = tfUser(t, d, "hanna.hr", actor.RoleHR)
	for _, u := range []actor.Actor{f.lead, f.emp1, f.emp2} {
		tfExec(t, d, `UPDATE users SET org_unit_id = ? WHERE id = ? RETURNING id`, f.unit, u.UserID)
	}
	tfExec(t, d, `UPDATE users SET org_unit_id = ? WHERE id = ? RETURNING id`, other, f.out.UserID)
	for _, u := range []actor.Actor{f.emp1, f.emp2} {
		tfExec(t, d, `UPDATE users SET supervisor_id = ? WHERE id = ? RETURNING id`, f.lead.UserID, u.UserID)
	}
	f.bau = tfProject(t, d, "Bau", false)
	f.open = tfColumn(t, d, f.bau, "Offen", "open", 1, 0)
	f.done = tfColumn(t, d, f.bau, "Erledigt", "done", 2, 0)
	tfMember(t, d, f.bau, f.emp1, "member")
	tfMember(t, d, f.bau, f.emp2, "member")
	f.secret = tfProject(t, d, "Personal", true)
	f.secretCol = tfColumn(t, d, f.secret, "Offen", "open", 1, 0)
	tfMember(t, d, f.secret, f.emp1, "member")

	rank := 0
	task := func(col, proj int64, title, start, due string, remaining int, people ...actor.Actor) int64 {
		rank++
		var s, du, rem any
		if start != "" {
			s = start
		}
		if due != "" {
			du = due
		}
		if remaining >= 0 {
			rem = remaining
		}
		id := tfExec(t, d, `INSERT INTO tasks (project_id, status_id, rank, title, start_date, due_date, estimate_minutes, remaining_minutes, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, proj, col, string(rune('a'+rank)), title, s, du, rem, rem, db.T(tfStart), db.T(tfStart))
		for _, p := range people {
			tfExec(t, d, `INSERT INTO task_assignees (task_id, user_id) VALUES (?, ?) RETURNING task_id`, id, p.UserID)
		}
		return id
	}
	// Today is Monday 2 March 2026 (week 10).
	f.taskA = task(f.open, f.bau, "Bauantrag prüfen", "", "2026-03-13", 960, f.emp1)       // 10 days: 480 + 480
	f.taskB = task(f.open, f.bau, "Ortstermin", "", "2026-03-06", 600, f.emp1, f.emp2)     // 300 each, week 10
	f.taskC = task(f.open, f.bau, "Ablage", "", "", 120, f.emp1)                           // undated: week 10
	f.taskD = task(f.open, f.bau, "Stellungnahme", "2026-02-16", "2026-02-20", 60, f.emp1) // overdue: today
	f.taskE = task(f.done, f.bau, "Erledigt", "", "2026-03-06", 600, f.emp1)               // done: nothing
	f.taskF = task(f.secretCol, f.secret, "Personalakte", "", "2026-03-06", 240, f.emp1)   // confidential
	f.taskG = task(f.open, f.bau, "Ohne Schätzung", "", "2026-03-04", -1, f.emp1)          // no estimate
	f.taskH = task(f.open, f.bau, "Statik", "2026-03-09", "2026-03-20", 480, f.emp2)       // emp2 off in week 11
	f.week1 = project.WeekOf(civil.D(2026, 3, 2))
	f.week2 = project.WeekOf(civil.D(2026, 3, 9))
	f.week3 = project.WeekOf(civil.D(2026, 3, 16))
	f.emp2Off = map[civil.Date]bool{}
	for d := f.week2.Start; !d.After(f.week2.End); d = d.AddDays(1) {
		f.emp2Off[d] = true
	}
	f.capacity = wfCapacity{off: map[int64]map[civil.Date]bool{f.emp2.UserID: f.emp2Off}}
	f.svc = project.NewService(d, f.clock).WithCapacity(f.capacity)
	return f
}

func wfRow(t *testing.T, w project.Workload, id int64) project.WorkloadPerson {
	t.Helper()
	for _, p := range w.People {
		if p.UserID == id {
			return p
		}
	}
	t.Fatalf("no row for user %d", id)
	return project.WorkloadPerson{}
}

func TestWorkload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newWorkloadFixture(t, d)
		w, err := f.svc.Workload(ctx, f.lead, project.WorkloadQuery{Weeks: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Weeks) != 3 || w.Weeks[0].Key() != "2026-W10" || w.Weeks[2].Key() != "2026-W12" {
			t.Fatalf("weeks = %+v", w.Weeks)
		}
		var names []string
		for _, p := range w.People {
			names = append(names, p.Username)
		}
		if got := strings.Join(names, ","); got != "lena.leitung,emil.eins,erna.zwei" {
			t.Errorf("lead's rows = %s, want herself first, then her reports", got)
		}
		e1 := wfRow(t, w, f.emp1.UserID)
		// A 480 + B 300 + C 120 + D 60 + F 240 (confidential, still load).
		want1 := []project.WorkloadCell{
			{CapacityMinutes: 2400, LoadMinutes: 1200, Tasks: 6, Undated: 1, Overdue: 1, Unestimated: 1},
			{CapacityMinutes: 2400, LoadMinutes: 480, Tasks: 1},
			{CapacityMinutes: 2400},
		}
		for i, c := range want1 {
			if e1.Cells[i] != c {
				t.Errorf("emil week %d = %+v, want %+v", i, e1.Cells[i], c)
			}
		}
		if pct, ok := e1.Cells[0].Percent(); !ok || pct != 50 || e1.Cells[0].Overloaded() {
			t.Errorf("emil week 10: %d %% (%v), overloaded %v", pct, ok, e1.Cells[0].Overloaded())
		}
		e2 := wfRow(t, w, f.emp2.UserID)
		// B 300 in week 10; H spreads over 16–20 March only (week 11 off).
		want2 := []project.WorkloadCell{
			{CapacityMinutes: 2400, LoadMinutes: 300, Tasks: 1},
			{CapacityMinutes: 0},
			{CapacityMinutes: 2400, LoadMinutes: 480, Tasks: 1},
		}
		for i, c := range want2 {
			if e2.Cells[i] != c {
				t.Errorf("erna week %d = %+v, want %+v", i, e2.Cells[i], c)
			}
		}
		if _, ok := e2.Cells[1].Percent(); ok {
			t.Error("a week without capacity has a percentage")
		}

		// Overload: 2,400 more minutes for erna in week 10.
		tfExec(t, d, `UPDATE tasks SET remaining_minutes = 4800 WHERE id = ? RETURNING id`, f.taskB)
		w, err = f.svc.Workload(ctx, f.emp2, project.WorkloadQuery{Weeks: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(w.People) != 1 || w.People[0].UserID != f.emp2.UserID {
			t.Fatalf("employee sees %d rows, want only herself", len(w.People))
		}
		if c := w.People[0].Cells[0]; c.LoadMinutes != 2400 || !c.Overloaded() {
			t.Errorf("erna week 10 = %+v, want 2400 minutes, overloaded (100 %%)", c)
		}
		// Moving into a done column removes the load.
		tfExec(t, d, `UPDATE tasks SET status_id = ? WHERE id = ? RETURNING id`, f.done, f.taskB)
		w, _ = f.svc.Workload(ctx, f.emp2, project.WorkloadQuery{Weeks: 1})
		if c := w.People[0].Cells[0]; c.LoadMinutes != 0 {
			t.Errorf("after done: %+v", c)
		}
	})
}

func TestWorkloadAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newWorkloadFixture(t, d)
		rows := func(a actor.Actor, q project.WorkloadQuery) []string {
			t.Helper()
			w, err := f.svc.Workload(ctx, a, q)
			if err != nil {
				t.Fatalf("%s: %v", a.Username, err)
			}
			var out []string
			for _, p := range w.People {
				out = append(out, p.Username)
			}
			return out
		}
		if got := rows(f.emp1, project.WorkloadQuery{}); len(got) != 1 || got[0] != "emil.eins" {
			t.Errorf("employee: %v", got)
		}
		if got := rows(f.emp1, project.WorkloadQuery{OrgUnitID: f.unit}); len(got) != 1 || got[0] != "emil.eins" {
			t.Errorf("employee naming the unit: %v, want only himself", got)
		}
		if got := rows(f.hr, project.WorkloadQuery{OrgUnitID: f.unit}); strings.Join(got, ",") != "emil.eins,erna.zwei,lena.leitung" {
			t.Errorf("HR by unit: %v", got)
		}
		if got := rows(f.lead, project.WorkloadQuery{UserID: f.emp2.UserID}); len(got) != 1 || got[0] != "erna.zwei" {
			t.Errorf("lead, one report: %v", got)
		}
		if got := rows(f.hr, project.WorkloadQuery{UserID: f.out.UserID}); len(got) != 1 {
			t.Errorf("HR, anyone: %v", got)
		}
		for _, c := range []struct {
			who  actor.Actor
			user int64
		}{{f.emp1, f.emp2.UserID}, {f.lead, f.out.UserID}, {f.emp1, f.lead.UserID}, {f.lead, 999999}} {
			_, err := f.svc.Workload(ctx, c.who, project.WorkloadQuery{UserID: c.user})
			tfWantCode(t, c.who.Username+" on another", err, apperr.NotFound, "not_found")
			_, err = f.svc.WorkloadWeekDetail(ctx, c.who, c.user, f.week1)
			tfWantCode(t, c.who.Username+" detail", err, apperr.NotFound, "not_found")
		}
		_, err := f.svc.Workload(ctx, actor.Actor{}, project.WorkloadQuery{})
		tfWantCode(t, "anonymous", err, apperr.NotFound, "not_found")
		_, err = f.svc.Workload(ctx, f.lead, project.WorkloadQuery{Weeks: 27})
		tfWantCode(t, "27 weeks", err, apperr.Invalid, "invalid_filter")
		if units, _ := f.svc.WorkloadOrgUnits(ctx, f.lead); len(units) != 0 {
			t.Errorf("lead gets org units to choose: %v", units)
		}
		if units, _ := f.svc.WorkloadOrgUnits(ctx, f.hr); len(units) != 2 {
			t.Errorf("HR gets %d org units, want 2", len(units))
		}
	})
}

// TestWorkloadDrillDown: the lead sees the tasks of projects she may see
// with their share; the confidential project only as a sum.
func TestWorkloadDrillDown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newWorkloadFixture(t, d)
		det, err := f.svc.WorkloadWeekDetail(ctx, f.lead, f.emp1.UserID, f.week1)
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			id    int64
			share int
		}
		var got []row
		for _, tk := range det.Tasks {
			got = append(got, row{tk.TaskID, tk.ShareMinutes})
			if tk.TaskID == f.taskF || tk.ProjectID == f.secret {
				t.Errorf("confidential task shown to the lead: %+v", tk)
			}
		}
		want := []row{{f.taskA, 480}, {f.taskB, 300}, {f.taskC, 120}, {f.taskD, 60}, {f.taskG, 0}}
		if len(got) != len(want) {
			t.Fatalf("tasks = %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("task %d = %v, want %v", i, got[i], want[i])
			}
		}
		if det.OtherMinutes != 240 || det.Cell.LoadMinutes != 1200 {
			t.Errorf("other = %d, load = %d; want 240, 1200", det.OtherMinutes, det.Cell.LoadMinutes)
		}
		for _, tk := range det.Tasks {
			switch tk.TaskID {
			case f.taskB:
				if tk.Assignees != 2 {
					t.Errorf("B assignees = %d", tk.Assignees)
				}
			case f.taskC:
				if !tk.NoDueDate {
					t.Error("C not marked without due date")
				}
			case f.taskD:
				if !tk.Overdue {
					t.Error("D not marked overdue")
				}
			case f.taskG:
				if !tk.NoEstimate {
					t.Error("G not marked without estimate")
				}
			}
		}
		// emil himself is a member of the confidential project.
		own, err := f.svc.WorkloadWeekDetail(ctx, f.emp1, f.emp1.UserID, f.week1)
		if err != nil {
			t.Fatal(err)
		}
		if own.OtherMinutes != 0 || len(own.Tasks) != 6 {
			t.Errorf("own drill-down: %d tasks, other %d; want 6, 0", len(own.Tasks), own.OtherMinutes)
		}
	})
}

func TestParseWeek(t *testing.T) {
	for in, want := range map[string]civil.Date{
		"2026-W10": civil.D(2026, 3, 2),
		"2026-w01": civil.D(2025, 12, 29),
		"2020-W53": civil.D(2020, 12, 28),
		"2026-W53": civil.D(2026, 12, 28),
	} {
		w, err := project.ParseWeek(in)
		if err != nil || w.Start != want || w.End != want.AddDays(6) {
			t.Errorf("ParseWeek(%q) = %+v, %v; want start %v", in, w, err, want)
		}
	}
	for _, in := range []string{"", "2025-W53", "2026-W00", "2026-10", "26-W10", "2026-W1x"} {
		if _, err := project.ParseWeek(in); err == nil {
			t.Errorf("ParseWeek(%q): no error", in)
		}
	}
	if k := project.WeekOf(civil.D(2027, 1, 1)).Key(); k != "2026-W53" {
		t.Errorf("WeekOf(2027-01-01) = %s", k)
	}
}
