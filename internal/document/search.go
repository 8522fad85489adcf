package document

// Full-text search over documents (docs/search.md).
//
// The index (migration 0019_document_search, search_index.go) holds per
// document its title, file reference and tags (weighted highest), its
// type, author and custom field values, and the text of its current
// version. SearchDocuments matches a small query language against it:
//
//	Bauantrag Lindenstraße   both words (AND is the default)
//	"Antrag auf Baugenehmigung"   the words in this order
//	Bauan*                   words beginning with "Bauan"
//	Bauantrag -Widerspruch   without documents containing "Widerspruch"
//	Bauantrag OR Bauvoranfrage   either (OR in capitals, or |)
//
// The query is parsed here into terms and never reaches the database as
// query syntax: SQLite gets every term as a quoted FTS5 string, PostgreSQL
// gets each term as a bound argument of plainto_tsquery, phraseto_tsquery
// or (for a prefix of letters and digits only) to_tsquery(… || ':*').
// German word forms: PostgreSQL stems with its 'german' configuration;
// SQLite has no German stemmer, so a query word is expanded into its
// inflected forms with the same Snowball stem (search_sqlite.go).
//
// Results are only documents in files the searcher reads (visibleFolders):
// the filter is part of the SQL, so counts and pages are right. Ranking is
// bm25 (SQLite) or ts_rank (PostgreSQL) over the newest SearchRankWindow
// matches; each hit carries a short snippet whose matches are marked
// (SnippetPart.Match), never as HTML.
//
// Searching is not audited: the hit list shows what ListDocuments shows
// plus a snippet of a few words, and audit records of every search would
// record what people look for. Opening a final document (GetDocument) and
// every download are audited as before.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// Bounds of a search.
const (
	// SearchPageDefault and SearchPageMax are the page sizes.
	SearchPageDefault = 20
	SearchPageMax     = 100
	// SearchMaxOffset bounds paging: pages begin within the first 1,000
	// hits (a search that needs more needs better words).
	SearchMaxOffset = 1000
	// SearchRankWindow bounds the work of a search that matches very many
	// documents: hits are counted up to this number, and when more match,
	// the newest SearchRankWindow of them (by id) are ranked and paged
	// (SearchPage.TotalCapped). Ranking tens of thousands of matches is
	// what makes a search of a frequent word slow.
	SearchRankWindow = 2000
	// MaxSearchQuery bounds the query in characters, MaxSearchTerms the
	// words and phrases in it.
	MaxSearchQuery = 500
	MaxSearchTerms = 16
	// minPrefix is the shortest prefix before a '*' that searches as a
	// prefix; shorter ones search as the word itself (a one- or
	// two-letter prefix would match most of the index).
	minPrefix = 3
)

var (
	errSearchRequired = apperr.Invalidf("search_query_required", "enter what to search for").WithField("q", "search_query_required")
	errSearchTooLong  = apperr.Invalidf("search_query_too_long", "a search has at most %d characters and %d words", MaxSearchQuery, MaxSearchTerms).WithField("q", "search_query_too_long")
	errSearchNoTerms  = apperr.Invalidf("search_query_no_terms", "the search has no word to look for (only punctuation, or only excluded words)").WithField("q", "search_query_no_terms")
	errSearchCursor   = apperr.Invalidf("invalid_cursor", "cursor is not one this server handed out").WithField("cursor", "invalid_cursor")
)

// SearchQuery is a full-text search with optional filters.
type SearchQuery struct {
	// Text is the query (syntax above).
	Text string
	// FolderID limits the search to this folder and the folders below it
	// (0: every file the searcher reads).
	FolderID int64
	// TypeID limits to documents of this type (0: any).
	TypeID int64
	// State limits to documents in this state ("": any).
	State string
	// From and To limit the document date (Schriftstückdatum), both days
	// included; documents without a date do not match a date filter.
	From, To *civil.Date
	Limit    int    // 0: SearchPageDefault
	Cursor   string // NextCursor of the previous page
}

