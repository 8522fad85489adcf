package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
)

// OrgUnit is a node of the organisation tree (Verwaltung → Fachbereich →
// Amt → Team).
type OrgUnit struct {
	ID        int64
	ParentID  int64 // 0: root
	Name      string
	Kind      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// OrgUnitInput creates or (with pointer semantics through OrgUnitUpdate)
// changes an org unit.
type OrgUnitInput struct {
	ParentID int64
	Name     string
	Kind     string
}

// OrgUnitUpdate changes the fields that are not nil; ParentID 0 makes the
// unit a root.
type OrgUnitUpdate struct {
	ParentID *int64
	Name     *string
	Kind     *string
}

func validateOrgUnit(name, kind *string) error {
	verr := validationError()
	if name != nil {
		*name = strings.TrimSpace(*name)
		if *name == "" {
			verr.WithField("name", "required")
		} else if utf8.RuneCountInString(*name) > 200 {
			verr.WithField("name", "too_long")
		}
	}
	if kind != nil {
		*kind = strings.TrimSpace(*kind)
		if utf8.RuneCountInString(*kind) > 100 {
			verr.WithField("kind", "too_long")
		}
	}
	if len(verr.Fields) > 0 {
		return verr
	}
	return nil
}

// ListOrgUnits returns the whole tree ordered by name; every logged-in user
// may see the organisation's structure.
func (s *Service) ListOrgUnits(ctx context.Context, a actor.Actor) ([]OrgUnit, error) {
	if !a.Authenticated() && !a.Privileged() {
		return nil, errNotFound
	}
	out, err := db.Query(ctx, s.db, scanOrgUnit, "SELECT "+orgUnitColumns+" FROM org_units ORDER BY name, id")
	if err != nil {
		return nil, fmt.Errorf("identity: list org units: %w", err)
	}
	return out, nil
}

// GetOrgUnit returns one org unit.
func (s *Service) GetOrgUnit(ctx context.Context, a actor.Actor, id int64) (OrgUnit, error) {
	if !a.Authenticated() && !a.Privileged() {
		return OrgUnit{}, errNotFound
	}
	return getOrgUnit(ctx, s.db, id)
}

// CreateOrgUnit adds an org unit.
func (s *Service) CreateOrgUnit(ctx context.Context, a actor.Actor, in OrgUnitInput) (OrgUnit, error) {
	if !canManageUsers(a) {
		return OrgUnit{}, errNotFound
	}
	if err := validateOrgUnit(&in.Name, &in.Kind); err != nil {
		return OrgUnit{}, err
	}
	var id int64
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if in.ParentID != 0 {
			if _, err := getOrgUnit(ctx, tx, in.ParentID); err != nil {
				return nil, apperr.Invalidf("unknown_org_unit", "parent does not exist").WithField("parent_id", "unknown_org_unit")
			}
		}
		if err := tx.QueryRowContext(ctx, "INSERT INTO org_units (parent_id, name, kind, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			db.NullID(in.ParentID), in.Name, in.Kind, db.T(now), db.T(now)).Scan(&id); err != nil {
			return nil, fmt.Errorf("identity: insert org unit: %w", err)
		}
		return []audit.Event{{Action: "org_unit.create", ObjectType: "org_unit", ObjectID: itoa(id),
			Detail: map[string]any{"name": in.Name, "parent_id": in.ParentID}}}, nil
	})
	if err != nil {
		return OrgUnit{}, err
	}
	return getOrgUnit(ctx, s.db, id)
}

// UpdateOrgUnit renames or moves an org unit; a unit cannot move below
// itself.
func (s *Service) UpdateOrgUnit(ctx context.Context, a actor.Actor, id int64, up OrgUnitUpdate) (OrgUnit, error) {
	if !canManageUsers(a) {
		return OrgUnit{}, errNotFound
	}
	if err := validateOrgUnit(up.Name, up.Kind); err != nil {
		return OrgUnit{}, err
	}
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		o, err := getOrgUnit(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		var changed []string
		if up.Name != nil && *up.Name != o.Name {
			o.Name = *up.Name
			changed = append(changed, "name")
		}
		if up.Kind != nil && *up.Kind != o.Kind {
			o.Kind = *up.Kind
			changed = append(changed, "kind")
		}
		if up.ParentID != nil && *up.ParentID != o.ParentID {
			if err := checkNoCycle(ctx, tx, id, *up.ParentID); err != nil {
				return nil, err
			}
			o.ParentID = *up.ParentID
			changed = append(changed, "parent_id")
		}
		if len(changed) == 0 {
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE org_units SET parent_id = ?, name = ?, kind = ?, updated_at = ? WHERE id = ?",
			db.NullID(o.ParentID), o.Name, o.Kind, db.T(now), id); err != nil {
			return nil, fmt.Errorf("identity: update org unit: %w", err)
		}
		return []audit.Event{{Action: "org_unit.update", ObjectType: "org_unit", ObjectID: itoa(id), Detail: map[string]any{"fields": changed}}}, nil
	})
	if err != nil {
		return OrgUnit{}, err
	}
	return getOrgUnit(ctx, s.db, id)
}

// checkNoCycle walks up from newParent and fails if it reaches id.
func checkNoCycle(ctx context.Context, q db.Querier, id, newParent int64) error {
	for p := newParent; p != 0; {
		if p == id {
			return apperr.Invalidf("org_unit_cycle", "an org unit cannot be placed below itself").WithField("parent_id", "org_unit_cycle")
		}
		o, err := getOrgUnit(ctx, q, p)
		if err != nil {
			return apperr.Invalidf("unknown_org_unit", "parent does not exist").WithField("parent_id", "unknown_org_unit")
		}
		p = o.ParentID
	}
	return nil
}

// DeleteOrgUnit removes an empty org unit (no sub-units, no members).
func (s *Service) DeleteOrgUnit(ctx context.Context, a actor.Actor, id int64) error {
	if !canManageUsers(a) {
		return errNotFound
	}
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		o, err := getOrgUnit(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		var children, members int
		if err := tx.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM org_units WHERE parent_id = ?), (SELECT count(*) FROM users WHERE org_unit_id = ?)", id, id).Scan(&children, &members); err != nil {
			return nil, fmt.Errorf("identity: check org unit: %w", err)
		}
		if children+members > 0 {
			return nil, apperr.Conflictf("org_unit_not_empty", "org unit still has sub-units or members")
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM org_units WHERE id = ?", id); err != nil {
			return nil, fmt.Errorf("identity: delete org unit: %w", err)
		}
		return []audit.Event{{Action: "org_unit.delete", ObjectType: "org_unit", ObjectID: itoa(id), Detail: map[string]any{"name": o.Name}}}, nil
	})
}

const orgUnitColumns = "id, parent_id, name, kind, created_at, updated_at"

func scanOrgUnit(row db.Scanner) (OrgUnit, error) {
	var o OrgUnit
	var parent sql.NullInt64
	var c, u db.Time
	err := row.Scan(&o.ID, &parent, &o.Name, &o.Kind, &c, &u)
	o.ParentID, o.CreatedAt, o.UpdatedAt = parent.Int64, c.Time, u.Time
	return o, err
}

func getOrgUnit(ctx context.Context, q db.Querier, id int64) (OrgUnit, error) {
	o, err := scanOrgUnit(q.QueryRowContext(ctx, "SELECT "+orgUnitColumns+" FROM org_units WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return OrgUnit{}, errNotFound
	}
	if err != nil {
		return OrgUnit{}, fmt.Errorf("identity: get org unit: %w", err)
	}
	return o, nil
}
