package app_test

// The login flow in a real browser: headless Chromium driven by chromedp
// against a real server.

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"ortlos/internal/browsertest"
	"ortlos/internal/identity"
	"ortlos/internal/identity/totp"
)

// enrolScreenshot is where the test leaves a picture of the enrolment page
// for a human reviewer.
const enrolScreenshot = "/tmp/ortlos-enrol.png"

// browser wraps a chromedp tab with test helpers that fail the test.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// submit clicks the element sel and waits for the page that follows.
func (b *browser) submit(sel string) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("browser: click %s: %v", sel, err)
	}
	if resp.Status >= 400 {
		b.t.Fatalf("browser: click %s: status %d", sel, resp.Status)
	}
}

// path returns the path of the current page.
func (b *browser) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("browser: location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatal(err)
	}
	return u.Path
}

func (b *browser) wantPath(want string) {
	b.t.Helper()
	if got := b.path(); got != want {
		b.t.Fatalf("browser is on %s, want %s", got, want)
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("browser: text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func evaluate[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("browser: evaluate %s: %v", expr, err)
	}
	return v
}

// login fills in and submits the login form.
func (b *browser) login(baseURL, username, password string) {
	b.t.Helper()
	b.do(
		chromedp.Navigate(baseURL+"/login"),
		chromedp.SendKeys(chromedp.ID("f-username"), username),
		chromedp.SendKeys(chromedp.ID("f-password"), password),
	)
	b.submit(`form[action="/login"] button[type="submit"]`)
}

// logout uses the logout button in the page header.
func (b *browser) logout() {
	b.t.Helper()
	b.submit(`header form[action="/logout"] button[type="submit"]`)
	b.wantPath("/login")
	if got := b.text(`[role="status"]`); got != de.T("flash.logged_out") {
		b.t.Errorf("after logout the page says %q, want %q", got, de.T("flash.logged_out"))
	}
}

// freshStep returns the current TOTP time step once it is later than
// used, waiting for the next 30-second step when needed. Waiting is part of
// how TOTP works (each code is accepted once), not a timing assertion.
func freshStep(t *testing.T, used int64) int64 {
	t.Helper()
	deadline := time.Now().Add(totp.Period + time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if step := totp.Step(time.Now()); step > used {
			return step
		}
		if time.Now().After(deadline) {
			t.Fatalf("TOTP step did not advance past %d", used)
		}
		<-tick.C
	}
}

// awayFromStepEnd returns the current time once it is more than five
// seconds before the end of its TOTP time step, so that a code computed now
// is still in the same step when the server checks it.
func awayFromStepEnd(t *testing.T) time.Time {
	t.Helper()
	for {
		now := time.Now()
		end := time.Unix((totp.Step(now)+1)*int64(totp.Period/time.Second), 0)
		if end.Sub(now) > 5*time.Second {
			return now
		}
		freshStep(t, totp.Step(now))
	}
}

func TestBrowserLoginWithEnrolment(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	const username, name = "erika.mustermann", "Erika Mustermann"
	createUser(t, ts, username, name)

	tab := browsertest.New(t)
	// The browser has started; now the steps may have a deadline.
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	b := &browser{t: t, ctx: ctx}

	// The password leads to the enrolment of the second factor.
	b.login(ts.URL, username, testPassword)
	b.wantPath("/2fa/enrol")
	if got, want := b.text("h1"), de.T("enrol.title"); got != want {
		t.Errorf("enrolment h1 %q, want %q", got, want)
	}
	if w := evaluate[int](b, `document.querySelector('.qr img').naturalWidth`); w == 0 {
		t.Error("the QR code image does not load")
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(enrolScreenshot, png, 0o644); err != nil {
		t.Logf("screenshot not saved: %v", err)
	} else {
		t.Logf("enrolment page: %s", enrolScreenshot)
	}

	secret, err := totp.DecodeSecret(b.text("#totp-secret"))
	if err != nil {
		t.Fatalf("secret on the page: %v", err)
	}
	// Enrol with the code that has just gone by, which the server still
	// accepts; the current one then stays unused for the next login, which
	// need not wait for a new time step.
	used := totp.Step(awayFromStepEnd(t)) - 1
	b.do(chromedp.SendKeys(chromedp.ID("f-code"), totp.Code(secret, used)))
	b.submit(`form[action="/2fa/enrol"] button[type="submit"]`)
	if got, want := b.text("h1"), de.T("codes.title"); got != want {
		t.Errorf("after enrolment h1 %q, want %q", got, want)
	}
	if n := evaluate[int](b, `document.querySelectorAll('#recovery-codes li').length`); n != identity.RecoveryCodeCount {
		t.Errorf("%d recovery codes shown, want %d", n, identity.RecoveryCodeCount)
	}

	// On to the start page by the link's visible text.
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(`//a[normalize-space(.)="Weiter zur Startseite"]`)); err != nil {
		t.Fatalf("click Weiter zur Startseite: %v", err)
	}
	b.wantPath("/")
	if got := b.text("h1"); !strings.Contains(got, name) {
		t.Errorf("start page h1 %q, want it to contain %q", got, name)
	}

	// Keyboard users reach the skip link first.
	b.do(chromedp.KeyEvent(kb.Tab))
	if got := evaluate[string](b, `document.activeElement.className`); got != "skip-link" {
		t.Errorf("first Tab focuses %q, want the skip link", got)
	}

	b.logout()

	// The second login asks for a code; each code works once, so a fresh
	// time step is needed.
	b.login(ts.URL, username, testPassword)
	b.wantPath("/login/2fa")
	step := freshStep(t, used)
	b.do(chromedp.SendKeys(chromedp.ID("f-code"), totp.Code(secret, step)))
	b.submit(`form[action="/login/2fa"] button[type="submit"]`)
	b.wantPath("/")
	if got := b.text("h1"); !strings.Contains(got, name) {
		t.Errorf("start page h1 %q after the code, want it to contain %q", got, name)
	}
	b.logout()
}
