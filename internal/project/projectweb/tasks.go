package projectweb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/markdown"
	"ortlos/internal/project"
	"ortlos/internal/web"
)

// registerTasks adds the task routes: the JSON API (this file) and the
// task page and "my tasks" (task_ui.go).
func (h *Handler) registerTasks() {
	s := h.srv
	s.API("GET", "/projects/{id}/tasks", "listProjectTasks", web.Full, h.apiListProjectTasks)
	s.API("POST", "/projects/{id}/tasks", "createTask", web.Full, h.apiCreateTask)
	s.API("GET", "/tasks", "listMyTasks", web.Full, h.apiListMyTasks)
	s.API("GET", "/tasks/{id}", "getTask", web.Full, h.apiGetTask)
	s.API("PATCH", "/tasks/{id}", "updateTask", web.Full, h.apiUpdateTask)
	s.API("DELETE", "/tasks/{id}", "deleteTask", web.Full, h.apiDeleteTask)
	s.API("POST", "/tasks/{id}/move", "moveTask", web.Full, h.apiMoveTask)
	s.API("GET", "/tasks/{id}/comments", "listTaskComments", web.Full, h.apiListTaskComments)
	s.API("POST", "/tasks/{id}/comments", "createTaskComment", web.Full, h.apiCreateTaskComment)
	s.API("PATCH", "/task-comments/{id}", "updateTaskComment", web.Full, h.apiUpdateTaskComment)
	s.API("DELETE", "/task-comments/{id}", "deleteTaskComment", web.Full, h.apiDeleteTaskComment)
	s.API("POST", "/tasks/{id}/checklist", "addChecklistItem", web.Full, h.apiAddChecklistItem)
	s.API("PUT", "/tasks/{id}/checklist/order", "reorderChecklist", web.Full, h.apiReorderChecklist)
	s.API("PATCH", "/checklist-items/{id}", "updateChecklistItem", web.Full, h.apiUpdateChecklistItem)
	s.API("DELETE", "/checklist-items/{id}", "deleteChecklistItem", web.Full, h.apiDeleteChecklistItem)
	s.API("POST", "/tasks/{id}/dependencies", "addTaskDependency", web.Full, h.apiAddTaskDependency)
	s.API("DELETE", "/tasks/{id}/dependencies/{blockedById}", "removeTaskDependency", web.Full, h.apiRemoveTaskDependency)
	s.API("PUT", "/tasks/{id}/watch", "watchTask", web.Full, h.apiWatchTask)
	s.API("DELETE", "/tasks/{id}/watch", "unwatchTask", web.Full, h.apiUnwatchTask)
	h.registerTaskUI()
}

// taskPersonJSON is an assignee or watcher.
type taskPersonJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type taskLabelJSON struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"`
}

type taskChecklistJSON struct {
	ID       int64  `json:"id"`
	Text     string `json:"text"`
	Done     bool   `json:"done"`
	Position int    `json:"position"`
}

type taskWarningJSON struct {
	Code     string `json:"code"`
	StatusID int64  `json:"status_id"`
	Limit    int    `json:"limit"`
	Count    int    `json:"count"`
}

// taskJSON is a task as the API shows it. Lists leave out the
// description's HTML, checklist, dependencies and watchers.
type taskJSON struct {
	ID               int64                `json:"id"`
	ProjectID        int64                `json:"project_id"`
	ProjectName      string               `json:"project_name,omitempty"`
	StatusID         int64                `json:"status_id"`
	Rank             string               `json:"rank"`
	Title            string               `json:"title"`
	Description      string               `json:"description"`
	DescriptionHTML  *string              `json:"description_html,omitempty"`
	Priority         string               `json:"priority"`
	StartDate        *civil.Date          `json:"start_date"`
	DueDate          *civil.Date          `json:"due_date"`
	EstimateMinutes  *int                 `json:"estimate_minutes"`
	RemainingMinutes *int                 `json:"remaining_minutes"`
	MilestoneID      *int64               `json:"milestone_id"`
	Assignees        []taskPersonJSON     `json:"assignees"`
	Labels           []taskLabelJSON      `json:"labels"`
	Checklist        *[]taskChecklistJSON `json:"checklist,omitempty"`
	BlockedBy        *[]int64             `json:"blocked_by,omitempty"`
	Watchers         *[]taskPersonJSON    `json:"watchers,omitempty"`
	Done             bool                 `json:"done"`
	Version          int                  `json:"version"`
	CreatedAt        string               `json:"created_at"`
	UpdatedAt        string               `json:"updated_at"`
	DoneAt           *string              `json:"done_at"`
	Warnings         []taskWarningJSON    `json:"warnings,omitempty"`
}

func taskTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func newTaskJSON(t project.Task, full bool) taskJSON {
	j := taskJSON{
		ID: t.ID, ProjectID: t.ProjectID, ProjectName: t.ProjectName, StatusID: t.StatusID, Rank: t.Rank, Title: t.Title, Description: t.Description,
		Priority: t.Priority, StartDate: t.StartDate, DueDate: t.DueDate, EstimateMinutes: t.EstimateMinutes,
		RemainingMinutes: t.RemainingMinutes, Assignees: []taskPersonJSON{}, Labels: []taskLabelJSON{},
		Done: t.Done, Version: t.Version, CreatedAt: taskTime(t.CreatedAt), UpdatedAt: taskTime(t.UpdatedAt),
	}
	if t.MilestoneID != 0 {
		id := t.MilestoneID
		j.MilestoneID = &id
	}
	if t.DoneAt != nil {
		s := taskTime(*t.DoneAt)
		j.DoneAt = &s
	}
	for _, p := range t.Assignees {
		j.Assignees = append(j.Assignees, taskPersonJSON{ID: p.ID, Name: p.Name})
	}
	for _, l := range t.Labels {
		j.Labels = append(j.Labels, taskLabelJSON{ID: l.ID, Name: l.Name, Color: l.Color})
	}
	if full {
		html := string(markdown.HTML(t.Description))
		j.DescriptionHTML = &html
		cl := make([]taskChecklistJSON, 0, len(t.Checklist))
		for _, c := range t.Checklist {
			cl = append(cl, newTaskChecklistJSON(c))
		}
		j.Checklist = &cl
		bb := append([]int64{}, t.BlockedBy...)
		j.BlockedBy = &bb
		ws := make([]taskPersonJSON, 0, len(t.Watchers))
		for _, p := range t.Watchers {
			ws = append(ws, taskPersonJSON{ID: p.ID, Name: p.Name})
		}
		j.Watchers = &ws
	}
	return j
}

func newTaskChecklistJSON(c project.ChecklistItem) taskChecklistJSON {
	return taskChecklistJSON{ID: c.ID, Text: c.Text, Done: c.Done, Position: c.Position}
}

func withTaskWarnings(j taskJSON, ws []project.TaskWarning) taskJSON {
	for _, w := range ws {
		j.Warnings = append(j.Warnings, taskWarningJSON{Code: w.Code, StatusID: w.StatusID, Limit: w.Limit, Count: w.Count})
	}
	return j
}

// taskError answers err; a stale task (409 task_stale) also carries the
// task's current version in the problem document.
func (h *Handler) taskError(w http.ResponseWriter, r *http.Request, err error) {
	var stale *project.TaskStaleError
	if !errors.As(err, &stale) || !web.IsAPI(r) {
		h.srv.Error(w, r, err)
		return
	}
	type staleProblem struct {
		web.Problem
		CurrentVersion int `json:"current_version"`
	}
	p := staleProblem{Problem: web.Problem{
		Type: "urn:ortlos:problem:task_stale", Title: http.StatusText(http.StatusConflict), Status: http.StatusConflict,
		Code: "task_stale", Detail: h.srv.Localizer(r).Error("task_stale"), RequestID: web.RequestID(r.Context()),
	}, CurrentVersion: stale.Version}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusConflict)
	_ = json.NewEncoder(w).Encode(p)
}

func taskInvalidFilter(field string) error {
	return apperr.Invalidf("invalid_filter", "invalid %s", field).WithField(field, "invalid_filter")
}

