package blob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"ortlos/internal/apperr"
)

// S3 is a Store in a bucket of S3-compatible object storage (AWS S3, Ceph
// RGW, MinIO, Garage, versitygw, the object storage of German cloud
// providers). The blob with digest abcd… is the object <prefix>/ab/abcd….
//
// Put streams the content in parts of S3Options.PartSize while hashing it:
// content smaller than one part is uploaded with a single PUT straight to
// its final key (its digest is known by then; the request is signed with
// it, so the server checks the bytes); larger content goes to a multipart
// upload under <prefix>/tmp/, which is then copied server-side to its final
// key (a multipart copy above 5 GiB) and deleted. A failed Put aborts its
// multipart upload and deletes its temporary object. Parts are held in
// pooled 256 KiB chunks, so memory follows what was read: a Put holds at
// most S3Options.UploadBuffers parts, and all Puts of a store together at
// most S3Options.MemoryBudget (at least one part each; a Put beyond the
// first 256 KiB waits while the budget is used up).
//
// Open issues one GET and follows Seek with range requests. Objects are
// never rewritten: an existing blob is left alone, also a damaged one
// (Verify reports it). S3 has no rename, so concurrent Puts of the same
// content may both copy it to the final key; they write identical bytes.
type S3 struct {
	client *minio.Client
	core   minio.Core
	bucket string
	prefix string // "" or "some/prefix/" (with the trailing slash)

	partSize      int64
	uploadBuffers int
	copyPartSize  int64

	slots chan struct{} // one token per part in memory, store-wide
}

// S3Options configure an S3 store.
type S3Options struct {
	Endpoint  string // host or host:port, without scheme
	Bucket    string // must exist
	Region    string // "" asks the server (one request per bucket, cached)
	Prefix    string // key prefix of all objects, e.g. "ortlos/blobs"; may be empty
	AccessKey string
	SecretKey string
	// Insecure uses plain HTTP instead of HTTPS (only for a server on the
	// same machine; the configuration refuses anything else).
	Insecure bool
	// PartSize is the size of a part of a multipart upload (default
	// DefaultS3PartSize, at least 5 MiB, S3's minimum). S3 allows 10,000
	// parts, so it bounds the largest blob: 8 MiB parts, 78 GiB.
	PartSize int64
	// UploadBuffers is the number of part buffers one Put may use: one is
	// filled from the reader while the others are being sent (default 4;
	// 1 sends each part before reading the next).
	UploadBuffers int
	// MemoryBudget bounds the part buffers of all Puts of the store
	// together (default DefaultS3MemoryBudget); at least one part.
	MemoryBudget int64
	// CopyPartSize is the part size of the server-side multipart copy of
	// content larger than it (default and maximum 5 GiB, S3's limit for a
	// single copy; tests lower it).
	CopyPartSize int64
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
}

// Defaults and limits of S3Options.
const (
	DefaultS3PartSize     = 8 << 20
	MinS3PartSize         = 5 << 20
	MaxS3PartSize         = 1 << 30
	DefaultS3MemoryBudget = 64 << 20
	s3MaxParts            = 10000
	s3MaxCopyPart         = 5 << 30
	defaultUploadBuffers  = 4
	// s3CleanupTimeout bounds the requests that clean up after a failed
	// Put, which run even when the Put's context was cancelled.
	s3CleanupTimeout = time.Minute
	// s3TmpDir is the folder below the prefix that holds unfinished Puts.
	s3TmpDir = "tmp/"
)

