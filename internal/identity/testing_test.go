package identity_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/identity"
	"ortlos/internal/identity/password"
	"ortlos/internal/identity/totp"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// t0 starts a TOTP time step, so a test knows which step "now" falls into.
var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

const (
	testOrg      = "Stadt Musterstadt"
	testPassword = "correct horse battery staple"
	testIP       = "192.0.2.10"
	testUA       = "test-agent/1.0"
)

// testHasher is shared by all tests: argon2id is the slowest part of these
// tests, and one semaphore keeps the parallel tests from fighting over the
// CPUs.
var testHasher = sync.OnceValue(func() *password.Hasher {
	h, err := password.NewHasher(password.MinParams, 2)
	if err != nil {
		panic(err)
	}
	return h
})

// testPasswordHash is the hash of testPassword, computed once; the user
// builder stores it directly so that creating users costs no hashing.
var testPasswordHash = sync.OnceValues(func() (string, error) {
	return testHasher().Hash(context.Background(), testPassword)
})

// testKey is the SecretBox key of every test service.
var testKey = make([]byte, 32)

// newTestService returns an identity service on d with a fake clock at t0,
// the organisation testOrg and the default settings changed by opts.
func newTestService(t *testing.T, d *db.DB, opts ...func(*identity.Settings)) (*identity.Service, *clock.Fake) {
	t.Helper()
	box, err := identity.NewSecretBox(testKey)
	if err != nil {
		t.Fatalf("NewSecretBox: %v", err)
	}
	s := identity.DefaultSettings()
	s.OrgName = testOrg
	for _, o := range opts {
		o(&s)
	}
	clk := clock.NewFake(t0)
	return identity.NewService(d, clk, testHasher(), box, s, nil), clk
}

// harness bundles a service under test with its database and clock.
type harness struct {
	t   *testing.T
	ctx context.Context
	d   *db.DB
	svc *identity.Service
	clk *clock.Fake
}

// newHarness returns a harness whose audit chain is verified when the test
// ends.
func newHarness(t *testing.T, d *db.DB, opts ...func(*identity.Settings)) *harness {
	t.Helper()
	svc, clk := newTestService(t, d, opts...)
	h := &harness{t: t, ctx: context.Background(), d: d, svc: svc, clk: clk}
	t.Cleanup(func() {
		res, err := audit.Verify(context.Background(), d)
		if err != nil {
			t.Errorf("audit.Verify: %v", err)
		} else if !res.OK {
			t.Errorf("audit.Verify: chain broken at %d: %s", res.BrokenSeq, res.Reason)
		}
	})
	return h
}

// mustCreateUser creates a user with testPassword and roles through the CLI
// actor. The password hash is written directly (see testPasswordHash).
func (h *harness) mustCreateUser(username string, roles ...string) identity.User {
	h.t.Helper()
	return h.mustCreateUserWith(identity.NewUser{Username: username, Roles: roles})
}

// mustCreateUserWith is mustCreateUser with more fields; DisplayName
// defaults to the username.
func (h *harness) mustCreateUserWith(in identity.NewUser) identity.User {
	h.t.Helper()
	if in.DisplayName == "" {
		in.DisplayName = in.Username
	}
	u, err := h.svc.CreateUser(h.ctx, actor.CLI(), in)
	if err != nil {
		h.t.Fatalf("CreateUser(%q): %v %v", in.Username, err, fieldsOf(err))
	}
	hash, err := testPasswordHash()
	if err != nil {
		h.t.Fatalf("hash: %v", err)
	}
	h.exec("UPDATE users SET password_hash = ? WHERE id = ?", hash, u.ID)
	return u
}

// relaxMFA makes the second factor optional for roles.
func (h *harness) relaxMFA(roles ...string) {
	h.t.Helper()
	for _, r := range roles {
		if _, err := h.svc.SetRoleMFARequired(h.ctx, actor.CLI(), r, false); err != nil {
			h.t.Fatalf("SetRoleMFARequired(%q, false): %v", r, err)
		}
	}
}

// login runs the password step with testPassword and fails the test on
// error.
func (h *harness) login(username string) identity.LoginResult {
	h.t.Helper()
	return h.loginFrom(username, testIP)
}

