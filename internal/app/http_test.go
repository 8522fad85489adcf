package app_test

// End-to-end tests of the login pages over real HTTP, asserting on the
// parsed DOM.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ortlos/internal/actor"
	"ortlos/internal/config"
	"ortlos/internal/i18n"
	"ortlos/internal/web"
)

var (
	de = i18n.For("de")
	en = i18n.For("en")
)

// checkLabelled fails unless every visible form control in doc has an id and
// a label pointing to it, and returns the label texts by control name.
func checkLabelled(t *testing.T, doc *html.Node) map[string]string {
	t.Helper()
	labels := map[string]string{}
	for _, in := range findAll(doc, func(e *html.Node) bool {
		if hasAttr(e, "hidden") {
			return false // e.g. the username for password managers
		}
		return (e.DataAtom == atom.Input && attr(e, "type") != "hidden") || e.DataAtom == atom.Select || e.DataAtom == atom.Textarea
	}) {
		id := attr(in, "id")
		if id == "" {
			t.Errorf("control %q has no id", attr(in, "name"))
			continue
		}
		l := labelFor(doc, id)
		if l == nil {
			t.Errorf("control %q (#%s) has no label[for=%s]", attr(in, "name"), id, id)
			continue
		}
		labels[attr(in, "name")] = textOf(l)
	}
	return labels
}

func TestLoginPage(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	tests := []struct {
		name   string
		header []string
		lang   i18n.Localizer
	}{
		{"default German", nil, de},
		{"Accept-Language de", []string{"Accept-Language", "de-DE,de;q=0.9,en;q=0.5"}, de},
		{"Accept-Language en", []string{"Accept-Language", "en-GB,en;q=0.9"}, en},
		{"Accept-Language unknown", []string{"Accept-Language", "fr-FR"}, de},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := get(t, newClient(t, ts), ts.URL+"/login", tt.header...)
			wantStatus(t, res, http.StatusOK)
			checkLoginPage(t, res.doc(t), tt.lang)
		})
	}

	t.Run("language switch", func(t *testing.T) {
		c := newClient(t, ts)
		res := get(t, c, ts.URL+"/lang/en")
		wantRedirect(t, res, "/login")
		res = get(t, c, ts.URL+"/login")
		checkLoginPage(t, res.doc(t), en)
		// The cookie beats the browser's preference.
		res = get(t, c, ts.URL+"/login", "Accept-Language", "de")
		checkLoginPage(t, res.doc(t), en)
		wantRedirect(t, get(t, c, ts.URL+"/lang/de"), "/login")
		checkLoginPage(t, get(t, c, ts.URL+"/login").doc(t), de)
		wantStatus(t, get(t, c, ts.URL+"/lang/xx"), http.StatusNotFound)
	})
}

