package filecheck

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"

	"ortlos/internal/apperr"
)

// Scanner checks content for malware. Clamd is the implementation ortlos
// ships; tests may provide others.
type Scanner interface {
	// Scan reads r to its end and returns the name of the malware found,
	// "" when the content is clean. An error means there is no verdict
	// (the scanner is unreachable, timed out, or refused the content); a
	// scanner returns early with an error when it gives up, without
	// reading the rest.
	Scan(ctx context.Context, r io.Reader) (signature string, err error)
}

// teeBuffers and teeBufSize bound the memory between the upload and the
// scanner: while the store writes, up to teeBuffers chunks wait for the
// scanner.
const (
	teeBuffers = 4
	teeBufSize = 64 << 10
)

// Upload is the content of one uploaded file on its way into the store.
// It is an io.Reader: the caller passes it to the store (blob.Store.Put),
// then calls Finish for the verdict, and Close in any case. Reads fail
// with file_too_large once the content passes the policy's MaxBytes, and
// with virus_scan_failed (or virus_scan_too_large) when the scanner gives
// up, unless the policy fails open; either way the store stores nothing.
//
// An Upload is not safe for concurrent use.
type Upload struct {
	r        *bufio.Reader
	name     string
	mimeType string
	limit    int64
	n        int64
	err      error // sticky read error
	eof      bool

	failOpen bool
	tee      *teePipe      // nil without a scanner
	scanDone chan struct{} // closed when the scanner returned
	sig      string
	scanErr  error
	scanned  bool
	cancel   context.CancelFunc

	active *activeScan // for HTML and SVG: looks for scripts
	closed bool
}

