package project

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
	"ortlos/internal/project/rank"
)

// TaskMove is the input of MoveTask: the target column, the card the task
// goes after (0: the top of the column) and the version the move is based
// on.
type TaskMove struct {
	StatusID int64
	AfterID  int64
	Version  int
}

// MoveTask places task id in column m.StatusID right after card m.AfterID
// (at the top for 0). Members move tasks.
//
// One transaction reads the task (its version must be m.Version, else 409
// task_stale), the rank of the card after which it goes (which must still
// be in the target column, else 409 task_move_stale) and the rank of that
// card's successor, and updates the one task row with a rank between the
// two (internal/project/rank): no other card is renumbered. Moving into a
// column of category done sets done_at and the remaining effort to 0;
// moving out clears done_at and restores the remaining effort to the
// estimate. A target column above its WIP limit is allowed; the answer
// carries a WIP_LIMIT_EXCEEDED warning. When a concurrent move took the
// same rank (PostgreSQL), the whole transaction is retried.
func (s *Service) MoveTask(ctx context.Context, a actor.Actor, id int64, m TaskMove) (Task, []TaskWarning, error) {
	if m.AfterID == id {
		return Task{}, nil, apperr.Invalidf("invalid_task_move", "a task cannot go after itself").WithField("after_id", "invalid_task_move")
	}
	var warnings []TaskWarning
	var ev Event // published after the commit
	err := s.writeRanked(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		t, err := s.taskFor(ctx, tx, a, id, RoleMember)
		if err != nil {
			return nil, err
		}
		if m.Version != t.Version {
			return nil, errTaskStale(t.Version)
		}
		col, err := taskColumnByID(ctx, tx, t.ProjectID, m.StatusID)
		if err != nil {
			return nil, err
		}
		var before, after string
		if m.AfterID != 0 {
			err := tx.QueryRowContext(ctx, `SELECT rank FROM tasks WHERE id = ? AND status_id = ?`, m.AfterID, col.ID).Scan(&before)
			if errors.Is(err, sql.ErrNoRows) {
				return nil, errTaskMoveStale
			}
			if err != nil {
				return nil, fmt.Errorf("project: move: %w", err)
			}
			var next *string
			if err := tx.QueryRowContext(ctx, `SELECT MIN(rank) FROM tasks WHERE status_id = ? AND rank > ? AND id <> ?`, col.ID, before, id).Scan(&next); err != nil {
				return nil, fmt.Errorf("project: move: %w", err)
			}
			after = taskDeref(next)
		} else {
			var first *string
			if err := tx.QueryRowContext(ctx, `SELECT MIN(rank) FROM tasks WHERE status_id = ? AND id <> ?`, col.ID, id).Scan(&first); err != nil {
				return nil, fmt.Errorf("project: move: %w", err)
			}
			after = taskDeref(first)
		}
		r, err := rank.Between(before, after)
		if err != nil {
			return nil, fmt.Errorf("project: move rank: %w", err)
		}
		wasDone, isDone := t.Done, col.Category == "done"
		doneAt, remaining := t.DoneAt, t.RemainingMinutes
		switch {
		case isDone && !wasDone:
			doneAt = &now
			if remaining != nil || t.EstimateMinutes != nil {
				zero := 0
				remaining = &zero
			}
		case !isDone && wasDone:
			doneAt = nil
			if remaining != nil && *remaining == 0 {
				remaining = t.EstimateMinutes
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE tasks SET status_id = ?, rank = ?, version = version + 1, updated_at = ?, done_at = ?, remaining_minutes = ?
			WHERE id = ? AND version = ?`, col.ID, r, db.T(now), db.NT(doneAt), taskIntArg(remaining), id, t.Version)
		if err != nil {
			return nil, fmt.Errorf("project: move: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return nil, errTaskStale(t.Version)
		}
		if col.ID != t.StatusID {
			if warnings, err = taskWIPWarning(ctx, tx, col); err != nil {
				return nil, err
			}
		}
		ev = Event{Type: EventTaskMoved, ProjectID: t.ProjectID, TaskID: id, StatusID: col.ID, Rank: r, Version: t.Version + 1, AfterID: m.AfterID}
		return []audit.Event{{Action: "task.move", ObjectType: "task", ObjectID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"project_id": t.ProjectID, "from_status_id": t.StatusID, "to_status_id": col.ID}}}, nil
	})
	if err != nil {
		return Task{}, nil, err
	}
	s.publish(ctx, ev)
	t, err := s.GetTask(ctx, a, id)
	return t, warnings, err
}
