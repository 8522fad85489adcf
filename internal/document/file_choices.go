package document

import (
	"context"
	"fmt"

	"ortlos/internal/actor"
	"ortlos/internal/db"
)

// FileChoice is a file (Akte) a person may add documents to, for pickers
// in other modules ("zu den Akten nehmen" on a task attachment).
type FileChoice struct {
	ID        int64
	Reference string
	Title     string
}

// WritableFiles returns the open files a has write access to, by
// reference.
func (s *Service) WritableFiles(ctx context.Context, a actor.Actor) ([]FileChoice, error) {
	if !a.Authenticated() || !a.CanWrite() {
		return nil, nil
	}
	vis, err := s.visibleFolders(ctx, s.db, a)
	if err != nil || len(vis) == 0 {
		return nil, err
	}
	all, err := db.Query(ctx, s.db, func(r db.Scanner) (FileChoice, error) {
		var c FileChoice
		return c, r.Scan(&c.ID, &c.Reference, &c.Title)
	}, `SELECT id, reference, title FROM doc_folders WHERE kind = 'file' AND state = 'open' AND withdrawn_at IS NULL ORDER BY reference`)
	if err != nil {
		return nil, fmt.Errorf("document: writable files: %w", err)
	}
	out := make([]FileChoice, 0, len(all))
	for _, c := range all {
		if vis[c.ID] >= AccessWrite {
			out = append(out, c)
		}
	}
	return out, nil
}
