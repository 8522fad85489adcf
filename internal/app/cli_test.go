package app_test

// The command line, run in-process through app.Run with an injected
// environment.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html/atom"

	"ortlos/internal/actor"
	"ortlos/internal/app"
	"ortlos/internal/audit"
	"ortlos/internal/db"
	"ortlos/internal/identity"
)

// syncBuffer is a bytes.Buffer safe for concurrent use: a server command
// writes to it while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// cliRun is one finished command.
type cliRun struct {
	code           int
	stdout, stderr string
}

// runCLI runs ortlos with args against the data folder dir; env adds
// ORTLOS_* variables and stdin is standard input.
func runCLI(t *testing.T, dir string, env map[string]string, stdin string, args ...string) cliRun {
	t.Helper()
	var stdout, stderr syncBuffer
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		if k == "ORTLOS_DATA_DIR" {
			return dir
		}
		return ""
	}
	code := app.Run(context.Background(), args, app.Env{
		Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr, Getenv: getenv,
	})
	return cliRun{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// wantCode fails the test unless the command exited with want.
func (r cliRun) wantCode(t *testing.T, want int, args ...string) {
	t.Helper()
	if r.code != want {
		t.Fatalf("ortlos %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
	}
}

// cli runs a command that must succeed and returns its output.
func cli(t *testing.T, dir, stdin string, args ...string) cliRun {
	t.Helper()
	r := runCLI(t, dir, nil, stdin, args...)
	r.wantCode(t, 0, args...)
	return r
}

type cliUser struct {
	ID          int64    `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Email       string   `json:"email"`
	Roles       []string `json:"roles"`
	Disabled    bool     `json:"disabled"`
	TOTP        bool     `json:"totp_enabled"`
}

// listUsers runs "user list --format json".
func listUsers(t *testing.T, dir string) map[string]cliUser {
	t.Helper()
	out := map[string]cliUser{}
	sc := bufio.NewScanner(strings.NewReader(cli(t, dir, "", "user", "list", "--format", "json").stdout))
	for sc.Scan() {
		var u cliUser
		if err := json.Unmarshal(sc.Bytes(), &u); err != nil {
			t.Fatalf("user list --format json: line %q: %v", sc.Text(), err)
		}
		out[u.Username] = u
	}
	return out
}

func TestCLIUsersTokensAudit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "password.txt")
	if err := os.WriteFile(pwFile, []byte(testPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	r := cli(t, dir, "", "user", "create", "--username", "Erika.Mustermann", "--display-name", "Erika Mustermann",
		"--email", "erika.mustermann@musterstadt.example", "--role", "admin", "--password-file", pwFile)
	if !strings.HasPrefix(r.stdout, "created user erika.mustermann (id ") || !strings.Contains(r.stdout, "roles admin") {
		t.Errorf("user create printed %q", r.stdout)
	}
	cli(t, dir, "", "user", "create", "--username", "lukas.becker", "--display-name", "Lukas Becker", "--role", "employee,lead")
	runCLI(t, dir, nil, "", "user", "create", "--username", "lukas.becker", "--display-name", "Noch Einer").wantCode(t, 1)

	// The table lists both users.
	table := cli(t, dir, "", "user", "list").stdout
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "ID USERNAME NAME ROLES 2FA STATUS" {
		t.Fatalf("user list:\n%s", table)
	}
	for i, want := range []string{"erika.mustermann Erika Mustermann admin no active", "lukas.becker Lukas Becker employee,lead no active"} {
		if got := strings.Join(strings.Fields(lines[i+1])[1:], " "); got != want {
			t.Errorf("user list row %d = %q, want %q", i+1, got, want)
		}
	}
	users := listUsers(t, dir)
	erika, lukas := users["erika.mustermann"], users["lukas.becker"]
	if len(users) != 2 || erika.DisplayName != "Erika Mustermann" || erika.Email != "erika.mustermann@musterstadt.example" ||
		!slices.Equal(erika.Roles, []string{"admin"}) || erika.Disabled || erika.TOTP {
		t.Fatalf("user list --format json = %+v", users)
	}
	if !slices.Equal(lukas.Roles, []string{"employee", "lead"}) && !slices.Equal(lukas.Roles, []string{"lead", "employee"}) {
		t.Errorf("lukas roles = %v", lukas.Roles)
	}

	// A token on stdout, alone, for scripts.
	r = cli(t, dir, "", "token", "create", "--username", "erika.mustermann", "--name", "Skript", "--scope", "read", "--expires", "30d")
	token := strings.TrimSuffix(r.stdout, "\n")
	if !strings.HasPrefix(token, identity.TokenPrefix) || strings.ContainsAny(token, " \n\t") {
		t.Fatalf("token create printed %q, want only the token", r.stdout)
	}
	if strings.Contains(r.stderr, token) {
		t.Error("token create repeats the token on stderr")
	}

	// The server on the same data folder accepts what the commands made.
	ts := startServer(t, withDataDir(dir))
	ctx := context.Background()
	c := loginFull(t, ts, "erika.mustermann", testPassword)
	a, err := ts.Identity.AuthenticateToken(ctx, token, "127.0.0.1")
	if err != nil || a.User.Username != "erika.mustermann" || a.Actor.CanWrite() {
		t.Fatalf("AuthenticateToken = %+v, %v; want a read token of erika.mustermann", a.Actor, err)
	}
	toks, err := ts.Identity.ListTokensOf(ctx, actor.CLI(), erika.ID)
	if err != nil || len(toks) != 1 || toks[0].ExpiresAt.Sub(toks[0].CreatedAt) != 30*24*time.Hour {
		t.Errorf("tokens of erika = %+v, %v; want one valid for 30 days", toks, err)
	}
	if apiRoute(ts, http.MethodGet, "/api/v1/me") {
		res := get(t, newClient(t, ts), ts.URL+"/api/v1/me", "Authorization", "Bearer "+token)
		wantStatus(t, res, http.StatusOK)
		if !strings.Contains(res.text(), `"erika.mustermann"`) {
			t.Errorf("GET /api/v1/me with the token: %s", res.body)
		}
	}

	// reset-2fa removes the second factor and ends the sessions.
	if !listUsers(t, dir)["erika.mustermann"].TOTP {
		t.Fatal("erika has no second factor after enrolling")
	}
	cli(t, dir, "", "user", "reset-2fa", "--username", "erika.mustermann")
	if listUsers(t, dir)["erika.mustermann"].TOTP {
		t.Error("reset-2fa left the second factor")
	}
	wantRedirect(t, get(t, c, ts.URL+"/"), "/login")

	// set-password from standard input; then disable and enable.
	const newPassword = "Rosengarten-Uhrturm-2031"
	cli(t, dir, newPassword+"\n", "user", "set-password", "--username", "lukas.becker", "--password-file", "-")
	lc := newClient(t, ts)
	wantRedirect(t, form(t, lc, ts.URL+"/login", url.Values{"username": {"lukas.becker"}, "password": {newPassword}}), "/2fa/enrol")
	cli(t, dir, "", "user", "disable", "--username", "lukas.becker")
	if !listUsers(t, dir)["lukas.becker"].Disabled {
		t.Error("user disable did not disable")
	}
	wantRedirect(t, get(t, lc, ts.URL+"/2fa/enrol"), "/login")
	loginError(t, ts, newClient(t, ts), "lukas.becker", newPassword)
	cli(t, dir, "", "user", "enable", "--username", "lukas.becker")
	wantRedirect(t, form(t, newClient(t, ts), ts.URL+"/login", url.Values{"username": {"lukas.becker"}, "password": {newPassword}}), "/2fa/enrol")

	// The audit trail verifies, and so does its export.
	if r := cli(t, dir, "", "audit", "verify"); !strings.HasPrefix(r.stdout, "audit trail OK") {
		t.Errorf("audit verify printed %q", r.stdout)
	}
	export := cli(t, dir, "", "audit", "export").stdout
	res, err := audit.VerifyJSONL(strings.NewReader(export))
	if err != nil || !res.OK || res.Checked < 10 {
		t.Errorf("VerifyJSONL(export) = %+v, %v; want an unbroken trail", res, err)
	}
	for _, action := range []string{"user.create", "token.create", "auth.2fa_reset", "auth.login_failed"} {
		if !strings.Contains(export, `"action":"`+action+`"`) {
			t.Errorf("export lacks %s", action)
		}
	}
	file := filepath.Join(t.TempDir(), "audit.jsonl")
	cli(t, dir, "", "audit", "export", "--output", file)
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if res, err := audit.VerifyJSONL(f); err != nil || !res.OK {
		t.Errorf("VerifyJSONL(%s) = %+v, %v", file, res, err)
	}
	if n := len(auditRecords(t, ts, "audit.export")); n != 2 {
		t.Errorf("%d audit.export records, want 2", n)
	}
	if r := cli(t, dir, "", "audit", "verify"); !strings.HasPrefix(r.stdout, "audit trail OK") {
		t.Errorf("audit verify after the exports printed %q", r.stdout)
	}
	if r := cli(t, dir, "", "migrate"); r.stdout != "database is up to date\n" {
		t.Errorf("migrate on a current database printed %q", r.stdout)
	}
}

func TestCLIMigrate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := cli(t, dir, "", "migrate").stdout
	if !strings.HasPrefix(first, "applied ") {
		t.Errorf("first migrate printed %q, want the applied migrations", first)
	}
	for range 2 {
		if r := cli(t, dir, "", "migrate"); r.stdout != "database is up to date\n" {
			t.Errorf("repeated migrate printed %q", r.stdout)
		}
	}
	d, err := db.Open(context.Background(), "sqlite:"+filepath.Join(dir, "ortlos.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if pending, err := d.Pending(context.Background()); err != nil || len(pending) != 0 {
		t.Errorf("pending migrations %v, %v", pending, err)
	}
}

func TestCLIErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stderr string
	}{
		{"no command", nil, nil, 2, "Usage: ortlos"},
		{"unknown command", nil, []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"unknown user sub-command", nil, []string{"user", "frobnicate"}, 2, "unknown user sub-command"},
		{"user without sub-command", nil, []string{"user"}, 2, "sub-command"},
		{"missing username", nil, []string{"user", "disable"}, 2, "--username is required"},
		{"bad flag", nil, []string{"user", "list", "--no-such-flag"}, 2, "no-such-flag"},
		{"bad expiry", nil, []string{"token", "create", "--username", "x", "--name", "y", "--expires", "0d"}, 2, "--expires"},
		{"invalid config", map[string]string{"ORTLOS_DEFAULT_STATE": "XX"}, []string{"user", "list"}, 1, "ORTLOS_DEFAULT_STATE"},
		{"invalid config for serve", map[string]string{"ORTLOS_DEFAULT_STATE": "XX"}, []string{"serve"}, 1, "ORTLOS_DEFAULT_STATE"},
		{"unknown user", nil, []string{"user", "disable", "--username", "niemand"}, 1, `user "niemand": not found`},
		{"weak password", nil, []string{"user", "create", "--username", "max", "--display-name", "Max", "--password-file", "-"}, 1, "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, dir, tt.env, "kurz\n", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("ortlos %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tt.args, " "), r.code, r.stderr, tt.code, tt.stderr)
			}
			if tt.code != 0 && r.stdout != "" {
				t.Errorf("ortlos %s: failing command printed %q on stdout", strings.Join(tt.args, " "), r.stdout)
			}
		})
	}
	if r := cli(t, dir, "", "version"); !strings.HasPrefix(r.stdout, "ortlos ") {
		t.Errorf("version printed %q", r.stdout)
	}
}

// serverCommand runs a server command (serve, demo) until the test ends or
// stop is called, and returns its output so far on demand.
type serverCommand struct {
	stdout, stderr syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

func startCommand(t *testing.T, dir string, args ...string) *serverCommand {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sc := &serverCommand{cancel: cancel, done: make(chan int, 1)}
	getenv := func(k string) string {
		if k == "ORTLOS_DATA_DIR" {
			return dir
		}
		return ""
	}
	go func() {
		sc.done <- app.Run(ctx, args, app.Env{Stdin: strings.NewReader(""), Stdout: &sc.stdout, Stderr: &sc.stderr, Getenv: getenv})
	}()
	t.Cleanup(func() { sc.stop(t) })
	return sc
}

// waitFor waits until stdout contains s, or the command ends.
func (sc *serverCommand) waitFor(t *testing.T, s string, timeout time.Duration) string {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if out := sc.stdout.String(); strings.Contains(out, s) {
			return out
		}
		select {
		case code := <-sc.done:
			sc.done <- code
			t.Fatalf("command ended with %d before printing %q\nstdout:\n%s\nstderr:\n%s", code, s, sc.stdout.String(), sc.stderr.String())
		case <-deadline.C:
			t.Fatalf("no %q after %v\nstdout:\n%s\nstderr:\n%s", s, timeout, sc.stdout.String(), sc.stderr.String())
		case <-tick.C:
		}
	}
}

// stop cancels the command and returns its exit code.
func (sc *serverCommand) stop(t *testing.T) int {
	t.Helper()
	sc.cancel()
	select {
	case code := <-sc.done:
		sc.done <- code
		return code
	case <-time.After(30 * time.Second):
		t.Fatal("command did not stop")
		return -1
	}
}

var (
	openURLRE  = regexp.MustCompile(`Open (http://\S+) in your browser`)
	passwordRE = regexp.MustCompile(`password for all: (\S+)\)`)
	setupRE    = regexp.MustCompile(`(http://\S+)/setup/(\S+)`)
)

func TestCLIDemo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sc := startCommand(t, dir, "demo", "-listen", "127.0.0.1:0", "-data-dir", dir)
	out := sc.waitFor(t, "Demo logins", 3*time.Minute)
	// The table's last row (the demo's last user); under load the table
	// arrives in several writes.
	out = sc.waitFor(t, "Katrin Schröder\n", 30*time.Second)

	m := openURLRE.FindStringSubmatch(out)
	pw := passwordRE.FindStringSubmatch(out)
	if m == nil || pw == nil {
		t.Fatalf("demo output lacks the URL or the password:\n%s", out)
	}
	// The table: a header, then one line per user until a blank line.
	var rows [][]string
	inTable := false
	for line := range strings.Lines(out) {
		f := strings.Fields(line)
		switch {
		case len(f) > 0 && f[0] == "USERNAME":
			inTable = true
		case inTable && len(f) == 0 && len(rows) > 0:
			inTable = false
		case inTable && len(f) >= 3:
			rows = append(rows, f)
		}
	}
	if len(rows) != 17 {
		t.Fatalf("demo lists %d users, want 17:\n%s", len(rows), out)
	}
	roles := map[string]bool{}
	for _, r := range rows {
		for _, role := range strings.Split(r[1], ",") {
			roles[role] = true
		}
	}
	for _, role := range actor.BuiltinRoles {
		if !roles[role] {
			t.Errorf("no demo user has role %s", role)
		}
	}

	// The server runs and the printed password works.
	base := strings.TrimSuffix(m[1], "/")
	c := newHTTPClient(t, nil)
	res := get(t, c, base+"/login")
	wantStatus(t, res, http.StatusOK)
	if title := textOf(firstTag(res.doc(t), atom.Title)); !strings.Contains(title, testOrgName) {
		t.Errorf("demo login page title %q, want %q in it", title, testOrgName)
	}
	res = form(t, c, base+"/login", url.Values{"username": {rows[0][0]}, "password": {pw[1]}})
	wantRedirect(t, res, "/2fa/enrol")

	if code := sc.stop(t); code != 0 {
		t.Errorf("demo exited with %d after cancel\nstderr:\n%s", code, sc.stderr.String())
	}
	if st, err := os.Stat(filepath.Join(dir, "demo-logins.txt")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("demo-logins.txt: %v, %v; want a file readable by the owner only", st, err)
	}
}

func TestCLIServeEmptyDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sc := startCommand(t, dir, "serve", "-listen", "127.0.0.1:0")
	out := sc.waitFor(t, "/setup/", time.Minute)
	m := setupRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("serve printed no setup link:\n%s", out)
	}
	c := newHTTPClient(t, nil)
	res := get(t, c, m[0])
	wantStatus(t, res, http.StatusOK)
	if got, want := h1(res.doc(t)), de.T("setup.title"); got != want {
		t.Errorf("setup link opens %q, want %q", got, want)
	}
	wantStatus(t, get(t, c, m[1]+"/setup/"+strings.ToUpper(m[2])), http.StatusNotFound)
	if code := sc.stop(t); code != 0 {
		t.Errorf("serve exited with %d after cancel\nstderr:\n%s", code, sc.stderr.String())
	}

	// serve created nothing but the link.
	d, err := db.Open(context.Background(), "sqlite:"+filepath.Join(dir, "ortlos.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.QueryRowContext(context.Background(), "SELECT count(*) FROM users").Scan(&n); err != nil || n != 0 {
		t.Errorf("users after serve on an empty database: %d, %v; want 0", n, err)
	}

	// A second start invalidates the first link and prints a new one.
	sc = startCommand(t, dir, "serve", "-listen", "127.0.0.1:0")
	out = sc.waitFor(t, "/setup/", time.Minute)
	m2 := setupRE.FindStringSubmatch(out)
	if m2 == nil || m2[2] == m[2] {
		t.Fatalf("second start printed %q, want a new setup link", out)
	}
	c = newHTTPClient(t, nil)
	wantStatus(t, get(t, c, m2[1]+"/setup/"+m[2]), http.StatusNotFound)
	wantStatus(t, get(t, c, m2[0]), http.StatusOK)
}
