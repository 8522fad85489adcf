package worktime

import (
	"context"
	"fmt"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/holiday"
	"ortlos/internal/worktime/arbzg"
)

// YearPerson is one person's result of the yearly compliance check.
type YearPerson struct {
	Person ReportPerson
	// Findings are those about spans longer than a day: the § 3 average
	// over the reference periods that end in the year, and the free
	// Sundays of the year (§ 11).
	Findings []arbzg.Finding
	Counts   SeverityCounts
}

// YearReport is the yearly compliance check of an org unit (or the whole
// organisation): the findings that the monthly report cannot show because
// no single day carries them.
type YearReport struct {
	OrgUnitID       int64
	OrgUnitName     string
	IncludeSubunits bool
	Year            int
	// ReferencePeriod is the policy's (zero: half-years from January).
	ReferencePeriod arbzg.ReferencePeriod
	People          []YearPerson
	Counts          SeverityCounts
}

// yearLookback covers the longest reference period (6 calendar months, at
// most 184 days) before the year, so that the periods ending in the year
// are checked over all their days.
const yearLookback = 190

// ComplianceYearReport checks the calendar year of the people a report
// selects (see ComplianceReport) for the § 3 average over the organisation's
// reference periods (ORTLOS_WORKTIME_REFERENCE_PERIOD) that end in the year
// and for § 11 (at least 15 work-free Sundays). A period or year that is
// still running counts the days to come as free, so it is only reported
// once it is certain to be exceeded or missed.
func (s *Service) ComplianceYearReport(ctx context.Context, a actor.Actor, orgUnitID int64, includeSubunits bool, year int) (YearReport, error) {
	sel, err := s.reportSelection(ctx, a, orgUnitID, includeSubunits)
	if err != nil {
		return YearReport{}, err
	}
	if year < holiday.MinYear+1 || year > holiday.MaxYear-1 {
		return YearReport{}, apperr.Invalidf("invalid_filter", "year must be %d to %d", holiday.MinYear+1, holiday.MaxYear-1).WithField("year", "invalid_filter")
	}
	out := YearReport{OrgUnitID: orgUnitID, OrgUnitName: sel.unitName, IncludeSubunits: includeSubunits, Year: year,
		ReferencePeriod: s.policy.ReferencePeriod, People: []YearPerson{}}
	people, err := s.reportPeople(ctx, sel.where, sel.args)
	if err != nil || len(people) == 0 {
		return out, err
	}
	first, next := civil.D(year, 1, 1), civil.D(year+1, 1, 1)
	byUser, err := s.reportEntries(ctx, "SELECT u.id FROM users u WHERE "+sel.where, sel.args,
		first.AddDays(-yearLookback).Start(s.loc), next.AddDays(1).Start(s.loc))
	if err != nil {
		return YearReport{}, err
	}
	now := s.clock.Now()
	for _, p := range people {
		in, _ := engineInput(byUser[p.ID], p.State, s.loc, now)
		if rp := s.policy.ReferencePeriod; rp.Type != "" {
			in.ReferencePeriod = &rp
		}
		res, err := arbzg.Check(in, holiday.Calendar{})
		if err != nil {
			return YearReport{}, fmt.Errorf("worktime: year check of user %d: %w", p.ID, err)
		}
		yp := YearPerson{Person: p, Findings: []arbzg.Finding{}}
		for _, f := range res.Findings {
			switch {
			case f.Code == arbzg.AverageExceeded && first.Before(f.PeriodEndExclusive) && !next.Before(f.PeriodEndExclusive):
			case f.Code == arbzg.TooFewFreeSundays && f.Year == year:
			default:
				continue
			}
			yp.Findings = append(yp.Findings, f)
			yp.Counts.add(f.Severity)
			out.Counts.add(f.Severity)
		}
		out.People = append(out.People, yp)
	}
	return out, nil
}
