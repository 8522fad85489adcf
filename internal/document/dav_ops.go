package document

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
)

// Operations of the WebDAV access at /dav/ (internal/dav, docs/webdav.md).
//
// Namespace: the DAV root lists the folders a person sees whose parent
// they do not see (their "top-level" folders); a folder lists its visible
// sub-folders and its documents. A folder's name is DAVFolderName
// (Aktenzeichen and title, made safe for file systems); a lookup also
// accepts the folder's title alone when no sibling shares it, which is how
// a folder created by MKCOL stays reachable under the name the client gave
// it. A document's name is documents.filename (set by WebDAV uploads and
// renames, unique among the file's documents that are not withdrawn) or,
// for documents filed through the web pages, the file name of its current
// version (a collision gets " (<id>)" before the extension).
//
// Records are never deleted over WebDAV: DELETE withdraws drafts
// (documents.withdrawn_at) and emptied files (doc_folders.withdrawn_at).
// Withdrawn documents and folders do not exist for WebDAV; the other
// listings of this package must leave them out as well.

var (
	errDAVReadOnly   = apperr.Forbiddenf("dav_read_only", "the document or file is closed (zdA) and cannot be changed")
	errDAVFinal      = apperr.Forbiddenf("dav_final_document", "a final document changes only with a change reason: save it under a new name or use the web pages")
	errDAVWithdraw   = apperr.Forbiddenf("dav_withdraw_refused", "only drafts are withdrawn; final and closed documents are kept")
	errDAVFolderKeep = apperr.Forbiddenf("dav_folder_delete_refused", "only open files whose contents may all be withdrawn are withdrawn")
	// ErrDAVName refuses a name for a new document or folder.
	ErrDAVName      = apperr.Invalidf("dav_invalid_name", "the name is empty, too long or holds characters that are not allowed")
	errDAVNameTaken = apperr.Conflictf("dav_name_taken", "another document of the file has this name")
)

