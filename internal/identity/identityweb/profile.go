package identityweb

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/identity"
	"ortlos/internal/web"
)

// registerProfile adds the self-service pages: own data, language, name,
// password, second factor, sessions and API tokens.
func (h *Handler) registerProfile() {
	s := h.srv
	s.UI("GET /profile", web.Full, h.profile)
	s.UI("POST /profile/language", web.Full, h.profileLanguage)
	s.UI("POST /profile/name", web.Full, h.profileName)
	s.UI("POST /profile/password", web.Full, h.profilePassword)
	s.UI("GET /profile/2fa/recovery-codes", web.Full, h.profileRecoveryForm)
	s.UI("POST /profile/2fa/recovery-codes", web.Full, h.profileRecoveryRegenerate)
	s.UI("GET /profile/2fa/reset", web.Full, h.profileResetMFAForm)
	s.UI("POST /profile/2fa/reset", web.Full, h.profileResetMFA)
	s.UI("POST /profile/sessions/{id}/revoke", web.Full, h.profileRevokeSession)
	s.UI("POST /profile/sessions/revoke-others", web.Full, h.profileRevokeOtherSessions)
	s.UI("POST /profile/tokens", web.Full, h.profileCreateToken)
	s.UI("POST /profile/tokens/{id}/revoke", web.Full, h.profileRevokeToken)
}

// profileForm holds what the user typed into the profile forms, so that a
// form shown again after an error keeps it. Passwords are never kept.
type profileForm struct {
	DisplayName string
	TokenName   string
	TokenScope  string
	TokenDays   string
}

type profileSession struct {
	ID                         int64
	Current                    bool
	Created, LastSeen, Expires string
	SourceIP, Client           string
}

type profileToken struct {
	ID                         int64
	Name, Prefix, Scope        string
	Created, Expires, LastUsed string
	Expired                    bool
}

type profilePage struct {
	web.Page
	User          identity.User
	OrgUnit       string
	Roles         []string
	State         string
	Language      string
	Languages     []uiOption
	RecoveryLeft  int
	Sessions      []profileSession
	OtherSessions bool
	Tokens        []profileToken
	Form          profileForm
	MaxTokenDays  int
}

func (h *Handler) profile(w http.ResponseWriter, r *http.Request) {
	a := web.AuthFrom(r.Context())
	h.renderProfile(w, r, http.StatusOK, profileForm{DisplayName: a.User.DisplayName}, nil)
}

func (h *Handler) renderProfile(w http.ResponseWriter, r *http.Request, status int, form profileForm, formErr error) {
	a := web.AuthFrom(r.Context())
	ctx := r.Context()
	// The stored user, not the one loaded with the session: a failed
	// change must show what is saved.
	u, err := h.ident.GetUser(ctx, a.Actor, a.User.ID)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := h.srv.NewPage(r, "")
	p.Title = p.L.T("profile.title")
	if formErr != nil {
		p.SetError(formErr)
	}
	page := profilePage{Page: p, User: u, Roles: roleLabels(p.L, u.Roles), State: stateLabel(u.State),
		Language: languageNames[u.Language], Languages: languageOptions(u.Language), Form: form,
		MaxTokenDays: int(identity.MaxTokenLifetime / (24 * time.Hour))}
	if form.TokenScope == "" {
		page.Form.TokenScope = identity.ScopeRead
	}
	if form.TokenDays == "" {
		page.Form.TokenDays = strconv.Itoa(int(identity.DefaultTokenLifetime / (24 * time.Hour)))
	}
	if u.OrgUnitID != 0 {
		if ou, err := h.ident.GetOrgUnit(ctx, a.Actor, u.OrgUnitID); err == nil {
			page.OrgUnit = ou.Name
		} else if apperr.KindOf(err) != apperr.NotFound {
			h.srv.Error(w, r, err)
			return
		}
	}
	if u.TOTPEnabled {
		if page.RecoveryLeft, err = h.ident.RecoveryCodesLeft(ctx, a.Actor); err != nil {
			h.srv.Error(w, r, err)
			return
		}
	}
	sessions, err := h.ident.ListSessions(ctx, a.Actor)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	for _, s := range sessions {
		cur := s.ID == a.Session.ID
		page.OtherSessions = page.OtherSessions || !cur
		page.Sessions = append(page.Sessions, profileSession{ID: s.ID, Current: cur,
			Created: p.L.DateTime(s.CreatedAt, p.Loc), LastSeen: p.L.DateTime(s.LastSeenAt, p.Loc), Expires: p.L.DateTime(s.ExpiresAt, p.Loc),
			SourceIP: s.SourceIP, Client: describeClient(s.UserAgent)})
	}
	tokens, err := h.ident.ListTokens(ctx, a.Actor)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	now := h.ident.Now()
	for _, t := range tokens {
		row := profileToken{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Scope: p.L.T("profile.token_scope_" + t.Scope),
			Created: p.L.DateTime(t.CreatedAt, p.Loc), Expires: p.L.DateTime(t.ExpiresAt, p.Loc),
			LastUsed: p.L.T("profile.token_never_used"), Expired: !now.Before(t.ExpiresAt)}
		if t.LastUsedAt != nil {
			row.LastUsed = p.L.DateTime(*t.LastUsedAt, p.Loc)
		}
		page.Tokens = append(page.Tokens, row)
	}
	h.srv.Render(w, r, status, "profile.html", page)
}

