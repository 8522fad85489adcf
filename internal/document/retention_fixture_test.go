package document_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/blob"
	"ortlos/internal/civil"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/document"
)

// rfStart is Monday 2 March 2026, 08:00 in Berlin.
var rfStart = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

// rfBerlin is the zone in which retention counts calendar years.
var rfBerlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

// rfFixture is a records store with contents in a local blob store and
// the people admin (administrator only), rita and rolf (records
// management), alice (employee with manage access where a test grants
// it), bob (employee without grants) and audrey (auditor). Folders,
// documents, versions and grants are written by plain SQL.
type rfFixture struct {
	D     *db.DB
	Clock *clock.Fake
	Blobs *blob.Local
	Svc   *document.Service

	Admin, Rita, Rolf, Alice, Bob, Audrey actor.Actor
	// Seeded classes by code.
	Classes map[string]int64
}

func newRF(t *testing.T, d *db.DB) *rfFixture {
	t.Helper()
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := clock.NewFake(rfStart)
	f := &rfFixture{D: d, Clock: c, Blobs: blobs, Svc: document.NewService(d, c, blobs), Classes: map[string]int64{}}
	f.Admin = rfUser(t, d, "admin", actor.RoleAdmin)
	f.Rita = rfUser(t, d, "rita", actor.RoleRecords, actor.RoleEmployee)
	f.Rolf = rfUser(t, d, "rolf", actor.RoleRecords)
	f.Alice = rfUser(t, d, "alice", actor.RoleEmployee)
	f.Bob = rfUser(t, d, "bob", actor.RoleEmployee)
	f.Audrey = rfUser(t, d, "audrey", actor.RoleAuditor)
	rows, err := d.QueryContext(context.Background(), `SELECT code, id FROM retention_classes`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var id int64
		if err := rows.Scan(&code, &id); err != nil {
			t.Fatal(err)
		}
		f.Classes[code] = id
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return f
}

// rfUser inserts a user and returns the actor of a full session.
func rfUser(t *testing.T, d *db.DB, name string, roles ...string) actor.Actor {
	t.Helper()
	id := rfInsert(t, d, "INSERT INTO users (username, display_name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
		name, strings.ToUpper(name[:1])+name[1:], db.T(rfStart), db.T(rfStart))
	for _, r := range roles {
		rfExec(t, d, "INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)", id, r)
	}
	return actor.Actor{UserID: id, Username: name, Roles: roles, Via: actor.ViaSession, SessionID: 1, SourceIP: "192.0.2.7"}
}

// rfReadToken returns a as if it came with a read-only API token.
func rfReadToken(a actor.Actor) actor.Actor {
	a.Via, a.TokenScope, a.SessionID = actor.ViaToken, "read", 0
	return a
}

// rfInsert runs an INSERT … RETURNING id in its own transaction.
func rfInsert(t *testing.T, d *db.DB, query string, args ...any) int64 {
	t.Helper()
	var id int64
	err := d.InTx(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRowContext(context.Background(), query, args...).Scan(&id)
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

// rfExec runs a statement in its own transaction.
func rfExec(t *testing.T, d *db.DB, query string, args ...any) {
	t.Helper()
	err := d.InTx(context.Background(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(context.Background(), query, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func rfNullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// folder inserts an open folder of kind ("plan" or "file") below parent
// (0: top level) with an own class (0: inherited).
func (f *rfFixture) folder(t *testing.T, parent int64, kind, ref string, class int64) int64 {
	t.Helper()
	return rfInsert(t, f.D, `INSERT INTO doc_folders (parent_id, kind, reference, title, retention_class_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, rfNullID(parent), kind, ref, "Akte "+ref, rfNullID(class), db.T(rfStart), db.T(rfStart))
}

// closeAt closes folder id (and its documents) at instant at.
func (f *rfFixture) closeAt(t *testing.T, id int64, at time.Time) {
	t.Helper()
	rfExec(t, f.D, `UPDATE doc_folders SET state = 'closed', closed_at = ?, closed_by = ? WHERE id = ?`, db.T(at), f.Alice.UserID, id)
	rfExec(t, f.D, `UPDATE documents SET state = 'closed' WHERE folder_id = ?`, id)
}

// closeOn closes folder id at noon (Berlin) of day.
func (f *rfFixture) closeOn(t *testing.T, id int64, day civil.Date) {
	t.Helper()
	f.closeAt(t, id, time.Date(day.Year, day.Month, day.Day, 12, 0, 0, 0, rfBerlin))
}

// doc inserts a document in folder with an optional date and own class.
func (f *rfFixture) doc(t *testing.T, folder int64, title string, date *civil.Date, class int64) int64 {
	t.Helper()
	var ds any
	if date != nil {
		ds = date.String()
	}
	return rfInsert(t, f.D, `INSERT INTO documents (folder_id, title, author, document_date, retention_class_id, state, created_at, created_by, updated_at)
		VALUES (?, ?, 'Alice', ?, ?, 'final', ?, ?, ?) RETURNING id`, folder, title, ds, rfNullID(class), db.T(rfStart), f.Alice.UserID, db.T(rfStart))
}

// version stores content in the blob store and adds it as the next
// version of document doc; it returns the content's SHA-256.
func (f *rfFixture) version(t *testing.T, doc int64, filename, content string) string {
	t.Helper()
	info, err := f.Blobs.Put(context.Background(), strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.D.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM document_versions WHERE document_id = ?`, doc).Scan(&n); err != nil {
		t.Fatal(err)
	}
	reason := ""
	if n > 0 {
		reason = "Korrektur"
	}
	rfInsert(t, f.D, `INSERT INTO document_versions (document_id, number, filename, mime_type, size, sha256, change_reason, created_at, created_by)
		VALUES (?, ?, ?, 'text/plain; charset=utf-8', ?, ?, ?, ?, ?) RETURNING id`, doc, n+1, filename, info.Size, info.SHA256,
		reason, db.T(rfStart), f.Alice.UserID)
	rfExec(t, f.D, `UPDATE documents SET current_version = ? WHERE id = ?`, n+1, doc)
	return info.SHA256
}

// grant gives user access ("read", "write", "manage") to folder.
func (f *rfFixture) grant(t *testing.T, folder int64, user actor.Actor, access string) {
	t.Helper()
	rfExec(t, f.D, `INSERT INTO doc_folder_grants (folder_id, principal_kind, principal, access) VALUES (?, 'user', ?, ?)`,
		folder, strconv.FormatInt(user.UserID, 10), access)
}

// taskFile attaches blob sha to a new task of a new project.
func (f *rfFixture) taskFile(t *testing.T, sha string) {
	t.Helper()
	p := rfInsert(t, f.D, `INSERT INTO projects (name, created_at, updated_at) VALUES ('Projekt', ?, ?) RETURNING id`, db.T(rfStart), db.T(rfStart))
	st := rfInsert(t, f.D, `INSERT INTO project_statuses (project_id, name, category, position) VALUES (?, 'Offen', 'open', 1) RETURNING id`, p)
	tk := rfInsert(t, f.D, `INSERT INTO tasks (project_id, status_id, rank, title, created_at, updated_at) VALUES (?, ?, 'a', 'Aufgabe', ?, ?) RETURNING id`,
		p, st, db.T(rfStart), db.T(rfStart))
	rfInsert(t, f.D, `INSERT INTO task_files (task_id, sha256, name, mime_type, size, created_at) VALUES (?, ?, 'a.txt', 'text/plain', 1, ?) RETURNING id`,
		tk, sha, db.T(rfStart))
}

// count counts rows of table matching where.
func (f *rfFixture) count(t *testing.T, table, where string, args ...any) int {
	t.Helper()
	var n int
	if err := f.D.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table+" WHERE "+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// setToday sets the clock to 09:00 Berlin time of day.
func (f *rfFixture) setToday(day civil.Date) {
	f.Clock.Set(time.Date(day.Year, day.Month, day.Day, 9, 0, 0, 0, rfBerlin))
}

// rfWantCode fails unless err has kind and code.
func rfWantCode(t *testing.T, what string, err error, kind apperr.Kind, code string) {
	t.Helper()
	if apperr.KindOf(err) != kind || apperr.CodeOf(err) != code {
		t.Errorf("%s: err = %v (kind %v, code %q); want %v %q", what, err, apperr.KindOf(err), apperr.CodeOf(err), kind, code)
	}
}

// rfDate returns a pointer to a date.
func rfDate(y int, m time.Month, d int) *civil.Date {
	x := civil.D(y, m, d)
	return &x
}

// rfAudit counts audit records of action on object type and id.
func (f *rfFixture) rfAudit(t *testing.T, action, objectType, objectID string) int {
	t.Helper()
	return f.count(t, "audit_log", "action = ? AND object_type = ? AND object_id = ?", action, objectType, objectID)
}

func rfItoa(id int64) string { return strconv.FormatInt(id, 10) }

func rfPtr[T any](v T) *T { return &v }

func rfPathf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// rfCorrupt overwrites the stored file at p with other bytes of the same
// length.
func rfCorrupt(t *testing.T, p string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
