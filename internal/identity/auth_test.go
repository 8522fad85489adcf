package identity_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/identity"
	"ortlos/internal/identity/password"
)

func TestLoginFailures(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		dora := h.mustCreateUser("dora", actor.RoleEmployee)
		if _, err := h.svc.SetDisabled(h.ctx, actor.CLI(), dora.ID, true); err != nil {
			t.Fatal(err)
		}
		nopw, err := h.svc.CreateUser(h.ctx, actor.CLI(), identity.NewUser{Username: "nopw", DisplayName: "No Password"})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name     string
			username string
			password string
			reason   string
			userID   int64
		}{
			{"wrong password", "anna", "not the password", "wrong_password", anna.ID},
			{"empty password", "anna", "", "wrong_password", anna.ID},
			{"unknown user", "nobody", testPassword, "unknown_user", 0},
			{"disabled user with right password", "dora", testPassword, "disabled", dora.ID},
			{"user without password", "nopw", "", "no_password", nopw.ID},
		}
		for _, tt := range tests {
			sessions := h.count("SELECT count(*) FROM sessions")
			_, err = h.svc.Login(h.ctx, identity.LoginInput{Username: tt.username, Password: tt.password, SourceIP: testIP})
			wantCode(t, tt.name, err, apperr.Unauthenticated, "invalid_credentials")
			if n := h.count("SELECT count(*) FROM sessions"); n != sessions {
				t.Errorf("%s: sessions %d -> %d, want no new session", tt.name, sessions, n)
			}
			rec := h.lastAudit("auth.login_failed")
			if rec.Detail["reason"] != tt.reason || rec.ActorID != tt.userID {
				t.Errorf("%s: auth.login_failed record = %+v, want reason %q, actor %d", tt.name, rec, tt.reason, tt.userID)
			}
			if tt.userID != 0 && (rec.ObjectType != "user" || rec.ObjectID != itoa(tt.userID)) {
				t.Errorf("%s: record object %s/%s, want user/%d", tt.name, rec.ObjectType, rec.ObjectID, tt.userID)
			}
		}
		h.wantAudits("auth.login_failed", len(tests))
		// The name typed for an unknown account may be a password: it is
		// stored nowhere as typed.
		const typo = "Sommerregen-im-Juli-7"
		_, err = h.svc.Login(h.ctx, identity.LoginInput{Username: typo, Password: "x", SourceIP: testIP})
		wantCode(t, "login as "+typo, err, apperr.Unauthenticated, "invalid_credentials")
		for _, q := range []string{"SELECT count(*) FROM login_throttle WHERE lower(key) LIKE '%sommerregen%'", "SELECT count(*) FROM audit_log WHERE lower(detail) LIKE '%sommerregen%' OR lower(actor) LIKE '%sommerregen%'"} {
			if n := h.count(q); n != 0 {
				t.Errorf("%s = %d, want 0", q, n)
			}
		}

		// Username case and surrounding spaces do not matter.
		res, err := h.svc.Login(h.ctx, identity.LoginInput{Username: " ANNA ", Password: testPassword, SourceIP: testIP, UserAgent: testUA})
		if err != nil {
			t.Fatalf("Login with other spelling: %v", err)
		}
		if res.Session.Stage != identity.StageFull || res.User.ID != anna.ID || res.Session.SourceIP != testIP || res.Session.UserAgent != testUA {
			t.Errorf("Login = %+v", res)
		}
		if rec := h.lastAudit("auth.login"); rec.ActorID != anna.ID || rec.ObjectID != itoa(res.Session.ID) || rec.Detail["stage"] != identity.StageFull {
			t.Errorf("auth.login record = %+v", rec)
		}
		// A success clears the account's failures.
		if n := h.count("SELECT count(*) FROM login_throttle WHERE key = ?", accountKey("anna")); n != 0 {
			t.Errorf("throttle rows of anna after success: %d, want 0", n)
		}
	})
}

