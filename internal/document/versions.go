package document

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/blob"
	"ortlos/internal/blobref"
	"ortlos/internal/db"
	"ortlos/internal/filecheck"
)

// Versions of documents (docs/documents.md#versionen). Each upload is a
// new, immutable row in document_versions (the database refuses UPDATE);
// its content lives in the blob store under its SHA-256, so equal
// contents are stored once and an old version is read back byte for byte.
//
// Uploads stream: internal/filecheck checks the first bytes against the
// allow-list and the claimed type, counts the size against the limit and
// tees the content to the virus scanner while it goes into the blob
// store; nothing is held in
// memory whole. The records are written afterwards in one transaction; a
// refused upload leaves at most an unreferenced blob, which `ortlos
// doctor` reports as an orphan.

// maxFilename bounds a stored file name in bytes (UTF-8; filecheck.MaxNameBytes).
const maxFilename = filecheck.MaxNameBytes

// DefaultMaxBytes is the default size limit of one version (2 GiB).
const DefaultMaxBytes int64 = 2 << 30

// Version is one immutable version of a document.
type Version struct {
	ID           int64
	DocumentID   int64
	Number       int
	Filename     string
	MIMEType     string
	Size         int64
	SHA256       string
	ChangeReason string
	// BasedOn is the version the writer started from (nil: not given).
	BasedOn *int
	// Conflict reports that BasedOn was older than the newest version when
	// this one was stored (a conflicting save kept as a version).
	Conflict      bool
	CreatedAt     time.Time
	CreatedBy     int64 // 0 when the uploader was removed
	CreatedByName string
}

// Upload is the content of a new version.
type Upload struct {
	// Filename is the client's name of the file (made safe on storing).
	Filename string
	// Declared is the MIME type the client declared ("" when none).
	Declared string
	Content  io.Reader
	// ChangeReason is required once the document is final.
	ChangeReason string
	// BasedOn is the number of the version the writer started from; an
	// older one than the newest stores a conflict version with a warning.
	// nil: not known (no conflict check).
	BasedOn *int
	// Checkin releases the uploader's own lock with the upload.
	Checkin bool
}

var (
	errBlobsOff     = apperr.New(apperr.Unavailable, "documents_unavailable", "document contents are not available (no blob store)")
	errBasedOn      = apperr.Invalidf("invalid_based_on", "based_on names a version the document does not have").WithField("based_on", "invalid_based_on")
	errVersionRetry = apperr.Conflictf("document_version_retry", "the content was removed meanwhile; upload it again")
)

// WithMaxBytes returns a copy of s whose versions may have at most n
// bytes (n <= 0: DefaultMaxBytes).
func (s *Service) WithMaxBytes(n int64) *Service {
	c := *s
	c.maxBytes = n
	return &c
}

// MaxBytes is the size limit of one version.
func (s *Service) MaxBytes() int64 {
	if s.maxBytes > 0 {
		return s.maxBytes
	}
	return DefaultMaxBytes
}

// SafeFilename returns name as ortlos stores it (filecheck.SafeName: no
// folder part, no control, bidirectional or Windows-reserved characters,
// NFC, at most 255 bytes with the extension kept, never empty).
func SafeFilename(name string) string { return filecheck.SafeName(name) }

// WithUploadChecks returns a copy of s that checks uploads against
// policy (allowed types; its MaxBytes is replaced by s's limit) and scans
// them with scanner (nil: no virus scan).
func (s *Service) WithUploadChecks(policy filecheck.Policy, scanner filecheck.Scanner) *Service {
	c := *s
	c.policy, c.scanner = &policy, scanner
	return &c
}

// uploadPolicy is the upload policy with the document size limit.
func (s *Service) uploadPolicy() filecheck.Policy {
	p := filecheck.DefaultPolicy()
	if s.policy != nil {
		p = *s.policy
	}
	p.MaxBytes = s.MaxBytes()
	return p
}

// stored is content that went into the blob store.
type stored struct {
	info     blob.Info
	name     string
	mimeType string
}

// storeContent checks u's content (internal/filecheck: type against the
// allow-list, extension and declared type; size limit; virus scan when
// configured) and streams it into the blob store in one pass. Content the
// scanner refuses after it was stored is removed again unless another
// record shares it. Empty content (WebDAV clients create empty files
// first) has nothing to check or scan.
func (s *Service) storeContent(ctx context.Context, a actor.Actor, u Upload) (stored, error) {
	if s.blobs == nil {
		return stored{}, errBlobsOff
	}
	content := u.Content
	if content == nil {
		content = strings.NewReader("")
	}
	br := bufio.NewReaderSize(content, filecheck.HeadSize)
	if _, err := br.Peek(1); errors.Is(err, io.EOF) {
		info, err := s.blobs.Put(ctx, br)
		if err != nil {
			return stored{}, err
		}
		return stored{info: info, name: SafeFilename(u.Filename), mimeType: emptyType(u.Filename)}, nil
	}
	up, err := filecheck.NewUpload(ctx, s.uploadPolicy(), s.scanner, br, u.Filename, u.Declared)
	if err != nil {
		return stored{}, readErr(err)
	}
	defer up.Close()
	info, err := s.blobs.Put(ctx, up)
	if err != nil {
		return stored{}, readErr(err)
	}
	if err := up.Finish(); err != nil {
		filecheck.LogRefused(ctx, s.log, err, "document", a.UserID, info.SHA256, info.Size)
		if cerr := blobref.Collect(ctx, s.db, s.blobs, info.SHA256); cerr != nil {
			s.log.WarnContext(ctx, "document: refused content stays in the blob store", "sha256", info.SHA256, "err", cerr)
		}
		return stored{}, err
	}
	return stored{info: info, name: up.Name(), mimeType: up.MIMEType()}, nil
}