// taskFilterOf reads the query of the list operations.
func taskFilterOf(r *http.Request) (project.TaskFilter, error) {
	q := r.URL.Query()
	var f project.TaskFilter
	id := func(name string) (int64, error) {
		s := q.Get(name)
		if s == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, taskInvalidFilter(name)
		}
		return n, nil
	}
	date := func(name string) (civil.Date, error) {
		s := q.Get(name)
		if s == "" {
			return civil.Date{}, nil
		}
		d, err := civil.Parse(s)
		if err != nil {
			return d, taskInvalidFilter(name)
		}
		return d, nil
	}
	var err error
	if f.StatusID, err = id("status_id"); err != nil {
		return f, err
	}
	if a := q.Get("assignee"); a == "me" {
		f.AssigneeID = web.Actor(r).UserID
	} else if f.AssigneeID, err = id("assignee"); err != nil {
		return f, err
	}
	if f.LabelID, err = id("label"); err != nil {
		return f, err
	}
	if f.MilestoneID, err = id("milestone"); err != nil {
		return f, err
	}
	if f.DueBefore, err = date("due_before"); err != nil {
		return f, err
	}
	if f.DueAfter, err = date("due_after"); err != nil {
		return f, err
	}
	if s := q.Get("open"); s != "" {
		if f.Open, err = strconv.ParseBool(s); err != nil {
			return f, taskInvalidFilter("open")
		}
	}
	if s := q.Get("limit"); s != "" {
		if f.Limit, err = strconv.Atoi(s); err != nil || f.Limit < 1 || f.Limit > project.TaskPageMax {
			return f, taskInvalidFilter("limit")
		}
	}
	f.Priority, f.Query, f.Sort, f.Cursor = q.Get("priority"), strings.TrimSpace(q.Get("q")), q.Get("sort"), q.Get("cursor")
	return f, nil
}

