package document

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// Documents (Schriftstücke) in files (docs/documents.md).
//
// Rights follow the file (access.go): read access shows a document, its
// versions and their contents; write access creates documents, uploads
// versions, edits metadata and checks documents out; manage access also
// finalises any document and breaks other people's locks. The person who
// created a document finalises it with write access as well.
//
// States: draft (in Bearbeitung) → final (schlussgezeichnet) → closed
// (zdA, only by closing the file). A final document keeps changing only
// with a change reason: new versions and metadata edits alike. A closed
// document refuses every change (409 document_closed).
//
// Reads of a final or closed document's metadata (GetDocument,
// ListVersions) and every download (OpenVersion) are audited, with the
// document and version; listing a file's documents is not audited per
// document.

// Document states.
const (
	StateDraft  = "draft"  // in Bearbeitung
	StateFinal  = "final"  // schlussgezeichnet: new versions need a change reason
	StateClosed = "closed" // zdA with its file: read only
)

// States lists the document states in their order.
var States = []string{StateDraft, StateFinal, StateClosed}

// Limits of document metadata.
const (
	MaxTitle        = 300
	MaxAuthor       = 200
	MaxTags         = 20
	MaxTag          = 50
	MaxChangeReason = 1000
)

// Page sizes of document lists.
const (
	DocumentPageDefault = 50
	DocumentPageMax     = 200
)

// Document is a record in a file, with the facts of its current version.
type Document struct {
	ID       int64
	FolderID int64
	// FolderReference and FolderTitle name the file (Aktenzeichen, title).
	FolderReference string
	FolderTitle     string
	Title           string
	TypeID          int64 // 0: none
	TypeName        string
	Author          string
	DocumentDate    *civil.Date
	Fields          map[string]string
	Tags            []string
	State           string
	// CurrentVersion is the newest version's number (0: no content yet);
	// Filename, MIMEType, Size and SHA256 describe it.
	CurrentVersion int
	Filename       string
	MIMEType       string
	Size           int64
	SHA256         string
	// LockedBy is the person who checked the document out (0: nobody, or
	// the lock has expired).
	LockedBy      int64
	LockedByName  string
	LockedAt      *time.Time
	LockExpiresAt *time.Time
	FinalizedAt   *time.Time
	FinalizedBy   int64
	CreatedAt     time.Time
	CreatedBy     int64
	CreatedByName string
	UpdatedAt     time.Time
	// Version counts metadata updates (optimistic concurrency).
	Version int
	// Access is the reader's access to the document's folder.
	Access Access
	// Versions are the document's versions, newest first (GetDocument).
	Versions []Version
	// folderOpen reports whether the file is still open.
	folderOpen bool
}

// DocumentWarning is a note about a change that was made but deserves
// attention.
type DocumentWarning struct {
	Code string // WarnVersionConflict
	// Version is the number of the version the change stored; BasedOn the
	// one the writer started from; Current the newest version before it.
	Version, BasedOn, Current int
}

// WarnVersionConflict: a version was stored whose writer started from an
// older version than the newest one (a conflicting save; nothing is lost,
// but the writer should compare).
const WarnVersionConflict = "VERSION_CONFLICT"

// StaleError carries the current version of a document whose change was
// based on an older one (409 document_stale).
type StaleError struct{ Version int }

func (e *StaleError) Error() string {
	return "document: stale version, current " + strconv.Itoa(e.Version)
}

func errStale(current int) error {
	return apperr.Wrap(apperr.Conflict, "document_stale", "the document was changed in the meantime", &StaleError{Version: current})
}

var (
	errClosed         = apperr.Conflictf("document_closed", "the document is closed with its file (zdA) and cannot be changed")
	errReasonRequired = apperr.Invalidf("change_reason_required", "a final document changes only with a change reason").WithField("change_reason", "change_reason_required")
	errReasonTooLong  = apperr.Invalidf("change_reason_too_long", "a change reason has at most %d characters", MaxChangeReason).WithField("change_reason", "change_reason_too_long")
	errFolderNotFile  = apperr.Invalidf("document_folder_not_file", "documents are filed in files, not in plan positions")
	errFolderClosed   = apperr.Conflictf("document_folder_closed", "the file is closed (zdA); nothing can be added")
	errNotDraft       = apperr.Conflictf("document_not_draft", "the document is final already")
	errNoContent      = apperr.Conflictf("document_no_content", "a document without content cannot be finalised")
	errFinalizeRight  = apperr.Forbiddenf("document_finalize_forbidden", "only the creator or a person with manage access finalises a document")
	errCursor         = apperr.Invalidf("invalid_cursor", "cursor is not one this server handed out").WithField("cursor", "invalid_cursor")
	errUnknownType    = apperr.Invalidf("unknown_document_type", "no such document type").WithField("type_id", "unknown_document_type")
)

