package app_test

// Working time in a real browser: clock in from home, clock out, then
// correct the entry with a reason and see the history, all through the
// plain HTML forms (no JavaScript needed).

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ortlos/internal/actor"
	"ortlos/internal/browsertest"
	"ortlos/internal/clock"
)

func TestBrowserWorktimeClockAndCorrect(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(fakeNow)
	ts := startServer(t, withClock(clk))
	// The second factor has its own browser test; here employees log in
	// with the password alone.
	if _, err := ts.Identity.SetRoleMFARequired(t.Context(), actor.CLI(), actor.RoleEmployee, false); err != nil {
		t.Fatal(err)
	}
	createUser(t, ts, "erik.muster", "Erik Muster", actor.RoleEmployee)

	tab := browsertest.New(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	b := &browser{t: t, ctx: ctx}
	b.login(ts.URL, "erik.muster", testPassword)

	b.do(chromedp.Navigate(ts.URL + "/worktime"))
	b.do(chromedp.Click(`label[for="f-location-home"]`))
	b.submit(`form[action="/worktime/clock-in"] button[type="submit"]`)
	b.wantPath("/worktime")
	if got := b.text("#wt-state"); got != "Bei der Arbeit" {
		t.Fatalf("after clocking in the state is %q", got)
	}
	// Less than the idle timeout of the session (30 minutes).
	clk.Advance(25 * time.Minute)
	b.submit(`form[action="/worktime/clock-out"] button[type="submit"]`)
	if got := b.text("#wt-state"); got != "Nicht eingestempelt" {
		t.Fatalf("after clocking out the state is %q", got)
	}

	// The entry list links to the entry; its form corrects the place of
	// work with a reason.
	b.do(chromedp.Navigate(ts.URL + "/worktime/entries"))
	if got := b.text("#wt-entries tbody"); !strings.Contains(got, "0:25") || !strings.Contains(got, "Homeoffice") {
		t.Fatalf("entry list = %q; want 0:25 at home", got)
	}
	b.submit(`#wt-entries tbody a`)
	b.do(chromedp.Click(`label[for="f-location-office"]`),
		chromedp.SendKeys(chromedp.ID("f-reason"), "War doch im Büro"))
	b.submit(`form[action$="/corrections"] button[type="submit"]`)
	if got := b.text("#wt-entry-revision"); got != "3" {
		t.Errorf("after the correction the entry has revision %q, want 3", got)
	}
	history := b.text("#wt-revisions tbody")
	for _, want := range []string{"Homeoffice", "Büro", "War doch im Büro"} {
		if !strings.Contains(history, want) {
			t.Errorf("history lacks %q:\n%s", want, history)
		}
	}
	if n := evaluate[int](b, `document.querySelectorAll('#wt-revisions tbody tr').length`); n != 3 {
		t.Errorf("history shows %d revisions, want 3 (clock in, clock out, correction)", n)
	}
}

// TestBrowserWorktimeHomeWidget: one click on the start page clocks in at
// home; the widget then offers the break and clock-out buttons.
func TestBrowserWorktimeHomeWidget(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withClock(clock.NewFake(fakeNow)))
	if _, err := ts.Identity.SetRoleMFARequired(t.Context(), actor.CLI(), actor.RoleEmployee, false); err != nil {
		t.Fatal(err)
	}
	createUser(t, ts, "erik.muster", "Erik Muster", actor.RoleEmployee)
	tab := browsertest.New(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	b := &browser{t: t, ctx: ctx}
	b.login(ts.URL, "erik.muster", testPassword)
	b.wantPath("/")
	b.submit(`#home-worktime button[value="home"]`)
	b.wantPath("/")
	if got := b.text("#home-worktime-state"); !strings.Contains(got, "Bei der Arbeit") || !strings.Contains(got, "Homeoffice") {
		t.Fatalf("widget after one click = %q; want working at home", got)
	}
	b.submit(`#home-worktime form[action="/worktime/clock-out"] button`)
	if got := b.text("#home-worktime-state"); !strings.Contains(got, "Nicht eingestempelt") {
		t.Fatalf("widget after clocking out = %q", got)
	}
}
