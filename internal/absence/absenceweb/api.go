package absenceweb

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/web"
)

// registerAPI adds the absence operations.
func (h *Handler) registerAPI() {
	s := h.srv
	s.API("GET", "/absence-types", "listAbsenceTypes", web.Full, h.apiListTypes)
	s.API("GET", "/absences", "listAbsences", web.Full, h.apiList)
	s.API("POST", "/absences", "requestAbsence", web.Full, h.apiRequest)
	s.API("GET", "/absences/{id}", "getAbsence", web.Full, h.onAbsence(h.getWithWarnings))
	s.API("POST", "/absences/{id}/approve", "approveAbsence", web.Full, h.onAbsence(h.svc.Approve))
	s.API("POST", "/absences/{id}/reject", "rejectAbsence", web.Full, h.onAbsenceWithNote(h.svc.Reject))
	s.API("POST", "/absences/{id}/cancel", "cancelAbsence", web.Full, h.onAbsence(h.svc.Cancel))
	s.API("POST", "/absences/{id}/substitute-confirm", "confirmAbsenceSubstitute", web.Full, h.onAbsence(h.svc.ConfirmSubstitute))
	s.API("POST", "/absences/{id}/substitute-decline", "declineAbsenceSubstitute", web.Full, h.onAbsenceWithNote(h.svc.DeclineSubstitute))
	s.API("POST", "/absences/{id}/change", "requestAbsenceChange", web.Full, h.apiChange)
	s.API("POST", "/absences/{id}/cancellation-request", "requestAbsenceCancellation", web.Full, h.onAbsence(h.svc.RequestCancellation))
	s.API("GET", "/users/{id}/deputy", "getLeadDeputy", web.Full, h.apiGetDeputy)
	s.API("PUT", "/users/{id}/deputy", "setLeadDeputy", web.Full, h.apiSetDeputy)
}

