package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
)

// recordErrors is an ErrorWriter that keeps the error and answers its
// status.
type recordErrors struct{ err error }

func (e *recordErrors) Error(w http.ResponseWriter, r *http.Request, err error) {
	e.err = err
	w.WriteHeader(StatusOf(err))
}

func TestAPIHelpers(t *testing.T) {
	type in struct {
		Name string `json:"name"`
	}
	type out struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	errRefused := apperr.Conflictf("refused", "refused")
	var called int64
	errs := &recordErrors{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		APIWithBody(errs, w, r, http.StatusCreated, func(_ context.Context, _ actor.Actor, id int64, req in) (out, error) {
			called = id
			if req.Name == "nein" {
				return out{}, errRefused
			}
			return out{ID: id, Name: req.Name}, nil
		})
	})
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		APIWithID(errs, w, r, http.StatusOK, func(_ context.Context, _ actor.Actor, id int64) (out, error) {
			called = id
			return out{ID: id}, nil
		})
	})
	mux.HandleFunc("DELETE /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		APINoContent(errs, w, r, func(_ context.Context, _ actor.Actor, id int64) error {
			called = id
			if id == 9 {
				return errRefused
			}
			return nil
		})
	})

	for _, tc := range []struct {
		method, path, body string
		status             int
		json               string // the answer, when no error
		code               string // the error's code, when one
		called             int64
	}{
		{"POST", "/things/7", `{"name":"Akte"}`, http.StatusCreated, `{"id":7,"name":"Akte"}`, "", 7},
		{"POST", "/things/7", `{"name":"nein"}`, http.StatusConflict, "", "refused", 7},
		{"POST", "/things/0", `{"name":"Akte"}`, http.StatusNotFound, "", "not_found", 0},
		{"POST", "/things/x", `{"name":"Akte"}`, http.StatusNotFound, "", "not_found", 0},
		{"POST", "/things/7", `{"title":"Akte"}`, http.StatusUnprocessableEntity, "", "invalid_json", 0},
		{"POST", "/things/7", `{"name":"Akte"} {}`, http.StatusUnprocessableEntity, "", "invalid_json", 0},
		{"POST", "/things/7", ``, http.StatusUnprocessableEntity, "", "invalid_json", 0},
		{"GET", "/things/5", ``, http.StatusOK, `{"id":5,"name":""}`, "", 5},
		{"GET", "/things/-1", ``, http.StatusNotFound, "", "not_found", 0},
		{"DELETE", "/things/5", ``, http.StatusNoContent, "", "", 5},
		{"DELETE", "/things/9", ``, http.StatusConflict, "", "refused", 9},
	} {
		called, errs.err = 0, nil
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)))
		name := tc.method + " " + tc.path + " " + tc.body
		if rec.Code != tc.status {
			t.Errorf("%s: status %d, want %d", name, rec.Code, tc.status)
		}
		if called != tc.called {
			t.Errorf("%s: fn called with id %d, want %d", name, called, tc.called)
		}
		if tc.code == "" && errs.err != nil {
			t.Errorf("%s: error %v, want none", name, errs.err)
		}
		if got := apperr.CodeOf(errs.err); tc.code != "" && got != tc.code {
			t.Errorf("%s: error code %q, want %q", name, got, tc.code)
		}
		if tc.code == "refused" && !errors.Is(errs.err, errRefused) {
			t.Errorf("%s: error %v, want fn's error unchanged", name, errs.err)
		}
		if tc.json != "" {
			if got := strings.TrimSpace(rec.Body.String()); got != tc.json {
				t.Errorf("%s: answer %s, want %s", name, got, tc.json)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s: Content-Type %q", name, ct)
			}
		}
		if tc.status == http.StatusNoContent && rec.Body.Len() != 0 {
			t.Errorf("%s: body %q with 204", name, rec.Body.String())
		}
	}
}
