package app_test

// Team calendar and presence plan: the API (getTeamCalendar,
// setMyPresence), the page with its presence form, and the privacy rules
// as the page shows them.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/identity"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, emp identity.User) []string {
		ou, err := ts.Identity.CreateOrgUnit(t.Context(), actor.CLI(), identity.OrgUnitInput{Name: "Teamkalender"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ts.Identity.UpdateUser(t.Context(), actor.CLI(), emp.ID, identity.UserUpdate{OrgUnitID: &ou.ID}); err != nil {
			t.Fatal(err)
		}
		svc := absence.NewService(ts.DB, ts.Main.Clock, ts.Worktime)
		a := actor.Actor{UserID: emp.ID, Username: emp.Username, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
		if err := svc.SetPresence(t.Context(), a, civil.D(2026, 3, 4), absence.PlaceOffice); err != nil {
			t.Fatalf("a11y presence: %v", err)
		}
		return []string{"/absences/calendar", fmt.Sprintf("/absences/calendar?org_unit_id=%d&year=2026&month=3", ou.ID),
			fmt.Sprintf("/absences/calendar?org_unit_id=%d&week=2026-W10", ou.ID)}
	})
}

type apiTeamCal struct {
	OrgUnitID *int64 `json:"org_unit_id"`
	Year      int    `json:"year"`
	Month     int    `json:"month"`
	Days      []struct {
		Date   string `json:"date"`
		Office int    `json:"office"`
		Absent int    `json:"absent"`
	} `json:"days"`
	People []struct {
		UserID int64 `json:"user_id"`
		Days   []struct {
			Date     string  `json:"date"`
			Holiday  *string `json:"holiday"`
			Presence *string `json:"presence"`
			Absences []struct {
				ID     *int64 `json:"id"`
				TypeID string `json:"type_id"`
				Status string `json:"status"`
			} `json:"absences"`
		} `json:"days"`
	} `json:"people"`
}

