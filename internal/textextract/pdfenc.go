package textextract

import (
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// The simple encodings of PDF fonts: code → character (0: none).
var (
	winAnsiEncoding  [256]rune
	macRomanEncoding [256]rune
	standardEncoding [256]rune
	// glyphNames maps the glyph names of the Adobe Glyph List that
	// Western text uses to their characters.
	glyphNames = map[string]rune{}
)

// asciiGlyphs are the glyph names of 0x20–0x7E.
var asciiGlyphs = strings.Fields(`space exclam quotedbl numbersign dollar percent ampersand quotesingle
	parenleft parenright asterisk plus comma hyphen period slash zero one two three four five six seven
	eight nine colon semicolon less equal greater question at A B C D E F G H I J K L M N O P Q R S T U V
	W X Y Z bracketleft backslash bracketright asciicircum underscore grave a b c d e f g h i j k l m n o
	p q r s t u v w x y z braceleft bar braceright asciitilde`)

// latin1Glyphs are the glyph names of 0xA0–0xFF (ISO 8859-1).
var latin1Glyphs = strings.Fields(`nbspace exclamdown cent sterling currency yen brokenbar section dieresis
	copyright ordfeminine guillemotleft logicalnot sfthyphen registered macron degree plusminus
	twosuperior threesuperior acute mu paragraph periodcentered cedilla onesuperior ordmasculine
	guillemotright onequarter onehalf threequarters questiondown Agrave Aacute Acircumflex Atilde
	Adieresis Aring AE Ccedilla Egrave Eacute Ecircumflex Edieresis Igrave Iacute Icircumflex Idieresis
	Eth Ntilde Ograve Oacute Ocircumflex Otilde Odieresis multiply Oslash Ugrave Uacute Ucircumflex
	Udieresis Yacute Thorn germandbls agrave aacute acircumflex atilde adieresis aring ae ccedilla egrave
	eacute ecircumflex edieresis igrave iacute icircumflex idieresis eth ntilde ograve oacute ocircumflex
	otilde odieresis divide oslash ugrave uacute ucircumflex udieresis yacute thorn ydieresis`)

// cp1252Glyphs are the glyph names of 0x80–0x9F in WinAnsiEncoding ("-":
// undefined).
var cp1252Glyphs = strings.Fields(`Euro - quotesinglbase florin quotedblbase ellipsis dagger daggerdbl
	circumflex perthousand Scaron guilsinglleft OE - Zcaron - - quoteleft quoteright quotedblleft
	quotedblright bullet endash emdash tilde trademark scaron guilsinglright oe - zcaron Ydieresis`)

// standardHigh are the glyph names of StandardEncoding above 0x7E.
var standardHigh = map[byte]string{
	0xA1: "exclamdown", 0xA2: "cent", 0xA3: "sterling", 0xA4: "fraction", 0xA5: "yen", 0xA6: "florin",
	0xA7: "section", 0xA8: "currency", 0xA9: "quotesingle", 0xAA: "quotedblleft", 0xAB: "guillemotleft",
	0xAC: "guilsinglleft", 0xAD: "guilsinglright", 0xAE: "fi", 0xAF: "fl", 0xB1: "endash", 0xB2: "dagger",
	0xB3: "daggerdbl", 0xB4: "periodcentered", 0xB6: "paragraph", 0xB7: "bullet", 0xB8: "quotesinglbase",
	0xB9: "quotedblbase", 0xBA: "quotedblright", 0xBB: "guillemotright", 0xBC: "ellipsis", 0xBD: "perthousand",
	0xBF: "questiondown", 0xC1: "grave", 0xC2: "acute", 0xC3: "circumflex", 0xC4: "tilde", 0xC5: "macron",
	0xC6: "breve", 0xC7: "dotaccent", 0xC8: "dieresis", 0xCA: "ring", 0xCB: "cedilla", 0xCD: "hungarumlaut",
	0xCE: "ogonek", 0xCF: "caron", 0xD0: "emdash", 0xE1: "AE", 0xE3: "ordfeminine", 0xE8: "Lslash",
	0xE9: "Oslash", 0xEA: "OE", 0xEB: "ordmasculine", 0xF1: "ae", 0xF5: "dotlessi", 0xF8: "lslash",
	0xF9: "oslash", 0xFA: "oe", 0xFB: "germandbls",
}

// extraGlyphs are further common glyph names.
var extraGlyphs = map[string]rune{
	"fi": 0xFB01, "fl": 0xFB02, "ff": 0xFB00, "ffi": 0xFB03, "ffl": 0xFB04, "dotlessi": 0x0131,
	"Lslash": 0x0141, "lslash": 0x0142, "fraction": 0x2044, "minus": 0x2212, "nonbreakingspace": 0x00A0,
	"softhyphen": 0x00AD, "breve": 0x02D8, "dotaccent": 0x02D9, "ring": 0x02DA, "ogonek": 0x02DB,
	"hungarumlaut": 0x02DD, "caron": 0x02C7, "Germandbls": 0x1E9E, "middot": 0x00B7, "Euro": 0x20AC,
	"euro": 0x20AC, "quoteright": 0x2019, "quoteleft": 0x2018, "quotereversed": 0x201B, "figuredash": 0x2012,
	"afii61664": 0x200C, "periodcentered": 0x00B7, "Omega": 0x03A9, "mu": 0x00B5, "summation": 0x2211,
	"product": 0x220F, "radical": 0x221A, "infinity": 0x221E, "notequal": 0x2260, "lessequal": 0x2264,
	"greaterequal": 0x2265, "lozenge": 0x25CA, "partialdiff": 0x2202, "Delta": 0x2206, "pi": 0x03C0,
	"integral": 0x222B, "approxequal": 0x2248, "apple": 0xF8FF, "dcroat": 0x0111, "Dcroat": 0x0110,
	"space": ' ', "hyphen": '-', "nbspace": 0x00A0, "sfthyphen": 0x00AD, "numero": 0x2116,
	"arrowright": 0x2192, "arrowleft": 0x2190, "checkmark": 0x2713, "section": 0x00A7, "uni2010": 0x2010,
}

func init() {
	for i, n := range asciiGlyphs {
		glyphNames[n] = rune(0x20 + i)
	}
	for i, n := range latin1Glyphs {
		glyphNames[n] = rune(0xA0 + i)
	}
	dec := charmap.Windows1252
	for i, n := range cp1252Glyphs {
		if n != "-" {
			glyphNames[n] = dec.DecodeByte(byte(0x80 + i))
		}
	}
	for n, r := range extraGlyphs {
		glyphNames[n] = r
	}
	for c := 0x20; c < 256; c++ {
		if c == 0x7F || c >= 0x80 && c < 0xA0 && cp1252Glyphs[c-0x80] == "-" {
			continue
		}
		winAnsiEncoding[c] = charmap.Windows1252.DecodeByte(byte(c))
		macRomanEncoding[c] = charmap.Macintosh.DecodeByte(byte(c))
	}
	// WinAnsi prints 0x7F–0x9F codes without a glyph as bullets in
	// Acrobat; they are no text.
	for c := 0x20; c < 0x7F; c++ {
		standardEncoding[c] = rune(c)
	}
	standardEncoding['\''] = 0x2019
	standardEncoding['`'] = 0x2018
	for c, n := range standardHigh {
		standardEncoding[c] = glyphNames[n]
	}
}

// glyphRune returns the text of a glyph name: Adobe Glyph List names of
// Western text, "uniXXXX…", "uXXXX[XX]", ligatures "f_f_i" and variants
// "a.sc"; "" when unknown.
func glyphText(name string) string {
	if r, ok := glyphNames[name]; ok {
		return string(r)
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		return glyphText(name[:i])
	}
	if strings.Contains(name, "_") {
		var b strings.Builder
		for _, part := range strings.Split(name, "_") {
			t := glyphText(part)
			if t == "" {
				return ""
			}
			b.WriteString(t)
		}
		return b.String()
	}
	if strings.HasPrefix(name, "uni") && len(name) >= 7 && (len(name)-3)%4 == 0 {
		var b strings.Builder
		for i := 3; i+4 <= len(name); i += 4 {
			v, err := strconv.ParseUint(name[i:i+4], 16, 32)
			if err != nil {
				return ""
			}
			b.WriteRune(rune(v))
		}
		return b.String()
	}
	if strings.HasPrefix(name, "u") && len(name) >= 5 && len(name) <= 7 {
		if v, err := strconv.ParseUint(name[1:], 16, 32); err == nil && v <= 0x10FFFF {
			return string(rune(v))
		}
	}
	return ""
}
