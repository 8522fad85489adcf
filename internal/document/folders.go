package document

// The file plan (Aktenplan): a tree of plan positions (kind plan,
// Aktenplanposition) and files (kind file, Akte) below them.
//
// Rules of the tree:
//   - The top level holds plan positions only; a file always lies below a
//     plan position (or below another file, as a sub-file: Teilakte or
//     Vorgang). A file never holds plan positions.
//   - A folder stays under the parent it was created under (no
//     re-parenting: moving a folder would silently change who sees it and
//     which retention class applies) and keeps its kind.
//   - Nothing is created in, and nothing but the grants changes of, a
//     closed folder.
//
// The reference (Aktenzeichen) is unique. A file created without one gets
// "<parent reference>-<n>": n is the lowest number from (number of the
// parent's sub-folders + 1) upwards that gives a reference not yet taken,
// e.g. the third file below "32.10" is "32.10-3", a sub-file of it
// "32.10-3-1". Plan positions need an explicit reference.
//
// Who does what: the plan administrators (PlanAdmin: administrators and
// records management) create and edit every folder and set every grant; a
// person with manage access to a folder creates files below it, edits the
// title and description of a file and sets the folder's grants; everyone
// else reads what their grants show them. Retention classes and the
// references of existing folders are the plan administrators' business.
//
// Closing a file (zdA, zu den Akten) closes it, its sub-files and every
// document in them in one transaction and releases check-outs. A closed
// file is never reopened: the retention period counts from its closing,
// and reopening would let a record change after it was counted. Only its
// grants can still change: who may read a closed file is administration,
// not part of the record (staff changes over a retention period of many
// years).

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/db"
)

// Folder kinds and states as stored in doc_folders.
const (
	FolderPlan   = "plan" // Aktenplanposition
	FolderFile   = "file" // Akte
	FolderOpen   = "open"
	FolderClosed = "closed" // zdA
)

// Bounds of a folder's fields.
const (
	MaxFolderReferenceRunes   = 100
	MaxFolderTitleRunes       = 200
	MaxFolderDescriptionRunes = 4000
	// MaxFolderGrants bounds the grant list of one folder.
	MaxFolderGrants = 200
)

// Folder is a plan position or file as one reader sees it.
type Folder struct {
	ID            int64
	ParentID      int64 // 0: top level
	Kind          string
	Reference     string // Aktenzeichen
	Title         string
	Description   string
	OwnerUnitID   int64 // 0: none
	OwnerUnitName string
	// RetentionClassID is the folder's own class; 0 inherits the parent's
	// (see FolderDetail.Retention for the effective one).
	RetentionClassID int64
	InheritAccess    bool
	State            string
	ClosedAt         *time.Time
	ClosedBy         int64
	CreatedAt        time.Time
	CreatedBy        int64
	UpdatedAt        time.Time
	// Version counts changes (optimistic concurrency).
	Version int
	// Access is the reader's access (AccessNone: a plan administrator who
	// sees the structure only).
	Access Access
	// Depth is the level in the tree as listed by ListFolders (0: a root of
	// the listing).
	Depth int
}

// Closed reports whether the folder is closed (zdA).
func (f Folder) Closed() bool { return f.State == FolderClosed }

// FolderRetention is the retention class that applies to a folder: its
// own or the nearest ancestor's.
type FolderRetention struct {
	ClassID int64
	Code    string
	Name    string
	Years   int
	Trigger string // file_closed or document_date
	// FromFolderID is the folder that sets the class (the folder itself
	// when it is not inherited).
	FromFolderID int64
}

// Inherited reports whether the class comes from an ancestor of folder id.
func (r FolderRetention) Inherited(id int64) bool { return r.FromFolderID != id }

// Grant is an entry of a folder's access list.
type Grant struct {
	Kind      string // PrincipalRole, PrincipalOrgUnit or PrincipalUser
	Principal string // role id, org unit id or user id
	Access    Access
	// Name describes the principal: the role id, the org unit's name, the
	// person's display name (empty when the principal no longer exists).
	Name string
}

// FolderRights says what the reader may do with a folder.
type FolderRights struct {
	// Structure: the reader sees the folder only as a plan administrator,
	// without access to its documents.
	Structure  bool
	CreatePlan bool // create plan positions below it
	CreateFile bool // create files below it
	Edit       bool // change fields (EditAll: every field)
	EditAll    bool
	Close      bool
	Grants     bool // see and set grants
}

// FolderDetail is a folder with its surroundings.
type FolderDetail struct {
	Folder
	// Path lists the ancestors from the top down, as far as the reader
	// sees them.
	Path []Folder
	// Children lists the sub-folders the reader sees, by reference.
	Children []Folder
	// Grants is the access list (nil unless Rights.Grants).
	Grants []Grant
	// Retention is the effective retention class (nil: none set on the
	// path).
	Retention *FolderRetention
	Rights    FolderRights
}

// NewFolder is a folder to create.
type NewFolder struct {
	ParentID int64
	Kind     string
	// Reference may be empty for files (generated).
	Reference   string
	Title       string
	Description string
	// OwnerUnitID 0 takes the parent's owner unit.
	OwnerUnitID int64
	// RetentionClassID 0 inherits (plan administrators only).
	RetentionClassID int64
	// InheritAccess nil inherits (true).
	InheritAccess *bool
}

