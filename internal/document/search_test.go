package document_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/document"
)

// TestSearchDocuments: words, phrases, prefixes, exclusion and OR over
// metadata and text; German word forms; rights; filters; snippets.
func TestSearchDocuments(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSearchFixture(t, d)
		antrag := f.doc(t, f.FileA, sfDoc{Title: "Antrag auf Gaststättenerlaubnis", Author: "Erika Mustermann", Date: "2026-01-15",
			Tags: []string{"Gaststätte"}, MIME: "text/plain",
			Content: "Sehr geehrte Damen und Herren, hiermit beantrage ich die Erlaubnis zum Betrieb einer Schankwirtschaft in der Lindenstraße 4."})
		bescheid := f.doc(t, f.SubA, sfDoc{Title: "Erlaubnis nach § 2 GastG", Type: f.Type, Date: "2026-02-20", State: document.StateFinal,
			Fields: map[string]string{"betreff": "Schankerlaubnis Zum Anker"}, MIME: "text/markdown",
			Content: "# Bescheid\n\nAuf Ihre **Anträge** vom 15. Januar 2026 erteilen wir die Erlaubnis. Gegen diesen Bescheid ist der Widerspruch zulässig."})
		sonder := f.doc(t, f.FileB, sfDoc{Title: "Sondernutzung Lindenstraße Außengastronomie", Date: "2026-03-01",
			MIME: "text/plain", Content: "Antrag auf Sondernutzung öffentlicher Verkehrsfläche für Tische und Stühle."})
		leer := f.doc(t, f.FileB, sfDoc{Title: "Notiz ohne Inhalt", Tags: []string{"intern"}})
		if n := f.index(t); n != 4 {
			t.Fatalf("indexed %d entries, want 4", n)
		}

		for _, c := range []struct {
			q    string
			want []int64
		}{
			{"Lindenstraße", []int64{sonder, antrag}},                         // title ranks above text
			{"lindenstrasse", []int64{sonder, antrag}},                        // ss for ß
			{"Schankwirtschaft", []int64{antrag}},                             // text of a text/plain version
			{"Widerspruch zulässig", []int64{bescheid}},                       // Markdown, two words
			{"Anträge", []int64{antrag, bescheid, sonder}},                    // German forms: Antrag, Anträge
			{`"Erlaubnis zum Betrieb"`, []int64{antrag}},                      // a phrase
			{`"Betrieb zum Erlaubnis"`, nil},                                  // words in another order
			{"Außengastro*", []int64{sonder}},                                 // a prefix
			{"Antrag -Sondernutzung", []int64{antrag, bescheid}},              // exclusion
			{"Schankwirtschaft OR Außengastronomie", []int64{sonder, antrag}}, // either
			{"Zum Anker", []int64{bescheid}},                                  // custom field value
			{"Mustermann", []int64{antrag}},                                   // author
			{"Bescheid", []int64{bescheid}},                                   // type name and text
			{"32.1-1", []int64{bescheid}},                                     // file reference
			{"intern", []int64{leer}},                                         // tag
			{"GastG", []int64{bescheid}},
			{"Kaffeemaschine", nil},
		} {
			p := f.search(t, f.Alice, document.SearchQuery{Text: c.q})
			got := sfIDs(p)
			want := c.want
			if want == nil {
				want = []int64{}
			}
			if c.q == "Anträge" || c.q == "Antrag -Sondernutzung" {
				// Equal words, equal weights: the ranking among them is
				// the database's business.
				slices.Sort(got)
				slices.Sort(want)
			}
			if !slices.Equal(got, want) || p.Total != len(want) || p.TotalCapped {
				t.Errorf("search %q = %v (total %d); want %v", c.q, got, p.Total, want)
			}
		}

		// Snippets mark the matched words; metadata when the text has no
		// match.
		p := f.search(t, f.Alice, document.SearchQuery{Text: "Schankwirtschaft"})
		if s := sfSnippet(p.Items[0].Snippet); !strings.Contains(s, "[Schankwirtschaft]") {
			t.Errorf("snippet %q", s)
		}
		h := p.Items[0]
		if h.Title != "Antrag auf Gaststättenerlaubnis" || h.FolderID != f.FileA || h.FolderReference != "32.1" ||
			h.State != document.StateDraft || h.CurrentVersion != 1 || h.DocumentDate == nil || h.DocumentDate.String() != "2026-01-15" {
			t.Errorf("hit %+v", h)
		}
		p = f.search(t, f.Alice, document.SearchQuery{Text: "Mustermann"})
		if s := sfSnippet(p.Items[0].Snippet); !strings.Contains(s, "[Mustermann]") {
			t.Errorf("metadata snippet %q", s)
		}
		p = f.search(t, f.Bob, document.SearchQuery{Text: "intern"})
		if len(p.Items) != 1 || sfSnippet(p.Items[0].Snippet) == "" {
			t.Errorf("snippet of a document without text: %+v", p.Items)
		}

		// Rights: Bob reads FileB only, Otto and the administrator
		// nothing.
		for _, c := range []struct {
			who  string
			page document.SearchPage
			want []int64
		}{
			{"bob", f.search(t, f.Bob, document.SearchQuery{Text: "Lindenstraße"}), []int64{sonder}},
			{"bob", f.search(t, f.Bob, document.SearchQuery{Text: "Antrag"}), []int64{sonder}},
			{"otto", f.search(t, f.Otto, document.SearchQuery{Text: "Antrag"}), []int64{}},
			{"admin", f.search(t, f.Admin, document.SearchQuery{Text: "Antrag"}), []int64{}},
		} {
			if got := sfIDs(c.page); !slices.Equal(got, c.want) || c.page.Total != len(c.want) {
				t.Errorf("%s: %v (total %d), want %v", c.who, got, c.page.Total, c.want)
			}
		}

		// Filters: folder with its sub-folders, type, state, dates.
		day := func(s string) *civil.Date { d, _ := civil.Parse(s); return &d }
		for _, c := range []struct {
			name string
			q    document.SearchQuery
			want []int64
		}{
			{"file A and below", document.SearchQuery{Text: "Erlaubnis", FolderID: f.FileA}, []int64{bescheid, antrag}},
			{"sub-file", document.SearchQuery{Text: "Erlaubnis", FolderID: f.SubA}, []int64{bescheid}},
			{"plan", document.SearchQuery{Text: "Lindenstraße", FolderID: f.Plan}, []int64{sonder, antrag}},
			{"type", document.SearchQuery{Text: "Erlaubnis", TypeID: f.Type}, []int64{bescheid}},
			{"state", document.SearchQuery{Text: "Erlaubnis", State: document.StateDraft}, []int64{antrag}},
			{"from", document.SearchQuery{Text: "Antrag", From: day("2026-02-20")}, []int64{sonder, bescheid}},
			{"to", document.SearchQuery{Text: "Antrag", To: day("2026-02-19")}, []int64{antrag}},
			{"from to", document.SearchQuery{Text: "Antrag", From: day("2026-02-20"), To: day("2026-02-20")}, []int64{bescheid}},
		} {
			p := f.search(t, f.Alice, c.q)
			got := sfIDs(p)
			slices.Sort(got)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", c.name, got, want)
			}
		}
		ctx := context.Background()
		_, err := f.Svc.SearchDocuments(ctx, f.Bob, document.SearchQuery{Text: "Antrag", FolderID: f.FileA})
		sfWantCode(t, "folder not visible", err, apperr.NotFound, "not_found")
		_, err = f.Svc.SearchDocuments(ctx, f.Alice, document.SearchQuery{Text: "Antrag", FolderID: 999999})
		sfWantCode(t, "no such folder", err, apperr.NotFound, "not_found")
		for _, c := range []struct {
			q    document.SearchQuery
			code string
		}{
			{document.SearchQuery{}, "search_query_required"},
			{document.SearchQuery{Text: strings.Repeat("Antrag ", 17)}, "search_query_too_long"},
			{document.SearchQuery{Text: "-Antrag"}, "search_query_no_terms"},
			{document.SearchQuery{Text: "Antrag", State: "lost"}, "invalid_filter"},
			{document.SearchQuery{Text: "Antrag", Limit: 101}, "invalid_filter"},
			{document.SearchQuery{Text: "Antrag", Limit: -1}, "invalid_filter"},
			{document.SearchQuery{Text: "Antrag", From: day("2026-02-02"), To: day("2026-02-01")}, "invalid_filter"},
			{document.SearchQuery{Text: "Antrag", Cursor: "nope"}, "invalid_cursor"},
		} {
			_, err := f.Svc.SearchDocuments(ctx, f.Alice, c.q)
			sfWantCode(t, c.code, err, apperr.Invalid, c.code)
		}
	})
}

