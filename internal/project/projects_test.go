package project_test

import (
	"context"
	"strings"
	"testing"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/project"
)

func TestCreateAndUpdateProject(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newProjectFixture(t, d)
		start, end := civil.D(2026, 4, 1), civil.D(2026, 9, 30)
		for _, c := range []struct {
			name string
			n    project.NewProject
			code string
		}{
			{"empty name", project.NewProject{Name: "  "}, "invalid_project_name"},
			{"long name", project.NewProject{Name: strings.Repeat("ä", 201)}, "invalid_project_name"},
			{"long description", project.NewProject{Name: "x", Description: strings.Repeat("a", 20001)}, "invalid_project_description"},
			{"end before start", project.NewProject{Name: "x", Start: &end, End: &start}, "project_end_before_start"},
			{"unknown status", project.NewProject{Name: "x", Status: "done"}, "invalid_project_status"},
			{"owner not a member", project.NewProject{Name: "x", OwnerID: f.Bob.UserID}, "project_owner_not_member"},
		} {
			_, err := f.Svc.Create(ctx, f.Alice, c.n)
			pfWantCode(t, c.name, err, apperr.Invalid, c.code)
		}
		p, err := f.Svc.Create(ctx, f.Alice, project.NewProject{Name: " Bauantrag digital ", Goal: "Anträge online", Description: "# Ziel\n\n*Schneller*",
			Start: &start, End: &end})
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "Bauantrag digital" || p.Status != project.StatusActive || p.Version != 1 || *p.Start != start || *p.End != end || p.OwnerName != "alice" {
			t.Errorf("created %+v", p)
		}
		cols, err := f.Svc.Columns(ctx, f.Alice, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range cols {
			names = append(names, c.Name+"/"+string(c.Category))
		}
		if got, want := strings.Join(names, ","), "Offen/open,In Arbeit/in_progress,In Prüfung/in_progress,Erledigt/done"; got != want {
			t.Errorf("default columns %s; want %s", got, want)
		}

		// Optimistic concurrency.
		st := project.StatusOnHold
		p2, err := f.Svc.Update(ctx, f.Alice, p.ID, project.ProjectUpdate{Version: 1, Status: &st, End: &civil.Date{}})
		if err != nil {
			t.Fatal(err)
		}
		if p2.Version != 2 || p2.Status != st || p2.End != nil {
			t.Errorf("updated %+v", p2)
		}
		_, err = f.Svc.Update(ctx, f.Alice, p.ID, project.ProjectUpdate{Version: 1, Status: &st})
		pfWantCode(t, "stale version", err, apperr.Conflict, "project_stale")
		same, err := f.Svc.Update(ctx, f.Alice, p.ID, project.ProjectUpdate{Version: 2, Status: &st})
		if err != nil || same.Version != 2 {
			t.Errorf("no-op update: version %d, err %v; want 2", same.Version, err)
		}
		early := civil.D(2026, 3, 1)
		_, err = f.Svc.Update(ctx, f.Alice, p.ID, project.ProjectUpdate{Version: 2, End: &early})
		pfWantCode(t, "end before start", err, apperr.Invalid, "project_end_before_start")
		_, err = f.Svc.Update(ctx, f.Alice, p.ID, project.ProjectUpdate{Version: 2, OwnerID: pfPtr(f.Bob.UserID)})
		pfWantCode(t, "owner not a member", err, apperr.Invalid, "project_owner_not_member")
		if n := pfAuditCount(t, d, "project.update"); n != 1 {
			t.Errorf("%d project.update records; want 1", n)
		}
		if n := pfAuditCount(t, d, "project.create"); n != 1 {
			t.Errorf("%d project.create records; want 1", n)
		}

		// Template flag: only on top-level projects, for the whole subtree.
		sub, err := f.Svc.Create(ctx, f.Alice, project.NewProject{ParentID: p.ID, Name: "Teil", Template: true})
		if err != nil {
			t.Fatal(err)
		}
		if sub.Template {
			t.Error("a sub-project of a project became a template")
		}
		_, err = f.Svc.Update(ctx, f.Alice, sub.ID, project.ProjectUpdate{Version: sub.Version, Template: pfPtr(true)})
		pfWantCode(t, "template flag on a sub-project", err, apperr.Invalid, "project_template_subproject")
		if _, err := f.Svc.Update(ctx, f.Alice, p.ID, project.ProjectUpdate{Version: 2, Template: pfPtr(true)}); err != nil {
			t.Fatal(err)
		}
		if sub, _ = f.Svc.Get(ctx, f.Alice, sub.ID); !sub.Template {
			t.Error("the sub-project did not become a template with its parent")
		}
	})
}

