package identity

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
	"ortlos/internal/identity/totp"
)

// RecoveryCodeCount is how many single-use recovery codes a user gets.
const RecoveryCodeCount = 10

// Enrolment is a pending TOTP set-up shown to the user.
type Enrolment struct {
	Secret string // base32, for manual entry
	URI    string // otpauth:// URI encoded in the QR code
	QRCode string // data: URI of a PNG
}

// EnrolResult is returned once the first code confirmed the enrolment.
type EnrolResult struct {
	RecoveryCodes []string // shown once, stored hashed
	// Token is the new session token when the session was upgraded from
	// stage "enrol" to "full".
	Token string
}

func (s *Service) totpSecret(u User) ([]byte, error) {
	if u.totpSecret == "" {
		return nil, errInvalidCode
	}
	return s.box.Open(u.totpSecret)
}

// StartEnrolment creates (or shows again) the pending TOTP secret of the
// actor. The secret is active only after ConfirmEnrolment.
func (s *Service) StartEnrolment(ctx context.Context, a actor.Actor) (Enrolment, error) {
	if !a.Authenticated() || a.Via != actor.ViaSession {
		return Enrolment{}, errNotFound
	}
	u, err := s.getUser(ctx, s.db, a.UserID)
	if err != nil {
		return Enrolment{}, err
	}
	if u.TOTPEnabled {
		return Enrolment{}, apperr.Conflictf("mfa_already_enrolled", "a second factor is already set up")
	}
	var secret []byte
	if u.totpSecret != "" {
		if secret, err = s.box.Open(u.totpSecret); err != nil {
			secret = nil
		}
	}
	if secret == nil {
		if secret, err = totp.GenerateSecret(); err != nil {
			return Enrolment{}, err
		}
		sealed, err := s.box.Seal(secret)
		if err != nil {
			return Enrolment{}, err
		}
		// A pending secret is not yet a change of the account's security
		// state; the confirmation below is audited.
		if _, err := s.db.ExecContext(ctx, "UPDATE users SET totp_secret = ? WHERE id = ? AND totp_enabled = ?", sealed, u.ID, false); err != nil {
			return Enrolment{}, fmt.Errorf("identity: store pending secret: %w", err)
		}
	}
	uri := totp.URI(s.settings.Issuer, u.Username, secret)
	qr, err := totp.QRCodeDataURI(uri)
	if err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: totp.EncodeSecret(secret), URI: uri, QRCode: qr}, nil
}

// ConfirmEnrolment activates the pending secret when code matches, creates
// fresh recovery codes and, for a session in stage "enrol", replaces the
// session by a full one.
func (s *Service) ConfirmEnrolment(ctx context.Context, a actor.Actor, code, userAgent string) (EnrolResult, error) {
	if !a.Authenticated() || a.Via != actor.ViaSession {
		return EnrolResult{}, errNotFound
	}
	u, err := s.getUser(ctx, s.db, a.UserID)
	if err != nil {
		return EnrolResult{}, err
	}
	if u.TOTPEnabled {
		return EnrolResult{}, apperr.Conflictf("mfa_already_enrolled", "a second factor is already set up")
	}
	secret, err := s.totpSecret(u)
	if err != nil {
		return EnrolResult{}, apperr.Conflictf("mfa_not_started", "start the set-up first")
	}
	step, ok := totp.Verify(secret, code, s.clock.Now(), u.totpLastStep)
	if !ok {
		return EnrolResult{}, apperr.New(apperr.Invalid, "invalid_code", "the code is wrong or expired").WithField("code", "invalid_code")
	}
	codes, hashes := newRecoveryCodes()
	var res EnrolResult
	res.RecoveryCodes = codes
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		r, err := tx.ExecContext(ctx, "UPDATE users SET totp_enabled = ?, totp_last_step = ?, updated_at = ? WHERE id = ? AND totp_enabled = ?",
			true, step, db.T(now), u.ID, false)
		if err != nil {
			return nil, fmt.Errorf("identity: enable totp: %w", err)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return nil, apperr.Conflictf("mfa_already_enrolled", "a second factor is already set up")
		}
		if err := replaceRecoveryCodes(ctx, tx, u.ID, hashes); err != nil {
			return nil, err
		}
		events := []audit.Event{{Action: "auth.2fa_enrolled", ObjectType: "user", ObjectID: itoa(u.ID), Detail: map[string]any{"method": "totp"}}}
		var stage string
		if err := tx.QueryRowContext(ctx, "SELECT stage FROM sessions WHERE id = ?", a.SessionID).Scan(&stage); err == nil && stage == StageEnrol {
			if _, err := deleteSessions(ctx, tx, "id = ?", a.SessionID); err != nil {
				return nil, err
			}
			token, sess, err := s.createSession(ctx, tx, now, u.ID, StageFull, a.SourceIP, userAgent)
			if err != nil {
				return nil, err
			}
			res.Token = token
			events = append(events, audit.Event{Action: "auth.login", ObjectType: "session", ObjectID: itoa(sess.ID), Detail: map[string]any{"method": "totp_enrolment", "stage": StageFull}})
		}
		return events, nil
	})
	if err != nil {
		return EnrolResult{}, err
	}
	return res, nil
}

