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

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
	"ortlos/internal/notify"
)

// Assignees, labels, dependencies and watchers of tasks.

// taskNote is a notification about task id of kind "task.<kind>".
func taskNote(userID int64, kind string, taskID int64, args ...any) notify.Note {
	return notify.Note{UserID: userID, Kind: "task." + kind, Args: args, Link: "/tasks/" + strconv.FormatInt(taskID, 10)}
}

// taskActorName is the display name of a for notification texts.
func taskActorName(ctx context.Context, q db.Querier, a actor.Actor) (string, error) {
	if a.UserID == 0 {
		return "ortlos", nil
	}
	var name string
	err := q.QueryRowContext(ctx, `SELECT display_name FROM users WHERE id = ?`, a.UserID).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return a.Username, nil
	}
	if err != nil {
		return "", fmt.Errorf("project: actor name: %w", err)
	}
	return name, nil
}

// setTaskAssignees replaces the assignees of task id with ids. Each must
// hold at least the member role in the project (422
// task_assignee_not_member). New assignees watch the task and are notified
// (task.assigned).
func (s *Service) setTaskAssignees(ctx context.Context, tx *db.Tx, now time.Time, a actor.Actor, id, projectID int64, title string, ids []int64) error {
	old, err := db.Query(ctx, tx, taskScanID, `SELECT user_id FROM task_assignees WHERE task_id = ?`, id)
	if err != nil {
		return fmt.Errorf("project: assignees: %w", err)
	}
	var added []int64
	for _, u := range ids {
		if slices.Contains(old, u) {
			continue
		}
		var disabled bool
		err := tx.QueryRowContext(ctx, `SELECT disabled FROM users WHERE id = ?`, u).Scan(&disabled)
		if err == nil && disabled {
			err = errNotFound
		}
		if err == nil {
			var role Role
			role, err = s.access(ctx, tx, actor.Actor{UserID: u}, projectID)
			if err == nil && !role.AtLeast(RoleMember) {
				err = errNotFound
			}
		}
		if errors.Is(err, sql.ErrNoRows) || apperr.KindOf(err) == apperr.NotFound {
			return apperr.Invalidf("task_assignee_not_member", "assignees are members of the project").WithField("assignee_ids", "task_assignee_not_member")
		}
		if err != nil {
			return err
		}
		added = append(added, u)
	}
	for _, u := range old {
		if !slices.Contains(ids, u) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM task_assignees WHERE task_id = ? AND user_id = ?`, id, u); err != nil {
				return fmt.Errorf("project: remove assignee: %w", err)
			}
		}
	}
	if len(added) == 0 {
		return nil
	}
	for _, u := range added {
		if _, err := tx.ExecContext(ctx, `INSERT INTO task_assignees (task_id, user_id) VALUES (?, ?)`, id, u); err != nil {
			return fmt.Errorf("project: add assignee: %w", err)
		}
	}
	if err := addTaskWatchers(ctx, tx, id, added...); err != nil {
		return err
	}
	name, err := taskActorName(ctx, tx, a)
	if err != nil {
		return err
	}
	notes := make([]notify.Note, 0, len(added))
	for _, u := range added {
		notes = append(notes, taskNote(u, "assigned", id, name, title))
	}
	return s.notify(ctx, tx, now, a, notes...)
}

// setTaskLabels replaces the labels of task id; every label must belong to
// the project (422 unknown_task_label).
func setTaskLabels(ctx context.Context, tx *db.Tx, id, projectID int64, ids []int64) error {
	for _, l := range ids {
		var p int64
		err := tx.QueryRowContext(ctx, `SELECT project_id FROM project_labels WHERE id = ?`, l).Scan(&p)
		if errors.Is(err, sql.ErrNoRows) || err == nil && p != projectID {
			return apperr.Invalidf("unknown_task_label", "no such label in this project").WithField("label_ids", "unknown_task_label")
		}
		if err != nil {
			return fmt.Errorf("project: label: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM task_labels WHERE task_id = ?`, id); err != nil {
		return fmt.Errorf("project: labels: %w", err)
	}
	for _, l := range ids {
		if _, err := tx.ExecContext(ctx, `INSERT INTO task_labels (task_id, label_id) VALUES (?, ?)`, id, l); err != nil {
			return fmt.Errorf("project: labels: %w", err)
		}
	}
	return nil
}

// addTaskWatchers lets users watch task id (already watching is fine).
func addTaskWatchers(ctx context.Context, tx *db.Tx, id int64, users ...int64) error {
	for _, u := range users {
		if u == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO task_watchers (task_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, u); err != nil {
			return fmt.Errorf("project: watch: %w", err)
		}
	}
	return nil
}

