package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"ortlos/internal/apperr"
	"ortlos/internal/blob"
	"ortlos/internal/blob/blobtest"
	"ortlos/internal/blob/s3test"
)

// TestMain stops the shared S3 server (versitygw) after the tests.
func TestMain(m *testing.M) { os.Exit(s3test.Run(m)) }

const testPrefix = "ortlos/blobs"

// leanOptions make a store that buffers one minimal part (5 MiB) at a
// time, so that the conformance suite's constant-memory check holds with
// little more than that buffer, while its big stream goes through a
// multipart upload of 13 parts and a multipart copy of 11.
var leanOptions = blob.S3Options{PartSize: blob.MinS3PartSize, UploadBuffers: 1, MemoryBudget: blob.MinS3PartSize, CopyPartSize: 6 << 20}

func s3Harness(o blob.S3Options) blobtest.Harness {
	return blobtest.Harness{
		// The part buffer, plus HTTP requests' buffers (the race
		// detector adds to them).
		MaxAlloc: 12 << 20,
		New: func(t *testing.T) blob.Store {
			return s3test.Shared(t).NewStore(t, testPrefix, o)
		},
		Corrupt: func(t *testing.T, s blob.Store, sha string) {
			corruptS3(t, s.(*blob.S3), sha)
		},
		Leftovers: func(t *testing.T, s blob.Store) []string {
			return unfinished(t, s.(*blob.S3))
		},
	}
}

func TestS3Conformance(t *testing.T) {
	blobtest.Run(t, s3Harness(leanOptions))
}

