package document_test

import (
	"context"
	"testing"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/document"
)

func TestLegalHolds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newRF(t, d)
		plan := f.folder(t, 0, "plan", "02", f.Classes["HGB-257-6"])
		file := f.folder(t, plan, "file", "02.1/2019", 0)
		doc := f.doc(t, file, "Vertrag", nil, 0)

		n := document.NewLegalHold{FolderReference: "02.1/2019", Reason: "Rechtsstreit Müller ./. Stadt", CaseReference: "VG 1 K 23/26"}
		for _, who := range []struct {
			name string
			err  func() error
			kind apperr.Kind
			code string
		}{
			{"admin", func() error { _, err := f.Svc.PlaceLegalHold(ctx, f.Admin, n); return err }, apperr.Forbidden, "records_role_required"},
			{"employee", func() error { _, err := f.Svc.PlaceLegalHold(ctx, f.Alice, n); return err }, apperr.Forbidden, "records_role_required"},
			{"read token", func() error { _, err := f.Svc.PlaceLegalHold(ctx, rfReadToken(f.Rita), n); return err }, apperr.Forbidden, "token_scope"},
		} {
			rfWantCode(t, who.name+" places a hold", who.err(), who.kind, who.code)
		}
		_, err := f.Svc.PlaceLegalHold(ctx, f.Rita, document.NewLegalHold{FolderID: file, Reason: " "})
		rfWantCode(t, "no reason", err, apperr.Invalid, "hold_reason_required")
		_, err = f.Svc.PlaceLegalHold(ctx, f.Rita, document.NewLegalHold{Reason: "x"})
		rfWantCode(t, "no target", err, apperr.Invalid, "hold_target_required")
		_, err = f.Svc.PlaceLegalHold(ctx, f.Rita, document.NewLegalHold{FolderID: file, DocumentID: doc, Reason: "x"})
		rfWantCode(t, "two targets", err, apperr.Invalid, "hold_target_required")
		_, err = f.Svc.PlaceLegalHold(ctx, f.Rita, document.NewLegalHold{FolderReference: "nope", Reason: "x"})
		rfWantCode(t, "unknown reference", err, apperr.Invalid, "hold_target_unknown")
		_, err = f.Svc.PlaceLegalHold(ctx, f.Rita, document.NewLegalHold{DocumentID: 99999, Reason: "x"})
		rfWantCode(t, "unknown document", err, apperr.Invalid, "hold_target_unknown")

		h, err := f.Svc.PlaceLegalHold(ctx, f.Rita, n)
		if err != nil {
			t.Fatal(err)
		}
		if h.FolderID != file || h.Reference != "02.1/2019" || h.Title != "Akte 02.1/2019" || !h.Active() || h.PlacedBy != f.Rita.UserID ||
			h.PlacedByName != "Rita" || h.CaseReference != "VG 1 K 23/26" {
			t.Errorf("placed %+v", h)
		}
		hd, err := f.Svc.PlaceLegalHold(ctx, f.Rolf, document.NewLegalHold{DocumentID: doc, Reason: "Prüfung Rechnungshof"})
		if err != nil {
			t.Fatal(err)
		}
		if hd.DocumentID != doc || hd.Reference != "02.1/2019" || hd.Title != "Vertrag" {
			t.Errorf("document hold %+v", hd)
		}
		if f.rfAudit(t, "legal_hold.place", "doc_folder", rfItoa(file)) != 1 || f.rfAudit(t, "legal_hold.place", "document", rfItoa(doc)) != 1 {
			t.Error("placing not audited on the held folder and document")
		}

		// The holds show in the retention of what they keep.
		r, err := f.Svc.RetentionOf(ctx, f.Rita, document.KindDocument, doc)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Holds) != 2 {
			t.Errorf("document held twice (own and file), got %d holds", len(r.Holds))
		}
		r, _ = f.Svc.RetentionOf(ctx, f.Rita, document.KindFolder, plan)
		if len(r.Holds) != 2 {
			t.Errorf("plan position with held file below: %d holds, want 2", len(r.Holds))
		}

		// Reading: records, administrators and auditors; not employees.
		for _, who := range []struct {
			a  actor.Actor
			ok bool
		}{{f.Rita, true}, {f.Admin, true}, {f.Audrey, true}, {f.Alice, false}} {
			hs, err := f.Svc.ListLegalHolds(ctx, who.a, document.HoldFilter{})
			if who.ok && (err != nil || len(hs) != 2) {
				t.Errorf("%s lists holds: %d, %v", who.a.Username, len(hs), err)
			}
			if !who.ok {
				rfWantCode(t, who.a.Username+" lists holds", err, apperr.NotFound, "not_found")
			}
		}

		// Release: a reason, once, by records management.
		_, err = f.Svc.ReleaseLegalHold(ctx, f.Admin, h.ID, "erledigt")
		rfWantCode(t, "admin releases", err, apperr.Forbidden, "records_role_required")
		_, err = f.Svc.ReleaseLegalHold(ctx, f.Rolf, h.ID, "")
		rfWantCode(t, "release without reason", err, apperr.Invalid, "hold_release_reason_required")
		rel, err := f.Svc.ReleaseLegalHold(ctx, f.Rolf, h.ID, "Verfahren rechtskräftig abgeschlossen")
		if err != nil {
			t.Fatal(err)
		}
		if rel.Active() || rel.ReleasedBy != f.Rolf.UserID || rel.ReleaseReason != "Verfahren rechtskräftig abgeschlossen" || rel.ReleasedByName != "Rolf" {
			t.Errorf("released %+v", rel)
		}
		_, err = f.Svc.ReleaseLegalHold(ctx, f.Rita, h.ID, "nochmal")
		rfWantCode(t, "release twice", err, apperr.Conflict, "hold_released")
		_, err = f.Svc.ReleaseLegalHold(ctx, f.Rita, 99999, "x")
		rfWantCode(t, "release unknown", err, apperr.NotFound, "not_found")
		if f.rfAudit(t, "legal_hold.release", "doc_folder", rfItoa(file)) != 1 {
			t.Error("release not audited")
		}

		active, err := f.Svc.ListLegalHolds(ctx, f.Rita, document.HoldFilter{State: "active"})
		if err != nil || len(active) != 1 || active[0].ID != hd.ID {
			t.Errorf("active holds = %+v, %v", active, err)
		}
		released, err := f.Svc.ListLegalHolds(ctx, f.Rita, document.HoldFilter{State: "released", FolderID: file})
		if err != nil || len(released) != 1 || released[0].ID != h.ID {
			t.Errorf("released holds of the file = %+v, %v", released, err)
		}
		all, _ := f.Svc.ListLegalHolds(ctx, f.Rita, document.HoldFilter{})
		if len(all) != 2 || all[0].ID != hd.ID {
			t.Errorf("active holds come first: %+v", all)
		}
		_, err = f.Svc.ListLegalHolds(ctx, f.Rita, document.HoldFilter{State: "maybe"})
		rfWantCode(t, "unknown state filter", err, apperr.Invalid, "invalid_filter")
	})
}
