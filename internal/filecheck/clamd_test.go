package filecheck_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/blob"
	"ortlos/internal/filecheck"
	"ortlos/internal/filecheck/clamdtest"
)

func TestParseClamdAddr(t *testing.T) {
	tests := []struct {
		in, network, addr string
	}{
		{"/run/clamav/clamd.ctl", "unix", "/run/clamav/clamd.ctl"},
		{"unix:/run/clamav/clamd.ctl", "unix", "/run/clamav/clamd.ctl"},
		{"unix:///run/clamav/clamd.ctl", "unix", "/run/clamav/clamd.ctl"},
		{"127.0.0.1:3310", "tcp", "127.0.0.1:3310"},
		{"tcp://clamav.intern:3310", "tcp", "clamav.intern:3310"},
		{"[::1]:3310", "tcp", "[::1]:3310"},
		{" localhost:3310 ", "tcp", "localhost:3310"},
		{"", "", ""},
		{"clamd", "", ""},
		{"unix:relative.sock", "", ""},
		{":3310", "", ""},
		{"host:", "", ""},
		{"ftp://clamd", "", ""},
		{"host:99999", "", ""},
	}
	for _, tt := range tests {
		network, addr, err := filecheck.ParseClamdAddr(tt.in)
		if tt.network == "" {
			if err == nil {
				t.Errorf("ParseClamdAddr(%q) = %q, %q; want an error", tt.in, network, addr)
			}
			continue
		}
		if err != nil || network != tt.network || addr != tt.addr {
			t.Errorf("ParseClamdAddr(%q) = %q, %q, %v; want %q, %q", tt.in, network, addr, err, tt.network, tt.addr)
		}
	}
}

// fakeClamd serves the clamd protocol on a Unix socket: it checks the
// framing of INSTREAM and answers with reply(content), or with the size
// limit error once more than limit bytes came.
type fakeClamd struct {
	sock    string
	limit   int
	reply   func(content []byte) string // "" : never answer
	chunks  chan []int                  // chunk sizes of each INSTREAM
	content chan []byte
}

func startFakeClamd(t *testing.T, limit int, reply func([]byte) string) *fakeClamd {
	t.Helper()
	f := &fakeClamd{sock: filepath.Join(t.TempDir(), "clamd.sock"), limit: limit, reply: reply,
		chunks: make(chan []int, 16), content: make(chan []byte, 16)}
	ln, err := net.Listen("unix", f.sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeClamd) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	cmd, err := br.ReadString(0)
	if err != nil {
		return
	}
	switch cmd {
	case "zPING\x00":
		c.Write([]byte("PONG\x00"))
		return
	case "zVERSION\x00":
		c.Write([]byte("ClamAV 1.4.6/27000/Thu Jan  1 00:00:00 2026\x00"))
		return
	case "zINSTREAM\x00":
	default:
		c.Write([]byte("UNKNOWN COMMAND\x00"))
		return
	}
	var content []byte
	var sizes []int
	for {
		var n uint32
		if err := binary.Read(br, binary.BigEndian, &n); err != nil {
			return
		}
		if n == 0 {
			break
		}
		sizes = append(sizes, int(n))
		buf := make([]byte, n)
		if _, err := io.ReadFull(br, buf); err != nil {
			return
		}
		content = append(content, buf...)
		if f.limit > 0 && len(content) > f.limit {
			c.Write([]byte("INSTREAM size limit exceeded. ERROR\x00"))
			return
		}
	}
	f.chunks <- sizes
	f.content <- content
	r := f.reply(content)
	if r == "" {
		time.Sleep(10 * time.Second)
		return
	}
	c.Write([]byte(r + "\x00"))
}

