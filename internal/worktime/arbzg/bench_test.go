package arbzg

import (
	"testing"
	"time"

	"ortlos/internal/civil"
)

// yearOfWork is one person's 2026 in Berlin: every Monday to Friday that is
// no holiday (about 230 days after 20 days of leave), clocked in the
// morning, at lunch and in the afternoon with a short interruption, and a
// longer day every other Thursday; plus a Saturday per month.
func yearOfWork() Input {
	var ivs []Interval
	leave := 0
	for d := civil.D(2026, 1, 1); d.Year == 2026; d = d.AddDays(1) {
		wd := d.Weekday()
		if _, _, hol := testCalendar.Holiday("BE", d); hol || wd == time.Sunday {
			continue
		}
		if wd == time.Saturday {
			if d.Day <= 7 {
				ivs = append(ivs, day(d.String(), "09:00-13:00")...)
			}
			continue
		}
		if d.Day%13 == 0 && leave < 20 {
			leave++
			continue
		}
		end := "16:15"
		if wd == time.Thursday && d.DaysUntil(civil.D(2026, 1, 1))%14 == 0 {
			end = "18:45"
		}
		ivs = append(ivs, day(d.String(), "07:45-10:00", "10:08-12:00", "12:30-"+end)...)
	}
	return Input{State: "BE", Location: berlin, ReferencePeriod: &ReferencePeriod{Type: Period24Weeks, Start: civil.D(2026, 1, 5)}, Intervals: ivs}
}

// BenchmarkCheckYear measures the check of a year of one person's entries
// (the target in issue 3: under 1 ms).
func BenchmarkCheckYear(b *testing.B) {
	in := yearOfWork()
	res, err := Check(in, testCalendar)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Check(in, testCalendar); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(in.Intervals)), "intervals")
	b.ReportMetric(float64(len(res.Shifts)), "shifts")
	b.ReportMetric(float64(len(res.Findings)), "findings")
}
