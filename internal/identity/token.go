package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
)

// Token scopes.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// TokenPrefix starts every personal API token, so secret scanners can
// recognise leaked ones.
const TokenPrefix = "ortlos_"

// DefaultTokenLifetime and MaxTokenLifetime bound API token expiry.
const (
	DefaultTokenLifetime = 90 * 24 * time.Hour
	MaxTokenLifetime     = 366 * 24 * time.Hour
)

// APIToken is a personal API token. The secret itself is shown once at
// creation and stored only as its SHA-256 digest.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	Prefix     string // first characters, to recognise the token
	Scope      string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt *time.Time
}

// NewToken is the input to CreateToken.
type NewToken struct {
	Name      string
	Scope     string
	ExpiresIn time.Duration // 0: DefaultTokenLifetime
}

// CreateToken creates a token for the actor itself. It needs a full session
// (or the CLI acting for a user through CreateTokenFor).
func (s *Service) CreateToken(ctx context.Context, a actor.Actor, in NewToken) (APIToken, string, error) {
	if !a.Authenticated() || a.Via != actor.ViaSession {
		return APIToken{}, "", errNotFound
	}
	// A token outlives its session: one made before the second factor
	// would bypass it for good.
	if stage, err := s.sessionStage(ctx, a); err != nil {
		return APIToken{}, "", err
	} else if stage != StageFull {
		return APIToken{}, "", apperr.Forbiddenf("mfa_enrolment_required", "set up the second factor first")
	}
	return s.createToken(ctx, a, a.UserID, in)
}

// CreateTokenFor creates a token for another user; only operators on the
// host (CLI) may.
func (s *Service) CreateTokenFor(ctx context.Context, a actor.Actor, userID int64, in NewToken) (APIToken, string, error) {
	if !a.Privileged() {
		return APIToken{}, "", errNotFound
	}
	return s.createToken(ctx, a, userID, in)
}

func (s *Service) createToken(ctx context.Context, a actor.Actor, userID int64, in NewToken) (APIToken, string, error) {
	in.Name = strings.TrimSpace(in.Name)
	verr := validationError()
	if in.Name == "" {
		verr.WithField("name", "required")
	} else if utf8.RuneCountInString(in.Name) > 100 {
		verr.WithField("name", "too_long")
	}
	if in.Scope != ScopeRead && in.Scope != ScopeWrite {
		verr.WithField("scope", "invalid_scope")
	}
	if in.ExpiresIn == 0 {
		in.ExpiresIn = DefaultTokenLifetime
	}
	if in.ExpiresIn < time.Hour || in.ExpiresIn > MaxTokenLifetime {
		verr.WithField("expires_in_days", "invalid_expiry")
	}
	if len(verr.Fields) > 0 {
		return APIToken{}, "", verr
	}
	secret, hash := newToken(TokenPrefix, 24) // 192 bits
	t := APIToken{UserID: userID, Name: in.Name, Prefix: secret[:len(TokenPrefix)+6], Scope: in.Scope}
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		u, err := s.getUser(ctx, tx, userID)
		if err != nil {
			return nil, err
		}
		if u.Disabled {
			return nil, apperr.Conflictf("user_disabled", "the user is disabled")
		}
		t.CreatedAt, t.ExpiresAt = now, now.Add(in.ExpiresIn)
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, prefix, scope, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, userID, t.Name, hash, t.Prefix, t.Scope, db.T(now), db.T(t.ExpiresAt)).Scan(&t.ID); err != nil {
			return nil, fmt.Errorf("identity: insert token: %w", err)
		}
		return []audit.Event{{Action: "token.create", ObjectType: "api_token", ObjectID: itoa(t.ID), Detail: map[string]any{
			"user_id": userID, "name": t.Name, "scope": t.Scope, "expires_at": t.ExpiresAt.UTC().Format(time.RFC3339),
		}}}, nil
	})
	if err != nil {
		return APIToken{}, "", err
	}
	return t, secret, nil
}

