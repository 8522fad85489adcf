package worktimeweb

import (
	"fmt"
	"net/http"
	"time"

	"ortlos/internal/civil"
	"ortlos/internal/web"
)

// registerMonthUI adds the caller's month view (read-only).
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
	Findings []monthFindingText
	Running  bool
	Weekend  bool
}

type monthFindingText struct {
	Code, Severity, Text string
}

type monthPage struct {
	web.Page
	Heading      string
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

func monthURL(year int, month time.Month) string {
	return fmt.Sprintf("/worktime/month?year=%d&month=%d", year, int(month))
}

func (h *Handler) monthPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.month(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := monthPage{Page: h.srv.NewPage(r, "")}
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
		for _, f := range d.Findings {
			row.Findings = append(row.Findings, monthFindingText{Code: string(f.Code), Severity: string(f.Severity), Text: p.L.T("finding." + string(f.Code))})
		}
		p.Days = append(p.Days, row)
	}
	t := v.Totals
	p.Target, p.TargetToDate, p.Worked, p.Break, p.Balance = hoursMinutes(t.TargetMinutes), hoursMinutes(t.TargetToDateMinutes),
		hoursMinutes(t.WorkedMinutes), hoursMinutes(t.BreakMinutes), signedHoursMinutes(t.BalanceMinutes)
	p.Running = v.Running
	prev := civil.D(v.Year, v.Month-1, 1)
	next := civil.D(v.Year, v.Month+1, 1)
	p.PrevURL, p.PrevLabel = monthURL(prev.Year, prev.Month), fmt.Sprintf("%s %d", monthName(prev.Month), prev.Year)
	p.NextURL, p.NextLabel = monthURL(next.Year, next.Month), fmt.Sprintf("%s %d", monthName(next.Month), next.Year)
	h.srv.Render(w, r, http.StatusOK, "worktime_month.html", p)
}
