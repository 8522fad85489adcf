package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"ortlos/internal/apperr"
	"ortlos/internal/blob"
	"ortlos/internal/blob/blobtest"
)

func newLocal(t testing.TB) *blob.Local {
	t.Helper()
	l, err := blob.NewLocal(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLocalConformance(t *testing.T) {
	blobtest.Run(t, blobtest.Harness{
		New: func(t *testing.T) blob.Store { return newLocal(t) },
		Corrupt: func(t *testing.T, s blob.Store, sha string) {
			p := s.(*blob.Local).Path(sha)
			if err := os.Chmod(p, 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt([]byte{'!'}, 1000); err != nil {
				t.Fatal(err)
			}
		},
		Leftovers: func(t *testing.T, s blob.Store) []string {
			names, err := s.(*blob.Local).TempFiles()
			if err != nil {
				t.Fatal(err)
			}
			return names
		},
	})
}

func TestLocalLayout(t *testing.T) {
	t.Parallel()
	l := newLocal(t)
	b := []byte("Bescheid vom 1. April")
	info, err := l.Put(context.Background(), bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(l.Dir(), info.SHA256[:2], info.SHA256[2:4], info.SHA256)
	if l.Path(info.SHA256) != want {
		t.Errorf("Path = %s, want %s", l.Path(info.SHA256), want)
	}
	fi, err := os.Stat(want)
	if err != nil {
		t.Fatalf("blob file: %v", err)
	}
	if fi.Mode().Perm() != 0o400 {
		t.Errorf("blob file mode %v, want read-only 0400", fi.Mode().Perm())
	}
	got, err := os.ReadFile(want)
	if err != nil || !bytes.Equal(got, b) {
		t.Errorf("blob file holds %q, %v", got, err)
	}
	for _, d := range []string{l.Dir(), filepath.Dir(want), filepath.Join(l.Dir(), "tmp")} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("folder %s: %v, %v; want mode 0700", d, fi.Mode().Perm(), err)
		}
	}
	if names, _ := l.TempFiles(); len(names) != 0 {
		t.Errorf("temporary files left: %q", names)
	}
}

// TestLocalNoRewrite checks that storing existing content leaves the file
// alone, even a damaged one (a stored version never changes; Verify reports
// the damage).
func TestLocalNoRewrite(t *testing.T) {
	t.Parallel()
	l := newLocal(t)
	ctx := context.Background()
	b := blobtest.Data(1, 10000)
	info, err := l.Put(ctx, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(l.Path(info.SHA256))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Put(ctx, bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(l.Path(info.SHA256))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) || !before.ModTime().Equal(after.ModTime()) {
		t.Error("a second Put of the same content replaced the file")
	}
}

func TestLocalListSkipsForeignFiles(t *testing.T) {
	t.Parallel()
	l := newLocal(t)
	info, err := l.Put(context.Background(), bytes.NewReader([]byte("a")))
	if err != nil {
		t.Fatal(err)
	}
	other := blobtest.Hash([]byte("b"))
	for _, p := range []string{
		filepath.Join(l.Dir(), "README"),
		filepath.Join(l.Dir(), info.SHA256[:2], "notes.txt"),
		filepath.Join(l.Dir(), info.SHA256[:2], info.SHA256[2:4], "x.tmp"),
		// A blob name in the wrong folder is not the blob.
		filepath.Join(l.Dir(), info.SHA256[:2], info.SHA256[2:4], other),
		filepath.Join(l.Dir(), "tmp", "put-123"),
		filepath.Join(l.Dir(), "XY", "zz", other),
	} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var got []blob.Info
	if err := l.List(context.Background(), func(i blob.Info) error { got = append(got, i); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != info {
		t.Errorf("List = %+v, want only %+v", got, info)
	}
	if _, err := l.Stat(context.Background(), other); apperr.KindOf(err) != apperr.NotFound {
		t.Errorf("Stat of a blob name in the wrong folder = %v, want not found", err)
	}
}

func TestLocalMaxSize(t *testing.T) {
	t.Parallel()
	l := newLocal(t).WithMaxSize(1000)
	ctx := context.Background()
	if _, err := l.Put(ctx, bytes.NewReader(make([]byte, 1000))); err != nil {
		t.Errorf("Put at the limit: %v", err)
	}
	_, err := l.Put(ctx, bytes.NewReader(make([]byte, 1001)))
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.Invalid || e.Code != "file_too_large" || e.Fields["file"] != "file_too_large" {
		t.Errorf("Put over the limit = %v, want invalid file_too_large on field file", err)
	}
	if names, _ := l.TempFiles(); len(names) != 0 {
		t.Errorf("temporary files left: %q", names)
	}
	n := 0
	_ = l.List(ctx, func(blob.Info) error { n++; return nil })
	if n != 1 {
		t.Errorf("%d blobs stored, want 1", n)
	}
}

func TestNewLocal(t *testing.T) {
	t.Parallel()
	if _, err := blob.NewLocal(""); err == nil {
		t.Error("NewLocal(\"\") succeeded")
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := blob.NewLocal(file); err == nil {
		t.Error("NewLocal(a file) succeeded")
	}
	// Relative folders are made absolute, so that a later chdir does not
	// move the store.
	l, err := blob.NewLocal(filepath.Join(t.TempDir(), "a", "..", "b"))
	if err != nil || !filepath.IsAbs(l.Dir()) {
		t.Errorf("NewLocal: Dir = %q, %v", l.Dir(), err)
	}
}

// TestLocalLargePut stores content spanning many writeback chunks (the
// disk writes started while the content still arrives) and checks that
// what is stored is exactly what was sent.
func TestLocalLargePut(t *testing.T) {
	l := newLocal(t)
	ctx := context.Background()
	const size = 7*(8<<20) + 12345
	want := sha256.New()
	info, err := l.Put(ctx, io.TeeReader(blobtest.NewGenerator(7, size), want))
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != size || info.SHA256 != hex.EncodeToString(want.Sum(nil)) {
		t.Fatalf("Put = %+v, want %d bytes with the sent content's digest", info, size)
	}
	if _, err := blob.Verify(ctx, l, info.SHA256); err != nil {
		t.Fatal(err)
	}
}

// benchSizes are the blob sizes of the benchmarks.
var benchSizes = []int{1 << 20, 64 << 20}

// BenchmarkLocalPut stores new content of each size (fsync included) and
// reports MB/s.
func BenchmarkLocalPut(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			l := newLocal(b)
			ctx := context.Background()
			data := blobtest.Data(1, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				// New content each time, or the Put would only deduplicate.
				i++
				copy(data, fmt.Sprintf("%08d", i))
				info, err := l.Put(ctx, struct{ io.Reader }{bytes.NewReader(data)})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := l.Delete(ctx, info.SHA256); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// BenchmarkLocalGet opens a stored blob and reads it whole, as a download
// does, and reports MB/s.
func BenchmarkLocalGet(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			l := newLocal(b)
			ctx := context.Background()
			info, err := l.Put(ctx, blobtest.NewGenerator(2, int64(size)))
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 256<<10)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				rc, _, err := l.Open(ctx, info.SHA256)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{rc}, buf)
				rc.Close()
				if err != nil || n != int64(size) {
					b.Fatalf("read %d bytes, %v", n, err)
				}
			}
		})
	}
}
