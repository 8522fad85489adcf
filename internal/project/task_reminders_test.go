package project_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/project"
)

var trBerlin, _ = time.LoadLocation("Europe/Berlin")

func TestTaskRemindersOncePerTaskAndDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		// Monday 2 March 2026 in Berlin: tomorrow is the 3rd.
		today := civil.D(2026, 3, 2)
		mk := func(title string, col int64, due civil.Date, assignees ...int64) project.Task {
			tk, _, err := f.svc.CreateTask(ctx, f.mgr, f.project, project.NewTask{Title: title, StatusID: col, DueDate: &due, AssigneeIDs: assignees})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		tomorrow := mk("Stellungnahme", f.open, today.AddDays(1), f.mem2.UserID)
		overdue := mk("Akte abschließen", f.doing, today.AddDays(-1), f.mem.UserID, f.mem2.UserID)
		mk("Schon erledigt", f.done, today.AddDays(1), f.mem.UserID)
		mk("Niemand zuständig", f.open, today.AddDays(1))
		mk("Heute fällig", f.open, today, f.mem.UserID)
		mk("Lange überfällig", f.open, today.AddDays(-10), f.mem.UserID)
		f.notes.take()

		// Before 06:00 local nothing goes out.
		early := time.Date(2026, 3, 2, 5, 30, 0, 0, trBerlin)
		if n, err := f.svc.SendReminders(ctx, trBerlin, early); err != nil || n != 0 {
			t.Fatalf("at 05:30: %d, %v", n, err)
		}
		at := time.Date(2026, 3, 2, 7, 0, 0, 0, trBerlin)
		n, err := f.svc.SendReminders(ctx, trBerlin, at)
		if err != nil || n != 3 {
			t.Fatalf("first run: %d, %v; want 3", n, err)
		}
		var audited int
		if err := d.QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = 'task.reminder'").Scan(&audited); err != nil || audited != 2 {
			t.Errorf("task.reminder audit records = %d, %v; want 2 (one per task and kind)", audited, err)
		}
		var got []string
		for _, x := range f.notes.take() {
			got = append(got, fmt.Sprintf("%d %s %s %v", x.UserID, x.Kind, x.Link, x.Args))
		}
		slices.Sort(got)
		want := []string{
			fmt.Sprintf("%d task.due_tomorrow /tasks/%d [Stellungnahme 2026-03-03]", f.mem2.UserID, tomorrow.ID),
			fmt.Sprintf("%d task.overdue /tasks/%d [Akte abschließen 2026-03-01]", f.mem.UserID, overdue.ID),
			fmt.Sprintf("%d task.overdue /tasks/%d [Akte abschließen 2026-03-01]", f.mem2.UserID, overdue.ID),
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("notes =\n%v\nwant\n%v", got, want)
		}
		// A later run the same day adds nothing.
		if n, err := f.svc.SendReminders(ctx, trBerlin, at.Add(10*time.Minute)); err != nil || n != 0 {
			t.Errorf("second run: %d, %v; want 0", n, err)
		}
		// The next day only "Heute fällig" has become overdue; the day after,
		// "Stellungnahme" – the overdue "Akte" is not reminded again.
		for i, want := range []string{"Heute fällig", "Stellungnahme"} {
			n, err := f.svc.SendReminders(ctx, trBerlin, at.AddDate(0, 0, i+1))
			notes := f.notes.take()
			if err != nil || n != 1 || len(notes) != 1 || notes[0].Kind != "task.overdue" || notes[0].Args[0] != want {
				t.Errorf("day +%d: %d, %v, %+v; want one overdue reminder of %q", i+1, n, err, notes, want)
			}
		}
	})
}

// Several instances run the job at the same moment: every reminder goes
// out once.
func TestTaskRemindersConcurrentInstances(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		due := civil.D(2026, 3, 3)
		for i := range 10 {
			if _, _, err := f.svc.CreateTask(ctx, f.mgr, f.project, project.NewTask{Title: fmt.Sprintf("Aufgabe %d", i), DueDate: &due,
				AssigneeIDs: []int64{f.mem.UserID, f.mem2.UserID}}); err != nil {
				t.Fatal(err)
			}
		}
		f.notes.take()
		at := time.Date(2026, 3, 2, 8, 0, 0, 0, trBerlin)
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for range 4 {
			wg.Go(func() {
				n, err := f.svc.SendReminders(ctx, trBerlin, at)
				if err != nil {
					t.Errorf("instance: %v", err)
				}
				mu.Lock()
				total += n
				mu.Unlock()
			})
		}
		wg.Wait()
		if notes := f.notes.take(); total != 20 || len(notes) != 20 {
			t.Errorf("sent %d, recorded %d; want 20 (10 tasks × 2 assignees, once)", total, len(notes))
		}
		var rows int
		if err := d.QueryRowContext(ctx, "SELECT count(*) FROM task_reminders").Scan(&rows); err != nil || rows != 10 {
			t.Errorf("task_reminders rows = %d, %v", rows, err)
		}
	})
}
