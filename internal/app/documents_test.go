package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"ortlos/internal/actor"
	"ortlos/internal/db"
	"ortlos/internal/document"
	"ortlos/internal/identity"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, _ identity.User) []string {
		ctx := t.Context()
		var adminID int64
		if err := ts.DB.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, "anna.admin").Scan(&adminID); err != nil {
			t.Fatal(err)
		}
		s := dtFile(t, ts, "DOC-A11Y")
		dtGrant(t, ts, s.file, adminID, "manage")
		typeID := dtInsert(t, ts, `INSERT INTO doc_types (name, fields, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
			"A11y-Schreiben", `[{"key":"zeichen","label":"Zeichen des Absenders","kind":"text","required":true},{"key":"eingang","label":"Eingang","kind":"date","required":false}]`,
			db.T(ts.now()), db.T(ts.now()))
		a := actor.Actor{UserID: adminID, Username: "anna.admin", Roles: []string{actor.RoleAdmin}, Via: actor.ViaSession, SessionID: 1}
		d, err := ts.Document.CreateDocument(ctx, a, s.file, document.NewDocument{Title: "Prüfvermerk", TypeID: typeID,
			Fields: map[string]string{"zeichen": "Z-1"}, Tags: []string{"Prüfung"}},
			&document.Upload{Filename: "Prüfvermerk.pdf", Content: strings.NewReader(dtPDF)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := ts.Document.UploadVersion(ctx, a, d.ID, document.Upload{Filename: "Prüfvermerk.pdf", BasedOn: dtPtr(0),
			Content: strings.NewReader(dtPDF + "%zwei\n")}); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.Document.CheckoutDocument(ctx, a, d.ID); err != nil {
			t.Fatal(err)
		}
		final, err := ts.Document.CreateDocument(ctx, a, s.file, document.NewDocument{Title: "Bescheid"},
			&document.Upload{Filename: "Bescheid.pdf", Content: strings.NewReader(dtPDF)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ts.Document.FinalizeDocument(ctx, a, final.ID, nil); err != nil {
			t.Fatal(err)
		}
		return []string{fmt.Sprintf("/documents/%d", d.ID), fmt.Sprintf("/documents/%d?type=0", d.ID), fmt.Sprintf("/documents/%d", final.ID),
			fmt.Sprintf("/documents/folders/%d/new", s.file), fmt.Sprintf("/documents/folders/%d/new?type=%d", s.file, typeID)}
	})
}

const dtPDF = "%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"

func dtPtr[T any](v T) *T { return &v }

// dtInsert runs an INSERT … RETURNING id.
func dtInsert(t testing.TB, ts *testServer, query string, args ...any) int64 {
	t.Helper()
	var id int64
	err := ts.DB.InTx(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRowContext(context.Background(), query, args...).Scan(&id)
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

type dtFolders struct{ plan, file int64 }

// dtFile inserts a plan position and an open file below it.
func dtFile(t testing.TB, ts *testServer, ref string) dtFolders {
	t.Helper()
	now := db.T(ts.now())
	var f dtFolders
	f.plan = dtInsert(t, ts, `INSERT INTO doc_folders (kind, reference, title, created_at, updated_at) VALUES ('plan', ?, ?, ?, ?) RETURNING id`,
		ref, "Bauordnung", now, now)
	f.file = dtInsert(t, ts, `INSERT INTO doc_folders (parent_id, kind, reference, title, created_at, updated_at) VALUES (?, 'file', ?, ?, ?, ?) RETURNING id`,
		f.plan, ref+"-1", "Bauantrag Lindenweg 3", now, now)
	return f
}

// dtGrant grants a person access to a folder.
func dtGrant(t testing.TB, ts *testServer, folder, user int64, access string) {
	t.Helper()
	err := ts.DB.InTx(context.Background(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(context.Background(), `INSERT INTO doc_folder_grants (folder_id, principal_kind, principal, access) VALUES (?, 'user', ?, ?)`,
			folder, strconv.FormatInt(user, 10), access)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// dtPart is a part of a multipart body: a field (no filename) or a file.
type dtPart struct {
	name, filename, contentType string
	body                        []byte
}

func dtMultipart(t *testing.T, parts ...dtPart) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.filename != "" {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.filename))
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.name))
		}
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.body)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func dtSend(t *testing.T, c *http.Client, method, target, contentType string, body io.Reader, header ...string) *result {
	t.Helper()
	req := newRequest(t, method, target, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, c, req)
}

// dtJSON decodes a result's body.
func dtJSON(t *testing.T, r *result, out any) {
	t.Helper()
	if err := json.Unmarshal(r.body, out); err != nil {
		t.Fatalf("%s %s: %v; body %s", r.Request.Method, r.Request.URL, err, r.body)
	}
}

type dtVersion struct {
	Number       int    `json:"number"`
	Filename     string `json:"filename"`
	MIMEType     string `json:"mime_type"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"`
	ChangeReason string `json:"change_reason"`
	BasedOn      *int   `json:"based_on"`
	Conflict     bool   `json:"conflict"`
	URL          string `json:"url"`
	Warnings     []struct {
		Code    string `json:"code"`
		Version int    `json:"version"`
		BasedOn int    `json:"based_on"`
		Current int    `json:"current"`
	} `json:"warnings"`
}

