// Package textextract extracts plain text from stored files for the
// full-text search: plain text, CSV, Markdown, XML, e-mail, PDF, Office
// Open XML (.docx, .xlsx, .pptx) and OpenDocument (.odt, .ods, .odp).
// Operator documentation: docs/search-text.md.
//
// Extract is the one entry point:
//
//	text, err := textextract.Extract(ctx, doc.MIMEType, f, size, 0)
//	if errors.Is(err, textextract.ErrUnsupported) {
//		// index the metadata only
//	}
//
// Extraction is bounded, whatever the input: the text stops at the limit
// (DefaultLimit), decompressed data (ZIP entries, PDF streams) at
// MaxUnpacked in total, archives with more than MaxEntries entries are
// refused, nesting and references are bounded. Hostile input returns an
// error or less text, never a panic, a hang or unbounded memory. The text
// is valid UTF-8 in NFC without NUL or other control characters except
// tab and newline, ready for SQLite FTS5 and PostgreSQL.
//
// PDF text comes from a small extractor of this package (pdf.go): it reads
// classic and compressed cross-reference tables (and repairs a broken one
// by scanning), object streams, FlateDecode/ASCII85/ASCIIHex/RunLength
// filters with PNG predictors, the page tree with form XObjects, and
// decodes text through ToUnicode maps or the font's simple encoding
// (WinAnsi, MacRoman, Standard, /Differences); PDFs encrypted with an
// empty user password ("protected" against copying) are decrypted (RC4,
// AES-128, AES-256). PDFs that need a password to open (ErrEncrypted) and
// scanned pages without a text layer give no text.
package textextract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"runtime/debug"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits of an extraction.
const (
	// DefaultLimit is the text limit in bytes when Extract gets limit <= 0.
	DefaultLimit = 1 << 20
	// MaxUnpacked bounds the bytes decompressed from one file (ZIP
	// entries, PDF streams) in total.
	MaxUnpacked = 256 << 20
	// MaxEntries bounds the entries of a ZIP archive (OOXML, ODF).
	MaxEntries = 10000
)

var (
	// ErrUnsupported is returned for a type the package does not extract
	// text from (images, archives, legacy office formats).
	ErrUnsupported = errors.New("textextract: unsupported type")
	// ErrEncrypted is returned for an encrypted PDF or office file.
	ErrEncrypted = errors.New("textextract: the file is encrypted")
	// ErrMalformed is wrapped by the error for content that cannot be
	// read as its type claims.
	ErrMalformed = errors.New("textextract: malformed file")
)

// kinds maps MIME types to extractors.
var kinds = map[string]func(ctx context.Context, r io.ReaderAt, size int64, w *textWriter) error{
	"text/plain":                extractPlain,
	"text/csv":                  extractPlain,
	"text/tab-separated-values": extractPlain,
	"text/markdown":             extractPlain,
	"text/x-markdown":           extractPlain,
	"application/json":          extractPlain,
	"application/xml":           extractXML,
	"text/xml":                  extractXML,
	"message/rfc822":            extractMail,
	"application/pdf":           extractPDF,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   extractDOCX,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         extractXLSX,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": extractPPTX,
	"application/vnd.ms-word.document.macroenabled.12":                          extractDOCX,
	"application/vnd.ms-excel.sheet.macroenabled.12":                            extractXLSX,
	"application/vnd.ms-powerpoint.presentation.macroenabled.12":                extractPPTX,
	"application/vnd.oasis.opendocument.text":                                   extractODF,
	"application/vnd.oasis.opendocument.spreadsheet":                            extractODF,
	"application/vnd.oasis.opendocument.presentation":                           extractODF,
	"application/vnd.oasis.opendocument.graphics":                               extractODF,
}

// baseType returns the lower-case MIME type without parameters.
func baseType(mimeType string) string {
	mt, _, err := mime.ParseMediaType(mimeType)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(mimeType))
	}
	return mt
}

// Supported reports whether Extract extracts text from files of the MIME
// type (parameters such as charset are ignored).
func Supported(mimeType string) bool {
	_, ok := kinds[baseType(mimeType)]
	return ok
}

