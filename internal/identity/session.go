package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
)

// Session stages: a session is "full" only after every required factor.
const (
	StageMFA   = "mfa"   // password accepted, second factor pending
	StageEnrol = "enrol" // logged in, but must enrol a second factor first
	StageFull  = "full"
)

// pendingLifetime bounds how long a half-finished login may wait for its
// second factor.
const pendingLifetime = 10 * time.Minute

// touchInterval: last_seen_at is written at most this often per session, so
// that reads do not turn into writes on every request.
const touchInterval = time.Minute

// Session is a server-side login session. Only the SHA-256 of its token is
// stored.
type Session struct {
	ID         int64
	UserID     int64
	Stage      string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	SourceIP   string
	UserAgent  string
}

// Auth is the result of authenticating a request.
type Auth struct {
	// Actor is who the request acts as; see AuthenticateSession for how
	// the session stage limits it.
	Actor   actor.Actor
	User    User
	Session Session // zero for API tokens
}

var errSessionInvalid = apperr.New(apperr.Unauthenticated, "session_invalid", "session expired or invalid")

func newToken(prefix string, n int) (token, hash string) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// createSession stores a new session for u and returns its token.
func (s *Service) createSession(ctx context.Context, tx *db.Tx, now time.Time, userID int64, stage, ip, ua string) (string, Session, error) {
	token, hash := newToken("", 32)
	sess := Session{UserID: userID, Stage: stage, CreatedAt: now, LastSeenAt: now, SourceIP: ip, UserAgent: truncate(ua, 255)}
	sess.ExpiresAt = now.Add(s.settings.MaxLifetime)
	if stage == StageMFA {
		sess.ExpiresAt = now.Add(pendingLifetime)
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO sessions (token_hash, user_id, stage, created_at, last_seen_at, expires_at, source_ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		hash, userID, stage, db.T(now), db.T(now), db.T(sess.ExpiresAt), ip, sess.UserAgent).Scan(&sess.ID)
	if err != nil {
		return "", Session{}, fmt.Errorf("identity: create session: %w", err)
	}
	return token, sess, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// deleteSessions removes sessions matching cond and returns how many.
func deleteSessions(ctx context.Context, tx *db.Tx, cond string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE "+cond, args...)
	if err != nil {
		return 0, fmt.Errorf("identity: delete sessions: %w", err)
	}
	return res.RowsAffected()
}

const sessionColumns = "s.id, s.user_id, s.stage, s.created_at, s.last_seen_at, s.expires_at, s.source_ip, s.user_agent"

func scanSession(row interface{ Scan(...any) error }, extra ...any) (Session, error) {
	var se Session
	var c, l, e db.Time
	err := row.Scan(append([]any{&se.ID, &se.UserID, &se.Stage, &c, &l, &e, &se.SourceIP, &se.UserAgent}, extra...)...)
	se.CreatedAt, se.LastSeenAt, se.ExpiresAt = c.Time, l.Time, e.Time
	return se, err
}

// AuthenticateSession resolves a session token. Expired sessions (idle or
// absolute) are deleted and answer session_invalid; so do sessions of
// disabled users. Only a session in stage "full" yields an actor with the
// user's roles: in stage "enrol" the actor is the user without roles (enough
// to enrol a second factor), in stage "mfa" it is anonymous (the session
// only serves CompleteLoginTOTP and CompleteLoginRecovery).
func (s *Service) AuthenticateSession(ctx context.Context, token, sourceIP string) (Auth, error) {
	return s.authenticateSession(ctx, token, sourceIP, true)
}

// AuthenticateSessionPassive is AuthenticateSession for requests the
// browser makes on its own (event streams reconnecting): it checks the
// session the same way but does not count the request as activity, so an
// open board tab does not keep an abandoned session from going idle.
func (s *Service) AuthenticateSessionPassive(ctx context.Context, token, sourceIP string) (Auth, error) {
	return s.authenticateSession(ctx, token, sourceIP, false)
}

func (s *Service) authenticateSession(ctx context.Context, token, sourceIP string, touch bool) (Auth, error) {
	if token == "" {
		return Auth{}, errSessionInvalid
	}
	now := s.clock.Now()
	hash := hashToken(token)
	row := s.db.QueryRowContext(ctx, "SELECT "+sessionColumns+", "+userColumns+
		" FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?", hash)
	var u User
	var org, sup sql.NullInt64
	var created, updated db.Time
	sess, err := scanSession(row, &u.ID, &u.Username, &u.DisplayName, &u.Email, &org, &sup, &u.State, &u.Language,
		&u.Disabled, &u.TOTPEnabled, &created, &updated, &u.passwordHash, &u.totpSecret, &u.totpLastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return Auth{}, errSessionInvalid
	}
	if err != nil {
		return Auth{}, fmt.Errorf("identity: load session: %w", err)
	}
	u.OrgUnitID, u.SupervisorID, u.CreatedAt, u.UpdatedAt = org.Int64, sup.Int64, created.Time, updated.Time
	idle := now.Sub(sess.LastSeenAt) >= s.settings.IdleTimeout
	if u.Disabled || !now.Before(sess.ExpiresAt) || idle {
		reason := "expired_absolute"
		switch {
		case u.Disabled:
			reason = "user_disabled"
		case idle:
			reason = "expired_idle"
		}
		err := s.write(ctx, actor.Actor{UserID: u.ID, Username: u.Username, SourceIP: sourceIP}, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
			n, err := deleteSessions(ctx, tx, "id = ?", sess.ID)
			if err != nil || n == 0 {
				return nil, err
			}
			return []audit.Event{{Action: "session.expire", ObjectType: "session", ObjectID: itoa(sess.ID), Detail: map[string]any{"reason": reason}}}, nil
		})
		if err != nil {
			return Auth{}, err
		}
		return Auth{}, errSessionInvalid
	}
	if touch && now.Sub(sess.LastSeenAt) >= touchInterval {
		if _, err := s.db.ExecContext(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", db.T(now), sess.ID); err != nil {
			return Auth{}, fmt.Errorf("identity: touch session: %w", err)
		}
		sess.LastSeenAt = now
	}
	users := []User{u}
	if err := s.loadRoles(ctx, s.db, users); err != nil {
		return Auth{}, err
	}
	u = users[0]
	a := actor.Actor{UserID: u.ID, Username: u.Username, Roles: u.Roles, Via: actor.ViaSession, SessionID: sess.ID, SourceIP: sourceIP}
	switch sess.Stage {
	case StageFull:
	case StageEnrol:
		// The roles' powers wait for the second factor the roles require.
		a.Roles = nil
	default:
		// Only the password is proven: nobody is logged in yet, so a
		// caller that forgets to check the stage cannot skip the code.
		a = actor.Anonymous(sourceIP)
	}
	return Auth{Actor: a, User: u, Session: sess}, nil
}

// sessionStage returns the stage of the session a acts through.
func (s *Service) sessionStage(ctx context.Context, a actor.Actor) (string, error) {
	var stage string
	err := s.db.QueryRowContext(ctx, "SELECT stage FROM sessions WHERE id = ? AND user_id = ?", a.SessionID, a.UserID).Scan(&stage)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errSessionInvalid
	}
	if err != nil {
		return "", fmt.Errorf("identity: read session stage: %w", err)
	}
	return stage, nil
}

