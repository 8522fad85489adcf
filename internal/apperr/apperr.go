// Package apperr is the one error model of ortlos: every error that crosses a
// service boundary carries a Kind (how to react), a stable Code (for API
// clients and the message catalogue) and an English developer message. The
// user-facing text always comes from the catalogue entry of the Code, never
// from err.Error() of an internal error.
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the transport layer.
type Kind int

// The kinds an error can have. The zero value is Internal so that a forgotten
// kind never leaks as a client error.
const (
	Internal Kind = iota
	Invalid
	NotFound
	Conflict
	Unauthenticated
	Forbidden
	RateLimited
	Unavailable
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not_found"
	case Conflict:
		return "conflict"
	case Unauthenticated:
		return "unauthenticated"
	case Forbidden:
		return "forbidden"
	case RateLimited:
		return "rate_limited"
	case Unavailable:
		return "unavailable"
	default:
		return "internal"
	}
}

// Error is an application error with a stable code.
type Error struct {
	Kind Kind
	// Code is stable and part of the public API contract, e.g. "user_not_found".
	Code string
	// Message is an English, user-safe description used when the catalogue
	// has no entry for Code.
	Message string
	// Fields maps an input field name to the code of what is wrong with it.
	Fields map[string]string
	// Err is an optional wrapped cause; it is logged, never shown.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// WithField records that input field name is wrong for reason code and
// returns e for chaining.
func (e *Error) WithField(name, code string) *Error {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	e.Fields[name] = code
	return e
}

// New returns an error of kind k.
func New(k Kind, code, message string) *Error {
	return &Error{Kind: k, Code: code, Message: message}
}

// Wrap returns an error of kind k that wraps cause.
func Wrap(k Kind, code, message string, cause error) *Error {
	return &Error{Kind: k, Code: code, Message: message, Err: cause}
}

// Shorthands for the common kinds.
func Invalidf(code, format string, a ...any) *Error {
	return New(Invalid, code, fmt.Sprintf(format, a...))
}

// NotFoundf returns a NotFound error.
func NotFoundf(code, format string, a ...any) *Error {
	return New(NotFound, code, fmt.Sprintf(format, a...))
}

// Conflictf returns a Conflict error.
func Conflictf(code, format string, a ...any) *Error {
	return New(Conflict, code, fmt.Sprintf(format, a...))
}

// Forbiddenf returns a Forbidden error.
func Forbiddenf(code, format string, a ...any) *Error {
	return New(Forbidden, code, fmt.Sprintf(format, a...))
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// KindOf returns the kind of err; errors that are not *Error are Internal.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return Internal
}

// CodeOf returns the code of err, or "internal" for foreign errors.
func CodeOf(err error) string {
	if e, ok := As(err); ok && e.Kind != Internal {
		return e.Code
	}
	return "internal"
}

// Is reports whether err is an application error with the given code.
func Is(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}
