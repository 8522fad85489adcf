package absenceweb

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"ortlos/internal/absence"
	"ortlos/internal/apperr"
	"ortlos/internal/identity"
	"ortlos/internal/web"
)

// registerTypes adds the administration of absence types for HR and
// administrators: /absences/types (the list with the form for a new type),
// /absences/types/{id}/edit, and the API twins createAbsenceType and
// updateAbsenceType beside listAbsenceTypes.
func (h *Handler) registerTypes() {
	s := h.srv
	s.AddNav("/absences/types", "nav.absence_types", func(a *identity.Auth) bool { return absence.CanManageTypes(a.Actor) })
	s.UI("GET /absences/types", web.Full, h.typesPage)
	s.UI("POST /absences/types", web.Full, h.uiCreateType)
	s.UI("GET /absences/types/{id}/edit", web.Full, h.typeEditPage)
	s.UI("POST /absences/types/{id}/edit", web.Full, h.uiUpdateType)
	s.API("POST", "/absence-types", "createAbsenceType", web.Full, h.apiCreateType)
	s.API("PATCH", "/absence-types/{id}", "updateAbsenceType", web.Full, h.apiUpdateType)
}

func newAPIType(t absence.Type) apiType {
	return apiType{ID: t.ID, NameDE: t.NameDE, NameEN: t.NameEN, NeedsApproval: t.NeedsApproval,
		CreditsTarget: t.CreditsTarget, HealthData: t.HealthData, Active: t.Active, Sort: t.Sort}
}

type apiTypeCreate struct {
	ID            string `json:"id"`
	NameDE        string `json:"name_de"`
	NameEN        string `json:"name_en"`
	NeedsApproval *bool  `json:"needs_approval"`
	CreditsTarget *bool  `json:"credits_target"`
	HealthData    *bool  `json:"health_data"`
	Active        *bool  `json:"active"`
	Sort          *int   `json:"sort"`
}

type apiTypeUpdate struct {
	NameDE        *string `json:"name_de"`
	NameEN        *string `json:"name_en"`
	NeedsApproval *bool   `json:"needs_approval"`
	CreditsTarget *bool   `json:"credits_target"`
	HealthData    *bool   `json:"health_data"`
	Active        *bool   `json:"active"`
	Sort          *int    `json:"sort"`
}

// nextSort is the sort key that puts a new type after all others.
func (h *Handler) nextSort(r *http.Request) (int, error) {
	types, err := h.svc.Types(r.Context(), web.Actor(r))
	if err != nil {
		return 0, err
	}
	next := 10
	for _, t := range types {
		next = max(next, t.Sort+10)
	}
	return min(next, absence.MaxTypeSort), nil
}

func orDefault(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

func (h *Handler) apiCreateType(w http.ResponseWriter, r *http.Request) {
	var req apiTypeCreate
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	n := absence.NewType{ID: req.ID, NameDE: req.NameDE, NameEN: req.NameEN, NeedsApproval: orDefault(req.NeedsApproval, true),
		CreditsTarget: orDefault(req.CreditsTarget, true), HealthData: orDefault(req.HealthData, false), Inactive: !orDefault(req.Active, true)}
	if req.Sort != nil {
		n.Sort = *req.Sort
	} else if absence.CanManageTypes(web.Actor(r)) {
		next, err := h.nextSort(r)
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		n.Sort = next
	}
	t, err := h.svc.CreateType(r.Context(), web.Actor(r), n)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, newAPIType(t))
}

func (h *Handler) apiUpdateType(w http.ResponseWriter, r *http.Request) {
	var req apiTypeUpdate
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	t, err := h.svc.UpdateType(r.Context(), web.Actor(r), r.PathValue("id"), absence.TypeUpdate{NameDE: req.NameDE, NameEN: req.NameEN,
		NeedsApproval: req.NeedsApproval, CreditsTarget: req.CreditsTarget, HealthData: req.HealthData, Active: req.Active, Sort: req.Sort})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIType(t))
}

// --- /absences/types -------------------------------------------------------

// typeRow is a type in the table.
type typeRow struct {
	absence.Type
	EditURL string
}

// typeForm is what the form of a new or changed type shows.
type typeForm struct {
	ID, NameDE, NameEN, Sort                         string
	NeedsApproval, CreditsTarget, HealthData, Active bool
}

type typesPage struct {
	web.Page
	Rows []typeRow
	Form typeForm
}

type typeEditPage struct {
	web.Page
	ID   string
	Name string
	Form typeForm
}

