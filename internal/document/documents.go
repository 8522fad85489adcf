package document

import (
	"context"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/civil"
)

// Document states.
const (
	StateDraft  = "draft"  // in Bearbeitung
	StateFinal  = "final"  // schlussgezeichnet: new versions need a change reason
	StateClosed = "closed" // zdA with its file: read only
)

// Document is a record in a file, with the facts of its current version.
type Document struct {
	ID           int64
	FolderID     int64
	Title        string
	TypeID       int64 // 0: none
	Author       string
	DocumentDate *civil.Date
	Fields       map[string]string
	Tags         []string
	State        string
	// CurrentVersion is the newest version's number (0: no content yet);
	// Filename, MIMEType, Size and SHA256 describe it.
	CurrentVersion int
	Filename       string
	MIMEType       string
	Size           int64
	SHA256         string
	// LockedBy is the person who checked the document out (0: nobody).
	LockedBy      int64
	LockedByName  string
	LockExpiresAt *time.Time
	CreatedAt     time.Time
	CreatedBy     int64
	UpdatedAt     time.Time
	// Version counts metadata updates (optimistic concurrency).
	Version int
	// Access is the reader's access to the document's folder.
	Access Access
}

// DocumentFilter selects documents of a folder; zero fields do not filter.
type DocumentFilter struct {
	Tag    string
	State  string
	Limit  int    // 0: 50
	Cursor string // NextCursor of the previous page
}

// DocumentPage is one page of a folder's documents.
type DocumentPage struct {
	Items      []Document
	NextCursor string
}

// ListDocuments returns a page of the documents in folder folderID (read
// access), newest first.
//
// Stub: the documents part replaces it keeping this signature.
func (s *Service) ListDocuments(ctx context.Context, a actor.Actor, folderID int64, f DocumentFilter) (DocumentPage, error) {
	if _, err := s.requireFolder(ctx, s.db, a, folderID, AccessRead); err != nil {
		return DocumentPage{}, err
	}
	return DocumentPage{Items: []Document{}}, nil
}
