package worktime

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// WarnCoreHoursNotCovered is the code of the month-view warning that a
// day's core hours were not wholly covered by clocked time.
const WarnCoreHoursNotCovered = "CORE_HOURS_NOT_COVERED"

// CoreWindow is the core time (Kernarbeitszeit) of one ISO weekday (1 =
// Monday … 7 = Sunday): the half-open span [StartMinute, EndMinute) of
// local minutes after midnight.
type CoreWindow struct {
	Weekday     int
	StartMinute int
	EndMinute   int
}

// CoreHours are the core hours that apply in an org unit.
type CoreHours struct {
	OrgUnitID int64
	// Windows are the effective windows, by weekday; empty when neither the
	// unit nor any unit above it has core hours.
	Windows []CoreWindow
	// Inherited reports that the unit has no core hours of its own and
	// Windows come from the unit SourceOrgUnitID above it (0: none).
	Inherited       bool
	SourceOrgUnitID int64
}

// OrgUnitCoreHours is a line of the core-hours overview.
type OrgUnitCoreHours struct {
	CoreHours
	Name       string
	ParentID   int64
	SourceName string
}

// maxOrgDepth bounds the walk up the org tree (and breaks cycles).
const maxOrgDepth = 64

// canManageCoreHours: HR and administrators set core hours; anyone else
// gets 404, read-only tokens are refused.
func canManageCoreHours(a actor.Actor) error { return canManageWorkModels(a) }

// canViewCoreHours: core hours are an organisational rule, not personal
// data; every signed-in person may read them.
func canViewCoreHours(a actor.Actor) bool { return a.Authenticated() || a.Privileged() }

// ValidateCoreWindows checks windows as SetCoreHours takes them; field
// names follow the JSON body of setCoreHours (windows[i].start_minute).
func ValidateCoreWindows(ws []CoreWindow) error {
	seen := map[int]bool{}
	for i, w := range ws {
		field := fmt.Sprintf("windows[%d]", i)
		switch {
		case w.Weekday < 1 || w.Weekday > 7:
			return apperr.Invalidf("invalid_core_hours", "%s.weekday: must be 1 (Monday) to 7 (Sunday)", field).WithField(field+".weekday", "invalid_weekday")
		case seen[w.Weekday]:
			return apperr.Invalidf("invalid_core_hours", "%s.weekday: weekday %d given twice", field, w.Weekday).WithField(field+".weekday", "duplicate_weekday")
		case w.StartMinute < 0 || w.StartMinute > 1439 || w.EndMinute < 1 || w.EndMinute > 1440 || w.StartMinute >= w.EndMinute:
			return apperr.Invalidf("invalid_core_hours", "%s: start_minute must be before end_minute, both within 0 to 1440", field).WithField(field+".end_minute", "invalid_core_window")
		}
		seen[w.Weekday] = true
	}
	return nil
}

type orgUnitRow struct {
	id, parent int64
	name       string
}

func orgUnits(ctx context.Context, q db.Querier) ([]orgUnitRow, error) {
	out, err := db.Query(ctx, q, func(row db.Scanner) (orgUnitRow, error) {
		var u orgUnitRow
		var p sql.NullInt64
		err := row.Scan(&u.id, &p, &u.name)
		u.parent = p.Int64
		return u, err
	}, "SELECT id, parent_id, name FROM org_units ORDER BY name, id")
	if err != nil {
		return nil, fmt.Errorf("worktime: list org units: %w", err)
	}
	return out, nil
}

// allCoreWindows returns the own windows of every unit that has some.
func allCoreWindows(ctx context.Context, q db.Querier, unitID int64) (map[int64][]CoreWindow, error) {
	query, args := "SELECT org_unit_id, weekday, start_minute, end_minute FROM org_unit_core_hours", []any{}
	if unitID != 0 {
		query, args = query+" WHERE org_unit_id = ?", append(args, unitID)
	}
	type row struct {
		unit int64
		w    CoreWindow
	}
	rows, err := db.Query(ctx, q, func(s db.Scanner) (row, error) {
		var r row
		err := s.Scan(&r.unit, &r.w.Weekday, &r.w.StartMinute, &r.w.EndMinute)
		return r, err
	}, query+" ORDER BY org_unit_id, weekday", args...)
	if err != nil {
		return nil, fmt.Errorf("worktime: list core hours: %w", err)
	}
	out := map[int64][]CoreWindow{}
	for _, r := range rows {
		out[r.unit] = append(out[r.unit], r.w)
	}
	return out, nil
}

