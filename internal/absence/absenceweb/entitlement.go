package absenceweb

// Leave accounts: the page /absences/account with the lines that explain
// the balance and the steps of the entitlement calculation, the HR forms
// for the contract data and adjustments, and their API twins.

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"ortlos/internal/absence"
	"ortlos/internal/absence/entitlement"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/web"
)

// registerEntitlement adds the routes of this part of the module.
func (h *Handler) registerEntitlement() {
	s := h.srv
	s.UI("GET /absences/account", web.Full, h.accountPage)
	s.UI("POST /absences/account/contract", web.Full, h.uiSetContract)
	s.UI("POST /absences/account/adjustments", web.Full, h.uiAddAdjustment)
	s.API("GET", "/users/{id}/leave-account", "getLeaveAccount", web.Full, h.apiLeaveAccount)
	s.API("PUT", "/users/{id}/leave-contract", "setLeaveContract", web.Full, h.apiSetContract)
	s.API("POST", "/users/{id}/leave-adjustments", "addLeaveAdjustment", web.Full, h.apiAddAdjustment)
}

// --- API -----------------------------------------------------------------

type apiDays struct {
	Days         float64 `json:"days"`
	DaysFraction string  `json:"days_fraction"`
}

func newAPIDays(d *big.Rat) apiDays {
	return apiDays{Days: entitlement.Float(d), DaysFraction: d.RatString()}
}

func optDays(d *big.Rat) *apiDays {
	if d == nil {
		return nil
	}
	v := newAPIDays(d)
	return &v
}

func optDate(d civil.Date) *string {
	if d.IsZero() {
		return nil
	}
	s := d.String()
	return &s
}

type apiLeaveContract struct {
	UserID          int64   `json:"user_id"`
	AnnualDays      int     `json:"annual_days"`
	EmploymentStart *string `json:"employment_start"`
	EmploymentEnd   *string `json:"employment_end"`
	FirstYear       int     `json:"first_year"`
	UpdatedAt       string  `json:"updated_at"`
	UpdatedBy       *int64  `json:"updated_by"`
}

func newAPIContract(c absence.LeaveContract) apiLeaveContract {
	return apiLeaveContract{UserID: c.UserID, AnnualDays: c.AnnualDays, EmploymentStart: optDate(c.EmploymentStart),
		EmploymentEnd: optDate(c.EmploymentEnd), FirstYear: c.FirstYear, UpdatedAt: apiTime(c.UpdatedAt), UpdatedBy: ref(c.UpdatedBy)}
}

type apiLeaveAdjustment struct {
	ID           int64   `json:"id"`
	UserID       int64   `json:"user_id"`
	Year         int     `json:"year"`
	Days         float64 `json:"days"`
	DaysFraction string  `json:"days_fraction"`
	Reason       string  `json:"reason"`
	CreatedAt    string  `json:"created_at"`
	CreatedBy    *int64  `json:"created_by"`
}

func newAPIAdjustment(x absence.LeaveAdjustment) apiLeaveAdjustment {
	return apiLeaveAdjustment{ID: x.ID, UserID: x.UserID, Year: x.Year, Days: entitlement.Float(x.Days), DaysFraction: x.Days.RatString(),
		Reason: x.Reason, CreatedAt: apiTime(x.CreatedAt), CreatedBy: ref(x.CreatedBy)}
}

type apiStep struct {
	Rule         string         `json:"rule"`
	Code         string         `json:"code"`
	Text         string         `json:"text"`
	Figures      map[string]any `json:"figures,omitempty"`
	Days         *float64       `json:"days"`
	DaysFraction *string        `json:"days_fraction"`
}

type apiLine struct {
	Code         string   `json:"code"`
	Days         *float64 `json:"days"`
	DaysFraction *string  `json:"days_fraction"`
	Explanation  string   `json:"explanation"`
	Total        bool     `json:"total"`
}

