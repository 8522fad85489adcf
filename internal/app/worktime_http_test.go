package app_test

// Clocking in, taking a break and clocking out through the plain HTML page
// and through the API, against the real server.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ortlos/internal/actor"
	"ortlos/internal/identity"
)

func wtState(t *testing.T, ts *testServer, c *http.Client) string {
	t.Helper()
	res := get(t, c, ts.URL+"/worktime")
	wantStatus(t, res, http.StatusOK)
	el := byID(res.doc(t), "wt-state")
	if el == nil {
		t.Fatalf("worktime page has no #wt-state:\n%s", res.body)
	}
	return attr(el, "data-state")
}

func TestWorktimePage(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	createUser(t, ts, "bert.beschaeftigt", "Bert Beschäftigt", actor.RoleEmployee)
	c := loginFull(t, ts, "bert.beschaeftigt", testPassword)
	if got := wtState(t, ts, c); got != "off" {
		t.Fatalf("state before clocking in = %q, want off", got)
	}
	steps := []struct {
		path  string
		form  url.Values
		state string
	}{
		{"/worktime/clock-in", url.Values{"location": {"home"}}, "working"},
		{"/worktime/break-start", nil, "on_break"},
		{"/worktime/break-end", nil, "working"},
		{"/worktime/clock-out", nil, "off"},
	}
	for _, s := range steps {
		wantRedirect(t, form(t, c, ts.URL+s.path, s.form), "/worktime")
		if got := wtState(t, ts, c); got != s.state {
			t.Fatalf("after %s: state %q, want %q", s.path, got, s.state)
		}
	}
	// Clocking out twice is explained, not an error page.
	res := form(t, c, ts.URL+"/worktime/clock-out", nil)
	if res.StatusCode == http.StatusSeeOther {
		res = get(t, c, ts.URL+res.location())
	}
	if !strings.Contains(textOf(res.doc(t)), de.Error("not_clocked_in")) {
		t.Errorf("second clock-out: German explanation missing:\n%s", res.body)
	}
	for _, action := range []string{"worktime.clock_in", "worktime.break_start", "worktime.break_end", "worktime.clock_out"} {
		if n := len(auditRecords(t, ts, action)); n != 1 {
			t.Errorf("%s records = %d, want 1", action, n)
		}
	}
}

func TestWorktimeAPI(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	u := createUser(t, ts, "carla.neu", "Carla Neu", actor.RoleEmployee)
	_, tok, err := ts.Identity.CreateTokenFor(t.Context(), actor.CLI(), u.ID, identity.NewToken{Name: "t", Scope: "write"})
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string) *result {
		req := newRequest(t, method, ts.URL+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		return do(t, http.DefaultClient, req)
	}
	status := func() string {
		var st struct {
			State string `json:"state"`
		}
		if err := json.Unmarshal(call("GET", "/worktime/status", "").body, &st); err != nil {
			t.Fatal(err)
		}
		return st.State
	}
	wantStatus(t, call("POST", "/worktime/clock-in", `{"location":"mobile"}`), http.StatusCreated)
	wantStatus(t, call("POST", "/worktime/clock-in", ``), http.StatusConflict)
	wantStatus(t, call("POST", "/worktime/break-start", ``), http.StatusOK)
	if got := status(); got != "on_break" {
		t.Fatalf("status = %q, want on_break", got)
	}
	wantStatus(t, call("POST", "/worktime/break-end", ``), http.StatusCreated)
	wantStatus(t, call("POST", "/worktime/clock-out", ``), http.StatusOK)
	if got := status(); got != "off" {
		t.Fatalf("status = %q, want off", got)
	}
	res := call("POST", "/worktime/clock-in", `{"location":"garden"}`)
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if p := problem(t, res); p.Code != "invalid_location" && p.Errors["location"] != "invalid_location" {
		t.Errorf("bad location: problem %+v", p)
	}
}
