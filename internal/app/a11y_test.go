package app_test

// Structural accessibility checks (BITV 2.0 / WCAG 2.1 AA) over every page
// a logged-in administrator and an anonymous visitor can reach: language,
// landmarks, one h1, labelled controls, unique ids, table captions and
// header scopes, image alternatives, and no untranslated catalogue keys.

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ortlos/internal/actor"
	"ortlos/internal/identity"
)

var rawKey = regexp.MustCompile(`^(err|flash|nav|layout|login|home|user|admin|profile|audit|enrol|codes|setup|role|org|worktime|work_models|finding|flexitime|team|report|timesheet|corrections|absence|project|task|board|workload|documents|folder|doctype|document|version|checkout|retention|hold|deletion|export|search)\.[a-z0-9_.]+$`)

func checkAccessible(t *testing.T, page string, doc *html.Node, lang string) {
	t.Helper()
	if got := pageLang(doc); got != lang {
		t.Errorf("%s: <html lang=%q>, want %q", page, got, lang)
	}
	if n := len(byTag(doc, atom.H1)); n != 1 {
		t.Errorf("%s: %d h1 elements, want exactly 1", page, n)
	}
	main := byID(doc, "main")
	if main == nil || main.DataAtom != atom.Main {
		t.Errorf("%s: no <main id=main> landmark", page)
	}
	if skip := find(doc, func(n *html.Node) bool { return n.DataAtom == atom.A && attr(n, "class") == "skip-link" }); skip == nil || attr(skip, "href") != "#main" {
		t.Errorf("%s: no skip link to #main", page)
	}
	checkLabelled(t, doc)
	seen := map[string]bool{}
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Type == html.ElementNode && hasAttr(n, "id") }) {
		if id := attr(n, "id"); seen[id] {
			t.Errorf("%s: id %q used twice", page, id)
		} else {
			seen[id] = true
		}
	}
	for _, tbl := range byTag(doc, atom.Table) {
		if firstTag(tbl, atom.Caption) == nil {
			t.Errorf("%s: table without caption", page)
		}
		for _, th := range byTag(tbl, atom.Th) {
			if attr(th, "scope") == "" {
				t.Errorf("%s: th %q without scope", page, textOf(th))
			}
		}
	}
	for _, img := range byTag(doc, atom.Img) {
		if !hasAttr(img, "alt") {
			t.Errorf("%s: img without alt", page)
		}
	}
	for _, b := range byTag(doc, atom.Button) {
		if strings.TrimSpace(textOf(b)) == "" && attr(b, "aria-label") == "" {
			t.Errorf("%s: button without text", page)
		}
	}
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Type == html.TextNode }) {
		if s := strings.TrimSpace(n.Data); rawKey.MatchString(s) {
			t.Errorf("%s: untranslated catalogue key %q on the page", page, s)
		}
	}
}

// a11yExtraPages lets the test files of later modules add their pages to
// TestPagesAccessible from an init function: each returns paths to check
// as the administrator, given the server and an employee it may use.
var a11yExtraPages []func(t *testing.T, ts *testServer, employee identity.User) []string

func TestPagesAccessible(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	createUser(t, ts, "anna.admin", "Anna Admin", actor.RoleAdmin)
	emp := createUser(t, ts, "bert.beschaeftigt", "Bert Beschäftigt", actor.RoleEmployee)
	ou, err := ts.Identity.CreateOrgUnit(t.Context(), actor.CLI(), identity.OrgUnitInput{Name: "Bürgeramt"})
	if err != nil {
		t.Fatal(err)
	}
	c := loginFull(t, ts, "anna.admin", testPassword)
	pages := []string{"/", "/profile", "/profile/2fa/reset", "/profile/2fa/recovery-codes",
		"/admin/users", "/admin/users/new", fmt.Sprintf("/admin/users/%d", emp.ID),
		"/admin/org-units", fmt.Sprintf("/admin/org-units/%d", ou.ID), "/admin/roles",
		"/audit", "/audit?action=auth.", "/worktime", "/worktime/month", "/worktime/month?year=2026&month=4", "/worktime/models", "/does-not-exist"}
	for _, extra := range a11yExtraPages {
		pages = append(pages, extra(t, ts, emp)...)
	}
	for _, lang := range []string{"de", "en"} {
		if lang == "en" {
			wantStatus(t, form(t, c, ts.URL+"/profile/language", map[string][]string{"language": {"en"}}), http.StatusSeeOther)
		}
		for _, p := range pages {
			res := get(t, c, ts.URL+p)
			if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNotFound {
				t.Errorf("%s: status %d", p, res.StatusCode)
				continue
			}
			checkAccessible(t, lang+" "+p, res.doc(t), lang)
		}
		// Forms with errors keep their structure.
		res := form(t, c, ts.URL+"/admin/users", map[string][]string{"username": {"X"}, "display_name": {""}})
		checkAccessible(t, lang+" invalid user form", res.doc(t), lang)
	}
	anon := newClient(t, ts)
	for _, p := range []string{"/login", "/setup/unknown", "/nothing-here"} {
		res := get(t, anon, ts.URL+p)
		checkAccessible(t, "anonymous "+p, res.doc(t), "de")
	}
	res := form(t, anon, ts.URL+"/login", map[string][]string{"username": {"anna.admin"}, "password": {"falsch-falsch-falsch"}})
	checkAccessible(t, "failed login", res.doc(t), "de")
}
