// Package dav serves the records store (internal/document) over WebDAV at
// /dav/ (issue 6, docs/webdav.md), so staff mount their files as a
// network drive.
//
// Authentication is HTTP Basic with the username and a personal API token
// (app password); cookies and sessions are ignored here, so there is no
// CSRF exposure. Failed attempts count toward the login throttle of the
// account and the address (login_throttle, the identity package's
// counters and policy). Read-scope tokens read only.
//
// The protocol is golang.org/x/net/webdav over a FileSystem of the
// document service (fs.go), a LockSystem kept in the database (locks.go)
// and dead properties in dav_properties. The handler adds what the webdav
// package lacks: shared locks, refusals with the right status codes (403,
// 423, 413, 415 instead of 404/405/500), a check of namespace declarations
// in PROPFIND bodies.
package dav

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/webdav"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/document"
	"ortlos/internal/identity"
	"ortlos/internal/web"
)

// Prefix is where WebDAV is mounted.
const Prefix = "/dav"

// Handler serves /dav/.
type Handler struct {
	db    *db.DB
	clock clock.Clock
	ident *identity.Service
	svc   *document.Service
	log   *slog.Logger
}

// New returns the WebDAV handler.
func New(d *db.DB, c clock.Clock, ident *identity.Service, svc *document.Service, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	return &Handler{db: d, clock: c, ident: ident, svc: svc, log: log}
}

// Register mounts h at /dav/ on srv; bodies may carry one document
// version (maxBytes) plus slack.
func Register(srv *web.Server, h *Handler, maxBytes int64) {
	srv.Handle(Prefix+"/", h)
	srv.LargeBody(Prefix+"/", maxBytes+1<<20)
}

// errBox keeps the last refusal of the document service during one
// request, so the status code the webdav package chose can be corrected.
type errBox struct{ err error }

func (b *errBox) set(err error) {
	if b != nil && err != nil {
		b.err = err
	}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	box := &errBox{}
	fs := &davFS{ctx: r.Context(), svc: h.svc, a: a, box: box, declared: r.Header.Get("Content-Type")}
	ls := &lockSystem{ctx: r.Context(), h: h, a: a, fs: fs}
	wd := &webdav.Handler{Prefix: Prefix, FileSystem: fs, LockSystem: ls, Logger: func(r *http.Request, err error) {
		if err != nil && apperr.KindOf(err) == apperr.Internal && !errors.Is(err, webdav.ErrLocked) && !errors.Is(err, webdav.ErrConfirmationFailed) {
			h.log.Debug("dav", "method", r.Method, "error", err)
		}
	}}
	sw := &statusWriter{ResponseWriter: w, box: box}
	switch r.Method {
	case "PROPFIND":
		if !h.checkPropfind(sw, r) {
			return
		}
	case "LOCK":
		if h.lockShared(sw, r, fs, ls) {
			return
		}
	case http.MethodOptions, http.MethodGet, http.MethodHead, "PROPPATCH", "MKCOL", http.MethodPut, http.MethodDelete, "COPY", "MOVE", "UNLOCK":
	default:
		w.Header().Set("Allow", "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !a.CanWrite() && r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions && r.Method != "PROPFIND" {
		http.Error(w, "read-only token", http.StatusForbidden)
		return
	}
	if r.Method == http.MethodPut || r.Method == http.MethodGet || r.Method == "COPY" {
		// The server's timeouts suit web pages; a large file from a home
		// connection takes longer. Only authenticated transfers get here.
		rc := http.NewResponseController(w)
		deadline := time.Now().Add(transferTimeout)
		_ = rc.SetReadDeadline(deadline)
		_ = rc.SetWriteDeadline(deadline)
	}
	if r.Method == http.MethodGet && h.fastGet(sw, r, fs) {
		return
	}
	wd.ServeHTTP(sw, r)
}

// fastGet serves a plain GET of a whole document (no Range or
// conditions, which the webdav package answers) straight from the blob
// store: the webdav package copies through its File in 32 KiB steps. It
// reports false when the request is not such a GET.
func (h *Handler) fastGet(w http.ResponseWriter, r *http.Request, fs *davFS) bool {
	for _, k := range []string{"Range", "If", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range"} {
		if r.Header.Get(k) != "" {
			return false
		}
	}
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		return false
	}
	n, err := fs.resolve(r.Context(), name)
	if err != nil || n.doc == nil {
		return false
	}
	_, rc, err := h.svc.OpenVersion(r.Context(), fs.a, n.doc.ID, n.doc.CurrentVersion)
	if err != nil {
		return false
	}
	defer rc.Close()
	fi := fs.info(name, n)
	ctype, _ := fi.ContentType(r.Context())
	hd := w.Header()
	hd.Set("Content-Type", ctype)
	hd.Set("ETag", fi.etag)
	hd.Set("Last-Modified", fi.mod.UTC().Format(http.TimeFormat))
	hd.Set("Accept-Ranges", "bytes")
	hd.Set("Content-Length", strconv.FormatInt(n.doc.Size, 10))
	w.WriteHeader(http.StatusOK)
	// w passes the copy to the connection, which sends a local blob's
	// file with sendfile(2).
	if _, err := io.Copy(w, rc); err != nil {
		h.log.Debug("dav: get", "error", err)
	}
	return true
}

