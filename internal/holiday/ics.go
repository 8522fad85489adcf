package holiday

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"ortlos/internal/civil"
)

// WriteICS writes the holidays of state in year as an iCalendar file (RFC
// 5545): one all-day, transparent VEVENT per holiday with a stable UID such
// as "2026-01-01-BY-neujahr@ortlos", and DTSTAMP fixed to midnight UTC on
// 1 January of year, so the same input always gives the same bytes. Regional
// holidays carry their note as DESCRIPTION. It fails like ForYear for bad
// input.
func WriteICS(w io.Writer, state string, year int) error {
	hs, err := ForYear(state, year)
	if err != nil {
		return err
	}
	return writeICS(w, state, year, hs)
}

func writeICS(w io.Writer, state string, year int, hs []Holiday) error {
	var b strings.Builder
	line := func(name, value string) {
		b.WriteString(fold(name + ":" + value))
		b.WriteString("\r\n")
	}
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//ortlos//Feiertage//DE")
	line("CALSCALE", "GREGORIAN")
	line("X-WR-CALNAME", escapeText(fmt.Sprintf("Feiertage %s %d", StateName(state), year)))
	stamp := fmt.Sprintf("%04d0101T000000Z", year)
	for _, h := range hs {
		line("BEGIN", "VEVENT")
		line("UID", fmt.Sprintf("%s-%s-%s@ortlos", h.Date, state, slug(h.Name)))
		line("DTSTAMP", stamp)
		line("DTSTART;VALUE=DATE", icsDate(h.Date))
		line("DTEND;VALUE=DATE", icsDate(h.Date.AddDays(1)))
		line("SUMMARY", escapeText(h.Name))
		if h.Scope == Regional {
			line("DESCRIPTION", escapeText(h.Note))
		}
		line("CATEGORIES", "Feiertag")
		line("TRANSP", "TRANSPARENT")
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	_, err := io.WriteString(w, b.String())
	return err
}

func icsDate(d civil.Date) string {
	return fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day)
}

// textEscaper escapes a TEXT value (RFC 5545, 3.3.11). Line breaks are
// listed before their parts so that CRLF becomes one \n.
var textEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

func escapeText(s string) string { return textEscaper.Replace(s) }

// fold splits a content line into lines of at most 75 octets, each
// continuation starting with a space (RFC 5545, 3.1), without splitting a
// UTF-8 sequence.
func fold(s string) string {
	const maxOctets = 75
	if len(s) <= maxOctets {
		return s
	}
	var b strings.Builder
	limit := maxOctets
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = maxOctets - 1 // the leading space counts
	}
	b.WriteString(s)
	return b.String()
}

// slug turns a holiday name into the lower-case ASCII part of a UID, e.g.
// "Buß- und Bettag" into "buss-und-bettag".
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		var s string
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			s = string(r)
		case r == 'ä':
			s = "ae"
		case r == 'ö':
			s = "oe"
		case r == 'ü':
			s = "ue"
		case r == 'ß':
			s = "ss"
		default:
			dash = b.Len() > 0
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteString(s)
	}
	return b.String()
}
