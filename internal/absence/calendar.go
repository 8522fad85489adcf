package absence

// Team calendar and presence plan: the people of an org unit × the days of
// a month, with their absences (privacy rules applied per viewer), the
// public holidays of each person's Land, weekends, and the presence plan
// (office or home) each person keeps for themselves. Everything is read in
// three queries for the whole unit (people, absences, presence plans), so
// that a unit of 500 people stays fast (docs/team-calendar.md).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/holiday"
)

// Places of a presence plan.
const (
	PlaceOffice = "office"
	PlaceHome   = "home"
)

// Places lists the places in display order.
var Places = []string{PlaceOffice, PlaceHome}

// CalendarDay is a column of the team calendar.
type CalendarDay struct {
	Date    civil.Date
	Weekend bool
	// Office counts the people of the calendar who plan to work in the
	// office that day and are not absent all day.
	Office int
	// Absent counts the people absent (at least half of) that day, as far
	// as the viewer sees them.
	Absent int
	// Present counts the people who would work that day: not a weekend,
	// no public holiday in their Land, no full-day absence the viewer
	// sees.
	Present int
	// Understaffed: the unit has a minimum staffing, some of its people
	// would work that day, and Present is below the minimum.
	Understaffed bool
}

// CalendarAbsence is an absence on one day of the calendar as the viewer
// may see it.
type CalendarAbsence struct {
	// ID is the absence's id, or 0 when the viewer may not see the
	// absence itself (a colleague's).
	ID int64
	// TypeID is TypeAbsent when the viewer may not see the type.
	TypeID    string
	Status    string
	DayLength string
}

// CalendarCell is one person on one day.
type CalendarCell struct {
	Date    civil.Date
	Weekend bool
	// Holiday is the name of the statewide public holiday of the person's
	// Land on that day, or empty.
	Holiday string
	// Absences are the person's absences on that day (two half days at
	// most, else one).
	Absences []CalendarAbsence
	// Presence is PlaceOffice, PlaceHome or empty (no plan).
	Presence string
}

// CalendarPerson is a row of the team calendar.
type CalendarPerson struct {
	UserID int64
	Name   string
	State  string
	Cells  []CalendarCell
}

// OrgUnitRef names an org unit.
type OrgUnitRef struct {
	ID   int64
	Name string
}

// TeamCalendar is a month (or a week) of an org unit.
type TeamCalendar struct {
	// OrgUnit is the unit shown; ID 0 when the viewer belongs to no unit
	// and asked for none (the calendar then shows only the viewer).
	OrgUnit OrgUnitRef
	// Year and Month are those of From.
	Year  int
	Month time.Month
	// From and To are the first and the last day shown.
	From, To    civil.Date
	Days        []CalendarDay
	People      []CalendarPerson
	ViewerID    int64
	ChooseUnits []OrgUnitRef // the units the viewer may choose (HR and administrators), else nil
	// MinStaffing is the unit's minimum staffing (0: none).
	MinStaffing int
	// CanSetStaffing: the viewer may change MinStaffing (HR and
	// administrators, for a unit).
	CanSetStaffing bool
}

// maxCalendarDays bounds the days of one calendar.
const maxCalendarDays = 62

func errCalendarMonth() error {
	return apperr.Invalidf("invalid_filter", "year must be 2000 to 2100, month 1 to 12").WithField("month", "invalid_filter")
}

// TeamCalendar is TeamCalendarRange for a month.
func (s *Service) TeamCalendar(ctx context.Context, a actor.Actor, orgUnitID int64, year int, month time.Month) (TeamCalendar, error) {
	if year < 2000 || year > 2100 || month < 1 || month > 12 {
		return TeamCalendar{}, errCalendarMonth()
	}
	first := civil.D(year, month, 1)
	return s.TeamCalendarRange(ctx, a, orgUnitID, first, civil.D(year, month+1, 1).AddDays(-1))
}

