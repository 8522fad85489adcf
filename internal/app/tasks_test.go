package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ortlos/internal/actor"
	"ortlos/internal/db"
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
		b := taskBoard(t, ts, "Barrierefreiheit")
		taskMember(t, ts, b.project, adminID, "manager")
		a := actor.Actor{UserID: adminID, Username: "anna.admin", Roles: []string{actor.RoleAdmin}, Via: actor.ViaSession, SessionID: 1}
		due := ts.Project
		tk, _, err := due.CreateTask(ctx, a, b.project, project.NewTask{Title: "Formular prüfen", Description: "Mit **Screenreader** testen.",
			AssigneeIDs: []int64{adminID}, EstimateMinutes: taskPtr(90)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := due.AddChecklistItem(ctx, a, tk.ID, "Tastatur"); err != nil {
			t.Fatal(err)
		}
		if _, err := due.AddTaskComment(ctx, a, tk.ID, "Erledige ich morgen."); err != nil {
			t.Fatal(err)
		}
		return []string{"/tasks", fmt.Sprintf("/tasks/%d", tk.ID)}
	})
}

func taskPtr[T any](v T) *T { return &v }

// taskBoardIDs are a project inserted with SQL and its three columns.
type taskBoardIDs struct {
	project, open, doing, done int64
}

func taskInsert(t testing.TB, ts *testServer, query string, args ...any) int64 {
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

// taskBoard inserts a project with the columns Offen, In Arbeit (WIP 1)
// and Erledigt.
func taskBoard(t testing.TB, ts *testServer, name string) taskBoardIDs {
	t.Helper()
	now := db.T(ts.now())
	var b taskBoardIDs
	b.project = taskInsert(t, ts, `INSERT INTO projects (name, created_at, updated_at) VALUES (?, ?, ?) RETURNING id`, name, now, now)
	b.open = taskInsert(t, ts, `INSERT INTO project_statuses (project_id, name, category, position) VALUES (?, 'Offen', 'open', 1) RETURNING id`, b.project)
	b.doing = taskInsert(t, ts, `INSERT INTO project_statuses (project_id, name, category, wip_limit, position) VALUES (?, 'In Arbeit', 'in_progress', 1, 2) RETURNING id`, b.project)
	b.done = taskInsert(t, ts, `INSERT INTO project_statuses (project_id, name, category, position) VALUES (?, 'Erledigt', 'done', 3) RETURNING id`, b.project)
	return b
}

func taskMember(t testing.TB, ts *testServer, projectID, userID int64, role string) {
	t.Helper()
	taskInsert(t, ts, `INSERT INTO project_members (project_id, user_id, role, added_at) VALUES (?, ?, ?, ?) RETURNING project_id`,
		projectID, userID, role, db.T(ts.now()))
}

// taskAPI sends a JSON request and decodes a JSON answer into out (when
// not nil).
func taskAPI(t *testing.T, c *http.Client, method, target string, body any, want int, out any) *result {
	t.Helper()
	var r *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	} else {
		r = bytes.NewReader(nil)
	}
	req := newRequest(t, method, target, r)
	req.Header.Set("Content-Type", "application/json")
	res := do(t, c, req)
	wantStatus(t, res, want)
	if out != nil {
		if err := json.Unmarshal(res.body, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, target, err, res.body)
		}
	}
	return res
}

