package document

// Archive export of a closed file (Aussonderung an ein Archiv,
// docs/retention.md#archivpaket): a ZIP archive with
//
//	manifest.json                              the file, the folders below it, every document
//	                                           with its metadata and versions, the retention
//	                                           class and the legal holds
//	documents/<document id>/<version>_<name>   the content of every version
//	audit.json                                 the audit history of the file, the folders
//	                                           below it and their documents
//	SHA256SUMS                                 the SHA-256 of every other entry (sha256sum -c)
//
// The archive is streamed: contents go from the blob store through a
// fixed buffer into the ZIP writer, and the audit history row by row;
// only the manifest is built in memory. Records management exports (for
// the hand-over to an archive) and so do people with manage access to the
// file; every export is audited (folder.export).

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
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
	"ortlos/internal/blob"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// ExportFormat names the layout of the archive package in its manifest.
const ExportFormat = "ortlos-archive/1"

var errExportNotClosed = apperr.Conflictf("export_file_not_closed", "only a closed file (zdA) is exported as an archive package")

// FolderExport is a prepared archive package of a closed file; WriteTo
// streams it.
type FolderExport struct {
	s        *Service
	folderID int64
	manifest exportManifest
}

// exportManifest is manifest.json.
type exportManifest struct {
	Format     string           `json:"format"`
	ExportedAt time.Time        `json:"exported_at"`
	ExportedBy string           `json:"exported_by"`
	File       exportFolder     `json:"file"`
	PlanPath   []exportPathItem `json:"file_plan_path"`
	SubFolders []exportFolder   `json:"sub_folders"`
	Retention  exportRetention  `json:"retention"`
	LegalHolds []exportHold     `json:"legal_holds"`
	Documents  []exportDocument `json:"documents"`
}

