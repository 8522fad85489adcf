package worktime

import "ortlos/internal/actor"

// canAssignWorkModels: the HR office and administrators maintain work
// models and who works under which.
func canAssignWorkModels(a actor.Actor) bool {
	return a.IsAdmin() || a.Has(actor.RoleHR)
}

// canManageWorkModels is canAssignWorkModels for changes: anyone else gets
// 404 (the action does not exist for them), read-only tokens are refused.
func canManageWorkModels(a actor.Actor) error {
	if !canAssignWorkModels(a) {
		return errNotFound
	}
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	return nil
}

// canViewWorkModels: models are contract templates, not personal data;
// every signed-in person (and the CLI) may read them.
func canViewWorkModels(a actor.Actor) bool {
	return a.Authenticated() || a.Privileged()
}

// canViewWorkModelAssignments: who works under which model is part of a
// person's working-time record, so the rule of canViewEntries applies: the
// person, their lead, HR and administrators.
func canViewWorkModelAssignments(a actor.Actor, ownerID, ownerSupervisorID int64) bool {
	return canViewEntries(a, ownerID, ownerSupervisorID)
}
