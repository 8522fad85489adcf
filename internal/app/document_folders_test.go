package app_test

// The file plan (Aktenplan) through the JSON API and the plain HTML
// pages: plan positions and files, generated references, grants with
// inheritance, closing a file, retention that never shortens, document
// types.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ortlos/internal/actor"
	"ortlos/internal/db"
	"ortlos/internal/document"
	"ortlos/internal/identity"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, emp identity.User) []string {
		ctx := t.Context()
		a := actor.CLI()
		plan, err := ts.Document.CreateFolder(ctx, a, document.NewFolder{Kind: document.FolderPlan, Reference: "32", Title: "Bürgeramt"})
		if err != nil {
			t.Fatal(err)
		}
		file, err := ts.Document.CreateFolder(ctx, a, document.NewFolder{ParentID: plan.ID, Kind: document.FolderFile, Title: "Meldewesen",
			Description: "An- und Abmeldungen"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ts.Document.SetFolderGrants(ctx, a, file.ID, []document.Grant{
			{Kind: document.PrincipalUser, Principal: strconv.FormatInt(emp.ID, 10), Access: document.AccessManage},
			{Kind: document.PrincipalRole, Principal: actor.RoleRecords, Access: document.AccessRead}}, nil); err != nil {
			t.Fatal(err)
		}
		typ, err := ts.Document.CreateDocType(ctx, a, document.NewDocType{Name: "Bescheid", Fields: []document.DocField{
			{Key: "zustellung", Label: "Zugestellt am", Kind: document.FieldDate, Required: true}}})
		if err != nil {
			t.Fatal(err)
		}
		return []string{"/documents", fmt.Sprintf("/documents/folders/%d", plan.ID), fmt.Sprintf("/documents/folders/%d", file.ID),
			fmt.Sprintf("/documents/folders/%d/edit", file.ID), fmt.Sprintf("/documents/folders/%d/grants", file.ID),
			"/documents/types", fmt.Sprintf("/documents/types/%d", typ.ID)}
	})
}

type apiFolderJSON struct {
	ID               int64   `json:"id"`
	ParentID         *int64  `json:"parent_id"`
	Kind             string  `json:"kind"`
	Reference        string  `json:"reference"`
	Title            string  `json:"title"`
	RetentionClassID *int64  `json:"retention_class_id"`
	InheritAccess    bool    `json:"inherit_access"`
	State            string  `json:"state"`
	ClosedAt         *string `json:"closed_at"`
	Version          int     `json:"version"`
	Access           string  `json:"access"`
	Depth            *int    `json:"depth"`
}

type apiFolderDetailJSON struct {
	apiFolderJSON
	Path     []apiFolderJSON `json:"path"`
	Children []apiFolderJSON `json:"children"`
	Grants   []struct {
		Kind      string `json:"kind"`
		Principal string `json:"principal"`
		Access    string `json:"access"`
		Name      string `json:"name"`
	} `json:"grants"`
	Retention *struct {
		ClassID   int64  `json:"class_id"`
		Years     int    `json:"years"`
		Inherited bool   `json:"inherited"`
		Trigger   string `json:"trigger"`
	} `json:"retention"`
	Rights struct {
		StructureOnly bool `json:"structure_only"`
		Close         bool `json:"close"`
		Grants        bool `json:"grants"`
	} `json:"rights"`
}

