package document

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"ortlos/internal/db"
)

// pgSearch is full-text search with PostgreSQL: the table document_search
// with a generated tsvector in the 'german' configuration (Snowball
// stemming and German stop words) and a GIN index. Every query term is a
// bound argument of plainto_tsquery (a word), phraseto_tsquery (a
// phrase) or to_tsquery(term || ':*') for a prefix, which parseSearchQuery
// allows for letters and digits only, so the argument can hold no tsquery
// operator.
//
// What makes it fast (docs/search.md#performance): the GIN index finds the
// matches, and reading their rows to learn their document ids costs one
// page each, so the table's rows are kept narrow (migration
// 0021_document_search_storage: the texts and the tsvector of every longer
// document live in the TOAST table); one statement picks the window and
// ranks it; and the settings of pgSearchSettings keep the planner on that
// path.
type pgSearch struct{}

func (pgSearch) inSet(col string) string { return col + ` = ANY(?::bigint[])` }

func (pgSearch) idSetArg(ids []int64) any {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// tsquery returns the tsquery expression of expr and its arguments.
func tsquery(expr searchExpr) (string, []any) {
	var args []any
	groups := make([]string, 0, len(expr))
	for _, g := range expr {
		parts := make([]string, 0, len(g))
		for _, t := range g {
			var p string
			switch {
			case t.phrase:
				p, args = `phraseto_tsquery('german', ?)`, append(args, t.text)
			case t.prefix:
				p, args = `to_tsquery('german', ?)`, append(args, t.text+":*")
			default:
				p, args = `plainto_tsquery('german', ?)`, append(args, t.text)
			}
			if t.not {
				p = "!!" + p
			}
			parts = append(parts, p)
		}
		groups = append(groups, "("+strings.Join(parts, " && ")+")")
	}
	return "(" + strings.Join(groups, " || ") + ")", args
}

// pgSearchSettings are the settings of a search's read-only transaction:
//   - enable_seqscan off: the planner does not count the cost of reading
//     each row's tsvector (TOASTed), so for a frequent word it would pick a
//     scan that tests every row, many times slower than the GIN index's
//     bitmap that tests none.
//   - plan_cache_mode force_custom_plan: the driver prepares statements,
//     and after five runs PostgreSQL may switch to a generic plan made
//     without the query words and folders; the best plan differs between
//     a rare and a frequent word and between a searcher who reads a few
//     files and one who reads all (planning takes well under a
//     millisecond).
//   - jit off: compiling a search's expressions takes longer than running
//     them (and enable_seqscan off inflates the cost estimate of any scan
//     that remains sequential past jit_above_cost).
const pgSearchSettings = `SET TRANSACTION READ ONLY; SET LOCAL enable_seqscan = off;
	SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL jit = off`

// find runs one statement: m, the matches, from the GIN index
// (MATERIALIZED, so that the planner cannot walk an index in id order
// testing each row's tsvector instead: that reads the whole table for a
// rare word); w, the newest window of them that the filter lets through,
// plus one that only tells that more match (the planner picks a merge
// join along documents' primary key that stops after the window, or for a
// searcher who reads little a hash join with the documents of their
// files); then the page of the window ranked, with the size of w.
func (pgSearch) find(ctx context.Context, d *db.DB, expr searchExpr, filter string, args []any, window, limit, offset int) ([]int64, int, error) {
	tq, targs := tsquery(expr)
	with := `WITH m AS MATERIALIZED (SELECT document_id FROM document_search WHERE tsv @@ ` + tq + `),
		w AS MATERIALIZED (SELECT d.id FROM m JOIN documents d ON d.id = m.document_id
			WHERE ` + filter + ` ORDER BY d.id DESC LIMIT ?)`
	// w holds one more than the window: it tells that more match.
	wargs := append(append(append([]any{}, targs...), args...), window+1)
	var ids []int64
	total := 0
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, pgSearchSettings); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, with+`
			SELECT r.id, (SELECT count(*) FROM w) FROM (SELECT id FROM w ORDER BY id DESC LIMIT ?) r
			JOIN document_search s ON s.document_id = r.id
			ORDER BY ts_rank(s.tsv, `+tq+`, 1) DESC, r.id DESC LIMIT ? OFFSET ?`,
			append(append(append(wargs, window), targs...), limit, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id, &total); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) > 0 || offset == 0 {
			return nil
		}
		// A page beyond the last: count alone.
		return tx.QueryRowContext(ctx, with+` SELECT count(*) FROM w`, wargs...).Scan(&total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("document: search: %w", err)
	}
	return ids, total, nil
}

func (pgSearch) entryKey() string { return "document_id" }

func (pgSearch) stemsEqual() bool { return true }

func (pgSearch) lock(ctx context.Context, tx *db.Tx, id int64) (bool, error) {
	// FOR KEY SHARE: a concurrent deletion of the document waits for tx
	// (or tx for it, and then finds nothing), so no entry outlives its
	// document; metadata updates do not conflict with it.
	rows, err := tx.QueryContext(ctx, `SELECT id FROM documents WHERE id = ? FOR KEY SHARE`, id)
	if err != nil {
		return false, fmt.Errorf("document: search lock: %w", err)
	}
	defer rows.Close()
	found := rows.Next()
	return found, rows.Err()
}

// pgPutSavepointFrom is the body size from which put guards the insert
// with a savepoint: a tsvector holds at most 1 MiB of distinct lexemes,
// which a text of this size cannot exceed.
const pgPutSavepointFrom = 256 << 10

func (pgSearch) put(ctx context.Context, tx *db.Tx, id int64, e indexEntry) error {
	const q = `INSERT INTO document_search (document_id, head, meta, body) VALUES (?, ?, ?, ?)
		ON CONFLICT (document_id) DO UPDATE SET head = excluded.head, meta = excluded.meta, body = excluded.body`
	body := e.body
	for {
		if len(body) < pgPutSavepointFrom {
			if _, err := tx.ExecContext(ctx, q, id, e.head, e.meta, body); err != nil {
				return fmt.Errorf("document: search index: %w", err)
			}
			return nil
		}
		// A text of many distinct words (tables of numbers, word lists)
		// can exceed the tsvector limit (54000 program_limit_exceeded):
		// index the first half then, and so on.
		if _, err := tx.ExecContext(ctx, `SAVEPOINT document_search_put`); err != nil {
			return fmt.Errorf("document: search index: %w", err)
		}
		_, err := tx.ExecContext(ctx, q, id, e.head, e.meta, body)
		var pe *pgconn.PgError
		if err == nil {
			_, err = tx.ExecContext(ctx, `RELEASE SAVEPOINT document_search_put`)
			return err
		}
		if !errors.As(err, &pe) || pe.Code != "54000" {
			return fmt.Errorf("document: search index: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT document_search_put`); err != nil {
			return fmt.Errorf("document: search index: %w", err)
		}
		body = halveText(body)
	}
}

// halveText returns the first half of s, cut at a rune boundary.
func halveText(s string) string {
	n := len(s) / 2
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
