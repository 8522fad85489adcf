package app_test

// Records management against the real server: retention classes, legal
// holds, the due-for-deletion report, two-person deletion and the archive
// export, through the JSON API and the pages.

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ortlos/internal/actor"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/identity"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, _ identity.User) []string {
		ctx := t.Context()
		rec := createUser(t, ts, "rhea.registratur", "Rhea Registratur", actor.RoleRecords)
		a := actor.Actor{UserID: rec.ID, Username: rec.Username, Roles: []string{actor.RoleRecords}, Via: actor.ViaSession, SessionID: 1}
		r := regSetup(t, ts, "A11Y")
		if _, err := ts.Document.ProposeDeletion(ctx, a, "folder", r.file, "Aussonderung"); err != nil {
			t.Fatal(err)
		}
		return []string{"/documents/retention", "/documents/holds", "/documents/due", "/documents/deletions"}
	})
}

// regStart is Monday 2 March 2026, 08:00 in Berlin.
var regStart = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

// regRecords are a plan position of class HGB-257-6 with a file closed on
// 10 May 2019 (deletable from 2026-01-01) holding a document with one
// version, a second file closed in 2018 ("held": the tests place holds
// on it) and an open file.
type regRecords struct {
	plan, file, doc, held, open int64
	sha                         string
}

