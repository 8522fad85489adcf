package document_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/document"
)

func TestCreateFolderRules(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFolderFixture(t, d)
		for _, c := range []struct {
			name string
			n    document.NewFolder
			code string
		}{
			{"unknown kind", document.NewFolder{Kind: "box", Reference: "1", Title: "x"}, "invalid_folder_kind"},
			{"empty title", document.NewFolder{Kind: document.FolderPlan, Reference: "1", Title: " "}, "invalid_folder_title"},
			{"long title", document.NewFolder{Kind: document.FolderPlan, Reference: "1", Title: strings.Repeat("ä", 201)}, "invalid_folder_title"},
			{"plan without reference", document.NewFolder{Kind: document.FolderPlan, Title: "x"}, "invalid_folder_reference"},
			{"control character", document.NewFolder{Kind: document.FolderPlan, Reference: "1\x00", Title: "x"}, "invalid_folder_reference"},
			{"file at the top", document.NewFolder{Kind: document.FolderFile, Title: "x"}, "folder_parent_required"},
			{"unknown owner unit", document.NewFolder{Kind: document.FolderPlan, Reference: "1", Title: "x", OwnerUnitID: 9999}, "folder_owner_unit_unknown"},
			{"unknown retention class", document.NewFolder{Kind: document.FolderPlan, Reference: "1", Title: "x", RetentionClassID: 9999}, "retention_class_unknown"},
		} {
			_, err := f.Svc.CreateFolder(ctx, f.Records, c.n)
			ffWantCode(t, c.name, err, apperr.Invalid, c.code)
		}
		_, err := f.Svc.CreateFolder(ctx, f.Alice, document.NewFolder{Kind: document.FolderPlan, Reference: "1", Title: "x"})
		ffWantCode(t, "employee creates a plan position", err, apperr.Forbidden, "file_plan_admin_required")
		_, err = f.Svc.CreateFolder(ctx, ffReadToken(f.Admin), document.NewFolder{Kind: document.FolderPlan, Reference: "1", Title: "x"})
		ffWantCode(t, "read-only token", err, apperr.Forbidden, "token_scope")

		top, err := f.Svc.CreateFolder(ctx, f.Admin, document.NewFolder{Kind: document.FolderPlan, Reference: " 61 ", Title: " Bauordnung ",
			OwnerUnitID: f.Units["amt61"], RetentionClassID: f.Class10})
		if err != nil {
			t.Fatal(err)
		}
		if top.Reference != "61" || top.Title != "Bauordnung" || top.State != document.FolderOpen || !top.InheritAccess || top.Version != 1 ||
			top.OwnerUnitName != "Amt 61" || top.RetentionClassID != f.Class10 || top.Access != document.AccessNone {
			t.Errorf("created %+v", top)
		}
		pos := f.ffPlan(t, top.ID, "61.20", "Baugenehmigungen")
		if pos.OwnerUnitID != f.Units["amt61"] || pos.RetentionClassID != 0 {
			t.Errorf("plan position takes the parent's owner unit and inherits the class: %+v", pos)
		}
		_, err = f.Svc.CreateFolder(ctx, f.Records, document.NewFolder{ParentID: top.ID, Kind: document.FolderPlan, Reference: "61.20", Title: "x"})
		ffWantCode(t, "taken reference", err, apperr.Conflict, "folder_reference_taken")
		_, err = f.Svc.CreateFolder(ctx, f.Records, document.NewFolder{ParentID: 9999, Kind: document.FolderFile, Title: "x"})
		ffWantCode(t, "unknown parent", err, apperr.NotFound, "not_found")

		// Generated references: <parent>-<n>, skipping taken ones.
		a := f.ffFile(t, pos.ID, "", "Neubau Lindenstraße 4")
		b := f.ffFile(t, pos.ID, "", "Anbau Marktplatz 1")
		f.ffFile(t, pos.ID, "61.20-4", "Von Hand")
		c := f.ffFile(t, pos.ID, "", "Garage Am Hang 2")
		sub := f.ffFile(t, a.ID, "", "Statik")
		if a.Reference != "61.20-1" || b.Reference != "61.20-2" || c.Reference != "61.20-5" || sub.Reference != "61.20-1-1" {
			t.Errorf("generated references %q %q %q %q; want 61.20-1, 61.20-2, 61.20-5, 61.20-1-1", a.Reference, b.Reference, c.Reference, sub.Reference)
		}
		_, err = f.Svc.CreateFolder(ctx, f.Records, document.NewFolder{ParentID: a.ID, Kind: document.FolderPlan, Reference: "x", Title: "x"})
		ffWantCode(t, "plan position in a file", err, apperr.Invalid, "folder_plan_below_file")

		// A manager of the plan position creates files below it, not plan
		// positions, and sets no retention class.
		f.ffSetGrants(t, pos.ID, nil, ffGrant(document.PrincipalUser, f.Alice.UserID, document.AccessManage),
			ffGrant(document.PrincipalUser, f.Bob.UserID, document.AccessWrite))
		mine, err := f.Svc.CreateFolder(ctx, f.Alice, document.NewFolder{ParentID: pos.ID, Kind: document.FolderFile, Title: "Abriss Mühlenweg"})
		if err != nil {
			t.Fatal(err)
		}
		if mine.Access != document.AccessManage || mine.Reference != "61.20-6" {
			t.Errorf("manager's file %+v", mine)
		}
		_, err = f.Svc.CreateFolder(ctx, f.Alice, document.NewFolder{ParentID: pos.ID, Kind: document.FolderPlan, Reference: "61.21", Title: "x"})
		ffWantCode(t, "manager creates a plan position", err, apperr.Forbidden, "file_plan_admin_required")
		_, err = f.Svc.CreateFolder(ctx, f.Alice, document.NewFolder{ParentID: pos.ID, Kind: document.FolderFile, Title: "x", RetentionClassID: f.Class6})
		ffWantCode(t, "manager sets a class", err, apperr.Forbidden, "file_plan_admin_required")
		_, err = f.Svc.CreateFolder(ctx, f.Bob, document.NewFolder{ParentID: pos.ID, Kind: document.FolderFile, Title: "x"})
		ffWantCode(t, "writer creates a file", err, apperr.Forbidden, "document_access_required")
		_, err = f.Svc.CreateFolder(ctx, f.Carol, document.NewFolder{ParentID: pos.ID, Kind: document.FolderFile, Title: "x"})
		ffWantCode(t, "stranger creates a file", err, apperr.NotFound, "not_found")
		_, err = f.Svc.CreateFolder(ctx, ffReadToken(f.Alice), document.NewFolder{ParentID: pos.ID, Kind: document.FolderFile, Title: "x"})
		ffWantCode(t, "manager with read-only token", err, apperr.Forbidden, "token_scope")

		// A manager's file that does not inherit keeps its creator in.
		own, err := f.Svc.CreateFolder(ctx, f.Alice, document.NewFolder{ParentID: pos.ID, Kind: document.FolderFile, Title: "Personalsache",
			InheritAccess: ffPtr(false)})
		if err != nil {
			t.Fatal(err)
		}
		if own.InheritAccess || own.Access != document.AccessManage {
			t.Errorf("own file %+v; want manage without inheritance", own)
		}
		if _, err := f.Svc.GetFolder(ctx, f.Bob, own.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("bob sees the file that does not inherit: %v", err)
		}
		if n := ffAuditCount(t, d, "folder.create"); n != 9 {
			t.Errorf("%d folder.create records; want 9", n)
		}
	})
}

