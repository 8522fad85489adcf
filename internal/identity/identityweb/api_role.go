package identityweb

import (
	"net/http"

	"ortlos/internal/apperr"
	"ortlos/internal/identity"
	"ortlos/internal/web"
)

// apiRole is a built-in role and its policy.
type apiRole struct {
	ID          string `json:"id"`
	MFARequired bool   `json:"mfa_required"`
}

func newAPIRole(ro identity.Role) apiRole { return apiRole{ID: ro.ID, MFARequired: ro.MFARequired} }

func (h *Handler) apiListRoles(w http.ResponseWriter, r *http.Request) {
	roles, err := h.ident.ListRoles(r.Context(), web.Actor(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiRole, 0, len(roles))
	for _, ro := range roles {
		items = append(items, newAPIRole(ro))
	}
	web.JSON(w, http.StatusOK, apiCompleteList(items))
}

type apiUpdateRoleRequest struct {
	MFARequired *bool `json:"mfa_required"`
}

func (h *Handler) apiUpdateRole(w http.ResponseWriter, r *http.Request) {
	var req apiUpdateRoleRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if req.MFARequired == nil {
		// mfa_required is the only field, so an empty patch is a mistake.
		h.srv.Error(w, r, apperr.New(apperr.Invalid, "validation_failed", "mfa_required is required").WithField("mfa_required", "required"))
		return
	}
	ro, err := h.ident.SetRoleMFARequired(r.Context(), web.Actor(r), r.PathValue("id"), *req.MFARequired)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIRole(ro))
}