// FolderUpdate changes the fields that are not nil. RetentionClassID 0
// and OwnerUnitID 0 clear them. Version is the version the change is
// based on.
type FolderUpdate struct {
	Version          int
	Reference        *string
	Title            *string
	Description      *string
	OwnerUnitID      *int64
	RetentionClassID *int64
	InheritAccess    *bool
}

// OrgUnitRef names an org unit for the grant forms.
type OrgUnitRef struct {
	ID       int64
	ParentID int64
	Name     string
}

var (
	fpErrClosed = apperr.Conflictf("folder_closed", "the file is closed (zdA); it cannot be changed")
	// fpErrRetentionShortened: the change would shorten the retention of
	// existing records.
	fpErrRetentionShortened = apperr.Conflictf("retention_shortened", "the retention period of existing records cannot be shortened")
)

func fpInvalid(code, field, format string, args ...any) error {
	return apperr.Invalidf(code, format, args...).WithField(field, code)
}

func fpErrStale(current int) error {
	return apperr.Conflictf("folder_stale", "the folder was changed meanwhile (version %d); reload and try again", current).
		WithField("version", "folder_stale")
}

func fpErrReferenceTaken() error {
	return apperr.Conflictf("folder_reference_taken", "another folder has this reference").WithField("reference", "folder_reference_taken")
}

// fpText trims *s and checks its length in runes; control characters
// other than line breaks and tabs (in multi-line texts) are refused.
func fpText(s *string, min, max int, multiline bool, code, field string) error {
	*s = strings.TrimSpace(*s)
	if n := utf8.RuneCountInString(*s); n < min || n > max {
		return fpInvalid(code, field, "%s must have %d to %d characters", field, min, max)
	}
	for _, r := range *s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return fpInvalid(code, field, "%s contains control characters", field)
		}
	}
	return nil
}

func fpCheckReference(ref *string) error {
	return fpText(ref, 1, MaxFolderReferenceRunes, false, "invalid_folder_reference", "reference")
}

func fpCheckTitle(title *string) error {
	return fpText(title, 1, MaxFolderTitleRunes, false, "invalid_folder_title", "title")
}

func fpCheckDescription(d *string) error {
	return fpText(d, 0, MaxFolderDescriptionRunes, true, "invalid_folder_description", "description")
}

const fpFolderColumns = `f.id, f.parent_id, f.kind, f.reference, f.title, f.description, f.owner_unit_id, coalesce(o.name, ''),
	f.retention_class_id, f.inherit_access, f.state, f.closed_at, f.closed_by, f.created_at, f.created_by, f.updated_at, f.version`

const fpFolderFrom = ` FROM doc_folders f LEFT JOIN org_units o ON o.id = f.owner_unit_id`

func fpScanFolder(sc db.Scanner) (Folder, error) {
	var f Folder
	var parent, owner, rc, closedBy, createdBy sql.NullInt64
	var closedAt db.NullTime
	var created, updated db.Time
	if err := sc.Scan(&f.ID, &parent, &f.Kind, &f.Reference, &f.Title, &f.Description, &owner, &f.OwnerUnitName, &rc,
		&f.InheritAccess, &f.State, &closedAt, &closedBy, &created, &createdBy, &updated, &f.Version); err != nil {
		return Folder{}, err
	}
	f.ParentID, f.OwnerUnitID, f.RetentionClassID = parent.Int64, owner.Int64, rc.Int64
	f.ClosedAt, f.ClosedBy, f.CreatedBy = closedAt.Ptr(), closedBy.Int64, createdBy.Int64
	f.CreatedAt, f.UpdatedAt = created.Time, updated.Time
	return f, nil
}

