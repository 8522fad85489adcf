package app_test

// Leave accounts: the account with its explanation lines, the HR forms for
// contract data and adjustments, and the API operations getLeaveAccount,
// setLeaveContract and addLeaveAdjustment, against the real server.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/identity"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, emp identity.User) []string {
		svc := absence.NewService(ts.DB, ts.Main.Clock, ts.Worktime)
		year := svc.Today().Year
		// Kept since the year before, so that the carry-over lines show.
		if _, err := svc.SetLeaveContract(t.Context(), actor.CLI(), emp.ID, absence.LeaveContractInput{AnnualDays: 30, FirstYear: year - 1}); err != nil {
			t.Fatalf("a11y leave contract: %v", err)
		}
		if _, err := svc.AddLeaveAdjustment(t.Context(), actor.CLI(), emp.ID, absence.NewLeaveAdjustment{Year: year, Days: "1.5", Reason: "Übernahme aus der Personalakte"}); err != nil {
			t.Fatalf("a11y leave adjustment: %v", err)
		}
		return []string{"/absences/account", fmt.Sprintf("/absences/account?user_id=%d&year=%d", emp.ID, year)}
	})
}

type apiLeaveDays struct {
	Days         float64 `json:"days"`
	DaysFraction string  `json:"days_fraction"`
}

type apiLeaveAccount struct {
	UserID      int64 `json:"user_id"`
	Year        int   `json:"year"`
	DaysPerWeek int   `json:"days_per_week"`
	Contract    *struct {
		AnnualDays int `json:"annual_days"`
		FirstYear  int `json:"first_year"`
	} `json:"contract"`
	Entitlement apiLeaveDays `json:"entitlement"`
	CarryOver   apiLeaveDays `json:"carry_over"`
	Taken       apiLeaveDays `json:"taken"`
	Remaining   apiLeaveDays `json:"remaining"`
	Adjustments []struct {
		Days   float64 `json:"days"`
		Reason string  `json:"reason"`
	} `json:"adjustments"`
	Lines []struct {
		Code        string   `json:"code"`
		Days        *float64 `json:"days"`
		Explanation string   `json:"explanation"`
	} `json:"lines"`
	Steps []struct {
		Code string `json:"code"`
	} `json:"steps"`
}

