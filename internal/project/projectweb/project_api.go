package projectweb

import (
	"context"
	"encoding/json"
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

// registerProjectAPI adds the JSON API of projects, members, columns,
// milestones and labels.
func (h *Handler) registerProjectAPI() {
	s := h.srv
	s.API("POST", "/projects", "createProject", web.Full, h.apiCreateProject)
	s.API("GET", "/projects", "listProjects", web.Full, h.apiListProjects)
	s.API("GET", "/projects/{id}", "getProject", web.Full, h.apiGetProject)
	s.API("PATCH", "/projects/{id}", "updateProject", web.Full, h.apiUpdateProject)
	s.API("POST", "/projects/{id}/copy", "createProjectFromTemplate", web.Full, h.apiCopyProject)
	s.API("GET", "/projects/{id}/members", "listProjectMembers", web.Full, apiProjectList(h, h.svc.Members, newAPIMember))
	s.API("PUT", "/projects/{id}/members/{user_id}", "setProjectMember", web.Full, h.apiSetMember)
	s.API("DELETE", "/projects/{id}/members/{user_id}", "removeProjectMember", web.Full, h.apiRemoveMember)
	s.API("GET", "/projects/{id}/statuses", "listProjectStatuses", web.Full, apiProjectList(h, h.svc.Columns, newAPIColumn))
	s.API("POST", "/projects/{id}/statuses", "createProjectStatus", web.Full, h.apiCreateColumn)
	s.API("PATCH", "/projects/{id}/statuses/{status_id}", "updateProjectStatus", web.Full, h.apiUpdateColumn)
	s.API("DELETE", "/projects/{id}/statuses/{status_id}", "deleteProjectStatus", web.Full, h.apiDeleteColumn)
	s.API("GET", "/projects/{id}/milestones", "listMilestones", web.Full, apiProjectList(h, h.svc.Milestones, newAPIMilestone))
	s.API("POST", "/projects/{id}/milestones", "createMilestone", web.Full, h.apiCreateMilestone)
	s.API("PATCH", "/projects/{id}/milestones/{milestone_id}", "updateMilestone", web.Full, h.apiUpdateMilestone)
	s.API("DELETE", "/projects/{id}/milestones/{milestone_id}", "deleteMilestone", web.Full, h.apiDeleteMilestone)
	s.API("GET", "/projects/{id}/labels", "listProjectLabels", web.Full, apiProjectList(h, h.svc.Labels, newAPILabel))
	s.API("POST", "/projects/{id}/labels", "createProjectLabel", web.Full, h.apiCreateLabel)
	s.API("PATCH", "/projects/{id}/labels/{label_id}", "updateProjectLabel", web.Full, h.apiUpdateLabel)
	s.API("DELETE", "/projects/{id}/labels/{label_id}", "deleteProjectLabel", web.Full, h.apiDeleteLabel)
}

// apiProjectList answers the GET of a list that belongs to the project in
// the path (members, columns, milestones, labels): load reads it for the
// actor (404 when the project is not visible), conv makes each item JSON.
func apiProjectList[T, J any](h *Handler, load func(context.Context, actor.Actor, int64) ([]T, error), conv func(T) J) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := web.PathID(r)
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		list, err := load(r.Context(), web.Actor(r), id)
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		items := make([]J, 0, len(list))
		for _, x := range list {
			items = append(items, conv(x))
		}
		web.JSON(w, http.StatusOK, map[string]any{"items": items})
	}
}

// pathInt reads the positive integer path value name; anything else
// answers not found, like web.PathID.
func pathInt(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFoundf("not_found", "not found")
	}
	return id, nil
}

// nullableDate is a date field of a change: absent (Set false), null or
// "" (clear), or a date.
type nullableDate struct {
	Set  bool
	Date civil.Date
}

func (n *nullableDate) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" || string(b) == `""` {
		n.Date = civil.Date{}
		return nil
	}
	return json.Unmarshal(b, &n.Date)
}

func (n nullableDate) ptr() *civil.Date {
	if !n.Set {
		return nil
	}
	d := n.Date
	return &d
}

