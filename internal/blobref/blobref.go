// Package blobref knows which records refer to blobs. Contents are stored
// once per SHA-256 (internal/blob), so a task attachment and a document
// version with equal bytes share one blob: a blob may be deleted only when
// no record of any module refers to it any more, and no transaction that
// adds a reference to it can commit meanwhile.
//
// Modules that add references call Lock in the transaction that inserts
// the record; modules that drop references call Collect after their
// transaction has committed. `ortlos doctor` and `ortlos documents verify`
// read References.
package blobref

import (
	"context"
	"fmt"
	"strconv"

	"ortlos/internal/apperr"
	"ortlos/internal/blob"
	"ortlos/internal/db"
)

// Ref is a table column holding blob digests.
type Ref struct {
	Table  string
	Column string
}

// References lists every column that refers to blobs. A module that
// stores blob digests adds its column here.
var References = []Ref{
	{Table: "task_files", Column: "sha256"},
	{Table: "document_versions", Column: "sha256"},
}

// Lock serialises, on PostgreSQL, the transactions that add or remove
// references to the blob sha (SQLite serialises all writers anyway): a
// blob is deleted only while no upload of the same content can commit a
// new reference.
func Lock(ctx context.Context, tx *db.Tx, sha string) error {
	if tx.Dialect() != db.Postgres || len(sha) < 16 {
		return nil
	}
	key, err := strconv.ParseUint(sha[:16], 16, 64)
	if err != nil {
		return fmt.Errorf("blobref: lock: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(key)); err != nil {
		return fmt.Errorf("blobref: lock: %w", err)
	}
	return nil
}

// Count returns the number of records that refer to the blob sha.
func Count(ctx context.Context, q db.Querier, sha string) (int, error) {
	total := 0
	for _, r := range References {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+r.Table+` WHERE `+r.Column+` = ?`, sha).Scan(&n); err != nil {
			return 0, fmt.Errorf("blobref: count %s: %w", r.Table, err)
		}
		total += n
	}
	return total, nil
}

// Collect deletes the blob sha from store when no record refers to it.
// Call it after the transaction that dropped a reference has committed;
// a failure leaves an orphan that `ortlos doctor` reports.
func Collect(ctx context.Context, d *db.DB, store blob.Store, sha string) error {
	if store == nil || !blob.ValidHash(sha) {
		return nil
	}
	return d.InTx(ctx, func(tx *db.Tx) error {
		if err := Lock(ctx, tx, sha); err != nil {
			return err
		}
		n, err := Count(ctx, tx, sha)
		if err != nil || n > 0 {
			return err
		}
		if err := store.Delete(ctx, sha); err != nil && apperr.KindOf(err) != apperr.NotFound {
			return err
		}
		return nil
	})
}
