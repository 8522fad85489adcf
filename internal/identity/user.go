package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
	"ortlos/internal/identity/password"
)

// User is a person who can log in.
type User struct {
	ID           int64
	Username     string
	DisplayName  string
	Email        string
	OrgUnitID    int64 // 0: none
	SupervisorID int64 // 0: none
	State        string
	Language     string
	Disabled     bool
	Roles        []string
	TOTPEnabled  bool
	CreatedAt    time.Time
	UpdatedAt    time.Time

	passwordHash string
	totpSecret   string
	totpLastStep int64
}

// HasPassword reports whether the user can log in with a password.
func (u User) HasPassword() bool { return u.passwordHash != "" }

// Has reports whether the user holds role.
func (u User) Has(role string) bool { return slices.Contains(u.Roles, role) }

// NewUser is the input to CreateUser.
type NewUser struct {
	Username     string
	DisplayName  string
	Email        string
	OrgUnitID    int64
	SupervisorID int64
	State        string
	Language     string
	Roles        []string
	// Password is optional; without one the user cannot log in until an
	// administrator sets one.
	Password string
}

// UserUpdate changes the fields that are not nil. OrgUnitID and
// SupervisorID set to 0 clear the reference.
type UserUpdate struct {
	DisplayName  *string
	Email        *string
	OrgUnitID    *int64
	SupervisorID *int64
	State        *string
	Language     *string
	// Roles replaces the user's roles (administrators only), in the same
	// transaction as the profile fields.
	Roles *[]string
}

// UserFilter selects users for ListUsers.
type UserFilter struct {
	Query     string // matches username, display name or e-mail
	OrgUnitID int64
	Role      string
	Disabled  *bool
	Offset    int
	Limit     int
}

// Bundesländer are the valid State codes.
var Bundeslaender = []string{"BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH"}

