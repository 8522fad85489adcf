package document_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/document"
)

func TestDocumentCheckout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newDocFixture(t, d)
		doc := f.create(t, "Gutachten", dfPDF)
		pdf2 := []byte("%PDF-1.7\nzweite Fassung\n%%EOF\n")

		co, err := f.Svc.CheckoutDocument(ctx, f.Writer, doc.ID)
		if err != nil || co.LockedBy != f.Writer.UserID || co.LockedByName != "Wolf Write" || co.LockedAt == nil ||
			co.LockExpiresAt == nil || !co.LockExpiresAt.Equal(dfStart.Add(document.LockDuration)) {
			t.Fatalf("checkout = %+v, %v", co, err)
		}
		if !co.LockedByOther(f.Writer2) || co.LockedByOther(f.Writer) {
			t.Errorf("LockedByOther wrong")
		}
		// Someone else can neither check it out nor upload; nothing is stored.
		_, err = f.Svc.CheckoutDocument(ctx, f.Writer2, doc.ID)
		dfWantCode(t, "second checkout", err, apperr.Conflict, "document_checked_out")
		blobs := dfBlobs(t, f.Store)
		_, _, err = f.Svc.UploadVersion(ctx, f.Writer2, doc.ID, document.Upload{Filename: "g.pdf", Content: bytes.NewReader(pdf2)})
		dfWantCode(t, "upload while locked", err, apperr.Conflict, "document_locked")
		var le *document.LockedError
		if !errors.As(err, &le) || le.By != f.Writer.UserID || le.ByName != "Wolf Write" || le.Expires == nil {
			t.Errorf("locked error = %+v", le)
		}
		if dfBlobs(t, f.Store) != blobs || dfCount(t, d, "document_versions", "document_id = ?", doc.ID) != 1 {
			t.Errorf("a refused upload stored something")
		}
		// Metadata edits are not blocked by the lock.
		title := "Gutachten Statik"
		if _, err := f.Svc.UpdateDocument(ctx, f.Writer2, doc.ID, document.DocumentUpdate{Version: co.Version, Title: &title}); err != nil {
			t.Errorf("metadata edit while checked out: %v", err)
		}
		// Others without manage access cannot release the lock.
		_, err = f.Svc.ReleaseDocumentLock(ctx, f.Writer2, doc.ID)
		dfWantCode(t, "release by another writer", err, apperr.Forbidden, "document_lock_not_own")
		_, err = f.Svc.ReleaseDocumentLock(ctx, f.Reader, doc.ID)
		dfWantCode(t, "release by a reader", err, apperr.Forbidden, "document_access_required")

		// The holder uploads and checks in with the same request.
		v, _, err := f.Svc.UploadVersion(ctx, f.Writer, doc.ID, document.Upload{Filename: "g.pdf", Content: bytes.NewReader(pdf2), Checkin: true})
		if err != nil || v.Number != 2 {
			t.Fatalf("holder upload = %+v, %v", v, err)
		}
		cur, _ := f.Svc.GetDocument(ctx, f.Writer, doc.ID)
		if cur.LockedBy != 0 || cur.LockExpiresAt != nil {
			t.Errorf("checkin left the lock: %+v", cur)
		}
		if ev := dfAudit(t, d, "document.checkin", doc.ID); len(ev) != 1 || ev[0]["version"] != float64(2) {
			t.Errorf("checkin audit = %v", ev)
		}

		// A lock expires after LockDuration; then someone else takes it.
		if _, err := f.Svc.CheckoutDocument(ctx, f.Writer, doc.ID); err != nil {
			t.Fatal(err)
		}
		f.Clock.Advance(time.Hour)
		renewed, err := f.Svc.CheckoutDocument(ctx, f.Writer, doc.ID)
		if err != nil || !renewed.LockExpiresAt.Equal(f.Clock.Now().Add(document.LockDuration)) {
			t.Fatalf("renewed = %+v, %v", renewed, err)
		}
		f.Clock.Advance(document.LockDuration - time.Second)
		_, err = f.Svc.CheckoutDocument(ctx, f.Writer2, doc.ID)
		dfWantCode(t, "checkout just before expiry", err, apperr.Conflict, "document_checked_out")
		f.Clock.Advance(time.Second)
		expired, err := f.Svc.GetDocument(ctx, f.Writer2, doc.ID)
		if err != nil || expired.LockedBy != 0 {
			t.Errorf("expired lock still shown: %+v, %v", expired, err)
		}
		if _, _, err := f.Svc.UploadVersion(ctx, f.Writer2, doc.ID, document.Upload{Filename: "g.pdf", Content: bytes.NewReader(dfPDF)}); err != nil {
			t.Errorf("upload after expiry: %v", err)
		}
		if co, err := f.Svc.CheckoutDocument(ctx, f.Writer2, doc.ID); err != nil || co.LockedBy != f.Writer2.UserID {
			t.Fatalf("checkout after expiry = %+v, %v", co, err)
		}

		// A manager breaks the lock; that is audited on its own.
		asManager, _ := f.Svc.GetDocument(ctx, f.Manager, doc.ID)
		asWriter, _ := f.Svc.GetDocument(ctx, f.Writer, doc.ID)
		if !asManager.CanBreakLock(f.Manager) || asWriter.CanBreakLock(f.Writer) {
			t.Errorf("CanBreakLock: manager %v, writer %v", asManager.CanBreakLock(f.Manager), asWriter.CanBreakLock(f.Writer))
		}
		broken, err := f.Svc.ReleaseDocumentLock(ctx, f.Manager, doc.ID)
		if err != nil || broken.LockedBy != 0 {
			t.Fatalf("break = %+v, %v", broken, err)
		}
		if ev := dfAudit(t, d, "document.lock_break", doc.ID); len(ev) != 1 || ev[0]["holder_id"] != float64(f.Writer2.UserID) {
			t.Errorf("lock_break audit = %v", ev)
		}
		// Releasing without a lock changes nothing.
		if _, err := f.Svc.ReleaseDocumentLock(ctx, f.Writer, doc.ID); err != nil {
			t.Errorf("release without lock: %v", err)
		}
		if n := len(dfAudit(t, d, "document.checkin", doc.ID)); n != 1 {
			t.Errorf("%d checkin records", n)
		}
		if n := len(dfAudit(t, d, "document.checkout", doc.ID)); n != 4 {
			t.Errorf("%d checkout records, want 4", n)
		}
		_, err = f.Svc.CheckoutDocument(ctx, f.Outsider, doc.ID)
		dfWantCode(t, "outsider checkout", err, apperr.NotFound, "not_found")
		_, err = f.Svc.CheckoutDocument(ctx, f.Reader, doc.ID)
		dfWantCode(t, "reader checkout", err, apperr.Forbidden, "document_access_required")
	})
}
