package document_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"ortlos/internal/apperr"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/document"
)

// upload stores content as a new version of document id by the writer.
func (f *dfFixture) upload(t *testing.T, id int64, name string, content []byte, reason string) document.Version {
	t.Helper()
	v, _, err := f.Svc.UploadVersion(context.Background(), f.Writer, id, document.Upload{Filename: name, Content: bytes.NewReader(content), ChangeReason: reason})
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	return v
}

// download reads version n of document id as a.
func dfDownload(t *testing.T, f *dfFixture, id int64, n int) []byte {
	t.Helper()
	_, rc, err := f.Svc.OpenVersion(context.Background(), f.Reader, id, n)
	if err != nil {
		t.Fatalf("open version %d: %v", n, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDocumentVersionsImmutable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newDocFixture(t, d)
		v1 := []byte("Erste Fassung des Bescheids.\n")
		v2 := []byte("Zweite Fassung des Bescheids, mit Änderungen.\n")
		doc := f.create(t, "Bescheid", nil)
		a := f.upload(t, doc.ID, "bescheid.txt", v1, "")
		f.Clock.Advance(1)
		b := f.upload(t, doc.ID, "bescheid.txt", v2, "")
		if a.Number != 1 || b.Number != 2 || a.MIMEType != "text/plain" || a.Size != int64(len(v1)) {
			t.Fatalf("versions %+v, %+v", a, b)
		}
		sum := sha256.Sum256(v1)
		if a.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("sha256 %s", a.SHA256)
		}
		// The same content again is a new version but the same blob.
		before := dfBlobs(t, f.Store)
		c := f.upload(t, doc.ID, "bescheid-alt.txt", v1, "")
		if c.Number != 3 || c.SHA256 != a.SHA256 || dfBlobs(t, f.Store) != before {
			t.Errorf("dedup: version %+v, %d blobs (were %d)", c, dfBlobs(t, f.Store), before)
		}
		// Old versions come back byte for byte.
		if got := dfDownload(t, f, doc.ID, 1); !bytes.Equal(got, v1) {
			t.Errorf("version 1 = %q", got)
		}
		if got := dfDownload(t, f, doc.ID, 2); !bytes.Equal(got, v2) {
			t.Errorf("version 2 = %q", got)
		}
		cur, err := f.Svc.GetDocument(ctx, f.Reader, doc.ID)
		if err != nil || cur.CurrentVersion != 3 || cur.Filename != "bescheid-alt.txt" || len(cur.Versions) != 3 || cur.Versions[0].Number != 3 {
			t.Errorf("document after uploads = %+v, %v", cur, err)
		}
		// The database refuses changes of a stored version.
		err = d.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE document_versions SET sha256 = ? WHERE document_id = ? AND number = 1`, b.SHA256, doc.ID)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "immutable") {
			t.Errorf("UPDATE of a version: %v", err)
		}
		if got := dfDownload(t, f, doc.ID, 1); !bytes.Equal(got, v1) {
			t.Errorf("version 1 after the refused UPDATE = %q", got)
		}
		// Every download is audited with the version.
		ev := dfAudit(t, d, "document.download", doc.ID)
		if len(ev) != 3 || ev[0]["version"] != float64(1) || ev[1]["version"] != float64(2) || ev[0]["sha256"] != a.SHA256 {
			t.Errorf("download audit = %v", ev)
		}
		_, _, err = f.Svc.OpenVersion(ctx, f.Reader, doc.ID, 9)
		dfWantCode(t, "missing version", err, apperr.NotFound, "not_found")
		_, _, err = f.Svc.OpenVersion(ctx, f.Outsider, doc.ID, 1)
		dfWantCode(t, "outsider download", err, apperr.NotFound, "not_found")
		_, _, err = f.Svc.OpenVersion(ctx, f.Admin, doc.ID, 1)
		dfWantCode(t, "admin download", err, apperr.NotFound, "not_found")
		if n := len(dfAudit(t, d, "document.download", doc.ID)); n != 3 {
			t.Errorf("refused downloads audited: %d records", n)
		}
	})
}

func TestDocumentVersionRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newDocFixture(t, d)
		doc := f.create(t, "Stellungnahme", dfPDF)
		up := func(a document.Upload) (document.Version, []document.DocumentWarning, error) {
			if a.Content == nil {
				a.Content = bytes.NewReader(dfPDF)
			}
			if a.Filename == "" {
				a.Filename = "stellungnahme.pdf"
			}
			return f.Svc.UploadVersion(ctx, f.Writer, doc.ID, a)
		}
		_, _, err := f.Svc.UploadVersion(ctx, f.Reader, doc.ID, document.Upload{Filename: "a.pdf", Content: bytes.NewReader(dfPDF)})
		dfWantCode(t, "reader upload", err, apperr.Forbidden, "document_access_required")
		_, _, err = f.Svc.UploadVersion(ctx, dfReadToken(f.Writer), doc.ID, document.Upload{Filename: "a.pdf", Content: bytes.NewReader(dfPDF)})
		dfWantCode(t, "read-only token upload", err, apperr.Forbidden, "token_scope")
		_, _, err = up(document.Upload{Filename: "tool.exe"})
		dfWantCode(t, "program name", err, apperr.Invalid, "file_type_not_allowed")
		_, _, err = up(document.Upload{Filename: "seite.txt", Content: strings.NewReader("<!DOCTYPE html><html><script>x</script>")})
		dfWantCode(t, "web page", err, apperr.Invalid, "file_type_mismatch")
		_, _, err = up(document.Upload{Filename: "foto.png", Declared: "image/png"})
		dfWantCode(t, "pdf named png", err, apperr.Invalid, "file_type_mismatch")
		_, _, err = up(document.Upload{BasedOn: dfPtr(7)})
		dfWantCode(t, "based on a future version", err, apperr.Invalid, "invalid_based_on")

		// The size limit refuses larger content and stores nothing.
		small := f.Svc.WithMaxBytes(10)
		blobs := dfBlobs(t, f.Store)
		_, _, err = small.UploadVersion(ctx, f.Writer, doc.ID, document.Upload{Filename: "a.txt", Content: strings.NewReader("elf Zeichen")})
		dfWantCode(t, "too large", err, apperr.Invalid, "file_too_large")
		if dfBlobs(t, f.Store) != blobs || f.Svc.MaxBytes() != document.DefaultMaxBytes || small.MaxBytes() != 10 {
			t.Errorf("too large: %d blobs (were %d), limits %d/%d", dfBlobs(t, f.Store), blobs, f.Svc.MaxBytes(), small.MaxBytes())
		}
		if n := dfCount(t, d, "document_versions", "document_id = ?", doc.ID); n != 1 {
			t.Errorf("%d versions after refusals", n)
		}

		// A save based on an older version is kept as a conflict version.
		v2, ws, err := up(document.Upload{BasedOn: dfPtr(1), Content: strings.NewReader("%PDF-1.7\nzweite\n%%EOF\n")})
		if err != nil || v2.Number != 2 || v2.Conflict || len(ws) != 0 || v2.BasedOn == nil || *v2.BasedOn != 1 {
			t.Fatalf("based on the current version: %+v, %v, %v", v2, ws, err)
		}
		v3, ws, err := up(document.Upload{BasedOn: dfPtr(1), Content: strings.NewReader("%PDF-1.7\ndritte\n%%EOF\n")})
		if err != nil || v3.Number != 3 || !v3.Conflict {
			t.Fatalf("conflicting save: %+v, %v", v3, err)
		}
		if len(ws) != 1 || ws[0] != (document.DocumentWarning{Code: document.WarnVersionConflict, Version: 3, BasedOn: 1, Current: 2}) {
			t.Errorf("warnings = %+v", ws)
		}
		if got := dfDownload(t, f, doc.ID, 2); !strings.Contains(string(got), "zweite") {
			t.Errorf("the version the conflict did not overwrite: %q", got)
		}
		if ev := dfAudit(t, d, "document.version_add", doc.ID); len(ev) != 3 || ev[2]["conflict"] != true || ev[2]["based_on"] != float64(1) {
			t.Errorf("version audit = %v", ev)
		}

		// Final: a new version needs a change reason, which it keeps.
		if _, err := f.Svc.FinalizeDocument(ctx, f.Writer, doc.ID, nil); err != nil {
			t.Fatal(err)
		}
		_, _, err = up(document.Upload{ChangeReason: "  "})
		dfWantCode(t, "final without reason", err, apperr.Invalid, "change_reason_required")
		_, _, err = up(document.Upload{ChangeReason: strings.Repeat("x", document.MaxChangeReason+1)})
		dfWantCode(t, "overlong reason", err, apperr.Invalid, "change_reason_too_long")
		v4, _, err := up(document.Upload{ChangeReason: "Anlage ergänzt"})
		if err != nil || v4.Number != 4 || v4.ChangeReason != "Anlage ergänzt" {
			t.Fatalf("final with reason: %+v, %v", v4, err)
		}
		vs, err := f.Svc.ListVersions(ctx, f.Reader, doc.ID)
		if err != nil || len(vs) != 4 || vs[0].Number != 4 || vs[3].Number != 1 || !vs[1].Conflict {
			t.Errorf("versions = %+v, %v", vs, err)
		}
	})
}

func TestSafeFilename(t *testing.T) {
	for in, want := range map[string]string{
		`C:\Users\max\Bescheid über Änderung.pdf`: "Bescheid über Änderung.pdf",
		"../../etc/passwd":                        "passwd",
		"  ..versteckt.txt.. ":                    "versteckt.txt",
		"a\x00b\u202ec.txt":                       "abc.txt",
		"Zeile\nUmbruch.txt":                      "Zeile Umbruch.txt",
		"":                                        "Datei",
		"/":                                       "Datei",
		strings.Repeat("ä", 200) + ".pdf":         strings.Repeat("ä", 125) + ".pdf",
	} {
		if got := document.SafeFilename(in); got != want {
			t.Errorf("SafeFilename(%q) = %q, want %q", in, got, want)
		}
	}
}
