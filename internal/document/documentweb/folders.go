package documentweb

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/document"
	"ortlos/internal/i18n"
	"ortlos/internal/web"
)

// registerFolders adds the routes of the file plan and its folders: the
// pages /documents (the file plan), /documents/folders/{id} (a folder with
// its sub-folders and documents), its edit and grants pages, the document
// types (/documents/types), and the JSON API (folders_api.go part below).
//
// The UI paths below /documents/folders/{id} and /documents/types/{id}
// end in a fixed word (edit, close, grants) so that they never overlap
// with the document pages /documents/{id}/… of documents.go.
func (h *Handler) registerFolders() {
	s := h.srv
	s.AddNav("/documents", "nav.documents", nil)
	s.UI("GET /documents", web.Full, h.planPage)
	s.UI("POST /documents/folders", web.Full, h.uiCreateFolder)
	s.UI("GET /documents/folders/{id}", web.Full, h.folderPage)
	s.UI("GET /documents/folders/{id}/edit", web.Full, h.folderEditPage)
	s.UI("POST /documents/folders/{id}/edit", web.Full, h.uiUpdateFolder)
	s.UI("POST /documents/folders/{id}/close", web.Full, h.uiCloseFolder)
	s.UI("GET /documents/folders/{id}/grants", web.Full, h.folderGrantsPage)
	s.UI("POST /documents/folders/{id}/grants", web.Full, h.uiSetFolderGrants)
	s.UI("GET /documents/types", web.Full, h.docTypesPage)
	s.UI("POST /documents/types", web.Full, h.uiCreateDocType)
	s.UI("GET /documents/types/{id}", web.Full, h.docTypePage)
	s.UI("POST /documents/types/{id}/edit", web.Full, h.uiUpdateDocType)

	s.API("GET", "/document-folders", "listFolders", web.Full, h.apiListFolders)
	s.API("POST", "/document-folders", "createFolder", web.Full, h.apiCreateFolder)
	s.API("GET", "/document-folders/{id}", "getFolder", web.Full, h.apiGetFolder)
	s.API("PATCH", "/document-folders/{id}", "updateFolder", web.Full, h.apiUpdateFolder)
	s.API("POST", "/document-folders/{id}/close", "closeFolder", web.Full, h.apiCloseFolder)
	s.API("GET", "/document-folders/{id}/grants", "getFolderGrants", web.Full, h.apiGetFolderGrants)
	s.API("PUT", "/document-folders/{id}/grants", "setFolderGrants", web.Full, h.apiSetFolderGrants)
	s.API("GET", "/document-types", "listDocumentTypes", web.Full, h.apiListDocTypes)
	s.API("POST", "/document-types", "createDocumentType", web.Full, h.apiCreateDocType)
	s.API("PATCH", "/document-types/{id}", "updateDocumentType", web.Full, h.apiUpdateDocType)
}

// folderOpt is an entry of a select.
type folderOpt struct {
	Value, Label string
	Selected     bool
}

type folderCrumb struct{ Name, URL string }

// folderNode is a folder in a tree or list of the pages.
type folderNode struct {
	document.Folder
	URL         string
	KindLabel   string
	StateLabel  string
	AccessLabel string
	Children    []*folderNode
}

func folderURL(id int64) string { return fmt.Sprintf("/documents/folders/%d", id) }

func accessLabel(l i18n.Localizer, x document.Access) string {
	if x == document.AccessNone {
		return l.T("documents.access_none")
	}
	return l.T("documents.access_" + x.String())
}

func newFolderNode(l i18n.Localizer, f document.Folder) *folderNode {
	return &folderNode{Folder: f, URL: folderURL(f.ID), KindLabel: l.T("folder.kind_" + f.Kind), StateLabel: l.T("folder.state_" + f.State),
		AccessLabel: accessLabel(l, f.Access)}
}

