package worktime

import (
	"testing"
	"time"
)

func TestPolicyCap(t *testing.T) {
	t.Parallel()
	p := Policy{FlexitimeMaxPlusMinutes: 2400, FlexitimeYearCarryoverMinutes: 600}
	for _, tt := range []struct {
		month                 time.Month
		account, forfeit, got int
	}{
		{time.March, 2000, 0, 2000},
		{time.March, 2500, 100, 2400},
		{time.March, -5000, 0, -5000},
		{time.December, 2000, 1400, 600},
		{time.December, 500, 0, 500},
	} {
		f, k := p.cap(YearMonth{2026, tt.month}, tt.account)
		if f != tt.forfeit || k != tt.got {
			t.Errorf("cap(%s, %d) = %d, %d; want %d, %d", tt.month, tt.account, f, k, tt.forfeit, tt.got)
		}
	}
}
