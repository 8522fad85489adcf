package identity_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/identity"
)

func TestCreateUserValidation(t *testing.T) {
	t.Parallel()
	valid := identity.NewUser{Username: "anna.schmidt", DisplayName: "Anna Schmidt", Email: "anna@example.org", State: "BY"}
	with := func(f func(*identity.NewUser)) identity.NewUser {
		in := valid
		f(&in)
		return in
	}
	tests := []struct {
		name   string
		in     identity.NewUser
		fields map[string]string
	}{
		{"username too short", with(func(u *identity.NewUser) { u.Username = "ab" }), map[string]string{"username": "invalid_username"}},
		{"username with space", with(func(u *identity.NewUser) { u.Username = "anna schmidt" }), map[string]string{"username": "invalid_username"}},
		{"username ends with dot", with(func(u *identity.NewUser) { u.Username = "anna." }), map[string]string{"username": "invalid_username"}},
		{"username umlaut", with(func(u *identity.NewUser) { u.Username = "jörg" }), map[string]string{"username": "invalid_username"}},
		{"username too long", with(func(u *identity.NewUser) { u.Username = strings.Repeat("a", 65) }), map[string]string{"username": "invalid_username"}},
		{"display name empty", with(func(u *identity.NewUser) { u.DisplayName = "" }), map[string]string{"display_name": "required"}},
		{"display name blank", with(func(u *identity.NewUser) { u.DisplayName = "  \t " }), map[string]string{"display_name": "required"}},
		{"display name too long", with(func(u *identity.NewUser) { u.DisplayName = strings.Repeat("ä", 201) }), map[string]string{"display_name": "too_long"}},
		{"email without at", with(func(u *identity.NewUser) { u.Email = "anna.example.org" }), map[string]string{"email": "invalid_email"}},
		{"email with name", with(func(u *identity.NewUser) { u.Email = "Anna <anna@example.org>" }), map[string]string{"email": "invalid_email"}},
		{"state unknown", with(func(u *identity.NewUser) { u.State = "XX" }), map[string]string{"state": "invalid_state"}},
		{"state lower case", with(func(u *identity.NewUser) { u.State = "by" }), map[string]string{"state": "invalid_state"}},
		{"language unknown", with(func(u *identity.NewUser) { u.Language = "fr" }), map[string]string{"language": "invalid_language"}},
		{"password too short", with(func(u *identity.NewUser) { u.Password = "kurz123" }), map[string]string{"password": "password_too_short"}},
		{"password common", with(func(u *identity.NewUser) { u.Password = "Passwort1234" }), map[string]string{"password": "password_common"}},
		{"password with org name", with(func(u *identity.NewUser) { u.Password = "musterstadt-2026!" }), map[string]string{"password": "password_contains_org"}},
		{"password with username", with(func(u *identity.NewUser) { u.Password = "ich-bin-anna.schmidt" }), map[string]string{"password": "password_contains_username"}},
		{"several fields at once", with(func(u *identity.NewUser) { u.Username = "-"; u.DisplayName = ""; u.Email = "x" }),
			map[string]string{"username": "invalid_username", "display_name": "required", "email": "invalid_email"}},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		before := h.snapshot()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := h.svc.CreateUser(h.ctx, actor.CLI(), tt.in)
				e := wantCode(t, "CreateUser", err, apperr.Invalid, "validation_failed")
				if !mapsEqual(e.Fields, tt.fields) {
					t.Errorf("CreateUser(%+v) fields = %v, want %v", tt.in, e.Fields, tt.fields)
				}
			})
		}
		h.wantUnchanged(before, "invalid CreateUser")

		for _, tt := range []struct {
			name       string
			in         identity.NewUser
			kind       apperr.Kind
			code       string
			field, val string
		}{
			{"unknown role", with(func(u *identity.NewUser) { u.Roles = []string{"employee", "boss"} }), apperr.Invalid, "unknown_role", "roles", "unknown_role"},
			{"unknown org unit", with(func(u *identity.NewUser) { u.OrgUnitID = 999 }), apperr.Invalid, "unknown_org_unit", "org_unit_id", "unknown_org_unit"},
			{"unknown supervisor", with(func(u *identity.NewUser) { u.SupervisorID = 999 }), apperr.Invalid, "unknown_supervisor", "supervisor_id", "unknown_supervisor"},
		} {
			_, err := h.svc.CreateUser(h.ctx, actor.CLI(), tt.in)
			e := wantCode(t, tt.name, err, tt.kind, tt.code)
			if e.Fields[tt.field] != tt.val {
				t.Errorf("%s: fields %v, want %s=%s", tt.name, e.Fields, tt.field, tt.val)
			}
		}
		h.wantUnchanged(before, "CreateUser with bad references")
	})
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		u, err := h.svc.CreateUser(h.ctx, actor.CLI(), identity.NewUser{
			Username: "  Anna.Schmidt ", DisplayName: " Anna Schmidt ", Email: "anna@example.org",
			Roles: []string{"lead", "employee", "lead"}, Password: "blaue Tinte im Rathaus 7",
		})
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		if u.Username != "anna.schmidt" || u.DisplayName != "Anna Schmidt" || u.State != "NW" || u.Language != "de" {
			t.Errorf("CreateUser = %+v, want normalised username, trimmed name, default state NW and language de", u)
		}
		if !slices.Equal(u.Roles, []string{"employee", "lead"}) {
			t.Errorf("roles = %v, want [employee lead]", u.Roles)
		}
		if !u.HasPassword() || !u.CreatedAt.Equal(t0) {
			t.Errorf("HasPassword = %v, CreatedAt = %v; want true, %v", u.HasPassword(), u.CreatedAt, t0)
		}
		var stored string
		h.scan("SELECT password_hash FROM users WHERE id = ?", []any{u.ID}, &stored)
		if !strings.HasPrefix(stored, "$argon2id$") || strings.Contains(stored, "Tinte") {
			t.Errorf("stored password = %q, want an argon2id hash", stored)
		}
		rec := h.wantAudits("user.create", 1)[0]
		if rec.ObjectID != itoa(u.ID) || rec.Actor != "cli" || rec.Detail["username"] != "anna.schmidt" || rec.Detail["credential_set"] != true {
			t.Errorf("user.create record = %+v", rec)
		}
		if got := h.mustCreateUser("bernd").Roles; len(got) != 0 {
			t.Errorf("user without roles: Roles = %v, want empty", got)
		}

		// The same name in another spelling is taken.
		before := h.snapshot()
		_, err = h.svc.CreateUser(h.ctx, actor.CLI(), identity.NewUser{Username: "ANNA.SCHMIDT", DisplayName: "Anna Zwei"})
		e := wantCode(t, "duplicate CreateUser", err, apperr.Conflict, "username_taken")
		if e.Fields["username"] != "username_taken" {
			t.Errorf("duplicate: fields %v, want username=username_taken", e.Fields)
		}
		h.wantUnchanged(before, "duplicate CreateUser")
	})
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		boss := h.mustCreateUser("boss", actor.RoleLead)
		u := h.mustCreateUserWith(identity.NewUser{Username: "anna", DisplayName: "Anna", Email: "anna@example.org", Roles: []string{actor.RoleEmployee}})
		org, err := h.svc.CreateOrgUnit(h.ctx, actor.CLI(), identity.OrgUnitInput{Name: "Bürgeramt"})
		if err != nil {
			t.Fatal(err)
		}

		// Unchanged values are no change and write nothing.
		before := h.snapshot()
		if _, err := h.svc.UpdateUser(h.ctx, actor.CLI(), u.ID, identity.UserUpdate{DisplayName: ptr("Anna"), Email: ptr("anna@example.org")}); err != nil {
			t.Fatalf("no-op UpdateUser: %v", err)
		}
		h.wantUnchanged(before, "no-op UpdateUser")

		h.clk.Advance(time.Minute)
		got, err := h.svc.UpdateUser(h.ctx, actor.CLI(), u.ID, identity.UserUpdate{
			DisplayName: ptr("Anna"), Email: ptr("a.schmidt@example.org"), OrgUnitID: ptr(org.ID), SupervisorID: ptr(boss.ID), State: ptr("NW"),
		})
		if err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		if got.Email != "a.schmidt@example.org" || got.OrgUnitID != org.ID || got.SupervisorID != boss.ID || !got.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("UpdateUser = %+v", got)
		}
		rec := h.wantAudits("user.update", 1)[0]
		if fields := rec.Detail["fields"]; fmt.Sprint(fields) != "[email org_unit_id supervisor_id]" || rec.ObjectID != itoa(u.ID) {
			t.Errorf("user.update record = %+v, want fields [email org_unit_id supervisor_id]", rec)
		}

		// Invalid updates change nothing and write no record.
		before = h.snapshot()
		for _, tt := range []struct {
			name  string
			up    identity.UserUpdate
			field string
			code  string
		}{
			{"bad email", identity.UserUpdate{DisplayName: ptr("Anna S."), Email: ptr("nope")}, "email", "invalid_email"},
			{"empty name", identity.UserUpdate{DisplayName: ptr(" ")}, "display_name", "required"},
			{"bad state", identity.UserUpdate{State: ptr("ZZ")}, "state", "invalid_state"},
			{"bad language", identity.UserUpdate{Language: ptr("xx")}, "language", "invalid_language"},
			{"own supervisor", identity.UserUpdate{SupervisorID: ptr(u.ID)}, "supervisor_id", "invalid_supervisor"},
			{"unknown supervisor", identity.UserUpdate{SupervisorID: ptr(int64(9999))}, "supervisor_id", "unknown_supervisor"},
			{"unknown org unit", identity.UserUpdate{DisplayName: ptr("Anna S."), OrgUnitID: ptr(int64(9999))}, "org_unit_id", "unknown_org_unit"},
		} {
			_, err := h.svc.UpdateUser(h.ctx, actor.CLI(), u.ID, tt.up)
			wantField(t, tt.name, err, tt.field, tt.code)
		}
		_, err = h.svc.UpdateUser(h.ctx, actor.CLI(), 9999, identity.UserUpdate{DisplayName: ptr("x")})
		wantCode(t, "UpdateUser of unknown user", err, apperr.NotFound, "not_found")
		h.wantUnchanged(before, "invalid UpdateUser")

		// Users change their own display name and language, nothing else.
		self := h.loginFull("anna").Auth.Actor
		if _, err := h.svc.UpdateUser(h.ctx, self, u.ID, identity.UserUpdate{DisplayName: ptr("Anna S."), Language: ptr("en")}); err != nil {
			t.Fatalf("own UpdateUser: %v", err)
		}
		before = h.snapshot()
		for name, up := range map[string]identity.UserUpdate{
			"email":      {Email: ptr("x@example.org")},
			"org unit":   {OrgUnitID: ptr(int64(0))},
			"supervisor": {SupervisorID: ptr(int64(0))},
			"state":      {State: ptr("BY")},
		} {
			_, err := h.svc.UpdateUser(h.ctx, self, u.ID, up)
			wantCode(t, "own UpdateUser of "+name, err, apperr.Forbidden, "forbidden")
		}
		h.wantUnchanged(before, "forbidden own UpdateUser")
		if rec := h.lastAudit("user.update"); fmt.Sprint(rec.Detail["fields"]) != "[display_name language]" || rec.ActorID != u.ID {
			t.Errorf("own user.update record = %+v", rec)
		}
	})
}

