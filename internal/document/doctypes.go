package document

// Document types (Schriftstücktypen): a name, custom metadata fields and
// an optional default retention class. Plan administrators manage them;
// every signed-in person reads them. Types are not deleted (documents
// refer to them). Changing a type's fields does not touch the values
// stored with existing documents: the new rules apply to the next change
// of a document's fields.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// Kinds of custom fields.
const (
	FieldText   = "text"
	FieldDate   = "date" // YYYY-MM-DD
	FieldNumber = "number"
)

// Bounds of document types.
const (
	MaxDocTypeNameRunes   = 100
	MaxDocFields          = 50
	MaxDocFieldKeyLen     = 50
	MaxDocFieldLabelRunes = 100
	// MaxDocFieldValueRunes bounds a custom field's value.
	MaxDocFieldValueRunes = 1000
)

// DocField is a custom metadata field of a document type.
type DocField struct {
	Key      string `json:"key"` // [a-z][a-z0-9_]*
	Label    string `json:"label"`
	Kind     string `json:"kind"` // text, date or number
	Required bool   `json:"required"`
}

// DocType is a document type.
type DocType struct {
	ID     int64
	Name   string
	Fields []DocField
	// RetentionClassID is the default class of documents of this type (0:
	// none, the file's class applies).
	RetentionClassID int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// NewDocType is a document type to create.
type NewDocType struct {
	Name             string
	Fields           []DocField
	RetentionClassID int64
}

// DocTypeUpdate changes the fields that are not nil (RetentionClassID 0
// clears the default class).
type DocTypeUpdate struct {
	Name             *string
	Fields           *[]DocField
	RetentionClassID *int64
}

var (
	fpFieldKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	fpNumberRE   = regexp.MustCompile(`^[+-]?[0-9]+([.,][0-9]+)?$`)
)

// ValidateFields checks the custom field values of a document of type t:
// no unknown keys, every required field filled, dates as YYYY-MM-DD,
// numbers as decimal numbers (point or comma), no value longer than
// MaxDocFieldValueRunes. The error is a validation_failed error with one
// entry per bad value, named "fields.<key>", coded doc_field_unknown,
// doc_field_required, doc_field_invalid_date, doc_field_invalid_number or
// doc_field_too_long.
func (t DocType) ValidateFields(values map[string]string) error {
	verr := apperr.Invalidf("validation_failed", "the custom fields of the document type are not valid")
	bad := false
	known := map[string]DocField{}
	for _, f := range t.Fields {
		known[f.Key] = f
	}
	for k := range values {
		if _, ok := known[k]; !ok {
			verr.WithField("fields."+k, "doc_field_unknown")
			bad = true
		}
	}
	for _, f := range t.Fields {
		v := strings.TrimSpace(values[f.Key])
		name := "fields." + f.Key
		switch {
		case v == "":
			if f.Required {
				verr.WithField(name, "doc_field_required")
				bad = true
			}
		case len([]rune(v)) > MaxDocFieldValueRunes:
			verr.WithField(name, "doc_field_too_long")
			bad = true
		case f.Kind == FieldDate:
			if _, err := civil.Parse(v); err != nil {
				verr.WithField(name, "doc_field_invalid_date")
				bad = true
			}
		case f.Kind == FieldNumber:
			if !fpNumberRE.MatchString(v) {
				verr.WithField(name, "doc_field_invalid_number")
				bad = true
			}
		}
	}
	if bad {
		return verr
	}
	return nil
}

// fpCheckDocType validates and normalises a type's name and fields.
func fpCheckDocType(name *string, fields *[]DocField) error {
	if name != nil {
		if err := fpText(name, 1, MaxDocTypeNameRunes, false, "invalid_doc_type_name", "name"); err != nil {
			return err
		}
	}
	if fields == nil {
		return nil
	}
	if len(*fields) > MaxDocFields {
		return fpInvalid("too_many_doc_fields", "fields", "at most %d fields", MaxDocFields)
	}
	seen := map[string]bool{}
	for i := range *fields {
		f := &(*fields)[i]
		f.Key = strings.TrimSpace(f.Key)
		if len(f.Key) > MaxDocFieldKeyLen || !fpFieldKeyRE.MatchString(f.Key) {
			return fpInvalid("invalid_doc_field_key", "fields", "field keys are lower-case letters, digits and _ and start with a letter")
		}
		if seen[f.Key] {
			return fpInvalid("doc_field_key_duplicate", "fields", "the field key %q is used twice", f.Key)
		}
		seen[f.Key] = true
		if err := fpText(&f.Label, 1, MaxDocFieldLabelRunes, false, "invalid_doc_field_label", "fields"); err != nil {
			return err
		}
		switch f.Kind {
		case FieldText, FieldDate, FieldNumber:
		default:
			return fpInvalid("invalid_doc_field_kind", "fields", "field kinds are text, date and number")
		}
	}
	return nil
}

func fpErrDocTypeName() error {
	return apperr.Conflictf("doc_type_name_taken", "another document type has this name").WithField("name", "doc_type_name_taken")
}

func fpScanDocType(sc db.Scanner) (DocType, error) {
	var t DocType
	var fields string
	var rc sql.NullInt64
	var created, updated db.Time
	if err := sc.Scan(&t.ID, &t.Name, &fields, &rc, &created, &updated); err != nil {
		return DocType{}, err
	}
	t.RetentionClassID, t.CreatedAt, t.UpdatedAt = rc.Int64, created.Time, updated.Time
	if err := json.Unmarshal([]byte(fields), &t.Fields); err != nil {
		return DocType{}, fmt.Errorf("document: fields of type %d: %w", t.ID, err)
	}
	if t.Fields == nil {
		t.Fields = []DocField{}
	}
	return t, nil
}

const fpDocTypeColumns = "id, name, fields, retention_class_id, created_at, updated_at"

// fpLoadDocType reads document type id without access checks (errNotFound
// when it does not exist).
func fpLoadDocType(ctx context.Context, q db.Querier, id int64) (DocType, error) {
	t, err := fpScanDocType(q.QueryRowContext(ctx, "SELECT "+fpDocTypeColumns+" FROM doc_types WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return DocType{}, errNotFound
	}
	if err != nil {
		return DocType{}, fmt.Errorf("document: doc type: %w", err)
	}
	return t, nil
}

// ListDocTypes returns the document types by name (every signed-in
// person).
func (s *Service) ListDocTypes(ctx context.Context, a actor.Actor) ([]DocType, error) {
	if !a.Authenticated() && !a.Privileged() {
		return nil, errNotFound
	}
	ts, err := db.Query(ctx, s.db, fpScanDocType, "SELECT "+fpDocTypeColumns+" FROM doc_types ORDER BY name, id")
	if err != nil {
		return nil, fmt.Errorf("document: doc types: %w", err)
	}
	return ts, nil
}

// DocType returns document type id (every signed-in person).
func (s *Service) DocType(ctx context.Context, a actor.Actor, id int64) (DocType, error) {
	if !a.Authenticated() && !a.Privileged() {
		return DocType{}, errNotFound
	}
	return fpLoadDocType(ctx, s.db, id)
}

func fpFieldsJSON(fs []DocField) (string, error) {
	if fs == nil {
		fs = []DocField{}
	}
	b, err := json.Marshal(fs)
	if err != nil {
		return "", fmt.Errorf("document: encode fields: %w", err)
	}
	return string(b), nil
}

func fpFieldKeys(fs []DocField) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Key)
	}
	return out
}

