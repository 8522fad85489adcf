package db

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// TimeLayout is the fixed-width UTC text form used for instants in SQLite
// (and accepted by PostgreSQL's timestamptz). Fixed width keeps text order
// equal to time order. Precision is microseconds, PostgreSQL's precision.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Time is a UTC instant with microsecond precision that scans from both
// dialects (TEXT in SQLite, timestamptz in PostgreSQL).
type Time struct{ time.Time }

// T wraps t for use as a query argument, truncated to microseconds.
func T(t time.Time) Time { return Time{t.UTC().Truncate(time.Microsecond)} }

// Value implements driver.Valuer.
func (t Time) Value() (driver.Value, error) {
	return t.UTC().Truncate(time.Microsecond).Format(TimeLayout), nil
}

// Scan implements sql.Scanner.
func (t *Time) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		t.Time = v.UTC()
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	default:
		return fmt.Errorf("db: cannot scan %T into Time", src)
	}
}

func (t *Time) parse(s string) error {
	p, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("db: parse time %q: %w", s, err)
	}
	t.Time = p.UTC()
	return nil
}

// NullTime is a Time that may be NULL.
type NullTime struct {
	Time  time.Time
	Valid bool
}

// NT wraps an optional time for use as a query argument.
func NT(t *time.Time) NullTime {
	if t == nil {
		return NullTime{}
	}
	return NullTime{Time: t.UTC().Truncate(time.Microsecond), Valid: true}
}

// Value implements driver.Valuer.
func (n NullTime) Value() (driver.Value, error) {
	if !n.Valid {
		return nil, nil
	}
	return Time{n.Time}.Value()
}

// Scan implements sql.Scanner.
func (n *NullTime) Scan(src any) error {
	if src == nil {
		n.Time, n.Valid = time.Time{}, false
		return nil
	}
	var t Time
	if err := t.Scan(src); err != nil {
		return err
	}
	n.Time, n.Valid = t.Time, true
	return nil
}

// Ptr returns the time or nil.
func (n NullTime) Ptr() *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time
	return &t
}
