package absenceweb

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/absence"
	"ortlos/internal/civil"
	"ortlos/internal/web"
)

// registerCalendar adds the team calendar with the presence plan: the
// page, its presence form and the API twins.
func (h *Handler) registerCalendar() {
	s := h.srv
	s.AddNav("/absences/calendar", "nav.team_calendar", nil)
	s.UI("GET /absences/calendar", web.Full, h.calendarPage)
	s.UI("POST /absences/calendar/presence", web.Full, h.uiSetPresence)
	s.API("GET", "/team-calendar", "getTeamCalendar", web.Full, h.apiTeamCalendar)
	s.API("PUT", "/me/presence/{date}", "setMyPresence", web.Full, h.apiSetPresence)
	s.UI("POST /absences/calendar/staffing", web.Full, h.uiSetStaffing)
	s.API("PUT", "/org-units/{id}/min-staffing", "setMinStaffing", web.Full, h.apiSetStaffing)
}

// calQuery is what a calendar request asks for.
type calQuery struct {
	unit        int64
	year        int
	month       time.Month
	week        int        // ISO week, 0 for the month view
	monday      civil.Date // the week's Monday in the week view
	first, last civil.Date
}

// weekParam formats an ISO week for the week parameter ("2026-W10").
func weekParam(d civil.Date) string {
	y, w := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// calendarQuery reads org_unit_id, year and month, or week ("2026-W10",
// the week view), from the query or the posted form (defaults: own unit,
// current month).
func (h *Handler) calendarQuery(r *http.Request) (calQuery, error) {
	today := h.svc.Today()
	q := calQuery{year: today.Year, month: today.Month}
	get := func(k string) string {
		if v := r.URL.Query().Get(k); v != "" {
			return v
		}
		if r.Method == http.MethodPost {
			return r.PostFormValue(k)
		}
		return ""
	}
	if v := get("org_unit_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return calQuery{}, web.InvalidFilter("org_unit_id", "org_unit_id must be a positive id")
		}
		q.unit = n
	}
	if v := get("year"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2000 || n > 2100 {
			return calQuery{}, web.InvalidFilter("year", "year must be between 2000 and 2100")
		}
		q.year = n
	}
	if v := get("month"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 12 {
			return calQuery{}, web.InvalidFilter("month", "month must be between 1 and 12")
		}
		q.month = time.Month(n)
	}
	q.first = civil.D(q.year, q.month, 1)
	q.last = civil.D(q.year, q.month+1, 1).AddDays(-1)
	if v := get("week"); v != "" {
		ys, ws, ok := strings.Cut(v, "-W")
		y, err1 := strconv.Atoi(ys)
		w, err2 := strconv.Atoi(ws)
		monday, valid := absence.ISOWeek(y, w)
		if !ok || err1 != nil || err2 != nil || !valid {
			return calQuery{}, web.InvalidFilter("week", "week must be an ISO week such as 2026-W10")
		}
		q.week, q.monday = w, monday
		q.year, q.month = monday.Year, monday.Month
		q.first, q.last = monday, monday.AddDays(6)
	}
	return q, nil
}

// --- page ------------------------------------------------------------

// calPart is one abbreviation in a cell, with its meaning.
type calPart struct{ Abbr, Title string }

type calCell struct {
	Parts   []calPart
	Weekend bool
	Holiday bool
	Absent  bool
}

type calRowView struct {
	Name  string
	Self  bool
	Cells []calCell
}

type calDayView struct {
	Short, Long  string // "Mo 2", "Montag, 02.03.2026"
	Weekend      bool
	Office       int
	Absent       int
	Present      int
	Understaffed bool
}

type legendEntry struct{ Abbr, Meaning string }

type calendarPage struct {
	web.Page
	UnitName, MonthLabel string
	UnitID               int64
	Year, Month          int
	Days                 []calDayView
	Rows                 []calRowView
	PrevURL, NextURL     string
	PrevLabel, NextLabel string
	Week                 bool
	SwitchURL            string // to the week view from the month view and back
	WeekParam            string
	Units                []option
	Legend               []legendEntry
	FormDay              string
	Places               []option
	MinStaffing          int
	CanSetStaffing       bool
	Understaffed         []string // the days below the minimum, as text
	StaffingValue        string
	StaffingUnit         int64
}

func (h *Handler) calendarPage(w http.ResponseWriter, r *http.Request) {
	h.renderCalendar(w, r, http.StatusOK, nil)
}

func calendarURL(unit int64, year int, month time.Month) string {
	v := url.Values{}
	if unit != 0 {
		v.Set("org_unit_id", strconv.FormatInt(unit, 10))
	}
	v.Set("year", strconv.Itoa(year))
	v.Set("month", strconv.Itoa(int(month)))
	return "/absences/calendar?" + v.Encode()
}

