package app_test

// The board in a real browser with two tabs on the same board: tab A
// moves cards with the keyboard (board.js, through the moveTask API) and
// with the no-JavaScript form; tab B sees each card arrive in its new
// column without reloading, through the event stream.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"ortlos/internal/actor"
	"ortlos/internal/browsertest"
	"ortlos/internal/project"
)

// bdWait evaluates expr in b's tab until it is true.
func bdWait(b *browser, what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if evaluate[bool](b, expr) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("browser: %s did not happen (%s)", what, expr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestBrowserBoardLive(t *testing.T) {
	t.Parallel()
	ts := startServer(t)
	if _, err := ts.Identity.SetRoleMFARequired(t.Context(), actor.CLI(), actor.RoleEmployee, false); err != nil {
		t.Fatal(err)
	}
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
	board := fmt.Sprintf("%s/projects/%d/board", ts.URL, b.project)
	hub, _ := ts.Events.(*project.Hub)

	tab := browsertest.New(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	tabA := &browser{t: t, ctx: ctx}
	tabA.login(ts.URL, "marta.member", testPassword)
	tabA.do(chromedp.Navigate(board), chromedp.WaitVisible(`#board`))
	// A second tab of the same browser (same session).
	ctxB, cancelB := chromedp.NewContext(ctx)
	defer cancelB()
	tabB := &browser{t: t, ctx: ctxB}
	tabB.do(chromedp.Navigate(board), chromedp.WaitVisible(`#board`))
	if hub != nil {
		deadline := time.Now().Add(15 * time.Second)
		for hub.Subscribers(b.project) < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("%d event streams open, want 2", hub.Subscribers(b.project))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// Tab A, keyboard: Space picks X up, ArrowRight carries it to "In
	// Arbeit", Space drops it.
	cardX, cardY := fmt.Sprintf("#card-%d", x.ID), fmt.Sprintf("#card-%d", y.ID)
	tabA.do(chromedp.Focus(cardX), chromedp.KeyEvent(" "))
	bdWait(tabA, "pick up", fmt.Sprintf(`document.querySelector(%q).classList.contains("picked")`, cardX))
	tabA.do(chromedp.KeyEvent(kb.ArrowRight))
	bdWait(tabA, "position announced", `document.getElementById("board-live").textContent.includes("In Arbeit")`)
	tabA.do(chromedp.KeyEvent(" "))
	bdWait(tabA, "move saved", fmt.Sprintf(`document.querySelector(%q).getAttribute("data-version") === "2"`, cardX))
	if st, _, v := bdTask(t, ts, x.ID); st != b.doing || v != 2 {
		t.Fatalf("after the keyboard move X is in column %d, version %d", st, v)
	}
	if evaluate[bool](tabA, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, cardX)) != true {
		t.Error("focus left the card after the drop")
	}
	// Tab B sees it without a reload.
	bdWait(tabB, "card X arrives in tab B", fmt.Sprintf(`!!document.querySelector("#column-%d %s")`, b.doing, cardX))
	if got := tabB.text(fmt.Sprintf("#column-%d .column-count", b.doing)); !strings.Contains(got, "1 von höchstens 1") {
		t.Errorf("tab B count %q", got)
	}
	bdWait(tabB, "move announced in tab B", `document.getElementById("board-live").textContent.includes("Karte X")`)

	// Tab A, without JavaScript's help: the "Verschieben" form puts Y at
	// the top of "Erledigt".
	tabA.do(chromedp.Click(cardY+" details summary"), chromedp.SetValue(fmt.Sprintf("#move-%d", y.ID), fmt.Sprintf("%d:0", b.done)))
	tabA.submit(cardY + ` form button[type="submit"]`)
	tabA.wantPath(fmt.Sprintf("/projects/%d/board", b.project))
	if st, _, _ := bdTask(t, ts, y.ID); st != b.done {
		t.Fatalf("after the form move Y is in column %d", st)
	}
	bdWait(tabB, "card Y arrives in tab B", fmt.Sprintf(`!!document.querySelector("#column-%d %s")`, b.done, cardY))

	// A stale drop in tab B (its X still has the version tab A's move
	// replaced, because B's copy is set back): 409, board reloaded, told.
	evaluate[bool](tabB, fmt.Sprintf(`(function(){var c=document.querySelector(%q); c.setAttribute("data-version","1"); c.querySelector('input[name="version"]').value="1"; return true;})()`, cardX))
	tabB.do(chromedp.Focus(cardX), chromedp.KeyEvent(" "), chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(" "))
	bdWait(tabB, "stale message", `document.getElementById("board-live").textContent.includes("nicht verschoben")`)
	bdWait(tabB, "board reloaded", fmt.Sprintf(`!!document.querySelector("#column-%d %s") && document.querySelector(%q).getAttribute("data-version") === "2"`, b.doing, cardX, cardX))
	if st, _, v := bdTask(t, ts, x.ID); st != b.doing || v != 2 {
		t.Errorf("stale drop changed X: column %d version %d", st, v)
	}
}
