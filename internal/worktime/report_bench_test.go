package worktime_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
)

// BenchmarkComplianceReport measures the compliance report of one org unit
// with 1,000 employees over March 2026 on SQLite (the target: under
// 1 s). Every employee works each weekday in two intervals around a lunch
// break; every tenth takes only a ten-minute break (§ 4 violations), every
// seventh works late on Fridays (§ 3 findings) and every twentieth works
// on the first Sunday (§ 9). Run with
//
//	go test -run '^$' -bench ComplianceReport ./internal/worktime/
func BenchmarkComplianceReport(b *testing.B) {
	const employees = 1000
	ctx := context.Background()
	svc, hr, unit, entries := seedReportBench(b, employees, civil.D(2026, 3, 1), civil.D(2026, 3, 31), time.Date(2026, 4, 15, 9, 0, 0, 0, time.UTC))
	var findings int
	for b.Loop() {
		r, err := svc.ComplianceReport(ctx, hr, unit, true, 2026, time.March)
		if err != nil {
			b.Fatal(err)
		}
		if len(r.People) != employees {
			b.Fatalf("%d people; want %d", len(r.People), employees)
		}
		findings = r.Counts.Total()
	}
	b.ReportMetric(float64(entries), "entries")
	b.ReportMetric(float64(findings), "findings")
}

// seedReportBench creates an org unit with employees people on SQLite and
// their entries from first to last (see BenchmarkComplianceReport), and
// returns the service, an HR actor, the unit and the number of entries.
func seedReportBench(b *testing.B, employees int, first, last civil.Date, now time.Time) (*worktime.Service, actor.Actor, int64, int) {
	b.Helper()
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Fatal(err)
	}
	c := clock.NewFake(now)
	svc := worktime.NewService(d, c).WithLocation(berlin)
	hr := actor.Actor{UserID: 1, Username: "hr", Roles: []string{actor.RoleHR}, Via: actor.ViaSession, SessionID: 1}
	var unit int64
	entries := 0
	err = d.InTx(ctx, func(tx *db.Tx) error {
		now := db.T(c.Now())
		if err := tx.QueryRowContext(ctx, "INSERT INTO org_units (name, created_at, updated_at) VALUES ('Bürgeramt', ?, ?) RETURNING id", now, now).Scan(&unit); err != nil {
			return err
		}
		var model int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO work_models (name, mon_minutes, tue_minutes, wed_minutes, thu_minutes, fri_minutes, sat_minutes, sun_minutes, created_at)
			VALUES ('Vollzeit', 468, 468, 468, 468, 468, 0, 0, ?) RETURNING id`, now).Scan(&model); err != nil {
			return err
		}
		for u := range employees {
			var id int64
			if err := tx.QueryRowContext(ctx, "INSERT INTO users (username, display_name, org_unit_id, state, created_at, updated_at) VALUES (?, ?, ?, 'NW', ?, ?) RETURNING id",
				fmt.Sprintf("user%04d", u), fmt.Sprintf("Person %04d", u), unit, now, now).Scan(&id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO user_work_models (user_id, work_model_id, valid_from, created_at) VALUES (?, ?, '2026-01-01', ?)", id, model, now); err != nil {
				return err
			}
			add := func(from, to time.Time) error {
				var e int64
				if err := tx.QueryRowContext(ctx, "INSERT INTO time_entries (user_id, created_at) VALUES (?, ?) RETURNING id", id, db.T(from)).Scan(&e); err != nil {
					return err
				}
				entries++
				_, err := tx.ExecContext(ctx, `INSERT INTO time_entry_revisions (entry_id, revision, start_at, end_at, location, source, created_at)
					VALUES (?, 1, ?, ?, 'office', 'clock', ?)`, e, db.T(from), db.T(to), db.T(to))
				return err
			}
			for date := first; !date.After(last); date = date.AddDays(1) {
				wd, day := date.Weekday(), date.Day
				at := func(h, m int) time.Time {
					return date.Start(berlin).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
				}
				if wd == time.Sunday && day <= 7 && u%20 == 0 {
					if err := add(at(10, 0), at(14, 0)); err != nil {
						return err
					}
				}
				if wd == time.Saturday || wd == time.Sunday {
					continue
				}
				jitter := (u + day) % 30
				lunch := 30
				if u%10 == 0 {
					lunch = 10
				}
				end := at(15, 30+jitter)
				if u%7 == 0 && wd == time.Friday {
					end = at(19, jitter)
				}
				if err := add(at(7, 30+jitter), at(12, 0)); err != nil {
					return err
				}
				if err := add(at(12, lunch), end); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return svc, hr, unit, entries
}

// BenchmarkComplianceYearReport measures the yearly check (§ 3 average,
// § 11) of 1,000 employees with the data of BenchmarkComplianceReport over
// a whole year and the lookback before it. Run with
//
//	go test -run '^$' -bench ComplianceYearReport -benchtime 3x ./internal/worktime/
func BenchmarkComplianceYearReport(b *testing.B) {
	const employees = 1000
	ctx := context.Background()
	svc, hr, unit, entries := seedReportBench(b, employees, civil.D(2024, 7, 1), civil.D(2025, 12, 31), time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC))
	for b.Loop() {
		r, err := svc.ComplianceYearReport(ctx, hr, unit, true, 2025)
		if err != nil {
			b.Fatal(err)
		}
		if len(r.People) != employees {
			b.Fatalf("%d people; want %d", len(r.People), employees)
		}
	}
	b.ReportMetric(float64(entries), "entries")
}
