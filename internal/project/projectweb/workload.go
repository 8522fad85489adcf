package projectweb

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/project"
	"ortlos/internal/web"
)

// registerWorkload adds the workload view (Auslastung): the heat map
// /workload, the drill-down /workload/{id}?week=YYYY-Www and their API
// twins getWorkload and getWorkloadWeek.
func (h *Handler) registerWorkload() {
	s := h.srv
	// Everyone has at least their own row.
	s.AddNav("/workload", "nav.workload", nil)
	s.UI("GET /workload", web.Full, h.uiWorkload)
	s.UI("GET /workload/{id}", web.Full, h.uiWorkloadWeek)
	s.API("GET", "/workload", "getWorkload", web.Full, h.apiWorkload)
	s.API("GET", "/workload/{id}", "getWorkloadWeek", web.Full, h.apiWorkloadWeek)
}

// workloadQueryOf reads from, weeks, org_unit_id and user_id.
func workloadQueryOf(r *http.Request) (project.WorkloadQuery, error) {
	q := r.URL.Query()
	var out project.WorkloadQuery
	if s := q.Get("from"); s != "" {
		d, err := civil.Parse(s)
		if err != nil {
			return out, web.InvalidFilter("from", "from must be a date YYYY-MM-DD")
		}
		out.From = d
	}
	if s := q.Get("weeks"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > project.WorkloadWeeksMax {
			return out, web.InvalidFilter("weeks", "weeks must be between 1 and "+strconv.Itoa(project.WorkloadWeeksMax))
		}
		out.Weeks = n
	}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"org_unit_id", &out.OrgUnitID}, {"user_id", &out.UserID}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				return out, web.InvalidFilter(p.name, p.name+" must be a positive id")
			}
			*p.dst = n
		}
	}
	return out, nil
}

// workloadWeekOf reads the week parameter (default: this week).
func (h *Handler) workloadWeekOf(r *http.Request) (project.WorkloadWeek, error) {
	s := r.URL.Query().Get("week")
	if s == "" {
		return project.WeekOf(civil.In(h.svc.Now(), h.srv.Options().Location)), nil
	}
	return project.ParseWeek(s)
}

// --- API -------------------------------------------------------------

type workloadWeekJSON struct {
	Week  string     `json:"week"`
	Start civil.Date `json:"start"`
	End   civil.Date `json:"end"`
}

type workloadCellJSON struct {
	Week            string `json:"week"`
	CapacityMinutes int    `json:"capacity_minutes"`
	LoadMinutes     int    `json:"load_minutes"`
	Percent         *int   `json:"percent"`
	Overloaded      bool   `json:"overloaded"`
	Tasks           int    `json:"tasks"`
	Undated         int    `json:"undated"`
	Overdue         int    `json:"overdue"`
	Unestimated     int    `json:"unestimated"`
}

type workloadPersonJSON struct {
	UserID      int64              `json:"user_id"`
	Username    string             `json:"username"`
	DisplayName string             `json:"display_name"`
	Cells       []workloadCellJSON `json:"cells"`
}

type workloadJSON struct {
	Today  civil.Date           `json:"today"`
	Weeks  []workloadWeekJSON   `json:"weeks"`
	People []workloadPersonJSON `json:"people"`
}

type workloadTaskJSON struct {
	TaskID           int64       `json:"task_id"`
	ProjectID        int64       `json:"project_id"`
	ProjectName      string      `json:"project_name"`
	Title            string      `json:"title"`
	StartDate        *civil.Date `json:"start_date"`
	DueDate          *civil.Date `json:"due_date"`
	RemainingMinutes *int        `json:"remaining_minutes"`
	Assignees        int         `json:"assignees"`
	ShareMinutes     int         `json:"share_minutes"`
	NoDueDate        bool        `json:"no_due_date"`
	Overdue          bool        `json:"overdue"`
	NoEstimate       bool        `json:"no_estimate"`
}

type workloadDetailJSON struct {
	UserID       int64              `json:"user_id"`
	Username     string             `json:"username"`
	DisplayName  string             `json:"display_name"`
	Week         workloadWeekJSON   `json:"week"`
	Cell         workloadCellJSON   `json:"cell"`
	Tasks        []workloadTaskJSON `json:"tasks"`
	OtherMinutes int                `json:"other_minutes"`
}

