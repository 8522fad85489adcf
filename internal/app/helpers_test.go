package app_test

// The shared harness of the end-to-end tests of package app: a real server
// on 127.0.0.1:0 with its own database, HTTP clients with cookie jars, a
// complete login (password, second-factor enrolment or code) and helpers that
// parse pages into a DOM for assertions.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ortlos/internal/actor"
	"ortlos/internal/app"
	"ortlos/internal/audit"
	"ortlos/internal/clock"
	"ortlos/internal/config"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/identity"
	"ortlos/internal/identity/password"
	"ortlos/internal/identity/totp"
)

// TestMain starts the throwaway PostgreSQL server for the tests that ask
// for one. It is the only TestMain of package app_test.
func TestMain(m *testing.M) { dbtest.Main(m) }

// testOrgName is the organisation of every test server.
const testOrgName = "Stadt Musterstadt"

// testPassword is the password createUser gives users. It passes the
// password policy.
const testPassword = "Kastanienallee-Brunnen-17"

// testServer is a running ortlos instance with its own database.
type testServer struct {
	*app.Main
	// URL is the base URL, e.g. http://127.0.0.1:41234 (it shadows the
	// method Main.URL, which returns the same).
	URL string
	// Dir is the data folder.
	Dir string
	// Clock is the injected fake clock, or nil when the server runs on the
	// wall clock.
	Clock *clock.Fake
	// CACerts trusts the server's certificate when it serves TLS.
	CACerts *x509.CertPool

	mu  sync.Mutex
	mfa map[string]*mfaState // by username
}

// mfaState remembers what loginFull learned about a user's second factor, so
// later logins of the same user can answer the code prompt.
type mfaState struct {
	secret   []byte
	codes    []string // unused recovery codes
	lastStep int64    // last TOTP time step used
}

type serverSetup struct {
	dir     string
	edit    []func(*config.Config)
	clock   *clock.Fake
	dialect db.Dialect
	certs   *x509.CertPool
}

// serverOption changes how startServer builds the server.
type serverOption func(*serverSetup)

// withConfig edits the configuration before the server opens.
func withConfig(f func(*config.Config)) serverOption {
	return func(s *serverSetup) { s.edit = append(s.edit, f) }
}

// withClock injects a fake clock (Main.Clock).
func withClock(c *clock.Fake) serverOption {
	return func(s *serverSetup) { s.clock = c }
}

// withDataDir uses an existing data folder (with its SQLite database and
// secret key), e.g. one prepared by CLI commands.
func withDataDir(dir string) serverOption {
	return func(s *serverSetup) { s.dir = dir }
}

// withDialect runs the server on a fresh database of dialect d; with
// PostgreSQL the test is skipped when no server is available.
func withDialect(d db.Dialect) serverOption {
	return func(s *serverSetup) { s.dialect = d }
}