func TestSetRoles(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		u := h.mustCreateUser("anna", actor.RoleEmployee, actor.RoleLead)
		got, err := h.svc.SetRoles(h.ctx, actor.CLI(), u.ID, []string{actor.RoleHR, actor.RoleEmployee, actor.RoleHR})
		if err != nil {
			t.Fatalf("SetRoles: %v", err)
		}
		if !slices.Equal(got.Roles, []string{actor.RoleEmployee, actor.RoleHR}) {
			t.Errorf("roles = %v, want [employee hr]", got.Roles)
		}
		rec := h.wantAudits("user.roles_change", 1)[0]
		if fmt.Sprint(rec.Detail["added"]) != "[hr]" || fmt.Sprint(rec.Detail["removed"]) != "[lead]" || rec.ObjectID != itoa(u.ID) {
			t.Errorf("user.roles_change record = %+v, want added [hr], removed [lead]", rec)
		}

		before := h.snapshot()
		if _, err := h.svc.SetRoles(h.ctx, actor.CLI(), u.ID, []string{actor.RoleHR, actor.RoleEmployee}); err != nil {
			t.Fatalf("no-op SetRoles: %v", err)
		}
		h.wantUnchanged(before, "no-op SetRoles")
		_, err = h.svc.SetRoles(h.ctx, actor.CLI(), u.ID, []string{"superuser"})
		wantField(t, "SetRoles with unknown role", err, "roles", "unknown_role")
		_, err = h.svc.SetRoles(h.ctx, actor.CLI(), 9999, []string{actor.RoleHR})
		wantCode(t, "SetRoles of unknown user", err, apperr.NotFound, "not_found")
		h.wantUnchanged(before, "failed SetRoles")

		// An administrator cannot drop their own admin role, but another's.
		admin := h.mustCreateUser("admin", actor.RoleAdmin)
		other := h.mustCreateUser("admin2", actor.RoleAdmin)
		a := h.loginFull("admin").Auth.Actor
		before = h.snapshot()
		_, err = h.svc.SetRoles(h.ctx, a, admin.ID, []string{actor.RoleHR})
		wantCode(t, "removing own admin role", err, apperr.Conflict, "cannot_remove_own_admin")
		h.wantUnchanged(before, "removing own admin role")
		if _, err := h.svc.SetRoles(h.ctx, a, admin.ID, []string{actor.RoleAdmin, actor.RoleHR}); err != nil {
			t.Errorf("adding a role to oneself: %v", err)
		}
		if _, err := h.svc.SetRoles(h.ctx, a, other.ID, nil); err != nil {
			t.Errorf("removing another admin's roles: %v", err)
		}
		if rec := h.lastAudit("user.roles_change"); fmt.Sprint(rec.Detail["removed"]) != "[admin]" || fmt.Sprint(rec.Detail["added"]) != "[]" || rec.ActorID != admin.ID {
			t.Errorf("last user.roles_change record = %+v", rec)
		}
	})
}