type apiLeaveAccount struct {
	UserID                int64                `json:"user_id"`
	UserName              string               `json:"user_name"`
	Year                  int                  `json:"year"`
	Contract              *apiLeaveContract    `json:"contract"`
	DaysPerWeek           int                  `json:"days_per_week"`
	Entitlement           apiDays              `json:"entitlement"`
	StatutoryMinimum      apiDays              `json:"statutory_minimum"`
	CarryOver             apiDays              `json:"carry_over"`
	CarryOverExpires      string               `json:"carry_over_expires"`
	CarryOverExpired      apiDays              `json:"carry_over_expired"`
	Adjustments           []apiLeaveAdjustment `json:"adjustments"`
	AdjustmentDays        apiDays              `json:"adjustment_days"`
	Taken                 apiDays              `json:"taken"`
	Planned               apiDays              `json:"planned"`
	Remaining             apiDays              `json:"remaining"`
	RemainingAfterPlanned apiDays              `json:"remaining_after_planned"`
	Lines                 []apiLine            `json:"lines"`
	Steps                 []apiStep            `json:"steps"`
}

func newAPIAccount(acc absence.LeaveAccount) apiLeaveAccount {
	out := apiLeaveAccount{UserID: acc.UserID, UserName: acc.UserName, Year: acc.Year, DaysPerWeek: acc.DaysPerWeek,
		Entitlement: newAPIDays(acc.Entitlement.Days), StatutoryMinimum: newAPIDays(acc.Entitlement.StatutoryDays),
		CarryOver: newAPIDays(acc.CarryOver), CarryOverExpires: acc.CarryOverExpires.String(), CarryOverExpired: newAPIDays(acc.CarryOverExpired),
		Adjustments: []apiLeaveAdjustment{}, AdjustmentDays: newAPIDays(acc.AdjustmentDays), Taken: newAPIDays(acc.Taken),
		Planned: newAPIDays(acc.Planned), Remaining: newAPIDays(acc.Remaining), RemainingAfterPlanned: newAPIDays(acc.RemainingAfterPlanned),
		Lines: []apiLine{}, Steps: []apiStep{}}
	if acc.Contract != nil {
		c := newAPIContract(*acc.Contract)
		out.Contract = &c
	}
	for _, x := range acc.Adjustments {
		out.Adjustments = append(out.Adjustments, newAPIAdjustment(x))
	}
	for _, l := range acc.Lines {
		line := apiLine{Code: l.Code, Explanation: l.Text, Total: l.Total}
		if d := optDays(l.Days); d != nil {
			line.Days, line.DaysFraction = &d.Days, &d.DaysFraction
		}
		out.Lines = append(out.Lines, line)
	}
	for _, st := range acc.Entitlement.Steps {
		step := apiStep{Rule: st.Rule, Code: st.Code, Text: st.Text, Figures: st.Figures}
		if d := optDays(st.Days); d != nil {
			step.Days, step.DaysFraction = &d.Days, &d.DaysFraction
		}
		out.Steps = append(out.Steps, step)
	}
	return out
}

// accountYear reads ?year (default: the current year), 1995 to 2200.
func (h *Handler) accountYear(r *http.Request) (int, error) {
	s := strings.TrimSpace(r.URL.Query().Get("year"))
	if s == "" {
		return h.svc.Today().Year, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < entitlement.MinYear || n > entitlement.MaxYear {
		return 0, web.InvalidFilter("year", fmt.Sprintf("year must be between %d and %d", entitlement.MinYear, entitlement.MaxYear))
	}
	return n, nil
}

func (h *Handler) apiLeaveAccount(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	year, err := h.accountYear(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	acc, err := h.svc.LeaveAccount(r.Context(), web.Actor(r), id, year)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIAccount(acc))
}

type apiContractBody struct {
	AnnualDays      int    `json:"annual_days"`
	EmploymentStart string `json:"employment_start"`
	EmploymentEnd   string `json:"employment_end"`
	FirstYear       int    `json:"first_year"`
}

func contractInput(annual int, start, end string, first int) (absence.LeaveContractInput, error) {
	in := absence.LeaveContractInput{AnnualDays: annual, FirstYear: first}
	var err error
	if in.EmploymentStart, err = parseDate(start, "employment_start"); err != nil {
		return in, err
	}
	in.EmploymentEnd, err = parseDate(end, "employment_end")
	return in, err
}

func (h *Handler) apiSetContract(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req apiContractBody
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	in, err := contractInput(req.AnnualDays, req.EmploymentStart, req.EmploymentEnd, req.FirstYear)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	c, err := h.svc.SetLeaveContract(r.Context(), web.Actor(r), id, in)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIContract(c))
}

