package app_test

// The HR reports against the real server: compliance report, payroll CSV,
// printable timesheet and home-office days.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
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
		return []string{"/worktime/reports/compliance", "/worktime/reports/compliance?year=2026&month=4&include_subunits=true",
			fmt.Sprintf("/worktime/timesheet?user_id=%d&year=2026&month=4", emp.ID), "/worktime/timesheet",
			"/worktime/home-office", "/worktime/home-office?year=2026"}
	})
}

func TestWorktimeReports(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, h, m int) time.Time { return time.Date(2026, 4, day, h, m, 0, 0, berlin) }
	clk := clock.NewFake(at(1, 7, 0))
	ts := startServer(t, withClock(clk))
	createUser(t, ts, "hanna.hr", "Hanna HR", actor.RoleHR)
	lead := createUser(t, ts, "lars.lead", "Lars Lead", actor.RoleLead)
	emp := createUser(t, ts, "erika.muster", "Erika Muster", actor.RoleEmployee)
	evil := createUser(t, ts, "eve.evil", "=HYPERLINK(\"http://example.org\")", actor.RoleEmployee)
	createUser(t, ts, "otto.other", "Otto Other", actor.RoleEmployee)
	amt, err := ts.Identity.CreateOrgUnit(ctx, actor.CLI(), identity.OrgUnitInput{Name: "Bürgeramt"})
	if err != nil {
		t.Fatal(err)
	}
	team, err := ts.Identity.CreateOrgUnit(ctx, actor.CLI(), identity.OrgUnitInput{Name: "Team Meldewesen", ParentID: amt.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []identity.User{emp, evil} {
		if _, err := ts.Identity.UpdateUser(ctx, actor.CLI(), u.ID, identity.UserUpdate{OrgUnitID: &team.ID, SupervisorID: &lead.ID}); err != nil {
			t.Fatal(err)
		}
	}
	wm, err := ts.Worktime.CreateWorkModel(ctx, actor.CLI(), worktime.NewWorkModel{Name: "Vollzeit", Minutes: [7]int{468, 468, 468, 468, 468}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Worktime.AssignWorkModel(ctx, actor.CLI(), emp.ID, wm.ID, civil.D(2026, 1, 1)); err != nil {
		t.Fatal(err)
	}
	// Erika: 1 April 08:00–12:00 at home, 12:30–16:18 in the office;
	// 2 April 08:00–16:00 at home without a break (§ 4 violations).
	ea := actor.Actor{UserID: emp.ID, Username: emp.Username, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
	step := func(when time.Time, what string, fn func() error) {
		t.Helper()
		clk.Set(when)
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	step(at(1, 8, 0), "clock in", func() error { _, err := ts.Worktime.ClockIn(ctx, ea, "home"); return err })
	step(at(1, 12, 0), "break", func() error { _, err := ts.Worktime.StartBreak(ctx, ea); return err })
	step(at(1, 12, 30), "end break", func() error { _, err := ts.Worktime.EndBreak(ctx, ea, "office"); return err })
	step(at(1, 16, 18), "clock out", func() error { _, err := ts.Worktime.ClockOut(ctx, ea); return err })
	step(at(2, 8, 0), "clock in", func() error { _, err := ts.Worktime.ClockIn(ctx, ea, "home"); return err })
	step(at(2, 16, 0), "clock out", func() error { _, err := ts.Worktime.ClockOut(ctx, ea); return err })
	clk.Set(time.Date(2026, 5, 4, 9, 0, 0, 0, berlin))

	hr := loginFull(t, ts, "hanna.hr", testPassword)
	lc := loginFull(t, ts, "lars.lead", testPassword)
	ec := loginFull(t, ts, "erika.muster", testPassword)
	oc := loginFull(t, ts, "otto.other", testPassword)
	query := fmt.Sprintf("?org_unit_id=%d&include_subunits=true&year=2026&month=4", amt.ID)

	t.Run("compliance API", func(t *testing.T) {
		type report struct {
			OrgUnitID *int64 `json:"org_unit_id"`
			Year      int    `json:"year"`
			Month     int    `json:"month"`
			Counts    map[string]int
			People    []struct {
				UserID   int64          `json:"user_id"`
				Username string         `json:"username"`
				Totals   map[string]int `json:"totals"`
				Counts   map[string]int `json:"counts"`
				Findings []struct {
					Code string `json:"code"`
					Date string `json:"date"`
				} `json:"findings"`
			} `json:"people"`
		}
		res := get(t, hr, ts.URL+"/api/v1/worktime/reports/compliance"+query)
		wantStatus(t, res, http.StatusOK)
		var r report
		if err := json.Unmarshal(res.body, &r); err != nil {
			t.Fatal(err)
		}
		if r.OrgUnitID == nil || *r.OrgUnitID != amt.ID || r.Year != 2026 || r.Month != 4 || len(r.People) != 2 {
			t.Fatalf("report = %s; want Bürgeramt April 2026 with two people", res.body)
		}
		var erika = r.People[1]
		if erika.Username != "erika.muster" {
			erika = r.People[0]
		}
		if erika.Totals["worked_minutes"] != 468+480 || erika.Counts["violation"] < 1 || len(erika.Findings) == 0 || erika.Findings[0].Date != "2026-04-02" {
			t.Errorf("erika = %+v; want 948 minutes worked and violations on 2 April", erika)
		}
		// The lead sees the people they supervise; the employee nothing.
		res = get(t, lc, ts.URL+"/api/v1/worktime/reports/compliance"+query)
		wantStatus(t, res, http.StatusOK)
		if err := json.Unmarshal(res.body, &r); err != nil || len(r.People) != 2 {
			t.Errorf("lead's report = %s; want both supervised people", res.body)
		}
		wantStatus(t, get(t, ec, ts.URL+"/api/v1/worktime/reports/compliance"+query), http.StatusNotFound)
		wantStatus(t, get(t, hr, ts.URL+"/api/v1/worktime/reports/compliance?org_unit_id=999999"), http.StatusNotFound)
		res = get(t, hr, ts.URL+"/api/v1/worktime/reports/compliance?month=13")
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if p := problem(t, res); p.Code != "invalid_filter" {
			t.Errorf("month 13: %+v; want invalid_filter", p)
		}
		// Without sub-units Bürgeramt itself has nobody.
		res = get(t, hr, ts.URL+fmt.Sprintf("/api/v1/worktime/reports/compliance?org_unit_id=%d&year=2026&month=4", amt.ID))
		wantStatus(t, res, http.StatusOK)
		if err := json.Unmarshal(res.body, &r); err != nil || len(r.People) != 0 {
			t.Errorf("Bürgeramt alone = %s; want nobody", res.body)
		}
	})

	t.Run("payroll CSV", func(t *testing.T) {
		for _, path := range []string{"/worktime/reports/payroll.csv", "/api/v1/worktime/reports/payroll.csv"} {
			res := get(t, hr, ts.URL+path+query)
			wantStatus(t, res, http.StatusOK)
			if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("%s: Content-Type %q", path, ct)
			}
			if cd := res.Header.Get("Content-Disposition"); cd != fmt.Sprintf(`attachment; filename="arbeitszeit_2026-04_oe%d.csv"`, amt.ID) {
				t.Errorf("%s: Content-Disposition %q", path, cd)
			}
			body, ok := bytes.CutPrefix(res.body, []byte("\uFEFF"))
			if !ok {
				t.Errorf("%s: no byte order mark", path)
			}
			cr := csv.NewReader(bytes.NewReader(body))
			cr.Comma = ';'
			recs, err := cr.ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if !slices.Equal(recs[0], worktime.PayrollColumns) {
				t.Errorf("%s: header %v", path, recs[0])
			}
			if len(recs) != 1+2*30 {
				t.Fatalf("%s: %d records; want header and 2 × 30 days", path, len(recs))
			}
			rows := map[string][]string{}
			for _, rec := range recs[1:] {
				rows[rec[1]+" "+rec[4]] = rec
				if rec[1] == "eve.evil" && !strings.HasPrefix(rec[2], "'=") {
					t.Errorf("%s: formula not neutralised: %q", path, rec[2])
				}
			}
			want := []string{fmt.Sprint(emp.ID), "erika.muster", "Erika Muster", "Team Meldewesen", "2026-04-01", "08:00", "16:18", "30", "468", "468", "", "0"}
			if got := rows["erika.muster 2026-04-01"]; !slices.Equal(got, want) {
				t.Errorf("%s: 1 April %q; want %q", path, got, want)
			}
			if got := rows["erika.muster 2026-04-02"]; got[5] != "08:00" || got[6] != "16:00" || got[8] != "480" || got[11] != "12" {
				t.Errorf("%s: 2 April %q", path, got)
			}
		}
		if !strings.Contains(reportBody(t, hr, ts.URL+"/worktime/reports/compliance"+query), "/worktime/reports/payroll.csv?") {
			t.Error("the report page does not link the CSV download")
		}
		wantStatus(t, get(t, ec, ts.URL+"/worktime/reports/payroll.csv"+query), http.StatusNotFound)
		wantStatus(t, get(t, ec, ts.URL+"/api/v1/worktime/reports/payroll.csv"+query), http.StatusNotFound)
	})

	t.Run("report page", func(t *testing.T) {
		r := get(t, hr, ts.URL+"/worktime/reports/compliance"+query)
		wantStatus(t, r, http.StatusOK)
		doc := r.doc(t)
		tbl := byID(doc, "report-table")
		if tbl == nil {
			t.Fatalf("no report table:\n%s", r.body)
		}
		text := textOf(tbl)
		for _, want := range []string{"Erika Muster", "Team Meldewesen", "15:48", "02.04.2026"} {
			if !strings.Contains(text, want) {
				t.Errorf("report table lacks %q:\n%s", want, text)
			}
		}
		if !strings.Contains(r.text(), `href="/worktime/reports/compliance"`) {
			t.Error("HR has no navigation entry for the reports")
		}
		if strings.Contains(get(t, ec, ts.URL+"/worktime").text(), `href="/worktime/reports/compliance"`) {
			t.Error("an employee sees the navigation entry for the reports")
		}
		wantStatus(t, get(t, ec, ts.URL+"/worktime/reports/compliance"), http.StatusNotFound)
	})

	t.Run("timesheet", func(t *testing.T) {
		path := fmt.Sprintf("/worktime/timesheet?user_id=%d&year=2026&month=4", emp.ID)
		for _, c := range []*http.Client{ec, lc, hr} {
			r := get(t, c, ts.URL+path)
			wantStatus(t, r, http.StatusOK)
			tbl := byID(r.doc(t), "timesheet")
			if tbl == nil {
				t.Fatalf("no timesheet table:\n%s", r.body)
			}
			text := textOf(tbl)
			for _, want := range []string{"08:00", "16:18", "0:30", "7:48", "Karfreitag"} {
				if !strings.Contains(text, want) {
					t.Errorf("timesheet lacks %q:\n%s", want, text)
				}
			}
			if !strings.Contains(r.text(), "Unterschrift Führungskraft") || !strings.Contains(r.text(), "timesheet.") {
				t.Error("timesheet lacks the signature lines or its print style sheet")
			}
		}
		wantStatus(t, get(t, ec, ts.URL+"/worktime/timesheet?year=2026&month=4"), http.StatusOK)
		wantStatus(t, get(t, oc, ts.URL+path), http.StatusNotFound)
		wantStatus(t, get(t, ec, ts.URL+"/worktime/timesheet?user_id=x"), http.StatusUnprocessableEntity)
	})

	t.Run("home office", func(t *testing.T) {
		r := get(t, ec, ts.URL+"/api/v1/worktime/home-office?year=2026")
		wantStatus(t, r, http.StatusOK)
		var y struct {
			Year        int      `json:"year"`
			Predominant int      `json:"days_predominantly_home"`
			WithHome    int      `json:"days_with_home_work"`
			Dates       []string `json:"dates"`
			Days        []struct {
				Date  string `json:"date"`
				Home  int    `json:"home_minutes"`
				Other int    `json:"other_minutes"`
			} `json:"days"`
		}
		if err := json.Unmarshal(r.body, &y); err != nil {
			t.Fatal(err)
		}
		if y.Year != 2026 || y.Predominant != 2 || y.WithHome != 2 || !slices.Equal(y.Dates, []string{"2026-04-01", "2026-04-02"}) ||
			y.Days[0].Home != 240 || y.Days[0].Other != 228 {
			t.Errorf("home office = %s; want 1 and 2 April", r.body)
		}
		// Otto has none; his own answer is empty, not Erika's.
		r = get(t, oc, ts.URL+"/api/v1/worktime/home-office?year=2026")
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(r.text(), `"days_predominantly_home":0`) {
			t.Errorf("otto's home office = %s; want 0", r.body)
		}
		wantStatus(t, get(t, ec, ts.URL+"/api/v1/worktime/home-office?year=x"), http.StatusUnprocessableEntity)
		page := get(t, ec, ts.URL+"/worktime/home-office?year=2026")
		wantStatus(t, page, http.StatusOK)
		if got := textOf(byID(page.doc(t), "home-office-count")); !strings.HasPrefix(got, "2 Tage") {
			t.Errorf("home-office count = %q; want 2 Tage …", got)
		}
		// HR may look (a query of the tax office); the lead may not.
		wantStatus(t, get(t, hr, ts.URL+fmt.Sprintf("/worktime/home-office?year=2026&user_id=%d", emp.ID)), http.StatusOK)
		wantStatus(t, get(t, lc, ts.URL+fmt.Sprintf("/worktime/home-office?year=2026&user_id=%d", emp.ID)), http.StatusNotFound)
		c := get(t, ec, ts.URL+"/worktime/home-office.csv?year=2026")
		wantStatus(t, c, http.StatusOK)
		cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(c.body, []byte("\uFEFF"))))
		cr.Comma = ';'
		recs, err := cr.ReadAll()
		if err != nil || len(recs) != 3 || recs[1][0] != "2026-04-01" || recs[1][3] != "1" {
			t.Errorf("home-office CSV = %q, %v", recs, err)
		}
	})
}

// reportBody fetches target and returns the body, failing unless it is 200.
func reportBody(t *testing.T, c *http.Client, target string) string {
	t.Helper()
	r := get(t, c, target)
	wantStatus(t, r, http.StatusOK)
	return r.text()
}

// TestWorktimeReportFormsRefusedAtField: the report filters are
// novalidate (the year is required); an emptied or malformed year comes
// back as the form with the German message at the field, the values as
// sent and no report. Without the parameter the year is the current one.
func TestWorktimeReportFormsRefusedAtField(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	createUser(t, ts, "hanna.hr", "Hanna HR", actor.RoleHR)
	hc := loginFull(t, ts, "hanna.hr", testPassword)
	for _, tt := range []struct {
		path, value, code, result string
	}{
		{"/worktime/reports/compliance?org_unit_id=&month=4&year=&include_subunits=true", "", "required", "report-summary"},
		{"/worktime/reports/compliance?month=4&year=20266", "20266", "invalid_filter", "report-summary"},
		{"/worktime/reports/compliance-year?org_unit_id=&year=", "", "required", "report-year-summary"},
		{"/worktime/reports/compliance-year?year=zwanzig", "zwanzig", "invalid_filter", "report-year-summary"},
	} {
		res := get(t, hc, ts.URL+tt.path)
		wantFieldError(t, tt.path, res, "year", tt.code)
		doc := res.doc(t)
		if got := attr(byID(doc, "f-year"), "value"); got != tt.value {
			t.Errorf("%s: the year field shows %q, want %q", tt.path, got, tt.value)
		}
		if byID(doc, tt.result) != nil || byID(doc, "report-csv") != nil {
			t.Errorf("%s: a refused filter still shows a report", tt.path)
		}
		if strings.Contains(tt.path, "include_subunits") && !hasAttr(byID(doc, "f-include_subunits"), "checked") {
			t.Errorf("%s: the refused form lost the subunits box", tt.path)
		}
	}
	wantStatus(t, get(t, hc, ts.URL+"/worktime/reports/compliance"), http.StatusOK)
	wantStatus(t, get(t, hc, ts.URL+"/worktime/reports/compliance-year"), http.StatusOK)
	// The API keeps taking an empty year as the current one.
	wantStatus(t, get(t, hc, ts.URL+"/api/v1/worktime/reports/compliance?year="), http.StatusOK)
}