func TestFolderTreeAndDetail(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFolderFixture(t, d)
		p10 := f.ffPlan(t, 0, "10", "Personal")
		p2 := f.ffPlan(t, 0, "2", "Organisation")
		p2x := f.ffPlan(t, p2.ID, "2.10", "Geschäftsverteilung")
		p2y := f.ffPlan(t, p2.ID, "2.9", "Dienstanweisungen")
		file := f.ffFile(t, p2x.ID, "", "GVP 2026")
		list, err := f.Svc.ListFolders(ctx, f.Admin)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range list {
			got = append(got, strings.Repeat(">", x.Depth)+x.Reference)
		}
		if want := "2,>2.9,>2.10,>>2.10-1,10"; strings.Join(got, ",") != want {
			t.Errorf("tree %s; want %s", strings.Join(got, ","), want)
		}
		_ = p10
		_ = p2y

		// A reader with a grant on the file only sees it as a root, without
		// the plan positions above it.
		f.ffSetGrants(t, file.ID, nil, ffGrant(document.PrincipalUser, f.Bob.UserID, document.AccessRead))
		list, err = f.Svc.ListFolders(ctx, f.Bob)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].ID != file.ID || list[0].Depth != 0 || list[0].Access != document.AccessRead {
			t.Errorf("bob's tree %+v", list)
		}
		if list, _ := f.Svc.ListFolders(ctx, f.Carol); len(list) != 0 {
			t.Errorf("carol sees %+v", list)
		}
		dt, err := f.Svc.GetFolder(ctx, f.Bob, file.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(dt.Path) != 0 || dt.Grants != nil || dt.Rights.Edit || dt.Rights.Close || dt.Rights.Grants || dt.Rights.CreateFile {
			t.Errorf("reader's detail %+v", dt)
		}

		// The plan administrator sees the path, sub-folders and grants.
		dt, err = f.Svc.GetFolder(ctx, f.Records, p2x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(dt.Path) != 1 || dt.Path[0].ID != p2.ID || len(dt.Children) != 1 || dt.Children[0].ID != file.ID || !dt.Rights.Structure ||
			!dt.Rights.CreatePlan || !dt.Rights.EditAll || dt.Rights.Close {
			t.Errorf("records' detail %+v", dt)
		}
		dt, err = f.Svc.GetFolder(ctx, f.Records, file.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(dt.Path) != 2 || len(dt.Grants) != 1 || dt.Grants[0].Name != "bob" || dt.Grants[0].Access != document.AccessRead {
			t.Errorf("records' file detail path %+v grants %+v", dt.Path, dt.Grants)
		}
	})
}

