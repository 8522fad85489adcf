package absence_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
)

// orgUnit inserts an org unit and puts the given users into it.
func orgUnit(t testing.TB, d *db.DB, name string, members ...int64) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, "INSERT INTO org_units (name, created_at, updated_at) VALUES (?, ?, ?) RETURNING id", name, db.T(start), db.T(start)).Scan(&id); err != nil {
			return err
		}
		for _, m := range members {
			if _, err := tx.ExecContext(ctx, "UPDATE users SET org_unit_id = ? WHERE id = ?", id, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// exec runs one changing statement.
func exec(t testing.TB, d *db.DB, query string, args ...any) {
	t.Helper()
	ctx := context.Background()
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func setState(t testing.TB, d *db.DB, userID int64, state string) {
	t.Helper()
	exec(t, d, "UPDATE users SET state = ? WHERE id = ?", state, userID)
}

// cell returns the cell of userID on day d.
func cell(t *testing.T, cal absence.TeamCalendar, userID int64, d civil.Date) absence.CalendarCell {
	t.Helper()
	for _, p := range cal.People {
		if p.UserID == userID {
			return p.Cells[d.Day-1]
		}
	}
	t.Fatalf("user %d not in the calendar", userID)
	return absence.CalendarCell{}
}

func TestTeamCalendarPrivacy(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		// lead, emp (her report) and other (a colleague) form one unit;
		// HR sits elsewhere; a stranger in a third unit.
		unit := orgUnit(t, d, "Bürgeramt", f.lead.UserID, f.emp.UserID, f.other.UserID)
		orgUnit(t, d, "Personal", f.hr.UserID)
		stranger := f.user(t, "stefan", 0, actor.RoleEmployee)
		orgUnit(t, d, "Kämmerei", stranger.UserID)
		for _, u := range []actor.Actor{f.lead, f.emp, f.other, f.hr} {
			setState(t, d, u.UserID, "NW")
		}
		sick, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "sick", Start: civil.D(2026, 3, 3), End: civil.D(2026, 3, 3), Note: "Grippe"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 10), End: civil.D(2026, 3, 11)})
		if err != nil {
			t.Fatal(err)
		}
		approved, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 16), End: civil.D(2026, 3, 16), DayLength: absence.DayMorning})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(ctx, f.lead, approved.ID); err != nil {
			t.Fatal(err)
		}
		// An absence running into the month from February.
		if _, err := f.svc.Request(ctx, f.hr, absence.NewAbsence{UserID: f.other.UserID, TypeID: "training", Start: civil.D(2026, 2, 26), End: civil.D(2026, 3, 2)}); err != nil {
			t.Fatal(err)
		}

		type want struct {
			sickType       string
			sickID         int64
			requestedShown bool
			approvedType   string
		}
		for _, tc := range []struct {
			name   string
			viewer actor.Actor
			unit   int64
			want   want
		}{
			{"self", f.emp, 0, want{"sick", sick.ID, true, "vacation"}},
			{"lead", f.lead, 0, want{absence.TypeAbsent, sick.ID, true, "vacation"}},
			{"colleague", f.other, unit, want{absence.TypeAbsent, 0, false, absence.TypeAbsent}},
			{"hr", f.hr, unit, want{"sick", sick.ID, true, "vacation"}},
			{"cli", actor.CLI(), unit, want{"sick", sick.ID, true, "vacation"}},
		} {
			cal, err := f.svc.TeamCalendar(ctx, tc.viewer, tc.unit, 2026, time.March)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if cal.OrgUnit.ID != unit || cal.OrgUnit.Name != "Bürgeramt" || len(cal.People) != 3 || len(cal.Days) != 31 {
				t.Fatalf("%s: unit %+v, %d people, %d days", tc.name, cal.OrgUnit, len(cal.People), len(cal.Days))
			}
			c := cell(t, cal, f.emp.UserID, civil.D(2026, 3, 3))
			if len(c.Absences) != 1 || c.Absences[0].TypeID != tc.want.sickType || c.Absences[0].ID != tc.want.sickID {
				t.Errorf("%s: sick day %+v; want type %s id %d", tc.name, c.Absences, tc.want.sickType, tc.want.sickID)
			}
			c = cell(t, cal, f.emp.UserID, civil.D(2026, 3, 11))
			if shown := len(c.Absences) == 1; shown != tc.want.requestedShown {
				t.Errorf("%s: requested leave %+v; want shown %v", tc.name, c.Absences, tc.want.requestedShown)
			} else if shown && (c.Absences[0].Status != absence.StatusRequested || c.Absences[0].TypeID != "vacation") {
				t.Errorf("%s: requested leave %+v", tc.name, c.Absences[0])
			}
			c = cell(t, cal, f.emp.UserID, civil.D(2026, 3, 16))
			if len(c.Absences) != 1 || c.Absences[0].TypeID != tc.want.approvedType || c.Absences[0].DayLength != absence.DayMorning {
				t.Errorf("%s: approved half day %+v; want %s morning", tc.name, c.Absences, tc.want.approvedType)
			}
			if c := cell(t, cal, f.other.UserID, civil.D(2026, 3, 2)); len(c.Absences) != 1 {
				t.Errorf("%s: training from February: %+v", tc.name, c.Absences)
			}
			if c := cell(t, cal, f.other.UserID, civil.D(2026, 3, 3)); len(c.Absences) != 0 {
				t.Errorf("%s: training after its end: %+v", tc.name, c.Absences)
			}
			if !cal.Days[6].Weekend || cal.Days[5].Weekend { // 7 March 2026 is a Saturday
				t.Errorf("%s: weekends %+v %+v", tc.name, cal.Days[5], cal.Days[6])
			}
			if got := cal.Days[2].Absent; got != 1 {
				t.Errorf("%s: absent on 3 March = %d; want 1", tc.name, got)
			}
			if isHR := tc.name == "hr" || tc.name == "cli"; isHR != (len(cal.ChooseUnits) == 3) {
				t.Errorf("%s: units to choose %+v", tc.name, cal.ChooseUnits)
			}
		}

		// Others see only their own unit.
		_, err = f.svc.TeamCalendar(ctx, stranger, unit, 2026, time.March)
		wantCode(t, "stranger", err, apperr.NotFound, "not_found")
		_, err = f.svc.TeamCalendar(ctx, f.lead, 999999, 2026, time.March)
		wantCode(t, "unknown unit", err, apperr.NotFound, "not_found")
		_, err = f.svc.TeamCalendar(ctx, f.hr, 999999, 2026, time.March)
		wantCode(t, "unknown unit hr", err, apperr.NotFound, "not_found")
		_, err = f.svc.TeamCalendar(ctx, actor.Anonymous("192.0.2.9"), unit, 2026, time.March)
		wantCode(t, "anonymous", err, apperr.NotFound, "not_found")
		_, err = f.svc.TeamCalendar(ctx, f.emp, 0, 2026, 13)
		wantCode(t, "month 13", err, apperr.Invalid, "invalid_filter")
		cal, err := f.svc.TeamCalendar(ctx, stranger, 0, 2026, time.March)
		if err != nil || len(cal.People) != 1 || cal.People[0].UserID != stranger.UserID || cal.OrgUnit.Name != "Kämmerei" {
			t.Errorf("stranger's own unit: %+v, %v", cal, err)
		}

		// Without a unit a person sees themselves alone; disabled people
		// drop out of the calendar.
		loner := f.user(t, "lone", 0, actor.RoleEmployee)
		cal, err = f.svc.TeamCalendar(ctx, loner, 0, 2026, time.February)
		if err != nil || cal.OrgUnit.ID != 0 || len(cal.People) != 1 || len(cal.Days) != 28 {
			t.Errorf("loner: %+v, %v", cal, err)
		}
		exec(t, d, "UPDATE users SET disabled = ? WHERE id = ?", true, f.other.UserID)
		cal, err = f.svc.TeamCalendar(ctx, f.emp, 0, 2026, time.March)
		if err != nil || len(cal.People) != 2 {
			t.Errorf("after disabling: %d people, %v", len(cal.People), err)
		}
	})
}

