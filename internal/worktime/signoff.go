package worktime

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// YearMonth is a calendar month, the unit of sign-off and flexitime
// closing.
type YearMonth struct {
	Year  int
	Month time.Month
}

// MonthOf returns the month of d.
func MonthOf(d civil.Date) YearMonth { return YearMonth{d.Year, d.Month} }

// ParseYearMonth parses "2026-10".
func ParseYearMonth(s string) (YearMonth, error) {
	y, m, ok := strings.Cut(s, "-")
	year, err1 := strconv.Atoi(y)
	month, err2 := strconv.Atoi(m)
	if !ok || len(y) != 4 || len(m) != 2 || err1 != nil || err2 != nil || month < 1 || month > 12 {
		return YearMonth{}, apperr.Invalidf("invalid_month", "month must look like 2026-10").WithField("month", "invalid_month")
	}
	return YearMonth{year, time.Month(month)}, nil
}

// String returns "2026-10", the key of worktime_months.
func (m YearMonth) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// First and Last return the first and last day of the month.
func (m YearMonth) First() civil.Date { return civil.D(m.Year, m.Month, 1) }
func (m YearMonth) Last() civil.Date  { return civil.D(m.Year, m.Month+1, 1).AddDays(-1) }

// Next and Prev return the neighbouring months.
func (m YearMonth) Next() YearMonth { return MonthOf(m.First().AddDays(32)) }
func (m YearMonth) Prev() YearMonth { return MonthOf(m.First().AddDays(-1)) }

// Before reports whether m is earlier than o.
func (m YearMonth) Before(o YearMonth) bool { return m.First().Before(o.First()) }

// monthKey is the 'YYYY-MM' key of the month of d in worktime_months.
func monthKey(d civil.Date) string { return MonthOf(d).String() }

// MonthStatus is the sign-off state of a person's month. Figures are
// frozen when the lead countersigns (Closed); before that they are zero.
type MonthStatus struct {
	UserID           int64
	Month            YearMonth
	EmployeeSignedAt *time.Time
	EmployeeSignedBy int64
	LeadSignedAt     *time.Time
	LeadSignedBy     int64
	TargetMinutes    int
	WorkedMinutes    int
	BalanceMinutes   int
	ForfeitedMinutes int
	AccountMinutes   int
}

// Signed reports that the employee confirmed the month: it is locked.
func (m MonthStatus) Signed() bool { return m.EmployeeSignedAt != nil }

// Closed reports that the lead countersigned: the figures are frozen.
func (m MonthStatus) Closed() bool { return m.LeadSignedAt != nil }

const monthStatusColumns = `user_id, month, employee_signed_at, employee_signed_by, lead_signed_at, lead_signed_by,
	target_minutes, worked_minutes, balance_minutes, forfeited_minutes, account_minutes`

func scanMonthStatus(row db.Scanner) (MonthStatus, error) {
	var m MonthStatus
	var key string
	var es, ls db.NullTime
	var eb, lb sql.NullInt64
	err := row.Scan(&m.UserID, &key, &es, &eb, &ls, &lb, &m.TargetMinutes, &m.WorkedMinutes, &m.BalanceMinutes, &m.ForfeitedMinutes, &m.AccountMinutes)
	if err != nil {
		return m, err
	}
	m.Month, err = ParseYearMonth(key)
	m.EmployeeSignedAt, m.LeadSignedAt = es.Ptr(), ls.Ptr()
	m.EmployeeSignedBy, m.LeadSignedBy = eb.Int64, lb.Int64
	return m, err
}

