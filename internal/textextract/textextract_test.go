package textextract

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The sentence and reference every fixture holds (make_fixtures.py).
const (
	sentence = "Bescheid über Gebühren: Die Straße in Görlitz wird größer. Übermäßige Ärgernisse und Öl."
	ref      = "Aktenzeichen 123.45-6/2026"
)

const (
	mimeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	mimePPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	mimeODT  = "application/vnd.oasis.opendocument.text"
	mimeODS  = "application/vnd.oasis.opendocument.spreadsheet"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func extract(t testing.TB, mimeType string, b []byte, limit int) (string, error) {
	t.Helper()
	return Extract(context.Background(), mimeType, bytes.NewReader(b), int64(len(b)), limit)
}

// checkText fails unless text is clean: valid UTF-8, no NUL or control
// characters other than tab and newline.
func checkText(t testing.TB, text string) {
	t.Helper()
	if !utf8.ValidString(text) {
		t.Fatalf("text is not valid UTF-8: %q", text)
	}
	for _, r := range text {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7F {
			t.Fatalf("text holds control character %U: %q", r, text)
		}
	}
}

func TestExtractFixtures(t *testing.T) {
	tests := []struct {
		file, mime string
		want       []string // in this order
	}{
		{"reportlab_helvetica.pdf", "application/pdf", []string{sentence, ref, "Zweite Seite – Euro: 12,50 €"}},
		{"reportlab_ttf.pdf", "application/pdf", []string{sentence, ref, "Zeile eins mit Anführungszeichen „so“\nZeile zwei"}},
		{"objstm.pdf", "application/pdf", []string{sentence, ref, "Zeile zwei"}},
		{"cairo.pdf", "application/pdf", []string{sentence, ref, "Grüße – Ελληνικά Кириллица „so“ €"}},
		{"groff.pdf", "application/pdf", []string{"Bescheid über Gebühren", "Die Straße in Görlitz wird größer. Übermäßige Ärgernisse und Öl.", ref}},
		{"word.docx", mimeDOCX, []string{"Bescheid", sentence, "Fett: wichtig", "Gebühr", "12,50 €", ref, "Kopfzeile Landratsamt"}},
		{"calc.xlsx", mimeXLSX, []string{"Gebühren\nÜbersicht", sentence, ref, "12.5", "Zweites Blatt"}},
		{"slides.pptx", mimePPTX, []string{"Bescheid\n" + sentence, ref, "Folie zehn"}},
		{"text.odt", mimeODT, []string{"Bescheid", sentence, ref}},
		{"calc.ods", mimeODS, []string{sentence, ref}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			text, err := extract(t, tt.mime, readFixture(t, tt.file), 0)
			if err != nil {
				t.Fatal(err)
			}
			checkText(t, text)
			rest := text
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("text lacks %q (in order):\n%s", w, text)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

func TestExtractPageBreaks(t *testing.T) {
	text, err := extract(t, "application/pdf", readFixture(t, "reportlab_helvetica.pdf"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, ref+"\n\nZweite Seite") {
		t.Errorf("pages are not separated by an empty line:\n%q", text)
	}
}

func TestExtractPlain(t *testing.T) {
	tests := []struct {
		name, mime string
		in         []byte
		want       string
	}{
		{"utf8", "text/plain", []byte("Grüße aus Görlitz\r\nZeile 2"), "Grüße aus Görlitz\nZeile 2"},
		{"bom", "text/plain; charset=utf-8", []byte("\xef\xbb\xbfÄrger"), "Ärger"},
		{"cp1252 csv", "text/csv", []byte("Name;Stra\xdfe\nM\xfcller;Hauptstra\xdfe 1 \x80"), "Name;Straße\nMüller;Hauptstraße 1 €"},
		{"utf16le", "text/plain", []byte("\xff\xfeG\x00r\x00\xfc\x00\xdf\x00e\x00"), "Grüße"},
		{"utf16be", "text/plain", []byte("\xfe\xff\x00G\x00r\x00\xfc\x00\xdf\x00e"), "Grüße"},
		{"controls", "text/plain", []byte("a\x00b\x01c\x1b[31md\u200b\u00ade\ufeff"), "abc[31md\u200be"},
		{"white space", "text/markdown", []byte("  # Titel  \n\n\n\n\tText   mit    Lücken  \n"), "# Titel\n\nText mit Lücken"},
		{"ligatures", "text/plain", []byte("\ufb01nden und \ufb02ießen"), "finden und fließen"},
		{"nfc", "text/plain", []byte("Mu\u0308ller"), "Müller"},
		{"json", "application/json", []byte(`{"name": "Gebühr"}`), `{"name": "Gebühr"}`},
	}
	for _, tt := range tests {
		got, err := extract(t, tt.mime, tt.in, 0)
		if err != nil || got != tt.want {
			t.Errorf("%s: Extract = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestExtractLimit(t *testing.T) {
	long := strings.Repeat("Größe ", 100000) // 700 KB
	for _, limit := range []int{1, 2, 3, 100, 1001, 65536} {
		got, err := extract(t, "text/plain", []byte(long), limit)
		if err != nil || len(got) > limit || !utf8.ValidString(got) || !strings.HasPrefix(long, got) {
			t.Errorf("limit %d: got %d bytes (%q…), %v", limit, len(got), got[:min(len(got), 20)], err)
		}
		if limit >= 100 && len(got) < limit-8 {
			t.Errorf("limit %d: only %d bytes", limit, len(got))
		}
	}
	for _, f := range []struct{ file, mime string }{{"reportlab_ttf.pdf", "application/pdf"}, {"word.docx", mimeDOCX}, {"calc.xlsx", mimeXLSX}, {"text.odt", mimeODT}} {
		got, err := extract(t, f.mime, readFixture(t, f.file), 40)
		if err != nil || len(got) > 40 || len(got) < 20 || !utf8.ValidString(got) {
			t.Errorf("%s with limit 40: %q, %v", f.file, got, err)
		}
	}
	// The default limit.
	got, err := extract(t, "text/plain", bytes.Repeat([]byte("abcdefgh\n"), DefaultLimit/4), 0)
	if err != nil || len(got) != DefaultLimit {
		t.Errorf("default limit: %d bytes, %v; want %d", len(got), err, DefaultLimit)
	}
}

func TestExtractXML(t *testing.T) {
	xrechnung := `<?xml version="1.0" encoding="UTF-8"?>
<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cbc="urn:cbc" xmlns:cac="urn:cac">
  <cbc:ID>RE-2026-0815</cbc:ID>
  <cac:AccountingSupplierParty><cac:Party><cac:PartyName><cbc:Name>Müller &amp; Söhne GmbH</cbc:Name></cac:PartyName></cac:Party></cac:AccountingSupplierParty>
  <cbc:Note><![CDATA[Straßenreinigung März]]></cbc:Note>
</ubl:Invoice>`
	got, err := extract(t, "application/xml", []byte(xrechnung), 0)
	if err != nil || got != "RE-2026-0815\nMüller & Söhne GmbH\nStraßenreinigung März" {
		t.Errorf("XRechnung: %q, %v", got, err)
	}
	latin1 := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>Gr\xfc\xdfe</a>")
	if got, err := extract(t, "text/xml", latin1, 0); err != nil || got != "Grüße" {
		t.Errorf("ISO-8859-1 XML: %q, %v", got, err)
	}
	// An entity bomb is no problem: encoding/xml expands no custom
	// entities.
	bomb := `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;x</l>`
	if got, err := extract(t, "application/xml", []byte(bomb), 0); err != nil || len(got) > 100 {
		t.Errorf("entity bomb: %q, %v", got, err)
	}
	deep := strings.Repeat("<a>", 100000) + "tief" + strings.Repeat("</a>", 100000)
	if _, err := extract(t, "application/xml", []byte(deep), 0); err != nil {
		t.Errorf("deep XML: %v", err)
	}
}

func TestExtractMail(t *testing.T) {
	msg := strings.Join([]string{
		"From: =?utf-8?q?Stadtverwaltung_G=C3=B6rlitz?= <post@example.org>",
		"To: buerger@example.org",
		"Subject: =?iso-8859-1?q?Ihr_Bescheid_=FCber_Geb=FChren?=",
		"MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="XX"`,
		"",
		"--XX",
		`Content-Type: multipart/alternative; boundary="YY"`,
		"",
		"--YY",
		"Content-Type: text/plain; charset=iso-8859-1",
		"Content-Transfer-Encoding: quoted-printable",
		"",
		"Sehr geehrte Damen und Herren, die Stra=DFe wird gr=F6=DFer.",
		"--YY",
		"Content-Type: text/html; charset=utf-8",
		"",
		"<p>HTML-Fassung</p>",
		"--YY--",
		"--XX",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: base64",
		"",
		"QW5sYWdlIGluIEJhc2U2NDogw4RyZ2VyIMOWbA==",
		"--XX",
		"Content-Type: application/pdf",
		`Content-Disposition: attachment; filename="x.pdf"`,
		"Content-Transfer-Encoding: base64",
		"",
		"JVBERi0xLjQK",
		"--XX--",
		"",
	}, "\r\n")
	got, err := extract(t, "message/rfc822", []byte(msg), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Ihr Bescheid über Gebühren", "Stadtverwaltung Görlitz", "die Straße wird größer", "Anlage in Base64: Ärger Öl"} {
		if !strings.Contains(got, want) {
			t.Errorf("mail text lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "HTML-Fassung") || strings.Contains(got, "PDF") {
		t.Errorf("mail text holds the HTML alternative or the attachment:\n%s", got)
	}
	htmlOnly := "Subject: Nur HTML\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><head><style>p{}</style></head><body><p>Gr&uuml;&szlig;e</p><script>x()</script></body></html>"
	if got, err := extract(t, "message/rfc822", []byte(htmlOnly), 0); err != nil || got != "Nur HTML\n\nGrüße" {
		t.Errorf("HTML mail: %q, %v", got, err)
	}
}

func TestExtractUnsupported(t *testing.T) {
	for _, m := range []string{"image/png", "application/zip", "application/msword", "", "nonsense"} {
		if Supported(m) {
			t.Errorf("Supported(%q) = true", m)
		}
		if _, err := extract(t, m, []byte("x"), 0); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Extract(%q) = %v, want ErrUnsupported", m, err)
		}
	}
	for _, m := range []string{"application/pdf", "text/plain; charset=iso-8859-1", "TEXT/CSV", mimeDOCX, mimeODS, "message/rfc822"} {
		if !Supported(m) {
			t.Errorf("Supported(%q) = false", m)
		}
	}
}

func TestExtractMalformed(t *testing.T) {
	for _, tt := range []struct {
		mime string
		in   []byte
	}{
		{"application/pdf", []byte("not a pdf")},
		{"application/pdf", []byte("%PDF-1.4\n")},
		{mimeDOCX, []byte("PK\x03\x04garbage")},
		{mimeDOCX, []byte("no zip at all")},
		{mimeXLSX, zipWith(t, map[string]string{"a.txt": "x"})},
		{mimeODT, zipWith(t, map[string]string{"mimetype": mimeODT})},
	} {
		if _, err := extract(t, tt.mime, tt.in, 0); !errors.Is(err, ErrMalformed) {
			t.Errorf("Extract(%s, %q) = %v, want ErrMalformed", tt.mime, tt.in[:min(len(tt.in), 20)], err)
		}
	}
	// A password-protected Office file is an OLE container.
	ole := append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 600)...)
	if _, err := extract(t, mimeDOCX, ole, 0); !errors.Is(err, ErrEncrypted) {
		t.Errorf("encrypted docx: %v, want ErrEncrypted", err)
	}
}

// TestExtractTruncated cuts every fixture at many lengths: the result is
// text or an error, never a panic.
func TestExtractTruncated(t *testing.T) {
	files := map[string]string{"reportlab_helvetica.pdf": "application/pdf", "objstm.pdf": "application/pdf", "cairo.pdf": "application/pdf",
		"groff.pdf": "application/pdf", "enc_aes256.pdf": "application/pdf", "enc_rc4_128.pdf": "application/pdf", "word.docx": mimeDOCX, "calc.xlsx": mimeXLSX, "slides.pptx": mimePPTX, "text.odt": mimeODT}
	for f, m := range files {
		b := readFixture(t, f)
		step := max(1, len(b)/61)
		for n := 0; n < len(b); n += step {
			text, err := extract(t, m, b[:n], 0)
			var pe *panicError
			if errors.As(err, &pe) {
				t.Fatalf("%s cut at %d: %v", f, n, err)
			}
			checkText(t, text)
		}
	}
}

func TestExtractCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := readFixture(t, "reportlab_ttf.pdf")
	if _, err := Extract(ctx, "application/pdf", bytes.NewReader(b), int64(len(b)), 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Extract with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestReaderAt(t *testing.T) {
	b := readFixture(t, "word.docx")
	// A reader that only seeks, like an object store's.
	type seekOnly struct{ *bytes.Reader }
	ra := ReaderAt(struct {
		readSeeker
	}{seekOnly{bytes.NewReader(b)}})
	text, err := Extract(context.Background(), mimeDOCX, ra, int64(len(b)), 0)
	if err != nil || !strings.Contains(text, sentence) {
		t.Errorf("through ReaderAt: %q, %v", text, err)
	}
	br := bytes.NewReader(b)
	if ReaderAt(br) != br {
		t.Error("ReaderAt wrapped an io.ReaderAt")
	}
}

type readSeeker interface {
	Read([]byte) (int, error)
	Seek(int64, int) (int64, error)
}

// zipWith builds an archive of the given entries (sorted by name).
func zipWith(t testing.TB, entries map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := z.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(entries[n]))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