func TestTeamCalendarHolidaysPerLand(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		orgUnit(t, d, "Team", f.emp.UserID, f.other.UserID, f.lead.UserID)
		setState(t, d, f.emp.UserID, "BY")
		setState(t, d, f.other.UserID, "NW")
		setState(t, d, f.lead.UserID, "SN")
		cal, err := f.svc.TeamCalendar(ctx, f.emp, 0, 2026, time.January)
		if err != nil {
			t.Fatal(err)
		}
		if c := cell(t, cal, f.emp.UserID, civil.D(2026, 1, 6)); c.Holiday != "Heilige Drei Könige" {
			t.Errorf("BY 6 January: %q", c.Holiday)
		}
		if c := cell(t, cal, f.other.UserID, civil.D(2026, 1, 6)); c.Holiday != "" {
			t.Errorf("NW 6 January: %q", c.Holiday)
		}
		for _, id := range []int64{f.emp.UserID, f.other.UserID, f.lead.UserID} {
			if c := cell(t, cal, id, civil.D(2026, 1, 1)); c.Holiday != "Neujahr" {
				t.Errorf("%d: 1 January: %q", id, c.Holiday)
			}
		}
		// Buß- und Bettag only in Saxony; regional holidays do not count
		// (Mariä Himmelfahrt in Bavaria).
		cal, err = f.svc.TeamCalendar(ctx, f.emp, 0, 2026, time.November)
		if err != nil {
			t.Fatal(err)
		}
		if c := cell(t, cal, f.lead.UserID, civil.D(2026, 11, 18)); c.Holiday != "Buß- und Bettag" {
			t.Errorf("SN 18 November: %q", c.Holiday)
		}
		if c := cell(t, cal, f.emp.UserID, civil.D(2026, 11, 18)); c.Holiday != "" {
			t.Errorf("BY 18 November: %q", c.Holiday)
		}
		cal, err = f.svc.TeamCalendar(ctx, f.emp, 0, 2026, time.August)
		if err != nil {
			t.Fatal(err)
		}
		if c := cell(t, cal, f.emp.UserID, civil.D(2026, 8, 15)); c.Holiday != "" {
			t.Errorf("BY 15 August (regional): %q", c.Holiday)
		}
	})
}

