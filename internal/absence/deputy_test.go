package absence_test

import (
	"context"
	"testing"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
)

func TestSeesApprovals(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		dep := f.user(t, "dora", 0, actor.RoleEmployee)
		sees := func(a actor.Actor) bool {
			t.Helper()
			ok, err := f.svc.SeesApprovals(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !sees(f.lead) || !sees(f.hr) || sees(f.emp) || sees(f.other) || sees(dep) || sees(actor.Actor{}) {
			t.Fatalf("before: lead %v, hr %v, emp %v, other %v, deputy %v", sees(f.lead), sees(f.hr), sees(f.emp), sees(f.other), sees(dep))
		}
		// Sven is named substitute: he sees the page until he answers.
		req, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 16), End: civil.D(2026, 3, 16), SubstituteID: f.other.UserID})
		if err != nil {
			t.Fatal(err)
		}
		if !sees(f.other) {
			t.Error("substitute with a request waiting does not see the approvals")
		}
		if _, err := f.svc.ConfirmSubstitute(ctx, f.other, req.ID); err != nil {
			t.Fatal(err)
		}
		if sees(f.other) {
			t.Error("substitute still sees the approvals after answering")
		}
		// Dora is the deputy: only while the lead is away.
		if _, err := f.svc.SetDeputy(ctx, f.lead, f.lead.UserID, dep.UserID); err != nil {
			t.Fatal(err)
		}
		if sees(dep) {
			t.Error("deputy sees the approvals while the lead is present")
		}
		if _, err := f.svc.Request(ctx, f.hr, absence.NewAbsence{UserID: f.lead.UserID, TypeID: "vacation", Start: civil.D(2026, 3, 2), End: civil.D(2026, 3, 3)}); err != nil {
			t.Fatal(err)
		}
		if !sees(dep) {
			t.Error("acting deputy does not see the approvals")
		}
	})
}

func TestDeputyChoicesAndLeads(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		peer := f.user(t, "paul", 0, actor.RoleEmployee)
		orgUnit(t, d, "Bürgeramt", f.lead.UserID, peer.UserID)
		names := func(cs []absence.Colleague) []string {
			var out []string
			for _, c := range cs {
				out = append(out, c.Name)
			}
			return out
		}
		for _, a := range []actor.Actor{f.lead, f.hr} {
			got, err := f.svc.DeputyChoices(ctx, a, f.lead.UserID)
			if err != nil {
				t.Fatal(err)
			}
			// The lead's report and the colleague of her unit.
			if n := names(got); len(n) != 2 || n[0] != "erika" || n[1] != "paul" {
				t.Errorf("choices for %s = %v; want [erika paul]", a.Username, n)
			}
		}
		_, err := f.svc.DeputyChoices(ctx, f.emp, f.lead.UserID)
		wantCode(t, "choices asked by an employee", err, apperr.NotFound, "not_found")
		_, err = f.svc.DeputyChoices(ctx, peer, peer.UserID)
		wantCode(t, "choices of a non-lead", err, apperr.NotFound, "not_found")

		leads, err := f.svc.Leads(ctx, f.hr)
		if n := names(leads); err != nil || len(n) != 1 || n[0] != "lena" {
			t.Errorf("leads = %v, %v", n, err)
		}
		_, err = f.svc.Leads(ctx, f.lead)
		wantCode(t, "leads asked by a lead", err, apperr.NotFound, "not_found")
		if !absence.CanManageDeputies(f.lead) || !absence.CanManageDeputies(f.hr) || absence.CanManageDeputies(f.emp) {
			t.Error("CanManageDeputies: leads and HR only")
		}
	})
}
