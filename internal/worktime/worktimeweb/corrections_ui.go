package worktimeweb

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/identity"
	"ortlos/internal/web"
	"ortlos/internal/worktime"
)

// registerCorrectionsUI adds the pages on which people list their entries,
// add entries afterwards, correct and delete them with a reason, see the
// full history, and on which leads and HR decide correction requests.
// Everything works without JavaScript: plain forms, redirects, flashes.
func (h *Handler) registerCorrectionsUI() {
	s := h.srv
	s.UI("GET /worktime/entries", web.Full, h.entriesPage)
	s.UI("GET /worktime/entries/new", web.Full, h.entryNewPage)
	s.UI("POST /worktime/entries", web.Full, h.uiCreateEntry)
	s.UI("GET /worktime/entries/{id}", web.Full, h.entryPage)
	s.UI("POST /worktime/entries/{id}/corrections", web.Full, h.uiCorrectEntry)
	s.UI("POST /worktime/entries/{id}/delete", web.Full, h.uiDeleteEntry)
	s.UI("GET /worktime/corrections", web.Full, h.correctionsPage)
	s.UI("POST /worktime/corrections/{id}/approve", web.Full, h.uiApproveCorrection)
	s.UI("POST /worktime/corrections/{id}/reject", web.Full, h.uiRejectCorrection)
	s.UI("POST /worktime/corrections/{id}/withdraw", web.Full, h.uiWithdrawCorrection)
	s.AddNav("/worktime/corrections", "worktime.nav_corrections", func(a *identity.Auth) bool {
		return worktime.CanDecideCorrections(a.Actor)
	})
}

// entryForm is what the entry forms show: local dates and times.
type entryForm struct {
	StartDate, StartTime, EndDate, EndTime string
	Reason, Revision                       string
	Locations                              []locationOption
}

// entryRow is an entry in a list.
type entryRow struct {
	URL, Date, Start, End, Location, Source string
	Duration                                string
	Revision                                int
	Running                                 bool
}

// formatting helpers bound to a page's localizer and zone.
func (h *Handler) dateText(p web.Page, t time.Time) string { return p.L.Date(t, h.svc.Location()) }
func (h *Handler) clockText(t time.Time) string            { return t.In(h.svc.Location()).Format("15:04") }

func (h *Handler) endText(p web.Page, start time.Time, end *time.Time) string {
	if end == nil {
		return p.L.T("worktime.entry_open")
	}
	if civil.In(*end, h.svc.Location()) != civil.In(start, h.svc.Location()) {
		return h.dateText(p, *end) + " " + h.clockText(*end)
	}
	return h.clockText(*end)
}

func (h *Handler) sourceText(p web.Page, source string, automatic bool) string {
	s := p.L.T("worktime.source_" + source)
	if automatic {
		s += " (" + p.L.T("worktime.automatic") + ")"
	}
	return s
}

func (h *Handler) locationOptions(p web.Page, chosen string) []locationOption {
	var out []locationOption
	for _, l := range worktime.Locations {
		out = append(out, locationOption{Value: l, Label: p.L.T("worktime.location_" + l), Checked: l == chosen})
	}
	return out
}

// formFromEntry fills the form with an entry's current state.
func (h *Handler) formFromEntry(p web.Page, e worktime.Entry) entryForm {
	loc := h.svc.Location()
	f := entryForm{StartDate: e.Start.In(loc).Format(time.DateOnly), StartTime: h.clockText(e.Start),
		Revision: strconv.Itoa(e.Revision), Locations: h.locationOptions(p, e.Location)}
	if e.End != nil {
		f.EndDate, f.EndTime = e.End.In(loc).Format(time.DateOnly), h.clockText(*e.End)
	}
	return f
}

// formFromRequest keeps what the person typed after a refused form.
func (h *Handler) formFromRequest(p web.Page, r *http.Request) entryForm {
	loc := r.PostFormValue("location")
	if loc == "" {
		loc = worktime.LocationOffice
	}
	return entryForm{StartDate: r.PostFormValue("start_date"), StartTime: r.PostFormValue("start_time"),
		EndDate: r.PostFormValue("end_date"), EndTime: r.PostFormValue("end_time"), Reason: r.PostFormValue("reason"),
		Revision: r.PostFormValue("revision"), Locations: h.locationOptions(p, loc)}
}

