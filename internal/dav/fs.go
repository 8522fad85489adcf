package dav

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/webdav"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/document"
)

// davFS is the webdav.FileSystem of one request: the file plan as a
// actor sees it (document/dav_ops.go describes the namespace).
type davFS struct {
	ctx context.Context
	svc *document.Service
	a   actor.Actor
	// declared is the request's Content-Type (PUT).
	declared string
	// box keeps the last refusal of the service for the status code.
	box  *errBox
	tree *document.DAVTree
}

var (
	errRootReadOnly = apperr.Forbiddenf("dav_root_read_only", "the top level shows your files; create folders inside them")
	errIsFolder     = apperr.Forbiddenf("dav_is_folder", "a folder has no content")
)

// node is a resolved name.
type node struct {
	root   bool
	folder *document.DAVFolder
	doc    *document.DAVDoc
}

func (n node) isDir() bool { return n.root || n.folder != nil }

// fail records err for the status code and returns what the webdav
// package expects: os.ErrNotExist for everything that is not there.
func (f *davFS) fail(err error) error {
	if err == nil {
		return nil
	}
	if apperr.KindOf(err) == apperr.NotFound {
		return os.ErrNotExist
	}
	f.box.set(err)
	return err
}

func (f *davFS) loadTree(ctx context.Context) (*document.DAVTree, error) {
	if f.tree == nil {
		t, err := f.svc.DAVTree(ctx, f.a)
		if err != nil {
			return nil, err
		}
		f.tree = &t
	}
	return f.tree, nil
}

func split(name string) []string {
	name = strings.Trim(path.Clean("/"+name), "/")
	if name == "" {
		return nil
	}
	return strings.Split(name, "/")
}

// resolve finds name; os.ErrNotExist when it does not exist for the actor.
func (f *davFS) resolve(ctx context.Context, name string) (node, error) {
	t, err := f.loadTree(ctx)
	if err != nil {
		return node{}, err
	}
	parts := split(name)
	if len(parts) == 0 {
		return node{root: true}, nil
	}
	var parent int64
	for i, p := range parts {
		if c, ok := t.Child(parent, p); ok {
			parent = c.ID
			if i == len(parts)-1 {
				return node{folder: &c}, nil
			}
			continue
		}
		if i != len(parts)-1 || parent == 0 {
			return node{}, os.ErrNotExist
		}
		d, err := f.svc.DAVDocument(ctx, f.a, parent, p)
		if err != nil {
			return node{}, f.fail(err)
		}
		return node{doc: &d}, nil
	}
	return node{}, os.ErrNotExist
}

// parentFolder resolves the folder name would be created in.
func (f *davFS) parentFolder(ctx context.Context, name string) (int64, string, error) {
	parts := split(name)
	if len(parts) == 0 {
		return 0, "", f.fail(errRootReadOnly)
	}
	p, err := f.resolve(ctx, "/"+strings.Join(parts[:len(parts)-1], "/"))
	if err != nil {
		return 0, "", err
	}
	if p.root {
		return 0, "", f.fail(errRootReadOnly)
	}
	if p.folder == nil {
		return 0, "", os.ErrNotExist
	}
	return p.folder.ID, parts[len(parts)-1], nil
}

