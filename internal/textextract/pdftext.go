package textextract

import (
	"context"
	"errors"
	"io"
	"math"
	"reflect"
	"sort"
	"strings"
	"unicode/utf16"
)

// Bounds of the text extraction from PDF pages.
const (
	maxFormDepth   = 8       // form XObjects inside form XObjects
	maxOperands    = 4096    // operands before an operator
	maxStateDepth  = 64      // q nesting
	maxCMapEntries = 1 << 18 // mappings of one ToUnicode CMap
	maxFonts       = 4096    // fonts decoded per document
)

// extractPDF writes the text of the pages of a PDF in order.
func extractPDF(ctx context.Context, r io.ReaderAt, size int64, w *textWriter) error {
	d, err := openPDF(ctx, r, size)
	if err != nil {
		return err
	}
	x := &pdfText{doc: d, w: w, fonts: map[any]*pdfFont{}, forms: map[pdfRef]bool{}}
	return x.pages()
}

// pdfText extracts the text of one document.
type pdfText struct {
	doc   *pdfDoc
	w     *textWriter
	fonts map[any]*pdfFont // by reference (or dictionary identity)
	forms map[pdfRef]bool  // form XObjects extracted
	pageN int
}

// pages walks the page tree and extracts each page.
func (x *pdfText) pages() error {
	root := x.doc.catalog()
	seen := map[pdfRef]bool{}
	var walk func(node any, res pdfDict, depth int) error
	walk = func(node any, res pdfDict, depth int) error {
		if depth > maxPDFDepth || x.pageN >= maxPDFPages {
			return nil
		}
		if ref, ok := node.(pdfRef); ok {
			if seen[ref] {
				return nil
			}
			seen[ref] = true
		}
		dict, ok := x.doc.resolve(node).(pdfDict)
		if !ok {
			return nil
		}
		if r, ok := x.doc.resolve(dict["Resources"]).(pdfDict); ok {
			res = r
		}
		if kids, ok := x.doc.resolve(dict["Kids"]).(pdfArray); ok && dict["Type"] != pdfName("Page") {
			for _, k := range kids {
				if err := walk(k, res, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		x.pageN++
		if err := x.doc.ctx.Err(); err != nil {
			return err
		}
		err := x.page(dict, res)
		x.w.paragraph()
		return err
	}
	return walk(root["Pages"], nil, 0)
}

// page extracts the text of one page.
func (x *pdfText) page(page pdfDict, res pdfDict) error {
	var data []byte
	var full error // the budget ran out: extract what was decoded, then stop
	add := func(v any) {
		s, ok := x.doc.resolve(v).(*pdfStream)
		if !ok || full != nil || int64(len(data)) > maxStreamData {
			return
		}
		b, err := x.doc.streamData(s)
		if errors.Is(err, errFull) {
			full = err
		} else if err != nil {
			return // a damaged stream: skip it
		}
		data = append(append(data, b...), '\n')
	}
	switch c := x.doc.resolve(page["Contents"]).(type) {
	case pdfArray:
		for _, v := range c {
			add(v)
		}
	default:
		add(page["Contents"])
	}
	st := &textState{ctm: identity, th: 1, x: x, res: res}
	if err := st.run(data, 0); err != nil {
		return err
	}
	return full
}

// matrix is a PDF transformation matrix [a b c d e f].
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m × n.
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

// point maps (x, y) through m.
func (m matrix) point(x, y float64) (float64, float64) {
	return x*m[0] + y*m[2] + m[4], x*m[1] + y*m[3] + m[5]
}

// textState is the graphics and text state of a content stream, as far as
// the position of text matters.
type textState struct {
	x     *pdfText
	res   pdfDict
	ctm   matrix
	stack []matrix
	tm    matrix // text matrix
	tlm   matrix // text line matrix
	font  *pdfFont
	fs    float64 // font size
	tc    float64 // character spacing
	tw    float64 // word spacing
	th    float64 // horizontal scaling / 100
	tl    float64 // leading
	// end is where the last text shown ended (device space), size its
	// font size there; started is false before the first text.
	endX, endY, size float64
	started          bool
}

// run interprets content stream data (resources st.res) at form depth
// depth.
func (st *textState) run(data []byte, depth int) error {
	l := &lexer{b: data}
	var ops []any
	for n := 0; ; n++ {
		if n%8192 == 0 {
			if err := st.x.doc.ctx.Err(); err != nil {
				return err
			}
		}
		v, err := l.object(0)
		if errors.Is(err, errEOF) {
			return nil
		}
		if err != nil {
			// Skip the byte that broke the syntax and go on.
			l.pos++
			ops = ops[:0]
			if l.pos >= len(l.b) {
				return nil
			}
			continue
		}
		kw, ok := v.(pdfKeyword)
		if !ok {
			if len(ops) < maxOperands {
				ops = append(ops, v)
			}
			continue
		}
		if err := st.op(string(kw), ops, l, depth); err != nil {
			return err
		}
		ops = ops[:0]
	}
}

func num(ops []any, i int) float64 {
	if i < 0 || i >= len(ops) {
		return 0
	}
	f, _ := asFloat(ops[i])
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

func matrixOf(ops []any) (matrix, bool) {
	if len(ops) < 6 {
		return identity, false
	}
	var m matrix
	for i := range m {
		m[i] = num(ops, len(ops)-6+i)
	}
	return m, true
}

// op executes one operator.
func (st *textState) op(op string, ops []any, l *lexer, depth int) error {
	switch op {
	case "q":
		if len(st.stack) < maxStateDepth {
			st.stack = append(st.stack, st.ctm)
		}
	case "Q":
		if n := len(st.stack); n > 0 {
			st.ctm = st.stack[n-1]
			st.stack = st.stack[:n-1]
		}
	case "cm":
		if m, ok := matrixOf(ops); ok {
			st.ctm = m.mul(st.ctm)
		}
	case "BT":
		st.tm, st.tlm = identity, identity
	case "Tf":
		if len(ops) >= 2 {
			if name, ok := ops[len(ops)-2].(pdfName); ok {
				st.font = st.x.font(st.res, name)
			}
			st.fs = num(ops, len(ops)-1)
		}
	case "Tc":
		st.tc = num(ops, len(ops)-1)
	case "Tw":
		st.tw = num(ops, len(ops)-1)
	case "Tz":
		st.th = num(ops, len(ops)-1) / 100
	case "TL":
		st.tl = num(ops, len(ops)-1)
	case "Td":
		st.moveLine(num(ops, len(ops)-2), num(ops, len(ops)-1))
	case "TD":
		st.tl = -num(ops, len(ops)-1)
		st.moveLine(num(ops, len(ops)-2), num(ops, len(ops)-1))
	case "Tm":
		if m, ok := matrixOf(ops); ok {
			st.tm, st.tlm = m, m
		}
	case "T*":
		st.moveLine(0, -st.tl)
	case "Tj":
		if len(ops) > 0 {
			return st.show(ops[len(ops)-1])
		}
	case "'":
		st.moveLine(0, -st.tl)
		if len(ops) > 0 {
			return st.show(ops[len(ops)-1])
		}
	case "\"":
		if len(ops) >= 3 {
			st.tw, st.tc = num(ops, len(ops)-3), num(ops, len(ops)-2)
		}
		st.moveLine(0, -st.tl)
		if len(ops) > 0 {
			return st.show(ops[len(ops)-1])
		}
	case "TJ":
		if len(ops) == 0 {
			return nil
		}
		arr, _ := ops[len(ops)-1].(pdfArray)
		for _, e := range arr {
			if s, ok := e.(pdfString); ok {
				if err := st.show(s); err != nil {
					return err
				}
				continue
			}
			adj, _ := asFloat(e)
			if adj < -200 {
				// A gap of more than a fifth of the font size is a
				// space between words (producers that kern each word
				// into place write no space characters).
				st.x.w.space()
			}
			st.advance(-adj / 1000 * st.fs * st.th)
		}
	case "BI":
		st.skipInlineImage(l)
	case "Do":
		if len(ops) > 0 {
			if name, ok := ops[len(ops)-1].(pdfName); ok {
				return st.form(name, depth)
			}
		}
	}
	return nil
}

// moveLine moves to the start of the next line, offset by (tx, ty).
func (st *textState) moveLine(tx, ty float64) {
	st.tlm = matrix{1, 0, 0, 1, tx, ty}.mul(st.tlm)
	st.tm = st.tlm
}

// advance moves the text position by tx in text space.
func (st *textState) advance(tx float64) {
	st.tm = matrix{1, 0, 0, 1, tx, 0}.mul(st.tm)
}

// show writes the text of string operand v at the current position,
// separated from the text before by a line break or a space where the
// position jumped.
func (st *textState) show(v any) error {
	s, ok := v.(pdfString)
	if !ok || st.font == nil && len(s) == 0 {
		return nil
	}
	f := st.font
	if f == nil {
		f = defaultFont
	}
	trm := st.tm.mul(st.ctm)
	x, y := trm.point(0, 0)
	size := math.Abs(st.fs) * math.Sqrt(math.Abs(trm[0]*trm[3]-trm[1]*trm[2]))
	if size < 0.01 {
		size = 1
	}
	if st.started {
		switch dy, dx := math.Abs(y-st.endY), x-st.endX; {
		case dy > 0.5*math.Max(size, st.size):
			st.x.w.newline()
		case dx > 0.15*size || dx < -size:
			st.x.w.space()
		}
	}
	var b strings.Builder
	f.decode([]byte(s), func(code uint32, n int, text string) {
		b.WriteString(text)
		w := f.width(code) / 1000 * st.fs
		adv := (w + st.tc) * st.th
		if n == 1 && code == 32 {
			adv += st.tw * st.th
		}
		st.advance(adv)
	})
	if err := st.x.w.WriteString(b.String()); err != nil {
		return err
	}
	trm = st.tm.mul(st.ctm)
	st.endX, st.endY = trm.point(0, 0)
	st.size = size
	st.started = true
	return nil
}

// skipInlineImage skips "BI … ID <data> EI".
func (st *textState) skipInlineImage(l *lexer) {
	for {
		v, err := l.object(0)
		if err != nil {
			l.pos = len(l.b)
			return
		}
		if v == pdfKeyword("ID") {
			break
		}
	}
	l.pos++ // the white space after ID
	for i := l.pos; i+1 < len(l.b); i++ {
		if l.b[i] == 'E' && l.b[i+1] == 'I' && (i == 0 || isSpace(l.b[i-1])) && (i+2 == len(l.b) || isSpace(l.b[i+2])) {
			l.pos = i + 2
			return
		}
	}
	l.pos = len(l.b)
}

// form extracts the text of the form XObject name, once per document.
func (st *textState) form(name pdfName, depth int) error {
	if depth >= maxFormDepth {
		return nil
	}
	xobjs, _ := st.x.doc.resolve(st.res["XObject"]).(pdfDict)
	ref, isRef := xobjs[name].(pdfRef)
	if isRef {
		if st.x.forms[ref] {
			return nil
		}
		st.x.forms[ref] = true
	}
	s, ok := st.x.doc.resolve(xobjs[name]).(*pdfStream)
	if !ok || s.dict["Subtype"] != pdfName("Form") {
		return nil
	}
	data, err := st.x.doc.streamData(s)
	if err != nil && !errors.Is(err, errFull) {
		return nil
	}
	full := err
	res := st.res
	if r, ok := st.x.doc.resolve(s.dict["Resources"]).(pdfDict); ok {
		res = r
	}
	ctm := st.ctm
	if m, ok := st.x.doc.resolve(s.dict["Matrix"]).(pdfArray); ok {
		if mm, ok := matrixOf(m); ok {
			ctm = mm.mul(ctm)
		}
	}
	sub := &textState{x: st.x, res: res, ctm: ctm, th: 1, endX: st.endX, endY: st.endY, size: st.size, started: st.started}
	if err := sub.run(data, depth+1); err != nil {
		return err
	}
	st.endX, st.endY, st.size, st.started = sub.endX, sub.endY, sub.size, sub.started
	return full
}

// pdfFont decodes the strings shown with one font.
type pdfFont struct {
	// codespace gives the byte lengths of codes; nil: one byte (simple
	// fonts) or two (composite fonts, see twoByte).
	codespace []codeRange
	twoByte   bool
	ucs2      bool               // a composite font whose codes are UTF-16
	toUnicode map[uint32]string  // from the ToUnicode CMap
	ranges    []bfRange          // its bfrange entries
	simple    *[256]string       // simple font: code → text from the encoding
	widths    map[uint32]float64 // glyph widths in 1/1000 em
	defWidth  float64            // width of codes without one
}

// codeRange is a codespace range of codes of n bytes.
type codeRange struct {
	lo, hi []byte
}

// bfRange maps lo..hi to dst+(code-lo), or to arr[code-lo].
type bfRange struct {
	lo, hi uint32
	n      int // code length in bytes
	dst    []uint16
	arr    []string
}

// defaultFont decodes text shown before any Tf: as Latin-1-ish bytes.
var defaultFont = &pdfFont{simple: encodingText(&winAnsiEncoding), defWidth: 500}

// decode splits s into codes and reports each with its length and text.
func (f *pdfFont) decode(s []byte, fn func(code uint32, n int, text string)) {
	for i := 0; i < len(s); {
		n := f.codeLen(s[i:])
		if i+n > len(s) {
			n = len(s) - i
		}
		var code uint32
		for _, c := range s[i : i+n] {
			code = code<<8 | uint32(c)
		}
		fn(code, n, f.text(code, n))
		i += n
	}
}

// codeLen returns the length of the code at the start of s.
func (f *pdfFont) codeLen(s []byte) int {
	if len(f.codespace) > 0 {
		for n := 1; n <= 4 && n <= len(s); n++ {
			for _, r := range f.codespace {
				if len(r.lo) != n {
					continue
				}
				match := true
				for k := 0; k < n; k++ {
					if s[k] < r.lo[k] || s[k] > r.hi[k] {
						match = false
						break
					}
				}
				if match {
					return n
				}
			}
		}
	}
	if f.twoByte {
		return 2
	}
	return 1
}

// text returns the text of one code.
func (f *pdfFont) text(code uint32, n int) string {
	if t, ok := f.toUnicode[code]; ok {
		return t
	}
	// The ranges are sorted by their start: look at the last few that
	// start at or before code (ranges rarely overlap).
	i := sort.Search(len(f.ranges), func(i int) bool { return f.ranges[i].lo > code })
	for j := i - 1; j >= 0 && j >= i-8; j-- {
		r := f.ranges[j]
		if code >= r.lo && code <= r.hi && (r.n == 0 || r.n == n) {
			if r.arr != nil {
				if i := int(code - r.lo); i < len(r.arr) {
					return r.arr[i]
				}
				return ""
			}
			u := append([]uint16(nil), r.dst...)
			if len(u) > 0 {
				u[len(u)-1] += uint16(code - r.lo)
			}
			return string(utf16.Decode(u))
		}
	}
	if f.ucs2 {
		return string(utf16.Decode([]uint16{uint16(code)}))
	}
	if f.simple != nil && code < 256 {
		return f.simple[code]
	}
	return ""
}

// width returns the width of a code in 1/1000 em.
func (f *pdfFont) width(code uint32) float64 {
	// Composite fonts: the code is taken as the CID (Identity-H, by far
	// the most common); a wrong width only misplaces a space.
	if w, ok := f.widths[code]; ok {
		return w
	}
	return f.defWidth
}

// font returns the decoder of font name in resources res.
func (x *pdfText) font(res pdfDict, name pdfName) *pdfFont {
	fonts, _ := x.doc.resolve(res["Font"]).(pdfDict)
	v := fonts[name]
	var key any
	switch fv := v.(type) {
	case pdfRef:
		key = fv
	case pdfDict:
		key = reflect.ValueOf(fv).Pointer() // a direct dictionary
	default:
		return defaultFont
	}
	if f, ok := x.fonts[key]; ok {
		return f
	}
	dict, ok := x.doc.resolve(v).(pdfDict)
	if !ok {
		return defaultFont
	}
	f := x.newFont(dict)
	if len(x.fonts) >= maxFonts {
		clear(x.fonts)
	}
	x.fonts[key] = f
	return f
}

// newFont builds the decoder of a font dictionary.
func (x *pdfText) newFont(dict pdfDict) *pdfFont {
	d := x.doc
	f := &pdfFont{defWidth: 500}
	subtype, _ := d.resolve(dict["Subtype"]).(pdfName)
	if subtype == "Type0" {
		f.twoByte = true
		switch enc := d.resolve(dict["Encoding"]).(type) {
		case pdfName:
			s := string(enc)
			if strings.HasPrefix(s, "Uni") && (strings.Contains(s, "UCS2") || strings.Contains(s, "UTF16")) {
				f.ucs2 = true
			}
		case *pdfStream:
			if data, err := d.streamData(enc); err == nil {
				cm := parseCMap(data)
				f.codespace = cm.codespace
			}
		}
		if desc, ok := d.resolve(dict["DescendantFonts"]).(pdfArray); ok && len(desc) > 0 {
			if cf, ok := d.resolve(desc[0]).(pdfDict); ok {
				f.widths, f.defWidth = x.cidWidths(cf)
			}
		}
	} else {
		f.simple = x.simpleEncoding(dict, subtype)
		f.widths = map[uint32]float64{}
		first, _ := asInt(d.resolve(dict["FirstChar"]))
		if ws, ok := d.resolve(dict["Widths"]).(pdfArray); ok && first >= 0 && first < 256 {
			for i, v := range ws {
				if first+int64(i) > 255 {
					break
				}
				if w, ok := asFloat(d.resolve(v)); ok {
					f.widths[uint32(first)+uint32(i)] = w
				}
			}
		}
		if subtype == "Type3" {
			// Type 3 widths are in glyph space; scale by the font matrix.
			if fm, ok := d.resolve(dict["FontMatrix"]).(pdfArray); ok && len(fm) >= 1 {
				if a, ok := asFloat(fm[0]); ok && a != 0 {
					for k, w := range f.widths {
						f.widths[k] = w * a * 1000
					}
				}
			}
		}
	}
	if s, ok := d.resolve(dict["ToUnicode"]).(*pdfStream); ok {
		if data, err := d.streamData(s); err == nil {
			cm := parseCMap(data)
			f.toUnicode, f.ranges = cm.chars, cm.ranges
			sort.SliceStable(f.ranges, func(i, j int) bool { return f.ranges[i].lo < f.ranges[j].lo })
			if len(f.codespace) == 0 && f.twoByte {
				f.codespace = cm.codespace
			}
		}
	}
	return f
}

// cidWidths reads /W and /DW of a CID font.
func (x *pdfText) cidWidths(cf pdfDict) (map[uint32]float64, float64) {
	d := x.doc
	def := 1000.0
	if dw, ok := asFloat(d.resolve(cf["DW"])); ok {
		def = dw
	}
	widths := map[uint32]float64{}
	w, _ := d.resolve(cf["W"]).(pdfArray)
	for i := 0; i < len(w) && len(widths) < maxCMapEntries; {
		c1, ok := asInt(d.resolve(w[i]))
		if !ok || i+1 >= len(w) {
			break
		}
		switch next := d.resolve(w[i+1]).(type) {
		case pdfArray:
			for j, v := range next {
				if wv, ok := asFloat(d.resolve(v)); ok {
					widths[uint32(c1)+uint32(j)] = wv
				}
			}
			i += 2
		default:
			c2, _ := asInt(next)
			if i+2 >= len(w) {
				return widths, def
			}
			wv, _ := asFloat(d.resolve(w[i+2]))
			for c := c1; c <= c2 && c-c1 < 65536 && len(widths) < maxCMapEntries; c++ {
				widths[uint32(c)] = wv
			}
			i += 3
		}
	}
	return widths, def
}

// simpleEncoding returns the code → text table of a simple font.
func (x *pdfText) simpleEncoding(dict pdfDict, subtype pdfName) *[256]string {
	d := x.doc
	base := &standardEncoding
	if subtype == "TrueType" {
		base = &winAnsiEncoding
	}
	if bf, ok := d.resolve(dict["BaseFont"]).(pdfName); ok {
		if strings.Contains(string(bf), "Symbol") || strings.Contains(string(bf), "Dingbats") {
			// Symbol fonts have their own encodings; their glyphs are
			// no words.
			var none [256]string
			return &none
		}
	}
	var diffs pdfArray
	switch enc := d.resolve(dict["Encoding"]).(type) {
	case pdfName:
		base = namedEncoding(enc, base)
	case pdfDict:
		if b, ok := d.resolve(enc["BaseEncoding"]).(pdfName); ok {
			base = namedEncoding(b, base)
		}
		diffs, _ = d.resolve(enc["Differences"]).(pdfArray)
	}
	t := encodingText(base)
	code := int64(-1)
	for _, v := range diffs {
		switch e := d.resolve(v).(type) {
		case int64:
			code = e
		case float64:
			code = int64(e)
		case pdfName:
			if code >= 0 && code < 256 {
				t[code] = glyphText(string(e))
				code++
			}
		}
	}
	return t
}

func namedEncoding(n pdfName, def *[256]rune) *[256]rune {
	switch n {
	case "WinAnsiEncoding":
		return &winAnsiEncoding
	case "MacRomanEncoding":
		return &macRomanEncoding
	case "StandardEncoding":
		return &standardEncoding
	}
	return def
}

func encodingText(e *[256]rune) *[256]string {
	var t [256]string
	for i, r := range e {
		if r != 0 {
			t[i] = string(r)
		}
	}
	return &t
}

// cmap is what a CMap stream defines.
type cmap struct {
	codespace []codeRange
	chars     map[uint32]string
	ranges    []bfRange
}

// parseCMap reads codespace ranges, bfchar and bfrange entries of a CMap
// (ToUnicode or an embedded encoding).
func parseCMap(data []byte) cmap {
	cm := cmap{chars: map[uint32]string{}}
	l := &lexer{b: data}
	var ops []any
	mode := ""
	entries := 0
	for {
		v, err := l.object(0)
		if errors.Is(err, errEOF) {
			return cm
		}
		if err != nil {
			l.pos++
			if l.pos >= len(l.b) {
				return cm
			}
			continue
		}
		kw, isKw := v.(pdfKeyword)
		if !isKw {
			if len(ops) < maxOperands {
				ops = append(ops, v)
			}
			continue
		}
		switch kw {
		case "begincodespacerange", "beginbfchar", "beginbfrange":
			mode = string(kw)
		case "endcodespacerange":
			for i := 0; i+1 < len(ops); i += 2 {
				lo, ok1 := ops[i].(pdfString)
				hi, ok2 := ops[i+1].(pdfString)
				if ok1 && ok2 && len(lo) == len(hi) && len(lo) >= 1 && len(lo) <= 4 && len(cm.codespace) < 64 {
					cm.codespace = append(cm.codespace, codeRange{[]byte(lo), []byte(hi)})
				}
			}
			mode = ""
		case "endbfchar":
			for i := 0; i+1 < len(ops) && entries < maxCMapEntries; i += 2 {
				src, ok := ops[i].(pdfString)
				if !ok || len(src) == 0 || len(src) > 4 {
					continue
				}
				cm.chars[codeOf(src)] = dstText(ops[i+1])
				entries++
			}
			mode = ""
		case "endbfrange":
			for i := 0; i+2 < len(ops) && entries < maxCMapEntries; i += 3 {
				lo, ok1 := ops[i].(pdfString)
				hi, ok2 := ops[i+1].(pdfString)
				if !ok1 || !ok2 || len(lo) == 0 || len(lo) > 4 || len(hi) != len(lo) {
					continue
				}
				r := bfRange{lo: codeOf(lo), hi: codeOf(hi), n: len(lo)}
				if r.hi < r.lo {
					continue
				}
				switch dst := ops[i+2].(type) {
				case pdfString:
					r.dst = utf16Units(dst)
				case pdfArray:
					for _, e := range dst {
						r.arr = append(r.arr, dstText(e))
					}
				default:
					continue
				}
				cm.ranges = append(cm.ranges, r)
				entries++
			}
			mode = ""
		}
		if mode == "" || kw == "beginbfchar" || kw == "beginbfrange" || kw == "begincodespacerange" {
			ops = ops[:0]
		}
	}
}

func codeOf(s pdfString) uint32 {
	var c uint32
	for i := 0; i < len(s); i++ {
		c = c<<8 | uint32(s[i])
	}
	return c
}

// utf16Units reads UTF-16BE code units.
func utf16Units(s pdfString) []uint16 {
	u := make([]uint16, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
	}
	if len(s)%2 == 1 {
		u = append(u, uint16(s[len(s)-1]))
	}
	return u
}

// dstText is the text of a bfchar destination: UTF-16BE or a glyph name.
func dstText(v any) string {
	switch d := v.(type) {
	case pdfString:
		return string(utf16.Decode(utf16Units(d)))
	case pdfName:
		return glyphText(string(d))
	}
	return ""
}