func TestUpdateFolder(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFolderFixture(t, d)
		plan := f.ffPlan(t, 0, "32", "Bürgeramt")
		file := f.ffFile(t, plan.ID, "", "Meldewesen")
		f.ffSetGrants(t, plan.ID, nil, ffGrant(document.PrincipalUser, f.Bob.UserID, document.AccessManage),
			ffGrant(document.PrincipalUser, f.Alice.UserID, document.AccessWrite))

		// The plan administrator changes every field.
		up, err := f.Svc.UpdateFolder(ctx, f.Records, plan.ID, document.FolderUpdate{Version: plan.Version, Reference: ffPtr("32.0"),
			Title: ffPtr("Bürgerdienste"), OwnerUnitID: ffPtr(f.Units["amt32"])})
		if err != nil {
			t.Fatal(err)
		}
		if up.Reference != "32.0" || up.Title != "Bürgerdienste" || up.OwnerUnitName != "Amt 32" || up.Version != plan.Version+1 {
			t.Errorf("updated %+v", up)
		}
		_, err = f.Svc.UpdateFolder(ctx, f.Records, plan.ID, document.FolderUpdate{Version: plan.Version, Title: ffPtr("x")})
		ffWantCode(t, "stale", err, apperr.Conflict, "folder_stale")
		same, err := f.Svc.UpdateFolder(ctx, f.Records, plan.ID, document.FolderUpdate{Version: up.Version, Title: ffPtr("Bürgerdienste")})
		if err != nil || same.Version != up.Version {
			t.Errorf("no-op update: %+v, %v", same, err)
		}
		_, err = f.Svc.UpdateFolder(ctx, f.Records, file.ID, document.FolderUpdate{Version: file.Version, Reference: ffPtr("32.0")})
		ffWantCode(t, "taken reference", err, apperr.Conflict, "folder_reference_taken")
		_, err = f.Svc.UpdateFolder(ctx, f.Records, file.ID, document.FolderUpdate{Version: file.Version, OwnerUnitID: ffPtr(int64(9999))})
		ffWantCode(t, "unknown unit", err, apperr.Invalid, "folder_owner_unit_unknown")
		_, err = f.Svc.UpdateFolder(ctx, f.Records, file.ID, document.FolderUpdate{Version: file.Version, Title: ffPtr("")})
		ffWantCode(t, "empty title", err, apperr.Invalid, "invalid_folder_title")

		// A manager edits the title and description of a file, nothing else.
		fu, err := f.Svc.UpdateFolder(ctx, f.Bob, file.ID, document.FolderUpdate{Version: file.Version, Title: ffPtr("Meldewesen 2026"),
			Description: ffPtr("An- und Abmeldungen")})
		if err != nil {
			t.Fatal(err)
		}
		if fu.Title != "Meldewesen 2026" || fu.Description != "An- und Abmeldungen" {
			t.Errorf("manager's update %+v", fu)
		}
		_, err = f.Svc.UpdateFolder(ctx, f.Bob, file.ID, document.FolderUpdate{Version: fu.Version, Reference: ffPtr("32.0-9")})
		ffWantCode(t, "manager changes the reference", err, apperr.Forbidden, "file_plan_admin_required")
		_, err = f.Svc.UpdateFolder(ctx, f.Bob, up.ID, document.FolderUpdate{Version: up.Version, Title: ffPtr("x")})
		ffWantCode(t, "manager edits a plan position", err, apperr.Forbidden, "file_plan_admin_required")
		_, err = f.Svc.UpdateFolder(ctx, f.Alice, file.ID, document.FolderUpdate{Version: fu.Version, Title: ffPtr("x")})
		ffWantCode(t, "writer edits", err, apperr.Forbidden, "document_access_required")
		_, err = f.Svc.UpdateFolder(ctx, f.Carol, file.ID, document.FolderUpdate{Version: fu.Version, Title: ffPtr("x")})
		ffWantCode(t, "stranger edits", err, apperr.NotFound, "not_found")
		_, err = f.Svc.UpdateFolder(ctx, ffReadToken(f.Records), file.ID, document.FolderUpdate{Version: fu.Version, Title: ffPtr("x")})
		ffWantCode(t, "read-only token", err, apperr.Forbidden, "token_scope")
		if n := ffAuditCount(t, d, "folder.update"); n != 2 {
			t.Errorf("%d folder.update records; want 2", n)
		}
	})
}

