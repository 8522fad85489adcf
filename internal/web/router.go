package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Route is a registered API operation; the OpenAPI test compares these with
// the document.
type Route struct {
	Method      string
	Path        string // OpenAPI form, e.g. /api/v1/users/{id}
	OperationID string
	Access      Access
}

// UI registers a browser route ("GET /profile") with its access level.
func (s *Server) UI(pattern string, access Access, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, s.guard(access, h))
}

// API registers a JSON API operation under /api/v1 with its stable
// operationId.
func (s *Server) API(method, path, operationID string, access Access, h http.HandlerFunc) {
	full := "/api/v1" + path
	s.routes = append(s.routes, Route{Method: method, Path: full, OperationID: operationID, Access: access})
	s.mux.HandleFunc(method+" "+full, s.guard(access, h))
}

// Handle registers a plain handler without guard (health, readiness).
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Routes returns the registered API operations sorted by path and method.
func (s *Server) Routes() []Route {
	out := slices.Clone(s.routes)
	slices.SortFunc(out, func(a, b Route) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return out
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// SafeNext returns target if it is a local path, else "/": login redirects
// must not lead off-site.
func SafeNext(target string) string {
	if target == "" || !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || strings.HasPrefix(target, "/\\") {
		return "/"
	}
	return target
}

// PathID reads the positive integer path value {id}; anything else answers
// not found, like an id that does not exist.
func PathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}
