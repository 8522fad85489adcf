package absence

// Administration of absence types: HR and administrators add types and
// change their names, flags, order and active state. A type is never
// deleted; deactivating it keeps old absences readable (Types returns
// inactive types too) while activeType refuses new requests of it.
//
// Whether approved days credit the working-time target (credits_target)
// cannot change once absences of the type exist: the flexitime figures of
// closed months were computed with the old rule and would silently change
// their meaning (409 absence_type_in_use). The other flags may change;
// they act on future requests (needs_approval) and on what viewers see
// from now on (health_data). See docs/absence-admin.md.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
)

// Bounds of a type.
const (
	// MaxTypeNameRunes bounds the names of a type.
	MaxTypeNameRunes = 100
	// MaxTypeSort bounds the sort key of a type.
	MaxTypeSort = 100000
)

// typeIDRE is the form of a type's code: lowercase, digits and
// underscores, 2 to 40 characters, starting with a letter.
var typeIDRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

// NewType is a new absence type.
type NewType struct {
	ID            string
	NameDE        string
	NameEN        string
	NeedsApproval bool
	CreditsTarget bool
	HealthData    bool
	// Active: new types are active unless Inactive is set.
	Inactive bool
	Sort     int
}

// TypeUpdate changes a type; nil fields stay as they are.
type TypeUpdate struct {
	NameDE        *string
	NameEN        *string
	NeedsApproval *bool
	CreditsTarget *bool
	HealthData    *bool
	Active        *bool
	Sort          *int
}

// CanManageTypes reports whether a may add and change absence types: HR
// and administrators.
func CanManageTypes(a actor.Actor) bool { return isHR(a) }

// canManageTypes is CanManageTypes as an error: 404 for everyone else,
// 403 for a read-only token.
func canManageTypes(a actor.Actor) error {
	if !CanManageTypes(a) {
		return errNotFound
	}
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	return nil
}

func checkTypeName(name *string, field string) error {
	*name = strings.TrimSpace(*name)
	if n := utf8.RuneCountInString(*name); n == 0 || n > MaxTypeNameRunes {
		return apperr.Invalidf("invalid_absence_type_name", "the name must have 1 to %d characters", MaxTypeNameRunes).WithField(field, "invalid_absence_type_name")
	}
	return nil
}

func checkTypeSort(sort int) error {
	if sort < 0 || sort > MaxTypeSort {
		return apperr.Invalidf("invalid_absence_type_sort", "the sort key must be 0 to %d", MaxTypeSort).WithField("sort", "invalid_absence_type_sort")
	}
	return nil
}

// CreateType adds an absence type (audit absence_type.create).
func (s *Service) CreateType(ctx context.Context, a actor.Actor, n NewType) (Type, error) {
	if err := canManageTypes(a); err != nil {
		return Type{}, err
	}
	n.ID = strings.TrimSpace(n.ID)
	if !typeIDRE.MatchString(n.ID) || n.ID == TypeAbsent {
		return Type{}, apperr.Invalidf("invalid_absence_type_id", "the code must be 2 to 40 lowercase letters, digits or underscores, starting with a letter").WithField("id", "invalid_absence_type_id")
	}
	if err := checkTypeName(&n.NameDE, "name_de"); err != nil {
		return Type{}, err
	}
	if err := checkTypeName(&n.NameEN, "name_en"); err != nil {
		return Type{}, err
	}
	if err := checkTypeSort(n.Sort); err != nil {
		return Type{}, err
	}
	t := Type{ID: n.ID, NameDE: n.NameDE, NameEN: n.NameEN, NeedsApproval: n.NeedsApproval, CreditsTarget: n.CreditsTarget,
		HealthData: n.HealthData, Active: !n.Inactive, Sort: n.Sort}
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.typeByID(ctx, tx, t.ID); err == nil {
			return nil, errTypeExists()
		} else if !errors.Is(err, errNotFound) {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO absence_types (id, name_de, name_en, needs_approval, credits_target, health_data, active, sort)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, t.NameDE, t.NameEN, t.NeedsApproval, t.CreditsTarget, t.HealthData, t.Active, t.Sort); err != nil {
			if db.IsUniqueViolation(err) { // a concurrent insert of the same code
				return nil, errTypeExists()
			}
			return nil, fmt.Errorf("absence: create type: %w", err)
		}
		return []audit.Event{{Action: "absence_type.create", ObjectType: "absence_type", ObjectID: t.ID, Detail: map[string]any{
			"after": typeFields(t, nil)}}}, nil
	})
	if err != nil {
		return Type{}, err
	}
	return t, nil
}

