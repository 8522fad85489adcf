package identity_test

import (
	"slices"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/identity"
)

func TestUserVisibility(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee, actor.RoleLead, actor.RoleHR, actor.RoleAuditor, actor.RoleITSupport)
		users := map[string]identity.User{}
		add := func(name string, supervisor string, roles ...string) {
			users[name] = h.mustCreateUserWith(identity.NewUser{Username: name, SupervisorID: users[supervisor].ID, Roles: roles})
		}
		add("lead", "", actor.RoleLead, actor.RoleEmployee)
		add("report", "lead", actor.RoleEmployee)
		add("report2", "lead", actor.RoleEmployee)
		add("employee", "", actor.RoleEmployee)
		// "employee" is named as supervisor but holds no lead role.
		add("pseudo", "employee", actor.RoleEmployee)
		add("hr.office", "", actor.RoleHR)
		add("auditor", "", actor.RoleAuditor)
		add("support", "", actor.RoleITSupport)
		all := []string{"lead", "report", "report2", "employee", "pseudo", "hr.office", "auditor", "support"}

		visible := map[string][]string{
			"employee":  {"employee"},
			"report":    {"report"},
			"lead":      {"lead", "report", "report2"},
			"hr.office": all,
			"auditor":   all,
			"support":   all,
		}
		for viewer, want := range visible {
			a := h.loginFull(viewer).Auth.Actor
			for _, target := range all {
				_, err := h.svc.GetUser(h.ctx, a, users[target].ID)
				_, errByName := h.svc.GetUserByUsername(h.ctx, a, target)
				if slices.Contains(want, target) {
					if err != nil || errByName != nil {
						t.Errorf("%s: GetUser(%s) = %v, GetUserByUsername = %v; want visible", viewer, target, err, errByName)
					}
					continue
				}
				if apperr.KindOf(err) != apperr.NotFound || apperr.KindOf(errByName) != apperr.NotFound {
					t.Errorf("%s: GetUser(%s) = %v, GetUserByUsername = %v; want not found", viewer, target, err, errByName)
				}
			}
			list, total, err := h.svc.ListUsers(h.ctx, a, identity.UserFilter{})
			if err != nil {
				t.Fatalf("%s: ListUsers: %v", viewer, err)
			}
			var names []string
			for _, u := range list {
				names = append(names, u.Username)
			}
			slices.Sort(names)
			wantSorted := slices.Sorted(slices.Values(want))
			if !slices.Equal(names, wantSorted) || total != len(want) {
				t.Errorf("%s: ListUsers = %v (total %d), want %v", viewer, names, total, wantSorted)
			}
		}
		// Unknown users look the same as hidden ones.
		a := h.loginFull("employee").Auth.Actor
		_, err := h.svc.GetUser(h.ctx, a, 9999)
		wantCode(t, "GetUser of unknown id", err, apperr.NotFound, "not_found")
		_, _, err = h.svc.ListUsers(h.ctx, actor.Anonymous(testIP), identity.UserFilter{})
		wantCode(t, "ListUsers anonymous", err, apperr.NotFound, "not_found")
	})
}

func TestListUsersFilter(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		org, err := h.svc.CreateOrgUnit(h.ctx, actor.CLI(), identity.OrgUnitInput{Name: "Bauamt"})
		if err != nil {
			t.Fatal(err)
		}
		h.mustCreateUserWith(identity.NewUser{Username: "anna", DisplayName: "Anna 100%_Schmidt", Roles: []string{actor.RoleHR}})
		h.mustCreateUserWith(identity.NewUser{Username: "bernd", DisplayName: "Bernd Bauer", Email: "bb@example.org", OrgUnitID: org.ID})
		h.mustCreateUserWith(identity.NewUser{Username: "carla", DisplayName: "Carla Kunz", OrgUnitID: org.ID})
		if _, err := h.svc.SetDisabled(h.ctx, actor.CLI(), h.mustCreateUser("dora").ID, true); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name string
			f    identity.UserFilter
			want []string
		}{
			{"all", identity.UserFilter{}, []string{"anna", "bernd", "carla", "dora"}},
			{"query display name", identity.UserFilter{Query: "BAUER"}, []string{"bernd"}},
			{"query email", identity.UserFilter{Query: "bb@"}, []string{"bernd"}},
			{"query with like characters", identity.UserFilter{Query: "100%_"}, []string{"anna"}},
			{"percent is literal", identity.UserFilter{Query: "%"}, []string{"anna"}},
			{"org unit", identity.UserFilter{OrgUnitID: org.ID}, []string{"bernd", "carla"}},
			{"role", identity.UserFilter{Role: actor.RoleHR}, []string{"anna"}},
			{"disabled", identity.UserFilter{Disabled: ptr(true)}, []string{"dora"}},
			{"enabled", identity.UserFilter{Disabled: ptr(false)}, []string{"anna", "bernd", "carla"}},
			{"paged", identity.UserFilter{Offset: 1, Limit: 2}, []string{"bernd", "carla"}},
		} {
			list, total, err := h.svc.ListUsers(h.ctx, actor.CLI(), tt.f)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			var names []string
			for _, u := range list {
				names = append(names, u.Username)
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("%s: ListUsers(%+v) = %v, want %v", tt.name, tt.f, names, tt.want)
			}
			if tt.f.Limit == 0 && total != len(tt.want) {
				t.Errorf("%s: total = %d, want %d", tt.name, total, len(tt.want))
			}
		}
	})
}