// SnippetPart is a piece of a snippet; Match marks the words that matched
// the query.
type SnippetPart struct {
	Text  string
	Match bool
}

// SearchHit is one document found.
type SearchHit struct {
	ID              int64
	FolderID        int64
	FolderReference string
	FolderTitle     string
	Title           string
	TypeID          int64 // 0: none
	TypeName        string
	State           string
	DocumentDate    *civil.Date
	CurrentVersion  int
	UpdatedAt       time.Time
	// Snippet is a short passage around the first matches: from the
	// document's text when it matched there, else from its metadata.
	Snippet []SnippetPart
}

// SearchPage is one page of hits, best first.
type SearchPage struct {
	Items []SearchHit
	// Total counts the hits, up to SearchRankWindow; TotalCapped reports
	// that more documents match, of which only the newest
	// SearchRankWindow are ranked.
	Total       int
	TotalCapped bool
	// Offset is the position of the first item (0 on the first page).
	Offset     int
	NextCursor string
}

// searchTerm is a word or phrase of a parsed query.
type searchTerm struct {
	text   string // NFC, trimmed
	phrase bool   // "…": the words in this order, not stemmed
	prefix bool   // word*: letters and digits only, at least minPrefix
	not    bool   // -word: exclude
}

// searchExpr is a parsed query: alternatives (OR) of terms that must all
// hold (AND), each with at least one term that is not excluded.
type searchExpr [][]searchTerm

// wordRune reports whether r belongs to a word (as the FTS5 unicode61
// tokenizer and PostgreSQL's parser see it, near enough).
func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

// hasWord reports whether s contains a letter or digit.
func hasWord(s string) bool { return strings.IndexFunc(s, wordRune) >= 0 }

// onlyWord reports whether s consists of letters and digits only.
func onlyWord(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !wordRune(r) }) < 0
}

// parseSearchQuery parses the query language described above. Unknown
// syntax is never an error: stray quotes end a phrase, stray '*' and '-'
// are ignored, "AND" is the default anyway.
func parseSearchQuery(q string) (searchExpr, error) {
	q = strings.TrimSpace(norm.NFC.String(q))
	if q == "" {
		return nil, errSearchRequired
	}
	if !utf8.ValidString(q) || utf8.RuneCountInString(q) > MaxSearchQuery {
		return nil, errSearchTooLong
	}
	var expr searchExpr
	var group []searchTerm
	terms := 0
	rs := []rune(q)
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) || unicode.IsControl(rs[i]) {
			i++
			continue
		}
		var t searchTerm
		if rs[i] == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			t.not = true
			i++
		}
		var word string
		if rs[i] == '"' {
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			word, t.phrase = strings.Join(strings.FieldsFunc(string(rs[i+1:j]), func(r rune) bool {
				return unicode.IsSpace(r) || unicode.IsControl(r)
			}), " "), true
			i = j + 1
		} else {
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && !unicode.IsControl(rs[j]) && rs[j] != '"' {
				j++
			}
			word = string(rs[i:j])
			i = j
			if !t.not && (word == "OR" || word == "|") {
				if len(group) > 0 {
					expr, group = append(expr, group), nil
				}
				continue
			}
			if !t.not && (word == "AND" || word == "&") {
				continue
			}
			star := strings.HasSuffix(word, "*")
			word = strings.TrimFunc(word, func(r rune) bool { return !wordRune(r) })
			if star && onlyWord(word) && utf8.RuneCountInString(word) >= minPrefix {
				t.prefix = true
			}
		}
		if !hasWord(word) {
			continue
		}
		t.text = word
		if terms++; terms > MaxSearchTerms {
			return nil, errSearchTooLong
		}
		group = append(group, t)
	}
	if len(group) > 0 {
		expr = append(expr, group)
	}
	if len(expr) == 0 {
		return nil, errSearchNoTerms
	}
	for _, g := range expr {
		if !slices.ContainsFunc(g, func(t searchTerm) bool { return !t.not }) {
			return nil, errSearchNoTerms
		}
	}
	return expr, nil
}

