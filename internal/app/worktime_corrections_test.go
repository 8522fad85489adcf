package app_test

// Manual entries, corrections with history and the lead's approval,
// through the API and the plain HTML forms, against the real server.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"ortlos/internal/actor"
	"ortlos/internal/clock"
	"ortlos/internal/identity"
	"ortlos/internal/worktime"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, emp identity.User) []string {
		ctx := t.Context()
		a := actor.Actor{UserID: emp.ID, Username: emp.Username, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
		now := ts.now().Truncate(time.Minute)
		res, err := ts.Worktime.CreateEntry(ctx, a, emp.ID, worktime.EntryChange{Start: now.Add(-3 * time.Hour), End: ptrTime(now.Add(-2 * time.Hour)), Reason: "nachgetragen"})
		if err != nil || res.Entry == nil {
			t.Fatalf("a11y entry: %+v, %v", res, err)
		}
		old := now.AddDate(0, 0, -20)
		if _, err := ts.Worktime.CreateEntry(ctx, a, emp.ID, worktime.EntryChange{Start: old, End: ptrTime(old.Add(time.Hour)), Reason: "Dienstreise"}); err != nil {
			t.Fatalf("a11y request: %v", err)
		}
		return []string{"/worktime/entries", "/worktime/entries/new", fmt.Sprintf("/worktime/entries/%d", res.Entry.ID),
			fmt.Sprintf("/worktime/entries?user_id=%d", emp.ID), fmt.Sprintf("/worktime/entries/new?user_id=%d", emp.ID), "/worktime/corrections"}
	})
}

func ptrTime(t time.Time) *time.Time { return &t }

// correctionsFixture is a server on a fake clock (Friday 20 March 2026)
// with a lead, her employee, HR and an unrelated employee.
type correctionsFixture struct {
	ts                      *testServer
	lead, emp, hr, stranger identity.User
}

