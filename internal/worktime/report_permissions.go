package worktime

import "ortlos/internal/actor"

// canViewHomeOffice: the home-office days serve the person's own tax
// return; people see their own, HR and administrators everyone's (to
// answer a query of the tax office). Leads do not: it is no matter of
// supervision.
func canViewHomeOffice(a actor.Actor, ownerID int64) bool {
	switch {
	case a.IsAdmin() || a.Has(actor.RoleHR):
		return true
	case !a.Authenticated():
		return false
	}
	return a.UserID == ownerID
}

// reportScope says whose data a report may show: all (0, true) for HR and
// administrators, the supervised people of a lead (lead's id, true), or
// nothing.
func reportScope(a actor.Actor) (leadID int64, ok bool) {
	switch {
	case a.IsAdmin() || a.Has(actor.RoleHR):
		return 0, true
	case a.Authenticated() && a.Has(actor.RoleLead):
		return a.UserID, true
	}
	return 0, false
}
