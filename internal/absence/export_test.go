package absence_test

import (
	"context"
	"testing"
	"time"

	"ortlos/internal/absence"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
)

// TestMonthExport: approved absences become one row per working day of
// the month (holidays and weekends left out, half days marked), for HR
// only.
func TestMonthExport(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		got, err := f.svc.Request(ctx, f.emp, easter) // 30 March – 10 April 2026
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(ctx, f.lead, got.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Request(ctx, f.hr, absence.NewAbsence{UserID: f.other.UserID, TypeID: "sick", Start: civil.D(2026, 4, 14), End: civil.D(2026, 4, 14), DayLength: absence.DayMorning}); err != nil {
			t.Fatal(err)
		}
		// Requested, not approved: not exported.
		if _, err := f.svc.Request(ctx, f.lead, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 4, 20), End: civil.D(2026, 4, 20)}); err != nil {
			t.Fatal(err)
		}
		rows, err := f.svc.MonthExport(ctx, f.hr, 2026, time.April)
		if err != nil {
			t.Fatal(err)
		}
		var dates []string
		for _, r := range rows {
			dates = append(dates, r.Username+" "+r.Date.String()+" "+r.TypeID)
			if r.TypeID == "sick" && !r.Half {
				t.Errorf("half-day sick note exported as a full day: %+v", r)
			}
		}
		// April: 1, 2 (Wed, Thu), Karfreitag 3 and Ostermontag 6 are
		// holidays, 7–10; then the sick morning of 14 April.
		want := []string{"erika 2026-04-01 vacation", "erika 2026-04-02 vacation", "erika 2026-04-07 vacation", "erika 2026-04-08 vacation",
			"erika 2026-04-09 vacation", "erika 2026-04-10 vacation", "sven 2026-04-14 sick"}
		if len(dates) != len(want) {
			t.Fatalf("export = %v; want %v", dates, want)
		}
		for i := range want {
			if dates[i] != want[i] {
				t.Errorf("row %d = %s, want %s", i, dates[i], want[i])
			}
		}
		_, err = f.svc.MonthExport(ctx, f.lead, 2026, time.April)
		wantCode(t, "lead exports", err, apperr.NotFound, "not_found")
		_, err = f.svc.MonthExport(ctx, f.hr, 2026, 13)
		wantCode(t, "month 13", err, apperr.Invalid, "invalid_filter")
	})
}
