package worktime

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/holiday"
)

// Bounds of a work model.
const (
	MaxWorkModelNameRunes = 100
	MaxDayMinutes         = 720  // 12 h, more than § 3 ArbZG allows on a day anyway
	MaxWeeklyMinutes      = 3600 // 60 h
)

// WorkDays are the short keys of the weekdays in model order, Monday first;
// they name the form fields and error fields of the seven day values.
var WorkDays = [7]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// WorkModel is a named, immutable distribution of target minutes over the
// week (Arbeitszeitmodell). A change of hours is a new model, so the target
// of a past day never changes.
type WorkModel struct {
	ID        int64
	Name      string
	Minutes   [7]int // Monday .. Sunday
	CreatedAt time.Time
}

// WeeklyMinutes returns the sum of the seven day targets.
func (m WorkModel) WeeklyMinutes() int {
	sum := 0
	for _, v := range m.Minutes {
		sum += v
	}
	return sum
}

// MinutesOn returns the target minutes of the model on weekday wd.
func (m WorkModel) MinutesOn(wd time.Weekday) int { return m.Minutes[(int(wd)+6)%7] }

// NewWorkModel is the input of CreateWorkModel.
type NewWorkModel struct {
	Name    string
	Minutes [7]int // Monday .. Sunday
}

// WorkModelAssignment says that a person works under a model from
// ValidFrom on, until the next assignment of that person.
type WorkModelAssignment struct {
	ID        int64
	UserID    int64
	Model     WorkModel
	ValidFrom civil.Date
	CreatedAt time.Time
}

// UserRef names a person in pick lists.
type UserRef struct {
	ID          int64
	Username    string
	DisplayName string
}

// validate normalises and checks a new model: the name is trimmed and 1 to
// 100 characters long, each day 0 to 720 minutes, the week 1 to 3600.
func (n *NewWorkModel) validate() error {
	n.Name = strings.TrimSpace(n.Name)
	e := apperr.Invalidf("invalid_work_model", "the work model is not valid")
	bad := false
	if l := utf8.RuneCountInString(n.Name); l == 0 || l > MaxWorkModelNameRunes {
		e.WithField("name", "invalid_work_model_name")
		bad = true
	}
	sum := 0
	for i, v := range n.Minutes {
		if v < 0 || v > MaxDayMinutes {
			e.WithField("minutes_"+WorkDays[i], "invalid_day_minutes")
			bad = true
		}
		sum += v
	}
	if !bad && (sum < 1 || sum > MaxWeeklyMinutes) {
		e.WithField("minutes", "invalid_weekly_minutes")
		bad = true
	}
	if bad {
		return e
	}
	return nil
}

const selectWorkModel = `SELECT id, name, mon_minutes, tue_minutes, wed_minutes, thu_minutes, fri_minutes, sat_minutes, sun_minutes, created_at FROM work_models`

func scanWorkModel(row db.Scanner) (WorkModel, error) {
	var m WorkModel
	var created db.Time
	err := row.Scan(&m.ID, &m.Name, &m.Minutes[0], &m.Minutes[1], &m.Minutes[2], &m.Minutes[3], &m.Minutes[4], &m.Minutes[5], &m.Minutes[6], &created)
	m.CreatedAt = created.Time
	return m, err
}

// CreateWorkModel adds a work model. Only HR and administrators may; a name
// in use is a conflict (work_model_name_taken).
func (s *Service) CreateWorkModel(ctx context.Context, a actor.Actor, n NewWorkModel) (WorkModel, error) {
	if err := canManageWorkModels(a); err != nil {
		return WorkModel{}, err
	}
	if err := n.validate(); err != nil {
		return WorkModel{}, err
	}
	var out WorkModel
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO work_models
			(name, mon_minutes, tue_minutes, wed_minutes, thu_minutes, fri_minutes, sat_minutes, sun_minutes, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			n.Name, n.Minutes[0], n.Minutes[1], n.Minutes[2], n.Minutes[3], n.Minutes[4], n.Minutes[5], n.Minutes[6], db.T(now), actorID(a)).Scan(&id)
		if db.IsUniqueViolation(err) {
			return nil, apperr.Conflictf("work_model_name_taken", "a work model with this name exists").WithField("name", "work_model_name_taken")
		}
		if err != nil {
			return nil, fmt.Errorf("worktime: insert work model: %w", err)
		}
		out = WorkModel{ID: id, Name: n.Name, Minutes: n.Minutes, CreatedAt: now}
		return []audit.Event{{Action: "work_model.create", ObjectType: "work_model", ObjectID: itoa(id),
			Detail: map[string]any{"name": n.Name, "minutes": n.Minutes[:], "weekly_minutes": out.WeeklyMinutes()}}}, nil
	})
	if err != nil {
		return WorkModel{}, err
	}
	return out, nil
}

