// Package blobtest is the conformance suite of blob.Store: every
// implementation runs the same tests (restic style), so that the local
// folder and object storage behave alike.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"runtime"
	"sync"
	"testing"

	"ortlos/internal/apperr"
	"ortlos/internal/blob"
)

// Harness tells the suite how to get at an implementation.
type Harness struct {
	// New returns an empty store; the test cleans it up.
	New func(t *testing.T) blob.Store
	// Corrupt, when set, alters the stored bytes of the blob sha256 behind
	// the store's back, for the Verify test; without it that test is
	// skipped.
	Corrupt func(t *testing.T, s blob.Store, sha string)
	// Leftovers, when set, returns what unfinished Puts left behind
	// (temporary files, pending uploads); after a failed Put it must be
	// empty.
	Leftovers func(t *testing.T, s blob.Store) []string
	// BigSize is the size of the streaming test (default 64 MiB).
	BigSize int64
	// MaxAlloc bounds what the streaming test may allocate to store and
	// read BigSize bytes (default 8 MiB): a few copy buffers, or the part
	// buffer of a multipart upload, never the content.
	MaxAlloc uint64
}

// Run runs the suite against h.
func Run(t *testing.T, h Harness) {
	if h.BigSize == 0 {
		h.BigSize = 64 << 20
	}
	if h.MaxAlloc == 0 {
		h.MaxAlloc = 8 << 20
	}
	// The memory check runs first and alone, so that no other test's
	// allocations count against it.
	t.Run("BigStream", func(t *testing.T) { testBigStream(t, h) })
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"RoundTrip", testRoundTrip},
		{"Dedup", testDedup},
		{"Unknown", testUnknown},
		{"InvalidHash", testInvalidHash},
		{"Seek", testSeek},
		{"Delete", testDelete},
		{"List", testList},
		{"ConcurrentSameContent", testConcurrentSameContent},
		{"CancelMidPut", testCancelMidPut},
		{"ReaderError", testReaderError},
		{"PutMax", testPutMax},
		{"Verify", testVerify},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, h)
		})
	}
}

// Hash returns the blob name of b.
func Hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Data returns n deterministic pseudo-random bytes that differ with seed.
func Data(seed uint64, n int) []byte {
	b := make([]byte, n)
	_, _ = io.ReadFull(NewGenerator(seed, int64(n)), b)
	return b
}

// Generator is a reader of n deterministic pseudo-random bytes that holds
// no more than a few bytes of state, for streams of any size.
type Generator struct {
	state uint64
	left  int64
	word  [8]byte
	pos   int
}

// NewGenerator returns a reader of n bytes determined by seed.
func NewGenerator(seed uint64, n int64) *Generator {
	return &Generator{state: seed*0x9E3779B97F4A7C15 + 1, left: n, pos: 8}
}

// Read fills p with the next bytes (xorshift64*).
func (g *Generator) Read(p []byte) (int, error) {
	if g.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	for i := range p {
		if g.pos == 8 {
			g.state ^= g.state >> 12
			g.state ^= g.state << 25
			g.state ^= g.state >> 27
			binary.LittleEndian.PutUint64(g.word[:], g.state*0x2545F4914F6CDD1D)
			g.pos = 0
		}
		p[i] = g.word[g.pos]
		g.pos++
	}
	g.left -= int64(len(p))
	return len(p), nil
}

// onlyReader hides any WriterTo of the reader, so that Put has to read.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func put(t *testing.T, s blob.Store, b []byte) blob.Info {
	t.Helper()
	info, err := s.Put(context.Background(), onlyReader{bytes.NewReader(b)})
	if err != nil {
		t.Fatalf("Put(%d bytes): %v", len(b), err)
	}
	if want := (blob.Info{SHA256: Hash(b), Size: int64(len(b))}); info != want {
		t.Fatalf("Put(%d bytes) = %+v, want %+v", len(b), info, want)
	}
	return info
}

