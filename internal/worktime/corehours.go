package worktime

import (
	"context"
)

// addDayWarnings adds the warnings outside the ArbZG (core hours) to the
// days of v; entries are the intervals Month loaded.
func (s *Service) addDayWarnings(ctx context.Context, userID int64, v *MonthView, entries []Entry) error {
	return nil
}