// NewS3 returns the store in the bucket o.Bucket. It sends no request;
// Check tells whether the bucket can be reached.
func NewS3(o S3Options) (*S3, error) {
	switch {
	case o.Endpoint == "":
		return nil, errors.New("blob: s3: no endpoint given")
	case o.Bucket == "":
		return nil, errors.New("blob: s3: no bucket given")
	}
	if o.PartSize == 0 {
		o.PartSize = DefaultS3PartSize
	}
	if o.PartSize < MinS3PartSize || o.PartSize > MaxS3PartSize {
		return nil, fmt.Errorf("blob: s3: part size %d out of range (%d to %d bytes)", o.PartSize, MinS3PartSize, MaxS3PartSize)
	}
	if o.UploadBuffers <= 0 {
		o.UploadBuffers = defaultUploadBuffers
	}
	if o.MemoryBudget <= 0 {
		o.MemoryBudget = DefaultS3MemoryBudget
	}
	if o.CopyPartSize <= 0 || o.CopyPartSize > s3MaxCopyPart {
		o.CopyPartSize = s3MaxCopyPart
	}
	prefix := strings.Trim(o.Prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	tr := o.Transport
	if tr == nil {
		t, err := minio.DefaultTransport(!o.Insecure)
		if err != nil {
			return nil, fmt.Errorf("blob: s3: %w", err)
		}
		// A server-side copy or the completion of a large multipart
		// upload may take minutes before the server answers.
		t.ResponseHeaderTimeout = 10 * time.Minute
		tr = t
	}
	client, err := minio.New(o.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(o.AccessKey, o.SecretKey, ""),
		Secure:    !o.Insecure,
		Region:    o.Region,
		Transport: tr,
		// Path-style requests (https://host/bucket/key) for every server
		// but AWS and a few others that minio-go knows to prefer virtual
		// hosts: local servers have no wildcard DNS for bucket names.
		BucketLookup: minio.BucketLookupAuto,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: s3: %w", err)
	}
	parts := max(o.MemoryBudget/o.PartSize, 1)
	s := &S3{
		client:        client,
		core:          minio.Core{Client: client},
		bucket:        o.Bucket,
		prefix:        prefix,
		partSize:      o.PartSize,
		uploadBuffers: o.UploadBuffers,
		copyPartSize:  o.CopyPartSize,
		slots:         make(chan struct{}, parts),
	}
	return s, nil
}

// Bucket returns the bucket and the key prefix ("" or ending in "/").
func (s *S3) Bucket() (bucket, prefix string) { return s.bucket, s.prefix }

// Key returns the object key of the blob sha256; sha256 must be valid.
func (s *S3) Key(sha string) string { return s.prefix + sha[0:2] + "/" + sha }

// Check asks the server whether the bucket exists and the credentials are
// accepted.
func (s *S3) Check(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob: s3: bucket %s: %w", s.bucket, err)
	}
	if !ok {
		return fmt.Errorf("blob: s3: bucket %s does not exist", s.bucket)
	}
	return nil
}

// Put stores the content of r; see Store and the type's comment.
func (s *S3) Put(ctx context.Context, r io.Reader) (Info, error) {
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	h := sha256.New()
	// The first chunk needs no share of the budget: most files are small.
	first := &partBuf{}
	eof, err := first.fill(ctx, r, h, bufSize)
	if err == nil && !eof {
		// More than a chunk: reserve a part, waiting while the store's
		// budget is used up, and read up to its size.
		if err = s.acquire(ctx, true); err == nil {
			first.token = true
			eof, err = first.fill(ctx, r, h, int(s.partSize))
		}
	}
	switch {
	case err != nil:
		s.release(first)
		return Info{}, putErr(ctx, err)
	case eof:
		// At most one part: all of it is in memory.
		info, err := s.putSmall(ctx, first, h)
		s.release(first)
		return info, err
	}
	return s.putMultipart(ctx, r, h, first)
}

// partBuf holds the content of a part in pooled chunks of bufSize bytes,
// taken as they fill, so that memory follows what was read, not the part
// size.
type partBuf struct {
	chunks []*[]byte
	n      int  // bytes held
	token  bool // holds one part of the store's budget
}

