package worktime

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/worktime/arbzg"
)

// MaxCapacityDays bounds the range of one CapacityMinutes call.
const MaxCapacityDays = 1100

// CapacityMinutes returns, for every person of userIDs and every day from
// from to to, the minutes the person is available for work: the target
// minutes of the valid work model (TargetMinutes: zero on the statewide
// public holidays of the person's Land, or of the default Land when none
// is set), zero on days of an approved absence, and half the target on
// days of an approved half-day absence. Every approved absence counts,
// whatever its type: a Gleittag frees no time for tasks either. Unknown
// ids are left out of the result. It is the capacity of the workload view
// (project.Capacity) and reads with one query per table for everybody.
func (s *Service) CapacityMinutes(ctx context.Context, userIDs []int64, from, to civil.Date) (map[int64]map[civil.Date]int, error) {
	if from.IsZero() || to.IsZero() || to.Before(from) || from.DaysUntil(to) >= MaxCapacityDays {
		return nil, apperr.Invalidf("invalid_range", "from must be a date not after to, at most %d days apart", MaxCapacityDays).WithField("to", "invalid_range")
	}
	ids := slices.Clone(userIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make(map[int64]map[civil.Date]int, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	for len(ids) > capacityChunk {
		part, err := s.capacity(ctx, ids[:capacityChunk], from, to)
		if err != nil {
			return nil, err
		}
		maps.Copy(out, part)
		ids = ids[capacityChunk:]
	}
	part, err := s.capacity(ctx, ids, from, to)
	if err != nil {
		return nil, err
	}
	maps.Copy(out, part)
	return out, nil
}

// capacityChunk bounds the people (one placeholder each) of one query.
const capacityChunk = 500

// capacity is CapacityMinutes for distinct ids.
func (s *Service) capacity(ctx context.Context, ids []int64, from, to civil.Date) (map[int64]map[civil.Date]int, error) {
	out := make(map[int64]map[civil.Date]int, len(ids))
	users := placeholders(len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	type person struct {
		id    int64
		state string
	}
	people, err := db.Query(ctx, s.db, func(row db.Scanner) (person, error) {
		var p person
		err := row.Scan(&p.id, &p.state)
		if !arbzg.ValidState(p.state) {
			p.state = s.policy.DefaultState
		}
		return p, err
	}, "SELECT id, state FROM users WHERE id IN ("+users+")", args...)
	if err != nil {
		return nil, fmt.Errorf("worktime: capacity people: %w", err)
	}
	hist, err := bulkAssignments(ctx, s.db, users, args, to)
	if err != nil {
		return nil, err
	}
	absences, err := approvedAbsences(ctx, s.db, users, args, from, to)
	if err != nil {
		return nil, err
	}
	for _, p := range people {
		state := p.state
		if !arbzg.ValidState(state) {
			state = "NW" // no default configured (tests): a Land is needed for holidays
		}
		days := targetsFrom(hist[p.id], state, from, to)
		for _, a := range absences[p.id] {
			start := a.start
			if start.Before(from) {
				start = from
			}
			for d := start; !d.After(a.end) && !d.After(to); d = d.AddDays(1) {
				t, ok := days[d]
				switch {
				case !ok:
				case a.half:
					days[d] = t - t/2
				default:
					days[d] = 0
				}
			}
		}
		out[p.id] = days
	}
	return out, nil
}
