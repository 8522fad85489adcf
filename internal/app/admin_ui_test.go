package app_test

// The administration and profile pages driven through their plain HTML
// forms, as a browser without JavaScript would.

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"ortlos/internal/actor"
	"ortlos/internal/identity"
)

func TestAdminEditsUserAtomically(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	admin := createUser(t, ts, "anna.admin", "Anna Admin", actor.RoleAdmin)
	emp := createUser(t, ts, "bert.beschaeftigt", "Bert Beschäftigt", actor.RoleEmployee)
	c := loginFull(t, ts, "anna.admin", testPassword)
	save := func(id int64, name string, roles ...string) *result {
		return form(t, c, fmt.Sprintf("%s/admin/users/%d", ts.URL, id), url.Values{
			"display_name": {name}, "email": {""}, "org_unit_id": {""}, "supervisor_id": {""},
			"state": {"NW"}, "language": {"de"}, "roles": roles,
		})
	}
	// Name and roles change together.
	wantRedirect(t, save(emp.ID, "Bert B.", actor.RoleEmployee, actor.RoleLead), fmt.Sprintf("/admin/users/%d", emp.ID))
	u, err := ts.Identity.GetUser(t.Context(), actor.CLI(), emp.ID)
	if err != nil || u.DisplayName != "Bert B." || !slices.Equal(u.Roles, []string{actor.RoleEmployee, actor.RoleLead}) {
		t.Fatalf("after save: %+v, %v", u, err)
	}
	// Removing one's own admin role fails and saves nothing else either.
	res := save(admin.ID, "Anna umbenannt", actor.RoleEmployee)
	wantStatus(t, res, http.StatusConflict)
	if s := errorSummary(res.doc(t)); s == nil || !strings.Contains(textOf(s), de.Error("cannot_remove_own_admin")) {
		t.Errorf("no German explanation of the refusal: %v", s != nil)
	}
	if u, _ := ts.Identity.GetUser(t.Context(), actor.CLI(), admin.ID); u.DisplayName != "Anna Admin" || !u.Has(actor.RoleAdmin) {
		t.Errorf("refused save changed the user: %+v", u)
	}
	// Invalid input keeps what was typed and marks the field.
	res = save(emp.ID, "", actor.RoleEmployee)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if in := byID(res.doc(t), "f-display_name"); in == nil || attr(in, "aria-invalid") != "true" {
		t.Error("empty name not marked invalid")
	}
}

func TestAdminCreatesAndDisablesUser(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	createUser(t, ts, "anna.admin", "Anna Admin", actor.RoleAdmin)
	c := loginFull(t, ts, "anna.admin", testPassword)
	res := form(t, c, ts.URL+"/admin/users", url.Values{
		"username": {"Carla.Neu"}, "display_name": {"Carla Neu"}, "email": {"carla@example.org"},
		"state": {"BY"}, "language": {"de"}, "roles": {actor.RoleEmployee},
		"password": {testPassword}, "password_confirm": {testPassword},
	})
	wantStatus(t, res, http.StatusSeeOther)
	u, err := ts.Identity.GetUserByUsername(t.Context(), actor.CLI(), "carla.neu")
	if err != nil || u.State != "BY" || !u.Has(actor.RoleEmployee) {
		t.Fatalf("created user = %+v, %v", u, err)
	}
	// Carla logs in; disabling her ends that session at once.
	carla := loginFull(t, ts, "carla.neu", testPassword)
	wantStatus(t, get(t, carla, ts.URL+"/"), http.StatusOK)
	wantStatus(t, form(t, c, fmt.Sprintf("%s/admin/users/%d/disable", ts.URL, u.ID), nil), http.StatusSeeOther)
	wantRedirect(t, get(t, carla, ts.URL+"/"), "/login")

	// A duplicate username is refused with a German message on the field.
	res = form(t, c, ts.URL+"/admin/users", url.Values{"username": {"carla.neu"}, "display_name": {"Noch eine Carla"},
		"state": {"NW"}, "language": {"de"}})
	wantStatus(t, res, http.StatusConflict)
	if !strings.Contains(textOf(res.doc(t)), de.Error("username_taken")) {
		t.Error("duplicate username: message missing")
	}
}