func (h *Handler) profileLanguage(w http.ResponseWriter, r *http.Request) {
	a := web.AuthFrom(r.Context())
	lang := r.PostFormValue("language")
	if _, err := h.ident.UpdateUser(r.Context(), a.Actor, a.User.ID, identity.UserUpdate{Language: &lang}); err != nil {
		h.uiFailed(w, r, err, func(st int) { h.renderProfile(w, r, st, profileForm{DisplayName: a.User.DisplayName}, err) })
		return
	}
	// The next page is already in the new language: the localizer follows
	// the stored user.
	h.srv.Redirect(w, r, "/profile", "language_changed")
}

func (h *Handler) profileName(w http.ResponseWriter, r *http.Request) {
	a := web.AuthFrom(r.Context())
	name := r.PostFormValue("display_name")
	if _, err := h.ident.UpdateUser(r.Context(), a.Actor, a.User.ID, identity.UserUpdate{DisplayName: &name}); err != nil {
		h.uiFailed(w, r, err, func(st int) { h.renderProfile(w, r, st, profileForm{DisplayName: name}, err) })
		return
	}
	h.srv.Redirect(w, r, "/profile", "name_changed")
}

func (h *Handler) profilePassword(w http.ResponseWriter, r *http.Request) {
	a := web.AuthFrom(r.Context())
	next := r.PostFormValue("new_password")
	var err error
	if next != r.PostFormValue("new_password_confirm") {
		err = uiFieldError("new_password_confirm", "password_mismatch")
	} else {
		err = h.ident.ChangePassword(r.Context(), a.Actor, r.PostFormValue("current_password"), next)
	}
	if err != nil {
		h.uiFailed(w, r, err, func(st int) { h.renderProfile(w, r, st, profileForm{DisplayName: a.User.DisplayName}, err) })
		return
	}
	h.srv.Redirect(w, r, "/profile", "password_changed")
}

// profileMFAPage serves the two confirmation pages of the second factor:
// new recovery codes and resetting the authenticator app.
type profileMFAPage struct {
	web.Page
	Codes []string
}

func (h *Handler) renderProfileMFA(w http.ResponseWriter, r *http.Request, status int, page, titleKey string, codes []string, formErr error) {
	p := h.srv.NewPage(r, "")
	p.Title = p.L.T(titleKey)
	if formErr != nil {
		p.SetError(formErr)
	}
	h.srv.Render(w, r, status, page, profileMFAPage{Page: p, Codes: codes})
}

// profileMFAEnrolled sends users without a second factor back to the
// profile, which offers to set one up instead.
func (h *Handler) profileMFAEnrolled(w http.ResponseWriter, r *http.Request) bool {
	if !web.AuthFrom(r.Context()).User.TOTPEnabled {
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
		return false
	}
	return true
}

func (h *Handler) profileRecoveryForm(w http.ResponseWriter, r *http.Request) {
	if h.profileMFAEnrolled(w, r) {
		h.renderProfileMFA(w, r, http.StatusOK, "profile_recovery.html", "profile.recovery_title", nil, nil)
	}
}

func (h *Handler) profileRecoveryRegenerate(w http.ResponseWriter, r *http.Request) {
	a := web.AuthFrom(r.Context())
	codes, err := h.ident.RegenerateRecoveryCodes(r.Context(), a.Actor, r.PostFormValue("current_password"))
	if err != nil {
		h.uiFailed(w, r, err, func(st int) {
			h.renderProfileMFA(w, r, st, "profile_recovery.html", "profile.recovery_title", nil, err)
		})
		return
	}
	// Shown once, straight from the POST: the codes must not travel in a
	// redirect or be stored anywhere in clear.
	h.renderProfileMFA(w, r, http.StatusOK, "profile_recovery.html", "profile.recovery_new_title", codes, nil)
}

