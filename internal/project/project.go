package project

// Projects: create, read, change and list (the tree). A project is never
// deleted; it ends as completed or cancelled. A project stays under the
// parent it was created under: re-parenting is not offered, so the tree
// can never grow a cycle and a move can never silently widen or narrow who
// sees a project (roles and confidentiality are inherited along the path).
// Sub-projects of a template are templates; the template flag is set on a
// top-level project and holds for its whole subtree.

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// Status is the state of a project.
type Status string

// Project states.
const (
	StatusPlanned   Status = "planned"
	StatusActive    Status = "active"
	StatusOnHold    Status = "on_hold"
	StatusCompleted Status = "completed"
	StatusCancelled Status = "cancelled"
)

// Statuses lists the project states in their natural order.
var Statuses = []Status{StatusPlanned, StatusActive, StatusOnHold, StatusCompleted, StatusCancelled}

// Bounds of a project's fields.
const (
	MaxNameRunes        = 200
	MaxGoalRunes        = 2000
	MaxDescriptionRunes = 20000
)

// Project is a project as one actor sees it.
type Project struct {
	ID           int64
	ParentID     int64 // 0: top-level
	Name         string
	Goal         string
	Description  string // Markdown
	Start, End   *civil.Date
	Status       Status
	OwnerID      int64 // 0: none
	OwnerName    string
	Confidential bool
	Template     bool
	CreatedAt    time.Time
	CreatedBy    int64
	UpdatedAt    time.Time
	Version      int
	// Role is the actor's effective role in the project.
	Role Role
	// Depth is the number of ancestors (0 for a top-level project); set by
	// List.
	Depth int
}

// NewProject is a project to create.
type NewProject struct {
	ParentID    int64
	Name        string
	Goal        string
	Description string
	Start, End  *civil.Date
	// Status defaults to active.
	Status Status
	// OwnerID defaults to the creator.
	OwnerID      int64
	Confidential bool
	// Template is ignored for sub-projects (they inherit the parent's).
	Template bool
}

// ProjectUpdate changes the fields that are not nil. A zero date clears
// the date, OwnerID 0 clears the owner. Version must be the version the
// change is based on.
type ProjectUpdate struct {
	Version      int
	Name         *string
	Goal         *string
	Description  *string
	Start, End   *civil.Date
	Status       *Status
	OwnerID      *int64
	Confidential *bool
	Template     *bool
}

// Filter selects projects of List.
type Filter struct {
	// Templates lists the templates instead of the projects.
	Templates bool
	// Status keeps the projects in one of these states (empty: all).
	Status []Status
}

// CanCreate reports whether a may create top-level projects: every
// signed-in employee, lead, HR officer or administrator (not an auditor
// or IT-support account without the employee role) with a session or a
// write token.
func CanCreate(a actor.Actor) bool {
	if !a.Authenticated() || !a.CanWrite() {
		return false
	}
	return a.Has(actor.RoleEmployee) || a.Has(actor.RoleLead) || a.Has(actor.RoleHR) || a.Has(actor.RoleAdmin)
}

var errCreateForbidden = apperr.Forbiddenf("project_create_forbidden", "you may not create projects")

func invalid(code, field, format string, args ...any) error {
	return apperr.Invalidf(code, format, args...).WithField(field, code)
}

// checkText trims *s and checks its length in runes.
func checkText(s *string, min, max int, code, field string) error {
	*s = strings.TrimSpace(*s)
	if n := utf8.RuneCountInString(*s); n < min || n > max {
		return invalid(code, field, "%s must have %d to %d characters", field, min, max)
	}
	return nil
}

func checkStatus(st Status) error {
	if !slices.Contains(Statuses, st) {
		return invalid("invalid_project_status", "status", "unknown project status %q", st)
	}
	return nil
}

func checkDates(start, end *civil.Date) error {
	if start != nil && end != nil && end.Before(*start) {
		return invalid("project_end_before_start", "end_date", "the end lies before the start")
	}
	return nil
}

func dateArg(d *civil.Date) any {
	if d == nil {
		return nil
	}
	return d.String()
}

// nonZero returns nil for a nil or zero date (a cleared date).
func nonZero(d *civil.Date) *civil.Date {
	if d == nil || d.IsZero() {
		return nil
	}
	return d
}

