package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
	"ortlos/internal/identity/password"
	"ortlos/internal/identity/totp"
)

// errInvalidCredentials is the one answer to every failed or throttled
// login, so it reveals neither whether the user exists nor whether the
// password was right while throttled.
var errInvalidCredentials = apperr.New(apperr.Unauthenticated, "invalid_credentials",
	"login failed: wrong username or password, or too many attempts")

var errInvalidCode = apperr.New(apperr.Unauthenticated, "invalid_code", "the code is wrong, expired or was already used")

// LoginInput is the first login step.
type LoginInput struct {
	Username  string
	Password  string
	SourceIP  string
	UserAgent string
}

// LoginResult carries the new session. Stage tells the UI where to go next.
type LoginResult struct {
	Token   string
	Session Session
	User    User
}

// Login checks username and password. On success it creates a session in
// stage "mfa" (second factor pending), "enrol" (second factor must be set up
// first) or "full".
func (s *Service) Login(ctx context.Context, in LoginInput) (LoginResult, error) {
	username := NormalizeUsername(in.Username)
	who := actor.Anonymous(in.SourceIP)
	now := s.clock.Now()
	until, err := throttledUntil(ctx, s.db, now, accountKey(username), addressKey(in.SourceIP))
	if err != nil {
		return LoginResult{}, err
	}
	if !until.IsZero() {
		if err := s.write(ctx, who, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
			return []audit.Event{{Action: "auth.login_throttled", ObjectType: "login", Detail: map[string]any{"locked_until": until.UTC().Format(time.RFC3339)}}}, nil
		}); err != nil {
			return LoginResult{}, err
		}
		return LoginResult{}, errInvalidCredentials
	}

	u, lookupErr := s.userByUsername(ctx, s.db, username)
	if lookupErr != nil && apperr.KindOf(lookupErr) != apperr.NotFound {
		// A database failure is not a failed login: counting it would
		// lock users out during an outage.
		return LoginResult{}, lookupErr
	}
	ok := false
	rehash := false
	if lookupErr == nil && u.passwordHash != "" {
		ok, rehash, err = s.hasher.Verify(ctx, in.Password, u.passwordHash)
		if err != nil && apperr.KindOf(err) == apperr.Unavailable {
			return LoginResult{}, err
		}
	} else {
		// Spend the same effort as a real check so timing does not reveal
		// whether the account exists.
		if err := s.hasher.Dummy(ctx, in.Password); err != nil && apperr.KindOf(err) == apperr.Unavailable {
			return LoginResult{}, err
		}
	}
	if !ok || u.Disabled {
		reason := "wrong_password"
		switch {
		case lookupErr != nil:
			reason = "unknown_user"
		case u.passwordHash == "":
			reason = "no_password"
		case u.Disabled:
			reason = "disabled"
		}
		if lookupErr == nil {
			who = actor.Actor{UserID: u.ID, Username: u.Username, SourceIP: in.SourceIP}
		}
		err := s.write(ctx, who, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
			if err := s.settings.Throttle.recordFailure(ctx, tx, now, accountKey(username), s.settings.Throttle.AccountFree); err != nil {
				return nil, err
			}
			if err := s.settings.Throttle.recordFailure(ctx, tx, now, addressKey(in.SourceIP), s.settings.Throttle.AddressFree); err != nil {
				return nil, err
			}
			ev := audit.Event{Action: "auth.login_failed", ObjectType: "login", Detail: map[string]any{"reason": reason}}
			if lookupErr == nil {
				ev.ObjectType, ev.ObjectID = "user", itoa(u.ID)
			}
			return []audit.Event{ev}, nil
		})
		if err != nil {
			return LoginResult{}, err
		}
		return LoginResult{}, errInvalidCredentials
	}

	var newHash string
	if rehash {
		if newHash, err = s.hasher.Hash(ctx, in.Password); err != nil {
			return LoginResult{}, err
		}
	}
	var res LoginResult
	throttled := false
	who = actor.Actor{UserID: u.ID, Username: u.Username, SourceIP: in.SourceIP}
	err = s.write(ctx, who, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		// Requests that queued for the hasher passed the check above before
		// the failures of the others were recorded; a burst of parallel
		// guesses must not get around the lock that way.
		if err := lockThrottle(ctx, tx, now, accountKey(username)); err != nil {
			return nil, err
		}
		until, err := throttledUntil(ctx, tx, now, accountKey(username), addressKey(in.SourceIP))
		if err != nil {
			return nil, err
		}
		if !until.IsZero() {
			throttled = true
			return []audit.Event{{Action: "auth.login_throttled", ObjectType: "login", Detail: map[string]any{"locked_until": until.UTC().Format(time.RFC3339)}}}, nil
		}
		var events []audit.Event
		if newHash != "" {
			if err := storePassword(ctx, tx, u.ID, newHash, now); err != nil {
				return nil, err
			}
			events = append(events, audit.Event{Action: "auth.password_rehash", ObjectType: "user", ObjectID: itoa(u.ID)})
		}
		stage := StageFull
		if u.TOTPEnabled {
			stage = StageMFA
		} else if req, err := mfaRequired(ctx, tx, u); err != nil {
			return nil, err
		} else if req {
			stage = StageEnrol
		}
		// The account's failures are forgiven only once the login is
		// complete: if a correct password cleared them before the second
		// factor, every login would bring a fresh set of free code guesses.
		if stage != StageMFA {
			if err := clearThrottle(ctx, tx, accountKey(username)); err != nil {
				return nil, err
			}
		}
		token, sess, err := s.createSession(ctx, tx, now, u.ID, stage, in.SourceIP, in.UserAgent)
		if err != nil {
			return nil, err
		}
		res = LoginResult{Token: token, Session: sess, User: u}
		action := "auth.login"
		if stage == StageMFA {
			action = "auth.login_password_ok"
		}
		return append(events, audit.Event{Action: action, ObjectType: "session", ObjectID: itoa(sess.ID), Detail: map[string]any{"stage": stage, "method": "password"}}), nil
	})
	if err == nil && throttled {
		return LoginResult{}, errInvalidCredentials
	}
	return res, err
}

