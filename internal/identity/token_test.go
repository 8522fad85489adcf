package identity_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/identity"
)

func TestAPIToken(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		s := h.loginFull("anna")

		tok, secret, err := h.svc.CreateToken(h.ctx, s.Auth.Actor, identity.NewToken{Name: " Kalender ", Scope: identity.ScopeWrite, ExpiresIn: 48 * time.Hour})
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(secret, identity.TokenPrefix))
		if !strings.HasPrefix(secret, identity.TokenPrefix) || err != nil || len(raw)*8 < 128 {
			t.Fatalf("token %q: prefix %v, %d random bits (%v); want %q and at least 128 bits", secret, strings.HasPrefix(secret, identity.TokenPrefix), len(raw)*8, err, identity.TokenPrefix)
		}
		if tok.Name != "Kalender" || tok.UserID != anna.ID || !strings.HasPrefix(secret, tok.Prefix) || len(tok.Prefix) >= len(secret)/2 ||
			!tok.ExpiresAt.Equal(t0.Add(48*time.Hour)) || tok.LastUsedAt != nil {
			t.Errorf("APIToken = %+v", tok)
		}
		// Only the SHA-256 is stored; the secret is in no column.
		sum := sha256.Sum256([]byte(secret))
		var hash, name, prefix, scope string
		h.scan("SELECT token_hash, name, prefix, scope FROM api_tokens WHERE id = ?", []any{tok.ID}, &hash, &name, &prefix, &scope)
		if hash != hex.EncodeToString(sum[:]) {
			t.Errorf("token_hash = %q, want the SHA-256 of the token", hash)
		}
		for _, v := range []string{hash, name, prefix, scope} {
			if strings.Contains(v, secret[len(identity.TokenPrefix)+6:]) {
				t.Errorf("api_tokens holds the secret: %q", v)
			}
		}
		if rec := h.wantAudits("token.create", 1)[0]; rec.ObjectID != itoa(tok.ID) || rec.Detail["scope"] != "write" || strings.Contains(rec.Detail["name"].(string), secret) {
			t.Errorf("token.create record = %+v", rec)
		}

		// Authenticate: the first use is audited once.
		for i := range 3 {
			a, err := h.svc.AuthenticateToken(h.ctx, secret, testIP)
			if err != nil {
				t.Fatalf("AuthenticateToken #%d: %v", i, err)
			}
			if a.Actor.Via != actor.ViaToken || a.Actor.TokenScope != identity.ScopeWrite || a.Actor.UserID != anna.ID ||
				!a.Actor.Has(actor.RoleEmployee) || !a.Actor.CanWrite() || a.Session.ID != 0 {
				t.Errorf("token auth = %+v", a)
			}
			h.clk.Advance(2 * time.Minute)
		}
		h.wantAudits("token.first_use", 1)
		list, err := h.svc.ListTokens(h.ctx, s.Auth.Actor)
		if err != nil || len(list) != 1 || list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(t0.Add(4*time.Minute)) {
			t.Errorf("ListTokens = %+v, %v; want last use at +4m", list, err)
		}

		for _, bad := range []string{"", secret[:len(secret)-1], "x" + secret, strings.TrimPrefix(secret, identity.TokenPrefix)} {
			_, err := h.svc.AuthenticateToken(h.ctx, bad, testIP)
			wantCode(t, "AuthenticateToken("+bad+")", err, apperr.Unauthenticated, "token_invalid")
		}

		// Expiry.
		h.clk.Set(t0.Add(48*time.Hour - time.Second))
		if _, err := h.svc.AuthenticateToken(h.ctx, secret, testIP); err != nil {
			t.Errorf("token one second before expiry: %v", err)
		}
		h.clk.Set(t0.Add(48 * time.Hour))
		_, err = h.svc.AuthenticateToken(h.ctx, secret, testIP)
		wantCode(t, "expired token", err, apperr.Unauthenticated, "token_invalid")
	})
}

