package app_test

// Security properties of the running server, checked from the outside:
// headers, TLS, cross-origin protection, throttling, second-factor replay,
// session fixation and expiry, default credentials, object visibility and
// body limits.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ortlos/internal/actor"
	"ortlos/internal/clock"
	"ortlos/internal/config"
	"ortlos/internal/identity"
	"ortlos/internal/identity/totp"
)

// parseCSP splits a Content-Security-Policy into its directives.
func parseCSP(policy string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(policy, ";") {
		f := strings.Fields(d)
		if len(f) > 0 {
			out[strings.ToLower(f[0])] = f[1:]
		}
	}
	return out
}

// checkSecurityHeaders checks the headers every response must carry.
func checkSecurityHeaders(t *testing.T, r *result, overTLS bool) {
	t.Helper()
	what := r.Request.Method + " " + r.Request.URL.Path
	h := r.Header
	csp := parseCSP(h.Get("Content-Security-Policy"))
	if len(csp) == 0 {
		t.Errorf("%s: no Content-Security-Policy", what)
	} else {
		script, ok := csp["script-src"]
		if !ok {
			script = csp["default-src"]
		}
		for _, src := range script {
			if src == "'unsafe-inline'" || src == "'unsafe-eval'" || src == "*" || src == "data:" {
				t.Errorf("%s: script-src allows %s", what, src)
			}
		}
		if len(script) == 0 {
			t.Errorf("%s: CSP restricts no scripts", what)
		}
		if got := strings.Join(csp["frame-ancestors"], " "); got != "'none'" {
			t.Errorf("%s: frame-ancestors %q, want 'none'", what, got)
		}
		if got := strings.Join(csp["object-src"], " "); got != "'none'" {
			t.Errorf("%s: object-src %q, want 'none'", what, got)
		}
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q, want nosniff", what, got)
	}
	switch got := h.Get("Referrer-Policy"); got {
	case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin":
	default:
		t.Errorf("%s: Referrer-Policy %q", what, got)
	}
	if got := h.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("%s: X-Frame-Options %q, want DENY", what, got)
	}
	cc := h.Get("Cache-Control")
	switch {
	case strings.HasPrefix(r.Request.URL.Path, "/static/"):
		if r.StatusCode == http.StatusOK && (!strings.Contains(cc, "immutable") || strings.Contains(cc, "no-store")) {
			t.Errorf("%s: Cache-Control %q, want a long-lived immutable asset", what, cc)
		}
	case publicDocuments[r.Request.URL.Path]:
		if cc != "no-store" && cc != "no-cache" {
			t.Errorf("%s: Cache-Control %q, want no-cache or no-store", what, cc)
		}
	case cc != "no-store":
		t.Errorf("%s: Cache-Control %q, want no-store", what, cc)
	}
	hsts := h.Get("Strict-Transport-Security")
	switch {
	case overTLS && !hstsOK(hsts):
		t.Errorf("%s: Strict-Transport-Security %q, want max-age of at least a year", what, hsts)
	case !overTLS && hsts != "":
		t.Errorf("%s: Strict-Transport-Security %q over plain HTTP", what, hsts)
	}
}

// publicDocuments hold no personal data and may be cached when the client
// revalidates them (no-cache with an ETag) instead of never (no-store).
var publicDocuments = map[string]bool{"/api/v1/openapi.json": true}

var maxAgeRE = regexp.MustCompile(`(?i)max-age=(\d+)`)

func hstsOK(v string) bool {
	m := maxAgeRE.FindStringSubmatch(v)
	if m == nil {
		return false
	}
	n, err := strconv.Atoi(m[1])
	return err == nil && n >= 365*24*3600
}

// staticAssets returns the stylesheet and script paths a page links.
func staticAssets(t *testing.T, doc *html.Node) []string {
	t.Helper()
	var out []string
	for _, e := range findAll(doc, func(e *html.Node) bool {
		return (e.DataAtom == atom.Link && attr(e, "rel") == "stylesheet") || (e.DataAtom == atom.Script && attr(e, "src") != "")
	}) {
		p := attr(e, "href") + attr(e, "src")
		if !strings.HasPrefix(p, "/static/") {
			t.Errorf("asset %q not under /static/", p)
		}
		out = append(out, p)
	}
	if len(out) < 2 {
		t.Errorf("page links %d assets, want a stylesheet and a script", len(out))
	}
	return out
}

