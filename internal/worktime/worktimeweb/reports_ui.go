package worktimeweb

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/i18n"
	"ortlos/internal/web"
	"ortlos/internal/worktime"
	"ortlos/internal/worktime/arbzg"
)

// reportHM formats minutes as "7:48".
func reportHM(m int) string {
	if m < 0 {
		return "−" + reportHM(-m)
	}
	return fmt.Sprintf("%d:%02d", m/60, m%60)
}

// reportSignedHM formats a balance as "+1:05", "−0:30" or "0:00".
func reportSignedHM(m int) string {
	if m > 0 {
		return "+" + reportHM(m)
	}
	return reportHM(m)
}

func monthLabel(l i18n.Localizer, year int, month time.Month) string {
	return fmt.Sprintf("%s %d", l.T(fmt.Sprintf("worktime.month_%d", int(month))), year)
}

func dayLabel(l i18n.Localizer, d civil.Date) string {
	return l.T(fmt.Sprintf("worktime.weekday_%d", int(d.Weekday()))) + ", " + l.Date(d.Start(time.UTC), time.UTC)
}

type reportFinding struct {
	Code, Severity, Date, Text string
}

func findingTexts(l i18n.Localizer, fs []arbzg.Finding, withDate bool) []reportFinding {
	out := make([]reportFinding, 0, len(fs))
	for _, f := range fs {
		rf := reportFinding{Code: string(f.Code), Severity: string(f.Severity), Text: l.T("finding." + string(f.Code))}
		if withDate && !f.Date.IsZero() {
			rf.Date = l.Date(f.Date.Start(time.UTC), time.UTC)
		}
		out = append(out, rf)
	}
	return out
}

type reportRow struct {
	Name, Username, OrgUnit, TimesheetURL string
	Target, Worked, Balance               string
	Counts                                worktime.SeverityCounts
	Findings                              []reportFinding
}

// reportOption is an option of a select.
type reportOption struct {
	Value, Label string
	Selected     bool
}

type complianceReportPage struct {
	web.Page
	Units    []reportOption
	Months   []reportOption
	Year     string
	Deep     bool
	Heading  string
	Rows     []reportRow
	Counts   worktime.SeverityCounts
	CSVURL   string
	Subtitle string
}

func (h *Handler) complianceReportPage(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), web.Actor(r)
	units, err := h.svc.ReportOrgUnits(ctx, a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	err = uiReportYearGiven(r)
	var rep worktime.MonthReport
	if err == nil {
		rep, err = h.complianceReport(r)
	}
	if err != nil {
		if !reportFormError(err, "org_unit_id", "month", "year", "include_subunits") {
			h.srv.Error(w, r, err)
			return
		}
		// A refused filter shows the form as it was sent, with the
		// message at its field, and no report.
		q := r.URL.Query()
		p := complianceReportPage{Page: h.srv.NewPage(r, ""), Year: q.Get("year"), Deep: reportDeepParam(q.Get("include_subunits"))}
		p.Title = p.L.T("report.title")
		p.SetError(err)
		p.Units = reportUnitOptions(p.L, units, q.Get("org_unit_id"))
		p.Months = reportMonthOptions(p.L, q.Get("month"))
		h.srv.Render(w, r, http.StatusUnprocessableEntity, "worktime_report.html", p)
		return
	}
	p := complianceReportPage{Page: h.srv.NewPage(r, ""), Year: strconv.Itoa(rep.Year), Deep: rep.IncludeSubunits, Counts: rep.Counts}
	p.Title = p.L.T("report.title")
	p.Units = reportUnitOptions(p.L, units, unitParam(rep.OrgUnitID))
	p.Months = reportMonthOptions(p.L, strconv.Itoa(int(rep.Month)))
	unitName := rep.OrgUnitName
	if rep.OrgUnitID == 0 {
		unitName = p.L.T("report.whole_organisation")
	} else if rep.IncludeSubunits {
		unitName = p.L.T("report.with_subunits", unitName)
	}
	p.Heading = monthLabel(p.L, rep.Year, rep.Month)
	p.Subtitle = unitName
	for _, pm := range rep.People {
		t := pm.Totals
		p.Rows = append(p.Rows, reportRow{Name: pm.Person.DisplayName, Username: pm.Person.Username, OrgUnit: pm.Person.OrgUnitName,
			TimesheetURL: timesheetURL(pm.Person.ID, rep.Year, rep.Month),
			Target:       reportHM(t.TargetMinutes), Worked: reportHM(t.WorkedMinutes), Balance: reportSignedHM(t.BalanceMinutes),
			Counts: pm.Counts, Findings: findingTexts(p.L, pm.Findings, true)})
	}
	q := url.Values{"year": {strconv.Itoa(rep.Year)}, "month": {strconv.Itoa(int(rep.Month))}}
	if rep.OrgUnitID != 0 {
		q.Set("org_unit_id", strconv.FormatInt(rep.OrgUnitID, 10))
	}
	if rep.IncludeSubunits {
		q.Set("include_subunits", "true")
	}
	p.CSVURL = "/worktime/reports/payroll.csv?" + q.Encode()
	h.srv.Render(w, r, http.StatusOK, "worktime_report.html", p)
}

