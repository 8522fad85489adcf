package documentweb

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"ortlos/internal/civil"
	"ortlos/internal/document"
	"ortlos/internal/web"
)

// Full-text search (docs/search.md): GET /api/v1/documents/search
// (searchDocuments) and the page /documents/search, a plain GET form that
// works without JavaScript. Both show only documents in files the
// searcher reads; searching is not audited (opening a final document is).

// registerSearch adds the search page and its API twin.
func (h *Handler) registerSearch() {
	h.srv.API("GET", "/documents/search", "searchDocuments", web.Full, h.apiSearchDocuments)
	h.srv.UI("GET /documents/search", web.Full, h.searchPage)
}

// swQueryOf reads a search from the query parameters q, folder_id,
// type_id, state, from, to, limit and cursor.
func swQueryOf(v url.Values) (document.SearchQuery, error) {
	q := document.SearchQuery{Text: v.Get("q"), State: v.Get("state"), Cursor: v.Get("cursor")}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"folder_id", &q.FolderID}, {"type_id", &q.TypeID}} {
		if s := v.Get(p.name); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 1 {
				return q, web.InvalidFilter(p.name, p.name+" is an id")
			}
			*p.dst = n
		}
	}
	for _, p := range []struct {
		name string
		dst  **civil.Date
	}{{"from", &q.From}, {"to", &q.To}} {
		if s := v.Get(p.name); s != "" {
			d, err := civil.Parse(s)
			if err != nil {
				return q, web.InvalidFilter(p.name, p.name+" is a day (YYYY-MM-DD)")
			}
			*p.dst = &d
		}
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > document.SearchPageMax {
			return q, web.InvalidFilter("limit", fmt.Sprintf("limit must be between 1 and %d", document.SearchPageMax))
		}
		q.Limit = n
	}
	return q, nil
}

// swSnippetJSON is a piece of a snippet; match marks matched words.
type swSnippetJSON struct {
	Text  string `json:"text"`
	Match bool   `json:"match"`
}

// swHitJSON is a document found.
type swHitJSON struct {
	ID              int64           `json:"id"`
	Title           string          `json:"title"`
	FolderID        int64           `json:"folder_id"`
	FolderReference string          `json:"folder_reference"`
	FolderTitle     string          `json:"folder_title"`
	TypeID          *int64          `json:"type_id"`
	TypeName        string          `json:"type_name"`
	State           string          `json:"state"`
	DocumentDate    *civil.Date     `json:"document_date"`
	CurrentVersion  int             `json:"current_version"`
	UpdatedAt       string          `json:"updated_at"`
	Snippet         []swSnippetJSON `json:"snippet"`
}

// swPageJSON is a page of hits.
type swPageJSON struct {
	Items       []swHitJSON `json:"items"`
	Total       int         `json:"total"`
	TotalCapped bool        `json:"total_capped"`
	NextCursor  *string     `json:"next_cursor"`
}

func (h *Handler) apiSearchDocuments(w http.ResponseWriter, r *http.Request) {
	q, err := swQueryOf(r.URL.Query())
	if err == nil {
		var page document.SearchPage
		if page, err = h.svc.SearchDocuments(r.Context(), web.Actor(r), q); err == nil {
			out := swPageJSON{Items: make([]swHitJSON, 0, len(page.Items)), Total: page.Total, TotalCapped: page.TotalCapped}
			if page.NextCursor != "" {
				out.NextCursor = &page.NextCursor
			}
			for _, hit := range page.Items {
				j := swHitJSON{ID: hit.ID, Title: hit.Title, FolderID: hit.FolderID, FolderReference: hit.FolderReference,
					FolderTitle: hit.FolderTitle, TypeName: hit.TypeName, State: hit.State, DocumentDate: hit.DocumentDate,
					CurrentVersion: hit.CurrentVersion, UpdatedAt: dwTime(hit.UpdatedAt), TypeID: optID(hit.TypeID),
					Snippet: make([]swSnippetJSON, 0, len(hit.Snippet))}
				for _, p := range hit.Snippet {
					j.Snippet = append(j.Snippet, swSnippetJSON{Text: p.Text, Match: p.Match})
				}
				out.Items = append(out.Items, j)
			}
			web.JSON(w, http.StatusOK, out)
			return
		}
	}
	h.srv.Error(w, r, err)
}

// swOption is an option of a select.
type swOption struct {
	Value, Label string
	Selected     bool
}

// swRow is a hit on the page.
type swRow struct {
	ID                    int64
	URL, Title            string
	FolderURL, Reference  string
	FolderTitle, TypeName string
	State, Date, DateISO  string
	Snippet               []document.SnippetPart
}

