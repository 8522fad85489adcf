package textextract

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"context"
	"encoding/ascii85"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// Bounds of the PDF reader.
const (
	maxObjectWindow = 16 << 20  // bytes read to parse one object
	maxStreamRaw    = 64 << 20  // encoded bytes of one stream
	maxXrefSections = 256       // /Prev chain
	maxObjects      = 1 << 20   // entries of the cross-reference table
	maxResolves     = 1 << 22   // object loads per document
	maxPDFPages     = 100000    // pages
	maxCacheObjects = 1 << 16   // parsed objects kept
	repairChunk     = 1 << 20   // bytes per read when scanning a broken file
	maxRepairBytes  = 4 << 30   // bytes scanned for objects
	maxRefChain     = 32        // references to references
	maxObjStmCache  = 8         // decoded object streams kept
	maxObjStmSize   = 1000000   // objects in one object stream
	xrefTailWindow  = 4096      // bytes at the end searched for startxref
	streamScanLimit = 256 << 20 // bytes searched for a missing "endstream"
)

// Budgets of decompressed bytes; variables so that tests can lower them.
var (
	// maxStreamData bounds the decoded bytes of one PDF stream.
	maxStreamData int64 = 32 << 20
	// unpackBudget bounds the decompressed bytes of one file
	// (MaxUnpacked).
	unpackBudget int64 = MaxUnpacked
	// readBudget (plus eight times the file size) bounds the bytes read
	// from one file.
	readBudget int64 = 128 << 20
)

// xrefEntry says where object num is: in the file at off (inStm false),
// or as object idx of the object stream stm.
type xrefEntry struct {
	off   int64
	stm   int64
	idx   int
	inStm bool
}

// pdfDoc is an open PDF file.
type pdfDoc struct {
	ctx      context.Context
	r        io.ReaderAt
	size     int64
	xref     map[int64]xrefEntry
	trailer  pdfDict
	cache    map[int64]any
	objStms  map[int64]*objStm
	unpacked int64
	resolves int
	repaired bool
	crypt    *pdfCrypt // nil: not encrypted
	read     int64     // bytes read from the file
}

// objStm is a decoded object stream: the offsets of its objects in data.
type objStm struct {
	data  []byte
	first int
	nums  []int64
	offs  []int
}

// openPDF reads the cross-reference information of the PDF in r.
func openPDF(ctx context.Context, r io.ReaderAt, size int64) (*pdfDoc, error) {
	d := &pdfDoc{ctx: ctx, r: r, size: size, xref: map[int64]xrefEntry{}, cache: map[int64]any{}, objStms: map[int64]*objStm{}}
	head := make([]byte, min(size, 1024))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, err
	}
	if !bytes.Contains(head, []byte("%PDF-")) {
		return nil, fmt.Errorf("%w: no PDF header", ErrMalformed)
	}
	xerr := d.readXref()
	if xerr == nil {
		if err := d.initCrypt(); err != nil {
			return nil, err
		}
	}
	if xerr != nil || d.catalog() == nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := d.repair(); err != nil {
			return nil, err
		}
	}
	if d.catalog() == nil {
		return nil, fmt.Errorf("%w: no document catalog", ErrMalformed)
	}
	return d, nil
}

// catalog returns the document catalog, or nil.
func (d *pdfDoc) catalog() pdfDict {
	c, _ := d.resolve(d.trailer["Root"]).(pdfDict)
	return c
}

// window reads up to n bytes at off. All reads of a document together are
// bounded (readBudget): a file built to make the parser read the same
// bytes again and again stops there.
func (d *pdfDoc) window(off int64, n int) ([]byte, error) {
	if off < 0 || off >= d.size {
		return nil, fmt.Errorf("%w: offset %d outside the file", ErrMalformed, off)
	}
	n = int(min(int64(n), d.size-off))
	d.read += int64(n)
	if d.read > readBudget+8*d.size {
		return nil, errFull
	}
	b := make([]byte, n)
	m, err := d.r.ReadAt(b, off)
	if err != nil && err != io.EOF && m < n {
		return nil, err
	}
	return b[:m], nil
}