func TestTeamCalendarHTTP(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
	ts := f.ts
	colleague := createUser(t, ts, "max.kollege", "Max Kollege", actor.RoleEmployee)
	assignFullTime(t, ts, colleague.ID)
	ou, err := ts.Identity.CreateOrgUnit(t.Context(), actor.CLI(), identity.OrgUnitInput{Name: "Bürgeramt"})
	if err != nil {
		t.Fatal(err)
	}
	nw := "NW"
	for _, u := range []identity.User{f.lead, f.emp, colleague} {
		if _, err := ts.Identity.UpdateUser(t.Context(), actor.CLI(), u.ID, identity.UserUpdate{OrgUnitID: &ou.ID, State: &nw}); err != nil {
			t.Fatal(err)
		}
	}
	token := func(id int64, scope string) string {
		_, tok, err := ts.Identity.CreateTokenFor(t.Context(), actor.CLI(), id, identity.NewToken{Name: "t", Scope: scope})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	empTok, colTok, leadTok, hrTok, strTok := token(f.emp.ID, "write"), token(colleague.ID, "write"), token(f.lead.ID, "write"), token(f.hr.ID, "write"), token(f.stranger.ID, "write")
	call := func(tok, method, path, body string) *result {
		req := newRequest(t, method, ts.URL+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		return do(t, http.DefaultClient, req)
	}
	calendar := func(tok, query string) apiTeamCal {
		t.Helper()
		res := call(tok, "GET", "/team-calendar?"+query, "")
		wantStatus(t, res, http.StatusOK)
		var out apiTeamCal
		if err := json.Unmarshal(res.body, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}

	// Erika is sick on 3 March; everyone plans 4 March.
	wantStatus(t, call(empTok, "POST", "/absences", `{"type_id":"sick","start":"2026-03-03"}`), http.StatusCreated)
	for tok, body := range map[string]string{empTok: `{"place":"office"}`, colTok: `{"place":"office"}`, leadTok: `{"place":"home"}`} {
		res := call(tok, "PUT", "/me/presence/2026-03-04", body)
		wantStatus(t, res, http.StatusOK)
	}
	res := call(empTok, "PUT", "/me/presence/2026-03-05", `{"place":"home"}`)
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.text(), `"place":"home"`) || !strings.Contains(res.text(), `"date":"2026-03-05"`) {
		t.Errorf("setMyPresence = %s", res.body)
	}
	res = call(empTok, "PUT", "/me/presence/2026-03-05", `{"place":null}`)
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.text(), `"place":null`) {
		t.Errorf("remove presence = %s", res.body)
	}
	for path, want := range map[string]string{
		`/me/presence/2026-03-04|{"place":"beach"}`: "invalid_presence_place",
		`/me/presence/2026-03-04|{"place":""}`:      "invalid_presence_place",
		`/me/presence/4.3.2026|{"place":"home"}`:    "invalid_date",
	} {
		p, body, _ := strings.Cut(path, "|")
		if got := problem(t, call(empTok, "PUT", p, body)); got.Code != want {
			t.Errorf("PUT %s %s: %+v; want %s", p, body, got, want)
		}
	}
	if got := problem(t, call(token(f.emp.ID, "read"), "PUT", "/me/presence/2026-03-04", `{"place":"home"}`)); got.Code != "token_scope" {
		t.Errorf("read-only token: %+v", got)
	}

	sickOf := func(c apiTeamCal) (typeID string, hasID bool) {
		for _, p := range c.People {
			if p.UserID == f.emp.ID {
				a := p.Days[2].Absences
				if len(a) != 1 {
					t.Fatalf("absences on 3 March: %+v", a)
				}
				return a[0].TypeID, a[0].ID != nil
			}
		}
		t.Fatal("Erika not in the calendar")
		return "", false
	}
	for _, tc := range []struct {
		name, tok, query, wantType string
		wantID                     bool
	}{
		{"self", empTok, "year=2026&month=3", "sick", true},
		{"lead", leadTok, "year=2026&month=3", "absent", true},
		{"colleague", colTok, "year=2026&month=3", "absent", false},
		{"hr", hrTok, fmt.Sprintf("org_unit_id=%d&year=2026&month=3", ou.ID), "sick", true},
	} {
		c := calendar(tc.tok, tc.query)
		if c.OrgUnitID == nil || *c.OrgUnitID != ou.ID || c.Year != 2026 || c.Month != 3 || len(c.People) != 3 || len(c.Days) != 31 {
			t.Fatalf("%s: calendar %+v", tc.name, c)
		}
		if typ, hasID := sickOf(c); typ != tc.wantType || hasID != tc.wantID {
			t.Errorf("%s: sick day type %q (id %v); want %q (id %v)", tc.name, typ, hasID, tc.wantType, tc.wantID)
		}
		if d := c.Days[3]; d.Office != 2 || c.Days[2].Absent != 1 {
			t.Errorf("%s: 4 March office %d, 3 March absent %d; want 2, 1", tc.name, d.Office, c.Days[2].Absent)
		}
	}
	// Good Friday, 3 April 2026, in NW.
	if c := calendar(empTok, "year=2026&month=4"); c.People[0].Days[2].Holiday == nil || *c.People[0].Days[2].Holiday != "Karfreitag" {
		t.Errorf("Good Friday: %+v", c.People[0].Days[2])
	}
	wantStatus(t, call(strTok, "GET", fmt.Sprintf("/team-calendar?org_unit_id=%d", ou.ID), ""), http.StatusNotFound)
	if c := calendar(empTok, "week=2026-W10"); len(c.Days) != 7 || c.Days[0].Date != "2026-03-02" || c.Days[2].Office != 2 {
		t.Errorf("week view: %+v", c.Days)
	}
	for _, q := range []string{"month=13", "year=1999", "org_unit_id=x", "week=2025-W53", "week=10"} {
		if got := problem(t, call(empTok, "GET", "/team-calendar?"+q, "")); got.Code != "invalid_filter" {
			t.Errorf("GET ?%s: %+v", q, got)
		}
	}

	// The page: as the lead, then the presence form as Erika.
	lead := loginFull(t, ts, "lena.lead", testPassword)
	res = get(t, lead, ts.URL+"/absences/calendar?year=2026&month=3")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	table := byID(doc, "team-calendar")
	if table == nil || firstTag(table, atom.Caption) == nil {
		t.Fatalf("no calendar table with caption: %s", res.body)
	}
	if got := textOf(firstTag(table, atom.Caption)); !strings.Contains(got, "Bürgeramt") || !strings.Contains(got, "März 2026") {
		t.Errorf("caption %q", got)
	}
	for _, th := range byTag(table, atom.Th) {
		if attr(th, "scope") == "" {
			t.Errorf("th without scope: %q", textOf(th))
		}
	}
	erika := rowOf(t, table, "Erika Muster")
	cells := byTag(erika, atom.Td)
	if len(cells) != 31 {
		t.Fatalf("%d cells in Erika's row", len(cells))
	}
	if got := strings.TrimSpace(textOf(cells[2])); got != "A" {
		t.Errorf("lead sees Erika's sick day as %q; want A (abwesend)", got)
	}
	if got := strings.TrimSpace(textOf(cells[3])); got != "B" {
		t.Errorf("4 March %q; want B", got)
	}
	if got := strings.TrimSpace(textOf(byTag(byID(doc, "teamcal-office"), atom.Td)[3])); got != "2" {
		t.Errorf("office count on 4 March %q; want 2", got)
	}
	if !strings.Contains(textOf(doc), "Büro") {
		t.Error("legend without Büro")
	}

	emp := loginFull(t, ts, "erika.muster", testPassword)
	res = form(t, emp, ts.URL+"/absences/calendar/presence", url.Values{"day": {"2026-03-10"}, "place": {"home"}})
	wantRedirect(t, res, "/absences/calendar?")
	if loc := res.location(); !strings.Contains(loc, "month=3") || !strings.Contains(loc, "year=2026") {
		t.Errorf("redirect to %q", loc)
	}
	res = get(t, emp, ts.URL+"/absences/calendar?year=2026&month=3")
	wantStatus(t, res, http.StatusOK)
	doc = res.doc(t)
	if !strings.Contains(textOf(doc), "Ihre Anwesenheitsplanung wurde gespeichert.") {
		t.Error("no flash after saving")
	}
	row := rowOf(t, byID(doc, "team-calendar"), "Erika Muster")
	cells = byTag(row, atom.Td)
	if got := strings.TrimSpace(textOf(cells[9])); got != "H" {
		t.Errorf("10 March %q; want H", got)
	}
	if got := strings.TrimSpace(textOf(cells[2])); got != "K" {
		t.Errorf("own sick day %q; want K", got)
	}
	res = form(t, emp, ts.URL+"/absences/calendar/presence", url.Values{"day": {"2026-03-10"}, "place": {"beach"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if errorSummary(res.doc(t)) == nil {
		t.Error("refused form without error summary")
	}
	res = form(t, emp, ts.URL+"/absences/calendar/presence", url.Values{"day": {"10.3."}, "place": {"home"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if n := len(auditRecords(t, ts, "presence.set")); n != 6 {
		t.Errorf("%d presence.set audit records; want 6", n)
	}
	// The week view, and the presence form from it.
	res = get(t, emp, ts.URL+"/absences/calendar?week=2026-W11")
	wantStatus(t, res, http.StatusOK)
	doc = res.doc(t)
	if n := len(byTag(rowOf(t, byID(doc, "team-calendar"), "Erika Muster"), atom.Td)); n != 7 {
		t.Errorf("week view: %d cells; want 7", n)
	}
	if got := strings.TrimSpace(textOf(byTag(rowOf(t, byID(doc, "team-calendar"), "Erika Muster"), atom.Td)[1])); got != "H" {
		t.Errorf("week view, 10 March: %q; want H", got)
	}
	if sw := byID(doc, "teamcal-switch"); sw == nil || !strings.Contains(attr(sw, "href"), "month=3") {
		t.Error("no link back to the month view")
	}
	res = form(t, emp, ts.URL+"/absences/calendar/presence", url.Values{"day": {"2026-03-12"}, "place": {"office"}, "week": {"2026-W11"}})
	wantRedirect(t, res, "/absences/calendar?week=2026-W11")

	// Minimum staffing: HR sets it; the calendar warns on 3 March (Erika
	// sick: 2 of 3 present).
	path := fmt.Sprintf("/org-units/%d/min-staffing", ou.ID)
	wantStatus(t, call(leadTok, "PUT", path, `{"min_staffing":3}`), http.StatusNotFound)
	if got := problem(t, call(hrTok, "PUT", path, `{"min_staffing":0}`)); got.Code != "invalid_min_staffing" {
		t.Errorf("min_staffing 0: %+v", got)
	}
	res = call(hrTok, "PUT", path, `{"min_staffing":3}`)
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.text(), `"min_staffing":3`) {
		t.Errorf("setMinStaffing = %s", res.body)
	}
	res = call(empTok, "GET", "/team-calendar?year=2026&month=3", "")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.text(), `"min_staffing":3`) || !strings.Contains(res.text(), `{"date":"2026-03-03","weekend":false,"office":0,"absent":1,"present":2,"understaffed":true}`) {
		t.Errorf("calendar with minimum staffing: %.400s", res.body)
	}
	res = get(t, emp, ts.URL+"/absences/calendar?year=2026&month=3")
	if w := byID(res.doc(t), "teamcal-understaffed"); w == nil || !strings.Contains(textOf(w), "03.03.2026") {
		t.Error("no understaffing warning for 3 March on the page")
	}
	hr := loginFull(t, ts, "hanna.hr", testPassword)
	res = form(t, hr, ts.URL+"/absences/calendar/staffing", url.Values{"org_unit_id": {fmt.Sprint(ou.ID)}, "year": {"2026"}, "month": {"3"}, "min_staffing": {"x"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	res = form(t, hr, ts.URL+"/absences/calendar/staffing", url.Values{"org_unit_id": {fmt.Sprint(ou.ID)}, "year": {"2026"}, "month": {"3"}, "min_staffing": {""}})
	wantRedirect(t, res, "/absences/calendar?")
	wantStatus(t, form(t, emp, ts.URL+"/absences/calendar/staffing", url.Values{"org_unit_id": {fmt.Sprint(ou.ID)}, "min_staffing": {"1"}}), http.StatusNotFound)
	if n := len(auditRecords(t, ts, "org_unit.min_staffing")); n != 2 {
		t.Errorf("%d org_unit.min_staffing audit records; want 2", n)
	}

	// Strangers may not look at another unit's page.
	str := loginFull(t, ts, "sven.fremd", testPassword)
	wantStatus(t, get(t, str, ts.URL+fmt.Sprintf("/absences/calendar?org_unit_id=%d", ou.ID)), http.StatusNotFound)
	res = get(t, str, ts.URL+"/absences/calendar")
	wantStatus(t, res, http.StatusOK)
	if n := len(byTag(firstTag(byID(res.doc(t), "team-calendar"), atom.Tbody), atom.Tr)); n != 1 {
		t.Errorf("person without unit sees %d rows; want 1 (themselves)", n)
	}
}

// rowOf returns the body row whose header names person.
func rowOf(t *testing.T, table *html.Node, person string) *html.Node {
	t.Helper()
	for _, tr := range byTag(table, atom.Tr) {
		if th := firstTag(tr, atom.Th); th != nil && attr(th, "scope") == "row" && strings.HasPrefix(textOf(th), person) {
			return tr
		}
	}
	t.Fatalf("no row for %s", person)
	return nil
}

// BenchmarkTeamCalendarPage fetches the month page of an org unit of 500
// people (two absences each in the month, a presence plan on about three
// of four working days) on SQLite through the whole HTTP stack, as the
// lead of some of them. Run with
//
//	go test -run '^$' -bench TeamCalendarPage ./internal/app/
func BenchmarkTeamCalendarPage(b *testing.B) {
	const people = 500
	ts := startServer(b, withClock(clock.NewFake(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))))
	ou, err := ts.Identity.CreateOrgUnit(b.Context(), actor.CLI(), identity.OrgUnitInput{Name: "Bürgeramt"})
	if err != nil {
		b.Fatal(err)
	}
	lead := createUser(b, ts, "lena.lead", "Lena Lead", actor.RoleLead, actor.RoleEmployee)
	if _, err := ts.Identity.UpdateUser(b.Context(), actor.CLI(), lead.ID, identity.UserUpdate{OrgUnitID: &ou.ID}); err != nil {
		b.Fatal(err)
	}
	types := []string{"vacation", "sick", "business_trip", "training", "flexi_day", "sick_certified", "vacation", "child_sick"}
	states := []string{"NW", "BY", "BE", "SN", "HE"}
	ctx := b.Context()
	err = ts.DB.InTx(ctx, func(tx *db.Tx) error {
		now := db.T(ts.now())
		for p := range people - 1 {
			var sup any
			if p%10 == 0 {
				sup = lead.ID
			}
			var id int64
			if err := tx.QueryRowContext(ctx, "INSERT INTO users (username, display_name, org_unit_id, supervisor_id, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
				fmt.Sprintf("user%03d", p), fmt.Sprintf("Person %03d", p), ou.ID, sup, states[p%len(states)], now, now).Scan(&id); err != nil {
				return err
			}
			for i := range 2 {
				first := civil.D(2026, 3, 1).AddDays(p%14 + i*14)
				status := absence.StatusApproved
				if (p+i)%5 == 4 {
					status = absence.StatusRequested
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO absences (user_id, type_id, start_date, end_date, status, note, created_at, decided_at)
					VALUES (?, ?, ?, ?, ?, '', ?, ?)`, id, types[(i+p)%len(types)], first.String(), first.AddDays((p+i)%4).String(), status, now, now); err != nil {
					return err
				}
			}
			for day := civil.D(2026, 3, 1); day.Month == time.March; day = day.AddDays(1) {
				if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday || (p+day.Day)%4 == 0 {
					continue
				}
				place := absence.PlaceHome
				if (p+day.Day)%2 == 0 {
					place = absence.PlaceOffice
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO presence_plans (user_id, day, place, updated_at) VALUES (?, ?, ?, ?)", id, day.String(), place, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	c := loginFull(b, ts, "lena.lead", testPassword)
	var size int
	for b.Loop() {
		res := get(b, c, ts.URL+"/absences/calendar?year=2026&month=3")
		if res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
		size = len(res.body)
	}
	b.ReportMetric(float64(size)/1024, "KiB/page")
}
