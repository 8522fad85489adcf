package project_test

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
	"ortlos/internal/project"
	"ortlos/internal/worktime"
)

// BenchmarkWorkload: the heat map of an org unit of 100 people over 12
// weeks with 5,000 open tasks (1,000 more done), capacity from the real
// worktime service (work models, holidays, 200 approved absences), on
// SQLite. Run with
//
//	go test -run '^$' -bench Workload -benchtime 3s ./internal/project/
func BenchmarkWorkload(b *testing.B) {
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	c := clock.NewFake(tfStart)
	wt := worktime.NewService(d, c).WithPolicy(worktime.Policy{DefaultState: "NW"})
	svc := project.NewService(d, c).WithCapacity(wt)
	hr := tfUser(b, d, "hr", actor.RoleHR)
	const people, tasks, projects = 100, 5000, 20
	var unit int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		now := db.T(tfStart)
		if err := tx.QueryRowContext(ctx, "INSERT INTO org_units (name, created_at, updated_at) VALUES ('Bauamt', ?, ?) RETURNING id", now, now).Scan(&unit); err != nil {
			return err
		}
		var model int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO work_models (name, mon_minutes, tue_minutes, wed_minutes, thu_minutes, fri_minutes, sat_minutes, sun_minutes, created_at)
			VALUES ('Vollzeit', 468, 468, 468, 468, 468, 0, 0, ?) RETURNING id`, now).Scan(&model); err != nil {
			return err
		}
		users := make([]int64, people)
		for i := range people {
			if err := tx.QueryRowContext(ctx, "INSERT INTO users (username, display_name, org_unit_id, state, created_at, updated_at) VALUES (?, ?, ?, 'NW', ?, ?) RETURNING id",
				fmt.Sprintf("p%03d", i), fmt.Sprintf("Person %03d", i), unit, now, now).Scan(&users[i]); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO user_work_models (user_id, work_model_id, valid_from, created_at) VALUES (?, ?, '2026-01-01', ?)", users[i], model, now); err != nil {
				return err
			}
			for k := range 2 {
				start := civil.D(2026, 3, 9).AddDays(14*k + i%20)
				if _, err := tx.ExecContext(ctx, `INSERT INTO absences (user_id, type_id, start_date, end_date, day_length, status, created_at)
					VALUES (?, 'vacation', ?, ?, 'full', 'approved', ?)`, users[i], start.String(), start.AddDays(4).String(), now); err != nil {
					return err
				}
			}
		}
		type col struct{ open, done int64 }
		cols := make([]col, projects)
		pids := make([]int64, projects)
		for p := range projects {
			if err := tx.QueryRowContext(ctx, "INSERT INTO projects (name, confidential, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
				fmt.Sprintf("Projekt %d", p), p%5 == 0, now, now).Scan(&pids[p]); err != nil {
				return err
			}
			for _, x := range []struct {
				dst  *int64
				cat  string
				name string
			}{{&cols[p].open, "open", "Offen"}, {&cols[p].done, "done", "Erledigt"}} {
				if err := tx.QueryRowContext(ctx, "INSERT INTO project_statuses (project_id, name, category, position) VALUES (?, ?, ?, 1) RETURNING id",
					pids[p], x.name, x.cat).Scan(x.dst); err != nil {
					return err
				}
			}
		}
		for i := range tasks + tasks/5 {
			p := i % projects
			status := cols[p].open
			if i >= tasks {
				status = cols[p].done
			}
			var start, due any
			if i%10 != 0 {
				s := civil.D(2026, 3, 2).AddDays(i % 60)
				start, due = s.String(), s.AddDays(3+i%30).String()
			}
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO tasks (project_id, status_id, rank, title, start_date, due_date, estimate_minutes, remaining_minutes, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, pids[p], status, fmt.Sprintf("r%05d", i), fmt.Sprintf("Vorgang %d", i),
				start, due, 60+i%900, 60+i%900, now, now).Scan(&id); err != nil {
				return err
			}
			for k := range 1 + i%2 {
				if _, err := tx.ExecContext(ctx, "INSERT INTO task_assignees (task_id, user_id) VALUES (?, ?)", id, users[(i+k*37)%people]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("heatmap", func(b *testing.B) {
		for b.Loop() {
			w, err := svc.Workload(ctx, hr, project.WorkloadQuery{OrgUnitID: unit, Weeks: 12})
			if err != nil || len(w.People) != people || len(w.Weeks) != 12 {
				b.Fatalf("%d people, %v", len(w.People), err)
			}
		}
	})
	var someone int64
	if err := d.QueryRowContext(ctx, "SELECT id FROM users WHERE username = 'p007'").Scan(&someone); err != nil {
		b.Fatal(err)
	}
	b.Run("drilldown", func(b *testing.B) {
		week := project.WeekOf(civil.D(2026, 3, 16))
		for b.Loop() {
			if _, err := svc.WorkloadWeekDetail(ctx, hr, someone, week); err != nil {
				b.Fatal(err)
			}
		}
	})
	_ = time.Second
}
