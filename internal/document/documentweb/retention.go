package documentweb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/document"
	"ortlos/internal/i18n"
	"ortlos/internal/web"
)

// Records management (Registratur, docs/retention.md): retention classes,
// legal holds, the due-for-deletion report, deletion proposals and the
// deletion protocol, and the archive export of a closed file. The pages
// live below /documents and post their forms to the page's own path (an
// "action" field says what to do), so that no pattern of the form
// /documents/<word>/{id} competes with the routes of single documents.

// registerRetention adds the routes of retention classes, legal holds,
// deletion and export.
func (h *Handler) registerRetention() {
	s := h.srv
	s.UI("GET /documents/retention", web.Full, h.retentionPage)
	s.UI("POST /documents/retention", web.Full, h.uiRetentionClass)
	s.UI("GET /documents/holds", web.Full, h.holdsPage)
	s.UI("POST /documents/holds", web.Full, h.uiHold)
	s.UI("GET /documents/due", web.Full, h.duePage)
	s.UI("GET /documents/due.csv", web.Full, h.dueCSV)
	s.UI("GET /documents/deletions", web.Full, h.deletionsPage)
	s.UI("POST /documents/deletions", web.Full, h.uiDeletion)
	s.UI("GET /documents/folders/{id}/export", web.Full, h.exportFolder)

	s.API("GET", "/retention-classes", "listRetentionClasses", web.Full, h.apiListRetentionClasses)
	s.API("POST", "/retention-classes", "createRetentionClass", web.Full, h.apiCreateRetentionClass)
	s.API("PATCH", "/retention-classes/{id}", "updateRetentionClass", web.Full, h.apiUpdateRetentionClass)
	s.API("GET", "/document-folders/{id}/retention", "getFolderRetention", web.Full, h.apiRetentionOf(document.KindFolder))
	s.API("GET", "/documents/{id}/retention", "getDocumentRetention", web.Full, h.apiRetentionOf(document.KindDocument))
	s.API("GET", "/legal-holds", "listLegalHolds", web.Full, h.apiListLegalHolds)
	s.API("POST", "/legal-holds", "placeLegalHold", web.Full, h.apiPlaceLegalHold)
	s.API("POST", "/legal-holds/{id}/release", "releaseLegalHold", web.Full, h.apiReleaseLegalHold)
	s.API("GET", "/deletions/due", "listDueForDeletion", web.Full, h.apiListDue)
	s.API("GET", "/deletions", "listDeletions", web.Full, h.apiListDeletions)
	s.API("POST", "/deletions", "proposeDeletion", web.Full, h.apiProposeDeletion)
	s.API("GET", "/deletions/{id}", "getDeletion", web.Full, h.apiGetDeletion)
	s.API("POST", "/deletions/{id}/approve", "approveDeletion", web.Full, h.apiDecideDeletion("approve"))
	s.API("POST", "/deletions/{id}/reject", "rejectDeletion", web.Full, h.apiDecideDeletion("reject"))
	s.API("POST", "/deletions/{id}/cancel", "cancelDeletion", web.Full, h.apiDecideDeletion("cancel"))
	s.API("GET", "/document-folders/{id}/export", "exportFolder", web.Full, h.exportFolder)
}

// --- shared view parts -----------------------------------------------------

// regLink is an entry of the records management section's navigation.
type regLink struct {
	Href, Label string
	Current     bool
}

// regPage is the part every records management page shares.
type regPage struct {
	web.Page
	RegNav []regLink
}

func (h *Handler) newRegPage(r *http.Request, titleKey string) regPage {
	p := regPage{Page: h.srv.NewPage(r, "")}
	p.Title = p.L.T(titleKey)
	a := web.Actor(r)
	for _, l := range []struct {
		href, key string
		show      bool
	}{
		{"/documents/retention", "retention.nav_classes", a.Authenticated()},
		{"/documents/holds", "retention.nav_holds", document.CanReadRecordsData(a)},
		{"/documents/due", "retention.nav_due", document.CanReadDueReport(a)},
		{"/documents/deletions", "retention.nav_deletions", document.CanReadRecordsData(a)},
	} {
		if l.show {
			p.RegNav = append(p.RegNav, regLink{Href: l.href, Label: p.L.T(l.key), Current: r.URL.Path == l.href})
		}
	}
	return p
}

// regOption is an entry of a select.
type regOption struct {
	Value, Label string
	Selected     bool
}

