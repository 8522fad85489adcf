package worktimeweb

import (
	"net/http"
	"strconv"
	"time"

	"ortlos/internal/web"
	"ortlos/internal/worktime"
	"ortlos/internal/worktime/arbzg"
)

// registerYearReport adds the yearly compliance check (§ 3 average, § 11),
// linked from the monthly report.
func (h *Handler) registerYearReport() {
	h.srv.API("GET", "/worktime/reports/compliance-year", "getWorktimeYearComplianceReport", web.Full, h.apiYearReport)
	h.srv.UI("GET /worktime/reports/compliance-year", web.Full, h.yearReportPage)
}

func (h *Handler) yearReport(r *http.Request) (worktime.YearReport, error) {
	unit, deep, _, _, err := h.reportParams(r)
	if err != nil {
		return worktime.YearReport{}, err
	}
	year, err := h.reportYearParam(r)
	if err != nil {
		return worktime.YearReport{}, err
	}
	return h.svc.ComplianceYearReport(r.Context(), web.Actor(r), unit, deep, year)
}

type apiYearPerson struct {
	UserID      int64             `json:"user_id"`
	Username    string            `json:"username"`
	DisplayName string            `json:"display_name"`
	OrgUnitID   *int64            `json:"org_unit_id"`
	OrgUnitName string            `json:"org_unit_name"`
	State       string            `json:"state"`
	Counts      apiSeverityCounts `json:"counts"`
	Findings    []arbzg.Finding   `json:"findings"`
}

type apiReferencePeriod struct {
	Type  string `json:"type"`
	Start string `json:"start,omitempty"`
}

type apiYearReport struct {
	OrgUnitID       *int64             `json:"org_unit_id"`
	OrgUnitName     string             `json:"org_unit_name"`
	IncludeSubunits bool               `json:"include_subunits"`
	Year            int                `json:"year"`
	ReferencePeriod apiReferencePeriod `json:"reference_period"`
	Counts          apiSeverityCounts  `json:"counts"`
	People          []apiYearPerson    `json:"people"`
}

func newAPIReferencePeriod(rp arbzg.ReferencePeriod) apiReferencePeriod {
	if rp.Type == "" {
		return apiReferencePeriod{Type: arbzg.Period6CalendarMonths}
	}
	return apiReferencePeriod{Type: rp.Type, Start: rp.Start.String()}
}

func (h *Handler) apiYearReport(w http.ResponseWriter, r *http.Request) {
	rep, err := h.yearReport(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	out := apiYearReport{OrgUnitID: optID(rep.OrgUnitID), OrgUnitName: rep.OrgUnitName, IncludeSubunits: rep.IncludeSubunits,
		Year: rep.Year, ReferencePeriod: newAPIReferencePeriod(rep.ReferencePeriod), Counts: newAPICounts(rep.Counts),
		People: make([]apiYearPerson, 0, len(rep.People))}
	for _, p := range rep.People {
		out.People = append(out.People, apiYearPerson{UserID: p.Person.ID, Username: p.Person.Username, DisplayName: p.Person.DisplayName,
			OrgUnitID: optID(p.Person.OrgUnitID), OrgUnitName: p.Person.OrgUnitName, State: p.Person.State,
			Counts: newAPICounts(p.Counts), Findings: p.Findings})
	}
	web.JSON(w, http.StatusOK, out)
}

type yearReportRow struct {
	Name, OrgUnit string
	Findings      []string
}

type yearReportPage struct {
	web.Page
	Units    []reportOption
	Year     string
	Deep     bool
	Subtitle string
	Period   string
	Rows     []yearReportRow
	Counts   worktime.SeverityCounts
}

func (h *Handler) yearReportPage(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), web.Actor(r)
	units, err := h.svc.ReportOrgUnits(ctx, a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	err = uiReportYearGiven(r)
	var rep worktime.YearReport
	if err == nil {
		rep, err = h.yearReport(r)
	}
	if err != nil {
		if !reportFormError(err, "org_unit_id", "year", "include_subunits") {
			h.srv.Error(w, r, err)
			return
		}
		// A refused filter shows the form as it was sent, with the
		// message at its field, and no report.
		q := r.URL.Query()
		p := yearReportPage{Page: h.srv.NewPage(r, ""), Year: q.Get("year"), Deep: reportDeepParam(q.Get("include_subunits"))}
		p.Title = p.L.T("report.year_title")
		p.SetError(err)
		p.Units = reportUnitOptions(p.L, units, q.Get("org_unit_id"))
		h.srv.Render(w, r, http.StatusUnprocessableEntity, "worktime_report_year.html", p)
		return
	}
	p := yearReportPage{Page: h.srv.NewPage(r, ""), Year: strconv.Itoa(rep.Year), Deep: rep.IncludeSubunits, Counts: rep.Counts}
	p.Title = p.L.T("report.year_title")
	p.Units = reportUnitOptions(p.L, units, unitParam(rep.OrgUnitID))
	p.Subtitle = rep.OrgUnitName
	if rep.OrgUnitID == 0 {
		p.Subtitle = p.L.T("report.whole_organisation")
	} else if rep.IncludeSubunits {
		p.Subtitle = p.L.T("report.with_subunits", p.Subtitle)
	}
	rp := newAPIReferencePeriod(rep.ReferencePeriod)
	p.Period = p.L.T("report.year_period_" + rp.Type)
	day := func(d time.Time) string { return p.L.Date(d, time.UTC) }
	for _, yp := range rep.People {
		if len(yp.Findings) == 0 {
			continue
		}
		row := yearReportRow{Name: yp.Person.DisplayName, OrgUnit: yp.Person.OrgUnitName}
		for _, f := range yp.Findings {
			switch f.Code {
			case arbzg.AverageExceeded:
				row.Findings = append(row.Findings, p.L.T("report.year_average", day(f.PeriodStart.Start(time.UTC)),
					day(f.PeriodEndExclusive.AddDays(-1).Start(time.UTC)), reportHM(int(f.AverageMinutesPerWerktag+0.5))))
			case arbzg.TooFewFreeSundays:
				row.Findings = append(row.Findings, p.L.T("report.year_sundays", f.FreeSundays, f.SundaysInYear))
			}
		}
		p.Rows = append(p.Rows, row)
	}
	h.srv.Render(w, r, http.StatusOK, "worktime_report_year.html", p)
}