// parseAt parses with fn from offset off, growing the window while the
// object continues past it.
func (d *pdfDoc) parseAt(off int64, fn func(l *lexer) (any, error)) (any, error) {
	for n := 1024; ; n *= 4 {
		b, err := d.window(off, n)
		if err != nil {
			return nil, err
		}
		whole := off+int64(len(b)) >= d.size
		l := &lexer{b: b, partial: !whole, refs: true}
		v, err := fn(l)
		if errors.Is(err, errShort) && !whole && n < maxObjectWindow {
			continue
		}
		if errors.Is(err, errShort) || errors.Is(err, errEOF) {
			return nil, errSyntax
		}
		return v, err
	}
}

// readObjectAt parses "num gen obj <object>" at off; a stream's data
// offset is recorded. want (>= 0) is the object number expected there.
func (d *pdfDoc) readObjectAt(off int64, want int64) (any, error) {
	return d.parseAt(off, func(l *lexer) (any, error) {
		num, err := l.object(0)
		if err != nil {
			return nil, err
		}
		genV, err := l.object(0)
		if err != nil {
			return nil, err
		}
		kw, err := l.object(0)
		if err != nil {
			return nil, err
		}
		n, ok := num.(int64)
		if !ok || kw != pdfKeyword("obj") || want >= 0 && n != want {
			return nil, fmt.Errorf("%w: no object %d at offset %d", ErrMalformed, want, off)
		}
		v, err := l.object(0)
		if err != nil {
			return nil, err
		}
		dict, ok := v.(pdfDict)
		if !ok {
			return v, nil
		}
		save := l.pos
		next, err := l.object(0)
		if errors.Is(err, errShort) {
			return nil, err
		}
		if next != pdfKeyword("stream") {
			l.pos = save
			return dict, nil
		}
		// The data starts after the end of line following "stream".
		if l.pos < len(l.b) && l.b[l.pos] == '\r' {
			l.pos++
		}
		if l.pos < len(l.b) && l.b[l.pos] == '\n' {
			l.pos++
		}
		gen, _ := genV.(int64)
		return &pdfStream{dict: dict, off: off + int64(l.pos), num: n, gen: gen}, nil
	})
}

// resolve follows references to the object they name; a missing object
// is nil.
func (d *pdfDoc) resolve(v any) any {
	for i := 0; i < maxRefChain; i++ {
		ref, ok := v.(pdfRef)
		if !ok {
			return v
		}
		v = d.load(ref.num)
	}
	return nil
}

// load returns object num, parsed once.
func (d *pdfDoc) load(num int64) any {
	if v, ok := d.cache[num]; ok {
		return v
	}
	d.resolves++
	if d.resolves > maxResolves || d.ctx.Err() != nil {
		return nil
	}
	e, ok := d.xref[num]
	if !ok {
		return nil
	}
	var v any
	var err error
	if e.inStm {
		v, err = d.fromObjStm(e.stm, e.idx, num)
	} else {
		v, err = d.readObjectAt(e.off, num)
		if err != nil && !d.repaired && d.ctx.Err() == nil {
			// A wrong offset: rebuild the table by scanning and try once
			// more.
			if d.repair() == nil {
				if e2, ok := d.xref[num]; ok && !e2.inStm {
					v, err = d.readObjectAt(e2.off, num)
				} else if ok {
					v, err = d.fromObjStm(e2.stm, e2.idx, num)
				}
			}
		}
	}
	if err != nil {
		v = nil
	}
	if len(d.cache) >= maxCacheObjects {
		clear(d.cache)
	}
	d.cache[num] = v
	return v
}

// fromObjStm returns object num, the idx-th object of object stream stm.
func (d *pdfDoc) fromObjStm(stm int64, idx int, num int64) (any, error) {
	os, err := d.objStm(stm)
	if err != nil {
		return nil, err
	}
	i := idx
	if i < 0 || i >= len(os.nums) || os.nums[i] != num {
		// The index is wrong in some files: look the number up.
		i = -1
		for j, n := range os.nums {
			if n == num {
				i = j
				break
			}
		}
		if i < 0 {
			return nil, fmt.Errorf("%w: object %d not in object stream %d", ErrMalformed, num, stm)
		}
	}
	start := os.first + os.offs[i]
	if start < 0 || start > len(os.data) {
		return nil, errSyntax
	}
	l := &lexer{b: os.data[start:], refs: true}
	return l.object(0)
}

