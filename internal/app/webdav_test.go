package app_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/browsertest"
	"ortlos/internal/clock"
	"ortlos/internal/dav"
	"ortlos/internal/db"
	"ortlos/internal/document"
	"ortlos/internal/identity"
)

// wdSetup is a server with a file plan position, a file below it and a
// person with an API token who manages it.
type wdSetup struct {
	ts       *testServer
	f        dtFolders
	user     identity.User
	token    string
	fileURL  string // /dav/ URL of the file, with a trailing slash
	fileName string
}

func wdToken(t testing.TB, ts *testServer, u identity.User, scope string) string {
	t.Helper()
	_, secret, err := ts.Identity.CreateTokenFor(context.Background(), actor.CLI(), u.ID, identity.NewToken{Name: "dav-" + scope, Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func newWdSetup(t testing.TB, access string, opts ...serverOption) wdSetup {
	t.Helper()
	ts := startServer(t, opts...)
	u := createUser(t, ts, "dora.dav", "Dora Dav")
	f := dtFile(t, ts, "63.02")
	dtGrant(t, ts, f.plan, u.ID, access)
	name := document.DAVFolderName("63.02-1", "Bauantrag Lindenweg 3")
	return wdSetup{ts: ts, f: f, user: u, token: wdToken(t, ts, u, "write"), fileName: name,
		fileURL: ts.URL + "/dav/" + url.PathEscape("63.02 Bauordnung") + "/" + url.PathEscape(name) + "/"}
}

// wdDo sends a WebDAV request with Basic credentials.
func wdDo(t testing.TB, method, target, user, token string, body []byte, header ...string) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, target, r)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func (s wdSetup) do(t testing.TB, method, target string, body []byte, header ...string) (*http.Response, []byte) {
	t.Helper()
	return wdDo(t, method, target, s.user.Username, s.token, body, header...)
}

func TestWebDAVLitmus(t *testing.T) {
	bin, err := exec.LookPath("litmus")
	if err != nil {
		if os.Getenv(browsertest.EnvRequireTools) == "1" {
			t.Fatal("litmus is not installed (apt-get install litmus)")
		}
		t.Skip("litmus is not installed")
	}
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) { runLitmus(t, bin, newWdSetup(t, "manage", withDialect(d))) })
	}
}

// runLitmus runs litmus' groups basic, copymove, props and locks against
// the file of s; every test must pass (warnings are logged).
func runLitmus(t *testing.T, bin string, s wdSetup) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, s.fileURL, s.user.Username, s.token)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "TESTS=basic copymove props locks", "HOME="+cmd.Dir)
	out, err := cmd.CombinedOutput()
	text := string(out)
	summary := regexp.MustCompile("(?m)^<- summary for `(\\w+)': of (\\d+) tests run: (\\d+) passed, (\\d+) failed.*$").FindAllStringSubmatch(text, -1)
	if len(summary) != 4 {
		t.Fatalf("litmus ran %d groups, want 4 (err %v):\n%s", len(summary), err, text)
	}
	for _, m := range summary {
		if m[4] != "0" {
			t.Errorf("litmus %s: %s of %s failed", m[1], m[4], m[2])
		}
	}
	if err != nil || strings.Contains(text, "FAIL") || t.Failed() {
		t.Fatalf("litmus failed (%v):\n%s", err, text)
	}
	for _, m := range summary {
		t.Logf("litmus %s: %s/%s passed", m[1], m[3], m[2])
	}
	if strings.Contains(text, "WARNING") {
		for _, l := range strings.Split(text, "\n") {
			if strings.Contains(l, "WARNING") {
				t.Log(strings.TrimSpace(l))
			}
		}
	}
}