func (f *davFS) Mkdir(ctx context.Context, name string, perm os.FileMode) error {
	if _, err := f.resolve(ctx, name); err == nil {
		return os.ErrExist
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	parent, base, err := f.parentFolder(ctx, name)
	if err != nil {
		return err
	}
	f.tree = nil
	_, err = f.svc.DAVMkcol(ctx, f.a, parent, base)
	return f.fail(err)
}

func (f *davFS) RemoveAll(ctx context.Context, name string) error {
	n, err := f.resolve(ctx, name)
	if err != nil {
		return err
	}
	f.tree = nil
	switch {
	case n.root:
		return f.fail(errRootReadOnly)
	case n.folder != nil:
		return f.fail(f.svc.DAVWithdrawFolder(ctx, f.a, n.folder.ID))
	default:
		return f.fail(f.svc.WithdrawDocument(ctx, f.a, n.doc.ID))
	}
}

func (f *davFS) Rename(ctx context.Context, oldName, newName string) error {
	n, err := f.resolve(ctx, oldName)
	if err != nil {
		return err
	}
	if n.root {
		return f.fail(errRootReadOnly)
	}
	to, base, err := f.parentFolder(ctx, newName)
	if err != nil {
		if n.folder != nil && errors.Is(err, os.ErrNotExist) {
			return f.fail(errMoveFolder)
		}
		return err
	}
	f.tree = nil
	if n.doc != nil {
		return f.fail(f.svc.DAVMoveDocument(ctx, f.a, n.doc.ID, to, base))
	}
	if n.folder.ParentID != to {
		return f.fail(errMoveFolder)
	}
	return f.fail(f.svc.DAVRenameFolder(ctx, f.a, n.folder.ID, base))
}

var errMoveFolder = apperr.Forbiddenf("dav_move_refused", "folders are renamed in place only; the file plan is arranged in the web pages")

func (f *davFS) Stat(ctx context.Context, name string) (os.FileInfo, error) {
	n, err := f.resolve(ctx, name)
	if err != nil {
		return nil, err
	}
	return f.info(name, n), nil
}

func (f *davFS) info(name string, n node) *fileInfo {
	fi := &fileInfo{fs: f, path: name}
	switch {
	case n.root:
		fi.name, fi.dir = "/", true
	case n.folder != nil:
		fi.name, fi.dir, fi.mod = n.folder.Name, true, n.folder.UpdatedAt
		fi.etag = fmt.Sprintf(`"f%d-%d"`, n.folder.ID, n.folder.UpdatedAt.UnixMicro())
	default:
		d := n.doc
		fi.name, fi.size, fi.mod, fi.ctype = d.Name, d.Size, d.UpdatedAt, d.MIMEType
		fi.etag = fmt.Sprintf(`"d%d-%d"`, d.ID, d.CurrentVersion)
	}
	return fi
}

func (f *davFS) OpenFile(ctx context.Context, name string, flag int, perm os.FileMode) (webdav.File, error) {
	write := flag&(os.O_WRONLY|os.O_RDWR) != 0
	n, err := f.resolve(ctx, name)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err == nil {
		if n.isDir() {
			if write && flag&os.O_TRUNC != 0 {
				return nil, f.fail(errIsFolder)
			}
			return &dirFile{fs: f, path: name, n: n, writable: write}, nil
		}
		if write && flag&os.O_TRUNC != 0 {
			// DAVPut refuses before reading any content; the refusal
			// reaches the client through the failing writes and Close.
			id := n.doc.ID
			base := path.Base(name)
			return f.startPut(ctx, name, func(p *putFile, r io.Reader) error {
				decl, r := f.declaredFor(base, r)
				v, err := f.svc.DAVPut(ctx, f.a, id, base, decl, r)
				p.etag = fmt.Sprintf(`"d%d-%d"`, id, v.Number)
				return err
			}), nil
		}
		return &docFile{fs: f, path: name, doc: *n.doc, writable: write}, nil
	}
	if flag&os.O_CREATE == 0 {
		return nil, os.ErrNotExist
	}
	parent, base, err := f.parentFolder(ctx, name)
	if err != nil {
		return nil, err
	}
	if !document.DAVValidName(base) {
		return nil, f.fail(document.ErrDAVName)
	}
	return f.startPut(ctx, name, func(p *putFile, r io.Reader) error {
		decl, r := f.declaredFor(base, r)
		d, err := f.svc.DAVCreate(ctx, f.a, parent, base, decl, r)
		p.etag = fmt.Sprintf(`"d%d-%d"`, d.ID, d.CurrentVersion)
		return err
	}), nil
}

// declaredFor returns the type a PUT of name declares: the request's
// Content-Type, but for a name without a known extension sent without a specific
// type (WebDAV clients rarely send one) the type its content sniffs as
// when that is plain text; the upload checks then treat it like a text
// file (programs stay refused by their names). r is read through the
// returned reader.
func (f *davFS) declaredFor(name string, r io.Reader) (string, io.Reader) {
	decl, _, _ := mime.ParseMediaType(f.declared)
	if mime.TypeByExtension(path.Ext(name)) != "" || (decl != "" && decl != "application/octet-stream") {
		return f.declared, r
	}
	br := bufio.NewReaderSize(r, 512)
	head, _ := br.Peek(512)
	if len(head) > 0 && strings.HasPrefix(http.DetectContentType(head), "text/plain") {
		return "text/plain", br
	}
	return f.declared, br
}

// startPut returns the file a PUT writes to; its content goes to store
// (see putFile).
func (f *davFS) startPut(ctx context.Context, name string, store func(*putFile, io.Reader) error) *putFile {
	return &putFile{fs: f, path: name, store: store, done: make(chan error, 1)}
}

// fileInfo describes a resource; ETag and ContentType spare the webdav
// package reading contents.
type fileInfo struct {
	fs    *davFS
	path  string
	name  string
	size  int64
	mod   time.Time
	dir   bool
	etag  string
	ctype string
	// put: the PUT whose new version's ETag this is (known after Close).
	put *putFile
}

func (i *fileInfo) Name() string { return i.name }
func (i *fileInfo) Size() int64  { return i.size }
func (i *fileInfo) Mode() os.FileMode {
	if i.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}
func (i *fileInfo) ModTime() time.Time { return i.mod }
func (i *fileInfo) IsDir() bool        { return i.dir }
func (i *fileInfo) Sys() any           { return nil }

func (i *fileInfo) ETag(ctx context.Context) (string, error) {
	if i.put != nil {
		if !i.put.closed || i.put.err != nil {
			return "", webdav.ErrNotImplemented
		}
		return i.put.etag, nil
	}
	if i.etag == "" {
		return "", webdav.ErrNotImplemented
	}
	return i.etag, nil
}

func (i *fileInfo) ContentType(ctx context.Context) (string, error) {
	if i.dir {
		return "", webdav.ErrNotImplemented
	}
	if i.ctype == "" {
		return "application/octet-stream", nil
	}
	return i.ctype, nil
}

// resourceKey names a resource in dav_properties.
func resourceKey(n node) string {
	switch {
	case n.folder != nil:
		return "f:" + strconv.FormatInt(n.folder.ID, 10)
	case n.doc != nil:
		return "d:" + strconv.FormatInt(n.doc.ID, 10)
	}
	return ""
}

// deadProps reads the dead properties of n.
func (f *davFS) deadProps(ctx context.Context, n node) (map[xml.Name]webdav.Property, error) {
	out := map[xml.Name]webdav.Property{}
	key := resourceKey(n)
	if key == "" {
		return out, nil
	}
	ps, err := f.svc.DAVProps(ctx, key)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		name := xml.Name{Space: p.Space, Local: p.Local}
		out[name] = webdav.Property{XMLName: name, InnerXML: []byte(p.XML)}
	}
	return out, nil
}

