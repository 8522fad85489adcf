package absence_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
)

// TestStaffingWarnings: a unit of five with a minimum of 4. Erika (who
// does not work on Wednesdays from March on) asks for the week of 9 March
// while Sven is on approved leave Tuesday to Thursday.
func TestStaffingWarnings(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		max := f.user(t, "max", f.lead.UserID, actor.RoleEmployee)
		gone := f.user(t, "gone", f.lead.UserID, actor.RoleEmployee)
		unit := orgUnit(t, d, "Bürgeramt", f.lead.UserID, f.emp.UserID, f.other.UserID, max.UserID, gone.UserID)
		exec(t, d, "UPDATE users SET disabled = ? WHERE id = ?", true, gone.UserID) // disabled people do not count
		partTime, err := f.wt.CreateWorkModel(ctx, actor.CLI(), worktime.NewWorkModel{Name: "Teilzeit", Minutes: [7]int{468, 468, 0, 468, 468}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.wt.AssignWorkModel(ctx, actor.CLI(), f.emp.UserID, partTime.ID, civil.D(2026, 3, 1)); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetMinStaffing(ctx, f.hr, unit, 4); err != nil {
			t.Fatal(err)
		}
		record := func(a actor.Actor, typeID string, from, to civil.Date, dayLength string) absence.Absence {
			t.Helper()
			x, err := f.svc.Request(ctx, f.hr, absence.NewAbsence{UserID: a.UserID, TypeID: typeID, Start: from, End: to, DayLength: dayLength})
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
		record(f.other, "vacation", civil.D(2026, 3, 10), civil.D(2026, 3, 12), "")
		// Max's half day on Monday and his pending request on Friday do
		// not take him away in the count.
		record(max, "vacation", civil.D(2026, 3, 9), civil.D(2026, 3, 9), absence.DayMorning)
		if _, err := f.svc.Request(ctx, max, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 13), End: civil.D(2026, 3, 13)}); err != nil {
			t.Fatal(err)
		}

		req, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 9), End: civil.D(2026, 3, 13)})
		if err != nil {
			t.Fatal(err)
		}
		// Four present people would work Mon–Fri; with Erika away 3, with
		// Sven away too 2. Erika does not work on Wednesdays: no warning.
		want := []absence.StaffingWarning{
			{Date: civil.D(2026, 3, 9), Present: 3, Minimum: 4},
			{Date: civil.D(2026, 3, 10), Present: 2, Minimum: 4},
			{Date: civil.D(2026, 3, 12), Present: 2, Minimum: 4},
			{Date: civil.D(2026, 3, 13), Present: 3, Minimum: 4},
		}
		for _, c := range []struct {
			name  string
			a     actor.Actor
			sees  bool
			input absence.Absence
		}{
			{"the person", f.emp, true, req},
			{"the lead", f.lead, true, req},
			{"HR", f.hr, true, req},
			{"a colleague", f.other, false, req},
			{"the system", actor.CLI(), true, req},
		} {
			got, err := f.svc.WithStaffingWarnings(ctx, c.a, c.input)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if !c.sees {
				if got.StaffingWarnings != nil {
					t.Errorf("%s sees warnings %+v", c.name, got.StaffingWarnings)
				}
				continue
			}
			if !reflect.DeepEqual(got.StaffingWarnings, want) {
				t.Errorf("%s: warnings\n%+v; want\n%+v", c.name, got.StaffingWarnings, want)
			}
		}

		// Approved, the absence is not counted twice.
		ok, err := f.svc.Approve(ctx, f.lead, req.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.WithStaffingWarnings(ctx, f.emp, ok); err != nil || !reflect.DeepEqual(got.StaffingWarnings, want) {
			t.Errorf("approved: %+v, %v", got.StaffingWarnings, err)
		}
		// The team calendar agrees on the days both count.
		cal, err := f.svc.TeamCalendar(ctx, f.other, 0, 2026, time.March)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if day := cal.Days[w.Date.Day-1]; day.Present != w.Present || !day.Understaffed {
				t.Errorf("calendar %v: present %d, understaffed %v; want %d, true", w.Date, day.Present, day.Understaffed, w.Present)
			}
		}

		// A cancelled absence, a sick note and a person without a unit get
		// no warnings; without a minimum the list is empty.
		cancelled, err := f.svc.Cancel(ctx, f.hr, req.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.WithStaffingWarnings(ctx, f.emp, cancelled); got.StaffingWarnings != nil {
			t.Errorf("cancelled: %+v", got.StaffingWarnings)
		}
		sick, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "sick", Start: civil.D(2026, 3, 10), End: civil.D(2026, 3, 10)})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.WithStaffingWarnings(ctx, f.emp, sick); got.StaffingWarnings != nil {
			t.Errorf("sick note: %+v", got.StaffingWarnings)
		}
		alone, err := f.svc.Request(ctx, f.hr, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 10), End: civil.D(2026, 3, 10)})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.WithStaffingWarnings(ctx, f.hr, alone); err != nil || got.StaffingWarnings == nil || len(got.StaffingWarnings) != 0 {
			t.Errorf("no unit: %#v, %v", got.StaffingWarnings, err)
		}
		if err := f.svc.SetMinStaffing(ctx, f.hr, unit, 0); err != nil {
			t.Fatal(err)
		}
		again, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 16), End: civil.D(2026, 3, 17)})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.WithStaffingWarnings(ctx, f.emp, again); err != nil || got.StaffingWarnings == nil || len(got.StaffingWarnings) != 0 {
			t.Errorf("no minimum: %#v, %v", got.StaffingWarnings, err)
		}
	})
}

// TestStaffingWarningsDeputy: the lead's acting deputy decides and so sees
// the warnings.
func TestStaffingWarningsDeputy(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		dep := f.user(t, "dora", 0, actor.RoleEmployee)
		unit := orgUnit(t, d, "Bürgeramt", f.lead.UserID, f.emp.UserID)
		if err := f.svc.SetMinStaffing(ctx, f.hr, unit, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetDeputy(ctx, f.lead, f.lead.UserID, dep.UserID); err != nil {
			t.Fatal(err)
		}
		req, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 16), End: civil.D(2026, 3, 16)})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.WithStaffingWarnings(ctx, dep, req); got.StaffingWarnings != nil {
			t.Errorf("deputy while the lead is present: %+v", got.StaffingWarnings)
		}
		if _, err := f.svc.Request(ctx, f.hr, absence.NewAbsence{UserID: f.lead.UserID, TypeID: "vacation", Start: civil.D(2026, 3, 2), End: civil.D(2026, 3, 6)}); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.WithStaffingWarnings(ctx, dep, req)
		want := []absence.StaffingWarning{{Date: civil.D(2026, 3, 16), Present: 1, Minimum: 2}}
		if err != nil || !reflect.DeepEqual(got.StaffingWarnings, want) {
			t.Errorf("acting deputy: %+v, %v; want %+v", got.StaffingWarnings, err, want)
		}
	})
}
