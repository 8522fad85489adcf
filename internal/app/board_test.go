package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/identity"
	"ortlos/internal/project"
	"ortlos/internal/project/rank"
)

func init() {
	a11yExtraPages = append(a11yExtraPages, func(t *testing.T, ts *testServer, _ identity.User) []string {
		ctx := t.Context()
		var adminID int64
		if err := ts.DB.QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, "anna.admin").Scan(&adminID); err != nil {
			t.Fatal(err)
		}
		b := taskBoard(t, ts, "Tafel barrierefrei")
		taskMember(t, ts, b.project, adminID, "manager")
		a := bdActor(adminID, "anna.admin")
		past := civil.Date{Year: 2001, Month: 2, Day: 3}
		tk, _, err := ts.Project.CreateTask(ctx, a, b.project, project.NewTask{Title: "Formular prüfen", AssigneeIDs: []int64{adminID}, DueDate: &past, Priority: "high"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := ts.Project.CreateTask(ctx, a, b.project, project.NewTask{Title: "Zweite Karte", StatusID: b.doing}); err != nil {
			t.Fatal(err)
		}
		return []string{fmt.Sprintf("/projects/%d/board", b.project), fmt.Sprintf("/projects/%d/board/cards/%d/move", b.project, tk.ID)}
	})
}

func bdActor(id int64, username string) actor.Actor {
	return actor.Actor{UserID: id, Username: username, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession, SessionID: 1}
}

// bdTask reads a task's column, rank and version from the database.
func bdTask(t *testing.T, ts *testServer, id int64) (status int64, rank string, version int) {
	t.Helper()
	if err := ts.DB.QueryRowContext(t.Context(), `SELECT status_id, rank, version FROM tasks WHERE id = ?`, id).Scan(&status, &rank, &version); err != nil {
		t.Fatal(err)
	}
	return
}

// bdCardIDs returns the card ids of a column on the board page in order.
func bdCardIDs(doc *html.Node, column int64) []string {
	col := byID(doc, fmt.Sprintf("column-%d", column))
	if col == nil {
		return nil
	}
	var ids []string
	for _, li := range byTag(col, atom.Li) {
		if strings.Contains(attr(li, "class"), "board-card") {
			ids = append(ids, attr(li, "data-task-id"))
		}
	}
	return ids
}

func TestBoardPage(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	marta := createUser(t, ts, "marta.member", "Marta Mitglied")
	vik := createUser(t, ts, "vik.viewer", "Vik Viewer")
	b := taskBoard(t, ts, "Bürgerbüro")
	taskMember(t, ts, b.project, marta.ID, "member")
	taskMember(t, ts, b.project, vik.ID, "viewer")
	a := bdActor(marta.ID, marta.Username)
	ctx := t.Context()
	past := civil.Date{Year: 2001, Month: 2, Day: 3}
	first, _, err := ts.Project.CreateTask(ctx, a, b.project, project.NewTask{Title: "Wartemarken bestellen", AssigneeIDs: []int64{marta.ID}, DueDate: &past, Priority: "urgent"})
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := ts.Project.CreateTask(ctx, a, b.project, project.NewTask{Title: "Aufsteller drucken"})
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"Angebot", "Bestellung"} {
		if _, err := ts.Project.AddChecklistItem(ctx, a, first.ID, text); err != nil {
			t.Fatal(err)
		}
	}
	// Two cards in "In Arbeit" (WIP limit 1).
	for _, title := range []string{"Schalter 1", "Schalter 2"} {
		if _, _, err := ts.Project.CreateTask(ctx, a, b.project, project.NewTask{Title: title, StatusID: b.doing}); err != nil {
			t.Fatal(err)
		}
	}

	c := loginFull(t, ts, "marta.member", testPassword)
	board := fmt.Sprintf("%s/projects/%d/board", ts.URL, b.project)
	res := get(t, c, board)
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if got := h1(doc); got != "Tafel: Bürgerbüro" {
		t.Errorf("h1 %q", got)
	}
	if got := bdCardIDs(doc, b.open); strings.Join(got, ",") != fmt.Sprintf("%d,%d", first.ID, second.ID) {
		t.Errorf("open column cards %v", got)
	}
	card := byID(doc, fmt.Sprintf("card-%d", first.ID))
	text := textOf(card)
	for _, want := range []string{"Wartemarken bestellen", "MM", "Marta Mitglied", "03.02.2001", "überfällig", "Priorität: dringend", "Checkliste: 0 von 2 erledigt"} {
		if !strings.Contains(text, want) {
			t.Errorf("card lacks %q: %s", want, text)
		}
	}
	doing := byID(doc, fmt.Sprintf("column-%d", b.doing))
	if !strings.Contains(attr(doing, "class"), "over-limit") || !strings.Contains(textOf(doing), "WIP-Limit überschritten") ||
		!strings.Contains(textOf(doing), "2 von höchstens 1") {
		t.Errorf("WIP limit not shown as exceeded: %s", textOf(doing))
	}
	if scripts := findAll(doc, func(n *html.Node) bool {
		return n.DataAtom == atom.Script && strings.Contains(attr(n, "src"), "/static/board.")
	}); len(scripts) != 1 {
		t.Errorf("board.js not loaded")
	}

	// "+ Aufgabe" in "In Arbeit": plain POST, back on the board.
	res = form(t, c, board+"/tasks", url.Values{"status_id": {fmt.Sprint(b.doing)}, fmt.Sprintf("s%d-title", b.doing): {"Schalter 3"}})
	wantRedirect(t, res, fmt.Sprintf("/projects/%d/board#card-", b.project))
	if n := countRows(t, ts, "tasks", "status_id = ? AND title = ?", b.doing, "Schalter 3"); n != 1 {
		t.Errorf("new task not in its column (%d)", n)
	}
	// An empty title: the board again with the error at that column's field.
	res = form(t, c, board+"/tasks", url.Values{"status_id": {fmt.Sprint(b.done)}, fmt.Sprintf("s%d-title", b.done): {" "}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	if byID(res.doc(t), fmt.Sprintf("e-s%d-title", b.done)) == nil {
		t.Errorf("no field error at the done column's form")
	}

	// Move with the form: the second card to the top of "Erledigt".
	_, _, v := bdTask(t, ts, second.ID)
	res = form(t, c, board+"/move", url.Values{"task_id": {fmt.Sprint(second.ID)}, "target": {fmt.Sprintf("%d:0", b.done)}, "version": {fmt.Sprint(v)}})
	wantRedirect(t, res, fmt.Sprintf("/projects/%d/board#card-%d", b.project, second.ID))
	if st, _, nv := bdTask(t, ts, second.ID); st != b.done || nv != v+1 {
		t.Errorf("after the move: column %d version %d", st, nv)
	}
	// After another card: the first card after the second, in "Erledigt".
	_, _, v1 := bdTask(t, ts, first.ID)
	res = form(t, c, board+"/move", url.Values{"task_id": {fmt.Sprint(first.ID)}, "target": {fmt.Sprintf("%d:%d", b.done, second.ID)}, "version": {fmt.Sprint(v1)}})
	wantRedirect(t, res, fmt.Sprintf("/projects/%d/board", b.project))
	res = get(t, c, board)
	if got := bdCardIDs(res.doc(t), b.done); strings.Join(got, ",") != fmt.Sprintf("%d,%d", second.ID, first.ID) {
		t.Errorf("done column cards %v", got)
	}
	if !strings.Contains(res.text(), "Die Karte wurde verschoben.") {
		t.Errorf("no flash after the move")
	}
	// A done card is not marked overdue.
	if strings.Contains(textOf(byID(res.doc(t), fmt.Sprintf("card-%d", first.ID))), "überfällig") {
		t.Errorf("done card marked overdue")
	}

	// The card fragment for board.js.
	res = get(t, c, fmt.Sprintf("%s/cards/%d", board, first.ID))
	wantStatus(t, res, http.StatusOK)
	if !strings.HasPrefix(strings.TrimSpace(res.text()), fmt.Sprintf(`<li class="board-card is-done" id="card-%d"`, first.ID)) {
		t.Errorf("fragment:\n%.500s", res.body)
	}
	wantStatus(t, get(t, c, fmt.Sprintf("%s/cards/99999", board)), http.StatusNotFound)

	// The viewer reads the board without forms and may not move.
	vc := loginFull(t, ts, "vik.viewer", testPassword)
	res = get(t, vc, board)
	wantStatus(t, res, http.StatusOK)
	if byName(res.doc(t), "target") != nil || byName(res.doc(t), "status_id") != nil {
		t.Errorf("viewer gets move or create forms")
	}
	_, _, v = bdTask(t, ts, first.ID)
	wantStatus(t, form(t, vc, board+"/move", url.Values{"task_id": {fmt.Sprint(first.ID)}, "target": {fmt.Sprintf("%d:0", b.open)}, "version": {fmt.Sprint(v)}}), http.StatusForbidden)
	// A task of another project cannot be moved through this board.
	other := taskBoard(t, ts, "Anderes")
	taskMember(t, ts, other.project, marta.ID, "member")
	ot, _, err := ts.Project.CreateTask(ctx, a, other.project, project.NewTask{Title: "Fremd"})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, form(t, c, board+"/move", url.Values{"task_id": {fmt.Sprint(ot.ID)}, "target": {fmt.Sprintf("%d:0", b.open)}, "version": {"1"}}), http.StatusNotFound)
	// Nobody outside a confidential project sees its board.
	secret := taskBoard(t, ts, "Vertraulich")
	taskInsert(t, ts, `UPDATE projects SET confidential = ? WHERE id = ? RETURNING id`, true, secret.project)
	wantStatus(t, get(t, c, fmt.Sprintf("%s/projects/%d/board", ts.URL, secret.project)), http.StatusNotFound)
	wantStatus(t, get(t, c, fmt.Sprintf("%s/projects/%d/events", ts.URL, secret.project)), http.StatusNotFound)
}

// A move based on an old state is refused with a clear message and
// changes nothing.
func TestBoardStaleMove(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	marta := createUser(t, ts, "marta.member", "Marta Mitglied")
	b := taskBoard(t, ts, "Bürgerbüro")
	taskMember(t, ts, b.project, marta.ID, "member")
	a := bdActor(marta.ID, marta.Username)
	x, _, err := ts.Project.CreateTask(t.Context(), a, b.project, project.NewTask{Title: "Karte X"})
	if err != nil {
		t.Fatal(err)
	}
	y, _, err := ts.Project.CreateTask(t.Context(), a, b.project, project.NewTask{Title: "Karte Y"})
	if err != nil {
		t.Fatal(err)
	}
	c := loginFull(t, ts, "marta.member", testPassword)
	board := fmt.Sprintf("%s/projects/%d/board", ts.URL, b.project)
	// Someone else moves X meanwhile.
	if _, _, err := ts.Project.MoveTask(t.Context(), a, x.ID, project.TaskMove{StatusID: b.doing, Version: x.Version}); err != nil {
		t.Fatal(err)
	}
	status, rank, version := bdTask(t, ts, x.ID)
	stale := "Die Karte wurde nicht verschoben: Jemand hat die Tafel inzwischen geändert."
	// The form still carries the old version of X.
	res := form(t, c, board+"/move", url.Values{"task_id": {fmt.Sprint(x.ID)}, "target": {fmt.Sprintf("%d:0", b.done)}, "version": {fmt.Sprint(x.Version)}})
	wantStatus(t, res, http.StatusConflict)
	doc := res.doc(t)
	if msg := byID(doc, "board-stale"); msg == nil || !strings.Contains(textOf(msg), stale) || attr(msg, "role") != "alert" {
		t.Errorf("no stale message:\n%.3000s", res.body)
	}
	if s2, r2, v2 := bdTask(t, ts, x.ID); s2 != status || r2 != rank || v2 != version {
		t.Errorf("stale move changed the task: %d %q %d", s2, r2, v2)
	}
	// The page shows the current state: X in "In Arbeit" with its new
	// version in the form.
	if got := bdCardIDs(doc, b.doing); len(got) != 1 || got[0] != fmt.Sprint(x.ID) {
		t.Errorf("in progress column %v", got)
	}
	if card := byID(doc, fmt.Sprintf("card-%d", x.ID)); attr(byName(card, "version"), "value") != fmt.Sprint(version) {
		t.Errorf("form version not current")
	}
	// Placing Y after X in "Offen" when X has left that column: refused too.
	res = form(t, c, board+"/move", url.Values{"task_id": {fmt.Sprint(y.ID)}, "target": {fmt.Sprintf("%d:%d", b.open, x.ID)}, "version": {fmt.Sprint(y.Version)}})
	wantStatus(t, res, http.StatusConflict)
	if !strings.Contains(res.text(), stale) {
		t.Errorf("no stale message for a moved neighbour")
	}
	if s2, _, v2 := bdTask(t, ts, y.ID); s2 != b.open || v2 != y.Version {
		t.Errorf("Y changed: %d %d", s2, v2)
	}
	// A garbled target is a form error, not a crash.
	wantStatus(t, form(t, c, board+"/move", url.Values{"task_id": {fmt.Sprint(y.ID)}, "target": {"x"}, "version": {"1"}}), http.StatusUnprocessableEntity)
}

// bdStream reads Server-Sent Events.
type bdStream struct {
	t      *testing.T
	lines  chan string
	cancel context.CancelFunc
}

type bdEvent struct {
	typ  string
	data map[string]any
}

func bdOpenStream(t *testing.T, ts *testServer, c *http.Client, project int64) *bdStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/projects/%d/events", ts.URL, project), nil)
	if err != nil {
		t.Fatal(err)
	}
	sc := &http.Client{Jar: c.Jar, Transport: c.Transport} // no timeout: a stream lasts
	res, err := sc.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	s := &bdStream{t: t, lines: make(chan string, 100), cancel: cancel}
	go func() {
		defer res.Body.Close()
		defer close(s.lines)
		r := bufio.NewScanner(res.Body)
		for r.Scan() {
			s.lines <- r.Text()
		}
	}()
	t.Cleanup(cancel)
	return s
}