// patch applies PROPPATCH to n (write access: the caller opened it
// writable).
func (f *davFS) patch(ctx context.Context, n node, writable bool, patches []webdav.Proppatch) ([]webdav.Propstat, error) {
	st := webdav.Propstat{Status: http.StatusOK}
	var ops []document.DAVProp
	for _, pp := range patches {
		for _, p := range pp.Props {
			st.Props = append(st.Props, webdav.Property{XMLName: p.XMLName})
			ops = append(ops, document.DAVProp{Space: p.XMLName.Space, Local: p.XMLName.Local, XML: string(p.InnerXML), Remove: pp.Remove})
		}
	}
	key := resourceKey(n)
	if !writable || key == "" || !f.a.CanWrite() {
		st.Status = http.StatusForbidden
		return []webdav.Propstat{st}, nil
	}
	if err := f.svc.DAVPatchProps(ctx, f.a, key, ops); err != nil {
		f.box.set(err)
		return nil, err
	}
	return []webdav.Propstat{st}, nil
}

// dirFile is an open folder (or the DAV root).
type dirFile struct {
	fs       *davFS
	path     string
	n        node
	writable bool
	listed   bool
}

func (d *dirFile) Close() error                   { return nil }
func (d *dirFile) Read([]byte) (int, error)       { return 0, errIsFolder }
func (d *dirFile) Write([]byte) (int, error)      { return 0, errIsFolder }
func (d *dirFile) Seek(int64, int) (int64, error) { return 0, nil }
func (d *dirFile) Stat() (os.FileInfo, error)     { return d.fs.info(d.path, d.n), nil }
func (d *dirFile) DeadProps() (map[xml.Name]webdav.Property, error) {
	return d.fs.deadProps(d.fs.ctx, d.n)
}
func (d *dirFile) Patch(ps []webdav.Proppatch) ([]webdav.Propstat, error) {
	if d.n.root {
		return d.fs.patch(d.fs.ctx, d.n, false, ps)
	}
	if d.writable && d.n.folder.Access < document.AccessWrite {
		d.writable = false
	}
	return d.fs.patch(d.fs.ctx, d.n, d.writable, ps)
}