// TestSearchPaging: pages of a fixed size with cursors; the total counts
// all hits up to the cap, also on a page beyond the last.
func TestSearchPaging(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSearchFixture(t, d)
		var all []int64
		for i := range 7 {
			state := ""
			if i < 2 {
				state = document.StateFinal
			}
			all = append(all, f.doc(t, f.FileB, sfDoc{Title: "Sondernutzung Nummer " + string(rune('A'+i)), State: state}))
		}
		f.index(t)
		var seen []int64
		q := document.SearchQuery{Text: "Sondernutzung", Limit: 3}
		for page := 0; ; page++ {
			p := f.search(t, f.Bob, q)
			if p.Total != 7 || p.TotalCapped || p.Offset != 3*page {
				t.Errorf("page %d: total %d capped %v offset %d", page, p.Total, p.TotalCapped, p.Offset)
			}
			seen = append(seen, sfIDs(p)...)
			if p.NextCursor == "" {
				break
			}
			if page > 3 {
				t.Fatal("too many pages")
			}
			q.Cursor = p.NextCursor
		}
		slices.Sort(seen)
		if !slices.Equal(seen, all) {
			t.Errorf("pages hold %v, want %v", seen, all)
		}
		// A cursor beyond the last hit (the filter changed): no hits, the
		// total still counts them.
		p := f.search(t, f.Bob, document.SearchQuery{Text: "Sondernutzung", Limit: 3})
		p = f.search(t, f.Bob, document.SearchQuery{Text: "Sondernutzung", Limit: 3, Cursor: p.NextCursor, State: document.StateFinal})
		if p.Total != 2 || p.TotalCapped || p.Offset != 3 || len(p.Items) != 0 || p.NextCursor != "" {
			t.Errorf("beyond the last: total %d capped %v offset %d items %d next %q", p.Total, p.TotalCapped, p.Offset, len(p.Items), p.NextCursor)
		}
	})
}