// fill reads from r until the buffer holds limit bytes or r ends (eof
// true), hashing what it reads and checking ctx between reads.
func (p *partBuf) fill(ctx context.Context, r io.Reader, h hash.Hash, limit int) (eof bool, err error) {
	for p.n < limit {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		off := p.n % bufSize
		if off == 0 && p.n/bufSize == len(p.chunks) {
			p.chunks = append(p.chunks, bufPool.Get().(*[]byte))
		}
		c := *p.chunks[p.n/bufSize]
		m, err := r.Read(c[off:min(bufSize, off+limit-p.n)])
		if m > 0 {
			h.Write(c[off : off+m])
			p.n += m
		}
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
	return false, nil
}

// reader returns a reader of the content, seekable for retried requests.
// The caller detaches it before the buffer is reused.
func (p *partBuf) reader() *chunkReader { return &chunkReader{p: p} }

// reset empties the buffer for the next part; it keeps its chunks.
func (p *partBuf) reset() { p.n = 0 }

// free returns the chunks to the pool.
func (p *partBuf) free() {
	for _, c := range p.chunks {
		bufPool.Put(c)
	}
	clear(p.chunks)
	p.chunks, p.n = p.chunks[:0], 0
}

// chunkReader reads a partBuf. net/http may go on reading a request's body
// after the response came (a server that answers before reading it all),
// and minio-go hides the body's Close: detach cuts the reader off from the
// buffer, so that the chunks can go back to the pool safely.
type chunkReader struct {
	mu       sync.Mutex
	p        *partBuf
	off      int
	detached bool
}

var errDetached = errors.New("blob: request body read after its request ended")

func (c *chunkReader) Read(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.detached {
		return 0, errDetached
	}
	if c.off >= c.p.n {
		return 0, io.EOF
	}
	chunk := *c.p.chunks[c.off/bufSize]
	end := min(bufSize, c.p.n-c.off/bufSize*bufSize)
	n := copy(b, chunk[c.off%bufSize:end])
	c.off += n
	return n, nil
}

func (c *chunkReader) Seek(offset int64, whence int) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.detached {
		return 0, errDetached
	}
	switch whence {
	case io.SeekCurrent:
		offset += int64(c.off)
	case io.SeekEnd:
		offset += int64(c.p.n)
	}
	if offset < 0 || offset > int64(c.p.n) {
		return 0, errors.New("blob: seek out of range")
	}
	c.off = int(offset)
	return offset, nil
}

// detach ends the reader's access to the buffer; it waits for a Read in
// progress.
func (c *chunkReader) detach() {
	c.mu.Lock()
	c.detached = true
	c.mu.Unlock()
}

// putErr returns the error of a failed Put: the context's when it ended
// (the request errors then only say so indirectly), else err.
func putErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("blob: put: %w", cerr)
	}
	return fmt.Errorf("blob: put: %w", err)
}

// putSmall stores content that is all in p: its digest is known, so it
// goes straight to its final key, unless that exists.
func (s *S3) putSmall(ctx context.Context, p *partBuf, h hash.Hash) (Info, error) {
	info := Info{SHA256: hex.EncodeToString(h.Sum(nil)), Size: int64(p.n)}
	switch _, err := s.Stat(ctx, info.SHA256); {
	case err == nil:
		return info, nil // deduplicated
	case apperr.KindOf(err) != apperr.NotFound:
		return Info{}, putErr(ctx, err)
	}
	if err := ctx.Err(); err != nil {
		return Info{}, putErr(ctx, err)
	}
	opts := minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		// Sign the payload's SHA-256 (which is the blob's name) instead
		// of streaming chunk signatures: the server rejects the request
		// when the bytes it received differ.
		DisableContentSha256: true,
	}
	// Only if the key does not exist yet: a concurrent Put of the same
	// content may have stored it meanwhile (servers that ignore the
	// condition overwrite it with identical bytes).
	opts.SetMatchETagExcept("*")
	body := p.reader()
	_, err := s.core.PutObject(ctx, s.bucket, s.Key(info.SHA256), body, int64(p.n), "", info.SHA256, opts)
	body.detach()
	if err != nil && !isPreconditionFailed(err) {
		return Info{}, putErr(ctx, err)
	}
	return info, nil
}

// upload is one running multipart upload of a Put.
type upload struct {
	s   *S3
	ctx context.Context
	key string
	id  string

	free chan *partBuf // idle buffers held by this upload
	held []*partBuf    // all buffers held by this upload

	wg    sync.WaitGroup
	mu    sync.Mutex
	parts []minio.CompletePart
	err   error
}

