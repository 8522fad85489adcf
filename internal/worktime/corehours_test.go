package worktime_test

import (
	"context"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
)

func coreOrgUnit(t *testing.T, d *db.DB, name string, parent int64) int64 {
	t.Helper()
	var p any
	if parent != 0 {
		p = parent
	}
	var id int64
	ctx := context.Background()
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, "INSERT INTO org_units (parent_id, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
			p, name, db.T(start), db.T(start)).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestCoreHours(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		hr := f.user(t, "hanna.hr", 0, actor.RoleHR)
		emp := f.user(t, "erika", 0, actor.RoleEmployee)
		amt := coreOrgUnit(t, d, "Ordnungsamt", 0)
		sg := coreOrgUnit(t, d, "Sachgebiet Gewerbe", amt)

		ch, err := f.svc.CoreHoursOf(ctx, emp, sg)
		if err != nil || len(ch.Windows) != 0 || ch.Inherited {
			t.Fatalf("core hours before = %+v, %v; want none", ch, err)
		}
		week := []worktime.CoreWindow{{Weekday: 1, StartMinute: 9 * 60, EndMinute: 15 * 60}, {Weekday: 5, StartMinute: 9 * 60, EndMinute: 12 * 60}}
		if _, err := f.svc.SetCoreHours(ctx, emp, amt, week); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("employee sets core hours: %v; want NotFound", err)
		}
		if _, err := f.svc.SetCoreHours(ctx, hr, 999999, week); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("unknown unit: %v; want NotFound", err)
		}
		for _, bad := range [][]worktime.CoreWindow{
			{{Weekday: 0, StartMinute: 540, EndMinute: 600}},
			{{Weekday: 8, StartMinute: 540, EndMinute: 600}},
			{{Weekday: 1, StartMinute: 600, EndMinute: 600}},
			{{Weekday: 1, StartMinute: 540, EndMinute: 1441}},
			{{Weekday: 1, StartMinute: 540, EndMinute: 600}, {Weekday: 1, StartMinute: 700, EndMinute: 800}},
		} {
			if _, err := f.svc.SetCoreHours(ctx, hr, amt, bad); !apperr.Is(err, "invalid_core_hours") {
				t.Errorf("SetCoreHours(%+v) = %v; want invalid_core_hours", bad, err)
			}
		}
		if ch, err = f.svc.SetCoreHours(ctx, hr, amt, week); err != nil || len(ch.Windows) != 2 || ch.Inherited {
			t.Fatalf("SetCoreHours = %+v, %v; want own two windows", ch, err)
		}
		ch, err = f.svc.CoreHoursOf(ctx, emp, sg)
		if err != nil || len(ch.Windows) != 2 || !ch.Inherited || ch.SourceOrgUnitID != amt {
			t.Fatalf("child core hours = %+v, %v; want two windows inherited from %d", ch, err, amt)
		}
		if ch, err = f.svc.SetCoreHours(ctx, hr, sg, []worktime.CoreWindow{{Weekday: 2, StartMinute: 600, EndMinute: 840}}); err != nil || ch.Inherited || len(ch.Windows) != 1 {
			t.Fatalf("child's own core hours = %+v, %v", ch, err)
		}
		list, err := f.svc.ListCoreHours(ctx, hr)
		if err != nil || len(list) != 2 {
			t.Fatalf("ListCoreHours = %+v, %v; want two units", list, err)
		}
		if _, err := f.svc.ListCoreHours(ctx, emp); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("employee lists core hours: %v; want NotFound", err)
		}
		// An empty list removes the own core hours: inherited again.
		if ch, err = f.svc.SetCoreHours(ctx, hr, sg, nil); err != nil || !ch.Inherited || len(ch.Windows) != 2 {
			t.Fatalf("after removing = %+v, %v; want the parent's again", ch, err)
		}
	})
}

func TestCoreHoursWarnings(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		hr := f.user(t, "hanna.hr", 0, actor.RoleHR)
		emp := f.user(t, "erika", 0, actor.RoleEmployee)
		amt := coreOrgUnit(t, d, "Ordnungsamt", 0)
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE users SET org_unit_id = ? WHERE id = ?", amt, emp.UserID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		wm, err := f.svc.CreateWorkModel(ctx, hr, worktime.NewWorkModel{Name: "Vollzeit", Minutes: [7]int{468, 468, 468, 468, 468}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AssignWorkModel(ctx, hr, emp.UserID, wm.ID, civil.D(2026, 1, 1)); err != nil {
			t.Fatal(err)
		}
		// Monday to Friday 9:00–15:00.
		var week []worktime.CoreWindow
		for wd := 1; wd <= 5; wd++ {
			week = append(week, worktime.CoreWindow{Weekday: wd, StartMinute: 540, EndMinute: 900})
		}
		if _, err := f.svc.SetCoreHours(ctx, hr, amt, week); err != nil {
			t.Fatal(err)
		}
		// Monday 2 March: 8:00–14:00 (an hour of core time missed).
		if _, err := f.svc.ClockIn(ctx, emp, ""); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(6 * time.Hour)
		if _, err := f.svc.ClockOut(ctx, emp); err != nil {
			t.Fatal(err)
		}
		// Tuesday 3 March: 8:00–16:30, core hours covered.
		f.clock.Advance(18 * time.Hour)
		if _, err := f.svc.ClockIn(ctx, emp, ""); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(8*time.Hour + 30*time.Minute)
		if _, err := f.svc.ClockOut(ctx, emp); err != nil {
			t.Fatal(err)
		}
		// Wednesday nothing (a missing entry, not a core-hours warning);
		// Thursday 5 March it is 9:30 and work started at 9:10: the window is
		// not over, so no warning yet.
		f.clock.Set(time.Date(2026, 3, 5, 9, 10, 0, 0, berlin))
		if _, err := f.svc.ClockIn(ctx, emp, ""); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(20 * time.Minute)
		m, err := f.svc.Month(ctx, emp, emp.UserID, "NW", 2026, time.March)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]int{2: 60}
		for _, day := range m.Days {
			got := 0
			for _, w := range day.Warnings {
				if w.Code == worktime.WarnCoreHoursNotCovered {
					got = w.Minutes
				}
			}
			if got != want[day.Date.Day] {
				t.Errorf("%s: core-hours warning %d minutes; want %d (warnings %+v)", day.Date, got, want[day.Date.Day], day.Warnings)
			}
		}
	})
}