func regInsert(t testing.TB, ts *testServer, query string, args ...any) int64 {
	t.Helper()
	var id int64
	err := ts.DB.InTx(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRowContext(context.Background(), query, args...).Scan(&id)
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

// regSetup inserts regRecords with references prefixed by prefix.
func regSetup(t testing.TB, ts *testServer, prefix string) regRecords {
	t.Helper()
	ctx := context.Background()
	now := db.T(ts.now())
	var class int64
	if err := ts.DB.QueryRowContext(ctx, `SELECT id FROM retention_classes WHERE code = 'HGB-257-6'`).Scan(&class); err != nil {
		t.Fatal(err)
	}
	var r regRecords
	r.plan = regInsert(t, ts, `INSERT INTO doc_folders (kind, reference, title, retention_class_id, created_at, updated_at)
		VALUES ('plan', ?, 'Haushalt', ?, ?, ?) RETURNING id`, prefix, class, now, now)
	closed := db.T(time.Date(2019, 5, 10, 10, 0, 0, 0, time.UTC))
	file := func(ref, title string, closedAt *db.Time) int64 {
		if closedAt == nil {
			return regInsert(t, ts, `INSERT INTO doc_folders (parent_id, kind, reference, title, created_at, updated_at)
				VALUES (?, 'file', ?, ?, ?, ?) RETURNING id`, r.plan, ref, title, now, now)
		}
		return regInsert(t, ts, `INSERT INTO doc_folders (parent_id, kind, reference, title, state, closed_at, created_at, updated_at)
			VALUES (?, 'file', ?, ?, 'closed', ?, ?, ?) RETURNING id`, r.plan, ref, title, *closedAt, now, now)
	}
	r.file = file(prefix+".1/2019", "Rechnungen 2019", &closed)
	old := db.T(time.Date(2018, 3, 1, 10, 0, 0, 0, time.UTC))
	r.held = file(prefix+".2/2018", "Vergabe Schulbau", &old)
	r.open = file(prefix+".3/2026", "Laufende Akte", nil)
	r.doc = regInsert(t, ts, `INSERT INTO documents (folder_id, title, state, current_version, created_at, updated_at)
		VALUES (?, 'Rechnung 4711', 'closed', 1, ?, ?) RETURNING id`, r.file, now, now)
	info, err := ts.Blobs.Put(ctx, strings.NewReader("Rechnung 4711 über 1.234,56 EUR – "+prefix))
	if err != nil {
		t.Fatal(err)
	}
	r.sha = info.SHA256
	regInsert(t, ts, `INSERT INTO document_versions (document_id, number, filename, mime_type, size, sha256, created_at)
		VALUES (?, 1, 'Rechnung 4711.txt', 'text/plain; charset=utf-8', ?, ?, ?) RETURNING id`, r.doc, info.Size, info.SHA256, now)
	return r
}

// regGrant gives user u access to folder.
func regGrant(t testing.TB, ts *testServer, folder int64, u identity.User, access string) {
	t.Helper()
	err := ts.DB.InTx(context.Background(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(context.Background(), `INSERT INTO doc_folder_grants (folder_id, principal_kind, principal, access) VALUES (?, 'user', ?, ?)`,
			folder, strconv.FormatInt(u.ID, 10), access)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// regProblem checks a problem answer's status and code.
func regProblem(t *testing.T, res *result, status int, code string) {
	t.Helper()
	if res.StatusCode != status || !strings.Contains(res.text(), `"code":"`+code+`"`) {
		t.Errorf("%s %s: %d %s; want %d %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, res.body, status, code)
	}
}

// regJSON sends a JSON request without checking the status.
func regJSON(t *testing.T, c *http.Client, method, target string, body string) *result {
	t.Helper()
	req := newRequest(t, method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return do(t, c, req)
}

// regCheckZip opens an archive and checks SHA256SUMS against every entry.
func regCheckZip(t *testing.T, b []byte, wantEntries ...string) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("export is not a ZIP archive: %v", err)
	}
	entries := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		c, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		entries[f.Name] = c
	}
	for _, l := range strings.Split(strings.TrimSpace(string(entries["SHA256SUMS"])), "\n") {
		sum, name, _ := strings.Cut(l, "  ")
		got := sha256.Sum256(entries[name])
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("SHA256SUMS: %s does not verify", name)
		}
	}
	for _, e := range wantEntries {
		if _, ok := entries[e]; !ok {
			t.Errorf("archive lacks %s; has %d entries", e, len(entries))
		}
	}
	return entries
}

var regRawKey = regexp.MustCompile(`^(retention|hold|deletion|export|flash)\.[a-z0-9_.]+$`)

// regCheckPage runs the accessibility checks on a page and looks for
// untranslated keys of the records pages.
func regCheckPage(t *testing.T, name string, res *result) *html.Node {
	t.Helper()
	doc := res.doc(t)
	checkAccessible(t, name, doc, "de")
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Type == html.TextNode }) {
		if s := strings.TrimSpace(n.Data); regRawKey.MatchString(s) {
			t.Errorf("%s: untranslated key %q", name, s)
		}
	}
	return doc
}

func TestRetentionAPI(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, withDialect(dialect), withClock(clock.NewFake(regStart)))
			createUser(t, ts, "anna.admin", "Anna Admin", actor.RoleAdmin)
			createUser(t, ts, "rena.registratur", "Rena Registratur", actor.RoleRecords)
			createUser(t, ts, "rudi.registratur", "Rudi Registratur", actor.RoleRecords)
			emil := createUser(t, ts, "emil.employee", "Emil Employee")
			createUser(t, ts, "olga.other", "Olga Other")
			r := regSetup(t, ts, "10")
			regGrant(t, ts, r.plan, emil, "manage")
			admin := loginFull(t, ts, "anna.admin", testPassword)
			rena := loginFull(t, ts, "rena.registratur", testPassword)
			rudi := loginFull(t, ts, "rudi.registratur", testPassword)
			emp := loginFull(t, ts, "emil.employee", testPassword)
			olga := loginFull(t, ts, "olga.other", testPassword)
			api := ts.URL + "/api/v1"

			// Classes: everyone reads, plan administrators write.
			res := get(t, emp, api+"/retention-classes")
			wantStatus(t, res, http.StatusOK)
			if !strings.Contains(res.text(), `"code":"HGB-257-6"`) || !strings.Contains(res.text(), `"in_use":true`) {
				t.Errorf("classes: %s", res.body)
			}
			regProblem(t, regJSON(t, emp, "POST", api+"/retention-classes", `{"code":"X","name":"X","years":3,"trigger":"file_closed"}`),
				http.StatusForbidden, "file_plan_admin_required")
			res = regJSON(t, rena, "POST", api+"/retention-classes", `{"code":"bau-30","name":"Bauakten","years":30,"trigger":"file_closed","legal_basis":"Aktenplan"}`)
			wantStatus(t, res, http.StatusCreated)
			if !strings.Contains(res.text(), `"code":"BAU-30"`) {
				t.Errorf("created %s", res.body)
			}
			regProblem(t, regJSON(t, rena, "POST", api+"/retention-classes", `{"code":"Y","name":"Y","trigger":"file_closed"}`),
				http.StatusUnprocessableEntity, "invalid_retention_years")
			var hgb6 int64
			if err := ts.DB.QueryRowContext(t.Context(), `SELECT id FROM retention_classes WHERE code = 'HGB-257-6'`).Scan(&hgb6); err != nil {
				t.Fatal(err)
			}
			regProblem(t, regJSON(t, admin, "PATCH", fmt.Sprintf("%s/retention-classes/%d", api, hgb6), `{"years":5}`),
				http.StatusConflict, "retention_shortened")

			// The retention of the file.
			res = get(t, emp, fmt.Sprintf("%s/document-folders/%d/retention", api, r.file))
			wantStatus(t, res, http.StatusOK)
			for _, want := range []string{`"trigger_date":"2019-05-10"`, `"deletable_from":"2026-01-01"`, `"expired":true`, `"inherited":true`} {
				if !strings.Contains(res.text(), want) {
					t.Errorf("retention lacks %s: %s", want, res.body)
				}
			}
			wantStatus(t, get(t, olga, fmt.Sprintf("%s/document-folders/%d/retention", api, r.file)), http.StatusNotFound)
			wantStatus(t, get(t, emp, fmt.Sprintf("%s/documents/%d/retention", api, r.doc)), http.StatusOK)

			// Legal holds: records management only.
			hold := `{"folder_reference":"10.1/2019","reason":"Prüfung durch den Rechnungshof","case_reference":"RH 4/26"}`
			regProblem(t, regJSON(t, admin, "POST", api+"/legal-holds", hold), http.StatusForbidden, "records_role_required")
			res = regJSON(t, rena, "POST", api+"/legal-holds", hold)
			wantStatus(t, res, http.StatusCreated)
			holdID := regID(t, res)
			wantStatus(t, regJSON(t, rena, "POST", api+"/legal-holds", fmt.Sprintf(`{"folder_id":%d,"reason":"Klage"}`, r.held)), http.StatusCreated)
			res = get(t, admin, api+"/legal-holds?state=active")
			wantStatus(t, res, http.StatusOK)
			if strings.Count(res.text(), `"active":true`) != 2 {
				t.Errorf("active holds: %s", res.body)
			}
			wantStatus(t, get(t, emp, api+"/legal-holds"), http.StatusNotFound)

			// A hold blocks a proposal; released, the file is due.
			proposal := fmt.Sprintf(`{"kind":"folder","object_id":%d,"reason":"Aussonderung 2026"}`, r.file)
			regProblem(t, regJSON(t, rena, "POST", api+"/deletions", proposal), http.StatusConflict, "legal_hold_active")
			res = get(t, rena, api+"/deletions/due")
			wantStatus(t, res, http.StatusOK)
			if strings.Contains(res.text(), "10.1/2019") {
				t.Errorf("held file is due: %s", res.body)
			}
			regProblem(t, regJSON(t, rena, "POST", fmt.Sprintf("%s/legal-holds/%d/release", api, holdID), `{"reason":""}`),
				http.StatusUnprocessableEntity, "hold_release_reason_required")
			wantStatus(t, regJSON(t, rena, "POST", fmt.Sprintf("%s/legal-holds/%d/release", api, holdID), `{"reason":"Prüfung beendet"}`), http.StatusOK)
			res = get(t, admin, api+"/deletions/due")
			wantStatus(t, res, http.StatusOK)
			if !strings.Contains(res.text(), `"reference":"10.1/2019"`) || strings.Contains(res.text(), "10.2/2018") || strings.Contains(res.text(), "10.3/2026") {
				t.Errorf("due: %s", res.body)
			}
			wantStatus(t, get(t, emp, api+"/deletions/due"), http.StatusNotFound)
			regProblem(t, regJSON(t, rena, "POST", api+"/deletions", fmt.Sprintf(`{"kind":"folder","object_id":%d}`, r.open)),
				http.StatusConflict, "retention_not_expired")

			// Two persons.
			res = regJSON(t, rena, "POST", api+"/deletions", proposal)
			wantStatus(t, res, http.StatusCreated)
			del := regID(t, res)
			regProblem(t, regJSON(t, rena, "POST", api+"/deletions", proposal), http.StatusConflict, "deletion_pending")
			regProblem(t, regJSON(t, rena, "POST", fmt.Sprintf("%s/deletions/%d/approve", api, del), ``), http.StatusForbidden, "deletion_second_person_required")
			regProblem(t, regJSON(t, admin, "POST", fmt.Sprintf("%s/deletions/%d/approve", api, del), ``), http.StatusForbidden, "records_role_required")
			regProblem(t, regJSON(t, emp, "POST", fmt.Sprintf("%s/deletions/%d/approve", api, del), ``), http.StatusForbidden, "records_role_required")
			res = regJSON(t, rudi, "POST", fmt.Sprintf("%s/deletions/%d/approve", api, del), `{"note":"geprüft"}`)
			wantStatus(t, res, http.StatusOK)
			for _, want := range []string{`"state":"deleted"`, `"documents":1`, `"versions":1`, `"sha256":["` + r.sha + `"]`} {
				if !strings.Contains(res.text(), want) {
					t.Errorf("approved deletion lacks %s: %s", want, res.body)
				}
			}
			if n := countRows(t, ts, "doc_folders", "id = ?", r.file); n != 0 {
				t.Errorf("the file is still there")
			}
			if _, err := ts.Blobs.Stat(t.Context(), r.sha); err == nil {
				t.Errorf("the content of the deleted file stays")
			}
			if len(auditRecords(t, ts, "folder.deleted")) != 1 {
				t.Errorf("no folder.deleted audit record")
			}
			res = get(t, admin, api+"/deletions?state=deleted&limit=1")
			wantStatus(t, res, http.StatusOK)
			if !strings.Contains(res.text(), `"reference":"10.1/2019"`) || !strings.Contains(res.text(), `"next_cursor":null`) {
				t.Errorf("deletion log: %s", res.body)
			}
			wantStatus(t, get(t, admin, fmt.Sprintf("%s/deletions/%d", api, del)), http.StatusOK)
			wantStatus(t, get(t, emp, fmt.Sprintf("%s/deletions/%d", api, del)), http.StatusNotFound)

			// Export of a closed file: streamed ZIP with verifying sums.
			exp := regSetup(t, ts, "11")
			regGrant(t, ts, exp.file, emil, "manage")
			wantStatus(t, get(t, olga, fmt.Sprintf("%s/document-folders/%d/export", api, exp.file)), http.StatusNotFound)
			regProblem(t, get(t, rena, fmt.Sprintf("%s/document-folders/%d/export", api, exp.open)), http.StatusConflict, "export_file_not_closed")
			res = get(t, emp, fmt.Sprintf("%s/document-folders/%d/export", api, exp.file))
			wantStatus(t, res, http.StatusOK)
			if res.Header.Get("Content-Type") != "application/zip" || !strings.Contains(res.Header.Get("Content-Disposition"), "Akte_11.1_2019.zip") {
				t.Errorf("export headers %v", res.Header)
			}
			regCheckZip(t, res.body, "manifest.json", "audit.json", "SHA256SUMS", fmt.Sprintf("documents/%d/1_Rechnung 4711.txt", exp.doc))
			if len(auditRecords(t, ts, "folder.export")) != 1 {
				t.Errorf("export not audited")
			}
		})
	}
}

