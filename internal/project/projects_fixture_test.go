package project_test

import (
	"context"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/project"
)

// TestMain is the package's one TestMain (projects part); the tasks part
// shares it.
func TestMain(m *testing.M) { dbtest.Main(m) }

// pfStart is Monday 2 March 2026, 08:00 in Berlin.
var pfStart = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

// pfDay is a date two weeks later.
var pfDay = civil.D(2026, 3, 16)

// ProjectFixture holds a project service with a few people: admin (role
// admin only), alice and bob (employees), carol (employee), auditor.
type ProjectFixture struct {
	D                                 *db.DB
	Clock                             *clock.Fake
	Svc                               *project.Service
	Admin, Alice, Bob, Carol, Auditor actor.Actor
}

// newProjectFixture returns a fixture on d.
func newProjectFixture(t *testing.T, d *db.DB) ProjectFixture {
	t.Helper()
	c := clock.NewFake(pfStart)
	f := ProjectFixture{D: d, Clock: c, Svc: project.NewService(d, c)}
	f.Admin = pfUser(t, d, "admin", actor.RoleAdmin)
	f.Alice = pfUser(t, d, "alice", actor.RoleEmployee)
	f.Bob = pfUser(t, d, "bob", actor.RoleEmployee)
	f.Carol = pfUser(t, d, "carol", actor.RoleEmployee)
	f.Auditor = pfUser(t, d, "auditor", actor.RoleAuditor)
	return f
}

// pfUser inserts a user and returns the actor of a full session.
func pfUser(t *testing.T, d *db.DB, name string, roles ...string) actor.Actor {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRowContext(ctx, "INSERT INTO users (username, display_name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
			name, name, db.T(pfStart), db.T(pfStart)).Scan(&id); err != nil {
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

// pfReadToken returns a as if it came with a read-only API token.
func pfReadToken(a actor.Actor) actor.Actor {
	a.Via, a.TokenScope, a.SessionID = actor.ViaToken, "read", 0
	return a
}

// pfWantCode fails unless err has kind and code.
func pfWantCode(t *testing.T, what string, err error, kind apperr.Kind, code string) {
	t.Helper()
	if apperr.KindOf(err) != kind || apperr.CodeOf(err) != code {
		t.Errorf("%s: err = %v (kind %v, code %q); want %v %q", what, err, apperr.KindOf(err), apperr.CodeOf(err), kind, code)
	}
}

// pfAuditCount counts audit records of action.
func pfAuditCount(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = ?", action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func pfPtr[T any](v T) *T { return &v }
