package project

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
)

// Checklists of tasks. Members add, tick, edit, delete and reorder items;
// the task's version is not touched, so ticking an item never makes
// someone's open edit of the task stale.

// Checklist limits.
const (
	MaxChecklistText  = 500
	MaxChecklistItems = 200
)

// ChecklistUpdate changes an item: nil fields stay.
type ChecklistUpdate struct {
	Text *string
	Done *bool
}

func taskChecklist(ctx context.Context, q db.Querier, taskID int64) ([]ChecklistItem, error) {
	items, err := db.Query(ctx, q, scanChecklistItem, `SELECT id, task_id, text, done, position FROM task_checklist WHERE task_id = ? ORDER BY position, id`, taskID)
	if err != nil {
		return nil, fmt.Errorf("project: checklist: %w", err)
	}
	return items, nil
}

func scanChecklistItem(row db.Scanner) (ChecklistItem, error) {
	var c ChecklistItem
	err := row.Scan(&c.ID, &c.TaskID, &c.Text, &c.Done, &c.Position)
	return c, err
}

func validChecklistText(text string) (string, error) {
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n < 1 || n > MaxChecklistText || !utf8.ValidString(text) {
		return "", apperr.Invalidf("invalid_checklist_text", "an item has 1 to %d characters", MaxChecklistText).WithField("text", "invalid_checklist_text")
	}
	return text, nil
}

// checklistItemFor reads item id and checks a's role in its task's project.
func (s *Service) checklistItemFor(ctx context.Context, q db.Querier, a actor.Actor, id int64, min Role) (ChecklistItem, Task, error) {
	c, err := scanChecklistItem(q.QueryRowContext(ctx, `SELECT id, task_id, text, done, position FROM task_checklist WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, Task{}, errNotFound
	}
	if err != nil {
		return c, Task{}, fmt.Errorf("project: checklist item: %w", err)
	}
	t, err := s.taskFor(ctx, q, a, c.TaskID, min)
	return c, t, err
}

// AddChecklistItem appends an item to the checklist of task taskID.
func (s *Service) AddChecklistItem(ctx context.Context, a actor.Actor, taskID int64, text string) (ChecklistItem, error) {
	text, err := validChecklistText(text)
	if err != nil {
		return ChecklistItem{}, err
	}
	var c ChecklistItem
	var projectID int64
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		t, err := s.taskFor(ctx, tx, a, taskID, RoleMember)
		if err != nil {
			return nil, err
		}
		projectID = t.ProjectID
		var n, last int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(position), 0) FROM task_checklist WHERE task_id = ?`, taskID).Scan(&n, &last); err != nil {
			return nil, fmt.Errorf("project: checklist: %w", err)
		}
		if n >= MaxChecklistItems {
			return nil, apperr.Invalidf("checklist_full", "a checklist has at most %d items", MaxChecklistItems).WithField("text", "checklist_full")
		}
		c = ChecklistItem{TaskID: taskID, Text: text, Position: last + 1}
		if err := tx.QueryRowContext(ctx, `INSERT INTO task_checklist (task_id, text, done, position) VALUES (?, ?, ?, ?) RETURNING id`,
			taskID, text, false, c.Position).Scan(&c.ID); err != nil {
			return nil, fmt.Errorf("project: add checklist item: %w", err)
		}
		return []audit.Event{{Action: "task.checklist_add", ObjectType: "task", ObjectID: strconv.FormatInt(taskID, 10),
			Detail: map[string]any{"project_id": t.ProjectID, "item_id": c.ID}}}, nil
	})
	if err == nil {
		s.publishChecklist(ctx, projectID, taskID)
	}
	return c, err
}

// publishChecklist tells boards that the checklist count of a card
// changed.
func (s *Service) publishChecklist(ctx context.Context, projectID, taskID int64) {
	s.publish(ctx, Event{Type: EventTaskUpdated, ProjectID: projectID, TaskID: taskID})
}

// UpdateChecklistItem ticks, unticks or renames item id.
func (s *Service) UpdateChecklistItem(ctx context.Context, a actor.Actor, id int64, u ChecklistUpdate) (ChecklistItem, error) {
	if u.Text != nil {
		text, err := validChecklistText(*u.Text)
		if err != nil {
			return ChecklistItem{}, err
		}
		u.Text = &text
	}
	var c ChecklistItem
	var projectID int64
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		var t Task
		var err error
		if c, t, err = s.checklistItemFor(ctx, tx, a, id, RoleMember); err != nil {
			return nil, err
		}
		projectID = t.ProjectID
		if u.Text != nil {
			c.Text = *u.Text
		}
		if u.Done != nil {
			c.Done = *u.Done
		}
		if _, err := tx.ExecContext(ctx, `UPDATE task_checklist SET text = ?, done = ? WHERE id = ?`, c.Text, c.Done, id); err != nil {
			return nil, fmt.Errorf("project: update checklist item: %w", err)
		}
		return []audit.Event{{Action: "task.checklist_update", ObjectType: "task", ObjectID: strconv.FormatInt(c.TaskID, 10),
			Detail: map[string]any{"project_id": t.ProjectID, "item_id": id, "done": c.Done}}}, nil
	})
	if err == nil {
		s.publishChecklist(ctx, projectID, c.TaskID)
	}
	return c, err
}

// DeleteChecklistItem removes item id.
func (s *Service) DeleteChecklistItem(ctx context.Context, a actor.Actor, id int64) error {
	var projectID, taskID int64
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		c, t, err := s.checklistItemFor(ctx, tx, a, id, RoleMember)
		if err != nil {
			return nil, err
		}
		projectID, taskID = t.ProjectID, c.TaskID
		if _, err := tx.ExecContext(ctx, `DELETE FROM task_checklist WHERE id = ?`, id); err != nil {
			return nil, fmt.Errorf("project: delete checklist item: %w", err)
		}
		return []audit.Event{{Action: "task.checklist_delete", ObjectType: "task", ObjectID: strconv.FormatInt(c.TaskID, 10),
			Detail: map[string]any{"project_id": t.ProjectID, "item_id": id}}}, nil
	})
	if err == nil {
		s.publishChecklist(ctx, projectID, taskID)
	}
	return err
}

// ReorderChecklist puts the items of task taskID in the order of ids,
// which must name each item exactly once (422 invalid_checklist_order).
func (s *Service) ReorderChecklist(ctx context.Context, a actor.Actor, taskID int64, ids []int64) ([]ChecklistItem, error) {
	var items []ChecklistItem
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		t, err := s.taskFor(ctx, tx, a, taskID, RoleMember)
		if err != nil {
			return nil, err
		}
		cur, err := taskChecklist(ctx, tx, taskID)
		if err != nil {
			return nil, err
		}
		have := make([]int64, len(cur))
		for i, c := range cur {
			have[i] = c.ID
		}
		want := slices.Clone(ids)
		slices.Sort(have)
		slices.Sort(want)
		if !slices.Equal(have, want) {
			return nil, apperr.Invalidf("invalid_checklist_order", "name every item of the checklist once").WithField("ids", "invalid_checklist_order")
		}
		for i, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE task_checklist SET position = ? WHERE id = ?`, i+1, id); err != nil {
				return nil, fmt.Errorf("project: reorder checklist: %w", err)
			}
		}
		if items, err = taskChecklist(ctx, tx, taskID); err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "task.checklist_reorder", ObjectType: "task", ObjectID: strconv.FormatInt(taskID, 10),
			Detail: map[string]any{"project_id": t.ProjectID}}}, nil
	})
	return items, err
}
