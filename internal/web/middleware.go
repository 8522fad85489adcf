package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/identity"
)

var (
	errNotFound    = apperr.NotFoundf("not_found", "not found")
	errCrossOrigin = apperr.Forbiddenf("cross_origin", "cross-origin request rejected")
)

// statusWriter records the status code for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ReadFrom passes io.Copy through to the connection's ReadFrom, which sends
// a file with sendfile(2) instead of copying it through user space: a
// download of a stored file (http.ServeContent) would otherwise go in
// 32 KiB steps through Write.
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{w.ResponseWriter}, r)
}

// Flush lets streaming handlers (exports, Server-Sent Events) flush.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// observe assigns a request ID and the client address, recovers panics,
// and records logs and metrics.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var b [8]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		ctx = context.WithValue(ctx, clientIPKey, clientIP(r, s.opts.TrustedProxies))
		r = r.WithContext(ctx)
		w.Header().Set("X-Request-Id", id)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic", "panic", p, "path", logPath(r), "request_id", id)
				if sw.status == 0 {
					s.Error(sw, r, errors.New("panic"))
				}
			}
			d := time.Since(start)
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			if s.metrics != nil {
				s.metrics.observe(route, r.Method, sw.status, d)
			}
			s.log.DebugContext(ctx, "request", "method", r.Method, "path", logPath(r), "route", route,
				"status", sw.status, "duration_ms", float64(d.Microseconds())/1000, "request_id", id, "client", ClientIP(r))
		}()
		next.ServeHTTP(sw, r)
	})
}

// csp forbids inline script and framing; images may be data: URIs (QR
// codes).
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if s.opts.TLS {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			// Pages and API answers may carry personal data: never cache.
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody bounds request bodies.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.bodyLimit(r)
		if r.ContentLength > limit {
			s.Error(w, r, apperr.New(apperr.Invalid, "body_too_large", "request body too large"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		// A body without a length (chunked) is only found too large while
		// it is read. Forms are read here, so that every form route answers
		// 413: handlers using r.PostFormValue would see empty fields.
		if ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded") {
			var mbe *http.MaxBytesError
			if err := r.ParseForm(); errors.As(err, &mbe) {
				s.Error(w, r, errBodyTooLarge)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// SessionCookieName is the session cookie: with the __Host- prefix over
// TLS, so it is bound to this host and path "/" and sent only securely.
func (s *Server) SessionCookieName() string {
	if s.opts.TLS {
		return "__Host-ortlos_session"
	}
	return "ortlos_session"
}

// SetSessionCookie stores a new session token in the browser.
func (s *Server) SetSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: s.SessionCookieName(), Value: token, Path: "/", HttpOnly: true, Secure: s.opts.TLS, SameSite: http.SameSiteLaxMode})
}

// ClearSessionCookie removes the session cookie.
func (s *Server) ClearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.SessionCookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.opts.TLS, SameSite: http.SameSiteLaxMode})
}

// SessionToken returns the session token sent by the browser.
func (s *Server) SessionToken(r *http.Request) string {
	c, err := r.Cookie(s.SessionCookieName())
	if err != nil {
		return ""
	}
	return c.Value
}

// authenticate resolves the session cookie or, for the API, a bearer token.
// A request without valid credentials continues anonymously; the route's
// access level decides what that means.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		ip := ClientIP(r)
		if h := r.Header.Get("Authorization"); h != "" && IsAPI(r) {
			scheme, token, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") {
				s.Error(w, r, apperr.New(apperr.Unauthenticated, "token_invalid", "unsupported authorization scheme"))
				return
			}
			a, err := s.ident.AuthenticateToken(r.Context(), strings.TrimSpace(token), ip)
			if err != nil {
				s.Error(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(withAuth(r.Context(), &a)))
			return
		}
		if tok := s.SessionToken(r); tok != "" {
			authenticate := s.ident.AuthenticateSession
			if r.Header.Get("Accept") == "text/event-stream" {
				// EventSource reconnects by itself: not the person's activity.
				authenticate = s.ident.AuthenticateSessionPassive
			}
			a, err := authenticate(r.Context(), tok, ip)
			switch {
			case err == nil:
				r = r.WithContext(withAuth(r.Context(), &a))
			case apperr.KindOf(err) == apperr.Unauthenticated:
				s.ClearSessionCookie(w)
			default:
				s.Error(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Access is what a route requires of the caller.
type Access int

// Access levels.
const (
	// Public routes are open to everyone (login, setup link, health).
	Public Access = iota
	// Pending routes need a session waiting for its second factor.
	Pending
	// Enrol routes are open to sessions that still have to set up a second
	// factor, and to full sessions (enrolment, logout).
	Enrol
	// Full routes need a complete login: a full session, or on the API a
	// personal API token.
	Full
)

// guard enforces access before the handler runs.
func (s *Server) guard(access Access, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := AuthFrom(r.Context())
		stage := ""
		if a != nil {
			stage = a.Session.Stage
			if a.Session.ID == 0 {
				stage = identity.StageFull // API token
			}
		}
		ok := false
		switch access {
		case Public:
			ok = true
		case Pending:
			ok = stage == identity.StageMFA
		case Enrol:
			ok = stage == identity.StageEnrol || (stage == identity.StageFull && a.Session.ID != 0)
		case Full:
			ok = stage == identity.StageFull
		}
		if ok && a != nil && a.Session.ID == 0 && !a.Actor.CanWrite() && r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.Error(w, r, apperr.Forbiddenf("token_scope", "read-only token"))
			return
		}
		if ok {
			next(w, r)
			return
		}
		switch {
		case IsAPI(r) && stage == identity.StageEnrol:
			s.Error(w, r, apperr.Forbiddenf("mfa_enrolment_required", "set up a second factor first"))
		case IsAPI(r):
			s.Error(w, r, apperr.New(apperr.Unauthenticated, "unauthenticated", "authentication required"))
		case stage == identity.StageEnrol:
			http.Redirect(w, r, "/2fa/enrol", http.StatusSeeOther)
		case stage == identity.StageMFA && access != Pending:
			http.Redirect(w, r, "/login/2fa", http.StatusSeeOther)
		default:
			target := "/login"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?next=" + urlQueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
		}
	}
}
