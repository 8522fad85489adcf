package project

// Members of a project. A role set on a project holds in all its
// sub-projects, so the member list shows each person's own role here and
// the role they inherit from an ancestor. Everyone who sees a project
// reads its members (they are the people one can assign tasks to);
// managers add, change and remove them. A top-level project always keeps
// at least one manager of its own (409 last_manager): a sub-project is
// managed by the managers of its ancestors as well.

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
)

// Member is a person with a role in a project.
type Member struct {
	UserID      int64
	Username    string
	DisplayName string
	// Role is the effective role: the highest of Direct and Inherited.
	Role Role
	// Direct is the role set on this project ("" when only inherited).
	Direct Role
	// Inherited is the highest role from an ancestor ("" when none), set
	// on project InheritedFrom (named InheritedFromName).
	Inherited         Role
	InheritedFrom     int64
	InheritedFromName string
}

// IsInherited reports whether the effective role comes from an ancestor.
func (m Member) IsInherited() bool { return m.Direct == "" || m.Inherited.level() > m.Direct.level() }

var errLastManager = apperr.Conflictf("last_manager", "a project keeps at least one manager").WithField("role", "last_manager")

func checkRole(r Role) error {
	if !slices.Contains(Roles, r) {
		return invalid("invalid_project_role", "role", "unknown project role %q", r)
	}
	return nil
}

// Members returns the members of project id (direct and inherited), by
// name; everyone who sees the project reads them.
func (s *Service) Members(ctx context.Context, a actor.Actor, id int64) ([]Member, error) {
	if _, err := s.access(ctx, s.db, a, id); err != nil {
		return nil, err
	}
	return members(ctx, s.db, id)
}

func members(ctx context.Context, q db.Querier, id int64) ([]Member, error) {
	type row struct {
		m     Member
		role  Role
		depth int
		pid   int64
		pname string
	}
	rows, err := db.Query(ctx, q, func(sc db.Scanner) (row, error) {
		var r row
		var role string
		err := sc.Scan(&r.m.UserID, &r.m.Username, &r.m.DisplayName, &role, &r.depth, &r.pid, &r.pname)
		r.role = Role(role)
		return r, err
	}, `WITH RECURSIVE path(id, parent_id, depth) AS (
			SELECT id, parent_id, 0 FROM projects WHERE id = ?
			UNION ALL
			SELECT p.id, p.parent_id, path.depth + 1 FROM projects p JOIN path ON p.id = path.parent_id WHERE path.depth < ?)
		SELECT u.id, u.username, u.display_name, m.role, path.depth, path.id, p.name
		FROM path JOIN project_members m ON m.project_id = path.id JOIN users u ON u.id = m.user_id JOIN projects p ON p.id = path.id
		ORDER BY path.depth`, id, maxDepth)
	if err != nil {
		return nil, fmt.Errorf("project: members: %w", err)
	}
	byUser := map[int64]*Member{}
	var order []int64
	for _, r := range rows {
		m := byUser[r.m.UserID]
		if m == nil {
			c := r.m
			m = &c
			byUser[r.m.UserID] = m
			order = append(order, r.m.UserID)
		}
		if r.depth == 0 {
			m.Direct = r.role
		} else if r.role.level() > m.Inherited.level() {
			// Rows come nearest ancestor first: the nearest holder of the
			// highest role is named.
			m.Inherited, m.InheritedFrom, m.InheritedFromName = r.role, r.pid, r.pname
		}
		m.Role = higher(m.Direct, m.Inherited)
	}
	out := make([]Member, 0, len(order))
	for _, id := range order {
		out = append(out, *byUser[id])
	}
	slices.SortFunc(out, func(x, y Member) int {
		if c := strings.Compare(strings.ToLower(x.DisplayName), strings.ToLower(y.DisplayName)); c != 0 {
			return c
		}
		return cmp.Compare(x.UserID, y.UserID)
	})
	return out, nil
}

// lockProject takes the write lock on project id's row for the rest of tx,
// so that concurrent member changes see each other (PostgreSQL; SQLite
// has one writer anyway).
func lockProject(ctx context.Context, tx *db.Tx, id int64) (parent int64, err error) {
	if _, err := tx.ExecContext(ctx, "UPDATE projects SET version = version WHERE id = ?", id); err != nil {
		return 0, fmt.Errorf("project: lock: %w", err)
	}
	var p sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT parent_id FROM projects WHERE id = ?", id).Scan(&p); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, errNotFound
		}
		return 0, fmt.Errorf("project: lock: %w", err)
	}
	return p.Int64, nil
}

// directRole returns the role set for user on project id ("" none).
func directRole(ctx context.Context, q db.Querier, projectID, userID int64) (Role, error) {
	var r string
	err := q.QueryRowContext(ctx, "SELECT role FROM project_members WHERE project_id = ? AND user_id = ?", projectID, userID).Scan(&r)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("project: member: %w", err)
	}
	return Role(r), nil
}

