package project_test

import (
	"context"
	"testing"

	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/project"
)

// TestTaskListCacheFollowsChanges reads a project's task list after each
// kind of change that alters it: a cached page must never outlive a
// committed change (the triggers of migration 0016 raise the project's
// change counter), and a page cached for one reader must carry the next
// reader's role.
func TestTaskListCacheFollowsChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newTaskFixture(t, d)
		a := f.task(t, "Antrag prüfen", f.open)
		b := f.task(t, "Bescheid entwerfen", f.open)
		list := func(who string) project.TaskPage {
			t.Helper()
			reader := f.mem
			if who == "viewer" {
				reader = f.view
			}
			page, err := f.svc.ListProjectTasks(ctx, reader, f.project, project.TaskFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return page
		}
		item := func(page project.TaskPage, id int64) project.Task {
			t.Helper()
			for _, it := range page.Items {
				if it.ID == id {
					return it
				}
			}
			t.Fatalf("task %d missing from %+v", id, page.Items)
			return project.Task{}
		}

		p0 := list("viewer")
		if p0.Items[0].Role != project.RoleViewer || p0.Version == 0 {
			t.Fatalf("viewer page: role %q version %d", p0.Items[0].Role, p0.Version)
		}
		p1 := list("member")
		if p1.Version != p0.Version || p1.Items[0].Role != project.RoleMember {
			t.Errorf("cached page for the member: version %d (want %d), role %q", p1.Version, p0.Version, p1.Items[0].Role)
		}
		if list("viewer").Items[0].Role != project.RoleViewer {
			t.Error("the member's read changed the role of the viewer's page")
		}

		version := p1.Version
		step := func(what string, check func(project.TaskPage) bool) {
			t.Helper()
			page := list("member")
			if page.Version <= version {
				t.Errorf("%s: version %d did not grow from %d", what, page.Version, version)
			}
			version = page.Version
			if !check(page) {
				t.Errorf("%s: list does not show the change: %+v", what, page.Items)
			}
		}

		title := "Antrag vollständig prüfen"
		got, err := f.svc.UpdateTask(ctx, f.mem, a.ID, project.TaskUpdate{Version: a.Version, Title: &title,
			AssigneeIDs: []int64{f.mem2.UserID}, LabelIDs: []int64{f.labelLegal}})
		if err != nil {
			t.Fatal(err)
		}
		step("update", func(p project.TaskPage) bool {
			it := item(p, a.ID)
			return it.Title == title && len(it.Assignees) == 1 && len(it.Labels) == 1
		})

		tfExec(t, d, `UPDATE users SET display_name = 'Mia Neuname' WHERE id = ? RETURNING id`, f.mem2.UserID)
		step("assignee renamed", func(p project.TaskPage) bool { return item(p, a.ID).Assignees[0].Name == "Mia Neuname" })

		name := "Rechtsamt"
		if _, err := f.svc.UpdateLabel(ctx, f.mgr, f.project, f.labelLegal, project.LabelUpdate{Name: &name}); err != nil {
			t.Fatal(err)
		}
		step("label renamed", func(p project.TaskPage) bool { return item(p, a.ID).Labels[0].Name == name })

		col := "Eingang"
		if _, err := f.svc.UpdateColumn(ctx, f.mgr, f.project, f.open, project.ColumnUpdate{Name: &col}); err != nil {
			t.Fatal(err)
		}
		step("column renamed", func(p project.TaskPage) bool { return item(p, b.ID).StatusName == col })

		if _, _, err := f.svc.MoveTask(ctx, f.mem, b.ID, project.TaskMove{StatusID: f.doing, Version: b.Version}); err != nil {
			t.Fatal(err)
		}
		step("move", func(p project.TaskPage) bool { return item(p, b.ID).StatusID == f.doing })

		if err := f.svc.DeleteTask(ctx, f.mgr, got.ID); err != nil {
			t.Fatal(err)
		}
		step("delete", func(p project.TaskPage) bool { return len(p.Items) == 1 && p.Items[0].ID == b.ID })

		// A change in another project leaves this project's pages alone.
		if _, _, err := f.svc.CreateTask(ctx, f.mem, f.otherProject, project.NewTask{Title: "Fremder Vorgang"}); err != nil {
			t.Fatal(err)
		}
		if page := list("member"); page.Version != version {
			t.Errorf("a task in another project raised the version to %d (was %d)", page.Version, version)
		}
	})
}
