package document

import (
	"context"
	"fmt"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
)

// Check-out (Auschecken) of documents (docs/documents.md#auschecken).
//
// A person with write access checks a document out to edit it: for
// LockDuration nobody else uploads a version (document_locked) or checks
// it out (document_checked_out). The holder checks it in again by
// releasing the lock, or with an upload (Upload.Checkin); checking out
// again renews the lock. A person with manage access breaks someone
// else's lock (audited as document.lock_break). A lock that has expired
// counts as no lock: it is ignored everywhere and replaced by the next
// check-out. Metadata edits are not blocked by a lock: they have their own
// optimistic concurrency (version).

// LockDuration is how long a check-out holds when it is not released.
const LockDuration = 8 * time.Hour

// LockedError describes the lock that refused a change.
type LockedError struct {
	By      int64
	ByName  string
	Expires *time.Time
}

func (e *LockedError) Error() string { return fmt.Sprintf("document: checked out by user %d", e.By) }

// errLocked is the refusal of an upload or finalisation while another
// person holds d's lock; the API answers it with 423 Locked.
func errLocked(d Document) error {
	return apperr.Wrap(apperr.Conflict, "document_locked", "another person has checked the document out",
		&LockedError{By: d.LockedBy, ByName: d.LockedByName, Expires: d.LockExpiresAt})
}

// errCheckedOut is the refusal of a check-out while another person holds
// d's lock.
func errCheckedOut(d Document) error {
	return apperr.Wrap(apperr.Conflict, "document_checked_out", "another person has checked the document out",
		&LockedError{By: d.LockedBy, ByName: d.LockedByName, Expires: d.LockExpiresAt})
}

var errLockNotOwn = apperr.Forbiddenf("document_lock_not_own", "only the holder or a person with manage access releases a lock")

// lockLive reports whether a lock expiring at expires still holds at now
// (a lock without expiry holds).
func lockLive(expires *time.Time, now time.Time) bool {
	return expires == nil || now.Before(*expires)
}

// CheckoutDocument checks document id out to a for LockDuration (write
// access; renews a's own lock). 409 document_checked_out while another
// person holds a live lock, 409 document_closed for closed documents.
// Audit document.checkout.
func (s *Service) CheckoutDocument(ctx context.Context, a actor.Actor, id int64) (Document, error) {
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET version = version WHERE id = ?`, id); err != nil {
			return nil, fmt.Errorf("document: lock row: %w", err)
		}
		d, err := s.documentFor(ctx, tx, a, id, AccessWrite, now)
		if err != nil {
			return nil, err
		}
		if d.State == StateClosed || !d.folderOpen {
			return nil, errClosed
		}
		if d.LockedByOther(a) {
			return nil, errCheckedOut(d)
		}
		expires := now.Add(LockDuration)
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET locked_by = ?, locked_at = ?, lock_expires_at = ? WHERE id = ?`,
			a.UserID, db.T(now), db.T(expires), id); err != nil {
			return nil, fmt.Errorf("document: check out: %w", err)
		}
		return []audit.Event{{Action: "document.checkout", ObjectType: "document", ObjectID: docID(id),
			Detail: map[string]any{"folder_id": d.FolderID, "expires_at": expires.UTC().Format(time.RFC3339), "renewed": d.LockedBy == a.UserID}}}, nil
	})
	if err != nil {
		return Document{}, err
	}
	return s.document(ctx, a, id)
}

// ReleaseDocumentLock releases the lock on document id: its holder
// (write access) checks the document in; a person with manage access
// breaks another person's lock (audit document.lock_break with the
// holder); others get 403 document_lock_not_own. Without a live lock
// nothing changes.
func (s *Service) ReleaseDocumentLock(ctx context.Context, a actor.Actor, id int64) (Document, error) {
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET version = version WHERE id = ?`, id); err != nil {
			return nil, fmt.Errorf("document: lock row: %w", err)
		}
		d, err := s.documentFor(ctx, tx, a, id, AccessWrite, now)
		if err != nil {
			return nil, err
		}
		if d.LockedBy == 0 {
			return nil, nil
		}
		ev := audit.Event{Action: "document.checkin", ObjectType: "document", ObjectID: docID(id),
			Detail: map[string]any{"folder_id": d.FolderID, "version": d.CurrentVersion}}
		if d.LockedBy != a.UserID {
			if d.Access < AccessManage {
				return nil, errLockNotOwn
			}
			ev.Action = "document.lock_break"
			ev.Detail["holder_id"] = d.LockedBy
		}
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET locked_by = NULL, locked_at = NULL, lock_expires_at = NULL WHERE id = ?`, id); err != nil {
			return nil, fmt.Errorf("document: release lock: %w", err)
		}
		return []audit.Event{ev}, nil
	})
	if err != nil {
		return Document{}, err
	}
	return s.document(ctx, a, id)
}
