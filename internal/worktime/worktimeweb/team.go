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

// registerTeam adds the team view for leads (and HR per org unit).
func (h *Handler) registerTeam() {
	h.srv.API("GET", "/worktime/team", "getWorktimeTeam", web.Full, h.apiTeam)
	h.srv.UI("GET /worktime/team", web.Full, h.teamPage)
	h.srv.AddNav("/worktime/team", "nav.worktime_team", func(au *identity.Auth) bool {
		for _, r := range au.User.Roles {
			if r == actor.RoleLead || r == actor.RoleHR || r == actor.RoleAdmin {
				return true
			}
		}
		return false
	})
}

// teamParams reads org_unit_id, year and month.
func (h *Handler) teamParams(r *http.Request) (int64, int, time.Month, error) {
	year, month, err := h.monthParams(r)
	if err != nil {
		return 0, 0, 0, err
	}
	var unit int64
	if s := r.URL.Query().Get("org_unit_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, 0, web.InvalidFilter("org_unit_id", "org_unit_id must be an org unit id")
		}
		unit = n
	}
	return unit, year, month, nil
}

type apiTeamMember struct {
	UserID             int64          `json:"user_id"`
	Username           string         `json:"username"`
	DisplayName        string         `json:"display_name"`
	BalanceMinutes     int            `json:"balance_minutes"`
	Flexitime          apiFlexitime   `json:"flexitime"`
	MissingDays        []civil.Date   `json:"missing_days"`
	PendingCorrections int            `json:"pending_corrections"`
	Findings           map[string]int `json:"findings"`
	Status             apiMonthStatus `json:"status"`
}

type apiTeam struct {
	Year    int             `json:"year"`
	Month   int             `json:"month"`
	Members []apiTeamMember `json:"members"`
}

func (h *Handler) apiTeam(w http.ResponseWriter, r *http.Request) {
	unit, year, month, err := h.teamParams(r)
	var team []worktime.TeamMember
	if err == nil {
		team, err = h.svc.Team(r.Context(), web.Actor(r), unit, year, month)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	out := apiTeam{Year: year, Month: int(month), Members: make([]apiTeamMember, 0, len(team))}
	for _, m := range team {
		f := map[string]int{}
		for _, sev := range []arbzg.Severity{arbzg.Violation, arbzg.Flag, arbzg.Obligation, arbzg.Info} {
			f[string(sev)] = m.Findings[sev]
		}
		out.Members = append(out.Members, apiTeamMember{UserID: m.UserID, Username: m.Username, DisplayName: m.DisplayName,
			BalanceMinutes: m.BalanceMinutes, Flexitime: newAPIFlexitime(m.Flexitime), MissingDays: m.MissingDays,
			PendingCorrections: m.PendingCorrections, Findings: f, Status: newAPIMonthStatus(m.Status)})
	}
	web.JSON(w, http.StatusOK, out)
}

type teamRow struct {
	Name        string
	MonthURL    string
	Balance     string
	Account     string
	BelowMin    bool
	Missing     []string
	Pending     int
	Violations  int
	OtherCounts string
	Status      string
}

type teamPage struct {
	web.Page
	// Units lets HR and administrators pick an org unit (empty for leads).
	Units     []reportOption
	Year      int
	Month     int
	Heading   string
	Rows      []teamRow
	PrevURL   string
	PrevLabel string
	NextURL   string
	NextLabel string
}

func teamURL(unit int64, m worktime.YearMonth) string {
	u := fmt.Sprintf("/worktime/team?year=%d&month=%d", m.Year, int(m.Month))
	if unit != 0 {
		u += fmt.Sprintf("&org_unit_id=%d", unit)
	}
	return u
}

func (h *Handler) teamPage(w http.ResponseWriter, r *http.Request) {
	unit, year, month, err := h.teamParams(r)
	var team []worktime.TeamMember
	if err == nil {
		team, err = h.svc.Team(r.Context(), web.Actor(r), unit, year, month)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := teamPage{Page: h.srv.NewPage(r, ""), Year: year, Month: int(month)}
	if a := web.Actor(r); a.IsAdmin() || a.Has(actor.RoleHR) {
		units, err := h.svc.ReportOrgUnits(r.Context(), a)
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		p.Units = append(p.Units, reportOption{Value: "", Label: p.L.T("team.my_reports"), Selected: unit == 0})
		for _, u := range units {
			p.Units = append(p.Units, reportOption{Value: strconv.FormatInt(u.ID, 10), Label: strings.Repeat("\u00a0\u00a0", u.Depth) + u.Name, Selected: u.ID == unit})
		}
	}
	monthName := func(m time.Month) string { return p.L.T(fmt.Sprintf("worktime.month_%d", int(m))) }
	p.Title = p.L.T("team.title")
	p.Heading = fmt.Sprintf("%s %d", monthName(month), year)
	for _, m := range team {
		row := teamRow{Name: m.DisplayName, MonthURL: monthPageURL(m.UserID, year, month), Balance: signedHoursMinutes(m.BalanceMinutes),
			Pending: m.PendingCorrections, Violations: m.Findings[arbzg.Violation], BelowMin: m.Flexitime.BelowMinimum}
		if m.Flexitime.Active {
			row.Account = signedHoursMinutes(m.Flexitime.ClosingMinutes)
		}
		for _, d := range m.MissingDays {
			row.Missing = append(row.Missing, p.L.Date(d.Start(time.UTC), time.UTC))
		}
		row.OtherCounts = p.L.T("team.other_findings", m.Findings[arbzg.Flag], m.Findings[arbzg.Obligation])
		switch {
		case m.Status.Closed():
			row.Status = p.L.T("team.status_closed")
		case m.Status.Signed():
			row.Status = p.L.T("team.status_signed")
		default:
			row.Status = p.L.T("team.status_open")
		}
		p.Rows = append(p.Rows, row)
	}
	ym := worktime.YearMonth{Year: year, Month: month}
	prev, next := ym.Prev(), ym.Next()
	p.PrevURL, p.PrevLabel = teamURL(unit, prev), fmt.Sprintf("%s %d", monthName(prev.Month), prev.Year)
	p.NextURL, p.NextLabel = teamURL(unit, next), fmt.Sprintf("%s %d", monthName(next.Month), next.Year)
	h.srv.Render(w, r, http.StatusOK, "worktime_team.html", p)
}