// Languages are the UI languages.
var Languages = []string{"de", "en"}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]$`)

// NormalizeUsername lowercases and trims a login name; usernames are
// compared case-insensitively.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validateProfile(e *apperr.Error, displayName, email, state, language *string) {
	if displayName != nil {
		*displayName = strings.TrimSpace(*displayName)
		if *displayName == "" {
			e.WithField("display_name", "required")
		} else if utf8.RuneCountInString(*displayName) > 200 {
			e.WithField("display_name", "too_long")
		}
	}
	if email != nil {
		*email = strings.TrimSpace(*email)
		if *email != "" {
			if a, err := mail.ParseAddress(*email); err != nil || a.Address != *email || len(*email) > 254 {
				e.WithField("email", "invalid_email")
			}
		}
	}
	if state != nil && !slices.Contains(Bundeslaender, *state) {
		e.WithField("state", "invalid_state")
	}
	if language != nil && !slices.Contains(Languages, *language) {
		e.WithField("language", "invalid_language")
	}
}

func validationError() *apperr.Error {
	return apperr.New(apperr.Invalid, "validation_failed", "some fields are invalid")
}

func checkRoles(roles []string) error {
	for _, r := range roles {
		if !slices.Contains(actor.BuiltinRoles, r) {
			return apperr.Invalidf("unknown_role", "unknown role %q", r).WithField("roles", "unknown_role")
		}
	}
	return nil
}

// CreateUser creates a user. Only administrators may.
func (s *Service) CreateUser(ctx context.Context, a actor.Actor, in NewUser) (User, error) {
	if !canManageUsers(a) {
		return User{}, errNotFound
	}
	in.Username = NormalizeUsername(in.Username)
	if in.State == "" {
		in.State = s.settings.DefaultState
	}
	if in.Language == "" {
		in.Language = "de"
	}
	verr := validationError()
	if !usernameRE.MatchString(in.Username) {
		verr.WithField("username", "invalid_username")
	}
	validateProfile(verr, &in.DisplayName, &in.Email, &in.State, &in.Language)
	if in.Password != "" {
		if err := password.Validate(in.Password, s.settings.OrgName, in.Username); err != nil {
			verr.WithField("password", apperr.CodeOf(err))
		}
	}
	if len(verr.Fields) > 0 {
		return User{}, verr
	}
	if err := checkRoles(in.Roles); err != nil {
		return User{}, err
	}
	in.Roles = normalizeRoles(in.Roles)
	var hash string
	if in.Password != "" {
		var err error
		if hash, err = s.hasher.Hash(ctx, in.Password); err != nil {
			return User{}, err
		}
	}
	var id int64
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := checkRefs(ctx, tx, in.OrgUnitID, in.SupervisorID, 0); err != nil {
			return nil, err
		}
		var changed db.NullTime
		if hash != "" {
			changed = db.NT(&now)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users
			(username, display_name, email, org_unit_id, supervisor_id, state, language, password_hash, password_changed_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Username, in.DisplayName, in.Email, db.NullID(in.OrgUnitID), db.NullID(in.SupervisorID), in.State, in.Language,
			hash, changed, db.T(now), db.T(now)).Scan(&id)
		if db.IsUniqueViolation(err) {
			return nil, apperr.Conflictf("username_taken", "username is taken").WithField("username", "username_taken")
		}
		if err != nil {
			return nil, fmt.Errorf("identity: insert user: %w", err)
		}
		if err := insertRoles(ctx, tx, id, in.Roles); err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "user.create", ObjectType: "user", ObjectID: itoa(id), Detail: map[string]any{
			// The key avoids the word "password": audit refuses such keys
			// as possible secrets.
			"username": in.Username, "roles": rolesOrEmpty(in.Roles), "org_unit_id": in.OrgUnitID, "credential_set": hash != "",
		}}}, nil
	})
	if err != nil {
		return User{}, err
	}
	return s.getUser(ctx, s.db, id)
}

func rolesOrEmpty(r []string) []string {
	if r == nil {
		return []string{}
	}
	return r
}

// normalizeRoles returns roles sorted and without repeats, leaving the
// caller's slice alone.
func normalizeRoles(roles []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(roles)))
}

// insertRoles adds roles, which must hold no repeats: a failed INSERT would
// abort the whole transaction on PostgreSQL.
func insertRoles(ctx context.Context, tx *db.Tx, userID int64, roles []string) error {
	for _, r := range roles {
		if _, err := tx.ExecContext(ctx, "INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)", userID, r); err != nil {
			return fmt.Errorf("identity: insert role: %w", err)
		}
	}
	return nil
}

// checkRefs verifies that the org unit and supervisor exist and that a user
// is not their own supervisor.
func checkRefs(ctx context.Context, q db.Querier, orgUnitID, supervisorID, self int64) error {
	if orgUnitID != 0 {
		if _, err := getOrgUnit(ctx, q, orgUnitID); err != nil {
			return apperr.Invalidf("unknown_org_unit", "org unit does not exist").WithField("org_unit_id", "unknown_org_unit")
		}
	}
	if supervisorID != 0 {
		if supervisorID == self {
			return apperr.Invalidf("invalid_supervisor", "a user cannot supervise themselves").WithField("supervisor_id", "invalid_supervisor")
		}
		// Walk up the supervisor chain: it must exist and must not lead
		// back to the user (A supervises B supervises A).
		for cur, steps := supervisorID, 0; cur != 0; steps++ {
			if cur == self || steps > 1000 {
				return apperr.Invalidf("invalid_supervisor", "supervisor chain would form a cycle").WithField("supervisor_id", "invalid_supervisor")
			}
			var next sql.NullInt64
			err := q.QueryRowContext(ctx, "SELECT supervisor_id FROM users WHERE id = ?", cur).Scan(&next)
			if errors.Is(err, sql.ErrNoRows) && cur == supervisorID {
				return apperr.Invalidf("unknown_supervisor", "supervisor does not exist").WithField("supervisor_id", "unknown_supervisor")
			}
			if err != nil {
				return fmt.Errorf("identity: check supervisor: %w", err)
			}
			cur = next.Int64
		}
	}
	return nil
}

// GetUser returns a user the actor may see.
func (s *Service) GetUser(ctx context.Context, a actor.Actor, id int64) (User, error) {
	u, err := s.getUser(ctx, s.db, id)
	if err != nil {
		return User{}, err
	}
	if !canViewUser(a, u) {
		return User{}, errNotFound
	}
	return u, nil
}

// GetUserByUsername returns a user the actor may see.
func (s *Service) GetUserByUsername(ctx context.Context, a actor.Actor, username string) (User, error) {
	u, err := s.userByUsername(ctx, s.db, NormalizeUsername(username))
	if err != nil {
		return User{}, err
	}
	if !canViewUser(a, u) {
		return User{}, errNotFound
	}
	return u, nil
}

// ListUsers returns the users the actor may see that match f, ordered by
// display name, and the total number of matches.
func (s *Service) ListUsers(ctx context.Context, a actor.Actor, f UserFilter) ([]User, int, error) {
	if !a.Authenticated() && !a.Privileged() {
		return nil, 0, errNotFound
	}
	var conds []string
	var args []any
	switch {
	case canViewAllUsers(a):
	case a.Has(actor.RoleLead):
		// Leads see themselves and the people they supervise.
		conds = append(conds, "(u.id = ? OR u.supervisor_id = ?)")
		args = append(args, a.UserID, a.UserID)
	default:
		// Like canViewUser: without the lead role a supervisor_id pointing
		// at the actor grants nothing.
		conds = append(conds, "u.id = ?")
		args = append(args, a.UserID)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + strings.ToLower(escapeLike(q)) + "%"
		conds = append(conds, `(lower(u.username) LIKE ? ESCAPE '\' OR lower(u.display_name) LIKE ? ESCAPE '\' OR lower(u.email) LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like)
	}
	if f.OrgUnitID != 0 {
		conds = append(conds, "u.org_unit_id = ?")
		args = append(args, f.OrgUnitID)
	}
	if f.Role != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role_id = ?)")
		args = append(args, f.Role)
	}
	if f.Disabled != nil {
		conds = append(conds, "u.disabled = ?")
		args = append(args, *f.Disabled)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var total int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM users u"+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("identity: count users: %w", err)
	}
	limit := clampLimit(f.Limit)
	users, err := db.Query(ctx, s.db, scanUser, "SELECT "+userColumns+" FROM users u"+where+" ORDER BY u.display_name, u.id LIMIT ? OFFSET ?",
		append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, fmt.Errorf("identity: list users: %w", err)
	}
	if err := s.loadRoles(ctx, s.db, users); err != nil {
		return nil, 0, err
	}
	return users, total, nil
}