func (d *dirFile) Readdir(count int) ([]os.FileInfo, error) {
	if d.listed {
		if count > 0 {
			return nil, io.EOF
		}
		return nil, nil
	}
	d.listed = true
	ctx := d.fs.ctx
	t, err := d.fs.loadTree(ctx)
	if err != nil {
		return nil, err
	}
	var id int64
	if d.n.folder != nil {
		id = d.n.folder.ID
	}
	var out []os.FileInfo
	for _, c := range t.Children[id] {
		f := t.Folders[c]
		out = append(out, d.fs.info(path.Join(d.path, f.Name), node{folder: &f}))
	}
	if id != 0 {
		docs, err := d.fs.svc.DAVDocuments(ctx, d.fs.a, id)
		if err != nil {
			return nil, d.fs.fail(err)
		}
		for i := range docs {
			out = append(out, d.fs.info(path.Join(d.path, docs[i].Name), node{doc: &docs[i]}))
		}
	}
	return out, nil
}

// docFile is a document opened for reading (or PROPPATCH). The content is
// opened, and the download audited, on the first read only: PROPFIND and
// HEAD open files without reading them. Reads run ahead of the client in
// blocks of readBuffer (at most readAhead blocks), so the disk and the
// network work at the same time.
type docFile struct {
	fs       *davFS
	path     string
	doc      document.DAVDoc
	writable bool
	off      int64
	rc       io.ReadSeekCloser
	ahead    *readAheader
}

const (
	readBuffer = 1 << 20
	readAhead  = 3
)

type chunk struct {
	b   []byte
	err error
}

// readAheader reads r in a goroutine until stopped, into readAhead+1
// buffers that circulate between the goroutine and the reader.
type readAheader struct {
	ch   chan chunk
	free chan []byte
	stop chan struct{}
	done chan struct{}
	cur  chunk
	buf  []byte // the buffer cur points into
}

func startReadAhead(r io.Reader) *readAheader {
	ra := &readAheader{ch: make(chan chunk, readAhead), free: make(chan []byte, readAhead+1), stop: make(chan struct{}), done: make(chan struct{})}
	for range readAhead + 1 {
		ra.free <- make([]byte, readBuffer)
	}
	go func() {
		defer close(ra.done)
		for {
			var b []byte
			select {
			case b = <-ra.free:
			case <-ra.stop:
				return
			}
			n, err := io.ReadFull(r, b)
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = io.EOF
			}
			select {
			case ra.ch <- chunk{b: b[:n], err: err}:
			case <-ra.stop:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return ra
}

func (ra *readAheader) Read(p []byte) (int, error) {
	for len(ra.cur.b) == 0 {
		if ra.cur.err != nil {
			return 0, ra.cur.err
		}
		if ra.buf != nil {
			ra.free <- ra.buf
		}
		ra.cur = <-ra.ch
		ra.buf = ra.cur.b[:cap(ra.cur.b)]
	}
	n := copy(p, ra.cur.b)
	ra.cur.b = ra.cur.b[n:]
	return n, nil
}

// halt stops the goroutine and waits for it.
func (ra *readAheader) halt() {
	close(ra.stop)
	<-ra.done
}

func (d *docFile) Close() error {
	if d.ahead != nil {
		d.ahead.halt()
		d.ahead = nil
	}
	if d.rc != nil {
		return d.rc.Close()
	}
	return nil
}

func (d *docFile) Read(p []byte) (int, error) {
	if d.rc == nil {
		if d.off >= d.doc.Size {
			return 0, io.EOF
		}
		_, rc, err := d.fs.svc.OpenVersion(d.fs.ctx, d.fs.a, d.doc.ID, d.doc.CurrentVersion)
		if err != nil {
			return 0, d.fs.fail(err)
		}
		d.rc = rc
	}
	if d.ahead == nil {
		if _, err := d.rc.Seek(d.off, io.SeekStart); err != nil {
			return 0, err
		}
		d.ahead = startReadAhead(d.rc)
	}
	n, err := d.ahead.Read(p)
	d.off += int64(n)
	return n, err
}

func (d *docFile) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = d.off + offset
	case io.SeekEnd:
		abs = d.doc.Size + offset
	default:
		return 0, errors.New("dav: bad whence")
	}
	if abs < 0 {
		return 0, errors.New("dav: negative position")
	}
	if d.ahead != nil && abs != d.off {
		d.ahead.halt()
		d.ahead = nil
	}
	d.off = abs
	return abs, nil
}

