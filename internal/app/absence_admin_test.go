package app_test

// Administration of absence types, the lead's deputy page, the approvals
// navigation for deputies and substitutes, and staffing warnings at
// request and approval time, through the API and the plain HTML forms.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/identity"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, emp identity.User) []string {
		ctx := t.Context()
		// A person of her own unit with a minimum staffing she would break.
		wanda := createUser(t, ts, "wanda.warnung", "Wanda Warnung", actor.RoleEmployee)
		assignFullTime(t, ts, wanda.ID)
		ou, err := ts.Identity.CreateOrgUnit(ctx, actor.CLI(), identity.OrgUnitInput{Name: "Mindestbesetzung"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ts.Identity.UpdateUser(ctx, actor.CLI(), wanda.ID, identity.UserUpdate{OrgUnitID: &ou.ID}); err != nil {
			t.Fatal(err)
		}
		svc := absence.NewService(ts.DB, ts.Main.Clock, ts.Worktime)
		if err := svc.SetMinStaffing(ctx, actor.CLI(), ou.ID, 2); err != nil {
			t.Fatal(err)
		}
		a := actor.Actor{UserID: wanda.ID, Username: wanda.Username, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
		from := nextMonday(svc.Today()).AddDays(14)
		x, err := svc.Request(ctx, a, absence.NewAbsence{TypeID: "vacation", Start: from, End: from.AddDays(2)})
		if err != nil {
			t.Fatalf("a11y staffing request: %v", err)
		}
		lead := createUser(t, ts, "leo.leitung", "Leo Leitung", actor.RoleLead, actor.RoleEmployee)
		return []string{"/absences/types", "/absences/types/vacation/edit", "/absences/deputy",
			fmt.Sprintf("/absences/deputy?user_id=%d", lead.ID), fmt.Sprintf("/absences/%d", x.ID)}
	})
}

// nextMonday returns the first Monday after d.
func nextMonday(d civil.Date) civil.Date {
	d = d.AddDays(1)
	for d.Weekday() != time.Monday {
		d = d.AddDays(1)
	}
	return d
}

// navHas reports whether the main navigation of doc links to href.
func navHas(doc *html.Node, href string) bool {
	nav := find(doc, func(n *html.Node) bool {
		return n.Type == html.ElementNode && n.Data == "nav" && attr(n, "class") == "main-nav"
	})
	return nav != nil && find(nav, func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == "a" && attr(n, "href") == href }) != nil
}

