package documentweb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/document"
	"ortlos/internal/i18n"
	"ortlos/internal/web"
)

// Documents, versions and check-out (docs/documents.md): the JSON API and
// the pages /documents/{id} (metadata, versions, upload, check-out,
// finalising, metadata form) and /documents/folders/{id}/new (a new
// document in a file). Every form works without JavaScript.
//
// The UI paths below /documents/{id} end in fixed words (versions/upload,
// versions/{n}/download) or have one segment more than the folder pages'
// /documents/folders/{id}/…, so the patterns never overlap; the small
// actions (check-out, release, finalise, metadata) post to /documents/{id}
// with a field "action".

// registerDocuments adds the routes of documents, versions and check-out.
func (h *Handler) registerDocuments() {
	s := h.srv
	s.API("POST", "/document-folders/{id}/documents", "createDocument", web.Full, h.apiCreateDocument)
	s.API("GET", "/document-folders/{id}/documents", "listFolderDocuments", web.Full, h.apiListFolderDocuments)
	s.API("GET", "/documents/{id}", "getDocument", web.Full, h.apiGetDocument)
	s.API("PATCH", "/documents/{id}", "updateDocument", web.Full, h.apiUpdateDocument)
	s.API("POST", "/documents/{id}/finalize", "finalizeDocument", web.Full, h.apiFinalizeDocument)
	s.API("GET", "/documents/{id}/versions", "listDocumentVersions", web.Full, h.apiListDocumentVersions)
	s.API("POST", "/documents/{id}/versions", "uploadDocumentVersion", web.Full, h.apiUploadDocumentVersion)
	s.API("PUT", "/documents/{id}/content", "putDocumentContent", web.Full, h.apiPutDocumentContent)
	s.API("GET", "/documents/{id}/versions/{n}/content", "downloadDocumentVersion", web.Full, h.downloadDocumentVersion)
	s.API("POST", "/documents/{id}/checkout", "checkoutDocument", web.Full, h.apiCheckoutDocument)
	s.API("DELETE", "/documents/{id}/checkout", "releaseDocumentLock", web.Full, h.apiReleaseDocumentLock)

	s.UI("GET /documents/{id}", web.Full, h.documentPage)
	s.UI("POST /documents/{id}", web.Full, h.uiDocumentAction)
	s.UI("POST /documents/{id}/versions/upload", web.Full, h.uiUploadDocumentVersion)
	s.UI("GET /documents/{id}/versions/{n}/download", web.Full, h.downloadDocumentVersion)
	s.UI("GET /documents/folders/{id}/new", web.Full, h.newDocumentPage)
	s.UI("POST /documents/folders/{id}/new", web.Full, h.uiCreateDocument)

	// Uploads stream into the blob store with their own limit; multipart
	// envelopes and metadata get 64 KiB on top.
	limit := h.svc.MaxBytes() + 64<<10
	for _, p := range []string{"POST /api/v1/document-folders/{id}/documents", "POST /api/v1/documents/{id}/versions",
		"PUT /api/v1/documents/{id}/content", "POST /documents/{id}/versions/upload", "POST /documents/folders/{id}/new"} {
		s.LargeBody(p, limit)
	}
}

var (
	dwErrFileMissing     = apperr.Invalidf("document_file_missing", "choose a file").WithField("file", "document_file_missing")
	dwErrFilenameMissing = apperr.Invalidf("document_filename_missing", "name the file (query parameter filename or Content-Disposition)").WithField("filename", "document_filename_missing")
	dwErrBasedOn         = apperr.Invalidf("invalid_based_on", "based_on is a version number").WithField("based_on", "invalid_based_on")
	dwErrVersionRequired = apperr.Invalidf("document_version_required", "send the version the change is based on").WithField("version", "document_version_required")
	dwErrNotFound        = apperr.NotFoundf("not_found", "not found")
	dwErrFormTooLarge    = apperr.Invalidf("document_form_too_large", "the form has too many or too long fields")
	dwErrUnknownAction   = apperr.Invalidf("document_unknown_action", "unknown action")
)

// Bounds of the form fields read from a multipart request before the file.
const (
	dwMaxFieldBytes = 16 << 10
	dwMaxFields     = 200
)

func dwTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func dwTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := dwTime(*t)
	return &s
}

// dwLockJSON is a live check-out.
type dwLockJSON struct {
	LockedBy     int64   `json:"locked_by"`
	LockedByName string  `json:"locked_by_name"`
	LockedAt     *string `json:"locked_at"`
	ExpiresAt    *string `json:"expires_at"`
}

// dwVersionJSON is a version as the API shows it.
type dwVersionJSON struct {
	Number        int              `json:"number"`
	Filename      string           `json:"filename"`
	MIMEType      string           `json:"mime_type"`
	Size          int64            `json:"size"`
	SHA256        string           `json:"sha256"`
	ChangeReason  string           `json:"change_reason"`
	BasedOn       *int             `json:"based_on"`
	Conflict      bool             `json:"conflict"`
	CreatedAt     string           `json:"created_at"`
	CreatedBy     *int64           `json:"created_by"`
	CreatedByName string           `json:"created_by_name"`
	URL           string           `json:"url"`
	Warnings      *[]dwWarningJSON `json:"warnings,omitempty"`
}

