package document

import (
	"context"
	"fmt"
	"strconv"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/db"
)

// Access rights in the file plan.
//
// A folder grants read, write or manage access to a role, an org unit
// (members of its sub-units included) or a single person. A person's
// access to a folder is the highest grant that matches them on the folder
// itself or on its ancestors, climbing only while a folder inherits
// (inherit_access): a folder that does not inherit takes only its own
// grants (override) and passes them on to the inheriting folders below.
// Without a matching grant the folder and everything in it answers 404,
// to administrators as well: the contents of files are not the
// administrator's business.
//
// Two roles administer the file plan itself (PlanAdmin): administrators
// and records management (role records). They see every folder's
// structure data (reference, title, owner unit, retention class, state,
// grants), create and arrange folders and set grants; the records role
// also sees the metadata of documents in retention reports and deletion
// proposals. Neither reads a document's content without a grant.

// Access is a level of access to a folder and its documents.
type Access int

// Access levels in ascending order.
const (
	AccessNone   Access = iota
	AccessRead          // see the folder and its documents, download versions
	AccessWrite         // add documents and versions, edit metadata, check out
	AccessManage        // close the file, finalise documents, break locks, set grants
)

// Access names as stored in doc_folder_grants.access and used in the API.
var accessNames = map[string]Access{"read": AccessRead, "write": AccessWrite, "manage": AccessManage}

// String returns the stored name of x ("" for AccessNone).
func (x Access) String() string {
	for n, v := range accessNames {
		if v == x {
			return n
		}
	}
	return ""
}

// ParseAccess reads an access name.
func ParseAccess(s string) (Access, bool) {
	x, ok := accessNames[s]
	return x, ok
}

// Principal kinds of grants.
const (
	PrincipalRole    = "role"
	PrincipalOrgUnit = "org_unit"
	PrincipalUser    = "user"
)

// maxDepth bounds the folder tree and the recursive queries over it.
const maxDepth = 20

var (
	errReadOnlyToken = apperr.Forbiddenf("token_scope", "read-only token")
	// errAccess: the actor sees the folder but the grant is too low.
	errAccess = apperr.Forbiddenf("document_access_required", "your access to this file does not allow this")
	// errPlanAdmin: only administrators and records management arrange
	// the file plan.
	errPlanAdmin = apperr.Forbiddenf("file_plan_admin_required", "only administrators and records management may change the file plan")
)

// PlanAdmin reports whether a administers the file plan (administrators
// and records management).
func PlanAdmin(a actor.Actor) bool {
	return a.IsAdmin() || a.Has(actor.RoleRecords)
}

// principals is what a grant can match for one actor.
type principals struct {
	roles map[string]bool
	user  string
	units map[string]bool // the person's org unit and its ancestors
}

func (p principals) match(kind, principal string) bool {
	switch kind {
	case PrincipalRole:
		return p.roles[principal]
	case PrincipalUser:
		return p.user == principal
	case PrincipalOrgUnit:
		return p.units[principal]
	}
	return false
}

// principalsOf reads what grants can match a: roles, the user id and the
// org unit chain of the person's unit up to the root.
func (s *Service) principalsOf(ctx context.Context, q db.Querier, a actor.Actor) (principals, error) {
	p := principals{roles: map[string]bool{}, user: strconv.FormatInt(a.UserID, 10), units: map[string]bool{}}
	for _, r := range a.Roles {
		p.roles[r] = true
	}
	rows, err := q.QueryContext(ctx, `WITH RECURSIVE chain(id, parent_id, depth) AS (
			SELECT o.id, o.parent_id, 0 FROM users u JOIN org_units o ON o.id = u.org_unit_id WHERE u.id = ?
			UNION ALL
			SELECT o.id, o.parent_id, chain.depth + 1 FROM org_units o JOIN chain ON o.id = chain.parent_id WHERE chain.depth < ?)
		SELECT id FROM chain`, a.UserID, maxDepth)
	if err != nil {
		return p, fmt.Errorf("document: org units: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return p, fmt.Errorf("document: org units: %w", err)
		}
		p.units[strconv.FormatInt(id, 10)] = true
	}
	return p, rows.Err()
}

