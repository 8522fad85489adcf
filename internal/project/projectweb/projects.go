package projectweb

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/i18n"
	"ortlos/internal/markdown"
	"ortlos/internal/project"
	"ortlos/internal/web"
)

// registerProjects adds the project pages (/projects: the tree with the
// forms for a new project and a copy of a template; /projects/{id}: the
// overview; /projects/{id}/settings: fields, members, columns, milestones
// and labels as plain forms) and the JSON API (project_api.go).
func (h *Handler) registerProjects() {
	s := h.srv
	s.UI("GET /projects", web.Full, h.projectsPage)
	s.UI("POST /projects", web.Full, h.uiCreateProject)
	s.UI("POST /projects/copy", web.Full, h.uiCopyProject)
	s.UI("GET /projects/{id}", web.Full, h.projectPage)
	s.UI("GET /projects/{id}/settings", web.Full, h.settingsPage)
	s.UI("POST /projects/{id}/settings", web.Full, h.uiUpdateProject)
	s.UI("POST /projects/{id}/members", web.Full, h.uiSetMember)
	s.UI("POST /projects/{id}/members/{user_id}/remove", web.Full, h.uiRemoveMember)
	s.UI("POST /projects/{id}/statuses", web.Full, h.uiCreateColumn)
	s.UI("POST /projects/{id}/statuses/{status_id}", web.Full, h.uiUpdateColumn)
	s.UI("POST /projects/{id}/statuses/{status_id}/delete", web.Full, h.uiDeleteColumn)
	s.UI("POST /projects/{id}/milestones", web.Full, h.uiCreateMilestone)
	s.UI("POST /projects/{id}/milestones/{milestone_id}", web.Full, h.uiUpdateMilestone)
	s.UI("POST /projects/{id}/milestones/{milestone_id}/delete", web.Full, h.uiDeleteMilestone)
	s.UI("POST /projects/{id}/labels", web.Full, h.uiCreateLabel)
	s.UI("POST /projects/{id}/labels/{label_id}", web.Full, h.uiUpdateLabel)
	s.UI("POST /projects/{id}/labels/{label_id}/delete", web.Full, h.uiDeleteLabel)
	h.registerProjectAPI()
}

// option is an entry of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// fmtDate formats a calendar date for l ("" for nil).
func fmtDate(l i18n.Localizer, d *civil.Date) string {
	if d == nil {
		return ""
	}
	return l.Date(d.Start(time.UTC), time.UTC)
}

func isoDate(d *civil.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// parseFormDate reads an optional date field ("" is nil).
func parseFormDate(v, field string) (*civil.Date, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	d, err := civil.Parse(v)
	if err != nil {
		return nil, apperr.Invalidf("invalid_date", "not a date").WithField(field, "invalid_date")
	}
	return &d, nil
}

// prefixed returns err with its field names prefixed, so that the error
// lands on the right form of a page with several forms.
func prefixed(err error, prefix string) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = map[string]string{}
	for f, code := range e.Fields {
		c.Fields[prefix+f] = code
	}
	return &c
}

// formDone shows the page again after a refused form, or redirects.
func (h *Handler) formDone(w http.ResponseWriter, r *http.Request, err error, target, flash string, render func(int, error)) {
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		render(http.StatusUnprocessableEntity, err)
	case apperr.Conflict:
		render(http.StatusConflict, err)
	default:
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		h.srv.Redirect(w, r, target, flash)
	}
}

func statusOptions(l i18n.Localizer, current project.Status, withAll bool) []option {
	var out []option
	if withAll {
		out = append(out, option{Value: "", Label: l.T("project.status_all"), Selected: current == ""})
	}
	for _, st := range project.Statuses {
		out = append(out, option{Value: string(st), Label: l.T("project.status_" + string(st)), Selected: st == current})
	}
	return out
}

// --- /projects ------------------------------------------------------------

// treeNode is a project in the tree of /projects.
type treeNode struct {
	project.Project
	URL         string
	StatusLabel string
	RoleLabel   string
	// ConfidentialLabel is the badge of a confidential project.
	ConfidentialLabel string
	Children          []*treeNode
}

