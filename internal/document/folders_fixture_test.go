package document_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/blob"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/document"
)

// ffStart is Monday 2 March 2026, 08:00 in Berlin.
var ffStart = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

// FolderFixture holds a records store and an organisation: the unit tree
// Verwaltung → Fachbereich 3 → Amt 61 and Verwaltung → Fachbereich 2 →
// Amt 32, and the people admin (administrator), rita (records), alice
// (employee in Amt 61), bob (employee in Amt 32), carol (employee without
// unit) and lena (lead and employee in Fachbereich 3).
type FolderFixture struct {
	D     *db.DB
	Clock *clock.Fake
	Svc   *document.Service

	Admin, Records, Alice, Bob, Carol, Lead actor.Actor
	// Units by key: verw, fb3, amt61, fb2, amt32.
	Units map[string]int64
	// Classes by years: retention classes of 6 and 10 years.
	Class6, Class10 int64
}

func newFolderFixture(t *testing.T, d *db.DB) FolderFixture {
	t.Helper()
	c := clock.NewFake(ffStart)
	blobs, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := FolderFixture{D: d, Clock: c, Svc: document.NewService(d, c, blobs), Units: map[string]int64{}}
	for _, u := range []struct{ key, parent, name string }{
		{"verw", "", "Verwaltung"}, {"fb3", "verw", "Fachbereich 3"}, {"amt61", "fb3", "Amt 61"},
		{"fb2", "verw", "Fachbereich 2"}, {"amt32", "fb2", "Amt 32"},
	} {
		f.Units[u.key] = ffExec(t, d, "INSERT INTO org_units (parent_id, name, kind, created_at, updated_at) VALUES (?, ?, '', ?, ?) RETURNING id",
			ffNullID(f.Units[u.parent]), u.name, db.T(ffStart), db.T(ffStart))
	}
	f.Admin = ffUser(t, d, "admin", 0, actor.RoleAdmin)
	f.Records = ffUser(t, d, "rita", 0, actor.RoleRecords, actor.RoleEmployee)
	f.Alice = ffUser(t, d, "alice", f.Units["amt61"], actor.RoleEmployee)
	f.Bob = ffUser(t, d, "bob", f.Units["amt32"], actor.RoleEmployee)
	f.Carol = ffUser(t, d, "carol", 0, actor.RoleEmployee)
	f.Lead = ffUser(t, d, "lena", f.Units["fb3"], actor.RoleLead, actor.RoleEmployee)
	f.Class6 = ffExec(t, d, `INSERT INTO retention_classes (code, name, years, trigger, legal_basis, created_at, updated_at)
		VALUES ('TEST-FF-6', 'Sechs Jahre', 6, 'file_closed', '', ?, ?) RETURNING id`, db.T(ffStart), db.T(ffStart))
	f.Class10 = ffExec(t, d, `INSERT INTO retention_classes (code, name, years, trigger, legal_basis, created_at, updated_at)
		VALUES ('TEST-FF-10', 'Zehn Jahre', 10, 'file_closed', '', ?, ?) RETURNING id`, db.T(ffStart), db.T(ffStart))
	return f
}

func ffNullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ffExec runs an INSERT … RETURNING id in its own transaction.
func ffExec(t *testing.T, d *db.DB, query string, args ...any) int64 {
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

// ffUser inserts a user in unit (0: none) and returns the actor of a full
// session.
func ffUser(t *testing.T, d *db.DB, name string, unit int64, roles ...string) actor.Actor {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, "INSERT INTO users (username, display_name, org_unit_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			name, name, ffNullID(unit), db.T(ffStart), db.T(ffStart)).Scan(&id); err != nil {
			return err
		}
		for _, r := range roles {
			if _, err := tx.ExecContext(ctx, "INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)", id, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	return actor.Actor{UserID: id, Username: name, Roles: roles, Via: actor.ViaSession, SessionID: 1, SourceIP: "192.0.2.1"}
}

// ffReadToken returns a as if it came with a read-only API token.
func ffReadToken(a actor.Actor) actor.Actor {
	a.Via, a.TokenScope, a.SessionID = actor.ViaToken, "read", 0
	return a
}

// ffWantCode fails unless err has kind and code.
func ffWantCode(t *testing.T, what string, err error, kind apperr.Kind, code string) {
	t.Helper()
	if apperr.KindOf(err) != kind || apperr.CodeOf(err) != code {
		t.Errorf("%s: err = %v (kind %v, code %q); want %v %q", what, err, apperr.KindOf(err), apperr.CodeOf(err), kind, code)
	}
}

// ffAuditCount counts audit records of action.
func ffAuditCount(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = ?", action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// ffPlan creates a plan position as the records person.
func (f FolderFixture) ffPlan(t *testing.T, parent int64, ref, title string) document.Folder {
	t.Helper()
	x, err := f.Svc.CreateFolder(context.Background(), f.Records, document.NewFolder{ParentID: parent, Kind: document.FolderPlan, Reference: ref, Title: title})
	if err != nil {
		t.Fatalf("plan %s: %v", ref, err)
	}
	return x
}

// ffFile creates a file as the records person.
func (f FolderFixture) ffFile(t *testing.T, parent int64, ref, title string) document.Folder {
	t.Helper()
	x, err := f.Svc.CreateFolder(context.Background(), f.Records, document.NewFolder{ParentID: parent, Kind: document.FolderFile, Reference: ref, Title: title})
	if err != nil {
		t.Fatalf("file %s: %v", title, err)
	}
	return x
}

// ffGrant is a grant for SetFolderGrants.
func ffGrant(kind string, principal any, access document.Access) document.Grant {
	var p string
	switch v := principal.(type) {
	case int64:
		p = strconv.FormatInt(v, 10)
	case string:
		p = v
	}
	return document.Grant{Kind: kind, Principal: p, Access: access}
}

// ffSetGrants replaces a folder's grants as the records person.
func (f FolderFixture) ffSetGrants(t *testing.T, id int64, inherit *bool, gs ...document.Grant) {
	t.Helper()
	if _, err := f.Svc.SetFolderGrants(context.Background(), f.Records, id, gs, inherit); err != nil {
		t.Fatalf("grants of %d: %v", id, err)
	}
}

// ffDocument inserts a document into folder id by plain SQL.
func (f FolderFixture) ffDocument(t *testing.T, folder int64, title string) int64 {
	t.Helper()
	return ffExec(t, f.D, `INSERT INTO documents (folder_id, title, state, created_at, updated_at) VALUES (?, ?, 'draft', ?, ?) RETURNING id`,
		folder, title, db.T(ffStart), db.T(ffStart))
}

func ffPtr[T any](v T) *T { return &v }