// typeFormFrom reads the posted form; unchecked boxes are false.
func typeFormFrom(r *http.Request) typeForm {
	on := func(k string) bool { return r.PostFormValue(k) != "" }
	return typeForm{ID: strings.TrimSpace(r.PostFormValue("id")), NameDE: r.PostFormValue("name_de"), NameEN: r.PostFormValue("name_en"),
		Sort: strings.TrimSpace(r.PostFormValue("sort")), NeedsApproval: on("needs_approval"), CreditsTarget: on("credits_target"),
		HealthData: on("health_data"), Active: on("active")}
}

// sortValue reads the sort field; empty is ok=false.
func (f typeForm) sortValue() (n int, ok bool, err error) {
	if f.Sort == "" {
		return 0, false, nil
	}
	n, err = strconv.Atoi(f.Sort)
	if err != nil {
		return 0, false, apperr.Invalidf("invalid_absence_type_sort", "the sort key must be a number").WithField("sort", "invalid_absence_type_sort")
	}
	return n, true, nil
}

func (h *Handler) typesPage(w http.ResponseWriter, r *http.Request) {
	h.renderTypes(w, r, http.StatusOK, nil)
}

// renderTypes shows the types and the form for a new one; after a refused
// form it shows the error there.
func (h *Handler) renderTypes(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	a := web.Actor(r)
	if !absence.CanManageTypes(a) {
		h.srv.Error(w, r, apperr.NotFoundf("not_found", "not found"))
		return
	}
	types, err := h.svc.Types(r.Context(), a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := typesPage{Page: h.srv.NewPage(r, ""), Form: typeForm{NeedsApproval: true, CreditsTarget: true, Active: true}}
	p.Title = p.L.T("absence_admin.types_title")
	for _, t := range types {
		p.Rows = append(p.Rows, typeRow{Type: t, EditURL: fmt.Sprintf("/absences/types/%s/edit", t.ID)})
	}
	if formErr != nil {
		p.SetError(formErr)
		p.Form = typeFormFrom(r)
	}
	h.srv.Render(w, r, status, "absence_types.html", p)
}

func (h *Handler) uiCreateType(w http.ResponseWriter, r *http.Request) {
	render := func(status int, err error) { h.renderTypes(w, r, status, err) }
	f := typeFormFrom(r)
	n := absence.NewType{ID: f.ID, NameDE: f.NameDE, NameEN: f.NameEN, NeedsApproval: f.NeedsApproval, CreditsTarget: f.CreditsTarget,
		HealthData: f.HealthData, Inactive: !f.Active}
	sort, ok, err := f.sortValue()
	if err == nil && !ok && absence.CanManageTypes(web.Actor(r)) {
		sort, err = h.nextSort(r)
	}
	if err == nil {
		n.Sort = sort
		_, err = h.svc.CreateType(r.Context(), web.Actor(r), n)
	}
	h.formDone(w, r, err, "/absences/types", "absence_admin_type_created", render)
}

func (h *Handler) typeEditPage(w http.ResponseWriter, r *http.Request) {
	h.renderTypeEdit(w, r, http.StatusOK, nil)
}

// renderTypeEdit shows the form of type {id}; after a refused change it
// shows the error there.
func (h *Handler) renderTypeEdit(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	t, err := h.svc.GetType(r.Context(), web.Actor(r), r.PathValue("id"))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := typeEditPage{Page: h.srv.NewPage(r, ""), ID: t.ID, Form: typeForm{ID: t.ID, NameDE: t.NameDE, NameEN: t.NameEN,
		Sort: strconv.Itoa(t.Sort), NeedsApproval: t.NeedsApproval, CreditsTarget: t.CreditsTarget, HealthData: t.HealthData, Active: t.Active}}
	p.Name = t.Name(p.L.Lang)
	p.Title = p.L.T("absence_admin.type_edit_title", p.Name)
	if formErr != nil {
		p.SetError(formErr)
		p.Form = typeFormFrom(r)
		p.Form.ID = t.ID
	}
	h.srv.Render(w, r, status, "absence_type_edit.html", p)
}

func (h *Handler) uiUpdateType(w http.ResponseWriter, r *http.Request) {
	render := func(status int, err error) { h.renderTypeEdit(w, r, status, err) }
	f := typeFormFrom(r)
	u := absence.TypeUpdate{NameDE: &f.NameDE, NameEN: &f.NameEN, NeedsApproval: &f.NeedsApproval, CreditsTarget: &f.CreditsTarget,
		HealthData: &f.HealthData, Active: &f.Active}
	sort, ok, err := f.sortValue()
	if err == nil {
		if ok {
			u.Sort = &sort
		}
		_, err = h.svc.UpdateType(r.Context(), web.Actor(r), r.PathValue("id"), u)
	}
	h.formDone(w, r, err, "/absences/types", "absence_admin_type_updated", render)
}