// dwWarningJSON is a warning about a change that was made.
type dwWarningJSON struct {
	Code    string `json:"code"`
	Version int    `json:"version"`
	BasedOn int    `json:"based_on"`
	Current int    `json:"current"`
}

// dwDocumentJSON is a document as the API shows it; lists leave out the
// versions.
type dwDocumentJSON struct {
	ID              int64             `json:"id"`
	FolderID        int64             `json:"folder_id"`
	FolderReference string            `json:"folder_reference"`
	FolderTitle     string            `json:"folder_title"`
	Title           string            `json:"title"`
	TypeID          *int64            `json:"type_id"`
	TypeName        string            `json:"type_name"`
	Author          string            `json:"author"`
	DocumentDate    *civil.Date       `json:"document_date"`
	Fields          map[string]string `json:"fields"`
	Tags            []string          `json:"tags"`
	State           string            `json:"state"`
	CurrentVersion  int               `json:"current_version"`
	Filename        string            `json:"filename"`
	MIMEType        string            `json:"mime_type"`
	Size            int64             `json:"size"`
	SHA256          string            `json:"sha256"`
	Lock            *dwLockJSON       `json:"lock"`
	FinalizedAt     *string           `json:"finalized_at"`
	FinalizedBy     *int64            `json:"finalized_by"`
	CreatedAt       string            `json:"created_at"`
	CreatedBy       *int64            `json:"created_by"`
	CreatedByName   string            `json:"created_by_name"`
	UpdatedAt       string            `json:"updated_at"`
	Version         int               `json:"version"`
	Access          string            `json:"access"`
	CanWrite        bool              `json:"can_write"`
	CanFinalize     bool              `json:"can_finalize"`
	Versions        *[]dwVersionJSON  `json:"versions,omitempty"`
}

func dwVersionURL(id int64, n int) string {
	return fmt.Sprintf("/api/v1/documents/%d/versions/%d/content", id, n)
}

func dwNewVersionJSON(v document.Version) dwVersionJSON {
	return dwVersionJSON{Number: v.Number, Filename: v.Filename, MIMEType: v.MIMEType, Size: v.Size, SHA256: v.SHA256,
		ChangeReason: v.ChangeReason, BasedOn: v.BasedOn, Conflict: v.Conflict, CreatedAt: dwTime(v.CreatedAt),
		CreatedBy: optID(v.CreatedBy), CreatedByName: v.CreatedByName, URL: dwVersionURL(v.DocumentID, v.Number)}
}

func dwNewDocumentJSON(a actor.Actor, d document.Document, full bool) dwDocumentJSON {
	j := dwDocumentJSON{ID: d.ID, FolderID: d.FolderID, FolderReference: d.FolderReference, FolderTitle: d.FolderTitle, Title: d.Title,
		TypeID: optID(d.TypeID), TypeName: d.TypeName, Author: d.Author, DocumentDate: d.DocumentDate, Fields: d.Fields, Tags: d.Tags,
		State: d.State, CurrentVersion: d.CurrentVersion, Filename: d.Filename, MIMEType: d.MIMEType, Size: d.Size, SHA256: d.SHA256,
		FinalizedAt: dwTimePtr(d.FinalizedAt), FinalizedBy: optID(d.FinalizedBy), CreatedAt: dwTime(d.CreatedAt),
		CreatedBy: optID(d.CreatedBy), CreatedByName: d.CreatedByName, UpdatedAt: dwTime(d.UpdatedAt), Version: d.Version,
		Access: d.Access.String(), CanWrite: d.CanWrite(a), CanFinalize: d.CanFinalize(a)}
	if j.Fields == nil {
		j.Fields = map[string]string{}
	}
	if j.Tags == nil {
		j.Tags = []string{}
	}
	if d.LockedBy != 0 {
		j.Lock = &dwLockJSON{LockedBy: d.LockedBy, LockedByName: d.LockedByName, LockedAt: dwTimePtr(d.LockedAt), ExpiresAt: dwTimePtr(d.LockExpiresAt)}
	}
	if full {
		vs := make([]dwVersionJSON, 0, len(d.Versions))
		for _, v := range d.Versions {
			vs = append(vs, dwNewVersionJSON(v))
		}
		j.Versions = &vs
	}
	return j
}

func dwWarnings(ws []document.DocumentWarning) []dwWarningJSON {
	out := make([]dwWarningJSON, 0, len(ws))
	for _, w := range ws {
		out = append(out, dwWarningJSON{Code: w.Code, Version: w.Version, BasedOn: w.BasedOn, Current: w.Current})
	}
	return out
}

// dwErrors is the web.ErrorWriter of the document operations. The API
// answers a refusal because of another person's check-out with 423 Locked
// (document_locked) or 409 (document_checked_out) and the lock's holder
// and expiry, and a stale change (409 document_stale) with the current
// version; everything else as the server does.
type dwErrors struct{ h *Handler }

func (e dwErrors) Error(w http.ResponseWriter, r *http.Request, err error) {
	e.h.documentError(w, r, err)
}