func TestRetentionNeverShortened(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFolderFixture(t, d)
		plan, err := f.Svc.CreateFolder(ctx, f.Records, document.NewFolder{Kind: document.FolderPlan, Reference: "20", Title: "Finanzen",
			RetentionClassID: f.Class10})
		if err != nil {
			t.Fatal(err)
		}
		empty := f.ffFile(t, plan.ID, "", "Leer")
		file := f.ffFile(t, plan.ID, "", "Belege 2025")
		dt, err := f.Svc.GetFolder(ctx, f.Records, file.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r := dt.Retention; r == nil || r.ClassID != f.Class10 || r.Years != 10 || r.Trigger != "file_closed" || !r.Inherited(file.ID) || r.FromFolderID != plan.ID {
			t.Errorf("effective retention %+v", dt.Retention)
		}

		// Without records a shorter class is fine.
		e2, err := f.Svc.UpdateFolder(ctx, f.Records, empty.ID, document.FolderUpdate{Version: empty.Version, RetentionClassID: &f.Class6})
		if err != nil {
			t.Fatal(err)
		}
		if dt, _ := f.Svc.GetFolder(ctx, f.Records, empty.ID); dt.Retention == nil || dt.Retention.Years != 6 || dt.Retention.Inherited(empty.ID) {
			t.Errorf("own class %+v", dt.Retention)
		}
		_ = e2

		f.ffDocument(t, file.ID, "Rechnung 4711")
		_, err = f.Svc.UpdateFolder(ctx, f.Records, file.ID, document.FolderUpdate{Version: file.Version, RetentionClassID: &f.Class6})
		ffWantCode(t, "shorter own class", err, apperr.Conflict, "retention_shortened")
		_, err = f.Svc.UpdateFolder(ctx, f.Records, plan.ID, document.FolderUpdate{Version: plan.Version, RetentionClassID: &f.Class6})
		ffWantCode(t, "shorter class on the plan position", err, apperr.Conflict, "retention_shortened")
		_, err = f.Svc.UpdateFolder(ctx, f.Records, plan.ID, document.FolderUpdate{Version: plan.Version, RetentionClassID: ffPtr(int64(9999))})
		ffWantCode(t, "unknown class", err, apperr.Invalid, "retention_class_unknown")

		// Lengthening and an equal period are fine; clearing leaves no class
		// (nothing is ever due without one).
		long := ffExec(t, d, `INSERT INTO retention_classes (code, name, years, trigger, created_at, updated_at)
			VALUES ('TEST-FF-30', 'Dreißig Jahre', 30, 'file_closed', ?, ?) RETURNING id`, db.T(ffStart), db.T(ffStart))
		fu, err := f.Svc.UpdateFolder(ctx, f.Records, file.ID, document.FolderUpdate{Version: file.Version, RetentionClassID: &long})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.UpdateFolder(ctx, f.Records, file.ID, document.FolderUpdate{Version: fu.Version, RetentionClassID: &f.Class10})
		ffWantCode(t, "back to the shorter class", err, apperr.Conflict, "retention_shortened")
		pu, err := f.Svc.UpdateFolder(ctx, f.Records, plan.ID, document.FolderUpdate{Version: plan.Version, RetentionClassID: ffPtr(int64(0))})
		if err != nil {
			t.Fatalf("clearing the class: %v", err)
		}
		if pu.RetentionClassID != 0 {
			t.Errorf("cleared %+v", pu)
		}
		if n := ffAuditCount(t, d, "folder.update"); n != 3 {
			t.Errorf("%d folder.update records; want 3", n)
		}
	})
}

