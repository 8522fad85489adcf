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
	"strings"
	"testing"

	"golang.org/x/net/html"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/identity"
	"ortlos/internal/project"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, _ identity.User) []string {
		ctx := t.Context()
		var adminID int64
		if err := ts.DB.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, "anna.admin").Scan(&adminID); err != nil {
			t.Fatal(err)
		}
		b := taskBoard(t, ts, "Kalender und Liste")
		taskMember(t, ts, b.project, adminID, "manager")
		a := actor.Actor{UserID: adminID, Username: "anna.admin", Roles: []string{actor.RoleAdmin}, Via: actor.ViaSession, SessionID: 1}
		due := civil.D(2026, 4, 15)
		tk, _, err := ts.Project.CreateTask(ctx, a, b.project, project.NewTask{Title: "Antrag prüfen", DueDate: &due, AssigneeIDs: []int64{adminID}, EstimateMinutes: taskPtr(90)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ts.Project.AddTaskFile(ctx, a, tk.ID, "Prüfvermerk.pdf", "application/pdf", strings.NewReader("%PDF-1.7\n%%EOF\n")); err != nil {
			t.Fatal(err)
		}
		p := fmt.Sprintf("/projects/%d", b.project)
		return []string{p, p + "/tasks", p + "/tasks?limit=25&sort=due&open=true", p + "/calendar?month=2026-04", p + "/tasks/import", fmt.Sprintf("/tasks/%d", tk.ID)}
	})
}

// txMultipart builds a multipart body with one file field.
func txMultipart(t *testing.T, field, name, contentType string, content []byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, name))
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	w, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(content)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func txPost(t *testing.T, c *http.Client, target, contentType string, body io.Reader) *result {
	t.Helper()
	req := newRequest(t, http.MethodPost, target, body)
	req.Header.Set("Content-Type", contentType)
	return do(t, c, req)
}

type txSetup struct {
	ts          *testServer
	b           taskBoardIDs
	mgr, mem    *http.Client
	view        *http.Client
	memID       int64
	memActor    actor.Actor
	managerName string
}

func newTxSetup(t *testing.T) txSetup {
	t.Helper()
	ts := startServer(t)
	mgr := createUser(t, ts, "lea.leitung", "Lea Leitung")
	mem := createUser(t, ts, "max.mitglied", "Max Mitglied")
	view := createUser(t, ts, "vera.viewer", "Vera Viewer")
	b := taskBoard(t, ts, "Bauantrag")
	taskMember(t, ts, b.project, mgr.ID, "manager")
	taskMember(t, ts, b.project, mem.ID, "member")
	taskMember(t, ts, b.project, view.ID, "viewer")
	return txSetup{ts: ts, b: b, mgr: loginFull(t, ts, "lea.leitung", testPassword), mem: loginFull(t, ts, "max.mitglied", testPassword),
		view: loginFull(t, ts, "vera.viewer", testPassword), memID: mem.ID,
		memActor: actor.Actor{UserID: mem.ID, Username: "max.mitglied", Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}}
}

