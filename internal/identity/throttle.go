package identity

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"ortlos/internal/db"
)

// ThrottlePolicy controls the growing delay after failed logins. Counters
// live in the database so every instance sees them.
type ThrottlePolicy struct {
	// AccountFree and AddressFree are the failures allowed before a delay
	// applies, per account and per source address.
	AccountFree int
	AddressFree int
	// Base is the first delay; each further failure doubles it up to Max.
	Base time.Duration
	Max  time.Duration
	// Window: failures older than this are forgotten.
	Window time.Duration
}

// DefaultThrottlePolicy allows 5 failures per account and 20 per address,
// then delays 30 s, 60 s, 2 min, … up to 15 min.
func DefaultThrottlePolicy() ThrottlePolicy {
	return ThrottlePolicy{AccountFree: 5, AddressFree: 20, Base: 30 * time.Second, Max: 15 * time.Minute, Window: 24 * time.Hour}
}

func (p ThrottlePolicy) delay(failures, free int) time.Duration {
	if failures < free {
		return 0
	}
	d := p.Base
	for i := free; i < failures && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// accountKey names the counter of a username by its SHA-256: the name typed
// for an unknown account may be a mistyped password, and it must not be
// stored as typed (nor at any length the client chooses).
func accountKey(username string) string {
	sum := sha256.Sum256([]byte(username))
	return "u:" + hex.EncodeToString(sum[:])
}

func addressKey(addr string) string { return "ip:" + addr }

// throttledUntil returns the latest lock among keys, or the zero time.
func throttledUntil(ctx context.Context, q db.Querier, now time.Time, keys ...string) (time.Time, error) {
	var until time.Time
	for _, k := range keys {
		var t db.Time
		err := q.QueryRowContext(ctx, "SELECT locked_until FROM login_throttle WHERE key = ?", k).Scan(&t)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("identity: read throttle: %w", err)
		}
		if t.After(now) && t.After(until) {
			until = t.Time
		}
	}
	return until, nil
}

// recordFailure counts a failure for key and sets its lock.
func (p ThrottlePolicy) recordFailure(ctx context.Context, tx *db.Tx, now time.Time, key string, free int) error {
	failures := 0
	var last db.Time
	err := tx.QueryRowContext(ctx, "SELECT failures, last_failure_at FROM login_throttle WHERE key = ?", key).Scan(&failures, &last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("identity: read throttle: %w", err)
	}
	if err == nil && now.Sub(last.Time) > p.Window {
		failures = 0
	}
	failures++
	until := now.Add(p.delay(failures, free))
	if _, err := tx.ExecContext(ctx, `INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until`,
		key, failures, db.T(now), db.T(until)); err != nil {
		return fmt.Errorf("identity: record failure: %w", err)
	}
	return nil
}

func clearThrottle(ctx context.Context, tx *db.Tx, key string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM login_throttle WHERE key = ?", key); err != nil {
		return fmt.Errorf("identity: clear throttle: %w", err)
	}
	return nil
}

// lockThrottle takes the row lock of key's counter (creating an empty
// counter when none exists) before a transaction reads it. On PostgreSQL
// concurrent checks of one account then queue behind each other and each
// sees the failures the others recorded; SQLite has one writer anyway.
func lockThrottle(ctx context.Context, tx *db.Tx, now time.Time, key string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) VALUES (?, 0, ?, ?)
		ON CONFLICT (key) DO UPDATE SET failures = login_throttle.failures`, key, db.T(now), db.T(now)); err != nil {
		return fmt.Errorf("identity: lock throttle: %w", err)
	}
	return nil
}

// Throttle is the login throttle for logins outside the Service's own
// flows (WebDAV's Basic authentication with app passwords): the same
// counters (login_throttle), keys and policy as the web login, so that
// failed attempts add up whichever way they come in.
type Throttle struct {
	db     *db.DB
	policy ThrottlePolicy
}

// LoginThrottle returns the login throttle with the service's policy.
func (s *Service) LoginThrottle() Throttle {
	return Throttle{db: s.db, policy: s.settings.Throttle}
}

// Until returns the time until which logins as username (normalised as
// NormalizeUsername does) or from the address addr are refused, or the zero
// time when neither is throttled.
func (t Throttle) Until(ctx context.Context, now time.Time, username, addr string) (time.Time, error) {
	return throttledUntil(ctx, t.db, now, accountKey(NormalizeUsername(username)), addressKey(addr))
}

// RecordFailure counts a failed login as username from addr for the
// account and the address, in one transaction.
func (t Throttle) RecordFailure(ctx context.Context, now time.Time, username, addr string) error {
	return t.db.InTx(ctx, func(tx *db.Tx) error {
		if err := t.policy.recordFailure(ctx, tx, now, accountKey(NormalizeUsername(username)), t.policy.AccountFree); err != nil {
			return err
		}
		return t.policy.recordFailure(ctx, tx, now, addressKey(addr), t.policy.AddressFree)
	})
}