// objStm decodes object stream num, keeping a few decoded.
func (d *pdfDoc) objStm(num int64) (*objStm, error) {
	if os, ok := d.objStms[num]; ok {
		return os, nil
	}
	e, ok := d.xref[num]
	if !ok || e.inStm {
		return nil, fmt.Errorf("%w: object stream %d missing", ErrMalformed, num)
	}
	v, err := d.readObjectAt(e.off, num)
	if err != nil {
		return nil, err
	}
	s, ok := v.(*pdfStream)
	if !ok {
		return nil, fmt.Errorf("%w: object stream %d is not a stream", ErrMalformed, num)
	}
	data, err := d.streamData(s)
	if err != nil {
		return nil, err
	}
	n, _ := asInt(d.resolve(s.dict["N"]))
	first, _ := asInt(d.resolve(s.dict["First"]))
	if n < 0 || n > maxObjStmSize || first < 0 || first > int64(len(data)) {
		return nil, fmt.Errorf("%w: object stream %d header", ErrMalformed, num)
	}
	os := &objStm{data: data, first: int(first)}
	l := &lexer{b: data[:first]}
	for i := int64(0); i < n; i++ {
		a, err1 := l.object(0)
		b, err2 := l.object(0)
		an, ok1 := a.(int64)
		bn, ok2 := b.(int64)
		if err1 != nil || err2 != nil || !ok1 || !ok2 || bn < 0 || bn > int64(len(data)) {
			break
		}
		os.nums = append(os.nums, an)
		os.offs = append(os.offs, int(bn))
	}
	if len(d.objStms) >= maxObjStmCache {
		clear(d.objStms)
	}
	d.objStms[num] = os
	return os, nil
}

// readXref reads the cross-reference sections from startxref along the
// /Prev chain; the newest definition of an object wins.
func (d *pdfDoc) readXref() error {
	tail, err := d.window(max(0, d.size-xrefTailWindow), xrefTailWindow)
	if err != nil {
		return err
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return fmt.Errorf("%w: no startxref", ErrMalformed)
	}
	l := &lexer{b: tail[i+len("startxref"):]}
	v, err := l.object(0)
	off, ok := v.(int64)
	if err != nil || !ok {
		return fmt.Errorf("%w: bad startxref", ErrMalformed)
	}
	seen := map[int64]bool{}
	for n := 0; n < maxXrefSections; n++ {
		if seen[off] {
			break
		}
		seen[off] = true
		trailer, err := d.readXrefSection(off)
		if err != nil {
			return err
		}
		if d.trailer == nil {
			d.trailer = trailer
		}
		if stm, ok := asInt(trailer["XRefStm"]); ok && !seen[stm] {
			seen[stm] = true
			if _, err := d.readXrefSection(stm); err != nil {
				return err
			}
		}
		prev, ok := asInt(trailer["Prev"])
		if !ok {
			break
		}
		off = prev
	}
	if d.trailer == nil {
		return fmt.Errorf("%w: no trailer", ErrMalformed)
	}
	return nil
}

// readXrefSection reads a classic table ("xref … trailer") or a
// cross-reference stream at off and returns its trailer dictionary.
func (d *pdfDoc) readXrefSection(off int64) (pdfDict, error) {
	b, err := d.window(off, 16)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(bytes.TrimLeft(b, " \r\n\t\f\x00"), []byte("xref")) {
		return d.readXrefTable(off)
	}
	v, err := d.readObjectAt(off, -1)
	if err != nil {
		return nil, err
	}
	s, ok := v.(*pdfStream)
	if !ok || s.dict["Type"] != pdfName("XRef") {
		return nil, fmt.Errorf("%w: no cross-reference at %d", ErrMalformed, off)
	}
	if err := d.readXrefStream(s); err != nil {
		return nil, err
	}
	return s.dict, nil
}

