package app_test

// Projects through the JSON API and the plain HTML forms: the tree,
// members with inherited roles, board columns, milestones, labels and
// templates.

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html/atom"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/identity"
	"ortlos/internal/project"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, emp identity.User) []string {
		ctx := t.Context()
		a := actor.Actor{UserID: emp.ID, Username: emp.Username, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
		start := civil.D(2026, 4, 1)
		p, err := ts.Project.Create(ctx, a, project.NewProject{Name: "Barrierefreiheit", Goal: "Alle Seiten prüfen",
			Description: "## Vorgehen\n\n- Seiten sammeln\n- *prüfen*", Start: &start})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ts.Project.Create(ctx, a, project.NewProject{ParentID: p.ID, Name: "Formulare", Confidential: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.Project.CreateMilestone(ctx, a, p.ID, project.NewMilestone{Title: "Bericht", Due: start.AddDays(30)}); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.Project.CreateLabel(ctx, a, p.ID, "Kontrast", "#336699"); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.Project.Create(ctx, a, project.NewProject{Name: "Musterverfahren", Template: true}); err != nil {
			t.Fatal(err)
		}
		return []string{"/projects", "/projects?status=completed", fmt.Sprintf("/projects/%d", p.ID), fmt.Sprintf("/projects/%d/settings", p.ID)}
	})
}

type apiProjectJSON struct {
	ID              int64   `json:"id"`
	ParentID        *int64  `json:"parent_id"`
	Name            string  `json:"name"`
	DescriptionHTML string  `json:"description_html"`
	StartDate       *string `json:"start_date"`
	EndDate         *string `json:"end_date"`
	Status          string  `json:"status"`
	OwnerID         *int64  `json:"owner_id"`
	Template        bool    `json:"template"`
	Role            string  `json:"role"`
	Depth           *int    `json:"depth"`
	Version         int     `json:"version"`
}

func TestProjectsAPI(t *testing.T) {
	t.Parallel()
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			s := apiStart(t, d)
			_, aliceTok := s.apiUserWithToken(t, "alice", "write", actor.RoleEmployee)
			bob, bobTok := s.apiUserWithToken(t, "bob", "write", actor.RoleEmployee)
			_, readTok := s.apiUserWithToken(t, "rita", "read", actor.RoleEmployee)
			alice, bobc, reader := s.client(t, aliceTok), s.client(t, bobTok), s.client(t, readTok)

			var p apiProjectJSON
			alice.call("POST", "/projects", map[string]any{"name": "Digitales Bauamt", "description": "**Ziel**: online", "start_date": "2026-04-01",
				"end_date": "2026-12-31"}).want(t, http.StatusCreated, &p)
			if p.Role != "manager" || p.Version != 1 || !strings.Contains(p.DescriptionHTML, "<strong>Ziel</strong>") || p.StartDate == nil || *p.StartDate != "2026-04-01" {
				t.Errorf("created %+v", p)
			}
			reader.call("POST", "/projects", map[string]any{"name": "x"}).problem(t, http.StatusForbidden, "token_scope")
			alice.call("POST", "/projects", map[string]any{"name": ""}).problem(t, http.StatusUnprocessableEntity, "invalid_project_name")
			var sub apiProjectJSON
			alice.call("POST", "/projects", map[string]any{"name": "Anträge", "parent_id": p.ID}).want(t, http.StatusCreated, &sub)
			bobc.call("POST", "/projects", map[string]any{"name": "x", "parent_id": p.ID}).problem(t, http.StatusForbidden, "project_role_required")

			// PATCH with version; null clears.
			path := fmt.Sprintf("/projects/%d", p.ID)
			alice.call("PATCH", path, map[string]any{"status": "on_hold"}).problem(t, http.StatusUnprocessableEntity, "invalid_filter")
			var up apiProjectJSON
			alice.call("PATCH", path, map[string]any{"version": 1, "status": "on_hold", "end_date": nil}).want(t, http.StatusOK, &up)
			if up.Version != 2 || up.Status != "on_hold" || up.EndDate != nil {
				t.Errorf("updated %+v", up)
			}
			alice.call("PATCH", path, map[string]any{"version": 1, "name": "x"}).problem(t, http.StatusConflict, "project_stale")
			bobc.call("PATCH", path, map[string]any{"version": 2, "name": "x"}).problem(t, http.StatusForbidden, "project_role_required")

			// Members; inherited roles in the sub-project.
			alice.call("PUT", fmt.Sprintf("%s/members/%d", path, bob.ID), map[string]any{"role": "member"}).want(t, http.StatusOK, nil)
			var members struct {
				Items []struct {
					UserID        int64   `json:"user_id"`
					Role          string  `json:"role"`
					DirectRole    *string `json:"direct_role"`
					Inherited     bool    `json:"inherited"`
					InheritedFrom *int64  `json:"inherited_from_id"`
				} `json:"items"`
			}
			bobc.call("GET", fmt.Sprintf("/projects/%d/members", sub.ID), nil).want(t, http.StatusOK, &members)
			if len(members.Items) != 2 {
				t.Fatalf("members of the sub-project %+v", members.Items)
			}
			for _, m := range members.Items {
				if !m.Inherited || m.DirectRole != nil || m.InheritedFrom == nil || *m.InheritedFrom != p.ID {
					t.Errorf("member %+v; want inherited from %d", m, p.ID)
				}
			}
			var aliceID int64
			for _, m := range members.Items {
				if m.UserID != bob.ID {
					aliceID = m.UserID
				}
			}
			alice.call("DELETE", fmt.Sprintf("%s/members/%d", path, aliceID), nil).problem(t, http.StatusConflict, "last_manager")
			alice.call("PUT", fmt.Sprintf("%s/members/%d", path, aliceID), map[string]any{"role": "viewer"}).problem(t, http.StatusConflict, "last_manager")
			alice.call("PUT", fmt.Sprintf("%s/members/%d", path, 99999), map[string]any{"role": "viewer"}).problem(t, http.StatusUnprocessableEntity, "project_member_unknown")
			alice.call("DELETE", fmt.Sprintf("%s/members/abc", path), nil).problem(t, http.StatusNotFound, "not_found")

			// Columns.
			var cols struct {
				Items []struct {
					ID       int64  `json:"id"`
					Name     string `json:"name"`
					Category string `json:"category"`
					Position int    `json:"position"`
					WIPLimit *int   `json:"wip_limit"`
				} `json:"items"`
			}
			bobc.call("GET", path+"/statuses", nil).want(t, http.StatusOK, &cols)
			if len(cols.Items) != 4 || cols.Items[3].Category != "done" {
				t.Fatalf("columns %+v", cols.Items)
			}
			var col struct {
				ID       int64 `json:"id"`
				Position int   `json:"position"`
				WIPLimit *int  `json:"wip_limit"`
			}
			alice.call("POST", path+"/statuses", map[string]any{"name": "Warten", "wip_limit": 2}).want(t, http.StatusCreated, &col)
			alice.call("PATCH", fmt.Sprintf("%s/statuses/%d", path, col.ID), map[string]any{"position": 1, "wip_limit": nil}).want(t, http.StatusOK, &col)
			if col.Position != 1 || col.WIPLimit != nil {
				t.Errorf("moved column %+v", col)
			}
			alice.call("PATCH", fmt.Sprintf("%s/statuses/%d", path, cols.Items[3].ID), map[string]any{"category": "open"}).problem(t, http.StatusConflict, "status_last_done")
			alice.call("DELETE", fmt.Sprintf("%s/statuses/%d", path, col.ID), nil).want(t, http.StatusNoContent, nil)
			alice.call("DELETE", fmt.Sprintf("/projects/%d/statuses/%d", sub.ID, cols.Items[0].ID), nil).problem(t, http.StatusNotFound, "not_found")

			// Milestones and labels.
			var ms struct {
				ID   int64 `json:"id"`
				Done bool  `json:"done"`
			}
			alice.call("POST", path+"/milestones", map[string]any{"title": "Start", "due_date": "2026-05-01"}).want(t, http.StatusCreated, &ms)
			alice.call("PATCH", fmt.Sprintf("%s/milestones/%d", path, ms.ID), map[string]any{"done": true}).want(t, http.StatusOK, &ms)
			if !ms.Done {
				t.Error("milestone not done")
			}
			bobc.call("DELETE", fmt.Sprintf("%s/milestones/%d", path, ms.ID), nil).problem(t, http.StatusForbidden, "project_role_required")
			alice.call("DELETE", fmt.Sprintf("%s/milestones/%d", path, ms.ID), nil).want(t, http.StatusNoContent, nil)
			var label struct {
				ID    int64  `json:"id"`
				Color string `json:"color"`
			}
			alice.call("POST", path+"/labels", map[string]any{"name": "Eilig", "color": "#C0392B"}).want(t, http.StatusCreated, &label)
			alice.call("POST", path+"/labels", map[string]any{"name": "Eilig"}).problem(t, http.StatusConflict, "label_exists")
			alice.call("PATCH", fmt.Sprintf("%s/labels/%d", path, label.ID), map[string]any{"color": ""}).want(t, http.StatusOK, &label)
			if label.Color != "" {
				t.Errorf("label colour %q after clearing", label.Color)
			}
			alice.call("DELETE", fmt.Sprintf("%s/labels/%d", path, label.ID), nil).want(t, http.StatusNoContent, nil)

			// Templates, the list and confidentiality.
			var tmpl, cp apiProjectJSON
			alice.call("POST", "/projects", map[string]any{"name": "Muster", "template": true, "start_date": "2026-01-01"}).want(t, http.StatusCreated, &tmpl)
			bobc.call("POST", fmt.Sprintf("/projects/%d/copy", tmpl.ID), map[string]any{"name": "Fall 1", "start_date": "2026-02-01"}).want(t, http.StatusCreated, &cp)
			if cp.Template || cp.Role != "manager" || cp.StartDate == nil || *cp.StartDate != "2026-02-01" {
				t.Errorf("copy %+v", cp)
			}
			bobc.call("POST", fmt.Sprintf("/projects/%d/copy", p.ID), map[string]any{}).problem(t, http.StatusUnprocessableEntity, "project_not_template")
			var secret apiProjectJSON
			alice.call("POST", "/projects", map[string]any{"name": "Vertraulich", "confidential": true}).want(t, http.StatusCreated, &secret)
			bobc.call("GET", fmt.Sprintf("/projects/%d", secret.ID), nil).problem(t, http.StatusNotFound, "not_found")
			var list struct {
				Items []apiProjectJSON `json:"items"`
			}
			bobc.call("GET", "/projects", nil).want(t, http.StatusOK, &list)
			var names []string
			for _, x := range list.Items {
				names = append(names, fmt.Sprintf("%d:%s", *x.Depth, x.Name))
			}
			if got, want := strings.Join(names, ","), "0:Digitales Bauamt,1:Anträge,0:Fall 1"; got != want {
				t.Errorf("bob's list %s; want %s", got, want)
			}
			bobc.call("GET", "/projects?template=true", nil).want(t, http.StatusOK, &list)
			if len(list.Items) != 1 || list.Items[0].ID != tmpl.ID {
				t.Errorf("templates %+v", list.Items)
			}
			bobc.call("GET", "/projects?status=on_hold", nil).want(t, http.StatusOK, &list)
			if len(list.Items) != 1 || list.Items[0].ID != p.ID {
				t.Errorf("on hold %+v", list.Items)
			}
			bobc.call("GET", "/projects?status=later", nil).problem(t, http.StatusUnprocessableEntity, "invalid_project_status")
		})
	}
}

