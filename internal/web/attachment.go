package web

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ContentDisposition returns an "attachment" Content-Disposition for name
// (RFC 6266): an ASCII fallback filename (other characters, quotes,
// backslashes and percent signs replaced by "_") and filename* with the
// UTF-8 name percent-encoded (RFC 8187).
func ContentDisposition(name string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			return '_'
		}
		return r
	}, name)
	var enc strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			enc.WriteByte(c)
		} else {
			fmt.Fprintf(&enc, "%%%02X", c)
		}
	}
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + enc.String()
}

// ServeStoredFile answers with stored file content (task attachments,
// document versions): always a download, never rendered by the browser
// (nosniff, sandboxing CSP), not cached by shared caches, the content's
// SHA-256 as a strong ETag, Range and conditional requests through
// http.ServeContent.
func ServeStoredFile(w http.ResponseWriter, r *http.Request, name, mimeType, sha256 string, modified time.Time, content io.ReadSeeker) {
	hd := w.Header()
	hd.Set("Content-Type", mimeType)
	hd.Set("Content-Disposition", ContentDisposition(name))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Cache-Control", "private, no-store")
	hd.Set("ETag", `"`+sha256+`"`)
	http.ServeContent(w, r, "", modified, content)
}
