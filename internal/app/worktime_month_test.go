package app_test

// The month view (getMyWorktimeMonth and /worktime/month) against the real
// server.

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html/atom"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/identity"
	"ortlos/internal/worktime"
)

func TestWorktimeMonthAPI(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	u := createUser(t, ts, "carla.neu", "Carla Neu", actor.RoleEmployee)
	_, tok, err := ts.Identity.CreateTokenFor(t.Context(), actor.CLI(), u.ID, identity.NewToken{Name: "t", Scope: "read"})
	if err != nil {
		t.Fatal(err)
	}
	call := func(query string) *result {
		req := newRequest(t, "GET", ts.URL+"/api/v1/worktime/month"+query, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		return do(t, http.DefaultClient, req)
	}
	type month struct {
		Year    int  `json:"year"`
		Month   int  `json:"month"`
		Running bool `json:"running"`
		Days    []struct {
			Date           string `json:"date"`
			Weekday        int    `json:"weekday"`
			TargetMinutes  *int   `json:"target_minutes"`
			WorkedMinutes  *int   `json:"worked_minutes"`
			BalanceMinutes *int   `json:"balance_minutes"`
			Holiday        *struct {
				Name  string `json:"name"`
				Scope string `json:"scope"`
			} `json:"holiday"`
			Findings []json.RawMessage `json:"findings"`
		} `json:"days"`
		Totals   map[string]int    `json:"totals"`
		Findings []json.RawMessage `json:"findings"`
	}
	res := call("?year=2026&month=4")
	wantStatus(t, res, http.StatusOK)
	var m month
	if err := json.Unmarshal(res.body, &m); err != nil {
		t.Fatalf("decode %s: %v", res.body, err)
	}
	if m.Year != 2026 || m.Month != 4 || len(m.Days) != 30 || m.Findings == nil {
		t.Fatalf("month = %d-%d with %d days, findings %v; want 2026-4 with 30 days and a findings list:\n%s", m.Year, m.Month, len(m.Days), m.Findings, res.body)
	}
	// The test user lives in the default Land NW: Karfreitag is 3 April.
	if d := m.Days[2]; d.Date != "2026-04-03" || d.Weekday != 5 || d.Holiday == nil || d.Holiday.Name != "Karfreitag" || d.Holiday.Scope != "statewide" ||
		d.TargetMinutes == nil || d.WorkedMinutes == nil || d.Findings == nil {
		t.Errorf("3 April = %+v; want a Friday, Karfreitag statewide, with figures and a findings list", d)
	}
	for _, k := range []string{"target_minutes", "target_to_date_minutes", "worked_minutes", "break_minutes", "balance_minutes"} {
		if _, ok := m.Totals[k]; !ok {
			t.Errorf("totals lack %s: %v", k, m.Totals)
		}
	}
	// Without parameters: the current month.
	res = call("")
	wantStatus(t, res, http.StatusOK)
	if err := json.Unmarshal(res.body, &m); err != nil {
		t.Fatal(err)
	}
	if now := ts.now(); m.Year != now.Year() || m.Month != int(now.Month()) {
		t.Errorf("default month = %d-%d; want the current %d-%d", m.Year, m.Month, now.Year(), now.Month())
	}
	for _, q := range []string{"?month=13", "?month=0", "?month=x", "?year=20266"} {
		res := call(q)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if p := problem(t, res); p.Code != "invalid_filter" {
			t.Errorf("%s: problem %+v; want invalid_filter", q, p)
		}
	}
}

func TestWorktimeMonthPage(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	u := createUser(t, ts, "bert.beschaeftigt", "Bert Beschäftigt", actor.RoleEmployee)
	wm, err := ts.Worktime.CreateWorkModel(t.Context(), actor.CLI(), worktime.NewWorkModel{Name: "Vollzeit", Minutes: [7]int{468, 468, 468, 468, 468}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Worktime.AssignWorkModel(t.Context(), actor.CLI(), u.ID, wm.ID, civil.D(2026, 1, 1)); err != nil {
		t.Fatal(err)
	}
	c := loginFull(t, ts, "bert.beschaeftigt", testPassword)
	if !strings.Contains(get(t, c, ts.URL+"/worktime").text(), `href="/worktime/month"`) {
		t.Error("/worktime does not link to /worktime/month")
	}
	res := get(t, c, ts.URL+"/worktime/month?year=2026&month=4")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	tbl := byID(doc, "wt-month")
	if tbl == nil || firstTag(tbl, atom.Caption) == nil {
		t.Fatalf("no month table with a caption:\n%s", res.body)
	}
	if rows := byTag(firstTag(tbl, atom.Tbody), atom.Tr); len(rows) != 30 {
		t.Errorf("%d day rows; want 30", len(rows))
	}
	text := textOf(tbl)
	for _, want := range []string{"April 2026", "Fr, 03.04.2026", "Karfreitag", "Ostermontag", "7:48"} {
		if !strings.Contains(text, want) {
			t.Errorf("month table lacks %q:\n%s", want, text)
		}
	}
	if firstTag(tbl, atom.Tfoot) == nil {
		t.Error("month table has no totals row")
	}
	for _, link := range []string{`href="/worktime/month?year=2026&amp;month=3"`, `href="/worktime/month?year=2026&amp;month=5"`} {
		if !strings.Contains(res.text(), link) {
			t.Errorf("page lacks the link %s", link)
		}
	}
	wantStatus(t, get(t, c, ts.URL+"/worktime/month?month=13"), http.StatusUnprocessableEntity)
}
