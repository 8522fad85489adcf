package document_test

import (
	"io"
	"strconv"
	"strings"
	"testing"

	"ortlos/internal/apperr"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/document"
)

func TestDAVNames(t *testing.T) {
	for in, want := range map[[2]string]string{
		{"63.02-1", "Bauantrag Lindenweg 3"}: "63.02-1 Bauantrag Lindenweg 3",
		{"1/2", `Was? "Nein" <ja>|*:`}:       "1_2 Was_ _Nein_ _ja____",
		{"7", "Ende. "}:                      "7 Ende",
	} {
		if got := document.DAVFolderName(in[0], in[1]); got != want {
			t.Errorf("DAVFolderName(%q) = %q, want %q", in, got, want)
		}
	}
	for name, ok := range map[string]bool{"Antrag.pdf": true, "a b.txt": true, "": false, ".": false, "..": false,
		"a/b": false, `a\b`: false, "x.": false, "x ": false, "a\x01b": false, strings.Repeat("x", 256): false} {
		if document.DAVValidName(name) != ok {
			t.Errorf("DAVValidName(%q) = %v", name, !ok)
		}
	}
}

func TestDAVOperations(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newDocFixture(t, d)
		ctx := t.Context()
		// The writer sees the plan position at the top and the file below.
		tree, err := f.Svc.DAVTree(ctx, f.Writer)
		if err != nil {
			t.Fatal(err)
		}
		if len(tree.Children[0]) != 1 || tree.Children[0][0] != f.Plan {
			t.Fatalf("roots: %v", tree.Children[0])
		}
		// The manager's grant starts at the file: it is their top level.
		mt, err := f.Svc.DAVTree(ctx, f.Manager)
		if err != nil || len(mt.Children[0]) != 1 || mt.Children[0][0] != f.File {
			t.Fatalf("manager roots: %v %v", mt.Children[0], err)
		}
		file := tree.Folders[f.File]
		if c, ok := tree.Child(f.Plan, file.Name); !ok || c.ID != f.File {
			t.Fatal("lookup by full name")
		}
		if c, ok := tree.Child(f.Plan, file.Title); !ok || c.ID != f.File {
			t.Fatal("lookup by title")
		}
		if _, err := f.Svc.DAVTree(ctx, f.Outsider); err != nil {
			t.Fatal(err)
		}
		// Create, new version, names.
		doc, err := f.Svc.DAVCreate(ctx, f.Writer, f.File, "Notiz.txt", "text/plain", strings.NewReader("eins"))
		if err != nil || doc.Title != "Notiz" || doc.CurrentVersion != 1 || doc.Name != "Notiz.txt" {
			t.Fatalf("create: %+v %v", doc, err)
		}
		if _, err := f.Svc.DAVCreate(ctx, f.Writer, f.File, "Notiz.txt", "", strings.NewReader("x")); apperr.CodeOf(err) != "dav_name_taken" {
			t.Fatalf("duplicate name: %v", err)
		}
		if _, err := f.Svc.DAVCreate(ctx, f.Reader, f.File, "Leser.txt", "", strings.NewReader("x")); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("reader creates: %v", err)
		}
		if _, err := f.Svc.DAVCreate(ctx, f.Outsider, f.File, "Fremd.txt", "", strings.NewReader("x")); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("outsider creates: %v", err)
		}
		v, err := f.Svc.DAVPut(ctx, f.Writer, doc.ID, "Notiz.txt", "", strings.NewReader("zwei"))
		if err != nil || v.Number != 2 || v.BasedOn == nil || *v.BasedOn != 1 {
			t.Fatalf("put: %+v %v", v, err)
		}
		_, rc, err := f.Svc.OpenVersion(ctx, f.Writer, doc.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		old, _ := io.ReadAll(rc)
		rc.Close()
		if string(old) != "eins" {
			t.Fatalf("version 1: %q", old)
		}
		got, err := f.Svc.DAVDocument(ctx, f.Reader, f.File, "Notiz.txt")
		if err != nil || got.ID != doc.ID || got.CurrentVersion != 2 {
			t.Fatalf("lookup: %+v %v", got, err)
		}
		// Rename, then withdraw: the document is gone for WebDAV but kept.
		if err := f.Svc.DAVMoveDocument(ctx, f.Writer, doc.ID, 0, "Vermerk.txt"); err != nil {
			t.Fatal(err)
		}
		if err := f.Svc.WithdrawDocument(ctx, f.Reader, doc.ID); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("reader withdraws: %v", err)
		}
		if err := f.Svc.WithdrawDocument(ctx, f.Writer, doc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.DAVDocument(ctx, f.Writer, f.File, "Vermerk.txt"); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("withdrawn lookup: %v", err)
		}
		docs, err := f.Svc.DAVDocuments(ctx, f.Writer, f.File)
		if err != nil || len(docs) != 0 {
			t.Fatalf("listing after withdraw: %+v %v", docs, err)
		}
		// Gone for its users, kept for its retention period.
		if _, err := f.Svc.ListVersions(ctx, f.Writer, doc.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("versions of a withdrawn document through the API: %v", err)
		}
		if n := dfCount(t, d, "document_versions", "document_id = ?", doc.ID); n != 2 {
			t.Fatalf("withdrawn document keeps %d versions, want 2", n)
		}
		// A final document refuses new versions, moves and withdrawal.
		fin, err := f.Svc.DAVCreate(ctx, f.Writer, f.File, "Bescheid.txt", "", strings.NewReader("b"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.FinalizeDocument(ctx, f.Writer, fin.ID, nil); err != nil {
			t.Fatal(err)
		}
		for name, err := range map[string]error{
			"check put": f.Svc.DAVCheckPut(ctx, f.Writer, fin.ID),
			"move":      f.Svc.DAVMoveDocument(ctx, f.Writer, fin.ID, 0, "Neu.txt"),
			"withdraw":  f.Svc.WithdrawDocument(ctx, f.Writer, fin.ID),
		} {
			if apperr.KindOf(err) != apperr.Forbidden {
				t.Errorf("%s of a final document: %v", name, err)
			}
		}
		if _, err := f.Svc.DAVPut(ctx, f.Writer, fin.ID, "Bescheid.txt", "", strings.NewReader("c")); apperr.CodeOf(err) != "dav_final_document" {
			t.Fatalf("put final: %v", err)
		}
		// A file holding a final document is not withdrawn; a sub-file of
		// drafts is, with its drafts.
		if err := f.Svc.DAVWithdrawFolder(ctx, f.Manager, f.File); apperr.CodeOf(err) != "dav_folder_delete_refused" {
			t.Fatalf("withdraw file with a final document: %v", err)
		}
		sub, err := f.Svc.DAVMkcol(ctx, f.Manager, f.File, "Vorgang")
		if err != nil || sub.Title != "Vorgang" || sub.Kind != document.FolderFile {
			t.Fatalf("mkcol: %+v %v", sub, err)
		}
		if _, err := f.Svc.DAVCreate(ctx, f.Writer, sub.ID, "Entwurf.txt", "", strings.NewReader("e")); err != nil {
			t.Fatal(err)
		}
		if err := f.Svc.DAVWithdrawFolder(ctx, f.Writer, sub.ID); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("writer withdraws a folder: %v", err)
		}
		if err := f.Svc.DAVWithdrawFolder(ctx, f.Manager, sub.ID); err != nil {
			t.Fatal(err)
		}
		if tr, _ := f.Svc.DAVTree(ctx, f.Manager); tr.Folders[sub.ID].ID != 0 {
			t.Fatal("withdrawn folder still listed")
		}
		// Dead properties.
		key := "d:" + strconv.FormatInt(fin.ID, 10)
		if err := f.Svc.DAVPatchProps(ctx, f.Writer, key, []document.DAVProp{{Space: "urn:x", Local: "a", XML: "1"}, {Space: "urn:x", Local: "b", XML: "2"},
			{Space: "urn:x", Local: "a", Remove: true}}); err != nil {
			t.Fatal(err)
		}
		if ps, err := f.Svc.DAVProps(ctx, key); err != nil || len(ps) != 1 || ps[0].Local != "b" || ps[0].XML != "2" {
			t.Fatalf("props: %+v %v", ps, err)
		}
	})
}