// Create creates a project; the creator becomes its manager. A
// sub-project needs the manager role in the parent, a top-level project
// CanCreate (audit project.create).
func (s *Service) Create(ctx context.Context, a actor.Actor, n NewProject) (Project, error) {
	if n.ParentID == 0 && !CanCreate(a) {
		if !a.Authenticated() {
			return Project{}, errNotFound
		}
		if !a.CanWrite() {
			return Project{}, errReadOnlyToken
		}
		return Project{}, errCreateForbidden
	}
	if err := checkText(&n.Name, 1, MaxNameRunes, "invalid_project_name", "name"); err != nil {
		return Project{}, err
	}
	if err := checkText(&n.Goal, 0, MaxGoalRunes, "invalid_project_goal", "goal"); err != nil {
		return Project{}, err
	}
	if utf8.RuneCountInString(n.Description) > MaxDescriptionRunes {
		return Project{}, invalid("invalid_project_description", "description", "the description is too long")
	}
	if n.Status == "" {
		n.Status = StatusActive
	}
	if err := checkStatus(n.Status); err != nil {
		return Project{}, err
	}
	n.Start, n.End = nonZero(n.Start), nonZero(n.End)
	if err := checkDates(n.Start, n.End); err != nil {
		return Project{}, err
	}
	var id int64
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		var err error
		id, err = s.insertProject(ctx, tx, now, a, n)
		if err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "project.create", ObjectType: "project", ObjectID: fmt.Sprint(id), Detail: map[string]any{
			"parent_id": n.ParentID, "status": string(n.Status), "confidential": n.Confidential, "template": n.Template}}}, nil
	})
	if err != nil {
		return Project{}, err
	}
	return s.Get(ctx, a, id)
}

// insertProject checks the parent and owner, inserts the project with its
// default columns and makes a its manager. It returns the new id; a
// sub-project takes the parent's template flag.
func (s *Service) insertProject(ctx context.Context, tx *db.Tx, now time.Time, a actor.Actor, n NewProject) (int64, error) {
	if err := s.checkParent(ctx, tx, a, &n, 0); err != nil {
		return 0, err
	}
	id, err := insertProjectRow(ctx, tx, now, a, n)
	if err != nil {
		return 0, err
	}
	if n.OwnerID != a.UserID {
		if err := s.checkOwner(ctx, tx, id, n.OwnerID); err != nil {
			return 0, err
		}
	}
	if err := insertDefaultStatuses(ctx, tx, id); err != nil {
		return 0, err
	}
	return id, nil
}

// checkParent checks that a manages n's parent and that the new project
// with a subtree of the given height below it stays within maxDepth
// levels; it sets n.Template to the parent's flag.
func (s *Service) checkParent(ctx context.Context, tx *db.Tx, a actor.Actor, n *NewProject, height int) error {
	if n.ParentID == 0 {
		if height >= maxDepth {
			return invalid("project_too_deep", "parent_id", "projects nest at most %d levels deep", maxDepth)
		}
		return nil
	}
	if _, err := s.require(ctx, tx, a, n.ParentID, RoleManager); err != nil {
		return err
	}
	depth, err := projectDepth(ctx, tx, n.ParentID)
	if err != nil {
		return err
	}
	if depth+1+height >= maxDepth {
		return invalid("project_too_deep", "parent_id", "projects nest at most %d levels deep", maxDepth)
	}
	if err := tx.QueryRowContext(ctx, "SELECT template FROM projects WHERE id = ?", n.ParentID).Scan(&n.Template); err != nil {
		return fmt.Errorf("project: parent: %w", err)
	}
	return nil
}

