package project_test

import (
	"context"
	"testing"
	"time"

	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/project"
)

// evNext returns the next event of sub or fails after a while.
func evNext(t *testing.T, sub *project.Subscription) project.Event {
	t.Helper()
	select {
	case e := <-sub.C:
		return e
	case <-sub.Reload:
		t.Fatal("reload instead of an event")
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
	return project.Event{}
}

// evNone checks that sub has nothing pending.
func evNone(t *testing.T, sub *project.Subscription) {
	t.Helper()
	select {
	case e := <-sub.C:
		t.Fatalf("unexpected event %+v", e)
	case <-sub.Reload:
		t.Fatal("unexpected reload")
	default:
	}
}

func TestEventsHubFanOut(t *testing.T) {
	t.Parallel()
	h := project.NewHub()
	a, b, other := h.Subscribe(1), h.Subscribe(1), h.Subscribe(2)
	h.Publish(t.Context(), project.Event{Type: project.EventTaskMoved, ProjectID: 1, TaskID: 7, StatusID: 3, Rank: "i", Version: 2})
	for _, s := range []*project.Subscription{a, b} {
		if e := evNext(t, s); e.TaskID != 7 || e.StatusID != 3 || e.Rank != "i" || e.Version != 2 {
			t.Errorf("event %+v", e)
		}
	}
	evNone(t, other)
	b.Close()
	b.Close() // twice is fine
	if n := h.Subscribers(1); n != 1 {
		t.Errorf("%d subscribers after close, want 1", n)
	}
	h.Close()
	select {
	case <-a.Done:
	case <-time.After(time.Second):
		t.Fatal("Done not closed by Close")
	}
}

// A subscriber that does not read never blocks the publisher: its buffer
// is dropped and it gets one reload signal.
func TestEventsHubSlowSubscriber(t *testing.T) {
	t.Parallel()
	h := project.NewHub()
	slow, fast := h.Subscribe(1), h.Subscribe(1)
	start := time.Now()
	for i := range project.SubscriptionBuffer * 3 {
		h.Publish(t.Context(), project.Event{Type: project.EventTaskUpdated, ProjectID: 1, TaskID: int64(i + 1)})
		// The fast subscriber keeps up and gets every event in order.
		if e := evNext(t, fast); e.TaskID != int64(i+1) {
			t.Fatalf("fast subscriber got %+v", e)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("publishing took %v", d)
	}
	select {
	case <-slow.Reload:
	default:
		t.Fatal("slow subscriber got no reload signal")
	}
	if h.Dropped() == 0 {
		t.Error("no dropped events counted")
	}
}

// Changes publish after they are committed; refused changes publish
// nothing.
func TestEventsPublishedByTaskService(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTaskFixture(t, d)
		hub := project.NewHub()
		svc := f.svc.WithEvents(hub)
		ctx := t.Context()
		sub := hub.Subscribe(f.project)
		defer sub.Close()

		a, _, err := svc.CreateTask(ctx, f.mem, f.project, project.NewTask{Title: "Antrag prüfen"})
		if err != nil {
			t.Fatal(err)
		}
		e := evNext(t, sub)
		if e.Type != project.EventTaskCreated || e.TaskID != a.ID || e.StatusID != a.StatusID || e.Rank != a.Rank || e.Version != a.Version {
			t.Errorf("created event %+v, task %+v", e, a)
		}
		b, _, err := svc.CreateTask(ctx, f.mem, f.project, project.NewTask{Title: "Bescheid schreiben"})
		if err != nil {
			t.Fatal(err)
		}
		evNext(t, sub)

		// The event's state is visible to a reader when it arrives.
		moved, _, err := svc.MoveTask(ctx, f.mem, b.ID, project.TaskMove{StatusID: f.doing, Version: b.Version})
		if err != nil {
			t.Fatal(err)
		}
		e = evNext(t, sub)
		if e.Type != project.EventTaskMoved || e.StatusID != f.doing || e.Rank != moved.Rank || e.Version != moved.Version || e.AfterID != 0 {
			t.Errorf("moved event %+v, task %+v", e, moved)
		}
		var status int64
		if err := d.QueryRowContext(ctx, `SELECT status_id FROM tasks WHERE id = ?`, b.ID).Scan(&status); err != nil || status != f.doing {
			t.Errorf("committed column %d (%v)", status, err)
		}

		// A stale move changes nothing and publishes nothing.
		if _, _, err := svc.MoveTask(ctx, f.mem, b.ID, project.TaskMove{StatusID: f.open, Version: b.Version}); err == nil {
			t.Fatal("stale move accepted")
		}
		evNone(t, sub)

		title := "Antrag vollständig prüfen"
		u, err := svc.UpdateTask(ctx, f.mem, a.ID, project.TaskUpdate{Version: a.Version, Title: &title})
		if err != nil {
			t.Fatal(err)
		}
		if e := evNext(t, sub); e.Type != project.EventTaskUpdated || e.TaskID != a.ID || e.Version != u.Version {
			t.Errorf("updated event %+v", e)
		}
		if err := svc.DeleteTask(ctx, f.mgr, a.ID); err != nil {
			t.Fatal(err)
		}
		if e := evNext(t, sub); e.Type != project.EventTaskDeleted || e.TaskID != a.ID {
			t.Errorf("deleted event %+v", e)
		}
		// A viewer's refused change publishes nothing.
		if _, _, err := svc.CreateTask(ctx, f.view, f.project, project.NewTask{Title: "x"}); err == nil {
			t.Fatal("viewer created a task")
		}
		evNone(t, sub)
	})
}