// checkLoginPage checks the structure and texts of the login form in lang.
func checkLoginPage(t *testing.T, doc *html.Node, l i18n.Localizer) {
	t.Helper()
	if got := pageLang(doc); got != l.Lang {
		t.Errorf("html lang = %q, want %q", got, l.Lang)
	}
	if got, want := h1(doc), l.T("login.title"); got != want {
		t.Errorf("h1 = %q, want %q", got, want)
	}
	if got := textOf(firstTag(doc, atom.Title)); !strings.HasPrefix(got, l.T("login.title")) || !strings.Contains(got, testOrgName) {
		t.Errorf("title = %q, want the page title and the organisation", got)
	}
	f := find(doc, func(e *html.Node) bool { return e.DataAtom == atom.Form && attr(e, "action") == "/login" })
	if f == nil || !strings.EqualFold(attr(f, "method"), "post") {
		t.Fatalf("no <form method=post action=/login>")
	}
	labels := checkLabelled(t, f)
	want := map[string]string{"username": l.T("login.username"), "password": l.T("login.password")}
	if !mapsEqual(labels, want) {
		t.Errorf("labels = %v, want %v", labels, want)
	}
	user, pw := byName(f, "username"), byName(f, "password")
	if attr(user, "autocomplete") != "username" || !hasAttr(user, "required") || !hasAttr(user, "autofocus") {
		t.Errorf("username input attributes = %v", user.Attr)
	}
	if attr(pw, "type") != "password" || attr(pw, "autocomplete") != "current-password" || hasAttr(pw, "value") {
		t.Errorf("password input attributes = %v", pw.Attr)
	}
	if next := byName(f, "next"); attr(next, "type") != "hidden" || attr(next, "value") != "/" {
		t.Errorf("next field = %v, want hidden with value /", next)
	}
	btn := firstTag(f, atom.Button)
	if attr(btn, "type") != "submit" || textOf(btn) != l.T("login.submit") {
		t.Errorf("submit button = %q (type %q), want %q", textOf(btn), attr(btn, "type"), l.T("login.submit"))
	}
	// Anonymous visitors see no navigation, but the other language.
	if nav := firstTag(doc, atom.Nav); nav != nil {
		t.Errorf("login page shows navigation %q", textOf(nav))
	}
	other := "en"
	if l.Lang == "en" {
		other = "de"
	}
	if a := find(doc, func(e *html.Node) bool { return e.DataAtom == atom.A && attr(e, "hreflang") == other }); attr(a, "href") != "/lang/"+other {
		t.Errorf("no link to /lang/%s", other)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// loginError posts a login and checks the error page it must answer with;
// it returns the text of the error summary.
func loginError(t *testing.T, ts *testServer, c *http.Client, username, password string, header ...string) string {
	t.Helper()
	res := form(t, c, ts.URL+"/login", url.Values{"username": {username}, "password": {password}}, header...)
	wantStatus(t, res, http.StatusUnauthorized)
	for _, ck := range res.Cookies() {
		if ck.Name == ts.Server.SessionCookieName() && ck.Value != "" {
			t.Errorf("failed login sets a session cookie")
		}
	}
	doc := res.doc(t)
	sum := errorSummary(doc)
	if sum == nil {
		t.Fatalf("failed login: no error summary:\n%s", res.body)
	}
	if attr(sum, "role") != "alert" {
		t.Errorf("error summary role = %q, want alert", attr(sum, "role"))
	}
	if got := attr(byID(doc, "f-username"), "value"); got != username {
		t.Errorf("username field value = %q, want %q kept", got, username)
	}
	if pw := byID(doc, "f-password"); pw == nil || attr(pw, "value") != "" {
		t.Errorf("password field = %v, want present and empty", pw)
	}
	return textOf(sum)
}

func TestWrongPassword(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	createUser(t, ts, "erika.mustermann", "Erika Mustermann")
	c := newClient(t, ts)
	got := loginError(t, ts, c, "erika.mustermann", "falsches-Passwort-123")
	if want := de.Error("invalid_credentials"); got != want {
		t.Errorf("error summary = %q, want %q", got, want)
	}
	if !strings.HasPrefix(got, "Anmeldung fehlgeschlagen") {
		t.Errorf("error summary %q is not German", got)
	}
	if n := countRows(t, ts, "sessions", ""); n != 0 {
		t.Errorf("%d sessions after a failed login, want 0", n)
	}
	if recs := auditRecords(t, ts, "auth.login_failed"); len(recs) != 1 {
		t.Errorf("%d auth.login_failed records, want 1", len(recs))
	}
}

// apiRoute reports whether the API operation is registered.
func apiRoute(ts *testServer, method, path string) bool {
	return slices.ContainsFunc(ts.Server.Routes(), func(r web.Route) bool { return r.Method == method && r.Path == path })
}

// problem decodes a problem+json answer.
func problem(t *testing.T, r *result) web.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s: Content-Type %q, want application/problem+json; body %s", r.Request.URL.Path, ct, r.body)
	}
	var p web.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("%s: decode problem: %v", r.Request.URL.Path, err)
	}
	return p
}

var recoveryCodeRE = regexp.MustCompile(`^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$`)