func TestSetDisabled(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		u := h.mustCreateUser("anna", actor.RoleEmployee)
		s1, s2 := h.loginFull("anna"), h.loginFull("anna")
		_, tokenSecret, err := h.svc.CreateToken(h.ctx, s1.Auth.Actor, identity.NewToken{Name: "cli", Scope: identity.ScopeWrite})
		if err != nil {
			t.Fatal(err)
		}

		h.clk.Advance(time.Minute)
		got, err := h.svc.SetDisabled(h.ctx, actor.CLI(), u.ID, true)
		if err != nil || !got.Disabled {
			t.Fatalf("SetDisabled = %+v, %v; want disabled", got, err)
		}
		if n := h.count("SELECT count(*) FROM sessions WHERE user_id = ?", u.ID); n != 0 {
			t.Errorf("sessions left after disabling: %d, want 0", n)
		}
		h.wantSessionInvalid("first session after disable", s1.Token)
		h.wantSessionInvalid("second session after disable", s2.Token)
		_, err = h.svc.AuthenticateToken(h.ctx, tokenSecret, testIP)
		wantCode(t, "token of disabled user", err, apperr.Unauthenticated, "token_invalid")
		rec := h.wantAudits("user.disable", 1)[0]
		if rec.ObjectID != itoa(u.ID) || rec.Detail["sessions_ended"] != float64(2) {
			t.Errorf("user.disable record = %+v, want 2 sessions ended", rec)
		}
		_, err = h.svc.Login(h.ctx, identity.LoginInput{Username: "anna", Password: testPassword, SourceIP: testIP})
		wantCode(t, "login of disabled user", err, apperr.Unauthenticated, "invalid_credentials")

		// Disabling twice is no change.
		before := h.snapshot()
		if _, err := h.svc.SetDisabled(h.ctx, actor.CLI(), u.ID, true); err != nil {
			t.Fatal(err)
		}
		h.wantUnchanged(before, "second SetDisabled")

		if _, err := h.svc.SetDisabled(h.ctx, actor.CLI(), u.ID, false); err != nil {
			t.Fatal(err)
		}
		h.wantAudits("user.enable", 1)
		if _, err := h.svc.AuthenticateToken(h.ctx, tokenSecret, testIP); err != nil {
			t.Errorf("token after re-enabling: %v", err)
		}
		h.loginFull("anna")

		// Administrators cannot disable themselves.
		admin := h.mustCreateUser("admin", actor.RoleAdmin)
		a := h.loginFull("admin").Auth.Actor
		before = h.snapshot()
		_, err = h.svc.SetDisabled(h.ctx, a, admin.ID, true)
		wantCode(t, "disabling oneself", err, apperr.Conflict, "cannot_disable_self")
		h.wantUnchanged(before, "disabling oneself")
	})
}

