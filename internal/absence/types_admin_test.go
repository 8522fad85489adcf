package absence_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
)

func ptr[T any](v T) *T { return &v }

func TestCreateType(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		n := absence.NewType{ID: "educational_leave", NameDE: " Bildungsurlaub ", NameEN: "Educational leave", NeedsApproval: true, CreditsTarget: true, Sort: 85}
		for _, c := range []struct {
			name string
			a    actor.Actor
			kind apperr.Kind
			code string
		}{
			{"employee", f.emp, apperr.NotFound, "not_found"},
			{"lead", f.lead, apperr.NotFound, "not_found"},
			{"read-only token of HR", actor.Actor{UserID: f.hr.UserID, Roles: f.hr.Roles, Via: actor.ViaToken, TokenScope: "read"}, apperr.Forbidden, "token_scope"},
		} {
			_, err := f.svc.CreateType(ctx, c.a, n)
			wantCode(t, c.name, err, c.kind, c.code)
		}
		for _, c := range []struct {
			name  string
			edit  func(*absence.NewType)
			code  string
			field string
		}{
			{"upper case", func(n *absence.NewType) { n.ID = "Bildung" }, "invalid_absence_type_id", "id"},
			{"one letter", func(n *absence.NewType) { n.ID = "b" }, "invalid_absence_type_id", "id"},
			{"digit first", func(n *absence.NewType) { n.ID = "1x" }, "invalid_absence_type_id", "id"},
			{"too long", func(n *absence.NewType) { n.ID = "a" + strings.Repeat("b", 40) }, "invalid_absence_type_id", "id"},
			{"hidden type", func(n *absence.NewType) { n.ID = absence.TypeAbsent }, "invalid_absence_type_id", "id"},
			{"empty German name", func(n *absence.NewType) { n.NameDE = "  " }, "invalid_absence_type_name", "name_de"},
			{"long English name", func(n *absence.NewType) { n.NameEN = strings.Repeat("ü", 101) }, "invalid_absence_type_name", "name_en"},
			{"negative sort", func(n *absence.NewType) { n.Sort = -1 }, "invalid_absence_type_sort", "sort"},
		} {
			bad := n
			c.edit(&bad)
			_, err := f.svc.CreateType(ctx, f.hr, bad)
			wantCode(t, c.name, err, apperr.Invalid, c.code)
			if e, ok := apperr.As(err); ok && e.Fields[c.field] != c.code {
				t.Errorf("%s: fields %v; want %s", c.name, e.Fields, c.field)
			}
		}
		got, err := f.svc.CreateType(ctx, f.hr, n)
		if err != nil {
			t.Fatal(err)
		}
		want := absence.Type{ID: "educational_leave", NameDE: "Bildungsurlaub", NameEN: "Educational leave", NeedsApproval: true, CreditsTarget: true, Active: true, Sort: 85}
		if got != want {
			t.Errorf("created %+v; want %+v", got, want)
		}
		_, err = f.svc.CreateType(ctx, f.hr, n)
		wantCode(t, "same code again", err, apperr.Conflict, "absence_type_exists")
		_, err = f.svc.CreateType(ctx, actor.CLI(), absence.NewType{ID: "vacation", NameDE: "x", NameEN: "x"})
		wantCode(t, "code of a default type", err, apperr.Conflict, "absence_type_exists")

		types, err := f.svc.Types(ctx, f.emp)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, t := range types {
			ids = append(ids, t.ID)
		}
		if i := strings.Index(strings.Join(ids, ","), "special_leave,educational_leave,overtime_comp"); i < 0 {
			t.Errorf("order %v: the new type (sort 85) belongs between special_leave and overtime_comp", ids)
		}
		// It can be requested at once.
		if _, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "educational_leave", Start: civil.D(2026, 3, 9), End: civil.D(2026, 3, 13)}); err != nil {
			t.Errorf("request of the new type: %v", err)
		}
		recs := auditOf(t, d, "absence_type.create")
		if len(recs) != 1 || recs[0].ObjectID != "educational_leave" {
			t.Fatalf("audit absence_type.create = %+v", recs)
		}
		if after, _ := recs[0].Detail["after"].(map[string]any); after["name_de"] != "Bildungsurlaub" || after["credits_target"] != true {
			t.Errorf("audit detail = %v", recs[0].Detail)
		}
	})
}