// checkLastManager refuses to take the manager role from user when they
// are the only manager of top-level project id.
func checkLastManager(ctx context.Context, tx *db.Tx, id, parent, userID int64, current Role) error {
	if parent != 0 || current != RoleManager {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM project_members WHERE project_id = ? AND role = ? AND user_id <> ?",
		id, string(RoleManager), userID).Scan(&n); err != nil {
		return fmt.Errorf("project: managers: %w", err)
	}
	if n == 0 {
		return errLastManager
	}
	return nil
}

// SetMember gives user the role on project id, adding them when they are
// no member yet (manager; audit project.member_set). Disabled and unknown
// people answer 422 project_member_unknown.
func (s *Service) SetMember(ctx context.Context, a actor.Actor, id, userID int64, role Role) (Member, error) {
	if err := checkRole(role); err != nil {
		return Member{}, err
	}
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.require(ctx, tx, a, id, RoleManager); err != nil {
			return nil, err
		}
		parent, err := lockProject(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		var disabled bool
		err = tx.QueryRowContext(ctx, "SELECT disabled FROM users WHERE id = ?", userID).Scan(&disabled)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && disabled) {
			return nil, invalid("project_member_unknown", "user_id", "no active user with this id")
		}
		if err != nil {
			return nil, fmt.Errorf("project: member user: %w", err)
		}
		current, err := directRole(ctx, tx, id, userID)
		if err != nil {
			return nil, err
		}
		if current == role {
			return nil, nil
		}
		if role != RoleManager {
			if err := checkLastManager(ctx, tx, id, parent, userID, current); err != nil {
				return nil, err
			}
		}
		if current == "" {
			_, err = tx.ExecContext(ctx, "INSERT INTO project_members (project_id, user_id, role, added_at) VALUES (?, ?, ?, ?)",
				id, userID, string(role), db.T(now))
		} else {
			_, err = tx.ExecContext(ctx, "UPDATE project_members SET role = ? WHERE project_id = ? AND user_id = ?", string(role), id, userID)
		}
		if err != nil {
			return nil, fmt.Errorf("project: set member: %w", err)
		}
		return []audit.Event{{Action: "project.member_set", ObjectType: "project", ObjectID: fmt.Sprint(id), Detail: map[string]any{
			"user_id": userID, "role": string(role), "before": string(current)}}}, nil
	})
	if err != nil {
		return Member{}, err
	}
	ms, err := members(ctx, s.db, id)
	if err != nil {
		return Member{}, err
	}
	for _, m := range ms {
		if m.UserID == userID {
			return m, nil
		}
	}
	return Member{}, errNotFound
}

// RemoveMember removes user's own role on project id (manager; audit
// project.member_remove). 404 when the user has no role set here (an
// inherited role is removed on the ancestor). When the removed person
// owned the project and keeps no inherited role, the owner is cleared.
func (s *Service) RemoveMember(ctx context.Context, a actor.Actor, id, userID int64) error {
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.require(ctx, tx, a, id, RoleManager); err != nil {
			return nil, err
		}
		parent, err := lockProject(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		current, err := directRole(ctx, tx, id, userID)
		if err != nil {
			return nil, err
		}
		if current == "" {
			return nil, errNotFound
		}
		if err := checkLastManager(ctx, tx, id, parent, userID, current); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM project_members WHERE project_id = ? AND user_id = ?", id, userID); err != nil {
			return nil, fmt.Errorf("project: remove member: %w", err)
		}
		detail := map[string]any{"user_id": userID, "before": string(current)}
		left, err := memberRole(ctx, tx, id, userID)
		if err != nil {
			return nil, err
		}
		if left == "" {
			res, err := tx.ExecContext(ctx, "UPDATE projects SET owner_id = NULL, updated_at = ?, version = version + 1 WHERE id = ? AND owner_id = ?",
				db.T(now), id, userID)
			if err != nil {
				return nil, fmt.Errorf("project: clear owner: %w", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				detail["owner_cleared"] = true
			}
		}
		return []audit.Event{{Action: "project.member_remove", ObjectType: "project", ObjectID: fmt.Sprint(id), Detail: detail}}, nil
	})
}

// UserIDByUsername returns the id of the active user username, for forms
// that name a person; 422 project_member_unknown otherwise.
func (s *Service) UserIDByUsername(ctx context.Context, username string) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, "SELECT id FROM users WHERE username = ? AND disabled = ?", strings.TrimSpace(username), false).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && id == 0) {
		return 0, invalid("project_member_unknown", "user_id", "no active user with this name")
	}
	if err != nil {
		return 0, fmt.Errorf("project: user by name: %w", err)
	}
	return id, nil
}
