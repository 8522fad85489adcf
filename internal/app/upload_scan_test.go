package app_test

// Virus scanning end to end (docs/upload-checks.md#virus-scanning-with-clamd):
// the server started with ORTLOS_CLAMD_ADDR pointing at a real clamd
// (clamdtest: a private database that detects the EICAR test file),
// uploads of documents (API, raw, WebDAV) and of task attachments.
// Infected content is refused with file_infected and nothing stays (no
// document, version, attachment or blob); clean content passes; with clamd
// down uploads fail closed (503 virus_scan_failed).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"ortlos/internal/actor"
	"ortlos/internal/blob"
	"ortlos/internal/config"
	"ortlos/internal/filecheck/clamdtest"
	"ortlos/internal/project"
)

// withClamd points the server's virus scanning at addr.
func withClamd(addr string) serverOption {
	return withConfig(func(c *config.Config) { c.ClamdAddr = addr })
}

// usStored counts what uploads leave behind.
type usStored struct{ documents, versions, taskFiles, blobs int }

func usCount(t *testing.T, ts *testServer) usStored {
	t.Helper()
	s := usStored{documents: countRows(t, ts, "documents", ""), versions: countRows(t, ts, "document_versions", ""),
		taskFiles: countRows(t, ts, "task_files", "")}
	if err := ts.Blobs.List(context.Background(), func(blob.Info) error { s.blobs++; return nil }); err != nil {
		t.Fatal(err)
	}
	return s
}

