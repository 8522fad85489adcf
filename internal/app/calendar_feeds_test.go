package app_test

// Calendar feeds: created through the API and the page, fetched without a
// session, answered conditionally, revoked, and parsed by a real
// iCalendar parser (python3-icalendar).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/identity"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, emp identity.User) []string {
		// The pages are fetched as anna.admin: give her a feed so the
		// table shows.
		var id int64
		if err := ts.DB.QueryRowContext(t.Context(), "SELECT id FROM users WHERE username = 'anna.admin'").Scan(&id); err != nil {
			t.Fatal(err)
		}
		svc := absence.NewService(ts.DB, ts.Main.Clock, ts.Worktime)
		a := actor.Actor{UserID: id, Username: "anna.admin", Roles: []string{actor.RoleAdmin}, Via: actor.ViaSession, SessionID: 1}
		if _, _, err := svc.CreateFeed(t.Context(), a, absence.FeedHolidays, "BE"); err != nil {
			t.Fatalf("a11y feed: %v", err)
		}
		return []string{"/absences/feeds"}
	})
}

type apiCalendarFeed struct {
	ID         int64   `json:"id"`
	Kind       string  `json:"kind"`
	State      *string `json:"state"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
	URL        string  `json:"url"`
}

func TestCalendarFeedsHTTP(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
	ts := f.ts
	// Max is Erika's colleague (same lead).
	colleague := createUser(t, ts, "max.kollege", "Max Kollege", actor.RoleEmployee)
	if _, err := ts.Identity.UpdateUser(t.Context(), actor.CLI(), colleague.ID, identity.UserUpdate{SupervisorID: &f.lead.ID}); err != nil {
		t.Fatal(err)
	}
	assignFullTime(t, ts, colleague.ID)
	token := func(id int64) string {
		_, tok, err := ts.Identity.CreateTokenFor(t.Context(), actor.CLI(), id, identity.NewToken{Name: "t", Scope: "write"})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	empTok, colTok, leadTok := token(f.emp.ID), token(colleague.ID), token(f.lead.ID)
	call := func(tok, method, path, body string) *result {
		req := newRequest(t, method, ts.URL+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		return do(t, http.DefaultClient, req)
	}
	create := func(tok, body string) apiCalendarFeed {
		t.Helper()
		res := call(tok, "POST", "/calendar-feeds", body)
		wantStatus(t, res, http.StatusCreated)
		var out apiCalendarFeed
		if err := json.Unmarshal(res.body, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out.URL, ts.URL+"/calendar/ocf_") || !strings.HasSuffix(out.URL, ".ics") {
			t.Fatalf("feed URL %q", out.URL)
		}
		return out
	}

	// Erika: a certified sick note and a requested leave.
	wantStatus(t, call(empTok, "POST", "/absences", `{"type_id":"sick_certified","start":"2026-03-03","end":"2026-03-04","note":"Grippe"}`), http.StatusCreated)
	wantStatus(t, call(empTok, "POST", "/absences", `{"type_id":"vacation","start":"2026-03-30","end":"2026-04-10","note":"Ostern, endlich; Urlaub"}`), http.StatusCreated)

	own := create(empTok, `{"kind":"own"}`)
	if own.Kind != "own" || own.State != nil || own.LastUsedAt != nil {
		t.Errorf("created = %+v", own)
	}
	hol := create(empTok, `{"kind":"holidays","state":"SN"}`)
	if hol.State == nil || *hol.State != "SN" {
		t.Errorf("holidays feed = %+v", hol)
	}
	for body, code := range map[string]string{`{"kind":"all"}`: "invalid_feed_kind", `{"kind":"holidays","state":"XY"}`: "unknown_state"} {
		if p := problem(t, call(empTok, "POST", "/calendar-feeds", body)); p.Code != code {
			t.Errorf("POST %s: %+v; want %s", body, p, code)
		}
	}
	_, roTok, err := ts.Identity.CreateTokenFor(t.Context(), actor.CLI(), f.emp.ID, identity.NewToken{Name: "ro", Scope: "read"})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, call(roTok, "POST", "/calendar-feeds", `{"kind":"own"}`), http.StatusForbidden)

	// Fetched without any session or token.
	anon := newClient(t, ts)
	res := get(t, anon, own.URL)
	wantStatus(t, res, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "private, no-cache" {
		t.Errorf("Cache-Control = %q", cc)
	}
	etag, lastMod := res.Header.Get("ETag"), res.Header.Get("Last-Modified")
	if etag == "" || lastMod == "" {
		t.Fatalf("ETag %q, Last-Modified %q", etag, lastMod)
	}
	python := icalendarPython(t)
	cal := parseFeed(t, python, res.text())
	if cal.CalName != "Abwesenheiten Erika Muster" || len(cal.Errors) != 0 || len(cal.Events) != 2 {
		t.Fatalf("own feed parsed as %+v", cal)
	}
	sick, leave := cal.Events[0], cal.Events[1]
	if sick.Summary != "Krankheit mit Bescheinigung" || sick.Start != "2026-03-03" || sick.End != "2026-03-05" || sick.Status != "CONFIRMED" {
		t.Errorf("sick event = %+v", sick)
	}
	if leave.Summary != "Erholungsurlaub (beantragt)" || leave.Start != "2026-03-30" || leave.End != "2026-04-11" || leave.Status != "TENTATIVE" ||
		!strings.HasPrefix(leave.UID, "absence-") || !strings.HasSuffix(leave.UID, "@127.0.0.1") || len(leave.Errors) != 0 {
		t.Errorf("leave event = %+v", leave)
	}
	if strings.Contains(res.text(), "Grippe") || strings.Contains(res.text(), "Ostern") {
		t.Error("the feed shows notes")
	}

	// Conditional requests.
	wantStatus(t, get(t, anon, own.URL, "If-None-Match", etag), http.StatusNotModified)
	wantStatus(t, get(t, anon, own.URL, "If-Modified-Since", lastMod), http.StatusNotModified)
	wantStatus(t, get(t, anon, own.URL, "If-None-Match", `"anders"`), http.StatusOK)
	wantStatus(t, get(t, anon, own.URL, "If-Modified-Since", "Mon, 02 Mar 2020 08:00:00 GMT"), http.StatusOK)
	req := newRequest(t, http.MethodHead, own.URL, nil)
	wantStatus(t, do(t, anon, req), http.StatusOK)

	// Holidays of Saxony, parsed.
	res = get(t, anon, hol.URL)
	wantStatus(t, res, http.StatusOK)
	hcal := parseFeed(t, python, res.text())
	found := false
	for _, e := range hcal.Events {
		if e.Summary == "Buß- und Bettag" && e.Start == "2026-11-18" && e.End == "2026-11-19" {
			found = true
		}
	}
	if hcal.CalName != "Feiertage Sachsen" || !found || len(hcal.Errors) != 0 {
		t.Errorf("holidays feed: %s, %d events, Buß- und Bettag 2026 found: %v", hcal.CalName, len(hcal.Events), found)
	}

	// Privacy: the colleague sees Erika's sickness as "abwesend", and not
	// her request; the lead sees the request's type but not the sickness.
	team := create(colTok, `{"kind":"team"}`)
	tcal := parseFeed(t, python, get(t, anon, team.URL).text())
	if len(tcal.Events) != 1 || tcal.Events[0].Summary != "Erika Muster: abwesend" || tcal.Events[0].Start != "2026-03-03" {
		t.Errorf("colleague's team feed = %+v", tcal.Events)
	}
	lead := create(leadTok, `{"kind":"team"}`)
	lcal := parseFeed(t, python, get(t, anon, lead.URL).text())
	if len(lcal.Events) != 2 || lcal.Events[0].Summary != "Erika Muster: abwesend" || lcal.Events[1].Summary != "Erika Muster: Erholungsurlaub (beantragt)" {
		t.Errorf("lead's team feed = %+v", lcal.Events)
	}

	// Listing and revoking.
	res = call(empTok, "GET", "/calendar-feeds", "")
	wantStatus(t, res, http.StatusOK)
	var list struct{ Items []apiCalendarFeed }
	if err := json.Unmarshal(res.body, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 2 || list.Items[0].ID != hol.ID || list.Items[1].LastUsedAt == nil || list.Items[1].URL != "" {
		t.Errorf("list = %+v; want both feeds, newest first, the own one used, no URLs", list.Items)
	}
	wantStatus(t, call(colTok, "DELETE", fmt.Sprintf("/calendar-feeds/%d", own.ID), ""), http.StatusNotFound)
	wantStatus(t, call(empTok, "DELETE", fmt.Sprintf("/calendar-feeds/%d", own.ID), ""), http.StatusNoContent)
	wantStatus(t, get(t, anon, own.URL), http.StatusNotFound)
	wantStatus(t, get(t, anon, own.URL, "If-None-Match", etag), http.StatusNotFound)
	wantStatus(t, get(t, anon, ts.URL+"/calendar/ocf_unbekannt.ics"), http.StatusNotFound)
	wantStatus(t, get(t, anon, strings.TrimSuffix(hol.URL, ".ics")), http.StatusNotFound)
	if n := len(auditRecords(t, ts, "calendar_feed.create")); n != 4 {
		t.Errorf("calendar_feed.create audited %d times", n)
	}
	if recs := auditRecords(t, ts, "calendar_feed.revoke"); len(recs) != 1 {
		t.Errorf("calendar_feed.revoke audited %d times", len(recs))
	}
	secret := strings.TrimSuffix(strings.TrimPrefix(hol.URL, ts.URL+"/calendar/"), ".ics")
	if n := countRows(t, ts, "audit_log", "detail LIKE ?", "%"+secret+"%"); n != 0 {
		t.Errorf("the audit log holds a feed token")
	}
}

func TestCalendarFeedsPage(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
	ts := f.ts
	emp := loginFull(t, ts, f.emp.Username, testPassword)
	res := get(t, emp, ts.URL+"/absences/feeds")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if byID(doc, "feeds-none") == nil || byID(doc, "feed-url") != nil {
		t.Errorf("empty feeds page: %s", res.text())
	}
	for _, id := range []string{"f-kind", "f-kind-team", "f-kind-holidays", "f-state"} {
		if byID(doc, id) == nil || labelFor(doc, id) == nil {
			t.Errorf("field %s missing or without label", id)
		}
	}
	res = form(t, emp, ts.URL+"/absences/feeds", url.Values{"kind": {"holidays"}, "state": {"BY"}})
	wantStatus(t, res, http.StatusOK)
	doc = res.doc(t)
	feedURL := strings.TrimSpace(textOf(byID(doc, "feed-url")))
	if !strings.HasPrefix(feedURL, ts.URL+"/calendar/ocf_") {
		t.Fatalf("created page shows %q", feedURL)
	}
	table := byID(doc, "feeds-table")
	if table == nil {
		t.Fatalf("no feeds table after creation: %s", res.text())
	}
	rows := findAll(table, func(n *html.Node) bool { return n.Data == "tr" && strings.HasPrefix(attr(n, "id"), "feed-") })
	if len(rows) != 1 || !strings.Contains(textOf(rows[0]), "Bayern") || !strings.Contains(textOf(rows[0]), "noch nie") {
		t.Errorf("feeds table after creation: %d rows", len(rows))
	}
	wantStatus(t, get(t, newClient(t, ts), feedURL), http.StatusOK)
	// The URL is shown once.
	res = get(t, emp, ts.URL+"/absences/feeds")
	if strings.Contains(res.text(), feedURL) {
		t.Error("the feeds page shows the secret URL again")
	}
	res = form(t, emp, ts.URL+"/absences/feeds", url.Values{"kind": {"alles"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if byID(res.doc(t), "e-kind") == nil {
		t.Error("invalid kind: no error at the field")
	}
	var id int64
	if _, err := fmt.Sscanf(attr(rows[0], "id"), "feed-%d", &id); err != nil {
		t.Fatal(err)
	}
	stranger := loginFull(t, ts, f.stranger.Username, testPassword)
	wantStatus(t, form(t, stranger, ts.URL+fmt.Sprintf("/absences/feeds/%d/revoke", id), nil), http.StatusNotFound)
	wantRedirect(t, form(t, emp, ts.URL+fmt.Sprintf("/absences/feeds/%d/revoke", id), nil), "/absences/feeds")
	res = get(t, emp, ts.URL+"/absences/feeds")
	if !strings.Contains(res.text(), "widerrufen") || byID(res.doc(t), "feeds-none") == nil {
		t.Error("after revocation: no flash or the feed is still listed")
	}
	wantStatus(t, get(t, newClient(t, ts), feedURL), http.StatusNotFound)
	wantStatus(t, get(t, newClient(t, ts), ts.URL+"/absences/feeds"), http.StatusSeeOther)
}

type parsedFeed struct {
	CalName string      `json:"calname"`
	Errors  []any       `json:"errors"`
	Events  []feedEvent `json:"events"`
}

type feedEvent struct {
	UID     string `json:"uid"`
	Summary string `json:"summary"`
	Start   string `json:"start"`
	End     string `json:"end"`
	Status  string `json:"status"`
	Errors  []any  `json:"errors"`
}

// feedScript reads an iCalendar file on stdin with icalendar and prints
// what it understood of the events as JSON.
const feedScript = `
import json, sys
import icalendar

cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())