// ListWorkModels returns all work models by name. Every signed-in person
// may read them: a model is a contract template, not personal data.
func (s *Service) ListWorkModels(ctx context.Context, a actor.Actor) ([]WorkModel, error) {
	if !canViewWorkModels(a) {
		return nil, errNotFound
	}
	out, err := db.Query(ctx, s.db, scanWorkModel, selectWorkModel+" ORDER BY name, id")
	if err != nil {
		return nil, fmt.Errorf("worktime: list work models: %w", err)
	}
	return out, nil
}

// GetWorkModel returns one work model, or NotFound.
func (s *Service) GetWorkModel(ctx context.Context, a actor.Actor, id int64) (WorkModel, error) {
	if !canViewWorkModels(a) {
		return WorkModel{}, errNotFound
	}
	return getWorkModel(ctx, s.db, id)
}

func getWorkModel(ctx context.Context, q db.Querier, id int64) (WorkModel, error) {
	m, err := scanWorkModel(q.QueryRowContext(ctx, selectWorkModel+" WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return WorkModel{}, errNotFound
	}
	if err != nil {
		return WorkModel{}, fmt.Errorf("worktime: get work model: %w", err)
	}
	return m, nil
}

// AssignWorkModel lets userID work under model modelID from validFrom on.
// Only HR and administrators may. Assignments are history: they are never
// changed or deleted; a second assignment of the same person on the same
// day is a conflict (work_model_date_taken). An unknown person is
// NotFound, an unknown model invalid (unknown_work_model).
func (s *Service) AssignWorkModel(ctx context.Context, a actor.Actor, userID, modelID int64, validFrom civil.Date) (WorkModelAssignment, error) {
	if err := canManageWorkModels(a); err != nil {
		return WorkModelAssignment{}, err
	}
	if validFrom.IsZero() {
		return WorkModelAssignment{}, apperr.Invalidf("invalid_valid_from", "valid_from must be a date").WithField("valid_from", "invalid_valid_from")
	}
	var out WorkModelAssignment
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := userSupervisor(ctx, tx, userID); err != nil {
			return nil, err
		}
		m, err := getWorkModel(ctx, tx, modelID)
		if apperr.KindOf(err) == apperr.NotFound {
			return nil, apperr.Invalidf("unknown_work_model", "no such work model").WithField("work_model_id", "unknown_work_model")
		}
		if err != nil {
			return nil, err
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO user_work_models (user_id, work_model_id, valid_from, created_at, created_by)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, userID, modelID, validFrom.String(), db.T(now), actorID(a)).Scan(&id)
		if db.IsUniqueViolation(err) {
			return nil, apperr.Conflictf("work_model_date_taken", "the person already has a work model from this day").WithField("valid_from", "work_model_date_taken")
		}
		if err != nil {
			return nil, fmt.Errorf("worktime: insert work model assignment: %w", err)
		}
		out = WorkModelAssignment{ID: id, UserID: userID, Model: m, ValidFrom: validFrom, CreatedAt: now}
		return []audit.Event{{Action: "work_model.assign", ObjectType: "user_work_model", ObjectID: itoa(id),
			Detail: map[string]any{"user_id": userID, "work_model_id": modelID, "valid_from": validFrom.String()}}}, nil
	})
	if err != nil {
		return WorkModelAssignment{}, err
	}
	return out, nil
}

// ListWorkModelAssignments returns the assignment history of userID,
// oldest first. The person, their lead, HR and administrators see it;
// everyone else gets NotFound.
func (s *Service) ListWorkModelAssignments(ctx context.Context, a actor.Actor, userID int64) ([]WorkModelAssignment, error) {
	supervisor, err := userSupervisor(ctx, s.db, userID)
	if err != nil {
		return nil, err
	}
	if !canViewWorkModelAssignments(a, userID, supervisor) {
		return nil, errNotFound
	}
	return assignments(ctx, s.db, userID, nil)
}

