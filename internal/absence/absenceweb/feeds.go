package absenceweb

import (
	"bytes"
	"net"
	"net/http"
	"strings"

	"ortlos/internal/absence"
	"ortlos/internal/apperr"
	"ortlos/internal/holiday"
	"ortlos/internal/web"
)

// registerFeeds adds the calendar feeds: the public, secret .ics URLs,
// the page where a person manages their feeds, and the API.
func (h *Handler) registerFeeds() {
	s := h.srv
	// The token is the path value {token} ("ocf_….ics"): web logs the
	// route pattern instead of the path for such routes.
	s.UI("GET /calendar/{token}", web.Public, h.serveFeed)
	s.UI("GET /absences/feeds", web.Full, h.feedsPage)
	s.UI("POST /absences/feeds", web.Full, h.uiCreateFeed)
	s.UI("POST /absences/feeds/{id}/revoke", web.Full, h.uiRevokeFeed)
	s.API("GET", "/calendar-feeds", "listCalendarFeeds", web.Full, h.apiListFeeds)
	s.API("POST", "/calendar-feeds", "createCalendarFeed", web.Full, h.apiCreateFeed)
	s.API("DELETE", "/calendar-feeds/{id}", "revokeCalendarFeed", web.Full, h.apiRevokeFeed)
}

var errFeedNotFound = apperr.NotFoundf("not_found", "not found")

// feedURL is the absolute URL of a feed token, as seen by the request.
func (h *Handler) feedURL(r *http.Request, token string) string {
	return h.baseURL(r) + "/calendar/" + token + ".ics"
}

