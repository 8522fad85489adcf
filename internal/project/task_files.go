package project

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
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/blob"
	"ortlos/internal/blobref"
	"ortlos/internal/db"
	"ortlos/internal/filecheck"
)

// Attachments of tasks (docs/tasks.md#attachments). The bytes live in the
// blob store (internal/blob) under their SHA-256; task_files holds the
// name, type, size and hash. Viewers list and download attachments,
// members upload them, the uploader (still a member) or a manager deletes
// one.
//
// Uploads stream: the first 512 bytes are sniffed (http.DetectContentType
// plus a check for executables), then the whole content goes through
// blob.PutMax with the size limit and, when a scanner is configured, to
// the virus scanner in the same pass (filecheck.NewScan, as for
// documents); nothing is held in memory whole.

// MaxTaskFileBytes is the default size limit of one attachment (25 MiB).
const MaxTaskFileBytes int64 = 25 << 20

// maxTaskFileName bounds a stored file name in bytes (UTF-8).
const maxTaskFileName = 255

// maxTaskFiles bounds the attachments of one task.
const maxTaskFiles = 100

// TaskFile is an attachment of a task.
type TaskFile struct {
	ID            int64
	TaskID        int64
	Name          string
	MIMEType      string
	Size          int64
	SHA256        string
	CreatedAt     time.Time
	CreatedBy     int64 // 0 when the uploader was removed
	CreatedByName string
	// CanDelete reports whether the reader may delete the file (filled by
	// ListTaskFiles).
	CanDelete bool
}

var (
	errTaskFilesOff     = apperr.New(apperr.Unavailable, "task_files_unavailable", "attachments are not available (no blob store)")
	errTaskFileNotOwn   = apperr.Forbiddenf("task_file_not_own", "only the uploader or a manager deletes an attachment")
	errTaskFileEmpty    = apperr.Invalidf("task_file_empty", "the file is empty").WithField("file", "task_file_empty")
	errTaskFileRefused  = apperr.Invalidf("task_file_type_refused", "programs and web pages cannot be attached").WithField("file", "task_file_type_refused")
	errTaskFileMismatch = apperr.Invalidf("task_file_type_mismatch", "the content does not match the file type").WithField("file", "task_file_type_mismatch")
	errTaskFilesFull    = apperr.Conflictf("task_files_full", "a task has at most %d attachments", maxTaskFiles)
	errTaskFileRetry    = apperr.Conflictf("task_file_retry", "the file was removed meanwhile; upload it again")
)

// WithBlobs returns a copy of s that stores attachments in b.
func (s *Service) WithBlobs(b blob.Store) *Service {
	c := *s
	c.blobs = b
	return &c
}

// WithScanner returns a copy of s that scans attachments with sc (nil: no
// scan): infected content is refused (422 file_infected) and a scanner
// that gives no verdict refuses the upload (503 virus_scan_failed).
func (s *Service) WithScanner(sc filecheck.Scanner) *Service {
	c := *s
	c.scanner = sc
	return &c
}

// WithTaskFileMaxBytes returns a copy of s whose attachments may have at
// most n bytes (n <= 0: MaxTaskFileBytes).
func (s *Service) WithTaskFileMaxBytes(n int64) *Service {
	c := *s
	c.fileMax = n
	return &c
}

// TaskFileMaxBytes is the size limit of one attachment.
func (s *Service) TaskFileMaxBytes() int64 {
	if s.fileMax > 0 {
		return s.fileMax
	}
	return MaxTaskFileBytes
}

// SafeFileName returns name as ortlos stores it: without any folder part
// (/ and \), without control and bidirectional formatting characters,
// with runs of spaces collapsed and without leading or trailing dots and
// spaces, at most 255 bytes (the extension kept). Letters of every
// script, umlauts and ß included, stay. An empty result is "Datei".
func SafeFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base("/" + name)
	var b strings.Builder
	space := false
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			if !space {
				b.WriteRune(' ')
			}
			space = true
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == '/':
			continue
		}
		space = false
		b.WriteRune(r)
	}
	name = strings.Trim(b.String(), " .")
	if len(name) > maxTaskFileName {
		ext := path.Ext(name)
		if len(ext) > 16 || !utf8.ValidString(ext) {
			ext = ""
		}
		base := name[:maxTaskFileName-len(ext)]
		for !utf8.ValidString(base) {
			base = base[:len(base)-1]
		}
		name = strings.TrimRight(base, " .") + ext
	}
	if name == "" || name == "/" {
		return "Datei"
	}
	return name
}

