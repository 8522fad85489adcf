package absenceweb

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"ortlos/internal/absence"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/web"
)

// registerUI adds the pages: the person's absences of a year with the
// request form, and the requests leads and HR decide. Everything works
// without JavaScript: plain forms, redirects, flashes.
func (h *Handler) registerUI() {
	s := h.srv
	s.UI("GET /absences", web.Full, h.absencesPage)
	s.UI("POST /absences", web.Full, h.uiRequest)
	s.UI("POST /absences/{id}/cancel", web.Full, h.uiCancel)
	s.UI("GET /absences/approvals", web.Full, h.approvalsPage)
	s.UI("POST /absences/{id}/approve", web.Full, h.uiAbsenceForm(h.decisionDone, "absence_approved", func(r *http.Request, id int64) error {
		_, err := h.svc.Approve(r.Context(), web.Actor(r), id)
		return err
	}))
	s.UI("POST /absences/{id}/reject", web.Full, h.uiAbsenceForm(h.decisionDone, "absence_rejected", func(r *http.Request, id int64) error {
		_, err := h.svc.Reject(r.Context(), web.Actor(r), id, r.PostFormValue("note"))
		return err
	}))
	s.UI("POST /absences/{id}/substitute-confirm", web.Full, h.uiAbsenceForm(h.substituteDone, "absence_substitute_confirmed", func(r *http.Request, id int64) error {
		_, err := h.svc.ConfirmSubstitute(r.Context(), web.Actor(r), id)
		return err
	}))
	s.UI("POST /absences/{id}/substitute-decline", web.Full, h.uiAbsenceForm(h.substituteDone, "absence_substitute_declined", func(r *http.Request, id int64) error {
		_, err := h.svc.DeclineSubstitute(r.Context(), web.Actor(r), id, r.PostFormValue("note"))
		return err
	}))
	s.UI("GET /absences/{id}/change", web.Full, h.changePage)
	s.UI("POST /absences/{id}/change", web.Full, h.uiChange)
	s.UI("POST /absences/{id}/cancellation-request", web.Full, h.uiCancellationRequest)
}

// option is an entry of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// absenceRow is an absence in a table or card.
type absenceRow struct {
	ID                                  int64
	Person, Type, Start, End, DayLength string
	WorkingDays, Status, StatusCode     string
	Note, DecisionNote                  string
	CanCancel                           bool
	// AwaitsSubstitute: the request waits for SubstituteName.
	AwaitsSubstitute bool
	SubstituteName   string
	// Replaces is the period of the approved absence a change request
	// replaces (empty: no change request).
	Replaces string
	// ChangeURL is the change form of an own approved absence.
	ChangeURL string
	// CancelRequested: the person asked to cancel this started absence;
	// CanRequestCancel: they may ask.
	CancelRequested, CanRequestCancel bool
	// Staffing are the days the unit would be below its minimum staffing
	// (on the approvals page, for requests).
	Staffing []staffingRow
}

// typeNames maps type ids to their names in the page's language; the
// hidden type of health data reads "abwesend".
func (h *Handler) typeNames(r *http.Request, p web.Page) (map[string]string, []absence.Type, error) {
	types, err := h.svc.Types(r.Context(), web.Actor(r))
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{absence.TypeAbsent: p.L.T("absence.type_absent")}
	for _, t := range types {
		names[t.ID] = t.Name(p.L.Lang)
	}
	return names, types, nil
}

// days formats a number of working days (4.5 → "4,5" in German).
func days(p web.Page, n float64) string {
	s := strconv.FormatFloat(n, 'f', -1, 64)
	if p.L.Lang == "de" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s
}

func dateText(d civil.Date) string { return fmt.Sprintf("%02d.%02d.%04d", d.Day, d.Month, d.Year) }

func (h *Handler) row(p web.Page, names map[string]string, a absence.Absence, today civil.Date, own bool) absenceRow {
	name, ok := names[a.TypeID]
	if !ok {
		name = a.TypeID
	}
	return absenceRow{ID: a.ID, Person: a.UserName, Type: name, Start: dateText(a.Start), End: dateText(a.End),
		DayLength: p.L.T("absence.day_" + a.DayLength), WorkingDays: days(p, a.WorkingDays),
		Status: p.L.T("absence.status_" + a.Status), StatusCode: a.Status, Note: a.Note, DecisionNote: a.DecisionNote,
		CanCancel:        own && (a.Status == absence.StatusRequested || (a.Status == absence.StatusApproved && today.Before(a.Start))),
		AwaitsSubstitute: a.AwaitsSubstitute(), CancelRequested: a.Status == absence.StatusApproved && a.CancelRequestedAt != nil}
}

