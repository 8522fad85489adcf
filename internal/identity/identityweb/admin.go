package identityweb

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/i18n"
	"ortlos/internal/identity"
	"ortlos/internal/web"
)

// registerAdmin adds the administration pages for users, org units and
// roles. Every handler checks the admin role first and answers 404 to
// everyone else, so the pages reveal nothing; the service checks again.
func (h *Handler) registerAdmin() {
	s := h.srv
	s.UI("GET /admin/users", web.Full, h.adminUsers)
	s.UI("GET /admin/users/new", web.Full, h.adminUserNew)
	s.UI("POST /admin/users", web.Full, h.adminUserCreate)
	s.UI("GET /admin/users/{id}", web.Full, h.adminUserShow)
	s.UI("POST /admin/users/{id}", web.Full, h.adminUserSave)
	s.UI("POST /admin/users/{id}/disable", web.Full, h.adminUserDisable)
	s.UI("POST /admin/users/{id}/enable", web.Full, h.adminUserEnable)
	s.UI("POST /admin/users/{id}/reset-2fa", web.Full, h.adminUserResetMFA)
	s.UI("POST /admin/users/{id}/password", web.Full, h.adminUserPassword)

	s.UI("GET /admin/org-units", web.Full, h.adminOrgUnits)
	s.UI("POST /admin/org-units", web.Full, h.adminOrgUnitCreate)
	s.UI("GET /admin/org-units/{id}", web.Full, h.adminOrgUnitShow)
	s.UI("POST /admin/org-units/{id}", web.Full, h.adminOrgUnitSave)
	s.UI("POST /admin/org-units/{id}/delete", web.Full, h.adminOrgUnitDelete)

	s.UI("GET /admin/roles", web.Full, h.adminRoles)
	s.UI("POST /admin/roles/{id}", web.Full, h.adminRoleSave)

	s.AddNav("/admin/users", "nav.admin_users", isAdmin)
	s.AddNav("/admin/org-units", "nav.admin_org_units", isAdmin)
	s.AddNav("/admin/roles", "nav.admin_roles", isAdmin)
}

// adminAuth returns the caller when they are an administrator; everyone
// else gets the not-found page, exactly like an unknown address.
func (h *Handler) adminAuth(w http.ResponseWriter, r *http.Request) (*identity.Auth, bool) {
	a := web.AuthFrom(r.Context())
	if a == nil || !a.Actor.IsAdmin() {
		h.srv.Error(w, r, apperr.NotFoundf("not_found", "not found"))
		return nil, false
	}
	return a, true
}

// uiFailed shows err on the form that caused it (render is called with the
// status) when the user can correct it, and the error page otherwise.
func (h *Handler) uiFailed(w http.ResponseWriter, r *http.Request, err error, render func(status int)) {
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		render(http.StatusUnprocessableEntity)
	case apperr.Conflict:
		render(http.StatusConflict)
	default:
		h.srv.Error(w, r, err)
	}
}

// uiFieldError is a validation error for one form field.
func uiFieldError(field, code string) error {
	return apperr.New(apperr.Invalid, "validation_failed", "some fields are invalid").WithField(field, code)
}

