package holiday_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"ortlos/internal/civil"
	"ortlos/internal/holiday"
)

// This file sorts first, so the test below meets an empty cache: many
// goroutines compute and store the same (state, year) lists at once, which
// -race checks.
func TestCalendarConcurrent(t *testing.T) {
	years := []int{2024, 2025, 2026, 2027}
	type key struct {
		state string
		year  int
	}
	type tally struct{ all, statewide int }

	const workers = 16
	results := make([]map[key]tally, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var cal holiday.Calendar
			got := map[key]tally{}
			// Each worker walks the states in a different order, so that
			// first computations overlap.
			states := holiday.States()
			for i := range states {
				state := states[(i+w)%len(states)]
				for _, y := range years {
					var c tally
					for d := civil.D(y, time.January, 1); d.Year == y; d = d.AddDays(1) {
						name, statewide, ok := cal.Holiday(state, d)
						if !ok {
							continue
						}
						if name == "" {
							t.Errorf("%s %s: holiday without a name", state, d)
						}
						c.all++
						if statewide {
							c.statewide++
						}
					}
					got[key{state, y}] = c
				}
			}
			results[w] = got
		}()
	}
	close(start)
	wg.Wait()

	for _, state := range holiday.States() {
		for _, y := range years {
			hs, err := holiday.ForYear(state, y)
			if err != nil {
				t.Fatal(err)
			}
			var want tally
			seen := map[civil.Date]bool{}
			for _, h := range hs {
				if seen[h.Date] {
					continue // Calendar answers once per date
				}
				seen[h.Date] = true
				want.all++
				if h.Scope == holiday.Statewide {
					want.statewide++
				}
			}
			for w, got := range results {
				if g := got[key{state, y}]; g != want {
					t.Errorf("worker %d, %s %d: Calendar found %+v holidays, ForYear %+v", w, state, y, g, want)
				}
			}
		}
	}
}

func TestCalendarHoliday(t *testing.T) {
	t.Parallel()
	var cal holiday.Calendar
	tests := []struct {
		state         string
		date          civil.Date
		wantName      string
		wantStatewide bool
		wantOK        bool
	}{
		{"BY", civil.D(2026, time.January, 6), "Heilige Drei Könige", true, true},
		{"BY", civil.D(2026, time.August, 15), "Mariä Himmelfahrt", false, true},
		{"SL", civil.D(2026, time.August, 15), "Mariä Himmelfahrt", true, true},
		{"NW", civil.D(2026, time.August, 15), "", false, false},
		{"SN", civil.D(2026, time.June, 4), "Fronleichnam", false, true},
		{"XX", civil.D(2026, time.January, 1), "", false, false},
		{"BY", civil.D(1994, time.January, 1), "", false, false},
		{"BY", civil.D(2201, time.January, 1), "", false, false},
	}
	for _, tt := range tests {
		name, statewide, ok := cal.Holiday(tt.state, tt.date)
		if name != tt.wantName || statewide != tt.wantStatewide || ok != tt.wantOK {
			t.Errorf("Holiday(%s, %s) = %q, %v, %v; want %q, %v, %v",
				tt.state, tt.date, name, statewide, ok, tt.wantName, tt.wantStatewide, tt.wantOK)
		}
	}
}

func ExampleCalendar_Holiday() {
	var cal holiday.Calendar
	name, statewide, ok := cal.Holiday("BY", civil.D(2026, time.August, 15))
	fmt.Println(name, statewide, ok)
	// Output: Mariä Himmelfahrt false true
}
