package identityweb

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"ortlos/internal/actor"
	"ortlos/internal/identity"
	"ortlos/internal/web"
)

// adminPageSize is the number of users on one page of the list.
const adminPageSize = 50

type adminUserRow struct {
	ID                             int64
	Name, Username, Email, OrgUnit string
	Roles                          []string
	Disabled, TOTP                 bool
}

type adminUsersPage struct {
	web.Page
	Query    string
	Status   string
	OrgUnits []uiOption
	Roles    []uiOption
	Statuses []uiOption
	Rows     []adminUserRow
	Total    int
	From, To int
	PrevURL  string
	NextURL  string
	Filtered bool
}

func (h *Handler) adminUsers(w http.ResponseWriter, r *http.Request) {
	a, ok := h.adminAuth(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	f := identity.UserFilter{Query: strings.TrimSpace(q.Get("q")), Limit: adminPageSize}
	// Unknown filter values are ignored rather than refused: the form only
	// offers valid ones, and a stale bookmark should still show something.
	f.OrgUnitID, _ = uiParseID(q.Get("org_unit"))
	if role := q.Get("role"); slices.Contains(actor.BuiltinRoles, role) {
		f.Role = role
	}
	status := q.Get("status")
	switch status {
	case "active":
		f.Disabled = new(false)
	case "disabled":
		f.Disabled = new(true)
	default:
		status = ""
	}
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	f.Offset = max(f.Offset, 0)
	units, err := h.ident.ListOrgUnits(ctx, a.Actor)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	users, total, err := h.ident.ListUsers(ctx, a.Actor, f)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := h.srv.NewPage(r, "")
	p.Title = p.L.T("admin.users_title")
	page := adminUsersPage{Page: p, Query: f.Query, Status: status, Total: total,
		OrgUnits: orgOptions(orgTree(units), f.OrgUnitID, 0, p.L.T("admin.filter_all")),
		Filtered: f.Query != "" || f.OrgUnitID != 0 || f.Role != "" || status != ""}
	page.Roles = []uiOption{{Value: "", Label: p.L.T("admin.filter_all"), Selected: f.Role == ""}}
	for _, role := range actor.BuiltinRoles {
		page.Roles = append(page.Roles, uiOption{Value: role, Label: roleLabel(p.L, role), Selected: role == f.Role})
	}
	for _, s := range []string{"", "active", "disabled"} {
		label := p.L.T("admin.filter_all")
		if s != "" {
			label = p.L.T("admin.status_" + s)
		}
		page.Statuses = append(page.Statuses, uiOption{Value: s, Label: label, Selected: s == status})
	}
	names := orgNames(units)
	for _, u := range users {
		page.Rows = append(page.Rows, adminUserRow{ID: u.ID, Name: u.DisplayName, Username: u.Username, Email: u.Email,
			OrgUnit: names[u.OrgUnitID], Roles: roleLabels(p.L, u.Roles), Disabled: u.Disabled, TOTP: u.TOTPEnabled})
	}
	if len(users) > 0 {
		page.From, page.To = f.Offset+1, f.Offset+len(users)
	}
	link := func(offset int) string {
		v := url.Values{}
		for k, val := range map[string]string{"q": f.Query, "org_unit": uiFormatID(f.OrgUnitID), "role": f.Role, "status": status} {
			if val != "" {
				v.Set(k, val)
			}
		}
		if offset > 0 {
			v.Set("offset", strconv.Itoa(offset))
		}
		if len(v) == 0 {
			return "/admin/users"
		}
		return "/admin/users?" + v.Encode()
	}
	if f.Offset > 0 {
		page.PrevURL = link(max(f.Offset-adminPageSize, 0))
	}
	if f.Offset+len(users) < total {
		page.NextURL = link(f.Offset + adminPageSize)
	}
	h.srv.Render(w, r, http.StatusOK, "admin_users.html", page)
}

// adminUserForm is what the administrator typed, kept when the form is
// shown again. Passwords are never kept.
type adminUserForm struct {
	Username, DisplayName, Email string
	OrgUnitID, SupervisorID      string
	State, Language              string
	Roles                        []string
}

type adminUserPage struct {
	web.Page
	New         bool
	User        identity.User
	Self        bool
	Form        adminUserForm
	OrgUnits    []uiOption
	Supervisors []uiOption
	States      []uiOption
	Languages   []uiOption
	Roles       []uiRoleChoice
	OrgUnit     string
	Created     string
	Updated     string
	AuditURL    string
}

func userFormOf(u identity.User) adminUserForm {
	return adminUserForm{Username: u.Username, DisplayName: u.DisplayName, Email: u.Email,
		OrgUnitID: uiFormatID(u.OrgUnitID), SupervisorID: uiFormatID(u.SupervisorID),
		State: u.State, Language: u.Language, Roles: u.Roles}
}

func userFormFrom(r *http.Request) adminUserForm {
	_ = r.ParseForm()
	return adminUserForm{
		Username: strings.TrimSpace(r.PostFormValue("username")), DisplayName: r.PostFormValue("display_name"),
		Email: r.PostFormValue("email"), OrgUnitID: r.PostFormValue("org_unit_id"), SupervisorID: r.PostFormValue("supervisor_id"),
		State: r.PostFormValue("state"), Language: r.PostFormValue("language"), Roles: r.PostForm["roles"],
	}
}

// renderAdminUser shows the create form (u.ID == 0) or a user's page with
// the edit form and the account actions.
func (h *Handler) renderAdminUser(w http.ResponseWriter, r *http.Request, a *identity.Auth, status int, u identity.User, form adminUserForm, formErr error) {
	ctx := r.Context()
	units, err := h.ident.ListOrgUnits(ctx, a.Actor)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	users, err := h.allUsers(ctx, a.Actor)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := h.srv.NewPage(r, "")
	page := adminUserPage{Page: p, New: u.ID == 0, User: u, Self: u.ID != 0 && u.ID == a.User.ID, Form: form,
		States: stateOptions(form.State), Languages: languageOptions(form.Language), Roles: roleChoices(p.L, form.Roles)}
	if page.New {
		page.Title = p.L.T("admin.user_new_title")
	} else {
		page.Title = u.DisplayName
		page.OrgUnit = orgNames(units)[u.OrgUnitID]
		page.Created, page.Updated = p.L.DateTime(u.CreatedAt, p.Loc), p.L.DateTime(u.UpdatedAt, p.Loc)
		page.AuditURL = "/audit?" + url.Values{"object_type": {"user"}, "object_id": {strconv.FormatInt(u.ID, 10)}}.Encode()
	}
	if formErr != nil {
		page.SetError(formErr)
	}
	orgID, _ := uiParseID(form.OrgUnitID)
	page.OrgUnits = orgOptions(orgTree(units), orgID, 0, p.L.T("admin.none"))
	supID, _ := uiParseID(form.SupervisorID)
	page.Supervisors = []uiOption{{Value: "", Label: p.L.T("admin.none"), Selected: supID == 0}}
	for _, s := range users {
		if s.ID == u.ID || (s.Disabled && s.ID != supID) {
			continue
		}
		page.Supervisors = append(page.Supervisors, uiOption{Value: uiFormatID(s.ID), Label: s.DisplayName + " (" + s.Username + ")", Selected: s.ID == supID})
	}
	h.srv.Render(w, r, status, "admin_user.html", page)
}

func (h *Handler) adminUserNew(w http.ResponseWriter, r *http.Request) {
	a, ok := h.adminAuth(w, r)
	if !ok {
		return
	}
	form := adminUserForm{State: h.ident.Settings().DefaultState, Language: "de", Roles: []string{actor.RoleEmployee}}
	if form.State == "" {
		form.State = "NW"
	}
	h.renderAdminUser(w, r, a, http.StatusOK, identity.User{}, form, nil)
}

// adminUserRefs parses the org unit and supervisor selects.
func adminUserRefs(form adminUserForm) (org, sup int64, err error) {
	org, ok := uiParseID(form.OrgUnitID)
	if !ok {
		return 0, 0, uiFieldError("org_unit_id", "unknown_org_unit")
	}
	sup, ok = uiParseID(form.SupervisorID)
	if !ok {
		return 0, 0, uiFieldError("supervisor_id", "unknown_supervisor")
	}
	return org, sup, nil
}

func (h *Handler) adminUserCreate(w http.ResponseWriter, r *http.Request) {
	a, ok := h.adminAuth(w, r)
	if !ok {
		return
	}
	form := userFormFrom(r)
	pw := r.PostFormValue("password")
	org, sup, err := adminUserRefs(form)
	if err == nil && pw != r.PostFormValue("password_confirm") {
		err = uiFieldError("password_confirm", "password_mismatch")
	}
	var u identity.User
	if err == nil {
		u, err = h.ident.CreateUser(r.Context(), a.Actor, identity.NewUser{
			Username: form.Username, DisplayName: form.DisplayName, Email: form.Email, OrgUnitID: org, SupervisorID: sup,
			State: form.State, Language: form.Language, Roles: form.Roles, Password: pw,
		})
	}
	if err != nil {
		h.uiFailed(w, r, err, func(st int) { h.renderAdminUser(w, r, a, st, identity.User{}, form, err) })
		return
	}
	h.srv.Redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), "user_created")
}

