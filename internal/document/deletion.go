package document

// Deletion (Aussonderung/Löschung, docs/retention.md#löschung): the
// due-for-deletion report and the two-person deletion of expired records.
//
// Records management proposes the deletion of a closed file (with
// everything in it) or of a document of a document-date class once its
// retention has ended and no legal hold keeps it; a second person of
// records management approves or rejects the proposal; the proposer may
// cancel it. Approval checks expiry and holds again and deletes the rows
// of the record in one transaction, keeping the doc_deletions row as the
// deletion record (Löschprotokoll) with a summary, and an audit event
// folder.deleted or document.deleted. After the commit the contents no
// version and no task attachment refers to any more are deleted from the
// blob store; one that cannot be deleted stays as an orphan, which ortlos
// doctor reports. There is no other way to delete records: neither
// administrators nor the command line bypass this.

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/blobref"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// Deletion states.
const (
	DeletionProposed  = "proposed"
	DeletionRejected  = "rejected"
	DeletionCancelled = "cancelled"
	DeletionDeleted   = "deleted"
)

// maxDeletionTextRunes bounds a proposal's reason and a decision's note.
const maxDeletionTextRunes = 1000

// Deletion is a deletion proposal and, once approved, the deletion record.
type Deletion struct {
	ID       int64
	Kind     string // KindFolder (a file with everything in it) or KindDocument
	ObjectID int64
	// Reference is the Aktenzeichen of the file (for a document: of its
	// file); Title the file's or document's title.
	Reference      string
	Title          string
	RetentionCode  string
	RetentionYears int
	TriggerDate    civil.Date
	DeletableFrom  civil.Date
	State          string
	Reason         string
	ProposedAt     time.Time
	ProposedBy     int64
	ProposedByName string
	// DecidedAt and DecidedBy tell who approved or rejected it (a
	// cancellation by the proposer has DecidedAt only).
	DecidedAt     *time.Time
	DecidedBy     int64
	DecidedByName string
	DecisionNote  string
	Summary       DeletionSummary
}

// DeletionSummary is what an approved deletion removed. It is stored as
// JSON in doc_deletions.summary.
type DeletionSummary struct {
	Folders       int      `json:"folders"`
	Documents     int      `json:"documents"`
	Versions      int      `json:"versions"`
	Bytes         int64    `json:"bytes"`
	SHA256        []string `json:"sha256"`
	FolderIDs     []int64  `json:"folder_ids"`
	DocumentIDs   []int64  `json:"document_ids"`
	ReleasedHolds int      `json:"released_holds"`
}

// DeletionFilter selects deletion records, newest first.
type DeletionFilter struct {
	// State is one of the deletion states, "decided" (everything but
	// proposed) or "" (all).
	State string
	Limit int // 0: 50
	// BeforeID pages: only records with a smaller id.
	BeforeID int64
}

// DueItem is a record of the due-for-deletion report.
type DueItem struct {
	Kind          string
	ID            int64
	Reference     string
	Title         string
	Class         RetentionClass
	TriggerDate   civil.Date
	DeletableFrom civil.Date
	// Documents counts the documents that go with a file.
	Documents int
}

var (
	errNotExpired     = apperr.Conflictf("retention_not_expired", "the retention period has not ended")
	errHoldActive     = apperr.Conflictf("legal_hold_active", "a legal hold keeps the record")
	errPending        = apperr.Conflictf("deletion_pending", "a deletion proposal for the record is open")
	errNotDeletable   = apperr.Conflictf("deletion_not_allowed", "only files (Akten) and documents of a document-date class are deleted on their own")
	errNotPending     = apperr.Conflictf("deletion_not_pending", "the proposal has been decided already")
	errSecondPerson   = apperr.Forbiddenf("deletion_second_person_required", "a second person of records management decides on a proposal")
	errNotProposer    = apperr.Forbiddenf("deletion_not_proposer", "only the proposer cancels a proposal")
	errDeletionNoteRq = apperr.Invalidf("deletion_note_required", "give the reason of the rejection").WithField("note", "deletion_note_required")
)

func checkDeletionText(s *string, field string) error {
	*s = strings.TrimSpace(*s)
	if utf8.RuneCountInString(*s) > maxDeletionTextRunes {
		return retentionInvalid("invalid_deletion_text", field, "at most %d characters", maxDeletionTextRunes)
	}
	return nil
}

