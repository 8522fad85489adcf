package worktime_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
)

func days(m ...int) [7]int {
	var out [7]int
	copy(out[:], m)
	return out
}

func TestCreateWorkModelValidation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		hr := f.user(t, "hr", 0, actor.RoleHR)
		tests := []struct {
			name    string
			in      worktime.NewWorkModel
			field   string // "" means valid
			fieldCd string
		}{
			{"full time", worktime.NewWorkModel{Name: "Vollzeit 39 h (TVöD)", Minutes: days(468, 468, 468, 468, 468)}, "", ""},
			{"name of 100 runes", worktime.NewWorkModel{Name: strings.Repeat("ä", 100), Minutes: days(1)}, "", ""},
			{"one minute a week", worktime.NewWorkModel{Name: "Minimum", Minutes: days(0, 0, 0, 0, 0, 0, 1)}, "", ""},
			{"720 on a day", worktime.NewWorkModel{Name: "Lange Tage", Minutes: days(720, 720, 720, 720, 720)}, "", ""},
			{"3600 a week", worktime.NewWorkModel{Name: "60 h", Minutes: days(720, 720, 720, 720, 720, 0, 0)}, "", ""},
			{"empty name", worktime.NewWorkModel{Name: "  ", Minutes: days(468)}, "name", "invalid_work_model_name"},
			{"name of 101 runes", worktime.NewWorkModel{Name: strings.Repeat("ä", 101), Minutes: days(468)}, "name", "invalid_work_model_name"},
			{"721 on a day", worktime.NewWorkModel{Name: "Zu lang", Minutes: days(0, 0, 721)}, "minutes_wed", "invalid_day_minutes"},
			{"negative", worktime.NewWorkModel{Name: "Negativ", Minutes: days(468, 0, 0, 0, 0, 0, -1)}, "minutes_sun", "invalid_day_minutes"},
			{"zero week", worktime.NewWorkModel{Name: "Null"}, "minutes", "invalid_weekly_minutes"},
			{"3601 a week", worktime.NewWorkModel{Name: "Zu viel", Minutes: days(720, 720, 720, 720, 720, 1)}, "minutes", "invalid_weekly_minutes"},
		}
		for _, tt := range tests {
			m, err := f.svc.CreateWorkModel(ctx, hr, tt.in)
			if tt.field == "" {
				if err != nil {
					t.Errorf("%s: CreateWorkModel(%+v) error %v; want success", tt.name, tt.in, err)
					continue
				}
				sum := 0
				for _, v := range tt.in.Minutes {
					sum += v
				}
				if m.ID == 0 || m.Minutes != tt.in.Minutes || m.WeeklyMinutes() != sum {
					t.Errorf("%s: CreateWorkModel = %+v; want minutes %v, weekly %d", tt.name, m, tt.in.Minutes, sum)
				}
				continue
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != "invalid_work_model" || e.Kind != apperr.Invalid || e.Fields[tt.field] != tt.fieldCd {
				t.Errorf("%s: CreateWorkModel(%+v) = %v; want invalid_work_model with %s=%s", tt.name, tt.in, err, tt.field, tt.fieldCd)
			}
		}
		_, err := f.svc.CreateWorkModel(ctx, hr, worktime.NewWorkModel{Name: " Vollzeit 39 h (TVöD) ", Minutes: days(480)})
		wantCode(t, "duplicate name", err, "work_model_name_taken")
		if apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("duplicate name: kind %v; want Conflict", apperr.KindOf(err))
		}
	})
}

