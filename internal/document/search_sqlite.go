package document

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"ortlos/internal/db"
)

// sqliteSearch is full-text search with SQLite FTS5: the table
// document_search (rowid = document id) with the unicode61 tokenizer,
// which folds case and diacritics ("Anträge" is "antrage") but does not
// stem. German word forms are found at query time instead: a query word
// of letters becomes the alternatives of its inflected forms with the same
// Snowball German stem (germanForms), so "Anträge" finds Antrag, Anträge,
// Anträgen and Antrags, as PostgreSQL's 'german' configuration does, but
// not derivations (Genehmigung, genehmigen), which PostgreSQL conflates.
// A word with ß or ss is also searched in the other spelling ("Strasse"
// finds "Straße"), as PostgreSQL's stemmer folds ß to ss.
type sqliteSearch struct{}

// bm25 weights of the columns head, meta and body (as PostgreSQL's
// default weights of A, B and C relate: 1.0, 0.4, 0.2).
const sqliteRank = `bm25(document_search, 5.0, 2.0, 1.0)`

func (sqliteSearch) inSet(col string) string { return col + ` IN (SELECT value FROM json_each(?))` }

func (sqliteSearch) idSetArg(ids []int64) any { return idList(ids) }

// find runs two statements: the window, then the page of ranked ids. In
// the window FTS5 walks the matches by rowid, newest first, without a
// sort; the page's bound on the rowid goes to FTS5, which then skips the
// older matches, so bm25 and the document lookups run for the window
// only. CROSS JOIN keeps the FTS table the outer loop: SQLite walks the
// matches and looks each document up, never the other way round.
func (sqliteSearch) find(ctx context.Context, d *db.DB, expr searchExpr, filter string, args []any, window, limit, offset int) ([]int64, int, error) {
	fq := ftsQuery(expr)
	var total int
	var bound int64
	// The newest window+1 matches: their number, and the oldest id of
	// the newest window (the one more only tells that there are more).
	if err := d.QueryRowContext(ctx, `WITH w AS MATERIALIZED (SELECT d.id FROM document_search CROSS JOIN documents d
		WHERE document_search MATCH ? AND d.id = document_search.rowid AND `+filter+`
		ORDER BY document_search.rowid DESC LIMIT ?)
		SELECT (SELECT count(*) FROM w), COALESCE((SELECT min(id) FROM (SELECT id FROM w ORDER BY id DESC LIMIT ?)), 0)`,
		append(append([]any{fq}, args...), window+1, window)...).Scan(&total, &bound); err != nil {
		return nil, 0, fmt.Errorf("document: search window: %w", err)
	}
	if offset >= min(total, window) {
		return nil, total, nil
	}
	if total <= window {
		bound = 0
	}
	ids, err := db.Query(ctx, d, func(row db.Scanner) (int64, error) {
		var id int64
		return id, row.Scan(&id)
	}, `SELECT d.id FROM document_search CROSS JOIN documents d
		WHERE document_search MATCH ? AND document_search.rowid >= ? AND d.id = document_search.rowid AND `+filter+`
		ORDER BY `+sqliteRank+`, d.id DESC LIMIT ? OFFSET ?`, append(append([]any{fq, bound}, args...), limit, offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("document: search: %w", err)
	}
	return ids, total, nil
}

func (sqliteSearch) entryKey() string { return "rowid" }

func (sqliteSearch) stemsEqual() bool { return false }

func (sqliteSearch) lock(ctx context.Context, tx *db.Tx, id int64) (bool, error) {
	// SQLite has one writer: the document cannot go before tx ends.
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM documents WHERE id = ?`, id).Scan(&n); err != nil {
		return false, fmt.Errorf("document: search lock: %w", err)
	}
	return n == 1, nil
}

func (sqliteSearch) put(ctx context.Context, tx *db.Tx, id int64, e indexEntry) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM document_search WHERE rowid = ?`, id); err != nil {
		return fmt.Errorf("document: search index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO document_search (rowid, head, meta, body) VALUES (?, ?, ?, ?)`,
		id, e.head, e.meta, e.body); err != nil {
		return fmt.Errorf("document: search index: %w", err)
	}
	return nil
}

// ftsQuery translates expr into an FTS5 query: every term a quoted FTS5
// string (a double quote inside doubled), so nothing of the user's input
// is FTS5 syntax.
func ftsQuery(expr searchExpr) string {
	groups := make([]string, 0, len(expr))
	for _, g := range expr {
		var pos, neg []string
		for _, t := range g {
			if t.not {
				neg = append(neg, ftsTerm(t))
			} else {
				pos = append(pos, ftsTerm(t))
			}
		}
		q := strings.Join(pos, " AND ")
		if len(neg) > 0 {
			q = "(" + q + ") NOT " + strings.Join(neg, " NOT ")
		}
		groups = append(groups, "("+q+")")
	}
	return strings.Join(groups, " OR ")
}

func ftsString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// ftsTerm is one term of ftsQuery.
func ftsTerm(t searchTerm) string {
	switch {
	case t.phrase:
		return ftsString(t.text)
	case t.prefix:
		return ftsString(t.text) + " *"
	}
	w := strings.ToLower(t.text)
	if strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }) >= 0 {
		// Numbers, references ("32.10-3") and words with inner
		// punctuation: the tokenizer makes a phrase of their parts.
		return ftsString(w)
	}
	var alts []string
	for _, form := range germanForms(w) {
		alts = append(alts, ftsString(form))
	}
	if len(alts) == 1 {
		return alts[0]
	}
	return "(" + strings.Join(alts, " OR ") + ")"
}

