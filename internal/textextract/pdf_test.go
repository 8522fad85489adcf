package textextract

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/ascii85"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// pdfBuilder writes small PDFs for tests: objects are numbered from 1 in
// the order they are added; the cross-reference table is correct unless
// the test breaks it.
type pdfBuilder struct {
	objs []string
}

// add adds an object and returns its number.
func (p *pdfBuilder) add(body string) int {
	p.objs = append(p.objs, body)
	return len(p.objs)
}

// stream returns a stream object of data with the dictionary entries
// dict (without /Length).
func stream(dict string, data []byte) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	z := zlib.NewWriter(&buf)
	z.Write(b)
	z.Close()
	return buf.Bytes()
}

// bytes returns the file; root is the catalog's object number.
func (p *pdfBuilder) bytes(root int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(p.objs))
	for i, o := range p.objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(p.objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(p.objs)+1, root, xref)
	return b.Bytes()
}

// onePage builds a document of one page with the content stream content
// (deflated), the font resources fonts and further resources extra.
func onePage(content []byte, fonts, extra string) []byte {
	p := &pdfBuilder{}
	p.add("<< /Type /Catalog /Pages 2 0 R >>")
	p.add("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	p.add("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << " + fonts + " >> " + extra + " >> >>")
	p.add(stream("/Filter /FlateDecode", deflate(content)))
	return p.bytes(1)
}

const helvetica = "/F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"

func pdfTextOf(t *testing.T, b []byte) string {
	t.Helper()
	text, err := extract(t, "application/pdf", b, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkText(t, text)
	return text
}

func TestPDFPositioning(t *testing.T) {
	// Words placed one by one with Td and kerned with TJ, as word
	// processors write them; lines with Tm, T* and '.
	content := []byte(`BT /F1 12 Tf 72 700 Td (Die) Tj 30 0 Td (Stra\337e) Tj 40 0 Td (wird) Tj
ET
BT /F1 12 Tf 1 0 0 1 72 680 Tm [(Ge)-20(b)10(\374hren)-400(f\374r)-300(Anlieger)] TJ
14 TL T* (neue Zeile) Tj (direkt) ' [-300 (x)] TJ
ET
q 2 0 0 2 0 0 cm BT /F1 6 Tf 36 300 Td (skaliert) Tj ET Q`)
	got := pdfTextOf(t, onePage(content, helvetica, ""))
	want := "Die Straße wird\nGebühren für Anlieger\nneue Zeile\ndirekt x\nskaliert"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestPDFEncodings(t *testing.T) {
	diffs := "/F2 << /Type /Font /Subtype /Type1 /BaseFont /Custom /Encoding << /BaseEncoding /WinAnsiEncoding /Differences [1 /adieresis /germandbls /Udieresis /uni20AC /f_i /odieresis.sc /Euro] >> >>"
	mac := "/F3 << /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /MacRomanEncoding >>"
	std := "/F4 << /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>"
	toUni := "/F5 << /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /ToUnicode 5 0 R /DescendantFonts [<< /Type /Font /Subtype /CIDFontType2 /DW 500 /W [1 [600 600] 10 20 700] >>] >>"
	content := []byte("BT /F2 10 Tf 72 700 Td (\001\002\003\004\005\006\007) Tj ET\n" +
		"BT /F3 10 Tf 72 680 Td (\x8a\x9a\xa7) Tj ET\n" +
		"BT /F4 10 Tf 72 660 Td (It\x27s \xfb \xae) Tj ET\n" +
		"BT /F5 10 Tf 72 640 Td <000100020003000400050006> Tj ET\n")
	cmap := `/CIDInit /ProcSet findresource begin 12 dict begin begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def /CMapType 2 def
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar <0001> <00DC> <0002> <0062>
endbfchar
2 beginbfrange <0003> <0004> <0065> <0005> <0006> [<0072> <D83DDE00>]
endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end`
	p := &pdfBuilder{}
	p.add("<< /Type /Catalog /Pages 2 0 R >>")
	p.add("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	p.add("<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << " + diffs + " " + mac + " " + std + " " + toUni + " >> >> >>")
	p.add(stream("/Filter /FlateDecode", deflate(content)))
	p.add(stream("", []byte(cmap)))
	got := pdfTextOf(t, p.bytes(1))
	want := "äßÜ€fiö€\näöß\nIt’s ß fi\nÜbefr😀"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestPDFFiltersAndObjects(t *testing.T) {
	text := []byte("BT /F1 12 Tf 72 700 Td (Gefiltert) Tj ET")
	var a85 bytes.Buffer
	enc := ascii85.NewEncoder(&a85)
	enc.Write(deflate(text))
	enc.Close()
	img := []byte("BI /W 4 /H 4 /BPC 8 /CS /G ID \x00EI\xffEIx\x01 EI Q\nBT /F1 12 Tf 72 650 Td (nach dem Bild) Tj ET")
	form := []byte("BT /F1 12 Tf 0 0 Td (im Formular) Tj ET")
	p := &pdfBuilder{}
	p.add("<< /Type /Catalog /Pages 2 0 R >>")
	p.add("<< /Type /Pages /Kids [3 0 R 9 0 R] /Count 2 /Resources << /Font << " + helvetica + " >> /XObject << /X1 8 0 R >> >> >>")
	p.add("<< /Type /Page /Parent 2 0 R /Contents [4 0 R 5 0 R 6 0 R] >>")                                                  // inherits the resources
	p.add(stream("/Filter [/ASCII85Decode /FlateDecode]", a85.Bytes()))                                                     // 4
	p.add(stream("/Filter /ASCIIHexDecode", []byte(hex.EncodeToString([]byte(" BT /F1 12 Tf 72 680 Td (Hex) Tj ET"))+">"))) // 5
	p.add(stream("/Length 7 0 R", img))                                                                                     // 6: /Length given twice; the last wins
	p.add(fmt.Sprint(len(img)))                                                                                             // 7
	p.add(stream("/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Matrix [1 0 0 1 72 600]", form))                       // 8
	p.add("<< /Type /Page /Parent 2 0 R /Contents 10 0 R >>")                                                               // 9
	p.add(stream("/Filter /FlateDecode", deflate([]byte("q /X1 Do Q /X1 Do BT /F1 12 Tf 72 500 Td (Seite 2) Tj ET"))))
	got := pdfTextOf(t, p.bytes(1))
	want := "Gefiltert\nHex\nnach dem Bild\n\nim Formular\nSeite 2"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestPDFRepair(t *testing.T) {
	good := onePage([]byte("BT /F1 12 Tf 72 700 Td (Repariert) Tj ET"), helvetica, "")
	// startxref points nowhere.
	badStart := bytes.Replace(good, []byte("startxref\n"), []byte("startxref\n9"), 1)
	// Every object moved by 4 bytes; the table still has the old offsets.
	hdr := len("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	shifted := append(append(append([]byte{}, good[:hdr]...), "abc\n"...), good[hdr:]...)
	at := bytes.LastIndex(shifted, []byte("startxref\n")) + len("startxref\n")
	var xrefAt int
	fmt.Sscan(string(shifted[at:]), &xrefAt)
	shifted = append(shifted[:at], fmt.Sprintf("%d\n%%%%EOF\n", xrefAt+4)...)
	// No table and no trailer at all.
	bare := good[:bytes.Index(good, []byte("xref\n0 "))]
	// An incremental update replaces the content.
	update := append([]byte{}, good...)
	off := len(update)
	update = append(update, fmt.Sprintf("4 0 obj\n%s\nendobj\n", stream("", []byte("BT /F1 12 Tf 72 700 Td (Neu) Tj ET")))...)
	prev := bytes.LastIndex(good, []byte("startxref\n"))
	var prevOff int
	fmt.Sscan(string(good[prev+len("startxref\n"):]), &prevOff)
	xref := len(update)
	update = append(update, fmt.Sprintf("xref\n4 1\n%010d 00000 n \ntrailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", off, prevOff, xref)...)
	for _, tt := range []struct {
		name string
		b    []byte
		want string
	}{
		{"good", good, "Repariert"},
		{"bad startxref", badStart, "Repariert"},
		{"shifted offsets", shifted, "Repariert"},
		{"no xref", bare, "Repariert"},
		{"incremental update", update, "Neu"},
	} {
		got, err := extract(t, "application/pdf", tt.b, 0)
		if err != nil || got != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestPDFEncrypted(t *testing.T) {
	// Protected with an owner password only: readable.
	for _, f := range []string{"enc_rc4_40.pdf", "enc_rc4_128.pdf", "enc_aes128.pdf", "enc_aes256.pdf"} {
		text, err := extract(t, "application/pdf", readFixture(t, f), 0)
		if err != nil || !strings.Contains(text, sentence) || !strings.Contains(text, ref) {
			t.Errorf("%s: %q, %v", f, text, err)
		}
	}
	// A user password is needed.
	if _, err := extract(t, "application/pdf", readFixture(t, "enc_password.pdf"), 0); !errors.Is(err, ErrEncrypted) {
		t.Errorf("enc_password.pdf: %v, want ErrEncrypted", err)
	}
	// A broken encryption dictionary, and another security handler.
	for _, enc := range []string{"<< /Filter /Standard /V 1 /R 2 >>", "<< /Filter /Adobe.PubSec /V 4 /R 4 >>", "7"} {
		b := onePage([]byte("BT (x) Tj ET"), helvetica, "")
		b = bytes.Replace(b, []byte("/Root 1 0 R"), []byte("/Root 1 0 R /Encrypt "+enc), 1)
		if _, err := extract(t, "application/pdf", b, 0); !errors.Is(err, ErrEncrypted) {
			t.Errorf("encryption %s: %v, want ErrEncrypted", enc, err)
		}
	}
}

func TestPDFDecompressionBomb(t *testing.T) {
	// The budgets, scaled down so that the test is quick: 1 MiB per
	// stream, 4 MiB per file.
	defer func(s, u int64) { maxStreamData, unpackBudget = s, u }(maxStreamData, unpackBudget)
	maxStreamData, unpackBudget = 1<<20, 4<<20
	// 8 MiB of zeros in a content stream deflate to 8 KiB; every page
	// shows it; the extractor stops at its budgets quickly and with
	// bounded memory.
	var buf bytes.Buffer
	z, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zero := make([]byte, 1<<20)
	z.Write([]byte("BT /F1 12 Tf 72 700 Td (Anfang) Tj ET\n"))
	for range 8 {
		z.Write(zero)
	}
	z.Close()
	p := &pdfBuilder{}
	p.add("<< /Type /Catalog /Pages 2 0 R >>")
	kids := strings.Repeat("3 0 R ", 1)
	for i := range 20 {
		kids += fmt.Sprintf("%d 0 R ", 5+i)
	}
	p.add("<< /Type /Pages /Kids [" + kids + "] /Count 21 /Resources << /Font << " + helvetica + " >> >> >>")
	p.add("<< /Type /Page /Parent 2 0 R /Contents [4 0 R 4 0 R 4 0 R] >>")
	p.add(stream("/Filter /FlateDecode", buf.Bytes()))
	for range 20 {
		p.add("<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>")
	}
	b := p.bytes(1)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	text, err := extract(t, "application/pdf", b, 0)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
	if !strings.HasPrefix(text, "Anfang") || strings.Count(text, "Anfang") > 5 {
		t.Errorf("text = %q, want the text of the first pages until the budget ran out", text[:min(len(text), 80)])
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(8*unpackBudget) {
		t.Errorf("allocated %d MiB for a bomb, want it bounded by the budget (%d MiB)", alloc>>20, unpackBudget>>20)
	}

	// The same for a Word document: 8 MiB of text runs in
	// word/document.xml.
	var doc bytes.Buffer
	doc.WriteString(`<w:document xmlns:w="w"><w:body>`)
	doc.WriteString(strings.Repeat("<w:p><w:r><w:t>Bombe</w:t></w:r></w:p>", (8<<20)/40))
	doc.WriteString(`</w:body></w:document>`)
	docx := zipWith(t, map[string]string{"word/document.xml": doc.String()})
	start = time.Now()
	text, err = extract(t, mimeDOCX, docx, 1<<30)
	if err != nil || !strings.HasPrefix(text, "Bombe\nBombe") || len(text) > int(unpackBudget) {
		t.Errorf("docx bomb: %d bytes of text, %v", len(text), err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("docx bomb took %v", d)
	}
}

func TestZipEntryLimit(t *testing.T) {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for i := range MaxEntries + 1 {
		w, err := z.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("word/x%d.xml", i), Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("<w:document/>"))
	}
	z.Close()
	if _, err := extract(t, mimeDOCX, buf.Bytes(), 0); !errors.Is(err, ErrMalformed) {
		t.Errorf("archive with %d entries: %v, want ErrMalformed", MaxEntries+1, err)
	}
}

func TestPDFHostileStructure(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	tests := map[string][]byte{
		// A page tree that contains itself.
		"cycle": (&pdfBuilder{objs: []string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [2 0 R 3 0 R 2 0 R] /Count 3 >>",
			"<< /Type /Pages /Kids [2 0 R] >>",
		}}).bytes(1),
		// References to references in a loop.
		"ref loop": (&pdfBuilder{objs: []string{"<< /Type /Catalog /Pages 2 0 R >>", "3 0 R", "2 0 R"}}).bytes(1),
		// Deep nesting.
		"deep": onePage([]byte("BT "+deep+" TJ ET"), helvetica, ""),
		// A form that draws itself.
		"form loop": (&pdfBuilder{objs: []string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Contents 4 0 R /Resources << /XObject << /X 5 0 R >> >> >>",
			stream("", []byte("/X Do")),
			stream("/Subtype /Form /Resources << /XObject << /X 5 0 R /Y 6 0 R >> >>", []byte("/X Do /Y Do")),
			stream("/Subtype /Form /Resources << /XObject << /X 5 0 R /Y 6 0 R >> >>", []byte("/Y Do /X Do")),
		}}).bytes(1),
		// Widths and CMaps with huge ranges.
		"huge ranges": onePage([]byte("BT /F9 10 Tf <0001> Tj ET"),
			"/F9 << /Subtype /Type0 /Encoding /Identity-H /DescendantFonts [<< /W [0 4294967295 500] >>] >>", ""),
		"no catalog": []byte("%PDF-1.4\n1 0 obj\n<< /A 1 >>\nendobj\ntrailer\n<< /Root 9 0 R >>\n"),
		"garbage":    append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("<<(/[0 R obj stream"), 10000)...),
	}
	// Objects that never end, each read to the end of a 2 MB file: the
	// read budget stops the parser.
	var rereads bytes.Buffer
	rereads.WriteString("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [")
	for i := range 3000 {
		fmt.Fprintf(&rereads, "%d 0 R ", 3+i)
	}
	rereads.WriteString("] >> endobj\n")
	for i := range 3000 {
		fmt.Fprintf(&rereads, "%d 0 obj << /Type /Page /Contents (%s\n", 3+i, strings.Repeat("x", 600))
	}
	rereads.WriteString("trailer << /Root 1 0 R >>\n")
	tests["rereads"] = rereads.Bytes()
	for name, b := range tests {
		start := time.Now()
		text, err := extract(t, "application/pdf", b, 0)
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
		var pe *panicError
		if errors.As(err, &pe) {
			t.Errorf("%s: %v", name, err)
		}
		checkText(t, text)
	}
}

func TestLZW(t *testing.T) {
	// The example of the PDF reference (7.4.4.2).
	enc := []byte{0x80, 0x0B, 0x60, 0x50, 0x22, 0x0C, 0x0C, 0x85, 0x01}
	got, err := lzwDecode(enc, 1000, nil)
	if err != nil || string(got) != "-----A---B" {
		t.Errorf("lzwDecode = %q, %v; want %q", got, err, "-----A---B")
	}
}

func TestPNGPredictor(t *testing.T) {
	// Two rows of 3 bytes: Sub then Up.
	in := []byte{1, 1, 1, 1, 2, 1, 2, 3}
	got, _ := unpredict(in, pdfDict{"Predictor": int64(12), "Columns": int64(3)})
	if want := []byte{1, 2, 3, 2, 4, 6}; !bytes.Equal(got, want) {
		t.Errorf("unpredict = %v, want %v", got, want)
	}
}

func TestPDFCancelledDuringRepair(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b := onePage([]byte("BT (x) Tj ET"), helvetica, "")
	b = bytes.Replace(b, []byte("startxref"), []byte("startxrfe"), 1)
	if _, err := Extract(ctx, "application/pdf", bytes.NewReader(b), int64(len(b)), 0); err == nil {
		t.Error("cancelled extraction = nil error")
	}
}
