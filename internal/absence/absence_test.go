package absence_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// start is Monday 2 March 2026, 08:00 in Berlin.
var start = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

type fixture struct {
	d     *db.DB
	clock *clock.Fake
	wt    *worktime.Service
	svc   *absence.Service
	model worktime.WorkModel
	// lead supervises emp; hr is the HR office; other is unrelated.
	lead, emp, hr, other actor.Actor
}

func newFixture(t *testing.T, d *db.DB) fixture {
	t.Helper()
	c := clock.NewFake(start)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	wt := worktime.NewService(d, c).WithLocation(berlin)
	f := fixture{d: d, clock: c, wt: wt, svc: absence.NewService(d, c, wt)}
	f.model, err = wt.CreateWorkModel(context.Background(), actor.CLI(), worktime.NewWorkModel{Name: "Vollzeit", Minutes: [7]int{468, 468, 468, 468, 468}})
	if err != nil {
		t.Fatal(err)
	}
	f.lead = f.user(t, "lena", 0, actor.RoleLead, actor.RoleEmployee)
	f.emp = f.user(t, "erika", f.lead.UserID, actor.RoleEmployee)
	f.hr = f.user(t, "hanna", 0, actor.RoleHR)
	f.other = f.user(t, "sven", 0, actor.RoleEmployee)
	return f
}

// user inserts a user (Land NW by default) working full time from 2026 on
// and returns the actor of a full session.
func (f fixture) user(t *testing.T, name string, supervisor int64, roles ...string) actor.Actor {
	t.Helper()
	ctx := context.Background()
	var sup any
	if supervisor != 0 {
		sup = supervisor
	}
	var id int64
	err := f.d.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, "INSERT INTO users (username, display_name, supervisor_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			name, name, sup, db.T(start), db.T(start)).Scan(&id); err != nil {
			return err
		}
		for _, r := range roles {
			if _, err := tx.ExecContext(ctx, "INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)", id, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	if _, err := f.wt.AssignWorkModel(ctx, actor.CLI(), id, f.model.ID, civil.D(2026, 1, 1)); err != nil {
		t.Fatal(err)
	}
	return actor.Actor{UserID: id, Username: name, Roles: roles, Via: actor.ViaSession, SessionID: 1, SourceIP: "192.0.2.1"}
}

func auditCount(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = ?", action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantCode(t *testing.T, what string, err error, kind apperr.Kind, code string) {
	t.Helper()
	if apperr.KindOf(err) != kind || apperr.CodeOf(err) != code {
		t.Errorf("%s: err = %v (kind %v, code %q); want %v %q", what, err, apperr.KindOf(err), apperr.CodeOf(err), kind, code)
	}
}

// Easter 2026: Good Friday 3 April, Easter Monday 6 April.
var easter = absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 30), End: civil.D(2026, 4, 10), Note: "Ostern"}