// DAVFolder is a folder as WebDAV shows it.
type DAVFolder struct {
	ID, ParentID     int64 // ParentID 0: top level
	Kind             string
	Reference, Title string
	State            string
	Name             string // DAVFolderName
	Access           Access
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// DAVDoc is a document as WebDAV shows it.
type DAVDoc struct {
	ID, FolderID   int64
	Name           string
	Title          string
	State          string
	CurrentVersion int
	Size           int64
	MIMEType       string
	SHA256         string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// LockedBy holds a live check-out (0: none).
	LockedBy int64
	// Named reports that Name is stored (documents.filename).
	Named bool
}

// DAVTree is the part of the file plan one person sees over WebDAV.
type DAVTree struct {
	Folders  map[int64]DAVFolder
	Children map[int64][]int64 // parent id (0: the DAV root) → visible children
}

// DAVFolderName returns a folder's WebDAV name: "<reference> <title>"
// with the characters Windows forbids in file names (\ / : * ? " < > |)
// and control characters replaced by "_", without trailing dots and
// spaces.
func DAVFolderName(reference, title string) string {
	return davSafe(reference + " " + title)
}

func davSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case strings.ContainsRune(`\/:*?"<>|`, r), unicode.IsControl(r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	out := strings.TrimRight(b.String(), " .")
	if out == "" {
		return "_"
	}
	return out
}

// DAVValidName reports whether name may name a new document or folder: 1
// to 255 bytes of UTF-8 without control characters, slashes or
// backslashes, not "." or "..", not ending in a dot or space.
func DAVValidName(name string) bool {
	return name != "" && len(name) <= maxFilename && utf8.ValidString(name) && name != "." && name != ".." &&
		!strings.ContainsAny(name, `/\`) && !strings.ContainsFunc(name, unicode.IsControl) &&
		!strings.HasSuffix(name, " ") && !strings.HasSuffix(name, ".") && SafeFilename(name) == name
}

// DAVTree returns the folders a sees (not withdrawn) with a's access.
func (s *Service) DAVTree(ctx context.Context, a actor.Actor) (DAVTree, error) {
	t := DAVTree{Folders: map[int64]DAVFolder{}, Children: map[int64][]int64{}}
	vis, err := s.visibleFolders(ctx, s.db, a)
	if err != nil || len(vis) == 0 {
		return t, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, parent_id, kind, reference, title, state, created_at, updated_at
		FROM doc_folders WHERE withdrawn_at IS NULL ORDER BY reference, id`)
	if err != nil {
		return t, fmt.Errorf("document: dav tree: %w", err)
	}
	defer rows.Close()
	var order []int64
	for rows.Next() {
		var f DAVFolder
		var parent sql.NullInt64
		var created, updated db.Time
		if err := rows.Scan(&f.ID, &parent, &f.Kind, &f.Reference, &f.Title, &f.State, &created, &updated); err != nil {
			return t, fmt.Errorf("document: dav tree: %w", err)
		}
		x, ok := vis[f.ID]
		if !ok {
			continue
		}
		f.ParentID, f.Access, f.CreatedAt, f.UpdatedAt = parent.Int64, x, created.Time, updated.Time
		f.Name = DAVFolderName(f.Reference, f.Title)
		t.Folders[f.ID] = f
		order = append(order, f.ID)
	}
	if err := rows.Err(); err != nil {
		return t, fmt.Errorf("document: dav tree: %w", err)
	}
	for _, id := range order {
		f := t.Folders[id]
		p := f.ParentID
		if _, ok := t.Folders[p]; !ok {
			p = 0
		}
		t.Children[p] = append(t.Children[p], id)
	}
	return t, nil
}

// Child returns the child of parent (0: the DAV root) named name: by its
// full name, else by its title when exactly one child has that title.
func (t DAVTree) Child(parent int64, name string) (DAVFolder, bool) {
	var byTitle []DAVFolder
	for _, id := range t.Children[parent] {
		f := t.Folders[id]
		if f.Name == name {
			return f, true
		}
		if davSafe(f.Title) == name {
			byTitle = append(byTitle, f)
		}
	}
	if len(byTitle) == 1 {
		return byTitle[0], true
	}
	return DAVFolder{}, false
}

const davDocFields = `d.id, d.folder_id, d.filename, d.title, d.state, d.current_version, COALESCE(v.size, 0), COALESCE(v.mime_type, ''),
	COALESCE(v.sha256, ''), COALESCE(v.filename, ''), d.created_at, d.updated_at, d.locked_by, d.lock_expires_at`

const davDocFrom = ` FROM documents d LEFT JOIN document_versions v ON v.document_id = d.id AND v.number = d.current_version`

// davDoc is a scanned row with the fallback name.
type davDoc struct {
	DAVDoc
	fallback string
}

func scanDAVDoc(row db.Scanner, now time.Time) (davDoc, error) {
	var d davDoc
	var filename sql.NullString
	var created, updated db.Time
	var lockedBy sql.NullInt64
	var lockExpires db.NullTime
	if err := row.Scan(&d.ID, &d.FolderID, &filename, &d.Title, &d.State, &d.CurrentVersion, &d.Size, &d.MIMEType, &d.SHA256,
		&d.fallback, &created, &updated, &lockedBy, &lockExpires); err != nil {
		return d, err
	}
	d.CreatedAt, d.UpdatedAt = created.Time, updated.Time
	if lockedBy.Valid && lockLive(lockExpires.Ptr(), now) {
		d.LockedBy = lockedBy.Int64
	}
	if filename.Valid {
		d.Name, d.Named = filename.String, true
	}
	if d.fallback == "" {
		d.fallback = d.Title
	}
	d.fallback = davSafe(SafeFilename(d.fallback))
	return d, nil
}

// davNames gives the unnamed documents of one file their fallback names.
func davNames(ds []davDoc) []DAVDoc {
	taken := map[string]bool{}
	for _, d := range ds {
		if d.Named {
			taken[d.Name] = true
		}
	}
	out := make([]DAVDoc, 0, len(ds))
	for _, d := range ds {
		if !d.Named {
			d.Name = d.fallback
			if taken[d.Name] {
				ext := path.Ext(d.Name)
				d.Name = strings.TrimSuffix(d.Name, ext) + " (" + strconv.FormatInt(d.ID, 10) + ")" + ext
			}
			taken[d.Name] = true
		}
		out = append(out, d.DAVDoc)
	}
	return out
}

// DAVDocuments returns the documents of folder folderID that are not
// withdrawn (read access), oldest first.
func (s *Service) DAVDocuments(ctx context.Context, a actor.Actor, folderID int64) ([]DAVDoc, error) {
	if _, err := s.requireFolder(ctx, s.db, a, folderID, AccessRead); err != nil {
		return nil, err
	}
	return s.davDocuments(ctx, s.db, folderID)
}

func (s *Service) davDocuments(ctx context.Context, q db.Querier, folderID int64) ([]DAVDoc, error) {
	now := s.clock.Now()
	ds, err := db.Query(ctx, q, func(r db.Scanner) (davDoc, error) { return scanDAVDoc(r, now) },
		`SELECT `+davDocFields+davDocFrom+` WHERE d.folder_id = ? AND d.withdrawn_at IS NULL ORDER BY d.id`, folderID)
	if err != nil {
		return nil, fmt.Errorf("document: dav documents: %w", err)
	}
	return davNames(ds), nil
}

// DAVDocument returns the document of folder folderID named name (read
// access; errNotFound when there is none).
func (s *Service) DAVDocument(ctx context.Context, a actor.Actor, folderID int64, name string) (DAVDoc, error) {
	if _, err := s.requireFolder(ctx, s.db, a, folderID, AccessRead); err != nil {
		return DAVDoc{}, err
	}
	return s.davDocument(ctx, s.db, folderID, name)
}

func (s *Service) davDocument(ctx context.Context, q db.Querier, folderID int64, name string) (DAVDoc, error) {
	d, err := scanDAVDoc(q.QueryRowContext(ctx, `SELECT `+davDocFields+davDocFrom+
		` WHERE d.folder_id = ? AND d.filename = ? AND d.withdrawn_at IS NULL`, folderID, name), s.clock.Now())
	if err == nil {
		return d.DAVDoc, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return DAVDoc{}, fmt.Errorf("document: dav document: %w", err)
	}
	// Documents filed through the web pages have no stored name (index
	// documents_dav_unnamed); only then are all names computed.
	var unnamed bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM documents WHERE folder_id = ? AND filename IS NULL AND withdrawn_at IS NULL)`,
		folderID).Scan(&unnamed); err != nil {
		return DAVDoc{}, fmt.Errorf("document: dav document: %w", err)
	}
	if !unnamed {
		return DAVDoc{}, errNotFound
	}
	all, err := s.davDocuments(ctx, q, folderID)
	if err != nil {
		return DAVDoc{}, err
	}
	for _, d := range all {
		if d.Name == name && !d.Named {
			return d, nil
		}
	}
	return DAVDoc{}, errNotFound
}

// davTitle is the title of a document created over WebDAV: its name
// without the extension.
func davTitle(name string) string {
	t := strings.TrimSpace(strings.TrimSuffix(name, path.Ext(name)))
	if t == "" {
		t = strings.TrimSpace(name)
	}
	if utf8.RuneCountInString(t) > MaxTitle {
		t = string([]rune(t)[:MaxTitle])
	}
	if t, err := validTitle(t); err == nil {
		return t
	}
	return "Dokument"
}

// DAVCheckCreate refuses a new document named name in folderID before any
// content is read: 404, 403 (access, token scope), document_folder_not_file,
// document_folder_closed (403 over WebDAV), dav_invalid_name.
func (s *Service) DAVCheckCreate(ctx context.Context, a actor.Actor, folderID int64, name string) error {
	if !DAVValidName(name) {
		return ErrDAVName
	}
	return s.CheckNewDocument(ctx, a, folderID)
}

// DAVCreate files a new draft named name in folder folderID with content
// r as version 1 (write access; the title is the name without its
// extension). The content streams into the blob store before the records
// are written. Audit document.create and document.version_add.
func (s *Service) DAVCreate(ctx context.Context, a actor.Actor, folderID int64, name, declared string, r io.Reader) (DAVDoc, error) {
	if err := s.DAVCheckCreate(ctx, a, folderID, name); err != nil {
		return DAVDoc{}, err
	}
	content, err := s.storeContent(ctx, a, Upload{Filename: name, Declared: declared, Content: r})
	if err != nil {
		return DAVDoc{}, err
	}
	title := davTitle(name)
	var id int64
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.requireFolder(ctx, tx, a, folderID, AccessWrite); err != nil {
			return nil, err
		}
		if err := fileForDocuments(ctx, tx, folderID); err != nil {
			return nil, err
		}
		var author string
		if err := tx.QueryRowContext(ctx, `SELECT display_name FROM users WHERE id = ?`, a.UserID).Scan(&author); err != nil {
			return nil, fmt.Errorf("document: author: %w", err)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO documents (folder_id, title, author, fields, state, current_version, filename,
			created_at, created_by, updated_at) VALUES (?, ?, ?, '{}', ?, 1, ?, ?, ?, ?) RETURNING id`,
			folderID, title, author, StateDraft, name, db.T(now), db.NullID(a.UserID), db.T(now)).Scan(&id)
		if db.IsUniqueViolation(err) {
			return nil, errDAVNameTaken
		}
		if err != nil {
			return nil, fmt.Errorf("document: dav create: %w", err)
		}
		if err := s.insertVersion(ctx, tx, now, a, id, 1, content, "", nil, false); err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "document.create", ObjectType: "document", ObjectID: docID(id),
			Detail: map[string]any{"folder_id": folderID, "title": title, "type_id": 0, "via": "webdav"}},
			versionEvent(folderID, id, 1, content, nil, false)}, nil
	})
	if err != nil {
		return DAVDoc{}, err
	}
	return s.davDocByID(ctx, s.db, id)
}

