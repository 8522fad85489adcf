package web

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"

	"ortlos/internal/apperr"
)

// Paging convention of the JSON API (docs/api.md): list operations take
// "limit" and an opaque "cursor" and answer {"items", "next_cursor"}.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// InvalidFilter is the error for a malformed query parameter.
func InvalidFilter(field, msg string) error {
	return apperr.Invalidf("invalid_filter", "%s", msg).WithField(field, "invalid_filter")
}

// ParseLimit reads the "limit" query parameter (DefaultLimit when absent).
func ParseLimit(q url.Values) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, InvalidFilter("limit", "limit must be between 1 and "+strconv.Itoa(MaxLimit))
	}
	return n, nil
}

var errInvalidCursor = apperr.Invalidf("invalid_cursor", "cursor is not one this server handed out").WithField("cursor", "invalid_cursor")

// EncodeCursor returns an opaque cursor for position n of a list kind
// (e.g. "o" for offsets, "s" for audit sequence numbers).
func EncodeCursor(kind string, n int64) *string {
	s := base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.FormatInt(n, 10)))
	return &s
}

// DecodeCursor reads a cursor of kind made by EncodeCursor; "" is the start
// (0). Positions must lie in [0, maxN].
func DecodeCursor(kind, s string, maxN int64) (int64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, errInvalidCursor
	}
	num, ok := strings.CutPrefix(string(b), kind+":")
	if !ok {
		return 0, errInvalidCursor
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > maxN {
		return 0, errInvalidCursor
	}
	return n, nil
}