// monthStatus returns the status row of the month; a month without a row
// is open (not signed).
func monthStatus(ctx context.Context, q db.Querier, userID int64, m YearMonth) (MonthStatus, error) {
	st, err := scanMonthStatus(q.QueryRowContext(ctx, "SELECT "+monthStatusColumns+" FROM worktime_months WHERE user_id = ? AND month = ?", userID, m.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return MonthStatus{UserID: userID, Month: m}, nil
	}
	if err != nil {
		return MonthStatus{}, fmt.Errorf("worktime: month status: %w", err)
	}
	return st, nil
}

// monthLocked reports whether the month of d is signed off by the
// employee for userID: entries of a locked month change only through a
// correction the lead approves.
func monthLocked(ctx context.Context, q db.Querier, userID int64, d civil.Date) (bool, error) {
	st, err := monthStatus(ctx, q, userID, MonthOf(d))
	return st.Signed(), err
}

// lastClosed returns the latest closed month of userID before m, if any.
func lastClosed(ctx context.Context, q db.Querier, userID int64, before YearMonth) (MonthStatus, bool, error) {
	st, err := scanMonthStatus(q.QueryRowContext(ctx, "SELECT "+monthStatusColumns+
		" FROM worktime_months WHERE user_id = ? AND lead_signed_at IS NOT NULL AND month < ? ORDER BY month DESC LIMIT 1", userID, before.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return MonthStatus{}, false, nil
	}
	if err != nil {
		return MonthStatus{}, false, fmt.Errorf("worktime: last closed month: %w", err)
	}
	return st, true, nil
}

// userState returns the Bundesland of userID, the organisation's default
// when the user has none recorded.
func (s *Service) userState(ctx context.Context, q db.Querier, userID int64) (string, error) {
	var state string
	err := q.QueryRowContext(ctx, "SELECT state FROM users WHERE id = ?", userID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errNotFound
	}
	if err != nil {
		return "", fmt.Errorf("worktime: user state: %w", err)
	}
	if state == "" {
		state = s.policy.DefaultState
	}
	return state, nil
}

// SignMonth records that the actor confirms their own month: the month
// must be over and nothing may still be running in it. A signed month is
// locked; corrections then need the lead's approval.
func (s *Service) SignMonth(ctx context.Context, a actor.Actor, m YearMonth) (MonthStatus, error) {
	if err := canClock(a); err != nil {
		return MonthStatus{}, err
	}
	if !m.Last().Before(s.Today()) {
		return MonthStatus{}, apperr.Conflictf("month_not_over", "a month can be signed off once it is over")
	}
	var out MonthStatus
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := lockUser(ctx, tx, a.UserID); err != nil {
			return nil, err
		}
		st, err := monthStatus(ctx, tx, a.UserID, m)
		if err != nil {
			return nil, err
		}
		if st.Signed() {
			return nil, apperr.Conflictf("month_already_signed", "the month is already signed off")
		}
		running, err := runningIn(ctx, tx, a.UserID, s.loc, m)
		if err != nil {
			return nil, err
		}
		if running {
			return nil, apperr.Conflictf("month_running_entry", "an interval of the month is still running; clock out first")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO worktime_months (user_id, month, employee_signed_at, employee_signed_by, updated_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (user_id, month) DO UPDATE SET employee_signed_at = excluded.employee_signed_at,
				employee_signed_by = excluded.employee_signed_by, updated_at = excluded.updated_at`,
			a.UserID, m.String(), db.T(now), a.UserID, db.T(now)); err != nil {
			return nil, fmt.Errorf("worktime: sign month: %w", err)
		}
		out = MonthStatus{UserID: a.UserID, Month: m, EmployeeSignedAt: &now, EmployeeSignedBy: a.UserID}
		return []audit.Event{{Action: "worktime.month_sign", ObjectType: "worktime_month", ObjectID: itoa(a.UserID) + "/" + m.String(),
			Detail: map[string]any{"user_id": a.UserID, "month": m.String()}}}, nil
	})
	return out, err
}

// runningIn reports whether userID has a running interval that started
// before the end of m.
func runningIn(ctx context.Context, q db.Querier, userID int64, loc *time.Location, m YearMonth) (bool, error) {
	last, ok, err := lastEntry(ctx, q, userID)
	if err != nil || !ok {
		return false, err
	}
	return last.Running() && last.Start.Before(m.Next().First().Start(loc)), nil
}

// canCountersign: the person's lead countersigns; HR and administrators
// may as deputies. Nobody countersigns their own month.
func canCountersign(a actor.Actor, ownerID, ownerSupervisorID int64) bool {
	if a.UserID == ownerID && !a.Privileged() {
		return false
	}
	return a.IsAdmin() || a.Has(actor.RoleHR) || (a.Has(actor.RoleLead) && ownerSupervisorID == a.UserID && a.UserID != 0)
}

// CountersignMonth closes a month the employee signed: the month's target,
// working time and balance are frozen and the flexitime account is carried
// forward with the caps of the policy. Months close in order: the month
// before must be closed unless it lies before the person's first work
// model.
func (s *Service) CountersignMonth(ctx context.Context, a actor.Actor, userID int64, m YearMonth) (MonthStatus, error) {
	if err := s.checkCountersign(ctx, a, userID); err != nil {
		return MonthStatus{}, err
	}
	var out MonthStatus
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := lockUser(ctx, tx, userID); err != nil {
			return nil, err
		}
		st, err := monthStatus(ctx, tx, userID, m)
		if err != nil {
			return nil, err
		}
		switch {
		case !st.Signed():
			return nil, apperr.Conflictf("month_not_signed", "the employee has not signed off the month yet")
		case st.Closed():
			return nil, apperr.Conflictf("month_already_closed", "the month is already countersigned")
		}
		start, active, err := flexitimeStart(ctx, tx, userID)
		if err != nil {
			return nil, err
		}
		if prev := m.Prev(); active && !prev.Before(start) {
			p, err := monthStatus(ctx, tx, userID, prev)
			if err != nil {
				return nil, err
			}
			if !p.Closed() {
				return nil, apperr.Conflictf("previous_month_open", "the month before (%s) must be countersigned first", prev)
			}
		}
		st.LeadSignedAt, st.LeadSignedBy = &now, a.UserID
		if err := s.closeMonth(ctx, tx, &st, now); err != nil {
			return nil, err
		}
		out = st
		return []audit.Event{{Action: "worktime.month_countersign", ObjectType: "worktime_month", ObjectID: itoa(userID) + "/" + m.String(),
			Detail: closingDetail(st)}}, nil
	})
	return out, err
}

func closingDetail(st MonthStatus) map[string]any {
	return map[string]any{"user_id": st.UserID, "month": st.Month.String(), "target_minutes": st.TargetMinutes,
		"worked_minutes": st.WorkedMinutes, "balance_minutes": st.BalanceMinutes,
		"forfeited_minutes": st.ForfeitedMinutes, "account_minutes": st.AccountMinutes}
}

// closeMonth computes the frozen figures of st (a month being closed or
// recalculated) inside tx and stores them with the lead's signature.
func (s *Service) closeMonth(ctx context.Context, tx *db.Tx, st *MonthStatus, now time.Time) error {
	state, err := s.userState(ctx, tx, st.UserID)
	if err != nil {
		return err
	}
	opening, err := s.accountBefore(ctx, tx, st.UserID, state, st.Month)
	if err != nil {
		return err
	}
	v, err := s.monthView(ctx, tx, st.UserID, state, st.Month.Year, st.Month.Month)
	if err != nil {
		return err
	}
	st.TargetMinutes, st.WorkedMinutes, st.BalanceMinutes = v.Totals.TargetMinutes, v.Totals.WorkedMinutes, v.Totals.BalanceMinutes
	st.ForfeitedMinutes, st.AccountMinutes = s.policy.cap(st.Month, opening+st.BalanceMinutes)
	if _, err := tx.ExecContext(ctx, `UPDATE worktime_months SET lead_signed_at = ?, lead_signed_by = ?, target_minutes = ?, worked_minutes = ?,
		balance_minutes = ?, forfeited_minutes = ?, account_minutes = ?, updated_at = ? WHERE user_id = ? AND month = ?`,
		db.NT(st.LeadSignedAt), db.NullID(st.LeadSignedBy), st.TargetMinutes, st.WorkedMinutes, st.BalanceMinutes, st.ForfeitedMinutes, st.AccountMinutes,
		db.T(now), st.UserID, st.Month.String()); err != nil {
		return fmt.Errorf("worktime: close month: %w", err)
	}
	return nil
}

// cap applies the caps of the policy to the account at the closing of m:
// credit above FlexitimeMaxPlusMinutes (in December above the smaller
// FlexitimeYearCarryoverMinutes) is forfeited. A debit is never cut.
func (p Policy) cap(m YearMonth, account int) (forfeited, kept int) {
	limit := p.FlexitimeMaxPlusMinutes
	if m.Month == time.December && p.FlexitimeYearCarryoverMinutes < limit {
		limit = p.FlexitimeYearCarryoverMinutes
	}
	if account > limit {
		return account - limit, limit
	}
	return 0, account
}

// ReopenMonth withdraws the signatures of a month. The lead may return a
// month the employee signed but nobody countersigned yet; HR and
// administrators may also reopen a closed month, the latest closed one
// only (the accounts of later months build on it). A reason is required.
func (s *Service) ReopenMonth(ctx context.Context, a actor.Actor, userID int64, m YearMonth, reason string) (MonthStatus, error) {
	if err := s.checkCountersign(ctx, a, userID); err != nil {
		return MonthStatus{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return MonthStatus{}, apperr.Invalidf("reopen_reason_required", "give a reason of at most 500 characters").WithField("reason", "reopen_reason_required")
	}
	var out MonthStatus
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := lockUser(ctx, tx, userID); err != nil {
			return nil, err
		}
		st, err := monthStatus(ctx, tx, userID, m)
		if err != nil {
			return nil, err
		}
		if !st.Signed() {
			return nil, apperr.Conflictf("month_not_signed", "the month is not signed off")
		}
		if st.Closed() {
			if !a.IsAdmin() && !a.Has(actor.RoleHR) {
				return nil, apperr.Forbiddenf("forbidden", "only HR or an administrator reopens a countersigned month")
			}
			var later int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM worktime_months WHERE user_id = ? AND month > ? AND lead_signed_at IS NOT NULL",
				userID, m.String()).Scan(&later); err != nil {
				return nil, fmt.Errorf("worktime: reopen month: %w", err)
			}
			if later > 0 {
				return nil, apperr.Conflictf("later_month_closed", "a later month is countersigned; reopen that one first")
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE worktime_months SET employee_signed_at = NULL, employee_signed_by = NULL,
			lead_signed_at = NULL, lead_signed_by = NULL, target_minutes = 0, worked_minutes = 0, balance_minutes = 0,
			forfeited_minutes = 0, account_minutes = 0, updated_at = ? WHERE user_id = ? AND month = ?`,
			db.T(now), userID, m.String()); err != nil {
			return nil, fmt.Errorf("worktime: reopen month: %w", err)
		}
		out = MonthStatus{UserID: userID, Month: m}
		return []audit.Event{{Action: "worktime.month_reopen", ObjectType: "worktime_month", ObjectID: itoa(userID) + "/" + m.String(),
			Detail: map[string]any{"user_id": userID, "month": m.String(), "was_closed": st.Closed(), "reason": reason}}}, nil
	})
	return out, err
}

// monthChanged is called inside the transaction that changed the entries
// of userID on day d (an approved correction, a manual entry): when the
// month of d is closed, its frozen figures and those of the closed months
// after it are recomputed, so the flexitime account stays the sum of what
// was recorded. It returns the audit events of the recomputation.
func (s *Service) monthChanged(ctx context.Context, tx *db.Tx, userID int64, d civil.Date) ([]audit.Event, error) {
	rows, err := db.Query(ctx, tx, scanMonthStatus, "SELECT "+monthStatusColumns+
		" FROM worktime_months WHERE user_id = ? AND month >= ? AND lead_signed_at IS NOT NULL ORDER BY month", userID, monthKey(d))
	if err != nil {
		return nil, fmt.Errorf("worktime: closed months: %w", err)
	}
	if len(rows) == 0 || rows[0].Month != MonthOf(d) {
		return nil, nil
	}
	now := s.clock.Now()
	var events []audit.Event
	for _, st := range rows {
		before := st
		if err := s.closeMonth(ctx, tx, &st, now); err != nil {
			return nil, err
		}
		if before != st {
			detail := closingDetail(st)
			detail["previous_account_minutes"] = before.AccountMinutes
			events = append(events, audit.Event{Action: "worktime.month_recalculate", ObjectType: "worktime_month",
				ObjectID: itoa(userID) + "/" + st.Month.String(), Detail: detail})
		}
	}
	return events, nil
}

// checkCountersign refuses a countersignature or reopening of userID's
// months: NotFound for whom may not see them, Forbidden for whom may see
// but not sign them (the person themselves), and read-only tokens.
func (s *Service) checkCountersign(ctx context.Context, a actor.Actor, userID int64) error {
	supervisor, err := userSupervisor(ctx, s.db, userID)
	if err != nil {
		return err
	}
	switch {
	case !canViewEntries(a, userID, supervisor):
		return errNotFound
	case !canCountersign(a, userID, supervisor):
		return apperr.Forbiddenf("forbidden", "only the lead, HR or an administrator countersigns or reopens a month, and never their own")
	case !a.CanWrite():
		return errReadOnlyToken
	}
	return nil
}

// MayCountersign reports whether a may countersign (and return) the months
// of userID, for showing the forms.
func (s *Service) MayCountersign(ctx context.Context, a actor.Actor, userID int64) (bool, error) {
	err := s.checkCountersign(ctx, a, userID)
	switch apperr.KindOf(err) {
	case apperr.NotFound, apperr.Forbidden:
		return false, nil
	}
	return err == nil, err
}

// DisplayName returns the display name of userID, for headings of views
// the caller was already allowed to load.
func (s *Service) DisplayName(ctx context.Context, userID int64) (string, error) {
	var name string
	err := s.db.QueryRowContext(ctx, "SELECT display_name FROM users WHERE id = ?", userID).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errNotFound
	}
	if err != nil {
		return "", fmt.Errorf("worktime: display name: %w", err)
	}
	return name, nil
}

// AbsenceChanged is called by the absences module inside the transaction
// that approves or cancels an absence of userID from first to last: the
// closed months it touches (and the closed months after them) are
// recalculated, as for an approved correction. It returns the audit events
// of the recalculation.
func (s *Service) AbsenceChanged(ctx context.Context, tx *db.Tx, userID int64, first, last civil.Date) ([]audit.Event, error) {
	var events []audit.Event
	for m := MonthOf(first); !last.Before(m.First()); m = m.Next() {
		more, err := s.monthChanged(ctx, tx, userID, m.First())
		if err != nil {
			return nil, err
		}
		events = append(events, more...)
		if len(more) > 0 {
			// monthChanged recalculated every closed month from m on.
			break
		}
	}
	return events, nil
}