// emptyType is the MIME type of an empty file: the one of its extension,
// else application/octet-stream.
func emptyType(name string) string {
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(name))); t != "" {
		return t
	}
	return "application/octet-stream"
}

// readErr maps a failed read of the upload: a body over the server's
// request limit is 413 body_too_large.
func readErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.Invalid, "body_too_large", "request body too large")
	}
	return err
}

// insertVersion writes version number of document id for content c and
// checks, under the blob lock, that the content is still stored.
func (s *Service) insertVersion(ctx context.Context, tx *db.Tx, now time.Time, a actor.Actor, id int64, number int, c stored,
	reason string, basedOn *int, conflict bool) error {
	if err := blobref.Lock(ctx, tx, c.info.SHA256); err != nil {
		return err
	}
	var based any
	if basedOn != nil {
		based = *basedOn
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO document_versions (document_id, number, filename, mime_type, size, sha256,
		change_reason, based_on, conflict, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, number, c.name, c.mimeType, c.info.Size, c.info.SHA256, reason, based, conflict, db.T(now), db.NullID(a.UserID)); err != nil {
		return fmt.Errorf("document: add version: %w", err)
	}
	// A deletion of the last other reference may have removed the blob
	// after the Put; under the lock that is seen here.
	if _, err := s.blobs.Stat(ctx, c.info.SHA256); err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return errVersionRetry
		}
		return err
	}
	return nil
}

// versionEvent is the audit event of a stored version (ids, figures,
// type; never the content).
func versionEvent(folderID, id int64, number int, c stored, basedOn *int, conflict bool) audit.Event {
	detail := map[string]any{"folder_id": folderID, "version": number, "size": c.info.Size, "mime_type": c.mimeType,
		"sha256": c.info.SHA256, "conflict": conflict}
	if basedOn != nil {
		detail["based_on"] = *basedOn
	}
	return audit.Event{Action: "document.version_add", ObjectType: "document", ObjectID: docID(id), Detail: detail}
}

// checkUpload refuses an upload to d by a before any content is read or
// stored: closed documents (409 document_closed), a final document
// without change reason (422 change_reason_required), a live lock of
// someone else (document_locked), a based_on the document does not have.
func checkUpload(a actor.Actor, d Document, reason string, basedOn *int) error {
	switch {
	case d.State == StateClosed || !d.folderOpen:
		return errClosed
	case d.State == StateFinal && reason == "":
		return errReasonRequired
	case d.LockedByOther(a):
		return errLocked(d)
	case basedOn != nil && (*basedOn < 0 || *basedOn > d.CurrentVersion):
		return errBasedOn
	}
	return nil
}

