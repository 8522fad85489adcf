package project

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// Task lists: one project's tasks (listProjectTasks) and a person's tasks
// across all projects the reader sees (listMyTasks), paged by keyset
// cursors so that a page costs the same however deep it lies and cards
// moved meanwhile are neither skipped nor repeated because of an offset.

// Task list sort orders.
const (
	TaskSortRank     = "rank"     // board order: column position, then rank
	TaskSortDue      = "due"      // due date ascending, tasks without one last
	TaskSortPriority = "priority" // urgent first
	TaskSortCreated  = "created"  // newest first
	TaskSortUpdated  = "updated"  // most recently changed first
)

// TaskSorts lists the sort orders.
var TaskSorts = []string{TaskSortRank, TaskSortDue, TaskSortPriority, TaskSortCreated, TaskSortUpdated}

// Page sizes of task lists.
const (
	TaskPageDefault = 50
	TaskPageMax     = 200
)

// TaskFilter selects and orders tasks. Zero fields do not filter.
type TaskFilter struct {
	StatusID    int64
	AssigneeID  int64
	LabelID     int64
	MilestoneID int64
	Priority    string
	// DueBefore and DueAfter keep tasks due strictly before or after a
	// day (tasks without a due date drop out).
	DueBefore, DueAfter civil.Date
	// Query matches a substring of the title, ignoring case.
	Query string
	// Open keeps tasks that are not in a column of category done.
	Open   bool
	Sort   string // "" is rank for a project, due for ListMyTasks
	Limit  int    // 0 is TaskPageDefault
	Cursor string // NextCursor of the previous page
}

// TaskPage is one page of a task list; NextCursor is "" on the last page.
type TaskPage struct {
	Items      []Task
	NextCursor string
	// Version is the project's change counter the page was read at
	// (ListProjectTasks; 0 for ListMyTasks): the same project, filter,
	// reader role and version give the same page, so it can serve as a
	// validator (ETag).
	Version int64
}

var errTaskCursor = apperr.Invalidf("invalid_cursor", "cursor is not one this server handed out").WithField("cursor", "invalid_cursor")

// taskCursor is the sort key of the last task of a page.
type taskCursor struct {
	Sort string `json:"s"`
	Key  []any  `json:"k"`
}

// taskSortSpec describes a sort order: the key expressions in order and
// whether it descends.
type taskSortSpec struct {
	keys []string
	desc bool
}

const taskPriorityOrder = `CASE t.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END`

func taskSortSpecOf(sort string, across bool) taskSortSpec {
	switch sort {
	case TaskSortDue:
		return taskSortSpec{keys: []string{`COALESCE(t.due_date, '9999-12-31')`, `t.id`}}
	case TaskSortPriority:
		return taskSortSpec{keys: []string{taskPriorityOrder, `t.id`}}
	case TaskSortCreated:
		return taskSortSpec{keys: []string{`t.id`}, desc: true}
	case TaskSortUpdated:
		return taskSortSpec{keys: []string{`t.updated_at`, `t.id`}, desc: true}
	}
	if across {
		return taskSortSpec{keys: []string{`t.project_id`, `s.position`, `s.id`, `t.rank`}}
	}
	return taskSortSpec{keys: []string{`s.position`, `s.id`, `t.rank`}}
}

// keyOf returns the cursor key of t under sort (matching taskSortSpecOf).
func taskKeyOf(sort string, across bool, t Task, position int) []any {
	switch sort {
	case TaskSortDue:
		due := "9999-12-31"
		if t.DueDate != nil {
			due = t.DueDate.String()
		}
		return []any{due, t.ID}
	case TaskSortPriority:
		return []any{slices.Index([]string{PriorityUrgent, PriorityHigh, PriorityNormal, PriorityLow}, t.Priority), t.ID}
	case TaskSortCreated:
		return []any{t.ID}
	case TaskSortUpdated:
		return []any{db.T(t.UpdatedAt).Format(db.TimeLayout), t.ID}
	}
	if across {
		return []any{t.ProjectID, position, t.StatusID, t.Rank}
	}
	return []any{position, t.StatusID, t.Rank}
}

