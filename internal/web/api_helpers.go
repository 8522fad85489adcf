package web

import (
	"context"
	"net/http"

	"ortlos/internal/actor"
)

// The JSON operations on one resource {id} share one shape: read the id,
// decode the body, call the service with the caller, answer with the
// result or the error. The helpers below are that shape once, so that a
// handler is only the call of its service.

// ErrorWriter answers a request with an error. *Server is one; a module
// whose problem documents carry extra members passes its own.
type ErrorWriter interface {
	Error(w http.ResponseWriter, r *http.Request, err error)
}

// APIWithBody answers a JSON operation on resource {id} with a body: it
// reads the path value {id} (PathID), decodes the JSON body into In
// (DecodeJSON: unknown fields and trailing data are refused), calls fn
// with the request's context and actor and answers fn's result as JSON
// with status. A bad id, a bad body and fn's error are answered by e.
func APIWithBody[In, Out any](e ErrorWriter, w http.ResponseWriter, r *http.Request, status int, fn func(context.Context, actor.Actor, int64, In) (Out, error)) {
	id, err := PathID(r)
	if err != nil {
		e.Error(w, r, err)
		return
	}
	var req In
	if err := DecodeJSON(r, &req); err != nil {
		e.Error(w, r, err)
		return
	}
	out, err := fn(r.Context(), Actor(r), id, req)
	if err != nil {
		e.Error(w, r, err)
		return
	}
	JSON(w, status, out)
}

// APIWithID answers a JSON operation on resource {id} without a body: it
// calls fn for the id and answers its result as JSON with status, or the
// error through e.
func APIWithID[Out any](e ErrorWriter, w http.ResponseWriter, r *http.Request, status int, fn func(context.Context, actor.Actor, int64) (Out, error)) {
	id, err := PathID(r)
	if err != nil {
		e.Error(w, r, err)
		return
	}
	out, err := fn(r.Context(), Actor(r), id)
	if err != nil {
		e.Error(w, r, err)
		return
	}
	JSON(w, status, out)
}

// APINoContent answers an operation on resource {id} that returns
// nothing: it calls fn for the id and answers 204 No Content, or the
// error through e.
func APINoContent(e ErrorWriter, w http.ResponseWriter, r *http.Request, fn func(context.Context, actor.Actor, int64) error) {
	id, err := PathID(r)
	if err != nil {
		e.Error(w, r, err)
		return
	}
	if err := fn(r.Context(), Actor(r), id); err != nil {
		e.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