func TestRequestAndApprove(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		got, err := f.svc.Request(ctx, f.emp, easter)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != absence.StatusRequested || got.UserID != f.emp.UserID || got.TypeID != "vacation" || got.DayLength != absence.DayFull || got.Note != "Ostern" {
			t.Errorf("request = %+v", got)
		}
		// 30 March to 10 April: ten weekdays, two of them holidays in NW.
		if got.WorkingDays != 8 {
			t.Errorf("working days = %v; want 8", got.WorkingDays)
		}
		if n := auditCount(t, d, "absence.request"); n != 1 {
			t.Errorf("absence.request audited %d times", n)
		}

		_, err = f.svc.Approve(ctx, f.emp, got.ID)
		wantCode(t, "approve own", err, apperr.Forbidden, "own_absence")
		_, err = f.svc.Approve(ctx, f.other, got.ID)
		wantCode(t, "approve by stranger", err, apperr.NotFound, "not_found")
		_, err = f.svc.Get(ctx, f.other, got.ID)
		wantCode(t, "get by stranger", err, apperr.NotFound, "not_found")

		todo, err := f.svc.List(ctx, f.lead, absence.Filter{ToDecide: true})
		if err != nil || len(todo) != 1 || todo[0].ID != got.ID {
			t.Fatalf("lead's requests to decide = %+v, %v", todo, err)
		}
		if todo, _ := f.svc.List(ctx, f.emp, absence.Filter{ToDecide: true}); len(todo) != 0 {
			t.Errorf("employee has requests to decide: %+v", todo)
		}

		ok, err := f.svc.Approve(ctx, f.lead, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok.Status != absence.StatusApproved || ok.DecidedBy != f.lead.UserID || ok.DecidedAt == nil || ok.WorkingDays != 8 {
			t.Errorf("approved = %+v", ok)
		}
		_, err = f.svc.Approve(ctx, f.lead, got.ID)
		wantCode(t, "approve twice", err, apperr.Conflict, "absence_not_requested")
		if n := auditCount(t, d, "absence.approve"); n != 1 {
			t.Errorf("absence.approve audited %d times", n)
		}

		// The same person cannot have two absences on a day.
		_, err = f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "training", Start: civil.D(2026, 4, 10), End: civil.D(2026, 4, 14)})
		wantCode(t, "overlap", err, apperr.Conflict, "absence_overlap")

		// Lists: own, the lead's reports, HR everyone; strangers see nothing.
		for _, c := range []struct {
			name string
			a    actor.Actor
			want int
		}{{"own", f.emp, 1}, {"lead", f.lead, 1}, {"hr", f.hr, 1}, {"stranger", f.other, 0}} {
			list, err := f.svc.List(ctx, c.a, absence.Filter{From: civil.D(2026, 1, 1), To: civil.D(2026, 12, 31)})
			if err != nil || len(list) != c.want {
				t.Errorf("%s list = %+v, %v; want %d", c.name, list, err, c.want)
			}
		}
		_, err = f.svc.List(ctx, f.other, absence.Filter{UserID: f.emp.UserID})
		wantCode(t, "stranger lists someone", err, apperr.NotFound, "not_found")
		_, err = f.svc.List(ctx, f.emp, absence.Filter{Status: "maybe"})
		wantCode(t, "bad status", err, apperr.Invalid, "invalid_filter")
		if list, _ := f.svc.List(ctx, f.emp, absence.Filter{From: civil.D(2026, 5, 1)}); len(list) != 0 {
			t.Errorf("list from May = %+v", list)
		}
	})
}

func TestRequestValidation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		if _, err := d.ExecContext(ctx, "UPDATE absence_types SET active = ? WHERE id = ?", false, "special_leave"); err != nil {
			t.Fatal(err)
		}
		day := civil.D(2026, 3, 11) // a Wednesday
		cases := []struct {
			name string
			n    absence.NewAbsence
			kind apperr.Kind
			code string
		}{
			{"unknown type", absence.NewAbsence{TypeID: "holiday", Start: day, End: day}, apperr.Invalid, "unknown_absence_type"},
			{"inactive type", absence.NewAbsence{TypeID: "special_leave", Start: day, End: day}, apperr.Invalid, "unknown_absence_type"},
			{"no start", absence.NewAbsence{TypeID: "vacation", End: day}, apperr.Invalid, "invalid_date"},
			{"end before start", absence.NewAbsence{TypeID: "vacation", Start: day, End: day.AddDays(-1)}, apperr.Invalid, "invalid_range"},
			{"too long", absence.NewAbsence{TypeID: "vacation", Start: day, End: day.AddDays(366)}, apperr.Invalid, "invalid_range"},
			{"bad day length", absence.NewAbsence{TypeID: "vacation", Start: day, End: day, DayLength: "evening"}, apperr.Invalid, "invalid_day_length"},
			{"half of two days", absence.NewAbsence{TypeID: "vacation", Start: day, End: day.AddDays(1), DayLength: "morning"}, apperr.Invalid, "half_day_single"},
			{"weekend", absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 14), End: civil.D(2026, 3, 15)}, apperr.Invalid, "no_working_days"},
			{"holiday", absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 4, 3), End: civil.D(2026, 4, 3)}, apperr.Invalid, "no_working_days"},
			{"long note", absence.NewAbsence{TypeID: "vacation", Start: day, End: day, Note: strings.Repeat("x", 501)}, apperr.Invalid, "absence_note_too_long"},
			{"self as substitute", absence.NewAbsence{TypeID: "vacation", Start: day, End: day, SubstituteID: f.emp.UserID}, apperr.Invalid, "invalid_substitute"},
			{"unknown substitute", absence.NewAbsence{TypeID: "vacation", Start: day, End: day, SubstituteID: 9999}, apperr.Invalid, "invalid_substitute"},
			{"for a stranger", absence.NewAbsence{UserID: f.other.UserID, TypeID: "vacation", Start: day, End: day}, apperr.NotFound, "not_found"},
		}
		for _, c := range cases {
			_, err := f.svc.Request(ctx, f.emp, c.n)
			wantCode(t, c.name, err, c.kind, c.code)
		}
		// A lead sees the report but does not enter absences for them.
		_, err := f.svc.Request(ctx, f.lead, absence.NewAbsence{UserID: f.emp.UserID, TypeID: "vacation", Start: day, End: day})
		wantCode(t, "lead for report", err, apperr.Forbidden, "forbidden")

		// A morning and an afternoon of the same day fit; a second morning does not.
		am, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: day, End: day, DayLength: "morning", SubstituteID: f.other.UserID})
		if err != nil {
			t.Fatal(err)
		}
		if am.WorkingDays != 0.5 || am.SubstituteID != f.other.UserID {
			t.Errorf("half day = %+v; want 0.5 working days with the substitute", am)
		}
		if _, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "flexi_day", Start: day, End: day, DayLength: "noon"}); err != nil {
			t.Errorf("afternoon: %v", err)
		}
		_, err = f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "flexi_day", Start: day, End: day, DayLength: "morning"})
		wantCode(t, "second morning", err, apperr.Conflict, "absence_overlap")
		_, err = f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "training", Start: day.AddDays(-2), End: day})
		wantCode(t, "range over half days", err, apperr.Conflict, "absence_overlap")
	})
}