// transferTimeout bounds one PUT, GET or COPY (2 GiB at 1 MB/s take
// about 35 minutes).
const transferTimeout = 2 * time.Hour

// statusWriter replaces the error status the webdav package chose by the
// one the service's refusal calls for.
type statusWriter struct {
	http.ResponseWriter
	box   *errBox
	wrote bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote && code >= 400 && s.box.err != nil {
		code = statusFor(s.box.err, code)
	}
	s.wrote = true
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// statusFor maps a refusal of the document service to a WebDAV status.
func statusFor(err error, fallback int) int {
	switch apperr.CodeOf(err) {
	case "document_locked", "document_checked_out":
		return http.StatusLocked
	case "body_too_large", "file_too_large":
		return http.StatusRequestEntityTooLarge
	case "file_type_not_allowed", "file_type_mismatch", "file_active_content":
		return http.StatusUnsupportedMediaType
	case "file_infected", "virus_scan_too_large":
		return http.StatusForbidden
	case "document_closed", "document_folder_closed", "folder_closed", "document_folder_not_file":
		return http.StatusForbidden
	}
	switch apperr.KindOf(err) {
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	case apperr.NotFound:
		return fallback
	}
	return fallback
}

// authenticate checks HTTP Basic credentials: the username and a
// personal API token of that user. Failures count toward the login
// throttle (account and address); while throttled every attempt fails.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (actor.Actor, bool) {
	deny := func() (actor.Actor, bool) {
		w.Header().Set("WWW-Authenticate", `Basic realm="ortlos", charset="UTF-8"`)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return actor.Actor{}, false
	}
	user, secret, ok := r.BasicAuth()
	if !ok {
		return deny()
	}
	ip := web.ClientIP(r)
	username := identity.NormalizeUsername(user)
	// The login throttle's counters and policy: failed WebDAV logins and
	// failed web logins add up.
	throttle := h.ident.LoginThrottle()
	now := h.clock.Now()
	if until, err := throttle.Until(r.Context(), now, username, ip); err != nil {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return actor.Actor{}, false
	} else if !until.IsZero() {
		return deny()
	}
	auth, err := h.ident.AuthenticateToken(r.Context(), secret, ip)
	if err == nil && auth.Actor.Username == username {
		return auth.Actor, true
	}
	if err != nil && apperr.KindOf(err) != apperr.Unauthenticated {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return actor.Actor{}, false
	}
	if err := throttle.RecordFailure(r.Context(), now, username, ip); err != nil {
		h.log.Warn("dav: throttle", "error", err)
	}
	return deny()
}

// maxPropfindBody bounds the PROPFIND bodies read for the namespace check.
const maxPropfindBody = 1 << 20

// checkPropfind answers 400 to a PROPFIND body that declares a prefix for
// the empty namespace (xmlns:p=""), which Namespaces in XML 1.0 forbids;
// the webdav package accepts it.
func (h *Handler) checkPropfind(w http.ResponseWriter, r *http.Request) bool {
	if r.Body == nil || r.ContentLength == 0 {
		return true
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPropfindBody+1))
	if err != nil || len(body) > maxPropfindBody {
		http.Error(w, "bad request", http.StatusBadRequest)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return true // the webdav package answers malformed XML
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, at := range se.Attr {
				if at.Name.Space == "xmlns" && at.Value == "" {
					http.Error(w, "bad request: empty namespace prefix declaration", http.StatusBadRequest)
					return false
				}
			}
		}
	}
}