func TestTaskExtraAttachmentsHTTP(t *testing.T) {
	t.Parallel()
	s := newTxSetup(t)
	ts := s.ts
	tk, _, err := ts.Project.CreateTask(context.Background(), s.memActor, s.b.project, project.NewTask{Title: "Bescheid"})
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.7\n1 0 obj\n%%EOF\n")

	// The form on the task page uploads and shows the file.
	page := get(t, s.mem, fmt.Sprintf("%s/tasks/%d", ts.URL, tk.ID))
	wantStatus(t, page, http.StatusOK)
	doc := page.doc(t)
	if f := byID(doc, "f-file"); f == nil || attr(f, "type") != "file" || labelFor(doc, "f-file") == nil {
		t.Fatal("no labelled file input on the task page")
	}
	body, ct := txMultipart(t, "file", "Bescheid über Änderung \"final\".pdf", "application/pdf", pdf)
	wantRedirect(t, txPost(t, s.mem, fmt.Sprintf("%s/tasks/%d/files", ts.URL, tk.ID), ct, body), fmt.Sprintf("/tasks/%d#files", tk.ID))
	var files struct {
		Items []struct {
			ID        int64  `json:"id"`
			Name      string `json:"name"`
			MIMEType  string `json:"mime_type"`
			Size      int64  `json:"size"`
			CanDelete bool   `json:"can_delete"`
		} `json:"items"`
		MaxBytes int64 `json:"max_bytes"`
	}
	taskAPI(t, s.view, "GET", fmt.Sprintf("%s/api/v1/tasks/%d/files", ts.URL, tk.ID), nil, http.StatusOK, &files)
	if len(files.Items) != 1 || files.Items[0].Name != `Bescheid über Änderung "final".pdf` || files.Items[0].MIMEType != "application/pdf" ||
		files.Items[0].CanDelete || files.MaxBytes != project.MaxTaskFileBytes {
		t.Fatalf("files = %+v", files)
	}
	fid := files.Items[0].ID
	doc = get(t, s.mem, fmt.Sprintf("%s/tasks/%d", ts.URL, tk.ID)).doc(t)
	if li := byID(doc, fmt.Sprintf("task-file-%d", fid)); li == nil || !strings.Contains(textOf(li), "Bescheid über Änderung") {
		t.Errorf("file not listed on the task page")
	}

	// Download: attachment with filename*, stored type, nosniff, sandbox.
	for _, path := range []string{fmt.Sprintf("/task-files/%d", fid), fmt.Sprintf("/api/v1/task-files/%d", fid)} {
		res := get(t, s.view, ts.URL+path)
		wantStatus(t, res, http.StatusOK)
		if !bytes.Equal(res.body, pdf) {
			t.Errorf("%s: body %q", path, res.body)
		}
		h := res.Header
		wantCD := `attachment; filename="Bescheid _ber _nderung _final_.pdf"; filename*=UTF-8''Bescheid%20%C3%BCber%20%C3%84nderung%20%22final%22.pdf`
		if h.Get("Content-Disposition") != wantCD || h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || h.Get("ETag") == "" {
			t.Errorf("%s: headers %v", path, h)
		}
		// Go's own parser reads the name back from filename*.
		if _, params, err := mime.ParseMediaType(h.Get("Content-Disposition")); err != nil || params["filename"] != `Bescheid über Änderung "final".pdf` {
			t.Errorf("%s: parsed filename %q, %v", path, params["filename"], err)
		}
	}
	// Range and conditional requests.
	req := newRequest(t, "GET", fmt.Sprintf("%s/task-files/%d", ts.URL, fid), nil)
	req.Header.Set("Range", "bytes=0-3")
	if res := do(t, s.view, req); res.StatusCode != http.StatusPartialContent || string(res.body) != "%PDF" {
		t.Errorf("range: %d %q", res.StatusCode, res.body)
	}

	// Disguised HTML and programs are refused; an outsider of a
	// confidential project gets 404; a viewer cannot upload.
	body, ct = txMultipart(t, "file", "foto.png", "image/png", []byte("<html><script>alert(1)</script>"))
	res := txPost(t, s.mem, fmt.Sprintf("%s/api/v1/tasks/%d/files", ts.URL, tk.ID), ct, body)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.text(), "task_file_type_refused") {
		t.Errorf("disguised HTML: %d %s", res.StatusCode, res.body)
	}
	body, ct = txMultipart(t, "file", "foto.png", "image/png", []byte("plain text pretending"))
	res = txPost(t, s.mem, fmt.Sprintf("%s/tasks/%d/files", ts.URL, tk.ID), ct, body)
	if res.StatusCode != http.StatusUnprocessableEntity || byID(res.doc(t), "e-file") == nil {
		t.Errorf("UI mismatch: %d, no field error", res.StatusCode)
	}
	body, ct = txMultipart(t, "file", "a.pdf", "application/pdf", pdf)
	res = txPost(t, s.view, fmt.Sprintf("%s/api/v1/tasks/%d/files", ts.URL, tk.ID), ct, body)
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("viewer upload: %d", res.StatusCode)
	}
	res = txPost(t, s.mem, fmt.Sprintf("%s/api/v1/tasks/%d/files", ts.URL, tk.ID), "application/json", strings.NewReader("{}"))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.text(), "task_file_missing") {
		t.Errorf("no multipart: %d %s", res.StatusCode, res.body)
	}
	// Uploads are not cut at the general body limit (1 MiB): a 2 MiB file
	// is stored; one above the attachment limit (25 MiB) is refused
	// before it is read.
	body, ct = txMultipart(t, "file", "gross.bin", "", bytes.Repeat([]byte{1}, 2<<20))
	if res := txPost(t, s.mem, fmt.Sprintf("%s/api/v1/tasks/%d/files", ts.URL, tk.ID), ct, body); res.StatusCode != http.StatusCreated {
		t.Errorf("2 MiB upload: %d %.300s", res.StatusCode, res.body)
	}
	body, ct = txMultipart(t, "file", "zu-gross.bin", "", bytes.Repeat([]byte{2}, 26<<20))
	if res := txPost(t, s.mem, fmt.Sprintf("%s/api/v1/tasks/%d/files", ts.URL, tk.ID), ct, body); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("26 MiB upload: %d", res.StatusCode)
	}

	// Delete: the viewer sees no button and gets 403; the uploader deletes.
	res = form(t, s.view, fmt.Sprintf("%s/task-files/%d/delete", ts.URL, fid), nil)
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("viewer delete: %d", res.StatusCode)
	}
	wantRedirect(t, form(t, s.mem, fmt.Sprintf("%s/task-files/%d/delete", ts.URL, fid), nil), fmt.Sprintf("/tasks/%d#files", tk.ID))
	wantStatus(t, get(t, s.mem, fmt.Sprintf("%s/api/v1/task-files/%d", ts.URL, fid)), http.StatusNotFound)
	if n := len(auditRecords(t, ts, "task.file_add")); n != 2 {
		t.Errorf("task.file_add records: %d, want 2", n)
	}
	if n := len(auditRecords(t, ts, "task.file_delete")); n != 1 {
		t.Errorf("task.file_delete records: %d", n)
	}
}

