package dav

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"golang.org/x/net/webdav"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/db"
)

// Locks (LOCK/UNLOCK) live in the table dav_locks, so every instance of
// ortlos sees them. A lock names a path below /dav/ as the client wrote
// it; it covers that path and, unless it has depth 0, everything below.
// Exclusive locks exclude every other lock on what they cover, shared
// locks only exclusive ones. An exclusive lock on a document also checks
// the document out (documents.locked_by) so the web pages show who edits
// it; UNLOCK checks it in again. Expired locks are ignored and purged.
//
// The webdav package takes a short "temporary" lock around every change
// sent without an If header; those exist only for the request: they are
// checked against the stored locks and not written.

type lockRow struct {
	token     string
	root      string
	userID    int64
	owner     string
	zeroDepth bool
	shared    bool
	timeout   time.Duration // < 0: infinite
	expires   *time.Time
	docID     int64
}

// lockSystem is the webdav.LockSystem of one request.
type lockSystem struct {
	ctx context.Context
	h   *Handler
	a   actor.Actor
	fs  *davFS
}

const tempPrefix = "urn:ortlos:temp:"

func newToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	h := hex.EncodeToString(b)
	return "opaquelocktoken:" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func cleanName(name string) string { return path.Clean("/" + name) }

// ancestors returns name and every folder above it ("/a/b" → "/a/b",
// "/a", "/").
func ancestors(name string) []string {
	name = cleanName(name)
	out := []string{name}
	for name != "/" {
		name = path.Dir(name)
		out = append(out, name)
	}
	return out
}

const lockCols = `token, root, user_id, owner_xml, zero_depth, shared, timeout_s, expires_at, document_id`

func scanLock(r db.Scanner) (lockRow, error) {
	var l lockRow
	var secs int64
	var exp db.NullTime
	var doc sql.NullInt64
	if err := r.Scan(&l.token, &l.root, &l.userID, &l.owner, &l.zeroDepth, &l.shared, &secs, &exp, &doc); err != nil {
		return l, err
	}
	l.timeout, l.expires, l.docID = time.Duration(secs)*time.Second, exp.Ptr(), doc.Int64
	if secs < 0 {
		l.timeout = -1
	}
	return l, nil
}