// setFormError shows err on the page; the service's field names start and
// end are shown at the time inputs.
func setFormError(p *web.Page, err error) {
	p.SetError(err)
	for from, to := range map[string]string{"start": "start_time", "end": "end_time"} {
		if msg, ok := p.Errors[from]; ok {
			delete(p.Errors, from)
			p.Errors[to] = msg
		}
	}
}

// parseFormTimes reads the local date and time fields of an entry form
// in the organisation's zone. An empty end date means the start date; an
// empty end time an open end (refused by the service unless allowed).
func (h *Handler) parseFormTimes(r *http.Request) (time.Time, *time.Time, error) {
	loc := h.svc.Location()
	bad := func(field string) error {
		return apperr.Invalidf("invalid_entry_time", "not a date and time").WithField(field, "invalid_entry_time")
	}
	sd, st := strings.TrimSpace(r.PostFormValue("start_date")), strings.TrimSpace(r.PostFormValue("start_time"))
	ed, et := strings.TrimSpace(r.PostFormValue("end_date")), strings.TrimSpace(r.PostFormValue("end_time"))
	if sd == "" && st == "" {
		return time.Time{}, nil, nil
	}
	start, err := time.ParseInLocation("2006-01-02 15:04", sd+" "+st, loc)
	if err != nil {
		if _, derr := time.Parse(time.DateOnly, sd); derr != nil {
			return time.Time{}, nil, bad("start_date")
		}
		return time.Time{}, nil, bad("start_time")
	}
	if et == "" {
		if ed != "" {
			return time.Time{}, nil, bad("end_time")
		}
		return start, nil, nil
	}
	if ed == "" {
		ed = sd
	}
	end, err := time.ParseInLocation("2006-01-02 15:04", ed+" "+et, loc)
	if err != nil {
		if _, derr := time.Parse(time.DateOnly, ed); derr != nil {
			return time.Time{}, nil, bad("end_date")
		}
		return time.Time{}, nil, bad("end_time")
	}
	return start, &end, nil
}

// --- /worktime/entries -----------------------------------------------

type entriesPage struct {
	web.Page
	Heading             string
	Rows                []entryRow
	NewURL              string
	PrevURL, PrevLabel  string
	NextURL, NextLabel  string
	Own                 bool
	CanChange           bool
	CorrectionsURL      string
	UserQuery, Subtitle string
}

