package textextract

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// PDF objects as the lexer returns them: nil (null), bool, int64,
// float64, pdfName, pdfString, pdfArray, pdfDict, pdfRef, *pdfStream,
// pdfKeyword (operators and keywords).
type (
	pdfName    string
	pdfString  string // the raw bytes
	pdfArray   []any
	pdfDict    map[pdfName]any
	pdfKeyword string
	pdfRef     struct{ num, gen int64 }
)

// pdfStream is a stream object: its dictionary, where its data starts in
// the file, and its object number and generation (for decryption).
type pdfStream struct {
	dict     pdfDict
	off      int64
	num, gen int64
}

// Bounds of the lexer.
const (
	maxPDFDepth  = 64      // nesting of arrays and dictionaries
	maxPDFString = 4 << 20 // one string
	maxPDFArray  = 1 << 20 // elements of one array or dictionary
)

var (
	// errShort means the window ended inside an object: read more.
	errShort = errors.New("textextract: PDF object continues past the window")
	// errSyntax is a malformed PDF object.
	errSyntax = fmt.Errorf("%w: PDF syntax", ErrMalformed)
)

// lexer reads PDF objects from b. partial means b is a window of the file:
// reaching its end is errShort instead of the end of the input. refs
// enables "n g R" references (not in content streams).
type lexer struct {
	b       []byte
	pos     int
	partial bool
	refs    bool
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() {
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if isSpace(c) {
			l.pos++
			continue
		}
		if c == '%' {
			for l.pos < len(l.b) && l.b[l.pos] != '\n' && l.b[l.pos] != '\r' {
				l.pos++
			}
			continue
		}
		return
	}
}

// end is the error at the end of b.
func (l *lexer) end() error {
	if l.partial {
		return errShort
	}
	return errEOF
}

// errEOF is the end of a complete input (a content stream).
var errEOF = errors.New("textextract: end of PDF data")

// object reads the next object; keywords (including operators) come back
// as pdfKeyword.
func (l *lexer) object(depth int) (any, error) {
	if depth > maxPDFDepth {
		return nil, errSyntax
	}
	l.skipSpace()
	if l.pos >= len(l.b) {
		return nil, l.end()
	}
	c := l.b[l.pos]
	switch {
	case c == '/':
		return l.name()
	case c == '(':
		return l.literal()
	case c == '<':
		if l.pos+1 < len(l.b) && l.b[l.pos+1] == '<' {
			return l.dict(depth)
		}
		if l.pos+1 >= len(l.b) {
			return nil, l.end()
		}
		return l.hex()
	case c == '[':
		return l.array(depth)
	case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
		return l.number()
	case c == ')' || c == '>' || c == ']':
		l.pos++
		return pdfKeyword(c), nil
	case c == '{' || c == '}':
		l.pos++
		return pdfKeyword(c), nil
	}
	start := l.pos
	for l.pos < len(l.b) && !isSpace(l.b[l.pos]) && !isDelim(l.b[l.pos]) {
		l.pos++
	}
	if l.pos == len(l.b) && l.partial {
		return nil, errShort
	}
	kw := string(l.b[start:l.pos])
	switch kw {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	}
	return pdfKeyword(kw), nil
}

// name reads /Name with #xx escapes.
func (l *lexer) name() (any, error) {
	l.pos++ // '/'
	var out []byte
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if isSpace(c) || isDelim(c) {
			return pdfName(out), nil
		}
		if c == '#' && l.pos+2 < len(l.b) {
			if v, err := strconv.ParseUint(string(l.b[l.pos+1:l.pos+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				l.pos += 3
				continue
			}
		}
		out = append(out, c)
		l.pos++
	}
	if l.partial {
		return nil, errShort
	}
	return pdfName(out), nil
}

// number reads an integer or a real (lenient: "--5" and "1.2.3" read as
// far as they make sense), and an "n g R" reference when enabled.
func (l *lexer) number() (any, error) {
	start := l.pos
	real := false
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		if c == '.' {
			real = true
		} else if !(c >= '0' && c <= '9' || c == '-' || c == '+') {
			break
		}
		l.pos++
	}
	if l.pos == len(l.b) && l.partial {
		return nil, errShort
	}
	s := string(l.b[start:l.pos])
	if !real {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return int64(0), nil
		}
		if l.refs && n >= 0 {
			if ref, ok, err := l.refAfter(n); err != nil {
				return nil, err
			} else if ok {
				return ref, nil
			}
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return float64(0), nil
	}
	return f, nil
}