// folderAccess returns a's access to folder id, or errNotFound when a has
// none (or the folder does not exist).
func (s *Service) folderAccess(ctx context.Context, q db.Querier, a actor.Actor, id int64) (Access, error) {
	if !a.Authenticated() {
		return AccessNone, errNotFound
	}
	p, err := s.principalsOf(ctx, q, a)
	if err != nil {
		return AccessNone, err
	}
	rows, err := q.QueryContext(ctx, `WITH RECURSIVE path(id, parent_id, inherit, depth) AS (
			SELECT id, parent_id, inherit_access, 0 FROM doc_folders WHERE id = ?
			UNION ALL
			SELECT f.id, f.parent_id, f.inherit_access, path.depth + 1 FROM doc_folders f JOIN path ON f.id = path.parent_id
			WHERE path.inherit AND path.depth < ?)
		SELECT g.principal_kind, g.principal, g.access FROM path JOIN doc_folder_grants g ON g.folder_id = path.id`, id, maxDepth)
	if err != nil {
		return AccessNone, fmt.Errorf("document: folder access: %w", err)
	}
	defer rows.Close()
	best := AccessNone
	for rows.Next() {
		var kind, principal, access string
		if err := rows.Scan(&kind, &principal, &access); err != nil {
			return AccessNone, fmt.Errorf("document: folder access: %w", err)
		}
		if x := accessNames[access]; x > best && p.match(kind, principal) {
			best = x
		}
	}
	if err := rows.Err(); err != nil {
		return AccessNone, fmt.Errorf("document: folder access: %w", err)
	}
	if best == AccessNone {
		return AccessNone, errNotFound
	}
	return best, nil
}

// requireFolder returns a's access to folder id when it is at least min:
// 404 when a has no access, 403 document_access_required when it is too
// low, 403 token_scope when a change (min above read) comes with a
// read-only token.
func (s *Service) requireFolder(ctx context.Context, q db.Querier, a actor.Actor, id int64, min Access) (Access, error) {
	x, err := s.folderAccess(ctx, q, a, id)
	if err != nil {
		return AccessNone, err
	}
	if x < min {
		return AccessNone, errAccess
	}
	if min > AccessRead && !a.CanWrite() {
		return AccessNone, errReadOnlyToken
	}
	return x, nil
}

// visibleFolders returns a's access to every folder a sees, computed in
// one pass over the tree (for listings and search filters).
func (s *Service) visibleFolders(ctx context.Context, q db.Querier, a actor.Actor) (map[int64]Access, error) {
	if !a.Authenticated() {
		return map[int64]Access{}, nil
	}
	p, err := s.principalsOf(ctx, q, a)
	if err != nil {
		return nil, err
	}
	type node struct {
		parent  int64
		inherit bool
		own     Access
	}
	nodes := map[int64]*node{}
	rows, err := q.QueryContext(ctx, `SELECT f.id, f.parent_id, f.inherit_access, g.principal_kind, g.principal, g.access
		FROM doc_folders f LEFT JOIN doc_folder_grants g ON g.folder_id = f.id`)
	if err != nil {
		return nil, fmt.Errorf("document: visible folders: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var parent *int64
		var inherit bool
		var kind, principal, access *string
		if err := rows.Scan(&id, &parent, &inherit, &kind, &principal, &access); err != nil {
			return nil, fmt.Errorf("document: visible folders: %w", err)
		}
		n := nodes[id]
		if n == nil {
			n = &node{inherit: inherit}
			if parent != nil {
				n.parent = *parent
			}
			nodes[id] = n
		}
		if kind != nil && p.match(*kind, *principal) {
			n.own = max(n.own, accessNames[*access])
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("document: visible folders: %w", err)
	}
	out := make(map[int64]Access, len(nodes))
	for id, n := range nodes {
		best := n.own
		for cur, depth := n, 0; cur.inherit && cur.parent != 0 && depth < maxDepth; depth++ {
			up := nodes[cur.parent]
			if up == nil {
				break
			}
			best = max(best, up.own)
			cur = up
		}
		if best > AccessNone {
			out[id] = best
		}
	}
	return out, nil
}
