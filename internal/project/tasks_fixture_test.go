package project_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/notify"
	"ortlos/internal/project"
)

// The tasks part's fixture: projects, members, columns, labels and
// milestones are inserted with SQL so that the task tests do not depend on
// the project service.

// tfStart is Monday 2 March 2026, 08:00 in Berlin.
var tfStart = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

// tfNotes records the notifications the service adds (like notify.Service
// it drops notes to the actor).
type tfNotes struct {
	mu    sync.Mutex
	notes []notify.Note
}

func (n *tfNotes) Add(_ context.Context, _ *db.Tx, _ time.Time, a actor.Actor, notes ...notify.Note) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, x := range notes {
		if x.UserID != a.UserID {
			n.notes = append(n.notes, x)
		}
	}
	return nil
}

// take returns and forgets the recorded notes.
func (n *tfNotes) take() []notify.Note {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.notes
	n.notes = nil
	return out
}

// tfFixture is one project "Bauantrag" with three columns (open, in
// progress with WIP limit 2, done), two labels and a milestone; mgr is its
// manager, mem and mem2 members, view a viewer. out has no role (reads the
// project because it is not confidential); admin is an administrator.
type tfFixture struct {
	d                         *db.DB
	clock                     *clock.Fake
	svc                       *project.Service
	notes                     *tfNotes
	mgr, mem, mem2, view, out actor.Actor
	project                   int64
	open, doing, done         int64 // column ids
	labelUrgent, labelLegal   int64
	milestone                 int64
	secret, secretCol         int64 // a confidential project of mgr only
	otherProject, otherCol    int64 // a second project mem is member of
	adminUser                 actor.Actor
}

func newTaskFixture(t testing.TB, d *db.DB) *tfFixture {
	t.Helper()
	c := clock.NewFake(tfStart)
	notes := &tfNotes{}
	f := &tfFixture{d: d, clock: c, notes: notes, svc: project.NewService(d, c).WithNotifier(notes)}
	f.mgr = tfUser(t, d, "maria.manager", actor.RoleEmployee)
	f.mem = tfUser(t, d, "max.mitglied", actor.RoleEmployee)
	f.mem2 = tfUser(t, d, "mia.mitglied", actor.RoleEmployee)
	f.view = tfUser(t, d, "vera.viewer", actor.RoleEmployee)
	f.out = tfUser(t, d, "otto.aussen", actor.RoleEmployee)
	f.adminUser = tfUser(t, d, "anna.admin", actor.RoleAdmin)
	f.project = tfProject(t, d, "Bauantrag", false)
	f.open = tfColumn(t, d, f.project, "Offen", "open", 1, 0)
	f.doing = tfColumn(t, d, f.project, "In Arbeit", "in_progress", 2, 2)
	f.done = tfColumn(t, d, f.project, "Erledigt", "done", 3, 0)
	tfMember(t, d, f.project, f.mgr, "manager")
	tfMember(t, d, f.project, f.mem, "member")
	tfMember(t, d, f.project, f.mem2, "member")
	tfMember(t, d, f.project, f.view, "viewer")
	f.labelUrgent = tfExec(t, d, `INSERT INTO project_labels (project_id, name, color) VALUES (?, ?, ?) RETURNING id`, f.project, "Eilt", "#aa0000")
	f.labelLegal = tfExec(t, d, `INSERT INTO project_labels (project_id, name, color) VALUES (?, ?, ?) RETURNING id`, f.project, "Rechtsprüfung", "")
	f.milestone = tfExec(t, d, `INSERT INTO milestones (project_id, title, due_date, created_at) VALUES (?, ?, ?, ?) RETURNING id`, f.project, "Genehmigung", "2026-06-30", db.T(tfStart))
	f.secret = tfProject(t, d, "Personalsache", true)
	f.secretCol = tfColumn(t, d, f.secret, "Offen", "open", 1, 0)
	tfMember(t, d, f.secret, f.mgr, "manager")
	f.otherProject = tfProject(t, d, "Digitalisierung", false)
	f.otherCol = tfColumn(t, d, f.otherProject, "Offen", "open", 1, 0)
	tfMember(t, d, f.otherProject, f.mem, "member")
	return f
}

func tfExec(t testing.TB, d *db.DB, query string, args ...any) int64 {
	t.Helper()
	var id int64
	err := d.InTx(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRowContext(context.Background(), query, args...).Scan(&id)
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

// tfUser inserts a user and returns the actor of a full session.
func tfUser(t testing.TB, d *db.DB, name string, roles ...string) actor.Actor {
	t.Helper()
	id := tfExec(t, d, `INSERT INTO users (username, display_name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
		name, name, db.T(tfStart), db.T(tfStart))
	for _, r := range roles {
		tfExec(t, d, `INSERT INTO user_roles (user_id, role_id) VALUES (?, ?) RETURNING user_id`, id, r)
	}
	return actor.Actor{UserID: id, Username: name, Roles: roles, Via: actor.ViaSession, SessionID: 1, SourceIP: "192.0.2.1"}
}

func tfProject(t testing.TB, d *db.DB, name string, confidential bool) int64 {
	t.Helper()
	return tfExec(t, d, `INSERT INTO projects (name, confidential, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
		name, confidential, db.T(tfStart), db.T(tfStart))
}

func tfColumn(t testing.TB, d *db.DB, projectID int64, name, category string, pos, wip int) int64 {
	t.Helper()
	var limit any
	if wip > 0 {
		limit = wip
	}
	return tfExec(t, d, `INSERT INTO project_statuses (project_id, name, category, wip_limit, position) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		projectID, name, category, limit, pos)
}

func tfMember(t testing.TB, d *db.DB, projectID int64, a actor.Actor, role string) {
	t.Helper()
	tfExec(t, d, `INSERT INTO project_members (project_id, user_id, role, added_at) VALUES (?, ?, ?, ?) RETURNING project_id`,
		projectID, a.UserID, role, db.T(tfStart))
}

// task creates a task as mem in the open column (or col) and fails the
// test on error.
func (f *tfFixture) task(t testing.TB, title string, col int64) project.Task {
	t.Helper()
	tk, _, err := f.svc.CreateTask(context.Background(), f.mem, f.project, project.NewTask{Title: title, StatusID: col})
	if err != nil {
		t.Fatalf("create task %q: %v", title, err)
	}
	return tk
}

// tfReadToken returns a as if it came with a read-only API token.
func tfReadToken(a actor.Actor) actor.Actor {
	a.Via, a.TokenScope, a.SessionID = actor.ViaToken, "read", 0
	return a
}

// tfWantCode fails unless err has kind and code.
func tfWantCode(t testing.TB, what string, err error, kind apperr.Kind, code string) {
	t.Helper()
	if apperr.KindOf(err) != kind || apperr.CodeOf(err) != code {
		t.Errorf("%s: err = %v (kind %v, code %q); want %v %q", what, err, apperr.KindOf(err), apperr.CodeOf(err), kind, code)
	}
}