func (h *Handler) profileResetMFAForm(w http.ResponseWriter, r *http.Request) {
	if h.profileMFAEnrolled(w, r) {
		h.renderProfileMFA(w, r, http.StatusOK, "profile_2fa_reset.html", "profile.reset_title", nil, nil)
	}
}

func (h *Handler) profileResetMFA(w http.ResponseWriter, r *http.Request) {
	a := web.AuthFrom(r.Context())
	err := h.ident.ResetOwnMFA(r.Context(), a.Actor, r.PostFormValue("current_password"), r.PostFormValue("code"))
	if err != nil {
		h.uiFailed(w, r, err, func(st int) {
			h.renderProfileMFA(w, r, st, "profile_2fa_reset.html", "profile.reset_title", nil, err)
		})
		return
	}
	// The session is now in stage "enrol" when the roles require a second
	// factor; the enrolment page serves both cases.
	h.srv.Redirect(w, r, "/2fa/enrol", "mfa_reset")
}

func (h *Handler) profileRevokeSession(w http.ResponseWriter, r *http.Request) {
	a := web.AuthFrom(r.Context())
	id, err := web.PathID(r)
	if err == nil {
		err = h.ident.RevokeSession(r.Context(), a.Actor, id)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if id == a.Session.ID {
		h.srv.ClearSessionCookie(w)
		h.srv.Redirect(w, r, "/login", "logged_out")
		return
	}
	h.srv.Redirect(w, r, "/profile#sessions", "session_revoked")
}

func (h *Handler) profileRevokeOtherSessions(w http.ResponseWriter, r *http.Request) {
	a := web.AuthFrom(r.Context())
	if _, err := h.ident.RevokeOtherSessions(r.Context(), a.Actor); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.srv.Redirect(w, r, "/profile#sessions", "sessions_revoked")
}

type profileTokenPage struct {
	web.Page
	Token  identity.APIToken
	Secret string
	Scope  string
	Expiry string
}

func (h *Handler) profileCreateToken(w http.ResponseWriter, r *http.Request) {
	a := web.AuthFrom(r.Context())
	form := profileForm{DisplayName: a.User.DisplayName, TokenName: r.PostFormValue("name"),
		TokenScope: r.PostFormValue("scope"), TokenDays: strings.TrimSpace(r.PostFormValue("expires_in_days"))}
	var (
		tok    identity.APIToken
		secret string
		err    error
	)
	days, perr := strconv.Atoi(form.TokenDays)
	if perr != nil || days < 1 {
		// 0 would mean "default" to the service; the form says what it
		// means. The other fields are checked too, so that every mistake
		// shows at once.
		verr := apperr.New(apperr.Invalid, "validation_failed", "some fields are invalid").WithField("expires_in_days", "invalid_expiry")
		if strings.TrimSpace(form.TokenName) == "" {
			verr.WithField("name", "required")
		}
		if form.TokenScope != identity.ScopeRead && form.TokenScope != identity.ScopeWrite {
			verr.WithField("scope", "invalid_scope")
		}
		err = verr
	} else {
		tok, secret, err = h.ident.CreateToken(r.Context(), a.Actor, identity.NewToken{
			Name: form.TokenName, Scope: form.TokenScope, ExpiresIn: time.Duration(days) * 24 * time.Hour})
	}
	if err != nil {
		h.uiFailed(w, r, err, func(st int) { h.renderProfile(w, r, st, form, err) })
		return
	}
	p := h.srv.NewPage(r, "")
	p.Title = p.L.T("profile.token_created_title")
	// Shown once, straight from the POST; only its hash is stored.
	h.srv.Render(w, r, http.StatusOK, "profile_token.html", profileTokenPage{Page: p, Token: tok, Secret: secret,
		Scope: p.L.T("profile.token_scope_" + tok.Scope), Expiry: p.L.DateTime(tok.ExpiresAt, p.Loc)})
}

func (h *Handler) profileRevokeToken(w http.ResponseWriter, r *http.Request) {
	a := web.AuthFrom(r.Context())
	id, err := web.PathID(r)
	if err == nil {
		err = h.ident.RevokeToken(r.Context(), a.Actor, id)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.srv.Redirect(w, r, "/profile#tokens", "token_revoked")
}

// describeClient turns a User-Agent into "Firefox · Windows", which people
// recognise; unknown agents are shown shortened.
func describeClient(ua string) string {
	if ua == "" {
		return "–"
	}
	browser := ""
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Chromium/", "Chromium"},
		{"Safari/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Windows", "Windows"}, {"Mac OS X", "macOS"},
		{"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " · " + system
	case browser != "":
		return browser
	case system != "":
		return system
	}
	if r := []rune(ua); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return ua
}
