package worktime_test

import (
	"context"
	"testing"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
)

// TestCapacityMinutes: the work model's target, zero on the statewide
// holidays of the person's Land, zero on approved absences, half on
// approved half days; requested absences and other people do not count.
func TestCapacityMinutes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		hr := f.user(t, "hr", 0, actor.RoleHR)
		emp := f.user(t, "erika", 0, actor.RoleEmployee)
		bav := f.user(t, "sepp", 0, actor.RoleEmployee)
		none := f.user(t, "ohne.modell", 0, actor.RoleEmployee)
		if _, err := d.ExecContext(ctx, "UPDATE users SET state = ? WHERE id = ?", "BY", bav.UserID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, "UPDATE users SET state = ? WHERE id = ?", "NW", emp.UserID); err != nil {
			t.Fatal(err)
		}
		m, err := f.svc.CreateWorkModel(ctx, hr, worktime.NewWorkModel{Name: "Teilzeit", Minutes: days(480, 480, 480, 240, 240)})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []actor.Actor{emp, bav} {
			if _, err := f.svc.AssignWorkModel(ctx, hr, u.UserID, m.ID, civil.D(2026, 1, 1)); err != nil {
				t.Fatal(err)
			}
		}
		absence := func(user int64, from, to, length, status string) {
			t.Helper()
			if _, err := d.ExecContext(ctx, `INSERT INTO absences (user_id, type_id, start_date, end_date, day_length, status, created_at)
				VALUES (?, 'vacation', ?, ?, ?, ?, ?)`, user, from, to, length, status, db.T(start)); err != nil {
				t.Fatal(err)
			}
		}
		absence(emp.UserID, "2026-05-11", "2026-05-12", "full", "approved")    // Mon, Tue
		absence(emp.UserID, "2026-05-13", "2026-05-13", "morning", "approved") // Wed half
		absence(emp.UserID, "2026-05-15", "2026-05-15", "full", "requested")   // Fri: not yet
		absence(emp.UserID, "2026-04-20", "2026-05-04", "full", "approved")    // reaches into the range

		// 4 to 17 May 2026: Thu 14 May is Ascension Day (everywhere).
		got, err := f.svc.CapacityMinutes(ctx, []int64{emp.UserID, bav.UserID, none.UserID, emp.UserID, 999999}, civil.D(2026, 5, 4), civil.D(2026, 5, 17))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("people = %d, want 3 (unknown ids left out)", len(got))
		}
		want := map[civil.Date]int{
			civil.D(2026, 5, 4): 0, civil.D(2026, 5, 5): 480, civil.D(2026, 5, 6): 480, civil.D(2026, 5, 7): 240, civil.D(2026, 5, 8): 240,
			civil.D(2026, 5, 9): 0, civil.D(2026, 5, 10): 0,
			civil.D(2026, 5, 11): 0, civil.D(2026, 5, 12): 0, civil.D(2026, 5, 13): 240, civil.D(2026, 5, 14): 0, civil.D(2026, 5, 15): 240,
			civil.D(2026, 5, 16): 0, civil.D(2026, 5, 17): 0,
		}
		for d, w := range want {
			if got[emp.UserID][d] != w {
				t.Errorf("erika %v: %d, want %d", d, got[emp.UserID][d], w)
			}
		}
		if n := len(got[emp.UserID]); n != 14 {
			t.Errorf("erika: %d days, want 14", n)
		}
		sum := func(m map[civil.Date]int) int {
			s := 0
			for _, v := range m {
				s += v
			}
			return s
		}
		// Sepp: two full weeks minus Ascension Day (Thu, 240).
		if s := sum(got[bav.UserID]); s != 2*1920-240 {
			t.Errorf("sepp: %d minutes, want %d", s, 2*1920-240)
		}
		if s := sum(got[none.UserID]); s != 0 {
			t.Errorf("without a work model: %d minutes, want 0", s)
		}
		// Corpus Christi (4 June 2026) is a holiday in Bayern and NRW, not in Berlin.
		if _, err := d.ExecContext(ctx, "UPDATE users SET state = ? WHERE id = ?", "BE", emp.UserID); err != nil {
			t.Fatal(err)
		}
		june, err := f.svc.CapacityMinutes(ctx, []int64{emp.UserID, bav.UserID}, civil.D(2026, 6, 4), civil.D(2026, 6, 4))
		if err != nil {
			t.Fatal(err)
		}
		if june[emp.UserID][civil.D(2026, 6, 4)] != 240 || june[bav.UserID][civil.D(2026, 6, 4)] != 0 {
			t.Errorf("Fronleichnam: Berlin %d (want 240), Bayern %d (want 0)", june[emp.UserID][civil.D(2026, 6, 4)], june[bav.UserID][civil.D(2026, 6, 4)])
		}
		if _, err := f.svc.CapacityMinutes(ctx, []int64{emp.UserID}, civil.D(2026, 6, 4), civil.D(2026, 6, 3)); err == nil {
			t.Error("reversed range: no error")
		}
		if empty, err := f.svc.CapacityMinutes(ctx, nil, civil.D(2026, 6, 4), civil.D(2026, 6, 4)); err != nil || len(empty) != 0 {
			t.Errorf("no people: %v, %v", empty, err)
		}
	})
}
