package identity_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/identity"
)

func TestSessionToken(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		res := h.login("anna")
		raw, err := base64.RawURLEncoding.DecodeString(res.Token)
		if err != nil || len(raw) < 16 {
			t.Errorf("session token %q: %d random bytes (%v), want at least 16", res.Token, len(raw), err)
		}
		if n := h.count("SELECT count(*) FROM sessions WHERE token_hash = ?", res.Token); n != 0 {
			t.Errorf("session token stored in plain text")
		}
		a := h.auth(res.Token)
		want := actor.Actor{UserID: anna.ID, Username: "anna", Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: res.Session.ID, SourceIP: testIP}
		if a.Actor.UserID != want.UserID || a.Actor.Username != want.Username || a.Actor.Via != want.Via ||
			a.Actor.SessionID != want.SessionID || a.Actor.SourceIP != want.SourceIP || strings.Join(a.Actor.Roles, ",") != "employee" {
			t.Errorf("actor = %+v, want %+v", a.Actor, want)
		}
		if !a.Session.ExpiresAt.Equal(t0.Add(12 * time.Hour)) {
			t.Errorf("ExpiresAt = %v, want %v", a.Session.ExpiresAt, t0.Add(12*time.Hour))
		}
		for _, bad := range []string{"", "x", res.Token + "x", strings.ToUpper(res.Token)} {
			_, err := h.svc.AuthenticateSession(h.ctx, bad, testIP)
			wantCode(t, "AuthenticateSession("+bad+")", err, apperr.Unauthenticated, "session_invalid")
		}
		// Every login gets its own token.
		if other := h.login("anna"); other.Token == res.Token {
			t.Error("two logins share a token")
		}
	})
}

func TestSessionIdleTimeout(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		s := h.loginFull("anna")

		h.clk.Advance(30*time.Minute - time.Second)
		h.auth(s.Token) // one second before the idle timeout: still alive, and touched
		h.clk.Advance(30*time.Minute - time.Second)
		h.auth(s.Token)
		h.clk.Advance(30 * time.Minute)
		h.wantSessionInvalid("after 30 idle minutes", s.Token)
		if n := h.count("SELECT count(*) FROM sessions WHERE id = ?", s.Auth.Session.ID); n != 0 {
			t.Errorf("expired session still stored")
		}
		rec := h.wantAudits("session.expire", 1)[0]
		if rec.ObjectID != itoa(s.Auth.Session.ID) || rec.ActorID != anna.ID || rec.Detail["reason"] != "expired_idle" {
			t.Errorf("session.expire record = %+v", rec)
		}
		// Asking again finds nothing and records nothing more.
		h.wantSessionInvalid("expired session again", s.Token)
		h.wantAudits("session.expire", 1)
	})
}

func TestSessionAbsoluteLifetime(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		h.mustCreateUser("anna", actor.RoleEmployee)
		s := h.loginFull("anna")
		// Activity every 20 minutes keeps the session alive up to 12 hours.
		for h.clk.Now().Add(20 * time.Minute).Before(t0.Add(12 * time.Hour)) {
			h.clk.Advance(20 * time.Minute)
			if _, err := h.svc.AuthenticateSession(h.ctx, s.Token, testIP); err != nil {
				t.Fatalf("at %v: %v", h.clk.Now().Sub(t0), err)
			}
		}
		h.clk.Set(t0.Add(12 * time.Hour))
		h.wantSessionInvalid("after 12 hours", s.Token)
		if rec := h.wantAudits("session.expire", 1)[0]; rec.Detail["reason"] != "expired_absolute" {
			t.Errorf("session.expire record = %+v", rec)
		}
	})
}

