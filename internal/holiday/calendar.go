package holiday

import (
	"sync"

	"ortlos/internal/civil"
)

// Calendar answers holiday questions for the compliance engine (it
// satisfies the small interface worktime declares). The zero value is ready
// to use and safe for concurrent use; lists are computed once per state and
// year and shared by all Calendars.
type Calendar struct{}

// Holiday reports whether d is a holiday in state, with its name and
// whether it is statewide. A statewide holiday wins over a regional one on
// the same date. ok is false for working days, unknown states and years
// outside MinYear..MaxYear; callers validate the state with StateName.
func (Calendar) Holiday(state string, d civil.Date) (name string, statewide bool, ok bool) {
	h, ok := Lookup(state, d)
	if !ok {
		return "", false, false
	}
	return h.Name, h.Scope == Statewide, true
}

type cacheKey struct {
	state string
	year  int
}

// cache maps cacheKey to []Holiday. It holds at most 16 × 206 small lists,
// so it is never evicted. Cached slices are never modified; ForYear hands
// out copies.
var cache sync.Map

// cached returns the shared list of state's holidays in year; state and
// year are valid.
func cached(state string, year int) []Holiday {
	k := cacheKey{state, year}
	if v, ok := cache.Load(k); ok {
		return v.([]Holiday)
	}
	// Two goroutines may compute the same list; the results are equal and
	// the first stored wins.
	v, _ := cache.LoadOrStore(k, compute(state, year))
	return v.([]Holiday)
}
