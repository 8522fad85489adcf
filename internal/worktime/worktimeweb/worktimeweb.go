// Package worktimeweb serves the working-time page (clock in and out, breaks),
// the work-model page for HR (Arbeitszeitmodelle) and their JSON API twins.
package worktimeweb

import (
	"embed"
	"io/fs"

	"ortlos/internal/web"
	"ortlos/internal/worktime"
)

//go:embed pages/*.html
var pagesFS embed.FS

// Pages returns the page templates of this module.
func Pages() fs.FS {
	sub, _ := fs.Sub(pagesFS, "pages")
	return sub
}

// Handler serves the working-time module.
type Handler struct {
	srv *web.Server
	svc *worktime.Service
}

// Register adds the module's routes and navigation entries to srv.
func Register(srv *web.Server, svc *worktime.Service) *Handler {
	h := &Handler{srv: srv, svc: svc}
	// The clock page leads the module's navigation entries.
	srv.AddNav("/worktime", "nav.worktime", nil)
	h.registerUI()
	h.registerHomeWidget()
	h.registerAPI()
	h.registerWorkModelUI()
	h.registerWorkModelAPI()
	h.registerMonthUI()
	h.registerMonthAPI()
	h.registerCorrections()
	h.registerReports()
	h.registerYearReport()
	h.registerCorehours()
	h.registerSignoff()
	h.registerTeam()
	return h
}
