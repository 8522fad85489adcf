package identity_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/identity"
	"ortlos/internal/identity/totp"
)

var recoveryCodeRE = regexp.MustCompile(`^[a-hj-km-np-z2-9]{4}-[a-hj-km-np-z2-9]{4}-[a-hj-km-np-z2-9]{4}$`)

func TestEnrolment(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, func(s *identity.Settings) { s.Issuer = "ortlos (Stadt Musterstadt)" })
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		res := h.login("anna")
		if res.Session.Stage != identity.StageEnrol {
			t.Fatalf("first login: stage %q, want %q", res.Session.Stage, identity.StageEnrol)
		}
		enrolToken := res.Token
		a := h.auth(enrolToken).Actor

		_, err := h.svc.ConfirmEnrolment(h.ctx, a, "123456", testUA)
		wantCode(t, "ConfirmEnrolment before StartEnrolment", err, apperr.Conflict, "mfa_not_started")

		e, err := h.svc.StartEnrolment(h.ctx, a)
		if err != nil {
			t.Fatalf("StartEnrolment: %v", err)
		}
		if !strings.HasPrefix(e.URI, "otpauth://totp/ortlos%20%28Stadt%20Musterstadt%29:anna?secret="+e.Secret) || !strings.HasPrefix(e.QRCode, "data:image/png;base64,") {
			t.Errorf("Enrolment = %+v", e)
		}
		// Asking again shows the same pending secret.
		if e2, err := h.svc.StartEnrolment(h.ctx, a); err != nil || e2.Secret != e.Secret {
			t.Errorf("second StartEnrolment = %q, %v; want the same secret %q", e2.Secret, err, e.Secret)
		}
		var sealed string
		h.scan("SELECT totp_secret FROM users WHERE id = ?", []any{anna.ID}, &sealed)
		if !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, e.Secret) {
			t.Errorf("stored secret %q, want it sealed", sealed)
		}
		secret, err := totp.DecodeSecret(e.Secret)
		if err != nil {
			t.Fatal(err)
		}
		// A pending secret is no second factor yet.
		if u, _ := h.svc.GetUser(h.ctx, actor.CLI(), anna.ID); u.TOTPEnabled {
			t.Fatalf("TOTP enabled before confirmation")
		}

		before := h.snapshot()
		for _, code := range []string{wrongCode(h.code(secret, 0), h.code(secret, -1)), h.code(secret, 1), h.code(secret, -2), "", "12345"} {
			if code == h.code(secret, 0) || code == h.code(secret, -1) {
				continue // another step's code happens to be valid now
			}
			_, err := h.svc.ConfirmEnrolment(h.ctx, a, code, testUA)
			wantField(t, "ConfirmEnrolment with code "+code, err, "code", "invalid_code")
		}
		h.wantUnchanged(before, "failed ConfirmEnrolment")

		h.clk.Advance(10 * time.Second)
		er, err := h.svc.ConfirmEnrolment(h.ctx, a, h.code(secret, 0), testUA)
		if err != nil {
			t.Fatalf("ConfirmEnrolment: %v", err)
		}
		if len(er.RecoveryCodes) != identity.RecoveryCodeCount || identity.RecoveryCodeCount != 10 {
			t.Errorf("recovery codes: %d, want 10", len(er.RecoveryCodes))
		}
		seen := map[string]bool{}
		for _, c := range er.RecoveryCodes {
			if !recoveryCodeRE.MatchString(c) || seen[c] {
				t.Errorf("recovery code %q: malformed or repeated", c)
			}
			seen[c] = true
			if n := h.count("SELECT count(*) FROM recovery_codes WHERE code_hash = ?", c); n != 0 {
				t.Errorf("recovery code %q stored in plain text", c)
			}
		}
		if n := h.count("SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", anna.ID); n != 10 {
			t.Errorf("stored recovery codes: %d, want 10", n)
		}
		// The enrol session is replaced: its token is dead, the new one full.
		if er.Token == "" || er.Token == enrolToken {
			t.Fatalf("EnrolResult.Token = %q, want a new token", er.Token)
		}
		h.wantSessionInvalid("enrol session after enrolment", enrolToken)
		full := h.auth(er.Token)
		if full.Session.Stage != identity.StageFull || !full.Actor.Has(actor.RoleEmployee) || !full.User.TOTPEnabled {
			t.Errorf("new session: stage %q, actor %+v", full.Session.Stage, full.Actor)
		}
		rec := h.wantAudits("auth.2fa_enrolled", 1)[0]
		if rec.ActorID != anna.ID || rec.ObjectID != itoa(anna.ID) {
			t.Errorf("auth.2fa_enrolled record = %+v", rec)
		}
		if rec := h.lastAudit("auth.login"); rec.Detail["method"] != "totp_enrolment" || rec.ObjectID != itoa(full.Session.ID) {
			t.Errorf("auth.login record after enrolment = %+v", rec)
		}

		_, err = h.svc.StartEnrolment(h.ctx, full.Actor)
		wantCode(t, "StartEnrolment when enrolled", err, apperr.Conflict, "mfa_already_enrolled")
		_, err = h.svc.ConfirmEnrolment(h.ctx, full.Actor, h.code(secret, 0), testUA)
		wantCode(t, "ConfirmEnrolment when enrolled", err, apperr.Conflict, "mfa_already_enrolled")
		if n, err := h.svc.RecoveryCodesLeft(h.ctx, full.Actor); err != nil || n != 10 {
			t.Errorf("RecoveryCodesLeft = %d, %v; want 10", n, err)
		}

		// The next login asks for the code.
		h.clk.Advance(30 * time.Second)
		if res := h.login("anna"); res.Session.Stage != identity.StageMFA {
			t.Errorf("login after enrolment: stage %q, want %q", res.Session.Stage, identity.StageMFA)
		}
	})
}