func read(t *testing.T, s blob.Store, sha string) []byte {
	t.Helper()
	rc, info, err := s.Open(context.Background(), sha)
	if err != nil {
		t.Fatalf("Open(%s): %v", sha, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Open(%s): read: %v", sha, err)
	}
	if info.SHA256 != sha || info.Size != int64(len(b)) {
		t.Errorf("Open(%s) info = %+v, read %d bytes", sha, info, len(b))
	}
	return b
}

func list(t *testing.T, s blob.Store) []blob.Info {
	t.Helper()
	var out []blob.Info
	if err := s.List(context.Background(), func(i blob.Info) error {
		out = append(out, i)
		return nil
	}); err != nil {
		t.Fatalf("List: %v", err)
	}
	return out
}

func wantKind(t *testing.T, what string, err error, kind apperr.Kind, code string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != kind || e.Code != code {
		t.Errorf("%s: error %v, want kind %s code %s", what, err, kind, code)
	}
}

func wantNothingStored(t *testing.T, h Harness, s blob.Store, sha, what string) {
	t.Helper()
	if _, err := s.Stat(context.Background(), sha); apperr.KindOf(err) != apperr.NotFound {
		t.Errorf("%s: Stat afterwards = %v, want not found", what, err)
	}
	if l := list(t, s); len(l) != 0 {
		t.Errorf("%s: List afterwards = %+v, want nothing", what, l)
	}
	if h.Leftovers != nil {
		if l := h.Leftovers(t, s); len(l) != 0 {
			t.Errorf("%s: left behind %q", what, l)
		}
	}
}

func testRoundTrip(t *testing.T, h Harness) {
	s := h.New(t)
	for i, n := range []int{0, 1, 1000, 64<<10 - 1, 256 << 10, 256<<10 + 1, 1<<20 + 3} {
		b := Data(uint64(i), n)
		info := put(t, s, b)
		if got := read(t, s, info.SHA256); !bytes.Equal(got, b) {
			t.Errorf("blob of %d bytes reads back differently", n)
		}
		if st, err := s.Stat(context.Background(), info.SHA256); err != nil || st != info {
			t.Errorf("Stat(%s) = %+v, %v; want %+v", info.SHA256, st, err, info)
		}
	}
	// The empty blob has the well-known name.
	if h := Hash(nil); h != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("Hash(nil) = %s", h)
	}
}

func testDedup(t *testing.T, h Harness) {
	s := h.New(t)
	b := Data(7, 100<<10)
	first := put(t, s, b)
	second := put(t, s, b)
	if first != second {
		t.Errorf("second Put = %+v, first %+v", second, first)
	}
	// A reader with WriterTo (bytes.Reader) gives the same result.
	third, err := s.Put(context.Background(), bytes.NewReader(b))
	if err != nil || third != first {
		t.Errorf("Put(bytes.Reader) = %+v, %v; want %+v", third, err, first)
	}
	if l := list(t, s); len(l) != 1 || l[0] != first {
		t.Errorf("List after storing the same content three times = %+v, want [%+v]", l, first)
	}
}

func testUnknown(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := context.Background()
	sha := Hash([]byte("never stored"))
	_, _, err := s.Open(ctx, sha)
	wantKind(t, "Open(unknown)", err, apperr.NotFound, "blob_not_found")
	_, err = s.Stat(ctx, sha)
	wantKind(t, "Stat(unknown)", err, apperr.NotFound, "blob_not_found")
	wantKind(t, "Delete(unknown)", s.Delete(ctx, sha), apperr.NotFound, "blob_not_found")
	_, err = blob.Verify(ctx, s, sha)
	wantKind(t, "Verify(unknown)", err, apperr.NotFound, "blob_not_found")
}

func testInvalidHash(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := context.Background()
	valid := Hash([]byte("x"))
	for _, sha := range []string{
		"", "../../../../etc/passwd", valid[:63], valid + "0",
		"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
		"../" + valid[3:], "ab/cd/" + valid[6:], "g" + valid[1:], valid[:62] + "/.",
	} {
		if blob.ValidHash(sha) {
			t.Errorf("ValidHash(%q) = true", sha)
		}
		_, _, err := s.Open(ctx, sha)
		wantKind(t, "Open("+sha+")", err, apperr.Invalid, "invalid_blob_hash")
		_, err = s.Stat(ctx, sha)
		wantKind(t, "Stat("+sha+")", err, apperr.Invalid, "invalid_blob_hash")
		wantKind(t, "Delete("+sha+")", s.Delete(ctx, sha), apperr.Invalid, "invalid_blob_hash")
	}
	if !blob.ValidHash(valid) {
		t.Errorf("ValidHash(%q) = false", valid)
	}
}

