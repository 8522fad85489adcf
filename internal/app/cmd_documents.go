package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/blob"
	"ortlos/internal/blobref"
	"ortlos/internal/clock"
	"ortlos/internal/config"
	"ortlos/internal/db"
	"ortlos/internal/document"
)

// cmdDocuments implements "ortlos documents verify|reindex".
func cmdDocuments(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		return usageErr("documents needs a sub-command: verify or reindex")
	}
	switch args[0] {
	case "verify":
		return cmdDocumentsVerify(ctx, args[1:], env)
	case "reindex":
		return cmdDocumentsReindex(ctx, args[1:], env)
	default:
		return usageErr("unknown documents sub-command %q", args[0])
	}
}

// The finding codes of "ortlos documents verify"; they are a contract for
// scripts and monitoring.
const (
	findingMissing      = "BLOB_MISSING"       // a record refers to a blob that is not stored
	findingCorrupt      = "BLOB_CORRUPT"       // the content does not hash to the blob's name
	findingSizeMismatch = "BLOB_SIZE_MISMATCH" // a record gives another size than the stored blob has
)

// verifyFinding is one problem found by "ortlos documents verify".
type verifyFinding struct {
	Code   string `json:"code"`
	SHA256 string `json:"sha256"`
	// StoredSize is the size in the store (corrupt, size mismatch).
	StoredSize *int64 `json:"stored_size,omitempty"`
	// RecordedSizes are the sizes the referencing records give (missing,
	// size mismatch).
	RecordedSizes []int64 `json:"recorded_sizes,omitempty"`
	// ContentSHA256 is what the stored content hashes to (corrupt).
	ContentSHA256 string `json:"content_sha256,omitempty"`
	// Records are the ids of the referencing records by table
	// (document_versions, task_files); those with another size only, for a
	// size mismatch.
	Records map[string][]int64 `json:"records"`
}

// verifyReport is the result of "ortlos documents verify".
type verifyReport struct {
	OK             bool            `json:"ok"`
	Blobs          int             `json:"blobs"`      // blobs re-hashed
	Bytes          int64           `json:"bytes"`      // their bytes
	References     int             `json:"references"` // records checked
	Orphans        int             `json:"orphans"`    // blobs no record refers to (see ortlos doctor)
	Missing        int             `json:"missing"`
	Corrupt        int             `json:"corrupt"`
	SizeMismatches int             `json:"size_mismatches"`
	Seconds        float64         `json:"seconds"`
	Store          string          `json:"store"`
	Findings       []verifyFinding `json:"findings"`
}

// cmdDocumentsVerify re-hashes every blob of the configured store and checks
// every blob reference of the records (document versions, task
// attachments): one line per finding, a summary, exit code 1 when anything
// was found. It only reads: no data changes, nothing is audited.
func cmdDocumentsVerify(ctx context.Context, args []string, env Env) error {
	f := newAdminFlags("documents verify", env)
	var asJSON bool
	var jobs int
	f.fs.BoolVar(&asJSON, "json", false, "print the report as one JSON document")
	f.fs.IntVar(&jobs, "jobs", 2, "blobs re-hashed at the same time (1 to 32; more helps with object storage)")
	cfg, err := f.config(args, env)
	if err != nil {
		return err
	}
	if jobs < 1 || jobs > 32 {
		return usageErr("-jobs must be between 1 and 32")
	}
	d, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	if pending, err := d.Pending(ctx); err != nil || len(pending) > 0 {
		return fmt.Errorf("the database schema is not current; run ortlos migrate first")
	}
	store, where, err := verifyStore(ctx, cfg)
	if err != nil {
		return err
	}
	start := time.Now()
	rep, err := verifyBlobs(ctx, d, store, jobs)
	if err != nil {
		return err
	}
	rep.Seconds = time.Since(start).Seconds()
	rep.Store = where
	if asJSON {
		if rep.Findings == nil {
			rep.Findings = []verifyFinding{}
		}
		if err := json.NewEncoder(env.Stdout).Encode(rep); err != nil {
			return err
		}
	} else {
		writeVerifyReport(env.Stdout, rep)
	}
	if n := len(rep.Findings); n > 0 {
		return fmt.Errorf("documents verify: %d findings", n)
	}
	return nil
}