func (s *Service) davDocByID(ctx context.Context, q db.Querier, id int64) (DAVDoc, error) {
	d, err := scanDAVDoc(q.QueryRowContext(ctx, `SELECT `+davDocFields+davDocFrom+` WHERE d.id = ? AND d.withdrawn_at IS NULL`, id), s.clock.Now())
	if errors.Is(err, sql.ErrNoRows) {
		return DAVDoc{}, errNotFound
	}
	if err != nil {
		return DAVDoc{}, fmt.Errorf("document: dav document: %w", err)
	}
	if !d.Named {
		d.Name = d.fallback
	}
	return d.DAVDoc, nil
}

// davWritable refuses changes of d over WebDAV: closed (403
// dav_read_only), final (403 dav_final_document: WebDAV carries no change
// reason), checked out by another person (document_locked).
func davWritable(a actor.Actor, d Document) error {
	switch {
	case d.State == StateClosed || !d.folderOpen:
		return errDAVReadOnly
	case d.State == StateFinal:
		return errDAVFinal
	case d.LockedByOther(a):
		return errLocked(d)
	}
	return nil
}

// DAVCheckPut refuses a new version of document id before any content is
// read (see davWritable; write access).
func (s *Service) DAVCheckPut(ctx context.Context, a actor.Actor, id int64) error {
	d, err := s.documentFor(ctx, s.db, a, id, AccessWrite, s.clock.Now())
	if err != nil {
		return err
	}
	return davWritable(a, d)
}

