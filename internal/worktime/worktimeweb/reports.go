package worktimeweb

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/identity"
	"ortlos/internal/web"
	"ortlos/internal/worktime"
	"ortlos/internal/worktime/arbzg"
)

// registerReports adds the HR reports: the compliance report per org unit
// and month, the payroll export, the printable timesheet and the
// home-office days for the tax return.
func (h *Handler) registerReports() {
	s := h.srv
	s.API("GET", "/worktime/reports/compliance", "getWorktimeComplianceReport", web.Full, h.apiComplianceReport)
	s.API("GET", "/worktime/reports/payroll.csv", "exportWorktimePayroll", web.Full, h.payrollCSV)
	s.API("GET", "/worktime/home-office", "getMyHomeOfficeDays", web.Full, h.apiHomeOffice)
	s.UI("GET /worktime/reports/compliance", web.Full, h.complianceReportPage)
	// The same export for browsers: errors come as pages, not problems.
	s.UI("GET /worktime/reports/payroll.csv", web.Full, h.payrollCSV)
	s.UI("GET /worktime/timesheet", web.Full, h.timesheetPage)
	s.UI("GET /worktime/home-office", web.Full, h.homeOfficePage)
	s.UI("GET /worktime/home-office.csv", web.Full, h.homeOfficeCSV)
	s.AddNav("/worktime/reports/compliance", "report.nav", func(a *identity.Auth) bool {
		return a.Actor.Has(actor.RoleHR) || a.Actor.IsAdmin()
	})
}

// reportParams reads org_unit_id (absent or empty: the whole
// organisation), include_subunits (true/1/on; default false), year and
// month (default: the current month).
func (h *Handler) reportParams(r *http.Request) (unit int64, deep bool, year int, month time.Month, err error) {
	q := r.URL.Query()
	if s := q.Get("org_unit_id"); s != "" {
		n, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil || n < 0 {
			return 0, false, 0, 0, web.InvalidFilter("org_unit_id", "org_unit_id must be the id of an org unit")
		}
		unit = n
	}
	switch strings.ToLower(q.Get("include_subunits")) {
	case "", "false", "0", "off":
	case "true", "1", "on":
		deep = true
	default:
		return 0, false, 0, 0, web.InvalidFilter("include_subunits", "include_subunits must be true or false")
	}
	year, month, err = h.monthParams(r)
	return unit, deep, year, month, err
}

