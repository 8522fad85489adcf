package worktime_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
)

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("%s: error %v, want code %q", what, err, code)
	}
}

func TestClockInOutAndBreak(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		a := f.user(t, "erika", 0, actor.RoleEmployee)

		st, err := f.svc.Status(ctx, a)
		if err != nil || st.State != worktime.StateOff || st.Entry != nil || st.TodayMinutes != 0 {
			t.Fatalf("initial status = %+v, %v; want off, no entry, 0 minutes", st, err)
		}
		in, err := f.svc.ClockIn(ctx, a, "home")
		if err != nil {
			t.Fatalf("ClockIn: %v", err)
		}
		if in.Location != "home" || in.Revision != 1 || in.Source != worktime.SourceClock || in.End != nil || !in.Start.Equal(start) || in.UserID != a.UserID {
			t.Errorf("ClockIn = %+v; want running home entry from %v, revision 1, source clock", in, start)
		}
		f.clock.Advance(4 * time.Hour)
		st, err = f.svc.Status(ctx, a)
		if err != nil || st.State != worktime.StateWorking || st.Entry == nil || st.Entry.ID != in.ID || st.TodayMinutes != 240 {
			t.Fatalf("status while working = %+v, %v; want working on entry %d, 240 minutes", st, err, in.ID)
		}

		brk, err := f.svc.StartBreak(ctx, a)
		if err != nil {
			t.Fatalf("StartBreak: %v", err)
		}
		if brk.ID != in.ID || brk.Revision != 2 || brk.End == nil || !brk.End.Equal(start.Add(4*time.Hour)) || !brk.EndsWithBreak {
			t.Errorf("StartBreak = %+v; want entry %d revision 2 ending at %v with a break", brk, in.ID, start.Add(4*time.Hour))
		}
		f.clock.Advance(30 * time.Minute)
		st, err = f.svc.Status(ctx, a)
		if err != nil || st.State != worktime.StateOnBreak || st.BreakSince == nil || st.TodayMinutes != 240 {
			t.Fatalf("status on break = %+v, %v; want on_break since break start, 240 minutes", st, err)
		}
		_, err = f.svc.ClockOut(ctx, a)
		wantCode(t, "ClockOut on break", err, "not_clocked_in")

		after, err := f.svc.EndBreak(ctx, a, "")
		if err != nil {
			t.Fatalf("EndBreak: %v", err)
		}
		if after.ID == in.ID || after.Location != "home" || after.Revision != 1 || !after.Start.Equal(start.Add(270*time.Minute)) {
			t.Errorf("EndBreak = %+v; want a new home entry from %v", after, start.Add(270*time.Minute))
		}
		_, err = f.svc.EndBreak(ctx, a, "")
		wantCode(t, "EndBreak while working", err, "already_clocked_in")

		f.clock.Advance(2 * time.Hour)
		out, err := f.svc.ClockOut(ctx, a)
		if err != nil || out.End == nil || out.Revision != 2 || out.EndsWithBreak {
			t.Fatalf("ClockOut = %+v, %v; want revision 2 with an end and no break", out, err)
		}
		_, err = f.svc.EndBreak(ctx, a, "")
		wantCode(t, "EndBreak after clock-out", err, "not_on_break")

		st, err = f.svc.Status(ctx, a)
		if err != nil || st.State != worktime.StateOff || st.TodayMinutes != 360 {
			t.Fatalf("final status = %+v, %v; want off, 360 minutes", st, err)
		}
		day := f.clock.Now().In(f.svc.Location())
		from := civilOf(day)
		list, err := f.svc.ListEntries(ctx, a, a.UserID, from, from)
		if err != nil || len(list) != 2 || list[0].ID != in.ID || list[1].ID != after.ID {
			t.Fatalf("ListEntries = %+v, %v; want entries %d and %d", list, err, in.ID, after.ID)
		}
	})
}

