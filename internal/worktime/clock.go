package worktime

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/worktime/arbzg"
)

// Status is a person's working state right now.
type Status struct {
	State string // StateOff, StateWorking or StateOnBreak
	// Entry is the running interval while working, the interval the break
	// closed while on break, and nil otherwise.
	Entry *Entry
	// BreakSince is when the current break started (on break only).
	BreakSince *time.Time
	// TodayMinutes is the clocked time of the current calendar day in the
	// organisation's zone, the running interval counted up to now.
	TodayMinutes int
	// Warnings are the live warnings about the shift going on (see
	// LiveWarnings); empty unless working or on break.
	Warnings []LiveWarning
}

// normaliseLocation validates a location from the edge; empty means office.
func normaliseLocation(loc string) (string, error) {
	loc = strings.TrimSpace(loc)
	if loc == "" {
		return LocationOffice, nil
	}
	if !slices.Contains(Locations, loc) {
		return "", apperr.Invalidf("invalid_location", "location must be office, home or mobile").WithField("location", "invalid_location")
	}
	return loc, nil
}

// ClockIn starts a work interval for the actor at location (office when
// empty).
func (s *Service) ClockIn(ctx context.Context, a actor.Actor, location string) (Entry, error) {
	return s.clockIn(ctx, a, location, false)
}

// EndBreak ends the actor's break by starting a new interval; location
// empty means the location before the break.
func (s *Service) EndBreak(ctx context.Context, a actor.Actor, location string) (Entry, error) {
	return s.clockIn(ctx, a, location, true)
}

func (s *Service) clockIn(ctx context.Context, a actor.Actor, location string, afterBreak bool) (Entry, error) {
	if err := canClock(a); err != nil {
		return Entry{}, err
	}
	var err error
	if location != "" || !afterBreak {
		if location, err = normaliseLocation(location); err != nil {
			return Entry{}, err
		}
	}
	var out Entry
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := lockUser(ctx, tx, a.UserID); err != nil {
			return nil, err
		}
		last, ok, err := lastEntry(ctx, tx, a.UserID)
		if err != nil {
			return nil, err
		}
		if ok && last.Running() {
			return nil, apperr.Conflictf("already_clocked_in", "a work interval is already running")
		}
		action := "worktime.clock_in"
		if afterBreak {
			if !ok || !s.onBreak(last, now) {
				return nil, apperr.Conflictf("not_on_break", "no break to end")
			}
			if location == "" {
				location = last.Location
			}
			action = "worktime.break_end"
		}
		var id int64
		if err := tx.QueryRowContext(ctx, "INSERT INTO time_entries (user_id, created_at) VALUES (?, ?) RETURNING id",
			a.UserID, db.T(now)).Scan(&id); err != nil {
			return nil, fmt.Errorf("worktime: insert entry: %w", err)
		}
		out = Entry{ID: id, UserID: a.UserID, Start: now, Location: location, Revision: 1, Source: SourceClock}
		if err := insertRevision(ctx, tx, a, now, revision{entryID: id, number: 1, start: now, location: location, source: SourceClock}); err != nil {
			return nil, err
		}
		return []audit.Event{{Action: action, ObjectType: "time_entry", ObjectID: itoa(id),
			Detail: map[string]any{"user_id": a.UserID, "location": location, "revision": 1}}}, nil
	})
	if err != nil {
		return Entry{}, err
	}
	return out, nil
}

// ClockOut ends the actor's running interval.
func (s *Service) ClockOut(ctx context.Context, a actor.Actor) (Entry, error) {
	return s.clockOut(ctx, a, false)
}

// StartBreak ends the actor's running interval and marks it as closed by a
// break: the gap until EndBreak is the break (Ruhepause).
func (s *Service) StartBreak(ctx context.Context, a actor.Actor) (Entry, error) {
	return s.clockOut(ctx, a, true)
}

