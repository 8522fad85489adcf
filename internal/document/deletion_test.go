package document_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/document"
)

// rfExpiredFile returns a file closed 2019-05-10 under a plan position of
// class HGB-257-6 (deletable from 2026-01-01; the clock is 2026-03-02)
// with two documents of two versions each.
func rfExpiredFile(t *testing.T, f *rfFixture, planRef, ref string) (plan, file int64, docs []int64) {
	t.Helper()
	plan = f.folder(t, 0, "plan", planRef, f.Classes["HGB-257-6"])
	file = f.folder(t, plan, "file", ref, 0)
	for _, title := range []string{"Antrag", "Bescheid"} {
		d := f.doc(t, file, title, nil, 0)
		f.version(t, d, title+".txt", title+" v1 "+ref)
		f.version(t, d, title+".txt", title+" v2 "+ref)
		docs = append(docs, d)
	}
	f.grant(t, file, f.Alice, "manage")
	f.closeOn(t, file, civil.D(2019, 5, 10))
	return plan, file, docs
}

func TestDeletionTwoPersons(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newRF(t, d)
		_, file, docs := rfExpiredFile(t, f, "03", "03.1/2019")
		// A blob shared with a version of another (kept) file and one
		// shared with a task attachment stay.
		shared := f.version(t, docs[0], "Antrag.txt", "gemeinsamer Inhalt")
		keep := f.folder(t, 0, "file", "04.1/2026", 0)
		kd := f.doc(t, keep, "Kopie", nil, 0)
		if f.version(t, kd, "Kopie.txt", "gemeinsamer Inhalt") != shared {
			t.Fatal("same content, different hash")
		}
		task := f.version(t, docs[1], "Anlage.txt", "auch an einer Aufgabe")
		f.taskFile(t, task)
		var shas []string
		rows, err := d.QueryContext(ctx, `SELECT DISTINCT v.sha256 FROM document_versions v JOIN documents d ON d.id = v.document_id WHERE d.folder_id = ?`, file)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			shas = append(shas, s)
		}
		rows.Close()
		if len(shas) != 6 {
			t.Fatalf("%d distinct contents, want 6", len(shas))
		}

		// Only records management proposes.
		_, err = f.Svc.ProposeDeletion(ctx, f.Admin, document.KindFolder, file, "")
		rfWantCode(t, "admin proposes", err, apperr.Forbidden, "records_role_required")
		_, err = f.Svc.ProposeDeletion(ctx, f.Alice, document.KindFolder, file, "")
		rfWantCode(t, "manager of the file proposes", err, apperr.Forbidden, "records_role_required")
		_, err = f.Svc.ProposeDeletion(ctx, actor.CLI(), document.KindFolder, file, "")
		rfWantCode(t, "the command line proposes", err, apperr.NotFound, "not_found")

		p, err := f.Svc.ProposeDeletion(ctx, f.Rita, document.KindFolder, file, "Aussonderung 2026")
		if err != nil {
			t.Fatal(err)
		}
		if p.State != document.DeletionProposed || p.Reference != "03.1/2019" || p.RetentionCode != "HGB-257-6" || p.RetentionYears != 6 ||
			p.TriggerDate != civil.D(2019, 5, 10) || p.DeletableFrom != civil.D(2026, 1, 1) || p.ProposedBy != f.Rita.UserID {
			t.Errorf("proposal %+v", p)
		}
		_, err = f.Svc.ProposeDeletion(ctx, f.Rolf, document.KindFolder, file, "")
		rfWantCode(t, "second proposal", err, apperr.Conflict, "deletion_pending")

		// The proposer cannot approve; nor can administrators, the
		// command line or a read-only token.
		_, err = f.Svc.ApproveDeletion(ctx, f.Rita, p.ID, "")
		rfWantCode(t, "proposer approves", err, apperr.Forbidden, "deletion_second_person_required")
		_, err = f.Svc.RejectDeletion(ctx, f.Rita, p.ID, "doch nicht")
		rfWantCode(t, "proposer rejects", err, apperr.Forbidden, "deletion_second_person_required")
		_, err = f.Svc.ApproveDeletion(ctx, f.Admin, p.ID, "")
		rfWantCode(t, "admin approves", err, apperr.Forbidden, "records_role_required")
		_, err = f.Svc.ApproveDeletion(ctx, actor.CLI(), p.ID, "")
		rfWantCode(t, "the command line approves", err, apperr.NotFound, "not_found")
		_, err = f.Svc.ApproveDeletion(ctx, rfReadToken(f.Rolf), p.ID, "")
		rfWantCode(t, "read token approves", err, apperr.Forbidden, "token_scope")
		_, err = f.Svc.CancelDeletion(ctx, f.Rolf, p.ID)
		rfWantCode(t, "another person cancels", err, apperr.Forbidden, "deletion_not_proposer")
		if f.count(t, "documents", "folder_id = ?", file) != 2 {
			t.Fatal("documents gone before approval")
		}

		done, err := f.Svc.ApproveDeletion(ctx, f.Rolf, p.ID, "geprüft")
		if err != nil {
			t.Fatal(err)
		}
		if done.State != document.DeletionDeleted || done.DecidedBy != f.Rolf.UserID || done.DecidedAt == nil || done.DecisionNote != "geprüft" {
			t.Errorf("approved %+v", done)
		}
		s := done.Summary
		if s.Folders != 1 || s.Documents != 2 || s.Versions != 6 || len(s.SHA256) != 6 || !slices.Equal(s.FolderIDs, []int64{file}) || len(s.DocumentIDs) != 2 {
			t.Errorf("summary %+v", s)
		}
		if s.Bytes <= 0 {
			t.Errorf("summary bytes %d", s.Bytes)
		}
		// The rows are gone, the deletion record stays.
		for _, c := range []struct{ table, where string }{
			{"doc_folders", "id = ?"}, {"documents", "folder_id = ?"}, {"doc_folder_grants", "folder_id = ?"},
		} {
			if n := f.count(t, c.table, c.where, file); n != 0 {
				t.Errorf("%s: %d rows left", c.table, n)
			}
		}
		for _, id := range docs {
			if n := f.count(t, "document_versions", "document_id = ?", id); n != 0 {
				t.Errorf("versions of document %d left: %d", id, n)
			}
		}
		var state, summary string
		if err := d.QueryRowContext(ctx, `SELECT state, summary FROM doc_deletions WHERE id = ?`, p.ID).Scan(&state, &summary); err != nil {
			t.Fatal(err)
		}
		var sum document.DeletionSummary
		if err := json.Unmarshal([]byte(summary), &sum); err != nil || state != "deleted" || sum.Versions != 6 {
			t.Errorf("deletion record: %s %s (%v)", state, summary, err)
		}
		// The audit event names what, class, dates and both people.
		var detail string
		if err := d.QueryRowContext(ctx, `SELECT detail FROM audit_log WHERE action = 'folder.deleted' AND object_type = 'doc_folder' AND object_id = ?`,
			rfItoa(file)).Scan(&detail); err != nil {
			t.Fatalf("no folder.deleted event: %v", err)
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(detail), &ev); err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]any{"reference": "03.1/2019", "retention_code": "HGB-257-6", "trigger_date": "2019-05-10",
			"deletable_from": "2026-01-01", "proposed_by": float64(f.Rita.UserID), "approved_by": float64(f.Rolf.UserID), "documents": float64(2)} {
			if ev[k] != want {
				t.Errorf("audit detail %s = %v, want %v", k, ev[k], want)
			}
		}
		// Contents nothing refers to any more are gone; shared ones stay.
		for _, sha := range shas {
			_, err := f.Blobs.Stat(ctx, sha)
			stays := sha == shared || sha == task
			if stays && err != nil {
				t.Errorf("shared blob %s deleted: %v", sha[:8], err)
			}
			if !stays && apperr.KindOf(err) != apperr.NotFound {
				t.Errorf("blob %s of the deleted file stays: %v", sha[:8], err)
			}
		}
		// Decided proposals are not decided again.
		_, err = f.Svc.ApproveDeletion(ctx, f.Rolf, p.ID, "")
		rfWantCode(t, "approve twice", err, apperr.Conflict, "deletion_not_pending")

		// The protocol: records management, administrators and auditors.
		for _, a := range []actor.Actor{f.Rita, f.Admin, f.Audrey} {
			xs, _, err := f.Svc.ListDeletions(ctx, a, document.DeletionFilter{State: "decided"})
			if err != nil || len(xs) != 1 || xs[0].ID != p.ID {
				t.Errorf("%s reads the protocol: %+v, %v", a.Username, xs, err)
			}
		}
		_, _, err = f.Svc.ListDeletions(ctx, f.Alice, document.DeletionFilter{})
		rfWantCode(t, "employee reads the protocol", err, apperr.NotFound, "not_found")
	})
}

func TestDeletionRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newRF(t, d)
		plan, file, docs := rfExpiredFile(t, f, "05", "05.1/2019")

		// Not expired: before 2026, an open file, a plan position.
		f.setToday(civil.D(2025, 12, 31))
		_, err := f.Svc.ProposeDeletion(ctx, f.Rita, document.KindFolder, file, "")
		rfWantCode(t, "propose on 2025-12-31", err, apperr.Conflict, "retention_not_expired")
		f.setToday(civil.D(2026, 1, 1))
		open := f.folder(t, plan, "file", "05.2/2026", 0)
		_, err = f.Svc.ProposeDeletion(ctx, f.Rita, document.KindFolder, open, "")
		rfWantCode(t, "propose an open file", err, apperr.Conflict, "retention_not_expired")
		_, err = f.Svc.ProposeDeletion(ctx, f.Rita, document.KindFolder, plan, "")
		rfWantCode(t, "propose a plan position", err, apperr.Conflict, "deletion_not_allowed")
		_, err = f.Svc.ProposeDeletion(ctx, f.Rita, document.KindDocument, docs[0], "")
		rfWantCode(t, "propose a document of a file-closed class", err, apperr.Conflict, "deletion_not_allowed")
		_, err = f.Svc.ProposeDeletion(ctx, f.Rita, document.KindFolder, 99999, "")
		rfWantCode(t, "propose an unknown file", err, apperr.NotFound, "not_found")
		_, err = f.Svc.ProposeDeletion(ctx, f.Rita, "task", file, "")
		rfWantCode(t, "propose an unknown kind", err, apperr.NotFound, "not_found")

		// Holds on the file, above it, and on a document in it block.
		for _, n := range []document.NewLegalHold{{FolderID: file}, {FolderID: plan}, {DocumentID: docs[1]}} {
			n.Reason = "Prüfung"
			h, err := f.Svc.PlaceLegalHold(ctx, f.Rolf, n)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.Svc.ProposeDeletion(ctx, f.Rita, document.KindFolder, file, "")
			rfWantCode(t, "propose with a hold", err, apperr.Conflict, "legal_hold_active")
			if _, err := f.Svc.ReleaseLegalHold(ctx, f.Rolf, h.ID, "erledigt"); err != nil {
				t.Fatal(err)
			}
		}

		// A hold placed between proposal and approval blocks approval.
		p, err := f.Svc.ProposeDeletion(ctx, f.Rita, document.KindFolder, file, "")
		if err != nil {
			t.Fatal(err)
		}
		h, err := f.Svc.PlaceLegalHold(ctx, f.Rolf, document.NewLegalHold{DocumentID: docs[0], Reason: "Akteneinsicht beantragt"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.ApproveDeletion(ctx, f.Rolf, p.ID, "")
		rfWantCode(t, "approve with a hold placed after the proposal", err, apperr.Conflict, "legal_hold_active")
		if _, err := f.Svc.ReleaseLegalHold(ctx, f.Rita, h.ID, "erledigt"); err != nil {
			t.Fatal(err)
		}
		// A class lengthened meanwhile blocks approval too.
		if _, err := f.Svc.UpdateRetentionClass(ctx, f.Rita, f.Classes["HGB-257-6"], document.RetentionClassUpdate{Years: rfPtr(10)}); err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.ApproveDeletion(ctx, f.Rolf, p.ID, "")
		rfWantCode(t, "approve after the class grew", err, apperr.Conflict, "retention_not_expired")
		if f.count(t, "documents", "folder_id = ?", file) != 2 {
			t.Fatal("refused approval deleted something")
		}

		// Reject (with a reason) and cancel.
		_, err = f.Svc.RejectDeletion(ctx, f.Rolf, p.ID, "")
		rfWantCode(t, "reject without reason", err, apperr.Invalid, "deletion_note_required")
		x, err := f.Svc.RejectDeletion(ctx, f.Rolf, p.ID, "Frist verlängert")
		if err != nil || x.State != document.DeletionRejected || x.DecidedBy != f.Rolf.UserID {
			t.Fatalf("reject = %+v, %v", x, err)
		}
		_, err = f.Svc.CancelDeletion(ctx, f.Rita, p.ID)
		rfWantCode(t, "cancel a rejected proposal", err, apperr.Conflict, "deletion_not_pending")

		// A document of a document-date class, deleted on its own.
		books := f.folder(t, plan, "file", "05.3/2026", 0)
		beleg := f.doc(t, books, "Beleg 2017", rfDate(2017, 6, 30), f.Classes["AO-147-8"])
		sha := f.version(t, beleg, "beleg.txt", "Beleg 2017")
		young := f.doc(t, books, "Beleg 2025", rfDate(2025, 6, 30), f.Classes["AO-147-8"])
		_, err = f.Svc.ProposeDeletion(ctx, f.Rita, document.KindDocument, young, "")
		rfWantCode(t, "propose a young receipt", err, apperr.Conflict, "retention_not_expired")
		pf, err := f.Svc.ProposeDeletion(ctx, f.Rita, document.KindDocument, beleg, "")
		if err != nil {
			t.Fatal(err)
		}
		if pf.Reference != "05.3/2026" || pf.Title != "Beleg 2017" || pf.DeletableFrom != civil.D(2026, 1, 1) {
			t.Errorf("document proposal %+v", pf)
		}
		c, err := f.Svc.CancelDeletion(ctx, f.Rita, pf.ID)
		if err != nil || c.State != document.DeletionCancelled || c.DecidedBy != 0 || c.DecidedAt == nil {
			t.Fatalf("cancel = %+v, %v", c, err)
		}
		pf, err = f.Svc.ProposeDeletion(ctx, f.Rita, document.KindDocument, beleg, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.ApproveDeletion(ctx, f.Rolf, pf.ID, ""); err != nil {
			t.Fatal(err)
		}
		if f.count(t, "documents", "id = ?", beleg) != 0 || f.count(t, "documents", "id = ?", young) != 1 || f.count(t, "doc_folders", "id = ?", books) != 1 {
			t.Error("document deletion removed the wrong rows")
		}
		if _, err := f.Blobs.Stat(ctx, sha); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("content of the deleted receipt stays: %v", err)
		}
		if f.rfAudit(t, "document.deleted", "document", rfItoa(beleg)) != 1 {
			t.Error("document deletion not audited")
		}
		for _, a := range []string{"deletion.propose", "deletion.reject", "deletion.cancel"} {
			if f.count(t, "audit_log", "action = ?", a) == 0 {
				t.Errorf("no %s event", a)
			}
		}
	})
}

