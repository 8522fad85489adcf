package worktime_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
)

// step is one action of a working day, after advancing the clock.
type step struct {
	after  time.Duration
	action string // in, out, break, resume
}

func runDay(t *testing.T, f fixture, svc *worktime.Service, a actor.Actor, steps []step) worktime.Entry {
	t.Helper()
	ctx := context.Background()
	var last worktime.Entry
	var err error
	for i, s := range steps {
		f.clock.Advance(s.after)
		switch s.action {
		case "in":
			last, err = svc.ClockIn(ctx, a, "")
		case "out":
			last, err = svc.ClockOut(ctx, a)
		case "break":
			last, err = svc.StartBreak(ctx, a)
		case "resume":
			last, err = svc.EndBreak(ctx, a, "")
		}
		if err != nil {
			t.Fatalf("step %d (%s): %v", i, s.action, err)
		}
	}
	return last
}

// span is an entry as local "15:04-15:04" with its flags.
func spanOf(e worktime.Entry) string {
	s := e.Start.In(berlin).Format("15:04") + "-" + e.End.In(berlin).Format("15:04")
	if e.Automatic {
		s += " auto"
	}
	return s
}

func dayEntries(t *testing.T, svc *worktime.Service, a actor.Actor) []worktime.Entry {
	t.Helper()
	es, err := svc.ListEntries(context.Background(), a, a.UserID, civil.D(2026, 3, 2), civil.D(2026, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func autoBreakAudits(t *testing.T, d *db.DB) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), d, func(s db.Scanner) (string, error) {
		var detail string
		err := s.Scan(&detail)
		return detail, err
	}, "SELECT detail FROM audit_log WHERE action = ? ORDER BY seq", "worktime.auto_break")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestAutoBreak(t *testing.T) {
	t.Parallel()
	on := worktime.DefaultPolicy()
	on.AutoBreak = true
	tests := []struct {
		name    string
		policy  worktime.Policy
		steps   []step
		want    []string // the day's entries afterwards
		minutes string   // "minutes" in the audit detail; empty: no deduction
	}{
		{name: "6:30 h without a break: 30 minutes in the middle",
			policy: on,
			steps:  []step{{0, "in"}, {6*time.Hour + 30*time.Minute, "out"}},
			want:   []string{"08:00-11:00 auto", "11:30-14:30 auto"}, minutes: `"minutes":30`},
		{name: "9:30 h with 30 minutes: 15 more in the second stretch",
			policy: on,
			steps:  []step{{0, "in"}, {4 * time.Hour, "break"}, {30 * time.Minute, "resume"}, {5*time.Hour + 30*time.Minute, "out"}},
			want:   []string{"08:00-12:00", "12:30-15:07 auto", "15:22-18:00 auto"}, minutes: `"minutes":15`},
		{name: "already compliant",
			policy: on,
			steps:  []step{{0, "in"}, {4 * time.Hour, "break"}, {30 * time.Minute, "resume"}, {3 * time.Hour, "out"}},
			want:   []string{"08:00-12:00", "12:30-15:30"}},
		{name: "short last interval: its start moves, lengthening the break",
			policy: on,
			steps:  []step{{0, "in"}, {6*time.Hour + 30*time.Minute, "break"}, {20 * time.Minute, "resume"}, {16 * time.Minute, "out"}},
			want:   []string{"08:00-14:30", "15:00-15:06 auto"}, minutes: `"minutes":10`},
		{name: "5:50 h needs no break",
			policy: on,
			steps:  []step{{0, "in"}, {5*time.Hour + 50*time.Minute, "out"}},
			want:   []string{"08:00-13:50"}},
		{name: "off by default",
			policy: worktime.DefaultPolicy(),
			steps:  []step{{0, "in"}, {6*time.Hour + 30*time.Minute, "out"}},
			want:   []string{"08:00-14:30"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				f := newFixture(t, d)
				svc := f.svc.WithPolicy(tc.policy)
				a := f.user(t, "erika", 0, actor.RoleEmployee)
				out := runDay(t, f, svc, a, tc.steps)
				es := dayEntries(t, svc, a)
				var got []string
				for _, e := range es {
					got = append(got, spanOf(e))
					if e.Automatic && e.Source != worktime.SourceCorrection {
						t.Errorf("automatic entry %+v has source %q; want correction", e, e.Source)
					}
				}
				if strings.Join(got, ", ") != strings.Join(tc.want, ", ") {
					t.Errorf("entries = %v; want %v", got, tc.want)
				}
				audits := autoBreakAudits(t, d)
				if tc.minutes == "" {
					if len(audits) != 0 || out.Automatic {
						t.Errorf("auto_break audits = %v, clock-out returned %+v; want no deduction", audits, out)
					}
					return
				}
				if len(audits) != 1 || !strings.Contains(strings.ReplaceAll(audits[0], " ", ""), tc.minutes) {
					t.Errorf("auto_break audits = %v; want one with %s", audits, tc.minutes)
				}
				if !out.Automatic || out.Source != worktime.SourceCorrection {
					t.Errorf("clock-out returned %+v; want the automatically corrected entry", out)
				}
				// The engine now finds the break.
				m, err := svc.Month(context.Background(), a, a.UserID, "NW", 2026, time.March)
				if err != nil {
					t.Fatal(err)
				}
				for _, fd := range m.Days[1].Findings {
					if fd.Code == "ARBZG_4_BREAK_TOO_SHORT" {
						t.Errorf("after the deduction the day still has %+v", fd)
					}
				}
			})
		})
	}
}

func TestAutoBreakRevisionHistory(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		on := worktime.DefaultPolicy()
		on.AutoBreak = true
		f := newFixture(t, d)
		svc := f.svc.WithPolicy(on)
		a := f.user(t, "erika", 0, actor.RoleEmployee)
		out := runDay(t, f, svc, a, []step{{0, "in"}, {7 * time.Hour, "out"}})
		type rev struct {
			n         int
			source    string
			reason    string
			automatic bool
		}
		revs, err := db.Query(context.Background(), d, func(s db.Scanner) (rev, error) {
			var r rev
			err := s.Scan(&r.n, &r.source, &r.reason, &r.automatic)
			return r, err
		}, "SELECT revision, source, reason, automatic FROM time_entry_revisions WHERE entry_id = ? ORDER BY revision", out.ID)
		if err != nil {
			t.Fatal(err)
		}
		// clock-in, clock-out, then the automatic correction.
		if len(revs) != 3 || revs[1].source != worktime.SourceClock || revs[1].automatic ||
			revs[2].source != worktime.SourceCorrection || !revs[2].automatic || revs[2].reason != worktime.AutoBreakReason {
			t.Errorf("revisions = %+v; want clock, clock, automatic correction with the reason", revs)
		}
		// Starting a break never deducts anything.
		f.clock.Advance(12 * time.Hour)
		runDay(t, f, svc, a, []step{{0, "in"}, {7 * time.Hour, "break"}})
		if n := len(autoBreakAudits(t, d)); n != 1 {
			t.Errorf("auto_break audits = %d after a break start; want still 1", n)
		}
	})
}