// RegenerateRecoveryCodes replaces the actor's recovery codes after
// re-authentication with the password.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, a actor.Actor, currentPassword string) ([]string, error) {
	if !a.Authenticated() || a.Via != actor.ViaSession {
		return nil, errNotFound
	}
	u, err := s.getUser(ctx, s.db, a.UserID)
	if err != nil {
		return nil, err
	}
	if !u.TOTPEnabled {
		return nil, apperr.Conflictf("mfa_not_enrolled", "no second factor is set up")
	}
	if err := s.reauthenticate(ctx, a, u, currentPassword); err != nil {
		return nil, err
	}
	codes, hashes := newRecoveryCodes()
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := replaceRecoveryCodes(ctx, tx, u.ID, hashes); err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "auth.recovery_codes_regenerated", ObjectType: "user", ObjectID: itoa(u.ID)}}, nil
	})
	return codes, err
}

// ResetOwnMFA removes the actor's second factor after re-authentication with
// password and a current code (or recovery code). The session drops back to
// stage "enrol" when the user's roles require 2FA, so the next page is the
// enrolment.
func (s *Service) ResetOwnMFA(ctx context.Context, a actor.Actor, currentPassword, code string) error {
	if !a.Authenticated() || a.Via != actor.ViaSession {
		return errNotFound
	}
	u, err := s.getUser(ctx, s.db, a.UserID)
	if err != nil {
		return err
	}
	if !u.TOTPEnabled {
		return apperr.Conflictf("mfa_not_enrolled", "no second factor is set up")
	}
	if err := s.reauthenticate(ctx, a, u, currentPassword); err != nil {
		return err
	}
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		secret, err := s.totpSecret(u)
		if err != nil {
			return nil, err
		}
		if step, ok := totp.Verify(secret, code, now, u.totpLastStep); ok {
			if err := useTOTPStep(ctx, tx, u.ID, step); err != nil {
				return nil, codeFieldError()
			}
		} else {
			r, err := tx.ExecContext(ctx, "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL", db.T(now), u.ID, hashRecoveryCode(code))
			if err != nil {
				return nil, fmt.Errorf("identity: use recovery code: %w", err)
			}
			if n, _ := r.RowsAffected(); n != 1 {
				return nil, codeFieldError()
			}
		}
		if err := clearMFA(ctx, tx, u.ID, now); err != nil {
			return nil, err
		}
		required, err := mfaRequired(ctx, tx, u)
		if err != nil {
			return nil, err
		}
		if required {
			if _, err := tx.ExecContext(ctx, "UPDATE sessions SET stage = ? WHERE id = ?", StageEnrol, a.SessionID); err != nil {
				return nil, fmt.Errorf("identity: downgrade session: %w", err)
			}
		}
		// Sessions elsewhere were opened with the old factor: end them.
		n, err := deleteSessions(ctx, tx, "user_id = ? AND id <> ?", u.ID, a.SessionID)
		if err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "auth.2fa_reset", ObjectType: "user", ObjectID: itoa(u.ID), Detail: map[string]any{"by": "self", "sessions_ended": n}}}, nil
	})
	if apperr.Is(err, "invalid_code") {
		// A wrong code counts toward the account's throttle like a wrong
		// code at login; the failed transaction above wrote nothing.
		if ferr := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
			if err := s.settings.Throttle.recordFailure(ctx, tx, now, accountKey(u.Username), s.settings.Throttle.AccountFree); err != nil {
				return nil, err
			}
			return []audit.Event{{Action: "auth.2fa_failed", ObjectType: "user", ObjectID: itoa(u.ID), Detail: map[string]any{"method": "reset"}}}, nil
		}); ferr != nil {
			return ferr
		}
	}
	return err
}

