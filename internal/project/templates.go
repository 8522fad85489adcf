package project

// Templates: a project marked template (with its sub-projects) is the
// structure of a typical procedure. CopyTemplate creates a new project
// from it in one transaction: the sub-projects (recursively), board
// columns, labels, milestones and tasks (title, description, priority,
// estimate, labels, checklist; dates, like the milestones', shifted by the
// distance between the template's start and the new start). Tasks keep
// their order per column (fresh ranks appended in the template's order);
// they get no assignees, comments, files, watchers or dependencies. The
// person who copies becomes the manager; the template's members are not
// copied.

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/project/rank"
)

// TemplateCopy says what CopyTemplate creates.
type TemplateCopy struct {
	// Name of the new project; empty: the template's name.
	Name string
	// Start is the new start date; dates shift by Start minus the
	// template's start. Nil (or a template without start): no shift.
	Start *civil.Date
	// ParentID places the copy under a project the actor manages.
	ParentID int64
	// Confidential defaults to the template's flag.
	Confidential *bool
}

// CopyTemplate creates a project from template id (audit project.create
// with template_id). The actor must see the template and may create the
// project (CanCreate, or manager of ParentID). A project that is not a
// template answers 422 project_not_template.
func (s *Service) CopyTemplate(ctx context.Context, a actor.Actor, id int64, c TemplateCopy) (Project, error) {
	if c.ParentID == 0 && !CanCreate(a) {
		if !a.Authenticated() {
			return Project{}, errNotFound
		}
		if !a.CanWrite() {
			return Project{}, errReadOnlyToken
		}
		return Project{}, errCreateForbidden
	}
	if err := checkText(&c.Name, 0, MaxNameRunes, "invalid_project_name", "name"); err != nil {
		return Project{}, err
	}
	c.Start = nonZero(c.Start)
	var newID int64
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.access(ctx, tx, a, id); err != nil {
			return nil, err
		}
		tmpl, err := getProject(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if !tmpl.Template {
			return nil, invalid("project_not_template", "template_id", "the project is not a template")
		}
		shift := 0
		if tmpl.Start != nil && c.Start != nil {
			shift = tmpl.Start.DaysUntil(*c.Start)
		}
		cp := copier{s: s, tx: tx, now: now, a: a, shift: shift}
		tree, height, err := cp.subtree(ctx, id)
		if err != nil {
			return nil, err
		}
		root := NewProject{ParentID: c.ParentID, Name: c.Name, Goal: tmpl.Goal, Description: tmpl.Description,
			Start: cp.date(tmpl.Start), End: cp.date(tmpl.End), Status: StatusPlanned, Confidential: tmpl.Confidential}
		if root.Name == "" {
			root.Name = tmpl.Name
		}
		if c.Start != nil {
			root.Start = c.Start
		}
		if c.Confidential != nil {
			root.Confidential = *c.Confidential
		}
		if err := s.checkParent(ctx, tx, a, &root, height); err != nil {
			return nil, err
		}
		if newID, err = cp.copyProject(ctx, tmpl, root); err != nil {
			return nil, err
		}
		ids := map[int64]int64{id: newID}
		for _, p := range tree { // parents come before their children
			sub := NewProject{ParentID: ids[p.ParentID], Name: p.Name, Goal: p.Goal, Description: p.Description,
				Start: cp.date(p.Start), End: cp.date(p.End), Status: StatusPlanned, Confidential: p.Confidential, Template: root.Template}
			if ids[p.ID], err = cp.copyProject(ctx, p, sub); err != nil {
				return nil, err
			}
		}
		return []audit.Event{{Action: "project.create", ObjectType: "project", ObjectID: fmt.Sprint(newID), Detail: map[string]any{
			"parent_id": c.ParentID, "template_id": id, "shift_days": shift, "subprojects": len(tree), "tasks": cp.tasks,
			"confidential": root.Confidential, "template": root.Template}}}, nil
	})
	if err != nil {
		return Project{}, err
	}
	return s.Get(ctx, a, newID)
}

// copier copies one template tree inside a transaction.
type copier struct {
	s     *Service
	tx    *db.Tx
	now   time.Time
	a     actor.Actor
	shift int
	tasks int
}

// date returns d shifted, nil for nil.
func (c *copier) date(d *civil.Date) *civil.Date {
	if d == nil {
		return nil
	}
	x := d.AddDays(c.shift)
	return &x
}

// subtree returns the projects below id, parents before children, and
// the height of the subtree (0: no sub-projects).
func (c *copier) subtree(ctx context.Context, id int64) ([]Project, int, error) {
	var out []Project
	level := []int64{id}
	height := 0
	for len(level) > 0 && height <= maxDepth {
		var next []int64
		for _, parent := range level {
			kids, err := db.Query(ctx, c.tx, scanProject, "SELECT "+projectColumns+projectFrom+" WHERE p.parent_id = ? ORDER BY p.name, p.id", parent)
			if err != nil {
				return nil, 0, fmt.Errorf("project: template tree: %w", err)
			}
			for _, k := range kids {
				out = append(out, k)
				next = append(next, k.ID)
			}
		}
		if len(next) > 0 {
			height++
		}
		level = next
	}
	return out, height, nil
}