// CreateDocType creates a document type (plan administrators; audit
// doctype.create).
func (s *Service) CreateDocType(ctx context.Context, a actor.Actor, n NewDocType) (DocType, error) {
	if err := requirePlanAdmin(a); err != nil {
		return DocType{}, err
	}
	if err := fpCheckDocType(&n.Name, &n.Fields); err != nil {
		return DocType{}, err
	}
	fields, err := fpFieldsJSON(n.Fields)
	if err != nil {
		return DocType{}, err
	}
	var id int64
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if n.RetentionClassID != 0 {
			if _, err := fpRetentionClass(ctx, tx, n.RetentionClassID); err != nil {
				return nil, err
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO doc_types (name, fields, retention_class_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, n.Name, fields, db.NullID(n.RetentionClassID), db.T(now), db.T(now)).Scan(&id)
		if db.IsUniqueViolation(err) {
			return nil, fpErrDocTypeName()
		}
		if err != nil {
			return nil, fmt.Errorf("document: create doc type: %w", err)
		}
		return []audit.Event{{Action: "doctype.create", ObjectType: "doc_type", ObjectID: fmt.Sprint(id), Detail: map[string]any{
			"name": n.Name, "fields": fpFieldKeys(n.Fields), "retention_class_id": n.RetentionClassID}}}, nil
	})
	if err != nil {
		return DocType{}, err
	}
	return fpLoadDocType(ctx, s.db, id)
}

// UpdateDocType changes document type id (plan administrators; audit
// doctype.update).
func (s *Service) UpdateDocType(ctx context.Context, a actor.Actor, id int64, u DocTypeUpdate) (DocType, error) {
	if err := requirePlanAdmin(a); err != nil {
		return DocType{}, err
	}
	if err := fpCheckDocType(u.Name, u.Fields); err != nil {
		return DocType{}, err
	}
	var out DocType
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		old, err := fpLoadDocType(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		t := old
		if u.Name != nil {
			t.Name = *u.Name
		}
		if u.Fields != nil {
			t.Fields = *u.Fields
		}
		if u.RetentionClassID != nil {
			t.RetentionClassID = *u.RetentionClassID
		}
		out = t
		oldFields, err := fpFieldsJSON(old.Fields)
		if err != nil {
			return nil, err
		}
		fields, err := fpFieldsJSON(t.Fields)
		if err != nil {
			return nil, err
		}
		if t.Name == old.Name && fields == oldFields && t.RetentionClassID == old.RetentionClassID {
			return nil, nil
		}
		if t.RetentionClassID != old.RetentionClassID && t.RetentionClassID != 0 {
			if _, err := fpRetentionClass(ctx, tx, t.RetentionClassID); err != nil {
				return nil, err
			}
		}
		_, err = tx.ExecContext(ctx, "UPDATE doc_types SET name = ?, fields = ?, retention_class_id = ?, updated_at = ? WHERE id = ?",
			t.Name, fields, db.NullID(t.RetentionClassID), db.T(now), id)
		if db.IsUniqueViolation(err) {
			return nil, fpErrDocTypeName()
		}
		if err != nil {
			return nil, fmt.Errorf("document: update doc type: %w", err)
		}
		out.UpdatedAt = db.T(now).Time
		detail := map[string]any{"name": t.Name}
		if t.Name != old.Name {
			detail["name_before"] = old.Name
		}
		if fields != oldFields {
			detail["fields_before"], detail["fields"] = fpFieldKeys(old.Fields), fpFieldKeys(t.Fields)
		}
		if t.RetentionClassID != old.RetentionClassID {
			detail["retention_class_id_before"], detail["retention_class_id"] = old.RetentionClassID, t.RetentionClassID
		}
		return []audit.Event{{Action: "doctype.update", ObjectType: "doc_type", ObjectID: fmt.Sprint(id), Detail: detail}}, nil
	})
	if err != nil {
		return DocType{}, err
	}
	return out, nil
}
