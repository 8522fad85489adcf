package filecheck

import (
	"slices"
	"strings"
)

// Type is a file format ortlos recognises by its content.
type Type struct {
	// MIME is the canonical MIME type, the one files are stored under.
	MIME string
	// Aliases are other MIME types clients send for the format.
	Aliases []string
	// Exts are the file name extensions of the format, lower case with
	// the dot; the first is the usual one.
	Exts []string
	// Name is a short human-readable name ("PDF", "Word (OOXML)").
	Name string
	// class is how the content is recognised.
	class class
	// strong marks types whose declared MIME type must match the content
	// (images, PDF, web pages): a lie about them is an attack, not a
	// sloppy client.
	strong bool
}

// class is how content of a type is recognised.
type class int

const (
	classPDF class = iota + 1
	classOOXML
	classOOXMLMacro
	classODF
	classZIP
	classOLE
	classImage // by http.DetectContentType
	classTIFF
	classText
	classMarkdown
	classXML
	classEML
	classRTF
	classJSON
	classHTML
	classSVG
)

// Office Open XML and OpenDocument MIME types.
const (
	mimeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	mimePPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	mimeODT  = "application/vnd.oasis.opendocument.text"
	mimeODS  = "application/vnd.oasis.opendocument.spreadsheet"
	mimeODP  = "application/vnd.oasis.opendocument.presentation"
	mimeODG  = "application/vnd.oasis.opendocument.graphics"
)

// knownTypes are the formats ortlos recognises. Only those on a policy's
// allow-list are accepted.
var knownTypes = []*Type{
	{MIME: "application/pdf", Aliases: []string{"application/x-pdf", "application/acrobat"}, Exts: []string{".pdf"}, Name: "PDF", class: classPDF, strong: true},
	{MIME: mimeDOCX, Exts: []string{".docx"}, Name: "Word (OOXML)", class: classOOXML},
	{MIME: mimeXLSX, Exts: []string{".xlsx"}, Name: "Excel (OOXML)", class: classOOXML},
	{MIME: mimePPTX, Exts: []string{".pptx"}, Name: "PowerPoint (OOXML)", class: classOOXML},
	{MIME: "application/vnd.ms-word.document.macroenabled.12", Exts: []string{".docm"}, Name: "Word with macros", class: classOOXMLMacro},
	{MIME: "application/vnd.ms-excel.sheet.macroenabled.12", Exts: []string{".xlsm"}, Name: "Excel with macros", class: classOOXMLMacro},
	{MIME: "application/vnd.ms-powerpoint.presentation.macroenabled.12", Exts: []string{".pptm"}, Name: "PowerPoint with macros", class: classOOXMLMacro},
	{MIME: mimeODT, Exts: []string{".odt"}, Name: "OpenDocument text", class: classODF},
	{MIME: mimeODS, Exts: []string{".ods"}, Name: "OpenDocument spreadsheet", class: classODF},
	{MIME: mimeODP, Exts: []string{".odp"}, Name: "OpenDocument presentation", class: classODF},
	{MIME: mimeODG, Exts: []string{".odg"}, Name: "OpenDocument drawing", class: classODF},
	{MIME: "text/plain", Exts: []string{".txt", ".text"}, Name: "Text", class: classText},
	{MIME: "text/csv", Aliases: []string{"application/csv", "text/x-csv", "text/comma-separated-values", "text/x-comma-separated-values"}, Exts: []string{".csv"}, Name: "CSV", class: classText},
	{MIME: "text/tab-separated-values", Exts: []string{".tsv", ".tab"}, Name: "TSV", class: classText},
	{MIME: "text/markdown", Aliases: []string{"text/x-markdown"}, Exts: []string{".md", ".markdown"}, Name: "Markdown", class: classMarkdown},
	{MIME: "image/png", Aliases: []string{"image/x-png"}, Exts: []string{".png"}, Name: "PNG", class: classImage, strong: true},
	{MIME: "image/jpeg", Aliases: []string{"image/pjpeg", "image/jpg"}, Exts: []string{".jpg", ".jpeg", ".jpe", ".jfif"}, Name: "JPEG", class: classImage, strong: true},
	{MIME: "image/tiff", Aliases: []string{"image/tif", "image/x-tiff"}, Exts: []string{".tif", ".tiff"}, Name: "TIFF", class: classTIFF, strong: true},
	{MIME: "image/gif", Exts: []string{".gif"}, Name: "GIF", class: classImage, strong: true},
	{MIME: "image/webp", Exts: []string{".webp"}, Name: "WebP", class: classImage, strong: true},
	{MIME: "image/bmp", Aliases: []string{"image/x-bmp", "image/x-ms-bmp"}, Exts: []string{".bmp"}, Name: "BMP", class: classImage, strong: true},
	{MIME: "application/xml", Aliases: []string{"text/xml"}, Exts: []string{".xml"}, Name: "XML", class: classXML},
	{MIME: "message/rfc822", Exts: []string{".eml"}, Name: "E-Mail", class: classEML},
	{MIME: "application/vnd.ms-outlook", Aliases: []string{"application/x-msg", "application/x-ole-storage"}, Exts: []string{".msg"}, Name: "Outlook message", class: classOLE},
	{MIME: "application/msword", Exts: []string{".doc", ".dot"}, Name: "Word 97–2003", class: classOLE},
	{MIME: "application/vnd.ms-excel", Exts: []string{".xls", ".xlt"}, Name: "Excel 97–2003", class: classOLE},
	{MIME: "application/vnd.ms-powerpoint", Exts: []string{".ppt", ".pps"}, Name: "PowerPoint 97–2003", class: classOLE},
	{MIME: "application/rtf", Aliases: []string{"text/rtf"}, Exts: []string{".rtf"}, Name: "RTF", class: classRTF},
	{MIME: "application/json", Exts: []string{".json"}, Name: "JSON", class: classJSON},
	{MIME: "application/zip", Aliases: []string{"application/x-zip-compressed", "application/x-zip"}, Exts: []string{".zip"}, Name: "ZIP", class: classZIP},
	{MIME: "text/html", Aliases: []string{"application/xhtml+xml"}, Exts: []string{".html", ".htm", ".xhtml", ".shtml", ".mht", ".mhtml"}, Name: "HTML", class: classHTML, strong: true},
	{MIME: "image/svg+xml", Exts: []string{".svg", ".svgz"}, Name: "SVG", class: classSVG, strong: true},
}