// fpLoadFolder reads folder id without access checks (errNotFound when it
// does not exist or was withdrawn through WebDAV).
func fpLoadFolder(ctx context.Context, q db.Querier, id int64) (Folder, error) {
	f, err := fpScanFolder(q.QueryRowContext(ctx, "SELECT "+fpFolderColumns+fpFolderFrom+" WHERE f.id = ? AND f.withdrawn_at IS NULL", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Folder{}, errNotFound
	}
	if err != nil {
		return Folder{}, fmt.Errorf("document: folder: %w", err)
	}
	return f, nil
}

// fpFolderFor reads folder id for a with a's access: plan administrators see
// every folder (Access may be AccessNone), everyone else only those they
// have a grant for (errNotFound otherwise).
func (s *Service) fpFolderFor(ctx context.Context, q db.Querier, a actor.Actor, id int64) (Folder, error) {
	if !a.Authenticated() && !a.Privileged() {
		return Folder{}, errNotFound
	}
	x, err := s.folderAccess(ctx, q, a, id)
	if err != nil && (!errors.Is(err, errNotFound) || !PlanAdmin(a)) {
		return Folder{}, err
	}
	f, err := fpLoadFolder(ctx, q, id)
	if err != nil {
		return Folder{}, err
	}
	f.Access = x
	return f, nil
}

// fpRefCompare orders references naturally: digit runs compare as numbers, so
// "32.9" comes before "32.10".
func fpRefCompare(a, b string) int {
	for a != "" && b != "" {
		da, dbs := fpLeadingDigits(a), fpLeadingDigits(b)
		if da != "" && dbs != "" {
			na, nb := strings.TrimLeft(da, "0"), strings.TrimLeft(dbs, "0")
			if c := cmp.Compare(len(na), len(nb)); c != 0 {
				return c
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[len(da):], b[len(dbs):]
			continue
		}
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if c := cmp.Compare(unicode.ToLower(ra), unicode.ToLower(rb)); c != 0 {
			return c
		}
		a, b = a[sa:], b[sb:]
	}
	return cmp.Compare(len(a), len(b))
}

func fpLeadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

func fpSortFolders(fs []Folder) {
	slices.SortFunc(fs, func(x, y Folder) int {
		if c := fpRefCompare(x.Reference, y.Reference); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
}

// ListFolders returns the file plan as a sees it, in tree order
// (depth-first, siblings by reference) with Depth set: the folders a has
// a grant for, and for plan administrators every folder (structure data;
// Access tells which ones they may open). A folder whose parent a does
// not see appears at depth 0.
func (s *Service) ListFolders(ctx context.Context, a actor.Actor) ([]Folder, error) {
	if !a.Authenticated() {
		return nil, nil
	}
	vis, err := s.visibleFolders(ctx, s.db, a)
	if err != nil {
		return nil, err
	}
	admin := PlanAdmin(a)
	if len(vis) == 0 && !admin {
		return nil, nil
	}
	all, err := db.Query(ctx, s.db, fpScanFolder, "SELECT "+fpFolderColumns+fpFolderFrom+" WHERE f.withdrawn_at IS NULL")
	if err != nil {
		return nil, fmt.Errorf("document: list folders: %w", err)
	}
	kept := map[int64]bool{}
	byParent := map[int64][]Folder{}
	for _, f := range all {
		x, ok := vis[f.ID]
		if !ok && !admin {
			continue
		}
		f.Access = x
		kept[f.ID] = true
		byParent[f.ParentID] = append(byParent[f.ParentID], f)
	}
	var roots []Folder
	for parent, kids := range byParent {
		if parent == 0 || !kept[parent] {
			roots = append(roots, kids...)
		}
	}
	fpSortFolders(roots)
	out := make([]Folder, 0, len(kept))
	var walk func(fs []Folder, depth int)
	walk = func(fs []Folder, depth int) {
		for _, f := range fs {
			f.Depth = depth
			out = append(out, f)
			if depth < maxDepth {
				kids := byParent[f.ID]
				fpSortFolders(kids)
				walk(kids, depth+1)
			}
		}
	}
	walk(roots, 0)
	return out, nil
}

// fpRights derives what a may do with f.
func fpRights(a actor.Actor, f Folder) FolderRights {
	admin := PlanAdmin(a)
	open := !f.Closed()
	manage := f.Access >= AccessManage
	return FolderRights{
		Structure:  f.Access == AccessNone,
		CreatePlan: admin && open && f.Kind == FolderPlan,
		CreateFile: (admin || manage) && open,
		Edit:       open && (admin || (manage && f.Kind == FolderFile)),
		EditAll:    open && admin,
		Close:      open && manage && f.Kind == FolderFile,
		Grants:     admin || manage,
	}
}

// GetFolder returns folder id with its path, sub-folders, effective
// retention class and, for those who manage it, its grants. Plan
// administrators see every folder's structure this way, without a grant;
// everyone else gets errNotFound for folders they have no grant for.
func (s *Service) GetFolder(ctx context.Context, a actor.Actor, id int64) (FolderDetail, error) {
	f, err := s.fpFolderFor(ctx, s.db, a, id)
	if err != nil {
		return FolderDetail{}, err
	}
	d := FolderDetail{Folder: f, Rights: fpRights(a, f)}
	admin := PlanAdmin(a)
	vis, err := s.visibleFolders(ctx, s.db, a)
	if err != nil {
		return FolderDetail{}, err
	}
	path, err := db.Query(ctx, s.db, fpScanFolder, `WITH RECURSIVE up(id, parent_id, depth) AS (
			SELECT id, parent_id, 0 FROM doc_folders WHERE id = ?
			UNION ALL
			SELECT p.id, p.parent_id, up.depth + 1 FROM doc_folders p JOIN up ON p.id = up.parent_id WHERE up.depth < ?)
		SELECT `+fpFolderColumns+fpFolderFrom+` JOIN up ON up.id = f.id WHERE f.id <> ? ORDER BY up.depth DESC`, f.ParentID, maxDepth, id)
	if err != nil {
		return FolderDetail{}, fmt.Errorf("document: folder path: %w", err)
	}
	if f.ParentID != 0 {
		for _, p := range path {
			x, ok := vis[p.ID]
			if !ok && !admin {
				continue
			}
			p.Access = x
			d.Path = append(d.Path, p)
		}
	}
	kids, err := db.Query(ctx, s.db, fpScanFolder, "SELECT "+fpFolderColumns+fpFolderFrom+" WHERE f.parent_id = ? AND f.withdrawn_at IS NULL", id)
	if err != nil {
		return FolderDetail{}, fmt.Errorf("document: sub-folders: %w", err)
	}
	for _, k := range kids {
		x, ok := vis[k.ID]
		if !ok && !admin {
			continue
		}
		k.Access = x
		d.Children = append(d.Children, k)
	}
	fpSortFolders(d.Children)
	if d.Retention, err = fpEffectiveRetention(ctx, s.db, id); err != nil {
		return FolderDetail{}, err
	}
	if d.Rights.Grants {
		if d.Grants, err = fpFolderGrants(ctx, s.db, id); err != nil {
			return FolderDetail{}, err
		}
	}
	return d, nil
}

// fpEffectiveRetention returns the class that applies to folder id: its own
// or the nearest ancestor's (nil when none is set on the path).
func fpEffectiveRetention(ctx context.Context, q db.Querier, id int64) (*FolderRetention, error) {
	if id == 0 {
		return nil, nil
	}
	var r FolderRetention
	err := q.QueryRowContext(ctx, `WITH RECURSIVE up(id, parent_id, rc, depth) AS (
			SELECT id, parent_id, retention_class_id, 0 FROM doc_folders WHERE id = ?
			UNION ALL
			SELECT p.id, p.parent_id, p.retention_class_id, up.depth + 1 FROM doc_folders p JOIN up ON p.id = up.parent_id
			WHERE up.rc IS NULL AND up.depth < ?)
		SELECT up.id, c.id, c.code, c.name, c.years, c.trigger FROM up JOIN retention_classes c ON c.id = up.rc ORDER BY up.depth LIMIT 1`,
		id, maxDepth).Scan(&r.FromFolderID, &r.ClassID, &r.Code, &r.Name, &r.Years, &r.Trigger)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("document: effective retention: %w", err)
	}
	return &r, nil
}

// fpRetentionClass reads retention class id (422
// retention_class_unknown when it does not exist).
func fpRetentionClass(ctx context.Context, q db.Querier, id int64) (FolderRetention, error) {
	var r FolderRetention
	err := q.QueryRowContext(ctx, "SELECT id, code, name, years, trigger FROM retention_classes WHERE id = ?", id).
		Scan(&r.ClassID, &r.Code, &r.Name, &r.Years, &r.Trigger)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fpInvalid("retention_class_unknown", "retention_class_id", "no such retention class")
	}
	if err != nil {
		return r, fmt.Errorf("document: retention class: %w", err)
	}
	return r, nil
}

// fpSubtreeHasRecords reports whether folder id or a folder below it holds
// a document or is closed: records whose retention a change must not
// shorten.
func fpSubtreeHasRecords(ctx context.Context, q db.Querier, id int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `WITH RECURSIVE sub(id, depth) AS (
			SELECT id, 0 FROM doc_folders WHERE id = ?
			UNION ALL
			SELECT f.id, sub.depth + 1 FROM doc_folders f JOIN sub ON f.parent_id = sub.id WHERE sub.depth < ?)
		SELECT (SELECT count(*) FROM documents WHERE folder_id IN (SELECT id FROM sub))
			+ (SELECT count(*) FROM doc_folders WHERE id IN (SELECT id FROM sub) AND state = 'closed')`, id, maxDepth).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("document: records below folder: %w", err)
	}
	return n > 0, nil
}