const deletionFields = `x.id, x.kind, x.object_id, x.reference, x.title, x.retention_code, x.retention_years, x.trigger_date, x.deletable_from,
	x.state, x.reason, x.proposed_at, x.proposed_by, COALESCE(pu.display_name, ''), x.decided_at, x.decided_by, COALESCE(du.display_name, ''),
	x.decision_note, x.summary`

const deletionFrom = ` FROM doc_deletions x LEFT JOIN users pu ON pu.id = x.proposed_by LEFT JOIN users du ON du.id = x.decided_by`

func scanDeletion(row db.Scanner) (Deletion, error) {
	var x Deletion
	var trig, from, summary string
	var proposed db.Time
	var decided db.NullTime
	var decidedBy *int64
	if err := row.Scan(&x.ID, &x.Kind, &x.ObjectID, &x.Reference, &x.Title, &x.RetentionCode, &x.RetentionYears, &trig, &from,
		&x.State, &x.Reason, &proposed, &x.ProposedBy, &x.ProposedByName, &decided, &decidedBy, &x.DecidedByName,
		&x.DecisionNote, &summary); err != nil {
		return x, err
	}
	var err error
	if x.TriggerDate, err = civil.Parse(trig); err != nil {
		return x, err
	}
	if x.DeletableFrom, err = civil.Parse(from); err != nil {
		return x, err
	}
	x.ProposedAt = proposed.Time
	x.DecidedAt = decided.Ptr()
	if decidedBy != nil {
		x.DecidedBy = *decidedBy
	}
	if err := json.Unmarshal([]byte(summary), &x.Summary); err != nil {
		return x, fmt.Errorf("summary: %w", err)
	}
	if x.Summary.SHA256 == nil {
		x.Summary.SHA256 = []string{}
	}
	return x, nil
}

func loadDeletion(ctx context.Context, q db.Querier, id int64) (Deletion, error) {
	x, err := scanDeletion(q.QueryRowContext(ctx, `SELECT `+deletionFields+deletionFrom+` WHERE x.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return x, errNotFound
	}
	if err != nil {
		return x, fmt.Errorf("document: deletion: %w", err)
	}
	return x, nil
}

// deletionCheck is the state of a record as a deletion sees it.
type deletionCheck struct {
	Retention
	reference, title string
}

// checkDeletable loads the record's retention inside q and refuses what
// may not be deleted now.
func (s *Service) checkDeletable(ctx context.Context, q db.Querier, kind string, id int64, today civil.Date) (*retentionTree, deletionCheck, error) {
	var c deletionCheck
	scope := rtScopeFolder
	if kind == KindDocument {
		scope = rtScopeDocument
	} else if kind != KindFolder {
		return nil, c, errNotFound
	}
	t, err := s.loadRetentionTree(ctx, q, scope, id)
	if err != nil {
		return nil, c, err
	}
	switch kind {
	case KindFolder:
		f := t.folders[id]
		if f == nil {
			return nil, c, errNotFound
		}
		if f.kind != "file" {
			return nil, c, errNotDeletable
		}
		c.reference, c.title = f.reference, f.title
	case KindDocument:
		d := t.docs[id]
		if d == nil {
			return nil, c, errNotFound
		}
		if cls, _ := t.docClass(d); cls == nil || cls.Trigger != TriggerDocumentDate {
			return nil, c, errNotDeletable
		}
		c.title = d.title
		if f := t.folders[d.folder]; f != nil {
			c.reference = f.reference
		}
	}
	c.Retention = t.retention(kind, id, today)
	if !c.Expired || c.Class == nil || c.TriggerDate == nil {
		return nil, c, errNotExpired
	}
	if len(c.Holds) > 0 {
		return nil, c, errHoldActive
	}
	return t, c, nil
}

// ProposeDeletion proposes to delete a file with everything in it (kind
// KindFolder) or a document of a document-date class (records management;
// audit deletion.propose). Refused: 409 retention_not_expired,
// legal_hold_active, deletion_pending, deletion_not_allowed.
func (s *Service) ProposeDeletion(ctx context.Context, a actor.Actor, kind string, id int64, reason string) (Deletion, error) {
	if err := requireRecords(a); err != nil {
		return Deletion{}, err
	}
	if err := checkDeletionText(&reason, "reason"); err != nil {
		return Deletion{}, err
	}
	var did int64
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := retentionLock(ctx, tx); err != nil {
			return nil, err
		}
		_, c, err := s.checkDeletable(ctx, tx, kind, id, civil.In(now, s.zone()))
		if err != nil {
			return nil, err
		}
		if c.PendingDeletion != 0 {
			return nil, errPending
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO doc_deletions (kind, object_id, reference, title, retention_code, retention_years,
			trigger_date, deletable_from, state, reason, proposed_at, proposed_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'proposed', ?, ?, ?) RETURNING id`,
			kind, id, c.reference, c.title, c.Class.Code, c.Class.Years, c.TriggerDate.String(), c.DeletableFrom.String(),
			reason, db.T(now), a.UserID).Scan(&did); err != nil {
			return nil, fmt.Errorf("document: propose deletion: %w", err)
		}
		return []audit.Event{{Action: "deletion.propose", ObjectType: auditType(kind), ObjectID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"deletion_id": did, "reference": c.reference, "retention_code": c.Class.Code,
				"deletable_from": c.DeletableFrom.String()}}}, nil
	})
	if err != nil {
		return Deletion{}, err
	}
	return loadDeletion(ctx, s.db, did)
}

