package app_test

// End-to-end tests of the JSON API under /api/v1: a real server on
// 127.0.0.1:0, real HTTP requests with bearer tokens and session cookies,
// answers decoded as a client would. The identifiers carry an "api" prefix
// because package app_test is shared with other test files.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/app"
	"ortlos/internal/audit"
	"ortlos/internal/config"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/identity"
	"ortlos/internal/identity/password"
	"ortlos/internal/web/openapi"
)

// apiPassword passes the password policy.
const apiPassword = "Lindenhof-Wasserturm-42"

// apiOpen builds and opens an instance on a fresh database of dialect d
// without serving it.
func apiOpen(t *testing.T, d db.Dialect) *app.Main {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Defaults()
	cfg.Listen = "127.0.0.1:0"
	cfg.BaseURL = ""
	cfg.DataDir = dir
	cfg.DatabaseURL = "sqlite:" + filepath.Join(dir, "ortlos.db")
	if d == db.Postgres {
		cfg.DatabaseURL = dbtest.URL(t, db.Postgres)
	}
	cfg.SecretKeyFile = filepath.Join(dir, "secret.key")
	cfg.BlobDir = filepath.Join(dir, "blobs")
	cfg.ShutdownTimeout = 5 * time.Second
	m := &app.Main{Config: cfg, HashParams: &password.MinParams}
	if err := m.Open(context.Background()); err != nil {
		m.Close()
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// apiServer is a running instance and the base URL of its API.
type apiServer struct {
	*app.Main
	base string // e.g. http://127.0.0.1:4711/api/v1
}

// apiStart opens and serves an instance until the test ends.
func apiStart(t *testing.T, d db.Dialect) *apiServer {
	t.Helper()
	m := apiOpen(t, d)
	if err := m.Listen(); err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &apiServer{Main: m, base: m.URL() + "/api/v1"}
}

// apiUserWithToken creates a user through the CLI actor and an API token for
// them; it returns the user and the token's secret.
func (s *apiServer) apiUserWithToken(t *testing.T, username, scope string, roles ...string) (identity.User, string) {
	t.Helper()
	ctx := context.Background()
	u, err := s.Identity.CreateUser(ctx, actor.CLI(), identity.NewUser{
		Username: username, DisplayName: strings.ToUpper(username[:1]) + username[1:], Roles: roles, Password: apiPassword,
	})
	if err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	_, secret, err := s.Identity.CreateTokenFor(ctx, actor.CLI(), u.ID, identity.NewToken{Name: "t", Scope: scope})
	if err != nil {
		t.Fatalf("create token for %s: %v", username, err)
	}
	return u, secret
}

// apiResult is a finished API exchange.
type apiResult struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
}

// apiClient sends requests with one credential: a bearer token, a session
// cookie, or none.
type apiClient struct {
	t      *testing.T
	s      *apiServer
	token  string
	cookie string
}

func (s *apiServer) client(t *testing.T, token string) apiClient {
	return apiClient{t: t, s: s, token: token}
}

// call sends method path (relative to /api/v1) with body encoded as JSON
// unless it is nil, a string (sent as is) or []byte.
func (c apiClient) call(method, path string, body any) *apiResult {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.s.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "ortlos_session", Value: c.cookie})
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return &apiResult{method: method, path: path, status: res.StatusCode, header: res.Header, body: b}
}

// want fails the test unless the status is want, and decodes a JSON body
// into v when v is not nil.
func (r *apiResult) want(t *testing.T, want int, v any) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s %s: status %d, want %d; body: %.1500s", r.method, r.path, r.status, want, r.body)
	}
	if v == nil {
		return
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q, want application/json", r.method, r.path, ct)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%s %s: decode %s: %v", r.method, r.path, r.body, err)
	}
}

// apiProblem mirrors the problem document.
type apiProblem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Code      string            `json:"code"`
	Detail    string            `json:"detail"`
	Errors    map[string]string `json:"errors"`
	RequestID string            `json:"request_id"`
}