func TestSicknessAndPrivacy(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		sick, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "sick_certified", Start: civil.D(2026, 3, 2), End: civil.D(2026, 3, 4), Note: "Grippe"})
		if err != nil {
			t.Fatal(err)
		}
		if sick.Status != absence.StatusApproved || sick.WorkingDays != 3 || sick.TypeID != "sick_certified" || sick.Note != "Grippe" {
			t.Errorf("sick note = %+v; want approved at once, 3 days, type and note visible to the person", sick)
		}
		if n := auditCount(t, d, "absence.record"); n != 1 {
			t.Errorf("absence.record audited %d times", n)
		}
		if n := auditCount(t, d, "absence.request"); n != 0 {
			t.Errorf("absence.request audited %d times", n)
		}
		// The lead sees only that the person is absent.
		got, err := f.svc.Get(ctx, f.lead, sick.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.TypeID != absence.TypeAbsent || got.Note != "" || got.WorkingDays != 3 {
			t.Errorf("lead's view = %+v; want type absent without note", got)
		}
		list, err := f.svc.List(ctx, f.lead, absence.Filter{UserID: f.emp.UserID})
		if err != nil || len(list) != 1 || list[0].TypeID != absence.TypeAbsent || list[0].Note != "" {
			t.Errorf("lead's list = %+v, %v", list, err)
		}
		got, err = f.svc.Get(ctx, f.hr, sick.ID)
		if err != nil || got.TypeID != "sick_certified" || got.Note != "Grippe" {
			t.Errorf("HR's view = %+v, %v", got, err)
		}
		// Nothing to decide about a sick note.
		_, err = f.svc.Approve(ctx, f.lead, sick.ID)
		wantCode(t, "approve sick note", err, apperr.Conflict, "absence_not_requested")

		// HR records sickness and leave for someone else, approved at once.
		rec, err := f.svc.Request(ctx, f.hr, absence.NewAbsence{UserID: f.emp.UserID, TypeID: "vacation", Start: civil.D(2026, 3, 9), End: civil.D(2026, 3, 9)})
		if err != nil || rec.Status != absence.StatusApproved || rec.DecidedBy != f.hr.UserID {
			t.Errorf("HR record = %+v, %v; want approved", rec, err)
		}
		// HR's own leave is a request like everyone's.
		own, err := f.svc.Request(ctx, f.hr, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 9), End: civil.D(2026, 3, 9)})
		if err != nil || own.Status != absence.StatusRequested {
			t.Errorf("HR's own request = %+v, %v", own, err)
		}
		_, err = f.svc.Approve(ctx, f.hr, own.ID)
		wantCode(t, "HR approves own", err, apperr.Forbidden, "own_absence")
	})
}

