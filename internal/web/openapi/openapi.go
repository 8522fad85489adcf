// Package openapi serves the hand-written OpenAPI 3.1 document of the JSON
// API at /api/v1/openapi.json. A test in internal/app keeps the document and
// the registered routes in sync.
//
// The document is openapi.json plus the fragments in parts/*.json, merged
// in file-name order: each fragment is an object with "paths" and
// "components" (schemas, parameters, responses) that are added to the base
// document, so that a module's operations live in a file of their own. A
// path or component defined twice is a build error caught by the tests
// (Document panics).
package openapi

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"time"

	"ortlos/internal/web"
)

//go:embed openapi.json parts/*.json
var files embed.FS

var document = mustMerge(files)

// etag identifies this build's document, so clients can revalidate cheaply.
var etag = func() string {
	sum := sha256.Sum256(document)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// mustMerge merges the base document with the fragments; a broken
// fragment is a programming error found by any test that starts.
func mustMerge(fsys fs.FS) []byte {
	out, err := merge(fsys)
	if err != nil {
		panic("openapi: " + err.Error())
	}
	return out
}

type fragment struct {
	Paths      map[string]json.RawMessage            `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components"`
}

func merge(fsys fs.FS) ([]byte, error) {
	raw, err := fs.ReadFile(fsys, "openapi.json")
	if err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	var base fragment
	if err := json.Unmarshal(raw, &base); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	names, err := fs.Glob(fsys, "parts/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var f fragment
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for p, v := range f.Paths {
			if _, dup := base.Paths[p]; dup {
				return nil, fmt.Errorf("%s: path %s is defined twice", name, p)
			}
			base.Paths[p] = v
		}
		for kind, items := range f.Components {
			if base.Components[kind] == nil {
				base.Components[kind] = map[string]json.RawMessage{}
			}
			for k, v := range items {
				if _, dup := base.Components[kind][k]; dup {
					return nil, fmt.Errorf("%s: components.%s.%s is defined twice", name, kind, k)
				}
				base.Components[kind][k] = v
			}
		}
	}
	if doc["paths"], err = json.Marshal(base.Paths); err != nil {
		return nil, err
	}
	if doc["components"], err = json.Marshal(base.Components); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

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
