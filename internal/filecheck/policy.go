package filecheck

import (
	"fmt"
	"mime"
	"path"
	"regexp"
	"slices"
	"strings"
)

// HeadSize is how many first bytes of a file Check looks at.
const HeadSize = 512

// DefaultMaxBytes is the size limit of one file when Policy.MaxBytes is 0
// (1 GiB).
const DefaultMaxBytes int64 = 1 << 30

// Policy says which files are accepted. The zero value accepts nothing;
// start from DefaultPolicy.
type Policy struct {
	// Allowed lists the accepted types, each a MIME type
	// ("application/pdf") or a file name extension (".pdf"). A known type
	// (see KnownTypes) is allowed by any of its MIME types or extensions
	// and its content is checked; an entry ortlos does not know allows
	// files of that extension or declared MIME type whose content is
	// neither a program nor a web page.
	Allowed []string
	// MaxBytes is the size limit of one file; 0 means DefaultMaxBytes, a
	// negative value no limit.
	MaxBytes int64
	// ScanFailOpen accepts files the virus scanner could not check (clamd
	// down, timeout). The default, false, refuses them with
	// virus_scan_failed: an upload fails closed.
	ScanFailOpen bool
}

// DefaultAllowed is the allow-list of DefaultPolicy: what an
// administration files. Office formats with macros (.docm, .xlsm),
// legacy binary office formats (.doc, .xls, .ppt), archives, web pages,
// SVG and programs are not in it.
var DefaultAllowed = []string{
	"application/pdf",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/vnd.oasis.opendocument.text",
	"application/vnd.oasis.opendocument.spreadsheet",
	"application/vnd.oasis.opendocument.presentation",
	"text/plain",
	"text/csv",
	"text/markdown",
	"image/png",
	"image/jpeg",
	"image/tiff",
	"application/xml",
	"message/rfc822",
	"application/vnd.ms-outlook",
}

// DefaultPolicy returns the policy ortlos uses when nothing is configured:
// DefaultAllowed, DefaultMaxBytes, fail closed.
func DefaultPolicy() Policy {
	return Policy{Allowed: slices.Clone(DefaultAllowed)}
}

// Limit returns the size limit of one file in bytes, or -1 for none.
func (p Policy) Limit() int64 {
	switch {
	case p.MaxBytes == 0:
		return DefaultMaxBytes
	case p.MaxBytes < 0:
		return -1
	}
	return p.MaxBytes
}

