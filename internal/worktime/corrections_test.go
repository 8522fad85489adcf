package worktime_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
)

// berlinAt is hh:mm Berlin time (CET in March 2026) on day of March 2026.
func berlinAt(day, hh, mm int) time.Time {
	return time.Date(2026, 3, day, hh, mm, 0, 0, time.UTC).Add(-time.Hour)
}

func tp(t time.Time) *time.Time { return &t }

func auditCount(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = ?", action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func revisionCount(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), "SELECT count(*) FROM time_entry_revisions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestManualEntryCorrectionAndHistory(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.clock.Set(berlinAt(5, 10, 0)) // Thursday
		a := f.user(t, "erika", 0, actor.RoleEmployee)

		res, err := f.svc.CreateEntry(ctx, a, a.UserID, worktime.EntryChange{Start: berlinAt(4, 8, 0), End: tp(berlinAt(4, 12, 0)), Location: "home", Reason: "Stempeln vergessen"})
		if err != nil || res.Entry == nil || res.Request != nil {
			t.Fatalf("CreateEntry = %+v, %v; want an applied entry", res, err)
		}
		e := *res.Entry
		if e.Source != worktime.SourceManual || e.Revision != 1 || e.Location != "home" || !e.Start.Equal(berlinAt(4, 8, 0)) {
			t.Errorf("manual entry = %+v; want revision 1, source manual, home, from 08:00", e)
		}

		bad := []struct {
			name string
			ch   worktime.EntryChange
			code string
		}{
			{"no reason", worktime.EntryChange{Start: berlinAt(3, 8, 0), End: tp(berlinAt(3, 9, 0)), Reason: "  "}, "reason_required"},
			{"long reason", worktime.EntryChange{Start: berlinAt(3, 8, 0), End: tp(berlinAt(3, 9, 0)), Reason: strings.Repeat("ä", 501)}, "reason_required"},
			{"no end", worktime.EntryChange{Start: berlinAt(3, 8, 0), Reason: "x"}, "entry_end_required"},
			{"no start", worktime.EntryChange{End: tp(berlinAt(3, 8, 0)), Reason: "x"}, "entry_start_required"},
			{"end before start", worktime.EntryChange{Start: berlinAt(3, 9, 0), End: tp(berlinAt(3, 8, 0)), Reason: "x"}, "entry_end_before_start"},
			{"empty interval", worktime.EntryChange{Start: berlinAt(3, 9, 0), End: tp(berlinAt(3, 9, 0)), Reason: "x"}, "entry_end_before_start"},
			{"over 24 h", worktime.EntryChange{Start: berlinAt(2, 8, 0), End: tp(berlinAt(3, 8, 1)), Reason: "x"}, "entry_too_long"},
			{"future", worktime.EntryChange{Start: berlinAt(5, 9, 0), End: tp(berlinAt(5, 11, 0)), Reason: "x"}, "entry_in_future"},
			{"location", worktime.EntryChange{Start: berlinAt(3, 8, 0), End: tp(berlinAt(3, 9, 0)), Location: "garden", Reason: "x"}, "invalid_location"},
			{"overlap", worktime.EntryChange{Start: berlinAt(4, 11, 0), End: tp(berlinAt(4, 13, 0)), Reason: "x"}, "entry_overlap"},
		}
		before := revisionCount(t, d)
		for _, tt := range bad {
			_, err := f.svc.CreateEntry(ctx, a, a.UserID, tt.ch)
			wantCode(t, tt.name, err, tt.code)
		}
		if got := revisionCount(t, d); got != before {
			t.Errorf("refused changes wrote revisions: %d, want %d", got, before)
		}
		if _, err := f.svc.CreateEntry(ctx, a, a.UserID, worktime.EntryChange{Start: berlinAt(4, 12, 0), End: tp(berlinAt(4, 13, 0)), Reason: "angrenzend"}); err != nil {
			t.Errorf("touching entry refused: %v", err)
		}

		res, err = f.svc.CorrectEntry(ctx, a, e.ID, worktime.EntryChange{Start: berlinAt(4, 8, 30), End: tp(berlinAt(4, 12, 0)), Reason: "Beginn war 8:30", Revision: 1})
		if err != nil || res.Entry == nil || res.Entry.Revision != 2 || res.Entry.Source != worktime.SourceCorrection || res.Entry.Location != "home" {
			t.Fatalf("CorrectEntry = %+v, %v; want revision 2, source correction, location kept", res, err)
		}
		_, err = f.svc.CorrectEntry(ctx, a, e.ID, worktime.EntryChange{Start: berlinAt(4, 8, 0), End: tp(berlinAt(4, 12, 0)), Reason: "alt", Revision: 1})
		wantCode(t, "stale revision", err, "revision_conflict")
		if apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("stale revision: kind %v, want Conflict", apperr.KindOf(err))
		}
		res, err = f.svc.DeleteEntry(ctx, a, e.ID, "doppelt erfasst", 2)
		if err != nil || res.Entry == nil || res.Entry.Revision != 3 {
			t.Fatalf("DeleteEntry = %+v, %v; want revision 3", res, err)
		}
		_, err = f.svc.CorrectEntry(ctx, a, e.ID, worktime.EntryChange{Start: berlinAt(4, 8, 0), End: tp(berlinAt(4, 12, 0)), Reason: "x"})
		wantCode(t, "correct deleted", err, "entry_deleted")

		list, err := f.svc.ListEntries(ctx, a, a.UserID, civilOf(berlinAt(4, 12, 0)), civilOf(berlinAt(4, 12, 0)))
		if err != nil || len(list) != 1 || list[0].ID == e.ID {
			t.Errorf("ListEntries after delete = %+v, %v; want only the other entry", list, err)
		}
		det, err := f.svc.GetEntry(ctx, a, e.ID)
		if err != nil || !det.Deleted || len(det.Revisions) != 3 {
			t.Fatalf("GetEntry = %+v, %v; want deleted with 3 revisions", det, err)
		}
		wantReasons := []string{"Stempeln vergessen", "Beginn war 8:30", "doppelt erfasst"}
		for i, r := range det.Revisions {
			if r.Number != i+1 || r.Reason != wantReasons[i] || r.CreatedBy != a.UserID || r.CreatedByName != "erika" {
				t.Errorf("revision %d = %+v; want reason %q by erika", i+1, r, wantReasons[i])
			}
		}
		if !det.Revisions[0].Start.Equal(berlinAt(4, 8, 0)) || !det.Revisions[1].Start.Equal(berlinAt(4, 8, 30)) || !det.Revisions[2].Deleted {
			t.Errorf("history lost: %+v", det.Revisions)
		}
		for action, want := range map[string]int{"worktime.entry_create": 2, "worktime.entry_correct": 1, "worktime.entry_delete": 1} {
			if n := auditCount(t, d, action); n != want {
				t.Errorf("%s records = %d, want %d", action, n, want)
			}
		}
		if res, err := audit.Verify(ctx, d); err != nil || !res.OK {
			t.Errorf("audit.Verify = %+v, %v", res, err)
		}
	})
}

