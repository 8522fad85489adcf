package project_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"ortlos/internal/apperr"
	"ortlos/internal/blob"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/project"
)

// txFiles returns a task fixture whose service stores attachments in a
// fresh local blob store.
func txFiles(t *testing.T, d *db.DB) (*tfFixture, *blob.Local) {
	t.Helper()
	f := newTaskFixture(t, d)
	store, err := blob.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.svc = f.svc.WithBlobs(store)
	return f, store
}

var txPDF = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n")

func TestTaskFileUploadListDownloadDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f, store := txFiles(t, d)
		tk := f.task(t, "Bescheid entwerfen", 0)

		// Viewers and people without a role read but do not upload.
		_, err := f.svc.AddTaskFile(ctx, f.view, tk.ID, "a.pdf", "application/pdf", bytes.NewReader(txPDF))
		tfWantCode(t, "viewer upload", err, apperr.Forbidden, "project_role_required")
		_, err = f.svc.AddTaskFile(ctx, tfReadToken(f.mem), tk.ID, "a.pdf", "application/pdf", bytes.NewReader(txPDF))
		tfWantCode(t, "read-only token upload", err, apperr.Forbidden, "token_scope")

		up, err := f.svc.AddTaskFile(ctx, f.mem, tk.ID, `C:\Users\max\Bescheid über Änderung.pdf`, "application/pdf", bytes.NewReader(txPDF))
		if err != nil {
			t.Fatalf("upload: %v", err)
		}
		if up.Name != "Bescheid über Änderung.pdf" || up.MIMEType != "application/pdf" || up.Size != int64(len(txPDF)) || up.CreatedBy != f.mem.UserID {
			t.Errorf("uploaded = %+v", up)
		}
		// The same content again (by someone else) is stored once.
		up2, err := f.svc.AddTaskFile(ctx, f.mem2, tk.ID, "Kopie.pdf", "", bytes.NewReader(txPDF))
		if err != nil {
			t.Fatalf("second upload: %v", err)
		}
		if up2.SHA256 != up.SHA256 {
			t.Errorf("same content, different hash")
		}

		list, err := f.svc.ListTaskFiles(ctx, f.out, tk.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("list as outsider of an open project = %v, %v", list, err)
		}
		if list[0].CanDelete || list[1].CanDelete {
			t.Errorf("an outsider may delete: %+v", list)
		}
		mine, _ := f.svc.ListTaskFiles(ctx, f.mem, tk.ID)
		if !mine[0].CanDelete || mine[1].CanDelete {
			t.Errorf("mem may delete own only: %+v", mine)
		}
		mgr, _ := f.svc.ListTaskFiles(ctx, f.mgr, tk.ID)
		if !mgr[0].CanDelete || !mgr[1].CanDelete {
			t.Errorf("the manager may delete all: %+v", mgr)
		}

		got, rc, err := f.svc.OpenTaskFile(ctx, f.view, up.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(b, txPDF) || got.Name != up.Name {
			t.Errorf("download = %q (%s)", b, got.Name)
		}

		// Deleting: not someone else's as member; the blob stays while the
		// second record refers to it.
		_, err = f.svc.DeleteTaskFile(ctx, f.mem2, up.ID)
		tfWantCode(t, "delete other's", err, apperr.Forbidden, "task_file_not_own")
		if _, err := f.svc.DeleteTaskFile(ctx, f.mem, up.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Stat(ctx, up.SHA256); err != nil {
			t.Errorf("blob gone while another attachment refers to it: %v", err)
		}
		if _, err := f.svc.DeleteTaskFile(ctx, f.mgr, up2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Stat(ctx, up.SHA256); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("blob not deleted with its last attachment: %v", err)
		}
		_, _, err = f.svc.OpenTaskFile(ctx, f.mem, up.ID)
		tfWantCode(t, "open deleted", err, apperr.NotFound, "not_found")
		if n := tfAuditCount(t, d, "task.file_add"); n != 2 {
			t.Errorf("task.file_add audited %d times", n)
		}
		if n := tfAuditCount(t, d, "task.file_delete"); n != 2 {
			t.Errorf("task.file_delete audited %d times", n)
		}

		// A confidential project's attachments are 404 for outsiders.
		sec, _, err := f.svc.CreateTask(ctx, f.mgr, f.secret, project.NewTask{Title: "Personalakte"})
		if err != nil {
			t.Fatal(err)
		}
		sf, err := f.svc.AddTaskFile(ctx, f.mgr, sec.ID, "akte.pdf", "application/pdf", bytes.NewReader(txPDF))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.OpenTaskFile(ctx, f.adminUser, sf.ID)
		tfWantCode(t, "admin opens confidential file", err, apperr.NotFound, "not_found")
		_, err = f.svc.ListTaskFiles(ctx, f.out, sec.ID)
		tfWantCode(t, "outsider lists confidential files", err, apperr.NotFound, "not_found")
	})
}

