package worktime_test

import (
	"context"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
	"ortlos/internal/worktime/arbzg"
)

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return l
}()

// at is a local Berlin time on a day of March 2026 (CET).
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 3, day, hour, minute, 0, 0, berlin)
}

func iv(from, to time.Time) arbzg.Interval { return arbzg.Interval{Start: from, End: to} }

func codes(ws []worktime.LiveWarning) []string {
	out := []string{}
	for _, w := range ws {
		out = append(out, w.Code)
	}
	return out
}

func findWarning(ws []worktime.LiveWarning, code string) (worktime.LiveWarning, bool) {
	for _, w := range ws {
		if w.Code == code {
			return w, true
		}
	}
	return worktime.LiveWarning{}, false
}

func TestLiveWarnings(t *testing.T) {
	t.Parallel()
	brk := func(t time.Time) *time.Time { return &t }
	tests := []struct {
		name  string
		in    worktime.LiveInput
		want  []string
		check func(t *testing.T, ws []worktime.LiveWarning)
	}{
		{name: "5 h work: nothing yet",
			in:   worktime.LiveInput{Intervals: []arbzg.Interval{iv(at(3, 8, 0), at(3, 13, 0))}, Now: at(3, 13, 0)},
			want: []string{}},
		{name: "5:40 h without break: break due in 20 minutes",
			in:   worktime.LiveInput{Intervals: []arbzg.Interval{iv(at(3, 8, 0), at(3, 13, 40))}, Now: at(3, 13, 40)},
			want: []string{worktime.WarnBreakDue},
			check: func(t *testing.T, ws []worktime.LiveWarning) {
				w := ws[0]
				if w.BreakRequiredMinutes != 30 || w.BreakTakenMinutes != 0 || w.BreakMissingMinutes != 30 || w.DueInMinutes != 20 {
					t.Errorf("BREAK_DUE = %+v; want 30 required, 0 taken, 30 missing, due in 20", w)
				}
			}},
		{name: "6:10 h without break: overdue",
			in:   worktime.LiveInput{Intervals: []arbzg.Interval{iv(at(3, 8, 0), at(3, 14, 10))}, Now: at(3, 14, 10)},
			want: []string{worktime.WarnBreakDue},
			check: func(t *testing.T, ws []worktime.LiveWarning) {
				if w := ws[0]; w.BreakMissingMinutes != 30 || w.DueInMinutes != 0 {
					t.Errorf("BREAK_DUE = %+v; want 30 missing, due now", w)
				}
			}},
		{name: "6 h with a 30-minute break: nothing",
			in:   worktime.LiveInput{Intervals: []arbzg.Interval{iv(at(3, 8, 0), at(3, 11, 0)), iv(at(3, 11, 30), at(3, 14, 30))}, Now: at(3, 14, 30)},
			want: []string{}},
		{name: "8:40 h with 30 minutes: 15 more due in 20 minutes",
			in:   worktime.LiveInput{Intervals: []arbzg.Interval{iv(at(3, 7, 0), at(3, 11, 0)), iv(at(3, 11, 30), at(3, 16, 10))}, Now: at(3, 16, 10)},
			want: []string{worktime.WarnBreakDue},
			check: func(t *testing.T, ws []worktime.LiveWarning) {
				if w := ws[0]; w.BreakRequiredMinutes != 45 || w.BreakTakenMinutes != 30 || w.BreakMissingMinutes != 15 || w.DueInMinutes != 20 {
					t.Errorf("BREAK_DUE = %+v; want 45 required, 30 taken, 15 missing, due in 20", w)
				}
			}},
		{name: "a gap under 15 minutes is no break",
			in:   worktime.LiveInput{Intervals: []arbzg.Interval{iv(at(3, 8, 0), at(3, 11, 0)), iv(at(3, 11, 10), at(3, 14, 10))}, Now: at(3, 14, 10)},
			want: []string{worktime.WarnBreakDue},
			check: func(t *testing.T, ws []worktime.LiveWarning) {
				if w := ws[0]; w.BreakTakenMinutes != 0 || w.BreakMissingMinutes != 30 {
					t.Errorf("BREAK_DUE = %+v; want 0 taken, 30 missing", w)
				}
			}},
		{name: "on break for 20 minutes: counted, 10 still missing",
			in: worktime.LiveInput{Intervals: []arbzg.Interval{iv(at(3, 8, 0), at(3, 14, 0))}, Now: at(3, 14, 20),
				OnBreakSince: brk(at(3, 14, 0))},
			want: []string{worktime.WarnBreakDue},
			check: func(t *testing.T, ws []worktime.LiveWarning) {
				if w := ws[0]; w.BreakTakenMinutes != 20 || w.BreakMissingMinutes != 10 {
					t.Errorf("BREAK_DUE = %+v; want 20 taken, 10 missing", w)
				}
			}},
		{name: "on break for 10 minutes: not yet a Ruhepause",
			in: worktime.LiveInput{Intervals: []arbzg.Interval{iv(at(3, 8, 0), at(3, 14, 0))}, Now: at(3, 14, 10),
				OnBreakSince: brk(at(3, 14, 0))},
			want: []string{worktime.WarnBreakDue},
			check: func(t *testing.T, ws []worktime.LiveWarning) {
				if w := ws[0]; w.BreakTakenMinutes != 0 || w.BreakMissingMinutes != 30 {
					t.Errorf("BREAK_DUE = %+v; want 0 taken, 30 missing", w)
				}
			}},
		{name: "9:35 h with 45 minutes: ten hours approaching",
			in:   worktime.LiveInput{Intervals: []arbzg.Interval{iv(at(3, 7, 0), at(3, 12, 0)), iv(at(3, 12, 45), at(3, 17, 20))}, Now: at(3, 17, 20)},
			want: []string{worktime.WarnMaxDayApproaching},
			check: func(t *testing.T, ws []worktime.LiveWarning) {
				if w := ws[0]; w.MinutesLeft != 25 {
					t.Errorf("MAX_DAY_APPROACHING = %+v; want 25 minutes left", w)
				}
			}},
		{name: "10:20 h: ten hours exceeded",
			in:   worktime.LiveInput{Intervals: []arbzg.Interval{iv(at(3, 6, 0), at(3, 11, 0)), iv(at(3, 11, 45), at(3, 17, 5))}, Now: at(3, 17, 5)},
			want: []string{worktime.WarnMaxDayExceeded},
			check: func(t *testing.T, ws []worktime.LiveWarning) {
				if w := ws[0]; w.WorkingMinutes != 620 || w.ExcessMinutes != 20 {
					t.Errorf("MAX_DAY_EXCEEDED = %+v; want 620 working, 20 excess", w)
				}
			}},
		{name: "rest of 10 hours since yesterday's end",
			in:   worktime.LiveInput{Intervals: []arbzg.Interval{iv(at(2, 14, 0), at(2, 22, 0)), iv(at(3, 8, 0), at(3, 9, 0))}, Now: at(3, 9, 0)},
			want: []string{worktime.WarnRestTooShort},
			check: func(t *testing.T, ws []worktime.LiveWarning) {
				if w := ws[0]; w.RestMinutes != 600 || w.DeficitMinutes != 60 {
					t.Errorf("REST_TOO_SHORT = %+v; want 600 rest, 60 deficit", w)
				}
			}},
		{name: "rest of 11 hours is enough",
			in:   worktime.LiveInput{Intervals: []arbzg.Interval{iv(at(2, 14, 0), at(2, 21, 0)), iv(at(3, 8, 0), at(3, 9, 0))}, Now: at(3, 9, 0)},
			want: []string{}},
		{name: "work on a Sunday",
			in:   worktime.LiveInput{Intervals: []arbzg.Interval{iv(at(1, 10, 0), at(1, 11, 0))}, Now: at(1, 11, 0), State: "NW"},
			want: []string{worktime.WarnSundayHolidayWork},
			check: func(t *testing.T, ws []worktime.LiveWarning) {
				if w := ws[0]; w.DayType != "sunday" || w.HolidayName != "" {
					t.Errorf("SUNDAY_HOLIDAY_WORK = %+v; want sunday", w)
				}
			}},
		{name: "work on a holiday (Karfreitag)",
			in: worktime.LiveInput{Intervals: []arbzg.Interval{iv(time.Date(2026, 4, 3, 9, 0, 0, 0, berlin), time.Date(2026, 4, 3, 10, 0, 0, 0, berlin))},
				Now: time.Date(2026, 4, 3, 10, 0, 0, 0, berlin), State: "NW"},
			want: []string{worktime.WarnSundayHolidayWork},
			check: func(t *testing.T, ws []worktime.LiveWarning) {
				if w := ws[0]; w.DayType != "holiday" || w.HolidayName != "Karfreitag" {
					t.Errorf("SUNDAY_HOLIDAY_WORK = %+v; want holiday Karfreitag", w)
				}
			}},
		{name: "without a Land holidays are unknown",
			in: worktime.LiveInput{Intervals: []arbzg.Interval{iv(time.Date(2026, 4, 3, 9, 0, 0, 0, berlin), time.Date(2026, 4, 3, 10, 0, 0, 0, berlin))},
				Now: time.Date(2026, 4, 3, 10, 0, 0, 0, berlin)},
			want: []string{}},
		{name: "a shift that ended three hours ago is over",
			in:   worktime.LiveInput{Intervals: []arbzg.Interval{iv(at(3, 8, 0), at(3, 14, 30))}, Now: at(3, 17, 30)},
			want: []string{}},
		{name: "no intervals",
			in:   worktime.LiveInput{Now: at(3, 9, 0)},
			want: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Location = berlin
			ws := worktime.LiveWarnings(tc.in)
			got := codes(ws)
			if len(got) != len(tc.want) {
				t.Fatalf("warnings %v (%+v); want %v", got, ws, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("warnings %v; want %v", got, tc.want)
				}
			}
			if tc.check != nil {
				tc.check(t, ws)
			}
		})
	}
}