func TestRejectAndCancel(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		req := func(from, to civil.Date) absence.Absence {
			t.Helper()
			a, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: from, End: to})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		a := req(civil.D(2026, 3, 16), civil.D(2026, 3, 17))
		_, err := f.svc.Reject(ctx, f.lead, a.ID, "  ")
		wantCode(t, "reject without note", err, apperr.Invalid, "note_required")
		rej, err := f.svc.Reject(ctx, f.hr, a.ID, "Personalengpass")
		if err != nil || rej.Status != absence.StatusRejected || rej.DecisionNote != "Personalengpass" {
			t.Fatalf("reject = %+v, %v", rej, err)
		}
		_, err = f.svc.Cancel(ctx, f.emp, a.ID)
		wantCode(t, "cancel rejected", err, apperr.Conflict, "absence_not_cancellable")

		// Own request: cancelled; the lead may not.
		b := req(civil.D(2026, 3, 16), civil.D(2026, 3, 17))
		_, err = f.svc.Cancel(ctx, f.lead, b.ID)
		wantCode(t, "lead cancels", err, apperr.Forbidden, "forbidden")
		_, err = f.svc.Cancel(ctx, f.other, b.ID)
		wantCode(t, "stranger cancels", err, apperr.NotFound, "not_found")
		if c, err := f.svc.Cancel(ctx, f.emp, b.ID); err != nil || c.Status != absence.StatusCancelled {
			t.Fatalf("cancel = %+v, %v", c, err)
		}
		// Approved and not started: the person cancels it; started: only HR.
		c := req(civil.D(2026, 3, 16), civil.D(2026, 3, 17))
		if _, err := f.svc.Approve(ctx, f.lead, c.ID); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC))
		_, err = f.svc.Cancel(ctx, f.emp, c.ID)
		wantCode(t, "cancel started", err, apperr.Conflict, "absence_not_cancellable")
		if got, err := f.svc.Cancel(ctx, f.hr, c.ID); err != nil || got.Status != absence.StatusCancelled {
			t.Fatalf("HR cancel = %+v, %v", got, err)
		}
		e := req(civil.D(2026, 3, 23), civil.D(2026, 3, 23))
		if _, err := f.svc.Approve(ctx, f.lead, e.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.Cancel(ctx, f.emp, e.ID); err != nil || got.Status != absence.StatusCancelled {
			t.Fatalf("cancel future = %+v, %v", got, err)
		}
		if n := auditCount(t, d, "absence.cancel"); n != 3 {
			t.Errorf("absence.cancel audited %d times; want 3", n)
		}
		if n := auditCount(t, d, "absence.reject"); n != 1 {
			t.Errorf("absence.reject audited %d times; want 1", n)
		}
		// Cancelled and rejected absences free their days.
		req(civil.D(2026, 3, 16), civil.D(2026, 3, 17))
	})
}

// TestApprovalRecalculatesClosedMonth: leave approved (and cancelled) for
// a month whose working time is already closed changes its frozen
// flexitime figures in the same transaction.
func TestApprovalRecalculatesClosedMonth(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		// Nothing worked in February 2026: 20 working days × 468 missing.
		feb := worktime.YearMonth{Year: 2026, Month: 2}
		if _, err := f.wt.SignMonth(ctx, f.emp, feb); err != nil {
			t.Fatal(err)
		}
		// January is before the month: close it first (months close in order).
		jan := worktime.YearMonth{Year: 2026, Month: 1}
		if _, err := f.wt.SignMonth(ctx, f.emp, jan); err != nil {
			t.Fatal(err)
		}
		if _, err := f.wt.CountersignMonth(ctx, f.lead, f.emp.UserID, jan); err != nil {
			t.Fatal(err)
		}
		st, err := f.wt.CountersignMonth(ctx, f.lead, f.emp.UserID, feb)
		if err != nil {
			t.Fatal(err)
		}
		before := st.AccountMinutes
		// A sick note for 2–6 February (five working days) credits 5 × 468.
		sick, err := f.svc.Request(ctx, f.hr, absence.NewAbsence{UserID: f.emp.UserID, TypeID: "sick", Start: civil.D(2026, 2, 2), End: civil.D(2026, 2, 6)})
		if err != nil {
			t.Fatal(err)
		}
		v, err := f.wt.Month(ctx, f.hr, f.emp.UserID, "", 2026, 2)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status.AccountMinutes != before+5*468 {
			t.Errorf("February account after the sick note = %d, want %d", v.Status.AccountMinutes, before+5*468)
		}
		if _, err := f.svc.Cancel(ctx, f.hr, sick.ID); err != nil {
			t.Fatal(err)
		}
		v, err = f.wt.Month(ctx, f.hr, f.emp.UserID, "", 2026, 2)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status.AccountMinutes != before {
			t.Errorf("February account after cancelling = %d, want %d again", v.Status.AccountMinutes, before)
		}
	})
}

