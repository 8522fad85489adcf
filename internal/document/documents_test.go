package document_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/document"
)

var dfPDF = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n")

// dfCreate creates a document in the fixture's file as the writer, with a
// first version of content when not nil.
func (f *dfFixture) create(t *testing.T, title string, content []byte) document.Document {
	t.Helper()
	var first *document.Upload
	if content != nil {
		first = &document.Upload{Filename: title + ".pdf", Declared: "application/pdf", Content: strings.NewReader(string(content))}
	}
	d, err := f.Svc.CreateDocument(context.Background(), f.Writer, f.File, document.NewDocument{Title: title}, first)
	if err != nil {
		t.Fatalf("create %s: %v", title, err)
	}
	return d
}

func TestDocumentCreateAndGet(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newDocFixture(t, d)
		date := civil.D(2026, 2, 27)
		n := document.NewDocument{Title: "  Antrag auf Baugenehmigung ", TypeID: f.Type, DocumentDate: &date,
			Fields: map[string]string{"aktenzeichen_extern": " B-2026/17 ", "eingang": "2026-03-01", "betrag": "1250,50"},
			Tags:   []string{"Bau", "Antrag", "Bau"}}
		doc, err := f.Svc.CreateDocument(ctx, f.Writer, f.File, n,
			&document.Upload{Filename: `C:\Scans\Antrag über Bau.pdf`, Declared: "application/pdf", Content: strings.NewReader(string(dfPDF))})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if doc.Title != "Antrag auf Baugenehmigung" || doc.Author != "Wolf Write" || doc.State != document.StateDraft ||
			doc.CurrentVersion != 1 || doc.Filename != "Antrag über Bau.pdf" || doc.MIMEType != "application/pdf" ||
			doc.Size != int64(len(dfPDF)) || len(doc.SHA256) != 64 || doc.TypeName != "Eingangsschreiben" ||
			doc.DocumentDate == nil || *doc.DocumentDate != date || doc.Version != 1 || doc.Access != document.AccessWrite ||
			doc.FolderReference == "" || doc.CreatedBy != f.Writer.UserID || doc.CreatedByName != "Wolf Write" {
			t.Errorf("created = %+v", doc)
		}
		if !slices.Equal(doc.Tags, []string{"Antrag", "Bau"}) {
			t.Errorf("tags = %v", doc.Tags)
		}
		if doc.Fields["aktenzeichen_extern"] != "B-2026/17" || doc.Fields["eingang"] != "2026-03-01" || doc.Fields["betrag"] != "1250.50" {
			t.Errorf("fields = %v", doc.Fields)
		}
		if len(doc.Versions) != 1 || doc.Versions[0].Number != 1 || doc.Versions[0].CreatedByName != "Wolf Write" {
			t.Errorf("versions = %+v", doc.Versions)
		}
		if ev := dfAudit(t, d, "document.create", doc.ID); len(ev) != 1 || ev[0]["title"] != "Antrag auf Baugenehmigung" {
			t.Errorf("document.create audit = %v", ev)
		}
		if ev := dfAudit(t, d, "document.version_add", doc.ID); len(ev) != 1 || ev[0]["version"] != float64(1) {
			t.Errorf("document.version_add audit = %v", ev)
		}

		// A document without content, with an explicit author.
		empty, err := f.Svc.CreateDocument(ctx, f.Manager, f.File, document.NewDocument{Title: "Vermerk", Author: "Poststelle"}, nil)
		if err != nil || empty.CurrentVersion != 0 || empty.Author != "Poststelle" || empty.Filename != "" || len(empty.Versions) != 0 {
			t.Fatalf("create without content = %+v, %v", empty, err)
		}

		// Reading a draft is not audited; everyone with read access reads.
		got, err := f.Svc.GetDocument(ctx, f.Reader, doc.ID)
		if err != nil || got.Access != document.AccessRead || got.CanWrite(f.Reader) {
			t.Fatalf("reader get = %+v, %v", got, err)
		}
		if ev := dfAudit(t, d, "document.read", doc.ID); len(ev) != 0 {
			t.Errorf("draft read audited: %v", ev)
		}
	})
}

func TestDocumentCreateRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newDocFixture(t, d)
		ok := document.NewDocument{Title: "Vermerk"}
		withType := func(fields map[string]string) document.NewDocument {
			return document.NewDocument{Title: "Schreiben", TypeID: f.Type, Fields: fields}
		}
		pdf := func() *document.Upload {
			return &document.Upload{Filename: "a.pdf", Content: strings.NewReader(string(dfPDF))}
		}
		cases := []struct {
			name   string
			input  func() document.NewDocument
			who    string
			first  *document.Upload
			kind   apperr.Kind
			code   string
			folder int64
			field  string // the field an entry names
		}{
			{name: "outsider", who: "outsider", kind: apperr.NotFound, code: "not_found"},
			{name: "admin without grant", who: "admin", kind: apperr.NotFound, code: "not_found"},
			{name: "reader", who: "reader", kind: apperr.Forbidden, code: "document_access_required"},
			{name: "read-only token", who: "token", kind: apperr.Forbidden, code: "token_scope"},
			{name: "plan position", who: "writer", kind: apperr.Invalid, code: "document_folder_not_file", folder: f.Plan},
			{name: "no title", who: "writer", kind: apperr.Invalid, code: "invalid_document_title",
				input: func() document.NewDocument { return document.NewDocument{Title: " "} }},
			{name: "unknown type", who: "writer", kind: apperr.Invalid, code: "unknown_document_type",
				input: func() document.NewDocument { return document.NewDocument{Title: "x", TypeID: 999999} }},
			{name: "required field", who: "writer", kind: apperr.Invalid, code: "validation_failed", field: "fields.aktenzeichen_extern",
				input: func() document.NewDocument { return withType(map[string]string{"eingang": "2026-03-01"}) }},
			{name: "unknown field", who: "writer", kind: apperr.Invalid, code: "validation_failed", field: "fields.farbe",
				input: func() document.NewDocument {
					return withType(map[string]string{"aktenzeichen_extern": "1", "farbe": "blau"})
				}},
			{name: "bad date", who: "writer", kind: apperr.Invalid, code: "validation_failed", field: "fields.eingang",
				input: func() document.NewDocument {
					return withType(map[string]string{"aktenzeichen_extern": "1", "eingang": "1.3.2026"})
				}},
			{name: "fields without type", who: "writer", kind: apperr.Invalid, code: "validation_failed", field: "fields.a",
				input: func() document.NewDocument {
					return document.NewDocument{Title: "x", Fields: map[string]string{"a": "b"}}
				}},
			{name: "too many tags", who: "writer", kind: apperr.Invalid, code: "too_many_document_tags",
				input: func() document.NewDocument {
					var tags []string
					for i := range document.MaxTags + 1 {
						tags = append(tags, strings.Repeat("t", i+1))
					}
					return document.NewDocument{Title: "x", Tags: tags}
				}},
			{name: "program", who: "writer", kind: apperr.Invalid, code: "file_type_mismatch",
				first: &document.Upload{Filename: "setup.pdf", Content: strings.NewReader("MZ\x90\x00 program")}},
			{name: "disguised", who: "writer", kind: apperr.Invalid, code: "file_type_mismatch",
				first: &document.Upload{Filename: "scan.pdf", Content: strings.NewReader("just some text")}},
		}
		for _, c := range cases {
			n := ok
			if c.input != nil {
				n = c.input()
			}
			folder := f.File
			if c.folder != 0 {
				folder = c.folder
			}
			act := f.Writer
			switch c.who {
			case "outsider":
				act = f.Outsider
			case "admin":
				act = f.Admin
			case "reader":
				act = f.Reader
			case "token":
				act = dfReadToken(f.Writer)
			}
			first := c.first
			if first == nil && c.code != "document_folder_not_file" && c.code != "invalid_document_title" {
				first = pdf()
			}
			blobs := dfBlobs(t, f.Store)
			_, err := f.Svc.CreateDocument(ctx, act, folder, n, first)
			dfWantCode(t, c.name, err, c.kind, c.code)
			if e, ok := apperr.As(err); c.field != "" && (!ok || e.Fields[c.field] == "") {
				t.Errorf("%s: no entry for %s in %v", c.name, c.field, err)
			}
			if got := dfBlobs(t, f.Store); got != blobs {
				t.Errorf("%s: refused creation stored content (%d blobs, were %d)", c.name, got, blobs)
			}
		}
		if n := dfCount(t, d, "documents", "1 = 1"); n != 0 {
			t.Errorf("%d documents after refusals", n)
		}
		// A closed file takes no documents.
		f.closeFile(t, f.File)
		_, err := f.Svc.CreateDocument(ctx, f.Writer, f.File, ok, nil)
		dfWantCode(t, "closed file", err, apperr.Conflict, "document_folder_closed")
	})
}

