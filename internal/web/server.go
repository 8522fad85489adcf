// Package web is the HTTP layer shared by all modules: server set-up,
// middleware (request IDs, logging, security headers, cross-origin
// protection, authentication, metrics), the route registry behind the
// OpenAPI check, rendering and the one mapping from application errors to
// HTTP.
package web

import (
	"context"
	"crypto/tls"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/i18n"
	"ortlos/internal/identity"
)

// Options configure the server.
type Options struct {
	OrgName        string
	Location       *time.Location
	TLS            bool // cookies and HSTS for HTTPS
	TrustedProxies []netip.Prefix
	MaxBodyBytes   int64
	MetricsToken   string
}

// Server is the HTTP front of ortlos.
type Server struct {
	opts     Options
	log      *slog.Logger
	ident    *identity.Service
	renderer *Renderer
	mux      *http.ServeMux
	routes   []Route
	metrics  *Metrics
	cop      *http.CrossOriginProtection
	nav      []navEntry
	widgets  []homeWidget
	account  []accountEntry
	// large maps route patterns that take bodies above MaxBodyBytes
	// (uploads) to their limit; largeMux finds the pattern of a request.
	large    map[string]int64
	largeMux *http.ServeMux
}

// accountEntry is a link in the header's account area with a count (e.g.
// unread notifications).
type accountEntry struct {
	href, labelKey, countKey string
	count                    func(r *http.Request) (int, error)
}

// homeWidget is a module's part of the start page: the template "widget"
// of page, executed with what data returns (nothing when ok is false).
type homeWidget struct {
	page string
	data func(r *http.Request) (v any, ok bool, err error)
}

type navEntry struct {
	href, labelKey string
	visible        func(*identity.Auth) bool
}

// NewServer returns a server; modules then register their routes.
func NewServer(opts Options, log *slog.Logger, ident *identity.Service, renderer *Renderer, metrics *Metrics) *Server {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	s := &Server{opts: opts, log: log, ident: ident, renderer: renderer, mux: http.NewServeMux(), metrics: metrics,
		cop: http.NewCrossOriginProtection()}
	s.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.WarnContext(r.Context(), "cross-origin request rejected", "path", logPath(r), "origin", r.Header.Get("Origin"))
		s.Error(w, r, errCrossOrigin)
	}))
	s.mux.HandleFunc("GET /static/", renderer.ServeStatic)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	if metrics != nil {
		s.mux.Handle("GET /metrics", metrics.handler(opts.MetricsToken))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.Error(w, r, errNotFound) })
	return s
}

// Options returns the server options.
func (s *Server) Options() Options { return s.opts }

// Log returns the server's logger.
func (s *Server) Log() *slog.Logger { return s.log }

// AddNav adds an entry to the main navigation, shown when visible says so.
// Modules call it while registering.
func (s *Server) AddNav(href, labelKey string, visible func(*identity.Auth) bool) {
	s.nav = append(s.nav, navEntry{href: href, labelKey: labelKey, visible: visible})
}

// LargeBody lets requests matching pattern (a ServeMux pattern such as
// "POST /api/v1/tasks/{id}/files") carry bodies of up to n bytes instead
// of Options.MaxBodyBytes. Modules call it for upload routes, which stream
// the body and enforce their own limit.
func (s *Server) LargeBody(pattern string, n int64) {
	if s.large == nil {
		s.large, s.largeMux = map[string]int64{}, http.NewServeMux()
	}
	s.large[pattern] = n
	s.largeMux.Handle(pattern, http.NotFoundHandler())
}

// bodyLimit is the body limit of r.
func (s *Server) bodyLimit(r *http.Request) int64 {
	if s.largeMux != nil {
		if _, p := s.largeMux.Handler(r); p != "" {
			return s.large[p]
		}
	}
	return s.opts.MaxBodyBytes
}

// AddAccountLink adds a link to the header's account area of signed-in
// pages, labelled labelKey; when count returns more than zero the count is
// shown as a badge whose accessible name is countKey with the count.
func (s *Server) AddAccountLink(href, labelKey, countKey string, count func(r *http.Request) (int, error)) {
	s.account = append(s.account, accountEntry{href: href, labelKey: labelKey, countKey: countKey, count: count})
}

// AddHomeWidget adds a module's part to the start page: page is one of the
// module's template files that defines "widget", executed with the value
// data returns for the request (nothing is shown when ok is false).
// Modules call it while registering, so that the start page needs to know
// none of them.
func (s *Server) AddHomeWidget(page string, data func(r *http.Request) (v any, ok bool, err error)) {
	s.widgets = append(s.widgets, homeWidget{page: page, data: data})
}

