package document

// Legal holds (Löschsperren, docs/retention.md#löschsperre). A hold on a
// folder keeps the folder and everything below it, a hold on a document
// keeps that document (and the file around it, which cannot be deleted
// without it), whatever their retention says. Records management places
// and releases holds, each with a reason; administrators and auditors read
// them. Released holds stay listed with who released them and why.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
)

// Bounds of a hold's texts.
const (
	maxHoldReasonRunes = 1000
	maxHoldCaseRunes   = 200
)

// LegalHold is a Löschsperre on a folder or a document.
type LegalHold struct {
	ID int64
	// FolderID or DocumentID names what is held (the other is 0).
	FolderID   int64
	DocumentID int64
	// Reference is the Aktenzeichen of the held folder, or of the file of
	// the held document; Title the held folder's or document's title.
	Reference      string
	Title          string
	Reason         string
	CaseReference  string
	PlacedAt       time.Time
	PlacedBy       int64
	PlacedByName   string
	ReleasedAt     *time.Time
	ReleasedBy     int64
	ReleasedByName string
	ReleaseReason  string
}

// Active reports whether the hold is in force.
func (h LegalHold) Active() bool { return h.ReleasedAt == nil }

// NewLegalHold is a hold to place: on a folder (FolderID, or its
// Aktenzeichen in FolderReference) or on a document.
type NewLegalHold struct {
	FolderID        int64
	FolderReference string
	DocumentID      int64
	Reason          string
	CaseReference   string
}

// HoldFilter selects holds; zero fields do not filter.
type HoldFilter struct {
	// State is "active" or "released".
	State      string
	FolderID   int64
	DocumentID int64
}

var (
	errHoldReleased = apperr.Conflictf("hold_released", "the legal hold has been released already")
)

const legalHoldFields = `h.id, h.folder_id, h.document_id, COALESCE(f.reference, df.reference, ''), COALESCE(f.title, d.title, ''),
	h.reason, h.case_reference, h.placed_at, h.placed_by, COALESCE(pu.display_name, ''),
	h.released_at, h.released_by, COALESCE(ru.display_name, ''), h.release_reason`

const legalHoldFrom = ` FROM doc_legal_holds h
	LEFT JOIN doc_folders f ON f.id = h.folder_id
	LEFT JOIN documents d ON d.id = h.document_id
	LEFT JOIN doc_folders df ON df.id = d.folder_id
	LEFT JOIN users pu ON pu.id = h.placed_by
	LEFT JOIN users ru ON ru.id = h.released_by`

func scanLegalHold(row db.Scanner) (LegalHold, error) {
	var h LegalHold
	var folder, doc, placedBy, releasedBy *int64
	var placed db.Time
	var released db.NullTime
	if err := row.Scan(&h.ID, &folder, &doc, &h.Reference, &h.Title, &h.Reason, &h.CaseReference, &placed, &placedBy, &h.PlacedByName,
		&released, &releasedBy, &h.ReleasedByName, &h.ReleaseReason); err != nil {
		return h, err
	}
	for _, p := range []struct {
		dst *int64
		src *int64
	}{{&h.FolderID, folder}, {&h.DocumentID, doc}, {&h.PlacedBy, placedBy}, {&h.ReleasedBy, releasedBy}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	h.PlacedAt = placed.Time
	h.ReleasedAt = released.Ptr()
	return h, nil
}

func loadLegalHold(ctx context.Context, q db.Querier, id int64) (LegalHold, error) {
	h, err := scanLegalHold(q.QueryRowContext(ctx, `SELECT `+legalHoldFields+legalHoldFrom+` WHERE h.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return h, errNotFound
	}
	if err != nil {
		return h, fmt.Errorf("document: legal hold: %w", err)
	}
	return h, nil
}

// holdTarget finds what n names inside q: the folder (by id or reference)
// or the document.
func holdTarget(ctx context.Context, q db.Querier, n *NewLegalHold) error {
	n.FolderReference = strings.TrimSpace(n.FolderReference)
	if n.FolderID == 0 && n.FolderReference != "" {
		err := q.QueryRowContext(ctx, `SELECT id FROM doc_folders WHERE reference = ?`, n.FolderReference).Scan(&n.FolderID)
		if errors.Is(err, sql.ErrNoRows) {
			return retentionInvalid("hold_target_unknown", "folder_reference", "no folder has this file reference")
		}
		if err != nil {
			return fmt.Errorf("document: hold target: %w", err)
		}
	}
	if (n.FolderID == 0) == (n.DocumentID == 0) {
		return retentionInvalid("hold_target_required", "target", "name either a folder or a document")
	}
	table, id, field := "doc_folders", n.FolderID, "folder_id"
	if n.DocumentID != 0 {
		table, id, field = "documents", n.DocumentID, "document_id"
	}
	var found int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = ?`, id).Scan(&found); err != nil {
		return fmt.Errorf("document: hold target: %w", err)
	}
	if found == 0 {
		return retentionInvalid("hold_target_unknown", field, "there is no such folder or document")
	}
	return nil
}

// PlaceLegalHold places a Löschsperre (records management; audit
// legal_hold.place on the held folder or document). A reason is required
// (422 hold_reason_required); the case reference (Aktenzeichen of the
// proceedings) is optional. Several holds may keep the same record.
func (s *Service) PlaceLegalHold(ctx context.Context, a actor.Actor, n NewLegalHold) (LegalHold, error) {
	if err := requireRecords(a); err != nil {
		return LegalHold{}, err
	}
	n.Reason, n.CaseReference = strings.TrimSpace(n.Reason), strings.TrimSpace(n.CaseReference)
	if n.Reason == "" || utf8.RuneCountInString(n.Reason) > maxHoldReasonRunes {
		return LegalHold{}, retentionInvalid("hold_reason_required", "reason", "give the reason of the hold (at most %d characters)", maxHoldReasonRunes)
	}
	if utf8.RuneCountInString(n.CaseReference) > maxHoldCaseRunes {
		return LegalHold{}, retentionInvalid("invalid_hold_case_reference", "case_reference", "the case reference has at most %d characters", maxHoldCaseRunes)
	}
	var id int64
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := retentionLock(ctx, tx); err != nil {
			return nil, err
		}
		if err := holdTarget(ctx, tx, &n); err != nil {
			return nil, err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO doc_legal_holds (folder_id, document_id, reason, case_reference, placed_at, placed_by)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, db.NullID(n.FolderID), db.NullID(n.DocumentID), n.Reason, n.CaseReference, db.T(now), db.NullID(a.UserID)).Scan(&id); err != nil {
			return nil, fmt.Errorf("document: place legal hold: %w", err)
		}
		return []audit.Event{holdEvent("legal_hold.place", id, n.FolderID, n.DocumentID, n.CaseReference)}, nil
	})
	if err != nil {
		return LegalHold{}, err
	}
	return loadLegalHold(ctx, s.db, id)
}