const tokenColumns = "t.id, t.user_id, t.name, t.prefix, t.scope, t.created_at, t.expires_at, t.last_used_at"

func scanToken(row interface{ Scan(...any) error }, extra ...any) (APIToken, error) {
	var t APIToken
	var c, e db.Time
	var l db.NullTime
	err := row.Scan(append([]any{&t.ID, &t.UserID, &t.Name, &t.Prefix, &t.Scope, &c, &e, &l}, extra...)...)
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt = c.Time, e.Time, l.Ptr()
	return t, err
}

var errTokenInvalid = apperr.New(apperr.Unauthenticated, "token_invalid", "API token invalid or expired")

// AuthenticateToken resolves a bearer token. Checking costs one SHA-256 and
// one indexed lookup; the first use is audited.
func (s *Service) AuthenticateToken(ctx context.Context, secret, sourceIP string) (Auth, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return Auth{}, errTokenInvalid
	}
	now := s.clock.Now()
	var username string
	var disabled bool
	t, err := scanToken(s.db.QueryRowContext(ctx, "SELECT "+tokenColumns+", u.username, u.disabled FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
		hashToken(secret)), &username, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return Auth{}, errTokenInvalid
	}
	if err != nil {
		return Auth{}, fmt.Errorf("identity: load token: %w", err)
	}
	if disabled || !now.Before(t.ExpiresAt) {
		return Auth{}, errTokenInvalid
	}
	a := actor.Actor{UserID: t.UserID, Username: username, Via: actor.ViaToken, TokenScope: t.Scope, SourceIP: sourceIP}
	switch {
	case t.LastUsedAt == nil:
		err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
			res, err := tx.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND last_used_at IS NULL", db.T(now), t.ID)
			if err != nil {
				return nil, fmt.Errorf("identity: mark token used: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil, nil // a concurrent request was first
			}
			return []audit.Event{{Action: "token.first_use", ObjectType: "api_token", ObjectID: itoa(t.ID)}}, nil
		})
	case now.Sub(*t.LastUsedAt) >= touchInterval:
		_, err = s.db.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", db.T(now), t.ID)
	}
	if err != nil {
		return Auth{}, err
	}
	u, err := s.getUser(ctx, s.db, t.UserID)
	if err != nil {
		return Auth{}, err
	}
	a.Roles = u.Roles
	return Auth{Actor: a, User: u}, nil
}

// ListTokens returns the actor's own tokens.
func (s *Service) ListTokens(ctx context.Context, a actor.Actor) ([]APIToken, error) {
	if !a.Authenticated() {
		return nil, errNotFound
	}
	return s.listTokens(ctx, a.UserID)
}

// ListTokensOf returns a user's tokens, for the CLI.
func (s *Service) ListTokensOf(ctx context.Context, a actor.Actor, userID int64) ([]APIToken, error) {
	if !a.Privileged() {
		return nil, errNotFound
	}
	return s.listTokens(ctx, userID)
}

func (s *Service) listTokens(ctx context.Context, userID int64) ([]APIToken, error) {
	out, err := db.Query(ctx, s.db, func(r db.Scanner) (APIToken, error) { return scanToken(r) },
		"SELECT "+tokenColumns+" FROM api_tokens t WHERE t.user_id = ? ORDER BY t.created_at DESC, t.id DESC", userID)
	if err != nil {
		return nil, fmt.Errorf("identity: list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken deletes one of the actor's own tokens; other people's tokens
// answer not found.
func (s *Service) RevokeToken(ctx context.Context, a actor.Actor, id int64) error {
	if !a.Authenticated() || !a.CanWrite() {
		return errNotFound
	}
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		res, err := tx.ExecContext(ctx, "DELETE FROM api_tokens WHERE id = ? AND user_id = ?", id, a.UserID)
		if err != nil {
			return nil, fmt.Errorf("identity: delete token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, errNotFound
		}
		return []audit.Event{{Action: "token.revoke", ObjectType: "api_token", ObjectID: itoa(id)}}, nil
	})
}