// KnownTypes returns the formats ortlos recognises by their content, for
// documentation and forms; whether a format is accepted is up to the
// policy's allow-list.
func KnownTypes() []Type {
	out := make([]Type, len(knownTypes))
	for i, t := range knownTypes {
		out[i] = *t
		out[i].Aliases = slices.Clone(t.Aliases)
		out[i].Exts = slices.Clone(t.Exts)
	}
	return out
}

func typeByMIME(m string) *Type {
	if m == "" {
		return nil
	}
	m = strings.ToLower(m)
	for _, t := range knownTypes {
		if t.MIME == m || slices.Contains(t.Aliases, m) {
			return t
		}
	}
	return nil
}

func typeByExt(ext string) *Type {
	if ext == "" {
		return nil
	}
	for _, t := range knownTypes {
		if slices.Contains(t.Exts, ext) {
			return t
		}
	}
	return nil
}

// Accept returns the value for the accept attribute of a file input: the
// allowed extensions and MIME types, so that the browser's file dialog
// offers the files the policy accepts.
func (p Policy) Accept() string {
	known, other := p.AllowedTypes()
	var out []string
	for _, t := range known {
		out = append(out, t.Exts...)
		out = append(out, t.MIME)
	}
	return strings.Join(append(out, other...), ",")
}

// AllowedTypes returns the known formats the policy accepts, in the order
// of KnownTypes, and the extensions and MIME types of other formats it
// accepts.
func (p Policy) AllowedTypes() (known []Type, other []string) {
	c := p.compile()
	for _, t := range KnownTypes() {
		if c.types[typeByMIME(t.MIME)] {
			known = append(known, t)
		}
	}
	for e := range c.exts {
		other = append(other, e)
	}
	for m := range c.mimes {
		other = append(other, m)
	}
	slices.Sort(other)
	return known, other
}

// matches reports whether content s is of type t.
func (t *Type) matches(s sniffed) bool {
	switch t.class {
	case classPDF:
		return s.pdf
	case classOOXML, classOOXMLMacro:
		if !s.ooxml || s.ooxmlKind != "" && s.ooxmlKind != ooxmlKind(t.MIME) {
			return false
		}
		// A macro document named like a plain one would run its macros
		// after a warning the name did not prepare for.
		return t.class == classOOXMLMacro || !s.ooxmlMacro
	case classODF:
		return s.zip && (s.odfMIME == t.MIME || s.odfMIME == "" && s.odfPart)
	case classZIP:
		return s.zip
	case classOLE:
		return s.ole
	case classImage:
		return s.detected == t.MIME
	case classTIFF:
		return s.tiff
	case classText:
		return s.text && !s.html
	case classMarkdown:
		// Markdown may contain HTML; it is stored and served as text.
		return s.text
	case classXML:
		return s.text && s.xml && !s.html && !s.svg && !s.script
	case classEML:
		return s.text && s.mailHeader
	case classRTF:
		return s.rtf
	case classJSON:
		return s.text && s.json
	case classHTML:
		return s.text && s.html
	case classSVG:
		return s.text && s.svg
	}
	return false
}

// ooxmlKind is the top folder of an OOXML format's main part.
func ooxmlKind(mimeType string) string {
	switch {
	case strings.Contains(mimeType, "wordprocessingml"), strings.Contains(mimeType, "ms-word"):
		return "word"
	case strings.Contains(mimeType, "spreadsheetml"), strings.Contains(mimeType, "ms-excel"):
		return "xl"
	case strings.Contains(mimeType, "presentationml"), strings.Contains(mimeType, "ms-powerpoint"):
		return "ppt"
	}
	return ""
}