func weekURL(unit int64, monday civil.Date) string {
	v := url.Values{}
	if unit != 0 {
		v.Set("org_unit_id", strconv.FormatInt(unit, 10))
	}
	v.Set("week", weekParam(monday))
	return "/absences/calendar?" + v.Encode()
}

// abbr returns the abbreviation of a catalogue key "teamcal.abbr_<id>",
// or fallback.
func abbr(p web.Page, id, fallback string) string {
	if k := "teamcal.abbr_" + id; p.L.Has(k) {
		return p.L.T(k)
	}
	return fallback
}

func (h *Handler) renderCalendar(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	q, err := h.calendarQuery(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	unit, year, month := q.unit, q.year, q.month
	a := web.Actor(r)
	cal, err := h.svc.TeamCalendarRange(r.Context(), a, unit, q.first, q.last)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := calendarPage{Page: h.srv.NewPage(r, ""), Year: year, Month: int(month), UnitID: unit, Week: q.week != 0}
	p.Title = p.L.T("teamcal.title")
	p.MonthLabel = p.L.T("worktime.month_"+strconv.Itoa(int(month))) + " " + strconv.Itoa(year)
	if p.Week {
		p.WeekParam = weekParam(q.monday)
		p.MonthLabel = p.L.T("teamcal.week_label", q.week, dateText(q.first), dateText(q.last))
	}
	p.UnitName = cal.OrgUnit.Name
	p.StaffingUnit = cal.OrgUnit.ID
	p.MinStaffing, p.CanSetStaffing = cal.MinStaffing, cal.CanSetStaffing
	p.StaffingValue = strconv.Itoa(cal.MinStaffing)
	if v := r.PostFormValue("min_staffing"); v != "" {
		p.StaffingValue = v
	}
	names, _, err := h.typeNames(r, p.Page)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if p.Week {
		prev, next := q.monday.AddDays(-7), q.monday.AddDays(7)
		p.PrevURL, p.PrevLabel = weekURL(unit, prev), weekParam(prev)
		p.NextURL, p.NextLabel = weekURL(unit, next), weekParam(next)
		p.SwitchURL = calendarURL(unit, year, month)
	} else {
		prev, next := civil.D(year, month-1, 1), civil.D(year, month+1, 1)
		p.PrevURL, p.PrevLabel = calendarURL(unit, prev.Year, prev.Month), p.L.T("worktime.month_"+strconv.Itoa(int(prev.Month)))+" "+strconv.Itoa(prev.Year)
		p.NextURL, p.NextLabel = calendarURL(unit, next.Year, next.Month), p.L.T("worktime.month_"+strconv.Itoa(int(next.Month)))+" "+strconv.Itoa(next.Year)
		in := q.first
		if today := h.svc.Today(); today.Year == year && today.Month == month {
			in = today
		}
		p.SwitchURL = weekURL(unit, in.AddDays(-((int(in.Weekday()) + 6) % 7)))
	}
	for _, u := range cal.ChooseUnits {
		p.Units = append(p.Units, option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name, Selected: u.ID == cal.OrgUnit.ID})
	}
	for _, d := range cal.Days {
		wd := p.L.T("worktime.weekday_" + strconv.Itoa(int(d.Date.Weekday())))
		short := fmt.Sprintf("%s %d", wd, d.Date.Day)
		if p.Week {
			short = fmt.Sprintf("%s %d.%d.", wd, d.Date.Day, d.Date.Month)
		}
		p.Days = append(p.Days, calDayView{Short: short, Long: wd + " " + dateText(d.Date),
			Weekend: d.Weekend, Office: d.Office, Absent: d.Absent, Present: d.Present, Understaffed: d.Understaffed})
		if d.Understaffed {
			p.Understaffed = append(p.Understaffed, wd+" "+dateText(d.Date))
		}
	}
	// Abbreviations, computed once.
	office := calPart{abbr(p.Page, "office", "B"), p.L.T("teamcal.place_office")}
	home := calPart{abbr(p.Page, "home", "H"), p.L.T("teamcal.place_home")}
	holidayAbbr := p.L.T("teamcal.abbr_holiday")
	requested, half := p.L.T("teamcal.abbr_requested"), p.L.T("teamcal.abbr_half")
	absentAbbr := abbr(p.Page, absence.TypeAbsent, "A")
	p.Rows = make([]calRowView, len(cal.People))
	for i, person := range cal.People {
		row := calRowView{Name: person.Name, Self: person.UserID == cal.ViewerID, Cells: make([]calCell, len(person.Cells))}
		for j, c := range person.Cells {
			cell := calCell{Weekend: c.Weekend, Holiday: c.Holiday != "", Absent: len(c.Absences) > 0}
			if c.Holiday != "" {
				cell.Parts = append(cell.Parts, calPart{holidayAbbr, c.Holiday})
			}
			for _, x := range c.Absences {
				name, ok := names[x.TypeID]
				if !ok {
					name = x.TypeID
				}
				part := calPart{abbr(p.Page, x.TypeID, absentAbbr), name}
				if x.Status == absence.StatusRequested {
					part.Abbr += requested
					part.Title += " (" + p.L.T("absence.status_requested") + ")"
				}
				if x.DayLength != absence.DayFull {
					part.Abbr += half
					part.Title += ", " + p.L.T("absence.day_"+x.DayLength)
				}
				cell.Parts = append(cell.Parts, part)
			}
			switch c.Presence {
			case absence.PlaceOffice:
				cell.Parts = append(cell.Parts, office)
			case absence.PlaceHome:
				cell.Parts = append(cell.Parts, home)
			}
			row.Cells[j] = cell
		}
		p.Rows[i] = row
	}
	p.Legend = []legendEntry{
		{office.Abbr, office.Title}, {home.Abbr, home.Title},
		{holidayAbbr, p.L.T("teamcal.holiday")},
		{absentAbbr, p.L.T("absence.type_absent")},
	}
	types, err := h.svc.Types(r.Context(), a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	for _, t := range types {
		if k := "teamcal.abbr_" + t.ID; p.L.Has(k) {
			p.Legend = append(p.Legend, legendEntry{p.L.T(k), t.Name(p.L.Lang)})
		}
	}
	p.Legend = append(p.Legend, legendEntry{requested, p.L.T("teamcal.legend_requested")}, legendEntry{half, p.L.T("teamcal.legend_half")})

	chosen := r.PostFormValue("place")
	p.FormDay = r.PostFormValue("day")
	if p.FormDay == "" {
		p.FormDay = q.first.String()
		if today := h.svc.Today(); !today.Before(q.first) && !today.After(q.last) {
			p.FormDay = today.String()
		}
	}
	if chosen == "" && r.Method != http.MethodPost {
		chosen = absence.PlaceOffice
	}
	for _, pl := range absence.Places {
		p.Places = append(p.Places, option{Value: pl, Label: p.L.T("teamcal.place_" + pl), Selected: pl == chosen})
	}
	p.Places = append(p.Places, option{Value: "", Label: p.L.T("teamcal.place_none"), Selected: chosen == "" && r.Method == http.MethodPost})
	if formErr != nil {
		p.SetError(formErr)
	}
	h.srv.Render(w, r, status, "absence_calendar.html", p)
}

func (h *Handler) uiSetPresence(w http.ResponseWriter, r *http.Request) {
	render := func(status int, err error) { h.renderCalendar(w, r, status, err) }
	day, err := parseDate(r.PostFormValue("day"), "day")
	if err == nil {
		err = h.svc.SetPresence(r.Context(), web.Actor(r), day, r.PostFormValue("place"))
	}
	q, _ := h.calendarQuery(r)
	target := "/absences/calendar"
	switch {
	case day.IsZero():
	case q.week != 0:
		target = weekURL(q.unit, day.AddDays(-((int(day.Weekday()) + 6) % 7)))
	default:
		target = calendarURL(q.unit, day.Year, day.Month)
	}
	h.formDone(w, r, err, target, "presence_saved", render)
}

func (h *Handler) uiSetStaffing(w http.ResponseWriter, r *http.Request) {
	render := func(status int, err error) { h.renderCalendar(w, r, status, err) }
	q, err := h.calendarQuery(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if q.unit == 0 {
		h.srv.Error(w, r, web.InvalidFilter("org_unit_id", "org_unit_id is required"))
		return
	}
	minimum, err := parseStaffing(r.PostFormValue("min_staffing"))
	if err == nil {
		err = h.svc.SetMinStaffing(r.Context(), web.Actor(r), q.unit, minimum)
	}
	target := calendarURL(q.unit, q.year, q.month)
	if q.week != 0 {
		target = weekURL(q.unit, q.monday)
	}
	h.formDone(w, r, err, target, "min_staffing_saved", render)
}

// parseStaffing reads the minimum staffing of the form (empty: none).
func parseStaffing(v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, absence.ErrMinStaffing()
	}
	return n, nil
}

// --- API -------------------------------------------------------------

type apiCalAbsence struct {
	ID        *int64 `json:"id"`
	TypeID    string `json:"type_id"`
	Status    string `json:"status"`
	DayLength string `json:"day_length"`
}

type apiCalCell struct {
	Date     string          `json:"date"`
	Weekend  bool            `json:"weekend"`
	Holiday  *string         `json:"holiday"`
	Absences []apiCalAbsence `json:"absences"`
	Presence *string         `json:"presence"`
}

type apiCalPerson struct {
	UserID int64        `json:"user_id"`
	Name   string       `json:"name"`
	State  string       `json:"state"`
	Days   []apiCalCell `json:"days"`
}

type apiCalDay struct {
	Date         string `json:"date"`
	Weekend      bool   `json:"weekend"`
	Office       int    `json:"office"`
	Absent       int    `json:"absent"`
	Present      int    `json:"present"`
	Understaffed bool   `json:"understaffed"`
}

type apiTeamCalendar struct {
	OrgUnitID   *int64         `json:"org_unit_id"`
	OrgUnitName string         `json:"org_unit_name"`
	Year        int            `json:"year"`
	Month       int            `json:"month"`
	From        string         `json:"from"`
	To          string         `json:"to"`
	MinStaffing *int64         `json:"min_staffing"`
	Days        []apiCalDay    `json:"days"`
	People      []apiCalPerson `json:"people"`
}

func strRef(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (h *Handler) apiTeamCalendar(w http.ResponseWriter, r *http.Request) {
	q, err := h.calendarQuery(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	cal, err := h.svc.TeamCalendarRange(r.Context(), web.Actor(r), q.unit, q.first, q.last)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	out := apiTeamCalendar{OrgUnitID: ref(cal.OrgUnit.ID), OrgUnitName: cal.OrgUnit.Name, Year: q.year, Month: int(q.month),
		From: q.first.String(), To: q.last.String(), MinStaffing: ref(int64(cal.MinStaffing)),
		Days: make([]apiCalDay, len(cal.Days)), People: make([]apiCalPerson, len(cal.People))}
	for i, d := range cal.Days {
		out.Days[i] = apiCalDay{Date: d.Date.String(), Weekend: d.Weekend, Office: d.Office, Absent: d.Absent, Present: d.Present, Understaffed: d.Understaffed}
	}
	for i, p := range cal.People {
		ap := apiCalPerson{UserID: p.UserID, Name: p.Name, State: p.State, Days: make([]apiCalCell, len(p.Cells))}
		for j, c := range p.Cells {
			cell := apiCalCell{Date: c.Date.String(), Weekend: c.Weekend, Holiday: strRef(c.Holiday), Presence: strRef(c.Presence),
				Absences: make([]apiCalAbsence, len(c.Absences))}
			for k, x := range c.Absences {
				cell.Absences[k] = apiCalAbsence{ID: ref(x.ID), TypeID: x.TypeID, Status: x.Status, DayLength: x.DayLength}
			}
			ap.Days[j] = cell
		}
		out.People[i] = ap
	}
	web.JSON(w, http.StatusOK, out)
}

type apiPresenceBody struct {
	Place *string `json:"place"`
}

type apiPresence struct {
	Date  string  `json:"date"`
	Place *string `json:"place"`
}

func (h *Handler) apiSetPresence(w http.ResponseWriter, r *http.Request) {
	day, err := parseDate(r.PathValue("date"), "date")
	if err == nil && day.IsZero() {
		err = web.InvalidFilter("date", "date is required")
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var body apiPresenceBody
	if err := web.DecodeJSON(r, &body); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	place := ""
	if body.Place != nil {
		place = strings.TrimSpace(*body.Place)
		if place == "" {
			h.srv.Error(w, r, absence.ErrPresencePlace())
			return
		}
	}
	if err := h.svc.SetPresence(r.Context(), web.Actor(r), day, place); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, apiPresence{Date: day.String(), Place: strRef(place)})
}

type apiStaffing struct {
	MinStaffing *int64 `json:"min_staffing"`
}

type apiStaffingAnswer struct {
	OrgUnitID   int64  `json:"org_unit_id"`
	MinStaffing *int64 `json:"min_staffing"`
}

func (h *Handler) apiSetStaffing(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var body apiStaffing
	if err := web.DecodeJSON(r, &body); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var minimum int64
	if body.MinStaffing != nil {
		if *body.MinStaffing < 1 {
			h.srv.Error(w, r, absence.ErrMinStaffing())
			return
		}
		minimum = *body.MinStaffing
	}
	if minimum > absence.MaxMinStaffing {
		h.srv.Error(w, r, absence.ErrMinStaffing())
		return
	}
	if err := h.svc.SetMinStaffing(r.Context(), web.Actor(r), id, int(minimum)); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, apiStaffingAnswer{OrgUnitID: id, MinStaffing: ref(minimum)})
}