// dfRetentionClass inserts a retention class of years and returns its id.
func dfRetentionClass(t *testing.T, d *db.DB, code string, years int) int64 {
	t.Helper()
	var id int64
	err := d.InTx(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRowContext(context.Background(), `INSERT INTO retention_classes (code, name, years, trigger, legal_basis, created_at, updated_at)
			VALUES (?, ?, ?, 'file_closed', '', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z') RETURNING id`, code, code, years).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestDocumentFoldersAPI(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			s := apiStart(t, d)
			_, ritaTok := s.apiUserWithToken(t, "rita", "write", actor.RoleRecords, actor.RoleEmployee)
			alice, aliceTok := s.apiUserWithToken(t, "alice", "write", actor.RoleEmployee)
			_, bobTok := s.apiUserWithToken(t, "bob", "write", actor.RoleEmployee)
			_, readTok := s.apiUserWithToken(t, "rolf", "read", actor.RoleRecords)
			rita, ali, bob, reader := s.client(t, ritaTok), s.client(t, aliceTok), s.client(t, bobTok), s.client(t, readTok)
			class6, class10 := dfRetentionClass(t, s.DB, "TEST-API-6", 6), dfRetentionClass(t, s.DB, "TEST-API-10", 10)

			var plan, file apiFolderJSON
			rita.call("POST", "/document-folders", map[string]any{"kind": "plan", "reference": "61", "title": "Bauordnung",
				"retention_class_id": class10}).want(t, http.StatusCreated, &plan)
			if plan.Kind != "plan" || plan.Reference != "61" || plan.Access != "none" || plan.RetentionClassID == nil || *plan.RetentionClassID != class10 {
				t.Errorf("plan %+v", plan)
			}
			ali.call("POST", "/document-folders", map[string]any{"kind": "plan", "reference": "62", "title": "x"}).problem(t, http.StatusForbidden, "file_plan_admin_required")
			reader.call("POST", "/document-folders", map[string]any{"kind": "plan", "reference": "62", "title": "x"}).problem(t, http.StatusForbidden, "token_scope")
			rita.call("POST", "/document-folders", map[string]any{"kind": "file", "title": "x"}).problem(t, http.StatusUnprocessableEntity, "folder_parent_required")
			rita.call("POST", "/document-folders", map[string]any{"kind": "plan", "reference": "61", "title": "x"}).problem(t, http.StatusConflict, "folder_reference_taken")
			rita.call("POST", "/document-folders", map[string]any{"kind": "file", "parent_id": plan.ID, "title": "Neubau Lindenstraße 4"}).want(t, http.StatusCreated, &file)
			if file.Reference != "61-1" || file.ParentID == nil || *file.ParentID != plan.ID || file.RetentionClassID != nil || !file.InheritAccess {
				t.Errorf("file %+v", file)
			}
			filePath := fmt.Sprintf("/document-folders/%d", file.ID)

			// Visibility: nothing for alice without a grant, the structure for
			// records management.
			var list struct {
				Items []apiFolderJSON `json:"items"`
			}
			ali.call("GET", "/document-folders", nil).want(t, http.StatusOK, &list)
			if len(list.Items) != 0 {
				t.Errorf("alice sees %+v", list.Items)
			}
			ali.call("GET", filePath, nil).problem(t, http.StatusNotFound, "not_found")
			rita.call("GET", "/document-folders", nil).want(t, http.StatusOK, &list)
			if len(list.Items) != 2 || *list.Items[1].Depth != 1 || list.Items[1].Access != "none" {
				t.Errorf("records' tree %+v", list.Items)
			}

			// Grants.
			p := rita.call("PUT", filePath+"/grants", map[string]any{"items": []map[string]any{{"kind": "user", "principal": "99999", "access": "read"}}}).
				problem(t, http.StatusUnprocessableEntity, "grant_principal_unknown")
			if p.Errors["items.0"] != "grant_principal_unknown" {
				t.Errorf("problem errors %v", p.Errors)
			}
			rita.call("PUT", filePath+"/grants", map[string]any{"items": []map[string]any{{"kind": "user", "principal": "1", "access": "all"}}}).
				problem(t, http.StatusUnprocessableEntity, "invalid_grant_access")
			var grants struct {
				InheritAccess bool `json:"inherit_access"`
				Items         []struct {
					Kind, Principal, Access, Name string
				} `json:"items"`
			}
			rita.call("PUT", filePath+"/grants", map[string]any{"inherit_access": true, "items": []map[string]any{
				{"kind": "user", "principal": strconv.FormatInt(alice.ID, 10), "access": "manage"},
				{"kind": "role", "principal": "records", "access": "read"}}}).want(t, http.StatusOK, &grants)
			if len(grants.Items) != 2 || grants.Items[0].Kind != "role" || grants.Items[1].Name != "Alice" || !grants.InheritAccess {
				t.Errorf("grants %+v", grants)
			}
			bob.call("GET", filePath+"/grants", nil).problem(t, http.StatusNotFound, "not_found")
			ali.call("GET", filePath+"/grants", nil).want(t, http.StatusOK, &grants)

			var detail apiFolderDetailJSON
			ali.call("GET", filePath, nil).want(t, http.StatusOK, &detail)
			if detail.Access != "manage" || len(detail.Path) != 0 || len(detail.Grants) != 2 || detail.Retention == nil || detail.Retention.Years != 10 ||
				!detail.Retention.Inherited || !detail.Rights.Close {
				t.Errorf("alice's detail %+v", detail)
			}
			rita.call("GET", fmt.Sprintf("/document-folders/%d", plan.ID), nil).want(t, http.StatusOK, &detail)
			if !detail.Rights.StructureOnly || len(detail.Children) != 1 || detail.Retention == nil || detail.Retention.Inherited {
				t.Errorf("records' detail of the plan position %+v", detail)
			}

			// Changes.
			var up apiFolderJSON
			ali.call("PATCH", filePath, map[string]any{"title": "x"}).problem(t, http.StatusUnprocessableEntity, "invalid_filter")
			ali.call("PATCH", filePath, map[string]any{"version": 1, "title": "Neubau Lindenstraße 4a"}).want(t, http.StatusOK, &up)
			if up.Version != 2 || up.Title != "Neubau Lindenstraße 4a" {
				t.Errorf("updated %+v", up)
			}
			ali.call("PATCH", filePath, map[string]any{"version": 1, "title": "x"}).problem(t, http.StatusConflict, "folder_stale")
			ali.call("PATCH", filePath, map[string]any{"version": 2, "reference": "61-9"}).problem(t, http.StatusForbidden, "file_plan_admin_required")
			rita.call("PATCH", filePath, map[string]any{"version": 2, "retention_class_id": class6}).want(t, http.StatusOK, &up)
			rita.call("PATCH", filePath, map[string]any{"version": 3, "retention_class_id": nil}).want(t, http.StatusOK, &up)
			if up.RetentionClassID != nil {
				t.Errorf("class not cleared: %+v", up)
			}
			var docID int64
			if err := s.DB.InTx(context.Background(), func(tx *db.Tx) error {
				return tx.QueryRowContext(context.Background(), `INSERT INTO documents (folder_id, title, created_at, updated_at)
					VALUES (?, 'Bauantrag', '2026-03-02T08:00:00Z', '2026-03-02T08:00:00Z') RETURNING id`, file.ID).Scan(&docID)
			}); err != nil {
				t.Fatal(err)
			}
			rita.call("PATCH", fmt.Sprintf("/document-folders/%d", plan.ID), map[string]any{"version": plan.Version, "retention_class_id": class6}).
				problem(t, http.StatusConflict, "retention_shortened")

			// Closing.
			bob.call("POST", filePath+"/close", nil).problem(t, http.StatusNotFound, "not_found")
			rita.call("POST", fmt.Sprintf("/document-folders/%d/close", plan.ID), nil).problem(t, http.StatusNotFound, "not_found")
			var closed apiFolderJSON
			ali.call("POST", filePath+"/close", nil).want(t, http.StatusOK, &closed)
			if closed.State != "closed" || closed.ClosedAt == nil {
				t.Errorf("closed %+v", closed)
			}
			ali.call("POST", filePath+"/close", nil).problem(t, http.StatusConflict, "folder_closed")
			ali.call("PATCH", filePath, map[string]any{"version": closed.Version, "title": "x"}).problem(t, http.StatusConflict, "folder_closed")
			if n := countAPIRows(t, s, "documents", "id = ? AND state = 'closed'", docID); n != 1 {
				t.Errorf("document not closed with its file")
			}

			// Document types.
			var typ struct {
				ID     int64  `json:"id"`
				Name   string `json:"name"`
				Fields []struct {
					Key      string `json:"key"`
					Kind     string `json:"kind"`
					Required bool   `json:"required"`
				} `json:"fields"`
				RetentionClassID *int64 `json:"retention_class_id"`
			}
			rita.call("POST", "/document-types", map[string]any{"name": "Rechnung", "retention_class_id": class10, "fields": []map[string]any{
				{"key": "betrag", "label": "Betrag", "kind": "number", "required": true}}}).want(t, http.StatusCreated, &typ)
			if typ.Name != "Rechnung" || len(typ.Fields) != 1 || typ.Fields[0].Kind != "number" || !typ.Fields[0].Required {
				t.Errorf("type %+v", typ)
			}
			rita.call("POST", "/document-types", map[string]any{"name": "Rechnung"}).problem(t, http.StatusConflict, "doc_type_name_taken")
			rita.call("POST", "/document-types", map[string]any{"name": "x", "fields": []map[string]any{{"key": "Betrag", "label": "x", "kind": "text"}}}).
				problem(t, http.StatusUnprocessableEntity, "invalid_doc_field_key")
			ali.call("POST", "/document-types", map[string]any{"name": "x"}).problem(t, http.StatusForbidden, "file_plan_admin_required")
			rita.call("PATCH", fmt.Sprintf("/document-types/%d", typ.ID), map[string]any{"retention_class_id": nil, "fields": []map[string]any{}}).
				want(t, http.StatusOK, &typ)
			if typ.RetentionClassID != nil || len(typ.Fields) != 0 {
				t.Errorf("updated type %+v", typ)
			}
			var types struct {
				Items []struct {
					Name string `json:"name"`
				} `json:"items"`
			}
			bob.call("GET", "/document-types", nil).want(t, http.StatusOK, &types)
			if len(types.Items) != 1 {
				t.Errorf("types %+v", types.Items)
			}

			for action, want := range map[string]int{"folder.create": 2, "folder.update": 3, "folder.grants": 1, "folder.close": 1,
				"doctype.create": 1, "doctype.update": 1} {
				if n := countAPIRows(t, s, "audit_log", "action = ?", action); n != want {
					t.Errorf("%d %s records; want %d", n, action, want)
				}
			}
		})
	}
}