// NewDocument is the input of CreateDocument.
type NewDocument struct {
	Title  string
	TypeID int64 // 0: none
	// Author defaults to the creator's display name.
	Author       string
	DocumentDate *civil.Date
	// Fields are the custom fields of the type (keys of its field list).
	Fields map[string]string
	Tags   []string
}

// DocumentUpdate is the input of UpdateDocument: nil fields stay as they
// are. TypeID 0 removes the type; a zero DocumentDate clears the date.
// Fields and Tags replace the whole set when not nil. Version must be the
// version the change is based on; ChangeReason is required once the
// document is final.
type DocumentUpdate struct {
	Version      int
	Title        *string
	TypeID       *int64
	Author       *string
	DocumentDate *civil.Date
	Fields       map[string]string
	Tags         []string
	ChangeReason string
}

// DocumentFilter selects documents of a folder; zero fields do not filter.
type DocumentFilter struct {
	Tag    string
	State  string
	Limit  int    // 0: 50
	Cursor string // NextCursor of the previous page
}

// DocumentPage is one page of a folder's documents.
type DocumentPage struct {
	Items      []Document
	NextCursor string
}

// Permissions on a document (for pages and the API's flags).

// CanWrite reports whether a may change d: write access, a token that
// may write, and a document that is not closed.
func (d Document) CanWrite(a actor.Actor) bool {
	return d.Access >= AccessWrite && a.CanWrite() && d.State != StateClosed && d.folderOpen
}

// CanFinalize reports whether a may finalise d: a draft with content,
// finalised by a person with manage access or its creator with write
// access.
func (d Document) CanFinalize(a actor.Actor) bool {
	return d.CanWrite(a) && d.State == StateDraft && d.CurrentVersion > 0 && finalizer(a, d)
}

func finalizer(a actor.Actor, d Document) bool {
	return d.Access >= AccessManage || d.CreatedBy != 0 && d.CreatedBy == a.UserID && d.Access >= AccessWrite
}

// LockedByOther reports whether someone other than a holds a live lock.
func (d Document) LockedByOther(a actor.Actor) bool {
	return d.LockedBy != 0 && d.LockedBy != a.UserID
}

// CanBreakLock reports whether a may release another person's lock on d.
func (d Document) CanBreakLock(a actor.Actor) bool {
	return d.LockedByOther(a) && d.Access >= AccessManage && a.CanWrite() && d.State != StateClosed
}

// documentFields are the columns scanned by scanDocument.
const documentFields = `d.id, d.folder_id, f.reference, f.title, f.state, d.title, d.type_id, COALESCE(t.name, ''), d.author, d.document_date,
	d.fields, d.state, d.current_version, d.finalized_at, d.finalized_by, d.locked_by, COALESCE(lu.display_name, ''), d.locked_at,
	d.lock_expires_at, d.created_at, d.created_by, COALESCE(cu.display_name, ''), d.updated_at, d.version,
	COALESCE(v.filename, ''), COALESCE(v.mime_type, ''), COALESCE(v.size, 0), COALESCE(v.sha256, '')`

// documentFrom joins what documentFields reads.
const documentFrom = ` FROM documents d
	JOIN doc_folders f ON f.id = d.folder_id
	LEFT JOIN doc_types t ON t.id = d.type_id
	LEFT JOIN users lu ON lu.id = d.locked_by
	LEFT JOIN users cu ON cu.id = d.created_by
	LEFT JOIN document_versions v ON v.document_id = d.id AND v.number = d.current_version`

