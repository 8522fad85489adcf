// Package identity manages users, org units, roles, authentication
// (password, TOTP, recovery codes), sessions, API tokens, login throttling
// and setup links. Authorisation decisions live in *_permissions.go beside
// the resources; every change is written with its audit record in one
// transaction.
package identity

import (
	"context"
	"log/slog"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/audit"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/identity/password"
)

// Settings are the identity-related parts of the configuration.
type Settings struct {
	OrgName      string
	DefaultState string
	IdleTimeout  time.Duration
	MaxLifetime  time.Duration
	SetupLinkTTL time.Duration
	// Issuer is shown in authenticator apps, e.g. "ortlos (Stadt Musterstadt)".
	Issuer   string
	Throttle ThrottlePolicy
}

// DefaultSettings returns the settings used when the configuration says
// nothing else.
func DefaultSettings() Settings {
	return Settings{
		IdleTimeout:  30 * time.Minute,
		MaxLifetime:  12 * time.Hour,
		SetupLinkTTL: 24 * time.Hour,
		DefaultState: "NW",
		Issuer:       "ortlos",
		Throttle:     DefaultThrottlePolicy(),
	}
}

// Service is the identity service.
type Service struct {
	db       *db.DB
	clock    clock.Clock
	hasher   *password.Hasher
	box      *SecretBox
	settings Settings
	log      *slog.Logger
}

// NewService returns an identity service.
func NewService(d *db.DB, c clock.Clock, h *password.Hasher, box *SecretBox, s Settings, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: d, clock: c, hasher: h, box: box, settings: s, log: log}
}

// Now returns the current time of the service's clock, for views that
// compare with stored instants (e.g. "expired").
func (s *Service) Now() time.Time { return s.clock.Now() }

// Settings returns the service settings.
func (s *Service) Settings() Settings { return s.settings }

// write runs fn with its audit events in one transaction (audit.Write).
func (s *Service) write(ctx context.Context, a actor.Actor, fn func(tx *db.Tx, now time.Time) ([]audit.Event, error)) error {
	return audit.Write(ctx, s.db, s.clock.Now(), a, fn)
}

// Audit records a security event that changes nothing else (for example an
// audit export).
func (s *Service) Audit(ctx context.Context, a actor.Actor, ev audit.Event) error {
	return s.write(ctx, a, func(*db.Tx, time.Time) ([]audit.Event, error) { return []audit.Event{ev}, nil })
}