var pathParamRE = regexp.MustCompile(`\{[^}]+\}`)

func TestSecurityHeadersEveryRoute(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withConfig(func(c *config.Config) { c.MetricsToken = "metrics-token-0123456789abcdef" }))
	createUser(t, ts, "andreas.krueger", "Andreas Krüger", actor.RoleAdmin)
	anon := newClient(t, ts)
	assets := staticAssets(t, get(t, anon, ts.URL+"/login").doc(t))

	ui := []string{"/", "/login", "/login/2fa", "/login/recovery", "/2fa/enrol", "/setup/x", "/profile",
		"/admin/users", "/admin/org-units", "/admin/roles", "/audit", "/healthz", "/readyz", "/metrics",
		"/nonexistent", "/static/nonexistent.css", "/api/v1/nonexistent"}
	ui = append(ui, assets...)

	for _, who := range []string{"anonymous", "logged in"} {
		t.Run(who, func(t *testing.T) {
			c := anon
			if who == "logged in" {
				c = loginFull(t, ts, "andreas.krueger", testPassword)
			}
			for _, p := range ui {
				checkSecurityHeaders(t, get(t, c, ts.URL+p), false)
			}
			checkSecurityHeaders(t, form(t, c, ts.URL+"/login", url.Values{"username": {"x"}}), false)
			routes := ts.Server.Routes()
			if len(routes) == 0 {
				t.Log("TODO: no API routes registered yet")
			}
			for _, r := range routes {
				var body io.Reader
				if r.Method != http.MethodGet && r.Method != http.MethodHead {
					body = strings.NewReader("{}")
				}
				req := newRequest(t, r.Method, ts.URL+pathParamRE.ReplaceAllString(r.Path, "999999"), body)
				req.Header.Set("Content-Type", "application/json")
				checkSecurityHeaders(t, do(t, c, req), false)
			}
			// The logout comes last: it ends the session.
			checkSecurityHeaders(t, form(t, c, ts.URL+"/logout", nil), false)
		})
	}
}

// selfSignedCert writes an RSA certificate for 127.0.0.1 and its key into
// dir and returns the file names and a pool that trusts the certificate.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "ortlos test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, pool
}

func TestTLS(t *testing.T) {
	t.Parallel()
	certFile, keyFile, pool := selfSignedCert(t, t.TempDir())
	ts := startServer(t, withTLS(certFile, keyFile, pool))
	if !strings.HasPrefix(ts.URL, "https://") {
		t.Fatalf("URL %q, want https", ts.URL)
	}
	createUser(t, ts, "erika.mustermann", "Erika Mustermann")
	c := newClient(t, ts)
	for _, p := range []string{"/login", "/", "/healthz", "/nonexistent"} {
		checkSecurityHeaders(t, get(t, c, ts.URL+p), true)
	}

	t.Run("session cookie", func(t *testing.T) {
		res := form(t, c, ts.URL+"/login", url.Values{"username": {"erika.mustermann"}, "password": {testPassword}})
		wantRedirect(t, res, "/2fa/enrol")
		var ck *http.Cookie
		for _, x := range res.Cookies() {
			if strings.HasSuffix(x.Name, "ortlos_session") {
				ck = x
			}
		}
		if ck == nil {
			t.Fatalf("no session cookie: %v", res.Header.Values("Set-Cookie"))
		}
		if ck.Name != "__Host-ortlos_session" || !ck.Secure || !ck.HttpOnly || ck.Path != "/" || ck.Domain != "" || ck.SameSite != http.SameSiteLaxMode {
			t.Errorf("session cookie %s, want __Host-ortlos_session; Path=/; Secure; HttpOnly; SameSite=Lax without Domain", ck)
		}
		// The cookie works over TLS.
		wantStatus(t, get(t, c, ts.URL+"/2fa/enrol"), http.StatusOK)
		for _, x := range get(t, c, ts.URL+"/lang/en").Cookies() {
			if !x.Secure {
				t.Errorf("cookie %s without Secure over TLS", x.Name)
			}
		}
	})

	t.Run("handshake", func(t *testing.T) {
		addr := strings.TrimPrefix(ts.URL, "https://")
		tests := []struct {
			name string
			cfg  *tls.Config
			ok   bool
		}{
			{"TLS 1.3", &tls.Config{MinVersion: tls.VersionTLS13}, true},
			{"TLS 1.2 ECDHE-RSA-AES128-GCM", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}}, true},
			{"TLS 1.2 ECDHE-RSA-AES256-GCM", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}}, true},
			{"TLS 1.1", &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}, false},
			{"TLS 1.0", &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10}, false},
			{"TLS 1.2 RSA key exchange", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256}}, false},
			{"TLS 1.2 CBC", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}}, false},
			{"TLS 1.2 ChaCha20", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}}, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				cfg := tt.cfg.Clone()
				cfg.RootCAs = pool
				conn, err := tls.Dial("tcp", addr, cfg)
				if conn != nil {
					conn.Close()
				}
				switch {
				case tt.ok && err != nil:
					t.Errorf("handshake failed: %v", err)
				case !tt.ok && err == nil:
					t.Errorf("handshake succeeded, want it refused by the server")
				case !tt.ok && !strings.Contains(err.Error(), "remote error"):
					// The server must be the one saying no, not the client.
					t.Errorf("handshake error %q, want an alert from the server", err)
				}
			})
		}
	})
}