func TestUpdateType(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		_, err := f.svc.UpdateType(ctx, f.lead, "training", absence.TypeUpdate{Active: ptr(false)})
		wantCode(t, "lead", err, apperr.NotFound, "not_found")
		_, err = f.svc.UpdateType(ctx, f.hr, "nope", absence.TypeUpdate{Active: ptr(false)})
		wantCode(t, "unknown type", err, apperr.NotFound, "not_found")
		_, err = f.svc.UpdateType(ctx, f.hr, "training", absence.TypeUpdate{NameDE: ptr("")})
		wantCode(t, "empty name", err, apperr.Invalid, "invalid_absence_type_name")
		_, err = f.svc.UpdateType(ctx, f.hr, "training", absence.TypeUpdate{Sort: ptr(absence.MaxTypeSort + 1)})
		wantCode(t, "sort too large", err, apperr.Invalid, "invalid_absence_type_sort")

		// A type without absences may change every flag.
		got, err := f.svc.UpdateType(ctx, f.hr, "training", absence.TypeUpdate{NameDE: ptr("Fortbildung (extern)"), CreditsTarget: ptr(false), NeedsApproval: ptr(false)})
		if err != nil {
			t.Fatal(err)
		}
		if got.NameDE != "Fortbildung (extern)" || got.NameEN != "Training" || got.CreditsTarget || got.NeedsApproval || !got.Active || got.Sort != 70 {
			t.Errorf("updated = %+v", got)
		}
		recs := auditOf(t, d, "absence_type.update")
		if len(recs) != 1 {
			t.Fatalf("audit absence_type.update = %d records", len(recs))
		}
		before, _ := recs[0].Detail["before"].(map[string]any)
		after, _ := recs[0].Detail["after"].(map[string]any)
		if len(before) != 3 || before["credits_target"] != true || after["credits_target"] != false || after["name_de"] != "Fortbildung (extern)" {
			t.Errorf("audit detail before %v, after %v; want the three changed fields", before, after)
		}
		// The same values again write nothing.
		if _, err := f.svc.UpdateType(ctx, f.hr, "training", absence.TypeUpdate{NameDE: ptr("Fortbildung (extern)")}); err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, d, "absence_type.update"); n != 1 {
			t.Errorf("an update that changes nothing was audited (%d records)", n)
		}

		// With absences of the type, credits_target stays; the rest may change.
		leave, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 9), End: civil.D(2026, 3, 10)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.UpdateType(ctx, f.hr, "vacation", absence.TypeUpdate{CreditsTarget: ptr(false)})
		wantCode(t, "credits_target in use", err, apperr.Conflict, "absence_type_in_use")
		if _, err := f.svc.UpdateType(ctx, f.hr, "vacation", absence.TypeUpdate{CreditsTarget: ptr(true), NameEN: ptr("Leave"), Sort: ptr(5)}); err != nil {
			t.Errorf("unchanged credits_target with other changes: %v", err)
		}

		// Deactivated: old absences stay readable, new requests are refused.
		if _, err := f.svc.UpdateType(ctx, f.hr, "vacation", absence.TypeUpdate{Active: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if x, err := f.svc.Get(ctx, f.emp, leave.ID); err != nil || x.TypeID != "vacation" {
			t.Errorf("old absence of the inactive type = %+v, %v", x, err)
		}
		_, err = f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 16), End: civil.D(2026, 3, 16)})
		wantCode(t, "request of an inactive type", err, apperr.Invalid, "unknown_absence_type")
		if got, err := f.svc.GetType(ctx, f.hr, "vacation"); err != nil || got.Active || got.Sort != 5 || got.NameEN != "Leave" {
			t.Errorf("GetType = %+v, %v", got, err)
		}
		_, err = f.svc.GetType(ctx, f.emp, "vacation")
		wantCode(t, "GetType by an employee", err, apperr.NotFound, "not_found")
	})
}

// auditRec is an audit record as the tests read it.
type auditRec struct {
	ObjectID string
	Detail   map[string]any
}

// auditOf returns the audit records of action in order.
func auditOf(t *testing.T, d *db.DB, action string) []auditRec {
	t.Helper()
	recs, err := db.Query(context.Background(), d, func(row db.Scanner) (auditRec, error) {
		var r auditRec
		var detail string
		if err := row.Scan(&r.ObjectID, &detail); err != nil {
			return r, err
		}
		return r, json.Unmarshal([]byte(detail), &r.Detail)
	}, "SELECT object_id, detail FROM audit_log WHERE action = ? ORDER BY seq", action)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