// NewUpload checks the file r (named name, of declared MIME type declared,
// both as the client sent them) against policy p and returns the Upload to
// pass to the store. It reads the first HeadSize bytes of r at once: a
// refused type (file_type_not_allowed, file_type_mismatch) or an empty file
// (file_empty) is an error here, before anything is stored. With a non-nil
// scanner the scan starts now, reading the content as the store does;
// ctx bounds the scan.
func NewUpload(ctx context.Context, p Policy, scanner Scanner, r io.Reader, name, declared string) (*Upload, error) {
	br := bufio.NewReaderSize(r, HeadSize)
	head, err := br.Peek(HeadSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	safe := SafeName(name)
	mimeType, err := p.Check(head, safe, declared)
	if err != nil {
		return nil, err
	}
	u := &Upload{r: br, name: safe, mimeType: mimeType, limit: p.Limit(), failOpen: p.ScanFailOpen}
	if t := typeByMIME(mimeType); t != nil && (t.class == classHTML || t.class == classSVG) {
		u.active = &activeScan{}
	}
	u.startScan(ctx, scanner)
	return u, nil
}

// NewScan returns an Upload that only scans: the content of r passes
// through unchanged while scanner checks it in the same pass, as with
// NewUpload, but without checks of name, type or size (for content whose
// type and size the caller checks itself, such as task attachments). It
// fails closed. Finish gives the verdict (nil without a scanner);
// Name and MIMEType are empty.
func NewScan(ctx context.Context, scanner Scanner, r io.Reader) *Upload {
	u := &Upload{r: bufio.NewReaderSize(r, teeBufSize), limit: -1}
	u.startScan(ctx, scanner)
	return u
}

// startScan starts scanner (if any) on a copy of the content as it is
// read; ctx bounds the scan.
func (u *Upload) startScan(ctx context.Context, scanner Scanner) {
	if scanner == nil {
		return
	}
	sctx, cancel := context.WithCancel(ctx)
	u.cancel = cancel
	u.tee = newTeePipe()
	u.scanDone = make(chan struct{})
	go func() {
		defer close(u.scanDone)
		sig, err := scanner.Scan(sctx, u.tee)
		u.sig, u.scanErr = sig, err
		// Unblock the writer if the scanner stopped early.
		u.tee.closeRead(err)
	}()
}

// Name returns the file's safe name (SafeName).
func (u *Upload) Name() string { return u.name }

// MIMEType returns the type the file is stored under (Policy.Check).
func (u *Upload) MIMEType() string { return u.mimeType }

// Size returns the bytes read so far; after the store read to the end,
// the file's size.
func (u *Upload) Size() int64 { return u.n }

// Scanned reports, after Finish, whether a scanner checked the whole
// content and found it clean. It is false without a scanner and when a
// policy that fails open accepted a file the scanner could not check.
func (u *Upload) Scanned() bool { return u.scanned }

// Read reads the file's content.
func (u *Upload) Read(p []byte) (int, error) {
	if u.err != nil {
		return 0, u.err
	}
	if u.closed {
		return 0, errors.New("filecheck: read after Close")
	}
	if u.limit >= 0 && int64(len(p)) > u.limit-u.n+1 {
		// Read at most one byte over the limit, to tell "exactly the
		// limit" from "more" without reading further.
		p = p[:u.limit-u.n+1]
	}
	n, err := u.r.Read(p)
	if n > 0 {
		u.n += int64(n)
		if u.limit >= 0 && u.n > u.limit {
			u.fail(errTooLarge(u.limit))
			return 0, u.err
		}
		if u.active != nil {
			u.active.write(p[:n])
		}
		if u.tee != nil {
			if werr := u.tee.write(p[:n]); werr != nil && !u.failOpen {
				u.fail(scanError(werr))
				return 0, u.err
			}
		}
	}
	if errors.Is(err, io.EOF) {
		u.eof = true
		if u.tee != nil {
			u.tee.closeWrite(nil)
		}
	} else if err != nil {
		u.fail(err)
		return n, err
	}
	return n, err
}

// fail makes err the result of every further read and stops the scan.
func (u *Upload) fail(err error) {
	u.err = err
	if u.tee != nil {
		u.tee.closeWrite(err)
	}
	if u.cancel != nil {
		u.cancel()
	}
}

// Finish waits for the scanner's verdict after the store read the content
// to its end, and returns nil when the file may be used: it is clean or
// there is no scanner, or the scanner failed and the policy fails open.
// Otherwise the error is file_infected, file_active_content (a script in
// an allowed HTML or SVG file), virus_scan_too_large or virus_scan_failed,
// and the caller removes what it stored. Finish before the content was
// read to its end is an error.
func (u *Upload) Finish() error {
	if u.err != nil {
		return u.err
	}
	if !u.eof {
		u.fail(errors.New("filecheck: Finish before the content was read to its end"))
		u.wait()
		return u.err
	}
	if u.active != nil && u.active.found {
		return errActiveContent()
	}
	if u.tee == nil {
		return nil
	}
	u.wait()
	switch {
	case u.scanErr != nil:
		if u.failOpen {
			return nil
		}
		return scanError(u.scanErr)
	case u.sig != "":
		return apperr.Invalidf("file_infected", "the file contains malware (%s)", u.sig).WithField("file", "file_infected")
	}
	u.scanned = true
	return nil
}

// wait waits for the scanner to return.
func (u *Upload) wait() {
	if u.scanDone != nil {
		<-u.scanDone
	}
}

// Close ends the upload: a scan still running is cancelled and waited
// for. It is safe to call more than once and after Finish.
func (u *Upload) Close() error {
	if u.closed {
		return nil
	}
	u.closed = true
	if u.tee != nil {
		u.tee.closeWrite(errors.New("filecheck: upload closed"))
	}
	if u.cancel != nil {
		u.cancel()
	}
	u.wait()
	return nil
}

// scanError is the error of a scan without verdict: errors of the
// scanner's own kind (virus_scan_too_large) pass, others become
// virus_scan_failed.
func scanError(err error) error {
	if e, ok := apperr.As(err); ok && e.Kind != apperr.Internal {
		return err
	}
	return apperr.Wrap(apperr.Unavailable, "virus_scan_failed", "the virus scan failed", err)
}

// teePipe carries copies of the upload's chunks to the scanner through a
// bounded queue of buffers, so that storing and scanning overlap without
// holding more than teeBuffers*teeBufSize bytes.
type teePipe struct {
	full chan []byte
	free chan []byte
	// done is closed when the reader stops (the scanner returned).
	done    chan struct{}
	mu      sync.Mutex
	readErr error // why the reader stopped, for the writer
	wErr    error // why the writer stopped early, for the reader
	wClosed bool
	cur     []byte // the chunk being read
	curBuf  []byte // its buffer, to return to free
}

func newTeePipe() *teePipe {
	t := &teePipe{full: make(chan []byte, teeBuffers), free: make(chan []byte, teeBuffers), done: make(chan struct{})}
	for range teeBuffers {
		t.free <- make([]byte, teeBufSize)
	}
	return t
}

// write queues a copy of p for the reader. It blocks while all buffers
// wait for the reader, and fails once the reader stopped.
func (t *teePipe) write(p []byte) error {
	for len(p) > 0 {
		var buf []byte
		select {
		case buf = <-t.free:
		case <-t.done:
			return t.stopped()
		}
		n := copy(buf[:cap(buf)], p)
		p = p[n:]
		select {
		case t.full <- buf[:n]:
		case <-t.done:
			return t.stopped()
		}
	}
	return nil
}

func (t *teePipe) stopped() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.readErr != nil {
		return t.readErr
	}
	return errors.New("filecheck: the scanner stopped reading")
}

