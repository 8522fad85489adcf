package project_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/project"
	"ortlos/internal/project/rank"
)

func tfPtr[T any](v T) *T { return &v }

func TestTaskCreateDefaultsAndWatchers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		first := f.task(t, "Antrag prüfen", 0)
		if first.StatusID != f.open || first.Priority != "normal" || first.Version != 1 || first.Rank != rank.First {
			t.Errorf("first task = %+v; want first column, normal, version 1, rank %q", first, rank.First)
		}
		tk, warnings, err := f.svc.CreateTask(ctx, f.mem, f.project, project.NewTask{
			Title: "  Stellungnahme einholen  ", Description: "**Bitte** bis Freitag", Priority: "high",
			StartDate: tfPtr(civil.D(2026, 3, 2)), DueDate: tfPtr(civil.D(2026, 3, 6)), EstimateMinutes: tfPtr(90),
			MilestoneID: f.milestone, AssigneeIDs: []int64{f.mem2.UserID, f.mem2.UserID}, LabelIDs: []int64{f.labelLegal},
		})
		if err != nil || len(warnings) != 0 {
			t.Fatalf("create: %v %v", err, warnings)
		}
		if tk.Title != "Stellungnahme einholen" || tk.RemainingMinutes == nil || *tk.RemainingMinutes != 90 || tk.MilestoneID != f.milestone {
			t.Errorf("task = %+v; want trimmed title, remaining = estimate 90, milestone", tk)
		}
		if tk.Rank <= first.Rank {
			t.Errorf("second rank %q not after first %q: new tasks go to the bottom", tk.Rank, first.Rank)
		}
		if len(tk.Assignees) != 1 || tk.Assignees[0].ID != f.mem2.UserID || len(tk.Labels) != 1 || tk.Labels[0].ID != f.labelLegal {
			t.Errorf("assignees %v labels %v", tk.Assignees, tk.Labels)
		}
		var watchers []int64
		for _, w := range tk.Watchers {
			watchers = append(watchers, w.ID)
		}
		slices.Sort(watchers)
		if want := []int64{f.mem.UserID, f.mem2.UserID}; !slices.Equal(watchers, want) {
			t.Errorf("watchers = %v; want creator and assignee %v", watchers, want)
		}
		notes := f.notes.take()
		if len(notes) != 1 || notes[0].UserID != f.mem2.UserID || notes[0].Kind != "task.assigned" || notes[0].Link != fmt.Sprintf("/tasks/%d", tk.ID) {
			t.Errorf("notes = %+v; want one task.assigned to mia", notes)
		}
		// Created straight into a done column: done, nothing remaining.
		dn, _, err := f.svc.CreateTask(ctx, f.mem, f.project, project.NewTask{Title: "Schon erledigt", StatusID: f.done, EstimateMinutes: tfPtr(30)})
		if err != nil || !dn.Done || dn.DoneAt == nil || dn.RemainingMinutes == nil || *dn.RemainingMinutes != 0 {
			t.Errorf("task created in done column = %+v, %v", dn, err)
		}
	})
}

func TestTaskValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		cases := []struct {
			name string
			n    project.NewTask
			code string
		}{
			{"empty title", project.NewTask{Title: "  "}, "invalid_task_title"},
			{"long title", project.NewTask{Title: strings.Repeat("ä", 301)}, "invalid_task_title"},
			{"long description", project.NewTask{Title: "x", Description: strings.Repeat("a", 20001)}, "task_description_too_long"},
			{"priority", project.NewTask{Title: "x", Priority: "asap"}, "invalid_task_priority"},
			{"due before start", project.NewTask{Title: "x", StartDate: tfPtr(civil.D(2026, 3, 5)), DueDate: tfPtr(civil.D(2026, 3, 4))}, "invalid_task_dates"},
			{"estimate", project.NewTask{Title: "x", EstimateMinutes: tfPtr(project.MaxTaskMinutes + 1)}, "invalid_task_minutes"},
			{"negative estimate", project.NewTask{Title: "x", EstimateMinutes: tfPtr(-5)}, "invalid_task_minutes"},
			{"column of another project", project.NewTask{Title: "x", StatusID: f.otherCol}, "unknown_task_status"},
			{"viewer assigned", project.NewTask{Title: "x", AssigneeIDs: []int64{f.view.UserID}}, "task_assignee_not_member"},
			{"outsider assigned", project.NewTask{Title: "x", AssigneeIDs: []int64{f.out.UserID}}, "task_assignee_not_member"},
			{"unknown user assigned", project.NewTask{Title: "x", AssigneeIDs: []int64{99999}}, "task_assignee_not_member"},
			{"label of nowhere", project.NewTask{Title: "x", LabelIDs: []int64{99999}}, "unknown_task_label"},
			{"milestone of nowhere", project.NewTask{Title: "x", MilestoneID: 99999}, "unknown_task_milestone"},
		}
		for _, c := range cases {
			_, _, err := f.svc.CreateTask(ctx, f.mem, f.project, c.n)
			tfWantCode(t, c.name, err, apperr.Invalid, c.code)
		}
		// A 300-character title of umlauts is fine (characters, not bytes).
		if _, _, err := f.svc.CreateTask(ctx, f.mem, f.project, project.NewTask{Title: strings.Repeat("ä", 300)}); err != nil {
			t.Errorf("300 umlauts: %v", err)
		}
		// A project without columns.
		empty := tfProject(t, d, "Leer", false)
		tfMember(t, d, empty, f.mem, "member")
		_, _, err := f.svc.CreateTask(ctx, f.mem, empty, project.NewTask{Title: "x"})
		tfWantCode(t, "no column", err, apperr.Conflict, "task_project_no_status")
	})
}