// addTaskDependency records that task id is blocked by blocker. The
// blocker must be a task a sees (same project or another visible one; 422
// unknown_task_dependency otherwise); a dependency that closes a cycle is
// refused with 409 task_dependency_cycle.
func (s *Service) addTaskDependency(ctx context.Context, tx *db.Tx, a actor.Actor, id, blocker int64) error {
	if blocker == id {
		return errTaskCycle
	}
	b, err := loadTask(ctx, tx, blocker)
	if err == nil {
		_, err = s.access(ctx, tx, a, b.ProjectID)
	}
	if apperr.KindOf(err) == apperr.NotFound {
		return apperr.Invalidf("unknown_task_dependency", "no such task").WithField("blocked_by", "unknown_task_dependency")
	}
	if err != nil {
		return err
	}
	// A cycle: id is already (transitively) blocking blocker.
	var hit int
	err = tx.QueryRowContext(ctx, `WITH RECURSIVE chain(id) AS (
			SELECT blocked_by_id FROM task_dependencies WHERE task_id = ?
			UNION
			SELECT d.blocked_by_id FROM task_dependencies d JOIN chain c ON d.task_id = c.id)
		SELECT 1 FROM chain WHERE id = ? LIMIT 1`, blocker, id).Scan(&hit)
	switch {
	case err == nil:
		return errTaskCycle
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("project: dependency cycle: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO task_dependencies (task_id, blocked_by_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, blocker); err != nil {
		return fmt.Errorf("project: add dependency: %w", err)
	}
	return nil
}

// AddTaskDependency records that task id is blocked by task blockedBy.
// Members edit dependencies.
func (s *Service) AddTaskDependency(ctx context.Context, a actor.Actor, id, blockedBy int64) error {
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		t, err := s.taskFor(ctx, tx, a, id, RoleMember)
		if err != nil {
			return nil, err
		}
		if err := s.addTaskDependency(ctx, tx, a, id, blockedBy); err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "task.dependency_add", ObjectType: "task", ObjectID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"project_id": t.ProjectID, "blocked_by": blockedBy}}}, nil
	})
}

// RemoveTaskDependency removes the dependency of task id on blockedBy
// (removing one that does not exist is fine).
func (s *Service) RemoveTaskDependency(ctx context.Context, a actor.Actor, id, blockedBy int64) error {
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		t, err := s.taskFor(ctx, tx, a, id, RoleMember)
		if err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM task_dependencies WHERE task_id = ? AND blocked_by_id = ?`, id, blockedBy)
		if err != nil {
			return nil, fmt.Errorf("project: remove dependency: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, nil
		}
		return []audit.Event{{Action: "task.dependency_remove", ObjectType: "task", ObjectID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"project_id": t.ProjectID, "blocked_by": blockedBy}}}, nil
	})
}

// WatchTask lets a watch task id: everyone who sees the project may.
func (s *Service) WatchTask(ctx context.Context, a actor.Actor, id int64) error {
	return s.setWatching(ctx, a, id, true)
}

// UnwatchTask ends a's watching of task id.
func (s *Service) UnwatchTask(ctx context.Context, a actor.Actor, id int64) error {
	return s.setWatching(ctx, a, id, false)
}

func (s *Service) setWatching(ctx context.Context, a actor.Actor, id int64, on bool) error {
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.taskFor(ctx, tx, a, id, RoleViewer); err != nil {
			return nil, err
		}
		if !a.CanWrite() {
			return nil, errReadOnlyToken
		}
		if on {
			return nil, addTaskWatchers(ctx, tx, id, a.UserID)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM task_watchers WHERE task_id = ? AND user_id = ?`, id, a.UserID)
		if err != nil {
			return nil, fmt.Errorf("project: unwatch: %w", err)
		}
		return nil, nil
	})
}

// taskIDList returns "?, ?, …" and the ids as arguments.
func taskIDList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", "), args
}

// fillTasks loads the assignees and labels of ts with one query (both
// lists of the whole page, never one query per task).
func (s *Service) fillTasks(ctx context.Context, q db.Querier, ts []Task) error {
	if len(ts) == 0 {
		return nil
	}
	ids := make([]int64, len(ts))
	at := make(map[int64]int, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
		at[t.ID] = i
	}
	in, args := taskIDList(ids)
	rows, err := q.QueryContext(ctx, `SELECT 0, ta.task_id, u.id, u.display_name, '' FROM task_assignees ta JOIN users u ON u.id = ta.user_id
		WHERE ta.task_id IN (`+in+`)
		UNION ALL
		SELECT 1, tl.task_id, l.id, l.name, l.color FROM task_labels tl JOIN project_labels l ON l.id = tl.label_id
		WHERE tl.task_id IN (`+in+`)
		ORDER BY 1, 4, 3`, append(args, args...)...)
	if err != nil {
		return fmt.Errorf("project: page assignees and labels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind int
		var tid, id int64
		var name, color string
		if err := rows.Scan(&kind, &tid, &id, &name, &color); err != nil {
			return fmt.Errorf("project: page assignees and labels: %w", err)
		}
		t := &ts[at[tid]]
		if kind == 0 {
			t.Assignees = append(t.Assignees, TaskPerson{ID: id, Name: name})
		} else {
			t.Labels = append(t.Labels, TaskLabel{ID: id, Name: name, Color: color})
		}
	}
	return rows.Err()
}