// documentError answers err (see dwErrors).
func (h *Handler) documentError(w http.ResponseWriter, r *http.Request, err error) {
	var stale *document.StaleError
	var locked *document.LockedError
	code := apperr.CodeOf(err)
	if !web.IsAPI(r) || !errors.As(err, &stale) && !errors.As(err, &locked) {
		h.srv.Error(w, r, err)
		return
	}
	type problem struct {
		web.Problem
		CurrentVersion *int    `json:"current_version,omitempty"`
		LockedBy       *int64  `json:"locked_by,omitempty"`
		LockedByName   *string `json:"locked_by_name,omitempty"`
		LockExpiresAt  *string `json:"lock_expires_at,omitempty"`
	}
	st := http.StatusConflict
	if code == "document_locked" {
		st = http.StatusLocked
	}
	p := problem{Problem: web.Problem{Type: "urn:ortlos:problem:" + code, Title: http.StatusText(st), Status: st, Code: code,
		Detail: h.srv.Localizer(r).Error(code), RequestID: web.RequestID(r.Context())}}
	if stale != nil {
		p.CurrentVersion = &stale.Version
	}
	if locked != nil {
		p.LockedBy, p.LockedByName, p.LockExpiresAt = &locked.By, &locked.ByName, dwTimePtr(locked.Expires)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(st)
	_ = json.NewEncoder(w).Encode(p)
}

// dwUploadInputs are the inputs of the upload form on the document page
// by the field names of the errors they show.
var dwUploadInputs = map[string]string{"change_reason": "upload-reason", "file": "upload-file"}

// dwErrorKeys renames the field errors of p to the ids of the inputs that
// show them ("f-<key>"), so that the error summary's links lead to the
// field: custom fields ("fields.<key>") become "field_<key>", and the
// errors of the upload form (upload) name its own inputs, not the
// metadata form's.
func dwErrorKeys(p *web.Page, upload bool) {
	if len(p.Errors) == 0 {
		return
	}
	errs := make(map[string]string, len(p.Errors))
	for f, msg := range p.Errors {
		if key, ok := strings.CutPrefix(f, "fields."); ok {
			f = "field_" + key
		} else if in, ok := dwUploadInputs[f]; ok && upload {
			f = in
		}
		errs[f] = msg
	}
	p.Errors = errs
}

// dwStatus is the status of a page showing err at its form: 423 for a
// refusal because of another person's check-out.
func dwStatus(err error) int {
	if apperr.CodeOf(err) == "document_locked" {
		return http.StatusLocked
	}
	return web.StatusOf(err)
}

// dwMultipart reads the fields of a multipart request up to the file part
// "file" and calls fn with them and the file (nil when the request has no
// file or an empty file input). The file is streamed: fields after it are
// not read. Field values are bounded (dwMaxFieldBytes each, dwMaxFields).
func dwMultipart(r *http.Request, fn func(fields url.Values, file *multipart.Part) error) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return dwErrFileMissing
	}
	fields := url.Values{}
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return fn(fields, nil)
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return apperr.New(apperr.Invalid, "body_too_large", "request body too large")
			}
			return dwErrFileMissing
		}
		if n >= dwMaxFields {
			part.Close()
			return dwErrFormTooLarge
		}
		if part.FormName() == "file" && part.FileName() != "" {
			defer part.Close()
			return fn(fields, part)
		}
		b, err := io.ReadAll(io.LimitReader(part, dwMaxFieldBytes+1))
		part.Close()
		if err != nil {
			return dwErrFileMissing
		}
		if len(b) > dwMaxFieldBytes {
			return dwErrFormTooLarge
		}
		if part.FormName() != "file" {
			fields.Add(part.FormName(), string(b))
		}
	}
}

// dwUpload builds an upload from the fields of a form or query: based_on,
// change_reason, checkin.
func dwUpload(name, declared string, content io.Reader, basedOn, reason, checkin string) (document.Upload, error) {
	u := document.Upload{Filename: name, Declared: declared, Content: content, ChangeReason: reason}
	if s := strings.TrimSpace(basedOn); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return u, dwErrBasedOn
		}
		u.BasedOn = &n
	}
	switch strings.ToLower(strings.TrimSpace(checkin)) {
	case "1", "true", "on", "yes":
		u.Checkin = true
	}
	return u, nil
}

// dwCreateJSON is the body (or the "metadata" part) of createDocument.
type dwCreateJSON struct {
	Title        string            `json:"title"`
	TypeID       *int64            `json:"type_id"`
	Author       string            `json:"author"`
	DocumentDate *civil.Date       `json:"document_date"`
	Fields       map[string]string `json:"fields"`
	Tags         []string          `json:"tags"`
	ChangeReason string            `json:"change_reason"`
}

func (c dwCreateJSON) input() document.NewDocument {
	n := document.NewDocument{Title: c.Title, Author: c.Author, DocumentDate: c.DocumentDate, Fields: c.Fields, Tags: c.Tags}
	if c.TypeID != nil {
		n.TypeID = *c.TypeID
	}
	return n
}

func (h *Handler) apiCreateDocument(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var d document.Document
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		err = dwMultipart(r, func(fields url.Values, file *multipart.Part) error {
			var req dwCreateJSON
			dec := json.NewDecoder(strings.NewReader(fields.Get("metadata")))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&req); err != nil {
				return apperr.Wrap(apperr.Invalid, "invalid_json", "the metadata part is not valid JSON for this operation", err)
			}
			var first *document.Upload
			if file != nil {
				first = &document.Upload{Filename: file.FileName(), Declared: file.Header.Get("Content-Type"), Content: file, ChangeReason: req.ChangeReason}
			}
			var err error
			d, err = h.svc.CreateDocument(r.Context(), web.Actor(r), id, req.input(), first)
			return err
		})
	} else {
		var req dwCreateJSON
		if err := web.DecodeJSON(r, &req); err != nil {
			h.srv.Error(w, r, err)
			return
		}
		d, err = h.svc.CreateDocument(r.Context(), web.Actor(r), id, req.input(), nil)
	}
	if err != nil {
		h.documentError(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, dwNewDocumentJSON(web.Actor(r), d, true))
}