func (d *docFile) Write([]byte) (int, error)          { return 0, os.ErrPermission }
func (d *docFile) Readdir(int) ([]os.FileInfo, error) { return nil, errors.New("dav: not a folder") }
func (d *docFile) Stat() (os.FileInfo, error)         { return d.fs.info(d.path, node{doc: &d.doc}), nil }
func (d *docFile) DeadProps() (map[xml.Name]webdav.Property, error) {
	return d.fs.deadProps(d.fs.ctx, node{doc: &d.doc})
}
func (d *docFile) Patch(ps []webdav.Proppatch) ([]webdav.Propstat, error) {
	ctx := d.fs.ctx
	w := d.writable
	if w {
		if err := d.fs.svc.DAVCheckProps(ctx, d.fs.a, d.doc.ID); err != nil {
			d.fs.box.set(err)
			w = false
		}
	}
	return d.fs.patch(ctx, node{doc: &d.doc}, w, ps)
}

// putFile receives the content of a PUT (or the target of a COPY) and
// streams it through a pipe into the service; Close waits for the new
// version to be stored.
type putFile struct {
	fs    *davFS
	path  string
	store func(*putFile, io.Reader) error
	// started: store runs or ran; pw feeds it when Write started it.
	started bool
	pw      *io.PipeWriter
	done    chan error
	closed  bool
	err     error
	patches []webdav.Proppatch
	// etag is the new version's, set before done is signalled.
	etag string
}

// ReadFrom stores what r holds. The webdav package copies a PUT's body
// with io.Copy, which hands the body to ReadFrom: the store reads it in
// this goroutine with its own large buffers, instead of receiving it in
// 32 KiB writes through a pipe and a second goroutine.
func (p *putFile) ReadFrom(r io.Reader) (int64, error) {
	if p.started {
		// After Writes the content continues down the pipe.
		return io.Copy(struct{ io.Writer }{p}, r)
	}
	p.started = true
	c := &countingReader{r: r}
	err := p.store(p, c)
	p.done <- err
	return c.n, err
}

// Write feeds the content to store, running in a goroutine that reads the
// other end of a pipe; Close waits for it.
func (p *putFile) Write(b []byte) (int, error) {
	if !p.started {
		p.started = true
		pr, pw := io.Pipe()
		p.pw = pw
		go func() {
			err := p.store(p, pr)
			if err != nil {
				pr.CloseWithError(err)
			} else {
				pr.CloseWithError(io.ErrClosedPipe)
			}
			p.done <- err
		}()
	}
	if p.pw == nil {
		return 0, errors.New("dav: the content is stored already")
	}
	return p.pw.Write(b)
}

func (p *putFile) Close() error {
	if p.closed {
		return p.err
	}
	p.closed = true
	if !p.started {
		// Nothing was written: an empty file.
		p.started = true
		p.done <- p.store(p, strings.NewReader(""))
	}
	if p.pw != nil {
		p.pw.Close()
	}
	p.err = <-p.done
	if p.err != nil {
		return p.fs.fail(p.err)
	}
	if len(p.patches) > 0 {
		ctx := p.fs.ctx
		p.fs.tree = nil
		n, err := p.fs.resolve(ctx, p.path)
		if err == nil {
			_, err = p.fs.patch(ctx, n, true, p.patches)
		}
		p.err = err
	}
	return p.err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

func (p *putFile) Read([]byte) (int, error)           { return 0, os.ErrPermission }
func (p *putFile) Seek(int64, int) (int64, error)     { return 0, errors.New("dav: not seekable") }
func (p *putFile) Readdir(int) ([]os.FileInfo, error) { return nil, errors.New("dav: not a folder") }
func (p *putFile) Stat() (os.FileInfo, error) {
	return &fileInfo{fs: p.fs, path: p.path, name: path.Base(p.path), put: p}, nil
}
func (p *putFile) DeadProps() (map[xml.Name]webdav.Property, error) {
	return map[xml.Name]webdav.Property{}, nil
}
func (p *putFile) Patch(ps []webdav.Proppatch) ([]webdav.Propstat, error) {
	p.patches = append(p.patches, ps...)
	st := webdav.Propstat{Status: http.StatusOK}
	for _, pp := range ps {
		for _, pr := range pp.Props {
			st.Props = append(st.Props, webdav.Property{XMLName: pr.XMLName})
		}
	}
	return []webdav.Propstat{st}, nil
}