func (h *harness) loginFrom(username, ip string) identity.LoginResult {
	h.t.Helper()
	res, err := h.svc.Login(h.ctx, identity.LoginInput{Username: username, Password: testPassword, SourceIP: ip, UserAgent: testUA})
	if err != nil {
		h.t.Fatalf("Login(%q): %v", username, err)
	}
	return res
}

// session is a logged-in test user.
type session struct {
	Token string
	Auth  identity.Auth
}

// loginFull logs username in up to a full session: through the enrolment
// when the user has no second factor but needs one, with the current TOTP
// code when the user has one.
func (h *harness) loginFull(username string) session {
	h.t.Helper()
	res := h.login(username)
	token := res.Token
	switch res.Session.Stage {
	case identity.StageFull:
	case identity.StageEnrol:
		token, _, _ = h.enrol(token)
	case identity.StageMFA:
		code := totp.Code(h.secret(res.User.ID), totp.Step(h.clk.Now()))
		full, err := h.svc.CompleteLoginTOTP(h.ctx, token, code, testIP, testUA)
		if err != nil {
			h.t.Fatalf("CompleteLoginTOTP(%q): %v (advance the clock by a step between logins)", username, err)
		}
		token = full.Token
	default:
		h.t.Fatalf("Login(%q): unknown stage %q", username, res.Session.Stage)
	}
	return session{Token: token, Auth: h.auth(token)}
}

// enrol sets up TOTP through the session token (stage "enrol" or "full")
// and returns the token to use afterwards, the secret and the recovery
// codes.
func (h *harness) enrol(token string) (string, []byte, []string) {
	h.t.Helper()
	a := h.auth(token).Actor
	e, err := h.svc.StartEnrolment(h.ctx, a)
	if err != nil {
		h.t.Fatalf("StartEnrolment: %v", err)
	}
	secret, err := totp.DecodeSecret(e.Secret)
	if err != nil {
		h.t.Fatalf("DecodeSecret(%q): %v", e.Secret, err)
	}
	res, err := h.svc.ConfirmEnrolment(h.ctx, a, totp.Code(secret, totp.Step(h.clk.Now())), testUA)
	if err != nil {
		h.t.Fatalf("ConfirmEnrolment: %v", err)
	}
	if res.Token != "" {
		token = res.Token
	}
	return token, secret, res.RecoveryCodes
}

// auth authenticates a session token and fails the test on error.
func (h *harness) auth(token string) identity.Auth {
	h.t.Helper()
	a, err := h.svc.AuthenticateSession(h.ctx, token, testIP)
	if err != nil {
		h.t.Fatalf("AuthenticateSession: %v", err)
	}
	return a
}

// secret reads and decrypts a user's stored TOTP secret.
func (h *harness) secret(userID int64) []byte {
	h.t.Helper()
	var sealed string
	h.scan("SELECT totp_secret FROM users WHERE id = ?", []any{userID}, &sealed)
	box, err := identity.NewSecretBox(testKey)
	if err != nil {
		h.t.Fatal(err)
	}
	s, err := box.Open(sealed)
	if err != nil {
		h.t.Fatalf("open TOTP secret of user %d: %v", userID, err)
	}
	return s
}

// code returns the TOTP code of secret for the step steps away from now.
func (h *harness) code(secret []byte, steps int64) string {
	return totp.Code(secret, totp.Step(h.clk.Now())+steps)
}

func (h *harness) exec(query string, args ...any) {
	h.t.Helper()
	if _, err := h.d.ExecContext(h.ctx, query, args...); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
}

func (h *harness) scan(query string, args []any, dest ...any) {
	h.t.Helper()
	if err := h.d.QueryRowContext(h.ctx, query, args...).Scan(dest...); err != nil {
		h.t.Fatalf("%s %v: %v", query, args, err)
	}
}

func (h *harness) count(query string, args ...any) int {
	h.t.Helper()
	var n int
	h.scan(query, args, &n)
	return n
}

// auditRecord is one audit_log row as tests look at it.
type auditRecord struct {
	ActorID    int64
	Actor      string
	Action     string
	ObjectType string
	ObjectID   string
	Detail     map[string]any
}