// TestSearchStoragePostgres: PostgreSQL keeps the texts and the tsvector
// of a long document out of its row of document_search (migration
// 0021_document_search_storage), so that the rows the GIN index leads to
// stay narrow (docs/search.md#performance).
func TestSearchStoragePostgres(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, db.Postgres)
	f := newSearchFixture(t, d)
	if n := sfCount(t, d, `SELECT count(*) FROM pg_class WHERE relname = 'document_search'
		AND 'toast_tuple_target=128' = ANY(reloptions)`); n != 1 {
		t.Fatal("document_search has no toast_tuple_target=128")
	}
	text := strings.Repeat("Die Sperrzeit der Gaststätte in der Lindenstraße wird verkürzt. ", 40)
	id := f.doc(t, f.FileA, sfDoc{Title: "Sperrzeitverkürzung", MIME: "text/plain", Content: text})
	f.index(t)
	// The body (2.6 KB, compressed to far less) lies in the TOAST table,
	// where it would stay inline without the setting.
	if n := sfCount(t, d, `SELECT count(*) FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid
		WHERE c.relname = 'document_search' AND pg_relation_size(t.oid) > 0`); n != 1 {
		t.Error("the long text is stored in the row")
	}
	p := f.search(t, f.Alice, document.SearchQuery{Text: "Sperrzeit Lindenstraße"})
	if ids := sfIDs(p); !slices.Equal(ids, []int64{id}) {
		t.Errorf("found %v, want [%d]", ids, id)
	}
}