func TestWorkModelPermissions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		lead := f.user(t, "lead", 0, actor.RoleLead, actor.RoleEmployee)
		emp := f.user(t, "emp", lead.UserID, actor.RoleEmployee)
		peer := f.user(t, "peer", lead.UserID, actor.RoleEmployee)
		otherLead := f.user(t, "otherlead", 0, actor.RoleLead)
		hr := f.user(t, "hr", 0, actor.RoleHR)
		admin := f.user(t, "admin", 0, actor.RoleAdmin)
		auditor := f.user(t, "auditor", 0, actor.RoleAuditor)
		anon := actor.Anonymous("192.0.2.9")
		hrRead := hr
		hrRead.Via, hrRead.SessionID, hrRead.TokenScope = actor.ViaToken, 0, "read"

		create := func(a actor.Actor, name string) error {
			_, err := f.svc.CreateWorkModel(ctx, a, worktime.NewWorkModel{Name: name, Minutes: days(468, 468, 468, 468, 468)})
			return err
		}
		for _, tt := range []struct {
			name string
			a    actor.Actor
			code string // "" means allowed
		}{
			{"hr", hr, ""},
			{"admin", admin, ""},
			{"cli", actor.CLI(), ""},
			{"employee", emp, "not_found"},
			{"lead", lead, "not_found"},
			{"auditor", auditor, "not_found"},
			{"anonymous", anon, "not_found"},
			{"hr with a read token", hrRead, "token_scope"},
		} {
			err := create(tt.a, "Modell "+tt.name)
			if tt.code == "" && err != nil {
				t.Errorf("%s: CreateWorkModel error %v; want success", tt.name, err)
			} else if tt.code != "" && !apperr.Is(err, tt.code) {
				t.Errorf("%s: CreateWorkModel error %v; want %s", tt.name, err, tt.code)
			}
		}
		models, err := f.svc.ListWorkModels(ctx, emp)
		if err != nil || len(models) != 3 {
			t.Fatalf("ListWorkModels by an employee = %d models, %v; want 3", len(models), err)
		}
		if _, err := f.svc.ListWorkModels(ctx, anon); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("ListWorkModels anonymous: %v; want NotFound", err)
		}
		if got, err := f.svc.GetWorkModel(ctx, emp, models[0].ID); err != nil || got.ID != models[0].ID {
			t.Errorf("GetWorkModel(%d) = %+v, %v; want the model", models[0].ID, got, err)
		}
		if _, err := f.svc.GetWorkModel(ctx, emp, 999999); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("GetWorkModel(unknown): %v; want NotFound", err)
		}

		from := civil.D(2026, 1, 1)
		for _, tt := range []struct {
			name string
			a    actor.Actor
			code string
		}{
			{"employee for themselves", emp, "not_found"},
			{"lead", lead, "not_found"},
			{"auditor", auditor, "not_found"},
			{"hr with a read token", hrRead, "token_scope"},
			{"hr", hr, ""},
		} {
			_, err := f.svc.AssignWorkModel(ctx, tt.a, emp.UserID, models[0].ID, from)
			if tt.code == "" && err != nil {
				t.Errorf("%s: AssignWorkModel error %v; want success", tt.name, err)
			} else if tt.code != "" && !apperr.Is(err, tt.code) {
				t.Errorf("%s: AssignWorkModel error %v; want %s", tt.name, err, tt.code)
			}
		}
		_, err = f.svc.AssignWorkModel(ctx, admin, 999999, models[0].ID, from)
		if apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("AssignWorkModel to an unknown user: %v; want NotFound", err)
		}
		_, err = f.svc.AssignWorkModel(ctx, admin, emp.UserID, 999999, from.AddDays(1))
		wantCode(t, "AssignWorkModel of an unknown model", err, "unknown_work_model")
		_, err = f.svc.AssignWorkModel(ctx, admin, emp.UserID, models[0].ID, civil.Date{})
		wantCode(t, "AssignWorkModel without a date", err, "invalid_valid_from")

		for _, tt := range []struct {
			name string
			a    actor.Actor
			see  bool
		}{
			{"own", emp, true},
			{"lead of the user", lead, true},
			{"hr", hr, true},
			{"admin", admin, true},
			{"colleague", peer, false},
			{"lead of others", otherLead, false},
			{"auditor", auditor, false},
			{"anonymous", anon, false},
		} {
			list, err := f.svc.ListWorkModelAssignments(ctx, tt.a, emp.UserID)
			if tt.see && (err != nil || len(list) != 1 || list[0].ValidFrom != from || list[0].Model.ID != models[0].ID) {
				t.Errorf("%s: ListWorkModelAssignments = %+v, %v; want the one assignment from %s", tt.name, list, err, from)
			}
			if !tt.see && apperr.KindOf(err) != apperr.NotFound {
				t.Errorf("%s: ListWorkModelAssignments = %+v, %v; want NotFound", tt.name, list, err)
			}
		}
		if _, err := f.svc.ListWorkModelAssignments(ctx, admin, 999999); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("ListWorkModelAssignments(unknown user): %v; want NotFound", err)
		}
		if users, err := f.svc.AssignableUsers(ctx, hr); err != nil || len(users) != 7 {
			t.Errorf("AssignableUsers by hr = %d users, %v; want 7", len(users), err)
		}
		if _, err := f.svc.AssignableUsers(ctx, emp); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("AssignableUsers by an employee: %v; want NotFound", err)
		}
	})
}

