package project

// Milestones: dated goals of a project, reached (done) or not. Managers
// add, change, mark and delete them; everyone who sees the project reads
// them. Deleting a milestone keeps its tasks: their milestone is cleared
// in the same transaction.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// MaxMilestoneTitleRunes bounds a milestone's title.
const MaxMilestoneTitleRunes = 200

// Milestone is a dated goal of a project.
type Milestone struct {
	ID        int64
	ProjectID int64
	Title     string
	Due       civil.Date
	DoneAt    *time.Time
	CreatedAt time.Time
}

// Done reports whether the milestone is reached.
func (m Milestone) Done() bool { return m.DoneAt != nil }

// NewMilestone is a milestone to add.
type NewMilestone struct {
	Title string
	Due   civil.Date
}

// MilestoneUpdate changes the fields that are not nil; Done marks the
// milestone reached (now) or not reached.
type MilestoneUpdate struct {
	Title *string
	Due   *civil.Date
	Done  *bool
}

func scanMilestone(sc db.Scanner) (Milestone, error) {
	var m Milestone
	var due string
	var done db.NullTime
	var created db.Time
	if err := sc.Scan(&m.ID, &m.ProjectID, &m.Title, &due, &done, &created); err != nil {
		return Milestone{}, err
	}
	d, err := civil.Parse(due)
	if err != nil {
		return Milestone{}, fmt.Errorf("project: milestone: %w", err)
	}
	m.Due, m.DoneAt, m.CreatedAt = d, done.Ptr(), created.Time
	return m, nil
}

const milestoneSelect = "SELECT id, project_id, title, due_date, done_at, created_at FROM milestones"

// Milestones returns the milestones of project id by due date.
func (s *Service) Milestones(ctx context.Context, a actor.Actor, id int64) ([]Milestone, error) {
	if _, err := s.access(ctx, s.db, a, id); err != nil {
		return nil, err
	}
	return milestones(ctx, s.db, id)
}

func milestones(ctx context.Context, q db.Querier, id int64) ([]Milestone, error) {
	ms, err := db.Query(ctx, q, scanMilestone, milestoneSelect+" WHERE project_id = ? ORDER BY due_date, id", id)
	if err != nil {
		return nil, fmt.Errorf("project: milestones: %w", err)
	}
	return ms, nil
}

func milestoneIn(ctx context.Context, q db.Querier, projectID, msID int64) (Milestone, error) {
	m, err := scanMilestone(q.QueryRowContext(ctx, milestoneSelect+" WHERE id = ? AND project_id = ?", msID, projectID))
	if errors.Is(err, sql.ErrNoRows) {
		return Milestone{}, errNotFound
	}
	if err != nil {
		return Milestone{}, fmt.Errorf("project: milestone: %w", err)
	}
	return m, nil
}

func checkDue(d civil.Date) error {
	if d.IsZero() {
		return invalid("invalid_milestone_due", "due_date", "a milestone needs a date")
	}
	return nil
}

// CreateMilestone adds a milestone to project id (manager; audit
// milestone.create).
func (s *Service) CreateMilestone(ctx context.Context, a actor.Actor, id int64, n NewMilestone) (Milestone, error) {
	if err := checkText(&n.Title, 1, MaxMilestoneTitleRunes, "invalid_milestone_title", "title"); err != nil {
		return Milestone{}, err
	}
	if err := checkDue(n.Due); err != nil {
		return Milestone{}, err
	}
	var msID int64
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.require(ctx, tx, a, id, RoleManager); err != nil {
			return nil, err
		}
		if err := tx.QueryRowContext(ctx, "INSERT INTO milestones (project_id, title, due_date, created_at) VALUES (?, ?, ?, ?) RETURNING id",
			id, n.Title, n.Due.String(), db.T(now)).Scan(&msID); err != nil {
			return nil, fmt.Errorf("project: create milestone: %w", err)
		}
		return []audit.Event{{Action: "milestone.create", ObjectType: "milestone", ObjectID: fmt.Sprint(msID), Detail: map[string]any{
			"project_id": id, "due_date": n.Due.String()}}}, nil
	})
	if err != nil {
		return Milestone{}, err
	}
	return milestoneIn(ctx, s.db, id, msID)
}

// UpdateMilestone changes milestone msID of project id (manager; audit
// milestone.update).
func (s *Service) UpdateMilestone(ctx context.Context, a actor.Actor, id, msID int64, u MilestoneUpdate) (Milestone, error) {
	if u.Title != nil {
		if err := checkText(u.Title, 1, MaxMilestoneTitleRunes, "invalid_milestone_title", "title"); err != nil {
			return Milestone{}, err
		}
	}
	if u.Due != nil {
		if err := checkDue(*u.Due); err != nil {
			return Milestone{}, err
		}
	}
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.require(ctx, tx, a, id, RoleManager); err != nil {
			return nil, err
		}
		old, err := milestoneIn(ctx, tx, id, msID)
		if err != nil {
			return nil, err
		}
		m := old
		if u.Title != nil {
			m.Title = *u.Title
		}
		if u.Due != nil {
			m.Due = *u.Due
		}
		if u.Done != nil && *u.Done != old.Done() {
			if *u.Done {
				t := now
				m.DoneAt = &t
			} else {
				m.DoneAt = nil
			}
		}
		if m.Title == old.Title && m.Due == old.Due && m.Done() == old.Done() {
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE milestones SET title = ?, due_date = ?, done_at = ? WHERE id = ?",
			m.Title, m.Due.String(), db.NT(m.DoneAt), msID); err != nil {
			return nil, fmt.Errorf("project: update milestone: %w", err)
		}
		detail := map[string]any{"project_id": id, "due_date": m.Due.String(), "done": m.Done()}
		if m.Title != old.Title {
			detail["title_changed"] = true
		}
		return []audit.Event{{Action: "milestone.update", ObjectType: "milestone", ObjectID: fmt.Sprint(msID), Detail: detail}}, nil
	})
	if err != nil {
		return Milestone{}, err
	}
	return milestoneIn(ctx, s.db, id, msID)
}

// DeleteMilestone deletes milestone msID of project id; its tasks stay and
// lose the milestone (manager; audit milestone.delete).
func (s *Service) DeleteMilestone(ctx context.Context, a actor.Actor, id, msID int64) error {
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.require(ctx, tx, a, id, RoleManager); err != nil {
			return nil, err
		}
		if _, err := milestoneIn(ctx, tx, id, msID); err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, "UPDATE tasks SET milestone_id = NULL WHERE milestone_id = ?", msID)
		if err != nil {
			return nil, fmt.Errorf("project: unlink milestone: %w", err)
		}
		n, _ := res.RowsAffected()
		if _, err := tx.ExecContext(ctx, "DELETE FROM milestones WHERE id = ?", msID); err != nil {
			return nil, fmt.Errorf("project: delete milestone: %w", err)
		}
		return []audit.Event{{Action: "milestone.delete", ObjectType: "milestone", ObjectID: fmt.Sprint(msID), Detail: map[string]any{
			"project_id": id, "tasks_unlinked": n}}}, nil
	})
}
