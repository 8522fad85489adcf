package auditweb

import (
	"bufio"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/web"
)

// registerAPI adds the audit trail's JSON API under /api/v1.
func (h *Handler) registerAPI() {
	h.srv.API("GET", "/audit", "listAuditRecords", web.Full, h.apiList)
	h.srv.API("GET", "/audit/export", "exportAudit", web.Full, h.apiExport)
	h.srv.API("GET", "/audit/verify", "verifyAudit", web.Full, h.apiVerify)
}

var apiErrNotFound = apperr.NotFoundf("not_found", "not found")

// apiMaxFilterLen bounds free-text filters; they end up in the audit record
// of an export.
const apiMaxFilterLen = 200

func apiInvalidFilter(field, msg string) error { return web.InvalidFilter(field, msg) }

// apiParseFilter reads the audit filters of listAuditRecords and
// exportAudit: actor, actor_id, action, object_type, object_id, from and
// to. from and to are RFC 3339 instants or dates (YYYY-MM-DD) in loc; a
// date in "to" includes that whole day, as on the viewer page. It also
// returns the given filters for the audit record of an export.
func apiParseFilter(q url.Values, loc *time.Location) (audit.Filter, map[string]any, error) {
	var f audit.Filter
	given := map[string]any{}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"actor", &f.Actor}, {"action", &f.Action}, {"object_type", &f.ObjectType}, {"object_id", &f.ObjectID}} {
		v := strings.TrimSpace(q.Get(p.name))
		if len(v) > apiMaxFilterLen {
			return f, nil, apiInvalidFilter(p.name, p.name+" is too long")
		}
		if v != "" {
			*p.dst = v
			given[p.name] = v
		}
	}
	if s := q.Get("actor_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return f, nil, apiInvalidFilter("actor_id", "actor_id must be a positive integer")
		}
		f.ActorID = id
		given["actor_id"] = id
	}
	for _, p := range []struct {
		name string
		dst  **time.Time
		end  bool
	}{{"from", &f.From, false}, {"to", &f.To, true}} {
		s := strings.TrimSpace(q.Get(p.name))
		if s == "" {
			continue
		}
		t, err := apiParseInstant(s, loc, p.end)
		if err != nil {
			return f, nil, apiInvalidFilter(p.name, p.name+" must be an RFC 3339 time or a date YYYY-MM-DD")
		}
		*p.dst = &t
		given[p.name] = t.UTC().Format(time.RFC3339)
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return f, nil, apiInvalidFilter("to", "to must be after from")
	}
	return f, given, nil
}

// apiParseInstant reads an RFC 3339 time or a date in loc: the start of the
// day, or with end the start of the next day (the filter is half-open).
func apiParseInstant(s string, loc *time.Location, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, err
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d.UTC(), nil
}

// apiAuditPage is the answer of listAuditRecords. Records keep the exact JSON
// form of the export, so clients can check their hashes.
type apiAuditPage struct {
	Items      []audit.Record `json:"items"`
	NextCursor *string        `json:"next_cursor"`
}

func apiSeqCursor(seq int64) *string { return web.EncodeCursor("s", seq) }

func apiParseSeqCursor(s string) (int64, error) {
	return web.DecodeCursor("s", s, 1<<62)
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, _, err := apiParseFilter(q, h.srv.Options().Location)
	if err == nil {
		f.Limit, err = web.ParseLimit(q)
	}
	if err == nil {
		f.BeforeSeq, err = apiParseSeqCursor(q.Get("cursor"))
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	a := web.Actor(r)
	records, err := h.audit.List(r.Context(), a, f)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	page := apiAuditPage{Items: records}
	if page.Items == nil {
		page.Items = []audit.Record{}
	}
	if len(records) == f.Limit {
		// One indexed probe tells whether an older record exists, so the
		// last page never points to an empty one.
		last := records[len(records)-1].Seq
		probe := f
		probe.BeforeSeq, probe.Limit = last, 1
		more, err := h.audit.List(r.Context(), a, probe)
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		if len(more) > 0 {
			page.NextCursor = apiSeqCursor(last)
		}
	}
	web.JSON(w, http.StatusOK, page)
}

// apiLazyWriter sends the status line only with the first byte, so an error
// before any record is written can still become a problem answer.
type apiLazyWriter struct {
	w       http.ResponseWriter
	started bool
}

func (l *apiLazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(p)
}

// apiExportTimeout bounds how long one export may take to stream; it replaces
// the server's shorter write timeout for this response.
const apiExportTimeout = time.Hour

func (h *Handler) apiExport(w http.ResponseWriter, r *http.Request) {
	f, given, err := apiParseFilter(r.URL.Query(), h.srv.Options().Location)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	a := web.Actor(r)
	// The export service checks this as well; checking first keeps
	// refused attempts from being recorded as exports.
	if !audit.CanRead(a) {
		h.srv.Error(w, r, apiErrNotFound)
		return
	}
	// Recorded before the first byte leaves: an export that fails halfway
	// has still disclosed data.
	if err := h.ident.Audit(r.Context(), a, audit.Event{Action: "audit.export", ObjectType: "audit_log",
		Detail: map[string]any{"via": "api", "filter": given}}); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(apiExportTimeout))
	hd := w.Header()
	hd.Set("Content-Type", "application/x-ndjson")
	hd.Set("Content-Disposition", `attachment; filename="ortlos-audit-`+time.Now().In(h.srv.Options().Location).Format("2006-01-02")+`.jsonl"`)
	lw := &apiLazyWriter{w: w}
	bw := bufio.NewWriterSize(lw, 32<<10)
	err = h.audit.Export(r.Context(), a, f, bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		if !lw.started {
			w.WriteHeader(http.StatusOK) // an empty export
		}
		return
	}
	if !lw.started {
		hd.Del("Content-Disposition")
		h.srv.Error(w, r, err)
		return
	}
	// Half an export must not look like a whole one: abort the
	// connection instead of ending the body normally.
	h.srv.Log().ErrorContext(r.Context(), "audit export failed while streaming", "err", err, "request_id", web.RequestID(r.Context()))
	panic(http.ErrAbortHandler)
}

// apiVerifyResult is the outcome of verifyAudit. BrokenSeq and Reason are
// null when the chain is intact; HeadSeq and HeadHash are null when not.
type apiVerifyResult struct {
	OK        bool    `json:"ok"`
	Checked   int64   `json:"checked"`
	BrokenSeq *int64  `json:"broken_seq"`
	Reason    *string `json:"reason"`
	HeadSeq   *int64  `json:"head_seq"`
	HeadHash  *string `json:"head_hash"`
}

func (h *Handler) apiVerify(w http.ResponseWriter, r *http.Request) {
	res, err := h.audit.Verify(r.Context(), web.Actor(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	out := apiVerifyResult{OK: res.OK, Checked: res.Checked}
	if res.OK {
		out.HeadSeq, out.HeadHash = &res.HeadSeq, &res.HeadHash
	} else {
		out.BrokenSeq, out.Reason = &res.BrokenSeq, &res.Reason
	}
	web.JSON(w, http.StatusOK, out)
}
