package textextract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/transform"
)

// maxPlainRead bounds how much of a text file is read: the text limit
// times four covers UTF-16 and dropped characters.
func maxPlainRead(w *textWriter) int64 { return int64(w.limit)*4 + 4 }

// extractPlain reads text, CSV, Markdown or JSON: UTF-8 (with or without
// byte order mark), UTF-16 with byte order mark, or, when the bytes are
// not UTF-8, Windows-1252 (what Excel and older Windows programs write in
// Germany).
func extractPlain(ctx context.Context, r io.ReaderAt, size int64, w *textWriter) error {
	n := min(size, maxPlainRead(w))
	return writeDecoded(w, io.NewSectionReader(r, 0, n), "")
}

// writeDecoded writes the text of rd in charset (a label such as
// "iso-8859-1"; "" detects it) to w, chunk by chunk.
func writeDecoded(w *textWriter, rd io.Reader, charset string) error {
	br := bufio.NewReaderSize(rd, 64<<10)
	head, _ := br.Peek(4096)
	dec := decoderFor(head, charset)
	var src io.Reader = br
	if dec != nil {
		src = transform.NewReader(br, dec)
	} else if bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	buf := make([]byte, 32<<10)
	var carry []byte
	for {
		n, err := src.Read(buf)
		chunk := append(carry, buf[:n]...)
		// Keep an incomplete character at the end for the next chunk.
		cut := len(chunk)
		for i := 1; i <= 3 && i <= len(chunk); i++ {
			if utf8.RuneStart(chunk[len(chunk)-i]) {
				if !utf8.FullRune(chunk[len(chunk)-i:]) {
					cut = len(chunk) - i
				}
				break
			}
		}
		if err != nil {
			cut = len(chunk)
		}
		if werr := w.WriteString(string(chunk[:cut])); werr != nil {
			return werr
		}
		carry = append(carry[:0], chunk[cut:]...)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// decoderFor picks the decoder of text starting with head: by byte order
// mark, by the declared charset, else UTF-8 when head is UTF-8 (nil: no
// decoding needed), else Windows-1252.
func decoderFor(head []byte, charset string) transform.Transformer {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return unicodeBOM()
	case charset != "":
		if e, err := htmlindex.Get(charset); err == nil && e != encoding.Nop {
			if name, _ := htmlindex.Name(e); name == "utf-8" {
				return nil
			}
			return e.NewDecoder()
		}
	}
	if validUTF8Prefix(head) {
		return nil
	}
	return charmap.Windows1252.NewDecoder()
}

// validUTF8Prefix reports whether b is UTF-8, allowing a character cut at
// its end.
func validUTF8Prefix(b []byte) bool {
	for i := 0; i < 3 && len(b) > 0 && !utf8.Valid(b); i++ {
		b = b[:len(b)-1]
	}
	return utf8.Valid(b)
}

// utf16Decoder decodes UTF-16 with a byte order mark.
type utf16Decoder struct {
	order int // 0 unknown, 1 little, 2 big endian
}

func unicodeBOM() transform.Transformer { return &utf16Decoder{} }

func (d *utf16Decoder) Reset() { d.order = 0 }

func (d *utf16Decoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	if d.order == 0 {
		if len(src) < 2 {
			if atEOF {
				return 0, len(src), nil
			}
			return 0, 0, transform.ErrShortSrc
		}
		d.order = 1
		if src[0] == 0xFE {
			d.order = 2
		}
		nSrc = 2
	}
	for nSrc+1 < len(src) {
		u := d.unit(src[nSrc:])
		size := 2
		r := rune(u)
		if utf16.IsSurrogate(r) {
			if nSrc+3 >= len(src) {
				if !atEOF {
					break
				}
				r = utf8.RuneError
			} else {
				r = utf16.DecodeRune(r, rune(d.unit(src[nSrc+2:])))
				size = 4
			}
		}
		if nDst+utf8.RuneLen(r) > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], r)
		nSrc += size
	}
	if atEOF && nSrc < len(src) {
		nSrc = len(src) // an odd byte at the end
	} else if nSrc < len(src) {
		return nDst, nSrc, transform.ErrShortSrc
	}
	return nDst, nSrc, nil
}

func (d *utf16Decoder) unit(b []byte) uint16 {
	if d.order == 2 {
		return uint16(b[0])<<8 | uint16(b[1])
	}
	return uint16(b[1])<<8 | uint16(b[0])
}

// extractXML writes the character data of an XML file (e.g. an
// XRechnung or xdomea message), one line per element with text.
func extractXML(ctx context.Context, r io.ReaderAt, size int64, w *textWriter) error {
	return xmlText(ctx, io.NewSectionReader(r, 0, size), w, nil)
}

// xmlRules says how the elements of an XML vocabulary become text: the
// local names that end a line, that stand for a tab, a line break or a
// space, whose text is skipped, and whether only text inside textElems
// counts.
type xmlRules struct {
	lineEnd   map[string]bool
	tab       map[string]bool
	brk       map[string]bool
	space     map[string]bool
	skip      map[string]bool
	textElems map[string]bool // nil: all character data counts
}

// maxXMLDepth bounds the nesting of XML elements.
const maxXMLDepth = 256

