package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/app"
	"ortlos/internal/db"
	"ortlos/internal/document"
	"ortlos/internal/identity"
)

var (
	davFiles = flag.Int("webdav-files", 10000, "webdav: number of small files written")
	davSize  = flag.Int("webdav-file-size", 10<<10, "webdav: size of the small files in bytes")
	davBig   = flag.Int64("webdav-big", 1<<30, "webdav: size of the large file written and read (0: skip)")
	davCurl  = flag.Bool("webdav-curl", true, "webdav: transfer the large file with curl, a separate process, when it is installed (false: a Go client in this process)")
)

// webdavLoad runs the WebDAV scenario (issue 6): many small files written
// through /dav/ (target: 10,000 files of 10 KiB in under 60 s on SQLite),
// then one large file PUT and GET, compared with dd on the same disk,
// with the process's peak RSS and Go heap during each transfer (target:
// at least 70% of dd, under 100 MB). The small files come from Go
// clients in the server's process; the large file goes through curl, a
// separate process (-webdav-curl=false: a Go client streaming from a
// generator in this process, whose RSS then includes a few buffers).
func webdavLoad(ctx context.Context, m *app.Main, base, scenario string, clients int) error {
	if scenario != "webdav" && scenario != "all" {
		return nil
	}
	u, err := m.Identity.CreateUser(ctx, actor.CLI(), identity.NewUser{Username: "dav.bench", DisplayName: "DAV Bench", Roles: []string{actor.RoleEmployee}})
	if err != nil {
		return err
	}
	_, token, err := m.Identity.CreateTokenFor(ctx, actor.CLI(), u.ID, identity.NewToken{Name: "bench", Scope: identity.ScopeWrite})
	if err != nil {
		return err
	}
	var plan, file int64
	now := db.T(time.Now())
	err = m.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO doc_folders (kind, reference, title, created_at, updated_at) VALUES ('plan', '99', 'Bench', ?, ?) RETURNING id`,
			now, now).Scan(&plan); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO doc_folders (parent_id, kind, reference, title, created_at, updated_at) VALUES (?, 'file', '99-1', 'Last', ?, ?) RETURNING id`,
			plan, now, now).Scan(&file); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO doc_folder_grants (folder_id, principal_kind, principal, access) VALUES (?, 'user', ?, 'manage')`,
			plan, strconv.FormatInt(u.ID, 10))
		return err
	})
	if err != nil {
		return err
	}
	dir := base + "/dav/" + url.PathEscape(document.DAVFolderName("99", "Bench")) + "/" + url.PathEscape(document.DAVFolderName("99-1", "Last")) + "/"
	auth := func(req *http.Request) { req.SetBasicAuth(u.Username, token) }

	// Small files.
	content := make([]byte, *davSize)
	for i := range content {
		content[i] = 'a' + byte(i%26)
	}
	var next atomic.Int64
	res := work(clients, func(c *http.Client) (int, bool, error) {
		k := next.Add(1)
		if k > int64(*davFiles) {
			return 0, false, nil
		}
		body := append([]byte(fmt.Sprintf("Datei %d\n", k)), content[:max(0, len(content)-16)]...)
		req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%sdatei-%05d.txt", dir, k), bytes.NewReader(body))
		auth(req)
		code, err := do(c, req)
		return code, true, err
	})
	res.print(fmt.Sprintf("WebDAV PUT: %d new files of %d KiB (target: 10,000 in under 60 s on SQLite)", *davFiles, *davSize>>10))

	// The server's search indexer now works through the new documents;
	// let it finish, so that it does not share the CPU with the large
	// transfers below.
	st, wait, err := waitIndexed(ctx, m)
	if err != nil {
		return err
	}
	fmt.Printf("  search index: %d documents indexed %.0f s after the last PUT (%d still pending)\n\n", st.Documents, wait.Seconds(), st.Pending)

	if *davBig <= 0 {
		return nil
	}
	if err := bigTransfer(ctx, m, "WebDAV", 1, dir+"gross.txt", dir+"gross.txt", auth); err != nil {
		return err
	}
	// The same through the REST API: a document, its raw content PUT and
	// the download of the version.
	bearer := func(req *http.Request) { req.Header.Set("Authorization", "Bearer "+token) }
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/document-folders/%d/documents", base, file), strings.NewReader(`{"title":"Großes Dokument"}`))
	req.Header.Set("Content-Type", "application/json")
	bearer(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	var doc struct{ ID int64 }
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("create document: %d %v", resp.StatusCode, err)
	}
	return bigTransfer(ctx, m, "HTTP API", 2,
		fmt.Sprintf("%s/api/v1/documents/%d/content?filename=gross.txt", base, doc.ID),
		fmt.Sprintf("%s/api/v1/documents/%d/versions/1/content", base, doc.ID), bearer)
}

// pattern is a reader of n bytes of pseudo-random text (one random MiB of
// letters, spaces and line breaks, repeated): a type the default upload
// allow-list accepts.
type pattern struct {
	block []byte
	left  int64
	off   int
}

func newPattern(n int64, seed uint64) *pattern {
	b := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(seed, 2))
	const letters = "abcdefghijklmnopqrstuvwxyzäöü ABCDEFGHIJKLMNOPQRSTUVWXYZ .,\n"
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	// Keep the bytes ASCII (the umlauts' UTF-8 bytes would split).
	for i := range b {
		if b[i] >= 0x80 {
			b[i] = 'e'
		}
	}
	return &pattern{block: b, left: n}
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	n := copy(b, p.block[p.off:])
	if int64(n) > p.left {
		n = int(p.left)
	}
	p.off = (p.off + n) % len(p.block)
	p.left -= int64(n)
	return n, nil
}

// peak samples the process RSS and Go heap until stop is closed.
func peak(stop <-chan struct{}) func() (rss, heap uint64) {
	var mu sync.Mutex
	var maxRSS, maxHeap uint64
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			r := rssBytes()
			mu.Lock()
			maxRSS, maxHeap = max(maxRSS, r), max(maxHeap, ms.HeapInuse)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() (uint64, uint64) {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return maxRSS, maxHeap
	}
}

func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// ddRate measures dd writing (with fsync) and reading n bytes in dir, in
// bytes per second.
func ddRate(dir string, n int64) (write, read float64, err error) {
	f := filepath.Join(dir, "dd.bin")
	defer os.Remove(f)
	count := strconv.FormatInt(n>>20, 10)
	t0 := time.Now()
	if out, err := exec.Command("dd", "if=/dev/zero", "of="+f, "bs=1M", "count="+count, "conv=fsync", "status=none").CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("dd: %v %s", err, out)
	}
	write = float64(n) / time.Since(t0).Seconds()
	if err := evict(f); err != nil {
		return 0, 0, err
	}
	t0 = time.Now()
	if out, err := exec.Command("dd", "if="+f, "of=/dev/null", "bs=1M", "status=none").CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("dd: %v %s", err, out)
	}
	read = float64(n) / time.Since(t0).Seconds()
	return write, read, nil
}

// evict drops file f from the page cache (GNU dd's nocache flag).
func evict(f string) error {
	if out, err := exec.Command("dd", "if="+f, "iflag=nocache", "count=0", "status=none").CombinedOutput(); err != nil {
		return fmt.Errorf("dd nocache: %v %s", err, out)
	}
	return nil
}

// bigTransfer PUTs a large file to putURL and GETs it from getURL (label
// names the protocol in the report), each compared with dd. Each call
// sends other content (seed): a PUT of stored content would only
// deduplicate, and its GET would read what an earlier GET left cached.
func bigTransfer(ctx context.Context, m *app.Main, label string, seed uint64, putURL, getURL string, auth func(*http.Request)) error {
	n := *davBig
	c := &http.Client{Timeout: 10 * time.Minute}
	mib := func(rate float64) float64 { return rate / (1 << 20) }

	debug.FreeOSMemory()
	putBase := rssBytes()
	stop := make(chan struct{})
	wait := peak(stop)
	curl := newCurl(n, seed, auth)
	if curl != nil {
		defer curl.close()
	}
	t0 := time.Now()
	var code int
	var err error
	if curl != nil {
		code, err = curl.put(putURL)
	} else {
		req, _ := http.NewRequest(http.MethodPut, putURL, newPattern(n, seed))
		req.ContentLength = n
		req.Header.Set("Content-Type", "text/plain")
		auth(req)
		code, err = do(c, req)
	}
	put := time.Since(t0)
	close(stop)
	putRSS, putHeap := wait()
	if err != nil || code != http.StatusCreated {
		return fmt.Errorf("%s big PUT: %d %v", label, code, err)
	}

	// The indexer reads the new document's text (its first MiB) within
	// seconds; let it, before measuring the download.
	if _, _, err := waitIndexed(ctx, m); err != nil {
		return err
	}
	// Read from the disk, not the page cache, like dd below.
	if err := filepath.WalkDir(m.Config.BlobDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if fi, err := d.Info(); err == nil && fi.Size() >= n {
			return evict(p)
		}
		return nil
	}); err != nil {
		return err
	}
	debug.FreeOSMemory()
	getBase := rssBytes()
	stop = make(chan struct{})
	wait = peak(stop)
	get, got, err := timedGet(c, curl, getURL, auth)
	close(stop)
	getRSS, getHeap := wait()
	if err != nil || got != n {
		return fmt.Errorf("%s big GET: %d bytes, %v", label, got, err)
	}
	// Again from the page cache: the ceiling of HTTP on loopback.
	warm, _, err := timedGet(c, curl, getURL, auth)
	if err != nil {
		return err
	}
	ddW, ddR, err := ddRate(m.Config.BlobDir, n)
	if err != nil {
		return err
	}
	putRate, getRate := float64(n)/put.Seconds(), float64(n)/get.Seconds()
	client := "a Go client in the server's process"
	if curl != nil {
		client = "curl"
	}
	fmt.Printf("%s large file: %d MiB with %s (targets: at least 70%% of dd, server memory under 100 MB)\n", label, n>>20, client)
	if curl != nil {
		// What HTTP on this machine allows at all, for comparison.
		pPut, pGet, err := plainHTTP(m.Config.BlobDir, n, curl)
		if err != nil {
			return err
		}
		fmt.Printf("  plain Go HTTP server (io.Copy to a file + fsync; http.ServeContent; no hash, checks or database): PUT %.0f MiB/s (%.0f%% of dd), GET from disk %.0f MiB/s (%.0f%% of dd)\n",
			mib(pPut), 100*pPut/ddW, mib(pGet), 100*pGet/ddR)
	}
	fmt.Printf("  PUT %.1f s = %.0f MiB/s (dd write with fsync %.0f MiB/s: %.0f%%), process RSS %d MiB before, peak %d MiB, peak Go heap %d MiB\n",
		put.Seconds(), mib(putRate), mib(ddW), 100*putRate/ddW, putBase>>20, putRSS>>20, putHeap>>20)
	fmt.Printf("  GET %.1f s = %.0f MiB/s (dd read, both from disk: %.0f MiB/s: %.0f%%), process RSS %d MiB before, peak %d MiB, peak Go heap %d MiB\n",
		get.Seconds(), mib(getRate), mib(ddR), 100*getRate/ddR, getBase>>20, getRSS>>20, getHeap>>20)
	fmt.Printf("  GET from the page cache %.1f s = %.0f MiB/s\n\n", warm.Seconds(), mib(float64(n)/warm.Seconds()))
	return nil
}

// timedGet downloads url with curl (when not nil) or c, discarding the
// content, and returns the time taken and the bytes received.
func timedGet(c *http.Client, curl *curlClient, url string, auth func(*http.Request)) (time.Duration, int64, error) {
	t0 := time.Now()
	if curl != nil {
		got, err := curl.get(url)
		return time.Since(t0), got, err
	}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	auth(req)
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	got, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, resp.Body, make([]byte, 1<<20))
	return time.Since(t0), got, err
}

// curlClient transfers the large file with curl, a separate process like
// a real client, so that the process's figures are the server's alone. The
// content to upload is written once into a file in /dev/shm (memory), so
// the client's reads do not compete with the server for the disk.
type curlClient struct {
	file    string
	headers []string
}

// newCurl returns nil when curl is not wanted or not installed.
func newCurl(n int64, seed uint64, auth func(*http.Request)) *curlClient {
	if !*davCurl {
		return nil
	}
	if _, err := exec.LookPath("curl"); err != nil {
		return nil
	}
	dir := "/dev/shm"
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "ortlos-bench-*.txt")
	if err != nil {
		return nil
	}
	_, err = io.Copy(f, newPattern(n, seed))
	if cerr := f.Close(); err != nil || cerr != nil {
		os.Remove(f.Name())
		return nil
	}
	req, _ := http.NewRequest(http.MethodGet, "http://localhost/", nil)
	auth(req)
	c := &curlClient{file: f.Name()}
	for k, vs := range req.Header {
		for _, v := range vs {
			c.headers = append(c.headers, "-H", k+": "+v)
		}
	}
	return c
}

func (c *curlClient) close() { os.Remove(c.file) }

// run runs curl with args and returns what -w printed.
func (c *curlClient) run(args ...string) (string, error) {
	args = append(append([]string{"-sS", "-o", "/dev/null"}, c.headers...), args...)
	out, err := exec.Command("curl", args...).Output()
	if err != nil {
		return "", fmt.Errorf("curl: %v", err)
	}
	return string(out), nil
}

func (c *curlClient) put(url string) (int, error) {
	out, err := c.run("-H", "Content-Type: text/plain", "-T", c.file, "-w", "%{http_code}", url)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(out))
}

func (c *curlClient) get(url string) (int64, error) {
	out, err := c.run("-w", "%{http_code} %{size_download}", url)
	if err != nil {
		return 0, err
	}
	var code int
	var n int64
	if _, err := fmt.Sscan(out, &code, &n); err != nil || code != http.StatusOK {
		return 0, fmt.Errorf("curl GET: %q", out)
	}
	return n, nil
}

// plainHTTP measures the large transfer against the simplest Go HTTP
// server on the same disk: PUT copies the body into a file and fsyncs it,
// GET sends the file (evicted from the page cache first) with
// http.ServeContent. It returns both rates in bytes per second: the
// ceiling of HTTP with this client on this machine.
func plainHTTP(dir string, n int64, curl *curlClient) (put, get float64, err error) {
	f := filepath.Join(dir, "plain.bin")
	defer os.Remove(f)
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /plain", func(w http.ResponseWriter, r *http.Request) {
		out, err := os.Create(f)
		if err == nil {
			_, err = io.Copy(out, r.Body)
			if err == nil {
				err = out.Sync()
			}
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /plain", func(w http.ResponseWriter, r *http.Request) {
		in, err := os.Open(f)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer in.Close()
		http.ServeContent(w, r, "", time.Time{}, in)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, 0, err
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/plain"
	t0 := time.Now()
	code, err := curl.put(url)
	if err != nil || code != http.StatusCreated {
		return 0, 0, fmt.Errorf("plain PUT: %d %v", code, err)
	}
	put = float64(n) / time.Since(t0).Seconds()
	if err := evict(f); err != nil {
		return 0, 0, err
	}
	t0 = time.Now()
	if got, err := curl.get(url); err != nil || got != n {
		return 0, 0, fmt.Errorf("plain GET: %d bytes, %v", got, err)
	}
	get = float64(n) / time.Since(t0).Seconds()
	return put, get, nil
}

// waitIndexed waits (at most five minutes) until the server's search
// indexer has no pending document, and returns the index's state and the
// time waited.
func waitIndexed(ctx context.Context, m *app.Main) (document.SearchIndexStatus, time.Duration, error) {
	t0 := time.Now()
	for {
		st, err := m.Document.SearchIndexStatus(ctx)
		if err != nil || st.Pending == 0 || time.Since(t0) > 5*time.Minute {
			return st, time.Since(t0), err
		}
		time.Sleep(200 * time.Millisecond)
	}
}
