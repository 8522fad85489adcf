package project

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
	"ortlos/internal/notify"
)

// Comments on tasks (Markdown). Members comment; authors edit and delete
// their own comments, managers delete any. "@username" mentions a person
// who can see the project (notification task.mentioned); the watchers of
// the task except the author hear of every new comment (task.commented).

// MaxCommentBody is the longest comment.
const MaxCommentBody = 10000

// maxMentions bounds the people notified by one comment.
const maxMentions = 20

// TaskComment is a comment on a task.
type TaskComment struct {
	ID         int64
	TaskID     int64
	AuthorID   int64 // 0 when the author was removed
	AuthorName string
	Body       string
	CreatedAt  time.Time
	EditedAt   *time.Time
}

var errCommentNotOwn = apperr.Forbiddenf("task_comment_not_own", "only the author edits a comment")

// mentionRE finds "@username" (identity's username form) not preceded by
// a word character (so e-mail addresses do not mention).
var mentionRE = regexp.MustCompile(`(?:^|[^\w@.])@([a-z0-9][a-z0-9._-]{1,62}[a-z0-9])`)

// Mentions returns the usernames mentioned in body, each once, in order.
func Mentions(body string) []string {
	var out []string
	for _, m := range mentionRE.FindAllStringSubmatch(strings.ToLower(body), -1) {
		name := strings.TrimRight(m[1], ".-_")
		if len(name) >= 3 && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

func validCommentBody(body string) (string, error) {
	body = strings.TrimSpace(body)
	if n := utf8.RuneCountInString(body); n < 1 || n > MaxCommentBody || !utf8.ValidString(body) {
		return "", apperr.Invalidf("invalid_task_comment", "a comment has 1 to %d characters", MaxCommentBody).WithField("body", "invalid_task_comment")
	}
	return body, nil
}

const commentFields = `c.id, c.task_id, c.author_id, COALESCE(u.display_name, ''), c.body, c.created_at, c.edited_at`

func scanComment(row db.Scanner) (TaskComment, error) {
	var c TaskComment
	var author *int64
	var created db.Time
	var edited db.NullTime
	if err := row.Scan(&c.ID, &c.TaskID, &author, &c.AuthorName, &c.Body, &created, &edited); err != nil {
		return c, err
	}
	if author != nil {
		c.AuthorID = *author
	}
	c.CreatedAt, c.EditedAt = created.Time, edited.Ptr()
	return c, nil
}

func loadComment(ctx context.Context, q db.Querier, id int64) (TaskComment, error) {
	c, err := scanComment(q.QueryRowContext(ctx, `SELECT `+commentFields+` FROM task_comments c LEFT JOIN users u ON u.id = c.author_id WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errNotFound
	}
	if err != nil {
		return c, fmt.Errorf("project: comment: %w", err)
	}
	return c, nil
}

// ListTaskComments returns the comments of task taskID, oldest first.
func (s *Service) ListTaskComments(ctx context.Context, a actor.Actor, taskID int64) ([]TaskComment, error) {
	if _, err := s.taskFor(ctx, s.db, a, taskID, RoleViewer); err != nil {
		return nil, err
	}
	cs, err := db.Query(ctx, s.db, scanComment, `SELECT `+commentFields+` FROM task_comments c LEFT JOIN users u ON u.id = c.author_id
		WHERE c.task_id = ? ORDER BY c.id`, taskID)
	if err != nil {
		return nil, fmt.Errorf("project: comments: %w", err)
	}
	if cs == nil {
		cs = []TaskComment{}
	}
	return cs, nil
}

// AddTaskComment adds a comment by a to task taskID and notifies the
// mentioned people and the watchers.
func (s *Service) AddTaskComment(ctx context.Context, a actor.Actor, taskID int64, body string) (TaskComment, error) {
	body, err := validCommentBody(body)
	if err != nil {
		return TaskComment{}, err
	}
	var id int64
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		t, err := s.taskFor(ctx, tx, a, taskID, RoleMember)
		if err != nil {
			return nil, err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO task_comments (task_id, author_id, body, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			taskID, db.NullID(a.UserID), body, db.T(now)).Scan(&id); err != nil {
			return nil, fmt.Errorf("project: add comment: %w", err)
		}
		if err := s.commentNotes(ctx, tx, now, a, t, body, nil, true); err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "task.comment", ObjectType: "task", ObjectID: strconv.FormatInt(taskID, 10),
			Detail: map[string]any{"project_id": t.ProjectID, "comment_id": id}}}, nil
	})
	if err != nil {
		return TaskComment{}, err
	}
	return loadComment(ctx, s.db, id)
}

// commentNotes notifies the people mentioned in body (but not already in
// before) and, for a new comment, the watchers.
func (s *Service) commentNotes(ctx context.Context, tx *db.Tx, now time.Time, a actor.Actor, t Task, body string, before []string, watchers bool) error {
	if s.notifier == nil {
		return nil
	}
	name, err := taskActorName(ctx, tx, a)
	if err != nil {
		return err
	}
	var notes []notify.Note
	told := map[int64]bool{a.UserID: true}
	mentioned := 0
	for _, username := range Mentions(body) {
		if slices.Contains(before, username) || mentioned >= maxMentions {
			continue
		}
		var uid int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ? AND disabled = ?`, username, false).Scan(&uid)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("project: mention: %w", err)
		}
		if told[uid] {
			continue
		}
		if _, err := s.access(ctx, tx, actor.Actor{UserID: uid}, t.ProjectID); err != nil {
			if errors.Is(err, errNotFound) {
				continue
			}
			return err
		}
		told[uid] = true
		mentioned++
		notes = append(notes, taskNote(uid, "mentioned", t.ID, name, t.Title))
	}
	if watchers {
		ws, err := db.Query(ctx, tx, taskScanID, `SELECT user_id FROM task_watchers WHERE task_id = ? ORDER BY user_id`, t.ID)
		if err != nil {
			return fmt.Errorf("project: watchers: %w", err)
		}
		for _, w := range ws {
			if told[w] {
				continue
			}
			// A watcher who no longer sees the project hears nothing.
			if _, err := s.access(ctx, tx, actor.Actor{UserID: w}, t.ProjectID); err != nil {
				if errors.Is(err, errNotFound) {
					continue
				}
				return err
			}
			told[w] = true
			notes = append(notes, taskNote(w, "commented", t.ID, name, t.Title))
		}
	}
	return s.notify(ctx, tx, now, a, notes...)
}

// EditTaskComment changes the body of comment id; only its author may,
// with at least the member role. Newly mentioned people are notified.
func (s *Service) EditTaskComment(ctx context.Context, a actor.Actor, id int64, body string) (TaskComment, error) {
	body, err := validCommentBody(body)
	if err != nil {
		return TaskComment{}, err
	}
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		c, err := loadComment(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		t, err := s.taskFor(ctx, tx, a, c.TaskID, RoleMember)
		if err != nil {
			return nil, err
		}
		if c.AuthorID == 0 || c.AuthorID != a.UserID {
			return nil, errCommentNotOwn
		}
		if _, err := tx.ExecContext(ctx, `UPDATE task_comments SET body = ?, edited_at = ? WHERE id = ?`, body, db.T(now), id); err != nil {
			return nil, fmt.Errorf("project: edit comment: %w", err)
		}
		if err := s.commentNotes(ctx, tx, now, a, t, body, Mentions(c.Body), false); err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "task.comment_edit", ObjectType: "task", ObjectID: strconv.FormatInt(c.TaskID, 10),
			Detail: map[string]any{"project_id": t.ProjectID, "comment_id": id}}}, nil
	})
	if err != nil {
		return TaskComment{}, err
	}
	return loadComment(ctx, s.db, id)
}

// DeleteTaskComment removes comment id: its author (member or more) or a
// manager of the project.
func (s *Service) DeleteTaskComment(ctx context.Context, a actor.Actor, id int64) error {
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		c, err := loadComment(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		t, err := s.taskFor(ctx, tx, a, c.TaskID, RoleMember)
		if err != nil {
			return nil, err
		}
		if c.AuthorID != a.UserID && !t.Role.AtLeast(RoleManager) {
			return nil, errCommentNotOwn
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM task_comments WHERE id = ?`, id); err != nil {
			return nil, fmt.Errorf("project: delete comment: %w", err)
		}
		return []audit.Event{{Action: "task.comment_delete", ObjectType: "task", ObjectID: strconv.FormatInt(c.TaskID, 10),
			Detail: map[string]any{"project_id": t.ProjectID, "comment_id": id}}}, nil
	})
}