func TestCorrectRunningEntry(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		a := f.user(t, "max", 0, actor.RoleEmployee)
		in, err := f.svc.ClockIn(ctx, a, "office")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(2 * time.Hour)
		res, err := f.svc.CorrectEntry(ctx, a, in.ID, worktime.EntryChange{Start: in.Start.Add(-30 * time.Minute), Reason: "früher begonnen"})
		if err != nil || res.Entry == nil || res.Entry.End != nil || !res.Entry.Start.Equal(in.Start.Add(-30*time.Minute)) {
			t.Fatalf("correct running start = %+v, %v; want an earlier start, still running", res, err)
		}
		st, err := f.svc.Status(ctx, a)
		if err != nil || st.State != worktime.StateWorking {
			t.Errorf("status after correction = %+v, %v; want working", st, err)
		}
		// A new entry overlapping the running one is refused.
		_, err = f.svc.CreateEntry(ctx, a, a.UserID, worktime.EntryChange{Start: in.Start.Add(time.Hour), End: tp(in.Start.Add(90 * time.Minute)), Reason: "x"})
		wantCode(t, "overlap with running", err, "entry_overlap")
	})
}

func TestCorrectionApprovalThresholds(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.clock.Set(berlinAt(20, 10, 0)) // Friday 20 March
		lead := f.user(t, "lena.lead", 0, actor.RoleLead, actor.RoleEmployee)
		a := f.user(t, "erika", lead.UserID, actor.RoleEmployee)
		other := f.user(t, "olaf", 0, actor.RoleLead, actor.RoleEmployee)
		hr := f.user(t, "hanna.hr", 0, actor.RoleHR)

		// 13 March is exactly 7 days back: applied. 12 March is 8: requested.
		res, err := f.svc.CreateEntry(ctx, a, a.UserID, worktime.EntryChange{Start: berlinAt(13, 8, 0), End: tp(berlinAt(13, 16, 0)), Reason: "nachgetragen"})
		if err != nil || res.Entry == nil {
			t.Fatalf("7 days back = %+v, %v; want applied", res, err)
		}
		recent := *res.Entry
		revs := revisionCount(t, d)
		res, err = f.svc.CreateEntry(ctx, a, a.UserID, worktime.EntryChange{Start: berlinAt(12, 8, 0), End: tp(berlinAt(12, 16, 0)), Reason: "Dienstreise"})
		if err != nil || res.Request == nil || res.Entry != nil {
			t.Fatalf("8 days back = %+v, %v; want a pending request", res, err)
		}
		req := *res.Request
		if req.Status != worktime.CorrectionPending || req.Action != worktime.CorrectionCreate || req.EntryID != 0 || revisionCount(t, d) != revs {
			t.Errorf("request = %+v; want pending create, nothing applied", req)
		}
		// Moving the recent entry to an old day needs approval too (the new start counts).
		res, err = f.svc.CorrectEntry(ctx, a, recent.ID, worktime.EntryChange{Start: berlinAt(11, 8, 0), End: tp(berlinAt(11, 16, 0)), Reason: "falscher Tag", Revision: 1})
		if err != nil || res.Request == nil {
			t.Fatalf("move to old day = %+v, %v; want a request", res, err)
		}
		move := *res.Request
		_, err = f.svc.DeleteEntry(ctx, a, recent.ID, "noch einmal", 1)
		wantCode(t, "second request for the entry", err, "correction_pending")

		// Nobody decides their own request; a lead of someone else sees nothing.
		_, _, err = f.svc.ApproveCorrection(ctx, a, req.ID)
		wantCode(t, "self-approval", err, "own_correction")
		_, _, err = f.svc.ApproveCorrection(ctx, other, req.ID)
		if apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("other lead approves: %v; want NotFound", err)
		}
		_, err = f.svc.RejectCorrection(ctx, lead, req.ID, " ")
		wantCode(t, "reject without note", err, "note_required")

		toDecide, err := f.svc.ListCorrections(ctx, lead, worktime.CorrectionFilter{Scope: worktime.ScopeToDecide, Status: worktime.CorrectionPending})
		if err != nil || len(toDecide) != 2 {
			t.Fatalf("lead to_decide = %+v, %v; want 2", toDecide, err)
		}
		if mine, err := f.svc.ListCorrections(ctx, lead, worktime.CorrectionFilter{}); err != nil || len(mine) != 0 {
			t.Errorf("lead's own = %+v, %v; want none", mine, err)
		}
		if list, err := f.svc.ListCorrections(ctx, other, worktime.CorrectionFilter{Scope: worktime.ScopeToDecide}); err != nil || len(list) != 0 {
			t.Errorf("other lead to_decide = %+v, %v; want none", list, err)
		}
		if list, err := f.svc.ListCorrections(ctx, hr, worktime.CorrectionFilter{Scope: worktime.ScopeToDecide}); err != nil || len(list) != 2 {
			t.Errorf("HR to_decide = %d, %v; want 2", len(list), err)
		}
		_, err = f.svc.ListCorrections(ctx, a, worktime.CorrectionFilter{Status: "open"})
		wantCode(t, "bad status", err, "invalid_filter")

		c, e, err := f.svc.ApproveCorrection(ctx, lead, req.ID)
		if err != nil || c.Status != worktime.CorrectionApproved || c.EntryID != e.ID || e.Source != worktime.SourceManual || c.DecidedBy != lead.UserID || c.DecidedByName != "lena.lead" {
			t.Fatalf("approve = %+v, %+v, %v; want approved with the new manual entry", c, e, err)
		}
		det, err := f.svc.GetEntry(ctx, a, e.ID)
		if err != nil || len(det.Revisions) != 1 || det.Revisions[0].Reason != "Dienstreise" || det.Revisions[0].CreatedBy != a.UserID || len(det.Corrections) != 1 {
			t.Errorf("approved entry = %+v, %v; want the request's reason, by the requester, with its request", det, err)
		}
		_, _, err = f.svc.ApproveCorrection(ctx, lead, req.ID)
		wantCode(t, "approve twice", err, "correction_not_pending")

		rej, err := f.svc.RejectCorrection(ctx, lead, move.ID, "Bitte Dienstplan prüfen")
		if err != nil || rej.Status != worktime.CorrectionRejected || rej.DecisionNote != "Bitte Dienstplan prüfen" {
			t.Fatalf("reject = %+v, %v", rej, err)
		}
		if det, _ := f.svc.GetEntry(ctx, a, recent.ID); det.Entry.Revision != 1 {
			t.Errorf("rejected request changed the entry: %+v", det.Entry)
		}

		// Withdrawal: only by the requester, only while pending.
		res, err = f.svc.DeleteEntry(ctx, a, e.ID, "doch nicht", 0)
		if err != nil || res.Request == nil {
			t.Fatalf("delete old entry = %+v, %v; want a request", res, err)
		}
		_, err = f.svc.WithdrawCorrection(ctx, lead, res.Request.ID)
		if apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("lead withdraws: %v; want Forbidden", err)
		}
		w, err := f.svc.WithdrawCorrection(ctx, a, res.Request.ID)
		if err != nil || w.Status != worktime.CorrectionWithdrawn {
			t.Fatalf("withdraw = %+v, %v", w, err)
		}
		_, err = f.svc.WithdrawCorrection(ctx, a, res.Request.ID)
		wantCode(t, "withdraw twice", err, "correction_not_pending")

		for action, want := range map[string]int{"worktime.correction_request": 3, "worktime.correction_approve": 1,
			"worktime.correction_reject": 1, "worktime.correction_withdraw": 1, "worktime.entry_create": 2} {
			if n := auditCount(t, d, action); n != want {
				t.Errorf("%s records = %d, want %d", action, n, want)
			}
		}
	})
}

