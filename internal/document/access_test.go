package document_test

import (
	"context"
	"strconv"
	"testing"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/document"
)

// ffAccess returns a's access to folder id as GetFolder reports it
// (AccessNone for a plan administrator's structure view, -1 for 404).
func ffAccess(t *testing.T, f FolderFixture, a actor.Actor, id int64) document.Access {
	t.Helper()
	dt, err := f.Svc.GetFolder(context.Background(), a, id)
	if apperr.KindOf(err) == apperr.NotFound {
		return -1
	}
	if err != nil {
		t.Fatal(err)
	}
	return dt.Access
}

func TestFolderGrantInheritance(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFolderFixture(t, d)
		plan := f.ffPlan(t, 0, "6", "Bauen und Umwelt")
		pos := f.ffPlan(t, plan.ID, "61", "Bauordnung")
		open := f.ffFile(t, pos.ID, "", "Bauantrag Lindenstraße")
		secret := f.ffFile(t, pos.ID, "", "Disziplinarsache")
		sub := f.ffFile(t, secret.ID, "", "Anhörung")

		// Fachbereich 3 reads everything below "6" (members of Amt 61 as a
		// sub-unit included), leads manage.
		f.ffSetGrants(t, plan.ID, nil, ffGrant(document.PrincipalOrgUnit, f.Units["fb3"], document.AccessRead),
			ffGrant(document.PrincipalRole, actor.RoleLead, document.AccessManage))
		// Amt 61 writes in its plan position.
		f.ffSetGrants(t, pos.ID, nil, ffGrant(document.PrincipalOrgUnit, f.Units["amt61"], document.AccessWrite))
		// The confidential file overrides: only bob.
		f.ffSetGrants(t, secret.ID, ffPtr(false), ffGrant(document.PrincipalUser, f.Bob.UserID, document.AccessRead))

		for _, c := range []struct {
			who    string
			a      actor.Actor
			folder document.Folder
			want   document.Access
		}{
			{"alice in Amt 61 on the plan", f.Alice, plan, document.AccessRead},
			{"alice on her position", f.Alice, pos, document.AccessWrite},
			{"alice on an inheriting file", f.Alice, open, document.AccessWrite},
			{"alice on the overriding file", f.Alice, secret, -1},
			{"alice below the overriding file", f.Alice, sub, -1},
			{"lena (lead, Fachbereich 3) on the file", f.Lead, open, document.AccessManage},
			{"lena on the overriding file", f.Lead, secret, -1},
			{"bob in Amt 32 on the plan", f.Bob, plan, -1},
			{"bob on the overriding file", f.Bob, secret, document.AccessRead},
			{"bob below it (inherits from it)", f.Bob, sub, document.AccessRead},
			{"carol without unit", f.Carol, open, -1},
			{"administrator without grant", f.Admin, open, document.AccessNone},
			{"records without grant", f.Records, secret, document.AccessNone},
		} {
			if got := ffAccess(t, f, c.a, c.folder.ID); got != c.want {
				t.Errorf("%s: access %v; want %v", c.who, got, c.want)
			}
		}

		// The listing agrees with GetFolder.
		list, err := f.Svc.ListFolders(context.Background(), f.Alice)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]document.Access{}
		for _, x := range list {
			seen[x.ID] = x.Access
		}
		if len(seen) != 3 || seen[plan.ID] != document.AccessRead || seen[pos.ID] != document.AccessWrite || seen[open.ID] != document.AccessWrite {
			t.Errorf("alice's tree %v", seen)
		}

		// Turning inheritance back on lets the plan's grants through again.
		f.ffSetGrants(t, secret.ID, ffPtr(true), ffGrant(document.PrincipalUser, f.Bob.UserID, document.AccessRead))
		if got := ffAccess(t, f, f.Alice, sub.ID); got != document.AccessWrite {
			t.Errorf("alice below the inheriting file: %v", got)
		}
	})
}

func TestPlanAdminSeesStructureOnly(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFolderFixture(t, d)
		plan := f.ffPlan(t, 0, "1", "Allgemeine Verwaltung")
		file := f.ffFile(t, plan.ID, "", "Dienstvereinbarungen")
		f.ffDocument(t, file.ID, "DV Homeoffice")
		f.ffSetGrants(t, file.ID, nil, ffGrant(document.PrincipalUser, f.Alice.UserID, document.AccessManage),
			ffGrant(document.PrincipalUser, f.Bob.UserID, document.AccessRead))

		for _, a := range []actor.Actor{f.Admin, f.Records} {
			list, err := f.Svc.ListFolders(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || list[1].ID != file.ID || list[1].Access != document.AccessNone {
				t.Errorf("%s's tree %+v", a.Username, list)
			}
			dt, err := f.Svc.GetFolder(ctx, a, file.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !dt.Rights.Structure || !dt.Rights.Grants || len(dt.Grants) != 2 || dt.Rights.Close {
				t.Errorf("%s's view %+v", a.Username, dt)
			}
			// The documents stay closed to them.
			_, err = f.Svc.ListDocuments(ctx, a, file.ID, document.DocumentFilter{})
			ffWantCode(t, a.Username+" lists the documents", err, apperr.NotFound, "not_found")
		}

		// Everyone else: 404 without a grant, the grants only for managers.
		_, err := f.Svc.GetFolder(ctx, f.Carol, file.ID)
		ffWantCode(t, "carol", err, apperr.NotFound, "not_found")
		_, err = f.Svc.GetFolder(ctx, f.Carol, 9999)
		ffWantCode(t, "unknown folder", err, apperr.NotFound, "not_found")
		_, err = f.Svc.GetFolder(ctx, f.Admin, 9999)
		ffWantCode(t, "unknown folder for the admin", err, apperr.NotFound, "not_found")
		_, err = f.Svc.FolderGrants(ctx, f.Bob, file.ID)
		ffWantCode(t, "reader's grants", err, apperr.Forbidden, "document_access_required")
		_, err = f.Svc.FolderGrants(ctx, f.Carol, file.ID)
		ffWantCode(t, "stranger's grants", err, apperr.NotFound, "not_found")
		gs, err := f.Svc.FolderGrants(ctx, f.Alice, file.ID)
		if err != nil || len(gs) != 2 {
			t.Errorf("manager's grants %+v, %v", gs, err)
		}
		if dt, err := f.Svc.GetFolder(ctx, f.Bob, file.ID); err != nil || dt.Grants != nil || dt.Rights.Structure {
			t.Errorf("reader's view %+v, %v", dt, err)
		}
	})
}