// putMultipart stores content of more than one part: first holds the first
// part, r the rest.
func (s *S3) putMultipart(ctx context.Context, r io.Reader, h hash.Hash, first *partBuf) (info Info, err error) {
	u := &upload{s: s, ctx: ctx, free: make(chan *partBuf, s.uploadBuffers), held: []*partBuf{first}}
	defer func() {
		u.wg.Wait()
		for _, b := range u.held {
			s.release(b)
		}
	}()
	if u.key, err = s.tmpKey(); err != nil {
		return Info{}, err
	}
	u.id, err = s.core.NewMultipartUpload(ctx, s.bucket, u.key, minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return Info{}, putErr(ctx, err)
	}
	completed := false
	defer func() {
		if err == nil {
			return
		}
		// A failed Put leaves nothing: abort the upload or delete the
		// temporary object, also when ctx has ended.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s3CleanupTimeout)
		defer cancel()
		u.wg.Wait()
		if completed {
			_ = s.client.RemoveObject(cctx, s.bucket, u.key, minio.RemoveObjectOptions{})
		} else {
			_ = s.core.AbortMultipartUpload(cctx, s.bucket, u.key, u.id)
		}
	}()

	var size int64
	part := 0
	buf := first
	for {
		// buf belongs to its upload once sent.
		n := buf.n
		if n > 0 {
			part++
			if part > s3MaxParts {
				// S3's limit at this part size; a larger part size
				// (ORTLOS_BLOB_S3_PART_BYTES) raises it.
				u.free <- buf
				return Info{}, tooLarge(s3MaxParts * s.partSize)
			}
			size += int64(n)
			u.send(part, buf)
		} else {
			u.free <- buf
		}
		if err := u.failed(); err != nil {
			return Info{}, putErr(ctx, err)
		}
		if n < int(s.partSize) {
			break // the reader ended
		}
		if buf, err = u.buffer(); err != nil {
			return Info{}, putErr(ctx, err)
		}
		eof, err := buf.fill(ctx, r, h, int(s.partSize))
		if err != nil {
			u.free <- buf
			return Info{}, putErr(ctx, err)
		}
		if eof && buf.n == int(s.partSize) {
			// Exactly full and the end: send it, then stop.
			part++
			size += int64(buf.n)
			u.send(part, buf)
			break
		}
		// Not full: the reader ended (sent above, or returned when empty).
	}
	u.wg.Wait()
	if err := u.failed(); err != nil {
		return Info{}, putErr(ctx, err)
	}
	if err := ctx.Err(); err != nil {
		return Info{}, putErr(ctx, err)
	}
	slices.SortFunc(u.parts, func(a, b minio.CompletePart) int { return a.PartNumber - b.PartNumber })
	if _, err := s.core.CompleteMultipartUpload(ctx, s.bucket, u.key, u.id, u.parts, minio.PutObjectOptions{}); err != nil {
		return Info{}, putErr(ctx, err)
	}
	completed = true
	info = Info{SHA256: hex.EncodeToString(h.Sum(nil)), Size: size}
	if err := s.finish(ctx, u.key, info); err != nil {
		return Info{}, putErr(ctx, err)
	}
	return info, nil
}

// send uploads buf as part number part in the background; buf goes back,
// emptied, to the upload's idle buffers afterwards.
func (u *upload) send(part int, buf *partBuf) {
	u.wg.Go(func() {
		defer func() {
			buf.reset()
			u.free <- buf
		}()
		if u.failed() != nil {
			return
		}
		body := buf.reader()
		p, err := u.s.core.PutObjectPart(u.ctx, u.s.bucket, u.key, u.id, part, body, int64(buf.n),
			// UNSIGNED-PAYLOAD: TLS protects the bytes in transit and
			// the whole content is hashed anyway; no second SHA-256.
			minio.PutObjectPartOptions{DisableContentSha256: true})
		body.detach()
		u.mu.Lock()
		defer u.mu.Unlock()
		if err != nil {
			if u.err == nil {
				u.err = fmt.Errorf("part %d: %w", part, err)
			}
			return
		}
		u.parts = append(u.parts, minio.CompletePart{PartNumber: part, ETag: p.ETag})
	})
}

func (u *upload) failed() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.err
}

// buffer returns an idle buffer of the upload, another one from the
// store's budget when all are busy and the upload may hold more, or waits
// for one of its own to become idle.
func (u *upload) buffer() (*partBuf, error) {
	select {
	case b := <-u.free:
		b.reset()
		return b, nil
	default:
	}
	if len(u.held) < u.s.uploadBuffers {
		if err := u.s.acquire(u.ctx, false); err == nil {
			b := &partBuf{token: true}
			u.held = append(u.held, b)
			return b, nil
		}
	}
	select {
	case b := <-u.free:
		b.reset()
		return b, nil
	case <-u.ctx.Done():
		return nil, u.ctx.Err()
	}
}