// ISOWeek returns the Monday of ISO week week of year; ok is false when
// the year has no such week.
func ISOWeek(year, week int) (monday civil.Date, ok bool) {
	if year < 2000 || year > 2100 || week < 1 || week > 53 {
		return civil.Date{}, false
	}
	jan4 := civil.D(year, 1, 4)
	monday = jan4.AddDays(-((int(jan4.Weekday()) + 6) % 7)).AddDays((week - 1) * 7)
	if y, w := time.Date(monday.Year, monday.Month, monday.Day, 12, 0, 0, 0, time.UTC).ISOWeek(); y != year || w != week {
		return civil.Date{}, false
	}
	return monday, true
}

// TeamCalendarRange returns the days first to last (at most 62) of org
// unit orgUnitID (0: the actor's own unit). HR and administrators see any unit, everyone else only their own
// (404 otherwise). Absences appear per viewer: the person themselves, HR
// and administrators see type and status; the person's lead sees type and
// status except for types with health data ("absent"); everyone else sees
// approved absences only, as "absent".
func (s *Service) TeamCalendarRange(ctx context.Context, a actor.Actor, orgUnitID int64, first, last civil.Date) (TeamCalendar, error) {
	if !a.Authenticated() && !a.Privileged() {
		return TeamCalendar{}, errNotFound
	}
	if first.Year < 2000 || last.Year > 2100 || last.Before(first) || first.DaysUntil(last) >= maxCalendarDays {
		return TeamCalendar{}, apperr.Invalidf("invalid_filter", "at most %d days from 2000 to 2100", maxCalendarDays).WithField("from", "invalid_filter")
	}
	cal := TeamCalendar{Year: first.Year, Month: first.Month, From: first, To: last, ViewerID: a.UserID}
	own, err := s.ownUnit(ctx, a)
	if err != nil {
		return TeamCalendar{}, err
	}
	if orgUnitID == 0 {
		orgUnitID = own
	}
	if orgUnitID != own && !isHR(a) {
		return TeamCalendar{}, errNotFound
	}
	if orgUnitID != 0 {
		cal.OrgUnit.ID = orgUnitID
		err := s.db.QueryRowContext(ctx, "SELECT name FROM org_units WHERE id = ?", orgUnitID).Scan(&cal.OrgUnit.Name)
		if errors.Is(err, sql.ErrNoRows) {
			return TeamCalendar{}, errNotFound
		}
		if err != nil {
			return TeamCalendar{}, fmt.Errorf("absence: calendar unit: %w", err)
		}
		if cal.MinStaffing, err = s.minStaffing(ctx, orgUnitID); err != nil {
			return TeamCalendar{}, err
		}
		cal.CanSetStaffing = isHR(a)
	}
	if isHR(a) {
		cal.ChooseUnits, err = db.Query(ctx, s.db, func(row db.Scanner) (OrgUnitRef, error) {
			var u OrgUnitRef
			err := row.Scan(&u.ID, &u.Name)
			return u, err
		}, "SELECT id, name FROM org_units ORDER BY name, id")
		if err != nil {
			return TeamCalendar{}, fmt.Errorf("absence: calendar units: %w", err)
		}
	}

	for d := first; !d.After(last); d = d.AddDays(1) {
		cal.Days = append(cal.Days, CalendarDay{Date: d, Weekend: isWeekend(d)})
	}

	// The people: the unit's active members, or the viewer alone.
	type member struct {
		person
		index int
	}
	var peopleWhere string
	var peopleArg any
	if orgUnitID != 0 {
		peopleWhere, peopleArg = "u.org_unit_id = ?", orgUnitID
	} else {
		peopleWhere, peopleArg = "u.id = ?", a.UserID
	}
	people, err := s.unitPeople(ctx, peopleWhere, peopleArg)
	if err != nil {
		return TeamCalendar{}, err
	}
	byID := make(map[int64]member, len(people))
	cal.People = make([]CalendarPerson, len(people))
	for i, p := range people {
		byID[p.id] = member{person: p, index: i}
		cells := make([]CalendarCell, len(cal.Days))
		for j, d := range cal.Days {
			cells[j] = CalendarCell{Date: d.Date, Weekend: d.Weekend, Holiday: statewideHoliday(p.state, d.Date)}
		}
		cal.People[i] = CalendarPerson{UserID: p.id, Name: p.name, State: p.state, Cells: cells}
	}
	if len(people) == 0 {
		return cal, nil
	}

	// Absences of the month: requested and approved ones; the viewer sees
	// requests only where canView allows.
	absRows, err := s.unitAbsences(ctx, peopleWhere, peopleArg, first, last, StatusRequested, StatusApproved)
	if err != nil {
		return TeamCalendar{}, err
	}
	for _, r := range absRows {
		m, ok := byID[r.userID]
		if !ok {
			continue // disabled
		}
		ca, ok := s.calendarView(a, m.person, r)
		if !ok {
			continue
		}
		from, to := r.start, r.end
		if from.Before(first) {
			from = first
		}
		if to.After(last) {
			to = last
		}
		cells := cal.People[m.index].Cells
		for d := from; !d.After(to); d = d.AddDays(1) {
			c := &cells[first.DaysUntil(d)]
			c.Absences = append(c.Absences, ca)
		}
	}

	// Presence plans of the month.
	type plan struct {
		userID     int64
		day, place string
	}
	plans, err := db.Query(ctx, s.db, func(row db.Scanner) (plan, error) {
		var p plan
		err := row.Scan(&p.userID, &p.day, &p.place)
		return p, err
	}, "SELECT p.user_id, p.day, p.place FROM presence_plans p JOIN users u ON u.id = p.user_id WHERE "+peopleWhere+" AND p.day >= ? AND p.day <= ?",
		peopleArg, first.String(), last.String())
	if err != nil {
		return TeamCalendar{}, fmt.Errorf("absence: calendar presence: %w", err)
	}
	for _, p := range plans {
		m, ok := byID[p.userID]
		if !ok {
			continue
		}
		d, err := civil.Parse(p.day)
		if err != nil {
			return TeamCalendar{}, fmt.Errorf("absence: presence day %q: %w", p.day, err)
		}
		cal.People[m.index].Cells[first.DaysUntil(d)].Presence = p.place
	}

	working := make([]int, len(cal.Days)) // people without weekend or holiday
	for i := range cal.People {
		for j, c := range cal.People[i].Cells {
			allDay := c.AbsentAllDay()
			if len(c.Absences) > 0 {
				cal.Days[j].Absent++
			}
			if c.Presence == PlaceOffice && !allDay {
				cal.Days[j].Office++
			}
			if !c.Weekend && c.Holiday == "" {
				working[j]++
				if !allDay {
					cal.Days[j].Present++
				}
			}
		}
	}
	for j := range cal.Days {
		cal.Days[j].Understaffed = understaffed(working[j], cal.Days[j].Present, cal.MinStaffing)
	}
	return cal, nil
}