// problem fails the test unless r is a problem document with status and
// code, and returns it.
func (r *apiResult) problem(t *testing.T, status int, code string) apiProblem {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s %s: status %d, want %d (%s); body: %.1500s", r.method, r.path, r.status, status, code, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s %s: Content-Type %q, want application/problem+json", r.method, r.path, ct)
	}
	var p apiProblem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("%s %s: decode problem %s: %v", r.method, r.path, r.body, err)
	}
	if p.Code != code || p.Status != status || p.Type != "urn:ortlos:problem:"+code || p.RequestID == "" || p.Detail == "" {
		t.Fatalf("%s %s: problem %+v, want status %d code %s with detail and request_id", r.method, r.path, p, status, code)
	}
	return p
}

// Answer shapes as a client decodes them.
type (
	apiUserJSON struct {
		ID           int64    `json:"id"`
		Username     string   `json:"username"`
		DisplayName  string   `json:"display_name"`
		Email        string   `json:"email"`
		OrgUnitID    *int64   `json:"org_unit_id"`
		SupervisorID *int64   `json:"supervisor_id"`
		State        string   `json:"state"`
		Language     string   `json:"language"`
		Disabled     bool     `json:"disabled"`
		Roles        []string `json:"roles"`
		TOTPEnabled  bool     `json:"totp_enabled"`
		CreatedAt    string   `json:"created_at"`
		AuthMethod   string   `json:"auth_method"`
		TokenScope   string   `json:"token_scope"`
	}
	apiUserPage struct {
		Items      []apiUserJSON `json:"items"`
		NextCursor *string       `json:"next_cursor"`
		Total      int           `json:"total"`
	}
	apiOrgUnitJSON struct {
		ID       int64  `json:"id"`
		ParentID *int64 `json:"parent_id"`
		Name     string `json:"name"`
		Kind     string `json:"kind"`
	}
	apiRoleJSON struct {
		ID          string `json:"id"`
		MFARequired bool   `json:"mfa_required"`
	}
	apiAuditPage struct {
		Items      []audit.Record `json:"items"`
		NextCursor *string        `json:"next_cursor"`
	}
)

func TestAPI(t *testing.T) {
	for _, d := range []db.Dialect{db.SQLite, db.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			testAPI(t, apiStart(t, d))
		})
	}
}

