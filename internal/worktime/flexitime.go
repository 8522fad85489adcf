package worktime

import (
	"context"
	"database/sql"
	"fmt"

	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// Flexitime is the state of a person's flexitime account (Gleitzeitkonto)
// in one month. The account is the sum of the daily balances (worked
// minus target; statutory holidays of the person's Land have no target)
// since the month of the person's first work model, carried from month to
// month. Each closing (the lead's countersignature) freezes a month and
// applies the caps of the policy; months not yet closed count with their
// current balance.
type Flexitime struct {
	// Active is false for people without a work model: they have no
	// target and no account.
	Active bool
	// Start is the first month of the account.
	Start YearMonth
	// OpeningMinutes is the account at the start of the month.
	OpeningMinutes int
	// BalanceMinutes is the month's balance (up to today, or frozen).
	BalanceMinutes int
	// ForfeitedMinutes is the credit cut at the closing (closed months).
	ForfeitedMinutes int
	// ClosingMinutes is the account at the end of the month: frozen when
	// Closed, otherwise provisional (opening plus balance to date).
	ClosingMinutes int
	Closed         bool
	// BelowMinimum flags a debit beyond the policy's floor.
	BelowMinimum bool
}

// flexitimeStart returns the month of the person's first work model.
func flexitimeStart(ctx context.Context, q db.Querier, userID int64) (YearMonth, bool, error) {
	var first sql.NullString
	if err := q.QueryRowContext(ctx, "SELECT min(valid_from) FROM user_work_models WHERE user_id = ?", userID).Scan(&first); err != nil {
		return YearMonth{}, false, fmt.Errorf("worktime: flexitime start: %w", err)
	}
	if !first.Valid {
		return YearMonth{}, false, nil
	}
	d, err := civil.Parse(first.String)
	if err != nil {
		return YearMonth{}, false, fmt.Errorf("worktime: flexitime start %q: %w", first.String, err)
	}
	return MonthOf(d), true, nil
}

// maxOpenMonths bounds how many months without a closing are summed up to
// find an opening balance; beyond that the account starts from zero (and
// the organisation should close months).
const maxOpenMonths = 120

// accountBefore returns the flexitime account at the start of m: the
// account of the latest closed month before m plus the balances of the
// months after it (from the account's start) up to m.
func (s *Service) accountBefore(ctx context.Context, q db.Querier, userID int64, state string, m YearMonth) (int, error) {
	start, active, err := flexitimeStart(ctx, q, userID)
	if err != nil || !active || !start.Before(m) {
		return 0, err
	}
	account := 0
	from := start
	if c, ok, err := lastClosed(ctx, q, userID, m); err != nil {
		return 0, err
	} else if ok {
		account, from = c.AccountMinutes, c.Month.Next()
	}
	for n := 0; from.Before(m) && n < maxOpenMonths; from, n = from.Next(), n+1 {
		v, err := s.monthView(ctx, q, userID, state, from.Year, from.Month)
		if err != nil {
			return 0, err
		}
		account += v.Totals.BalanceMinutes
	}
	return account, nil
}

// flexitime computes the account state of v's month from the month's
// status row.
func (s *Service) flexitime(ctx context.Context, q db.Querier, v MonthView, state string, st MonthStatus) (Flexitime, error) {
	m := YearMonth{v.Year, v.Month}
	start, active, err := flexitimeStart(ctx, q, v.UserID)
	if err != nil || !active || m.Before(start) {
		return Flexitime{Active: active, Start: start}, err
	}
	f := Flexitime{Active: true, Start: start}
	if st.Closed() {
		f.Closed = true
		f.BalanceMinutes, f.ForfeitedMinutes, f.ClosingMinutes = st.BalanceMinutes, st.ForfeitedMinutes, st.AccountMinutes
		f.OpeningMinutes = st.AccountMinutes + st.ForfeitedMinutes - st.BalanceMinutes
	} else {
		if f.OpeningMinutes, err = s.accountBefore(ctx, q, v.UserID, state, m); err != nil {
			return Flexitime{}, err
		}
		f.BalanceMinutes = v.Totals.BalanceMinutes
		f.ClosingMinutes = f.OpeningMinutes + f.BalanceMinutes
	}
	f.BelowMinimum = f.ClosingMinutes < -s.policy.FlexitimeMaxMinusMinutes
	return f, nil
}
