package worktime_test

import (
	"context"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
)

func civilOf(t time.Time) civil.Date { return civil.Of(t) }

func TestListEntriesPermissions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		lead := f.user(t, "lead", 0, actor.RoleLead, actor.RoleEmployee)
		emp := f.user(t, "emp", lead.UserID, actor.RoleEmployee)
		peer := f.user(t, "peer", lead.UserID, actor.RoleEmployee)
		otherLead := f.user(t, "otherlead", 0, actor.RoleLead)
		notLead := f.user(t, "notlead", 0, actor.RoleEmployee)
		// Supervising someone without the lead role grants nothing.
		underNotLead := f.user(t, "under", notLead.UserID, actor.RoleEmployee)
		hr := f.user(t, "hr", 0, actor.RoleHR)
		admin := f.user(t, "admin", 0, actor.RoleAdmin)
		auditor := f.user(t, "auditor", 0, actor.RoleAuditor)

		if _, err := f.svc.ClockIn(ctx, emp, "home"); err != nil {
			t.Fatal(err)
		}
		day := civilOf(f.clock.Now().In(f.svc.Location()))
		tests := []struct {
			name  string
			a     actor.Actor
			owner int64
			see   bool
		}{
			{"own", emp, emp.UserID, true},
			{"lead of the user", lead, emp.UserID, true},
			{"hr", hr, emp.UserID, true},
			{"admin", admin, emp.UserID, true},
			{"cli", actor.CLI(), emp.UserID, true},
			{"colleague", peer, emp.UserID, false},
			{"lead of others", otherLead, emp.UserID, false},
			{"supervisor without lead role", notLead, underNotLead.UserID, false},
			{"auditor", auditor, emp.UserID, false},
			{"anonymous", actor.Anonymous("192.0.2.9"), emp.UserID, false},
			{"unknown user", admin, 999999, false},
		}
		for _, tt := range tests {
			list, err := f.svc.ListEntries(ctx, tt.a, tt.owner, day, day)
			if tt.see {
				if err != nil {
					t.Errorf("%s: ListEntries(%d) error %v; want the entries", tt.name, tt.owner, err)
				} else if tt.owner == emp.UserID && len(list) != 1 {
					t.Errorf("%s: ListEntries(%d) = %d entries; want 1", tt.name, tt.owner, len(list))
				}
				continue
			}
			if apperr.KindOf(err) != apperr.NotFound {
				t.Errorf("%s: ListEntries(%d) = %v, %v; want NotFound", tt.name, tt.owner, list, err)
			}
		}
		if _, err := f.svc.ListEntries(ctx, emp, emp.UserID, day, day.AddDays(-1)); !apperr.Is(err, "invalid_range") {
			t.Errorf("ListEntries with to before from: %v; want invalid_range", err)
		}
	})
}