func TestClockRefusals(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		a := f.user(t, "max", 0, actor.RoleEmployee)

		_, err := f.svc.ClockOut(ctx, a)
		wantCode(t, "ClockOut when off", err, "not_clocked_in")
		_, err = f.svc.StartBreak(ctx, a)
		wantCode(t, "StartBreak when off", err, "not_clocked_in")
		_, err = f.svc.EndBreak(ctx, a, "")
		wantCode(t, "EndBreak when off", err, "not_on_break")
		for _, loc := range []string{"garden", "Office", " x "} {
			_, err = f.svc.ClockIn(ctx, a, loc)
			wantCode(t, "ClockIn at "+loc, err, "invalid_location")
		}
		in, err := f.svc.ClockIn(ctx, a, "")
		if err != nil || in.Location != worktime.LocationOffice {
			t.Fatalf("ClockIn without location = %+v, %v; want office", in, err)
		}
		_, err = f.svc.ClockIn(ctx, a, "home")
		wantCode(t, "second ClockIn", err, "already_clocked_in")

		readOnly := a
		readOnly.Via, readOnly.SessionID, readOnly.TokenScope = actor.ViaToken, 0, "read"
		_, err = f.svc.ClockOut(ctx, readOnly)
		wantCode(t, "ClockOut with a read token", err, "token_scope")
		if _, err := f.svc.Status(ctx, readOnly); err != nil {
			t.Errorf("Status with a read token: %v", err)
		}
		_, err = f.svc.ClockIn(ctx, actor.CLI(), "")
		wantCode(t, "ClockIn by the CLI", err, "not_found")

		// A break started yesterday is not pending today.
		if _, err := f.svc.StartBreak(ctx, a); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(20 * time.Hour)
		st, err := f.svc.Status(ctx, a)
		if err != nil || st.State != worktime.StateOff {
			t.Errorf("status the day after a break start = %+v, %v; want off", st, err)
		}
		_, err = f.svc.EndBreak(ctx, a, "")
		wantCode(t, "EndBreak the next day", err, "not_on_break")
	})
}

func TestRevisionsAreAppendOnly(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		a := f.user(t, "jana", 0)
		in, err := f.svc.ClockIn(ctx, a, "mobile")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		if _, err := f.svc.ClockOut(ctx, a); err != nil {
			t.Fatal(err)
		}
		var n int
		var firstEnd db.NullTime
		if err := d.QueryRowContext(ctx, "SELECT count(*) FROM time_entry_revisions WHERE entry_id = ?", in.ID).Scan(&n); err != nil || n != 2 {
			t.Fatalf("revisions of entry %d = %d, %v; want 2", in.ID, n, err)
		}
		if err := d.QueryRowContext(ctx, "SELECT end_at FROM time_entry_revisions WHERE entry_id = ? AND revision = 1", in.ID).Scan(&firstEnd); err != nil || firstEnd.Valid {
			t.Fatalf("revision 1 end = %+v, %v; want still NULL (never overwritten)", firstEnd, err)
		}
		for _, stmt := range []string{
			"UPDATE time_entry_revisions SET location = 'home' WHERE entry_id = ?",
			"DELETE FROM time_entry_revisions WHERE entry_id = ?",
		} {
			err := d.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, stmt, in.ID)
				return err
			})
			if err == nil {
				t.Errorf("%q succeeded; want the database to refuse it", stmt)
			}
		}
	})
}

func TestClockChangesAreAudited(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		a := f.user(t, "paul", 0)
		steps := []func() error{
			func() error { _, err := f.svc.ClockIn(ctx, a, "home"); return err },
			func() error { _, err := f.svc.StartBreak(ctx, a); return err },
			func() error { _, err := f.svc.EndBreak(ctx, a, "office"); return err },
			func() error { _, err := f.svc.ClockOut(ctx, a); return err },
			func() error { _, err := f.svc.ClockOut(ctx, a); return err }, // refused: no record
		}
		for i, step := range steps {
			f.clock.Advance(time.Hour)
			if err := step(); err != nil && i != len(steps)-1 {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		rows, err := db.Query(ctx, d, func(s db.Scanner) ([3]string, error) {
			var r [3]string
			err := s.Scan(&r[0], &r[1], &r[2])
			return r, err
		}, "SELECT action, object_type, actor FROM audit_log ORDER BY seq")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"worktime.clock_in", "worktime.break_start", "worktime.break_end", "worktime.clock_out"}
		if len(rows) != len(want) {
			t.Fatalf("audit records = %v; want actions %v", rows, want)
		}
		for i, r := range rows {
			if r[0] != want[i] || r[1] != "time_entry" || r[2] != "paul" {
				t.Errorf("audit record %d = %v; want %s on time_entry by paul", i, r, want[i])
			}
		}
		res, err := audit.Verify(ctx, d)
		if err != nil || !res.OK || res.Checked != 4 {
			t.Errorf("audit.Verify = %+v, %v; want OK with 4 records", res, err)
		}
	})
}

func TestConcurrentClockInOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		a := f.user(t, "eva", 0)
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = f.svc.ClockIn(ctx, a, "office")
			}()
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !apperr.Is(err, "already_clocked_in"):
				t.Errorf("goroutine %d: %v; want success or already_clocked_in", i, err)
			}
		}
		if ok != 1 {
			t.Errorf("%d of %d concurrent clock-ins succeeded; want exactly 1", ok, n)
		}
		var entries int
		if err := d.QueryRowContext(ctx, "SELECT count(*) FROM time_entries WHERE user_id = ?", a.UserID).Scan(&entries); err != nil || entries != 1 {
			t.Errorf("time entries = %d, %v; want 1", entries, err)
		}
	})
}
