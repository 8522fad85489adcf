package rank

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestBetween(t *testing.T) {
	tests := []struct{ a, b, want string }{
		{"", "", "i"},
		{"i", "", "i001"},
		{"", "i", "hzzz"},
		{"i00z", "", "i01"},
		{"1", "2", "1i"},
		{"1", "3", "2"},
		{"1", "101", "100i"},
		{"hzzz", "i", "hzzzi"},
		{"zzzz", "", "zzzzi"},
		{"", "0001", "0000i"},
		{"a", "a1", "a0i"},
	}
	for _, tt := range tests {
		got, err := Between(tt.a, tt.b)
		if err != nil || got != tt.want {
			t.Errorf("Between(%q, %q) = %q, %v; want %q", tt.a, tt.b, got, err, tt.want)
			continue
		}
		if !Valid(got) || (tt.a != "" && got <= tt.a) || (tt.b != "" && got >= tt.b) {
			t.Errorf("Between(%q, %q) = %q is not strictly between or invalid", tt.a, tt.b, got)
		}
	}
	for _, bad := range [][2]string{{"b", "a"}, {"a", "a"}, {"a0", ""}, {"", "A"}, {"a-", "b"}} {
		if _, err := Between(bad[0], bad[1]); err == nil {
			t.Errorf("Between(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

func TestValid(t *testing.T) {
	for r, want := range map[string]bool{"i": true, "0i": true, "": false, "i0": false, "I": false, "i-": false, "zz": true} {
		if got := Valid(r); got != want {
			t.Errorf("Valid(%q) = %v, want %v", r, got, want)
		}
	}
}

// TestAppendsStayShort: a column filled by appending (the usual case)
// keeps four-digit keys.
func TestAppendsStayShort(t *testing.T) {
	last := ""
	for i := range 100000 {
		r, err := Between(last, "")
		if err != nil || r <= last || len(r) > 4 {
			t.Fatalf("append %d after %q = %q, %v", i, last, r, err)
		}
		last = r
	}
	first := ""
	for i := range 10000 {
		r, err := Between("", first)
		if err != nil || (first != "" && r >= first) || len(r) > 4 {
			t.Fatalf("prepend %d before %q = %q, %v", i, first, r, err)
		}
		first = r
	}
}

// TestRandomMoves simulates a board: cards inserted at random positions
// stay valid, unique and in the intended order.
func TestRandomMoves(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var col []string
	maxLen := 0
	for i := range 20000 {
		pos := rng.IntN(len(col) + 1)
		var a, b string
		if pos > 0 {
			a = col[pos-1]
		}
		if pos < len(col) {
			b = col[pos]
		}
		r, err := Between(a, b)
		if err != nil {
			t.Fatalf("move %d: Between(%q, %q): %v", i, a, b, err)
		}
		if !Valid(r) || (a != "" && r <= a) || (b != "" && r >= b) {
			t.Fatalf("move %d: Between(%q, %q) = %q", i, a, b, r)
		}
		col = slices.Insert(col, pos, r)
		maxLen = max(maxLen, len(r))
		// Sometimes remove a card (it moved to another column).
		if len(col) > 10 && rng.IntN(3) == 0 {
			j := rng.IntN(len(col))
			col = slices.Delete(col, j, j+1)
		}
	}
	if !slices.IsSorted(col) {
		t.Fatal("column out of order")
	}
	if maxLen > 24 {
		t.Errorf("longest key %d digits after random moves; want short keys", maxLen)
	}
}

// TestRepeatedInsertIntoOneGap: the worst case grows by about a digit per
// five inserts and stays correct.
func TestRepeatedInsertIntoOneGap(t *testing.T) {
	a, b := "i", "j"
	for i := range 1000 {
		r, err := Between(a, b)
		if err != nil || r <= a || r >= b || !Valid(r) {
			t.Fatalf("insert %d between %q and %q = %q, %v", i, a, b, r, err)
		}
		b = r
	}
	if len(b) > 1000/4 {
		t.Errorf("key length %d after 1000 inserts into one gap", len(b))
	}
}

func BenchmarkBetween(b *testing.B) {
	for b.Loop() {
		_, _ = Between("hzzzi", "i001")
	}
}