// refusedExtensions are file name extensions that run as programs or open
// as web pages on common desktops; such files are not attached, whatever
// their content.
var refusedExtensions = map[string]bool{
	".exe": true, ".dll": true, ".com": true, ".scr": true, ".pif": true, ".msi": true, ".msp": true, ".cpl": true,
	".bat": true, ".cmd": true, ".ps1": true, ".psm1": true, ".vbs": true, ".vbe": true, ".js": true, ".jse": true,
	".wsf": true, ".wsh": true, ".hta": true, ".jar": true, ".lnk": true, ".reg": true, ".sh": true, ".app": true,
	".html": true, ".htm": true, ".xhtml": true, ".shtml": true, ".svg": true, ".svgz": true, ".mht": true, ".mhtml": true,
}

// executableMagic are the first bytes of programs: Windows PE ("MZ"), ELF,
// Mach-O (both byte orders, 32 and 64 bit, universal) and scripts ("#!").
var executableMagic = []string{"MZ", "\x7fELF", "\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe", "\xca\xfe\xba\xbe", "#!"}

// confirmableFamilies are declared types whose content sniffing can
// confirm: a file declared (by its part's Content-Type or its extension)
// as one of these must sniff as the same family, or it is refused as
// disguised.
func confirmableFamily(t string) string {
	switch {
	case strings.HasPrefix(t, "image/"):
		return "image/"
	case strings.HasPrefix(t, "audio/"):
		return "audio/"
	case strings.HasPrefix(t, "video/"):
		return "video/"
	case t == "application/pdf":
		return "application/pdf"
	}
	return ""
}

// TaskFileType decides the stored MIME type of an attachment from its
// first bytes (up to 512), its safe name and the declared type of the
// upload, or refuses it:
//
//   - Programs are refused: content starting like an executable (PE, ELF,
//     Mach-O, "#!" script) or a name ending in a program or web-page
//     extension (.exe, .bat, .js, .html, .svg, …) – 422
//     task_file_type_refused.
//   - Web pages are refused: content that sniffs as text/html.
//   - Disguises are refused: a file declared as an image, audio, video or
//     PDF (by the declared type or by its extension) must sniff as the same
//     – 422 task_file_type_mismatch (e.g. HTML or a program named
//     "foto.png").
//   - Otherwise the type is the sniffed one; when sniffing only finds
//     generic bytes, text or a ZIP archive (Office documents are ZIP files),
//     the declared type or the one of the extension is kept if it is not
//     HTML, else application/octet-stream.
func TaskFileType(head []byte, name, declared string) (string, error) {
	ext := strings.ToLower(path.Ext(name))
	if refusedExtensions[ext] {
		return "", errTaskFileRefused
	}
	for _, m := range executableMagic {
		if strings.HasPrefix(string(head), m) {
			return "", errTaskFileRefused
		}
	}
	sniffed := http.DetectContentType(head)
	sniffedBase, _, _ := mime.ParseMediaType(sniffed)
	if sniffedBase == "text/html" {
		return "", errTaskFileRefused
	}
	declaredBase, _, err := mime.ParseMediaType(declared)
	if err != nil || declaredBase == "application/octet-stream" {
		declaredBase = ""
	}
	byExt, _, _ := mime.ParseMediaType(mime.TypeByExtension(ext))
	for _, claim := range []string{declaredBase, byExt} {
		if fam := confirmableFamily(claim); fam != "" && !strings.HasPrefix(sniffedBase, fam) {
			return "", errTaskFileMismatch
		}
	}
	switch sniffedBase {
	case "application/octet-stream", "text/plain", "application/zip":
		for _, claim := range []string{byExt, declaredBase} {
			if claim == "" || strings.Contains(claim, "html") || confirmableFamily(claim) != "" {
				continue
			}
			if sniffedBase == "text/plain" && !strings.HasPrefix(claim, "text/") && !strings.HasSuffix(claim, "+xml") &&
				!strings.HasSuffix(claim, "/xml") && !strings.HasSuffix(claim, "/json") && claim != "application/csv" {
				continue
			}
			if sniffedBase == "text/plain" && strings.HasPrefix(claim, "text/") {
				return claim + "; charset=utf-8", nil
			}
			return claim, nil
		}
		if sniffedBase == "application/octet-stream" {
			return sniffedBase, nil
		}
	}
	return sniffed, nil
}