func TestLoginWithEnrolmentAndLogout(t *testing.T) {
	for _, d := range dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, withDialect(d))
			const username = "erika.mustermann"
			createUser(t, ts, username, "Erika Mustermann")
			c := newClient(t, ts)

			res := form(t, c, ts.URL+"/login", url.Values{"username": {"  Erika.Mustermann "}, "password": {testPassword}})
			wantRedirect(t, res, "/2fa/enrol")
			enrolToken := sessionCookie(t, ts, c)
			if enrolToken == "" {
				t.Fatal("no session cookie after the password step")
			}

			// A session that still has to enrol reaches only the
			// enrolment and the logout.
			for _, p := range []string{"/", "/login", "/profile", "/admin/users", "/audit"} {
				res := get(t, c, ts.URL+p)
				if res.StatusCode == http.StatusNotFound && p != "/" && p != "/login" {
					t.Logf("TODO: %s is not registered yet; skipped", p)
					continue
				}
				wantRedirect(t, res, "/2fa/enrol")
			}
			if apiRoute(ts, http.MethodGet, "/api/v1/me") {
				res := get(t, c, ts.URL+"/api/v1/me")
				wantStatus(t, res, http.StatusForbidden)
				if p := problem(t, res); p.Code != "mfa_enrolment_required" {
					t.Errorf("GET /api/v1/me in stage enrol: code %q, want mfa_enrolment_required", p.Code)
				}
			} else {
				t.Log("TODO: GET /api/v1/me is not registered yet; its enrolment check is skipped")
			}

			// The enrolment page.
			res = get(t, c, ts.URL+"/2fa/enrol")
			wantStatus(t, res, http.StatusOK)
			doc := res.doc(t)
			if got, want := h1(doc), de.T("enrol.title"); got != want {
				t.Errorf("h1 = %q, want %q", got, want)
			}
			img := find(doc, func(e *html.Node) bool { return e.DataAtom == atom.Img })
			if src := attr(img, "src"); !strings.HasPrefix(src, "data:image/png;base64,") || attr(img, "alt") == "" {
				t.Errorf("QR code image src %.40q alt %q, want a PNG data URI with alt text", src, attr(img, "alt"))
			}
			if labels := checkLabelled(t, doc); labels["code"] != de.T("enrol.code") {
				t.Errorf("code label = %q, want %q", labels["code"], de.T("enrol.code"))
			}
			if code := byName(doc, "code"); attr(code, "autocomplete") != "one-time-code" || attr(code, "inputmode") != "numeric" {
				t.Errorf("code input attributes = %v", code.Attr)
			}
			if firstTag(doc, atom.Nav) != nil {
				t.Error("enrolment page shows the navigation")
			}
			if find(doc, func(e *html.Node) bool { return e.DataAtom == atom.Form && attr(e, "action") == "/logout" }) == nil {
				t.Error("enrolment page offers no logout")
			}
			if textOf(byID(doc, "totp-secret")) == "" {
				t.Fatal("enrolment page shows no secret")
			}

			// A wrong code is refused with the field marked.
			res = form(t, c, ts.URL+"/2fa/enrol", url.Values{"code": {"000000x"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			doc = res.doc(t)
			if errorSummary(doc) == nil {
				t.Error("wrong code: no error summary")
			}
			if code := byID(doc, "f-code"); attr(code, "aria-invalid") != "true" || !strings.Contains(attr(code, "aria-describedby"), "e-code") {
				t.Errorf("wrong code: field not marked invalid: %v", code.Attr)
			}
			if byID(doc, "e-code") == nil {
				t.Error("wrong code: no field error message #e-code")
			}

			codes := enrol(t, ts, c, username)
			seen := map[string]bool{}
			for _, code := range codes {
				if !recoveryCodeRE.MatchString(code) || seen[code] {
					t.Errorf("recovery code %q malformed or repeated", code)
				}
				seen[code] = true
			}
			fullToken := sessionCookie(t, ts, c)
			if fullToken == "" || fullToken == enrolToken {
				t.Fatalf("session token after enrolment %q, want a new one", fullToken)
			}
			wantRedirect(t, get(t, withSessionCookie(t, ts, enrolToken), ts.URL+"/2fa/enrol"), "/login")

			// The start page greets the user.
			res = get(t, c, ts.URL+"/")
			wantStatus(t, res, http.StatusOK)
			doc = res.doc(t)
			if got, want := h1(doc), de.T("home.greeting", "Erika Mustermann"); got != want {
				t.Errorf("start page h1 = %q, want %q", got, want)
			}
			if nav := firstTag(doc, atom.Nav); nav == nil || attr(nav, "aria-label") == "" {
				t.Error("start page has no labelled navigation")
			}

			// Logging out clears the cookie and ends the session on the
			// server.
			res = form(t, c, ts.URL+"/logout", nil)
			wantRedirect(t, res, "/login")
			cleared := false
			for _, ck := range res.Cookies() {
				if ck.Name == ts.Server.SessionCookieName() && ck.MaxAge < 0 && ck.Value == "" {
					cleared = true
				}
			}
			if !cleared {
				t.Errorf("logout does not clear the session cookie: %v", res.Header.Values("Set-Cookie"))
			}
			if got := sessionCookie(t, ts, c); got != "" {
				t.Errorf("session cookie still in the jar after logout")
			}
			res = get(t, c, ts.URL+"/login")
			if f := find(res.doc(t), func(e *html.Node) bool { return attr(e, "role") == "status" }); textOf(f) != de.T("flash.logged_out") {
				t.Errorf("flash after logout = %q, want %q", textOf(f), de.T("flash.logged_out"))
			}
			replay := withSessionCookie(t, ts, fullToken)
			wantRedirect(t, get(t, replay, ts.URL+"/"), "/login")
			if n := countRows(t, ts, "sessions", ""); n != 0 {
				t.Errorf("%d sessions after logout, want 0", n)
			}
			if recs := auditRecords(t, ts, "auth.logout"); len(recs) != 1 {
				t.Errorf("%d auth.logout records, want 1", len(recs))
			}
		})
	}
}

