package absence

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/holiday"
)

// ExportColumns are the header of the monthly absence export, in order.
var ExportColumns = []string{"user_id", "username", "display_name", "org_unit", "date", "type", "type_name", "day_fraction"}

// ExportRow is one working day of an approved absence in the monthly
// export for payroll.
type ExportRow struct {
	UserID      int64
	Username    string
	DisplayName string
	OrgUnit     string
	Date        civil.Date
	TypeID      string
	TypeName    string // German name
	// Half is set for half a day (day_fraction 0.5).
	Half bool
}

// CanExport reports whether a may export absences for payroll: HR and
// administrators.
func CanExport(a actor.Actor) bool { return isHR(a) }

// MonthExport lists, per person and working day, the approved absences
// in the month (the days the person would work under the work model valid
// then, without statutory holidays of their Land), for the payroll office:
// HR and administrators only, everyone else gets NotFound. Sickness is
// included with its type, as continued pay (Entgeltfortzahlung) needs it.
func (s *Service) MonthExport(ctx context.Context, a actor.Actor, year int, month time.Month) ([]ExportRow, error) {
	if !CanExport(a) {
		return nil, errNotFound
	}
	if month < time.January || month > time.December || year < holiday.MinYear || year > holiday.MaxYear {
		return nil, apperr.Invalidf("invalid_filter", "year and month must name a month between %d and %d", holiday.MinYear, holiday.MaxYear).WithField("month", "invalid_filter")
	}
	first := civil.D(year, month, 1)
	last := civil.D(year, month+1, 1).AddDays(-1)
	type span struct {
		ExportRow
		state      string
		start, end civil.Date
	}
	spans, err := db.Query(ctx, s.db, func(row db.Scanner) (span, error) {
		var sp span
		var org sql.NullString
		var start, end, length string
		if err := row.Scan(&sp.UserID, &sp.Username, &sp.DisplayName, &org, &sp.state, &sp.TypeID, &sp.TypeName, &start, &end, &length); err != nil {
			return sp, err
		}
		sp.OrgUnit, sp.Half = org.String, length != DayFull
		var err1, err2 error
		sp.start, err1 = civil.Parse(start)
		sp.end, err2 = civil.Parse(end)
		if err1 != nil || err2 != nil {
			return sp, fmt.Errorf("absence dates %q, %q", start, end)
		}
		return sp, nil
	}, `SELECT u.id, u.username, u.display_name, o.name, u.state, t.id, t.name_de, a.start_date, a.end_date, a.day_length
		FROM absences a JOIN users u ON u.id = a.user_id JOIN absence_types t ON t.id = a.type_id
		LEFT JOIN org_units o ON o.id = u.org_unit_id
		WHERE a.status = ? AND a.start_date <= ? AND a.end_date >= ?
		ORDER BY u.display_name, u.username, u.id, a.start_date`, StatusApproved, last.String(), first.String())
	if err != nil {
		return nil, fmt.Errorf("absence: export: %w", err)
	}
	targets := map[int64]map[civil.Date]int{}
	out := []ExportRow{}
	for _, sp := range spans {
		t, ok := targets[sp.UserID]
		if !ok {
			state := sp.state
			if state == "" {
				state = s.wt.Policy().DefaultState
			}
			if t, err = s.wt.TargetMinutes(ctx, sp.UserID, state, first, last); err != nil {
				return nil, err
			}
			targets[sp.UserID] = t
		}
		for d := maxDate(sp.start, first); !d.After(minDate(sp.end, last)); d = d.AddDays(1) {
			if t[d] > 0 {
				row := sp.ExportRow
				row.Date = d
				out = append(out, row)
			}
		}
	}
	return out, nil
}
