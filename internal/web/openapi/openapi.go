// Package openapi serves the hand-written OpenAPI 3.1 document of the JSON
// API at /api/v1/openapi.json. A test in internal/app keeps the document and
// the registered routes in sync.
package openapi

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"time"

	"ortlos/internal/web"
)

//go:embed openapi.json
var document []byte

// etag identifies this build's document, so clients can revalidate cheaply.
var etag = func() string {
	sum := sha256.Sum256(document)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// Document returns the OpenAPI document.
func Document() []byte { return bytes.Clone(document) }

// Register adds GET /api/v1/openapi.json to srv. It is public: the document
// describes the API, not anyone's data.
func Register(srv *web.Server) {
	srv.API("GET", "/openapi.json", "getOpenAPI", web.Public, serve)
}

func serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("ETag", etag)
	// The document holds no personal data, so the server-wide no-store
	// does not apply; clients revalidate with the ETag.
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(document))
}
