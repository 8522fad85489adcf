package absence

import (
	"context"
	"fmt"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/notify"
)

// Notifier adds notifications inside the transaction of a change
// (notify.Service).
type Notifier interface {
	Add(ctx context.Context, tx *db.Tx, now time.Time, a actor.Actor, notes ...notify.Note) error
}

// WithNotifier returns a copy of s that tells the people who must act
// (substitute, lead or deputy, HR) and the person concerned about each
// step of the workflow. Notes carry names and dates only: never the type
// or notes of an absence, which may be health data and may leave the
// system by e-mail.
func (s *Service) WithNotifier(n Notifier) *Service {
	c := *s
	c.notifier = n
	return &c
}

// notify adds notes in tx; without a notifier it does nothing.
func (s *Service) notify(ctx context.Context, tx *db.Tx, now time.Time, a actor.Actor, notes ...notify.Note) error {
	if s.notifier == nil || len(notes) == 0 {
		return nil
	}
	return s.notifier.Add(ctx, tx, now, a, notes...)
}

// noteTo is a notification about absence id to userID; args follow kind's
// text ("notify.absence.<kind>").
func noteTo(userID int64, kind string, id int64, args ...any) notify.Note {
	return notify.Note{UserID: userID, Kind: "absence." + kind, Args: args, Link: "/absences/" + itoa(id)}
}

// deciders returns who decides the requests of ownerID: the supervisor
// holding the lead role and, while that lead is away, their deputy; HR
// when the person has no such lead.
func (s *Service) deciders(ctx context.Context, q db.Querier, ownerID, supervisor int64) ([]int64, error) {
	scan := func(row db.Scanner) (int64, error) {
		var id int64
		err := row.Scan(&id)
		return id, err
	}
	today := s.Today().String()
	ids, err := db.Query(ctx, q, scan, `SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role_id = ?
		WHERE u.id = ? AND u.disabled = ?
		UNION SELECT d.deputy_id FROM lead_deputies d JOIN users du ON du.id = d.deputy_id
		WHERE d.lead_id = ? AND du.disabled = ? AND `+awayPredicate,
		actor.RoleLead, supervisor, false, supervisor, false, actor.RoleLead, StatusApproved, today, today)
	if err != nil {
		return nil, fmt.Errorf("absence: deciders: %w", err)
	}
	if len(ids) > 0 {
		return ids, nil
	}
	ids, err = db.Query(ctx, q, scan, `SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role_id = ?
		WHERE u.disabled = ? AND u.id <> ? ORDER BY u.id`, actor.RoleHR, false, ownerID)
	if err != nil {
		return nil, fmt.Errorf("absence: deciders: %w", err)
	}
	return ids, nil
}

// toDeciders returns the note of kind about absence id of owner (named
// name, supervisor supervisor) for each of its deciders.
func (s *Service) toDeciders(ctx context.Context, tx *db.Tx, kind string, id, owner, supervisor int64, name string, start, end civil.Date) ([]notify.Note, error) {
	ids, err := s.deciders(ctx, tx, owner, supervisor)
	if err != nil {
		return nil, err
	}
	notes := make([]notify.Note, 0, len(ids))
	for _, u := range ids {
		notes = append(notes, noteTo(u, kind, id, name, start, end))
	}
	return notes, nil
}

// requested notifies about the new request id: its substitute when one is
// named and has not confirmed, else its deciders.
func (s *Service) requested(ctx context.Context, tx *db.Tx, now time.Time, a actor.Actor, id int64, p person, substitute int64, start, end civil.Date) error {
	if substitute != 0 {
		return s.notify(ctx, tx, now, a, noteTo(substitute, "substitute_asked", id, p.name, start, end))
	}
	notes, err := s.toDeciders(ctx, tx, "decide", id, p.id, p.supervisor, p.name, start, end)
	if err != nil {
		return err
	}
	return s.notify(ctx, tx, now, a, notes...)
}

// cancelled notifies about the cancellation of the approved absence r by
// a: its deciders and substitute when the person cancels, the person when
// someone else (HR) does.
func (s *Service) cancelled(ctx context.Context, tx *db.Tx, now time.Time, a actor.Actor, r row) error {
	if a.UserID != r.UserID {
		name := "ortlos"
		if a.UserID != 0 {
			p, err := s.person(ctx, tx, a.UserID)
			if err != nil {
				return err
			}
			name = p.name
		}
		return s.notify(ctx, tx, now, a, noteTo(r.UserID, "cancelled", r.ID, name, r.Start, r.End))
	}
	notes, err := s.toDeciders(ctx, tx, "cancelled", r.ID, r.UserID, r.supervisor, r.UserName, r.Start, r.End)
	if err != nil {
		return err
	}
	notes = append(notes, noteTo(r.SubstituteID, "cancelled", r.ID, r.UserName, r.Start, r.End))
	return s.notify(ctx, tx, now, a, notes...)
}