func (h *Handler) entriesPage(w http.ResponseWriter, r *http.Request) {
	year, month, err := h.monthParams(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	a := web.Actor(r)
	userID := a.UserID
	if s := r.URL.Query().Get("user_id"); s != "" {
		if userID, err = strconv.ParseInt(s, 10, 64); err != nil || userID <= 0 {
			h.srv.Error(w, r, web.InvalidFilter("user_id", "user_id must be a user id"))
			return
		}
	}
	from := civil.D(year, month, 1)
	to := civil.D(year, month+1, 0)
	list, err := h.svc.ListEntries(r.Context(), a, userID, from, to)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := entriesPage{Page: h.srv.NewPage(r, ""), Own: userID == a.UserID, CanChange: worktime.MayChangeEntries(a, userID),
		NewURL: "/worktime/entries/new", CorrectionsURL: "/worktime/corrections"}
	monthName := func(m time.Month) string { return p.L.T(fmt.Sprintf("worktime.month_%d", int(m))) }
	p.Title = p.L.T("worktime.entries_title")
	p.Heading = fmt.Sprintf("%s %d", monthName(month), year)
	if !p.Own {
		p.UserQuery = "&user_id=" + strconv.FormatInt(userID, 10)
		p.NewURL += "?user_id=" + strconv.FormatInt(userID, 10)
	}
	for _, e := range list {
		row := entryRow{URL: fmt.Sprintf("/worktime/entries/%d", e.ID), Date: h.dateText(p.Page, e.Start), Start: h.clockText(e.Start),
			End: h.endText(p.Page, e.Start, e.End), Location: p.L.T("worktime.location_" + e.Location),
			Source: h.sourceText(p.Page, e.Source, e.Automatic), Revision: e.Revision, Running: e.Running()}
		if e.End != nil {
			row.Duration = hoursMinutes(int(e.End.Sub(e.Start) / time.Minute))
		}
		p.Rows = append(p.Rows, row)
	}
	prev, next := civil.D(year, month-1, 1), civil.D(year, month+1, 1)
	p.PrevURL = fmt.Sprintf("/worktime/entries?year=%d&month=%d%s", prev.Year, int(prev.Month), p.UserQuery)
	p.NextURL = fmt.Sprintf("/worktime/entries?year=%d&month=%d%s", next.Year, int(next.Month), p.UserQuery)
	p.PrevLabel, p.NextLabel = fmt.Sprintf("%s %d", monthName(prev.Month), prev.Year), fmt.Sprintf("%s %d", monthName(next.Month), next.Year)
	h.srv.Render(w, r, http.StatusOK, "worktime_entries.html", p)
}

// --- /worktime/entries/new -------------------------------------------

type entryNewPage struct {
	web.Page
	Form      entryForm
	UserID    string
	CorrDays  int
	BackURL   string
	ForOthers bool
}

// newEntryUser reads the optional user_id of the new-entry page and form.
func newEntryUser(r *http.Request, v string) (int64, error) {
	if v == "" {
		return web.Actor(r).UserID, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, web.InvalidFilter("user_id", "user_id must be a user id")
	}
	return n, nil
}

func (h *Handler) entryNewPage(w http.ResponseWriter, r *http.Request) {
	userID, err := newEntryUser(r, r.URL.Query().Get("user_id"))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if !worktime.MayChangeEntries(web.Actor(r), userID) {
		h.srv.Error(w, r, apperr.NotFoundf("not_found", "not found"))
		return
	}
	h.renderEntryNew(w, r, http.StatusOK, userID, nil)
}

func (h *Handler) renderEntryNew(w http.ResponseWriter, r *http.Request, status int, userID int64, formErr error) {
	a := web.Actor(r)
	p := entryNewPage{Page: h.srv.NewPage(r, ""), CorrDays: h.svc.Policy().CorrectionDays, ForOthers: userID != a.UserID, BackURL: "/worktime/entries"}
	p.Title = p.L.T("worktime.entry_new_title")
	if p.ForOthers {
		p.UserID = strconv.FormatInt(userID, 10)
		p.BackURL += "?user_id=" + p.UserID
	}
	if formErr != nil {
		setFormError(&p.Page, formErr)
		p.Form = h.formFromRequest(p.Page, r)
	} else {
		p.Form = entryForm{StartDate: h.svc.Today().String(), Locations: h.locationOptions(p.Page, worktime.LocationOffice)}
	}
	h.srv.Render(w, r, status, "worktime_entry_new.html", p)
}

func (h *Handler) uiCreateEntry(w http.ResponseWriter, r *http.Request) {
	userID, err := newEntryUser(r, r.PostFormValue("user_id"))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	a := web.Actor(r)
	if !worktime.MayChangeEntries(a, userID) {
		h.srv.Error(w, r, apperr.NotFoundf("not_found", "not found"))
		return
	}
	start, end, err := h.parseFormTimes(r)
	var res worktime.ChangeResult
	if err == nil {
		res, err = h.svc.CreateEntry(r.Context(), a, userID, worktime.EntryChange{Start: start, End: end,
			Location: r.PostFormValue("location"), Reason: r.PostFormValue("reason")})
	}
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		h.renderEntryNew(w, r, http.StatusUnprocessableEntity, userID, err)
		return
	case apperr.Conflict:
		h.renderEntryNew(w, r, http.StatusConflict, userID, err)
		return
	}
	h.changeDone(w, r, res, err, "worktime_entry_created")
}

// changeDone redirects after an applied change to the entry and after a
// request to the corrections page.
func (h *Handler) changeDone(w http.ResponseWriter, r *http.Request, res worktime.ChangeResult, err error, flash string) {
	switch {
	case err != nil:
		h.srv.Error(w, r, err)
	case res.Request != nil:
		h.srv.Redirect(w, r, "/worktime/corrections", "worktime_correction_requested")
	default:
		h.srv.Redirect(w, r, fmt.Sprintf("/worktime/entries/%d", res.Entry.ID), flash)
	}
}

// --- /worktime/entries/{id} ------------------------------------------

type revisionRow struct {
	Number                             int
	Date, Start, End, Location, Source string
	Reason, By, At                     string
	Deleted, Automatic                 bool
}

type correctionRow struct {
	ID                                   int64
	Person, Action, Status, StatusCode   string
	Date, Start, End, Location, Reason   string
	RequestedAt, DecidedBy, DecisionNote string
	EntryURL                             string
	Pending, CanWithdraw                 bool
}

