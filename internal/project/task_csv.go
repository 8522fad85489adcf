package project

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/project/rank"
)

// CSV export and import of a project's tasks (docs/tasks.md#csv). The
// file is the German-spreadsheet form of the other exports: UTF-8 with a
// byte order mark, semicolons, CRLF (web.WriteCSV); the columns are
// TaskCSVColumns. Estimates are hours with a decimal comma ("1,5"); the
// JSON API keeps whole minutes.
//
// An import names its columns in the first line (any order, any subset
// that includes "title"). A line with an empty id creates a task, a line
// with an id updates that task of the project (a column left out of the
// file stays as it is; an empty cell clears the field). The whole file is
// checked and applied in one transaction: any problem, reported per line
// and column with an error code, leaves the project unchanged.

// TaskCSVColumns are the columns of the task export, in order.
var TaskCSVColumns = []string{"id", "title", "status", "assignees", "priority", "start_date", "due_date",
	"estimate_hours", "labels", "milestone", "created_at", "done_at", "version"}

// taskCSVReadOnly are exported columns an import ignores.
var taskCSVReadOnly = []string{"created_at", "done_at"}

// Import limits.
const (
	MaxTaskImportRows  = 5000
	MaxTaskImportBytes = 5 << 20
	// maxTaskImportProblems bounds the problems reported for one file.
	maxTaskImportProblems = 100
)

// TaskExport is one task of an export with the names the file shows.
type TaskExport struct {
	Task
	AssigneeUsernames []string
	LabelNames        []string
	MilestoneTitle    string
}