func TestAPITokenScopesAndRevoke(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		s := h.loginFull("anna")
		readTok, readSecret, err := h.svc.CreateToken(h.ctx, s.Auth.Actor, identity.NewToken{Name: "read", Scope: identity.ScopeRead})
		if err != nil {
			t.Fatal(err)
		}
		if !readTok.ExpiresAt.Equal(t0.Add(identity.DefaultTokenLifetime)) {
			t.Errorf("default expiry %v, want %v", readTok.ExpiresAt, t0.Add(identity.DefaultTokenLifetime))
		}
		read, err := h.svc.AuthenticateToken(h.ctx, readSecret, testIP)
		if err != nil {
			t.Fatal(err)
		}
		if read.Actor.CanWrite() || read.Actor.TokenScope != identity.ScopeRead {
			t.Fatalf("read token actor %+v: CanWrite true", read.Actor)
		}
		before := h.snapshot()
		_, err = h.svc.UpdateUser(h.ctx, read.Actor, anna.ID, identity.UserUpdate{DisplayName: ptr("Changed")})
		wantCode(t, "UpdateUser with read token", err, apperr.Forbidden, "forbidden")
		err = h.svc.RevokeToken(h.ctx, read.Actor, readTok.ID)
		wantCode(t, "RevokeToken with read token", err, apperr.NotFound, "not_found")
		err = h.svc.RevokeSession(h.ctx, read.Actor, s.Auth.Session.ID)
		wantCode(t, "RevokeSession with read token", err, apperr.NotFound, "not_found")
		h.wantUnchanged(before, "writes with a read token")
		if u, err := h.svc.GetUser(h.ctx, read.Actor, anna.ID); err != nil || u.DisplayName != "anna" {
			t.Errorf("GetUser with read token = %+v, %v", u, err)
		}

		// The CLI creates tokens for users; a disabled user gets none.
		cliTok, cliSecret, err := h.svc.CreateTokenFor(h.ctx, actor.CLI(), anna.ID, identity.NewToken{Name: "sync", Scope: identity.ScopeWrite})
		if err != nil {
			t.Fatal(err)
		}
		if rec := h.lastAudit("token.create"); rec.Actor != "cli" || rec.Detail["user_id"] != float64(anna.ID) {
			t.Errorf("token.create by CLI = %+v", rec)
		}
		if list, _ := h.svc.ListTokensOf(h.ctx, actor.CLI(), anna.ID); len(list) != 2 {
			t.Errorf("ListTokensOf = %d tokens, want 2", len(list))
		}
		dora := h.mustCreateUser("dora")
		if _, err := h.svc.SetDisabled(h.ctx, actor.CLI(), dora.ID, true); err != nil {
			t.Fatal(err)
		}
		_, _, err = h.svc.CreateTokenFor(h.ctx, actor.CLI(), dora.ID, identity.NewToken{Name: "x", Scope: identity.ScopeRead})
		wantCode(t, "token for a disabled user", err, apperr.Conflict, "user_disabled")
		_, _, err = h.svc.CreateTokenFor(h.ctx, actor.CLI(), 9999, identity.NewToken{Name: "x", Scope: identity.ScopeRead})
		wantCode(t, "token for an unknown user", err, apperr.NotFound, "not_found")

		// A write token may revoke its owner's tokens, itself included.
		w, err := h.svc.AuthenticateToken(h.ctx, cliSecret, testIP)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.svc.RevokeToken(h.ctx, w.Actor, readTok.ID); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		_, err = h.svc.AuthenticateToken(h.ctx, readSecret, testIP)
		wantCode(t, "revoked token", err, apperr.Unauthenticated, "token_invalid")
		if rec := h.wantAudits("token.revoke", 1)[0]; rec.ObjectID != itoa(readTok.ID) {
			t.Errorf("token.revoke record = %+v", rec)
		}
		if err := h.svc.RevokeToken(h.ctx, s.Auth.Actor, cliTok.ID); err != nil {
			t.Fatalf("RevokeToken by session: %v", err)
		}
		if list, _ := h.svc.ListTokens(h.ctx, s.Auth.Actor); len(list) != 0 {
			t.Errorf("tokens left: %d", len(list))
		}
	})
}

func TestCreateTokenValidation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		h.mustCreateUser("anna", actor.RoleEmployee)
		a := h.loginFull("anna").Auth.Actor
		before := h.snapshot()
		for _, tt := range []struct {
			name  string
			in    identity.NewToken
			field string
			code  string
		}{
			{"no name", identity.NewToken{Name: " ", Scope: identity.ScopeRead}, "name", "required"},
			{"long name", identity.NewToken{Name: strings.Repeat("n", 101), Scope: identity.ScopeRead}, "name", "too_long"},
			{"no scope", identity.NewToken{Name: "x"}, "scope", "invalid_scope"},
			{"admin scope", identity.NewToken{Name: "x", Scope: "admin"}, "scope", "invalid_scope"},
			{"too short", identity.NewToken{Name: "x", Scope: identity.ScopeRead, ExpiresIn: time.Hour - time.Second}, "expires_in_days", "invalid_expiry"},
			{"negative", identity.NewToken{Name: "x", Scope: identity.ScopeRead, ExpiresIn: -time.Hour}, "expires_in_days", "invalid_expiry"},
			{"too long", identity.NewToken{Name: "x", Scope: identity.ScopeRead, ExpiresIn: identity.MaxTokenLifetime + time.Second}, "expires_in_days", "invalid_expiry"},
		} {
			_, _, err := h.svc.CreateToken(h.ctx, a, tt.in)
			wantField(t, tt.name, err, tt.field, tt.code)
		}
		h.wantUnchanged(before, "invalid CreateToken")
		for _, exp := range []time.Duration{time.Hour, identity.MaxTokenLifetime} {
			if _, _, err := h.svc.CreateToken(h.ctx, a, identity.NewToken{Name: "x", Scope: identity.ScopeRead, ExpiresIn: exp}); err != nil {
				t.Errorf("CreateToken expiring in %v: %v", exp, err)
			}
		}
	})
}