// copyProject inserts n as the copy of project from, with from's columns,
// labels, milestones and tasks.
func (c *copier) copyProject(ctx context.Context, from Project, n NewProject) (int64, error) {
	id, err := insertProjectRow(ctx, c.tx, c.now, c.a, n)
	if err != nil {
		return 0, err
	}
	cols, err := columns(ctx, c.tx, from.ID)
	if err != nil {
		return 0, err
	}
	colIDs := map[int64]int64{}
	for _, col := range cols {
		if colIDs[col.ID], err = insertColumn(ctx, c.tx, id, NewColumn{Name: col.Name, Category: col.Category, WIPLimit: col.WIPLimit}, col.Position); err != nil {
			return 0, err
		}
	}
	labels, err := db.Query(ctx, c.tx, scanLabel, "SELECT id, project_id, name, color FROM project_labels WHERE project_id = ? ORDER BY id", from.ID)
	if err != nil {
		return 0, fmt.Errorf("project: template labels: %w", err)
	}
	for _, l := range labels {
		if _, err := c.tx.ExecContext(ctx, "INSERT INTO project_labels (project_id, name, color) VALUES (?, ?, ?)", id, l.Name, l.Color); err != nil {
			return 0, fmt.Errorf("project: copy label: %w", err)
		}
	}
	msIDs := map[int64]int64{}
	ms, err := db.Query(ctx, c.tx, scanMilestone, milestoneSelect+" WHERE project_id = ? ORDER BY due_date, id", from.ID)
	if err != nil {
		return 0, fmt.Errorf("project: template milestones: %w", err)
	}
	for _, m := range ms {
		var nid int64
		if err := c.tx.QueryRowContext(ctx, "INSERT INTO milestones (project_id, title, due_date, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			id, m.Title, c.date(&m.Due).String(), db.T(c.now)).Scan(&nid); err != nil {
			return 0, fmt.Errorf("project: copy milestone: %w", err)
		}
		msIDs[m.ID] = nid
	}
	if err := c.copyTasks(ctx, from.ID, id, colIDs, msIDs); err != nil {
		return 0, err
	}
	return id, nil
}

type templateTask struct {
	id, statusID                 int64
	title, description, priority string
	start, due                   *civil.Date
	estimate                     sql.NullInt64
	milestone                    sql.NullInt64
}

// copyTasks copies the tasks of project from into project to, column by
// column in rank order; labels are matched by name (unique per project).
func (c *copier) copyTasks(ctx context.Context, from, to int64, colIDs, msIDs map[int64]int64) error {
	tasks, err := db.Query(ctx, c.tx, func(sc db.Scanner) (templateTask, error) {
		var t templateTask
		var start, due sql.NullString
		if err := sc.Scan(&t.id, &t.statusID, &t.title, &t.description, &t.priority, &start, &due, &t.estimate, &t.milestone); err != nil {
			return t, err
		}
		var err error
		if t.start, err = parseNullDate(start); err != nil {
			return t, err
		}
		t.due, err = parseNullDate(due)
		return t, err
	}, `SELECT t.id, t.status_id, t.title, t.description, t.priority, t.start_date, t.due_date, t.estimate_minutes, t.milestone_id
		FROM tasks t JOIN project_statuses s ON s.id = t.status_id WHERE t.project_id = ? ORDER BY s.position, t.rank`, from)
	if err != nil {
		return fmt.Errorf("project: template tasks: %w", err)
	}
	last := map[int64]string{} // new column -> last rank
	for _, t := range tasks {
		col := colIDs[t.statusID]
		r, err := rank.Between(last[col], "")
		if err != nil {
			return fmt.Errorf("project: copy task rank: %w", err)
		}
		last[col] = r
		var ms any
		if t.milestone.Valid {
			if m, ok := msIDs[t.milestone.Int64]; ok {
				ms = m
			}
		}
		var est any
		if t.estimate.Valid {
			est = t.estimate.Int64
		}
		var nid int64
		if err := c.tx.QueryRowContext(ctx, `INSERT INTO tasks (project_id, status_id, rank, title, description, priority, start_date, due_date,
				estimate_minutes, remaining_minutes, milestone_id, created_at, created_by, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING id`,
			to, col, r, t.title, t.description, t.priority, dateArg(c.date(t.start)), dateArg(c.date(t.due)), est, est, ms,
			db.T(c.now), db.NullID(c.a.UserID), db.T(c.now)).Scan(&nid); err != nil {
			return fmt.Errorf("project: copy task: %w", err)
		}
		if _, err := c.tx.ExecContext(ctx, `INSERT INTO task_labels (task_id, label_id)
			SELECT ?, l.id FROM task_labels tl JOIN project_labels old ON old.id = tl.label_id
			JOIN project_labels l ON l.project_id = ? AND l.name = old.name WHERE tl.task_id = ?`, nid, to, t.id); err != nil {
			return fmt.Errorf("project: copy task labels: %w", err)
		}
		if _, err := c.tx.ExecContext(ctx, `INSERT INTO task_checklist (task_id, text, done, position)
			SELECT ?, text, ?, position FROM task_checklist WHERE task_id = ?`, nid, false, t.id); err != nil {
			return fmt.Errorf("project: copy checklist: %w", err)
		}
		c.tasks++
	}
	return nil
}