// effectiveCoreHours resolves the core hours of unitID from its own windows
// or those of the nearest unit above it that has some.
func effectiveCoreHours(unitID int64, parents map[int64]int64, own map[int64][]CoreWindow) CoreHours {
	ch := CoreHours{OrgUnitID: unitID, Windows: []CoreWindow{}}
	u := unitID
	for depth := 0; u != 0 && depth < maxOrgDepth; depth++ {
		if ws, ok := own[u]; ok && len(ws) > 0 {
			ch.Windows, ch.SourceOrgUnitID, ch.Inherited = ws, u, u != unitID
			return ch
		}
		u = parents[u]
	}
	ch.Inherited = false
	return ch
}

// loadCoreHours returns the effective core hours of unitID, or NotFound.
func loadCoreHours(ctx context.Context, q db.Querier, unitID int64) (CoreHours, error) {
	units, err := orgUnits(ctx, q)
	if err != nil {
		return CoreHours{}, err
	}
	parents := map[int64]int64{}
	for _, u := range units {
		parents[u.id] = u.parent
	}
	if _, ok := parents[unitID]; !ok {
		return CoreHours{}, errNotFound
	}
	own, err := allCoreWindows(ctx, q, 0)
	if err != nil {
		return CoreHours{}, err
	}
	return effectiveCoreHours(unitID, parents, own), nil
}

// CoreHoursOf returns the effective core hours of an org unit.
func (s *Service) CoreHoursOf(ctx context.Context, a actor.Actor, unitID int64) (CoreHours, error) {
	if !canViewCoreHours(a) {
		return CoreHours{}, errNotFound
	}
	return loadCoreHours(ctx, s.db, unitID)
}

// ListCoreHours returns every org unit with its effective core hours, for
// the HR overview (HR and administrators; others get NotFound).
func (s *Service) ListCoreHours(ctx context.Context, a actor.Actor) ([]OrgUnitCoreHours, error) {
	if !canAssignWorkModels(a) {
		return nil, errNotFound
	}
	units, err := orgUnits(ctx, s.db)
	if err != nil {
		return nil, err
	}
	parents, names := map[int64]int64{}, map[int64]string{}
	for _, u := range units {
		parents[u.id], names[u.id] = u.parent, u.name
	}
	own, err := allCoreWindows(ctx, s.db, 0)
	if err != nil {
		return nil, err
	}
	out := make([]OrgUnitCoreHours, 0, len(units))
	for _, u := range units {
		ch := effectiveCoreHours(u.id, parents, own)
		out = append(out, OrgUnitCoreHours{CoreHours: ch, Name: u.name, ParentID: u.parent, SourceName: names[ch.SourceOrgUnitID]})
	}
	return out, nil
}

// OrgUnitName returns the name of an org unit (HR and administrators).
func (s *Service) OrgUnitName(ctx context.Context, a actor.Actor, unitID int64) (string, error) {
	if !canAssignWorkModels(a) {
		return "", errNotFound
	}
	var name string
	err := s.db.QueryRowContext(ctx, "SELECT name FROM org_units WHERE id = ?", unitID).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errNotFound
	}
	if err != nil {
		return "", fmt.Errorf("worktime: get org unit: %w", err)
	}
	return name, nil
}

// SetCoreHours replaces the unit's own core hours with windows (at most one
// per weekday); an empty list removes them, so that the unit inherits its
// parent's again. HR and administrators only.
func (s *Service) SetCoreHours(ctx context.Context, a actor.Actor, unitID int64, windows []CoreWindow) (CoreHours, error) {
	if err := canManageCoreHours(a); err != nil {
		return CoreHours{}, err
	}
	if _, err := loadCoreHours(ctx, s.db, unitID); err != nil {
		return CoreHours{}, err
	}
	if err := ValidateCoreWindows(windows); err != nil {
		return CoreHours{}, err
	}
	ws := slices.Clone(windows)
	slices.SortFunc(ws, func(x, y CoreWindow) int { return x.Weekday - y.Weekday })
	var out CoreHours
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := tx.ExecContext(ctx, "DELETE FROM org_unit_core_hours WHERE org_unit_id = ?", unitID); err != nil {
			return nil, fmt.Errorf("worktime: delete core hours: %w", err)
		}
		detail := []map[string]int{}
		for _, w := range ws {
			if _, err := tx.ExecContext(ctx, "INSERT INTO org_unit_core_hours (org_unit_id, weekday, start_minute, end_minute) VALUES (?, ?, ?, ?)",
				unitID, w.Weekday, w.StartMinute, w.EndMinute); err != nil {
				return nil, fmt.Errorf("worktime: insert core hours: %w", err)
			}
			detail = append(detail, map[string]int{"weekday": w.Weekday, "start_minute": w.StartMinute, "end_minute": w.EndMinute})
		}
		var err error
		if out, err = loadCoreHours(ctx, tx, unitID); err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "worktime.core_hours_set", ObjectType: "org_unit", ObjectID: itoa(unitID),
			Detail: map[string]any{"windows": detail}}}, nil
	})
	if err != nil {
		return CoreHours{}, err
	}
	return out, nil
}

