package project

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/project/rank"
)

// Tasks (docs/tasks.md).
//
// Rights: a viewer of the project reads its tasks, a member creates, edits,
// moves and comments on them, a manager also deletes them. A task of a
// project the actor does not see answers 404 like a task that does not
// exist. Every decision goes through s.require (access.go).

// Task priorities, from least to most urgent.
const (
	PriorityLow    = "low"
	PriorityNormal = "normal"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"
)

// Priorities lists the task priorities from least to most urgent.
var Priorities = []string{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

// Limits of task fields.
const (
	MaxTaskTitle       = 300
	MaxTaskDescription = 20000
	// MaxTaskMinutes bounds estimates (about 1,666 hours).
	MaxTaskMinutes = 100000
	// maxTaskRefs bounds assignees, labels and dependencies per request.
	maxTaskRefs = 100
)

// TaskPerson is a person named on a task (assignee, watcher).
type TaskPerson struct {
	ID   int64
	Name string
}

// TaskLabel is a project label on a task.
type TaskLabel struct {
	ID    int64
	Name  string
	Color string
}

// ChecklistItem is one item of a task's checklist.
type ChecklistItem struct {
	ID       int64
	TaskID   int64
	Text     string
	Done     bool
	Position int
}

// Task is a card on a project's board.
type Task struct {
	ID        int64
	ProjectID int64
	StatusID  int64
	// StatusName is the name of the task's column; ProjectName is filled
	// by GetTask and ListMyTasks.
	StatusName  string
	ProjectName string
	Rank        string
	Title       string
	Description string
	Priority    string
	StartDate   *civil.Date
	DueDate     *civil.Date
	// EstimateMinutes and RemainingMinutes are nil without an estimate.
	EstimateMinutes  *int
	RemainingMinutes *int
	MilestoneID      int64 // 0: none
	Assignees        []TaskPerson
	Labels           []TaskLabel
	// Checklist, BlockedBy and Watchers are loaded by GetTask only.
	Checklist []ChecklistItem
	BlockedBy []int64
	Watchers  []TaskPerson
	Version   int
	CreatedAt time.Time
	CreatedBy int64
	UpdatedAt time.Time
	DoneAt    *time.Time
	// Done reports whether the task sits in a column of category done.
	Done bool
	// Role is the reader's role in the task's project.
	Role Role
	// Watching reports whether the reader watches the task (GetTask).
	Watching bool
}

// TaskWarning is a note about a change that was made but breaks a soft rule.
type TaskWarning struct {
	Code     string // WIP_LIMIT_EXCEEDED
	StatusID int64
	Limit    int
	Count    int
}

// WarnWIPLimit is the warning code of a column holding more cards than its
// WIP limit.
const WarnWIPLimit = "WIP_LIMIT_EXCEEDED"

// NewTask is the input of CreateTask.
type NewTask struct {
	StatusID        int64 // 0: the project's first column
	Title           string
	Description     string
	Priority        string // "" is normal
	StartDate       *civil.Date
	DueDate         *civil.Date
	EstimateMinutes *int
	// RemainingMinutes defaults to the estimate.
	RemainingMinutes *int
	MilestoneID      int64
	AssigneeIDs      []int64
	LabelIDs         []int64
	BlockedBy        []int64
}

// TaskUpdate is the input of UpdateTask: nil fields stay as they are.
// A zero date or MilestoneID 0 clears the field; a negative estimate or
// remaining clears it. AssigneeIDs and LabelIDs replace the lists when
// not nil. Version must be the version the change is based on.
type TaskUpdate struct {
	Version          int
	Title            *string
	Description      *string
	Priority         *string
	StartDate        *civil.Date
	DueDate          *civil.Date
	EstimateMinutes  *int
	RemainingMinutes *int
	MilestoneID      *int64
	AssigneeIDs      []int64
	LabelIDs         []int64
}

// TaskStaleError carries the current version of a task whose change was based
// on an older one (409 task_stale).
type TaskStaleError struct{ Version int }

func (e *TaskStaleError) Error() string {
	return "task: stale version, current " + strconv.Itoa(e.Version)
}

// errTaskStale returns 409 task_stale with the current version.
func errTaskStale(current int) error {
	return apperr.Wrap(apperr.Conflict, "task_stale", "the task was changed in the meantime", &TaskStaleError{Version: current})
}

var (
	errTaskMoveStale = apperr.Conflictf("task_move_stale", "the card to place the task after is no longer in that column")
	errTaskCycle     = apperr.Conflictf("task_dependency_cycle", "this dependency would close a cycle")
	errTaskRankBusy  = apperr.Conflictf("task_rank_busy", "another change took this place on the board; try again")
	errTaskNoColumn  = apperr.Conflictf("task_project_no_status", "the project has no board column")
)

// taskFields are the columns read into a Task, from tasks t joined with
// project_statuses s.
const taskFields = `t.id, t.project_id, t.status_id, t.rank, t.title, t.description, t.priority, t.start_date, t.due_date,
	t.estimate_minutes, t.remaining_minutes, t.milestone_id, t.created_at, t.created_by, t.updated_at, t.done_at, t.version, s.category, s.name`

// scanTask reads the taskFields of a row.
func scanTask(row db.Scanner) (Task, error) {
	var t Task
	var start, due *string
	var est, rem *int
	var ms, by *int64
	var created, updated db.Time
	var done db.NullTime
	var category string
	if err := row.Scan(&t.ID, &t.ProjectID, &t.StatusID, &t.Rank, &t.Title, &t.Description, &t.Priority, &start, &due,
		&est, &rem, &ms, &created, &by, &updated, &done, &t.Version, &category, &t.StatusName); err != nil {
		return t, err
	}
	var err error
	if t.StartDate, err = taskDate(start); err != nil {
		return t, err
	}
	if t.DueDate, err = taskDate(due); err != nil {
		return t, err
	}
	t.EstimateMinutes, t.RemainingMinutes = est, rem
	if ms != nil {
		t.MilestoneID = *ms
	}
	if by != nil {
		t.CreatedBy = *by
	}
	t.CreatedAt, t.UpdatedAt, t.DoneAt = created.Time, updated.Time, done.Ptr()
	t.Done = category == "done"
	return t, nil
}

func taskDate(s *string) (*civil.Date, error) {
	if s == nil {
		return nil, nil
	}
	d, err := civil.Parse(*s)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

func taskIntArg(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// loadTask reads task id without access check; errNotFound when missing.
func loadTask(ctx context.Context, q db.Querier, id int64) (Task, error) {
	t, err := scanTask(q.QueryRowContext(ctx, `SELECT `+taskFields+` FROM tasks t JOIN project_statuses s ON s.id = t.status_id WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, errNotFound
	}
	if err != nil {
		return t, fmt.Errorf("project: load task: %w", err)
	}
	return t, nil
}

// taskFor reads task id and checks that a holds at least min in its
// project (404 when a does not see it).
func (s *Service) taskFor(ctx context.Context, q db.Querier, a actor.Actor, id int64, min Role) (Task, error) {
	if !a.Authenticated() {
		return Task{}, errNotFound
	}
	t, err := loadTask(ctx, q, id)
	if err != nil {
		return t, err
	}
	role, err := s.require(ctx, q, a, t.ProjectID, min)
	if err != nil {
		return t, err
	}
	t.Role = role
	return t, nil
}

// validTitle trims and checks a title.
func validTaskTitle(title string) (string, error) {
	title = strings.TrimSpace(title)
	if n := utf8.RuneCountInString(title); n < 1 || n > MaxTaskTitle || !utf8.ValidString(title) {
		return "", apperr.Invalidf("invalid_task_title", "a title has 1 to %d characters", MaxTaskTitle).WithField("title", "invalid_task_title")
	}
	return title, nil
}

func validTaskDescription(d string) error {
	if utf8.RuneCountInString(d) > MaxTaskDescription || !utf8.ValidString(d) {
		return apperr.Invalidf("task_description_too_long", "a description has at most %d characters", MaxTaskDescription).WithField("description", "task_description_too_long")
	}
	return nil
}

func validTaskPriority(p string) error {
	if !slices.Contains(Priorities, p) {
		return apperr.Invalidf("invalid_task_priority", "unknown priority").WithField("priority", "invalid_task_priority")
	}
	return nil
}

func validTaskDates(start, due *civil.Date) error {
	if start != nil && due != nil && !start.IsZero() && !due.IsZero() && due.Before(*start) {
		return apperr.Invalidf("invalid_task_dates", "the due date lies before the start date").WithField("due_date", "invalid_task_dates")
	}
	return nil
}

func validTaskMinutes(field string, m *int) error {
	if m != nil && *m > MaxTaskMinutes {
		return apperr.Invalidf("invalid_task_minutes", "at most %d minutes", MaxTaskMinutes).WithField(field, "invalid_task_minutes")
	}
	return nil
}

// taskColumn is a board column as the task code needs it.
type taskColumn struct {
	ID        int64
	ProjectID int64
	Category  string
	WIPLimit  *int
}

// column reads status id and checks it belongs to project; 422
// unknown_task_status otherwise.
func taskColumnByID(ctx context.Context, q db.Querier, project, id int64) (taskColumn, error) {
	c := taskColumn{ID: id}
	err := q.QueryRowContext(ctx, `SELECT project_id, category, wip_limit FROM project_statuses WHERE id = ?`, id).Scan(&c.ProjectID, &c.Category, &c.WIPLimit)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && c.ProjectID != project) {
		return c, apperr.Invalidf("unknown_task_status", "no such column in this project").WithField("status_id", "unknown_task_status")
	}
	if err != nil {
		return c, fmt.Errorf("project: column: %w", err)
	}
	return c, nil
}

// firstColumn returns the project's first column.
func taskFirstColumn(ctx context.Context, q db.Querier, project int64) (taskColumn, error) {
	c := taskColumn{ProjectID: project}
	err := q.QueryRowContext(ctx, `SELECT id, category, wip_limit FROM project_statuses WHERE project_id = ? ORDER BY position, id LIMIT 1`, project).Scan(&c.ID, &c.Category, &c.WIPLimit)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errTaskNoColumn
	}
	if err != nil {
		return c, fmt.Errorf("project: first column: %w", err)
	}
	return c, nil
}

// wipWarning returns the WIP warning of column c when it holds more cards
// than its limit.
func taskWIPWarning(ctx context.Context, q db.Querier, c taskColumn) ([]TaskWarning, error) {
	if c.WIPLimit == nil {
		return nil, nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM tasks WHERE status_id = ?`, c.ID).Scan(&n); err != nil {
		return nil, fmt.Errorf("project: wip count: %w", err)
	}
	if n <= *c.WIPLimit {
		return nil, nil
	}
	return []TaskWarning{{Code: WarnWIPLimit, StatusID: c.ID, Limit: *c.WIPLimit, Count: n}}, nil
}

// checkMilestone checks that milestone id belongs to project.
func checkTaskMilestone(ctx context.Context, q db.Querier, project, id int64) error {
	if id == 0 {
		return nil
	}
	var p int64
	err := q.QueryRowContext(ctx, `SELECT project_id FROM milestones WHERE id = ?`, id).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && p != project) {
		return apperr.Invalidf("unknown_task_milestone", "no such milestone in this project").WithField("milestone_id", "unknown_task_milestone")
	}
	if err != nil {
		return fmt.Errorf("project: milestone: %w", err)
	}
	return nil
}

// uniqueIDs returns ids without duplicates, refusing non-positive ids and
// overlong lists with code on field.
func taskUniqueIDs(ids []int64, field, code string) ([]int64, error) {
	if len(ids) > maxTaskRefs {
		return nil, apperr.Invalidf(code, "too many entries").WithField(field, code)
	}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id <= 0 {
			return nil, apperr.Invalidf(code, "invalid id").WithField(field, code)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// rankRetries bounds the retries of a transaction that lost a race for a
// rank (PostgreSQL: two writers placing cards into the same gap).
const rankRetries = 3

// writeRanked runs s.write and retries it when it fails on a unique
// violation (the tasks_column_rank index); after the last try it answers
// 409 task_rank_busy, never an internal error.
func (s *Service) writeRanked(ctx context.Context, a actor.Actor, fn func(tx *db.Tx, now time.Time) ([]audit.Event, error)) error {
	var err error
	for range rankRetries {
		err = s.write(ctx, a, fn)
		if !db.IsUniqueViolation(err) {
			return err
		}
	}
	return errTaskRankBusy
}

// CreateTask adds a task at the bottom of column n.StatusID (default: the
// project's first column). Members and managers create tasks. The creator
// and the assignees watch the task; new assignees are notified.
func (s *Service) CreateTask(ctx context.Context, a actor.Actor, projectID int64, n NewTask) (Task, []TaskWarning, error) {
	title, err := validTaskTitle(n.Title)
	if err != nil {
		return Task{}, nil, err
	}
	if n.Priority == "" {
		n.Priority = PriorityNormal
	}
	if err := errors.Join(validTaskDescription(n.Description), validTaskPriority(n.Priority), validTaskDates(n.StartDate, n.DueDate),
		validTaskMinutes("estimate_minutes", n.EstimateMinutes), validTaskMinutes("remaining_minutes", n.RemainingMinutes)); err != nil {
		return Task{}, nil, taskFirstErr(err)
	}
	if n.EstimateMinutes != nil && *n.EstimateMinutes < 0 || n.RemainingMinutes != nil && *n.RemainingMinutes < 0 {
		return Task{}, nil, apperr.Invalidf("invalid_task_minutes", "minutes are not negative").WithField("estimate_minutes", "invalid_task_minutes")
	}
	assignees, err := taskUniqueIDs(n.AssigneeIDs, "assignee_ids", "task_assignee_not_member")
	if err != nil {
		return Task{}, nil, err
	}
	labels, err := taskUniqueIDs(n.LabelIDs, "label_ids", "unknown_task_label")
	if err != nil {
		return Task{}, nil, err
	}
	blockers, err := taskUniqueIDs(n.BlockedBy, "blocked_by", "unknown_task_dependency")
	if err != nil {
		return Task{}, nil, err
	}
	remaining := n.RemainingMinutes
	if remaining == nil {
		remaining = n.EstimateMinutes
	}
	var id int64
	var warnings []TaskWarning
	var ev Event // published after the commit
	err = s.writeRanked(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.require(ctx, tx, a, projectID, RoleMember); err != nil {
			return nil, err
		}
		var col taskColumn
		var err error
		if n.StatusID == 0 {
			col, err = taskFirstColumn(ctx, tx, projectID)
		} else {
			col, err = taskColumnByID(ctx, tx, projectID, n.StatusID)
		}
		if err != nil {
			return nil, err
		}
		if err := checkTaskMilestone(ctx, tx, projectID, n.MilestoneID); err != nil {
			return nil, err
		}
		var last *string
		if err := tx.QueryRowContext(ctx, `SELECT MAX(rank) FROM tasks WHERE status_id = ?`, col.ID).Scan(&last); err != nil {
			return nil, fmt.Errorf("project: last rank: %w", err)
		}
		r, err := rank.Between(taskDeref(last), "")
		if err != nil {
			return nil, fmt.Errorf("project: rank: %w", err)
		}
		rem := remaining
		var doneAt *time.Time
		if col.Category == "done" {
			zero := 0
			rem, doneAt = &zero, &now
			if n.EstimateMinutes == nil {
				rem = nil
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO tasks (project_id, status_id, rank, title, description, priority, start_date, due_date,
			estimate_minutes, remaining_minutes, milestone_id, created_at, created_by, updated_at, done_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			projectID, col.ID, r, title, n.Description, n.Priority, db.NullDate(n.StartDate), db.NullDate(n.DueDate),
			taskIntArg(n.EstimateMinutes), taskIntArg(rem), db.NullID(n.MilestoneID), db.T(now), db.NullID(a.UserID), db.T(now), db.NT(doneAt)).Scan(&id); err != nil {
			return nil, fmt.Errorf("project: insert task: %w", err)
		}
		if err := s.setTaskAssignees(ctx, tx, now, a, id, projectID, title, assignees); err != nil {
			return nil, err
		}
		if err := setTaskLabels(ctx, tx, id, projectID, labels); err != nil {
			return nil, err
		}
		for _, b := range blockers {
			if err := s.addTaskDependency(ctx, tx, a, id, b); err != nil {
				return nil, err
			}
		}
		if err := addTaskWatchers(ctx, tx, id, a.UserID); err != nil {
			return nil, err
		}
		if warnings, err = taskWIPWarning(ctx, tx, col); err != nil {
			return nil, err
		}
		ev = Event{Type: EventTaskCreated, ProjectID: projectID, TaskID: id, StatusID: col.ID, Rank: r, Version: 1}
		return []audit.Event{{Action: "task.create", ObjectType: "task", ObjectID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"project_id": projectID, "status_id": col.ID}}}, nil
	})
	if err != nil {
		return Task{}, nil, err
	}
	s.publish(ctx, ev)
	t, err := s.GetTask(ctx, a, id)
	return t, warnings, err
}

// firstErr returns the first error of a joined error.
func taskFirstErr(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		if errs := j.Unwrap(); len(errs) > 0 {
			return errs[0]
		}
	}
	return err
}

func taskDeref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// GetTask returns task id with its assignees, labels, checklist,
// dependencies and watchers. Viewers read tasks.
func (s *Service) GetTask(ctx context.Context, a actor.Actor, id int64) (Task, error) {
	t, err := s.taskFor(ctx, s.db, a, id, RoleViewer)
	if err != nil {
		return t, err
	}
	ts := []Task{t}
	if err := s.fillTasks(ctx, s.db, ts); err != nil {
		return t, err
	}
	t = ts[0]
	if t.Checklist, err = taskChecklist(ctx, s.db, id); err != nil {
		return t, err
	}
	if t.BlockedBy, err = db.Query(ctx, s.db, taskScanID, `SELECT blocked_by_id FROM task_dependencies WHERE task_id = ? ORDER BY blocked_by_id`, id); err != nil {
		return t, fmt.Errorf("project: dependencies: %w", err)
	}
	if t.Watchers, err = db.Query(ctx, s.db, taskScanPerson, `SELECT u.id, u.display_name FROM task_watchers w JOIN users u ON u.id = w.user_id
		WHERE w.task_id = ? ORDER BY u.display_name, u.id`, id); err != nil {
		return t, fmt.Errorf("project: watchers: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT name FROM projects WHERE id = ?`, t.ProjectID).Scan(&t.ProjectName); err != nil {
		return t, fmt.Errorf("project: task project: %w", err)
	}
	t.Watching = slices.ContainsFunc(t.Watchers, func(p TaskPerson) bool { return p.ID == a.UserID })
	return t, nil
}

func taskScanID(row db.Scanner) (int64, error) {
	var id int64
	err := row.Scan(&id)
	return id, err
}

func taskScanPerson(row db.Scanner) (TaskPerson, error) {
	var p TaskPerson
	err := row.Scan(&p.ID, &p.Name)
	return p, err
}

// UpdateTask changes the fields of u that are set. Members and managers
// edit tasks; a change based on an older version answers 409 task_stale.
func (s *Service) UpdateTask(ctx context.Context, a actor.Actor, id int64, u TaskUpdate) (Task, error) {
	if u.Title != nil {
		t, err := validTaskTitle(*u.Title)
		if err != nil {
			return Task{}, err
		}
		u.Title = &t
	}
	if u.Description != nil {
		if err := validTaskDescription(*u.Description); err != nil {
			return Task{}, err
		}
	}
	if u.Priority != nil {
		if err := validTaskPriority(*u.Priority); err != nil {
			return Task{}, err
		}
	}
	if err := errors.Join(validTaskMinutes("estimate_minutes", u.EstimateMinutes), validTaskMinutes("remaining_minutes", u.RemainingMinutes)); err != nil {
		return Task{}, taskFirstErr(err)
	}
	var assignees, labels []int64
	var err error
	if u.AssigneeIDs != nil {
		if assignees, err = taskUniqueIDs(u.AssigneeIDs, "assignee_ids", "task_assignee_not_member"); err != nil {
			return Task{}, err
		}
	}
	if u.LabelIDs != nil {
		if labels, err = taskUniqueIDs(u.LabelIDs, "label_ids", "unknown_task_label"); err != nil {
			return Task{}, err
		}
	}
	var ev Event // published after the commit
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		t, err := s.taskFor(ctx, tx, a, id, RoleMember)
		if err != nil {
			return nil, err
		}
		if u.Version != t.Version {
			return nil, errTaskStale(t.Version)
		}
		changed := []string{}
		if u.Title != nil && *u.Title != t.Title {
			t.Title = *u.Title
			changed = append(changed, "title")
		}
		if u.Description != nil && *u.Description != t.Description {
			t.Description = *u.Description
			changed = append(changed, "description")
		}
		if u.Priority != nil && *u.Priority != t.Priority {
			t.Priority = *u.Priority
			changed = append(changed, "priority")
		}
		if u.StartDate != nil {
			t.StartDate = taskDateOrNil(*u.StartDate)
			changed = append(changed, "start_date")
		}
		if u.DueDate != nil {
			t.DueDate = taskDateOrNil(*u.DueDate)
			changed = append(changed, "due_date")
		}
		if err := validTaskDates(t.StartDate, t.DueDate); err != nil {
			return nil, err
		}
		if u.EstimateMinutes != nil {
			old := t.EstimateMinutes
			t.EstimateMinutes = taskMinutesOrNil(*u.EstimateMinutes)
			// The remaining effort follows the estimate until someone sets
			// it apart (and stays 0 on a done task).
			if u.RemainingMinutes == nil && !t.Done && (t.RemainingMinutes == nil || old != nil && *t.RemainingMinutes == *old) {
				t.RemainingMinutes = t.EstimateMinutes
			}
			changed = append(changed, "estimate_minutes")
		}
		if u.RemainingMinutes != nil {
			t.RemainingMinutes = taskMinutesOrNil(*u.RemainingMinutes)
			changed = append(changed, "remaining_minutes")
		}
		if u.MilestoneID != nil {
			if err := checkTaskMilestone(ctx, tx, t.ProjectID, *u.MilestoneID); err != nil {
				return nil, err
			}
			t.MilestoneID = *u.MilestoneID
			changed = append(changed, "milestone_id")
		}
		if u.AssigneeIDs != nil {
			if err := s.setTaskAssignees(ctx, tx, now, a, id, t.ProjectID, t.Title, assignees); err != nil {
				return nil, err
			}
			changed = append(changed, "assignees")
		}
		if u.LabelIDs != nil {
			if err := setTaskLabels(ctx, tx, id, t.ProjectID, labels); err != nil {
				return nil, err
			}
			changed = append(changed, "labels")
		}
		res, err := tx.ExecContext(ctx, `UPDATE tasks SET title = ?, description = ?, priority = ?, start_date = ?, due_date = ?,
			estimate_minutes = ?, remaining_minutes = ?, milestone_id = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND version = ?`,
			t.Title, t.Description, t.Priority, db.NullDate(t.StartDate), db.NullDate(t.DueDate),
			taskIntArg(t.EstimateMinutes), taskIntArg(t.RemainingMinutes), db.NullID(t.MilestoneID), db.T(now), id, t.Version)
		if err != nil {
			return nil, fmt.Errorf("project: update task: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return nil, errTaskStale(t.Version)
		}
		ev = Event{Type: EventTaskUpdated, ProjectID: t.ProjectID, TaskID: id, StatusID: t.StatusID, Rank: t.Rank, Version: t.Version + 1}
		return []audit.Event{{Action: "task.update", ObjectType: "task", ObjectID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"project_id": t.ProjectID, "fields": changed}}}, nil
	})
	if err != nil {
		return Task{}, err
	}
	s.publish(ctx, ev)
	return s.GetTask(ctx, a, id)
}

func taskDateOrNil(d civil.Date) *civil.Date {
	if d.IsZero() {
		return nil
	}
	return &d
}

func taskMinutesOrNil(m int) *int {
	if m < 0 {
		return nil
	}
	return &m
}

// DeleteTask removes task id with its checklist, comments, links and
// attachments' records. Only managers delete tasks.
func (s *Service) DeleteTask(ctx context.Context, a actor.Actor, id int64) error {
	var ev Event      // published after the commit
	var shas []string // attachment contents to collect after the commit
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		t, err := s.taskFor(ctx, tx, a, id, RoleManager)
		if err != nil {
			return nil, err
		}
		ev = Event{Type: EventTaskDeleted, ProjectID: t.ProjectID, TaskID: id, StatusID: t.StatusID}
		// The attachments' content is collected after the commit when no
		// other attachment shares it.
		if shas, err = db.Query(ctx, tx, func(sc db.Scanner) (string, error) {
			var sha string
			err := sc.Scan(&sha)
			return sha, err
		}, `SELECT DISTINCT sha256 FROM task_files WHERE task_id = ?`, id); err != nil {
			return nil, fmt.Errorf("project: delete task: files: %w", err)
		}
		// Explicit deletes: PostgreSQL and SQLite both cascade, but being
		// explicit keeps the statement independent of foreign_keys.
		for _, q := range []string{
			`DELETE FROM task_assignees WHERE task_id = ?`,
			`DELETE FROM task_labels WHERE task_id = ?`,
			`DELETE FROM task_checklist WHERE task_id = ?`,
			`DELETE FROM task_comments WHERE task_id = ?`,
			`DELETE FROM task_files WHERE task_id = ?`,
			`DELETE FROM task_dependencies WHERE task_id = ? OR blocked_by_id = ?`,
			`DELETE FROM task_watchers WHERE task_id = ?`,
			`DELETE FROM tasks WHERE id = ?`,
		} {
			args := []any{id}
			if strings.Count(q, "?") == 2 {
				args = append(args, id)
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return nil, fmt.Errorf("project: delete task: %w", err)
			}
		}
		return []audit.Event{{Action: "task.delete", ObjectType: "task", ObjectID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"project_id": t.ProjectID}}}, nil
	})
	if err != nil {
		return err
	}
	s.publish(ctx, ev)
	for _, sha := range shas {
		if err := s.collectBlob(ctx, sha); err != nil {
			// The task is gone; an uncollected blob is an orphan that
			// `ortlos doctor` reports.
			s.log.WarnContext(ctx, "project: collect attachment content", "task", id, "err", err)
		}
	}
	return nil
}
