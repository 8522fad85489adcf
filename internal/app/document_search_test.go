package app_test

// Full-text search over documents through the JSON API
// (searchDocuments) and the plain HTML page /documents/search.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ortlos/internal/actor"
	"ortlos/internal/blob"
	"ortlos/internal/db"
	"ortlos/internal/document"
	"ortlos/internal/identity"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, emp identity.User) []string {
		f := dsFiles(t, ts.DB, ts.Document, "dsa")
		// The administrator searches as the role admin reads file A.
		if _, err := ts.Document.SetFolderGrants(t.Context(), actor.CLI(), f.a, []document.Grant{
			{Kind: document.PrincipalRole, Principal: actor.RoleAdmin, Access: document.AccessRead}}, nil); err != nil {
			t.Fatal(err)
		}
		dsDoc(t, ts.DB, ts.Blobs, f.a, "Meldebescheinigung Muster", "text/plain", "Die Meldebescheinigung wird Ihnen zugesandt.")
		dsIndex(t, ts.Document)
		return []string{"/documents/search", "/documents/search?q=Meldebescheinigung", "/documents/search?q=Kaffeemaschine",
			fmt.Sprintf("/documents/search?q=Meldebescheinigung&folder_id=%d&state=draft&from=2020-01-01&to=2030-12-31", f.a)}
	})
}

// dsFolders are a plan position and two files below it.
type dsFolders struct{ plan, a, b int64 }

