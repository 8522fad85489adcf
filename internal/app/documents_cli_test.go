package app_test

// "ortlos documents verify": every blob re-hashed, every reference of
// document versions and task attachments checked; and "ortlos doctor"
// counting document versions as references. Against the local folder and
// against S3 (versitygw). "ortlos documents reindex": the search index
// rebuilt, also while a server indexes.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"ortlos/internal/actor"
	"ortlos/internal/app"
	"ortlos/internal/audit"
	"ortlos/internal/blob"
	"ortlos/internal/blob/blobtest"
	"ortlos/internal/blob/s3test"
	"ortlos/internal/config"
	"ortlos/internal/db"
	"ortlos/internal/identity/password"
)

// document inserts a file (Akte) with a document and returns the
// document's id.
func (in *doctorInstance) document(t *testing.T, title string) int64 {
	t.Helper()
	now := db.T(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	folder := in.insertID(t, "INSERT INTO doc_folders (kind, reference, title, created_at, updated_at) VALUES ('file', ?, ?, ?, ?)",
		fmt.Sprintf("000.%d-%d", time.Now().UnixNano(), len(title)), "Akte "+title, now, now)
	return in.insertID(t, "INSERT INTO documents (folder_id, title, created_at, updated_at) VALUES (?, ?, ?, ?)", folder, title, now, now)
}

// version records info as version number of doc, with the given size, and
// returns the version's id.
func (in *doctorInstance) version(t *testing.T, doc int64, number int, info blob.Info) int64 {
	t.Helper()
	now := db.T(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	return in.insertID(t, `INSERT INTO document_versions (document_id, number, filename, mime_type, size, sha256, created_at)
		VALUES (?, ?, 'bescheid.pdf', 'application/pdf', ?, ?, ?)`, doc, number, info.Size, info.SHA256, now)
}

type verifyOutput struct {
	OK             bool   `json:"ok"`
	Blobs          int    `json:"blobs"`
	Bytes          int64  `json:"bytes"`
	References     int    `json:"references"`
	Orphans        int    `json:"orphans"`
	Missing        int    `json:"missing"`
	Corrupt        int    `json:"corrupt"`
	SizeMismatches int    `json:"size_mismatches"`
	Store          string `json:"store"`
	Findings       []struct {
		Code          string             `json:"code"`
		SHA256        string             `json:"sha256"`
		StoredSize    *int64             `json:"stored_size"`
		RecordedSizes []int64            `json:"recorded_sizes"`
		ContentSHA256 string             `json:"content_sha256"`
		Records       map[string][]int64 `json:"records"`
	} `json:"findings"`
}

// verify runs "ortlos documents verify" in both formats and checks the exit
// code; it returns the text output and the parsed JSON.
func (in *doctorInstance) verify(t *testing.T, wantCode int) (string, verifyOutput) {
	t.Helper()
	text := runCLI(t, in.dir, in.env, "", "documents", "verify")
	text.wantCode(t, wantCode, "documents", "verify")
	r := runCLI(t, in.dir, in.env, "", "documents", "verify", "-json", "-jobs", "3")
	r.wantCode(t, wantCode, "documents", "verify", "-json")
	var out verifyOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("documents verify -json printed %q: %v", r.stdout, err)
	}
	if out.OK != (wantCode == 0) || (wantCode != 0 && !strings.Contains(r.stderr, "findings")) {
		t.Errorf("documents verify -json: ok %v, exit %d, stderr %q", out.OK, wantCode, r.stderr)
	}
	return text.stdout, out
}

// wantLine fails unless out has a line starting with prefix and containing
// every one of parts.
func wantLine(t *testing.T, out, prefix string, parts ...string) {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		for _, p := range parts {
			if !strings.Contains(l, p) {
				t.Errorf("line %q lacks %q", l, p)
			}
		}
		return
	}
	t.Errorf("no line starting with %q in\n%s", prefix, out)
}

