// Package notify keeps the notifications of each person: messages about
// something they must act on or should know (an absence request waiting for
// their decision, a decision about their request, later tasks). Modules add
// notifications inside the transaction of the change they report, so a
// notification exists exactly when its change does. When SMTP is
// configured, a background sender also delivers them by e-mail (mail.go,
// deliver.go), at least once, retrying with back-off.
//
// The text of a notification is not stored: it is rendered when read, in the
// reader's language, from its kind (the catalogue key "notify.<kind>") and
// its arguments. Arguments are names, dates and numbers; modules must never
// put health data or secrets into them, because e-mail leaves the system.
package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/i18n"
)

// Note is a notification to be added.
type Note struct {
	UserID int64  // the recipient
	Kind   string // e.g. "absence.decide"; its text is the catalogue key "notify.<Kind>"
	// Args fill the text's %s verbs in order: strings (names, titles) or
	// civil.Date values (formatted in the reader's language).
	Args []any
	Link string // path inside ortlos, e.g. "/absences/12"
}

// Notification is a stored notification.
type Notification struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"` // rendered in the reader's language
	Link      string    `json:"link"`
	CreatedAt time.Time `json:"created_at"`
	ReadAt    time.Time `json:"read_at,omitzero"`
	// MailState: none, pending, sent, skipped or failed.
	MailState string `json:"mail_state"`

	args []arg
}

// Unread reports whether n has not been marked read.
func (n Notification) Unread() bool { return n.ReadAt.IsZero() }

// arg is one stored argument: S for text, D for a date (YYYY-MM-DD).
type arg struct {
	S string `json:"s,omitempty"`
	D string `json:"d,omitempty"`
}

// Service stores and lists notifications.
type Service struct {
	db    *db.DB
	clock clock.Clock
	loc   *time.Location
	// mail is set when SMTP is configured: new notifications are then
	// queued for e-mail delivery.
	mail *Mailer
	wake chan struct{}
}

// NewService returns a notification service that formats dates in loc.
func NewService(d *db.DB, c clock.Clock, loc *time.Location) *Service {
	return &Service{db: d, clock: c, loc: loc, wake: make(chan struct{}, 1)}
}

// WithMail returns a copy of s that queues new notifications for e-mail
// delivery through m (nil: no e-mail).
func (s *Service) WithMail(m *Mailer) *Service {
	c := *s
	c.mail = m
	return &c
}

// MailConfigured reports whether notifications also go out by e-mail.
func (s *Service) MailConfigured() bool { return s.mail != nil }

var (
	errNotFound      = apperr.NotFoundf("not_found", "not found")
	errReadOnlyToken = apperr.Forbiddenf("token_scope", "read-only token")
)

