package arbzg

import (
	"encoding/binary"
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// fuzzZones include zones whose clocks jump at midnight (Santiago), by 30
// minutes (Lord Howe) or sit off the hour (Kolkata).
var fuzzZones = []*time.Location{berlin, time.UTC, mustLoad("America/Santiago"), mustLoad("Australia/Lord_Howe"), mustLoad("Asia/Kolkata")}

// fuzzBases sit shortly before DST changes and a year's end.
var fuzzBases = []time.Time{
	time.Date(2026, 3, 24, 0, 0, 0, 0, time.UTC),
	time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC),
	time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC),
	time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
	time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC),
}

// fuzzIntervals decodes 5 bytes per interval: start (minutes after base),
// length in minutes, and a second offset that truncation must absorb. It
// reads at most 64 intervals, which keeps executions (and minimising) fast.
func fuzzIntervals(base time.Time, data []byte) []Interval {
	var out []Interval
	for ; len(data) >= 5 && len(out) < 64; data = data[5:] {
		start := base.Add(time.Duration(binary.BigEndian.Uint16(data)) * time.Minute).Add(time.Duration(data[4]%60) * time.Second)
		length := time.Duration(binary.BigEndian.Uint16(data[2:])%(7*24*60)+1) * time.Minute
		out = append(out, Interval{start, start.Add(length)})
	}
	return out
}

// FuzzCheck checks that Check never fails on valid input and that its
// minutes add up: per shift, working + break = span; over all shifts,
// working = merged clocked minutes + gaps under 15 minutes, and the breaks
// are exactly the gaps from 15 minutes to under 3 hours.
func FuzzCheck(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 0}, uint8(0), uint8(0))
	f.Add([]byte{0, 60, 0, 240, 30, 1, 74, 0, 200, 59, 4, 0, 2, 0, 0}, uint8(0), uint8(0))
	f.Add([]byte{5, 160, 1, 224, 0, 5, 250, 0, 60, 0}, uint8(2), uint8(3))
	f.Add([]byte{1, 0, 3, 0, 0, 1, 14, 0, 20, 0, 1, 64, 0, 10, 0}, uint8(3), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, zone, base uint8) {
		loc := fuzzZones[int(zone)%len(fuzzZones)]
		ivs := fuzzIntervals(fuzzBases[int(base)%len(fuzzBases)], data)
		res, err := Check(Input{State: "BB", Location: loc, Intervals: ivs}, testCalendar)
		if err != nil {
			t.Fatalf("Check(%v): %v", ivs, err)
		}
		var working, breaks int
		for i, s := range res.Shifts {
			sum := 0
			for _, b := range s.Breaks {
				sum += b.Minutes
				if b.Minutes < minBreakMinutes || b.Minutes >= shiftGapMinutes {
					t.Fatalf("shift %+v: break of %d minutes", s, b.Minutes)
				}
			}
			if sum != s.BreakMinutes || s.WorkingMinutes+s.BreakMinutes != s.SpanMinutes || s.LongestContinuousMinutes > s.WorkingMinutes {
				t.Fatalf("shift %+v does not add up", s)
			}
			if i > 0 && minutes(s.Start.Sub(res.Shifts[i-1].End)) < shiftGapMinutes {
				t.Fatalf("shifts %+v and %+v less than 3 h apart", res.Shifts[i-1], s)
			}
			working += s.WorkingMinutes
			breaks += s.BreakMinutes
		}
		wantWorking, wantBreaks := reference(ivs)
		if working != wantWorking || breaks != wantBreaks {
			t.Fatalf("intervals %v: working %d, breaks %d; want %d, %d", ivs, working, breaks, wantWorking, wantBreaks)
		}
		dayTotal := 0
		for _, dm := range dailyMinutes(stretchesOf(ivs, loc), loc) {
			dayTotal += dm.minutes
		}
		if dayTotal != working {
			t.Fatalf("intervals %v: day minutes add up to %d, working %d", ivs, dayTotal, working)
		}
		if !slices.IsSortedFunc(res.Findings, func(a, b Finding) int { return a.firstDay().Compare(b.firstDay()) }) {
			t.Fatalf("findings out of order: %v", summaries(res.Findings))
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatal(err)
		}
	})
}

// reference computes total working and break minutes the slow way: mark
// every clocked minute, then classify the gaps between runs of marks.
func reference(ivs []Interval) (working, breaks int) {
	if len(ivs) == 0 {
		return 0, 0
	}
	first := ivs[0].Start.Truncate(time.Minute)
	for _, v := range ivs {
		if v.Start.Truncate(time.Minute).Before(first) {
			first = v.Start.Truncate(time.Minute)
		}
	}
	last := 0
	for _, v := range ivs {
		last = max(last, minutes(v.End.Truncate(time.Minute).Sub(first)))
	}
	clocked := make([]bool, last)
	for _, v := range ivs {
		from := minutes(v.Start.Truncate(time.Minute).Sub(first))
		to := minutes(v.End.Truncate(time.Minute).Sub(first))
		for m := from; m < to; m++ {
			clocked[m] = true
		}
	}
	gap := -1 // -1 before the first clocked minute
	for m := 0; m < last; m++ {
		if clocked[m] {
			switch {
			case gap < 0:
			case gap < minBreakMinutes:
				working += gap
			case gap < shiftGapMinutes:
				breaks += gap
			}
			working++
			gap = 0
			continue
		}
		if gap >= 0 {
			gap++
		}
	}
	return working, breaks
}
