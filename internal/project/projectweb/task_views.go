package projectweb

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/project"
	"ortlos/internal/web"
)

// registerTaskExtras adds attachments, CSV export and import, the task
// list page and the calendar page of a project.
func (h *Handler) registerTaskExtras() {
	h.registerTaskFiles()
	h.registerTaskCSV()
	h.srv.UI("GET /projects/{id}/tasks", web.Full, h.uiTaskList)
	h.srv.UI("GET /projects/{id}/calendar", web.Full, h.uiProjectCalendar)
}

// projectLinks are the links every project view shows.
type projectLinks struct {
	ProjectURL, BoardURL, ListURL, CalendarURL, ExportURL, ImportURL string
}

func linksOf(id int64) projectLinks {
	base := fmt.Sprintf("/projects/%d", id)
	return projectLinks{ProjectURL: base, BoardURL: base + "/board", ListURL: base + "/tasks", CalendarURL: base + "/calendar",
		ExportURL: base + "/tasks.csv", ImportURL: base + "/tasks/import"}
}

// --- /projects/{id}/tasks: list with filters, sorting and paging ------------

type taskListRow struct {
	ID        int64
	Title     string
	Status    string
	Done      bool
	Assignees string
	Priority  string
	Due       string
	DueISO    string
	Overdue   bool
	Estimate  string
	Labels    []string
	Milestone string
}

// taskListForm holds the values of the filter form.
type taskListForm struct {
	Q, DueAfter, DueBefore string
	Open                   bool
	Statuses, Assignees    []option
	Labels, Milestones     []option
	Priorities, Sorts      []option
	Limits                 []option
}

type taskListPage struct {
	web.Page
	Project  project.Project
	Crumbs   []crumb
	Links    projectLinks
	Form     taskListForm
	Rows     []taskListRow
	NextURL  string
	FirstURL string
	Paged    bool
}

func selected(opts []option, v string) []option {
	for i := range opts {
		opts[i].Selected = opts[i].Value == v
	}
	return opts
}

