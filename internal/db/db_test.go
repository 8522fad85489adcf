package db_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestMigrationParity(t *testing.T) {
	names := func(d db.Dialect) []string {
		ms, err := db.Migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.Version)
		}
		return out
	}
	lite, pg := names(db.SQLite), names(db.Postgres)
	if !slices.Equal(lite, pg) {
		t.Fatalf("migration files differ between dialects:\nsqlite:   %v\npostgres: %v", lite, pg)
	}
	if len(lite) == 0 {
		t.Fatal("no migrations embedded")
	}
}

func TestMigrateFreshAndIdempotent(t *testing.T) {
	urls := map[string]string{
		"sqlite":   dbtest.URL(t, db.SQLite),
		"postgres": dbtest.EmptyPostgresURL(t),
	}
	for name, url := range urls {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			d, err := db.Open(ctx, url, db.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			pending, err := d.Pending(ctx)
			if err != nil || len(pending) == 0 {
				t.Fatalf("Pending on empty db = %v, %v; want all migrations", pending, err)
			}
			applied, err := d.Migrate(ctx, time.Now())
			if err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			if !slices.Equal(applied, pending) {
				t.Fatalf("applied %v, want %v", applied, pending)
			}
			again, err := d.Migrate(ctx, time.Now())
			if err != nil || len(again) != 0 {
				t.Fatalf("second Migrate = %v, %v; want nothing", again, err)
			}
			if p, _ := d.Pending(ctx); len(p) != 0 {
				t.Fatalf("Pending after migrate = %v", p)
			}
		})
	}
}

func TestTxRollbackAndConstraintErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := db.T(time.Now())
		insert := "INSERT INTO roles (id, mfa_required) VALUES (?, ?)"
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, insert, "tmp-role", true); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, insert, "admin", true)
			return err
		})
		if !db.IsUniqueViolation(err) {
			t.Fatalf("duplicate role: err = %v, want unique violation", err)
		}
		var n int
		if err := d.QueryRowContext(ctx, "SELECT count(*) FROM roles WHERE id = ?", "tmp-role").Scan(&n); err != nil || n != 0 {
			t.Fatalf("rolled-back row visible: n=%d err=%v", n, err)
		}
		err = d.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO org_units (parent_id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", 999, "x", now, now)
			return err
		})
		if !db.IsForeignKeyViolation(err) {
			t.Fatalf("dangling parent: err = %v, want foreign key violation", err)
		}
		// Time round trip with microsecond precision.
		want := time.Date(2026, 3, 29, 0, 59, 59, 123456000, time.UTC)
		var id int64
		err = d.InTx(ctx, func(tx *db.Tx) error {
			return tx.QueryRowContext(ctx, "INSERT INTO org_units (name, created_at, updated_at) VALUES (?, ?, ?) RETURNING id", "Amt", db.T(want), db.T(want)).Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		var got db.Time
		if err := d.QueryRowContext(ctx, "SELECT created_at FROM org_units WHERE id = ?", id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) {
			t.Fatalf("time round trip: got %v, want %v", got.Time, want)
		}
	})
}

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"x = '?' AND y = ?", "x = '?' AND y = $1"},
	} {
		if got := db.Rebind(tc.in); got != tc.want {
			t.Errorf("Rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestIDsNeverReused: audit records refer to objects by id, so a deleted
// object's id must not be given to a new one.
func TestIDsNeverReused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := db.T(time.Now())
		insert := func() (id int64) {
			err := d.InTx(ctx, func(tx *db.Tx) error {
				return tx.QueryRowContext(ctx, "INSERT INTO org_units (name, created_at, updated_at) VALUES ('x', ?, ?) RETURNING id", now, now).Scan(&id)
			})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		first := insert()
		if _, err := d.ExecContext(ctx, "DELETE FROM org_units WHERE id = ?", first); err != nil {
			t.Fatal(err)
		}
		if second := insert(); second == first {
			t.Fatalf("id %d was given out twice", first)
		}
	})
}

// TestReadStatementCache: reads through the prepared-statement cache give
// the same answers, see committed writes, report errors, and more
// distinct queries than the cache holds still work.
func TestReadStatementCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for i := range 600 {
			var n int
			q := "SELECT ? + " + strconv.Itoa(i)
			if err := d.QueryRowContext(ctx, q, 1).Scan(&n); err != nil || n != i+1 {
				t.Fatalf("%s = %d, %v; want %d", q, n, err, i+1)
			}
		}
		count := func() int {
			var n int
			if err := d.QueryRowContext(ctx, "SELECT count(*) FROM settings_probe").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, "CREATE TABLE settings_probe (k TEXT)")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		before := count()
		if _, err := d.ExecContext(ctx, "INSERT INTO settings_probe (k) VALUES ('a')"); err != nil {
			t.Fatal(err)
		}
		if got := count(); got != before+1 {
			t.Errorf("cached count after insert = %d, want %d", got, before+1)
		}
		if err := d.QueryRowContext(ctx, "SELECT nope FROM settings_probe").Scan(new(int)); err == nil {
			t.Error("invalid query gave no error")
		}
	})
}
