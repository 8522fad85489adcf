// Package project holds projects (a tree with members and roles,
// milestones, templates, board columns) and their tasks (Kanban cards with
// assignees, labels, checklists, comments, dependencies and watchers).
//
// Access (access.go, the one place that decides it):
//   - A member's role (manager, member, viewer) holds in the project and in
//     all its sub-projects; the effective role is the highest role along
//     the path to the root.
//   - A project is confidential when it or an ancestor is marked
//     confidential. Nobody without a role on its path sees it – not even
//     administrators: it answers 404.
//   - Every signed-in person reads a project that is not confidential
//     (effective role viewer); administrators manage those (to rescue a
//     project whose managers left).
//   - Templates follow the same rules.
//   - Read-only API tokens never write.
package project

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/blob"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/filecheck"
	"ortlos/internal/notify"
)

// Role is a project role. The zero Role means no access.
type Role string

// Project roles, from least to most.
const (
	RoleViewer  Role = "viewer"
	RoleMember  Role = "member"
	RoleManager Role = "manager"
)

// Roles lists the project roles from least to most.
var Roles = []Role{RoleViewer, RoleMember, RoleManager}

func (r Role) level() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleMember:
		return 2
	case RoleManager:
		return 3
	}
	return 0
}

// AtLeast reports whether r includes the rights of min.
func (r Role) AtLeast(min Role) bool { return r.level() >= min.level() && r.level() > 0 }

// higher returns the higher of two roles.
func higher(a, b Role) Role {
	if b.level() > a.level() {
		return b
	}
	return a
}

// Notifier adds notifications inside the transaction of a change
// (notify.Service).
type Notifier interface {
	Add(ctx context.Context, tx *db.Tx, now time.Time, a actor.Actor, notes ...notify.Note) error
}

// Service is the project and task service.
type Service struct {
	db       *db.DB
	clock    clock.Clock
	notifier Notifier
	// blobs holds the contents of task attachments (task_files.go; nil:
	// attachments are refused).
	blobs blob.Store
	// fileMax bounds one attachment in bytes (0: MaxTaskFileBytes).
	fileMax int64
	// scanner checks attachments for malware (task_files.go; nil: no
	// scan).
	scanner filecheck.Scanner
	// events receives task changes after commit (events.go; nil: none).
	events Broker
	// capacity tells the people's working minutes (workload.go; nil: no
	// workload view).
	capacity Capacity
	// lists keeps recent pages of project task lists (task_list_cache.go);
	// shared by the copies the With methods make.
	lists *taskListCache
	// log receives what a caller cannot act on (a failed clean-up after
	// commit); slog.Default unless WithLogger.
	log *slog.Logger
}

// NewService returns a project service.
func NewService(d *db.DB, c clock.Clock) *Service {
	return &Service{db: d, clock: c, lists: newTaskListCache(taskListCacheMax, taskListCacheBytes), log: slog.Default()}
}

// WithLogger returns a copy of s that logs through l.
func (s *Service) WithLogger(l *slog.Logger) *Service {
	c := *s
	c.log = l
	return &c
}

// WithNotifier returns a copy of s that notifies assignees, mentioned
// people and watchers through n.
func (s *Service) WithNotifier(n Notifier) *Service {
	c := *s
	c.notifier = n
	return &c
}

// WithCapacity returns a copy of s that computes workload against the
// capacity c tells (worktime: work models, holidays, absences).
func (s *Service) WithCapacity(c Capacity) *Service {
	cp := *s
	cp.capacity = c
	return &cp
}

// write runs fn with its audit events in one transaction (audit.Write).
func (s *Service) write(ctx context.Context, a actor.Actor, fn func(tx *db.Tx, now time.Time) ([]audit.Event, error)) error {
	return audit.Write(ctx, s.db, s.clock.Now(), a, fn)
}

// notify adds notes in tx; without a notifier it does nothing.
func (s *Service) notify(ctx context.Context, tx *db.Tx, now time.Time, a actor.Actor, notes ...notify.Note) error {
	if s.notifier == nil || len(notes) == 0 {
		return nil
	}
	return s.notifier.Add(ctx, tx, now, a, notes...)
}