// refAfter checks for "g R" after the number n; on no match the position
// is unchanged.
func (l *lexer) refAfter(n int64) (pdfRef, bool, error) {
	save := l.pos
	l.skipSpace()
	gs := l.pos
	for l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '9' {
		l.pos++
	}
	if l.pos == gs || l.pos-gs > 10 {
		if l.pos == len(l.b) && l.partial {
			return pdfRef{}, false, errShort
		}
		l.pos = save
		return pdfRef{}, false, nil
	}
	gen, _ := strconv.ParseInt(string(l.b[gs:l.pos]), 10, 64)
	l.skipSpace()
	if l.pos+1 > len(l.b) {
		if l.partial {
			return pdfRef{}, false, errShort
		}
		l.pos = save
		return pdfRef{}, false, nil
	}
	if l.b[l.pos] == 'R' && (l.pos+1 == len(l.b) || isSpace(l.b[l.pos+1]) || isDelim(l.b[l.pos+1])) {
		l.pos++
		return pdfRef{n, gen}, true, nil
	}
	l.pos = save
	return pdfRef{}, false, nil
}

// literal reads a (string) with escapes and balanced parentheses.
func (l *lexer) literal() (any, error) {
	l.pos++ // '('
	var out []byte
	depth := 1
	for l.pos < len(l.b) {
		if len(out) > maxPDFString {
			return nil, errSyntax
		}
		// Copy the run up to the next special character at once.
		if i := bytes.IndexAny(l.b[l.pos:], `()\`); i != 0 {
			if i < 0 {
				i = len(l.b) - l.pos
			}
			out = append(out, l.b[l.pos:l.pos+i]...)
			l.pos += i
			continue
		}
		c := l.b[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return pdfString(out), nil
			}
		case '\\':
			if l.pos >= len(l.b) {
				return nil, l.end()
			}
			e := l.b[l.pos]
			l.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if l.pos < len(l.b) && l.b[l.pos] == '\n' {
					l.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2 && l.pos < len(l.b) && l.b[l.pos] >= '0' && l.b[l.pos] <= '7'; i++ {
						v = v*8 + int(l.b[l.pos]-'0')
						l.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	if l.partial {
		return nil, errShort
	}
	return pdfString(out), nil
}

// hex reads a <hex string>.
func (l *lexer) hex() (any, error) {
	l.pos++ // '<'
	var out []byte
	hi, have := byte(0), false
	for l.pos < len(l.b) {
		c := l.b[l.pos]
		l.pos++
		var v byte
		switch {
		case c == '>':
			if have {
				out = append(out, hi<<4)
			}
			return pdfString(out), nil
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			continue // white space and junk
		}
		if have {
			out = append(out, hi<<4|v)
			have = false
			if len(out) > maxPDFString {
				return nil, errSyntax
			}
		} else {
			hi, have = v, true
		}
	}
	if l.partial {
		return nil, errShort
	}
	return pdfString(out), nil
}

// array reads [ ... ].
func (l *lexer) array(depth int) (any, error) {
	l.pos++ // '['
	var out pdfArray
	for {
		l.skipSpace()
		if l.pos >= len(l.b) {
			if l.partial {
				return nil, errShort
			}
			return out, nil
		}
		if l.b[l.pos] == ']' {
			l.pos++
			return out, nil
		}
		v, err := l.object(depth + 1)
		if err != nil {
			if errors.Is(err, errEOF) {
				return out, nil
			}
			return nil, err
		}
		if kw, ok := v.(pdfKeyword); ok && (kw == ">" || kw == ")") {
			continue // junk
		}
		if len(out) >= maxPDFArray {
			return nil, errSyntax
		}
		out = append(out, v)
	}
}

// dict reads << ... >>.
func (l *lexer) dict(depth int) (any, error) {
	l.pos += 2 // '<<'
	out := pdfDict{}
	for n := 0; ; n++ {
		l.skipSpace()
		if l.pos+1 >= len(l.b) {
			if l.partial {
				return nil, errShort
			}
			return out, nil
		}
		if l.b[l.pos] == '>' && l.b[l.pos+1] == '>' {
			l.pos += 2
			return out, nil
		}
		if n >= maxPDFArray {
			return nil, errSyntax
		}
		k, err := l.object(depth + 1)
		if err != nil {
			if errors.Is(err, errEOF) {
				return out, nil
			}
			return nil, err
		}
		key, ok := k.(pdfName)
		if !ok {
			if kw, isKw := k.(pdfKeyword); isKw && (kw == "endobj" || kw == "stream") {
				// A dictionary that never closed.
				return nil, errSyntax
			}
			continue
		}
		v, err := l.object(depth + 1)
		if err != nil {
			if errors.Is(err, errEOF) {
				return out, nil
			}
			return nil, err
		}
		if kw, isKw := v.(pdfKeyword); isKw && (kw == ">" || kw == "endobj") {
			return nil, errSyntax
		}
		out[key] = v
	}
}

// Helpers to read typed values.

func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n > -1e15 && n < 1e15 {
			return int64(n), true
		}
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