type dtDocument struct {
	ID             int64             `json:"id"`
	FolderID       int64             `json:"folder_id"`
	Title          string            `json:"title"`
	Author         string            `json:"author"`
	State          string            `json:"state"`
	Tags           []string          `json:"tags"`
	Fields         map[string]string `json:"fields"`
	CurrentVersion int               `json:"current_version"`
	Filename       string            `json:"filename"`
	Version        int               `json:"version"`
	Access         string            `json:"access"`
	CanWrite       bool              `json:"can_write"`
	Lock           *struct {
		LockedBy     int64  `json:"locked_by"`
		LockedByName string `json:"locked_by_name"`
	} `json:"lock"`
	Versions []dtVersion `json:"versions"`
}

type dtSetup struct {
	ts                      *testServer
	f                       dtFolders
	writer, writer2, reader *http.Client
	outsider, admin         *http.Client
	writerID, writer2ID     int64
}

func newDtSetup(t *testing.T) dtSetup {
	t.Helper()
	ts := startServer(t)
	w := createUser(t, ts, "wilma.schreiber", "Wilma Schreiber")
	w2 := createUser(t, ts, "walter.schreiber", "Walter Schreiber")
	r := createUser(t, ts, "lena.leser", "Lena Leser")
	createUser(t, ts, "otto.aussen", "Otto Außen")
	createUser(t, ts, "ada.admin", "Ada Admin", actor.RoleAdmin)
	f := dtFile(t, ts, "63.01")
	dtGrant(t, ts, f.plan, w.ID, "write")
	dtGrant(t, ts, f.plan, w2.ID, "write")
	dtGrant(t, ts, f.file, r.ID, "read")
	return dtSetup{ts: ts, f: f, writer: loginFull(t, ts, "wilma.schreiber", testPassword), writer2: loginFull(t, ts, "walter.schreiber", testPassword),
		reader: loginFull(t, ts, "lena.leser", testPassword), outsider: loginFull(t, ts, "otto.aussen", testPassword),
		admin: loginFull(t, ts, "ada.admin", testPassword), writerID: w.ID, writer2ID: w2.ID}
}

