package worktime

import (
	"context"
	"fmt"

	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// absenceSpan is an approved absence as the month view needs it (the
// absences module owns the table; this package only reads it).
type absenceSpan struct {
	userID        int64
	typeID        string
	start, end    civil.Date
	half          bool // day_length morning or noon
	creditsTarget bool
	nameDE        string
	nameEN        string
}

// DayAbsence is an approved absence on a day of the month view.
type DayAbsence struct {
	TypeID string // e.g. "vacation"
	NameDE string
	NameEN string
	Half   bool // half a day (morning or afternoon)
}

func (a absenceSpan) day() *DayAbsence {
	return &DayAbsence{TypeID: a.typeID, NameDE: a.nameDE, NameEN: a.nameEN, Half: a.half}
}

// approvedAbsences loads the approved absences overlapping from..to of the
// people selected by users (a subquery with args, or one id).
func approvedAbsences(ctx context.Context, q db.Querier, users string, args []any, from, to civil.Date) (map[int64][]absenceSpan, error) {
	rows, err := db.Query(ctx, q, func(row db.Scanner) (absenceSpan, error) {
		var a absenceSpan
		var start, end, length string
		if err := row.Scan(&a.userID, &a.typeID, &start, &end, &length, &a.creditsTarget, &a.nameDE, &a.nameEN); err != nil {
			return a, err
		}
		var err1, err2 error
		a.start, err1 = civil.Parse(start)
		a.end, err2 = civil.Parse(end)
		a.half = length != "full"
		if err1 != nil || err2 != nil {
			return a, fmt.Errorf("absence dates %q, %q", start, end)
		}
		return a, nil
	}, `SELECT a.user_id, a.type_id, a.start_date, a.end_date, a.day_length, t.credits_target, t.name_de, t.name_en
		FROM absences a JOIN absence_types t ON t.id = a.type_id
		WHERE a.status = 'approved' AND a.user_id IN (`+users+`) AND a.start_date <= ? AND a.end_date >= ?
		ORDER BY a.user_id, a.start_date`, append(append([]any{}, args...), to.String(), from.String())...)
	if err != nil {
		return nil, fmt.Errorf("worktime: absences: %w", err)
	}
	out := map[int64][]absenceSpan{}
	for _, a := range rows {
		out[a.userID] = append(out[a.userID], a)
	}
	return out, nil
}

// absenceOn returns the absence covering d, if any (approved absences of
// one person do not overlap; the first wins if they do).
func absenceOn(spans []absenceSpan, d civil.Date) (absenceSpan, bool) {
	for _, a := range spans {
		if !d.Before(a.start) && !d.After(a.end) {
			return a, true
		}
	}
	return absenceSpan{}, false
}

// absenceCredit is what an absence on a day with target minutes credits:
// the target (half of it for half a day) for types that credit the target,
// nothing for those that draw from the flexitime account (Gleittag,
// Überstundenausgleich), and nothing on days without a target.
func absenceCredit(a absenceSpan, target int) int {
	if !a.creditsTarget || target <= 0 {
		return 0
	}
	if a.half {
		return target / 2
	}
	return target
}

// oneUser is the subquery argument of approvedAbsences for one person.
func oneUser(userID int64) (string, []any) { return "?", []any{userID} }
