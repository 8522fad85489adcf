package absence_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/notify"
)

// notified returns the kinds and links of a's notifications, oldest first,
// as "kind link" lines, and marks them read.
func notified(t *testing.T, n *notify.Service, a actor.Actor) []string {
	t.Helper()
	ctx := context.Background()
	p, err := n.List(ctx, a, "de", notify.Filter{UnreadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range slices.Backward(p.Items) {
		out = append(out, x.Kind+" "+x.Link)
		if strings.Contains(x.Text, "Krank") || strings.Contains(x.Text, "Ostern") {
			t.Errorf("notification text reveals type or note: %q", x.Text)
		}
	}
	if _, err := n.MarkAllRead(ctx, a); err != nil {
		t.Fatal(err)
	}
	return out
}

func wantNotified(t *testing.T, n *notify.Service, who string, a actor.Actor, want ...string) {
	t.Helper()
	if got := notified(t, n, a); !slices.Equal(got, want) {
		t.Errorf("%s notified of %q, want %q", who, got, want)
	}
}

func TestNotifications(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		n := notify.NewService(d, f.clock, f.wt.Location())
		svc := f.svc.WithNotifier(n)
		sub := f.user(t, "sam", f.lead.UserID, actor.RoleEmployee)
		link := func(x absence.Absence) string { return fmt.Sprintf("/absences/%d", x.ID) }

		// With a substitute: the substitute first, then the lead, then the
		// person and the substitute.
		req := easter
		req.SubstituteID = sub.UserID
		x, err := svc.Request(ctx, f.emp, req)
		if err != nil {
			t.Fatal(err)
		}
		wantNotified(t, n, "substitute", sub, "absence.substitute_asked "+link(x))
		wantNotified(t, n, "lead before the substitute confirmed", f.lead)
		if _, err := svc.ConfirmSubstitute(ctx, sub, x.ID); err != nil {
			t.Fatal(err)
		}
		wantNotified(t, n, "lead", f.lead, "absence.decide "+link(x))
		if _, err := svc.Approve(ctx, f.lead, x.ID); err != nil {
			t.Fatal(err)
		}
		wantNotified(t, n, "person", f.emp, "absence.approved "+link(x))
		wantNotified(t, n, "substitute after approval", sub, "absence.substitute_assigned "+link(x))
		wantNotified(t, n, "HR (the lead decides)", f.hr)

		// The person cancels the approved absence before it starts: lead
		// and substitute learn of it.
		if _, err := svc.Cancel(ctx, f.emp, x.ID); err != nil {
			t.Fatal(err)
		}
		wantNotified(t, n, "lead after cancellation", f.lead, "absence.cancelled "+link(x))
		wantNotified(t, n, "substitute after cancellation", sub, "absence.cancelled "+link(x))
		wantNotified(t, n, "person after own cancellation", f.emp)

		// The substitute declines: the person hears it, the lead does not.
		y, err := svc.Request(ctx, f.emp, req)
		if err != nil {
			t.Fatal(err)
		}
		notified(t, n, sub)
		if _, err := svc.DeclineSubstitute(ctx, sub, y.ID, "Bin selbst im Urlaub"); err != nil {
			t.Fatal(err)
		}
		wantNotified(t, n, "person after decline", f.emp, "absence.substitute_declined "+link(y))
		wantNotified(t, n, "lead after decline", f.lead)

		// A sick note needs no decision: nobody is asked; HR recording one
		// for the person tells the person.
		sick := absence.NewAbsence{TypeID: "sick", Start: civil.D(2026, 3, 3), End: civil.D(2026, 3, 3)}
		if _, err := svc.Request(ctx, f.emp, sick); err != nil {
			t.Fatal(err)
		}
		wantNotified(t, n, "lead after a sick note", f.lead)
		sick.UserID, sick.Start, sick.End = f.emp.UserID, civil.D(2026, 3, 4), civil.D(2026, 3, 4)
		z, err := svc.Request(ctx, f.hr, sick)
		if err != nil {
			t.Fatal(err)
		}
		wantNotified(t, n, "person after HR recorded", f.emp, "absence.recorded "+link(z))

		// Rejection.
		r, err := svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 5, 4), End: civil.D(2026, 5, 8)})
		if err != nil {
			t.Fatal(err)
		}
		notified(t, n, f.lead)
		if _, err := svc.Reject(ctx, f.lead, r.ID, "Projektabschluss"); err != nil {
			t.Fatal(err)
		}
		wantNotified(t, n, "person after rejection", f.emp, "absence.rejected "+link(r))

		// Without a lead, HR decides and is asked.
		if _, err := svc.Request(ctx, f.other, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 6, 1), End: civil.D(2026, 6, 5)}); err != nil {
			t.Fatal(err)
		}
		if got := notified(t, n, f.hr); len(got) != 1 || !strings.HasPrefix(got[0], "absence.decide ") {
			t.Errorf("HR notified of %q, want one absence.decide", got)
		}
	})
}

