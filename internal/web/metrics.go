package web

import (
	"bufio"
	"cmp"
	"crypto/subtle"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"ortlos/internal/db"
)

// Metrics collects the server's Prometheus metrics. The text exposition
// format is small enough to write directly, which spares the project the
// client library and its protobuf dependencies.
type Metrics struct {
	mu       sync.Mutex
	series   map[seriesKey]*routeStats
	db       *db.DB
	started  time.Time
	loginBad atomic.Int64
}

type seriesKey struct {
	route, method string
	code          int
}

// latencyBuckets are the histogram upper bounds in seconds.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

type routeStats struct {
	count   int64
	sum     float64
	buckets []int64 // cumulative counts are computed at exposition
}

// NewMetrics returns a collector; d may be nil.
func NewMetrics(d *db.DB) *Metrics {
	return &Metrics{series: map[seriesKey]*routeStats{}, db: d, started: time.Now()}
}

// LoginFailed counts a failed or throttled login attempt.
func (m *Metrics) LoginFailed() { m.loginBad.Add(1) }

func (m *Metrics) observe(route, method string, code int, d time.Duration) {
	k := seriesKey{route, method, code}
	sec := d.Seconds()
	m.mu.Lock()
	st := m.series[k]
	if st == nil {
		st = &routeStats{buckets: make([]int64, len(latencyBuckets))}
		m.series[k] = st
	}
	st.count++
	st.sum += sec
	for i, b := range latencyBuckets {
		if sec <= b {
			st.buckets[i]++
			break
		}
	}
	m.mu.Unlock()
}

// handler serves /metrics to callers presenting the metrics token; without a
// configured token the endpoint does not exist (404).
func (m *Metrics) handler(token string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("Authorization")
		if token == "" || subtle.ConstantTimeCompare([]byte(got), []byte("Bearer "+token)) != 1 {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		bw := bufio.NewWriter(w)
		m.write(bw)
		_ = bw.Flush()
	})
}

func (m *Metrics) write(w *bufio.Writer) {
	m.mu.Lock()
	keys := make([]seriesKey, 0, len(m.series))
	for k := range m.series {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b seriesKey) int {
		if a.route != b.route {
			return cmp.Compare(a.route, b.route)
		}
		if a.method != b.method {
			return cmp.Compare(a.method, b.method)
		}
		return a.code - b.code
	})
	snap := make(map[seriesKey]routeStats, len(keys))
	for _, k := range keys {
		st := m.series[k]
		snap[k] = routeStats{count: st.count, sum: st.sum, buckets: slices.Clone(st.buckets)}
	}
	m.mu.Unlock()

	fmt.Fprintln(w, "# HELP ortlos_http_requests_total HTTP requests by route, method and status.")
	fmt.Fprintln(w, "# TYPE ortlos_http_requests_total counter")
	for _, k := range keys {
		fmt.Fprintf(w, "ortlos_http_requests_total{route=%s,method=%s,code=\"%d\"} %d\n", q(k.route), q(k.method), k.code, snap[k].count)
	}
	fmt.Fprintln(w, "# HELP ortlos_http_request_duration_seconds HTTP request latency by route and method.")
	fmt.Fprintln(w, "# TYPE ortlos_http_request_duration_seconds histogram")
	type rm struct{ route, method string }
	agg := map[rm]*routeStats{}
	var order []rm
	for _, k := range keys {
		key := rm{k.route, k.method}
		a := agg[key]
		if a == nil {
			a = &routeStats{buckets: make([]int64, len(latencyBuckets))}
			agg[key] = a
			order = append(order, key)
		}
		s := snap[k]
		a.count += s.count
		a.sum += s.sum
		for i := range s.buckets {
			a.buckets[i] += s.buckets[i]
		}
	}
	for _, key := range order {
		a := agg[key]
		var cum int64
		for i, b := range latencyBuckets {
			cum += a.buckets[i]
			fmt.Fprintf(w, "ortlos_http_request_duration_seconds_bucket{route=%s,method=%s,le=\"%s\"} %d\n", q(key.route), q(key.method), strconv.FormatFloat(b, 'g', -1, 64), cum)
		}
		fmt.Fprintf(w, "ortlos_http_request_duration_seconds_bucket{route=%s,method=%s,le=\"+Inf\"} %d\n", q(key.route), q(key.method), a.count)
		fmt.Fprintf(w, "ortlos_http_request_duration_seconds_sum{route=%s,method=%s} %g\n", q(key.route), q(key.method), a.sum)
		fmt.Fprintf(w, "ortlos_http_request_duration_seconds_count{route=%s,method=%s} %d\n", q(key.route), q(key.method), a.count)
	}
	fmt.Fprintln(w, "# HELP ortlos_login_failures_total Failed or throttled login attempts.")
	fmt.Fprintln(w, "# TYPE ortlos_login_failures_total counter")
	fmt.Fprintf(w, "ortlos_login_failures_total %d\n", m.loginBad.Load())
	if m.db != nil {
		read, write := m.db.Stats()
		gauge := func(name, help string, r, wr float64, kind string) {
			fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
			fmt.Fprintf(w, "%s{pool=\"read\"} %g\n%s{pool=\"write\"} %g\n", name, r, name, wr)
		}
		gauge("ortlos_db_open_connections", "Open database connections by pool.", float64(read.OpenConnections), float64(write.OpenConnections), "gauge")
		gauge("ortlos_db_in_use_connections", "Database connections in use by pool.", float64(read.InUse), float64(write.InUse), "gauge")
		gauge("ortlos_db_wait_count_total", "Waits for a free database connection by pool.", float64(read.WaitCount), float64(write.WaitCount), "counter")
		gauge("ortlos_db_wait_seconds_total", "Time spent waiting for a database connection by pool.", read.WaitDuration.Seconds(), write.WaitDuration.Seconds(), "counter")
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(w, "# HELP go_goroutines Number of goroutines.\n# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintf(w, "# HELP go_memstats_heap_alloc_bytes Heap bytes in use.\n# TYPE go_memstats_heap_alloc_bytes gauge\ngo_memstats_heap_alloc_bytes %d\n", ms.HeapAlloc)
	fmt.Fprintf(w, "# HELP go_memstats_sys_bytes Bytes obtained from the OS.\n# TYPE go_memstats_sys_bytes gauge\ngo_memstats_sys_bytes %d\n", ms.Sys)
	fmt.Fprintf(w, "# HELP process_start_time_seconds Start time of the process.\n# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %d\n", m.started.Unix())
}

func q(s string) string { return strconv.Quote(s) }