// The pieces below are shared by the team calendar and the staffing
// warnings of single absences (staffing.go), so that both count presence
// the same way: a person of the unit would work on a day that is no
// weekend and no statewide holiday of their Land, and is present unless
// absent all day.

// understaffed reports whether a day is below the minimum staffing: the
// unit has a minimum, some of its people would work that day and fewer
// than the minimum are present.
func understaffed(working, present, minimum int) bool {
	return minimum > 0 && working > 0 && present < minimum
}

// statewideHoliday returns the name of the statewide public holiday of
// Land state on d, or "".
func statewideHoliday(state string, d civil.Date) string {
	if h, ok := holiday.Lookup(state, d); ok && h.Scope == holiday.Statewide {
		return h.Name
	}
	return ""
}

// minStaffing returns the minimum staffing of org unit orgUnitID (0:
// none).
func (s *Service) minStaffing(ctx context.Context, orgUnitID int64) (int, error) {
	var minimum sql.NullInt64
	err := s.db.QueryRowContext(ctx, "SELECT min_present FROM org_unit_staffing WHERE org_unit_id = ?", orgUnitID).Scan(&minimum)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("absence: calendar staffing: %w", err)
	}
	return int(minimum.Int64), nil
}

// unitPeople returns the enabled users selected by where (on users u) by
// name, their Land defaulted.
func (s *Service) unitPeople(ctx context.Context, where string, arg any) ([]person, error) {
	people, err := db.Query(ctx, s.db, func(row db.Scanner) (person, error) {
		var p person
		var sup sql.NullInt64
		err := row.Scan(&p.id, &p.name, &sup, &p.state)
		p.supervisor = sup.Int64
		if p.state == "" {
			p.state = s.wt.Policy().DefaultState
		}
		return p, err
	}, "SELECT u.id, u.display_name, u.supervisor_id, u.state FROM users u WHERE "+where+" AND u.disabled = ? ORDER BY u.display_name, u.id", arg, false)
	if err != nil {
		return nil, fmt.Errorf("absence: calendar people: %w", err)
	}
	return people, nil
}

