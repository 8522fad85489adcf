package worktimeweb

import (
	"net/http"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/web"
	"ortlos/internal/worktime"
)

// registerWorkModelAPI adds the work-model operations (Arbeitszeitmodelle).
func (h *Handler) registerWorkModelAPI() {
	s := h.srv
	s.API("GET", "/work-models", "listWorkModels", web.Full, h.apiListWorkModels)
	s.API("POST", "/work-models", "createWorkModel", web.Full, h.apiCreateWorkModel)
	s.API("GET", "/work-models/{id}", "getWorkModel", web.Full, h.apiGetWorkModel)
	s.API("GET", "/users/{id}/work-models", "listUserWorkModels", web.Full, h.apiListUserWorkModels)
	s.API("POST", "/users/{id}/work-models", "assignWorkModel", web.Full, h.apiAssignWorkModel)
}

// apiWorkModel is a work model; Minutes run Monday to Sunday.
type apiWorkModel struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	Minutes       [7]int `json:"minutes"`
	WeeklyMinutes int    `json:"weekly_minutes"`
	CreatedAt     string `json:"created_at"`
}

func newAPIWorkModel(m worktime.WorkModel) apiWorkModel {
	return apiWorkModel{ID: m.ID, Name: m.Name, Minutes: m.Minutes, WeeklyMinutes: m.WeeklyMinutes(), CreatedAt: apiTime(m.CreatedAt)}
}

// apiWorkModelAssignment is one entry of a person's work-model history.
type apiWorkModelAssignment struct {
	ID        int64        `json:"id"`
	UserID    int64        `json:"user_id"`
	WorkModel apiWorkModel `json:"work_model"`
	ValidFrom civil.Date   `json:"valid_from"`
	CreatedAt string       `json:"created_at"`
}

func newAPIWorkModelAssignment(x worktime.WorkModelAssignment) apiWorkModelAssignment {
	return apiWorkModelAssignment{ID: x.ID, UserID: x.UserID, WorkModel: newAPIWorkModel(x.Model), ValidFrom: x.ValidFrom, CreatedAt: apiTime(x.CreatedAt)}
}

// apiList is the envelope of list answers; these lists are always whole,
// so NextCursor is always null.
type apiList[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

type apiCreateWorkModelRequest struct {
	Name    string `json:"name"`
	Minutes *[]int `json:"minutes"`
}

type apiAssignWorkModelRequest struct {
	WorkModelID int64  `json:"work_model_id"`
	ValidFrom   string `json:"valid_from"`
}

func (h *Handler) apiListWorkModels(w http.ResponseWriter, r *http.Request) {
	models, err := h.svc.ListWorkModels(r.Context(), web.Actor(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiWorkModel, 0, len(models))
	for _, m := range models {
		items = append(items, newAPIWorkModel(m))
	}
	web.JSON(w, http.StatusOK, apiList[apiWorkModel]{Items: items})
}

func (h *Handler) apiCreateWorkModel(w http.ResponseWriter, r *http.Request) {
	var req apiCreateWorkModelRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	n := worktime.NewWorkModel{Name: req.Name}
	if req.Minutes == nil || len(*req.Minutes) != 7 {
		h.srv.Error(w, r, apperr.Invalidf("invalid_work_model", "minutes must list 7 values, Monday to Sunday").WithField("minutes", "invalid_weekly_minutes"))
		return
	}
	copy(n.Minutes[:], *req.Minutes)
	m, err := h.svc.CreateWorkModel(r.Context(), web.Actor(r), n)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, newAPIWorkModel(m))
}

func (h *Handler) apiGetWorkModel(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	m, err := h.svc.GetWorkModel(r.Context(), web.Actor(r), id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIWorkModel(m))
}

func (h *Handler) apiListUserWorkModels(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	list, err := h.svc.ListWorkModelAssignments(r.Context(), web.Actor(r), id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiWorkModelAssignment, 0, len(list))
	for _, x := range list {
		items = append(items, newAPIWorkModelAssignment(x))
	}
	web.JSON(w, http.StatusOK, apiList[apiWorkModelAssignment]{Items: items})
}

func (h *Handler) apiAssignWorkModel(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req apiAssignWorkModelRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	from, err := civil.Parse(req.ValidFrom)
	if err != nil {
		h.srv.Error(w, r, apperr.Invalidf("invalid_valid_from", "valid_from must be a date (YYYY-MM-DD)").WithField("valid_from", "invalid_valid_from"))
		return
	}
	x, err := h.svc.AssignWorkModel(r.Context(), web.Actor(r), id, req.WorkModelID, from)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, newAPIWorkModelAssignment(x))
}