// TestSearchIndexPending: the index follows changes of metadata, tags,
// versions, file references and type names; content without text is
// indexed by its metadata; deleting a document removes its entry.
func TestSearchIndexPending(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSearchFixture(t, d)
		ctx := context.Background()
		found := func(q string) []int64 {
			t.Helper()
			return sfIDs(f.search(t, f.Alice, document.SearchQuery{Text: q}))
		}
		status := func() document.SearchIndexStatus {
			t.Helper()
			st, err := f.Svc.SearchIndexStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		doc := f.doc(t, f.FileA, sfDoc{Title: "Hundesteuer Anmeldung", MIME: "text/plain", Content: "Rasse: Dackel"})
		if st := status(); st.Documents != 1 || st.Pending != 1 {
			t.Errorf("status before indexing %+v", st)
		}
		if got := found("Hundesteuer"); len(got) != 0 {
			t.Errorf("found before indexing: %v", got)
		}
		if n := f.index(t); n != 1 {
			t.Errorf("indexed %d, want 1", n)
		}
		if st := status(); st.Pending != 0 || st.Failed != 0 {
			t.Errorf("status after indexing %+v", st)
		}
		if got := found("Dackel"); !slices.Equal(got, []int64{doc}) {
			t.Errorf("Dackel: %v", got)
		}
		if n := f.index(t); n != 0 {
			t.Errorf("indexed %d again", n)
		}

		steps := []struct {
			name        string
			change      func()
			gone, found string
		}{
			{"title", func() {
				sfExec(t, d, `UPDATE documents SET title = 'Hundesteuer Abmeldung', version = version + 1 WHERE id = ?`, doc)
			},
				"Anmeldung", "Abmeldung"},
			{"tag", func() { sfExec(t, d, `INSERT INTO document_tags (document_id, tag) VALUES (?, 'Steueramt')`, doc) }, "", "Steueramt"},
			{"untag", func() { sfExec(t, d, `DELETE FROM document_tags WHERE document_id = ?`, doc) }, "Steueramt", ""},
			{"version", func() { f.version(t, doc, "text/markdown", "Rasse: *Pudel*") }, "Dackel", "Pudel"},
			{"reference", func() { sfExec(t, d, `UPDATE doc_folders SET reference = '32.9' WHERE id = ?`, f.FileA) }, "", "32.9"},
			{"type", func() {
				sfExec(t, d, `UPDATE documents SET type_id = ? WHERE id = ?`, f.Type, doc)
				f.index(t)
				sfExec(t, d, `UPDATE doc_types SET name = 'Steuerbescheid' WHERE id = ?`, f.Type)
			}, "", "Steuerbescheid"},
			{"fields", func() { sfExec(t, d, `UPDATE documents SET fields = '{"betreff":"Zweithund"}' WHERE id = ?`, doc) }, "", "Zweithund"},
			{"unsupported type", func() { f.version(t, doc, "image/png", "\x89PNG Pudel") }, "Pudel", "Abmeldung"},
		}
		for _, s := range steps {
			s.change()
			if st := status(); st.Pending != 1 {
				t.Errorf("%s: pending %d, want 1", s.name, st.Pending)
			}
			f.index(t)
			if s.gone != "" {
				if got := found(s.gone); len(got) != 0 {
					t.Errorf("%s: %q still found: %v", s.name, s.gone, got)
				}
			}
			if s.found != "" {
				if got := found(s.found); !slices.Equal(got, []int64{doc}) {
					t.Errorf("%s: %q found %v", s.name, s.found, got)
				}
			}
		}
		if st := status(); st.Unsupported != 1 {
			t.Errorf("status %+v, want 1 unsupported", st)
		}
		// A state change or a check-out does not touch the index.
		sfExec(t, d, `UPDATE documents SET state = 'final', locked_by = ?, locked_at = ? WHERE id = ?`, f.Alice.UserID, db.T(sfStart), doc)
		if st := status(); st.Pending != 0 {
			t.Errorf("state change: pending %d", st.Pending)
		}

		// Missing content: metadata only.
		lost := f.doc(t, f.FileA, sfDoc{Title: "Verlorene Datei", MIME: "text/plain", Content: "Inhalt ohne Blob"})
		var sha string
		if err := d.QueryRowContext(ctx, `SELECT sha256 FROM document_versions WHERE document_id = ?`, lost).Scan(&sha); err != nil {
			t.Fatal(err)
		}
		if err := f.Store.Delete(ctx, sha); err != nil {
			t.Fatal(err)
		}
		f.index(t)
		if got := found("Verlorene"); !slices.Equal(got, []int64{lost}) {
			t.Errorf("missing content: %v", got)
		}
		if st := status(); st.Failed != 1 || st.Pending != 0 {
			t.Errorf("status %+v, want 1 failed", st)
		}

		// Deleting a document (as the two-person deletion does) removes
		// its entry in the same transaction.
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for _, q := range []string{`DELETE FROM document_tags WHERE document_id = ?`, `DELETE FROM document_versions WHERE document_id = ?`,
				`DELETE FROM documents WHERE id = ?`} {
				if _, err := tx.ExecContext(ctx, q, doc); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := found("Abmeldung"); len(got) != 0 {
			t.Errorf("deleted document found: %v", got)
		}
		entries := `SELECT count(*) FROM document_search WHERE rowid = ?`
		if d.Dialect() == db.Postgres {
			entries = `SELECT count(*) FROM document_search WHERE document_id = ?`
		}
		if n := sfCount(t, d, entries, doc); n != 0 {
			t.Errorf("%d index entries of the deleted document", n)
		}
		if st := status(); st.Documents != 1 {
			t.Errorf("status %+v after deletion", st)
		}

		// MarkSearchStale rebuilds everything.
		if n, err := f.Svc.MarkSearchStale(ctx, actor.CLI(), nil); err != nil || n != 1 {
			t.Errorf("MarkSearchStale = %d, %v", n, err)
		}
		if n := f.index(t); n != 1 {
			t.Errorf("rebuilt %d entries", n)
		}
	})
}

