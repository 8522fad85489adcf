package identityweb

import (
	"net/http"
	"net/url"
	"strconv"

	"ortlos/internal/identity"
	"ortlos/internal/web"
)

// adminOrgUnitForm is what the administrator typed into an org unit form.
type adminOrgUnitForm struct {
	Name, Kind, ParentID string
}

func orgUnitFormFrom(r *http.Request) adminOrgUnitForm {
	return adminOrgUnitForm{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), ParentID: r.PostFormValue("parent_id")}
}

type adminOrgUnitsPage struct {
	web.Page
	Tree    []*orgNode
	Parents []uiOption
	Form    adminOrgUnitForm
}

func (h *Handler) adminOrgUnits(w http.ResponseWriter, r *http.Request) {
	a, ok := h.adminAuth(w, r)
	if !ok {
		return
	}
	h.renderAdminOrgUnits(w, r, a, http.StatusOK, adminOrgUnitForm{}, nil)
}

func (h *Handler) renderAdminOrgUnits(w http.ResponseWriter, r *http.Request, a *identity.Auth, status int, form adminOrgUnitForm, formErr error) {
	units, err := h.ident.ListOrgUnits(r.Context(), a.Actor)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := h.srv.NewPage(r, "")
	p.Title = p.L.T("admin.org_units_title")
	if formErr != nil {
		p.SetError(formErr)
	}
	tree := orgTree(units)
	parent, _ := uiParseID(form.ParentID)
	h.srv.Render(w, r, status, "admin_org_units.html", adminOrgUnitsPage{Page: p, Tree: tree, Form: form,
		Parents: orgOptions(tree, parent, 0, p.L.T("admin.org_unit_top"))})
}

func (h *Handler) adminOrgUnitCreate(w http.ResponseWriter, r *http.Request) {
	a, ok := h.adminAuth(w, r)
	if !ok {
		return
	}
	form := orgUnitFormFrom(r)
	parent, ok := uiParseID(form.ParentID)
	var err error
	if !ok {
		err = uiFieldError("parent_id", "unknown_org_unit")
	} else {
		_, err = h.ident.CreateOrgUnit(r.Context(), a.Actor, identity.OrgUnitInput{ParentID: parent, Name: form.Name, Kind: form.Kind})
	}
	if err != nil {
		h.uiFailed(w, r, err, func(st int) { h.renderAdminOrgUnits(w, r, a, st, form, err) })
		return
	}
	h.srv.Redirect(w, r, "/admin/org-units", "org_unit_created")
}

type adminOrgUnitPage struct {
	web.Page
	Unit       identity.OrgUnit
	Form       adminOrgUnitForm
	Parents    []uiOption
	MembersURL string
	Children   int
}

func (h *Handler) adminOrgUnit(w http.ResponseWriter, r *http.Request) (*identity.Auth, identity.OrgUnit, bool) {
	a, ok := h.adminAuth(w, r)
	if !ok {
		return nil, identity.OrgUnit{}, false
	}
	id, err := web.PathID(r)
	var o identity.OrgUnit
	if err == nil {
		o, err = h.ident.GetOrgUnit(r.Context(), a.Actor, id)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return nil, identity.OrgUnit{}, false
	}
	return a, o, true
}

func (h *Handler) renderAdminOrgUnit(w http.ResponseWriter, r *http.Request, a *identity.Auth, status int, o identity.OrgUnit, form adminOrgUnitForm, formErr error) {
	units, err := h.ident.ListOrgUnits(r.Context(), a.Actor)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := h.srv.NewPage(r, "")
	p.Title = o.Name
	if formErr != nil {
		p.SetError(formErr)
	}
	parent, _ := uiParseID(form.ParentID)
	page := adminOrgUnitPage{Page: p, Unit: o, Form: form,
		Parents:    orgOptions(orgTree(units), parent, o.ID, p.L.T("admin.org_unit_top")),
		MembersURL: "/admin/users?" + url.Values{"org_unit": {strconv.FormatInt(o.ID, 10)}}.Encode()}
	for _, u := range units {
		if u.ParentID == o.ID {
			page.Children++
		}
	}
	h.srv.Render(w, r, status, "admin_org_unit.html", page)
}

func orgUnitFormOf(o identity.OrgUnit) adminOrgUnitForm {
	return adminOrgUnitForm{Name: o.Name, Kind: o.Kind, ParentID: uiFormatID(o.ParentID)}
}

func (h *Handler) adminOrgUnitShow(w http.ResponseWriter, r *http.Request) {
	a, o, ok := h.adminOrgUnit(w, r)
	if !ok {
		return
	}
	h.renderAdminOrgUnit(w, r, a, http.StatusOK, o, orgUnitFormOf(o), nil)
}

func (h *Handler) adminOrgUnitSave(w http.ResponseWriter, r *http.Request) {
	a, o, ok := h.adminOrgUnit(w, r)
	if !ok {
		return
	}
	form := orgUnitFormFrom(r)
	parent, ok := uiParseID(form.ParentID)
	var err error
	if !ok {
		err = uiFieldError("parent_id", "unknown_org_unit")
	} else {
		_, err = h.ident.UpdateOrgUnit(r.Context(), a.Actor, o.ID, identity.OrgUnitUpdate{ParentID: &parent, Name: &form.Name, Kind: &form.Kind})
	}
	if err != nil {
		h.uiFailed(w, r, err, func(st int) { h.renderAdminOrgUnit(w, r, a, st, o, form, err) })
		return
	}
	h.srv.Redirect(w, r, "/admin/org-units", "org_unit_saved")
}

func (h *Handler) adminOrgUnitDelete(w http.ResponseWriter, r *http.Request) {
	a, o, ok := h.adminOrgUnit(w, r)
	if !ok {
		return
	}
	if err := h.ident.DeleteOrgUnit(r.Context(), a.Actor, o.ID); err != nil {
		h.uiFailed(w, r, err, func(st int) { h.renderAdminOrgUnit(w, r, a, st, o, orgUnitFormOf(o), err) })
		return
	}
	h.srv.Redirect(w, r, "/admin/org-units", "org_unit_deleted")
}