func TestDueForDeletion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newRF(t, d)
		plan, due1, _ := rfExpiredFile(t, f, "06", "06.1/2019")
		f.closeOn(t, f.folder(t, plan, "file", "06.2/2020", 0), civil.D(2020, 3, 1)) // due 2027
		held := f.folder(t, plan, "file", "06.3/2018", 0)
		hd := f.doc(t, held, "Gehaltenes", nil, 0)
		f.closeOn(t, held, civil.D(2018, 1, 1))
		if _, err := f.Svc.PlaceLegalHold(ctx, f.Rita, document.NewLegalHold{DocumentID: hd, Reason: "Klage"}); err != nil {
			t.Fatal(err)
		}
		pending := f.folder(t, plan, "file", "06.4/2017", 0)
		f.closeOn(t, pending, civil.D(2017, 1, 1))
		if _, err := f.Svc.ProposeDeletion(ctx, f.Rita, document.KindFolder, pending, ""); err != nil {
			t.Fatal(err)
		}
		// A sub-file inside a due file is not listed on its own.
		sub := f.folder(t, due1, "file", "06.1/2019-1", 0)
		f.closeOn(t, sub, civil.D(2019, 2, 1))
		books := f.folder(t, plan, "file", "06.5/2026", 0)
		beleg := f.doc(t, books, "Beleg", rfDate(2016, 12, 31), f.Classes["AO-147-8"])
		f.doc(t, books, "Beleg neu", rfDate(2024, 1, 1), f.Classes["AO-147-8"])

		items, err := f.Svc.ListDueForDeletion(ctx, f.Rita)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range items {
			got = append(got, it.Kind+" "+it.Reference+" "+it.DeletableFrom.String())
		}
		// due1 was closed 2019-05-10 with a sub-file closed 2019-02-01:
		// 2026-01-01; the receipt from 2016 was due 2025-01-01.
		want := []string{"document 06.5/2026 2025-01-01", "folder 06.1/2019 2026-01-01"}
		if !slices.Equal(got, want) {
			t.Errorf("due = %v, want %v", got, want)
		}
		if len(items) == 2 && (items[1].Documents != 2 || items[1].Class.Code != "HGB-257-6" || items[1].TriggerDate != civil.D(2019, 5, 10) ||
			items[0].ID != beleg || items[0].Title != "Beleg") {
			t.Errorf("items %+v", items)
		}
		if _, err := f.Svc.ListDueForDeletion(ctx, f.Admin); err != nil {
			t.Errorf("admin reads the report: %v", err)
		}
		for _, a := range []actor.Actor{f.Alice, f.Audrey} {
			_, err := f.Svc.ListDueForDeletion(ctx, a)
			rfWantCode(t, a.Username+" reads the report", err, apperr.NotFound, "not_found")
		}
	})
}
