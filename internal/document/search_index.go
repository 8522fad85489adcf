package document

// The search index (docs/search.md#index) is derived data, kept outside
// the requests that change documents: triggers of migration
// 0019_document_search mark a document's entry stale in the same
// transaction as any change of what it indexes (document_search_state.gen),
// and IndexPending brings stale entries up to date, reading each current
// version's text from the blob store (internal/textextract). Deleting a
// document deletes its entry in the same transaction (a trigger on
// SQLite, ON DELETE CASCADE on PostgreSQL).
//
// Index writes are not audited: they change no record, only what the
// search finds, and carry nothing but what the audited changes already
// wrote.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
	"ortlos/internal/textextract"
)

// SearchTextLimit bounds the text indexed per document (the rest of a
// longer text is not searchable).
const SearchTextLimit = 1 << 20

// Default and largest batch of IndexPending, and how many documents one
// transaction writes (their texts are held in memory meanwhile).
const (
	indexPendingDefault = 100
	indexPendingMax     = 10000
	indexChunk          = 16
)

// What became of a version's content in the index
// (document_search_state.content).
const (
	indexContentNone        = "none"        // no version yet
	indexContentText        = "text"        // its text is indexed
	indexContentUnsupported = "unsupported" // no text extraction for its type
	indexContentFailed      = "failed"      // encrypted, malformed or missing
)

// indexEntry is what the index holds of one document.
type indexEntry struct {
	id      int64
	gen     int64 // document_search_state.gen the entry was read at
	version int   // the current version whose text is in body (0: none)
	head    string
	meta    string
	body    string
	content string // indexContent…
}

