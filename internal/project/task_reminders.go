package project

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/notify"
)

// Reminders about due dates (docs/tasks.md#reminders): the assignees of a
// task that is not done hear "task.due_tomorrow" the day before its due
// date and "task.overdue" once the due date has passed. The app's jobs
// loop calls SendReminders every ten minutes on every instance; the table
// task_reminders (primary key task, kind, due date), written in the same
// transaction as the notifications, makes every reminder go out once.

// Reminder kinds (the notification kinds are "task." + kind).
const (
	ReminderDueTomorrow = "due_tomorrow"
	ReminderOverdue     = "overdue"
)

// ReminderHour is the local hour from which a day's reminders go out, so
// that nobody is notified (or e-mailed) just after midnight.
const ReminderHour = 6

// reminderOverdueDays bounds how late an overdue reminder still goes out:
// tasks overdue for longer (e.g. when the feature is first switched on, or
// after a long downtime) are not reminded.
const reminderOverdueDays = 7

// reminderKeepDays is how long task_reminders rows are kept.
const reminderKeepDays = 60

// SendReminders adds the reminders that are due at now in the time zone
// loc (the organisation's) and returns how many notifications it added.
// It is idempotent and safe to run on several instances at once.
func (s *Service) SendReminders(ctx context.Context, loc *time.Location, now time.Time) (int, error) {
	if loc == nil {
		loc = time.UTC
	}
	local := now.In(loc)
	if local.Hour() < ReminderHour {
		return 0, nil
	}
	today := civil.In(now, loc)
	type due struct {
		id    int64
		title string
		day   civil.Date
		kind  string
	}
	var todo []due
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.title, t.due_date FROM tasks t JOIN project_statuses s ON s.id = t.status_id
		WHERE s.category <> 'done' AND t.due_date >= ? AND t.due_date <= ?
		AND EXISTS (SELECT 1 FROM task_assignees ta WHERE ta.task_id = t.id)
		ORDER BY t.due_date, t.id`, today.AddDays(-reminderOverdueDays).String(), today.AddDays(1).String())
	if err != nil {
		return 0, fmt.Errorf("project: reminders: %w", err)
	}
	for rows.Next() {
		var d due
		var day string
		if err := rows.Scan(&d.id, &d.title, &day); err != nil {
			rows.Close()
			return 0, fmt.Errorf("project: reminders: %w", err)
		}
		if d.day, err = civil.Parse(day); err != nil {
			rows.Close()
			return 0, fmt.Errorf("project: reminders: %w", err)
		}
		switch {
		case d.day == today.AddDays(1):
			d.kind = ReminderDueTomorrow
		case d.day.Before(today):
			d.kind = ReminderOverdue
		default:
			continue // due today: no reminder
		}
		todo = append(todo, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("project: reminders: %w", err)
	}
	sent := 0
	for _, d := range todo {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		n, err := s.remind(ctx, now, d.id, d.title, d.kind, d.day)
		if err != nil {
			return sent, err
		}
		sent += n
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM task_reminders WHERE sent_at < ?`, db.T(now.AddDate(0, 0, -reminderKeepDays))); err != nil {
		return sent, fmt.Errorf("project: purge reminders: %w", err)
	}
	return sent, nil
}

// remind sends one reminder of kind about task id's due date day, unless
// a row in task_reminders says it went out already.
func (s *Service) remind(ctx context.Context, now time.Time, id int64, title, kind string, day civil.Date) (int, error) {
	sent := 0
	// The reminder row and the notifications are a change by the system:
	// audited like every other (task.reminder).
	err := audit.Write(ctx, s.db, now, actor.System(), func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		sent = 0
		// Re-read inside the transaction: the task may have been moved
		// to a done column, re-dated or deleted since the scan.
		var projectID int64
		var category string
		var dueNow *string
		err := tx.QueryRowContext(ctx, `SELECT t.project_id, s.category, t.due_date FROM tasks t JOIN project_statuses s ON s.id = t.status_id
			WHERE t.id = ?`, id).Scan(&projectID, &category, &dueNow)
		if err != nil || category == "done" || dueNow == nil || *dueNow != day.String() {
			return nil, ignoreNoRows(err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO task_reminders (task_id, kind, day, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			id, kind, day.String(), db.T(now))
		if err != nil {
			return nil, fmt.Errorf("project: reminder: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return nil, err // sent already, by this or another instance
		}
		users, err := db.Query(ctx, tx, taskScanID, `SELECT ta.user_id FROM task_assignees ta JOIN users u ON u.id = ta.user_id
			WHERE ta.task_id = ? AND u.disabled = ? ORDER BY ta.user_id`, id, false)
		if err != nil {
			return nil, fmt.Errorf("project: reminder assignees: %w", err)
		}
		var notes []notify.Note
		for _, u := range users {
			// Someone who lost access to the project hears nothing.
			if _, err := s.access(ctx, tx, actor.Actor{UserID: u}, projectID); err != nil {
				if errors.Is(err, errNotFound) {
					continue
				}
				return nil, err
			}
			notes = append(notes, taskNote(u, kind, id, title, day))
		}
		sent = len(notes)
		return []audit.Event{{Action: "task.reminder", ObjectType: "task", ObjectID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"kind": kind, "due_date": day.String(), "recipients": len(notes)}}}, s.notify(ctx, tx, now, actor.System(), notes...)
	})
	return sent, err
}

func ignoreNoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}
