package project

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/i18n"
	"ortlos/internal/ical"
)

// TaskFeedPast bounds how far back due dates of open tasks appear in a
// person's task feed (overdue tasks older than that are left out).
const TaskFeedPast = 366

// TaskFeedEvents returns the calendar events of a person's task feed (the
// calendar feed kind "tasks" of the absence module, docs/calendar-feeds.md):
// one all-day event on the due date of every open task assigned to
// userID, in projects the person still sees, due at most TaskFeedPast
// days ago. The summary is the task's title, the description names the
// project; UIDs are "task-<id>@<host>", URL the task's page under baseURL
// (none when baseURL is empty). lastMod is the latest change of the tasks
// shown. Events are transparent: a due date does not block time.
func (s *Service) TaskFeedEvents(ctx context.Context, userID int64, lang, host, baseURL string, today civil.Date) ([]ical.Event, time.Time, error) {
	a := actor.Actor{UserID: userID}
	visible, err := s.visible(ctx, s.db, a)
	if err != nil {
		return nil, time.Time{}, err
	}
	type row struct {
		id, project  int64
		title, pname string
		due          string
		updated      db.Time
	}
	rows, err := db.Query(ctx, s.db, func(sc db.Scanner) (row, error) {
		var r row
		return r, sc.Scan(&r.id, &r.project, &r.title, &r.pname, &r.due, &r.updated)
	}, `SELECT t.id, t.project_id, t.title, p.name, t.due_date, t.updated_at
		FROM task_assignees ta JOIN tasks t ON t.id = ta.task_id
		JOIN project_statuses s ON s.id = t.status_id JOIN projects p ON p.id = t.project_id
		WHERE ta.user_id = ? AND t.due_date IS NOT NULL AND t.due_date >= ? AND s.category <> 'done' AND p.template = ?
		ORDER BY t.due_date, t.id`, userID, today.AddDays(-TaskFeedPast).String(), false)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("project: task feed: %w", err)
	}
	l := i18n.For(lang)
	var lastMod time.Time
	events := make([]ical.Event, 0, len(rows))
	for _, r := range rows {
		if _, ok := visible[r.project]; !ok {
			continue
		}
		due, err := civil.Parse(r.due)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("project: task %d: due date: %w", r.id, err)
		}
		if r.updated.Time.After(lastMod) {
			lastMod = r.updated.Time
		}
		e := ical.Event{UID: "task-" + strconv.FormatInt(r.id, 10) + "@" + host, Stamp: r.updated.Time, Start: due,
			Summary: r.title, Description: l.T("taskfeed.description", r.pname), Categories: l.T("taskfeed.category"),
			Transparent: true}
		if baseURL != "" {
			e.URL = baseURL + "/tasks/" + strconv.FormatInt(r.id, 10)
		}
		events = append(events, e)
	}
	return events, lastMod, nil
}