// apiList is the envelope of list answers; these lists are always whole,
// so NextCursor is always null.
type apiList[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

type apiType struct {
	ID            string `json:"id"`
	NameDE        string `json:"name_de"`
	NameEN        string `json:"name_en"`
	NeedsApproval bool   `json:"needs_approval"`
	CreditsTarget bool   `json:"credits_target"`
	HealthData    bool   `json:"health_data"`
	Active        bool   `json:"active"`
	Sort          int    `json:"sort"`
}

type apiAbsence struct {
	ID           int64   `json:"id"`
	UserID       int64   `json:"user_id"`
	UserName     string  `json:"user_name"`
	TypeID       string  `json:"type_id"`
	Start        string  `json:"start"`
	End          string  `json:"end"`
	DayLength    string  `json:"day_length"`
	Status       string  `json:"status"`
	Note         string  `json:"note"`
	SubstituteID *int64  `json:"substitute_id"`
	WorkingDays  float64 `json:"working_days"`
	CreatedAt    string  `json:"created_at"`
	CreatedBy    *int64  `json:"created_by"`
	DecidedAt    *string `json:"decided_at"`
	DecidedBy    *int64  `json:"decided_by"`
	DecisionNote string  `json:"decision_note"`
	// SubstituteConfirmedAt is when the substitute confirmed.
	SubstituteConfirmedAt *string `json:"substitute_confirmed_at"`
	AwaitsSubstitute      bool    `json:"awaits_substitute"`
	ReplacesID            *int64  `json:"replaces_id"`
	CancelRequestedAt     *string `json:"cancel_requested_at"`
	// StaffingWarnings are set for the person, the deciding lead and HR
	// in the answers of requestAbsence and getAbsence (staffing.go).
	StaffingWarnings *[]apiStaffingWarning `json:"staffing_warnings,omitempty"`
}

type apiChangeBody struct {
	Start     string `json:"start"`
	End       string `json:"end"`
	DayLength string `json:"day_length"`
	Note      string `json:"note"`
}

type apiDeputyBody struct {
	// DeputyID is the deputy; null or 0 removes the deputy.
	DeputyID *int64 `json:"deputy_id"`
}

type apiDeputy struct {
	LeadID     int64   `json:"lead_id"`
	DeputyID   *int64  `json:"deputy_id"`
	DeputyName *string `json:"deputy_name"`
}

type apiRequestBody struct {
	UserID       int64  `json:"user_id"`
	TypeID       string `json:"type_id"`
	Start        string `json:"start"`
	End          string `json:"end"`
	DayLength    string `json:"day_length"`
	Note         string `json:"note"`
	SubstituteID int64  `json:"substitute_id"`
}

type apiRejectBody struct {
	Note string `json:"note"`
}

func ref(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func newAPIAbsence(a absence.Absence) apiAbsence {
	out := apiAbsence{ID: a.ID, UserID: a.UserID, UserName: a.UserName, TypeID: a.TypeID, Start: a.Start.String(), End: a.End.String(),
		DayLength: a.DayLength, Status: a.Status, Note: a.Note, SubstituteID: ref(a.SubstituteID), WorkingDays: a.WorkingDays,
		CreatedAt: apiTime(a.CreatedAt), CreatedBy: ref(a.CreatedBy), DecidedBy: ref(a.DecidedBy), DecisionNote: a.DecisionNote}
	if a.DecidedAt != nil {
		s := apiTime(*a.DecidedAt)
		out.DecidedAt = &s
	}
	if a.SubstituteConfirmedAt != nil {
		s := apiTime(*a.SubstituteConfirmedAt)
		out.SubstituteConfirmedAt = &s
	}
	if a.CancelRequestedAt != nil {
		s := apiTime(*a.CancelRequestedAt)
		out.CancelRequestedAt = &s
	}
	out.AwaitsSubstitute, out.ReplacesID = a.AwaitsSubstitute(), ref(a.ReplacesID)
	if a.StaffingWarnings != nil {
		out.StaffingWarnings = newAPIStaffingWarnings(a.StaffingWarnings)
	}
	return out
}

// parseDate reads an optional YYYY-MM-DD date; empty stays zero (the
// service reports a missing date).
func parseDate(s, field string) (civil.Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return civil.Date{}, nil
	}
	d, err := civil.Parse(s)
	if err != nil {
		return civil.Date{}, apperr.Invalidf("invalid_date", "%s must be a date (YYYY-MM-DD)", field).WithField(field, "invalid_date")
	}
	return d, nil
}

func (h *Handler) apiListTypes(w http.ResponseWriter, r *http.Request) {
	types, err := h.svc.Types(r.Context(), web.Actor(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiType, 0, len(types))
	for _, t := range types {
		items = append(items, newAPIType(t))
	}
	web.JSON(w, http.StatusOK, apiList[apiType]{Items: items})
}

// listFilter reads user_id, from, to and status of a list request.
func listFilter(r *http.Request) (absence.Filter, error) {
	q := r.URL.Query()
	var f absence.Filter
	if s := q.Get("user_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return f, web.InvalidFilter("user_id", "user_id must be a user id")
		}
		f.UserID = n
	}
	for _, p := range []struct {
		name string
		d    *civil.Date
	}{{"from", &f.From}, {"to", &f.To}} {
		if s := q.Get(p.name); s != "" {
			d, err := civil.Parse(s)
			if err != nil {
				return f, web.InvalidFilter(p.name, p.name+" must be a date (YYYY-MM-DD)")
			}
			*p.d = d
		}
	}
	f.Status = strings.TrimSpace(q.Get("status"))
	switch q.Get("pending") {
	case "":
	case "decide":
		f.ToDecide = true
	case "confirm":
		f.ToConfirm = true
	default:
		return f, web.InvalidFilter("pending", "pending must be decide or confirm")
	}
	return f, nil
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	f, err := listFilter(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	list, err := h.svc.List(r.Context(), web.Actor(r), f)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiAbsence, 0, len(list))
	for _, a := range list {
		items = append(items, newAPIAbsence(a))
	}
	web.JSON(w, http.StatusOK, apiList[apiAbsence]{Items: items})
}

func (h *Handler) apiRequest(w http.ResponseWriter, r *http.Request) {
	var req apiRequestBody
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	start, err := parseDate(req.Start, "start")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	end, err := parseDate(req.End, "end")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if end.IsZero() {
		end = start // a single day
	}
	a, err := h.svc.Request(r.Context(), web.Actor(r), absence.NewAbsence{UserID: req.UserID, TypeID: req.TypeID, Start: start, End: end,
		DayLength: req.DayLength, Note: req.Note, SubstituteID: req.SubstituteID})
	if err == nil {
		a, err = h.svc.WithStaffingWarnings(r.Context(), web.Actor(r), a)
	}
	h.answer(w, r, http.StatusCreated, a, err)
}

// onAbsence serves an operation on the absence {id}: fn's answer as JSON.
func (h *Handler) onAbsence(fn func(context.Context, actor.Actor, int64) (absence.Absence, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := web.PathID(r)
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		a, err := fn(r.Context(), web.Actor(r), id)
		h.answer(w, r, http.StatusOK, a, err)
	}
}

// onAbsenceWithNote is onAbsence for operations that take {"note": …}.
func (h *Handler) onAbsenceWithNote(fn func(context.Context, actor.Actor, int64, string) (absence.Absence, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := web.PathID(r)
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		var req apiRejectBody
		if err := web.DecodeJSON(r, &req); err != nil {
			h.srv.Error(w, r, err)
			return
		}
		a, err := fn(r.Context(), web.Actor(r), id, req.Note)
		h.answer(w, r, http.StatusOK, a, err)
	}
}

func (h *Handler) answer(w http.ResponseWriter, r *http.Request, status int, a absence.Absence, err error) {
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, status, newAPIAbsence(a))
}

func (h *Handler) apiChange(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req apiChangeBody
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	start, err := parseDate(req.Start, "start")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	end, err := parseDate(req.End, "end")
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if end.IsZero() {
		end = start // a single day
	}
	a, err := h.svc.RequestChange(r.Context(), web.Actor(r), id, absence.Change{Start: start, End: end, DayLength: req.DayLength, Note: req.Note})
	h.answer(w, r, http.StatusCreated, a, err)
}

func (h *Handler) answerDeputy(w http.ResponseWriter, r *http.Request, d absence.Deputy, err error) {
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	out := apiDeputy{LeadID: d.LeadID, DeputyID: ref(d.DeputyID)}
	if d.DeputyID != 0 {
		out.DeputyName = &d.DeputyName
	}
	web.JSON(w, http.StatusOK, out)
}

func (h *Handler) apiGetDeputy(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	d, err := h.svc.GetDeputy(r.Context(), web.Actor(r), id)
	h.answerDeputy(w, r, d, err)
}

func (h *Handler) apiSetDeputy(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req apiDeputyBody
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var deputy int64
	if req.DeputyID != nil {
		deputy = *req.DeputyID
	}
	d, err := h.svc.SetDeputy(r.Context(), web.Actor(r), id, deputy)
	h.answerDeputy(w, r, d, err)
}
