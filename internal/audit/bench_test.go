package audit_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"ortlos/internal/audit"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
)

// fillChain writes n valid records directly (much faster than n
// transactions) so that Verify can be measured on a large trail.
func fillChain(b *testing.B, d *db.DB, n int) {
	b.Helper()
	ctx := context.Background()
	prev := ""
	const batch = 10_000
	for start := 1; start <= n; start += batch {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for seq := start; seq < start+batch && seq <= n; seq++ {
				r := audit.Record{
					Seq: int64(seq), At: t0.Add(time.Duration(seq) * time.Second), ActorID: int64(seq%50 + 1),
					Actor: "user" + strconv.Itoa(seq%50), SourceIP: "192.0.2.1", Action: "user.update",
					ObjectType: "user", ObjectID: strconv.Itoa(seq % 1000), Detail: `{"fields":["display_name"]}`, PrevHash: prev,
				}
				r.Hash = r.ComputeHash()
				if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor_id, actor, source_ip, action, object_type, object_id, detail, prev_hash, hash)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.Seq, db.T(r.At), r.ActorID, r.Actor, r.SourceIP, r.Action, r.ObjectType, r.ObjectID, r.Detail, r.PrevHash, r.Hash); err != nil {
					return err
				}
				prev = r.Hash
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := d.ExecContext(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", n, prev); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkVerify measures `ortlos audit verify` over a trail of
// ORTLOS_BENCH_AUDIT_RECORDS records (default 1,000,000) on SQLite and
// PostgreSQL.
func BenchmarkVerify(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("ORTLOS_BENCH_AUDIT_RECORDS")); err == nil && v > 0 {
		n = v
	}
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(fmt.Sprintf("%s/%d", dialect, n), func(b *testing.B) {
			d := dbtest.Open(b, dialect)
			fillChain(b, d, n)
			b.ResetTimer()
			for b.Loop() {
				res, err := audit.Verify(context.Background(), d)
				if err != nil || !res.OK || res.Checked != int64(n) {
					b.Fatalf("Verify = %+v, %v", res, err)
				}
			}
			b.ReportMetric(float64(n), "records")
		})
	}
}