// verifyScenario stores blobs through put, refers to them from document
// versions and a task attachment, then damages one (corrupt), removes one
// (remove) and records wrong sizes, and checks what "documents verify" and
// "doctor" report.
func verifyScenario(t *testing.T, in *doctorInstance, store blob.Store, corrupt, remove func(sha string)) {
	ctx := context.Background()
	put := func(content string) blob.Info {
		t.Helper()
		info, err := store.Put(ctx, strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	// Contents sorted so that the findings come out in a known order is
	// not needed: findings are sorted by digest.
	shared := put("Bescheid über die Baugenehmigung")
	damaged := put(strings.Repeat("Haushaltsplan 2027 ", 200))
	removed := put("Protokoll der Ratssitzung")
	resized := put("Stellungnahme des Bauamts")
	put("verwaist: kein Datensatz verweist hierauf")
	never := blob.Info{SHA256: blobtest.Hash([]byte("nie gespeichert")), Size: 15}

	doc := in.document(t, "Baugenehmigung Kastanienallee 17")
	in.version(t, doc, 1, shared)
	v2 := in.version(t, doc, 2, damaged)
	doc2 := in.document(t, "Ratssitzung")
	v3 := in.version(t, doc2, 1, removed)
	v4 := in.version(t, doc2, 2, blob.Info{SHA256: resized.SHA256, Size: resized.Size + 1})
	in.version(t, doc2, 3, resized)
	doc3 := in.document(t, "Verloren")
	v6 := in.version(t, doc3, 1, never)
	v7 := in.version(t, doc3, 2, never)
	p, todo, _ := in.project(t, "Bauamt")
	task := in.task(t, p, todo, "i")
	in.refer(t, task, shared) // a task attachment with the same bytes as version 1

	// Before the damage: only the never stored blob and the wrong size.
	text, out := in.verify(t, 1)
	if out.Blobs != 5 || out.References != 8 || out.Orphans != 1 || out.Missing != 1 || out.SizeMismatches != 1 || out.Corrupt != 0 {
		t.Errorf("before the damage: %+v\n%s", out, text)
	}
	wantLine(t, text, "BLOB_MISSING "+never.SHA256, "recorded 15 bytes", fmt.Sprintf("document_versions %d, %d", v6, v7))
	wantLine(t, text, "BLOB_SIZE_MISMATCH "+resized.SHA256, fmt.Sprintf("stored %d bytes, recorded %d bytes", resized.Size, resized.Size+1),
		fmt.Sprintf("document_versions %d", v4))
	wantLine(t, text, "FAILED: 5 blobs", "8 references checked: 1 missing, 0 corrupt, 1 size mismatches; 1 orphans")

	// The doctor counts document versions as references: the shared blob
	// and the intact versions are no orphans; the missing and the wrong
	// size fail.
	status, message := in.doctor(t, 1)
	wantDoctor(t, status, message, "blobs", "fail", "1 referenced blob missing: "+never.SHA256[:12])
	wantDoctor(t, status, message, "blobs", "fail", "recorded as")
	wantDoctor(t, status, message, "blobs", "fail", "1 orphans (")

	corrupt(damaged.SHA256)
	remove(removed.SHA256)
	text, out = in.verify(t, 1)
	if out.Blobs != 4 || out.References != 8 || out.Missing != 2 || out.Corrupt != 1 || out.SizeMismatches != 1 || len(out.Findings) != 4 {
		t.Errorf("after the damage: %+v\n%s", out, text)
	}
	wantLine(t, text, "BLOB_CORRUPT "+damaged.SHA256, "content altered", fmt.Sprintf("document_versions %d", v2))
	wantLine(t, text, "BLOB_MISSING "+removed.SHA256, fmt.Sprintf("document_versions %d", v3))
	wantLine(t, text, "FAILED: 4 blobs", "2 missing, 1 corrupt, 1 size mismatches")
	for _, f := range out.Findings {
		switch f.SHA256 {
		case damaged.SHA256:
			if f.Code != "BLOB_CORRUPT" || f.ContentSHA256 == "" || f.ContentSHA256 == damaged.SHA256 || f.StoredSize == nil || *f.StoredSize != damaged.Size ||
				fmt.Sprint(f.Records) != fmt.Sprintf("map[document_versions:[%d]]", v2) {
				t.Errorf("corrupt finding %+v", f)
			}
		case never.SHA256:
			if f.Code != "BLOB_MISSING" || fmt.Sprint(f.Records) != fmt.Sprintf("map[document_versions:[%d %d]]", v6, v7) || fmt.Sprint(f.RecordedSizes) != "[15]" {
				t.Errorf("missing finding %+v", f)
			}
		}
	}
	// A damaged blob is a finding even when no record refers to it any
	// more; an orphan is none. Without the broken references and the
	// damaged blob, the rest (a blob shared by a document version and a
	// task attachment) verifies clean.
	in.exec(t, "DELETE FROM document_versions WHERE id IN (?, ?, ?, ?, ?)", v2, v3, v4, v6, v7)
	text, out = in.verify(t, 1)
	if out.Corrupt != 1 || len(out.Findings) != 1 {
		t.Errorf("damaged orphan: %+v\n%s", out, text)
	}
	wantLine(t, text, "BLOB_CORRUPT "+damaged.SHA256, "no records (orphan)")
	if err := store.Delete(ctx, damaged.SHA256); err != nil {
		t.Fatal(err)
	}
	text, out = in.verify(t, 0)
	if !out.OK || out.Blobs != 3 || out.References != 3 || out.Orphans != 1 || len(out.Findings) != 0 {
		t.Errorf("after cleaning up: %+v\n%s", out, text)
	}
	if !strings.HasPrefix(text, "OK: 3 blobs") || strings.Count(text, "\n") != 1 {
		t.Errorf("clean verify printed\n%s", text)
	}
}

func TestDocumentsVerifyLocal(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			in := newDoctorInstance(t, dialect)
			verifyScenario(t, in, in.blobs, func(sha string) {
				p := in.blobs.Path(sha)
				if err := os.Chmod(p, 0o600); err != nil {
					t.Fatal(err)
				}
				f, err := os.OpenFile(p, os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if _, err := f.WriteAt([]byte("X"), 100); err != nil {
					t.Fatal(err)
				}
			}, func(sha string) {
				if err := os.Remove(in.blobs.Path(sha)); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}

func TestDocumentsVerifyS3(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	in := newDoctorInstance(t, db.SQLite)
	bucket := srv.NewBucket(t)
	for k, v := range srv.Env(bucket, "stadt/akten") {
		in.env[k] = v
	}
	o := srv.Options(bucket, "stadt/akten")
	store, err := blob.NewS3(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := srv.Client()
	verifyScenario(t, in, store, func(sha string) {
		obj, err := c.GetObject(ctx, bucket, store.Key(sha), minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(obj)
		obj.Close()
		if err != nil {
			t.Fatal(err)
		}
		b[100] = 'X'
		if _, err := c.PutObject(ctx, bucket, store.Key(sha), bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}, func(sha string) {
		if err := c.RemoveObject(ctx, bucket, store.Key(sha), minio.RemoveObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	// The local folder played no part.
	if entries, _ := os.ReadDir(in.blobs.Dir()); len(entries) > 1 {
		t.Errorf("blob folder used with S3 configured: %v", entries)
	}

	// A leftover of a crashed upload is a warning; an unreachable bucket
	// fails the blobs check, and verify stops with an error.
	if _, err := c.PutObject(ctx, bucket, "stadt/akten/tmp/put-crashed", strings.NewReader("halb"), 4, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	status, message := in.doctor(t, 0)
	if status["blobs"] != "warn" || !strings.Contains(message["blobs"], "1 orphans") {
		t.Errorf("doctor blobs: %s %q", status["blobs"], message["blobs"])
	}
	in.env["ORTLOS_BLOB_S3_BUCKET"] = "kein-solcher-bucket"
	status, message = in.doctor(t, 1)
	wantDoctor(t, status, message, "blobs", "fail", "object storage not reachable")
	r := runCLI(t, in.dir, in.env, "", "documents", "verify")
	r.wantCode(t, 1, "documents", "verify")
	if !strings.Contains(r.stderr, "kein-solcher-bucket does not exist") {
		t.Errorf("verify with a missing bucket: stderr %q", r.stderr)
	}
}

// TestDocumentsVerifyEmpty covers an installation without files and one
// whose blob folder is missing (volume not mounted), plus usage errors.
func TestDocumentsVerifyEmpty(t *testing.T) {
	t.Parallel()
	in := newDoctorInstance(t, db.SQLite)
	text, out := in.verify(t, 0)
	if !out.OK || out.Blobs != 0 || out.References != 0 || !strings.HasPrefix(text, "OK: 0 blobs") {
		t.Errorf("empty: %+v\n%s", out, text)
	}
	doc := in.document(t, "Bescheid")
	info, err := in.blobs.Put(context.Background(), strings.NewReader("Bescheid"))
	if err != nil {
		t.Fatal(err)
	}
	v := in.version(t, doc, 1, info)
	if err := os.RemoveAll(in.blobs.Dir()); err != nil {
		t.Fatal(err)
	}
	text, out = in.verify(t, 1)
	if out.Missing != 1 || !strings.Contains(out.Store, "(missing)") {
		t.Errorf("missing folder: %+v", out)
	}
	wantLine(t, text, "BLOB_MISSING "+info.SHA256, fmt.Sprintf("document_versions %d", v))
	if _, err := os.Stat(in.blobs.Dir()); err == nil {
		t.Error("documents verify created the blob folder")
	}

	runCLI(t, in.dir, in.env, "", "documents").wantCode(t, 2, "documents")
	runCLI(t, in.dir, in.env, "", "documents", "check").wantCode(t, 2, "documents", "check")
	runCLI(t, in.dir, in.env, "", "documents", "verify", "-jobs", "0").wantCode(t, 2, "documents", "verify", "-jobs", "0")
	runCLI(t, in.dir, in.env, "", "documents", "verify", "extra").wantCode(t, 2, "documents", "verify", "extra")
}

// TestDocumentsVerifyManyReferences checks the paging of the references
// (pages of three records in tests): many versions of one content span
// pages, digests interleave between the two tables.
func TestDocumentsVerifyManyReferences(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			in := newDoctorInstance(t, dialect)
			ctx := context.Background()
			doc := in.document(t, "Sammelakte")
			p, todo, _ := in.project(t, "Sammlung")
			task := in.task(t, p, todo, "i")
			n := 0
			var missing []string
			for i := range 12 {
				info, err := in.blobs.Put(ctx, strings.NewReader(fmt.Sprintf("Schriftstück %d", i)))
				if err != nil {
					t.Fatal(err)
				}
				copies := 1 + i%4*2 // up to 7 versions of one content
				for range copies {
					n++
					in.version(t, doc, n, info)
				}
				if i%3 == 0 {
					in.refer(t, task, info)
				}
				if i%5 == 0 {
					if err := in.blobs.Delete(ctx, info.SHA256); err != nil {
						t.Fatal(err)
					}
					missing = append(missing, info.SHA256)
				}
			}
			text, out := in.verify(t, 1)
			if out.Missing != len(missing) || out.Blobs != 12-len(missing) || out.References != n+4 || out.SizeMismatches+out.Corrupt+out.Orphans != 0 {
				t.Errorf("%+v\n%s", out, text)
			}
			for _, sha := range missing {
				wantLine(t, text, "BLOB_MISSING "+sha)
			}
		})
	}
}

// TestBlobStoreS3 checks the wiring: with ORTLOS_BLOB_S3_* set, the server
// keeps file contents in the bucket (not in the folder), and refuses to
// start when the bucket does not answer.
func TestBlobStoreS3(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	dir := t.TempDir()
	bucket := srv.NewBucket(t)
	env := srv.Env(bucket, "ortlos")
	env["ORTLOS_DATA_DIR"] = dir
	cfg, _, err := config.Load("test", nil, func(k string) string { return env[k] }, os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m := &app.Main{Config: cfg, HashParams: &password.MinParams}
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s3, ok := m.Blobs.(*blob.S3)
	if !ok {
		t.Fatalf("blob store %T, want *blob.S3", m.Blobs)
	}
	info, err := m.Blobs.Put(ctx, strings.NewReader("Bauantrag"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client().StatObject(ctx, bucket, "ortlos/"+info.SHA256[:2]+"/"+info.SHA256, minio.StatObjectOptions{}); err != nil {
		t.Errorf("blob not in the bucket: %v", err)
	}
	if b, p := s3.Bucket(); b != bucket || p != "ortlos/" {
		t.Errorf("Bucket() = %q, %q", b, p)
	}
	if _, err := os.Stat(cfg.BlobDir); err == nil {
		t.Errorf("the blob folder %s was created with S3 configured", cfg.BlobDir)
	}

	cfg.BlobS3Bucket = "kein-solcher-bucket"
	m2 := &app.Main{Config: cfg, HashParams: &password.MinParams}
	err = m2.Open(ctx)
	m2.Close()
	if err == nil || !strings.Contains(err.Error(), "kein-solcher-bucket does not exist") {
		t.Errorf("Open with a missing bucket = %v", err)
	}
}

// indexedDocument inserts a document whose current version has content of
// type mimeType, stored in the blob store; without content it has no
// version.
func (in *doctorInstance) indexedDocument(t *testing.T, title, mimeType, content string) int64 {
	t.Helper()
	doc := in.document(t, title)
	if content == "" {
		return doc
	}
	info, err := in.blobs.Put(context.Background(), strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	in.insertID(t, `INSERT INTO document_versions (document_id, number, filename, mime_type, size, sha256, created_at)
		VALUES (?, 1, 'inhalt', ?, ?, ?, ?)`, doc, mimeType, info.Size, info.SHA256, db.T(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)))
	in.exec(t, "UPDATE documents SET current_version = 1 WHERE id = ?", doc)
	return doc
}

// searchState is a document's row of document_search_state.
type searchState struct {
	stale     bool
	content   string
	textBytes int
}

func (in *doctorInstance) searchState(t *testing.T, doc int64) searchState {
	t.Helper()
	var s searchState
	err := in.db.QueryRowContext(context.Background(), `SELECT gen <> indexed_gen, content, text_bytes FROM document_search_state WHERE document_id = ?`, doc).
		Scan(&s.stale, &s.content, &s.textBytes)
	if err != nil {
		t.Fatalf("search state of %d: %v", doc, err)
	}
	return s
}

// count returns the single number query answers.
func (in *doctorInstance) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := in.db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// reindexAudit returns the details of the search.reindex audit records,
// oldest first, and checks that the command line wrote them.
func (in *doctorInstance) reindexAudit(t *testing.T) []string {
	t.Helper()
	recs, err := (&audit.Service{DB: in.db}).List(context.Background(), actor.CLI(), audit.Filter{Action: "search.reindex", Limit: audit.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(recs, func(a, b audit.Record) int { return cmp.Compare(a.Seq, b.Seq) })
	var out []string
	for _, r := range recs {
		if r.Actor != "cli" || r.ObjectType != "search_index" {
			t.Errorf("audit record %+v", r)
		}
		out = append(out, r.Detail)
	}
	return out
}

// TestDocumentsReindex covers "ortlos documents reindex": every entry
// marked stale and rebuilt with progress in counts, -mark-only leaving the
// work to the server's indexer, missing content counted (not an error), a
// missing blob folder refused before anything is marked, and the audit
// record of each run.
func TestDocumentsReindex(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			in := newDoctorInstance(t, dialect)
			const secret = "Kastanienallee"
			texts := map[int64]string{}
			for i := range 5 {
				text := fmt.Sprintf("Vermerk %d zur Sanierung der %s\n", i, secret)
				texts[in.indexedDocument(t, fmt.Sprintf("Vermerk %d", i), "text/plain", text)] = text
			}
			photo := in.indexedDocument(t, "Foto", "image/png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
			empty := in.indexedDocument(t, "Leer", "", "")
			if n := in.count(t, "SELECT count(*) FROM document_search_state WHERE gen <> indexed_gen"); n != 7 {
				t.Fatalf("%d entries pending before the run, want 7", n)
			}

			r := runCLI(t, in.dir, in.env, "", "documents", "reindex", "-batch", "3")
			r.wantCode(t, 0, "documents", "reindex")
			wantLine(t, r.stdout, "marked 7 index entries stale")
			wantLine(t, r.stdout, "indexed 3 entries; 4 of 7 pending")
			wantLine(t, r.stdout, "indexed 6 entries; 1 of 7 pending")
			wantLine(t, r.stdout, "OK: 7 entries indexed", "7 documents, 0 pending, 1 without text extraction for their type, 0 failed")
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("the output shows document content:\n%s\n%s", r.stdout, r.stderr)
			}
			for doc, text := range texts {
				if s := in.searchState(t, doc); s.stale || s.content != "text" || s.textBytes < len(text)-1 {
					t.Errorf("document %d: %+v", doc, s)
				}
			}
			if s := in.searchState(t, photo); s.stale || s.content != "unsupported" {
				t.Errorf("photo: %+v", s)
			}
			if s := in.searchState(t, empty); s.stale || s.content != "none" {
				t.Errorf("document without version: %+v", s)
			}
			if n := in.count(t, "SELECT count(*) FROM document_search"); n != 7 {
				t.Errorf("%d index entries, want 7", n)
			}

			// -mark-only leaves the rebuild to the server's indexer.
			r = runCLI(t, in.dir, in.env, "", "documents", "reindex", "-mark-only")
			r.wantCode(t, 0, "documents", "reindex", "-mark-only")
			wantLine(t, r.stdout, "marked 7 index entries stale")
			if strings.Contains(r.stdout, "OK:") {
				t.Errorf("-mark-only indexed:\n%s", r.stdout)
			}
			if n := in.count(t, "SELECT count(*) FROM document_search_state WHERE gen <> indexed_gen"); n != 7 {
				t.Errorf("%d entries pending after -mark-only, want 7", n)
			}

			// Missing content is counted and logged by document id; the run
			// succeeds.
			var sha string
			for doc := range texts {
				if err := in.db.QueryRowContext(context.Background(), "SELECT sha256 FROM document_versions WHERE document_id = ?", doc).Scan(&sha); err != nil {
					t.Fatal(err)
				}
				break
			}
			if err := in.blobs.Delete(context.Background(), sha); err != nil {
				t.Fatal(err)
			}
			r = runCLI(t, in.dir, in.env, "", "documents", "reindex")
			r.wantCode(t, 0, "documents", "reindex")
			wantLine(t, r.stdout, "OK: 7 entries indexed", "0 pending, 1 without text extraction for their type, 1 failed")
			if !strings.Contains(r.stderr, "content missing") || strings.Contains(r.stderr, secret) {
				t.Errorf("log of the missing content: %q", r.stderr)
			}

			// A missing blob folder (volume not mounted) is refused before
			// anything is marked.
			if err := os.Rename(in.blobs.Dir(), in.blobs.Dir()+".weg"); err != nil {
				t.Fatal(err)
			}
			r = runCLI(t, in.dir, in.env, "", "documents", "reindex")
			r.wantCode(t, 1, "documents", "reindex")
			if !strings.Contains(r.stderr, "volume not mounted") {
				t.Errorf("missing blob folder: %q", r.stderr)
			}
			if n := in.count(t, "SELECT count(*) FROM document_search_state WHERE gen <> indexed_gen"); n != 0 {
				t.Errorf("%d entries marked although the blob folder is missing", n)
			}
			if err := os.Rename(in.blobs.Dir()+".weg", in.blobs.Dir()); err != nil {
				t.Fatal(err)
			}

			// Each run that marked is audited, with figures only.
			want := []string{`{"mark_only":false,"marked":7,"via":"cli"}`, `{"mark_only":true,"marked":7,"via":"cli"}`, `{"mark_only":false,"marked":7,"via":"cli"}`}
			if got := in.reindexAudit(t); !slices.Equal(got, want) {
				t.Errorf("audit details %q, want %q", got, want)
			}
			if dialect == db.SQLite {
				runCLI(t, in.dir, in.env, "", "audit", "verify").wantCode(t, 0, "audit", "verify")
				runCLI(t, in.dir, in.env, "", "documents", "reindex", "extra").wantCode(t, 2, "documents", "reindex", "extra")
				runCLI(t, in.dir, in.env, "", "documents", "reindex", "-batch", "0").wantCode(t, 2, "documents", "reindex", "-batch", "0")
			}
		})
	}
}

// TestDocumentsReindexWhileServing runs the command twice while a server's
// indexer works on the same database (as an instance of ortlos serve
// does): they index the same entries at once, and afterwards every entry
// is current, once.
func TestDocumentsReindexWhileServing(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			in := newDoctorInstance(t, dialect)
			const docs = 60
			for i := range docs {
				in.indexedDocument(t, fmt.Sprintf("Bescheid %d", i), "text/markdown", fmt.Sprintf("# Bescheid %d\n\nüber die Baugenehmigung\n", i))
			}
			env := map[string]string{"ORTLOS_DATA_DIR": in.dir}
			maps.Copy(env, in.env)
			cfg, _, err := config.Load("test", nil, func(k string) string { return env[k] }, os.ReadFile)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			m := &app.Main{Config: cfg, HashParams: &password.MinParams}
			if err := m.Open(ctx); err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			// The server's indexer, without its pause between runs.
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			for range 2 {
				wg.Go(func() {
					for ctx.Err() == nil {
						if _, err := m.Document.IndexPending(ctx, 7); err != nil && ctx.Err() == nil {
							errs <- err
							return
						}
					}
				})
			}
			for range 2 {
				r := runCLI(t, in.dir, in.env, "", "documents", "reindex", "-batch", "5")
				r.wantCode(t, 0, "documents", "reindex")
				wantLine(t, r.stdout, fmt.Sprintf("marked %d index entries stale", docs))
			}
			cancel()
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("server's indexer: %v", err)
			}
			// What is still pending (changed while the command read it) the
			// server takes next.
			for {
				n, err := m.Document.IndexPending(context.Background(), 100)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
			}
			if n := in.count(t, "SELECT count(*) FROM document_search_state WHERE gen <> indexed_gen OR content <> 'text'"); n != 0 {
				t.Errorf("%d entries not current", n)
			}
			if n := in.count(t, "SELECT count(*) FROM document_search"); n != docs {
				t.Errorf("%d index entries, want %d", n, docs)
			}
		})
	}
}
