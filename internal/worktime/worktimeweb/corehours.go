package worktimeweb

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/identity"
	"ortlos/internal/web"
	"ortlos/internal/worktime"
)

// registerCorehours adds the core hours (Kernarbeitszeit) per org unit:
// the JSON API and the page on which HR and administrators maintain them.
func (h *Handler) registerCorehours() {
	s := h.srv
	s.API("GET", "/org-units/{id}/core-hours", "getCoreHours", web.Full, h.apiGetCoreHours)
	s.API("PUT", "/org-units/{id}/core-hours", "setCoreHours", web.Full, h.apiSetCoreHours)
	s.UI("GET /worktime/core-hours", web.Full, h.coreHoursPage)
	s.UI("GET /worktime/core-hours/{id}", web.Full, h.coreHoursEditPage)
	s.UI("POST /worktime/core-hours/{id}", web.Full, h.uiSetCoreHours)
	s.AddNav("/worktime/core-hours", "nav.worktime_core_hours", func(a *identity.Auth) bool {
		return a.Actor.Has(actor.RoleHR) || a.Actor.IsAdmin()
	})
}

// apiCoreWindow is one weekday's core time.
type apiCoreWindow struct {
	Weekday     int `json:"weekday"`
	StartMinute int `json:"start_minute"`
	EndMinute   int `json:"end_minute"`
}

// apiCoreHours are the effective core hours of an org unit.
type apiCoreHours struct {
	OrgUnitID       int64           `json:"org_unit_id"`
	Inherited       bool            `json:"inherited"`
	SourceOrgUnitID *int64          `json:"source_org_unit_id"`
	Windows         []apiCoreWindow `json:"windows"`
}

type apiSetCoreHoursRequest struct {
	Windows []apiCoreWindow `json:"windows"`
}

func newAPICoreHours(c worktime.CoreHours) apiCoreHours {
	out := apiCoreHours{OrgUnitID: c.OrgUnitID, Inherited: c.Inherited, Windows: []apiCoreWindow{}}
	if c.SourceOrgUnitID != 0 {
		id := c.SourceOrgUnitID
		out.SourceOrgUnitID = &id
	}
	for _, w := range c.Windows {
		out.Windows = append(out.Windows, apiCoreWindow(w))
	}
	return out
}

func (h *Handler) apiGetCoreHours(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	c, err := h.svc.CoreHoursOf(r.Context(), web.Actor(r), id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPICoreHours(c))
}

func (h *Handler) apiSetCoreHours(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req apiSetCoreHoursRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	ws := make([]worktime.CoreWindow, 0, len(req.Windows))
	for _, x := range req.Windows {
		ws = append(ws, worktime.CoreWindow(x))
	}
	c, err := h.svc.SetCoreHours(r.Context(), web.Actor(r), id, ws)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPICoreHours(c))
}

// coreHoursRow is a line of the overview.
type coreHoursRow struct {
	ID     int64
	Name   string
	Days   []string // Monday … Sunday: "9:00–15:00" or empty
	Source string   // the unit inherited from; empty when own or none
}

type coreHoursPage struct {
	web.Page
	Weekdays []string
	Units    []coreHoursRow
}

type coreDayInput struct {
	Weekday            int
	Label              string
	StartName, EndName string
	Start, End         string
}

type coreHoursEditPage struct {
	web.Page
	ID        int64
	Name      string
	Inherited bool
	Days      []coreDayInput
}

