package openapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestServe(t *testing.T) {
	rec := httptest.NewRecorder()
	serve(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("ETag") != etag {
		t.Fatalf("GET: status %d, headers %v; want 200 application/json with ETag %s", rec.Code, rec.Header(), etag)
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatal("the served document is not valid JSON")
	}

	req := httptest.NewRequest("GET", "/api/v1/openapi.json", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	serve(rec, req)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("GET with If-None-Match: status %d, %d bytes; want 304 without body", rec.Code, rec.Body.Len())
	}
}
