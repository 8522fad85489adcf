package document

import (
	"context"
	"slices"
	"strings"
	"testing"

	"ortlos/internal/apperr"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
)

// sfStemWords are German words of administrative text in many forms.
var sfStemWords = strings.Fields(`
	antrag anträge anträgen antrags antragsteller antragstellerin beantragt beantragen beantragte
	bescheid bescheide bescheiden bescheides genehmigung genehmigungen genehmigt genehmigte
	haus häuser häusern hauses straße straßen strasse grundstück grundstücke grundstücken
	widerspruch widersprüche widerspruchs verwaltung verwaltungen verwaltungsakt öffentlich öffentliche
	öffentlichen öffentlichkeit gemeinde gemeinden bürger bürgerin bürgerinnen bürgern amt ämter amtes amtlich
	prüfung prüfungen geprüft prüfen gebühr gebühren zahlung zahlungen bedürfnissen bedürfnis
	äckern ackers armes derbsten aufeinanderfolgenden aufeinanderfolgten auferstehung aufessen
	käuflich kategorischen kinder kindern heiterkeit möglichkeit möglichkeiten freundlich freundlichkeit
	wirtschaftlich wirtschaftlichkeit zuständig zuständigkeit zuständigen zuständigkeiten
	feuerwehr feuerwehren sondernutzung sondernutzungen gaststätte gaststätten erlaubnis erlaubnisse
	bauen baue gebaut bauten schnellsten größte größten müller müll ja zu bei am
	vereinbarung vereinbarungen verhandlung verhandelt aktenzeichen akte akten schreiben schriftstück
	ruhig ruhigen kritik kritisch logistik praktisch eigentum eigentümer eigentümerin
	`)

// TestGermanStem checks the stemmer against PostgreSQL's Snowball German
// dictionary (german_stem) and a few stems by hand.
func TestGermanStem(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ word, want string }{
		{"anträge", "antrag"}, {"antrag", "antrag"}, {"häuser", "haus"}, {"kinder", "kind"}, {"kindern", "kind"},
		{"bedürfnissen", "bedurfnis"}, {"äckern", "ack"}, {"ackers", "ack"}, {"armes", "arm"}, {"derbsten", "derb"},
		{"käuflich", "kauflich"}, {"aufeinanderfolgenden", "aufeinanderfolg"}, {"ja", "ja"}, {"", ""},
	} {
		if got := germanStem(c.word, false); got != c.want {
			t.Errorf("germanStem(%q) = %q, want %q", c.word, got, c.want)
		}
	}
	if got := germanStem("straßen", true); got != "straß" {
		t.Errorf("germanStem(straßen, keep ß) = %q, want straß", got)
	}
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		d := dbtest.Open(t, db.Postgres)
		for _, w := range sfStemWords {
			var lex []string
			rows, err := d.QueryContext(context.Background(), `SELECT unnest(ts_lexize('german_stem', ?))`, w)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				lex = append(lex, s)
			}
			rows.Close()
			if len(lex) == 0 {
				continue // a stop word
			}
			if got := germanStem(w, false); got != lex[0] {
				t.Errorf("germanStem(%q) = %q, PostgreSQL says %q", w, got, lex[0])
			}
		}
	})
}