// fpFolderDepth returns the number of ancestors of folder id.
func fpFolderDepth(ctx context.Context, q db.Querier, id int64) (int, error) {
	var depth int
	err := q.QueryRowContext(ctx, `WITH RECURSIVE up(id, parent_id, depth) AS (
			SELECT id, parent_id, 0 FROM doc_folders WHERE id = ?
			UNION ALL
			SELECT p.id, p.parent_id, up.depth + 1 FROM doc_folders p JOIN up ON p.id = up.parent_id WHERE up.depth < ?)
		SELECT max(depth) FROM up`, id, maxDepth+1).Scan(&depth)
	if err != nil {
		return 0, fmt.Errorf("document: folder depth: %w", err)
	}
	return depth, nil
}

func fpCheckOrgUnit(ctx context.Context, q db.Querier, id int64) error {
	if id == 0 {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM org_units WHERE id = ?", id).Scan(&n); err != nil {
		return fmt.Errorf("document: org unit: %w", err)
	}
	if n == 0 {
		return fpInvalid("folder_owner_unit_unknown", "owner_unit_id", "no such org unit")
	}
	return nil
}

// fpReferenceTaken reports whether a folder other than except has ref.
func fpReferenceTaken(ctx context.Context, q db.Querier, ref string, except int64) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM doc_folders WHERE reference = ? AND id <> ?", ref, except).Scan(&n); err != nil {
		return false, fmt.Errorf("document: reference: %w", err)
	}
	return n > 0, nil
}

// fpNextReference returns the generated reference of a new sub-folder of
// parent (see the package comment of this file).
func fpNextReference(ctx context.Context, q db.Querier, parent Folder) (string, error) {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM doc_folders WHERE parent_id = ?", parent.ID).Scan(&n); err != nil {
		return "", fmt.Errorf("document: count sub-folders: %w", err)
	}
	for i := n + 1; i <= n+10000; i++ {
		ref := parent.Reference + "-" + strconv.Itoa(i)
		if utf8.RuneCountInString(ref) > MaxFolderReferenceRunes {
			return "", fpInvalid("invalid_folder_reference", "reference", "the generated reference is too long; give one")
		}
		taken, err := fpReferenceTaken(ctx, q, ref, 0)
		if err != nil {
			return "", err
		}
		if !taken {
			return ref, nil
		}
	}
	return "", fpErrReferenceTaken()
}