// uiReportYearGiven refuses an emptied year field of a report form: the
// form marks the year required (the API takes a missing year as the
// current one).
func uiReportYearGiven(r *http.Request) error {
	if q := r.URL.Query(); q.Has("year") && strings.TrimSpace(q.Get("year")) == "" {
		return apperr.Invalidf("invalid_filter", "year is required").WithField("year", "required")
	}
	return nil
}

// reportFormError reports whether err refuses one of the fields of a
// report form, to be shown at that field.
func reportFormError(err error, fields ...string) bool {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid {
		return false
	}
	for f := range e.Fields {
		if slices.Contains(fields, f) {
			return true
		}
	}
	return false
}

// unitParam is the org_unit_id parameter of a report's unit (0: none).
func unitParam(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// reportDeepParam reads include_subunits as reportParams does, for
// showing a refused form again.
func reportDeepParam(s string) bool {
	switch strings.ToLower(s) {
	case "true", "1", "on":
		return true
	}
	return false
}

// reportUnitOptions are the org units of a report form, selected is the
// chosen id as sent ("": the whole organisation).
func reportUnitOptions(l i18n.Localizer, units []worktime.ReportOrgUnit, selected string) []reportOption {
	out := []reportOption{{Value: "", Label: l.T("report.whole_organisation"), Selected: selected == "" || selected == "0"}}
	for _, u := range units {
		id := strconv.FormatInt(u.ID, 10)
		out = append(out, reportOption{Value: id, Label: strings.Repeat("\u00a0\u00a0", u.Depth) + u.Name, Selected: id == selected})
	}
	return out
}

// reportMonthOptions are the months of the report form, selected is the
// chosen month as sent ("4").
func reportMonthOptions(l i18n.Localizer, selected string) []reportOption {
	out := make([]reportOption, 0, 12)
	for m := time.January; m <= time.December; m++ {
		v := strconv.Itoa(int(m))
		out = append(out, reportOption{Value: v, Label: l.T(fmt.Sprintf("worktime.month_%d", int(m))), Selected: v == selected})
	}
	return out
}

func timesheetURL(userID int64, year int, month time.Month) string {
	return fmt.Sprintf("/worktime/timesheet?user_id=%d&year=%d&month=%d", userID, year, int(month))
}

type timesheetRow struct {
	Date, Start, End, Break, Worked, Target, Balance, Holiday string
	EndNextDay, Weekend, Running                              bool
	Findings                                                  []reportFinding
}

type timesheetPage struct {
	web.Page
	Heading                                string
	Person                                 worktime.ReportPerson
	Rows                                   []timesheetRow
	Target, TargetToDate, Worked, Break    string
	Balance                                string
	Counts                                 worktime.SeverityCounts
	PrevURL, PrevLabel, NextURL, NextLabel string
	Printed                                string
}

func (h *Handler) timesheetPage(w http.ResponseWriter, r *http.Request) {
	a := web.Actor(r)
	userID := a.UserID
	if s := r.URL.Query().Get("user_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			h.srv.Error(w, r, web.InvalidFilter("user_id", "user_id must be the id of a person"))
			return
		}
		userID = n
	}
	year, month, err := h.monthParams(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	ts, err := h.svc.Timesheet(r.Context(), a, userID, year, month)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	loc := h.svc.Location()
	p := timesheetPage{Page: h.srv.NewPage(r, ""), Person: ts.Person, Counts: ts.Counts}
	p.Title = p.L.T("timesheet.title")
	p.Heading = monthLabel(p.L, year, month)
	for _, d := range ts.Days {
		row := timesheetRow{Date: dayLabel(p.L, d.Date), Holiday: d.HolidayName, Running: d.Running,
			Weekend: d.Date.Weekday() == time.Saturday || d.Date.Weekday() == time.Sunday,
			Target:  reportHM(d.TargetMinutes), Findings: findingTexts(p.L, d.Findings, false)}
		if d.Start != nil {
			row.Start = d.Start.In(loc).Format("15:04")
			row.End = d.End.In(loc).Format("15:04")
			row.EndNextDay = civil.In(*d.End, loc) != d.Date
			row.Break, row.Worked = reportHM(d.BreakMinutes), reportHM(d.WorkedMinutes)
		}
		if d.Counted {
			row.Balance = reportSignedHM(d.BalanceMinutes)
		}
		p.Rows = append(p.Rows, row)
	}
	t := ts.Totals
	p.Target, p.TargetToDate, p.Worked, p.Break, p.Balance = reportHM(t.TargetMinutes), reportHM(t.TargetToDateMinutes),
		reportHM(t.WorkedMinutes), reportHM(t.BreakMinutes), reportSignedHM(t.BalanceMinutes)
	prev, next := civil.D(year, month-1, 1), civil.D(year, month+1, 1)
	p.PrevURL, p.PrevLabel = timesheetURL(userID, prev.Year, prev.Month), monthLabel(p.L, prev.Year, prev.Month)
	p.NextURL, p.NextLabel = timesheetURL(userID, next.Year, next.Month), monthLabel(p.L, next.Year, next.Month)
	p.Printed = p.L.Date(h.svc.Today().Start(time.UTC), time.UTC)
	h.srv.Render(w, r, http.StatusOK, "worktime_timesheet.html", p)
}

type homeOfficeRow struct {
	Date, Home, Other string
	Predominant       bool
}

type homeOfficePage struct {
	web.Page
	Year                                   int
	Predominant, WithHome                  int
	Rows                                   []homeOfficeRow
	PrevURL, PrevLabel, NextURL, NextLabel string
	CSVURL                                 string
}

func (h *Handler) homeOfficePage(w http.ResponseWriter, r *http.Request) {
	y, err := h.homeOfficeOf(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := homeOfficePage{Page: h.srv.NewPage(r, ""), Year: y.Year, Predominant: y.DaysPredominantlyHome, WithHome: y.DaysWithHomeWork}
	p.Title = p.L.T("worktime.home_office_title")
	for _, d := range y.Days {
		p.Rows = append(p.Rows, homeOfficeRow{Date: dayLabel(p.L, d.Date), Home: reportHM(d.HomeMinutes), Other: reportHM(d.OtherMinutes), Predominant: d.PredominantlyHome})
	}
	who := ""
	if y.UserID != web.Actor(r).UserID {
		who = fmt.Sprintf("&user_id=%d", y.UserID)
	}
	p.PrevURL, p.PrevLabel = fmt.Sprintf("/worktime/home-office?year=%d%s", y.Year-1, who), strconv.Itoa(y.Year-1)
	p.NextURL, p.NextLabel = fmt.Sprintf("/worktime/home-office?year=%d%s", y.Year+1, who), strconv.Itoa(y.Year+1)
	p.CSVURL = fmt.Sprintf("/worktime/home-office.csv?year=%d%s", y.Year, who)
	h.srv.Render(w, r, http.StatusOK, "worktime_home_office.html", p)
}