// insertProjectRow inserts the project row; for a top-level project it
// makes a its manager (a sub-project inherits the parent's managers).
// An empty owner becomes a.
func insertProjectRow(ctx context.Context, tx *db.Tx, now time.Time, a actor.Actor, n NewProject) (int64, error) {
	if n.OwnerID == 0 {
		n.OwnerID = a.UserID
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO projects (parent_id, name, goal, description, start_date, end_date, status, owner_id,
			confidential, template, created_at, created_by, updated_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`,
		db.NullID(n.ParentID), n.Name, n.Goal, n.Description, dateArg(n.Start), dateArg(n.End), string(n.Status), db.NullID(n.OwnerID),
		n.Confidential, n.Template, db.T(now), db.NullID(a.UserID), db.T(now)).Scan(&id); err != nil {
		return 0, fmt.Errorf("project: create: %w", err)
	}
	if a.UserID != 0 && n.ParentID == 0 {
		if _, err := tx.ExecContext(ctx, "INSERT INTO project_members (project_id, user_id, role, added_at) VALUES (?, ?, ?, ?)",
			id, a.UserID, string(RoleManager), db.T(now)); err != nil {
			return 0, fmt.Errorf("project: creator as manager: %w", err)
		}
	}
	return id, nil
}

// projectDepth returns the number of ancestors of project id.
func projectDepth(ctx context.Context, q db.Querier, id int64) (int, error) {
	var depth int
	err := q.QueryRowContext(ctx, `WITH RECURSIVE path(id, parent_id, depth) AS (
			SELECT id, parent_id, 0 FROM projects WHERE id = ?
			UNION ALL
			SELECT p.id, p.parent_id, path.depth + 1 FROM projects p JOIN path ON p.id = path.parent_id WHERE path.depth < ?)
		SELECT max(depth) FROM path`, id, maxDepth+1).Scan(&depth)
	if err != nil {
		return 0, fmt.Errorf("project: depth: %w", err)
	}
	return depth, nil
}

// checkOwner refuses an owner who has no role in project id (directly or
// from an ancestor).
func (s *Service) checkOwner(ctx context.Context, q db.Querier, projectID, userID int64) error {
	if userID == 0 {
		return nil
	}
	role, err := memberRole(ctx, q, projectID, userID)
	if err != nil {
		return err
	}
	if role == "" {
		return invalid("project_owner_not_member", "owner_id", "the owner must be a member of the project")
	}
	return nil
}

// memberRole returns the highest role of user along the path of project
// id, "" when the user is no member.
func memberRole(ctx context.Context, q db.Querier, projectID, userID int64) (Role, error) {
	rows, err := q.QueryContext(ctx, `WITH RECURSIVE path(id, parent_id, depth) AS (
			SELECT id, parent_id, 0 FROM projects WHERE id = ?
			UNION ALL
			SELECT p.id, p.parent_id, path.depth + 1 FROM projects p JOIN path ON p.id = path.parent_id WHERE path.depth < ?)
		SELECT m.role FROM path JOIN project_members m ON m.project_id = path.id AND m.user_id = ?`, projectID, maxDepth, userID)
	if err != nil {
		return "", fmt.Errorf("project: member role: %w", err)
	}
	defer rows.Close()
	var role Role
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return "", fmt.Errorf("project: member role: %w", err)
		}
		role = higher(role, Role(r))
	}
	return role, rows.Err()
}

const projectColumns = `p.id, p.parent_id, p.name, p.goal, p.description, p.start_date, p.end_date, p.status, p.owner_id,
	coalesce(u.display_name, ''), p.confidential, p.template, p.created_at, p.created_by, p.updated_at, p.version`

const projectFrom = ` FROM projects p LEFT JOIN users u ON u.id = p.owner_id`

func scanProject(sc db.Scanner) (Project, error) {
	var p Project
	var parent, owner, createdBy sql.NullInt64
	var start, end sql.NullString
	var status string
	var created, updated db.Time
	if err := sc.Scan(&p.ID, &parent, &p.Name, &p.Goal, &p.Description, &start, &end, &status, &owner, &p.OwnerName,
		&p.Confidential, &p.Template, &created, &createdBy, &updated, &p.Version); err != nil {
		return Project{}, fmt.Errorf("project: scan: %w", err)
	}
	p.ParentID, p.OwnerID, p.CreatedBy = parent.Int64, owner.Int64, createdBy.Int64
	p.Status, p.CreatedAt, p.UpdatedAt = Status(status), created.Time, updated.Time
	var err error
	if p.Start, err = parseNullDate(start); err != nil {
		return Project{}, err
	}
	if p.End, err = parseNullDate(end); err != nil {
		return Project{}, err
	}
	return p, nil
}

func parseNullDate(s sql.NullString) (*civil.Date, error) {
	if !s.Valid {
		return nil, nil
	}
	d, err := civil.Parse(s.String)
	if err != nil {
		return nil, fmt.Errorf("project: %w", err)
	}
	return &d, nil
}

// getProject reads project id without access checks.
func getProject(ctx context.Context, q db.Querier, id int64) (Project, error) {
	p, err := scanProject(q.QueryRowContext(ctx, "SELECT "+projectColumns+projectFrom+" WHERE p.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Project{}, errNotFound
	}
	return p, err
}

// Get returns project id with a's role in it; 404 when a does not see it.
func (s *Service) Get(ctx context.Context, a actor.Actor, id int64) (Project, error) {
	role, err := s.access(ctx, s.db, a, id)
	if err != nil {
		return Project{}, err
	}
	p, err := getProject(ctx, s.db, id)
	if err != nil {
		return Project{}, err
	}
	p.Role = role
	return p, nil
}

// Update changes project id (manager; audit project.update with the
// changed fields). A stale Version answers 409 project_stale; a change
// that changes nothing writes nothing.
func (s *Service) Update(ctx context.Context, a actor.Actor, id int64, u ProjectUpdate) (Project, error) {
	if u.Name != nil {
		if err := checkText(u.Name, 1, MaxNameRunes, "invalid_project_name", "name"); err != nil {
			return Project{}, err
		}
	}
	if u.Goal != nil {
		if err := checkText(u.Goal, 0, MaxGoalRunes, "invalid_project_goal", "goal"); err != nil {
			return Project{}, err
		}
	}
	if u.Description != nil && utf8.RuneCountInString(*u.Description) > MaxDescriptionRunes {
		return Project{}, invalid("invalid_project_description", "description", "the description is too long")
	}
	if u.Status != nil {
		if err := checkStatus(*u.Status); err != nil {
			return Project{}, err
		}
	}
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.require(ctx, tx, a, id, RoleManager); err != nil {
			return nil, err
		}
		old, err := getProject(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if u.Version != old.Version {
			return nil, errStale(old.Version)
		}
		p := old
		if u.Name != nil {
			p.Name = *u.Name
		}
		if u.Goal != nil {
			p.Goal = *u.Goal
		}
		if u.Description != nil {
			p.Description = *u.Description
		}
		if u.Start != nil {
			p.Start = nonZero(u.Start)
		}
		if u.End != nil {
			p.End = nonZero(u.End)
		}
		if u.Status != nil {
			p.Status = *u.Status
		}
		if u.OwnerID != nil {
			p.OwnerID = *u.OwnerID
		}
		if u.Confidential != nil {
			p.Confidential = *u.Confidential
		}
		if u.Template != nil {
			p.Template = *u.Template
		}
		if err := checkDates(p.Start, p.End); err != nil {
			return nil, err
		}
		if p.Template != old.Template && p.ParentID != 0 {
			return nil, invalid("project_template_subproject", "template", "only a top-level project can become or stop being a template")
		}
		if p.OwnerID != old.OwnerID {
			if err := s.checkOwner(ctx, tx, id, p.OwnerID); err != nil {
				return nil, err
			}
		}
		before, after := projectFields(old, &p), projectFields(p, &old)
		if len(after) == 0 {
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE projects SET name = ?, goal = ?, description = ?, start_date = ?, end_date = ?, status = ?,
				owner_id = ?, confidential = ?, template = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			p.Name, p.Goal, p.Description, dateArg(p.Start), dateArg(p.End), string(p.Status), db.NullID(p.OwnerID), p.Confidential, p.Template,
			db.T(now), id, old.Version); err != nil {
			return nil, fmt.Errorf("project: update: %w", err)
		}
		if p.Template != old.Template {
			// The flag holds for the whole subtree.
			if _, err := tx.ExecContext(ctx, `WITH RECURSIVE sub(id, depth) AS (
					SELECT id, 0 FROM projects WHERE parent_id = ?
					UNION ALL
					SELECT p.id, sub.depth + 1 FROM projects p JOIN sub ON p.parent_id = sub.id WHERE sub.depth < ?)
				UPDATE projects SET template = ?, updated_at = ?, version = version + 1 WHERE id IN (SELECT id FROM sub)`,
				id, maxDepth, p.Template, db.T(now)); err != nil {
				return nil, fmt.Errorf("project: template subtree: %w", err)
			}
		}
		return []audit.Event{{Action: "project.update", ObjectType: "project", ObjectID: fmt.Sprint(id), Detail: map[string]any{
			"before": before, "after": after}}}, nil
	})
	if err != nil {
		return Project{}, err
	}
	return s.Get(ctx, a, id)
}

func errStale(current int) error {
	return apperr.Conflictf("project_stale", "the project was changed meanwhile (version %d); reload and try again", current).
		WithField("version", "project_stale")
}

// projectFields returns the audited fields of p: all of them, or, given
// the other version, only those that differ. Texts are not audited (they
// may hold personal data), only whether they changed.
func projectFields(p Project, other *Project) map[string]any {
	all := map[string]any{"status": string(p.Status), "owner_id": p.OwnerID, "confidential": p.Confidential, "template": p.Template,
		"start_date": dateString(p.Start), "end_date": dateString(p.End)}
	if other == nil {
		return all
	}
	o := projectFields(*other, nil)
	for k, v := range all {
		if o[k] == v {
			delete(all, k)
		}
	}
	for k, changed := range map[string]bool{"name": p.Name != other.Name, "goal": p.Goal != other.Goal, "description": p.Description != other.Description} {
		if changed {
			all[k+"_changed"] = true
		}
	}
	return all
}

func dateString(d *civil.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// List returns the projects a sees (or, with f.Templates, the templates)
// in tree order: depth-first, siblings by name. A project whose parent
// a does not see (or the filter drops) appears at the top level.
func (s *Service) List(ctx context.Context, a actor.Actor, f Filter) ([]Project, error) {
	for _, st := range f.Status {
		if err := checkStatus(st); err != nil {
			return nil, err
		}
	}
	roles, err := s.visible(ctx, s.db, a)
	if err != nil {
		return nil, err
	}
	if len(roles) == 0 {
		return nil, nil
	}
	all, err := db.Query(ctx, s.db, scanProject, "SELECT "+projectColumns+projectFrom+" WHERE p.template = ? ORDER BY p.name, p.id", f.Templates)
	if err != nil {
		return nil, err
	}
	byParent := map[int64][]Project{}
	kept := map[int64]bool{}
	for _, p := range all {
		role, ok := roles[p.ID]
		if !ok || (len(f.Status) > 0 && !slices.Contains(f.Status, p.Status)) {
			continue
		}
		p.Role = role
		kept[p.ID] = true
		byParent[p.ParentID] = append(byParent[p.ParentID], p)
	}
	// Roots are the top-level projects and those whose parent is not
	// shown; they are sorted by name like siblings.
	var roots []Project
	for parent, kids := range byParent {
		if parent == 0 || !kept[parent] {
			roots = append(roots, kids...)
		}
	}
	slices.SortFunc(roots, func(x, y Project) int {
		if c := strings.Compare(x.Name, y.Name); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	out := make([]Project, 0, len(kept))
	var walk func(ps []Project, depth int)
	walk = func(ps []Project, depth int) {
		for _, p := range ps {
			p.Depth = depth
			out = append(out, p)
			if depth < maxDepth {
				walk(byParent[p.ID], depth+1)
			}
		}
	}
	walk(roots, 0)
	return out, nil
}

// Children returns the sub-projects of id that a sees, by name.
func (s *Service) Children(ctx context.Context, a actor.Actor, id int64) ([]Project, error) {
	if _, err := s.access(ctx, s.db, a, id); err != nil {
		return nil, err
	}
	roles, err := s.visible(ctx, s.db, a)
	if err != nil {
		return nil, err
	}
	all, err := db.Query(ctx, s.db, scanProject, "SELECT "+projectColumns+projectFrom+" WHERE p.parent_id = ? ORDER BY p.name, p.id", id)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, p := range all {
		if r, ok := roles[p.ID]; ok {
			p.Role = r
			out = append(out, p)
		}
	}
	return out, nil
}

// Ancestors returns the path from the root to the parent of id, as far as
// a sees it (for breadcrumbs).
func (s *Service) Ancestors(ctx context.Context, a actor.Actor, id int64) ([]Project, error) {
	p, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	var out []Project
	for cur, n := p.ParentID, 0; cur != 0 && n < maxDepth; n++ {
		anc, err := s.Get(ctx, a, cur)
		if errors.Is(err, errNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		out = append(out, anc)
		cur = anc.ParentID
	}
	slices.Reverse(out)
	return out, nil
}
