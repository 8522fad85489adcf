package worktime

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// maxListDays bounds ListEntries so that one request cannot read years.
const maxListDays = 400

// ListEntries returns the intervals of userID that overlap the calendar
// days from to to (inclusive) in the organisation's zone, ordered by start.
// People see their own entries; admins, HR and the person's lead see
// theirs; everyone else gets NotFound.
func (s *Service) ListEntries(ctx context.Context, a actor.Actor, userID int64, from, to civil.Date) ([]Entry, error) {
	supervisor, err := userSupervisor(ctx, s.db, userID)
	if err != nil {
		return nil, err
	}
	if !canViewEntries(a, userID, supervisor) {
		return nil, errNotFound
	}
	if from.IsZero() || to.IsZero() || to.Before(from) || from.DaysUntil(to) > maxListDays {
		return nil, apperr.Invalidf("invalid_range", "from must be a date not after to, at most %d days apart", maxListDays).WithField("to", "invalid_range")
	}
	out, err := entriesBetween(ctx, s.db, userID, from.Start(s.loc), to.AddDays(1).Start(s.loc))
	if err != nil {
		return nil, err
	}
	return out, nil
}

// userSupervisor returns the supervisor of userID (0: none), or NotFound.
func userSupervisor(ctx context.Context, q db.Querier, userID int64) (int64, error) {
	var sup sql.NullInt64
	err := q.QueryRowContext(ctx, "SELECT supervisor_id FROM users WHERE id = ?", userID).Scan(&sup)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("worktime: get user: %w", err)
	}
	return sup.Int64, nil
}