func (s *Service) clockOut(ctx context.Context, a actor.Actor, isBreak bool) (Entry, error) {
	if err := canClock(a); err != nil {
		return Entry{}, err
	}
	var out Entry
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := lockUser(ctx, tx, a.UserID); err != nil {
			return nil, err
		}
		last, ok, err := lastEntry(ctx, tx, a.UserID)
		if err != nil {
			return nil, err
		}
		if !ok || !last.Running() {
			return nil, apperr.Conflictf("not_clocked_in", "no work interval is running")
		}
		// A clock set back must not produce an interval that ends before it
		// starts.
		end := now
		if end.Before(last.Start) {
			end = last.Start
		}
		out = last
		out.End, out.Revision, out.Source, out.EndsWithBreak = &end, last.Revision+1, SourceClock, isBreak
		if err := insertRevision(ctx, tx, a, now, revision{entryID: last.ID, number: out.Revision, start: last.Start, end: &end,
			location: last.Location, source: SourceClock, endsWithBreak: isBreak}); err != nil {
			return nil, err
		}
		action := "worktime.clock_out"
		if isBreak {
			action = "worktime.break_start"
		}
		events := []audit.Event{{Action: action, ObjectType: "time_entry", ObjectID: itoa(last.ID),
			Detail: map[string]any{"user_id": a.UserID, "revision": out.Revision}}}
		if !isBreak && s.policy.AutoBreak {
			// The organisation deducts a missing statutory break at the
			// end of the shift (autobreak.go), in this transaction.
			corrected, more, err := s.autoBreak(ctx, tx, a, now, out)
			if err != nil {
				return nil, err
			}
			out, events = corrected, append(events, more...)
		}
		return events, nil
	})
	if err != nil {
		return Entry{}, err
	}
	return out, nil
}

// onBreak reports whether last, the person's latest interval, was closed by
// a break that is still open: a break is only pending on the calendar day
// it started, so a forgotten "end break" does not last until the next
// morning.
func (s *Service) onBreak(last Entry, now time.Time) bool {
	if last.Running() || !last.EndsWithBreak {
		return false
	}
	y1, m1, d1 := last.End.In(s.loc).Date()
	y2, m2, d2 := now.In(s.loc).Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}

// Status returns the actor's own working state, the live warnings judged
// with the holidays of the actor's Land.
func (s *Service) Status(ctx context.Context, a actor.Actor) (Status, error) {
	return s.StatusFor(ctx, a, "")
}

// StatusFor returns the actor's own working state with the live warnings
// judged with the holidays of state (a Land code such as "NW"; empty: the
// actor's own, or the organisation's default).
func (s *Service) StatusFor(ctx context.Context, a actor.Actor, state string) (Status, error) {
	if !a.Authenticated() {
		return Status{}, errNotFound
	}
	if state == "" {
		var err error
		if state, err = s.userState(ctx, s.db, a.UserID); err != nil {
			return Status{}, err
		}
	}
	now := s.clock.Now().UTC()
	st := Status{State: StateOff}
	last, ok, err := lastEntry(ctx, s.db, a.UserID)
	if err != nil {
		return Status{}, err
	}
	switch {
	case ok && last.Running():
		st.State, st.Entry = StateWorking, &last
	case ok && s.onBreak(last, now):
		st.State, st.Entry, st.BreakSince = StateOnBreak, &last, last.End
	}
	local := now.In(s.loc)
	dayStart := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.loc)
	dayEnd := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, s.loc)
	today, err := entriesBetween(ctx, s.db, a.UserID, dayStart, dayEnd)
	if err != nil {
		return Status{}, err
	}
	st.TodayMinutes = int(workedBetween(today, dayStart, dayEnd, now) / time.Minute)
	st.Warnings = []LiveWarning{}
	if st.State != StateOff {
		recent, err := entriesBetween(ctx, s.db, a.UserID, now.Add(-liveLookbackHours*time.Hour), now.Add(time.Minute))
		if err != nil {
			return Status{}, err
		}
		in := LiveInput{Now: now, State: state, Location: s.loc, OnBreakSince: st.BreakSince}
		for _, e := range recent {
			end := now
			if e.End != nil {
				end = *e.End
			}
			in.Intervals = append(in.Intervals, arbzg.Interval{Start: e.Start, End: end})
		}
		st.Warnings = LiveWarnings(in)
		users, args := oneUser(a.UserID)
		today := civil.In(now, s.loc)
		absences, err := approvedAbsences(ctx, s.db, users, args, today, today)
		if err != nil {
			return Status{}, err
		}
		if ab, ok := absenceOn(absences[a.UserID], today); ok {
			st.Warnings = append(st.Warnings, LiveWarning{Code: WarnAbsenceToday, AbsenceType: ab.typeID})
		}
	}
	return st, nil
}

// workedBetween sums the parts of the intervals inside [from, to); running
// intervals count up to now. Durations are absolute, so DST days are right.
func workedBetween(entries []Entry, from, to, now time.Time) time.Duration {
	var sum time.Duration
	for _, e := range entries {
		end := now
		if e.End != nil {
			end = *e.End
		}
		start := e.Start
		if start.Before(from) {
			start = from
		}
		if end.After(to) {
			end = to
		}
		if end.After(start) {
			sum += end.Sub(start)
		}
	}
	return sum
}
