package project

// Board columns (project_statuses). Every project starts with "Offen",
// "In Arbeit", "In Prüfung" and "Erledigt". Managers add, rename,
// re-categorise, limit (WIP) and reorder columns and delete empty ones.
// Two rules keep a board usable: a project keeps at least one column
// (409 status_last) and at least one column of category done, so that
// tasks can be finished and drop out of the workload (409
// status_last_done). A column with tasks cannot be deleted (409
// status_not_empty): its tasks would have nowhere to go.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
)

// Category says what a column means for open tasks and the workload.
type Category string

// Column categories.
const (
	CategoryOpen       Category = "open"
	CategoryInProgress Category = "in_progress"
	CategoryDone       Category = "done"
)

// Categories lists the column categories.
var Categories = []Category{CategoryOpen, CategoryInProgress, CategoryDone}

// Bounds of a column.
const (
	MaxColumnNameRunes = 100
	MaxWIPLimit        = 10000
	// maxColumns bounds the columns of one project.
	maxColumns = 50
)

// BoardColumn is a status column of a project's board.
type BoardColumn struct {
	ID        int64
	ProjectID int64
	Name      string
	Category  Category
	WIPLimit  int // 0: none
	Position  int // 1-based
	// Tasks counts the tasks in the column.
	Tasks int
}

// NewColumn is a column to add (at the end).
type NewColumn struct {
	Name     string
	Category Category
	WIPLimit int
}

// ColumnUpdate changes the fields that are not nil; WIPLimit 0 removes
// the limit; Position (1-based) moves the column, the others shift.
type ColumnUpdate struct {
	Name     *string
	Category *Category
	WIPLimit *int
	Position *int
}

// defaultColumns are the columns of a new project.
var defaultColumns = []NewColumn{
	{Name: "Offen", Category: CategoryOpen},
	{Name: "In Arbeit", Category: CategoryInProgress},
	{Name: "In Prüfung", Category: CategoryInProgress},
	{Name: "Erledigt", Category: CategoryDone},
}

func insertDefaultStatuses(ctx context.Context, tx *db.Tx, projectID int64) error {
	for i, c := range defaultColumns {
		if _, err := insertColumn(ctx, tx, projectID, c, i+1); err != nil {
			return err
		}
	}
	return nil
}

func insertColumn(ctx context.Context, tx *db.Tx, projectID int64, c NewColumn, pos int) (int64, error) {
	var id int64
	if err := tx.QueryRowContext(ctx, "INSERT INTO project_statuses (project_id, name, category, wip_limit, position) VALUES (?, ?, ?, ?, ?) RETURNING id",
		projectID, c.Name, string(c.Category), wipArg(c.WIPLimit), pos).Scan(&id); err != nil {
		return 0, fmt.Errorf("project: insert column: %w", err)
	}
	return id, nil
}

