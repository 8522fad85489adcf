package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestLogPathHidesSecrets(t *testing.T) {
	mux := http.NewServeMux()
	var got string
	mux.HandleFunc("GET /setup/{token}", func(w http.ResponseWriter, r *http.Request) { got = logPath(r) })
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) { got = logPath(r) })
	for _, tc := range []struct{ path, want string }{
		{"/setup/geheimes-token", "GET /setup/{token}"},
		{"/users/7", "/users/7"},
	} {
		mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, tc.path, nil))
		if got != tc.want {
			t.Errorf("logPath(%s) = %q, want %q", tc.path, got, tc.want)
		}
	}
}