func TestSetFolderGrants(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFolderFixture(t, d)
		plan := f.ffPlan(t, 0, "4", "Schulen")
		file := f.ffFile(t, plan.ID, "", "Schulentwicklungsplan")
		for _, c := range []struct {
			name string
			g    document.Grant
			code string
		}{
			{"unknown role", ffGrant(document.PrincipalRole, "chef", document.AccessRead), "grant_principal_unknown"},
			{"unknown unit", ffGrant(document.PrincipalOrgUnit, int64(9999), document.AccessRead), "grant_principal_unknown"},
			{"unit not a number", ffGrant(document.PrincipalOrgUnit, "Amt 61", document.AccessRead), "grant_principal_unknown"},
			{"unknown user", ffGrant(document.PrincipalUser, int64(9999), document.AccessRead), "grant_principal_unknown"},
			{"unknown kind", ffGrant("group", "x", document.AccessRead), "invalid_grant_kind"},
			{"no access", ffGrant(document.PrincipalRole, actor.RoleEmployee, document.AccessNone), "invalid_grant_access"},
		} {
			_, err := f.Svc.SetFolderGrants(ctx, f.Records, file.ID, []document.Grant{c.g}, nil)
			ffWantCode(t, c.name, err, apperr.Invalid, c.code)
		}
		_, err := f.Svc.SetFolderGrants(ctx, f.Records, file.ID, []document.Grant{
			ffGrant(document.PrincipalUser, f.Alice.UserID, document.AccessRead), ffGrant(document.PrincipalUser, " "+strconv.FormatInt(f.Alice.UserID, 10), document.AccessWrite)}, nil)
		ffWantCode(t, "twice", err, apperr.Invalid, "grant_duplicate")

		gs, err := f.Svc.SetFolderGrants(ctx, f.Records, file.ID, []document.Grant{
			ffGrant(document.PrincipalUser, f.Alice.UserID, document.AccessManage),
			ffGrant(document.PrincipalOrgUnit, f.Units["amt32"], document.AccessRead),
			ffGrant(document.PrincipalRole, actor.RoleRecords, document.AccessRead)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(gs) != 3 || gs[0].Kind != document.PrincipalRole || gs[0].Name != "records" || gs[1].Name != "Amt 32" || gs[2].Name != "alice" {
			t.Errorf("grants %+v", gs)
		}

		// A manager sets grants but cannot lock themselves out.
		_, err = f.Svc.SetFolderGrants(ctx, f.Alice, file.ID, []document.Grant{ffGrant(document.PrincipalUser, f.Alice.UserID, document.AccessWrite)}, nil)
		ffWantCode(t, "lock-out", err, apperr.Conflict, "grants_lock_out")
		if _, err := f.Svc.SetFolderGrants(ctx, f.Alice, file.ID, []document.Grant{
			ffGrant(document.PrincipalUser, f.Alice.UserID, document.AccessManage),
			ffGrant(document.PrincipalUser, f.Carol.UserID, document.AccessWrite)}, nil); err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.SetFolderGrants(ctx, f.Carol, file.ID, nil, nil)
		ffWantCode(t, "writer", err, apperr.Forbidden, "document_access_required")
		_, err = f.Svc.SetFolderGrants(ctx, f.Bob, file.ID, nil, nil)
		ffWantCode(t, "stranger", err, apperr.NotFound, "not_found")
		_, err = f.Svc.SetFolderGrants(ctx, ffReadToken(f.Alice), file.ID, nil, nil)
		ffWantCode(t, "read-only token", err, apperr.Forbidden, "token_scope")
		_, err = f.Svc.SetFolderGrants(ctx, ffReadToken(f.Records), file.ID, nil, nil)
		ffWantCode(t, "records with a read-only token", err, apperr.Forbidden, "token_scope")

		// The same list again writes nothing.
		if _, err := f.Svc.SetFolderGrants(ctx, f.Alice, file.ID, []document.Grant{
			ffGrant(document.PrincipalUser, f.Carol.UserID, document.AccessWrite),
			ffGrant(document.PrincipalUser, f.Alice.UserID, document.AccessManage)}, nil); err != nil {
			t.Fatal(err)
		}
		if n := ffAuditCount(t, d, "folder.grants"); n != 2 {
			t.Errorf("%d folder.grants records; want 2", n)
		}
	})
}