func clampLimit(n int) int {
	if n <= 0 {
		return 50
	}
	return min(n, 500)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// UpdateUser changes a user's profile and, with Roles set, their roles in
// one transaction. Administrators may change every field; users may change
// their own display name and language.
func (s *Service) UpdateUser(ctx context.Context, a actor.Actor, id int64, up UserUpdate) (User, error) {
	old, err := s.getUser(ctx, s.db, id)
	if err != nil {
		return User{}, err
	}
	if !canViewUser(a, old) {
		return User{}, errNotFound
	}
	if !canEditProfile(a, old, up) {
		return User{}, errForbidden
	}
	verr := validationError()
	validateProfile(verr, up.DisplayName, up.Email, up.State, up.Language)
	if len(verr.Fields) > 0 {
		return User{}, verr
	}
	var roles []string
	if up.Roles != nil {
		if err := checkRoles(*up.Roles); err != nil {
			return User{}, err
		}
		roles = normalizeRoles(*up.Roles)
	}
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		cur, err := s.getUser(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		var events []audit.Event
		if up.Roles != nil {
			ev, err := applyRoles(ctx, tx, a, cur, roles, now)
			if err != nil {
				return nil, err
			}
			if ev != nil {
				events = append(events, *ev)
			}
		}
		var changed []string
		set := func(field string, differs bool) {
			if differs {
				changed = append(changed, field)
			}
		}
		next := cur
		if up.DisplayName != nil {
			set("display_name", *up.DisplayName != cur.DisplayName)
			next.DisplayName = *up.DisplayName
		}
		if up.Email != nil {
			set("email", *up.Email != cur.Email)
			next.Email = *up.Email
		}
		if up.OrgUnitID != nil {
			set("org_unit_id", *up.OrgUnitID != cur.OrgUnitID)
			next.OrgUnitID = *up.OrgUnitID
		}
		if up.SupervisorID != nil {
			set("supervisor_id", *up.SupervisorID != cur.SupervisorID)
			next.SupervisorID = *up.SupervisorID
		}
		if up.State != nil {
			set("state", *up.State != cur.State)
			next.State = *up.State
		}
		if up.Language != nil {
			set("language", *up.Language != cur.Language)
			next.Language = *up.Language
		}
		if len(changed) == 0 {
			return events, nil
		}
		if err := checkRefs(ctx, tx, orZero(up.OrgUnitID), orZero(up.SupervisorID), id); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET display_name = ?, email = ?, org_unit_id = ?, supervisor_id = ?,
			state = ?, language = ?, updated_at = ? WHERE id = ?`,
			next.DisplayName, next.Email, db.NullID(next.OrgUnitID), db.NullID(next.SupervisorID), next.State, next.Language, db.T(now), id); err != nil {
			return nil, fmt.Errorf("identity: update user: %w", err)
		}
		return append(events, audit.Event{Action: "user.update", ObjectType: "user", ObjectID: itoa(id), Detail: map[string]any{"fields": changed}}), nil
	})
	if err != nil {
		return User{}, err
	}
	return s.getUser(ctx, s.db, id)
}

func orZero(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// SetRoles replaces a user's roles. Administrators may not remove their own
// admin role, so an organisation cannot lock itself out by accident.
func (s *Service) SetRoles(ctx context.Context, a actor.Actor, id int64, roles []string) (User, error) {
	if !canManageUsers(a) {
		return User{}, errNotFound
	}
	return s.UpdateUser(ctx, a, id, UserUpdate{Roles: &roles})
}

// applyRoles replaces the roles of u inside tx and returns the audit event,
// or nil when nothing changed. roles must be checked and normalised.
func applyRoles(ctx context.Context, tx *db.Tx, a actor.Actor, u User, roles []string, now time.Time) (*audit.Event, error) {
	if u.ID == a.UserID && u.Has(actor.RoleAdmin) && !slices.Contains(roles, actor.RoleAdmin) {
		return nil, apperr.Conflictf("cannot_remove_own_admin", "administrators cannot remove their own admin role").WithField("roles", "cannot_remove_own_admin")
	}
	var added, removed []string
	for _, r := range roles {
		if !u.Has(r) {
			added = append(added, r)
		}
	}
	for _, r := range u.Roles {
		if !slices.Contains(roles, r) {
			removed = append(removed, r)
		}
	}
	if len(added)+len(removed) == 0 {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM user_roles WHERE user_id = ?", u.ID); err != nil {
		return nil, fmt.Errorf("identity: clear roles: %w", err)
	}
	if err := insertRoles(ctx, tx, u.ID, roles); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE users SET updated_at = ? WHERE id = ?", db.T(now), u.ID); err != nil {
		return nil, fmt.Errorf("identity: touch user: %w", err)
	}
	if err := enforceMFAPolicy(ctx, tx, "u.id = ?", u.ID); err != nil {
		return nil, err
	}
	return &audit.Event{Action: "user.roles_change", ObjectType: "user", ObjectID: itoa(u.ID),
		Detail: map[string]any{"added": rolesOrEmpty(added), "removed": rolesOrEmpty(removed)}}, nil
}

// SetDisabled disables or re-enables a user. Disabling ends all of the
// user's sessions at once; tokens stop working while the user is disabled.
func (s *Service) SetDisabled(ctx context.Context, a actor.Actor, id int64, disabled bool) (User, error) {
	if !canManageUsers(a) {
		return User{}, errNotFound
	}
	if disabled && id == a.UserID {
		return User{}, apperr.Conflictf("cannot_disable_self", "administrators cannot disable themselves")
	}
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		u, err := s.getUser(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if u.Disabled == disabled {
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?", disabled, db.T(now), id); err != nil {
			return nil, fmt.Errorf("identity: set disabled: %w", err)
		}
		if !disabled {
			return []audit.Event{{Action: "user.enable", ObjectType: "user", ObjectID: itoa(id)}}, nil
		}
		n, err := deleteSessions(ctx, tx, "user_id = ?", id)
		if err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "user.disable", ObjectType: "user", ObjectID: itoa(id), Detail: map[string]any{"sessions_ended": n}}}, nil
	})
	if err != nil {
		return User{}, err
	}
	return s.getUser(ctx, s.db, id)
}

// SetPassword sets a user's password as an administrator (or the CLI). It
// ends the user's sessions.
func (s *Service) SetPassword(ctx context.Context, a actor.Actor, id int64, plain string) error {
	if !canManageUsers(a) {
		return errNotFound
	}
	u, err := s.getUser(ctx, s.db, id)
	if err != nil {
		return err
	}
	if err := password.Validate(plain, s.settings.OrgName, u.Username); err != nil {
		return fieldError(err, "password")
	}
	hash, err := s.hasher.Hash(ctx, plain)
	if err != nil {
		return err
	}
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := storePassword(ctx, tx, id, hash, now); err != nil {
			return nil, err
		}
		n, err := deleteSessions(ctx, tx, "user_id = ?", id)
		if err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "user.password_set", ObjectType: "user", ObjectID: itoa(id), Detail: map[string]any{"sessions_ended": n}}}, nil
	})
}

func storePassword(ctx context.Context, tx *db.Tx, id int64, hash string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?",
		hash, db.T(now), db.T(now), id); err != nil {
		return fmt.Errorf("identity: store password: %w", err)
	}
	return nil
}

// fieldError attaches the code of err (a validation error) to field.
func fieldError(err error, field string) error {
	if e, ok := apperr.As(err); ok && e.Kind == apperr.Invalid {
		return apperr.New(apperr.Invalid, e.Code, e.Message).WithField(field, e.Code)
	}
	return err
}

const userColumns = `u.id, u.username, u.display_name, u.email, u.org_unit_id, u.supervisor_id, u.state, u.language,
	u.disabled, u.totp_enabled, u.created_at, u.updated_at, u.password_hash, u.totp_secret, u.totp_last_step`

func scanUser(row db.Scanner) (User, error) {
	var u User
	var org, sup sql.NullInt64
	var created, updated db.Time
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Email, &org, &sup, &u.State, &u.Language,
		&u.Disabled, &u.TOTPEnabled, &created, &updated, &u.passwordHash, &u.totpSecret, &u.totpLastStep)
	u.OrgUnitID, u.SupervisorID = org.Int64, sup.Int64
	u.CreatedAt, u.UpdatedAt = created.Time, updated.Time
	return u, err
}

func (s *Service) getUser(ctx context.Context, q db.Querier, id int64) (User, error) {
	return s.oneUser(ctx, q, "u.id = ?", id)
}

func (s *Service) userByUsername(ctx context.Context, q db.Querier, username string) (User, error) {
	return s.oneUser(ctx, q, "u.username = ?", username)
}

func (s *Service) oneUser(ctx context.Context, q db.Querier, cond string, arg any) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users u WHERE "+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("identity: get user: %w", err)
	}
	users := []User{u}
	if err := s.loadRoles(ctx, q, users); err != nil {
		return User{}, err
	}
	return users[0], nil
}

// loadRoles fills the Roles of users with one query.
func (s *Service) loadRoles(ctx context.Context, q db.Querier, users []User) error {
	if len(users) == 0 {
		return nil
	}
	idx := make(map[int64]int, len(users))
	ph := make([]string, len(users))
	args := make([]any, len(users))
	for i, u := range users {
		idx[u.ID] = i
		ph[i] = "?"
		args[i] = u.ID
		users[i].Roles = []string{}
	}
	rows, err := q.QueryContext(ctx, "SELECT user_id, role_id FROM user_roles WHERE user_id IN ("+strings.Join(ph, ",")+") ORDER BY role_id", args...)
	if err != nil {
		return fmt.Errorf("identity: load roles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r string
		if err := rows.Scan(&id, &r); err != nil {
			return fmt.Errorf("identity: load roles: %w", err)
		}
		users[idx[id]].Roles = append(users[idx[id]].Roles, r)
	}
	return rows.Err()
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

var (
	errNotFound  = apperr.NotFoundf("not_found", "not found")
	errForbidden = apperr.Forbiddenf("forbidden", "not allowed")
)