// CreateFolder creates a plan position or file (audit folder.create).
// Plan positions: plan administrators only. Files: plan administrators
// or manage access to the parent. Only plan administrators set a
// retention class. A file created by someone other than a plan
// administrator with InheritAccess false gets a manage grant for its
// creator, who would otherwise lose it.
func (s *Service) CreateFolder(ctx context.Context, a actor.Actor, n NewFolder) (Folder, error) {
	if !a.Authenticated() && !a.Privileged() {
		return Folder{}, errNotFound
	}
	admin := PlanAdmin(a)
	switch n.Kind {
	case FolderPlan, FolderFile:
	default:
		return Folder{}, fpInvalid("invalid_folder_kind", "kind", "kind is plan or file")
	}
	if err := fpCheckTitle(&n.Title); err != nil {
		return Folder{}, err
	}
	if err := fpCheckDescription(&n.Description); err != nil {
		return Folder{}, err
	}
	n.Reference = strings.TrimSpace(n.Reference)
	if n.Reference != "" || n.Kind == FolderPlan {
		if err := fpCheckReference(&n.Reference); err != nil {
			return Folder{}, err
		}
	}
	if n.ParentID == 0 && n.Kind == FolderFile {
		return Folder{}, fpInvalid("folder_parent_required", "parent_id", "a file lies below a plan position")
	}
	inherit := n.InheritAccess == nil || *n.InheritAccess
	var id int64
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		var parent Folder
		if n.ParentID != 0 {
			var err error
			if parent, err = s.fpFolderFor(ctx, tx, a, n.ParentID); err != nil {
				return nil, err
			}
			if !admin {
				if _, err := s.requireFolder(ctx, tx, a, n.ParentID, AccessManage); err != nil {
					return nil, err
				}
			}
		}
		if !admin && (n.Kind == FolderPlan || n.RetentionClassID != 0) {
			return nil, errPlanAdmin
		}
		if !a.CanWrite() {
			return nil, errReadOnlyToken
		}
		if n.ParentID != 0 {
			if parent.Closed() {
				return nil, fpErrClosed
			}
			if parent.Kind == FolderFile && n.Kind == FolderPlan {
				return nil, fpInvalid("folder_plan_below_file", "kind", "a file holds no plan positions")
			}
			if depth, err := fpFolderDepth(ctx, tx, parent.ID); err != nil {
				return nil, err
			} else if depth+2 > maxDepth {
				return nil, fpInvalid("folder_too_deep", "parent_id", "the file plan nests at most %d levels deep", maxDepth)
			}
			// Serialise the numbering of the parent's sub-folders.
			if _, err := tx.ExecContext(ctx, "UPDATE doc_folders SET version = version WHERE id = ?", parent.ID); err != nil {
				return nil, fmt.Errorf("document: lock parent: %w", err)
			}
		}
		owner := n.OwnerUnitID
		if owner == 0 {
			owner = parent.OwnerUnitID
		} else if err := fpCheckOrgUnit(ctx, tx, owner); err != nil {
			return nil, err
		}
		if n.RetentionClassID != 0 {
			if _, err := fpRetentionClass(ctx, tx, n.RetentionClassID); err != nil {
				return nil, err
			}
		}
		ref := n.Reference
		if ref == "" {
			var err error
			if ref, err = fpNextReference(ctx, tx, parent); err != nil {
				return nil, err
			}
		} else if taken, err := fpReferenceTaken(ctx, tx, ref, 0); err != nil {
			return nil, err
		} else if taken {
			return nil, fpErrReferenceTaken()
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO doc_folders (parent_id, kind, reference, title, description, owner_unit_id, retention_class_id,
				inherit_access, state, created_at, created_by, updated_at, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, 1) RETURNING id`,
			db.NullID(n.ParentID), n.Kind, ref, n.Title, n.Description, db.NullID(owner), db.NullID(n.RetentionClassID), inherit,
			db.T(now), db.NullID(a.UserID), db.T(now)).Scan(&id)
		if db.IsUniqueViolation(err) {
			return nil, fpErrReferenceTaken()
		}
		if err != nil {
			return nil, fmt.Errorf("document: create folder: %w", err)
		}
		detail := map[string]any{"parent_id": n.ParentID, "kind": n.Kind, "reference": ref, "title": n.Title,
			"owner_unit_id": owner, "retention_class_id": n.RetentionClassID, "inherit_access": inherit}
		if !inherit && !admin && a.UserID != 0 {
			if _, err := tx.ExecContext(ctx, "INSERT INTO doc_folder_grants (folder_id, principal_kind, principal, access) VALUES (?, ?, ?, ?)",
				id, PrincipalUser, strconv.FormatInt(a.UserID, 10), AccessManage.String()); err != nil {
				return nil, fmt.Errorf("document: creator grant: %w", err)
			}
			detail["creator_grant"] = AccessManage.String()
		}
		return []audit.Event{{Action: "folder.create", ObjectType: "doc_folder", ObjectID: fmt.Sprint(id), Detail: detail}}, nil
	})
	if err != nil {
		return Folder{}, err
	}
	return s.fpFolderFor(ctx, s.db, a, id)
}

// UpdateFolder changes folder id (audit folder.update with the changed
// fields). Plan administrators change every field; manage access to a
// file allows its title and description. A stale Version answers 409
// folder_stale, a closed folder 409 folder_closed; a new retention class
// whose period is shorter than the effective one answers 409
// retention_shortened when the folder or anything below it holds records
// (documents or closed files).
func (s *Service) UpdateFolder(ctx context.Context, a actor.Actor, id int64, u FolderUpdate) (Folder, error) {
	if u.Reference != nil {
		if err := fpCheckReference(u.Reference); err != nil {
			return Folder{}, err
		}
	}
	if u.Title != nil {
		if err := fpCheckTitle(u.Title); err != nil {
			return Folder{}, err
		}
	}
	if u.Description != nil {
		if err := fpCheckDescription(u.Description); err != nil {
			return Folder{}, err
		}
	}
	admin := PlanAdmin(a)
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		old, err := s.fpFolderFor(ctx, tx, a, id)
		if err != nil {
			return nil, err
		}
		if !admin {
			if _, err := s.requireFolder(ctx, tx, a, id, AccessManage); err != nil {
				return nil, err
			}
			if old.Kind != FolderFile || u.Reference != nil || u.OwnerUnitID != nil || u.RetentionClassID != nil || u.InheritAccess != nil {
				return nil, errPlanAdmin
			}
		}
		if !a.CanWrite() {
			return nil, errReadOnlyToken
		}
		if old.Closed() {
			return nil, fpErrClosed
		}
		if u.Version != old.Version {
			return nil, fpErrStale(old.Version)
		}
		f := old
		if u.Reference != nil {
			f.Reference = *u.Reference
		}
		if u.Title != nil {
			f.Title = *u.Title
		}
		if u.Description != nil {
			f.Description = *u.Description
		}
		if u.OwnerUnitID != nil {
			f.OwnerUnitID = *u.OwnerUnitID
		}
		if u.RetentionClassID != nil {
			f.RetentionClassID = *u.RetentionClassID
		}
		if u.InheritAccess != nil {
			f.InheritAccess = *u.InheritAccess
		}
		before, after := map[string]any{}, map[string]any{}
		changed := func(key string, was, is any) {
			if was != is {
				before[key], after[key] = was, is
			}
		}
		changed("reference", old.Reference, f.Reference)
		changed("title", old.Title, f.Title)
		changed("owner_unit_id", old.OwnerUnitID, f.OwnerUnitID)
		changed("retention_class_id", old.RetentionClassID, f.RetentionClassID)
		changed("inherit_access", old.InheritAccess, f.InheritAccess)
		if f.Description != old.Description {
			after["description_changed"] = true
		}
		if len(after) == 0 {
			return nil, nil
		}
		if f.Reference != old.Reference {
			if taken, err := fpReferenceTaken(ctx, tx, f.Reference, id); err != nil {
				return nil, err
			} else if taken {
				return nil, fpErrReferenceTaken()
			}
		}
		if f.OwnerUnitID != old.OwnerUnitID {
			if err := fpCheckOrgUnit(ctx, tx, f.OwnerUnitID); err != nil {
				return nil, err
			}
		}
		if f.RetentionClassID != old.RetentionClassID {
			if err := fpCheckRetentionChange(ctx, tx, old, f.RetentionClassID); err != nil {
				return nil, err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE doc_folders SET reference = ?, title = ?, description = ?, owner_unit_id = ?, retention_class_id = ?,
				inherit_access = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
			f.Reference, f.Title, f.Description, db.NullID(f.OwnerUnitID), db.NullID(f.RetentionClassID), f.InheritAccess, db.T(now), id, old.Version)
		if db.IsUniqueViolation(err) {
			return nil, fpErrReferenceTaken()
		}
		if err != nil {
			return nil, fmt.Errorf("document: update folder: %w", err)
		}
		return []audit.Event{{Action: "folder.update", ObjectType: "doc_folder", ObjectID: fmt.Sprint(id), Detail: map[string]any{
			"reference": f.Reference, "before": before, "after": after}}}, nil
	})
	if err != nil {
		return Folder{}, err
	}
	return s.fpFolderFor(ctx, s.db, a, id)
}

// fpCheckRetentionChange refuses to give folder f the class newClass (0:
// inherit) when that shortens the effective period of records in or below
// it. A folder without an effective class may get any; clearing the class
// so that none applies any more does not shorten anything (nothing without
// a class is ever due for deletion).
func fpCheckRetentionChange(ctx context.Context, tx *db.Tx, f Folder, newClass int64) error {
	var next *FolderRetention
	if newClass != 0 {
		r, err := fpRetentionClass(ctx, tx, newClass)
		if err != nil {
			return err
		}
		next = &r
	} else {
		var err error
		if next, err = fpEffectiveRetention(ctx, tx, f.ParentID); err != nil {
			return err
		}
	}
	cur, err := fpEffectiveRetention(ctx, tx, f.ID)
	if err != nil {
		return err
	}
	if cur == nil || next == nil || next.Years >= cur.Years {
		return nil
	}
	has, err := fpSubtreeHasRecords(ctx, tx, f.ID)
	if err != nil {
		return err
	}
	if has {
		return fpErrRetentionShortened
	}
	return nil
}

// CloseFolder closes file id (zdA; manage access): the file, its
// sub-files and every document in them become closed, check-outs are
// released (audit folder.close). There is no reopening.
func (s *Service) CloseFolder(ctx context.Context, a actor.Actor, id int64) (Folder, error) {
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if _, err := s.requireFolder(ctx, tx, a, id, AccessManage); err != nil {
			return nil, err
		}
		f, err := fpLoadFolder(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if f.Kind != FolderFile {
			return nil, apperr.Conflictf("folder_not_file", "only files are closed; plan positions stay open")
		}
		if f.Closed() {
			return nil, fpErrClosed
		}
		const sub = `WITH RECURSIVE sub(id, depth) AS (
				SELECT id, 0 FROM doc_folders WHERE id = ?
				UNION ALL
				SELECT f.id, sub.depth + 1 FROM doc_folders f JOIN sub ON f.parent_id = sub.id WHERE sub.depth < ?) `
		res, err := tx.ExecContext(ctx, sub+`UPDATE documents SET state = 'closed', locked_by = NULL, locked_at = NULL, lock_expires_at = NULL,
				updated_at = ?, version = version + 1
			WHERE folder_id IN (SELECT id FROM sub) AND state <> 'closed'`, id, maxDepth, db.T(now))
		if err != nil {
			return nil, fmt.Errorf("document: close documents: %w", err)
		}
		docs, _ := res.RowsAffected()
		res, err = tx.ExecContext(ctx, sub+`UPDATE doc_folders SET state = 'closed', closed_at = ?, closed_by = ?, updated_at = ?, version = version + 1
			WHERE id IN (SELECT id FROM sub) AND state = 'open'`, id, maxDepth, db.T(now), db.NullID(a.UserID), db.T(now))
		if err != nil {
			return nil, fmt.Errorf("document: close folder: %w", err)
		}
		folders, _ := res.RowsAffected()
		return []audit.Event{{Action: "folder.close", ObjectType: "doc_folder", ObjectID: fmt.Sprint(id), Detail: map[string]any{
			"reference": f.Reference, "title": f.Title, "documents": docs, "sub_files": folders - 1}}}, nil
	})
	if err != nil {
		return Folder{}, err
	}
	return s.fpFolderFor(ctx, s.db, a, id)
}

// fpFolderGrants reads the grants of folder id with the principals' names,
// ordered by kind and name.
func fpFolderGrants(ctx context.Context, q db.Querier, id int64) ([]Grant, error) {
	gs, err := db.Query(ctx, q, func(sc db.Scanner) (Grant, error) {
		var g Grant
		var access string
		err := sc.Scan(&g.Kind, &g.Principal, &access, &g.Name)
		g.Access = accessNames[access]
		return g, err
	}, `SELECT g.principal_kind, g.principal, g.access, CASE g.principal_kind
				WHEN 'role' THEN g.principal
				WHEN 'org_unit' THEN coalesce((SELECT o.name FROM org_units o WHERE CAST(o.id AS TEXT) = g.principal), '')
				ELSE coalesce((SELECT u.display_name FROM users u WHERE CAST(u.id AS TEXT) = g.principal), '') END
		FROM doc_folder_grants g WHERE g.folder_id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("document: grants: %w", err)
	}
	order := map[string]int{PrincipalRole: 0, PrincipalOrgUnit: 1, PrincipalUser: 2}
	slices.SortFunc(gs, func(x, y Grant) int {
		if c := cmp.Compare(order[x.Kind], order[y.Kind]); c != 0 {
			return c
		}
		if c := strings.Compare(x.Name, y.Name); c != 0 {
			return c
		}
		return strings.Compare(x.Principal, y.Principal)
	})
	return gs, nil
}