// holdEvent is the audit event of a hold on its folder or document.
func holdEvent(action string, id, folderID, documentID int64, caseRef string) audit.Event {
	ev := audit.Event{Action: action, ObjectType: auditType(KindFolder), ObjectID: strconv.FormatInt(folderID, 10),
		Detail: map[string]any{"hold_id": id, "case_reference": caseRef}}
	if documentID != 0 {
		ev.ObjectType, ev.ObjectID = auditType(KindDocument), strconv.FormatInt(documentID, 10)
	}
	return ev
}

// ReleaseLegalHold lifts hold id with a reason (records management; audit
// legal_hold.release). 409 hold_released when it is released already.
func (s *Service) ReleaseLegalHold(ctx context.Context, a actor.Actor, id int64, reason string) (LegalHold, error) {
	if err := requireRecords(a); err != nil {
		return LegalHold{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > maxHoldReasonRunes {
		return LegalHold{}, retentionInvalid("hold_release_reason_required", "release_reason", "give the reason of the release (at most %d characters)", maxHoldReasonRunes)
	}
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		h, err := loadLegalHold(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if !h.Active() {
			return nil, errHoldReleased
		}
		res, err := tx.ExecContext(ctx, `UPDATE doc_legal_holds SET released_at = ?, released_by = ?, release_reason = ? WHERE id = ? AND released_at IS NULL`,
			db.T(now), db.NullID(a.UserID), reason, id)
		if err != nil {
			return nil, fmt.Errorf("document: release legal hold: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil, errHoldReleased
		}
		return []audit.Event{holdEvent("legal_hold.release", id, h.FolderID, h.DocumentID, h.CaseReference)}, nil
	})
	if err != nil {
		return LegalHold{}, err
	}
	return loadLegalHold(ctx, s.db, id)
}

// ListLegalHolds returns holds, active ones first, newest first
// (records management, administrators and auditors).
func (s *Service) ListLegalHolds(ctx context.Context, a actor.Actor, f HoldFilter) ([]LegalHold, error) {
	if !canReadRecordsData(a) {
		return nil, errNotFound
	}
	var conds []string
	var args []any
	switch f.State {
	case "":
	case "active":
		conds = append(conds, "h.released_at IS NULL")
	case "released":
		conds = append(conds, "h.released_at IS NOT NULL")
	default:
		return nil, retentionInvalid("invalid_filter", "state", "state is active or released")
	}
	if f.FolderID != 0 {
		conds, args = append(conds, "h.folder_id = ?"), append(args, f.FolderID)
	}
	if f.DocumentID != 0 {
		conds, args = append(conds, "h.document_id = ?"), append(args, f.DocumentID)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	hs, err := db.Query(ctx, s.db, scanLegalHold, `SELECT `+legalHoldFields+legalHoldFrom+where+
		` ORDER BY CASE WHEN h.released_at IS NULL THEN 0 ELSE 1 END, h.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("document: legal holds: %w", err)
	}
	if hs == nil {
		hs = []LegalHold{}
	}
	return hs, nil
}
