package document_test

import (
	"context"
	"testing"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/document"
)

func TestDeletableFrom(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		trigger civil.Date
		years   int
		want    civil.Date
	}{
		{civil.D(2019, 5, 10), 6, civil.D(2026, 1, 1)},
		{civil.D(2019, 1, 1), 6, civil.D(2026, 1, 1)},
		{civil.D(2019, 12, 31), 6, civil.D(2026, 1, 1)},
		{civil.D(2020, 1, 1), 6, civil.D(2027, 1, 1)},
		{civil.D(2024, 2, 29), 8, civil.D(2033, 1, 1)},
		{civil.D(2025, 7, 1), 0, civil.D(2026, 1, 1)},
	} {
		if got := document.DeletableFrom(tc.trigger, tc.years); got != tc.want {
			t.Errorf("DeletableFrom(%s, %d) = %s, want %s", tc.trigger, tc.years, got, tc.want)
		}
	}
}

func TestRetentionSeededClasses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newRF(t, d)
		cs, err := f.Svc.ListRetentionClasses(context.Background(), f.Bob)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]struct {
			years   int
			trigger string
		}{
			"HGB-257-6": {6, document.TriggerFileClosed}, "AO-147-8": {8, document.TriggerDocumentDate},
			"HGB-257-10": {10, document.TriggerFileClosed}, "BBG-113-PA-5": {5, document.TriggerFileClosed},
			"BBG-113-BH-5": {5, document.TriggerFileClosed},
		}
		for _, c := range cs {
			w, ok := want[c.Code]
			if !ok {
				continue
			}
			if c.Years != w.years || c.Trigger != w.trigger || c.LegalBasis == "" || c.InUse {
				t.Errorf("seeded %s = %+v, want %d years, %s, a legal basis, not in use", c.Code, c, w.years, w.trigger)
			}
			delete(want, c.Code)
		}
		if len(want) > 0 {
			t.Errorf("seeded classes missing: %v", want)
		}
	})
}