func TestDocumentList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newDocFixture(t, d)
		var ids []int64
		for i, title := range []string{"Eins", "Zwei", "Drei", "Vier", "Fünf"} {
			n := document.NewDocument{Title: title}
			if i%2 == 0 {
				n.Tags = []string{"gerade"}
			}
			doc, err := f.Svc.CreateDocument(ctx, f.Writer, f.File, n, nil)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, doc.ID)
		}
		var seen []int64
		cursor := ""
		for range 3 {
			page, err := f.Svc.ListDocuments(ctx, f.Reader, f.File, document.DocumentFilter{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				seen = append(seen, it.ID)
				if it.Access != document.AccessRead {
					t.Errorf("item access %v", it.Access)
				}
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		want := slices.Clone(ids)
		slices.Reverse(want)
		if !slices.Equal(seen, want) {
			t.Errorf("paged ids = %v, want %v (newest first)", seen, want)
		}
		page, err := f.Svc.ListDocuments(ctx, f.Reader, f.File, document.DocumentFilter{Tag: "gerade"})
		if err != nil || len(page.Items) != 3 || page.NextCursor != "" || !slices.Equal(page.Items[0].Tags, []string{"gerade"}) {
			t.Errorf("tag filter = %+v, %v", page, err)
		}
		if page, err := f.Svc.ListDocuments(ctx, f.Reader, f.File, document.DocumentFilter{State: document.StateFinal}); err != nil || len(page.Items) != 0 {
			t.Errorf("state filter = %+v, %v", page, err)
		}
		_, err = f.Svc.ListDocuments(ctx, f.Reader, f.File, document.DocumentFilter{Cursor: "bogus!"})
		dfWantCode(t, "bad cursor", err, apperr.Invalid, "invalid_cursor")
		_, err = f.Svc.ListDocuments(ctx, f.Reader, f.File, document.DocumentFilter{State: "lost"})
		dfWantCode(t, "bad state", err, apperr.Invalid, "invalid_filter")
		_, err = f.Svc.ListDocuments(ctx, f.Outsider, f.File, document.DocumentFilter{})
		dfWantCode(t, "outsider list", err, apperr.NotFound, "not_found")
		_, err = f.Svc.ListDocuments(ctx, f.Admin, f.File, document.DocumentFilter{})
		dfWantCode(t, "admin list", err, apperr.NotFound, "not_found")
		// Others do not see a document by its id either.
		_, err = f.Svc.GetDocument(ctx, f.Outsider, ids[0])
		dfWantCode(t, "outsider get", err, apperr.NotFound, "not_found")
	})
}