// ExportProjectTasks returns the tasks of project id in board order with
// their assignees' usernames, labels and milestone. Viewers export.
func (s *Service) ExportProjectTasks(ctx context.Context, a actor.Actor, id int64) ([]TaskExport, error) {
	if _, err := s.require(ctx, s.db, a, id, RoleViewer); err != nil {
		return nil, err
	}
	tasks, err := db.Query(ctx, s.db, scanTask, `SELECT `+taskFields+` FROM tasks t JOIN project_statuses s ON s.id = t.status_id
		WHERE t.project_id = ? ORDER BY s.position, s.id, t.rank`, id)
	if err != nil {
		return nil, fmt.Errorf("project: export tasks: %w", err)
	}
	out := make([]TaskExport, len(tasks))
	at := make(map[int64]int, len(tasks))
	for i, t := range tasks {
		out[i].Task = t
		at[t.ID] = i
	}
	rows, err := s.db.QueryContext(ctx, `SELECT 0, ta.task_id, u.username FROM task_assignees ta JOIN users u ON u.id = ta.user_id JOIN tasks t ON t.id = ta.task_id
		WHERE t.project_id = ?
		UNION ALL
		SELECT 1, tl.task_id, l.name FROM task_labels tl JOIN project_labels l ON l.id = tl.label_id JOIN tasks t ON t.id = tl.task_id
		WHERE t.project_id = ?
		ORDER BY 1, 3`, id, id)
	if err != nil {
		return nil, fmt.Errorf("project: export names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind int
		var tid int64
		var name string
		if err := rows.Scan(&kind, &tid, &name); err != nil {
			return nil, fmt.Errorf("project: export names: %w", err)
		}
		i, ok := at[tid]
		if !ok {
			continue
		}
		if kind == 0 {
			out[i].AssigneeUsernames = append(out[i].AssigneeUsernames, name)
		} else {
			out[i].LabelNames = append(out[i].LabelNames, name)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("project: export names: %w", err)
	}
	titles := map[int64]string{}
	ms, err := db.Query(ctx, s.db, func(row db.Scanner) (Milestone, error) {
		var m Milestone
		err := row.Scan(&m.ID, &m.Title)
		return m, err
	}, `SELECT id, title FROM milestones WHERE project_id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("project: export milestones: %w", err)
	}
	for _, m := range ms {
		titles[m.ID] = m.Title
	}
	for i := range out {
		out[i].MilestoneTitle = titles[out[i].MilestoneID]
	}
	return out, nil
}

// FormatTaskHours writes minutes as hours with a decimal comma and at
// most two decimals ("1,5", "0,33"); nil is "". Two decimals are enough
// for ParseTaskHours to give back the same whole minutes.
func FormatTaskHours(m *int) string {
	if m == nil {
		return ""
	}
	s := strconv.FormatFloat(math.Round(float64(*m)/60*100)/100, 'f', -1, 64)
	return strings.Replace(s, ".", ",", 1)
}

// ParseTaskHours reads hours with a decimal comma or point ("1,5",
// "1.5", "2") as whole minutes (rounded); "" is nil. Thousands separators
// are not allowed.
func ParseTaskHours(s string) (*int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if strings.Count(s, ",")+strings.Count(s, ".") > 1 {
		return nil, errTaskImportNumber
	}
	for _, c := range s {
		if (c < '0' || c > '9') && c != ',' && c != '.' {
			return nil, errTaskImportNumber
		}
	}
	h, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil || h < 0 || math.IsInf(h, 0) || math.IsNaN(h) {
		return nil, errTaskImportNumber
	}
	if h*60 > MaxTaskMinutes {
		return nil, apperr.Invalidf("invalid_task_minutes", "too large")
	}
	m := int(math.Round(h * 60))
	return &m, nil
}

var (
	errTaskImportNumber = apperr.Invalidf("task_import_invalid_number", "not a number of hours")
	errTaskImportDate   = apperr.Invalidf("task_import_invalid_date", "not a date")
)

// parseImportDate reads YYYY-MM-DD or D.M.YYYY (what a German spreadsheet
// writes back); "" is the zero date.
func parseImportDate(s string) (civil.Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return civil.Date{}, nil
	}
	if d, err := civil.Parse(s); err == nil {
		return d, nil
	}
	if t, err := time.Parse("2.1.2006", s); err == nil {
		return civil.Of(t), nil
	}
	return civil.Date{}, errTaskImportDate
}

// TaskImportProblem is one problem of an import file: the line (1 is the
// header), the column as named in the header ("" for the whole line) and
// an error code (its text is err.<code>).
type TaskImportProblem struct {
	Line   int
	Column string
	Code   string
}

// TaskImportError carries the problems of a refused import (422
// task_import_invalid).
type TaskImportError struct {
	Problems []TaskImportProblem
	// Truncated reports that checking stopped after
	// maxTaskImportProblems problems.
	Truncated bool
}

func (e *TaskImportError) Error() string {
	return fmt.Sprintf("task import: %d problems", len(e.Problems))
}

// TaskImportResult counts what an import did.
type TaskImportResult struct {
	Rows, Created, Updated, Unchanged int
}

// taskImportRow is one line of the file with its cells by column.
type taskImportRow struct {
	line  int
	cells map[string]string
}

// readTaskImport parses the file: header, delimiter (; , or tab, from the
// header line), rows. Structural problems end the parse.
func readTaskImport(r io.Reader) ([]string, []taskImportRow, []TaskImportProblem) {
	lr := &io.LimitedReader{R: r, N: MaxTaskImportBytes + 1}
	br := bufio.NewReader(lr)
	first, _ := br.Peek(4096)
	first = bytes.TrimPrefix(first, []byte("\uFEFF"))
	if i := bytes.IndexAny(first, "\r\n"); i >= 0 {
		first = first[:i]
	}
	comma := ';'
	if n := bytes.Count(first, []byte(";")); bytes.Count(first, []byte("\t")) > n {
		comma = '\t'
	} else if bytes.Count(first, []byte(",")) > n {
		comma = ','
	}
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\uFEFF")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	problem := func(line int, col, code string) []TaskImportProblem {
		return []TaskImportProblem{{Line: line, Column: col, Code: code}}
	}
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, problem(1, "", "task_import_empty")
	}
	if err != nil {
		return nil, nil, problem(csvErrLine(err, 1), "", "task_import_invalid_csv")
	}
	var probs []TaskImportProblem
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		cols[i] = h
		switch {
		case h == "":
		case !slices.Contains(TaskCSVColumns, h):
			probs = append(probs, TaskImportProblem{Line: 1, Column: header[i], Code: "task_import_unknown_column"})
		case seen[h]:
			probs = append(probs, TaskImportProblem{Line: 1, Column: header[i], Code: "task_import_duplicate_column"})
		}
		seen[h] = true
	}
	if !seen["title"] {
		probs = append(probs, TaskImportProblem{Line: 1, Column: "title", Code: "task_import_missing_column"})
	}
	if len(probs) > 0 {
		return nil, nil, probs
	}
	var rows []taskImportRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if lr.N <= 0 {
				return nil, nil, problem(0, "", "task_import_too_large")
			}
			return nil, nil, problem(csvErrLine(err, 0), "", "task_import_invalid_csv")
		}
		line, _ := cr.FieldPos(0)
		blank := true
		for _, c := range rec {
			blank = blank && strings.TrimSpace(c) == ""
		}
		if blank {
			continue
		}
		if len(rows) >= MaxTaskImportRows {
			return nil, nil, problem(line, "", "task_import_too_many_rows")
		}
		row := taskImportRow{line: line, cells: make(map[string]string, len(cols))}
		for i, c := range rec {
			if i >= len(cols) || cols[i] == "" {
				if strings.TrimSpace(c) != "" {
					probs = append(probs, TaskImportProblem{Line: line, Column: "", Code: "task_import_extra_cells"})
					break
				}
				continue
			}
			row.cells[cols[i]] = c
		}
		rows = append(rows, row)
	}
	if lr.N <= 0 {
		return nil, nil, problem(0, "", "task_import_too_large")
	}
	if len(probs) > 0 {
		return nil, nil, probs
	}
	if len(rows) == 0 {
		return nil, nil, problem(2, "", "task_import_empty")
	}
	return cols, rows, nil
}

func csvErrLine(err error, def int) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return def
}

// importText undoes the formula neutralising of the export (a leading
// apostrophe before = + - @ tab or CR) and trims spaces.
func importText(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		s = s[1:]
	}
	return s
}

// importPriorities maps the priority cells an import accepts: the codes and
// the German and English labels.
var importPriorities = map[string]string{
	"": PriorityNormal, "low": PriorityLow, "normal": PriorityNormal, "high": PriorityHigh, "urgent": PriorityUrgent,
	"niedrig": PriorityLow, "hoch": PriorityHigh, "dringend": PriorityUrgent,
}

// taskImportCtx holds what the checks of one import look up, loaded once.
type taskImportCtx struct {
	project    int64
	columns    []taskColumn
	colByName  map[string]int // lower-case name -> index in columns (first by position)
	labels     map[string]int64
	milestones map[string][]int64
	users      map[string]int64 // lower-case username -> id; 0: not a possible assignee
	lastRank   map[int64]string // column -> last rank so far
	seenIDs    map[int64]bool
}

// ImportTasks reads a CSV file of tasks (the export's form) into project
// id: members import. All lines are checked and applied in one
// transaction; any problem refuses the whole file with 422
// task_import_invalid carrying a *TaskImportError, and nothing changes.
// Audit: one task.import record with the counts.
func (s *Service) ImportTasks(ctx context.Context, a actor.Actor, id int64, r io.Reader) (TaskImportResult, error) {
	if _, err := s.require(ctx, s.db, a, id, RoleMember); err != nil {
		return TaskImportResult{}, err
	}
	_, rows, probs := readTaskImport(r)
	if len(probs) > 0 {
		return TaskImportResult{}, taskImportInvalid(&TaskImportError{Problems: probs})
	}
	var res TaskImportResult
	err := s.writeRanked(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		res = TaskImportResult{Rows: len(rows)}
		if _, err := s.require(ctx, tx, a, id, RoleMember); err != nil {
			return nil, err
		}
		ic, err := s.loadTaskImportCtx(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		ie := &TaskImportError{}
		for _, row := range rows {
			if len(ie.Problems) >= maxTaskImportProblems {
				ie.Truncated = true
				break
			}
			if err := s.importTaskRow(ctx, tx, now, a, ic, row, ie, &res); err != nil {
				return nil, err
			}
		}
		if len(ie.Problems) > 0 {
			return nil, taskImportInvalid(ie)
		}
		return []audit.Event{{Action: "task.import", ObjectType: "project", ObjectID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"rows": res.Rows, "created": res.Created, "updated": res.Updated, "unchanged": res.Unchanged}}}, nil
	})
	if err != nil {
		return TaskImportResult{}, err
	}
	if res.Created+res.Updated > 0 {
		s.publish(ctx, Event{Type: EventReload, ProjectID: id})
	}
	return res, nil
}

func taskImportInvalid(e *TaskImportError) error {
	return apperr.Wrap(apperr.Invalid, "task_import_invalid", "the file has problems; nothing was imported", e)
}

func (s *Service) loadTaskImportCtx(ctx context.Context, tx *db.Tx, id int64) (*taskImportCtx, error) {
	ic := &taskImportCtx{project: id, colByName: map[string]int{}, labels: map[string]int64{}, milestones: map[string][]int64{},
		users: map[string]int64{}, lastRank: map[int64]string{}, seenIDs: map[int64]bool{}}
	rows, err := tx.QueryContext(ctx, `SELECT id, name, category, wip_limit FROM project_statuses WHERE project_id = ? ORDER BY position, id`, id)
	if err != nil {
		return nil, fmt.Errorf("project: import columns: %w", err)
	}
	for rows.Next() {
		c := taskColumn{ProjectID: id}
		var name string
		if err := rows.Scan(&c.ID, &name, &c.Category, &c.WIPLimit); err != nil {
			rows.Close()
			return nil, fmt.Errorf("project: import columns: %w", err)
		}
		key := strings.ToLower(strings.TrimSpace(name))
		if _, dup := ic.colByName[key]; !dup {
			ic.colByName[key] = len(ic.columns)
		}
		ic.columns = append(ic.columns, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("project: import columns: %w", err)
	}
	type named struct {
		id   int64
		name string
	}
	scanNamed := func(row db.Scanner) (named, error) {
		var n named
		err := row.Scan(&n.id, &n.name)
		return n, err
	}
	ls, err := db.Query(ctx, tx, scanNamed, `SELECT id, name FROM project_labels WHERE project_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("project: import labels: %w", err)
	}
	for _, l := range ls {
		if _, dup := ic.labels[strings.ToLower(l.name)]; !dup {
			ic.labels[strings.ToLower(l.name)] = l.id
		}
	}
	ms, err := db.Query(ctx, tx, scanNamed, `SELECT id, title FROM milestones WHERE project_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("project: import milestones: %w", err)
	}
	for _, m := range ms {
		key := strings.ToLower(strings.TrimSpace(m.name))
		ic.milestones[key] = append(ic.milestones[key], m.id)
	}
	return ic, nil
}

// rankAtBottom returns the next rank at the bottom of column col.
func (ic *taskImportCtx) rankAtBottom(ctx context.Context, tx *db.Tx, col int64) (string, error) {
	last, ok := ic.lastRank[col]
	if !ok {
		var max *string
		if err := tx.QueryRowContext(ctx, `SELECT MAX(rank) FROM tasks WHERE status_id = ?`, col).Scan(&max); err != nil {
			return "", fmt.Errorf("project: import rank: %w", err)
		}
		last = taskDeref(max)
	}
	r, err := rank.Between(last, "")
	if err != nil {
		return "", fmt.Errorf("project: import rank: %w", err)
	}
	ic.lastRank[col] = r
	return r, nil
}

// assignee returns the id of the person username if they may be assigned
// in the project (an enabled account with at least the member role), else 0.
func (s *Service) importAssignee(ctx context.Context, tx *db.Tx, ic *taskImportCtx, username string) (int64, error) {
	key := strings.ToLower(strings.TrimSpace(username))
	if id, ok := ic.users[key]; ok {
		return id, nil
	}
	var id int64
	var disabled bool
	err := tx.QueryRowContext(ctx, `SELECT id, disabled FROM users WHERE username = ?`, key).Scan(&id, &disabled)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		id = 0
	case err != nil:
		return 0, fmt.Errorf("project: import assignee: %w", err)
	case disabled:
		id = 0
	default:
		role, err := s.access(ctx, tx, actor.Actor{UserID: id}, ic.project)
		if err != nil && !errors.Is(err, errNotFound) {
			return 0, err
		}
		if !role.AtLeast(RoleMember) {
			id = 0
		}
	}
	ic.users[key] = id
	return id, nil
}

// splitNames splits a cell of names separated by commas; a name that
// itself contains a comma is found by trying the longest known run first.
func splitNames(cell string, known func(string) bool) (names []string, unknown bool) {
	parts := strings.Split(cell, ",")
	for i := 0; i < len(parts); {
		if strings.TrimSpace(parts[i]) == "" {
			i++
			continue
		}
		found := false
		for j := len(parts); j > i; j-- {
			name := importText(strings.Join(parts[i:j], ","))
			if known(name) {
				names = append(names, name)
				i, found = j, true
				break
			}
		}
		if !found {
			return names, true
		}
	}
	return names, false
}

// importTaskRow checks one line and, while the file has no problems yet,
// applies it.
func (s *Service) importTaskRow(ctx context.Context, tx *db.Tx, now time.Time, a actor.Actor, ic *taskImportCtx,
	row taskImportRow, ie *TaskImportError, res *TaskImportResult) error {
	bad := func(col, code string) {
		ie.Problems = append(ie.Problems, TaskImportProblem{Line: row.line, Column: col, Code: code})
	}
	cell := func(col string) (string, bool) {
		v, ok := row.cells[col]
		return v, ok
	}
	// The task to update, when the line names one.
	var cur *Task
	if v, ok := cell("id"); ok && strings.TrimSpace(v) != "" {
		tid, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		switch {
		case err != nil || tid <= 0:
			bad("id", "task_import_unknown_id")
		case ic.seenIDs[tid]:
			bad("id", "task_import_duplicate_id")
		default:
			ic.seenIDs[tid] = true
			t, err := loadTask(ctx, tx, tid)
			if errors.Is(err, errNotFound) || err == nil && t.ProjectID != ic.project {
				bad("id", "task_import_unknown_id")
			} else if err != nil {
				return err
			} else {
				cur = &t
			}
		}
		if cur != nil {
			if v, ok := cell("version"); ok && strings.TrimSpace(v) != "" {
				if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n != cur.Version {
					bad("version", "task_stale")
				}
			}
		}
	}
	title, err := validTaskTitle(importText(row.cells["title"]))
	if err != nil {
		bad("title", "invalid_task_title")
	}
	var statusCol *taskColumn
	if v, ok := cell("status"); ok && importText(v) != "" {
		if i, ok := ic.colByName[strings.ToLower(importText(v))]; ok {
			statusCol = &ic.columns[i]
		} else {
			bad("status", "unknown_task_status")
		}
	} else if cur == nil {
		if len(ic.columns) == 0 {
			bad("status", "task_project_no_status")
		} else {
			statusCol = &ic.columns[0]
		}
	}
	priority, priorityGiven := "", false
	if v, ok := cell("priority"); ok || cur == nil {
		p, known := importPriorities[strings.ToLower(strings.TrimSpace(v))]
		if !known {
			bad("priority", "invalid_task_priority")
		}
		priority, priorityGiven = p, true
	}
	date := func(col string) (*civil.Date, bool) {
		v, ok := cell(col)
		if !ok {
			return nil, false
		}
		d, err := parseImportDate(v)
		if err != nil {
			bad(col, "task_import_invalid_date")
			return nil, true
		}
		return taskDateOrNil(d), true
	}
	start, startGiven := date("start_date")
	due, dueGiven := date("due_date")
	var estimate *int
	v, estimateGiven := cell("estimate_hours")
	if estimateGiven {
		if estimate, err = ParseTaskHours(v); err != nil {
			bad("estimate_hours", apperr.CodeOf(err))
		}
	}
	var milestone int64
	v, milestoneGiven := cell("milestone")
	if milestoneGiven && importText(v) != "" {
		switch ids := ic.milestones[strings.ToLower(importText(v))]; len(ids) {
		case 0:
			bad("milestone", "unknown_task_milestone")
		case 1:
			milestone = ids[0]
		default:
			bad("milestone", "task_import_ambiguous_milestone")
		}
	}
	var labels []int64
	v, labelsGiven := cell("labels")
	if labelsGiven {
		names, unknown := splitNames(v, func(n string) bool { _, ok := ic.labels[strings.ToLower(n)]; return ok })
		if unknown {
			bad("labels", "unknown_task_label")
		}
		for _, n := range names {
			if l := ic.labels[strings.ToLower(n)]; !slices.Contains(labels, l) {
				labels = append(labels, l)
			}
		}
	}
	var assignees []int64
	v, assigneesGiven := cell("assignees")
	if assigneesGiven {
		for _, u := range strings.Split(v, ",") {
			if u = importText(u); u == "" {
				continue
			}
			uid, err := s.importAssignee(ctx, tx, ic, u)
			if err != nil {
				return err
			}
			if uid == 0 {
				bad("assignees", "task_assignee_not_member")
				break
			}
			if !slices.Contains(assignees, uid) {
				assignees = append(assignees, uid)
			}
		}
		if len(assignees) > maxTaskRefs {
			bad("assignees", "task_assignee_not_member")
		}
	}
	// Dates against each other, with the task's current values for the
	// columns the file leaves out.
	if cur != nil {
		if !startGiven {
			start = cur.StartDate
		}
		if !dueGiven {
			due = cur.DueDate
		}
	}
	if validTaskDates(start, due) != nil {
		bad("due_date", "invalid_task_dates")
	}
	if len(ie.Problems) > 0 {
		// Keep checking the following lines, but apply nothing more: the
		// transaction is rolled back.
		return nil
	}
	if cur == nil {
		return s.importCreate(ctx, tx, now, a, ic, res, importedTask{title: title, col: *statusCol, priority: priority,
			start: start, due: due, estimate: estimate, milestone: milestone, labels: labels, assignees: assignees})
	}
	u := importedTask{title: title, priority: cur.Priority, start: start, due: due, estimate: cur.EstimateMinutes, milestone: cur.MilestoneID}
	if priorityGiven {
		u.priority = priority
	}
	if estimateGiven {
		u.estimate = estimate
	}
	if milestoneGiven {
		u.milestone = milestone
	}
	if statusCol != nil {
		u.col = *statusCol
	} else {
		u.col = taskColumn{ID: cur.StatusID, ProjectID: ic.project}
		for _, c := range ic.columns {
			if c.ID == cur.StatusID {
				u.col = c
			}
		}
	}
	u.labels, u.labelsGiven = labels, labelsGiven
	u.assignees, u.assigneesGiven = assignees, assigneesGiven
	return s.importUpdate(ctx, tx, now, a, ic, res, *cur, u)
}

// importedTask is a checked line.
type importedTask struct {
	title                       string
	col                         taskColumn
	priority                    string
	start, due                  *civil.Date
	estimate                    *int
	milestone                   int64
	labels, assignees           []int64
	labelsGiven, assigneesGiven bool
}

func (s *Service) importCreate(ctx context.Context, tx *db.Tx, now time.Time, a actor.Actor, ic *taskImportCtx, res *TaskImportResult, n importedTask) error {
	r, err := ic.rankAtBottom(ctx, tx, n.col.ID)
	if err != nil {
		return err
	}
	rem := n.estimate
	var doneAt *time.Time
	if n.col.Category == "done" {
		doneAt = &now
		if rem != nil {
			zero := 0
			rem = &zero
		}
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO tasks (project_id, status_id, rank, title, priority, start_date, due_date,
		estimate_minutes, remaining_minutes, milestone_id, created_at, created_by, updated_at, done_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ic.project, n.col.ID, r, n.title, n.priority, db.NullDate(n.start), db.NullDate(n.due),
		taskIntArg(n.estimate), taskIntArg(rem), db.NullID(n.milestone), db.T(now), db.NullID(a.UserID), db.T(now), db.NT(doneAt)).Scan(&id); err != nil {
		return fmt.Errorf("project: import task: %w", err)
	}
	if err := s.setTaskAssignees(ctx, tx, now, a, id, ic.project, n.title, n.assignees); err != nil {
		return err
	}
	if err := setTaskLabels(ctx, tx, id, ic.project, n.labels); err != nil {
		return err
	}
	if err := addTaskWatchers(ctx, tx, id, a.UserID); err != nil {
		return err
	}
	res.Created++
	return nil
}

func sameDate(a, b *civil.Date) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func sameInt(a, b *int) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func sameSet(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func (s *Service) importUpdate(ctx context.Context, tx *db.Tx, now time.Time, a actor.Actor, ic *taskImportCtx, res *TaskImportResult, t Task, u importedTask) error {
	var oldAssignees, oldLabels []int64
	var err error
	if u.assigneesGiven {
		if oldAssignees, err = db.Query(ctx, tx, taskScanID, `SELECT user_id FROM task_assignees WHERE task_id = ?`, t.ID); err != nil {
			return fmt.Errorf("project: import assignees: %w", err)
		}
	}
	if u.labelsGiven {
		if oldLabels, err = db.Query(ctx, tx, taskScanID, `SELECT label_id FROM task_labels WHERE task_id = ?`, t.ID); err != nil {
			return fmt.Errorf("project: import labels: %w", err)
		}
	}
	assigneesChanged := u.assigneesGiven && !sameSet(oldAssignees, u.assignees)
	labelsChanged := u.labelsGiven && !sameSet(oldLabels, u.labels)
	fieldsChanged := u.title != t.Title || u.priority != t.Priority || !sameDate(u.start, t.StartDate) || !sameDate(u.due, t.DueDate) ||
		!sameInt(u.estimate, t.EstimateMinutes) || u.milestone != t.MilestoneID
	moved := u.col.ID != t.StatusID
	if !fieldsChanged && !moved && !assigneesChanged && !labelsChanged {
		res.Unchanged++
		return nil
	}
	// The remaining effort follows the estimate as in UpdateTask, and the
	// column's category as in MoveTask.
	remaining := t.RemainingMinutes
	if !sameInt(u.estimate, t.EstimateMinutes) && !t.Done && (remaining == nil || t.EstimateMinutes != nil && *remaining == *t.EstimateMinutes) {
		remaining = u.estimate
	}
	r, doneAt := t.Rank, t.DoneAt
	if moved {
		if r, err = ic.rankAtBottom(ctx, tx, u.col.ID); err != nil {
			return err
		}
		wasDone, isDone := t.Done, u.col.Category == "done"
		switch {
		case isDone && !wasDone:
			doneAt = &now
			if remaining != nil || u.estimate != nil {
				zero := 0
				remaining = &zero
			}
		case !isDone && wasDone:
			doneAt = nil
			if remaining != nil && *remaining == 0 {
				remaining = u.estimate
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tasks SET title = ?, priority = ?, start_date = ?, due_date = ?, estimate_minutes = ?,
		remaining_minutes = ?, milestone_id = ?, status_id = ?, rank = ?, done_at = ?, updated_at = ?, version = version + 1 WHERE id = ?`,
		u.title, u.priority, db.NullDate(u.start), db.NullDate(u.due), taskIntArg(u.estimate), taskIntArg(remaining),
		db.NullID(u.milestone), u.col.ID, r, db.NT(doneAt), db.T(now), t.ID); err != nil {
		return fmt.Errorf("project: import update: %w", err)
	}
	if assigneesChanged {
		if err := s.setTaskAssignees(ctx, tx, now, a, t.ID, ic.project, u.title, u.assignees); err != nil {
			return err
		}
	}
	if labelsChanged {
		if err := setTaskLabels(ctx, tx, t.ID, ic.project, u.labels); err != nil {
			return err
		}
	}
	res.Updated++
	return nil
}
