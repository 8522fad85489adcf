package projectweb

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/project"
	"ortlos/internal/web"
)

// CSV export and import of a project's tasks (docs/tasks.md#csv).

// registerTaskCSV adds the export and import routes.
func (h *Handler) registerTaskCSV() {
	s := h.srv
	s.API("GET", "/projects/{id}/tasks.csv", "exportProjectTasks", web.Full, h.exportTasksCSV)
	s.API("POST", "/projects/{id}/tasks/import", "importProjectTasks", web.Full, h.apiImportTasks)
	s.UI("GET /projects/{id}/tasks.csv", web.Full, h.exportTasksCSV)
	s.UI("GET /projects/{id}/tasks/import", web.Full, h.uiImportForm)
	s.UI("POST /projects/{id}/tasks/import", web.Full, h.uiImportTasks)
	for _, p := range []string{"POST /projects/{id}/tasks/import", "POST /api/v1/projects/{id}/tasks/import"} {
		s.LargeBody(p, project.MaxTaskImportBytes+64<<10)
	}
}

// csvTime is a moment as the export writes it: local "YYYY-MM-DD HH:MM",
// which spreadsheets read as a date and time.
func csvTime(t *time.Time, loc *time.Location) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

func (h *Handler) exportTasksCSV(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	ts, err := h.svc.ExportProjectTasks(r.Context(), web.Actor(r), id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	loc := h.srv.Options().Location
	rows := make([][]string, 0, len(ts))
	for _, t := range ts {
		created := t.CreatedAt
		rows = append(rows, []string{
			strconv.FormatInt(t.ID, 10), web.CSVCell(t.Title), web.CSVCell(t.StatusName), web.CSVCell(strings.Join(t.AssigneeUsernames, ", ")),
			t.Priority, isoDate(t.StartDate), isoDate(t.DueDate), project.FormatTaskHours(t.EstimateMinutes),
			web.CSVCell(strings.Join(t.LabelNames, ", ")), web.CSVCell(t.MilestoneTitle), csvTime(&created, loc), csvTime(t.DoneAt, loc),
			strconv.Itoa(t.Version),
		})
	}
	web.WriteCSV(w, fmt.Sprintf("aufgaben_projekt_%d_%s.csv", id, h.svc.Now().In(loc).Format("2006-01-02")), project.TaskCSVColumns, rows)
}

// importFile returns the CSV of an import request: the form field "file"
// of a multipart request, or the body itself (text/csv).
func importFile(r *http.Request, fn func(io.Reader) error) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		return uploadPart(r, func(_, _ string, content io.Reader) error { return fn(content) })
	}
	return fn(r.Body)
}

// taskImportProblemJSON is one problem of a refused import.
type taskImportProblemJSON struct {
	Line    int    `json:"line"`
	Column  string `json:"column"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type taskImportResultJSON struct {
	Rows      int `json:"rows"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

func (h *Handler) runImport(r *http.Request, id int64) (project.TaskImportResult, error) {
	var res project.TaskImportResult
	err := importFile(r, func(content io.Reader) error {
		var err error
		res, err = h.svc.ImportTasks(r.Context(), web.Actor(r), id, content)
		return err
	})
	return res, err
}

func (h *Handler) apiImportTasks(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	res, err := h.runImport(r, id)
	var ie *project.TaskImportError
	if errors.As(err, &ie) {
		l := h.srv.Localizer(r)
		type problem struct {
			web.Problem
			Problems  []taskImportProblemJSON `json:"problems"`
			Truncated bool                    `json:"truncated"`
		}
		p := problem{Problem: web.Problem{Type: "urn:ortlos:problem:task_import_invalid", Title: http.StatusText(http.StatusUnprocessableEntity),
			Status: http.StatusUnprocessableEntity, Code: "task_import_invalid", Detail: l.Error("task_import_invalid"),
			RequestID: web.RequestID(r.Context())}, Problems: []taskImportProblemJSON{}, Truncated: ie.Truncated}
		for _, x := range ie.Problems {
			p.Problems = append(p.Problems, taskImportProblemJSON{Line: x.Line, Column: x.Column, Code: x.Code, Message: l.Error(x.Code)})
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_ = json.NewEncoder(w).Encode(p)
		return
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, taskImportResultJSON{Rows: res.Rows, Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged})
}

// taskImportPage is the import form and, after a post, its result.
type taskImportPage struct {
	web.Page
	Project    project.Project
	Crumbs     []crumb
	ProjectURL string
	ExportURL  string
	ListURL    string
	CanImport  bool
	Columns    []string
	MaxRows    int
	Posted     bool
	Result     *project.TaskImportResult
	Problems   []taskImportProblemView
	Truncated  bool
}

type taskImportProblemView struct {
	Line    int
	Column  string
	Message string
}

func (h *Handler) renderImport(w http.ResponseWriter, r *http.Request, status int, res *project.TaskImportResult, err error) {
	p, crumbs, lerr := h.loadProject(r)
	if lerr != nil {
		h.srv.Error(w, r, lerr)
		return
	}
	base := fmt.Sprintf("/projects/%d", p.ID)
	v := taskImportPage{Page: h.srv.NewPage(r, ""), Project: p, Crumbs: crumbs, ProjectURL: base, ExportURL: base + "/tasks.csv",
		ListURL: base + "/tasks", CanImport: p.Role.AtLeast(project.RoleMember) && web.Actor(r).CanWrite(),
		Columns: project.TaskCSVColumns, MaxRows: project.MaxTaskImportRows, Result: res, Posted: res != nil || err != nil}
	v.Title = v.L.T("task_extra.import_title", p.Name)
	var ie *project.TaskImportError
	switch {
	case errors.As(err, &ie):
		v.FormError = v.L.Error("task_import_invalid")
		v.Truncated = ie.Truncated
		for _, x := range ie.Problems {
			v.Problems = append(v.Problems, taskImportProblemView{Line: x.Line, Column: x.Column, Message: v.L.Error(x.Code)})
		}
	case err != nil:
		v.SetError(err)
	}
	h.srv.Render(w, r, status, "task_import.html", v)
}

func (h *Handler) uiImportForm(w http.ResponseWriter, r *http.Request) {
	h.renderImport(w, r, http.StatusOK, nil, nil)
}

func (h *Handler) uiImportTasks(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	res, err := h.runImport(r, id)
	if err != nil {
		st := web.StatusOf(err)
		if apperr.CodeOf(err) == "body_too_large" {
			st = http.StatusRequestEntityTooLarge
		}
		if st == http.StatusNotFound || st == http.StatusForbidden || st >= 500 {
			h.srv.Error(w, r, err)
			return
		}
		h.renderImport(w, r, st, nil, err)
		return
	}
	h.renderImport(w, r, http.StatusOK, &res, nil)
}