func newCorrectionsFixture(t *testing.T) correctionsFixture {
	t.Helper()
	ts := startServer(t, withClock(clock.NewFake(time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC))))
	f := correctionsFixture{ts: ts,
		lead:     createUser(t, ts, "lena.lead", "Lena Lead", actor.RoleLead, actor.RoleEmployee),
		emp:      createUser(t, ts, "erika.muster", "Erika Muster", actor.RoleEmployee),
		hr:       createUser(t, ts, "hanna.hr", "Hanna HR", actor.RoleHR),
		stranger: createUser(t, ts, "sven.fremd", "Sven Fremd", actor.RoleEmployee),
	}
	if _, err := ts.Identity.UpdateUser(t.Context(), actor.CLI(), f.emp.ID, identity.UserUpdate{SupervisorID: &f.lead.ID}); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestWorktimeCorrectionsAPI(t *testing.T) {
	t.Parallel()
	f := newCorrectionsFixture(t)
	ts := f.ts
	token := func(id int64) string {
		_, tok, err := ts.Identity.CreateTokenFor(t.Context(), actor.CLI(), id, identity.NewToken{Name: "t", Scope: "write"})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	leadTok, empTok, hrTok, strTok := token(f.lead.ID), token(f.emp.ID), token(f.hr.ID), token(f.stranger.ID)
	call := func(tok, method, path, body string) *result {
		req := newRequest(t, method, ts.URL+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		return do(t, http.DefaultClient, req)
	}
	type entry struct {
		ID       int64  `json:"id"`
		Revision int    `json:"revision"`
		Source   string `json:"source"`
		Start    string `json:"start"`
	}
	type correction struct {
		ID      int64  `json:"id"`
		Status  string `json:"status"`
		Action  string `json:"action"`
		EntryID *int64 `json:"entry_id"`
	}
	decode := func(r *result, v any) {
		t.Helper()
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
	}

	res := call(empTok, "POST", "/worktime/entries", `{"start":"2026-03-19T07:00:00Z","end":"2026-03-19T11:00:00Z","location":"home","reason":"Stempeln vergessen"}`)
	wantStatus(t, res, http.StatusCreated)
	var e entry
	decode(res, &e)
	if e.Revision != 1 || e.Source != "manual" {
		t.Errorf("created entry = %+v; want revision 1, source manual", e)
	}
	for body, code := range map[string]string{
		`{"start":"2026-03-19T10:00:00Z","end":"2026-03-19T12:00:00Z","reason":"x"}`: "entry_overlap",
		`{"start":"2026-03-18T07:00:00Z","end":"2026-03-18T11:00:00Z","reason":""}`:  "reason_required",
		`{"start":"2026-03-18T11:00:00Z","end":"2026-03-18T07:00:00Z","reason":"x"}`: "entry_end_before_start",
		`{"start":"2026-03-20T08:00:00Z","end":"2026-03-20T10:00:00Z","reason":"x"}`: "entry_in_future",
		`{"start":"18.3.2026 08:00","end":"2026-03-18T10:00:00Z","reason":"x"}`:      "invalid_entry_time",
	} {
		if p := problem(t, call(empTok, "POST", "/worktime/entries", body)); p.Code != code {
			t.Errorf("POST %s: code %q, want %q", body, p.Code, code)
		}
	}
	entryPath := fmt.Sprintf("/worktime/entries/%d", e.ID)
	wantStatus(t, call(strTok, "GET", entryPath, ""), http.StatusNotFound)
	wantStatus(t, call(strTok, "POST", entryPath+"/corrections", `{"start":"2026-03-19T07:30:00Z","end":"2026-03-19T11:00:00Z","reason":"x"}`), http.StatusNotFound)
	wantStatus(t, call(strTok, "DELETE", entryPath, `{"reason":"x"}`), http.StatusNotFound)
	wantStatus(t, call(strTok, "GET", fmt.Sprintf("/worktime/entries?user_id=%d", f.emp.ID), ""), http.StatusNotFound)
	wantStatus(t, call(leadTok, "GET", entryPath, ""), http.StatusOK)
	wantStatus(t, call(leadTok, "POST", entryPath+"/corrections", `{"start":"2026-03-19T07:30:00Z","end":"2026-03-19T11:00:00Z","reason":"x"}`), http.StatusForbidden)

	res = call(empTok, "POST", entryPath+"/corrections", `{"start":"2026-03-19T07:30:00Z","end":"2026-03-19T11:00:00Z","reason":"Beginn 8:30","revision":1}`)
	wantStatus(t, res, http.StatusOK)
	decode(res, &e)
	if e.Revision != 2 || e.Source != "correction" || e.Start != "2026-03-19T07:30:00Z" {
		t.Errorf("corrected = %+v; want revision 2 from 07:30Z", e)
	}
	res = call(empTok, "POST", entryPath+"/corrections", `{"start":"2026-03-19T07:00:00Z","end":"2026-03-19T11:00:00Z","reason":"alt","revision":1}`)
	wantStatus(t, res, http.StatusConflict)
	if p := problem(t, res); p.Code != "revision_conflict" {
		t.Errorf("stale revision: %+v", p)
	}

	// Two weeks back: a request, answered 202.
	res = call(empTok, "POST", "/worktime/entries", `{"start":"2026-03-02T07:00:00Z","end":"2026-03-02T15:00:00Z","reason":"Dienstreise"}`)
	wantStatus(t, res, http.StatusAccepted)
	var c correction
	decode(res, &c)
	if c.Status != "pending" || c.Action != "create" || c.EntryID != nil {
		t.Fatalf("request = %+v; want pending create without entry", c)
	}
	corrPath := fmt.Sprintf("/worktime/corrections/%d", c.ID)
	res = call(empTok, "POST", corrPath+"/approve", "")
	wantStatus(t, res, http.StatusForbidden)
	if p := problem(t, res); p.Code != "own_correction" {
		t.Errorf("self-approval: %+v", p)
	}
	wantStatus(t, call(strTok, "POST", corrPath+"/approve", ""), http.StatusNotFound)
	var list struct {
		Items      []correction `json:"items"`
		NextCursor *string      `json:"next_cursor"`
	}
	res = call(leadTok, "GET", "/worktime/corrections?scope=to_decide&status=pending", "")
	wantStatus(t, res, http.StatusOK)
	decode(res, &list)
	if len(list.Items) != 1 || list.Items[0].ID != c.ID {
		t.Fatalf("lead to_decide = %s; want the request", res.body)
	}
	wantStatus(t, call(leadTok, "GET", "/worktime/corrections?scope=all", ""), http.StatusUnprocessableEntity)
	wantStatus(t, call(leadTok, "POST", corrPath+"/reject", `{"note":""}`), http.StatusUnprocessableEntity)
	res = call(leadTok, "POST", corrPath+"/approve", "")
	wantStatus(t, res, http.StatusOK)
	decode(res, &c)
	if c.Status != "approved" || c.EntryID == nil {
		t.Fatalf("approved = %s", res.body)
	}
	wantStatus(t, call(leadTok, "POST", corrPath+"/approve", ""), http.StatusConflict)

	var entries struct {
		Items []entry `json:"items"`
	}
	res = call(empTok, "GET", "/worktime/entries?from=2026-03-01&to=2026-03-31", "")
	wantStatus(t, res, http.StatusOK)
	decode(res, &entries)
	if len(entries.Items) != 2 {
		t.Errorf("entries of March = %s; want 2", res.body)
	}
	res = call(hrTok, "GET", fmt.Sprintf("/worktime/entries?user_id=%d", f.emp.ID), "")
	wantStatus(t, res, http.StatusOK)
	decode(res, &entries)
	if len(entries.Items) != 2 {
		t.Errorf("HR default (current month) = %s; want 2", res.body)
	}

	// HR deletes directly; the history stays.
	res = call(hrTok, "DELETE", entryPath, `{"reason":"doppelt erfasst","revision":2}`)
	wantStatus(t, res, http.StatusOK)
	res = call(empTok, "GET", entryPath, "")
	wantStatus(t, res, http.StatusOK)
	var det struct {
		Deleted   bool `json:"deleted"`
		Revisions []struct {
			Revision      int    `json:"revision"`
			Source        string `json:"source"`
			Reason        string `json:"reason"`
			Automatic     bool   `json:"automatic"`
			CreatedByName string `json:"created_by_name"`
		} `json:"revisions"`
		Corrections []correction `json:"corrections"`
	}
	decode(res, &det)
	if !det.Deleted || len(det.Revisions) != 3 || det.Revisions[2].Reason != "doppelt erfasst" || det.Revisions[2].CreatedByName != "Hanna HR" ||
		det.Revisions[0].Reason != "Stempeln vergessen" || det.Corrections == nil {
		t.Errorf("entry history = %s", res.body)
	}
	wantStatus(t, call(empTok, "DELETE", entryPath, `{"reason":"nochmal"}`), http.StatusConflict)

	for action, want := range map[string]int{"worktime.entry_create": 2, "worktime.entry_correct": 1, "worktime.entry_delete": 1,
		"worktime.correction_request": 1, "worktime.correction_approve": 1} {
		if n := len(auditRecords(t, ts, action)); n != want {
			t.Errorf("%s records = %d, want %d", action, n, want)
		}
	}
}

func TestWorktimeCorrectionsPages(t *testing.T) {
	t.Parallel()
	f := newCorrectionsFixture(t)
	ts := f.ts
	ec := loginFull(t, ts, "erika.muster", testPassword)
	lc := loginFull(t, ts, "lena.lead", testPassword)
	sc := loginFull(t, ts, "sven.fremd", testPassword)

	wantStatus(t, get(t, ec, ts.URL+"/worktime/entries"), http.StatusOK)
	res := get(t, ec, ts.URL+"/worktime/entries/new")
	wantStatus(t, res, http.StatusOK)
	if strings.Contains(get(t, ec, ts.URL+"/worktime").text(), `href="/worktime/corrections"`) {
		t.Error("employee navigation links to /worktime/corrections")
	}
	if !strings.Contains(get(t, lc, ts.URL+"/worktime").text(), `href="/worktime/corrections"`) {
		t.Error("lead navigation lacks /worktime/corrections")
	}

	entry := url.Values{"start_date": {"2026-03-19"}, "start_time": {"08:00"}, "end_time": {"12:00"}, "location": {"home"}, "reason": {"Außentermin"}}
	res = form(t, ec, ts.URL+"/worktime/entries", entry)
	wantRedirect(t, res, "/worktime/entries/")
	entryURL := res.location()
	res = get(t, ec, ts.URL+entryURL)
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if byID(doc, "wt-revisions") == nil || !strings.Contains(textOf(doc), "Außentermin") || attr(byID(doc, "wt-entry-revision"), "id") == "" {
		t.Errorf("entry page lacks its history:\n%s", res.body)
	}
	// The same again overlaps: explained on the form, input kept.
	res = form(t, ec, ts.URL+"/worktime/entries", entry)
	wantStatus(t, res, http.StatusConflict)
	if !strings.Contains(textOf(res.doc(t)), de.Error("entry_overlap")) || attr(byName(res.doc(t), "start_time"), "value") != "08:00" {
		t.Errorf("overlap not explained or input lost:\n%s", res.body)
	}
	bad := url.Values{"start_date": {"2026-03-19"}, "start_time": {"08:00"}, "end_time": {"07:00"}, "reason": {"x"}, "revision": {"1"}}
	res = form(t, ec, ts.URL+entryURL+"/corrections", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if byID(res.doc(t), "e-end_time") == nil {
		t.Errorf("end before start: no field error at the end time:\n%s", res.body)
	}
	res = form(t, ec, ts.URL+entryURL+"/delete", url.Values{"reason": {""}, "revision": {"1"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if byID(res.doc(t), "e-delete_reason") == nil {
		t.Errorf("delete without reason: no field error:\n%s", res.body)
	}
	good := url.Values{"start_date": {"2026-03-19"}, "start_time": {"08:15"}, "end_time": {"12:00"}, "location": {"home"}, "reason": {"Beginn 8:15"}, "revision": {"1"}}
	wantRedirect(t, form(t, ec, ts.URL+entryURL+"/corrections", good), entryURL)
	// The stale revision 1 again: a conflict.
	wantStatus(t, form(t, ec, ts.URL+entryURL+"/corrections", good), http.StatusConflict)
	wantStatus(t, get(t, sc, ts.URL+entryURL), http.StatusNotFound)
	wantStatus(t, form(t, sc, ts.URL+entryURL+"/delete", url.Values{"reason": {"x"}}), http.StatusNotFound)

	// An old day becomes a request that the lead decides.
	old := url.Values{"start_date": {"2026-03-02"}, "start_time": {"08:00"}, "end_time": {"16:00"}, "location": {"office"}, "reason": {"Dienstreise"}}
	wantRedirect(t, form(t, ec, ts.URL+"/worktime/entries", old), "/worktime/corrections")
	res = get(t, ec, ts.URL+"/worktime/corrections")
	wantStatus(t, res, http.StatusOK)
	if n := len(findAll(res.doc(t), func(n *html.Node) bool { return attr(n, "data-status") == "pending" })); n != 1 {
		t.Errorf("own pending requests shown = %d, want 1:\n%s", n, res.body)
	}
	var id int64
	if err := ts.DB.QueryRowContext(t.Context(), "SELECT id FROM worktime_corrections").Scan(&id); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, form(t, ec, ts.URL+fmt.Sprintf("/worktime/corrections/%d/approve", id), nil), http.StatusForbidden)
	res = get(t, lc, ts.URL+"/worktime/corrections")
	wantStatus(t, res, http.StatusOK)
	if byID(res.doc(t), fmt.Sprintf("correction-%d", id)) == nil {
		t.Fatalf("lead does not see the request:\n%s", res.body)
	}
	res = form(t, lc, ts.URL+fmt.Sprintf("/worktime/corrections/%d/reject", id), url.Values{"note": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if byID(res.doc(t), fmt.Sprintf("e-note-%d", id)) == nil {
		t.Errorf("reject without note: no field error:\n%s", res.body)
	}
	wantRedirect(t, form(t, lc, ts.URL+fmt.Sprintf("/worktime/corrections/%d/approve", id), nil), "/worktime/corrections")
	if n := countRows(t, ts, "worktime_corrections", "status = ?", "approved"); n != 1 {
		t.Errorf("approved requests = %d, want 1", n)
	}
	res = get(t, ec, ts.URL+"/worktime/entries?year=2026&month=3")
	wantStatus(t, res, http.StatusOK)
	if rows := findAll(byID(res.doc(t), "wt-entries"), func(n *html.Node) bool { return n.Data == "tr" }); len(rows) != 3 {
		t.Errorf("entries table has %d rows, want header + 2", len(rows))
	}
}