func TestWebDAVAuth(t *testing.T) {
	s := newWdSetup(t, "write")
	ts := s.ts
	// No credentials: 401 with the Basic challenge.
	resp, _ := wdDo(t, "PROPFIND", ts.URL+"/dav/", "", "", nil, "Depth", "1")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `Basic realm="ortlos"`) {
		t.Fatalf("no credentials: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// A logged-in browser session does not open /dav/: no cookies here.
	browser := loginFull(t, ts, s.user.Username, testPassword)
	req, _ := http.NewRequest("PROPFIND", ts.URL+"/dav/", nil)
	if r, err := browser.Do(req); err != nil || r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("session cookie: %v %v", r, err)
	}
	// The right token works; the listing shows the person's folders.
	resp, body := s.do(t, "PROPFIND", ts.URL+"/dav/", nil, "Depth", "1")
	if resp.StatusCode != http.StatusMultiStatus || !strings.Contains(string(body), "63.02%20Bauordnung") {
		t.Fatalf("propfind root: %d %s", resp.StatusCode, body)
	}
	// A wrong token, or someone else's token with this username: 401.
	if r, _ := wdDo(t, "PROPFIND", ts.URL+"/dav/", s.user.Username, identity.TokenPrefix+"wrong", nil); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", r.StatusCode)
	}
	other := createUser(t, ts, "olga.other", "Olga Other")
	otherToken := wdToken(t, ts, other, "write")
	if r, _ := wdDo(t, "PROPFIND", ts.URL+"/dav/", s.user.Username, otherToken, nil); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("token of another user: %d", r.StatusCode)
	}
	// Olga has no grant: the file does not exist for her.
	if r, _ := wdDo(t, "PROPFIND", s.fileURL, other.Username, otherToken, nil, "Depth", "0"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("folder without grant: %d", r.StatusCode)
	}
	if _, b := wdDo(t, "PROPFIND", ts.URL+"/dav/", other.Username, otherToken, nil, "Depth", "1"); strings.Contains(string(b), "Bauordnung") {
		t.Fatalf("root lists a folder without grant: %s", b)
	}
	// A read token reads but does not write.
	readToken := wdToken(t, ts, s.user, "read")
	if r, _ := s.do(t, http.MethodPut, s.fileURL+"a.txt", []byte("eins")); r.StatusCode != http.StatusCreated {
		t.Fatalf("put: %d", r.StatusCode)
	}
	if r, b := wdDo(t, http.MethodGet, s.fileURL+"a.txt", s.user.Username, readToken, nil); r.StatusCode != http.StatusOK || string(b) != "eins" {
		t.Fatalf("read token get: %d %q", r.StatusCode, b)
	}
	for _, m := range []string{http.MethodPut, http.MethodDelete, "MKCOL", "PROPPATCH", "LOCK"} {
		if r, _ := wdDo(t, m, s.fileURL+"a.txt", s.user.Username, readToken, []byte("x")); r.StatusCode != http.StatusForbidden {
			t.Errorf("read token %s: %d", m, r.StatusCode)
		}
	}
	// Failed attempts are throttled like logins: after the free failures
	// even the right token is refused for a while.
	victim := createUser(t, ts, "tim.throttle", "Tim Throttle")
	victimToken := wdToken(t, ts, victim, "write")
	for range identity.DefaultThrottlePolicy().AccountFree {
		wdDo(t, "PROPFIND", ts.URL+"/dav/", victim.Username, identity.TokenPrefix+"guess", nil)
	}
	if r, _ := wdDo(t, "PROPFIND", ts.URL+"/dav/", victim.Username, victimToken, nil); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("throttled account: %d", r.StatusCode)
	}
	// The counters are the login throttle's: web logins of the account
	// wait as well.
	var failures int
	if err := ts.DB.QueryRowContext(t.Context(), `SELECT max(failures) FROM login_throttle WHERE key LIKE 'u:%'`).Scan(&failures); err != nil || failures < identity.DefaultThrottlePolicy().AccountFree {
		t.Fatalf("login_throttle: %d %v", failures, err)
	}
}

func wdActor(u identity.User) actor.Actor {
	return actor.Actor{UserID: u.ID, Username: u.Username, Roles: u.Roles, Via: actor.ViaSession}
}

func wdDocID(t testing.TB, ts *testServer, filename string) int64 {
	t.Helper()
	var id int64
	if err := ts.DB.QueryRowContext(t.Context(), `SELECT id FROM documents WHERE filename = ?`, filename).Scan(&id); err != nil {
		t.Fatalf("document %s: %v", filename, err)
	}
	return id
}

func TestWebDAVDocuments(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) { testWebDAVDocuments(t, newWdSetup(t, "manage", withDialect(d))) })
	}
}

