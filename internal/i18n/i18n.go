// Package i18n holds the German and English message catalogues. German is
// the default; keys are stable identifiers, and error codes are looked up
// as "err.<code>".
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Each language has a folder of JSON files (one per area, so that modules
// keep their own texts); keys must be unique across the files.
//
//go:embed catalog
var files embed.FS

// Languages in order of preference; the first is the default.
var Languages = []string{"de", "en"}

var catalogues = map[string]map[string]string{}

func init() {
	for _, lang := range Languages {
		m := map[string]string{}
		entries, err := files.ReadDir("catalog/" + lang)
		if err != nil {
			panic(err)
		}
		for _, e := range entries {
			b, err := files.ReadFile("catalog/" + lang + "/" + e.Name())
			if err != nil {
				panic(err)
			}
			part := map[string]string{}
			if err := json.Unmarshal(b, &part); err != nil {
				panic(fmt.Sprintf("i18n: %s/%s: %v", lang, e.Name(), err))
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					panic(fmt.Sprintf("i18n: %s/%s: key %q defined twice", lang, e.Name(), k))
				}
				m[k] = v
			}
		}
		catalogues[lang] = m
	}
}

// Keys returns the keys of lang's catalogue, for completeness tests.
func Keys(lang string) []string {
	var out []string
	for k := range catalogues[lang] {
		out = append(out, k)
	}
	return out
}

// Localizer translates for one language.
type Localizer struct {
	Lang string
}

// For returns the localizer of lang, falling back to German.
func For(lang string) Localizer {
	if _, ok := catalogues[lang]; !ok {
		lang = Languages[0]
	}
	return Localizer{Lang: lang}
}

// Has reports whether key exists in the catalogue.
func (l Localizer) Has(key string) bool {
	_, ok := catalogues[l.Lang][key]
	return ok
}

// T returns the message of key with fmt-style args. A missing key falls back
// to German, then to the key itself, so a gap is visible but never fatal.
func (l Localizer) T(key string, args ...any) string {
	msg, ok := catalogues[l.Lang][key]
	if !ok {
		if msg, ok = catalogues[Languages[0]][key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Error returns the user-facing text of an error code.
func (l Localizer) Error(code string) string {
	if l.Has("err." + code) {
		return l.T("err." + code)
	}
	return l.T("err.internal")
}

// DateTime formats an instant in loc the way readers of lang expect:
// "22.11.2026, 14:05" in German.
func (l Localizer) DateTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "–"
	}
	t = t.In(loc)
	if l.Lang == "en" {
		return t.Format("2006-01-02 15:04")
	}
	return t.Format("02.01.2006, 15:04")
}

// Date formats a calendar date.
func (l Localizer) Date(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "–"
	}
	t = t.In(loc)
	if l.Lang == "en" {
		return t.Format("2006-01-02")
	}
	return t.Format("02.01.2006")
}

// Number formats an integer with German thousands separators in German.
func (l Localizer) Number(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := "."
	if l.Lang == "en" {
		sep = ","
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