// DAVPut stores r as the next version of document id, based on the
// current one (write access; refusals of DAVCheckPut). Audit
// document.version_add.
func (s *Service) DAVPut(ctx context.Context, a actor.Actor, id int64, name, declared string, r io.Reader) (Version, error) {
	d, err := s.documentFor(ctx, s.db, a, id, AccessWrite, s.clock.Now())
	if err != nil {
		return Version{}, err
	}
	if err := davWritable(a, d); err != nil {
		return Version{}, err
	}
	current := d.CurrentVersion
	v, _, err := s.UploadVersion(ctx, a, id, Upload{Filename: name, Declared: declared, Content: r, BasedOn: &current})
	if apperr.CodeOf(err) == "change_reason_required" {
		return Version{}, errDAVFinal
	}
	return v, err
}

// WithdrawDocument withdraws draft id (write access): it disappears from
// WebDAV, lists and search but stays stored with all its versions for the
// retention period. Final and closed documents are refused (403
// dav_withdraw_refused), a check-out of another person answers
// document_locked. Audit document.withdraw.
func (s *Service) WithdrawDocument(ctx context.Context, a actor.Actor, id int64) error {
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET version = version WHERE id = ?`, id); err != nil {
			return nil, fmt.Errorf("document: lock row: %w", err)
		}
		ev, err := s.withdrawDocument(ctx, tx, a, id, now)
		if err != nil {
			return nil, err
		}
		return []audit.Event{ev}, nil
	})
}

func (s *Service) withdrawDocument(ctx context.Context, tx *db.Tx, a actor.Actor, id int64, now time.Time) (audit.Event, error) {
	d, err := s.documentFor(ctx, tx, a, id, AccessWrite, now)
	if err != nil {
		return audit.Event{}, err
	}
	switch {
	case d.State != StateDraft || !d.folderOpen:
		return audit.Event{}, errDAVWithdraw
	case d.LockedByOther(a):
		return audit.Event{}, errLocked(d)
	}
	res, err := tx.ExecContext(ctx, `UPDATE documents SET withdrawn_at = ?, withdrawn_by = ?, locked_by = NULL, locked_at = NULL,
		lock_expires_at = NULL, updated_at = ?, version = version + 1 WHERE id = ? AND withdrawn_at IS NULL`, db.T(now), db.NullID(a.UserID), db.T(now), id)
	if err != nil {
		return audit.Event{}, fmt.Errorf("document: withdraw: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return audit.Event{}, errNotFound
	}
	return audit.Event{Action: "document.withdraw", ObjectType: "document", ObjectID: docID(id),
		Detail: map[string]any{"folder_id": d.FolderID, "title": d.Title, "version": d.CurrentVersion}}, nil
}

// DAVWithdrawFolder withdraws file id with everything in it (manage
// access; all or nothing): its drafts are withdrawn (as WithdrawDocument),
// then its sub-files and the file itself (doc_folders.withdrawn_at).
// Plan positions, closed files and files holding final or closed
// documents are refused (403 dav_folder_delete_refused). Audit
// document.withdraw per document and folder.withdraw per folder.
func (s *Service) DAVWithdrawFolder(ctx context.Context, a actor.Actor, id int64) error {
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.requireFolder(ctx, tx, a, id, AccessManage); err != nil {
			return nil, err
		}
		// The subtree, parents before children.
		ids := []int64{id}
		for i := 0; i < len(ids) && i < 10000; i++ {
			kids, err := db.Query(ctx, tx, func(r db.Scanner) (int64, error) {
				var k int64
				return k, r.Scan(&k)
			}, `SELECT id FROM doc_folders WHERE parent_id = ? AND withdrawn_at IS NULL`, ids[i])
			if err != nil {
				return nil, fmt.Errorf("document: withdraw folder: %w", err)
			}
			ids = append(ids, kids...)
		}
		var events []audit.Event
		for i := len(ids) - 1; i >= 0; i-- {
			fid := ids[i]
			f, err := fpLoadFolder(ctx, tx, fid)
			if err != nil {
				return nil, err
			}
			if f.Kind != FolderFile || f.Closed() {
				return nil, errDAVFolderKeep
			}
			if _, err := s.requireFolder(ctx, tx, a, fid, AccessWrite); err != nil {
				return nil, errDAVFolderKeep
			}
			docs, err := db.Query(ctx, tx, func(r db.Scanner) (int64, error) {
				var k int64
				return k, r.Scan(&k)
			}, `SELECT id FROM documents WHERE folder_id = ? AND withdrawn_at IS NULL`, fid)
			if err != nil {
				return nil, fmt.Errorf("document: withdraw folder: %w", err)
			}
			for _, d := range docs {
				ev, err := s.withdrawDocument(ctx, tx, a, d, now)
				if err != nil {
					if apperr.KindOf(err) == apperr.Forbidden {
						return nil, errDAVFolderKeep
					}
					return nil, err
				}
				events = append(events, ev)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE doc_folders SET withdrawn_at = ?, withdrawn_by = ?, updated_at = ?, version = version + 1
				WHERE id = ?`, db.T(now), db.NullID(a.UserID), db.T(now), fid); err != nil {
				return nil, fmt.Errorf("document: withdraw folder: %w", err)
			}
			events = append(events, audit.Event{Action: "folder.withdraw", ObjectType: "doc_folder", ObjectID: docID(fid),
				Detail: map[string]any{"reference": f.Reference, "title": f.Title, "parent_id": f.ParentID}})
		}
		return events, nil
	})
}