// uiParseID parses an optional reference from a select: "" and "0" mean
// none.
func uiParseID(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, true
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

func uiFormatID(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// uiOption is one entry of a select list.
type uiOption struct {
	Value    string
	Label    string
	Lang     string // set when the label is in another language than the page
	Selected bool
}

// bundeslandNames are the official names of the German states; they are
// proper names and the same in every UI language.
var bundeslandNames = map[string]string{
	"BW": "Baden-Württemberg", "BY": "Bayern", "BE": "Berlin", "BB": "Brandenburg", "HB": "Bremen",
	"HH": "Hamburg", "HE": "Hessen", "MV": "Mecklenburg-Vorpommern", "NI": "Niedersachsen",
	"NW": "Nordrhein-Westfalen", "RP": "Rheinland-Pfalz", "SL": "Saarland", "SN": "Sachsen",
	"ST": "Sachsen-Anhalt", "SH": "Schleswig-Holstein", "TH": "Thüringen",
}

func stateLabel(code string) string {
	if n, ok := bundeslandNames[code]; ok {
		return code + " – " + n
	}
	return code
}

func stateOptions(selected string) []uiOption {
	out := make([]uiOption, 0, len(identity.Bundeslaender))
	for _, c := range identity.Bundeslaender {
		out = append(out, uiOption{Value: c, Label: stateLabel(c), Lang: "de", Selected: c == selected})
	}
	return out
}

// languageNames shows every language in itself, so people find their own.
var languageNames = map[string]string{"de": "Deutsch", "en": "English"}

func languageOptions(selected string) []uiOption {
	out := make([]uiOption, 0, len(identity.Languages))
	for _, l := range identity.Languages {
		out = append(out, uiOption{Value: l, Label: languageNames[l], Lang: l, Selected: l == selected})
	}
	return out
}

// roleLabel returns the readable name of a role.
func roleLabel(l i18n.Localizer, role string) string {
	if k := "role." + role; l.Has(k) {
		return l.T(k)
	}
	return role
}

// roleLabels returns the readable names of roles in display order.
func roleLabels(l i18n.Localizer, roles []string) []string {
	out := make([]string, 0, len(roles))
	for _, r := range actor.BuiltinRoles {
		if slices.Contains(roles, r) {
			out = append(out, roleLabel(l, r))
		}
	}
	for _, r := range roles {
		if !slices.Contains(actor.BuiltinRoles, r) {
			out = append(out, r)
		}
	}
	return out
}

// uiRoleChoice is a role checkbox.
type uiRoleChoice struct {
	ID, Label, Description string
	Checked                bool
}

func roleChoices(l i18n.Localizer, checked []string) []uiRoleChoice {
	out := make([]uiRoleChoice, 0, len(actor.BuiltinRoles))
	for _, r := range actor.BuiltinRoles {
		out = append(out, uiRoleChoice{ID: r, Label: roleLabel(l, r), Description: l.T("role." + r + ".desc"), Checked: slices.Contains(checked, r)})
	}
	return out
}

// orgNode is an org unit in the tree view.
type orgNode struct {
	ID       int64
	Name     string
	Kind     string
	Depth    int
	Children []*orgNode
}

// orgTree builds the tree from the flat list; units whose parent is missing
// become roots so that nothing disappears from view.
func orgTree(units []identity.OrgUnit) []*orgNode {
	nodes := make(map[int64]*orgNode, len(units))
	for _, u := range units {
		nodes[u.ID] = &orgNode{ID: u.ID, Name: u.Name, Kind: u.Kind}
	}
	var roots []*orgNode
	for _, u := range units { // ordered by name, so children are too
		n := nodes[u.ID]
		if p, ok := nodes[u.ParentID]; ok && u.ParentID != u.ID {
			p.Children = append(p.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	var depth func(ns []*orgNode, d int)
	depth = func(ns []*orgNode, d int) {
		for _, n := range ns {
			n.Depth = d
			depth(n.Children, d+1)
		}
	}
	depth(roots, 0)
	return roots
}

// orgOptions lists the tree depth-first for a select, indenting sub-units;
// the unit skip and everything below it are left out (a unit cannot move
// below itself). noneLabel, when set, is the first entry with value "".
func orgOptions(roots []*orgNode, selected, skip int64, noneLabel string) []uiOption {
	var out []uiOption
	if noneLabel != "" {
		out = append(out, uiOption{Value: "", Label: noneLabel, Selected: selected == 0})
	}
	var walk func(ns []*orgNode)
	walk = func(ns []*orgNode) {
		for _, n := range ns {
			if n.ID == skip {
				continue
			}
			out = append(out, uiOption{Value: uiFormatID(n.ID), Label: strings.Repeat("\u00a0\u00a0\u00a0", n.Depth) + n.Name, Selected: n.ID == selected})
			walk(n.Children)
		}
	}
	walk(roots)
	return out
}

func orgNames(units []identity.OrgUnit) map[int64]string {
	m := make(map[int64]string, len(units))
	for _, u := range units {
		m[u.ID] = u.Name
	}
	return m
}

// allUsers loads every user the actor may see, page by page, for select
// lists.
func (h *Handler) allUsers(ctx context.Context, a actor.Actor) ([]identity.User, error) {
	var out []identity.User
	for {
		users, total, err := h.ident.ListUsers(ctx, a, identity.UserFilter{Offset: len(out), Limit: 500})
		if err != nil {
			return nil, err
		}
		out = append(out, users...)
		if len(users) == 0 || len(out) >= total {
			return out, nil
		}
	}
}