// adminUser loads the user of the path for an administrator.
func (h *Handler) adminUser(w http.ResponseWriter, r *http.Request) (*identity.Auth, identity.User, bool) {
	a, ok := h.adminAuth(w, r)
	if !ok {
		return nil, identity.User{}, false
	}
	id, err := web.PathID(r)
	var u identity.User
	if err == nil {
		u, err = h.ident.GetUser(r.Context(), a.Actor, id)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return nil, identity.User{}, false
	}
	return a, u, true
}

func (h *Handler) adminUserShow(w http.ResponseWriter, r *http.Request) {
	a, u, ok := h.adminUser(w, r)
	if !ok {
		return
	}
	h.renderAdminUser(w, r, a, http.StatusOK, u, userFormOf(u), nil)
}

func (h *Handler) adminUserSave(w http.ResponseWriter, r *http.Request) {
	a, u, ok := h.adminUser(w, r)
	if !ok {
		return
	}
	form := userFormFrom(r)
	form.Username = u.Username
	org, sup, err := adminUserRefs(form)
	if err == nil {
		// Profile and roles are saved in one transaction.
		roles := form.Roles
		_, err = h.ident.UpdateUser(r.Context(), a.Actor, u.ID, identity.UserUpdate{
			DisplayName: &form.DisplayName, Email: &form.Email, OrgUnitID: &org, SupervisorID: &sup,
			State: &form.State, Language: &form.Language, Roles: &roles,
		})
	}
	if err != nil {
		h.uiFailed(w, r, err, func(st int) { h.renderAdminUser(w, r, a, st, u, form, err) })
		return
	}
	h.srv.Redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), "user_saved")
}