// buildFolderTree nests the folders of ListFolders (tree order with
// depths).
func buildFolderTree(l i18n.Localizer, fs []document.Folder) []*folderNode {
	var roots, stack []*folderNode
	for _, f := range fs {
		n := newFolderNode(l, f)
		if f.Depth < len(stack) {
			stack = stack[:f.Depth]
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

// folderPrefixed maps grant and field errors of nested inputs
// ("grants.3", "fields.key") onto the one form element that shows them.
func folderPrefixed(err error) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = map[string]string{}
	for f, code := range e.Fields {
		if head, _, ok := strings.Cut(f, "."); ok {
			f = head
		}
		c.Fields[f] = code
	}
	return &c
}

// folderFormDone shows the page again after a refused form, or redirects.
func (h *Handler) folderFormDone(w http.ResponseWriter, r *http.Request, err error, target, flash string, render func(int, error)) {
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		render(http.StatusUnprocessableEntity, folderPrefixed(err))
	case apperr.Conflict:
		render(http.StatusConflict, folderPrefixed(err))
	default:
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		h.srv.Redirect(w, r, target, flash)
	}
}

// folderChoices are the select options of the folder forms.
type folderChoices struct {
	Units     []folderOpt
	Retention []folderOpt
}

// choices reads the org units and retention classes for the forms, with
// unit and class selected (0: the "none"/"inherit" entry).
func (h *Handler) folderChoices(r *http.Request, l i18n.Localizer, unit, class int64, unitNone, classNone string) (folderChoices, error) {
	a := web.Actor(r)
	var c folderChoices
	units, err := h.svc.GrantOrgUnits(r.Context(), a)
	if err != nil {
		return c, err
	}
	c.Units = []folderOpt{{Value: "", Label: l.T(unitNone), Selected: unit == 0}}
	for _, u := range units {
		c.Units = append(c.Units, folderOpt{Value: strconv.FormatInt(u.ID, 10), Label: u.Name, Selected: u.ID == unit})
	}
	classes, err := h.svc.ListRetentionClasses(r.Context(), a)
	if err != nil {
		return c, err
	}
	c.Retention = []folderOpt{{Value: "", Label: l.T(classNone), Selected: class == 0}}
	for _, rc := range classes {
		c.Retention = append(c.Retention, folderOpt{Value: strconv.FormatInt(rc.ID, 10),
			Label: l.T("documents.retention_option", rc.Code, rc.Name, rc.Years), Selected: rc.ID == class})
	}
	return c, nil
}

// newFolderForm is the form that creates a folder below ParentID (0: a
// top-level plan position).
type newFolderForm struct {
	ParentID    int64
	Kinds       []folderOpt // empty: the kind is fixed (Kind)
	Kind        string
	Reference   string
	Title       string
	Description string
	NoInherit   bool
	// Admin shows the fields of plan administrators (retention class).
	Admin bool
	folderChoices
}

// newFolderFormFor fills the create form for a parent with rights; posted
// re-fills it from a refused request.
func (h *Handler) newFolderFormFor(r *http.Request, l i18n.Localizer, parentID int64, rights document.FolderRights, posted bool) (newFolderForm, error) {
	f := newFolderForm{ParentID: parentID, Kind: document.FolderFile, Admin: document.PlanAdmin(web.Actor(r))}
	if parentID == 0 || (rights.CreatePlan && !rights.CreateFile) {
		f.Kind = document.FolderPlan
	}
	var unit, class int64
	if posted {
		f.Kind, f.Reference, f.Title, f.Description = r.PostFormValue("kind"), r.PostFormValue("reference"), r.PostFormValue("title"), r.PostFormValue("description")
		f.NoInherit = r.PostFormValue("no_inherit") != ""
		unit, class = formID(r.PostFormValue("owner_unit_id")), formID(r.PostFormValue("retention_class_id"))
	}
	if rights.CreatePlan && rights.CreateFile {
		for _, k := range []string{document.FolderFile, document.FolderPlan} {
			f.Kinds = append(f.Kinds, folderOpt{Value: k, Label: l.T("folder.kind_" + k), Selected: k == f.Kind})
		}
	}
	var err error
	f.folderChoices, err = h.folderChoices(r, l, unit, class, "folder.owner_unit_inherit", "folder.retention_inherit")
	return f, err
}

// --- /documents -------------------------------------------------------------

type planView struct {
	web.Page
	Tree      []*folderNode
	PlanAdmin bool
	// Records shows the links to the records management pages
	// (retention.go).
	Records bool
	Form    newFolderForm
}

func (h *Handler) planPage(w http.ResponseWriter, r *http.Request) {
	h.renderPlan(w, r, http.StatusOK, nil)
}

func (h *Handler) renderPlan(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	a := web.Actor(r)
	v := planView{Page: h.srv.NewPage(r, ""), PlanAdmin: document.PlanAdmin(a), Records: a.Has(actor.RoleRecords)}
	v.Title = v.L.T("documents.plan_title")
	fs, err := h.svc.ListFolders(r.Context(), a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	v.Tree = buildFolderTree(v.L, fs)
	if v.PlanAdmin {
		if v.Form, err = h.newFolderFormFor(r, v.L, 0, document.FolderRights{CreatePlan: true}, formErr != nil); err != nil {
			h.srv.Error(w, r, err)
			return
		}
	}
	if formErr != nil {
		v.SetError(formErr)
	}
	h.srv.Render(w, r, status, "documents.html", v)
}

func (h *Handler) uiCreateFolder(w http.ResponseWriter, r *http.Request) {
	parent := formID(r.PostFormValue("parent_id"))
	render := func(status int, err error) {
		if parent == 0 {
			h.renderPlan(w, r, status, err)
			return
		}
		h.renderFolder(w, r, parent, status, err)
	}
	n := document.NewFolder{ParentID: parent, Kind: r.PostFormValue("kind"), Reference: r.PostFormValue("reference"),
		Title: r.PostFormValue("title"), Description: r.PostFormValue("description"), OwnerUnitID: formID(r.PostFormValue("owner_unit_id")),
		RetentionClassID: formID(r.PostFormValue("retention_class_id"))}
	if r.PostFormValue("no_inherit") != "" {
		no := false
		n.InheritAccess = &no
	}
	f, err := h.svc.CreateFolder(r.Context(), web.Actor(r), n)
	h.folderFormDone(w, r, err, folderURL(f.ID), "folder_created", render)
}

// --- /documents/folders/{id} -------------------------------------------------

type folderDocRow struct {
	URL, Title, StateLabel, Updated string
	Version                         int
}

type folderView struct {
	web.Page
	Folder         document.FolderDetail
	Crumbs         []folderCrumb
	KindLabel      string
	StateLabel     string
	AccessLabel    string
	ClosedLabel    string
	RetentionLabel string
	Children       []*folderNode
	Documents      []folderDocRow
	MoreDocuments  string
	NewDocumentURL string
	Form           newFolderForm
	EditURL        string
	GrantsURL      string
	CloseURL       string
	// ExportURL is the archive package of a closed file (retention.go).
	ExportURL string
	// HoldURL is the legal hold form for this folder (records
	// management).
	HoldURL string
}

// folderCrumbs returns the breadcrumbs of d: the file plan, then the
// ancestors the reader sees.
func folderCrumbs(d document.FolderDetail) []folderCrumb {
	var out []folderCrumb
	for _, p := range d.Path {
		out = append(out, folderCrumb{Name: p.Reference + " " + p.Title, URL: folderURL(p.ID)})
	}
	return out
}

func (h *Handler) folderPage(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.renderFolder(w, r, id, http.StatusOK, nil)
}

// retentionLabel describes the effective retention class of d.
func retentionLabel(l i18n.Localizer, d document.FolderDetail) string {
	rt := d.Retention
	if rt == nil {
		return l.T("folder.retention_none")
	}
	s := l.T("documents.retention_value", rt.Name, rt.Years, l.T("documents.trigger_"+rt.Trigger), rt.Code)
	if rt.Inherited(d.ID) {
		// The reference of the folder that sets the class, unless the
		// reader does not see it.
		from := l.T("folder.retention_inherited_hidden")
		for _, p := range d.Path {
			if p.ID == rt.FromFolderID {
				from = l.T("folder.retention_inherited", p.Reference)
			}
		}
		s += " " + from
	}
	return s
}

// renderFolder shows folder id; after a refused create or close form it
// shows the error.
func (h *Handler) renderFolder(w http.ResponseWriter, r *http.Request, id int64, status int, formErr error) {
	a := web.Actor(r)
	d, err := h.svc.GetFolder(r.Context(), a, id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	v := folderView{Page: h.srv.NewPage(r, d.Reference+" – "+d.Title), Folder: d, Crumbs: folderCrumbs(d)}
	v.KindLabel, v.StateLabel, v.AccessLabel = v.L.T("folder.kind_"+d.Kind), v.L.T("folder.state_"+d.State), accessLabel(v.L, d.Access)
	if d.ClosedAt != nil {
		v.ClosedLabel = v.L.DateTime(*d.ClosedAt, v.Loc)
	}
	v.RetentionLabel = retentionLabel(v.L, d)
	for _, c := range d.Children {
		v.Children = append(v.Children, newFolderNode(v.L, c))
	}
	base := folderURL(id)
	if d.Rights.Edit {
		v.EditURL = base + "/edit"
	}
	if d.Rights.Grants {
		v.GrantsURL = base + "/grants"
	}
	if d.Rights.Close {
		v.CloseURL = base + "/close"
	}
	if d.Closed() && d.Kind == document.FolderFile && (d.Access >= document.AccessManage || a.Has(actor.RoleRecords)) {
		v.ExportURL = base + "/export"
	}
	if document.CanProposeDeletion(a) {
		v.HoldURL = "/documents/holds?folder_reference=" + url.QueryEscape(d.Reference) + "#hold-new"
	}
	if !d.Rights.Structure {
		page, err := h.svc.ListDocuments(r.Context(), a, id, document.DocumentFilter{Cursor: r.URL.Query().Get("cursor")})
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		for _, doc := range page.Items {
			v.Documents = append(v.Documents, folderDocRow{URL: fmt.Sprintf("/documents/%d", doc.ID), Title: doc.Title,
				StateLabel: v.L.T("documents.state_" + doc.State), Version: doc.CurrentVersion, Updated: v.L.DateTime(doc.UpdatedAt, v.Loc)})
		}
		if page.NextCursor != "" {
			v.MoreDocuments = base + "?cursor=" + page.NextCursor
		}
		if d.Kind == document.FolderFile && !d.Closed() && d.Access >= document.AccessWrite {
			v.NewDocumentURL = base + "/new"
		}
	}
	if d.Rights.CreateFile || d.Rights.CreatePlan {
		if v.Form, err = h.newFolderFormFor(r, v.L, id, d.Rights, formErr != nil && r.PostFormValue("parent_id") != ""); err != nil {
			h.srv.Error(w, r, err)
			return
		}
	}
	if formErr != nil {
		v.SetError(formErr)
	}
	h.srv.Render(w, r, status, "folder_detail.html", v)
}

func (h *Handler) uiCloseFolder(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	render := func(status int, err error) { h.renderFolder(w, r, id, status, err) }
	if r.PostFormValue("confirm") == "" {
		render(http.StatusUnprocessableEntity, apperr.Invalidf("folder_close_unconfirmed", "confirm that the file is complete").
			WithField("confirm", "folder_close_unconfirmed"))
		return
	}
	_, err = h.svc.CloseFolder(r.Context(), web.Actor(r), id)
	h.folderFormDone(w, r, err, folderURL(id), "folder_closed", render)
}

// --- /documents/folders/{id}/edit ----------------------------------------------

type folderEditForm struct {
	Version     int
	Reference   string
	Title       string
	Description string
	Inherit     bool
	folderChoices
}

type folderEditView struct {
	web.Page
	Folder    document.FolderDetail
	Crumbs    []folderCrumb
	FolderURL string
	Form      folderEditForm
}

func (h *Handler) folderEditPage(w http.ResponseWriter, r *http.Request) {
	h.renderFolderEdit(w, r, http.StatusOK, nil, false)
}

func (h *Handler) renderFolderEdit(w http.ResponseWriter, r *http.Request, status int, formErr error, posted bool) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	d, err := h.svc.GetFolder(r.Context(), web.Actor(r), id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if !d.Rights.Edit {
		if d.Closed() {
			h.srv.Error(w, r, apperr.Conflictf("folder_closed", "the file is closed"))
			return
		}
		h.srv.Error(w, r, apperr.Forbiddenf("file_plan_admin_required", "only the file plan administration edits this folder"))
		return
	}
	v := folderEditView{Page: h.srv.NewPage(r, ""), Folder: d, Crumbs: append(folderCrumbs(d), folderCrumb{Name: d.Reference + " " + d.Title, URL: folderURL(id)}),
		FolderURL: folderURL(id), Form: folderEditForm{Version: d.Version, Reference: d.Reference, Title: d.Title, Description: d.Description,
			Inherit: d.InheritAccess}}
	v.Title = v.L.T("folder.edit_title", d.Reference)
	unit, class := d.OwnerUnitID, d.RetentionClassID
	if posted {
		f := &v.Form
		f.Version = int(formID(r.PostFormValue("version")))
		f.Title, f.Description = r.PostFormValue("title"), r.PostFormValue("description")
		if d.Rights.EditAll {
			f.Reference, f.Inherit = r.PostFormValue("reference"), r.PostFormValue("inherit_access") != ""
			unit, class = formID(r.PostFormValue("owner_unit_id")), formID(r.PostFormValue("retention_class_id"))
		}
	}
	if v.Form.folderChoices, err = h.folderChoices(r, v.L, unit, class, "folder.owner_unit_none", "folder.retention_inherit"); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if formErr != nil {
		v.SetError(formErr)
	}
	h.srv.Render(w, r, status, "folder_edit.html", v)
}

func (h *Handler) uiUpdateFolder(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	// A stale form shows the folder as it is now; other refusals keep
	// what was typed.
	render := func(status int, err error) {
		h.renderFolderEdit(w, r, status, err, apperr.KindOf(err) != apperr.Conflict)
	}
	title, desc := r.PostFormValue("title"), r.PostFormValue("description")
	u := document.FolderUpdate{Version: int(formID(r.PostFormValue("version"))), Title: &title, Description: &desc}
	if document.PlanAdmin(web.Actor(r)) {
		ref := r.PostFormValue("reference")
		unit, class := formID(r.PostFormValue("owner_unit_id")), formID(r.PostFormValue("retention_class_id"))
		inherit := r.PostFormValue("inherit_access") != ""
		u.Reference, u.OwnerUnitID, u.RetentionClassID, u.InheritAccess = &ref, &unit, &class, &inherit
	}
	_, err = h.svc.UpdateFolder(r.Context(), web.Actor(r), id, u)
	h.folderFormDone(w, r, err, folderURL(id), "folder_updated", render)
}

// --- /documents/folders/{id}/grants --------------------------------------------

type grantRow struct {
	document.Grant
	Index     int
	KindLabel string
	Accesses  []folderOpt
}

type folderGrantsView struct {
	web.Page
	Folder    document.FolderDetail
	Crumbs    []folderCrumb
	FolderURL string
	Rows      []grantRow
	Inherit   bool
	Roles     []folderOpt
	Units     []folderOpt
	Accesses  []folderOpt
	NewUser   string
}

func accessOptions(l i18n.Localizer, current document.Access) []folderOpt {
	var out []folderOpt
	for _, x := range []document.Access{document.AccessRead, document.AccessWrite, document.AccessManage} {
		out = append(out, folderOpt{Value: x.String(), Label: l.T("documents.access_" + x.String()), Selected: x == current})
	}
	return out
}

func (h *Handler) folderGrantsPage(w http.ResponseWriter, r *http.Request) {
	h.renderFolderGrants(w, r, http.StatusOK, nil)
}

func (h *Handler) renderFolderGrants(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	a := web.Actor(r)
	d, err := h.svc.GetFolder(r.Context(), a, id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if !d.Rights.Grants {
		h.srv.Error(w, r, apperr.Forbiddenf("document_access_required", "manage access required"))
		return
	}
	v := folderGrantsView{Page: h.srv.NewPage(r, ""), Folder: d, Crumbs: append(folderCrumbs(d), folderCrumb{Name: d.Reference + " " + d.Title, URL: folderURL(id)}),
		FolderURL: folderURL(id), Inherit: d.InheritAccess}
	v.Title = v.L.T("folder.grants_title", d.Reference)
	for i, g := range d.Grants {
		row := grantRow{Grant: g, Index: i, KindLabel: v.L.T("folder.principal_" + g.Kind), Accesses: accessOptions(v.L, g.Access)}
		if g.Kind == document.PrincipalRole && v.L.Has("role."+g.Principal) {
			row.Name = v.L.T("role." + g.Principal)
		}
		if row.Name == "" {
			row.Name = v.L.T("folder.principal_gone", g.Principal)
		}
		v.Rows = append(v.Rows, row)
	}
	roles, err := h.svc.GrantRoles(r.Context(), a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	v.Roles = []folderOpt{{Value: "", Label: v.L.T("folder.grant_none")}}
	for _, ro := range roles {
		label := ro
		if v.L.Has("role." + ro) {
			label = v.L.T("role." + ro)
		}
		v.Roles = append(v.Roles, folderOpt{Value: ro, Label: label})
	}
	units, err := h.svc.GrantOrgUnits(r.Context(), a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	v.Units = []folderOpt{{Value: "", Label: v.L.T("folder.grant_none")}}
	for _, u := range units {
		v.Units = append(v.Units, folderOpt{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
	}
	v.Accesses = accessOptions(v.L, document.AccessRead)
	if formErr != nil {
		v.SetError(formErr)
		v.NewUser = r.PostFormValue("new_user")
	}
	h.srv.Render(w, r, status, "folder_grants.html", v)
}

// postedGrants reads the grant list of the grants form: the rows
// (kind_i, principal_i, access_i, remove_i) and the three "add" entries.
func (h *Handler) postedGrants(r *http.Request) ([]document.Grant, error) {
	var out []document.Grant
	access := func(v, field string) (document.Access, error) {
		x, ok := document.ParseAccess(v)
		if !ok {
			return 0, apperr.Invalidf("invalid_grant_access", "access is read, write or manage").WithField(field, "invalid_grant_access")
		}
		return x, nil
	}
	rows := int(formID(r.PostFormValue("rows")))
	for i := range min(rows, document.MaxFolderGrants) {
		n := strconv.Itoa(i)
		if r.PostFormValue("remove_"+n) != "" || r.PostFormValue("kind_"+n) == "" {
			continue
		}
		x, err := access(r.PostFormValue("access_"+n), "grants")
		if err != nil {
			return nil, err
		}
		out = append(out, document.Grant{Kind: r.PostFormValue("kind_" + n), Principal: r.PostFormValue("principal_" + n), Access: x})
	}
	add := func(kind, principal, accessField string) error {
		if principal == "" {
			return nil
		}
		x, err := access(r.PostFormValue(accessField), accessField)
		if err != nil {
			return err
		}
		// A new entry for a principal already listed replaces its row.
		for i, g := range out {
			if g.Kind == kind && g.Principal == principal {
				out = append(out[:i], out[i+1:]...)
				break
			}
		}
		out = append(out, document.Grant{Kind: kind, Principal: principal, Access: x})
		return nil
	}
	if err := add(document.PrincipalRole, r.PostFormValue("new_role"), "new_role_access"); err != nil {
		return nil, err
	}
	if err := add(document.PrincipalOrgUnit, r.PostFormValue("new_unit"), "new_unit_access"); err != nil {
		return nil, err
	}
	if name := strings.TrimSpace(r.PostFormValue("new_user")); name != "" {
		id, err := h.svc.GrantUserByName(r.Context(), web.Actor(r), name, "new_user")
		if err != nil {
			return nil, err
		}
		if err := add(document.PrincipalUser, strconv.FormatInt(id, 10), "new_user_access"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (h *Handler) uiSetFolderGrants(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	render := func(status int, err error) { h.renderFolderGrants(w, r, status, err) }
	gs, err := h.postedGrants(r)
	if err == nil {
		inherit := r.PostFormValue("inherit_access") != ""
		_, err = h.svc.SetFolderGrants(r.Context(), web.Actor(r), id, gs, &inherit)
	}
	target := folderURL(id) + "/grants"
	if err == nil {
		// One may have given away one's own access to the grants.
		if d, gerr := h.svc.GetFolder(r.Context(), web.Actor(r), id); gerr != nil || !d.Rights.Grants {
			target = "/documents"
		}
	}
	h.folderFormDone(w, r, err, target, "folder_grants_saved", render)
}

// --- /documents/types ------------------------------------------------------------

// docFieldRow is a row of the field table of a document type form.
type docFieldRow struct {
	Index      int
	Key, Label string
	Required   bool
	Kinds      []folderOpt
	// RowLabel names the row for screen readers ("Feld 2").
	RowLabel string
}

type docTypeForm struct {
	Name      string
	Rows      []docFieldRow
	RowCount  int
	Retention []folderOpt
}

type docTypeItem struct {
	document.DocType
	URL            string
	FieldsLabel    string
	RetentionLabel string
}

type docTypesView struct {
	web.Page
	Types     []docTypeItem
	PlanAdmin bool
	Form      docTypeForm
}

type docTypeView struct {
	web.Page
	Type      document.DocType
	PlanAdmin bool
	Form      docTypeForm
	EditURL   string
}

// extraFieldRows is the number of empty rows a type form offers for new
// fields.
const extraFieldRows = 3

func fieldKindOptions(l i18n.Localizer, current string) []folderOpt {
	var out []folderOpt
	for _, k := range []string{document.FieldText, document.FieldDate, document.FieldNumber} {
		out = append(out, folderOpt{Value: k, Label: l.T("doctype.kind_" + k), Selected: k == current})
	}
	return out
}

// docTypeFormFor fills the type form with fields and empty rows.
func (h *Handler) docTypeFormFor(r *http.Request, l i18n.Localizer, name string, fields []document.DocField, class int64) (docTypeForm, error) {
	f := docTypeForm{Name: name}
	rows := append(append([]document.DocField{}, fields...), make([]document.DocField, extraFieldRows)...)
	for i, fd := range rows {
		kind := fd.Kind
		if kind == "" {
			kind = document.FieldText
		}
		f.Rows = append(f.Rows, docFieldRow{Index: i, Key: fd.Key, Label: fd.Label, Required: fd.Required, Kinds: fieldKindOptions(l, kind),
			RowLabel: l.T("doctype.field_row", i+1)})
	}
	f.RowCount = len(rows)
	classes, err := h.svc.ListRetentionClasses(r.Context(), web.Actor(r))
	if err != nil {
		return f, err
	}
	f.Retention = []folderOpt{{Value: "", Label: l.T("doctype.retention_none"), Selected: class == 0}}
	for _, rc := range classes {
		f.Retention = append(f.Retention, folderOpt{Value: strconv.FormatInt(rc.ID, 10),
			Label: l.T("documents.retention_option", rc.Code, rc.Name, rc.Years), Selected: rc.ID == class})
	}
	return f, nil
}

// postedDocFields reads the field rows of a type form; rows without key
// and label are left out.
func postedDocFields(r *http.Request) []document.DocField {
	out := []document.DocField{}
	rows := int(formID(r.PostFormValue("field_rows")))
	for i := range min(rows, document.MaxDocFields+extraFieldRows) {
		n := strconv.Itoa(i)
		key, label := strings.TrimSpace(r.PostFormValue("field_key_"+n)), strings.TrimSpace(r.PostFormValue("field_label_"+n))
		if key == "" && label == "" {
			continue
		}
		out = append(out, document.DocField{Key: key, Label: label, Kind: r.PostFormValue("field_kind_" + n),
			Required: r.PostFormValue("field_required_"+n) != ""})
	}
	return out
}

func (h *Handler) docTypesPage(w http.ResponseWriter, r *http.Request) {
	h.renderDocTypes(w, r, http.StatusOK, nil)
}

func (h *Handler) renderDocTypes(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	a := web.Actor(r)
	v := docTypesView{Page: h.srv.NewPage(r, ""), PlanAdmin: document.PlanAdmin(a)}
	v.Title = v.L.T("doctype.list_title")
	ts, err := h.svc.ListDocTypes(r.Context(), a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	classes, err := h.svc.ListRetentionClasses(r.Context(), a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	for _, t := range ts {
		it := docTypeItem{DocType: t, URL: fmt.Sprintf("/documents/types/%d", t.ID), RetentionLabel: "–"}
		var labels []string
		for _, f := range t.Fields {
			labels = append(labels, f.Label)
		}
		if len(labels) > 0 {
			it.FieldsLabel = strings.Join(labels, ", ")
		} else {
			it.FieldsLabel = "–"
		}
		for _, c := range classes {
			if c.ID == t.RetentionClassID {
				it.RetentionLabel = c.Code + " " + c.Name
			}
		}
		v.Types = append(v.Types, it)
	}
	if v.PlanAdmin {
		name, fields, class := "", []document.DocField(nil), int64(0)
		if formErr != nil {
			name, fields, class = r.PostFormValue("name"), postedDocFields(r), formID(r.PostFormValue("retention_class_id"))
		}
		if v.Form, err = h.docTypeFormFor(r, v.L, name, fields, class); err != nil {
			h.srv.Error(w, r, err)
			return
		}
	}
	if formErr != nil {
		v.SetError(formErr)
	}
	h.srv.Render(w, r, status, "folder_doctypes.html", v)
}

func (h *Handler) uiCreateDocType(w http.ResponseWriter, r *http.Request) {
	render := func(status int, err error) { h.renderDocTypes(w, r, status, err) }
	t, err := h.svc.CreateDocType(r.Context(), web.Actor(r), document.NewDocType{Name: r.PostFormValue("name"), Fields: postedDocFields(r),
		RetentionClassID: formID(r.PostFormValue("retention_class_id"))})
	h.folderFormDone(w, r, err, fmt.Sprintf("/documents/types/%d", t.ID), "doctype_created", render)
}

func (h *Handler) docTypePage(w http.ResponseWriter, r *http.Request) {
	h.renderDocType(w, r, http.StatusOK, nil)
}

func (h *Handler) renderDocType(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	a := web.Actor(r)
	t, err := h.svc.DocType(r.Context(), a, id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	v := docTypeView{Page: h.srv.NewPage(r, t.Name), Type: t, PlanAdmin: document.PlanAdmin(a), EditURL: fmt.Sprintf("/documents/types/%d/edit", id)}
	name, fields, class := t.Name, t.Fields, t.RetentionClassID
	if formErr != nil && apperr.KindOf(formErr) != apperr.Conflict {
		name, fields, class = r.PostFormValue("name"), postedDocFields(r), formID(r.PostFormValue("retention_class_id"))
	}
	if v.Form, err = h.docTypeFormFor(r, v.L, name, fields, class); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if formErr != nil {
		v.SetError(formErr)
	}
	h.srv.Render(w, r, status, "folder_doctype.html", v)
}

func (h *Handler) uiUpdateDocType(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	render := func(status int, err error) { h.renderDocType(w, r, status, err) }
	name, fields, class := r.PostFormValue("name"), postedDocFields(r), formID(r.PostFormValue("retention_class_id"))
	_, err = h.svc.UpdateDocType(r.Context(), web.Actor(r), id, document.DocTypeUpdate{Name: &name, Fields: &fields, RetentionClassID: &class})
	h.folderFormDone(w, r, err, fmt.Sprintf("/documents/types/%d", id), "doctype_updated", render)
}

// --- JSON API ------------------------------------------------------------------

type apiFolder struct {
	ID               int64      `json:"id"`
	ParentID         *int64     `json:"parent_id"`
	Kind             string     `json:"kind"`
	Reference        string     `json:"reference"`
	Title            string     `json:"title"`
	Description      string     `json:"description"`
	OwnerUnitID      *int64     `json:"owner_unit_id"`
	OwnerUnitName    string     `json:"owner_unit_name"`
	RetentionClassID *int64     `json:"retention_class_id"`
	InheritAccess    bool       `json:"inherit_access"`
	State            string     `json:"state"`
	ClosedAt         *time.Time `json:"closed_at"`
	ClosedBy         *int64     `json:"closed_by"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	Version          int        `json:"version"`
	Access           string     `json:"access"`
	Depth            *int       `json:"depth,omitempty"`
}

func apiAccess(x document.Access) string {
	if x == document.AccessNone {
		return "none"
	}
	return x.String()
}

func newAPIFolder(f document.Folder) apiFolder {
	return apiFolder{ID: f.ID, ParentID: optID(f.ParentID), Kind: f.Kind, Reference: f.Reference, Title: f.Title, Description: f.Description,
		OwnerUnitID: optID(f.OwnerUnitID), OwnerUnitName: f.OwnerUnitName, RetentionClassID: optID(f.RetentionClassID),
		InheritAccess: f.InheritAccess, State: f.State, ClosedAt: f.ClosedAt, ClosedBy: optID(f.ClosedBy), CreatedAt: f.CreatedAt,
		UpdatedAt: f.UpdatedAt, Version: f.Version, Access: apiAccess(f.Access)}
}

type apiGrant struct {
	Kind      string `json:"kind"`
	Principal string `json:"principal"`
	Access    string `json:"access"`
	Name      string `json:"name,omitempty"`
}

func newAPIGrants(gs []document.Grant) []apiGrant {
	out := make([]apiGrant, 0, len(gs))
	for _, g := range gs {
		out = append(out, apiGrant{Kind: g.Kind, Principal: g.Principal, Access: g.Access.String(), Name: g.Name})
	}
	return out
}

type apiFolderRetention struct {
	ClassID      int64  `json:"class_id"`
	Code         string `json:"code"`
	Name         string `json:"name"`
	Years        int    `json:"years"`
	Trigger      string `json:"trigger"`
	Inherited    bool   `json:"inherited"`
	FromFolderID int64  `json:"from_folder_id"`
}

type apiFolderRights struct {
	Structure  bool `json:"structure_only"`
	CreatePlan bool `json:"create_plan"`
	CreateFile bool `json:"create_file"`
	Edit       bool `json:"edit"`
	EditAll    bool `json:"edit_all"`
	Close      bool `json:"close"`
	Grants     bool `json:"grants"`
}

type apiFolderDetail struct {
	apiFolder
	Path      []apiFolder         `json:"path"`
	Children  []apiFolder         `json:"children"`
	Grants    []apiGrant          `json:"grants,omitempty"`
	Retention *apiFolderRetention `json:"retention"`
	Rights    apiFolderRights     `json:"rights"`
}

func newAPIFolderDetail(d document.FolderDetail) apiFolderDetail {
	out := apiFolderDetail{apiFolder: newAPIFolder(d.Folder), Path: []apiFolder{}, Children: []apiFolder{},
		Rights: apiFolderRights(d.Rights)}
	for _, p := range d.Path {
		out.Path = append(out.Path, newAPIFolder(p))
	}
	for _, c := range d.Children {
		out.Children = append(out.Children, newAPIFolder(c))
	}
	if d.Rights.Grants {
		out.Grants = newAPIGrants(d.Grants)
	}
	if rt := d.Retention; rt != nil {
		out.Retention = &apiFolderRetention{ClassID: rt.ClassID, Code: rt.Code, Name: rt.Name, Years: rt.Years, Trigger: rt.Trigger,
			Inherited: rt.Inherited(d.ID), FromFolderID: rt.FromFolderID}
	}
	return out
}

func (h *Handler) apiListFolders(w http.ResponseWriter, r *http.Request) {
	fs, err := h.svc.ListFolders(r.Context(), web.Actor(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiFolder, 0, len(fs))
	for _, f := range fs {
		x := newAPIFolder(f)
		d := f.Depth
		x.Depth = &d
		items = append(items, x)
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items})
}

type apiFolderCreate struct {
	ParentID         *int64 `json:"parent_id"`
	Kind             string `json:"kind"`
	Reference        string `json:"reference"`
	Title            string `json:"title"`
	Description      string `json:"description"`
	OwnerUnitID      *int64 `json:"owner_unit_id"`
	RetentionClassID *int64 `json:"retention_class_id"`
	InheritAccess    *bool  `json:"inherit_access"`
}

func (h *Handler) apiCreateFolder(w http.ResponseWriter, r *http.Request) {
	var req apiFolderCreate
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	f, err := h.svc.CreateFolder(r.Context(), web.Actor(r), document.NewFolder{ParentID: derefID(req.ParentID), Kind: req.Kind,
		Reference: req.Reference, Title: req.Title, Description: req.Description, OwnerUnitID: derefID(req.OwnerUnitID),
		RetentionClassID: derefID(req.RetentionClassID), InheritAccess: req.InheritAccess})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/document-folders/"+strconv.FormatInt(f.ID, 10))
	web.JSON(w, http.StatusCreated, newAPIFolder(f))
}

func (h *Handler) apiGetFolder(w http.ResponseWriter, r *http.Request) {
	web.APIWithID(h.srv, w, r, http.StatusOK, func(ctx context.Context, a actor.Actor, id int64) (apiFolderDetail, error) {
		d, err := h.svc.GetFolder(ctx, a, id)
		return newAPIFolderDetail(d), err
	})
}

type apiFolderUpdate struct {
	Version          *int                `json:"version"`
	Reference        *string             `json:"reference"`
	Title            *string             `json:"title"`
	Description      *string             `json:"description"`
	OwnerUnitID      web.Nullable[int64] `json:"owner_unit_id"`
	RetentionClassID web.Nullable[int64] `json:"retention_class_id"`
	InheritAccess    *bool               `json:"inherit_access"`
}

func (h *Handler) apiUpdateFolder(w http.ResponseWriter, r *http.Request) {
	web.APIWithBody(h.srv, w, r, http.StatusOK, func(ctx context.Context, a actor.Actor, id int64, req apiFolderUpdate) (apiFolder, error) {
		if req.Version == nil {
			return apiFolder{}, web.InvalidFilter("version", "version is required")
		}
		f, err := h.svc.UpdateFolder(ctx, a, id, document.FolderUpdate{Version: *req.Version, Reference: req.Reference,
			Title: req.Title, Description: req.Description, OwnerUnitID: req.OwnerUnitID.Ptr(), RetentionClassID: req.RetentionClassID.Ptr(),
			InheritAccess: req.InheritAccess})
		return newAPIFolder(f), err
	})
}

func (h *Handler) apiCloseFolder(w http.ResponseWriter, r *http.Request) {
	web.APIWithID(h.srv, w, r, http.StatusOK, func(ctx context.Context, a actor.Actor, id int64) (apiFolder, error) {
		f, err := h.svc.CloseFolder(ctx, a, id)
		return newAPIFolder(f), err
	})
}

type apiGrantList struct {
	InheritAccess *bool      `json:"inherit_access"`
	Items         []apiGrant `json:"items"`
}

// folderGrants returns the grants of folder id and its inherit flag.
func (h *Handler) folderGrants(ctx context.Context, a actor.Actor, id int64) (apiGrantList, error) {
	gs, err := h.svc.FolderGrants(ctx, a, id)
	if err != nil {
		return apiGrantList{}, err
	}
	d, err := h.svc.GetFolder(ctx, a, id)
	if err != nil {
		return apiGrantList{}, err
	}
	inherit := d.InheritAccess
	return apiGrantList{InheritAccess: &inherit, Items: newAPIGrants(gs)}, nil
}

func (h *Handler) apiGetFolderGrants(w http.ResponseWriter, r *http.Request) {
	web.APIWithID(h.srv, w, r, http.StatusOK, h.folderGrants)
}

func (h *Handler) apiSetFolderGrants(w http.ResponseWriter, r *http.Request) {
	web.APIWithBody(h.srv, w, r, http.StatusOK, h.setFolderGrants)
}

func (h *Handler) setFolderGrants(ctx context.Context, a actor.Actor, id int64, req apiGrantList) (apiGrantList, error) {
	if req.Items == nil {
		return apiGrantList{}, apperr.Invalidf("validation_failed", "items is required").WithField("items", "required")
	}
	gs := make([]document.Grant, 0, len(req.Items))
	for i, g := range req.Items {
		x, ok := document.ParseAccess(g.Access)
		if !ok {
			return apiGrantList{}, apperr.Invalidf("invalid_grant_access", "access is read, write or manage").
				WithField("items."+strconv.Itoa(i), "invalid_grant_access")
		}
		gs = append(gs, document.Grant{Kind: g.Kind, Principal: g.Principal, Access: x})
	}
	if _, err := h.svc.SetFolderGrants(ctx, a, id, gs, req.InheritAccess); err != nil {
		if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
			// The service names list entries "grants.N"; the API body
			// calls the list "items".
			c := *e
			c.Fields = map[string]string{}
			for f, code := range e.Fields {
				if rest, ok := strings.CutPrefix(f, "grants."); ok {
					f = "items." + rest
				}
				c.Fields[f] = code
			}
			err = &c
		}
		return apiGrantList{}, err
	}
	return h.folderGrants(ctx, a, id)
}

type apiDocType struct {
	ID               int64               `json:"id"`
	Name             string              `json:"name"`
	Fields           []document.DocField `json:"fields"`
	RetentionClassID *int64              `json:"retention_class_id"`
	CreatedAt        time.Time           `json:"created_at"`
	UpdatedAt        time.Time           `json:"updated_at"`
}

func newAPIDocType(t document.DocType) apiDocType {
	fs := t.Fields
	if fs == nil {
		fs = []document.DocField{}
	}
	return apiDocType{ID: t.ID, Name: t.Name, Fields: fs, RetentionClassID: optID(t.RetentionClassID), CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

func (h *Handler) apiListDocTypes(w http.ResponseWriter, r *http.Request) {
	ts, err := h.svc.ListDocTypes(r.Context(), web.Actor(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiDocType, 0, len(ts))
	for _, t := range ts {
		items = append(items, newAPIDocType(t))
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items})
}

type apiDocTypeCreate struct {
	Name             string              `json:"name"`
	Fields           []document.DocField `json:"fields"`
	RetentionClassID *int64              `json:"retention_class_id"`
}

func (h *Handler) apiCreateDocType(w http.ResponseWriter, r *http.Request) {
	var req apiDocTypeCreate
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	t, err := h.svc.CreateDocType(r.Context(), web.Actor(r), document.NewDocType{Name: req.Name, Fields: req.Fields,
		RetentionClassID: derefID(req.RetentionClassID)})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/document-types/"+strconv.FormatInt(t.ID, 10))
	web.JSON(w, http.StatusCreated, newAPIDocType(t))
}

type apiDocTypeUpdate struct {
	Name             *string              `json:"name"`
	Fields           *[]document.DocField `json:"fields"`
	RetentionClassID web.Nullable[int64]  `json:"retention_class_id"`
}

func (h *Handler) apiUpdateDocType(w http.ResponseWriter, r *http.Request) {
	web.APIWithBody(h.srv, w, r, http.StatusOK, func(ctx context.Context, a actor.Actor, id int64, req apiDocTypeUpdate) (apiDocType, error) {
		t, err := h.svc.UpdateDocType(ctx, a, id, document.DocTypeUpdate{Name: req.Name, Fields: req.Fields,
			RetentionClassID: req.RetentionClassID.Ptr()})
		return newAPIDocType(t), err
	})
}