// searchCursor encodes the offset of the next page.
func searchCursor(offset int) string { return encodeCursor("s", int64(offset)) }

func decodeSearchCursor(c string) (int, error) {
	n, ok := decodeCursor(c, "s")
	if !ok || n >= SearchMaxOffset {
		return 0, errSearchCursor
	}
	return int(n), nil
}

func searchFilterError(field, msg string) error {
	return apperr.Invalidf("invalid_filter", "%s", msg).WithField(field, "invalid_filter")
}

// Snippets are cut in Go from the indexed text (its first
// snippetChars characters) rather than by the database: FTS5's snippet()
// evaluates the whole query again per row, ts_headline parses the whole
// text. The words marked are those the backend finds (searchBackend
// stemsEqual), so a snippet shows why the document was found.
const (
	snippetChars  = 100_000
	snippetTokens = 24
	// snippetLead is how many words a snippet shows before the first
	// match.
	snippetLead = 5
)

// snippetToken is a word of a text: its bytes and its folded form (lower
// case, no diacritics, as the index compares words).
type snippetToken struct {
	start, end int
	folded     string
}

// foldWord lowers s and removes its diacritics ("Anträge" is "antrage";
// ß stays).
func foldWord(s string) string {
	d := norm.NFD.String(strings.ToLower(s))
	return norm.NFC.String(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, d))
}

// snippetWords splits text into words.
func snippetWords(text string) []snippetToken {
	var toks []snippetToken
	start := -1
	for i, r := range text {
		switch {
		case wordRune(r) || (start >= 0 && unicode.Is(unicode.Mn, r)):
			if start < 0 {
				start = i
			}
		case start >= 0:
			toks = append(toks, snippetToken{start: start, end: i, folded: foldWord(text[start:i])})
			start = -1
		}
	}
	if start >= 0 {
		toks = append(toks, snippetToken{start: start, end: len(text), folded: foldWord(text[start:])})
	}
	return toks
}

// snippetMatcher tells which words of a text a query matches.
type snippetMatcher struct {
	words   []func(folded string) bool
	phrases [][]string
}

func newSnippetMatcher(expr searchExpr, stemsEqual bool) snippetMatcher {
	var m snippetMatcher
	for _, g := range expr {
		for _, t := range g {
			if t.not {
				continue
			}
			var parts []string
			for _, w := range snippetWords(t.text) {
				parts = append(parts, w.folded)
			}
			switch {
			case len(parts) == 0:
			case t.prefix:
				p := parts[0]
				m.words = append(m.words, func(w string) bool { return strings.HasPrefix(w, p) })
			case len(parts) > 1:
				m.phrases = append(m.phrases, parts)
			case t.phrase || !onlyLetters(parts[0]):
				p := parts[0]
				m.words = append(m.words, func(w string) bool { return w == p })
			case stemsEqual:
				p, stem := parts[0], germanStem(strings.ToLower(t.text), false)
				m.words = append(m.words, func(w string) bool { return w == p || germanStem(w, false) == stem })
			default:
				forms := germanForms(strings.ToLower(t.text))
				m.words = append(m.words, func(w string) bool { return slices.Contains(forms, w) })
			}
		}
	}
	return m
}

func onlyLetters(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) < 0
}

// marks returns which of toks match.
func (m snippetMatcher) marks(toks []snippetToken) ([]bool, int) {
	marks := make([]bool, len(toks))
	n := 0
	for i, t := range toks {
		for _, f := range m.words {
			if f(t.folded) {
				marks[i] = true
				break
			}
		}
	}
	for _, p := range m.phrases {
		for i := 0; i+len(p) <= len(toks); i++ {
			ok := true
			for k, w := range p {
				if toks[i+k].folded != w {
					ok = false
					break
				}
			}
			if ok {
				for k := range p {
					marks[i+k] = true
				}
			}
		}
	}
	for _, x := range marks {
		if x {
			n++
		}
	}
	return marks, n
}