// TestSearchQueryIsNotSyntax: database query syntax in a search is
// searched for as words, never run.
func TestSearchQueryIsNotSyntax(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSearchFixture(t, d)
		f.doc(t, f.FileB, sfDoc{Title: "Near the title", MIME: "text/plain", Content: "body: a b c"})
		f.index(t)
		for _, q := range []string{`NEAR(a b)`, `title:near`, `head:near`, `a:*`, `'near'`, `\near`, `(near`, `!near`, `near & | !`,
			`^near`, `"near`, `near"`, `near*"`, `"" near`, `near OR`, `{head body}: near`, `near + title`, `near:*A`, `near <-> title`,
			`near'); DROP TABLE documents; --`, "near\x00title", `near -`, `"-near"`, `*near`, `ne*ar`, `near** `, `NOT near`} {
			p, err := f.Svc.SearchDocuments(context.Background(), f.Bob, document.SearchQuery{Text: q})
			if err != nil && apperr.KindOf(err) != apperr.Invalid {
				t.Errorf("search %q: %v", q, err)
				continue
			}
			if err == nil && p.Total > 1 {
				t.Errorf("search %q: %d hits", q, p.Total)
			}
		}
		if n := sfCount(t, d, `SELECT count(*) FROM documents`); n != 1 {
			t.Errorf("%d documents", n)
		}
	})
}

// TestSearchRankWindow: a search matching exactly SearchRankWindow
// documents counts them exactly; one matching more counts that many,
// reports more, ranks the newest of them and pages up to SearchMaxOffset.
func TestSearchRankWindow(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newSearchFixture(t, d)
		ctx := context.Background()
		n := document.SearchRankWindow + 5
		ids := make([]int64, 0, n)
		add := func(k int) {
			t.Helper()
			err := d.InTx(ctx, func(tx *db.Tx) error {
				for range k {
					var id int64
					if err := tx.QueryRowContext(ctx, `INSERT INTO documents (folder_id, title, fields, state, created_at, updated_at)
					VALUES (?, ?, '{}', 'draft', ?, ?) RETURNING id`, f.FileB, "Sammelakte Blatt "+strconv.Itoa(len(ids)), db.T(sfStart), db.T(sfStart)).Scan(&id); err != nil {
						return err
					}
					ids = append(ids, id)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			f.index(t)
		}
		add(document.SearchRankWindow)
		p := f.search(t, f.Bob, document.SearchQuery{Text: "Sammelakte", Limit: 100})
		if p.Total != document.SearchRankWindow || p.TotalCapped {
			t.Errorf("exactly the window: total %d capped %v, want %d, not capped", p.Total, p.TotalCapped, document.SearchRankWindow)
		}
		add(n - document.SearchRankWindow)
		oldest := ids[n-document.SearchRankWindow]
		p = f.search(t, f.Bob, document.SearchQuery{Text: "Sammelakte", Limit: 100})
		if p.Total != document.SearchRankWindow || !p.TotalCapped || len(p.Items) != 100 || p.NextCursor == "" {
			t.Fatalf("total %d capped %v items %d next %q", p.Total, p.TotalCapped, len(p.Items), p.NextCursor)
		}
		for _, h := range p.Items {
			if h.ID < oldest {
				t.Errorf("hit %d is older than the newest %d matches (from %d)", h.ID, document.SearchRankWindow, oldest)
			}
		}
		// The deepest page: offset SearchMaxOffset - 100, then no further.
		q := document.SearchQuery{Text: "Sammelakte", Limit: 100}
		for range document.SearchMaxOffset / 100 {
			p = f.search(t, f.Bob, q)
			q.Cursor = p.NextCursor
		}
		if p.Offset != document.SearchMaxOffset-100 || p.NextCursor != "" || len(p.Items) != 100 {
			t.Errorf("last page: offset %d next %q items %d", p.Offset, p.NextCursor, len(p.Items))
		}
		// Narrowed below the window, the count is exact again.
		p = f.search(t, f.Bob, document.SearchQuery{Text: `Sammelakte "Blatt 7"`})
		if p.Total != 1 || p.TotalCapped {
			t.Errorf("narrowed: total %d capped %v", p.Total, p.TotalCapped)
		}
	})
}