// corruptS3 flips a byte of the stored object behind the store's back.
func corruptS3(t testing.TB, s *blob.S3, sha string) {
	t.Helper()
	ctx := context.Background()
	c := s3test.Shared(t).Client()
	bucket, _ := s.Bucket()
	o, err := c.GetObject(ctx, bucket, s.Key(sha), minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(o)
	o.Close()
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x55
	if _, err := c.PutObject(ctx, bucket, s.Key(sha), bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
}

func unfinished(t testing.TB, s *blob.S3) []string {
	t.Helper()
	u, err := s.Unfinished(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range u {
		names = append(names, x.Key)
	}
	return names
}

// keys returns every object key in the store's bucket.
func keys(t testing.TB, s *blob.S3) []string {
	t.Helper()
	bucket, _ := s.Bucket()
	var out []string
	for o := range s3test.Shared(t).Client().ListObjectsIter(context.Background(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		out = append(out, o.Key)
	}
	return out
}

func mustPut(t testing.TB, s blob.Store, r io.Reader) blob.Info {
	t.Helper()
	info, err := s.Put(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// TestS3Layout checks the object keys: <prefix>/<aa>/<sha256>, nothing left
// under tmp/, with and without a prefix, for a small and a multipart blob;
// objects that are not blobs are not listed.
func TestS3Layout(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{testPrefix, "", "/amt-42/"} {
		t.Run(fmt.Sprintf("prefix=%q", prefix), func(t *testing.T) {
			t.Parallel()
			s := s3test.Shared(t).NewStore(t, prefix, blob.S3Options{PartSize: blob.MinS3PartSize})
			_, p := s.Bucket()
			if want := strings.Trim(prefix, "/"); p != want && p != want+"/" {
				t.Errorf("prefix %q, want %q", p, want+"/")
			}
			small := mustPut(t, s, strings.NewReader("Bescheid vom 1. April"))
			large := mustPut(t, s, blobtest.NewGenerator(1, 11<<20))
			want := []string{p + small.SHA256[:2] + "/" + small.SHA256, p + large.SHA256[:2] + "/" + large.SHA256}
			if want[0] > want[1] {
				want[0], want[1] = want[1], want[0]
			}
			if got := keys(t, s); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("objects %q, want %q", got, want)
			}
			// Foreign objects next to the blobs.
			bucket, _ := s.Bucket()
			c := s3test.Shared(t).Client()
			other := blobtest.Hash([]byte("b"))
			for _, k := range []string{
				p + "README", p + small.SHA256[:2] + "/notes.txt",
				p + small.SHA256[:2] + "/" + other, // a blob name in the wrong place
				p + "tmp/put-x", "zz/" + other,
			} {
				if _, err := c.PutObject(context.Background(), bucket, k, strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			var got []blob.Info
			if err := s.List(context.Background(), func(i blob.Info) error { got = append(got, i); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].SHA256 >= got[1].SHA256 {
				t.Errorf("List = %+v, want the two blobs in order", got)
			}
			if _, err := s.Stat(context.Background(), other); apperr.KindOf(err) != apperr.NotFound {
				t.Errorf("Stat of a blob name in the wrong folder = %v, want not found", err)
			}
			// What a crash leaves under tmp/ shows as unfinished.
			if u := unfinished(t, s); fmt.Sprint(u) != fmt.Sprint([]string{p + "tmp/put-x"}) {
				t.Errorf("Unfinished = %q, want the object under tmp/", u)
			}
			if _, err := (minio.Core{Client: c}).NewMultipartUpload(context.Background(), bucket, p+"tmp/put-y", minio.PutObjectOptions{}); err != nil {
				t.Fatal(err)
			}
			if u, err := s.Unfinished(context.Background()); err != nil || len(u) != 2 || !u[1].Upload || u[1].Key != p+"tmp/put-y" || time.Since(u[1].Started) > time.Minute {
				t.Errorf("Unfinished with a pending upload = %+v, %v", u, err)
			}
		})
	}
}

// TestS3PartBoundaries stores content around the part size: below it (one
// PUT), exactly one and two parts, and one byte more.
func TestS3PartBoundaries(t *testing.T) {
	t.Parallel()
	const part = blob.MinS3PartSize
	s := s3test.Shared(t).NewStore(t, testPrefix, blob.S3Options{PartSize: part, UploadBuffers: 2})
	for i, n := range []int{part - 1, part, part + 1, 2 * part, 2*part + 1, 256 << 10, 256<<10 + 1} {
		b := blobtest.Data(uint64(200+i), n)
		info := mustPut(t, s, struct{ io.Reader }{bytes.NewReader(b)})
		if info.SHA256 != blobtest.Hash(b) || info.Size != int64(n) {
			t.Errorf("Put(%d bytes) = %+v", n, info)
		}
		rc, _, err := s.Open(context.Background(), info.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%d bytes read back differently (%d bytes, %v)", n, len(got), err)
		}
	}
	if l := unfinished(t, s); len(l) != 0 {
		t.Errorf("left behind %q", l)
	}
}

// TestS3NoRewrite checks that storing existing content leaves the object
// alone, even a damaged one, on both paths (single PUT and multipart).
func TestS3NoRewrite(t *testing.T) {
	t.Parallel()
	s := s3test.Shared(t).NewStore(t, testPrefix, blob.S3Options{PartSize: blob.MinS3PartSize})
	ctx := context.Background()
	for _, n := range []int{10000, 6 << 20} {
		b := blobtest.Data(uint64(n), n)
		info := mustPut(t, s, bytes.NewReader(b))
		corruptS3(t, s, info.SHA256)
		if again := mustPut(t, s, bytes.NewReader(b)); again != info {
			t.Errorf("second Put = %+v, want %+v", again, info)
		}
		if _, err := blob.Verify(ctx, s, info.SHA256); !errors.Is(err, blob.ErrCorrupt) {
			t.Errorf("%d bytes: a second Put replaced the damaged object (Verify = %v)", n, err)
		}
	}
}

// failingTransport fails the requests that match.
type failingTransport struct {
	match func(*http.Request) bool
	hits  atomic.Int64
}

func (f *failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.match(r) {
		f.hits.Add(1)
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, errors.New("connection reset by test")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestS3FailedPutLeavesNothing breaks a multipart Put at each step: the
// reader fails, the context ends, a part upload fails, the final copy
// fails. Nothing may remain: no blob, no temporary object, no pending
// multipart upload.
func TestS3FailedPutLeavesNothing(t *testing.T) {
	t.Parallel()
	srv := s3test.Shared(t)
	const size = 24 << 20
	b := blobtest.Data(31, size)
	boom := errors.New("upload interrupted")
	tests := []struct {
		name    string
		match   func(*http.Request) bool
		reader  func(cancel context.CancelFunc) io.Reader
		wantErr error
	}{
		{name: "reader fails after three parts", reader: func(context.CancelFunc) io.Reader {
			return io.MultiReader(bytes.NewReader(b[:3*blob.MinS3PartSize+1000]), errReader{boom})
		}, wantErr: boom},
		{name: "context cancelled after two parts", reader: func(cancel context.CancelFunc) io.Reader {
			return io.MultiReader(bytes.NewReader(b[:2*blob.MinS3PartSize+10]), cancelAt{cancel}, bytes.NewReader(b[2*blob.MinS3PartSize+10:]))
		}, wantErr: context.Canceled},
		{name: "part upload fails", match: func(r *http.Request) bool {
			return r.Method == http.MethodPut && r.URL.Query().Get("partNumber") == "3"
		}},
		{name: "final copy fails", match: func(r *http.Request) bool {
			return r.Header.Get("X-Amz-Copy-Source") != ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := srv.Options(srv.NewBucket(t), testPrefix)
			o.PartSize, o.UploadBuffers = blob.MinS3PartSize, 3
			ft := &failingTransport{match: func(*http.Request) bool { return false }}
			if tt.match != nil {
				ft.match = tt.match
			}
			o.Transport = ft
			s, err := blob.NewS3(o)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var r io.Reader = bytes.NewReader(b)
			if tt.reader != nil {
				r = tt.reader(cancel)
			}
			_, err = s.Put(ctx, r)
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Errorf("Put = %v, want an error wrapping %v", err, tt.wantErr)
			}
			if tt.match != nil && ft.hits.Load() == 0 {
				t.Error("the failing request was never sent")
			}
			if k := keys(t, s); len(k) != 0 {
				t.Errorf("objects left: %q", k)
			}
			if l := unfinished(t, s); len(l) != 0 {
				t.Errorf("unfinished uploads left: %q", l)
			}
		})
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// cancelAt cancels a context when read, and reads nothing.
type cancelAt struct{ cancel context.CancelFunc }

func (c cancelAt) Read([]byte) (int, error) { c.cancel(); return 0, nil }

// TestS3ConcurrentLargePuts stores the same multipart content from several
// goroutines at once, and different content under a memory budget of a
// single part (the Puts wait for the buffer, none deadlocks).
func TestS3ConcurrentLargePuts(t *testing.T) {
	t.Parallel()
	s := s3test.Shared(t).NewStore(t, testPrefix, blob.S3Options{PartSize: blob.MinS3PartSize, MemoryBudget: blob.MinS3PartSize})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	same := blobtest.Data(50, 12<<20)
	const n = 4
	infos := make([]blob.Info, 2*n)
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Go(func() {
			if i < n {
				infos[i], errs[i] = s.Put(ctx, struct{ io.Reader }{bytes.NewReader(same)})
			} else {
				infos[i], errs[i] = s.Put(ctx, blobtest.NewGenerator(uint64(60+i), 11<<20))
			}
		})
	}
	wg.Wait()
	want := blob.Info{SHA256: blobtest.Hash(same), Size: int64(len(same))}
	for i := range 2 * n {
		if errs[i] != nil || (i < n && infos[i] != want) {
			t.Errorf("Put %d = %+v, %v", i, infos[i], errs[i])
		}
	}
	var listed []blob.Info
	if err := s.List(ctx, func(i blob.Info) error { listed = append(listed, i); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(listed) != n+1 {
		t.Errorf("List = %d blobs, want %d", len(listed), n+1)
	}
	if got, err := blob.Verify(ctx, s, want.SHA256); err != nil || got != want {
		t.Errorf("Verify = %+v, %v", got, err)
	}
	if l := unfinished(t, s); len(l) != 0 {
		t.Errorf("left behind %q", l)
	}
}

// heapPeak samples the heap in use until stop is called and returns the
// highest value seen above the value at the start.
func heapPeak() (stop func() uint64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > base && ms.HeapInuse-base > peak.Load() {
				peak.Store(ms.HeapInuse - base)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak.Load()
	}
}

// TestS3LargeStream stores 200 MB generated on the fly with the default
// options (8 MiB parts, four buffers) and reads it back: the heap grows by
// the part buffers at most, never with the size of the content.
func TestS3LargeStream(t *testing.T) {
	if testing.Short() {
		t.Skip("large stream skipped in -short mode")
	}
	// Not parallel: the heap is measured.
	s := s3test.Shared(t).NewStore(t, testPrefix, blob.S3Options{})
	ctx := context.Background()
	const size = 200 << 20
	want := sha256.New()
	if _, err := io.Copy(want, blobtest.NewGenerator(99, size)); err != nil {
		t.Fatal(err)
	}
	wantSHA := hex.EncodeToString(want.Sum(nil))

	var before, after runtime.MemStats
	stop := heapPeak()
	runtime.ReadMemStats(&before)
	start := time.Now()
	info, err := s.Put(ctx, blobtest.NewGenerator(99, size))
	putTime := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	got, err := blob.Verify(ctx, s, info.SHA256)
	getTime := time.Since(start)
	runtime.ReadMemStats(&after)
	peak := stop()
	if err != nil || info.SHA256 != wantSHA || info.Size != size || got != info {
		t.Fatalf("Put = %+v, Verify = %+v, %v; want %s, %d bytes", info, got, err, wantSHA, size)
	}
	const limit = 48 << 20 // four 8 MiB part buffers and change
	if peak > limit {
		t.Errorf("heap grew by %d MiB during a 200 MB Put and read; want at most %d MiB", peak>>20, limit>>20)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("Put and read of 200 MB allocated %d MiB; want constant memory", alloc>>20)
	}
	t.Logf("200 MB: Put %.0f MB/s, read and hash %.0f MB/s; heap peak +%d MiB, allocated %d MiB",
		size/putTime.Seconds()/1e6, size/getTime.Seconds()/1e6, peak>>20, (after.TotalAlloc-before.TotalAlloc)>>20)
	if l := unfinished(t, s); len(l) != 0 {
		t.Errorf("left behind %q", l)
	}
}

// TestS3OpenRanges reads ranges the way http.ServeContent does (size by
// seeking to the end, then back) and checks reads after seeks in both
// directions and past the end.
func TestS3OpenRanges(t *testing.T) {
	t.Parallel()
	s := s3test.Shared(t).NewStore(t, testPrefix, blob.S3Options{})
	b := blobtest.Data(70, 3<<20)
	info := mustPut(t, s, bytes.NewReader(b))
	rc, _, err := s.Open(context.Background(), info.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if end, err := rc.Seek(0, io.SeekEnd); err != nil || end != int64(len(b)) {
		t.Fatalf("Seek(0, End) = %d, %v", end, err)
	}
	if _, err := rc.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 100)
	if _, err := io.ReadFull(rc, head); err != nil || !bytes.Equal(head, b[:100]) {
		t.Fatalf("first 100 bytes: %v", err)
	}
	for _, off := range []int64{2 << 20, 50, 3<<20 - 1} {
		if _, err := rc.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 1)
		if _, err := io.ReadFull(rc, got); err != nil || got[0] != b[off] {
			t.Errorf("byte at %d: %x, %v; want %x", off, got, err, b[off])
		}
	}
	if pos, err := rc.Seek(-10, io.SeekCurrent); err != nil || pos != int64(len(b))-10 {
		t.Errorf("Seek(-10, Current) = %d, %v", pos, err)
	}
	rest, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(rest, b[len(b)-10:]) {
		t.Errorf("last 10 bytes = %x, %v", rest, err)
	}
	if _, err := rc.Seek(int64(len(b))+5, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if n, err := rc.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Errorf("Read past the end = %d, %v; want 0, EOF", n, err)
	}
}

func TestNewS3(t *testing.T) {
	t.Parallel()
	base := blob.S3Options{Endpoint: "127.0.0.1:9", Bucket: "ortlos", AccessKey: "a", SecretKey: "s", Insecure: true}
	for _, tt := range []struct {
		name string
		edit func(*blob.S3Options)
	}{
		{"no endpoint", func(o *blob.S3Options) { o.Endpoint = "" }},
		{"no bucket", func(o *blob.S3Options) { o.Bucket = "" }},
		{"part too small", func(o *blob.S3Options) { o.PartSize = 1 << 20 }},
		{"part too large", func(o *blob.S3Options) { o.PartSize = 2 << 30 }},
	} {
		o := base
		tt.edit(&o)
		if _, err := blob.NewS3(o); err == nil {
			t.Errorf("%s: NewS3 succeeded", tt.name)
		}
	}
	s, err := blob.NewS3(base)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing listens on port 9 (discard): Check fails, quickly.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Check(ctx); err == nil {
		t.Error("Check against a closed port succeeded")
	}
	srv := s3test.Shared(t)
	o := srv.Options("no-such-bucket", "")
	s, err = blob.NewS3(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("Check of a missing bucket = %v", err)
	}
	o = srv.Options(srv.NewBucket(t), "")
	o.SecretKey = "wrong"
	s, err = blob.NewS3(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(context.Background()); err == nil {
		t.Error("Check with a wrong secret key succeeded")
	}
}

// BenchmarkS3Put stores new content of each size through versitygw (a real
// S3 server writing to the local disk) with the default options, and
// reports MB/s and the heap's peak growth.
func BenchmarkS3Put(b *testing.B) {
	for _, size := range []int64{1 << 20, 64 << 20, 1 << 30} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			s := s3test.Shared(b).NewStore(b, testPrefix, blob.S3Options{})
			ctx := context.Background()
			b.SetBytes(size)
			b.ReportAllocs()
			var peak uint64
			i := uint64(0)
			for b.Loop() {
				i++
				b.StopTimer()
				stop := heapPeak()
				b.StartTimer()
				info, err := s.Put(ctx, blobtest.NewGenerator(1000+i, size))
				peak = max(peak, stop())
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := s.Delete(ctx, info.SHA256); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// BenchmarkS3Get reads a stored blob whole, as a download does, and
// reports MB/s and the heap's peak growth.
func BenchmarkS3Get(b *testing.B) {
	for _, size := range []int64{1 << 20, 64 << 20, 1 << 30} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			s := s3test.Shared(b).NewStore(b, testPrefix, blob.S3Options{})
			ctx := context.Background()
			info, err := s.Put(ctx, blobtest.NewGenerator(7, size))
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 256<<10)
			b.SetBytes(size)
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				b.StopTimer()
				stop := heapPeak()
				b.StartTimer()
				rc, _, err := s.Open(ctx, info.SHA256)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{rc}, buf)
				rc.Close()
				peak = max(peak, stop())
				if err != nil || n != size {
					b.Fatalf("read %d bytes, %v", n, err)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
