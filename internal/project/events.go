package project

import (
	"context"
	"sync"
	"time"

	"ortlos/internal/actor"
)

// Live board events (docs/board.md).
//
// After a task change has been COMMITTED the service publishes an Event;
// boards open in browsers receive it through Server-Sent Events and move
// or refetch the card. Events carry ids, the column, the rank and the
// version only – never titles or other texts – so what a stream reveals
// is no more than the board page itself shows; the texts are fetched
// through the normal, access-checked routes.
//
// A Broker fans events out to the subscribers of a project. Hub is the
// in-process broker (one instance, SQLite or PostgreSQL); PGBroker
// (events_postgres.go) adds PostgreSQL LISTEN/NOTIFY so that instances
// behind a load balancer see each other's changes. Publishing never
// blocks a writer: every subscriber has a bounded buffer, and a
// subscriber that falls behind loses its buffered events and gets one
// "reload" signal instead (the board then fetches its state again).

// Event types.
const (
	EventTaskCreated = "task.created"
	EventTaskUpdated = "task.updated"
	EventTaskMoved   = "task.moved"
	EventTaskDeleted = "task.deleted"
	// EventReload tells boards to fetch the whole board again: many cards
	// changed at once (a CSV import).
	EventReload = "reload"
)

// Event is a change of a task on a project's board.
type Event struct {
	Type      string `json:"type"`
	ProjectID int64  `json:"project_id"`
	TaskID    int64  `json:"task_id"`
	// StatusID, Rank and Version are the task's column, rank and version
	// after the change (task.deleted: the column it was in, no rank or
	// version). A task.updated without version reports a change beside the
	// task row that the card shows (its checklist).
	StatusID int64  `json:"status_id,omitempty"`
	Rank     string `json:"rank,omitempty"`
	Version  int    `json:"version,omitempty"`
	// AfterID is the card the task now follows (task.moved; 0: the top).
	AfterID int64 `json:"after_id,omitempty"`
}

// Broker publishes board events and hands them to subscribers.
type Broker interface {
	// Publish hands e to the subscribers of e.ProjectID (on every
	// instance, for brokers that span several). It does not block on slow
	// subscribers.
	Publish(ctx context.Context, e Event)
	// Subscribe returns a subscription to the events of project id.
	Subscribe(projectID int64) *Subscription
	// Run serves the broker until ctx ends (a no-op for the in-process
	// hub; PGBroker listens for notifications).
	Run(ctx context.Context) error
	// Close ends every subscription (server shutdown: streams return).
	Close()
}

// SubscriptionBuffer is the number of events buffered per subscriber;
// a subscriber further behind gets a reload signal instead.
const SubscriptionBuffer = 64

// Subscription receives the events of one project.
type Subscription struct {
	// C delivers the events in publishing order.
	C <-chan Event
	// Reload is signalled when events were dropped (the subscriber was too
	// slow, or a broker lost its connection): the receiver must fetch the
	// whole board again.
	Reload <-chan struct{}
	// Done is closed when the hub closes (shutdown).
	Done <-chan struct{}

	c      chan Event
	reload chan struct{}
	hub    *Hub
	id     int64
}

// Close ends the subscription; it is safe to call more than once.
func (s *Subscription) Close() { s.hub.unsubscribe(s) }

// Hub is the in-process Broker.
type Hub struct {
	mu     sync.Mutex
	subs   map[int64]map[*Subscription]struct{}
	done   chan struct{}
	closed bool
	// Dropped counts events not delivered to slow subscribers (tests,
	// metrics).
	dropped int64
}

// NewHub returns an in-process broker.
func NewHub() *Hub {
	return &Hub{subs: map[int64]map[*Subscription]struct{}{}, done: make(chan struct{})}
}

// Subscribe implements Broker.
func (h *Hub) Subscribe(projectID int64) *Subscription {
	c, reload := make(chan Event, SubscriptionBuffer), make(chan struct{}, 1)
	s := &Subscription{C: c, Reload: reload, Done: h.done, c: c, reload: reload, hub: h, id: projectID}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return s
	}
	m := h.subs[projectID]
	if m == nil {
		m = map[*Subscription]struct{}{}
		h.subs[projectID] = m
	}
	m[s] = struct{}{}
	return s
}

func (h *Hub) unsubscribe(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m := h.subs[s.id]; m != nil {
		delete(m, s)
		if len(m) == 0 {
			delete(h.subs, s.id)
		}
	}
}

// Publish implements Broker: it delivers e to this process's subscribers.
func (h *Hub) Publish(_ context.Context, e Event) { h.deliver(e) }

// deliver hands e to the local subscribers of its project without
// blocking: a full buffer is emptied and replaced by a reload signal.
func (h *Hub) deliver(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs[e.ProjectID] {
		select {
		case s.c <- e:
		default:
			h.dropped++
			s.signalReload()
		}
	}
}

// reloadAll signals every local subscriber to reload (events may have been
// missed, e.g. while a broker reconnected).
func (h *Hub) reloadAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.subs {
		for s := range m {
			s.signalReload()
		}
	}
}

// signalReload drops the buffered events (the board fetches everything
// anyway) and signals a reload. The caller holds the hub's lock.
func (s *Subscription) signalReload() {
	for {
		select {
		case <-s.c:
			continue
		default:
		}
		break
	}
	select {
	case s.reload <- struct{}{}:
	default:
	}
}

// Dropped reports how many events were not delivered to slow subscribers.
func (h *Hub) Dropped() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dropped
}

// Subscribers reports the number of subscriptions to project id.
func (h *Hub) Subscribers(projectID int64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs[projectID])
}

// Run implements Broker; the in-process hub has nothing to serve.
func (h *Hub) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// Close implements Broker: Done of every subscription closes.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
		h.subs = map[int64]map[*Subscription]struct{}{}
	}
}

// WithEvents returns a copy of s that publishes task changes to b after
// they are committed.
func (s *Service) WithEvents(b Broker) *Service {
	c := *s
	c.events = b
	return &c
}

// Events returns the service's broker (nil without one).
func (s *Service) Events() Broker { return s.events }

// publish hands e to the broker; call it only after the change committed.
func (s *Service) publish(ctx context.Context, e Event) {
	if s.events == nil || e.ProjectID == 0 {
		return
	}
	// The request may end right after the answer; the event still goes out.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	s.events.Publish(ctx, e)
}

// SubscribeBoard subscribes a to the events of project id; a must see the
// project (404 otherwise). Without a broker it answers 404 too: there is
// no stream to offer.
func (s *Service) SubscribeBoard(ctx context.Context, a actor.Actor, id int64) (*Subscription, error) {
	if s.events == nil {
		return nil, errNotFound
	}
	if err := s.CanReadBoard(ctx, a, id); err != nil {
		return nil, err
	}
	return s.events.Subscribe(id), nil
}

// CanReadBoard reports (nil) whether a still sees project id; a stream
// checks it again on every heartbeat, so a removed member stops receiving
// events.
func (s *Service) CanReadBoard(ctx context.Context, a actor.Actor, id int64) error {
	_, err := s.require(ctx, s.db, a, id, RoleViewer)
	return err
}