// scanDocument reads documentFields; a lock that expired before now is
// left out.
func scanDocument(row db.Scanner, now time.Time) (Document, error) {
	var d Document
	var folderState, fields string
	var typeID, finalizedBy, lockedBy, createdBy *int64
	var date *string
	var finalizedAt, lockedAt, lockExpires db.NullTime
	var created, updated db.Time
	if err := row.Scan(&d.ID, &d.FolderID, &d.FolderReference, &d.FolderTitle, &folderState, &d.Title, &typeID, &d.TypeName, &d.Author, &date,
		&fields, &d.State, &d.CurrentVersion, &finalizedAt, &finalizedBy, &lockedBy, &d.LockedByName, &lockedAt,
		&lockExpires, &created, &createdBy, &d.CreatedByName, &updated, &d.Version,
		&d.Filename, &d.MIMEType, &d.Size, &d.SHA256); err != nil {
		return d, err
	}
	d.folderOpen = folderState == "open"
	d.TypeID, d.FinalizedBy, d.LockedBy, d.CreatedBy = deref(typeID), deref(finalizedBy), deref(lockedBy), deref(createdBy)
	if date != nil {
		day, err := civil.Parse(*date)
		if err != nil {
			return d, fmt.Errorf("document date: %w", err)
		}
		d.DocumentDate = &day
	}
	d.Fields = map[string]string{}
	if err := json.Unmarshal([]byte(fields), &d.Fields); err != nil {
		return d, fmt.Errorf("document fields: %w", err)
	}
	d.FinalizedAt, d.LockedAt, d.LockExpiresAt = finalizedAt.Ptr(), lockedAt.Ptr(), lockExpires.Ptr()
	d.CreatedAt, d.UpdatedAt = created.Time, updated.Time
	if d.LockedBy != 0 && !lockLive(d.LockExpiresAt, now) {
		d.LockedBy, d.LockedByName, d.LockedAt, d.LockExpiresAt = 0, "", nil, nil
	}
	d.Tags = []string{}
	return d, nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// loadDocument reads document id without access check. A withdrawn
// document (WebDAV DELETE of a draft, dav_ops.go) is not found: it stays
// stored for its retention period but is gone for its users.
func loadDocument(ctx context.Context, q db.Querier, id int64, now time.Time) (Document, error) {
	d, err := scanDocument(q.QueryRowContext(ctx, `SELECT `+documentFields+documentFrom+` WHERE d.id = ? AND d.withdrawn_at IS NULL`, id), now)
	if errors.Is(err, sql.ErrNoRows) {
		return d, errNotFound
	}
	if err != nil {
		return d, fmt.Errorf("document: load: %w", err)
	}
	ds := []Document{d}
	if err := fillTags(ctx, q, ds); err != nil {
		return d, err
	}
	return ds[0], nil
}

// documentFor reads document id and checks that a has at least min on
// its file (404 when a does not see it).
func (s *Service) documentFor(ctx context.Context, q db.Querier, a actor.Actor, id int64, min Access, now time.Time) (Document, error) {
	if !a.Authenticated() {
		return Document{}, errNotFound
	}
	d, err := loadDocument(ctx, q, id, now)
	if err != nil {
		return d, err
	}
	if d.Access, err = s.requireFolder(ctx, q, a, d.FolderID, min); err != nil {
		return Document{}, err
	}
	return d, nil
}

// fillTags loads the tags of ds.
func fillTags(ctx context.Context, q db.Querier, ds []Document) error {
	if len(ds) == 0 {
		return nil
	}
	idx := map[int64]int{}
	args := make([]any, 0, len(ds))
	for i, d := range ds {
		idx[d.ID] = i
		args = append(args, d.ID)
		ds[i].Tags = []string{}
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")
	rows, err := q.QueryContext(ctx, `SELECT document_id, tag FROM document_tags WHERE document_id IN (`+marks+`) ORDER BY tag`, args...)
	if err != nil {
		return fmt.Errorf("document: tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return fmt.Errorf("document: tags: %w", err)
		}
		ds[idx[id]].Tags = append(ds[idx[id]].Tags, tag)
	}
	return rows.Err()
}

// validText trims s and checks its length and characters (no control
// characters).
func validText(s string, min, max int, field, code string) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	bad := !utf8.ValidString(s) || n < min || n > max || strings.ContainsFunc(s, unicode.IsControl)
	if bad {
		return "", apperr.Invalidf(code, "%s has %d to %d characters without control characters", field, min, max).WithField(field, code)
	}
	return s, nil
}

func validTitle(s string) (string, error) {
	return validText(s, 1, MaxTitle, "title", "invalid_document_title")
}

func validAuthor(s string) (string, error) {
	return validText(s, 0, MaxAuthor, "author", "invalid_document_author")
}

// validTags trims, deduplicates and checks tags.
func validTags(tags []string) ([]string, error) {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		t, err := validText(t, 1, MaxTag, "tags", "invalid_document_tag")
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > MaxTags {
		return nil, apperr.Invalidf("too_many_document_tags", "a document has at most %d tags", MaxTags).WithField("tags", "too_many_document_tags")
	}
	slices.Sort(out)
	return out, nil
}

// validReason trims and checks a change reason (line breaks allowed).
func validReason(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxChangeReason ||
		strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) {
		return "", errReasonTooLong
	}
	return s, nil
}

