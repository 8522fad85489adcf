package filecheck_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"ortlos/internal/apperr"
	"ortlos/internal/blob"
	"ortlos/internal/filecheck"
)

// fakeScanner reads the whole content and reports sig when the content
// contains marker; fail makes it give up after reading failAfter bytes.
type fakeScanner struct {
	marker    string
	sig       string
	fail      error
	failAfter int64
	read      atomic.Int64
	hash      string
}

func (f *fakeScanner) Scan(ctx context.Context, r io.Reader) (string, error) {
	h := sha256.New()
	var tail []byte
	found := false
	buf := make([]byte, 7919) // an odd size, to cut chunks anywhere
	for {
		if f.fail != nil && f.read.Load() >= f.failAfter {
			return "", f.fail
		}
		n, err := r.Read(buf)
		f.read.Add(int64(n))
		h.Write(buf[:n])
		if f.marker != "" {
			tail = append(tail, buf[:n]...)
			if bytes.Contains(tail, []byte(f.marker)) {
				found = true
			}
			if len(tail) > len(f.marker) {
				tail = tail[len(tail)-len(f.marker):]
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
	}
	f.hash = hex.EncodeToString(h.Sum(nil))
	if found {
		return f.sig, nil
	}
	return "", nil
}

// store returns a local blob store in a temporary folder.
func store(t *testing.T) blob.Store {
	t.Helper()
	s, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// pdfOf returns a "PDF" of n bytes with marker in the middle.
func pdfOf(n int, marker string) []byte {
	b := bytes.Repeat([]byte("0123456789abcdef\n"), n/17+1)[:n]
	copy(b, pdfHead)
	if marker != "" {
		copy(b[n/2:], marker)
	}
	return b
}

func TestUploadClean(t *testing.T) {
	ctx := context.Background()
	s := store(t)
	content := pdfOf(3<<20, "")
	sc := &fakeScanner{marker: "EVIL", sig: "Test.Evil"}
	u, err := filecheck.NewUpload(ctx, filecheck.DefaultPolicy(), sc, bytes.NewReader(content), "../Bescheid.pdf", "application/pdf")
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if u.Name() != "Bescheid.pdf" || u.MIMEType() != "application/pdf" {
		t.Errorf("Name, MIMEType = %q, %q", u.Name(), u.MIMEType())
	}
	info, err := s.Put(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Finish(); err != nil {
		t.Fatalf("Finish = %v, want nil", err)
	}
	sum := sha256.Sum256(content)
	if want := hex.EncodeToString(sum[:]); info.SHA256 != want || sc.hash != want || info.Size != int64(len(content)) || u.Size() != info.Size {
		t.Errorf("stored %s (%d bytes), scanned %s, size %d; want %s (%d bytes) for both", info.SHA256, info.Size, sc.hash, u.Size(), want, len(content))
	}
	if !u.Scanned() {
		t.Error("Scanned() = false after a clean scan")
	}
	if err := u.Close(); err != nil {
		t.Error(err)
	}
}

func TestUploadInfected(t *testing.T) {
	ctx := context.Background()
	s := store(t)
	sc := &fakeScanner{marker: "EVIL-MARKER", sig: "Test.Evil"}
	u, err := filecheck.NewUpload(ctx, filecheck.DefaultPolicy(), sc, bytes.NewReader(pdfOf(1<<20, "EVIL-MARKER")), "a.pdf", "")
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	info, err := s.Put(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	err = u.Finish()
	if e, ok := apperr.As(err); !ok || e.Code != "file_infected" || e.Kind != apperr.Invalid || !strings.Contains(e.Message, "Test.Evil") {
		t.Fatalf("Finish = %v, want file_infected naming Test.Evil", err)
	}
	// The caller removes what it stored.
	if err := s.Delete(ctx, info.SHA256); err != nil {
		t.Fatal(err)
	}
	if u.Scanned() {
		t.Error("Scanned() = true for an infected file")
	}
}

func TestUploadWithoutScanner(t *testing.T) {
	ctx := context.Background()
	u, err := filecheck.NewUpload(ctx, filecheck.DefaultPolicy(), nil, bytes.NewReader(pdfOf(1000, "")), "a.pdf", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store(t).Put(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := u.Finish(); err != nil || u.Scanned() {
		t.Errorf("Finish = %v, Scanned = %v; want nil, false", err, u.Scanned())
	}
	u.Close()
}

func TestUploadRefusedBeforeStoring(t *testing.T) {
	ctx := context.Background()
	sc := &fakeScanner{}
	for _, tt := range []struct {
		name string
		body []byte
		code string
	}{
		{"setup.pdf", peHead, "file_type_mismatch"},
		{"leer.pdf", nil, "file_empty"},
		{"x.exe", peHead, "file_type_not_allowed"},
	} {
		u, err := filecheck.NewUpload(ctx, filecheck.DefaultPolicy(), sc, bytes.NewReader(tt.body), tt.name, "")
		if !apperr.Is(err, tt.code) || u != nil {
			t.Errorf("NewUpload(%s) = %v, %v; want %s", tt.name, u, err, tt.code)
		}
	}
	if sc.read.Load() != 0 {
		t.Errorf("the scanner read %d bytes of refused files", sc.read.Load())
	}
}

func TestUploadSizeLimit(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		size int
		ok   bool
	}{{1 << 20, true}, {1<<20 + 1, false}, {5 << 20, false}} {
		s := store(t)
		p := filecheck.DefaultPolicy()
		p.MaxBytes = 1 << 20
		sc := &fakeScanner{}
		src := &countingReader{r: bytes.NewReader(pdfOf(tt.size, ""))}
		u, err := filecheck.NewUpload(ctx, p, sc, src, "a.pdf", "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Put(ctx, u)
		if tt.ok {
			if err != nil || u.Finish() != nil {
				t.Errorf("%d bytes (limit %d): Put = %v", tt.size, p.MaxBytes, err)
			}
		} else {
			if !apperr.Is(err, "file_too_large") || !apperr.Is(u.Finish(), "file_too_large") {
				t.Errorf("%d bytes (limit %d): Put = %v, want file_too_large", tt.size, p.MaxBytes, err)
			}
			if src.n > p.MaxBytes+64<<10 {
				t.Errorf("read %d bytes of a too large upload, want to stop at the limit", src.n)
			}
			n := 0
			s.List(ctx, func(blob.Info) error { n++; return nil })
			if n != 0 {
				t.Errorf("%d blobs stored after file_too_large", n)
			}
		}
		u.Close()
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestUploadScannerFails(t *testing.T) {
	ctx := context.Background()
	down := errors.New("connection refused")
	for _, failOpen := range []bool{false, true} {
		s := store(t)
		p := filecheck.DefaultPolicy()
		p.ScanFailOpen = failOpen
		sc := &fakeScanner{fail: down, failAfter: 512 << 10}
		u, err := filecheck.NewUpload(ctx, p, sc, bytes.NewReader(pdfOf(8<<20, "")), "a.pdf", "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Put(ctx, u)
		ferr := u.Finish()
		if failOpen {
			if err != nil || ferr != nil || u.Scanned() {
				t.Errorf("fail open: Put = %v, Finish = %v, Scanned = %v; want nil, nil, false", err, ferr, u.Scanned())
			}
		} else {
			e, ok := apperr.As(err)
			if !ok || e.Code != "virus_scan_failed" || e.Kind != apperr.Unavailable || !errors.Is(err, down) {
				t.Errorf("fail closed: Put = %v, want virus_scan_failed wrapping the cause", err)
			}
			if !apperr.Is(ferr, "virus_scan_failed") {
				t.Errorf("fail closed: Finish = %v, want virus_scan_failed", ferr)
			}
		}
		u.Close()
	}
	// A scanner's own apperr (virus_scan_too_large) passes unchanged.
	tooLarge := apperr.Invalidf("virus_scan_too_large", "x")
	u, err := filecheck.NewUpload(ctx, filecheck.DefaultPolicy(), &fakeScanner{fail: tooLarge, failAfter: 1}, bytes.NewReader(pdfOf(4<<20, "")), "a.pdf", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, u); !apperr.Is(err, "virus_scan_too_large") {
		t.Errorf("read = %v, want virus_scan_too_large", err)
	}
	u.Close()
}

// earlyScanner returns a clean verdict without reading everything: a
// verdict on part of the content is none.
type earlyScanner struct{}

func (earlyScanner) Scan(ctx context.Context, r io.Reader) (string, error) {
	io.ReadFull(r, make([]byte, 10))
	return "", nil
}

func TestUploadScannerReturnsEarly(t *testing.T) {
	u, err := filecheck.NewUpload(context.Background(), filecheck.DefaultPolicy(), earlyScanner{}, bytes.NewReader(pdfOf(2<<20, "")), "a.pdf", "")
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	_, err = io.Copy(io.Discard, u)
	if err == nil {
		err = u.Finish()
	}
	if !apperr.Is(err, "virus_scan_failed") {
		t.Errorf("upload with a scanner that stopped early: %v, want virus_scan_failed", err)
	}
}

func TestUploadFinishBeforeEnd(t *testing.T) {
	sc := &fakeScanner{}
	u, err := filecheck.NewUpload(context.Background(), filecheck.DefaultPolicy(), sc, bytes.NewReader(pdfOf(1<<20, "")), "a.pdf", "")
	if err != nil {
		t.Fatal(err)
	}
	io.ReadFull(u, make([]byte, 1000))
	if err := u.Finish(); err == nil {
		t.Error("Finish before the end = nil, want an error")
	}
	u.Close()
	u.Close() // twice is fine
}

func TestUploadCloseWithoutReading(t *testing.T) {
	// The caller gives up (e.g. the store failed at once): Close stops
	// the scan and returns.
	sc := &fakeScanner{}
	u, err := filecheck.NewUpload(context.Background(), filecheck.DefaultPolicy(), sc, bytes.NewReader(pdfOf(1<<20, "")), "a.pdf", "")
	if err != nil {
		t.Fatal(err)
	}
	u.Close()
	if _, err := u.Read(make([]byte, 10)); err == nil {
		t.Error("Read after Close = nil error")
	}
}

func TestUploadActiveContent(t *testing.T) {
	allowed, _ := filecheck.ParseAllowList("default image/svg+xml text/html")
	p := filecheck.Policy{Allowed: allowed}
	clean := `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">` + strings.Repeat(`<rect width="1" height="1"/>`, 5000) + `</svg>`
	for _, tt := range []struct {
		name, body string
		ok         bool
	}{
		{"logo.svg", clean, true},
		{"logo.svg", strings.Replace(clean, "</svg>", "<script>alert(1)</script></svg>", 1), false},
		{"logo.svg", strings.Replace(clean, "<rect", `<a href="javascript:x()"><rect`, 1), false},
		{"logo.svg", strings.Replace(clean, "</svg>", `<rect ONload = "x()"/></svg>`, 1), false},
		{"logo.svg", strings.Replace(clean, "</svg>", `<foreignObject><iframe/></foreignObject></svg>`, 1), false},
		{"seite.html", "<!DOCTYPE html><html><body><p>Hallo</p>" + strings.Repeat("<p>Text</p>", 20000) + "</body></html>", true},
		{"seite.html", "<!DOCTYPE html><html><body>" + strings.Repeat("<p>Text</p>", 20000) + "<img src=x onerror=alert(1)></body></html>", false},
		{"seite.html", "<!DOCTYPE html><html><head><meta http-equiv=\"refresh\" content=\"0;url=x\"></head></html>", false},
	} {
		u, err := filecheck.NewUpload(context.Background(), p, nil, strings.NewReader(tt.body), tt.name, "")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if _, err := io.Copy(io.Discard, u); err != nil {
			t.Fatal(err)
		}
		err = u.Finish()
		if tt.ok && err != nil || !tt.ok && !apperr.Is(err, "file_active_content") {
			t.Errorf("%s (%d bytes): Finish = %v, want ok=%v", tt.name, len(tt.body), err, tt.ok)
		}
		u.Close()
	}
}

// pdfStream is a PDF header followed by "x" up to left bytes.
type pdfStream struct{ n, left int64 }

func (s *pdfStream) Read(p []byte) (int, error) {
	if s.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), s.left)
	for i := range p[:n] {
		p[i] = 'x'
	}
	if s.n == 0 {
		copy(p, pdfHead)
	}
	s.n += n
	s.left -= n
	return int(n), nil
}

// TestUploadMemory checks that storing and scanning 256 MiB allocates a
// small, constant amount, whatever the size.
func TestUploadMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("256 MiB through the store")
	}
	ctx := context.Background()
	s := store(t)
	const size = 256 << 20
	sc := &fakeScanner{}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	u, err := filecheck.NewUpload(ctx, filecheck.DefaultPolicy(), sc, &pdfStream{left: size}, "big.pdf", "")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Put(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Finish(); err != nil {
		t.Fatal(err)
	}
	u.Close()
	runtime.ReadMemStats(&after)
	if info.Size != size || sc.read.Load() != size {
		t.Fatalf("stored %d, scanned %d bytes, want %d", info.Size, sc.read.Load(), size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("storing and scanning %d MiB allocated %d KiB, want < 8 MiB", size>>20, alloc>>10)
	}
}

// TestScanOnly: NewScan passes any content through unchanged (no type or
// size checks) and gives the scanner's verdict; it fails closed.
func TestScanOnly(t *testing.T) {
	ctx := context.Background()
	// A program: NewUpload would refuse it, NewScan leaves types to the
	// caller.
	content := append([]byte("MZ\x90\x00"), pdfOf(2<<20, "")...)
	sum := sha256.Sum256(content)
	want := hex.EncodeToString(sum[:])

	sc := &fakeScanner{marker: "EVIL", sig: "Test.Evil"}
	u := filecheck.NewScan(ctx, sc, bytes.NewReader(content))
	info, err := store(t).Put(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Finish(); err != nil || !u.Scanned() {
		t.Errorf("clean: Finish = %v, Scanned = %v", err, u.Scanned())
	}
	if info.SHA256 != want || sc.hash != want || u.Size() != int64(len(content)) || u.Name() != "" || u.MIMEType() != "" {
		t.Errorf("stored %s, scanned %s, size %d, name %q, type %q; want %s", info.SHA256, sc.hash, u.Size(), u.Name(), u.MIMEType(), want)
	}
	u.Close()

	u = filecheck.NewScan(ctx, &fakeScanner{marker: "EVIL", sig: "Test.Evil"}, bytes.NewReader(pdfOf(1<<20, "EVIL")))
	if _, err := io.Copy(io.Discard, u); err != nil {
		t.Fatal(err)
	}
	if err := u.Finish(); !apperr.Is(err, "file_infected") {
		t.Errorf("infected: Finish = %v, want file_infected", err)
	}
	u.Close()

	down := errors.New("connection refused")
	u = filecheck.NewScan(ctx, &fakeScanner{fail: down, failAfter: 256 << 10}, bytes.NewReader(pdfOf(4<<20, "")))
	if _, err := io.Copy(io.Discard, u); !apperr.Is(err, "virus_scan_failed") || !errors.Is(err, down) {
		t.Errorf("scanner down: read = %v, want virus_scan_failed", err)
	}
	if err := u.Finish(); !apperr.Is(err, "virus_scan_failed") {
		t.Errorf("scanner down: Finish = %v, want virus_scan_failed", err)
	}
	u.Close()

	u = filecheck.NewScan(ctx, nil, bytes.NewReader(content))
	if n, err := io.Copy(io.Discard, u); err != nil || n != int64(len(content)) {
		t.Errorf("without scanner: read %d, %v", n, err)
	}
	if err := u.Finish(); err != nil || u.Scanned() {
		t.Errorf("without scanner: Finish = %v, Scanned = %v", err, u.Scanned())
	}
	u.Close()
}

func TestLogRefused(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	ctx := context.Background()
	infected := apperr.Invalidf("file_infected", "the file contains malware (%s)", "Ortlos.Test.EICAR-1")
	filecheck.LogRefused(ctx, log, infected, "document", 42, "ab12", 68)
	out := buf.String()
	for _, want := range []string{"level=WARN", "upload=document", "user_id=42", "sha256=ab12", "size=68", "Ortlos.Test.EICAR-1"} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}
	buf.Reset()
	filecheck.LogRefused(ctx, log, apperr.Invalidf("file_type_not_allowed", "no"), "document", 42, "ab12", 68)
	filecheck.LogRefused(ctx, log, nil, "document", 42, "ab12", 68)
	if buf.Len() != 0 {
		t.Errorf("other refusals logged: %q", buf.String())
	}
}