// tfRanks returns the task ids of column col in rank order.
func tfRanks(t *testing.T, d *db.DB, col int64) []int64 {
	t.Helper()
	ids, err := db.Query(context.Background(), d, func(r db.Scanner) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	}, `SELECT id FROM tasks WHERE status_id = ? ORDER BY rank`, col)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// tfRows snapshots every task row (id → status, rank, version).
func tfRows(t *testing.T, d *db.DB) map[int64]string {
	t.Helper()
	rows, err := db.Query(context.Background(), d, func(r db.Scanner) ([2]string, error) {
		var id, st int64
		var rk string
		var v int
		err := r.Scan(&id, &st, &rk, &v)
		return [2]string{fmt.Sprint(id), fmt.Sprint(st, rk, v)}, err
	}, `SELECT id, status_id, rank, version FROM tasks`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]string{}
	for _, r := range rows {
		var id int64
		fmt.Sscan(r[0], &id)
		out[id] = r[1]
	}
	return out
}

func TestTaskMove(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		a, b, c := f.task(t, "A", 0), f.task(t, "B", 0), f.task(t, "C", 0)
		if got := tfRanks(t, d, f.open); !slices.Equal(got, []int64{a.ID, b.ID, c.ID}) {
			t.Fatalf("open = %v", got)
		}
		// C between A and B: only C's row changes.
		before := tfRows(t, d)
		moved, warnings, err := f.svc.MoveTask(ctx, f.mem, c.ID, project.TaskMove{StatusID: f.open, AfterID: a.ID, Version: c.Version})
		if err != nil || len(warnings) != 0 {
			t.Fatalf("move: %v %v", err, warnings)
		}
		after := tfRows(t, d)
		changed := 0
		for id, v := range after {
			if before[id] != v {
				changed++
				if id != c.ID {
					t.Errorf("moving C changed task %d: %s -> %s", id, before[id], v)
				}
			}
		}
		if changed != 1 || moved.Version != c.Version+1 {
			t.Errorf("changed rows = %d, version %d; want 1 row, version %d", changed, moved.Version, c.Version+1)
		}
		if got := tfRanks(t, d, f.open); !slices.Equal(got, []int64{a.ID, c.ID, b.ID}) {
			t.Errorf("after move = %v; want A C B", got)
		}
		// B to the top (after_id 0).
		b, _ = f.svc.GetTask(ctx, f.mem, b.ID)
		if _, _, err := f.svc.MoveTask(ctx, f.mem, b.ID, project.TaskMove{StatusID: f.open, Version: b.Version}); err != nil {
			t.Fatal(err)
		}
		if got := tfRanks(t, d, f.open); !slices.Equal(got, []int64{b.ID, a.ID, c.ID}) {
			t.Errorf("after move to top = %v; want B A C", got)
		}
		// Stale version: 409 task_stale with the current version.
		_, _, err = f.svc.MoveTask(ctx, f.mem, b.ID, project.TaskMove{StatusID: f.doing, Version: b.Version})
		tfWantCode(t, "stale move", err, apperr.Conflict, "task_stale")
		var stale *project.TaskStaleError
		if !errors.As(err, &stale) || stale.Version != b.Version+1 {
			t.Errorf("stale error %v does not carry the current version %d", err, b.Version+1)
		}
		// after_id no longer in the target column.
		b, _ = f.svc.GetTask(ctx, f.mem, b.ID)
		_, _, err = f.svc.MoveTask(ctx, f.mem, b.ID, project.TaskMove{StatusID: f.doing, AfterID: a.ID, Version: b.Version})
		tfWantCode(t, "after card elsewhere", err, apperr.Conflict, "task_move_stale")
		_, _, err = f.svc.MoveTask(ctx, f.mem, b.ID, project.TaskMove{StatusID: f.otherCol, Version: b.Version})
		tfWantCode(t, "column of another project", err, apperr.Invalid, "unknown_task_status")
		_, _, err = f.svc.MoveTask(ctx, f.mem, b.ID, project.TaskMove{StatusID: f.open, AfterID: b.ID, Version: b.Version})
		tfWantCode(t, "after itself", err, apperr.Invalid, "invalid_task_move")

		// WIP limit 2 of "In Arbeit": the third card is moved with a warning.
		for i, tk := range []project.Task{a, b, c} {
			tk, _ = f.svc.GetTask(ctx, f.mem, tk.ID)
			_, warnings, err := f.svc.MoveTask(ctx, f.mem, tk.ID, project.TaskMove{StatusID: f.doing, Version: tk.Version})
			if err != nil {
				t.Fatal(err)
			}
			if want := i == 2; want != (len(warnings) == 1) {
				t.Errorf("move %d into WIP column: warnings %+v", i, warnings)
			} else if want && (warnings[0].Code != project.WarnWIPLimit || warnings[0].Limit != 2 || warnings[0].Count != 3 || warnings[0].StatusID != f.doing) {
				t.Errorf("warning = %+v", warnings[0])
			}
		}
		if got := tfRanks(t, d, f.doing); !slices.Equal(got, []int64{c.ID, b.ID, a.ID}) {
			t.Errorf("in progress = %v; each went to the top", got)
		}

		// Into done and out again: done_at, remaining.
		e, _, err := f.svc.CreateTask(ctx, f.mem, f.project, project.NewTask{Title: "E", EstimateMinutes: tfPtr(120)})
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		e, _, err = f.svc.MoveTask(ctx, f.mem, e.ID, project.TaskMove{StatusID: f.done, Version: e.Version})
		if err != nil || !e.Done || e.DoneAt == nil || !e.DoneAt.Equal(tfStart.Add(time.Hour)) || *e.RemainingMinutes != 0 {
			t.Fatalf("into done: %+v %v", e, err)
		}
		e, _, err = f.svc.MoveTask(ctx, f.mem, e.ID, project.TaskMove{StatusID: f.open, Version: e.Version})
		if err != nil || e.Done || e.DoneAt != nil || *e.RemainingMinutes != 120 {
			t.Errorf("out of done: %+v %v", e, err)
		}
	})
}

