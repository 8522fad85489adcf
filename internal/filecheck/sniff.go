package filecheck

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf16"
)

// sniffed is what the first bytes of a file reveal.
type sniffed struct {
	detected   string // http.DetectContentType without parameters
	executable bool   // a program or script
	pdf        bool
	ole        bool // OLE compound file (.msg, .doc, .xls, .ppt, .msi)
	tiff       bool
	rtf        bool
	zip        bool
	odfMIME    string // the "mimetype" entry of an OpenDocument file
	odfPart    bool   // the first entry is another OpenDocument part
	ooxml      bool   // a ZIP with Office Open XML parts
	ooxmlKind  string // "word", "xl", "ppt" or "" when not visible
	ooxmlMacro bool   // content types or parts of a macro document
	text       bool   // no binary bytes (UTF-8, 8-bit or UTF-16 with BOM)
	html       bool   // sniffs as a web page
	svg        bool
	script     bool // a script element or XHTML in XML
	xml        bool // text starting with "<"
	json       bool
	mailHeader bool // text starting with a mail header line
}

// executableMagic are the first bytes of programs: ELF, Mach-O (both byte
// orders, 32 and 64 bit), universal Mach-O and Java classes, WebAssembly,
// Android DEX, Windows shortcuts.
var executableMagic = [][]byte{
	[]byte("\x7fELF"),
	[]byte("\xfe\xed\xfa\xce"), []byte("\xfe\xed\xfa\xcf"), []byte("\xce\xfa\xed\xfe"), []byte("\xcf\xfa\xed\xfe"),
	[]byte("\xca\xfe\xba\xbe"),
	[]byte("\x00asm"),
	[]byte("dex\n"),
	[]byte("L\x00\x00\x00\x01\x14\x02\x00"),
}

var (
	magicPDF  = []byte("%PDF-")
	magicOLE  = []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
	magicZIP  = []byte("PK\x03\x04")
	magicZIP0 = []byte("PK\x05\x06") // an empty archive
	magicRTF  = []byte(`{\rtf`)
	tiffMagic = [][]byte{[]byte("II*\x00"), []byte("MM\x00*"), []byte("II+\x00"), []byte("MM\x00+")}
)

// mailHeaderLine is the first line of a mail: a header field or the
// "From " line of an mbox.
var mailHeaderLine = regexp.MustCompile(`^(?:[!-9;-~]+:[ \t]|[!-9;-~]+:\r?\n|From \S)`)

// activeMarkers in XML mean a web page or script in disguise.
var activeMarkers = regexp.MustCompile(`<script|<iframe|<object|<embed|<foreignobject|<html|<!doctype html|http://www\.w3\.org/1999/xhtml|javascript:`)

// sniff inspects head, the first bytes of a file.
func sniff(head []byte) sniffed {
	var s sniffed
	s.detected, _, _ = mime.ParseMediaType(http.DetectContentType(head))
	for _, m := range executableMagic {
		if bytes.HasPrefix(head, m) {
			s.executable = true
		}
	}
	s.text = strings.HasPrefix(s.detected, "text/")
	if bytes.HasPrefix(head, []byte("MZ")) && !s.text {
		s.executable = true // a Windows (PE) or DOS program
	}
	if bytes.HasPrefix(head, []byte("#!/")) || bytes.HasPrefix(head, []byte("#! /")) {
		s.executable = true // a script for an interpreter
	}
	s.pdf = bytes.HasPrefix(head, magicPDF)
	s.ole = bytes.HasPrefix(head, magicOLE)
	s.rtf = bytes.HasPrefix(head, magicRTF)
	for _, m := range tiffMagic {
		if bytes.HasPrefix(head, m) {
			s.tiff = true
		}
	}
	if bytes.HasPrefix(head, magicZIP) || bytes.HasPrefix(head, magicZIP0) {
		s.zip = true
		s.sniffZIP(head)
	}
	if s.text {
		t := textHead(head)
		lower := strings.ToLower(t)
		trimmed := strings.TrimLeft(lower, " \t\r\n\f")
		s.html = s.detected == "text/html"
		s.xml = strings.HasPrefix(trimmed, "<")
		s.svg = strings.Contains(lower, "<svg")
		s.script = activeMarkers.MatchString(lower)
		if s.xml && (strings.Contains(lower, "<html") || strings.Contains(lower, "http://www.w3.org/1999/xhtml")) {
			s.html = true
		}
		s.json = strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")
		s.mailHeader = mailHeaderLine.MatchString(t)
	}
	return s
}

// textHead returns head as a string, decoded from UTF-16 when it starts
// with a UTF-16 byte order mark, without a UTF-8 byte order mark.
func textHead(head []byte) string {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		return string(head[3:])
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		order = binary.LittleEndian
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		order = binary.BigEndian
	default:
		return string(head)
	}
	u := make([]uint16, 0, len(head)/2)
	for i := 2; i+1 < len(head); i += 2 {
		u = append(u, order.Uint16(head[i:]))
	}
	return string(utf16.Decode(u))
}

