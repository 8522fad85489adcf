package worktime

import (
	"context"
	"fmt"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/audit"
	"ortlos/internal/db"
	"ortlos/internal/worktime/arbzg"
)

// AutoBreakReason is the reason of the revisions an automatic break
// deduction writes.
const AutoBreakReason = "automatic break deduction (§ 4 ArbZG)"

// autoBreakLookback is how far before the clock-out the shift is read.
const autoBreakLookback = 48 * time.Hour

// breakPlan says how to deduct a missing break from the last interval
// [start, end) of a shift.
type breakPlan struct {
	// Missing is the break the shift lacks; Minutes what is deducted: the
	// gap (at least 15 minutes, so that it is a Ruhepause) or, when the
	// interval is too short for it, what its end is shortened by.
	Missing, Minutes int
	// Split: the interval becomes [start, GapStart) and [GapEnd, end).
	// Otherwise it becomes [start, GapStart) (its end shortened).
	Split            bool
	GapStart, GapEnd time.Time
}

// planAutoBreak decides the deduction for the shift that ends with the
// interval [start, end): intervals are the person's intervals around it
// (that one included). ok is false when the shift has the breaks § 4
// requires.
//
// Placement: the gap goes into the middle of the stretch of continuous
// work (joined by gaps under 15 minutes) that ends with the interval, so
// that the work before and after it are as equal as possible; that fixes
// the six-hours rule (§ 4 S. 3) whenever the stretch minus the gap is at
// most twelve hours. The gap is clamped into the interval, leaving at
// least a minute of work on each side. If the interval is not longer than
// the gap plus two minutes, its start is moved later instead, by the
// missing minutes or more, so that the gap before it becomes a Ruhepause
// of at least 15 minutes (keeping at least one minute of work).
func planAutoBreak(intervals []arbzg.Interval, start, end time.Time, loc *time.Location) (breakPlan, bool) {
	res, err := arbzg.Check(arbzg.Input{State: "BE", Location: loc, Intervals: intervals}, noHolidays{})
	if err != nil {
		return breakPlan{}, false
	}
	end = end.Truncate(time.Minute)
	start = start.Truncate(time.Minute)
	var sh *arbzg.Shift
	for i := range res.Shifts {
		if !res.Shifts[i].Start.After(start) && !res.Shifts[i].End.Before(end) {
			sh = &res.Shifts[i]
		}
	}
	if sh == nil {
		return breakPlan{}, false
	}
	required := 0
	switch {
	case sh.WorkingMinutes > liveLongBreakMinutes:
		required = 45
	case sh.WorkingMinutes > liveBreakFromMinutes:
		required = 30
	}
	missing := required - sh.BreakMinutes
	if missing <= 0 {
		return breakPlan{}, false
	}
	gap := time.Duration(max(missing, liveMinBreakMinutes)) * time.Minute
	// The continuous stretch ends at end and starts after the shift's last
	// Ruhepause.
	stretch := sh.Start
	if n := len(sh.Breaks); n > 0 {
		stretch = sh.Breaks[n-1].End
	}
	if end.Sub(start) < gap+2*time.Minute {
		// Too short to hold the gap: start the interval later, which
		// lengthens the gap before it (the shift has more than six hours
		// of work, so that gap exists); the gap grows to at least 15
		// minutes, so that it is a Ruhepause.
		var prevEnd time.Time
		for _, iv := range intervals {
			if e := iv.End.Truncate(time.Minute); !e.After(start) && e.After(prevEnd) {
				prevEnd = e
			}
		}
		if prevEnd.IsZero() {
			return breakPlan{}, false
		}
		before := start.Sub(prevEnd)
		cut := max(time.Duration(missing)*time.Minute, time.Duration(liveMinBreakMinutes)*time.Minute-before)
		cut = min(cut, end.Sub(start)-time.Minute)
		if cut <= 0 {
			return breakPlan{}, false
		}
		return breakPlan{Missing: missing, Minutes: int(cut / time.Minute), GapStart: start, GapEnd: start.Add(cut)}, true
	}
	work := end.Sub(stretch) - gap
	gapStart := stretch.Add((work / 2).Truncate(time.Minute))
	if lo := start.Add(time.Minute); gapStart.Before(lo) {
		gapStart = lo
	}
	if hi := end.Add(-gap - time.Minute); gapStart.After(hi) {
		gapStart = hi
	}
	return breakPlan{Missing: missing, Minutes: int(gap / time.Minute), Split: true, GapStart: gapStart, GapEnd: gapStart.Add(gap)}, true
}

// autoBreak deducts a missing statutory break from the shift that the
// clock-out of closed (its current revision) just ended, inside the
// clock-out's transaction. It returns the closed entry as it now stands and
// the audit event; ok is false when nothing was deducted.
func (s *Service) autoBreak(ctx context.Context, tx *db.Tx, a actor.Actor, now time.Time, closed Entry) (Entry, []audit.Event, error) {
	end := *closed.End
	recent, err := entriesBetween(ctx, tx, closed.UserID, end.Add(-autoBreakLookback), end.Add(time.Minute))
	if err != nil {
		return closed, nil, err
	}
	var ivs []arbzg.Interval
	for _, e := range recent {
		if e.End == nil || !e.End.After(e.Start) || e.End.After(end) {
			continue
		}
		ivs = append(ivs, arbzg.Interval{Start: e.Start, End: *e.End})
	}
	p, ok := planAutoBreak(ivs, closed.Start, end, s.loc)
	if !ok {
		return closed, nil, nil
	}
	// Split: the entry ends where the gap starts and a new entry holds the
	// rest. Otherwise the entry starts where the longer gap ends.
	newStart, newEnd := closed.Start, p.GapStart
	if !p.Split {
		newStart, newEnd = p.GapEnd, end
	}
	out := closed
	out.Start, out.End, out.Revision, out.Source, out.Automatic, out.EndsWithBreak = newStart, &newEnd, closed.Revision+1, SourceCorrection, true, false
	if err := insertRevision(ctx, tx, a, now, revision{entryID: closed.ID, number: out.Revision, start: newStart, end: &newEnd,
		location: closed.Location, source: SourceCorrection, reason: AutoBreakReason, automatic: true}); err != nil {
		return closed, nil, err
	}
	detail := map[string]any{"user_id": closed.UserID, "entry_id": closed.ID, "revision": out.Revision,
		"minutes": p.Minutes, "missing_minutes": p.Missing, "split": p.Split}
	if p.Split {
		var id int64
		if err := tx.QueryRowContext(ctx, "INSERT INTO time_entries (user_id, created_at) VALUES (?, ?) RETURNING id",
			closed.UserID, db.T(now)).Scan(&id); err != nil {
			return closed, nil, fmt.Errorf("worktime: insert entry: %w", err)
		}
		rest := end
		if err := insertRevision(ctx, tx, a, now, revision{entryID: id, number: 1, start: p.GapEnd, end: &rest,
			location: closed.Location, source: SourceCorrection, reason: AutoBreakReason, automatic: true}); err != nil {
			return closed, nil, err
		}
		detail["new_entry_id"] = id
	}
	return out, []audit.Event{{Action: "worktime.auto_break", ObjectType: "time_entry", ObjectID: itoa(closed.ID), Detail: detail}}, nil
}
