package app_test

import (
	"context"
	"fmt"
	"net/http"
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
}
