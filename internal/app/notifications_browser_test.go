package app_test

// Notifications in a real browser: the lead sees the badge in the header,
// opens the notification page with the keyboard and follows the
// notification to the request, which marks it read.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/browsertest"
	"ortlos/internal/civil"
	"ortlos/internal/clock"
	"ortlos/internal/identity"
)

func TestBrowserNotificationBadge(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withClock(clock.NewFake(fakeNow)))
	if _, err := ts.Identity.SetRoleMFARequired(t.Context(), actor.CLI(), actor.RoleEmployee, false); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Identity.SetRoleMFARequired(t.Context(), actor.CLI(), actor.RoleLead, false); err != nil {
		t.Fatal(err)
	}
	lead := createUser(t, ts, "lena.lead", "Lena Lead", actor.RoleLead, actor.RoleEmployee)
	emp := createUser(t, ts, "erika.muster", "Erika Muster", actor.RoleEmployee)
	if _, err := ts.Identity.UpdateUser(t.Context(), actor.CLI(), emp.ID, identity.UserUpdate{SupervisorID: &lead.ID}); err != nil {
		t.Fatal(err)
	}
	assignFullTime(t, ts, emp.ID)
	from := civil.In(fakeNow, time.UTC).AddDays(20)
	req, err := ts.Absence.Request(t.Context(), actor.Actor{UserID: emp.ID, Username: emp.Username, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1},
		absence.NewAbsence{TypeID: "vacation", Start: from, End: from.AddDays(2)})
	if err != nil {
		t.Fatal(err)
	}

	tab := browsertest.New(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	b := &browser{t: t, ctx: ctx}
	b.login(ts.URL, "lena.lead", testPassword)
	label := evaluate[string](b, `document.querySelector('.account a[href="/notifications"]').getAttribute('aria-label')`)
	if label != "Benachrichtigungen, 1 ungelesen" {
		t.Fatalf("header link label = %q", label)
	}
	// Keyboard: focus the header link and press Enter.
	b.do(chromedp.Focus(`.account a[href="/notifications"]`), chromedp.KeyEvent(kb.Enter))
	b.do(chromedp.WaitVisible(`#notifications-table`))
	b.wantPath("/notifications")
	if got := b.text("#notifications-table tbody"); !strings.Contains(got, "Erika Muster beantragt eine Abwesenheit") {
		t.Fatalf("notification list = %q", got)
	}
	b.submit(`#notifications-table tbody form[action$="/open"] button`)
	b.wantPath(fmt.Sprintf("/absences/%d", req.ID))
	if n := evaluate[int](b, `document.querySelectorAll('.account a[href="/notifications"] .badge').length`); n != 0 {
		t.Errorf("badge still shown after opening the notification")
	}
}