// TestSubstituteConfirmsFirst: a request naming a substitute waits for
// them; the lead decides only after the confirmation; declining rejects.
func TestSubstituteConfirmsFirst(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		sub := f.user(t, "sabine", f.lead.UserID, actor.RoleEmployee)
		req, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 16), End: civil.D(2026, 3, 20), Note: "Ostsee", SubstituteID: sub.UserID})
		if err != nil {
			t.Fatal(err)
		}
		if !req.AwaitsSubstitute() || req.SubstituteConfirmedAt != nil {
			t.Fatalf("request = %+v; want waiting for the substitute", req)
		}
		_, err = f.svc.Approve(ctx, f.lead, req.ID)
		wantCode(t, "approve before confirmation", err, apperr.Conflict, "absence_awaits_substitute")
		_, err = f.svc.Approve(ctx, f.hr, req.ID)
		wantCode(t, "HR approves before confirmation", err, apperr.Conflict, "absence_awaits_substitute")
		if todo, _ := f.svc.List(ctx, f.lead, absence.Filter{ToDecide: true}); len(todo) != 0 {
			t.Errorf("lead's list holds a request waiting for the substitute: %+v", todo)
		}
		conf, err := f.svc.List(ctx, sub, absence.Filter{ToConfirm: true})
		if err != nil || len(conf) != 1 || conf[0].ID != req.ID || conf[0].UserName != "erika" {
			t.Fatalf("substitute's list = %+v, %v", conf, err)
		}
		if todo, _ := f.svc.List(ctx, f.other, absence.Filter{ToConfirm: true}); len(todo) != 0 {
			t.Errorf("stranger has requests to confirm: %+v", todo)
		}
		// The substitute sees the request; others do not answer for them.
		if _, err := f.svc.Get(ctx, sub, req.ID); err != nil {
			t.Errorf("substitute gets the request: %v", err)
		}
		_, err = f.svc.ConfirmSubstitute(ctx, f.lead, req.ID)
		wantCode(t, "lead confirms", err, apperr.Forbidden, "not_substitute")
		_, err = f.svc.ConfirmSubstitute(ctx, f.other, req.ID)
		wantCode(t, "stranger confirms", err, apperr.NotFound, "not_found")
		_, err = f.svc.ConfirmSubstitute(ctx, f.emp, req.ID)
		wantCode(t, "person confirms", err, apperr.Forbidden, "not_substitute")

		ok, err := f.svc.ConfirmSubstitute(ctx, sub, req.ID)
		if err != nil || ok.SubstituteConfirmedAt == nil || ok.Status != absence.StatusRequested || ok.AwaitsSubstitute() {
			t.Fatalf("confirm = %+v, %v", ok, err)
		}
		_, err = f.svc.ConfirmSubstitute(ctx, sub, req.ID)
		wantCode(t, "confirm twice", err, apperr.Conflict, "absence_not_awaiting_substitute")
		if todo, _ := f.svc.List(ctx, f.lead, absence.Filter{ToDecide: true}); len(todo) != 1 {
			t.Errorf("lead's list after confirmation = %+v", todo)
		}
		if got, err := f.svc.Approve(ctx, f.lead, req.ID); err != nil || got.Status != absence.StatusApproved {
			t.Fatalf("approve after confirmation = %+v, %v", got, err)
		}

		// Declining rejects the request with the note.
		second, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 23), End: civil.D(2026, 3, 23), SubstituteID: sub.UserID})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.DeclineSubstitute(ctx, sub, second.ID, " ")
		wantCode(t, "decline without note", err, apperr.Invalid, "note_required")
		dec, err := f.svc.DeclineSubstitute(ctx, sub, second.ID, "Da bin ich selbst auf Dienstreise")
		if err != nil || dec.Status != absence.StatusRejected || dec.DecidedBy != sub.UserID || dec.DecisionNote != "Da bin ich selbst auf Dienstreise" {
			t.Fatalf("decline = %+v, %v", dec, err)
		}
		_, err = f.svc.DeclineSubstitute(ctx, sub, second.ID, "nochmal")
		wantCode(t, "decline twice", err, apperr.Conflict, "absence_not_awaiting_substitute")
		if n := auditCount(t, d, "absence.substitute_confirm"); n != 1 {
			t.Errorf("absence.substitute_confirm audited %d times", n)
		}
		if n := auditCount(t, d, "absence.substitute_decline"); n != 1 {
			t.Errorf("absence.substitute_decline audited %d times", n)
		}
		// A read-only token does not answer.
		third, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 24), End: civil.D(2026, 3, 24), SubstituteID: sub.UserID})
		if err != nil {
			t.Fatal(err)
		}
		ro := sub
		ro.Via, ro.TokenScope = actor.ViaToken, "read"
		_, err = f.svc.ConfirmSubstitute(ctx, ro, third.ID)
		wantCode(t, "read-only token", err, apperr.Forbidden, "token_scope")
	})
}