// withTLS serves HTTPS with the certificate and key files; pool verifies
// the certificate for newClient.
func withTLS(certFile, keyFile string, pool *x509.CertPool) serverOption {
	return func(s *serverSetup) {
		s.certs = pool
		s.edit = append(s.edit, func(c *config.Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	}
}

// dialects are the database dialects the end-to-end tests cover.
var dialects = []db.Dialect{db.SQLite, db.Postgres}

// startServer opens, binds and serves a new ortlos instance for t and stops
// it when the test ends. The configuration is config.Defaults() with a temp
// data folder, a SQLite database in it, the organisation "Stadt
// Musterstadt" and the cheapest allowed password hashing.
func startServer(t testing.TB, opts ...serverOption) *testServer {
	t.Helper()
	setup := serverSetup{dialect: db.SQLite}
	for _, o := range opts {
		o(&setup)
	}
	dir := setup.dir
	if dir == "" {
		dir = t.TempDir()
	}
	cfg := config.Defaults()
	cfg.Listen = "127.0.0.1:0"
	cfg.BaseURL = ""
	cfg.DataDir = dir
	cfg.DatabaseURL = "sqlite:" + filepath.Join(dir, "ortlos.db")
	cfg.SecretKeyFile = filepath.Join(dir, "secret.key")
	cfg.BlobDir = filepath.Join(dir, "blobs")
	cfg.OrgName = testOrgName
	cfg.ShutdownTimeout = 5 * time.Second
	if setup.dialect == db.Postgres {
		cfg.DatabaseURL = dbtest.URL(t, db.Postgres)
	}
	for _, f := range setup.edit {
		f(&cfg)
	}
	m := &app.Main{
		Config:     cfg,
		HashParams: &password.MinParams,
		Log:        slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError})),
	}
	if setup.clock != nil {
		m.Clock = setup.clock
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		cancel()
		m.Close()
		t.Fatalf("open server: %v", err)
	}
	if err := m.Listen(); err != nil {
		cancel()
		m.Close()
		t.Fatalf("listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return &testServer{Main: m, URL: m.URL(), Dir: dir, Clock: setup.clock, CACerts: setup.certs, mfa: map[string]*mfaState{}}
}

// now is the server's current time.
func (ts *testServer) now() time.Time {
	if ts.Clock != nil {
		return ts.Clock.Now()
	}
	return time.Now()
}

// createUser creates an active user with testPassword and the given roles
// (employee when none), without a second factor.
func createUser(t testing.TB, ts *testServer, username, displayName string, roles ...string) identity.User {
	t.Helper()
	if len(roles) == 0 {
		roles = []string{actor.RoleEmployee}
	}
	u, err := ts.Identity.CreateUser(context.Background(), actor.CLI(), identity.NewUser{
		Username: username, DisplayName: displayName, Email: username + "@musterstadt.example",
		Roles: roles, Password: testPassword,
	})
	if err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	return u
}

// newClient returns a browser-like client for ts: it keeps cookies and does
// not follow redirects, so tests see every 303 and its Location.
func newClient(t testing.TB, ts *testServer) *http.Client {
	t.Helper()
	return newHTTPClient(t, ts.CACerts)
}

// newHTTPClient returns a client like newClient's for any server; roots
// verifies TLS certificates when not nil.
func newHTTPClient(t testing.TB, roots *x509.CertPool) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if roots != nil {
		c.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// result is a finished HTTP exchange with its body read.
type result struct {
	*http.Response
	body []byte
}

// text returns the body as a string.
func (r *result) text() string { return string(r.body) }

// location returns the Location header.
func (r *result) location() string { return r.Header.Get("Location") }

// doc parses the body as HTML.
func (r *result) doc(t testing.TB) *html.Node {
	t.Helper()
	return parseHTML(t, r.body)
}

// do sends req with c and reads the whole answer.
func do(t testing.TB, c *http.Client, req *http.Request) *result {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return &result{Response: res, body: b}
}

// newRequest builds a request or fails the test.
func newRequest(t testing.TB, method, target string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// get fetches target with c; header pairs ("Accept-Language", "en") are
// added to the request.
func get(t testing.TB, c *http.Client, target string, header ...string) *result {
	t.Helper()
	req := newRequest(t, http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, c, req)
}

// form posts values as an HTML form would (same-origin, so no Origin
// header, like Go's client and unlike browsers, which send one).
func form(t testing.TB, c *http.Client, target string, values url.Values, header ...string) *result {
	t.Helper()
	req := newRequest(t, http.MethodPost, target, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, c, req)
}

// wantStatus fails the test when r has another status.
func wantStatus(t testing.TB, r *result, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; Location %q; body:\n%.2000s", r.Request.Method, r.Request.URL.Path, r.StatusCode, want, r.location(), r.body)
	}
}

// wantRedirect fails the test unless r is a 303 to a location starting with
// prefix.
func wantRedirect(t testing.TB, r *result, prefix string) {
	t.Helper()
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.location(), prefix) {
		t.Fatalf("%s %s: status %d Location %q, want 303 to %s…; body:\n%.1000s", r.Request.Method, r.Request.URL.Path, r.StatusCode, r.location(), prefix, r.body)
	}
}

// sessionCookie returns the value of the session cookie c holds for ts, or
// "".
func sessionCookie(t testing.TB, ts *testServer, c *http.Client) string {
	t.Helper()
	u, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == ts.Server.SessionCookieName() {
			return ck.Value
		}
	}
	return ""
}