// decorate adds to rows what needs more reads: the substitute's name, the
// period a change request replaces and, for own absences, the change link.
func (h *Handler) decorate(r *http.Request, rows []absenceRow, list []absence.Absence, types []absence.Type, own bool) {
	ctx, a := r.Context(), web.Actor(r)
	needs := map[string]bool{}
	for _, t := range types {
		needs[t.ID] = t.NeedsApproval && t.Active
	}
	for i, x := range list {
		rows[i].SubstituteName = x.SubstituteName
		if x.ReplacesID != 0 {
			if o, err := h.svc.Get(ctx, a, x.ReplacesID); err == nil {
				rows[i].Replaces = dateText(o.Start) + "–" + dateText(o.End)
			}
		}
		if own && x.Status == absence.StatusApproved && needs[x.TypeID] {
			rows[i].ChangeURL = fmt.Sprintf("/absences/%d/change", x.ID)
			rows[i].CanRequestCancel = x.CancelRequestedAt == nil && !h.svc.Today().Before(x.Start)
		}
	}
}

// --- /absences -------------------------------------------------------

// requestForm is what the request form shows.
type requestForm struct {
	Types       []option
	DayLengths  []option
	Substitutes []option
	Start, End  string
	Note        string
}

type absencesPage struct {
	web.Page
	Year               int
	Rows               []absenceRow
	Total              string
	PrevURL, PrevLabel string
	NextURL, NextLabel string
	Form               requestForm
	ApprovalsURL       string
	// ToConfirm counts the requests waiting for the actor as substitute.
	ToConfirm int
	// ExportURL is the payroll export of the current month (HR only).
	ExportURL string
}

func (h *Handler) absencesPage(w http.ResponseWriter, r *http.Request) {
	h.renderAbsences(w, r, http.StatusOK, nil)
}

// yearParam reads ?year (default: the current year).
func (h *Handler) yearParam(r *http.Request) (int, error) {
	year := h.svc.Today().Year
	s := r.URL.Query().Get("year")
	if s == "" {
		s = r.PostFormValue("year")
	}
	if s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2000 || n > 2100 {
			return 0, web.InvalidFilter("year", "year must be between 2000 and 2100")
		}
		year = n
	}
	return year, nil
}