// accountKey is the login_throttle key of a username: its SHA-256, so that
// names typed for unknown accounts (perhaps a password) are not stored.
func accountKey(username string) string {
	sum := sha256.Sum256([]byte(username))
	return "u:" + hex.EncodeToString(sum[:])
}

// lockedUntil reads the throttle lock of key.
func (h *harness) lockedUntil(key string) time.Time {
	h.t.Helper()
	var until db.Time
	h.scan("SELECT locked_until FROM login_throttle WHERE key = ?", []any{key}, &until)
	return until.Time
}

func (h *harness) wrongLogin(username, ip string) {
	h.t.Helper()
	_, err := h.svc.Login(h.ctx, identity.LoginInput{Username: username, Password: "wrong password!", SourceIP: ip})
	wantCode(h.t, "wrong login of "+username, err, apperr.Unauthenticated, "invalid_credentials")
}

func TestLoginThrottleAccount(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		h.mustCreateUser("anna", actor.RoleEmployee)
		p := identity.DefaultThrottlePolicy()

		for i := 1; i < p.AccountFree; i++ {
			h.wrongLogin("anna", testIP)
			if until := h.lockedUntil(accountKey("anna")); until.After(h.clk.Now()) {
				t.Fatalf("after %d failures locked until %v, want no lock below %d failures", i, until, p.AccountFree)
			}
		}
		h.clk.Advance(time.Second)
		h.wrongLogin("anna", testIP) // the AccountFree-th failure
		if until, want := h.lockedUntil(accountKey("anna")), h.clk.Now().Add(p.Base); !until.Equal(want) {
			t.Fatalf("after %d failures locked until %v, want %v", p.AccountFree, until, want)
		}

		// While locked, even the right password fails, and says nothing more.
		before := h.count("SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed'")
		h.clk.Advance(p.Base - time.Second)
		_, err := h.svc.Login(h.ctx, identity.LoginInput{Username: "anna", Password: testPassword, SourceIP: "198.51.100.1"})
		wantCode(t, "right password while locked", err, apperr.Unauthenticated, "invalid_credentials")
		rec := h.wantAudits("auth.login_throttled", 1)[0]
		if rec.Detail["locked_until"] != t0.Add(time.Second+p.Base).Format(time.RFC3339) {
			t.Errorf("auth.login_throttled record = %+v", rec)
		}
		if n := h.count("SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed'"); n != before {
			t.Errorf("throttled attempt counted as failure: %d -> %d", before, n)
		}

		// The next failure after the lock doubles the delay, and so on.
		prev := p.Base
		for range 3 {
			h.clk.Advance(prev)
			h.wrongLogin("anna", testIP)
			got := h.lockedUntil(accountKey("anna")).Sub(h.clk.Now())
			if got != 2*prev {
				t.Fatalf("delay after another failure = %v, want %v", got, 2*prev)
			}
			prev = got
		}
		h.clk.Advance(prev - time.Second)
		_, err = h.svc.Login(h.ctx, identity.LoginInput{Username: "anna", Password: testPassword, SourceIP: testIP})
		wantCode(t, "right password one second early", err, apperr.Unauthenticated, "invalid_credentials")

		h.clk.Advance(time.Second)
		h.login("anna")
		if n := h.count("SELECT count(*) FROM login_throttle WHERE key = ?", accountKey("anna")); n != 0 {
			t.Errorf("account throttle left after success: %d rows", n)
		}
	})
}

func TestThrottleDelayCapped(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, func(s *identity.Settings) {
			s.Throttle = identity.ThrottlePolicy{AccountFree: 1, AddressFree: 100, Base: time.Minute, Max: 3 * time.Minute, Window: time.Hour}
		})
		for i, want := range []time.Duration{time.Minute, 2 * time.Minute, 3 * time.Minute, 3 * time.Minute} {
			h.wrongLogin("ghost", testIP)
			got := h.lockedUntil(accountKey("ghost")).Sub(h.clk.Now())
			if got != want {
				t.Fatalf("failure %d: delay %v, want %v", i+1, got, want)
			}
			h.clk.Advance(got)
		}
		// Failures older than the window are forgotten.
		h.clk.Advance(time.Hour + time.Second)
		h.wrongLogin("ghost", testIP)
		if got := h.lockedUntil(accountKey("ghost")).Sub(h.clk.Now()); got != time.Minute {
			t.Errorf("delay after the window = %v, want %v", got, time.Minute)
		}
	})
}