// validFields checks the custom fields of a document of type typeID with
// the type's rules (DocType.ValidateFields: 422 validation_failed with an
// entry "fields.<key>" per bad value) and returns them cleaned: trimmed,
// empty values dropped, dates as YYYY-MM-DD, numbers with a decimal point.
// Without a type there are no custom fields.
func validFields(ctx context.Context, q db.Querier, typeID int64, fields map[string]string) (map[string]string, error) {
	var t DocType
	if typeID != 0 {
		var err error
		if t, err = fpLoadDocType(ctx, q, typeID); err != nil {
			if apperr.KindOf(err) == apperr.NotFound {
				return nil, errUnknownType
			}
			return nil, err
		}
	}
	if err := t.ValidateFields(fields); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range t.Fields {
		v := strings.TrimSpace(fields[f.Key])
		switch {
		case v == "":
			continue
		case f.Kind == FieldDate:
			if day, err := civil.Parse(v); err == nil {
				v = day.String()
			}
		case f.Kind == FieldNumber:
			v = strings.Replace(v, ",", ".", 1)
		}
		out[f.Key] = v
	}
	return out, nil
}

// fileForDocuments checks that folder id is a file that takes new
// documents.
func fileForDocuments(ctx context.Context, q db.Querier, id int64) error {
	var kind, state string
	if err := q.QueryRowContext(ctx, `SELECT kind, state FROM doc_folders WHERE id = ?`, id).Scan(&kind, &state); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound
		}
		return fmt.Errorf("document: folder: %w", err)
	}
	if kind != "file" {
		return errFolderNotFile
	}
	if state != "open" {
		return errFolderClosed
	}
	return nil
}

// setTags replaces the tags of document id.
func setTags(ctx context.Context, tx *db.Tx, id int64, tags []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM document_tags WHERE document_id = ?`, id); err != nil {
		return fmt.Errorf("document: tags: %w", err)
	}
	for _, t := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO document_tags (document_id, tag) VALUES (?, ?)`, id, t); err != nil {
			return fmt.Errorf("document: tags: %w", err)
		}
	}
	return nil
}

func fieldsJSON(fields map[string]string) string {
	if fields == nil {
		fields = map[string]string{}
	}
	b, _ := json.Marshal(fields)
	return string(b)
}

func docID(id int64) string { return strconv.FormatInt(id, 10) }

