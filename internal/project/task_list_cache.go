package project

import (
	"context"
	"fmt"
	"sync"
)

// Project task lists are read far more often than they change: a team
// refreshes its list and board many times between two edits. The cache
// keeps recent pages of listProjectTasks together with the project's
// tasks_version at the time they were read. Database triggers (migration
// 0016) raise tasks_version in the same transaction as every change that
// can alter a list: tasks, their assignees and labels, the project's
// columns and labels, the names of assigned people. A page is served from
// memory only while the counter still reads the same value, so a cached
// page is never older than the last committed change, also with several
// instances sharing one database: each instance checks the counter, which
// costs one indexed single-row read instead of the page query.
//
// The version is read before the page, so a page stored under version v
// reflects at least every change up to v; a change committed in between
// raises the counter and the entry is not served again.

// taskListCacheMax bounds the number of cached pages (a page of 50 tasks
// takes roughly 30 KiB) and taskListCacheBytes their estimated size:
// descriptions of up to 20,000 characters and pages of up to 200 tasks
// could otherwise make 512 pages take gigabytes.
const (
	taskListCacheMax   = 512
	taskListCacheBytes = 64 << 20
)

type taskListKey struct {
	project int64
	filter  TaskFilter
}

type taskListEntry struct {
	version int64
	page    TaskPage
	size    int64 // estimated bytes (pageSize)
}

type taskListCache struct {
	mu       sync.Mutex
	max      int
	maxBytes int64
	bytes    int64
	entries  map[taskListKey]taskListEntry
}

func newTaskListCache(max int, maxBytes int64) *taskListCache {
	return &taskListCache{max: max, maxBytes: maxBytes, entries: make(map[taskListKey]taskListEntry)}
}

// pageSize estimates the memory of a cached page: its texts plus a fixed
// share per task, assignee and label.
func pageSize(p TaskPage) int64 {
	n := int64(len(p.NextCursor))
	for _, t := range p.Items {
		n += int64(len(t.Title)+len(t.Description)+len(t.StatusName)+len(t.Rank)) + 400
		for _, a := range t.Assignees {
			n += int64(len(a.Name)) + 32
		}
		for _, l := range t.Labels {
			n += int64(len(l.Name)+len(l.Color)) + 48
		}
	}
	return n
}

// get returns a copy of the page cached for key at version, with role
// set on every item.
func (c *taskListCache) get(key taskListKey, version int64, role Role) (TaskPage, bool) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || e.version != version {
		return TaskPage{}, false
	}
	return e.page.withRole(role), true
}

// put stores a copy of page for key at version. A full cache (by count
// or by estimated bytes) drops arbitrary entries (Go's map order), which
// is as good as LRU for pages that are cheap to rebuild; a page larger
// than a quarter of the byte budget is not kept.
func (c *taskListCache) put(key taskListKey, version int64, page TaskPage) {
	size := pageSize(page)
	if size > c.maxBytes/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		if old.version > version {
			return
		}
		delete(c.entries, key)
		c.bytes -= old.size
	}
	for k, e := range c.entries {
		if len(c.entries) < c.max && c.bytes+size <= c.maxBytes {
			break
		}
		delete(c.entries, k)
		c.bytes -= e.size
	}
	c.entries[key] = taskListEntry{version: version, page: page.withRole(""), size: size}
	c.bytes += size
}

// withRole returns a copy of p whose items carry role. The items'
// assignee and label slices are shared: pages are read-only.
func (p TaskPage) withRole(role Role) TaskPage {
	items := make([]Task, len(p.Items))
	copy(items, p.Items)
	for i := range items {
		items[i].Role = role
	}
	p.Items = items
	return p
}

// tasksVersion reads the change counter of project id.
func (s *Service) tasksVersion(ctx context.Context, id int64) (int64, error) {
	var v int64
	if err := s.db.QueryRowContext(ctx, `SELECT tasks_version FROM projects WHERE id = ?`, id).Scan(&v); err != nil {
		return 0, fmt.Errorf("project: task list version: %w", err)
	}
	return v, nil
}
