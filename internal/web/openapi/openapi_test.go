package openapi

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestMergeRejectsDuplicates(t *testing.T) {
	base := `{"openapi":"3.1.0","paths":{"/a":{}},"components":{"schemas":{"A":{}}}}`
	for name, part := range map[string]string{
		"path":   `{"paths":{"/a":{}}}`,
		"schema": `{"components":{"schemas":{"A":{}}}}`,
		"field":  `{"pathz":{}}`,
	} {
		fsys := fstest.MapFS{"openapi.json": {Data: []byte(base)}, "parts/x.json": {Data: []byte(part)}}
		if _, err := merge(fsys); err == nil {
			t.Errorf("%s: merge accepted a broken fragment", name)
		}
	}
	fsys := fstest.MapFS{"openapi.json": {Data: []byte(base)},
		"parts/x.json": {Data: []byte(`{"paths":{"/b":{}},"components":{"schemas":{"B":{}},"parameters":{"P":{}}}}`)}}
	out, err := merge(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"/a"`, `"/b"`, `"A"`, `"B"`, `"P"`, `"3.1.0"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("merged document lacks %s:\n%s", want, out)
		}
	}
}
