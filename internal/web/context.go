package web

import (
	"context"
	"net/http"
	"strings"

	"ortlos/internal/actor"
	"ortlos/internal/identity"
)

type ctxKey int

const (
	authKey ctxKey = iota
	requestIDKey
	clientIPKey
	langKey
)

// AuthFrom returns the authentication of the request, or nil.
func AuthFrom(ctx context.Context) *identity.Auth {
	a, _ := ctx.Value(authKey).(*identity.Auth)
	return a
}

func withAuth(ctx context.Context, a *identity.Auth) context.Context {
	return context.WithValue(ctx, authKey, a)
}

// Actor returns the actor of the request: the authenticated user, or an
// anonymous actor with the client address.
func Actor(r *http.Request) actor.Actor {
	if a := AuthFrom(r.Context()); a != nil {
		return a.Actor
	}
	return actor.Anonymous(ClientIP(r))
}

// RequestID returns the request's ID.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// ClientIP returns the client address as determined by the trusted-proxy
// rules.
func ClientIP(r *http.Request) string {
	ip, _ := r.Context().Value(clientIPKey).(string)
	return ip
}

// logPath is the request path as it may appear in logs: paths that carry a
// secret (setup links) are logged as their route pattern instead.
func logPath(r *http.Request) string {
	if strings.Contains(r.Pattern, "{token}") {
		return r.Pattern
	}
	return r.URL.Path
}