// pendingDeletion loads proposal id for a decision inside tx.
func pendingDeletion(ctx context.Context, tx *db.Tx, id int64) (Deletion, error) {
	x, err := loadDeletion(ctx, tx, id)
	if err != nil {
		return x, err
	}
	if x.State != DeletionProposed {
		return x, errNotPending
	}
	return x, nil
}

// ApproveDeletion approves proposal id and deletes the record (a second
// person of records management: 403 deletion_second_person_required for
// the proposer). Expiry and holds are checked again (409
// retention_not_expired, legal_hold_active). The rows of the record go in
// one transaction with the deletion record and the audit event
// folder.deleted or document.deleted; afterwards the contents nothing
// refers to any more leave the blob store.
func (s *Service) ApproveDeletion(ctx context.Context, a actor.Actor, id int64, note string) (Deletion, error) {
	if err := requireRecords(a); err != nil {
		return Deletion{}, err
	}
	if err := checkDeletionText(&note, "note"); err != nil {
		return Deletion{}, err
	}
	var shas []string
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := retentionLock(ctx, tx); err != nil {
			return nil, err
		}
		x, err := pendingDeletion(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if x.ProposedBy == a.UserID {
			return nil, errSecondPerson
		}
		t, c, err := s.checkDeletable(ctx, tx, x.Kind, x.ObjectID, civil.In(now, s.zone()))
		if err != nil {
			return nil, err
		}
		sum, err := deleteRecordRows(ctx, tx, t, x.Kind, x.ObjectID)
		if err != nil {
			return nil, err
		}
		shas = sum.SHA256
		b, err := json.Marshal(sum)
		if err != nil {
			return nil, fmt.Errorf("document: deletion summary: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE doc_deletions SET state = 'deleted', decided_at = ?, decided_by = ?, decision_note = ?,
			summary = ?, retention_code = ?, retention_years = ?, trigger_date = ?, deletable_from = ? WHERE id = ?`,
			db.T(now), a.UserID, note, string(b), c.Class.Code, c.Class.Years, c.TriggerDate.String(), c.DeletableFrom.String(), id); err != nil {
			return nil, fmt.Errorf("document: record deletion: %w", err)
		}
		return []audit.Event{{Action: x.Kind + ".deleted", ObjectType: auditType(x.Kind), ObjectID: strconv.FormatInt(x.ObjectID, 10),
			Detail: map[string]any{"deletion_id": id, "reference": x.Reference, "title": x.Title, "retention_code": c.Class.Code,
				"retention_years": c.Class.Years, "trigger_date": c.TriggerDate.String(), "deletable_from": c.DeletableFrom.String(),
				"proposed_by": x.ProposedBy, "approved_by": a.UserID, "folders": sum.Folders, "documents": sum.Documents,
				"versions": sum.Versions, "bytes": sum.Bytes}}}, nil
	})
	if err != nil {
		return Deletion{}, err
	}
	s.collectDeletedBlobs(context.WithoutCancel(ctx), shas)
	return loadDeletion(ctx, s.db, id)
}

// deleteRecordRows deletes the rows of a file with everything below it, or
// of a document: tags, versions, released holds, documents, grants and
// folders. It returns what went.
func deleteRecordRows(ctx context.Context, tx *db.Tx, t *retentionTree, kind string, id int64) (DeletionSummary, error) {
	sum := DeletionSummary{SHA256: []string{}, FolderIDs: []int64{}, DocumentIDs: []int64{}}
	var folders, docs []int64
	if kind == KindDocument {
		docs = []int64{id}
	} else {
		folders = t.subtree(id)
		for _, fid := range folders {
			docs = append(docs, t.docsIn[fid]...)
		}
	}
	seen := map[string]bool{}
	exec := func(what, query string, args ...any) (int64, error) {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return 0, fmt.Errorf("document: delete %s: %w", what, err)
		}
		n, _ := res.RowsAffected()
		return n, nil
	}
	for _, did := range docs {
		rows, err := tx.QueryContext(ctx, `SELECT sha256, size FROM document_versions WHERE document_id = ?`, did)
		if err != nil {
			return sum, fmt.Errorf("document: versions to delete: %w", err)
		}
		for rows.Next() {
			var sha string
			var size int64
			if err := rows.Scan(&sha, &size); err != nil {
				rows.Close()
				return sum, fmt.Errorf("document: versions to delete: %w", err)
			}
			sum.Versions++
			sum.Bytes += size
			if !seen[sha] {
				seen[sha] = true
				sum.SHA256 = append(sum.SHA256, sha)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return sum, fmt.Errorf("document: versions to delete: %w", err)
		}
		if _, err := exec("tags", `DELETE FROM document_tags WHERE document_id = ?`, did); err != nil {
			return sum, err
		}
		if _, err := exec("versions", `DELETE FROM document_versions WHERE document_id = ?`, did); err != nil {
			return sum, err
		}
		// WebDAV bookkeeping of the document (dav_ops.go): locks and the
		// clients' dead properties.
		if _, err := exec("dav locks", `DELETE FROM dav_locks WHERE document_id = ?`, did); err != nil {
			return sum, err
		}
		if _, err := exec("dav properties", `DELETE FROM dav_properties WHERE resource = ?`, "d:"+strconv.FormatInt(did, 10)); err != nil {
			return sum, err
		}
		// Active holds were refused above; should one have slipped in, the
		// foreign key refuses the deletion of its document.
		n, err := exec("holds", `DELETE FROM doc_legal_holds WHERE document_id = ? AND released_at IS NOT NULL`, did)
		if err != nil {
			return sum, err
		}
		sum.ReleasedHolds += int(n)
		if n, err := exec("document", `DELETE FROM documents WHERE id = ?`, did); err != nil {
			return sum, err
		} else if n != 1 {
			return sum, errNotFound
		}
		sum.Documents++
		sum.DocumentIDs = append(sum.DocumentIDs, did)
	}
	// Folders deepest first: a folder's parent_id refers to its parent.
	for i := len(folders) - 1; i >= 0; i-- {
		fid := folders[i]
		n, err := exec("holds", `DELETE FROM doc_legal_holds WHERE folder_id = ? AND released_at IS NOT NULL`, fid)
		if err != nil {
			return sum, err
		}
		sum.ReleasedHolds += int(n)
		if _, err := exec("grants", `DELETE FROM doc_folder_grants WHERE folder_id = ?`, fid); err != nil {
			return sum, err
		}
		if _, err := exec("dav properties", `DELETE FROM dav_properties WHERE resource = ?`, "f:"+strconv.FormatInt(fid, 10)); err != nil {
			return sum, err
		}
		if n, err := exec("folder", `DELETE FROM doc_folders WHERE id = ?`, fid); err != nil {
			return sum, err
		} else if n != 1 {
			return sum, errNotFound
		}
		sum.Folders++
		sum.FolderIDs = append(sum.FolderIDs, fid)
	}
	slices.Sort(sum.SHA256)
	slices.Sort(sum.FolderIDs)
	return sum, nil
}

// collectDeletedBlobs deletes the blobs of shas that no document version
// and no task attachment refers to any more. A failure is logged; the blob
// stays as an orphan that ortlos doctor reports.
func (s *Service) collectDeletedBlobs(ctx context.Context, shas []string) {
	if s.blobs == nil {
		return
	}
	for _, sha := range shas {
		if err := blobref.Collect(ctx, s.db, s.blobs, sha); err != nil {
			s.log.WarnContext(ctx, "document: a deleted record's content stays in the blob store", "sha256", sha, "err", err)
		}
	}
}

// RejectDeletion rejects proposal id with a reason (a second person of
// records management; audit deletion.reject).
func (s *Service) RejectDeletion(ctx context.Context, a actor.Actor, id int64, note string) (Deletion, error) {
	if err := requireRecords(a); err != nil {
		return Deletion{}, err
	}
	if err := checkDeletionText(&note, "note"); err != nil {
		return Deletion{}, err
	}
	if note == "" {
		return Deletion{}, errDeletionNoteRq
	}
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		x, err := pendingDeletion(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if x.ProposedBy == a.UserID {
			return nil, errSecondPerson
		}
		if _, err := tx.ExecContext(ctx, `UPDATE doc_deletions SET state = 'rejected', decided_at = ?, decided_by = ?, decision_note = ? WHERE id = ?`,
			db.T(now), a.UserID, note, id); err != nil {
			return nil, fmt.Errorf("document: reject deletion: %w", err)
		}
		return []audit.Event{{Action: "deletion.reject", ObjectType: auditType(x.Kind), ObjectID: strconv.FormatInt(x.ObjectID, 10),
			Detail: map[string]any{"deletion_id": id, "proposed_by": x.ProposedBy}}}, nil
	})
	if err != nil {
		return Deletion{}, err
	}
	return loadDeletion(ctx, s.db, id)
}

// CancelDeletion withdraws proposal id (its proposer only, who keeps the
// records role; audit deletion.cancel). The row keeps decided_by empty:
// nobody but the proposer decided.
func (s *Service) CancelDeletion(ctx context.Context, a actor.Actor, id int64) (Deletion, error) {
	if err := requireRecords(a); err != nil {
		return Deletion{}, err
	}
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		x, err := pendingDeletion(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if x.ProposedBy != a.UserID {
			return nil, errNotProposer
		}
		if _, err := tx.ExecContext(ctx, `UPDATE doc_deletions SET state = 'cancelled', decided_at = ? WHERE id = ?`, db.T(now), id); err != nil {
			return nil, fmt.Errorf("document: cancel deletion: %w", err)
		}
		return []audit.Event{{Action: "deletion.cancel", ObjectType: auditType(x.Kind), ObjectID: strconv.FormatInt(x.ObjectID, 10),
			Detail: map[string]any{"deletion_id": id}}}, nil
	})
	if err != nil {
		return Deletion{}, err
	}
	return loadDeletion(ctx, s.db, id)
}

// GetDeletion returns deletion record id (records management,
// administrators, auditors).
func (s *Service) GetDeletion(ctx context.Context, a actor.Actor, id int64) (Deletion, error) {
	if !canReadRecordsData(a) {
		return Deletion{}, errNotFound
	}
	return loadDeletion(ctx, s.db, id)
}

// ListDeletions returns deletion proposals and records (the
// Löschprotokoll), newest first: records management, administrators and
// auditors read them. The second result is the id to pass as BeforeID for
// the next page (0: none).
func (s *Service) ListDeletions(ctx context.Context, a actor.Actor, f DeletionFilter) ([]Deletion, int64, error) {
	if !canReadRecordsData(a) {
		return nil, 0, errNotFound
	}
	var conds []string
	var args []any
	switch f.State {
	case "":
	case "decided":
		conds = append(conds, "x.state <> 'proposed'")
	case DeletionProposed, DeletionRejected, DeletionCancelled, DeletionDeleted:
		conds, args = append(conds, "x.state = ?"), append(args, f.State)
	default:
		return nil, 0, retentionInvalid("invalid_filter", "state", "unknown deletion state")
	}
	if f.BeforeID > 0 {
		conds, args = append(conds, "x.id < ?"), append(args, f.BeforeID)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	xs, err := db.Query(ctx, s.db, scanDeletion, `SELECT `+deletionFields+deletionFrom+where+` ORDER BY x.id DESC LIMIT ?`, append(args, f.Limit+1)...)
	if err != nil {
		return nil, 0, fmt.Errorf("document: deletions: %w", err)
	}
	var next int64
	if len(xs) > f.Limit {
		xs = xs[:f.Limit]
		next = xs[len(xs)-1].ID
	}
	if xs == nil {
		xs = []Deletion{}
	}
	return xs, next, nil
}

// CanProposeDeletion reports whether a proposes and decides deletions
// (records management).
func CanProposeDeletion(a actor.Actor) bool { return isRecords(a) && a.CanWrite() }

// CanReadDueReport reports whether a reads the due-for-deletion report:
// records management and administrators.
func CanReadDueReport(a actor.Actor) bool {
	return a.Authenticated() && (isRecords(a) || a.Has(actor.RoleAdmin))
}

// CanReadRecordsData reports whether a reads legal holds and the
// deletion protocol (records management, administrators, auditors).
func CanReadRecordsData(a actor.Actor) bool { return canReadRecordsData(a) }

// ListDueForDeletion returns what may be deleted today (records
// management and administrators): closed files whose retention, that of
// every folder below them and of every document in them has ended, and
// documents of document-date classes whose retention has ended; in each
// case without an active legal hold on them, above or (for files) in
// them, and without an open proposal. A document or file inside a file
// that is due itself is not listed again. Ordered by deletable day, then
// reference.
func (s *Service) ListDueForDeletion(ctx context.Context, a actor.Actor) ([]DueItem, error) {
	if !CanReadDueReport(a) {
		return nil, errNotFound
	}
	t, err := s.loadRetentionTree(ctx, s.db, rtScopeAll, 0)
	if err != nil {
		return nil, err
	}
	today := s.today()
	due := func(kind string, id int64) (Retention, bool) {
		r := t.retention(kind, id, today)
		return r, r.Expired && r.Class != nil && r.TriggerDate != nil && len(r.Holds) == 0 && r.PendingDeletion == 0
	}
	dueFolders := map[int64]bool{}
	var out []DueItem
	for _, f := range t.folders {
		if f.kind != "file" {
			continue
		}
		r, ok := due(KindFolder, f.id)
		if !ok {
			continue
		}
		dueFolders[f.id] = true
		n := 0
		for _, fid := range t.subtree(f.id) {
			n += len(t.docsIn[fid])
		}
		out = append(out, DueItem{Kind: KindFolder, ID: f.id, Reference: f.reference, Title: f.title, Class: *r.Class,
			TriggerDate: *r.TriggerDate, DeletableFrom: *r.DeletableFrom, Documents: n})
	}
	covered := func(folder int64) bool {
		if dueFolders[folder] {
			return true
		}
		for _, fid := range t.ancestors(folder) {
			if dueFolders[fid] {
				return true
			}
		}
		return false
	}
	kept := out[:0]
	for _, it := range out {
		if f := t.folders[it.ID]; !covered(f.parent) {
			kept = append(kept, it)
		}
	}
	out = kept
	for _, d := range t.docs {
		if c, _ := t.docClass(d); c == nil || c.Trigger != TriggerDocumentDate || covered(d.folder) {
			continue
		}
		r, ok := due(KindDocument, d.id)
		if !ok {
			continue
		}
		ref := ""
		if f := t.folders[d.folder]; f != nil {
			ref = f.reference
		}
		out = append(out, DueItem{Kind: KindDocument, ID: d.id, Reference: ref, Title: d.title, Class: *r.Class,
			TriggerDate: *r.TriggerDate, DeletableFrom: *r.DeletableFrom})
	}
	slices.SortFunc(out, func(x, y DueItem) int {
		if c := x.DeletableFrom.Compare(y.DeletableFrom); c != 0 {
			return c
		}
		if c := strings.Compare(x.Reference, y.Reference); c != 0 {
			return c
		}
		if x.Kind != y.Kind {
			return strings.Compare(y.Kind, x.Kind) // files before their documents
		}
		return cmp.Compare(x.ID, y.ID)
	})
	if out == nil {
		out = []DueItem{}
	}
	return out, nil
}