// Extract returns the text of the file of the given MIME type, read from r
// (size bytes), at most limit bytes of it (DefaultLimit when limit <= 0).
// Text over the limit is cut silently: what fits is still worth indexing.
// A type it does not handle is ErrUnsupported; an encrypted file
// ErrEncrypted; content that is not what its type says an error wrapping
// ErrMalformed. ctx cancels a long extraction.
//
// r is read concurrently-safe as io.ReaderAt; a blob store's reader that
// only seeks can be adapted with ReaderAt.
func Extract(ctx context.Context, mimeType string, r io.ReaderAt, size int64, limit int) (text string, err error) {
	fn, ok := kinds[baseType(mimeType)]
	if !ok {
		return "", ErrUnsupported
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	w := newTextWriter(limit)
	defer func() {
		// A bug must not take the server down with a hostile file; the
		// fuzz tests make sure this does not happen.
		if p := recover(); p != nil {
			text, err = "", &panicError{value: p, stack: debug.Stack()}
		}
	}()
	err = fn(ctx, r, size, w)
	if errors.Is(err, errFull) {
		err = nil
	}
	if err != nil {
		return "", err
	}
	if cerr := ctx.Err(); cerr != nil {
		return "", cerr
	}
	return w.String(), nil
}

// panicError is the error of an extraction that panicked.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string {
	return fmt.Sprintf("textextract: panic: %v\n%s", e.value, e.stack)
}

// ReaderAt returns r as an io.ReaderAt: r itself when it is one (an
// *os.File), else an adapter that seeks before each read, which is safe
// for the sequential use of one extraction (not for concurrent reads).
func ReaderAt(r io.ReadSeeker) io.ReaderAt {
	if ra, ok := r.(io.ReaderAt); ok {
		return ra
	}
	return &seekReaderAt{r: r}
}

type seekReaderAt struct {
	r io.ReadSeeker
}

func (s *seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if _, err := s.r.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(s.r, p)
}

// errFull stops an extractor when the text reached its limit.
var errFull = errors.New("textextract: text limit reached")

// textWriter collects the extracted text: it drops control characters,
// expands ligatures, keeps at most one space and one empty line in a row,
// no white space at the start and end of lines, and stops at its limit.
// White space is held back until the next character, so that trailing
// white space never reaches the text.
type textWriter struct {
	b     strings.Builder
	limit int
	full  bool
	// pendingSpace and pendingNL are the white space seen since the last
	// character.
	pendingSpace bool
	pendingNL    int
	cr           bool // the last character written was CR
}

func newTextWriter(limit int) *textWriter {
	return &textWriter{limit: limit}
}

// WriteString appends s; it returns errFull once the limit is reached.
func (w *textWriter) WriteString(s string) error {
	for _, r := range s {
		if w.full {
			return errFull
		}
		cr := w.cr
		w.cr = r == '\r'
		switch {
		case r == '\n' && cr:
			continue // the second half of CR LF
		case r == '\n' || r == '\r' || r == '\f' || r == '\v' || r == 0x2028 || r == 0x2029 || r == 0x85:
			w.pendingNL++
			continue
		case r == '\t' || unicode.IsSpace(r):
			w.space()
			continue
		case r == utf8.RuneError || r == 0xFEFF || r == 0x00AD || unicode.IsControl(r) ||
			unicode.Is(unicode.Cs, r) || unicode.Is(unicode.Co, r) || r >= 0xFFF0 && r <= 0xFFFF:
			continue
		}
		if lig, ok := ligatures[r]; ok {
			for _, l := range lig {
				w.putRune(l)
			}
			continue
		}
		w.putRune(r)
	}
	if w.full {
		return errFull
	}
	return nil
}

// ligatures are expanded, so that "ﬁnden" is found as "finden".
var ligatures = map[rune]string{
	0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "st", 0xFB06: "st",
}

func (w *textWriter) putRune(r rune) {
	if w.full {
		return
	}
	var pre string
	if w.b.Len() > 0 {
		switch {
		case w.pendingNL >= 2:
			pre = "\n\n"
		case w.pendingNL == 1:
			pre = "\n"
		case w.pendingSpace:
			pre = " "
		}
	}
	if w.b.Len()+len(pre)+utf8.RuneLen(r) > w.limit {
		w.full = true
		return
	}
	w.b.WriteString(pre)
	w.b.WriteRune(r)
	w.pendingSpace, w.pendingNL = false, 0
}

// space separates words.
func (w *textWriter) space() { w.pendingSpace = true }

// newline ends the line, if the text is not at the start of one.
func (w *textWriter) newline() { w.pendingNL = max(w.pendingNL, 1) }

// paragraph ends the paragraph: an empty line follows.
func (w *textWriter) paragraph() { w.pendingNL = 2 }

// String returns the text in NFC, cut to the limit.
func (w *textWriter) String() string {
	s := norm.NFC.String(w.b.String())
	if len(s) > w.limit {
		s = s[:w.limit]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}