func TestCrossOriginPostRejected(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	createUser(t, ts, "erika.mustermann", "Erika Mustermann")
	creds := url.Values{"username": {"erika.mustermann"}, "password": {testPassword}}
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
		{"Origin", "https://evil.example"},
		{"Origin", "null"},
	} {
		c := newClient(t, ts)
		res := form(t, c, ts.URL+"/login", creds, h...)
		wantStatus(t, res, http.StatusForbidden)
		if got, want := textOf(find(res.doc(t), func(e *html.Node) bool { return e.DataAtom == atom.Main })), de.Error("cross_origin"); !strings.Contains(got, want) {
			t.Errorf("%s: %s: page %q does not say %q", h[0], h[1], got, want)
		}
		if sessionCookie(t, ts, c) != "" {
			t.Errorf("%s: %s: session cookie set", h[0], h[1])
		}
		if n := countRows(t, ts, "sessions", ""); n != 0 {
			t.Fatalf("%s: %s: %d sessions created, want 0", h[0], h[1], n)
		}
	}
	if n := len(auditRecords(t, ts, "auth.")); n != 0 {
		t.Errorf("%d auth records after rejected requests; the handler ran", n)
	}

	// Same-origin posts, as browsers send them, work.
	sameOrigin := [][]string{{"Sec-Fetch-Site", "same-origin"}, {"Origin", ts.URL}, nil}
	var clients []*http.Client
	for i, h := range sameOrigin {
		c := newClient(t, ts)
		wantRedirect(t, form(t, c, ts.URL+"/login", creds, h...), "/2fa/enrol")
		if n := countRows(t, ts, "sessions", ""); n != i+1 {
			t.Errorf("%v: %d sessions, want %d", h, n, i+1)
		}
		clients = append(clients, c)
	}
	// A session that still has to enrol can log out.
	for i, c := range clients {
		wantRedirect(t, form(t, c, ts.URL+"/logout", nil, sameOrigin[i]...), "/login")
	}
	if n := countRows(t, ts, "sessions", ""); n != 0 {
		t.Errorf("%d sessions after logging out, want 0", n)
	}

	// A foreign site cannot log a user out either.
	c := loginFull(t, ts, "erika.mustermann", testPassword)
	wantStatus(t, form(t, c, ts.URL+"/logout", nil, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	wantStatus(t, get(t, c, ts.URL+"/"), http.StatusOK)
}

func TestLoginThrottling(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	createUser(t, ts, "erika.mustermann", "Erika Mustermann")
	c := newClient(t, ts)
	var wrong string
	for i := range identity.DefaultThrottlePolicy().AccountFree {
		msg := loginError(t, ts, c, "erika.mustermann", "falsches-Passwort-"+strconv.Itoa(i))
		if i == 0 {
			wrong = msg
		} else if msg != wrong {
			t.Errorf("attempt %d: error %q, want %q", i+1, msg, wrong)
		}
	}
	// The right password now gets the same answer as a wrong one.
	if got := loginError(t, ts, c, "erika.mustermann", testPassword); got != wrong {
		t.Errorf("throttled login: error %q, want the wrong-password text %q", got, wrong)
	}
	if n := countRows(t, ts, "sessions", ""); n != 0 {
		t.Errorf("%d sessions, want 0", n)
	}
	if recs := auditRecords(t, ts, "auth.login_throttled"); len(recs) != 1 {
		t.Errorf("%d auth.login_throttled records, want 1", len(recs))
	}
}

func TestClientAddressFromProxy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		trusted []netip.Prefix
		xff     string
		want    string
	}{
		{"no trusted proxy", nil, "203.0.113.7", "127.0.0.1"},
		{"other trusted proxy", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "203.0.113.7", "127.0.0.1"},
		{"trusted proxy", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "203.0.113.7", "203.0.113.7"},
		{"chain through trusted proxies", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}, "198.51.100.9, 203.0.113.7, 10.1.2.3", "203.0.113.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, withConfig(func(c *config.Config) { c.TrustedProxies = tt.trusted }))
			loginError(t, ts, newClient(t, ts), "niemand", "falsches-Passwort-1", "X-Forwarded-For", tt.xff)
			recs := auditRecords(t, ts, "auth.login_failed")
			if len(recs) != 1 || recs[0].SourceIP != tt.want {
				t.Fatalf("auth.login_failed records %+v, want one from %s", recs, tt.want)
			}
		})
	}
}

