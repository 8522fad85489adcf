// Command load runs ortlos' load scenarios against an in-process server on
// 127.0.0.1 with a fresh SQLite (or PostgreSQL) database and prints
// throughput and latency percentiles. See bench/README.md.
//
//	go run ./bench/load -scenario all
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/app"
	"ortlos/internal/config"
	"ortlos/internal/identity"
	"ortlos/internal/identity/totp"
)

func main() {
	scenario := flag.String("scenario", "all", "me, write, flood, clockin, tasks or all")
	clients := flag.Int("c", 16, "concurrent clients")
	duration := flag.Duration("d", 10*time.Second, "duration per scenario")
	dbURL := flag.String("database-url", "", "database URL (default: SQLite in a temp folder)")
	hashes := flag.Int("hash-concurrency", 0, "parallel password hashes (0: server default)")
	peakWindow = flag.Duration("peak-window", time.Minute, "clockin: the window in which 2,000 people clock in")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (server and clients) to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*scenario, *clients, *duration, *dbURL, *hashes); err != nil {
		pprof.StopCPUProfile()
		log.Fatal(err)
	}
}

var (
	peakWindow *time.Duration
	useWrk     = flag.Bool("wrk", false, "tasks: also measure the listing with wrk (Debian package wrk)")
)

func run(scenario string, clients int, d time.Duration, dbURL string, hashes int) error {
	dir, err := os.MkdirTemp("", "ortlos-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := config.Defaults()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = dir
	cfg.DatabaseURL = "sqlite:" + filepath.Join(dir, "ortlos.db")
	if dbURL != "" {
		cfg.DatabaseURL = dbURL
	}
	cfg.SecretKeyFile = filepath.Join(dir, "secret.key")
	cfg.BlobDir = filepath.Join(dir, "blobs")
	cfg.PasswordHashConcurrency = hashes
	cfg.OrgName = "Stadt Musterstadt"
	// The flood scenario sends logins from many addresses through a
	// "proxy" on loopback so that throttling does not cut hashing short.
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	m := &app.Main{Config: cfg}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	if err := m.Listen(); err != nil {
		return err
	}
	go m.Serve(ctx)
	base := m.URL()

	admin, err := fullSession(ctx, m, "bench.admin", []string{actor.RoleAdmin})
	if err != nil {
		return err
	}
	var ids []int64
	for i := range 100 {
		u, err := m.Identity.CreateUser(ctx, actor.CLI(), identity.NewUser{
			Username: fmt.Sprintf("user%03d", i), DisplayName: fmt.Sprintf("Nutzer %d", i), Roles: []string{actor.RoleEmployee},
		})
		if err != nil {
			return err
		}
		ids = append(ids, u.ID)
	}
	fmt.Printf("ortlos load scenarios: %d clients, %s each, database %s\n\n", clients, d, dbKind(cfg.DatabaseURL))
	if scenario == "me" || scenario == "all" {
		res := load(clients, d, func(c *http.Client) (int, error) {
			req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/me", nil)
			req.AddCookie(&http.Cookie{Name: "ortlos_session", Value: admin})
			return do(c, req)
		})
		res.print("GET /api/v1/me (session cookie)")
	}
	if scenario == "write" || scenario == "all" {
		var n atomic.Int64
		res := load(clients, d, func(c *http.Client) (int, error) {
			k := n.Add(1)
			id := ids[int(k)%len(ids)]
			body := fmt.Sprintf(`{"display_name":"Nutzer %d"}`, k)
			req, _ := http.NewRequest(http.MethodPatch, fmt.Sprintf("%s/api/v1/users/%d", base, id), bytes.NewBufferString(body))
			req.Header.Set("Content-Type", "application/json")
			req.AddCookie(&http.Cookie{Name: "ortlos_session", Value: admin})
			return do(c, req)
		})
		res.print("PATCH /api/v1/users/{id} (audited write)")
	}
	if scenario == "flood" || scenario == "all" {
		// Half the clients send wrong passwords for unknown users from
		// changing addresses (each costs a full argon2id hash); the other
		// half measure /api/v1/me meanwhile.
		stop := make(chan struct{})
		var floodN, floodBusy atomic.Int64
		var wg sync.WaitGroup
		for w := range clients / 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 30 * time.Second,
					CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					body := fmt.Sprintf("username=flood%d_%d&password=falsches-passwort-%d", w, i, i)
					req, _ := http.NewRequest(http.MethodPost, base+"/login", bytes.NewBufferString(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", w, (i/250)%250, i%250))
					code, _ := do(c, req)
					floodN.Add(1)
					if code == http.StatusServiceUnavailable {
						floodBusy.Add(1)
					}
				}
			}()
		}
		res := load(clients-clients/2, d, func(c *http.Client) (int, error) {
			req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/me", nil)
			req.AddCookie(&http.Cookie{Name: "ortlos_session", Value: admin})
			return do(c, req)
		})
		close(stop)
		wg.Wait()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		res.print(fmt.Sprintf("GET /api/v1/me during a login flood (%d flooding clients: %d failed logins, %d answered busy; Go heap from OS %d MiB)",
			clients/2, floodN.Load(), floodBusy.Load(), ms.Sys>>20))
	}
	if scenario == "clockin" || scenario == "all" {
		if err := clockIn(ctx, m, base, clients, *peakWindow); err != nil {
			return err
		}
	}
	if scenario == "tasks" || scenario == "all" {
		if err := tasks(ctx, m, base, d); err != nil {
			return err
		}
	}
	if err := webdavLoad(ctx, m, base, scenario, clients); err != nil {
		return err
	}
	return nil
}

