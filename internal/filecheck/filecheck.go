// Package filecheck decides whether an uploaded file is accepted: it makes
// the file name safe, checks the first bytes of the content against the
// type the name and the client claim, enforces an allow-list of types and a
// size limit, and streams the content through a virus scanner (clamd) in
// the same pass as it is stored. Operator documentation:
// docs/upload-checks.md.
//
// The pieces, smallest first:
//
//   - SafeName(name) is the name to store and offer for download: no
//     folder part, no control or bidirectional characters, no characters
//     or names Windows reserves, NFC, at most MaxNameBytes bytes, never
//     empty.
//   - Policy{Allowed, MaxBytes} is the configuration; DefaultPolicy()
//     allows the formats of an administration (PDF, office documents,
//     text, CSV, Markdown, PNG/JPEG/TIFF, XML, e-mail). Policy.Check(head,
//     name, declared) decides the stored MIME type from the first bytes
//     (up to HeadSize), or refuses the file.
//   - Scanner is what a virus scanner provides; Clamd is the client of a
//     clamd daemon (INSTREAM over a Unix socket or TCP).
//   - NewUpload wraps the request body: it checks the type before anything
//     is stored, counts the bytes against MaxBytes and tees the content to
//     the scanner while the caller stores it, so storing and scanning take
//     one pass with constant memory.
//
// Use with a blob store:
//
//	u, err := filecheck.NewUpload(ctx, policy, scanner, body, name, declared)
//	if err != nil {
//		return err // refused before anything was stored
//	}
//	defer u.Close()
//	info, err := store.Put(ctx, u) // u enforces policy.MaxBytes
//	if err != nil {
//		return err // file_too_large, virus_scan_failed, read errors: nothing stored
//	}
//	if err := u.Finish(); err != nil {
//		// file_infected, file_active_content, virus_scan_failed: the
//		// content is stored but must not be used. Delete info.SHA256
//		// unless a record already refers to the same content.
//		return err
//	}
//	// record u.Name(), u.MIMEType(), info.Size, info.SHA256
//
// Error codes (apperr, all with the field "file" unless noted):
// file_empty, file_type_not_allowed, file_type_mismatch, file_too_large,
// file_active_content, file_infected (422); virus_scan_too_large (422: the
// file exceeds the scanner's own limit); virus_scan_failed (503, no field:
// the scanner could not be reached or gave no verdict; uploads fail closed
// unless Policy.ScanFailOpen).
package filecheck

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"ortlos/internal/apperr"
)

// MaxNameBytes bounds a safe file name in bytes (UTF-8). Every common file
// system takes 255 bytes, NTFS counts UTF-16 units, which are never more.
const MaxNameBytes = 255

// maxExtBytes bounds what SafeName keeps as the extension when it shortens
// a name.
const maxExtBytes = 16

// fallbackName is the name of a file whose name has nothing left.
const fallbackName = "Datei"

// The errors of the checks. Each is a new value per call where it carries
// details; these carry none.
var (
	errEmpty = apperr.Invalidf("file_empty", "the file is empty").WithField("file", "file_empty")
)

func errNotAllowed(what string) error {
	return apperr.Invalidf("file_type_not_allowed", "files of type %s are not accepted", what).WithField("file", "file_type_not_allowed")
}

func errMismatch(claimed, found string) error {
	return apperr.Invalidf("file_type_mismatch", "the content (%s) does not match the file type %s", found, claimed).WithField("file", "file_type_mismatch")
}

func errTooLarge(limit int64) error {
	return apperr.Invalidf("file_too_large", "the file is larger than %d bytes", limit).WithField("file", "file_too_large")
}

func errActiveContent() error {
	return apperr.Invalidf("file_active_content", "the file contains scripts or embedded active content").WithField("file", "file_active_content")
}

// windowsReserved are the device names Windows refuses as file names, with
// or without an extension ("CON.txt" is reserved too).
var windowsReserved = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true, "CONIN$": true, "CONOUT$": true,
	"COM0": true, "COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"COM¹": true, "COM²": true, "COM³": true,
	"LPT0": true, "LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
	"LPT¹": true, "LPT²": true, "LPT³": true,
}

// SafeName returns name as ortlos stores and offers it for download:
//
//   - only the last element of a path (both / and \ separate folders), so
//     no name leads out of a folder;
//   - invalid UTF-8, control characters and invisible formatting
//     characters (bidirectional overrides that make "gpj.exe" look like
//     "exe.jpg", zero-width characters) removed; runs of white space one
//     space;
//   - the characters Windows forbids (< > : " | ? *) replaced by "_", and
//     the device names Windows reserves (CON, NUL, COM1, LPT1, … also with
//     an extension) prefixed with "_";
//   - no leading or trailing dots and spaces (no hidden files, nothing
//     Windows would silently strip);
//   - Unicode normalised to NFC, so "Müller" from macOS (decomposed) and
//     from Windows are the same name; umlauts, ß and every script stay;
//   - at most MaxNameBytes bytes, shortened before the extension.
//
// It never returns "": a name with nothing left becomes "Datei" (with the
// extension, if one was left).
func SafeName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.ReplaceAll(name, `\`, "/")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	space := false
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError,
			unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r), r == 0xFFFE, r == 0xFFFF:
			continue
		case strings.ContainsRune(`<>:"|?*`, r):
			r = '_'
		}
		space = false
		b.WriteRune(r)
	}
	// NFC after the removals: a removed character may have separated a
	// letter from its combining accent.
	name = strings.TrimRight(norm.NFC.String(b.String()), " .")
	if trimmed := strings.TrimLeft(name, " ."); trimmed != name {
		// A hidden file or a name that is only an extension (".pdf"):
		// keep the extension behind a neutral name.
		name = trimmed
		if name != "" && !strings.Contains(name, ".") {
			name = fallbackName + "." + name
		}
	}
	if len(name) > MaxNameBytes {
		name = shorten(name, MaxNameBytes)
	}
	stem, _, _ := strings.Cut(name, ".")
	if windowsReserved[strings.ToUpper(strings.TrimRight(stem, " "))] {
		name = "_" + name
		if len(name) > MaxNameBytes {
			name = shorten(name, MaxNameBytes)
		}
	}
	if name == "" {
		return fallbackName
	}
	return name
}

// shorten cuts name to at most max bytes, keeping its extension when the
// extension is short, and never splitting a character.
func shorten(name string, max int) string {
	ext := path.Ext(name)
	if len(ext) > maxExtBytes || len(ext) >= max {
		ext = ""
	}
	base := name[:len(name)-len(ext)]
	if len(base) > max-len(ext) {
		base = base[:max-len(ext)]
	}
	for !utf8.ValidString(base) {
		base = base[:len(base)-1]
	}
	base = strings.TrimRight(base, " .")
	if base == "" {
		base = fallbackName
	}
	return base + ext
}
