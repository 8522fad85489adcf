package app_test

// Monthly sign-off, the flexitime account and the team view against the
// real server.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/clock"
	"ortlos/internal/identity"
	"ortlos/internal/worktime"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, emp identity.User) []string {
		return []string{"/worktime/team", fmt.Sprintf("/worktime/month?user_id=%d&year=2026&month=3", emp.ID),
			"/worktime/reports/compliance-year?year=2025"}
	})
}

func TestWorktimeSignOff(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(fakeNow)
	ts := startServer(t, withClock(clk))
	ctx := t.Context()
	lead := createUser(t, ts, "lea.leitung", "Lea Leitung", actor.RoleLead)
	emp := createUser(t, ts, "erik.muster", "Erik Muster", actor.RoleEmployee)
	createUser(t, ts, "otto.fremd", "Otto Fremd", actor.RoleLead)
	if _, err := ts.Identity.UpdateUser(ctx, actor.CLI(), emp.ID, identity.UserUpdate{SupervisorID: &lead.ID}); err != nil {
		t.Fatal(err)
	}
	wm, err := ts.Worktime.CreateWorkModel(ctx, actor.CLI(), worktime.NewWorkModel{Name: "Montags", Minutes: [7]int{60}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Worktime.AssignWorkModel(ctx, actor.CLI(), emp.ID, wm.ID, civil.D(2026, 3, 1)); err != nil {
		t.Fatal(err)
	}
	// Monday 2 March 2026, 08:30–12:30 Berlin time: 240 minutes against
	// a March target of 5 × 60.
	ea := actor.Actor{UserID: emp.ID, Username: emp.Username, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
	if _, err := ts.Worktime.ClockIn(ctx, ea, "home"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(4 * time.Hour)
	if _, err := ts.Worktime.ClockOut(ctx, ea); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Date(2026, 4, 2, 8, 0, 0, 0, time.UTC))

	ec := loginFull(t, ts, emp.Username, testPassword)
	lc := loginFull(t, ts, lead.Username, testPassword)
	oc := loginFull(t, ts, "otto.fremd", testPassword)
	march := "/worktime/month?year=2026&month=3"
	mine := get(t, ec, ts.URL+march)
	wantStatus(t, mine, http.StatusOK)
	if !strings.Contains(mine.text(), `action="/worktime/month/sign"`) {
		t.Fatalf("the employee's March page has no sign form:\n%s", mine.text())
	}
	// April is not over: no form, and a forced POST is refused.
	if strings.Contains(get(t, ec, ts.URL+"/worktime/month?year=2026&month=4").text(), `action="/worktime/month/sign"`) {
		t.Error("the running month offers the sign form")
	}
	res := form(t, ec, ts.URL+"/worktime/month/sign", url.Values{"year": {"2026"}, "month": {"4"}})
	wantStatus(t, res, http.StatusConflict)
	if !strings.Contains(res.text(), "erst nach seinem Ende") {
		t.Errorf("refused sign-off lacks the German message:\n%s", res.text())
	}
	wantRedirect(t, form(t, ec, ts.URL+"/worktime/month/sign", url.Values{"year": {"2026"}, "month": {"3"}}), "/worktime/month?")

	// A stranger sees nothing of it.
	other := fmt.Sprintf("/worktime/month?user_id=%d&year=2026&month=3", emp.ID)
	wantStatus(t, get(t, oc, ts.URL+other), http.StatusNotFound)
	wantStatus(t, form(t, oc, ts.URL+"/worktime/month/countersign", url.Values{"user_id": {fmt.Sprint(emp.ID)}, "year": {"2026"}, "month": {"3"}}), http.StatusNotFound)

	// The lead sees the month with the countersign form and closes it.
	page := get(t, lc, ts.URL+other)
	wantStatus(t, page, http.StatusOK)
	if !strings.Contains(page.text(), "Erik Muster") || !strings.Contains(page.text(), `action="/worktime/month/countersign"`) {
		t.Fatalf("lead's view lacks the person or the countersign form:\n%s", page.text())
	}
	wantRedirect(t, form(t, lc, ts.URL+"/worktime/month/countersign", url.Values{"user_id": {fmt.Sprint(emp.ID)}, "year": {"2026"}, "month": {"3"}}), "/worktime/month?")

	var m struct {
		UserID int64 `json:"user_id"`
		Status struct {
			Signed, Closed bool
		} `json:"status"`
		Flexitime struct {
			Active         bool `json:"active"`
			ClosingMinutes int  `json:"closing_minutes"`
			Closed         bool `json:"closed"`
		} `json:"flexitime"`
	}
	res = get(t, lc, fmt.Sprintf("%s/api/v1/users/%d/worktime/month?year=2026&month=3", ts.URL, emp.ID))
	wantStatus(t, res, http.StatusOK)
	if err := json.Unmarshal(res.body, &m); err != nil {
		t.Fatal(err)
	}
	if m.UserID != emp.ID || !m.Status.Signed || !m.Status.Closed || !m.Flexitime.Active || !m.Flexitime.Closed || m.Flexitime.ClosingMinutes != -60 {
		t.Errorf("closed March = %s; want signed, closed, account -60 (240 worked, 300 target)", res.body)
	}
	wantStatus(t, get(t, oc, fmt.Sprintf("%s/api/v1/users/%d/worktime/month", ts.URL, emp.ID)), http.StatusNotFound)

	// The team view lists the person with figures, not clock times.
	res = get(t, lc, ts.URL+"/api/v1/worktime/team?year=2026&month=3")
	wantStatus(t, res, http.StatusOK)
	var team struct {
		Members []struct {
			UserID      int64          `json:"user_id"`
			MissingDays []string       `json:"missing_days"`
			Findings    map[string]int `json:"findings"`
			Status      struct {
				Closed bool `json:"closed"`
			} `json:"status"`
		} `json:"members"`
	}
	if err := json.Unmarshal(res.body, &team); err != nil {
		t.Fatal(err)
	}
	if len(team.Members) != 1 || team.Members[0].UserID != emp.ID || !team.Members[0].Status.Closed ||
		strings.Join(team.Members[0].MissingDays, ",") != "2026-03-09,2026-03-16,2026-03-23,2026-03-30" {
		t.Errorf("team = %s; want Erik, closed, missing the Mondays after 2 March", res.body)
	}
	if strings.Contains(string(res.body), "T07:30") || strings.Contains(string(res.body), "T11:30") {
		t.Errorf("team view exposes clock times: %s", res.body)
	}
	tp := get(t, lc, ts.URL+"/worktime/team?year=2026&month=3")
	wantStatus(t, tp, http.StatusOK)
	if !strings.Contains(tp.text(), "Erik Muster") || !strings.Contains(tp.text(), "abgeschlossen") {
		t.Errorf("team page lacks Erik or his closed status:\n%s", tp.text())
	}
	res = get(t, ec, ts.URL+"/api/v1/worktime/team")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(string(res.body), `"members":[]`) {
		t.Errorf("an employee's team = %s; want empty", res.body)
	}

	// The lead may not reopen the closed month; the API says why.
	req := newRequest(t, "POST", fmt.Sprintf("%s/api/v1/users/%d/worktime/months/2026-03/reopen", ts.URL, emp.ID), strings.NewReader(`{"reason":"Fehler"}`))
	req.Header.Set("Content-Type", "application/json")
	res = do(t, lc, req)
	wantStatus(t, res, http.StatusForbidden)
	wantStatus(t, do(t, lc, newRequest(t, "POST", fmt.Sprintf("%s/api/v1/users/%d/worktime/months/2026-3/countersign", ts.URL, emp.ID), nil)), http.StatusNotFound)
}

func TestWorktimeYearReportHTTP(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	createUser(t, ts, "hanna.hr", "Hanna HR", actor.RoleHR)
	createUser(t, ts, "erik.muster", "Erik Muster", actor.RoleEmployee)
	hc := loginFull(t, ts, "hanna.hr", testPassword)
	ec := loginFull(t, ts, "erik.muster", testPassword)
	res := get(t, hc, ts.URL+"/api/v1/worktime/reports/compliance-year?year=2025")
	wantStatus(t, res, http.StatusOK)
	var rep struct {
		Year            int `json:"year"`
		ReferencePeriod struct {
			Type  string `json:"type"`
			Start string `json:"start"`
		} `json:"reference_period"`
		People []json.RawMessage `json:"people"`
	}
	if err := json.Unmarshal(res.body, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Year != 2025 || rep.ReferencePeriod.Type != "6_calendar_months" || rep.ReferencePeriod.Start != "2024-01-01" || len(rep.People) != 2 {
		t.Errorf("year report = %s; want 2025, half-years from 2024-01-01, two people", res.body)
	}
	wantStatus(t, get(t, ec, ts.URL+"/api/v1/worktime/reports/compliance-year"), http.StatusNotFound)
	wantStatus(t, get(t, hc, ts.URL+"/api/v1/worktime/reports/compliance-year?year=x"), http.StatusUnprocessableEntity)
	page := get(t, hc, ts.URL+"/worktime/reports/compliance-year?year=2025")
	wantStatus(t, page, http.StatusOK)
	if !strings.Contains(page.text(), "Jahresprüfung") || !strings.Contains(page.text(), "6 Kalendermonate") {
		t.Errorf("year report page lacks its title or the reference period:\n%s", page.text())
	}
}

func TestWorktimeTeamForHR(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	ou, err := ts.Identity.CreateOrgUnit(t.Context(), actor.CLI(), identity.OrgUnitInput{Name: "Bürgeramt"})
	if err != nil {
		t.Fatal(err)
	}
	createUser(t, ts, "hanna.hr", "Hanna HR", actor.RoleHR)
	emp := createUser(t, ts, "erik.muster", "Erik Muster", actor.RoleEmployee)
	if _, err := ts.Identity.UpdateUser(t.Context(), actor.CLI(), emp.ID, identity.UserUpdate{OrgUnitID: &ou.ID}); err != nil {
		t.Fatal(err)
	}
	hc := loginFull(t, ts, "hanna.hr", testPassword)
	res := get(t, hc, ts.URL+"/worktime/team")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.text(), `id="team-form"`) || strings.Contains(res.text(), "Erik Muster</a>") {
		t.Errorf("HR's own team page: want the unit picker and nobody listed:\n%s", res.text())
	}
	res = get(t, hc, fmt.Sprintf("%s/worktime/team?org_unit_id=%d", ts.URL, ou.ID))
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.text(), "Erik Muster</a>") {
		t.Errorf("HR's team page of the Bürgeramt lacks Erik:\n%s", res.text())
	}
	ec := loginFull(t, ts, "erik.muster", testPassword)
	if strings.Contains(get(t, ec, ts.URL+"/worktime/team").text(), `id="team-form"`) {
		t.Error("an employee gets the org-unit picker")
	}
}

// TestWorktimeReopenReasonRefusedAtField: the form returning a signed
// month is novalidate (its reason is required); an empty reason comes
// back as the month page with the German message at the field, and the
// month stays signed.
func TestWorktimeReopenReasonRefusedAtField(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 4, 2, 8, 0, 0, 0, time.UTC))
	ts := startServer(t, withClock(clk))
	ctx := t.Context()
	lead := createUser(t, ts, "lea.leitung", "Lea Leitung", actor.RoleLead)
	emp := createUser(t, ts, "erik.muster", "Erik Muster", actor.RoleEmployee)
	if _, err := ts.Identity.UpdateUser(ctx, actor.CLI(), emp.ID, identity.UserUpdate{SupervisorID: &lead.ID}); err != nil {
		t.Fatal(err)
	}
	ea := actor.Actor{UserID: emp.ID, Username: emp.Username, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
	march := worktime.YearMonth{Year: 2026, Month: time.March}
	if _, err := ts.Worktime.SignMonth(ctx, ea, march); err != nil {
		t.Fatal(err)
	}
	lc := loginFull(t, ts, lead.Username, testPassword)
	page := get(t, lc, fmt.Sprintf("%s/worktime/month?user_id=%d&year=2026&month=3", ts.URL, emp.ID))
	wantStatus(t, page, http.StatusOK)
	if f := byID(page.doc(t), "f-reason"); f == nil || !hasAttr(f, "required") {
		t.Fatalf("the lead's view of the signed month has no required reason field:\n%s", page.text())
	}
	res := form(t, lc, ts.URL+"/worktime/month/reopen", url.Values{"user_id": {fmt.Sprint(emp.ID)}, "year": {"2026"}, "month": {"3"}, "reason": {" "}})
	wantFieldError(t, "reopen without reason", res, "reason", "reopen_reason_required")
	var m struct {
		Status struct{ Signed bool } `json:"status"`
	}
	api := get(t, lc, fmt.Sprintf("%s/api/v1/users/%d/worktime/month?year=2026&month=3", ts.URL, emp.ID))
	if err := json.Unmarshal(api.body, &m); err != nil || !m.Status.Signed {
		t.Errorf("after the refused reopen: %s; want still signed", api.body)
	}
	wantRedirect(t, form(t, lc, ts.URL+"/worktime/month/reopen", url.Values{"user_id": {fmt.Sprint(emp.ID)}, "year": {"2026"}, "month": {"3"},
		"reason": {"Dienstreise fehlt"}}), "/worktime/month?")
}