type entryPage struct {
	web.Page
	ID                                   int64
	Date, Start, End, Location, Source   string
	Revision                             int
	Deleted, Running, CanChange, Pending bool
	Revisions                            []revisionRow
	Corrections                          []correctionRow
	Form                                 entryForm
	DeleteReason                         string
	ListURL                              string
	CorrDays                             int
}

func (h *Handler) correctionRow(p web.Page, a int64, c worktime.Correction) correctionRow {
	row := correctionRow{ID: c.ID, Person: c.UserName, Action: p.L.T("corrections.action_" + c.Action),
		Status: p.L.T("corrections.status_" + c.Status), StatusCode: c.Status, Date: h.dateText(p, c.Start),
		Start: h.clockText(c.Start), End: h.endText(p, c.Start, c.End), Location: p.L.T("worktime.location_" + c.Location),
		Reason: c.Reason, RequestedAt: p.L.DateTime(c.RequestedAt, h.svc.Location()), DecidedBy: c.DecidedByName,
		DecisionNote: c.DecisionNote, Pending: c.Status == worktime.CorrectionPending}
	if c.EntryID != 0 {
		row.EntryURL = fmt.Sprintf("/worktime/entries/%d", c.EntryID)
	}
	row.CanWithdraw = row.Pending && (c.UserID == a || c.RequestedBy == a)
	return row
}

func (h *Handler) entryPage(w http.ResponseWriter, r *http.Request) {
	h.renderEntry(w, r, http.StatusOK, nil, "")
}

// renderEntry shows an entry with its history; after a refused form
// (which names "correct" or "delete") it shows the error and keeps the
// input.
func (h *Handler) renderEntry(w http.ResponseWriter, r *http.Request, status int, formErr error, which string) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	a := web.Actor(r)
	d, err := h.svc.GetEntry(r.Context(), a, id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	e := d.Entry
	p := entryPage{Page: h.srv.NewPage(r, ""), ID: e.ID, Start: h.clockText(e.Start),
		Revision: e.Revision, Deleted: d.Deleted, Running: e.Running(), CanChange: worktime.MayChangeEntries(a, e.UserID) && !d.Deleted,
		CorrDays: h.svc.Policy().CorrectionDays, ListURL: "/worktime/entries"}
	p.Title = p.L.T("worktime.entry_title")
	p.Date = h.dateText(p.Page, e.Start)
	p.End, p.Location, p.Source = h.endText(p.Page, e.Start, e.End), p.L.T("worktime.location_"+e.Location), h.sourceText(p.Page, e.Source, e.Automatic)
	if e.UserID != a.UserID {
		p.ListURL += "?user_id=" + strconv.FormatInt(e.UserID, 10)
	}
	for _, rv := range d.Revisions {
		by := rv.CreatedByName
		if rv.CreatedBy == 0 {
			by = p.L.T("worktime.by_system")
		}
		p.Revisions = append(p.Revisions, revisionRow{Number: rv.Number, Date: h.dateText(p.Page, rv.Start), Start: h.clockText(rv.Start),
			End: h.endText(p.Page, rv.Start, rv.End), Location: p.L.T("worktime.location_" + rv.Location),
			Source: p.L.T("worktime.source_" + rv.Source), Reason: rv.Reason, By: by,
			At: p.L.DateTime(rv.CreatedAt, h.svc.Location()), Deleted: rv.Deleted, Automatic: rv.Automatic})
	}
	for _, c := range d.Corrections {
		row := h.correctionRow(p.Page, a.UserID, c)
		p.Pending = p.Pending || row.Pending
		p.Corrections = append(p.Corrections, row)
	}
	p.Form = h.formFromEntry(p.Page, e)
	if formErr != nil {
		setFormError(&p.Page, formErr)
		switch which {
		case "correct":
			p.Form = h.formFromRequest(p.Page, r)
		case "delete":
			p.DeleteReason = r.PostFormValue("reason")
			if msg, ok := p.Errors["reason"]; ok {
				delete(p.Errors, "reason")
				p.Errors["delete_reason"] = msg
			}
		}
	}
	h.srv.Render(w, r, status, "worktime_entry.html", p)
}

// entryFormDone shows the entry page again after a refused form, or
// redirects after success.
func (h *Handler) entryFormDone(w http.ResponseWriter, r *http.Request, res worktime.ChangeResult, err error, which, flash string) {
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		h.renderEntry(w, r, http.StatusUnprocessableEntity, err, which)
	case apperr.Conflict:
		h.renderEntry(w, r, http.StatusConflict, err, which)
	default:
		h.changeDone(w, r, res, err, flash)
	}
}

