package absenceweb

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"ortlos/internal/absence"
	"ortlos/internal/web"
)

// registerExport adds the monthly absence export for payroll (HR).
func (h *Handler) registerExport() {
	h.srv.API("GET", "/absences/export.csv", "exportAbsences", web.Full, h.exportCSV)
	// The same export for browsers: errors come as pages, not problems.
	h.srv.UI("GET /absences/export.csv", web.Full, h.exportCSV)
}

// exportCSV writes one row per person and working day of an approved
// absence in ?year=&month= (default: the current month).
func (h *Handler) exportCSV(w http.ResponseWriter, r *http.Request) {
	today := h.svc.Today()
	year, month := today.Year, today.Month
	q := r.URL.Query()
	if s := q.Get("year"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1000 || n > 9999 {
			h.srv.Error(w, r, web.InvalidFilter("year", "year must be a year such as 2026"))
			return
		}
		year = n
	}
	if s := q.Get("month"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 12 {
			h.srv.Error(w, r, web.InvalidFilter("month", "month must be 1 to 12"))
			return
		}
		month = time.Month(n)
	}
	rows, err := h.svc.MonthExport(r.Context(), web.Actor(r), year, month)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	out := make([][]string, 0, len(rows))
	for _, x := range rows {
		fraction := "1"
		if x.Half {
			fraction = "0,5"
		}
		out = append(out, []string{strconv.FormatInt(x.UserID, 10), web.CSVCell(x.Username), web.CSVCell(x.DisplayName), web.CSVCell(x.OrgUnit),
			x.Date.String(), x.TypeID, web.CSVCell(x.TypeName), fraction})
	}
	web.WriteCSV(w, fmt.Sprintf("abwesenheiten_%04d-%02d.csv", year, int(month)), absence.ExportColumns, out)
}