// FolderGrants returns the grants of folder id to plan administrators and
// to those with manage access (403 document_access_required for other
// readers, errNotFound for everyone else).
func (s *Service) FolderGrants(ctx context.Context, a actor.Actor, id int64) ([]Grant, error) {
	f, err := s.fpFolderFor(ctx, s.db, a, id)
	if err != nil {
		return nil, err
	}
	if !fpRights(a, f).Grants {
		return nil, errAccess
	}
	return fpFolderGrants(ctx, s.db, id)
}

// fpCheckPrincipal checks that the principal of g exists and normalises it.
func fpCheckPrincipal(ctx context.Context, q db.Querier, g *Grant, i int) error {
	field := "grants." + strconv.Itoa(i)
	g.Principal = strings.TrimSpace(g.Principal)
	var query string
	switch g.Kind {
	case PrincipalRole:
		query = "SELECT count(*) FROM roles WHERE id = ?"
	case PrincipalOrgUnit, PrincipalUser:
		id, err := strconv.ParseInt(g.Principal, 10, 64)
		if err != nil || id <= 0 {
			return fpInvalid("grant_principal_unknown", field, "no such %s", g.Kind)
		}
		g.Principal = strconv.FormatInt(id, 10)
		query = "SELECT count(*) FROM org_units WHERE id = ?"
		if g.Kind == PrincipalUser {
			query = "SELECT count(*) FROM users WHERE id = ?"
		}
		var n int
		if err := q.QueryRowContext(ctx, query, id).Scan(&n); err != nil {
			return fmt.Errorf("document: grant principal: %w", err)
		}
		if n == 0 {
			return fpInvalid("grant_principal_unknown", field, "no such %s", g.Kind)
		}
		return nil
	default:
		return fpInvalid("invalid_grant_kind", field, "principal kind is role, org_unit or user")
	}
	var n int
	if err := q.QueryRowContext(ctx, query, g.Principal).Scan(&n); err != nil {
		return fmt.Errorf("document: grant principal: %w", err)
	}
	if n == 0 {
		return fpInvalid("grant_principal_unknown", field, "no such role")
	}
	return nil
}

