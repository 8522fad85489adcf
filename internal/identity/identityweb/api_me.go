package identityweb

import (
	"net/http"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/identity"
	"ortlos/internal/web"
)

// apiMe is the current user and how the request authenticated.
type apiMe struct {
	apiUser
	AuthMethod string `json:"auth_method"` // "session" or "token"
	TokenScope string `json:"token_scope,omitempty"`
}

func newAPIMe(a *identity.Auth, u identity.User) apiMe {
	m := apiMe{apiUser: newAPIUser(u), AuthMethod: "session"}
	if a.Actor.Via == actor.ViaToken {
		m.AuthMethod, m.TokenScope = "token", a.Actor.TokenScope
	}
	return m
}

func (h *Handler) apiGetMe(w http.ResponseWriter, r *http.Request) {
	a := web.AuthFrom(r.Context())
	web.JSON(w, http.StatusOK, newAPIMe(a, a.User))
}

type apiUpdateMeRequest struct {
	DisplayName *string `json:"display_name"`
	Language    *string `json:"language"`
}

func (h *Handler) apiUpdateMe(w http.ResponseWriter, r *http.Request) {
	var req apiUpdateMeRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	a := web.AuthFrom(r.Context())
	u, err := h.ident.UpdateUser(r.Context(), a.Actor, a.Actor.UserID, identity.UserUpdate{DisplayName: req.DisplayName, Language: req.Language})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIMe(a, u))
}

type apiChangePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (h *Handler) apiChangeMyPassword(w http.ResponseWriter, r *http.Request) {
	var req apiChangePasswordRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if err := h.ident.ChangePassword(r.Context(), web.Actor(r), req.CurrentPassword, req.NewPassword); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	apiNoContent(w)
}

// apiSession describes a login session; the token itself is never shown.
type apiSession struct {
	ID         int64  `json:"id"`
	CreatedAt  string `json:"created_at"`
	LastSeenAt string `json:"last_seen_at"`
	ExpiresAt  string `json:"expires_at"`
	SourceIP   string `json:"source_ip"`
	UserAgent  string `json:"user_agent"`
	Current    bool   `json:"current"`
}

func (h *Handler) apiListMySessions(w http.ResponseWriter, r *http.Request) {
	a := web.AuthFrom(r.Context())
	sessions, err := h.ident.ListSessions(r.Context(), a.Actor)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiSession, 0, len(sessions))
	for _, s := range sessions {
		items = append(items, apiSession{
			ID: s.ID, CreatedAt: apiTime(s.CreatedAt), LastSeenAt: apiTime(s.LastSeenAt), ExpiresAt: apiTime(s.ExpiresAt),
			SourceIP: s.SourceIP, UserAgent: s.UserAgent, Current: a.Session.ID != 0 && s.ID == a.Session.ID,
		})
	}
	web.JSON(w, http.StatusOK, apiCompleteList(items))
}

func (h *Handler) apiRevokeMySession(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err == nil {
		err = h.ident.RevokeSession(r.Context(), web.Actor(r), id)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	apiNoContent(w)
}

// apiToken describes a personal API token without its secret.
type apiToken struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Prefix     string  `json:"prefix"`
	Scope      string  `json:"scope"`
	CreatedAt  string  `json:"created_at"`
	ExpiresAt  string  `json:"expires_at"`
	LastUsedAt *string `json:"last_used_at"`
}

func newAPIToken(t identity.APIToken) apiToken {
	return apiToken{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Scope: t.Scope, CreatedAt: apiTime(t.CreatedAt),
		ExpiresAt: apiTime(t.ExpiresAt), LastUsedAt: apiTimePtr(t.LastUsedAt)}
}

// apiTokenCreated carries the secret, shown this once.
type apiTokenCreated struct {
	Token string `json:"token"`
	apiToken
}

func (h *Handler) apiListMyTokens(w http.ResponseWriter, r *http.Request) {
	tokens, err := h.ident.ListTokens(r.Context(), web.Actor(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiToken, 0, len(tokens))
	for _, t := range tokens {
		items = append(items, newAPIToken(t))
	}
	web.JSON(w, http.StatusOK, apiCompleteList(items))
}

type apiCreateTokenRequest struct {
	Name          string `json:"name"`
	Scope         string `json:"scope"`
	ExpiresInDays int    `json:"expires_in_days"` // 0: the default lifetime
}

func (h *Handler) apiCreateMyToken(w http.ResponseWriter, r *http.Request) {
	var req apiCreateTokenRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	// Bounded here so that a huge number cannot overflow into a valid
	// duration; the service checks the lifetime itself.
	if req.ExpiresInDays < 0 || req.ExpiresInDays > int(identity.MaxTokenLifetime/(24*time.Hour)) {
		h.srv.Error(w, r, apperr.New(apperr.Invalid, "validation_failed", "some fields are invalid").WithField("expires_in_days", "invalid_expiry"))
		return
	}
	t, secret, err := h.ident.CreateToken(r.Context(), web.Actor(r), identity.NewToken{
		Name: req.Name, Scope: req.Scope, ExpiresIn: time.Duration(req.ExpiresInDays) * 24 * time.Hour,
	})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, apiTokenCreated{Token: secret, apiToken: newAPIToken(t)})
}

func (h *Handler) apiRevokeMyToken(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err == nil {
		err = h.ident.RevokeToken(r.Context(), web.Actor(r), id)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	apiNoContent(w)
}
