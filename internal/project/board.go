package project

import (
	"context"
	"fmt"

	"ortlos/internal/actor"
	"ortlos/internal/db"
)

// BoardCard is a task as the Kanban board shows it: the list fields with
// assignees and labels, and the progress of its checklist.
type BoardCard struct {
	Task
	ChecklistDone, ChecklistTotal int
}

// BoardLane is a column of the board with its cards in rank order.
type BoardLane struct {
	Column BoardColumn
	Cards  []BoardCard
	// OverLimit reports more cards than the column's WIP limit.
	OverLimit bool
}

// Board is a project's Kanban board.
type Board struct {
	ProjectID int64
	// Role is the reader's role in the project.
	Role  Role
	Lanes []BoardLane
	// Cards counts all cards of the board.
	Cards int
}

// Board returns the board of project id: its columns in position order,
// each with all its cards in rank order. Viewers read it. It costs six
// queries however many cards the board holds (no query per card or
// column).
func (s *Service) Board(ctx context.Context, a actor.Actor, id int64) (Board, error) {
	role, err := s.require(ctx, s.db, a, id, RoleViewer)
	if err != nil {
		return Board{}, err
	}
	cols, err := columns(ctx, s.db, id)
	if err != nil {
		return Board{}, err
	}
	b := Board{ProjectID: id, Role: role, Lanes: make([]BoardLane, len(cols))}
	lane := make(map[int64]int, len(cols))
	for i, c := range cols {
		b.Lanes[i].Column = c
		lane[c.ID] = i
	}
	tasks, err := db.Query(ctx, s.db, scanTask, `SELECT `+taskFields+` FROM tasks t JOIN project_statuses s ON s.id = t.status_id
		WHERE t.project_id = ? ORDER BY s.position, s.id, t.rank`, id)
	if err != nil {
		return Board{}, fmt.Errorf("project: board tasks: %w", err)
	}
	// Where each task lands: lane and index in it.
	type at struct{ lane, i int }
	where := make(map[int64]at, len(tasks))
	for _, t := range tasks {
		l, ok := lane[t.StatusID]
		if !ok {
			continue
		}
		t.Role = role
		where[t.ID] = at{l, len(b.Lanes[l].Cards)}
		b.Lanes[l].Cards = append(b.Lanes[l].Cards, BoardCard{Task: t})
	}
	b.Cards = len(where)
	card := func(taskID int64) *BoardCard {
		w, ok := where[taskID]
		if !ok {
			return nil
		}
		return &b.Lanes[w.lane].Cards[w.i]
	}
	if len(where) > 0 {
		if err := boardRows(ctx, s.db, `SELECT ta.task_id, u.id, u.display_name FROM task_assignees ta
			JOIN tasks t ON t.id = ta.task_id JOIN users u ON u.id = ta.user_id
			WHERE t.project_id = ? ORDER BY u.display_name, u.id`, id, func(row db.Scanner) error {
			var tid int64
			var p TaskPerson
			if err := row.Scan(&tid, &p.ID, &p.Name); err != nil {
				return err
			}
			if c := card(tid); c != nil {
				c.Assignees = append(c.Assignees, p)
			}
			return nil
		}); err != nil {
			return Board{}, fmt.Errorf("project: board assignees: %w", err)
		}
		if err := boardRows(ctx, s.db, `SELECT tl.task_id, l.id, l.name, l.color FROM task_labels tl
			JOIN project_labels l ON l.id = tl.label_id JOIN tasks t ON t.id = tl.task_id
			WHERE t.project_id = ? ORDER BY l.name, l.id`, id, func(row db.Scanner) error {
			var tid int64
			var l TaskLabel
			if err := row.Scan(&tid, &l.ID, &l.Name, &l.Color); err != nil {
				return err
			}
			if c := card(tid); c != nil {
				c.Labels = append(c.Labels, l)
			}
			return nil
		}); err != nil {
			return Board{}, fmt.Errorf("project: board labels: %w", err)
		}
		if err := boardRows(ctx, s.db, `SELECT c.task_id, COUNT(*), SUM(CASE WHEN c.done THEN 1 ELSE 0 END) FROM task_checklist c
			JOIN tasks t ON t.id = c.task_id WHERE t.project_id = ? GROUP BY c.task_id`, id, func(row db.Scanner) error {
			var tid int64
			var total, done int
			if err := row.Scan(&tid, &total, &done); err != nil {
				return err
			}
			if c := card(tid); c != nil {
				c.ChecklistTotal, c.ChecklistDone = total, done
			}
			return nil
		}); err != nil {
			return Board{}, fmt.Errorf("project: board checklists: %w", err)
		}
	}
	for i := range b.Lanes {
		l := &b.Lanes[i]
		// The count of the cards read, not of the column query: both read
		// outside a transaction.
		l.Column.Tasks = len(l.Cards)
		l.OverLimit = l.Column.WIPLimit > 0 && len(l.Cards) > l.Column.WIPLimit
	}
	return b, nil
}

// boardRows runs query with one argument and calls fn for each row.
func boardRows(ctx context.Context, q db.Querier, query string, arg any, fn func(db.Scanner) error) error {
	rows, err := q.QueryContext(ctx, query, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