func fpGrantKey(g Grant) string { return g.Kind + ":" + g.Principal }

func fpGrantStrings(gs []Grant) []string {
	out := make([]string, 0, len(gs))
	for _, g := range gs {
		out = append(out, fpGrantKey(g)+"="+g.Access.String())
	}
	slices.Sort(out)
	return out
}

// SetFolderGrants replaces the grants of folder id (plan administrators
// and manage access; audit folder.grants with the lists before and
// after). inherit, when not nil, sets whether the folder also takes its
// parent's grants (a change of it counts as a change of the folder's
// Version; the grants alone do not). A person who is not a plan
// administrator cannot take away their own manage access this way (409
// grants_lock_out). Grants of closed files can still be changed (see the
// top of this file).
func (s *Service) SetFolderGrants(ctx context.Context, a actor.Actor, id int64, grants []Grant, inherit *bool) ([]Grant, error) {
	if len(grants) > MaxFolderGrants {
		return nil, fpInvalid("too_many_grants", "grants", "at most %d grants", MaxFolderGrants)
	}
	admin := PlanAdmin(a)
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		f, err := s.fpFolderFor(ctx, tx, a, id)
		if err != nil {
			return nil, err
		}
		if !admin {
			if _, err := s.requireFolder(ctx, tx, a, id, AccessManage); err != nil {
				return nil, err
			}
		}
		if !a.CanWrite() {
			return nil, errReadOnlyToken
		}
		seen := map[string]bool{}
		for i := range grants {
			g := &grants[i]
			if g.Access < AccessRead || g.Access > AccessManage {
				return nil, fpInvalid("invalid_grant_access", "grants."+strconv.Itoa(i), "access is read, write or manage")
			}
			if err := fpCheckPrincipal(ctx, tx, g, i); err != nil {
				return nil, err
			}
			if seen[fpGrantKey(*g)] {
				return nil, fpInvalid("grant_duplicate", "grants."+strconv.Itoa(i), "the principal is listed twice")
			}
			seen[fpGrantKey(*g)] = true
		}
		old, err := fpFolderGrants(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		newInherit := f.InheritAccess
		if inherit != nil {
			newInherit = *inherit
		}
		before, after := fpGrantStrings(old), fpGrantStrings(grants)
		if slices.Equal(before, after) && newInherit == f.InheritAccess {
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM doc_folder_grants WHERE folder_id = ?", id); err != nil {
			return nil, fmt.Errorf("document: clear grants: %w", err)
		}
		for _, g := range grants {
			if _, err := tx.ExecContext(ctx, "INSERT INTO doc_folder_grants (folder_id, principal_kind, principal, access) VALUES (?, ?, ?, ?)",
				id, g.Kind, g.Principal, g.Access.String()); err != nil {
				return nil, fmt.Errorf("document: insert grant: %w", err)
			}
		}
		if newInherit != f.InheritAccess {
			if _, err := tx.ExecContext(ctx, "UPDATE doc_folders SET inherit_access = ?, updated_at = ?, version = version + 1 WHERE id = ?",
				newInherit, db.T(now), id); err != nil {
				return nil, fmt.Errorf("document: inherit access: %w", err)
			}
		}
		if !admin {
			if x, err := s.folderAccess(ctx, tx, a, id); err != nil && !errors.Is(err, errNotFound) {
				return nil, err
			} else if x < AccessManage {
				return nil, apperr.Conflictf("grants_lock_out", "the change would take away your own manage access")
			}
		}
		detail := map[string]any{"reference": f.Reference, "before": before, "after": after}
		if newInherit != f.InheritAccess {
			detail["inherit_access"] = newInherit
		}
		return []audit.Event{{Action: "folder.grants", ObjectType: "doc_folder", ObjectID: fmt.Sprint(id), Detail: detail}}, nil
	})
	if err != nil {
		return nil, err
	}
	return fpFolderGrants(ctx, s.db, id)
}

