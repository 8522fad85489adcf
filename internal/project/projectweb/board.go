package projectweb

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/i18n"
	"ortlos/internal/project"
	"ortlos/internal/web"
)

// The Kanban board (docs/board.md): /projects/{id}/board shows the
// columns with their cards and works without JavaScript – every card has a
// move form ("Verschieben") and every column a form for a new task.
// board.js adds drag and drop, keyboard moving and live updates through
// the event stream /projects/{id}/events (board_events.go).

// registerBoard adds the board routes.
func (h *Handler) registerBoard() {
	s := h.srv
	s.UI("GET /projects/{id}/board", web.Full, h.boardPage)
	s.UI("POST /projects/{id}/board/tasks", web.Full, h.uiBoardCreate)
	s.UI("POST /projects/{id}/board/move", web.Full, h.uiBoardMove)
	s.UI("GET /projects/{id}/board/cards/{task_id}", web.Full, h.boardCardFragment)
	s.UI("GET /projects/{id}/board/cards/{task_id}/move", web.Full, h.boardMovePage)
	s.UI("GET /projects/{id}/events", web.Full, h.boardEvents)
}

// boardInlineMax is the number of cards up to which every card carries its
// move form, listing every position ("nach <Karte>"). On larger boards a
// card's "Verschieben" links to the same form on a page of its own: a form
// per card with every position would grow with the square of the cards,
// and even a short one (top and bottom of each column) nearly doubles the
// page (2,000 cards: 3.2 MB instead of 1.7 MB).
const boardInlineMax = 60

// boardText holds the fixed texts of a card, looked up and escaped once
// per page instead of once per card.
type boardText struct {
	Assignees, Due, Overdue, Priority, Labels, Checklist, Move, MoveTo, MoveSubmit string
}

func newBoardText(l i18n.Localizer) *boardText {
	e := template.HTMLEscapeString
	return &boardText{
		Assignees: e(l.T("board.assignees")), Due: e(l.T("board.due")), Overdue: e(l.T("board.overdue")), Priority: e(l.T("board.priority")),
		Labels: e(l.T("board.labels")), Checklist: e(l.T("board.checklist")), Move: e(l.T("board.move")), MoveTo: e(l.T("board.move_to")),
		MoveSubmit: e(l.T("board.move_submit")),
	}
}

type boardPerson struct{ Initials, Name string }

type boardOptGroup struct {
	Label   string
	Options []option
}

// boardCard is a card of the board page (and of the card fragment).
type boardCard struct {
	T                             *boardText
	ID, ProjectID, StatusID       int64
	Title, URL, Rank              string
	Version                       int
	Assignees                     []boardPerson
	Due, DueISO                   string
	Overdue, Done                 bool
	Priority, PriorityKey         string
	Labels                        []string
	ChecklistDone, ChecklistTotal int
	CanEdit                       bool
	MoveAction, MoveURL           string
	// Options are the move select's option groups (rendered in Go).
	Options template.HTML
	// Checklist is the text of the checklist progress ("2 von 5").
	Checklist string
}

type boardLane struct {
	ID                 int64
	Name, Category     string
	Count, Limit       int
	OverLimit          bool
	CountText, WIPText string
	Cards              []boardCard
	// CardsHTML is the lane's cards rendered (writeCard).
	CardsHTML template.HTML
	// Field is the prefix of the new-task form's fields ("s12-").
	Field string
	Draft string
}

type boardPage struct {
	web.Page
	Project    project.Project
	Crumbs     []crumb
	Lanes      []boardLane
	Cards      int
	CanEdit    bool
	ProjectURL string
	BoardURL   string
	EventsURL  string
	CreateURL  string
	// Stale is the message after a move that was based on an old state.
	Stale string
}

// initials returns up to two initials of a name ("Erika Muster" → "EM").
func initials(name string) string {
	var out []rune
	for f := range strings.FieldsSeq(name) {
		r, _ := utf8.DecodeRuneInString(f)
		if unicode.IsLetter(r) {
			out = append(out, unicode.ToUpper(r))
		}
		if len(out) == 2 {
			break
		}
	}
	return string(out)
}