// snippet cuts about snippetTokens words out of text around the window
// with the most matches, or its beginning when nothing matches; false
// when nothing matches.
func (m snippetMatcher) snippet(text string) ([]SnippetPart, bool) {
	toks := snippetWords(text)
	if len(toks) == 0 {
		return nil, false
	}
	marks, n := m.marks(toks)
	from := 0
	if n > 0 {
		// The window with the most matches, beginning a few words
		// before its first match.
		best := -1
		for i := range toks {
			if !marks[i] {
				continue
			}
			c := 0
			for k := i; k < min(len(toks), i+snippetTokens-snippetLead); k++ {
				if marks[k] {
					c++
				}
			}
			if c > best {
				best, from = c, i
			}
		}
		from = max(0, from-snippetLead)
	}
	to := min(len(toks), from+snippetTokens)
	var parts []SnippetPart
	add := func(s string, match bool) {
		if s == "" {
			return
		}
		if k := len(parts) - 1; k >= 0 && parts[k].Match == match {
			parts[k].Text += s
			return
		}
		parts = append(parts, SnippetPart{Text: s, Match: match})
	}
	if from > 0 {
		add("… ", false)
	}
	for i := from; i < to; i++ {
		if i > from {
			// The space inside a marked phrase belongs to the mark.
			add(snippetGap(text[toks[i-1].end:toks[i].start]), marks[i-1] && marks[i])
		}
		add(text[toks[i].start:toks[i].end], marks[i])
	}
	// Punctuation after the last word, up to the next word.
	tail := text[toks[to-1].end:]
	if to < len(toks) {
		tail = text[toks[to-1].end:toks[to].start]
	}
	add(strings.TrimRight(snippetGap(tail), " "), false)
	if to < len(toks) {
		add(" …", false)
	}
	return parts, n > 0
}

// snippetGap is the text between two words, on one line, without control
// characters.
func snippetGap(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	for strings.Contains(s, "  ") {
		s = strings.ReplaceAll(s, "  ", " ")
	}
	return s
}

