package app_test

// "ortlos doctor": one line per check, exit 1 when a check fails.

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"ortlos/internal/blob"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
)

// doctorInstance is a data folder with a migrated database and a user.
type doctorInstance struct {
	dir   string
	env   map[string]string
	db    *db.DB
	blobs *blob.Local
}

func newDoctorInstance(t *testing.T, dialect db.Dialect) *doctorInstance {
	t.Helper()
	dir := t.TempDir()
	url := "sqlite:" + filepath.Join(dir, "ortlos.db")
	env := map[string]string{}
	if dialect == db.Postgres {
		url = dbtest.URL(t, db.Postgres)
		env["ORTLOS_DATABASE_URL"] = url
	}
	runCLI(t, dir, env, "", "migrate").wantCode(t, 0, "migrate")
	// A user, so that the audit trail has records to verify.
	runCLI(t, dir, env, "", "user", "create", "--username", "erika.mustermann", "--display-name", "Erika Mustermann", "--role", "admin").
		wantCode(t, 0, "user", "create")
	d, err := db.Open(context.Background(), url, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	blobs, err := blob.NewLocal(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return &doctorInstance{dir: dir, env: env, db: d, blobs: blobs}
}

func (in *doctorInstance) exec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := in.db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func (in *doctorInstance) insertID(t *testing.T, query string, args ...any) int64 {
	t.Helper()
	var id int64
	err := in.db.InTx(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRowContext(context.Background(), query+" RETURNING id", args...).Scan(&id)
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

// project inserts a project with two columns and returns their ids.
func (in *doctorInstance) project(t *testing.T, name string) (project, todo, done int64) {
	t.Helper()
	now := db.T(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	project = in.insertID(t, "INSERT INTO projects (name, created_at, updated_at) VALUES (?, ?, ?)", name, now, now)
	todo = in.insertID(t, "INSERT INTO project_statuses (project_id, name, category, position) VALUES (?, 'Offen', 'open', 1)", project)
	done = in.insertID(t, "INSERT INTO project_statuses (project_id, name, category, position) VALUES (?, 'Erledigt', 'done', 2)", project)
	return project, todo, done
}

func (in *doctorInstance) task(t *testing.T, project, status int64, rank string) int64 {
	t.Helper()
	now := db.T(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	return in.insertID(t, "INSERT INTO tasks (project_id, status_id, rank, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
		project, status, rank, "Aufgabe "+rank, now, now)
}

// attach stores content in the blob store and refers to it from a task.
func (in *doctorInstance) attach(t *testing.T, task int64, content string) blob.Info {
	t.Helper()
	info, err := in.blobs.Put(context.Background(), strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	in.refer(t, task, info)
	return info
}

func (in *doctorInstance) refer(t *testing.T, task int64, info blob.Info) {
	t.Helper()
	in.exec(t, "INSERT INTO task_files (task_id, sha256, name, mime_type, size, created_at) VALUES (?, ?, 'anlage.txt', 'text/plain', ?, ?)",
		task, info.SHA256, info.Size, db.T(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)))
}

type doctorReport struct {
	OK     bool `json:"ok"`
	Checks []struct {
		Check   string `json:"check"`
		Status  string `json:"status"`
		Message string `json:"message"`
	} `json:"checks"`
}

// doctor runs "ortlos doctor" in both formats, checks that they agree and
// that the exit code is wantCode, and returns the status and message per
// check.
func (in *doctorInstance) doctor(t *testing.T, wantCode int) (status, message map[string]string) {
	t.Helper()
	text := runCLI(t, in.dir, in.env, "", "doctor")
	text.wantCode(t, wantCode, "doctor")
	r := runCLI(t, in.dir, in.env, "", "doctor", "--format", "json")
	r.wantCode(t, wantCode, "doctor", "--format", "json")
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("doctor --format json printed %q: %v", r.stdout, err)
	}
	if rep.OK != (wantCode == 0) {
		t.Errorf("doctor --format json: ok = %v with exit code %d", rep.OK, wantCode)
	}
	lines := strings.Split(strings.TrimSuffix(text.stdout, "\n"), "\n")
	if len(lines) != len(rep.Checks) {
		t.Fatalf("doctor printed %d lines for %d checks:\n%s", len(lines), len(rep.Checks), text.stdout)
	}
	status, message = map[string]string{}, map[string]string{}
	for i, c := range rep.Checks {
		status[c.Check], message[c.Check] = c.Status, c.Message
		if f := strings.Fields(lines[i]); len(f) < 3 || f[0] != strings.ToUpper(c.Status) || f[1] != c.Check {
			t.Errorf("doctor line %q, want %s %s …", lines[i], strings.ToUpper(c.Status), c.Check)
		}
	}
	return status, message
}

func wantDoctor(t *testing.T, status, message map[string]string, check, want, contains string) {
	t.Helper()
	if status[check] != want || !strings.Contains(message[check], contains) {
		t.Errorf("doctor %s: %s %q, want %s containing %q", check, status[check], message[check], want, contains)
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

var doctorCheckNames = []string{"database", "migrations", "audit_chain", "task_ranks", "task_columns", "blobs", "search_index"}

func TestDoctorHealthy(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			in := newDoctorInstance(t, dialect)
			p, todo, done := in.project(t, "Digitalisierung Bauamt")
			for _, r := range []string{"i", "ii", "j", "zzzz1", "0001"} {
				in.task(t, p, todo, r)
			}
			t1 := in.task(t, p, done, "i")
			in.attach(t, t1, "Protokoll der Sitzung")
			in.attach(t, in.task(t, p, done, "k"), "Protokoll der Sitzung") // the same file twice

			status, message := in.doctor(t, 0)
			for _, c := range doctorCheckNames {
				if status[c] != "ok" {
					t.Errorf("doctor %s: %s %q, want ok", c, status[c], message[c])
				}
			}
			wantDoctor(t, status, message, "task_ranks", "ok", "7 tasks in 2 columns")
			wantDoctor(t, status, message, "blobs", "ok", "1 blobs")
			wantDoctor(t, status, message, "audit_chain", "ok", "records verified")
			wantDoctor(t, status, message, "search_index", "ok", "0 documents, 0 waiting for the indexer")
		})
	}
}

func TestDoctorTaskRanks(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			in := newDoctorInstance(t, dialect)
			p, todo, done := in.project(t, "Haushalt 2027")
			in.task(t, p, todo, "i")

			// A rank longer than rank.MaxLen works but is worth rebalancing.
			in.task(t, p, done, "i"+strings.Repeat("h", 70))
			status, message := in.doctor(t, 0)
			wantDoctor(t, status, message, "task_ranks", "warn", "1 column to rebalance: status_id "+itoa(done))

			// A rank that breaks the invariant (trailing '0', upper case)
			// fails the check.
			bad := in.task(t, p, todo, "j0")
			in.task(t, p, todo, "K")
			status, message = in.doctor(t, 1)
			wantDoctor(t, status, message, "task_ranks", "fail", "2 invalid ranks: ")
			wantDoctor(t, status, message, "task_ranks", "fail", "task "+itoa(bad)+` "j0"`)
			wantDoctor(t, status, message, "task_ranks", "fail", "1 column to rebalance")
			for _, c := range []string{"database", "migrations", "audit_chain", "task_columns", "blobs"} {
				if status[c] != "ok" {
					t.Errorf("doctor %s: %s %q, want ok", c, status[c], message[c])
				}
			}
		})
	}
}

func TestDoctorTaskColumns(t *testing.T) {
	t.Parallel()
	in := newDoctorInstance(t, db.SQLite)
	p1, _, _ := in.project(t, "Projekt A")
	_, todo2, _ := in.project(t, "Projekt B")
	wrong := in.task(t, p1, todo2, "i")
	status, message := in.doctor(t, 1)
	wantDoctor(t, status, message, "task_columns", "fail", "1 task in a column of another project: task "+itoa(wrong))
}

func TestDoctorBlobs(t *testing.T) {
	t.Parallel()
	in := newDoctorInstance(t, db.SQLite)
	p, todo, _ := in.project(t, "Bürgerbüro")
	task := in.task(t, p, todo, "i")
	in.attach(t, task, "Antrag")

	// A blob no record refers to is an orphan: a warning.
	if _, err := in.blobs.Put(context.Background(), bytes.NewReader([]byte("verwaist"))); err != nil {
		t.Fatal(err)
	}
	status, message := in.doctor(t, 0)
	wantDoctor(t, status, message, "blobs", "warn", "1 orphans (8 bytes)")

	// A record referring to a missing blob fails, as does a wrong size.
	gone := blob.Info{SHA256: strings.Repeat("ab", 32), Size: 10}
	in.refer(t, task, gone)
	status, message = in.doctor(t, 1)
	wantDoctor(t, status, message, "blobs", "fail", "1 referenced blob missing: abababababab…")
	wantDoctor(t, status, message, "blobs", "fail", "1 orphans")
	in.exec(t, "DELETE FROM task_files WHERE sha256 = ?", gone.SHA256)
	in.exec(t, "UPDATE task_files SET size = 99")
	status, message = in.doctor(t, 1)
	wantDoctor(t, status, message, "blobs", "fail", "recorded as 99 bytes, stored 6")

	// A leftover of a crashed upload is a warning.
	in.exec(t, "UPDATE task_files SET size = 6")
	if err := os.Remove(filepath.Join(in.blobs.Dir(), "tmp")); err != nil {
		t.Fatal(err)
	}
	if _, err := blob.NewLocal(in.blobs.Dir()); err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(in.blobs.Dir(), "tmp", "put-1")
	if err := os.WriteFile(left, []byte("halb"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(left, old, old); err != nil {
		t.Fatal(err)
	}
	status, message = in.doctor(t, 0)
	wantDoctor(t, status, message, "blobs", "warn", "1 unfinished uploads")
}

func TestDoctorNoDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := runCLI(t, dir, nil, "", "doctor")
	r.wantCode(t, 1, "doctor")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != len(doctorCheckNames) || !strings.HasPrefix(lines[0], "FAIL  database") {
		t.Errorf("doctor without a database printed\n%s", r.stdout)
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "SKIP") {
			t.Errorf("doctor without a database: %q, want SKIP", l)
		}
	}
	if !strings.Contains(r.stderr, "1 of 7 checks failed") {
		t.Errorf("doctor stderr %q", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "ortlos.db")); err == nil {
		t.Error("doctor created a database")
	}
	runCLI(t, dir, nil, "", "doctor", "--format", "yaml").wantCode(t, 2, "doctor", "--format", "yaml")
}

func TestDoctorPendingMigrations(t *testing.T) {
	t.Parallel()
	in := newDoctorInstance(t, db.SQLite)
	in.exec(t, "DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)")
	status, message := in.doctor(t, 1)
	wantDoctor(t, status, message, "database", "ok", "reachable (SQLite ")
	wantDoctor(t, status, message, "migrations", "fail", "1 pending")
	for _, c := range []string{"audit_chain", "task_ranks", "task_columns", "blobs"} {
		wantDoctor(t, status, message, c, "skip", "schema is not current")
	}
}