type newProjectForm struct {
	Name, Goal, Start, End, ParentID string
	Confidential, Template           bool
	Parents                          []option
}

type copyForm struct {
	TemplateID, Name, Start string
	Templates               []option
}

type projectsPage struct {
	web.Page
	Tree      []*treeNode
	Templates []*treeNode
	Status    []option
	Filtered  bool
	CanCreate bool
	Form      newProjectForm
	Copy      copyForm
}

func (h *Handler) projectsPage(w http.ResponseWriter, r *http.Request) {
	h.renderProjects(w, r, http.StatusOK, nil, "")
}

// buildTree nests the projects of List (tree order with depths).
func buildTree(l i18n.Localizer, ps []project.Project) []*treeNode {
	var roots []*treeNode
	var stack []*treeNode
	for _, p := range ps {
		n := &treeNode{Project: p, URL: fmt.Sprintf("/projects/%d", p.ID), StatusLabel: l.T("project.status_" + string(p.Status)),
			RoleLabel: l.T("project.role_" + string(p.Role)), ConfidentialLabel: l.T("project.confidential_badge")}
		if p.Depth < len(stack) {
			stack = stack[:p.Depth]
		}
		if len(stack) == 0 {
			roots = append(roots, n)
		} else {
			parent := stack[len(stack)-1]
			parent.Children = append(parent.Children, n)
		}
		stack = append(stack, n)
	}
	return roots
}

// renderProjects shows the tree and the forms; after a refused form
// (which "new" or "copy") it shows the error there.
func (h *Handler) renderProjects(w http.ResponseWriter, r *http.Request, status int, formErr error, which string) {
	a := web.Actor(r)
	p := projectsPage{Page: h.srv.NewPage(r, ""), CanCreate: project.CanCreate(a)}
	p.Title = p.L.T("project.list_title")
	var f project.Filter
	st := project.Status(r.URL.Query().Get("status"))
	if st != "" {
		f.Status = []project.Status{st}
		p.Filtered = true
	}
	ps, err := h.svc.List(r.Context(), a, f)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p.Tree = buildTree(p.L, ps)
	p.Status = statusOptions(p.L, st, true)
	all := ps
	if p.Filtered {
		if all, err = h.svc.List(r.Context(), a, project.Filter{}); err != nil {
			h.srv.Error(w, r, err)
			return
		}
	}
	templates, err := h.svc.List(r.Context(), a, project.Filter{Templates: true})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p.Templates = buildTree(p.L, templates)
	if formErr != nil {
		p.SetError(formErr)
		if which == "new" {
			p.Form = newProjectForm{Name: r.PostFormValue("name"), Goal: r.PostFormValue("goal"), Start: r.PostFormValue("start_date"),
				End: r.PostFormValue("end_date"), ParentID: r.PostFormValue("parent_id"), Confidential: r.PostFormValue("confidential") != "",
				Template: r.PostFormValue("template") != ""}
		} else {
			p.Copy = copyForm{TemplateID: r.PostFormValue("template_id"), Name: r.PostFormValue("copy_name"), Start: r.PostFormValue("copy_start_date")}
		}
	}
	p.Form.Parents = []option{{Value: "", Label: p.L.T("project.parent_none")}}
	for _, x := range all {
		if x.Role == project.RoleManager {
			v := strconv.FormatInt(x.ID, 10)
			p.Form.Parents = append(p.Form.Parents, option{Value: v, Label: strings.Repeat("– ", x.Depth) + x.Name, Selected: v == p.Form.ParentID})
		}
	}
	for _, x := range templates {
		if x.Depth == 0 {
			v := strconv.FormatInt(x.ID, 10)
			p.Copy.Templates = append(p.Copy.Templates, option{Value: v, Label: x.Name, Selected: v == p.Copy.TemplateID})
		}
	}
	h.srv.Render(w, r, status, "project_list.html", p)
}

func formID(v string) int64 {
	id, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return id
}

