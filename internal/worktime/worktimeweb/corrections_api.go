package worktimeweb

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/web"
	"ortlos/internal/worktime"
)

// registerCorrectionsAPI adds the operations on entries (manual entries,
// corrections, deletions, history) and on correction requests.
func (h *Handler) registerCorrectionsAPI() {
	s := h.srv
	s.API("GET", "/worktime/entries", "listWorktimeEntries", web.Full, h.apiListEntries)
	s.API("POST", "/worktime/entries", "createWorktimeEntry", web.Full, h.apiCreateEntry)
	s.API("GET", "/worktime/entries/{id}", "getWorktimeEntry", web.Full, h.apiGetEntry)
	s.API("POST", "/worktime/entries/{id}/corrections", "correctWorktimeEntry", web.Full, h.apiCorrectEntry)
	s.API("DELETE", "/worktime/entries/{id}", "deleteWorktimeEntry", web.Full, h.apiDeleteEntry)
	s.API("GET", "/worktime/corrections", "listWorktimeCorrections", web.Full, h.apiListCorrections)
	s.API("POST", "/worktime/corrections/{id}/approve", "approveWorktimeCorrection", web.Full, h.apiApproveCorrection)
	s.API("POST", "/worktime/corrections/{id}/reject", "rejectWorktimeCorrection", web.Full, h.apiRejectCorrection)
	s.API("POST", "/worktime/corrections/{id}/withdraw", "withdrawWorktimeCorrection", web.Full, h.apiWithdrawCorrection)
}

// apiRevision is one revision in an entry's history.
type apiRevision struct {
	Revision      int     `json:"revision"`
	Start         string  `json:"start"`
	End           *string `json:"end"`
	Location      string  `json:"location"`
	Source        string  `json:"source"`
	Reason        string  `json:"reason"`
	Deleted       bool    `json:"deleted"`
	Automatic     bool    `json:"automatic"`
	CreatedAt     string  `json:"created_at"`
	CreatedBy     *int64  `json:"created_by"`
	CreatedByName string  `json:"created_by_name"`
}

// apiCorrection is a correction request.
type apiCorrection struct {
	ID            int64   `json:"id"`
	UserID        int64   `json:"user_id"`
	UserName      string  `json:"user_name"`
	EntryID       *int64  `json:"entry_id"`
	Action        string  `json:"action"`
	Start         string  `json:"start"`
	End           *string `json:"end"`
	Location      string  `json:"location"`
	Reason        string  `json:"reason"`
	BaseRevision  int     `json:"base_revision"`
	Status        string  `json:"status"`
	RequestedAt   string  `json:"requested_at"`
	RequestedBy   *int64  `json:"requested_by"`
	DecidedAt     *string `json:"decided_at"`
	DecidedBy     *int64  `json:"decided_by"`
	DecidedByName string  `json:"decided_by_name"`
	DecisionNote  string  `json:"decision_note"`
}

// apiEntryDetail is an entry with its history and correction requests.
type apiEntryDetail struct {
	apiEntry
	Automatic   bool            `json:"automatic"`
	Deleted     bool            `json:"deleted"`
	Revisions   []apiRevision   `json:"revisions"`
	Corrections []apiCorrection `json:"corrections"`
}