func testWebDAVDocuments(t *testing.T, s wdSetup) {
	ts := s.ts
	ctx := t.Context()
	me := wdActor(s.user)
	// Each PUT is a new version; old versions stay byte-identical.
	v1 := []byte("Erste Fassung\n")
	v2 := []byte("Zweite Fassung, länger\n")
	if r, _ := s.do(t, http.MethodPut, s.fileURL+"Bescheid.txt", v1, "Content-Type", "text/plain"); r.StatusCode != http.StatusCreated {
		t.Fatalf("put v1: %d", r.StatusCode)
	}
	if r, _ := s.do(t, http.MethodPut, s.fileURL+"Bescheid.txt", v2); r.StatusCode != http.StatusCreated && r.StatusCode != http.StatusNoContent {
		t.Fatalf("put v2: %d", r.StatusCode)
	}
	id := wdDocID(t, ts, "Bescheid.txt")
	d, err := ts.Document.GetDocument(ctx, me, id)
	if err != nil || d.CurrentVersion != 2 || d.Title != "Bescheid" || d.State != document.StateDraft || len(d.Versions) != 2 {
		t.Fatalf("document: %+v %v", d, err)
	}
	if d.Versions[0].BasedOn == nil || *d.Versions[0].BasedOn != 1 || d.Versions[0].Conflict {
		t.Fatalf("version 2 based on %v conflict %v", d.Versions[0].BasedOn, d.Versions[0].Conflict)
	}
	for n, want := range map[int][]byte{1: v1, 2: v2} {
		_, rc, err := ts.Document.OpenVersion(ctx, me, id, n)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, want) {
			t.Fatalf("version %d: %q", n, got)
		}
	}
	// GET serves the current version with Range support.
	if r, b := s.do(t, http.MethodGet, s.fileURL+"Bescheid.txt", nil, "Range", "bytes=0-5"); r.StatusCode != http.StatusPartialContent || string(b) != "Zweite" {
		t.Fatalf("range: %d %q", r.StatusCode, b)
	}
	// MOVE within the file renames (audited).
	if r, _ := s.do(t, "MOVE", s.fileURL+"Bescheid.txt", nil, "Destination", s.fileURL+"Bescheid%20final.txt"); r.StatusCode != http.StatusCreated {
		t.Fatalf("move: %d", r.StatusCode)
	}
	if wdDocID(t, ts, "Bescheid final.txt") != id {
		t.Fatal("rename made another document")
	}
	// DELETE withdraws a draft: gone for WebDAV, kept with its versions.
	if r, _ := s.do(t, http.MethodDelete, s.fileURL+"Bescheid%20final.txt", nil); r.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d", r.StatusCode)
	}
	if r, _ := s.do(t, http.MethodGet, s.fileURL+"Bescheid%20final.txt", nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("get withdrawn: %d", r.StatusCode)
	}
	var versions, withdrawn, audited int
	ts.DB.QueryRowContext(ctx, `SELECT count(*) FROM document_versions WHERE document_id = ?`, id).Scan(&versions)
	ts.DB.QueryRowContext(ctx, `SELECT count(*) FROM documents WHERE id = ? AND withdrawn_at IS NOT NULL`, id).Scan(&withdrawn)
	ts.DB.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action = 'document.withdraw' AND object_id = ?`, strconv.FormatInt(id, 10)).Scan(&audited)
	if versions != 2 || withdrawn != 1 || audited != 1 {
		t.Fatalf("withdrawn document: versions %d withdrawn %d audited %d", versions, withdrawn, audited)
	}
	// The name is free again.
	if r, _ := s.do(t, http.MethodPut, s.fileURL+"Bescheid%20final.txt", []byte("neu")); r.StatusCode != http.StatusCreated {
		t.Fatalf("put after withdraw: %d", r.StatusCode)
	}
	// A final document refuses PUT and DELETE (no change reason over WebDAV).
	if r, _ := s.do(t, http.MethodPut, s.fileURL+"Final.txt", []byte("fertig")); r.StatusCode != http.StatusCreated {
		t.Fatalf("put: %d", r.StatusCode)
	}
	fid := wdDocID(t, ts, "Final.txt")
	if _, err := ts.Document.FinalizeDocument(ctx, me, fid, nil); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.do(t, http.MethodPut, s.fileURL+"Final.txt", []byte("geändert")); r.StatusCode != http.StatusForbidden {
		t.Fatalf("put final: %d", r.StatusCode)
	}
	if r, _ := s.do(t, http.MethodDelete, s.fileURL+"Final.txt", nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("delete final: %d", r.StatusCode)
	}
	// Reading a final document's content is audited.
	before := wdCount(t, ts, `SELECT count(*) FROM audit_log WHERE action = 'document.download' AND object_id = ?`, strconv.FormatInt(fid, 10))
	if r, b := s.do(t, http.MethodGet, s.fileURL+"Final.txt", nil); r.StatusCode != http.StatusOK || string(b) != "fertig" {
		t.Fatalf("get final: %d %q", r.StatusCode, b)
	}
	if after := wdCount(t, ts, `SELECT count(*) FROM audit_log WHERE action = 'document.download' AND object_id = ?`, strconv.FormatInt(fid, 10)); after != before+1 {
		t.Fatalf("download audit: %d → %d", before, after)
	}
	// A document checked out by someone else: 423.
	colleague := createUser(t, ts, "karl.kollege", "Karl Kollege")
	dtGrant(t, ts, s.f.file, colleague.ID, "write")
	if r, _ := s.do(t, http.MethodPut, s.fileURL+"Entwurf.txt", []byte("a")); r.StatusCode != http.StatusCreated {
		t.Fatalf("put: %d", r.StatusCode)
	}
	if _, err := ts.Document.CheckoutDocument(ctx, wdActor(colleague), wdDocID(t, ts, "Entwurf.txt")); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.do(t, http.MethodPut, s.fileURL+"Entwurf.txt", []byte("b")); r.StatusCode != http.StatusLocked {
		t.Fatalf("put checked out: %d", r.StatusCode)
	}
	// MKCOL makes a sub-file; DELETE withdraws it once nothing visible is
	// left (its drafts are withdrawn with it).
	if r, _ := s.do(t, "MKCOL", s.fileURL+"Vorgang", nil); r.StatusCode != http.StatusCreated {
		t.Fatalf("mkcol: %d", r.StatusCode)
	}
	if r, _ := s.do(t, http.MethodPut, s.fileURL+"Vorgang/Notiz.txt", []byte("n")); r.StatusCode != http.StatusCreated {
		t.Fatalf("put in sub-file: %d", r.StatusCode)
	}
	if r, _ := s.do(t, http.MethodDelete, s.fileURL+"Vorgang/", nil); r.StatusCode != http.StatusNoContent {
		t.Fatalf("delete sub-file: %d", r.StatusCode)
	}
	if n := wdCount(t, ts, `SELECT count(*) FROM doc_folders WHERE title = 'Vorgang' AND withdrawn_at IS NOT NULL`); n != 1 {
		t.Fatalf("withdrawn folders: %d", n)
	}
	// MKCOL at the top level is refused; so is moving a folder elsewhere.
	if r, _ := s.do(t, "MKCOL", ts.URL+"/dav/Neu", nil); r.StatusCode != http.StatusForbidden {
		t.Fatalf("mkcol at the root: %d", r.StatusCode)
	}
}

func wdCount(t testing.TB, ts *testServer, q string, args ...any) int {
	t.Helper()
	var n int
	if err := ts.DB.QueryRowContext(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Two servers on one database share their locks.
func TestWebDAVLocksShared(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) { testWebDAVLocksShared(t, newWdSetup(t, "manage", withDialect(d))) })
	}
}

func testWebDAVLocksShared(t *testing.T, s wdSetup) {
	ts := s.ts
	other := httptest.NewServer(dav.New(ts.DB, clock.Real{}, ts.Identity, ts.Document, nil))
	defer other.Close()
	otherURL := strings.Replace(s.fileURL, ts.URL, other.URL, 1)
	if r, _ := s.do(t, http.MethodPut, s.fileURL+"Plan.txt", []byte("v1")); r.StatusCode != http.StatusCreated {
		t.Fatalf("put: %d", r.StatusCode)
	}
	lockBody := []byte(`<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>dora</D:owner></D:lockinfo>`)
	r, _ := s.do(t, "LOCK", s.fileURL+"Plan.txt", lockBody, "Timeout", "Second-600", "Depth", "0")
	token := r.Header.Get("Lock-Token")
	if r.StatusCode != http.StatusOK || token == "" {
		t.Fatalf("lock: %d %q", r.StatusCode, token)
	}
	// The lock checks the document out.
	id := wdDocID(t, ts, "Plan.txt")
	if n := wdCount(t, ts, `SELECT count(*) FROM documents WHERE id = ? AND locked_by = ?`, id, s.user.ID); n != 1 {
		t.Fatal("LOCK did not check the document out")
	}
	// The other instance refuses a change without the token …
	if r, _ := s.do(t, http.MethodPut, otherURL+"Plan.txt", []byte("v2")); r.StatusCode != http.StatusLocked {
		t.Fatalf("put without token on the other instance: %d", r.StatusCode)
	}
	// … and takes it with the token.
	if r, _ := s.do(t, http.MethodPut, otherURL+"Plan.txt", []byte("v2"), "If", "("+token+")"); r.StatusCode != http.StatusCreated && r.StatusCode != http.StatusNoContent {
		t.Fatalf("put with token on the other instance: %d", r.StatusCode)
	}
	if r, _ := s.do(t, "UNLOCK", otherURL+"Plan.txt", nil, "Lock-Token", token); r.StatusCode != http.StatusNoContent {
		t.Fatalf("unlock: %d", r.StatusCode)
	}
	if n := wdCount(t, ts, `SELECT count(*) FROM documents WHERE id = ? AND locked_by IS NULL`, id); n != 1 {
		t.Fatal("UNLOCK did not check the document in")
	}
	if r, _ := s.do(t, http.MethodPut, s.fileURL+"Plan.txt", []byte("v3")); r.StatusCode != http.StatusCreated && r.StatusCode != http.StatusNoContent {
		t.Fatalf("put after unlock: %d", r.StatusCode)
	}
}
