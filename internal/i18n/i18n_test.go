package i18n_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ortlos/internal/i18n"
)

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	de, en := i18n.Keys("de"), i18n.Keys("en")
	slices.Sort(de)
	slices.Sort(en)
	for _, k := range de {
		if !slices.Contains(en, k) {
			t.Errorf("key %q is in the German catalogue but not in the English one", k)
		}
	}
	for _, k := range en {
		if !slices.Contains(de, k) {
			t.Errorf("key %q is in the English catalogue but not in the German one", k)
		}
	}
}

// TestEveryErrorCodeHasAMessage finds the error codes the code base
// creates (apperr constructors and WithField) and checks that each has a
// German and an English message, so a clerk never sees a raw code.
func TestEveryErrorCodeHasAMessage(t *testing.T) {
	codes := map[string]string{} // code -> where
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			arg := -1
			switch sel.Sel.Name {
			case "New", "Wrap":
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "apperr" {
					arg = 1
				}
			case "Invalidf", "NotFoundf", "Conflictf", "Forbiddenf":
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "apperr" {
					arg = 0
				}
			case "WithField":
				arg = 1
			}
			if arg < 0 || arg >= len(call.Args) {
				return true
			}
			if lit, ok := call.Args[arg].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				code, _ := strconv.Unquote(lit.Value)
				codes[code] = fset.Position(lit.Pos()).String()
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) < 20 {
		t.Fatalf("found only %d error codes; is the scan broken?", len(codes))
	}
	for _, lang := range i18n.Languages {
		l := i18n.For(lang)
		for code, where := range codes {
			if !l.Has("err." + code) {
				t.Errorf("%s: error code %q has no %s message (add err.%s to internal/i18n/catalog/%s/)", where, code, lang, code, lang)
			}
		}
	}
}
