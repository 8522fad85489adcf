package document_test

import (
	"context"
	"encoding/json"
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

// dfStart is Monday 2 March 2026, 08:00 in Berlin.
var dfStart = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

// dfFixture is a records store with one open file (File, below the plan
// position Plan) and people with different grants on it: Reader (read),
// Writer and Writer2 (write), Manager (manage); Outsider and Admin
// (role admin) have none. Type is a document type with a required text
// field "aktenzeichen_extern" and an optional date field "eingang".
type dfFixture struct {
	D                                *db.DB
	Clock                            *clock.Fake
	Svc                              *document.Service
	Store                            *blob.Local
	Plan, File                       int64
	Type                             int64
	Reader, Writer, Writer2, Manager actor.Actor
	Outsider, Admin                  actor.Actor
	folderSeq                        int
}

// newDocFixture returns a fixture on d with a local blob store in a
// temporary folder.
func newDocFixture(t *testing.T, d *db.DB) *dfFixture {
	t.Helper()
	store, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := clock.NewFake(dfStart)
	f := &dfFixture{D: d, Clock: c, Svc: document.NewService(d, c, store), Store: store}
	f.Reader = dfUser(t, d, "rita.read", "Rita Read", actor.RoleEmployee)
	f.Writer = dfUser(t, d, "wolf.write", "Wolf Write", actor.RoleEmployee)
	f.Writer2 = dfUser(t, d, "wanda.write", "Wanda Write", actor.RoleEmployee)
	f.Manager = dfUser(t, d, "mara.manage", "Mara Manage", actor.RoleEmployee)
	f.Outsider = dfUser(t, d, "otto.out", "Otto Out", actor.RoleEmployee)
	f.Admin = dfUser(t, d, "anna.admin", "Anna Admin", actor.RoleAdmin)
	f.Plan = f.folder(t, 0, "plan", "Allgemeine Verwaltung")
	f.File = f.folder(t, f.Plan, "file", "Bauantrag Musterstraße 1")
	dfGrant(t, d, f.Plan, document.PrincipalUser, f.Reader.UserID, "read")
	dfGrant(t, d, f.Plan, document.PrincipalUser, f.Writer.UserID, "write")
	dfGrant(t, d, f.Plan, document.PrincipalUser, f.Writer2.UserID, "write")
	dfGrant(t, d, f.File, document.PrincipalUser, f.Manager.UserID, "manage")
	f.Type = dfType(t, d, "Eingangsschreiben", []map[string]any{
		{"key": "aktenzeichen_extern", "label": "Aktenzeichen des Absenders", "kind": "text", "required": true},
		{"key": "eingang", "label": "Eingang", "kind": "date", "required": false},
		{"key": "betrag", "label": "Betrag", "kind": "number", "required": false},
	})
	return f
}

// folder inserts a folder of kind below parent (0: top level).
func (f *dfFixture) folder(t *testing.T, parent int64, kind, title string) int64 {
	t.Helper()
	f.folderSeq++
	var id int64
	var p any
	if parent != 0 {
		p = parent
	}
	ctx := context.Background()
	err := f.D.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO doc_folders (parent_id, kind, reference, title, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, p, kind, "DF-"+strconv.Itoa(f.folderSeq), title, db.T(dfStart), db.T(dfStart)).Scan(&id)
	})
	if err != nil {
		t.Fatalf("folder %s: %v", title, err)
	}
	return id
}

// closeFile closes folder id and its documents as closing a file (zdA)
// does.
func (f *dfFixture) closeFile(t *testing.T, id int64) {
	t.Helper()
	ctx := context.Background()
	err := f.D.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE doc_folders SET state = 'closed', closed_at = ? WHERE id = ?`, db.T(f.Clock.Now()), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE documents SET state = 'closed' WHERE folder_id = ?`, id)
		return err
	})
	if err != nil {
		t.Fatalf("close file: %v", err)
	}
}

// dfUser inserts a user and returns the actor of a full session.
func dfUser(t *testing.T, d *db.DB, name, display string, roles ...string) actor.Actor {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, "INSERT INTO users (username, display_name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
			name, display, db.T(dfStart), db.T(dfStart)).Scan(&id); err != nil {
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

// dfGrant grants access on folder to a principal.
func dfGrant(t *testing.T, d *db.DB, folder int64, kind string, principal int64, access string) {
	t.Helper()
	ctx := context.Background()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO doc_folder_grants (folder_id, principal_kind, principal, access) VALUES (?, ?, ?, ?)`,
			folder, kind, strconv.FormatInt(principal, 10), access)
		return err
	})
	if err != nil {
		t.Fatalf("grant: %v", err)
	}
}

// dfType inserts a document type with the given field list.
func dfType(t *testing.T, d *db.DB, name string, fields []map[string]any) int64 {
	t.Helper()
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var id int64
	err = d.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO doc_types (name, fields, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
			name, string(b), db.T(dfStart), db.T(dfStart)).Scan(&id)
	})
	if err != nil {
		t.Fatalf("type: %v", err)
	}
	return id
}

// dfReadToken returns a as if it came with a read-only API token.
func dfReadToken(a actor.Actor) actor.Actor {
	a.Via, a.TokenScope, a.SessionID = actor.ViaToken, "read", 0
	return a
}

// dfWantCode fails unless err has kind and code.
func dfWantCode(t *testing.T, what string, err error, kind apperr.Kind, code string) {
	t.Helper()
	if apperr.KindOf(err) != kind || apperr.CodeOf(err) != code {
		t.Errorf("%s: err = %v (kind %v, code %q); want %v %q", what, err, apperr.KindOf(err), apperr.CodeOf(err), kind, code)
	}
}

// dfAudit returns the details of the audit records of action on document
// id, oldest first.
func dfAudit(t *testing.T, d *db.DB, action string, id int64) []map[string]any {
	t.Helper()
	rows, err := d.QueryContext(context.Background(), `SELECT detail FROM audit_log WHERE action = ? AND object_type = 'document' AND object_id = ? ORDER BY seq`,
		action, strconv.FormatInt(id, 10))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// dfBlobs counts the blobs in the store.
func dfBlobs(t *testing.T, s blob.Store) int {
	t.Helper()
	n := 0
	if err := s.List(context.Background(), func(blob.Info) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// dfCount counts rows of table matching where.
func dfCount(t *testing.T, d *db.DB, table, where string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table+" WHERE "+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func dfPtr[T any](v T) *T { return &v }
