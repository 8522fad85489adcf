package worktime

import (
	"ortlos/internal/actor"
	"ortlos/internal/apperr"
)

// errNotAllowed refuses a change to someone the actor may see but not
// change (a lead looking at a team member's entries: leads decide
// requests, they do not edit).
var errNotAllowed = apperr.Forbiddenf("forbidden", "you may not change these entries")

// canCorrectDirectly: HR and administrators change anyone else's entries
// at once (reason mandatory, audited). Their own entries follow the rules
// of everyone else, so that nobody approves their own late correction.
// The command line and the system (demo data, imports) act as operators
// and change directly.
func canCorrectDirectly(a actor.Actor, ownerID int64) bool {
	if a.Privileged() {
		return true
	}
	return (a.IsAdmin() || a.Has(actor.RoleHR)) && a.Authenticated() && a.UserID != ownerID
}

// canChangeEntries decides whether a may add, correct or delete entries of
// ownerID: the owner (subject to approval where the rules require it), HR
// and administrators (directly). Who may see the entries but not change
// them (the lead) is refused with 403; everyone else gets 404.
func canChangeEntries(a actor.Actor, ownerID, ownerSupervisorID int64) error {
	if a.Privileged() {
		return nil
	}
	if !a.Authenticated() || !canViewEntries(a, ownerID, ownerSupervisorID) {
		return errNotFound
	}
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	if a.UserID == ownerID || canCorrectDirectly(a, ownerID) {
		return nil
	}
	return errNotAllowed
}

// canDecideCorrection: the lead of the person (the supervisor, holding the
// lead role) decides; HR and administrators decide too, in particular for
// people without a lead (they could apply the change directly anyway).
// Nobody decides their own request.
func canDecideCorrection(a actor.Actor, ownerID, ownerSupervisorID int64) bool {
	if !a.Authenticated() || a.UserID == ownerID {
		return false
	}
	if a.IsAdmin() || a.Has(actor.RoleHR) {
		return true
	}
	return a.Has(actor.RoleLead) && ownerSupervisorID == a.UserID
}

// CanDecideCorrections reports whether a may decide anyone's correction
// requests at all (for navigation): leads, HR and administrators.
func CanDecideCorrections(a actor.Actor) bool {
	return a.Authenticated() && (a.IsAdmin() || a.Has(actor.RoleHR) || a.Has(actor.RoleLead))
}

// MayChangeEntries reports whether a may add, correct or delete entries of
// ownerID at all (for showing the forms): the owner, HR and
// administrators.
func MayChangeEntries(a actor.Actor, ownerID int64) bool {
	return a.Authenticated() && (a.UserID == ownerID || canCorrectDirectly(a, ownerID))
}
