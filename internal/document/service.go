// Package document is the records store (E-Akte, issue 6): a file plan of
// folders with file reference numbers and access rights, documents with
// immutable versions whose contents live in the blob store, check-out,
// retention classes, legal holds, two-person deletion and archive export.
// The schema and its rules are described in migration 0017_documents.
//
// Every change is written with its audit record in one transaction
// (s.write); every read of a final document's content, every download and
// every export is audited as well.
package document

import (
	"context"
	"log/slog"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/blob"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/filecheck"
)

// Service is the records store.
type Service struct {
	db    *db.DB
	clock clock.Clock
	// blobs holds the contents of document versions.
	blobs blob.Store
	log   *slog.Logger
	// maxBytes bounds the content of one document version (0:
	// DefaultMaxBytes; versions.go).
	maxBytes int64
	// policy and scanner check uploads (versions.go; nil policy: the
	// default allow-list; nil scanner: no virus scan).
	policy  *filecheck.Policy
	scanner filecheck.Scanner
	// loc is the organisation's time zone, in which instants become
	// calendar days (retention; nil: Europe/Berlin).
	loc *time.Location
}

// NewService returns a records store keeping contents in blobs.
func NewService(d *db.DB, c clock.Clock, blobs blob.Store) *Service {
	return &Service{db: d, clock: c, blobs: blobs, log: slog.Default()}
}

// WithLogger returns a copy of s that logs through l.
func (s *Service) WithLogger(l *slog.Logger) *Service {
	c := *s
	c.log = l
	return &c
}

// WithLocation returns a copy of s that judges calendar days (the closing
// day of a file, a document's date when it has none, today) in loc.
func (s *Service) WithLocation(loc *time.Location) *Service {
	c := *s
	c.loc = loc
	return &c
}

// zone is the time zone of calendar days.
func (s *Service) zone() *time.Location {
	if s.loc == nil {
		return defaultZone
	}
	return s.loc
}

// write runs fn in a transaction together with the audit events it
// returns.
func (s *Service) write(ctx context.Context, a actor.Actor, fn func(tx *db.Tx, now time.Time) ([]audit.Event, error)) error {
	return audit.Write(ctx, s.db, s.clock.Now(), a, fn)
}

var (
	// errNotFound answers every folder or document the actor may not see.
	errNotFound = apperr.NotFoundf("not_found", "not found")
)