// passwordStep posts the password and expects the code prompt.
func passwordStep(t *testing.T, ts *testServer, c *http.Client, username string) {
	t.Helper()
	wantRedirect(t, form(t, c, ts.URL+"/login", url.Values{"username": {username}, "password": {testPassword}}), "/login/2fa")
}

// fakeNow is a fixed start for the fake clocks: a Monday morning.
var fakeNow = time.Date(2026, 3, 2, 7, 30, 0, 0, time.UTC)

func TestTOTPReplay(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(fakeNow)
	ts := startServer(t, withClock(clk))
	const username = "erika.mustermann"
	createUser(t, ts, username, "Erika Mustermann")
	enrolOnly(t, ts, username)

	// A login with the code of the next time step.
	c := newClient(t, ts)
	passwordStep(t, ts, c, username)
	code, _ := ts.nextCode(t, username)
	wantRedirect(t, form(t, c, ts.URL+"/login/2fa", url.Values{"code": {code}, "next": {"/"}}), "/")
	wantRedirect(t, form(t, c, ts.URL+"/logout", nil), "/login")

	// The same code, still inside its window, does not log in again.
	ts.mu.Lock()
	secret := ts.mfa[username].secret
	ts.mu.Unlock()
	c = newClient(t, ts)
	passwordStep(t, ts, c, username)
	for _, replay := range []string{code, totp.Code(secret, totp.Step(clk.Now())-1)} {
		res := form(t, c, ts.URL+"/login/2fa", url.Values{"code": {replay}, "next": {"/"}})
		wantStatus(t, res, http.StatusUnauthorized)
		doc := res.doc(t)
		if got := textOf(errorSummary(doc)); !strings.HasPrefix(got, de.Error("invalid_code")) {
			t.Errorf("replayed code: error %q, want %q", got, de.Error("invalid_code"))
		}
		if attr(byID(doc, "f-code"), "aria-invalid") != "true" {
			t.Error("replayed code: field not marked invalid")
		}
	}
	wantRedirect(t, get(t, c, ts.URL+"/"), "/login/2fa")
	if n := len(auditRecords(t, ts, "auth.2fa_failed")); n != 2 {
		t.Errorf("%d auth.2fa_failed records, want 2", n)
	}

	// The next time step brings a new code that works.
	code, _ = ts.nextCode(t, username)
	wantRedirect(t, form(t, c, ts.URL+"/login/2fa", url.Values{"code": {code}, "next": {"/"}}), "/")
	wantStatus(t, get(t, c, ts.URL+"/"), http.StatusOK)
}