// TestRetentionPeriods: years count from the end of the calendar year of
// the trigger, in Berlin time, with a fake clock.
func TestRetentionPeriods(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newRF(t, d)
		plan := f.folder(t, 0, "plan", "01", f.Classes["HGB-257-6"])
		file := f.folder(t, plan, "file", "01.1/2019", 0)
		letter := f.doc(t, file, "Schreiben", rfDate(2019, 3, 1), 0)
		f.grant(t, file, f.Alice, "read")

		r, err := f.Svc.RetentionOf(ctx, f.Alice, document.KindFolder, file)
		if err != nil {
			t.Fatal(err)
		}
		if r.Class == nil || r.Class.Code != "HGB-257-6" || !r.Inherited || r.TriggerDate != nil || r.DeletableFrom != nil || r.Expired {
			t.Errorf("open file: %+v; want inherited HGB-257-6 without trigger", r)
		}

		f.closeOn(t, file, civil.D(2019, 5, 10))
		for _, tc := range []struct {
			now     time.Time
			expired bool
		}{
			{time.Date(2025, 12, 31, 23, 59, 0, 0, rfBerlin), false},
			{time.Date(2026, 1, 1, 0, 0, 0, 0, rfBerlin), true}, // 31 Dec 2025 23:00 UTC
			{rfStart, true},
		} {
			f.Clock.Set(tc.now)
			r, err := f.Svc.RetentionOf(ctx, f.Alice, document.KindFolder, file)
			if err != nil {
				t.Fatal(err)
			}
			if r.TriggerDate == nil || *r.TriggerDate != civil.D(2019, 5, 10) || r.DeletableFrom == nil || *r.DeletableFrom != civil.D(2026, 1, 1) {
				t.Fatalf("closed 2019-05-10, 6 years: trigger %v, deletable %v; want 2019-05-10, 2026-01-01", r.TriggerDate, r.DeletableFrom)
			}
			if r.Expired != tc.expired {
				t.Errorf("at %s: expired = %v, want %v", tc.now, r.Expired, tc.expired)
			}
		}
		// The document of the file follows the file (file_closed class).
		r, err = f.Svc.RetentionOf(ctx, f.Alice, document.KindDocument, letter)
		if err != nil {
			t.Fatal(err)
		}
		if r.DeletableFrom == nil || *r.DeletableFrom != civil.D(2026, 1, 1) || !r.Inherited {
			t.Errorf("document in the file: %+v", r)
		}

		// Closed late on New Year's Eve in UTC is New Year's Day in Berlin.
		late := f.folder(t, plan, "file", "01.2/2019", 0)
		f.closeAt(t, late, time.Date(2019, 12, 31, 23, 30, 0, 0, time.UTC))
		r, err = f.Svc.RetentionOf(ctx, f.Rita, document.KindFolder, late)
		if err != nil {
			t.Fatal(err)
		}
		if *r.TriggerDate != civil.D(2020, 1, 1) || *r.DeletableFrom != civil.D(2027, 1, 1) {
			t.Errorf("closed 2019-12-31 23:30 UTC: trigger %s, deletable %s; want 2020-01-01, 2027-01-01", r.TriggerDate, r.DeletableFrom)
		}
		// An organisation in another time zone counts its own calendar.
		r, err = f.Svc.WithLocation(time.UTC).RetentionOf(ctx, f.Rita, document.KindFolder, late)
		if err != nil {
			t.Fatal(err)
		}
		if *r.TriggerDate != civil.D(2019, 12, 31) || *r.DeletableFrom != civil.D(2026, 1, 1) {
			t.Errorf("closed 2019-12-31 23:30 UTC, zone UTC: trigger %s, deletable %s; want 2019-12-31, 2026-01-01", r.TriggerDate, r.DeletableFrom)
		}

		// Document-date class: the document's date; without a date its
		// creation day.
		books := f.folder(t, plan, "file", "01.3/2026", 0)
		beleg := f.doc(t, books, "Beleg", rfDate(2017, 6, 30), f.Classes["AO-147-8"])
		undated := f.doc(t, books, "Beleg ohne Datum", nil, f.Classes["AO-147-8"])
		for _, tc := range []struct {
			id      int64
			trigger civil.Date
			from    civil.Date
			expired bool
		}{
			{beleg, civil.D(2017, 6, 30), civil.D(2026, 1, 1), true},
			{undated, civil.D(2026, 3, 2), civil.D(2035, 1, 1), false},
		} {
			r, err := f.Svc.RetentionOf(ctx, f.Rita, document.KindDocument, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if r.Inherited || r.Class.Code != "AO-147-8" || *r.TriggerDate != tc.trigger || *r.DeletableFrom != tc.from || r.Expired != tc.expired {
				t.Errorf("document %d: %+v trigger %s from %s; want %s, %s, expired %v", tc.id, r, r.TriggerDate, r.DeletableFrom, tc.trigger, tc.from, tc.expired)
			}
		}
		// The file of documents with a longer period waits for them.
		f.closeOn(t, books, civil.D(2019, 2, 1))
		r, err = f.Svc.RetentionOf(ctx, f.Rita, document.KindFolder, books)
		if err != nil {
			t.Fatal(err)
		}
		if *r.DeletableFrom != civil.D(2035, 1, 1) || r.Expired {
			t.Errorf("file with an undated receipt: deletable %s, expired %v; want 2035-01-01", r.DeletableFrom, r.Expired)
		}

		// Without any class nothing is ever due.
		none := f.folder(t, 0, "file", "99/2000", 0)
		f.closeOn(t, none, civil.D(2000, 1, 1))
		r, err = f.Svc.RetentionOf(ctx, f.Rita, document.KindFolder, none)
		if err != nil {
			t.Fatal(err)
		}
		if r.Class != nil || r.DeletableFrom != nil || r.Expired {
			t.Errorf("file without class: %+v", r)
		}

		// People without a grant do not see it; plan administrators do.
		_, err = f.Svc.RetentionOf(ctx, f.Bob, document.KindFolder, file)
		rfWantCode(t, "retention of a file bob does not see", err, apperr.NotFound, "not_found")
		_, err = f.Svc.RetentionOf(ctx, f.Bob, document.KindDocument, letter)
		rfWantCode(t, "retention of a document bob does not see", err, apperr.NotFound, "not_found")
		if _, err := f.Svc.RetentionOf(ctx, f.Admin, document.KindFolder, file); err != nil {
			t.Errorf("admin reads the retention of a file: %v", err)
		}
		_, err = f.Svc.RetentionOf(ctx, f.Rita, document.KindDocument, 99999)
		rfWantCode(t, "unknown document", err, apperr.NotFound, "not_found")
	})
}

