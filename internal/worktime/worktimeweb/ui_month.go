package worktimeweb

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/web"
	"ortlos/internal/worktime"
)

// registerMonthUI adds the month view: the caller's own, or with
// ?user_id= that of a person the caller leads (HR and administrators: of
// anyone), with the sign-off forms.
func (h *Handler) registerMonthUI() {
	h.srv.UI("GET /worktime/month", web.Full, h.monthPage)
}

type monthDayRow struct {
	Date     string
	Weekday  string
	Target   string
	Worked   string
	Break    string
	Balance  string // empty for days after today
	Holiday  string
	Absence  string // name of an approved absence, "(½)" for half a day
	Findings []monthFindingText
	Warnings []string
	Running  bool
	Weekend  bool
}

type monthFindingText struct {
	Code, Severity, Text string
}

type monthPage struct {
	web.Page
	Heading      string
	Person       string // display name when viewing someone else's month
	UserID       int64  // 0 for the own month
	Year         int
	Month        int
	Days         []monthDayRow
	Target       string
	TargetToDate string
	Worked       string
	Break        string
	Balance      string
	Running      bool
	PrevURL      string
	PrevLabel    string
	NextURL      string
	NextLabel    string

	// Flexitime account.
	FlexActive    bool
	FlexOpening   string
	FlexBalance   string
	FlexForfeited string
	FlexClosing   string
	FlexClosed    bool
	FlexBelowMin  bool

	// Sign-off.
	StatusText     string
	CanSign        bool
	CanCountersign bool
	CanReopen      bool
	EntriesURL     string
	TimesheetURL   string
}

// signedHoursMinutes formats a balance as "+1:05", "-0:30" or "0:00".
func signedHoursMinutes(m int) string {
	switch {
	case m > 0:
		return "+" + hoursMinutes(m)
	case m < 0:
		return "−" + hoursMinutes(-m)
	}
	return "0:00"
}

func (h *Handler) monthPage(w http.ResponseWriter, r *http.Request) {
	var userID int64
	if s := r.URL.Query().Get("user_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			h.srv.Error(w, r, web.InvalidFilter("user_id", "user_id must be a user id"))
			return
		}
		userID = n
	}
	year, month, err := h.monthParams(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.renderMonth(w, r, userID, worktime.YearMonth{Year: year, Month: month}, nil)
}

// renderMonth shows the month page of userID (0: the caller), with the
// error of a refused sign-off action when formErr is set.
func (h *Handler) renderMonth(w http.ResponseWriter, r *http.Request, userID int64, ym worktime.YearMonth, formErr error) {
	a := web.Actor(r)
	if userID == a.UserID {
		userID = 0
	}
	owner := userID
	if owner == 0 {
		owner = a.UserID
	}
	v, err := h.svc.Month(r.Context(), a, owner, "", ym.Year, ym.Month)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := monthPage{Page: h.srv.NewPage(r, ""), UserID: userID, Year: v.Year, Month: int(v.Month)}
	if formErr != nil {
		p.SetError(formErr)
	}
	if userID != 0 {
		if p.Person, err = h.svc.DisplayName(r.Context(), userID); err != nil {
			h.srv.Error(w, r, err)
			return
		}
	}
	monthName := func(m time.Month) string { return p.L.T(fmt.Sprintf("worktime.month_%d", int(m))) }
	p.Title = p.L.T("worktime.month_title")
	p.Heading = fmt.Sprintf("%s %d", monthName(v.Month), v.Year)
	day := func(d civil.Date) string { return p.L.Date(d.Start(time.UTC), time.UTC) }
	for _, d := range v.Days {
		row := monthDayRow{Date: day(d.Date), Weekday: p.L.T(fmt.Sprintf("worktime.weekday_%d", int(d.Date.Weekday()))),
			Target: hoursMinutes(d.TargetMinutes), Worked: hoursMinutes(d.WorkedMinutes), Break: hoursMinutes(d.BreakMinutes),
			Holiday: d.HolidayName, Running: d.Running,
			Weekend: d.Date.Weekday() == time.Saturday || d.Date.Weekday() == time.Sunday}
		if d.Counted {
			row.Balance = signedHoursMinutes(d.BalanceMinutes)
		}
		if a := d.Absence; a != nil {
			row.Absence = a.NameDE
			if p.L.Lang == "en" {
				row.Absence = a.NameEN
			}
			if a.Half {
				row.Absence += " (½)"
			}
		}
		for _, f := range d.Findings {
			row.Findings = append(row.Findings, monthFindingText{Code: string(f.Code), Severity: string(f.Severity), Text: p.L.T("finding." + string(f.Code))})
		}
		for _, wn := range d.Warnings {
			row.Warnings = append(row.Warnings, p.L.T("worktime.warning."+wn.Code, wn.Minutes))
		}
		p.Days = append(p.Days, row)
	}
	t := v.Totals
	p.Target, p.TargetToDate, p.Worked, p.Break, p.Balance = hoursMinutes(t.TargetMinutes), hoursMinutes(t.TargetToDateMinutes),
		hoursMinutes(t.WorkedMinutes), hoursMinutes(t.BreakMinutes), signedHoursMinutes(t.BalanceMinutes)
	p.Running = v.Running

	if f := v.Flexitime; f.Active {
		p.FlexActive, p.FlexClosed, p.FlexBelowMin = true, f.Closed, f.BelowMinimum
		p.FlexOpening, p.FlexBalance, p.FlexClosing = signedHoursMinutes(f.OpeningMinutes), signedHoursMinutes(f.BalanceMinutes), signedHoursMinutes(f.ClosingMinutes)
		if f.ForfeitedMinutes > 0 {
			p.FlexForfeited = hoursMinutes(f.ForfeitedMinutes)
		}
	}

	st := v.Status
	switch {
	case st.Closed():
		p.StatusText = p.L.T("worktime.signoff_closed", p.L.Date(*st.EmployeeSignedAt, p.Loc), p.L.Date(*st.LeadSignedAt, p.Loc))
	case st.Signed():
		p.StatusText = p.L.T("worktime.signoff_signed", p.L.Date(*st.EmployeeSignedAt, p.Loc))
	default:
		p.StatusText = p.L.T("worktime.signoff_open")
	}
	over := ym.Last().Before(h.svc.Today())
	if userID == 0 {
		p.CanSign = over && !st.Signed() && !v.Running
	} else {
		may, err := h.svc.MayCountersign(r.Context(), a, userID)
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		p.CanCountersign = may && st.Signed() && !st.Closed()
		p.CanReopen = may && st.Signed() && (!st.Closed() || a.IsAdmin() || a.Has(actor.RoleHR))
	}
	q := fmt.Sprintf("year=%d&month=%d", v.Year, int(v.Month))
	if userID != 0 {
		q += fmt.Sprintf("&user_id=%d", userID)
	}
	p.EntriesURL = "/worktime/entries?" + q
	p.TimesheetURL = "/worktime/timesheet?" + q
	prev, next := ym.Prev(), ym.Next()
	p.PrevURL, p.PrevLabel = monthPageURL(userID, prev.Year, prev.Month), fmt.Sprintf("%s %d", monthName(prev.Month), prev.Year)
	p.NextURL, p.NextLabel = monthPageURL(userID, next.Year, next.Month), fmt.Sprintf("%s %d", monthName(next.Month), next.Year)
	status := http.StatusOK
	if formErr != nil {
		status = web.StatusOf(formErr)
	}
	h.srv.Render(w, r, status, "worktime_month.html", p)
}