func TestSessionsListRevokeLogout(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		h.mustCreateUser("bernd", actor.RoleEmployee)
		s1 := h.loginFull("anna")
		h.clk.Advance(time.Minute)
		s2 := h.loginFull("anna")
		h.clk.Advance(time.Minute)
		s3 := h.loginFull("anna")
		h.loginFull("bernd")

		list, err := h.svc.ListSessions(h.ctx, s1.Auth.Actor)
		if err != nil {
			t.Fatal(err)
		}
		if ids := sessionIDs(list); ids != idList(s3, s2, s1) {
			t.Errorf("ListSessions = %s, want %s (own, newest first)", ids, idList(s3, s2, s1))
		}

		// Revoke one, then all others.
		if err := h.svc.RevokeSession(h.ctx, s1.Auth.Actor, s2.Auth.Session.ID); err != nil {
			t.Fatalf("RevokeSession: %v", err)
		}
		h.wantSessionInvalid("revoked session", s2.Token)
		if rec := h.wantAudits("session.revoke", 1)[0]; rec.ObjectID != itoa(s2.Auth.Session.ID) || rec.ActorID != anna.ID {
			t.Errorf("session.revoke record = %+v", rec)
		}
		err = h.svc.RevokeSession(h.ctx, s1.Auth.Actor, s2.Auth.Session.ID)
		wantCode(t, "revoking twice", err, apperr.NotFound, "not_found")
		s4 := h.loginFull("anna")
		n, err := h.svc.RevokeOtherSessions(h.ctx, s1.Auth.Actor)
		if err != nil || n != 2 {
			t.Fatalf("RevokeOtherSessions = %d, %v; want 2", n, err)
		}
		h.wantSessionInvalid("other session s3", s3.Token)
		h.wantSessionInvalid("other session s4", s4.Token)
		h.auth(s1.Token)
		if rec := h.wantAudits("session.revoke_others", 1)[0]; rec.Detail["sessions_ended"] != float64(2) {
			t.Errorf("session.revoke_others record = %+v", rec)
		}
		if list, _ := h.svc.ListSessions(h.ctx, s1.Auth.Actor); sessionIDs(list) != idList(s1) {
			t.Errorf("ListSessions after revocations = %s, want %s", sessionIDs(list), idList(s1))
		}

		// Logout ends the session on the server.
		if err := h.svc.Logout(h.ctx, s1.Auth.Actor, s1.Token); err != nil {
			t.Fatalf("Logout: %v", err)
		}
		h.wantSessionInvalid("after logout", s1.Token)
		if rec := h.wantAudits("auth.logout", 1)[0]; rec.ObjectID != itoa(s1.Auth.Session.ID) {
			t.Errorf("auth.logout record = %+v", rec)
		}
		before := h.snapshot()
		if err := h.svc.Logout(h.ctx, s1.Auth.Actor, s1.Token); err != nil {
			t.Errorf("second Logout: %v", err)
		}
		h.wantUnchanged(before, "second Logout")
	})
}

func TestListSessionsHidesIdle(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		h.mustCreateUser("anna", actor.RoleEmployee)
		old := h.loginFull("anna")
		h.clk.Advance(20 * time.Minute)
		cur := h.loginFull("anna")
		h.clk.Advance(15 * time.Minute)
		list, err := h.svc.ListSessions(h.ctx, h.auth(cur.Token).Actor)
		if err != nil {
			t.Fatal(err)
		}
		if sessionIDs(list) != idList(cur) {
			t.Errorf("ListSessions = %s, want only %s (%s is idle)", sessionIDs(list), idList(cur), idList(old))
		}
	})
}

func TestPurgeExpiredSessions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		h.mustCreateUser("anna", actor.RoleEmployee)
		if n, err := h.svc.PurgeExpiredSessions(h.ctx); err != nil || n != 0 {
			t.Fatalf("PurgeExpiredSessions on nothing = %d, %v", n, err)
		}
		h.wantAudits("session.purge", 0)

		idle := h.loginFull("anna")
		h.clk.Advance(25 * time.Minute)
		alive := h.loginFull("anna")
		h.clk.Advance(10 * time.Minute)
		n, err := h.svc.PurgeExpiredSessions(h.ctx)
		if err != nil || n != 1 {
			t.Fatalf("PurgeExpiredSessions = %d, %v; want 1", n, err)
		}
		if rec := h.wantAudits("session.purge", 1)[0]; rec.Detail["sessions_ended"] != float64(1) || rec.Actor != "system" {
			t.Errorf("session.purge record = %+v", rec)
		}
		h.wantSessionInvalid("purged session", idle.Token)
		h.auth(alive.Token)
		// Nothing purged, nothing recorded.
		if n, _ := h.svc.PurgeExpiredSessions(h.ctx); n != 0 {
			t.Errorf("second purge = %d, want 0", n)
		}
		h.wantAudits("session.purge", 1)
		// Past the absolute lifetime everything goes.
		h.clk.Advance(12 * time.Hour)
		if n, _ := h.svc.PurgeExpiredSessions(h.ctx); n != 1 {
			t.Errorf("purge after 12 hours = %d, want 1", n)
		}
		if n := h.count("SELECT count(*) FROM sessions"); n != 0 {
			t.Errorf("sessions left: %d", n)
		}
	})
}

func sessionIDs(list []identity.Session) string {
	var b strings.Builder
	for _, s := range list {
		b.WriteString(itoa(s.ID) + " ")
	}
	return b.String()
}

func idList(ss ...session) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(itoa(s.Auth.Session.ID) + " ")
	}
	return b.String()
}