func (h *Handler) uiTaskList(w http.ResponseWriter, r *http.Request) {
	p, crumbs, err := h.loadProject(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	ctx, a := r.Context(), web.Actor(r)
	v := taskListPage{Page: h.srv.NewPage(r, ""), Project: p, Crumbs: crumbs, Links: linksOf(p.ID)}
	v.Title = v.L.T("task_extra.list_title", p.Name)
	q := r.URL.Query()
	f, ferr := taskFilterOf(r)
	if ferr == nil && f.Limit == 0 {
		f.Limit = project.TaskPageDefault
	}
	ps, err := h.svc.Structure(ctx, a, p.ID)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	members, cols, ms, labels := ps.Members, ps.Columns, ps.Milestones, ps.Labels
	all := option{Value: "", Label: v.L.T("task_extra.filter_all")}
	form := taskListForm{Q: q.Get("q"), DueAfter: q.Get("due_after"), DueBefore: q.Get("due_before"), Open: q.Get("open") == "true"}
	form.Statuses = []option{all}
	for _, c := range cols {
		form.Statuses = append(form.Statuses, option{Value: strconv.FormatInt(c.ID, 10), Label: c.Name})
	}
	form.Assignees = []option{all, {Value: "me", Label: v.L.T("task_extra.filter_me")}}
	for _, m := range members {
		form.Assignees = append(form.Assignees, option{Value: strconv.FormatInt(m.UserID, 10), Label: m.DisplayName})
	}
	form.Labels = []option{all}
	for _, l := range labels {
		form.Labels = append(form.Labels, option{Value: strconv.FormatInt(l.ID, 10), Label: l.Name})
	}
	form.Milestones = []option{all}
	msTitle := map[int64]string{}
	for _, m := range ms {
		msTitle[m.ID] = m.Title
		form.Milestones = append(form.Milestones, option{Value: strconv.FormatInt(m.ID, 10), Label: m.Title})
	}
	form.Priorities = []option{all}
	for _, pr := range project.Priorities {
		form.Priorities = append(form.Priorities, option{Value: pr, Label: v.L.T("task.priority." + pr)})
	}
	for _, s := range project.TaskSorts {
		form.Sorts = append(form.Sorts, option{Value: s, Label: v.L.T("task_extra.sort_" + s)})
	}
	for _, n := range []int{25, 50, 100, 200} {
		form.Limits = append(form.Limits, option{Value: strconv.Itoa(n), Label: strconv.Itoa(n)})
	}
	form.Statuses = selected(form.Statuses, q.Get("status_id"))
	form.Assignees = selected(form.Assignees, q.Get("assignee"))
	form.Labels = selected(form.Labels, q.Get("label"))
	form.Milestones = selected(form.Milestones, q.Get("milestone"))
	form.Priorities = selected(form.Priorities, q.Get("priority"))
	sort := q.Get("sort")
	if sort == "" {
		sort = project.TaskSortRank
	}
	form.Sorts = selected(form.Sorts, sort)
	limit := project.TaskPageDefault
	if ferr == nil {
		limit = f.Limit
	}
	form.Limits = selected(form.Limits, strconv.Itoa(limit))
	v.Form = form
	status := http.StatusOK
	var page project.TaskPage
	if ferr == nil {
		page, ferr = h.svc.ListProjectTasks(ctx, a, p.ID, f)
	}
	if ferr != nil {
		if web.StatusOf(ferr) != http.StatusUnprocessableEntity {
			h.srv.Error(w, r, ferr)
			return
		}
		status = http.StatusUnprocessableEntity
		v.SetError(ferr)
		h.srv.Render(w, r, status, "task_list.html", v)
		return
	}
	today := civil.In(h.svc.Now(), v.Loc)
	for _, t := range page.Items {
		row := taskListRow{ID: t.ID, Title: t.Title, Status: t.StatusName, Done: t.Done, Priority: v.L.T("task.priority." + t.Priority),
			Due: taskDateText(v.Page, t.DueDate), Estimate: taskHours(v.Page, t.EstimateMinutes), Milestone: msTitle[t.MilestoneID]}
		names := make([]string, 0, len(t.Assignees))
		for _, p := range t.Assignees {
			names = append(names, p.Name)
		}
		row.Assignees = strings.Join(names, ", ")
		for _, l := range t.Labels {
			row.Labels = append(row.Labels, l.Name)
		}
		if t.DueDate != nil {
			row.DueISO = t.DueDate.String()
			row.Overdue = !t.Done && t.DueDate.Before(today)
		}
		v.Rows = append(v.Rows, row)
	}
	if page.NextCursor != "" {
		next := cloneQuery(q)
		next.Set("cursor", page.NextCursor)
		v.NextURL = v.Links.ListURL + "?" + next.Encode()
	}
	if q.Get("cursor") != "" {
		first := cloneQuery(q)
		first.Del("cursor")
		v.FirstURL = v.Links.ListURL
		if len(first) > 0 {
			v.FirstURL += "?" + first.Encode()
		}
		v.Paged = true
	}
	h.srv.Render(w, r, status, "task_list.html", v)
}

// cloneQuery copies q without empty values (a submitted GET form sends
// every field).
func cloneQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		for _, v := range vs {
			if v != "" {
				out.Add(k, v)
			}
		}
	}
	return out
}

// --- /projects/{id}/calendar: month grid of due dates and milestones -------

// calendarMaxTasks bounds the tasks one month shows.
const calendarMaxTasks = 1000

type calendarItem struct {
	Kind    string // task or milestone
	Title   string
	URL     string
	Done    bool
	Overdue bool
}

type calendarDay struct {
	Date     civil.Date
	ISO      string
	Day      int
	Label    string // full date for screen readers
	InMonth  bool
	Today    bool
	Items    []calendarItem
	Weekend  bool
	HasItems bool
}

type calendarWeek struct {
	Number int
	Label  string
	Days   []calendarDay
	Items  int
}

type calendarPage struct {
	web.Page
	Project     project.Project
	Crumbs      []crumb
	Links       projectLinks
	MonthLabel  string
	PrevURL     string
	NextURL     string
	TodayURL    string
	PrevLabel   string
	NextLabel   string
	Weekdays    []string
	WeekdaysAbb []string
	Weeks       []calendarWeek
	More        bool
	Empty       bool
}