// withSessionCookie returns a client without jar that sends value as the
// session cookie on every request, to replay a cookie seen earlier.
func withSessionCookie(t testing.TB, ts *testServer, value string) *http.Client {
	t.Helper()
	c := newClient(t, ts)
	u, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.Jar.SetCookies(u, []*http.Cookie{{Name: ts.Server.SessionCookieName(), Value: value, Path: "/"}})
	return c
}

// loginFull logs username in with password and completes the second factor:
// it enrols TOTP when the server asks for it (remembering the secret and the
// recovery codes) or answers the code prompt. It returns the client holding
// the full session.
func loginFull(t testing.TB, ts *testServer, username, password string) *http.Client {
	t.Helper()
	c := newClient(t, ts)
	res := form(t, c, ts.URL+"/login", url.Values{"username": {username}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: status %d, want 303; body:\n%.2000s", username, res.StatusCode, res.body)
	}
	switch loc := res.location(); {
	case loc == "/2fa/enrol":
		enrol(t, ts, c, username)
	case strings.HasPrefix(loc, "/login/2fa"):
		secondFactor(t, ts, c, username)
	case loc == "/":
	default:
		t.Fatalf("login %s: redirected to %q", username, loc)
	}
	return c
}

// enrol sets up TOTP for the user of c's session (stage "enrol" or full) and
// returns the recovery codes shown.
func enrol(t testing.TB, ts *testServer, c *http.Client, username string) []string {
	t.Helper()
	res := get(t, c, ts.URL+"/2fa/enrol")
	wantStatus(t, res, http.StatusOK)
	el := byID(res.doc(t), "totp-secret")
	if el == nil {
		t.Fatalf("enrolment page has no #totp-secret:\n%s", res.body)
	}
	secret, err := totp.DecodeSecret(textOf(el))
	if err != nil {
		t.Fatalf("secret %q on the enrolment page: %v", textOf(el), err)
	}
	step := totp.Step(ts.now())
	res = form(t, c, ts.URL+"/2fa/enrol", url.Values{"code": {totp.Code(secret, step)}})
	wantStatus(t, res, http.StatusOK)
	codes := recoveryCodes(t, res.doc(t))
	if len(codes) != identity.RecoveryCodeCount {
		t.Fatalf("enrolment showed %d recovery codes, want %d", len(codes), identity.RecoveryCodeCount)
	}
	ts.mu.Lock()
	ts.mfa[identity.NormalizeUsername(username)] = &mfaState{secret: secret, codes: codes, lastStep: step}
	ts.mu.Unlock()
	return codes
}

// recoveryCodes returns the codes listed in #recovery-codes.
func recoveryCodes(t testing.TB, doc *html.Node) []string {
	t.Helper()
	list := byID(doc, "recovery-codes")
	if list == nil {
		t.Fatal("page has no #recovery-codes")
	}
	var codes []string
	for _, li := range byTag(list, atom.Li) {
		codes = append(codes, textOf(li))
	}
	return codes
}

// nextCode returns a TOTP code of username that the server has not seen
// yet and marks it used. When the current time step was used already, a
// fake clock is advanced to the next step; on the wall clock ok is false.
func (ts *testServer) nextCode(t testing.TB, username string) (code string, ok bool) {
	t.Helper()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	st := ts.mfa[identity.NormalizeUsername(username)]
	if st == nil {
		t.Fatalf("no TOTP secret known for %s: enrol with loginFull first", username)
	}
	step := totp.Step(ts.now())
	if step <= st.lastStep {
		if ts.Clock == nil {
			return "", false
		}
		ts.Clock.Advance(time.Duration(st.lastStep-step+1) * totp.Period)
		step = totp.Step(ts.now())
	}
	st.lastStep = step
	return totp.Code(st.secret, step), true
}

// recoveryCode hands out one unused recovery code of username.
func (ts *testServer) recoveryCode(t testing.TB, username string) string {
	t.Helper()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	st := ts.mfa[identity.NormalizeUsername(username)]
	if st == nil || len(st.codes) == 0 {
		t.Fatalf("no recovery code left for %s", username)
	}
	code := st.codes[0]
	st.codes = st.codes[1:]
	return code
}

// secondFactor answers the code prompt of a pending login: with a fresh TOTP
// code, or with a recovery code when the wall clock has not yet reached a
// new time step.
func secondFactor(t testing.TB, ts *testServer, c *http.Client, username string) {
	t.Helper()
	var res *result
	if code, ok := ts.nextCode(t, username); ok {
		res = form(t, c, ts.URL+"/login/2fa", url.Values{"code": {code}, "next": {"/"}})
	} else {
		res = form(t, c, ts.URL+"/login/recovery", url.Values{"code": {ts.recoveryCode(t, username)}, "next": {"/"}})
	}
	wantRedirect(t, res, "/")
}

// countRows counts the rows of table (a constant in the tests).
func countRows(t testing.TB, ts *testServer, table string, where string, args ...any) int {
	t.Helper()
	q := "SELECT count(*) FROM " + table
	if where != "" {
		q += " WHERE " + where
	}
	var n int
	if err := ts.DB.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// auditRecords returns the newest audit records of action (or an action
// prefix ending in ".").
func auditRecords(t testing.TB, ts *testServer, action string) []audit.Record {
	t.Helper()
	recs, err := ts.Audit.List(context.Background(), actor.CLI(), audit.Filter{Action: action, Limit: audit.MaxLimit})
	if err != nil {
		t.Fatalf("audit list %s: %v", action, err)
	}
	return recs
}

// parseHTML parses a page.
func parseHTML(t testing.TB, b []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

// findAll returns the elements below n (n included) for which match is
// true, in document order.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && match(d) {
			out = append(out, d)
		}
	}
	if n.Type == html.ElementNode && match(n) {
		out = append([]*html.Node{n}, out...)
	}
	return out
}