type exportPathItem struct {
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`
	Reference string `json:"reference"`
	Title     string `json:"title"`
}

type exportFolder struct {
	ID            int64      `json:"id"`
	ParentID      *int64     `json:"parent_id"`
	Kind          string     `json:"kind"`
	Reference     string     `json:"reference"`
	Title         string     `json:"title"`
	Description   string     `json:"description"`
	OwnerUnit     string     `json:"owner_unit"`
	RetentionCode string     `json:"retention_code"`
	State         string     `json:"state"`
	ClosedAt      *time.Time `json:"closed_at"`
	ClosedBy      string     `json:"closed_by"`
	CreatedAt     time.Time  `json:"created_at"`
	CreatedBy     string     `json:"created_by"`
}

type exportRetention struct {
	Code          string      `json:"code"`
	Name          string      `json:"name"`
	Years         int         `json:"years"`
	Trigger       string      `json:"trigger"`
	LegalBasis    string      `json:"legal_basis"`
	TriggerDate   *civil.Date `json:"trigger_date"`
	DeletableFrom *civil.Date `json:"deletable_from"`
}

type exportHold struct {
	ID            int64      `json:"id"`
	FolderID      *int64     `json:"folder_id"`
	DocumentID    *int64     `json:"document_id"`
	Reason        string     `json:"reason"`
	CaseReference string     `json:"case_reference"`
	PlacedAt      time.Time  `json:"placed_at"`
	PlacedBy      string     `json:"placed_by"`
	ReleasedAt    *time.Time `json:"released_at"`
	ReleasedBy    string     `json:"released_by"`
	ReleaseReason string     `json:"release_reason"`
}

type exportDocument struct {
	ID            int64           `json:"id"`
	FolderID      int64           `json:"folder_id"`
	Title         string          `json:"title"`
	Type          string          `json:"type"`
	Author        string          `json:"author"`
	DocumentDate  *civil.Date     `json:"document_date"`
	Fields        json.RawMessage `json:"fields"`
	Tags          []string        `json:"tags"`
	State         string          `json:"state"`
	RetentionCode string          `json:"retention_code"`
	CreatedAt     time.Time       `json:"created_at"`
	CreatedBy     string          `json:"created_by"`
	FinalizedAt   *time.Time      `json:"finalized_at"`
	FinalizedBy   string          `json:"finalized_by"`
	Versions      []exportVersion `json:"versions"`
}

type exportVersion struct {
	Number       int       `json:"number"`
	Filename     string    `json:"filename"`
	MIMEType     string    `json:"mime_type"`
	Size         int64     `json:"size"`
	SHA256       string    `json:"sha256"`
	CreatedAt    time.Time `json:"created_at"`
	CreatedBy    string    `json:"created_by"`
	ChangeReason string    `json:"change_reason"`
	BasedOn      *int      `json:"based_on"`
	Conflict     bool      `json:"conflict"`
	// Path is the entry of the content in the archive.
	Path string `json:"path"`
}

// ExportFolder prepares the archive package of closed file id and audits
// the export (folder.export). Records management and people with manage
// access to the file export it; 409 export_file_not_closed for anything
// but a closed file.
func (s *Service) ExportFolder(ctx context.Context, a actor.Actor, id int64) (*FolderExport, error) {
	if !a.Authenticated() {
		return nil, errNotFound
	}
	// Exporting changes nothing but the audit trail: a read-only token
	// of someone with manage access is enough.
	if !isRecords(a) {
		x, err := s.folderAccess(ctx, s.db, a, id)
		if err != nil {
			return nil, err
		}
		if x < AccessManage {
			return nil, errAccess
		}
	}
	if s.blobs == nil {
		return nil, apperr.New(apperr.Unavailable, "export_unavailable", "archive export is not available (no blob store)")
	}
	e := &FolderExport{s: s, folderID: id}
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		m, err := s.exportManifest(ctx, tx, id, now, a)
		if err != nil {
			return nil, err
		}
		e.manifest = m
		versions, bytes := 0, int64(0)
		for _, d := range m.Documents {
			for _, v := range d.Versions {
				versions++
				bytes += v.Size
			}
		}
		return []audit.Event{{Action: "folder.export", ObjectType: auditType(KindFolder), ObjectID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"reference": m.File.Reference, "documents": len(m.Documents), "versions": versions, "bytes": bytes,
				"format": ExportFormat}}}, nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Filename is the archive's download name: "Akte_<reference>.zip" with
// the reference's slashes and other unsafe characters as "_".
func (e *FolderExport) Filename() string {
	return "Akte_" + exportSafeName(strings.ReplaceAll(e.manifest.File.Reference, "/", "_")) + ".zip"
}

// Reference is the Aktenzeichen of the exported file.
func (e *FolderExport) Reference() string { return e.manifest.File.Reference }

// exportSafeName returns name as an entry name: no folder parts, no
// control characters or characters Windows refuses, no leading or
// trailing dots and spaces, at most 120 bytes (keeping the extension).
func exportSafeName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = path.Base("/" + strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		case strings.ContainsRune(`<>:"/\|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	if len(name) > 120 {
		ext := path.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		base := name[:120-len(ext)]
		for !utf8.ValidString(base) {
			base = base[:len(base)-1]
		}
		name = base + ext
	}
	if name == "" {
		return "Datei"
	}
	return name
}

// userNames reads display names of users (for the manifest).
type userNames map[int64]string

func (u userNames) name(ctx context.Context, q db.Querier, id *int64) (string, error) {
	if id == nil {
		return "", nil
	}
	if n, ok := u[*id]; ok {
		return n, nil
	}
	var n string
	err := q.QueryRowContext(ctx, `SELECT display_name FROM users WHERE id = ?`, *id).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("document: user name: %w", err)
	}
	u[*id] = n
	return n, nil
}