func TestAdminOrgUnitsAndRoles(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	createUser(t, ts, "anna.admin", "Anna Admin", actor.RoleAdmin)
	c := loginFull(t, ts, "anna.admin", testPassword)
	wantStatus(t, form(t, c, ts.URL+"/admin/org-units", url.Values{"name": {"Fachbereich 2"}, "kind": {"Fachbereich"}}), http.StatusSeeOther)
	units, _ := ts.Identity.ListOrgUnits(t.Context(), actor.CLI())
	if len(units) != 1 {
		t.Fatalf("org units = %+v", units)
	}
	parent := units[0]
	wantStatus(t, form(t, c, ts.URL+"/admin/org-units", url.Values{"name": {"Bürgeramt"}, "kind": {"Amt"}, "parent_id": {fmt.Sprint(parent.ID)}}), http.StatusSeeOther)
	res := form(t, c, fmt.Sprintf("%s/admin/org-units/%d/delete", ts.URL, parent.ID), nil)
	wantStatus(t, res, http.StatusConflict)
	if !strings.Contains(textOf(res.doc(t)), de.Error("org_unit_not_empty")) {
		t.Error("deleting a unit with sub-units: German explanation missing")
	}
	// 2FA cannot be made optional for administrators.
	res = form(t, c, ts.URL+"/admin/roles/admin", url.Values{"mfa_required": {"false"}})
	if res.StatusCode < 400 {
		t.Errorf("relaxing 2FA for admins: status %d", res.StatusCode)
	}
	roles, _ := ts.Identity.ListRoles(t.Context(), actor.CLI())
	for _, r := range roles {
		if r.ID == actor.RoleAdmin && !r.MFARequired {
			t.Fatal("admin role lost its 2FA requirement")
		}
	}
}

func TestProfileTokensAndLanguage(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	createUser(t, ts, "bert.beschaeftigt", "Bert Beschäftigt", actor.RoleEmployee)
	c := loginFull(t, ts, "bert.beschaeftigt", testPassword)
	res := form(t, c, ts.URL+"/profile/tokens", url.Values{"name": {"Fachverfahren"}, "scope": {"read"}, "expires_in_days": {"30"}})
	wantStatus(t, res, http.StatusOK)
	secret := strings.TrimSpace(textOf(byID(res.doc(t), "api-token")))
	if !strings.HasPrefix(secret, identity.TokenPrefix) {
		t.Fatalf("token page shows %q", secret)
	}
	// The token is shown once: the profile lists it without the secret.
	if page := get(t, c, ts.URL+"/profile").text(); strings.Contains(page, secret) || !strings.Contains(page, "Fachverfahren") {
		t.Error("profile shows the token secret again or misses the token")
	}
	req := newRequest(t, http.MethodGet, ts.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	wantStatus(t, do(t, http.DefaultClient, req), http.StatusOK)

	wantStatus(t, form(t, c, ts.URL+"/profile/language", url.Values{"language": {"en"}}), http.StatusSeeOther)
	if got := pageLang(get(t, c, ts.URL+"/profile").doc(t)); got != "en" {
		t.Errorf("after switching to English the profile is %q", got)
	}
}

// TestProfileFormsRefusedAtField posts the profile's forms empty, as a
// browser does once the form is novalidate: the server answers 422 with
// the German message at the field instead of the browser's pop-up.
func TestProfileFormsRefusedAtField(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	bert := createUser(t, ts, "bert.beschaeftigt", "Bert Beschäftigt", actor.RoleEmployee)
	c := loginFull(t, ts, "bert.beschaeftigt", testPassword)
	wantFieldError(t, "empty name", form(t, c, ts.URL+"/profile/name", url.Values{"display_name": {"  "}}), "display_name", "required")
	if u, err := ts.Identity.GetUser(t.Context(), actor.CLI(), bert.ID); err != nil || u.DisplayName != "Bert Beschäftigt" {
		t.Errorf("after the refused form the name is %q (%v)", u.DisplayName, err)
	}
	res := form(t, c, ts.URL+"/profile/tokens", url.Values{"name": {""}, "scope": {"read"}, "expires_in_days": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	checkAccessible(t, "empty token form", res.doc(t), "de")
	res = form(t, c, ts.URL+"/profile/password", url.Values{"current_password": {""}, "new_password": {""}, "new_password_confirm": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	checkAccessible(t, "empty password form", res.doc(t), "de")
}