// dsFiles creates the plan position "<prefix>" with the files a and b.
func dsFiles(t *testing.T, d *db.DB, svc *document.Service, prefix string) dsFolders {
	t.Helper()
	ctx := t.Context()
	plan, err := svc.CreateFolder(ctx, actor.CLI(), document.NewFolder{Kind: document.FolderPlan, Reference: prefix, Title: "Bürgeramt"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := svc.CreateFolder(ctx, actor.CLI(), document.NewFolder{ParentID: plan.ID, Kind: document.FolderFile, Reference: prefix + ".1", Title: "Meldewesen"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.CreateFolder(ctx, actor.CLI(), document.NewFolder{ParentID: plan.ID, Kind: document.FolderFile, Reference: prefix + ".2", Title: "Fundsachen"})
	if err != nil {
		t.Fatal(err)
	}
	return dsFolders{plan: plan.ID, a: a.ID, b: b.ID}
}

// dsGrant gives user read access to folder.
func dsGrant(t *testing.T, svc *document.Service, folder, user int64) {
	t.Helper()
	if _, err := svc.SetFolderGrants(t.Context(), actor.CLI(), folder, []document.Grant{
		{Kind: document.PrincipalUser, Principal: strconv.FormatInt(user, 10), Access: document.AccessRead}}, nil); err != nil {
		t.Fatal(err)
	}
}

// dsDoc files a document with a first version of content by plain SQL
// and returns its id.
func dsDoc(t *testing.T, d *db.DB, store blob.Store, folder int64, title, mime, content string) int64 {
	t.Helper()
	ctx := context.Background()
	info, err := store.Put(ctx, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	now := db.T(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	var id int64
	err = d.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO documents (folder_id, title, author, document_date, fields, state, current_version,
			created_at, updated_at) VALUES (?, ?, 'Sachbearbeitung', '2026-03-02', '{}', 'draft', 1, ?, ?) RETURNING id`,
			folder, title, now, now).Scan(&id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO document_versions (document_id, number, filename, mime_type, size, sha256, created_at)
			VALUES (?, 1, 'inhalt', ?, ?, ?, ?)`, id, mime, info.Size, info.SHA256, now)
		return err
	})
	if err != nil {
		t.Fatalf("document %s: %v", title, err)
	}
	return id
}

// dsIndex brings the search index up to date.
func dsIndex(t *testing.T, svc *document.Service) {
	t.Helper()
	for {
		n, err := svc.IndexPending(context.Background(), 0)
		if err != nil {
			t.Fatalf("IndexPending: %v", err)
		}
		if n == 0 {
			return
		}
	}
}

type dsPageJSON struct {
	Items []struct {
		ID              int64  `json:"id"`
		Title           string `json:"title"`
		FolderID        int64  `json:"folder_id"`
		FolderReference string `json:"folder_reference"`
		State           string `json:"state"`
		DocumentDate    string `json:"document_date"`
		CurrentVersion  int    `json:"current_version"`
		Snippet         []struct {
			Text  string `json:"text"`
			Match bool   `json:"match"`
		} `json:"snippet"`
	} `json:"items"`
	Total       int     `json:"total"`
	TotalCapped bool    `json:"total_capped"`
	NextCursor  *string `json:"next_cursor"`
}

func TestDocumentSearchAPI(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			s := apiStart(t, d)
			alice, aliceTok := s.apiUserWithToken(t, "alice", "read", actor.RoleEmployee)
			_, bobTok := s.apiUserWithToken(t, "bob", "write", actor.RoleEmployee)
			ali, bob := s.client(t, aliceTok), s.client(t, bobTok)
			f := dsFiles(t, s.DB, s.Document, "51")
			dsGrant(t, s.Document, f.plan, alice.ID)
			melde := dsDoc(t, s.DB, s.Blobs, f.a, "Anmeldung Lindenstraße 4", "text/plain",
				"Die Anmeldungen der Familie wurden am Montag bearbeitet. Meldebescheinigungen liegen bei.")
			fund := dsDoc(t, s.DB, s.Blobs, f.b, "Fundsache Geldbörse", "text/markdown", "# Fund\n\nEine **Geldbörse** mit Ausweis, gefunden in der Lindenstraße.")
			dsIndex(t, s.Document)

			var page dsPageJSON
			ali.call("GET", "/documents/search?q="+url.QueryEscape("Anmeldung"), nil).want(t, http.StatusOK, &page)
			if page.Total != 1 || len(page.Items) != 1 || page.Items[0].ID != melde || page.TotalCapped || page.NextCursor != nil {
				t.Fatalf("Anmeldung: %+v", page)
			}
			hit := page.Items[0]
			if hit.FolderID != f.a || hit.FolderReference != "51.1" || hit.State != "draft" || hit.DocumentDate != "2026-03-02" || hit.CurrentVersion != 1 {
				t.Errorf("hit %+v", hit)
			}
			var marked []string
			for _, p := range hit.Snippet {
				if p.Match {
					marked = append(marked, p.Text)
				}
			}
			if strings.Join(marked, "|") != "Anmeldungen" {
				t.Errorf("snippet %+v marks %v", hit.Snippet, marked)
			}

			// Both files, paged one by one; the folder filter; rights.
			ali.call("GET", "/documents/search?limit=1&q=Lindenstra%C3%9Fe", nil).want(t, http.StatusOK, &page)
			if page.Total != 2 || len(page.Items) != 1 || page.NextCursor == nil {
				t.Fatalf("page 1: %+v", page)
			}
			first := page.Items[0].ID
			ali.call("GET", "/documents/search?limit=1&q=Lindenstra%C3%9Fe&cursor="+*page.NextCursor, nil).want(t, http.StatusOK, &page)
			if len(page.Items) != 1 || page.Items[0].ID == first || page.NextCursor != nil {
				t.Fatalf("page 2: %+v", page)
			}
			ali.call("GET", fmt.Sprintf("/documents/search?q=Lindenstrasse&folder_id=%d", f.b), nil).want(t, http.StatusOK, &page)
			if page.Total != 1 || page.Items[0].ID != fund {
				t.Errorf("folder filter: %+v", page)
			}
			bob.call("GET", "/documents/search?q=Lindenstra%C3%9Fe", nil).want(t, http.StatusOK, &page)
			if page.Total != 0 || len(page.Items) != 0 {
				t.Errorf("bob without a grant finds %+v", page)
			}
			bob.call("GET", fmt.Sprintf("/documents/search?q=Fund&folder_id=%d", f.b), nil).problem(t, http.StatusNotFound, "not_found")

			for _, c := range []struct{ query, code string }{
				{"", "search_query_required"},
				{"q=", "search_query_required"},
				{"q=-Fund", "search_query_no_terms"},
				{"q=" + strings.Repeat("x", 501), "search_query_too_long"},
				{"q=Fund&folder_id=abc", "invalid_filter"},
				{"q=Fund&type_id=0", "invalid_filter"},
				{"q=Fund&state=lost", "invalid_filter"},
				{"q=Fund&from=2026-13-01", "invalid_filter"},
				{"q=Fund&from=2026-03-02&to=2026-03-01", "invalid_filter"},
				{"q=Fund&limit=101", "invalid_filter"},
				{"q=Fund&cursor=xyz", "invalid_cursor"},
			} {
				ali.call("GET", "/documents/search?"+c.query, nil).problem(t, http.StatusUnprocessableEntity, c.code)
			}
			s.client(t, "").call("GET", "/documents/search?q=Fund", nil).problem(t, http.StatusUnauthorized, "unauthenticated")

			// Searching is not audited.
			if n := countAuditActions(t, s.DB, "document.%"); n != 0 {
				t.Errorf("%d document audit records after searching", n)
			}
		})
	}
}

