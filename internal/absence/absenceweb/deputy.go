package absenceweb

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/web"
)

// registerDeputy adds /absences/deputy: a lead names, changes or removes
// the deputy who decides their reports' requests while they are away; HR
// and administrators do it for any lead (?user_id=, after picking the lead
// from a list). The API twins are getLeadDeputy and setLeadDeputy.
func (h *Handler) registerDeputy() {
	h.srv.UI("GET /absences/deputy", web.Full, h.deputyPage)
	h.srv.UI("POST /absences/deputy", web.Full, h.uiSetDeputy)
}

// deputyURL is the deputy page for those who name deputies, else "".
func deputyURL(a actor.Actor) string {
	if absence.CanManageDeputies(a) {
		return "/absences/deputy"
	}
	return ""
}

type deputyPage struct {
	web.Page
	// Leads are offered to HR to pick whose deputy to set (nil for a
	// lead looking at their own).
	Leads []option
	// LeadID is the lead whose deputy is shown (0: none picked yet).
	LeadID   int64
	LeadName string
	Own      bool
	// DeputyName is the current deputy ("" for none).
	DeputyName string
	Choices    []option
}

func (h *Handler) deputyPage(w http.ResponseWriter, r *http.Request) {
	h.renderDeputy(w, r, http.StatusOK, nil)
}

// deputyLead reads the lead of the request: user_id of the query or
// lead_id of the form; none means the actor when they are a lead.
func deputyLead(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("user_id")
	if r.Method == http.MethodPost {
		v = r.PostFormValue("lead_id")
	}
	if v = strings.TrimSpace(v); v == "" {
		a := web.Actor(r)
		if a.Has(actor.RoleLead) {
			return a.UserID, nil
		}
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, web.InvalidFilter("user_id", "user_id must be a user id")
	}
	return n, nil
}

// renderDeputy shows the deputy of the chosen lead with the form to change
// it; after a refused change it shows the error at the form.
func (h *Handler) renderDeputy(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	ctx, a := r.Context(), web.Actor(r)
	if !absence.CanManageDeputies(a) {
		h.srv.Error(w, r, apperr.NotFoundf("not_found", "not found"))
		return
	}
	leadID, err := deputyLead(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := deputyPage{Page: h.srv.NewPage(r, ""), LeadID: leadID, Own: leadID != 0 && leadID == a.UserID}
	p.Title = p.L.T("absence_admin.deputy_title")
	if leads, err := h.svc.Leads(ctx, a); err == nil {
		p.Leads = append(p.Leads, option{Value: "", Label: p.L.T("absence_admin.deputy_pick_lead_none"), Selected: leadID == 0})
		for _, l := range leads {
			v := strconv.FormatInt(l.ID, 10)
			p.Leads = append(p.Leads, option{Value: v, Label: l.Name, Selected: l.ID == leadID})
			if l.ID == leadID {
				p.LeadName = l.Name
			}
		}
	} else if apperr.KindOf(err) != apperr.NotFound {
		h.srv.Error(w, r, err)
		return
	}
	if leadID != 0 {
		d, err := h.svc.GetDeputy(ctx, a, leadID)
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		choices, err := h.svc.DeputyChoices(ctx, a, leadID)
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		p.DeputyName = d.DeputyName
		if d.DeputyID != 0 && !slices.ContainsFunc(choices, func(c absence.Colleague) bool { return c.ID == d.DeputyID }) {
			choices = append([]absence.Colleague{{ID: d.DeputyID, Name: d.DeputyName}}, choices...)
		}
		chosen := ""
		if d.DeputyID != 0 {
			chosen = strconv.FormatInt(d.DeputyID, 10)
		}
		if formErr != nil {
			chosen = r.PostFormValue("deputy_id")
		}
		p.Choices = append(p.Choices, option{Value: "", Label: p.L.T("absence_admin.deputy_none_option"), Selected: chosen == ""})
		for _, c := range choices {
			v := strconv.FormatInt(c.ID, 10)
			p.Choices = append(p.Choices, option{Value: v, Label: c.Name, Selected: v == chosen})
		}
	}
	if formErr != nil {
		p.SetError(formErr)
		delete(p.Errors, "id") // not_a_lead: shown above the form
	}
	h.srv.Render(w, r, status, "absence_deputy.html", p)
}

func (h *Handler) uiSetDeputy(w http.ResponseWriter, r *http.Request) {
	render := func(status int, err error) { h.renderDeputy(w, r, status, err) }
	a := web.Actor(r)
	leadID, err := deputyLead(r)
	if err == nil && leadID == 0 {
		err = apperr.NotFoundf("not_found", "not found")
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var deputy int64
	if v := strings.TrimSpace(r.PostFormValue("deputy_id")); v != "" {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || n <= 0 {
			render(http.StatusUnprocessableEntity, apperr.Invalidf("invalid_deputy", "unknown deputy").WithField("deputy_id", "invalid_deputy"))
			return
		}
		deputy = n
	}
	_, err = h.svc.SetDeputy(r.Context(), a, leadID, deputy)
	target := "/absences/deputy"
	if leadID != a.UserID {
		target += "?" + url.Values{"user_id": {strconv.FormatInt(leadID, 10)}}.Encode()
	}
	flash := "absence_admin_deputy_saved"
	if deputy == 0 {
		flash = "absence_admin_deputy_removed"
	}
	h.formDone(w, r, err, target, flash, render)
}