type taskPageJSON struct {
	Items      []taskJSON `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

func (h *Handler) writeTaskPage(w http.ResponseWriter, page project.TaskPage) {
	out := taskPageJSON{Items: make([]taskJSON, 0, len(page.Items))}
	for _, t := range page.Items {
		out.Items = append(out.Items, newTaskJSON(t, false))
	}
	if page.NextCursor != "" {
		c := page.NextCursor
		out.NextCursor = &c
	}
	web.JSON(w, http.StatusOK, out)
}

func (h *Handler) apiListProjectTasks(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	f, err := taskFilterOf(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	page, err := h.svc.ListProjectTasks(r.Context(), web.Actor(r), id, f)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if web.NotModified(w, r, taskPageETag(id, page, r)) {
		return
	}
	h.writeTaskPage(w, page)
}

// taskPageETag is a weak validator of a page of a project's task list:
// the project's change counter, the reader's role (it shapes the items)
// and the query that selected the page.
func taskPageETag(id int64, page project.TaskPage, r *http.Request) string {
	role := ""
	if len(page.Items) > 0 {
		role = string(page.Items[0].Role)
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%d\x00%d\x00%s\x00%s", id, page.Version, role, r.URL.RawQuery))
	return `W/"` + hex.EncodeToString(sum[:12]) + `"`
}

func (h *Handler) apiListMyTasks(w http.ResponseWriter, r *http.Request) {
	f, err := taskFilterOf(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	page, err := h.svc.ListMyTasks(r.Context(), web.Actor(r), f)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.writeTaskPage(w, page)
}

type taskCreateJSON struct {
	StatusID         int64       `json:"status_id"`
	Title            string      `json:"title"`
	Description      string      `json:"description"`
	Priority         string      `json:"priority"`
	StartDate        *civil.Date `json:"start_date"`
	DueDate          *civil.Date `json:"due_date"`
	EstimateMinutes  *int        `json:"estimate_minutes"`
	RemainingMinutes *int        `json:"remaining_minutes"`
	MilestoneID      *int64      `json:"milestone_id"`
	AssigneeIDs      []int64     `json:"assignee_ids"`
	LabelIDs         []int64     `json:"label_ids"`
	BlockedBy        []int64     `json:"blocked_by"`
}

func (h *Handler) apiCreateTask(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req taskCreateJSON
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	n := project.NewTask{
		StatusID: req.StatusID, Title: req.Title, Description: req.Description, Priority: req.Priority,
		StartDate: req.StartDate, DueDate: req.DueDate, EstimateMinutes: req.EstimateMinutes, RemainingMinutes: req.RemainingMinutes,
		AssigneeIDs: req.AssigneeIDs, LabelIDs: req.LabelIDs, BlockedBy: req.BlockedBy,
	}
	if req.MilestoneID != nil {
		n.MilestoneID = *req.MilestoneID
	}
	t, warnings, err := h.svc.CreateTask(r.Context(), web.Actor(r), id, n)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, withTaskWarnings(newTaskJSON(t, true), warnings))
}

func (h *Handler) apiGetTask(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.answer(w, r, http.StatusOK, func() (any, error) {
		t, err := h.svc.GetTask(r.Context(), web.Actor(r), id)
		return newTaskJSON(t, true), err
	})
}

type taskUpdateJSON struct {
	Version          *int                     `json:"version"`
	Title            *string                  `json:"title"`
	Description      *string                  `json:"description"`
	Priority         *string                  `json:"priority"`
	StartDate        web.Nullable[civil.Date] `json:"start_date"`
	DueDate          web.Nullable[civil.Date] `json:"due_date"`
	EstimateMinutes  web.Nullable[int]        `json:"estimate_minutes"`
	RemainingMinutes web.Nullable[int]        `json:"remaining_minutes"`
	MilestoneID      web.Nullable[int64]      `json:"milestone_id"`
	AssigneeIDs      *[]int64                 `json:"assignee_ids"`
	LabelIDs         *[]int64                 `json:"label_ids"`
}

var errTaskUINotFound = apperr.NotFoundf("not_found", "not found")

var errTaskVersionRequired = apperr.Invalidf("task_version_required", "send the version the change is based on").WithField("version", "task_version_required")

func (h *Handler) apiUpdateTask(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req taskUpdateJSON
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if req.Version == nil {
		h.srv.Error(w, r, errTaskVersionRequired)
		return
	}
	u := project.TaskUpdate{Version: *req.Version, Title: req.Title, Description: req.Description, Priority: req.Priority}
	if req.StartDate.Set {
		d := req.StartDate.V
		u.StartDate = &d
	}
	if req.DueDate.Set {
		d := req.DueDate.V
		u.DueDate = &d
	}
	minutes := func(n web.Nullable[int], field string) (*int, error) {
		if !n.Set {
			return nil, nil
		}
		v := n.V
		if n.Null {
			v = -1
		} else if v < 0 {
			return nil, apperr.Invalidf("invalid_task_minutes", "minutes are not negative").WithField(field, "invalid_task_minutes")
		}
		return &v, nil
	}
	if u.EstimateMinutes, err = minutes(req.EstimateMinutes, "estimate_minutes"); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if u.RemainingMinutes, err = minutes(req.RemainingMinutes, "remaining_minutes"); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if req.MilestoneID.Set {
		m := req.MilestoneID.V
		u.MilestoneID = &m
	}
	if req.AssigneeIDs != nil {
		u.AssigneeIDs = append([]int64{}, *req.AssigneeIDs...)
	}
	if req.LabelIDs != nil {
		u.LabelIDs = append([]int64{}, *req.LabelIDs...)
	}
	t, err := h.svc.UpdateTask(r.Context(), web.Actor(r), id, u)
	if err != nil {
		h.taskError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newTaskJSON(t, true))
}

func (h *Handler) apiDeleteTask(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if err := h.svc.DeleteTask(r.Context(), web.Actor(r), id); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type taskMoveJSON struct {
	StatusID int64  `json:"status_id"`
	AfterID  *int64 `json:"after_id"`
	Version  *int   `json:"version"`
}

func (h *Handler) apiMoveTask(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req taskMoveJSON
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if req.Version == nil {
		h.srv.Error(w, r, errTaskVersionRequired)
		return
	}
	m := project.TaskMove{StatusID: req.StatusID, Version: *req.Version}
	if req.AfterID != nil {
		m.AfterID = *req.AfterID
	}
	t, warnings, err := h.svc.MoveTask(r.Context(), web.Actor(r), id, m)
	if err != nil {
		h.taskError(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, withTaskWarnings(newTaskJSON(t, true), warnings))
}

// taskCommentJSON is a comment as the API shows it.
type taskCommentJSON struct {
	ID         int64   `json:"id"`
	TaskID     int64   `json:"task_id"`
	AuthorID   *int64  `json:"author_id"`
	AuthorName string  `json:"author_name"`
	Body       string  `json:"body"`
	BodyHTML   string  `json:"body_html"`
	CreatedAt  string  `json:"created_at"`
	EditedAt   *string `json:"edited_at"`
}

func newTaskCommentJSON(c project.TaskComment) taskCommentJSON {
	j := taskCommentJSON{ID: c.ID, TaskID: c.TaskID, AuthorName: c.AuthorName, Body: c.Body,
		BodyHTML: string(markdown.HTML(c.Body)), CreatedAt: taskTime(c.CreatedAt)}
	if c.AuthorID != 0 {
		id := c.AuthorID
		j.AuthorID = &id
	}
	if c.EditedAt != nil {
		s := taskTime(*c.EditedAt)
		j.EditedAt = &s
	}
	return j
}

func (h *Handler) apiListTaskComments(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	cs, err := h.svc.ListTaskComments(r.Context(), web.Actor(r), id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	out := struct {
		Items      []taskCommentJSON `json:"items"`
		NextCursor *string           `json:"next_cursor"`
	}{Items: make([]taskCommentJSON, 0, len(cs))}
	for _, c := range cs {
		out.Items = append(out.Items, newTaskCommentJSON(c))
	}
	web.JSON(w, http.StatusOK, out)
}

type taskCommentBodyJSON struct {
	Body string `json:"body"`
}

func (h *Handler) apiCreateTaskComment(w http.ResponseWriter, r *http.Request) {
	web.APIWithBody(h.srv, w, r, http.StatusCreated, func(ctx context.Context, a actor.Actor, id int64, req taskCommentBodyJSON) (taskCommentJSON, error) {
		c, err := h.svc.AddTaskComment(ctx, a, id, req.Body)
		return newTaskCommentJSON(c), err
	})
}

func (h *Handler) apiUpdateTaskComment(w http.ResponseWriter, r *http.Request) {
	web.APIWithBody(h.srv, w, r, http.StatusOK, func(ctx context.Context, a actor.Actor, id int64, req taskCommentBodyJSON) (taskCommentJSON, error) {
		c, err := h.svc.EditTaskComment(ctx, a, id, req.Body)
		return newTaskCommentJSON(c), err
	})
}

func (h *Handler) apiDeleteTaskComment(w http.ResponseWriter, r *http.Request) {
	web.APINoContent(h.srv, w, r, h.svc.DeleteTaskComment)
}

func (h *Handler) apiAddChecklistItem(w http.ResponseWriter, r *http.Request) {
	type body struct {
		Text string `json:"text"`
	}
	web.APIWithBody(h.srv, w, r, http.StatusCreated, func(ctx context.Context, a actor.Actor, id int64, req body) (taskChecklistJSON, error) {
		c, err := h.svc.AddChecklistItem(ctx, a, id, req.Text)
		return newTaskChecklistJSON(c), err
	})
}

func (h *Handler) apiReorderChecklist(w http.ResponseWriter, r *http.Request) {
	type body struct {
		IDs []int64 `json:"ids"`
	}
	type list struct {
		Items      []taskChecklistJSON `json:"items"`
		NextCursor *string             `json:"next_cursor"`
	}
	web.APIWithBody(h.srv, w, r, http.StatusOK, func(ctx context.Context, a actor.Actor, id int64, req body) (list, error) {
		items, err := h.svc.ReorderChecklist(ctx, a, id, req.IDs)
		out := list{Items: make([]taskChecklistJSON, 0, len(items))}
		for _, c := range items {
			out.Items = append(out.Items, newTaskChecklistJSON(c))
		}
		return out, err
	})
}

func (h *Handler) apiUpdateChecklistItem(w http.ResponseWriter, r *http.Request) {
	type body struct {
		Text *string `json:"text"`
		Done *bool   `json:"done"`
	}
	web.APIWithBody(h.srv, w, r, http.StatusOK, func(ctx context.Context, a actor.Actor, id int64, req body) (taskChecklistJSON, error) {
		c, err := h.svc.UpdateChecklistItem(ctx, a, id, project.ChecklistUpdate{Text: req.Text, Done: req.Done})
		return newTaskChecklistJSON(c), err
	})
}

func (h *Handler) apiDeleteChecklistItem(w http.ResponseWriter, r *http.Request) {
	web.APINoContent(h.srv, w, r, h.svc.DeleteChecklistItem)
}

func (h *Handler) apiAddTaskDependency(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req struct {
		BlockedByID int64 `json:"blocked_by_id"`
	}
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if err := h.svc.AddTaskDependency(r.Context(), web.Actor(r), id, req.BlockedByID); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.apiGetTask(w, r)
}

func (h *Handler) apiRemoveTaskDependency(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	blocker, err := strconv.ParseInt(r.PathValue("blockedById"), 10, 64)
	if err != nil || blocker <= 0 {
		h.srv.Error(w, r, errTaskUINotFound)
		return
	}
	if err := h.svc.RemoveTaskDependency(r.Context(), web.Actor(r), id, blocker); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) apiWatchTask(w http.ResponseWriter, r *http.Request) {
	web.APINoContent(h.srv, w, r, h.svc.WatchTask)
}

func (h *Handler) apiUnwatchTask(w http.ResponseWriter, r *http.Request) {
	web.APINoContent(h.srv, w, r, h.svc.UnwatchTask)
}

// answer writes the result of fn with status, or its error.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, status int, fn func() (any, error)) {
	out, err := fn()
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, status, out)
}