func TestTargetMinutesHistory(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		hr := f.user(t, "hr", 0, actor.RoleHR)
		emp := f.user(t, "emp", 0, actor.RoleEmployee)
		full, err := f.svc.CreateWorkModel(ctx, hr, worktime.NewWorkModel{Name: "Vollzeit 39 h (TVöD)", Minutes: days(468, 468, 468, 468, 468)})
		if err != nil {
			t.Fatal(err)
		}
		four, err := f.svc.CreateWorkModel(ctx, hr, worktime.NewWorkModel{Name: "Teilzeit 4 Tage", Minutes: days(480, 480, 480, 480, 0)})
		if err != nil {
			t.Fatal(err)
		}
		// Assigned in reverse order: the history is by valid_from, not by
		// the order of recording.
		if _, err := f.svc.AssignWorkModel(ctx, hr, emp.UserID, four.ID, civil.D(2026, 7, 1)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AssignWorkModel(ctx, hr, emp.UserID, full.ID, civil.D(2026, 1, 1)); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.AssignWorkModel(ctx, hr, emp.UserID, four.ID, civil.D(2026, 1, 1))
		wantCode(t, "second assignment on the same day", err, "work_model_date_taken")
		if apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("same day: kind %v; want Conflict", apperr.KindOf(err))
		}

		got, err := f.svc.TargetMinutes(ctx, emp.UserID, "NW", civil.D(2025, 12, 30), civil.D(2026, 12, 31))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 367 {
			t.Errorf("TargetMinutes returned %d days; want 367", len(got))
		}
		for _, tt := range []struct {
			day  civil.Date
			want int
			why  string
		}{
			{civil.D(2025, 12, 31), 0, "Wednesday before the first assignment"},
			{civil.D(2026, 1, 1), 0, "New Year, statewide holiday"},
			{civil.D(2026, 1, 2), 468, "Friday, full time"},
			{civil.D(2026, 1, 3), 0, "Saturday"},
			{civil.D(2026, 3, 29), 0, "Sunday of the DST change"},
			{civil.D(2026, 3, 30), 468, "Monday after the DST change"},
			{civil.D(2026, 6, 26), 468, "Friday, full time"},
			{civil.D(2026, 6, 30), 468, "Tuesday, last day of full time"},
			{civil.D(2026, 7, 1), 480, "Wednesday, first day of four days"},
			{civil.D(2026, 7, 3), 0, "Friday, free in the four-day model"},
			{civil.D(2026, 8, 15), 0, "Saturday"},
			{civil.D(2026, 10, 3), 0, "Tag der Deutschen Einheit (a Saturday anyway)"},
			{civil.D(2026, 10, 26), 480, "Monday after the DST change"},
			{civil.D(2026, 12, 24), 480, "Christmas Eve is no statutory holiday"},
			{civil.D(2026, 12, 25), 0, "Christmas Day, Friday, statewide holiday"},
			{civil.D(2026, 12, 28), 480, "Monday"},
		} {
			if got[tt.day] != tt.want {
				t.Errorf("TargetMinutes NW %s (%s) = %d; want %d", tt.day, tt.why, got[tt.day], tt.want)
			}
		}
		// Corpus Christi (Thursday 2026-06-04) is statewide in NW but does
		// not exist in Berlin; Mariä Himmelfahrt is regional in Bavaria and
		// does not reduce the target (2026-08-15 is a Saturday, so use 2025).
		for _, tt := range []struct {
			state string
			day   civil.Date
			want  int
		}{
			{"NW", civil.D(2026, 6, 4), 0},
			{"BE", civil.D(2026, 6, 4), 468},
			{"BY", civil.D(2026, 6, 4), 0},
		} {
			m, err := f.svc.TargetMinutes(ctx, emp.UserID, tt.state, tt.day, tt.day)
			if err != nil || m[tt.day] != tt.want || len(m) != 1 {
				t.Errorf("TargetMinutes %s %s = %v, %v; want %d", tt.state, tt.day, m, err, tt.want)
			}
		}
		by := f.user(t, "sepp", 0)
		if _, err := f.svc.AssignWorkModel(ctx, hr, by.UserID, full.ID, civil.D(2025, 1, 1)); err != nil {
			t.Fatal(err)
		}
		if m, err := f.svc.TargetMinutes(ctx, by.UserID, "BY", civil.D(2025, 8, 15), civil.D(2025, 8, 15)); err != nil || m[civil.D(2025, 8, 15)] != 468 {
			t.Errorf("TargetMinutes BY on Mariä Himmelfahrt 2025 (regional, a Friday) = %v, %v; want 468", m, err)
		}

		_, err = f.svc.TargetMinutes(ctx, emp.UserID, "XX", civil.D(2026, 1, 1), civil.D(2026, 1, 1))
		wantCode(t, "TargetMinutes with an unknown state", err, "unknown_state")
		_, err = f.svc.TargetMinutes(ctx, emp.UserID, "NW", civil.D(2026, 1, 2), civil.D(2026, 1, 1))
		wantCode(t, "TargetMinutes with to before from", err, "invalid_range")
		if _, err := f.svc.TargetMinutes(ctx, 999999, "NW", civil.D(2026, 1, 1), civil.D(2026, 1, 1)); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("TargetMinutes of an unknown user: %v; want NotFound", err)
		}
		none := f.user(t, "none", 0)
		if m, err := f.svc.TargetMinutes(ctx, none.UserID, "NW", civil.D(2026, 1, 5), civil.D(2026, 1, 11)); err != nil || len(m) != 7 || m[civil.D(2026, 1, 5)] != 0 {
			t.Errorf("TargetMinutes without any assignment = %v, %v; want 7 days of 0", m, err)
		}

		list, err := f.svc.ListWorkModelAssignments(ctx, emp, emp.UserID)
		if err != nil || len(list) != 2 || list[0].Model.ID != full.ID || list[1].Model.ID != four.ID {
			t.Errorf("ListWorkModelAssignments = %+v, %v; want full time, then four days", list, err)
		}
	})
}