func TestNotificationsReachTheDeputy(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		n := notify.NewService(d, f.clock, f.wt.Location())
		svc := f.svc.WithNotifier(n)
		dep := f.user(t, "dora", 0, actor.RoleEmployee)
		if _, err := svc.SetDeputy(ctx, f.lead, f.lead.UserID, dep.UserID); err != nil {
			t.Fatal(err)
		}
		// The lead is away this week (recorded by HR).
		if _, err := svc.Request(ctx, f.hr, absence.NewAbsence{UserID: f.lead.UserID, TypeID: "vacation", Start: civil.D(2026, 3, 2), End: civil.D(2026, 3, 6)}); err != nil {
			t.Fatal(err)
		}
		x, err := svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 4, 13), End: civil.D(2026, 4, 17)})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("absence.decide /absences/%d", x.ID)
		wantNotified(t, n, "deputy while the lead is away", dep, want)
		if got := notified(t, n, f.lead); !slices.Contains(got, want) {
			t.Errorf("lead notified of %q, want %q too", got, want)
		}
		// After the lead is back, only the lead is asked.
		f.clock.Advance(7 * 24 * time.Hour)
		if _, err := svc.RequestChange(ctx, f.emp, x.ID, absence.Change{}); err == nil {
			t.Fatal("change of a requested absence accepted")
		}
		y, err := svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 5, 11), End: civil.D(2026, 5, 15)})
		if err != nil {
			t.Fatal(err)
		}
		wantNotified(t, n, "deputy after the lead is back", dep)
		wantNotified(t, n, "lead after being back", f.lead, fmt.Sprintf("absence.decide /absences/%d", y.ID))
	})
}

func TestNotificationsOfChangeAndCancellationRequests(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		n := notify.NewService(d, f.clock, f.wt.Location())
		svc := f.svc.WithNotifier(n)
		x, err := svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 9), End: civil.D(2026, 3, 13)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Approve(ctx, f.lead, x.ID); err != nil {
			t.Fatal(err)
		}
		notified(t, n, f.lead)
		notified(t, n, f.emp)
		c, err := svc.RequestChange(ctx, f.emp, x.ID, absence.Change{Start: civil.D(2026, 3, 9), End: civil.D(2026, 3, 11), DayLength: "full"})
		if err != nil {
			t.Fatal(err)
		}
		wantNotified(t, n, "lead after change request", f.lead, fmt.Sprintf("absence.change_decide /absences/%d", c.ID))
		if _, err := svc.Approve(ctx, f.lead, c.ID); err != nil {
			t.Fatal(err)
		}
		wantNotified(t, n, "person after change approved", f.emp, fmt.Sprintf("absence.approved /absences/%d", c.ID))

		f.clock.Advance(8 * 24 * time.Hour) // Tuesday 10 March: the absence has started
		if _, err := svc.RequestCancellation(ctx, f.emp, c.ID); err != nil {
			t.Fatal(err)
		}
		wantNotified(t, n, "lead after cancellation request", f.lead, fmt.Sprintf("absence.cancel_decide /absences/%d", c.ID))
		if _, err := svc.Reject(ctx, f.lead, c.ID, "Termin bleibt"); err != nil {
			t.Fatal(err)
		}
		wantNotified(t, n, "person after cancellation rejected", f.emp, fmt.Sprintf("absence.cancellation_rejected /absences/%d", c.ID))
		if _, err := svc.RequestCancellation(ctx, f.emp, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Approve(ctx, f.lead, c.ID); err != nil {
			t.Fatal(err)
		}
		wantNotified(t, n, "person after cancellation approved", f.emp, fmt.Sprintf("absence.cancellation_approved /absences/%d", c.ID))
	})
}