// xmlText streams the XML of rd into w following rules (nil: every
// element ends a line). Syntax errors end the text there: what came before
// is kept.
func xmlText(ctx context.Context, rd io.Reader, w *textWriter, rules *xmlRules) error {
	d := xml.NewDecoder(rd)
	d.Strict = false
	d.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		e, err := htmlindex.Get(label)
		if err != nil {
			return nil, fmt.Errorf("textextract: XML charset %q: %w", label, err)
		}
		return transform.NewReader(input, e.NewDecoder()), nil
	}
	var stack []string
	skip := 0 // depth inside skipped elements
	inText := 0
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			// Keep what was read; a broken tail is no reason to lose it.
			return nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxXMLDepth {
				return nil
			}
			name := t.Name.Local
			stack = append(stack, name)
			switch {
			case skip > 0 || rules != nil && rules.skip[name]:
				skip++
			case rules == nil:
			case rules.tab[name]:
				w.space()
			case rules.brk[name]:
				w.newline()
			case rules.space[name]:
				w.space()
			}
			if rules != nil && rules.textElems != nil && rules.textElems[name] {
				inText++
			}
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			name := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if skip > 0 {
				skip--
				continue
			}
			if rules != nil && rules.textElems != nil && rules.textElems[name] {
				inText--
			}
			if rules == nil || rules.lineEnd[name] {
				w.newline()
			} else if rules.tab[name] {
				w.space()
			}
		case xml.CharData:
			if skip > 0 || rules != nil && rules.textElems != nil && inText <= 0 {
				continue
			}
			if len(bytes.TrimSpace(t)) == 0 {
				// Indentation between elements.
				w.space()
				continue
			}
			if err := w.WriteString(string(t)); err != nil {
				return err
			}
		}
	}
}

// extractMail writes the subject, sender and recipients of an e-mail
// (RFC 5322) and the text of its text/plain parts (text/html parts when
// there is no plain text, without tags). Attachments are not extracted.
func extractMail(ctx context.Context, r io.ReaderAt, size int64, w *textWriter) error {
	m, err := mail.ReadMessage(bufio.NewReader(io.NewSectionReader(r, 0, size)))
	if err != nil {
		return fmt.Errorf("%w: e-mail: %v", ErrMalformed, err)
	}
	dec := new(mime.WordDecoder)
	dec.CharsetReader = charsetReader
	for _, h := range []string{"Subject", "From", "To", "Cc", "Date"} {
		v := m.Header.Get(h)
		if v == "" {
			continue
		}
		if d, err := dec.DecodeHeader(v); err == nil {
			v = d
		}
		if err := w.WriteString(v); err != nil {
			return err
		}
		w.newline()
	}
	w.paragraph()
	return mailPart(ctx, w, m.Header, m.Body, 0)
}

// headerGetter is a mail or MIME part header.
type headerGetter interface{ Get(string) string }

// maxMailDepth bounds nested multiparts.
const maxMailDepth = 8

// mailPart writes the text of one MIME part.
func mailPart(ctx context.Context, w *textWriter, h headerGetter, body io.Reader, depth int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, params = "text/plain", nil
	}
	if strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
		return nil
	}
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if depth >= maxMailDepth || params["boundary"] == "" {
			return nil
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return nil
			}
			if err := mailPart(ctx, w, p.Header, p, depth+1); err != nil {
				return err
			}
			w.paragraph()
			if mt == "multipart/alternative" {
				// The alternatives say the same; the first (by
				// convention the plain text) is enough.
				return nil
			}
		}
	case mt == "text/plain":
		return writeDecoded(w, io.LimitReader(body, maxPlainRead(w)), params["charset"])
	case mt == "text/html":
		return htmlText(w, io.LimitReader(body, maxPlainRead(w)), params["charset"])
	case mt == "message/rfc822":
		if depth >= maxMailDepth {
			return nil
		}
		m, err := mail.ReadMessage(bufio.NewReader(body))
		if err != nil {
			return nil
		}
		if s := m.Header.Get("Subject"); s != "" {
			if err := w.WriteString(s); err != nil {
				return err
			}
			w.newline()
		}
		return mailPart(ctx, w, m.Header, m.Body, depth+1)
	}
	return nil
}

// htmlText writes the text of an HTML mail body: tags removed, entities
// decoded by the XML decoder in non-strict mode.
func htmlText(w *textWriter, rd io.Reader, charset string) error {
	var src io.Reader = rd
	if charset != "" {
		if e, err := htmlindex.Get(charset); err == nil {
			src = transform.NewReader(rd, e.NewDecoder())
		}
	}
	d := xml.NewDecoder(src)
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	skip := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch strings.ToLower(t.Name.Local) {
			case "script", "style", "head":
				skip++
			case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "table":
				w.newline()
			case "td", "th":
				w.space()
			}
		case xml.EndElement:
			switch strings.ToLower(t.Name.Local) {
			case "script", "style", "head":
				if skip > 0 {
					skip--
				}
			case "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "table":
				w.newline()
			}
		case xml.CharData:
			if skip == 0 {
				if err := w.WriteString(string(t)); err != nil {
					return err
				}
			}
		}
	}
}

// charsetReader decodes header words in charsets other than UTF-8 and
// ISO-8859-1.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	e, err := htmlindex.Get(label)
	if err != nil {
		return nil, err
	}
	return transform.NewReader(input, e.NewDecoder()), nil
}
