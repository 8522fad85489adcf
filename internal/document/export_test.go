package document_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/document"
)

// rfUnzip reads an archive into entry name → content, in archive order.
func rfUnzip(t *testing.T, b []byte) (map[string][]byte, []string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a ZIP archive: %v", err)
	}
	out := map[string][]byte{}
	var names []string
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		c, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", zf.Name, err)
		}
		out[zf.Name] = c
		names = append(names, zf.Name)
	}
	return out, names
}

func TestExportFolder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newRF(t, d)
		plan := f.folder(t, 0, "plan", "07", f.Classes["HGB-257-10"])
		file := f.folder(t, plan, "file", "07.1/2024", 0)
		d1 := f.doc(t, file, "Jahresabschluss 2023", rfDate(2024, 3, 31), 0)
		v1 := f.version(t, d1, `..\..\Jahresabschluss: "Entwurf".txt`, "Entwurf des Jahresabschlusses")
		v2 := f.version(t, d1, "Jahresabschluss.txt", "Jahresabschluss, festgestellt")
		d2 := f.doc(t, file, "Lagebericht", nil, 0)
		v3 := f.version(t, d2, "Lagebericht.txt", "Lagebericht 2023")
		rfExec(t, d, `INSERT INTO document_tags (document_id, tag) VALUES (?, 'bilanz')`, d1)
		f.grant(t, file, f.Alice, "manage")
		f.grant(t, file, f.Bob, "read")
		h, err := f.Svc.PlaceLegalHold(ctx, f.Rita, document.NewLegalHold{DocumentID: d2, Reason: "Betriebsprüfung"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Svc.ReleaseLegalHold(ctx, f.Rita, h.ID, "abgeschlossen"); err != nil {
			t.Fatal(err)
		}

		_, err = f.Svc.ExportFolder(ctx, f.Alice, file)
		rfWantCode(t, "export an open file", err, apperr.Conflict, "export_file_not_closed")
		f.closeAt(t, file, time.Date(2024, 12, 20, 10, 0, 0, 0, time.UTC))
		_, err = f.Svc.ExportFolder(ctx, f.Bob, file)
		rfWantCode(t, "export with read access", err, apperr.Forbidden, "document_access_required")
		_, err = f.Svc.ExportFolder(ctx, f.Admin, file)
		rfWantCode(t, "admin without grant exports", err, apperr.NotFound, "not_found")
		_, err = f.Svc.ExportFolder(ctx, f.Rita, plan)
		rfWantCode(t, "export a plan position", err, apperr.Conflict, "export_file_not_closed")
		if _, err := f.Svc.ExportFolder(ctx, rfReadToken(f.Alice), file); err != nil {
			t.Errorf("a read token of a manager exports: %v", err)
		}

		for _, a := range []actor.Actor{f.Alice, f.Rita} {
			e, err := f.Svc.ExportFolder(ctx, a, file)
			if err != nil {
				t.Fatalf("%s exports: %v", a.Username, err)
			}
			if e.Filename() != "Akte_07.1_2024.zip" {
				t.Errorf("filename %q", e.Filename())
			}
			var buf bytes.Buffer
			if err := e.WriteTo(ctx, &buf); err != nil {
				t.Fatal(err)
			}
			entries, names := rfUnzip(t, buf.Bytes())
			if names[0] != "manifest.json" || names[len(names)-1] != "SHA256SUMS" {
				t.Errorf("entries %v: manifest first, SHA256SUMS last", names)
			}
			// Every entry hashes to its line in SHA256SUMS.
			lines := strings.Split(strings.TrimSpace(string(entries["SHA256SUMS"])), "\n")
			if len(lines) != len(entries)-1 {
				t.Errorf("%d sums for %d entries", len(lines), len(entries)-1)
			}
			for _, l := range lines {
				sum, name, ok := strings.Cut(l, "  ")
				c, found := entries[name]
				if !ok || !found {
					t.Errorf("SHA256SUMS line %q", l)
					continue
				}
				got := sha256.Sum256(c)
				if hex.EncodeToString(got[:]) != sum {
					t.Errorf("%s: SHA256SUMS says %s, content hashes to %x", name, sum, got)
				}
			}

			var m struct {
				Format string `json:"format"`
				File   struct {
					Reference string     `json:"reference"`
					State     string     `json:"state"`
					ClosedAt  *time.Time `json:"closed_at"`
					ClosedBy  string     `json:"closed_by"`
				} `json:"file"`
				PlanPath []struct {
					Reference string `json:"reference"`
				} `json:"file_plan_path"`
				Retention struct {
					Code          string      `json:"code"`
					Years         int         `json:"years"`
					TriggerDate   *civil.Date `json:"trigger_date"`
					DeletableFrom *civil.Date `json:"deletable_from"`
				} `json:"retention"`
				LegalHolds []struct {
					DocumentID    *int64 `json:"document_id"`
					Reason        string `json:"reason"`
					ReleaseReason string `json:"release_reason"`
				} `json:"legal_holds"`
				Documents []struct {
					ID           int64       `json:"id"`
					Title        string      `json:"title"`
					DocumentDate *civil.Date `json:"document_date"`
					Tags         []string    `json:"tags"`
					Versions     []struct {
						Number       int    `json:"number"`
						Filename     string `json:"filename"`
						Size         int64  `json:"size"`
						SHA256       string `json:"sha256"`
						ChangeReason string `json:"change_reason"`
						Path         string `json:"path"`
					} `json:"versions"`
				} `json:"documents"`
			}
			if err := json.Unmarshal(entries["manifest.json"], &m); err != nil {
				t.Fatalf("manifest: %v", err)
			}
			if m.Format != document.ExportFormat || m.File.Reference != "07.1/2024" || m.File.State != "closed" || m.File.ClosedBy != "Alice" ||
				len(m.PlanPath) != 1 || m.PlanPath[0].Reference != "07" {
				t.Errorf("manifest file %+v, path %+v", m.File, m.PlanPath)
			}
			if m.Retention.Code != "HGB-257-10" || m.Retention.Years != 10 || *m.Retention.TriggerDate != civil.D(2024, 12, 20) ||
				*m.Retention.DeletableFrom != civil.D(2035, 1, 1) {
				t.Errorf("manifest retention %+v", m.Retention)
			}
			if len(m.LegalHolds) != 1 || *m.LegalHolds[0].DocumentID != d2 || m.LegalHolds[0].ReleaseReason != "abgeschlossen" {
				t.Errorf("manifest holds %+v", m.LegalHolds)
			}
			if len(m.Documents) != 2 || m.Documents[0].ID != d1 || len(m.Documents[0].Versions) != 2 || len(m.Documents[1].Versions) != 1 ||
				m.Documents[0].Tags[0] != "bilanz" || *m.Documents[0].DocumentDate != civil.D(2024, 3, 31) {
				t.Fatalf("manifest documents %+v", m.Documents)
			}
			wantSHA := []string{v1, v2, v3}
			i := 0
			for _, doc := range m.Documents {
				for _, v := range doc.Versions {
					c, ok := entries[v.Path]
					if !ok {
						t.Errorf("no entry %s", v.Path)
						continue
					}
					got := sha256.Sum256(c)
					if hex.EncodeToString(got[:]) != v.SHA256 || v.SHA256 != wantSHA[i] || int64(len(c)) != v.Size {
						t.Errorf("%s: content does not match the manifest", v.Path)
					}
					i++
				}
			}
			if p := m.Documents[0].Versions[0].Path; p != rfPathf("documents/%d/1_Jahresabschluss_ _Entwurf_.txt", d1) {
				t.Errorf("safe entry name %q", p)
			}
			if m.Documents[0].Versions[1].ChangeReason != "Korrektur" {
				t.Errorf("change reason %q", m.Documents[0].Versions[1].ChangeReason)
			}

			// The audit history: the file's and the documents' events with
			// their hashes, including this export.
			var recs []audit.Record
			if err := json.Unmarshal(entries["audit.json"], &recs); err != nil {
				t.Fatalf("audit.json: %v", err)
			}
			actions := map[string]int{}
			for _, r := range recs {
				actions[r.Action+" "+r.ObjectType]++
				if r.Hash != r.ComputeHash() {
					t.Errorf("audit record %d: hash does not verify", r.Seq)
				}
				if r.ObjectID != rfItoa(file) && r.ObjectID != rfItoa(d1) && r.ObjectID != rfItoa(d2) {
					t.Errorf("audit record of another object: %+v", r)
				}
			}
			if actions["legal_hold.place document"] != 1 || actions["legal_hold.release document"] != 1 || actions["folder.export doc_folder"] < 2 {
				t.Errorf("audit history %v", actions)
			}
		}
		if n := f.rfAudit(t, "folder.export", "doc_folder", rfItoa(file)); n != 3 {
			t.Errorf("%d export records, want 3", n)
		}
	})
}

// TestExportCorruptContent: an altered blob breaks the export instead of
// handing over wrong content.
func TestExportCorruptContent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newRF(t, d)
		file := f.folder(t, 0, "file", "08/2020", f.Classes["HGB-257-6"])
		doc := f.doc(t, file, "Brief", nil, 0)
		sha := f.version(t, doc, "brief.txt", "Sehr geehrte Damen und Herren")
		f.closeOn(t, file, civil.D(2020, 1, 1))
		rfCorrupt(t, f.Blobs.Path(sha))
		e, err := f.Svc.ExportFolder(ctx, f.Rita, file)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.WriteTo(ctx, io.Discard); err == nil || !strings.Contains(err.Error(), "SHA-256") {
			t.Errorf("export of altered content: %v", err)
		}
	})
}
