package worktimeweb

import (
	"net/http"

	"ortlos/internal/apperr"
	"ortlos/internal/web"
	"ortlos/internal/worktime"
)

// registerUI adds the working-time page and its form actions.
func (h *Handler) registerUI() {
	s := h.srv
	s.UI("GET /worktime", web.Full, h.page)
	s.UI("POST /worktime/clock-in", web.Full, h.uiClockIn)
	s.UI("POST /worktime/clock-out", web.Full, h.uiClockOut)
	s.UI("POST /worktime/break-start", web.Full, h.uiStartBreak)
	s.UI("POST /worktime/break-end", web.Full, h.uiEndBreak)
}

type locationOption struct {
	Value, Label string
	Checked      bool
}

type worktimePage struct {
	web.Page
	State     string
	StateText string
	Since     string
	Location  string
	Today     string
	Locations []locationOption
	// Warnings are the live warnings as German (or English) sentences.
	Warnings []liveWarningText
}

// liveWarningText is a live warning on the page.
type liveWarningText struct {
	Code, Text string
}

// warningText renders a live warning with its exact minutes.
func warningText(l interface {
	T(string, ...any) string
}, w worktime.LiveWarning) string {
	switch w.Code {
	case worktime.WarnBreakDue:
		if w.DueInMinutes > 0 {
			return l.T("worktime.live.BREAK_DUE", w.BreakMissingMinutes, w.DueInMinutes)
		}
		return l.T("worktime.live.BREAK_DUE_NOW", w.BreakMissingMinutes)
	case worktime.WarnMaxDayApproaching:
		return l.T("worktime.live.MAX_DAY_APPROACHING", w.MinutesLeft)
	case worktime.WarnMaxDayExceeded:
		return l.T("worktime.live.MAX_DAY_EXCEEDED", w.ExcessMinutes)
	case worktime.WarnRestTooShort:
		return l.T("worktime.live.REST_TOO_SHORT", w.RestMinutes/60, w.RestMinutes%60, w.DeficitMinutes)
	case worktime.WarnAbsenceToday:
		return l.T("worktime.live.ABSENCE_TODAY")
	case worktime.WarnSundayHolidayWork:
		if w.HolidayName != "" {
			return l.T("worktime.live.SUNDAY_HOLIDAY_WORK_holiday", w.HolidayName)
		}
		return l.T("worktime.live.SUNDAY_HOLIDAY_WORK_sunday")
	}
	return w.Code
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, nil)
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	p, err := h.statusPage(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if formErr != nil {
		p.SetError(formErr)
	}
	h.srv.Render(w, r, status, "worktime.html", p)
}

// statusPage builds the view of the caller's working state, shared by the
// clock page and the start-page widget.
func (h *Handler) statusPage(r *http.Request) (worktimePage, error) {
	p := worktimePage{Page: h.srv.NewPage(r, "")}
	p.Title = p.L.T("worktime.title")
	st, err := h.status(r)
	if err != nil {
		return worktimePage{}, err
	}
	p.State = st.State
	p.StateText = p.L.T("worktime.state_" + st.State)
	chosen := worktime.LocationOffice
	switch {
	case st.State == worktime.StateWorking:
		p.Since = st.Entry.Start.In(p.Loc).Format("15:04")
	case st.State == worktime.StateOnBreak:
		p.Since = st.BreakSince.In(p.Loc).Format("15:04")
	}
	if st.Entry != nil {
		chosen = st.Entry.Location
		p.Location = p.L.T("worktime.location_" + st.Entry.Location)
	}
	p.Today = p.L.T("worktime.minutes", st.TodayMinutes/60, st.TodayMinutes%60)
	for _, l := range worktime.Locations {
		p.Locations = append(p.Locations, locationOption{Value: l, Label: p.L.T("worktime.location_" + l), Checked: l == chosen})
	}
	for _, lw := range st.Warnings {
		p.Warnings = append(p.Warnings, liveWarningText{Code: lw.Code, Text: warningText(p.L, lw)})
	}
	return p, nil
}

// registerHomeWidget puts the clock on the start page: state, live
// warnings and one-click buttons (clock in at a place, break, clock out).
// The forms post to the clock page's actions with return=home.
func (h *Handler) registerHomeWidget() {
	h.srv.AddHomeWidget("worktime_widget.html", func(r *http.Request) (any, bool, error) {
		if au := web.AuthFrom(r.Context()); au == nil {
			return nil, false, nil
		}
		p, err := h.statusPage(r)
		return p, err == nil, err
	})
}

// uiDone redirects back to the page with a flash message, or shows the page
// again with the error of a refused action.
func (h *Handler) uiDone(w http.ResponseWriter, r *http.Request, err error, flash string) {
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		h.render(w, r, http.StatusUnprocessableEntity, err)
	case apperr.Conflict:
		h.render(w, r, http.StatusConflict, err)
	default:
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		target := "/worktime"
		if r.PostFormValue("return") == "home" {
			target = "/"
		}
		h.srv.Redirect(w, r, target, flash)
	}
}

func (h *Handler) uiClockIn(w http.ResponseWriter, r *http.Request) {
	_, err := h.svc.ClockIn(r.Context(), web.Actor(r), r.PostFormValue("location"))
	h.uiDone(w, r, err, "clocked_in")
}

func (h *Handler) uiClockOut(w http.ResponseWriter, r *http.Request) {
	_, err := h.svc.ClockOut(r.Context(), web.Actor(r))
	h.uiDone(w, r, err, "clocked_out")
}

func (h *Handler) uiStartBreak(w http.ResponseWriter, r *http.Request) {
	_, err := h.svc.StartBreak(r.Context(), web.Actor(r))
	h.uiDone(w, r, err, "break_started")
}

func (h *Handler) uiEndBreak(w http.ResponseWriter, r *http.Request) {
	_, err := h.svc.EndBreak(r.Context(), web.Actor(r), r.PostFormValue("location"))
	h.uiDone(w, r, err, "break_ended")
}
