package worktime_test

import (
	"context"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
	"ortlos/internal/worktime/arbzg"
)

// TestComplianceYearReport: nine hours on every Werktag of the first half
// of 2025 exceed the § 3 average of that half-year; an hour on every
// Sunday of the year leaves no free Sunday (§ 11). Neither finding is
// dated on a day, so only the yearly check shows them.
func TestComplianceYearReport(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		berlin := f.svc.Location()
		hr := f.user(t, "hr", 0, actor.RoleHR)
		lead := f.user(t, "lead", 0, actor.RoleLead)
		emp := f.user(t, "erika", lead.UserID, actor.RoleEmployee)
		f.user(t, "otto", 0, actor.RoleEmployee)
		add := func(day civil.Date, hours int) {
			start := day.Start(berlin).Add(8 * time.Hour)
			end := start.Add(time.Duration(hours) * time.Hour)
			if _, err := f.svc.CreateEntry(ctx, actor.CLI(), emp.UserID, worktime.EntryChange{Start: start, End: &end, Reason: "Import"}); err != nil {
				t.Fatal(err)
			}
		}
		for day := civil.D(2025, 1, 1); day.Year == 2025; day = day.AddDays(1) {
			switch {
			case day.Weekday() == time.Sunday:
				add(day, 1)
			case day.Month <= time.June:
				add(day, 9)
			}
		}
		rep, err := f.svc.ComplianceYearReport(ctx, hr, 0, false, 2025)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.People) != 4 || rep.Counts.Violation != 2 {
			t.Fatalf("report lists %d people with %+v; want 4 people and 2 violations", len(rep.People), rep.Counts)
		}
		var got []arbzg.Finding
		for _, p := range rep.People {
			if p.Person.ID == emp.UserID {
				got = p.Findings
			} else if len(p.Findings) != 0 {
				t.Errorf("%s has findings %v", p.Person.Username, p.Findings)
			}
		}
		if len(got) != 2 {
			t.Fatalf("erika's findings = %+v; want the first half-year's average and § 11", got)
		}
		avg, sun := got[0], got[1]
		if avg.Code != arbzg.AverageExceeded {
			avg, sun = sun, avg
		}
		if avg.Code != arbzg.AverageExceeded || avg.PeriodStart != civil.D(2025, 1, 1) || avg.PeriodEndExclusive != civil.D(2025, 7, 1) || avg.AverageMinutesPerWerktag <= 540 {
			t.Errorf("average finding = %+v; want Jan–Jun 2025 above 540 minutes per Werktag (holidays are worked but no Werktage)", avg)
		}
		if sun.Code != arbzg.TooFewFreeSundays || sun.Year != 2025 || sun.FreeSundays != 0 || sun.SundaysInYear != 52 {
			t.Errorf("§ 11 finding = %+v; want 0 of 52 Sundays free in 2025", sun)
		}

		// The lead sees the people they supervise; others see nothing.
		rep, err = f.svc.ComplianceYearReport(ctx, lead, 0, false, 2025)
		if err != nil || len(rep.People) != 1 || rep.People[0].Person.ID != emp.UserID {
			t.Errorf("lead's report = %+v, %v; want erika only", rep.People, err)
		}
		_, err = f.svc.ComplianceYearReport(ctx, emp, 0, false, 2025)
		wantCode(t, "employee's year report", err, "not_found")
		_, err = f.svc.ComplianceYearReport(ctx, hr, 0, false, 1990)
		wantCode(t, "year out of range", err, "invalid_filter")
	})
}