func TestEventsSubscribeBoardAccess(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTaskFixture(t, d)
		if _, err := f.svc.SubscribeBoard(t.Context(), f.mem, f.project); err == nil {
			t.Error("subscribed without a broker")
		}
		svc := f.svc.WithEvents(project.NewHub())
		sub, err := svc.SubscribeBoard(t.Context(), f.view, f.project)
		if err != nil {
			t.Fatal(err)
		}
		sub.Close()
		// The confidential project of the manager is invisible to others.
		if _, err := svc.SubscribeBoard(t.Context(), f.mem, f.secret); err == nil {
			t.Error("an outsider subscribed to a confidential board")
		}
		if err := svc.CanReadBoard(t.Context(), f.mgr, f.secret); err != nil {
			t.Errorf("manager: %v", err)
		}
	})
}

// Two brokers on one PostgreSQL database (two instances behind a load
// balancer): a change on one reaches the subscribers of the other.
func TestEventsPostgresAcrossInstances(t *testing.T) {
	t.Parallel()
	url := dbtest.URL(t, db.Postgres)
	open := func() (*db.DB, *project.PGBroker) {
		d, err := db.Open(context.Background(), url, db.Options{MaxOpenConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		b := project.NewPGBroker(d, url, nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _ = b.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		select {
		case <-b.Ready():
		case <-time.After(20 * time.Second):
			t.Fatal("broker does not listen")
		}
		return d, b
	}
	d1, b1 := open()
	_, b2 := open()
	f := newTaskFixture(t, d1)
	svc1 := f.svc.WithEvents(b1)
	sub1, sub2 := b1.Subscribe(f.project), b2.Subscribe(f.project)
	defer sub1.Close()
	defer sub2.Close()
	tk, _, err := svc1.CreateTask(t.Context(), f.mem, f.project, project.NewTask{Title: "Über zwei Instanzen"})
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []*project.Subscription{sub1, sub2} {
		if e := evNext(t, sub); e.Type != project.EventTaskCreated || e.TaskID != tk.ID || e.Rank != tk.Rank {
			t.Errorf("event %+v", e)
		}
	}
	// Exactly once on the publishing instance too (no local copy besides
	// the notification).
	time.Sleep(200 * time.Millisecond)
	evNone(t, sub1)
}
