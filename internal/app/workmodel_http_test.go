package app_test

// Work models (Arbeitszeitmodelle) through the plain HTML page and the API,
// against the real server.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ortlos/internal/actor"
	"ortlos/internal/identity"
)

func TestWorkModelsPage(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	createUser(t, ts, "hanna.hr", "Hanna HR", actor.RoleHR)
	emp := createUser(t, ts, "bert.beschaeftigt", "Bert Beschäftigt", actor.RoleEmployee)
	hr := loginFull(t, ts, "hanna.hr", testPassword)
	ec := loginFull(t, ts, "bert.beschaeftigt", testPassword)

	// Employees neither see the page nor its navigation entry.
	wantStatus(t, get(t, ec, ts.URL+"/worktime/models"), http.StatusNotFound)
	wantStatus(t, form(t, ec, ts.URL+"/worktime/models", url.Values{"name": {"X"}, "minutes_mon": {"8"}}), http.StatusNotFound)
	if strings.Contains(get(t, ec, ts.URL+"/worktime").text(), `href="/worktime/models"`) {
		t.Error("employee navigation links to /worktime/models")
	}
	res := get(t, hr, ts.URL+"/worktime/models")
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.text(), `href="/worktime/models"`) {
		t.Error("HR navigation lacks /worktime/models")
	}

	week := url.Values{"name": {"Vollzeit 39 h (TVöD)"}}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri"} {
		week.Set("minutes_"+d, "7:48")
	}
	wantRedirect(t, form(t, hr, ts.URL+"/worktime/models", week), "/worktime/models")
	res = get(t, hr, ts.URL+"/worktime/models")
	if !strings.Contains(textOf(res.doc(t)), "39:00") {
		t.Errorf("page after create lacks the weekly total 39:00:\n%s", res.body)
	}
	// A wrong time is explained at its field and the input is kept.
	bad := url.Values{"name": {"Teilzeit"}, "minutes_mon": {"4:75"}, "minutes_tue": {"4"}}
	res = form(t, hr, ts.URL+"/worktime/models", bad)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc := res.doc(t)
	if byID(doc, "e-minutes_mon") == nil || attr(byName(doc, "minutes_mon"), "value") != "4:75" {
		t.Errorf("invalid day: no field error or input lost:\n%s", res.body)
	}
	// The same name again is a conflict, shown on the page.
	res = form(t, hr, ts.URL+"/worktime/models", week)
	wantStatus(t, res, http.StatusConflict)
	if !strings.Contains(textOf(res.doc(t)), de.Error("work_model_name_taken")) {
		t.Errorf("duplicate name: German explanation missing:\n%s", res.body)
	}

	var modelID int64
	if err := ts.DB.QueryRowContext(t.Context(), "SELECT id FROM work_models").Scan(&modelID); err != nil {
		t.Fatal(err)
	}
	assign := url.Values{"user_id": {fmt.Sprint(emp.ID)}, "work_model_id": {fmt.Sprint(modelID)}, "valid_from": {"2026-01-01"}}
	wantRedirect(t, form(t, hr, ts.URL+"/worktime/models/assign", assign), "/worktime/models")
	res = form(t, hr, ts.URL+"/worktime/models/assign", assign)
	wantStatus(t, res, http.StatusConflict)
	if !strings.Contains(textOf(res.doc(t)), de.Error("work_model_date_taken")) {
		t.Errorf("same day twice: German explanation missing:\n%s", res.body)
	}
	res = form(t, hr, ts.URL+"/worktime/models/assign", url.Values{"user_id": {""}, "work_model_id": {fmt.Sprint(modelID)}, "valid_from": {"2026-02-01"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantStatus(t, form(t, ec, ts.URL+"/worktime/models/assign", assign), http.StatusNotFound)
	for _, action := range []string{"work_model.create", "work_model.assign"} {
		if n := len(auditRecords(t, ts, action)); n != 1 {
			t.Errorf("%s records = %d, want 1", action, n)
		}
	}
}

func TestWorkModelsAPI(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	hrUser := createUser(t, ts, "hanna.hr", "Hanna HR", actor.RoleHR)
	emp := createUser(t, ts, "carla.neu", "Carla Neu", actor.RoleEmployee)
	token := func(id int64) string {
		_, tok, err := ts.Identity.CreateTokenFor(t.Context(), actor.CLI(), id, identity.NewToken{Name: "t", Scope: "write"})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	hrTok, empTok := token(hrUser.ID), token(emp.ID)
	call := func(tok, method, path, body string) *result {
		req := newRequest(t, method, ts.URL+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		return do(t, http.DefaultClient, req)
	}
	body := `{"name":"Teilzeit 50 %","minutes":[234,234,234,234,234,0,0]}`
	wantStatus(t, call(empTok, "POST", "/work-models", body), http.StatusNotFound)
	res := call(hrTok, "POST", "/work-models", body)
	wantStatus(t, res, http.StatusCreated)
	var m struct {
		ID            int64 `json:"id"`
		Minutes       []int `json:"minutes"`
		WeeklyMinutes int   `json:"weekly_minutes"`
	}
	if err := json.Unmarshal(res.body, &m); err != nil || m.WeeklyMinutes != 1170 || len(m.Minutes) != 7 {
		t.Fatalf("createWorkModel = %s, %v; want weekly_minutes 1170", res.body, err)
	}
	wantStatus(t, call(hrTok, "POST", "/work-models", body), http.StatusConflict)
	res = call(hrTok, "POST", "/work-models", `{"name":"Kurz","minutes":[1,2,3]}`)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	res = call(hrTok, "POST", "/work-models", `{"name":"Zu lang","minutes":[721,0,0,0,0,0,0]}`)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if p := problem(t, res); p.Code != "invalid_work_model" || p.Errors["minutes_mon"] != "invalid_day_minutes" {
		t.Errorf("721 minutes: problem %+v", p)
	}
	wantStatus(t, call(empTok, "GET", "/work-models", ""), http.StatusOK)
	wantStatus(t, call(empTok, "GET", fmt.Sprintf("/work-models/%d", m.ID), ""), http.StatusOK)
	wantStatus(t, call(empTok, "GET", "/work-models/999999", ""), http.StatusNotFound)

	assign := fmt.Sprintf(`{"work_model_id":%d,"valid_from":"2026-07-01"}`, m.ID)
	wantStatus(t, call(empTok, "POST", fmt.Sprintf("/users/%d/work-models", emp.ID), assign), http.StatusNotFound)
	wantStatus(t, call(hrTok, "POST", fmt.Sprintf("/users/%d/work-models", emp.ID), assign), http.StatusCreated)
	wantStatus(t, call(hrTok, "POST", fmt.Sprintf("/users/%d/work-models", emp.ID), assign), http.StatusConflict)
	wantStatus(t, call(hrTok, "POST", "/users/999999/work-models", assign), http.StatusNotFound)
	res = call(hrTok, "POST", fmt.Sprintf("/users/%d/work-models", emp.ID), `{"work_model_id":1,"valid_from":"1.7.2026"}`)
	wantStatus(t, res, http.StatusUnprocessableEntity)

	res = call(empTok, "GET", fmt.Sprintf("/users/%d/work-models", emp.ID), "")
	wantStatus(t, res, http.StatusOK)
	var list struct {
		Items []struct {
			ValidFrom string `json:"valid_from"`
			WorkModel struct {
				WeeklyMinutes int `json:"weekly_minutes"`
			} `json:"work_model"`
		} `json:"items"`
		NextCursor *string `json:"next_cursor"`
	}
	if err := json.Unmarshal(res.body, &list); err != nil || len(list.Items) != 1 || list.Items[0].ValidFrom != "2026-07-01" || list.Items[0].WorkModel.WeeklyMinutes != 1170 {
		t.Errorf("listUserWorkModels = %s, %v; want one assignment from 2026-07-01", res.body, err)
	}
	wantStatus(t, call(empTok, "GET", fmt.Sprintf("/users/%d/work-models", hrUser.ID), ""), http.StatusNotFound)
}
