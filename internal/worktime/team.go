package worktime

import (
	"context"
	"fmt"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/worktime/arbzg"
)

// TeamMember is one person of a lead's team view: figures that let a lead
// act (balances, gaps, open corrections, compliance findings, sign-off),
// not when anyone clocked in or out. See docs/privacy.md.
type TeamMember struct {
	UserID      int64
	Username    string
	DisplayName string
	// BalanceMinutes is the month's balance up to today; Flexitime the
	// account.
	BalanceMinutes int
	Flexitime      Flexitime
	// MissingDays are past days of the month (today excluded) with a
	// target, no holiday, no approved absence and no working time
	// recorded.
	MissingDays []civil.Date
	// PendingCorrections counts correction requests waiting for a
	// decision.
	PendingCorrections int
	// Findings counts the month's ArbZG findings per severity.
	Findings map[arbzg.Severity]int
	Status   MonthStatus
}

// Team returns the team view of a month: the people the actor supervises
// or, with orgUnitID set, for HR and administrators the members of that
// org unit (a lead who names a unit sees the people they supervise in it).
// Disabled accounts are left out. Everyone else gets an empty list.
func (s *Service) Team(ctx context.Context, a actor.Actor, orgUnitID int64, year int, month time.Month) ([]TeamMember, error) {
	if !a.Authenticated() && !a.Privileged() {
		return nil, errNotFound
	}
	query := "SELECT id, username, display_name FROM users WHERE disabled = ? AND supervisor_id = ?"
	args := []any{false, a.UserID}
	switch {
	case orgUnitID != 0 && (a.IsAdmin() || a.Has(actor.RoleHR)):
		query, args = "SELECT id, username, display_name FROM users WHERE disabled = ? AND org_unit_id = ?", []any{false, orgUnitID}
	case orgUnitID != 0:
		query += " AND org_unit_id = ?"
		args = append(args, orgUnitID)
	}
	type person struct {
		id             int64
		username, name string
	}
	people, err := db.Query(ctx, s.db, func(row db.Scanner) (person, error) {
		var p person
		return p, row.Scan(&p.id, &p.username, &p.name)
	}, query+" ORDER BY display_name, username, id", args...)
	if err != nil {
		return nil, fmt.Errorf("worktime: team: %w", err)
	}
	ids := make([]int64, len(people))
	for i, p := range people {
		ids[i] = p.id
	}
	pending, err := countPendingCorrections(ctx, s.db, ids)
	if err != nil {
		return nil, err
	}
	today := s.Today()
	out := make([]TeamMember, 0, len(people))
	for _, p := range people {
		v, err := s.Month(ctx, a, p.id, "", year, month)
		if err != nil {
			return nil, err
		}
		m := TeamMember{UserID: p.id, Username: p.username, DisplayName: p.name, BalanceMinutes: v.Totals.BalanceMinutes,
			Flexitime: v.Flexitime, PendingCorrections: pending[p.id], Findings: map[arbzg.Severity]int{}, Status: v.Status,
			MissingDays: []civil.Date{}}
		for _, d := range v.Days {
			if d.Counted && d.Date.Before(today) && d.TargetMinutes > 0 && d.WorkedMinutes == 0 && !d.Running && d.Absence == nil {
				m.MissingDays = append(m.MissingDays, d.Date)
			}
		}
		for _, f := range v.Findings {
			m.Findings[f.Severity]++
		}
		out = append(out, m)
	}
	return out, nil
}