func TestSessionFixation(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(fakeNow)
	ts := startServer(t, withClock(clk))
	createUser(t, ts, "erika.mustermann", "Erika Mustermann")
	createUser(t, ts, "mallory", "Mallory Angreifer")
	enrolOnly(t, ts, "erika.mustermann")
	attacker := loginFull(t, ts, "mallory", testPassword)
	attackerToken := sessionCookie(t, ts, attacker)

	for _, planted := range []struct{ name, value string }{
		{"arbitrary value", "planted-by-an-attacker-0123456789"},
		{"attacker's valid session", attackerToken},
	} {
		t.Run(planted.name, func(t *testing.T) {
			c := withSessionCookie(t, ts, planted.value)
			passwordStep(t, ts, c, "erika.mustermann")
			pending := sessionCookie(t, ts, c)
			if pending == planted.value {
				t.Fatal("the password step kept the planted session token")
			}
			code, _ := ts.nextCode(t, "erika.mustermann")
			wantRedirect(t, form(t, c, ts.URL+"/login/2fa", url.Values{"code": {code}, "next": {"/"}}), "/")
			final := sessionCookie(t, ts, c)
			if final == "" || final == pending || final == planted.value {
				t.Fatalf("session token after login %q; pending %q, planted %q: want a new one", final, pending, planted.value)
			}
			if got := h1(get(t, c, ts.URL+"/").doc(t)); !strings.Contains(got, "Erika Mustermann") {
				t.Errorf("start page h1 %q, want Erika's", got)
			}
			// The pending token is dead, and the planted one did not
			// become Erika's session.
			for _, p := range []string{"/login/2fa", "/"} {
				wantRedirect(t, get(t, withSessionCookie(t, ts, pending), ts.URL+p), "/login")
			}
			res := get(t, withSessionCookie(t, ts, planted.value), ts.URL+"/")
			if planted.value == attackerToken {
				wantStatus(t, res, http.StatusOK)
				if got := h1(res.doc(t)); strings.Contains(got, "Erika") || !strings.Contains(got, "Mallory") {
					t.Errorf("attacker's token shows %q after Erika's login", got)
				}
			} else {
				wantRedirect(t, res, "/login")
			}
		})
	}

	t.Run("enrolment", func(t *testing.T) {
		createUser(t, ts, "lukas.becker", "Lukas Becker")
		c := withSessionCookie(t, ts, "planted-before-enrolment-0123456789")
		wantRedirect(t, form(t, c, ts.URL+"/login", url.Values{"username": {"lukas.becker"}, "password": {testPassword}}), "/2fa/enrol")
		enrolToken := sessionCookie(t, ts, c)
		enrol(t, ts, c, "lukas.becker")
		final := sessionCookie(t, ts, c)
		if final == enrolToken {
			t.Fatal("enrolment kept the session token")
		}
		wantRedirect(t, get(t, withSessionCookie(t, ts, enrolToken), ts.URL+"/2fa/enrol"), "/login")
		wantStatus(t, get(t, c, ts.URL+"/"), http.StatusOK)
	})
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		clk := clock.NewFake(fakeNow)
		ts := startServer(t, withClock(clk))
		createUser(t, ts, "erika.mustermann", "Erika Mustermann")
		c := loginFull(t, ts, "erika.mustermann", testPassword)
		clk.Advance(29 * time.Minute)
		wantStatus(t, get(t, c, ts.URL+"/"), http.StatusOK)
		clk.Advance(31 * time.Minute)
		wantRedirect(t, get(t, c, ts.URL+"/"), "/login")
		if sessionCookie(t, ts, c) != "" {
			t.Error("expired session cookie not cleared")
		}
		recs := auditRecords(t, ts, "session.expire")
		if len(recs) != 1 || !strings.Contains(recs[0].Detail, "expired_idle") {
			t.Errorf("session.expire records %+v, want one for expired_idle", recs)
		}
	})
	t.Run("event streams are not activity", func(t *testing.T) {
		t.Parallel()
		clk := clock.NewFake(fakeNow)
		ts := startServer(t, withClock(clk))
		createUser(t, ts, "erika.mustermann", "Erika Mustermann")
		c := loginFull(t, ts, "erika.mustermann", testPassword)
		// An open board reconnects its event stream (EventSource sends
		// Accept: text/event-stream); that must not keep the session alive.
		for range 2 {
			clk.Advance(14 * time.Minute)
			req := newRequest(t, "GET", ts.URL+"/", nil)
			req.Header.Set("Accept", "text/event-stream")
			wantStatus(t, do(t, c, req), http.StatusOK)
		}
		clk.Advance(3 * time.Minute) // 31 minutes after the last real request
		wantRedirect(t, get(t, c, ts.URL+"/"), "/login")
	})
	t.Run("absolute", func(t *testing.T) {
		t.Parallel()
		clk := clock.NewFake(fakeNow)
		ts := startServer(t, withClock(clk))
		createUser(t, ts, "erika.mustermann", "Erika Mustermann")
		c := loginFull(t, ts, "erika.mustermann", testPassword)
		const step, lifetime = 20 * time.Minute, 12 * time.Hour
		for elapsed := step; elapsed < lifetime; elapsed += step {
			clk.Advance(step)
			if res := get(t, c, ts.URL+"/"); res.StatusCode != http.StatusOK {
				t.Fatalf("after %v of activity: status %d, want 200", elapsed, res.StatusCode)
			}
		}
		clk.Advance(step) // 12 h after the login
		wantRedirect(t, get(t, c, ts.URL+"/"), "/login")
		recs := auditRecords(t, ts, "session.expire")
		if len(recs) != 1 || !strings.Contains(recs[0].Detail, "expired_absolute") {
			t.Errorf("session.expire records %+v, want one for expired_absolute", recs)
		}
	})
}

