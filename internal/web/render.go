package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/i18n"
	"ortlos/internal/identity"
)

//go:embed templates/*.html
var layoutFS embed.FS

//go:embed pages/*.html
var pagesFS embed.FS

// Pages returns the web package's own pages (the error page).
func Pages() fs.FS {
	sub, _ := fs.Sub(pagesFS, "pages")
	return sub
}

//go:embed static
var staticFS embed.FS

// Page is the part of every view model that the layout needs. Page view
// models embed it.
type Page struct {
	L         i18n.Localizer
	Title     string
	Auth      *identity.Auth
	Nav       []NavItem
	Account   []AccountLink
	Flash     string
	RequestID string
	// Errors maps a form field to its message; FormError is shown above the
	// form.
	Errors    map[string]string
	FormError string
	OrgName   string
	Loc       *time.Location
	// Bare hides the navigation (login, setup, enrolment pages).
	Bare bool
}

// AccountLink is a link of the header's account area with an optional
// count badge.
type AccountLink struct {
	Href       string
	Label      string
	Count      int
	CountLabel string // accessible name of the link with its count
	Current    bool
}

// NavItem is an entry of the main navigation.
type NavItem struct {
	Href    string
	Label   string
	Current bool
}

// HasError reports whether field has an error.
func (p Page) HasError(field string) bool { _, ok := p.Errors[field]; return ok }

// SetError records a form error from err: field messages for validation
// errors, a form-level message otherwise.
func (p *Page) SetError(err error) {
	e, ok := apperr.As(err)
	if !ok {
		p.FormError = p.L.Error("internal")
		return
	}
	p.FormError = p.L.Error(e.Code)
	if len(e.Fields) > 0 {
		p.Errors = map[string]string{}
		for f, c := range e.Fields {
			p.Errors[f] = p.L.Error(c)
		}
	}
}

// Renderer renders pages: each page template is parsed together with the
// layout at start-up.
type Renderer struct {
	pages  map[string]*template.Template
	assets map[string]string // logical name -> hashed URL path
	files  map[string][]byte // hashed URL path -> content
}

// NewRenderer parses the layout and every *.html page of the given module
// file systems. Page names must be unique across modules.
func NewRenderer(modules ...fs.FS) (*Renderer, error) {
	r := &Renderer{pages: map[string]*template.Template{}, assets: map[string]string{}, files: map[string][]byte{}}
	if err := r.loadAssets(); err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"asset": r.asset,
		"join":  strings.Join,
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"contains": func(list []string, s string) bool {
			for _, v := range list {
				if v == s {
					return true
				}
			}
			return false
		},
	}
	base, err := template.New("layout").Funcs(funcs).ParseFS(layoutFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	for _, m := range modules {
		names, err := fs.Glob(m, "*.html")
		if err != nil {
			return nil, err
		}
		// A module's partials/*.html are shared by all its pages.
		mbase := base
		if partials, _ := fs.Glob(m, "partials/*.html"); len(partials) > 0 {
			if mbase, err = template.Must(base.Clone()).ParseFS(m, "partials/*.html"); err != nil {
				return nil, fmt.Errorf("web: parse partials: %w", err)
			}
		}
		for _, n := range names {
			if _, dup := r.pages[n]; dup {
				return nil, fmt.Errorf("web: page %s defined twice", n)
			}
			t, err := template.Must(mbase.Clone()).ParseFS(m, n)
			if err != nil {
				return nil, fmt.Errorf("web: parse %s: %w", n, err)
			}
			r.pages[n] = t
		}
	}
	return r, nil
}

func (r *Renderer) loadAssets() error {
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		ext := path.Ext(name)
		hashed := "/static/" + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:12] + ext
		r.assets[name] = hashed
		r.files[hashed] = b
		return nil
	})
}

func (r *Renderer) asset(name string) (string, error) {
	p, ok := r.assets[name]
	if !ok {
		return "", fmt.Errorf("web: unknown asset %q", name)
	}
	return p, nil
}

// ServeStatic serves the hashed static files with a long cache lifetime.
func (r *Renderer) ServeStatic(w http.ResponseWriter, req *http.Request) {
	b, ok := r.files[req.URL.Path]
	if !ok {
		http.NotFound(w, req)
		return
	}
	switch path.Ext(req.URL.Path) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".svg":
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(b)
}

// fragment executes the template name defined in page, for a part of
// another page. The result is trusted HTML: html/template escaped it.
func (r *Renderer) fragment(page, name string, data any) (template.HTML, error) {
	t, ok := r.pages[page]
	if !ok {
		return "", fmt.Errorf("web: unknown page %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return "", fmt.Errorf("web: render %s %s: %w", page, name, err)
	}
	return template.HTML(buf.String()), nil //nolint:gosec // output of html/template
}

// render executes page into a buffer first, so a template error never sends
// half a page.
func (r *Renderer) render(w http.ResponseWriter, status int, page string, data any) error {
	t, ok := r.pages[page]
	if !ok {
		return fmt.Errorf("web: unknown page %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", data); err != nil {
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}
