// Package ical writes iCalendar files (RFC 5545) of all-day events: public
// holidays and absences. Lines end in CRLF and are folded at 75 octets
// without splitting a UTF-8 sequence; TEXT values are escaped. The writer
// knows nothing of the data: callers choose UIDs, stamps and texts, so the
// same input always gives the same bytes.
package ical

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/civil"
)

// Event statuses (RFC 5545, 3.8.1.11).
const (
	StatusConfirmed = "CONFIRMED"
	StatusTentative = "TENTATIVE"
)

// Calendar is a VCALENDAR of all-day events.
type Calendar struct {
	// ProdID is the product identifier, e.g. "-//ortlos//Feiertage//DE".
	ProdID string
	// Name is the display name (X-WR-CALNAME); empty: none.
	Name string
	// RefreshInterval, when set, is a DURATION such as "PT1H" that
	// subscribing clients should poll at (REFRESH-INTERVAL, RFC 7986, and
	// X-PUBLISHED-TTL for Outlook).
	RefreshInterval string
	Events          []Event
}

// Event is an all-day VEVENT from Start to End, both included (DTEND is
// written as the day after End, as RFC 5545 wants it exclusive).
type Event struct {
	UID   string
	Stamp time.Time // DTSTAMP, written in UTC
	Start civil.Date
	End   civil.Date // zero: a single day
	// Summary and Description are plain text; the writer escapes them.
	Summary     string
	Description string
	// Status is empty or one of StatusConfirmed, StatusTentative.
	Status string
	// Categories is written as is (a single category needs no escaping
	// unless it holds a comma).
	Categories string
	// Transparent marks the event as not blocking time (TRANSP).
	Transparent bool
	// URL, when set, is an absolute URI of the event's source (URL,
	// RFC 5545 3.8.4.6), written as is.
	URL string
}

// Write writes cal to w.
func Write(w io.Writer, cal Calendar) error {
	var b strings.Builder
	line := func(name, value string) {
		b.WriteString(Fold(name + ":" + value))
		b.WriteString("\r\n")
	}
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", cal.ProdID)
	line("CALSCALE", "GREGORIAN")
	if cal.Name != "" {
		line("X-WR-CALNAME", EscapeText(cal.Name))
	}
	if cal.RefreshInterval != "" {
		line("REFRESH-INTERVAL;VALUE=DURATION", cal.RefreshInterval)
		line("X-PUBLISHED-TTL", cal.RefreshInterval)
	}
	for _, e := range cal.Events {
		end := e.End
		if end.IsZero() || end.Before(e.Start) {
			end = e.Start
		}
		line("BEGIN", "VEVENT")
		line("UID", e.UID)
		line("DTSTAMP", e.Stamp.UTC().Format("20060102T150405Z"))
		line("DTSTART;VALUE=DATE", Date(e.Start))
		line("DTEND;VALUE=DATE", Date(end.AddDays(1)))
		line("SUMMARY", EscapeText(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION", EscapeText(e.Description))
		}
		if e.Status != "" {
			line("STATUS", e.Status)
		}
		if e.Categories != "" {
			line("CATEGORIES", EscapeText(e.Categories))
		}
		if e.Transparent {
			line("TRANSP", "TRANSPARENT")
		} else {
			line("TRANSP", "OPAQUE")
		}
		if e.URL != "" {
			line("URL", e.URL)
		}
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	_, err := io.WriteString(w, b.String())
	return err
}

// Date formats d as an iCalendar DATE (YYYYMMDD).
func Date(d civil.Date) string {
	return fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day)
}

// textEscaper escapes a TEXT value (RFC 5545, 3.3.11). Line breaks are
// listed before their parts so that CRLF becomes one \n.
var textEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// EscapeText escapes backslashes, semicolons, commas and line breaks of a
// TEXT value.
func EscapeText(s string) string { return textEscaper.Replace(s) }

// Fold splits a content line into lines of at most 75 octets, each
// continuation starting with a space (RFC 5545, 3.1), without splitting a
// UTF-8 sequence. The result has no final CRLF.
func Fold(s string) string {
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