func codeFieldError() error {
	return apperr.New(apperr.Invalid, "invalid_code", "the code is wrong or expired").WithField("code", "invalid_code")
}

// ResetMFA removes a user's second factor as an administrator (or the CLI),
// e.g. after a lost phone. All the user's sessions end; at the next login
// the user enrols again.
func (s *Service) ResetMFA(ctx context.Context, a actor.Actor, userID int64) error {
	if !canManageUsers(a) {
		return errNotFound
	}
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.getUser(ctx, tx, userID); err != nil {
			return nil, err
		}
		if err := clearMFA(ctx, tx, userID, now); err != nil {
			return nil, err
		}
		n, err := deleteSessions(ctx, tx, "user_id = ?", userID)
		if err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "auth.2fa_reset", ObjectType: "user", ObjectID: itoa(userID), Detail: map[string]any{"by": "admin", "sessions_ended": n}}}, nil
	})
}

func clearMFA(ctx context.Context, tx *db.Tx, userID int64, now time.Time) error {
	if _, err := tx.ExecContext(ctx, "UPDATE users SET totp_enabled = ?, totp_secret = '', updated_at = ? WHERE id = ?", false, db.T(now), userID); err != nil {
		return fmt.Errorf("identity: clear totp: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM recovery_codes WHERE user_id = ?", userID); err != nil {
		return fmt.Errorf("identity: clear recovery codes: %w", err)
	}
	return nil
}

// RecoveryCodesLeft returns how many unused recovery codes the actor has.
func (s *Service) RecoveryCodesLeft(ctx context.Context, a actor.Actor) (int, error) {
	if !a.Authenticated() {
		return 0, errNotFound
	}
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", a.UserID).Scan(&n)
	return n, err
}

func replaceRecoveryCodes(ctx context.Context, tx *db.Tx, userID int64, hashes []string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM recovery_codes WHERE user_id = ?", userID); err != nil {
		return fmt.Errorf("identity: clear recovery codes: %w", err)
	}
	for _, h := range hashes {
		if _, err := tx.ExecContext(ctx, "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", userID, h); err != nil {
			return fmt.Errorf("identity: insert recovery code: %w", err)
		}
	}
	return nil
}

// recoveryAlphabet avoids look-alike characters (0/o, 1/l/i).
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newRecoveryCodes returns codes like "k7m2-x9qp-4hfd" (≈ 59 bits each) and
// their hashes. The codes are random enough that a fast hash is safe.
func newRecoveryCodes() (codes, hashes []string) {
	for range RecoveryCodeCount {
		var b strings.Builder
		for n := 0; n < 12; {
			var c [1]byte
			if _, err := rand.Read(c[:]); err != nil {
				panic(err)
			}
			// Rejection sampling keeps every character equally likely.
			if int(c[0]) >= 256-256%len(recoveryAlphabet) {
				continue
			}
			if n > 0 && n%4 == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(recoveryAlphabet[int(c[0])%len(recoveryAlphabet)])
			n++
		}
		codes = append(codes, b.String())
		hashes = append(hashes, hashRecoveryCode(b.String()))
	}
	return codes, hashes
}