// lockInfo is the body of a LOCK request.
type lockInfo struct {
	XMLName   xml.Name  `xml:"DAV: lockinfo"`
	Exclusive *struct{} `xml:"lockscope>exclusive"`
	Shared    *struct{} `xml:"lockscope>shared"`
	Write     *struct{} `xml:"locktype>write"`
	Owner     struct {
		InnerXML string `xml:",innerxml"`
	} `xml:"owner"`
}

// lockShared handles a LOCK request for a shared lock (the webdav package
// knows exclusive locks only); it reports false for every other LOCK,
// which the webdav package handles.
func (h *Handler) lockShared(w http.ResponseWriter, r *http.Request, fs *davFS, ls *lockSystem) bool {
	if r.ContentLength == 0 || r.Body == nil {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPropfindBody+1))
	if err != nil || len(body) > maxPropfindBody {
		http.Error(w, "bad request", http.StatusBadRequest)
		return true
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var li lockInfo
	if err := xml.Unmarshal(body, &li); err != nil || li.Shared == nil || li.Exclusive != nil || li.Write == nil {
		return false
	}
	if !fs.a.CanWrite() {
		http.Error(w, "read-only token", http.StatusForbidden)
		return true
	}
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		http.NotFound(w, r)
		return true
	}
	depth := r.Header.Get("Depth")
	zero := false
	switch depth {
	case "0":
		zero = true
	case "", "infinity":
	default:
		http.Error(w, "bad depth", http.StatusBadRequest)
		return true
	}
	timeout := parseTimeout(r.Header.Get("Timeout"))
	now := time.Now()
	status := http.StatusOK
	if _, err := fs.Stat(r.Context(), name); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			http.Error(w, "error", statusFor(err, http.StatusInternalServerError))
			return true
		}
		f, err := fs.OpenFile(r.Context(), name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			http.Error(w, "conflict", statusFor(err, http.StatusConflict))
			return true
		}
		if err := f.Close(); err != nil {
			http.Error(w, "conflict", statusFor(err, http.StatusConflict))
			return true
		}
		status = http.StatusCreated
	}
	token, err := ls.create(now, webdav.LockDetails{Root: name, Duration: timeout, OwnerXML: li.Owner.InnerXML, ZeroDepth: zero}, true)
	if errors.Is(err, webdav.ErrLocked) {
		http.Error(w, "locked", http.StatusLocked)
		return true
	}
	if err != nil {
		http.Error(w, "error", statusFor(err, http.StatusInternalServerError))
		return true
	}
	w.Header().Set("Lock-Token", "<"+token+">")
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(status)
	d := "infinity"
	if zero {
		d = "0"
	}
	t := "Infinite"
	if timeout >= 0 {
		t = "Second-" + strconv.FormatInt(int64(timeout/time.Second), 10)
	}
	var href bytes.Buffer
	xml.EscapeText(&href, []byte(r.URL.Path))
	var tok bytes.Buffer
	xml.EscapeText(&tok, []byte(token))
	io.WriteString(w, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+
		`<D:prop xmlns:D="DAV:"><D:lockdiscovery><D:activelock>`+
		`<D:locktype><D:write/></D:locktype><D:lockscope><D:shared/></D:lockscope>`+
		`<D:depth>`+d+`</D:depth><D:owner>`+li.Owner.InnerXML+`</D:owner><D:timeout>`+t+`</D:timeout>`+
		`<D:locktoken><D:href>`+tok.String()+`</D:href></D:locktoken>`+
		`<D:lockroot><D:href>`+href.String()+`</D:href></D:lockroot>`+
		`</D:activelock></D:lockdiscovery></D:prop>`)
	return true
}

// parseTimeout reads a Timeout header's first value: "Second-N" or
// "Infinite" (and nothing) for no timeout (-1).
func parseTimeout(h string) time.Duration {
	first, _, _ := strings.Cut(h, ",")
	first = strings.TrimSpace(first)
	if n, ok := strings.CutPrefix(first, "Second-"); ok {
		if v, err := strconv.ParseInt(n, 10, 64); err == nil && v >= 0 && v < 1<<32 {
			return time.Duration(v) * time.Second
		}
	}
	return -1
}