func (h *Handler) uiCreateProject(w http.ResponseWriter, r *http.Request) {
	render := func(status int, err error) { h.renderProjects(w, r, status, err, "new") }
	n := project.NewProject{Name: r.PostFormValue("name"), Goal: r.PostFormValue("goal"), ParentID: formID(r.PostFormValue("parent_id")),
		Confidential: r.PostFormValue("confidential") != "", Template: r.PostFormValue("template") != ""}
	var err error
	if n.Start, err = parseFormDate(r.PostFormValue("start_date"), "start_date"); err != nil {
		render(http.StatusUnprocessableEntity, err)
		return
	}
	if n.End, err = parseFormDate(r.PostFormValue("end_date"), "end_date"); err != nil {
		render(http.StatusUnprocessableEntity, err)
		return
	}
	p, err := h.svc.Create(r.Context(), web.Actor(r), n)
	h.formDone(w, r, err, fmt.Sprintf("/projects/%d", p.ID), "project_created", render)
}

func (h *Handler) uiCopyProject(w http.ResponseWriter, r *http.Request) {
	render := func(status int, err error) { h.renderProjects(w, r, status, prefixed(err, "copy_"), "copy") }
	start, err := parseFormDate(r.PostFormValue("copy_start_date"), "start_date")
	if err != nil {
		render(http.StatusUnprocessableEntity, err)
		return
	}
	id := formID(r.PostFormValue("template_id"))
	if id == 0 {
		render(http.StatusUnprocessableEntity, apperr.Invalidf("project_not_template", "choose a template").WithField("template_id", "project_not_template"))
		return
	}
	p, err := h.svc.CopyTemplate(r.Context(), web.Actor(r), id, project.TemplateCopy{Name: r.PostFormValue("copy_name"), Start: start})
	h.formDone(w, r, err, fmt.Sprintf("/projects/%d", p.ID), "project_copied", render)
}

// --- /projects/{id} ---------------------------------------------------------

type crumb struct{ Name, URL string }

type milestoneRow struct {
	project.Milestone
	DueLabel string
}

type projectPage struct {
	web.Page
	Project     project.Project
	Crumbs      []crumb
	Description template.HTML
	Start, End  string
	StatusLabel string
	RoleLabel   string
	Children    []*treeNode
	Milestones  []milestoneRow
	IsManager   bool
	BoardURL    string
	SettingsURL string
}

// loadProject reads the project of the {id} path value with its
// breadcrumbs.
func (h *Handler) loadProject(r *http.Request) (project.Project, []crumb, error) {
	id, err := web.PathID(r)
	if err != nil {
		return project.Project{}, nil, err
	}
	a := web.Actor(r)
	p, err := h.svc.Get(r.Context(), a, id)
	if err != nil {
		return project.Project{}, nil, err
	}
	anc, err := h.svc.Ancestors(r.Context(), a, id)
	if err != nil {
		return project.Project{}, nil, err
	}
	var crumbs []crumb
	for _, x := range anc {
		crumbs = append(crumbs, crumb{Name: x.Name, URL: fmt.Sprintf("/projects/%d", x.ID)})
	}
	return p, crumbs, nil
}