func wipArg(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

func checkColumn(name *string, cat *Category, wip *int) error {
	if name != nil {
		if err := checkText(name, 1, MaxColumnNameRunes, "invalid_status_name", "name"); err != nil {
			return err
		}
	}
	if cat != nil && !slices.Contains(Categories, *cat) {
		return invalid("invalid_status_category", "category", "unknown category %q", *cat)
	}
	if wip != nil && (*wip < 0 || *wip > MaxWIPLimit) {
		return invalid("invalid_wip_limit", "wip_limit", "the WIP limit must be 0 (none) to %d", MaxWIPLimit)
	}
	return nil
}

func scanColumn(sc db.Scanner) (BoardColumn, error) {
	var c BoardColumn
	var cat string
	var wip sql.NullInt64
	err := sc.Scan(&c.ID, &c.ProjectID, &c.Name, &cat, &wip, &c.Position, &c.Tasks)
	c.Category, c.WIPLimit = Category(cat), int(wip.Int64)
	return c, err
}

const columnSelect = `SELECT s.id, s.project_id, s.name, s.category, s.wip_limit, s.position,
	(SELECT count(*) FROM tasks t WHERE t.status_id = s.id) FROM project_statuses s`

func columns(ctx context.Context, q db.Querier, projectID int64) ([]BoardColumn, error) {
	cs, err := db.Query(ctx, q, scanColumn, columnSelect+" WHERE s.project_id = ? ORDER BY s.position, s.id", projectID)
	if err != nil {
		return nil, fmt.Errorf("project: columns: %w", err)
	}
	return cs, nil
}

// Columns returns the columns of project id in board order with their task
// counts; everyone who sees the project reads them.
func (s *Service) Columns(ctx context.Context, a actor.Actor, id int64) ([]BoardColumn, error) {
	if _, err := s.access(ctx, s.db, a, id); err != nil {
		return nil, err
	}
	return columns(ctx, s.db, id)
}

// columnIn returns column colID of project id, or errNotFound.
func columnIn(ctx context.Context, q db.Querier, projectID, colID int64) (BoardColumn, error) {
	c, err := scanColumn(q.QueryRowContext(ctx, columnSelect+" WHERE s.id = ? AND s.project_id = ?", colID, projectID))
	if errors.Is(err, sql.ErrNoRows) {
		return BoardColumn{}, errNotFound
	}
	if err != nil {
		return BoardColumn{}, fmt.Errorf("project: column: %w", err)
	}
	return c, nil
}

func columnFields(c BoardColumn) map[string]any {
	return map[string]any{"category": string(c.Category), "wip_limit": c.WIPLimit, "position": c.Position}
}

// CreateColumn adds a column at the end of project id's board (manager;
// audit project.status_create).
func (s *Service) CreateColumn(ctx context.Context, a actor.Actor, id int64, n NewColumn) (BoardColumn, error) {
	if n.Category == "" {
		n.Category = CategoryInProgress
	}
	if err := checkColumn(&n.Name, &n.Category, &n.WIPLimit); err != nil {
		return BoardColumn{}, err
	}
	var colID int64
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.require(ctx, tx, a, id, RoleManager); err != nil {
			return nil, err
		}
		if _, err := lockProject(ctx, tx, id); err != nil {
			return nil, err
		}
		var n2, maxPos int
		if err := tx.QueryRowContext(ctx, "SELECT count(*), coalesce(max(position), 0) FROM project_statuses WHERE project_id = ?", id).Scan(&n2, &maxPos); err != nil {
			return nil, fmt.Errorf("project: columns: %w", err)
		}
		if n2 >= maxColumns {
			return nil, apperr.Conflictf("status_too_many", "a board has at most %d columns", maxColumns)
		}
		var err error
		if colID, err = insertColumn(ctx, tx, id, n, maxPos+1); err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "project.status_create", ObjectType: "project_status", ObjectID: fmt.Sprint(colID), Detail: map[string]any{
			"project_id": id, "category": string(n.Category), "wip_limit": n.WIPLimit}}}, nil
	})
	if err != nil {
		return BoardColumn{}, err
	}
	return columnIn(ctx, s.db, id, colID)
}

