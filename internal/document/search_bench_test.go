package document_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/document"
)

// The search benchmark (docs/search.md#performance, docs/performance.md):
// 100,000 documents with German administrative text from a vocabulary of
// a few thousand word forms (Zipf-distributed, function words most
// frequent), bulk-inserted by SQL together with their index entries, in
// 1,000 files below 50 plan positions. The searcher reads 10 plan
// positions (about a fifth of the documents); a second one reads all.
// Each iteration is one search of a typical one- or two-word query;
// p50/p95/p99 are reported as metrics.
//
//	go test ./internal/document -run '^$' -bench BenchmarkSearchDocuments -benchtime 200x -timeout 60m
//
// ORTLOS_SEARCH_BENCH_DOCS changes the number of documents;
// ORTLOS_SEARCH_BENCH_CACHE=dir keeps the SQLite database in dir for the
// next run, and with ORTLOS_TEST_POSTGRES_URL the PostgreSQL database
// search_bench_N on that server (delete them after changing the fixture;
// new migrations are applied to them).

// sfBenchNouns are nouns of administrative texts; the vocabulary adds
// inflected forms and compounds of them.
var sfBenchNouns = strings.Fields(`Antrag Bescheid Genehmigung Widerspruch Frist Gebühr Verwaltung Behörde Gemeinde Stadt
	Kreis Land Bund Bürger Grundstück Gebäude Straße Platz Weg Haus Wohnung Miete Eigentum Vertrag Vereinbarung Zahlung Rechnung
	Steuer Abgabe Beitrag Zuschuss Förderung Mittel Haushalt Plan Bebauung Bau Umbau Abriss Nutzung Sondernutzung Erlaubnis
	Gewerbe Gaststätte Markt Veranstaltung Versammlung Feuerwehr Rettung Schule Kita Jugend Familie Kind Eltern Sozialhilfe
	Wohngeld Unterhalt Rente Pflege Gesundheit Umwelt Wasser Abwasser Abfall Energie Strom Wärme Klima Natur Baum Wald
	Verkehr Parkplatz Fahrzeug Führerschein Zulassung Meldung Ausweis Pass Register Akte Vorgang Verfahren Prüfung
	Stellungnahme Anhörung Beschluss Sitzung Rat Ausschuss Vorlage Protokoll Bericht Auskunft Anfrage Beschwerde Klage
	Gericht Urteil Vollstreckung Mahnung Zinsen Kosten Auftrag Vergabe Angebot Leistung Lieferung Personal Stelle Dienst
	Urlaub Arbeitszeit Fortbildung Datenschutz Sicherheit Brandschutz Denkmal Friedhof Wahl Statistik Archiv`)

var sfBenchVerbs = strings.Fields(`beantragen prüfen genehmigen ablehnen erteilen zahlen mitteilen einreichen vorlegen
	bearbeiten entscheiden anhören widersprechen erheben festsetzen erstatten verlängern bestätigen übersenden beifügen
	zustellen beraten beschließen vergeben ausschreiben kündigen melden ändern aufheben verweisen`)

var sfBenchAdjectives = strings.Fields(`öffentlich zuständig rechtzeitig vollständig fristgerecht schriftlich mündlich
	erforderlich zulässig unzulässig gebührenpflichtig vorläufig endgültig städtisch kommunal gewerblich privat
	baulich rechtlich finanziell sachlich neu alt hoch gering weitere folgende`)

var sfBenchFunction = strings.Fields(`der die das und in zu den von mit ist für auf nicht dem des ein eine sich im
	wird werden bei als auch an nach sie es wir Ihr Ihre Ihnen Sie aus oder wie über vom zur zum sind hat haben
	wurde einer einem eines noch nur so diese dieser dieses bis durch gegen unter hiermit bitte gemäß sowie daher`)