// TestTaskMoveConcurrent moves many cards into the same gap at once: every
// move either succeeds or answers a clean 409, never an internal error,
// and the column's ranks stay unique and valid.
func TestTaskMoveConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		var tasks []project.Task
		for i := range 12 {
			tasks = append(tasks, f.task(t, fmt.Sprint("Karte ", i), 0))
		}
		anchor := f.task(t, "Anker", f.doing)
		var wg sync.WaitGroup
		errs := make([]error, len(tasks))
		for i, tk := range tasks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, errs[i] = f.svc.MoveTask(ctx, f.mem, tk.ID, project.TaskMove{StatusID: f.doing, AfterID: anchor.ID, Version: tk.Version})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil && apperr.KindOf(err) != apperr.Conflict {
				t.Errorf("move %d: %v; want success or 409", i, err)
			}
		}
		ids := tfRanks(t, d, f.doing)
		if ids[0] != anchor.ID {
			t.Errorf("anchor is not first: %v", ids)
		}
		var ranks []string
		if err := func() error {
			rs, err := db.Query(ctx, d, func(r db.Scanner) (string, error) {
				var s string
				return s, r.Scan(&s)
			}, `SELECT rank FROM tasks WHERE status_id = ?`, f.doing)
			ranks = rs
			return err
		}(); err != nil {
			t.Fatal(err)
		}
		for _, r := range ranks {
			if !rank.Valid(r) {
				t.Errorf("invalid rank %q", r)
			}
		}
	})
}