type taskAPIItem struct {
	ID               int64   `json:"id"`
	StatusID         int64   `json:"status_id"`
	Title            string  `json:"title"`
	Version          int     `json:"version"`
	EstimateMinutes  *int    `json:"estimate_minutes"`
	RemainingMinutes *int    `json:"remaining_minutes"`
	DoneAt           *string `json:"done_at"`
	DescriptionHTML  string  `json:"description_html"`
	Assignees        []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"assignees"`
	Checklist []struct {
		ID   int64 `json:"id"`
		Done bool  `json:"done"`
	} `json:"checklist"`
	Warnings []struct {
		Code  string `json:"code"`
		Limit int    `json:"limit"`
		Count int    `json:"count"`
	} `json:"warnings"`
}

func TestTaskAPI(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, withDialect(dialect))
			marta := createUser(t, ts, "marta.member", "Marta Mitglied")
			paul := createUser(t, ts, "paul.partner", "Paul Partner")
			vik := createUser(t, ts, "vik.viewer", "Vik Viewer")
			b := taskBoard(t, ts, "Sanierung Rathaus")
			taskMember(t, ts, b.project, marta.ID, "member")
			taskMember(t, ts, b.project, paul.ID, "manager")
			taskMember(t, ts, b.project, vik.ID, "viewer")
			c := loginFull(t, ts, "marta.member", testPassword)
			api := ts.URL + "/api/v1"

			var first, second taskAPIItem
			taskAPI(t, c, "POST", fmt.Sprintf("%s/projects/%d/tasks", api, b.project), map[string]any{
				"title": "Angebote einholen", "description": "Drei **Angebote**", "estimate_minutes": 150,
				"assignee_ids": []int64{paul.ID}, "due_date": "2026-12-01"}, http.StatusCreated, &first)
			if first.StatusID != b.open || first.Version != 1 || *first.RemainingMinutes != 150 || len(first.Assignees) != 1 ||
				!strings.Contains(first.DescriptionHTML, "<strong>Angebote</strong>") {
				t.Errorf("created = %+v", first)
			}
			taskAPI(t, c, "POST", fmt.Sprintf("%s/projects/%d/tasks", api, b.project), map[string]any{"title": "Vergabe"}, http.StatusCreated, &second)
			var page struct {
				Items []taskAPIItem `json:"items"`
				Next  *string       `json:"next_cursor"`
			}
			taskAPI(t, c, "GET", fmt.Sprintf("%s/projects/%d/tasks?limit=1", api, b.project), nil, http.StatusOK, &page)
			if len(page.Items) != 1 || page.Items[0].ID != first.ID || page.Next == nil {
				t.Fatalf("page 1 = %+v", page)
			}
			taskAPI(t, c, "GET", fmt.Sprintf("%s/projects/%d/tasks?limit=1&cursor=%s", api, b.project, url.QueryEscape(*page.Next)), nil, http.StatusOK, &page)
			if len(page.Items) != 1 || page.Items[0].ID != second.ID || page.Next != nil {
				t.Errorf("page 2 = %+v", page)
			}
			taskAPI(t, c, "GET", fmt.Sprintf("%s/projects/%d/tasks?sort=title", api, b.project), nil, http.StatusUnprocessableEntity, nil)

			// Conditional reads: the list's ETag answers 304 until a task changes.
			listURL := fmt.Sprintf("%s/projects/%d/tasks", api, b.project)
			etag := taskAPI(t, c, "GET", listURL, nil, http.StatusOK, nil).Header.Get("ETag")
			conditional := func(want int) {
				t.Helper()
				req := newRequest(t, "GET", listURL, nil)
				req.Header.Set("If-None-Match", etag)
				res := do(t, c, req)
				wantStatus(t, res, want)
				if want == http.StatusNotModified && len(res.body) != 0 {
					t.Errorf("304 with a body: %q", res.body)
				}
			}
			if !strings.HasPrefix(etag, `W/"`) {
				t.Fatalf("ETag = %q", etag)
			}
			conditional(http.StatusNotModified)
			if other := taskAPI(t, c, "GET", listURL+"?limit=1", nil, http.StatusOK, nil).Header.Get("ETag"); other == etag {
				t.Error("another page has the same ETag")
			}

			// Move: both into the WIP-1 column, the second with a warning.
			var moved taskAPIItem
			taskAPI(t, c, "POST", fmt.Sprintf("%s/tasks/%d/move", api, first.ID), map[string]any{"status_id": b.doing, "after_id": nil, "version": 1}, http.StatusOK, &moved)
			if moved.StatusID != b.doing || moved.Version != 2 || len(moved.Warnings) != 0 {
				t.Errorf("moved = %+v", moved)
			}
			conditional(http.StatusOK)
			taskAPI(t, c, "POST", fmt.Sprintf("%s/tasks/%d/move", api, second.ID), map[string]any{"status_id": b.doing, "after_id": first.ID, "version": 1}, http.StatusOK, &moved)
			if len(moved.Warnings) != 1 || moved.Warnings[0].Code != "WIP_LIMIT_EXCEEDED" || moved.Warnings[0].Count != 2 || moved.Warnings[0].Limit != 1 {
				t.Errorf("warnings = %+v", moved.Warnings)
			}
			// A stale move: 409 with the current version.
			var problem struct {
				Code           string `json:"code"`
				CurrentVersion int    `json:"current_version"`
			}
			taskAPI(t, c, "POST", fmt.Sprintf("%s/tasks/%d/move", api, first.ID), map[string]any{"status_id": b.done, "version": 1}, http.StatusConflict, &problem)
			if problem.Code != "task_stale" || problem.CurrentVersion != 2 {
				t.Errorf("stale problem = %+v", problem)
			}
			taskAPI(t, c, "POST", fmt.Sprintf("%s/tasks/%d/move", api, first.ID), map[string]any{"status_id": b.done, "after_id": first.ID + 1000, "version": 2}, http.StatusConflict, &problem)
			if problem.Code != "task_move_stale" {
				t.Errorf("move after a card elsewhere = %+v", problem)
			}
			taskAPI(t, c, "POST", fmt.Sprintf("%s/tasks/%d/move", api, first.ID), map[string]any{"status_id": b.done, "version": 2}, http.StatusOK, &moved)
			if moved.DoneAt == nil || *moved.RemainingMinutes != 0 {
				t.Errorf("done = %+v", moved)
			}

			// PATCH: version required, null clears.
			taskAPI(t, c, "PATCH", fmt.Sprintf("%s/tasks/%d", api, second.ID), map[string]any{"title": "x"}, http.StatusUnprocessableEntity, nil)
			var up taskAPIItem
			taskAPI(t, c, "PATCH", fmt.Sprintf("%s/tasks/%d", api, first.ID), map[string]any{"version": moved.Version, "estimate_minutes": nil, "title": "Angebote eingeholt"}, http.StatusOK, &up)
			if up.EstimateMinutes != nil || up.Title != "Angebote eingeholt" {
				t.Errorf("patched = %+v", up)
			}
			taskAPI(t, c, "PATCH", fmt.Sprintf("%s/tasks/%d", api, first.ID), map[string]any{"version": moved.Version, "title": "y"}, http.StatusConflict, &problem)
			if problem.CurrentVersion != up.Version {
				t.Errorf("stale PATCH current_version = %d; want %d", problem.CurrentVersion, up.Version)
			}

			// Checklist, comments, dependencies, watching.
			var item struct {
				ID int64 `json:"id"`
			}
			taskAPI(t, c, "POST", fmt.Sprintf("%s/tasks/%d/checklist", api, second.ID), map[string]any{"text": "Leistungsverzeichnis"}, http.StatusCreated, &item)
			taskAPI(t, c, "PATCH", fmt.Sprintf("%s/checklist-items/%d", api, item.ID), map[string]any{"done": true}, http.StatusOK, nil)
			taskAPI(t, c, "POST", fmt.Sprintf("%s/tasks/%d/comments", api, second.ID), map[string]any{"body": "@paul.partner bitte freigeben"}, http.StatusCreated, nil)
			if n := countRows(t, ts, "notifications", "user_id = ? AND kind = ?", paul.ID, "task.mentioned"); n != 1 {
				t.Errorf("paul has %d mention notifications", n)
			}
			taskAPI(t, c, "POST", fmt.Sprintf("%s/tasks/%d/dependencies", api, second.ID), map[string]any{"blocked_by_id": first.ID}, http.StatusOK, nil)
			taskAPI(t, c, "POST", fmt.Sprintf("%s/tasks/%d/dependencies", api, first.ID), map[string]any{"blocked_by_id": second.ID}, http.StatusConflict, &problem)
			if problem.Code != "task_dependency_cycle" {
				t.Errorf("cycle = %+v", problem)
			}
			taskAPI(t, c, "DELETE", fmt.Sprintf("%s/tasks/%d/dependencies/%d", api, second.ID, first.ID), nil, http.StatusNoContent, nil)
			taskAPI(t, c, "PUT", fmt.Sprintf("%s/tasks/%d/watch", api, second.ID), nil, http.StatusNoContent, nil)
			var got taskAPIItem
			taskAPI(t, c, "GET", fmt.Sprintf("%s/tasks/%d", api, second.ID), nil, http.StatusOK, &got)
			if len(got.Checklist) != 1 || !got.Checklist[0].Done {
				t.Errorf("checklist = %+v", got.Checklist)
			}

			// My tasks.
			pc := loginFull(t, ts, "paul.partner", testPassword)
			taskAPI(t, pc, "GET", api+"/tasks?assignee=me", nil, http.StatusOK, &page)
			if len(page.Items) != 1 || page.Items[0].ID != first.ID {
				t.Errorf("paul's tasks = %+v", page.Items)
			}

			// Rights: the viewer reads but does not write; members do not delete.
			vc := loginFull(t, ts, "vik.viewer", testPassword)
			taskAPI(t, vc, "GET", fmt.Sprintf("%s/tasks/%d", api, second.ID), nil, http.StatusOK, nil)
			taskAPI(t, vc, "POST", fmt.Sprintf("%s/projects/%d/tasks", api, b.project), map[string]any{"title": "nein"}, http.StatusForbidden, nil)
			taskAPI(t, c, "DELETE", fmt.Sprintf("%s/tasks/%d", api, second.ID), nil, http.StatusForbidden, nil)
			taskAPI(t, pc, "DELETE", fmt.Sprintf("%s/tasks/%d", api, second.ID), nil, http.StatusNoContent, nil)
			taskAPI(t, c, "GET", fmt.Sprintf("%s/tasks/%d", api, second.ID), nil, http.StatusNotFound, nil)
			if n := len(auditRecords(t, ts, "task.")); n == 0 {
				t.Error("no task audit records")
			}
		})
	}
}