func TestStatusWarnings(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		a := f.user(t, "erika", 0, actor.RoleEmployee)
		st, err := f.svc.StatusFor(ctx, a, "NW")
		if err != nil || st.Warnings == nil || len(st.Warnings) != 0 {
			t.Fatalf("status off = %+v, %v; want an empty warning list", st, err)
		}
		if _, err := f.svc.ClockIn(ctx, a, ""); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(5*time.Hour + 45*time.Minute)
		st, err = f.svc.StatusFor(ctx, a, "NW")
		if err != nil {
			t.Fatal(err)
		}
		w, ok := findWarning(st.Warnings, worktime.WarnBreakDue)
		if !ok || w.BreakMissingMinutes != 30 || w.DueInMinutes != 15 {
			t.Fatalf("warnings after 5:45 h = %+v; want BREAK_DUE 30 missing, due in 15", st.Warnings)
		}
		if _, err := f.svc.StartBreak(ctx, a); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(30 * time.Minute)
		st, err = f.svc.StatusFor(ctx, a, "NW")
		if err != nil || st.State != worktime.StateOnBreak || len(st.Warnings) != 0 {
			t.Fatalf("status after a 30-minute break = %+v, %v; want on break without warnings", st, err)
		}
		if _, err := f.svc.ClockOut(ctx, a); err == nil {
			t.Fatal("clock-out on break succeeded")
		}
	})
}