func (h *Handler) apiListFolderDocuments(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	f := document.DocumentFilter{Tag: q.Get("tag"), State: q.Get("state"), Cursor: q.Get("cursor")}
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit < 1 || f.Limit > document.DocumentPageMax {
			h.srv.Error(w, r, web.InvalidFilter("limit", "limit must be between 1 and "+strconv.Itoa(document.DocumentPageMax)))
			return
		}
	}
	a := web.Actor(r)
	page, err := h.svc.ListDocuments(r.Context(), a, id, f)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	out := struct {
		Items      []dwDocumentJSON `json:"items"`
		NextCursor *string          `json:"next_cursor"`
	}{Items: make([]dwDocumentJSON, 0, len(page.Items))}
	for _, d := range page.Items {
		out.Items = append(out.Items, dwNewDocumentJSON(a, d, false))
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	web.JSON(w, http.StatusOK, out)
}

func (h *Handler) apiGetDocument(w http.ResponseWriter, r *http.Request) {
	web.APIWithID(h.srv, w, r, http.StatusOK, func(ctx context.Context, a actor.Actor, id int64) (dwDocumentJSON, error) {
		d, err := h.svc.GetDocument(ctx, a, id)
		return dwNewDocumentJSON(a, d, true), err
	})
}

type dwUpdateJSON struct {
	Version      *int                     `json:"version"`
	Title        *string                  `json:"title"`
	TypeID       web.Nullable[int64]      `json:"type_id"`
	Author       *string                  `json:"author"`
	DocumentDate web.Nullable[civil.Date] `json:"document_date"`
	Fields       *map[string]string       `json:"fields"`
	Tags         *[]string                `json:"tags"`
	ChangeReason string                   `json:"change_reason"`
}

func (h *Handler) apiUpdateDocument(w http.ResponseWriter, r *http.Request) {
	web.APIWithBody(dwErrors{h}, w, r, http.StatusOK, h.updateDocumentJSON)
}

func (h *Handler) updateDocumentJSON(ctx context.Context, a actor.Actor, id int64, req dwUpdateJSON) (dwDocumentJSON, error) {
	if req.Version == nil {
		return dwDocumentJSON{}, dwErrVersionRequired
	}
	u := document.DocumentUpdate{Version: *req.Version, Title: req.Title, Author: req.Author, ChangeReason: req.ChangeReason}
	if req.TypeID.Set {
		t := req.TypeID.V
		u.TypeID = &t
	}
	if req.DocumentDate.Set {
		d := req.DocumentDate.V
		u.DocumentDate = &d
	}
	if req.Fields != nil {
		u.Fields = *req.Fields
		if u.Fields == nil {
			u.Fields = map[string]string{}
		}
	}
	if req.Tags != nil {
		u.Tags = append([]string{}, *req.Tags...)
	}
	d, err := h.svc.UpdateDocument(ctx, a, id, u)
	return dwNewDocumentJSON(a, d, true), err
}

func (h *Handler) apiFinalizeDocument(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req struct {
		Version *int `json:"version"`
	}
	// The body is optional.
	if r.ContentLength != 0 {
		if err := web.DecodeJSON(r, &req); err != nil && !errors.Is(err, io.EOF) {
			h.srv.Error(w, r, err)
			return
		}
	}
	a := web.Actor(r)
	d, err := h.svc.FinalizeDocument(r.Context(), a, id, req.Version)
	if err != nil {
		h.documentError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, dwNewDocumentJSON(a, d, true))
}

// dwVersionListJSON is the answer of listDocumentVersions.
type dwVersionListJSON struct {
	Items      []dwVersionJSON `json:"items"`
	NextCursor *string         `json:"next_cursor"`
	MaxBytes   int64           `json:"max_bytes"`
}

func (h *Handler) apiListDocumentVersions(w http.ResponseWriter, r *http.Request) {
	web.APIWithID(h.srv, w, r, http.StatusOK, func(ctx context.Context, a actor.Actor, id int64) (dwVersionListJSON, error) {
		vs, err := h.svc.ListVersions(ctx, a, id)
		out := dwVersionListJSON{Items: make([]dwVersionJSON, 0, len(vs)), MaxBytes: h.svc.MaxBytes()}
		for _, v := range vs {
			out.Items = append(out.Items, dwNewVersionJSON(v))
		}
		return out, err
	})
}

// uploadVersion stores the file of a multipart request as a new version.
func (h *Handler) uploadVersion(r *http.Request, id int64) (document.Version, []document.DocumentWarning, error) {
	var v document.Version
	var ws []document.DocumentWarning
	err := dwMultipart(r, func(fields url.Values, file *multipart.Part) error {
		if file == nil {
			return dwErrFileMissing
		}
		u, err := dwUpload(file.FileName(), file.Header.Get("Content-Type"), file, fields.Get("based_on"), fields.Get("change_reason"), fields.Get("checkin"))
		if err != nil {
			return err
		}
		v, ws, err = h.svc.UploadVersion(r.Context(), web.Actor(r), id, u)
		return err
	})
	return v, ws, err
}

