// Package worktime records working time (Zeiterfassung): employees clock in
// and out and take breaks; every change of an entry is a new revision, so
// the full history of an entry stays visible. Rule checks under the
// Arbeitszeitgesetz live in the pure package arbzg; this package stores the
// intervals the engine reads. Authorisation decisions live in
// worktime_permissions.go; every change is written with its audit record in
// one transaction.
package worktime

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/worktime/arbzg"
)

// Locations where work happens.
const (
	LocationOffice = "office"
	LocationHome   = "home"
	LocationMobile = "mobile"
)

// Locations lists the valid locations in display order.
var Locations = []string{LocationOffice, LocationHome, LocationMobile}

// Sources of a revision.
const (
	SourceClock      = "clock"
	SourceManual     = "manual"
	SourceCorrection = "correction"
)

// States of a person's working day, as Status reports them.
const (
	StateOff     = "off"
	StateWorking = "working"
	StateOnBreak = "on_break"
)

// Entry is the current state (highest revision) of one work interval.
type Entry struct {
	ID       int64
	UserID   int64
	Start    time.Time
	End      *time.Time // nil while the interval runs
	Location string
	Revision int
	Source   string
	// EndsWithBreak is set when the interval was closed by starting a
	// break, so that ending the break opens the next interval.
	EndsWithBreak bool
	// Automatic marks a current revision written by the system (the
	// automatic deduction of a missing statutory break).
	Automatic bool
}

// Running reports whether the interval has not ended yet.
func (e Entry) Running() bool { return e.End == nil }

// Policy holds the organisation's working-time settings (configuration
// ORTLOS_WORKTIME_* and ORTLOS_FLEXITIME_*).
type Policy struct {
	// CorrectionDays: a correction of a day more than this many days ago
	// needs the lead's approval (0: every correction does).
	CorrectionDays int
	// AutoBreak deducts a missing statutory break at clock-out, recorded
	// as an automatic correction.
	AutoBreak bool
	// FlexitimeMaxPlusMinutes caps the flexitime account at each monthly
	// closing; credit above it is forfeited (Kappung).
	FlexitimeMaxPlusMinutes int
	// FlexitimeMaxMinusMinutes is the debit beyond which the account is
	// flagged to the lead and HR (nothing is cut).
	FlexitimeMaxMinusMinutes int
	// FlexitimeYearCarryoverMinutes caps the credit carried into the new
	// year at the December closing.
	FlexitimeYearCarryoverMinutes int
	// DefaultState is the Bundesland of people without one recorded.
	DefaultState string
	// ReferencePeriod anchors the reference periods of the § 3 average
	// (zero: half-years from January).
	ReferencePeriod arbzg.ReferencePeriod
}

// DefaultPolicy matches the configuration defaults.
func DefaultPolicy() Policy {
	return Policy{CorrectionDays: 7, FlexitimeMaxPlusMinutes: 40 * 60, FlexitimeMaxMinusMinutes: 20 * 60, FlexitimeYearCarryoverMinutes: 40 * 60, DefaultState: "NW"}
}

// Service is the working-time service.
type Service struct {
	db     *db.DB
	clock  clock.Clock
	loc    *time.Location
	policy Policy
}

// NewService returns a working-time service that judges calendar days in
// Europe/Berlin (or UTC where the zone database is missing); WithLocation
// sets the organisation's zone.
func NewService(d *db.DB, c clock.Clock) *Service {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		loc = time.UTC
	}
	return &Service{db: d, clock: c, loc: loc, policy: DefaultPolicy()}
}

// WithPolicy returns a copy of s with the organisation's settings.
func (s *Service) WithPolicy(p Policy) *Service {
	c := *s
	c.policy = p
	return &c
}

// Policy returns the organisation's working-time settings.
func (s *Service) Policy() Policy { return s.policy }

// WithLocation returns a copy of s that judges calendar days ("today", list
// ranges) in loc.
func (s *Service) WithLocation(loc *time.Location) *Service {
	c := *s
	if loc != nil {
		c.loc = loc
	}
	return &c
}