func TestDocumentUpdate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newDocFixture(t, d)
		doc := f.create(t, "Vermerk", dfPDF)

		title := "Vermerk zur Ortsbesichtigung"
		up, err := f.Svc.UpdateDocument(ctx, f.Writer2, doc.ID, document.DocumentUpdate{Version: doc.Version, Title: &title,
			Tags: []string{"Ortstermin"}, DocumentDate: &civil.Date{}})
		if err != nil || up.Title != title || up.Version != 2 || !slices.Equal(up.Tags, []string{"Ortstermin"}) || up.DocumentDate != nil {
			t.Fatalf("update = %+v, %v", up, err)
		}
		// Based on the old version: 409 document_stale with the current one.
		_, err = f.Svc.UpdateDocument(ctx, f.Writer, doc.ID, document.DocumentUpdate{Version: doc.Version, Title: &title})
		dfWantCode(t, "stale", err, apperr.Conflict, "document_stale")
		var stale *document.StaleError
		if !errors.As(err, &stale) || stale.Version != 2 {
			t.Errorf("stale error carries %+v", stale)
		}
		// Type change: the new type's required field must come along.
		_, err = f.Svc.UpdateDocument(ctx, f.Writer, doc.ID, document.DocumentUpdate{Version: 2, TypeID: &f.Type})
		dfWantCode(t, "type without required field", err, apperr.Invalid, "validation_failed")
		up, err = f.Svc.UpdateDocument(ctx, f.Writer, doc.ID, document.DocumentUpdate{Version: 2, TypeID: &f.Type,
			Fields: map[string]string{"aktenzeichen_extern": "X-1"}})
		if err != nil || up.TypeID != f.Type || up.Fields["aktenzeichen_extern"] != "X-1" {
			t.Fatalf("type change = %+v, %v", up, err)
		}
		_, err = f.Svc.UpdateDocument(ctx, f.Reader, doc.ID, document.DocumentUpdate{Version: up.Version, Title: &title})
		dfWantCode(t, "reader update", err, apperr.Forbidden, "document_access_required")
		_, err = f.Svc.UpdateDocument(ctx, f.Outsider, doc.ID, document.DocumentUpdate{Version: up.Version, Title: &title})
		dfWantCode(t, "outsider update", err, apperr.NotFound, "not_found")

		// Final: metadata changes need a change reason, which the audit keeps.
		fin, err := f.Svc.FinalizeDocument(ctx, f.Writer, doc.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		other := "Vermerk (korrigiert)"
		_, err = f.Svc.UpdateDocument(ctx, f.Writer, doc.ID, document.DocumentUpdate{Version: fin.Version, Title: &other})
		dfWantCode(t, "final without reason", err, apperr.Invalid, "change_reason_required")
		if _, err := f.Svc.UpdateDocument(ctx, f.Writer, doc.ID, document.DocumentUpdate{Version: fin.Version, Title: &other,
			ChangeReason: "Tippfehler im Titel"}); err != nil {
			t.Fatal(err)
		}
		ev := dfAudit(t, d, "document.update", doc.ID)
		if len(ev) != 3 || ev[2]["change_reason"] != "Tippfehler im Titel" || ev[2]["state"] != "final" {
			t.Errorf("update audit = %v", ev)
		}

		// Closed with its file: every change is refused.
		f.closeFile(t, f.File)
		cur, err := f.Svc.GetDocument(ctx, f.Writer, doc.ID)
		if err != nil || cur.State != document.StateClosed || cur.CanWrite(f.Writer) {
			t.Fatalf("closed = %+v, %v", cur, err)
		}
		_, err = f.Svc.UpdateDocument(ctx, f.Manager, doc.ID, document.DocumentUpdate{Version: cur.Version, Title: &title, ChangeReason: "x"})
		dfWantCode(t, "closed update", err, apperr.Conflict, "document_closed")
		_, _, err = f.Svc.UploadVersion(ctx, f.Manager, doc.ID, document.Upload{Filename: "b.pdf", Content: strings.NewReader(string(dfPDF)), ChangeReason: "x"})
		dfWantCode(t, "closed upload", err, apperr.Conflict, "document_closed")
		_, err = f.Svc.CheckoutDocument(ctx, f.Manager, doc.ID)
		dfWantCode(t, "closed checkout", err, apperr.Conflict, "document_closed")
		_, err = f.Svc.FinalizeDocument(ctx, f.Manager, doc.ID, nil)
		dfWantCode(t, "closed finalize", err, apperr.Conflict, "document_closed")
	})
}

