package app_test

// Notifications: the header badge, the notification page, the API, and
// delivery by e-mail through a real SMTP server (go-smtp) when
// ORTLOS_SMTP_HOST is set.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/clock"
	"ortlos/internal/config"
	"ortlos/internal/db"
	"ortlos/internal/identity"
	"ortlos/internal/notify"
	"ortlos/internal/notify/smtptest"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, emp identity.User) []string {
		// anna.admin (who fetches the pages) gets a notification.
		var anna int64
		if err := ts.DB.QueryRowContext(t.Context(), "SELECT id FROM users WHERE username = 'anna.admin'").Scan(&anna); err != nil {
			t.Fatal(err)
		}
		err := audit.Write(t.Context(), ts.DB, ts.now(), actor.CLI(), func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
			return nil, ts.Notify.Add(t.Context(), tx, now, actor.CLI(), notify.Note{UserID: anna, Kind: "absence.approved",
				Args: []any{civil.D(2026, 3, 9), civil.D(2026, 3, 13)}, Link: "/absences"})
		})
		if err != nil {
			t.Fatal(err)
		}
		return []string{"/notifications", "/notifications?unread=true"}
	})
}

func TestNotificationsByEmail(t *testing.T) {
	t.Parallel()
	smtp := smtptest.Start(t, smtptest.Options{TLS: "none", Username: "ortlos", Password: "mail-secret-pw"})
	ts := startServer(t, withClock(clock.NewFake(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))), withConfig(func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS = smtp.Host, smtp.Port, "none"
		c.SMTPUsername, c.SMTPPassword, c.SMTPFrom = "ortlos", "mail-secret-pw", "ortlos@musterstadt.example"
	}))
	cfg := ts.Config
	cfg.BaseURL = ts.URL
	if err := cfg.Validate(); err != nil {
		t.Fatalf("SMTP settings of the test are invalid: %v", err)
	}
	lead := createUser(t, ts, "lena.lead", "Lena Lead", actor.RoleLead, actor.RoleEmployee)
	emp := createUser(t, ts, "erika.muster", "Erika Muster", actor.RoleEmployee)
	createUser(t, ts, "sven.fremd", "Sven Fremd", actor.RoleEmployee)
	if _, err := ts.Identity.UpdateUser(t.Context(), actor.CLI(), emp.ID, identity.UserUpdate{SupervisorID: &lead.ID}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []identity.User{lead, emp} {
		assignFullTime(t, ts, u.ID)
	}
	_, empTok, err := ts.Identity.CreateTokenFor(t.Context(), actor.CLI(), emp.ID, identity.NewToken{Name: "t", Scope: "write"})
	if err != nil {
		t.Fatal(err)
	}
	req := newRequest(t, "POST", ts.URL+"/api/v1/absences", strings.NewReader(`{"type_id":"vacation","start":"2026-03-30","end":"2026-04-10","note":"Ostern"}`))
	req.Header.Set("Authorization", "Bearer "+empTok)
	req.Header.Set("Content-Type", "application/json")
	res := do(t, http.DefaultClient, req)
	wantStatus(t, res, http.StatusCreated)
	var leave struct{ ID int64 }
	if err := json.Unmarshal(res.body, &leave); err != nil {
		t.Fatal(err)
	}

	// The lead gets an e-mail within moments (the sender wakes up on the
	// new notification).
	msgs := smtp.Wait(t, 1, 10*time.Second)
	m := msgs[0]
	if strings.Join(m.To, ",") != "lena.lead@musterstadt.example" || m.AuthAs != "ortlos" {
		t.Errorf("e-mail to %q (auth %q), want the lead's address", m.To, m.AuthAs)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Message.Header.Get("Subject"))
	if want := "[" + testOrgName + "] Erika Muster beantragt eine Abwesenheit vom 30.03.2026 bis 10.04.2026 – bitte entscheiden Sie."; subject != want {
		t.Errorf("subject = %q, want %q", subject, want)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(m.Body)))
	if want := fmt.Sprintf("%s/absences/%d", ts.URL, leave.ID); !strings.Contains(string(body), want) {
		t.Errorf("e-mail body lacks the link %s:\n%s", want, body)
	}
	if strings.Contains(string(body), "Ostern") || strings.Contains(string(body), "Erholungsurlaub") {
		t.Errorf("e-mail reveals the note or type:\n%s", body)
	}
	for _, r := range auditRecords(t, ts, "notification.settings") {
		t.Errorf("unexpected audit record %+v", r)
	}

	// In the app: a badge in the header, the page, "open" marks read and
	// leads to the request.
	c := loginFull(t, ts, "lena.lead", testPassword)
	doc := get(t, c, ts.URL+"/").doc(t)
	link := find(doc, func(n *html.Node) bool { return n.DataAtom == atom.A && attr(n, "href") == "/notifications" })
	if link == nil || attr(link, "aria-label") != "Benachrichtigungen, 1 ungelesen" || !strings.Contains(textOf(link), "1") {
		t.Fatalf("header link = %v (aria-label %q), want a badge with 1", link, attr(link, "aria-label"))
	}
	page := get(t, c, ts.URL+"/notifications")
	wantStatus(t, page, http.StatusOK)
	doc = page.doc(t)
	rows := findAll(doc, func(n *html.Node) bool {
		return n.DataAtom == atom.Tr && strings.HasPrefix(attr(n, "id"), "notification-")
	})
	if len(rows) != 1 || !strings.Contains(textOf(rows[0]), "Erika Muster beantragt") || !strings.Contains(textOf(rows[0]), "per E-Mail versandt") {
		t.Fatalf("notification rows = %d: %q", len(rows), textOf(doc))
	}
	id := strings.TrimPrefix(attr(rows[0], "id"), "notification-")

	// Nobody else opens it.
	sc := loginFull(t, ts, "sven.fremd", testPassword)
	wantStatus(t, form(t, sc, ts.URL+"/notifications/"+id+"/open", url.Values{}), http.StatusNotFound)

	res = form(t, c, ts.URL+"/notifications/"+id+"/open", url.Values{})
	wantRedirect(t, res, fmt.Sprintf("/absences/%d", leave.ID))
	doc = get(t, c, ts.URL+"/").doc(t)
	link = find(doc, func(n *html.Node) bool { return n.DataAtom == atom.A && attr(n, "href") == "/notifications" })
	if link == nil || hasAttr(link, "aria-label") {
		t.Errorf("after reading, header link still has a badge")
	}

	// The lead approves in the browser form; Erika gets her e-mail.
	res = form(t, c, ts.URL+fmt.Sprintf("/absences/%d/approve", leave.ID), url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", res.StatusCode, res.body)
	}
	msgs = smtp.Wait(t, 2, 10*time.Second)
	if strings.Join(msgs[1].To, ",") != "erika.muster@musterstadt.example" {
		t.Errorf("second e-mail to %q, want Erika", msgs[1].To)
	}

	// API: Erika lists, turns e-mail off, marks all read.
	call := func(method, path, body string) *result {
		req := newRequest(t, method, ts.URL+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+empTok)
		req.Header.Set("Content-Type", "application/json")
		return do(t, http.DefaultClient, req)
	}
	res = call("GET", "/notifications?unread=true", "")
	wantStatus(t, res, http.StatusOK)
	var list struct {
		Items []struct {
			Kind, Text, Link, MailState string
		} `json:"items"`
		Unread int `json:"unread"`
	}
	if err := json.Unmarshal(res.body, &list); err != nil {
		t.Fatal(err)
	}
	if list.Unread != 1 || len(list.Items) != 1 || list.Items[0].Kind != "absence.approved" || list.Items[0].Link != fmt.Sprintf("/absences/%d", leave.ID) {
		t.Errorf("Erika's notifications = %+v", list)
	}
	wantStatus(t, call("GET", "/notifications?limit=0", ""), http.StatusUnprocessableEntity)
	wantStatus(t, call("PUT", "/notifications/settings", `{}`), http.StatusUnprocessableEntity)
	res = call("PUT", "/notifications/settings", `{"email":false}`)
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.text(), `"email":false`) || !strings.Contains(res.text(), `"mail_configured":true`) {
		t.Errorf("settings = %s", res.text())
	}
	res = call("POST", "/notifications/read-all", "")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.text(), `"marked":1`) {
		t.Errorf("read-all = %s", res.text())
	}
	// With e-mail off, the next notification stays in the app.
	if _, err := ts.Absence.Request(t.Context(), actor.CLI(), absence.NewAbsence{UserID: emp.ID, TypeID: "sick", Start: civil.D(2026, 3, 3), End: civil.D(2026, 3, 3)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(smtp.Messages()); n != 2 {
		t.Errorf("%d e-mails after Erika turned e-mail off, want still 2", n)
	}
	if got := countRows(t, ts, "notifications", "user_id = ? AND mail_state = 'skipped'", emp.ID); got != 1 {
		t.Errorf("skipped notifications = %d, want 1", got)
	}
}

func TestNotificationsWithoutSMTP(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
	ts := f.ts
	c := loginFull(t, ts, f.emp.Username, testPassword)
	doc := get(t, c, ts.URL+"/notifications").doc(t)
	if h1(doc) != "Benachrichtigungen" || byID(doc, "notifications-none") == nil {
		t.Errorf("empty page: h1 %q, text %q", h1(doc), textOf(doc))
	}
	if !strings.Contains(textOf(doc), "Ihre Organisation versendet keine E-Mails") {
		t.Errorf("page does not say that no e-mail is sent")
	}
	wantStatus(t, form(t, c, ts.URL+"/notifications/999999/read", url.Values{}), http.StatusNotFound)
	wantStatus(t, form(t, c, ts.URL+"/notifications/x/open", url.Values{}), http.StatusNotFound)
	res := form(t, c, ts.URL+"/notifications/read-all", url.Values{})
	wantRedirect(t, res, "/notifications")
}