// exportManifest reads the manifest of file id inside q.
func (s *Service) exportManifest(ctx context.Context, q db.Querier, id int64, now time.Time, a actor.Actor) (exportManifest, error) {
	m := exportManifest{Format: ExportFormat, ExportedAt: now, ExportedBy: a.Username, PlanPath: []exportPathItem{},
		SubFolders: []exportFolder{}, LegalHolds: []exportHold{}, Documents: []exportDocument{}}
	t, err := s.loadRetentionTree(ctx, q, rtScopeFolder, id)
	if err != nil {
		return m, err
	}
	f := t.folders[id]
	if f == nil {
		return m, errNotFound
	}
	if f.kind != "file" || f.state != "closed" {
		return m, errExportNotClosed
	}
	names := userNames{}
	classCode := func(cid int64) string {
		if c := t.classes[cid]; c != nil {
			return c.Code
		}
		return ""
	}
	readFolder := func(fid int64) (exportFolder, error) {
		var x exportFolder
		var parent, closedBy, createdBy, classID *int64
		var closed db.NullTime
		var created db.Time
		err := q.QueryRowContext(ctx, `SELECT f.id, f.parent_id, f.kind, f.reference, f.title, f.description, COALESCE(o.name, ''),
				f.retention_class_id, f.state, f.closed_at, f.closed_by, f.created_at, f.created_by
			FROM doc_folders f LEFT JOIN org_units o ON o.id = f.owner_unit_id WHERE f.id = ?`, fid).Scan(
			&x.ID, &parent, &x.Kind, &x.Reference, &x.Title, &x.Description, &x.OwnerUnit, &classID, &x.State, &closed, &closedBy, &created, &createdBy)
		if err != nil {
			return x, fmt.Errorf("document: export folder: %w", err)
		}
		x.ParentID, x.ClosedAt, x.CreatedAt = parent, closed.Ptr(), created.Time
		if classID != nil {
			x.RetentionCode = classCode(*classID)
		}
		if x.ClosedBy, err = names.name(ctx, q, closedBy); err != nil {
			return x, err
		}
		x.CreatedBy, err = names.name(ctx, q, createdBy)
		return x, err
	}
	sub := t.subtree(id)
	for i, fid := range sub {
		x, err := readFolder(fid)
		if err != nil {
			return m, err
		}
		if i == 0 {
			m.File = x
		} else {
			m.SubFolders = append(m.SubFolders, x)
		}
	}
	anc := t.ancestors(id)
	for i := len(anc) - 1; i >= 0; i-- {
		p := t.folders[anc[i]]
		m.PlanPath = append(m.PlanPath, exportPathItem{ID: p.id, Kind: p.kind, Reference: p.reference, Title: p.title})
	}
	r := t.retention(KindFolder, id, civil.In(now, s.zone()))
	if r.Class != nil {
		m.Retention = exportRetention{Code: r.Class.Code, Name: r.Class.Name, Years: r.Class.Years, Trigger: r.Class.Trigger,
			LegalBasis: r.Class.LegalBasis, TriggerDate: r.TriggerDate, DeletableFrom: r.DeletableFrom}
	}
	// Documents with their versions and tags.
	for _, fid := range sub {
		for _, did := range t.docsIn[fid] {
			d, err := s.exportDocument(ctx, q, did, names, classCode)
			if err != nil {
				return m, err
			}
			m.Documents = append(m.Documents, d)
		}
	}
	// Legal holds, active and released, on the file, above it, below it
	// and on its documents.
	inScope := map[string]bool{}
	for _, fid := range append(sub, anc...) {
		inScope[pendingKey(KindFolder, fid)] = true
	}
	for _, d := range m.Documents {
		inScope[pendingKey(KindDocument, d.ID)] = true
	}
	holds, err := db.Query(ctx, q, scanLegalHold, `SELECT `+legalHoldFields+legalHoldFrom+` ORDER BY h.id`)
	if err != nil {
		return m, fmt.Errorf("document: export holds: %w", err)
	}
	for _, h := range holds {
		if !(h.FolderID != 0 && inScope[pendingKey(KindFolder, h.FolderID)] || h.DocumentID != 0 && inScope[pendingKey(KindDocument, h.DocumentID)]) {
			continue
		}
		x := exportHold{ID: h.ID, Reason: h.Reason, CaseReference: h.CaseReference, PlacedAt: h.PlacedAt, PlacedBy: h.PlacedByName,
			ReleasedAt: h.ReleasedAt, ReleasedBy: h.ReleasedByName, ReleaseReason: h.ReleaseReason}
		if h.FolderID != 0 {
			x.FolderID = &h.FolderID
		} else {
			x.DocumentID = &h.DocumentID
		}
		m.LegalHolds = append(m.LegalHolds, x)
	}
	return m, nil
}