func TestParseSearchQuery(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want string // groups by " | ", terms: text, ~phrase, *prefix, -not
		code string
	}{
		{in: "Bauantrag Lindenstraße", want: "Bauantrag Lindenstraße"},
		{in: `"Antrag auf  Baugenehmigung" Frist`, want: "~Antrag auf Baugenehmigung Frist"},
		{in: "Bauan* Widerspruch*", want: "*Bauan *Widerspruch"},
		{in: "ab* a*", want: "ab a"},
		{in: "Bauantrag -Widerspruch", want: "Bauantrag -Widerspruch"},
		{in: `Bauantrag -"Antrag zurückgenommen"`, want: `Bauantrag -~Antrag zurückgenommen`},
		{in: "Bauantrag OR Bauvoranfrage Frist", want: "Bauantrag | Bauvoranfrage Frist"},
		{in: "OR Bauantrag OR OR Frist OR", want: "Bauantrag | Frist"},
		{in: "a AND b & c | d", want: "a b c | d"},
		{in: "Antrag, (Bescheid) 32.10-3 „Zitat“", want: "Antrag Bescheid 32.10-3 Zitat"},
		{in: `NEAR(a b) title:x ^y a:* 'b' \c`, want: "NEAR(a b title:x y a b c"},
		{in: `"unterminated phrase`, want: "~unterminated phrase"},
		{in: "-", code: "search_query_no_terms"},
		{in: "*** --- !!!", code: "search_query_no_terms"},
		{in: "-Widerspruch", code: "search_query_no_terms"},
		{in: "Antrag OR -Widerspruch", code: "search_query_no_terms"},
		{in: "   ", code: "search_query_required"},
		{in: strings.Repeat("a ", 17), code: "search_query_too_long"},
		{in: strings.Repeat("x", 501), code: "search_query_too_long"},
	} {
		expr, err := parseSearchQuery(c.in)
		if c.code != "" {
			if apperr.CodeOf(err) != c.code {
				t.Errorf("parse(%q) = %v, %v; want %s", c.in, expr, err, c.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("parse(%q): %v", c.in, err)
			continue
		}
		var groups []string
		for _, g := range expr {
			var ts []string
			for _, x := range g {
				s := x.text
				if x.phrase {
					s = "~" + s
				}
				if x.prefix {
					s = "*" + s
				}
				if x.not {
					s = "-" + s
				}
				ts = append(ts, s)
			}
			groups = append(groups, strings.Join(ts, " "))
		}
		if got := strings.Join(groups, " | "); got != c.want {
			t.Errorf("parse(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFTSQuery(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"Amt", `(("amt" OR "amte" OR "amtem" OR "amten" OR "amtens" OR "amter" OR "amtere" OR "amterem" OR "amteren" OR "amterer" OR "amteres" OR "amtern" OR "amters" OR "amtes" OR "amtest" OR "amteste" OR "amtestem" OR "amtesten" OR "amtester" OR "amtestes" OR "amts"))`},
		{"32.10-3 2026", `("32.10-3" AND "2026")`},
		{`"Antrag auf Bau" -Widerspruch`, `(("Antrag auf Bau") NOT (` + ftsAlternatives("widerspruch") + `))`},
		{"Bau* OR Haus -x -y", `("Bau" *) OR (((` + ftsAlternatives("haus") + `)) NOT "x" NOT "y")`},
		{`a"b`, `("a" AND "b")`},
	} {
		expr, err := parseSearchQuery(c.in)
		if err != nil {
			t.Fatalf("parse(%q): %v", c.in, err)
		}
		if got := ftsQuery(expr); got != c.want {
			t.Errorf("ftsQuery(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	for _, c := range []struct {
		word      string
		has, hasn []string
	}{
		{"anträge", []string{"antrage", "antrag", "antragen", "antrags", "antrages"}, []string{"anträge", "antragsteller", "antragung"}},
		{"häusern", []string{"haus", "hause", "hauses", "hauser", "hausern"}, nil},
		{"genehmigungen", []string{"genehmigung", "genehmigungen"}, []string{"genehmigen"}},
		{"schnellsten", []string{"schnell", "schneller", "schnellste", "schnellsten"}, nil},
		{"straße", []string{"straße", "straßen", "strasse", "strassen"}, nil},
		{"strassen", []string{"straße", "straßen", "strasse", "strassen"}, nil},
		{"wasserstrasse", []string{"wasserstrasse", "wasserstraße", "waßerstraße"}, nil},
		{"öffentlich", []string{"offentlich", "offentliche", "offentlichen"}, []string{"öffentlich"}},
	} {
		forms := germanForms(c.word)
		for _, w := range c.has {
			if !slices.Contains(forms, w) {
				t.Errorf("germanForms(%q) = %v, misses %q", c.word, forms, w)
			}
		}
		for _, w := range c.hasn {
			if slices.Contains(forms, w) {
				t.Errorf("germanForms(%q) = %v, has %q", c.word, forms, w)
			}
		}
	}
}

func ftsAlternatives(w string) string {
	var alts []string
	for _, f := range germanForms(w) {
		alts = append(alts, ftsString(f))
	}
	return strings.Join(alts, " OR ")
}

func TestSnippet(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Vorwort ohne Bezug. ", 20)
	for _, c := range []struct {
		q, text    string
		stemsEqual bool
		want       string
		match      bool
	}{
		{q: "Anträge", text: "Wir haben Ihren Antrag erhalten.", want: "Wir haben Ihren [Antrag] erhalten.", match: true},
		{q: "Antrag", text: "Die Antragsteller und die ANTRÄGE", want: "Die Antragsteller und die [ANTRÄGE]", match: true},
		{q: "Antrag*", text: "Die Antragsteller und die ANTRÄGE", want: "Die [Antragsteller] und die [ANTRÄGE]", match: true},
		{q: "Antrag", text: "Die Antragsteller und die ANTRÄGE", stemsEqual: true, want: "Die Antragsteller und die [ANTRÄGE]", match: true},
		{q: `"Antrag auf Erlaubnis"`, text: "Antrag auf\nErlaubnis, Antrag auf Abriss", want: "[Antrag auf Erlaubnis], Antrag auf Abriss", match: true},
		{q: "32.10-3", text: "Az. 32.10-3 vom 1.2.", want: "Az. [32.10-3] vom 1.2.", match: true},
		{q: "Strasse", text: "Lindenstraße und Straße", want: "Lindenstraße und [Straße]", match: true},
		{q: "Bau* -Abriss", text: "Bauantrag, kein Abriss", want: "[Bauantrag], kein Abriss", match: true},
		{q: "Kaffee", text: "Tee\tund\x01 Wasser", want: "Tee und Wasser"},
		{q: "Frist", text: long + "Die Frist endet.", want: "… Bezug. Vorwort ohne Bezug. Die [Frist] endet.", match: true},
		{q: "Vorwort", text: long, want: strings.Repeat("[Vorwort] ohne Bezug. ", 8) + "…", match: true},
	} {
		expr, err := parseSearchQuery(c.q)
		if err != nil {
			t.Fatal(err)
		}
		parts, ok := newSnippetMatcher(expr, c.stemsEqual).snippet(c.text)
		var b strings.Builder
		for _, p := range parts {
			if p.Match {
				b.WriteString("[" + p.Text + "]")
			} else {
				b.WriteString(p.Text)
			}
		}
		if b.String() != c.want || ok != c.match {
			t.Errorf("snippet(%q, %q) = %q, %v; want %q, %v", c.q, c.text, b.String(), ok, c.want, c.match)
		}
	}
}