func formRevision(r *http.Request) int {
	n, _ := strconv.Atoi(r.PostFormValue("revision"))
	return n
}

func (h *Handler) uiCorrectEntry(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	a := web.Actor(r)
	start, end, perr := h.parseFormTimes(r)
	// The service checks the permission first; a bad time is reported only
	// to those who may change the entry.
	ch := worktime.EntryChange{Start: start, End: end, Location: r.PostFormValue("location"), Reason: r.PostFormValue("reason"), Revision: formRevision(r)}
	if perr != nil {
		if _, err := h.svc.GetEntry(r.Context(), a, id); err != nil {
			h.srv.Error(w, r, err)
			return
		}
		h.entryFormDone(w, r, worktime.ChangeResult{}, perr, "correct", "")
		return
	}
	res, err := h.svc.CorrectEntry(r.Context(), a, id, ch)
	h.entryFormDone(w, r, res, err, "correct", "worktime_entry_corrected")
}

func (h *Handler) uiDeleteEntry(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	res, err := h.svc.DeleteEntry(r.Context(), web.Actor(r), id, r.PostFormValue("reason"), formRevision(r))
	h.entryFormDone(w, r, res, err, "delete", "worktime_entry_deleted")
}

// --- /worktime/corrections -------------------------------------------

type correctionsPage struct {
	web.Page
	Mine      []correctionRow
	ToDecide  []correctionRow
	CanDecide bool
	NoteFor   int64
	Note      string
}

func (h *Handler) correctionsPage(w http.ResponseWriter, r *http.Request) {
	h.renderCorrections(w, r, http.StatusOK, nil, 0)
}

// renderCorrections shows the person's own requests and, for leads and HR,
// the pending requests they decide; after a refused decision on request
// failedID it shows the error there.
func (h *Handler) renderCorrections(w http.ResponseWriter, r *http.Request, status int, formErr error, failedID int64) {
	ctx, a := r.Context(), web.Actor(r)
	mine, err := h.svc.ListCorrections(ctx, a, worktime.CorrectionFilter{Scope: worktime.ScopeMine})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := correctionsPage{Page: h.srv.NewPage(r, ""), CanDecide: worktime.CanDecideCorrections(a)}
	p.Title = p.L.T("corrections.title")
	for _, c := range mine {
		p.Mine = append(p.Mine, h.correctionRow(p.Page, a.UserID, c))
	}
	if p.CanDecide {
		list, err := h.svc.ListCorrections(ctx, a, worktime.CorrectionFilter{Scope: worktime.ScopeToDecide, Status: worktime.CorrectionPending})
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		for _, c := range list {
			p.ToDecide = append(p.ToDecide, h.correctionRow(p.Page, a.UserID, c))
		}
	}
	if formErr != nil {
		p.SetError(formErr)
		if msg, ok := p.Errors["note"]; ok {
			delete(p.Errors, "note")
			p.Errors[fmt.Sprintf("note-%d", failedID)] = msg
		}
		p.NoteFor, p.Note = failedID, r.PostFormValue("note")
	}
	h.srv.Render(w, r, status, "worktime_corrections.html", p)
}

func (h *Handler) correctionDone(w http.ResponseWriter, r *http.Request, id int64, err error, flash string) {
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		h.renderCorrections(w, r, http.StatusUnprocessableEntity, err, id)
	case apperr.Conflict:
		h.renderCorrections(w, r, http.StatusConflict, err, id)
	default:
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		h.srv.Redirect(w, r, "/worktime/corrections", flash)
	}
}

func (h *Handler) uiApproveCorrection(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	_, _, err = h.svc.ApproveCorrection(r.Context(), web.Actor(r), id)
	h.correctionDone(w, r, id, err, "worktime_correction_approved")
}

func (h *Handler) uiRejectCorrection(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	_, err = h.svc.RejectCorrection(r.Context(), web.Actor(r), id, r.PostFormValue("note"))
	h.correctionDone(w, r, id, err, "worktime_correction_rejected")
}

func (h *Handler) uiWithdrawCorrection(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	_, err = h.svc.WithdrawCorrection(r.Context(), web.Actor(r), id)
	h.correctionDone(w, r, id, err, "worktime_correction_withdrawn")
}