// ListSessions returns the actor's own active sessions, newest first.
func (s *Service) ListSessions(ctx context.Context, a actor.Actor) ([]Session, error) {
	if !a.Authenticated() {
		return nil, errNotFound
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+sessionColumns+" FROM sessions s WHERE s.user_id = ? AND s.stage <> ? AND s.expires_at > ? ORDER BY s.created_at DESC, s.id DESC",
		a.UserID, StageMFA, db.T(s.clock.Now()))
	if err != nil {
		return nil, fmt.Errorf("identity: list sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		se, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("identity: scan session: %w", err)
		}
		if s.clock.Now().Sub(se.LastSeenAt) < s.settings.IdleTimeout {
			out = append(out, se)
		}
	}
	return out, rows.Err()
}

// RevokeSession ends one of the actor's own sessions; other people's
// sessions answer not found.
func (s *Service) RevokeSession(ctx context.Context, a actor.Actor, id int64) error {
	if !a.Authenticated() || !a.CanWrite() {
		return errNotFound
	}
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		n, err := deleteSessions(ctx, tx, "id = ? AND user_id = ?", id, a.UserID)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, errNotFound
		}
		return []audit.Event{{Action: "session.revoke", ObjectType: "session", ObjectID: itoa(id)}}, nil
	})
}

// RevokeOtherSessions ends all of the actor's sessions except the current
// one.
func (s *Service) RevokeOtherSessions(ctx context.Context, a actor.Actor) (int64, error) {
	if !a.Authenticated() || !a.CanWrite() {
		return 0, errNotFound
	}
	var n int64
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		var err error
		if n, err = deleteSessions(ctx, tx, "user_id = ? AND id <> ?", a.UserID, a.SessionID); err != nil || n == 0 {
			return nil, err
		}
		return []audit.Event{{Action: "session.revoke_others", ObjectType: "user", ObjectID: itoa(a.UserID), Detail: map[string]any{"sessions_ended": n}}}, nil
	})
	return n, err
}

// Logout ends the session of token on the server.
func (s *Service) Logout(ctx context.Context, a actor.Actor, token string) error {
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		var id, userID int64
		var username string
		err := tx.QueryRowContext(ctx, "SELECT s.id, s.user_id, u.username FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?", hashToken(token)).Scan(&id, &userID, &username)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("identity: logout: %w", err)
		}
		if _, err := deleteSessions(ctx, tx, "id = ?", id); err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "auth.logout", ObjectType: "session", ObjectID: itoa(id)}}, nil
	})
}

// PurgeExpiredSessions deletes sessions past their absolute or idle expiry
// and login-throttle counters that are neither locked nor recent; a
// background job calls it. The purge is audited as one record.
func (s *Service) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.write(ctx, actor.System(), func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		var err error
		n, err = deleteSessions(ctx, tx, "expires_at <= ? OR last_seen_at <= ?", db.T(now), db.T(now.Add(-s.settings.IdleTimeout)))
		if err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM login_throttle WHERE locked_until <= ? AND last_failure_at <= ?",
			db.T(now), db.T(now.Add(-s.settings.Throttle.Window)))
		if err != nil {
			return nil, fmt.Errorf("identity: purge throttle: %w", err)
		}
		counters, _ := res.RowsAffected()
		if n == 0 && counters == 0 {
			return nil, nil
		}
		return []audit.Event{{Action: "session.purge", ObjectType: "session", Detail: map[string]any{"sessions_ended": n, "throttle_counters_removed": counters}}}, nil
	})
	return n, err
}
