package identityweb

import (
	"net/http"
	"strconv"

	"ortlos/internal/identity"
	"ortlos/internal/web"
)

// apiOrgUnit is a node of the organisation tree.
type apiOrgUnit struct {
	ID        int64  `json:"id"`
	ParentID  *int64 `json:"parent_id"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func newAPIOrgUnit(o identity.OrgUnit) apiOrgUnit {
	return apiOrgUnit{ID: o.ID, ParentID: apiID(o.ParentID), Name: o.Name, Kind: o.Kind,
		CreatedAt: apiTime(o.CreatedAt), UpdatedAt: apiTime(o.UpdatedAt)}
}

func (h *Handler) apiListOrgUnits(w http.ResponseWriter, r *http.Request) {
	units, err := h.ident.ListOrgUnits(r.Context(), web.Actor(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiOrgUnit, 0, len(units))
	for _, o := range units {
		items = append(items, newAPIOrgUnit(o))
	}
	web.JSON(w, http.StatusOK, apiCompleteList(items))
}

type apiCreateOrgUnitRequest struct {
	Name     string        `json:"name"`
	Kind     string        `json:"kind"`
	ParentID apiNullableID `json:"parent_id"`
}

func (h *Handler) apiCreateOrgUnit(w http.ResponseWriter, r *http.Request) {
	var req apiCreateOrgUnitRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	o, err := h.ident.CreateOrgUnit(r.Context(), web.Actor(r), identity.OrgUnitInput{Name: req.Name, Kind: req.Kind, ParentID: req.ParentID.ID})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/org-units/"+strconv.FormatInt(o.ID, 10))
	web.JSON(w, http.StatusCreated, newAPIOrgUnit(o))
}

func (h *Handler) apiGetOrgUnit(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	o, err := h.ident.GetOrgUnit(r.Context(), web.Actor(r), id)
	h.apiAnswerOrgUnit(w, r, o, err)
}

func (h *Handler) apiAnswerOrgUnit(w http.ResponseWriter, r *http.Request, o identity.OrgUnit, err error) {
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIOrgUnit(o))
}

type apiUpdateOrgUnitRequest struct {
	Name     *string       `json:"name"`
	Kind     *string       `json:"kind"`
	ParentID apiNullableID `json:"parent_id"`
}

func (h *Handler) apiUpdateOrgUnit(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req apiUpdateOrgUnitRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	o, err := h.ident.UpdateOrgUnit(r.Context(), web.Actor(r), id, identity.OrgUnitUpdate{Name: req.Name, Kind: req.Kind, ParentID: req.ParentID.ptr()})
	h.apiAnswerOrgUnit(w, r, o, err)
}

func (h *Handler) apiDeleteOrgUnit(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err == nil {
		err = h.ident.DeleteOrgUnit(r.Context(), web.Actor(r), id)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	apiNoContent(w)
}