// readXrefTable reads "xref\n0 6\n0000000000 65535 f \n… trailer <<…>>".
func (d *pdfDoc) readXrefTable(off int64) (pdfDict, error) {
	v, err := d.parseAt(off, func(l *lexer) (any, error) {
		if kw, err := l.object(0); err != nil || kw != pdfKeyword("xref") {
			return nil, errSyntax
		}
		var entries []struct {
			num int64
			off int64
		}
		for {
			first, err := l.object(0)
			if err != nil {
				return nil, err
			}
			if first == pdfKeyword("trailer") {
				t, err := l.object(0)
				if err != nil {
					return nil, err
				}
				dict, ok := t.(pdfDict)
				if !ok {
					return nil, errSyntax
				}
				for _, e := range entries {
					if _, set := d.xref[e.num]; !set && len(d.xref) < maxObjects {
						d.xref[e.num] = xrefEntry{off: e.off}
					}
				}
				return dict, nil
			}
			start, ok1 := first.(int64)
			cnt, err := l.object(0)
			if err != nil {
				return nil, err
			}
			count, ok2 := cnt.(int64)
			if !ok1 || !ok2 || start < 0 || count < 0 || count > maxObjects {
				return nil, errSyntax
			}
			for i := int64(0); i < count; i++ {
				o, err1 := l.object(0)
				_, err2 := l.object(0)
				t, err3 := l.object(0)
				if err := errors.Join(err1, err2, err3); err != nil {
					return nil, err
				}
				oi, _ := o.(int64)
				if t == pdfKeyword("n") && oi > 0 && len(entries) < maxObjects {
					entries = append(entries, struct {
						num int64
						off int64
					}{start + i, oi})
				}
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return v.(pdfDict), nil
}

// readXrefStream reads the entries of a cross-reference stream.
func (d *pdfDoc) readXrefStream(s *pdfStream) error {
	data, err := d.streamData(s)
	if err != nil {
		return err
	}
	w, _ := d.resolve(s.dict["W"]).(pdfArray)
	if len(w) != 3 {
		return fmt.Errorf("%w: xref stream /W", ErrMalformed)
	}
	var ws [3]int
	rowLen := 0
	for i := range ws {
		n, _ := asInt(w[i])
		if n < 0 || n > 8 {
			return fmt.Errorf("%w: xref stream /W", ErrMalformed)
		}
		ws[i] = int(n)
		rowLen += int(n)
	}
	if rowLen == 0 {
		return fmt.Errorf("%w: xref stream /W", ErrMalformed)
	}
	var index []int64
	if ix, ok := d.resolve(s.dict["Index"]).(pdfArray); ok {
		for _, v := range ix {
			n, _ := asInt(v)
			index = append(index, n)
		}
	} else {
		size, _ := asInt(d.resolve(s.dict["Size"]))
		index = []int64{0, size}
	}
	field := func(row []byte) int64 {
		var v int64
		for _, c := range row {
			v = v<<8 | int64(c)
		}
		return v
	}
	pos := 0
	for i := 0; i+1 < len(index); i += 2 {
		start, count := index[i], index[i+1]
		if start < 0 || count < 0 || count > maxObjects {
			break
		}
		for j := int64(0); j < count && pos+rowLen <= len(data); j++ {
			row := data[pos : pos+rowLen]
			pos += rowLen
			typ := int64(1)
			if ws[0] > 0 {
				typ = field(row[:ws[0]])
			}
			f2 := field(row[ws[0] : ws[0]+ws[1]])
			f3 := field(row[ws[0]+ws[1]:])
			num := start + j
			if _, set := d.xref[num]; set || len(d.xref) >= maxObjects {
				continue
			}
			switch typ {
			case 1:
				d.xref[num] = xrefEntry{off: f2}
			case 2:
				d.xref[num] = xrefEntry{stm: f2, idx: int(f3), inStm: true}
			}
		}
	}
	return nil
}

// objHeader finds "num gen obj" in a scanned chunk.
var objHeader = regexp.MustCompile(`(?:^|[\s>\]])(\d{1,10})[ \t\r\n\f\x00]+(\d{1,5})[ \t\r\n\f\x00]+obj\b`)

// repair rebuilds the cross-reference table by scanning the file for
// "num gen obj" (the last definition wins, as with incremental updates),
// takes the trailer from the last "trailer" dictionary or cross-reference
// stream with a /Root, and registers the objects of object streams.
func (d *pdfDoc) repair() error {
	if d.repaired {
		return nil
	}
	d.repaired = true
	found := map[int64]int64{}
	var trailers []int64
	var streams []int64
	const overlap = 64
	limit := min(d.size, maxRepairBytes)
	for off := int64(0); off < limit; off += repairChunk - overlap {
		if err := d.ctx.Err(); err != nil {
			return err
		}
		b, err := d.window(off, repairChunk)
		if err != nil {
			return err
		}
		for _, m := range objHeader.FindAllSubmatchIndex(b, -1) {
			at := off + int64(m[2])
			if m[2] >= len(b)-overlap && off+int64(len(b)) < limit {
				continue // seen again in the next chunk
			}
			if m[2] < overlap && off > 0 {
				continue // seen in the previous chunk
			}
			num, _ := strconv.ParseInt(string(b[m[2]:m[3]]), 10, 64)
			if len(found) < maxObjects {
				found[num] = at
			}
			if bytes.Contains(b[m[1]:min(len(b), m[1]+512)], []byte("/ObjStm")) ||
				bytes.Contains(b[m[1]:min(len(b), m[1]+512)], []byte("/XRef")) {
				streams = append(streams, num)
			}
		}
		for i := 0; ; {
			j := bytes.Index(b[i:], []byte("trailer"))
			if j < 0 {
				break
			}
			if pos := i + j; !(pos >= len(b)-overlap && off+int64(len(b)) < limit) && !(pos < overlap && off > 0) {
				trailers = append(trailers, off+int64(pos))
			}
			i += j + 1
		}
		if off+int64(len(b)) >= limit {
			break
		}
	}
	clear(d.xref)
	clear(d.cache)
	clear(d.objStms)
	for num, off := range found {
		d.xref[num] = xrefEntry{off: off}
	}
	// The trailer: the last one that names a catalog.
	d.trailer = nil
	for i := len(trailers) - 1; i >= 0 && d.trailer == nil; i-- {
		v, err := d.parseAt(trailers[i], func(l *lexer) (any, error) {
			l.object(0) // "trailer"
			return l.object(0)
		})
		if t, ok := v.(pdfDict); err == nil && ok && t["Root"] != nil {
			d.trailer = t
		}
	}
	// Cross-reference streams as trailers (the last wins), then the
	// objects in object streams, where the file does not define them
	// directly (after decryption is set up: object streams are encrypted).
	for _, num := range streams {
		if s, ok := d.load(num).(*pdfStream); ok && s.dict["Type"] == pdfName("XRef") && s.dict["Root"] != nil {
			d.trailer = s.dict
		}
	}
	if d.trailer != nil {
		if err := d.initCrypt(); err != nil {
			return err
		}
	}
	for _, num := range streams {
		if s, ok := d.load(num).(*pdfStream); !ok || s.dict["Type"] != pdfName("ObjStm") {
			continue
		}
		os, err := d.objStm(num)
		if err != nil {
			continue
		}
		for i, n := range os.nums {
			if _, set := d.xref[n]; !set && len(d.xref) < maxObjects {
				d.xref[n] = xrefEntry{stm: num, idx: i, inStm: true}
			}
		}
	}
	if d.trailer == nil {
		// No trailer at all: find the catalog among the objects.
		for num := range d.xref {
			if dict, ok := d.load(num).(pdfDict); ok && dict["Type"] == pdfName("Catalog") {
				d.trailer = pdfDict{"Root": pdfRef{num: num}}
				break
			}
		}
	}
	if d.trailer == nil {
		return fmt.Errorf("%w: no trailer and no catalog", ErrMalformed)
	}
	return nil
}

// streamData returns the decoded data of stream s, within the document's
// budget of decompressed bytes. Data over maxStreamData or the budget is
// cut: the first part comes back with errFull.
func (d *pdfDoc) streamData(s *pdfStream) ([]byte, error) {
	raw, err := d.streamRaw(s)
	if err != nil {
		return nil, err
	}
	if d.crypt != nil && s.dict["Type"] != pdfName("XRef") {
		raw = d.crypt.decrypt(s.num, s.gen, raw)
	}
	filters, params := d.filters(s.dict)
	data := raw
	for i, f := range filters {
		left := min(maxStreamData, unpackBudget-d.unpacked)
		if left <= 0 {
			return nil, errFull
		}
		var ferr error
		data, ferr = decodeFilter(f, data, params[i], left)
		d.unpacked += int64(len(data))
		if errors.Is(ferr, errFull) && i == len(filters)-1 {
			return data, errFull
		}
		if ferr != nil {
			return nil, ferr
		}
	}
	return data, nil
}

// streamRaw reads the encoded data of s: /Length bytes, or up to
// "endstream" when /Length is missing or wrong.
func (d *pdfDoc) streamRaw(s *pdfStream) ([]byte, error) {
	length, ok := asInt(d.resolve(s.dict["Length"]))
	if ok && length >= 0 && length <= maxStreamRaw && s.off+length <= d.size {
		b, err := d.window(s.off, int(length))
		if err != nil {
			return nil, err
		}
		// Check that "endstream" follows; else the length is wrong.
		after, _ := d.window(s.off+length, 32)
		if bytes.Contains(after, []byte("endstream")) || int64(len(b)) == length && len(after) == 0 {
			return b, nil
		}
		if length == 0 {
			return b, nil
		}
	}
	// Search for "endstream".
	var out []byte
	for off := s.off; off < d.size && off-s.off < streamScanLimit; off += repairChunk {
		b, err := d.window(off, repairChunk+16)
		if err != nil {
			return nil, err
		}
		if i := bytes.Index(b, []byte("endstream")); i >= 0 {
			out = append(out, b[:i]...)
			out = bytes.TrimRight(out, "\r\n")
			if len(out) > maxStreamRaw {
				return nil, errFull
			}
			return out, nil
		}
		out = append(out, b[:min(len(b), repairChunk)]...)
		if len(out) > maxStreamRaw {
			return nil, errFull
		}
	}
	return out, nil
}

// filters returns the filter names of a stream and their parameters.
func (d *pdfDoc) filters(dict pdfDict) ([]pdfName, []pdfDict) {
	var names []pdfName
	var params []pdfDict
	switch f := d.resolve(dict["Filter"]).(type) {
	case pdfName:
		names = []pdfName{f}
	case pdfArray:
		for _, v := range f {
			if n, ok := d.resolve(v).(pdfName); ok {
				names = append(names, n)
			}
		}
	}
	switch p := d.resolve(dict["DecodeParms"]).(type) {
	case pdfDict:
		params = []pdfDict{p}
	case pdfArray:
		for _, v := range p {
			pd, _ := d.resolve(v).(pdfDict)
			params = append(params, pd)
		}
	}
	for len(params) < len(names) {
		params = append(params, nil)
	}
	return names, params[:len(names)]
}

// errFilter is a filter this package does not decode (images).
var errFilter = errors.New("textextract: unsupported PDF filter")

// decodeFilter applies one filter, producing at most limit bytes.
func decodeFilter(name pdfName, data []byte, params pdfDict, limit int64) ([]byte, error) {
	var out []byte
	var err error
	switch name {
	case "FlateDecode", "Fl":
		out, err = inflate(data, limit)
	case "ASCIIHexDecode", "AHx":
		l := &lexer{b: append(append([]byte{'<'}, data...), '>')}
		v, _ := l.hex()
		s, _ := v.(pdfString)
		out = []byte(s)
	case "ASCII85Decode", "A85":
		out, err = decode85(data, limit)
	case "RunLengthDecode", "RL":
		out, err = runLength(data, limit)
	case "LZWDecode", "LZW":
		out, err = lzwDecode(data, limit, params)
	case "Crypt":
		return data, nil
	default:
		return nil, fmt.Errorf("%w %s", errFilter, name)
	}
	if int64(len(out)) > limit {
		out, err = out[:limit], errFull
	}
	if err != nil && !errors.Is(err, errFull) {
		return nil, err
	}
	out, perr := unpredict(out, params)
	if perr != nil {
		return nil, perr
	}
	return out, err
}

// inflate decompresses zlib data (or raw deflate, which some producers
// write); a damaged or cut stream gives what could be decompressed.
func inflate(data []byte, limit int64) ([]byte, error) {
	var rd io.Reader
	if zr, err := zlib.NewReader(bytes.NewReader(data)); err == nil {
		rd = zr
	} else {
		rd = flate.NewReader(bytes.NewReader(data))
	}
	var buf bytes.Buffer
	_, err := io.Copy(&buf, io.LimitReader(rd, limit+1))
	if err != nil && buf.Len() == 0 && len(data) > 2 {
		// Some producers write raw deflate after a bogus header.
		buf.Reset()
		io.Copy(&buf, io.LimitReader(flate.NewReader(bytes.NewReader(data[2:])), limit+1))
	}
	if int64(buf.Len()) > limit {
		return buf.Bytes()[:limit], errFull
	}
	return buf.Bytes(), nil
}

// decode85 decodes ASCII base-85 up to "~>".
func decode85(data []byte, limit int64) ([]byte, error) {
	if i := bytes.Index(data, []byte("~>")); i >= 0 {
		data = data[:i]
	}
	data = bytes.TrimPrefix(bytes.TrimSpace(data), []byte("<~"))
	var buf bytes.Buffer
	_, err := io.Copy(&buf, io.LimitReader(ascii85.NewDecoder(bytes.NewReader(data)), limit+1))
	if err != nil && buf.Len() == 0 {
		return nil, fmt.Errorf("%w: ASCII85: %v", ErrMalformed, err)
	}
	if int64(buf.Len()) > limit {
		return buf.Bytes()[:limit], errFull
	}
	return buf.Bytes(), nil
}

// runLength decodes RunLengthDecode data.
func runLength(data []byte, limit int64) ([]byte, error) {
	var out []byte
	for i := 0; i < len(data); {
		n := int(data[i])
		i++
		switch {
		case n == 128:
			return out, nil
		case n < 128:
			end := min(len(data), i+n+1)
			out = append(out, data[i:end]...)
			i = end
		default:
			if i >= len(data) {
				return out, nil
			}
			for range 257 - n {
				out = append(out, data[i])
			}
			i++
		}
		if int64(len(out)) > limit {
			return out[:limit], errFull
		}
	}
	return out, nil
}

// lzwDecode decodes LZWDecode data (PDF's variant: MSB first, 9 to 12
// bit codes, code width grows one code early unless /EarlyChange 0).
func lzwDecode(data []byte, limit int64, params pdfDict) ([]byte, error) {
	early := 1
	if v, ok := asInt(params["EarlyChange"]); ok && v == 0 {
		early = 0
	}
	const clearCode, eod = 256, 257
	table := make([][]byte, 258, 4096)
	for i := range 256 {
		table[i] = []byte{byte(i)}
	}
	var out []byte
	width := 9
	var bits uint32
	nbits := 0
	var prev []byte
	for i := 0; ; {
		for nbits < width && i < len(data) {
			bits = bits<<8 | uint32(data[i])
			nbits += 8
			i++
		}
		if nbits < width {
			return out, nil
		}
		code := int(bits>>(nbits-width)) & (1<<width - 1)
		nbits -= width
		switch {
		case code == clearCode:
			table = table[:258]
			width = 9
			prev = nil
			continue
		case code == eod:
			return out, nil
		}
		var entry []byte
		switch {
		case code < len(table):
			entry = table[code]
		case code == len(table) && prev != nil:
			entry = append(append([]byte{}, prev...), prev[0])
		default:
			return out, nil // corrupt
		}
		out = append(out, entry...)
		if int64(len(out)) > limit {
			return out[:limit], errFull
		}
		if prev != nil && len(table) < 4096 {
			table = append(table, append(append([]byte{}, prev...), entry[0]))
		}
		prev = entry
		if len(table)+early >= 1<<width && width < 12 {
			width++
		}
	}
}

// unpredict reverses a PNG (10–15) or TIFF (2) predictor.
func unpredict(data []byte, params pdfDict) ([]byte, error) {
	pred, _ := asInt(params["Predictor"])
	if pred < 2 {
		return data, nil
	}
	colors, ok := asInt(params["Colors"])
	if !ok || colors < 1 || colors > 32 {
		colors = 1
	}
	bpc, ok := asInt(params["BitsPerComponent"])
	if !ok || bpc < 1 || bpc > 16 {
		bpc = 8
	}
	columns, ok := asInt(params["Columns"])
	if !ok || columns < 1 || columns > 1<<20 {
		columns = 1
	}
	bpp := int((colors*bpc + 7) / 8)
	rowLen := int((columns*colors*bpc + 7) / 8)
	if pred == 2 {
		if bpc != 8 {
			return data, nil
		}
		for r := 0; r+rowLen <= len(data); r += rowLen {
			row := data[r : r+rowLen]
			for i := bpp; i < len(row); i++ {
				row[i] += row[i-bpp]
			}
		}
		return data, nil
	}
	out := make([]byte, 0, len(data))
	prev := make([]byte, rowLen)
	for r := 0; r < len(data); r += rowLen + 1 {
		ft := data[r]
		end := min(len(data), r+1+rowLen)
		row := make([]byte, rowLen)
		copy(row, data[r+1:end])
		for i := range rowLen {
			var left, up, upLeft byte
			if i >= bpp {
				left = row[i-bpp]
				upLeft = prev[i-bpp]
			}
			up = prev[i]
			switch ft {
			case 1:
				row[i] += left
			case 2:
				row[i] += up
			case 3:
				row[i] += byte((int(left) + int(up)) / 2)
			case 4:
				row[i] += paeth(left, up, upLeft)
			}
		}
		out = append(out, row[:end-r-1]...)
		prev = row
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
