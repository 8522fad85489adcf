// Package db opens the SQL database (SQLite or PostgreSQL), runs migrations
// and offers a small, dialect-neutral query surface. Queries are written with
// '?' placeholders and rebound for PostgreSQL. On SQLite, writes go through a
// single connection (SQLite allows one writer) while reads use a pool, so
// concurrent writers queue in Go instead of failing with "database is locked".
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names a supported SQL dialect.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Querier is implemented by *DB (reads) and *Tx so that store functions can
// run inside or outside a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is an open database.
type DB struct {
	dialect Dialect
	read    *sql.DB
	write   *sql.DB
	rebind  sync.Map // query -> rebound query (PostgreSQL only)
	// stmts caches prepared read statements (SQLite only): query ->
	// *sql.Stmt; nstmts counts them.
	stmts  sync.Map
	nstmts atomic.Int64
}

// Options tune Open.
type Options struct {
	// MaxOpenConns bounds the read pool (SQLite) or the whole pool
	// (PostgreSQL). Zero picks a default.
	MaxOpenConns int
}

// Open opens the database named by rawURL: "sqlite:PATH" or
// "postgres://…" (also "postgresql://…").
func Open(ctx context.Context, rawURL string, opt Options) (*DB, error) {
	d, err := open(rawURL, opt)
	if err != nil {
		return nil, err
	}
	if err := d.Ping(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("db: connect: %w", err)
	}
	return d, nil
}

func open(rawURL string, opt Options) (*DB, error) {
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		path := strings.TrimPrefix(rawURL, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		if path == "" {
			return nil, errors.New("db: sqlite URL has no file path")
		}
		return openSQLite(path, opt)
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(rawURL, opt)
	default:
		return nil, errors.New(`db: URL must start with "sqlite:" or "postgres://"`)
	}
}

func openSQLite(path string, opt Options) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("db: sqlite path: %w", err)
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + abs + "?" + q.Encode()
	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	q.Add("_pragma", "query_only(1)")
	// Readers map up to 256 MiB of the database file instead of copying
	// each page into their own page cache: full-text search reads many
	// pages of the FTS5 index per query, and mapped a typical search
	// needs a fifth less CPU; the whole file mapped saves a third
	// (docs/search.md#performance). Moderate, as every read connection
	// maps it (address space, not memory: the pages are the kernel's
	// page cache, shared) and an I/O error on a mapped page ends the
	// process instead of failing the query. The writer reads as before.
	q.Add("_pragma", "mmap_size(268435456)")
	read, err := sql.Open("sqlite", "file:"+abs+"?"+q.Encode())
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	n := opt.MaxOpenConns
	if n <= 0 {
		n = max(4, 2*runtime.NumCPU())
	}
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{dialect: SQLite, read: read, write: write}, nil
}

func openPostgres(rawURL string, opt Options) (*DB, error) {
	pool, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, fmt.Errorf("db: open postgres: %w", err)
	}
	n := opt.MaxOpenConns
	if n <= 0 {
		n = 20
	}
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{dialect: Postgres, read: pool, write: pool}, nil
}

// Dialect reports the database dialect.
func (d *DB) Dialect() Dialect { return d.dialect }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.read.PingContext(ctx); err != nil {
		return err
	}
	if d.write != d.read {
		return d.write.PingContext(ctx)
	}
	return nil
}

// Close closes all connections.
func (d *DB) Close() error {
	d.stmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	err := d.read.Close()
	if d.write != d.read {
		err = errors.Join(err, d.write.Close())
	}
	return err
}

// Stats returns the pool statistics of the read and write pools (the same
// pool twice on PostgreSQL).
func (d *DB) Stats() (read, write sql.DBStats) {
	return d.read.Stats(), d.write.Stats()
}

// ExecContext runs a statement outside a transaction on the write pool.
func (d *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return d.write.ExecContext(ctx, d.bind(query), args...)
}

// QueryContext runs a read query.
func (d *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := d.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.read.QueryContext(ctx, d.bind(query), args...)
}

// QueryRowContext runs a read query returning at most one row.
func (d *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := d.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.read.QueryRowContext(ctx, d.bind(query), args...)
}

// maxStmts bounds the prepared-statement cache (each entry is prepared on
// up to every read connection, some kilobytes each); queries beyond it
// are prepared per call as before. Queries built with variable IN lists
// are the ones that could fill it.
const maxStmts = 500

// stmt returns the cached prepared statement of a read query on SQLite
// (nil on PostgreSQL, whose driver caches statements per connection, and
// when the cache is full or preparing fails — the caller then runs the
// query directly, which reports any error). The pure-Go SQLite driver
// parses each query anew otherwise, which dominates short reads.
func (d *DB) stmt(ctx context.Context, query string) *sql.Stmt {
	if d.dialect != SQLite {
		return nil
	}
	if st, ok := d.stmts.Load(query); ok {
		return st.(*sql.Stmt)
	}
	if d.nstmts.Load() >= maxStmts {
		return nil
	}
	st, err := d.read.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if prev, loaded := d.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt)
	}
	d.nstmts.Add(1)
	return st
}

// Tx is a write transaction.
type Tx struct {
	tx *sql.Tx
	d  *DB
}

// Dialect reports the dialect of the transaction's database.
func (t *Tx) Dialect() Dialect { return t.d.dialect }

// ExecContext runs a statement in the transaction.
func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.d.bind(query), args...)
}

// QueryContext runs a query in the transaction.
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.d.bind(query), args...)
}

// QueryRowContext runs a query returning at most one row in the transaction.
func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.d.bind(query), args...)
}

// InTx runs fn in a write transaction. It commits when fn returns nil and
// rolls back otherwise (also on panic), so a failed request leaves the data
// as it was.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, d: d}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// bind rewrites '?' placeholders to PostgreSQL's $n form. Question marks
// inside single-quoted literals are left alone.
func (d *DB) bind(query string) string {
	if d.dialect != Postgres {
		return query
	}
	if v, ok := d.rebind.Load(query); ok {
		return v.(string)
	}
	out := Rebind(query)
	d.rebind.Store(query, out)
	return out
}

// Rebind converts '?' placeholders to $1, $2, … .
func Rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	inQuote := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