func tfAuditCount(t *testing.T, d *db.DB, action string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = ?", action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTaskFileLimitAndTypes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f, _ := txFiles(t, d)
		f.svc = f.svc.WithTaskFileMaxBytes(1000)
		tk := f.task(t, "Anlagen", 0)
		exact := bytes.Repeat([]byte("a"), 1000)
		if _, err := f.svc.AddTaskFile(ctx, f.mem, tk.ID, "genau.txt", "text/plain", bytes.NewReader(exact)); err != nil {
			t.Errorf("exactly the limit: %v", err)
		}
		_, err := f.svc.AddTaskFile(ctx, f.mem, tk.ID, "zu-gross.txt", "text/plain", bytes.NewReader(append(exact, 'b')))
		tfWantCode(t, "one byte over", err, apperr.Invalid, "file_too_large")
		_, err = f.svc.AddTaskFile(ctx, f.mem, tk.ID, "leer.txt", "text/plain", bytes.NewReader(nil))
		tfWantCode(t, "empty", err, apperr.Invalid, "task_file_empty")
		_, err = f.svc.AddTaskFile(ctx, f.mem, tk.ID, "foto.png", "image/png", strings.NewReader("<html><script>alert(1)</script></html>"))
		tfWantCode(t, "HTML as PNG", err, apperr.Invalid, "task_file_type_refused")
		var n int
		if err := d.QueryRowContext(ctx, "SELECT count(*) FROM task_files").Scan(&n); err != nil || n != 1 {
			t.Errorf("task_files rows = %d, %v; want only the accepted one", n, err)
		}
	})
}

func TestTaskFileType(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	zip := []byte("PK\x03\x04\x14\x00\x06\x00")
	for _, c := range []struct {
		name, declared string
		head           []byte
		want, code     string
	}{
		{"foto.png", "image/png", png, "image/png", ""},
		{"foto.png", "", png, "image/png", ""},
		{"foto.png", "image/png", []byte("<!DOCTYPE html><p>hi"), "", "task_file_type_refused"},
		{"foto.jpg", "image/jpeg", []byte("MZ\x90\x00\x03"), "", "task_file_type_refused"},
		{"foto.png", "image/png", []byte("just some text"), "", "task_file_type_mismatch"},
		{"scan.pdf", "application/pdf", []byte("not a pdf at all"), "", "task_file_type_mismatch"},
		{"bild.dat", "image/gif", []byte("plain words"), "", "task_file_type_mismatch"},
		{"tool.exe", "application/octet-stream", []byte("harmless"), "", "task_file_type_refused"},
		{"run.sh", "", []byte("#!/bin/sh\nrm -rf /"), "", "task_file_type_refused"},
		{"script", "", []byte("#!/usr/bin/env python3"), "", "task_file_type_refused"},
		{"logo.svg", "image/svg+xml", []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), "", "task_file_type_refused"},
		{"seite.htm", "text/html", []byte("<p>x"), "", "task_file_type_refused"},
		{"prog", "", []byte("\x7fELF\x02\x01\x01"), "", "task_file_type_refused"},
		{"Vermerk.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", zip,
			"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ""},
		{"Liste.csv", "text/csv", []byte("a;b\n1;2\n"), "text/csv; charset=utf-8", ""},
		{"XRechnung.xml", "application/xml", []byte("<?xml version=\"1.0\"?><Invoice/>"), "text/xml; charset=utf-8", ""},
		{"daten.bin", "", []byte{0, 1, 2, 3, 0xff}, "application/octet-stream", ""},
		{"notiz.txt", "", []byte("Grüße aus der Verwaltung"), "text/plain; charset=utf-8", ""},
		{"fake.txt", "text/html", []byte("Grüße"), "text/plain; charset=utf-8", ""},
	} {
		got, err := project.TaskFileType(c.head, c.name, c.declared)
		code := ""
		if err != nil {
			code = apperr.CodeOf(err)
		}
		if code != c.code || got != c.want {
			t.Errorf("TaskFileType(%q, %q) = %q, %v; want %q %q", c.name, c.declared, got, err, c.want, c.code)
		}
	}
}

func TestSafeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"Bericht.pdf":                     "Bericht.pdf",
		"../../etc/passwd":                "passwd",
		`C:\Temp\Übersicht März.xlsx`:     "Übersicht März.xlsx",
		"a\x00b\nc\td.txt":                "ab c d.txt",
		"rechnung\u202Efdp.exe":           "rechnungfdp.exe",
		"  .versteckt.  ":                 "versteckt",
		"":                                "Datei",
		"..":                              "Datei",
		"/":                               "Datei",
		"Straße  und   Maß.odt":           "Straße und Maß.odt",
		strings.Repeat("ä", 200) + ".pdf": strings.Repeat("ä", 125) + ".pdf",
	} {
		if got := project.SafeFileName(in); got != want {
			t.Errorf("SafeFileName(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestDeleteTaskCollectsAttachments: deleting a task removes the content
// of its attachments unless another task's attachment shares it.
func TestDeleteTaskCollectsAttachments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f, store := txFiles(t, d)
		a, b := f.task(t, "Akte A", 0), f.task(t, "Akte B", 0)
		only, err := f.svc.AddTaskFile(ctx, f.mem, a.ID, "nur-a.txt", "text/plain", strings.NewReader("nur in A"))
		if err != nil {
			t.Fatal(err)
		}
		shared, err := f.svc.AddTaskFile(ctx, f.mem, a.ID, "a.pdf", "application/pdf", bytes.NewReader(txPDF))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddTaskFile(ctx, f.mem, b.ID, "b.pdf", "application/pdf", bytes.NewReader(txPDF)); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteTask(ctx, f.mgr, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Stat(ctx, only.SHA256); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("content only task A had: Stat err = %v, want not found", err)
		}
		if _, err := store.Stat(ctx, shared.SHA256); err != nil {
			t.Errorf("content task B shares is gone: %v", err)
		}
	})
}

// tfScanner is a virus scanner that finds "EICAR" or fails with err.
type tfScanner struct{ err error }

func (s tfScanner) Scan(ctx context.Context, r io.Reader) (string, error) {
	b, err := io.ReadAll(r)
	switch {
	case s.err != nil:
		return "", s.err
	case err != nil:
		return "", err
	case bytes.Contains(b, []byte("EICAR")):
		return "Test.EICAR", nil
	}
	return "", nil
}

// TestTaskFileScan: with a scanner, infected attachments are refused and
// their content removed unless another attachment shares it; a scanner
// without verdict refuses the upload.
func TestTaskFileScan(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f, store := txFiles(t, d)
		tk := f.task(t, "Anlagen", 0)
		infected := []byte("Vermerk mit EICAR darin\n")
		// Stored before scanning was configured.
		old, err := f.svc.AddTaskFile(ctx, f.mem, tk.ID, "alt.txt", "text/plain", bytes.NewReader(infected))
		if err != nil {
			t.Fatal(err)
		}
		scanned := f.svc.WithScanner(tfScanner{}).WithTaskFileMaxBytes(1000)
		if _, err := scanned.AddTaskFile(ctx, f.mem, tk.ID, "sauber.txt", "text/plain", strings.NewReader("Vermerk\n")); err != nil {
			t.Fatalf("clean: %v", err)
		}
		other := []byte("anderer Vermerk mit EICAR\n")
		_, err = scanned.AddTaskFile(ctx, f.mem, tk.ID, "neu.txt", "text/plain", bytes.NewReader(other))
		tfWantCode(t, "infected", err, apperr.Invalid, "file_infected")
		_, err = scanned.AddTaskFile(ctx, f.mem, tk.ID, "alt-kopie.txt", "text/plain", bytes.NewReader(infected))
		tfWantCode(t, "infected, content shared", err, apperr.Invalid, "file_infected")
		_, err = scanned.AddTaskFile(ctx, f.mem, tk.ID, "gross.txt", "text/plain", bytes.NewReader(bytes.Repeat([]byte("a"), 1001)))
		tfWantCode(t, "over the limit", err, apperr.Invalid, "file_too_large")
		_, err = f.svc.WithScanner(tfScanner{err: io.ErrUnexpectedEOF}).AddTaskFile(ctx, f.mem, tk.ID, "x.txt", "text/plain", strings.NewReader("Vermerk 2\n"))
		tfWantCode(t, "scanner down", err, apperr.Unavailable, "virus_scan_failed")

		var n int
		if err := d.QueryRowContext(ctx, "SELECT count(*) FROM task_files").Scan(&n); err != nil || n != 2 {
			t.Errorf("task_files rows = %d, %v; want the old and the clean one", n, err)
		}
		blobs := 0
		store.List(ctx, func(blob.Info) error { blobs++; return nil })
		if blobs != 2 {
			t.Errorf("%d blobs, want 2 (the refused content removed)", blobs)
		}
		if _, err := store.Stat(ctx, old.SHA256); err != nil {
			t.Errorf("content of an existing attachment removed: %v", err)
		}
		if n := tfAuditCount(t, d, "task.file_add"); n != 2 {
			t.Errorf("task.file_add audited %d times, want 2", n)
		}
	})
}
