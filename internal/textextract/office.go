package textextract

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
)

// maxEntryBytes bounds the decompressed size of one ZIP entry.
const maxEntryBytes = 64 << 20

// officeZip is an opened OOXML or ODF archive with the bounds of one
// extraction.
type officeZip struct {
	z        *zip.Reader
	files    map[string]*zip.File
	unpacked int64 // bytes decompressed so far
}

// openZip opens the archive r after checking, from its end record, that it
// has at most MaxEntries entries (archive/zip would allocate a record for
// every entry the archive claims).
func openZip(r io.ReaderAt, size int64) (*officeZip, error) {
	magic := make([]byte, 8)
	if _, err := r.ReadAt(magic, 0); err == nil && bytes.Equal(magic, oleMagic) {
		// A password-protected Office Open XML file is an OLE container
		// holding the encrypted package.
		return nil, ErrEncrypted
	}
	n, err := zipEntryCount(r, size)
	if err != nil {
		return nil, err
	}
	if n > MaxEntries {
		return nil, fmt.Errorf("%w: archive with %d entries (at most %d)", ErrMalformed, n, MaxEntries)
	}
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(z.File) > MaxEntries {
		return nil, fmt.Errorf("%w: archive with %d entries (at most %d)", ErrMalformed, len(z.File), MaxEntries)
	}
	o := &officeZip{z: z, files: make(map[string]*zip.File, len(z.File))}
	for _, f := range z.File {
		if _, dup := o.files[f.Name]; !dup {
			o.files[f.Name] = f
		}
	}
	return o, nil
}

// oleMagic starts an OLE compound file.
var oleMagic = []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")

// zipEntryCount reads the entry count of the archive's end of central
// directory record (the ZIP64 count when the classic one overflows).
func zipEntryCount(r io.ReaderAt, size int64) (int64, error) {
	const eocdLen = 22
	if size < eocdLen {
		return 0, fmt.Errorf("%w: not a ZIP archive", ErrMalformed)
	}
	n := min(size, eocdLen+0xFFFF)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return 0, err
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || i+eocdLen > len(buf) {
		return 0, fmt.Errorf("%w: not a ZIP archive", ErrMalformed)
	}
	count := int64(binary.LittleEndian.Uint16(buf[i+10:]))
	if count == 0xFFFF {
		// ZIP64: the real count is in the ZIP64 end record; an office
		// document never needs it.
		return 1 << 32, nil
	}
	return count, nil
}

// open returns the decompressed content of entry name, bounded by
// maxEntryBytes and what is left of MaxUnpacked; nil when there is no
// such entry.
func (o *officeZip) open(name string) (io.Reader, func(), error) {
	f := o.files[name]
	if f == nil {
		return nil, nil, nil
	}
	if f.Flags&1 != 0 {
		return nil, nil, ErrEncrypted
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
	}
	left := min(int64(maxEntryBytes), unpackBudget-o.unpacked)
	if left <= 0 {
		rc.Close()
		return nil, nil, errFull
	}
	cr := &countReader{r: io.LimitReader(rc, left), n: &o.unpacked}
	return cr, func() { rc.Close() }, nil
}

// countReader adds what it reads to *n.
type countReader struct {
	r io.Reader
	n *int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

// part writes the text of entry name following rules; a missing entry
// writes nothing.
func (o *officeZip) part(ctx context.Context, name string, w *textWriter, rules *xmlRules) error {
	rd, done, err := o.open(name)
	if err != nil || rd == nil {
		return err
	}
	defer done()
	if err := xmlText(ctx, rd, w, rules); err != nil {
		return err
	}
	w.paragraph()
	return nil
}

// numbered returns the entries under dir named prefix<N>.xml, by N.
func (o *officeZip) numbered(dir, prefix string) []string {
	type entry struct {
		name string
		n    int
	}
	var es []entry
	for _, f := range o.z.File {
		d, file := path.Split(f.Name)
		if d != dir || !strings.HasPrefix(file, prefix) || !strings.HasSuffix(file, ".xml") {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(file, prefix), ".xml"))
		if err != nil {
			continue
		}
		es = append(es, entry{f.Name, n})
	}
	slices.SortFunc(es, func(a, b entry) int { return a.n - b.n })
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.name
	}
	return out
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Word: text in w:t, paragraphs w:p, tabs, breaks; deleted text of tracked
// changes (w:delText) and field instructions (w:instrText) are not text
// elements.
var docxRules = &xmlRules{
	lineEnd:   set("p", "tr"),
	tab:       set("tab", "tc"),
	brk:       set("br", "cr"),
	textElems: set("t"),
}

// extractDOCX writes the body, then headers, footers, footnotes, endnotes
// and comments of a Word document.
func extractDOCX(ctx context.Context, r io.ReaderAt, size int64, w *textWriter) error {
	o, err := openZip(r, size)
	if err != nil {
		return err
	}
	if o.files["word/document.xml"] == nil {
		return missingPart("word/document.xml")
	}
	parts := []string{"word/document.xml"}
	parts = append(parts, o.numbered("word/", "header")...)
	parts = append(parts, o.numbered("word/", "footer")...)
	parts = append(parts, "word/footnotes.xml", "word/endnotes.xml", "word/comments.xml")
	for _, p := range parts {
		if err := o.part(ctx, p, w, docxRules); err != nil {
			return err
		}
	}
	return nil
}

// Excel: shared strings (si/t, without phonetic runs rPh), inline strings
// and values of cells.
var (
	xlsxSharedRules = &xmlRules{lineEnd: set("si"), skip: set("rPh"), textElems: set("t")}
)