// sfBenchVocabulary returns the vocabulary, most frequent first: the
// function words, then content words in a fixed random order.
func sfBenchVocabulary(r *rand.Rand) (vocab, content []string) {
	seen := map[string]bool{}
	add := func(w string) {
		if !seen[w] {
			seen[w] = true
			content = append(content, w)
		}
	}
	for _, n := range sfBenchNouns {
		add(n)
		for _, suf := range []string{"e", "en", "es", "s", "n"} {
			if r.IntN(3) == 0 {
				add(n + suf)
			}
		}
	}
	for range 2500 {
		a, b := sfBenchNouns[r.IntN(len(sfBenchNouns))], sfBenchNouns[r.IntN(len(sfBenchNouns))]
		if a != b {
			add(a + strings.ToLower(b))
		}
	}
	for _, v := range sfBenchVerbs {
		stem := strings.TrimSuffix(strings.TrimSuffix(v, "n"), "e")
		for _, w := range []string{v, stem + "t", stem + "te", stem + "ten", "ge" + stem + "t"} {
			add(w)
		}
	}
	for _, a := range sfBenchAdjectives {
		for _, suf := range []string{"", "e", "en", "er", "es"} {
			add(a + suf)
		}
	}
	r.Shuffle(len(content), func(i, j int) { content[i], content[j] = content[j], content[i] })
	return append(slices.Clone(sfBenchFunction), content...), content
}

// sfZipf draws word ranks with probability proportional to 1/(rank+1).
type sfZipf struct{ cum []float64 }

func newSFZipf(n int) sfZipf {
	z := sfZipf{cum: make([]float64, n)}
	sum := 0.0
	for i := range n {
		sum += 1 / float64(i+1)
		z.cum[i] = sum
	}
	for i := range z.cum {
		z.cum[i] /= sum
	}
	return z
}

func (z sfZipf) draw(r *rand.Rand) int {
	i, _ := slices.BinarySearch(z.cum, r.Float64())
	return min(i, len(z.cum)-1)
}