func TestCloseFolder(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFolderFixture(t, d)
		plan := f.ffPlan(t, 0, "33", "Standesamt")
		file := f.ffFile(t, plan.ID, "", "Eheschließung Muster")
		sub := f.ffFile(t, file.ID, "", "Urkunden")
		other := f.ffFile(t, plan.ID, "", "Geburt Beispiel")
		f.ffSetGrants(t, plan.ID, nil, ffGrant(document.PrincipalUser, f.Alice.UserID, document.AccessManage),
			ffGrant(document.PrincipalUser, f.Bob.UserID, document.AccessWrite))
		d1 := f.ffDocument(t, file.ID, "Anmeldung")
		d2 := f.ffDocument(t, sub.ID, "Geburtsurkunde")
		d3 := f.ffDocument(t, other.ID, "Anzeige")
		if _, err := d.ExecContext(ctx, "UPDATE documents SET locked_by = ?, locked_at = ?, lock_expires_at = ? WHERE id = ?",
			f.Bob.UserID, db.T(ffStart), db.T(ffStart), d1); err != nil {
			t.Fatal(err)
		}

		_, err := f.Svc.CloseFolder(ctx, f.Alice, plan.ID)
		ffWantCode(t, "plan position", err, apperr.Conflict, "folder_not_file")
		_, err = f.Svc.CloseFolder(ctx, f.Bob, file.ID)
		ffWantCode(t, "writer", err, apperr.Forbidden, "document_access_required")
		_, err = f.Svc.CloseFolder(ctx, f.Carol, file.ID)
		ffWantCode(t, "stranger", err, apperr.NotFound, "not_found")
		_, err = f.Svc.CloseFolder(ctx, f.Records, file.ID)
		ffWantCode(t, "records without grant", err, apperr.NotFound, "not_found")
		_, err = f.Svc.CloseFolder(ctx, ffReadToken(f.Alice), file.ID)
		ffWantCode(t, "read-only token", err, apperr.Forbidden, "token_scope")

		f.Clock.Advance(time.Hour)
		closed, err := f.Svc.CloseFolder(ctx, f.Alice, file.ID)
		if err != nil {
			t.Fatal(err)
		}
		if closed.State != document.FolderClosed || closed.ClosedAt == nil || !closed.ClosedAt.Equal(f.Clock.Now()) || closed.ClosedBy != f.Alice.UserID {
			t.Errorf("closed %+v", closed)
		}
		state := func(table string, id int64) string {
			var s string
			if err := d.QueryRowContext(ctx, "SELECT state FROM "+table+" WHERE id = ?", id).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		if s1, s2, s3, ss := state("documents", d1), state("documents", d2), state("documents", d3), state("doc_folders", sub.ID); s1 != "closed" ||
			s2 != "closed" || s3 != "draft" || ss != "closed" {
			t.Errorf("states after closing: %s %s %s, sub-file %s; want closed closed draft, closed", s1, s2, s3, ss)
		}
		var locked int
		if err := d.QueryRowContext(ctx, "SELECT count(*) FROM documents WHERE locked_by IS NOT NULL").Scan(&locked); err != nil || locked != 0 {
			t.Errorf("%d documents still checked out (%v)", locked, err)
		}

		// Nothing changes in a closed file; there is no reopening.
		_, err = f.Svc.CloseFolder(ctx, f.Alice, file.ID)
		ffWantCode(t, "closing twice", err, apperr.Conflict, "folder_closed")
		_, err = f.Svc.UpdateFolder(ctx, f.Records, file.ID, document.FolderUpdate{Version: closed.Version, Title: ffPtr("x")})
		ffWantCode(t, "update", err, apperr.Conflict, "folder_closed")
		_, err = f.Svc.CreateFolder(ctx, f.Records, document.NewFolder{ParentID: file.ID, Kind: document.FolderFile, Title: "x"})
		ffWantCode(t, "new sub-file", err, apperr.Conflict, "folder_closed")
		dt, err := f.Svc.GetFolder(ctx, f.Alice, file.ID)
		if err != nil {
			t.Fatal(err)
		}
		if dt.Rights.Edit || dt.Rights.Close || dt.Rights.CreateFile || !dt.Rights.Grants {
			t.Errorf("rights on a closed file %+v", dt.Rights)
		}
		// Grants remain administrable.
		if _, err := f.Svc.SetFolderGrants(ctx, f.Records, file.ID, []document.Grant{ffGrant(document.PrincipalUser, f.Carol.UserID, document.AccessRead)}, nil); err != nil {
			t.Errorf("grants of a closed file: %v", err)
		}
		if n := ffAuditCount(t, d, "folder.close"); n != 1 {
			t.Errorf("%d folder.close records; want 1", n)
		}
	})
}

