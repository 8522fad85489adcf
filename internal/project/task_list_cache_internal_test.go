package project

import (
	"strings"
	"testing"
)

// The page cache stays within its byte budget however large the pages.
func TestTaskListCacheBudget(t *testing.T) {
	c := newTaskListCache(10, 20000)
	page := func(desc int) TaskPage {
		return TaskPage{Items: []Task{{ID: 1, Title: "Antrag", Description: strings.Repeat("x", desc)}}}
	}
	for i := range 8 {
		c.put(taskListKey{project: 1, filter: TaskFilter{Limit: i + 1}}, 1, page(3000))
		if c.bytes > c.maxBytes || len(c.entries) > c.max {
			t.Fatalf("after %d pages: %d bytes in %d entries", i+1, c.bytes, len(c.entries))
		}
	}
	var sum int64
	for _, e := range c.entries {
		sum += e.size
	}
	if sum != c.bytes {
		t.Errorf("bytes %d, entries add up to %d", c.bytes, sum)
	}
	big := taskListKey{project: 2}
	c.put(big, 1, page(6000))
	if _, ok := c.entries[big]; ok {
		t.Error("a page over a quarter of the budget was kept")
	}
	// Replacing an entry does not count it twice.
	key := taskListKey{project: 3}
	c.put(key, 1, page(100))
	before := c.bytes
	c.put(key, 2, page(100))
	if c.bytes != before {
		t.Errorf("replacing an entry: %d bytes, were %d", c.bytes, before)
	}
	if p, ok := c.get(key, 2, RoleViewer); !ok || p.Items[0].Role != RoleViewer {
		t.Errorf("get after replace: %v %+v", ok, p)
	}
}