func TestProjectsUI(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	createUser(t, ts, "paula.projekt", "Paula Projekt", actor.RoleEmployee)
	createUser(t, ts, "max.mitarbeit", "Max Mitarbeit", actor.RoleEmployee)
	c := loginFull(t, ts, "paula.projekt", testPassword)

	res := get(t, c, ts.URL+"/projects")
	wantStatus(t, res, http.StatusOK)
	if byID(res.doc(t), "projects-empty") == nil {
		t.Error("no empty-state text on /projects")
	}
	res = form(t, c, ts.URL+"/projects", url.Values{"name": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if errorSummary(res.doc(t)) == nil {
		t.Error("refused form without error summary")
	}
	res = form(t, c, ts.URL+"/projects", url.Values{"name": {"Friedhofssatzung"}, "goal": {"Neue Satzung"}, "start_date": {"2026-04-01"},
		"end_date": {"2026-03-01"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if f := byID(res.doc(t), "f-name"); attr(f, "value") != "Friedhofssatzung" {
		t.Errorf("refused form lost the name: %q", attr(f, "value"))
	}
	res = form(t, c, ts.URL+"/projects", url.Values{"name": {"Friedhofssatzung"}, "goal": {"Neue Satzung"}, "start_date": {"2026-04-01"}})
	wantRedirect(t, res, "/projects/")
	overview := res.location()
	res = get(t, c, ts.URL+overview)
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if h1(doc) != "Friedhofssatzung" || byID(doc, "project-board-link") == nil || byID(doc, "project-settings-link") == nil {
		t.Errorf("overview: h1 %q, board/settings links missing", h1(doc))
	}
	if !strings.Contains(textOf(byID(doc, "project-facts")), "01.04.2026") {
		t.Errorf("facts %q lack the start date", textOf(byID(doc, "project-facts")))
	}

	settings := overview + "/settings"
	res = get(t, c, ts.URL+settings)
	wantStatus(t, res, http.StatusOK)
	version := attr(byName(res.doc(t), "version"), "value")
	res = form(t, c, ts.URL+settings, url.Values{"version": {version}, "name": {"Friedhofssatzung 2026"}, "status": {"active"},
		"description": {"# Plan\n\n<script>alert(1)</script>"}})
	wantRedirect(t, res, overview)
	res = get(t, c, ts.URL+overview)
	if body := res.text(); !strings.Contains(body, "<h1>Friedhofssatzung 2026</h1>") || strings.Contains(body, "<script>alert") {
		t.Errorf("overview after edit lacks the new name or renders raw HTML")
	}
	res = form(t, c, ts.URL+settings, url.Values{"version": {version}, "name": {"Zu spät"}, "status": {"active"}})
	wantStatus(t, res, http.StatusConflict)

	res = form(t, c, ts.URL+overview+"/members", url.Values{"member_username": {"niemand"}, "member_role": {"member"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if byID(res.doc(t), "e-member_username") == nil {
		t.Error("unknown member name: no field error")
	}
	res = form(t, c, ts.URL+overview+"/members", url.Values{"member_username": {"max.mitarbeit"}, "member_role": {"manager"}})
	wantRedirect(t, res, settings)
	res = form(t, c, ts.URL+overview+"/statuses", url.Values{"column_name": {"Warten"}, "column_category": {"in_progress"}, "column_wip_limit": {"x"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	res = form(t, c, ts.URL+overview+"/statuses", url.Values{"column_name": {"Warten"}, "column_category": {"in_progress"}, "column_wip_limit": {"3"}})
	wantRedirect(t, res, settings)
	res = form(t, c, ts.URL+overview+"/milestones", url.Values{"milestone_title": {"Ratsbeschluss"}, "milestone_due_date": {"2026-06-30"}})
	wantRedirect(t, res, settings)
	res = form(t, c, ts.URL+overview+"/labels", url.Values{"label_name": {"Rat"}, "label_color": {"#123456"}})
	wantRedirect(t, res, settings)
	res = get(t, c, ts.URL+settings)
	doc = res.doc(t)
	if n := len(byTag(byID(doc, "columns-table"), atom.Tr)) - 1; n != 5 {
		t.Errorf("columns table has %d rows; want 5", n)
	}
	if byID(doc, "milestones-table") == nil || byID(doc, "labels-table") == nil {
		t.Error("settings lack the milestones or labels table")
	}
	if !strings.Contains(textOf(byID(doc, "members-table")), "Max Mitarbeit") {
		t.Error("the new member is not listed")
	}
	if n := len(auditRecords(t, ts, "project.member_set")); n != 1 {
		t.Errorf("%d project.member_set records; want 1", n)
	}

	// Another employee reads the project but cannot open the settings.
	other := createUser(t, ts, "olga.other", "Olga Other", actor.RoleEmployee)
	_ = other
	oc := loginFull(t, ts, "olga.other", testPassword)
	wantStatus(t, get(t, oc, ts.URL+overview), http.StatusOK)
	wantStatus(t, get(t, oc, ts.URL+settings), http.StatusForbidden)
}

// TestProjectSettingsRowsRefusedAtField posts the edit forms of a column,
// a milestone and a label row emptied, as a browser does once the forms
// are novalidate: 422 with the German message at that row's field (ids
// f-column-<id>-name …), the emptied value kept in the field, nothing
// changed. An emptied milestone date is refused, not ignored.
func TestProjectSettingsRowsRefusedAtField(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	paula := createUser(t, ts, "paula.projekt", "Paula Projekt", actor.RoleEmployee)
	c := loginFull(t, ts, "paula.projekt", testPassword)
	a := actor.Actor{UserID: paula.ID, Username: paula.Username, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
	ctx := t.Context()
	p, err := ts.Project.Create(ctx, a, project.NewProject{Name: "Spielplatzsanierung"})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := ts.Project.CreateMilestone(ctx, a, p.ID, project.NewMilestone{Title: "Ausschreibung", Due: civil.D(2026, 9, 30)})
	if err != nil {
		t.Fatal(err)
	}
	label, err := ts.Project.CreateLabel(ctx, a, p.ID, "Tiefbau", "#336699")
	if err != nil {
		t.Fatal(err)
	}
	st, err := ts.Project.Structure(ctx, a, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	col := st.Columns[0]
	base := fmt.Sprintf("%s/projects/%d", ts.URL, p.ID)

	tests := []struct {
		name, path string
		values     url.Values
		field      string
		code       string
	}{
		{"column name", fmt.Sprintf("/statuses/%d", col.ID), url.Values{"name": {" "}, "category": {string(col.Category)}, "wip_limit": {""}},
			fmt.Sprintf("column-%d-name", col.ID), "invalid_status_name"},
		{"column WIP limit", fmt.Sprintf("/statuses/%d", col.ID), url.Values{"name": {col.Name}, "category": {string(col.Category)}, "wip_limit": {"viele"}},
			fmt.Sprintf("column-%d-wip_limit", col.ID), "invalid_wip_limit"},
		{"milestone title", fmt.Sprintf("/milestones/%d", ms.ID), url.Values{"title": {""}, "due_date": {"2026-09-30"}},
			fmt.Sprintf("milestone-%d-title", ms.ID), "invalid_milestone_title"},
		{"milestone date", fmt.Sprintf("/milestones/%d", ms.ID), url.Values{"title": {"Ausschreibung"}, "due_date": {""}},
			fmt.Sprintf("milestone-%d-due_date", ms.ID), "invalid_milestone_due"},
		{"label name", fmt.Sprintf("/labels/%d", label.ID), url.Values{"name": {""}, "color": {"#336699"}},
			fmt.Sprintf("label-%d-name", label.ID), "invalid_label_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := form(t, c, base+tt.path, tt.values)
			wantFieldError(t, tt.name, res, tt.field, tt.code)
			param := tt.field[strings.LastIndex(tt.field, "-")+1:]
			if got := attr(byID(res.doc(t), "f-"+tt.field), "value"); got != tt.values.Get(param) {
				t.Errorf("the refused field shows %q, want what was sent, %q", got, tt.values.Get(param))
			}
		})
	}
	after, err := ts.Project.Structure(ctx, a, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Columns[0].Name != col.Name || after.Milestones[0].Due != ms.Due || after.Milestones[0].Title != ms.Title || after.Labels[0].Name != label.Name {
		t.Errorf("refused forms changed the project: %+v %+v %+v", after.Columns[0], after.Milestones[0], after.Labels[0])
	}
}