// TestEnrolFromFullSession: a user without required 2FA may still enrol; the
// session stays as it is.
func TestEnrolFromFullSession(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		h.mustCreateUser("anna", actor.RoleEmployee)
		s := h.loginFull("anna")
		token, _, codes := h.enrol(s.Token)
		if token != s.Token || len(codes) != 10 {
			t.Errorf("enrolment from a full session: token changed %v, %d codes", token != s.Token, len(codes))
		}
		h.auth(s.Token)
		h.clk.Advance(30 * time.Second)
		if res := h.login("anna"); res.Session.Stage != identity.StageMFA {
			t.Errorf("login after voluntary enrolment: stage %q, want %q", res.Session.Stage, identity.StageMFA)
		}
	})
}

func TestLoginTOTP(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		_, secret, _ := h.enrol(h.login("anna").Token)
		h.clk.Advance(30 * time.Second)

		pending := h.login("anna")
		if pending.Session.Stage != identity.StageMFA || !pending.Session.ExpiresAt.Equal(h.clk.Now().Add(10*time.Minute)) {
			t.Fatalf("pending session = %+v, want stage mfa for 10 minutes", pending.Session)
		}
		if rec := h.lastAudit("auth.login_password_ok"); rec.ObjectID != itoa(pending.Session.ID) {
			t.Errorf("auth.login_password_ok record = %+v", rec)
		}
		// Not listed as a session of the user.
		if list, _ := h.svc.ListSessions(h.ctx, h.loginFullWith(secret, "anna", 0).Auth.Actor); len(list) != 2 {
			t.Errorf("ListSessions lists %d sessions, want the 2 full ones", len(list))
		}
		h.clk.Advance(30 * time.Second)

		pending = h.login("anna")
		res, err := h.svc.CompleteLoginTOTP(h.ctx, pending.Token, " "+h.code(secret, 0)[:3]+" "+h.code(secret, 0)[3:], testIP, testUA)
		if err != nil {
			t.Fatalf("CompleteLoginTOTP: %v", err)
		}
		if res.Token == pending.Token || res.Session.Stage != identity.StageFull || res.User.ID != anna.ID {
			t.Errorf("CompleteLoginTOTP = %+v", res)
		}
		h.wantSessionInvalid("pending token after the login", pending.Token)
		if a := h.auth(res.Token); a.Session.Stage != identity.StageFull || !a.Actor.Has(actor.RoleEmployee) {
			t.Errorf("full session: %+v", a)
		}
		if rec := h.lastAudit("auth.login"); rec.Detail["method"] != "totp" || rec.ObjectID != itoa(res.Session.ID) {
			t.Errorf("auth.login record = %+v", rec)
		}
		_, err = h.svc.CompleteLoginTOTP(h.ctx, pending.Token, h.code(secret, 0), testIP, testUA)
		wantCode(t, "pending token used twice", err, apperr.Unauthenticated, "session_invalid")
		_, err = h.svc.CompleteLoginTOTP(h.ctx, res.Token, h.code(secret, 0), testIP, testUA)
		wantCode(t, "full token as pending token", err, apperr.Unauthenticated, "session_invalid")

		// Replay: the same code in a second login of the same step.
		h.clk.Advance(5 * time.Second)
		again := h.login("anna")
		_, err = h.svc.CompleteLoginTOTP(h.ctx, again.Token, h.code(secret, 0), testIP, testUA)
		wantCode(t, "replayed code", err, apperr.Unauthenticated, "invalid_code")
		// The step before the used one is older still.
		_, err = h.svc.CompleteLoginTOTP(h.ctx, again.Token, h.code(secret, -1), testIP, testUA)
		wantCode(t, "code older than the used one", err, apperr.Unauthenticated, "invalid_code")

		// The code of the previous step is accepted once the step changed
		// (typed just before the change), two steps back is not.
		h.clk.Advance(60 * time.Second)
		if _, err := h.svc.CompleteLoginTOTP(h.ctx, again.Token, h.code(secret, -1), testIP, testUA); err != nil {
			t.Fatalf("code of the previous step: %v", err)
		}
		h.clk.Advance(60 * time.Second)
		third := h.login("anna")
		for name, steps := range map[string]int64{"code two steps back": -2, "code of the next step": 1} {
			if c := h.code(secret, steps); c != h.code(secret, 0) && c != h.code(secret, -1) {
				_, err = h.svc.CompleteLoginTOTP(h.ctx, third.Token, c, testIP, testUA)
				wantCode(t, name, err, apperr.Unauthenticated, "invalid_code")
			}
		}
		if _, err := h.svc.CompleteLoginTOTP(h.ctx, third.Token, h.code(secret, 0), testIP, testUA); err != nil {
			t.Fatalf("current code: %v", err)
		}

		// A pending login expires after ten minutes.
		h.clk.Advance(30 * time.Second)
		late := h.login("anna")
		h.clk.Advance(10 * time.Minute)
		_, err = h.svc.CompleteLoginTOTP(h.ctx, late.Token, h.code(secret, 0), testIP, testUA)
		wantCode(t, "expired pending login", err, apperr.Unauthenticated, "session_invalid")
	})
}

// loginFullWith logs a TOTP user in with the code steps away from now.
func (h *harness) loginFullWith(secret []byte, username string, steps int64) session {
	h.t.Helper()
	res := h.login(username)
	full, err := h.svc.CompleteLoginTOTP(h.ctx, res.Token, h.code(secret, steps), testIP, testUA)
	if err != nil {
		h.t.Fatalf("CompleteLoginTOTP: %v", err)
	}
	return session{Token: full.Token, Auth: h.auth(full.Token)}
}

func TestLoginRecoveryCode(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		_, _, codes := h.enrol(h.login("anna").Token)

		pending := h.login("anna")
		// Case, dashes and spaces do not matter.
		typed := strings.ToUpper(strings.ReplaceAll(codes[3], "-", " "))
		res, err := h.svc.CompleteLoginRecovery(h.ctx, pending.Token, typed, testIP, testUA)
		if err != nil {
			t.Fatalf("CompleteLoginRecovery(%q): %v", typed, err)
		}
		h.wantSessionInvalid("pending token after recovery login", pending.Token)
		if a := h.auth(res.Token); a.Session.Stage != identity.StageFull {
			t.Errorf("stage after recovery login: %q", a.Session.Stage)
		}
		rec := h.wantAudits("auth.recovery_code_used", 1)[0]
		if rec.ObjectID != itoa(anna.ID) || rec.Detail["recovery_codes_left"] != float64(9) {
			t.Errorf("auth.recovery_code_used record = %+v", rec)
		}
		if rec := h.lastAudit("auth.login"); rec.Detail["method"] != "recovery_code" || rec.Detail["recovery_codes_left"] != float64(9) {
			t.Errorf("auth.login record = %+v", rec)
		}
		if n, _ := h.svc.RecoveryCodesLeft(h.ctx, h.auth(res.Token).Actor); n != 9 {
			t.Errorf("RecoveryCodesLeft = %d, want 9", n)
		}

		again := h.login("anna")
		before := h.count("SELECT count(*) FROM recovery_codes WHERE used_at IS NULL")
		for _, c := range []string{codes[3], "aaaa-bbbb-cccc", ""} {
			_, err = h.svc.CompleteLoginRecovery(h.ctx, again.Token, c, testIP, testUA)
			wantCode(t, "recovery code "+c, err, apperr.Unauthenticated, "invalid_code")
		}
		if n := h.count("SELECT count(*) FROM recovery_codes WHERE used_at IS NULL"); n != before {
			t.Errorf("unused recovery codes %d -> %d after failures", before, n)
		}
		h.wantAudits("auth.recovery_code_used", 1)
		if rec := h.lastAudit("auth.2fa_failed"); rec.Detail["method"] != "recovery_code" {
			t.Errorf("auth.2fa_failed record = %+v", rec)
		}
		if _, err := h.svc.CompleteLoginRecovery(h.ctx, again.Token, codes[4], testIP, testUA); err != nil {
			t.Errorf("another recovery code: %v", err)
		}
	})
}