// sfText returns n words of vocab as sentences.
func sfText(r *rand.Rand, z sfZipf, vocab []string, n int) string {
	var b strings.Builder
	for i := range n {
		w := vocab[z.draw(r)]
		if i%12 == 0 && i > 0 {
			b.WriteString(". ")
			rs := []rune(w)
			w = strings.ToUpper(string(rs[:1])) + string(rs[1:])
		} else if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	b.WriteByte('.')
	return b.String()
}

// sfBench is a database filled for the benchmark.
type sfBench struct {
	d         *db.DB
	svc       *document.Service
	some, all actor.Actor
	queries   []string
	docs      int
}

func newSearchBench(b *testing.B, dialect db.Dialect) *sfBench {
	b.Helper()
	n := 100_000
	if s := os.Getenv("ORTLOS_SEARCH_BENCH_DOCS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1000 {
			b.Fatalf("ORTLOS_SEARCH_BENCH_DOCS=%q", s)
		}
	}
	ctx := context.Background()
	r := rand.New(rand.NewPCG(6, 2026))
	vocab, content := sfBenchVocabulary(r)
	z, zc := newSFZipf(len(vocab)), newSFZipf(len(content))
	// ORTLOS_SEARCH_BENCH_CACHE keeps the SQLite database in that folder
	// for the next run (the benchmark only reads it); with
	// ORTLOS_TEST_POSTGRES_URL (a server that outlives the run) it keeps
	// the PostgreSQL database search_bench_N there too.
	cacheURL, cached := "", false
	if dir := os.Getenv("ORTLOS_SEARCH_BENCH_CACHE"); dir != "" {
		switch admin := os.Getenv(dbtest.EnvPostgresURL); {
		case dialect == db.SQLite:
			cacheURL = "sqlite:" + filepath.Join(dir, fmt.Sprintf("search-bench-%d.db", n))
			_, err := os.Stat(strings.TrimPrefix(cacheURL, "sqlite:"))
			cached = err == nil
		case admin != "":
			cacheURL, cached = sfBenchPostgres(b, admin, fmt.Sprintf("search_bench_%d", n))
		}
	}
	var d *db.DB
	if cacheURL != "" {
		var err error
		if d, err = db.Open(ctx, cacheURL, db.Options{}); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { d.Close() })
		if _, err := d.Migrate(ctx, time.Now()); err != nil {
			b.Fatal(err)
		}
		if cached {
			bench := &sfBench{d: d, svc: document.NewService(d, clock.NewFake(sfStart), nil), docs: n}
			for _, u := range []struct {
				name string
				a    *actor.Actor
			}{{"sabine.sach", &bench.some}, {"rolf.registratur", &bench.all}} {
				var id int64
				if err := d.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, u.name).Scan(&id); err != nil {
					b.Fatal(err)
				}
				*u.a = actor.Actor{UserID: id, Username: u.name, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
			}
			bench.queries = sfBenchQueries(content)
			return bench
		}
	} else {
		d = dbtest.Open(b, dialect)
	}
	bench := &sfBench{d: d, svc: document.NewService(d, clock.NewFake(sfStart), nil), docs: n}
	bench.some = sfUser(b, d, "sabine.sach", "Sabine Sach")
	bench.all = sfUser(b, d, "rolf.registratur", "Rolf Registratur")
	start := time.Now()

	// 50 plan positions with 20 files each.
	var files []int64
	for p := range 50 {
		plan := sfInsert(b, d, `INSERT INTO doc_folders (kind, reference, title, created_at, updated_at) VALUES ('plan', ?, ?, ?, ?) RETURNING id`,
			strconv.Itoa(10+p), sfBenchNouns[p], db.T(sfStart), db.T(sfStart))
		access := []actor.Actor{bench.all}
		if p%5 == 0 {
			access = append(access, bench.some)
		}
		for _, a := range access {
			sfExec(b, d, `INSERT INTO doc_folder_grants (folder_id, principal_kind, principal, access) VALUES (?, 'user', ?, 'read')`,
				plan, strconv.FormatInt(a.UserID, 10))
		}
		for f := range 20 {
			files = append(files, sfInsert(b, d, `INSERT INTO doc_folders (parent_id, kind, reference, title, created_at, updated_at)
				VALUES (?, 'file', ?, ?, ?, ?) RETURNING id`, plan, fmt.Sprintf("%d.%d-%d", 10+p, f+1, 2020+f%6),
				sfText(r, zc, content, 3), db.T(sfStart), db.T(sfStart)))
		}
	}
	typ := sfInsert(b, d, `INSERT INTO doc_types (name, fields, created_at, updated_at) VALUES ('Bescheid', '[]', ?, ?) RETURNING id`,
		db.T(sfStart), db.T(sfStart))

	insertIndex := `INSERT INTO document_search (rowid, head, meta, body) VALUES (?, ?, ?, ?)`
	if dialect == db.Postgres {
		insertIndex = `INSERT INTO document_search (document_id, head, meta, body) VALUES (?, ?, ?, ?)`
	}
	const batch = 2000
	for first := 0; first < n; first += batch {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for i := first; i < min(first+batch, n); i++ {
				folder := files[r.IntN(len(files))]
				title := sfText(r, zc, content, 3+r.IntN(5))
				title = strings.TrimSuffix(title, ".")
				var typeID any
				state := document.StateDraft
				if i%3 == 0 {
					typeID, state = typ, document.StateFinal
				}
				date := civilDay(r)
				var id int64
				if err := tx.QueryRowContext(ctx, `INSERT INTO documents (folder_id, title, type_id, author, document_date, fields, state,
					current_version, created_at, updated_at) VALUES (?, ?, ?, 'Sachbearbeitung', ?, '{}', ?, 1, ?, ?) RETURNING id`,
					folder, title, typeID, date, state, db.T(sfStart), db.T(sfStart)).Scan(&id); err != nil {
					return err
				}
				body := sfText(r, z, vocab, 80+r.IntN(320))
				if _, err := tx.ExecContext(ctx, insertIndex, id, title, "Bescheid\nSachbearbeitung", body); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("bulk insert: %v", err)
		}
	}
	sfExec(b, d, `UPDATE document_search_state SET indexed_gen = gen, content = 'text'`)
	// No FTS5 'optimize': the index has the segments that FTS5's own
	// merging leaves, as in use. PostgreSQL's autovacuum analyses a table
	// after a bulk load; ortlos never runs ANALYZE on SQLite (with STAT4
	// statistics SQLite prepares FTS5's inner statements anew for every
	// term, which costs a third of a search).
	if dialect == db.Postgres {
		sfExec(b, d, `ANALYZE`)
	}
	b.Logf("%s: %d documents in %d files built in %s", dialect, n, len(files), time.Since(start).Round(time.Second))

	bench.queries = sfBenchQueries(content)
	return bench
}