type apiAdjustmentBody struct {
	Year   int         `json:"year"`
	Days   json.Number `json:"days"`
	Reason string      `json:"reason"`
}

func (h *Handler) apiAddAdjustment(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req apiAdjustmentBody
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	x, err := h.svc.AddLeaveAdjustment(r.Context(), web.Actor(r), id, absence.NewLeaveAdjustment{Year: req.Year, Days: string(req.Days), Reason: req.Reason})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, newAPIAdjustment(x))
}

// --- /absences/account ------------------------------------------------

type accountLineRow struct {
	Code, Label, Days, Explanation string
	Total                          bool
}

type accountStepRow struct {
	Rule, Code, Label, Days string
}

type contractForm struct {
	AnnualDays, EmploymentStart, EmploymentEnd, FirstYear string
}

type adjustmentForm struct {
	Days, Reason string
}

type accountPage struct {
	web.Page
	UserID             int64
	Year               int
	Person             string
	People             []option
	Lines              []accountLineRow
	Steps              []accountStepRow
	NoContract         bool
	CanManage          bool
	Contract           contractForm
	Adjustment         adjustmentForm
	PrevURL, PrevLabel string
	NextURL, NextLabel string
}

func (h *Handler) accountPage(w http.ResponseWriter, r *http.Request) {
	h.renderAccount(w, r, http.StatusOK, nil)
}

// accountTarget reads user_id (default: the actor) and year of the page,
// from the query or the posted form.
func (h *Handler) accountTarget(r *http.Request) (int64, int, error) {
	a := web.Actor(r)
	userID := a.UserID
	s := r.URL.Query().Get("user_id")
	if r.Method == http.MethodPost {
		s = r.PostFormValue("user_id")
	}
	if s = strings.TrimSpace(s); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, web.InvalidFilter("user_id", "user_id must be a user id")
		}
		userID = n
	}
	year := h.svc.Today().Year
	ys := r.URL.Query().Get("year")
	if r.Method == http.MethodPost {
		ys = r.PostFormValue("year")
	}
	if ys = strings.TrimSpace(ys); ys != "" {
		n, err := strconv.Atoi(ys)
		if err != nil || n < entitlement.MinYear || n > entitlement.MaxYear {
			return 0, 0, web.InvalidFilter("year", fmt.Sprintf("year must be between %d and %d", entitlement.MinYear, entitlement.MaxYear))
		}
		year = n
	}
	return userID, year, nil
}

func accountURL(userID int64, year int) string {
	v := url.Values{"user_id": {strconv.FormatInt(userID, 10)}, "year": {strconv.Itoa(year)}}
	return "/absences/account?" + v.Encode()
}