func TestRegenerateRecoveryCodes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		h.mustCreateUser("anna", actor.RoleEmployee)
		s := h.loginFull("anna")
		_, err := h.svc.RegenerateRecoveryCodes(h.ctx, s.Auth.Actor, testPassword)
		wantCode(t, "RegenerateRecoveryCodes without 2FA", err, apperr.Conflict, "mfa_not_enrolled")
		_, _, old := h.enrol(s.Token)

		before := h.count("SELECT count(*) FROM audit_log WHERE action = 'auth.recovery_codes_regenerated'")
		_, err = h.svc.RegenerateRecoveryCodes(h.ctx, s.Auth.Actor, "wrong password")
		wantField(t, "RegenerateRecoveryCodes with wrong password", err, "current_password", "wrong_current_password")
		if n := h.count("SELECT count(*) FROM audit_log WHERE action = 'auth.recovery_codes_regenerated'"); n != before {
			t.Errorf("failed regeneration audited as done")
		}
		codes, err := h.svc.RegenerateRecoveryCodes(h.ctx, s.Auth.Actor, testPassword)
		if err != nil || len(codes) != 10 {
			t.Fatalf("RegenerateRecoveryCodes = %d codes, %v", len(codes), err)
		}
		h.wantAudits("auth.recovery_codes_regenerated", 1)
		h.clk.Advance(30 * time.Second)
		pending := h.login("anna")
		_, err = h.svc.CompleteLoginRecovery(h.ctx, pending.Token, old[0], testIP, testUA)
		wantCode(t, "old recovery code", err, apperr.Unauthenticated, "invalid_code")
		if _, err := h.svc.CompleteLoginRecovery(h.ctx, pending.Token, codes[0], testIP, testUA); err != nil {
			t.Errorf("new recovery code: %v", err)
		}
	})
}