// Add stores notes inside tx, the transaction of the change they report.
// Notes to nobody (UserID 0) and to the actor themselves are dropped: nobody
// needs to be told what they just did.
func (s *Service) Add(ctx context.Context, tx *db.Tx, now time.Time, a actor.Actor, notes ...Note) error {
	state := "none"
	var next db.NullTime
	if s.mail != nil {
		state, next = "pending", db.NT(&now)
	}
	added := false
	for _, n := range notes {
		if n.UserID == 0 || n.UserID == a.UserID {
			continue
		}
		args, err := encodeArgs(n.Args)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, args, link, created_at, mail_state, mail_next_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, n.UserID, n.Kind, args, n.Link, db.T(now), state, next); err != nil {
			return fmt.Errorf("notify: add: %w", err)
		}
		added = true
	}
	if added && s.mail != nil {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

func encodeArgs(in []any) (string, error) {
	out := make([]arg, len(in))
	for i, v := range in {
		switch v := v.(type) {
		case string:
			out[i].S = clean(v)
		case civil.Date:
			out[i].D = v.String()
		case int:
			out[i].S = strconv.Itoa(v)
		case int64:
			out[i].S = strconv.FormatInt(v, 10)
		default:
			return "", fmt.Errorf("notify: argument %d has unsupported type %T", i, v)
		}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// clean removes control characters (line breaks could forge e-mail
// headers) and bounds the length of an argument.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// render returns the text of a notification in l's language.
func (s *Service) render(l i18n.Localizer, kind string, args []arg) string {
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = a.S
		if a.D != "" {
			if d, err := civil.Parse(a.D); err == nil {
				vals[i] = l.Date(d.Start(s.loc), s.loc)
			}
		}
	}
	return l.T("notify."+kind, vals...)
}

// Filter selects notifications of List.
type Filter struct {
	UnreadOnly bool
	BeforeID   int64 // only notifications with a smaller id (paging); 0: from the newest
	Limit      int   // 1..200; 0 means 50
}

// Page is one page of notifications, newest first.
type Page struct {
	Items  []Notification `json:"items"`
	Unread int            `json:"unread"`
	// NextBeforeID continues the list (0: no more).
	NextBeforeID int64 `json:"next_before_id,omitempty"`
}

// List returns the actor's own notifications, newest first, with texts in
// lang. Nobody reads another person's notifications.
func (s *Service) List(ctx context.Context, a actor.Actor, lang string, f Filter) (Page, error) {
	if !a.Authenticated() {
		return Page{}, errNotFound
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	if f.Limit < 1 || f.Limit > 200 || f.BeforeID < 0 {
		return Page{}, apperr.Invalidf("invalid_filter", "limit must be 1 to 200").WithField("limit", "invalid_filter")
	}
	q := "SELECT id, kind, args, link, created_at, read_at, mail_state FROM notifications WHERE user_id = ?"
	params := []any{a.UserID}
	if f.UnreadOnly {
		q += " AND read_at IS NULL"
	}
	if f.BeforeID > 0 {
		q += " AND id < ?"
		params = append(params, f.BeforeID)
	}
	q += " ORDER BY id DESC LIMIT ?"
	params = append(params, f.Limit+1)
	items, err := db.Query(ctx, s.db, scanNotification, q, params...)
	if err != nil {
		return Page{}, fmt.Errorf("notify: list: %w", err)
	}
	var p Page
	if len(items) > f.Limit {
		items = items[:f.Limit]
		p.NextBeforeID = items[len(items)-1].ID
	}
	l := i18n.For(lang)
	for i := range items {
		items[i].Text = s.render(l, items[i].Kind, items[i].args)
	}
	p.Items = items
	if p.Items == nil {
		p.Items = []Notification{}
	}
	if p.Unread, err = s.Unread(ctx, a.UserID); err != nil {
		return Page{}, err
	}
	return p, nil
}

func scanNotification(sc db.Scanner) (Notification, error) {
	var n Notification
	var args string
	var created db.Time
	var read db.NullTime
	if err := sc.Scan(&n.ID, &n.Kind, &args, &n.Link, &created, &read, &n.MailState); err != nil {
		return n, err
	}
	n.CreatedAt = created.Time
	if read.Valid {
		n.ReadAt = read.Time
	}
	if err := json.Unmarshal([]byte(args), &n.args); err != nil {
		return n, fmt.Errorf("notify: arguments of %d: %w", n.ID, err)
	}
	return n, nil
}

// Unread counts the unread notifications of userID.
func (s *Service) Unread(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("notify: count: %w", err)
	}
	return n, nil
}

// MarkRead marks the actor's notification id read and returns its link.
// Marking a read notification again changes nothing.
func (s *Service) MarkRead(ctx context.Context, a actor.Actor, id int64) (string, error) {
	if !a.Authenticated() {
		return "", errNotFound
	}
	if !a.CanWrite() {
		return "", errReadOnlyToken
	}
	var link string
	err := audit.Write(ctx, s.db, s.clock.Now(), a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		var read db.NullTime
		err := tx.QueryRowContext(ctx, "SELECT link, read_at FROM notifications WHERE id = ? AND user_id = ?", id, a.UserID).Scan(&link, &read)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("notify: read: %w", err)
		}
		if read.Valid {
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE notifications SET read_at = ? WHERE id = ?", db.T(now), id); err != nil {
			return nil, fmt.Errorf("notify: mark read: %w", err)
		}
		return []audit.Event{{Action: "notification.read", ObjectType: "notification", ObjectID: strconv.FormatInt(id, 10)}}, nil
	})
	return link, err
}