var (
	errNotFound      = apperr.NotFoundf("not_found", "not found")
	errReadOnlyToken = apperr.Forbiddenf("token_scope", "read-only token")
	// errProjectRole: the actor sees the project but lacks the role.
	errProjectRole = apperr.Forbiddenf("project_role_required", "your project role does not allow this")
)

// maxDepth bounds the project tree (and the recursive queries over it).
const maxDepth = 20

// access returns a's effective role in project id, or errNotFound when a
// may not see it.
func (s *Service) access(ctx context.Context, q db.Querier, a actor.Actor, id int64) (Role, error) {
	if !a.Authenticated() {
		return "", errNotFound
	}
	rows, err := q.QueryContext(ctx, `WITH RECURSIVE path(id, parent_id, confidential, depth) AS (
			SELECT id, parent_id, confidential, 0 FROM projects WHERE id = ?
			UNION ALL
			SELECT p.id, p.parent_id, p.confidential, path.depth + 1 FROM projects p JOIN path ON p.id = path.parent_id WHERE path.depth < ?)
		SELECT path.confidential, m.role FROM path LEFT JOIN project_members m ON m.project_id = path.id AND m.user_id = ?`,
		id, maxDepth, a.UserID)
	if err != nil {
		return "", fmt.Errorf("project: access: %w", err)
	}
	defer rows.Close()
	var role Role
	found, confidential := false, false
	for rows.Next() {
		var conf bool
		var r *string
		if err := rows.Scan(&conf, &r); err != nil {
			return "", fmt.Errorf("project: access: %w", err)
		}
		found = true
		confidential = confidential || conf
		if r != nil {
			role = higher(role, Role(*r))
		}
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("project: access: %w", err)
	}
	return effective(a, found, confidential, role)
}

// effective applies the rules of the package comment to the facts about
// one project.
func effective(a actor.Actor, found, confidential bool, member Role) (Role, error) {
	switch {
	case !found:
		return "", errNotFound
	case member != "":
		return member, nil
	case confidential:
		return "", errNotFound
	case a.Has(actor.RoleAdmin):
		return RoleManager, nil
	default:
		return RoleViewer, nil
	}
}

// require returns a's role in project id when it is at least min: 404 when
// a does not see the project, 403 when the role is too low, 403
// token_scope when a write (min above viewer) comes with a read-only token.
func (s *Service) require(ctx context.Context, q db.Querier, a actor.Actor, id int64, min Role) (Role, error) {
	role, err := s.access(ctx, q, a, id)
	if err != nil {
		return "", err
	}
	if !role.AtLeast(min) {
		return "", errProjectRole
	}
	if min != RoleViewer && !a.CanWrite() {
		return "", errReadOnlyToken
	}
	return role, nil
}

// visible returns the effective role of a in every project a sees
// (templates included), computed in one pass over the tree.
func (s *Service) visible(ctx context.Context, q db.Querier, a actor.Actor) (map[int64]Role, error) {
	if !a.Authenticated() {
		return nil, nil
	}
	type node struct {
		parent       int64
		confidential bool
		member       Role
	}
	nodes := map[int64]*node{}
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.parent_id, p.confidential, m.role FROM projects p
		LEFT JOIN project_members m ON m.project_id = p.id AND m.user_id = ?`, a.UserID)
	if err != nil {
		return nil, fmt.Errorf("project: visible: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var parent *int64
		var n node
		var r *string
		if err := rows.Scan(&id, &parent, &n.confidential, &r); err != nil {
			return nil, fmt.Errorf("project: visible: %w", err)
		}
		if parent != nil {
			n.parent = *parent
		}
		if r != nil {
			n.member = Role(*r)
		}
		nodes[id] = &n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("project: visible: %w", err)
	}
	out := make(map[int64]Role, len(nodes))
	for id := range nodes {
		var role Role
		confidential := false
		cur := id
		for depth := 0; cur != 0 && depth <= maxDepth; depth++ {
			n := nodes[cur]
			if n == nil {
				break
			}
			confidential = confidential || n.confidential
			role = higher(role, n.member)
			cur = n.parent
		}
		if r, err := effective(a, true, confidential, role); err == nil {
			out[id] = r
		} else if !errors.Is(err, errNotFound) {
			return nil, err
		}
	}
	return out, nil
}

// Now returns the service clock's time (pages compute "today" and
// "overdue" with it, so tests with a fake clock see the same day).
func (s *Service) Now() time.Time { return s.clock.Now() }