// boardView builds the board page's lanes and cards.
func boardView(l i18n.Localizer, today civil.Date, b project.Board, projectID int64) []boardLane {
	txt := newBoardText(l)
	canEdit := b.Role.AtLeast(project.RoleMember)
	small := b.Cards <= boardInlineMax
	priorities := map[string]string{}
	for _, p := range project.Priorities {
		priorities[p] = l.T("task.priority." + p)
	}
	moveAction := fmt.Sprintf("/projects/%d/board/move", projectID)
	lanes := make([]boardLane, len(b.Lanes))
	for i, ln := range b.Lanes {
		c := ln.Column
		lanes[i] = boardLane{ID: c.ID, Name: c.Name, Category: string(c.Category), Count: len(ln.Cards), Limit: c.WIPLimit,
			OverLimit: ln.OverLimit, Field: fmt.Sprintf("s%d-", c.ID)}
		lanes[i].CountText = l.T("board.count", l.Number(int64(len(ln.Cards))))
		if c.WIPLimit > 0 {
			lanes[i].WIPText = l.T("board.wip", l.Number(int64(len(ln.Cards))), l.Number(int64(c.WIPLimit)))
		}
		lanes[i].Cards = make([]boardCard, 0, len(ln.Cards))
		for _, t := range ln.Cards {
			v := boardCard{T: txt, ID: t.ID, ProjectID: projectID, StatusID: t.StatusID, Title: t.Title, Rank: t.Rank, Version: t.Version,
				URL: "/tasks/" + strconv.FormatInt(t.ID, 10), Done: t.Done, Priority: priorities[t.Priority], PriorityKey: t.Priority,
				ChecklistDone: t.ChecklistDone, ChecklistTotal: t.ChecklistTotal, CanEdit: canEdit}
			for _, p := range t.Assignees {
				v.Assignees = append(v.Assignees, boardPerson{Initials: initials(p.Name), Name: p.Name})
			}
			for _, lb := range t.Labels {
				v.Labels = append(v.Labels, lb.Name)
			}
			if t.DueDate != nil {
				v.Due, v.DueISO = taskDateText(web.Page{L: l}, t.DueDate), t.DueDate.String()
				v.Overdue = !t.Done && t.DueDate.Before(today)
			}
			if t.ChecklistTotal > 0 {
				v.Checklist = l.T("board.checklist_progress", l.Number(int64(t.ChecklistDone)), l.Number(int64(t.ChecklistTotal)))
			}
			if canEdit {
				v.MoveAction = moveAction
				if small {
					v.Options = optionsHTML(boardTargets(l, b, t.ID))
				} else {
					v.MoveURL = fmt.Sprintf("/projects/%d/board/cards/%d/move", projectID, t.ID)
				}
			}
			lanes[i].Cards = append(lanes[i].Cards, v)
		}
		var sb strings.Builder
		sb.Grow(1024 * len(lanes[i].Cards))
		for k := range lanes[i].Cards {
			writeCard(&sb, &lanes[i].Cards[k])
		}
		lanes[i].CardsHTML = template.HTML(sb.String()) //nolint:gosec // writeCard escapes every text
	}
	return lanes
}

// boardTargets returns the positions card id can move to, one group per
// column: the top, then after each other card of the column. The card's
// current position is selected.
func boardTargets(l i18n.Localizer, b project.Board, id int64) []boardOptGroup {
	top := l.T("board.pos_top")
	groups := make([]boardOptGroup, 0, len(b.Lanes))
	for _, ln := range b.Lanes {
		g := boardOptGroup{Label: ln.Column.Name}
		col := strconv.FormatInt(ln.Column.ID, 10)
		var prev int64 // the card before id in its column, when id is here
		here := false
		for _, c := range ln.Cards {
			if c.ID == id {
				here = true
				break
			}
			prev = c.ID
		}
		g.Options = append(g.Options, option{Value: col + ":0", Label: top, Selected: here && prev == 0})
		for _, c := range ln.Cards {
			if c.ID != id {
				g.Options = append(g.Options, option{Value: col + ":" + strconv.FormatInt(c.ID, 10), Label: l.T("board.pos_after", c.Title),
					Selected: here && c.ID == prev})
			}
		}
		groups = append(groups, g)
	}
	return groups
}

