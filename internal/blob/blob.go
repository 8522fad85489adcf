// Package blob stores file contents (documents, attachments) by their
// SHA-256: a blob's name is the lower-case hex digest of its bytes, so equal
// contents are stored once and a stored blob never changes. Blobs are
// streamed in and out with a fixed buffer, never held in memory whole.
//
// Store is the one interface; Local keeps blobs in a folder of the local file
// system (the default). An implementation for S3-compatible object storage
// fits the same interface: Put streams to a temporary object or a multipart
// upload while hashing and then copies it to its final key, Open returns a
// reader that issues range requests on Seek. The conformance suite in
// internal/blob/blobtest checks every implementation alike.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"

	"ortlos/internal/apperr"
)

// Info describes a stored blob.
type Info struct {
	SHA256 string // lower-case hex digest, 64 characters
	Size   int64  // bytes
}

// Store keeps blobs by content. Implementations are safe for concurrent use,
// also by several processes sharing the same storage.
type Store interface {
	// Put stores the bytes of r and returns their digest and size. Storing
	// content that is already there leaves the stored blob alone. A Put
	// that fails, also through ctx or r, stores nothing.
	Put(ctx context.Context, r io.Reader) (Info, error)
	// Open returns a reader of the blob sha256; the caller closes it. An
	// unknown blob is a NotFound error with code blob_not_found.
	Open(ctx context.Context, sha256 string) (io.ReadSeekCloser, Info, error)
	// Stat returns the size of the blob sha256, or a NotFound error.
	Stat(ctx context.Context, sha256 string) (Info, error)
	// Delete removes the blob sha256, or returns a NotFound error. Callers
	// make sure no record refers to it any more.
	Delete(ctx context.Context, sha256 string) error
	// List calls fn for every stored blob, in ascending order of the
	// digest, and stops at the first error fn returns, returning it.
	List(ctx context.Context, fn func(Info) error) error
}

// ErrCorrupt is wrapped by Verify's error when a blob's content does not
// match its name.
var ErrCorrupt = errors.New("blob: content does not match its SHA-256")

// ValidHash reports whether s is a blob name: 64 lower-case hex digits.
// Names are checked before they reach a path or object key, so that no name
// can point outside the store.
func ValidHash(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// checkHash returns the error for an invalid blob name.
func checkHash(s string) error {
	if !ValidHash(s) {
		return apperr.Invalidf("invalid_blob_hash", "a blob name is 64 lower-case hex digits")
	}
	return nil
}

// notFound is the error for a blob that is not stored.
func notFound(sha string) error {
	return apperr.NotFoundf("blob_not_found", "blob %s not found", sha)
}

// tooLarge is the error of a Put whose content exceeds its limit.
func tooLarge(limit int64) error {
	return apperr.Invalidf("file_too_large", "the file is larger than %d bytes", limit).WithField("file", "file_too_large")
}

// bufSize is the size of the copy buffer; memory per transfer is this,
// whatever the size of the blob.
const bufSize = 256 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

// PutMax stores r in s like s.Put, but fails with an Invalid error coded
// file_too_large, storing nothing, when r holds more than max bytes. max <= 0
// means no limit.
func PutMax(ctx context.Context, s Store, r io.Reader, max int64) (Info, error) {
	if max <= 0 {
		return s.Put(ctx, r)
	}
	lr := &limitReader{r: r, left: max, limit: max}
	info, err := s.Put(ctx, lr)
	if lr.exceeded {
		return Info{}, tooLarge(max)
	}
	return info, err
}

// limitReader fails once more than limit bytes have been read.
type limitReader struct {
	r           io.Reader
	left, limit int64
	exceeded    bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.exceeded {
		return 0, tooLarge(l.limit)
	}
	// Read one byte more than allowed, to tell "exactly the limit" from
	// "more".
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		l.exceeded = true
		return 0, tooLarge(l.limit)
	}
	return n, err
}

// Verify reads the blob sha256 from s and checks that its content hashes to
// its name and has the size Stat reports. A mismatch is an error wrapping
// ErrCorrupt; a missing blob a NotFound error.
func Verify(ctx context.Context, s Store, sha string) (Info, error) {
	rc, info, err := s.Open(ctx, sha)
	if err != nil {
		return Info{}, err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := copyCtx(ctx, h, rc)
	if err != nil {
		return Info{}, fmt.Errorf("blob: verify %s: %w", sha, err)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if got != sha || n != info.Size {
		return Info{SHA256: got, Size: n}, fmt.Errorf("%w: %s holds %d bytes with SHA-256 %s", ErrCorrupt, sha, n, got)
	}
	return info, nil
}

// hashBuffers is the number of buffers a Put cycles through: while the
// hasher works on one, the next is read and written.
const hashBuffers = 3

// hashCopy copies r to w and returns the byte count and SHA-256 of what it
// copied. Hashing runs in a second goroutine, overlapping with reading and
// writing, so that a Put runs at the speed of the slower of the two rather
// than of their sum; memory stays at hashBuffers buffers. ctx is checked
// between chunks.
func hashCopy(ctx context.Context, w io.Writer, r io.Reader) (int64, []byte, error) {
	free := make(chan *[]byte, hashBuffers)
	for range hashBuffers {
		free <- bufPool.Get().(*[]byte)
	}
	type chunk struct {
		buf *[]byte
		n   int
	}
	work := make(chan chunk, hashBuffers)
	sum := make(chan []byte, 1)
	go func() {
		h := sha256.New()
		for c := range work {
			h.Write((*c.buf)[:c.n])
			free <- c.buf
		}
		sum <- h.Sum(nil)
	}()
	n, err := func() (int64, error) {
		var n int64
		for {
			if err := ctx.Err(); err != nil {
				return n, err
			}
			buf := <-free
			m, err := io.ReadFull(r, *buf)
			if m > 0 {
				if _, werr := w.Write((*buf)[:m]); werr != nil {
					free <- buf
					return n, werr
				}
				n += int64(m)
				work <- chunk{buf, m}
			} else {
				free <- buf
			}
			switch err {
			case nil:
			case io.EOF, io.ErrUnexpectedEOF:
				return n, nil
			default:
				return n, err
			}
		}
	}()
	close(work)
	digest := <-sum
	for range hashBuffers {
		bufPool.Put(<-free)
	}
	return n, digest, err
}

// copyCtx copies r to w with a pooled buffer, checking ctx between chunks.
func copyCtx(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, err := r.Read(buf)
		if m > 0 {
			if _, werr := w.Write(buf[:m]); werr != nil {
				return n, werr
			}
			n += int64(m)
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