func TestWritePermissions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee, actor.RoleHR)
		admin := h.mustCreateUser("admin", actor.RoleAdmin)
		anna := h.mustCreateUser("anna", actor.RoleEmployee)
		bernd := h.mustCreateUser("bernd", actor.RoleEmployee)
		h.mustCreateUser("hr.office", actor.RoleHR)
		annaS, berndS, hrS := h.loginFull("anna"), h.loginFull("bernd"), h.loginFull("hr.office")
		_, readSecret, err := h.svc.CreateTokenFor(h.ctx, actor.CLI(), admin.ID, identity.NewToken{Name: "read", Scope: identity.ScopeRead})
		if err != nil {
			t.Fatal(err)
		}
		readAuth, err := h.svc.AuthenticateToken(h.ctx, readSecret, testIP)
		if err != nil {
			t.Fatal(err)
		}
		readToken := readAuth.Actor
		if readToken.CanWrite() || !readToken.IsAdmin() {
			t.Fatalf("read token actor: CanWrite %v, IsAdmin %v; want false, true", readToken.CanWrite(), readToken.IsAdmin())
		}
		berndToken, _, err := h.svc.CreateToken(h.ctx, berndS.Auth.Actor, identity.NewToken{Name: "x", Scope: identity.ScopeWrite})
		if err != nil {
			t.Fatal(err)
		}
		before := h.snapshot()

		notFound := []struct {
			name string
			err  func() error
		}{
			{"employee CreateUser", func() error {
				_, err := h.svc.CreateUser(h.ctx, annaS.Auth.Actor, identity.NewUser{Username: "eve", DisplayName: "Eve"})
				return err
			}},
			{"hr CreateUser", func() error {
				_, err := h.svc.CreateUser(h.ctx, hrS.Auth.Actor, identity.NewUser{Username: "eve", DisplayName: "Eve"})
				return err
			}},
			{"read token CreateUser", func() error {
				_, err := h.svc.CreateUser(h.ctx, readToken, identity.NewUser{Username: "eve", DisplayName: "Eve"})
				return err
			}},
			{"anonymous CreateUser", func() error {
				_, err := h.svc.CreateUser(h.ctx, actor.Anonymous(testIP), identity.NewUser{Username: "eve", DisplayName: "Eve"})
				return err
			}},
			{"employee GetUser of another", func() error {
				_, err := h.svc.GetUser(h.ctx, annaS.Auth.Actor, bernd.ID)
				return err
			}},
			{"employee UpdateUser of another", func() error {
				_, err := h.svc.UpdateUser(h.ctx, annaS.Auth.Actor, bernd.ID, identity.UserUpdate{DisplayName: ptr("X")})
				return err
			}},
			{"employee SetRoles", func() error {
				_, err := h.svc.SetRoles(h.ctx, annaS.Auth.Actor, anna.ID, []string{actor.RoleAdmin})
				return err
			}},
			{"read token SetRoles", func() error {
				_, err := h.svc.SetRoles(h.ctx, readToken, anna.ID, []string{actor.RoleHR})
				return err
			}},
			{"hr SetDisabled", func() error {
				_, err := h.svc.SetDisabled(h.ctx, hrS.Auth.Actor, anna.ID, true)
				return err
			}},
			{"employee SetRoleMFARequired", func() error {
				_, err := h.svc.SetRoleMFARequired(h.ctx, annaS.Auth.Actor, actor.RoleEmployee, true)
				return err
			}},
			{"employee ResetMFA", func() error { return h.svc.ResetMFA(h.ctx, annaS.Auth.Actor, bernd.ID) }},
			{"employee CreateOrgUnit", func() error {
				_, err := h.svc.CreateOrgUnit(h.ctx, annaS.Auth.Actor, identity.OrgUnitInput{Name: "x"})
				return err
			}},
			{"revoke another user's session", func() error { return h.svc.RevokeSession(h.ctx, annaS.Auth.Actor, berndS.Auth.Session.ID) }},
			{"revoke another user's token", func() error { return h.svc.RevokeToken(h.ctx, annaS.Auth.Actor, berndToken.ID) }},
			{"revoke an unknown token", func() error { return h.svc.RevokeToken(h.ctx, annaS.Auth.Actor, 9999) }},
			{"revoke with a read token", func() error { return h.svc.RevokeToken(h.ctx, readToken, berndToken.ID) }},
			{"session user CreateTokenFor", func() error {
				_, _, err := h.svc.CreateTokenFor(h.ctx, hrS.Auth.Actor, anna.ID, identity.NewToken{Name: "x", Scope: identity.ScopeRead})
				return err
			}},
			{"token CreateToken", func() error {
				_, _, err := h.svc.CreateToken(h.ctx, readToken, identity.NewToken{Name: "x", Scope: identity.ScopeRead})
				return err
			}},
			{"session user ListTokensOf", func() error {
				_, err := h.svc.ListTokensOf(h.ctx, hrS.Auth.Actor, bernd.ID)
				return err
			}},
			{"token ChangePassword", func() error { return h.svc.ChangePassword(h.ctx, readToken, testPassword, "ein neues langes Kennwort") }},
		}
		for _, tt := range notFound {
			wantCode(t, tt.name, tt.err(), apperr.NotFound, "not_found")
		}
		// Visible but not writable: 403.
		_, err = h.svc.UpdateUser(h.ctx, readToken, anna.ID, identity.UserUpdate{DisplayName: ptr("Read Only")})
		wantCode(t, "read token UpdateUser", err, apperr.Forbidden, "forbidden")
		_, err = h.svc.UpdateUser(h.ctx, hrS.Auth.Actor, anna.ID, identity.UserUpdate{DisplayName: ptr("By HR")})
		wantCode(t, "hr UpdateUser", err, apperr.Forbidden, "forbidden")
		h.wantUnchanged(before, "refused requests")

		// The refused revocations left the sessions working.
		h.auth(berndS.Token)
		if _, err := h.svc.AuthenticateToken(h.ctx, readSecret, testIP); err != nil {
			t.Errorf("read token after refused requests: %v", err)
		}
	})
}