// searchSnippets returns the snippets of documents ids: from the text of
// the current version when it matches, else from the metadata, else the
// beginning of the text.
func (s *Service) searchSnippets(ctx context.Context, b searchBackend, expr searchExpr, ids []int64) (map[int64][]SnippetPart, error) {
	m := newSnippetMatcher(expr, b.stemsEqual())
	out := make(map[int64][]SnippetPart, len(ids))
	rows, err := s.db.QueryContext(ctx, `SELECT `+b.entryKey()+`, head, meta, substr(body, 1, ?) FROM document_search
		WHERE `+b.inSet(b.entryKey()), snippetChars, b.idSetArg(ids))
	if err != nil {
		return nil, fmt.Errorf("document: search snippets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var head, meta, body string
		if err := rows.Scan(&id, &head, &meta, &body); err != nil {
			return nil, fmt.Errorf("document: search snippets: %w", err)
		}
		var first []SnippetPart
		for _, text := range []string{body, meta, head} {
			parts, ok := m.snippet(text)
			if ok {
				first = parts
				break
			}
			if first == nil {
				first = parts
			}
		}
		out[id] = first
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("document: search snippets: %w", err)
	}
	return out, nil
}

// searchFolders returns the folders a search of a covers, sorted: every
// folder a reads, or with folderID that folder and those below it that a
// reads (404 when a does not read folderID).
func (s *Service) searchFolders(ctx context.Context, a actor.Actor, folderID int64) ([]int64, error) {
	vis, err := s.visibleFolders(ctx, s.db, a)
	if err != nil {
		return nil, err
	}
	var ids []int64
	if folderID == 0 {
		for id, x := range vis {
			if x >= AccessRead {
				ids = append(ids, id)
			}
		}
	} else {
		if vis[folderID] < AccessRead {
			return nil, errNotFound
		}
		sub, err := db.Query(ctx, s.db, func(row db.Scanner) (int64, error) {
			var id int64
			return id, row.Scan(&id)
		}, `WITH RECURSIVE sub(id, depth) AS (
				SELECT id, 0 FROM doc_folders WHERE id = ?
				UNION ALL
				SELECT f.id, sub.depth + 1 FROM doc_folders f JOIN sub ON f.parent_id = sub.id WHERE sub.depth < ?)
			SELECT id FROM sub`, folderID, maxDepth)
		if err != nil {
			return nil, fmt.Errorf("document: search folders: %w", err)
		}
		for _, id := range sub {
			if vis[id] >= AccessRead {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// validSearch checks the filters of q and returns its offset.
func validSearch(q *SearchQuery) (int, error) {
	if q.Limit == 0 {
		q.Limit = SearchPageDefault
	}
	if q.Limit < 1 || q.Limit > SearchPageMax {
		return 0, searchFilterError("limit", fmt.Sprintf("limit must be between 1 and %d", SearchPageMax))
	}
	if q.State != "" && !slices.Contains(States, q.State) {
		return 0, searchFilterError("state", "unknown state")
	}
	if q.FolderID < 0 {
		return 0, searchFilterError("folder_id", "folder_id is a folder id")
	}
	if q.TypeID < 0 {
		return 0, searchFilterError("type_id", "type_id is a document type id")
	}
	if q.From != nil && q.To != nil && q.To.Before(*q.From) {
		return 0, searchFilterError("to", "to lies before from")
	}
	if q.Cursor == "" {
		return 0, nil
	}
	return decodeSearchCursor(q.Cursor)
}

// SearchDocuments searches the documents a reads (see the top of this
// file). An empty or unusable query is 422 (search_query_required,
// search_query_too_long, search_query_no_terms); a bad filter 422
// invalid_filter or invalid_cursor; a folder a does not read 404.
// Documents whose index entry is behind (IndexPending has not run since
// their last change) are found by what the index holds.
func (s *Service) SearchDocuments(ctx context.Context, a actor.Actor, q SearchQuery) (SearchPage, error) {
	offset, err := validSearch(&q)
	if err != nil {
		return SearchPage{}, err
	}
	expr, err := parseSearchQuery(q.Text)
	if err != nil {
		return SearchPage{}, err
	}
	page := SearchPage{Items: []SearchHit{}, Offset: offset}
	if !a.Authenticated() {
		return page, nil
	}
	folders, err := s.searchFolders(ctx, a, q.FolderID)
	if err != nil || len(folders) == 0 {
		return page, err
	}
	b := s.searchBackend()
	// Withdrawn documents (WebDAV DELETE of a draft) are gone for their
	// users; they stay stored, and indexed, for their retention period.
	where := []string{b.inSet("d.folder_id"), "d.withdrawn_at IS NULL"}
	args := []any{b.idSetArg(folders)}
	if q.State != "" {
		where, args = append(where, "d.state = ?"), append(args, q.State)
	}
	if q.TypeID != 0 {
		where, args = append(where, "d.type_id = ?"), append(args, q.TypeID)
	}
	if q.From != nil {
		where, args = append(where, "d.document_date >= ?"), append(args, q.From.String())
	}
	if q.To != nil {
		where, args = append(where, "d.document_date <= ?"), append(args, q.To.String())
	}
	filter := strings.Join(where, " AND ")

	// The window: the newest SearchRankWindow matches, counted; the page
	// is ranked among them.
	ids, total, err := b.find(ctx, s.db, expr, filter, args, SearchRankWindow, q.Limit, offset)
	if err != nil {
		return SearchPage{}, err
	}
	page.Total, page.TotalCapped = min(total, SearchRankWindow), total > SearchRankWindow
	if next := offset + q.Limit; next < page.Total && next < SearchMaxOffset {
		page.NextCursor = searchCursor(next)
	}
	if len(ids) == 0 {
		return page, nil
	}
	hits, err := s.searchHits(ctx, b, ids)
	if err != nil {
		return SearchPage{}, err
	}
	snippets, err := s.searchSnippets(ctx, b, expr, ids)
	if err != nil {
		return SearchPage{}, err
	}
	for _, id := range ids {
		h, ok := hits[id]
		if !ok {
			continue // deleted since
		}
		h.Snippet = snippets[id]
		if h.Snippet == nil {
			h.Snippet = []SnippetPart{}
		}
		page.Items = append(page.Items, h)
	}
	return page, nil
}

// searchHits reads the facts of documents ids.
func (s *Service) searchHits(ctx context.Context, b searchBackend, ids []int64) (map[int64]SearchHit, error) {
	rows, err := db.Query(ctx, s.db, func(row db.Scanner) (SearchHit, error) {
		var h SearchHit
		var typeID *int64
		var date *string
		var updated db.Time
		if err := row.Scan(&h.ID, &h.FolderID, &h.FolderReference, &h.FolderTitle, &h.Title, &typeID, &h.TypeName, &h.State,
			&date, &h.CurrentVersion, &updated); err != nil {
			return h, err
		}
		h.TypeID, h.UpdatedAt = deref(typeID), updated.Time
		if date != nil {
			if day, err := civil.Parse(*date); err == nil {
				h.DocumentDate = &day
			}
		}
		return h, nil
	}, `SELECT d.id, d.folder_id, f.reference, f.title, d.title, d.type_id, COALESCE(t.name, ''), d.state,
			d.document_date, d.current_version, d.updated_at
		FROM documents d JOIN doc_folders f ON f.id = d.folder_id LEFT JOIN doc_types t ON t.id = d.type_id
		WHERE `+b.inSet("d.id"), b.idSetArg(ids))
	if err != nil {
		return nil, fmt.Errorf("document: search hits: %w", err)
	}
	out := make(map[int64]SearchHit, len(rows))
	for _, h := range rows {
		out[h.ID] = h
	}
	return out, nil
}

// searchBackend is the part of full-text search that differs between
// SQLite (FTS5, search_sqlite.go) and PostgreSQL (tsvector,
// search_postgres.go).
type searchBackend interface {
	// inSet is the condition that column col holds one of the ids of
	// one argument made by idSetArg.
	inSet(col string) string
	idSetArg(ids []int64) any
	// find returns the ids of one page (limit, offset) of the documents
	// matching expr and filter (a condition on documents d with its
	// args), best first, and how many match, counted up to window+1
	// (window+1: more than window match): then the page is ranked among
	// the newest window of them (by id).
	find(ctx context.Context, d *db.DB, expr searchExpr, filter string, args []any, window, limit, offset int) ([]int64, int, error)
	// entryKey is the column of document_search holding the document id.
	entryKey() string
	// stemsEqual reports whether the backend finds every word with the
	// same stem (PostgreSQL), not only the inflected forms of germanForms
	// (SQLite); the snippets mark what the backend finds.
	stemsEqual() bool
	// lock makes sure document id exists and is not deleted before tx
	// ends; false when it is gone.
	lock(ctx context.Context, tx *db.Tx, id int64) (bool, error)
	// put replaces the index entry of document id.
	put(ctx context.Context, tx *db.Tx, id int64, e indexEntry) error
}

// searchBackend returns the backend of the database's dialect.
func (s *Service) searchBackend() searchBackend {
	if s.db.Dialect() == db.Postgres {
		return pgSearch{}
	}
	return sqliteSearch{}
}

// idList is ids as a JSON array.
func idList(ids []int64) string {
	b, _ := json.Marshal(ids)
	return string(b)
}