func TestTaskPages(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	marta := createUser(t, ts, "marta.member", "Marta Mitglied")
	vik := createUser(t, ts, "vik.viewer", "Vik Viewer")
	b := taskBoard(t, ts, "Bürgerbüro")
	taskMember(t, ts, b.project, marta.ID, "member")
	taskMember(t, ts, b.project, vik.ID, "viewer")
	a := actor.Actor{UserID: marta.ID, Username: marta.Username, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
	tk, _, err := ts.Project.CreateTask(t.Context(), a, b.project, project.NewTask{Title: "Wartemarken bestellen", AssigneeIDs: []int64{marta.ID}})
	if err != nil {
		t.Fatal(err)
	}
	c := loginFull(t, ts, "marta.member", testPassword)
	res := get(t, c, ts.URL+"/tasks")
	wantStatus(t, res, http.StatusOK)
	if doc := res.doc(t); h1(doc) != "Meine Aufgaben" || byID(doc, fmt.Sprintf("task-%d", tk.ID)) == nil {
		t.Errorf("my tasks page lacks the task:\n%.2000s", res.body)
	}
	page := fmt.Sprintf("%s/tasks/%d", ts.URL, tk.ID)
	wantRedirect(t, form(t, c, page+"/checklist", url.Values{"text": {"Angebot anfordern"}}), fmt.Sprintf("/tasks/%d", tk.ID))
	got, err := ts.Project.GetTask(t.Context(), a, tk.ID)
	if err != nil || len(got.Checklist) != 1 {
		t.Fatalf("checklist = %+v, %v", got.Checklist, err)
	}
	wantRedirect(t, form(t, c, fmt.Sprintf("%s/checklist/%d", page, got.Checklist[0].ID), url.Values{"done": {"true"}}), fmt.Sprintf("/tasks/%d", tk.ID))
	wantRedirect(t, form(t, c, page+"/comments", url.Values{"body": {"Bestellt bei **Firma X**"}}), fmt.Sprintf("/tasks/%d", tk.ID))
	res = get(t, c, page)
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if item := byID(doc, fmt.Sprintf("checklist-item-%d", got.Checklist[0].ID)); item == nil || attr(item, "data-done") != "true" {
		t.Errorf("checklist item not ticked")
	}
	if !strings.Contains(res.text(), "<strong>Firma X</strong>") || !strings.Contains(res.text(), "Ihr Kommentar wurde gespeichert.") {
		t.Errorf("comment or flash missing:\n%.3000s", res.body)
	}
	// An empty comment shows the form again with the error.
	res = form(t, c, page+"/comments", url.Values{"body": {"  "}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if byID(res.doc(t), "e-body") == nil {
		t.Errorf("no field error for the empty comment")
	}
	// The viewer sees the page without forms and may not comment.
	vc := loginFull(t, ts, "vik.viewer", testPassword)
	res = get(t, vc, page)
	wantStatus(t, res, http.StatusOK)
	if byName(res.doc(t), "body") != nil {
		t.Errorf("viewer gets a comment form")
	}
	wantStatus(t, form(t, vc, page+"/comments", url.Values{"body": {"hallo"}}), http.StatusForbidden)
	wantStatus(t, get(t, vc, ts.URL+"/tasks/99999"), http.StatusNotFound)
}