func TestTaskExtraCSVHTTP(t *testing.T) {
	t.Parallel()
	s := newTxSetup(t)
	ts := s.ts
	ctx := context.Background()
	due := civil.D(2026, 3, 31)
	tk, _, err := ts.Project.CreateTask(ctx, s.memActor, s.b.project, project.NewTask{Title: "=HYPERLINK(\"x\")", DueDate: &due,
		EstimateMinutes: taskPtr(90), AssigneeIDs: []int64{s.memID}})
	if err != nil {
		t.Fatal(err)
	}
	res := get(t, s.view, fmt.Sprintf("%s/projects/%d/tasks.csv", ts.URL, s.b.project))
	wantStatus(t, res, http.StatusOK)
	text := res.text()
	wantHead := "\uFEFFid;title;status;assignees;priority;start_date;due_date;estimate_hours;labels;milestone;created_at;done_at;version\r\n"
	wantRow := fmt.Sprintf("%d;\"'=HYPERLINK(\"\"x\"\")\";Offen;max.mitglied;normal;;2026-03-31;1,5;;;", tk.ID)
	if !strings.HasPrefix(text, wantHead) || !strings.Contains(text, wantRow) || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("export:\n%s", text)
	}
	apiRes := get(t, s.view, fmt.Sprintf("%s/api/v1/projects/%d/tasks.csv", ts.URL, s.b.project))
	wantStatus(t, apiRes, http.StatusOK)

	// Re-importing the export changes nothing.
	var out struct{ Rows, Created, Updated, Unchanged int }
	res = txPost(t, s.mem, fmt.Sprintf("%s/api/v1/projects/%d/tasks/import", ts.URL, s.b.project), "text/csv", strings.NewReader(text))
	wantStatus(t, res, http.StatusOK)
	json.Unmarshal(res.body, &out)
	if out.Rows != 1 || out.Unchanged != 1 {
		t.Errorf("re-import of the export = %+v", out)
	}
	// Edited in a spreadsheet: new estimate, German date, a new line.
	edited := strings.Replace(text, "2026-03-31;1,5", "30.04.2026;2,25", 1) + ";Neue Aufgabe;In Arbeit;;hoch;;;;;;;;\r\n"
	body, ct := txMultipart(t, "file", "aufgaben.csv", "text/csv", []byte(edited))
	res = txPost(t, s.mem, fmt.Sprintf("%s/projects/%d/tasks/import", ts.URL, s.b.project), ct, body)
	wantStatus(t, res, http.StatusOK)
	if r := byID(res.doc(t), "import-result"); r == nil || !strings.Contains(textOf(r), "1 Aufgaben angelegt, 1 geändert") {
		t.Errorf("result view: %q", textOf(byID(res.doc(t), "import-result")))
	}
	got, _ := ts.Project.GetTask(ctx, s.memActor, tk.ID)
	if *got.EstimateMinutes != 135 || got.DueDate.String() != "2026-04-30" {
		t.Errorf("after import: %+v", got)
	}

	// Problems: 422 with line, column and code; nothing changes.
	bad := "title;due_date;status\r\nGut;;\r\nSchlecht;31.02.2026;Unbekannt\r\n"
	res = txPost(t, s.mem, fmt.Sprintf("%s/api/v1/projects/%d/tasks/import", ts.URL, s.b.project), "text/csv", strings.NewReader(bad))
	var prob struct {
		Code     string `json:"code"`
		Problems []struct {
			Line    int    `json:"line"`
			Column  string `json:"column"`
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"problems"`
	}
	json.Unmarshal(res.body, &prob)
	if res.StatusCode != http.StatusUnprocessableEntity || prob.Code != "task_import_invalid" || len(prob.Problems) != 2 ||
		prob.Problems[0].Line != 3 || prob.Problems[0].Column != "status" && prob.Problems[0].Column != "due_date" || prob.Problems[0].Message == "" {
		t.Errorf("refused import: %d %s", res.StatusCode, res.body)
	}
	body, ct = txMultipart(t, "file", "x.csv", "text/csv", []byte(bad))
	res = txPost(t, s.mem, fmt.Sprintf("%s/projects/%d/tasks/import", ts.URL, s.b.project), ct, body)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if tbl := byID(res.doc(t), "import-problems"); tbl == nil || !strings.Contains(textOf(tbl), "due_date") {
		t.Errorf("problems table missing")
	}
	page, _ := ts.Project.ListProjectTasks(ctx, s.memActor, s.b.project, project.TaskFilter{})
	if len(page.Items) != 2 {
		t.Errorf("tasks after refused import: %d", len(page.Items))
	}
	// Viewers see the page but no form, and the API refuses them.
	doc := get(t, s.view, fmt.Sprintf("%s/projects/%d/tasks/import", ts.URL, s.b.project)).doc(t)
	if byID(doc, "f-file") != nil {
		t.Errorf("viewer sees the import form")
	}
	res = txPost(t, s.view, fmt.Sprintf("%s/api/v1/projects/%d/tasks/import", ts.URL, s.b.project), "text/csv", strings.NewReader("title\nA\n"))
	wantStatus(t, res, http.StatusForbidden)
	if n := len(auditRecords(t, ts, "task.import")); n != 2 {
		t.Errorf("task.import records = %d; want 2", n)
	}
}

func TestTaskExtraListAndCalendarPages(t *testing.T) {
	t.Parallel()
	s := newTxSetup(t)
	ts := s.ts
	ctx := context.Background()
	for i, d := range []civil.Date{civil.D(2026, 4, 1), civil.D(2026, 4, 15), civil.D(2026, 4, 30), civil.D(2026, 5, 4)} {
		prio := "normal"
		if i == 1 {
			prio = "urgent"
		}
		if _, _, err := ts.Project.CreateTask(ctx, s.memActor, s.b.project, project.NewTask{Title: fmt.Sprintf("Aufgabe %d", i+1), DueDate: &d, Priority: prio}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ts.Project.CreateMilestone(ctx, s.memActorManager(t), s.b.project, project.NewMilestone{Title: "Abnahme", Due: civil.D(2026, 4, 20)}); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("%s/projects/%d", ts.URL, s.b.project)

	// The overview links both views.
	doc := get(t, s.view, base).doc(t)
	if byID(doc, "project-list-link") == nil || byID(doc, "project-calendar-link") == nil {
		t.Error("overview lacks the list or calendar link")
	}
	// List: filters as a GET form, sorting, paging links.
	res := get(t, s.view, base+"/tasks?sort=priority&limit=25")
	wantStatus(t, res, http.StatusOK)
	rows := findAll(byID(res.doc(t), "task-list"), func(n *html.Node) bool { return n.Data == "tr" })
	if len(rows) != 5 || !strings.Contains(textOf(rows[1]), "Aufgabe 2") {
		t.Errorf("priority order: %d rows, first %q", len(rows), textOf(rows[1]))
	}
	res = get(t, s.view, base+"/tasks?q=aufgabe&sort=due&limit=25&due_before=2026-05-01&due_after=&status_id=&assignee=&label=&milestone=&priority=")
	wantStatus(t, res, http.StatusOK)
	if rows := findAll(byID(res.doc(t), "task-list"), func(n *html.Node) bool { return n.Data == "tr" }); len(rows) != 4 {
		t.Errorf("due_before filter: %d rows", len(rows))
	}
	// Paging: 2 per page needs a next link; it keeps the filters.
	q := url.Values{"sort": {"due"}, "limit": {"25"}}
	res = get(t, s.view, base+"/tasks?"+q.Encode())
	wantStatus(t, res, http.StatusOK)
	small := get(t, s.view, base+"/tasks?sort=due&limit=2")
	// limit=2 is no offered choice but accepted like the API.
	next := byID(small.doc(t), "task-list-next")
	if next == nil || !strings.Contains(attr(next, "href"), "cursor=") || !strings.Contains(attr(next, "href"), "sort=due") {
		t.Fatalf("no next link")
	}
	second := get(t, s.view, ts.URL+attr(next, "href"))
	wantStatus(t, second, http.StatusOK)
	doc2 := second.doc(t)
	if byID(doc2, "task-list-first") == nil || !strings.Contains(textOf(byID(doc2, "task-list")), "Aufgabe 3") {
		t.Errorf("second page: %q", textOf(byID(doc2, "task-list")))
	}
	// A bad filter shows the form with the error (422), not an error page.
	bad := get(t, s.view, base+"/tasks?due_before=morgen")
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	if byID(bad.doc(t), "task-filter") == nil {
		t.Error("bad filter: no form")
	}

	// Calendar: due dates and the milestone on their days, month links.
	res = get(t, s.view, base+"/calendar?month=2026-04")
	wantStatus(t, res, http.StatusOK)
	doc = res.doc(t)
	for day, want := range map[string]string{"2026-04-01": "Aufgabe 1", "2026-04-15": "Aufgabe 2", "2026-04-20": "Abnahme", "2026-04-30": "Aufgabe 3"} {
		if cell := byID(doc, "day-"+day); cell == nil || !strings.Contains(textOf(cell), want) {
			t.Errorf("calendar %s lacks %q", day, want)
		}
	}
	if strings.Contains(textOf(byID(doc, "project-calendar")), "Aufgabe 4") {
		t.Error("May task shown in April")
	}
	if attr(byID(doc, "calendar-next"), "href") != fmt.Sprintf("/projects/%d/calendar?month=2026-05", s.b.project) ||
		attr(byID(doc, "calendar-prev"), "href") != fmt.Sprintf("/projects/%d/calendar?month=2026-03", s.b.project) {
		t.Error("month links")
	}
	wantStatus(t, get(t, s.view, base+"/calendar?month=2026-13"), http.StatusNotFound)
	// December wraps into January.
	doc = get(t, s.view, base+"/calendar?month=2026-12").doc(t)
	if attr(byID(doc, "calendar-next"), "href") != fmt.Sprintf("/projects/%d/calendar?month=2027-01", s.b.project) {
		t.Error("December's next month")
	}
}

// memActorManager is the manager of the setup as an actor.
func (s txSetup) memActorManager(t *testing.T) actor.Actor {
	t.Helper()
	var id int64
	if err := s.ts.DB.QueryRowContext(t.Context(), `SELECT id FROM users WHERE username = ?`, "lea.leitung").Scan(&id); err != nil {
		t.Fatal(err)
	}
	return actor.Actor{UserID: id, Username: "lea.leitung", Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
}

// TestTaskFormsRefusedAtField posts the task page's forms and the import
// form empty, as a browser does once they are novalidate: 422 with the
// German message at the field, one error summary linking to it; a refused
// import's problems table is no second summary.
func TestTaskFormsRefusedAtField(t *testing.T) {
	t.Parallel()
	s := newTxSetup(t)
	ts := s.ts
	tk, _, err := ts.Project.CreateTask(t.Context(), s.memActor, s.b.project, project.NewTask{Title: "Anhörung"})
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("%s/tasks/%d", ts.URL, tk.ID)
	wantFieldError(t, "empty checklist item", form(t, s.mem, page+"/checklist", url.Values{"text": {""}}), "text", "invalid_checklist_text")
	wantFieldError(t, "empty comment", form(t, s.mem, page+"/comments", url.Values{"body": {""}}), "body", "invalid_task_comment")
	// A file input left empty still sends its part, with no file name.
	body, ct := txMultipart(t, "file", "", "application/octet-stream", nil)
	wantFieldError(t, "no file chosen", txPost(t, s.mem, page+"/files", ct, body), "file", "task_file_missing")

	imp := fmt.Sprintf("%s/projects/%d/tasks/import", ts.URL, s.b.project)
	body, ct = txMultipart(t, "file", "", "application/octet-stream", nil)
	wantFieldError(t, "import without a file", txPost(t, s.mem, imp, ct, body), "file", "task_file_missing")
	body, ct = txMultipart(t, "file", "x.csv", "text/csv", []byte("title;due_date\r\nA;31.02.2026\r\n"))
	res := txPost(t, s.mem, imp, ct, body)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	checkAccessible(t, "refused import", res.doc(t), "de")
	if errorSummary(res.doc(t)) == nil || byID(res.doc(t), "import-problems") == nil {
		t.Error("refused import: no error summary or no problems table")
	}
	if got, err := ts.Project.GetTask(t.Context(), s.memActor, tk.ID); err != nil || len(got.Checklist) != 0 {
		t.Errorf("after the refused forms: checklist %+v, %v", got.Checklist, err)
	}
}
