// Package audit is the shared, tamper-evident audit trail. Every state change
// and security event is appended with Append inside the same transaction as
// the change itself. Records form a hash chain (each hash covers the record
// and the previous hash); the database refuses UPDATE and DELETE on them, and
// Verify recomputes the chain.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/db"
)

// Record is one entry of the trail.
type Record struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id,omitempty"`
	Actor      string    `json:"actor"`
	SourceIP   string    `json:"source_ip"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	// Detail is the JSON text exactly as hashed.
	Detail   string `json:"detail"`
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// MarshalJSON writes "at" in db.TimeLayout, the exact form that is hashed,
// so outside verifiers need no time parsing.
func (r Record) MarshalJSON() ([]byte, error) {
	type plain Record
	return json.Marshal(struct {
		plain
		At string `json:"at"`
	}{plain(r), r.At.UTC().Format(db.TimeLayout)})
}

// Event is what a module reports about a change.
type Event struct {
	Action     string // e.g. "user.create", "auth.login_failed"
	ObjectType string // e.g. "user"
	ObjectID   string
	// Detail is a small, secret-free description; it is stored as JSON.
	Detail map[string]any
}

// forbiddenDetailKeys guards against secrets in details: a key containing
// any of these words is refused.
var forbiddenDetailKeys = []string{"password", "secret", "plaintext"}

// Append adds ev to the trail inside tx. It serialises appends through the
// audit_head row, whose UPDATE takes the write lock in both dialects.
func Append(ctx context.Context, tx *db.Tx, at time.Time, a actor.Actor, ev Event) (Record, error) {
	detail, err := encodeDetail(ev.Detail)
	if err != nil {
		return Record{}, err
	}
	r := Record{
		At:         at.UTC().Truncate(time.Microsecond),
		ActorID:    a.UserID,
		Actor:      a.Username,
		SourceIP:   a.SourceIP,
		Action:     ev.Action,
		ObjectType: ev.ObjectType,
		ObjectID:   ev.ObjectID,
		Detail:     detail,
	}
	if err := tx.QueryRowContext(ctx,
		"UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash").Scan(&r.Seq, &r.PrevHash); err != nil {
		return Record{}, fmt.Errorf("audit: advance head: %w", err)
	}
	r.Hash = r.ComputeHash()
	var actorID any
	if r.ActorID != 0 {
		actorID = r.ActorID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log
		(seq, at, actor_id, actor, source_ip, action, object_type, object_id, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Seq, db.T(r.At), actorID, r.Actor, r.SourceIP, r.Action, r.ObjectType, r.ObjectID, r.Detail, r.PrevHash, r.Hash); err != nil {
		return Record{}, fmt.Errorf("audit: insert: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE audit_head SET hash = ? WHERE id = 1", r.Hash); err != nil {
		return Record{}, fmt.Errorf("audit: update head: %w", err)
	}
	return r, nil
}

func encodeDetail(d map[string]any) (string, error) {
	if len(d) == 0 {
		return "{}", nil
	}
	for k := range d {
		lk := strings.ToLower(k)
		for _, bad := range forbiddenDetailKeys {
			if strings.Contains(lk, bad) {
				return "", fmt.Errorf("audit: detail key %q may carry a secret", k)
			}
		}
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("audit: encode detail: %w", err)
	}
	return string(b), nil
}

// ComputeHash returns the hex SHA-256 of the record's canonical form: each
// field as "<byte length>:<value>," in the order seq, at, actor_id, actor,
// source_ip, action, object_type, object_id, detail, prev_hash. Times use
// db.TimeLayout; a missing actor_id is the empty string. docs/audit.md
// describes this for outside verifiers.
func (r Record) ComputeHash() string {
	actorID := ""
	if r.ActorID != 0 {
		actorID = strconv.FormatInt(r.ActorID, 10)
	}
	h := sha256.New()
	var buf [20]byte
	for _, f := range [...]string{
		strconv.FormatInt(r.Seq, 10),
		r.At.UTC().Format(db.TimeLayout),
		actorID, r.Actor, r.SourceIP, r.Action, r.ObjectType, r.ObjectID, r.Detail, r.PrevHash,
	} {
		h.Write(strconv.AppendInt(buf[:0], int64(len(f)), 10))
		h.Write([]byte{':'})
		h.Write([]byte(f))
		h.Write([]byte{','})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Write runs fn in a write transaction on d with one timestamp (now,
// truncated to the stored precision) and appends the audit events fn
// returns, so a change and its record commit together or not at all. It is
// the one way modules write: fn returns an error to roll everything back.
func Write(ctx context.Context, d *db.DB, now time.Time, a actor.Actor, fn func(tx *db.Tx, now time.Time) ([]Event, error)) error {
	now = now.UTC().Truncate(time.Microsecond)
	return d.InTx(ctx, func(tx *db.Tx) error {
		events, err := fn(tx, now)
		if err != nil {
			return err
		}
		for _, ev := range events {
			if _, err := Append(ctx, tx, now, a, ev); err != nil {
				return err
			}
		}
		return nil
	})
}