type apiProject struct {
	ID              int64       `json:"id"`
	ParentID        *int64      `json:"parent_id"`
	Name            string      `json:"name"`
	Goal            string      `json:"goal"`
	Description     string      `json:"description"`
	DescriptionHTML *string     `json:"description_html,omitempty"`
	StartDate       *civil.Date `json:"start_date"`
	EndDate         *civil.Date `json:"end_date"`
	Status          string      `json:"status"`
	OwnerID         *int64      `json:"owner_id"`
	OwnerName       string      `json:"owner_name"`
	Confidential    bool        `json:"confidential"`
	Template        bool        `json:"template"`
	Role            string      `json:"role"`
	Depth           *int        `json:"depth,omitempty"`
	Version         int         `json:"version"`
	CreatedAt       time.Time   `json:"created_at"`
	UpdatedAt       time.Time   `json:"updated_at"`
}

func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func newAPIProject(p project.Project, withHTML bool) apiProject {
	out := apiProject{ID: p.ID, ParentID: optID(p.ParentID), Name: p.Name, Goal: p.Goal, Description: p.Description,
		StartDate: p.Start, EndDate: p.End, Status: string(p.Status), OwnerID: optID(p.OwnerID), OwnerName: p.OwnerName,
		Confidential: p.Confidential, Template: p.Template, Role: string(p.Role), Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if withHTML {
		s := string(markdown.HTML(p.Description))
		out.DescriptionHTML = &s
	}
	return out
}

type apiProjectCreate struct {
	ParentID     *int64      `json:"parent_id"`
	Name         string      `json:"name"`
	Goal         string      `json:"goal"`
	Description  string      `json:"description"`
	StartDate    *civil.Date `json:"start_date"`
	EndDate      *civil.Date `json:"end_date"`
	Status       string      `json:"status"`
	OwnerID      *int64      `json:"owner_id"`
	Confidential bool        `json:"confidential"`
	Template     bool        `json:"template"`
}

type apiProjectUpdate struct {
	Version      *int                `json:"version"`
	Name         *string             `json:"name"`
	Goal         *string             `json:"goal"`
	Description  *string             `json:"description"`
	StartDate    nullableDate        `json:"start_date"`
	EndDate      nullableDate        `json:"end_date"`
	Status       *string             `json:"status"`
	OwnerID      web.Nullable[int64] `json:"owner_id"`
	Confidential *bool               `json:"confidential"`
	Template     *bool               `json:"template"`
}

type apiProjectCopy struct {
	Name         string      `json:"name"`
	StartDate    *civil.Date `json:"start_date"`
	ParentID     *int64      `json:"parent_id"`
	Confidential *bool       `json:"confidential"`
}

func projDeref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func (h *Handler) apiCreateProject(w http.ResponseWriter, r *http.Request) {
	var req apiProjectCreate
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p, err := h.svc.Create(r.Context(), web.Actor(r), project.NewProject{ParentID: projDeref(req.ParentID), Name: req.Name, Goal: req.Goal,
		Description: req.Description, Start: req.StartDate, End: req.EndDate, Status: project.Status(req.Status), OwnerID: projDeref(req.OwnerID),
		Confidential: req.Confidential, Template: req.Template})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/projects/"+strconv.FormatInt(p.ID, 10))
	web.JSON(w, http.StatusCreated, newAPIProject(p, true))
}

// projectFilter reads template and status from the query.
func projectFilter(r *http.Request) (project.Filter, error) {
	q := r.URL.Query()
	var f project.Filter
	switch q.Get("template") {
	case "", "false":
	case "true":
		f.Templates = true
	default:
		return f, web.InvalidFilter("template", "template must be true or false")
	}
	for _, v := range q["status"] {
		for _, st := range strings.Split(v, ",") {
			if st = strings.TrimSpace(st); st != "" {
				f.Status = append(f.Status, project.Status(st))
			}
		}
	}
	return f, nil
}

func (h *Handler) apiListProjects(w http.ResponseWriter, r *http.Request) {
	f, err := projectFilter(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	ps, err := h.svc.List(r.Context(), web.Actor(r), f)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiProject, 0, len(ps))
	for _, p := range ps {
		a := newAPIProject(p, false)
		d := p.Depth
		a.Depth = &d
		items = append(items, a)
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items})
}