// countAPIRows counts rows of table in the instance's database.
func countAPIRows(t *testing.T, s *apiServer, table, where string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table+" WHERE "+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var dfRawKey = regexp.MustCompile(`^(documents|folder|doctype|flash)\.[a-z0-9_.]+$`)

// dfCheckPage fails on untranslated catalogue keys of this module.
func dfCheckPage(t *testing.T, page string, doc *html.Node) {
	t.Helper()
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Type == html.TextNode }) {
		if s := strings.TrimSpace(n.Data); dfRawKey.MatchString(s) {
			t.Errorf("%s: untranslated catalogue key %q", page, s)
		}
	}
}

// dfFolderID reads the folder id from a redirect to /documents/folders/{id}.
func dfFolderID(t *testing.T, r *result) int64 {
	t.Helper()
	wantRedirect(t, r, "/documents/folders/")
	id, err := strconv.ParseInt(strings.TrimPrefix(r.location(), "/documents/folders/"), 10, 64)
	if err != nil {
		t.Fatalf("redirect %q", r.location())
	}
	return id
}

func TestDocumentFoldersUI(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	createUser(t, ts, "rita.registratur", "Rita Registratur", actor.RoleRecords, actor.RoleEmployee)
	alice := createUser(t, ts, "alice.amt", "Alice Amt", actor.RoleEmployee)
	createUser(t, ts, "carl.fremd", "Carl Fremd", actor.RoleEmployee)
	rita := loginFull(t, ts, "rita.registratur", testPassword)
	ali := loginFull(t, ts, "alice.amt", testPassword)
	carl := loginFull(t, ts, "carl.fremd", testPassword)

	// The file plan page with its nav entry and the form for the top level.
	res := get(t, rita, ts.URL+"/documents")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	dfCheckPage(t, "/documents", doc)
	if h := h1(doc); h != "Aktenplan" {
		t.Errorf("h1 %q", h)
	}
	if find(doc, func(n *html.Node) bool {
		return n.DataAtom == atom.A && attr(n, "href") == "/documents" && attr(n, "aria-current") == "page"
	}) == nil {
		t.Error("no current nav entry /documents")
	}
	if byID(doc, "plan-empty") == nil || byName(doc, "reference") == nil {
		t.Error("empty plan page without the create form")
	}
	res = form(t, rita, ts.URL+"/documents/folders", url.Values{"parent_id": {"0"}, "kind": {"plan"}, "reference": {"61"}, "title": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if errorSummary(res.doc(t)) == nil {
		t.Error("no error summary for an empty title")
	}
	plan := dfFolderID(t, form(t, rita, ts.URL+"/documents/folders", url.Values{"parent_id": {"0"}, "kind": {"plan"}, "reference": {"61"},
		"title": {"Bauordnung"}}))

	// A file below it from the plan position's page.
	res = get(t, rita, fmt.Sprintf("%s/documents/folders/%d", ts.URL, plan))
	wantStatus(t, res, http.StatusOK)
	doc = res.doc(t)
	dfCheckPage(t, "plan position", doc)
	if byID(doc, "folder-structure-only") == nil || byName(doc, "kind") == nil {
		t.Error("plan position page: no structure notice or kind select for records management")
	}
	file := dfFolderID(t, form(t, rita, ts.URL+"/documents/folders", url.Values{"parent_id": {strconv.FormatInt(plan, 10)}, "kind": {"file"},
		"title": {"Bauantrag Lindenstraße 4"}}))
	res = form(t, rita, ts.URL+"/documents/folders", url.Values{"parent_id": {strconv.FormatInt(plan, 10)}, "kind": {"plan"}, "reference": {"61-1"},
		"title": {"Doppelt"}})
	wantStatus(t, res, http.StatusConflict)
	filePage := fmt.Sprintf("%s/documents/folders/%d", ts.URL, file)

	// Alice gets manage access through the grants page.
	wantStatus(t, get(t, ali, filePage), http.StatusNotFound)
	res = get(t, rita, filePage+"/grants")
	wantStatus(t, res, http.StatusOK)
	dfCheckPage(t, "grants", res.doc(t))
	res = form(t, rita, filePage+"/grants", url.Values{"rows": {"0"}, "new_user": {"niemand"}, "new_user_access": {"read"}, "inherit_access": {"1"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantRedirect(t, form(t, rita, filePage+"/grants", url.Values{"rows": {"0"}, "new_user": {"alice.amt"}, "new_user_access": {"manage"},
		"new_role": {"records"}, "new_role_access": {"read"}, "inherit_access": {"1"}}), fmt.Sprintf("/documents/folders/%d/grants", file))
	gs, err := ts.Document.FolderGrants(t.Context(), actor.CLI(), file)
	if err != nil || len(gs) != 2 || gs[1].Principal != strconv.FormatInt(alice.ID, 10) || gs[1].Access != document.AccessManage {
		t.Fatalf("grants %+v, %v", gs, err)
	}
	// Removing the records row keeps alice.
	wantRedirect(t, form(t, rita, filePage+"/grants", url.Values{"rows": {"2"}, "kind_0": {"role"}, "principal_0": {"records"}, "access_0": {"read"},
		"remove_0": {"1"}, "kind_1": {"user"}, "principal_1": {strconv.FormatInt(alice.ID, 10)}, "access_1": {"manage"}, "inherit_access": {"1"}}), "/documents/folders/")
	if gs, _ := ts.Document.FolderGrants(t.Context(), actor.CLI(), file); len(gs) != 1 {
		t.Errorf("grants after removal %+v", gs)
	}

	// Alice sees the file, its (empty) documents, edits and closes it.
	res = get(t, ali, ts.URL+"/documents")
	doc = res.doc(t)
	if find(doc, func(n *html.Node) bool {
		return n.DataAtom == atom.A && attr(n, "href") == fmt.Sprintf("/documents/folders/%d", file)
	}) == nil {
		t.Error("alice's file plan lacks her file")
	}
	res = get(t, ali, filePage)
	wantStatus(t, res, http.StatusOK)
	doc = res.doc(t)
	dfCheckPage(t, "file", doc)
	if byID(doc, "folder-no-documents") == nil || byID(doc, "folder-new-document") == nil || byName(doc, "confirm") == nil {
		t.Error("file page lacks the documents section, the new-document link or the close form")
	}
	if got := textOf(byID(doc, "folder-access")); got != "Verwalten" {
		t.Errorf("access shown %q", got)
	}
	res = get(t, ali, filePage+"/edit")
	wantStatus(t, res, http.StatusOK)
	if byName(res.doc(t), "reference") != nil {
		t.Error("a manager is offered the reference")
	}
	res = form(t, ali, filePage+"/edit", url.Values{"version": {"1"}, "title": {""}, "description": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantRedirect(t, form(t, ali, filePage+"/edit", url.Values{"version": {"1"}, "title": {"Bauantrag Lindenstraße 4a"}, "description": {"Neubau"}}),
		fmt.Sprintf("/documents/folders/%d", file))
	res = form(t, ali, filePage+"/edit", url.Values{"version": {"1"}, "title": {"x"}, "description": {""}})
	wantStatus(t, res, http.StatusConflict)

	wantStatus(t, get(t, carl, filePage), http.StatusNotFound)
	wantStatus(t, form(t, carl, filePage+"/close", url.Values{"confirm": {"1"}}), http.StatusNotFound)
	wantStatus(t, form(t, ali, filePage+"/close", url.Values{}), http.StatusUnprocessableEntity)
	wantRedirect(t, form(t, ali, filePage+"/close", url.Values{"confirm": {"1"}}), fmt.Sprintf("/documents/folders/%d", file))
	res = get(t, ali, filePage)
	doc = res.doc(t)
	if byID(doc, "folder-closed-badge") == nil || byName(doc, "confirm") != nil || byID(doc, "folder-edit-link") != nil || byID(doc, "folder-new-document") != nil {
		t.Error("closed file still offers changes")
	}
	if byID(doc, "folder-export-link") == nil {
		t.Error("closed file without the archive package link for its manager")
	}
	wantStatus(t, get(t, ali, filePage+"/edit"), http.StatusConflict)
	if recs := auditRecords(t, ts, "folder.close"); len(recs) != 1 {
		t.Errorf("%d folder.close records", len(recs))
	}

	// Document types.
	res = get(t, ali, ts.URL+"/documents/types")
	wantStatus(t, res, http.StatusOK)
	if byName(res.doc(t), "name") != nil {
		t.Error("an employee is offered the document type form")
	}
	wantStatus(t, form(t, ali, ts.URL+"/documents/types", url.Values{"name": {"x"}}), http.StatusForbidden)
	res = form(t, rita, ts.URL+"/documents/types", url.Values{"name": {"Bescheid"}, "field_rows": {"3"}, "field_key_0": {"Zustellung"},
		"field_label_0": {"Zugestellt am"}, "field_kind_0": {"date"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	dfCheckPage(t, "invalid type form", res.doc(t))
	res = form(t, rita, ts.URL+"/documents/types", url.Values{"name": {"Bescheid"}, "field_rows": {"3"}, "field_key_0": {"zustellung"},
		"field_label_0": {"Zugestellt am"}, "field_kind_0": {"date"}, "field_required_0": {"1"}})
	wantRedirect(t, res, "/documents/types/")
	typePage := ts.URL + res.location()
	res = get(t, rita, typePage)
	wantStatus(t, res, http.StatusOK)
	doc = res.doc(t)
	dfCheckPage(t, "type", doc)
	if k := byName(doc, "field_key_0"); k == nil || attr(k, "value") != "zustellung" {
		t.Error("type page lacks the field row")
	}
	wantRedirect(t, form(t, rita, typePage+"/edit", url.Values{"name": {"Bescheid (Bauordnung)"}, "field_rows": {"4"}, "field_key_0": {"zustellung"},
		"field_label_0": {"Zugestellt am"}, "field_kind_0": {"date"}, "field_key_1": {"gebuehr"}, "field_label_1": {"Gebühr"}, "field_kind_1": {"number"}}),
		"/documents/types/")
	ts2, err := ts.Document.ListDocTypes(t.Context(), actor.CLI())
	if err != nil || len(ts2) != 1 || ts2[0].Name != "Bescheid (Bauordnung)" || len(ts2[0].Fields) != 2 || ts2[0].Fields[0].Required {
		t.Errorf("types %+v, %v", ts2, err)
	}
	res = get(t, ali, typePage)
	wantStatus(t, res, http.StatusOK)
	if byID(res.doc(t), "doctype-fields") == nil {
		t.Error("employee's type page lacks the field table")
	}
}
