package arbzg

import (
	"slices"
	"time"

	"ortlos/internal/civil"
)

// span is a half-open stretch [start, end) of absolute time.
type span struct{ start, end time.Time }

func (s span) minutes() int { return minutes(s.end.Sub(s.start)) }

// minutes converts d to whole minutes; after truncation to the minute every
// duration the engine sees is a whole number of minutes.
func minutes(d time.Duration) int { return int(d / time.Minute) }

// merge truncates the intervals to the minute, drops the ones that become
// empty, sorts them and merges touching and overlapping ones.
func merge(in []Interval) []span {
	spans := make([]span, 0, len(in))
	for _, iv := range in {
		s := span{iv.Start.Truncate(time.Minute), iv.End.Truncate(time.Minute)}
		if s.end.After(s.start) {
			spans = append(spans, s)
		}
	}
	slices.SortFunc(spans, func(a, b span) int {
		if c := a.start.Compare(b.start); c != 0 {
			return c
		}
		return a.end.Compare(b.end)
	})
	out := spans[:0]
	for _, s := range spans {
		if n := len(out); n > 0 && !s.start.After(out[n-1].end) {
			if s.end.After(out[n-1].end) {
				out[n-1].end = s.end
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// buildShifts groups merged, sorted spans into shifts: a gap under 15
// minutes is working time, a gap from 15 minutes to under 3 hours is a
// Ruhepause, a gap of 3 hours or more ends the shift. Next to each shift it
// returns the shift's stretches of continuous work (short gaps included),
// which the day rules need.
func buildShifts(merged []span, loc *time.Location) ([]Shift, [][]span) {
	// Count first, so that shifts, stretches and breaks each take one
	// allocation.
	nShifts, nBreaks := 0, 0
	for i := range merged {
		if i == 0 {
			nShifts++
			continue
		}
		switch gap := minutes(merged[i].start.Sub(merged[i-1].end)); {
		case gap >= shiftGapMinutes:
			nShifts++
		case gap >= minBreakMinutes:
			nBreaks++
		}
	}
	shifts := make([]Shift, 0, nShifts)
	stretches := make([][]span, 0, nShifts)
	allSegs := make([]span, 0, nShifts+nBreaks)
	allBreaks := make([]Break, 0, nBreaks)
	for i := 0; i < len(merged); {
		segs, breaks := allSegs[len(allSegs):], allBreaks[len(allBreaks):]
		seg := merged[i]
		j := i + 1
		for ; j < len(merged); j++ {
			gap := minutes(merged[j].start.Sub(seg.end))
			if gap >= shiftGapMinutes {
				break
			}
			if gap >= minBreakMinutes {
				segs = append(segs, seg)
				breaks = append(breaks, Break{Start: seg.end.In(loc), End: merged[j].start.In(loc), Minutes: gap})
				seg.start = merged[j].start
			}
			seg.end = merged[j].end
		}
		segs = append(segs, seg)
		allSegs, allBreaks = allSegs[:len(allSegs)+len(segs)], allBreaks[:len(allBreaks)+len(breaks)]
		start, end := segs[0].start, seg.end
		sh := Shift{
			Date:        civil.In(start, loc),
			Start:       start.In(loc),
			End:         end.In(loc),
			Breaks:      breaks[:len(breaks):len(breaks)],
			SpanMinutes: minutes(end.Sub(start)),
		}
		for _, b := range breaks {
			sh.BreakMinutes += b.Minutes
		}
		for _, s := range segs {
			m := s.minutes()
			sh.WorkingMinutes += m
			sh.LongestContinuousMinutes = max(sh.LongestContinuousMinutes, m)
		}
		shifts = append(shifts, sh)
		stretches = append(stretches, segs[:len(segs):len(segs)])
		i = j
	}
	return shifts, stretches
}

// dayMinutes is the working time that falls on one local calendar day.
type dayMinutes struct {
	date    civil.Date
	minutes int
}

// dailyMinutes splits the stretches of work of the shifts (gaps under 15
// minutes included, Ruhepausen not) at local midnights and returns the
// minutes per day, in date order, for the days with work.
func dailyMinutes(stretches [][]span, loc *time.Location) []dayMinutes {
	var out []dayMinutes
	for _, segs := range stretches {
		for _, s := range segs {
			// done counts from the segment's start, so that midnights off
			// the minute grid (zones with seconds in their offset) lose no
			// minute: the parts always add up to the segment.
			cur, d, done := s.start, civil.In(s.start, loc), 0
			for cur.Before(s.end) {
				next := nextMidnight(d, cur, loc)
				if next.After(s.end) {
					next = s.end
				}
				upTo := minutes(next.Sub(s.start))
				switch n := len(out); {
				case upTo == done:
				case n > 0 && out[n-1].date == d:
					out[n-1].minutes += upTo - done
				default:
					out = append(out, dayMinutes{d, upTo - done})
				}
				cur, d, done = next, d.AddDays(1), upTo
			}
		}
	}
	// A zone whose clocks go back across midnight can put a later segment
	// on an earlier date.
	if !slices.IsSortedFunc(out, func(a, b dayMinutes) int { return a.date.Compare(b.date) }) {
		slices.SortStableFunc(out, func(a, b dayMinutes) int { return a.date.Compare(b.date) })
		merged := out[:1]
		for _, dm := range out[1:] {
			if last := &merged[len(merged)-1]; last.date == dm.date {
				last.minutes += dm.minutes
			} else {
				merged = append(merged, dm)
			}
		}
		out = merged
	}
	return out
}

// nextMidnight returns the first instant of the day after d in loc, which
// is after cur (an instant on d). Where a zone's clocks jump at midnight,
// time.Date may pick an instant still on d; the loop steps minute by minute
// to the first one of the next day.
func nextMidnight(d civil.Date, cur time.Time, loc *time.Location) time.Time {
	next := d.AddDays(1).Start(loc)
	for !next.After(cur) || civil.In(next, loc) == d {
		next = next.Add(time.Minute)
	}
	return next
}