// CompleteLoginTOTP finishes a login in stage "mfa" with an authenticator
// code. The pending session is replaced by a new one (new token), so a token
// seen before the login completed is worthless afterwards.
func (s *Service) CompleteLoginTOTP(ctx context.Context, pendingToken, code, sourceIP, userAgent string) (LoginResult, error) {
	return s.completeLogin(ctx, pendingToken, sourceIP, userAgent, "totp", func(tx *db.Tx, now time.Time, u User) (map[string]any, error) {
		secret, err := s.totpSecret(u)
		if err != nil {
			return nil, err
		}
		step, ok := totp.Verify(secret, code, now, u.totpLastStep)
		if !ok {
			return nil, errInvalidCode
		}
		return nil, useTOTPStep(ctx, tx, u.ID, step)
	})
}

// useTOTPStep records that the code of step was used; the conditional update
// makes a code usable once even under concurrent requests.
func useTOTPStep(ctx context.Context, tx *db.Tx, userID, step int64) error {
	res, err := tx.ExecContext(ctx, "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?", step, userID, step)
	if err != nil {
		return fmt.Errorf("identity: use totp step: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errInvalidCode
	}
	return nil
}

// CompleteLoginRecovery finishes a login in stage "mfa" with a single-use
// recovery code.
func (s *Service) CompleteLoginRecovery(ctx context.Context, pendingToken, code, sourceIP, userAgent string) (LoginResult, error) {
	return s.completeLogin(ctx, pendingToken, sourceIP, userAgent, "recovery_code", func(tx *db.Tx, now time.Time, u User) (map[string]any, error) {
		res, err := tx.ExecContext(ctx, "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
			db.T(now), u.ID, hashRecoveryCode(code))
		if err != nil {
			return nil, fmt.Errorf("identity: use recovery code: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil, errInvalidCode
		}
		var left int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", u.ID).Scan(&left); err != nil {
			return nil, fmt.Errorf("identity: count recovery codes: %w", err)
		}
		return map[string]any{"recovery_codes_left": left}, nil
	})
}

// completeLogin runs the second-factor check; failures count toward the
// account's throttle like wrong passwords.
func (s *Service) completeLogin(ctx context.Context, pendingToken, sourceIP, userAgent, method string,
	check func(tx *db.Tx, now time.Time, u User) (map[string]any, error)) (LoginResult, error) {
	auth, err := s.AuthenticateSession(ctx, pendingToken, sourceIP)
	if err != nil {
		return LoginResult{}, err
	}
	if auth.Session.Stage != StageMFA {
		return LoginResult{}, errSessionInvalid
	}
	u := auth.User
	who := actor.Actor{UserID: u.ID, Username: u.Username, SourceIP: sourceIP}
	var res LoginResult
	var checkErr error
	err = s.write(ctx, who, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		// The lock is read inside the transaction: a code check is cheap, and
		// a burst of parallel guesses read outside would all pass it.
		if err := lockThrottle(ctx, tx, now, accountKey(u.Username)); err != nil {
			return nil, err
		}
		until, err := throttledUntil(ctx, tx, now, accountKey(u.Username), addressKey(sourceIP))
		if err != nil {
			return nil, err
		}
		var detail map[string]any
		if until.IsZero() {
			detail, checkErr = check(tx, now, u)
		} else {
			checkErr = errInvalidCode
		}
		if checkErr != nil {
			if apperr.KindOf(checkErr) != apperr.Unauthenticated {
				return nil, checkErr
			}
			action := "auth.2fa_failed"
			if !until.IsZero() {
				action = "auth.login_throttled"
			} else {
				if err := s.settings.Throttle.recordFailure(ctx, tx, now, accountKey(u.Username), s.settings.Throttle.AccountFree); err != nil {
					return nil, err
				}
				if err := s.settings.Throttle.recordFailure(ctx, tx, now, addressKey(sourceIP), s.settings.Throttle.AddressFree); err != nil {
					return nil, err
				}
			}
			return []audit.Event{{Action: action, ObjectType: "user", ObjectID: itoa(u.ID), Detail: map[string]any{"method": method}}}, nil
		}
		if _, err := deleteSessions(ctx, tx, "id = ?", auth.Session.ID); err != nil {
			return nil, err
		}
		if err := clearThrottle(ctx, tx, accountKey(u.Username)); err != nil {
			return nil, err
		}
		token, sess, err := s.createSession(ctx, tx, now, u.ID, StageFull, sourceIP, userAgent)
		if err != nil {
			return nil, err
		}
		res = LoginResult{Token: token, Session: sess, User: u}
		if detail == nil {
			detail = map[string]any{}
		}
		detail["method"], detail["stage"] = method, StageFull
		events := []audit.Event{{Action: "auth.login", ObjectType: "session", ObjectID: itoa(sess.ID), Detail: detail}}
		if method == "recovery_code" {
			events = append([]audit.Event{{Action: "auth.recovery_code_used", ObjectType: "user", ObjectID: itoa(u.ID), Detail: map[string]any{"recovery_codes_left": detail["recovery_codes_left"]}}}, events...)
		}
		return events, nil
	})
	if err != nil {
		return LoginResult{}, err
	}
	if checkErr != nil {
		return LoginResult{}, checkErr
	}
	return res, nil
}

