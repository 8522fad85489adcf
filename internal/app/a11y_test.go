package app_test

// Structural accessibility checks (BITV 2.0 / WCAG 2.1 AA) over every page
// a logged-in administrator and an anonymous visitor can reach: language,
// landmarks, one h1, labelled controls, unique ids, table captions and
// header scopes, image alternatives, and no untranslated catalogue keys.

import (
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
	checkServerValidated(t, page, doc)
	checkErrorSummary(t, page, doc)
}

// constraintAttrs are the attributes with which a browser checks a control
// itself and blocks the submission with its own pop-up; constraintTypes
// are the input types it checks.
var (
	constraintAttrs = []string{"required", "pattern", "min", "max", "minlength", "step"}
	constraintTypes = []string{"email", "url", "number"}
)

// browserChecked reports the first constraint by which a browser would
// validate the control n itself ("" when none).
func browserChecked(n *html.Node) string {
	switch n.DataAtom {
	case atom.Input, atom.Select, atom.Textarea:
	default:
		return ""
	}
	if hasAttr(n, "disabled") || (n.DataAtom == atom.Input && attr(n, "type") == "hidden") {
		return ""
	}
	for _, a := range constraintAttrs {
		if hasAttr(n, a) {
			return a
		}
	}
	if n.DataAtom == atom.Input && slices.Contains(constraintTypes, strings.ToLower(attr(n, "type"))) {
		return "type=" + attr(n, "type")
	}
	return ""
}

// checkServerValidated fails for a form whose controls the browser would
// validate (required, pattern, min/max, type=email …) unless the form has
// novalidate: without it Chromium blocks the submission with a pop-up in
// the browser's language and the page's German error summary, the message
// at the field and aria-invalid never appear. The convention: keep
// required (screen readers announce it), add novalidate, let the server
// answer 422 with the field errors. Controls outside a form that join it
// by form="id" count too.
func checkServerValidated(t *testing.T, page string, doc *html.Node) {
	t.Helper()
	for _, f := range byTag(doc, atom.Form) {
		if hasAttr(f, "novalidate") {
			continue
		}
		controls := findAll(f, func(n *html.Node) bool { return attr(n, "form") == "" })
		if id := attr(f, "id"); id != "" {
			controls = append(controls, findAll(doc, func(n *html.Node) bool { return attr(n, "form") == id })...)
		}
		for _, c := range controls {
			if why := browserChecked(c); why != "" {
				t.Errorf("%s: form action=%q has control %q (%s) but no novalidate; the browser would block it before the server's German error",
					page, attr(f, "action"), attr(c, "name"), why)
				break
			}
		}
	}
}

// checkErrorSummary allows one error summary per page, and its links must
// lead to an element of the page (the field in error).
func checkErrorSummary(t *testing.T, page string, doc *html.Node) {
	t.Helper()
	sums := findAll(doc, func(n *html.Node) bool { return slices.Contains(strings.Fields(attr(n, "class")), "error-summary") })
	if len(sums) > 1 {
		t.Errorf("%s: %d error summaries, want at most one", page, len(sums))
	}
	for _, s := range sums {
		for _, a := range byTag(s, atom.A) {
			if href := attr(a, "href"); strings.HasPrefix(href, "#") && byID(doc, href[1:]) == nil {
				t.Errorf("%s: error summary links to %s, which is not on the page", page, href)
			}
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

var (
	tmplForm       = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	tmplConstraint = regexp.MustCompile(`\s(required|pattern|min|max|minlength|step)[\s=>{]|type="(email|url|number)"|"required" true|"type" "(email|url|number)"`)
)

// TestPagesAccessibleFormTemplates makes the rule of checkServerValidated
// hold for the page templates themselves, so that a form on a page that
// TestPagesAccessible does not reach (a state it does not set up, a role
// it does not log in with) cannot slip through: every <form> of
// internal/**/pages and internal/web/templates with a control the browser
// validates (also "required" true given to a partial) has novalidate.
func TestPagesAccessibleFormTemplates(t *testing.T) {
	t.Parallel()
	var files []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if !d.IsDir() && strings.HasSuffix(path, ".html") &&
			(strings.HasSuffix(dir, "/pages") || strings.HasSuffix(dir, "/pages/partials") || strings.HasSuffix(dir, "/web/templates")) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("found only %d page templates below internal/", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		for _, m := range tmplForm.FindAllStringSubmatchIndex(src, -1) {
			tag, body := src[m[2]:m[3]], src[m[4]:m[5]]
			if strings.Contains(tag, "novalidate") {
				continue
			}
			if c := tmplConstraint.FindString(body); c != "" {
				t.Errorf("%s:%d: <form%s> has a control the browser validates (%s) but no novalidate",
					f, strings.Count(src[:m[0]], "\n")+1, tag, strings.TrimSpace(c))
			}
		}
	}
}

// wantFieldError checks the answer to a form the browser would have
// blocked and the server refused: 422, the page passes the accessibility
// checks (one error summary, its links lead to fields), the summary links
// to the control f-<field>, which is aria-invalid, and the German message
// of code stands at it (e-<field>).
func wantFieldError(t *testing.T, name string, res *result, field, code string) {
	t.Helper()
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc := res.doc(t)
	checkAccessible(t, name, doc, "de")
	sum := errorSummary(doc)
	if sum == nil {
		t.Errorf("%s: no error summary", name)
	} else if find(sum, func(n *html.Node) bool { return n.DataAtom == atom.A && attr(n, "href") == "#f-"+field }) == nil {
		t.Errorf("%s: error summary %q does not link to #f-%s", name, textOf(sum), field)
	}
	ctl := byID(doc, "f-"+field)
	if ctl == nil {
		t.Fatalf("%s: no control #f-%s on the refused form", name, field)
	}
	if attr(ctl, "aria-invalid") != "true" || !strings.Contains(attr(ctl, "aria-describedby"), "e-"+field) {
		t.Errorf("%s: #f-%s has aria-invalid=%q aria-describedby=%q", name, field, attr(ctl, "aria-invalid"), attr(ctl, "aria-describedby"))
	}
	if got, want := textOf(byID(doc, "e-"+field)), de.Error(code); got != want {
		t.Errorf("%s: message at the field = %q, want %q", name, got, want)
	}
}
