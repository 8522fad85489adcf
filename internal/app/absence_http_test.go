package app_test

// Absences: requests, the lead's approval, sick notes without approval
// and the lead's limited view of health data, through the API and the
// plain HTML forms, against the real server.

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
	"ortlos/internal/clock"
	"ortlos/internal/identity"
	"ortlos/internal/worktime"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, emp identity.User) []string {
		ctx := t.Context()
		assignFullTime(t, ts, emp.ID)
		svc := absence.NewService(ts.DB, ts.Main.Clock, ts.Worktime)
		a := actor.Actor{UserID: emp.ID, Username: emp.Username, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
		from := svc.Today().AddDays(30)
		if _, err := svc.Request(ctx, a, absence.NewAbsence{TypeID: "vacation", Start: from, End: from.AddDays(6), Note: "Sommerurlaub"}); err != nil {
			t.Fatalf("a11y absence: %v", err)
		}
		// A sick note recorded by the office: no request to decide.
		if _, err := svc.Request(ctx, actor.CLI(), absence.NewAbsence{UserID: emp.ID, TypeID: "sick", Start: from.AddDays(-7), End: from.AddDays(-7)}); err != nil {
			t.Fatalf("a11y sick note: %v", err)
		}
		// The pages are fetched as anna.admin: she is the substitute of a
		// request of emp and has approved leave she may ask to change.
		var anna int64
		if err := ts.DB.QueryRowContext(ctx, "SELECT id FROM users WHERE username = 'anna.admin'").Scan(&anna); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Request(ctx, a, absence.NewAbsence{TypeID: "vacation", Start: from.AddDays(60), End: from.AddDays(62), SubstituteID: anna}); err != nil {
			t.Fatalf("a11y substitute request: %v", err)
		}
		assignFullTime(t, ts, anna)
		leave, err := svc.Request(ctx, actor.CLI(), absence.NewAbsence{UserID: anna, TypeID: "vacation", Start: from.AddDays(90), End: from.AddDays(94)})
		if err != nil {
			t.Fatalf("a11y leave to change: %v", err)
		}
		return []string{"/absences", "/absences?year=2025", "/absences/approvals", fmt.Sprintf("/absences/%d/change", leave.ID)}
	})
}