func encodeTaskCursor(c taskCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeTaskCursor reads a cursor for sort; the key's values come back in
// the types the query needs (numbers as int64, the rest as strings).
func decodeTaskCursor(s, sort string, spec taskSortSpec) ([]any, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errTaskCursor
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var c taskCursor
	if err := dec.Decode(&c); err != nil || c.Sort != sort || len(c.Key) != len(spec.keys) {
		return nil, errTaskCursor
	}
	out := make([]any, len(c.Key))
	for i, v := range c.Key {
		switch v := v.(type) {
		case json.Number:
			n, err := v.Int64()
			if err != nil {
				return nil, errTaskCursor
			}
			out[i] = n
		case string:
			if len(v) > 1000 {
				return nil, errTaskCursor
			}
			out[i] = v
		default:
			return nil, errTaskCursor
		}
	}
	if sort == TaskSortUpdated {
		var t db.Time
		if err := t.Scan(out[0]); err != nil {
			return nil, errTaskCursor
		}
		out[0] = db.T(t.Time)
	}
	return out, nil
}

// validTaskFilter checks f and fills its defaults.
func validTaskFilter(f *TaskFilter, defaultSort string) error {
	if f.Limit == 0 {
		f.Limit = TaskPageDefault
	}
	if f.Limit < 1 || f.Limit > TaskPageMax {
		return apperr.Invalidf("invalid_filter", "limit must be between 1 and %d", TaskPageMax).WithField("limit", "invalid_filter")
	}
	if f.Sort == "" {
		f.Sort = defaultSort
	}
	if !slices.Contains(TaskSorts, f.Sort) {
		return apperr.Invalidf("invalid_filter", "unknown sort").WithField("sort", "invalid_filter")
	}
	if f.Priority != "" && !slices.Contains(Priorities, f.Priority) {
		return apperr.Invalidf("invalid_filter", "unknown priority").WithField("priority", "invalid_filter")
	}
	if len(f.Query) > 200 {
		return apperr.Invalidf("invalid_filter", "q is too long").WithField("q", "invalid_filter")
	}
	return nil
}

// taskWhere adds the conditions of f to where/args.
func taskWhere(f TaskFilter, where []string, args []any) ([]string, []any) {
	if f.StatusID != 0 {
		where, args = append(where, `t.status_id = ?`), append(args, f.StatusID)
	}
	if f.AssigneeID != 0 {
		where, args = append(where, `EXISTS (SELECT 1 FROM task_assignees ta WHERE ta.task_id = t.id AND ta.user_id = ?)`), append(args, f.AssigneeID)
	}
	if f.LabelID != 0 {
		where, args = append(where, `EXISTS (SELECT 1 FROM task_labels tl WHERE tl.task_id = t.id AND tl.label_id = ?)`), append(args, f.LabelID)
	}
	if f.MilestoneID != 0 {
		where, args = append(where, `t.milestone_id = ?`), append(args, f.MilestoneID)
	}
	if f.Priority != "" {
		where, args = append(where, `t.priority = ?`), append(args, f.Priority)
	}
	if !f.DueBefore.IsZero() {
		where, args = append(where, `t.due_date < ?`), append(args, f.DueBefore.String())
	}
	if !f.DueAfter.IsZero() {
		where, args = append(where, `t.due_date > ?`), append(args, f.DueAfter.String())
	}
	if f.Query != "" {
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(f.Query))
		where, args = append(where, `LOWER(t.title) LIKE ? ESCAPE '\'`), append(args, "%"+esc+"%")
	}
	if f.Open {
		where = append(where, `s.category <> 'done'`)
	}
	return where, args
}