// audits returns the records with action, oldest first.
func (h *harness) audits(action string) []auditRecord {
	h.t.Helper()
	rows, err := h.d.QueryContext(h.ctx, "SELECT COALESCE(actor_id, 0), actor, action, object_type, object_id, detail FROM audit_log WHERE action = ? ORDER BY seq", action)
	if err != nil {
		h.t.Fatalf("read audit_log: %v", err)
	}
	defer rows.Close()
	var out []auditRecord
	for rows.Next() {
		var r auditRecord
		var detail string
		if err := rows.Scan(&r.ActorID, &r.Actor, &r.Action, &r.ObjectType, &r.ObjectID, &detail); err != nil {
			h.t.Fatalf("scan audit_log: %v", err)
		}
		if err := json.Unmarshal([]byte(detail), &r.Detail); err != nil {
			h.t.Fatalf("audit detail %q: %v", detail, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// lastAudit returns the newest record with action and fails when there is
// none.
func (h *harness) lastAudit(action string) auditRecord {
	h.t.Helper()
	rs := h.audits(action)
	if len(rs) == 0 {
		h.t.Fatalf("no audit record %q", action)
	}
	return rs[len(rs)-1]
}

// wantAudits checks how many records with action exist.
func (h *harness) wantAudits(action string, n int) []auditRecord {
	h.t.Helper()
	rs := h.audits(action)
	if len(rs) != n {
		h.t.Fatalf("audit records %q: got %d, want %d: %+v", action, len(rs), n, rs)
	}
	return rs
}

// snapshot renders the rows that requests may change (everything but the
// touch columns last_seen_at and last_used_at), so a test can show that a
// failed request changed nothing, its audit trail included.
func (h *harness) snapshot() string {
	h.t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, username, display_name, email, org_unit_id, supervisor_id, state, language,
			disabled, password_hash, totp_secret, totp_enabled, totp_last_step, updated_at FROM users ORDER BY id`,
		"SELECT user_id, role_id FROM user_roles ORDER BY user_id, role_id",
		"SELECT id, user_id, stage, expires_at FROM sessions ORDER BY id",
		"SELECT id, user_id, name, scope, expires_at FROM api_tokens ORDER BY id",
		"SELECT user_id, code_hash, used_at FROM recovery_codes ORDER BY user_id, code_hash",
		"SELECT key, failures, locked_until FROM login_throttle ORDER BY key",
		"SELECT id, mfa_required FROM roles ORDER BY id",
		"SELECT id, parent_id, name, kind FROM org_units ORDER BY id",
		"SELECT token_hash, expires_at, used_at FROM setup_links ORDER BY token_hash",
		"SELECT seq, action FROM audit_log ORDER BY seq",
	} {
		rows, err := h.d.QueryContext(h.ctx, q)
		if err != nil {
			h.t.Fatalf("snapshot %s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				h.t.Fatalf("snapshot scan: %v", err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%v|", v)
			}
			b.WriteByte('\n')
		}
		rows.Close()
		b.WriteString("--\n")
	}
	return b.String()
}

// wantUnchanged fails when the database differs from before.
func (h *harness) wantUnchanged(before, what string) {
	h.t.Helper()
	if after := h.snapshot(); after != before {
		h.t.Errorf("%s changed the database:\nbefore:\n%s\nafter:\n%s", what, before, after)
	}
}

// wantCode fails unless err is an application error of kind and code.
func wantCode(t *testing.T, what string, err error, kind apperr.Kind, code string) *apperr.Error {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != kind || e.Code != code {
		t.Fatalf("%s: got error %v, want %s %q", what, err, kind, code)
	}
	return e
}

// wantField fails unless err is a validation error naming field with code.
func wantField(t *testing.T, what string, err error, field, code string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid || e.Fields[field] != code {
		t.Fatalf("%s: got error %v (fields %v), want invalid field %s=%q", what, err, fieldsOf(err), field, code)
	}
}

func fieldsOf(err error) map[string]string {
	if e, ok := apperr.As(err); ok {
		return e.Fields
	}
	return nil
}

// wantSessionInvalid fails unless token no longer authenticates.
func (h *harness) wantSessionInvalid(what, token string) {
	h.t.Helper()
	_, err := h.svc.AuthenticateSession(h.ctx, token, testIP)
	wantCode(h.t, what, err, apperr.Unauthenticated, "session_invalid")
}

func ptr[T any](v T) *T { return &v }