// TestLeadDeputy: the deputy decides the lead's reports' requests only
// while the lead has an approved absence covering today.
func TestLeadDeputy(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		dep := f.user(t, "dora", 0, actor.RoleEmployee)
		// Only the lead herself or HR name the deputy.
		_, err := f.svc.SetDeputy(ctx, f.emp, f.lead.UserID, dep.UserID)
		wantCode(t, "employee sets lead's deputy", err, apperr.NotFound, "not_found")
		_, err = f.svc.SetDeputy(ctx, f.emp, f.emp.UserID, dep.UserID)
		wantCode(t, "non-lead sets own deputy", err, apperr.NotFound, "not_found")
		_, err = f.svc.SetDeputy(ctx, f.hr, f.emp.UserID, dep.UserID)
		wantCode(t, "HR names a deputy for a non-lead", err, apperr.Invalid, "not_a_lead")
		_, err = f.svc.SetDeputy(ctx, f.lead, f.lead.UserID, f.lead.UserID)
		wantCode(t, "self as deputy", err, apperr.Invalid, "invalid_deputy")
		_, err = f.svc.SetDeputy(ctx, f.lead, f.lead.UserID, 9999)
		wantCode(t, "unknown deputy", err, apperr.Invalid, "invalid_deputy")
		got, err := f.svc.SetDeputy(ctx, f.lead, f.lead.UserID, dep.UserID)
		if err != nil || got.DeputyID != dep.UserID || got.DeputyName != "dora" {
			t.Fatalf("set deputy = %+v, %v", got, err)
		}
		if g, err := f.svc.GetDeputy(ctx, f.hr, f.lead.UserID); err != nil || g.DeputyID != dep.UserID {
			t.Errorf("HR reads deputy = %+v, %v", g, err)
		}

		req, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 16), End: civil.D(2026, 3, 16)})
		if err != nil {
			t.Fatal(err)
		}
		// The lead is not away: the deputy sees nothing.
		_, err = f.svc.Approve(ctx, dep, req.ID)
		wantCode(t, "deputy while lead present", err, apperr.NotFound, "not_found")
		if todo, _ := f.svc.List(ctx, dep, absence.Filter{ToDecide: true}); len(todo) != 0 {
			t.Errorf("deputy's list while the lead is present = %+v", todo)
		}
		// The lead's leave covering today (Monday 2 March), recorded by HR.
		if _, err := f.svc.Request(ctx, f.hr, absence.NewAbsence{UserID: f.lead.UserID, TypeID: "vacation", Start: civil.D(2026, 3, 2), End: civil.D(2026, 3, 6)}); err != nil {
			t.Fatal(err)
		}
		if ok, err := f.svc.IsActingDeputy(ctx, dep); err != nil || !ok {
			t.Errorf("acting deputy = %v, %v", ok, err)
		}
		todo, err := f.svc.List(ctx, dep, absence.Filter{ToDecide: true})
		if err != nil || len(todo) != 1 || todo[0].ID != req.ID {
			t.Fatalf("deputy's list while the lead is away = %+v, %v", todo, err)
		}
		if _, err := f.svc.Get(ctx, dep, req.ID); err != nil {
			t.Errorf("deputy gets the request: %v", err)
		}
		if _, err := f.svc.Approve(ctx, f.other, req.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("stranger approves: %v", err)
		}
		ok, err := f.svc.Approve(ctx, dep, req.ID)
		if err != nil || ok.Status != absence.StatusApproved || ok.DecidedBy != dep.UserID {
			t.Fatalf("deputy approves = %+v, %v", ok, err)
		}
		// After the leave the deputy no longer decides.
		f.clock.Set(time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC))
		later, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 18), End: civil.D(2026, 3, 18)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Reject(ctx, dep, later.ID, "nein")
		wantCode(t, "deputy after the leave", err, apperr.NotFound, "not_found")

		// Removing the deputy is audited too.
		if g, err := f.svc.SetDeputy(ctx, f.hr, f.lead.UserID, 0); err != nil || g.DeputyID != 0 {
			t.Errorf("clear deputy = %+v, %v", g, err)
		}
		if n := auditCount(t, d, "absence.deputy_set"); n != 1 {
			t.Errorf("absence.deputy_set audited %d times", n)
		}
		if n := auditCount(t, d, "absence.deputy_clear"); n != 1 {
			t.Errorf("absence.deputy_clear audited %d times", n)
		}
	})
}

