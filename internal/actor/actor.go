// Package actor describes who performs an operation: an authenticated user
// (through a session or an API token), the system itself, or an anonymous
// visitor. Services take an Actor as their second argument and decide
// authorisation from it; the audit trail records it.
package actor

import "slices"

// Built-in role identifiers, stable for API and CLI.
const (
	RoleAdmin     = "admin"
	RoleHR        = "hr"
	RoleLead      = "lead"
	RoleEmployee  = "employee"
	RoleITSupport = "it-support"
	RoleAuditor   = "auditor"
	// RoleRecords is records management (Registratur): the file plan,
	// retention classes, legal holds, deletion and archive hand-over.
	RoleRecords = "records"
)

// BuiltinRoles lists the built-in roles in display order.
var BuiltinRoles = []string{RoleAdmin, RoleHR, RoleLead, RoleEmployee, RoleITSupport, RoleAuditor, RoleRecords}

// Via says how an actor authenticated.
type Via string

// Ways of authenticating.
const (
	ViaNone    Via = ""
	ViaSession Via = "session"
	ViaToken   Via = "token"
	ViaCLI     Via = "cli"
	ViaSystem  Via = "system"
)

// Actor is the subject of an operation.
type Actor struct {
	UserID   int64 // 0 for system and anonymous actors
	Username string
	Roles    []string
	Via      Via
	// SessionID is the id of the session the request came through.
	SessionID int64
	// TokenScope is "read" or "write" for API token requests.
	TokenScope string
	// SourceIP is the client address as determined by the web layer.
	SourceIP string
}

// System returns the actor for work the server does on its own.
func System() Actor { return Actor{Username: "system", Via: ViaSystem} }

// CLI returns the actor for administrative commands run on the server.
func CLI() Actor { return Actor{Username: "cli", Via: ViaCLI} }

// Anonymous returns an unauthenticated actor from addr.
func Anonymous(addr string) Actor { return Actor{Username: "anonymous", SourceIP: addr} }

// Authenticated reports whether the actor is a logged-in user.
func (a Actor) Authenticated() bool { return a.UserID != 0 }

// Has reports whether the actor holds role.
func (a Actor) Has(role string) bool { return slices.Contains(a.Roles, role) }

// Privileged reports whether the actor acts with full administrative power:
// the server's own jobs and CLI commands run by an operator on the host.
func (a Actor) Privileged() bool { return a.Via == ViaSystem || a.Via == ViaCLI }

// IsAdmin reports whether the actor may administer users and settings.
func (a Actor) IsAdmin() bool { return a.Privileged() || a.Has(RoleAdmin) }

// CanWrite reports whether the actor may change state: API tokens with the
// read scope may not.
func (a Actor) CanWrite() bool { return a.Via != ViaToken || a.TokenScope == "write" }