// CreateDocument files a new document in folder folderID (a file, open;
// write access), optionally with its first version: the content of first
// is streamed into the blob store before the records are written, so a
// refused or failed upload stores no document. The author defaults to the
// creator's display name. Audit document.create (and document.version_add
// for the first version).
func (s *Service) CreateDocument(ctx context.Context, a actor.Actor, folderID int64, n NewDocument, first *Upload) (Document, error) {
	title, err := validTitle(n.Title)
	if err != nil {
		return Document{}, err
	}
	author, err := validAuthor(n.Author)
	if err != nil {
		return Document{}, err
	}
	tags, err := validTags(n.Tags)
	if err != nil {
		return Document{}, err
	}
	if n.TypeID < 0 {
		return Document{}, errUnknownType
	}
	var reason string
	if first != nil {
		if reason, err = validReason(first.ChangeReason); err != nil {
			return Document{}, err
		}
	}
	// Check rights and the file before reading any content.
	if _, err := s.requireFolder(ctx, s.db, a, folderID, AccessWrite); err != nil {
		return Document{}, err
	}
	if err := fileForDocuments(ctx, s.db, folderID); err != nil {
		return Document{}, err
	}
	if _, err := validFields(ctx, s.db, n.TypeID, n.Fields); err != nil {
		return Document{}, err
	}
	var content stored
	if first != nil {
		if content, err = s.storeContent(ctx, a, *first); err != nil {
			return Document{}, err
		}
	}
	var id int64
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.requireFolder(ctx, tx, a, folderID, AccessWrite); err != nil {
			return nil, err
		}
		if err := fileForDocuments(ctx, tx, folderID); err != nil {
			return nil, err
		}
		fields, err := validFields(ctx, tx, n.TypeID, n.Fields)
		if err != nil {
			return nil, err
		}
		if author == "" {
			if err := tx.QueryRowContext(ctx, `SELECT display_name FROM users WHERE id = ?`, a.UserID).Scan(&author); err != nil {
				return nil, fmt.Errorf("document: author: %w", err)
			}
		}
		current := 0
		if first != nil {
			current = 1
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO documents (folder_id, title, type_id, author, document_date, fields, state,
			current_version, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			folderID, title, db.NullID(n.TypeID), author, db.NullDate(n.DocumentDate), fieldsJSON(fields), StateDraft,
			current, db.T(now), db.NullID(a.UserID), db.T(now)).Scan(&id); err != nil {
			return nil, fmt.Errorf("document: create: %w", err)
		}
		if err := setTags(ctx, tx, id, tags); err != nil {
			return nil, err
		}
		events := []audit.Event{{Action: "document.create", ObjectType: "document", ObjectID: docID(id),
			Detail: map[string]any{"folder_id": folderID, "title": title, "type_id": n.TypeID}}}
		if first != nil {
			if err := s.insertVersion(ctx, tx, now, a, id, 1, content, reason, nil, false); err != nil {
				return nil, err
			}
			events = append(events, versionEvent(folderID, id, 1, content, nil, false))
		}
		return events, nil
	})
	if err != nil {
		return Document{}, err
	}
	return s.document(ctx, a, id)
}

// CheckNewDocument reports whether a may file a new document in folder
// folderID: nil for an open file a has write access to, else the refusal
// CreateDocument would give (404, 403, document_folder_not_file,
// document_folder_closed).
func (s *Service) CheckNewDocument(ctx context.Context, a actor.Actor, folderID int64) error {
	if _, err := s.requireFolder(ctx, s.db, a, folderID, AccessWrite); err != nil {
		return err
	}
	return fileForDocuments(ctx, s.db, folderID)
}

// document returns document id with its versions for a (read access),
// without auditing the read: for the answers of changes.
func (s *Service) document(ctx context.Context, a actor.Actor, id int64) (Document, error) {
	d, err := s.documentFor(ctx, s.db, a, id, AccessRead, s.clock.Now())
	if err != nil {
		return d, err
	}
	if d.Versions, err = listVersions(ctx, s.db, id); err != nil {
		return d, err
	}
	return d, nil
}

// auditRead records that a read the metadata of a final or closed
// document (document.read); drafts are not audited.
func (s *Service) auditRead(ctx context.Context, a actor.Actor, d Document, part string) error {
	if d.State == StateDraft {
		return nil
	}
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		return []audit.Event{{Action: "document.read", ObjectType: "document", ObjectID: docID(d.ID),
			Detail: map[string]any{"folder_id": d.FolderID, "state": d.State, "version": d.CurrentVersion, "part": part}}}, nil
	})
}

// GetDocument returns document id with its tags, custom fields and
// versions (read access). Reading a final or closed document is audited
// (document.read).
func (s *Service) GetDocument(ctx context.Context, a actor.Actor, id int64) (Document, error) {
	d, err := s.document(ctx, a, id)
	if err != nil {
		return d, err
	}
	if err := s.auditRead(ctx, a, d, "metadata"); err != nil {
		return Document{}, err
	}
	return d, nil
}