func (h *Handler) uiProjectCalendar(w http.ResponseWriter, r *http.Request) {
	p, crumbs, err := h.loadProject(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	ctx, a := r.Context(), web.Actor(r)
	v := calendarPage{Page: h.srv.NewPage(r, ""), Project: p, Crumbs: crumbs, Links: linksOf(p.ID)}
	today := civil.In(h.svc.Now(), v.Loc)
	year, month := today.Year, today.Month
	if s := r.URL.Query().Get("month"); s != "" {
		t, err := time.Parse("2006-01", s)
		if err != nil || t.Year() < 1900 || t.Year() > 2200 {
			h.srv.Error(w, r, apperr.NotFoundf("not_found", "no such month"))
			return
		}
		year, month = t.Year(), t.Month()
	}
	first := civil.D(year, month, 1)
	last := civil.D(year, month+1, 1).AddDays(-1)
	monthName := v.L.T("task_extra.month_" + strconv.Itoa(int(month)))
	v.MonthLabel = fmt.Sprintf("%s %d", monthName, year)
	v.Title = v.L.T("task_extra.calendar_title", p.Name, v.MonthLabel)
	prev, next := first.AddDays(-1), last.AddDays(1)
	v.PrevURL = fmt.Sprintf("%s?month=%04d-%02d", v.Links.CalendarURL, prev.Year, int(prev.Month))
	v.NextURL = fmt.Sprintf("%s?month=%04d-%02d", v.Links.CalendarURL, next.Year, int(next.Month))
	v.TodayURL = v.Links.CalendarURL
	v.PrevLabel = fmt.Sprintf("%s %d", v.L.T("task_extra.month_"+strconv.Itoa(int(prev.Month))), prev.Year)
	v.NextLabel = fmt.Sprintf("%s %d", v.L.T("task_extra.month_"+strconv.Itoa(int(next.Month))), next.Year)
	for i := 1; i <= 7; i++ {
		v.Weekdays = append(v.Weekdays, v.L.T("task_extra.weekday_"+strconv.Itoa(i)))
		v.WeekdaysAbb = append(v.WeekdaysAbb, v.L.T("task_extra.weekday_short_"+strconv.Itoa(i)))
	}

	items := map[civil.Date][]calendarItem{}
	ms, err := h.svc.Milestones(ctx, a, p.ID)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	for _, m := range ms {
		if m.Due.Before(first) || m.Due.After(last) {
			continue
		}
		items[m.Due] = append(items[m.Due], calendarItem{Kind: "milestone", Title: m.Title, URL: v.Links.ProjectURL + "#project-milestones", Done: m.Done()})
	}
	f := project.TaskFilter{DueAfter: first.AddDays(-1), DueBefore: last.AddDays(1), Sort: project.TaskSortDue, Limit: project.TaskPageMax}
	n := 0
	for {
		page, err := h.svc.ListProjectTasks(ctx, a, p.ID, f)
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		for _, t := range page.Items {
			d := *t.DueDate
			items[d] = append(items[d], calendarItem{Kind: "task", Title: t.Title, URL: fmt.Sprintf("/tasks/%d", t.ID), Done: t.Done,
				Overdue: !t.Done && d.Before(today)})
			n++
		}
		if page.NextCursor == "" {
			break
		}
		if n >= calendarMaxTasks {
			v.More = true
			break
		}
		f.Cursor = page.NextCursor
	}
	// Weeks from the Monday on or before the 1st to the Sunday on or after
	// the last day.
	start := first.AddDays(-((int(first.Weekday()) + 6) % 7))
	v.Empty = len(items) == 0
	for d := start; !d.After(last); {
		_, wn := d.Start(time.UTC).ISOWeek()
		week := calendarWeek{Number: wn, Label: v.L.T("task_extra.week", wn)}
		for i := 0; i < 7; i++ {
			day := calendarDay{Date: d, ISO: d.String(), Day: d.Day, InMonth: d.Month == month, Today: d == today,
				Weekend: i >= 5, Label: v.Weekdays[i] + ", " + taskDateText(v.Page, &d)}
			if day.InMonth {
				day.Items = items[d]
				day.HasItems = len(day.Items) > 0
				week.Items += len(day.Items)
			}
			week.Days = append(week.Days, day)
			d = d.AddDays(1)
		}
		v.Weeks = append(v.Weeks, week)
	}
	h.srv.Render(w, r, http.StatusOK, "project_calendar.html", v)
}