// sfBenchPostgres returns the URL of the database name on the server of
// the admin URL, creating it when missing (false).
func sfBenchPostgres(b *testing.B, admin, name string) (string, bool) {
	ctx := context.Background()
	a, err := db.Open(ctx, admin, db.Options{MaxOpenConns: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	var n int
	if err := a.QueryRowContext(ctx, `SELECT count(*) FROM pg_database WHERE datname = ?`, name).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n == 0 {
		if _, err := a.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			b.Fatal(err)
		}
	}
	base, query, _ := strings.Cut(admin, "?")
	u := base[:strings.LastIndex(base, "/")+1] + name
	if query != "" {
		u += "?" + query
	}
	return u, n == 1
}

// sfBenchQueries returns typical queries: one or two content words,
// nouns and compounds mostly, of every frequency.
func sfBenchQueries(content []string) []string {
	r := rand.New(rand.NewPCG(7, 2026))
	var qs []string
	for range 200 {
		q := content[r.IntN(len(content))]
		if r.IntN(2) == 0 {
			q += " " + content[r.IntN(len(content))]
		}
		qs = append(qs, q)
	}
	return qs
}

func civilDay(r *rand.Rand) string {
	return time.Date(2018+r.IntN(8), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC).Format("2006-01-02")
}

// run searches the queries in turn as a, one per iteration, and reports
// the latency percentiles and the mean number of hits.
func (s *sfBench) run(b *testing.B, a actor.Actor, queries []string) {
	ctx := context.Background()
	// Warm the caches as a running server has them.
	for _, q := range queries[:min(20, len(queries))] {
		if _, err := s.svc.SearchDocuments(ctx, a, document.SearchQuery{Text: q}); err != nil {
			b.Fatal(err)
		}
	}
	var lat []time.Duration
	hits := 0
	i := 0
	cpu0 := sfCPU()
	for b.Loop() {
		q := queries[i%len(queries)]
		i++
		t0 := time.Now()
		p, err := s.svc.SearchDocuments(ctx, a, document.SearchQuery{Text: q})
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatalf("search %q: %v", q, err)
		}
		hits += p.Total
	}
	cpu := sfCPU() - cpu0
	slices.Sort(lat)
	pct := func(p float64) float64 {
		k := int(math.Ceil(p*float64(len(lat)))) - 1
		return float64(lat[max(k, 0)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(hits)/float64(len(lat)), "hits/op")
	// The process's CPU time per search: on a busy machine a better
	// measure of the work than the latencies (for SQLite it is all of
	// it; PostgreSQL works in its own processes).
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(lat)), "cpu-ms/op")
}

func BenchmarkSearchDocuments(b *testing.B) {
	for _, dialect := range []db.Dialect{db.SQLite, db.Postgres} {
		b.Run(string(dialect), func(b *testing.B) {
			s := newSearchBench(b, dialect)
			// Frequent words: the 40 most frequent content words.
			_, content := sfBenchVocabulary(rand.New(rand.NewPCG(6, 2026)))
			frequent := content[:40]
			b.Run("typical/subset", func(b *testing.B) { s.run(b, s.some, s.queries) })
			b.Run("typical/all", func(b *testing.B) { s.run(b, s.all, s.queries) })
			b.Run("frequent/subset", func(b *testing.B) { s.run(b, s.some, frequent) })
			b.Run("frequent/all", func(b *testing.B) { s.run(b, s.all, frequent) })
		})
	}
}

// sfCPU returns the CPU time the process has used.
func sfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
