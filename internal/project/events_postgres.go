package project

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"ortlos/internal/db"
)

// PGChannel is the PostgreSQL notification channel of board events.
const PGChannel = "ortlos_board_events"

// PGBroker spreads board events over all instances that share one
// PostgreSQL database: Publish sends NOTIFY (after the change committed,
// like every publish), and Run holds one extra connection that LISTENs
// and hands every notification – the instance's own included – to the
// local subscribers through the embedded Hub. When the listening
// connection drops, Run reconnects with a growing pause and then tells
// every local subscriber to reload, since events may have been missed
// meanwhile. When NOTIFY itself fails, the event still reaches this
// instance's subscribers.
type PGBroker struct {
	*Hub
	db  *db.DB
	url string
	log *slog.Logger

	readyOnce sync.Once
	ready     chan struct{}
}

// NewPGBroker returns a broker that notifies through d and listens with
// its own connection to url (the database URL of d).
func NewPGBroker(d *db.DB, url string, log *slog.Logger) *PGBroker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &PGBroker{Hub: NewHub(), db: d, url: url, log: log, ready: make(chan struct{})}
}

// Ready is closed once the broker listens for the first time.
func (b *PGBroker) Ready() <-chan struct{} { return b.ready }

// Publish implements Broker: NOTIFY on the shared channel.
func (b *PGBroker) Publish(ctx context.Context, e Event) {
	payload, err := json.Marshal(e)
	if err == nil {
		_, err = b.db.ExecContext(ctx, `SELECT pg_notify(?, ?)`, PGChannel, string(payload))
	}
	if err != nil {
		b.log.Warn("board event: notify failed; delivered on this instance only", "err", err, "project_id", e.ProjectID)
		b.Hub.deliver(e)
	}
}

// Run implements Broker: it listens until ctx ends.
func (b *PGBroker) Run(ctx context.Context) error {
	pause := time.Second
	first := true
	for ctx.Err() == nil {
		err := b.listen(ctx, first)
		if ctx.Err() != nil {
			break
		}
		first = false
		b.log.Warn("board events: listening connection lost; reconnecting", "err", err, "pause", pause)
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
	return nil
}

// listen connects, LISTENs and delivers notifications until the
// connection fails or ctx ends.
func (b *PGBroker) listen(ctx context.Context, first bool) error {
	conn, err := pgx.Connect(ctx, b.url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+PGChannel); err != nil {
		return err
	}
	b.readyOnce.Do(func() { close(b.ready) })
	if !first {
		b.Hub.reloadAll()
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var e Event
		if err := json.Unmarshal([]byte(n.Payload), &e); err != nil || e.ProjectID == 0 {
			b.log.Warn("board events: unreadable notification ignored")
			continue
		}
		b.Hub.deliver(e)
	}
}