// UpdateType changes the type id (audit absence_type.update with the
// changed fields before and after; a change that changes nothing writes
// nothing). credits_target cannot change while absences of the type exist
// (409 absence_type_in_use).
func (s *Service) UpdateType(ctx context.Context, a actor.Actor, id string, u TypeUpdate) (Type, error) {
	if err := canManageTypes(a); err != nil {
		return Type{}, err
	}
	if u.NameDE != nil {
		if err := checkTypeName(u.NameDE, "name_de"); err != nil {
			return Type{}, err
		}
	}
	if u.NameEN != nil {
		if err := checkTypeName(u.NameEN, "name_en"); err != nil {
			return Type{}, err
		}
	}
	if u.Sort != nil {
		if err := checkTypeSort(*u.Sort); err != nil {
			return Type{}, err
		}
	}
	var out Type
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		old, err := s.typeByID(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		t := old
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		setB := func(dst *bool, v *bool) {
			if v != nil {
				*dst = *v
			}
		}
		set(&t.NameDE, u.NameDE)
		set(&t.NameEN, u.NameEN)
		setB(&t.NeedsApproval, u.NeedsApproval)
		setB(&t.CreditsTarget, u.CreditsTarget)
		setB(&t.HealthData, u.HealthData)
		setB(&t.Active, u.Active)
		if u.Sort != nil {
			t.Sort = *u.Sort
		}
		out = t
		if t == old {
			return nil, nil
		}
		if t.CreditsTarget != old.CreditsTarget {
			var used bool
			if err := tx.QueryRowContext(ctx, "SELECT count(*) > 0 FROM absences WHERE type_id = ?", id).Scan(&used); err != nil {
				return nil, fmt.Errorf("absence: type in use: %w", err)
			}
			if used {
				return nil, apperr.Conflictf("absence_type_in_use", "absences of this type exist; whether it credits the target cannot change").WithField("credits_target", "absence_type_in_use")
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE absence_types SET name_de = ?, name_en = ?, needs_approval = ?, credits_target = ?,
			health_data = ?, active = ?, sort = ? WHERE id = ?`,
			t.NameDE, t.NameEN, t.NeedsApproval, t.CreditsTarget, t.HealthData, t.Active, t.Sort, id); err != nil {
			return nil, fmt.Errorf("absence: update type: %w", err)
		}
		return []audit.Event{{Action: "absence_type.update", ObjectType: "absence_type", ObjectID: id, Detail: map[string]any{
			"before": typeFields(old, &t), "after": typeFields(t, &old)}}}, nil
	})
	if err != nil {
		return Type{}, err
	}
	return out, nil
}

func errTypeExists() error {
	return apperr.Conflictf("absence_type_exists", "an absence type with this code exists").WithField("id", "absence_type_exists")
}

// typeByID returns the type id (inactive ones too), or errNotFound.
func (s *Service) typeByID(ctx context.Context, q db.Querier, id string) (Type, error) {
	var t Type
	err := q.QueryRowContext(ctx, "SELECT id, name_de, name_en, needs_approval, credits_target, health_data, active, sort FROM absence_types WHERE id = ?", id).
		Scan(&t.ID, &t.NameDE, &t.NameEN, &t.NeedsApproval, &t.CreditsTarget, &t.HealthData, &t.Active, &t.Sort)
	if errors.Is(err, sql.ErrNoRows) {
		return Type{}, errNotFound
	}
	if err != nil {
		return Type{}, fmt.Errorf("absence: get type: %w", err)
	}
	return t, nil
}

// GetType returns the type id (inactive ones too) to HR and
// administrators; 404 for everyone else (they read Types).
func (s *Service) GetType(ctx context.Context, a actor.Actor, id string) (Type, error) {
	if !CanManageTypes(a) {
		return Type{}, errNotFound
	}
	return s.typeByID(ctx, s.db, id)
}

// typeFields returns the audited fields of t: all of them, or, given the
// other version, only those that differ from it.
func typeFields(t Type, other *Type) map[string]any {
	all := map[string]any{"name_de": t.NameDE, "name_en": t.NameEN, "needs_approval": t.NeedsApproval, "credits_target": t.CreditsTarget,
		"health_data": t.HealthData, "active": t.Active, "sort": t.Sort}
	if other == nil {
		return all
	}
	o := typeFields(*other, nil)
	for k, v := range all {
		if o[k] == v {
			delete(all, k)
		}
	}
	return all
}