// MarkAllRead marks all of the actor's notifications read and returns how
// many were unread.
func (s *Service) MarkAllRead(ctx context.Context, a actor.Actor) (int, error) {
	if !a.Authenticated() {
		return 0, errNotFound
	}
	if !a.CanWrite() {
		return 0, errReadOnlyToken
	}
	var count int64
	err := audit.Write(ctx, s.db, s.clock.Now(), a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		res, err := tx.ExecContext(ctx, "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL", db.T(now), a.UserID)
		if err != nil {
			return nil, fmt.Errorf("notify: mark all read: %w", err)
		}
		if count, err = res.RowsAffected(); err != nil || count == 0 {
			return nil, err
		}
		return []audit.Event{{Action: "notification.read_all", ObjectType: "user", ObjectID: strconv.FormatInt(a.UserID, 10),
			Detail: map[string]any{"count": count}}}, nil
	})
	return int(count), err
}

// Settings are a person's notification preferences.
type Settings struct {
	// Email: notifications also go out by e-mail (when the organisation
	// has configured SMTP and the person has an address).
	Email bool `json:"email"`
	// MailConfigured: the organisation sends e-mail at all.
	MailConfigured bool `json:"mail_configured"`
	// Address is the person's e-mail address ("" when none is known).
	Address string `json:"address"`
}

// GetSettings returns the actor's preferences.
func (s *Service) GetSettings(ctx context.Context, a actor.Actor) (Settings, error) {
	if !a.Authenticated() {
		return Settings{}, errNotFound
	}
	st := Settings{MailConfigured: s.mail != nil}
	var email sql.NullBool
	err := s.db.QueryRowContext(ctx, `SELECT u.email, ns.email FROM users u LEFT JOIN notification_settings ns ON ns.user_id = u.id WHERE u.id = ?`, a.UserID).
		Scan(&st.Address, &email)
	if err != nil {
		return Settings{}, fmt.Errorf("notify: settings: %w", err)
	}
	st.Email = !email.Valid || email.Bool
	return st, nil
}

// SetEmail turns e-mail delivery of the actor's notifications on or off.
func (s *Service) SetEmail(ctx context.Context, a actor.Actor, on bool) (Settings, error) {
	if !a.Authenticated() {
		return Settings{}, errNotFound
	}
	if !a.CanWrite() {
		return Settings{}, errReadOnlyToken
	}
	err := audit.Write(ctx, s.db, s.clock.Now(), a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		var cur sql.NullBool
		err := tx.QueryRowContext(ctx, "SELECT email FROM notification_settings WHERE user_id = ?", a.UserID).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("notify: settings: %w", err)
		}
		if (!cur.Valid || cur.Bool) == on {
			return nil, nil
		}
		if cur.Valid {
			_, err = tx.ExecContext(ctx, "UPDATE notification_settings SET email = ?, updated_at = ? WHERE user_id = ?", on, db.T(now), a.UserID)
		} else {
			_, err = tx.ExecContext(ctx, "INSERT INTO notification_settings (user_id, email, updated_at) VALUES (?, ?, ?)", a.UserID, on, db.T(now))
		}
		if err != nil {
			return nil, fmt.Errorf("notify: set settings: %w", err)
		}
		return []audit.Event{{Action: "notification.settings", ObjectType: "user", ObjectID: strconv.FormatInt(a.UserID, 10),
			Detail: map[string]any{"email": on}}}, nil
	})
	if err != nil {
		return Settings{}, err
	}
	return s.GetSettings(ctx, a)
}

// Retention of notifications: read ones go after ReadRetention, all after
// MaxRetention (docs/privacy.md).
const (
	ReadRetention = 90 * 24 * time.Hour
	MaxRetention  = 365 * 24 * time.Hour
)

// Purge deletes notifications past their retention and returns how many.
// It is housekeeping of messages whose changes are in the audit trail, so
// it writes no audit record of its own.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	now := s.clock.Now()
	res, err := s.db.ExecContext(ctx, `DELETE FROM notifications WHERE mail_state <> 'pending' AND
		((read_at IS NOT NULL AND read_at < ?) OR created_at < ?)`, db.T(now.Add(-ReadRetention)), db.T(now.Add(-MaxRetention)))
	if err != nil {
		return 0, fmt.Errorf("notify: purge: %w", err)
	}
	return res.RowsAffected()
}
