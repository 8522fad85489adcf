// Package identityweb serves the identity pages (login, second factor,
// setup link, enrolment, profile, administration of users, org units and
// roles) and their JSON API twins.
package identityweb

import (
	"embed"
	"io/fs"

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

// Handler serves the identity module.
type Handler struct {
	srv     *web.Server
	ident   *identity.Service
	metrics *web.Metrics
}

// Register adds the module's routes and navigation to srv.
func Register(srv *web.Server, ident *identity.Service, metrics *web.Metrics) *Handler {
	h := &Handler{srv: srv, ident: ident, metrics: metrics}
	h.registerAuth()
	h.registerProfile()
	h.registerAdmin()
	h.registerAPI()
	return h
}

func isAdmin(a *identity.Auth) bool { return a.Actor.IsAdmin() }