// describe names the content for messages.
func (s sniffed) describe() string {
	switch {
	case s.executable:
		return "program"
	case s.html:
		return "web page"
	case s.svg:
		return "SVG"
	case s.pdf:
		return "PDF"
	case s.ooxml && s.ooxmlMacro:
		return "office document with macros"
	case s.ooxml:
		return "office document (OOXML)"
	case s.odfMIME != "" || s.odfPart:
		return "OpenDocument"
	case s.zip:
		return "ZIP archive"
	case s.ole:
		return "OLE compound file"
	case s.tiff:
		return "TIFF image"
	case s.text:
		return "text"
	}
	return s.detected
}

// zipEntry is a local file header of a ZIP archive seen in the head.
type zipEntry struct {
	name   string
	method uint16
	data   []byte // the compressed data within the head (may be cut)
}

// zipEntries returns the local file headers that start within head, in
// order.
func zipEntries(head []byte) []zipEntry {
	var out []zipEntry
	off := 0
	for off+30 <= len(head) && bytes.Equal(head[off:off+4], magicZIP) {
		method := binary.LittleEndian.Uint16(head[off+8:])
		flags := binary.LittleEndian.Uint16(head[off+6:])
		csize := int(binary.LittleEndian.Uint32(head[off+18:]))
		nameLen := int(binary.LittleEndian.Uint16(head[off+26:]))
		extraLen := int(binary.LittleEndian.Uint16(head[off+28:]))
		start := off + 30
		if start+nameLen > len(head) {
			break
		}
		e := zipEntry{name: string(head[start : start+nameLen]), method: method}
		dataStart := start + nameLen + extraLen
		if dataStart <= len(head) {
			end := len(head)
			// With a data descriptor (flag bit 3) the sizes follow the
			// data; the next header cannot be found without inflating.
			if flags&8 == 0 && csize >= 0 && dataStart+csize <= end {
				end = dataStart + csize
			}
			e.data = head[dataStart:end]
		}
		out = append(out, e)
		if flags&8 != 0 || dataStart > len(head) {
			break
		}
		off = dataStart + csize
		if csize < 0 || off < 0 {
			break
		}
	}
	return out
}

// odfParts are the entries an OpenDocument file may start with when its
// producer did not put "mimetype" first.
var odfParts = map[string]bool{"content.xml": true, "styles.xml": true, "meta.xml": true, "settings.xml": true, "META-INF/manifest.xml": true}

// sniffZIP looks at the entries of a ZIP archive visible in head.
func (s *sniffed) sniffZIP(head []byte) {
	entries := zipEntries(head)
	for i, e := range entries {
		name := e.name
		switch {
		case i == 0 && name == "mimetype" && e.method == 0:
			s.odfMIME = strings.TrimSpace(string(e.data))
		case i == 0 && odfParts[name]:
			s.odfPart = true
		case name == "[Content_Types].xml":
			s.ooxml = true
			s.contentTypes(e)
		case name == "_rels/.rels" || strings.HasPrefix(name, "docProps/") || strings.HasPrefix(name, "customXml/"):
			s.ooxml = true
		case strings.HasPrefix(name, "word/"), strings.HasPrefix(name, "xl/"), strings.HasPrefix(name, "ppt/"):
			s.ooxml = true
			if s.ooxmlKind == "" {
				s.ooxmlKind, _, _ = strings.Cut(name, "/")
			}
		case strings.EqualFold(name, "META-INF/MANIFEST.MF"), name == "AndroidManifest.xml", name == "classes.dex":
			s.executable = true // a Java or Android program
		}
		if strings.HasSuffix(name, "vbaProject.bin") {
			s.ooxmlMacro = true
		}
	}
}

// contentTypes inflates what the head holds of an OOXML file's
// [Content_Types].xml and looks for the main part's type there.
func (s *sniffed) contentTypes(e zipEntry) {
	var text []byte
	switch e.method {
	case 0:
		text = e.data
	case 8:
		// The data is usually cut: read what inflates, ignore the error
		// at the cut.
		text, _ = io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(e.data)), 64<<10))
	}
	t := strings.ToLower(string(text))
	if strings.Contains(t, "macroenabled") || strings.Contains(t, "vbaproject") {
		s.ooxmlMacro = true
	}
	for _, k := range []struct{ marker, kind string }{
		{"wordprocessingml.document.main", "word"}, {"ms-word.document.macroenabled.main", "word"}, {"wordprocessingml.template.main", "word"},
		{"spreadsheetml.sheet.main", "xl"}, {"ms-excel.sheet.macroenabled.main", "xl"}, {"spreadsheetml.template.main", "xl"},
		{"presentationml.presentation.main", "ppt"}, {"ms-powerpoint.presentation.macroenabled.main", "ppt"}, {"presentationml.template.main", "ppt"},
	} {
		if strings.Contains(t, k.marker) {
			s.ooxmlKind = k.kind
			return
		}
	}
}