func (h *Handler) apiGetProject(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p, err := h.svc.Get(r.Context(), web.Actor(r), id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIProject(p, true))
}

func (h *Handler) apiUpdateProject(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req apiProjectUpdate
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if req.Version == nil {
		h.srv.Error(w, r, web.InvalidFilter("version", "version is required"))
		return
	}
	u := project.ProjectUpdate{Version: *req.Version, Name: req.Name, Goal: req.Goal, Description: req.Description,
		Start: req.StartDate.ptr(), End: req.EndDate.ptr(), OwnerID: req.OwnerID.Ptr(), Confidential: req.Confidential, Template: req.Template}
	if req.Status != nil {
		st := project.Status(*req.Status)
		u.Status = &st
	}
	p, err := h.svc.Update(r.Context(), web.Actor(r), id, u)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIProject(p, true))
}

func (h *Handler) apiCopyProject(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req apiProjectCopy
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p, err := h.svc.CopyTemplate(r.Context(), web.Actor(r), id, project.TemplateCopy{Name: req.Name, Start: req.StartDate,
		ParentID: projDeref(req.ParentID), Confidential: req.Confidential})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/projects/"+strconv.FormatInt(p.ID, 10))
	web.JSON(w, http.StatusCreated, newAPIProject(p, true))
}

// --- members -------------------------------------------------------------

type apiMember struct {
	UserID            int64   `json:"user_id"`
	Username          string  `json:"username"`
	DisplayName       string  `json:"display_name"`
	Role              string  `json:"role"`
	DirectRole        *string `json:"direct_role"`
	InheritedRole     *string `json:"inherited_role"`
	InheritedFromID   *int64  `json:"inherited_from_id"`
	InheritedFromName string  `json:"inherited_from_name,omitempty"`
	Inherited         bool    `json:"inherited"`
}

func optRole(r project.Role) *string {
	if r == "" {
		return nil
	}
	s := string(r)
	return &s
}

func newAPIMember(m project.Member) apiMember {
	return apiMember{UserID: m.UserID, Username: m.Username, DisplayName: m.DisplayName, Role: string(m.Role), DirectRole: optRole(m.Direct),
		InheritedRole: optRole(m.Inherited), InheritedFromID: optID(m.InheritedFrom), InheritedFromName: m.InheritedFromName, Inherited: m.IsInherited()}
}

func (h *Handler) apiSetMember(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	userID, err := pathInt(r, "user_id")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req struct {
		Role string `json:"role"`
	}
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	m, err := h.svc.SetMember(r.Context(), web.Actor(r), id, userID, project.Role(req.Role))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIMember(m))
}

func (h *Handler) apiRemoveMember(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	userID, err := pathInt(r, "user_id")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if err := h.svc.RemoveMember(r.Context(), web.Actor(r), id, userID); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// --- columns ---------------------------------------------------------------

type apiColumn struct {
	ID        int64  `json:"id"`
	ProjectID int64  `json:"project_id"`
	Name      string `json:"name"`
	Category  string `json:"category"`
	WIPLimit  *int   `json:"wip_limit"`
	Position  int    `json:"position"`
	TaskCount int    `json:"task_count"`
}

func newAPIColumn(c project.BoardColumn) apiColumn {
	out := apiColumn{ID: c.ID, ProjectID: c.ProjectID, Name: c.Name, Category: string(c.Category), Position: c.Position, TaskCount: c.Tasks}
	if c.WIPLimit > 0 {
		n := c.WIPLimit
		out.WIPLimit = &n
	}
	return out
}

func (h *Handler) apiCreateColumn(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req struct {
		Name     string `json:"name"`
		Category string `json:"category"`
		WIPLimit *int   `json:"wip_limit"`
	}
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	c, err := h.svc.CreateColumn(r.Context(), web.Actor(r), id, project.NewColumn{Name: req.Name, Category: project.Category(req.Category), WIPLimit: projDeref(req.WIPLimit)})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, newAPIColumn(c))
}