// unitAbsences returns the absences of the users selected by where (on
// users u) with one of statuses that overlap [first, last], by start.
func (s *Service) unitAbsences(ctx context.Context, where string, arg any, first, last civil.Date, statuses ...string) ([]calRow, error) {
	args := []any{arg}
	for _, st := range statuses {
		args = append(args, st)
	}
	args = append(args, last.String(), first.String())
	rows, err := db.Query(ctx, s.db, func(row db.Scanner) (calRow, error) {
		var r calRow
		var start, end string
		if err := row.Scan(&r.id, &r.userID, &r.typeID, &r.healthData, &start, &end, &r.dayLength, &r.status); err != nil {
			return r, err
		}
		var err error
		if r.start, err = civil.Parse(start); err != nil {
			return r, fmt.Errorf("absence %d: start: %w", r.id, err)
		}
		if r.end, err = civil.Parse(end); err != nil {
			return r, fmt.Errorf("absence %d: end: %w", r.id, err)
		}
		return r, nil
	}, `SELECT a.id, a.user_id, a.type_id, t.health_data, a.start_date, a.end_date, a.day_length, a.status
		FROM absences a JOIN users u ON u.id = a.user_id JOIN absence_types t ON t.id = a.type_id
		WHERE `+where+` AND a.status IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(statuses)), ", ")+`) AND a.start_date <= ? AND a.end_date >= ?
		ORDER BY a.start_date, a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("absence: calendar absences: %w", err)
	}
	return rows, nil
}

// AbsentAllDay reports whether the cell holds a full-day absence.
func (c CalendarCell) AbsentAllDay() bool {
	for _, a := range c.Absences {
		if a.DayLength == DayFull {
			return true
		}
	}
	return false
}

// calRow is an absence as the calendar reads it.
type calRow struct {
	id, userID        int64
	typeID            string
	healthData        bool
	start, end        civil.Date
	dayLength, status string
}

// calendarView applies the privacy rules to one absence of p for viewer
// a; ok is false when a does not see it at all.
func (s *Service) calendarView(a actor.Actor, p person, r calRow) (CalendarAbsence, bool) {
	if canView(a, p.id, p.supervisor) {
		out := CalendarAbsence{ID: r.id, TypeID: r.typeID, Status: r.status, DayLength: r.dayLength}
		if r.healthData && !s.seesType(a, p.id, p.supervisor) {
			out.TypeID = TypeAbsent
		}
		return out, true
	}
	if r.status != StatusApproved {
		return CalendarAbsence{}, false
	}
	return CalendarAbsence{TypeID: TypeAbsent, Status: StatusApproved, DayLength: r.dayLength}, true
}

// ownUnit returns the org unit of a (0: none, or not a person).
func (s *Service) ownUnit(ctx context.Context, a actor.Actor) (int64, error) {
	if a.UserID == 0 {
		return 0, nil
	}
	var unit sql.NullInt64
	err := s.db.QueryRowContext(ctx, "SELECT org_unit_id FROM users WHERE id = ?", a.UserID).Scan(&unit)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("absence: own unit: %w", err)
	}
	return unit.Int64, nil
}

