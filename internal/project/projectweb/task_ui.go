package projectweb

import (
	"html/template"
	"net/http"
	"strconv"
	"time"

	"ortlos/internal/civil"
	"ortlos/internal/markdown"
	"ortlos/internal/project"
	"ortlos/internal/web"
)

// registerTaskUI adds the task page /tasks/{id} (fields, description,
// checklist, comments; plain forms) and "Meine Aufgaben" /tasks.
func (h *Handler) registerTaskUI() {
	s := h.srv
	s.AddNav("/tasks", "nav.my_tasks", nil)
	s.UI("GET /tasks", web.Full, h.uiMyTasks)
	s.UI("GET /tasks/{id}", web.Full, h.uiTask)
	s.UI("POST /tasks/{id}/comments", web.Full, h.uiAddComment)
	s.UI("POST /tasks/{id}/checklist", web.Full, h.uiAddChecklistItem)
	s.UI("POST /tasks/{id}/checklist/{item}", web.Full, h.uiToggleChecklistItem)
	s.UI("POST /tasks/{id}/watch", web.Full, h.uiWatch)
}

// taskDate formats an optional day for a page.
func taskDateText(p web.Page, d *civil.Date) string {
	if d == nil {
		return ""
	}
	return p.L.Date(d.Start(time.UTC), time.UTC)
}

// taskHours formats minutes as hours ("1,5 h").
func taskHours(p web.Page, m *int) string {
	if m == nil {
		return ""
	}
	s := strconv.FormatFloat(float64(*m)/60, 'f', -1, 64)
	if p.L.Lang != "en" {
		for i := range len(s) {
			if s[i] == '.' {
				s = s[:i] + "," + s[i+1:]
				break
			}
		}
	}
	return p.L.T("task.hours_value", s)
}

type taskRow struct {
	ID       int64
	Title    string
	Project  string
	Status   string
	Priority string
	Due      string
	DueISO   string
	Overdue  bool
}

type myTasksPage struct {
	web.Page
	Rows []taskRow
	More bool
}

func (h *Handler) uiMyTasks(w http.ResponseWriter, r *http.Request) {
	p := h.srv.NewPage(r, "")
	p.Title = p.L.T("task.my_title")
	page, err := h.svc.ListMyTasks(r.Context(), web.Actor(r), project.TaskFilter{Open: true, Limit: project.TaskPageMax})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	today := civil.In(h.svc.Now(), p.Loc)
	view := myTasksPage{Page: p, More: page.NextCursor != ""}
	for _, t := range page.Items {
		row := taskRow{ID: t.ID, Title: t.Title, Project: t.ProjectName, Status: t.StatusName,
			Priority: p.L.T("task.priority." + t.Priority), Due: taskDateText(p, t.DueDate)}
		if t.DueDate != nil {
			row.DueISO = t.DueDate.String()
			row.Overdue = t.DueDate.Before(today)
		}
		view.Rows = append(view.Rows, row)
	}
	h.srv.Render(w, r, http.StatusOK, "task_mine.html", view)
}

type taskCommentView struct {
	ID     int64
	Author string
	When   string
	Edited bool
	Body   template.HTML
}

type taskPage struct {
	web.Page
	Task         project.Task
	Description  template.HTML
	Start, Due   string
	Estimate     string
	Remaining    string
	Priority     string
	CanEdit      bool
	Comments     []taskCommentView
	CommentDraft string
	// Attachments is the attachments section (task_files.go).
	Attachments taskFilesSection
}

// renderTask shows task id, with status and form errors of a refused
// post.
func (h *Handler) renderTask(w http.ResponseWriter, r *http.Request, id int64, status int, formErr error, draft string) {
	t, err := h.svc.GetTask(r.Context(), web.Actor(r), id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	cs, err := h.svc.ListTaskComments(r.Context(), web.Actor(r), id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := h.srv.NewPage(r, t.Title)
	if formErr != nil {
		p.SetError(formErr)
	}
	v := taskPage{Page: p, Task: t, Description: markdown.HTML(t.Description),
		Start: taskDateText(p, t.StartDate), Due: taskDateText(p, t.DueDate),
		Estimate: taskHours(p, t.EstimateMinutes), Remaining: taskHours(p, t.RemainingMinutes),
		Priority: p.L.T("task.priority." + t.Priority), CanEdit: t.Role.AtLeast(project.RoleMember), CommentDraft: draft}
	if v.Attachments, err = h.taskFiles(r, p, id); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	for _, c := range cs {
		author := c.AuthorName
		if author == "" {
			author = p.L.T("task.comment_removed_author")
		}
		v.Comments = append(v.Comments, taskCommentView{ID: c.ID, Author: author, When: p.L.DateTime(c.CreatedAt, p.Loc),
			Edited: c.EditedAt != nil, Body: markdown.HTML(c.Body)})
	}
	h.srv.Render(w, r, status, "task_detail.html", v)
}

func (h *Handler) uiTask(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.renderTask(w, r, id, http.StatusOK, nil, "")
}

func (h *Handler) uiAddComment(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	body := r.PostFormValue("body")
	if _, err := h.svc.AddTaskComment(r.Context(), web.Actor(r), id, body); err != nil {
		h.uiTaskFormError(w, r, id, err, body)
		return
	}
	h.srv.Redirect(w, r, "/tasks/"+strconv.FormatInt(id, 10)+"#comments", "task_commented")
}

// uiTaskFormError shows the task page again with a validation error, or
// the error page for anything else (not found, forbidden).
func (h *Handler) uiTaskFormError(w http.ResponseWriter, r *http.Request, id int64, err error, draft string) {
	if st := web.StatusOf(err); st == http.StatusUnprocessableEntity || st == http.StatusConflict {
		h.renderTask(w, r, id, st, err, draft)
		return
	}
	h.srv.Error(w, r, err)
}

func (h *Handler) uiAddChecklistItem(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if _, err := h.svc.AddChecklistItem(r.Context(), web.Actor(r), id, r.PostFormValue("text")); err != nil {
		h.uiTaskFormError(w, r, id, err, "")
		return
	}
	h.srv.Redirect(w, r, "/tasks/"+strconv.FormatInt(id, 10)+"#checklist", "task_checklist_saved")
}

func (h *Handler) uiToggleChecklistItem(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	item, err := strconv.ParseInt(r.PathValue("item"), 10, 64)
	if err != nil || item <= 0 {
		h.srv.Error(w, r, errTaskUINotFound)
		return
	}
	done := r.PostFormValue("done") == "true"
	c, err := h.svc.UpdateChecklistItem(r.Context(), web.Actor(r), item, project.ChecklistUpdate{Done: &done})
	if err == nil && c.TaskID != id {
		err = errTaskUINotFound
	}
	if err != nil {
		h.uiTaskFormError(w, r, id, err, "")
		return
	}
	h.srv.Redirect(w, r, "/tasks/"+strconv.FormatInt(id, 10)+"#checklist", "task_checklist_saved")
}

func (h *Handler) uiWatch(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	flash := "task_watching"
	if r.PostFormValue("watch") == "false" {
		err, flash = h.svc.UnwatchTask(r.Context(), web.Actor(r), id), "task_unwatched"
	} else {
		err = h.svc.WatchTask(r.Context(), web.Actor(r), id)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.srv.Redirect(w, r, "/tasks/"+strconv.FormatInt(id, 10), flash)
}
