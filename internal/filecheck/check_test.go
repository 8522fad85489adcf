package filecheck_test

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ortlos/internal/apperr"
	"ortlos/internal/filecheck"
)

// Content samples: the first bytes of real formats.
var (
	pdfHead  = []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	pngHead  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa")
	jpegHead = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00C\x00")
	tiffHead = []byte("II*\x00\x08\x00\x00\x00\x0e\x00\x00\x01\x03\x00\x01\x00\x00\x00")
	oleHead  = []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00>\x00\x03\x00\xfe\xff\t\x00")
	// A Windows program: "MZ", a DOS stub, "PE\0\0" at e_lfanew.
	peHead   = append(append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 44)...), []byte("\x40\x00\x00\x00PE\x00\x00\x4c\x01")...)
	elfHead  = []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00")
	htmlHead = []byte("<!DOCTYPE html>\n<html><head><script>alert(1)</script></head></html>")
	svgHead  = []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	xmlHead  = []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>`)
	xhtmlXML = []byte(`<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body onload="x()"></body></html>`)
	emlHead  = []byte("Return-Path: <a@example.org>\r\nFrom: Amt <a@example.org>\r\nSubject: Bescheid\r\nMIME-Version: 1.0\r\n\r\nText")
	textHead = []byte("Sehr geehrte Damen und Herren,\nanbei der Bescheid über die Gebühren.\n")
	cp1252   = []byte("Name;Straße;Ort\nMüller;Hauptstraße 1;Görlitz\n") // "ü", "ß" as single bytes below
	utf16    = []byte("\xff\xfeG\x00r\x00\xfc\x00\xdf\x00e\x00")
	mdHTML   = []byte("<!-- Kommentar -->\n# Überschrift\n\nText mit <b>HTML</b>.\n")
	script   = []byte("#!/bin/sh\nrm -rf /\n")
)

func init() {
	cp1252 = bytes.ReplaceAll(cp1252, []byte("ü"), []byte{0xFC})
	cp1252 = bytes.ReplaceAll(cp1252, []byte("ß"), []byte{0xDF})
	cp1252 = bytes.ReplaceAll(cp1252, []byte("ö"), []byte{0xF6})
}

// fixture returns the first bytes of a real file of the text extraction
// tests (produced by python-docx, openpyxl, odfpy, see their
// make_fixtures.sh).
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "textextract", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b[:min(len(b), filecheck.HeadSize)]
}

// zipOf returns an archive with the given entries, in order.
func zipOf(t *testing.T, entries ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for i := 0; i+1 < len(entries); i += 2 {
		w, err := z.Create(entries[i])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(entries[i+1]))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCheck(t *testing.T) {
	docx := fixture(t, "word.docx")
	xlsx := fixture(t, "calc.xlsx")
	pptx := fixture(t, "slides.pptx")
	odt := fixture(t, "text.odt")
	ods := fixture(t, "calc.ods")
	plainZip := zipOf(t, "a.txt", "hallo")
	docm := zipOf(t, "[Content_Types].xml", `<Types><Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>`, "word/vbaProject.bin", "x")
	jar := zipOf(t, "META-INF/MANIFEST.MF", "Main-Class: X\n")
	const (
		mDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		mXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		mPPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	)
	tests := []struct {
		name, declared string
		head           []byte
		want           string // MIME type, or "!code"
	}{
		{"Bescheid.pdf", "application/pdf", pdfHead, "application/pdf"},
		{"Bescheid.PDF", "", pdfHead, "application/pdf"},
		{"scan", "application/pdf", pdfHead, "application/pdf"},                  // no extension: the declared type
		{"Bescheid.pdf", "application/octet-stream", pdfHead, "application/pdf"}, // generic declared type
		{"foto.png", "image/png", pngHead, "image/png"},
		{"foto.jpg", "image/jpeg", jpegHead, "image/jpeg"},
		{"foto.jpeg", "image/pjpeg", jpegHead, "image/jpeg"},
		{"scan.tif", "image/tiff", tiffHead, "image/tiff"},
		{"Brief.docx", mDOCX, docx, mDOCX},
		{"Tabelle.xlsx", "", xlsx, mXLSX},
		{"Folien.pptx", mPPTX, pptx, mPPTX},
		{"Text.odt", "", odt, "application/vnd.oasis.opendocument.text"},
		{"Tabelle.ods", "", ods, "application/vnd.oasis.opendocument.spreadsheet"},
		{"notiz.txt", "text/plain", textHead, "text/plain"},
		{"liste.csv", "application/vnd.ms-excel", cp1252, "text/csv"}, // Windows with Excel declares CSV so
		{"utf16.txt", "text/plain", utf16, "text/plain"},
		{"README.md", "", mdHTML, "text/markdown"},
		{"rechnung.xml", "text/xml", xmlHead, "application/xml"},
		{"mail.eml", "message/rfc822", emlHead, "message/rfc822"},
		{"mail.msg", "", oleHead, "application/vnd.ms-outlook"},

		// Not on the default allow-list.
		{"archiv.zip", "application/zip", plainZip, "!file_type_not_allowed"},
		{"alt.doc", "application/msword", oleHead, "!file_type_not_allowed"},
		{"seite.html", "text/html", htmlHead, "!file_type_not_allowed"},
		{"bild.svg", "image/svg+xml", svgHead, "!file_type_not_allowed"},
		{"makro.docm", "", docm, "!file_type_not_allowed"},
		{"daten.bin", "", []byte{1, 2, 3}, "!file_type_not_allowed"},
		{"ohne-endung", "", textHead, "!file_type_not_allowed"},
		{"video.mp4", "video/mp4", []byte("\x00\x00\x00\x18ftypmp42"), "!file_type_not_allowed"},

		// Programs, whatever they are called.
		{"setup.exe", "application/x-msdownload", peHead, "!file_type_not_allowed"},
		{"tool", "", elfHead, "!file_type_not_allowed"},
		{"run.bat", "", []byte("@echo off\r\n"), "!file_type_not_allowed"},
		{"x.js", "text/plain", []byte("alert(1)"), "!file_type_not_allowed"},
		{"Rechnung.pdf", "application/pdf", peHead, "!file_type_mismatch"},
		{"Rechnung.pdf", "application/pdf", elfHead, "!file_type_mismatch"},
		{"notiz.txt", "text/plain", script, "!file_type_mismatch"},
		{"lib.docx", mDOCX, jar, "!file_type_mismatch"},

		// Disguises.
		{"foto.png", "image/png", htmlHead, "!file_type_mismatch"},
		{"foto.png", "", jpegHead, "!file_type_mismatch"},
		{"Bescheid.pdf", "image/png", pdfHead, "!file_type_mismatch"}, // declared image, content PDF
		{"foto.png", "text/html", pngHead, "!file_type_mismatch"},     // declared web page
		{"Brief.docx", mDOCX, plainZip, "!file_type_mismatch"},
		{"Brief.docx", mDOCX, docm, "!file_type_mismatch"}, // macros under a plain name
		{"Brief.docx", mDOCX, xlsx, "!file_type_mismatch"},
		{"Brief.docx", mDOCX, pdfHead, "!file_type_mismatch"},
		{"Text.odt", "", ods, "!file_type_mismatch"},
		{"Text.odt", "", docx, "!file_type_mismatch"},
		{"notiz.txt", "text/plain", htmlHead, "!file_type_mismatch"},
		{"notiz.txt", "text/plain", pngHead, "!file_type_mismatch"},
		{"rechnung.xml", "application/xml", xhtmlXML, "!file_type_mismatch"},
		{"rechnung.xml", "application/xml", svgHead, "!file_type_mismatch"},
		{"rechnung.xml", "application/xml", textHead, "!file_type_mismatch"},
		{"mail.eml", "", textHead, "!file_type_mismatch"},
		{"mail.msg", "", pdfHead, "!file_type_mismatch"},
		{"scan.tif", "", pngHead, "!file_type_mismatch"},

		{"leer.txt", "text/plain", nil, "!file_empty"},
	}
	p := filecheck.DefaultPolicy()
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.declared, func(t *testing.T) {
			got, err := p.Check(tt.head, tt.name, tt.declared)
			if strings.HasPrefix(tt.want, "!") {
				code := tt.want[1:]
				e, ok := apperr.As(err)
				if !ok || e.Code != code || e.Kind != apperr.Invalid || e.Fields["file"] != code {
					t.Fatalf("Check(%q, %q) = %q, %v; want invalid %s on field file", tt.name, tt.declared, got, err, code)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Check(%q, %q) = %q, %v; want %q", tt.name, tt.declared, got, err, tt.want)
			}
		})
	}
}

func TestCheckConfiguredAllowList(t *testing.T) {
	allowed, err := filecheck.ParseAllowList("default, .dwg, application/x-gzip; zip image/svg+xml")
	if err != nil {
		t.Fatal(err)
	}
	p := filecheck.Policy{Allowed: allowed}
	tests := []struct {
		name, declared string
		head           []byte
		want           string
	}{
		{"plan.dwg", "", []byte("AC1032\x00\x00\x00\x00\x00\x00"), "application/octet-stream"},
		{"plan.dwg", "", htmlHead, "!file_type_mismatch"}, // unknown formats still are no web pages
		{"plan.dwg", "", peHead, "!file_type_mismatch"},
		{"daten.gz", "application/x-gzip", []byte("\x1f\x8b\x08\x00"), "application/x-gzip"},
		{"archiv.zip", "application/x-zip-compressed", zipOf(t, "a.txt", "x"), "application/zip"},
		{"Brief.docx", "", fixture(t, "word.docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"archiv.zip", "", pdfHead, "!file_type_mismatch"},
		{"logo.svg", "image/svg+xml", svgHead, "image/svg+xml"}, // scripts are found while streaming (TestUploadActiveContent)
		{"logo.svg", "", pngHead, "!file_type_mismatch"},
		{"Bescheid.pdf", "", pdfHead, "application/pdf"},
		{"x.jar", "", zipOf(t, "META-INF/MANIFEST.MF", "x"), "!file_type_not_allowed"},
		{"tool.zip", "", zipOf(t, "META-INF/MANIFEST.MF", "x"), "!file_type_mismatch"},
	}
	for _, tt := range tests {
		got, err := p.Check(tt.head, tt.name, tt.declared)
		if strings.HasPrefix(tt.want, "!") {
			if !apperr.Is(err, tt.want[1:]) {
				t.Errorf("Check(%q, %q) = %q, %v; want %s", tt.name, tt.declared, got, err, tt.want[1:])
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Check(%q, %q) = %q, %v; want %q", tt.name, tt.declared, got, err, tt.want)
		}
	}

	// A policy that allows only PDF by extension.
	p = filecheck.Policy{Allowed: []string{".pdf"}}
	if got, err := p.Check(pdfHead, "scan", "application/pdf"); err != nil || got != "application/pdf" {
		t.Errorf("PDF by declared type under a .pdf allow-list = %q, %v", got, err)
	}
	if _, err := p.Check(textHead, "a.txt", "text/plain"); !apperr.Is(err, "file_type_not_allowed") {
		t.Errorf("text under a .pdf allow-list: %v, want file_type_not_allowed", err)
	}
	// The zero policy accepts nothing.
	if _, err := (filecheck.Policy{}).Check(pdfHead, "a.pdf", ""); !apperr.Is(err, "file_type_not_allowed") {
		t.Errorf("zero policy: %v, want file_type_not_allowed", err)
	}
}

func TestParseAllowList(t *testing.T) {
	tests := []struct {
		in   string
		want []string // nil: error
	}{
		{"pdf", []string{".pdf"}},
		{".PDF, Application/PDF ;text/plain\n.txt", []string{".pdf", "application/pdf", "text/plain", ".txt"}},
		{"pdf pdf .pdf", []string{".pdf"}},
		{"", nil},
		{" , ;", nil},
		{".exe", nil},
		{"bat", nil},
		{"application/x-msdownload", nil},
		{"text/javascript", nil},
		{"image/*", nil},
		{"text/plain; charset=utf-8", nil},
		{"../etc", nil},
		{"a/b/c", nil},
	}
	for _, tt := range tests {
		got, err := filecheck.ParseAllowList(tt.in)
		if tt.want == nil {
			if err == nil {
				t.Errorf("ParseAllowList(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("ParseAllowList(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	def, err := filecheck.ParseAllowList("default")
	if err != nil || strings.Join(def, " ") != strings.Join(filecheck.DefaultAllowed, " ") {
		t.Errorf(`ParseAllowList("default") = %q, %v; want DefaultAllowed`, def, err)
	}
}

func TestPolicyAccept(t *testing.T) {
	got := filecheck.DefaultPolicy().Accept()
	for _, want := range []string{".pdf", "application/pdf", ".docx", ".odt", ".csv", ".md", ".tif", ".eml", ".msg"} {
		if !strings.Contains(","+got+",", ","+want+",") {
			t.Errorf("Accept() = %q, missing %q", got, want)
		}
	}
	for _, not := range []string{".zip", ".html", ".svg", ".exe", ".docm"} {
		if strings.Contains(","+got+",", ","+not+",") {
			t.Errorf("Accept() = %q, must not contain %q", got, not)
		}
	}
	p := filecheck.Policy{Allowed: []string{".dwg", "application/pdf"}}
	if got := p.Accept(); got != ".pdf,application/pdf,.dwg" {
		t.Errorf("Accept() = %q, want %q", got, ".pdf,application/pdf,.dwg")
	}
}

func TestPolicyLimit(t *testing.T) {
	for _, tt := range []struct {
		max, want int64
	}{{0, filecheck.DefaultMaxBytes}, {-1, -1}, {10, 10}} {
		if got := (filecheck.Policy{MaxBytes: tt.max}).Limit(); got != tt.want {
			t.Errorf("Policy{MaxBytes: %d}.Limit() = %d, want %d", tt.max, got, tt.want)
		}
	}
}

func TestSafeName(t *testing.T) {
	long := strings.Repeat("ä", 200) + ".pdf" // 404 bytes
	tests := []struct{ in, want string }{
		{"Bescheid.pdf", "Bescheid.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\amt\Desktop\Antrag.docx`, "Antrag.docx"},
		{"/abs/path/", "Datei"},
		{"", "Datei"},
		{"..", "Datei"},
		{"...pdf", "Datei.pdf"},
		{".htaccess", "Datei.htaccess"},
		{"  Bericht  .pdf. . ", "Bericht .pdf"},
		{"Straße Größe ÄÖÜ.txt", "Straße Größe ÄÖÜ.txt"},
		{"Mu\u0308ller.pdf", "Müller.pdf"}, // macOS sends decomposed umlauts
		{"a\x00b\x1fc\x7f.txt", "abc.txt"},
		{"Rechnung\u202Efdp.exe", "Rechnungfdp.exe"}, // right-to-left override
		{"zero\u200Bwidth.txt", "zerowidth.txt"},
		{"tab\tand\nnewline.txt", "tab and newline.txt"},
		{`a<b>c:d"e|f?g*h.txt`, "a_b_c_d_e_f_g_h.txt"},
		{"CON", "_CON"},
		{"con.txt", "_con.txt"},
		{"LPT1.pdf", "_LPT1.pdf"},
		{"COM9 .log", "_COM9 .log"},
		{"CONSOLE.txt", "CONSOLE.txt"},
		{"\xff\xfeBad.txt", "Bad.txt"},
		{"Gebühren — 2026 年.pdf", "Gebühren — 2026 年.pdf"},
	}
	for _, tt := range tests {
		if got := filecheck.SafeName(tt.in); got != tt.want {
			t.Errorf("SafeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	got := filecheck.SafeName(long)
	if len(got) > filecheck.MaxNameBytes || !strings.HasSuffix(got, ".pdf") || !strings.HasPrefix(got, "ää") {
		t.Errorf("SafeName(404 bytes) = %q (%d bytes), want at most %d bytes ending in .pdf", got, len(got), filecheck.MaxNameBytes)
	}
	got = filecheck.SafeName(strings.Repeat("x", 300) + "." + strings.Repeat("e", 40))
	if len(got) != filecheck.MaxNameBytes {
		t.Errorf("SafeName with a 40-byte extension: %d bytes, want %d", len(got), filecheck.MaxNameBytes)
	}
}

func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"a.pdf", "../x", "CON", "\u202E", "ä.txt", ". . .", strings.Repeat("ü", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := filecheck.SafeName(s)
		if got == "" || len(got) > filecheck.MaxNameBytes || strings.ContainsAny(got, "/\\\x00<>:\"|?*") ||
			strings.HasPrefix(got, ".") || strings.HasSuffix(got, ".") || strings.HasSuffix(got, " ") || got == ".." {
			t.Fatalf("SafeName(%q) = %q", s, got)
		}
		if again := filecheck.SafeName(got); again != got {
			t.Fatalf("SafeName is not idempotent: %q -> %q -> %q", s, got, again)
		}
	})
}

func FuzzCheck(f *testing.F) {
	for _, h := range [][]byte{pdfHead, pngHead, peHead, htmlHead, xmlHead, emlHead, oleHead, zipOf(&testing.T{}, "mimetype", "application/vnd.oasis.opendocument.text")} {
		f.Add(h, "a.pdf", "application/pdf")
	}
	p := filecheck.DefaultPolicy()
	f.Fuzz(func(t *testing.T, head []byte, name, declared string) {
		got, err := p.Check(head, name, declared)
		if err == nil && got == "" {
			t.Fatal("accepted without a type")
		}
		if err != nil {
			if e, ok := apperr.As(err); !ok || e.Kind != apperr.Invalid {
				t.Fatalf("Check error %v is not an invalid apperr", err)
			}
		}
	})
}