const taskFileFields = `f.id, f.task_id, f.name, f.mime_type, f.size, f.sha256, f.created_at, f.created_by, COALESCE(u.display_name, '')`

func scanTaskFile(row db.Scanner) (TaskFile, error) {
	var f TaskFile
	var created db.Time
	var by *int64
	if err := row.Scan(&f.ID, &f.TaskID, &f.Name, &f.MIMEType, &f.Size, &f.SHA256, &created, &by, &f.CreatedByName); err != nil {
		return f, err
	}
	f.CreatedAt = created.Time
	if by != nil {
		f.CreatedBy = *by
	}
	return f, nil
}

func loadTaskFile(ctx context.Context, q db.Querier, id int64) (TaskFile, error) {
	f, err := scanTaskFile(q.QueryRowContext(ctx, `SELECT `+taskFileFields+` FROM task_files f LEFT JOIN users u ON u.id = f.created_by WHERE f.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return f, errNotFound
	}
	if err != nil {
		return f, fmt.Errorf("project: task file: %w", err)
	}
	return f, nil
}

// canDeleteTaskFile: the uploader with at least the member role, or a
// manager.
func canDeleteTaskFile(a actor.Actor, role Role, f TaskFile) bool {
	return role.AtLeast(RoleManager) || role.AtLeast(RoleMember) && f.CreatedBy != 0 && f.CreatedBy == a.UserID
}

// ListTaskFiles returns the attachments of task taskID, oldest first.
// Viewers read them.
func (s *Service) ListTaskFiles(ctx context.Context, a actor.Actor, taskID int64) ([]TaskFile, error) {
	t, err := s.taskFor(ctx, s.db, a, taskID, RoleViewer)
	if err != nil {
		return nil, err
	}
	fs, err := db.Query(ctx, s.db, scanTaskFile, `SELECT `+taskFileFields+` FROM task_files f LEFT JOIN users u ON u.id = f.created_by
		WHERE f.task_id = ? ORDER BY f.id`, taskID)
	if err != nil {
		return nil, fmt.Errorf("project: task files: %w", err)
	}
	if fs == nil {
		fs = []TaskFile{}
	}
	for i := range fs {
		fs[i].CanDelete = a.CanWrite() && canDeleteTaskFile(a, t.Role, fs[i])
	}
	return fs, nil
}

// AddTaskFile attaches the content of r to task taskID under name (made
// safe with SafeFileName) and returns the new attachment. declared is the
// MIME type the client sent ("" when none); the stored type is decided by
// TaskFileType. Members upload; the content is streamed into the blob
// store and may have at most TaskFileMaxBytes bytes (422 file_too_large).
// Audit task.file_add (ids, size and type; never the name).
func (s *Service) AddTaskFile(ctx context.Context, a actor.Actor, taskID int64, name, declared string, r io.Reader) (TaskFile, error) {
	if s.blobs == nil {
		return TaskFile{}, errTaskFilesOff
	}
	// Check the rights before reading any content.
	if _, err := s.taskFor(ctx, s.db, a, taskID, RoleMember); err != nil {
		return TaskFile{}, err
	}
	name = SafeFileName(name)
	br := bufio.NewReaderSize(r, 512)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return TaskFile{}, taskFileReadErr(err)
	}
	if len(head) == 0 {
		return TaskFile{}, errTaskFileEmpty
	}
	mimeType, err := TaskFileType(head, name, declared)
	if err != nil {
		return TaskFile{}, err
	}
	scan := filecheck.NewScan(ctx, s.scanner, br)
	defer scan.Close()
	info, err := blob.PutMax(ctx, s.blobs, scan, s.TaskFileMaxBytes())
	if err != nil {
		return TaskFile{}, taskFileReadErr(err)
	}
	if err := scan.Finish(); err != nil {
		filecheck.LogRefused(ctx, s.log, err, "task_attachment", a.UserID, info.SHA256, info.Size)
		// Refused content goes again unless a record shares it.
		if cerr := blobref.Collect(ctx, s.db, s.blobs, info.SHA256); cerr != nil {
			s.log.WarnContext(ctx, "project: refused attachment stays in the blob store", "sha256", info.SHA256, "err", cerr)
		}
		return TaskFile{}, err
	}
	var id int64
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		t, err := s.taskFor(ctx, tx, a, taskID, RoleMember)
		if err != nil {
			return nil, err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM task_files WHERE task_id = ?`, taskID).Scan(&n); err != nil {
			return nil, fmt.Errorf("project: count task files: %w", err)
		}
		if n >= maxTaskFiles {
			return nil, errTaskFilesFull
		}
		if err := blobref.Lock(ctx, tx, info.SHA256); err != nil {
			return nil, err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO task_files (task_id, sha256, name, mime_type, size, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, taskID, info.SHA256, name, mimeType, info.Size, db.T(now), db.NullID(a.UserID)).Scan(&id); err != nil {
			return nil, fmt.Errorf("project: add task file: %w", err)
		}
		// A deletion of the last other reference may have removed the
		// blob after the Put above; under the lock that is seen here.
		if _, err := s.blobs.Stat(ctx, info.SHA256); err != nil {
			if apperr.KindOf(err) == apperr.NotFound {
				return nil, errTaskFileRetry
			}
			return nil, err
		}
		return []audit.Event{{Action: "task.file_add", ObjectType: "task", ObjectID: strconv.FormatInt(taskID, 10),
			Detail: map[string]any{"project_id": t.ProjectID, "file_id": id, "size": info.Size, "mime_type": mimeType}}}, nil
	})
	if err != nil {
		// The blob stays; if nothing refers to it, ortlos doctor reports it
		// as an orphan (never deleted here: another upload of the same
		// content may be committing a reference).
		return TaskFile{}, err
	}
	return loadTaskFile(ctx, s.db, id)
}