func TestSetPassword(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		h.relaxMFA(actor.RoleEmployee)
		u := h.mustCreateUser("anna", actor.RoleEmployee)
		s := h.loginFull("anna")

		before := h.snapshot()
		err := h.svc.SetPassword(h.ctx, actor.CLI(), u.ID, "musterstadt-rathaus")
		wantField(t, "SetPassword with org name", err, "password", "password_contains_org")
		err = h.svc.SetPassword(h.ctx, s.Auth.Actor, u.ID, "ein ganz neues Passwort")
		wantCode(t, "SetPassword by the user", err, apperr.NotFound, "not_found")
		h.wantUnchanged(before, "failed SetPassword")

		const next = "ein ganz neues Passwort"
		if err := h.svc.SetPassword(h.ctx, actor.CLI(), u.ID, next); err != nil {
			t.Fatalf("SetPassword: %v", err)
		}
		h.wantSessionInvalid("session after SetPassword", s.Token)
		if rec := h.wantAudits("user.password_set", 1)[0]; rec.Detail["sessions_ended"] != float64(1) {
			t.Errorf("user.password_set record = %+v", rec)
		}
		_, err = h.svc.Login(h.ctx, identity.LoginInput{Username: "anna", Password: testPassword})
		wantCode(t, "login with old password", err, apperr.Unauthenticated, "invalid_credentials")
		if _, err := h.svc.Login(h.ctx, identity.LoginInput{Username: "anna", Password: next}); err != nil {
			t.Errorf("login with new password: %v", err)
		}
	})
}