func TestDocumentFinalize(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newDocFixture(t, d)
		empty := f.create(t, "Leer", nil)
		_, err := f.Svc.FinalizeDocument(ctx, f.Writer, empty.ID, nil)
		dfWantCode(t, "without content", err, apperr.Conflict, "document_no_content")

		doc := f.create(t, "Bescheid", dfPDF)
		if !doc.CanFinalize(f.Writer) || doc.CanFinalize(f.Writer2) {
			t.Errorf("CanFinalize: creator %v, other writer %v", doc.CanFinalize(f.Writer), doc.CanFinalize(f.Writer2))
		}
		_, err = f.Svc.FinalizeDocument(ctx, f.Writer2, doc.ID, nil)
		dfWantCode(t, "other writer", err, apperr.Forbidden, "document_finalize_forbidden")
		_, err = f.Svc.FinalizeDocument(ctx, f.Reader, doc.ID, nil)
		dfWantCode(t, "reader", err, apperr.Forbidden, "document_access_required")
		_, err = f.Svc.FinalizeDocument(ctx, f.Manager, doc.ID, dfPtr(doc.Version+1))
		dfWantCode(t, "stale", err, apperr.Conflict, "document_stale")
		// Someone else's lock blocks finalising.
		if _, err := f.Svc.CheckoutDocument(ctx, f.Writer2, doc.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.Svc.FinalizeDocument(ctx, f.Manager, doc.ID, nil)
		dfWantCode(t, "locked", err, apperr.Conflict, "document_locked")
		if _, err := f.Svc.ReleaseDocumentLock(ctx, f.Writer2, doc.ID); err != nil {
			t.Fatal(err)
		}
		fin, err := f.Svc.FinalizeDocument(ctx, f.Manager, doc.ID, dfPtr(doc.Version))
		if err != nil || fin.State != document.StateFinal || fin.FinalizedBy != f.Manager.UserID || fin.FinalizedAt == nil || fin.Version != doc.Version+1 {
			t.Fatalf("finalize = %+v, %v", fin, err)
		}
		_, err = f.Svc.FinalizeDocument(ctx, f.Manager, doc.ID, nil)
		dfWantCode(t, "twice", err, apperr.Conflict, "document_not_draft")
		if ev := dfAudit(t, d, "document.finalize", doc.ID); len(ev) != 1 || ev[0]["version"] != float64(1) {
			t.Errorf("finalize audit = %v", ev)
		}

		// Reads of a final document's metadata are audited; listing is not.
		if _, err := f.Svc.GetDocument(ctx, f.Reader, doc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.ListVersions(ctx, f.Reader, doc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.ListDocuments(ctx, f.Reader, f.File, document.DocumentFilter{}); err != nil {
			t.Fatal(err)
		}
		ev := dfAudit(t, d, "document.read", doc.ID)
		if len(ev) != 2 || ev[0]["part"] != "metadata" || ev[1]["part"] != "versions" || ev[0]["state"] != "final" {
			t.Errorf("read audit = %v", ev)
		}
		var actorID int64
		if err := d.QueryRowContext(ctx, `SELECT actor_id FROM audit_log WHERE action = 'document.read' ORDER BY seq LIMIT 1`).Scan(&actorID); err != nil || actorID != f.Reader.UserID {
			t.Errorf("read audited for actor %d, %v", actorID, err)
		}
	})
}
