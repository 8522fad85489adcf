package absenceweb

import (
	"context"
	"fmt"
	"net/http"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/web"
)

// registerStaffing adds the detail page of an absence, which shows the
// staffing warnings (absence.WithStaffingWarnings) next to its facts.
func (h *Handler) registerStaffing() {
	h.srv.UI("GET /absences/{id}", web.Full, h.detailPage)
}

// apiStaffingWarning is a staffing warning in the API.
type apiStaffingWarning struct {
	Code    string `json:"code"`
	Date    string `json:"date"`
	Present int    `json:"present"`
	Minimum int    `json:"minimum"`
}

func newAPIStaffingWarnings(ws []absence.StaffingWarning) *[]apiStaffingWarning {
	out := make([]apiStaffingWarning, 0, len(ws))
	for _, w := range ws {
		out = append(out, apiStaffingWarning{Code: absence.StaffingWarningCode, Date: w.Date.String(), Present: w.Present, Minimum: w.Minimum})
	}
	return &out
}

// getWithWarnings is Get with the staffing warnings the actor may see.
func (h *Handler) getWithWarnings(ctx context.Context, a actor.Actor, id int64) (absence.Absence, error) {
	x, err := h.svc.Get(ctx, a, id)
	if err != nil {
		return absence.Absence{}, err
	}
	return h.svc.WithStaffingWarnings(ctx, a, x)
}

// staffingRow is a staffing warning on a page.
type staffingRow struct {
	Date    string
	Present int
	Minimum int
}

func staffingRows(p web.Page, ws []absence.StaffingWarning) []staffingRow {
	out := make([]staffingRow, 0, len(ws))
	for _, w := range ws {
		day := p.L.T(fmt.Sprintf("absence_admin.weekday_%d", int(w.Date.Weekday())))
		out = append(out, staffingRow{Date: day + " " + dateText(w.Date), Present: w.Present, Minimum: w.Minimum})
	}
	return out
}

// --- /absences/{id} ------------------------------------------------------

type detailPage struct {
	web.Page
	Row      absenceRow
	Own      bool
	Staffing []staffingRow
	// BackURL leads to the list the absence belongs to.
	BackURL string
}

// detailPage shows one absence to whoever may see it (404 otherwise), with
// the staffing warnings for the person, the deciding lead and HR.
func (h *Handler) detailPage(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	a := web.Actor(r)
	x, err := h.getWithWarnings(r.Context(), a, id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := detailPage{Page: h.srv.NewPage(r, ""), Own: x.UserID == a.UserID}
	p.Title = p.L.T("absence_admin.detail_title")
	names, types, err := h.typeNames(r, p.Page)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	rows := []absenceRow{h.row(p.Page, names, x, h.svc.Today(), p.Own)}
	h.decorate(r, rows, []absence.Absence{x}, types, p.Own)
	p.Row, p.Staffing = rows[0], staffingRows(p.Page, x.StaffingWarnings)
	p.BackURL = fmt.Sprintf("/absences?year=%d", x.Start.Year)
	if !p.Own {
		p.BackURL = "/absences/approvals"
	}
	h.srv.Render(w, r, http.StatusOK, "absence_detail.html", p)
}