// baseURL is the server's absolute URL as seen by the request
// ("https://host:port"), for links in feeds.
func (h *Handler) baseURL(r *http.Request) string {
	scheme := "http"
	if h.srv.Options().TLS || r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// uidHost is the host part of the events' UIDs: the request's host name
// without port.
func uidHost(r *http.Request) string {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if host == "" {
		return "ortlos"
	}
	return host
}

// serveFeed answers GET /calendar/{token}.ics without a session: the
// token is the credential. Conditional requests (If-None-Match,
// If-Modified-Since) get 304 through http.ServeContent.
func (h *Handler) serveFeed(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutSuffix(r.PathValue("token"), ".ics")
	if !ok {
		h.srv.Error(w, r, errFeedNotFound)
		return
	}
	f, err := h.svc.FeedAt(r.Context(), token, uidHost(r), h.baseURL(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/calendar; charset=utf-8")
	// Clients may keep a copy but must ask again (conditionally) each time.
	hd.Set("Cache-Control", "private, no-cache")
	hd.Set("ETag", f.ETag)
	hd.Set("Content-Disposition", `inline; filename="ortlos-`+f.Kind+`.ics"`)
	http.ServeContent(w, r, "", f.LastModified, bytes.NewReader(f.Body))
}

// --- API -------------------------------------------------------------

type apiFeed struct {
	ID         int64   `json:"id"`
	Kind       string  `json:"kind"`
	State      *string `json:"state"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
}

type apiCreatedFeed struct {
	apiFeed
	// URL is the secret feed URL, returned only once.
	URL string `json:"url"`
}

type apiFeedBody struct {
	Kind  string `json:"kind"`
	State string `json:"state"`
}

func newAPIFeed(f absence.CalendarFeed) apiFeed {
	out := apiFeed{ID: f.ID, Kind: f.Kind, CreatedAt: apiTime(f.CreatedAt)}
	if f.State != "" {
		s := f.State
		out.State = &s
	}
	if f.LastUsedAt != nil {
		s := apiTime(*f.LastUsedAt)
		out.LastUsedAt = &s
	}
	return out
}

func (h *Handler) apiListFeeds(w http.ResponseWriter, r *http.Request) {
	feeds, err := h.svc.Feeds(r.Context(), web.Actor(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	items := make([]apiFeed, 0, len(feeds))
	for _, f := range feeds {
		items = append(items, newAPIFeed(f))
	}
	web.JSON(w, http.StatusOK, apiList[apiFeed]{Items: items})
}

func (h *Handler) apiCreateFeed(w http.ResponseWriter, r *http.Request) {
	var req apiFeedBody
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	f, token, err := h.svc.CreateFeed(r.Context(), web.Actor(r), req.Kind, req.State)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusCreated, apiCreatedFeed{apiFeed: newAPIFeed(f), URL: h.feedURL(r, token)})
}

func (h *Handler) apiRevokeFeed(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err == nil {
		err = h.svc.RevokeFeed(r.Context(), web.Actor(r), id)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// --- /absences/feeds -------------------------------------------------

type feedRow struct {
	ID                 int64
	Kind, KindCode     string
	Created, LastUsed  string
	StateName, StateID string
}

type feedsPage struct {
	web.Page
	Feeds  []feedRow
	Kinds  []option
	States []option
	// NewURL is the secret URL of the feed just created, shown once.
	NewURL  string
	NewKind string
	Max     int
}

func (h *Handler) feedsPage(w http.ResponseWriter, r *http.Request) {
	h.renderFeeds(w, r, http.StatusOK, nil, "", "")
}

// renderFeeds shows the actor's feeds and the form; newURL is the secret
// URL of a feed just created, formErr the error of a refused form.
func (h *Handler) renderFeeds(w http.ResponseWriter, r *http.Request, status int, formErr error, newURL, newKind string) {
	a := web.Actor(r)
	feeds, err := h.svc.Feeds(r.Context(), a)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := feedsPage{Page: h.srv.NewPage(r, ""), NewURL: newURL, Max: absence.MaxFeeds}
	p.Title = p.L.T("absence.feeds_title")
	if newKind != "" {
		p.NewKind = p.L.T("absence.feed_kind_" + newKind)
	}
	for _, f := range feeds {
		row := feedRow{ID: f.ID, Kind: p.L.T("absence.feed_kind_" + f.Kind), KindCode: f.Kind,
			Created: p.L.DateTime(f.CreatedAt, p.Loc), LastUsed: p.L.T("absence.feed_never_used"),
			StateID: f.State, StateName: holiday.StateName(f.State)}
		if f.LastUsedAt != nil {
			row.LastUsed = p.L.DateTime(*f.LastUsedAt, p.Loc)
		}
		p.Feeds = append(p.Feeds, row)
	}
	kind, state := r.PostFormValue("kind"), strings.ToUpper(r.PostFormValue("state"))
	if kind == "" {
		kind = absence.FeedOwn
	}
	if state == "" {
		if auth := web.AuthFrom(r.Context()); auth != nil {
			state = auth.User.State
		}
	}
	for _, k := range h.svc.AvailableFeedKinds() {
		p.Kinds = append(p.Kinds, option{Value: k, Label: p.L.T("absence.feed_kind_" + k), Selected: k == kind})
	}
	for _, code := range holiday.States() {
		p.States = append(p.States, option{Value: code, Label: holiday.StateName(code), Selected: code == state})
	}
	if formErr != nil {
		p.SetError(formErr)
	}
	h.srv.Render(w, r, status, "absence_feeds.html", p)
}

func (h *Handler) uiCreateFeed(w http.ResponseWriter, r *http.Request) {
	kind := r.PostFormValue("kind")
	state := ""
	if kind == absence.FeedHolidays {
		state = r.PostFormValue("state")
	}
	_, token, err := h.svc.CreateFeed(r.Context(), web.Actor(r), kind, state)
	if err != nil {
		h.formDone(w, r, err, "/absences/feeds", "", func(status int, err error) { h.renderFeeds(w, r, status, err, "", "") })
		return
	}
	// Shown once, straight from the POST; only its hash is stored.
	h.renderFeeds(w, r, http.StatusOK, nil, h.feedURL(r, token), kind)
}

func (h *Handler) uiRevokeFeed(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err == nil {
		err = h.svc.RevokeFeed(r.Context(), web.Actor(r), id)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.srv.Redirect(w, r, "/absences/feeds", "calendar_feed_revoked")
}
