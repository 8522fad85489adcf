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

// registerMonthAPI adds the caller's month view.
func (h *Handler) registerMonthAPI() {
	h.srv.API("GET", "/worktime/month", "getMyWorktimeMonth", web.Full, h.apiMonth)
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
	Running        bool              `json:"running"`
}

type apiMonthTotals struct {
	TargetMinutes       int `json:"target_minutes"`
	TargetToDateMinutes int `json:"target_to_date_minutes"`
	WorkedMinutes       int `json:"worked_minutes"`
	BreakMinutes        int `json:"break_minutes"`
	BalanceMinutes      int `json:"balance_minutes"`
}

// apiMonth is the answer of getMyWorktimeMonth; Findings are marshalled by
// arbzg, the same JSON as "ortlos worktime check" prints.
type apiMonth struct {
	Year     int             `json:"year"`
	Month    int             `json:"month"`
	Running  bool            `json:"running"`
	Days     []apiMonthDay   `json:"days"`
	Totals   apiMonthTotals  `json:"totals"`
	Findings []arbzg.Finding `json:"findings"`
}

func newAPIMonth(v worktime.MonthView) apiMonth {
	out := apiMonth{Year: v.Year, Month: int(v.Month), Running: v.Running, Days: make([]apiMonthDay, 0, len(v.Days)),
		Totals: apiMonthTotals{TargetMinutes: v.Totals.TargetMinutes, TargetToDateMinutes: v.Totals.TargetToDateMinutes,
			WorkedMinutes: v.Totals.WorkedMinutes, BreakMinutes: v.Totals.BreakMinutes, BalanceMinutes: v.Totals.BalanceMinutes},
		Findings: v.Findings}
	for _, d := range v.Days {
		day := apiMonthDay{Date: d.Date, Weekday: (int(d.Date.Weekday())+6)%7 + 1, TargetMinutes: d.TargetMinutes,
			WorkedMinutes: d.WorkedMinutes, BreakMinutes: d.BreakMinutes, Findings: make([]apiMonthFinding, 0, len(d.Findings)), Running: d.Running}
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

// month loads the caller's month view for the request.
func (h *Handler) month(r *http.Request) (worktime.MonthView, error) {
	year, month, err := h.monthParams(r)
	if err != nil {
		return worktime.MonthView{}, err
	}
	state := ""
	if au := web.AuthFrom(r.Context()); au != nil {
		state = au.User.State
	}
	a := web.Actor(r)
	return h.svc.Month(r.Context(), a, a.UserID, state, year, month)
}

func (h *Handler) apiMonth(w http.ResponseWriter, r *http.Request) {
	v, err := h.month(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIMonth(v))
}