func testSeek(t *testing.T, h Harness) {
	s := h.New(t)
	b := Data(3, 300<<10)
	info := put(t, s, b)
	rc, _, err := s.Open(context.Background(), info.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	for _, off := range []int64{200 << 10, 17, int64(len(b)) - 5} {
		if pos, err := rc.Seek(off, io.SeekStart); err != nil || pos != off {
			t.Fatalf("Seek(%d) = %d, %v", off, pos, err)
		}
		got := make([]byte, 5)
		if _, err := io.ReadFull(rc, got); err != nil || !bytes.Equal(got, b[off:off+5]) {
			t.Errorf("5 bytes at %d = %x, %v; want %x", off, got, err, b[off:off+5])
		}
	}
	if end, err := rc.Seek(0, io.SeekEnd); err != nil || end != int64(len(b)) {
		t.Errorf("Seek(0, End) = %d, %v; want %d", end, err, len(b))
	}
}

func testDelete(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := context.Background()
	keep := put(t, s, Data(10, 1000))
	gone := put(t, s, Data(11, 1000))
	if err := s.Delete(ctx, gone.SHA256); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, _, err := s.Open(ctx, gone.SHA256)
	wantKind(t, "Open after Delete", err, apperr.NotFound, "blob_not_found")
	wantKind(t, "second Delete", s.Delete(ctx, gone.SHA256), apperr.NotFound, "blob_not_found")
	if l := list(t, s); len(l) != 1 || l[0] != keep {
		t.Errorf("List after Delete = %+v, want [%+v]", l, keep)
	}
	// The content can be stored again.
	put(t, s, Data(11, 1000))
	if l := list(t, s); len(l) != 2 {
		t.Errorf("List after storing again = %+v, want 2 blobs", l)
	}
}

func testList(t *testing.T, h Harness) {
	s := h.New(t)
	if l := list(t, s); len(l) != 0 {
		t.Fatalf("List of an empty store = %+v", l)
	}
	want := map[string]int64{}
	for i := range 40 {
		info := put(t, s, Data(uint64(100+i), i*10))
		want[info.SHA256] = info.Size
	}
	got := list(t, s)
	if len(got) != len(want) {
		t.Errorf("List returned %d blobs, want %d", len(got), len(want))
	}
	for i, info := range got {
		if want[info.SHA256] != info.Size {
			t.Errorf("List: %+v, want size %d", info, want[info.SHA256])
		}
		if i > 0 && got[i-1].SHA256 >= info.SHA256 {
			t.Errorf("List order: %s before %s", got[i-1].SHA256, info.SHA256)
		}
	}
	// An error from fn stops the listing and comes back unchanged.
	stop := errors.New("stop")
	calls := 0
	err := s.List(context.Background(), func(blob.Info) error {
		calls++
		return stop
	})
	if err != stop || calls != 1 {
		t.Errorf("List with a failing fn = %v after %d calls, want stop after 1", err, calls)
	}
}

func testConcurrentSameContent(t *testing.T, h Harness) {
	s := h.New(t)
	b := Data(42, 1<<20)
	const n = 8
	infos := make([]blob.Info, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			infos[i], errs[i] = s.Put(context.Background(), onlyReader{bytes.NewReader(b)})
		})
	}
	wg.Wait()
	want := blob.Info{SHA256: Hash(b), Size: int64(len(b))}
	for i := range n {
		if errs[i] != nil || infos[i] != want {
			t.Errorf("concurrent Put %d = %+v, %v; want %+v", i, infos[i], errs[i], want)
		}
	}
	if l := list(t, s); len(l) != 1 || l[0] != want {
		t.Errorf("List = %+v, want [%+v]", l, want)
	}
	if got := read(t, s, want.SHA256); !bytes.Equal(got, b) {
		t.Error("content differs after concurrent Puts")
	}
	if h.Leftovers != nil {
		if l := h.Leftovers(t, s); len(l) != 0 {
			t.Errorf("concurrent Puts left behind %q", l)
		}
	}
}

// cancelReader cancels the context after after bytes and goes on reading.
type cancelReader struct {
	r      io.Reader
	after  int64
	read   int64
	cancel context.CancelFunc
}

func (c *cancelReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += int64(n)
	if c.read >= c.after {
		c.cancel()
	}
	return n, err
}

func testCancelMidPut(t *testing.T, h Harness) {
	s := h.New(t)
	const size = 4 << 20
	b := Data(5, size)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := s.Put(ctx, &cancelReader{r: bytes.NewReader(b), after: size / 2, cancel: cancel})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Put cancelled half-way = %v, want context.Canceled", err)
	}
	wantNothingStored(t, h, s, Hash(b), "cancelled Put")

	// A context cancelled before Put starts.
	_, err = s.Put(ctx, bytes.NewReader(b))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context = %v, want context.Canceled", err)
	}
	wantNothingStored(t, h, s, Hash(b), "Put with a cancelled context")
}

// failReader fails after n bytes.
type failReader struct {
	r   io.Reader
	n   int64
	err error
}

func (f *failReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	if int64(len(p)) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= int64(n)
	return n, err
}