func (h *Handler) apiUpdateColumn(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	colID, err := pathInt(r, "status_id")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req struct {
		Name     *string           `json:"name"`
		Category *string           `json:"category"`
		WIPLimit web.Nullable[int] `json:"wip_limit"`
		Position *int              `json:"position"`
	}
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	u := project.ColumnUpdate{Name: req.Name, Position: req.Position}
	if req.Category != nil {
		c := project.Category(*req.Category)
		u.Category = &c
	}
	u.WIPLimit = req.WIPLimit.Ptr()
	c, err := h.svc.UpdateColumn(r.Context(), web.Actor(r), id, colID, u)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIColumn(c))
}

func (h *Handler) apiDeleteColumn(w http.ResponseWriter, r *http.Request) {
	h.apiDelete(w, r, "status_id", h.svc.DeleteColumn)
}

// apiDelete answers a DELETE of a project's sub-resource named by the
// path value name.
func (h *Handler) apiDelete(w http.ResponseWriter, r *http.Request, name string, del func(ctx context.Context, a actor.Actor, id, sub int64) error) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	sub, err := pathInt(r, name)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if err := del(r.Context(), web.Actor(r), id, sub); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// --- milestones -------------------------------------------------------------

type apiMilestone struct {
	ID        int64      `json:"id"`
	ProjectID int64      `json:"project_id"`
	Title     string     `json:"title"`
	DueDate   civil.Date `json:"due_date"`
	Done      bool       `json:"done"`
	DoneAt    *time.Time `json:"done_at"`
}

func newAPIMilestone(m project.Milestone) apiMilestone {
	return apiMilestone{ID: m.ID, ProjectID: m.ProjectID, Title: m.Title, DueDate: m.Due, Done: m.Done(), DoneAt: m.DoneAt}
}

func (h *Handler) apiCreateMilestone(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req struct {
		Title   string      `json:"title"`
		DueDate *civil.Date `json:"due_date"`
	}
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	m, err := h.svc.CreateMilestone(r.Context(), web.Actor(r), id, project.NewMilestone{Title: req.Title, Due: projDeref(req.DueDate)})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, newAPIMilestone(m))
}

func (h *Handler) apiUpdateMilestone(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	msID, err := pathInt(r, "milestone_id")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req struct {
		Title   *string     `json:"title"`
		DueDate *civil.Date `json:"due_date"`
		Done    *bool       `json:"done"`
	}
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	m, err := h.svc.UpdateMilestone(r.Context(), web.Actor(r), id, msID, project.MilestoneUpdate{Title: req.Title, Due: req.DueDate, Done: req.Done})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIMilestone(m))
}

func (h *Handler) apiDeleteMilestone(w http.ResponseWriter, r *http.Request) {
	h.apiDelete(w, r, "milestone_id", h.svc.DeleteMilestone)
}

// --- labels -----------------------------------------------------------------

type apiLabel struct {
	ID        int64  `json:"id"`
	ProjectID int64  `json:"project_id"`
	Name      string `json:"name"`
	Color     string `json:"color"`
}

func newAPILabel(l project.Label) apiLabel {
	return apiLabel{ID: l.ID, ProjectID: l.ProjectID, Name: l.Name, Color: l.Color}
}

func (h *Handler) apiCreateLabel(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req struct {
		Name  string `json:"name"`
		Color string `json:"color"`
	}
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	l, err := h.svc.CreateLabel(r.Context(), web.Actor(r), id, req.Name, req.Color)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, newAPILabel(l))
}

func (h *Handler) apiUpdateLabel(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	labelID, err := pathInt(r, "label_id")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req struct {
		Name  *string `json:"name"`
		Color *string `json:"color"`
	}
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	l, err := h.svc.UpdateLabel(r.Context(), web.Actor(r), id, labelID, project.LabelUpdate{Name: req.Name, Color: req.Color})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPILabel(l))
}

func (h *Handler) apiDeleteLabel(w http.ResponseWriter, r *http.Request) {
	h.apiDelete(w, r, "label_id", h.svc.DeleteLabel)
}