func (h *Handler) writeUploaded(w http.ResponseWriter, v document.Version, ws []document.DocumentWarning) {
	j := dwNewVersionJSON(v)
	warnings := dwWarnings(ws)
	j.Warnings = &warnings
	web.JSON(w, http.StatusCreated, j)
}

func (h *Handler) apiUploadDocumentVersion(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	v, ws, err := h.uploadVersion(r, id)
	if err != nil {
		h.documentError(w, r, err)
		return
	}
	h.writeUploaded(w, v, ws)
}

// dwHeaderText reads a header that carries percent-encoded UTF-8.
func dwHeaderText(r *http.Request, name string) string {
	v := r.Header.Get(name)
	if s, err := url.PathUnescape(v); err == nil {
		return s
	}
	return v
}

// apiPutDocumentContent stores the request body as a new version: the
// file name comes from the query parameter filename or the
// Content-Disposition header, the declared type from Content-Type,
// based_on, change_reason and checkin from the query or the headers
// X-Ortlos-Based-On, X-Ortlos-Change-Reason (percent-encoded UTF-8) and
// X-Ortlos-Checkin.
func (h *Handler) apiPutDocumentContent(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	name := q.Get("filename")
	if name == "" {
		if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
			name = params["filename"]
		}
	}
	if strings.TrimSpace(name) == "" {
		h.srv.Error(w, r, dwErrFilenameMissing)
		return
	}
	pick := func(query, header string) string {
		if q.Has(query) {
			return q.Get(query)
		}
		return dwHeaderText(r, header)
	}
	u, err := dwUpload(name, r.Header.Get("Content-Type"), r.Body, pick("based_on", "X-Ortlos-Based-On"),
		pick("change_reason", "X-Ortlos-Change-Reason"), pick("checkin", "X-Ortlos-Checkin"))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	v, ws, err := h.svc.UploadVersion(r.Context(), web.Actor(r), id, u)
	if err != nil {
		h.documentError(w, r, err)
		return
	}
	h.writeUploaded(w, v, ws)
}

// downloadDocumentVersion sends a version's content as a download
// (Content-Disposition attachment with an RFC 6266 filename*), with its
// stored type, nosniff and a sandboxing Content-Security-Policy, so that
// no content runs in ortlos' origin. Range and conditional requests work
// (http.ServeContent; the ETag is the content's SHA-256). Every request
// is audited by the service (document.download).
func (h *Handler) downloadDocumentVersion(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n <= 0 {
		h.srv.Error(w, r, dwErrNotFound)
		return
	}
	v, rc, err := h.svc.OpenVersion(r.Context(), web.Actor(r), id, n)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	defer rc.Close()
	web.ServeStoredFile(w, r, v.Filename, v.MIMEType, v.SHA256, v.CreatedAt, rc)
}

func (h *Handler) apiCheckoutDocument(w http.ResponseWriter, r *http.Request) {
	web.APIWithID(dwErrors{h}, w, r, http.StatusOK, h.lockAction(h.svc.CheckoutDocument))
}

func (h *Handler) apiReleaseDocumentLock(w http.ResponseWriter, r *http.Request) {
	web.APIWithID(dwErrors{h}, w, r, http.StatusOK, h.lockAction(h.svc.ReleaseDocumentLock))
}

// lockAction answers a check-out or its release with the document
// without its versions.
func (h *Handler) lockAction(fn func(context.Context, actor.Actor, int64) (document.Document, error)) func(context.Context, actor.Actor, int64) (dwDocumentJSON, error) {
	return func(ctx context.Context, a actor.Actor, id int64) (dwDocumentJSON, error) {
		d, err := fn(ctx, a, id)
		return dwNewDocumentJSON(a, d, false), err
	}
}

// Pages.

// dwOpt is an entry of a select.
type dwOpt struct {
	Value, Label string
	Selected     bool
}

// dwFieldInput is a custom field of a form.
type dwFieldInput struct {
	Key, Label, Kind, Value string
	Required                bool
	// Name is the form field and the key of its error ("field_<key>",
	// see dwErrorKeys).
	Name string
}

// dwFact is a custom field shown on the document page.
type dwFact struct{ Label, Value string }

// dwMetaForm is the metadata form (new document and edit).
type dwMetaForm struct {
	Title, Author, Date, Tags string
	TypeID                    int64
	TypeName                  string
	Types                     []dwOpt
	Fields                    []dwFieldInput
	Reason                    string
}

// dwVersionRow is a row of the versions table.
type dwVersionRow struct {
	Number                int
	Filename, Type, Size  string
	By, When, Reason, URL string
	Conflict              bool
	BasedOn               int
}

type dwDocumentView struct {
	web.Page
	Doc       document.Document
	State     string
	Date      string
	Size      string
	Created   string
	Finalized string
	LockUntil string
	Facts     []dwFact
	Versions  []dwVersionRow
	// Conflict is the current version when it was stored as a conflict.
	Conflict *dwVersionRow
	// Form names the form the errors belong to (upload or edit).
	Form          string
	Edit          dwMetaForm
	UploadReason  string
	MaxSize       string
	CanWrite      bool
	CanUpload     bool
	CanFinalize   bool
	CanBreakLock  bool
	LockedByMe    bool
	LockedByOther bool
	NeedsReason   bool
	// HoldURL is the legal hold form for this document (records
	// management).
	HoldURL string
}