func (h *Handler) projectPage(w http.ResponseWriter, r *http.Request) {
	p, crumbs, err := h.loadProject(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	a := web.Actor(r)
	kids, err := h.svc.Children(r.Context(), a, p.ID)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	ms, err := h.svc.Milestones(r.Context(), a, p.ID)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	v := projectPage{Page: h.srv.NewPage(r, p.Name), Project: p, Crumbs: crumbs, Description: markdown.HTML(p.Description),
		IsManager: p.Role.AtLeast(project.RoleManager), BoardURL: fmt.Sprintf("/projects/%d/board", p.ID),
		SettingsURL: fmt.Sprintf("/projects/%d/settings", p.ID)}
	v.Start, v.End = fmtDate(v.L, p.Start), fmtDate(v.L, p.End)
	v.StatusLabel, v.RoleLabel = v.L.T("project.status_"+string(p.Status)), v.L.T("project.role_"+string(p.Role))
	for i := range kids {
		kids[i].Depth = 0
	}
	v.Children = buildTree(v.L, kids)
	for _, m := range ms {
		v.Milestones = append(v.Milestones, milestoneRow{Milestone: m, DueLabel: fmtDate(v.L, &m.Due)})
	}
	h.srv.Render(w, r, http.StatusOK, "project_overview.html", v)
}

// --- /projects/{id}/settings -------------------------------------------------

type editForm struct {
	Name, Goal, Description, Start, End string
	Version                             int
	Confidential, Template              bool
	Status                              []option
	Owners                              []option
}

type memberRow struct {
	project.Member
	RoleLabel    string
	Source       string
	Roles        []option
	RemoveURL    string
	CanRemove    bool
	InheritedURL string
}

// The rows of columns, milestones and labels each have an edit form. Key
// ("column-4-") prefixes the ids of its controls and the field names of
// its errors (rowPrefix), so that a refused edit shows its message at the
// row's field; Form… are the values in the controls (as posted after a
// refused edit).
type columnRow struct {
	project.BoardColumn
	Categories []option
	WIP        string
	URL        string
	Key        string
	FormName   string
}

type settingsMilestone struct {
	project.Milestone
	DueLabel, DueISO, URL string
	Key, FormTitle        string
}

type labelRow struct {
	project.Label
	Key, FormName, FormColor string
}

// rowPrefix returns the Key of row id in a list ("column", "milestone",
// "label") on the settings page.
func rowPrefix(list string, id int64) string { return fmt.Sprintf("%s-%d-", list, id) }

// postedRow reports whether the request is a refused edit of row id,
// whose path value is named param: the page then shows what was posted.
func postedRow(r *http.Request, formErr error, param string, id int64, field string) bool {
	return formErr != nil && r.PathValue(param) == strconv.FormatInt(id, 10) && r.PostForm.Has(field)
}

type settingsPage struct {
	web.Page
	Project     project.Project
	Crumbs      []crumb
	Edit        editForm
	Members     []memberRow
	NewRoles    []option
	MemberName  string
	Columns     []columnRow
	Categories  []option
	Milestones  []settingsMilestone
	Labels      []labelRow
	ProjectURL  string
	SettingsURL string
}

func roleOptions(l i18n.Localizer, current project.Role) []option {
	var out []option
	for _, ro := range project.Roles {
		out = append(out, option{Value: string(ro), Label: l.T("project.role_" + string(ro)), Selected: ro == current})
	}
	return out
}

func categoryOptions(l i18n.Localizer, current project.Category) []option {
	var out []option
	for _, c := range project.Categories {
		out = append(out, option{Value: string(c), Label: l.T("project.category_" + string(c)), Selected: c == current})
	}
	return out
}

func (h *Handler) settingsPage(w http.ResponseWriter, r *http.Request) {
	h.renderSettings(w, r, http.StatusOK, nil, false)
}

var errNotManager = apperr.Forbiddenf("project_role_required", "your project role does not allow this")

// renderSettings shows the settings of project {id} to its managers;
// after a refused form it shows the error (and, for the project form,
// the posted values).
func (h *Handler) renderSettings(w http.ResponseWriter, r *http.Request, status int, formErr error, editPosted bool) {
	p, crumbs, err := h.loadProject(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if !p.Role.AtLeast(project.RoleManager) {
		h.srv.Error(w, r, errNotManager)
		return
	}
	ps, err := h.svc.Structure(r.Context(), web.Actor(r), p.ID)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	members, cols, ms, labels := ps.Members, ps.Columns, ps.Milestones, ps.Labels
	base := fmt.Sprintf("/projects/%d", p.ID)
	v := settingsPage{Page: h.srv.NewPage(r, ""), Project: p, Crumbs: append(crumbs, crumb{Name: p.Name, URL: base}),
		ProjectURL: base, SettingsURL: base + "/settings"}
	v.Title = v.L.T("project.settings_title", p.Name)
	v.Edit = editForm{Name: p.Name, Goal: p.Goal, Description: p.Description, Start: isoDate(p.Start), End: isoDate(p.End), Version: p.Version,
		Confidential: p.Confidential, Template: p.Template}
	st := p.Status
	owner := p.OwnerID
	if editPosted {
		v.Edit = editForm{Name: r.PostFormValue("name"), Goal: r.PostFormValue("goal"), Description: r.PostFormValue("description"),
			Start: r.PostFormValue("start_date"), End: r.PostFormValue("end_date"), Version: int(formID(r.PostFormValue("version"))),
			Confidential: r.PostFormValue("confidential") != "", Template: r.PostFormValue("template") != ""}
		st, owner = project.Status(r.PostFormValue("status")), formID(r.PostFormValue("owner_id"))
	}
	v.Edit.Status = statusOptions(v.L, st, false)
	v.Edit.Owners = []option{{Value: "", Label: v.L.T("project.owner_none"), Selected: owner == 0}}
	for _, m := range members {
		v.Edit.Owners = append(v.Edit.Owners, option{Value: strconv.FormatInt(m.UserID, 10), Label: m.DisplayName, Selected: m.UserID == owner})
		row := memberRow{Member: m, RoleLabel: v.L.T("project.role_" + string(m.Role)), Roles: roleOptions(v.L, m.Role),
			RemoveURL: fmt.Sprintf("%s/members/%d/remove", base, m.UserID), CanRemove: m.Direct != ""}
		if m.Inherited != "" {
			row.Source = v.L.T("project.member_inherited", v.L.T("project.role_"+string(m.Inherited)), m.InheritedFromName)
			row.InheritedURL = fmt.Sprintf("/projects/%d/settings", m.InheritedFrom)
		}
		v.Members = append(v.Members, row)
	}
	v.NewRoles = roleOptions(v.L, project.RoleMember)
	for _, c := range cols {
		row := columnRow{BoardColumn: c, Categories: categoryOptions(v.L, c.Category), URL: fmt.Sprintf("%s/statuses/%d", base, c.ID),
			Key: rowPrefix("column", c.ID), FormName: c.Name}
		if c.WIPLimit > 0 {
			row.WIP = strconv.Itoa(c.WIPLimit)
		}
		if postedRow(r, formErr, "status_id", c.ID, "name") {
			row.FormName, row.WIP = r.PostFormValue("name"), r.PostFormValue("wip_limit")
			row.Categories = categoryOptions(v.L, project.Category(r.PostFormValue("category")))
		}
		v.Columns = append(v.Columns, row)
	}
	v.Categories = categoryOptions(v.L, project.CategoryInProgress)
	for _, m := range ms {
		row := settingsMilestone{Milestone: m, DueLabel: fmtDate(v.L, &m.Due), DueISO: m.Due.String(),
			URL: fmt.Sprintf("%s/milestones/%d", base, m.ID), Key: rowPrefix("milestone", m.ID), FormTitle: m.Title}
		if postedRow(r, formErr, "milestone_id", m.ID, "title") {
			row.FormTitle, row.DueISO = r.PostFormValue("title"), r.PostFormValue("due_date")
		}
		v.Milestones = append(v.Milestones, row)
	}
	for _, l := range labels {
		row := labelRow{Label: l, Key: rowPrefix("label", l.ID), FormName: l.Name, FormColor: l.Color}
		if postedRow(r, formErr, "label_id", l.ID, "name") {
			row.FormName, row.FormColor = r.PostFormValue("name"), r.PostFormValue("color")
		}
		v.Labels = append(v.Labels, row)
	}
	if formErr != nil {
		v.SetError(formErr)
		v.MemberName = r.PostFormValue("member_username")
	}
	h.srv.Render(w, r, status, "project_settings.html", v)
}

// settingsDone finishes a form of the settings page: back to the settings
// (at anchor) with flash, or the page again with the error.
func (h *Handler) settingsDone(w http.ResponseWriter, r *http.Request, err error, prefix, anchor, flash string) {
	render := func(status int, err error) { h.renderSettings(w, r, status, prefixed(err, prefix), false) }
	h.formDone(w, r, err, fmt.Sprintf("/projects/%s/settings#%s", r.PathValue("id"), anchor), flash, render)
}

// ids reads the {id} path value and, unless sub is "", the named one.
func ids(r *http.Request, sub string) (int64, int64, error) {
	id, err := web.PathID(r)
	if err != nil || sub == "" {
		return id, 0, err
	}
	n, err := pathInt(r, sub)
	return id, n, err
}

func (h *Handler) uiUpdateProject(w http.ResponseWriter, r *http.Request) {
	id, _, err := ids(r, "")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	// A stale form shows the project as it is now; other refusals keep
	// what was typed.
	render := func(status int, err error) {
		h.renderSettings(w, r, status, err, apperr.KindOf(err) != apperr.Conflict)
	}
	name, goal, desc := r.PostFormValue("name"), r.PostFormValue("goal"), r.PostFormValue("description")
	st := project.Status(r.PostFormValue("status"))
	owner := formID(r.PostFormValue("owner_id"))
	conf, tmpl := r.PostFormValue("confidential") != "", r.PostFormValue("template") != ""
	u := project.ProjectUpdate{Version: int(formID(r.PostFormValue("version"))), Name: &name, Goal: &goal, Description: &desc, Status: &st,
		OwnerID: &owner, Confidential: &conf}
	p, err := h.svc.Get(r.Context(), web.Actor(r), id)
	if err == nil && p.ParentID == 0 {
		u.Template = &tmpl
	}
	var start, end *civil.Date
	if err == nil {
		start, err = parseFormDate(r.PostFormValue("start_date"), "start_date")
	}
	if err == nil {
		end, err = parseFormDate(r.PostFormValue("end_date"), "end_date")
	}
	if err == nil {
		u.Start, u.End = orClear(start), orClear(end)
		_, err = h.svc.Update(r.Context(), web.Actor(r), id, u)
	}
	h.formDone(w, r, err, fmt.Sprintf("/projects/%d", id), "project_updated", render)
}

// orClear turns an empty form date into the zero date that clears it.
func orClear(d *civil.Date) *civil.Date {
	if d == nil {
		return &civil.Date{}
	}
	return d
}

func (h *Handler) uiSetMember(w http.ResponseWriter, r *http.Request) {
	id, _, err := ids(r, "")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var userID int64
	if v := r.PostFormValue("user_id"); v != "" {
		userID = formID(v)
	} else {
		userID, err = h.svc.UserIDByUsername(r.Context(), r.PostFormValue("member_username"))
		if e, ok := apperr.As(err); ok && e.Fields != nil {
			err = apperr.Invalidf(e.Code, "%s", e.Message).WithField("username", e.Code)
		}
	}
	if err == nil {
		_, err = h.svc.SetMember(r.Context(), web.Actor(r), id, userID, project.Role(r.PostFormValue("member_role")))
	}
	h.settingsDone(w, r, err, "member_", "members", "project_member_set")
}

func (h *Handler) uiRemoveMember(w http.ResponseWriter, r *http.Request) {
	id, userID, err := ids(r, "user_id")
	if err == nil {
		err = h.svc.RemoveMember(r.Context(), web.Actor(r), id, userID)
	}
	if err == nil && userID == web.Actor(r).UserID {
		// One may have removed one's own access to the settings.
		if p, gerr := h.svc.Get(r.Context(), web.Actor(r), id); gerr != nil || !p.Role.AtLeast(project.RoleManager) {
			h.srv.Redirect(w, r, "/projects", "project_member_removed")
			return
		}
	}
	h.settingsDone(w, r, err, "member_", "members", "project_member_removed")
}

func (h *Handler) uiCreateColumn(w http.ResponseWriter, r *http.Request) {
	id, _, err := ids(r, "")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	wip, err := formWIP(r.PostFormValue("column_wip_limit"))
	if err == nil {
		_, err = h.svc.CreateColumn(r.Context(), web.Actor(r), id, project.NewColumn{Name: r.PostFormValue("column_name"),
			Category: project.Category(r.PostFormValue("column_category")), WIPLimit: wip})
	}
	h.settingsDone(w, r, err, "column_", "columns", "project_status_saved")
}

func formWIP(v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, apperr.Invalidf("invalid_wip_limit", "not a number").WithField("wip_limit", "invalid_wip_limit")
	}
	return n, nil
}

func (h *Handler) uiUpdateColumn(w http.ResponseWriter, r *http.Request) {
	id, colID, err := ids(r, "status_id")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var u project.ColumnUpdate
	if v := r.PostFormValue("move"); v != "" {
		// The arrows beside a column post only its new position.
		pos := int(formID(r.PostFormValue("position")))
		if v == "up" {
			pos--
		} else {
			pos++
		}
		u.Position = &pos
	} else {
		name, cat := r.PostFormValue("name"), project.Category(r.PostFormValue("category"))
		wip, werr := formWIP(r.PostFormValue("wip_limit"))
		err = werr
		u.Name, u.Category, u.WIPLimit = &name, &cat, &wip
	}
	if err == nil {
		_, err = h.svc.UpdateColumn(r.Context(), web.Actor(r), id, colID, u)
	}
	h.settingsDone(w, r, err, rowPrefix("column", colID), "columns", "project_status_saved")
}

func (h *Handler) uiDeleteColumn(w http.ResponseWriter, r *http.Request) {
	id, colID, err := ids(r, "status_id")
	if err == nil {
		err = h.svc.DeleteColumn(r.Context(), web.Actor(r), id, colID)
	}
	h.settingsDone(w, r, err, rowPrefix("column", colID), "columns", "project_status_deleted")
}

func (h *Handler) uiCreateMilestone(w http.ResponseWriter, r *http.Request) {
	id, _, err := ids(r, "")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	due, err := parseFormDate(r.PostFormValue("milestone_due_date"), "due_date")
	if err == nil {
		var d civil.Date
		if due != nil {
			d = *due
		}
		_, err = h.svc.CreateMilestone(r.Context(), web.Actor(r), id, project.NewMilestone{Title: r.PostFormValue("milestone_title"), Due: d})
	}
	h.settingsDone(w, r, err, "milestone_", "milestones", "project_milestone_saved")
}

func (h *Handler) uiUpdateMilestone(w http.ResponseWriter, r *http.Request) {
	id, msID, err := ids(r, "milestone_id")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var u project.MilestoneUpdate
	if v := r.PostFormValue("done"); v != "" {
		done := v == "1"
		u.Done = &done
	} else {
		title := r.PostFormValue("title")
		u.Title = &title
		due, derr := parseFormDate(r.PostFormValue("due_date"), "due_date")
		err = derr
		// An emptied date is refused (a milestone keeps a date), not
		// left as it was.
		u.Due = orClear(due)
	}
	if err == nil {
		_, err = h.svc.UpdateMilestone(r.Context(), web.Actor(r), id, msID, u)
	}
	h.settingsDone(w, r, err, rowPrefix("milestone", msID), "milestones", "project_milestone_saved")
}

func (h *Handler) uiDeleteMilestone(w http.ResponseWriter, r *http.Request) {
	id, msID, err := ids(r, "milestone_id")
	if err == nil {
		err = h.svc.DeleteMilestone(r.Context(), web.Actor(r), id, msID)
	}
	h.settingsDone(w, r, err, rowPrefix("milestone", msID), "milestones", "project_milestone_deleted")
}

func (h *Handler) uiCreateLabel(w http.ResponseWriter, r *http.Request) {
	id, _, err := ids(r, "")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	_, err = h.svc.CreateLabel(r.Context(), web.Actor(r), id, r.PostFormValue("label_name"), r.PostFormValue("label_color"))
	h.settingsDone(w, r, err, "label_", "labels", "project_label_saved")
}

func (h *Handler) uiUpdateLabel(w http.ResponseWriter, r *http.Request) {
	id, labelID, err := ids(r, "label_id")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	name, color := r.PostFormValue("name"), r.PostFormValue("color")
	_, err = h.svc.UpdateLabel(r.Context(), web.Actor(r), id, labelID, project.LabelUpdate{Name: &name, Color: &color})
	h.settingsDone(w, r, err, rowPrefix("label", labelID), "labels", "project_label_saved")
}

func (h *Handler) uiDeleteLabel(w http.ResponseWriter, r *http.Request) {
	id, labelID, err := ids(r, "label_id")
	if err == nil {
		err = h.svc.DeleteLabel(r.Context(), web.Actor(r), id, labelID)
	}
	h.settingsDone(w, r, err, rowPrefix("label", labelID), "labels", "project_label_deleted")
}