// reportYearParam reads year (default: the current year).
func (h *Handler) reportYearParam(r *http.Request) (int, error) {
	s := r.URL.Query().Get("year")
	if s == "" {
		return h.svc.Today().Year, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1000 || n > 9999 {
		return 0, web.InvalidFilter("year", "year must be a year such as 2026")
	}
	return n, nil
}

func (h *Handler) complianceReport(r *http.Request) (worktime.MonthReport, error) {
	unit, deep, year, month, err := h.reportParams(r)
	if err != nil {
		return worktime.MonthReport{}, err
	}
	return h.svc.ComplianceReport(r.Context(), web.Actor(r), unit, deep, year, month)
}

type apiSeverityCounts struct {
	Violation  int `json:"violation"`
	Flag       int `json:"flag"`
	Obligation int `json:"obligation"`
	Info       int `json:"info"`
}

func newAPICounts(c worktime.SeverityCounts) apiSeverityCounts {
	return apiSeverityCounts{Violation: c.Violation, Flag: c.Flag, Obligation: c.Obligation, Info: c.Info}
}

type apiReportTotals struct {
	TargetMinutes       int `json:"target_minutes"`
	TargetToDateMinutes int `json:"target_to_date_minutes"`
	WorkedMinutes       int `json:"worked_minutes"`
	BreakMinutes        int `json:"break_minutes"`
	BalanceMinutes      int `json:"balance_minutes"`
}

type apiReportPerson struct {
	UserID      int64             `json:"user_id"`
	Username    string            `json:"username"`
	DisplayName string            `json:"display_name"`
	OrgUnitID   *int64            `json:"org_unit_id"`
	OrgUnitName string            `json:"org_unit_name"`
	State       string            `json:"state"`
	Totals      apiReportTotals   `json:"totals"`
	Counts      apiSeverityCounts `json:"counts"`
	Findings    []arbzg.Finding   `json:"findings"`
}

// apiComplianceReport is the answer of getWorktimeComplianceReport.
type apiComplianceReport struct {
	OrgUnitID       *int64            `json:"org_unit_id"`
	OrgUnitName     string            `json:"org_unit_name"`
	IncludeSubunits bool              `json:"include_subunits"`
	Year            int               `json:"year"`
	Month           int               `json:"month"`
	Counts          apiSeverityCounts `json:"counts"`
	People          []apiReportPerson `json:"people"`
}

func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func newAPIComplianceReport(rep worktime.MonthReport) apiComplianceReport {
	out := apiComplianceReport{OrgUnitID: optID(rep.OrgUnitID), OrgUnitName: rep.OrgUnitName, IncludeSubunits: rep.IncludeSubunits,
		Year: rep.Year, Month: int(rep.Month), Counts: newAPICounts(rep.Counts), People: make([]apiReportPerson, 0, len(rep.People))}
	for _, p := range rep.People {
		t := p.Totals
		f := p.Findings
		if f == nil {
			f = []arbzg.Finding{}
		}
		out.People = append(out.People, apiReportPerson{UserID: p.Person.ID, Username: p.Person.Username, DisplayName: p.Person.DisplayName,
			OrgUnitID: optID(p.Person.OrgUnitID), OrgUnitName: p.Person.OrgUnitName, State: p.Person.State,
			Totals: apiReportTotals{TargetMinutes: t.TargetMinutes, TargetToDateMinutes: t.TargetToDateMinutes, WorkedMinutes: t.WorkedMinutes,
				BreakMinutes: t.BreakMinutes, BalanceMinutes: t.BalanceMinutes},
			Counts: newAPICounts(p.Counts), Findings: f})
	}
	return out
}

func (h *Handler) apiComplianceReport(w http.ResponseWriter, r *http.Request) {
	rep, err := h.complianceReport(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIComplianceReport(rep))
}

func (h *Handler) payrollCSV(w http.ResponseWriter, r *http.Request) {
	rep, err := h.complianceReport(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var rows [][]string
	for _, p := range h.svc.PayrollRows(rep) {
		balance := ""
		if p.BalanceMinutes != nil {
			balance = strconv.Itoa(*p.BalanceMinutes)
		}
		rows = append(rows, []string{strconv.FormatInt(p.UserID, 10), web.CSVCell(p.Username), web.CSVCell(p.DisplayName), web.CSVCell(p.OrgUnit),
			p.Date.String(), p.Start, p.End, strconv.Itoa(p.BreakMinutes), strconv.Itoa(p.WorkingMinutes), strconv.Itoa(p.TargetMinutes),
			web.CSVCell(p.AbsenceType), balance})
	}
	name := fmt.Sprintf("arbeitszeit_%04d-%02d", rep.Year, int(rep.Month))
	if rep.OrgUnitID != 0 {
		name += fmt.Sprintf("_oe%d", rep.OrgUnitID)
	}
	web.WriteCSV(w, name+".csv", worktime.PayrollColumns, rows)
}

type apiHomeOfficeDay struct {
	Date              civil.Date `json:"date"`
	HomeMinutes       int        `json:"home_minutes"`
	OtherMinutes      int        `json:"other_minutes"`
	PredominantlyHome bool       `json:"predominantly_home"`
}

// apiHomeOffice is the answer of getMyHomeOfficeDays: Dates lists the
// days predominantly at home (the days the tax return counts), Days every
// day with any work at home.
type apiHomeOffice struct {
	Year                  int                `json:"year"`
	DaysPredominantlyHome int                `json:"days_predominantly_home"`
	DaysWithHomeWork      int                `json:"days_with_home_work"`
	Dates                 []civil.Date       `json:"dates"`
	Days                  []apiHomeOfficeDay `json:"days"`
}

func (h *Handler) homeOffice(r *http.Request) (worktime.HomeOfficeYear, error) {
	year, err := h.reportYearParam(r)
	if err != nil {
		return worktime.HomeOfficeYear{}, err
	}
	a := web.Actor(r)
	return h.svc.HomeOfficeDays(r.Context(), a, a.UserID, year)
}

// homeOfficeOf is homeOffice for the pages: HR and administrators may ask
// for another person with user_id (to answer a query of the tax office).
func (h *Handler) homeOfficeOf(r *http.Request) (worktime.HomeOfficeYear, error) {
	s := r.URL.Query().Get("user_id")
	if s == "" {
		return h.homeOffice(r)
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return worktime.HomeOfficeYear{}, web.InvalidFilter("user_id", "user_id must be the id of a person")
	}
	year, err := h.reportYearParam(r)
	if err != nil {
		return worktime.HomeOfficeYear{}, err
	}
	return h.svc.HomeOfficeDays(r.Context(), web.Actor(r), id, year)
}

func (h *Handler) apiHomeOffice(w http.ResponseWriter, r *http.Request) {
	y, err := h.homeOffice(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	out := apiHomeOffice{Year: y.Year, DaysPredominantlyHome: y.DaysPredominantlyHome, DaysWithHomeWork: y.DaysWithHomeWork,
		Dates: []civil.Date{}, Days: make([]apiHomeOfficeDay, 0, len(y.Days))}
	for _, d := range y.Days {
		if d.PredominantlyHome {
			out.Dates = append(out.Dates, d.Date)
		}
		out.Days = append(out.Days, apiHomeOfficeDay{Date: d.Date, HomeMinutes: d.HomeMinutes, OtherMinutes: d.OtherMinutes, PredominantlyHome: d.PredominantlyHome})
	}
	web.JSON(w, http.StatusOK, out)
}

// homeOfficeColumns are the header of the home-office CSV.
var homeOfficeColumns = []string{"date", "home_minutes", "other_minutes", "predominantly_home"}

func (h *Handler) homeOfficeCSV(w http.ResponseWriter, r *http.Request) {
	y, err := h.homeOfficeOf(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	rows := make([][]string, 0, len(y.Days))
	for _, d := range y.Days {
		pred := "0"
		if d.PredominantlyHome {
			pred = "1"
		}
		rows = append(rows, []string{d.Date.String(), strconv.Itoa(d.HomeMinutes), strconv.Itoa(d.OtherMinutes), pred})
	}
	web.WriteCSV(w, fmt.Sprintf("homeoffice_%d_%04d.csv", y.UserID, y.Year), homeOfficeColumns, rows)
}