func TestTaskUpdate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		tk, _, err := f.svc.CreateTask(ctx, f.mem, f.project, project.NewTask{Title: "Akte anlegen", EstimateMinutes: tfPtr(60),
			StartDate: tfPtr(civil.D(2026, 3, 2)), DueDate: tfPtr(civil.D(2026, 3, 9)), AssigneeIDs: []int64{f.mem.UserID}})
		if err != nil {
			t.Fatal(err)
		}
		f.notes.take()
		up, err := f.svc.UpdateTask(ctx, f.mem, tk.ID, project.TaskUpdate{Version: tk.Version, Title: tfPtr("Akte anlegen und prüfen"),
			Priority: tfPtr("urgent"), EstimateMinutes: tfPtr(150), StartDate: &civil.Date{}, AssigneeIDs: []int64{f.mem.UserID, f.mem2.UserID},
			LabelIDs: []int64{f.labelUrgent}, MilestoneID: tfPtr(f.milestone)})
		if err != nil {
			t.Fatal(err)
		}
		if up.Title != "Akte anlegen und prüfen" || up.Priority != "urgent" || *up.EstimateMinutes != 150 || *up.RemainingMinutes != 150 ||
			up.StartDate != nil || up.DueDate == nil || up.Version != tk.Version+1 || len(up.Assignees) != 2 || len(up.Labels) != 1 || up.MilestoneID != f.milestone {
			t.Errorf("updated = %+v", up)
		}
		if notes := f.notes.take(); len(notes) != 1 || notes[0].UserID != f.mem2.UserID || notes[0].Kind != "task.assigned" {
			t.Errorf("notes = %+v; only the new assignee hears of it", notes)
		}
		// The remaining effort set apart no longer follows the estimate.
		up, err = f.svc.UpdateTask(ctx, f.mem, tk.ID, project.TaskUpdate{Version: up.Version, RemainingMinutes: tfPtr(20)})
		if err != nil {
			t.Fatal(err)
		}
		up, err = f.svc.UpdateTask(ctx, f.mem, tk.ID, project.TaskUpdate{Version: up.Version, EstimateMinutes: tfPtr(200), MilestoneID: tfPtr(int64(0)), AssigneeIDs: []int64{}})
		if err != nil || *up.RemainingMinutes != 20 || up.MilestoneID != 0 || len(up.Assignees) != 0 {
			t.Errorf("after estimate change = %+v, %v", up, err)
		}
		_, err = f.svc.UpdateTask(ctx, f.mem, tk.ID, project.TaskUpdate{Version: tk.Version, Title: tfPtr("zu spät")})
		tfWantCode(t, "stale update", err, apperr.Conflict, "task_stale")
		_, err = f.svc.UpdateTask(ctx, f.mem, tk.ID, project.TaskUpdate{Version: up.Version, StartDate: tfPtr(civil.D(2026, 4, 1))})
		tfWantCode(t, "start after due", err, apperr.Invalid, "invalid_task_dates")
		_, err = f.svc.UpdateTask(ctx, f.mem, tk.ID, project.TaskUpdate{Version: up.Version, Title: tfPtr("")})
		tfWantCode(t, "empty title", err, apperr.Invalid, "invalid_task_title")
	})
}