// Location returns the zone in which the service judges calendar days.
func (s *Service) Location() *time.Location { return s.loc }

var (
	errNotFound      = apperr.NotFoundf("not_found", "not found")
	errReadOnlyToken = apperr.Forbiddenf("token_scope", "read-only token")
)

// write runs fn with its audit events in one transaction (audit.Write).
func (s *Service) write(ctx context.Context, a actor.Actor, fn func(tx *db.Tx, now time.Time) ([]audit.Event, error)) error {
	return audit.Write(ctx, s.db, s.clock.Now(), a, fn)
}

// lockUser takes the row lock of the user inside tx, so that two requests
// of the same person (two browser tabs, a script) cannot both pass the
// "is an entry running?" check. The no-op UPDATE locks the row in both
// dialects; SQLite has no SELECT … FOR UPDATE and serialises writers anyway.
func lockUser(ctx context.Context, tx *db.Tx, userID int64) error {
	res, err := tx.ExecContext(ctx, "UPDATE users SET updated_at = updated_at WHERE id = ?", userID)
	if err != nil {
		return fmt.Errorf("worktime: lock user: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("worktime: lock user: %w", err)
	} else if n != 1 {
		return errNotFound
	}
	return nil
}

// currentRevisions selects the highest revision of each entry.
const currentRevisions = `SELECT e.id, e.user_id, r.start_at, r.end_at, r.location, r.revision, r.source, r.ends_with_break, r.automatic
	FROM time_entries e
	JOIN time_entry_revisions r ON r.entry_id = e.id
	WHERE r.revision = (SELECT max(x.revision) FROM time_entry_revisions x WHERE x.entry_id = e.id)
	  AND r.deleted = ?`

func scanEntry(row db.Scanner) (Entry, error) {
	var e Entry
	var start db.Time
	var end db.NullTime
	err := row.Scan(&e.ID, &e.UserID, &start, &end, &e.Location, &e.Revision, &e.Source, &e.EndsWithBreak, &e.Automatic)
	e.Start, e.End = start.Time, end.Ptr()
	return e, err
}

// lastEntry returns the user's latest interval that is not deleted, by start.
func lastEntry(ctx context.Context, q db.Querier, userID int64) (Entry, bool, error) {
	e, err := scanEntry(q.QueryRowContext(ctx, currentRevisions+" AND e.user_id = ? ORDER BY r.start_at DESC, e.id DESC LIMIT 1", false, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("worktime: last entry: %w", err)
	}
	return e, true, nil
}

// entriesBetween returns the user's intervals that overlap [from, to),
// ordered by start.
func entriesBetween(ctx context.Context, q db.Querier, userID int64, from, to time.Time) ([]Entry, error) {
	out, err := db.Query(ctx, q, scanEntry, currentRevisions+
		" AND e.user_id = ? AND r.start_at < ? AND (r.end_at IS NULL OR r.end_at > ?) ORDER BY r.start_at, e.id",
		false, userID, db.T(to), db.T(from))
	if err != nil {
		return nil, fmt.Errorf("worktime: list entries: %w", err)
	}
	return out, nil
}

// revision is a new row of time_entry_revisions.
type revision struct {
	entryID       int64
	number        int
	start         time.Time
	end           *time.Time
	location      string
	source        string
	reason        string
	endsWithBreak bool
	deleted       bool
	automatic     bool // written by the system, e.g. an automatic break deduction
}

func insertRevision(ctx context.Context, tx *db.Tx, a actor.Actor, now time.Time, r revision) error {
	var by any
	if a.UserID != 0 {
		by = a.UserID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO time_entry_revisions
		(entry_id, revision, start_at, end_at, location, source, reason, deleted, ends_with_break, automatic, created_at, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.entryID, r.number, db.T(r.start), db.NT(r.end), r.location, r.source, r.reason, r.deleted, r.endsWithBreak, r.automatic, db.T(now), by); err != nil {
		return fmt.Errorf("worktime: insert revision: %w", err)
	}
	return nil
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
