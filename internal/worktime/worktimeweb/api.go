package worktimeweb

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"time"

	"ortlos/internal/web"
	"ortlos/internal/worktime"
)

// registerAPI adds the JSON twins of the working-time page. The
// operationIds are a public contract listed in the OpenAPI document.
func (h *Handler) registerAPI() {
	s := h.srv
	s.API("GET", "/worktime/status", "getMyWorktimeStatus", web.Full, h.apiStatus)
	s.API("POST", "/worktime/clock-in", "clockIn", web.Full, h.apiClockIn)
	s.API("POST", "/worktime/clock-out", "clockOut", web.Full, h.apiClockOut)
	s.API("POST", "/worktime/break-start", "startBreak", web.Full, h.apiStartBreak)
	s.API("POST", "/worktime/break-end", "endBreak", web.Full, h.apiEndBreak)
}

// apiEntry is a work interval.
type apiEntry struct {
	ID       int64   `json:"id"`
	UserID   int64   `json:"user_id"`
	Start    string  `json:"start"`
	End      *string `json:"end"`
	Location string  `json:"location"`
	Revision int     `json:"revision"`
	Source   string  `json:"source"`
	// Automatic marks a current revision the system wrote (automatic
	// break deduction).
	Automatic bool `json:"automatic"`
}

func newAPIEntry(e worktime.Entry) apiEntry {
	return apiEntry{ID: e.ID, UserID: e.UserID, Start: apiTime(e.Start), End: apiTimePtr(e.End),
		Location: e.Location, Revision: e.Revision, Source: e.Source, Automatic: e.Automatic}
}

// apiStatus is the caller's working state.
type apiStatusBody struct {
	State        string    `json:"state"`
	Entry        *apiEntry `json:"entry"`
	BreakSince   *string   `json:"break_since"`
	TodayMinutes int       `json:"today_minutes"`
	// Warnings are the live warnings (see worktime.LiveWarnings), each with
	// the figures of its code.
	Warnings []map[string]any `json:"warnings"`
}

// newAPIWarning writes a live warning with exactly the fields of its code.
func newAPIWarning(w worktime.LiveWarning) map[string]any {
	m := map[string]any{"code": w.Code}
	switch w.Code {
	case worktime.WarnBreakDue:
		m["break_required_minutes"], m["break_taken_minutes"] = w.BreakRequiredMinutes, w.BreakTakenMinutes
		m["break_missing_minutes"], m["due_in_minutes"] = w.BreakMissingMinutes, w.DueInMinutes
	case worktime.WarnMaxDayApproaching:
		m["minutes_left"], m["working_minutes"] = w.MinutesLeft, w.WorkingMinutes
	case worktime.WarnMaxDayExceeded:
		m["working_minutes"], m["excess_minutes"] = w.WorkingMinutes, w.ExcessMinutes
	case worktime.WarnRestTooShort:
		m["rest_minutes"], m["deficit_minutes"] = w.RestMinutes, w.DeficitMinutes
	case worktime.WarnSundayHolidayWork:
		m["day_type"], m["holiday_name"] = w.DayType, w.HolidayName
	case worktime.WarnAbsenceToday:
		m["absence_type"] = w.AbsenceType
	}
	return m
}

// status returns the caller's state with the live warnings judged with
// the holidays of the caller's Land.
func (h *Handler) status(r *http.Request) (worktime.Status, error) {
	state := ""
	if au := web.AuthFrom(r.Context()); au != nil {
		state = au.User.State
	}
	return h.svc.StatusFor(r.Context(), web.Actor(r), state)
}

// apiLocationRequest is the optional body of clockIn and endBreak.
type apiLocationRequest struct {
	Location string `json:"location"`
}

func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func apiTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := apiTime(*t)
	return &s
}

// decodeOptionalJSON decodes the body into v unless the body is empty: the
// location of clockIn and endBreak may be left out entirely.
func decodeOptionalJSON(r *http.Request, v any) error {
	br := bufio.NewReader(r.Body)
	if _, err := br.Peek(1); errors.Is(err, io.EOF) {
		return nil
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{br, r.Body}
	return web.DecodeJSON(r, v)
}

func (h *Handler) apiStatus(w http.ResponseWriter, r *http.Request) {
	st, err := h.status(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	body := apiStatusBody{State: st.State, BreakSince: apiTimePtr(st.BreakSince), TodayMinutes: st.TodayMinutes, Warnings: []map[string]any{}}
	for _, lw := range st.Warnings {
		body.Warnings = append(body.Warnings, newAPIWarning(lw))
	}
	if st.Entry != nil {
		e := newAPIEntry(*st.Entry)
		body.Entry = &e
	}
	web.JSON(w, http.StatusOK, body)
}

func (h *Handler) apiClockIn(w http.ResponseWriter, r *http.Request) {
	var req apiLocationRequest
	if err := decodeOptionalJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	e, err := h.svc.ClockIn(r.Context(), web.Actor(r), req.Location)
	h.apiAnswer(w, r, http.StatusCreated, e, err)
}

func (h *Handler) apiEndBreak(w http.ResponseWriter, r *http.Request) {
	var req apiLocationRequest
	if err := decodeOptionalJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	e, err := h.svc.EndBreak(r.Context(), web.Actor(r), req.Location)
	h.apiAnswer(w, r, http.StatusCreated, e, err)
}

func (h *Handler) apiClockOut(w http.ResponseWriter, r *http.Request) {
	e, err := h.svc.ClockOut(r.Context(), web.Actor(r))
	h.apiAnswer(w, r, http.StatusOK, e, err)
}

func (h *Handler) apiStartBreak(w http.ResponseWriter, r *http.Request) {
	e, err := h.svc.StartBreak(r.Context(), web.Actor(r))
	h.apiAnswer(w, r, http.StatusOK, e, err)
}

func (h *Handler) apiAnswer(w http.ResponseWriter, r *http.Request, status int, e worktime.Entry, err error) {
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, status, newAPIEntry(e))
}