func triggerOptions(l i18n.Localizer, current string) []regOption {
	var out []regOption
	for _, t := range []string{document.TriggerFileClosed, document.TriggerDocumentDate} {
		out = append(out, regOption{Value: t, Label: l.T("retention.trigger_" + t), Selected: t == current})
	}
	return out
}

// regDate formats a calendar date for l.
func regDate(l i18n.Localizer, d civil.Date) string { return l.Date(d.Start(time.UTC), time.UTC) }

// regDatePtr formats an optional date ("–" for nil).
func regDatePtr(l i18n.Localizer, d *civil.Date) string {
	if d == nil {
		return "–"
	}
	return regDate(l, *d)
}

// regFormDone shows the page again after a refused form, or redirects.
func (h *Handler) regFormDone(w http.ResponseWriter, r *http.Request, err error, target, flash string, render func(int, error)) {
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		render(http.StatusUnprocessableEntity, err)
	case apperr.Conflict:
		render(http.StatusConflict, err)
	case apperr.Forbidden:
		render(http.StatusForbidden, err)
	default:
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		h.srv.Redirect(w, r, target, flash)
	}
}

// --- /documents/retention ------------------------------------------------------

type classRow struct {
	document.RetentionClass
	TriggerLabel string
	Triggers     []regOption
}

type classForm struct {
	Code, Name, Years, LegalBasis string
	Triggers                      []regOption
}

type retentionView struct {
	regPage
	Classes  []classRow
	CanEdit  bool
	New      classForm
	EditedID int64
}

func (h *Handler) retentionPage(w http.ResponseWriter, r *http.Request) {
	h.renderRetention(w, r, http.StatusOK, nil)
}

func (h *Handler) renderRetention(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	a := web.Actor(r)
	cs, err := h.svc.ListRetentionClasses(r.Context(), a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	v := retentionView{regPage: h.newRegPage(r, "retention.title"), CanEdit: document.PlanAdmin(a) && a.CanWrite()}
	v.New.Triggers = triggerOptions(v.L, document.TriggerFileClosed)
	for _, c := range cs {
		v.Classes = append(v.Classes, classRow{RetentionClass: c, TriggerLabel: v.L.T("retention.trigger_" + c.Trigger), Triggers: triggerOptions(v.L, c.Trigger)})
	}
	if formErr != nil {
		v.SetError(formErr)
		v.EditedID = formID(r.PostFormValue("id"))
		if v.EditedID == 0 {
			v.New = classForm{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"), Years: r.PostFormValue("years"),
				LegalBasis: r.PostFormValue("legal_basis"), Triggers: triggerOptions(v.L, r.PostFormValue("trigger"))}
		} else {
			// Field errors belong to the new-class form; a refused change
			// of an existing class shows above the page.
			v.Errors = nil
		}
	}
	h.srv.Render(w, r, status, "retention_classes.html", v)
}

// formYears reads a years field (422 invalid_retention_years when it is
// not a number).
func formYears(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, apperr.Invalidf("invalid_retention_years", "years must be a number").WithField("years", "invalid_retention_years")
	}
	return n, nil
}

func (h *Handler) uiRetentionClass(w http.ResponseWriter, r *http.Request) {
	render := func(status int, err error) { h.renderRetention(w, r, status, err) }
	years, err := formYears(r.PostFormValue("years"))
	if err != nil {
		render(http.StatusUnprocessableEntity, err)
		return
	}
	a := web.Actor(r)
	if id := formID(r.PostFormValue("id")); id != 0 {
		name, basis, trigger := r.PostFormValue("name"), r.PostFormValue("legal_basis"), r.PostFormValue("trigger")
		_, err = h.svc.UpdateRetentionClass(r.Context(), a, id, document.RetentionClassUpdate{Name: &name, Years: &years, LegalBasis: &basis, Trigger: &trigger})
		h.regFormDone(w, r, err, fmt.Sprintf("/documents/retention#class-%d", id), "retention_class_saved", render)
		return
	}
	_, err = h.svc.CreateRetentionClass(r.Context(), a, document.NewRetentionClass{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"),
		Years: years, Trigger: r.PostFormValue("trigger"), LegalBasis: r.PostFormValue("legal_basis")})
	h.regFormDone(w, r, err, "/documents/retention", "retention_class_created", render)
}

// --- /documents/holds ----------------------------------------------------------

