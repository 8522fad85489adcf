package app_test

// The calendar feed of one's task due dates (kind "tasks"): created like
// the absence feeds, parsed by python3-icalendar, conditional requests,
// open tasks of visible projects only.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/db"
	"ortlos/internal/identity"
)

func TestTaskFeedHTTP(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
	ts := f.ts
	_, task := wlSeed(t, ts, false, f.emp.ID)
	_, secretTask := wlSeed(t, ts, true) // Erika assigned but no member
	first := task("Bauantrag prüfen; Frist", "2026-03-10", 60, false, f.emp.ID)
	second := task("Stellungnahme", "2026-04-01", 60, false, f.emp.ID)
	task("Ohne Termin", "", 60, false, f.emp.ID)
	task("Schon erledigt", "2026-03-05", 60, true, f.emp.ID)
	task("Von Lena", "2026-03-05", 60, false, f.lead.ID)
	secretTask("Geheim", "2026-03-05", 60, false, f.emp.ID)

	_, tok, err := ts.Identity.CreateTokenFor(t.Context(), actor.CLI(), f.emp.ID, identity.NewToken{Name: "t", Scope: "write"})
	if err != nil {
		t.Fatal(err)
	}
	req := newRequest(t, "POST", ts.URL+"/api/v1/calendar-feeds", strings.NewReader(`{"kind":"tasks"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res := do(t, http.DefaultClient, req)
	wantStatus(t, res, http.StatusCreated)
	var feed apiCalendarFeed
	if err := json.Unmarshal(res.body, &feed); err != nil {
		t.Fatal(err)
	}
	if feed.Kind != "tasks" || feed.State != nil || !strings.HasPrefix(feed.URL, ts.URL+"/calendar/ocf_") {
		t.Fatalf("feed = %+v", feed)
	}

	anon := newClient(t, ts)
	res = get(t, anon, feed.URL)
	wantStatus(t, res, http.StatusOK)
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "ortlos-tasks.ics") {
		t.Errorf("Content-Disposition = %q", cd)
	}
	cal := parseFeed(t, icalendarPython(t), res.text())
	if cal.CalName != "Aufgaben Erika Muster" || len(cal.Errors) != 0 || len(cal.Events) != 2 {
		t.Fatalf("task feed parsed as %+v\n%s", cal, res.text())
	}
	e := cal.Events[0]
	if e.Summary != "Bauantrag prüfen; Frist" || e.Start != "2026-03-10" || e.End != "2026-03-11" ||
		e.UID != fmt.Sprintf("task-%d@127.0.0.1", first) || len(e.Errors) != 0 {
		t.Errorf("first event = %+v", e)
	}
	if cal.Events[1].UID != fmt.Sprintf("task-%d@127.0.0.1", second) {
		t.Errorf("second event = %+v", cal.Events[1])
	}
	if !strings.Contains(res.text(), fmt.Sprintf("URL:%s/tasks/%d\r\n", ts.URL, first)) || !strings.Contains(res.text(), "TRANSP:TRANSPARENT") {
		t.Errorf("event without link to the task or not transparent:\n%s", res.text())
	}
	for _, hidden := range []string{"Geheim", "Ohne Termin", "Schon erledigt", "Von Lena"} {
		if strings.Contains(res.text(), hidden) {
			t.Errorf("the feed shows %q", hidden)
		}
	}

	// Conditional requests; a task done changes the body and its tag.
	etag, lastMod := res.Header.Get("ETag"), res.Header.Get("Last-Modified")
	wantStatus(t, get(t, anon, feed.URL, "If-None-Match", etag), http.StatusNotModified)
	wantStatus(t, get(t, anon, feed.URL, "If-Modified-Since", lastMod), http.StatusNotModified)
	ts.Clock.Advance(time.Hour)
	if err := ts.DB.InTx(t.Context(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(t.Context(), `UPDATE tasks SET status_id = (SELECT id FROM project_statuses s WHERE s.project_id = tasks.project_id AND s.category = 'done'),
			updated_at = ? WHERE id = ?`, db.T(ts.now()), first)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	res = get(t, anon, feed.URL, "If-None-Match", etag)
	wantStatus(t, res, http.StatusOK)
	if res.Header.Get("ETag") == etag || res.Header.Get("Last-Modified") == lastMod || strings.Contains(res.text(), "Bauantrag") {
		t.Errorf("after the task was done: ETag %s, Last-Modified %s", res.Header.Get("ETag"), res.Header.Get("Last-Modified"))
	}

	// The page offers the kind.
	c := loginFull(t, ts, "erika.muster", testPassword)
	page := get(t, c, ts.URL+"/absences/feeds")
	wantStatus(t, page, http.StatusOK)
	doc := page.doc(t)
	if byID(doc, "f-kind-tasks") == nil || labelFor(doc, "f-kind-tasks") == nil {
		t.Error("the feeds page offers no task feed")
	}
	if row := byID(doc, fmt.Sprintf("feed-%d", feed.ID)); row == nil || !strings.Contains(textOf(row), "Aufgaben") {
		t.Errorf("the feeds page does not list the task feed")
	}
}