func TestCorrectionDaysZeroAndLockedMonth(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.clock.Set(berlinAt(2, 18, 0))
		a := f.user(t, "erika", 0, actor.RoleEmployee)
		hr := f.user(t, "hanna.hr", 0, actor.RoleHR)

		strict := f.svc.WithPolicy(worktime.Policy{CorrectionDays: 0})
		res, err := strict.CreateEntry(ctx, a, a.UserID, worktime.EntryChange{Start: berlinAt(2, 8, 0), End: tp(berlinAt(2, 12, 0)), Reason: "heute"})
		if err != nil || res.Request == nil {
			t.Fatalf("CorrectionDays 0 = %+v, %v; want a request even for today", res, err)
		}
		// Without a lead HR decides.
		if _, _, err := strict.ApproveCorrection(ctx, hr, res.Request.ID); err != nil {
			t.Fatalf("HR approves for a person without lead: %v", err)
		}

		// February is signed off: a change there needs approval although recent.
		if _, err := d.ExecContext(ctx, "INSERT INTO worktime_months (user_id, month, employee_signed_at, employee_signed_by, updated_at) VALUES (?, ?, ?, ?, ?)",
			a.UserID, "2026-02", db.T(berlinAt(1, 9, 0)), a.UserID, db.T(berlinAt(1, 9, 0))); err != nil {
			t.Fatal(err)
		}
		feb := time.Date(2026, 2, 27, 7, 0, 0, 0, time.UTC)
		res, err = f.svc.CreateEntry(ctx, a, a.UserID, worktime.EntryChange{Start: feb, End: tp(feb.Add(4 * time.Hour)), Reason: "vergessen"})
		if err != nil || res.Request == nil {
			t.Fatalf("locked month = %+v, %v; want a request", res, err)
		}
		// HR corrects other people's entries directly, locked or not.
		res, err = f.svc.CreateEntry(ctx, hr, a.UserID, worktime.EntryChange{Start: feb.Add(5 * time.Hour), End: tp(feb.Add(6 * time.Hour)), Reason: "laut Dienstplan"})
		if err != nil || res.Entry == nil {
			t.Fatalf("HR in locked month = %+v, %v; want applied", res, err)
		}
		// ... but their own follow the rules.
		res, err = f.svc.WithPolicy(worktime.Policy{CorrectionDays: 0}).CreateEntry(ctx, hr, hr.UserID, worktime.EntryChange{Start: berlinAt(2, 8, 0), End: tp(berlinAt(2, 9, 0)), Reason: "eigene"})
		if err != nil || res.Request == nil {
			t.Fatalf("HR's own entry = %+v, %v; want a request", res, err)
		}
		_, _, err = f.svc.ApproveCorrection(ctx, hr, res.Request.ID)
		wantCode(t, "HR approves own", err, "own_correction")
	})
}