func TestRecoveryCodeLogin(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	const username = "lukas.becker"
	createUser(t, ts, username, "Lukas Becker")
	codes := enrolOnly(t, ts, username)

	c := newClient(t, ts)
	res := form(t, c, ts.URL+"/login", url.Values{"username": {username}, "password": {testPassword}})
	wantRedirect(t, res, "/login/2fa")
	// The pending session opens nothing else.
	for _, p := range []string{"/", "/2fa/enrol"} {
		wantRedirect(t, get(t, c, ts.URL+p), "/login/2fa")
	}

	res = get(t, c, ts.URL+"/login/2fa?next=%2F")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if got, want := h1(doc), de.T("login2fa.title"); got != want {
		t.Errorf("h1 = %q, want %q", got, want)
	}
	link := find(doc, func(e *html.Node) bool {
		return e.DataAtom == atom.A && strings.HasPrefix(attr(e, "href"), "/login/recovery")
	})
	if link == nil {
		t.Fatal("code page has no link to the recovery code form")
	}
	res = get(t, c, ts.URL+attr(link, "href"))
	wantStatus(t, res, http.StatusOK)
	if labels := checkLabelled(t, res.doc(t)); labels["code"] != de.T("recovery.code") {
		t.Errorf("recovery code label = %q, want %q", labels["code"], de.T("recovery.code"))
	}

	// Codes are accepted with capitals and spaces, as people type them.
	res = form(t, c, ts.URL+"/login/recovery", url.Values{"code": {" " + strings.ToUpper(codes[0]) + " "}, "next": {"/"}})
	wantRedirect(t, res, "/")
	wantStatus(t, get(t, c, ts.URL+"/"), http.StatusOK)
	recs := auditRecords(t, ts, "auth.recovery_code_used")
	if len(recs) != 1 || !strings.Contains(recs[0].Detail, `"recovery_codes_left":9`) {
		t.Errorf("auth.recovery_code_used records = %+v, want one with 9 codes left", recs)
	}

	// A used code does not work again.
	c2 := newClient(t, ts)
	wantRedirect(t, form(t, c2, ts.URL+"/login", url.Values{"username": {username}, "password": {testPassword}}), "/login/2fa")
	res = form(t, c2, ts.URL+"/login/recovery", url.Values{"code": {codes[0]}, "next": {"/"}})
	wantStatus(t, res, http.StatusUnauthorized)
	if got := textOf(errorSummary(res.doc(t))); !strings.HasPrefix(got, de.Error("invalid_code")) {
		t.Errorf("reused recovery code: error %q, want %q", got, de.Error("invalid_code"))
	}
	// A fresh one does.
	wantRedirect(t, form(t, c2, ts.URL+"/login/recovery", url.Values{"code": {codes[1]}, "next": {"/"}}), "/")
}

// enrolOnly logs username in once to enrol TOTP, logs out again and returns
// the recovery codes.
func enrolOnly(t *testing.T, ts *testServer, username string) []string {
	t.Helper()
	c := newClient(t, ts)
	wantRedirect(t, form(t, c, ts.URL+"/login", url.Values{"username": {username}, "password": {testPassword}}), "/2fa/enrol")
	codes := enrol(t, ts, c, username)
	wantRedirect(t, form(t, c, ts.URL+"/logout", nil), "/login")
	return codes
}