// GrantOrgUnits lists the org units for the grant forms (by name).
func (s *Service) GrantOrgUnits(ctx context.Context, a actor.Actor) ([]OrgUnitRef, error) {
	if !a.Authenticated() {
		return nil, errNotFound
	}
	out, err := db.Query(ctx, s.db, func(sc db.Scanner) (OrgUnitRef, error) {
		var o OrgUnitRef
		var parent sql.NullInt64
		err := sc.Scan(&o.ID, &parent, &o.Name)
		o.ParentID = parent.Int64
		return o, err
	}, "SELECT id, parent_id, name FROM org_units ORDER BY name, id")
	if err != nil {
		return nil, fmt.Errorf("document: org units: %w", err)
	}
	return out, nil
}

// GrantRoles lists the role ids for the grant forms.
func (s *Service) GrantRoles(ctx context.Context, a actor.Actor) ([]string, error) {
	if !a.Authenticated() {
		return nil, errNotFound
	}
	ids, err := db.Query(ctx, s.db, func(sc db.Scanner) (string, error) {
		var id string
		err := sc.Scan(&id)
		return id, err
	}, "SELECT id FROM roles")
	if err != nil {
		return nil, fmt.Errorf("document: roles: %w", err)
	}
	order := func(id string) int {
		if i := slices.Index(actor.BuiltinRoles, id); i >= 0 {
			return i
		}
		return len(actor.BuiltinRoles)
	}
	slices.SortFunc(ids, func(x, y string) int {
		if c := cmp.Compare(order(x), order(y)); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	})
	return ids, nil
}

// GrantUserByName returns the id of the active user with username, for
// the grant forms (422 grant_principal_unknown on field).
func (s *Service) GrantUserByName(ctx context.Context, a actor.Actor, username, field string) (int64, error) {
	if !a.Authenticated() {
		return 0, errNotFound
	}
	var id int64
	err := s.db.QueryRowContext(ctx, "SELECT id FROM users WHERE username = ? AND disabled = ?", strings.TrimSpace(username), false).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fpInvalid("grant_principal_unknown", field, "no active user with this name")
	}
	if err != nil {
		return 0, fmt.Errorf("document: user by name: %w", err)
	}
	return id, nil
}