// extractXLSX writes the sheet names, the shared strings (the text of
// most cells, each once) and the values of the sheets' cells that are no
// shared string (numbers, inline strings, formula results).
func extractXLSX(ctx context.Context, r io.ReaderAt, size int64, w *textWriter) error {
	o, err := openZip(r, size)
	if err != nil {
		return err
	}
	if o.files["xl/workbook.xml"] == nil {
		return missingPart("xl/workbook.xml")
	}
	if err := o.sheetNames(ctx, w); err != nil {
		return err
	}
	if err := o.part(ctx, "xl/sharedStrings.xml", w, xlsxSharedRules); err != nil {
		return err
	}
	for _, s := range o.numbered("xl/worksheets/", "sheet") {
		if err := o.sheetValues(ctx, s, w); err != nil {
			return err
		}
	}
	return nil
}

// sheetNames writes the name attributes of the workbook's sheets.
func (o *officeZip) sheetNames(ctx context.Context, w *textWriter) error {
	rd, done, err := o.open("xl/workbook.xml")
	if err != nil || rd == nil {
		return err
	}
	defer done()
	return xmlAttrs(ctx, rd, "sheet", "name", w)
}

// sheetValues writes the values of a worksheet's cells that are not
// indexes into the shared strings (t="s") or booleans.
func (o *officeZip) sheetValues(ctx context.Context, name string, w *textWriter) error {
	rd, done, err := o.open(name)
	if err != nil || rd == nil {
		return err
	}
	defer done()
	if err := sheetCells(ctx, rd, w); err != nil {
		return err
	}
	w.paragraph()
	return nil
}

// PowerPoint: a:t text, a:p paragraphs, a:br breaks.
var pptxRules = &xmlRules{lineEnd: set("p"), brk: set("br"), tab: set("tab"), textElems: set("t")}

// extractPPTX writes the slides in order, then the notes.
func extractPPTX(ctx context.Context, r io.ReaderAt, size int64, w *textWriter) error {
	o, err := openZip(r, size)
	if err != nil {
		return err
	}
	slides := o.numbered("ppt/slides/", "slide")
	if len(slides) == 0 && o.files["ppt/presentation.xml"] == nil {
		return missingPart("ppt/presentation.xml")
	}
	for _, s := range append(slides, o.numbered("ppt/notesSlides/", "notesSlide")...) {
		if err := o.part(ctx, s, w, pptxRules); err != nil {
			return err
		}
	}
	return nil
}

// OpenDocument: paragraphs and headings end lines; text:s, text:tab and
// text:line-break are white space; cells are separated. Everything in the
// body counts (text:span, text:a, …).
var odfRules = &xmlRules{
	lineEnd: set("p", "h", "table-row", "list-item"),
	tab:     set("tab", "table-cell"),
	brk:     set("line-break"),
	space:   set("s"),
	skip:    set("tracked-changes", "forms", "automatic-styles", "font-face-decls", "scripts", "binary-data"),
}

// extractODF writes the text of an OpenDocument text, spreadsheet,
// presentation or drawing (content.xml).
func extractODF(ctx context.Context, r io.ReaderAt, size int64, w *textWriter) error {
	o, err := openZip(r, size)
	if err != nil {
		return err
	}
	if o.files["content.xml"] == nil {
		return missingPart("content.xml")
	}
	if f := o.files["META-INF/manifest.xml"]; f != nil && o.odfEncrypted(ctx) {
		return ErrEncrypted
	}
	return o.part(ctx, "content.xml", w, odfRules)
}

// odfEncrypted reports whether the manifest declares encrypted entries.
func (o *officeZip) odfEncrypted(ctx context.Context) bool {
	rd, done, err := o.open("META-INF/manifest.xml")
	if err != nil || rd == nil {
		return false
	}
	defer done()
	b, _ := io.ReadAll(io.LimitReader(rd, 1<<20))
	return bytes.Contains(b, []byte("encryption-data"))
}

// missingPart is the error for an archive without its main part.
func missingPart(main string) error {
	return fmt.Errorf("%w: no %s in the archive", ErrMalformed, main)
}

// xmlAttrs writes the attribute attr of every element elem, one a line.
func xmlAttrs(ctx context.Context, rd io.Reader, elem, attr string, w *textWriter) error {
	d := xml.NewDecoder(rd)
	d.Strict = false
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		tok, err := d.RawToken()
		if err != nil {
			return nil
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == elem {
			for _, a := range se.Attr {
				if a.Name.Local == attr {
					if err := w.WriteString(a.Value); err != nil {
						return err
					}
					w.newline()
				}
			}
		}
	}
}

// sheetCells writes the values of a worksheet's cells except shared
// string indexes (t="s"), booleans and errors; inline strings (is/t) and
// formula results (t="str") included, formulas (f) not.
func sheetCells(ctx context.Context, rd io.Reader, w *textWriter) error {
	d := xml.NewDecoder(rd)
	d.Strict = false
	cellType := ""
	inValue := false
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		tok, err := d.RawToken()
		if err != nil {
			return nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "c":
				cellType = ""
				for _, a := range t.Attr {
					if a.Name.Local == "t" {
						cellType = a.Value
					}
				}
			case "v":
				inValue = cellType != "s" && cellType != "b" && cellType != "e"
			case "t":
				inValue = cellType == "inlineStr"
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v", "t":
				inValue = false
			case "c":
				w.space()
			case "row":
				w.newline()
			}
		case xml.CharData:
			if inValue {
				if err := w.WriteString(string(t)); err != nil {
					return err
				}
			}
		}
	}
}