func TestClamdProtocol(t *testing.T) {
	ctx := context.Background()
	f := startFakeClamd(t, 4<<20, func(b []byte) string {
		switch {
		case bytes.Contains(b, []byte("EVIL")):
			return "stream: Test.Evil-1 FOUND"
		case bytes.Contains(b, []byte("BROKEN")):
			return "stream: Can't allocate memory ERROR"
		case bytes.Contains(b, []byte("SILENT")):
			return ""
		}
		return "stream: OK"
	})
	c, err := filecheck.NewClamd(f.sock)
	if err != nil {
		t.Fatal(err)
	}
	c.Timeout = 2 * time.Second
	c.ScanTimeout = 500 * time.Millisecond
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if v, err := c.Version(ctx); err != nil || !strings.HasPrefix(v, "ClamAV") {
		t.Errorf("Version = %q, %v", v, err)
	}

	// Clean content of 200 KiB: sent in chunks of at most 64 KiB, the
	// same bytes arrive.
	content := bytes.Repeat([]byte("sauber "), 200<<10/7)
	sig, err := c.Scan(ctx, bytes.NewReader(content))
	if err != nil || sig != "" {
		t.Fatalf("Scan(clean) = %q, %v", sig, err)
	}
	sizes, got := <-f.chunks, <-f.content
	if !bytes.Equal(got, content) {
		t.Errorf("clamd got %d bytes, want the %d sent", len(got), len(content))
	}
	for _, n := range sizes {
		if n > 64<<10 || n == 0 {
			t.Errorf("chunk of %d bytes", n)
		}
	}

	sig, err = c.Scan(ctx, strings.NewReader("harmless EVIL marker"))
	if err != nil || sig != "Test.Evil-1" {
		t.Errorf("Scan(infected) = %q, %v; want Test.Evil-1", sig, err)
	}
	<-f.chunks
	<-f.content

	// Empty content is a valid stream.
	if sig, err := c.Scan(ctx, strings.NewReader("")); err != nil || sig != "" {
		t.Errorf("Scan(empty) = %q, %v", sig, err)
	}
	<-f.chunks
	<-f.content

	if _, err := c.Scan(ctx, strings.NewReader("BROKEN")); err == nil || !strings.Contains(err.Error(), "ERROR") {
		t.Errorf("Scan with an ERROR reply = %v, want an error", err)
	}
	<-f.chunks
	<-f.content

	// No verdict within ScanTimeout.
	start := time.Now()
	if _, err := c.Scan(ctx, strings.NewReader("SILENT")); err == nil {
		t.Error("Scan without a reply = nil error")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Scan without a reply took %v, want about the scan timeout", d)
	}
	<-f.chunks
	<-f.content

	// Over clamd's StreamMaxLength.
	big := bytes.Repeat([]byte("x"), 6<<20)
	_, err = c.Scan(ctx, bytes.NewReader(big))
	if e, ok := apperr.As(err); !ok || e.Code != "virus_scan_too_large" || e.Kind != apperr.Invalid {
		t.Errorf("Scan over the size limit = %v, want virus_scan_too_large", err)
	}

	// A cancelled context ends the scan.
	cctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte("beginning"))
		cancel()
		// The scan reads on until the content ends (a blocked read
		// cannot be interrupted), then finds the connection closed.
		pw.Write([]byte("more"))
		pw.Close()
	}()
	if _, err := c.Scan(cctx, pr); !errors.Is(err, context.Canceled) {
		t.Errorf("Scan with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestClamdUnreachable(t *testing.T) {
	ctx := context.Background()
	c, err := filecheck.NewClamd(filepath.Join(t.TempDir(), "missing.sock"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx); err == nil {
		t.Error("Ping of a missing socket = nil")
	}
	// An upload fails closed: nothing is stored.
	u, err := filecheck.NewUpload(ctx, filecheck.DefaultPolicy(), c, bytes.NewReader(pdfOf(1<<20, "")), "a.pdf", "")
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	s := store(t)
	_, err = s.Put(ctx, u)
	if e, ok := apperr.As(err); !ok || e.Code != "virus_scan_failed" || e.Kind != apperr.Unavailable {
		t.Errorf("upload with clamd down: %v, want virus_scan_failed", err)
	}
}

// The real clamd (clamdtest): harmless test signatures in a database of
// its own, a StreamMaxLength of 1 MiB.
const (
	testMarker    = clamdtest.Marker
	testSignature = clamdtest.MarkerSignature
)

func TestClamdReal(t *testing.T) {
	c := clamdtest.Start(t).Client()
	ctx := context.Background()
	v, err := c.Version(ctx)
	if err != nil || !strings.HasPrefix(v, "ClamAV") {
		t.Errorf("Version = %q, %v", v, err)
	}

	sig, err := c.Scan(ctx, bytes.NewReader(pdfOf(300<<10, "")))
	if err != nil || sig != "" {
		t.Errorf("Scan(clean) = %q, %v; want clean", sig, err)
	}
	sig, err = c.Scan(ctx, bytes.NewReader(pdfOf(300<<10, testMarker)))
	if err != nil || !strings.HasPrefix(sig, testSignature) {
		t.Errorf("Scan(marked) = %q, %v; want %s", sig, err, testSignature)
	}
	// The EICAR test file, alone and inside other content.
	for _, content := range []string{clamdtest.EICAR, "Vorher\n" + clamdtest.EICAR + "\nNachher\n"} {
		if sig, err := c.Scan(ctx, strings.NewReader(content)); err != nil || !strings.HasPrefix(sig, clamdtest.EICARSignature) {
			t.Errorf("Scan(EICAR) = %q, %v; want %s", sig, err, clamdtest.EICARSignature)
		}
	}
	// Over StreamMaxLength (1 MiB).
	_, err = c.Scan(ctx, bytes.NewReader(pdfOf(3<<20, "")))
	if !apperr.Is(err, "virus_scan_too_large") {
		t.Errorf("Scan over StreamMaxLength = %v, want virus_scan_too_large", err)
	}

	// Through an upload into a blob store: clean and infected.
	s := store(t)
	for _, tt := range []struct {
		marker string
		want   string
	}{{"", ""}, {testMarker, "file_infected"}} {
		u, err := filecheck.NewUpload(ctx, filecheck.DefaultPolicy(), c, bytes.NewReader(pdfOf(600<<10, tt.marker)), "Bescheid.pdf", "application/pdf")
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Put(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		err = u.Finish()
		u.Close()
		switch {
		case tt.want == "" && (err != nil || !u.Scanned()):
			t.Errorf("clean upload: Finish = %v, Scanned = %v", err, u.Scanned())
		case tt.want != "" && !apperr.Is(err, tt.want):
			t.Errorf("infected upload: Finish = %v, want %s", err, tt.want)
		case tt.want != "":
			if err := s.Delete(ctx, info.SHA256); err != nil {
				t.Errorf("delete the infected content: %v", err)
			}
		}
	}
	// An upload over clamd's limit fails while streaming; nothing stays.
	u, err := filecheck.NewUpload(ctx, filecheck.DefaultPolicy(), c, bytes.NewReader(pdfOf(4<<20, "")), "gross.pdf", "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Put(ctx, u)
	u.Close()
	if !apperr.Is(err, "virus_scan_too_large") {
		t.Errorf("upload over StreamMaxLength: %v, want virus_scan_too_large", err)
	}
	// Only the clean upload stays in the store.
	n := 0
	s.List(ctx, func(blob.Info) error { n++; return nil })
	if n != 1 {
		t.Errorf("%d blobs in the store, want 1 (the clean upload)", n)
	}
}