// regID reads the "id" of a JSON answer.
func regID(t *testing.T, res *result) int64 {
	t.Helper()
	m := regexp.MustCompile(`"id":(\d+)`).FindSubmatch(res.body)
	if m == nil {
		t.Fatalf("no id in %s", res.body)
	}
	id, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return id
}

func TestRetentionPages(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withClock(clock.NewFake(regStart)))
	createUser(t, ts, "rena.registratur", "Rena Registratur", actor.RoleRecords)
	createUser(t, ts, "rudi.registratur", "Rudi Registratur", actor.RoleRecords)
	emil := createUser(t, ts, "emil.employee", "Emil Employee")
	r := regSetup(t, ts, "20")
	regGrant(t, ts, r.held, emil, "manage")
	rena := loginFull(t, ts, "rena.registratur", testPassword)
	rudi := loginFull(t, ts, "rudi.registratur", testPassword)
	emp := loginFull(t, ts, "emil.employee", testPassword)

	// Classes page: everyone reads; records management gets the forms.
	res := get(t, emp, ts.URL+"/documents/retention")
	wantStatus(t, res, http.StatusOK)
	doc := regCheckPage(t, "classes as employee", res)
	if byID(doc, "f-code") != nil || byID(doc, "retention-classes") == nil {
		t.Errorf("employee sees the class form or no table")
	}
	doc = regCheckPage(t, "classes as records", get(t, rena, ts.URL+"/documents/retention"))
	if byID(doc, "f-code") == nil {
		t.Fatal("no new-class form for records management")
	}
	res = form(t, rena, ts.URL+"/documents/retention", url.Values{"code": {"a b"}, "name": {"X"}, "years": {"3"}, "trigger": {"file_closed"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	doc = regCheckPage(t, "invalid class form", res)
	if errorSummary(doc) == nil || byID(doc, "e-code") == nil {
		t.Errorf("invalid code: no error at the field")
	}
	wantRedirect(t, form(t, rena, ts.URL+"/documents/retention", url.Values{"code": {"PA-5"}, "name": {"Personalakten"}, "years": {"5"},
		"trigger": {"file_closed"}, "legal_basis": {"§ 113 BBG"}}), "/documents/retention")
	var hgb6 int64
	if err := ts.DB.QueryRowContext(t.Context(), `SELECT id FROM retention_classes WHERE code = 'HGB-257-6'`).Scan(&hgb6); err != nil {
		t.Fatal(err)
	}
	res = form(t, rena, ts.URL+"/documents/retention", url.Values{"id": {strconv.FormatInt(hgb6, 10)}, "name": {"Geschäftsbriefe"},
		"years": {"4"}, "trigger": {"file_closed"}})
	wantStatus(t, res, http.StatusConflict)
	if s := errorSummary(regCheckPage(t, "shortened class", res)); s == nil || !strings.Contains(textOf(s), "nicht verkürzt") {
		t.Errorf("shortening: no error summary")
	}

	// Holds page: employees do not see it.
	wantStatus(t, get(t, emp, ts.URL+"/documents/holds"), http.StatusNotFound)
	regCheckPage(t, "holds", get(t, rena, ts.URL+"/documents/holds?folder_reference=20.2/2018"))
	res = form(t, rena, ts.URL+"/documents/holds", url.Values{"action": {"place"}, "folder_reference": {"gibt-es-nicht"}, "reason": {"x"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if byID(regCheckPage(t, "invalid hold", res), "e-folder_reference") == nil {
		t.Errorf("unknown reference: no error at the field")
	}
	wantRedirect(t, form(t, rena, ts.URL+"/documents/holds", url.Values{"action": {"place"}, "folder_reference": {"20.1/2019"},
		"reason": {"Akteneinsicht"}, "case_reference": {"IFG 3/26"}}), "/documents/holds")
	doc = regCheckPage(t, "holds with a hold", get(t, rena, ts.URL+"/documents/holds"))
	rows := findAll(byID(doc, "holds-active-table"), func(n *html.Node) bool {
		return n.DataAtom == atom.Tr && strings.HasPrefix(attr(n, "id"), "hold-")
	})
	if len(rows) != 1 || !strings.Contains(textOf(rows[0]), "Akteneinsicht") {
		t.Fatalf("active holds: %d rows", len(rows))
	}
	holdID := strings.TrimPrefix(attr(rows[0], "id"), "hold-")

	// Due report: the held file is missing until the hold is released.
	res = get(t, rena, ts.URL+"/documents/due")
	wantStatus(t, res, http.StatusOK)
	doc = regCheckPage(t, "due", res)
	if byID(doc, fmt.Sprintf("due-folder-%d", r.file)) != nil || byID(doc, fmt.Sprintf("due-folder-%d", r.held)) == nil {
		t.Errorf("due report: held file listed or old file missing")
	}
	wantRedirect(t, form(t, rena, ts.URL+"/documents/holds", url.Values{"action": {"release"}, "id": {holdID}, "release_reason": {"erledigt"}}), "/documents/holds")
	res = get(t, rena, ts.URL+"/documents/due.csv")
	wantStatus(t, res, http.StatusOK)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(res.text(), "20.1/2019") || !strings.Contains(res.text(), "Aktenzeichen") {
		t.Errorf("due CSV: %s", res.body)
	}
	wantStatus(t, get(t, emp, ts.URL+"/documents/due"), http.StatusNotFound)

	// Propose from the report, approve by a second person.
	wantRedirect(t, form(t, rena, ts.URL+"/documents/deletions", url.Values{"action": {"propose"}, "kind": {"folder"},
		"id": {strconv.FormatInt(r.file, 10)}, "reason": {"Frist abgelaufen"}}), "/documents/deletions")
	res = form(t, rena, ts.URL+"/documents/deletions", url.Values{"action": {"propose"}, "kind": {"folder"}, "id": {strconv.FormatInt(r.open, 10)}})
	wantStatus(t, res, http.StatusConflict)
	regCheckPage(t, "refused proposal", res)
	doc = regCheckPage(t, "deletions as proposer", get(t, rena, ts.URL+"/documents/deletions"))
	prop := find(byID(doc, "proposals-table"), func(n *html.Node) bool { return n.DataAtom == atom.Tr && strings.HasPrefix(attr(n, "id"), "proposal-") })
	if prop == nil {
		t.Fatal("no open proposal")
	}
	propID := strings.TrimPrefix(attr(prop, "id"), "proposal-")
	if find(prop, func(n *html.Node) bool { return attr(n, "value") == "approve" }) != nil ||
		find(prop, func(n *html.Node) bool { return attr(n, "value") == "cancel" }) == nil {
		t.Errorf("the proposer may approve or not cancel")
	}
	res = form(t, rena, ts.URL+"/documents/deletions", url.Values{"action": {"approve"}, "id": {propID}})
	wantStatus(t, res, http.StatusForbidden)
	doc = regCheckPage(t, "deletions as second person", get(t, rudi, ts.URL+"/documents/deletions"))
	if find(byID(doc, "proposal-"+propID), func(n *html.Node) bool { return attr(n, "value") == "approve" }) == nil {
		t.Errorf("the second person cannot approve")
	}
	wantRedirect(t, form(t, rudi, ts.URL+"/documents/deletions", url.Values{"action": {"approve"}, "id": {propID}, "note": {"geprüft"}}), "/documents/deletions")
	doc = regCheckPage(t, "protocol", get(t, rudi, ts.URL+"/documents/deletions"))
	if row := byID(doc, "deletion-"+propID); row == nil || !strings.Contains(textOf(row), "gelöscht") || !strings.Contains(textOf(row), "1 Dokumente") {
		t.Errorf("protocol row missing or wrong")
	}
	if countRows(t, ts, "documents", "id = ?", r.doc) != 0 {
		t.Errorf("document not deleted")
	}

	// Export from the folder's path: manager of the held (closed) file.
	res = get(t, emp, fmt.Sprintf("%s/documents/folders/%d/export", ts.URL, r.held))
	wantStatus(t, res, http.StatusOK)
	regCheckZip(t, res.body, "manifest.json", "audit.json", "SHA256SUMS")
}