// verifyStore opens the configured blob store without creating anything: a
// missing local folder is an empty store, so that every reference shows as
// missing.
func verifyStore(ctx context.Context, cfg config.Config) (blob.Store, string, error) {
	if cfg.BlobS3() {
		s, err := openBlobs(ctx, cfg)
		if err != nil {
			return nil, "", err
		}
		bucket, prefix := s.(*blob.S3).Bucket()
		return s, fmt.Sprintf("s3://%s/%s (%s)", bucket, prefix, cfg.BlobS3Endpoint), nil
	}
	if _, err := os.Stat(cfg.BlobDir); errors.Is(err, fs.ErrNotExist) {
		return emptyStore{}, cfg.BlobDir + " (missing)", nil
	}
	l, err := blob.NewLocal(cfg.BlobDir)
	if err != nil {
		return nil, "", err
	}
	return l, l.Dir(), nil
}

// emptyStore is a store without blobs.
type emptyStore struct{}

func (emptyStore) Put(context.Context, io.Reader) (blob.Info, error) {
	return blob.Info{}, errors.New("blob: the store is missing")
}
func (emptyStore) Open(_ context.Context, sha string) (io.ReadSeekCloser, blob.Info, error) {
	return nil, blob.Info{}, apperr.NotFoundf("blob_not_found", "blob %s not found", sha)
}
func (emptyStore) Stat(_ context.Context, sha string) (blob.Info, error) {
	return blob.Info{}, apperr.NotFoundf("blob_not_found", "blob %s not found", sha)
}
func (emptyStore) Delete(_ context.Context, sha string) error {
	return apperr.NotFoundf("blob_not_found", "blob %s not found", sha)
}
func (emptyStore) List(context.Context, func(blob.Info) error) error { return nil }

// blobRecord is one record that refers to a blob.
type blobRecord struct {
	sha   string
	size  int64
	table string
	id    int64
}

