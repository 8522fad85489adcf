package auditweb

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/i18n"
	"ortlos/internal/identity"
	"ortlos/internal/web"
)

// uiPageSize is the number of records on one page of the viewer.
const uiPageSize = 50

// registerUI adds the audit viewer, its export and the chain check. Only
// administrators and auditors may use them; everyone else gets 404.
func (h *Handler) registerUI() {
	h.srv.UI("GET /audit", web.Full, h.uiList)
	h.srv.UI("GET /audit/export", web.Full, h.uiExport)
	h.srv.UI("POST /audit/verify", web.Full, h.uiVerify)
	h.srv.AddNav("/audit", "nav.audit", func(a *identity.Auth) bool { return audit.CanRead(a.Actor) })
}

// uiFilterForm is the filter as typed; every field is a query parameter of
// the same name.
type uiFilterForm struct {
	Actor, Action, ObjectType, ObjectID, From, To string
}

func uiFilterFormFrom(v url.Values) uiFilterForm {
	g := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	return uiFilterForm{Actor: g("actor"), Action: g("action"), ObjectType: g("object_type"), ObjectID: g("object_id"), From: g("from"), To: g("to")}
}

// values returns the non-empty fields as query parameters.
func (f uiFilterForm) values() url.Values {
	v := url.Values{}
	for k, val := range map[string]string{"actor": f.Actor, "action": f.Action, "object_type": f.ObjectType, "object_id": f.ObjectID, "from": f.From, "to": f.To} {
		if val != "" {
			v.Set(k, val)
		}
	}
	return v
}

// filter converts the form into an audit filter. Dates are whole days in
// the organisation's time zone; "to" includes its day.
func (f uiFilterForm) filter(loc *time.Location) (audit.Filter, error) {
	af := audit.Filter{Actor: f.Actor, Action: f.Action, ObjectType: f.ObjectType, ObjectID: f.ObjectID}
	verr := apperr.New(apperr.Invalid, "validation_failed", "some fields are invalid")
	var from, to time.Time
	var err error
	if f.From != "" {
		if from, err = time.ParseInLocation(time.DateOnly, f.From, loc); err != nil {
			verr.WithField("from", "invalid_date")
		} else {
			af.From = &from
		}
	}
	if f.To != "" {
		if to, err = time.ParseInLocation(time.DateOnly, f.To, loc); err != nil {
			verr.WithField("to", "invalid_date")
		} else {
			// The start of the next day, so that DST days keep their length.
			end := time.Date(to.Year(), to.Month(), to.Day()+1, 0, 0, 0, 0, loc)
			af.To = &end
		}
	}
	if af.From != nil && af.To != nil && !from.Before(*af.To) {
		verr.WithField("to", "date_range_reversed")
	}
	if len(verr.Fields) > 0 {
		return audit.Filter{}, verr
	}
	return af, nil
}

type uiRecord struct {
	Seq                                  int64
	At, Actor, ActorURL, SourceIP        string
	Action, ActionURL, Object, ObjectURL string
	Detail                               string
}

type uiVerifyResult struct {
	OK        bool
	Checked   string
	HeadSeq   int64
	HeadHash  string
	BrokenSeq int64
	Reason    string
}

type auditPage struct {
	web.Page
	Form      uiFilterForm
	Records   []uiRecord
	Filtered  bool
	Paged     bool
	OlderURL  string
	NewestURL string
	ExportURL string
	Verify    *uiVerifyResult
}

// uiAuth returns the caller when they may read the trail; everyone else
// gets the not-found page.
func (h *Handler) uiAuth(w http.ResponseWriter, r *http.Request) (*identity.Auth, bool) {
	a := web.AuthFrom(r.Context())
	if a == nil || !audit.CanRead(a.Actor) {
		h.srv.Error(w, r, apperr.NotFoundf("not_found", "not found"))
		return nil, false
	}
	return a, true
}