// clockIn is the morning peak: 2,000 distinct people clock in once each
// within window (the target: one minute), arriving at an even
// rate regardless of how fast the server answers (open loop; latency counts
// from the planned arrival, so queueing is included). Then, for
// information, 2,000 more people clock in as fast as clients parallel
// clients can send (closed loop, the saturation throughput). People
// authenticate with personal API tokens (write scope), which the CLI actor
// creates without hashing passwords or enrolling a second factor.
func clockIn(ctx context.Context, m *app.Main, base string, clients int, window time.Duration) error {
	const people = 2000
	tokens := make([]string, 2*people)
	for i := range tokens {
		u, err := m.Identity.CreateUser(ctx, actor.CLI(), identity.NewUser{
			Username: fmt.Sprintf("clock%04d", i), DisplayName: fmt.Sprintf("Beschäftigte %d", i), Roles: []string{actor.RoleEmployee},
		})
		if err != nil {
			return err
		}
		_, tok, err := m.Identity.CreateTokenFor(ctx, actor.CLI(), u.ID, identity.NewToken{Name: "bench", Scope: "write"})
		if err != nil {
			return err
		}
		tokens[i] = tok
	}
	// Use each token once beforehand: its first use writes an audited
	// "token.first_use" record, a one-off cost of identity that is not part
	// of a morning in which people have long since signed in.
	warm := &http.Client{Timeout: 10 * time.Second}
	for _, tok := range tokens {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/worktime/status", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if code, err := do(warm, req); err != nil || code != http.StatusOK {
			return fmt.Errorf("warm token: status %d: %v", code, err)
		}
	}
	clockReq := func(tok string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/worktime/clock-in", bytes.NewBufferString(`{"location":"home"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		return req
	}

	// Open loop: request k is due at start + k*window/people.
	type job struct {
		due time.Time
		tok string
	}
	jobs := make(chan job)
	var mu sync.Mutex
	var res result
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 10 * time.Second}
			for j := range jobs {
				code, err := do(c, clockReq(j.tok))
				lat := time.Since(j.due)
				mu.Lock()
				res.lat = append(res.lat, lat)
				if err != nil || code < 200 || code > 299 {
					res.failed++
					if res.firstErr == "" {
						res.firstErr = fmt.Sprintf("status %d err %v", code, err)
					}
				}
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	for k := range people {
		due := start.Add(time.Duration(k) * window / people)
		time.Sleep(time.Until(due))
		jobs <- job{due: due, tok: tokens[k]}
	}
	close(jobs)
	wg.Wait()
	res.elapsed = time.Since(start)
	res.n = len(res.lat)
	res.print(fmt.Sprintf("POST /api/v1/worktime/clock-in: morning peak, %d people within %s (open loop)", people, window))

	var next atomic.Int64
	burst := work(clients, func(c *http.Client) (int, bool, error) {
		k := int(next.Add(1)) - 1
		if k >= people {
			return 0, false, nil
		}
		code, err := do(c, clockReq(tokens[people+k]))
		return code, true, err
	})
	burst.print(fmt.Sprintf("POST /api/v1/worktime/clock-in: %d more people at once from %d clients (closed loop, saturation)", people, clients))
	return nil
}