func decodeJSON(t *testing.T, r *result, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

type apiAbsenceType struct {
	ID            string `json:"id"`
	NameDE        string `json:"name_de"`
	NameEN        string `json:"name_en"`
	NeedsApproval bool   `json:"needs_approval"`
	CreditsTarget bool   `json:"credits_target"`
	HealthData    bool   `json:"health_data"`
	Active        bool   `json:"active"`
	Sort          int    `json:"sort"`
}

func TestAbsenceTypesAPI(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
	ts := f.ts
	hr, emp, lead := apiCaller(t, ts, f.hr.ID, "write"), apiCaller(t, ts, f.emp.ID, "write"), apiCaller(t, ts, f.lead.ID, "write")
	hrRead := apiCaller(t, ts, f.hr.ID, "read")

	body := `{"id":"educational_leave","name_de":"Bildungsurlaub","name_en":"Educational leave"}`
	wantStatus(t, emp("POST", "/absence-types", body), http.StatusNotFound)
	wantStatus(t, lead("POST", "/absence-types", body), http.StatusNotFound)
	if p := problem(t, hrRead("POST", "/absence-types", body)); p.Code != "token_scope" {
		t.Errorf("read-only token: %+v", p)
	}
	if p := problem(t, hr("POST", "/absence-types", `{"id":"Bildung","name_de":"x","name_en":"x"}`)); p.Code != "invalid_absence_type_id" || p.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad code: %+v", p)
	}
	res := hr("POST", "/absence-types", body)
	wantStatus(t, res, http.StatusCreated)
	var got apiAbsenceType
	decodeJSON(t, res, &got)
	// Omitted flags: needs approval, credits the target, no health data, active, last.
	if want := (apiAbsenceType{ID: "educational_leave", NameDE: "Bildungsurlaub", NameEN: "Educational leave", NeedsApproval: true, CreditsTarget: true, Active: true, Sort: 100}); got != want {
		t.Errorf("created %+v; want %+v", got, want)
	}
	if p := problem(t, hr("POST", "/absence-types", body)); p.Code != "absence_type_exists" || p.Status != http.StatusConflict {
		t.Errorf("duplicate: %+v", p)
	}

	wantStatus(t, emp("PATCH", "/absence-types/educational_leave", `{"active":false}`), http.StatusNotFound)
	wantStatus(t, hr("PATCH", "/absence-types/nope", `{"active":false}`), http.StatusNotFound)
	res = hr("PATCH", "/absence-types/educational_leave", `{"name_en":"Training leave","sort":75,"health_data":false}`)
	wantStatus(t, res, http.StatusOK)
	decodeJSON(t, res, &got)
	if got.NameEN != "Training leave" || got.Sort != 75 || got.NameDE != "Bildungsurlaub" {
		t.Errorf("updated %+v", got)
	}
	wantStatus(t, emp("POST", "/absences", `{"type_id":"educational_leave","start":"2026-03-16","end":"2026-03-17"}`), http.StatusCreated)
	if p := problem(t, hr("PATCH", "/absence-types/educational_leave", `{"credits_target":false}`)); p.Code != "absence_type_in_use" || p.Status != http.StatusConflict {
		t.Errorf("credits_target in use: %+v", p)
	}
	wantStatus(t, hr("PATCH", "/absence-types/educational_leave", `{"active":false}`), http.StatusOK)
	if p := problem(t, emp("POST", "/absences", `{"type_id":"educational_leave","start":"2026-03-23"}`)); p.Code != "unknown_absence_type" {
		t.Errorf("request of an inactive type: %+v", p)
	}
	var list struct{ Items []apiAbsenceType }
	decodeJSON(t, emp("GET", "/absence-types", ""), &list)
	if n := len(list.Items); n != 10 || list.Items[7].ID != "educational_leave" || list.Items[7].Active || list.Items[7].Sort != 75 {
		t.Errorf("list after the changes (%d): %+v", n, list.Items)
	}
	if n := len(auditRecords(t, ts, "absence_type.create")); n != 1 {
		t.Errorf("absence_type.create audited %d times", n)
	}
	if n := len(auditRecords(t, ts, "absence_type.update")); n != 2 {
		t.Errorf("absence_type.update audited %d times; want 2", n)
	}
}