func TestLoginThrottleAddress(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, func(s *identity.Settings) { s.Throttle.AddressFree = 3 })
		h.relaxMFA(actor.RoleEmployee)
		h.mustCreateUser("anna", actor.RoleEmployee)
		const attacker = "203.0.113.66"
		// Each guess uses another name, so no account reaches its limit.
		for _, name := range []string{"alice", "bob", "carol"} {
			h.wrongLogin(name, attacker)
		}
		if until := h.lockedUntil("ip:" + attacker); !until.Equal(h.clk.Now().Add(30 * time.Second)) {
			t.Fatalf("address locked until %v, want %v", until, h.clk.Now().Add(30*time.Second))
		}
		_, err := h.svc.Login(h.ctx, identity.LoginInput{Username: "anna", Password: testPassword, SourceIP: attacker})
		wantCode(t, "right password from a locked address", err, apperr.Unauthenticated, "invalid_credentials")
		h.wantAudits("auth.login_throttled", 1)

		// Other addresses are not affected, and a success from elsewhere
		// does not unlock the address.
		h.loginFrom("anna", testIP)
		_, err = h.svc.Login(h.ctx, identity.LoginInput{Username: "anna", Password: testPassword, SourceIP: attacker})
		wantCode(t, "locked address after a success elsewhere", err, apperr.Unauthenticated, "invalid_credentials")

		h.clk.Advance(30 * time.Second)
		h.loginFrom("anna", attacker)
	})
}

// TestSecondFactorThrottle checks that wrong codes count toward the account
// lock and that a correct password does not forgive them.
func TestSecondFactorThrottle(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		_, secret, _ := h.enrol(h.login("anna").Token)
		h.clk.Advance(30 * time.Second)
		p := identity.DefaultThrottlePolicy()

		pending := h.login("anna")
		wrong := wrongCode(h.code(secret, 0), h.code(secret, -1))
		for i := range p.AccountFree {
			_, err := h.svc.CompleteLoginTOTP(h.ctx, pending.Token, wrong, testIP, testUA)
			wantCode(t, "wrong code", err, apperr.Unauthenticated, "invalid_code")
			if i == 0 {
				if rec := h.lastAudit("auth.2fa_failed"); rec.ActorID != anna.ID || rec.Detail["method"] != "totp" {
					t.Errorf("auth.2fa_failed record = %+v", rec)
				}
			}
		}
		h.wantAudits("auth.2fa_failed", p.AccountFree)
		// Locked: the right code is refused too, and so is the password.
		_, err := h.svc.CompleteLoginTOTP(h.ctx, pending.Token, h.code(secret, 0), testIP, testUA)
		wantCode(t, "right code while locked", err, apperr.Unauthenticated, "invalid_code")
		h.wantAudits("auth.login_throttled", 1)
		_, err = h.svc.Login(h.ctx, identity.LoginInput{Username: "anna", Password: testPassword, SourceIP: testIP})
		wantCode(t, "password while locked", err, apperr.Unauthenticated, "invalid_credentials")

		// After the lock a correct password starts a login but keeps the
		// count: the next wrong code locks again, for longer.
		h.clk.Advance(p.Base)
		pending = h.login("anna")
		_, err = h.svc.CompleteLoginTOTP(h.ctx, pending.Token, wrongCode(h.code(secret, 0), h.code(secret, -1)), testIP, testUA)
		wantCode(t, "wrong code after the lock", err, apperr.Unauthenticated, "invalid_code")
		if got := h.lockedUntil(accountKey("anna")).Sub(h.clk.Now()); got != 2*p.Base {
			t.Fatalf("lock after one more wrong code = %v, want %v", got, 2*p.Base)
		}
		h.clk.Advance(2 * p.Base)
		if _, err := h.svc.CompleteLoginTOTP(h.ctx, pending.Token, h.code(secret, 0), testIP, testUA); err != nil {
			t.Fatalf("right code after the lock: %v", err)
		}
		if n := h.count("SELECT count(*) FROM login_throttle WHERE key = ?", accountKey("anna")); n != 0 {
			t.Errorf("account throttle left after the full login: %d rows", n)
		}
	})
}