func TestSetupLink(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	ctx := context.Background()
	token, _, err := ts.Identity.CreateSetupLink(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, ts)
	setupURL := ts.URL + "/setup/" + token

	res := get(t, c, setupURL)
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if got, want := h1(doc), de.T("setup.title"); got != want {
		t.Errorf("h1 = %q, want %q", got, want)
	}
	f := find(doc, func(e *html.Node) bool { return e.DataAtom == atom.Form && attr(e, "action") == "/setup/"+token })
	if f == nil {
		t.Fatal("no setup form posting to the link")
	}
	labels := checkLabelled(t, f)
	for _, name := range []string{"username", "display_name", "email", "password", "password_confirm"} {
		if labels[name] == "" {
			t.Errorf("setup form: no labelled field %q (labels %v)", name, labels)
		}
	}

	values := url.Values{
		"username": {"andreas.krueger"}, "display_name": {"Andreas Krüger"}, "email": {"andreas.krueger@musterstadt.example"},
		"password": {testPassword}, "password_confirm": {testPassword + "x"},
	}
	res = form(t, c, setupURL, values)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc = res.doc(t)
	if pc := byID(doc, "f-password_confirm"); attr(pc, "aria-invalid") != "true" {
		t.Errorf("password mismatch: confirmation field not marked invalid")
	}
	if got := attr(byID(doc, "f-display_name"), "value"); got != "Andreas Krüger" {
		t.Errorf("display name not kept after an error: %q", got)
	}
	if attr(byID(doc, "f-password"), "value") != "" {
		t.Error("password echoed back after an error")
	}
	if n := countRows(t, ts, "users", ""); n != 0 {
		t.Fatalf("%d users after a refused setup, want 0", n)
	}

	values.Set("password_confirm", testPassword)
	res = form(t, c, setupURL, values)
	wantRedirect(t, res, "/2fa/enrol")
	if sessionCookie(t, ts, c) == "" {
		t.Fatal("setup did not log the administrator in")
	}
	u, err := ts.Identity.GetUserByUsername(ctx, actor.CLI(), "andreas.krueger")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(u.Roles, []string{actor.RoleAdmin}) || u.DisplayName != "Andreas Krüger" {
		t.Errorf("created user = %+v, want an administrator Andreas Krüger", u)
	}
	// The administrator must enrol before anything else.
	wantRedirect(t, get(t, c, ts.URL+"/"), "/2fa/enrol")
	enrol(t, ts, c, "andreas.krueger")
	wantStatus(t, get(t, c, ts.URL+"/"), http.StatusOK)

	// The link works once.
	for _, r := range []*result{get(t, newClient(t, ts), setupURL), form(t, newClient(t, ts), setupURL, values)} {
		wantStatus(t, r, http.StatusNotFound)
		doc := r.doc(t)
		if got, want := h1(doc), de.T("error.not_found_title"); got != want {
			t.Errorf("%s used link: h1 %q, want %q", r.Request.Method, got, want)
		}
		if !strings.Contains(textOf(doc), de.Error("setup_link_invalid")) {
			t.Errorf("%s used link: page does not explain the link is invalid", r.Request.Method)
		}
	}
	if n := countRows(t, ts, "users", ""); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	if _, _, err := ts.Identity.CreateSetupLink(ctx); err == nil {
		t.Error("CreateSetupLink succeeded although an administrator exists")
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	c := newClient(t, ts)
	for _, tt := range []struct{ path, body string }{{"/healthz", "ok\n"}, {"/readyz", "ready\n"}} {
		res := get(t, c, ts.URL+tt.path)
		wantStatus(t, res, http.StatusOK)
		if res.text() != tt.body {
			t.Errorf("%s body = %q, want %q", tt.path, res.text(), tt.body)
		}
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	const token = "metrics-token-0123456789abcdef"
	t.Run("disabled", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t)
		c := newClient(t, ts)
		for _, auth := range []string{"", "Bearer ", "Bearer " + token} {
			wantStatus(t, get(t, c, ts.URL+"/metrics", "Authorization", auth), http.StatusNotFound)
		}
	})
	t.Run("token", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, withConfig(func(c *config.Config) { c.MetricsToken = token }))
		c := newClient(t, ts)
		loginError(t, ts, c, "niemand", "falsches-Passwort-123")
		for _, auth := range []string{"", "Bearer", "Bearer wrong-token-0123456789", "Basic " + token, token} {
			wantStatus(t, get(t, c, ts.URL+"/metrics", "Authorization", auth), http.StatusNotFound)
		}
		res := get(t, c, ts.URL+"/metrics", "Authorization", "Bearer "+token)
		wantStatus(t, res, http.StatusOK)
		metrics := map[string]string{}
		for line := range strings.Lines(res.text()) {
			// Label values may contain spaces ("POST /login"); the value
			// follows the last one.
			line = strings.TrimSpace(line)
			if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") {
				metrics[line[:i]] = line[i+1:]
			}
		}
		if got := metrics["ortlos_login_failures_total"]; got != "1" {
			t.Errorf("ortlos_login_failures_total = %q, want 1", got)
		}
		if got := metrics[`ortlos_http_requests_total{route="POST /login",method="POST",code="401"}`]; got != "1" {
			t.Errorf("failed login request count = %q, want 1; metrics:\n%s", got, res.text())
		}
	})
}
