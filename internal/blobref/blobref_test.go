package blobref_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/blob"
	"ortlos/internal/blobref"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// A task attachment and a document version with the same bytes share one
// blob: dropping one reference must keep the blob for the other.
func TestCollectKeepsSharedBlobs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		store, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		info, err := store.Put(ctx, strings.NewReader("Bescheid vom 1. März"))
		if err != nil {
			t.Fatal(err)
		}
		now := db.T(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
		var fileID, versionID int64
		err = d.InTx(ctx, func(tx *db.Tx) error {
			one := func(dst *int64, q string, args ...any) error {
				return tx.QueryRowContext(ctx, q, args...).Scan(dst)
			}
			var project, status, task, folder, doc int64
			steps := []error{
				one(&project, `INSERT INTO projects (name, created_at, updated_at) VALUES ('P', ?, ?) RETURNING id`, now, now),
				one(&status, `INSERT INTO project_statuses (project_id, name, category, position) VALUES (?, 'Offen', 'open', 1) RETURNING id`, project),
				one(&task, `INSERT INTO tasks (project_id, status_id, rank, title, created_at, updated_at) VALUES (?, ?, 'i', 'T', ?, ?) RETURNING id`, project, status, now, now),
				one(&fileID, `INSERT INTO task_files (task_id, sha256, name, mime_type, size, created_at) VALUES (?, ?, 'a.txt', 'text/plain', ?, ?) RETURNING id`, task, info.SHA256, info.Size, now),
				one(&folder, `INSERT INTO doc_folders (kind, reference, title, created_at, updated_at) VALUES ('file', '1', 'Akte', ?, ?) RETURNING id`, now, now),
				one(&doc, `INSERT INTO documents (folder_id, title, created_at, updated_at) VALUES (?, 'Bescheid', ?, ?) RETURNING id`, folder, now, now),
				one(&versionID, `INSERT INTO document_versions (document_id, number, filename, mime_type, size, sha256, created_at) VALUES (?, 1, 'a.txt', 'text/plain', ?, ?, ?) RETURNING id`, doc, info.Size, info.SHA256, now),
			}
			for _, err := range steps {
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := blobref.Count(ctx, d, info.SHA256); err != nil || n != 2 {
			t.Fatalf("Count = %d, %v; want 2", n, err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if err := d.InTx(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}
		exec(`DELETE FROM task_files WHERE id = ?`, fileID)
		if err := blobref.Collect(ctx, d, store, info.SHA256); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Stat(ctx, info.SHA256); err != nil {
			t.Fatalf("the document version's content was deleted with the attachment: %v", err)
		}
		exec(`DELETE FROM document_versions WHERE id = ?`, versionID)
		if err := blobref.Collect(ctx, d, store, info.SHA256); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Stat(ctx, info.SHA256); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("unreferenced blob kept: %v", err)
		}
	})
}