// dwSize formats a byte count in binary units as desktop file managers
// do ("12 KB", "1,5 MB", "2 GB").
func dwSize(l i18n.Localizer, n int64) string {
	var v float64
	var key string
	switch {
	case n < 1024:
		return l.T("document.size_bytes", strconv.FormatInt(n, 10))
	case n < 1024*1024:
		v, key = float64(n)/1024, "document.size_kb"
	case n < 1024*1024*1024:
		v, key = float64(n)/(1024*1024), "document.size_mb"
	default:
		v, key = float64(n)/(1024*1024*1024), "document.size_gb"
	}
	s := strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0")
	if l.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return l.T(key, s)
}

func dwDate(p web.Page, d *civil.Date) string {
	if d == nil {
		return ""
	}
	return p.L.Date(d.Start(time.UTC), time.UTC)
}

func dwMIMEBase(t string) string {
	if base, _, err := mime.ParseMediaType(t); err == nil {
		return base
	}
	return t
}

// metaForm fills the metadata form for type typeID with the values of
// vals (custom fields by key).
func (h *Handler) metaForm(r *http.Request, p web.Page, typeID int64, vals map[string]string) (dwMetaForm, error) {
	types, err := h.svc.ListDocTypes(r.Context(), web.Actor(r))
	if err != nil {
		return dwMetaForm{}, err
	}
	f := dwMetaForm{TypeID: typeID, Types: []dwOpt{{Value: "0", Label: p.L.T("document.type_none"), Selected: typeID == 0}}}
	for _, t := range types {
		f.Types = append(f.Types, dwOpt{Value: strconv.FormatInt(t.ID, 10), Label: t.Name, Selected: t.ID == typeID})
		if t.ID != typeID {
			continue
		}
		f.TypeName = t.Name
		for _, fd := range t.Fields {
			f.Fields = append(f.Fields, dwFieldInput{Key: fd.Key, Label: fd.Label, Kind: fd.Kind, Value: vals[fd.Key], Required: fd.Required,
				Name: "field_" + fd.Key})
		}
	}
	return f, nil
}

// postedMeta reads the metadata form from fields.
func postedMeta(fields url.Values) (dwMetaForm, map[string]string) {
	f := dwMetaForm{Title: fields.Get("title"), Author: fields.Get("author"), Date: fields.Get("document_date"),
		Tags: fields.Get("tags"), Reason: fields.Get("change_reason")}
	f.TypeID = formID(fields.Get("type_id"))
	vals := map[string]string{}
	for k, v := range fields {
		if key, ok := strings.CutPrefix(k, "field_"); ok && len(v) > 0 {
			vals[key] = v[0]
		}
	}
	return f, vals
}

