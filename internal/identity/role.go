package identity

import (
	"context"
	"fmt"
	"slices"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
)

// Role is a built-in role and its policy.
type Role struct {
	ID string
	// MFARequired says whether holders must use a second factor. A user
	// needs 2FA when any of their roles (or none at all) requires it.
	MFARequired bool
}

// ListRoles returns the roles in display order.
func (s *Service) ListRoles(ctx context.Context, a actor.Actor) ([]Role, error) {
	if !a.Authenticated() && !a.Privileged() {
		return nil, errNotFound
	}
	return listRoles(ctx, s.db)
}

func listRoles(ctx context.Context, q db.Querier) ([]Role, error) {
	out, err := db.Query(ctx, q, func(row db.Scanner) (r Role, err error) {
		err = row.Scan(&r.ID, &r.MFARequired)
		return r, err
	}, "SELECT id, mfa_required FROM roles")
	if err != nil {
		return nil, fmt.Errorf("identity: list roles: %w", err)
	}
	slices.SortFunc(out, func(a, b Role) int {
		return slices.Index(actor.BuiltinRoles, a.ID) - slices.Index(actor.BuiltinRoles, b.ID)
	})
	return out, nil
}

// SetRoleMFARequired changes whether a role requires a second factor. The
// admin role always requires it.
func (s *Service) SetRoleMFARequired(ctx context.Context, a actor.Actor, id string, required bool) (Role, error) {
	if !canManageUsers(a) {
		return Role{}, errNotFound
	}
	if !slices.Contains(actor.BuiltinRoles, id) {
		return Role{}, errNotFound
	}
	if id == actor.RoleAdmin && !required {
		return Role{}, apperr.Conflictf("mfa_required_for_admin", "second factor cannot be made optional for administrators")
	}
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		res, err := tx.ExecContext(ctx, "UPDATE roles SET mfa_required = ? WHERE id = ? AND mfa_required <> ?", required, id, required)
		if err != nil {
			return nil, fmt.Errorf("identity: update role: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, nil
		}
		if required {
			if err := enforceMFAPolicy(ctx, tx, "EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role_id = ?)", id); err != nil {
				return nil, err
			}
		}
		return []audit.Event{{Action: "role.update", ObjectType: "role", ObjectID: id, Detail: map[string]any{"mfa_required": required}}}, nil
	})
	if err != nil {
		return Role{}, err
	}
	return Role{ID: id, MFARequired: required}, nil
}

// mfaRequired reports whether u must use a second factor under the role
// policies: yes unless every role of the user has it relaxed. Users without
// roles and administrators always need it.
func mfaRequired(ctx context.Context, q db.Querier, u User) (bool, error) {
	if len(u.Roles) == 0 || u.Has(actor.RoleAdmin) {
		return true, nil
	}
	roles, err := listRoles(ctx, q)
	if err != nil {
		return true, err
	}
	for _, r := range roles {
		if u.Has(r.ID) && r.MFARequired {
			return true, nil
		}
	}
	return false, nil
}

// enforceMFAPolicy sends full sessions of the users matching cond (over
// users u) who now need a second factor but have none back to stage
// "enrol", so a policy change takes effect at their next request rather
// than their next login.
func enforceMFAPolicy(ctx context.Context, tx *db.Tx, cond string, args ...any) error {
	// A user needs 2FA when they have no role, hold admin, or hold any
	// role that requires it (see mfaRequired).
	q := `UPDATE sessions SET stage = ? WHERE stage = ? AND user_id IN (
		SELECT u.id FROM users u WHERE u.totp_enabled = ? AND (` + cond + `) AND (
			NOT EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id)
			OR EXISTS (SELECT 1 FROM user_roles r JOIN roles ro ON ro.id = r.role_id
				WHERE r.user_id = u.id AND (ro.mfa_required = ? OR ro.id = ?))))`
	all := append([]any{StageEnrol, StageFull, false}, args...)
	all = append(all, true, actor.RoleAdmin)
	if _, err := tx.ExecContext(ctx, q, all...); err != nil {
		return fmt.Errorf("identity: enforce 2FA policy: %w", err)
	}
	return nil
}