// renderAbsences shows the person's absences of a year and the request
// form; after a refused request it shows the error at the form.
func (h *Handler) renderAbsences(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	year, err := h.yearParam(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	ctx, a := r.Context(), web.Actor(r)
	p := absencesPage{Page: h.srv.NewPage(r, ""), Year: year}
	p.Title = p.L.T("absence.title")
	names, types, err := h.typeNames(r, p.Page)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	list, err := h.svc.List(ctx, a, absence.Filter{UserID: a.UserID, From: civil.D(year, 1, 1), To: civil.D(year, 12, 31)})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	today := h.svc.Today()
	total := 0.0
	for _, x := range list {
		p.Rows = append(p.Rows, h.row(p.Page, names, x, today, true))
		if x.Status == absence.StatusApproved {
			total += x.WorkingDays
		}
	}
	h.decorate(r, p.Rows, list, types, true)
	toConfirm, err := h.svc.List(ctx, a, absence.Filter{ToConfirm: true})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p.ToConfirm = len(toConfirm)
	deputy, err := h.svc.IsActingDeputy(ctx, a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p.Total = days(p.Page, total)
	p.PrevURL, p.PrevLabel = fmt.Sprintf("/absences?year=%d", year-1), strconv.Itoa(year-1)
	p.NextURL, p.NextLabel = fmt.Sprintf("/absences?year=%d", year+1), strconv.Itoa(year+1)
	if absence.CanDecide(a) || deputy || p.ToConfirm > 0 {
		p.ApprovalsURL = "/absences/approvals"
	}
	if absence.CanExport(a) {
		t := h.svc.Today()
		p.ExportURL = fmt.Sprintf("/absences/export.csv?year=%d&month=%d", t.Year, int(t.Month))
	}
	chosenType, chosenLen := r.PostFormValue("type_id"), r.PostFormValue("day_length")
	if chosenType == "" {
		chosenType = "vacation"
	}
	if chosenLen == "" {
		chosenLen = absence.DayFull
	}
	for _, t := range types {
		if t.Active {
			p.Form.Types = append(p.Form.Types, option{Value: t.ID, Label: t.Name(p.L.Lang), Selected: t.ID == chosenType})
		}
	}
	for _, d := range absence.DayLengths {
		p.Form.DayLengths = append(p.Form.DayLengths, option{Value: d, Label: p.L.T("absence.day_" + d), Selected: d == chosenLen})
	}
	colleagues, err := h.svc.Colleagues(ctx, a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	chosenSub := r.PostFormValue("substitute_id")
	p.Form.Substitutes = append(p.Form.Substitutes, option{Value: "", Label: p.L.T("absence.substitute_none"), Selected: chosenSub == ""})
	for _, c := range colleagues {
		v := strconv.FormatInt(c.ID, 10)
		p.Form.Substitutes = append(p.Form.Substitutes, option{Value: v, Label: c.Name, Selected: v == chosenSub})
	}
	if formErr != nil {
		p.SetError(formErr)
		p.Form.Start, p.Form.End, p.Form.Note = r.PostFormValue("start"), r.PostFormValue("end"), r.PostFormValue("note")
	}
	h.srv.Render(w, r, status, "absences.html", p)
}

// formDone shows the page again after a refused form, or redirects.
func (h *Handler) formDone(w http.ResponseWriter, r *http.Request, err error, target, flash string, render func(int, error)) {
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		render(http.StatusUnprocessableEntity, err)
	case apperr.Conflict:
		render(http.StatusConflict, err)
	default:
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		h.srv.Redirect(w, r, target, flash)
	}
}

func (h *Handler) uiRequest(w http.ResponseWriter, r *http.Request) {
	render := func(status int, err error) { h.renderAbsences(w, r, status, err) }
	start, err := parseDate(r.PostFormValue("start"), "start")
	if err != nil {
		render(http.StatusUnprocessableEntity, err)
		return
	}
	end, err := parseDate(r.PostFormValue("end"), "end")
	if err != nil {
		render(http.StatusUnprocessableEntity, err)
		return
	}
	if end.IsZero() {
		end = start // a single day needs no end
	}
	var sub int64
	if v := strings.TrimSpace(r.PostFormValue("substitute_id")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			render(http.StatusUnprocessableEntity, apperr.Invalidf("invalid_substitute", "unknown substitute").WithField("substitute_id", "invalid_substitute"))
			return
		}
		sub = n
	}
	a, err := h.svc.Request(r.Context(), web.Actor(r), absence.NewAbsence{TypeID: r.PostFormValue("type_id"), Start: start, End: end,
		DayLength: r.PostFormValue("day_length"), Note: r.PostFormValue("note"), SubstituteID: sub})
	flash := "absence_requested"
	switch {
	case a.Status == absence.StatusApproved:
		flash = "absence_recorded"
	case a.AwaitsSubstitute():
		flash = "absence_requested_substitute"
	}
	target := fmt.Sprintf("/absences?year=%d", start.Year)
	if err == nil {
		// A request below the unit's minimum staffing goes on (never a
		// block), but the person sees the days on its page.
		if a, err = h.svc.WithStaffingWarnings(r.Context(), web.Actor(r), a); err == nil && len(a.StaffingWarnings) > 0 {
			flash, target = "absence_admin_understaffed", fmt.Sprintf("/absences/%d", a.ID)
		}
	}
	h.formDone(w, r, err, target, flash, render)
}

func (h *Handler) uiCancel(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	_, err = h.svc.Cancel(r.Context(), web.Actor(r), id)
	h.formDone(w, r, err, "/absences", "absence_cancelled", func(status int, err error) { h.renderAbsences(w, r, status, err) })
}

// --- /absences/approvals ---------------------------------------------

type approvalsPage struct {
	web.Page
	Rows []absenceRow
	// Confirm are the requests waiting for the actor as substitute.
	Confirm []absenceRow
	// ShowDecide: the actor decides requests (lead, HR, acting deputy).
	ShowDecide bool
	NoteFor    int64
	Note       string
	// DeputyURL is the deputy page for leads and HR (deputy.go).
	DeputyURL string
}

func (h *Handler) approvalsPage(w http.ResponseWriter, r *http.Request) {
	h.renderApprovals(w, r, http.StatusOK, nil, 0)
}

// renderApprovals lists the requests the actor decides; after a refused
// decision on failedID it shows the error there.
func (h *Handler) renderApprovals(w http.ResponseWriter, r *http.Request, status int, formErr error, failedID int64) {
	a := web.Actor(r)
	deputy, err := h.svc.IsActingDeputy(r.Context(), a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	confirm, err := h.svc.List(r.Context(), a, absence.Filter{ToConfirm: true})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := approvalsPage{Page: h.srv.NewPage(r, ""), ShowDecide: absence.CanDecide(a) || deputy,
		DeputyURL: deputyURL(a)}
	if !p.ShowDecide && len(confirm) == 0 {
		h.srv.Error(w, r, apperr.NotFoundf("not_found", "not found"))
		return
	}
	p.Title = p.L.T("absence.approvals_title")
	names, types, err := h.typeNames(r, p.Page)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	today := h.svc.Today()
	for _, x := range confirm {
		p.Confirm = append(p.Confirm, h.row(p.Page, names, x, today, false))
	}
	if p.ShowDecide {
		list, err := h.svc.List(r.Context(), a, absence.Filter{ToDecide: true})
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		for i, x := range list {
			p.Rows = append(p.Rows, h.row(p.Page, names, x, today, false))
			if x.Status == absence.StatusRequested {
				if list[i], err = h.svc.WithStaffingWarnings(r.Context(), a, x); err != nil {
					h.srv.Error(w, r, err)
					return
				}
				p.Rows[i].Staffing = staffingRows(p.Page, list[i].StaffingWarnings)
			}
		}
		h.decorate(r, p.Rows, list, types, false)
	}
	if formErr != nil {
		p.SetError(formErr)
		if msg, ok := p.Errors["note"]; ok {
			delete(p.Errors, "note")
			p.Errors[fmt.Sprintf("note-%d", failedID)] = msg
		}
		p.NoteFor, p.Note = failedID, r.PostFormValue("note")
	}
	h.srv.Render(w, r, status, "absence_approvals.html", p)
}

// uiAbsenceForm serves a form action on the absence {id}: act does it,
// done answers with flash on success or the page with the error.
func (h *Handler) uiAbsenceForm(done func(http.ResponseWriter, *http.Request, int64, error, string), flash string, act func(r *http.Request, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := web.PathID(r)
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		done(w, r, id, act(r, id), flash)
	}
}

func (h *Handler) decisionDone(w http.ResponseWriter, r *http.Request, id int64, err error, flash string) {
	h.formDone(w, r, err, "/absences/approvals", flash, func(status int, err error) { h.renderApprovals(w, r, status, err, id) })
}

// substituteDone redirects after a substitute's answer: to the approvals
// page while more wait there, else to the own absences.
func (h *Handler) substituteDone(w http.ResponseWriter, r *http.Request, id int64, err error, flash string) {
	target := "/absences/approvals"
	if err == nil {
		a := web.Actor(r)
		deputy, derr := h.svc.IsActingDeputy(r.Context(), a)
		more, lerr := h.svc.List(r.Context(), a, absence.Filter{ToConfirm: true})
		if derr == nil && lerr == nil && !absence.CanDecide(a) && !deputy && len(more) == 0 {
			target = "/absences"
		}
	}
	h.formDone(w, r, err, target, flash, func(status int, err error) { h.renderApprovals(w, r, status, err, id) })
}

// --- /absences/{id}/change -----------------------------------------------

type changePage struct {
	web.Page
	ID           int64
	Type, Period string
	Start, End   string
	Note         string
	DayLengths   []option
}

func (h *Handler) changePage(w http.ResponseWriter, r *http.Request) {
	h.renderChange(w, r, http.StatusOK, nil)
}

// renderChange shows the change form of an own approved absence.
func (h *Handler) renderChange(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	a := web.Actor(r)
	x, err := h.svc.Get(r.Context(), a, id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if x.UserID != a.UserID {
		h.srv.Error(w, r, apperr.NotFoundf("not_found", "not found"))
		return
	}
	p := changePage{Page: h.srv.NewPage(r, ""), ID: id}
	p.Title = p.L.T("absence.change_title")
	names, _, err := h.typeNames(r, p.Page)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p.Type, p.Period = names[x.TypeID], dateText(x.Start)+"–"+dateText(x.End)
	p.Start, p.End = x.Start.String(), x.End.String()
	chosen := x.DayLength
	if formErr != nil {
		p.SetError(formErr)
		p.Start, p.End, p.Note = r.PostFormValue("start"), r.PostFormValue("end"), r.PostFormValue("note")
		chosen = r.PostFormValue("day_length")
	}
	for _, d := range absence.DayLengths {
		p.DayLengths = append(p.DayLengths, option{Value: d, Label: p.L.T("absence.day_" + d), Selected: d == chosen})
	}
	h.srv.Render(w, r, status, "absence_change.html", p)
}

func (h *Handler) uiChange(w http.ResponseWriter, r *http.Request) {
	render := func(status int, err error) { h.renderChange(w, r, status, err) }
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	start, err := parseDate(r.PostFormValue("start"), "start")
	if err != nil {
		render(http.StatusUnprocessableEntity, err)
		return
	}
	end, err := parseDate(r.PostFormValue("end"), "end")
	if err != nil {
		render(http.StatusUnprocessableEntity, err)
		return
	}
	if end.IsZero() {
		end = start
	}
	_, err = h.svc.RequestChange(r.Context(), web.Actor(r), id, absence.Change{Start: start, End: end,
		DayLength: r.PostFormValue("day_length"), Note: r.PostFormValue("note")})
	h.formDone(w, r, err, fmt.Sprintf("/absences?year=%d", start.Year), "absence_change_requested", render)
}

func (h *Handler) uiCancellationRequest(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	_, err = h.svc.RequestCancellation(r.Context(), web.Actor(r), id)
	h.formDone(w, r, err, "/absences", "absence_cancellation_requested", func(status int, err error) { h.renderAbsences(w, r, status, err) })
}
