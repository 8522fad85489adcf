// Package s3test starts a real S3 server for tests: versitygw (Apache 2.0,
// github.com/versity/versitygw) serving a temporary folder on a free
// loopback port. The tests of the S3 blob store and of the commands that use
// it run against it. Without a versitygw binary they are skipped, unless
// ORTLOS_TEST_REQUIRE_TOOLS=1 asks for a failure instead (as scripts/test.sh
// does, which installs it).
//
// The binary is looked up in $ORTLOS_VERSITYGW, then $PATH, then the tool
// folder of scripts/test.sh (${XDG_CACHE_HOME:-~/.cache}/ortlos/tools/bin).
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"ortlos/internal/blob"
)

// Environment variables read by the package.
const (
	EnvBinary       = "ORTLOS_VERSITYGW"
	EnvRequireTools = "ORTLOS_TEST_REQUIRE_TOOLS"
)

// Server is a running versitygw.
type Server struct {
	Endpoint  string // 127.0.0.1:port
	AccessKey string
	SecretKey string
	Dir       string // the folder it serves: one sub-folder per bucket

	cmd    *exec.Cmd
	done   chan struct{}
	log    *bytes.Buffer
	client *minio.Client
}

// Binary returns the path of versitygw, or "".
func Binary() string {
	if p := os.Getenv(EnvBinary); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		if home, err := os.UserHomeDir(); err == nil {
			cache = filepath.Join(home, ".cache")
		}
	}
	if cache != "" {
		p := filepath.Join(cache, "ortlos", "tools", "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// need skips or fails t when versitygw is missing and returns its path.
func need(t testing.TB) string {
	t.Helper()
	p := Binary()
	if p == "" {
		msg := "s3test: versitygw not found (scripts/test.sh installs it; or: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0, or set " + EnvBinary + ")"
		if os.Getenv(EnvRequireTools) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// Start starts a server for t in a temporary folder; it stops when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := need(t)
	s, err := start(bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

var shared struct {
	once sync.Once
	srv  *Server
	dir  string
	err  error
}

// Shared returns the server of the test binary, starting it on first use in
// a temporary folder. Run stops it after the tests; a package that uses
// Shared calls Run from its TestMain.
func Shared(t testing.TB) *Server {
	t.Helper()
	bin := need(t)
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "ortlos-s3test-")
		if shared.err == nil {
			shared.srv, shared.err = start(bin, shared.dir)
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.srv
}

// Run runs the tests of m and stops the shared server; TestMain returns
// its result to os.Exit.
func Run(m *testing.M) int {
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Stop()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	return code
}

// start runs versitygw on a free port of 127.0.0.1, retrying with another
// port when the one picked was taken meanwhile.
func start(bin, dir string) (*Server, error) {
	var last error
	for range 3 {
		s, err := startOnce(bin, dir)
		if err == nil {
			return s, nil
		}
		last = err
	}
	return nil, last
}

func startOnce(bin, dir string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Endpoint:  net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		AccessKey: "ortlos" + randHex(6),
		SecretKey: randHex(20),
		Dir:       dir,
		done:      make(chan struct{}),
		log:       &bytes.Buffer{},
	}
	cmd := exec.Command(bin, "--port", s.Endpoint, "posix", dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	// The server dies with the test binary, even one that panics.
	cmd.SysProcAttr = sysProcAttr()
	cmd.Stdout = &lockedWriter{w: s.log}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("s3test: start %s: %w", bin, err)
	}
	s.cmd = cmd
	go func() { cmd.Wait(); close(s.done) }()
	s.client, err = minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""), Region: "us-east-1"})
	if err != nil {
		s.Stop()
		return nil, err
	}
	// Ready when it answers an S3 request.
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := s.client.ListBuckets(ctx)
		cancel()
		if err == nil {
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("s3test: versitygw exited: %s", s.output())
		default:
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("s3test: versitygw not ready on %s: %v\n%s", s.Endpoint, err, s.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the server.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *Server) output() string {
	w := s.cmd.Stdout.(*lockedWriter)
	w.mu.Lock()
	defer w.mu.Unlock()
	return s.log.String()
}

// Client returns a client of the server with full rights, for setting up
// and inspecting buckets behind a store's back.
func (s *Server) Client() *minio.Client { return s.client }

var bucketSeq atomic.Int64

// NewBucket creates a new empty bucket and returns its name.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("ortlos-test-%d-%s", bucketSeq.Add(1), randHex(3))
	if err := s.client.MakeBucket(context.Background(), name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("s3test: create bucket %s: %v", name, err)
	}
	return name
}

// Options returns the options of a store in bucket under prefix, over
// plain HTTP to the loopback server.
func (s *Server) Options(bucket, prefix string) blob.S3Options {
	return blob.S3Options{
		Endpoint:  s.Endpoint,
		Bucket:    bucket,
		Region:    "us-east-1",
		Prefix:    prefix,
		AccessKey: s.AccessKey,
		SecretKey: s.SecretKey,
		Insecure:  true,
	}
}

// Env returns the ORTLOS_BLOB_S3_* settings of a store in bucket under
// prefix, for tests of commands.
func (s *Server) Env(bucket, prefix string) map[string]string {
	return map[string]string{
		"ORTLOS_BLOB_S3_ENDPOINT":   s.Endpoint,
		"ORTLOS_BLOB_S3_BUCKET":     bucket,
		"ORTLOS_BLOB_S3_REGION":     "us-east-1",
		"ORTLOS_BLOB_S3_PREFIX":     prefix,
		"ORTLOS_BLOB_S3_ACCESS_KEY": s.AccessKey,
		"ORTLOS_BLOB_S3_SECRET_KEY": s.SecretKey,
		"ORTLOS_BLOB_S3_TLS":        "false",
	}
}

// NewStore returns a store in a new bucket of s under prefix, with o's
// non-zero fields overriding the defaults.
func (s *Server) NewStore(t testing.TB, prefix string, o blob.S3Options) *blob.S3 {
	t.Helper()
	opts := s.Options(s.NewBucket(t), prefix)
	opts.PartSize, opts.UploadBuffers, opts.MemoryBudget, opts.CopyPartSize = o.PartSize, o.UploadBuffers, o.MemoryBudget, o.CopyPartSize
	st, err := blob.NewS3(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// lockedWriter serialises the writes of the server's stdout and stderr.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// The log is for error messages only; keep its start.
	if l.w.Len() > 64<<10 {
		return len(p), nil
	}
	return l.w.Write(p)
}
