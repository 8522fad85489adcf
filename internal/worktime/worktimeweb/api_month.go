package worktimeweb

import (
	"net/http"
	"strconv"
	"time"

	"ortlos/internal/civil"
	"ortlos/internal/web"
	"ortlos/internal/worktime"
	"ortlos/internal/worktime/arbzg"
)

// registerMonthAPI adds the month views: the caller's and, for the
// person's lead, HR and administrators, anyone's.
func (h *Handler) registerMonthAPI() {
	h.srv.API("GET", "/worktime/month", "getMyWorktimeMonth", web.Full, h.apiMonth)
	h.srv.API("GET", "/users/{id}/worktime/month", "getUserWorktimeMonth", web.Full, h.apiUserMonth)
}

// apiMonthFinding is the short form of a finding in a day of the month.
type apiMonthFinding struct {
	Code     arbzg.Code     `json:"code"`
	Severity arbzg.Severity `json:"severity"`
}

// apiHoliday is a statutory holiday on a day.
type apiHoliday struct {
	Name  string `json:"name"`
	Scope string `json:"scope"`
}

// apiMonthDay is one calendar day; Weekday runs 1 (Monday) to 7 (Sunday)
// as in ISO 8601. BalanceMinutes is null for days after today.
type apiMonthDay struct {
	Date           civil.Date        `json:"date"`
	Weekday        int               `json:"weekday"`
	TargetMinutes  int               `json:"target_minutes"`
	WorkedMinutes  int               `json:"worked_minutes"`
	BreakMinutes   int               `json:"break_minutes"`
	BalanceMinutes *int              `json:"balance_minutes"`
	Holiday        *apiHoliday       `json:"holiday"`
	Findings       []apiMonthFinding `json:"findings"`
	Warnings       []apiWarning      `json:"warnings"`
	Absence        *apiDayAbsence    `json:"absence"`
	CreditMinutes  int               `json:"credit_minutes"`
	Running        bool              `json:"running"`
}

// apiDayAbsence is an approved absence on a day; names of the types come
// from listAbsenceTypes.
type apiDayAbsence struct {
	Type    string `json:"type"`
	HalfDay bool   `json:"half_day"`
}

// apiWarning is a hint outside the ArbZG, e.g. core hours not covered.
type apiWarning struct {
	Code    string `json:"code"`
	Minutes int    `json:"minutes"`
}

// apiMonthStatus is the sign-off state of a month.
type apiMonthStatus struct {
	Month            string     `json:"month"`
	Signed           bool       `json:"signed"`
	Closed           bool       `json:"closed"`
	EmployeeSignedAt *time.Time `json:"employee_signed_at"`
	LeadSignedAt     *time.Time `json:"lead_signed_at"`
}

func newAPIMonthStatus(st worktime.MonthStatus) apiMonthStatus {
	return apiMonthStatus{Month: st.Month.String(), Signed: st.Signed(), Closed: st.Closed(),
		EmployeeSignedAt: st.EmployeeSignedAt, LeadSignedAt: st.LeadSignedAt}
}

// apiFlexitime is the flexitime account in a month.
type apiFlexitime struct {
	Active           bool   `json:"active"`
	Start            string `json:"start,omitempty"`
	OpeningMinutes   int    `json:"opening_minutes"`
	BalanceMinutes   int    `json:"balance_minutes"`
	ForfeitedMinutes int    `json:"forfeited_minutes"`
	ClosingMinutes   int    `json:"closing_minutes"`
	Closed           bool   `json:"closed"`
	BelowMinimum     bool   `json:"below_minimum"`
}

func newAPIFlexitime(f worktime.Flexitime) apiFlexitime {
	out := apiFlexitime{Active: f.Active, OpeningMinutes: f.OpeningMinutes, BalanceMinutes: f.BalanceMinutes,
		ForfeitedMinutes: f.ForfeitedMinutes, ClosingMinutes: f.ClosingMinutes, Closed: f.Closed, BelowMinimum: f.BelowMinimum}
	if f.Active {
		out.Start = f.Start.String()
	}
	return out
}

type apiMonthTotals struct {
	TargetMinutes       int `json:"target_minutes"`
	TargetToDateMinutes int `json:"target_to_date_minutes"`
	WorkedMinutes       int `json:"worked_minutes"`
	BreakMinutes        int `json:"break_minutes"`
	CreditMinutes       int `json:"credit_minutes"`
	BalanceMinutes      int `json:"balance_minutes"`
}