// closeWrite ends the content: the reader gets io.EOF after the queued
// chunks (err nil), or err.
func (t *teePipe) closeWrite(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.wClosed {
		return
	}
	t.wClosed = true
	t.wErr = err
	close(t.full)
}

// closeRead is called when the reader returns; err is why.
func (t *teePipe) closeRead(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	select {
	case <-t.done:
		return
	default:
	}
	if err == nil {
		err = errors.New("filecheck: the scanner returned before the end of the content")
	}
	t.readErr = err
	close(t.done)
}

// Read reads the queued content.
func (t *teePipe) Read(p []byte) (int, error) {
	if len(t.cur) == 0 {
		if t.curBuf != nil {
			t.free <- t.curBuf[:cap(t.curBuf)]
			t.curBuf = nil
		}
		buf, ok := <-t.full
		if !ok {
			t.mu.Lock()
			err := t.wErr
			t.mu.Unlock()
			if err != nil {
				return 0, err
			}
			return 0, io.EOF
		}
		t.cur, t.curBuf = buf, buf
	}
	n := copy(p, t.cur)
	t.cur = t.cur[n:]
	return n, nil
}

// activeScan looks for scripts and embedded active content in HTML or SVG
// as it streams by; a marker split across two reads is found through the
// carried tail.
type activeScan struct {
	tail  []byte
	found bool
}

// activeTail is longer than the longest marker.
const activeTail = 64

// scriptMarkers in HTML or SVG mean scripts (elements, javascript: URLs,
// refreshes) or embedded active content; event handler attributes
// (onload=) are found by hasEventHandler.
var scriptMarkers = [][]byte{
	[]byte("<script"), []byte("<iframe"), []byte("<frame"), []byte("<object"), []byte("<embed"), []byte("<applet"),
	[]byte("<foreignobject"), []byte("javascript:"), []byte("vbscript:"), []byte("http-equiv"), []byte("<!entity"),
}

// hasEventHandler reports whether lower-case markup b holds an event
// handler attribute: white space, a quote or a slash, "on", 2–30 letters,
// optional white space, "=".
func hasEventHandler(b []byte) bool {
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("on"))
		if j < 0 {
			return false
		}
		at := i + j
		i = at + 2
		if at == 0 {
			continue
		}
		switch b[at-1] {
		case ' ', '\t', '\n', '\r', '\f', '"', '\'', '/':
		default:
			continue
		}
		k := at + 2
		for k < len(b) && k-at-2 < 31 && b[k] >= 'a' && b[k] <= 'z' {
			k++
		}
		if n := k - at - 2; n < 2 || n > 30 {
			continue
		}
		for k < len(b) && (b[k] == ' ' || b[k] == '\t' || b[k] == '\n' || b[k] == '\r') {
			k++
		}
		if k < len(b) && b[k] == '=' {
			return true
		}
	}
}

func (a *activeScan) write(p []byte) {
	if a.found {
		return
	}
	buf := bytes.ToLower(append(a.tail, p...))
	for _, m := range scriptMarkers {
		if bytes.Contains(buf, m) {
			a.found = true
			return
		}
	}
	if hasEventHandler(buf) {
		a.found = true
		return
	}
	if len(buf) > activeTail {
		buf = buf[len(buf)-activeTail:]
	}
	a.tail = append(a.tail[:0], buf...)
}

// LogRefused logs a security warning when err, an upload's Finish error,
// is the virus scanner's finding (file_infected): who uploaded what
// content (user id, SHA-256, size) and the signature, for the security
// team; the content itself has been removed. Other refusals are the
// uploader's business and are not logged.
func LogRefused(ctx context.Context, log *slog.Logger, err error, what string, userID int64, sha256 string, size int64) {
	if apperr.CodeOf(err) != "file_infected" {
		return
	}
	log.WarnContext(ctx, "upload refused: the virus scanner found malware", "upload", what, "user_id", userID,
		"sha256", sha256, "size", size, "finding", err.Error())
}