// HomeWidgets renders the start-page widgets for r, in registration order.
func (s *Server) HomeWidgets(r *http.Request) ([]template.HTML, error) {
	var out []template.HTML
	for _, w := range s.widgets {
		v, ok, err := w.data(r)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		h, err := s.renderer.fragment(w.page, "widget", v)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// Handler returns the full middleware chain.
func (s *Server) Handler() http.Handler {
	var h http.Handler = s.mux
	h = s.authenticate(h)
	h = s.cop.Handler(h)
	h = s.limitBody(h)
	h = s.securityHeaders(h)
	h = s.observe(h)
	return h
}

// HTTPServer returns an http.Server with timeouts suitable for the internet.
func (s *Server) HTTPServer() *http.Server {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if s.opts.TLS {
		srv.TLSConfig = TLSConfig()
	}
	return srv
}

// TLSConfig allows TLS 1.2 with the AEAD/ECDHE suites recommended by BSI
// TR-02102-2, and TLS 1.3.
func TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		},
		CurvePreferences: []tls.CurveID{tls.X25519MLKEM768, tls.CurveP256, tls.CurveP384, tls.X25519},
	}
}

// Serve serves on l until ctx ends, then shuts down gracefully within
// timeout.
func Serve(ctx context.Context, srv *http.Server, l net.Listener, certFile, keyFile string, timeout time.Duration) error {
	errc := make(chan error, 1)
	go func() {
		if certFile != "" {
			errc <- srv.ServeTLS(l, certFile, keyFile)
		} else {
			errc <- srv.Serve(l)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		err := srv.Shutdown(sctx)
		if e := <-errc; !errors.Is(e, http.ErrServerClosed) {
			err = errors.Join(err, e)
		}
		return err
	}
}

// NewPage returns the layout part of a view model for r.
func (s *Server) NewPage(r *http.Request, title string) Page {
	p := Page{
		L:         s.Localizer(r),
		Title:     title,
		Auth:      AuthFrom(r.Context()),
		RequestID: RequestID(r.Context()),
		OrgName:   s.opts.OrgName,
		Loc:       s.opts.Location,
	}
	if p.Auth != nil && p.Auth.Session.Stage == identity.StageFull {
		// The current entry is the one with the longest href that is the
		// path or a parent of it, so /worktime/team marks only its own
		// entry and not /worktime as well.
		current := -1
		for _, n := range s.nav {
			if n.visible == nil || n.visible(p.Auth) {
				if under(r.URL.Path, n.href) && (current < 0 || len(n.href) > len(p.Nav[current].Href)) {
					current = len(p.Nav)
				}
				p.Nav = append(p.Nav, NavItem{Href: n.href, Label: p.L.T(n.labelKey)})
			}
		}
		if current >= 0 {
			p.Nav[current].Current = true
		}
		for _, e := range s.account {
			n, err := e.count(r)
			if err != nil {
				s.log.Warn("account link count", "href", e.href, "err", err)
			}
			l := AccountLink{Href: e.href, Label: p.L.T(e.labelKey), Count: n, Current: under(r.URL.Path, e.href)}
			if n > 0 {
				l.CountLabel = p.L.T(e.countKey, p.L.Number(int64(n)))
			}
			p.Account = append(p.Account, l)
		}
	} else if p.Auth != nil {
		p.Bare = true
	}
	if c, err := r.Cookie(flashCookie); err == nil && p.L.Has("flash."+c.Value) {
		p.Flash = p.L.T("flash." + c.Value)
	}
	return p
}

// under reports whether path is href or lies below it ("/" only matches
// itself).
func under(path, href string) bool {
	return path == href || (href != "/" && strings.HasPrefix(path, href+"/"))
}

// Render renders a page, clearing a shown flash message.
func (s *Server) Render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	if _, err := r.Cookie(flashCookie); err == nil {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.opts.TLS, SameSite: http.SameSiteLaxMode})
	}
	if err := s.renderer.render(w, status, page, data); err != nil {
		s.log.ErrorContext(r.Context(), "render", "err", err, "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

const flashCookie = "ortlos_flash"

// Redirect sends the browser to target after a successful POST, with an
// optional flash message key (from the "flash." catalogue entries).
func (s *Server) Redirect(w http.ResponseWriter, r *http.Request, target, flash string) {
	if flash != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: flash, Path: "/", MaxAge: 60, HttpOnly: true, Secure: s.opts.TLS, SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

type errorPage struct {
	Page
	Message string
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, l i18n.Localizer, e *apperr.Error) {
	p := s.NewPage(r, l.T("error.title"))
	if status == http.StatusNotFound {
		p.Title = l.T("error.not_found_title")
	}
	s.Render(w, r, status, "error.html", errorPage{Page: p, Message: l.Error(e.Code)})
}
