package worktimeweb

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/identity"
	"ortlos/internal/web"
	"ortlos/internal/worktime"
)

// registerWorkModelUI adds the page on which HR maintains work models and
// assigns them. Day targets are entered as hours and minutes ("7:48"),
// the form clerks know from contracts; the API takes plain minutes.
func (h *Handler) registerWorkModelUI() {
	s := h.srv
	s.UI("GET /worktime/models", web.Full, h.workModelsPage)
	s.UI("POST /worktime/models", web.Full, h.uiCreateWorkModel)
	s.UI("POST /worktime/models/assign", web.Full, h.uiAssignWorkModel)
	s.AddNav("/worktime/models", "nav.work_models", func(a *identity.Auth) bool {
		return a.Actor.Has(actor.RoleHR) || a.Actor.IsAdmin()
	})
}

type dayInput struct {
	Key, Label, Value string
}

type workModelRow struct {
	Name   string
	Days   []string
	Weekly string
}

type option struct {
	Value, Label string
	Selected     bool
}

type workModelsPage struct {
	web.Page
	Models []workModelRow
	// Create form.
	Name string
	Days []dayInput
	// Assignment form.
	Users     []option
	ModelOpts []option
	ValidFrom string
}

func (h *Handler) workModelsPage(w http.ResponseWriter, r *http.Request) {
	h.renderWorkModels(w, r, http.StatusOK, nil)
}

// renderWorkModels shows the page; after a refused form it shows the
// error and keeps what the clerk typed.
func (h *Handler) renderWorkModels(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	ctx, a := r.Context(), web.Actor(r)
	users, err := h.svc.AssignableUsers(ctx, a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	models, err := h.svc.ListWorkModels(ctx, a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := workModelsPage{Page: h.srv.NewPage(r, "")}
	p.Title = p.L.T("work_models.title")
	if formErr != nil {
		p.SetError(formErr)
	}
	for _, m := range models {
		row := workModelRow{Name: m.Name, Weekly: hoursMinutes(m.WeeklyMinutes())}
		for _, v := range m.Minutes {
			row.Days = append(row.Days, hoursMinutes(v))
		}
		p.Models = append(p.Models, row)
	}
	if r.Method == http.MethodPost && r.URL.Path == "/worktime/models" {
		p.Name = r.PostFormValue("name")
	}
	for _, k := range worktime.WorkDays {
		in := dayInput{Key: k, Label: p.L.T("work_models.day_" + k)}
		if r.Method == http.MethodPost && r.URL.Path == "/worktime/models" {
			in.Value = r.PostFormValue("minutes_" + k)
		}
		p.Days = append(p.Days, in)
	}
	assigning := r.Method == http.MethodPost && r.URL.Path == "/worktime/models/assign"
	for _, u := range users {
		v := strconv.FormatInt(u.ID, 10)
		p.Users = append(p.Users, option{Value: v, Label: u.DisplayName + " (" + u.Username + ")",
			Selected: assigning && r.PostFormValue("user_id") == v})
	}
	for _, m := range models {
		v := strconv.FormatInt(m.ID, 10)
		p.ModelOpts = append(p.ModelOpts, option{Value: v, Label: m.Name + " – " + hoursMinutes(m.WeeklyMinutes()),
			Selected: assigning && r.PostFormValue("work_model_id") == v})
	}
	if assigning {
		p.ValidFrom = r.PostFormValue("valid_from")
	}
	h.srv.Render(w, r, status, "workmodels.html", p)
}

// hoursMinutes formats minutes as "7:48".
func hoursMinutes(m int) string { return fmt.Sprintf("%d:%02d", m/60, m%60) }

// parseHoursMinutes reads "7:48", "7" (whole hours) or "" (0).
func parseHoursMinutes(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	hs, ms, hasColon := strings.Cut(s, ":")
	h, err := strconv.Atoi(hs)
	if err != nil || h < 0 {
		return 0, false
	}
	m := 0
	if hasColon {
		if len(ms) != 2 {
			return 0, false
		}
		if m, err = strconv.Atoi(ms); err != nil || m < 0 || m > 59 {
			return 0, false
		}
	}
	return h*60 + m, true
}

// uiDoneWorkModels redirects back to the page with a flash message, or
// shows the page again with the error of a refused form.
func (h *Handler) uiDoneWorkModels(w http.ResponseWriter, r *http.Request, err error, flash string) {
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		h.renderWorkModels(w, r, http.StatusUnprocessableEntity, err)
	case apperr.Conflict:
		h.renderWorkModels(w, r, http.StatusConflict, err)
	default:
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		h.srv.Redirect(w, r, "/worktime/models", flash)
	}
}

func (h *Handler) uiCreateWorkModel(w http.ResponseWriter, r *http.Request) {
	n := worktime.NewWorkModel{Name: r.PostFormValue("name")}
	var bad *apperr.Error
	for i, k := range worktime.WorkDays {
		v, ok := parseHoursMinutes(r.PostFormValue("minutes_" + k))
		if !ok {
			if bad == nil {
				bad = apperr.Invalidf("invalid_work_model", "the work model is not valid")
			}
			bad.WithField("minutes_"+k, "invalid_day_minutes")
		}
		n.Minutes[i] = v
	}
	if bad != nil {
		// Check the permission first, so that others still get 404.
		if _, err := h.svc.AssignableUsers(r.Context(), web.Actor(r)); err != nil {
			h.srv.Error(w, r, err)
			return
		}
		h.uiDoneWorkModels(w, r, bad, "")
		return
	}
	_, err := h.svc.CreateWorkModel(r.Context(), web.Actor(r), n)
	h.uiDoneWorkModels(w, r, err, "work_model_created")
}

func (h *Handler) uiAssignWorkModel(w http.ResponseWriter, r *http.Request) {
	userID, _ := strconv.ParseInt(r.PostFormValue("user_id"), 10, 64)
	modelID, _ := strconv.ParseInt(r.PostFormValue("work_model_id"), 10, 64)
	// An unparseable date becomes the zero date, which the service refuses
	// with invalid_valid_from after its permission check.
	from, _ := civil.Parse(r.PostFormValue("valid_from"))
	_, err := h.svc.AssignWorkModel(r.Context(), web.Actor(r), userID, modelID, from)
	if apperr.KindOf(err) == apperr.NotFound {
		// For HR and admins NotFound means the chosen person does not exist
		// (none chosen, or removed meanwhile): say so on the form.
		if _, perr := h.svc.AssignableUsers(r.Context(), web.Actor(r)); perr == nil {
			err = apperr.Invalidf("unknown_user", "no such person").WithField("user_id", "unknown_user")
		}
	}
	h.uiDoneWorkModels(w, r, err, "work_model_assigned")
}