// TestStageActors checks that sessions short of stage "full" do not carry
// the user's powers, whatever the caller checks.
func TestStageActors(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.mustCreateUser("admin", actor.RoleAdmin)

		// Stage "enrol": the user, without roles.
		enrol := h.login("admin")
		a := h.auth(enrol.Token)
		if a.Session.Stage != identity.StageEnrol || !a.Actor.Authenticated() || len(a.Actor.Roles) != 0 || !slices.Equal(a.User.Roles, []string{actor.RoleAdmin}) {
			t.Fatalf("enrol stage: actor %+v, user roles %v; want authenticated actor without roles", a.Actor, a.User.Roles)
		}
		before := h.snapshot()
		_, err := h.svc.CreateUser(h.ctx, a.Actor, identity.NewUser{Username: "eve", DisplayName: "Eve"})
		wantCode(t, "CreateUser in stage enrol", err, apperr.NotFound, "not_found")
		_, _, err = h.svc.CreateToken(h.ctx, a.Actor, identity.NewToken{Name: "x", Scope: identity.ScopeWrite})
		wantCode(t, "CreateToken in stage enrol", err, apperr.Forbidden, "mfa_enrolment_required")
		h.wantUnchanged(before, "requests in stage enrol")

		full, secret, _ := h.enrol(enrol.Token)
		if a := h.auth(full); !a.Actor.IsAdmin() || a.Session.Stage != identity.StageFull {
			t.Fatalf("after enrolment: actor %+v, stage %q; want admin in stage full", a.Actor, a.Session.Stage)
		}

		// Stage "mfa": nobody yet.
		h.clk.Advance(30 * time.Second)
		pending := h.login("admin")
		p := h.auth(pending.Token)
		if p.Session.Stage != identity.StageMFA || p.Actor.Authenticated() || p.Actor.IsAdmin() {
			t.Fatalf("mfa stage: actor %+v; want an unauthenticated actor", p.Actor)
		}
		before = h.snapshot()
		_, _, err = h.svc.CreateToken(h.ctx, p.Actor, identity.NewToken{Name: "x", Scope: identity.ScopeWrite})
		wantCode(t, "CreateToken in stage mfa", err, apperr.NotFound, "not_found")
		_, err = h.svc.RegenerateRecoveryCodes(h.ctx, p.Actor, testPassword)
		wantCode(t, "RegenerateRecoveryCodes in stage mfa", err, apperr.NotFound, "not_found")
		err = h.svc.ChangePassword(h.ctx, p.Actor, testPassword, "ein anderes langes Kennwort")
		wantCode(t, "ChangePassword in stage mfa", err, apperr.NotFound, "not_found")
		_, err = h.svc.RevokeOtherSessions(h.ctx, p.Actor)
		wantCode(t, "RevokeOtherSessions in stage mfa", err, apperr.NotFound, "not_found")
		_, err = h.svc.ListSessions(h.ctx, p.Actor)
		wantCode(t, "ListSessions in stage mfa", err, apperr.NotFound, "not_found")
		h.wantUnchanged(before, "requests in stage mfa")
		if _, err := h.svc.CompleteLoginTOTP(h.ctx, pending.Token, h.code(secret, 0), testIP, testUA); err != nil {
			t.Errorf("CompleteLoginTOTP: %v", err)
		}
	})
}