// assignFullTime gives userID a five-day week of 7:48 hours from 2020 on.
func assignFullTime(t *testing.T, ts *testServer, userID int64) {
	t.Helper()
	wm, err := ts.Worktime.CreateWorkModel(t.Context(), actor.CLI(), worktime.NewWorkModel{Name: fmt.Sprintf("Vollzeit %d", userID), Minutes: [7]int{468, 468, 468, 468, 468}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Worktime.AssignWorkModel(t.Context(), actor.CLI(), userID, wm.ID, civil.D(2020, 1, 1)); err != nil {
		t.Fatal(err)
	}
}

// absenceFixture is a server on a fake clock (Monday 2 March 2026) with a
// lead, her employee, HR and an unrelated employee, all working full time
// in NW.
type absenceFixture struct {
	ts                      *testServer
	lead, emp, hr, stranger identity.User
}

func newAbsenceFixture(t *testing.T) absenceFixture {
	t.Helper()
	ts := startServer(t, withClock(clock.NewFake(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))))
	f := absenceFixture{ts: ts,
		lead:     createUser(t, ts, "lena.lead", "Lena Lead", actor.RoleLead, actor.RoleEmployee),
		emp:      createUser(t, ts, "erika.muster", "Erika Muster", actor.RoleEmployee),
		hr:       createUser(t, ts, "hanna.hr", "Hanna HR", actor.RoleHR),
		stranger: createUser(t, ts, "sven.fremd", "Sven Fremd", actor.RoleEmployee),
	}
	if _, err := ts.Identity.UpdateUser(t.Context(), actor.CLI(), f.emp.ID, identity.UserUpdate{SupervisorID: &f.lead.ID}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []identity.User{f.lead, f.emp, f.hr, f.stranger} {
		assignFullTime(t, ts, u.ID)
	}
	return f
}

type apiAbsence struct {
	ID          int64   `json:"id"`
	UserID      int64   `json:"user_id"`
	TypeID      string  `json:"type_id"`
	Start       string  `json:"start"`
	End         string  `json:"end"`
	Status      string  `json:"status"`
	Note        string  `json:"note"`
	WorkingDays float64 `json:"working_days"`
	DecidedBy   *int64  `json:"decided_by"`
}

func TestAbsenceAPI(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
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
	decode := func(r *result, v any) {
		t.Helper()
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
	}

	res := call(empTok, "GET", "/absence-types", "")
	wantStatus(t, res, http.StatusOK)
	var types struct {
		Items []struct {
			ID            string `json:"id"`
			NeedsApproval bool   `json:"needs_approval"`
			HealthData    bool   `json:"health_data"`
		} `json:"items"`
	}
	decode(res, &types)
	if len(types.Items) != 9 || types.Items[0].ID != "vacation" || !types.Items[0].NeedsApproval {
		t.Errorf("types = %+v; want the nine defaults, vacation first", types.Items)
	}

	// Request → the lead approves.
	res = call(empTok, "POST", "/absences", `{"type_id":"vacation","start":"2026-03-30","end":"2026-04-10","note":"Ostern"}`)
	wantStatus(t, res, http.StatusCreated)
	var leave apiAbsence
	decode(res, &leave)
	if leave.Status != "requested" || leave.WorkingDays != 8 || leave.UserID != f.emp.ID {
		t.Errorf("request = %+v; want requested, 8 working days (Good Friday and Easter Monday are holidays)", leave)
	}
	path := fmt.Sprintf("/absences/%d", leave.ID)
	wantStatus(t, call(strTok, "GET", path, ""), http.StatusNotFound)
	wantStatus(t, call(strTok, "POST", path+"/approve", ""), http.StatusNotFound)
	wantStatus(t, call(strTok, "GET", fmt.Sprintf("/absences?user_id=%d", f.emp.ID), ""), http.StatusNotFound)
	if p := problem(t, call(empTok, "POST", path+"/approve", "")); p.Code != "own_absence" {
		t.Errorf("approve own: %+v", p)
	}
	res = call(leadTok, "POST", path+"/approve", "")
	wantStatus(t, res, http.StatusOK)
	decode(res, &leave)
	if leave.Status != "approved" || leave.DecidedBy == nil || *leave.DecidedBy != f.lead.ID {
		t.Errorf("approved = %+v", leave)
	}
	if p := problem(t, call(leadTok, "POST", path+"/reject", `{"note":"doch nicht"}`)); p.Code != "absence_not_requested" {
		t.Errorf("reject approved: %+v", p)
	}

	// Overlap and validation.
	res = call(empTok, "POST", "/absences", `{"type_id":"training","start":"2026-04-10","end":"2026-04-14"}`)
	wantStatus(t, res, http.StatusConflict)
	if p := problem(t, res); p.Code != "absence_overlap" {
		t.Errorf("overlap: %+v", p)
	}
	for body, code := range map[string]string{
		`{"type_id":"holiday","start":"2026-03-11"}`:                                            "unknown_absence_type",
		`{"type_id":"vacation","start":"2026-03-11","end":"2026-03-10"}`:                        "invalid_range",
		`{"type_id":"vacation","start":"2026-03-11","end":"2026-03-12","day_length":"morning"}`: "half_day_single",
		`{"type_id":"vacation","start":"2026-03-14","end":"2026-03-15"}`:                        "no_working_days",
		`{"type_id":"vacation","start":"11.3.2026"}`:                                            "invalid_date",
	} {
		if p := problem(t, call(empTok, "POST", "/absences", body)); p.Code != code {
			t.Errorf("POST %s: code %q, want %q", body, p.Code, code)
		}
	}

	// A sick note counts at once; the lead sees only "absent".
	res = call(empTok, "POST", "/absences", `{"type_id":"sick_certified","start":"2026-03-02","end":"2026-03-04","note":"Grippe"}`)
	wantStatus(t, res, http.StatusCreated)
	var sick apiAbsence
	decode(res, &sick)
	if sick.Status != "approved" || sick.TypeID != "sick_certified" || sick.WorkingDays != 3 {
		t.Errorf("sick note = %+v; want approved at once", sick)
	}
	res = call(leadTok, "GET", fmt.Sprintf("/absences/%d", sick.ID), "")
	wantStatus(t, res, http.StatusOK)
	var seen apiAbsence
	decode(res, &seen)
	if seen.TypeID != "absent" || seen.Note != "" || seen.WorkingDays != 3 {
		t.Errorf("lead sees %+v; want type absent without note", seen)
	}
	res = call(leadTok, "GET", fmt.Sprintf("/absences?user_id=%d&from=2026-03-01&to=2026-03-15", f.emp.ID), "")
	wantStatus(t, res, http.StatusOK)
	var list struct{ Items []apiAbsence }
	decode(res, &list)
	if len(list.Items) != 1 || list.Items[0].TypeID != "absent" || list.Items[0].Note != "" {
		t.Errorf("lead's list = %+v", list.Items)
	}
	decode(call(hrTok, "GET", fmt.Sprintf("/absences/%d", sick.ID), ""), &seen)
	if seen.TypeID != "sick_certified" || seen.Note != "Grippe" {
		t.Errorf("HR sees %+v", seen)
	}
	if n := len(auditRecords(t, ts, "absence.record")); n != 1 {
		t.Errorf("absence.record audited %d times", n)
	}

	// Reject needs a reason; the person cancels a request; the lead may not.
	res = call(empTok, "POST", "/absences", `{"type_id":"flexi_day","start":"2026-03-13","day_length":"noon"}`)
	wantStatus(t, res, http.StatusCreated)
	var flexi apiAbsence
	decode(res, &flexi)
	if flexi.WorkingDays != 0.5 || flexi.End != "2026-03-13" {
		t.Errorf("half day = %+v", flexi)
	}
	fpath := fmt.Sprintf("/absences/%d", flexi.ID)
	if p := problem(t, call(leadTok, "POST", fpath+"/reject", `{"note":""}`)); p.Code != "note_required" {
		t.Errorf("reject without note: %+v", p)
	}
	wantStatus(t, call(leadTok, "POST", fpath+"/cancel", ""), http.StatusForbidden)
	res = call(empTok, "POST", fpath+"/cancel", "")
	wantStatus(t, res, http.StatusOK)
	decode(res, &flexi)
	if flexi.Status != "cancelled" {
		t.Errorf("cancelled = %+v", flexi)
	}
	if n := len(auditRecords(t, ts, "absence.cancel")); n != 1 {
		t.Errorf("absence.cancel audited %d times", n)
	}
}

func TestAbsencePages(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
	ts := f.ts
	emp := loginFull(t, ts, f.emp.Username, testPassword)
	lead := loginFull(t, ts, f.lead.Username, testPassword)
	stranger := loginFull(t, ts, f.stranger.Username, testPassword)

	res := get(t, emp, ts.URL+"/absences")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	for _, name := range []string{"type_id", "start", "end", "day_length", "note"} {
		if n := byName(doc, name); n == nil || labelFor(doc, attr(n, "id")) == nil {
			t.Errorf("request form: field %s missing or without label", name)
		}
	}
	wantStatus(t, get(t, emp, ts.URL+"/absences/approvals"), http.StatusNotFound)

	// A refused form keeps what was typed and names the field.
	res = form(t, emp, ts.URL+"/absences", url.Values{"type_id": {"vacation"}, "start": {"2026-03-11"}, "end": {"2026-03-12"}, "day_length": {"morning"}, "note": {"Arzttermin"}, "year": {"2026"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc = res.doc(t)
	if byID(doc, "e-day_length") == nil || attr(byName(doc, "start"), "value") != "2026-03-11" {
		t.Errorf("refused form: no error at day_length or lost input")
	}

	res = form(t, emp, ts.URL+"/absences", url.Values{"type_id": {"vacation"}, "start": {"2026-03-16"}, "end": {"2026-03-20"}, "day_length": {"full"}, "note": {"Frühjahr"}, "year": {"2026"}})
	wantRedirect(t, res, "/absences?year=2026")
	res = get(t, emp, ts.URL+res.location())
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.text(), "Der Antrag wurde gestellt") || !strings.Contains(res.text(), `data-status="requested"`) {
		t.Errorf("absences page after request lacks the flash or the requested row")
	}

	// The lead decides on the approvals page.
	res = get(t, lead, ts.URL+"/absences/approvals")
	wantStatus(t, res, http.StatusOK)
	cards := byID(res.doc(t), "absence-requests")
	if cards == nil || !strings.Contains(textOf(cards), "Erika Muster: Erholungsurlaub") || !strings.Contains(textOf(cards), "5") {
		t.Fatalf("approvals page lacks Erika's request: %s", res.text())
	}
	var id int64
	if _, err := fmt.Sscanf(attr(firstTagIn(cards, "li"), "id"), "absence-%d", &id); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, form(t, stranger, ts.URL+fmt.Sprintf("/absences/%d/approve", id), nil), http.StatusNotFound)
	res = form(t, lead, ts.URL+fmt.Sprintf("/absences/%d/reject", id), url.Values{"note": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if byID(res.doc(t), fmt.Sprintf("e-note-%d", id)) == nil {
		t.Errorf("reject without note: no error at the note")
	}
	wantRedirect(t, form(t, lead, ts.URL+fmt.Sprintf("/absences/%d/approve", id), nil), "/absences/approvals")
	res = get(t, emp, ts.URL+"/absences?year=2026")
	if !strings.Contains(res.text(), `data-status="approved"`) || !strings.Contains(textOf(byID(res.doc(t), "absences-total")), "5") {
		t.Errorf("approved absence not shown as approved with 5 days")
	}

	// A sick note needs no approval and is cancelled by the person before it starts.
	res = form(t, emp, ts.URL+"/absences", url.Values{"type_id": {"sick"}, "start": {"2026-03-03"}, "year": {"2026"}})
	wantRedirect(t, res, "/absences?year=2026")
	res = get(t, lead, ts.URL+"/absences/approvals")
	if strings.Contains(res.text(), "Krankheit") {
		t.Errorf("approvals page shows a sick note")
	}
	res = get(t, emp, ts.URL+"/absences?year=2026")
	if !strings.Contains(res.text(), "Krankheit ohne Bescheinigung") {
		t.Errorf("own page lacks the sick note")
	}
	wantRedirect(t, form(t, emp, ts.URL+fmt.Sprintf("/absences/%d/cancel", id), nil), "/absences")
	if n := len(auditRecords(t, ts, "absence.cancel")); n != 1 {
		t.Errorf("absence.cancel audited %d times", n)
	}
}

// firstTagIn returns the first element named tag below n.
func firstTagIn(n *html.Node, tag string) *html.Node {
	return find(n, func(x *html.Node) bool { return x.Type == html.ElementNode && x.Data == tag })
}

// TestAbsenceWorkflowAPI: the substitute confirms first, the lead's deputy
// decides while the lead is away, and approved leave is changed by a
// change request, through the API.
func TestAbsenceWorkflowAPI(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
	ts := f.ts
	sub := createUser(t, ts, "sabine.sub", "Sabine Vertretung", actor.RoleEmployee)
	assignFullTime(t, ts, sub.ID)
	token := func(id int64) string {
		_, tok, err := ts.Identity.CreateTokenFor(t.Context(), actor.CLI(), id, identity.NewToken{Name: "t", Scope: "write"})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	leadTok, empTok, hrTok, subTok, strTok := token(f.lead.ID), token(f.emp.ID), token(f.hr.ID), token(sub.ID), token(f.stranger.ID)
	call := func(tok, method, path, body string) *result {
		req := newRequest(t, method, ts.URL+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		return do(t, http.DefaultClient, req)
	}
	type wfAbsence struct {
		apiAbsence
		AwaitsSubstitute      bool    `json:"awaits_substitute"`
		SubstituteConfirmedAt *string `json:"substitute_confirmed_at"`
		ReplacesID            *int64  `json:"replaces_id"`
	}
	decode := func(r *result) wfAbsence {
		t.Helper()
		var v wfAbsence
		if err := json.Unmarshal(r.body, &v); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
		return v
	}
	list := func(tok, query string) []wfAbsence {
		t.Helper()
		res := call(tok, "GET", "/absences?"+query, "")
		wantStatus(t, res, http.StatusOK)
		var l struct{ Items []wfAbsence }
		if err := json.Unmarshal(res.body, &l); err != nil {
			t.Fatal(err)
		}
		return l.Items
	}

	// 1. Substitute first.
	res := call(empTok, "POST", "/absences", fmt.Sprintf(`{"type_id":"vacation","start":"2026-03-16","end":"2026-03-20","substitute_id":%d}`, sub.ID))
	wantStatus(t, res, http.StatusCreated)
	req := decode(res)
	if !req.AwaitsSubstitute || req.SubstituteConfirmedAt != nil {
		t.Fatalf("request = %+v; want waiting for the substitute", req)
	}
	path := fmt.Sprintf("/absences/%d", req.ID)
	if p := problem(t, call(leadTok, "POST", path+"/approve", "")); p.Code != "absence_awaits_substitute" {
		t.Errorf("approve before confirmation: %+v", p)
	}
	if l := list(leadTok, "pending=decide"); len(l) != 0 {
		t.Errorf("lead's pending=decide = %+v", l)
	}
	if l := list(subTok, "pending=confirm"); len(l) != 1 || l[0].ID != req.ID {
		t.Errorf("substitute's pending=confirm = %+v", l)
	}
	wantStatus(t, call(empTok, "GET", "/absences?pending=later", ""), http.StatusUnprocessableEntity)
	wantStatus(t, call(leadTok, "POST", path+"/substitute-confirm", ""), http.StatusForbidden)
	wantStatus(t, call(strTok, "POST", path+"/substitute-confirm", ""), http.StatusNotFound)
	if p := problem(t, call(subTok, "POST", path+"/substitute-decline", `{"note":""}`)); p.Code != "note_required" {
		t.Errorf("decline without note: %+v", p)
	}
	res = call(subTok, "POST", path+"/substitute-confirm", "")
	wantStatus(t, res, http.StatusOK)
	if got := decode(res); got.AwaitsSubstitute || got.SubstituteConfirmedAt == nil || got.Status != "requested" {
		t.Errorf("confirmed = %+v", got)
	}
	wantStatus(t, call(subTok, "POST", path+"/substitute-confirm", ""), http.StatusConflict)
	wantStatus(t, call(leadTok, "POST", path+"/approve", ""), http.StatusOK)

	res = call(empTok, "POST", "/absences", fmt.Sprintf(`{"type_id":"vacation","start":"2026-03-23","substitute_id":%d}`, sub.ID))
	wantStatus(t, res, http.StatusCreated)
	declined := decode(res)
	res = call(subTok, "POST", fmt.Sprintf("/absences/%d/substitute-decline", declined.ID), `{"note":"Bin selbst weg"}`)
	wantStatus(t, res, http.StatusOK)
	if got := decode(res); got.Status != "rejected" || got.DecidedBy == nil || *got.DecidedBy != sub.ID {
		t.Errorf("declined = %+v", got)
	}
	if n := len(auditRecords(t, ts, "absence.substitute_confirm")); n != 1 {
		t.Errorf("absence.substitute_confirm audited %d times", n)
	}
	if n := len(auditRecords(t, ts, "absence.substitute_decline")); n != 1 {
		t.Errorf("absence.substitute_decline audited %d times", n)
	}

	// 2. The lead's deputy.
	deputyPath := fmt.Sprintf("/users/%d/deputy", f.lead.ID)
	wantStatus(t, call(empTok, "PUT", deputyPath, fmt.Sprintf(`{"deputy_id":%d}`, f.stranger.ID)), http.StatusNotFound)
	if p := problem(t, call(hrTok, "PUT", fmt.Sprintf("/users/%d/deputy", f.emp.ID), fmt.Sprintf(`{"deputy_id":%d}`, f.stranger.ID))); p.Code != "not_a_lead" {
		t.Errorf("deputy of a non-lead: %+v", p)
	}
	if p := problem(t, call(leadTok, "PUT", deputyPath, fmt.Sprintf(`{"deputy_id":%d}`, f.lead.ID))); p.Code != "invalid_deputy" {
		t.Errorf("self as deputy: %+v", p)
	}
	res = call(leadTok, "PUT", deputyPath, fmt.Sprintf(`{"deputy_id":%d}`, f.stranger.ID))
	wantStatus(t, res, http.StatusOK)
	var dep struct {
		LeadID     int64   `json:"lead_id"`
		DeputyID   *int64  `json:"deputy_id"`
		DeputyName *string `json:"deputy_name"`
	}
	if err := json.Unmarshal(res.body, &dep); err != nil || dep.LeadID != f.lead.ID || dep.DeputyID == nil || *dep.DeputyID != f.stranger.ID || *dep.DeputyName != "Sven Fremd" {
		t.Errorf("deputy = %+v, %v", dep, err)
	}
	wantStatus(t, call(hrTok, "GET", deputyPath, ""), http.StatusOK)
	wantStatus(t, call(strTok, "GET", deputyPath, ""), http.StatusNotFound)

	res = call(empTok, "POST", "/absences", `{"type_id":"training","start":"2026-03-25"}`)
	wantStatus(t, res, http.StatusCreated)
	training := decode(res)
	tpath := fmt.Sprintf("/absences/%d", training.ID)
	wantStatus(t, call(strTok, "POST", tpath+"/approve", ""), http.StatusNotFound)
	// The lead is away today (Monday 2 March): HR records her leave.
	res = call(hrTok, "POST", "/absences", fmt.Sprintf(`{"user_id":%d,"type_id":"vacation","start":"2026-03-02","end":"2026-03-04"}`, f.lead.ID))
	wantStatus(t, res, http.StatusCreated)
	leadLeave := decode(res)
	if l := list(strTok, "pending=decide"); len(l) != 1 || l[0].ID != training.ID {
		t.Errorf("deputy's pending=decide = %+v", l)
	}
	res = call(strTok, "POST", tpath+"/approve", "")
	wantStatus(t, res, http.StatusOK)
	if got := decode(res); got.Status != "approved" || *got.DecidedBy != f.stranger.ID {
		t.Errorf("deputy's approval = %+v", got)
	}
	res = call(leadTok, "PUT", deputyPath, `{"deputy_id":null}`)
	wantStatus(t, res, http.StatusOK)
	if err := json.Unmarshal(res.body, &dep); err != nil || dep.DeputyID != nil {
		t.Errorf("cleared deputy = %s", res.body)
	}

	// 3. A change of approved leave.
	res = call(strTok, "POST", path+"/change", `{"start":"2026-03-17","end":"2026-03-19"}`)
	wantStatus(t, res, http.StatusNotFound)
	res = call(empTok, "POST", path+"/change", `{"start":"2026-03-17","end":"2026-03-19","note":"kürzer"}`)
	wantStatus(t, res, http.StatusCreated)
	ch := decode(res)
	if ch.Status != "requested" || ch.ReplacesID == nil || *ch.ReplacesID != req.ID || ch.WorkingDays != 3 {
		t.Fatalf("change = %+v", ch)
	}
	if p := problem(t, call(empTok, "POST", path+"/change", `{"start":"2026-03-18"}`)); p.Code != "absence_change_pending" {
		t.Errorf("second change: %+v", p)
	}
	wantStatus(t, call(leadTok, "POST", fmt.Sprintf("/absences/%d/approve", ch.ID), ""), http.StatusOK)
	res = call(empTok, "GET", path, "")
	if got := decode(res); got.Status != "cancelled" {
		t.Errorf("original after the change = %+v", got)
	}
	if p := problem(t, call(empTok, "POST", fmt.Sprintf("/absences/%d/change", declined.ID), `{"start":"2026-03-24"}`)); p.Code != "absence_not_changeable" {
		t.Errorf("change of a rejected request: %+v", p)
	}
	// 4. Cancelling started leave needs a decision: the lead's own leave
	// (she has no supervisor, so HR decides).
	lpath := fmt.Sprintf("/absences/%d", leadLeave.ID)
	wantStatus(t, call(leadTok, "POST", lpath+"/cancel", ""), http.StatusConflict)
	wantStatus(t, call(hrTok, "POST", lpath+"/cancellation-request", ""), http.StatusForbidden)
	res = call(leadTok, "POST", lpath+"/cancellation-request", "")
	wantStatus(t, res, http.StatusOK)
	var cr struct {
		Status            string  `json:"status"`
		CancelRequestedAt *string `json:"cancel_requested_at"`
	}
	if err := json.Unmarshal(res.body, &cr); err != nil || cr.Status != "approved" || cr.CancelRequestedAt == nil {
		t.Errorf("cancellation request = %s", res.body)
	}
	if p := problem(t, call(leadTok, "POST", lpath+"/cancellation-request", "")); p.Code != "absence_cancellation_pending" {
		t.Errorf("second cancellation request: %+v", p)
	}
	if p := problem(t, call(empTok, "POST", fmt.Sprintf("/absences/%d/cancellation-request", training.ID), "")); p.Code != "absence_not_started" {
		t.Errorf("cancellation request before the start: %+v", p)
	}
	if l := list(hrTok, "pending=decide"); len(l) != 1 || l[0].ID != leadLeave.ID {
		t.Errorf("HR's pending=decide = %+v", l)
	}
	res = call(hrTok, "POST", lpath+"/approve", "")
	wantStatus(t, res, http.StatusOK)
	if got := decode(res); got.Status != "cancelled" {
		t.Errorf("approved cancellation = %+v", got)
	}
}

// TestAbsenceWorkflowPages: the substitute confirms or declines on the
// approvals page; the person asks for a change with a plain form.
func TestAbsenceWorkflowPages(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
	ts := f.ts
	sub := createUser(t, ts, "sabine.sub", "Sabine Vertretung", actor.RoleEmployee)
	assignFullTime(t, ts, sub.ID)
	if _, err := ts.Identity.UpdateUser(t.Context(), actor.CLI(), sub.ID, identity.UserUpdate{SupervisorID: &f.lead.ID}); err != nil {
		t.Fatal(err)
	}
	emp := loginFull(t, ts, f.emp.Username, testPassword)
	subC := loginFull(t, ts, sub.Username, testPassword)
	lead := loginFull(t, ts, f.lead.Username, testPassword)

	// The request form offers the colleagues as substitutes.
	res := get(t, emp, ts.URL+"/absences")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if n := byName(doc, "substitute_id"); n == nil || labelFor(doc, attr(n, "id")) == nil || !strings.Contains(textOf(n), "Sabine Vertretung") {
		t.Fatalf("request form lacks the substitute select with Sabine")
	}
	wantStatus(t, get(t, subC, ts.URL+"/absences/approvals"), http.StatusNotFound)
	res = form(t, emp, ts.URL+"/absences", url.Values{"type_id": {"vacation"}, "start": {"2026-03-16"}, "end": {"2026-03-18"}, "substitute_id": {fmt.Sprint(sub.ID)}, "year": {"2026"}})
	wantRedirect(t, res, "/absences?year=2026")
	res = get(t, emp, ts.URL+res.location())
	if !strings.Contains(res.text(), "Zuerst bestätigt Ihre Vertretung") || !strings.Contains(res.text(), "wartet auf die Bestätigung der Vertretung Sabine Vertretung") {
		t.Errorf("own page lacks the flash or the waiting state: %s", res.text())
	}
	res = get(t, lead, ts.URL+"/absences/approvals")
	if byID(res.doc(t), "absence-none-to-decide") == nil {
		t.Errorf("lead sees a request waiting for the substitute")
	}

	// The substitute finds it on her absences page and confirms.
	res = get(t, subC, ts.URL+"/absences")
	if byID(res.doc(t), "absence-to-confirm") == nil {
		t.Errorf("substitute's page lacks the notice")
	}
	res = get(t, subC, ts.URL+"/absences/approvals")
	wantStatus(t, res, http.StatusOK)
	cards := byID(res.doc(t), "absence-confirm-requests")
	if cards == nil || !strings.Contains(textOf(cards), "Erika Muster") {
		t.Fatalf("approvals page lacks the request to confirm: %s", res.text())
	}
	var id int64
	if _, err := fmt.Sscanf(attr(firstTagIn(cards, "li"), "id"), "absence-confirm-%d", &id); err != nil {
		t.Fatal(err)
	}
	if byID(res.doc(t), "absence-requests") != nil || byID(res.doc(t), "absence-none-to-decide") != nil {
		t.Errorf("substitute sees the section to decide")
	}
	wantRedirect(t, form(t, subC, ts.URL+fmt.Sprintf("/absences/%d/substitute-confirm", id), nil), "/absences")
	res = get(t, lead, ts.URL+"/absences/approvals")
	if c := byID(res.doc(t), "absence-requests"); c == nil || !strings.Contains(textOf(c), "Sabine Vertretung") {
		t.Fatalf("lead's approvals lack the confirmed request: %s", res.text())
	}
	wantRedirect(t, form(t, lead, ts.URL+fmt.Sprintf("/absences/%d/approve", id), nil), "/absences/approvals")

	// A second request is declined; without a reason the form says so.
	res = form(t, emp, ts.URL+"/absences", url.Values{"type_id": {"vacation"}, "start": {"2026-03-23"}, "substitute_id": {fmt.Sprint(sub.ID)}, "year": {"2026"}})
	wantRedirect(t, res, "/absences?year=2026")
	l, err := ts.Main.Absence.List(t.Context(), actor.CLI(), absence.Filter{UserID: f.emp.ID, Status: absence.StatusRequested})
	if err != nil || len(l) != 1 {
		t.Fatalf("requests = %+v, %v", l, err)
	}
	second := l[0].ID
	res = form(t, subC, ts.URL+fmt.Sprintf("/absences/%d/substitute-decline", second), url.Values{"note": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if byID(res.doc(t), fmt.Sprintf("e-snote-%d", second)) == nil {
		t.Errorf("decline without reason: no error at the note")
	}
	wantRedirect(t, form(t, subC, ts.URL+fmt.Sprintf("/absences/%d/substitute-decline", second), url.Values{"note": {"Bin selbst weg"}}), "/absences")
	if got, _ := ts.Main.Absence.Get(t.Context(), actor.CLI(), second); got.Status != absence.StatusRejected || got.DecisionNote != "Bin selbst weg" {
		t.Errorf("declined = %+v", got)
	}

	// The approved leave is changed with the change form.
	res = get(t, emp, ts.URL+"/absences?year=2026")
	link := byID(res.doc(t), fmt.Sprintf("absence-%d", id))
	if link == nil || !strings.Contains(res.text(), fmt.Sprintf(`href="/absences/%d/change"`, id)) {
		t.Fatalf("approved row lacks the change link")
	}
	res = get(t, emp, ts.URL+fmt.Sprintf("/absences/%d/change", id))
	wantStatus(t, res, http.StatusOK)
	if attr(byName(res.doc(t), "start"), "value") != "2026-03-16" {
		t.Errorf("change form does not start from the current range")
	}
	wantStatus(t, get(t, lead, ts.URL+fmt.Sprintf("/absences/%d/change", id)), http.StatusNotFound)
	res = form(t, emp, ts.URL+fmt.Sprintf("/absences/%d/change", id), url.Values{"start": {"2026-03-21"}, "end": {"2026-03-22"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if byID(res.doc(t), "e-start") == nil {
		t.Errorf("weekend change: no error at start")
	}
	res = form(t, emp, ts.URL+fmt.Sprintf("/absences/%d/change", id), url.Values{"start": {"2026-03-17"}, "end": {"2026-03-20"}, "day_length": {"full"}})
	wantRedirect(t, res, "/absences?year=2026")
	res = get(t, lead, ts.URL+"/absences/approvals")
	if c := byID(res.doc(t), "absence-requests"); c == nil || !strings.Contains(textOf(c), "16.03.2026–18.03.2026") {
		t.Errorf("lead's approvals do not show what the change replaces: %s", res.text())
	}
}
