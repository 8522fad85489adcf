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

// TestProjectAccessRules checks who sees and who changes a project:
// inherited roles, confidential projects (404 even for administrators),
// administrators managing open projects, read-only tokens.
func TestProjectAccessRules(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newProjectFixture(t, d)
		open, err := f.Svc.Create(ctx, f.Alice, project.NewProject{Name: "Digitalisierung Bürgeramt"})
		if err != nil {
			t.Fatal(err)
		}
		if open.Role != project.RoleManager || open.OwnerID != f.Alice.UserID {
			t.Fatalf("creator role %q owner %d; want manager, alice", open.Role, open.OwnerID)
		}
		sub, err := f.Svc.Create(ctx, f.Alice, project.NewProject{ParentID: open.ID, Name: "Online-Termine"})
		if err != nil {
			t.Fatal(err)
		}
		secret, err := f.Svc.Create(ctx, f.Alice, project.NewProject{Name: "Personalakte Umzug", Confidential: true})
		if err != nil {
			t.Fatal(err)
		}
		secretSub, err := f.Svc.Create(ctx, f.Alice, project.NewProject{ParentID: secret.ID, Name: "Scan"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.SetMember(ctx, f.Alice, open.ID, f.Bob.UserID, project.RoleMember); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.SetMember(ctx, f.Alice, secretSub.ID, f.Carol.UserID, project.RoleViewer); err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			name string
			a    actor.Actor
			id   int64
			want project.Role // "" means 404
		}{
			{"member inherits into the sub-project", f.Bob, sub.ID, project.RoleMember},
			{"member in the project", f.Bob, open.ID, project.RoleMember},
			{"non-member reads an open project", f.Carol, open.ID, project.RoleViewer},
			{"auditor reads an open project", f.Auditor, sub.ID, project.RoleViewer},
			{"admin manages an open project", f.Admin, sub.ID, project.RoleManager},
			{"non-member does not see a confidential project", f.Bob, secret.ID, ""},
			{"confidentiality is inherited", f.Bob, secretSub.ID, ""},
			{"admin does not see a confidential project", f.Admin, secret.ID, ""},
			{"member of the sub-project sees it", f.Carol, secretSub.ID, project.RoleViewer},
			{"but not the confidential parent", f.Carol, secret.ID, ""},
			{"anonymous", actor.Anonymous("192.0.2.9"), open.ID, ""},
			{"unknown project", f.Alice, 99999, ""},
		} {
			p, err := f.Svc.Get(ctx, c.a, c.id)
			if c.want == "" {
				pfWantCode(t, c.name, err, apperr.NotFound, "not_found")
				continue
			}
			if err != nil || p.Role != c.want {
				t.Errorf("%s: role %q, err %v; want %q", c.name, p.Role, err, c.want)
			}
		}

		name := "Neu"
		for _, c := range []struct {
			name string
			a    actor.Actor
			id   int64
			kind apperr.Kind
			code string
		}{
			{"member may not change the project", f.Bob, open.ID, apperr.Forbidden, "project_role_required"},
			{"viewer may not", f.Carol, open.ID, apperr.Forbidden, "project_role_required"},
			{"read-only token of the manager", pfReadToken(f.Alice), open.ID, apperr.Forbidden, "token_scope"},
			{"admin does not see the confidential one", f.Admin, secret.ID, apperr.NotFound, "not_found"},
		} {
			_, err := f.Svc.Update(ctx, c.a, c.id, project.ProjectUpdate{Version: 1, Name: &name})
			pfWantCode(t, c.name, err, c.kind, c.code)
		}
		if _, err := f.Svc.Update(ctx, f.Admin, sub.ID, project.ProjectUpdate{Version: 1, Name: &name}); err != nil {
			t.Errorf("admin rescues an open project: %v", err)
		}

		// Creating: sub-projects need the manager role in the parent.
		_, err = f.Svc.Create(ctx, f.Bob, project.NewProject{ParentID: open.ID, Name: "x"})
		pfWantCode(t, "member creates a sub-project", err, apperr.Forbidden, "project_role_required")
		_, err = f.Svc.Create(ctx, f.Bob, project.NewProject{ParentID: secret.ID, Name: "x"})
		pfWantCode(t, "sub-project of an unseen project", err, apperr.NotFound, "not_found")
		_, err = f.Svc.Create(ctx, f.Auditor, project.NewProject{Name: "x"})
		pfWantCode(t, "auditor creates a project", err, apperr.Forbidden, "project_create_forbidden")
		_, err = f.Svc.Create(ctx, pfReadToken(f.Bob), project.NewProject{Name: "x"})
		pfWantCode(t, "read-only token creates a project", err, apperr.Forbidden, "token_scope")
		_, err = f.Svc.Create(ctx, actor.Anonymous("192.0.2.9"), project.NewProject{Name: "x"})
		pfWantCode(t, "anonymous creates a project", err, apperr.NotFound, "not_found")

		// Listing follows the same rules.
		ids := func(a actor.Actor) map[int64]bool {
			ps, err := f.Svc.List(ctx, a, project.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			out := map[int64]bool{}
			for _, p := range ps {
				out[p.ID] = true
			}
			return out
		}
		if got := ids(f.Bob); !got[open.ID] || !got[sub.ID] || got[secret.ID] || got[secretSub.ID] {
			t.Errorf("bob lists %v", got)
		}
		if got := ids(f.Admin); got[secret.ID] || got[secretSub.ID] || !got[open.ID] {
			t.Errorf("admin lists %v", got)
		}
		if got := ids(f.Carol); !got[secretSub.ID] || got[secret.ID] {
			t.Errorf("carol lists %v", got)
		}

		// Members, columns, milestones and labels: read by all who see the
		// project, changed by managers only.
		if _, err := f.Svc.Members(ctx, f.Carol, open.ID); err != nil {
			t.Errorf("viewer reads members: %v", err)
		}
		_, err = f.Svc.Members(ctx, f.Bob, secret.ID)
		pfWantCode(t, "members of an unseen project", err, apperr.NotFound, "not_found")
		_, err = f.Svc.SetMember(ctx, f.Bob, open.ID, f.Carol.UserID, project.RoleMember)
		pfWantCode(t, "member adds a member", err, apperr.Forbidden, "project_role_required")
		_, err = f.Svc.CreateColumn(ctx, f.Bob, open.ID, project.NewColumn{Name: "Warten"})
		pfWantCode(t, "member adds a column", err, apperr.Forbidden, "project_role_required")
		_, err = f.Svc.CreateMilestone(ctx, f.Carol, open.ID, project.NewMilestone{Title: "x", Due: pfDay})
		pfWantCode(t, "viewer adds a milestone", err, apperr.Forbidden, "project_role_required")
		_, err = f.Svc.CreateLabel(ctx, pfReadToken(f.Alice), open.ID, "Eilig", "")
		pfWantCode(t, "read-only token adds a label", err, apperr.Forbidden, "token_scope")
		_, err = f.Svc.CreateLabel(ctx, f.Admin, secret.ID, "Eilig", "")
		pfWantCode(t, "admin adds a label to a confidential project", err, apperr.NotFound, "not_found")
		if _, err := f.Svc.CreateLabel(ctx, f.Alice, sub.ID, "Eilig", "#ff0000"); err != nil {
			t.Errorf("manager of the parent adds a label to the sub-project: %v", err)
		}
	})
}
