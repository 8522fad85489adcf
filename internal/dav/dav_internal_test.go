package dav

import (
	"slices"
	"testing"
	"time"
)

func TestAncestors(t *testing.T) {
	if got := ancestors("/a/b/c.txt"); !slices.Equal(got, []string{"/a/b/c.txt", "/a/b", "/a", "/"}) {
		t.Fatal(got)
	}
	if got := ancestors(""); !slices.Equal(got, []string{"/"}) {
		t.Fatal(got)
	}
}

func TestSatisfied(t *testing.T) {
	ex := lockRow{token: "e", userID: 1}
	sh1 := lockRow{token: "s1", userID: 1, shared: true}
	sh2 := lockRow{token: "s2", userID: 2, shared: true}
	for _, c := range []struct {
		ls    []lockRow
		given []string
		user  int64
		want  bool
	}{
		{nil, nil, 1, true},
		{[]lockRow{ex}, nil, 1, false},
		{[]lockRow{ex}, []string{"e"}, 1, true},
		{[]lockRow{ex}, []string{"e"}, 2, false}, // another person's token
		{[]lockRow{sh1, sh2}, []string{"s1"}, 1, true},
		{[]lockRow{sh1, sh2}, []string{"s2"}, 1, false},
		{[]lockRow{sh1, ex}, []string{"s1"}, 1, false},
	} {
		g := map[string]bool{}
		for _, x := range c.given {
			g[x] = true
		}
		if got := satisfied(c.ls, g, c.user); got != c.want {
			t.Errorf("satisfied(%v, %v, %d) = %v", c.ls, c.given, c.user, got)
		}
	}
}

func TestParseTimeout(t *testing.T) {
	for in, want := range map[string]time.Duration{"": -1, "Infinite": -1, "Second-600": 600 * time.Second,
		"Second-60, Infinite": time.Minute, "Second-x": -1} {
		if got := parseTimeout(in); got != want {
			t.Errorf("parseTimeout(%q) = %v", in, got)
		}
	}
}

func TestStatusFor(t *testing.T) {
	if statusFor(nil, 404) != 404 {
		t.Fatal("nil error")
	}
}