func TestWorkModelsAreImmutableAndAudited(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		hr := f.user(t, "hr", 0, actor.RoleHR)
		emp := f.user(t, "emp", 0)
		m, err := f.svc.CreateWorkModel(ctx, hr, worktime.NewWorkModel{Name: "Teilzeit 50 %", Minutes: days(234, 234, 234, 234, 234)})
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		as, err := f.svc.AssignWorkModel(ctx, hr, emp.UserID, m.ID, civil.D(2026, 4, 1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AssignWorkModel(ctx, hr, emp.UserID, m.ID, civil.D(2026, 4, 1)); err == nil {
			t.Fatal("second assignment on the same day succeeded")
		}
		for _, stmt := range []string{
			"UPDATE work_models SET mon_minutes = 480",
			"DELETE FROM work_models",
			"UPDATE user_work_models SET valid_from = '2026-01-01'",
			"DELETE FROM user_work_models",
		} {
			err := d.InTx(ctx, func(tx *db.Tx) error {
				_, err := tx.ExecContext(ctx, stmt)
				return err
			})
			if err == nil {
				t.Errorf("%q succeeded; want the database to refuse it", stmt)
			}
		}
		rows, err := db.Query(ctx, d, func(s db.Scanner) ([4]string, error) {
			var r [4]string
			err := s.Scan(&r[0], &r[1], &r[2], &r[3])
			return r, err
		}, "SELECT action, object_type, object_id, actor FROM audit_log ORDER BY seq")
		if err != nil {
			t.Fatal(err)
		}
		want := [][4]string{
			{"work_model.create", "work_model", strconv.FormatInt(m.ID, 10), "hr"},
			{"work_model.assign", "user_work_model", strconv.FormatInt(as.ID, 10), "hr"},
		}
		if len(rows) != len(want) {
			t.Fatalf("audit records = %v; want %v", rows, want)
		}
		for i := range want {
			if rows[i] != want[i] {
				t.Errorf("audit record %d = %v; want %v", i, rows[i], want[i])
			}
		}
		if res, err := audit.Verify(ctx, d); err != nil || !res.OK || res.Checked != 2 {
			t.Errorf("audit.Verify = %+v, %v; want OK with 2 records", res, err)
		}
	})
}
