// Package notifyweb serves the notification page, the header badge with the
// unread count and the JSON API of notifications.
package notifyweb

import (
	"embed"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"ortlos/internal/notify"
	"ortlos/internal/web"
)

//go:embed pages/*.html
var pagesFS embed.FS

// Pages returns the page templates of this module.
func Pages() fs.FS {
	sub, _ := fs.Sub(pagesFS, "pages")
	return sub
}

// Handler serves notifications.
type Handler struct {
	srv *web.Server
	svc *notify.Service
}

// Register adds the routes and the header link to srv.
func Register(srv *web.Server, svc *notify.Service) *Handler {
	h := &Handler{srv: srv, svc: svc}
	srv.AddAccountLink("/notifications", "nav.notifications", "notify.badge_label", func(r *http.Request) (int, error) {
		return svc.Unread(r.Context(), web.Actor(r).UserID)
	})
	srv.UI("GET /notifications", web.Full, h.page)
	srv.UI("POST /notifications/{id}/open", web.Full, h.uiOpen)
	srv.UI("POST /notifications/{id}/read", web.Full, h.uiRead)
	srv.UI("POST /notifications/read-all", web.Full, h.uiReadAll)
	srv.UI("POST /notifications/settings", web.Full, h.uiSettings)
	srv.API("GET", "/notifications", "listNotifications", web.Full, h.apiList)
	srv.API("POST", "/notifications/{id}/read", "markNotificationRead", web.Full, h.apiRead)
	srv.API("POST", "/notifications/read-all", "markAllNotificationsRead", web.Full, h.apiReadAll)
	srv.API("GET", "/notifications/settings", "getNotificationSettings", web.Full, h.apiSettings)
	srv.API("PUT", "/notifications/settings", "updateNotificationSettings", web.Full, h.apiUpdateSettings)
	return h
}

// filter reads unread, before and limit from the query.
func filter(r *http.Request) (notify.Filter, error) {
	q := r.URL.Query()
	var f notify.Filter
	switch q.Get("unread") {
	case "", "false", "0":
	case "true", "1":
		f.UnreadOnly = true
	default:
		return f, web.InvalidFilter("unread", "unread must be true or false")
	}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"before", &f.BeforeID}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return f, web.InvalidFilter(p.name, p.name+" must be a positive id")
			}
			*p.dst = n
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return f, web.InvalidFilter("limit", "limit must be 1 to 200")
		}
		f.Limit = n
	}
	return f, nil
}

// safeLink returns link when it is a path inside ortlos, else "/notifications".
func safeLink(link string) string {
	if strings.HasPrefix(link, "/") && !strings.HasPrefix(link, "//") && !strings.ContainsAny(link, "\\\r\n") {
		return link
	}
	return "/notifications"
}

// --- UI --------------------------------------------------------------

type row struct {
	ID       int64
	Text     string
	Received string
	Unread   bool
	Mail     string // note on the e-mail delivery, "" when nothing to say
}

type page struct {
	web.Page
	Rows       []row
	Unread     int
	UnreadText string
	UnreadOnly bool
	Older      string // link to the next page, "" when none
	Settings   notify.Settings
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	f, err := filter(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p := page{Page: h.srv.NewPage(r, ""), UnreadOnly: f.UnreadOnly}
	p.Title = p.L.T("notify.title")
	list, err := h.svc.List(r.Context(), web.Actor(r), p.L.Lang, f)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if p.Settings, err = h.svc.GetSettings(r.Context(), web.Actor(r)); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	p.Unread, p.UnreadText = list.Unread, p.L.Number(int64(list.Unread))
	for _, n := range list.Items {
		rw := row{ID: n.ID, Text: n.Text, Received: p.L.DateTime(n.CreatedAt, p.Loc), Unread: n.Unread()}
		switch n.MailState {
		case "sent", "pending", "failed":
			rw.Mail = p.L.T("notify.mail_state." + n.MailState)
		}
		p.Rows = append(p.Rows, rw)
	}
	if list.NextBeforeID != 0 {
		p.Older = "/notifications?before=" + strconv.FormatInt(list.NextBeforeID, 10)
		if f.UnreadOnly {
			p.Older += "&unread=true"
		}
	}
	h.srv.Render(w, r, http.StatusOK, "notifications.html", p)
}

// uiOpen marks the notification read and goes to what it is about.
func (h *Handler) uiOpen(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	var link string
	if err == nil {
		link, err = h.svc.MarkRead(r.Context(), web.Actor(r), id)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.srv.Redirect(w, r, safeLink(link), "")
}

func (h *Handler) uiRead(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err == nil {
		_, err = h.svc.MarkRead(r.Context(), web.Actor(r), id)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.srv.Redirect(w, r, "/notifications", "notification_read")
}

func (h *Handler) uiReadAll(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.MarkAllRead(r.Context(), web.Actor(r)); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.srv.Redirect(w, r, "/notifications", "notifications_read")
}

func (h *Handler) uiSettings(w http.ResponseWriter, r *http.Request) {
	if _, err := h.svc.SetEmail(r.Context(), web.Actor(r), r.PostFormValue("email") == "on"); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	h.srv.Redirect(w, r, "/notifications", "notification_settings")
}

// --- API -------------------------------------------------------------

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	f, err := filter(r)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	list, err := h.svc.List(r.Context(), web.Actor(r), h.srv.Localizer(r).Lang, f)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, list)
}

func (h *Handler) apiRead(w http.ResponseWriter, r *http.Request) {
	id, err := web.PathID(r)
	if err == nil {
		_, err = h.svc.MarkRead(r.Context(), web.Actor(r), id)
	}
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) apiReadAll(w http.ResponseWriter, r *http.Request) {
	n, err := h.svc.MarkAllRead(r.Context(), web.Actor(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, map[string]int{"marked": n})
}

func (h *Handler) apiSettings(w http.ResponseWriter, r *http.Request) {
	st, err := h.svc.GetSettings(r.Context(), web.Actor(r))
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, st)
}

func (h *Handler) apiUpdateSettings(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Email *bool `json:"email"`
	}
	if err := web.DecodeJSON(r, &req); err != nil {
		h.srv.Error(w, r, err)
		return
	}
	if req.Email == nil {
		h.srv.Error(w, r, web.InvalidFilter("email", "email (true or false) is required"))
		return
	}
	st, err := h.svc.SetEmail(r.Context(), web.Actor(r), *req.Email)
	if err != nil {
		h.srv.Error(w, r, err)
		return
	}
	web.JSON(w, http.StatusOK, st)
}
