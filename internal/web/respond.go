package web

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"ortlos/internal/apperr"
	"ortlos/internal/i18n"
)

// IsAPI reports whether the request is for the JSON API.
func IsAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// StatusOf returns the HTTP status of an application error, for pages that
// show a refused form again.
func StatusOf(err error) int { return status(apperr.KindOf(err)) }

// status maps an error kind to its HTTP status. This and Error are the one
// place where application errors become HTTP.
func status(k apperr.Kind) int {
	switch k {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// Problem is an RFC 9457 problem document with ortlos' stable code.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Code      string            `json:"code"`
	Detail    string            `json:"detail,omitempty"`
	Errors    map[string]string `json:"errors,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// Error answers with err: problem+json for the API, an HTML error page for
// the UI. Internal errors are logged with detail and shown generically.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := apperr.As(err)
	if !ok || e.Kind == apperr.Internal {
		if errors.Is(err, errBodyTooLarge) {
			e = apperr.New(apperr.Invalid, "body_too_large", "request body too large")
		} else {
			s.log.ErrorContext(r.Context(), "internal error", "err", err, "path", logPath(r), "request_id", RequestID(r.Context()))
			e = apperr.New(apperr.Internal, "internal", "internal error")
		}
	}
	st := status(e.Kind)
	if e.Code == "body_too_large" {
		st = http.StatusRequestEntityTooLarge
	}
	if e.Kind == apperr.RateLimited || e.Kind == apperr.Unavailable {
		w.Header().Set("Retry-After", "5")
	}
	l := s.Localizer(r)
	if IsAPI(r) {
		p := Problem{
			Type:      "urn:ortlos:problem:" + e.Code,
			Title:     http.StatusText(st),
			Status:    st,
			Code:      e.Code,
			Detail:    l.Error(e.Code),
			RequestID: RequestID(r.Context()),
		}
		if len(e.Fields) > 0 {
			p.Errors = map[string]string{}
			for f, c := range e.Fields {
				p.Errors[f] = c
			}
		}
		if e.Kind == apperr.Unauthenticated {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ortlos"`)
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(st)
		_ = json.NewEncoder(w).Encode(p)
		return
	}
	s.renderError(w, r, st, l, e)
}

// JSON writes v with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		slog.Debug("write json", "err", err)
	}
}

// DecodeJSON reads a JSON request body into v, refusing unknown fields and
// trailing data.
func DecodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errBodyTooLarge
		}
		return apperr.Wrap(apperr.Invalid, "invalid_json", "request body is not valid JSON for this operation", err)
	}
	if dec.More() {
		return apperr.New(apperr.Invalid, "invalid_json", "request body has trailing data")
	}
	return nil
}

var errBodyTooLarge = errors.New("web: request body too large")

// Localizer returns the localizer for the request: the user's language when
// logged in, else the "lang" cookie, else Accept-Language, else German.
func (s *Server) Localizer(r *http.Request) i18n.Localizer {
	if a := AuthFrom(r.Context()); a != nil && a.User.Language != "" {
		return i18n.For(a.User.Language)
	}
	if c, err := r.Cookie("lang"); err == nil {
		return i18n.For(c.Value)
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		if strings.HasPrefix(tag, "de") {
			return i18n.For("de")
		}
		if strings.HasPrefix(tag, "en") {
			return i18n.For("en")
		}
	}
	return i18n.For("de")
}

// NotModified sets the ETag header to etag (a quoted entity tag, weak
// or strong) and reports whether the request's If-None-Match matches it,
// in which case it has answered 304 Not Modified and the caller writes
// nothing more. Comparison is weak (RFC 9110 §13.1.2): W/"x" matches "x".
func NotModified(w http.ResponseWriter, r *http.Request, etag string) bool {
	w.Header().Set("ETag", etag)
	inm := r.Header.Get("If-None-Match")
	if inm == "" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for tag := range strings.SplitSeq(inm, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == want {
			w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}

// Nullable is a field of a JSON change (PATCH) that tells an absent field
// (Set false) from an explicit null (Set and Null true; V is T's zero
// value) and from a value.
type Nullable[T any] struct {
	Set, Null bool
	V         T
}

// UnmarshalJSON reads null or a T.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Null = true
		var zero T
		n.V = zero
		return nil
	}
	return json.Unmarshal(b, &n.V)
}

// Ptr returns nil for an absent field, else a pointer to the value (T's
// zero value for null: "clear").
func (n Nullable[T]) Ptr() *T {
	if !n.Set {
		return nil
	}
	v := n.V
	return &v
}
