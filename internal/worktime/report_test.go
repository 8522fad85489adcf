package worktime_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
	"ortlos/internal/worktime/arbzg"
)

// orgUnit inserts an org unit under parent (0: root) and returns its id.
func orgUnit(t testing.TB, d *db.DB, name string, parent int64) int64 {
	t.Helper()
	var p any
	if parent != 0 {
		p = parent
	}
	var id int64
	ctx := context.Background()
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, "INSERT INTO org_units (parent_id, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
			p, name, db.T(start), db.T(start)).Scan(&id)
	}); err != nil {
		t.Fatalf("org unit %s: %v", name, err)
	}
	return id
}

// placeUser sets a user's Land, org unit and disabled flag.
func placeUser(t testing.TB, d *db.DB, userID int64, state string, unit int64, disabled bool) {
	t.Helper()
	var u any
	if unit != 0 {
		u = unit
	}
	ctx := context.Background()
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE users SET state = ?, org_unit_id = ?, disabled = ? WHERE id = ?", state, u, disabled, userID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// insertEntry inserts a finished interval directly (revision 1, clocked).
func insertEntry(t testing.TB, d *db.DB, userID int64, from, to time.Time, location string) {
	t.Helper()
	ctx := context.Background()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, "INSERT INTO time_entries (user_id, created_at) VALUES (?, ?) RETURNING id", userID, db.T(from)).Scan(&id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO time_entry_revisions (entry_id, revision, start_at, end_at, location, source, created_at, created_by)
			VALUES (?, 1, ?, ?, ?, 'clock', ?, ?)`, id, db.T(from), db.T(to), location, db.T(to), userID)
		return err
	})
	if err != nil {
		t.Fatalf("insert entry: %v", err)
	}
}

func names(r worktime.MonthReport) []string {
	var out []string
	for _, p := range r.People {
		out = append(out, p.Person.Username)
	}
	return out
}

// TestComplianceReport builds a small organisation (Amt with the sub-unit
// Team A) and checks who appears for whom, that every person is judged
// exactly as the month view judges them, and the payroll rows.
func TestComplianceReport(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		berlin := f.svc.Location()
		hr := f.user(t, "hr", 0, actor.RoleHR)
		lead := f.user(t, "lead", 0, actor.RoleLead)
		erika := f.user(t, "erika", lead.UserID, actor.RoleEmployee)
		otto := f.user(t, "otto", 0, actor.RoleEmployee)
		zora := f.user(t, "zora", lead.UserID, actor.RoleEmployee)
		amt := orgUnit(t, d, "Amt", 0)
		team := orgUnit(t, d, "Team A", amt)
		placeUser(t, d, erika.UserID, "BY", team, false)
		placeUser(t, d, otto.UserID, "", amt, false)
		placeUser(t, d, zora.UserID, "NW", amt, true)

		m, err := f.svc.CreateWorkModel(ctx, hr, worktime.NewWorkModel{Name: "Vollzeit", Minutes: days(468, 468, 468, 468, 468)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AssignWorkModel(ctx, hr, erika.UserID, m.ID, civil.D(2026, 4, 1)); err != nil {
			t.Fatal(err)
		}
		at := func(day, h, min int) time.Time { return time.Date(2026, 4, day, h, min, 0, 0, berlin) }
		// Erika: 31 March late (rest too short before 1 April), 1 April
		// with a proper break, 2 April with 20 minutes where 30 are due.
		insertEntry(t, d, erika.UserID, at(0, 16, 0), at(0, 22, 0), "office")
		insertEntry(t, d, erika.UserID, at(1, 8, 0), at(1, 12, 0), "office")
		insertEntry(t, d, erika.UserID, at(1, 12, 30), at(1, 16, 18), "office")
		insertEntry(t, d, erika.UserID, at(2, 8, 0), at(2, 11, 0), "home")
		insertEntry(t, d, erika.UserID, at(2, 11, 20), at(2, 14, 40), "home")
		// Otto: ten hours without a break on 7 April.
		insertEntry(t, d, otto.UserID, at(7, 8, 0), at(7, 18, 0), "office")
		insertEntry(t, d, zora.UserID, at(7, 8, 0), at(7, 18, 0), "office")
		f.clock.Set(time.Date(2026, 5, 4, 9, 0, 0, 0, berlin))

		r, err := f.svc.ComplianceReport(ctx, hr, amt, true, 2026, time.April)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(r); !slices.Equal(got, []string{"erika", "otto"}) || r.OrgUnitName != "Amt" {
			t.Fatalf("HR, Amt with sub-units: %v (%q); want erika and otto of Amt", got, r.OrgUnitName)
		}
		e, o := r.People[0], r.People[1]
		if e.Person.State != "BY" || o.Person.State != worktime.DefaultPolicy().DefaultState || e.Person.OrgUnitName != "Team A" {
			t.Errorf("people = %+v, %+v; want BY in Team A and the fallback Land", e.Person, o.Person)
		}
		// Erika as the month view sees her.
		v, err := f.svc.Month(ctx, hr, erika.UserID, "BY", 2026, time.April)
		if err != nil {
			t.Fatal(err)
		}
		if e.Totals != v.Totals {
			t.Errorf("report totals %+v; month view %+v", e.Totals, v.Totals)
		}
		codes := func(fs []arbzg.Finding) []arbzg.Code {
			var out []arbzg.Code
			for _, f := range fs {
				out = append(out, f.Code)
			}
			return out
		}
		if !slices.Equal(codes(e.Findings), codes(v.Findings)) || !slices.Equal(codes(e.Findings), []arbzg.Code{arbzg.RestTooShort, arbzg.BreakTooShort}) {
			t.Errorf("report findings %v; month view %v; want rest and break", codes(e.Findings), codes(v.Findings))
		}
		for i, d := range e.Days {
			md := v.Days[i]
			if d.Date != md.Date || d.TargetMinutes != md.TargetMinutes || d.WorkedMinutes != md.WorkedMinutes || d.BreakMinutes != md.BreakMinutes ||
				d.BalanceMinutes != md.BalanceMinutes || d.Counted != md.Counted || d.HolidayName != md.HolidayName {
				t.Errorf("day %s: report %+v; month view %+v", d.Date, d, md)
			}
		}
		// Bulk targets agree with TargetMinutes.
		targets, err := f.svc.TargetMinutes(ctx, erika.UserID, "BY", civil.D(2026, 4, 1), civil.D(2026, 4, 30))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range e.Days {
			if d.TargetMinutes != targets[d.Date] {
				t.Errorf("%s: target %d; TargetMinutes %d", d.Date, d.TargetMinutes, targets[d.Date])
			}
		}
		if e.Counts != (worktime.SeverityCounts{Violation: 2}) {
			t.Errorf("erika's counts = %+v; want 2 violations", e.Counts)
		}
		if o.Counts.Violation < 2 || o.Counts.Obligation < 1 || r.Counts.Total() != e.Counts.Total()+o.Counts.Total() {
			t.Errorf("otto's counts = %+v, report %+v; want ≥2 violations and an obligation, report summing both", o.Counts, r.Counts)
		}

		// Scopes.
		for _, tt := range []struct {
			name string
			a    actor.Actor
			unit int64
			deep bool
			want []string
		}{
			{"HR, Amt only", hr, amt, false, []string{"otto"}},
			{"HR, Team A", hr, team, true, []string{"erika"}},
			{"HR, whole organisation", hr, 0, false, []string{"erika", "hr", "lead", "otto"}},
			{"lead, Amt with sub-units", lead, amt, true, []string{"erika"}},
			{"lead, Amt only", lead, amt, false, nil},
		} {
			r, err := f.svc.ComplianceReport(ctx, tt.a, tt.unit, tt.deep, 2026, time.April)
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			if got := names(r); !slices.Equal(got, tt.want) {
				t.Errorf("%s: %v; want %v", tt.name, got, tt.want)
			}
		}
		for _, a := range []actor.Actor{erika, otto, actor.Anonymous("192.0.2.9")} {
			if _, err := f.svc.ComplianceReport(ctx, a, amt, true, 2026, time.April); apperr.KindOf(err) != apperr.NotFound {
				t.Errorf("%s: error %v; want NotFound", a.Username, err)
			}
			if _, err := f.svc.ReportOrgUnits(ctx, a); apperr.KindOf(err) != apperr.NotFound {
				t.Errorf("%s: org units error %v; want NotFound", a.Username, err)
			}
		}
		if _, err := f.svc.ComplianceReport(ctx, hr, 999999, true, 2026, time.April); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("unknown unit: error %v; want NotFound", err)
		}
		_, err = f.svc.ComplianceReport(ctx, hr, amt, true, 2026, 13)
		wantCode(t, "month 13", err, "invalid_filter")
		units, err := f.svc.ReportOrgUnits(ctx, lead)
		if err != nil || len(units) != 2 || units[0].Name != "Amt" || units[1].Name != "Team A" || units[1].Depth != 1 {
			t.Errorf("org units = %+v, %v; want Amt, then Team A at depth 1", units, err)
		}

		// Payroll rows: one per person and day.
		rows := f.svc.PayrollRows(r)
		if len(rows) != 60 {
			t.Fatalf("%d payroll rows; want 2 × 30", len(rows))
		}
		r1, r2 := rows[0], rows[1]
		if r1.Date != civil.D(2026, 4, 1) || r1.Start != "08:00" || r1.End != "16:18" || r1.BreakMinutes != 30 || r1.WorkingMinutes != 468 ||
			r1.TargetMinutes != 468 || r1.BalanceMinutes == nil || *r1.BalanceMinutes != 0 || r1.AbsenceType != "" || r1.Username != "erika" || r1.OrgUnit != "Team A" {
			t.Errorf("row 1 April = %+v", r1)
		}
		if r2.Start != "08:00" || r2.End != "14:40" || r2.WorkingMinutes != 380 || r2.BreakMinutes != 20 || *r2.BalanceMinutes != -88 {
			t.Errorf("row 2 April = %+v", r2)
		}
		if r3 := rows[2]; r3.Start != "" || r3.End != "" || r3.WorkingMinutes != 0 {
			t.Errorf("row 3 April (Karfreitag) = %+v; want no times", r3)
		}
	})
}

func TestTimesheet(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		berlin := f.svc.Location()
		hr := f.user(t, "hr", 0, actor.RoleHR)
		lead := f.user(t, "lead", 0, actor.RoleLead)
		erika := f.user(t, "erika", lead.UserID, actor.RoleEmployee)
		otto := f.user(t, "otto", 0, actor.RoleEmployee)
		otherLead := f.user(t, "olga", 0, actor.RoleLead)
		placeUser(t, d, erika.UserID, "NW", 0, true) // disabled accounts keep their timesheets
		insertEntry(t, d, erika.UserID, time.Date(2026, 3, 3, 22, 0, 0, 0, berlin), time.Date(2026, 3, 4, 6, 0, 0, 0, berlin), "office")
		f.clock.Set(time.Date(2026, 3, 10, 9, 0, 0, 0, berlin))
		for _, a := range []actor.Actor{erika, lead, hr} {
			ts, err := f.svc.Timesheet(ctx, a, erika.UserID, 2026, time.March)
			if err != nil {
				t.Fatalf("%s: %v", a.Username, err)
			}
			d := ts.Days[2]
			if ts.Person.DisplayName != "erika" || len(ts.Days) != 31 || d.WorkedMinutes != 480 || d.Start == nil ||
				d.Start.In(berlin).Format("15:04") != "22:00" || d.End.In(berlin).Format("02.01. 15:04") != "04.03. 06:00" {
				t.Errorf("%s: timesheet %+v, day 3 %+v; want the night shift on 3 March", a.Username, ts.Person, d)
			}
			if !ts.Days[9].Counted || ts.Days[10].Counted {
				t.Errorf("%s: days up to 10 March count, later ones not", a.Username)
			}
		}
		for _, a := range []actor.Actor{otto, otherLead} {
			if _, err := f.svc.Timesheet(ctx, a, erika.UserID, 2026, time.March); apperr.KindOf(err) != apperr.NotFound {
				t.Errorf("%s: error %v; want NotFound", a.Username, err)
			}
		}
		if _, err := f.svc.Timesheet(ctx, hr, 999999, 2026, time.March); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("unknown user: error %v; want NotFound", err)
		}
		_, err := f.svc.Timesheet(ctx, erika, erika.UserID, 1900, time.March)
		wantCode(t, "year 1900", err, "invalid_filter")
	})
}

func TestHomeOfficeDays(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		berlin := f.svc.Location()
		hr := f.user(t, "hr", 0, actor.RoleHR)
		lead := f.user(t, "lead", 0, actor.RoleLead)
		erika := f.user(t, "erika", lead.UserID, actor.RoleEmployee)
		otto := f.user(t, "otto", 0, actor.RoleEmployee)
		at := func(m time.Month, day, h, min int) time.Time { return time.Date(2026, m, day, h, min, 0, 0, berlin) }
		// New Year's night at home: 1 h on 31 Dec 2025, 2 h on 1 Jan.
		insertEntry(t, d, erika.UserID, at(1, 0, 23, 0), at(1, 1, 2, 0), "home")
		// 2 March: all at home.
		insertEntry(t, d, erika.UserID, at(3, 2, 8, 0), at(3, 2, 12, 0), "home")
		insertEntry(t, d, erika.UserID, at(3, 2, 12, 30), at(3, 2, 16, 0), "home")
		// 3 March: 2 h at home, 6 h in the office: home work, not predominant.
		insertEntry(t, d, erika.UserID, at(3, 3, 8, 0), at(3, 3, 10, 0), "home")
		insertEntry(t, d, erika.UserID, at(3, 3, 10, 30), at(3, 3, 16, 30), "office")
		// 4 March: 4 h at home, 3 h on the road: predominant.
		insertEntry(t, d, erika.UserID, at(3, 4, 8, 0), at(3, 4, 12, 0), "home")
		insertEntry(t, d, erika.UserID, at(3, 4, 13, 0), at(3, 4, 16, 0), "mobile")
		// 5 March: equal halves: not predominant.
		insertEntry(t, d, erika.UserID, at(3, 5, 8, 0), at(3, 5, 11, 0), "home")
		insertEntry(t, d, erika.UserID, at(3, 5, 12, 0), at(3, 5, 15, 0), "office")
		// 6 March: office only.
		insertEntry(t, d, erika.UserID, at(3, 6, 8, 0), at(3, 6, 16, 0), "office")
		f.clock.Set(at(3, 9, 9, 0))

		for _, a := range []actor.Actor{erika, hr} {
			y, err := f.svc.HomeOfficeDays(ctx, a, erika.UserID, 2026)
			if err != nil {
				t.Fatalf("%s: %v", a.Username, err)
			}
			var pred []civil.Date
			for _, d := range y.Days {
				if d.PredominantlyHome {
					pred = append(pred, d.Date)
				}
			}
			want := []civil.Date{civil.D(2026, 1, 1), civil.D(2026, 3, 2), civil.D(2026, 3, 4)}
			if y.Year != 2026 || y.DaysPredominantlyHome != 3 || y.DaysWithHomeWork != 5 || !slices.Equal(pred, want) {
				t.Errorf("%s: %+v; want 3 predominant (%v) of 5 days with home work", a.Username, y, want)
			}
			if d := y.Days[0]; d.HomeMinutes != 120 || d.OtherMinutes != 0 {
				t.Errorf("1 January = %+v; want 120 minutes at home", d)
			}
			if d := y.Days[2]; d.Date != civil.D(2026, 3, 3) || d.HomeMinutes != 120 || d.OtherMinutes != 360 {
				t.Errorf("3 March = %+v; want 120 at home, 360 elsewhere", d)
			}
		}
		y, err := f.svc.HomeOfficeDays(ctx, erika, erika.UserID, 2025)
		if err != nil || y.DaysPredominantlyHome != 1 || y.Days[0].Date != civil.D(2025, 12, 31) || y.Days[0].HomeMinutes != 60 {
			t.Errorf("2025 = %+v, %v; want 31 December with 60 minutes", y, err)
		}
		for _, a := range []actor.Actor{lead, otto} {
			if _, err := f.svc.HomeOfficeDays(ctx, a, erika.UserID, 2026); apperr.KindOf(err) != apperr.NotFound {
				t.Errorf("%s: error %v; want NotFound", a.Username, err)
			}
		}
		_, err = f.svc.HomeOfficeDays(ctx, erika, erika.UserID, 0)
		wantCode(t, "year 0", err, "invalid_filter")
	})
}
