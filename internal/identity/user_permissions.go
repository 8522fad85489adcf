package identity

import "ortlos/internal/actor"

// canManageUsers: administrators (and operators on the host) manage users,
// org units and role assignments.
func canManageUsers(a actor.Actor) bool { return a.IsAdmin() && a.CanWrite() }

// canViewAllUsers: roles whose work needs the whole directory.
func canViewAllUsers(a actor.Actor) bool {
	return a.IsAdmin() || a.Has(actor.RoleHR) || a.Has(actor.RoleAuditor) || a.Has(actor.RoleITSupport)
}

// canViewUser: everyone sees themselves; leads see the people they
// supervise; the directory roles see everyone. Anything else is 404.
func canViewUser(a actor.Actor, u User) bool {
	switch {
	case canViewAllUsers(a):
		return true
	case !a.Authenticated():
		return false
	case a.UserID == u.ID:
		return true
	default:
		return a.Has(actor.RoleLead) && u.SupervisorID == a.UserID
	}
}

// canEditProfile: administrators change everything; users change their own
// display name and language, never their roles.
func canEditProfile(a actor.Actor, u User, up UserUpdate) bool {
	if !a.CanWrite() {
		return false
	}
	if a.IsAdmin() {
		return true
	}
	if a.UserID != u.ID {
		return false
	}
	return up.Email == nil && up.OrgUnitID == nil && up.SupervisorID == nil && up.State == nil && up.Roles == nil
}