// tfAll pages through a list and returns the ids in order.
func tfAll(t *testing.T, list func(cursor string) (project.TaskPage, error), start ...string) []int64 {
	t.Helper()
	var ids []int64
	cursor := ""
	if len(start) > 0 {
		cursor = start[0]
	}
	for range 100 {
		page, err := list(cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range page.Items {
			ids = append(ids, tk.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		cursor = page.NextCursor
	}
	t.Fatal("paging does not end")
	return nil
}

func TestListProjectTasks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		prios := []string{"low", "normal", "high", "urgent"}
		var want []int64 // board order: open, doing, done
		cols := []int64{f.open, f.doing, f.done}
		byCol := map[int64][]int64{}
		for i := range 75 {
			col := cols[i%3]
			n := project.NewTask{Title: fmt.Sprintf("Vorgang %02d", i), StatusID: col, Priority: prios[i%4]}
			if i%5 != 0 {
				n.DueDate = tfPtr(civil.D(2026, 3, 1+i%20))
			}
			if i%7 == 0 {
				n.AssigneeIDs = []int64{f.mem2.UserID}
				n.LabelIDs = []int64{f.labelUrgent}
			}
			tk, _, err := f.svc.CreateTask(ctx, f.mem, f.project, n)
			if err != nil {
				t.Fatal(err)
			}
			byCol[col] = append(byCol[col], tk.ID)
			f.clock.Advance(time.Minute)
		}
		for _, c := range cols {
			want = append(want, byCol[c]...)
		}
		list := func(fl project.TaskFilter) func(string) (project.TaskPage, error) {
			return func(cursor string) (project.TaskPage, error) {
				fl.Cursor = cursor
				return f.svc.ListProjectTasks(ctx, f.view, f.project, fl)
			}
		}
		page, err := f.svc.ListProjectTasks(ctx, f.view, f.project, project.TaskFilter{})
		if err != nil || len(page.Items) != 50 || page.NextCursor == "" {
			t.Fatalf("first page: %d items, cursor %q, %v; want the default 50", len(page.Items), page.NextCursor, err)
		}
		if got := tfAll(t, list(project.TaskFilter{Limit: 20})); !slices.Equal(got, want) {
			t.Errorf("board order = %v\nwant %v", got, want)
		}
		// Paging stays consistent when a card moves between pages.
		first, _ := f.svc.ListProjectTasks(ctx, f.view, f.project, project.TaskFilter{Limit: 10})
		mv := first.Items[0]
		if _, _, err := f.svc.MoveTask(ctx, f.mem, mv.ID, project.TaskMove{StatusID: f.done, Version: mv.Version}); err != nil {
			t.Fatal(err)
		}
		rest := tfAll(t, list(project.TaskFilter{Limit: 10}), first.NextCursor)
		if len(rest) != 66 {
			t.Errorf("after a move the remaining pages hold %d tasks; want 66: the 65 not yet seen and the moved card in its new place", len(rest))
		}

		check := func(name string, fl project.TaskFilter, keep func(project.Task) bool, less func(a, b project.Task) bool) {
			t.Helper()
			var got []project.Task
			cursor := ""
			for {
				fl.Cursor, fl.Limit = cursor, 7
				p, err := f.svc.ListProjectTasks(ctx, f.mem, f.project, fl)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got = append(got, p.Items...)
				if cursor = p.NextCursor; cursor == "" {
					break
				}
			}
			all, _ := f.svc.ListProjectTasks(ctx, f.mem, f.project, project.TaskFilter{Limit: 200})
			n := 0
			for _, tk := range all.Items {
				if keep(tk) {
					n++
				}
			}
			if len(got) != n {
				t.Errorf("%s: %d tasks; want %d", name, len(got), n)
			}
			for i, tk := range got {
				if !keep(tk) {
					t.Errorf("%s: task %d does not match", name, tk.ID)
				}
				if i > 0 && less != nil && less(tk, got[i-1]) {
					t.Errorf("%s: task %d before %d is out of order", name, got[i-1].ID, tk.ID)
				}
			}
		}
		any := func(project.Task) bool { return true }
		prio := func(p string) int { return 3 - slices.Index(prios, p) }
		due := func(tk project.Task) string {
			if tk.DueDate == nil {
				return "9999"
			}
			return tk.DueDate.String()
		}
		check("sort due", project.TaskFilter{Sort: "due"}, any, func(a, b project.Task) bool { return due(a) < due(b) || due(a) == due(b) && a.ID < b.ID })
		check("sort priority", project.TaskFilter{Sort: "priority"}, any, func(a, b project.Task) bool {
			return prio(a.Priority) < prio(b.Priority) || a.Priority == b.Priority && a.ID < b.ID
		})
		check("sort created", project.TaskFilter{Sort: "created"}, any, func(a, b project.Task) bool { return a.ID > b.ID })
		check("sort updated", project.TaskFilter{Sort: "updated"}, any, func(a, b project.Task) bool {
			return a.UpdatedAt.After(b.UpdatedAt) || a.UpdatedAt.Equal(b.UpdatedAt) && a.ID > b.ID
		})
		check("assignee", project.TaskFilter{AssigneeID: f.mem2.UserID}, func(tk project.Task) bool {
			return len(tk.Assignees) == 1 && tk.Assignees[0].ID == f.mem2.UserID
		}, nil)
		check("label", project.TaskFilter{LabelID: f.labelUrgent}, func(tk project.Task) bool { return len(tk.Labels) == 1 }, nil)
		check("priority", project.TaskFilter{Priority: "high"}, func(tk project.Task) bool { return tk.Priority == "high" }, nil)
		check("open", project.TaskFilter{Open: true}, func(tk project.Task) bool { return !tk.Done }, nil)
		check("status", project.TaskFilter{StatusID: f.doing}, func(tk project.Task) bool { return tk.StatusID == f.doing }, nil)
		check("due before", project.TaskFilter{DueBefore: civil.D(2026, 3, 5)}, func(tk project.Task) bool {
			return tk.DueDate != nil && tk.DueDate.Before(civil.D(2026, 3, 5))
		}, nil)
		check("due after", project.TaskFilter{DueAfter: civil.D(2026, 3, 15)}, func(tk project.Task) bool {
			return tk.DueDate != nil && tk.DueDate.After(civil.D(2026, 3, 15))
		}, nil)
		check("q", project.TaskFilter{Query: "VORGANG 1"}, func(tk project.Task) bool { return strings.HasPrefix(tk.Title, "Vorgang 1") }, nil)
		check("q wildcard", project.TaskFilter{Query: "%"}, func(project.Task) bool { return false }, nil)

		_, err = f.svc.ListProjectTasks(ctx, f.mem, f.project, project.TaskFilter{Cursor: "nonsense"})
		tfWantCode(t, "bad cursor", err, apperr.Invalid, "invalid_cursor")
		_, err = f.svc.ListProjectTasks(ctx, f.mem, f.project, project.TaskFilter{Cursor: page.NextCursor, Sort: "due"})
		tfWantCode(t, "cursor of another sort", err, apperr.Invalid, "invalid_cursor")
		_, err = f.svc.ListProjectTasks(ctx, f.mem, f.project, project.TaskFilter{Limit: 201})
		tfWantCode(t, "limit", err, apperr.Invalid, "invalid_filter")
		_, err = f.svc.ListProjectTasks(ctx, f.mem, f.project, project.TaskFilter{Sort: "title"})
		tfWantCode(t, "sort", err, apperr.Invalid, "invalid_filter")
	})
}