// assignments returns the assignments of userID, oldest first; with upTo
// only those valid from a day not after *upTo.
func assignments(ctx context.Context, q db.Querier, userID int64, upTo *civil.Date) ([]WorkModelAssignment, error) {
	query := `SELECT a.id, a.user_id, a.valid_from, a.created_at,
		m.id, m.name, m.mon_minutes, m.tue_minutes, m.wed_minutes, m.thu_minutes, m.fri_minutes, m.sat_minutes, m.sun_minutes, m.created_at
		FROM user_work_models a JOIN work_models m ON m.id = a.work_model_id
		WHERE a.user_id = ?`
	args := []any{userID}
	if upTo != nil {
		// 'YYYY-MM-DD' text sorts like the dates it holds.
		query += " AND a.valid_from <= ?"
		args = append(args, upTo.String())
	}
	out, err := db.Query(ctx, q, func(row db.Scanner) (WorkModelAssignment, error) {
		var x WorkModelAssignment
		var from string
		var created, mCreated db.Time
		m := &x.Model
		if err := row.Scan(&x.ID, &x.UserID, &from, &created,
			&m.ID, &m.Name, &m.Minutes[0], &m.Minutes[1], &m.Minutes[2], &m.Minutes[3], &m.Minutes[4], &m.Minutes[5], &m.Minutes[6], &mCreated); err != nil {
			return x, err
		}
		d, err := civil.Parse(from)
		if err != nil {
			return x, err
		}
		x.ValidFrom, x.CreatedAt, m.CreatedAt = d, created.Time, mCreated.Time
		return x, nil
	}, query+" ORDER BY a.valid_from", args...)
	if err != nil {
		return nil, fmt.Errorf("worktime: list work model assignments: %w", err)
	}
	return out, nil
}

// TargetMinutes returns the target working minutes (Sollzeit) of userID on
// every day from from to to (inclusive, at most 400 days). It is internal
// (no actor): the flexitime account and reports call it after their own
// permission checks.
//
// The target of a day is the minutes of its weekday in the model valid on
// that day (the assignment with the greatest valid_from not after it); 0
// before the first assignment; 0 on statewide statutory holidays of state
// (a Land code such as "NW"). Regional holidays (e.g. Mariä Himmelfahrt in
// parts of Bavaria, Fronleichnam in parts of Saxony) do not reduce the
// target: whether they apply depends on the municipality of the workplace,
// which ortlos does not know; such days off are booked as absences.
// Targets depend on dates only, so DST changes play no part.
func (s *Service) TargetMinutes(ctx context.Context, userID int64, state string, from, to civil.Date) (map[civil.Date]int, error) {
	return targetMinutes(ctx, s.db, userID, state, from, to)
}

// targetMinutes is TargetMinutes reading through q (a transaction sees its
// own changes).
func targetMinutes(ctx context.Context, q db.Querier, userID int64, state string, from, to civil.Date) (map[civil.Date]int, error) {
	if holiday.StateName(state) == "" {
		return nil, apperr.Invalidf("unknown_state", "unknown federal state %q", state).WithField("state", "unknown_state")
	}
	if from.IsZero() || to.IsZero() || to.Before(from) || from.DaysUntil(to) > maxListDays {
		return nil, apperr.Invalidf("invalid_range", "from must be a date not after to, at most %d days apart", maxListDays).WithField("to", "invalid_range")
	}
	if _, err := userSupervisor(ctx, q, userID); err != nil {
		return nil, err
	}
	hist, err := assignments(ctx, q, userID, &to)
	if err != nil {
		return nil, err
	}
	return targetsFrom(hist, state, from, to), nil
}

// targetsFrom computes the target minutes of every day from from to to
// from a person's assignment history (ordered by valid_from): the rule of
// TargetMinutes, shared with the bulk loading of the compliance report.
func targetsFrom(hist []WorkModelAssignment, state string, from, to civil.Date) map[civil.Date]int {
	var cal holiday.Calendar
	out := make(map[civil.Date]int, from.DaysUntil(to)+1)
	next := 0
	var current *WorkModel
	for d := from; !d.After(to); d = d.AddDays(1) {
		for next < len(hist) && !hist[next].ValidFrom.After(d) {
			current = &hist[next].Model
			next++
		}
		target := 0
		if current != nil {
			target = current.MinutesOn(d.Weekday())
		}
		if _, statewide, ok := cal.Holiday(state, d); ok && statewide {
			target = 0
		}
		out[d] = target
	}
	return out
}

// AssignableUsers lists the people a work model can be assigned to (all
// users, disabled ones included, because history may need recording), by
// display name. Only HR and administrators may.
func (s *Service) AssignableUsers(ctx context.Context, a actor.Actor) ([]UserRef, error) {
	if !canAssignWorkModels(a) {
		return nil, errNotFound
	}
	out, err := db.Query(ctx, s.db, func(row db.Scanner) (UserRef, error) {
		var u UserRef
		err := row.Scan(&u.ID, &u.Username, &u.DisplayName)
		return u, err
	}, "SELECT id, username, display_name FROM users ORDER BY display_name, username, id")
	if err != nil {
		return nil, fmt.Errorf("worktime: list users: %w", err)
	}
	return out, nil
}

// actorID is the created_by value of a: NULL for the system and the CLI.
func actorID(a actor.Actor) any {
	if a.UserID != 0 {
		return a.UserID
	}
	return nil
}