func correctionRef(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func newAPICorrection(c worktime.Correction) apiCorrection {
	return apiCorrection{ID: c.ID, UserID: c.UserID, UserName: c.UserName, EntryID: correctionRef(c.EntryID), Action: c.Action,
		Start: apiTime(c.Start), End: apiTimePtr(c.End), Location: c.Location, Reason: c.Reason, BaseRevision: c.BaseRevision,
		Status: c.Status, RequestedAt: apiTime(c.RequestedAt), RequestedBy: correctionRef(c.RequestedBy), DecidedAt: apiTimePtr(c.DecidedAt),
		DecidedBy: correctionRef(c.DecidedBy), DecidedByName: c.DecidedByName, DecisionNote: c.DecisionNote}
}

func newAPIEntryDetail(d worktime.EntryDetail) apiEntryDetail {
	out := apiEntryDetail{apiEntry: newAPIEntry(d.Entry), Automatic: d.Entry.Automatic, Deleted: d.Deleted,
		Revisions: make([]apiRevision, 0, len(d.Revisions)), Corrections: make([]apiCorrection, 0, len(d.Corrections))}
	for _, r := range d.Revisions {
		out.Revisions = append(out.Revisions, apiRevision{Revision: r.Number, Start: apiTime(r.Start), End: apiTimePtr(r.End),
			Location: r.Location, Source: r.Source, Reason: r.Reason, Deleted: r.Deleted, Automatic: r.Automatic,
			CreatedAt: apiTime(r.CreatedAt), CreatedBy: correctionRef(r.CreatedBy), CreatedByName: r.CreatedByName})
	}
	for _, c := range d.Corrections {
		out.Corrections = append(out.Corrections, newAPICorrection(c))
	}
	return out
}

type apiCreateEntryRequest struct {
	UserID   int64   `json:"user_id"`
	Start    string  `json:"start"`
	End      *string `json:"end"`
	Location string  `json:"location"`
	Reason   string  `json:"reason"`
}

type apiCorrectEntryRequest struct {
	Start    string  `json:"start"`
	End      *string `json:"end"`
	Location string  `json:"location"`
	Reason   string  `json:"reason"`
	Revision int     `json:"revision"`
}

type apiDeleteEntryRequest struct {
	Reason   string `json:"reason"`
	Revision int    `json:"revision"`
}

type apiRejectRequest struct {
	Note string `json:"note"`
}

// parseAPITimes reads RFC 3339 start and optional end; an empty start
// stays zero, which the service reports as entry_start_required.
func parseAPITimes(start string, end *string) (time.Time, *time.Time, error) {
	var s time.Time
	if start != "" {
		t, err := time.Parse(time.RFC3339, start)
		if err != nil {
			return time.Time{}, nil, apperr.Invalidf("invalid_entry_time", "start must be an RFC 3339 time").WithField("start", "invalid_entry_time")
		}
		s = t
	}
	if end == nil || *end == "" {
		return s, nil, nil
	}
	e, err := time.Parse(time.RFC3339, *end)
	if err != nil {
		return time.Time{}, nil, apperr.Invalidf("invalid_entry_time", "end must be an RFC 3339 time").WithField("end", "invalid_entry_time")
	}
	return s, &e, nil
}

// answerChange answers an applied change with the entry (status) and a
// change waiting for approval with 202 and the request.
func (h *Handler) answerChange(w http.ResponseWriter, r *http.Request, status int, res worktime.ChangeResult, err error) {
	switch {
	case err != nil:
		h.srv.Error(w, r, err)
	case res.Request != nil:
		web.JSON(w, http.StatusAccepted, newAPICorrection(*res.Request))
	default:
		web.JSON(w, status, newAPIEntry(*res.Entry))
	}
}

// entriesRange reads from, to (dates) and user_id of a list request: the
// caller's own entries of the current month by default; to defaults to
// the end of from's month.
func (h *Handler) entriesRange(r *http.Request) (int64, civil.Date, civil.Date, error) {
	q := r.URL.Query()
	userID := web.Actor(r).UserID
	if s := q.Get("user_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, civil.Date{}, civil.Date{}, web.InvalidFilter("user_id", "user_id must be a user id")
		}
		userID = n
	}
	today := h.svc.Today()
	from := civil.D(today.Year, today.Month, 1)
	if s := q.Get("from"); s != "" {
		d, err := civil.Parse(s)
		if err != nil {
			return 0, civil.Date{}, civil.Date{}, web.InvalidFilter("from", "from must be a date (YYYY-MM-DD)")
		}
		from = d
	}
	to := civil.D(from.Year, from.Month+1, 0)
	if s := q.Get("to"); s != "" {
		d, err := civil.Parse(s)
		if err != nil {
			return 0, civil.Date{}, civil.Date{}, web.InvalidFilter("to", "to must be a date (YYYY-MM-DD)")
		}
		to = d
	}
	return userID, from, to, nil
}

func (h *Handler) apiListEntries(w http.ResponseWriter, r *http.Request) {
	userID, from, to, err := h.entriesRange(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	list, err := h.svc.ListEntries(r.Context(), web.Actor(r), userID, from, to)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiEntry, 0, len(list))
	for _, e := range list {
		items = append(items, newAPIEntry(e))
	}
	web.JSON(w, http.StatusOK, apiList[apiEntry]{Items: items})
}

func (h *Handler) apiCreateEntry(w http.ResponseWriter, r *http.Request) {
	var req apiCreateEntryRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	start, end, err := parseAPITimes(req.Start, req.End)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	a := web.Actor(r)
	if req.UserID == 0 {
		req.UserID = a.UserID
	}
	res, err := h.svc.CreateEntry(r.Context(), a, req.UserID, worktime.EntryChange{Start: start, End: end, Location: req.Location, Reason: req.Reason})
	h.answerChange(w, r, http.StatusCreated, res, err)
}

func (h *Handler) apiGetEntry(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	d, err := h.svc.GetEntry(r.Context(), web.Actor(r), id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPIEntryDetail(d))
}

func (h *Handler) apiCorrectEntry(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req apiCorrectEntryRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	start, end, err := parseAPITimes(req.Start, req.End)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	res, err := h.svc.CorrectEntry(r.Context(), web.Actor(r), id, worktime.EntryChange{Start: start, End: end, Location: req.Location, Reason: req.Reason, Revision: req.Revision})
	h.answerChange(w, r, http.StatusOK, res, err)
}

func (h *Handler) apiDeleteEntry(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req apiDeleteEntryRequest
	if err := decodeOptionalJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	res, err := h.svc.DeleteEntry(r.Context(), web.Actor(r), id, req.Reason, req.Revision)
	h.answerChange(w, r, http.StatusOK, res, err)
}

func (h *Handler) apiListCorrections(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list, err := h.svc.ListCorrections(r.Context(), web.Actor(r), worktime.CorrectionFilter{
		Scope: strings.TrimSpace(q.Get("scope")), Status: strings.TrimSpace(q.Get("status"))})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiCorrection, 0, len(list))
	for _, c := range list {
		items = append(items, newAPICorrection(c))
	}
	web.JSON(w, http.StatusOK, apiList[apiCorrection]{Items: items})
}

func (h *Handler) apiApproveCorrection(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	c, _, err := h.svc.ApproveCorrection(r.Context(), web.Actor(r), id)
	h.answerCorrection(w, r, c, err)
}

func (h *Handler) apiRejectCorrection(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var req apiRejectRequest
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	c, err := h.svc.RejectCorrection(r.Context(), web.Actor(r), id, req.Note)
	h.answerCorrection(w, r, c, err)
}

func (h *Handler) apiWithdrawCorrection(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	c, err := h.svc.WithdrawCorrection(r.Context(), web.Actor(r), id)
	h.answerCorrection(w, r, c, err)
}

func (h *Handler) answerCorrection(w http.ResponseWriter, r *http.Request, c worktime.Correction, err error) {
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, newAPICorrection(c))
}