// dwTags splits a comma-separated tag list.
func dwTags(s string) []string {
	out := []string{}
	for t := range strings.SplitSeq(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

var dwErrDate = apperr.Invalidf("invalid_document_date", "the date is not a day (YYYY-MM-DD)").WithField("document_date", "invalid_document_date")

// dwParseDate reads a date field ("" is none).
func dwParseDate(s string) (*civil.Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	d, err := civil.Parse(s)
	if err != nil {
		return nil, dwErrDate
	}
	return &d, nil
}

// dwFieldValues keeps only the values of the type's fields: a type
// change in the form leaves the old type's values behind.
func dwFieldValues(form dwMetaForm, vals map[string]string) map[string]string {
	out := map[string]string{}
	for _, f := range form.Fields {
		out[f.Key] = vals[f.Key]
	}
	return out
}

func (h *Handler) documentPage(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.renderDocument(w, r, id, http.StatusOK, nil, "", nil)
}

// renderDocument shows document id; a refused form (form "upload" or
// "edit") comes back with its error and, for the edit form, the posted
// values.
func (h *Handler) renderDocument(w http.ResponseWriter, r *http.Request, id int64, status int, formErr error, form string, posted url.Values) {
	a := web.Actor(r)
	d, err := h.svc.GetDocument(r.Context(), a, id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := h.srv.NewPage(r, d.Title)
	if formErr != nil {
		p.SetError(formErr)
		dwErrorKeys(&p, form == "upload")
	}
	v := dwDocumentView{Page: p, Doc: d, State: p.L.T("document.state." + d.State), Date: dwDate(p, d.DocumentDate),
		Size: dwSize(p.L, d.Size), Created: p.L.DateTime(d.CreatedAt, p.Loc), Form: form, MaxSize: dwSize(p.L, h.svc.MaxBytes()),
		CanWrite: d.CanWrite(a), CanFinalize: d.CanFinalize(a), CanBreakLock: d.CanBreakLock(a),
		LockedByMe: d.LockedBy != 0 && d.LockedBy == a.UserID, LockedByOther: d.LockedByOther(a), NeedsReason: d.State == document.StateFinal}
	v.CanUpload = v.CanWrite && !v.LockedByOther
	if document.CanProposeDeletion(a) {
		v.HoldURL = fmt.Sprintf("/documents/holds?document_id=%d#hold-new", d.ID)
	}
	if d.FinalizedAt != nil {
		v.Finalized = p.L.DateTime(*d.FinalizedAt, p.Loc)
	}
	if d.LockExpiresAt != nil {
		v.LockUntil = p.L.DateTime(*d.LockExpiresAt, p.Loc)
	}
	for _, ver := range d.Versions {
		row := dwVersionRow{Number: ver.Number, Filename: ver.Filename, Type: dwMIMEBase(ver.MIMEType), Size: dwSize(p.L, ver.Size),
			By: ver.CreatedByName, When: p.L.DateTime(ver.CreatedAt, p.Loc), Reason: ver.ChangeReason,
			URL: fmt.Sprintf("/documents/%d/versions/%d/download", d.ID, ver.Number), Conflict: ver.Conflict}
		if row.By == "" {
			row.By = p.L.T("document.removed_person")
		}
		if ver.BasedOn != nil {
			row.BasedOn = *ver.BasedOn
		}
		v.Versions = append(v.Versions, row)
	}
	if len(v.Versions) > 0 && v.Versions[0].Conflict {
		v.Conflict = &v.Versions[0]
	}
	// The custom fields with the labels of the type.
	typeID := d.TypeID
	if posted != nil && form == "edit" {
		typeID, _ = strconv.ParseInt(posted.Get("type_id"), 10, 64)
	} else if s := r.URL.Query().Get("type"); s != "" {
		if t, err := strconv.ParseInt(s, 10, 64); err == nil && t >= 0 {
			typeID = t
		}
	}
	shown, err := h.metaForm(r, p, d.TypeID, d.Fields)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	for _, f := range shown.Fields {
		if val := d.Fields[f.Key]; val != "" {
			if f.Kind == document.FieldDate {
				if day, err := civil.Parse(val); err == nil {
					val = dwDate(p, &day)
				}
			}
			v.Facts = append(v.Facts, dwFact{Label: f.Label, Value: val})
		}
	}
	if v.CanWrite {
		vals := d.Fields
		if posted != nil && form == "edit" {
			var pf dwMetaForm
			pf, vals = postedMeta(posted)
			v.Edit = pf
		} else {
			v.Edit = dwMetaForm{Title: d.Title, Author: d.Author, Tags: strings.Join(d.Tags, ", ")}
			if d.DocumentDate != nil {
				v.Edit.Date = d.DocumentDate.String()
			}
		}
		meta, err := h.metaForm(r, p, typeID, vals)
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		v.Edit.TypeID, v.Edit.TypeName, v.Edit.Types, v.Edit.Fields = typeID, meta.TypeName, meta.Types, meta.Fields
	}
	if form == "upload" && posted != nil {
		v.UploadReason = posted.Get("change_reason")
	}
	h.srv.Render(w, r, status, "documents_detail.html", v)
}

// documentFormError shows the document page again with a validation or
// conflict error at form, or the error page for anything else (not
// found, forbidden).
func (h *Handler) documentFormError(w http.ResponseWriter, r *http.Request, id int64, err error, form string, posted url.Values) {
	if apperr.CodeOf(err) == "body_too_large" {
		// Show it at the form, like the service's own size limit.
		err = apperr.Invalidf("file_too_large", "too large").WithField("file", "file_too_large")
	}
	if st := dwStatus(err); st == http.StatusUnprocessableEntity || st == http.StatusConflict || st == http.StatusLocked {
		h.renderDocument(w, r, id, st, err, form, posted)
		return
	}
	h.srv.Error(w, r, err)
}

// uiDocumentAction runs the small forms of the document page: action
// checkout, release, finalize or update (the metadata form).
func (h *Handler) uiDocumentAction(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	a := web.Actor(r)
	target := "/documents/" + strconv.FormatInt(id, 10)
	version := func() (int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("version")))
		if err != nil {
			return 0, dwErrVersionRequired
		}
		return n, nil
	}
	switch r.PostFormValue("action") {
	case "checkout":
		if _, err := h.svc.CheckoutDocument(r.Context(), a, id); err != nil {
			h.documentFormError(w, r, id, err, "", nil)
			return
		}
		h.srv.Redirect(w, r, target+"#checkout", "document_checked_out")
	case "release":
		if _, err := h.svc.ReleaseDocumentLock(r.Context(), a, id); err != nil {
			h.documentFormError(w, r, id, err, "", nil)
			return
		}
		h.srv.Redirect(w, r, target+"#checkout", "document_released")
	case "finalize":
		n, err := version()
		if err == nil {
			_, err = h.svc.FinalizeDocument(r.Context(), a, id, &n)
		}
		if err != nil {
			h.documentFormError(w, r, id, err, "", nil)
			return
		}
		h.srv.Redirect(w, r, target, "document_finalized")
	case "update":
		if err := r.ParseForm(); err != nil {
			h.srv.Error(w, r, err)
			return
		}
		err := h.updateFromForm(r, id, r.PostForm)
		if err != nil {
			h.documentFormError(w, r, id, err, "edit", r.PostForm)
			return
		}
		h.srv.Redirect(w, r, target, "document_saved")
	default:
		h.srv.Error(w, r, dwErrUnknownAction)
	}
}

// updateFromForm saves the posted metadata form.
func (h *Handler) updateFromForm(r *http.Request, id int64, fields url.Values) error {
	n, err := strconv.Atoi(strings.TrimSpace(fields.Get("version")))
	if err != nil {
		return dwErrVersionRequired
	}
	form, vals := postedMeta(fields)
	date, err := dwParseDate(form.Date)
	if err != nil {
		return err
	}
	if date == nil {
		date = &civil.Date{}
	}
	meta, err := h.metaForm(r, h.srv.NewPage(r, ""), form.TypeID, vals)
	if err != nil {
		return err
	}
	typeID := form.TypeID
	u := document.DocumentUpdate{Version: n, Title: &form.Title, Author: &form.Author, DocumentDate: date, TypeID: &typeID,
		Fields: dwFieldValues(meta, vals), Tags: dwTags(form.Tags), ChangeReason: form.Reason}
	_, err = h.svc.UpdateDocument(r.Context(), web.Actor(r), id, u)
	return err
}

func (h *Handler) uiUploadDocumentVersion(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var posted url.Values
	var v document.Version
	var ws []document.DocumentWarning
	err = dwMultipart(r, func(fields url.Values, file *multipart.Part) error {
		posted = fields
		if file == nil {
			return dwErrFileMissing
		}
		u, err := dwUpload(file.FileName(), file.Header.Get("Content-Type"), file, fields.Get("based_on"), fields.Get("change_reason"), fields.Get("checkin"))
		if err != nil {
			return err
		}
		v, ws, err = h.svc.UploadVersion(r.Context(), web.Actor(r), id, u)
		return err
	})
	if err != nil {
		if posted == nil {
			posted = url.Values{}
		}
		h.documentFormError(w, r, id, err, "upload", posted)
		return
	}
	flash := "document_version_added"
	if len(ws) > 0 {
		flash = "document_version_conflict"
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/documents/%d#version-%d", id, v.Number), flash)
}

// New document.

type dwNewView struct {
	web.Page
	Folder  document.FolderDetail
	Crumbs  []dwCrumb
	Form    dwMetaForm
	MaxSize string
	Action  string
}

type dwCrumb struct{ Name, URL string }

func (h *Handler) newDocumentPage(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	typeID, _ := strconv.ParseInt(r.URL.Query().Get("type"), 10, 64)
	h.renderNewDocument(w, r, id, http.StatusOK, nil, dwMetaForm{TypeID: typeID}, nil)
}

func (h *Handler) renderNewDocument(w http.ResponseWriter, r *http.Request, folderID int64, status int, formErr error, form dwMetaForm, vals map[string]string) {
	a := web.Actor(r)
	if err := h.svc.CheckNewDocument(r.Context(), a, folderID); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	f, err := h.svc.GetFolder(r.Context(), a, folderID)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := h.srv.NewPage(r, "")
	p.Title = p.L.T("document.new_title", f.Reference, f.Title)
	if formErr != nil {
		p.SetError(formErr)
		dwErrorKeys(&p, false)
	}
	meta, err := h.metaForm(r, p, form.TypeID, vals)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	form.TypeName, form.Types, form.Fields = meta.TypeName, meta.Types, meta.Fields
	v := dwNewView{Page: p, Folder: f, Form: form, MaxSize: dwSize(p.L, h.svc.MaxBytes()), Action: fmt.Sprintf("/documents/folders/%d/new", folderID)}
	for _, c := range f.Path {
		v.Crumbs = append(v.Crumbs, dwCrumb{Name: c.Reference + " " + c.Title, URL: fmt.Sprintf("/documents/folders/%d", c.ID)})
	}
	v.Crumbs = append(v.Crumbs, dwCrumb{Name: f.Reference + " " + f.Title, URL: fmt.Sprintf("/documents/folders/%d", f.ID)})
	h.srv.Render(w, r, status, "documents_new.html", v)
}

func (h *Handler) uiCreateDocument(w http.ResponseWriter, r *http.Request) {
	folderID, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var form dwMetaForm
	var vals map[string]string
	var d document.Document
	err = dwMultipart(r, func(fields url.Values, file *multipart.Part) error {
		form, vals = postedMeta(fields)
		date, err := dwParseDate(form.Date)
		if err != nil {
			return err
		}
		meta, err := h.metaForm(r, h.srv.NewPage(r, ""), form.TypeID, vals)
		if err != nil {
			return err
		}
		n := document.NewDocument{Title: form.Title, TypeID: form.TypeID, Author: form.Author, DocumentDate: date,
			Fields: dwFieldValues(meta, vals), Tags: dwTags(form.Tags)}
		var first *document.Upload
		if file != nil {
			first = &document.Upload{Filename: file.FileName(), Declared: file.Header.Get("Content-Type"), Content: file}
		}
		d, err = h.svc.CreateDocument(r.Context(), web.Actor(r), folderID, n, first)
		return err
	})
	if err != nil {
		if apperr.CodeOf(err) == "body_too_large" {
			err = apperr.Invalidf("file_too_large", "too large").WithField("file", "file_too_large")
		}
		if st := web.StatusOf(err); st == http.StatusUnprocessableEntity || st == http.StatusConflict {
			h.renderNewDocument(w, r, folderID, st, err, form, vals)
			return
		}
		h.srv.Error(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/documents/%d", d.ID), "document_created")
}
