// Package dbtest gives tests fresh, migrated databases of both dialects.
//
// SQLite databases live in a per-test temporary directory. PostgreSQL
// databases are cloned from a migrated template on one throwaway server:
// either the one named by ORTLOS_TEST_POSTGRES_URL (an admin URL, as the
// test script exports it) or one that Main starts from Debian's PostgreSQL
// binaries in a temporary directory on a free loopback port.
//
// Packages that use PostgreSQL call Main from TestMain:
//
//	func TestMain(m *testing.M) { dbtest.Main(m) }
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"ortlos/internal/db"
)

// Env variables understood by the harness.
const (
	EnvPostgresURL     = "ORTLOS_TEST_POSTGRES_URL"
	EnvRequirePostgres = "ORTLOS_TEST_REQUIRE_POSTGRES"
)

var (
	server struct {
		adminURL string // postgres URL of the "postgres" database
		dir      string // set when we started the server ourselves
		bin      string
		runAs    *syscall.Credential
		err      error
	}
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// Main starts PostgreSQL when needed, runs the tests and stops the server.
func Main(m *testing.M) {
	code := func() int {
		if err := startServer(); err != nil {
			server.err = err
		}
		defer stopServer()
		return m.Run()
	}()
	os.Exit(code)
}

// Each runs fn as subtests "sqlite" and "postgres", each with its own fresh,
// migrated database. The subtests run in parallel with other parallel tests.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, dialect))
		})
	}
}

// Open returns a fresh migrated database of the given dialect, closed and
// removed when the test ends.
func Open(t testing.TB, dialect db.Dialect) *db.DB {
	t.Helper()
	url := URL(t, dialect)
	ctx := context.Background()
	d, err := db.Open(ctx, url, db.Options{MaxOpenConns: 8})
	if err != nil {
		t.Fatalf("dbtest: open %s: %v", dialect, err)
	}
	t.Cleanup(func() { d.Close() })
	if dialect == db.SQLite {
		if _, err := d.Migrate(ctx, time.Now()); err != nil {
			t.Fatalf("dbtest: migrate: %v", err)
		}
	}
	return d
}

// URL returns the URL of a fresh database: an empty SQLite file, or a
// PostgreSQL database cloned from the migrated template. The database is
// dropped when the test ends.
func URL(t testing.TB, dialect db.Dialect) string {
	t.Helper()
	if dialect == db.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "ortlos.db")
	}
	requirePostgres(t)
	tmpl := migratedTemplate(t)
	name := "t_" + randomHex(8)
	admin := adminDB(t)
	if _, err := admin.ExecContext(context.Background(), fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tmpl)); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		a, err := db.Open(context.Background(), server.adminURL, db.Options{MaxOpenConns: 1})
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.ExecContext(context.Background(), fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
	})
	return withDatabase(server.adminURL, name)
}

// EmptyPostgresURL returns the URL of a new, empty (unmigrated) PostgreSQL
// database, for migration tests.
func EmptyPostgresURL(t testing.TB) string {
	t.Helper()
	requirePostgres(t)
	name := "e_" + randomHex(8)
	admin := adminDB(t)
	if _, err := admin.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
	})
	return withDatabase(server.adminURL, name)
}

func requirePostgres(t testing.TB) {
	t.Helper()
	if server.adminURL != "" {
		return
	}
	msg := "PostgreSQL not available"
	if server.err != nil {
		msg += ": " + server.err.Error()
	} else {
		msg += " (call dbtest.Main from TestMain, or set " + EnvPostgresURL + ")"
	}
	if os.Getenv(EnvRequirePostgres) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func adminDB(t testing.TB) *db.DB {
	t.Helper()
	a, err := db.Open(context.Background(), server.adminURL, db.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatalf("dbtest: connect admin: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// migratedTemplate creates (once per server and migration set) a template
// database with all migrations applied. An advisory lock keeps concurrent
// test binaries from building it twice.
func migratedTemplate(t testing.TB) string {
	t.Helper()
	templateOnce.Do(func() {
		templateName, templateErr = buildTemplate()
	})
	if templateErr != nil {
		t.Fatalf("dbtest: template: %v", templateErr)
	}
	return templateName
}

func buildTemplate() (string, error) {
	ms, err := db.Migrations(db.Postgres)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		h.Write([]byte(m.Version))
		h.Write([]byte(m.SQL))
	}
	name := "tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]
	ctx := context.Background()
	admin, err := db.Open(ctx, server.adminURL, db.Options{MaxOpenConns: 1})
	if err != nil {
		return "", err
	}
	defer admin.Close()
	// One connection: the session-level advisory lock must be taken and
	// released on the same connection.
	if _, err := admin.ExecContext(ctx, "SELECT pg_advisory_lock(4242)"); err != nil {
		return "", err
	}
	defer admin.ExecContext(ctx, "SELECT pg_advisory_unlock(4242)")
	var n int
	if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = ?", name).Scan(&n); err != nil {
		return "", err
	}
	if n == 1 {
		return name, nil
	}
	building := name + "_b" + randomHex(3)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	tdb, err := db.Open(ctx, withDatabase(server.adminURL, building), db.Options{MaxOpenConns: 1})
	if err != nil {
		return "", err
	}
	_, err = tdb.Migrate(ctx, time.Now())
	tdb.Close()
	if err != nil {
		return "", err
	}
	if _, err := admin.ExecContext(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, name)); err != nil {
		return "", err
	}
	return name, nil
}

func withDatabase(adminURL, name string) string {
	// adminURL ends in "/postgres?…" by construction.
	base, query, _ := strings.Cut(adminURL, "?")
	i := strings.LastIndex(base, "/")
	u := base[:i+1] + name
	if query != "" {
		u += "?" + query
	}
	return u
}

func startServer() error {
	if u := os.Getenv(EnvPostgresURL); u != "" {
		server.adminURL = u
		return nil
	}
	bin := findPostgresBin()
	if bin == "" {
		return fmt.Errorf("no PostgreSQL server binaries found (install Debian package postgresql)")
	}
	dir, err := os.MkdirTemp("", "ortlos-pg-")
	if err != nil {
		return err
	}
	server.dir, server.bin = dir, bin
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: run the server as "postgres".
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		server.runAs = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return err
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := pgCmd("initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8").CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v: %s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300", port, dir)
	if out, err := pgCmd("pg_ctl", "-D", data, "-l", filepath.Join(dir, "pg.log"), "-w", "-o", opts, "start").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl start: %v: %s", err, out)
	}
	server.adminURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return nil
}

func stopServer() {
	if server.dir == "" {
		return
	}
	_ = pgCmd("pg_ctl", "-D", filepath.Join(server.dir, "data"), "-m", "immediate", "-w", "stop").Run()
	_ = os.RemoveAll(server.dir)
}

func pgCmd(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(server.bin, name), args...)
	cmd.Dir = server.dir
	if server.runAs != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: server.runAs}
	}
	return cmd
}

func findPostgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(r)
		}
	}
	return ""
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