func TestListMyTasks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		mine, _, err := f.svc.CreateTask(ctx, f.mem, f.project, project.NewTask{Title: "Hier", AssigneeIDs: []int64{f.mem.UserID}, DueDate: tfPtr(civil.D(2026, 3, 10))})
		if err != nil {
			t.Fatal(err)
		}
		other, _, err := f.svc.CreateTask(ctx, f.mem, f.otherProject, project.NewTask{Title: "Dort", AssigneeIDs: []int64{f.mem.UserID}, DueDate: tfPtr(civil.D(2026, 3, 5))})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.CreateTask(ctx, f.mem, f.project, project.NewTask{Title: "Nicht meins"}); err != nil {
			t.Fatal(err)
		}
		// A task of the confidential project assigned to mgr.
		secret, _, err := f.svc.CreateTask(ctx, f.mgr, f.secret, project.NewTask{Title: "Geheim", AssigneeIDs: []int64{f.mgr.UserID}})
		if err != nil {
			t.Fatal(err)
		}
		page, err := f.svc.ListMyTasks(ctx, f.mem, project.TaskFilter{})
		if err != nil || len(page.Items) != 2 || page.Items[0].ID != other.ID || page.Items[1].ID != mine.ID || page.Items[0].ProjectName != "Digitalisierung" {
			t.Fatalf("my tasks = %+v, %v; want Dort (due first) and Hier", page.Items, err)
		}
		// Someone else's tasks: only in the projects the reader sees.
		page, err = f.svc.ListMyTasks(ctx, f.out, project.TaskFilter{AssigneeID: f.mgr.UserID})
		if err != nil || len(page.Items) != 0 {
			t.Errorf("otto lists maria's tasks: %+v, %v; the confidential one must not show", page.Items, err)
		}
		page, err = f.svc.ListMyTasks(ctx, f.mgr, project.TaskFilter{})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != secret.ID {
			t.Errorf("maria's own tasks = %+v, %v", page.Items, err)
		}
		// Done tasks drop out with Open.
		mine, _, err = f.svc.MoveTask(ctx, f.mem, mine.ID, project.TaskMove{StatusID: f.done, Version: mine.Version})
		if err != nil {
			t.Fatal(err)
		}
		page, err = f.svc.ListMyTasks(ctx, f.mem, project.TaskFilter{Open: true})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != other.ID {
			t.Errorf("open tasks = %+v, %v", page.Items, err)
		}
	})
}