// listTasks runs the page query over the tasks matching where.
func (s *Service) listTasks(ctx context.Context, f TaskFilter, across bool, where []string, args []any, roles map[int64]Role) (TaskPage, error) {
	spec := taskSortSpecOf(f.Sort, across)
	where, args = taskWhere(f, where, args)
	if f.Cursor != "" {
		key, err := decodeTaskCursor(f.Cursor, f.Sort, spec)
		if err != nil {
			return TaskPage{}, err
		}
		op := ">"
		if spec.desc {
			op = "<"
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(key)), ", ")
		where = append(where, `(`+strings.Join(spec.keys, ", ")+`) `+op+` (`+marks+`)`)
		args = append(args, key...)
	}
	order := strings.Join(spec.keys, ", ")
	if spec.desc {
		order = strings.Join(spec.keys, " DESC, ") + " DESC"
	}
	query := `SELECT ` + taskFields + `, s.position FROM tasks t JOIN project_statuses s ON s.id = t.status_id
		WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + order + ` LIMIT ` + strconv.Itoa(f.Limit+1)
	positions := map[int64]int{}
	items, err := db.Query(ctx, s.db, func(row db.Scanner) (Task, error) {
		// taskFields plus the column position.
		var pos int
		t, err := scanTask(taskPosScanner{row, &pos})
		positions[t.ID] = pos
		return t, err
	}, query, args...)
	if err != nil {
		return TaskPage{}, fmt.Errorf("project: list tasks: %w", err)
	}
	var page TaskPage
	if len(items) > f.Limit {
		items = items[:f.Limit]
		last := items[len(items)-1]
		page.NextCursor = encodeTaskCursor(taskCursor{Sort: f.Sort, Key: taskKeyOf(f.Sort, across, last, positions[last.ID])})
	}
	for i := range items {
		items[i].Role = roles[items[i].ProjectID]
	}
	if err := s.fillTasks(ctx, s.db, items); err != nil {
		return TaskPage{}, err
	}
	if items == nil {
		items = []Task{}
	}
	page.Items = items
	return page, nil
}

// taskPosScanner appends the column position to the destinations of a
// taskFields scan.
type taskPosScanner struct {
	row db.Scanner
	pos *int
}

func (p taskPosScanner) Scan(dest ...any) error { return p.row.Scan(append(dest, p.pos)...) }

// ListProjectTasks returns a page of the tasks of project id (viewers
// read), in board order by default.
func (s *Service) ListProjectTasks(ctx context.Context, a actor.Actor, id int64, f TaskFilter) (TaskPage, error) {
	if err := validTaskFilter(&f, TaskSortRank); err != nil {
		return TaskPage{}, err
	}
	role, err := s.require(ctx, s.db, a, id, RoleViewer)
	if err != nil {
		return TaskPage{}, err
	}
	version, err := s.tasksVersion(ctx, id)
	if err != nil {
		return TaskPage{}, err
	}
	key := taskListKey{project: id, filter: f}
	if page, ok := s.lists.get(key, version, role); ok {
		return page, nil
	}
	page, err := s.listTasks(ctx, f, false, []string{`s.project_id = ?`}, []any{id}, map[int64]Role{id: role})
	if err != nil {
		return page, err
	}
	page.Version = version
	s.lists.put(key, version, page)
	return page, nil
}

// ListMyTasks returns a page of the tasks assigned to f.AssigneeID (0:
// a) in all projects a sees, by due date by default.
func (s *Service) ListMyTasks(ctx context.Context, a actor.Actor, f TaskFilter) (TaskPage, error) {
	if err := validTaskFilter(&f, TaskSortDue); err != nil {
		return TaskPage{}, err
	}
	if !a.Authenticated() {
		return TaskPage{}, errNotFound
	}
	if f.AssigneeID == 0 {
		f.AssigneeID = a.UserID
	}
	// The projects in which the person has tasks, narrowed to those a sees.
	projects, err := db.Query(ctx, s.db, taskScanID, `SELECT DISTINCT t.project_id FROM task_assignees ta JOIN tasks t ON t.id = ta.task_id
		WHERE ta.user_id = ?`, f.AssigneeID)
	if err != nil {
		return TaskPage{}, fmt.Errorf("project: my tasks: %w", err)
	}
	roles := map[int64]Role{}
	if len(projects) > 0 {
		visible, err := s.visible(ctx, s.db, a)
		if err != nil {
			return TaskPage{}, err
		}
		for _, p := range projects {
			if r, ok := visible[p]; ok {
				roles[p] = r
			}
		}
	}
	if len(roles) == 0 {
		return TaskPage{Items: []Task{}}, nil
	}
	ids := make([]int64, 0, len(roles))
	for p := range roles {
		ids = append(ids, p)
	}
	slices.Sort(ids)
	in, args := taskIDList(ids)
	page, err := s.listTasks(ctx, f, true, []string{`t.project_id IN (` + in + `)`}, args, roles)
	if err != nil || len(page.Items) == 0 {
		return page, err
	}
	names := map[int64]string{}
	rows, err := s.db.QueryContext(ctx, `SELECT id, name FROM projects WHERE id IN (`+in+`)`, args...)
	if err != nil {
		return page, fmt.Errorf("project: my tasks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return page, fmt.Errorf("project: my tasks: %w", err)
		}
		names[id] = name
	}
	for i := range page.Items {
		page.Items[i].ProjectName = names[page.Items[i].ProjectID]
	}
	return page, rows.Err()
}
