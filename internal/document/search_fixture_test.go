package document_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/blob"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/document"
)

// sfStart is Monday 2 March 2026, 08:00 in Berlin.
var sfStart = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

// sfFixture is a records store for the search tests, filled by plain SQL:
// the plan position Plan ("32") with the files FileA ("32.1") and FileB
// ("32.2"), and SubA ("32.1-1") below FileA. Alice reads the whole plan;
// Bob reads FileB only; Otto and Admin (role admin) have no grant. Type is
// the document type "Bescheid" with a text field "betreff".
type sfFixture struct {
	D                       *db.DB
	Clock                   *clock.Fake
	Svc                     *document.Service
	Store                   *blob.Local
	Plan, FileA, FileB      int64
	SubA                    int64
	Type                    int64
	Alice, Bob, Otto, Admin actor.Actor
}

func newSearchFixture(t *testing.T, d *db.DB) *sfFixture {
	t.Helper()
	store, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := clock.NewFake(sfStart)
	svc := document.NewService(d, c, store).WithLogger(slog.New(slog.DiscardHandler))
	f := &sfFixture{D: d, Clock: c, Svc: svc, Store: store}
	f.Alice = sfUser(t, d, "alice.search", "Alice Sucht")
	f.Bob = sfUser(t, d, "bob.search", "Bob Sucht")
	f.Otto = sfUser(t, d, "otto.search", "Otto Ohne")
	f.Admin = sfUser(t, d, "anna.search", "Anna Admin", actor.RoleAdmin)
	f.Plan = sfFolder(t, d, 0, "plan", "32", "Ordnungsamt")
	f.FileA = sfFolder(t, d, f.Plan, "file", "32.1", "Gaststättenerlaubnisse")
	f.FileB = sfFolder(t, d, f.Plan, "file", "32.2", "Sondernutzungen")
	f.SubA = sfFolder(t, d, f.FileA, "file", "32.1-1", "Gaststätte Zum Anker")
	sfExec(t, d, `INSERT INTO doc_folder_grants (folder_id, principal_kind, principal, access) VALUES (?, 'user', ?, 'read')`,
		f.Plan, strconv.FormatInt(f.Alice.UserID, 10))
	sfExec(t, d, `INSERT INTO doc_folder_grants (folder_id, principal_kind, principal, access) VALUES (?, 'user', ?, 'read')`,
		f.FileB, strconv.FormatInt(f.Bob.UserID, 10))
	f.Type = sfInsert(t, d, `INSERT INTO doc_types (name, fields, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
		"Bescheid", `[{"key":"betreff","label":"Betreff","kind":"text","required":false}]`, db.T(sfStart), db.T(sfStart))
	return f
}

// sfDoc describes a document to insert.
type sfDoc struct {
	Title  string
	Type   int64
	Author string
	Date   string // YYYY-MM-DD or ""
	Fields map[string]string
	Tags   []string
	State  string // "" is draft
	// MIME and Content give the document a first version.
	MIME, Content string
}

// doc inserts document x into folder and returns its id.
func (f *sfFixture) doc(t *testing.T, folder int64, x sfDoc) int64 {
	t.Helper()
	state := x.State
	if state == "" {
		state = document.StateDraft
	}
	fields, err := json.Marshal(x.Fields)
	if err != nil || x.Fields == nil {
		fields = []byte("{}")
	}
	var typ, date any
	if x.Type != 0 {
		typ = x.Type
	}
	if x.Date != "" {
		date = x.Date
	}
	id := sfInsert(t, f.D, `INSERT INTO documents (folder_id, title, type_id, author, document_date, fields, state, created_at, created_by, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		folder, x.Title, typ, x.Author, date, string(fields), state, db.T(f.Clock.Now()), f.Alice.UserID, db.T(f.Clock.Now()))
	for _, tag := range x.Tags {
		sfExec(t, f.D, `INSERT INTO document_tags (document_id, tag) VALUES (?, ?)`, id, tag)
	}
	if x.MIME != "" {
		f.version(t, id, x.MIME, x.Content)
	}
	return id
}

// version stores content as the next version of document id.
func (f *sfFixture) version(t *testing.T, id int64, mime, content string) {
	t.Helper()
	ctx := context.Background()
	info, err := f.Store.Put(ctx, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.D.QueryRowContext(ctx, `SELECT current_version FROM documents WHERE id = ?`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	n++
	err = f.D.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO document_versions (document_id, number, filename, mime_type, size, sha256, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, n, "v"+strconv.Itoa(n), mime, info.Size, info.SHA256, db.T(f.Clock.Now()), f.Alice.UserID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE documents SET current_version = ?, updated_at = ? WHERE id = ?`, n, db.T(f.Clock.Now()), id)
		return err
	})
	if err != nil {
		t.Fatalf("version: %v", err)
	}
}

// index runs IndexPending until nothing is pending and returns how many
// entries it wrote.
func (f *sfFixture) index(t *testing.T) int {
	t.Helper()
	total := 0
	for range 100 {
		n, err := f.Svc.IndexPending(context.Background(), 0)
		if err != nil {
			t.Fatalf("IndexPending: %v", err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
	t.Fatal("IndexPending does not finish")
	return 0
}

// search runs SearchDocuments and fails on an error.
func (f *sfFixture) search(t *testing.T, a actor.Actor, q document.SearchQuery) document.SearchPage {
	t.Helper()
	p, err := f.Svc.SearchDocuments(context.Background(), a, q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return p
}

// sfIDs returns the ids of the hits of p.
func sfIDs(p document.SearchPage) []int64 {
	ids := []int64{}
	for _, h := range p.Items {
		ids = append(ids, h.ID)
	}
	return ids
}

// sfSnippet renders a snippet with [brackets] around matches.
func sfSnippet(parts []document.SnippetPart) string {
	var b strings.Builder
	for _, p := range parts {
		if p.Match {
			b.WriteString("[" + p.Text + "]")
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

func sfUser(t testing.TB, d *db.DB, name, display string, roles ...string) actor.Actor {
	t.Helper()
	id := sfInsert(t, d, "INSERT INTO users (username, display_name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
		name, display, db.T(sfStart), db.T(sfStart))
	for _, r := range roles {
		sfExec(t, d, "INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)", id, r)
	}
	if len(roles) == 0 {
		roles = []string{actor.RoleEmployee}
	}
	return actor.Actor{UserID: id, Username: name, Roles: roles, Via: actor.ViaSession, SessionID: 1, SourceIP: "192.0.2.1"}
}

func sfFolder(t *testing.T, d *db.DB, parent int64, kind, ref, title string) int64 {
	t.Helper()
	var p any
	if parent != 0 {
		p = parent
	}
	return sfInsert(t, d, `INSERT INTO doc_folders (parent_id, kind, reference, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		p, kind, ref, title, db.T(sfStart), db.T(sfStart))
}

// sfInsert runs an INSERT … RETURNING id in a transaction.
func sfInsert(t testing.TB, d *db.DB, q string, args ...any) int64 {
	t.Helper()
	var id int64
	ctx := context.Background()
	if err := d.InTx(ctx, func(tx *db.Tx) error { return tx.QueryRowContext(ctx, q, args...).Scan(&id) }); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return id
}

// sfExec runs a statement in a transaction.
func sfExec(t testing.TB, d *db.DB, q string, args ...any) {
	t.Helper()
	ctx := context.Background()
	if err := d.InTx(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err }); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// sfCount counts rows of a query.
func sfCount(t testing.TB, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// sfWantCode fails unless err has kind and code.
func sfWantCode(t *testing.T, what string, err error, kind apperr.Kind, code string) {
	t.Helper()
	if apperr.KindOf(err) != kind || apperr.CodeOf(err) != code {
		t.Errorf("%s: err = %v (kind %v, code %q); want %v %q", what, err, apperr.KindOf(err), apperr.CodeOf(err), kind, code)
	}
}
