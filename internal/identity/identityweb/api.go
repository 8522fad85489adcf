package identityweb

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/web"
)

// registerAPI adds the JSON twins of the identity pages under /api/v1. The
// operationIds are a public contract; docs/api.md and the OpenAPI document
// describe them.
func (h *Handler) registerAPI() {
	s := h.srv
	s.API("GET", "/me", "getMe", web.Full, h.apiGetMe)
	s.API("PATCH", "/me", "updateMe", web.Full, h.apiUpdateMe)
	s.API("POST", "/me/password", "changeMyPassword", web.Full, h.apiChangeMyPassword)
	s.API("GET", "/me/sessions", "listMySessions", web.Full, h.apiListMySessions)
	s.API("DELETE", "/me/sessions/{id}", "revokeMySession", web.Full, h.apiRevokeMySession)
	s.API("GET", "/me/tokens", "listMyTokens", web.Full, h.apiListMyTokens)
	s.API("POST", "/me/tokens", "createMyToken", web.Full, h.apiCreateMyToken)
	s.API("DELETE", "/me/tokens/{id}", "revokeMyToken", web.Full, h.apiRevokeMyToken)

	s.API("GET", "/users", "listUsers", web.Full, h.apiListUsers)
	s.API("POST", "/users", "createUser", web.Full, h.apiCreateUser)
	s.API("GET", "/users/{id}", "getUser", web.Full, h.apiGetUser)
	s.API("PATCH", "/users/{id}", "updateUser", web.Full, h.apiUpdateUser)
	s.API("PUT", "/users/{id}/roles", "setUserRoles", web.Full, h.apiSetUserRoles)
	s.API("POST", "/users/{id}/disable", "disableUser", web.Full, h.apiDisableUser)
	s.API("POST", "/users/{id}/enable", "enableUser", web.Full, h.apiEnableUser)
	s.API("POST", "/users/{id}/reset-2fa", "resetUser2FA", web.Full, h.apiResetUser2FA)
	s.API("PUT", "/users/{id}/password", "setUserPassword", web.Full, h.apiSetUserPassword)

	s.API("GET", "/org-units", "listOrgUnits", web.Full, h.apiListOrgUnits)
	s.API("POST", "/org-units", "createOrgUnit", web.Full, h.apiCreateOrgUnit)
	s.API("GET", "/org-units/{id}", "getOrgUnit", web.Full, h.apiGetOrgUnit)
	s.API("PATCH", "/org-units/{id}", "updateOrgUnit", web.Full, h.apiUpdateOrgUnit)
	s.API("DELETE", "/org-units/{id}", "deleteOrgUnit", web.Full, h.apiDeleteOrgUnit)

	s.API("GET", "/roles", "listRoles", web.Full, h.apiListRoles)
	s.API("PATCH", "/roles/{id}", "updateRole", web.Full, h.apiUpdateRole)
}

// apiList is the envelope of every list answer. NextCursor is null on the
// last page; Total is given where counting is cheap.
type apiList[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
	Total      *int    `json:"total,omitempty"`
}

// apiCompleteList wraps a collection that is always answered whole.
func apiCompleteList[T any](items []T) apiList[T] {
	if items == nil {
		items = []T{}
	}
	return apiList[T]{Items: items}
}

// apiTime formats an instant for the API: RFC 3339 in UTC.
func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// apiTimePtr formats an optional instant; nil stays JSON null.
func apiTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := apiTime(*t)
	return &s
}

// apiID turns the services' "0 means none" into JSON null.
func apiID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// apiNullableID is an id in a JSON body that tells an absent field (Set
// false) from an explicit null (Set true, ID 0), so PATCH can clear a
// reference.
type apiNullableID struct {
	Set bool
	ID  int64
}

// UnmarshalJSON accepts null or a positive integer.
func (n *apiNullableID) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.ID = 0
		return nil
	}
	var id int64
	if err := json.Unmarshal(b, &id); err != nil {
		return err
	}
	if id <= 0 {
		return errors.New("an id is a positive integer or null")
	}
	n.ID = id
	return nil
}

// ptr returns nil when the field was absent, else the id (0 for null).
func (n apiNullableID) ptr() *int64 {
	if !n.Set {
		return nil
	}
	id := n.ID
	return &id
}

// apiMaxOffset keeps offsets far from integer overflow in SQL.
const apiMaxOffset = 1 << 30

// apiOffsetCursor encodes a list position; clients treat it as opaque.
func apiOffsetCursor(offset int) *string { return web.EncodeCursor("o", int64(offset)) }

// apiParseOffsetCursor decodes the cursor query parameter ("" is the start).
func apiParseOffsetCursor(s string) (int, error) {
	n, err := web.DecodeCursor("o", s, apiMaxOffset)
	return int(n), err
}

// apiParseFilterID reads an optional positive id from the query.
func apiParseFilterID(q url.Values, name string) (int64, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Invalidf("invalid_filter", "%s must be a positive integer", name).WithField(name, "invalid_filter")
	}
	return id, nil
}

// apiNoContent answers a successful operation that returns nothing.
func apiNoContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }
