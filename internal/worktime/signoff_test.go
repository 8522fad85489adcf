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

// TestSignOffAndFlexitime walks a person through two monthly closings in
// Nordrhein-Westfalen with small caps: March 2026 ends with a credit above
// the cap (part of it is forfeited), April with a debit; months close in
// order and reopen only from the latest.
func TestSignOffAndFlexitime(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		p := worktime.DefaultPolicy()
		p.FlexitimeMaxPlusMinutes, p.FlexitimeYearCarryoverMinutes, p.FlexitimeMaxMinusMinutes = 600, 300, 100
		svc := f.svc.WithPolicy(p)
		berlin := svc.Location()
		hr := f.user(t, "hr", 0, actor.RoleHR)
		lead := f.user(t, "lead", 0, actor.RoleLead)
		emp := f.user(t, "erika", lead.UserID, actor.RoleEmployee)
		stranger := f.user(t, "otto", 0, actor.RoleLead)

		// One hour on Mondays from 1 March 2026.
		m, err := svc.CreateWorkModel(ctx, hr, worktime.NewWorkModel{Name: "Montags", Minutes: days(60)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AssignWorkModel(ctx, hr, emp.UserID, m.ID, civil.D(2026, 3, 1)); err != nil {
			t.Fatal(err)
		}
		work := func(month time.Month, day, from, to int) {
			t.Helper()
			f.clock.Set(time.Date(2026, month, day, from, 0, 0, 0, berlin))
			if _, err := svc.ClockIn(ctx, emp, "home"); err != nil {
				t.Fatal(err)
			}
			f.clock.Set(time.Date(2026, month, day, to, 0, 0, 0, berlin))
			if _, err := svc.ClockOut(ctx, emp); err != nil {
				t.Fatal(err)
			}
		}
		march, april, may := worktime.YearMonth{Year: 2026, Month: 3}, worktime.YearMonth{Year: 2026, Month: 4}, worktime.YearMonth{Year: 2026, Month: 5}

		// March: target 5 Mondays × 60 = 300; worked 2 × 600 = 1200.
		work(3, 2, 8, 18)
		work(3, 3, 8, 18)
		_, err = svc.SignMonth(ctx, emp, march)
		wantCode(t, "sign a running month", err, "month_not_over")

		f.clock.Set(time.Date(2026, 4, 2, 9, 0, 0, 0, berlin))
		if _, err := svc.ClockIn(ctx, emp, ""); err != nil {
			t.Fatal(err)
		}
		_, err = svc.SignMonth(ctx, emp, march)
		if err != nil {
			t.Fatalf("sign March with an April interval running: %v", err)
		}
		f.clock.Set(time.Date(2026, 4, 2, 10, 0, 0, 0, berlin))
		if _, err := svc.ClockOut(ctx, emp); err != nil {
			t.Fatal(err)
		}
		_, err = svc.SignMonth(ctx, emp, march)
		wantCode(t, "sign twice", err, "month_already_signed")

		_, err = svc.CountersignMonth(ctx, emp, emp.UserID, march)
		wantCode(t, "countersign own month", err, "forbidden")
		_, err = svc.CountersignMonth(ctx, stranger, emp.UserID, march)
		wantCode(t, "countersign as a stranger", err, "not_found")
		_, err = svc.CountersignMonth(ctx, lead, emp.UserID, april)
		wantCode(t, "countersign an unsigned month", err, "month_not_signed")

		st, err := svc.CountersignMonth(ctx, lead, emp.UserID, march)
		if err != nil {
			t.Fatal(err)
		}
		if st.TargetMinutes != 300 || st.WorkedMinutes != 1200 || st.BalanceMinutes != 900 || st.ForfeitedMinutes != 300 || st.AccountMinutes != 600 {
			t.Errorf("March closing = %+v; want target 300, worked 1200, balance 900, forfeited 300, account 600", st)
		}
		_, err = svc.CountersignMonth(ctx, lead, emp.UserID, march)
		wantCode(t, "countersign twice", err, "month_already_closed")

		// April: Mondays 13, 20, 27 (Ostermontag 6 April is a holiday) = 180;
		// worked 1 h on 2 April → balance −120.
		f.clock.Set(time.Date(2026, 5, 5, 12, 0, 0, 0, berlin))
		v, err := svc.Month(ctx, lead, emp.UserID, "", 2026, 4)
		if err != nil {
			t.Fatal(err)
		}
		fl := v.Flexitime
		if !fl.Active || fl.Closed || fl.OpeningMinutes != 600 || fl.BalanceMinutes != -120 || fl.ClosingMinutes != 480 || fl.BelowMinimum {
			t.Errorf("April flexitime = %+v; want open, opening 600, balance -120, closing 480", fl)
		}
		v, err = svc.Month(ctx, emp, emp.UserID, "", 2026, 3)
		if err != nil {
			t.Fatal(err)
		}
		if fl := v.Flexitime; !fl.Closed || fl.OpeningMinutes != 0 || fl.ForfeitedMinutes != 300 || fl.ClosingMinutes != 600 || !v.Status.Signed() {
			t.Errorf("March flexitime = %+v, status %+v; want closed 0 → 600 with 300 forfeited", fl, v.Status)
		}
		v, err = svc.Month(ctx, emp, emp.UserID, "", 2026, 5)
		if err != nil {
			t.Fatal(err)
		}
		if v.Flexitime.OpeningMinutes != 480 {
			t.Errorf("May opening = %d, want 480 (March closed 600, April open −120)", v.Flexitime.OpeningMinutes)
		}

		// May closes only after April.
		f.clock.Set(time.Date(2026, 6, 1, 8, 0, 0, 0, berlin))
		for _, m := range []worktime.YearMonth{april, may} {
			if _, err := svc.SignMonth(ctx, emp, m); err != nil {
				t.Fatal(err)
			}
		}
		_, err = svc.CountersignMonth(ctx, lead, emp.UserID, may)
		wantCode(t, "countersign May before April", err, "previous_month_open")

		// The lead returns April to the employee; it is then open again.
		_, err = svc.ReopenMonth(ctx, lead, emp.UserID, april, " ")
		wantCode(t, "reopen without reason", err, "reopen_reason_required")
		if _, err := svc.ReopenMonth(ctx, lead, emp.UserID, april, "Dienstreise fehlt"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SignMonth(ctx, emp, april); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CountersignMonth(ctx, hr, emp.UserID, april); err != nil {
			t.Fatal(err)
		}
		st, err = svc.CountersignMonth(ctx, lead, emp.UserID, may)
		if err != nil {
			t.Fatal(err)
		}
		// May: Mondays 4, 11, 18 (25 May is Pfingstmontag) = 180, nothing
		// worked → 480 − 180 = 300.
		if st.AccountMinutes != 300 || st.BalanceMinutes != -180 {
			t.Errorf("May closing = %+v; want balance -180, account 300", st)
		}

		// A lead cannot reopen a closed month; HR can, the latest only.
		_, err = svc.ReopenMonth(ctx, lead, emp.UserID, may, "Fehler")
		wantCode(t, "lead reopens a closed month", err, "forbidden")
		_, err = svc.ReopenMonth(ctx, hr, emp.UserID, april, "Fehler")
		wantCode(t, "reopen before a closed month", err, "later_month_closed")
		if _, err := svc.ReopenMonth(ctx, hr, emp.UserID, may, "Fehler im Mai"); err != nil {
			t.Fatal(err)
		}
		v, err = svc.Month(ctx, hr, emp.UserID, "", 2026, 5)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status.Signed() || v.Flexitime.Closed || v.Flexitime.ClosingMinutes != 300 {
			t.Errorf("reopened May: status %+v, flexitime %+v; want open with a provisional 300", v.Status, v.Flexitime)
		}
	})
}

func TestParseYearMonth(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"2026-1", "26-01", "2026-13", "2026-00", "2026/01", "", "abcd-ef"} {
		if _, err := worktime.ParseYearMonth(s); err == nil {
			t.Errorf("ParseYearMonth(%q) accepted", s)
		}
	}
	m, err := worktime.ParseYearMonth("2026-12")
	if err != nil || m.String() != "2026-12" || m.Next().String() != "2027-01" || m.Prev().String() != "2026-11" || m.Last() != civil.D(2026, 12, 31) {
		t.Errorf("ParseYearMonth(2026-12) = %v, %v", m, err)
	}
}

// TestApprovedCorrectionRecalculatesClosedMonth: a correction of a closed
// month goes through the lead; once approved, the frozen figures of the
// month follow, and the team view counted the request while it waited.
func TestApprovedCorrectionRecalculatesClosedMonth(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		svc := f.svc
		berlin := svc.Location()
		hr := f.user(t, "hr", 0, actor.RoleHR)
		lead := f.user(t, "lead", 0, actor.RoleLead)
		emp := f.user(t, "erika", lead.UserID, actor.RoleEmployee)
		m, err := svc.CreateWorkModel(ctx, hr, worktime.NewWorkModel{Name: "Montags", Minutes: days(60)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AssignWorkModel(ctx, hr, emp.UserID, m.ID, civil.D(2026, 3, 1)); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(time.Date(2026, 3, 2, 8, 0, 0, 0, berlin))
		if _, err := svc.ClockIn(ctx, emp, ""); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, berlin))
		if _, err := svc.ClockOut(ctx, emp); err != nil {
			t.Fatal(err)
		}
		march := worktime.YearMonth{Year: 2026, Month: 3}
		f.clock.Set(time.Date(2026, 4, 1, 9, 0, 0, 0, berlin))
		if _, err := svc.SignMonth(ctx, emp, march); err != nil {
			t.Fatal(err)
		}
		st, err := svc.CountersignMonth(ctx, lead, emp.UserID, march)
		if err != nil {
			t.Fatal(err)
		}
		if st.AccountMinutes != -180 {
			t.Fatalf("March account = %d, want -180 (120 worked, 300 target)", st.AccountMinutes)
		}

		// The forgotten Monday 9 March, 08:00–11:00: a request, because the
		// month is signed (and more than a week ago).
		start := time.Date(2026, 3, 9, 8, 0, 0, 0, berlin)
		end := start.Add(3 * time.Hour)
		res, err := svc.CreateEntry(ctx, emp, emp.UserID, worktime.EntryChange{Start: start, End: &end, Location: "home", Reason: "Vergessen"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Request == nil {
			t.Fatalf("a change of a closed month was applied directly: %+v", res)
		}
		team, err := svc.Team(ctx, lead, 0, 2026, time.March)
		if err != nil {
			t.Fatal(err)
		}
		if len(team) != 1 || team[0].PendingCorrections != 1 {
			t.Errorf("team = %+v; want erika with one pending correction", team)
		}
		if _, _, err := svc.ApproveCorrection(ctx, lead, res.Request.ID); err != nil {
			t.Fatal(err)
		}
		v, err := svc.Month(ctx, emp, emp.UserID, "", 2026, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Status.Closed() || v.Status.WorkedMinutes != 300 || v.Status.AccountMinutes != 0 || v.Flexitime.ClosingMinutes != 0 {
			t.Errorf("March after the approved correction: status %+v, flexitime %+v; want closed, 300 worked, account 0", v.Status, v.Flexitime)
		}
		var n int
		if err := d.QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = ?", "worktime.month_recalculate").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%d month_recalculate audit records, want 1", n)
		}
	})
}

// TestAbsencesCreditTheTarget: approved leave credits the day's target
// (half of it for half a day), a Gleittag draws from the flexitime
// account, requested leave does nothing, and absent days are no missing
// entries in the team view.
func TestAbsencesCreditTheTarget(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		hr := f.user(t, "hr", 0, actor.RoleHR)
		lead := f.user(t, "lead", 0, actor.RoleLead)
		emp := f.user(t, "erika", lead.UserID, actor.RoleEmployee)
		m, err := f.svc.CreateWorkModel(ctx, hr, worktime.NewWorkModel{Name: "Vollzeit", Minutes: days(480, 480, 480, 480, 480)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AssignWorkModel(ctx, hr, emp.UserID, m.ID, civil.D(2026, 3, 1)); err != nil {
			t.Fatal(err)
		}
		absence := func(typ, from, to, length, status string) {
			t.Helper()
			if _, err := d.ExecContext(ctx, `INSERT INTO absences (user_id, type_id, start_date, end_date, day_length, status, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, emp.UserID, typ, from, to, length, status, db.T(start)); err != nil {
				t.Fatal(err)
			}
		}
		absence("vacation", "2026-03-09", "2026-03-13", "full", "approved")    // Mon–Fri: 5 × 480 credited
		absence("vacation", "2026-03-16", "2026-03-16", "morning", "approved") // half a day: 240
		absence("flexi_day", "2026-03-17", "2026-03-17", "full", "approved")   // Gleittag: no credit
		absence("vacation", "2026-03-18", "2026-03-18", "full", "requested")   // not approved: nothing
		f.clock.Set(time.Date(2026, 3, 18, 23, 0, 0, 0, f.svc.Location()))

		v, err := f.svc.Month(ctx, lead, emp.UserID, "", 2026, 3)
		if err != nil {
			t.Fatal(err)
		}
		day := func(n int) worktime.MonthDay { return v.Days[n-1] }
		if a := day(9).Absence; a == nil || a.TypeID != "vacation" || a.NameDE != "Erholungsurlaub" || day(9).CreditMinutes != 480 || day(9).BalanceMinutes != 0 {
			t.Errorf("9 March = %+v; want vacation crediting 480, balance 0", day(9))
		}
		if a := day(16).Absence; a == nil || !a.Half || day(16).CreditMinutes != 240 || day(16).BalanceMinutes != -240 {
			t.Errorf("16 March = %+v; want half a day of vacation crediting 240", day(16))
		}
		if a := day(17).Absence; a == nil || a.TypeID != "flexi_day" || day(17).CreditMinutes != 0 || day(17).BalanceMinutes != -480 {
			t.Errorf("17 March = %+v; want a Gleittag drawing 480 from the account", day(17))
		}
		if day(18).Absence != nil {
			t.Errorf("18 March (requested only) = %+v; want no absence", day(18))
		}
		if v.Totals.CreditMinutes != 5*480+240 {
			t.Errorf("credited %d minutes, want %d", v.Totals.CreditMinutes, 5*480+240)
		}
		team, err := f.svc.Team(ctx, lead, 0, 2026, time.March)
		if err != nil {
			t.Fatal(err)
		}
		var missing []string
		for _, d := range team[0].MissingDays {
			missing = append(missing, d.String())
		}
		// 2–6 March are past working days without work or absence; 18
		// March is today and does not count yet.
		if got := strings.Join(missing, ","); got != "2026-03-02,2026-03-03,2026-03-04,2026-03-05,2026-03-06" {
			t.Errorf("missing days = %s; want the first week only", got)
		}
		rep, err := f.svc.ComplianceReport(ctx, hr, 0, false, 2026, time.March)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range rep.People {
			if p.Person.ID == emp.UserID && (p.Days[8].AbsenceType != "vacation" || p.Days[16].AbsenceType != "flexi_day" || p.Totals.BalanceMinutes != v.Totals.BalanceMinutes) {
				t.Errorf("report of erika: 9 March %q, 17 March %q, balance %d; want vacation, flexi_day and the month view's %d",
					p.Days[8].AbsenceType, p.Days[16].AbsenceType, p.Totals.BalanceMinutes, v.Totals.BalanceMinutes)
			}
		}
	})
}

// TestClockInDuringLeaveWarns: working on a day of approved leave shows
// the ABSENCE_TODAY live warning.
func TestClockInDuringLeaveWarns(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		emp := f.user(t, "erika", 0, actor.RoleEmployee)
		if _, err := d.ExecContext(ctx, `INSERT INTO absences (user_id, type_id, start_date, end_date, status, created_at)
			VALUES (?, 'vacation', '2026-03-02', '2026-03-06', 'approved', ?)`, emp.UserID, db.T(start)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ClockIn(ctx, emp, ""); err != nil {
			t.Fatal(err)
		}
		st, err := f.svc.Status(ctx, emp)
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, w := range st.Warnings {
			found = found || w.Code == worktime.WarnAbsenceToday && w.AbsenceType == "vacation"
		}
		if !found {
			t.Errorf("warnings = %+v; want ABSENCE_TODAY for vacation", st.Warnings)
		}
	})
}

// TestAbsenceChangedRecalculatesClosedMonth: an absence approved for a
// closed month changes its frozen figures through AbsenceChanged.
func TestAbsenceChangedRecalculatesClosedMonth(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		hr := f.user(t, "hr", 0, actor.RoleHR)
		lead := f.user(t, "lead", 0, actor.RoleLead)
		emp := f.user(t, "erika", lead.UserID, actor.RoleEmployee)
		m, err := f.svc.CreateWorkModel(ctx, hr, worktime.NewWorkModel{Name: "Montags", Minutes: days(60)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AssignWorkModel(ctx, hr, emp.UserID, m.ID, civil.D(2026, 3, 1)); err != nil {
			t.Fatal(err)
		}
		march := worktime.YearMonth{Year: 2026, Month: 3}
		f.clock.Set(time.Date(2026, 4, 1, 9, 0, 0, 0, f.svc.Location()))
		if _, err := f.svc.SignMonth(ctx, emp, march); err != nil {
			t.Fatal(err)
		}
		if st, err := f.svc.CountersignMonth(ctx, lead, emp.UserID, march); err != nil || st.AccountMinutes != -300 {
			t.Fatalf("March closing = %+v, %v; want account -300", st, err)
		}
		err = d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO absences (user_id, type_id, start_date, end_date, status, created_at)
				VALUES (?, 'vacation', '2026-03-09', '2026-03-20', 'approved', ?)`, emp.UserID, db.T(start)); err != nil {
				return err
			}
			events, err := f.svc.AbsenceChanged(ctx, tx, emp.UserID, civil.D(2026, 3, 9), civil.D(2026, 3, 20))
			if err == nil && len(events) != 1 {
				t.Errorf("%d recalculation events, want 1", len(events))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		v, err := f.svc.Month(ctx, emp, emp.UserID, "", 2026, 3)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status.AccountMinutes != -180 || v.Flexitime.ClosingMinutes != -180 {
			t.Errorf("March after two Mondays of leave: status %+v; want account -180", v.Status)
		}
	})
}