func TestMFAPolicy(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		for _, u := range []struct {
			name  string
			roles []string
		}{
			{"employee", []string{actor.RoleEmployee}},
			{"lead", []string{actor.RoleEmployee, actor.RoleLead}},
			{"norole", nil},
			{"admin", []string{actor.RoleAdmin}},
		} {
			h.mustCreateUser(u.name, u.roles...)
		}
		stages := func(want map[string]string) {
			t.Helper()
			for name, stage := range want {
				if got := h.login(name).Session.Stage; got != stage {
					t.Errorf("login of %s: stage %q, want %q", name, got, stage)
				}
			}
		}
		stages(map[string]string{"employee": "enrol", "norole": "enrol"})

		r, err := h.svc.SetRoleMFARequired(h.ctx, actor.CLI(), actor.RoleEmployee, false)
		if err != nil || r != (identity.Role{ID: actor.RoleEmployee, MFARequired: false}) {
			t.Fatalf("SetRoleMFARequired = %+v, %v", r, err)
		}
		if rec := h.wantAudits("role.update", 1)[0]; rec.ObjectID != actor.RoleEmployee || rec.Detail["mfa_required"] != false {
			t.Errorf("role.update record = %+v", rec)
		}
		// Only users whose every role is relaxed skip the second factor.
		stages(map[string]string{"employee": "full", "lead": "enrol", "norole": "enrol", "admin": "enrol"})

		before := h.snapshot()
		if _, err := h.svc.SetRoleMFARequired(h.ctx, actor.CLI(), actor.RoleEmployee, false); err != nil {
			t.Fatal(err)
		}
		_, err = h.svc.SetRoleMFARequired(h.ctx, actor.CLI(), actor.RoleAdmin, false)
		wantCode(t, "relaxing admin", err, apperr.Conflict, "mfa_required_for_admin")
		_, err = h.svc.SetRoleMFARequired(h.ctx, actor.CLI(), "boss", false)
		wantCode(t, "unknown role", err, apperr.NotFound, "not_found")
		h.wantUnchanged(before, "no-op and refused SetRoleMFARequired")

		roles, err := h.svc.ListRoles(h.ctx, actor.CLI())
		if err != nil || len(roles) != len(actor.BuiltinRoles) {
			t.Fatalf("ListRoles = %+v, %v", roles, err)
		}
		for i, r := range roles {
			if r.ID != actor.BuiltinRoles[i] || r.MFARequired != (r.ID != actor.RoleEmployee) {
				t.Errorf("ListRoles[%d] = %+v", i, r)
			}
		}
		if _, err := h.svc.SetRoleMFARequired(h.ctx, actor.CLI(), actor.RoleEmployee, true); err != nil {
			t.Fatal(err)
		}
		h.wantAudits("role.update", 2)
		stages(map[string]string{"employee": "enrol"})
	})
}

func TestResetOwnMFA(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		token, secret, codes := h.enrol(h.login("anna").Token)
		a := h.auth(token).Actor
		h.clk.Advance(30 * time.Second)

		err := h.svc.ResetOwnMFA(h.ctx, a, testPassword, wrongCode(h.code(secret, 0), h.code(secret, -1)))
		wantField(t, "ResetOwnMFA with wrong code", err, "code", "invalid_code")
		// The wrong code removed nothing but counts as a failed attempt.
		h.wantAudits("auth.2fa_failed", 1)
		var failures int
		if err := d.QueryRowContext(h.ctx, "SELECT failures FROM login_throttle WHERE key LIKE 'u:%'").Scan(&failures); err != nil || failures != 1 {
			t.Errorf("throttle after wrong reset code: failures %d, %v; want 1", failures, err)
		}
		err = h.svc.ResetOwnMFA(h.ctx, a, "wrong password", h.code(secret, 0))
		wantField(t, "ResetOwnMFA with wrong password", err, "current_password", "wrong_current_password")
		if u, _ := h.svc.GetUser(h.ctx, actor.CLI(), anna.ID); !u.TOTPEnabled {
			t.Fatal("second factor removed by a failed request")
		}

		// A recovery code serves as well as a TOTP code.
		if err := h.svc.ResetOwnMFA(h.ctx, a, testPassword, codes[0]); err != nil {
			t.Fatalf("ResetOwnMFA: %v", err)
		}
		u, _ := h.svc.GetUser(h.ctx, actor.CLI(), anna.ID)
		if u.TOTPEnabled || h.count("SELECT count(*) FROM recovery_codes WHERE user_id = ?", anna.ID) != 0 {
			t.Errorf("after ResetOwnMFA: TOTPEnabled %v, recovery codes left", u.TOTPEnabled)
		}
		if rec := h.wantAudits("auth.2fa_reset", 1)[0]; rec.Detail["by"] != "self" || rec.ActorID != anna.ID {
			t.Errorf("auth.2fa_reset record = %+v", rec)
		}
		// The role requires 2FA: the session falls back to enrolment.
		back := h.auth(token)
		if back.Session.Stage != identity.StageEnrol || len(back.Actor.Roles) != 0 {
			t.Errorf("session after ResetOwnMFA: stage %q, roles %v", back.Session.Stage, back.Actor.Roles)
		}
		err = h.svc.ResetOwnMFA(h.ctx, back.Actor, testPassword, "123456")
		wantCode(t, "ResetOwnMFA without 2FA", err, apperr.Conflict, "mfa_not_enrolled")
		// Enrolling again gives a new secret and a full session.
		h.clk.Advance(30 * time.Second)
		full, secret2, _ := h.enrol(token)
		if string(secret2) == string(secret) || full == token {
			t.Errorf("re-enrolment: same secret %v, same token %v", string(secret2) == string(secret), full == token)
		}
	})
}