// adminUserAction runs one of the account actions and returns to the
// user's page; a refused action is explained there.
func (h *Handler) adminUserAction(w http.ResponseWriter, r *http.Request, flash string, do func(a *identity.Auth, u identity.User) error) {
	a, u, ok := h.adminUser(w, r)
	if !ok {
		return
	}
	if err := do(a, u); err != nil {
		h.uiFailed(w, r, err, func(st int) { h.renderAdminUser(w, r, a, st, u, userFormOf(u), err) })
		return
	}
	h.srv.Redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), flash)
}

func (h *Handler) adminUserDisable(w http.ResponseWriter, r *http.Request) {
	h.adminUserAction(w, r, "user_disabled", func(a *identity.Auth, u identity.User) error {
		_, err := h.ident.SetDisabled(r.Context(), a.Actor, u.ID, true)
		return err
	})
}

func (h *Handler) adminUserEnable(w http.ResponseWriter, r *http.Request) {
	h.adminUserAction(w, r, "user_enabled", func(a *identity.Auth, u identity.User) error {
		_, err := h.ident.SetDisabled(r.Context(), a.Actor, u.ID, false)
		return err
	})
}

func (h *Handler) adminUserResetMFA(w http.ResponseWriter, r *http.Request) {
	h.adminUserAction(w, r, "user_mfa_reset", func(a *identity.Auth, u identity.User) error {
		return h.ident.ResetMFA(r.Context(), a.Actor, u.ID)
	})
}

func (h *Handler) adminUserPassword(w http.ResponseWriter, r *http.Request) {
	h.adminUserAction(w, r, "user_password_set", func(a *identity.Auth, u identity.User) error {
		pw := r.PostFormValue("password")
		if pw != r.PostFormValue("password_confirm") {
			return uiFieldError("password_confirm", "password_mismatch")
		}
		return h.ident.SetPassword(r.Context(), a.Actor, u.ID, pw)
	})
}