type holdRow struct {
	document.LegalHold
	TargetURL  string
	TargetKind string
	Placed     string
	Released   string
}

type holdForm struct {
	FolderReference, DocumentID, Reason, CaseReference string
}

type holdsView struct {
	regPage
	Active, Released []holdRow
	CanEdit          bool
	Form             holdForm
}

func (h *Handler) holdsPage(w http.ResponseWriter, r *http.Request) {
	h.renderHolds(w, r, http.StatusOK, nil)
}

func (h *Handler) renderHolds(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	a := web.Actor(r)
	hs, err := h.svc.ListLegalHolds(r.Context(), a, document.HoldFilter{})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	v := holdsView{regPage: h.newRegPage(r, "hold.title"), CanEdit: document.CanProposeDeletion(a)}
	if q := r.URL.Query(); q.Get("folder_reference") != "" || q.Get("document_id") != "" {
		v.Form = holdForm{FolderReference: q.Get("folder_reference"), DocumentID: q.Get("document_id")}
	}
	for _, x := range hs {
		row := holdRow{LegalHold: x, Placed: v.L.T("hold.placed_by", v.L.DateTime(x.PlacedAt, v.Loc), x.PlacedByName)}
		if x.DocumentID != 0 {
			row.TargetURL, row.TargetKind = fmt.Sprintf("/documents/%d", x.DocumentID), v.L.T("retention.kind_document")
		} else {
			row.TargetURL, row.TargetKind = fmt.Sprintf("/documents/folders/%d", x.FolderID), v.L.T("retention.kind_folder")
		}
		if x.Active() {
			v.Active = append(v.Active, row)
			continue
		}
		row.Released = v.L.T("hold.released_by", v.L.DateTime(*x.ReleasedAt, v.Loc), x.ReleasedByName)
		v.Released = append(v.Released, row)
	}
	if formErr != nil {
		v.SetError(formErr)
		if r.PostFormValue("action") == "place" {
			v.Form = holdForm{FolderReference: r.PostFormValue("folder_reference"), DocumentID: r.PostFormValue("document_id"),
				Reason: r.PostFormValue("reason"), CaseReference: r.PostFormValue("case_reference")}
			if v.Errors != nil {
				// The target's errors show at the reference field.
				for _, f := range []string{"target", "folder_id"} {
					if m, ok := v.Errors[f]; ok {
						v.Errors["folder_reference"] = m
					}
				}
			}
		} else {
			v.Errors = nil
		}
	}
	h.srv.Render(w, r, status, "retention_holds.html", v)
}

func (h *Handler) uiHold(w http.ResponseWriter, r *http.Request) {
	render := func(status int, err error) { h.renderHolds(w, r, status, err) }
	a := web.Actor(r)
	switch r.PostFormValue("action") {
	case "place":
		n := document.NewLegalHold{FolderReference: r.PostFormValue("folder_reference"), Reason: r.PostFormValue("reason"),
			CaseReference: r.PostFormValue("case_reference")}
		if s := strings.TrimSpace(r.PostFormValue("document_id")); s != "" {
			if n.DocumentID = formID(s); n.DocumentID <= 0 {
				render(http.StatusUnprocessableEntity, apperr.Invalidf("hold_target_unknown", "no such document").WithField("document_id", "hold_target_unknown"))
				return
			}
		}
		_, err := h.svc.PlaceLegalHold(r.Context(), a, n)
		h.regFormDone(w, r, err, "/documents/holds", "hold_placed", render)
	case "release":
		_, err := h.svc.ReleaseLegalHold(r.Context(), a, formID(r.PostFormValue("id")), r.PostFormValue("release_reason"))
		h.regFormDone(w, r, err, "/documents/holds", "hold_released", render)
	default:
		h.srv.Error(w, r, apperr.Invalidf("invalid_action", "unknown action"))
	}
}

// --- /documents/due --------------------------------------------------------------

type dueRow struct {
	document.DueItem
	KindLabel     string
	URL           string
	TriggerDate   string
	DeletableFrom string
}

type dueView struct {
	regPage
	Items      []dueRow
	CanPropose bool
	Today      string
}

func (h *Handler) duePage(w http.ResponseWriter, r *http.Request) {
	h.renderDue(w, r, http.StatusOK, nil)
}

