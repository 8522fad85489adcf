package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
	"ortlos/internal/identity/password"
)

// NewAdmin is what the first administrator enters on the setup page.
type NewAdmin struct {
	Username    string
	DisplayName string
	Email       string
	Password    string
	SourceIP    string
	UserAgent   string
}

var errSetupLinkInvalid = apperr.New(apperr.NotFound, "setup_link_invalid", "the setup link is invalid, expired or already used")

// NeedsSetup reports whether the database has no users yet.
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
		return false, fmt.Errorf("identity: count users: %w", err)
	}
	return n == 0, nil
}

// CreateSetupLink creates a one-time setup token, valid for the configured
// time, and invalidates earlier unused ones. It refuses once users exist.
func (s *Service) CreateSetupLink(ctx context.Context) (token string, expires time.Time, err error) {
	token, hash := newToken("", 32)
	err = s.write(ctx, actor.System(), func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
			return nil, fmt.Errorf("identity: count users: %w", err)
		}
		if n > 0 {
			return nil, apperr.Conflictf("setup_done", "the organisation is already set up")
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM setup_links WHERE used_at IS NULL"); err != nil {
			return nil, fmt.Errorf("identity: clear setup links: %w", err)
		}
		expires = now.Add(s.settings.SetupLinkTTL)
		if _, err := tx.ExecContext(ctx, "INSERT INTO setup_links (token_hash, created_at, expires_at) VALUES (?, ?, ?)", hash, db.T(now), db.T(expires)); err != nil {
			return nil, fmt.Errorf("identity: insert setup link: %w", err)
		}
		return []audit.Event{{Action: "setup.link_created", ObjectType: "setup_link", Detail: map[string]any{"expires_at": expires.UTC().Format(time.RFC3339)}}}, nil
	})
	return token, expires, err
}

// CheckSetupLink reports whether token is a valid, unused setup link.
func (s *Service) CheckSetupLink(ctx context.Context, token string) error {
	return checkSetupLink(ctx, s.db, hashToken(token), s.clock.Now())
}

func checkSetupLink(ctx context.Context, q db.Querier, hash string, now time.Time) error {
	var expires db.Time
	var used db.NullTime
	err := q.QueryRowContext(ctx, "SELECT expires_at, used_at FROM setup_links WHERE token_hash = ?", hash).Scan(&expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return errSetupLinkInvalid
	}
	if err != nil {
		return fmt.Errorf("identity: read setup link: %w", err)
	}
	if used.Valid || !now.Before(expires.Time) {
		return errSetupLinkInvalid
	}
	return nil
}

// UseSetupLink creates the first administrator through a valid setup link,
// marks the link used and starts a session in stage "enrol": the new
// administrator sets up the second factor next. Once any user exists it
// answers Conflict "setup_done", even for an unused link.
func (s *Service) UseSetupLink(ctx context.Context, token string, in NewAdmin) (LoginResult, error) {
	hash := hashToken(token)
	if err := checkSetupLink(ctx, s.db, hash, s.clock.Now()); err != nil {
		return LoginResult{}, err
	}
	in.Username = NormalizeUsername(in.Username)
	verr := validationError()
	if !usernameRE.MatchString(in.Username) {
		verr.WithField("username", "invalid_username")
	}
	validateProfile(verr, &in.DisplayName, &in.Email, nil, nil)
	if err := password.Validate(in.Password, s.settings.OrgName, in.Username); err != nil {
		verr.WithField("password", apperr.CodeOf(err))
	}
	if len(verr.Fields) > 0 {
		return LoginResult{}, verr
	}
	pwHash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return LoginResult{}, err
	}
	var res LoginResult
	who := actor.Anonymous(in.SourceIP)
	err = s.write(ctx, who, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := checkSetupLink(ctx, tx, hash, now); err != nil {
			return nil, err
		}
		// A link created before the first user (e.g. before an operator
		// ran "ortlos user create") must not mint a second administrator.
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
			return nil, fmt.Errorf("identity: count users: %w", err)
		}
		if n > 0 {
			return nil, apperr.Conflictf("setup_done", "the organisation is already set up")
		}
		r, err := tx.ExecContext(ctx, "UPDATE setup_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL", db.T(now), hash)
		if err != nil {
			return nil, fmt.Errorf("identity: use setup link: %w", err)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return nil, errSetupLinkInvalid
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, email, state, language, password_hash, password_changed_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'de', ?, ?, ?, ?) RETURNING id`,
			in.Username, in.DisplayName, in.Email, s.settings.DefaultState, pwHash, db.T(now), db.T(now), db.T(now)).Scan(&id); err != nil {
			return nil, fmt.Errorf("identity: insert admin: %w", err)
		}
		if err := insertRoles(ctx, tx, id, []string{actor.RoleAdmin}); err != nil {
			return nil, err
		}
		token, sess, err := s.createSession(ctx, tx, now, id, StageEnrol, in.SourceIP, in.UserAgent)
		if err != nil {
			return nil, err
		}
		res = LoginResult{Token: token, Session: sess, User: User{ID: id, Username: in.Username, DisplayName: in.DisplayName, Roles: []string{actor.RoleAdmin}}}
		return []audit.Event{
			{Action: "setup.link_used", ObjectType: "setup_link"},
			{Action: "user.create", ObjectType: "user", ObjectID: itoa(id), Detail: map[string]any{"username": in.Username, "roles": []string{actor.RoleAdmin}, "via": "setup_link"}},
			{Action: "auth.login", ObjectType: "session", ObjectID: itoa(sess.ID), Detail: map[string]any{"method": "setup_link", "stage": StageEnrol}},
		}, nil
	})
	return res, err
}
