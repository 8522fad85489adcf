package app_test

// The records store (E-Akte) in a real browser, through the plain HTML
// forms: a clerk with write access to a file creates a document with an
// upload, adds versions, downloads the first one byte for byte, checks it
// out and in, finalises it and must then give a change reason; a search
// finds the document's text; the records officer places and lifts a legal
// hold. The main buttons are reached with Tab and show their focus.

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"ortlos/internal/actor"
	"ortlos/internal/browsertest"
	"ortlos/internal/db"
)

// dbrFile writes a file to upload and returns its path.
func dbrFile(t *testing.T, name, content string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), fmt.Sprint(time.Now().UnixNano()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// dbrSubmit clicks sel, waits for the page that follows and returns its
// HTTP status (a refused form answers 422 with the form again). A click
// that loads no page (the browser refusing the form itself) fails.
func dbrSubmit(b *browser, sel string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("browser: click %s: %v", sel, err)
	}
	return resp.Status
}

// dbrGo is dbrSubmit for a click that must succeed.
func dbrGo(b *browser, sel string) {
	b.t.Helper()
	if st := dbrSubmit(b, sel); st >= 400 {
		b.t.Fatalf("browser: click %s: status %d", sel, st)
	}
}

// dbrText returns the text of the element sel, "" when the page has none
// (b.text waits for it).
func dbrText(b *browser, sel string) string {
	b.t.Helper()
	return evaluate[string](b, fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent.trim()`, sel))
}

// dbrFlash returns the flash message of the page ("" without one).
func dbrFlash(b *browser) string {
	b.t.Helper()
	return dbrText(b, `main .flash[role="status"]`)
}

// dbrFetch downloads path with the browser's session (fetch in the page)
// and returns the bytes.
func dbrFetch(b *browser, path string) []byte {
	b.t.Helper()
	expr := fmt.Sprintf(`fetch(%q, {credentials: "same-origin"}).then(function (r) {
		if (!r.ok) { throw new Error("status " + r.status); }
		return r.arrayBuffer();
	}).then(function (buf) {
		var s = "", a = new Uint8Array(buf);
		for (var i = 0; i < a.length; i++) { s += String.fromCharCode(a[i]); }
		return btoa(s);
	})`, path)
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("browser: fetch %s: %v", path, err)
	}
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		b.t.Fatal(err)
	}
	return raw
}

// dbrSummaryLinks returns the targets of the error summary's links that
// lead to an element of the page (the others as "missing <href>").
func dbrSummaryLinks(b *browser) []string {
	b.t.Helper()
	return evaluate[[]string](b, `Array.from(document.querySelectorAll('#error-summary a')).map(function (a) {
		var h = a.getAttribute('href');
		return document.getElementById(h.slice(1)) ? h : 'missing ' + h;
	})`)
}

// dbrVersions returns the rows of the versions table: number, file name
// and change reason.
func dbrVersions(b *browser) [][3]string {
	b.t.Helper()
	return evaluate[[][3]string](b, `Array.from(document.querySelectorAll('#versions-table tbody tr')).map(function (tr) {
		return [tr.querySelector('th').textContent.trim(), tr.querySelector('td a').textContent.trim(), tr.cells[6].textContent.trim()];
	})`)
}

// dbrTabTo presses Tab until the element sel has the focus and checks that
// the focus is visible: the element matches :focus-visible and has the
// focus outline.
func dbrTabTo(b *browser, sel string) {
	b.t.Helper()
	// Start from the top of the page, as a keyboard user does.
	evaluate[bool](b, `(function () { if (document.activeElement) { document.activeElement.blur(); } window.scrollTo(0, 0); return true; })()`)
	for i := 0; i < 150; i++ {
		b.do(chromedp.KeyEvent(kb.Tab))
		if evaluate[bool](b, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, sel)) {
			st := evaluate[[]string](b, `(function () {
				var e = document.activeElement, cs = getComputedStyle(e);
				return [String(e.matches(':focus-visible')), cs.outlineStyle, cs.outlineWidth];
			})()`)
			if st[0] != "true" || st[1] == "none" || st[2] == "0px" {
				b.t.Errorf("%s has the focus but does not show it: focus-visible %s, outline %s %s", sel, st[0], st[1], st[2])
			}
			return
		}
	}
	b.t.Errorf("Tab never reaches %s", sel)
}

func TestBrowserDocuments(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	for _, role := range []string{actor.RoleEmployee, actor.RoleRecords} {
		if _, err := ts.Identity.SetRoleMFARequired(t.Context(), actor.CLI(), role, false); err != nil {
			t.Fatal(err)
		}
	}
	clerk := createUser(t, ts, "klara.sachbearbeiterin", "Klara Sachbearbeiterin")
	createUser(t, ts, "rhea.registratur", "Rhea Registratur", actor.RoleRecords)
	f := dtFile(t, ts, "63.01")
	dtGrant(t, ts, f.file, clerk.ID, "write")
	typeID := dtInsert(t, ts, `INSERT INTO doc_types (name, fields, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
		"Antrag", `[{"key":"zeichen","label":"Zeichen des Antragstellers","kind":"text","required":true}]`, db.T(ts.now()), db.T(ts.now()))

	const (
		v1 = "Antrag auf Baugenehmigung\nDas Grundstück liegt an der Feldscheune.\n"
		v2 = "Antrag auf Baugenehmigung\nDas Grundstück liegt an der Feldscheune.\nErgänzt: Lageplan.\n"
		v3 = "Antrag auf Baugenehmigung (überarbeitet)\nDas Grundstück liegt an der Feldscheune.\n"
		v4 = "Antrag auf Baugenehmigung (berichtigt)\nDas Grundstück liegt an der Feldscheune.\n"
	)

	tab := browsertest.New(t)
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	defer cancel()
	b := &browser{t: t, ctx: ctx}
	b.login(ts.URL, "klara.sachbearbeiterin", testPassword)

	// The file plan from the main navigation, then the file.
	dbrGo(b, `.main-nav a[href="/documents"]`)
	b.wantPath("/documents")
	fileURL := fmt.Sprintf("/documents/folders/%d", f.file)
	dbrGo(b, fmt.Sprintf(`#folder-tree a[href=%q]`, fileURL))
	b.wantPath(fileURL)
	if got := b.text("#folder-no-documents"); got == "" {
		t.Errorf("the empty file does not say so")
	}

	// A new document of a type with a required field, with its first
	// version; the missing field is refused at the field.
	dbrGo(b, `#folder-new-document`)
	b.wantPath(fileURL + "/new")
	b.do(chromedp.SetValue(chromedp.ID("f-choose-type"), fmt.Sprint(typeID)))
	dbrGo(b, `form[method="get"][action$="/new"] button[type="submit"]`)
	b.do(chromedp.SendKeys(chromedp.ID("f-title"), "Bauantrag Feldweg 1"),
		chromedp.SendKeys(chromedp.ID("f-tags"), "Bau, Antrag"),
		chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{dbrFile(t, "Antrag.txt", v1)}))
	if st := dbrSubmit(b, `#new-document button[type="submit"]`); st != 422 {
		t.Fatalf("new document without the required field: status %d, want 422", st)
	}
	if got := dbrSummaryLinks(b); len(got) != 1 || got[0] != "#f-field_zeichen" {
		t.Errorf("error summary links %v, want the field", got)
	}
	if got := dbrText(b, "#e-field_zeichen"); got == "" {
		t.Errorf("no error at the required field")
	}
	b.do(chromedp.SendKeys(chromedp.ID("f-field_zeichen"), "BA-2026-17"),
		chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{dbrFile(t, "Antrag.txt", v1)}))
	dbrGo(b, `#new-document button[type="submit"]`)
	if got := dbrFlash(b); got != de.T("flash.document_created") {
		t.Errorf("after creating the page says %q", got)
	}
	docPath := b.path()
	if got := b.text("h1"); got != "Bauantrag Feldweg 1" {
		t.Errorf("document h1 %q", got)
	}

	// Listed in the file; opened from there.
	b.do(chromedp.Navigate(ts.URL + fileURL))
	if got := b.text("#folder-documents-table tbody"); !strings.Contains(got, "Bauantrag Feldweg 1") || !strings.Contains(got, "in Bearbeitung") {
		t.Errorf("file lists %q", got)
	}
	dbrGo(b, fmt.Sprintf(`#folder-documents-table a[href=%q]`, docPath))
	b.wantPath(docPath)

	// A second version; both are listed, the first downloads unchanged.
	b.do(chromedp.SendKeys(chromedp.ID("f-upload-reason"), "Lageplan ergänzt"),
		chromedp.SetUploadFiles(chromedp.ID("f-upload-file"), []string{dbrFile(t, "Antrag.txt", v2)}))
	dbrGo(b, `form[action$="/versions/upload"] button[type="submit"]`)
	b.wantPath(docPath)
	if got := dbrFlash(b); got != de.T("flash.document_version_added") {
		t.Errorf("after the upload the page says %q", got)
	}
	vs := dbrVersions(b)
	if len(vs) != 2 || vs[0][0] != "2" || vs[0][2] != "Lageplan ergänzt" || vs[1][0] != "1" || vs[1][1] != "Antrag.txt" {
		t.Fatalf("versions after the second upload: %v", vs)
	}
	first := evaluate[string](b, `document.querySelector('#version-1 a').getAttribute('href')`)
	if got := dbrFetch(b, first); string(got) != v1 {
		t.Errorf("version 1 downloads as %q, want %q", got, v1)
	}
	if got := dbrFetch(b, evaluate[string](b, `document.querySelector('#version-2 a').getAttribute('href')`)); string(got) != v2 {
		t.Errorf("version 2 downloads as %q", got)
	}

	// Keyboard: the main buttons are reached with Tab and show the focus.
	dbrTabTo(b, `form:has(input[name="action"][value="checkout"]) button`)
	dbrTabTo(b, `form:has(input[name="action"][value="finalize"]) button`)
	dbrTabTo(b, `form[action$="/versions/upload"] button[type="submit"]`)

	// Check out, then check in with a new version.
	dbrGo(b, `form:has(input[name="action"][value="checkout"]) button`)
	if got := dbrFlash(b); got != de.T("flash.document_checked_out") {
		t.Errorf("after checking out the page says %q", got)
	}
	if got := b.text("#lock-state"); !strings.Contains(got, "Sie haben das Dokument ausgecheckt") {
		t.Fatalf("lock state after checking out: %q", got)
	}
	if !evaluate[bool](b, `document.getElementById('f-checkin').checked`) {
		t.Errorf("check-in with the upload is not preselected")
	}
	b.do(chromedp.SetUploadFiles(chromedp.ID("f-upload-file"), []string{dbrFile(t, "Antrag.txt", v3)}))
	dbrGo(b, `form[action$="/versions/upload"] button[type="submit"]`)
	if got := b.text("#lock-state"); got != de.T("checkout.free") {
		t.Errorf("lock state after checking in: %q", got)
	}
	if n := len(dbrVersions(b)); n != 3 {
		t.Errorf("%d versions after checking in, want 3", n)
	}

	// Finalise.
	dbrGo(b, `form:has(input[name="action"][value="finalize"]) button`)
	if got := dbrFlash(b); got != de.T("flash.document_finalized") {
		t.Errorf("after finalising the page says %q", got)
	}
	if got := b.text(".facts .badge.state-final"); got != "schlussgezeichnet" {
		t.Errorf("state badge %q", got)
	}

	// A final document changes only with a reason: the field says so, an
	// upload without one is refused with a German message at the field.
	if got := b.text(`label[for="f-upload-reason"]`); !strings.Contains(got, "Pflicht") && !strings.Contains(got, de.T("document.required")) {
		t.Errorf("reason label %q does not say it is required", got)
	}
	b.do(chromedp.SetUploadFiles(chromedp.ID("f-upload-file"), []string{dbrFile(t, "Antrag.txt", v4)}))
	if st := dbrSubmit(b, `form[action$="/versions/upload"] button[type="submit"]`); st != 422 {
		t.Fatalf("upload without a reason: status %d, want 422", st)
	}
	want := de.T("err.change_reason_required")
	if got := dbrText(b, "#e-upload-reason"); got != want {
		t.Errorf("reason error %q, want %q", got, want)
	}
	if got := evaluate[string](b, `document.getElementById('f-upload-reason').getAttribute('aria-invalid')`); got != "true" {
		t.Errorf("reason field aria-invalid = %q", got)
	}
	if n := evaluate[int](b, `document.querySelectorAll('[id="error-summary"]').length`); n != 1 {
		t.Errorf("%d error summaries, want 1", n)
	}
	if !evaluate[bool](b, `document.activeElement === document.getElementById('error-summary')`) {
		t.Errorf("the error summary does not have the focus")
	}
	// The summary's link leads to the upload form's field, not to the
	// metadata form's reason.
	if got := dbrSummaryLinks(b); len(got) != 1 || got[0] != "#f-upload-reason" {
		t.Errorf("error summary links %v, want #f-upload-reason", got)
	}
	b.do(chromedp.SendKeys(chromedp.ID("f-upload-reason"), "Schreibfehler berichtigt"),
		chromedp.SetUploadFiles(chromedp.ID("f-upload-file"), []string{dbrFile(t, "Antrag.txt", v4)}))
	dbrGo(b, `form[action$="/versions/upload"] button[type="submit"]`)
	vs = dbrVersions(b)
	if len(vs) != 4 || vs[0][2] != "Schreibfehler berichtigt" {
		t.Fatalf("versions after the upload with a reason: %v", vs)
	}
	if got := dbrFetch(b, first); string(got) != v1 {
		t.Errorf("version 1 changed: %q", got)
	}

	// Search for a word of the text, from the file plan's search field.
	dsIndex(t, ts.Document)
	b.do(chromedp.Navigate(ts.URL + "/documents"))
	b.do(chromedp.SendKeys(chromedp.ID("plan-search-q"), "Feldscheune"))
	dbrGo(b, `#plan-search button[type="submit"]`)
	b.wantPath("/documents/search")
	if got := b.text("#search-results"); !strings.Contains(got, "Bauantrag Feldweg 1") || !strings.Contains(got, "Feldscheune") {
		t.Errorf("search results %q", got)
	}
	dbrGo(b, fmt.Sprintf(`#search-results a[href=%q]`, docPath))
	b.wantPath(docPath)
	b.logout()

	// The records officer places a legal hold on the file from its page
	// and lifts it again.
	b.login(ts.URL, "rhea.registratur", testPassword)
	dbrGo(b, `.main-nav a[href="/documents"]`)
	dbrGo(b, fmt.Sprintf(`#folder-tree a[href=%q]`, fileURL))
	dbrGo(b, `#folder-hold-link`)
	b.wantPath("/documents/holds")
	if got := evaluate[string](b, `document.getElementById('f-folder_reference').value`); got != "63.01-1" {
		t.Errorf("hold form pre-filled with %q", got)
	}
	dbrTabTo(b, `form:has(input[name="action"][value="place"]) button[type="submit"]`)
	b.do(chromedp.SendKeys(chromedp.ID("f-reason"), "Akteneinsicht nach IFG"),
		chromedp.SendKeys(chromedp.ID("f-case_reference"), "IFG 7/26"))
	dbrGo(b, `form:has(input[name="action"][value="place"]) button[type="submit"]`)
	if got := dbrFlash(b); got != de.T("flash.hold_placed") {
		t.Errorf("after placing the hold the page says %q", got)
	}
	row := b.text("#holds-active-table tbody")
	for _, want := range []string{"63.01-1", "Akteneinsicht nach IFG", "IFG 7/26", "Rhea Registratur"} {
		if !strings.Contains(row, want) {
			t.Errorf("active hold lacks %q: %q", want, row)
		}
	}
	b.do(chromedp.SendKeys(`#holds-active-table input[name="release_reason"]`, "Verfahren abgeschlossen"))
	dbrGo(b, `#holds-active-table button[type="submit"]`)
	if got := dbrFlash(b); got != de.T("flash.hold_released") {
		t.Errorf("after lifting the hold the page says %q", got)
	}
	if n := evaluate[int](b, `document.querySelectorAll('#holds-active-table').length`); n != 0 {
		t.Errorf("the hold is still active")
	}
	if got := b.text("#holds-released-table tbody"); !strings.Contains(got, "Verfahren abgeschlossen") || !strings.Contains(got, "63.01-1") {
		t.Errorf("released holds %q", got)
	}
	if n := countRows(t, ts, "doc_legal_holds", "released_at IS NOT NULL"); n != 1 {
		t.Errorf("%d released holds stored, want 1", n)
	}
}