func isWeekend(d civil.Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// ErrPresencePlace is the error of an unknown place (422
// invalid_presence_place).
func ErrPresencePlace() error {
	return apperr.Invalidf("invalid_presence_place", "place must be office, home or empty").WithField("place", "invalid_presence_place")
}

// SetPresence sets the actor's own presence plan for day: PlaceOffice,
// PlaceHome, or "" to remove it. A change is audited (presence.set); a
// plan that stays the same writes nothing.
func (s *Service) SetPresence(ctx context.Context, a actor.Actor, day civil.Date, place string) error {
	if !a.Authenticated() {
		return errNotFound
	}
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	place = strings.TrimSpace(place)
	if place != "" && place != PlaceOffice && place != PlaceHome {
		return ErrPresencePlace()
	}
	if day.IsZero() || day.Year < 2000 || day.Year > 2100 {
		return apperr.Invalidf("invalid_date", "day must be a date (YYYY-MM-DD)").WithField("day", "invalid_date")
	}
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := lockUser(ctx, tx, a.UserID); err != nil {
			return nil, err
		}
		var cur string
		err := tx.QueryRowContext(ctx, "SELECT place FROM presence_plans WHERE user_id = ? AND day = ?", a.UserID, day.String()).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("absence: presence: %w", err)
		}
		if cur == place {
			return nil, nil
		}
		switch {
		case place == "":
			_, err = tx.ExecContext(ctx, "DELETE FROM presence_plans WHERE user_id = ? AND day = ?", a.UserID, day.String())
		case cur == "":
			_, err = tx.ExecContext(ctx, "INSERT INTO presence_plans (user_id, day, place, updated_at) VALUES (?, ?, ?, ?)", a.UserID, day.String(), place, db.T(now))
		default:
			_, err = tx.ExecContext(ctx, "UPDATE presence_plans SET place = ?, updated_at = ? WHERE user_id = ? AND day = ?", place, db.T(now), a.UserID, day.String())
		}
		if err != nil {
			return nil, fmt.Errorf("absence: set presence: %w", err)
		}
		return []audit.Event{{Action: "presence.set", ObjectType: "presence_plan", ObjectID: itoa(a.UserID), Detail: map[string]any{
			"day": day.String(), "place": place, "previous_place": cur}}}, nil
	})
}

// ErrMinStaffing is the error of a minimum staffing out of range (422
// invalid_min_staffing).
func ErrMinStaffing() error {
	return apperr.Invalidf("invalid_min_staffing", "the minimum staffing must be 0 to %d", MaxMinStaffing).WithField("min_staffing", "invalid_min_staffing")
}

// MaxMinStaffing bounds the minimum staffing of a unit.
const MaxMinStaffing = 10000

// SetMinStaffing sets the minimum staffing of org unit orgUnitID (0
// removes it): HR and administrators only (404 for everyone else). The
// change is audited (org_unit.min_staffing).
func (s *Service) SetMinStaffing(ctx context.Context, a actor.Actor, orgUnitID int64, minimum int) error {
	if !isHR(a) {
		return errNotFound
	}
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	if minimum < 0 || minimum > MaxMinStaffing {
		return ErrMinStaffing()
	}
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		var cur sql.NullInt64
		err := tx.QueryRowContext(ctx, "SELECT s.min_present FROM org_units u LEFT JOIN org_unit_staffing s ON s.org_unit_id = u.id WHERE u.id = ?", orgUnitID).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("absence: staffing: %w", err)
		}
		if int(cur.Int64) == minimum {
			return nil, nil
		}
		switch {
		case minimum == 0:
			_, err = tx.ExecContext(ctx, "DELETE FROM org_unit_staffing WHERE org_unit_id = ?", orgUnitID)
		case !cur.Valid:
			_, err = tx.ExecContext(ctx, "INSERT INTO org_unit_staffing (org_unit_id, min_present, updated_at) VALUES (?, ?, ?)", orgUnitID, minimum, db.T(now))
		default:
			_, err = tx.ExecContext(ctx, "UPDATE org_unit_staffing SET min_present = ?, updated_at = ? WHERE org_unit_id = ?", minimum, db.T(now), orgUnitID)
		}
		if err != nil {
			return nil, fmt.Errorf("absence: set staffing: %w", err)
		}
		return []audit.Event{{Action: "org_unit.min_staffing", ObjectType: "org_unit", ObjectID: itoa(orgUnitID), Detail: map[string]any{
			"min_staffing": minimum, "previous": cur.Int64}}}, nil
	})
}