// TestChangeRequest: a change of approved leave is a linked request; its
// approval cancels the original in the same transaction.
func TestChangeRequest(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		orig, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 16), End: civil.D(2026, 3, 20)})
		if err != nil {
			t.Fatal(err)
		}
		change := absence.Change{Start: civil.D(2026, 3, 18), End: civil.D(2026, 3, 24), Note: "eine Woche später"}
		_, err = f.svc.RequestChange(ctx, f.emp, orig.ID, change)
		wantCode(t, "change of a request", err, apperr.Conflict, "absence_not_changeable")
		if _, err := f.svc.Approve(ctx, f.lead, orig.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.RequestChange(ctx, f.lead, orig.ID, change)
		wantCode(t, "lead changes", err, apperr.Forbidden, "forbidden")
		_, err = f.svc.RequestChange(ctx, f.other, orig.ID, change)
		wantCode(t, "stranger changes", err, apperr.NotFound, "not_found")
		_, err = f.svc.RequestChange(ctx, f.emp, orig.ID, absence.Change{Start: civil.D(2026, 3, 21), End: civil.D(2026, 3, 22)})
		wantCode(t, "weekend change", err, apperr.Invalid, "no_working_days")

		// The new range may overlap the original, not other absences.
		ch, err := f.svc.RequestChange(ctx, f.emp, orig.ID, change)
		if err != nil {
			t.Fatal(err)
		}
		if ch.Status != absence.StatusRequested || ch.ReplacesID != orig.ID || ch.TypeID != "vacation" || ch.WorkingDays != 5 {
			t.Errorf("change = %+v", ch)
		}
		_, err = f.svc.RequestChange(ctx, f.emp, orig.ID, change)
		wantCode(t, "second change", err, apperr.Conflict, "absence_change_pending")

		// Rejected: the original stays.
		if _, err := f.svc.Reject(ctx, f.lead, ch.ID, "Da ist Hochbetrieb"); err != nil {
			t.Fatal(err)
		}
		if g, _ := f.svc.Get(ctx, f.emp, orig.ID); g.Status != absence.StatusApproved {
			t.Errorf("original after rejection = %+v", g)
		}
		// Approved: the original is cancelled.
		ch2, err := f.svc.RequestChange(ctx, f.emp, orig.ID, change)
		if err != nil {
			t.Fatal(err)
		}
		ok, err := f.svc.Approve(ctx, f.lead, ch2.ID)
		if err != nil || ok.Status != absence.StatusApproved {
			t.Fatalf("approve change = %+v, %v", ok, err)
		}
		if g, _ := f.svc.Get(ctx, f.emp, orig.ID); g.Status != absence.StatusCancelled {
			t.Errorf("original after approval = %+v; want cancelled", g)
		}
		if n := auditCount(t, d, "absence.change_request"); n != 2 {
			t.Errorf("absence.change_request audited %d times", n)
		}
		if n := auditCount(t, d, "absence.cancel"); n != 1 {
			t.Errorf("absence.cancel audited %d times; want 1 (the replaced original)", n)
		}

		// A change whose original was cancelled meanwhile is stale.
		ch3, err := f.svc.RequestChange(ctx, f.emp, ok.ID, absence.Change{Start: civil.D(2026, 3, 25), End: civil.D(2026, 3, 26)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Cancel(ctx, f.hr, ok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Approve(ctx, f.lead, ch3.ID)
		wantCode(t, "stale change", err, apperr.Conflict, "absence_change_stale")

		// Sick notes are not changed by request.
		sick, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "sick", Start: civil.D(2026, 3, 2), End: civil.D(2026, 3, 2)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.RequestChange(ctx, f.emp, sick.ID, absence.Change{Start: civil.D(2026, 3, 3), End: civil.D(2026, 3, 3)})
		wantCode(t, "change sick note", err, apperr.Conflict, "absence_not_changeable")
	})
}

// TestCancellationRequest: approved leave that has started is cancelled
// only with the lead's approval.
func TestCancellationRequest(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		leave, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 9), End: civil.D(2026, 3, 13)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(ctx, f.lead, leave.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.RequestCancellation(ctx, f.emp, leave.ID)
		wantCode(t, "not started", err, apperr.Conflict, "absence_not_started")
		f.clock.Set(time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC))
		_, err = f.svc.Cancel(ctx, f.emp, leave.ID)
		wantCode(t, "cancel started", err, apperr.Conflict, "absence_not_cancellable")
		_, err = f.svc.RequestCancellation(ctx, f.lead, leave.ID)
		wantCode(t, "lead requests", err, apperr.Forbidden, "forbidden")
		_, err = f.svc.RequestCancellation(ctx, f.other, leave.ID)
		wantCode(t, "stranger requests", err, apperr.NotFound, "not_found")
		got, err := f.svc.RequestCancellation(ctx, f.emp, leave.ID)
		if err != nil || got.CancelRequestedAt == nil || got.Status != absence.StatusApproved {
			t.Fatalf("cancellation request = %+v, %v", got, err)
		}
		_, err = f.svc.RequestCancellation(ctx, f.emp, leave.ID)
		wantCode(t, "twice", err, apperr.Conflict, "absence_cancellation_pending")
		todo, err := f.svc.List(ctx, f.lead, absence.Filter{ToDecide: true})
		if err != nil || len(todo) != 1 || todo[0].ID != leave.ID {
			t.Fatalf("lead's list = %+v, %v", todo, err)
		}
		_, err = f.svc.Approve(ctx, f.emp, leave.ID)
		wantCode(t, "own", err, apperr.Forbidden, "own_absence")
		// Rejected: the leave stays, the request is cleared.
		rej, err := f.svc.Reject(ctx, f.lead, leave.ID, "Urlaub ist schon genommen")
		if err != nil || rej.Status != absence.StatusApproved || rej.CancelRequestedAt != nil || rej.DecisionNote != "Urlaub ist schon genommen" {
			t.Fatalf("reject cancellation = %+v, %v", rej, err)
		}
		// Approved: the leave is cancelled.
		if _, err := f.svc.RequestCancellation(ctx, f.emp, leave.ID); err != nil {
			t.Fatal(err)
		}
		ok, err := f.svc.Approve(ctx, f.lead, leave.ID)
		if err != nil || ok.Status != absence.StatusCancelled {
			t.Fatalf("approve cancellation = %+v, %v", ok, err)
		}
		if todo, _ := f.svc.List(ctx, f.lead, absence.Filter{ToDecide: true}); len(todo) != 0 {
			t.Errorf("lead's list after the decision = %+v", todo)
		}
		if n := auditCount(t, d, "absence.cancellation_request"); n != 2 {
			t.Errorf("absence.cancellation_request audited %d times", n)
		}
		if n := auditCount(t, d, "absence.cancellation_reject"); n != 1 {
			t.Errorf("absence.cancellation_reject audited %d times", n)
		}
		if n := auditCount(t, d, "absence.cancel"); n != 1 {
			t.Errorf("absence.cancel audited %d times", n)
		}
		// Sick notes are not cancelled by request.
		sick, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "sick", Start: civil.D(2026, 3, 9), End: civil.D(2026, 3, 9)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.RequestCancellation(ctx, f.emp, sick.ID)
		wantCode(t, "sick note", err, apperr.Conflict, "absence_not_changeable")
	})
}