// DAVMoveDocument moves document id into folder to (0: stays) under the
// name name (write access to both files; the target open). Final and
// closed documents are refused (a final document changes only with a
// change reason), so is a check-out of another person. Audit
// document.move (another file) or document.rename.
func (s *Service) DAVMoveDocument(ctx context.Context, a actor.Actor, id, to int64, name string) error {
	if !DAVValidName(name) {
		return ErrDAVName
	}
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET version = version WHERE id = ?`, id); err != nil {
			return nil, fmt.Errorf("document: lock row: %w", err)
		}
		d, err := s.documentFor(ctx, tx, a, id, AccessWrite, now)
		if err != nil {
			return nil, err
		}
		if err := davWritable(a, d); err != nil {
			return nil, err
		}
		if to == 0 {
			to = d.FolderID
		}
		if to != d.FolderID {
			if _, err := s.requireFolder(ctx, tx, a, to, AccessWrite); err != nil {
				return nil, err
			}
			if err := fileForDocuments(ctx, tx, to); err != nil {
				return nil, err
			}
		}
		var old sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT filename FROM documents WHERE id = ?`, id).Scan(&old); err != nil {
			return nil, fmt.Errorf("document: move: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE documents SET folder_id = ?, filename = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
			to, name, db.T(now), id)
		if db.IsUniqueViolation(err) {
			return nil, errDAVNameTaken
		}
		if err != nil {
			return nil, fmt.Errorf("document: move: %w", err)
		}
		detail := map[string]any{"folder_id": to, "name": name, "old_name": old.String}
		action := "document.rename"
		if to != d.FolderID {
			action = "document.move"
			detail["from_folder_id"] = d.FolderID
		}
		return []audit.Event{{Action: action, ObjectType: "document", ObjectID: docID(id), Detail: detail}}, nil
	})
}

