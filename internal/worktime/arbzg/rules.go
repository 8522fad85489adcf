package arbzg

import (
	"slices"
	"time"

	"ortlos/internal/civil"
)

// requiredBreakMinutes is the Ruhepause § 4 S. 1 requires for wt working
// minutes.
func requiredBreakMinutes(wt int) int {
	switch {
	case wt > longBreakFromMinutes:
		return 45
	case wt > breakFromMinutes:
		return 30
	}
	return 0
}

// checkShifts applies the rules about one shift (§§ 3, 4, 16 (2)) and about
// the rest between two shifts (§ 5).
func (c *checker) checkShifts(work []Shift) {
	for i, w := range work {
		wt := w.WorkingMinutes
		switch {
		case wt > dailyMaxMinutes:
			f := newFinding(DailyMaxExceeded)
			f.Date, f.WorkingMinutes, f.ExcessMinutes = w.Date, wt, wt-dailyMaxMinutes
			c.add(f)
		case wt > dailyRegularMinutes:
			f := newFinding(ExtendedDay)
			f.Date, f.WorkingMinutes = w.Date, wt
			c.add(f)
		}
		if req := requiredBreakMinutes(wt); w.BreakMinutes < req {
			f := newFinding(BreakTooShort)
			f.Date, f.RequiredBreakMinutes, f.ActualBreakMinutes, f.WorkingMinutes = w.Date, req, w.BreakMinutes, wt
			c.add(f)
		}
		if w.LongestContinuousMinutes > continuousMaxMinutes {
			f := newFinding(ContinuousWorkOver6h)
			f.Date, f.LongestContinuousMinutes = w.Date, w.LongestContinuousMinutes
			c.add(f)
		}
		if i > 0 {
			if rest := minutes(w.Start.Sub(work[i-1].End)); rest < restMinMinutes {
				f := newFinding(RestTooShort)
				f.Date, f.RestMinutes, f.DeficitMinutes = w.Date, rest, restMinMinutes-rest
				c.add(f)
			}
		}
		if wt > dailyRegularMinutes {
			f := newFinding(RecordOvertime)
			f.Date, f.MinutesOver8h, f.WorkingMinutes = w.Date, wt-dailyRegularMinutes, wt
			c.add(f)
		}
	}
}

// checkDays applies the rules about calendar days: work on a Sunday or a
// statewide holiday (§ 9, recorded under § 16 (2)) and on a regional
// holiday (info only: the engine does not know the place of work).
func (c *checker) checkDays(days []dayMinutes) {
	for _, dm := range days {
		h := c.holiday(dm.date)
		sunday := dm.date.Weekday() == time.Sunday
		statewide := h.ok && h.statewide
		if sunday || statewide {
			f := newFinding(SundayHolidayWork)
			f.Date, f.Minutes = dm.date, dm.minutes
			switch {
			case sunday && statewide:
				f.DayType = SundayAndHoliday
			case sunday:
				f.DayType = Sunday
			default:
				f.DayType = Holiday
			}
			if statewide {
				f.HolidayName = h.name
			}
			c.add(f)
			r := newFinding(RecordSundayHolidayWork)
			r.Date, r.Minutes = dm.date, dm.minutes
			c.add(r)
		}
		if h.ok && !h.statewide {
			f := newFinding(RegionalHoliday)
			f.Date, f.Minutes, f.HolidayName = dm.date, dm.minutes, h.name
			c.add(f)
		}
	}
}

// checkSundaysPerYear applies § 11 (1) to every calendar year with work in
// the data. Sundays without data count as free: with partial data a
// violation is certain, its absence proves nothing.
func (c *checker) checkSundaysPerYear(days []dayMinutes) {
	for i := 0; i < len(days); {
		year, worked := days[i].date.Year, 0
		for ; i < len(days) && days[i].date.Year == year; i++ {
			if days[i].date.Weekday() == time.Sunday {
				worked++
			}
		}
		inYear := sundaysIn(year)
		if free := inYear - worked; free < minFreeSundaysPerYear {
			f := newFinding(TooFewFreeSundays)
			f.Year, f.FreeSundays, f.SundaysInYear, f.SundaysWorked = year, free, inYear, worked
			c.add(f)
		}
	}
}

// sundaysIn returns the number of Sundays in year (52 or 53).
func sundaysIn(year int) int {
	first := civil.D(year, time.January, 1)
	toSunday := (7 - int(first.Weekday())) % 7
	days := first.DaysUntil(civil.D(year+1, time.January, 1))
	return (days - toSunday + 6) / 7
}

// grid is the sequence of reference periods: consecutive periods of one
// type, one of which starts at anchor.
type grid struct {
	typ    string
	anchor civil.Date
}

// defaultGrid is used without a configured reference period: the
// half-years January–June and July–December.
var defaultGrid = grid{Period6CalendarMonths, civil.Date{Year: 2000, Month: time.January, Day: 1}}

// period returns the reference period that contains d.
func (g grid) period(d civil.Date) (start, endExclusive civil.Date) {
	if g.typ == Period24Weeks {
		const days = weeksPerPeriod * 7
		k := floorDiv(g.anchor.DaysUntil(d), days)
		start = g.anchor.AddDays(k * days)
		return start, start.AddDays(days)
	}
	month := func(d civil.Date) int { return d.Year*12 + int(d.Month) - 1 }
	first := func(m int) civil.Date {
		return civil.Date{Year: floorDiv(m, 12), Month: time.Month(m-12*floorDiv(m, 12)) + 1, Day: 1}
	}
	m := month(g.anchor) + monthsPerPeriod*floorDiv(month(d)-month(g.anchor), monthsPerPeriod)
	return first(m), first(m + monthsPerPeriod)
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// checkAverage applies § 3 S. 2: in every reference period that holds a
// shift, the working minutes of the shifts dated in it, divided by its
// Werktage, must not exceed 480. Days without data count as days without
// work, so the average is a lower bound: a violation is certain.
func (c *checker) checkAverage(work []Shift) {
	g := c.grid
	type period struct {
		start, end civil.Date
		total      int
	}
	var periods []period
	for _, w := range work {
		// Shifts come in date order, so the period is nearly always the
		// last one; a zone whose clocks go back across midnight can break
		// that order.
		i := len(periods) - 1
		if i < 0 || w.Date.Before(periods[i].start) || !w.Date.Before(periods[i].end) {
			start, end := g.period(w.Date)
			i = slices.IndexFunc(periods, func(p period) bool { return p.start == start })
			if i < 0 {
				periods = append(periods, period{start: start, end: end})
				i = len(periods) - 1
			}
		}
		periods[i].total += w.WorkingMinutes
	}
	for _, p := range periods {
		start, end, total := p.start, p.end, p.total
		werktage := 0
		for d := start; d.Before(end); d = d.AddDays(1) {
			if c.isWerktag(d) {
				werktage++
			}
		}
		if total > dailyRegularMinutes*werktage {
			f := newFinding(AverageExceeded)
			f.PeriodStart, f.PeriodEndExclusive = start, end
			f.AverageMinutesPerWerktag = round2(float64(total) / float64(werktage))
			f.WorkingMinutes, f.Werktage = total, werktage
			c.add(f)
		}
	}
}