// optionsHTML renders the option groups of a move select. The board page
// renders it in Go because it repeats for every card: 2,000 cards with a
// template loop each cost more than all the rest of the page.
func optionsHTML(groups []boardOptGroup) template.HTML {
	var sb strings.Builder
	for _, g := range groups {
		writeOptGroup(&sb, g)
	}
	return template.HTML(sb.String()) //nolint:gosec // every text is escaped
}

func writeOptGroup(sb *strings.Builder, g boardOptGroup) {
	sb.WriteString(`<optgroup label="`)
	sb.WriteString(template.HTMLEscapeString(g.Label))
	sb.WriteString(`">`)
	for _, o := range g.Options {
		sb.WriteString(`<option value="`)
		sb.WriteString(template.HTMLEscapeString(o.Value))
		if o.Selected {
			sb.WriteString(`" selected>`)
		} else {
			sb.WriteString(`">`)
		}
		sb.WriteString(template.HTMLEscapeString(o.Label))
		sb.WriteString(`</option>`)
	}
	sb.WriteString(`</optgroup>`)
}

func (h *Handler) boardPage(w http.ResponseWriter, r *http.Request) {
	h.renderBoard(w, r, http.StatusOK, nil, "", 0, "")
}

// renderBoard shows the board; formErr is the error of a refused form
// (for the new-task form of column draftCol with its draft title), stale
// the message after a stale move.
func (h *Handler) renderBoard(w http.ResponseWriter, r *http.Request, status int, formErr error, stale string, draftCol int64, draft string) {
	p, crumbs, err := h.loadProject(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	b, err := h.svc.Board(r.Context(), web.Actor(r), p.ID)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	page := h.srv.NewPage(r, "")
	page.Title = page.L.T("board.title", p.Name)
	if formErr != nil {
		page.SetError(formErr)
	}
	v := boardPage{Page: page, Project: p, Crumbs: append(crumbs, crumb{Name: p.Name, URL: fmt.Sprintf("/projects/%d", p.ID)}),
		Lanes: boardView(page.L, civil.In(h.svc.Now(), page.Loc), b, p.ID), Cards: b.Cards, CanEdit: b.Role.AtLeast(project.RoleMember),
		ProjectURL: fmt.Sprintf("/projects/%d", p.ID), BoardURL: fmt.Sprintf("/projects/%d/board", p.ID),
		EventsURL: fmt.Sprintf("/projects/%d/events", p.ID), CreateURL: fmt.Sprintf("/projects/%d/board/tasks", p.ID), Stale: stale}
	for i := range v.Lanes {
		if v.Lanes[i].ID == draftCol {
			v.Lanes[i].Draft = draft
		}
	}
	h.srv.Render(w, r, status, "project_board.html", v)
}

func (h *Handler) uiBoardCreate(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	col := formID(r.PostFormValue("status_id"))
	// The title field is named after its column ("s12-title"), so that
	// each column's form has its own field ids and errors.
	title := r.PostFormValue(fmt.Sprintf("s%d-title", col))
	t, _, err := h.svc.CreateTask(r.Context(), web.Actor(r), id, project.NewTask{StatusID: col, Title: title})
	switch apperr.KindOf(err) {
	case apperr.Invalid, apperr.Conflict:
		st := http.StatusUnprocessableEntity
		if apperr.KindOf(err) == apperr.Conflict {
			st = http.StatusConflict
		}
		h.renderBoard(w, r, st, prefixed(err, fmt.Sprintf("s%d-", col)), "", col, title)
		return
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/projects/%d/board#card-%d", id, t.ID), "board_task_created")
}

var errBoardTarget = apperr.Invalidf("invalid_board_target", "choose a position").WithField("target", "invalid_board_target")

// parseBoardTarget reads "statusID:afterID".
func parseBoardTarget(v string) (project.TaskMove, error) {
	a, b, ok := strings.Cut(v, ":")
	status, err1 := strconv.ParseInt(a, 10, 64)
	after, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || status <= 0 || after < 0 {
		return project.TaskMove{}, errBoardTarget
	}
	return project.TaskMove{StatusID: status, AfterID: after}, nil
}

func (h *Handler) uiBoardMove(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	taskID := formID(r.PostFormValue("task_id"))
	m, err := parseBoardTarget(r.PostFormValue("target"))
	if err == nil {
		m.Version, err = strconv.Atoi(r.PostFormValue("version"))
		if err != nil {
			err = errTaskVersionRequired
		}
	}
	if err == nil {
		// The task must belong to this board: a task of another project
		// answers not found, like an unknown one.
		var t project.Task
		if t, err = h.svc.GetTask(r.Context(), web.Actor(r), taskID); err == nil && t.ProjectID != id {
			err = errTaskUINotFound
		}
	}
	if err == nil {
		_, _, err = h.svc.MoveTask(r.Context(), web.Actor(r), taskID, m)
	}
	if err != nil {
		var stale *project.TaskStaleError
		e, _ := apperr.As(err)
		switch {
		case errors.As(err, &stale) || (e != nil && (e.Code == "task_move_stale" || e.Code == "task_rank_busy")):
			h.renderBoard(w, r, http.StatusConflict, nil, h.srv.Localizer(r).T("board.stale"), 0, "")
		case apperr.KindOf(err) == apperr.Invalid:
			h.renderBoard(w, r, http.StatusUnprocessableEntity, err, "", 0, "")
		default:
			h.srv.Error(w, r, err)
		}
		return
	}
	h.srv.Redirect(w, r, fmt.Sprintf("/projects/%d/board#card-%d", id, taskID), "board_moved")
}

// boardCardOf loads the board and finds card taskID in it.
func (h *Handler) boardCardOf(r *http.Request) (project.Board, boardCard, error) {
	id, err := web.PathID(r)
	if err != nil {
		return project.Board{}, boardCard{}, err
	}
	taskID, err := strconv.ParseInt(r.PathValue("task_id"), 10, 64)
	if err != nil || taskID <= 0 {
		return project.Board{}, boardCard{}, errTaskUINotFound
	}
	b, err := h.svc.Board(r.Context(), web.Actor(r), id)
	if err != nil {
		return b, boardCard{}, err
	}
	l := h.srv.Localizer(r)
	for _, ln := range boardView(l, civil.In(h.svc.Now(), h.srv.Options().Location), b, id) {
		for _, c := range ln.Cards {
			if c.ID == taskID {
				return b, c, nil
			}
		}
	}
	return b, boardCard{}, errTaskUINotFound
}

// boardCardFragment answers the HTML of one card (board.js replaces a card
// with it after a change).
func (h *Handler) boardCardFragment(w http.ResponseWriter, r *http.Request) {
	_, c, err := h.boardCardOf(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	var sb strings.Builder
	writeCard(&sb, &c)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, sb.String())
}

type boardMovePage struct {
	web.Page
	Crumbs   []crumb
	Card     boardCard
	BoardURL string
}

// boardMovePage lists every position of the board for one card (the
// no-JavaScript way to a precise place on a large board).
func (h *Handler) boardMovePage(w http.ResponseWriter, r *http.Request) {
	p, crumbs, err := h.loadProject(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	b, c, err := h.boardCardOf(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if !c.CanEdit {
		h.srv.Error(w, r, apperr.Forbiddenf("project_role_required", "your project role does not allow this"))
		return
	}
	page := h.srv.NewPage(r, "")
	page.Title = page.L.T("board.move_title", c.Title)
	c.Options = optionsHTML(boardTargets(page.L, b, c.ID))
	h.srv.Render(w, r, http.StatusOK, "project_board_move.html", boardMovePage{Page: page,
		Crumbs: append(crumbs, crumb{Name: p.Name, URL: fmt.Sprintf("/projects/%d", p.ID)}, crumb{Name: page.L.T("board.nav"), URL: fmt.Sprintf("/projects/%d/board", p.ID)}),
		Card:   c, BoardURL: fmt.Sprintf("/projects/%d/board", p.ID)})
}

// writeCard renders one card. The board page holds up to thousands of
// cards; rendering them here instead of in a template loop keeps a
// 2,000-card page well under 100 ms (html/template calls an escaper
// through reflection for every value). Every text is escaped with
// template.HTMLEscapeString and written into a text node or a quoted
// attribute; URLs are built from ids. The board page (lanes'
// CardsHTML) and the card fragment for board.js share it.
func writeCard(sb *strings.Builder, c *boardCard) {
	e := template.HTMLEscapeString
	id := strconv.FormatInt(c.ID, 10)
	sb.WriteString(`<li class="board-card`)
	if c.Overdue {
		sb.WriteString(` is-overdue`)
	}
	if c.Done {
		sb.WriteString(` is-done`)
	}
	sb.WriteString(`" id="card-` + id + `" data-task-id="` + id + `" data-status-id="` + strconv.FormatInt(c.StatusID, 10) +
		`" data-rank="` + e(c.Rank) + `" data-version="` + strconv.Itoa(c.Version) + `"`)
	if c.CanEdit {
		sb.WriteString(` tabindex="0" draggable="true"`)
	}
	title := e(c.Title)
	sb.WriteString(` aria-labelledby="card-` + id + `-title">` + "\n" +
		`<h3 class="card-title" id="card-` + id + `-title"><a href="` + e(c.URL) + `">` + title + `</a></h3>` + "\n" + `<ul class="card-facts">`)
	if len(c.Assignees) > 0 {
		sb.WriteString(`<li class="card-assignees"><span class="sr-only">` + c.T.Assignees + `: </span>`)
		for i, p := range c.Assignees {
			if i > 0 {
				sb.WriteString(`<span class="sr-only">, </span>`)
			}
			name := e(p.Name)
			sb.WriteString(`<span class="initials" aria-hidden="true" title="` + name + `">` + e(p.Initials) + `</span><span class="sr-only">` + name + `</span>`)
		}
		sb.WriteString(`</li>`)
	}
	if c.Due != "" {
		sb.WriteString(`<li class="card-due">` + c.T.Due + ` <time datetime="` + e(c.DueISO) + `">` + e(c.Due) + `</time>`)
		if c.Overdue {
			sb.WriteString(` <strong class="badge warn">` + c.T.Overdue + `</strong>`)
		}
		sb.WriteString(`</li>`)
	}
	sb.WriteString(`<li class="card-priority prio-` + e(c.PriorityKey) + `">` + c.T.Priority + `: ` + e(c.Priority) + `</li>`)
	if len(c.Labels) > 0 {
		sb.WriteString(`<li class="card-labels"><span class="sr-only">` + c.T.Labels + `: </span>`)
		for _, l := range c.Labels {
			sb.WriteString(`<span class="badge">` + e(l) + `</span> `)
		}
		sb.WriteString(`</li>`)
	}
	if c.ChecklistTotal > 0 {
		sb.WriteString(`<li class="card-checklist">` + c.T.Checklist + `: ` + e(c.Checklist) + `</li>`)
	}
	sb.WriteString(`</ul>`)
	switch {
	case c.MoveURL != "":
		sb.WriteString("\n" + `<p class="card-move"><a href="` + e(c.MoveURL) + `">` + c.T.Move + `<span class="sr-only">: ` + title + `</span></a></p>`)
	case c.CanEdit:
		sb.WriteString("\n" + `<details class="card-move"><summary>` + c.T.Move + `<span class="sr-only">: ` + title + `</span></summary>` + "\n" +
			`<form method="post" action="` + e(c.MoveAction) + `"><input type="hidden" name="task_id" value="` + id + `"><input type="hidden" name="version" value="` +
			strconv.Itoa(c.Version) + `">` + "\n" + `<label for="move-` + id + `">` + c.T.MoveTo + `</label> <select id="move-` + id + `" name="target">`)
		sb.WriteString(string(c.Options))
		sb.WriteString(`</select> <button type="submit">` + c.T.MoveSubmit + `</button></form></details>`)
	}
	sb.WriteString("</li>\n")
}