func TestAbsenceTypesPages(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
	ts := f.ts
	hr := loginFull(t, ts, f.hr.Username, testPassword)
	emp := loginFull(t, ts, f.emp.Username, testPassword)

	res := get(t, emp, ts.URL+"/absences")
	if navHas(res.doc(t), "/absences/types") {
		t.Error("an employee sees the absence types in the navigation")
	}
	wantStatus(t, get(t, emp, ts.URL+"/absences/types"), http.StatusNotFound)
	wantStatus(t, get(t, emp, ts.URL+"/absences/types/vacation/edit"), http.StatusNotFound)
	wantStatus(t, form(t, emp, ts.URL+"/absences/types", url.Values{"id": {"x_y"}, "name_de": {"x"}, "name_en": {"x"}}), http.StatusNotFound)

	res = get(t, hr, ts.URL+"/absences/types")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if !navHas(doc, "/absences/types") {
		t.Error("HR lacks the absence types in the navigation")
	}
	if row := byID(doc, "absence-type-sick"); row == nil || !strings.Contains(textOf(row), "Krankheit ohne Bescheinigung") {
		t.Fatalf("types table lacks the sick type")
	}
	for _, name := range []string{"id", "name_de", "name_en", "sort", "needs_approval", "credits_target", "health_data", "active"} {
		if n := byName(doc, name); n == nil || labelFor(doc, attr(n, "id")) == nil {
			t.Errorf("new type form: field %s missing or without label", name)
		}
	}

	// A refused form keeps the input and names the field.
	res = form(t, hr, ts.URL+"/absences/types", url.Values{"id": {"Bildung"}, "name_de": {"Bildungsurlaub"}, "name_en": {"Educational leave"}, "needs_approval": {"1"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc = res.doc(t)
	if byID(doc, "e-id") == nil || attr(byName(doc, "name_de"), "value") != "Bildungsurlaub" || hasAttr(byName(doc, "credits_target"), "checked") {
		t.Errorf("refused form: no error at id, or input lost")
	}
	res = form(t, hr, ts.URL+"/absences/types", url.Values{"id": {"bildung"}, "name_de": {"Bildungsurlaub"}, "name_en": {"Educational leave"}, "needs_approval": {"1"}, "active": {"1"}})
	wantRedirect(t, res, "/absences/types")
	res = get(t, hr, ts.URL+"/absences/types")
	row := byID(res.doc(t), "absence-type-bildung")
	if !strings.Contains(res.text(), "Die Abwesenheitsart wurde angelegt") || row == nil || attr(row, "data-active") != "true" {
		t.Fatalf("types page after creating lacks the flash or the row: %s", res.text())
	}
	wantStatus(t, form(t, hr, ts.URL+"/absences/types", url.Values{"id": {"bildung"}, "name_de": {"B"}, "name_en": {"B"}}), http.StatusConflict)

	// Edit: deactivate; the form shows the current state first.
	res = get(t, hr, ts.URL+"/absences/types/bildung/edit")
	wantStatus(t, res, http.StatusOK)
	doc = res.doc(t)
	if attr(byName(doc, "name_de"), "value") != "Bildungsurlaub" || !hasAttr(byName(doc, "needs_approval"), "checked") || hasAttr(byName(doc, "credits_target"), "checked") {
		t.Errorf("edit form does not show the type")
	}
	wantStatus(t, get(t, hr, ts.URL+"/absences/types/nope/edit"), http.StatusNotFound)
	res = form(t, hr, ts.URL+"/absences/types/bildung/edit", url.Values{"name_de": {""}, "name_en": {"Educational leave"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if byID(res.doc(t), "e-name_de") == nil {
		t.Errorf("empty name: no error at the field")
	}
	wantRedirect(t, form(t, hr, ts.URL+"/absences/types/bildung/edit", url.Values{"name_de": {"Bildungsurlaub"}, "name_en": {"Educational leave"}, "needs_approval": {"1"}, "sort": {"95"}}), "/absences/types")
	res = get(t, hr, ts.URL+"/absences/types")
	if row := byID(res.doc(t), "absence-type-bildung"); row == nil || attr(row, "data-active") != "false" {
		t.Errorf("deactivated type not shown as inactive")
	}
	// The request form offers only active types.
	res = get(t, emp, ts.URL+"/absences")
	if sel := byName(res.doc(t), "type_id"); sel == nil || strings.Contains(textOf(sel), "Bildungsurlaub") {
		t.Errorf("request form offers the inactive type")
	}

	// credits_target of a type in use: the error sits at the box.
	wantRedirect(t, form(t, emp, ts.URL+"/absences", url.Values{"type_id": {"vacation"}, "start": {"2026-03-16"}, "year": {"2026"}}), "/absences")
	res = form(t, hr, ts.URL+"/absences/types/vacation/edit", url.Values{"name_de": {"Erholungsurlaub"}, "name_en": {"Annual leave"}, "needs_approval": {"1"}, "active": {"1"}, "sort": {"10"}})
	wantStatus(t, res, http.StatusConflict)
	if byID(res.doc(t), "e-credits_target") == nil {
		t.Errorf("credits_target in use: no error at the box")
	}
}

func TestAbsenceDeputyPage(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
	ts := f.ts
	lead := loginFull(t, ts, f.lead.Username, testPassword)
	hr := loginFull(t, ts, f.hr.Username, testPassword)
	emp := loginFull(t, ts, f.emp.Username, testPassword)

	wantStatus(t, get(t, emp, ts.URL+"/absences/deputy"), http.StatusNotFound)
	wantStatus(t, form(t, emp, ts.URL+"/absences/deputy", url.Values{"lead_id": {fmt.Sprint(f.lead.ID)}, "deputy_id": {fmt.Sprint(f.emp.ID)}}), http.StatusNotFound)

	res := get(t, lead, ts.URL+"/absences/approvals")
	if find(res.doc(t), func(n *html.Node) bool { return attr(n, "href") == "/absences/deputy" }) == nil {
		t.Error("approvals page lacks the link to the deputy page")
	}
	res = get(t, lead, ts.URL+"/absences/deputy")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	sel := byName(doc, "deputy_id")
	if sel == nil || labelFor(doc, attr(sel, "id")) == nil || !strings.Contains(textOf(sel), "Erika Muster") {
		t.Fatalf("deputy form lacks the select with the lead's report")
	}
	if byName(doc, "user_id") != nil {
		t.Error("a lead is offered the choice of leads")
	}
	res = form(t, lead, ts.URL+"/absences/deputy", url.Values{"lead_id": {fmt.Sprint(f.lead.ID)}, "deputy_id": {fmt.Sprint(f.lead.ID)}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if byID(res.doc(t), "e-deputy_id") == nil {
		t.Error("self as deputy: no error at the field")
	}
	wantRedirect(t, form(t, lead, ts.URL+"/absences/deputy", url.Values{"deputy_id": {fmt.Sprint(f.emp.ID)}}), "/absences/deputy")
	res = get(t, lead, ts.URL+"/absences/deputy")
	if !strings.Contains(res.text(), "Die Stellvertretung wurde gespeichert") || !strings.Contains(textOf(byID(res.doc(t), "deputy-name")), "Erika Muster") {
		t.Errorf("deputy page after saving: %s", res.text())
	}

	// HR picks the lead, then removes the deputy.
	res = get(t, hr, ts.URL+"/absences/deputy")
	wantStatus(t, res, http.StatusOK)
	if pick := byName(res.doc(t), "user_id"); pick == nil || !strings.Contains(textOf(pick), "Lena Lead") || byName(res.doc(t), "deputy_id") != nil {
		t.Fatalf("HR's deputy page lacks the choice of leads")
	}
	res = get(t, hr, ts.URL+fmt.Sprintf("/absences/deputy?user_id=%d", f.lead.ID))
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(textOf(byID(res.doc(t), "deputy-name")), "Erika Muster") {
		t.Errorf("HR does not see the lead's deputy")
	}
	res = form(t, hr, ts.URL+"/absences/deputy", url.Values{"lead_id": {fmt.Sprint(f.emp.ID)}, "deputy_id": {fmt.Sprint(f.stranger.ID)}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if errorSummary(res.doc(t)) == nil {
		t.Error("deputy of a non-lead: no error summary")
	}
	wantRedirect(t, form(t, hr, ts.URL+"/absences/deputy", url.Values{"lead_id": {fmt.Sprint(f.lead.ID)}, "deputy_id": {""}}), fmt.Sprintf("/absences/deputy?user_id=%d", f.lead.ID))
	res = get(t, lead, ts.URL+"/absences/deputy")
	if !strings.Contains(textOf(byID(res.doc(t), "deputy-name")), "keine Stellvertretung") {
		t.Errorf("deputy not removed: %s", textOf(byID(res.doc(t), "deputy-name")))
	}
	if n, m := len(auditRecords(t, ts, "absence.deputy_set")), len(auditRecords(t, ts, "absence.deputy_clear")); n != 1 || m != 1 {
		t.Errorf("audit: deputy_set %d, deputy_clear %d; want 1 each", n, m)
	}
}

// TestApprovalsNavForDeputiesAndSubstitutes: the approvals entry appears
// for people who are not leads while they have something to do there.
func TestApprovalsNavForDeputiesAndSubstitutes(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
	ts := f.ts
	svc := absence.NewService(ts.DB, ts.Main.Clock, ts.Worktime)
	emp := loginFull(t, ts, f.emp.Username, testPassword)
	stranger := loginFull(t, ts, f.stranger.Username, testPassword)
	navShows := func(c *http.Client) bool {
		t.Helper()
		res := get(t, c, ts.URL+"/absences")
		wantStatus(t, res, http.StatusOK)
		return navHas(res.doc(t), "/absences/approvals")
	}
	if navShows(emp) || navShows(stranger) {
		t.Fatal("employees see the approvals entry without anything to do")
	}
	empActor := actor.Actor{UserID: f.emp.ID, Username: f.emp.Username, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
	req, err := svc.Request(t.Context(), empActor, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 3, 16), End: civil.D(2026, 3, 16), SubstituteID: f.stranger.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !navShows(stranger) {
		t.Error("the substitute does not see the approvals entry")
	}
	wantRedirect(t, form(t, stranger, ts.URL+fmt.Sprintf("/absences/%d/substitute-confirm", req.ID), nil), "/absences")
	if navShows(stranger) {
		t.Error("the substitute still sees the approvals entry after confirming")
	}
	// Erika becomes the deputy; the lead is away today.
	leadActor := actor.Actor{UserID: f.lead.ID, Username: f.lead.Username, Roles: []string{actor.RoleLead, actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
	if _, err := svc.SetDeputy(t.Context(), leadActor, f.lead.ID, f.emp.ID); err != nil {
		t.Fatal(err)
	}
	if navShows(emp) {
		t.Error("the deputy sees the approvals entry while the lead is present")
	}
	if _, err := svc.Request(t.Context(), actor.CLI(), absence.NewAbsence{UserID: f.lead.ID, TypeID: "vacation", Start: civil.D(2026, 3, 2), End: civil.D(2026, 3, 4)}); err != nil {
		t.Fatal(err)
	}
	if !navShows(emp) {
		t.Error("the acting deputy does not see the approvals entry")
	}
}

type apiStaffing struct {
	ID               int64 `json:"id"`
	StaffingWarnings *[]struct {
		Code    string `json:"code"`
		Date    string `json:"date"`
		Present int    `json:"present"`
		Minimum int    `json:"minimum"`
	} `json:"staffing_warnings"`
}

func TestAbsenceStaffingWarningsHTTP(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
	ts := f.ts
	ou, err := ts.Identity.CreateOrgUnit(t.Context(), actor.CLI(), identity.OrgUnitInput{Name: "Bürgeramt"})
	if err != nil {
		t.Fatal(err)
	}
	nw := "NW"
	for _, u := range []identity.User{f.lead, f.emp, f.stranger} {
		if _, err := ts.Identity.UpdateUser(t.Context(), actor.CLI(), u.ID, identity.UserUpdate{OrgUnitID: &ou.ID, State: &nw}); err != nil {
			t.Fatal(err)
		}
	}
	svc := absence.NewService(ts.DB, ts.Main.Clock, ts.Worktime)
	if err := svc.SetMinStaffing(t.Context(), actor.CLI(), ou.ID, 3); err != nil {
		t.Fatal(err)
	}
	empAPI, leadAPI, hrAPI := apiCaller(t, ts, f.emp.ID, "write"), apiCaller(t, ts, f.lead.ID, "write"), apiCaller(t, ts, f.hr.ID, "write")
	otherAPI := apiCaller(t, ts, f.stranger.ID, "write")

	// Monday and Tuesday: three people, two present with Erika away.
	res := empAPI("POST", "/absences", `{"type_id":"vacation","start":"2026-03-16","end":"2026-03-17"}`)
	wantStatus(t, res, http.StatusCreated)
	var got apiStaffing
	decodeJSON(t, res, &got)
	if got.StaffingWarnings == nil || len(*got.StaffingWarnings) != 2 {
		t.Fatalf("request answer: %s", res.body)
	}
	w := (*got.StaffingWarnings)[1]
	if w.Code != "STAFFING_BELOW_MINIMUM" || w.Date != "2026-03-17" || w.Present != 2 || w.Minimum != 3 {
		t.Errorf("warning = %+v", w)
	}
	if strings.Contains(string(res.body), "Sven") || strings.Contains(string(res.body), "Lena") {
		t.Errorf("the warning names people: %s", res.body)
	}
	path := fmt.Sprintf("/absences/%d", got.ID)
	for name, call := range map[string]func(string, string, string) *result{"lead": leadAPI, "HR": hrAPI, "person": empAPI} {
		var seen apiStaffing
		decodeJSON(t, call("GET", path, ""), &seen)
		if seen.StaffingWarnings == nil || len(*seen.StaffingWarnings) != 2 {
			t.Errorf("%s: getAbsence without the warnings", name)
		}
	}
	wantStatus(t, otherAPI("GET", path, ""), http.StatusNotFound)
	if res := empAPI("GET", "/absences", ""); strings.Contains(string(res.body), "staffing_warnings") {
		t.Errorf("listAbsences carries warnings: %s", res.body)
	}
	// A sick note carries none.
	res = empAPI("POST", "/absences", `{"type_id":"sick","start":"2026-03-03"}`)
	wantStatus(t, res, http.StatusCreated)
	if strings.Contains(string(res.body), "staffing_warnings") {
		t.Errorf("sick note with warnings: %s", res.body)
	}

	// The page: the request goes to its detail page with the warning.
	emp := loginFull(t, ts, f.emp.Username, testPassword)
	lead := loginFull(t, ts, f.lead.Username, testPassword)
	res = form(t, emp, ts.URL+"/absences", url.Values{"type_id": {"vacation"}, "start": {"2026-03-23"}, "year": {"2026"}})
	wantRedirect(t, res, "/absences/")
	var id int64
	if _, err := fmt.Sscanf(res.location(), "/absences/%d", &id); err != nil {
		t.Fatalf("redirect to %q", res.location())
	}
	res = get(t, emp, ts.URL+res.location())
	wantStatus(t, res, http.StatusOK)
	box := byID(res.doc(t), "absence-staffing")
	if !strings.Contains(res.text(), "Mindestbesetzung") || box == nil || !strings.Contains(textOf(box), "Mo 23.03.2026: 2 anwesend, mindestens 3") {
		t.Errorf("detail page lacks the flash or the warning: %s", res.text())
	}
	// A request that breaks nothing goes back to the list.
	if err := svc.SetMinStaffing(t.Context(), actor.CLI(), ou.ID, 2); err != nil {
		t.Fatal(err)
	}
	wantRedirect(t, form(t, emp, ts.URL+"/absences", url.Values{"type_id": {"vacation"}, "start": {"2026-03-25"}, "year": {"2026"}}), "/absences?year=2026")
	if err := svc.SetMinStaffing(t.Context(), actor.CLI(), ou.ID, 3); err != nil {
		t.Fatal(err)
	}
	// The lead sees the warnings per request.
	res = get(t, lead, ts.URL+"/absences/approvals")
	wantStatus(t, res, http.StatusOK)
	if box := byID(res.doc(t), fmt.Sprintf("absence-staffing-%d", id)); box == nil || !strings.Contains(textOf(box), "2 anwesend") {
		t.Errorf("approvals page lacks the warning of request %d", id)
	}
	res = get(t, lead, ts.URL+fmt.Sprintf("/absences/%d", id))
	wantStatus(t, res, http.StatusOK)
	if byID(res.doc(t), "absence-staffing") == nil {
		t.Errorf("the lead's detail page lacks the warning")
	}
	stranger := loginFull(t, ts, f.stranger.Username, testPassword)
	wantStatus(t, get(t, stranger, ts.URL+fmt.Sprintf("/absences/%d", id)), http.StatusNotFound)
}
