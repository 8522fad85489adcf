// Package clamdtest starts a real clamd for tests: Debian's clamd (package
// clamav-daemon) on a Unix socket in a temporary folder, with a private
// signature database of two harmless body signatures (Marker and the
// EICAR test file), so it needs neither network nor freshclam. Without
// clamd the tests are skipped, unless ORTLOS_TEST_REQUIRE_TOOLS=1 asks for a
// failure instead (as scripts/test.sh does, which installs clamd).
package clamdtest

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ortlos/internal/filecheck"
)

// EnvRequireTools set to 1 turns a missing clamd into a test failure.
const EnvRequireTools = "ORTLOS_TEST_REQUIRE_TOOLS"

// The content the test database detects, and the signature names clamd
// reports for it.
const (
	// Marker is a harmless string detected wherever it occurs.
	Marker          = "ORTLOS-TEST-VIRUS-MARKER"
	MarkerSignature = "Ortlos.Test.Marker-1"
	// EICAR is the EICAR anti-virus test file (68 bytes), the string every
	// virus scanner detects; the test database finds it anywhere in a
	// file.
	EICAR          = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`
	EICARSignature = "Ortlos.Test.EICAR-1"
)

// StreamMaxLength is the largest stream the test clamd scans; a larger one
// is refused (filecheck: virus_scan_too_large).
const StreamMaxLength = 1 << 20

// Server is a running clamd.
type Server struct {
	// Socket is the path of its Unix socket; Addr the same as an
	// ORTLOS_CLAMD_ADDR value ("unix:/…").
	Socket, Addr string

	dir    string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // of Wait, once exited is closed
	out    *lockedBuffer
	stop   sync.Once
}

// Binary returns the path of clamd, or "".
func Binary() string {
	for _, c := range []string{"/usr/sbin/clamd", "clamd"} {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	return ""
}

// Start starts a clamd for t and waits until it answers PING (at most a
// minute); it stops when t ends. It skips t when clamd is not installed,
// unless ORTLOS_TEST_REQUIRE_TOOLS=1.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary()
	if bin == "" {
		msg := "clamd not found (install the Debian package clamav-daemon)"
		if os.Getenv(EnvRequireTools) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	dbDir := filepath.Join(dir, "db")
	if err := os.Mkdir(dbDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Body signatures (name:target type:offset:hex), target 0 = any file.
	sigs := MarkerSignature + ":0:*:" + hex.EncodeToString([]byte(Marker)) + "\n" +
		EICARSignature + ":0:*:" + hex.EncodeToString([]byte(EICAR)) + "\n"
	if err := os.WriteFile(filepath.Join(dbDir, "ortlos.ndb"), []byte(sigs), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &Server{Socket: filepath.Join(dir, "clamd.sock"), dir: dir, exited: make(chan struct{}), out: &lockedBuffer{}}
	s.Addr = "unix:" + s.Socket
	conf := filepath.Join(dir, "clamd.conf")
	if err := os.WriteFile(conf, []byte(strings.Join([]string{
		"LocalSocket " + s.Socket,
		"Foreground yes",
		"DatabaseDirectory " + dbDir,
		"TemporaryDirectory " + dir,
		"LogFile " + filepath.Join(dir, "clamd.log"),
		"StreamMaxLength " + strconv.Itoa(StreamMaxLength),
		"Bytecode no",
		"SelfCheck 0",
		"",
	}, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(bin, "-c", conf)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	// clamd dies with the test binary, even one that panics.
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("clamdtest: start clamd: %v", err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(s.Stop)
	c := s.client()
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := c.Ping(ctx)
		cancel()
		if err == nil {
			return s
		}
		select {
		case <-s.exited:
			t.Fatalf("clamdtest: clamd exited: %v\n%s", s.err, s.output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("clamdtest: clamd did not answer PING within a minute: %v\n%s", err, s.output())
		}
	}
}

// Client returns a client of the server with a short timeout.
func (s *Server) Client() *filecheck.Clamd { return s.client() }

func (s *Server) client() *filecheck.Clamd {
	c, err := filecheck.NewClamd(s.Addr)
	if err != nil {
		panic(err) // the address is a socket path
	}
	c.Timeout = 5 * time.Second
	return c
}

// Stop ends clamd (a no-op when it ended); afterwards its socket no longer
// answers, as with a clamd that went down.
func (s *Server) Stop() {
	s.stop.Do(func() {
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
}

// output returns what clamd printed and logged.
func (s *Server) output() string {
	log, _ := os.ReadFile(filepath.Join(s.dir, "clamd.log"))
	return s.out.String() + "\n" + string(log)
}

// lockedBuffer is a bytes.Buffer safe for the process's writes and the
// test's reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
