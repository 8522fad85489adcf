package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ortlos/internal/project"
)

// A task attachment is filed into an Akte: a new document whose first
// version is the attachment's bytes, stored once; the caller needs read
// rights on the attachment's project and write rights on the file.
func TestFileTaskAttachment(t *testing.T) {
	t.Parallel()
	s := newTxSetup(t)
	ts := s.ts
	ctx := context.Background()
	tk, _, err := ts.Project.CreateTask(ctx, s.memActor, s.b.project, project.NewTask{Title: "Bescheid"})
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.7\n1 0 obj\n<< >>\nendobj\n%%EOF\n")
	body, ct := txMultipart(t, "file", "Bescheid Lindenstraße.pdf", "application/pdf", pdf)
	var att struct {
		ID     int64  `json:"id"`
		SHA256 string `json:"sha256"`
	}
	res := txPost(t, s.mem, fmt.Sprintf("%s/api/v1/tasks/%d/files", ts.URL, tk.ID), ct, body)
	wantStatus(t, res, http.StatusCreated)
	dtJSON(t, res, &att)

	f := dtFile(t, ts, "63.02")
	dtGrant(t, ts, f.plan, s.memID, "write")
	blobs := func() int {
		var n int
		if err := ts.DB.QueryRowContext(ctx, `SELECT COUNT(DISTINCT sha256) FROM (SELECT sha256 FROM task_files UNION ALL SELECT sha256 FROM document_versions) x`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := blobs()
	target := fmt.Sprintf("%s/api/v1/document-folders/%d/documents/from-task-file", ts.URL, f.file)

	// Without rights on the file (the viewer) or without the attachment id.
	taskAPI(t, s.view, "POST", target, map[string]any{"task_file_id": att.ID}, http.StatusNotFound, nil)
	taskAPI(t, s.mem, "POST", target, map[string]any{}, http.StatusUnprocessableEntity, nil)
	// An attachment that does not exist (or that the caller cannot read).
	taskAPI(t, s.mem, "POST", target, map[string]any{"task_file_id": att.ID + 100}, http.StatusNotFound, nil)
	var doc dtDocument
	taskAPI(t, s.mem, "POST", target, map[string]any{"task_file_id": att.ID, "tags": []string{"bescheid"}}, http.StatusCreated, &doc)
	if doc.Title != "Bescheid Lindenstraße" || doc.CurrentVersion != 1 || len(doc.Versions) != 1 || doc.Versions[0].SHA256 != att.SHA256 {
		t.Errorf("filed document = %+v", doc)
	}
	if n := blobs(); n != before {
		t.Errorf("filing stored the content again: %d distinct contents, were %d", n, before)
	}
	got := get(t, s.mem, fmt.Sprintf("%s/api/v1/documents/%d/versions/1/content", ts.URL, doc.ID))
	wantStatus(t, got, http.StatusOK)
	if string(got.body) != string(pdf) {
		t.Errorf("filed content = %q", got.body)
	}
	if recs := auditRecords(t, ts, "document.create"); len(recs) != 1 {
		t.Errorf("document.create records = %d", len(recs))
	}

	// The task page offers the files the reader may write to, next to
	// each attachment; the viewer (no grant on any file) gets no offer.
	page := get(t, s.mem, fmt.Sprintf("%s/tasks/%d", ts.URL, tk.ID))
	wantStatus(t, page, http.StatusOK)
	doc2 := page.doc(t)
	sel := byID(doc2, fmt.Sprintf("f-rec-%d", att.ID))
	if sel == nil || labelFor(doc2, fmt.Sprintf("f-rec-%d", att.ID)) == nil || !strings.Contains(page.text(), "63.02") {
		t.Fatal("no labelled file picker next to the attachment")
	}
	if v := get(t, s.view, fmt.Sprintf("%s/tasks/%d", ts.URL, tk.ID)); byID(v.doc(t), fmt.Sprintf("f-rec-%d", att.ID)) != nil {
		t.Error("the viewer is offered filing")
	}
	res = form(t, s.mem, fmt.Sprintf("%s/task-files/%d/to-record", ts.URL, att.ID), url.Values{"folder_id": {fmt.Sprint(f.file)}})
	wantStatus(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/documents/") || loc == fmt.Sprintf("/documents/%d", doc.ID) {
		t.Errorf("after filing: Location %q", loc)
	}
	if recs := auditRecords(t, ts, "document.create"); len(recs) != 2 {
		t.Errorf("document.create records after the form = %d", len(recs))
	}
	wantStatus(t, form(t, s.view, fmt.Sprintf("%s/task-files/%d/to-record", ts.URL, att.ID), url.Values{"folder_id": {fmt.Sprint(f.file)}}), http.StatusNotFound)
	// The form is novalidate: a post without a file (Akte) comes back as
	// the task page with the German message at this attachment's picker.
	res = form(t, s.mem, fmt.Sprintf("%s/task-files/%d/to-record", ts.URL, att.ID), url.Values{"folder_id": {""}})
	wantFieldError(t, "filing without a file", res, fmt.Sprintf("rec-%d", att.ID), "record_folder_required")
	if h1(res.doc(t)) != "Bescheid" {
		t.Errorf("refused filing shows %q, want the task page", h1(res.doc(t)))
	}
}
