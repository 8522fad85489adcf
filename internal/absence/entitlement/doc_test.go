package entitlement

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDocListsEveryCode keeps the step-code table of
// docs/absence-entitlement.md in step with the Code* constants.
func TestDocListsEveryCode(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "entitlement.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Code") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("%s is not a string literal", name.Name)
				}
				v, _ := strconv.Unquote(lit.Value)
				codes[v] = true
			}
		}
	}
	if len(codes) < 10 {
		t.Fatalf("found only %d codes; is the scan broken?", len(codes))
	}
	doc, err := os.ReadFile("../../../docs/absence-entitlement.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "\n## Step codes\n")
	if !ok {
		t.Fatal(`docs/absence-entitlement.md has no "## Step codes" section`)
	}
	table, _, _ = strings.Cut(table, "\n## ")
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\|").FindAllStringSubmatch(table, -1) {
		documented[m[1]] = true
	}
	for c := range codes {
		if !documented[c] {
			t.Errorf("step code %q is missing from the table in docs/absence-entitlement.md", c)
		}
	}
	for c := range documented {
		if !codes[c] {
			t.Errorf("docs/absence-entitlement.md lists %q, which is no step code", c)
		}
	}
}