func TestDocTypes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFolderFixture(t, d)
		fields := []document.DocField{
			{Key: "aktenzeichen_absender", Label: "Zeichen des Absenders", Kind: document.FieldText},
			{Key: "eingang", Label: "Eingangsdatum", Kind: document.FieldDate, Required: true},
			{Key: "betrag", Label: "Betrag (€)", Kind: document.FieldNumber},
		}
		for _, c := range []struct {
			name string
			n    document.NewDocType
			code string
		}{
			{"empty name", document.NewDocType{Name: " "}, "invalid_doc_type_name"},
			{"bad key", document.NewDocType{Name: "x", Fields: []document.DocField{{Key: "Eingang", Label: "x", Kind: "text"}}}, "invalid_doc_field_key"},
			{"key with a dash", document.NewDocType{Name: "x", Fields: []document.DocField{{Key: "a-b", Label: "x", Kind: "text"}}}, "invalid_doc_field_key"},
			{"key twice", document.NewDocType{Name: "x", Fields: []document.DocField{{Key: "a", Label: "x", Kind: "text"}, {Key: "a", Label: "y", Kind: "date"}}}, "doc_field_key_duplicate"},
			{"bad kind", document.NewDocType{Name: "x", Fields: []document.DocField{{Key: "a", Label: "x", Kind: "bool"}}}, "invalid_doc_field_kind"},
			{"no label", document.NewDocType{Name: "x", Fields: []document.DocField{{Key: "a", Label: "", Kind: "text"}}}, "invalid_doc_field_label"},
			{"unknown class", document.NewDocType{Name: "x", RetentionClassID: 9999}, "retention_class_unknown"},
		} {
			_, err := f.Svc.CreateDocType(ctx, f.Records, c.n)
			ffWantCode(t, c.name, err, apperr.Invalid, c.code)
		}
		_, err := f.Svc.CreateDocType(ctx, f.Alice, document.NewDocType{Name: "Rechnung"})
		ffWantCode(t, "employee", err, apperr.Forbidden, "file_plan_admin_required")
		_, err = f.Svc.CreateDocType(ctx, ffReadToken(f.Admin), document.NewDocType{Name: "Rechnung"})
		ffWantCode(t, "read-only token", err, apperr.Forbidden, "token_scope")

		inv, err := f.Svc.CreateDocType(ctx, f.Records, document.NewDocType{Name: " Rechnung ", Fields: fields, RetentionClassID: f.Class10})
		if err != nil {
			t.Fatal(err)
		}
		if inv.Name != "Rechnung" || len(inv.Fields) != 3 || inv.Fields[1].Key != "eingang" || !inv.Fields[1].Required || inv.RetentionClassID != f.Class10 {
			t.Errorf("created %+v", inv)
		}
		letter, err := f.Svc.CreateDocType(ctx, f.Admin, document.NewDocType{Name: "Brief"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.CreateDocType(ctx, f.Admin, document.NewDocType{Name: "Brief"})
		ffWantCode(t, "name taken", err, apperr.Conflict, "doc_type_name_taken")
		_, err = f.Svc.UpdateDocType(ctx, f.Admin, letter.ID, document.DocTypeUpdate{Name: ffPtr("Rechnung")})
		ffWantCode(t, "rename to a taken name", err, apperr.Conflict, "doc_type_name_taken")
		up, err := f.Svc.UpdateDocType(ctx, f.Records, letter.ID, document.DocTypeUpdate{Name: ffPtr("Schreiben"),
			Fields: &[]document.DocField{{Key: "absender", Label: "Absender", Kind: "text", Required: true}}, RetentionClassID: &f.Class6})
		if err != nil {
			t.Fatal(err)
		}
		if up.Name != "Schreiben" || len(up.Fields) != 1 || up.RetentionClassID != f.Class6 {
			t.Errorf("updated %+v", up)
		}
		if _, err := f.Svc.UpdateDocType(ctx, f.Records, letter.ID, document.DocTypeUpdate{Name: ffPtr("Schreiben")}); err != nil {
			t.Errorf("no-op update: %v", err)
		}
		_, err = f.Svc.UpdateDocType(ctx, f.Records, 9999, document.DocTypeUpdate{Name: ffPtr("x")})
		ffWantCode(t, "unknown type", err, apperr.NotFound, "not_found")

		// Everyone reads the types.
		list, err := f.Svc.ListDocTypes(ctx, f.Carol)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Name != "Rechnung" || list[1].Name != "Schreiben" {
			t.Errorf("types %+v", list)
		}
		got, err := f.Svc.DocType(ctx, f.Bob, inv.ID)
		if err != nil || got.Name != "Rechnung" {
			t.Errorf("type %+v, %v", got, err)
		}
		if n := ffAuditCount(t, d, "doctype.create") + ffAuditCount(t, d, "doctype.update"); n != 3 {
			t.Errorf("%d doctype records; want 3", n)
		}

		// ValidateFields.
		if err := inv.ValidateFields(map[string]string{"eingang": "2026-03-02", "betrag": "1.234,50"}); err == nil {
			t.Error("number with a thousands separator accepted")
		}
		if err := inv.ValidateFields(map[string]string{"eingang": "2026-03-02", "betrag": "1234,50", "aktenzeichen_absender": "AB-1"}); err != nil {
			t.Errorf("valid fields refused: %v", err)
		}
		err = inv.ValidateFields(map[string]string{"eingang": "", "betrag": "zwölf", "farbe": "rot"})
		e, ok := apperr.As(err)
		if !ok || e.Code != "validation_failed" || e.Fields["fields.eingang"] != "doc_field_required" || e.Fields["fields.betrag"] != "doc_field_invalid_number" ||
			e.Fields["fields.farbe"] != "doc_field_unknown" {
			t.Errorf("invalid fields: %+v", err)
		}
		err = inv.ValidateFields(map[string]string{"eingang": "2.3.2026"})
		if e, ok := apperr.As(err); !ok || e.Fields["fields.eingang"] != "doc_field_invalid_date" {
			t.Errorf("German date: %v", err)
		}
		err = inv.ValidateFields(map[string]string{"eingang": "2026-03-02", "aktenzeichen_absender": strings.Repeat("x", 1001)})
		if e, ok := apperr.As(err); !ok || e.Fields["fields.aktenzeichen_absender"] != "doc_field_too_long" {
			t.Errorf("long value: %v", err)
		}
	})
}