// next returns the next event (comments and retry lines skipped).
func (s *bdStream) next() bdEvent {
	s.t.Helper()
	var e bdEvent
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				s.t.Fatal("stream ended")
			}
			switch {
			case strings.HasPrefix(line, "event: "):
				e.typ = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &e.data); err != nil {
					s.t.Fatalf("data %q: %v", line, err)
				}
			case line == "" && e.typ != "":
				return e
			}
		case <-timeout:
			s.t.Fatal("no event within 10 s")
		}
	}
}

func TestBoardEvents(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, withDialect(dialect))
			if pg, ok := ts.Events.(*project.PGBroker); ok {
				select {
				case <-pg.Ready():
				case <-time.After(20 * time.Second):
					t.Fatal("broker does not listen")
				}
			}
			marta := createUser(t, ts, "marta.member", "Marta Mitglied")
			b := taskBoard(t, ts, "Bürgerbüro")
			taskMember(t, ts, b.project, marta.ID, "member")
			a := bdActor(marta.ID, marta.Username)
			c := loginFull(t, ts, "marta.member", testPassword)
			s := bdOpenStream(t, ts, c, b.project)

			tk, _, err := ts.Project.CreateTask(t.Context(), a, b.project, project.NewTask{Title: "Live"})
			if err != nil {
				t.Fatal(err)
			}
			e := s.next()
			if e.typ != "task.created" || e.data["task_id"] != float64(tk.ID) || e.data["status_id"] != float64(b.open) || e.data["rank"] != tk.Rank {
				t.Errorf("created: %+v", e)
			}
			if _, ok := e.data["title"]; ok {
				t.Error("event carries the title")
			}
			// A checklist change shows on the card: task.updated without a
			// version (the task row did not change).
			item, err := ts.Project.AddChecklistItem(t.Context(), a, tk.ID, "Unterlagen vollständig")
			if err != nil {
				t.Fatal(err)
			}
			if e := s.next(); e.typ != "task.updated" || e.data["task_id"] != float64(tk.ID) || e.data["version"] != nil {
				t.Errorf("checklist add: %+v", e)
			}
			if _, err := ts.Project.UpdateChecklistItem(t.Context(), a, item.ID, project.ChecklistUpdate{Done: new(true)}); err != nil {
				t.Fatal(err)
			}
			if e := s.next(); e.typ != "task.updated" {
				t.Errorf("checklist tick: %+v", e)
			}
			// An import changes many cards: one reload.
			csv := "title\nImportiert\n"
			if _, err := ts.Project.ImportTasks(t.Context(), a, b.project, strings.NewReader(csv)); err != nil {
				t.Fatal(err)
			}
			if e := s.next(); e.typ != "reload" {
				t.Errorf("import: %+v", e)
			}
			// The form move publishes too.
			res := form(t, c, fmt.Sprintf("%s/projects/%d/board/move", ts.URL, b.project),
				url.Values{"task_id": {fmt.Sprint(tk.ID)}, "target": {fmt.Sprintf("%d:0", b.doing)}, "version": {fmt.Sprint(tk.Version)}})
			wantStatus(t, res, http.StatusSeeOther)
			st, rank, v := bdTask(t, ts, tk.ID)
			e = s.next()
			if e.typ != "task.moved" || e.data["status_id"] != float64(st) || e.data["rank"] != rank || e.data["version"] != float64(v) {
				t.Errorf("moved: %+v", e)
			}
			if err := ts.Project.DeleteTask(t.Context(), actor.Actor{UserID: 0}, tk.ID); err == nil {
				t.Fatal("anonymous delete")
			}
			taskMember(t, ts, b.project, createUser(t, ts, "mia.manager", "Mia Manager").ID, "manager")
			var miaID int64
			if err := ts.DB.QueryRowContext(t.Context(), `SELECT id FROM users WHERE username = 'mia.manager'`).Scan(&miaID); err != nil {
				t.Fatal(err)
			}
			if err := ts.Project.DeleteTask(t.Context(), bdActor(miaID, "mia.manager"), tk.ID); err != nil {
				t.Fatal(err)
			}
			if e := s.next(); e.typ != "task.deleted" || e.data["task_id"] != float64(tk.ID) {
				t.Errorf("deleted: %+v", e)
			}
			// The server's shutdown (test cleanup) ends the stream.
		})
	}
}