// UpdateDocument changes the metadata in u (write access). A change based
// on an older version answers 409 document_stale; a closed document 409
// document_closed; a final one needs a change reason (422
// change_reason_required), which the audit record keeps. Changing the
// type checks the custom fields against the new type. Audit
// document.update with the changed fields.
func (s *Service) UpdateDocument(ctx context.Context, a actor.Actor, id int64, u DocumentUpdate) (Document, error) {
	if u.Title != nil {
		t, err := validTitle(*u.Title)
		if err != nil {
			return Document{}, err
		}
		u.Title = &t
	}
	if u.Author != nil {
		t, err := validAuthor(*u.Author)
		if err != nil {
			return Document{}, err
		}
		u.Author = &t
	}
	var tags []string
	if u.Tags != nil {
		var err error
		if tags, err = validTags(u.Tags); err != nil {
			return Document{}, err
		}
	}
	if u.TypeID != nil && *u.TypeID < 0 {
		return Document{}, errUnknownType
	}
	reason, err := validReason(u.ChangeReason)
	if err != nil {
		return Document{}, err
	}
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		d, err := s.documentFor(ctx, tx, a, id, AccessWrite, now)
		if err != nil {
			return nil, err
		}
		if d.State == StateClosed || !d.folderOpen {
			return nil, errClosed
		}
		if u.Version != d.Version {
			return nil, errStale(d.Version)
		}
		if d.State == StateFinal && reason == "" {
			return nil, errReasonRequired
		}
		changed := []string{}
		if u.Title != nil && *u.Title != d.Title {
			d.Title = *u.Title
			changed = append(changed, "title")
		}
		if u.Author != nil && *u.Author != d.Author {
			d.Author = *u.Author
			changed = append(changed, "author")
		}
		if u.DocumentDate != nil {
			d.DocumentDate = u.DocumentDate
			if u.DocumentDate.IsZero() {
				d.DocumentDate = nil
			}
			changed = append(changed, "document_date")
		}
		fields := d.Fields
		if u.Fields != nil {
			fields = u.Fields
			changed = append(changed, "fields")
		}
		if u.TypeID != nil && *u.TypeID != d.TypeID {
			d.TypeID = *u.TypeID
			changed = append(changed, "type_id")
		}
		if u.Fields != nil || u.TypeID != nil {
			if d.Fields, err = validFields(ctx, tx, d.TypeID, fields); err != nil {
				return nil, err
			}
		}
		if u.Tags != nil {
			if err := setTags(ctx, tx, id, tags); err != nil {
				return nil, err
			}
			changed = append(changed, "tags")
		}
		res, err := tx.ExecContext(ctx, `UPDATE documents SET title = ?, type_id = ?, author = ?, document_date = ?, fields = ?,
			updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			d.Title, db.NullID(d.TypeID), d.Author, db.NullDate(d.DocumentDate), fieldsJSON(d.Fields), db.T(now), id, d.Version)
		if err != nil {
			return nil, fmt.Errorf("document: update: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return nil, errStale(d.Version)
		}
		detail := map[string]any{"folder_id": d.FolderID, "fields": changed, "state": d.State}
		if reason != "" {
			detail["change_reason"] = reason
		}
		return []audit.Event{{Action: "document.update", ObjectType: "document", ObjectID: docID(id), Detail: detail}}, nil
	})
	if err != nil {
		return Document{}, err
	}
	return s.document(ctx, a, id)
}

// FinalizeDocument makes draft id final (schlussgezeichnet): a person with
// manage access, or its creator with write access, finalises a document
// that has content and is not checked out by someone else. version, when
// not nil, must be the document's current version (409 document_stale).
// Audit document.finalize.
func (s *Service) FinalizeDocument(ctx context.Context, a actor.Actor, id int64, version *int) (Document, error) {
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		d, err := s.documentFor(ctx, tx, a, id, AccessWrite, now)
		if err != nil {
			return nil, err
		}
		switch {
		case d.State == StateClosed || !d.folderOpen:
			return nil, errClosed
		case version != nil && *version != d.Version:
			return nil, errStale(d.Version)
		case d.State != StateDraft:
			return nil, errNotDraft
		case !finalizer(a, d):
			return nil, errFinalizeRight
		case d.CurrentVersion == 0:
			return nil, errNoContent
		case d.LockedByOther(a):
			return nil, errLocked(d)
		}
		res, err := tx.ExecContext(ctx, `UPDATE documents SET state = ?, finalized_at = ?, finalized_by = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND version = ?`, StateFinal, db.T(now), db.NullID(a.UserID), db.T(now), id, d.Version)
		if err != nil {
			return nil, fmt.Errorf("document: finalize: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return nil, errStale(d.Version)
		}
		return []audit.Event{{Action: "document.finalize", ObjectType: "document", ObjectID: docID(id),
			Detail: map[string]any{"folder_id": d.FolderID, "version": d.CurrentVersion}}}, nil
	})
	if err != nil {
		return Document{}, err
	}
	return s.document(ctx, a, id)
}

// Paging cursors are a kind letter and a positive number ("d:<id>" of the
// last document of a page, "s:<offset>" of a search), base64url-encoded.

// encodeCursor returns the cursor of number n of kind.
func encodeCursor(kind string, n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.FormatInt(n, 10)))
}

// decodeCursor returns the positive number of a cursor of kind; false
// when c is not one.
func decodeCursor(c, kind string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	num, ok := strings.CutPrefix(string(b), kind+":")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	return n, err == nil && n > 0
}

// documentCursor encodes the id of the last document of a page.
func documentCursor(id int64) string { return encodeCursor("d", id) }

func decodeDocumentCursor(c string) (int64, error) {
	id, ok := decodeCursor(c, "d")
	if !ok {
		return 0, errCursor
	}
	return id, nil
}

// ListDocuments returns a page of the documents in folder folderID (read
// access), newest first, paged by a keyset cursor on the id. Listing is
// not audited per document (it shows titles and states, no content).
func (s *Service) ListDocuments(ctx context.Context, a actor.Actor, folderID int64, f DocumentFilter) (DocumentPage, error) {
	if f.Limit == 0 {
		f.Limit = DocumentPageDefault
	}
	if f.Limit < 1 || f.Limit > DocumentPageMax {
		return DocumentPage{}, apperr.Invalidf("invalid_filter", "limit must be between 1 and %d", DocumentPageMax).WithField("limit", "invalid_filter")
	}
	if f.State != "" && !slices.Contains(States, f.State) {
		return DocumentPage{}, apperr.Invalidf("invalid_filter", "unknown state").WithField("state", "invalid_filter")
	}
	if len(f.Tag) > 4*MaxTag {
		return DocumentPage{}, apperr.Invalidf("invalid_filter", "tag is too long").WithField("tag", "invalid_filter")
	}
	access, err := s.requireFolder(ctx, s.db, a, folderID, AccessRead)
	if err != nil {
		return DocumentPage{}, err
	}
	where, args := []string{`d.folder_id = ?`}, []any{folderID}
	if f.State != "" {
		where, args = append(where, `d.state = ?`), append(args, f.State)
	}
	if f.Tag != "" {
		where, args = append(where, `EXISTS (SELECT 1 FROM document_tags dt WHERE dt.document_id = d.id AND dt.tag = ?)`), append(args, strings.TrimSpace(f.Tag))
	}
	if f.Cursor != "" {
		after, err := decodeDocumentCursor(f.Cursor)
		if err != nil {
			return DocumentPage{}, err
		}
		where, args = append(where, `d.id < ?`), append(args, after)
	}
	now := s.clock.Now()
	items, err := db.Query(ctx, s.db, func(row db.Scanner) (Document, error) { return scanDocument(row, now) },
		`SELECT `+documentFields+documentFrom+` WHERE d.withdrawn_at IS NULL AND `+strings.Join(where, " AND ")+` ORDER BY d.id DESC LIMIT `+strconv.Itoa(f.Limit+1), args...)
	if err != nil {
		return DocumentPage{}, fmt.Errorf("document: list: %w", err)
	}
	var page DocumentPage
	if len(items) > f.Limit {
		items = items[:f.Limit]
		page.NextCursor = documentCursor(items[len(items)-1].ID)
	}
	for i := range items {
		items[i].Access = access
	}
	if err := fillTags(ctx, s.db, items); err != nil {
		return DocumentPage{}, err
	}
	if items == nil {
		items = []Document{}
	}
	page.Items = items
	return page, nil
}
