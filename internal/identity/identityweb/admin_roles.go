package identityweb

import (
	"net/http"
	"net/url"
	"slices"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/identity"
	"ortlos/internal/web"
)

type adminRoleRow struct {
	ID, Label, Description string
	MFARequired            bool
	// Locked: the admin role always requires a second factor.
	Locked     bool
	Members    int
	MembersURL string
}

type adminRolesPage struct {
	web.Page
	Rows []adminRoleRow
}

func (h *Handler) adminRoles(w http.ResponseWriter, r *http.Request) {
	a, ok := h.adminAuth(w, r)
	if !ok {
		return
	}
	h.renderAdminRoles(w, r, a, http.StatusOK, nil)
}

func (h *Handler) renderAdminRoles(w http.ResponseWriter, r *http.Request, a *identity.Auth, status int, formErr error) {
	ctx := r.Context()
	roles, err := h.ident.ListRoles(ctx, a.Actor)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := h.srv.NewPage(r, "")
	p.Title = p.L.T("admin.roles_title")
	if formErr != nil {
		p.SetError(formErr)
	}
	page := adminRolesPage{Page: p}
	for _, role := range roles {
		_, n, err := h.ident.ListUsers(ctx, a.Actor, identity.UserFilter{Role: role.ID, Limit: 1})
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		page.Rows = append(page.Rows, adminRoleRow{ID: role.ID, Label: roleLabel(p.L, role.ID), Description: p.L.T("role." + role.ID + ".desc"),
			MFARequired: role.MFARequired || role.ID == actor.RoleAdmin, Locked: role.ID == actor.RoleAdmin, Members: n,
			MembersURL: "/admin/users?" + url.Values{"role": {role.ID}}.Encode()})
	}
	h.srv.Render(w, r, status, "admin_roles.html", page)
}

func (h *Handler) adminRoleSave(w http.ResponseWriter, r *http.Request) {
	a, ok := h.adminAuth(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !slices.Contains(actor.BuiltinRoles, id) {
		h.srv.Error(w, r, apperr.NotFoundf("not_found", "not found"))
		return
	}
	var err error
	switch v := r.PostFormValue("mfa_required"); v {
	case "1", "0":
		_, err = h.ident.SetRoleMFARequired(r.Context(), a.Actor, id, v == "1")
	default:
		err = uiFieldError("mfa_required_"+id, "required")
	}
	if err != nil {
		h.uiFailed(w, r, err, func(st int) { h.renderAdminRoles(w, r, a, st, err) })
		return
	}
	h.srv.Redirect(w, r, "/admin/roles", "role_saved")
}
