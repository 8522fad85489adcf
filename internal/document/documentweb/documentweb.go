// Package documentweb serves the records store (E-Akte): the file plan
// and folders (folders.go), documents, versions and check-out
// (documents.go), retention, legal holds, deletion and export
// (retention.go), full-text search (search.go), and their JSON API twins.
package documentweb

import (
	"embed"
	"io/fs"
	"strconv"
	"strings"

	"ortlos/internal/document"
	"ortlos/internal/web"
)

//go:embed pages/*.html pages/partials/*.html
var pagesFS embed.FS

// Pages returns the page templates of this module.
func Pages() fs.FS {
	sub, _ := fs.Sub(pagesFS, "pages")
	return sub
}

// Handler serves the records module.
type Handler struct {
	srv *web.Server
	svc *document.Service
	// taskFiles opens task attachments for filing (task_files.go).
	taskFiles TaskFiles
}

// Register adds the module's routes and navigation entries to srv.
func Register(srv *web.Server, svc *document.Service) *Handler {
	h := &Handler{srv: srv, svc: svc}
	h.registerFolders()
	h.registerDocuments()
	h.registerRetention()
	h.registerSearch()
	h.registerTaskFiling()
	return h
}

// formID is the id in a form value ("" or malformed: 0, none).
func formID(v string) int64 {
	id, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return id
}

// optID is an optional id in JSON (null for 0).
func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// derefID is the id p points to, 0 for nil.
func derefID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