func (h *Handler) uiList(w http.ResponseWriter, r *http.Request) {
	a, ok := h.uiAuth(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	before, _ := strconv.ParseInt(q.Get("before_seq"), 10, 64)
	h.renderAudit(w, r, a, uiFilterFormFrom(q), max(before, 0), nil)
}

func (h *Handler) renderAudit(w http.ResponseWriter, r *http.Request, a *identity.Auth, form uiFilterForm, before int64, verify *uiVerifyResult) {
	loc := h.srv.Options().Location
	p := h.srv.NewPage(r, "")
	p.Title = p.L.T("audit.title")
	page := auditPage{Page: p, Form: form, Verify: verify, Paged: before > 0}
	v := form.values()
	page.Filtered = len(v) > 0
	page.NewestURL = "/audit"
	page.ExportURL = "/audit/export"
	if page.Filtered {
		page.NewestURL += "?" + v.Encode()
		page.ExportURL += "?" + v.Encode()
	}
	status := http.StatusOK
	f, err := form.filter(loc)
	if err != nil {
		page.SetError(err)
		status = http.StatusUnprocessableEntity
		h.srv.Render(w, r, status, "audit.html", page)
		return
	}
	f.BeforeSeq, f.Limit = before, uiPageSize+1
	recs, err := h.audit.List(r.Context(), a.Actor, f)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	more := len(recs) > uiPageSize
	if more {
		recs = recs[:uiPageSize]
	}
	for _, rec := range recs {
		page.Records = append(page.Records, uiRecordOf(p.L, loc, form, rec))
	}
	if more {
		older := form.values()
		older.Set("before_seq", strconv.FormatInt(recs[len(recs)-1].Seq, 10))
		page.OlderURL = "/audit?" + older.Encode()
	}
	h.srv.Render(w, r, status, "audit.html", page)
}

// uiRecordOf prepares a record for the table; actor, action and object
// link to the same filter narrowed to them.
func uiRecordOf(l i18n.Localizer, loc *time.Location, form uiFilterForm, rec audit.Record) uiRecord {
	narrow := func(set map[string]string) string {
		v := form.values()
		for k, val := range set {
			v.Set(k, val)
		}
		return "/audit?" + v.Encode()
	}
	out := uiRecord{Seq: rec.Seq, At: uiTime(l, loc, rec.At), Actor: rec.Actor, SourceIP: rec.SourceIP, Action: rec.Action,
		Object: strings.TrimSpace(rec.ObjectType + " " + rec.ObjectID), Detail: rec.Detail}
	if out.SourceIP == "" {
		out.SourceIP = "–"
	}
	if rec.Actor != "" {
		out.ActorURL = narrow(map[string]string{"actor": rec.Actor})
	}
	out.ActionURL = narrow(map[string]string{"action": rec.Action})
	if rec.ObjectType != "" {
		set := map[string]string{"object_type": rec.ObjectType}
		if rec.ObjectID != "" {
			set["object_id"] = rec.ObjectID
		}
		out.ObjectURL = narrow(set)
	}
	if out.Detail == "{}" {
		out.Detail = ""
	}
	return out
}

// uiTime shows an instant to the second, since records often follow each
// other within a minute.
func uiTime(l i18n.Localizer, loc *time.Location, t time.Time) string {
	t = t.In(loc)
	if l.Lang == "en" {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("02.01.2006, 15:04:05")
}

func (h *Handler) uiVerify(w http.ResponseWriter, r *http.Request) {
	a, ok := h.uiAuth(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.srv.Error(w, r, apperr.Invalidf("invalid_form", "invalid form"))
		return
	}
	res, err := h.audit.Verify(r.Context(), a.Actor)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	l := h.srv.Localizer(r)
	v := &uiVerifyResult{OK: res.OK, Checked: l.Number(res.Checked), HeadSeq: res.HeadSeq, HeadHash: res.HeadHash,
		BrokenSeq: res.BrokenSeq, Reason: res.Reason}
	// The filter travels in hidden fields, so the table stays as it was.
	h.renderAudit(w, r, a, uiFilterFormFrom(r.PostForm), 0, v)
}

func (h *Handler) uiExport(w http.ResponseWriter, r *http.Request) {
	a, ok := h.uiAuth(w, r)
	if !ok {
		return
	}
	loc := h.srv.Options().Location
	form := uiFilterFormFrom(r.URL.Query())
	f, err := form.filter(loc)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	summary := map[string]any{"format": "jsonl"}
	for k, val := range form.values() {
		summary[k] = val[0]
	}
	// The export is recorded before the first byte leaves, so that a
	// download cannot go unrecorded.
	if err := h.ident.Audit(r.Context(), a.Actor, audit.Event{Action: "audit.export", ObjectType: "audit_log", Detail: summary}); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	name := "ortlos-audit-" + time.Now().In(loc).Format("20060102") + ".jsonl"
	w.Header().Set("Content-Type", "application/jsonl; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if err := h.audit.Export(r.Context(), a.Actor, f, w); err != nil {
		// Headers are gone; the truncated download is all we can signal.
		h.srv.Log().ErrorContext(r.Context(), "audit export", "err", err, "request_id", web.RequestID(r.Context()))
	}
}