func TestCorrectionApprovalConflicts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.clock.Set(berlinAt(30, 10, 0))
		lead := f.user(t, "lena.lead", 0, actor.RoleLead)
		a := f.user(t, "erika", lead.UserID, actor.RoleEmployee)
		hr := f.user(t, "hanna.hr", 0, actor.RoleHR)

		// HR enters an old day for erika; erika asks to move it; HR corrects
		// it meanwhile: approval fails, nothing changes, the request stays.
		res, err := f.svc.CreateEntry(ctx, hr, a.UserID, worktime.EntryChange{Start: berlinAt(3, 8, 0), End: tp(berlinAt(3, 12, 0)), Reason: "Papierzettel"})
		if err != nil || res.Entry == nil {
			t.Fatalf("HR create = %+v, %v", res, err)
		}
		e := *res.Entry
		res, err = f.svc.CorrectEntry(ctx, a, e.ID, worktime.EntryChange{Start: berlinAt(3, 7, 0), End: tp(berlinAt(3, 12, 0)), Reason: "früher", Revision: 1})
		if err != nil || res.Request == nil || res.Request.BaseRevision != 1 {
			t.Fatalf("request = %+v, %v", res, err)
		}
		req := *res.Request
		if _, err := f.svc.CorrectEntry(ctx, hr, e.ID, worktime.EntryChange{Start: berlinAt(3, 8, 0), End: tp(berlinAt(3, 13, 0)), Reason: "Ende 13 Uhr"}); err != nil {
			t.Fatal(err)
		}
		revs := revisionCount(t, d)
		_, _, err = f.svc.ApproveCorrection(ctx, lead, req.ID)
		wantCode(t, "approve stale", err, "revision_conflict")
		if revisionCount(t, d) != revs {
			t.Error("failed approval wrote a revision")
		}
		list, err := f.svc.ListCorrections(ctx, a, worktime.CorrectionFilter{Status: worktime.CorrectionPending})
		if err != nil || len(list) != 1 || list[0].ID != req.ID {
			t.Errorf("after failed approval = %+v, %v; want the request still pending", list, err)
		}
		if n := auditCount(t, d, "worktime.correction_approve"); n != 0 {
			t.Errorf("failed approval audited %d times", n)
		}
		if _, err := f.svc.WithdrawCorrection(ctx, a, req.ID); err != nil {
			t.Fatal(err)
		}

		// A requested new entry that overlaps an entry added meanwhile.
		res, err = f.svc.CreateEntry(ctx, a, a.UserID, worktime.EntryChange{Start: berlinAt(4, 8, 0), End: tp(berlinAt(4, 12, 0)), Reason: "vergessen"})
		if err != nil || res.Request == nil {
			t.Fatalf("request = %+v, %v", res, err)
		}
		if _, err := f.svc.CreateEntry(ctx, hr, a.UserID, worktime.EntryChange{Start: berlinAt(4, 11, 0), End: tp(berlinAt(4, 14, 0)), Reason: "laut Liste"}); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.ApproveCorrection(ctx, lead, res.Request.ID)
		wantCode(t, "approve overlapping", err, "entry_overlap")

		// Leads see their people's entries but do not edit them; strangers get 404.
		_, err = f.svc.CorrectEntry(ctx, lead, e.ID, worktime.EntryChange{Start: berlinAt(3, 8, 0), End: tp(berlinAt(3, 12, 0)), Reason: "x"})
		if apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("lead corrects: %v; want Forbidden", err)
		}
		stranger := f.user(t, "sven", 0, actor.RoleEmployee)
		for name, err := range map[string]error{
			"correct": func() error {
				_, err := f.svc.CorrectEntry(ctx, stranger, e.ID, worktime.EntryChange{Reason: "x"})
				return err
			}(),
			"delete": func() error { _, err := f.svc.DeleteEntry(ctx, stranger, e.ID, "x", 0); return err }(),
			"create": func() error {
				_, err := f.svc.CreateEntry(ctx, stranger, a.UserID, worktime.EntryChange{Reason: "x"})
				return err
			}(),
			"get":     func() error { _, err := f.svc.GetEntry(ctx, stranger, e.ID); return err }(),
			"approve": func() error { _, _, err := f.svc.ApproveCorrection(ctx, stranger, res.Request.ID); return err }(),
			"reject":  func() error { _, err := f.svc.RejectCorrection(ctx, stranger, res.Request.ID, "n"); return err }(),
			"withdraw": func() error {
				_, err := f.svc.WithdrawCorrection(ctx, stranger, res.Request.ID)
				return err
			}(),
		} {
			if apperr.KindOf(err) != apperr.NotFound {
				t.Errorf("stranger %s: %v; want NotFound", name, err)
			}
		}
	})
}
