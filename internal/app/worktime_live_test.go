package app_test

// Live warnings on /worktime and getMyWorktimeStatus, the automatic break
// deduction and the core hours per org unit, against the real server.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/clock"
	"ortlos/internal/config"
	"ortlos/internal/identity"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, emp identity.User) []string {
		ou, err := ts.Identity.CreateOrgUnit(t.Context(), actor.CLI(), identity.OrgUnitInput{Name: "Kernzeit-Amt"})
		if err != nil {
			t.Fatal(err)
		}
		return []string{"/worktime/core-hours", fmt.Sprintf("/worktime/core-hours/%d", ou.ID)}
	})
}

// liveMonday is Monday 2 March 2026, 08:00 in Berlin (CET).
var liveMonday = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

func apiCaller(t *testing.T, ts *testServer, userID int64, scope string) func(method, path, body string) *result {
	t.Helper()
	_, tok, err := ts.Identity.CreateTokenFor(t.Context(), actor.CLI(), userID, identity.NewToken{Name: "t", Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	return func(method, path, body string) *result {
		req := newRequest(t, method, ts.URL+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		return do(t, http.DefaultClient, req)
	}
}

func TestWorktimeLiveWarnings(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(liveMonday)
	ts := startServer(t, withClock(clk))
	u := createUser(t, ts, "bert.beschaeftigt", "Bert Beschäftigt", actor.RoleEmployee)
	call := apiCaller(t, ts, u.ID, "write")
	status := func() map[string]any {
		t.Helper()
		res := call("GET", "/worktime/status", "")
		wantStatus(t, res, http.StatusOK)
		var body map[string]any
		if err := json.Unmarshal(res.body, &body); err != nil {
			t.Fatal(err)
		}
		return body
	}
	if ws, ok := status()["warnings"].([]any); !ok || len(ws) != 0 {
		t.Fatalf("warnings while off = %v; want an empty list", status()["warnings"])
	}
	wantStatus(t, call("POST", "/worktime/clock-in", ""), http.StatusCreated)
	clk.Advance(5*time.Hour + 40*time.Minute)
	ws, _ := status()["warnings"].([]any)
	if len(ws) != 1 {
		t.Fatalf("warnings after 5:40 h = %v; want BREAK_DUE", ws)
	}
	w := ws[0].(map[string]any)
	if w["code"] != "BREAK_DUE" || w["break_required_minutes"] != 30.0 || w["break_taken_minutes"] != 0.0 ||
		w["break_missing_minutes"] != 30.0 || w["due_in_minutes"] != 20.0 {
		t.Errorf("warning = %v; want BREAK_DUE 30 required, 0 taken, 30 missing, due in 20", w)
	}
	c := loginFull(t, ts, "bert.beschaeftigt", testPassword)
	res := get(t, c, ts.URL+"/worktime")
	wantStatus(t, res, http.StatusOK)
	box := byID(res.doc(t), "wt-warnings")
	if box == nil || attr(box, "role") != "status" {
		t.Fatalf("no #wt-warnings with role=status:\n%s", res.body)
	}
	if got := textOf(box); !strings.Contains(got, "Noch 30 Minuten Pause nötig, spätestens in 20 Minuten") {
		t.Errorf("warnings on the page = %q; want the German sentence with the minutes", got)
	}
}

func TestWorktimeAutoBreakHTTP(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(liveMonday)
	ts := startServer(t, withClock(clk), withConfig(func(c *config.Config) { c.WorktimeAutoBreak = true }))
	u := createUser(t, ts, "carla.neu", "Carla Neu", actor.RoleEmployee)
	call := apiCaller(t, ts, u.ID, "write")
	wantStatus(t, call("POST", "/worktime/clock-in", ""), http.StatusCreated)
	clk.Advance(6*time.Hour + 30*time.Minute)
	res := call("POST", "/worktime/clock-out", "")
	wantStatus(t, res, http.StatusOK)
	var e struct {
		Start, End string
		Source     string
		Revision   int
	}
	if err := json.Unmarshal(res.body, &e); err != nil {
		t.Fatal(err)
	}
	if e.Source != "correction" || e.End != "2026-03-02T10:00:00Z" {
		t.Errorf("clock-out answered %s; want the entry corrected to end 10:00Z (11:00 local)", res.body)
	}
	recs := auditRecords(t, ts, "worktime.auto_break")
	if len(recs) != 1 {
		t.Fatalf("auto_break records = %d; want 1", len(recs))
	}
	if n := countRows(t, ts, "time_entry_revisions", "automatic = ?", true); n != 2 {
		t.Errorf("automatic revisions = %d; want 2 (the shortened entry and the rest)", n)
	}
}

func TestCoreHoursAPI(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	hr := createUser(t, ts, "hanna.hr", "Hanna HR", actor.RoleHR)
	emp := createUser(t, ts, "erik.emp", "Erik Emp", actor.RoleEmployee)
	parent, err := ts.Identity.CreateOrgUnit(t.Context(), actor.CLI(), identity.OrgUnitInput{Name: "Ordnungsamt"})
	if err != nil {
		t.Fatal(err)
	}
	child, err := ts.Identity.CreateOrgUnit(t.Context(), actor.CLI(), identity.OrgUnitInput{Name: "Gewerbe", ParentID: parent.ID})
	if err != nil {
		t.Fatal(err)
	}
	asHR, asHRRead, asEmp := apiCaller(t, ts, hr.ID, "write"), apiCaller(t, ts, hr.ID, "read"), apiCaller(t, ts, emp.ID, "write")
	path := func(id int64) string { return fmt.Sprintf("/org-units/%d/core-hours", id) }
	body := `{"windows":[{"weekday":1,"start_minute":540,"end_minute":900},{"weekday":5,"start_minute":540,"end_minute":720}]}`

	wantStatus(t, asEmp("PUT", path(parent.ID), body), http.StatusNotFound)
	wantStatus(t, asHRRead("PUT", path(parent.ID), body), http.StatusForbidden)
	wantStatus(t, asHR("PUT", path(999999), body), http.StatusNotFound)
	for _, bad := range []string{
		`{"windows":[{"weekday":0,"start_minute":540,"end_minute":900}]}`,
		`{"windows":[{"weekday":1,"start_minute":900,"end_minute":540}]}`,
		`{"windows":[{"weekday":1,"start_minute":540,"end_minute":600},{"weekday":1,"start_minute":700,"end_minute":800}]}`,
	} {
		res := asHR("PUT", path(parent.ID), bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if p := problem(t, res); p.Code != "invalid_core_hours" {
			t.Errorf("%s: problem %+v; want invalid_core_hours", bad, p)
		}
	}
	wantStatus(t, asHR("PUT", path(parent.ID), body), http.StatusOK)
	res := asEmp("GET", path(child.ID), "")
	wantStatus(t, res, http.StatusOK)
	var ch struct {
		OrgUnitID       int64  `json:"org_unit_id"`
		Inherited       bool   `json:"inherited"`
		SourceOrgUnitID *int64 `json:"source_org_unit_id"`
		Windows         []struct {
			Weekday, StartMinute, EndMinute int
		} `json:"windows"`
	}
	if err := json.Unmarshal(res.body, &ch); err != nil {
		t.Fatal(err)
	}
	if !ch.Inherited || ch.SourceOrgUnitID == nil || *ch.SourceOrgUnitID != parent.ID || len(ch.Windows) != 2 {
		t.Errorf("child core hours = %s; want two windows inherited from %d", res.body, parent.ID)
	}
	if n := len(auditRecords(t, ts, "worktime.core_hours_set")); n != 1 {
		t.Errorf("core_hours_set records = %d; want 1", n)
	}

	// The page: HR edits without JavaScript, employees get 404.
	ec := loginFull(t, ts, "erik.emp", testPassword)
	wantStatus(t, get(t, ec, ts.URL+"/worktime/core-hours"), http.StatusNotFound)
	wantStatus(t, form(t, ec, ts.URL+fmt.Sprintf("/worktime/core-hours/%d", child.ID), url.Values{"start_2": {"10:00"}, "end_2": {"14:00"}}), http.StatusNotFound)
	hc := loginFull(t, ts, "hanna.hr", testPassword)
	page := get(t, hc, ts.URL+"/worktime/core-hours")
	wantStatus(t, page, http.StatusOK)
	if txt := textOf(byID(page.doc(t), "wt-core-hours")); !strings.Contains(txt, "09:00–15:00") || !strings.Contains(txt, "Ordnungsamt") {
		t.Errorf("overview lacks the windows:\n%s", txt)
	}
	bad := form(t, hc, ts.URL+fmt.Sprintf("/worktime/core-hours/%d", child.ID), url.Values{"start_2": {"14:00"}, "end_2": {"10:00"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	wantRedirect(t, form(t, hc, ts.URL+fmt.Sprintf("/worktime/core-hours/%d", child.ID), url.Values{"start_2": {"10:00"}, "end_2": {"14:00"}}), "/worktime/core-hours")
	res = asEmp("GET", path(child.ID), "")
	if err := json.Unmarshal(res.body, &ch); err != nil {
		t.Fatal(err)
	}
	if ch.Inherited || len(ch.Windows) != 1 {
		t.Errorf("after the form = %s; want the own Tuesday window", res.body)
	}
}
