package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"ortlos/internal/db"
	"ortlos/internal/i18n"
)

// Delivery of notification e-mails.
//
// Every instance may run RunMailer: a notification is claimed by setting
// mail_locked_until in a conditional UPDATE, so two instances never send
// the same one at the same time. A notification whose delivery fails is
// retried with back-off (retryDelays) and marked failed after the last
// attempt. A crash between sending and recording "sent" sends it again
// after the claim expires: delivery is at least once.

// retryDelays is the wait after the 1st, 2nd, … failed attempt; after the
// last one the notification is given up.
var retryDelays = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour}

// claimFor is how long an instance owns a claimed notification.
const claimFor = 5 * time.Minute

// DeliveryOptions tell the sender what to put around the text.
type DeliveryOptions struct {
	BaseURL string // external address of ortlos, for links
	OrgName string // prefix of the subject
	Log     *slog.Logger
}

// RunMailer delivers pending e-mails until ctx ends: at once when a
// notification is added on this instance, otherwise every poll interval
// (for those of other instances and retries).
func (s *Service) RunMailer(ctx context.Context, o DeliveryOptions, poll time.Duration) {
	if s.mail == nil {
		return
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := s.DeliverPending(ctx, o); err != nil && ctx.Err() == nil {
			o.Log.Warn("notification e-mail delivery", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
			// The notification is added inside a transaction that may not
			// have committed yet.
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
}

// DeliverPending sends the e-mails of all pending notifications that are
// due and returns how many were sent.
func (s *Service) DeliverPending(ctx context.Context, o DeliveryOptions) (int, error) {
	if s.mail == nil {
		return 0, nil
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	sent := 0
	for ctx.Err() == nil {
		job, ok, err := s.claim(ctx)
		if err != nil || !ok {
			return sent, err
		}
		state, msg, err := s.deliver(ctx, o, job)
		if err != nil {
			return sent, err
		}
		if err := s.record(ctx, job, state, msg); err != nil {
			return sent, err
		}
		switch state {
		case "sent":
			sent++
		case "pending":
			o.Log.Warn("notification e-mail not delivered, will retry", "notification", job.id, "attempt", job.attempts+1, "err", msg)
		case "failed":
			o.Log.Error("notification e-mail given up", "notification", job.id, "attempts", job.attempts+1, "err", msg)
		}
	}
	return sent, ctx.Err()
}

type mailJob struct {
	id       int64
	userID   int64
	kind     string
	args     []arg
	link     string
	attempts int
}

// claim takes the oldest due pending notification for this instance.
func (s *Service) claim(ctx context.Context) (mailJob, bool, error) {
	now := s.clock.Now()
	var j mailJob
	var args string
	// An UPDATE … RETURNING is a write: it runs in a write transaction.
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `UPDATE notifications SET mail_locked_until = ?
		WHERE id = (SELECT id FROM notifications WHERE mail_state = 'pending' AND mail_next_at <= ?
			AND (mail_locked_until IS NULL OR mail_locked_until < ?) ORDER BY mail_next_at, id LIMIT 1)
		AND mail_state = 'pending' AND (mail_locked_until IS NULL OR mail_locked_until < ?)
		RETURNING id, user_id, kind, args, link, mail_attempts`,
			db.T(now.Add(claimFor)), db.T(now), db.T(now), db.T(now)).Scan(&j.id, &j.userID, &j.kind, &args, &j.link, &j.attempts)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return j, false, nil
	}
	if err != nil {
		return j, false, fmt.Errorf("notify: claim: %w", err)
	}
	if err := json.Unmarshal([]byte(args), &j.args); err != nil {
		return j, false, fmt.Errorf("notify: arguments of %d: %w", j.id, err)
	}
	return j, true, nil
}

// deliver sends job's e-mail and returns the new mail state with an error
// text for the record.
func (s *Service) deliver(ctx context.Context, o DeliveryOptions, j mailJob) (state, msg string, err error) {
	var name, address, lang string
	var disabled bool
	var wants sql.NullBool
	err = s.db.QueryRowContext(ctx, `SELECT u.display_name, u.email, u.language, u.disabled, ns.email
		FROM users u LEFT JOIN notification_settings ns ON ns.user_id = u.id WHERE u.id = ?`, j.userID).
		Scan(&name, &address, &lang, &disabled, &wants)
	if err != nil {
		return "", "", fmt.Errorf("notify: recipient: %w", err)
	}
	switch {
	case address == "":
		return "skipped", "no e-mail address", nil
	case wants.Valid && !wants.Bool:
		return "skipped", "e-mail turned off by the person", nil
	case disabled:
		return "skipped", "account not active", nil
	}
	l := i18n.For(lang)
	text := s.render(l, j.kind, j.args)
	link := strings.TrimRight(o.BaseURL, "/")
	body := l.T("notify.mail.greeting", name) + "\n\n" + text + "\n\n"
	if j.link != "" {
		body += l.T("notify.mail.open", link+j.link) + "\n\n"
	}
	body += "-- \n" + l.T("notify.mail.footer", link+"/notifications")
	subject := text
	if o.OrgName != "" {
		subject = "[" + o.OrgName + "] " + text
	}
	if err := s.mail.Send(ctx, Message{To: address, Subject: subject, Body: body}); err != nil {
		if ctx.Err() != nil {
			return "", "", ctx.Err()
		}
		if j.attempts+1 >= len(retryDelays)+1 {
			return "failed", err.Error(), nil
		}
		return "pending", err.Error(), nil
	}
	return "sent", "", nil
}

// record stores the outcome of one attempt and releases the claim.
func (s *Service) record(ctx context.Context, j mailJob, state, msg string) error {
	now := s.clock.Now()
	var next, sentAt db.NullTime
	switch state {
	case "pending":
		t := now.Add(retryDelays[j.attempts])
		next = db.NT(&t)
	case "sent":
		sentAt = db.NT(&now)
	}
	if len(msg) > 500 {
		msg = msg[:500]
	}
	_, err := s.db.ExecContext(ctx, `UPDATE notifications SET mail_state = ?, mail_attempts = mail_attempts + 1,
		mail_next_at = ?, mail_locked_until = NULL, mail_sent_at = ?, mail_error = ? WHERE id = ?`,
		state, next, sentAt, msg, j.id)
	if err != nil {
		return fmt.Errorf("notify: record delivery: %w", err)
	}
	return nil
}
