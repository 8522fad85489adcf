package identityweb

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"ortlos/internal/apperr"
	"ortlos/internal/identity"
	"ortlos/internal/web"
)

func (h *Handler) registerAuth() {
	s := h.srv
	s.UI("GET /{$}", web.Full, h.home)
	s.UI("GET /login", web.Public, h.loginForm)
	s.UI("POST /login", web.Public, h.login)
	s.UI("GET /login/2fa", web.Pending, h.totpForm)
	s.UI("POST /login/2fa", web.Pending, h.totp)
	s.UI("GET /login/recovery", web.Pending, h.recoveryForm)
	s.UI("POST /login/recovery", web.Pending, h.recovery)
	s.UI("POST /logout", web.Public, h.logout)
	s.UI("GET /2fa/enrol", web.Enrol, h.enrolForm)
	s.UI("POST /2fa/enrol", web.Enrol, h.enrol)
	s.UI("GET /setup/{token}", web.Public, h.setupForm)
	s.UI("POST /setup/{token}", web.Public, h.setup)
	s.UI("GET /lang/{lang}", web.Public, h.setLanguageCookie)
	s.AddNav("/", "nav.home", nil)
}

type homePage struct {
	web.Page
	// Widgets are the modules' parts of the start page (e.g. the clock).
	Widgets []template.HTML
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	p := h.srv.NewPage(r, "")
	p.Title = p.L.T("home.title")
	widgets, err := h.srv.HomeWidgets(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.srv.Render(w, r, http.StatusOK, "home.html", homePage{Page: p, Widgets: widgets})
}

type loginPage struct {
	web.Page
	Username string
	Next     string
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if a := web.AuthFrom(r.Context()); a != nil {
		switch a.Session.Stage {
		case identity.StageFull:
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		case identity.StageEnrol:
			http.Redirect(w, r, "/2fa/enrol", http.StatusSeeOther)
			return
		}
	}
	p := h.srv.NewPage(r, "")
	p.Title, p.Bare = p.L.T("login.title"), true
	h.srv.Render(w, r, http.StatusOK, "login.html", loginPage{Page: p, Next: web.SafeNext(r.URL.Query().Get("next"))})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.srv.Error(w, r, apperr.Invalidf("invalid_form", "invalid form"))
		return
	}
	username, next := r.PostFormValue("username"), web.SafeNext(r.PostFormValue("next"))
	res, err := h.ident.Login(r.Context(), identity.LoginInput{
		Username: username, Password: r.PostFormValue("password"), SourceIP: web.ClientIP(r), UserAgent: r.UserAgent(),
	})
	if err != nil {
		if apperr.KindOf(err) == apperr.Unauthenticated {
			h.metrics.LoginFailed()
		}
		p := h.srv.NewPage(r, "")
		p.Title, p.Bare = p.L.T("login.title"), true
		p.SetError(err)
		st := http.StatusUnauthorized
		if apperr.KindOf(err) != apperr.Unauthenticated {
			st = http.StatusServiceUnavailable
		}
		h.srv.Render(w, r, st, "login.html", loginPage{Page: p, Username: username, Next: next})
		return
	}
	// Any token the browser held before is replaced: no session fixation.
	h.srv.SetSessionCookie(w, res.Token)
	switch res.Session.Stage {
	case identity.StageMFA:
		http.Redirect(w, r, "/login/2fa?next="+url.QueryEscape(next), http.StatusSeeOther)
	case identity.StageEnrol:
		http.Redirect(w, r, "/2fa/enrol", http.StatusSeeOther)
	default:
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

type codePage struct {
	web.Page
	Next string
}

func (h *Handler) codeForm(w http.ResponseWriter, r *http.Request, page, titleKey string, status int, err error) {
	p := h.srv.NewPage(r, "")
	p.Title, p.Bare = p.L.T(titleKey), true
	if err != nil {
		p.SetError(err)
		if p.Errors == nil {
			p.Errors = map[string]string{"code": p.FormError}
		}
	}
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostFormValue("next")
	}
	h.srv.Render(w, r, status, page, codePage{Page: p, Next: web.SafeNext(next)})
}

func (h *Handler) totpForm(w http.ResponseWriter, r *http.Request) {
	h.codeForm(w, r, "login_2fa.html", "login2fa.title", http.StatusOK, nil)
}

func (h *Handler) recoveryForm(w http.ResponseWriter, r *http.Request) {
	h.codeForm(w, r, "login_recovery.html", "recovery.title", http.StatusOK, nil)
}

func (h *Handler) totp(w http.ResponseWriter, r *http.Request) {
	h.secondFactor(w, r, "login_2fa.html", "login2fa.title", h.ident.CompleteLoginTOTP)
}

func (h *Handler) recovery(w http.ResponseWriter, r *http.Request) {
	h.secondFactor(w, r, "login_recovery.html", "recovery.title", h.ident.CompleteLoginRecovery)
}

func (h *Handler) secondFactor(w http.ResponseWriter, r *http.Request, page, titleKey string,
	complete func(ctx context.Context, token, code, ip, ua string) (identity.LoginResult, error)) {
	res, err := complete(r.Context(), h.srv.SessionToken(r), r.PostFormValue("code"), web.ClientIP(r), r.UserAgent())
	if err != nil {
		if apperr.Is(err, "session_invalid") {
			h.srv.ClearSessionCookie(w)
			h.srv.Redirect(w, r, "/login", "")
			return
		}
		h.metrics.LoginFailed()
		h.codeForm(w, r, page, titleKey, http.StatusUnauthorized, err)
		return
	}
	h.srv.SetSessionCookie(w, res.Token)
	http.Redirect(w, r, web.SafeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if tok := h.srv.SessionToken(r); tok != "" {
		if err := h.ident.Logout(r.Context(), web.Actor(r), tok); err != nil {
			h.srv.Error(w, r, err)
			return
		}
	}
	h.srv.ClearSessionCookie(w)
	h.srv.Redirect(w, r, "/login", "logged_out")
}

type enrolPage struct {
	web.Page
	Enrolment identity.Enrolment
	// QRCode is Enrolment.QRCode marked safe: html/template replaces data:
	// URIs in src attributes with "#ZgotmplZ" unless they are typed as
	// trusted, and this one is generated by the server.
	QRCode        template.URL
	RecoveryCodes []string
	// SecretGroups is the secret in groups of four for typing it by hand.
	SecretGroups string
}

func groupsOfFour(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (h *Handler) enrolForm(w http.ResponseWriter, r *http.Request) {
	h.renderEnrol(w, r, http.StatusOK, nil)
}

func (h *Handler) renderEnrol(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	a := web.AuthFrom(r.Context())
	if a.User.TOTPEnabled {
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
		return
	}
	en, err := h.ident.StartEnrolment(r.Context(), a.Actor)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := h.srv.NewPage(r, "")
	p.Title = p.L.T("enrol.title")
	if formErr != nil {
		p.SetError(formErr)
	}
	h.srv.Render(w, r, status, "enrol.html", enrolPage{Page: p, Enrolment: en, QRCode: template.URL(en.QRCode), SecretGroups: groupsOfFour(en.Secret)})
}

func (h *Handler) enrol(w http.ResponseWriter, r *http.Request) {
	a := web.AuthFrom(r.Context())
	res, err := h.ident.ConfirmEnrolment(r.Context(), a.Actor, r.PostFormValue("code"), r.UserAgent())
	if err != nil {
		h.renderEnrol(w, r, http.StatusUnprocessableEntity, err)
		return
	}
	if res.Token != "" {
		h.srv.SetSessionCookie(w, res.Token)
	}
	p := h.srv.NewPage(r, "")
	p.Title, p.Bare = p.L.T("codes.title"), true
	p.Flash = p.L.T("flash.mfa_enrolled")
	h.srv.Render(w, r, http.StatusOK, "recovery_codes.html", enrolPage{Page: p, RecoveryCodes: res.RecoveryCodes})
}

type setupPage struct {
	web.Page
	Token       string
	Username    string
	DisplayName string
	Email       string
}

func (h *Handler) setupForm(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	if err := h.ident.CheckSetupLink(r.Context(), tok); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := h.srv.NewPage(r, "")
	p.Title, p.Bare = p.L.T("setup.title"), true
	h.srv.Render(w, r, http.StatusOK, "setup.html", setupPage{Page: p, Token: tok})
}

func (h *Handler) setup(w http.ResponseWriter, r *http.Request) {
	tok := r.PathValue("token")
	in := identity.NewAdmin{
		Username: r.PostFormValue("username"), DisplayName: r.PostFormValue("display_name"), Email: r.PostFormValue("email"),
		Password: r.PostFormValue("password"), SourceIP: web.ClientIP(r), UserAgent: r.UserAgent(),
	}
	var err error
	if in.Password != r.PostFormValue("password_confirm") {
		err = apperr.New(apperr.Invalid, "validation_failed", "passwords differ").WithField("password_confirm", "password_mismatch")
	}
	var res identity.LoginResult
	if err == nil {
		res, err = h.ident.UseSetupLink(r.Context(), tok, in)
	}
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			h.srv.Error(w, r, err)
			return
		}
		p := h.srv.NewPage(r, "")
		p.Title, p.Bare = p.L.T("setup.title"), true
		p.SetError(err)
		h.srv.Render(w, r, http.StatusUnprocessableEntity, "setup.html", setupPage{Page: p, Token: tok,
			Username: in.Username, DisplayName: in.DisplayName, Email: in.Email})
		return
	}
	h.srv.SetSessionCookie(w, res.Token)
	http.Redirect(w, r, "/2fa/enrol", http.StatusSeeOther)
}

// setLanguageCookie switches the language before login; logged-in users
// change it in their profile.
func (h *Handler) setLanguageCookie(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if lang != "de" && lang != "en" {
		h.srv.Error(w, r, apperr.NotFoundf("not_found", "not found"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		Secure: h.srv.Options().TLS, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
