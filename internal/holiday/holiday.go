// Package holiday knows the statutory public holidays (gesetzliche
// Feiertage) of the 16 German Länder from 1995 to 2200, with statewide
// holidays kept apart from regional ones that apply only in some
// municipalities (Mariä Himmelfahrt in Bavaria, Fronleichnam in parts of
// Saxony and Thuringia, the Augsburg Friedensfest).
//
// The rules, their legal sources and the supported years are documented in
// docs/holidays.md.
package holiday

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
)

// Scope tells where in a Land a holiday applies.
type Scope string

// The scopes of a holiday.
const (
	// Statewide holidays apply in the whole Land.
	Statewide Scope = "statewide"
	// Regional holidays apply only in some municipalities or parts of
	// municipalities; Holiday.Note says where.
	Regional Scope = "regional"
)

// The years ForYear accepts. 1995 is the first year of today's rule set
// (Buß- und Bettag ceased to be a holiday outside Saxony); 2200 is a
// horizon that catches typing errors such as 20266.
const (
	MinYear = 1995
	MaxYear = 2200
)

// Holiday is one statutory public holiday of a Land.
type Holiday struct {
	Date civil.Date
	// Name is the German name, e.g. "Tag der Deutschen Einheit".
	Name  string
	Scope Scope
	// Note says where a regional holiday applies, e.g. "in Gemeinden mit
	// überwiegend katholischer Bevölkerung"; empty for statewide ones.
	Note string
}

// states lists the Länder by code (ISO 3166-2:DE without the "DE-").
var states = []struct{ code, name string }{
	{"BW", "Baden-Württemberg"},
	{"BY", "Bayern"},
	{"BE", "Berlin"},
	{"BB", "Brandenburg"},
	{"HB", "Bremen"},
	{"HH", "Hamburg"},
	{"HE", "Hessen"},
	{"MV", "Mecklenburg-Vorpommern"},
	{"NI", "Niedersachsen"},
	{"NW", "Nordrhein-Westfalen"},
	{"RP", "Rheinland-Pfalz"},
	{"SL", "Saarland"},
	{"SN", "Sachsen"},
	{"ST", "Sachsen-Anhalt"},
	{"SH", "Schleswig-Holstein"},
	{"TH", "Thüringen"},
}

// States returns the codes of the 16 Länder: BW BY BE BB HB HH HE MV NI NW
// RP SL SN ST SH TH.
func States() []string {
	codes := make([]string, len(states))
	for i, s := range states {
		codes[i] = s.code
	}
	return codes
}

// StateName returns the German name of the Land with the given code, e.g.
// "Bayern" for "BY", or "" when code is not one of States (codes are upper
// case).
func StateName(code string) string {
	for _, s := range states {
		if s.code == code {
			return s.name
		}
	}
	return ""
}

// ForYear returns the holidays of state in year, sorted by date; on a date
// with several holidays statewide ones come first. It fails with an
// apperr.Invalid error coded "unknown_state" or "year_out_of_range".
func ForYear(state string, year int) ([]Holiday, error) {
	if err := check(state, year); err != nil {
		return nil, err
	}
	return slices.Clone(cached(state, year)), nil
}

// Lookup returns the holiday of state on d. When a statewide and a regional
// holiday fall on the same date, the statewide one is returned; of two
// statewide ones (e.g. Tag der Arbeit and Christi Himmelfahrt on 1 May
// 2008) the one listed first by ForYear. ok is false for a working day, an
// unknown state or a year outside MinYear..MaxYear.
func Lookup(state string, d civil.Date) (h Holiday, ok bool) {
	if check(state, d.Year) != nil {
		return Holiday{}, false
	}
	return pick(cached(state, d.Year), d)
}

// pick returns the holiday on d from hs, statewide before regional.
func pick(hs []Holiday, d civil.Date) (Holiday, bool) {
	var regional *Holiday
	for i := range hs {
		if hs[i].Date != d {
			continue
		}
		if hs[i].Scope == Statewide {
			return hs[i], true
		}
		if regional == nil {
			regional = &hs[i]
		}
	}
	if regional != nil {
		return *regional, true
	}
	return Holiday{}, false
}

func check(state string, year int) error {
	if StateName(state) == "" {
		return apperr.Invalidf("unknown_state", "holiday: %q is not a Bundesland code (one of %s)",
			state, strings.Join(States(), ", "))
	}
	if year < MinYear || year > MaxYear {
		return apperr.Invalidf("year_out_of_range", "holiday: year %d is outside %d to %d", year, MinYear, MaxYear)
	}
	return nil
}

// compute applies the rules to one state and year; state and year are
// valid.
func compute(state string, year int) []Holiday {
	easter := Easter(year)
	var hs []Holiday
	for _, r := range rules {
		if !r.appliesIn(state, year) {
			continue
		}
		scope, note := Statewide, ""
		if r.note != "" {
			scope, note = Regional, r.note
		}
		hs = append(hs, Holiday{Date: r.date(year, easter), Name: r.name, Scope: scope, Note: note})
	}
	// Stable, so holidays on the same date and of the same scope keep the
	// order of the rule table.
	slices.SortStableFunc(hs, func(a, b Holiday) int {
		if c := a.Date.Compare(b.Date); c != 0 {
			return c
		}
		return cmp.Compare(scopeRank(a.Scope), scopeRank(b.Scope))
	})
	return hs
}

func scopeRank(s Scope) int {
	if s == Statewide {
		return 0
	}
	return 1
}

// Easter returns Easter Sunday of year in the Gregorian calendar, by the
// anonymous Gregorian computus (Meeus/Jones/Butcher).
func Easter(year int) civil.Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	n := h + l - 7*m + 114
	return civil.Date{Year: year, Month: time.Month(n / 31), Day: n%31 + 1}
}