// TestColleagues: the substitutes offered in the form are the people
// with the same supervisor, the supervisor and one's own reports.
func TestColleagues(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		peer := f.user(t, "paul", f.lead.UserID, actor.RoleEmployee)
		got, err := f.svc.Colleagues(ctx, f.emp)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		if len(ids) != 2 || !slices.Contains(ids, f.lead.UserID) || !slices.Contains(ids, peer.UserID) {
			t.Errorf("colleagues of erika = %+v; want lena and paul", got)
		}
		if got, err := f.svc.Colleagues(ctx, f.lead); err != nil || len(got) != 2 {
			t.Errorf("colleagues of the lead = %+v, %v; want her two reports", got, err)
		}
		if got, err := f.svc.Colleagues(ctx, f.other); err != nil || len(got) != 0 {
			t.Errorf("colleagues of sven = %+v, %v", got, err)
		}
	})
}

// TestLeadsSeeHealthTypesSetting: where the organisation allows it, a lead
// sees the type of a report's sickness (never the note), in the absence
// itself and in the team calendar; colleagues still see only "absent".
func TestLeadsSeeHealthTypesSetting(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		svc := f.svc.WithLeadsSeeHealthTypes(true)
		sick, err := svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "sick", Start: civil.D(2026, 3, 2), End: civil.D(2026, 3, 2), Note: "Migräne"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := svc.Get(ctx, f.lead, sick.ID)
		if err != nil || got.TypeID != "sick" || got.Note != "" {
			t.Errorf("lead's view with the setting = %+v, %v; want type sick without note", got, err)
		}
		if got, err := f.svc.Get(ctx, f.lead, sick.ID); err != nil || got.TypeID != absence.TypeAbsent {
			t.Errorf("lead's view without the setting = %+v, %v; want absent", got, err)
		}
	})
}