func TestDocumentsAPI(t *testing.T) {
	t.Parallel()
	s := newDtSetup(t)
	ts := s.ts
	api := ts.URL + "/api/v1"
	folderDocs := fmt.Sprintf("%s/document-folders/%d/documents", api, s.f.file)

	// JSON: metadata only.
	res := dtSend(t, s.writer, "POST", folderDocs, "application/json", strings.NewReader(`{"title":"Vermerk","tags":["Ortstermin"]}`))
	wantStatus(t, res, http.StatusCreated)
	var memo dtDocument
	dtJSON(t, res, &memo)
	if memo.Title != "Vermerk" || memo.Author != "Wilma Schreiber" || memo.State != "draft" || memo.CurrentVersion != 0 ||
		len(memo.Versions) != 0 || memo.Access != "write" || !memo.CanWrite {
		t.Errorf("created = %+v", memo)
	}

	// Multipart: metadata and the first version in one request.
	v1 := []byte(dtPDF)
	body, ct := dtMultipart(t, dtPart{name: "metadata", body: []byte(`{"title":"Bauantrag","author":"Bauherr Müller","tags":["Bau"]}`)},
		dtPart{name: "file", filename: "Antrag über Bau.pdf", contentType: "application/pdf", body: v1})
	res = dtSend(t, s.writer, "POST", folderDocs, ct, body)
	wantStatus(t, res, http.StatusCreated)
	var doc dtDocument
	dtJSON(t, res, &doc)
	if doc.CurrentVersion != 1 || doc.Filename != "Antrag über Bau.pdf" || len(doc.Versions) != 1 || doc.Versions[0].MIMEType != "application/pdf" {
		t.Fatalf("created with content = %+v", doc)
	}
	docURL := fmt.Sprintf("%s/documents/%d", api, doc.ID)

	// A new version (multipart) based on version 1, then a conflicting one
	// also based on version 1: stored, with a warning.
	v2 := []byte("%PDF-1.7\n% zweite Fassung\n%%EOF\n")
	body, ct = dtMultipart(t, dtPart{name: "based_on", body: []byte("1")}, dtPart{name: "file", filename: "Antrag.pdf", body: v2})
	res = dtSend(t, s.writer2, "POST", docURL+"/versions", ct, body)
	wantStatus(t, res, http.StatusCreated)
	var up dtVersion
	dtJSON(t, res, &up)
	if up.Number != 2 || up.Conflict || up.Warnings == nil || len(up.Warnings) != 0 {
		t.Errorf("upload = %+v (%s)", up, res.body)
	}
	v3 := []byte("%PDF-1.7\n% dritte Fassung\n%%EOF\n")
	body, ct = dtMultipart(t, dtPart{name: "based_on", body: []byte("1")}, dtPart{name: "file", filename: "Antrag.pdf", body: v3})
	res = dtSend(t, s.writer, "POST", docURL+"/versions", ct, body)
	wantStatus(t, res, http.StatusCreated)
	dtJSON(t, res, &up)
	if up.Number != 3 || !up.Conflict || len(up.Warnings) != 1 || up.Warnings[0].Code != "VERSION_CONFLICT" || up.Warnings[0].Current != 2 {
		t.Errorf("conflicting upload = %+v", up)
	}

	// Raw upload for scripts: name in the query, reason in a header.
	v4 := []byte("Aktennotiz\nzum Antrag\n")
	res = dtSend(t, s.writer, "PUT", docURL+"/content?filename="+url.QueryEscape("Notiz.txt")+"&based_on=3", "text/plain", bytes.NewReader(v4),
		"X-Ortlos-Change-Reason", url.PathEscape("Notiz ergänzt"))
	wantStatus(t, res, http.StatusCreated)
	dtJSON(t, res, &up)
	if up.Number != 4 || up.Filename != "Notiz.txt" || up.MIMEType != "text/plain" || up.ChangeReason != "Notiz ergänzt" || up.Conflict {
		t.Errorf("raw upload = %+v", up)
	}
	res = dtSend(t, s.writer, "PUT", docURL+"/content", "text/plain", strings.NewReader("x"))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.text(), "document_filename_missing") {
		t.Errorf("raw upload without name: %d %s", res.StatusCode, res.body)
	}
	res = dtSend(t, s.writer, "PUT", docURL+"/content", "application/octet-stream", strings.NewReader(dtPDF), "Content-Disposition", `attachment; filename="Scan.pdf"`)
	wantStatus(t, res, http.StatusCreated)

	// Downloads: every version byte for byte, ranges, headers; audited.
	for n, want := range map[int][]byte{1: v1, 2: v2, 3: v3, 4: v4} {
		for _, path := range []string{fmt.Sprintf("%s/versions/%d/content", docURL, n), fmt.Sprintf("%s/documents/%d/versions/%d/download", ts.URL, doc.ID, n)} {
			res := get(t, s.reader, path)
			wantStatus(t, res, http.StatusOK)
			if !bytes.Equal(res.body, want) {
				t.Errorf("%s: %q, want %q", path, res.body, want)
			}
			h := res.Header
			if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") ||
				!strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || len(h.Get("ETag")) != 66 {
				t.Errorf("%s: headers %v", path, h)
			}
		}
	}
	res = get(t, s.reader, fmt.Sprintf("%s/versions/1/content", docURL))
	if _, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition")); err != nil || params["filename"] != "Antrag über Bau.pdf" {
		t.Errorf("filename %q, %v", params["filename"], err)
	}
	res = get(t, s.reader, fmt.Sprintf("%s/versions/2/content", docURL), "Range", "bytes=0-7")
	if res.StatusCode != http.StatusPartialContent || string(res.body) != "%PDF-1.7" {
		t.Errorf("range: %d %q", res.StatusCode, res.body)
	}
	if n := len(auditRecords(t, ts, "document.download")); n != 10 {
		t.Errorf("%d download audit records, want 10", n)
	}

	// People without a grant get 404 for everything, administrators too.
	for _, c := range []*http.Client{s.outsider, s.admin} {
		for _, path := range []string{docURL, docURL + "/versions", docURL + "/versions/1/content", folderDocs,
			fmt.Sprintf("%s/documents/%d", ts.URL, doc.ID), fmt.Sprintf("%s/documents/%d/versions/1/download", ts.URL, doc.ID)} {
			if res := get(t, c, path); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s without grant: %d", path, res.StatusCode)
			}
		}
	}
	// Readers read but do not write.
	body, ct = dtMultipart(t, dtPart{name: "file", filename: "a.pdf", body: v1})
	if res := dtSend(t, s.reader, "POST", docURL+"/versions", ct, body); res.StatusCode != http.StatusForbidden {
		t.Errorf("reader upload: %d", res.StatusCode)
	}

	// Listing, paged.
	var page struct {
		Items      []dtDocument `json:"items"`
		NextCursor *string      `json:"next_cursor"`
	}
	taskAPI(t, s.reader, "GET", folderDocs+"?limit=1", nil, http.StatusOK, &page)
	if len(page.Items) != 1 || page.Items[0].ID != doc.ID || page.NextCursor == nil || page.Items[0].Versions != nil {
		t.Fatalf("page 1 = %+v", page)
	}
	taskAPI(t, s.reader, "GET", folderDocs+"?limit=1&cursor="+url.QueryEscape(*page.NextCursor), nil, http.StatusOK, &page)
	if len(page.Items) != 1 || page.Items[0].ID != memo.ID || page.NextCursor != nil {
		t.Errorf("page 2 = %+v", page)
	}
	taskAPI(t, s.reader, "GET", folderDocs+"?tag=Bau", nil, http.StatusOK, &page)
	if len(page.Items) != 1 || page.Items[0].ID != doc.ID {
		t.Errorf("tag filter = %+v", page)
	}

	// Check-out: another writer's upload is refused with 423.
	var locked dtDocument
	taskAPI(t, s.writer, "POST", docURL+"/checkout", nil, http.StatusOK, &locked)
	if locked.Lock == nil || locked.Lock.LockedBy != s.writerID || locked.Lock.LockedByName != "Wilma Schreiber" {
		t.Errorf("checkout = %+v", locked)
	}
	res = dtSend(t, s.writer2, "PUT", docURL+"/content?filename=x.txt", "text/plain", strings.NewReader("mein Stand"))
	var prob struct {
		Code         string `json:"code"`
		LockedBy     int64  `json:"locked_by"`
		LockedByName string `json:"locked_by_name"`
		Expires      string `json:"lock_expires_at"`
		Current      int    `json:"current_version"`
	}
	dtJSON(t, res, &prob)
	if res.StatusCode != http.StatusLocked || prob.Code != "document_locked" || prob.LockedBy != s.writerID || prob.Expires == "" {
		t.Errorf("upload while locked: %d %s", res.StatusCode, res.body)
	}
	res = dtSend(t, s.writer2, "POST", docURL+"/checkout", "", nil)
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.text(), "document_checked_out") {
		t.Errorf("second checkout: %d %s", res.StatusCode, res.body)
	}
	if res := dtSend(t, s.writer2, "DELETE", docURL+"/checkout", "", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("release by another writer: %d", res.StatusCode)
	}
	taskAPI(t, s.writer, "DELETE", docURL+"/checkout", nil, http.StatusOK, &locked)
	if locked.Lock != nil {
		t.Errorf("released = %+v", locked)
	}

	// Metadata: version required, stale answers the current version.
	taskAPI(t, s.writer, "PATCH", docURL, map[string]any{"title": "x"}, http.StatusUnprocessableEntity, nil)
	var cur dtDocument
	taskAPI(t, s.writer, "PATCH", docURL, map[string]any{"version": 1, "title": "Bauantrag Lindenweg", "tags": []string{"Bau", "Eilt"}, "document_date": "2026-02-27"}, http.StatusOK, &cur)
	if cur.Title != "Bauantrag Lindenweg" || cur.Version != 2 || len(cur.Tags) != 2 {
		t.Errorf("updated = %+v", cur)
	}
	res = taskAPI(t, s.writer2, "PATCH", docURL, map[string]any{"version": 1, "title": "y"}, http.StatusConflict, &prob)
	if prob.Code != "document_stale" || prob.Current != 2 {
		t.Errorf("stale: %s", res.body)
	}

	// Finalised: new versions need a change reason.
	taskAPI(t, s.writer, "POST", docURL+"/finalize", map[string]any{"version": 2}, http.StatusOK, &cur)
	if cur.State != "final" {
		t.Errorf("finalized = %+v", cur)
	}
	res = dtSend(t, s.writer, "PUT", docURL+"/content?filename=x.pdf", "application/pdf", strings.NewReader(dtPDF))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.text(), "change_reason_required") {
		t.Errorf("final without reason: %d %s", res.StatusCode, res.body)
	}
	res = dtSend(t, s.writer, "PUT", docURL+"/content?filename=x.pdf&change_reason="+url.QueryEscape("Unterschrift ergänzt"), "application/pdf", strings.NewReader(dtPDF))
	wantStatus(t, res, http.StatusCreated)
	taskAPI(t, s.reader, "GET", docURL, nil, http.StatusOK, &cur)
	if len(cur.Versions) != 6 || cur.Versions[0].ChangeReason != "Unterschrift ergänzt" {
		t.Errorf("versions after final = %+v", cur.Versions)
	}
	if n := len(auditRecords(t, ts, "document.read")); n != 1 {
		t.Errorf("%d document.read records, want 1", n)
	}
}