type swView struct {
	web.Page
	Q, From, To            string
	Folders, Types, States []swOption
	Searched, FiltersSet   bool
	Rows                   []swRow
	Count                  string
	Capped                 bool
	NextURL, FirstURL      string
	ResetURL               string
}

// searchPage shows the search form and, once it was sent (a parameter q
// is present), the hits.
func (h *Handler) searchPage(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), web.Actor(r)
	p := h.srv.NewPage(r, "")
	p.Title = p.L.T("search.title")
	v := swView{Page: p, ResetURL: "/documents/search"}
	params := r.URL.Query()
	v.Q, v.From, v.To = params.Get("q"), params.Get("from"), params.Get("to")
	for _, k := range []string{"folder_id", "type_id", "state", "from", "to"} {
		v.FiltersSet = v.FiltersSet || params.Get(k) != ""
	}

	folders, err := h.svc.ListFolders(ctx, a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	v.Folders = []swOption{{Value: "", Label: p.L.T("search.folder_all")}}
	for _, f := range folders {
		if f.Access < document.AccessRead {
			continue
		}
		value := strconv.FormatInt(f.ID, 10)
		v.Folders = append(v.Folders, swOption{Value: value, Label: strings.Repeat("\u00a0\u00a0", f.Depth) + f.Reference + " " + f.Title,
			Selected: value == params.Get("folder_id")})
	}
	types, err := h.svc.ListDocTypes(ctx, a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	v.Types = []swOption{{Value: "", Label: p.L.T("search.type_all")}}
	for _, t := range types {
		value := strconv.FormatInt(t.ID, 10)
		v.Types = append(v.Types, swOption{Value: value, Label: t.Name, Selected: value == params.Get("type_id")})
	}
	v.States = []swOption{{Value: "", Label: p.L.T("search.state_all")}}
	for _, s := range document.States {
		v.States = append(v.States, swOption{Value: s, Label: p.L.T("search.state." + s), Selected: s == params.Get("state")})
	}

	status := http.StatusOK
	if params.Has("q") {
		v.Searched = true
		q, err := swQueryOf(params)
		var page document.SearchPage
		if err == nil {
			page, err = h.svc.SearchDocuments(ctx, a, q)
		}
		if err != nil {
			if web.StatusOf(err) != http.StatusUnprocessableEntity && web.StatusOf(err) != http.StatusNotFound {
				h.srv.Error(w, r, err)
				return
			}
			// A folder the searcher does not read is a bad filter here.
			status = http.StatusUnprocessableEntity
			if web.StatusOf(err) == http.StatusNotFound {
				err = web.InvalidFilter("folder_id", "no such folder")
			}
			v.SetError(err)
			v.Searched = false
			h.srv.Render(w, r, status, "search_documents.html", v)
			return
		}
		v.Count = p.L.T("search.count", p.L.Number(int64(page.Total)))
		if page.TotalCapped {
			v.Count, v.Capped = p.L.T("search.count_capped", p.L.Number(int64(page.Total))), true
		}
		for _, hit := range page.Items {
			row := swRow{ID: hit.ID, URL: fmt.Sprintf("/documents/%d", hit.ID), Title: hit.Title,
				FolderURL: fmt.Sprintf("/documents/folders/%d", hit.FolderID), Reference: hit.FolderReference, FolderTitle: hit.FolderTitle,
				TypeName: hit.TypeName, State: p.L.T("search.state." + hit.State), Snippet: hit.Snippet}
			if hit.DocumentDate != nil {
				row.Date, row.DateISO = dwDate(p, hit.DocumentDate), hit.DocumentDate.String()
			}
			v.Rows = append(v.Rows, row)
		}
		if page.NextCursor != "" {
			next := swQueryValues(params)
			next.Set("cursor", page.NextCursor)
			v.NextURL = "/documents/search?" + next.Encode()
		}
		if params.Get("cursor") != "" {
			first := swQueryValues(params)
			first.Del("cursor")
			v.FirstURL = "/documents/search?" + first.Encode()
		}
	}
	h.srv.Render(w, r, status, "search_documents.html", v)
}

// swQueryValues copies the search parameters without empty values (a
// sent GET form has every field); q stays, so the link searches.
func swQueryValues(params url.Values) url.Values {
	out := url.Values{}
	for k, vs := range params {
		if len(vs) > 0 && (vs[0] != "" || k == "q") {
			out.Set(k, vs[0])
		}
	}
	return out
}
