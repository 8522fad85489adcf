package project_test

import (
	"context"
	"testing"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/project"
)

// TestTaskPermissions walks the rights of docs/tasks.md: viewers read,
// members create, edit, move and comment, managers also delete; tasks of a
// project the actor does not see answer 404; read-only tokens never write.
func TestTaskPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		tk := f.task(t, "Bescheid entwerfen", 0)
		secret, _, err := f.svc.CreateTask(ctx, f.mgr, f.secret, project.NewTask{Title: "Geheim"})
		if err != nil {
			t.Fatal(err)
		}
		// Reading.
		for name, a := range map[string]actor.Actor{"viewer": f.view, "outsider": f.out, "member": f.mem, "admin": f.adminUser, "read token": tfReadToken(f.view)} {
			if _, err := f.svc.GetTask(ctx, a, tk.ID); err != nil {
				t.Errorf("%s reads a task of an open project: %v", name, err)
			}
			if _, err := f.svc.ListProjectTasks(ctx, a, f.project, project.TaskFilter{}); err != nil {
				t.Errorf("%s lists the tasks of an open project: %v", name, err)
			}
		}
		for name, a := range map[string]actor.Actor{"member elsewhere": f.mem, "admin": f.adminUser, "anonymous": actor.Anonymous("192.0.2.9")} {
			_, err := f.svc.GetTask(ctx, a, secret.ID)
			tfWantCode(t, name+" reads a confidential task", err, apperr.NotFound, "not_found")
			_, err = f.svc.ListProjectTasks(ctx, a, f.secret, project.TaskFilter{})
			tfWantCode(t, name+" lists a confidential project", err, apperr.NotFound, "not_found")
			_, _, err = f.svc.MoveTask(ctx, a, secret.ID, project.TaskMove{StatusID: f.secretCol, Version: 1})
			tfWantCode(t, name+" moves a confidential task", err, apperr.NotFound, "not_found")
			_, err = f.svc.AddTaskComment(ctx, a, secret.ID, "hallo")
			tfWantCode(t, name+" comments a confidential task", err, apperr.NotFound, "not_found")
			tfWantCode(t, name+" watches a confidential task", f.svc.WatchTask(ctx, a, secret.ID), apperr.NotFound, "not_found")
		}
		_, err = f.svc.GetTask(ctx, f.mem, 999999)
		tfWantCode(t, "missing task", err, apperr.NotFound, "not_found")

		// Writing.
		for name, a := range map[string]actor.Actor{"viewer": f.view, "outsider": f.out} {
			_, _, err := f.svc.CreateTask(ctx, a, f.project, project.NewTask{Title: "x"})
			tfWantCode(t, name+" creates", err, apperr.Forbidden, "project_role_required")
			_, err = f.svc.UpdateTask(ctx, a, tk.ID, project.TaskUpdate{Version: tk.Version, Title: tfPtr("y")})
			tfWantCode(t, name+" edits", err, apperr.Forbidden, "project_role_required")
			_, _, err = f.svc.MoveTask(ctx, a, tk.ID, project.TaskMove{StatusID: f.doing, Version: tk.Version})
			tfWantCode(t, name+" moves", err, apperr.Forbidden, "project_role_required")
			_, err = f.svc.AddChecklistItem(ctx, a, tk.ID, "x")
			tfWantCode(t, name+" adds a checklist item", err, apperr.Forbidden, "project_role_required")
			tfWantCode(t, name+" adds a dependency", f.svc.AddTaskDependency(ctx, a, tk.ID, secret.ID), apperr.Forbidden, "project_role_required")
			// Everyone who sees the project may watch.
			if err := f.svc.WatchTask(ctx, a, tk.ID); err != nil {
				t.Errorf("%s watches: %v", name, err)
			}
		}
		token := tfReadToken(f.mem)
		_, _, err = f.svc.CreateTask(ctx, token, f.project, project.NewTask{Title: "x"})
		tfWantCode(t, "read token creates", err, apperr.Forbidden, "token_scope")
		_, _, err = f.svc.MoveTask(ctx, token, tk.ID, project.TaskMove{StatusID: f.doing, Version: tk.Version})
		tfWantCode(t, "read token moves", err, apperr.Forbidden, "token_scope")
		tfWantCode(t, "read token watches", f.svc.WatchTask(ctx, token, tk.ID), apperr.Forbidden, "token_scope")

		// Deleting: managers only (administrators manage open projects).
		tfWantCode(t, "member deletes", f.svc.DeleteTask(ctx, f.mem, tk.ID), apperr.Forbidden, "project_role_required")
		if err := f.svc.DeleteTask(ctx, f.mgr, tk.ID); err != nil {
			t.Errorf("manager deletes: %v", err)
		}
		other := f.task(t, "Zweite", 0)
		if err := f.svc.DeleteTask(ctx, f.adminUser, other.ID); err != nil {
			t.Errorf("admin deletes in an open project: %v", err)
		}
		_, err = f.svc.GetTask(ctx, f.mem, tk.ID)
		tfWantCode(t, "deleted task", err, apperr.NotFound, "not_found")
	})
}
