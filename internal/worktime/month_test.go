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
	"ortlos/internal/holiday"
	"ortlos/internal/worktime"
	"ortlos/internal/worktime/arbzg"
)

// TestMonth clocks a person through the start of April 2026 in
// Nordrhein-Westfalen (Karfreitag 3 April and Ostermontag 6 April are
// statewide holidays) and checks the month view on 7 April at 10:00, with
// an interval running since 08:00.
func TestMonth(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		berlin := f.svc.Location()
		hr := f.user(t, "hr", 0, actor.RoleHR)
		lead := f.user(t, "lead", 0, actor.RoleLead)
		emp := f.user(t, "erika", lead.UserID, actor.RoleEmployee)
		other := f.user(t, "otto", 0, actor.RoleEmployee)

		m, err := f.svc.CreateWorkModel(ctx, hr, worktime.NewWorkModel{Name: "Vollzeit 39 h", Minutes: days(468, 468, 468, 468, 468)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AssignWorkModel(ctx, hr, emp.UserID, m.ID, civil.D(2026, 4, 1)); err != nil {
			t.Fatal(err)
		}

		at := func(day, hour, minute int) { f.clock.Set(time.Date(2026, 4, day, hour, minute, 0, 0, berlin)) }
		do := func(what string, fn func(context.Context, actor.Actor) (worktime.Entry, error)) {
			t.Helper()
			if _, err := fn(ctx, emp); err != nil {
				t.Fatalf("%s at %v: %v", what, f.clock.Now(), err)
			}
		}
		clockIn := func(c context.Context, a actor.Actor) (worktime.Entry, error) { return f.svc.ClockIn(c, a, "") }
		endBreak := func(c context.Context, a actor.Actor) (worktime.Entry, error) { return f.svc.EndBreak(c, a, "") }

		// Tue 31 March 16:00–22:00: outside the month, but only ten hours
		// of rest before 1 April (§ 5).
		at(0, 16, 0) // day 0 of April is 31 March
		do("clock in 31.3.", clockIn)
		at(0, 22, 0)
		do("clock out 31.3.", f.svc.ClockOut)
		// Wed 1 April: 08:00–12:00, break 30 min, 12:30–16:18 = 7:48.
		at(1, 8, 0)
		do("clock in 1.4.", clockIn)
		at(1, 12, 0)
		do("break 1.4.", f.svc.StartBreak)
		at(1, 12, 30)
		do("end break 1.4.", endBreak)
		at(1, 16, 18)
		do("clock out 1.4.", f.svc.ClockOut)
		// Thu 2 April: 08:00–11:00, break 20 min, 11:20–14:40 = 6:20
		// working time with 20 minutes of break where 30 are due.
		at(2, 8, 0)
		do("clock in 2.4.", clockIn)
		at(2, 11, 0)
		do("break 2.4.", f.svc.StartBreak)
		at(2, 11, 20)
		do("end break 2.4.", endBreak)
		at(2, 14, 40)
		do("clock out 2.4.", f.svc.ClockOut)
		// Tue 7 April: running since 08:00, now 10:00.
		at(7, 8, 0)
		do("clock in 7.4.", clockIn)
		at(7, 10, 0)

		v, err := f.svc.Month(ctx, emp, emp.UserID, "NW", 2026, time.April)
		if err != nil {
			t.Fatalf("Month: %v", err)
		}
		if v.Year != 2026 || v.Month != time.April || len(v.Days) != 30 || !v.Running {
			t.Fatalf("Month = year %d month %v, %d days, running %v; want 2026 April, 30 days, running", v.Year, v.Month, len(v.Days), v.Running)
		}
		type want struct {
			target, worked, brk, balance int
			counted, running             bool
			holiday                      string
			codes                        []arbzg.Code
		}
		wants := map[int]want{
			1: {468, 468, 30, 0, true, false, "", []arbzg.Code{arbzg.RestTooShort}},
			2: {468, 380, 20, -88, true, false, "", []arbzg.Code{arbzg.BreakTooShort}},
			3: {0, 0, 0, 0, true, false, "Karfreitag", nil},
			4: {0, 0, 0, 0, true, false, "", nil},
			5: {0, 0, 0, 0, true, false, "", nil},
			6: {0, 0, 0, 0, true, false, "Ostermontag", nil},
			7: {468, 120, 0, -348, true, true, "", nil},
			8: {468, 0, 0, 0, false, false, "", nil},
		}
		for day, w := range wants {
			got := v.Days[day-1]
			var codes []arbzg.Code
			for _, fd := range got.Findings {
				codes = append(codes, fd.Code)
			}
			if got.Date != civil.D(2026, 4, day) || got.TargetMinutes != w.target || got.WorkedMinutes != w.worked || got.BreakMinutes != w.brk ||
				got.BalanceMinutes != w.balance || got.Counted != w.counted || got.Running != w.running || got.HolidayName != w.holiday ||
				len(codes) != len(w.codes) || (len(codes) > 0 && codes[0] != w.codes[0]) {
				t.Errorf("day %d: got %+v (codes %v); want %+v", day, got, codes, w)
			}
			if w.holiday != "" && got.HolidayScope != holiday.Statewide {
				t.Errorf("day %d: holiday scope %q; want statewide", day, got.HolidayScope)
			}
		}
		if f := v.Days[1].Findings; len(f) == 1 && (f[0].RequiredBreakMinutes != 30 || f[0].ActualBreakMinutes != 20 || f[0].Severity != arbzg.Violation) {
			t.Errorf("2 April finding = %+v; want 30 required, 20 actual, violation", f[0])
		}
		// April 2026 has 22 weekdays, two of them holidays: 20 × 468.
		wantTotals := worktime.MonthTotals{TargetMinutes: 9360, TargetToDateMinutes: 1404, WorkedMinutes: 968, BreakMinutes: 50, BalanceMinutes: -436}
		if v.Totals != wantTotals {
			t.Errorf("totals = %+v; want %+v", v.Totals, wantTotals)
		}
		// The findings of 31 March (outside the month) are left out.
		if len(v.Findings) != 2 || v.Findings[0].Code != arbzg.RestTooShort || v.Findings[1].Code != arbzg.BreakTooShort {
			t.Errorf("findings = %+v; want the rest finding of 1 April and the break finding of 2 April", v.Findings)
		}

		// Who may look.
		for _, tt := range []struct {
			name string
			a    actor.Actor
			ok   bool
		}{{"lead", lead, true}, {"hr", hr, true}, {"other employee", other, false}} {
			_, err := f.svc.Month(ctx, tt.a, emp.UserID, "NW", 2026, time.April)
			if tt.ok && err != nil {
				t.Errorf("%s: Month error %v; want success", tt.name, err)
			}
			if !tt.ok && apperr.KindOf(err) != apperr.NotFound {
				t.Errorf("%s: Month error %v; want NotFound", tt.name, err)
			}
		}
		_, err = f.svc.Month(ctx, emp, emp.UserID, "NW", 2026, 13)
		wantCode(t, "month 13", err, "invalid_filter")
		_, err = f.svc.Month(ctx, emp, emp.UserID, "XX", 2026, time.April)
		wantCode(t, "unknown state", err, "unknown_state")
	})
}
