package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/worktime"
)

// seedDemoWorktime gives the demo organisation working time to look at:
// two work models (full-time 39 h and part-time 19.5 h), assigned from the
// first day of the previous month, and recorded days from then until
// yesterday. The days vary in a fixed pattern (home-office days, one long
// day with a missing break, one day not recorded) so that the month view,
// the team view and the compliance report have something to show. The
// entries are manual entries with the reason "Demo-Daten", visible as such
// in every history.
func seedDemoWorktime(ctx context.Context, m *Main, ids map[string]int64) error {
	a := actor.CLI()
	full, err := m.Worktime.CreateWorkModel(ctx, a, worktime.NewWorkModel{Name: "Vollzeit 39 Std.", Minutes: [7]int{468, 468, 468, 468, 468}})
	if err != nil {
		return fmt.Errorf("demo: work model: %w", err)
	}
	part, err := m.Worktime.CreateWorkModel(ctx, a, worktime.NewWorkModel{Name: "Teilzeit 19,5 Std.", Minutes: [7]int{234, 234, 234, 234, 234}})
	if err != nil {
		return fmt.Errorf("demo: work model: %w", err)
	}
	loc := m.Worktime.Location()
	today := m.Worktime.Today()
	from := worktime.MonthOf(today).Prev().First()
	for i, u := range demoUsers {
		if !slices.Contains(u.roles, actor.RoleEmployee) {
			continue
		}
		model := full
		if i%4 == 3 {
			model = part
		}
		if _, err := m.Worktime.AssignWorkModel(ctx, a, ids[u.username], model.ID, from); err != nil {
			return fmt.Errorf("demo: assign work model: %w", err)
		}
		for d, n := from, 0; d.Before(today); d, n = d.AddDays(1), n+1 {
			if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			for _, iv := range demoDay(i, n, model.MinutesOn(d.Weekday())) {
				start := d.Start(loc).Add(iv.from)
				end := d.Start(loc).Add(iv.to)
				if _, err := m.Worktime.CreateEntry(ctx, a, ids[u.username], worktime.EntryChange{Start: start, End: &end, Location: iv.location, Reason: "Demo-Daten"}); err != nil {
					return fmt.Errorf("demo: entry of %s on %s: %w", u.username, d, err)
				}
			}
		}
	}
	return nil
}

type demoInterval struct {
	from, to time.Duration
	location string
}

// demoDay returns the intervals of person i on their n-th demo day with a
// target of target minutes: a morning block, a 30-minute lunch break and
// an afternoon block, starting between 07:00 and 08:30.
func demoDay(i, n, target int) []demoInterval {
	if target == 0 {
		return nil
	}
	switch (i + n) % 23 {
	case 11:
		return nil // not recorded: shows as a missing day
	case 17:
		// A long day without a break: §§ 3, 4 findings.
		return []demoInterval{{7 * time.Hour, 17*time.Hour + 30*time.Minute, worktime.LocationOffice}}
	}
	start := 7*time.Hour + time.Duration((i*7+n*13)%7)*15*time.Minute
	work := time.Duration(target+((i+n)%5-2)*10) * time.Minute
	location := worktime.LocationOffice
	if (i+n)%5 == 1 || (i+n)%5 == 3 {
		location = worktime.LocationHome
	}
	if work <= 6*time.Hour {
		return []demoInterval{{start, start + work, location}}
	}
	morning := 4 * time.Hour
	return []demoInterval{
		{start, start + morning, location},
		{start + morning + 30*time.Minute, start + 30*time.Minute + work, location},
	}
}