// work runs fn from clients goroutines until fn reports that no work is
// left, and collects latencies.
func work(clients int, fn func(c *http.Client) (code int, more bool, err error)) result {
	var mu sync.Mutex
	var res result
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 10 * time.Second}
			var lat []time.Duration
			failed := 0
			var firstErr string
			for {
				t0 := time.Now()
				code, more, err := fn(c)
				if !more {
					break
				}
				lat = append(lat, time.Since(t0))
				if err != nil || code < 200 || code > 299 {
					failed++
					if firstErr == "" {
						firstErr = fmt.Sprintf("status %d err %v", code, err)
					}
				}
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.failed += failed
			if res.firstErr == "" {
				res.firstErr = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.n = len(res.lat)
	return res
}

func dbKind(u string) string {
	if len(u) > 7 && u[:7] == "sqlite:" {
		return "SQLite"
	}
	return "PostgreSQL"
}

// fullSession creates a user and returns the token of a session that has
// passed password and TOTP enrolment, as a browser would hold it.
func fullSession(ctx context.Context, m *app.Main, username string, roles []string) (string, error) {
	pw := "Lastprobe mit einem langen Passwort 42"
	if _, err := m.Identity.CreateUser(ctx, actor.CLI(), identity.NewUser{Username: username, DisplayName: "Bench", Roles: roles, Password: pw}); err != nil {
		return "", err
	}
	res, err := m.Identity.Login(ctx, identity.LoginInput{Username: username, Password: pw, SourceIP: "127.0.0.1"})
	if err != nil {
		return "", err
	}
	auth, err := m.Identity.AuthenticateSession(ctx, res.Token, "127.0.0.1")
	if err != nil {
		return "", err
	}
	en, err := m.Identity.StartEnrolment(ctx, auth.Actor)
	if err != nil {
		return "", err
	}
	secret, err := totp.DecodeSecret(en.Secret)
	if err != nil {
		return "", err
	}
	done, err := m.Identity.ConfirmEnrolment(ctx, auth.Actor, totp.Code(secret, totp.Step(time.Now())), "bench")
	if err != nil {
		return "", err
	}
	return done.Token, nil
}

func do(c *http.Client, req *http.Request) (int, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

type result struct {
	n, failed int
	elapsed   time.Duration
	lat       []time.Duration
	firstErr  string
}

// load runs fn from clients goroutines for d and collects latencies.
func load(clients int, d time.Duration, fn func(c *http.Client) (int, error)) result {
	deadline := time.Now().Add(d)
	return work(clients, func(c *http.Client) (int, bool, error) {
		if !time.Now().Before(deadline) {
			return 0, false, nil
		}
		code, err := fn(c)
		return code, true, err
	})
}

func (r result) print(name string) {
	slices.Sort(r.lat)
	pct := func(p float64) time.Duration {
		if len(r.lat) == 0 {
			return 0
		}
		return r.lat[min(len(r.lat)-1, int(float64(len(r.lat))*p))]
	}
	fmt.Printf("%s\n  requests %d in %.1fs = %.0f req/s, failed %d\n  latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
		name, r.n, r.elapsed.Seconds(), float64(r.n)/r.elapsed.Seconds(), r.failed,
		ms(pct(.50)), ms(pct(.90)), ms(pct(.99)), ms(r.lat[len(r.lat)-1]))
	if r.failed > 0 {
		fmt.Printf("  first failure: %s\n", r.firstErr)
	}
	fmt.Println()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
