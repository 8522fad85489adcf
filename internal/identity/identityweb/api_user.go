package identityweb

import (
	"net/http"
	"slices"
	"strconv"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/identity"
	"ortlos/internal/web"
)

// apiUser is a user as the API shows it: no password hash, no TOTP secret.
type apiUser struct {
	ID           int64    `json:"id"`
	Username     string   `json:"username"`
	DisplayName  string   `json:"display_name"`
	Email        string   `json:"email"`
	OrgUnitID    *int64   `json:"org_unit_id"`
	SupervisorID *int64   `json:"supervisor_id"`
	State        string   `json:"state"`
	Language     string   `json:"language"`
	Disabled     bool     `json:"disabled"`
	Roles        []string `json:"roles"`
	TOTPEnabled  bool     `json:"totp_enabled"`
	HasPassword  bool     `json:"has_password"`
	CreatedAt    string   `json:"created_at"`
	UpdatedAt    string   `json:"updated_at"`
}

func newAPIUser(u identity.User) apiUser {
	roles := u.Roles
	if roles == nil {
		roles = []string{}
	}
	return apiUser{
		ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Email: u.Email,
		OrgUnitID: apiID(u.OrgUnitID), SupervisorID: apiID(u.SupervisorID), State: u.State, Language: u.Language,
		Disabled: u.Disabled, Roles: roles, TOTPEnabled: u.TOTPEnabled, HasPassword: u.HasPassword(),
		CreatedAt: apiTime(u.CreatedAt), UpdatedAt: apiTime(u.UpdatedAt),
	}
}

// apiUserFilter reads the listUsers query.
func apiUserFilter(r *http.Request) (identity.UserFilter, error) {
	q := r.URL.Query()
	var f identity.UserFilter
	var err error
	if f.Limit, err = web.ParseLimit(q); err != nil {
		return f, err
	}
	if f.Offset, err = apiParseOffsetCursor(q.Get("cursor")); err != nil {
		return f, err
	}
	if f.OrgUnitID, err = apiParseFilterID(q, "org_unit_id"); err != nil {
		return f, err
	}
	f.Query = q.Get("q")
	if len(f.Query) > 200 {
		return f, apperr.Invalidf("invalid_filter", "q is too long").WithField("q", "invalid_filter")
	}
	if f.Role = q.Get("role"); f.Role != "" && !slices.Contains(actor.BuiltinRoles, f.Role) {
		return f, apperr.Invalidf("invalid_filter", "unknown role").WithField("role", "invalid_filter")
	}
	if s := q.Get("disabled"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return f, apperr.Invalidf("invalid_filter", "disabled must be true or false").WithField("disabled", "invalid_filter")
		}
		f.Disabled = &b
	}
	return f, nil
}

func (h *Handler) apiListUsers(w http.ResponseWriter, r *http.Request) {
	f, err := apiUserFilter(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	users, total, err := h.ident.ListUsers(r.Context(), web.Actor(r), f)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	out := apiList[apiUser]{Items: make([]apiUser, 0, len(users)), Total: &total}
	for _, u := range users {
		out.Items = append(out.Items, newAPIUser(u))
	}
	if next := f.Offset + len(users); len(users) > 0 && next < total {
		out.NextCursor = apiOffsetCursor(next)
	}
	web.JSON(w, http.StatusOK, out)
}

type apiCreateUserRequest struct {
	Username     string        `json:"username"`
	DisplayName  string        `json:"display_name"`
	Email        string        `json:"email"`
	OrgUnitID    apiNullableID `json:"org_unit_id"`
	SupervisorID apiNullableID `json:"supervisor_id"`
	State        string        `json:"state"`
	Language     string        `json:"language"`
	Roles        []string      `json:"roles"`
	Password     string        `json:"password"`
}

func (h *Handler) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	var req apiCreateUserRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	u, err := h.ident.CreateUser(r.Context(), web.Actor(r), identity.NewUser{
		Username: req.Username, DisplayName: req.DisplayName, Email: req.Email,
		OrgUnitID: req.OrgUnitID.ID, SupervisorID: req.SupervisorID.ID,
		State: req.State, Language: req.Language, Roles: req.Roles, Password: req.Password,
	})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	web.JSON(w, http.StatusCreated, newAPIUser(u))
}

func (h *Handler) apiGetUser(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	u, err := h.ident.GetUser(r.Context(), web.Actor(r), id)
	h.apiAnswerUser(w, r, u, err)
}

// apiAnswerUser writes u, or err when the operation failed.
func (h *Handler) apiAnswerUser(w http.ResponseWriter, r *http.Request, u identity.User, err error) {
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIUser(u))
}

type apiUpdateUserRequest struct {
	DisplayName  *string       `json:"display_name"`
	Email        *string       `json:"email"`
	OrgUnitID    apiNullableID `json:"org_unit_id"`
	SupervisorID apiNullableID `json:"supervisor_id"`
	State        *string       `json:"state"`
	Language     *string       `json:"language"`
}

func (h *Handler) apiUpdateUser(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req apiUpdateUserRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	u, err := h.ident.UpdateUser(r.Context(), web.Actor(r), id, identity.UserUpdate{
		DisplayName: req.DisplayName, Email: req.Email, OrgUnitID: req.OrgUnitID.ptr(), SupervisorID: req.SupervisorID.ptr(),
		State: req.State, Language: req.Language,
	})
	h.apiAnswerUser(w, r, u, err)
}

type apiSetRolesRequest struct {
	Roles []string `json:"roles"`
}

func (h *Handler) apiSetUserRoles(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req apiSetRolesRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if req.Roles == nil {
		// An absent list must not silently remove every role.
		h.srv.Error(w, r, apperr.New(apperr.Invalid, "validation_failed", "roles is required").WithField("roles", "required"))
		return
	}
	u, err := h.ident.SetRoles(r.Context(), web.Actor(r), id, req.Roles)
	h.apiAnswerUser(w, r, u, err)
}

func (h *Handler) apiDisableUser(w http.ResponseWriter, r *http.Request) {
	h.apiSetDisabled(w, r, true)
}

func (h *Handler) apiEnableUser(w http.ResponseWriter, r *http.Request) {
	h.apiSetDisabled(w, r, false)
}

func (h *Handler) apiSetDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	u, err := h.ident.SetDisabled(r.Context(), web.Actor(r), id, disabled)
	h.apiAnswerUser(w, r, u, err)
}

func (h *Handler) apiResetUser2FA(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err == nil {
		err = h.ident.ResetMFA(r.Context(), web.Actor(r), id)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	apiNoContent(w)
}

type apiSetPasswordRequest struct {
	Password string `json:"password"`
}

func (h *Handler) apiSetUserPassword(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req apiSetPasswordRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if err := h.ident.SetPassword(r.Context(), web.Actor(r), id, req.Password); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	apiNoContent(w)
}