// UploadVersion stores u as the next version of document id (write
// access): number = current + 1, content streamed into the blob store.
// Refused before anything is stored: a closed document (409
// document_closed), a final one without change reason (422
// change_reason_required), a live lock of another person (document_locked,
// 423 in the API). A u.BasedOn older than the newest version stores the
// version all the same, marked as a conflict, and returns the
// VERSION_CONFLICT warning: a conflicting save is never lost silently.
// u.Checkin releases the uploader's lock. Audit document.version_add.
func (s *Service) UploadVersion(ctx context.Context, a actor.Actor, id int64, u Upload) (Version, []DocumentWarning, error) {
	reason, err := validReason(u.ChangeReason)
	if err != nil {
		return Version{}, nil, err
	}
	d, err := s.documentFor(ctx, s.db, a, id, AccessWrite, s.clock.Now())
	if err != nil {
		return Version{}, nil, err
	}
	if err := checkUpload(a, d, reason, u.BasedOn); err != nil {
		return Version{}, nil, err
	}
	content, err := s.storeContent(ctx, a, u)
	if err != nil {
		return Version{}, nil, err
	}
	var number int
	var warnings []DocumentWarning
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		// Take the document's row first, so that concurrent uploads number
		// their versions one after the other.
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET version = version WHERE id = ?`, id); err != nil {
			return nil, fmt.Errorf("document: lock row: %w", err)
		}
		d, err := s.documentFor(ctx, tx, a, id, AccessWrite, now)
		if err != nil {
			return nil, err
		}
		if err := checkUpload(a, d, reason, u.BasedOn); err != nil {
			return nil, err
		}
		number = d.CurrentVersion + 1
		conflict := u.BasedOn != nil && *u.BasedOn < d.CurrentVersion
		if conflict {
			warnings = append(warnings, DocumentWarning{Code: WarnVersionConflict, Version: number, BasedOn: *u.BasedOn, Current: d.CurrentVersion})
		}
		if err := s.insertVersion(ctx, tx, now, a, id, number, content, reason, u.BasedOn, conflict); err != nil {
			return nil, err
		}
		events := []audit.Event{versionEvent(d.FolderID, id, number, content, u.BasedOn, conflict)}
		release := u.Checkin && d.LockedBy == a.UserID
		q := `UPDATE documents SET current_version = ?, updated_at = ? WHERE id = ?`
		if release {
			q = `UPDATE documents SET current_version = ?, updated_at = ?, locked_by = NULL, locked_at = NULL, lock_expires_at = NULL WHERE id = ?`
			events = append(events, audit.Event{Action: "document.checkin", ObjectType: "document", ObjectID: docID(id),
				Detail: map[string]any{"folder_id": d.FolderID, "version": number}})
		}
		if _, err := tx.ExecContext(ctx, q, number, db.T(now), id); err != nil {
			return nil, fmt.Errorf("document: add version: %w", err)
		}
		return events, nil
	})
	if err != nil {
		return Version{}, nil, err
	}
	v, err := loadVersion(ctx, s.db, id, number)
	return v, warnings, err
}

const versionFields = `v.id, v.document_id, v.number, v.filename, v.mime_type, v.size, v.sha256, v.change_reason, v.based_on,
	v.conflict, v.created_at, v.created_by, COALESCE(u.display_name, '')`

func scanVersion(row db.Scanner) (Version, error) {
	var v Version
	var created db.Time
	var by *int64
	if err := row.Scan(&v.ID, &v.DocumentID, &v.Number, &v.Filename, &v.MIMEType, &v.Size, &v.SHA256, &v.ChangeReason, &v.BasedOn,
		&v.Conflict, &created, &by, &v.CreatedByName); err != nil {
		return v, err
	}
	v.CreatedAt, v.CreatedBy = created.Time, deref(by)
	return v, nil
}

func loadVersion(ctx context.Context, q db.Querier, id int64, number int) (Version, error) {
	v, err := scanVersion(q.QueryRowContext(ctx, `SELECT `+versionFields+` FROM document_versions v LEFT JOIN users u ON u.id = v.created_by
		WHERE v.document_id = ? AND v.number = ?`, id, number))
	if errors.Is(err, sql.ErrNoRows) {
		return v, errNotFound
	}
	if err != nil {
		return v, fmt.Errorf("document: version: %w", err)
	}
	return v, nil
}

// listVersions returns the versions of document id, newest first.
func listVersions(ctx context.Context, q db.Querier, id int64) ([]Version, error) {
	vs, err := db.Query(ctx, q, scanVersion, `SELECT `+versionFields+` FROM document_versions v LEFT JOIN users u ON u.id = v.created_by
		WHERE v.document_id = ? ORDER BY v.number DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("document: versions: %w", err)
	}
	if vs == nil {
		vs = []Version{}
	}
	return vs, nil
}

// ListVersions returns the versions of document id, newest first (read
// access). For a final or closed document the read is audited
// (document.read).
func (s *Service) ListVersions(ctx context.Context, a actor.Actor, id int64) ([]Version, error) {
	d, err := s.documentFor(ctx, s.db, a, id, AccessRead, s.clock.Now())
	if err != nil {
		return nil, err
	}
	vs, err := listVersions(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if err := s.auditRead(ctx, a, d, "versions"); err != nil {
		return nil, err
	}
	return vs, nil
}

// OpenVersion returns version number of document id and a reader of its
// content, which the caller closes (read access). Every download is
// audited (document.download with the version number) before the content
// is handed out.
func (s *Service) OpenVersion(ctx context.Context, a actor.Actor, id int64, number int) (Version, io.ReadSeekCloser, error) {
	if s.blobs == nil {
		return Version{}, nil, errBlobsOff
	}
	d, err := s.documentFor(ctx, s.db, a, id, AccessRead, s.clock.Now())
	if err != nil {
		return Version{}, nil, err
	}
	v, err := loadVersion(ctx, s.db, id, number)
	if err != nil {
		return Version{}, nil, err
	}
	rc, _, err := s.blobs.Open(ctx, v.SHA256)
	if err != nil {
		return Version{}, nil, err
	}
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		return []audit.Event{{Action: "document.download", ObjectType: "document", ObjectID: docID(id),
			Detail: map[string]any{"folder_id": d.FolderID, "version": number, "state": d.State, "size": v.Size, "sha256": v.SHA256}}}, nil
	})
	if err != nil {
		rc.Close()
		return Version{}, nil, err
	}
	return v, rc, nil
}