// ChangePassword changes the actor's own password after checking the
// current one. Other sessions of the user end.
func (s *Service) ChangePassword(ctx context.Context, a actor.Actor, current, next string) error {
	if !a.Authenticated() || a.Via != actor.ViaSession {
		return errNotFound
	}
	u, err := s.getUser(ctx, s.db, a.UserID)
	if err != nil {
		return err
	}
	if err := s.reauthenticate(ctx, a, u, current); err != nil {
		return err
	}
	if err := password.Validate(next, s.settings.OrgName, u.Username); err != nil {
		return fieldError(err, "new_password")
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := storePassword(ctx, tx, u.ID, hash, now); err != nil {
			return nil, err
		}
		n, err := deleteSessions(ctx, tx, "user_id = ? AND id <> ?", u.ID, a.SessionID)
		if err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "auth.password_change", ObjectType: "user", ObjectID: itoa(u.ID), Detail: map[string]any{"sessions_ended": n}}}, nil
	})
}

// reauthenticate checks the current password for sensitive self-service
// changes; failures count toward the account throttle.
func (s *Service) reauthenticate(ctx context.Context, a actor.Actor, u User, plain string) error {
	now := s.clock.Now()
	until, err := throttledUntil(ctx, s.db, now, accountKey(u.Username))
	if err != nil {
		return err
	}
	ok := false
	if until.IsZero() && u.passwordHash != "" {
		ok, _, err = s.hasher.Verify(ctx, plain, u.passwordHash)
		if err != nil && apperr.KindOf(err) == apperr.Unavailable {
			return err
		}
	}
	if ok {
		return nil
	}
	if err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if until.IsZero() {
			if err := s.settings.Throttle.recordFailure(ctx, tx, now, accountKey(u.Username), s.settings.Throttle.AccountFree); err != nil {
				return nil, err
			}
		}
		return []audit.Event{{Action: "auth.reauth_failed", ObjectType: "user", ObjectID: itoa(u.ID)}}, nil
	}); err != nil {
		return err
	}
	return apperr.New(apperr.Invalid, "wrong_current_password", "the current password is wrong").WithField("current_password", "wrong_current_password")
}

func hashRecoveryCode(code string) string {
	norm := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	sum := sha256.Sum256([]byte("ortlos-recovery:" + norm))
	return hex.EncodeToString(sum[:])
}