func TestResetMFAByAdmin(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		token, _, _ := h.enrol(h.login("anna").Token)
		h.clk.Advance(30 * time.Second)
		other := h.loginFull("anna")

		if err := h.svc.ResetMFA(h.ctx, actor.CLI(), anna.ID); err != nil {
			t.Fatalf("ResetMFA: %v", err)
		}
		h.wantSessionInvalid("session after ResetMFA", token)
		h.wantSessionInvalid("other session after ResetMFA", other.Token)
		if rec := h.wantAudits("auth.2fa_reset", 1)[0]; rec.Detail["by"] != "admin" || rec.Detail["sessions_ended"] != float64(2) || rec.Actor != "cli" {
			t.Errorf("auth.2fa_reset record = %+v", rec)
		}
		if n := h.count("SELECT count(*) FROM recovery_codes WHERE user_id = ?", anna.ID); n != 0 {
			t.Errorf("recovery codes after ResetMFA: %d", n)
		}
		if res := h.login("anna"); res.Session.Stage != identity.StageEnrol {
			t.Errorf("login after ResetMFA: stage %q, want enrol", res.Session.Stage)
		}
		err := h.svc.ResetMFA(h.ctx, actor.CLI(), 9999)
		wantCode(t, "ResetMFA of unknown user", err, apperr.NotFound, "not_found")
	})
}

// TestMFAPolicyAppliesToOpenSessions: when a user comes to need a second
// factor (a role requires it again, or a role that requires it is added),
// their open full sessions drop to stage "enrol" at once.
func TestMFAPolicyAppliesToOpenSessions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		h.mustCreateUser("bert", actor.RoleEmployee)
		annaTok, bertTok := h.login("anna").Token, h.login("bert").Token
		carlTok := func() string {
			h.mustCreateUser("carl", actor.RoleEmployee)
			tok, _, _ := h.enrol(h.login("carl").Token)
			return tok
		}()
		for _, tok := range []string{annaTok, bertTok, carlTok} {
			if st := h.auth(tok).Session.Stage; st != identity.StageFull {
				t.Fatalf("stage before policy change = %q, want full", st)
			}
		}

		// A role that requires 2FA is added to anna.
		if _, err := h.svc.SetRoles(h.ctx, actor.CLI(), anna.ID, []string{actor.RoleEmployee, actor.RoleHR}); err != nil {
			t.Fatal(err)
		}
		if st := h.auth(annaTok).Session.Stage; st != identity.StageEnrol {
			t.Errorf("anna after getting role hr: stage %q, want enrol", st)
		}
		if st := h.auth(bertTok).Session.Stage; st != identity.StageFull {
			t.Errorf("bert unaffected by anna's roles: stage %q, want full", st)
		}

		// The employee role requires 2FA again: bert must enrol, carl (who
		// has a second factor) keeps his session.
		if _, err := h.svc.SetRoleMFARequired(h.ctx, actor.CLI(), actor.RoleEmployee, true); err != nil {
			t.Fatal(err)
		}
		if st := h.auth(bertTok).Session.Stage; st != identity.StageEnrol {
			t.Errorf("bert after policy change: stage %q, want enrol", st)
		}
		if st := h.auth(carlTok).Session.Stage; st != identity.StageFull {
			t.Errorf("carl with 2FA after policy change: stage %q, want full", st)
		}
	})
}