func TestTaskComments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		tk, _, err := f.svc.CreateTask(ctx, f.mem, f.project, project.NewTask{Title: "Gutachten", AssigneeIDs: []int64{f.mem2.UserID}})
		if err != nil {
			t.Fatal(err)
		}
		f.notes.take()
		if err := f.svc.WatchTask(ctx, f.view, tk.ID); err != nil {
			t.Fatal(err)
		}
		// mem2 comments, mentioning the manager, otto (sees the project) and
		// nobody; the watchers mem and vera hear of it, mem2 not.
		c, err := f.svc.AddTaskComment(ctx, f.mem2, tk.ID, "@maria.manager bitte prüfen, cc @otto.aussen und @niemand, mail an x@vera.viewer")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]int64{}
		for _, n := range f.notes.take() {
			got[n.Kind] = append(got[n.Kind], n.UserID)
		}
		slices.Sort(got["task.mentioned"])
		slices.Sort(got["task.commented"])
		wantMentioned := []int64{f.mgr.UserID, f.out.UserID}
		slices.Sort(wantMentioned)
		wantCommented := []int64{f.mem.UserID, f.view.UserID}
		slices.Sort(wantCommented)
		if !slices.Equal(got["task.mentioned"], wantMentioned) || !slices.Equal(got["task.commented"], wantCommented) {
			t.Errorf("notes = %v; want mentioned %v, commented %v", got, wantMentioned, wantCommented)
		}
		// In the confidential project, otto is not told even when mentioned.
		st, _, err := f.svc.CreateTask(ctx, f.mgr, f.secret, project.NewTask{Title: "Geheim"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddTaskComment(ctx, f.mgr, st.ID, "@otto.aussen schau mal"); err != nil {
			t.Fatal(err)
		}
		if notes := f.notes.take(); len(notes) != 0 {
			t.Errorf("mention in a confidential project told %+v", notes)
		}

		_, err = f.svc.EditTaskComment(ctx, f.mem, c.ID, "übernommen")
		tfWantCode(t, "edit someone else's", err, apperr.Forbidden, "task_comment_not_own")
		ed, err := f.svc.EditTaskComment(ctx, f.mem2, c.ID, "@maria.manager bitte prüfen, und @vera.viewer auch")
		if err != nil || ed.EditedAt == nil {
			t.Fatalf("edit: %+v %v", ed, err)
		}
		if notes := f.notes.take(); len(notes) != 1 || notes[0].UserID != f.view.UserID || notes[0].Kind != "task.mentioned" {
			t.Errorf("edit notes = %+v; only the newly mentioned vera", notes)
		}
		_, err = f.svc.AddTaskComment(ctx, f.view, tk.ID, "darf ich?")
		tfWantCode(t, "viewer comments", err, apperr.Forbidden, "project_role_required")
		_, err = f.svc.AddTaskComment(ctx, f.mem, tk.ID, "   ")
		tfWantCode(t, "empty comment", err, apperr.Invalid, "invalid_task_comment")
		err = f.svc.DeleteTaskComment(ctx, f.mem, c.ID)
		tfWantCode(t, "member deletes someone else's", err, apperr.Forbidden, "task_comment_not_own")
		if err := f.svc.DeleteTaskComment(ctx, f.mgr, c.ID); err != nil {
			t.Errorf("manager deletes: %v", err)
		}
		cs, err := f.svc.ListTaskComments(ctx, f.view, tk.ID)
		if err != nil || len(cs) != 0 {
			t.Errorf("comments = %+v, %v", cs, err)
		}
	})
}

func TestMentions(t *testing.T) {
	got := project.Mentions("Hallo @Erika.Mustermann, siehe @max.-  und mail@example.org; @erika.mustermann nochmal (@jo)")
	if want := []string{"erika.mustermann", "max"}; !slices.Equal(got, want) {
		t.Errorf("Mentions = %q; want %q", got, want)
	}
}