func TestNoDefaultCredentials(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	need, err := ts.Identity.NeedsSetup(context.Background())
	if err != nil || !need {
		t.Fatalf("NeedsSetup = %v, %v; want a fresh database to need set-up", need, err)
	}
	if n := countRows(t, ts, "users", ""); n != 0 {
		t.Fatalf("fresh database has %d users, want 0", n)
	}
	c := newClient(t, ts)
	for _, cred := range [][2]string{{"admin", "admin"}, {"admin", "password"}, {"root", "root"}, {"ortlos", "ortlos"}, {"administrator", "administrator"}} {
		if got, want := loginError(t, ts, c, cred[0], cred[1]), de.Error("invalid_credentials"); got != want {
			t.Errorf("%s/%s: error %q, want %q", cred[0], cred[1], got, want)
		}
	}
	if n := countRows(t, ts, "sessions", ""); n != 0 {
		t.Errorf("%d sessions, want 0", n)
	}
}

func TestForeignObjectsAreNotFound(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	ctx := context.Background()
	a := createUser(t, ts, "erika.mustermann", "Erika Mustermann")
	createUser(t, ts, "lukas.becker", "Lukas Becker")
	createUser(t, ts, "andreas.krueger", "Andreas Krüger", actor.RoleAdmin)
	ca := loginFull(t, ts, "erika.mustermann", testPassword)
	cb := loginFull(t, ts, "lukas.becker", testPassword)
	var sessionID int64
	if err := ts.DB.QueryRowContext(ctx, "SELECT id FROM sessions WHERE user_id = ?", a.ID).Scan(&sessionID); err != nil {
		t.Fatal(err)
	}
	tok, secret, err := ts.Identity.CreateTokenFor(ctx, actor.CLI(), a.ID, identity.NewToken{Name: "Skript", Scope: identity.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	sid, tid := strconv.FormatInt(sessionID, 10), strconv.FormatInt(tok.ID, 10)

	requests := []struct{ method, path string }{
		{http.MethodPost, "/profile/sessions/" + sid + "/revoke"},
		{http.MethodPost, "/profile/tokens/" + tid + "/revoke"},
		{http.MethodDelete, "/api/v1/me/sessions/" + sid},
		{http.MethodDelete, "/api/v1/me/tokens/" + tid},
	}
	for _, r := range requests {
		res := do(t, cb, newRequest(t, r.method, ts.URL+r.path, nil))
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("user B: %s %s: status %d, want 404", r.method, r.path, res.StatusCode)
		}
	}
	// Erika's session and token still work.
	wantStatus(t, get(t, ca, ts.URL+"/"), http.StatusOK)
	if _, err := ts.Identity.AuthenticateToken(ctx, secret, "127.0.0.1"); err != nil {
		t.Errorf("Erika's token after B's attempts: %v", err)
	}
	// Erika herself can revoke her token (positive control).
	if res := form(t, ca, ts.URL+"/profile/tokens/"+tid+"/revoke", nil); res.StatusCode == http.StatusNotFound {
		t.Log("TODO: POST /profile/tokens/{id}/revoke is not registered yet; positive control skipped")
	} else {
		wantRedirect(t, res, "/profile")
		if _, err := ts.Identity.AuthenticateToken(ctx, secret, "127.0.0.1"); err == nil {
			t.Error("token still valid after its owner revoked it")
		}
	}

	// Administration and audit pages do not exist for employees.
	admin := loginFull(t, ts, "andreas.krueger", testPassword)
	for _, p := range []string{"/admin/users", "/admin/users/" + strconv.FormatInt(a.ID, 10), "/admin/org-units", "/admin/roles", "/audit"} {
		wantStatus(t, get(t, cb, ts.URL+p), http.StatusNotFound)
		if res := get(t, admin, ts.URL+p); res.StatusCode == http.StatusNotFound {
			t.Logf("TODO: %s answers 404 to an administrator too: not built yet", p)
		} else {
			wantStatus(t, res, http.StatusOK)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	const limit = 64 << 10
	ts := startServer(t, withConfig(func(c *config.Config) { c.MaxBodyBytes = limit }))
	u := createUser(t, ts, "erika.mustermann", "Erika Mustermann")
	_, token, err := ts.Identity.CreateTokenFor(context.Background(), actor.CLI(), u.ID, identity.NewToken{Name: "Skript", Scope: identity.ScopeWrite})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, ts)
	big := url.Values{"username": {"erika.mustermann"}, "password": {"x"}, "pad": {strings.Repeat("a", limit)}}.Encode()
	small := url.Values{"username": {"erika.mustermann"}, "password": {"x"}, "pad": {strings.Repeat("a", limit-100)}}.Encode()
	bigJSON := `{"name":"` + strings.Repeat("a", limit) + `","scope":"read"}`

	tests := []struct {
		name, path, contentType, body string
		chunked                       bool
		want                          int
	}{
		{"form", "/login", "application/x-www-form-urlencoded", big, false, http.StatusRequestEntityTooLarge},
		{"form chunked", "/login", "application/x-www-form-urlencoded", big, true, http.StatusRequestEntityTooLarge},
		{"form under the limit", "/login", "application/x-www-form-urlencoded", small, false, http.StatusUnauthorized},
		{"API", "/api/v1/me/tokens", "application/json", bigJSON, false, http.StatusRequestEntityTooLarge},
		{"API chunked", "/api/v1/me/tokens", "application/json", bigJSON, true, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req := newRequest(t, http.MethodPost, ts.URL+tt.path, body)
			req.Header.Set("Content-Type", tt.contentType)
			if strings.HasPrefix(tt.path, "/api/") {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			res := do(t, c, req)
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d; body %.300s", res.StatusCode, tt.want, res.body)
			}
			if tt.want == http.StatusRequestEntityTooLarge && strings.HasPrefix(tt.path, "/api/") {
				if p := problem(t, res); p.Code != "body_too_large" {
					t.Errorf("problem code %q, want body_too_large", p.Code)
				}
			}
		})
	}
}

func TestLoginAnswerSameForUnknownUser(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	ctx := context.Background()
	createUser(t, ts, "erika.mustermann", "Erika Mustermann")
	disabled := createUser(t, ts, "lukas.becker", "Lukas Becker")
	if _, err := ts.Identity.SetDisabled(ctx, actor.CLI(), disabled.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Identity.CreateUser(ctx, actor.CLI(), identity.NewUser{Username: "ohne.passwort", DisplayName: "Ohne Passwort", Roles: []string{actor.RoleEmployee}}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, ts)
	want := loginError(t, ts, c, "erika.mustermann", "falsches-Passwort-123")
	for _, cred := range [][2]string{
		{"niemand.bekannt", "falsches-Passwort-123"},
		{"lukas.becker", testPassword},
		{"ohne.passwort", testPassword},
		{"", ""},
	} {
		if got := loginError(t, ts, c, cred[0], cred[1]); got != want {
			t.Errorf("login %q: error %q, want the same as for a wrong password: %q", cred[0], got, want)
		}
	}
}