// errNoSlot is acquire's answer when the budget is used up and it should
// not wait.
var errNoSlot = errors.New("blob: no part buffer free")

// acquire takes a part of the store's budget, waiting for one when wait is
// set; without wait it fails with errNoSlot when none is free.
func (s *S3) acquire(ctx context.Context, wait bool) error {
	if wait {
		select {
		case s.slots <- struct{}{}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
		return errNoSlot
	}
}

// release returns the chunks of b to the pool and its share of the budget.
func (s *S3) release(b *partBuf) {
	b.free()
	if b.token {
		b.token = false
		<-s.slots
	}
}

// tmpKey returns a new key for a temporary object.
func (s *S3) tmpKey() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("blob: put: %w", err)
	}
	return s.prefix + s3TmpDir + "put-" + time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:]), nil
}

// finish copies the complete temporary object tmp to the final key of
// info, unless a blob is stored there, and deletes tmp.
func (s *S3) finish(ctx context.Context, tmp string, info Info) error {
	_, err := s.Stat(ctx, info.SHA256)
	switch {
	case err == nil:
		// Deduplicated: the content is stored already.
	case apperr.KindOf(err) != apperr.NotFound:
		return err
	default:
		if err := ctx.Err(); err != nil {
			return err
		}
		// One CopyObject up to CopyPartSize, a multipart copy above
		// (ComposeObject never takes its single-copy path for a whole
		// object, as its own validation rejects Start -1).
		dst := minio.CopyDestOptions{Bucket: s.bucket, Object: s.Key(info.SHA256), PartSize: uint64(s.copyPartSize)}
		src := minio.CopySrcOptions{Bucket: s.bucket, Object: tmp}
		var err error
		if info.Size <= s.copyPartSize {
			_, err = s.client.CopyObject(ctx, dst, src)
		} else {
			_, err = s.client.ComposeObject(ctx, dst, src)
		}
		if err != nil {
			return fmt.Errorf("copy to the final key: %w", err)
		}
	}
	// The blob is stored now. Should the temporary object stay behind,
	// it is a leftover that Unfinished lists.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s3CleanupTimeout)
	defer cancel()
	_ = s.client.RemoveObject(cctx, s.bucket, tmp, minio.RemoveObjectOptions{})
	return nil
}

// Open returns a reader of the blob; see Store. It sends a GET for the
// whole blob now; a Seek to another offset makes the next Read send a
// range request.
func (s *S3) Open(ctx context.Context, sha string) (io.ReadSeekCloser, Info, error) {
	if err := checkHash(sha); err != nil {
		return nil, Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, err
	}
	body, oi, _, err := s.core.GetObject(ctx, s.bucket, s.Key(sha), minio.GetObjectOptions{})
	if isNotFound(err) {
		return nil, Info{}, notFound(sha)
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("blob: open: %w", err)
	}
	return &s3Reader{s: s, ctx: ctx, key: s.Key(sha), size: oi.Size, body: body}, Info{SHA256: sha, Size: oi.Size}, nil
}

// s3Reader reads an object; see Open.
type s3Reader struct {
	s    *S3
	ctx  context.Context
	key  string
	size int64

	pos     int64         // offset of the next Read
	body    io.ReadCloser // nil, or a response body positioned at bodyPos
	bodyPos int64
	closed  bool
}

func (r *s3Reader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, errors.New("blob: read of a closed blob")
	}
	if r.pos >= r.size {
		return 0, io.EOF
	}
	if r.body != nil && r.bodyPos != r.pos {
		r.body.Close()
		r.body = nil
	}
	if r.body == nil {
		var opts minio.GetObjectOptions
		if err := opts.SetRange(r.pos, r.size-1); err != nil {
			return 0, err
		}
		body, _, _, err := r.s.core.GetObject(r.ctx, r.s.bucket, r.key, opts)
		if err != nil {
			return 0, fmt.Errorf("blob: read at %d: %w", r.pos, err)
		}
		r.body, r.bodyPos = body, r.pos
	}
	if int64(len(p)) > r.size-r.pos {
		p = p[:r.size-r.pos]
	}
	n, err := r.body.Read(p)
	r.pos += int64(n)
	r.bodyPos = r.pos
	switch {
	case err == io.EOF:
		r.body.Close()
		r.body = nil
		if r.pos < r.size {
			return n, io.ErrUnexpectedEOF
		}
		if n > 0 {
			err = nil
		}
	case err == nil && r.pos == r.size:
		// Read the body's end, so that its connection is reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.body, 512))
		r.body.Close()
		r.body = nil
	}
	return n, err
}