// UpdateColumn changes column colID of project id (manager; audit
// project.status_update). Re-categorising the last done column answers
// 409 status_last_done.
func (s *Service) UpdateColumn(ctx context.Context, a actor.Actor, id, colID int64, u ColumnUpdate) (BoardColumn, error) {
	if err := checkColumn(u.Name, u.Category, u.WIPLimit); err != nil {
		return BoardColumn{}, err
	}
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.require(ctx, tx, a, id, RoleManager); err != nil {
			return nil, err
		}
		if _, err := lockProject(ctx, tx, id); err != nil {
			return nil, err
		}
		old, err := columnIn(ctx, tx, id, colID)
		if err != nil {
			return nil, err
		}
		c := old
		if u.Name != nil {
			c.Name = *u.Name
		}
		if u.Category != nil {
			c.Category = *u.Category
		}
		if u.WIPLimit != nil {
			c.WIPLimit = *u.WIPLimit
		}
		if old.Category == CategoryDone && c.Category != CategoryDone {
			if err := checkOtherDone(ctx, tx, id, colID); err != nil {
				return nil, err
			}
		}
		cs, err := columns(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if u.Position != nil {
			if *u.Position < 1 || *u.Position > len(cs) {
				return nil, invalid("invalid_status_position", "position", "the position must be 1 to %d", len(cs))
			}
			c.Position = *u.Position
		}
		if c == old {
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE project_statuses SET name = ?, category = ?, wip_limit = ? WHERE id = ?",
			c.Name, string(c.Category), wipArg(c.WIPLimit), colID); err != nil {
			return nil, fmt.Errorf("project: update column: %w", err)
		}
		if c.Position != old.Position {
			ids := make([]int64, 0, len(cs))
			for _, x := range cs {
				if x.ID != colID {
					ids = append(ids, x.ID)
				}
			}
			ids = slices.Insert(ids, c.Position-1, colID)
			if err := renumberColumns(ctx, tx, ids); err != nil {
				return nil, err
			}
		}
		detail := map[string]any{"project_id": id, "before": columnFields(old), "after": columnFields(c)}
		if c.Name != old.Name {
			detail["name_changed"] = true
		}
		return []audit.Event{{Action: "project.status_update", ObjectType: "project_status", ObjectID: fmt.Sprint(colID), Detail: detail}}, nil
	})
	if err != nil {
		return BoardColumn{}, err
	}
	return columnIn(ctx, s.db, id, colID)
}

func renumberColumns(ctx context.Context, tx *db.Tx, ids []int64) error {
	for i, id := range ids {
		if _, err := tx.ExecContext(ctx, "UPDATE project_statuses SET position = ? WHERE id = ?", i+1, id); err != nil {
			return fmt.Errorf("project: reorder columns: %w", err)
		}
	}
	return nil
}

// checkOtherDone refuses when colID is the only done column of project id.
func checkOtherDone(ctx context.Context, tx *db.Tx, id, colID int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM project_statuses WHERE project_id = ? AND category = ? AND id <> ?",
		id, string(CategoryDone), colID).Scan(&n); err != nil {
		return fmt.Errorf("project: done columns: %w", err)
	}
	if n == 0 {
		return apperr.Conflictf("status_last_done", "a board keeps at least one done column").WithField("category", "status_last_done")
	}
	return nil
}

// DeleteColumn deletes the empty column colID of project id (manager;
// audit project.status_delete); the columns after it move up.
func (s *Service) DeleteColumn(ctx context.Context, a actor.Actor, id, colID int64) error {
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.require(ctx, tx, a, id, RoleManager); err != nil {
			return nil, err
		}
		if _, err := lockProject(ctx, tx, id); err != nil {
			return nil, err
		}
		c, err := columnIn(ctx, tx, id, colID)
		if err != nil {
			return nil, err
		}
		if c.Tasks > 0 {
			return nil, apperr.Conflictf("status_not_empty", "the column still holds %d tasks; move them first", c.Tasks)
		}
		cs, err := columns(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if len(cs) <= 1 {
			return nil, apperr.Conflictf("status_last", "a board keeps at least one column")
		}
		if c.Category == CategoryDone {
			if err := checkOtherDone(ctx, tx, id, colID); err != nil {
				return nil, err
			}
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM project_statuses WHERE id = ?", colID); err != nil {
			return nil, fmt.Errorf("project: delete column: %w", err)
		}
		var ids []int64
		for _, x := range cs {
			if x.ID != colID {
				ids = append(ids, x.ID)
			}
		}
		if err := renumberColumns(ctx, tx, ids); err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "project.status_delete", ObjectType: "project_status", ObjectID: fmt.Sprint(colID), Detail: map[string]any{
			"project_id": id, "category": string(c.Category)}}}, nil
	})
}