// taskFileReadErr maps a failed read of the upload: a body over the
// server's request limit is 413 body_too_large.
func taskFileReadErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.Invalid, "body_too_large", "request body too large")
	}
	return err
}

// OpenTaskFile returns attachment id and a reader of its content, which
// the caller closes. Viewers download; downloads are not audited.
func (s *Service) OpenTaskFile(ctx context.Context, a actor.Actor, id int64) (TaskFile, io.ReadSeekCloser, error) {
	if s.blobs == nil {
		return TaskFile{}, nil, errTaskFilesOff
	}
	if !a.Authenticated() {
		return TaskFile{}, nil, errNotFound
	}
	f, err := loadTaskFile(ctx, s.db, id)
	if err != nil {
		return f, nil, err
	}
	if _, err := s.taskFor(ctx, s.db, a, f.TaskID, RoleViewer); err != nil {
		return TaskFile{}, nil, err
	}
	rc, _, err := s.blobs.Open(ctx, f.SHA256)
	if err != nil {
		return TaskFile{}, nil, err
	}
	return f, rc, nil
}

// DeleteTaskFile removes attachment id and returns what it was: its
// uploader (still a member) or a manager of the project deletes. The blob
// is deleted too when no attachment refers to it any more. Audit
// task.file_delete.
func (s *Service) DeleteTaskFile(ctx context.Context, a actor.Actor, id int64) (TaskFile, error) {
	var f TaskFile
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		var err error
		if f, err = loadTaskFile(ctx, tx, id); err != nil {
			return nil, err
		}
		t, err := s.taskFor(ctx, tx, a, f.TaskID, RoleMember)
		if err != nil {
			return nil, err
		}
		if !canDeleteTaskFile(a, t.Role, f) {
			return nil, errTaskFileNotOwn
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM task_files WHERE id = ?`, id); err != nil {
			return nil, fmt.Errorf("project: delete task file: %w", err)
		}
		return []audit.Event{{Action: "task.file_delete", ObjectType: "task", ObjectID: strconv.FormatInt(f.TaskID, 10),
			Detail: map[string]any{"project_id": t.ProjectID, "file_id": id}}}, nil
	})
	if err != nil {
		return TaskFile{}, err
	}
	// The record is gone; a blob that cannot be deleted now stays as an
	// orphan, which ortlos doctor reports.
	if err := s.collectBlob(ctx, f.SHA256); err != nil {
		s.log.WarnContext(ctx, "project: collect attachment content", "file", id, "err", err)
	}
	return f, nil
}

// collectBlob deletes blob sha when no record refers to it any more (an
// attachment or a document version: internal/blobref), under the lock that
// uploads of the same content take.
func (s *Service) collectBlob(ctx context.Context, sha string) error {
	return blobref.Collect(ctx, s.db, s.blobs, sha)
}
