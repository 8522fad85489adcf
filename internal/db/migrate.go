package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one numbered schema change.
type Migration struct {
	Version string // file name without ".sql", e.g. "0001_foundation"
	SQL     string
}

// Migrations returns the embedded migrations of dialect d in order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("db: read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := migrationFS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("db: read migration: %w", err)
		}
		out = append(out, Migration{Version: strings.TrimSuffix(e.Name(), ".sql"), SQL: string(b)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return strings.Compare(a.Version, b.Version) })
	return out, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    TEXT PRIMARY KEY,
    applied_at TEXT NOT NULL
)`

// migrationLockKey is the PostgreSQL advisory lock that keeps two instances
// from migrating at once.
const migrationLockKey = 7_366_202_611

// Migrate applies all pending migrations, each in its own transaction, and
// returns the versions it applied.
func (d *DB) Migrate(ctx context.Context, now time.Time) ([]string, error) {
	all, err := Migrations(d.dialect)
	if err != nil {
		return nil, err
	}
	var applied []string
	err = d.InTx(ctx, func(tx *Tx) error {
		if d.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", migrationLockKey); err != nil {
				return fmt.Errorf("db: lock migrations: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, createMigrationsTable); err != nil {
			return fmt.Errorf("db: create schema_migrations: %w", err)
		}
		done, err := appliedVersions(ctx, tx)
		if err != nil {
			return err
		}
		for _, m := range all {
			if done[m.Version] {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("db: migration %s: %w", m.Version, err)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", m.Version, T(now)); err != nil {
				return fmt.Errorf("db: record migration %s: %w", m.Version, err)
			}
			applied = append(applied, m.Version)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return applied, nil
}

// Pending returns the versions not yet applied. A database without the
// migrations table has every migration pending.
func (d *DB) Pending(ctx context.Context) ([]string, error) {
	all, err := Migrations(d.dialect)
	if err != nil {
		return nil, err
	}
	done, err := appliedVersions(ctx, d)
	if err != nil {
		// No schema_migrations yet: everything is pending.
		done = map[string]bool{}
	}
	var pending []string
	for _, m := range all {
		if !done[m.Version] {
			pending = append(pending, m.Version)
		}
	}
	return pending, nil
}

func appliedVersions(ctx context.Context, q Querier) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("db: list migrations: %w", err)
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("db: list migrations: %w", err)
		}
		done[v] = true
	}
	return done, rows.Err()
}