func testAPI(t *testing.T, s *apiServer) {
	admin, adminToken := s.apiUserWithToken(t, "ada", identity.ScopeWrite, actor.RoleAdmin)
	c := s.client(t, adminToken)

	t.Run("getMe", func(t *testing.T) {
		var me apiUserJSON
		r := c.call("GET", "/me", nil)
		r.want(t, http.StatusOK, &me)
		if me.ID != admin.ID || me.Username != "ada" || me.AuthMethod != "token" || me.TokenScope != "write" || !slices.Equal(me.Roles, []string{"admin"}) {
			t.Errorf("getMe = %+v, want ada via write token with role admin", me)
		}
		for _, secret := range []string{"hash", "secret", "$argon2"} {
			if bytes.Contains(r.body, []byte(secret)) {
				t.Errorf("getMe answer contains %q: %s", secret, r.body)
			}
		}
	})

	var bea apiUserJSON
	t.Run("createUser", func(t *testing.T) {
		r := c.call("POST", "/users", map[string]any{
			"username": "Bea", "display_name": "Bea Beispiel", "email": "bea@musterstadt.example",
			"org_unit_id": nil, "supervisor_id": admin.ID, "roles": []string{"employee"}, "password": apiPassword,
		})
		r.want(t, http.StatusCreated, &bea)
		if bea.Username != "bea" || bea.SupervisorID == nil || *bea.SupervisorID != admin.ID || bea.OrgUnitID != nil ||
			bea.State != "NW" || bea.Language != "de" || !slices.Equal(bea.Roles, []string{"employee"}) {
			t.Errorf("created %+v", bea)
		}
		if loc := r.header.Get("Location"); loc != "/api/v1/users/"+strconv.FormatInt(bea.ID, 10) {
			t.Errorf("Location = %q", loc)
		}
		if _, err := time.Parse(time.RFC3339, bea.CreatedAt); err != nil || !strings.HasSuffix(bea.CreatedAt, "Z") {
			t.Errorf("created_at = %q, want RFC 3339 UTC", bea.CreatedAt)
		}
	})

	t.Run("createUser invalid", func(t *testing.T) {
		p := c.call("POST", "/users", map[string]any{"username": "x!", "display_name": "X"}).problem(t, http.StatusUnprocessableEntity, "validation_failed")
		if p.Errors["username"] != "invalid_username" {
			t.Errorf("errors = %v, want username: invalid_username", p.Errors)
		}
		c.call("POST", "/users", map[string]any{"username": "xaver", "display_name": "X", "is_admin": true}).problem(t, http.StatusUnprocessableEntity, "invalid_json")
		c.call("POST", "/users", `{"username": "xaver", "display_name": "X", "org_unit_id": -3}`).problem(t, http.StatusUnprocessableEntity, "invalid_json")
		c.call("POST", "/users", map[string]any{"username": "bea", "display_name": "Again"}).problem(t, http.StatusConflict, "username_taken")
	})

	t.Run("listUsers paging", func(t *testing.T) {
		for _, n := range []string{"carl", "dora", "emma"} {
			c.call("POST", "/users", map[string]any{"username": n, "display_name": strings.ToUpper(n[:1]) + n[1:], "roles": []string{"employee"}}).want(t, http.StatusCreated, nil)
		}
		var names []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			path := "/users?limit=2"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			var page apiUserPage
			c.call("GET", path, nil).want(t, http.StatusOK, &page)
			if page.Total != 5 || len(page.Items) == 0 || len(page.Items) > 2 {
				t.Fatalf("page %d: total %d, %d items; want total 5 and 1 or 2 items", pages, page.Total, len(page.Items))
			}
			for _, u := range page.Items {
				names = append(names, u.DisplayName)
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
		want := []string{"Ada", "Bea Beispiel", "Carl", "Dora", "Emma"}
		if !slices.Equal(names, want) {
			t.Errorf("pages gave %v, want %v", names, want)
		}
		var page apiUserPage
		c.call("GET", "/users?role=admin", nil).want(t, http.StatusOK, &page)
		if page.Total != 1 || page.Items[0].Username != "ada" || page.NextCursor != nil {
			t.Errorf("role=admin: %+v", page)
		}
		c.call("GET", "/users?q=BEISP", nil).want(t, http.StatusOK, &page)
		if page.Total != 1 || page.Items[0].Username != "bea" {
			t.Errorf("q=BEISP: %+v", page)
		}
		for _, q := range []string{"limit=0", "limit=501", "limit=x", "disabled=maybe", "org_unit_id=-1", "role=king"} {
			c.call("GET", "/users?"+q, nil).problem(t, http.StatusUnprocessableEntity, "invalid_filter")
		}
		for _, cur := range []string{"xyz", "bzotMQ", "czox", "o:1"} {
			c.call("GET", "/users?cursor="+cur, nil).problem(t, http.StatusUnprocessableEntity, "invalid_cursor")
		}
	})

	t.Run("getUser", func(t *testing.T) {
		var u apiUserJSON
		c.call("GET", "/users/"+strconv.FormatInt(bea.ID, 10), nil).want(t, http.StatusOK, &u)
		if u.Username != "bea" {
			t.Errorf("getUser = %+v", u)
		}
		c.call("GET", "/users/999999", nil).problem(t, http.StatusNotFound, "not_found")
		c.call("GET", "/users/abc", nil).problem(t, http.StatusNotFound, "not_found")
	})

	var root, child apiOrgUnitJSON
	t.Run("org units", func(t *testing.T) {
		c.call("POST", "/org-units", map[string]any{"name": "Verwaltung", "kind": "Verwaltung", "parent_id": nil}).want(t, http.StatusCreated, &root)
		c.call("POST", "/org-units", map[string]any{"name": "Bürgeramt", "kind": "Amt", "parent_id": root.ID}).want(t, http.StatusCreated, &child)
		if root.ParentID != nil || child.ParentID == nil || *child.ParentID != root.ID {
			t.Fatalf("created %+v and %+v", root, child)
		}
		c.call("POST", "/org-units", map[string]any{"name": " "}).problem(t, http.StatusUnprocessableEntity, "validation_failed")
		var got apiOrgUnitJSON
		c.call("GET", "/org-units/"+strconv.FormatInt(child.ID, 10), nil).want(t, http.StatusOK, &got)
		if got.ID != child.ID || got.Name != child.Name || got.Kind != child.Kind || got.ParentID == nil || *got.ParentID != root.ID {
			t.Errorf("getOrgUnit = %+v, want %+v", got, child)
		}
		c.call("PATCH", "/org-units/"+strconv.FormatInt(child.ID, 10), map[string]any{"name": "Bürgerbüro"}).want(t, http.StatusOK, &got)
		if got.Name != "Bürgerbüro" || got.Kind != "Amt" || got.ParentID == nil {
			t.Errorf("after renaming: %+v", got)
		}
		c.call("PATCH", "/org-units/"+strconv.FormatInt(root.ID, 10), map[string]any{"parent_id": child.ID}).problem(t, http.StatusUnprocessableEntity, "org_unit_cycle")
		c.call("DELETE", "/org-units/"+strconv.FormatInt(root.ID, 10), nil).problem(t, http.StatusConflict, "org_unit_not_empty")
		var list struct {
			Items      []apiOrgUnitJSON `json:"items"`
			NextCursor *string          `json:"next_cursor"`
		}
		c.call("GET", "/org-units", nil).want(t, http.StatusOK, &list)
		if len(list.Items) != 2 || list.NextCursor != nil {
			t.Errorf("listOrgUnits = %+v", list)
		}
	})

	t.Run("updateUser", func(t *testing.T) {
		path := "/users/" + strconv.FormatInt(bea.ID, 10)
		var u apiUserJSON
		c.call("PATCH", path, map[string]any{"org_unit_id": child.ID, "state": "BY"}).want(t, http.StatusOK, &u)
		if u.OrgUnitID == nil || *u.OrgUnitID != child.ID || u.State != "BY" || u.DisplayName != "Bea Beispiel" || u.SupervisorID == nil {
			t.Errorf("after setting org unit: %+v", u)
		}
		c.call("PATCH", path, map[string]any{"supervisor_id": nil}).want(t, http.StatusOK, &u)
		if u.SupervisorID != nil || u.OrgUnitID == nil {
			t.Errorf("after clearing supervisor: %+v", u)
		}
		c.call("PATCH", path, map[string]any{"org_unit_id": nil, "display_name": "Bea B."}).want(t, http.StatusOK, &u)
		if u.OrgUnitID != nil || u.DisplayName != "Bea B." || u.State != "BY" {
			t.Errorf("after clearing org unit: %+v", u)
		}
		p := c.call("PATCH", path, map[string]any{"email": "nope", "state": "XX"}).problem(t, http.StatusUnprocessableEntity, "validation_failed")
		if p.Errors["email"] != "invalid_email" || p.Errors["state"] != "invalid_state" {
			t.Errorf("errors = %v", p.Errors)
		}
		c.call("PATCH", path, map[string]any{"org_unit_id": 999999}).problem(t, http.StatusUnprocessableEntity, "unknown_org_unit")
	})

	t.Run("delete org units", func(t *testing.T) {
		c.call("PATCH", "/org-units/"+strconv.FormatInt(child.ID, 10), map[string]any{"parent_id": nil}).want(t, http.StatusOK, nil)
		c.call("DELETE", "/org-units/"+strconv.FormatInt(root.ID, 10), nil).want(t, http.StatusNoContent, nil)
		c.call("GET", "/org-units/"+strconv.FormatInt(root.ID, 10), nil).problem(t, http.StatusNotFound, "not_found")
	})

	t.Run("setUserRoles", func(t *testing.T) {
		path := "/users/" + strconv.FormatInt(bea.ID, 10) + "/roles"
		var u apiUserJSON
		c.call("PUT", path, map[string]any{"roles": []string{"lead", "employee", "lead"}}).want(t, http.StatusOK, &u)
		if !slices.Equal(u.Roles, []string{"employee", "lead"}) {
			t.Errorf("roles = %v", u.Roles)
		}
		c.call("PUT", path, map[string]any{}).problem(t, http.StatusUnprocessableEntity, "validation_failed")
		c.call("PUT", path, map[string]any{"roles": []string{"king"}}).problem(t, http.StatusUnprocessableEntity, "unknown_role")
		c.call("PUT", "/users/"+strconv.FormatInt(admin.ID, 10)+"/roles", map[string]any{"roles": []string{}}).problem(t, http.StatusConflict, "cannot_remove_own_admin")
	})

	t.Run("disable and enable", func(t *testing.T) {
		path := "/users/" + strconv.FormatInt(bea.ID, 10)
		var u apiUserJSON
		c.call("POST", path+"/disable", nil).want(t, http.StatusOK, &u)
		if !u.Disabled {
			t.Errorf("after disable: %+v", u)
		}
		var page apiUserPage
		c.call("GET", "/users?disabled=true", nil).want(t, http.StatusOK, &page)
		if page.Total != 1 || page.Items[0].ID != bea.ID {
			t.Errorf("disabled=true: %+v", page)
		}
		c.call("POST", path+"/enable", nil).want(t, http.StatusOK, &u)
		if u.Disabled {
			t.Errorf("after enable: %+v", u)
		}
		c.call("POST", "/users/"+strconv.FormatInt(admin.ID, 10)+"/disable", nil).problem(t, http.StatusConflict, "cannot_disable_self")
	})

	t.Run("password and 2FA reset", func(t *testing.T) {
		path := "/users/" + strconv.FormatInt(bea.ID, 10)
		c.call("PUT", path+"/password", map[string]any{"password": "Rathausplatz-Fahrrad-99"}).want(t, http.StatusNoContent, nil)
		p := c.call("PUT", path+"/password", map[string]any{"password": "short"}).problem(t, http.StatusUnprocessableEntity, "password_too_short")
		if p.Errors["password"] != "password_too_short" {
			t.Errorf("errors = %v", p.Errors)
		}
		c.call("POST", path+"/reset-2fa", nil).want(t, http.StatusNoContent, nil)
		c.call("POST", "/users/999999/reset-2fa", nil).problem(t, http.StatusNotFound, "not_found")
	})

	t.Run("roles", func(t *testing.T) {
		var list struct {
			Items []apiRoleJSON `json:"items"`
		}
		c.call("GET", "/roles", nil).want(t, http.StatusOK, &list)
		if len(list.Items) != len(actor.BuiltinRoles) || list.Items[0] != (apiRoleJSON{ID: "admin", MFARequired: true}) {
			t.Errorf("listRoles = %+v", list.Items)
		}
		c.call("PATCH", "/roles/admin", map[string]any{"mfa_required": false}).problem(t, http.StatusConflict, "mfa_required_for_admin")
		var ro apiRoleJSON
		c.call("PATCH", "/roles/employee", map[string]any{"mfa_required": false}).want(t, http.StatusOK, &ro)
		if ro != (apiRoleJSON{ID: "employee", MFARequired: false}) {
			t.Errorf("updateRole = %+v", ro)
		}
		c.call("PATCH", "/roles/king", map[string]any{"mfa_required": false}).problem(t, http.StatusNotFound, "not_found")
		c.call("PATCH", "/roles/employee", map[string]any{}).problem(t, http.StatusUnprocessableEntity, "validation_failed")
	})

	t.Run("listAuditRecords", func(t *testing.T) {
		var page apiAuditPage
		c.call("GET", "/audit?action=user.create", nil).want(t, http.StatusOK, &page)
		if len(page.Items) != 5 || page.NextCursor != nil {
			t.Fatalf("action=user.create: %d records, next %v; want 5 and no next page", len(page.Items), page.NextCursor)
		}
		for _, rec := range page.Items {
			if rec.Action != "user.create" || rec.ComputeHash() != rec.Hash {
				t.Errorf("record %+v: wrong action or hash", rec)
			}
		}
		c.call("GET", "/audit?action=org_unit.&object_id="+strconv.FormatInt(root.ID, 10), nil).want(t, http.StatusOK, &page)
		if len(page.Items) != 2 || page.Items[0].Action != "org_unit.delete" || page.Items[1].Action != "org_unit.create" {
			t.Errorf("org_unit. records of the root: %+v", page.Items)
		}
		// Walk the whole trail two records at a time, newest first.
		var seqs []int64
		cursor := ""
		for range 100 {
			path := "/audit?limit=2"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			c.call("GET", path, nil).want(t, http.StatusOK, &page)
			for _, rec := range page.Items {
				seqs = append(seqs, rec.Seq)
			}
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
		if len(seqs) == 0 || seqs[len(seqs)-1] != 1 {
			t.Fatalf("paging ended at %v, want the last record to be 1", seqs)
		}
		for i := 1; i < len(seqs); i++ {
			if seqs[i] != seqs[i-1]-1 {
				t.Fatalf("paging gave %v, want contiguous descending", seqs)
			}
		}
		today := time.Now().In(s.Config.Location()).Format(time.DateOnly)
		c.call("GET", "/audit?action=user.create&from="+today+"&to="+today, nil).want(t, http.StatusOK, &page)
		if len(page.Items) != 5 {
			t.Errorf("from=to=today: %d records, want 5", len(page.Items))
		}
		c.call("GET", "/audit?action=user.create&to=2000-01-01T00:00:00Z", nil).want(t, http.StatusOK, &page)
		if len(page.Items) != 0 || page.Items == nil {
			t.Errorf("to=2000: %+v, want an empty list", page)
		}
		for _, q := range []string{"from=yesterday", "to=2025-13-01", "from=2025-02-01&to=2025-01-01", "actor_id=0", "limit=1000"} {
			c.call("GET", "/audit?"+q, nil).problem(t, http.StatusUnprocessableEntity, "invalid_filter")
		}
		c.call("GET", "/audit?cursor=bzox", nil).problem(t, http.StatusUnprocessableEntity, "invalid_cursor")
	})

	t.Run("exportAudit", func(t *testing.T) {
		r := c.call("GET", "/audit/export", nil)
		r.want(t, http.StatusOK, nil)
		if ct := r.header.Get("Content-Type"); ct != "application/x-ndjson" {
			t.Errorf("Content-Type = %q", ct)
		}
		res, err := audit.VerifyJSONL(bytes.NewReader(r.body))
		if err != nil || !res.OK || res.Checked < 10 {
			t.Fatalf("VerifyJSONL = %+v, %v; want an intact chain", res, err)
		}
		// The export is recorded before the records are read, so it is
		// part of its own export.
		lines := bytes.Split(bytes.TrimSpace(r.body), []byte("\n"))
		var last audit.Record
		if err := json.Unmarshal(lines[len(lines)-1], &last); err != nil {
			t.Fatal(err)
		}
		if last.Action != "audit.export" || last.ActorID != admin.ID || last.Detail != `{"filter":{},"via":"api"}` {
			t.Errorf("last exported record = %+v, want the audit.export by ada", last)
		}

		r = c.call("GET", "/audit/export?action=user.create&to="+time.Now().In(s.Config.Location()).Format(time.DateOnly), nil)
		r.want(t, http.StatusOK, nil)
		if n := bytes.Count(r.body, []byte("\n")); n != 5 {
			t.Errorf("filtered export has %d lines, want 5", n)
		}
		var page apiAuditPage
		c.call("GET", "/audit?action=audit.export&limit=1", nil).want(t, http.StatusOK, &page)
		if len(page.Items) != 1 || !strings.Contains(page.Items[0].Detail, `"action":"user.create"`) {
			t.Errorf("latest audit.export = %+v, want the filter in its detail", page.Items)
		}
		c.call("GET", "/audit/export?from=nonsense", nil).problem(t, http.StatusUnprocessableEntity, "invalid_filter")
	})

	t.Run("verifyAudit", func(t *testing.T) {
		var v struct {
			OK        bool    `json:"ok"`
			Checked   int64   `json:"checked"`
			BrokenSeq *int64  `json:"broken_seq"`
			Reason    *string `json:"reason"`
			HeadSeq   *int64  `json:"head_seq"`
			HeadHash  *string `json:"head_hash"`
		}
		c.call("GET", "/audit/verify", nil).want(t, http.StatusOK, &v)
		if !v.OK || v.BrokenSeq != nil || v.Reason != nil || v.HeadSeq == nil || *v.HeadSeq != v.Checked || v.HeadHash == nil || len(*v.HeadHash) != 64 {
			t.Errorf("verifyAudit = %+v", v)
		}
	})

	t.Run("read-only token", func(t *testing.T) {
		_, secret, err := s.Identity.CreateTokenFor(context.Background(), actor.CLI(), admin.ID, identity.NewToken{Name: "ro", Scope: identity.ScopeRead})
		if err != nil {
			t.Fatal(err)
		}
		ro := s.client(t, secret)
		var me apiUserJSON
		ro.call("GET", "/me", nil).want(t, http.StatusOK, &me)
		if me.TokenScope != "read" {
			t.Errorf("token_scope = %q", me.TokenScope)
		}
		ro.call("POST", "/users", map[string]any{"username": "fritz", "display_name": "Fritz"}).problem(t, http.StatusForbidden, "token_scope")
		ro.call("DELETE", "/org-units/"+strconv.FormatInt(child.ID, 10), nil).problem(t, http.StatusForbidden, "token_scope")
		ro.call("GET", "/audit/verify", nil).want(t, http.StatusOK, nil)

		var tokens struct {
			Items []struct {
				ID     int64  `json:"id"`
				Name   string `json:"name"`
				Prefix string `json:"prefix"`
				Scope  string `json:"scope"`
			} `json:"items"`
		}
		r := c.call("GET", "/me/tokens", nil)
		r.want(t, http.StatusOK, &tokens)
		if len(tokens.Items) != 2 || bytes.Contains(r.body, []byte(secret)) {
			t.Fatalf("listMyTokens = %s", r.body)
		}
		for _, tok := range tokens.Items {
			if tok.Name == "ro" {
				c.call("DELETE", "/me/tokens/"+strconv.FormatInt(tok.ID, 10), nil).want(t, http.StatusNoContent, nil)
			}
		}
		ro.call("GET", "/me", nil).problem(t, http.StatusUnauthorized, "token_invalid")
	})

	t.Run("employee", func(t *testing.T) {
		emil, secret := s.apiUserWithToken(t, "emil", identity.ScopeWrite, actor.RoleEmployee)
		e := s.client(t, secret)
		e.call("GET", "/users/"+strconv.FormatInt(bea.ID, 10), nil).problem(t, http.StatusNotFound, "not_found")
		e.call("GET", "/users/"+strconv.FormatInt(emil.ID, 10), nil).want(t, http.StatusOK, nil)
		var page apiUserPage
		e.call("GET", "/users", nil).want(t, http.StatusOK, &page)
		if page.Total != 1 || page.Items[0].ID != emil.ID {
			t.Errorf("listUsers as employee = %+v, want only emil", page)
		}
		e.call("PATCH", "/users/"+strconv.FormatInt(emil.ID, 10), map[string]any{"email": "e@x.example"}).problem(t, http.StatusForbidden, "forbidden")
		e.call("POST", "/users", map[string]any{"username": "fritz", "display_name": "Fritz"}).problem(t, http.StatusNotFound, "not_found")
		e.call("PATCH", "/roles/employee", map[string]any{"mfa_required": true}).problem(t, http.StatusNotFound, "not_found")
		e.call("DELETE", "/me/tokens/1", nil).problem(t, http.StatusNotFound, "not_found")
		var before apiAuditPage
		c.call("GET", "/audit?action=audit.export", nil).want(t, http.StatusOK, &before)
		for _, path := range []string{"/audit", "/audit/export", "/audit/verify"} {
			e.call("GET", path, nil).problem(t, http.StatusNotFound, "not_found")
		}
		var after apiAuditPage
		c.call("GET", "/audit?action=audit.export", nil).want(t, http.StatusOK, &after)
		if len(after.Items) != len(before.Items) {
			t.Errorf("a refused export was recorded: %d audit.export records before, %d after", len(before.Items), len(after.Items))
		}
		var me apiUserJSON
		e.call("PATCH", "/me", map[string]any{"display_name": "Emil E.", "language": "en"}).want(t, http.StatusOK, &me)
		if me.DisplayName != "Emil E." || me.Language != "en" || me.AuthMethod != "token" {
			t.Errorf("updateMe = %+v", me)
		}
		e.call("PATCH", "/me", map[string]any{"email": "e@x.example"}).problem(t, http.StatusUnprocessableEntity, "invalid_json")
		// Session-only operations are not available to tokens.
		e.call("POST", "/me/password", map[string]any{"current_password": apiPassword, "new_password": "Rathausplatz-Fahrrad-99"}).problem(t, http.StatusNotFound, "not_found")
		e.call("POST", "/me/tokens", map[string]any{"name": "x", "scope": "read"}).problem(t, http.StatusNotFound, "not_found")
	})

	t.Run("session", func(t *testing.T) {
		// Employees no longer need a second factor (see "roles"), so a
		// password login yields a full session.
		res, err := s.Identity.Login(context.Background(), identity.LoginInput{Username: "emil", Password: apiPassword, SourceIP: "127.0.0.1", UserAgent: "api-test"})
		if err != nil || res.Session.Stage != identity.StageFull {
			t.Fatalf("login: %+v, %v", res.Session, err)
		}
		sc := apiClient{t: t, s: s, cookie: res.Token}
		var me apiUserJSON
		sc.call("GET", "/me", nil).want(t, http.StatusOK, &me)
		if me.AuthMethod != "session" || me.TokenScope != "" {
			t.Errorf("getMe via session = %+v", me)
		}
		var sessions struct {
			Items []struct {
				ID        int64  `json:"id"`
				Current   bool   `json:"current"`
				UserAgent string `json:"user_agent"`
				SourceIP  string `json:"source_ip"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		sc.call("GET", "/me/sessions", nil).want(t, http.StatusOK, &sessions)
		if len(sessions.Items) != 1 || !sessions.Items[0].Current || sessions.Items[0].UserAgent != "api-test" || sessions.NextCursor != nil {
			t.Errorf("listMySessions = %+v", sessions)
		}
		var created struct {
			Token     string  `json:"token"`
			ID        int64   `json:"id"`
			Scope     string  `json:"scope"`
			Prefix    string  `json:"prefix"`
			ExpiresAt string  `json:"expires_at"`
			LastUsed  *string `json:"last_used_at"`
		}
		sc.call("POST", "/me/tokens", map[string]any{"name": "script", "scope": "read", "expires_in_days": 7}).want(t, http.StatusCreated, &created)
		exp, err := time.Parse(time.RFC3339, created.ExpiresAt)
		if !strings.HasPrefix(created.Token, created.Prefix) || created.Scope != "read" || created.LastUsed != nil || err != nil ||
			exp.Sub(time.Now()) < 6*24*time.Hour || exp.Sub(time.Now()) > 8*24*time.Hour {
			t.Errorf("createMyToken = %+v", created)
		}
		s.client(t, created.Token).call("GET", "/me", nil).want(t, http.StatusOK, nil)
		for _, days := range []int{-1, 367, 1 << 40} {
			p := sc.call("POST", "/me/tokens", map[string]any{"name": "x", "scope": "read", "expires_in_days": days}).problem(t, http.StatusUnprocessableEntity, "validation_failed")
			if p.Errors["expires_in_days"] != "invalid_expiry" {
				t.Errorf("expires_in_days %d: errors %v", days, p.Errors)
			}
		}
		p := sc.call("POST", "/me/password", map[string]any{"current_password": "wrong", "new_password": "Rathausplatz-Fahrrad-99"}).problem(t, http.StatusUnprocessableEntity, "wrong_current_password")
		if p.Errors["current_password"] != "wrong_current_password" {
			t.Errorf("errors = %v", p.Errors)
		}
		sc.call("POST", "/me/password", map[string]any{"current_password": apiPassword, "new_password": "Rathausplatz-Fahrrad-99"}).want(t, http.StatusNoContent, nil)
		sc.call("DELETE", "/me/sessions/"+strconv.FormatInt(sessions.Items[0].ID, 10), nil).want(t, http.StatusNoContent, nil)
		sc.call("GET", "/me", nil).problem(t, http.StatusUnauthorized, "unauthenticated")
		c.call("DELETE", "/me/sessions/"+strconv.FormatInt(sessions.Items[0].ID, 10), nil).problem(t, http.StatusNotFound, "not_found")
	})

	t.Run("unauthenticated", func(t *testing.T) {
		anon := s.client(t, "")
		r := anon.call("GET", "/me", nil)
		r.problem(t, http.StatusUnauthorized, "unauthenticated")
		if h := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
			t.Errorf("WWW-Authenticate = %q", h)
		}
		anon.call("POST", "/users", map[string]any{"username": "fritz"}).problem(t, http.StatusUnauthorized, "unauthenticated")
		s.client(t, "ortlos_forged").call("GET", "/me", nil).problem(t, http.StatusUnauthorized, "token_invalid")
	})

	t.Run("getOpenAPI", func(t *testing.T) {
		r := s.client(t, "").call("GET", "/openapi.json", nil)
		r.want(t, http.StatusOK, nil)
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		if !bytes.Equal(r.body, openapi.Document()) {
			t.Error("served document differs from the embedded one")
		}
	})
}