func newWorkloadWeekJSON(w project.WorkloadWeek) workloadWeekJSON {
	return workloadWeekJSON{Week: w.Key(), Start: w.Start, End: w.End}
}

func newWorkloadCellJSON(w project.WorkloadWeek, c project.WorkloadCell) workloadCellJSON {
	out := workloadCellJSON{Week: w.Key(), CapacityMinutes: c.CapacityMinutes, LoadMinutes: c.LoadMinutes,
		Overloaded: c.Overloaded(), Tasks: c.Tasks, Undated: c.Undated, Overdue: c.Overdue, Unestimated: c.Unestimated}
	if pct, ok := c.Percent(); ok {
		out.Percent = &pct
	}
	return out
}

func (h *Handler) apiWorkload(w http.ResponseWriter, r *http.Request) {
	q, err := workloadQueryOf(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	wl, err := h.svc.Workload(r.Context(), web.Actor(r), q)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	out := workloadJSON{Today: wl.Today, Weeks: make([]workloadWeekJSON, 0, len(wl.Weeks)), People: make([]workloadPersonJSON, 0, len(wl.People))}
	for _, wk := range wl.Weeks {
		out.Weeks = append(out.Weeks, newWorkloadWeekJSON(wk))
	}
	for _, p := range wl.People {
		pj := workloadPersonJSON{UserID: p.UserID, Username: p.Username, DisplayName: p.DisplayName, Cells: make([]workloadCellJSON, 0, len(p.Cells))}
		for i, c := range p.Cells {
			pj.Cells = append(pj.Cells, newWorkloadCellJSON(wl.Weeks[i], c))
		}
		out.People = append(out.People, pj)
	}
	web.JSON(w, http.StatusOK, out)
}

func (h *Handler) workloadDetail(r *http.Request) (project.WorkloadDetail, error) {
	id, err := web.PathID(r)
	if err != nil {
		return project.WorkloadDetail{}, err
	}
	week, err := h.workloadWeekOf(r)
	if err != nil {
		return project.WorkloadDetail{}, err
	}
	return h.svc.WorkloadWeekDetail(r.Context(), web.Actor(r), id, week)
}

func (h *Handler) apiWorkloadWeek(w http.ResponseWriter, r *http.Request) {
	d, err := h.workloadDetail(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	out := workloadDetailJSON{UserID: d.Person.UserID, Username: d.Person.Username, DisplayName: d.Person.DisplayName,
		Week: newWorkloadWeekJSON(d.Week), Cell: newWorkloadCellJSON(d.Week, d.Cell), Tasks: make([]workloadTaskJSON, 0, len(d.Tasks)),
		OtherMinutes: d.OtherMinutes}
	for _, t := range d.Tasks {
		out.Tasks = append(out.Tasks, workloadTaskJSON{TaskID: t.TaskID, ProjectID: t.ProjectID, ProjectName: t.ProjectName, Title: t.Title,
			StartDate: t.StartDate, DueDate: t.DueDate, RemainingMinutes: t.RemainingMinutes, Assignees: t.Assignees,
			ShareMinutes: t.ShareMinutes, NoDueDate: t.NoDueDate, Overdue: t.Overdue, NoEstimate: t.NoEstimate})
	}
	web.JSON(w, http.StatusOK, out)
}

// --- pages -----------------------------------------------------------

// workloadCellView is a heat-map cell: the percentage and a word for its
// level (never colour alone, WCAG 1.4.1), the hours in a title.
type workloadCellView struct {
	Href     string
	Text     string // "85 %" or "–"
	Level    string // css class suffix: none, low, mid, high, over
	Label    string // "hoch", "überlastet", …
	Detail   string // "34 Std. von 40 Std."
	Flags    string // "1 ohne Termin, 2 überfällig"
	Overload bool
}

type workloadRowView struct {
	UserID int64
	Name   string
	Cells  []workloadCellView
}

type workloadWeekView struct {
	Key, Label, Range string
	Current           bool
}

type workloadPageView struct {
	web.Page
	Weeks            []workloadWeekView
	Rows             []workloadRowView
	From             string
	WeeksN           int
	WeeksText        string // the weeks field's value
	OrgUnits         []workloadOption
	OrgUnitID        int64
	PrevHref         string
	NextHref         string
	ThisHref         string
	MaxWeeks         int
	ShowOrgUnitField bool
}

type workloadOption struct {
	Value    int64
	Label    string
	Selected bool
}

// workloadLevel returns the css level and its word for a cell.
func workloadLevel(p web.Page, c project.WorkloadCell) (level, label string) {
	pct, ok := c.Percent()
	switch {
	case !ok && c.LoadMinutes == 0:
		return "none", p.L.T("workload.level_none")
	case !ok || pct >= 100:
		return "over", p.L.T("workload.level_over")
	case pct >= 80:
		return "high", p.L.T("workload.level_high")
	case pct >= 50:
		return "mid", p.L.T("workload.level_mid")
	}
	return "low", p.L.T("workload.level_low")
}

func workloadHours(p web.Page, m int) string { return taskHours(p, &m) }

func workloadFlags(p web.Page, c project.WorkloadCell) string {
	out := ""
	add := func(n int, key string) {
		if n == 0 {
			return
		}
		if out != "" {
			out += ", "
		}
		out += p.L.T(key, strconv.Itoa(n))
	}
	add(c.Overdue, "workload.flag_overdue")
	add(c.Undated, "workload.flag_undated")
	add(c.Unestimated, "workload.flag_unestimated")
	return out
}

func newWorkloadCellView(p web.Page, userID int64, w project.WorkloadWeek, c project.WorkloadCell) workloadCellView {
	v := workloadCellView{Href: "/workload/" + strconv.FormatInt(userID, 10) + "?week=" + w.Key(), Overload: c.Overloaded(),
		Detail: p.L.T("workload.cell_detail", workloadHours(p, c.LoadMinutes), workloadHours(p, c.CapacityMinutes)),
		Flags:  workloadFlags(p, c)}
	v.Level, v.Label = workloadLevel(p, c)
	if pct, ok := c.Percent(); ok {
		v.Text = strconv.Itoa(pct) + " %"
	} else if c.LoadMinutes > 0 {
		v.Text = p.L.T("workload.no_capacity")
	} else {
		v.Text = "–"
	}
	return v
}

func (p workloadPageView) href(from civil.Date) string {
	v := url.Values{}
	v.Set("from", from.String())
	v.Set("weeks", strconv.Itoa(p.WeeksN))
	if p.OrgUnitID != 0 {
		v.Set("org_unit_id", strconv.FormatInt(p.OrgUnitID, 10))
	}
	return "/workload?" + v.Encode()
}

// workloadFormError reports whether err refuses a field of the workload
// form (from, weeks, the org unit when the form offers it), to be shown
// at that field.
func workloadFormError(err error, orgUnitField bool) bool {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid {
		return false
	}
	for f := range e.Fields {
		if f == "from" || f == "weeks" || (f == "org_unit_id" && orgUnitField) {
			return true
		}
	}
	return false
}

func (h *Handler) uiWorkload(w http.ResponseWriter, r *http.Request) {
	p := h.srv.NewPage(r, "")
	p.Title = p.L.T("workload.title")
	a := web.Actor(r)
	units, err := h.svc.WorkloadOrgUnits(r.Context(), a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	q, err := workloadQueryOf(r)
	var wl project.Workload
	if err == nil {
		wl, err = h.svc.Workload(r.Context(), a, q)
	}
	if err != nil {
		if !workloadFormError(err, len(units) > 0) {
			h.srv.Error(w, r, err)
			return
		}
		// A refused filter shows the form again as it was sent, with the
		// message at its field, and no table.
		raw := r.URL.Query()
		p.SetError(err)
		v := workloadPageView{Page: p, From: raw.Get("from"), WeeksText: raw.Get("weeks"), MaxWeeks: project.WorkloadWeeksMax,
			ShowOrgUnitField: len(units) > 0}
		for _, u := range units {
			v.OrgUnits = append(v.OrgUnits, workloadOption{Value: u.ID, Label: u.Name, Selected: strconv.FormatInt(u.ID, 10) == raw.Get("org_unit_id")})
		}
		h.srv.Render(w, r, http.StatusUnprocessableEntity, "workload.html", v)
		return
	}
	v := workloadPageView{Page: p, WeeksN: len(wl.Weeks), OrgUnitID: q.OrgUnitID, MaxWeeks: project.WorkloadWeeksMax,
		ShowOrgUnitField: len(units) > 0}
	v.WeeksText = strconv.Itoa(v.WeeksN)
	first := wl.Weeks[0].Start
	v.From = first.String()
	for _, u := range units {
		v.OrgUnits = append(v.OrgUnits, workloadOption{Value: u.ID, Label: u.Name, Selected: u.ID == q.OrgUnitID})
	}
	current := project.WeekOf(wl.Today).Key()
	for _, wk := range wl.Weeks {
		v.Weeks = append(v.Weeks, workloadWeekView{Key: wk.Key(), Label: p.L.T("workload.week_label", strconv.Itoa(wk.Week)),
			Range: p.L.Date(wk.Start.Start(time.UTC), time.UTC) + " – " + p.L.Date(wk.End.Start(time.UTC), time.UTC), Current: wk.Key() == current})
	}
	for _, person := range wl.People {
		row := workloadRowView{UserID: person.UserID, Name: person.DisplayName}
		for i, c := range person.Cells {
			row.Cells = append(row.Cells, newWorkloadCellView(p, person.UserID, wl.Weeks[i], c))
		}
		v.Rows = append(v.Rows, row)
	}
	v.PrevHref = v.href(first.AddDays(-7 * v.WeeksN))
	v.NextHref = v.href(first.AddDays(7 * v.WeeksN))
	v.ThisHref = v.href(wl.Today)
	h.srv.Render(w, r, http.StatusOK, "workload.html", v)
}

type workloadTaskView struct {
	ID                   int64
	Title, Project       string
	Due, DueISO          string
	Remaining, Share     string
	Assignees            int
	NoDue, Overdue, NoEs bool
}

type workloadDetailView struct {
	web.Page
	Detail   project.WorkloadDetail
	Cell     workloadCellView
	Capacity string
	Load     string
	Tasks    []workloadTaskView
	Other    string
	PrevHref string
	NextHref string
	BackHref string
	Range    string
}

func (h *Handler) uiWorkloadWeek(w http.ResponseWriter, r *http.Request) {
	d, err := h.workloadDetail(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := h.srv.NewPage(r, "")
	p.Title = p.L.T("workload.detail_title", d.Person.DisplayName, strconv.Itoa(d.Week.Week), strconv.Itoa(d.Week.Year))
	id := strconv.FormatInt(d.Person.UserID, 10)
	v := workloadDetailView{Page: p, Detail: d, Cell: newWorkloadCellView(p, d.Person.UserID, d.Week, d.Cell),
		Capacity: workloadHours(p, d.Cell.CapacityMinutes), Load: workloadHours(p, d.Cell.LoadMinutes),
		PrevHref: "/workload/" + id + "?week=" + project.WeekOf(d.Week.Start.AddDays(-7)).Key(),
		NextHref: "/workload/" + id + "?week=" + project.WeekOf(d.Week.Start.AddDays(7)).Key(),
		BackHref: "/workload?from=" + d.Week.Start.String(),
		Range:    p.L.Date(d.Week.Start.Start(time.UTC), time.UTC) + " – " + p.L.Date(d.Week.End.Start(time.UTC), time.UTC)}
	if d.OtherMinutes > 0 {
		v.Other = workloadHours(p, d.OtherMinutes)
	}
	for _, t := range d.Tasks {
		tv := workloadTaskView{ID: t.TaskID, Title: t.Title, Project: t.ProjectName, Due: taskDateText(p, t.DueDate),
			Remaining: taskHours(p, t.RemainingMinutes), Share: workloadHours(p, t.ShareMinutes), Assignees: t.Assignees,
			NoDue: t.NoDueDate, Overdue: t.Overdue, NoEs: t.NoEstimate}
		if t.DueDate != nil {
			tv.DueISO = t.DueDate.String()
		}
		v.Tasks = append(v.Tasks, tv)
	}
	h.srv.Render(w, r, http.StatusOK, "workload_week.html", v)
}