func TestProjectTreeAndDepth(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newProjectFixture(t, d)
		b, _ := f.Svc.Create(ctx, f.Alice, project.NewProject{Name: "B"})
		a, _ := f.Svc.Create(ctx, f.Alice, project.NewProject{Name: "A", Status: project.StatusPlanned})
		a2, _ := f.Svc.Create(ctx, f.Alice, project.NewProject{ParentID: a.ID, Name: "A2"})
		a1, _ := f.Svc.Create(ctx, f.Alice, project.NewProject{ParentID: a.ID, Name: "A1", Status: project.StatusCompleted})
		tmpl, err := f.Svc.Create(ctx, f.Alice, project.NewProject{Name: "Vorlage", Template: true})
		if err != nil {
			t.Fatal(err)
		}
		list := func(fl project.Filter) string {
			ps, err := f.Svc.List(ctx, f.Bob, fl)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, p := range ps {
				out = append(out, strings.Repeat("-", p.Depth)+p.Name)
			}
			return strings.Join(out, ",")
		}
		if got, want := list(project.Filter{}), "A,-A1,-A2,B"; got != want {
			t.Errorf("tree %s; want %s", got, want)
		}
		if got, want := list(project.Filter{Templates: true}), "Vorlage"; got != want {
			t.Errorf("templates %s; want %s", got, want)
		}
		if got, want := list(project.Filter{Status: []project.Status{project.StatusActive, project.StatusCompleted}}), "A1,A2,B"; got != want {
			t.Errorf("active or completed %s; want %s", got, want)
		}
		_, err = f.Svc.List(ctx, f.Bob, project.Filter{Status: []project.Status{"gone"}})
		pfWantCode(t, "unknown status filter", err, apperr.Invalid, "invalid_project_status")
		kids, err := f.Svc.Children(ctx, f.Bob, a.ID)
		if err != nil || len(kids) != 2 || kids[0].ID != a1.ID || kids[1].ID != a2.ID {
			t.Errorf("children %v, %v", kids, err)
		}
		anc, err := f.Svc.Ancestors(ctx, f.Bob, a2.ID)
		if err != nil || len(anc) != 1 || anc[0].ID != a.ID {
			t.Errorf("ancestors %v, %v", anc, err)
		}
		_ = b
		_ = tmpl

		// 20 levels at most.
		parent := b.ID
		for i := 1; i < 20; i++ {
			p, err := f.Svc.Create(ctx, f.Alice, project.NewProject{ParentID: parent, Name: "Ebene"})
			if err != nil {
				t.Fatalf("level %d: %v", i+1, err)
			}
			parent = p.ID
		}
		_, err = f.Svc.Create(ctx, f.Alice, project.NewProject{ParentID: parent, Name: "zu tief"})
		pfWantCode(t, "21st level", err, apperr.Invalid, "project_too_deep")
		if p, err := f.Svc.Get(ctx, f.Bob, parent); err != nil || p.Role != project.RoleViewer {
			t.Errorf("deepest project: role %q, %v", p.Role, err)
		}
	})
}

