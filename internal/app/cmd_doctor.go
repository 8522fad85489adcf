package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/audit"
	"ortlos/internal/blob"
	"ortlos/internal/blobref"
	"ortlos/internal/clock"
	"ortlos/internal/config"
	"ortlos/internal/db"
	"ortlos/internal/document"
	"ortlos/internal/project/rank"
)

// The outcomes of a doctor check. Only fail makes the command exit 1.
const (
	doctorOK   = "ok"
	doctorWarn = "warn"
	doctorFail = "fail"
	doctorSkip = "skip" // could not run: the database is unreachable or not migrated
)

// doctorResult is one line of "ortlos doctor".
type doctorResult struct {
	Check   string `json:"check"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// doctorNeeds says what a check needs before it can run.
type doctorNeeds int

const (
	needNothing doctorNeeds = iota
	needDB                  // a reachable database
	needSchema              // a reachable database without pending migrations
)

// doctorCheck is one named check. run returns the status and a one-line
// message; it may record facts in e for later checks.
type doctorCheck struct {
	name  string
	needs doctorNeeds
	run   func(ctx context.Context, e *doctorEnv) (status, message string)
}

// doctorChecks are the checks in the order they run. A module adds its
// checks here; checks only read.
func doctorChecks() []doctorCheck {
	return []doctorCheck{
		{"database", needNothing, checkDatabase},
		{"migrations", needDB, checkMigrations},
		{"audit_chain", needSchema, checkAuditChain},
		{"task_ranks", needSchema, checkTaskRanks},
		{"task_columns", needSchema, checkTaskColumns},
		{"blobs", needSchema, checkBlobs},
		{"search_index", needSchema, checkSearchIndex},
	}
}

// blobReferences are the queries that return every (sha256, size) a record
// refers to in the blob store: one per column of blobref.References (task
// attachments, document versions), each table with a size column.
func blobReferences() []string {
	var qs []string
	for _, r := range blobref.References {
		qs = append(qs, "SELECT "+r.Column+", size FROM "+r.Table)
	}
	return qs
}

// doctorEnv is what the checks look at.
type doctorEnv struct {
	cfg      config.Config
	db       *db.DB     // set by checkDatabase
	schemaOK bool       // set by checkMigrations
	blobs    blob.Store // nil: a Local store in cfg.BlobDir
}

// doctorMaxListed bounds the ids or hashes named in one message.
const doctorMaxListed = 5

// cmdDoctor implements "ortlos doctor": it checks the installation and
// prints one line per check; it fails when a check fails.
func cmdDoctor(ctx context.Context, args []string, env Env) error {
	f := newAdminFlags("doctor", env)
	var format string
	f.fs.StringVar(&format, "format", "text", "output format: text or json")
	cfg, err := f.config(args, env)
	if err != nil {
		return err
	}
	if format != "text" && format != "json" {
		return usageErr("--format must be text or json")
	}
	e := &doctorEnv{cfg: cfg}
	defer func() {
		if e.db != nil {
			e.db.Close()
		}
	}()
	results := runDoctor(ctx, e, doctorChecks())
	failed := 0
	for _, r := range results {
		if r.Status == doctorFail {
			failed++
		}
	}
	if format == "json" {
		out := struct {
			OK     bool           `json:"ok"`
			Checks []doctorResult `json:"checks"`
		}{failed == 0, results}
		if err := json.NewEncoder(env.Stdout).Encode(out); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			fmt.Fprintf(env.Stdout, "%-4s  %-12s  %s\n", strings.ToUpper(r.Status), r.Check, r.Message)
		}
	}
	if failed > 0 {
		return fmt.Errorf("doctor: %d of %d checks failed", failed, len(results))
	}
	return nil
}

// runDoctor runs the checks in order, skipping those whose needs are not
// met.
func runDoctor(ctx context.Context, e *doctorEnv, checks []doctorCheck) []doctorResult {
	results := make([]doctorResult, 0, len(checks))
	for _, c := range checks {
		r := doctorResult{Check: c.name}
		switch {
		case c.needs >= needDB && e.db == nil:
			r.Status, r.Message = doctorSkip, "the database is not reachable"
		case c.needs >= needSchema && !e.schemaOK:
			r.Status, r.Message = doctorSkip, "the database schema is not current"
		default:
			r.Status, r.Message = c.run(ctx, e)
		}
		results = append(results, r)
	}
	return results
}

// checkDatabase opens the database. A SQLite file that does not exist is a
// failure rather than a new empty database.
func checkDatabase(ctx context.Context, e *doctorEnv) (string, string) {
	if path, ok := strings.CutPrefix(e.cfg.DatabaseURL, "sqlite:"); ok {
		path = strings.TrimPrefix(path, "//")
		if _, err := os.Stat(path); err != nil {
			return doctorFail, fmt.Sprintf("SQLite database %s: %v", path, errors.Unwrap(err))
		}
	}
	d, err := openDB(ctx, e.cfg)
	if err != nil {
		// The error never holds the URL, which may contain a password.
		return doctorFail, "not reachable: " + err.Error()
	}
	e.db = d
	where := "PostgreSQL"
	if d.Dialect() == db.SQLite {
		where = "SQLite " + strings.TrimPrefix(strings.TrimPrefix(e.cfg.DatabaseURL, "sqlite:"), "//")
	}
	return doctorOK, "reachable (" + where + ")"
}

func checkMigrations(ctx context.Context, e *doctorEnv) (string, string) {
	pending, err := e.db.Pending(ctx)
	if err != nil {
		return doctorFail, err.Error()
	}
	if len(pending) > 0 {
		return doctorFail, fmt.Sprintf("%d pending (%s); run ortlos migrate", len(pending), strings.Join(pending, ", "))
	}
	e.schemaOK = true
	all, err := db.Migrations(e.db.Dialect())
	if err != nil {
		return doctorFail, err.Error()
	}
	return doctorOK, fmt.Sprintf("current (%d applied)", len(all))
}

// checkAuditChain verifies the hash chain of the audit trail, as "ortlos
// audit verify" does.
func checkAuditChain(ctx context.Context, e *doctorEnv) (string, string) {
	res, err := audit.Verify(ctx, e.db)
	if err != nil {
		return doctorFail, err.Error()
	}
	if !res.OK {
		return doctorFail, fmt.Sprintf("BROKEN at record %d after checking %d records: %s; see docs/audit.md", res.BrokenSeq, res.Checked, res.Reason)
	}
	return doctorOK, fmt.Sprintf("%d records verified, head %d", res.Checked, res.HeadSeq)
}

// checkTaskRanks checks the card order invariant of internal/project/rank:
// every rank valid and unique in its column (FAIL otherwise); ranks longer
// than rank.MaxLen are a WARN naming the columns worth rebalancing.
func checkTaskRanks(ctx context.Context, e *doctorEnv) (string, string) {
	rows, err := e.db.QueryContext(ctx, "SELECT id, status_id, rank FROM tasks ORDER BY status_id, rank, id")
	if err != nil {
		return doctorFail, err.Error()
	}
	defer rows.Close()
	var (
		tasks, columns int
		invalid, dups  idList
		long           = map[int64]int{} // column -> ranks longer than MaxLen
		longColumns    idList
		prevStatus     int64 = -1
		prevRank       string
		prevID         int64
	)
	for rows.Next() {
		var id, status int64
		var r string
		if err := rows.Scan(&id, &status, &r); err != nil {
			return doctorFail, err.Error()
		}
		tasks++
		if status != prevStatus {
			columns++
		} else if r == prevRank {
			dups.add(fmt.Sprintf("tasks %d and %d in column %d", prevID, id, status))
		}
		switch {
		case !rank.Valid(r):
			invalid.add(fmt.Sprintf("task %d %q", id, r))
		case len(r) > rank.MaxLen:
			if long[status] == 0 {
				longColumns.add("status_id " + strconv.FormatInt(status, 10))
			}
			long[status]++
		}
		prevStatus, prevRank, prevID = status, r, id
	}
	if err := rows.Err(); err != nil {
		return doctorFail, err.Error()
	}
	var problems []string
	if invalid.n > 0 {
		problems = append(problems, invalid.String("invalid rank", "invalid ranks"))
	}
	if dups.n > 0 {
		problems = append(problems, dups.String("duplicate rank", "duplicate ranks"))
	}
	if len(problems) > 0 {
		if longColumns.n > 0 {
			problems = append(problems, longColumns.String("column to rebalance", "columns to rebalance"))
		}
		return doctorFail, strings.Join(problems, "; ")
	}
	if longColumns.n > 0 {
		n := 0
		for _, c := range long {
			n += c
		}
		return doctorWarn, fmt.Sprintf("%d ranks longer than %d characters; %s", n, rank.MaxLen, longColumns.String("column to rebalance", "columns to rebalance"))
	}
	return doctorOK, fmt.Sprintf("%d tasks in %d columns, ranks valid and unique", tasks, columns)
}

// checkTaskColumns finds tasks whose status column belongs to another
// project (or to none).
func checkTaskColumns(ctx context.Context, e *doctorEnv) (string, string) {
	type wrong struct {
		id, project int64
		colProject  *int64
	}
	found, err := db.Query(ctx, e.db, func(s db.Scanner) (wrong, error) {
		var w wrong
		err := s.Scan(&w.id, &w.project, &w.colProject)
		return w, err
	}, `SELECT t.id, t.project_id, s.project_id FROM tasks t LEFT JOIN project_statuses s ON s.id = t.status_id
		WHERE s.id IS NULL OR s.project_id <> t.project_id ORDER BY t.id`)
	if err != nil {
		return doctorFail, err.Error()
	}
	if len(found) == 0 {
		return doctorOK, "every task sits in a column of its own project"
	}
	var l idList
	for _, w := range found {
		if w.colProject == nil {
			l.add(fmt.Sprintf("task %d (project %d) in a missing column", w.id, w.project))
		} else {
			l.add(fmt.Sprintf("task %d (project %d) in a column of project %d", w.id, w.project, *w.colProject))
		}
	}
	return doctorFail, l.String("task in a column of another project", "tasks in a column of another project")
}

// checkSearchIndex reports the full-text index's backlog: documents the
// server's indexer has still to (re)index, and those whose current
// version gave no text. A backlog is normal right after uploads; it only
// shrinks while a server runs (or "ortlos documents reindex").
func checkSearchIndex(ctx context.Context, e *doctorEnv) (string, string) {
	st, err := document.NewService(e.db, clock.Real{}, nil).SearchIndexStatus(ctx)
	if err != nil {
		return doctorFail, err.Error()
	}
	return doctorOK, fmt.Sprintf("%d documents, %d waiting for the indexer, %d without text extraction for their type, %d whose text could not be extracted",
		st.Documents, st.Pending, st.Unsupported, st.Failed)
}

// staleTempAge is the age from which an unfinished upload counts as a
// leftover.
const staleTempAge = time.Hour

// checkBlobs compares the blob store with the records that refer to it:
// a referenced blob that is missing or has another size is a FAIL, a blob
// no record refers to (an orphan) a WARN.
func checkBlobs(ctx context.Context, e *doctorEnv) (string, string) {
	refs := map[string]int64{} // sha256 -> size the records give
	var wrongSize idList
	for _, q := range blobReferences() {
		rows, err := e.db.QueryContext(ctx, q)
		if err != nil {
			return doctorFail, err.Error()
		}
		for rows.Next() {
			var sha string
			var size int64
			if err := rows.Scan(&sha, &size); err != nil {
				rows.Close()
				return doctorFail, err.Error()
			}
			if prev, ok := refs[sha]; ok && prev != size {
				wrongSize.add(fmt.Sprintf("%.12s… recorded as %d and %d bytes", sha, prev, size))
				continue
			}
			refs[sha] = size
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return doctorFail, err.Error()
		}
	}

	store := e.blobs
	var notes []string
	if store == nil && e.cfg.BlobS3() {
		s3, err := newS3Store(e.cfg)
		if err != nil {
			return doctorFail, err.Error()
		}
		if err := s3.Check(ctx); err != nil {
			return doctorFail, fmt.Sprintf("object storage not reachable, %d files are referenced: %v", len(refs), err)
		}
		if n, err := staleUploads(ctx, s3); err != nil {
			return doctorFail, err.Error()
		} else if n > 0 {
			bucket, prefix := s3.Bucket()
			notes = append(notes, fmt.Sprintf("%d unfinished uploads older than %s in bucket %s under %stmp/ or pending (left by a crash; safe to delete, or let a lifecycle rule do it)", n, staleTempAge, bucket, prefix))
		}
		store = s3
	}
	if store == nil {
		if _, err := os.Stat(e.cfg.BlobDir); errors.Is(err, fs.ErrNotExist) {
			if len(refs) == 0 {
				return doctorOK, fmt.Sprintf("no files stored (folder %s not created yet)", e.cfg.BlobDir)
			}
			return doctorFail, fmt.Sprintf("folder %s is missing, %d files are referenced (ORTLOS_BLOB_DIR; volume not mounted?)", e.cfg.BlobDir, len(refs))
		}
		l, err := blob.NewLocal(e.cfg.BlobDir)
		if err != nil {
			return doctorFail, err.Error()
		}
		if n, err := staleTempFiles(l); err != nil {
			return doctorFail, err.Error()
		} else if n > 0 {
			notes = append(notes, fmt.Sprintf("%d unfinished uploads older than %s in %s (left by a crash; safe to delete)", n, staleTempAge, filepath.Join(l.Dir(), "tmp")))
		}
		store = l
	}

	var blobs, orphans int
	var orphanBytes int64
	err := store.List(ctx, func(i blob.Info) error {
		blobs++
		size, ok := refs[i.SHA256]
		if !ok {
			orphans++
			orphanBytes += i.Size
			return nil
		}
		if size != i.Size {
			wrongSize.add(fmt.Sprintf("%.12s… recorded as %d bytes, stored %d", i.SHA256, size, i.Size))
		}
		delete(refs, i.SHA256)
		return nil
	})
	if err != nil {
		return doctorFail, err.Error()
	}
	var missing idList
	for _, sha := range slices.Sorted(maps.Keys(refs)) {
		missing.add(fmt.Sprintf("%.12s…", sha))
	}
	if orphans > 0 {
		notes = append(notes, fmt.Sprintf("%d orphans (%d bytes) that no record refers to", orphans, orphanBytes))
	}
	var problems []string
	if missing.n > 0 {
		problems = append(problems, missing.String("referenced blob missing", "referenced blobs missing"))
	}
	if wrongSize.n > 0 {
		problems = append(problems, wrongSize.String("size mismatch", "size mismatches"))
	}
	switch {
	case len(problems) > 0:
		return doctorFail, strings.Join(append(problems, notes...), "; ")
	case len(notes) > 0:
		return doctorWarn, strings.Join(notes, "; ")
	}
	return doctorOK, fmt.Sprintf("%d blobs, every referenced blob present", blobs)
}

// staleTempFiles counts the unfinished uploads of l older than staleTempAge.
func staleTempFiles(l *blob.Local) (int, error) {
	names, err := l.TempFiles()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, name := range names {
		fi, err := os.Stat(filepath.Join(l.Dir(), "tmp", name))
		if err == nil && time.Since(fi.ModTime()) > staleTempAge {
			n++
		}
	}
	return n, nil
}

// staleUploads counts the unfinished uploads of s older than staleTempAge.
func staleUploads(ctx context.Context, s *blob.S3) (int, error) {
	u, err := s.Unfinished(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, x := range u {
		if time.Since(x.Started) > staleTempAge {
			n++
		}
	}
	return n, nil
}

// idList collects the items of a finding, naming the first few.
type idList struct {
	n     int
	items []string
}

func (l *idList) add(item string) {
	l.n++
	if len(l.items) < doctorMaxListed {
		l.items = append(l.items, item)
	}
}

// String returns "3 invalid ranks: a, b, c" (with "…" when items were
// left out).
func (l idList) String(one, many string) string {
	what := many
	if l.n == 1 {
		what = one
	}
	s := fmt.Sprintf("%d %s: %s", l.n, what, strings.Join(l.items, ", "))
	if l.n > len(l.items) {
		s += fmt.Sprintf(" and %d more", l.n-len(l.items))
	}
	return s
}
