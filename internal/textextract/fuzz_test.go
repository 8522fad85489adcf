package textextract

import (
	"errors"
	"os"
	"testing"
	"time"
)

// fuzzExtract runs Extract on hostile input: it must return text or an
// error, never panic (Extract turns a panic into a *panicError, which
// fails here), and the text must be clean.
//
// TEXTEXTRACT_FUZZ_MAXTIME (a duration) also fails inputs that take
// longer, to find slow paths while fuzzing.
func fuzzExtract(t *testing.T, mimeType string, b []byte) {
	start := time.Now()
	text, err := extract(t, mimeType, b, 1<<16)
	if d, perr := time.ParseDuration(os.Getenv("TEXTEXTRACT_FUZZ_MAXTIME")); perr == nil && time.Since(start) > d {
		t.Fatalf("took %v", time.Since(start))
	}
	var pe *panicError
	if errors.As(err, &pe) {
		t.Fatal(err)
	}
	checkText(t, text)
}

func FuzzPDF(f *testing.F) {
	for _, name := range []string{"reportlab_helvetica.pdf", "objstm.pdf", "cairo.pdf", "groff.pdf", "enc_aes128.pdf", "enc_rc4_40.pdf"} {
		f.Add(readFixture(f, name))
	}
	f.Add(onePage([]byte("BT /F1 12 Tf 72 700 Td [(Ge)-20(b)10(\374hren)-400(f\374r)] TJ 14 TL T* (x) ' ET BI /W 1 ID \x00 EI /X Do"), helvetica, ""))
	f.Add([]byte("%PDF-1.5\n1 0 obj\n<< /Type /ObjStm /N 2 /First 8 /Length 30 >>\nstream\n2 0 3 5 <<>> [1 2 R]\nendstream\nendobj\nstartxref\n9\n%%EOF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzExtract(t, "application/pdf", b)
	})
}

func FuzzOOXML(f *testing.F) {
	for _, name := range []string{"word.docx", "calc.xlsx", "slides.pptx", "text.odt"} {
		f.Add(readFixture(f, name), uint8(0))
	}
	f.Add(zipWith(f, map[string]string{"word/document.xml": "<w:document><w:p><w:t>a</w:t><w:tab/></w:p>", "xl/workbook.xml": `<sheet name="x"/>`,
		"xl/worksheets/sheet1.xml": `<row><c t="inlineStr"><is><t>b</t></is></c><c><v>1</v></c></row>`, "content.xml": "<office:text><text:p>c<text:s/></text:p>"}), uint8(1))
	types := []string{mimeDOCX, mimeXLSX, mimePPTX, mimeODT}
	f.Fuzz(func(t *testing.T, b []byte, kind uint8) {
		fuzzExtract(t, types[int(kind)%len(types)], b)
	})
}

func FuzzTextAndMail(f *testing.F) {
	f.Add([]byte("Gr\xfc\xdfe\r\n"), uint8(0))
	f.Add([]byte("\xff\xfeG\x00\x00\xd8"), uint8(0))
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>x</a>"), uint8(1))
	f.Add([]byte("Subject: =?utf-8?b?w4Q=?=\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Transfer-Encoding: base64\r\n\r\nw4Q=\r\n--X--"), uint8(2))
	types := []string{"text/plain", "application/xml", "message/rfc822"}
	f.Fuzz(func(t *testing.T, b []byte, kind uint8) {
		fuzzExtract(t, types[int(kind)%len(types)], b)
	})
}