// amount formats days for the page: "2,5" in German, "-1" for a debit.
func amount(p web.Page, d *big.Rat) string {
	s := absence.Decimal(d)
	if p.L.Lang == "de" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

// lineArgs formats the figures of an account line for its catalogue text.
func lineArgs(p web.Page, args []any) []any {
	out := make([]any, len(args))
	for i, v := range args {
		switch x := v.(type) {
		case civil.Date:
			out[i] = dateText(x)
		case *big.Rat:
			out[i] = amount(p, x)
		case int:
			out[i] = strconv.Itoa(x)
		default:
			out[i] = fmt.Sprint(x)
		}
	}
	return out
}

// renderAccount shows the account; after a refused HR form it shows the
// error at the form and keeps the input.
func (h *Handler) renderAccount(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	userID, year, err := h.accountTarget(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	ctx, a := r.Context(), web.Actor(r)
	acc, err := h.svc.LeaveAccount(ctx, a, userID, year)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := accountPage{Page: h.srv.NewPage(r, ""), UserID: userID, Year: year, Person: acc.UserName,
		NoContract: acc.Contract == nil, CanManage: acc.CanManage}
	p.Title = p.L.T("absence.account_title", acc.UserName, year)
	people, err := h.svc.LeaveAccountPeople(ctx, a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if len(people) > 1 {
		for _, x := range people {
			p.People = append(p.People, option{Value: strconv.FormatInt(x.ID, 10), Label: x.Name, Selected: x.ID == userID})
		}
	}
	for _, l := range acc.Lines {
		row := accountLineRow{Code: l.Code, Label: p.L.T("absence.line_" + l.Code), Total: l.Total,
			Explanation: p.L.T("absence.line_"+l.Code+"_text", lineArgs(p.Page, l.Args)...)}
		if l.Days != nil {
			row.Days = amount(p.Page, l.Days)
		}
		p.Lines = append(p.Lines, row)
	}
	for _, st := range acc.Entitlement.Steps {
		rule := st.Rule
		if rest, ok := strings.CutPrefix(rule, "contract"); ok {
			rule = p.L.T("absence.account_rule_contract") + rest
		}
		row := accountStepRow{Rule: rule, Code: st.Code, Label: p.L.T("absence.step_" + st.Code)}
		if st.Days != nil {
			row.Days = amount(p.Page, st.Days)
		}
		p.Steps = append(p.Steps, row)
	}
	if c := acc.Contract; c != nil {
		p.Contract = contractForm{AnnualDays: strconv.Itoa(c.AnnualDays), FirstYear: strconv.Itoa(c.FirstYear)}
		if !c.EmploymentStart.IsZero() {
			p.Contract.EmploymentStart = c.EmploymentStart.String()
		}
		if !c.EmploymentEnd.IsZero() {
			p.Contract.EmploymentEnd = c.EmploymentEnd.String()
		}
	}
	if formErr != nil {
		p.SetError(formErr)
		if r.URL.Path == "/absences/account/contract" {
			p.Contract = contractForm{AnnualDays: r.PostFormValue("annual_days"), EmploymentStart: r.PostFormValue("employment_start"),
				EmploymentEnd: r.PostFormValue("employment_end"), FirstYear: r.PostFormValue("first_year")}
		} else {
			p.Adjustment = adjustmentForm{Days: r.PostFormValue("days"), Reason: r.PostFormValue("reason")}
		}
	}
	p.PrevURL, p.PrevLabel = accountURL(userID, year-1), strconv.Itoa(year-1)
	p.NextURL, p.NextLabel = accountURL(userID, year+1), strconv.Itoa(year+1)
	h.srv.Render(w, r, status, "absence_account.html", p)
}

// formInt reads a whole number of a form; empty is def.
func formInt(r *http.Request, name string, def int, code string) (int, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, apperr.Invalidf(code, "%s must be a whole number", name).WithField(name, code)
	}
	return n, nil
}

func (h *Handler) uiSetContract(w http.ResponseWriter, r *http.Request) {
	render := func(status int, err error) { h.renderAccount(w, r, status, err) }
	userID, year, err := h.accountTarget(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	annual, err := formInt(r, "annual_days", -1, "invalid_annual_days")
	if err == nil && annual < 0 {
		err = apperr.Invalidf("invalid_annual_days", "annual days are required").WithField("annual_days", "invalid_annual_days")
	}
	var first int
	if err == nil {
		first, err = formInt(r, "first_year", 0, "invalid_leave_year")
		if err != nil {
			err = apperr.Invalidf("invalid_leave_year", "first year must be a year").WithField("first_year", "invalid_leave_year")
		}
	}
	var in absence.LeaveContractInput
	if err == nil {
		in, err = contractInput(annual, r.PostFormValue("employment_start"), r.PostFormValue("employment_end"), first)
	}
	if err == nil {
		_, err = h.svc.SetLeaveContract(r.Context(), web.Actor(r), userID, in)
	}
	h.formDone(w, r, err, accountURL(userID, year), "leave_contract_set", render)
}

func (h *Handler) uiAddAdjustment(w http.ResponseWriter, r *http.Request) {
	render := func(status int, err error) { h.renderAccount(w, r, status, err) }
	userID, year, err := h.accountTarget(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	_, err = h.svc.AddLeaveAdjustment(r.Context(), web.Actor(r), userID,
		absence.NewLeaveAdjustment{Year: year, Days: r.PostFormValue("days"), Reason: r.PostFormValue("reason")})
	h.formDone(w, r, err, accountURL(userID, year), "leave_adjustment_added", render)
}