// wrongCode returns a six-digit code that is neither of valid.
func wrongCode(valid ...string) string {
	for _, c := range []string{"000000", "111111", "222222"} {
		ok := true
		for _, v := range valid {
			ok = ok && c != v
		}
		if ok {
			return c
		}
	}
	panic("unreachable")
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		cur, other := h.loginFull("anna"), h.loginFull("anna")
		const next = "Herbstlaub auf dem Marktplatz"

		err := h.svc.ChangePassword(h.ctx, cur.Auth.Actor, "not my password", next)
		wantField(t, "wrong current password", err, "current_password", "wrong_current_password")
		if rec := h.wantAudits("auth.reauth_failed", 1)[0]; rec.ActorID != anna.ID {
			t.Errorf("auth.reauth_failed record = %+v", rec)
		}
		if n := h.count("SELECT failures FROM login_throttle WHERE key = ?", accountKey("anna")); n != 1 {
			t.Errorf("throttle failures after a wrong current password = %d, want 1", n)
		}
		err = h.svc.ChangePassword(h.ctx, cur.Auth.Actor, testPassword, "musterstadt2026")
		wantField(t, "new password with org name", err, "new_password", "password_contains_org")
		if n := h.count("SELECT count(*) FROM audit_log WHERE action = 'auth.password_change'"); n != 0 {
			t.Errorf("refused changes audited as changes: %d", n)
		}
		var hash string
		h.scan("SELECT password_hash FROM users WHERE id = ?", []any{anna.ID}, &hash)
		if want, _ := testPasswordHash(); hash != want {
			t.Errorf("password hash changed by refused requests")
		}

		if err := h.svc.ChangePassword(h.ctx, cur.Auth.Actor, testPassword, next); err != nil {
			t.Fatalf("ChangePassword: %v", err)
		}
		h.auth(cur.Token)
		h.wantSessionInvalid("other session after ChangePassword", other.Token)
		if rec := h.wantAudits("auth.password_change", 1)[0]; rec.Detail["sessions_ended"] != float64(1) {
			t.Errorf("auth.password_change record = %+v", rec)
		}
		_, err = h.svc.Login(h.ctx, identity.LoginInput{Username: "anna", Password: testPassword})
		wantCode(t, "old password", err, apperr.Unauthenticated, "invalid_credentials")
		if _, err := h.svc.Login(h.ctx, identity.LoginInput{Username: "anna", Password: next}); err != nil {
			t.Fatalf("new password: %v", err)
		}
	})
}

func TestReauthenticationThrottled(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, func(s *identity.Settings) { s.Throttle.AccountFree = 2 })
		h.relaxMFA(actor.RoleEmployee)
		h.mustCreateUser("anna", actor.RoleEmployee)
		s := h.loginFull("anna")
		for range 2 {
			err := h.svc.ChangePassword(h.ctx, s.Auth.Actor, "guess guess guess", "Herbstlaub auf dem Marktplatz")
			wantField(t, "wrong current password", err, "current_password", "wrong_current_password")
		}
		// Locked: the right current password is refused like a wrong one.
		err := h.svc.ChangePassword(h.ctx, s.Auth.Actor, testPassword, "Herbstlaub auf dem Marktplatz")
		wantField(t, "right current password while locked", err, "current_password", "wrong_current_password")
		_, err = h.svc.Login(h.ctx, identity.LoginInput{Username: "anna", Password: testPassword})
		wantCode(t, "login while locked", err, apperr.Unauthenticated, "invalid_credentials")
		h.clk.Advance(30 * time.Second)
		if err := h.svc.ChangePassword(h.ctx, s.Auth.Actor, testPassword, "Herbstlaub auf dem Marktplatz"); err != nil {
			t.Fatalf("ChangePassword after the lock: %v", err)
		}
	})
}