// ParseAllowList parses an allow-list as an operator writes it (e.g. in
// ORTLOS_UPLOAD_ALLOW): entries separated by commas, semicolons or white
// space, each a MIME type ("application/pdf") or an extension (".pdf" or
// "pdf"). "default" stands for DefaultAllowed, so "default, .dwg" extends
// it. Entries are normalised to lower case; extensions get a leading dot.
// Programs cannot be allowed: an entry naming an executable type or
// extension is an error, and so are malformed entries and an empty list.
func ParseAllowList(s string) ([]string, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	var out []string
	add := func(e string) {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	for _, f := range fields {
		f = strings.ToLower(f)
		switch {
		case f == "default":
			for _, e := range DefaultAllowed {
				add(e)
			}
			continue
		case strings.Contains(f, "/"):
			mt, params, err := mime.ParseMediaType(f)
			if err != nil || len(params) > 0 || !mimePattern.MatchString(mt) {
				return nil, fmt.Errorf("filecheck: allow-list entry %q is not a MIME type", f)
			}
			if executableMIME[mt] {
				return nil, fmt.Errorf("filecheck: allow-list entry %q: programs cannot be allowed", f)
			}
			add(mt)
		default:
			ext := "." + strings.TrimPrefix(f, ".")
			if len(ext) > maxExtBytes || !extPattern.MatchString(ext) {
				return nil, fmt.Errorf("filecheck: allow-list entry %q is not a file name extension", f)
			}
			if executableExt[ext] {
				return nil, fmt.Errorf("filecheck: allow-list entry %q: programs cannot be allowed", f)
			}
			add(ext)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("filecheck: the allow-list is empty")
	}
	return out, nil
}

var (
	mimePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$`)
	extPattern  = regexp.MustCompile(`^\.[a-z0-9][a-z0-9_+-]*$`)
)

// executableExt are extensions of files that run as programs or scripts
// when opened on common desktops. They can never be allowed.
var executableExt = map[string]bool{
	".exe": true, ".dll": true, ".com": true, ".scr": true, ".pif": true, ".msi": true, ".msp": true, ".mst": true, ".cpl": true,
	".sys": true, ".drv": true, ".ocx": true, ".bat": true, ".cmd": true, ".ps1": true, ".psm1": true, ".psd1": true, ".vbs": true,
	".vbe": true, ".js": true, ".jse": true, ".mjs": true, ".wsf": true, ".wsh": true, ".wsc": true, ".hta": true, ".jar": true,
	".lnk": true, ".url": true, ".scf": true, ".reg": true, ".inf": true, ".sh": true, ".bash": true, ".app": true, ".appx": true,
	".msix": true, ".application": true, ".gadget": true, ".chm": true, ".iso": true, ".img": true, ".vhd": true, ".vhdx": true,
	".elf": true, ".bin": true, ".run": true, ".apk": true, ".deb": true, ".rpm": true, ".pkg": true, ".dmg": true, ".command": true,
	".settingcontent-ms": true, ".library-ms": true, ".appref-ms": true, ".xll": true, ".xlam": true, ".ppam": true,
}

// executableMIME are MIME types of programs.
var executableMIME = map[string]bool{
	"application/x-msdownload": true, "application/x-msdos-program": true, "application/vnd.microsoft.portable-executable": true,
	"application/x-executable": true, "application/x-elf": true, "application/x-mach-binary": true, "application/x-sharedlib": true,
	"application/x-sh": true, "application/x-shellscript": true, "application/x-bat": true, "application/x-msi": true,
	"application/x-ms-installer": true, "application/javascript": true, "text/javascript": true, "application/x-javascript": true,
	"application/java-archive": true, "application/x-java-archive": true, "application/java-vm": true, "application/wasm": true,
	"application/hta": true, "application/x-ms-shortcut": true, "application/vnd.ms-htmlhelp": true,
}

// genericDeclared are declared types that say nothing (browsers send them
// for unknown extensions).
var genericDeclared = map[string]bool{
	"": true, "application/octet-stream": true, "binary/octet-stream": true, "application/binary": true,
	"application/unknown": true, "application/x-download": true, "application/force-download": true,
	"application/download": true, "unknown/unknown": true,
}

// compiled is a policy's allow-list resolved against the known types.
type compiled struct {
	types map[*Type]bool  // known types allowed
	exts  map[string]bool // unknown extensions allowed
	mimes map[string]bool // unknown MIME types allowed
}

func (p Policy) compile() compiled {
	c := compiled{types: map[*Type]bool{}, exts: map[string]bool{}, mimes: map[string]bool{}}
	for _, e := range p.Allowed {
		e = strings.ToLower(strings.TrimSpace(e))
		if strings.Contains(e, "/") {
			if mt, _, err := mime.ParseMediaType(e); err == nil {
				e = mt
			}
			if t := typeByMIME(e); t != nil {
				c.types[t] = true
			} else if !executableMIME[e] {
				c.mimes[e] = true
			}
			continue
		}
		e = "." + strings.TrimPrefix(e, ".")
		if t := typeByExt(e); t != nil {
			c.types[t] = true
		} else if !executableExt[e] {
			c.exts[e] = true
		}
	}
	return c
}

// Check decides the MIME type under which a file is stored, from head (its
// first bytes, at most HeadSize are looked at), name (its name as sent;
// only the extension counts) and declared (the Content-Type the client
// sent, "" when none), or refuses it:
//
//   - file_empty: no content.
//   - file_type_not_allowed: the type is not on the allow-list, or is a
//     program (by extension or content) – programs are never accepted.
//   - file_type_mismatch: the content is not what the extension (or, for a
//     name without a known extension, the declared type) says – a ".pdf"
//     that is a Windows program, a ".png" that is a web page, a ".docx"
//     that is a plain ZIP or a macro document – or the declared type names
//     an image, PDF, web page or program that the content is not.
//
// The type comes from the extension because desktops open a downloaded
// file by its extension; the declared type decides only for names without
// a known extension. The returned type is ortlos's canonical MIME type of
// the format (never a client's string); text types have no charset
// parameter.
func (p Policy) Check(head []byte, name, declared string) (string, error) {
	if len(head) == 0 {
		return "", errEmpty
	}
	if len(head) > HeadSize {
		head = head[:HeadSize]
	}
	c := p.compile()
	ext := strings.ToLower(path.Ext(SafeName(name)))
	decl, _, err := mime.ParseMediaType(strings.ToLower(declared))
	if err != nil || genericDeclared[decl] {
		decl = ""
	}
	content := sniff(head)
	if executableExt[ext] || executableMIME[decl] {
		return "", errNotAllowed(strings.TrimPrefix(ext, "."))
	}
	if content.executable {
		if t := typeByExt(ext); t != nil && c.types[t] || c.exts[ext] || c.mimes[decl] {
			return "", errMismatch(claimName(ext, decl), "program")
		}
		return "", errNotAllowed("program")
	}
	// The declared type is checked where a lie is dangerous: a file
	// declared as an image, a PDF or a web page must be one. (Browsers
	// derive it from the extension; office and text types are not
	// checked, as browsers declare them inconsistently, e.g. a CSV file as
	// application/vnd.ms-excel where Excel is installed.)
	if dt := typeByMIME(decl); dt != nil && dt.strong && !dt.matches(content) {
		return "", errMismatch(dt.MIME, content.describe())
	}
	t := typeByExt(ext)
	if t == nil && ext == "" || t == nil && !c.exts[ext] {
		if dt := typeByMIME(decl); dt != nil {
			t = dt
		}
	}
	if t == nil {
		return p.checkUnknown(c, content, ext, decl)
	}
	if !c.types[t] {
		what := strings.TrimPrefix(ext, ".")
		if typeByExt(ext) != t || what == "" {
			what = t.MIME
		}
		return "", errNotAllowed(what)
	}
	if !t.matches(content) {
		return "", errMismatch(t.MIME, content.describe())
	}
	return t.MIME, nil
}

// checkUnknown handles a file whose extension and declared type ortlos
// does not know: it is accepted when the operator allowed its extension or
// declared type and its content is no web page (programs were refused
// before). Its type is the allowed declared type, else
// application/octet-stream.
func (p Policy) checkUnknown(c compiled, content sniffed, ext, decl string) (string, error) {
	allowed := ext != "" && c.exts[ext] || decl != "" && c.mimes[decl]
	if !allowed {
		what := strings.TrimPrefix(ext, ".")
		if what == "" {
			what = decl
		}
		if what == "" {
			what = "unknown"
		}
		return "", errNotAllowed(what)
	}
	if content.html || content.svg {
		return "", errMismatch(claimName(ext, decl), content.describe())
	}
	if decl != "" && c.mimes[decl] {
		return decl, nil
	}
	// An extension ortlos does not know: the type stays generic rather
	// than copying the client's (or the host's mime.types') idea of it.
	return "application/octet-stream", nil
}

// claimName is what a file claims to be, for messages.
func claimName(ext, decl string) string {
	if ext != "" {
		return ext
	}
	if decl != "" {
		return decl
	}
	return "unknown"
}