// Window returns the window of weekday (ISO, 1 = Monday), if any.
func (c CoreHours) Window(weekday int) (CoreWindow, bool) {
	for _, w := range c.Windows {
		if w.Weekday == weekday {
			return w, true
		}
	}
	return CoreWindow{}, false
}

// isoWeekday returns 1 (Monday) … 7 (Sunday).
func isoWeekday(d civil.Date) int {
	if wd := int(d.Weekday()); wd != 0 {
		return wd
	}
	return 7
}

// addDayWarnings adds the warnings outside the ArbZG (core hours) to the
// days of v; entries are the intervals Month loaded.
//
// CORE_HOURS_NOT_COVERED: on a past day (today once its window is over)
// with a target, that is no holiday and has some clocked time, the minutes
// of the core window of the person's org unit not covered by clocked time.
// Days without any work are missing entries, reported elsewhere.
func (s *Service) addDayWarnings(ctx context.Context, userID int64, v *MonthView, entries []Entry) error {
	var unit sql.NullInt64
	err := s.db.QueryRowContext(ctx, "SELECT org_unit_id FROM users WHERE id = ?", userID).Scan(&unit)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !unit.Valid) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("worktime: get org unit of user: %w", err)
	}
	ch, err := loadCoreHours(ctx, s.db, unit.Int64)
	if errors.Is(err, errNotFound) || (err == nil && len(ch.Windows) == 0) {
		return nil
	}
	if err != nil {
		return err
	}
	now := s.clock.Now()
	today := civil.In(now, s.loc)
	for i := range v.Days {
		d := &v.Days[i]
		w, ok := ch.Window(isoWeekday(d.Date))
		if !ok || d.TargetMinutes <= 0 || d.HolidayName != "" || d.Date.After(today) {
			continue
		}
		from := time.Date(d.Date.Year, d.Date.Month, d.Date.Day, 0, w.StartMinute, 0, 0, s.loc)
		to := time.Date(d.Date.Year, d.Date.Month, d.Date.Day, 0, w.EndMinute, 0, 0, s.loc)
		if d.Date == today && now.Before(to) {
			continue // the window is not over yet
		}
		dayStart, dayEnd := d.Date.Start(s.loc), d.Date.AddDays(1).Start(s.loc)
		if d.WorkedMinutes == 0 && workedBetween(entries, dayStart, dayEnd, now) < time.Minute {
			continue
		}
		missed := int((to.Sub(from) - coveredBetween(entries, from, to, now)) / time.Minute)
		if missed > 0 {
			d.Warnings = append(d.Warnings, Warning{Code: WarnCoreHoursNotCovered, Minutes: missed})
		}
	}
	return nil
}

// coveredBetween is the time inside [from, to) covered by at least one of
// the intervals (overlapping intervals count once); running intervals
// count up to now.
func coveredBetween(entries []Entry, from, to, now time.Time) time.Duration {
	type span struct{ s, e time.Time }
	var spans []span
	for _, e := range entries {
		end := now
		if e.End != nil {
			end = *e.End
		}
		st := e.Start
		if st.Before(from) {
			st = from
		}
		if end.After(to) {
			end = to
		}
		if end.After(st) {
			spans = append(spans, span{st, end})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return a.s.Compare(b.s) })
	var sum time.Duration
	var cur *span
	for i := range spans {
		sp := spans[i]
		if cur != nil && !sp.s.After(cur.e) {
			if sp.e.After(cur.e) {
				cur.e = sp.e
			}
			continue
		}
		if cur != nil {
			sum += cur.e.Sub(cur.s)
		}
		cur = &sp
	}
	if cur != nil {
		sum += cur.e.Sub(cur.s)
	}
	return sum
}