func TestDocumentsUI(t *testing.T) {
	t.Parallel()
	s := newDtSetup(t)
	ts := s.ts
	newURL := fmt.Sprintf("%s/documents/folders/%d/new", ts.URL, s.f.file)

	// The form for a new document, then the document with its first version.
	page := get(t, s.writer, newURL)
	wantStatus(t, page, http.StatusOK)
	doc := page.doc(t)
	for _, id := range []string{"f-title", "f-author", "f-document_date", "f-tags", "f-file"} {
		if byID(doc, id) == nil || labelFor(doc, id) == nil {
			t.Errorf("new document form: no labelled %s", id)
		}
	}
	body, ct := dtMultipart(t, dtPart{name: "type_id", body: []byte("0")}, dtPart{name: "title", body: []byte("")},
		dtPart{name: "file", filename: "Plan.pdf", body: []byte(dtPDF)})
	res := dtSend(t, s.writer, "POST", newURL, ct, body)
	if res.StatusCode != http.StatusUnprocessableEntity || byID(res.doc(t), "e-title") == nil {
		t.Fatalf("without title: %d", res.StatusCode)
	}
	body, ct = dtMultipart(t, dtPart{name: "type_id", body: []byte("0")}, dtPart{name: "title", body: []byte("Lageplan")},
		dtPart{name: "tags", body: []byte("Bau, Plan")}, dtPart{name: "file", filename: "Lageplan.pdf", contentType: "application/pdf", body: []byte(dtPDF)})
	res = dtSend(t, s.writer, "POST", newURL, ct, body)
	wantRedirect(t, res, "/documents/")
	docPath := res.location()
	id, err := strconv.ParseInt(strings.TrimPrefix(docPath, "/documents/"), 10, 64)
	if err != nil {
		t.Fatalf("redirect to %q", docPath)
	}
	page = get(t, s.writer, ts.URL+docPath)
	wantStatus(t, page, http.StatusOK)
	doc = page.doc(t)
	if h1(doc) != "Lageplan" || byID(doc, "version-1") == nil || byID(doc, "f-upload-file") == nil || labelFor(doc, "f-upload-reason") == nil {
		t.Fatalf("document page: h1 %q, version row or upload form missing", h1(doc))
	}

	// Upload a new version; a second one from the same (old) page is a
	// conflict the page shows.
	upload := func(c *http.Client, basedOn, reason, content string) *result {
		body, ct := dtMultipart(t, dtPart{name: "based_on", body: []byte(basedOn)}, dtPart{name: "change_reason", body: []byte(reason)},
			dtPart{name: "file", filename: "Lageplan.pdf", body: []byte(content)})
		return dtSend(t, c, "POST", fmt.Sprintf("%s/documents/%d/versions/upload", ts.URL, id), ct, body)
	}
	wantRedirect(t, upload(s.writer, "1", "", dtPDF+"%2\n"), fmt.Sprintf("/documents/%d#version-2", id))
	res = upload(s.writer2, "1", "", dtPDF+"%3\n")
	wantRedirect(t, res, fmt.Sprintf("/documents/%d#version-3", id))
	var flash string
	for _, c := range res.Cookies() {
		if c.Name == "ortlos_flash" {
			flash = c.Value
		}
	}
	if flash != "document_version_conflict" {
		t.Errorf("flash %q", flash)
	}
	doc = get(t, s.writer2, ts.URL+docPath).doc(t)
	if n := byID(doc, "version-conflict"); n == nil || !strings.Contains(textOf(n), "Version 3") {
		t.Errorf("no conflict notice on the page")
	}
	if row := byID(doc, "version-3"); row == nil || attr(row, "class") != "conflict" {
		t.Errorf("version 3 not marked as conflict")
	}
	// A disguised file is refused at the form.
	res = upload(s.writer, "3", "", "Das ist kein PDF")
	if res.StatusCode != http.StatusUnprocessableEntity || byID(res.doc(t), "e-upload-file") == nil {
		t.Errorf("disguised upload: %d", res.StatusCode)
	}

	// Check out, then the other writer's upload is refused with 423.
	wantRedirect(t, form(t, s.writer, ts.URL+docPath, url.Values{"action": {"checkout"}}), docPath+"#checkout")
	doc = get(t, s.writer2, ts.URL+docPath).doc(t)
	if n := byID(doc, "lock-state"); n == nil || !strings.Contains(textOf(n), "Wilma Schreiber") || byID(doc, "upload-locked") == nil {
		t.Errorf("lock not shown to the other writer")
	}
	if res := upload(s.writer2, "3", "", dtPDF); res.StatusCode != http.StatusLocked {
		t.Errorf("upload while locked: %d", res.StatusCode)
	}
	wantRedirect(t, form(t, s.writer, ts.URL+docPath, url.Values{"action": {"release"}}), docPath+"#checkout")

	// Edit the metadata, finalise, then edits need a reason.
	cur, err := ts.Document.GetDocument(t.Context(), actor.Actor{UserID: s.writerID, Via: actor.ViaSession, SessionID: 1}, id)
	if err != nil {
		t.Fatal(err)
	}
	edit := url.Values{"action": {"update"}, "version": {strconv.Itoa(cur.Version)}, "type_id": {"0"}, "title": {"Lageplan M 1:500"},
		"author": {"Vermessungsamt"}, "document_date": {"2026-02-01"}, "tags": {"Bau"}}
	wantRedirect(t, form(t, s.writer, ts.URL+docPath, edit), docPath)
	wantRedirect(t, form(t, s.writer, ts.URL+docPath, url.Values{"action": {"finalize"}, "version": {strconv.Itoa(cur.Version + 1)}}), docPath)
	edit.Set("version", strconv.Itoa(cur.Version+2))
	edit.Set("title", "Lageplan M 1:1000")
	res = form(t, s.writer, ts.URL+docPath, edit)
	if res.StatusCode != http.StatusUnprocessableEntity || byID(res.doc(t), "e-change_reason") == nil {
		t.Errorf("final edit without reason: %d", res.StatusCode)
	}
	edit.Set("change_reason", "Maßstab korrigiert")
	wantRedirect(t, form(t, s.writer, ts.URL+docPath, edit), docPath)
	doc = get(t, s.reader, ts.URL+docPath).doc(t)
	if h1(doc) != "Lageplan M 1:1000" || byID(doc, "f-upload-file") != nil || byID(doc, "edit") != nil {
		t.Errorf("reader's view: h1 %q or forms shown", h1(doc))
	}

	// No grant: 404; read access only: no form for new documents.
	if res := get(t, s.outsider, ts.URL+docPath); res.StatusCode != http.StatusNotFound {
		t.Errorf("outsider page: %d", res.StatusCode)
	}
	if res := get(t, s.reader, newURL); res.StatusCode != http.StatusForbidden {
		t.Errorf("reader new form: %d", res.StatusCode)
	}
	if res := get(t, s.writer, fmt.Sprintf("%s/documents/folders/%d/new", ts.URL, s.f.plan)); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("new form in a plan position: %d", res.StatusCode)
	}
}