func TestLeaveAccountAPI(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
	ts := f.ts
	token := func(id int64, scope string) string {
		_, tok, err := ts.Identity.CreateTokenFor(t.Context(), actor.CLI(), id, identity.NewToken{Name: "t", Scope: scope})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	leadTok, empTok, hrTok, strTok := token(f.lead.ID, "write"), token(f.emp.ID, "write"), token(f.hr.ID, "write"), token(f.stranger.ID, "write")
	hrRead := token(f.hr.ID, "read")
	call := func(tok, method, path, body string) *result {
		req := newRequest(t, method, ts.URL+"/api/v1"+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		return do(t, http.DefaultClient, req)
	}
	account := func(tok string, userID int64, year int) apiLeaveAccount {
		t.Helper()
		res := call(tok, "GET", fmt.Sprintf("/users/%d/leave-account?year=%d", userID, year), "")
		wantStatus(t, res, http.StatusOK)
		var acc apiLeaveAccount
		if err := json.Unmarshal(res.body, &acc); err != nil {
			t.Fatalf("decode %s: %v", res.body, err)
		}
		return acc
	}
	contractPath := fmt.Sprintf("/users/%d/leave-contract", f.emp.ID)
	adjPath := fmt.Sprintf("/users/%d/leave-adjustments", f.emp.ID)

	// Without contract data: statutory minimum, explained.
	acc := account(empTok, f.emp.ID, 2026)
	if acc.Contract != nil || acc.Entitlement.Days != 20 || acc.DaysPerWeek != 5 || len(acc.Steps) == 0 {
		t.Errorf("account without contract = %+v", acc)
	}

	wantStatus(t, call(empTok, "PUT", contractPath, `{"annual_days": 30}`), http.StatusForbidden)
	wantStatus(t, call(leadTok, "PUT", contractPath, `{"annual_days": 30}`), http.StatusForbidden)
	wantStatus(t, call(strTok, "PUT", contractPath, `{"annual_days": 30}`), http.StatusNotFound)
	wantStatus(t, call(hrRead, "PUT", contractPath, `{"annual_days": 30}`), http.StatusForbidden)
	wantStatus(t, call(hrTok, "PUT", contractPath, `{"annual_days": 300}`), http.StatusUnprocessableEntity)
	wantStatus(t, call(hrTok, "PUT", contractPath, `{"annual_days": 30, "employment_start": "2026-13-01"}`), http.StatusUnprocessableEntity)
	res := call(hrTok, "PUT", contractPath, `{"annual_days": 30, "employment_start": "2019-04-01", "first_year": 2025}`)
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.text(), `"employment_start":"2019-04-01"`) || !strings.Contains(res.text(), `"first_year":2025`) {
		t.Errorf("contract answer = %s", res.text())
	}
	if n := len(auditRecords(t, ts, "absence.contract_set")); n != 1 {
		t.Errorf("absence.contract_set audited %d times", n)
	}

	wantStatus(t, call(empTok, "POST", adjPath, `{"year": 2026, "days": 1, "reason": "x"}`), http.StatusForbidden)
	wantStatus(t, call(strTok, "POST", adjPath, `{"year": 2026, "days": 1, "reason": "x"}`), http.StatusNotFound)
	wantStatus(t, call(hrTok, "POST", adjPath, `{"year": 2026, "days": 0.125, "reason": "x"}`), http.StatusUnprocessableEntity)
	wantStatus(t, call(hrTok, "POST", adjPath, `{"year": 2026, "days": 1, "reason": ""}`), http.StatusUnprocessableEntity)
	res = call(hrTok, "POST", adjPath, `{"year": 2026, "days": -1.5, "reason": "Vorgriff 2025"}`)
	wantStatus(t, res, http.StatusCreated)
	if !strings.Contains(res.text(), `"days":-1.5`) || !strings.Contains(res.text(), `"days_fraction":"-3/2"`) {
		t.Errorf("adjustment answer = %s", res.text())
	}

	// 2025 had no leave: 30 days carry into 2026 (the clock stands on 2
	// March 2026, before they lapse).
	acc = account(empTok, f.emp.ID, 2026)
	if acc.Entitlement.Days != 30 || acc.CarryOver.Days != 30 || acc.Remaining.Days != 58.5 || len(acc.Adjustments) != 1 || acc.Adjustments[0].Reason != "Vorgriff 2025" {
		t.Errorf("account 2026 = %+v", acc)
	}
	var codes []string
	for _, l := range acc.Lines {
		codes = append(codes, l.Code)
		if l.Explanation == "" {
			t.Errorf("line %s without explanation", l.Code)
		}
	}
	want := "days_per_week entitlement carry_over carry_over_expires adjustment taken remaining"
	if got := strings.Join(codes, " "); got != want {
		t.Errorf("lines = %s; want %s", got, want)
	}
	if lead := account(leadTok, f.emp.ID, 2026); lead.Remaining.Days != 58.5 {
		t.Errorf("lead sees remaining %v", lead.Remaining.Days)
	}
	account(hrRead, f.emp.ID, 2026)
	wantStatus(t, call(strTok, "GET", fmt.Sprintf("/users/%d/leave-account", f.emp.ID), ""), http.StatusNotFound)
	wantStatus(t, call(empTok, "GET", fmt.Sprintf("/users/%d/leave-account?year=1900", f.emp.ID), ""), http.StatusUnprocessableEntity)
	if n := len(auditRecords(t, ts, "absence.adjustment_add")); n != 1 {
		t.Errorf("absence.adjustment_add audited %d times", n)
	}
}

func TestLeaveAccountPage(t *testing.T) {
	t.Parallel()
	f := newAbsenceFixture(t)
	ts := f.ts
	emp := loginFull(t, ts, f.emp.Username, testPassword)
	hr := loginFull(t, ts, f.hr.Username, testPassword)
	stranger := loginFull(t, ts, f.stranger.Username, testPassword)

	res := get(t, emp, ts.URL+"/absences/account")
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if byID(doc, "account-lines") == nil || byID(doc, "account-steps") == nil || byID(doc, "contract-form") != nil || byID(doc, "adjustment-form") != nil {
		t.Errorf("own account page: lines/steps missing or HR forms shown")
	}
	if !strings.Contains(h1(doc), "Erika Muster") || !strings.Contains(res.text(), `data-code="no_contract"`) {
		t.Errorf("own account page: h1 %q or no_contract line missing", h1(doc))
	}
	page := fmt.Sprintf("/absences/account?user_id=%d&year=2026", f.emp.ID)
	wantStatus(t, get(t, stranger, ts.URL+page), http.StatusNotFound)
	wantStatus(t, form(t, emp, ts.URL+"/absences/account/contract", url.Values{"user_id": {fmt.Sprint(f.emp.ID)}, "year": {"2026"}, "annual_days": {"30"}}), http.StatusForbidden)
	wantStatus(t, form(t, stranger, ts.URL+"/absences/account/adjustments", url.Values{"user_id": {fmt.Sprint(f.emp.ID)}, "year": {"2026"}, "days": {"1"}, "reason": {"x"}}), http.StatusNotFound)

	res = get(t, hr, ts.URL+page)
	wantStatus(t, res, http.StatusOK)
	doc = res.doc(t)
	for _, name := range []string{"annual_days", "employment_start", "employment_end", "first_year", "days", "reason"} {
		if n := byName(doc, name); n == nil || labelFor(doc, attr(n, "id")) == nil {
			t.Errorf("HR forms: field %s missing or without label", name)
		}
	}

	// A refused contract form keeps the input and names the field.
	res = form(t, hr, ts.URL+"/absences/account/contract", url.Values{"user_id": {fmt.Sprint(f.emp.ID)}, "year": {"2026"}, "annual_days": {"30"}, "employment_start": {"2026-05-01"}, "employment_end": {"2026-04-01"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc = res.doc(t)
	if byID(doc, "e-employment_end") == nil || attr(byName(doc, "employment_start"), "value") != "2026-05-01" {
		t.Errorf("refused contract form: no error at the end or lost input")
	}
	res = form(t, hr, ts.URL+"/absences/account/contract", url.Values{"user_id": {fmt.Sprint(f.emp.ID)}, "year": {"2026"}, "annual_days": {"30"}})
	wantRedirect(t, res, "/absences/account?")
	res = get(t, hr, ts.URL+res.location())
	if !strings.Contains(res.text(), "Die Vertragsdaten wurden gespeichert") || !strings.Contains(res.text(), `data-code="contractual_applies"`) {
		t.Errorf("page after saving the contract lacks the flash or the contractual step")
	}

	res = form(t, hr, ts.URL+"/absences/account/adjustments", url.Values{"user_id": {fmt.Sprint(f.emp.ID)}, "year": {"2026"}, "days": {"2,5"}, "reason": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc = res.doc(t)
	if byID(doc, "e-reason") == nil || attr(byName(doc, "days"), "value") != "2,5" {
		t.Errorf("refused adjustment: no error at the reason or lost input")
	}
	res = form(t, hr, ts.URL+"/absences/account/adjustments", url.Values{"user_id": {fmt.Sprint(f.emp.ID)}, "year": {"2026"}, "days": {"2,5"}, "reason": {"Dienstjubiläum"}})
	wantRedirect(t, res, "/absences/account?")

	// The person sees the adjustment with its reason and the result.
	res = get(t, emp, ts.URL+"/absences/account?year=2026")
	wantStatus(t, res, http.StatusOK)
	lines := byID(res.doc(t), "account-lines")
	if text := textOf(lines); !strings.Contains(text, "Dienstjubiläum") || !strings.Contains(text, "32,5") {
		t.Errorf("account lines lack the adjustment or the remaining 32,5 days: %s", text)
	}
	res = get(t, emp, ts.URL+"/absences/account?year=2026", "Accept-Language", "en")
	wantStatus(t, res, http.StatusOK)
}