// One person may hold a bounded number of board streams open; closing one
// frees its place.
func TestBoardEventStreamLimit(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	marta := createUser(t, ts, "marta.member", "Marta Mitglied")
	b := taskBoard(t, ts, "Bürgerbüro")
	taskMember(t, ts, b.project, marta.ID, "member")
	c := loginFull(t, ts, "marta.member", testPassword)
	var streams []*bdStream
	for range 10 {
		streams = append(streams, bdOpenStream(t, ts, c, b.project))
	}
	// status opens one more stream and returns its status and Retry-After.
	status := func() (int, string) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/projects/%d/events", ts.URL, b.project), nil)
		res, err := (&http.Client{Jar: c.Jar, Transport: c.Transport}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		return res.StatusCode, res.Header.Get("Retry-After")
	}
	if code, retry := status(); code != http.StatusTooManyRequests || retry == "" {
		t.Errorf("11th stream: %d, Retry-After %q; want 429 with Retry-After", code, retry)
	}
	streams[0].cancel()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if code, _ := status(); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a closed stream did not free its place")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// bdSeed inserts n cards spread over the board's three columns: every
// card with an assignee and a due date, every third with a label and a
// checklist of three items.
func bdSeed(t testing.TB, ts *testServer, b taskBoardIDs, userID int64, n int) {
	t.Helper()
	ctx := context.Background()
	now := db.T(ts.now())
	label := taskInsert(t, ts, `INSERT INTO project_labels (project_id, name, color) VALUES (?, 'Eilt', '#aa0000') RETURNING id`, b.project)
	err := ts.DB.InTx(ctx, func(tx *db.Tx) error {
		cols := []int64{b.open, b.doing, b.done}
		last := map[int64]string{}
		for i := range n {
			col := cols[i%len(cols)]
			r, err := rank.Between(last[col], "")
			if err != nil {
				return err
			}
			last[col] = r
			var id int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO tasks (project_id, status_id, rank, title, priority, due_date, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, b.project, col, r, fmt.Sprintf("Vorgang %04d: Antrag prüfen", i+1),
				project.Priorities[i%4], fmt.Sprintf("2026-%02d-%02d", 1+i%12, 1+i%28), now, now).Scan(&id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO task_assignees (task_id, user_id) VALUES (?, ?)`, id, userID); err != nil {
				return err
			}
			if i%3 == 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO task_labels (task_id, label_id) VALUES (?, ?)`, id, label); err != nil {
					return err
				}
				for p := range 3 {
					if _, err := tx.ExecContext(ctx, `INSERT INTO task_checklist (task_id, text, done, position) VALUES (?, ?, ?, ?)`, id, "Schritt", p == 0, p+1); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkBoardPage renders the board page of 2,000 cards through the
// server's whole handler chain (session, access, six queries, template),
// without the network: the server time of one page.
func BenchmarkBoardPage(b *testing.B) {
	ts := startServer(b)
	marta := createUser(b, ts, "marta.member", "Marta Mitglied")
	brd := taskBoard(b, ts, "Großes Board")
	taskMember(b, ts, brd.project, marta.ID, "member")
	bdSeed(b, ts, brd, marta.ID, 2000)
	c := loginFull(b, ts, "marta.member", testPassword)
	cookie := &http.Cookie{Name: ts.Server.SessionCookieName(), Value: sessionCookie(b, ts, c)}
	h := ts.Server.Handler()
	target := fmt.Sprintf("/projects/%d/board", brd.project)
	var size int
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size)/1024, "KiB/page")
}

// BenchmarkBoardService is the service part alone: Board for 2,000
// cards.
func BenchmarkBoardService(b *testing.B) {
	ts := startServer(b)
	marta := createUser(b, ts, "marta.member", "Marta Mitglied")
	brd := taskBoard(b, ts, "Großes Board")
	taskMember(b, ts, brd.project, marta.ID, "member")
	bdSeed(b, ts, brd, marta.ID, 2000)
	a := bdActor(marta.ID, marta.Username)
	for b.Loop() {
		bd, err := ts.Project.Board(context.Background(), a, brd.project)
		if err != nil || bd.Cards != 2000 {
			b.Fatalf("%d cards, %v", bd.Cards, err)
		}
	}
}

// On a board of more than 60 cards each card links to its move form on a
// page of its own, which lists every position.
func TestBoardLargeMovePage(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	marta := createUser(t, ts, "marta.member", "Marta Mitglied")
	b := taskBoard(t, ts, "Großes Board")
	taskMember(t, ts, b.project, marta.ID, "member")
	bdSeed(t, ts, b, marta.ID, 90)
	c := loginFull(t, ts, "marta.member", testPassword)
	board := fmt.Sprintf("%s/projects/%d/board", ts.URL, b.project)
	res := get(t, c, board)
	wantStatus(t, res, http.StatusOK)
	doc := res.doc(t)
	if byName(doc, "target") != nil {
		t.Errorf("inline move forms on a large board")
	}
	var id int64
	if err := ts.DB.QueryRowContext(t.Context(), `SELECT id FROM tasks WHERE status_id = ? ORDER BY rank LIMIT 1`, b.open).Scan(&id); err != nil {
		t.Fatal(err)
	}
	movePage := fmt.Sprintf("/projects/%d/board/cards/%d/move", b.project, id)
	link := find(byID(doc, fmt.Sprintf("card-%d", id)), func(n *html.Node) bool { return n.DataAtom == atom.A && attr(n, "href") == movePage })
	if link == nil {
		t.Fatalf("card has no link to %s", movePage)
	}
	res = get(t, c, ts.URL+movePage)
	wantStatus(t, res, http.StatusOK)
	sel := byID(res.doc(t), "move-target")
	if n := len(byTag(sel, atom.Option)); n != 3+89 {
		t.Errorf("%d positions, want %d", n, 3+89)
	}
	// After the last card of "In Arbeit".
	var last int64
	if err := ts.DB.QueryRowContext(t.Context(), `SELECT id FROM tasks WHERE status_id = ? ORDER BY rank DESC LIMIT 1`, b.doing).Scan(&last); err != nil {
		t.Fatal(err)
	}
	_, _, v := bdTask(t, ts, id)
	wantRedirect(t, form(t, c, board+"/move", url.Values{"task_id": {fmt.Sprint(id)}, "target": {fmt.Sprintf("%d:%d", b.doing, last)}, "version": {fmt.Sprint(v)}}), "/projects/")
	var lastNow int64
	if err := ts.DB.QueryRowContext(t.Context(), `SELECT id FROM tasks WHERE status_id = ? ORDER BY rank DESC LIMIT 1`, b.doing).Scan(&lastNow); err != nil || lastNow != id {
		t.Errorf("last card of the column is %d, want %d (%v)", lastNow, id, err)
	}
}
