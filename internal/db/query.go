package db

import (
	"context"

	"ortlos/internal/civil"
)

// Scanner is a result row: *sql.Row or *sql.Rows.
type Scanner interface {
	Scan(dest ...any) error
}

// Query runs query on q and scans every row with scan. It closes the rows
// and returns the first error of the query, a scan or the iteration.
func Query[T any](ctx context.Context, q Querier, scan func(Scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// NullID is an optional id as a query argument: NULL for 0 (no row has id
// 0), else the id.
func NullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// NullDate is an optional calendar day as a query argument: NULL for nil
// or the zero day, else 'YYYY-MM-DD'.
func NullDate(d *civil.Date) any {
	if d == nil || d.IsZero() {
		return nil
	}
	return d.String()
}