// IndexPending brings up to limit stale index entries up to date (0:
// 100) and returns how many it wrote. It extracts the text of each
// document's current version outside any transaction and writes an entry
// only if the document has not changed meanwhile (else the next run takes
// it). Content without text extraction, or whose extraction fails, is
// indexed by its metadata and not tried again until the document changes;
// a blob store that cannot be reached ends the run with an error, the
// entry stays pending. Safe to run on several instances at once.
func (s *Service) IndexPending(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = indexPendingDefault
	}
	limit = min(limit, indexPendingMax)
	ids, err := db.Query(ctx, s.db, func(row db.Scanner) (int64, error) {
		var id int64
		return id, row.Scan(&id)
	}, `SELECT document_id FROM document_search_state WHERE gen <> indexed_gen ORDER BY document_id LIMIT ?`, limit)
	if err != nil {
		return 0, fmt.Errorf("document: pending index entries: %w", err)
	}
	b := s.searchBackend()
	done := 0
	for chunk := range slices.Chunk(ids, indexChunk) {
		entries := make([]indexEntry, 0, len(chunk))
		for _, id := range chunk {
			e, ok, err := s.indexEntry(ctx, id)
			if err != nil {
				return done, err
			}
			if ok {
				entries = append(entries, e)
			}
		}
		n, err := s.writeIndex(ctx, b, entries)
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// writeIndex writes entries in one transaction, skipping documents that
// are gone or changed since they were read.
func (s *Service) writeIndex(ctx context.Context, b searchBackend, entries []indexEntry) (int, error) {
	if len(entries) == 0 {
		return 0, nil
	}
	done := 0
	now := s.clock.Now()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		done = 0
		for _, e := range entries {
			ok, err := b.lock(ctx, tx, e.id)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			var gen int64
			if err := tx.QueryRowContext(ctx, `SELECT gen FROM document_search_state WHERE document_id = ?`, e.id).Scan(&gen); err != nil {
				return fmt.Errorf("document: search state: %w", err)
			}
			if gen != e.gen {
				continue
			}
			if err := b.put(ctx, tx, e.id, e); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE document_search_state SET indexed_gen = ?, indexed_version = ?, content = ?,
				text_bytes = ?, indexed_at = ? WHERE document_id = ?`, e.gen, e.version, e.content, len(e.body), db.T(now), e.id); err != nil {
				return fmt.Errorf("document: search state: %w", err)
			}
			done++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return done, nil
}

// indexEntry reads what the index holds of document id, with the text of
// its current version; false when the document is gone. The state's gen
// is read first, in the same statement as the metadata: whatever changes
// later bumps gen, and writeIndex then skips the entry.
func (s *Service) indexEntry(ctx context.Context, id int64) (indexEntry, bool, error) {
	e := indexEntry{id: id}
	var title, author, fields, reference, typeName, mimeType, sha string
	var size int64
	rows, err := db.Query(ctx, s.db, func(row db.Scanner) (int, error) {
		return 0, row.Scan(&e.gen, &title, &author, &fields, &e.version, &reference, &typeName, &mimeType, &size, &sha)
	}, `SELECT st.gen, d.title, d.author, d.fields, d.current_version, f.reference, COALESCE(t.name, ''),
			COALESCE(v.mime_type, ''), COALESCE(v.size, 0), COALESCE(v.sha256, '')
		FROM document_search_state st
		JOIN documents d ON d.id = st.document_id
		JOIN doc_folders f ON f.id = d.folder_id
		LEFT JOIN doc_types t ON t.id = d.type_id
		LEFT JOIN document_versions v ON v.document_id = d.id AND v.number = d.current_version
		WHERE st.document_id = ?`, id)
	if err != nil {
		return e, false, fmt.Errorf("document: index entry: %w", err)
	}
	if len(rows) == 0 {
		return e, false, nil
	}
	tags, err := db.Query(ctx, s.db, func(row db.Scanner) (string, error) {
		var t string
		return t, row.Scan(&t)
	}, `SELECT tag FROM document_tags WHERE document_id = ? ORDER BY tag`, id)
	if err != nil {
		return e, false, fmt.Errorf("document: index entry tags: %w", err)
	}
	e.head = indexText(title, reference, strings.Join(tags, " "))
	e.meta = indexText(typeName, author, fieldValues(fields))
	if sha == "" {
		e.version, e.content = 0, indexContentNone
		return e, true, nil
	}
	e.body, e.content, err = s.versionText(ctx, id, mimeType, sha, size)
	if err != nil {
		return e, false, err
	}
	return e, true, nil
}

// indexText joins the non-empty parts by line breaks, without NUL (which
// PostgreSQL text refuses).
func indexText(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(strings.ReplaceAll(p, "\x00", "")); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n")
}

// fieldValues returns the values of the custom fields (a JSON object),
// ordered by key.
func fieldValues(fields string) string {
	m := map[string]any{}
	if err := json.Unmarshal([]byte(fields), &m); err != nil {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	vals := make([]string, 0, len(keys))
	for _, k := range keys {
		if v := fmt.Sprint(m[k]); v != "" {
			vals = append(vals, v)
		}
	}
	return strings.Join(vals, "\n")
}

// versionText extracts the text of a version's content (at most
// SearchTextLimit bytes) and tells what became of it. Only a store that
// cannot be read for other reasons than a missing blob, and a cancelled
// ctx, are errors.
func (s *Service) versionText(ctx context.Context, id int64, mimeType, sha string, size int64) (string, string, error) {
	if !textextract.Supported(mimeType) {
		return "", indexContentUnsupported, nil
	}
	if s.blobs == nil {
		return "", indexContentFailed, nil
	}
	r, _, err := s.blobs.Open(ctx, sha)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			s.log.Warn("search index: content missing", "document_id", id, "sha256", sha)
			return "", indexContentFailed, nil
		}
		return "", "", fmt.Errorf("document: index content of document %d: %w", id, err)
	}
	defer r.Close()
	text, err := textextract.Extract(ctx, mimeType, textextract.ReaderAt(r), size, SearchTextLimit)
	if cerr := ctx.Err(); cerr != nil {
		return "", "", cerr
	}
	switch {
	case errors.Is(err, textextract.ErrUnsupported):
		return "", indexContentUnsupported, nil
	case err != nil:
		// The error names the format problem, never the content.
		s.log.Info("search index: no text extracted", "document_id", id, "mime_type", mimeType, "err", err)
		return "", indexContentFailed, nil
	}
	return text, indexContentText, nil
}

// SearchIndexStatus describes the search index.
type SearchIndexStatus struct {
	// Documents counts the documents, Pending those whose entry is
	// behind.
	Documents, Pending int
	// Unsupported and Failed count the entries of documents whose
	// current version gave no text: no extraction for its type, or a
	// failed one (encrypted, malformed, missing content).
	Unsupported, Failed int
}

// SearchIndexStatus counts the documents in the index by state (for
// ortlos doctor and metrics; no access check: it reveals counts only).
func (s *Service) SearchIndexStatus(ctx context.Context) (SearchIndexStatus, error) {
	var st SearchIndexStatus
	err := s.db.QueryRowContext(ctx, `SELECT count(*),
			COALESCE(SUM(CASE WHEN gen <> indexed_gen THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN content = 'unsupported' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN content = 'failed' THEN 1 ELSE 0 END), 0)
		FROM document_search_state`).Scan(&st.Documents, &st.Pending, &st.Unsupported, &st.Failed)
	if err != nil {
		return st, fmt.Errorf("document: search index status: %w", err)
	}
	return st, nil
}

// MarkSearchStale marks every index entry stale, so that IndexPending
// rebuilds the whole index (after an upgrade that extracts more text, or
// when the index was damaged), and returns how many it marked. The
// operator's action is audited (search.reindex, with detail) in the same
// transaction; the index's own writes are derived data and are not.
func (s *Service) MarkSearchStale(ctx context.Context, a actor.Actor, detail map[string]any) (int, error) {
	var n int64
	err := s.write(ctx, a, func(tx *db.Tx, _ time.Time) ([]audit.Event, error) {
		// Documents written while the triggers were missing (a restored
		// partial backup) get their state row back.
		if _, err := tx.ExecContext(ctx, `INSERT INTO document_search_state (document_id)
			SELECT d.id FROM documents d WHERE NOT EXISTS (SELECT 1 FROM document_search_state st WHERE st.document_id = d.id)`); err != nil {
			return nil, fmt.Errorf("document: mark search index stale: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE document_search_state SET gen = gen + 1`)
		if err != nil {
			return nil, fmt.Errorf("document: mark search index stale: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return nil, err
		}
		d := map[string]any{"marked": n}
		for k, v := range detail {
			d[k] = v
		}
		return []audit.Event{{Action: "search.reindex", ObjectType: "search_index", Detail: d}}, nil
	})
	return int(n), err
}

// RunSearchIndexer keeps the search index up to date until ctx ends:
// every interval it indexes what is pending, in batches, until nothing
// is. Errors are logged and retried at the next tick. Every instance may
// run it (IndexPending tolerates concurrent runs).
func (s *Service) RunSearchIndexer(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for {
			n, err := s.IndexPending(ctx, 500)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("search index", "err", err)
				}
				break
			}
			if n == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
