// Package auditweb serves the audit trail viewer, its export and the JSON
// API for auditors and administrators.
package auditweb

import (
	"embed"
	"io/fs"

	"ortlos/internal/audit"
	"ortlos/internal/identity"
	"ortlos/internal/web"
)

//go:embed pages/*.html
var pagesFS embed.FS

// Pages returns the page templates of this module.
func Pages() fs.FS {
	sub, _ := fs.Sub(pagesFS, "pages")
	return sub
}

// Handler serves the audit module.
type Handler struct {
	srv   *web.Server
	audit *audit.Service
	ident *identity.Service
}

// Register adds the audit routes to srv.
func Register(srv *web.Server, a *audit.Service, ident *identity.Service) *Handler {
	h := &Handler{srv: srv, audit: a, ident: ident}
	h.register()
	return h
}

func (h *Handler) register() {
	h.registerUI()
	h.registerAPI()
}
