// Package rank computes the order keys of cards in a board column, so that
// moving a card writes only that card's row.
//
// # Invariant
//
// A rank is a non-empty string of base-36 digits [0-9a-z] whose last digit
// is not '0'. Ranks are compared byte-wise (SQLite's BINARY collation,
// PostgreSQL's "C" collation on tasks.rank), which equals comparing them as
// base-36 fractions 0.d1d2d3…; within one column they are unique (a unique
// index on (status_id, rank)). Because no rank ends in '0', there is always
// another rank strictly between two different ranks, and before any rank:
// a new position never requires renumbering the column.
//
// Appending to the end (or the top) steps by one unit in the fourth digit,
// so 36⁴ ≈ 1.7 million appends fit in four digits. Inserting between two
// neighbours takes the midpoint, which grows the key by about one digit per
// five inserts into the same gap; Valid reports keys longer than MaxLen so
// that `ortlos doctor` can point at a column worth rebalancing.
package rank

import (
	"errors"
	"strings"
)

const (
	digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	base   = len(digits)
	// step is the digit position (0-based) in which End and Start step.
	step = 3
	// MaxLen is the length above which a rank is reported as worth
	// rebalancing; longer keys still work.
	MaxLen = 64
)

// First is the rank of the first card of an empty column.
const First = "i"

// ErrOrder is returned when a is not before b.
var ErrOrder = errors.New("rank: keys out of order")

// Valid reports whether r satisfies the invariant's form.
func Valid(r string) bool {
	if r == "" || r[len(r)-1] == '0' {
		return false
	}
	for i := 0; i < len(r); i++ {
		if val(r[i]) < 0 {
			return false
		}
	}
	return true
}

func val(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	}
	return -1
}

// Between returns a rank strictly between a and b. An empty a means "before
// everything", an empty b "after everything"; both empty give First. a and
// b must be valid and a < b.
func Between(a, b string) (string, error) {
	if (a != "" && !Valid(a)) || (b != "" && !Valid(b)) {
		return "", errors.New("rank: invalid key")
	}
	if a != "" && b != "" && a >= b {
		return "", ErrOrder
	}
	switch {
	case a == "" && b == "":
		return First, nil
	case b == "":
		if r, ok := add(a, 1); ok {
			return r, nil
		}
	case a == "":
		if r, ok := add(b, -1); ok {
			return r, nil
		}
	}
	return midpoint(a, b), nil
}

// add returns k plus (or minus) one unit in digit position step, without
// trailing zeros; ok is false when the result leaves (0, 1).
func add(k string, sign int) (string, bool) {
	d := make([]int, max(len(k), step+1))
	for i := range k {
		d[i] = val(k[i])
	}
	i := step
	d[i] += sign
	for i > 0 && (d[i] < 0 || d[i] >= base) {
		if d[i] < 0 {
			d[i] += base
			d[i-1]--
		} else {
			d[i] -= base
			d[i-1]++
		}
		i--
	}
	if d[0] < 0 || d[0] >= base {
		return "", false
	}
	var b strings.Builder
	for _, v := range d {
		b.WriteByte(digits[v])
	}
	r := strings.TrimRight(b.String(), "0")
	if r == "" {
		return "", false
	}
	if sign > 0 && r <= k || sign < 0 && r >= k {
		return "", false
	}
	return r, true
}

// midpoint returns a key strictly between a and b ("" = 0 and 1 as
// bounds), without a trailing zero.
func midpoint(a, b string) string {
	if b != "" {
		// Skip the common prefix, reading a as padded with zeros.
		n := 0
		for n < len(b) && digitAt(a, n) == b[n] {
			n++
		}
		if n > 0 {
			return b[:n] + midpoint(suffix(a, n), b[n:])
		}
	}
	da := 0
	if a != "" {
		da = val(a[0])
	}
	db := base
	if b != "" {
		db = val(b[0])
	}
	if db-da > 1 {
		return string(digits[(da+db+1)/2])
	}
	// Adjacent first digits.
	if len(b) > 1 {
		return b[:1]
	}
	return string(digits[da]) + midpoint(suffix(a, 1), "")
}

func digitAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return '0'
}

func suffix(s string, n int) string {
	if n >= len(s) {
		return ""
	}
	return s[n:]
}