// verifyBlobs walks the store (ascending digests) and the references of
// every table in blobref.References (ascending digests too, read in pages)
// side by side, so that memory stays small for any number of blobs and
// records; the re-hashing runs in jobs goroutines.
func verifyBlobs(ctx context.Context, d *db.DB, store blob.Store, jobs int) (*verifyReport, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	rep := &verifyReport{}
	refs, err := newRefMerge(ctx, d)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex // guards rep
	add := func(f verifyFinding) {
		mu.Lock()
		defer mu.Unlock()
		rep.Findings = append(rep.Findings, f)
		switch f.Code {
		case findingMissing:
			rep.Missing++
		case findingCorrupt:
			rep.Corrupt++
		case findingSizeMismatch:
			rep.SizeMismatches++
		}
	}
	missing := func(group []blobRecord) {
		f := verifyFinding{Code: findingMissing, SHA256: group[0].sha, Records: recordIDs(group)}
		for _, r := range group {
			if !slices.Contains(f.RecordedSizes, r.size) {
				f.RecordedSizes = append(f.RecordedSizes, r.size)
			}
		}
		add(f)
	}

	type job struct {
		info  blob.Info
		group []blobRecord
	}
	work := make(chan job)
	var wg sync.WaitGroup
	for range jobs {
		wg.Go(func() {
			for j := range work {
				got, err := blob.Verify(ctx, store, j.info.SHA256)
				switch {
				case err == nil:
				case errors.Is(err, blob.ErrCorrupt):
					size := j.info.Size
					add(verifyFinding{Code: findingCorrupt, SHA256: j.info.SHA256, StoredSize: &size,
						ContentSHA256: got.SHA256, Records: recordIDs(j.group)})
				case apperr.KindOf(err) == apperr.NotFound:
					// Deleted since it was listed: a problem only when
					// records still refer to it.
					if len(j.group) > 0 {
						missing(j.group)
					}
				default:
					cancel(fmt.Errorf("verify blob %s: %w", j.info.SHA256, err))
				}
			}
		})
	}

	prev := ""
	err = store.List(ctx, func(info blob.Info) error {
		if info.SHA256 <= prev {
			return fmt.Errorf("the blob store listed %s after %s (not in ascending order)", info.SHA256, prev)
		}
		prev = info.SHA256
		// References to blobs before this one: those are missing.
		for {
			group, err := refs.nextBefore(info.SHA256)
			if err != nil {
				return err
			}
			if group == nil {
				break
			}
			rep.References += len(group)
			missing(group)
		}
		group, err := refs.take(info.SHA256)
		if err != nil {
			return err
		}
		rep.References += len(group)
		rep.Blobs++
		rep.Bytes += info.Size
		if len(group) == 0 {
			rep.Orphans++
		}
		var wrong []blobRecord
		for _, r := range group {
			if r.size != info.Size {
				wrong = append(wrong, r)
			}
		}
		if len(wrong) > 0 {
			f := verifyFinding{Code: findingSizeMismatch, SHA256: info.SHA256, StoredSize: &info.Size, Records: recordIDs(wrong)}
			for _, r := range wrong {
				if !slices.Contains(f.RecordedSizes, r.size) {
					f.RecordedSizes = append(f.RecordedSizes, r.size)
				}
			}
			add(f)
		}
		select {
		case work <- job{info, group}:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	})
	close(work)
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil {
		return nil, cause
	}
	if err != nil {
		return nil, err
	}
	// References past the last blob.
	for {
		group, err := refs.nextBefore("")
		if err != nil {
			return nil, err
		}
		if group == nil {
			break
		}
		rep.References += len(group)
		missing(group)
	}
	slices.SortFunc(rep.Findings, func(a, b verifyFinding) int {
		if c := strings.Compare(a.SHA256, b.SHA256); c != 0 {
			return c
		}
		return strings.Compare(a.Code, b.Code)
	})
	rep.OK = len(rep.Findings) == 0
	return rep, nil
}

// recordIDs groups the ids of records by table, ids ascending.
func recordIDs(group []blobRecord) map[string][]int64 {
	out := map[string][]int64{}
	for _, r := range group {
		out[r.table] = append(out[r.table], r.id)
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out
}

// refPageSize is the number of records read per query (a variable for the
// tests, which make pages small).
var refPageSize = 2000

// refStream reads the records of one table that refer to blobs, in
// ascending order of the digest, a page at a time: each query is short, so
// that verifying a large store holds no transaction open for long.
type refStream struct {
	ctx   context.Context
	d     *db.DB
	ref   blobref.Ref
	after string       // the digest the next page starts after
	page  []blobRecord // records read and not yet taken
	done  bool         // the table has no records after the page
}

// query returns the table's records whose digest compares to arg by op
// ("> ?" or "= ?"), ordered by digest and id, at most limit (0: all).
func (s *refStream) query(op string, arg string, limit int) ([]blobRecord, error) {
	table, col := s.ref.Table, s.ref.Column
	q := "SELECT " + col + ", size, id FROM " + table + " WHERE " + col + " " + op + " ORDER BY " + col + ", id"
	if limit > 0 {
		q += " LIMIT " + strconv.Itoa(limit)
	}
	rows, err := db.Query(s.ctx, s.d, func(sc db.Scanner) (blobRecord, error) {
		r := blobRecord{table: table}
		err := sc.Scan(&r.sha, &r.size, &r.id)
		return r, err
	}, q, arg)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	return rows, nil
}

// peek returns the digest of the next record, or "" at the end.
func (s *refStream) peek() (string, error) {
	if len(s.page) == 0 && !s.done {
		rows, err := s.query("> ?", s.after, refPageSize)
		if err != nil {
			return "", err
		}
		if len(rows) < refPageSize {
			s.done = true
		} else {
			// The last digest's records may go on after the page: read
			// them whole, so that a digest never spans two pages.
			last := rows[len(rows)-1].sha
			for len(rows) > 0 && rows[len(rows)-1].sha == last {
				rows = rows[:len(rows)-1]
			}
			same, err := s.query("= ?", last, 0)
			if err != nil {
				return "", err
			}
			rows = append(rows, same...)
		}
		// The merge with the store's listing needs byte order; a database
		// collation that sorts otherwise would show as false findings.
		for i, r := range rows {
			if (i == 0 && r.sha <= s.after) || (i > 0 && r.sha < rows[i-1].sha) {
				return "", fmt.Errorf("%s is not sorted by digest in byte order (database collation?)", s.ref.Table)
			}
		}
		if len(rows) > 0 {
			s.after = rows[len(rows)-1].sha
		}
		s.page = rows
	}
	if len(s.page) == 0 {
		return "", nil
	}
	return s.page[0].sha, nil
}

// take removes and returns the records of digest sha at the front.
func (s *refStream) take(sha string) []blobRecord {
	i := 0
	for i < len(s.page) && s.page[i].sha == sha {
		i++
	}
	out := s.page[:i:i]
	s.page = s.page[i:]
	return out
}

// refMerge merges the reference streams of all tables by digest.
type refMerge struct{ streams []*refStream }

func newRefMerge(ctx context.Context, d *db.DB) (*refMerge, error) {
	m := &refMerge{}
	for _, r := range blobref.References {
		m.streams = append(m.streams, &refStream{ctx: ctx, d: d, ref: r})
	}
	return m, nil
}

// next returns the smallest digest any table refers to next, or "".
func (m *refMerge) next() (string, error) {
	first := ""
	for _, s := range m.streams {
		sha, err := s.peek()
		if err != nil {
			return "", err
		}
		if sha != "" && (first == "" || sha < first) {
			first = sha
		}
	}
	return first, nil
}

// nextBefore returns the records of the next digest when it is smaller
// than limit ("" for no limit), or nil.
func (m *refMerge) nextBefore(limit string) ([]blobRecord, error) {
	sha, err := m.next()
	if err != nil || sha == "" || (limit != "" && sha >= limit) {
		return nil, err
	}
	return m.take(sha)
}

// take returns the records of every table that refer to sha, when they
// come next.
func (m *refMerge) take(sha string) ([]blobRecord, error) {
	var out []blobRecord
	for _, s := range m.streams {
		next, err := s.peek()
		if err != nil {
			return nil, err
		}
		if next == sha {
			out = append(out, s.take(sha)...)
		}
	}
	return out, nil
}

// writeVerifyReport prints one line per finding and the summary.
func writeVerifyReport(w io.Writer, rep *verifyReport) {
	for _, f := range rep.Findings {
		var what string
		switch f.Code {
		case findingMissing:
			what = "not stored; recorded " + sizes(f.RecordedSizes)
		case findingCorrupt:
			what = fmt.Sprintf("content altered: %d bytes hash to %s", *f.StoredSize, f.ContentSHA256)
		case findingSizeMismatch:
			what = fmt.Sprintf("stored %d bytes, recorded %s", *f.StoredSize, sizes(f.RecordedSizes))
		}
		fmt.Fprintf(w, "%s %s %s; %s\n", f.Code, f.SHA256, what, records(f.Records))
	}
	status := "OK"
	if !rep.OK {
		status = "FAILED"
	}
	fmt.Fprintf(w, "%s: %d blobs (%d bytes) re-hashed in %s (%.1fs), %d references checked: %d missing, %d corrupt, %d size mismatches; %d orphans (see ortlos doctor)\n",
		status, rep.Blobs, rep.Bytes, rep.Store, rep.Seconds, rep.References, rep.Missing, rep.Corrupt, rep.SizeMismatches, rep.Orphans)
}

func sizes(s []int64) string {
	parts := make([]string, len(s))
	for i, n := range s {
		parts[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(parts, " and ") + " bytes"
}

// records formats ids by table: "document_versions 3, 7; task_files 2".
func records(byTable map[string][]int64) string {
	if len(byTable) == 0 {
		return "no records (orphan)"
	}
	var parts []string
	for _, t := range slices.Sorted(maps.Keys(byTable)) {
		ids := make([]string, len(byTable[t]))
		for i, id := range byTable[t] {
			ids[i] = strconv.FormatInt(id, 10)
		}
		parts = append(parts, t+" "+strings.Join(ids, ", "))
	}
	return strings.Join(parts, "; ")
}

// cmdDocumentsReindex marks every entry of the search index stale
// (docs/search.md#the-index) and, unless -mark-only is given, rebuilds the
// index now, printing progress as counts (never document contents). It is
// safe while ortlos serves: the server's indexer and this command may both
// index, and an entry is written only when its document has not changed
// since it was read (Service.IndexPending), so they at most do the same
// work twice. The operator action is audited (search.reindex). Exit code 1
// when the index could not be rebuilt (database or blob store unreachable);
// documents whose text cannot be extracted are counted, not errors.
func cmdDocumentsReindex(ctx context.Context, args []string, env Env) error {
	f := newAdminFlags("documents reindex", env)
	var markOnly bool
	var batch int
	f.fs.BoolVar(&markOnly, "mark-only", false, "only mark every entry stale; the running server's indexer rebuilds the index in the background")
	f.fs.IntVar(&batch, "batch", 500, "entries indexed per round, with a progress line after each (1 to 10000)")
	cfg, err := f.config(args, env)
	if err != nil {
		return err
	}
	if batch < 1 || batch > 10000 {
		return usageErr("-batch must be between 1 and 10000")
	}
	d, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	if pending, err := d.Pending(ctx); err != nil || len(pending) > 0 {
		return fmt.Errorf("the database schema is not current; run ortlos migrate first")
	}
	var store blob.Store
	if !markOnly {
		// Before marking anything: a store that cannot be read would turn
		// every entry into one without text.
		if store, err = reindexStore(ctx, cfg, d); err != nil {
			return err
		}
	}
	svc := document.NewService(d, clock.Real{}, store).WithLogger(newLogger(cfg, env.Stderr))
	start := time.Now()
	marked, err := svc.MarkSearchStale(ctx, actor.CLI(), map[string]any{"via": "cli", "mark_only": markOnly})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "marked %d index entries stale\n", marked)
	if markOnly {
		fmt.Fprintln(env.Stdout, "the server's indexer rebuilds them in the background")
		return nil
	}
	indexed := 0
	var st document.SearchIndexStatus
	for {
		n, err := svc.IndexPending(ctx, batch)
		indexed += n
		if err != nil {
			return fmt.Errorf("documents reindex: stopped after %d entries (the rest stays pending for the server's indexer): %w", indexed, err)
		}
		if st, err = svc.SearchIndexStatus(ctx); err != nil {
			return err
		}
		// n == 0 with entries still pending: each changed while it was
		// read; the next run of the server's indexer takes them.
		if n == 0 || st.Pending == 0 {
			break
		}
		fmt.Fprintf(env.Stdout, "indexed %d entries; %d of %d pending\n", indexed, st.Pending, st.Documents)
	}
	fmt.Fprintf(env.Stdout, "OK: %d entries indexed in %.1fs; %d documents, %d pending, %d without text extraction for their type, %d failed (encrypted, malformed or missing content)\n",
		indexed, time.Since(start).Seconds(), st.Documents, st.Pending, st.Unsupported, st.Failed)
	if st.Pending > 0 {
		fmt.Fprintln(env.Stdout, "pending entries changed during the run; the server's indexer takes them")
	}
	return nil
}

// reindexStore opens the configured blob store for reading the versions'
// text: the bucket must answer, the local folder must exist unless there
// are no versions (a missing folder is a volume that is not mounted, not
// an empty store).
func reindexStore(ctx context.Context, cfg config.Config, d *db.DB) (blob.Store, error) {
	if cfg.BlobS3() {
		return openBlobs(ctx, cfg)
	}
	if _, err := os.Stat(cfg.BlobDir); err != nil {
		var versions int
		if qerr := d.QueryRowContext(ctx, `SELECT count(*) FROM document_versions`).Scan(&versions); qerr != nil {
			return nil, qerr
		}
		if errors.Is(err, fs.ErrNotExist) && versions == 0 {
			return emptyStore{}, nil
		}
		return nil, fmt.Errorf("blob folder: %w (volume not mounted?); nothing was marked", err)
	}
	return blob.NewLocal(cfg.BlobDir)
}