// countAuditActions counts audit records whose action is like pattern.
func countAuditActions(t *testing.T, d *db.DB, pattern string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log WHERE action LIKE ?`, pattern).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDocumentSearchPage(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	emp := createUser(t, ts, "erika.sucht", "Erika Sucht", actor.RoleEmployee)
	f := dsFiles(t, ts.DB, ts.Document, "52")
	dsGrant(t, ts.Document, f.plan, emp.ID)
	id := dsDoc(t, ts.DB, ts.Blobs, f.a, `Antrag <script>alert(1)</script>`, "text/plain",
		"Wir bestätigen den Eingang Ihrer Anträge <b>fett</b> vom 1. März.")
	for i := range 3 {
		dsDoc(t, ts.DB, ts.Blobs, f.b, fmt.Sprintf("Fundbuch Seite %d", i+1), "text/plain", "Eintrag im Fundbuch.")
	}
	dsIndex(t, ts.Document)
	c := loginFull(t, ts, "erika.sucht", testPassword)

	// The empty form: labelled fields, no results yet.
	res := get(t, c, ts.URL+"/documents/search")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	form := byID(doc, "search-form")
	if form == nil || attr(form, "method") != "get" || attr(form, "action") != "/documents/search" {
		t.Fatalf("search form missing: %s", res.text())
	}
	for _, name := range []string{"q", "folder_id", "type_id", "state", "from", "to"} {
		if byName(form, name) == nil || labelFor(doc, "f-"+name) == nil {
			t.Errorf("field %s without its label", name)
		}
	}
	if byID(doc, "search-results") != nil || byID(doc, "search-count") != nil {
		t.Error("results before searching")
	}

	// Results: title escaped, the match marked, the snippet's markup text.
	res = get(t, c, ts.URL+"/documents/search?q=Antrag&folder_id=&type_id=&state=&from=&to=")
	wantStatus(t, res, http.StatusOK)
	doc = res.doc(t)
	hit := byID(doc, fmt.Sprintf("hit-%d", id))
	if hit == nil {
		t.Fatalf("hit missing: %s", res.text())
	}
	link := firstTag(hit, atom.A)
	if attr(link, "href") != fmt.Sprintf("/documents/%d", id) || textOf(link) != "Antrag <script>alert(1)</script>" {
		t.Errorf("hit link %q %q", attr(link, "href"), textOf(link))
	}
	if len(findAll(doc, func(n *html.Node) bool {
		return n.Type == html.ElementNode && (n.DataAtom == atom.Script && textOf(n) == "alert(1)" || n.DataAtom == atom.B)
	})) != 0 {
		t.Error("markup from the title or the text became HTML")
	}
	marks := byTag(hit, atom.Mark)
	if len(marks) != 1 || textOf(marks[0]) != "Anträge" {
		t.Errorf("marks %d: %s", len(marks), res.text())
	}
	if got := textOf(byID(doc, "search-count")); got != "1 Treffer" {
		t.Errorf("count %q", got)
	}

	// Paging without JavaScript: next and back to the first page.
	res = get(t, c, ts.URL+"/documents/search?q=Fundbuch&limit=2")
	doc = res.doc(t)
	if n := len(byTag(byID(doc, "search-results"), atom.Li)); n != 2 {
		t.Fatalf("page 1 has %d hits", n)
	}
	next := byID(doc, "search-next")
	if next == nil {
		t.Fatalf("no next link: %s", res.text())
	}
	res = get(t, c, ts.URL+attr(next, "href"))
	doc = res.doc(t)
	if n := len(byTag(byID(doc, "search-results"), atom.Li)); n != 1 || byID(doc, "search-next") != nil || byID(doc, "search-first") == nil {
		t.Errorf("page 2: %d hits: %s", n, res.text())
	}

	// Nothing found; a bad query comes back with the form and its error.
	res = get(t, c, ts.URL+"/documents/search?q=Kaffeemaschine")
	wantStatus(t, res, http.StatusOK)
	if byID(res.doc(t), "search-empty") == nil {
		t.Errorf("no empty message: %s", res.text())
	}
	res = get(t, c, ts.URL+"/documents/search?q=")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc = res.doc(t)
	if errorSummary(doc) == nil || byID(doc, "e-q") == nil || attr(byID(doc, "f-q"), "aria-invalid") != "true" {
		t.Errorf("no error at the field: %s", res.text())
	}
	res = get(t, c, ts.URL+"/documents/search?q=Fund&folder_id=999999")
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if byID(res.doc(t), "e-folder_id") == nil {
		t.Errorf("no error at the folder: %s", res.text())
	}
}