// covering returns the live locks that cover name: on name itself, or on
// a folder above it with infinite depth.
func (l *lockSystem) covering(q db.Querier, now time.Time, name string) ([]lockRow, error) {
	anc := ancestors(name)
	args := []any{db.T(now)}
	for _, a := range anc {
		args = append(args, a)
	}
	ls, err := db.Query(l.ctx, q, scanLock, `SELECT `+lockCols+` FROM dav_locks WHERE (expires_at IS NULL OR expires_at > ?)
		AND root IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(anc)), ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("dav: locks: %w", err)
	}
	name = cleanName(name)
	out := ls[:0]
	for _, x := range ls {
		if x.root == name || !x.zeroDepth {
			out = append(out, x)
		}
	}
	return out, nil
}

// below returns the live locks on paths below name.
func (l *lockSystem) below(q db.Querier, now time.Time, name string) ([]lockRow, error) {
	prefix := strings.TrimSuffix(cleanName(name), "/") + "/"
	ls, err := db.Query(l.ctx, q, scanLock, `SELECT `+lockCols+` FROM dav_locks WHERE (expires_at IS NULL OR expires_at > ?)
		AND substr(root, 1, ?) = ?`, db.T(now), len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("dav: locks: %w", err)
	}
	return ls, nil
}

func (l *lockSystem) Confirm(now time.Time, name0, name1 string, conditions ...webdav.Condition) (func(), error) {
	subject := name0
	if subject == "" {
		subject = name1
	}
	given := map[string]bool{}
	for _, c := range conditions {
		if c.Token != "" && !c.Not {
			given[c.Token] = true
		}
	}
	locks, err := l.covering(l.h.db, now, subject)
	if err != nil {
		return nil, err
	}
	var etag string
	etagRead := false
	for _, c := range conditions {
		ok := false
		switch {
		case c.Token != "":
			for _, x := range locks {
				if x.token == c.Token && x.userID == l.a.UserID {
					ok = true
				}
			}
		case c.ETag != "":
			if !etagRead {
				etagRead = true
				if fi, err := l.fs.Stat(l.ctx, subject); err == nil {
					etag, _ = fi.(*fileInfo).ETag(l.ctx)
				}
			}
			ok = etag != "" && etag == c.ETag
		}
		if c.Not {
			ok = !ok
		}
		if !ok {
			return nil, webdav.ErrConfirmationFailed
		}
	}
	for _, name := range []string{name0, name1} {
		if name == "" {
			continue
		}
		ls := locks
		if name != subject {
			if ls, err = l.covering(l.h.db, now, name); err != nil {
				return nil, err
			}
		}
		if !satisfied(ls, given, l.a.UserID) {
			return nil, webdav.ErrConfirmationFailed
		}
	}
	return func() {}, nil
}

// satisfied reports whether the tokens given unlock ls: every exclusive
// lock, and one of the shared ones.
func satisfied(ls []lockRow, given map[string]bool, user int64) bool {
	shared, sharedOK := false, false
	for _, x := range ls {
		mine := given[x.token] && x.userID == user
		if x.shared {
			shared = true
			sharedOK = sharedOK || mine
		} else if !mine {
			return false
		}
	}
	return !shared || sharedOK
}

// conflicts reports whether a new lock on root would clash with a stored
// one.
func (l *lockSystem) conflicts(q db.Querier, now time.Time, root string, zeroDepth, shared bool) (bool, error) {
	ls, err := l.covering(q, now, root)
	if err != nil {
		return false, err
	}
	if !zeroDepth {
		more, err := l.below(q, now, root)
		if err != nil {
			return false, err
		}
		ls = append(ls, more...)
	}
	for _, x := range ls {
		if !shared || !x.shared {
			return true, nil
		}
	}
	return false, nil
}

func (l *lockSystem) Create(now time.Time, details webdav.LockDetails) (string, error) {
	return l.create(now, details, false)
}

func (l *lockSystem) create(now time.Time, details webdav.LockDetails, shared bool) (string, error) {
	root := cleanName(details.Root)
	if details.Duration < 0 && details.OwnerXML == "" && details.ZeroDepth && !shared {
		// The webdav package's lock around a change without If header.
		c, err := l.conflicts(l.h.db, now, root, true, false)
		if err != nil {
			return "", err
		}
		if c {
			return "", webdav.ErrLocked
		}
		return tempPrefix + newToken(), nil
	}
	var docID int64
	if !shared {
		if n, err := l.fs.resolve(l.ctx, root); err == nil && n.doc != nil {
			docID = n.doc.ID
		}
	}
	token := newToken()
	secs := int64(details.Duration / time.Second)
	var exp *time.Time
	if details.Duration < 0 {
		secs = -1
	} else {
		t := now.Add(details.Duration)
		exp = &t
	}
	err := l.h.db.InTx(l.ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(l.ctx, `DELETE FROM dav_locks WHERE expires_at IS NOT NULL AND expires_at <= ?`, db.T(now)); err != nil {
			return fmt.Errorf("dav: purge locks: %w", err)
		}
		c, err := l.conflicts(tx, now, root, details.ZeroDepth, shared)
		if err != nil {
			return err
		}
		if c {
			return webdav.ErrLocked
		}
		_, err = tx.ExecContext(l.ctx, `INSERT INTO dav_locks (`+lockCols+`, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			token, root, l.a.UserID, details.OwnerXML, details.ZeroDepth, shared, secs, db.NT(exp), db.NullID(docID), db.T(now))
		if err != nil {
			return fmt.Errorf("dav: lock: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if docID != 0 {
		if _, err := l.h.svc.CheckoutDocument(l.ctx, l.a, docID); err != nil {
			l.delete(token)
			if apperr.CodeOf(err) == "document_checked_out" {
				return "", webdav.ErrLocked
			}
			l.fs.box.set(err)
			return "", err
		}
	}
	return token, nil
}

func (l *lockSystem) delete(token string) {
	_ = l.h.db.InTx(l.ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(l.ctx, `DELETE FROM dav_locks WHERE token = ?`, token)
		return err
	})
}

func (l *lockSystem) load(now time.Time, token string) (lockRow, error) {
	x, err := scanLock(l.h.db.QueryRowContext(l.ctx, `SELECT `+lockCols+` FROM dav_locks WHERE token = ? AND (expires_at IS NULL OR expires_at > ?)`,
		token, db.T(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return x, webdav.ErrNoSuchLock
	}
	return x, err
}

func (l *lockSystem) Refresh(now time.Time, token string, duration time.Duration) (webdav.LockDetails, error) {
	x, err := l.load(now, token)
	if err != nil {
		return webdav.LockDetails{}, err
	}
	if x.userID != l.a.UserID {
		return webdav.LockDetails{}, webdav.ErrNoSuchLock
	}
	secs := int64(duration / time.Second)
	var exp *time.Time
	if duration < 0 {
		secs = -1
	} else {
		t := now.Add(duration)
		exp = &t
	}
	if err := l.h.db.InTx(l.ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(l.ctx, `UPDATE dav_locks SET timeout_s = ?, expires_at = ? WHERE token = ?`, secs, db.NT(exp), token)
		return err
	}); err != nil {
		return webdav.LockDetails{}, fmt.Errorf("dav: refresh lock: %w", err)
	}
	if x.docID != 0 {
		if _, err := l.h.svc.CheckoutDocument(l.ctx, l.a, x.docID); err != nil && apperr.KindOf(err) != apperr.NotFound {
			return webdav.LockDetails{}, err
		}
	}
	return webdav.LockDetails{Root: x.root, Duration: duration, OwnerXML: x.owner, ZeroDepth: x.zeroDepth}, nil
}

func (l *lockSystem) Unlock(now time.Time, token string) error {
	if strings.HasPrefix(token, tempPrefix) {
		return nil
	}
	x, err := l.load(now, token)
	if err != nil {
		return err
	}
	if x.userID != l.a.UserID {
		return webdav.ErrForbidden
	}
	l.delete(token)
	if x.docID != 0 {
		if _, err := l.h.svc.ReleaseDocumentLock(l.ctx, l.a, x.docID); err != nil && apperr.KindOf(err) != apperr.NotFound {
			l.h.log.Warn("dav: check-in after unlock failed", "document_id", x.docID, "error", err)
		}
	}
	return nil
}