func (h *Handler) renderDue(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	a := web.Actor(r)
	items, err := h.svc.ListDueForDeletion(r.Context(), a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	v := dueView{regPage: h.newRegPage(r, "deletion.due_title"), CanPropose: document.CanProposeDeletion(a)}
	for _, it := range items {
		row := dueRow{DueItem: it, KindLabel: v.L.T("retention.kind_" + it.Kind), TriggerDate: regDate(v.L, it.TriggerDate),
			DeletableFrom: regDate(v.L, it.DeletableFrom), URL: fmt.Sprintf("/documents/folders/%d", it.ID)}
		if it.Kind == document.KindDocument {
			row.URL = fmt.Sprintf("/documents/%d", it.ID)
		}
		v.Items = append(v.Items, row)
	}
	if formErr != nil {
		v.SetError(formErr)
		v.Errors = nil
	}
	h.srv.Render(w, r, status, "retention_due.html", v)
}

// dueCSV sends the due-for-deletion report as CSV (semicolons, UTF-8 with
// byte order mark, as spreadsheets in Germany read it).
func (h *Handler) dueCSV(w http.ResponseWriter, r *http.Request) {
	items, err := h.svc.ListDueForDeletion(r.Context(), web.Actor(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	l := h.srv.Localizer(r)
	header := []string{l.T("deletion.col_kind"), l.T("deletion.col_id"), l.T("deletion.col_reference"), l.T("deletion.col_title"),
		l.T("deletion.col_class"), l.T("deletion.col_years"), l.T("deletion.col_trigger_date"), l.T("deletion.col_deletable_from"),
		l.T("deletion.col_documents")}
	rows := make([][]string, 0, len(items))
	for _, it := range items {
		rows = append(rows, []string{l.T("retention.kind_" + it.Kind), strconv.FormatInt(it.ID, 10), web.CSVCell(it.Reference), web.CSVCell(it.Title),
			web.CSVCell(it.Class.Code), strconv.Itoa(it.Class.Years), it.TriggerDate.String(), it.DeletableFrom.String(), strconv.Itoa(it.Documents)})
	}
	w.Header().Set("Cache-Control", "private, no-store")
	web.WriteCSV(w, "aussonderung.csv", header, rows)
}

// --- /documents/deletions -------------------------------------------------------

type deletionRow struct {
	document.Deletion
	KindLabel     string
	StateLabel    string
	TriggerDate   string
	DeletableFrom string
	Proposed      string
	Decided       string
	Size          string
	CanDecide     bool
	CanCancel     bool
}

type deletionsView struct {
	regPage
	Pending  []deletionRow
	Protocol []deletionRow
	MoreURL  string
	CanAct   bool
}

func (h *Handler) deletionsPage(w http.ResponseWriter, r *http.Request) {
	h.renderDeletions(w, r, http.StatusOK, nil)
}

// regSize formats a byte count ("12 KB", "1,5 MB").
func regSize(l i18n.Localizer, n int64) string {
	if n < 1024 {
		return l.T("deletion.size_bytes", l.Number(n))
	}
	v, key := float64(n)/1024, "deletion.size_kb"
	if n >= 1024*1024*1024 {
		v, key = float64(n)/(1024*1024*1024), "deletion.size_gb"
	} else if n >= 1024*1024 {
		v, key = float64(n)/(1024*1024), "deletion.size_mb"
	}
	s := strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0")
	if l.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return l.T(key, s)
}

func (h *Handler) deletionRow(l i18n.Localizer, loc *time.Location, a actor.Actor, x document.Deletion) deletionRow {
	row := deletionRow{Deletion: x, KindLabel: l.T("retention.kind_" + x.Kind), StateLabel: l.T("deletion.state_" + x.State),
		TriggerDate: regDate(l, x.TriggerDate), DeletableFrom: regDate(l, x.DeletableFrom),
		Proposed: l.T("deletion.by_at", x.ProposedByName, l.DateTime(x.ProposedAt, loc)), Size: regSize(l, x.Summary.Bytes)}
	if x.DecidedAt != nil {
		who := x.DecidedByName
		if x.DecidedBy == 0 {
			who = x.ProposedByName
		}
		row.Decided = l.T("deletion.by_at", who, l.DateTime(*x.DecidedAt, loc))
	}
	pending := x.State == document.DeletionProposed && document.CanProposeDeletion(a)
	row.CanDecide = pending && x.ProposedBy != a.UserID
	row.CanCancel = pending && x.ProposedBy == a.UserID
	return row
}

func (h *Handler) renderDeletions(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	a := web.Actor(r)
	before := formID(r.URL.Query().Get("before"))
	v := deletionsView{regPage: h.newRegPage(r, "deletion.title"), CanAct: document.CanProposeDeletion(a)}
	if before == 0 {
		pending, _, err := h.svc.ListDeletions(r.Context(), a, document.DeletionFilter{State: document.DeletionProposed, Limit: 500})
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		for _, x := range pending {
			v.Pending = append(v.Pending, h.deletionRow(v.L, v.Loc, a, x))
		}
	}
	done, next, err := h.svc.ListDeletions(r.Context(), a, document.DeletionFilter{State: "decided", Limit: 100, BeforeID: before})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	for _, x := range done {
		v.Protocol = append(v.Protocol, h.deletionRow(v.L, v.Loc, a, x))
	}
	if next != 0 {
		v.MoreURL = fmt.Sprintf("/documents/deletions?before=%d#protocol", next)
	}
	if formErr != nil {
		v.SetError(formErr)
		v.Errors = nil
	}
	h.srv.Render(w, r, status, "retention_deletions.html", v)
}

func (h *Handler) uiDeletion(w http.ResponseWriter, r *http.Request) {
	a := web.Actor(r)
	id := formID(r.PostFormValue("id"))
	var err error
	switch action := r.PostFormValue("action"); action {
	case "propose":
		render := func(status int, err error) { h.renderDue(w, r, status, err) }
		_, err = h.svc.ProposeDeletion(r.Context(), a, r.PostFormValue("kind"), id, r.PostFormValue("reason"))
		h.regFormDone(w, r, err, "/documents/deletions", "deletion_proposed", render)
		return
	case "approve":
		_, err = h.svc.ApproveDeletion(r.Context(), a, id, r.PostFormValue("note"))
	case "reject":
		_, err = h.svc.RejectDeletion(r.Context(), a, id, r.PostFormValue("note"))
	case "cancel":
		_, err = h.svc.CancelDeletion(r.Context(), a, id)
	default:
		h.srv.Error(w, r, apperr.Invalidf("invalid_action", "unknown action"))
		return
	}
	render := func(status int, err error) { h.renderDeletions(w, r, status, err) }
	h.regFormDone(w, r, err, "/documents/deletions", "deletion_"+r.PostFormValue("action"), render)
}

// --- export ------------------------------------------------------------------

// exportFolder streams the archive package of a closed file (UI and API).
// The transfer may take longer than the server's write timeout, which is
// lifted for it; an error after the first byte aborts the connection, so
// that the client sees a broken download rather than a short archive.
func (h *Handler) exportFolder(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	e, err := h.svc.ExportFolder(r.Context(), web.Actor(r), id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	hd := w.Header()
	hd.Set("Content-Type", "application/zip")
	hd.Set("Content-Disposition", web.ContentDisposition(e.Filename()))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	if err := e.WriteTo(r.Context(), w); err != nil {
		if !errors.Is(err, r.Context().Err()) {
			h.srv.Log().ErrorContext(r.Context(), "archive export failed", "folder_id", id, "err", err, "request_id", web.RequestID(r.Context()))
		}
		panic(http.ErrAbortHandler)
	}
}

// --- JSON API ------------------------------------------------------------------

type apiRetentionClass struct {
	ID         int64     `json:"id"`
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	Years      int       `json:"years"`
	Trigger    string    `json:"trigger"`
	LegalBasis string    `json:"legal_basis"`
	InUse      bool      `json:"in_use"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func newAPIRetentionClass(c document.RetentionClass) apiRetentionClass {
	return apiRetentionClass{ID: c.ID, Code: c.Code, Name: c.Name, Years: c.Years, Trigger: c.Trigger, LegalBasis: c.LegalBasis,
		InUse: c.InUse, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

type apiRetentionClassCreate struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Years      *int   `json:"years"`
	Trigger    string `json:"trigger"`
	LegalBasis string `json:"legal_basis"`
}

type apiRetentionClassUpdate struct {
	Name       *string `json:"name"`
	Years      *int    `json:"years"`
	Trigger    *string `json:"trigger"`
	LegalBasis *string `json:"legal_basis"`
}

func (h *Handler) apiListRetentionClasses(w http.ResponseWriter, r *http.Request) {
	cs, err := h.svc.ListRetentionClasses(r.Context(), web.Actor(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiRetentionClass, 0, len(cs))
	for _, c := range cs {
		items = append(items, newAPIRetentionClass(c))
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items})
}

func (h *Handler) apiCreateRetentionClass(w http.ResponseWriter, r *http.Request) {
	var req apiRetentionClassCreate
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if req.Years == nil {
		h.srv.Error(w, r, apperr.Invalidf("invalid_retention_years", "years is required").WithField("years", "invalid_retention_years"))
		return
	}
	c, err := h.svc.CreateRetentionClass(r.Context(), web.Actor(r), document.NewRetentionClass{Code: req.Code, Name: req.Name, Years: *req.Years,
		Trigger: req.Trigger, LegalBasis: req.LegalBasis})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/retention-classes/%d", c.ID))
	web.JSON(w, http.StatusCreated, newAPIRetentionClass(c))
}

func (h *Handler) apiUpdateRetentionClass(w http.ResponseWriter, r *http.Request) {
	web.APIWithBody(h.srv, w, r, http.StatusOK, func(ctx context.Context, a actor.Actor, id int64, req apiRetentionClassUpdate) (apiRetentionClass, error) {
		c, err := h.svc.UpdateRetentionClass(ctx, a, id, document.RetentionClassUpdate{Name: req.Name, Years: req.Years,
			Trigger: req.Trigger, LegalBasis: req.LegalBasis})
		return newAPIRetentionClass(c), err
	})
}

type apiLegalHold struct {
	ID             int64      `json:"id"`
	FolderID       *int64     `json:"folder_id"`
	DocumentID     *int64     `json:"document_id"`
	Reference      string     `json:"reference"`
	Title          string     `json:"title"`
	Reason         string     `json:"reason"`
	CaseReference  string     `json:"case_reference"`
	Active         bool       `json:"active"`
	PlacedAt       time.Time  `json:"placed_at"`
	PlacedBy       *int64     `json:"placed_by"`
	PlacedByName   string     `json:"placed_by_name"`
	ReleasedAt     *time.Time `json:"released_at"`
	ReleasedBy     *int64     `json:"released_by"`
	ReleasedByName string     `json:"released_by_name"`
	ReleaseReason  string     `json:"release_reason"`
}

func newAPILegalHold(x document.LegalHold) apiLegalHold {
	return apiLegalHold{ID: x.ID, FolderID: optID(x.FolderID), DocumentID: optID(x.DocumentID), Reference: x.Reference, Title: x.Title,
		Reason: x.Reason, CaseReference: x.CaseReference, Active: x.Active(), PlacedAt: x.PlacedAt, PlacedBy: optID(x.PlacedBy),
		PlacedByName: x.PlacedByName, ReleasedAt: x.ReleasedAt, ReleasedBy: optID(x.ReleasedBy), ReleasedByName: x.ReleasedByName,
		ReleaseReason: x.ReleaseReason}
}

type apiLegalHoldCreate struct {
	FolderID        *int64 `json:"folder_id"`
	FolderReference string `json:"folder_reference"`
	DocumentID      *int64 `json:"document_id"`
	Reason          string `json:"reason"`
	CaseReference   string `json:"case_reference"`
}

type apiReason struct {
	Reason string `json:"reason"`
}

type apiNote struct {
	Note string `json:"note"`
}

// regQueryID reads an optional positive id query parameter.
func regQueryID(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, web.InvalidFilter(name, name+" must be a positive id")
	}
	return id, nil
}

func (h *Handler) apiListLegalHolds(w http.ResponseWriter, r *http.Request) {
	f := document.HoldFilter{State: r.URL.Query().Get("state")}
	var err error
	if f.FolderID, err = regQueryID(r, "folder_id"); err == nil {
		f.DocumentID, err = regQueryID(r, "document_id")
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	hs, err := h.svc.ListLegalHolds(r.Context(), web.Actor(r), f)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiLegalHold, 0, len(hs))
	for _, x := range hs {
		items = append(items, newAPILegalHold(x))
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": items})
}

func (h *Handler) apiPlaceLegalHold(w http.ResponseWriter, r *http.Request) {
	var req apiLegalHoldCreate
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	x, err := h.svc.PlaceLegalHold(r.Context(), web.Actor(r), document.NewLegalHold{FolderID: derefID(req.FolderID), FolderReference: req.FolderReference,
		DocumentID: derefID(req.DocumentID), Reason: req.Reason, CaseReference: req.CaseReference})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, newAPILegalHold(x))
}

func (h *Handler) apiReleaseLegalHold(w http.ResponseWriter, r *http.Request) {
	web.APIWithBody(h.srv, w, r, http.StatusOK, func(ctx context.Context, a actor.Actor, id int64, req apiReason) (apiLegalHold, error) {
		x, err := h.svc.ReleaseLegalHold(ctx, a, id, req.Reason)
		return newAPILegalHold(x), err
	})
}

type apiRetention struct {
	Kind              string             `json:"kind"`
	ID                int64              `json:"id"`
	Class             *apiRetentionClass `json:"class"`
	Inherited         bool               `json:"inherited"`
	TriggerDate       *civil.Date        `json:"trigger_date"`
	DeletableFrom     *civil.Date        `json:"deletable_from"`
	Expired           bool               `json:"expired"`
	Holds             []apiLegalHold     `json:"holds"`
	PendingDeletionID *int64             `json:"pending_deletion_id"`
}

func (h *Handler) apiRetentionOf(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		web.APIWithID(h.srv, w, r, http.StatusOK, func(ctx context.Context, a actor.Actor, id int64) (apiRetention, error) {
			x, err := h.svc.RetentionOf(ctx, a, kind, id)
			if err != nil {
				return apiRetention{}, err
			}
			out := apiRetention{Kind: x.Kind, ID: x.ID, Inherited: x.Inherited, TriggerDate: x.TriggerDate, DeletableFrom: x.DeletableFrom,
				Expired: x.Expired, Holds: make([]apiLegalHold, 0, len(x.Holds)), PendingDeletionID: optID(x.PendingDeletion)}
			if x.Class != nil {
				c := newAPIRetentionClass(*x.Class)
				out.Class = &c
			}
			for _, hd := range x.Holds {
				out.Holds = append(out.Holds, newAPILegalHold(hd))
			}
			return out, nil
		})
	}
}

type apiDueItem struct {
	Kind           string     `json:"kind"`
	ID             int64      `json:"id"`
	Reference      string     `json:"reference"`
	Title          string     `json:"title"`
	RetentionCode  string     `json:"retention_code"`
	RetentionYears int        `json:"retention_years"`
	Trigger        string     `json:"trigger"`
	TriggerDate    civil.Date `json:"trigger_date"`
	DeletableFrom  civil.Date `json:"deletable_from"`
	Documents      int        `json:"documents"`
}

func (h *Handler) apiListDue(w http.ResponseWriter, r *http.Request) {
	items, err := h.svc.ListDueForDeletion(r.Context(), web.Actor(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	out := make([]apiDueItem, 0, len(items))
	for _, it := range items {
		out = append(out, apiDueItem{Kind: it.Kind, ID: it.ID, Reference: it.Reference, Title: it.Title, RetentionCode: it.Class.Code,
			RetentionYears: it.Class.Years, Trigger: it.Class.Trigger, TriggerDate: it.TriggerDate, DeletableFrom: it.DeletableFrom, Documents: it.Documents})
	}
	web.JSON(w, http.StatusOK, map[string]any{"items": out})
}

type apiDeletion struct {
	ID             int64              `json:"id"`
	Kind           string             `json:"kind"`
	ObjectID       int64              `json:"object_id"`
	Reference      string             `json:"reference"`
	Title          string             `json:"title"`
	RetentionCode  string             `json:"retention_code"`
	RetentionYears int                `json:"retention_years"`
	TriggerDate    civil.Date         `json:"trigger_date"`
	DeletableFrom  civil.Date         `json:"deletable_from"`
	State          string             `json:"state"`
	Reason         string             `json:"reason"`
	ProposedAt     time.Time          `json:"proposed_at"`
	ProposedBy     int64              `json:"proposed_by"`
	ProposedByName string             `json:"proposed_by_name"`
	DecidedAt      *time.Time         `json:"decided_at"`
	DecidedBy      *int64             `json:"decided_by"`
	DecidedByName  string             `json:"decided_by_name"`
	DecisionNote   string             `json:"decision_note"`
	Summary        apiDeletionSummary `json:"summary"`
}

type apiDeletionSummary struct {
	Folders       int      `json:"folders"`
	Documents     int      `json:"documents"`
	Versions      int      `json:"versions"`
	Bytes         int64    `json:"bytes"`
	SHA256        []string `json:"sha256"`
	FolderIDs     []int64  `json:"folder_ids"`
	DocumentIDs   []int64  `json:"document_ids"`
	ReleasedHolds int      `json:"released_holds"`
}

func newAPIDeletion(x document.Deletion) apiDeletion {
	s := x.Summary
	out := apiDeletion{ID: x.ID, Kind: x.Kind, ObjectID: x.ObjectID, Reference: x.Reference, Title: x.Title, RetentionCode: x.RetentionCode,
		RetentionYears: x.RetentionYears, TriggerDate: x.TriggerDate, DeletableFrom: x.DeletableFrom, State: x.State, Reason: x.Reason,
		ProposedAt: x.ProposedAt, ProposedBy: x.ProposedBy, ProposedByName: x.ProposedByName, DecidedAt: x.DecidedAt,
		DecidedBy: optID(x.DecidedBy), DecidedByName: x.DecidedByName, DecisionNote: x.DecisionNote,
		Summary: apiDeletionSummary{Folders: s.Folders, Documents: s.Documents, Versions: s.Versions, Bytes: s.Bytes, SHA256: s.SHA256,
			FolderIDs: s.FolderIDs, DocumentIDs: s.DocumentIDs, ReleasedHolds: s.ReleasedHolds}}
	if out.Summary.SHA256 == nil {
		out.Summary.SHA256 = []string{}
	}
	if out.Summary.FolderIDs == nil {
		out.Summary.FolderIDs = []int64{}
	}
	if out.Summary.DocumentIDs == nil {
		out.Summary.DocumentIDs = []int64{}
	}
	return out
}

func (h *Handler) apiListDeletions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := web.ParseLimit(q)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	before, err := web.DecodeCursor("d", q.Get("cursor"), 1<<62)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	xs, next, err := h.svc.ListDeletions(r.Context(), web.Actor(r), document.DeletionFilter{State: q.Get("state"), Limit: limit, BeforeID: before})
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	out := struct {
		Items      []apiDeletion `json:"items"`
		NextCursor *string       `json:"next_cursor"`
	}{Items: make([]apiDeletion, 0, len(xs))}
	for _, x := range xs {
		out.Items = append(out.Items, newAPIDeletion(x))
	}
	if next != 0 {
		out.NextCursor = web.EncodeCursor("d", next)
	}
	web.JSON(w, http.StatusOK, out)
}

type apiDeletionCreate struct {
	Kind     string `json:"kind"`
	ObjectID int64  `json:"object_id"`
	Reason   string `json:"reason"`
}

func (h *Handler) apiProposeDeletion(w http.ResponseWriter, r *http.Request) {
	var req apiDeletionCreate
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if req.Kind != document.KindFolder && req.Kind != document.KindDocument {
		h.srv.Error(w, r, apperr.Invalidf("invalid_deletion_kind", "kind is folder or document").WithField("kind", "invalid_deletion_kind"))
		return
	}
	x, err := h.svc.ProposeDeletion(r.Context(), web.Actor(r), req.Kind, req.ObjectID, req.Reason)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/deletions/%d", x.ID))
	web.JSON(w, http.StatusCreated, newAPIDeletion(x))
}

func (h *Handler) apiGetDeletion(w http.ResponseWriter, r *http.Request) {
	web.APIWithID(h.srv, w, r, http.StatusOK, func(ctx context.Context, a actor.Actor, id int64) (apiDeletion, error) {
		x, err := h.svc.GetDeletion(ctx, a, id)
		return newAPIDeletion(x), err
	})
}

// apiDecideDeletion answers approve, reject and cancel; the body (a note)
// is optional for approve and cancel.
func (h *Handler) apiDecideDeletion(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := web.PathID(r)
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		var req apiNote
		if r.ContentLength != 0 {
			if err := web.DecodeJSON(r, &req); err != nil {
				h.srv.Error(w, r, err)
				return
			}
		}
		a := web.Actor(r)
		var x document.Deletion
		switch action {
		case "approve":
			x, err = h.svc.ApproveDeletion(r.Context(), a, id, req.Note)
		case "reject":
			x, err = h.svc.RejectDeletion(r.Context(), a, id, req.Note)
		default:
			x, err = h.svc.CancelDeletion(r.Context(), a, id)
		}
		if err != nil {
			h.srv.Error(w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, newAPIDeletion(x))
	}
}
