package projectweb

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/web"
)

// The board's event stream (Server-Sent Events, docs/board.md).

const (
	// boardHeartbeat is the pause between comments that keep proxies from
	// closing an idle stream; each heartbeat also checks that the reader
	// still sees the project.
	boardHeartbeat = 25 * time.Second
	// boardStreamMax ends a stream after a while; the browser reconnects
	// (retry below), which authenticates the session anew.
	boardStreamMax = 30 * time.Minute
	// boardWriteWait bounds each write: the server's WriteTimeout would
	// otherwise end every stream after two minutes.
	boardWriteWait = 30 * time.Second
	// boardRetryMillis is the reconnection delay the browser is told.
	boardRetryMillis = 3000
	// boardStreamsPerUser bounds the open streams of one person on this
	// instance (one per open board tab); more answer 429.
	boardStreamsPerUser = 10
)

var errTooManyStreams = apperr.New(apperr.RateLimited, "too_many_streams", "too many open board streams; close some board tabs")

// streamCounter counts open streams per user.
type streamCounter struct {
	mu sync.Mutex
	n  map[int64]int
}

// acquire counts a stream of user id unless the user already has max.
func (c *streamCounter) acquire(id int64, max int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[int64]int{}
	}
	if c.n[id] >= max {
		return false
	}
	c.n[id]++
	return true
}

func (c *streamCounter) release(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[id]--; c.n[id] <= 0 {
		delete(c.n, id)
	}
}

// boardEvents streams the task events of project {id} as text/event-stream
// to a reader of the project: event types task.created, task.updated,
// task.moved, task.deleted with a JSON object {task_id, status_id, rank,
// version, after_id}, and "reload" when events were lost.
func (h *Handler) boardEvents(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	a := web.Actor(r)
	sub, err := h.svc.SubscribeBoard(r.Context(), a, id)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	defer sub.Close()
	if !h.streams.acquire(a.UserID, boardStreamsPerUser) {
		h.srv.Error(w, r, errTooManyStreams)
		return
	}
	defer h.streams.release(a.UserID)
	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream; charset=utf-8")
	hd.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	send := func(format string, args ...any) bool {
		if err := rc.SetWriteDeadline(time.Now().Add(boardWriteWait)); err != nil && err != http.ErrNotSupported {
			return false
		}
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: %d\n: connected\n\n", boardRetryMillis) {
		return
	}
	heartbeat := time.NewTicker(boardHeartbeat)
	defer heartbeat.Stop()
	end := time.NewTimer(boardStreamMax)
	defer end.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-sub.Done:
			return
		case <-end.C:
			return
		case <-sub.Reload:
			if !send("event: reload\ndata: {}\n\n") {
				return
			}
		case e := <-sub.C:
			b, err := json.Marshal(e)
			if err != nil || !send("event: %s\ndata: %s\n\n", e.Type, b) {
				return
			}
		case <-heartbeat.C:
			if err := h.svc.CanReadBoard(r.Context(), a, id); err != nil {
				// Removed from the project (or it became confidential):
				// the page reloads and shows why.
				send("event: reload\ndata: {}\n\n")
				return
			}
			if !send(": ping\n\n") {
				return
			}
		}
	}
}