func TestTaskChecklist(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		tk := f.task(t, "Unterlagen", 0)
		var ids []int64
		for _, text := range []string{"Lageplan", "Bauzeichnung", "Statik"} {
			c, err := f.svc.AddChecklistItem(ctx, f.mem, tk.ID, text)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		c, err := f.svc.UpdateChecklistItem(ctx, f.mem, ids[1], project.ChecklistUpdate{Done: tfPtr(true)})
		if err != nil || !c.Done || c.Text != "Bauzeichnung" {
			t.Errorf("tick = %+v, %v", c, err)
		}
		items, err := f.svc.ReorderChecklist(ctx, f.mem, tk.ID, []int64{ids[2], ids[0], ids[1]})
		if err != nil || len(items) != 3 || items[0].ID != ids[2] || items[2].ID != ids[1] {
			t.Errorf("reorder = %+v, %v", items, err)
		}
		_, err = f.svc.ReorderChecklist(ctx, f.mem, tk.ID, []int64{ids[0], ids[1]})
		tfWantCode(t, "incomplete order", err, apperr.Invalid, "invalid_checklist_order")
		if err := f.svc.DeleteChecklistItem(ctx, f.mem, ids[0]); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.GetTask(ctx, f.view, tk.ID)
		if len(got.Checklist) != 2 || got.Checklist[0].Text != "Statik" || !got.Checklist[1].Done || got.Version != tk.Version {
			t.Errorf("checklist = %+v, version %d; the task's version stays", got.Checklist, got.Version)
		}
		_, err = f.svc.UpdateChecklistItem(ctx, f.view, ids[1], project.ChecklistUpdate{Done: tfPtr(false)})
		tfWantCode(t, "viewer ticks", err, apperr.Forbidden, "project_role_required")
		_, err = f.svc.AddChecklistItem(ctx, f.mem, tk.ID, "")
		tfWantCode(t, "empty item", err, apperr.Invalid, "invalid_checklist_text")
	})
}

func TestTaskDependencies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		a, b, c := f.task(t, "A", 0), f.task(t, "B", 0), f.task(t, "C", 0)
		// C blocked by B blocked by A.
		if err := f.svc.AddTaskDependency(ctx, f.mem, b.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.AddTaskDependency(ctx, f.mem, c.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.AddTaskDependency(ctx, f.mem, c.ID, b.ID); err != nil {
			t.Errorf("adding it twice: %v", err)
		}
		tfWantCode(t, "cycle", f.svc.AddTaskDependency(ctx, f.mem, a.ID, c.ID), apperr.Conflict, "task_dependency_cycle")
		tfWantCode(t, "self", f.svc.AddTaskDependency(ctx, f.mem, a.ID, a.ID), apperr.Conflict, "task_dependency_cycle")
		// A task of another project the member sees.
		other, _, err := f.svc.CreateTask(ctx, f.mem, f.otherProject, project.NewTask{Title: "Server bestellen"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.AddTaskDependency(ctx, f.mem, a.ID, other.ID); err != nil {
			t.Errorf("dependency on another visible project: %v", err)
		}
		secret, _, err := f.svc.CreateTask(ctx, f.mgr, f.secret, project.NewTask{Title: "Geheim"})
		if err != nil {
			t.Fatal(err)
		}
		tfWantCode(t, "invisible blocker", f.svc.AddTaskDependency(ctx, f.mem, a.ID, secret.ID), apperr.Invalid, "unknown_task_dependency")
		got, _ := f.svc.GetTask(ctx, f.mem, c.ID)
		if !slices.Equal(got.BlockedBy, []int64{b.ID}) {
			t.Errorf("C blocked by %v", got.BlockedBy)
		}
		if err := f.svc.RemoveTaskDependency(ctx, f.mem, c.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = f.svc.GetTask(ctx, f.mem, c.ID)
		if len(got.BlockedBy) != 0 {
			t.Errorf("after removal C blocked by %v", got.BlockedBy)
		}
		// Created with a dependency that would be fine.
		dn, _, err := f.svc.CreateTask(ctx, f.mem, f.project, project.NewTask{Title: "D", BlockedBy: []int64{a.ID, other.ID}})
		if err != nil || len(dn.BlockedBy) != 2 {
			t.Errorf("create with blockers: %+v %v", dn.BlockedBy, err)
		}
		// Deleting a blocker removes its links.
		if err := f.svc.DeleteTask(ctx, f.mgr, a.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = f.svc.GetTask(ctx, f.mem, dn.ID)
		if !slices.Equal(got.BlockedBy, []int64{other.ID}) {
			t.Errorf("after deleting A, D blocked by %v", got.BlockedBy)
		}
	})
}