func (r *s3Reader) Seek(offset int64, whence int) (int64, error) {
	if r.closed {
		return 0, errors.New("blob: seek in a closed blob")
	}
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, errors.New("blob: seek: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("blob: seek: negative position")
	}
	r.pos = offset
	return offset, nil
}

func (r *s3Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.body != nil {
		r.body.Close()
		r.body = nil
	}
	return nil
}

// Stat returns the blob's size; see Store.
func (s *S3) Stat(ctx context.Context, sha string) (Info, error) {
	if err := checkHash(sha); err != nil {
		return Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, s.Key(sha), minio.StatObjectOptions{})
	if isNotFound(err) {
		return Info{}, notFound(sha)
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob: stat: %w", err)
	}
	return Info{SHA256: sha, Size: oi.Size}, nil
}

// Delete removes the blob; see Store. S3 deletes missing keys without
// complaint, so it asks first.
func (s *S3) Delete(ctx context.Context, sha string) error {
	if _, err := s.Stat(ctx, sha); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, s.Key(sha), minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("blob: delete: %w", err)
	}
	return nil
}

// List calls fn for every blob in ascending order; see Store. S3 lists
// keys in lexical order, which for <prefix>/ab/abcd… is the digests'.
// Objects that are not blobs (other names or places, tmp/) are skipped.
func (s *S3) List(ctx context.Context, fn func(Info) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the listing when fn stops it
	for o := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if o.Err != nil {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fmt.Errorf("blob: list: %w", o.Err)
		}
		rest := strings.TrimPrefix(o.Key, s.prefix)
		fan, sha, ok := strings.Cut(rest, "/")
		if !ok || !ValidHash(sha) || fan != sha[:2] {
			continue
		}
		if err := fn(Info{SHA256: sha, Size: o.Size}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Unfinished is a leftover of a Put: a temporary object or a multipart
// upload that was neither completed nor aborted.
type Unfinished struct {
	Key     string
	Started time.Time
	Upload  bool // a multipart upload rather than an object
}

// Unfinished lists the temporary objects and pending multipart uploads
// under the store's prefix: those of running Puts, or leftovers of a crash
// or a failed cleanup. Those older than the longest upload can be removed;
// a lifecycle rule of the bucket can do that (docs/blobs.md).
func (s *S3) Unfinished(ctx context.Context) ([]Unfinished, error) {
	var out []Unfinished
	for o := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + s3TmpDir, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("blob: list temporary objects: %w", o.Err)
		}
		out = append(out, Unfinished{Key: o.Key, Started: o.LastModified})
	}
	keyMarker, idMarker := "", ""
	for {
		res, err := s.core.ListMultipartUploads(ctx, s.bucket, s.prefix, keyMarker, idMarker, "", 1000)
		if err != nil {
			return nil, fmt.Errorf("blob: list multipart uploads: %w", err)
		}
		for _, u := range res.Uploads {
			out = append(out, Unfinished{Key: u.Key, Started: u.Initiated, Upload: true})
		}
		if !res.IsTruncated || (res.NextKeyMarker == keyMarker && res.NextUploadIDMarker == idMarker) {
			break
		}
		keyMarker, idMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
	return out, nil
}

// isNotFound reports whether err is S3's answer for a missing key.
func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	var e minio.ErrorResponse
	if !errors.As(err, &e) {
		return false
	}
	return e.StatusCode == http.StatusNotFound || e.Code == "NoSuchKey"
}

// isPreconditionFailed reports whether err is the answer to a conditional
// PUT whose key exists.
func isPreconditionFailed(err error) bool {
	var e minio.ErrorResponse
	return errors.As(err, &e) && (e.StatusCode == http.StatusPreconditionFailed || e.Code == "PreconditionFailed")
}