// exportDocument reads document id with its tags and versions.
func (s *Service) exportDocument(ctx context.Context, q db.Querier, id int64, names userNames, classCode func(int64) string) (exportDocument, error) {
	var d exportDocument
	var date *string
	var fields string
	var classID, createdBy, finalizedBy *int64
	var created db.Time
	var finalized db.NullTime
	err := q.QueryRowContext(ctx, `SELECT d.id, d.folder_id, d.title, COALESCE(t.name, ''), d.author, d.document_date, d.fields, d.state,
			d.retention_class_id, d.created_at, d.created_by, d.finalized_at, d.finalized_by
		FROM documents d LEFT JOIN doc_types t ON t.id = d.type_id WHERE d.id = ?`, id).Scan(
		&d.ID, &d.FolderID, &d.Title, &d.Type, &d.Author, &date, &fields, &d.State, &classID, &created, &createdBy, &finalized, &finalizedBy)
	if err != nil {
		return d, fmt.Errorf("document: export document: %w", err)
	}
	if date != nil && *date != "" {
		cd, err := civil.Parse(*date)
		if err != nil {
			return d, fmt.Errorf("document: export document: %w", err)
		}
		d.DocumentDate = &cd
	}
	if !json.Valid([]byte(fields)) {
		fields = "{}"
	}
	d.Fields = json.RawMessage(fields)
	if classID != nil {
		d.RetentionCode = classCode(*classID)
	}
	d.CreatedAt, d.FinalizedAt = created.Time, finalized.Ptr()
	if d.CreatedBy, err = names.name(ctx, q, createdBy); err != nil {
		return d, err
	}
	if d.FinalizedBy, err = names.name(ctx, q, finalizedBy); err != nil {
		return d, err
	}
	tags, err := db.Query(ctx, q, func(row db.Scanner) (string, error) {
		var t string
		return t, row.Scan(&t)
	}, `SELECT tag FROM document_tags WHERE document_id = ? ORDER BY tag`, id)
	if err != nil {
		return d, fmt.Errorf("document: export tags: %w", err)
	}
	d.Tags = append([]string{}, tags...)
	type row struct {
		v  exportVersion
		by *int64
	}
	vs, err := db.Query(ctx, q, func(r db.Scanner) (row, error) {
		var x row
		var at db.Time
		var based *int64
		if err := r.Scan(&x.v.Number, &x.v.Filename, &x.v.MIMEType, &x.v.Size, &x.v.SHA256, &at, &x.by, &x.v.ChangeReason, &based, &x.v.Conflict); err != nil {
			return x, err
		}
		x.v.CreatedAt = at.Time
		if based != nil {
			n := int(*based)
			x.v.BasedOn = &n
		}
		return x, nil
	}, `SELECT number, filename, mime_type, size, sha256, created_at, created_by, change_reason, based_on, conflict
		FROM document_versions WHERE document_id = ? ORDER BY number`, id)
	if err != nil {
		return d, fmt.Errorf("document: export versions: %w", err)
	}
	d.Versions = []exportVersion{}
	for _, x := range vs {
		if x.v.CreatedBy, err = names.name(ctx, q, x.by); err != nil {
			return d, err
		}
		x.v.Path = fmt.Sprintf("documents/%d/%d_%s", id, x.v.Number, exportSafeName(x.v.Filename))
		d.Versions = append(d.Versions, x.v)
	}
	return d, nil
}