// DAVRenameFolder gives folder id the title that name carries: name
// without a leading "<reference> " (UpdateFolder's rights: manage access
// to a file, plan administrators for plan positions).
func (s *Service) DAVRenameFolder(ctx context.Context, a actor.Actor, id int64, name string) error {
	f, err := s.fpFolderFor(ctx, s.db, a, id)
	if err != nil {
		return err
	}
	title := strings.TrimPrefix(name, f.Reference+" ")
	if title == f.Title {
		return nil
	}
	_, err = s.UpdateFolder(ctx, a, id, FolderUpdate{Version: f.Version, Title: &title})
	return err
}

// DAVMkcol creates a file titled name below folder parent (CreateFolder's
// rights: manage access to the parent or plan administration; the
// reference is generated).
func (s *Service) DAVMkcol(ctx context.Context, a actor.Actor, parent int64, name string) (Folder, error) {
	if !DAVValidName(name) {
		return Folder{}, ErrDAVName
	}
	title := name
	// A name "<reference> <title>" whose reference exists (a folder copied
	// over WebDAV, or dragged from another mounted folder) takes the title
	// only: the new file gets its own reference.
	if ref, rest, ok := strings.Cut(name, " "); ok && strings.TrimSpace(rest) != "" {
		if taken, err := fpReferenceTaken(ctx, s.db, ref, 0); err != nil {
			return Folder{}, err
		} else if taken {
			title = strings.TrimSpace(rest)
		}
	}
	return s.CreateFolder(ctx, a, NewFolder{ParentID: parent, Kind: FolderFile, Title: title})
}

// DAVProp is a dead property of a WebDAV resource (PROPPATCH).
type DAVProp struct {
	Space, Local string
	// XML is the property's inner XML as the client sent it.
	XML string
	// Remove removes the property (DAVPatchProps).
	Remove bool
}

// DAVProps returns the dead properties of resource ("d:<id>" or
// "f:<id>"); the caller has checked read access.
func (s *Service) DAVProps(ctx context.Context, resource string) ([]DAVProp, error) {
	ps, err := db.Query(ctx, s.db, func(r db.Scanner) (DAVProp, error) {
		var p DAVProp
		return p, r.Scan(&p.Space, &p.Local, &p.XML)
	}, `SELECT ns, name, value FROM dav_properties WHERE resource = ? ORDER BY ns, name`, resource)
	if err != nil {
		return nil, fmt.Errorf("document: dav properties: %w", err)
	}
	return ps, nil
}

// DAVPatchProps sets and removes (Remove) dead properties of resource in
// the order given, in one transaction; the caller has checked write
// access. Dead properties are
// the client's bookkeeping (e.g. Windows file times), not record
// metadata: they are not audited.
func (s *Service) DAVPatchProps(ctx context.Context, a actor.Actor, resource string, ops []DAVProp) error {
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		for _, p := range ops {
			if p.Remove {
				if _, err := tx.ExecContext(ctx, `DELETE FROM dav_properties WHERE resource = ? AND ns = ? AND name = ?`, resource, p.Space, p.Local); err != nil {
					return nil, fmt.Errorf("document: dav properties: %w", err)
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO dav_properties (resource, ns, name, value) VALUES (?, ?, ?, ?)
				ON CONFLICT (resource, ns, name) DO UPDATE SET value = excluded.value`, resource, p.Space, p.Local, p.XML); err != nil {
				return nil, fmt.Errorf("document: dav properties: %w", err)
			}
		}
		return nil, nil
	})
}

// DAVCheckProps refuses PROPPATCH on document id: write access to an
// open document (final ones included: dead properties are no record
// metadata).
func (s *Service) DAVCheckProps(ctx context.Context, a actor.Actor, id int64) error {
	d, err := s.documentFor(ctx, s.db, a, id, AccessWrite, s.clock.Now())
	if err != nil {
		return err
	}
	if d.State == StateClosed || !d.folderOpen {
		return errDAVReadOnly
	}
	return nil
}
