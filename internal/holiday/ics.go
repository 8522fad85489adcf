package holiday

import (
	"fmt"
	"io"
	"strings"
	"time"

	"ortlos/internal/ical"
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
	cal := ical.Calendar{
		ProdID: "-//ortlos//Feiertage//DE",
		Name:   fmt.Sprintf("Feiertage %s %d", StateName(state), year),
		Events: Events(state, hs, time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC)),
	}
	return ical.Write(w, cal)
}

// Events returns hs of state as all-day, transparent events with stable
// UIDs such as "2026-01-01-BY-neujahr@ortlos" and the given DTSTAMP;
// regional holidays carry their note as description.
func Events(state string, hs []Holiday, stamp time.Time) []ical.Event {
	out := make([]ical.Event, 0, len(hs))
	for _, h := range hs {
		e := ical.Event{
			UID:         fmt.Sprintf("%s-%s-%s@ortlos", h.Date, state, slug(h.Name)),
			Stamp:       stamp,
			Start:       h.Date,
			Summary:     h.Name,
			Categories:  "Feiertag",
			Transparent: true,
		}
		if h.Scope == Regional {
			e.Description = h.Note
		}
		out = append(out, e)
	}
	return out
}

func escapeText(s string) string { return ical.EscapeText(s) }

func fold(s string) string { return ical.Fold(s) }

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