// usProblem checks that r is a problem document of status with code, which
// does not name the signature clamd found.
func usProblem(t *testing.T, r *result, status int, code string) {
	t.Helper()
	var p struct {
		Code   string            `json:"code"`
		Errors map[string]string `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &p); r.StatusCode != status || err != nil || p.Code != code {
		t.Errorf("%s %s: %d %s, want %d %s", r.Request.Method, r.Request.URL.Path, r.StatusCode, r.body, status, code)
	}
	if strings.Contains(string(r.body), clamdtest.EICARSignature) {
		t.Errorf("%s %s: the answer names the signature: %s", r.Request.Method, r.Request.URL.Path, r.body)
	}
}

// usDocument posts a new document with content to the file's documents.
func usDocument(t *testing.T, c *http.Client, folderDocs, title, filename string, content []byte) *result {
	t.Helper()
	body, ct := dtMultipart(t, dtPart{name: "metadata", body: fmt.Appendf(nil, `{"title":%q}`, title)},
		dtPart{name: "file", filename: filename, contentType: "text/plain", body: content})
	return dtSend(t, c, http.MethodPost, folderDocs, ct, body)
}

// TestUploadScanDocuments: the EICAR file as a new document, a new
// version, a raw upload and a WebDAV PUT is refused and leaves nothing;
// clean files pass; once clamd is down every upload is refused.
func TestUploadScanDocuments(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			clamd := clamdtest.Start(t)
			s := newWdSetup(t, "write", withDialect(dialect), withClamd(clamd.Addr))
			ts := s.ts
			c := loginFull(t, ts, s.user.Username, testPassword)
			api := ts.URL + "/api/v1"
			folderDocs := fmt.Sprintf("%s/document-folders/%d/documents", api, s.f.file)
			eicar := []byte(clamdtest.EICAR)
			inside := []byte("Aktenvermerk\n" + clamdtest.EICAR + "\nEnde\n")

			// A clean file passes (it was scanned: clamd answered).
			res := usDocument(t, c, folderDocs, "Vermerk", "Vermerk.txt", []byte("Aktenvermerk zum Ortstermin\n"))
			wantStatus(t, res, http.StatusCreated)
			var doc dtDocument
			dtJSON(t, res, &doc)
			docURL := fmt.Sprintf("%s/documents/%d", api, doc.ID)
			before := usCount(t, ts)
			if before != (usStored{documents: 1, versions: 1, blobs: 1}) {
				t.Fatalf("after the clean upload: %+v", before)
			}
			versionsAudited := countRows(t, ts, "audit_log", "action = 'document.version_add'")

			// The EICAR file, alone or inside other text, by every way in.
			usProblem(t, usDocument(t, c, folderDocs, "Test", "eicar.txt", eicar), http.StatusUnprocessableEntity, "file_infected")
			usProblem(t, usDocument(t, c, folderDocs, "Test", "Vermerk.txt", inside), http.StatusUnprocessableEntity, "file_infected")
			// Under its usual download name it is refused before the scan,
			// as a program.
			usProblem(t, usDocument(t, c, folderDocs, "Test", "eicar.com", eicar), http.StatusUnprocessableEntity, "file_type_not_allowed")
			body, ct := dtMultipart(t, dtPart{name: "file", filename: "Vermerk.txt", body: inside})
			usProblem(t, dtSend(t, c, http.MethodPost, docURL+"/versions", ct, body), http.StatusUnprocessableEntity, "file_infected")
			usProblem(t, dtSend(t, c, http.MethodPut, docURL+"/content?filename=eicar.txt", "text/plain", strings.NewReader(clamdtest.EICAR)),
				http.StatusUnprocessableEntity, "file_infected")
			if r, b := s.do(t, http.MethodPut, s.fileURL+"eicar.txt", eicar, "Content-Type", "text/plain"); r.StatusCode != http.StatusForbidden {
				t.Errorf("WebDAV PUT of EICAR: %d %s", r.StatusCode, b)
			}
			if got := usCount(t, ts); got != before {
				t.Errorf("refused uploads left %+v, want %+v", got, before)
			}
			if n := countRows(t, ts, "audit_log", "action = 'document.version_add'"); n != versionsAudited {
				t.Errorf("%d document.version_add records after refused uploads, want %d", n, versionsAudited)
			}

			// Clean content passes by the same ways.
			body, ct = dtMultipart(t, dtPart{name: "file", filename: "Vermerk.txt", body: []byte("Aktenvermerk, ergänzt\n")})
			wantStatus(t, dtSend(t, c, http.MethodPost, docURL+"/versions", ct, body), http.StatusCreated)
			if r, b := s.do(t, http.MethodPut, s.fileURL+"Notiz.txt", []byte("Notiz\n"), "Content-Type", "text/plain"); r.StatusCode != http.StatusCreated {
				t.Errorf("WebDAV PUT of a clean file: %d %s", r.StatusCode, b)
			}
			before = usCount(t, ts)
			if before != (usStored{documents: 2, versions: 3, blobs: 3}) {
				t.Errorf("after the clean uploads: %+v", before)
			}

			// clamd goes down: uploads fail closed, nothing is stored.
			clamd.Stop()
			usProblem(t, usDocument(t, c, folderDocs, "Später", "Später.txt", []byte("ungeprüft\n")), http.StatusServiceUnavailable, "virus_scan_failed")
			body, ct = dtMultipart(t, dtPart{name: "file", filename: "Vermerk.txt", body: []byte("ungeprüfte Fassung\n")})
			usProblem(t, dtSend(t, c, http.MethodPost, docURL+"/versions", ct, body), http.StatusServiceUnavailable, "virus_scan_failed")
			if r, b := s.do(t, http.MethodPut, s.fileURL+"Später.txt", []byte("ungeprüft\n"), "Content-Type", "text/plain"); r.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("WebDAV PUT with clamd down: %d %s", r.StatusCode, b)
			}
			if got := usCount(t, ts); got != before {
				t.Errorf("uploads with clamd down left %+v, want %+v", got, before)
			}
			// Reading what was stored needs no scanner.
			wantStatus(t, get(t, c, docURL+"/versions/1/content"), http.StatusOK)
		})
	}
}

// TestUploadScanClamdMissing: a server configured with a clamd that does
// not answer starts (it logs a warning) and refuses every upload.
func TestUploadScanClamdMissing(t *testing.T) {
	t.Parallel()
	s := newWdSetup(t, "write", withClamd("unix:"+t.TempDir()+"/clamd.sock"))
	ts := s.ts
	c := loginFull(t, ts, s.user.Username, testPassword)
	folderDocs := fmt.Sprintf("%s/api/v1/document-folders/%d/documents", ts.URL, s.f.file)
	usProblem(t, usDocument(t, c, folderDocs, "Vermerk", "Vermerk.txt", []byte("Aktenvermerk\n")), http.StatusServiceUnavailable, "virus_scan_failed")
	if got := usCount(t, ts); got != (usStored{}) {
		t.Errorf("refused upload left %+v", got)
	}
}

// TestUploadScanTaskAttachments: task attachments go through the same
// scan as documents.
func TestUploadScanTaskAttachments(t *testing.T) {
	t.Parallel()
	clamd := clamdtest.Start(t)
	ts := startServer(t, withClamd(clamd.Addr))
	mem := createUser(t, ts, "max.mitglied", "Max Mitglied")
	b := taskBoard(t, ts, "Bauantrag")
	taskMember(t, ts, b.project, mem.ID, "member")
	c := loginFull(t, ts, "max.mitglied", testPassword)
	a := actor.Actor{UserID: mem.ID, Username: mem.Username, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
	tk, _, err := ts.Project.CreateTask(context.Background(), a, b.project, project.NewTask{Title: "Bescheid"})
	if err != nil {
		t.Fatal(err)
	}
	files := fmt.Sprintf("%s/api/v1/tasks/%d/files", ts.URL, tk.ID)
	upload := func(name string, content []byte) *result {
		t.Helper()
		body, ct := txMultipart(t, "file", name, "text/plain", content)
		return txPost(t, c, files, ct, body)
	}

	wantStatus(t, upload("Vermerk.txt", []byte("Aktenvermerk\n")), http.StatusCreated)
	before := usCount(t, ts)
	if before != (usStored{taskFiles: 1, blobs: 1}) {
		t.Fatalf("after the clean upload: %+v", before)
	}
	usProblem(t, upload("eicar.txt", []byte(clamdtest.EICAR)), http.StatusUnprocessableEntity, "file_infected")
	usProblem(t, upload("Vermerk.txt", []byte("Aktenvermerk\n"+clamdtest.EICAR+"\n")), http.StatusUnprocessableEntity, "file_infected")
	// The form of the task page (no JavaScript) refuses it too.
	body, ct := txMultipart(t, "file", "eicar.txt", "text/plain", []byte(clamdtest.EICAR))
	if r := txPost(t, c, fmt.Sprintf("%s/tasks/%d/files", ts.URL, tk.ID), ct, body); r.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(r.text(), "Schadsoftware gefunden") {
		t.Errorf("task page form with EICAR: %d, want 422 with the message", r.StatusCode)
	}
	if got := usCount(t, ts); got != before {
		t.Errorf("refused attachments left %+v, want %+v", got, before)
	}
	if n := countRows(t, ts, "audit_log", "action = 'task.file_add'"); n != 1 {
		t.Errorf("%d task.file_add records, want 1 (the clean file)", n)
	}

	clamd.Stop()
	usProblem(t, upload("Später.txt", []byte("ungeprüft\n")), http.StatusServiceUnavailable, "virus_scan_failed")
	if got := usCount(t, ts); got != before {
		t.Errorf("upload with clamd down left %+v, want %+v", got, before)
	}
}