// apiMonth is the answer of getMyWorktimeMonth; Findings are marshalled by
// arbzg, the same JSON as "ortlos worktime check" prints.
type apiMonth struct {
	UserID    int64           `json:"user_id"`
	Year      int             `json:"year"`
	Month     int             `json:"month"`
	Running   bool            `json:"running"`
	Days      []apiMonthDay   `json:"days"`
	Totals    apiMonthTotals  `json:"totals"`
	Findings  []arbzg.Finding `json:"findings"`
	Status    apiMonthStatus  `json:"status"`
	Flexitime apiFlexitime    `json:"flexitime"`
}

func newAPIMonth(v worktime.MonthView) apiMonth {
	out := apiMonth{Year: v.Year, Month: int(v.Month), Running: v.Running, Days: make([]apiMonthDay, 0, len(v.Days)),
		Totals: apiMonthTotals{TargetMinutes: v.Totals.TargetMinutes, TargetToDateMinutes: v.Totals.TargetToDateMinutes,
			WorkedMinutes: v.Totals.WorkedMinutes, BreakMinutes: v.Totals.BreakMinutes, CreditMinutes: v.Totals.CreditMinutes,
			BalanceMinutes: v.Totals.BalanceMinutes},
		Findings: v.Findings, UserID: v.UserID, Status: newAPIMonthStatus(v.Status), Flexitime: newAPIFlexitime(v.Flexitime)}
	for _, d := range v.Days {
		day := apiMonthDay{Date: d.Date, Weekday: (int(d.Date.Weekday())+6)%7 + 1, TargetMinutes: d.TargetMinutes,
			WorkedMinutes: d.WorkedMinutes, BreakMinutes: d.BreakMinutes, Findings: make([]apiMonthFinding, 0, len(d.Findings)), Running: d.Running,
			Warnings: make([]apiWarning, 0, len(d.Warnings)), CreditMinutes: d.CreditMinutes}
		if a := d.Absence; a != nil {
			day.Absence = &apiDayAbsence{Type: a.TypeID, HalfDay: a.Half}
		}
		for _, w := range d.Warnings {
			day.Warnings = append(day.Warnings, apiWarning{Code: w.Code, Minutes: w.Minutes})
		}
		if d.Counted {
			b := d.BalanceMinutes
			day.BalanceMinutes = &b
		}
		if d.HolidayName != "" {
			day.Holiday = &apiHoliday{Name: d.HolidayName, Scope: string(d.HolidayScope)}
		}
		for _, f := range d.Findings {
			day.Findings = append(day.Findings, apiMonthFinding{Code: f.Code, Severity: f.Severity})
		}
		out.Days = append(out.Days, day)
	}
	if out.Findings == nil {
		out.Findings = []arbzg.Finding{}
	}
	return out
}

// monthParams reads year and month from the query; each defaults to the
// current one in the organisation's zone. Anything else than a year of
// four digits or a month 1 to 12 is invalid_filter.
func (h *Handler) monthParams(r *http.Request) (int, time.Month, error) {
	today := h.svc.Today()
	year, month := today.Year, today.Month
	q := r.URL.Query()
	if s := q.Get("year"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1000 || n > 9999 {
			return 0, 0, web.InvalidFilter("year", "year must be a year such as 2026")
		}
		year = n
	}
	if s := q.Get("month"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 12 {
			return 0, 0, web.InvalidFilter("month", "month must be 1 to 12")
		}
		month = time.Month(n)
	}
	return year, month, nil
}

// month loads the month view of userID (0: the caller) for the request.
func (h *Handler) month(r *http.Request, userID int64) (worktime.MonthView, error) {
	year, month, err := h.monthParams(r)
	if err != nil {
		return worktime.MonthView{}, err
	}
	a := web.Actor(r)
	if userID == 0 {
		userID = a.UserID
	}
	return h.svc.Month(r.Context(), a, userID, "", year, month)
}

func (h *Handler) apiMonth(w http.ResponseWriter, r *http.Request) {
	v, err := h.month(r, 0)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIMonth(v))
}

func (h *Handler) apiUserMonth(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	v, err := h.month(r, id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIMonth(v))
}
