package app_test

// Workload (Auslastung): the heat map page and its drill-down, the API,
// who sees whom, capacity from work model and absences.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ortlos/internal/actor"
	"ortlos/internal/db"
	"ortlos/internal/identity"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, emp identity.User) []string {
		return []string{"/workload", fmt.Sprintf("/workload/%d?week=2026-W10", emp.ID)}
	})
}

// wlSeed inserts a project with an open and a done column, emp as member,
// and returns a function inserting a task assigned to the given people.
func wlSeed(t *testing.T, ts *testServer, confidential bool, members ...int64) (project int64, task func(title, due string, remaining int, done bool, people ...int64) int64) {
	t.Helper()
	ctx := t.Context()
	now := db.T(ts.now())
	exec := func(q string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := ts.DB.InTx(ctx, func(tx *db.Tx) error { return tx.QueryRowContext(ctx, q, args...).Scan(&id) }); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return id
	}
	project = exec(`INSERT INTO projects (name, confidential, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`, fmt.Sprintf("Projekt %v", confidential), confidential, now, now)
	open := exec(`INSERT INTO project_statuses (project_id, name, category, position) VALUES (?, 'Offen', 'open', 1) RETURNING id`, project)
	done := exec(`INSERT INTO project_statuses (project_id, name, category, position) VALUES (?, 'Erledigt', 'done', 2) RETURNING id`, project)
	for _, m := range members {
		exec(`INSERT INTO project_members (project_id, user_id, role, added_at) VALUES (?, ?, 'member', ?) RETURNING user_id`, project, m, now)
	}
	n := 0
	task = func(title, due string, remaining int, isDone bool, people ...int64) int64 {
		t.Helper()
		n++
		col := open
		if isDone {
			col = done
		}
		var d any
		if due != "" {
			d = due
		}
		id := exec(`INSERT INTO tasks (project_id, status_id, rank, title, due_date, estimate_minutes, remaining_minutes, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, project, col, fmt.Sprintf("r%03d", n), title, d, remaining, remaining, now, now)
		for _, p := range people {
			exec(`INSERT INTO task_assignees (task_id, user_id) VALUES (?, ?) RETURNING user_id`, id, p)
		}
		return id
	}
	return project, task
}

type apiWorkload struct {
	Today string `json:"today"`
	Weeks []struct {
		Week, Start, End string
	} `json:"weeks"`
	People []struct {
		UserID      int64  `json:"user_id"`
		DisplayName string `json:"display_name"`
		Cells       []struct {
			Week            string `json:"week"`
			CapacityMinutes int    `json:"capacity_minutes"`
			LoadMinutes     int    `json:"load_minutes"`
			Percent         *int   `json:"percent"`
			Overloaded      bool   `json:"overloaded"`
			Tasks           int    `json:"tasks"`
		} `json:"cells"`
	} `json:"people"`
}

func TestWorkloadHTTP(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t) // Monday 2 March 2026; full time 468 min a day
	ts := f.ts
	_, task := wlSeed(t, ts, false, f.emp.ID, f.lead.ID)
	_, secretTask := wlSeed(t, ts, true, f.emp.ID)
	// 2,340 minutes over the 5 days of week 10: 100 % for Erika.
	big := task("Bauanträge sichten", "2026-03-06", 2340, false, f.emp.ID)
	task("Erledigt", "2026-03-06", 600, true, f.emp.ID)
	// 936 minutes shared by Erika and Lena over 10 days: 46.8 each a day.
	shared := task("Ortstermin", "2026-03-13", 936, false, f.emp.ID, f.lead.ID)
	secret := secretTask("Personalvorgang", "2026-03-06", 468, false, f.emp.ID)

	token := func(id int64) string {
		_, tok, err := ts.Identity.CreateTokenFor(t.Context(), actor.CLI(), id, identity.NewToken{Name: "t", Scope: "read"})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	call := func(tok, path string) *result {
		req := newRequest(t, "GET", ts.URL+"/api/v1"+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		return do(t, http.DefaultClient, req)
	}
	leadTok, empTok, strangerTok, hrTok := token(f.lead.ID), token(f.emp.ID), token(f.stranger.ID), token(f.hr.ID)

	res := call(leadTok, "/workload?weeks=2")
	wantStatus(t, res, http.StatusOK)
	var wl apiWorkload
	if err := json.Unmarshal(res.body, &wl); err != nil {
		t.Fatal(err)
	}
	if wl.Today != "2026-03-02" || len(wl.Weeks) != 2 || wl.Weeks[0].Week != "2026-W10" || len(wl.People) != 2 ||
		wl.People[0].UserID != f.lead.ID || wl.People[1].UserID != f.emp.ID {
		t.Fatalf("lead's workload = %s", res.body)
	}
	erika := wl.People[1]
	// 2340 + 234 (shared, 5 days) + 468 (confidential) in week 10.
	if c := erika.Cells[0]; c.CapacityMinutes != 2340 || c.LoadMinutes != 3042 || c.Percent == nil || *c.Percent != 130 || !c.Overloaded || c.Tasks != 3 {
		t.Errorf("Erika week 10 = %+v", c)
	}
	if c := wl.People[0].Cells[1]; c.LoadMinutes != 234 || c.Percent == nil || *c.Percent != 10 || c.Overloaded {
		t.Errorf("Lena week 11 = %+v", c)
	}

	// An approved day off lowers the capacity.
	if err := ts.DB.InTx(t.Context(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(t.Context(), `INSERT INTO absences (user_id, type_id, start_date, end_date, day_length, status, created_at)
			VALUES (?, 'vacation', '2026-03-03', '2026-03-03', 'full', 'approved', ?)`, f.emp.ID, db.T(ts.now()))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	res = call(empTok, "/workload?weeks=1&from=2026-03-04")
	wantStatus(t, res, http.StatusOK)
	wl = apiWorkload{}
	if err := json.Unmarshal(res.body, &wl); err != nil {
		t.Fatal(err)
	}
	if len(wl.People) != 1 || wl.People[0].Cells[0].CapacityMinutes != 1872 {
		t.Errorf("Erika's own view = %s", res.body)
	}

	// Who sees whom.
	wantStatus(t, call(strangerTok, fmt.Sprintf("/workload?user_id=%d", f.emp.ID)), http.StatusNotFound)
	wantStatus(t, call(strangerTok, fmt.Sprintf("/workload/%d?week=2026-W10", f.emp.ID)), http.StatusNotFound)
	wantStatus(t, call(empTok, fmt.Sprintf("/workload/%d", f.lead.ID)), http.StatusNotFound)
	wantStatus(t, call(hrTok, fmt.Sprintf("/workload?user_id=%d", f.emp.ID)), http.StatusOK)
	if p := problem(t, call(leadTok, "/workload?weeks=99")); p.Code != "invalid_filter" {
		t.Errorf("weeks=99: %+v", p)
	}
	if p := problem(t, call(leadTok, fmt.Sprintf("/workload/%d?week=2026-12", f.emp.ID))); p.Code != "invalid_filter" {
		t.Errorf("bad week: %+v", p)
	}

	// Drill-down API (after the day off, week 10 has 4 working days): the
	// lead does not see the confidential task, only its sum.
	res = call(leadTok, fmt.Sprintf("/workload/%d?week=2026-W10", f.emp.ID))
	wantStatus(t, res, http.StatusOK)
	var det struct {
		Tasks []struct {
			TaskID       int64 `json:"task_id"`
			ShareMinutes int   `json:"share_minutes"`
			Assignees    int   `json:"assignees"`
		} `json:"tasks"`
		OtherMinutes int `json:"other_minutes"`
	}
	if err := json.Unmarshal(res.body, &det); err != nil {
		t.Fatal(err)
	}
	if len(det.Tasks) != 2 || det.Tasks[0].TaskID != big || det.Tasks[0].ShareMinutes != 2340 || det.Tasks[1].TaskID != shared ||
		det.Tasks[1].Assignees != 2 || det.Tasks[1].ShareMinutes != 208 || det.OtherMinutes != 468 {
		t.Errorf("drill-down = %s", res.body)
	}
	if strings.Contains(res.text(), "Personalvorgang") {
		t.Error("the confidential task's title reaches the lead")
	}

	// Pages.
	lead := loginFull(t, ts, "lena.lead", testPassword)
	page := get(t, lead, ts.URL+"/workload?from=2026-03-02&weeks=2")
	wantStatus(t, page, http.StatusOK)
	doc := page.doc(t)
	row := byID(doc, fmt.Sprintf("workload-%d", f.emp.ID))
	if row == nil {
		t.Fatalf("no row for Erika:\n%s", page.text())
	}
	txt := textOf(row)
	if !strings.Contains(txt, "überlastet") || !strings.Contains(txt, "%") {
		t.Errorf("Erika's row reads %q; want a percentage and the word", txt)
	}
	link := find(row, func(n *html.Node) bool {
		return n.DataAtom == atom.A && attr(n, "href") == fmt.Sprintf("/workload/%d?week=2026-W10", f.emp.ID)
	})
	if link == nil {
		t.Errorf("no drill-down link in Erika's row")
	}
	if byID(doc, fmt.Sprintf("workload-%d", f.stranger.ID)) != nil {
		t.Error("the stranger appears in the lead's heat map")
	}
	page = get(t, lead, ts.URL+fmt.Sprintf("/workload/%d?week=2026-W10", f.emp.ID))
	wantStatus(t, page, http.StatusOK)
	doc = page.doc(t)
	if byID(doc, fmt.Sprintf("wl-task-%d", big)) == nil || byID(doc, fmt.Sprintf("wl-task-%d", secret)) != nil || byID(doc, "wl-other") == nil {
		t.Errorf("drill-down page:\n%s", page.text())
	}
	stranger := loginFull(t, ts, "sven.fremd", testPassword)
	wantStatus(t, get(t, stranger, ts.URL+fmt.Sprintf("/workload/%d?week=2026-W10", f.emp.ID)), http.StatusNotFound)
	page = get(t, stranger, ts.URL+"/workload")
	wantStatus(t, page, http.StatusOK)
	if byID(page.doc(t), fmt.Sprintf("workload-%d", f.stranger.ID)) == nil {
		t.Error("the stranger does not see his own row")
	}
}

// TestProjectWorkloadFilterRefusedAtField: the workload filter is
// novalidate (its weeks field has min and max); a number of weeks out of
// range or a malformed date come back as the form with the German message
// at the field, the values as sent and no table.
func TestProjectWorkloadFilterRefusedAtField(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	createUser(t, ts, "erika.muster", "Erika Muster", actor.RoleEmployee)
	c := loginFull(t, ts, "erika.muster", testPassword)
	for _, tt := range []struct{ query, field, value string }{
		{"weeks=99", "weeks", "99"},
		{"weeks=0", "weeks", "0"},
		{"from=31.02.2026&weeks=2", "from", "31.02.2026"},
	} {
		res := get(t, c, ts.URL+"/workload?"+tt.query)
		wantFieldError(t, tt.query, res, tt.field, "invalid_filter")
		doc := res.doc(t)
		if got := attr(byID(doc, "f-"+tt.field), "value"); got != tt.value {
			t.Errorf("%s: the field shows %q, want %q", tt.query, got, tt.value)
		}
		if byID(doc, "workload") != nil || byID(doc, "workload-empty") != nil {
			t.Errorf("%s: a refused filter still shows a result", tt.query)
		}
	}
	// The fields are optional: left empty they mean this week and the
	// default number of weeks.
	wantStatus(t, get(t, c, ts.URL+"/workload?from=&weeks="), http.StatusOK)
}
