package project

// Labels of a project. Managers add, rename, recolour and delete them;
// deleting a label takes it off every task (task_labels cascades).
// Names are unique per project (409 label_exists).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
)

// MaxLabelNameRunes bounds a label's name.
const MaxLabelNameRunes = 50

// labelColorRE is the form of a label colour: empty or #rrggbb.
var labelColorRE = regexp.MustCompile(`^(#[0-9a-f]{6})?$`)

// Label is a label of a project.
type Label struct {
	ID        int64
	ProjectID int64
	Name      string
	Color     string // "" or #rrggbb
}

// LabelUpdate changes the fields that are not nil.
type LabelUpdate struct {
	Name  *string
	Color *string
}

func checkLabel(name, color *string) error {
	if name != nil {
		if err := checkText(name, 1, MaxLabelNameRunes, "invalid_label_name", "name"); err != nil {
			return err
		}
	}
	if color != nil {
		*color = strings.ToLower(strings.TrimSpace(*color))
		if !labelColorRE.MatchString(*color) {
			return invalid("invalid_label_color", "color", "a colour is #rrggbb")
		}
	}
	return nil
}

func errLabelExists() error {
	return apperr.Conflictf("label_exists", "the project has a label with this name").WithField("name", "label_exists")
}

func scanLabel(sc db.Scanner) (Label, error) {
	var l Label
	err := sc.Scan(&l.ID, &l.ProjectID, &l.Name, &l.Color)
	return l, err
}

// Labels returns the labels of project id by name.
func (s *Service) Labels(ctx context.Context, a actor.Actor, id int64) ([]Label, error) {
	if _, err := s.access(ctx, s.db, a, id); err != nil {
		return nil, err
	}
	return labels(ctx, s.db, id)
}

func labels(ctx context.Context, q db.Querier, id int64) ([]Label, error) {
	ls, err := db.Query(ctx, q, scanLabel, "SELECT id, project_id, name, color FROM project_labels WHERE project_id = ? ORDER BY name, id", id)
	if err != nil {
		return nil, fmt.Errorf("project: labels: %w", err)
	}
	return ls, nil
}

func labelIn(ctx context.Context, q db.Querier, projectID, labelID int64) (Label, error) {
	l, err := scanLabel(q.QueryRowContext(ctx, "SELECT id, project_id, name, color FROM project_labels WHERE id = ? AND project_id = ?", labelID, projectID))
	if errors.Is(err, sql.ErrNoRows) {
		return Label{}, errNotFound
	}
	if err != nil {
		return Label{}, fmt.Errorf("project: label: %w", err)
	}
	return l, nil
}

// labelNameTaken reports whether project id has another label of name.
func labelNameTaken(ctx context.Context, q db.Querier, projectID, except int64, name string) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM project_labels WHERE project_id = ? AND name = ? AND id <> ?", projectID, name, except).Scan(&n); err != nil {
		return false, fmt.Errorf("project: label name: %w", err)
	}
	return n > 0, nil
}

// CreateLabel adds a label to project id (manager; audit label.create).
func (s *Service) CreateLabel(ctx context.Context, a actor.Actor, id int64, name, color string) (Label, error) {
	if err := checkLabel(&name, &color); err != nil {
		return Label{}, err
	}
	var labelID int64
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.require(ctx, tx, a, id, RoleManager); err != nil {
			return nil, err
		}
		if taken, err := labelNameTaken(ctx, tx, id, 0, name); err != nil {
			return nil, err
		} else if taken {
			return nil, errLabelExists()
		}
		if err := tx.QueryRowContext(ctx, "INSERT INTO project_labels (project_id, name, color) VALUES (?, ?, ?) RETURNING id", id, name, color).Scan(&labelID); err != nil {
			if db.IsUniqueViolation(err) {
				return nil, errLabelExists()
			}
			return nil, fmt.Errorf("project: create label: %w", err)
		}
		return []audit.Event{{Action: "label.create", ObjectType: "project_label", ObjectID: fmt.Sprint(labelID), Detail: map[string]any{
			"project_id": id, "color": color}}}, nil
	})
	if err != nil {
		return Label{}, err
	}
	return labelIn(ctx, s.db, id, labelID)
}

// UpdateLabel changes label labelID of project id (manager; audit
// label.update).
func (s *Service) UpdateLabel(ctx context.Context, a actor.Actor, id, labelID int64, u LabelUpdate) (Label, error) {
	if err := checkLabel(u.Name, u.Color); err != nil {
		return Label{}, err
	}
	var out Label
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.require(ctx, tx, a, id, RoleManager); err != nil {
			return nil, err
		}
		old, err := labelIn(ctx, tx, id, labelID)
		if err != nil {
			return nil, err
		}
		l := old
		if u.Name != nil {
			l.Name = *u.Name
		}
		if u.Color != nil {
			l.Color = *u.Color
		}
		out = l
		if l == old {
			return nil, nil
		}
		if l.Name != old.Name {
			if taken, err := labelNameTaken(ctx, tx, id, labelID, l.Name); err != nil {
				return nil, err
			} else if taken {
				return nil, errLabelExists()
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE project_labels SET name = ?, color = ? WHERE id = ?", l.Name, l.Color, labelID); err != nil {
			if db.IsUniqueViolation(err) {
				return nil, errLabelExists()
			}
			return nil, fmt.Errorf("project: update label: %w", err)
		}
		return []audit.Event{{Action: "label.update", ObjectType: "project_label", ObjectID: fmt.Sprint(labelID), Detail: map[string]any{
			"project_id": id, "color": l.Color, "name_changed": l.Name != old.Name}}}, nil
	})
	if err != nil {
		return Label{}, err
	}
	return out, nil
}

// DeleteLabel deletes label labelID of project id and takes it off its
// tasks (manager; audit label.delete).
func (s *Service) DeleteLabel(ctx context.Context, a actor.Actor, id, labelID int64) error {
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.require(ctx, tx, a, id, RoleManager); err != nil {
			return nil, err
		}
		if _, err := labelIn(ctx, tx, id, labelID); err != nil {
			return nil, err
		}
		// Explicit rather than relying on ON DELETE CASCADE, which SQLite
		// applies only with foreign keys on.
		if _, err := tx.ExecContext(ctx, "DELETE FROM task_labels WHERE label_id = ?", labelID); err != nil {
			return nil, fmt.Errorf("project: unlink label: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM project_labels WHERE id = ?", labelID); err != nil {
			return nil, fmt.Errorf("project: delete label: %w", err)
		}
		return []audit.Event{{Action: "label.delete", ObjectType: "project_label", ObjectID: fmt.Sprint(labelID), Detail: map[string]any{
			"project_id": id}}}, nil
	})
}
