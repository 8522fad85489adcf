// Package absenceweb serves the absence pages (own absences with the
// request form, the approvals of leads and HR) and their JSON API twins.
package absenceweb

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"ortlos/internal/absence"
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

// Handler serves the absence module.
type Handler struct {
	srv *web.Server
	svc *absence.Service
}

// Register adds the module's routes and navigation entries to srv.
func Register(srv *web.Server, svc *absence.Service) *Handler {
	h := &Handler{srv: srv, svc: svc}
	srv.AddNav("/absences", "nav.absences", nil)
	srv.AddNav("/absences/approvals", "absence.nav_approvals", func(a *identity.Auth) bool {
		// Leads and HR always; acting deputies and substitutes with
		// requests waiting for them too (one indexed query per page).
		if absence.CanDecide(a.Actor) {
			return true
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		ok, err := svc.SeesApprovals(ctx, a.Actor)
		return err == nil && ok
	})
	h.registerAPI()
	h.registerUI()
	h.registerFeeds()
	h.registerEntitlement()
	h.registerCalendar()
	h.registerExport()
	h.registerTypes()
	h.registerDeputy()
	h.registerStaffing()
	return h
}