func TestOrgUnits(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		root, err := h.svc.CreateOrgUnit(h.ctx, actor.CLI(), identity.OrgUnitInput{Name: " Verwaltung ", Kind: "Verwaltung"})
		if err != nil || root.Name != "Verwaltung" {
			t.Fatalf("CreateOrgUnit = %+v, %v", root, err)
		}
		child, err := h.svc.CreateOrgUnit(h.ctx, actor.CLI(), identity.OrgUnitInput{ParentID: root.ID, Name: "Fachbereich 1"})
		if err != nil {
			t.Fatal(err)
		}
		grand, err := h.svc.CreateOrgUnit(h.ctx, actor.CLI(), identity.OrgUnitInput{ParentID: child.ID, Name: "Bürgeramt"})
		if err != nil {
			t.Fatal(err)
		}
		h.wantAudits("org_unit.create", 3)

		before := h.snapshot()
		_, err = h.svc.CreateOrgUnit(h.ctx, actor.CLI(), identity.OrgUnitInput{Name: ""})
		wantField(t, "CreateOrgUnit without name", err, "name", "required")
		_, err = h.svc.CreateOrgUnit(h.ctx, actor.CLI(), identity.OrgUnitInput{Name: "x", ParentID: 999})
		wantField(t, "CreateOrgUnit with unknown parent", err, "parent_id", "unknown_org_unit")
		_, err = h.svc.UpdateOrgUnit(h.ctx, actor.CLI(), root.ID, identity.OrgUnitUpdate{ParentID: ptr(grand.ID)})
		wantField(t, "moving a unit below its grandchild", err, "parent_id", "org_unit_cycle")
		_, err = h.svc.UpdateOrgUnit(h.ctx, actor.CLI(), root.ID, identity.OrgUnitUpdate{ParentID: ptr(root.ID)})
		wantField(t, "moving a unit below itself", err, "parent_id", "org_unit_cycle")
		err = h.svc.DeleteOrgUnit(h.ctx, actor.CLI(), child.ID)
		wantCode(t, "deleting a unit with sub-units", err, apperr.Conflict, "org_unit_not_empty")
		h.wantUnchanged(before, "failed org unit changes")

		moved, err := h.svc.UpdateOrgUnit(h.ctx, actor.CLI(), grand.ID, identity.OrgUnitUpdate{ParentID: ptr(int64(0)), Name: ptr("Bürgerbüro")})
		if err != nil || moved.ParentID != 0 || moved.Name != "Bürgerbüro" {
			t.Fatalf("UpdateOrgUnit = %+v, %v", moved, err)
		}
		if rec := h.wantAudits("org_unit.update", 1)[0]; fmt.Sprint(rec.Detail["fields"]) != "[name parent_id]" {
			t.Errorf("org_unit.update record = %+v", rec)
		}
		if err := h.svc.DeleteOrgUnit(h.ctx, actor.CLI(), child.ID); err != nil {
			t.Errorf("deleting an empty unit: %v", err)
		}
		h.wantAudits("org_unit.delete", 1)
		h.mustCreateUserWith(identity.NewUser{Username: "anna", OrgUnitID: grand.ID})
		err = h.svc.DeleteOrgUnit(h.ctx, actor.CLI(), grand.ID)
		wantCode(t, "deleting a unit with members", err, apperr.Conflict, "org_unit_not_empty")
		units, err := h.svc.ListOrgUnits(h.ctx, actor.CLI())
		if err != nil || len(units) != 2 {
			t.Errorf("ListOrgUnits = %+v, %v; want 2 units", units, err)
		}
		_, err = h.svc.ListOrgUnits(h.ctx, actor.Anonymous(testIP))
		wantCode(t, "ListOrgUnits anonymous", err, apperr.NotFound, "not_found")
	})
}

