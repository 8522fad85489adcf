package worktime_test

import (
	"context"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// start is a Monday morning in Berlin (CET, UTC+1).
var start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC).Add(-time.Hour)

type fixture struct {
	d     *db.DB
	clock *clock.Fake
	svc   *worktime.Service
}

func newFixture(t *testing.T, d *db.DB) fixture {
	t.Helper()
	c := clock.NewFake(start)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return fixture{d: d, clock: c, svc: worktime.NewService(d, c).WithLocation(berlin)}
}

// user inserts a user with the given roles and supervisor (0: none) and
// returns the actor of a full session of that user.
func (f fixture) user(t *testing.T, name string, supervisor int64, roles ...string) actor.Actor {
	t.Helper()
	ctx := context.Background()
	var sup any
	if supervisor != 0 {
		sup = supervisor
	}
	var id int64
	err := f.d.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, "INSERT INTO users (username, display_name, supervisor_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			name, name, sup, db.T(start), db.T(start)).Scan(&id); err != nil {
			return err
		}
		for _, r := range roles {
			if _, err := tx.ExecContext(ctx, "INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)", id, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	return actor.Actor{UserID: id, Username: name, Roles: roles, Via: actor.ViaSession, SessionID: 1, SourceIP: "192.0.2.1"}
}