// WriteTo streams the archive to w. An error after the first byte leaves
// a broken archive: callers abort the transfer.
func (e *FolderExport) WriteTo(ctx context.Context, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	zw := zip.NewWriter(bw)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	var sums []string // "<sha256>  <entry>"
	entry := func(name string, modified time.Time, fill func(io.Writer) error) error {
		hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified.UTC()}
		zf, err := zw.CreateHeader(hdr)
		if err != nil {
			return fmt.Errorf("document: export %s: %w", name, err)
		}
		h := sha256.New()
		if err := fill(io.MultiWriter(zf, h)); err != nil {
			return fmt.Errorf("document: export %s: %w", name, err)
		}
		sums = append(sums, hex.EncodeToString(h.Sum(nil))+"  "+name)
		return nil
	}
	at := e.manifest.ExportedAt
	if err := entry("manifest.json", at, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(e.manifest)
	}); err != nil {
		return err
	}
	for _, d := range e.manifest.Documents {
		for _, v := range d.Versions {
			if err := entry(v.Path, v.CreatedAt, func(w io.Writer) error { return e.copyContent(ctx, w, v.SHA256) }); err != nil {
				return err
			}
		}
	}
	if err := entry("audit.json", at, func(w io.Writer) error { return e.writeAudit(ctx, w) }); err != nil {
		return err
	}
	zf, err := zw.CreateHeader(&zip.FileHeader{Name: "SHA256SUMS", Method: zip.Deflate, Modified: at.UTC()})
	if err != nil {
		return fmt.Errorf("document: export sums: %w", err)
	}
	if _, err := io.WriteString(zf, strings.Join(sums, "\n")+"\n"); err != nil {
		return fmt.Errorf("document: export sums: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("document: export: %w", err)
	}
	return bw.Flush()
}

// copyContent copies blob sha to w and checks that the bytes still hash
// to sha.
func (e *FolderExport) copyContent(ctx context.Context, w io.Writer, sha string) error {
	rc, _, err := e.s.blobs.Open(ctx, sha)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(w, h), readerCtx{ctx, rc}); err != nil {
		return err
	}
	if hex.EncodeToString(h.Sum(nil)) != sha {
		return fmt.Errorf("blob %s: %w", sha, blob.ErrCorrupt)
	}
	return nil
}

// readerCtx stops reading when ctx ends (a client that went away).
type readerCtx struct {
	ctx context.Context
	r   io.Reader
}

func (r readerCtx) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// writeAudit writes the audit history of the file, the folders below it
// and their documents as a JSON array in sequence order, each record as
// the audit trail exports it (with its hash chain fields).
func (e *FolderExport) writeAudit(ctx context.Context, w io.Writer) error {
	rows, err := e.s.db.QueryContext(ctx, `WITH RECURSIVE sub(id, depth) AS (
			SELECT id, 0 FROM doc_folders WHERE id = ?
			UNION ALL
			SELECT f.id, sub.depth + 1 FROM doc_folders f JOIN sub ON f.parent_id = sub.id WHERE sub.depth < ?)
		SELECT seq, at, actor_id, actor, source_ip, action, object_type, object_id, detail, prev_hash, hash FROM audit_log
		WHERE (object_type IN ('doc_folder', 'folder') AND object_id IN (SELECT CAST(id AS TEXT) FROM sub))
		   OR (object_type = 'document' AND object_id IN (SELECT CAST(d.id AS TEXT) FROM documents d WHERE d.folder_id IN (SELECT id FROM sub)))
		ORDER BY seq`, e.folderID, maxDepth)
	if err != nil {
		return fmt.Errorf("audit history: %w", err)
	}
	defer rows.Close()
	if _, err := io.WriteString(w, "[\n"); err != nil {
		return err
	}
	first := true
	for rows.Next() {
		var r audit.Record
		var at db.Time
		var actorID *int64
		if err := rows.Scan(&r.Seq, &at, &actorID, &r.Actor, &r.SourceIP, &r.Action, &r.ObjectType, &r.ObjectID, &r.Detail, &r.PrevHash, &r.Hash); err != nil {
			return fmt.Errorf("audit history: %w", err)
		}
		r.At = at.Time
		if actorID != nil {
			r.ActorID = *actorID
		}
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if !first {
			if _, err := io.WriteString(w, ",\n"); err != nil {
				return err
			}
		}
		first = false
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("audit history: %w", err)
	}
	_, err = io.WriteString(w, "\n]\n")
	return err
}