func TestRetentionClassesManage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newRF(t, d)
		n := document.NewRetentionClass{Code: " bauakte-30 ", Name: "Bauakten", Years: 30, Trigger: document.TriggerFileClosed, LegalBasis: "Aktenplan"}

		_, err := f.Svc.CreateRetentionClass(ctx, f.Alice, n)
		rfWantCode(t, "employee creates", err, apperr.Forbidden, "file_plan_admin_required")
		_, err = f.Svc.CreateRetentionClass(ctx, rfReadToken(f.Rita), n)
		rfWantCode(t, "read token creates", err, apperr.Forbidden, "token_scope")
		for _, tc := range []struct {
			edit func(*document.NewRetentionClass)
			code string
		}{
			{func(x *document.NewRetentionClass) { x.Code = "a b" }, "invalid_retention_code"},
			{func(x *document.NewRetentionClass) { x.Name = " " }, "invalid_retention_name"},
			{func(x *document.NewRetentionClass) { x.Years = -1 }, "invalid_retention_years"},
			{func(x *document.NewRetentionClass) { x.Years = 201 }, "invalid_retention_years"},
			{func(x *document.NewRetentionClass) { x.Trigger = "modified" }, "invalid_retention_trigger"},
		} {
			x := n
			tc.edit(&x)
			_, err := f.Svc.CreateRetentionClass(ctx, f.Rita, x)
			rfWantCode(t, "create "+tc.code, err, apperr.Invalid, tc.code)
		}

		c, err := f.Svc.CreateRetentionClass(ctx, f.Rita, n)
		if err != nil {
			t.Fatal(err)
		}
		if c.Code != "BAUAKTE-30" || c.Years != 30 || c.InUse {
			t.Errorf("created %+v", c)
		}
		if _, err := f.Svc.CreateRetentionClass(ctx, f.Admin, n); apperr.CodeOf(err) != "retention_code_taken" {
			t.Errorf("same code again: %v", err)
		}
		if f.rfAudit(t, "retention_class.create", "retention_class", rfItoa(c.ID)) != 1 {
			t.Error("creation not audited")
		}

		// Unused: anything goes.
		c, err = f.Svc.UpdateRetentionClass(ctx, f.Admin, c.ID, document.RetentionClassUpdate{Years: rfPtr(5), Trigger: rfPtr(document.TriggerDocumentDate)})
		if err != nil || c.Years != 5 || c.Trigger != document.TriggerDocumentDate {
			t.Fatalf("update unused class = %+v, %v", c, err)
		}
		// In use (by a folder): only longer, same trigger.
		f.folder(t, 0, "plan", "60", c.ID)
		_, err = f.Svc.UpdateRetentionClass(ctx, f.Rita, c.ID, document.RetentionClassUpdate{Years: rfPtr(4)})
		rfWantCode(t, "shorten a class in use", err, apperr.Conflict, "retention_shortened")
		_, err = f.Svc.UpdateRetentionClass(ctx, f.Rita, c.ID, document.RetentionClassUpdate{Trigger: rfPtr(document.TriggerFileClosed)})
		rfWantCode(t, "change the trigger of a class in use", err, apperr.Conflict, "retention_trigger_locked")
		_, err = f.Svc.UpdateRetentionClass(ctx, f.Alice, c.ID, document.RetentionClassUpdate{Years: rfPtr(40)})
		rfWantCode(t, "employee updates", err, apperr.Forbidden, "file_plan_admin_required")
		c, err = f.Svc.UpdateRetentionClass(ctx, f.Rita, c.ID, document.RetentionClassUpdate{Years: rfPtr(7), Name: rfPtr("Bauakten (Bauordnungsamt)")})
		if err != nil || c.Years != 7 || !c.InUse || c.Name != "Bauakten (Bauordnungsamt)" {
			t.Fatalf("lengthen a class in use = %+v, %v", c, err)
		}
		// A seeded class in use by a document only.
		file := f.folder(t, 0, "file", "61/1", 0)
		f.doc(t, file, "Beleg", nil, f.Classes["AO-147-8"])
		_, err = f.Svc.UpdateRetentionClass(ctx, f.Rita, f.Classes["AO-147-8"], document.RetentionClassUpdate{Years: rfPtr(6)})
		rfWantCode(t, "shorten AO-147-8 in use by a document", err, apperr.Conflict, "retention_shortened")
		_, err = f.Svc.UpdateRetentionClass(ctx, f.Rita, 99999, document.RetentionClassUpdate{Years: rfPtr(6)})
		rfWantCode(t, "unknown class", err, apperr.NotFound, "not_found")
		if got := f.rfAudit(t, "retention_class.update", "retention_class", rfItoa(c.ID)); got != 2 {
			t.Errorf("%d update records, want 2", got)
		}

		got, err := f.Svc.GetRetentionClass(ctx, f.Bob, c.ID)
		if err != nil || got.Code != "BAUAKTE-30" {
			t.Errorf("employee reads the class: %+v, %v", got, err)
		}
	})
}
