package absence

import (
	"ortlos/internal/actor"
	"ortlos/internal/apperr"
)

var (
	errNotFound      = apperr.NotFoundf("not_found", "not found")
	errReadOnlyToken = apperr.Forbiddenf("token_scope", "read-only token")
	// errNotAllowed refuses a change to an absence the actor may see but
	// not change (a lead cancelling a report's leave, or requesting leave
	// for them).
	errNotAllowed = apperr.Forbiddenf("forbidden", "you may not change this absence")
	errOwnAbsence = apperr.Forbiddenf("own_absence", "nobody decides their own absence")
)

// isHR reports whether a is the HR office or an administrator (the command
// line and the system count as administrators).
func isHR(a actor.Actor) bool { return a.IsAdmin() || a.Has(actor.RoleHR) }

// canView: everyone sees their own absences; HR and administrators see
// everyone's; a lead sees those of the people they supervise. Anything
// else is 404, so that absences of others do not even reveal that they
// exist.
func canView(a actor.Actor, ownerID, ownerSupervisorID int64) bool {
	switch {
	case isHR(a):
		return true
	case !a.Authenticated():
		return false
	case a.UserID == ownerID:
		return true
	default:
		return isLeadOf(a, ownerSupervisorID)
	}
}

// isLeadOf reports whether a is the supervisor (with the lead role) of a
// person whose supervisor is ownerSupervisorID.
func isLeadOf(a actor.Actor, ownerSupervisorID int64) bool {
	return a.Authenticated() && a.Has(actor.RoleLead) && ownerSupervisorID == a.UserID
}

// seesHealthData reports whether a may see the type and note of an
// absence whose type reveals health data: the person, HR and
// administrators. A lead sees only that the person is absent (the
// organisation does not allow more by default; see docs/absences.md).
func seesHealthData(a actor.Actor, ownerID int64) bool {
	return isHR(a) || (a.Authenticated() && a.UserID == ownerID)
}

// recordsDirectly: HR and administrators record absences of other people
// directly approved (the command line and the system too). Their own
// absences follow the rules of everyone else.
func recordsDirectly(a actor.Actor, ownerID int64) bool {
	if a.Privileged() {
		return true
	}
	return isHR(a) && a.Authenticated() && a.UserID != ownerID
}

// canCreate decides whether a may enter an absence for ownerID: the person
// themselves, HR and administrators. A lead who sees the person gets 403;
// everyone else 404.
func canCreate(a actor.Actor, ownerID, ownerSupervisorID int64) error {
	if a.Privileged() {
		return nil
	}
	if !canView(a, ownerID, ownerSupervisorID) {
		return errNotFound
	}
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	if a.UserID == ownerID || recordsDirectly(a, ownerID) {
		return nil
	}
	return errNotAllowed
}

// canDecide decides whether a may approve or reject an absence of
// ownerID: the person's lead (the supervisor holding the lead role), HR
// and administrators; never the person themselves (403 own_absence).
func canDecide(a actor.Actor, ownerID, ownerSupervisorID int64) error {
	if !canView(a, ownerID, ownerSupervisorID) {
		return errNotFound
	}
	if a.Authenticated() && a.UserID == ownerID {
		return errOwnAbsence
	}
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	return nil
}

// canCancel decides whether a may cancel an absence of ownerID at all: the
// person (further limited by the status, see Cancel), HR and
// administrators. The lead sees it but may not (403).
func canCancel(a actor.Actor, ownerID, ownerSupervisorID int64) error {
	if !canView(a, ownerID, ownerSupervisorID) {
		return errNotFound
	}
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	if isHR(a) || a.UserID == ownerID {
		return nil
	}
	return errNotAllowed
}

// CanDecide reports whether a may decide anyone's absence requests at all
// (for navigation): leads, HR and administrators.
func CanDecide(a actor.Actor) bool {
	return a.Authenticated() && (isHR(a) || a.Has(actor.RoleLead))
}

// isSubstitute reports whether a is the substitute named on an absence.
func isSubstitute(a actor.Actor, substituteID int64) bool {
	return a.Authenticated() && substituteID != 0 && a.UserID == substituteID
}

// canAnswerAsSubstitute: only the named substitute confirms or declines
// (403 not_substitute for others who see the absence, 404 for the rest).
func canAnswerAsSubstitute(a actor.Actor, ownerID, ownerSupervisorID, substituteID int64) error {
	if !isSubstitute(a, substituteID) {
		if canView(a, ownerID, ownerSupervisorID) {
			return apperr.Forbiddenf("not_substitute", "only the substitute confirms or declines")
		}
		return errNotFound
	}
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	return nil
}

// canManageDeputy: a lead names their own deputy; HR and administrators
// anyone's.
func canManageDeputy(a actor.Actor, leadID int64) bool {
	if isHR(a) {
		return true
	}
	return a.Authenticated() && a.UserID == leadID && a.Has(actor.RoleLead)
}