def text(component, name):
    value = component.get(name)
    return "" if value is None else str(value)

events = []
for ev in cal.walk("VEVENT"):
    for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
        if ev.get(name) is None:
            raise SystemExit("event without " + name)
    events.append({
        "uid": text(ev, "UID"),
        "summary": text(ev, "SUMMARY"),
        "start": ev.decoded("DTSTART").isoformat(),
        "end": ev.decoded("DTEND").isoformat(),
        "status": text(ev, "STATUS"),
        "errors": [str(e) for e in ev.errors],
    })
json.dump({"calname": text(cal, "X-WR-CALNAME"), "errors": [str(e) for e in cal.errors], "events": events}, sys.stdout)
`

func parseFeed(t *testing.T, python, ics string) parsedFeed {
	t.Helper()
	if !strings.HasSuffix(ics, "\r\n") || strings.Contains(strings.ReplaceAll(ics, "\r\n", ""), "\n") {
		t.Errorf("feed lines do not all end in CRLF")
	}
	for l := range strings.SplitSeq(ics, "\r\n") {
		if len(l) > 75 {
			t.Errorf("feed line of %d octets: %q", len(l), l)
		}
	}
	cmd := exec.Command(python, "-c", feedScript)
	cmd.Stdin = strings.NewReader(ics)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("icalendar could not parse the feed: %v\n%s\nICS:\n%s", err, stderr.String(), ics)
	}
	var cal parsedFeed
	if err := json.Unmarshal(out, &cal); err != nil {
		t.Fatalf("reading the parser's answer: %v\n%s", err, out)
	}
	return cal
}