func TestProjectMembers(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newProjectFixture(t, d)
		top, _ := f.Svc.Create(ctx, f.Alice, project.NewProject{Name: "Top"})
		sub, err := f.Svc.Create(ctx, f.Alice, project.NewProject{ParentID: top.ID, Name: "Sub"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.SetMember(ctx, f.Alice, top.ID, f.Bob.UserID, project.RoleViewer); err != nil {
			t.Fatal(err)
		}
		m, err := f.Svc.SetMember(ctx, f.Alice, sub.ID, f.Bob.UserID, project.RoleMember)
		if err != nil {
			t.Fatal(err)
		}
		if m.Role != project.RoleMember || m.Direct != project.RoleMember || m.Inherited != project.RoleViewer || m.InheritedFrom != top.ID || m.IsInherited() {
			t.Errorf("bob in sub %+v", m)
		}
		ms, err := f.Svc.Members(ctx, f.Carol, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 2 || ms[0].UserID != f.Alice.UserID || !ms[0].IsInherited() || ms[0].Role != project.RoleManager || ms[0].InheritedFromName != "Top" {
			t.Errorf("members of sub %+v", ms)
		}

		// The last manager of a top-level project stays.
		_, err = f.Svc.SetMember(ctx, f.Alice, top.ID, f.Alice.UserID, project.RoleMember)
		pfWantCode(t, "downgrade the last manager", err, apperr.Conflict, "last_manager")
		err = f.Svc.RemoveMember(ctx, f.Alice, top.ID, f.Alice.UserID)
		pfWantCode(t, "remove the last manager", err, apperr.Conflict, "last_manager")
		_, err = f.Svc.SetMember(ctx, f.Alice, top.ID, f.Bob.UserID, "owner")
		pfWantCode(t, "unknown role", err, apperr.Invalid, "invalid_project_role")
		_, err = f.Svc.SetMember(ctx, f.Alice, top.ID, 99999, project.RoleViewer)
		pfWantCode(t, "unknown user", err, apperr.Invalid, "project_member_unknown")
		err = f.Svc.RemoveMember(ctx, f.Alice, top.ID, f.Carol.UserID)
		pfWantCode(t, "remove a non-member", err, apperr.NotFound, "not_found")

		// With a second manager the first may step down.
		if _, err := f.Svc.SetMember(ctx, f.Alice, top.ID, f.Bob.UserID, project.RoleManager); err != nil {
			t.Fatal(err)
		}
		if err := f.Svc.RemoveMember(ctx, f.Bob, top.ID, f.Alice.UserID); err != nil {
			t.Fatal(err)
		}
		p, _ := f.Svc.Get(ctx, f.Bob, top.ID)
		if p.OwnerID != 0 {
			t.Errorf("owner %d after the owner left; want none", p.OwnerID)
		}
		if _, err := f.Svc.Get(ctx, f.Alice, top.ID); err != nil {
			t.Errorf("alice still reads the open project: %v", err)
		}
		// A sub-project has no last-manager rule: its managers are inherited.
		if err := f.Svc.RemoveMember(ctx, f.Bob, sub.ID, f.Bob.UserID); err != nil {
			t.Errorf("remove the own role in a sub-project: %v", err)
		}
		if n := pfAuditCount(t, d, "project.member_set"); n != 3 {
			t.Errorf("%d project.member_set records; want 3", n)
		}
		if n := pfAuditCount(t, d, "project.member_remove"); n != 2 {
			t.Errorf("%d project.member_remove records; want 2", n)
		}
	})
}

func TestProjectColumns(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newProjectFixture(t, d)
		p, _ := f.Svc.Create(ctx, f.Alice, project.NewProject{Name: "Board"})
		c, err := f.Svc.CreateColumn(ctx, f.Alice, p.ID, project.NewColumn{Name: "Warten auf Rückmeldung", WIPLimit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if c.Position != 5 || c.Category != project.CategoryInProgress || c.WIPLimit != 3 {
			t.Errorf("new column %+v", c)
		}
		for _, x := range []struct {
			name string
			u    project.ColumnUpdate
			code string
		}{
			{"empty name", project.ColumnUpdate{Name: pfPtr(" ")}, "invalid_status_name"},
			{"bad category", project.ColumnUpdate{Category: pfPtr(project.Category("later"))}, "invalid_status_category"},
			{"negative WIP", project.ColumnUpdate{WIPLimit: pfPtr(-1)}, "invalid_wip_limit"},
			{"position 0", project.ColumnUpdate{Position: pfPtr(0)}, "invalid_status_position"},
			{"position 6", project.ColumnUpdate{Position: pfPtr(6)}, "invalid_status_position"},
		} {
			_, err := f.Svc.UpdateColumn(ctx, f.Alice, p.ID, c.ID, x.u)
			pfWantCode(t, x.name, err, apperr.Invalid, x.code)
		}
		c, err = f.Svc.UpdateColumn(ctx, f.Alice, p.ID, c.ID, project.ColumnUpdate{Position: pfPtr(2), WIPLimit: pfPtr(0)})
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := f.Svc.Columns(ctx, f.Alice, p.ID)
		var names []string
		for i, x := range cols {
			if x.Position != i+1 {
				t.Errorf("column %s at position %d; want %d", x.Name, x.Position, i+1)
			}
			names = append(names, x.Name)
		}
		if got, want := strings.Join(names, ","), "Offen,Warten auf Rückmeldung,In Arbeit,In Prüfung,Erledigt"; got != want || c.WIPLimit != 0 {
			t.Errorf("order %s (wip %d); want %s", got, c.WIPLimit, want)
		}
		done := cols[4]
		_, err = f.Svc.UpdateColumn(ctx, f.Alice, p.ID, done.ID, project.ColumnUpdate{Category: pfPtr(project.CategoryOpen)})
		pfWantCode(t, "re-categorise the last done column", err, apperr.Conflict, "status_last_done")
		err = f.Svc.DeleteColumn(ctx, f.Alice, p.ID, done.ID)
		pfWantCode(t, "delete the last done column", err, apperr.Conflict, "status_last_done")
		pfTask(t, d, p.ID, cols[0].ID, "i", "Antrag prüfen")
		err = f.Svc.DeleteColumn(ctx, f.Alice, p.ID, cols[0].ID)
		pfWantCode(t, "delete a column with tasks", err, apperr.Conflict, "status_not_empty")
		other, _ := f.Svc.Create(ctx, f.Alice, project.NewProject{Name: "Anderes"})
		err = f.Svc.DeleteColumn(ctx, f.Alice, other.ID, c.ID)
		pfWantCode(t, "column of another project", err, apperr.NotFound, "not_found")
		if err := f.Svc.DeleteColumn(ctx, f.Alice, p.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		cols, _ = f.Svc.Columns(ctx, f.Alice, p.ID)
		if len(cols) != 4 || cols[3].Position != 4 || cols[0].Tasks != 1 {
			t.Errorf("after delete %+v", cols)
		}
		// Down to one (done) column, which stays.
		for _, x := range cols[1:3] {
			if err := f.Svc.DeleteColumn(ctx, f.Alice, p.ID, x.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.Svc.UpdateColumn(ctx, f.Alice, p.ID, cols[0].ID, project.ColumnUpdate{Category: pfPtr(project.CategoryDone)}); err != nil {
			t.Fatal(err)
		}
		if err := f.Svc.DeleteColumn(ctx, f.Alice, p.ID, cols[3].ID); err != nil {
			t.Fatal(err)
		}
		err = f.Svc.DeleteColumn(ctx, f.Alice, p.ID, cols[0].ID)
		if apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("delete the only column: %v; want a conflict", err)
		}
		for action, want := range map[string]int{"project.status_create": 1, "project.status_update": 2, "project.status_delete": 4} {
			if n := pfAuditCount(t, d, action); n != want {
				t.Errorf("%d %s records; want %d", n, action, want)
			}
		}
	})
}

func TestMilestonesAndLabels(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newProjectFixture(t, d)
		p, _ := f.Svc.Create(ctx, f.Alice, project.NewProject{Name: "Meilensteine"})
		_, err := f.Svc.CreateMilestone(ctx, f.Alice, p.ID, project.NewMilestone{Title: "", Due: pfDay})
		pfWantCode(t, "empty title", err, apperr.Invalid, "invalid_milestone_title")
		_, err = f.Svc.CreateMilestone(ctx, f.Alice, p.ID, project.NewMilestone{Title: "x"})
		pfWantCode(t, "no date", err, apperr.Invalid, "invalid_milestone_due")
		late, _ := f.Svc.CreateMilestone(ctx, f.Alice, p.ID, project.NewMilestone{Title: "Bescheid", Due: pfDay.AddDays(30)})
		ms, err := f.Svc.CreateMilestone(ctx, f.Alice, p.ID, project.NewMilestone{Title: "Unterlagen vollständig", Due: pfDay})
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.Svc.UpdateMilestone(ctx, f.Alice, p.ID, ms.ID, project.MilestoneUpdate{Done: pfPtr(true)})
		if err != nil || !m.Done() || !m.DoneAt.Equal(pfStart) {
			t.Errorf("mark done: %+v, %v", m, err)
		}
		m, _ = f.Svc.UpdateMilestone(ctx, f.Alice, p.ID, ms.ID, project.MilestoneUpdate{Done: pfPtr(false)})
		if m.Done() {
			t.Error("mark undone kept the milestone done")
		}
		list, _ := f.Svc.Milestones(ctx, f.Bob, p.ID)
		if len(list) != 2 || list[0].ID != ms.ID || list[1].ID != late.ID {
			t.Errorf("milestones by date %+v", list)
		}
		cols, _ := f.Svc.Columns(ctx, f.Alice, p.ID)
		task := pfTask(t, d, p.ID, cols[0].ID, "i", "Unterlagen anfordern")
		if _, err := d.ExecContext(ctx, "UPDATE tasks SET milestone_id = ? WHERE id = ?", ms.ID, task); err != nil {
			t.Fatal(err)
		}
		if err := f.Svc.DeleteMilestone(ctx, f.Alice, p.ID, ms.ID); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := d.QueryRowContext(ctx, "SELECT count(*) FROM tasks WHERE id = ? AND milestone_id IS NULL", task).Scan(&n); err != nil || n != 1 {
			t.Errorf("task after milestone delete: %d, %v; want it kept without milestone", n, err)
		}

		_, err = f.Svc.CreateLabel(ctx, f.Alice, p.ID, "Eilig", "red")
		pfWantCode(t, "bad colour", err, apperr.Invalid, "invalid_label_color")
		l, err := f.Svc.CreateLabel(ctx, f.Alice, p.ID, "Eilig", "#FF0000")
		if err != nil || l.Color != "#ff0000" {
			t.Fatalf("label %+v, %v", l, err)
		}
		_, err = f.Svc.CreateLabel(ctx, f.Alice, p.ID, " Eilig ", "")
		pfWantCode(t, "same name", err, apperr.Conflict, "label_exists")
		l2, _ := f.Svc.CreateLabel(ctx, f.Alice, p.ID, "Bürgeranfrage", "")
		_, err = f.Svc.UpdateLabel(ctx, f.Alice, p.ID, l2.ID, project.LabelUpdate{Name: pfPtr("Eilig")})
		pfWantCode(t, "rename to a taken name", err, apperr.Conflict, "label_exists")
		if _, err := d.ExecContext(ctx, "INSERT INTO task_labels (task_id, label_id) VALUES (?, ?)", task, l.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.Svc.DeleteLabel(ctx, f.Alice, p.ID, l.ID); err != nil {
			t.Fatal(err)
		}
		labels, _ := f.Svc.Labels(ctx, f.Bob, p.ID)
		if len(labels) != 1 || labels[0].ID != l2.ID {
			t.Errorf("labels after delete %+v", labels)
		}
		for action, want := range map[string]int{"milestone.create": 2, "milestone.update": 2, "milestone.delete": 1, "label.create": 2, "label.delete": 1} {
			if n := pfAuditCount(t, d, action); n != want {
				t.Errorf("%d %s records; want %d", n, action, want)
			}
		}
	})
}

func TestCopyTemplate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newProjectFixture(t, d)
		tStart := civil.D(2026, 1, 5)
		tmpl, err := f.Svc.Create(ctx, f.Alice, project.NewProject{Name: "Verwaltungsverfahren", Goal: "Bescheid", Template: true, Start: &tStart})
		if err != nil {
			t.Fatal(err)
		}
		sub, _ := f.Svc.Create(ctx, f.Alice, project.NewProject{ParentID: tmpl.ID, Name: "Anhörung"})
		if _, err := f.Svc.SetMember(ctx, f.Alice, tmpl.ID, f.Carol.UserID, project.RoleMember); err != nil {
			t.Fatal(err)
		}
		cols, _ := f.Svc.Columns(ctx, f.Alice, tmpl.ID)
		ms, _ := f.Svc.CreateMilestone(ctx, f.Alice, tmpl.ID, project.NewMilestone{Title: "Bescheid erlassen", Due: tStart.AddDays(28)})
		label, _ := f.Svc.CreateLabel(ctx, f.Alice, tmpl.ID, "Frist", "#aa0000")
		second := pfTask(t, d, tmpl.ID, cols[0].ID, "k", "Bescheid entwerfen")
		first := pfTask(t, d, tmpl.ID, cols[0].ID, "b", "Antrag prüfen")
		if _, err := d.ExecContext(ctx, "UPDATE tasks SET due_date = ?, estimate_minutes = 90, milestone_id = ?, priority = 'high' WHERE id = ?",
			tStart.AddDays(3).String(), ms.ID, first); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, "INSERT INTO task_labels (task_id, label_id) VALUES (?, ?)", first, label.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(ctx, "INSERT INTO task_checklist (task_id, text, done, position) VALUES (?, 'Vollmacht', ?, 1)", first, true); err != nil {
			t.Fatal(err)
		}
		pfTask(t, d, sub.ID, mustColumns(t, f, sub.ID)[1].ID, "i", "Anhörungsschreiben")
		_ = second

		newStart := civil.D(2026, 5, 4) // 119 days later
		_, err = f.Svc.CopyTemplate(ctx, f.Auditor, tmpl.ID, project.TemplateCopy{Name: "x"})
		pfWantCode(t, "auditor copies", err, apperr.Forbidden, "project_create_forbidden")
		plain, _ := f.Svc.Create(ctx, f.Alice, project.NewProject{Name: "Kein Muster"})
		_, err = f.Svc.CopyTemplate(ctx, f.Bob, plain.ID, project.TemplateCopy{})
		pfWantCode(t, "copy a project that is no template", err, apperr.Invalid, "project_not_template")
		p, err := f.Svc.CopyTemplate(ctx, f.Bob, tmpl.ID, project.TemplateCopy{Name: "Bauantrag Musterstraße 1", Start: &newStart})
		if err != nil {
			t.Fatal(err)
		}
		if p.Template || p.Role != project.RoleManager || p.OwnerID != f.Bob.UserID || *p.Start != newStart || p.Goal != "Bescheid" || p.Status != project.StatusPlanned {
			t.Errorf("copy %+v", p)
		}
		members, _ := f.Svc.Members(ctx, f.Bob, p.ID)
		if len(members) != 1 || members[0].UserID != f.Bob.UserID {
			t.Errorf("members of the copy %+v; want bob only", members)
		}
		kids, _ := f.Svc.Children(ctx, f.Bob, p.ID)
		if len(kids) != 1 || kids[0].Name != "Anhörung" || kids[0].Template {
			t.Fatalf("sub-projects of the copy %+v", kids)
		}
		newMs, _ := f.Svc.Milestones(ctx, f.Bob, p.ID)
		if len(newMs) != 1 || newMs[0].Due != newStart.AddDays(28) {
			t.Errorf("milestones of the copy %+v", newMs)
		}
		type row struct {
			title, rank, priority string
			due                   *string
			est, rem              *int
			ms                    *int64
		}
		rows, err := db.Query(ctx, d, func(sc db.Scanner) (row, error) {
			var r row
			err := sc.Scan(&r.title, &r.rank, &r.priority, &r.due, &r.est, &r.rem, &r.ms)
			return r, err
		}, "SELECT title, rank, priority, due_date, estimate_minutes, remaining_minutes, milestone_id FROM tasks WHERE project_id = ? ORDER BY rank", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].title != "Antrag prüfen" || rows[1].title != "Bescheid entwerfen" || rows[0].rank >= rows[1].rank {
			t.Fatalf("tasks of the copy %+v", rows)
		}
		r := rows[0]
		if r.priority != "high" || r.due == nil || *r.due != newStart.AddDays(3).String() || r.est == nil || *r.est != 90 || r.rem == nil || *r.rem != 90 ||
			r.ms == nil || *r.ms != newMs[0].ID {
			t.Errorf("copied task %+v", r)
		}
		var labels, checked, open int
		if err := d.QueryRowContext(ctx, `SELECT count(*) FROM task_labels tl JOIN tasks t ON t.id = tl.task_id JOIN project_labels l ON l.id = tl.label_id
			WHERE t.project_id = ? AND l.project_id = ?`, p.ID, p.ID).Scan(&labels); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(CASE WHEN c.done THEN 0 ELSE 1 END), 0) FROM task_checklist c JOIN tasks t ON t.id = c.task_id
			WHERE t.project_id = ?`, p.ID).Scan(&checked, &open); err != nil {
			t.Fatal(err)
		}
		if labels != 1 || checked != 1 || open != 1 {
			t.Errorf("copied labels %d, checklist items %d (%d open); want 1, 1 (1)", labels, checked, open)
		}
		var subTasks int
		if err := d.QueryRowContext(ctx, "SELECT count(*) FROM tasks WHERE project_id = ?", kids[0].ID).Scan(&subTasks); err != nil || subTasks != 1 {
			t.Errorf("tasks of the copied sub-project: %d, %v", subTasks, err)
		}
		// The template is unchanged and still listed as a template.
		ts, _ := f.Svc.List(ctx, f.Bob, project.Filter{Templates: true})
		if len(ts) != 2 || ts[0].ID != tmpl.ID {
			t.Errorf("templates %+v", ts)
		}
		if n := pfAuditCount(t, d, "project.create"); n != 4 {
			t.Errorf("%d project.create records; want 4", n)
		}
		// A confidential copy under a project of bob's.
		under, err := f.Svc.CopyTemplate(ctx, f.Bob, tmpl.ID, project.TemplateCopy{ParentID: p.ID, Confidential: pfPtr(true)})
		if err != nil {
			t.Fatal(err)
		}
		if under.ParentID != p.ID || under.Name != "Verwaltungsverfahren" || !under.Confidential {
			t.Errorf("copy under a parent %+v", under)
		}
		if _, err := f.Svc.Get(ctx, f.Carol, under.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("carol sees the confidential copy: %v", err)
		}
		_ = actor.RoleAdmin
	})
}

func mustColumns(t *testing.T, f ProjectFixture, id int64) []project.BoardColumn {
	t.Helper()
	cs, err := f.Svc.Columns(context.Background(), f.Alice, id)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// pfTask inserts a task by SQL (the tasks part owns the task service).
func pfTask(t *testing.T, d *db.DB, projectID, statusID int64, rank, title string) int64 {
	t.Helper()
	var id int64
	ctx := context.Background()
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO tasks (project_id, status_id, rank, title, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, projectID, statusID, rank, title, db.T(pfStart), db.T(pfStart)).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	return id
}
