package worktime

import "ortlos/internal/actor"

// canClock: people clock for themselves only, through a session or a token
// with the write scope. Operators and the system have no working time.
func canClock(a actor.Actor) error {
	if !a.Authenticated() {
		return errNotFound
	}
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	return nil
}

// canViewEntries: everyone sees their own entries; administrators and the
// HR office see everyone's; a lead sees the entries of the people they
// supervise. Anything else is 404, so that entries of others do not even
// reveal that they exist.
func canViewEntries(a actor.Actor, ownerID, ownerSupervisorID int64) bool {
	switch {
	case a.IsAdmin() || a.Has(actor.RoleHR):
		return true
	case !a.Authenticated():
		return false
	case a.UserID == ownerID:
		return true
	default:
		return a.Has(actor.RoleLead) && ownerSupervisorID == a.UserID
	}
}