func TestSetPresence(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		orgUnit(t, d, "Team", f.emp.UserID, f.other.UserID, f.lead.UserID)
		day := civil.D(2026, 3, 4)
		for _, step := range []struct {
			a     actor.Actor
			place string
		}{{f.emp, absence.PlaceOffice}, {f.other, absence.PlaceOffice}, {f.lead, absence.PlaceHome}, {f.emp, absence.PlaceOffice}} {
			if err := f.svc.SetPresence(ctx, step.a, day, step.place); err != nil {
				t.Fatal(err)
			}
		}
		if n := auditCount(t, d, "presence.set"); n != 3 {
			t.Errorf("audit records after 4 calls (one unchanged) = %d; want 3", n)
		}
		cal, err := f.svc.TeamCalendar(ctx, f.lead, 0, 2026, time.March)
		if err != nil {
			t.Fatal(err)
		}
		if got := cal.Days[3].Office; got != 2 {
			t.Errorf("office on 4 March = %d; want 2", got)
		}
		if c := cell(t, cal, f.lead.UserID, day); c.Presence != absence.PlaceHome {
			t.Errorf("lead presence %q", c.Presence)
		}
		// Changing and removing.
		if err := f.svc.SetPresence(ctx, f.other, day, absence.PlaceHome); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetPresence(ctx, f.emp, day, ""); err != nil {
			t.Fatal(err)
		}
		cal, err = f.svc.TeamCalendar(ctx, f.lead, 0, 2026, time.March)
		if err != nil {
			t.Fatal(err)
		}
		if got := cal.Days[3].Office; got != 0 {
			t.Errorf("office after changes = %d; want 0", got)
		}
		if c := cell(t, cal, f.emp.UserID, day); c.Presence != "" {
			t.Errorf("removed presence %q", c.Presence)
		}
		if c := cell(t, cal, f.other.UserID, day); c.Presence != absence.PlaceHome {
			t.Errorf("changed presence %q", c.Presence)
		}
		// A full-day absence takes a person out of the office count.
		if err := f.svc.SetPresence(ctx, f.emp, civil.D(2026, 3, 5), absence.PlaceOffice); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "sick", Start: civil.D(2026, 3, 5), End: civil.D(2026, 3, 5)}); err != nil {
			t.Fatal(err)
		}
		cal, err = f.svc.TeamCalendar(ctx, f.emp, 0, 2026, time.March)
		if err != nil {
			t.Fatal(err)
		}
		if got := cal.Days[4]; got.Office != 0 || got.Absent != 1 {
			t.Errorf("5 March: %+v; want office 0, absent 1", got)
		}

		wantCode(t, "bad place", f.svc.SetPresence(ctx, f.emp, day, "beach"), apperr.Invalid, "invalid_presence_place")
		wantCode(t, "no day", f.svc.SetPresence(ctx, f.emp, civil.Date{}, absence.PlaceHome), apperr.Invalid, "invalid_date")
		wantCode(t, "cli", f.svc.SetPresence(ctx, actor.CLI(), day, absence.PlaceHome), apperr.NotFound, "not_found")
		ro := f.emp
		ro.Via, ro.TokenScope = actor.ViaToken, "read"
		wantCode(t, "read-only token", f.svc.SetPresence(ctx, ro, day, absence.PlaceHome), apperr.Forbidden, "token_scope")
	})
}