// germanEndings are the endings of German inflection (nouns, adjectives
// with comparison) that the stemmer removes; germanCommonEndings the
// most frequent of them.
var (
	germanEndings = func() []string {
		var out []string
		for _, mid := range []string{"", "er", "st", "est"} {
			for _, e := range []string{"", "e", "em", "en", "er", "es"} {
				out = append(out, mid+e)
			}
		}
		out = append(out, "ern", "s", "ens", "ers")
		slices.Sort(out)
		return slices.Compact(out)
	}()
	germanCommonEndings = []string{"", "e", "en", "er", "ern", "es", "s"}
)

// germanForms returns the lower-case word w (letters only) and the
// inflected forms of it (as the index holds words: without diacritics, ß
// kept) that have the same Snowball stem, and the common ones of its
// other spellings of ß/ss: "anträge" gives antrage, antrag, antragen,
// antrags, …. Most of them are not words; looking up a word that is not
// in the index costs little.
func germanForms(w string) []string {
	var forms []string
	for i, form := range sharpSForms(w) {
		forms = appendNew(forms, foldWord(form))
		stem, base := germanStem(form, true), germanInflectionStem(form)
		endings := germanEndings
		if i > 0 {
			endings = germanCommonEndings
		}
		for _, e := range endings {
			if c := base + e; germanStem(c, true) == stem {
				forms = appendNew(forms, c)
			}
		}
	}
	return forms
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// sharpSForms returns w and its spellings with ß for ss and ss for ß (the
// index keeps ß; PostgreSQL's stemmer makes ss of it, so "Strasse" finds
// "Straße" there), w first: every combination for up to two places, w
// alone beyond.
func sharpSForms(w string) []string {
	rs := []rune(w)
	var places []int // index of ß, or of the first s of ss
	for i := 0; i < len(rs); i++ {
		switch {
		case rs[i] == 'ß':
			places = append(places, i)
		case rs[i] == 's' && i+1 < len(rs) && rs[i+1] == 's':
			places = append(places, i)
			i++
		}
	}
	if len(places) == 0 || len(places) > 2 {
		return []string{w}
	}
	forms := make([]string, 0, 1<<len(places))
	for mask := range 1 << len(places) {
		var b strings.Builder
		next := 0
		for k, p := range places {
			b.WriteString(string(rs[next:p]))
			sharp := rs[p] == 'ß'
			if mask&(1<<k) != 0 {
				sharp = !sharp
			}
			if sharp {
				b.WriteRune('ß')
			} else {
				b.WriteString("ss")
			}
			next = p + 1
			if rs[p] == 's' {
				next = p + 2
			}
		}
		b.WriteString(string(rs[next:]))
		forms = append(forms, b.String())
	}
	return forms
}

// German stemming: the Snowball German algorithm
// (https://snowballstem.org/algorithms/german/stemmer.html), as
// PostgreSQL's 'german' configuration applies it, on a lower-case word.
// With keepSharpS ß stays as it is (FTS5's tokenizer keeps it, so the
// forms built from a stem must too); the algorithm proper replaces it by
// ss.

func germanVowel(r rune) bool {
	switch r {
	case 'a', 'e', 'i', 'o', 'u', 'y', 'ä', 'ö', 'ü':
		return true
	}
	return false
}

func germanSEnding(r rune) bool { return strings.ContainsRune("bdfghklmnrt", r) }

func germanStEnding(r rune) bool { return strings.ContainsRune("bdfghklmnt", r) }

// germanStem returns the stem of the lower-case word w.
func germanStem(word string, keepSharpS bool) string { return germanStemSteps(word, keepSharpS, true) }

// germanInflectionStem returns w without the inflection endings the
// stemmer removes (steps 1 and 2) but with derivations such as -ung or
// -lich: the part that the inflected forms of w share.
func germanInflectionStem(word string) string { return germanStemSteps(word, true, false) }

// germanStemSteps runs the algorithm, step 3 (derivations) only with
// derivations.
func germanStemSteps(word string, keepSharpS, derivations bool) string {
	if !keepSharpS {
		word = strings.ReplaceAll(word, "ß", "ss")
	}
	w := []rune(word)
	// Prelude: u and y between vowels are consonants (marked upper case).
	for i := 1; i+1 < len(w); i++ {
		if germanVowel(w[i-1]) && germanVowel(w[i+1]) {
			switch w[i] {
			case 'u':
				w[i] = 'U'
			case 'y':
				w[i] = 'Y'
			}
		}
	}
	// R1 is the region after the first non-vowel following a vowel, at
	// least three letters in; R2 the same within R1.
	p1, p2 := len(w), len(w)
	if len(w) >= 3 {
		for i := 1; i < len(w); i++ {
			if germanVowel(w[i-1]) && !germanVowel(w[i]) {
				p1 = i + 1
				break
			}
		}
		for i := p1 + 1; i < len(w); i++ {
			if germanVowel(w[i-1]) && !germanVowel(w[i]) {
				p2 = i + 1
				break
			}
		}
		p1 = max(p1, 3)
	}
	ends := func(s string) bool {
		n := utf8.RuneCountInString(s)
		return len(w) >= n && string(w[len(w)-n:]) == s
	}
	// longest returns the longest of suffixes that w ends with.
	longest := func(suffixes ...string) string {
		best := ""
		for _, s := range suffixes {
			if len(s) > len(best) && ends(s) {
				best = s
			}
		}
		return best
	}
	start := func(s string) int { return len(w) - utf8.RuneCountInString(s) }
	cut := func(s string) { w = w[:start(s)] }

	// Step 1.
	switch s := longest("em", "ern", "er", "e", "en", "es", "s"); {
	case s == "":
	case start(s) < p1:
	case s == "em" || s == "ern" || s == "er":
		cut(s)
	case s == "e" || s == "en" || s == "es":
		cut(s)
		if ends("niss") {
			w = w[:len(w)-1]
		}
	case s == "s":
		if len(w) >= 2 && germanSEnding(w[len(w)-2]) {
			cut(s)
		}
	}
	// Step 2.
	switch s := longest("en", "er", "est", "st"); {
	case s == "":
	case start(s) < p1:
	case s == "st":
		if i := start(s) - 1; i >= 3 && germanStEnding(w[i]) {
			cut(s)
		}
	default:
		cut(s)
	}
	// Step 3: derivational suffixes, in R2.
	switch s := longest("end", "ung", "ig", "ik", "isch", "lich", "heit", "keit"); {
	case s == "" || !derivations:
	case start(s) < p2:
	case s == "end" || s == "ung":
		cut(s)
		if ends("ig") && start("ig") >= p2 && !(start("ig") >= 1 && w[start("ig")-1] == 'e') {
			cut("ig")
		}
	case s == "ig" || s == "ik" || s == "isch":
		if !(start(s) >= 1 && w[start(s)-1] == 'e') {
			cut(s)
		}
	case s == "lich" || s == "heit":
		cut(s)
		if t := longest("er", "en"); t != "" && start(t) >= p1 {
			cut(t)
		}
	case s == "keit":
		cut(s)
		if t := longest("lich", "ig"); t != "" && start(t) >= p2 {
			cut(t)
		}
	}
	// Postlude.
	for i, r := range w {
		switch r {
		case 'U':
			w[i] = 'u'
		case 'Y':
			w[i] = 'y'
		case 'ä':
			w[i] = 'a'
		case 'ö':
			w[i] = 'o'
		case 'ü':
			w[i] = 'u'
		}
	}
	return string(w)
}