// find returns the first element below n for which match is true, or nil.
func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && match(d) {
			return d
		}
	}
	return nil
}

// byID returns the element with the id, or nil.
func byID(n *html.Node, id string) *html.Node {
	return find(n, func(e *html.Node) bool { return attr(e, "id") == id })
}

// byTag returns the elements of a tag.
func byTag(n *html.Node, tag atom.Atom) []*html.Node {
	return findAll(n, func(e *html.Node) bool { return e.DataAtom == tag })
}

// firstTag returns the first element of a tag, or nil.
func firstTag(n *html.Node, tag atom.Atom) *html.Node {
	return find(n, func(e *html.Node) bool { return e.DataAtom == tag })
}

// byName returns the form control (input, select, textarea, button) with
// the name, or nil.
func byName(n *html.Node, name string) *html.Node {
	return find(n, func(e *html.Node) bool {
		switch e.DataAtom {
		case atom.Input, atom.Select, atom.Textarea, atom.Button:
			return attr(e, "name") == name
		}
		return false
	})
}

// labelFor returns the label element whose for attribute names id, or nil.
func labelFor(n *html.Node, id string) *html.Node {
	return find(n, func(e *html.Node) bool { return e.DataAtom == atom.Label && attr(e, "for") == id })
}

// attr returns the value of an attribute of n ("" when absent).
func attr(n *html.Node, key string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// hasAttr reports whether n has the attribute.
func hasAttr(n *html.Node, key string) bool {
	return n != nil && slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Namespace == "" && a.Key == key })
}

// textOf returns the text content of n with white space collapsed.
func textOf(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	if n.Type == html.TextNode {
		b.WriteString(n.Data)
	}
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// pageLang returns the lang attribute of the html element.
func pageLang(doc *html.Node) string { return attr(firstTag(doc, atom.Html), "lang") }

// h1 returns the text of the first h1.
func h1(doc *html.Node) string { return textOf(firstTag(doc, atom.H1)) }

// errorSummary returns the error summary of a page (the alert above a
// form), or nil.
func errorSummary(doc *html.Node) *html.Node { return byID(doc, "error-summary") }