// BenchmarkTeamCalendar builds the month view of an org unit of 500 people
// on SQLite, with two absences per person in the month (a fifth of them
// requested, a quarter sickness) and a presence plan on about three of
// four working days (the target: under 100 ms). Run with
//
//	go test -run '^$' -bench TeamCalendar ./internal/absence/
func BenchmarkTeamCalendar(b *testing.B) {
	const people = 500
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := clock.NewFake(now)
	wt := worktime.NewService(d, c)
	svc := absence.NewService(d, c, wt)
	types := []string{"vacation", "sick", "business_trip", "training", "flexi_day", "sick_certified", "vacation", "child_sick"}
	states := []string{"NW", "BY", "BE", "SN", "HE"}
	var lead, unit int64
	absences, plans := 0, 0
	err := d.InTx(ctx, func(tx *db.Tx) error {
		ts := db.T(now)
		if err := tx.QueryRowContext(ctx, "INSERT INTO org_units (name, created_at, updated_at) VALUES ('Bürgeramt', ?, ?) RETURNING id", ts, ts).Scan(&unit); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, "INSERT INTO users (username, display_name, org_unit_id, state, created_at, updated_at) VALUES ('lead', 'Lena Lead', ?, 'NW', ?, ?) RETURNING id", unit, ts, ts).Scan(&lead); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)", lead, actor.RoleLead); err != nil {
			return err
		}
		for p := range people - 1 {
			var id int64
			var sup any
			if p%10 == 0 {
				sup = lead
			}
			if err := tx.QueryRowContext(ctx, "INSERT INTO users (username, display_name, org_unit_id, supervisor_id, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
				fmt.Sprintf("user%03d", p), fmt.Sprintf("Person %03d", p), unit, sup, states[p%len(states)], ts, ts).Scan(&id); err != nil {
				return err
			}
			for i := range 2 {
				first := civil.D(2026, 3, 1).AddDays(p%14 + i*14)
				status := absence.StatusApproved
				if (p+i)%5 == 4 {
					status = absence.StatusRequested
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO absences (user_id, type_id, start_date, end_date, status, note, created_at, decided_at)
					VALUES (?, ?, ?, ?, ?, '', ?, ?)`, id, types[(i+p)%len(types)], first.String(), first.AddDays((p+i)%4).String(), status, ts, ts); err != nil {
					return err
				}
				absences++
			}
			for day := civil.D(2026, 3, 1); day.Month == time.March; day = day.AddDays(1) {
				if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday || (p+day.Day)%4 == 0 {
					continue
				}
				place := absence.PlaceHome
				if (p+day.Day)%2 == 0 {
					place = absence.PlaceOffice
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO presence_plans (user_id, day, place, updated_at) VALUES (?, ?, ?, ?)", id, day.String(), place, ts); err != nil {
					return err
				}
				plans++
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	a := actor.Actor{UserID: lead, Username: "lead", Roles: []string{actor.RoleLead}, Via: actor.ViaSession, SessionID: 1}
	var cal absence.TeamCalendar
	for b.Loop() {
		cal, err = svc.TeamCalendar(ctx, a, 0, 2026, time.March)
		if err != nil {
			b.Fatal(err)
		}
	}
	if len(cal.People) != people {
		b.Fatalf("%d people; want %d", len(cal.People), people)
	}
	b.ReportMetric(float64(absences), "absences")
	b.ReportMetric(float64(plans), "plans")
}

func TestTeamCalendarWeek(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		year, week int
		want       civil.Date
		ok         bool
	}{
		{2026, 1, civil.D(2025, 12, 29), true},
		{2026, 10, civil.D(2026, 3, 2), true},
		{2025, 53, civil.Date{}, false},
		{2026, 53, civil.D(2026, 12, 28), true},
		{2020, 53, civil.D(2020, 12, 28), true},
		{2026, 0, civil.Date{}, false},
	} {
		if got, ok := absence.ISOWeek(tc.year, tc.week); got != tc.want || ok != tc.ok {
			t.Errorf("ISOWeek(%d, %d) = %v, %v; want %v, %v", tc.year, tc.week, got, ok, tc.want, tc.ok)
		}
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		orgUnit(t, d, "Team", f.emp.UserID, f.other.UserID)
		// A week across the turn of the month: 30 March to 5 April 2026
		// (Good Friday on 3 April in NW).
		setState(t, d, f.emp.UserID, "NW")
		if err := f.svc.SetPresence(ctx, f.emp, civil.D(2026, 4, 1), absence.PlaceOffice); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Request(ctx, f.other, absence.NewAbsence{TypeID: "sick", Start: civil.D(2026, 3, 27), End: civil.D(2026, 3, 31)}); err != nil {
			t.Fatal(err)
		}
		cal, err := f.svc.TeamCalendarRange(ctx, f.emp, 0, civil.D(2026, 3, 30), civil.D(2026, 4, 5))
		if err != nil {
			t.Fatal(err)
		}
		if len(cal.Days) != 7 || cal.From != civil.D(2026, 3, 30) || cal.To != civil.D(2026, 4, 5) {
			t.Fatalf("week: %d days, %v to %v", len(cal.Days), cal.From, cal.To)
		}
		var emp, other absence.CalendarPerson
		for _, p := range cal.People {
			switch p.UserID {
			case f.emp.UserID:
				emp = p
			case f.other.UserID:
				other = p
			}
		}
		if emp.Cells[2].Presence != absence.PlaceOffice || cal.Days[2].Office != 1 || emp.Cells[4].Holiday != "Karfreitag" {
			t.Errorf("emp's week: %+v", emp.Cells)
		}
		if len(other.Cells[0].Absences) != 1 || len(other.Cells[1].Absences) != 1 || len(other.Cells[2].Absences) != 0 || other.Cells[0].Absences[0].TypeID != absence.TypeAbsent {
			t.Errorf("colleague's sickness in the week: %+v", other.Cells[:3])
		}
		_, err = f.svc.TeamCalendarRange(ctx, f.emp, 0, civil.D(2026, 1, 1), civil.D(2026, 3, 31))
		wantCode(t, "too long", err, apperr.Invalid, "invalid_filter")
		_, err = f.svc.TeamCalendarRange(ctx, f.emp, 0, civil.D(2026, 3, 2), civil.D(2026, 3, 1))
		wantCode(t, "reversed", err, apperr.Invalid, "invalid_filter")
	})
}

func TestMinStaffing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		unit := orgUnit(t, d, "Bürgeramt", f.emp.UserID, f.other.UserID, f.lead.UserID)
		for _, u := range []actor.Actor{f.emp, f.other, f.lead} {
			setState(t, d, u.UserID, "NW")
		}
		wantCode(t, "lead", f.svc.SetMinStaffing(ctx, f.lead, unit, 3), apperr.NotFound, "not_found")
		wantCode(t, "negative", f.svc.SetMinStaffing(ctx, f.hr, unit, -1), apperr.Invalid, "invalid_min_staffing")
		wantCode(t, "unknown unit", f.svc.SetMinStaffing(ctx, f.hr, 999999, 3), apperr.NotFound, "not_found")
		for range 2 {
			if err := f.svc.SetMinStaffing(ctx, f.hr, unit, 3); err != nil {
				t.Fatal(err)
			}
		}
		if n := auditCount(t, d, "org_unit.min_staffing"); n != 1 {
			t.Errorf("audit records = %d; want 1 (the second call changes nothing)", n)
		}
		if _, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "sick", Start: civil.D(2026, 3, 3), End: civil.D(2026, 3, 3)}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Request(ctx, f.other, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 4), End: civil.D(2026, 3, 4), DayLength: absence.DayNoon}); err != nil {
			t.Fatal(err)
		}
		cal, err := f.svc.TeamCalendar(ctx, f.lead, 0, 2026, time.March)
		if err != nil {
			t.Fatal(err)
		}
		if cal.MinStaffing != 3 || cal.CanSetStaffing {
			t.Errorf("lead: min %d, can set %v", cal.MinStaffing, cal.CanSetStaffing)
		}
		for i, want := range []struct {
			present      int
			understaffed bool
		}{{3, false}, {3, false}, {2, true}, {3, false}, {3, false}, {3, false}, {0, false}} {
			// 1 March is a Sunday; 3 March Erika is sick; a requested half
			// day on 4 March does not count; 7 March is a Saturday.
			if got := cal.Days[i]; (i != 0 && i != 6 && (got.Present != want.present || got.Understaffed != want.understaffed)) || ((i == 0 || i == 6) && (got.Present != 0 || got.Understaffed)) {
				t.Errorf("%v: present %d, understaffed %v; want %d, %v", got.Date, got.Present, got.Understaffed, want.present, want.understaffed)
			}
		}
		cal, err = f.svc.TeamCalendar(ctx, f.hr, unit, 2026, time.April)
		if err != nil {
			t.Fatal(err)
		}
		if !cal.CanSetStaffing || cal.Days[2].Understaffed || cal.Days[2].Present != 0 { // Good Friday: nobody would work, no warning
			t.Errorf("Good Friday: %+v, can set %v", cal.Days[2], cal.CanSetStaffing)
		}
		if err := f.svc.SetMinStaffing(ctx, f.hr, unit, 0); err != nil {
			t.Fatal(err)
		}
		cal, err = f.svc.TeamCalendar(ctx, f.lead, 0, 2026, time.March)
		if err != nil || cal.MinStaffing != 0 || cal.Days[2].Understaffed {
			t.Errorf("after removing: min %d, 3 March %+v, %v", cal.MinStaffing, cal.Days[2], err)
		}
	})
}
