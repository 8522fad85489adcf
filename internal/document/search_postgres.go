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
type pgSearch struct{}

func (pgSearch) idSet() string { return `SELECT unnest(?::bigint[])` }

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

// read runs the search in a read-only transaction with sequential scans
// discouraged: the planner does not count the cost of reading each row's
// tsvector (TOASTed, compressed), so for a frequent word it picks a scan
// that tests every row, several times slower than the GIN index's bitmap
// that tests none. The matches come from a MATERIALIZED common table
// expression for the same reason: ORDER BY id with a LIMIT would otherwise
// invite a walk along the primary key testing each row, which reads the
// whole table for a rare word.
func (pgSearch) read(ctx context.Context, d *db.DB, fn func(q db.Querier) error) error {
	return d.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET TRANSACTION READ ONLY`); err != nil {
			return fmt.Errorf("document: search: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			return fmt.Errorf("document: search: %w", err)
		}
		return fn(tx)
	})
}

func (pgSearch) hits(expr searchExpr, filter string, args []any, from int64, limit, offset int) (string, []any) {
	tq, targs := tsquery(expr)
	q := `WITH m AS MATERIALIZED (SELECT document_id FROM document_search WHERE tsv @@ ` + tq + ` AND document_id >= ?)
		SELECT d.id FROM m JOIN documents d ON d.id = m.document_id JOIN document_search s ON s.document_id = m.document_id
		WHERE ` + filter + `
		ORDER BY ts_rank(s.tsv, ` + tq + `, 1) DESC, d.id DESC LIMIT ? OFFSET ?`
	a := append(append(append(append(append([]any{}, targs...), from), args...), targs...), limit, offset)
	return q, a
}

func (pgSearch) window(expr searchExpr, filter string, args []any, limit int) (string, []any) {
	tq, targs := tsquery(expr)
	q := `WITH m AS MATERIALIZED (SELECT document_id FROM document_search WHERE tsv @@ ` + tq + `)
		SELECT count(*), COALESCE(min(id), 0) FROM (SELECT d.id FROM m JOIN documents d ON d.id = m.document_id
		WHERE ` + filter + ` ORDER BY d.id DESC LIMIT ?) w`
	return q, append(append(append([]any{}, targs...), args...), limit)
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
