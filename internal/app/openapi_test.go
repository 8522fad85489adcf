package app_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"ortlos/internal/db"
	"ortlos/internal/web"
	"ortlos/internal/web/openapi"
)

// oaDocument is the part of an OpenAPI document the checks below read.
type oaDocument struct {
	OpenAPI string                                `json:"openapi"`
	Servers []struct{ URL string }                `json:"servers"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

// oaOperation is one operation of the document.
type oaOperation struct {
	OperationID string                     `json:"operationId"`
	Security    *[]map[string][]string     `json:"security"`
	Parameters  []oaParameter              `json:"parameters"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

type oaParameter struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

var oaMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// oaOperations returns the document's operations keyed by "METHOD /path".
func oaOperations(t *testing.T, raw []byte) (map[string]oaOperation, map[string][]oaParameter) {
	t.Helper()
	var doc oaDocument
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" {
		t.Fatalf("openapi %q, servers %v; want 3.1.0 with the one server /api/v1", doc.OpenAPI, doc.Servers)
	}
	ops := map[string]oaOperation{}
	pathParams := map[string][]oaParameter{}
	for path, item := range doc.Paths {
		for key, rawOp := range item {
			if key == "parameters" {
				var ps []oaParameter
				if err := json.Unmarshal(rawOp, &ps); err != nil {
					t.Fatalf("%s parameters: %v", path, err)
				}
				pathParams[path] = ps
				continue
			}
			if !slices.Contains(oaMethods, key) {
				continue // summary, description, servers
			}
			var op oaOperation
			if err := json.Unmarshal(rawOp, &op); err != nil {
				t.Fatalf("%s %s: %v", key, path, err)
			}
			ops[strings.ToUpper(key)+" "+path] = op
		}
	}
	return ops, pathParams
}

// TestOpenAPISync fails when a registered API route is missing from the
// OpenAPI document or the document lists an operation the server does not
// serve, or when the two disagree on its operationId or on who may call it.
func TestOpenAPISync(t *testing.T) {
	t.Parallel()
	m := apiOpen(t, db.SQLite)
	ops, _ := oaOperations(t, openapi.Document())

	routes := map[string]web.Route{}
	for _, r := range m.Server.Routes() {
		path, ok := strings.CutPrefix(r.Path, "/api/v1")
		if !ok {
			t.Errorf("route %s %s is not under /api/v1", r.Method, r.Path)
			continue
		}
		key := r.Method + " " + path
		if _, dup := routes[key]; dup {
			t.Errorf("route %s registered twice", key)
		}
		routes[key] = r
	}
	if len(routes) == 0 {
		t.Fatal("the server registered no API routes")
	}
	for key, r := range routes {
		op, ok := ops[key]
		if !ok {
			t.Errorf("route %s (%s) is missing from openapi.json", key, r.OperationID)
			continue
		}
		if op.OperationID != r.OperationID {
			t.Errorf("%s: operationId %q in openapi.json, %q registered", key, op.OperationID, r.OperationID)
		}
		// Public routes say so with an empty security list; every other
		// operation inherits the document's bearer/cookie requirement.
		public := op.Security != nil && len(*op.Security) == 0
		if public != (r.Access == web.Public) {
			t.Errorf("%s: public in openapi.json = %v, registered access %v", key, public, r.Access)
		}
	}
	for key, op := range ops {
		if _, ok := routes[key]; !ok {
			t.Errorf("openapi.json lists %s (%s), but the server has no such route", key, op.OperationID)
		}
	}
}

// TestOpenAPIDocument checks the document on its own: unique operationIds,
// a success answer and problem answers per operation, declared path
// parameters and resolvable references.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	raw := openapi.Document()
	ops, pathParams := oaOperations(t, raw)
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}

	resolve := func(ref string) (any, error) {
		frag, ok := strings.CutPrefix(ref, "#/")
		if !ok {
			return nil, fmt.Errorf("only local references are allowed")
		}
		var cur any = generic
		for _, tok := range strings.Split(frag, "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			obj, ok := cur.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%q is not an object", tok)
			}
			if cur, ok = obj[tok]; !ok {
				return nil, fmt.Errorf("no %q", tok)
			}
		}
		return cur, nil
	}
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "$ref" {
					ref, _ := x.(string)
					if _, err := resolve(ref); err != nil {
						t.Errorf("%s: $ref %q does not resolve: %v", at, ref, err)
					}
					continue
				}
				walk(at+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s/%d", at, i), x)
			}
		}
	}
	walk("#", generic)

	seen := map[string]string{}
	opIDRE := regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)
	paramRE := regexp.MustCompile(`\{([^}]+)\}`)
	for key, op := range ops {
		if !opIDRE.MatchString(op.OperationID) {
			t.Errorf("%s: operationId %q is not lowerCamelCase", key, op.OperationID)
		}
		if other, dup := seen[op.OperationID]; dup {
			t.Errorf("operationId %q used by %s and %s", op.OperationID, key, other)
		}
		seen[op.OperationID] = key

		has2xx := false
		for code := range op.Responses {
			has2xx = has2xx || strings.HasPrefix(code, "2")
		}
		if !has2xx {
			t.Errorf("%s: no 2xx response", key)
		}
		public := op.Security != nil && len(*op.Security) == 0
		if !public {
			for _, code := range []string{"401", "404"} {
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("%s: no %s problem response", key, code)
				}
			}
		}

		path := strings.SplitN(key, " ", 2)[1]
		declared := map[string]bool{}
		for _, p := range append(slices.Clone(pathParams[path]), op.Parameters...) {
			if p.Ref != "" {
				v, err := resolve(p.Ref)
				if err != nil {
					continue // reported by the walk
				}
				b, _ := json.Marshal(v)
				_ = json.Unmarshal(b, &p)
			}
			if p.In == "path" {
				declared[p.Name] = true
			}
		}
		for _, m := range paramRE.FindAllStringSubmatch(path, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter %q is not declared", key, m[1])
			}
			delete(declared, m[1])
		}
		for name := range declared {
			t.Errorf("%s: declares path parameter %q that the path lacks", key, name)
		}
		if _, err := url.Parse(path); err != nil || !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "/api/") {
			t.Errorf("%s: paths are relative to the server URL /api/v1", key)
		}
	}
}
