// Package projectweb serves the project and task pages (project tree,
// project overview and settings, Kanban board, task lists, "my tasks")
// and their JSON API twins.
package projectweb

import (
	"embed"
	"io/fs"

	"ortlos/internal/project"
	"ortlos/internal/web"
)

//go:embed pages/*.html
var pagesFS embed.FS

// Pages returns the page templates of this module.
func Pages() fs.FS {
	sub, _ := fs.Sub(pagesFS, "pages")
	return sub
}

// Handler serves the project module.
type Handler struct {
	srv *web.Server
	svc *project.Service
	// streams counts the open board event streams per person.
	streams streamCounter
	// filer files attachments into the records store (task_records.go;
	// nil: not offered).
	filer Filer
}

// Register adds the module's routes and navigation entries to srv.
func Register(srv *web.Server, svc *project.Service) *Handler {
	h := &Handler{srv: srv, svc: svc}
	srv.AddNav("/projects", "nav.projects", nil)
	h.registerProjects()
	h.registerTasks()
	h.registerTaskExtras()
	h.registerBoard()
	h.registerWorkload()
	return h
}
