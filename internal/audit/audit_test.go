package audit_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/audit"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var t0 = time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)

func appendN(t *testing.T, d *db.DB, n int) {
	t.Helper()
	ctx := context.Background()
	a := actor.Actor{UserID: 7, Username: "anna.schmidt", SourceIP: "192.0.2.10"}
	for i := range n {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			_, err := audit.Append(ctx, tx, t0.Add(time.Duration(i)*time.Minute), a, audit.Event{
				Action: "user.update", ObjectType: "user", ObjectID: fmt.Sprint(i),
				Detail: map[string]any{"field": "display_name", "n": i},
			})
			return err
		})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
}

func verify(t *testing.T, d *db.DB) audit.VerifyResult {
	t.Helper()
	res, err := audit.Verify(context.Background(), d)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return res
}

// tamper runs raw SQL with the append-only triggers out of the way, as an
// attacker with database access would.
func tamper(t *testing.T, d *db.DB, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		pre, post := []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"}, []string(nil)
		if d.Dialect() == db.Postgres {
			pre, post = []string{"ALTER TABLE audit_log DISABLE TRIGGER USER"}, []string{"ALTER TABLE audit_log ENABLE TRIGGER USER"}
		}
		for _, s := range append(append(pre, stmts...), post...) {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

func TestChainVerifies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		if res := verify(t, d); !res.OK || res.Checked != 0 {
			t.Fatalf("empty trail: %+v, want OK with 0 records", res)
		}
		appendN(t, d, 5)
		res := verify(t, d)
		if !res.OK || res.Checked != 5 || res.HeadSeq != 5 {
			t.Fatalf("Verify = %+v, want OK over 5 records", res)
		}
	})
}

func TestAppendOnlyEnforcedByDatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		appendN(t, d, 2)
		ctx := context.Background()
		for _, stmt := range []string{
			"UPDATE audit_log SET actor = 'mallory' WHERE seq = 1",
			"DELETE FROM audit_log WHERE seq = 2",
		} {
			err := d.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, stmt)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want refusal", stmt, err)
			}
		}
		if res := verify(t, d); !res.OK {
			t.Fatalf("after refused tampering: %+v", res)
		}
	})
}

func TestVerifyDetectsTampering(t *testing.T) {
	cases := []struct {
		name       string
		stmts      []string
		wantBroken int64
		wantReason string
	}{
		{"changed field", []string{"UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"}, 3, "altered"},
		{"changed detail", []string{`UPDATE audit_log SET detail = '{"field":"email"}' WHERE seq = 2`}, 2, "altered"},
		{"changed address", []string{"UPDATE audit_log SET source_ip = '198.51.100.1' WHERE seq = 5"}, 5, "altered"},
		{"deleted row", []string{"DELETE FROM audit_log WHERE seq = 3"}, 4, "missing"},
		{"deleted first row", []string{"DELETE FROM audit_log WHERE seq = 1"}, 2, "missing"},
		{"deleted last row", []string{"DELETE FROM audit_log WHERE seq = 5"}, 5, "removed from the end"},
		{"reordered rows", []string{
			"UPDATE audit_log SET seq = 100 WHERE seq = 2",
			"UPDATE audit_log SET seq = 2 WHERE seq = 3",
			"UPDATE audit_log SET seq = 3 WHERE seq = 100",
		}, 2, "link"},
		{"rehashed row", []string{
			// Changing a record and its own hash still breaks the next link.
			"UPDATE audit_log SET actor = 'mallory', hash = 'x' WHERE seq = 2",
		}, 2, "altered"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				appendN(t, d, 5)
				tamper(t, d, tc.stmts...)
				res := verify(t, d)
				if res.OK || res.BrokenSeq != tc.wantBroken || !strings.Contains(res.Reason, tc.wantReason) {
					t.Fatalf("Verify = %+v, want broken at %d (%q)", res, tc.wantBroken, tc.wantReason)
				}
			})
		})
	}
}

func TestDetailRefusesSecrets(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := context.Background()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		_, err := audit.Append(ctx, tx, t0, actor.System(), audit.Event{Action: "x", Detail: map[string]any{"new_password": "geheim"}})
		return err
	})
	if err == nil {
		t.Fatal("Append accepted a detail key named like a secret")
	}
	if res := verify(t, d); res.Checked != 0 {
		t.Fatalf("refused append left %d records", res.Checked)
	}
}

func TestExportReverifies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		appendN(t, d, 4)
		svc := &audit.Service{DB: d}
		admin := actor.Actor{UserID: 1, Username: "admin", Roles: []string{actor.RoleAuditor}}
		var buf bytes.Buffer
		if err := svc.Export(context.Background(), admin, audit.Filter{}, &buf); err != nil {
			t.Fatal(err)
		}
		res, err := audit.VerifyJSONL(bytes.NewReader(buf.Bytes()))
		if err != nil || !res.OK || res.Checked != 4 {
			t.Fatalf("VerifyJSONL = %+v, %v", res, err)
		}
		// The same export checked by an independent implementation.
		if py, err := exec.LookPath("python3"); err == nil {
			f := filepath.Join(t.TempDir(), "audit.jsonl")
			os.WriteFile(f, buf.Bytes(), 0o600)
			out, err := exec.Command(py, "../../scripts/verify-audit-export.py", f).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "OK 4 records") {
				t.Fatalf("python verifier: %v: %s", err, out)
			}
			bad := bytes.Replace(buf.Bytes(), []byte("anna.schmidt"), []byte("anna.schmidT"), 1)
			os.WriteFile(f, bad, 0o600)
			if out, err := exec.Command(py, "../../scripts/verify-audit-export.py", f).CombinedOutput(); err == nil {
				t.Fatalf("python verifier accepted tampered export: %s", out)
			}
		}
		// Someone who may not read the trail sees nothing.
		if err := svc.Export(context.Background(), actor.Actor{UserID: 2, Roles: []string{actor.RoleEmployee}}, audit.Filter{}, &buf); err == nil {
			t.Fatal("employee could export the audit trail")
		}
	})
}

func TestListFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		appendN(t, d, 6)
		svc := &audit.Service{DB: d}
		ctx := context.Background()
		a := actor.Actor{UserID: 1, Roles: []string{actor.RoleAdmin}}
		from, to := t0.Add(2*time.Minute), t0.Add(4*time.Minute)
		for _, tc := range []struct {
			name string
			f    audit.Filter
			want []int64
		}{
			{"all", audit.Filter{}, []int64{6, 5, 4, 3, 2, 1}},
			{"limit", audit.Filter{Limit: 2}, []int64{6, 5}},
			{"before", audit.Filter{BeforeSeq: 3}, []int64{2, 1}},
			{"object", audit.Filter{ObjectType: "user", ObjectID: "0"}, []int64{1}},
			{"time range", audit.Filter{From: &from, To: &to}, []int64{4, 3}},
			{"action prefix", audit.Filter{Action: "user."}, []int64{6, 5, 4, 3, 2, 1}},
			{"action prefix no match", audit.Filter{Action: "use_."}, nil},
			{"actor", audit.Filter{Actor: "nobody"}, nil},
		} {
			got, err := svc.List(ctx, a, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var seqs []int64
			for _, r := range got {
				seqs = append(seqs, r.Seq)
			}
			if fmt.Sprint(seqs) != fmt.Sprint(tc.want) {
				t.Errorf("%s: seqs = %v, want %v", tc.name, seqs, tc.want)
			}
		}
	})
}