// hhmm formats minutes after midnight as "09:00" (1440 as "24:00").
func hhmm(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// parseHHMM reads "9:00", "09:00" or "24:00"; ok is false otherwise.
func parseHHMM(s string) (int, bool) {
	hs, ms, found := strings.Cut(strings.TrimSpace(s), ":")
	if !found || len(ms) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(hs)
	mm, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh*60+mm > 1440 {
		return 0, false
	}
	return hh*60 + mm, true
}

func weekdayLabels(p web.Page) []string {
	out := make([]string, 0, 7)
	for _, k := range worktime.WorkDays {
		out = append(out, p.L.T("work_models.day_"+k))
	}
	return out
}

func (h *Handler) coreHoursPage(w http.ResponseWriter, r *http.Request) {
	list, err := h.svc.ListCoreHours(r.Context(), web.Actor(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := coreHoursPage{Page: h.srv.NewPage(r, "")}
	p.Title = p.L.T("worktime.core_hours.title")
	p.Weekdays = weekdayLabels(p.Page)
	for _, u := range list {
		row := coreHoursRow{ID: u.OrgUnitID, Name: u.Name, Days: make([]string, 7)}
		for _, cw := range u.Windows {
			row.Days[cw.Weekday-1] = hhmm(cw.StartMinute) + "–" + hhmm(cw.EndMinute)
		}
		if u.Inherited {
			row.Source = u.SourceName
		}
		p.Units = append(p.Units, row)
	}
	h.srv.Render(w, r, http.StatusOK, "worktime_corehours.html", p)
}

func (h *Handler) coreHoursEditPage(w http.ResponseWriter, r *http.Request) {
	h.renderCoreHoursEdit(w, r, http.StatusOK, nil)
}

// renderCoreHoursEdit shows the form of one unit; after a refused form it
// shows the error and keeps what was typed.
func (h *Handler) renderCoreHoursEdit(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	ctx, a := r.Context(), web.Actor(r)
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	name, err := h.svc.OrgUnitName(ctx, a, id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	ch, err := h.svc.CoreHoursOf(ctx, a, id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := coreHoursEditPage{Page: h.srv.NewPage(r, ""), ID: id, Name: name, Inherited: ch.Inherited}
	p.Title = p.L.T("worktime.core_hours.edit_title", name)
	if formErr != nil {
		p.SetError(formErr)
	}
	labels := weekdayLabels(p.Page)
	for wd := 1; wd <= 7; wd++ {
		in := coreDayInput{Weekday: wd, Label: labels[wd-1], StartName: fmt.Sprintf("start_%d", wd), EndName: fmt.Sprintf("end_%d", wd)}
		if r.Method == http.MethodPost {
			in.Start, in.End = r.PostFormValue(in.StartName), r.PostFormValue(in.EndName)
		} else if cw, ok := ch.Window(wd); ok && !ch.Inherited {
			in.Start, in.End = hhmm(cw.StartMinute), hhmm(cw.EndMinute)
		}
		p.Days = append(p.Days, in)
	}
	h.srv.Render(w, r, status, "worktime_corehours_edit.html", p)
}

func (h *Handler) uiSetCoreHours(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), web.Actor(r)
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	// Check the permission first, so that others get 404 whatever they send.
	if _, err := h.svc.OrgUnitName(ctx, a, id); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var ws []worktime.CoreWindow
	var bad *apperr.Error
	for wd := 1; wd <= 7; wd++ {
		sName, eName := fmt.Sprintf("start_%d", wd), fmt.Sprintf("end_%d", wd)
		ss, es := strings.TrimSpace(r.PostFormValue(sName)), strings.TrimSpace(r.PostFormValue(eName))
		if ss == "" && es == "" {
			continue
		}
		from, ok1 := parseHHMM(ss)
		to, ok2 := parseHHMM(es)
		if bad == nil && (!ok1 || !ok2 || from >= to) {
			bad = apperr.Invalidf("invalid_core_hours", "the core hours are not valid")
		}
		switch {
		case !ok1:
			bad.WithField(sName, "invalid_time_of_day")
		case !ok2:
			bad.WithField(eName, "invalid_time_of_day")
		case from >= to:
			bad.WithField(eName, "invalid_core_window")
		}
		ws = append(ws, worktime.CoreWindow{Weekday: wd, StartMinute: from, EndMinute: to})
	}
	if bad != nil {
		h.renderCoreHoursEdit(w, r, http.StatusUnprocessableEntity, bad)
		return
	}
	_, err = h.svc.SetCoreHours(ctx, a, id, ws)
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		h.renderCoreHoursEdit(w, r, http.StatusUnprocessableEntity, err)
	default:
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		h.srv.Redirect(w, r, "/worktime/core-hours", "worktime_core_hours_saved")
	}
}