// TestLoginRehash: a hash made with other parameters is replaced at the next
// successful login.
func TestLoginRehash(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		u := h.mustCreateUser("anna", actor.RoleEmployee)
		p := password.MinParams
		p.Time++
		old, err := password.NewHasher(p, 1)
		if err != nil {
			t.Fatal(err)
		}
		oldHash, err := old.Hash(h.ctx, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		h.exec("UPDATE users SET password_hash = ? WHERE id = ?", oldHash, u.ID)
		h.login("anna")
		var stored string
		h.scan("SELECT password_hash FROM users WHERE id = ?", []any{u.ID}, &stored)
		if stored == oldHash || !strings.Contains(stored, ",t=2,") {
			t.Errorf("hash after login = %q, want a fresh t=2 hash", stored)
		}
		h.wantAudits("auth.password_rehash", 1)
		h.login("anna")
		h.wantAudits("auth.password_rehash", 1)
	})
}

// hookClock is a fake clock that runs fn when Now is called for the at-th
// time, to change the database at a precise point of a request.
type hookClock struct {
	*clock.Fake
	mu sync.Mutex
	n  int
	at int
	fn func()
}

func (c *hookClock) Now() time.Time {
	c.mu.Lock()
	c.n++
	fire := c.n == c.at
	c.mu.Unlock()
	if fire {
		c.fn()
	}
	return c.Fake.Now()
}

// TestLoginLockedWhileChecking: failures recorded by other requests while a
// password was being hashed lock out that request too, so a burst of
// parallel guesses queued for the hasher cannot get around the lock.
func TestLoginLockedWhileChecking(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		box, _ := identity.NewSecretBox(testKey)
		clk := &hookClock{Fake: clock.NewFake(t0)}
		svc := identity.NewService(d, clk, testHasher(), box, h.svc.Settings(), nil)
		// Call 1 is the check before hashing, call 2 starts the transaction
		// that would create the session.
		clk.at, clk.fn = 2, func() {
			h.exec("INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) VALUES (?, ?, ?, ?)",
				accountKey("anna"), 5, db.T(t0), db.T(t0.Add(time.Minute)))
		}
		_, err := svc.Login(h.ctx, identity.LoginInput{Username: "anna", Password: testPassword, SourceIP: testIP})
		wantCode(t, "login locked while hashing", err, apperr.Unauthenticated, "invalid_credentials")
		if n := h.count("SELECT count(*) FROM sessions"); n != 0 {
			t.Errorf("sessions: %d, want 0", n)
		}
		if rec := h.wantAudits("auth.login_throttled", 1)[0]; rec.ActorID != anna.ID {
			t.Errorf("auth.login_throttled record = %+v, want the refusal after the password check (actor %d)", rec, anna.ID)
		}
		h.wantAudits("auth.login", 0)
	})
}

// TestParallelCodeGuessesThrottled: a burst of parallel second-factor
// guesses gets no more tries than the throttle allows, on both dialects.
func TestParallelCodeGuessesThrottled(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.mustCreateUser("anna", actor.RoleEmployee)
		_, secret, _ := h.enrol(h.login("anna").Token)
		h.clk.Advance(time.Minute)
		pending := h.login("anna").Token
		bad := wrongCode(h.code(secret, 0), h.code(secret, -1))
		const n = 20
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := h.svc.CompleteLoginTOTP(h.ctx, pending, bad, "192.0.2.7", "test"); err == nil {
					t.Error("wrong code accepted")
				}
			}()
		}
		wg.Wait()
		free := identity.DefaultThrottlePolicy().AccountFree
		if got := len(h.audits("auth.2fa_failed")); got != free {
			t.Errorf("%d parallel wrong codes: %d were checked, want %d (then throttled)", n, got, free)
		}
		if got := len(h.audits("auth.login_throttled")); got != n-free {
			t.Errorf("%d parallel wrong codes: %d throttled, want %d", n, got, n-free)
		}
	})
}