func itoa(id int64) string { return fmt.Sprint(id) }

func TestSupervisorCycleRefused(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		a := h.mustCreateUser("amt.leitung", actor.RoleLead)
		b := h.mustCreateUserWith(identity.NewUser{Username: "team.leitung", SupervisorID: a.ID, Roles: []string{actor.RoleLead}})
		c := h.mustCreateUserWith(identity.NewUser{Username: "sachbearbeitung", SupervisorID: b.ID, Roles: []string{actor.RoleEmployee}})
		for _, tc := range []struct {
			name       string
			user, boss int64
		}{
			{"self", a.ID, a.ID},
			{"direct cycle", a.ID, b.ID},
			{"indirect cycle", a.ID, c.ID},
		} {
			before := h.snapshot()
			_, err := h.svc.UpdateUser(h.ctx, actor.CLI(), tc.user, identity.UserUpdate{SupervisorID: ptr(tc.boss)})
			wantField(t, tc.name, err, "supervisor_id", "invalid_supervisor")
			h.wantUnchanged(before, tc.name)
		}
		// Moving a report to another branch is fine.
		if _, err := h.svc.UpdateUser(h.ctx, actor.CLI(), c.ID, identity.UserUpdate{SupervisorID: ptr(a.ID)}); err != nil {
			t.Fatalf("re-assign supervisor: %v", err)
		}
	})
}