func testReaderError(t *testing.T, h Harness) {
	s := h.New(t)
	b := Data(6, 1<<20)
	boom := errors.New("connection reset")
	_, err := s.Put(context.Background(), &failReader{r: bytes.NewReader(b), n: 300 << 10, err: boom})
	if !errors.Is(err, boom) {
		t.Errorf("Put from a failing reader = %v, want it to wrap %v", err, boom)
	}
	wantNothingStored(t, h, s, Hash(b), "Put from a failing reader")
	wantNothingStored(t, h, s, Hash(b[:300<<10]), "Put from a failing reader")
}

func testPutMax(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := context.Background()
	const limit = 300 << 10
	over := Data(8, limit+1)
	_, err := blob.PutMax(ctx, s, onlyReader{bytes.NewReader(over)}, limit)
	wantKind(t, "PutMax over the limit", err, apperr.Invalid, "file_too_large")
	wantNothingStored(t, h, s, Hash(over), "PutMax over the limit")
	// Much larger than the limit: it stops reading early.
	g := NewGenerator(9, 1<<30)
	_, err = blob.PutMax(ctx, s, g, limit)
	wantKind(t, "PutMax of 1 GiB", err, apperr.Invalid, "file_too_large")
	if g.left < 1<<30-2*limit-(1<<20) {
		t.Errorf("PutMax read %d bytes of a 1 GiB stream with a %d byte limit", 1<<30-g.left, limit)
	}
	wantNothingStored(t, h, s, Hash(over), "PutMax of 1 GiB")

	exact := over[:limit]
	info, err := blob.PutMax(ctx, s, onlyReader{bytes.NewReader(exact)}, limit)
	if err != nil || info.SHA256 != Hash(exact) || info.Size != limit {
		t.Errorf("PutMax at exactly the limit = %+v, %v", info, err)
	}
	if info, err := blob.PutMax(ctx, s, bytes.NewReader(over), 0); err != nil || info.Size != limit+1 {
		t.Errorf("PutMax without a limit = %+v, %v", info, err)
	}
}

func testVerify(t *testing.T, h Harness) {
	s := h.New(t)
	ctx := context.Background()
	info := put(t, s, Data(12, 500<<10))
	if got, err := blob.Verify(ctx, s, info.SHA256); err != nil || got != info {
		t.Errorf("Verify(intact) = %+v, %v; want %+v", got, err, info)
	}
	if h.Corrupt == nil {
		t.Skip("no Corrupt hook for this store")
	}
	h.Corrupt(t, s, info.SHA256)
	got, err := blob.Verify(ctx, s, info.SHA256)
	if !errors.Is(err, blob.ErrCorrupt) {
		t.Errorf("Verify(corrupted) = %v, want ErrCorrupt", err)
	}
	if got.SHA256 == info.SHA256 || !blob.ValidHash(got.SHA256) {
		t.Errorf("Verify(corrupted) reported content hash %q", got.SHA256)
	}
}

// testBigStream stores and reads back a stream of h.BigSize bytes and checks
// that the allocations stay far below its size: Put and Open stream with a
// fixed buffer. It is a sanity check, not a timing.
func testBigStream(t *testing.T, h Harness) {
	if testing.Short() {
		t.Skip("big stream skipped in -short mode")
	}
	s := h.New(t)
	ctx := context.Background()
	want := sha256.New()
	if _, err := io.Copy(want, NewGenerator(77, h.BigSize)); err != nil {
		t.Fatal(err)
	}
	wantSHA := hex.EncodeToString(want.Sum(nil))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	info, err := s.Put(ctx, NewGenerator(77, h.BigSize))
	if err != nil {
		t.Fatalf("Put(%d bytes): %v", h.BigSize, err)
	}
	rc, _, err := s.Open(ctx, info.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	got := sha256.New()
	// A fixed buffer for the read too, as a streaming HTTP handler has.
	n, err := io.CopyBuffer(onlyWriter{got}, onlyReader{rc}, make([]byte, 256<<10))
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)

	if info.SHA256 != wantSHA || info.Size != h.BigSize || n != h.BigSize || hex.EncodeToString(got.Sum(nil)) != wantSHA {
		t.Errorf("big stream: Put = %+v, read %d bytes; want %s, %d bytes", info, n, wantSHA, h.BigSize)
	}
	// Allocation over the whole Put and read must stay a small fraction of
	// the data: a few buffers, not the content.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > h.MaxAlloc {
		t.Errorf("Put and read of %d MiB allocated %d KiB; want constant memory (< %d MiB)", h.BigSize>>20, alloc>>10, h.MaxAlloc>>20)
	} else {
		t.Logf("Put and read of %d MiB allocated %d KiB", h.BigSize>>20, alloc>>10)
	}
}

// onlyWriter hides any ReaderFrom of the writer.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }
