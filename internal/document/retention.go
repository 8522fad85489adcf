package document

// Retention (Aufbewahrung, docs/retention.md): classes, the periods they
// give folders and documents, and the one computation of expiry that the
// due-for-deletion report, deletion proposals and approvals share.
//
// A record's retention class is its own (documents.retention_class_id,
// doc_folders.retention_class_id), else for a document its type's default
// class, else the class of the nearest folder above that has one. Without
// any class a record is kept: it never becomes due.
//
// The period runs for the class's years from the end of the calendar year
// of the trigger event: the closing of the file (file_closed: the date of
// doc_folders.closed_at) or the document's date (document_date:
// documents.document_date; a document without a date counts from the day
// it was created, which is never earlier than the date it would have had).
// A record may be deleted from 1 January of (trigger year + years + 1).
// Calendar days are judged in the organisation's time zone (WithLocation;
// Europe/Berlin by default).
//
// A file (folder of kind file) may be deleted with everything in it when it
// and every folder below it is closed and its own period as well as that of
// every document in it has ended. A document of a document_date class may
// be deleted on its own once its period has ended.
//
// Classes are managed by the file plan administrators (PlanAdmin: records
// management and administrators) and read by everyone signed in. Once a
// folder, document or document type refers to a class, its years can only
// grow (409 retention_shortened) and its trigger is fixed (409
// retention_trigger_locked).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// Retention triggers.
const (
	TriggerFileClosed   = "file_closed"   // the closing of the file (zdA)
	TriggerDocumentDate = "document_date" // the document's date
)

// Bounds of retention classes.
const (
	MaxRetentionYears      = 200
	maxRetentionNameRunes  = 200
	maxRetentionBasisRunes = 500
)

// RetentionClass is a retention class (Aufbewahrungsklasse).
type RetentionClass struct {
	ID int64
	// Code is stable (e.g. "HGB-257-6"): API clients and deletion records
	// refer to it.
	Code       string
	Name       string
	Years      int
	Trigger    string
	LegalBasis string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// InUse reports whether a folder, document or document type refers to
	// the class: its years then only grow and its trigger is fixed.
	InUse bool
}

// NewRetentionClass is a class to create.
type NewRetentionClass struct {
	Code       string
	Name       string
	Years      int
	Trigger    string
	LegalBasis string
}

// RetentionClassUpdate changes the fields that are not nil. The code never
// changes.
type RetentionClassUpdate struct {
	Name       *string
	Years      *int
	Trigger    *string
	LegalBasis *string
}

var (
	errRetentionShortened = apperr.Conflictf("retention_shortened", "retention can be lengthened, never shortened, once records use the class")
	errRetentionTrigger   = apperr.Conflictf("retention_trigger_locked", "the trigger of a class in use cannot change")
	errRetentionCodeTaken = apperr.Conflictf("retention_code_taken", "another retention class has this code")
	// errRecordsRole: legal holds and deletion are records management's
	// (role records) alone; administrators cannot bypass it.
	errRecordsRole = apperr.Forbiddenf("records_role_required", "only records management (Registratur) may do this")
)

// retentionCodeRE is the form of class codes: capitals, digits, ".", "_"
// and "-", starting with a capital or digit.
var retentionCodeRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9._-]{0,39}$`)

// defaultZone is the zone in which instants become calendar days unless
// WithLocation sets the organisation's.
var defaultZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// DeletableFrom returns the first day a record whose retention of years
// was triggered on trigger may be deleted: 1 January of (trigger year +
// years + 1).
func DeletableFrom(trigger civil.Date, years int) civil.Date {
	return civil.D(trigger.Year+years+1, time.January, 1)
}

// today is the current calendar day.
func (s *Service) today() civil.Date { return civil.In(s.clock.Now(), s.zone()) }

// isRecords reports whether a is records management.
func isRecords(a actor.Actor) bool { return a.Authenticated() && a.Has(actor.RoleRecords) }

// requireRecords allows records management to change retention data
// (holds, deletion): 404 for the anonymous, 403 records_role_required for
// others (administrators too), 403 token_scope for read-only tokens.
func requireRecords(a actor.Actor) error {
	if !a.Authenticated() {
		return errNotFound
	}
	if !isRecords(a) {
		return errRecordsRole
	}
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	return nil
}

// canReadRecordsData reports whether a reads legal holds and the deletion
// protocol: records management, administrators and auditors.
func canReadRecordsData(a actor.Actor) bool {
	return a.Authenticated() && (isRecords(a) || a.Has(actor.RoleAdmin) || a.Has(actor.RoleAuditor))
}

func retentionInvalid(code, field, format string, args ...any) error {
	return apperr.Invalidf(code, format, args...).WithField(field, code)
}

func checkRetentionName(s *string) error {
	*s = strings.TrimSpace(*s)
	if n := utf8.RuneCountInString(*s); n < 1 || n > maxRetentionNameRunes {
		return retentionInvalid("invalid_retention_name", "name", "the name must have 1 to %d characters", maxRetentionNameRunes)
	}
	return nil
}

func checkRetentionBasis(s *string) error {
	*s = strings.TrimSpace(*s)
	if utf8.RuneCountInString(*s) > maxRetentionBasisRunes {
		return retentionInvalid("invalid_retention_legal_basis", "legal_basis", "the legal basis has at most %d characters", maxRetentionBasisRunes)
	}
	return nil
}

func checkRetentionYears(y int) error {
	if y < 0 || y > MaxRetentionYears {
		return retentionInvalid("invalid_retention_years", "years", "years must lie between 0 and %d", MaxRetentionYears)
	}
	return nil
}

func checkRetentionTrigger(t string) error {
	if t != TriggerFileClosed && t != TriggerDocumentDate {
		return retentionInvalid("invalid_retention_trigger", "trigger", "the trigger is file_closed or document_date")
	}
	return nil
}

const retentionClassFields = `c.id, c.code, c.name, c.years, c.trigger, c.legal_basis, c.created_at, c.updated_at,
	(EXISTS (SELECT 1 FROM doc_folders f WHERE f.retention_class_id = c.id)
	 OR EXISTS (SELECT 1 FROM documents d WHERE d.retention_class_id = c.id)
	 OR EXISTS (SELECT 1 FROM doc_types t WHERE t.retention_class_id = c.id))`

func scanRetentionClass(row db.Scanner) (RetentionClass, error) {
	var c RetentionClass
	var created, updated db.Time
	if err := row.Scan(&c.ID, &c.Code, &c.Name, &c.Years, &c.Trigger, &c.LegalBasis, &created, &updated, &c.InUse); err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = created.Time, updated.Time
	return c, nil
}

func loadRetentionClass(ctx context.Context, q db.Querier, id int64) (RetentionClass, error) {
	c, err := scanRetentionClass(q.QueryRowContext(ctx, `SELECT `+retentionClassFields+` FROM retention_classes c WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errNotFound
	}
	if err != nil {
		return c, fmt.Errorf("document: retention class: %w", err)
	}
	return c, nil
}

// ListRetentionClasses returns every retention class, by code. Everyone
// signed in reads them (folder and document forms offer them).
func (s *Service) ListRetentionClasses(ctx context.Context, a actor.Actor) ([]RetentionClass, error) {
	if !a.Authenticated() {
		return nil, errNotFound
	}
	cs, err := db.Query(ctx, s.db, scanRetentionClass, `SELECT `+retentionClassFields+` FROM retention_classes c ORDER BY c.code`)
	if err != nil {
		return nil, fmt.Errorf("document: retention classes: %w", err)
	}
	if cs == nil {
		cs = []RetentionClass{}
	}
	return cs, nil
}

// GetRetentionClass returns class id (everyone signed in).
func (s *Service) GetRetentionClass(ctx context.Context, a actor.Actor, id int64) (RetentionClass, error) {
	if !a.Authenticated() {
		return RetentionClass{}, errNotFound
	}
	return loadRetentionClass(ctx, s.db, id)
}

// requirePlanAdmin allows the file plan administrators (administrators and
// records management, with a write token) to change the plan's settings:
// document types and retention classes.
func requirePlanAdmin(a actor.Actor) error {
	if !a.Authenticated() && !a.Privileged() {
		return errNotFound
	}
	if !PlanAdmin(a) {
		return errPlanAdmin
	}
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	return nil
}

// CreateRetentionClass adds a custom class (file plan administrators;
// audit retention_class.create). The code is stored in capitals.
func (s *Service) CreateRetentionClass(ctx context.Context, a actor.Actor, n NewRetentionClass) (RetentionClass, error) {
	if err := requirePlanAdmin(a); err != nil {
		return RetentionClass{}, err
	}
	n.Code = strings.ToUpper(strings.TrimSpace(n.Code))
	if !retentionCodeRE.MatchString(n.Code) {
		return RetentionClass{}, retentionInvalid("invalid_retention_code", "code", "the code has 1 to 40 capitals, digits, dots, dashes or underscores")
	}
	if err := checkRetentionName(&n.Name); err != nil {
		return RetentionClass{}, err
	}
	if err := checkRetentionYears(n.Years); err != nil {
		return RetentionClass{}, err
	}
	if err := checkRetentionTrigger(n.Trigger); err != nil {
		return RetentionClass{}, err
	}
	if err := checkRetentionBasis(&n.LegalBasis); err != nil {
		return RetentionClass{}, err
	}
	var id int64
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM retention_classes WHERE code = ?`, n.Code).Scan(&taken); err != nil {
			return nil, fmt.Errorf("document: create retention class: %w", err)
		}
		if taken > 0 {
			return nil, errRetentionCodeTaken
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO retention_classes (code, name, years, trigger, legal_basis, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, n.Code, n.Name, n.Years, n.Trigger, n.LegalBasis, db.T(now), db.T(now)).Scan(&id)
		if db.IsUniqueViolation(err) {
			return nil, errRetentionCodeTaken
		}
		if err != nil {
			return nil, fmt.Errorf("document: create retention class: %w", err)
		}
		return []audit.Event{{Action: "retention_class.create", ObjectType: "retention_class", ObjectID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"code": n.Code, "years": n.Years, "trigger": n.Trigger}}}, nil
	})
	if err != nil {
		return RetentionClass{}, err
	}
	return loadRetentionClass(ctx, s.db, id)
}

// UpdateRetentionClass changes class id (file plan administrators; audit
// retention_class.update). A class in use only grows: fewer years are 409
// retention_shortened, another trigger 409 retention_trigger_locked.
// Longer periods hold at once for every record of the class, also for
// pending deletion proposals, which their approval checks again.
func (s *Service) UpdateRetentionClass(ctx context.Context, a actor.Actor, id int64, u RetentionClassUpdate) (RetentionClass, error) {
	if err := requirePlanAdmin(a); err != nil {
		return RetentionClass{}, err
	}
	if u.Name != nil {
		if err := checkRetentionName(u.Name); err != nil {
			return RetentionClass{}, err
		}
	}
	if u.Years != nil {
		if err := checkRetentionYears(*u.Years); err != nil {
			return RetentionClass{}, err
		}
	}
	if u.Trigger != nil {
		if err := checkRetentionTrigger(*u.Trigger); err != nil {
			return RetentionClass{}, err
		}
	}
	if u.LegalBasis != nil {
		if err := checkRetentionBasis(u.LegalBasis); err != nil {
			return RetentionClass{}, err
		}
	}
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := retentionLock(ctx, tx); err != nil {
			return nil, err
		}
		c, err := loadRetentionClass(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		next := c
		if u.Name != nil {
			next.Name = *u.Name
		}
		if u.Years != nil {
			next.Years = *u.Years
		}
		if u.Trigger != nil {
			next.Trigger = *u.Trigger
		}
		if u.LegalBasis != nil {
			next.LegalBasis = *u.LegalBasis
		}
		if c.InUse && next.Years < c.Years {
			return nil, errRetentionShortened
		}
		if c.InUse && next.Trigger != c.Trigger {
			return nil, errRetentionTrigger
		}
		if next == c {
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE retention_classes SET name = ?, years = ?, trigger = ?, legal_basis = ?, updated_at = ? WHERE id = ?`,
			next.Name, next.Years, next.Trigger, next.LegalBasis, db.T(now), id); err != nil {
			return nil, fmt.Errorf("document: update retention class: %w", err)
		}
		return []audit.Event{{Action: "retention_class.update", ObjectType: "retention_class", ObjectID: strconv.FormatInt(id, 10),
			Detail: map[string]any{"code": c.Code, "years_before": c.Years, "years": next.Years, "trigger_before": c.Trigger,
				"trigger": next.Trigger, "in_use": c.InUse}}}, nil
	})
	if err != nil {
		return RetentionClass{}, err
	}
	return loadRetentionClass(ctx, s.db, id)
}

// --- the retention of records ---------------------------------------------

// Record kinds of retention, legal holds and deletion.
const (
	KindFolder   = "folder"
	KindDocument = "document"
)

// Retention is what retention says about one folder or document.
type Retention struct {
	Kind string // KindFolder or KindDocument
	ID   int64
	// Class is the effective class (nil: none on the record or above it:
	// the record is kept and never becomes due).
	Class *RetentionClass
	// Inherited reports whether Class comes from a folder above or, for a
	// document, from its type.
	Inherited bool
	// TriggerDate is the day of the trigger event (nil: it has not
	// happened, e.g. the file is open). For a file it is the day it was
	// closed (for a document_date class: the latest document date in it).
	TriggerDate *civil.Date
	// DeletableFrom is the first day the record may be deleted (nil: not
	// yet known). For a file it is the latest such day of the file, the
	// folders below it and all their documents.
	DeletableFrom *civil.Date
	// Expired reports whether DeletableFrom has come.
	Expired bool
	// Holds are the active legal holds that keep the record: on it, on a
	// folder above it and, for a folder, on anything below it.
	Holds []LegalHold
	// PendingDeletion is the id of an open deletion proposal of the record
	// or of one that would delete it with its file (0: none).
	PendingDeletion int64
}

// RetentionOf returns the retention of a folder or document (kind
// KindFolder or KindDocument): its class, trigger date, first deletable
// day, and the holds and proposals that concern it. People who see the
// record read it, and so do the file plan administrators (structure data).
func (s *Service) RetentionOf(ctx context.Context, a actor.Actor, kind string, id int64) (Retention, error) {
	if !a.Authenticated() {
		return Retention{}, errNotFound
	}
	var t *retentionTree
	var err error
	folderID := id
	switch kind {
	case KindFolder:
		t, err = s.loadRetentionTree(ctx, s.db, rtScopeFolder, id)
	case KindDocument:
		t, err = s.loadRetentionTree(ctx, s.db, rtScopeDocument, id)
		if err == nil {
			d := t.docs[id]
			if d == nil {
				return Retention{}, errNotFound
			}
			folderID = d.folder
		}
	default:
		return Retention{}, errNotFound
	}
	if err != nil {
		return Retention{}, err
	}
	if t.folders[folderID] == nil {
		return Retention{}, errNotFound
	}
	if !PlanAdmin(a) {
		if _, err := s.folderAccess(ctx, s.db, a, folderID); err != nil {
			return Retention{}, err
		}
	}
	return t.retention(kind, id, s.today()), nil
}

// retentionTree holds what retention decisions read: every folder, class,
// active hold and open proposal, and the documents of one scope.
type retentionTree struct {
	loc      *time.Location // the zone of calendar days
	classes  map[int64]*RetentionClass
	folders  map[int64]*rtFolder
	children map[int64][]int64
	docs     map[int64]*rtDoc
	docsIn   map[int64][]int64 // folder id -> ids of its documents (in scope)
	holds    []LegalHold       // active
	pending  map[string]int64  // "folder:7" / "document:9" -> proposal id
}

type rtFolder struct {
	id, parent int64
	kind       string
	state      string
	closedAt   *time.Time
	classID    int64
	reference  string
	title      string
}

type rtDoc struct {
	id, folder  int64
	title       string
	classID     int64
	typeClassID int64
	date        *civil.Date
	createdAt   time.Time
}

// Scopes of the documents a retentionTree loads.
const (
	rtScopeAll      = iota // every document
	rtScopeFolder          // the documents of folder id and every folder below it
	rtScopeDocument        // document id only
)

func pendingKey(kind string, id int64) string { return kind + ":" + strconv.FormatInt(id, 10) }

// loadRetentionTree reads a retentionTree for a scope of documents.
func (s *Service) loadRetentionTree(ctx context.Context, q db.Querier, scope int, id int64) (*retentionTree, error) {
	t := &retentionTree{loc: s.zone(), classes: map[int64]*RetentionClass{}, folders: map[int64]*rtFolder{}, children: map[int64][]int64{},
		docs: map[int64]*rtDoc{}, docsIn: map[int64][]int64{}, pending: map[string]int64{}}
	classes, err := db.Query(ctx, q, scanRetentionClass, `SELECT `+retentionClassFields+` FROM retention_classes c`)
	if err != nil {
		return nil, fmt.Errorf("document: retention classes: %w", err)
	}
	for i := range classes {
		t.classes[classes[i].ID] = &classes[i]
	}
	folders, err := db.Query(ctx, q, func(row db.Scanner) (*rtFolder, error) {
		f := &rtFolder{}
		var parent, class *int64
		var closed db.NullTime
		if err := row.Scan(&f.id, &parent, &f.kind, &f.state, &closed, &class, &f.reference, &f.title); err != nil {
			return nil, err
		}
		if parent != nil {
			f.parent = *parent
		}
		if class != nil {
			f.classID = *class
		}
		f.closedAt = closed.Ptr()
		return f, nil
	}, `SELECT id, parent_id, kind, state, closed_at, retention_class_id, reference, title FROM doc_folders ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("document: retention folders: %w", err)
	}
	for _, f := range folders {
		t.folders[f.id] = f
		if f.parent != 0 {
			t.children[f.parent] = append(t.children[f.parent], f.id)
		}
	}
	const docQuery = `SELECT d.id, d.folder_id, d.title, d.retention_class_id, dt.retention_class_id, d.document_date, d.created_at
		FROM documents d LEFT JOIN doc_types dt ON dt.id = d.type_id`
	var where string
	var args []any
	switch scope {
	case rtScopeFolder:
		where = ` WHERE d.folder_id IN (WITH RECURSIVE sub(id, depth) AS (
				SELECT id, 0 FROM doc_folders WHERE id = ?
				UNION ALL
				SELECT f.id, sub.depth + 1 FROM doc_folders f JOIN sub ON f.parent_id = sub.id WHERE sub.depth < ?)
			SELECT id FROM sub)`
		args = []any{id, maxDepth}
	case rtScopeDocument:
		where, args = ` WHERE d.id = ?`, []any{id}
	}
	docs, err := db.Query(ctx, q, func(row db.Scanner) (*rtDoc, error) {
		d := &rtDoc{}
		var class, typeClass *int64
		var date *string
		var created db.Time
		if err := row.Scan(&d.id, &d.folder, &d.title, &class, &typeClass, &date, &created); err != nil {
			return nil, err
		}
		if class != nil {
			d.classID = *class
		}
		if typeClass != nil {
			d.typeClassID = *typeClass
		}
		if date != nil && *date != "" {
			cd, err := civil.Parse(*date)
			if err != nil {
				return nil, err
			}
			d.date = &cd
		}
		d.createdAt = created.Time
		return d, nil
	}, docQuery+where+` ORDER BY d.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("document: retention documents: %w", err)
	}
	for _, d := range docs {
		t.docs[d.id] = d
		t.docsIn[d.folder] = append(t.docsIn[d.folder], d.id)
	}
	holds, err := db.Query(ctx, q, scanLegalHold, `SELECT `+legalHoldFields+legalHoldFrom+` WHERE h.released_at IS NULL ORDER BY h.id`)
	if err != nil {
		return nil, fmt.Errorf("document: retention holds: %w", err)
	}
	t.holds = holds
	rows, err := q.QueryContext(ctx, `SELECT id, kind, object_id FROM doc_deletions WHERE state = 'proposed'`)
	if err != nil {
		return nil, fmt.Errorf("document: retention proposals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid, oid int64
		var kind string
		if err := rows.Scan(&pid, &kind, &oid); err != nil {
			return nil, fmt.Errorf("document: retention proposals: %w", err)
		}
		t.pending[pendingKey(kind, oid)] = pid
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("document: retention proposals: %w", err)
	}
	return t, nil
}

// folderClass returns the effective class of folder id: its own or the
// nearest one above. inherited tells which.
func (t *retentionTree) folderClass(id int64) (c *RetentionClass, inherited bool) {
	for cur, depth := t.folders[id], 0; cur != nil && depth <= maxDepth; depth++ {
		if cur.classID != 0 {
			return t.classes[cur.classID], cur.id != id
		}
		cur = t.folders[cur.parent]
	}
	return nil, false
}

// docClass returns the effective class of document d: its own, its type's
// or its folder's.
func (t *retentionTree) docClass(d *rtDoc) (c *RetentionClass, inherited bool) {
	if d.classID != 0 {
		return t.classes[d.classID], false
	}
	if d.typeClassID != 0 {
		return t.classes[d.typeClassID], true
	}
	c, _ = t.folderClass(d.folder)
	return c, true
}

// closedDay is the calendar day folder f was closed (nil: open).
func (t *retentionTree) closedDay(f *rtFolder) *civil.Date {
	if f == nil || f.state != "closed" || f.closedAt == nil {
		return nil
	}
	d := civil.In(*f.closedAt, t.loc)
	return &d
}

// docTrigger returns the trigger day of document d under class c.
func (t *retentionTree) docTrigger(d *rtDoc, c *RetentionClass) *civil.Date {
	if c == nil {
		return nil
	}
	if c.Trigger == TriggerDocumentDate {
		if d.date != nil {
			return d.date
		}
		day := civil.In(d.createdAt, t.loc)
		return &day
	}
	return t.closedDay(t.folders[d.folder])
}

// docDeletable returns the first deletable day of document d alone (nil:
// not known yet or no class).
func (t *retentionTree) docDeletable(d *rtDoc) (*civil.Date, *civil.Date) {
	c, _ := t.docClass(d)
	trig := t.docTrigger(d, c)
	if trig == nil {
		return nil, nil
	}
	del := DeletableFrom(*trig, c.Years)
	return trig, &del
}

// subtree returns folder id and every folder below it, parents first.
func (t *retentionTree) subtree(id int64) []int64 {
	out := []int64{id}
	for i := 0; i < len(out); i++ {
		out = append(out, t.children[out[i]]...)
	}
	return out
}

// ancestors returns the folders above folder id, nearest first.
func (t *retentionTree) ancestors(id int64) []int64 {
	var out []int64
	f := t.folders[id]
	for depth := 0; f != nil && f.parent != 0 && depth <= maxDepth; depth++ {
		out = append(out, f.parent)
		f = t.folders[f.parent]
	}
	return out
}

// folderDeletable returns the trigger day and first deletable day of
// folder id with everything below it (nil when any part is not known: a
// folder below is open or something has no class).
func (t *retentionTree) folderDeletable(id int64) (trigger, deletable *civil.Date) {
	c, _ := t.folderClass(id)
	if c == nil {
		return nil, nil
	}
	var latest civil.Date // latest deletable day so far
	var latestDoc *civil.Date
	for _, fid := range t.subtree(id) {
		f := t.folders[fid]
		day := t.closedDay(f)
		if day == nil {
			return nil, nil
		}
		fc, _ := t.folderClass(fid)
		if fc == nil {
			return nil, nil
		}
		if fc.Trigger == TriggerFileClosed || len(t.docsIn[fid]) == 0 {
			if d := DeletableFrom(*day, fc.Years); d.After(latest) {
				latest = d
			}
		}
		for _, did := range t.docsIn[fid] {
			trig, del := t.docDeletable(t.docs[did])
			if del == nil {
				return nil, nil
			}
			if del.After(latest) {
				latest = *del
			}
			if latestDoc == nil || trig.After(*latestDoc) {
				latestDoc = trig
			}
		}
	}
	trigger = t.closedDay(t.folders[id])
	if c.Trigger == TriggerDocumentDate && latestDoc != nil {
		trigger = latestDoc
	}
	return trigger, &latest
}

// blockingHolds returns the active holds that keep a record: on it, above
// it and, for a folder, below it (folders and documents).
func (t *retentionTree) blockingHolds(kind string, id int64) []LegalHold {
	folders := map[int64]bool{}
	docs := map[int64]bool{}
	var start int64
	if kind == KindDocument {
		docs[id] = true
		if d := t.docs[id]; d != nil {
			start = d.folder
			folders[start] = true
		}
	} else {
		start = id
		for _, fid := range t.subtree(id) {
			folders[fid] = true
			for _, did := range t.docsIn[fid] {
				docs[did] = true
			}
		}
	}
	for _, fid := range t.ancestors(start) {
		folders[fid] = true
	}
	var out []LegalHold
	for _, h := range t.holds {
		if h.FolderID != 0 && folders[h.FolderID] || h.DocumentID != 0 && docs[h.DocumentID] {
			out = append(out, h)
		}
	}
	return out
}

// pendingFor returns an open proposal that concerns a record: of the
// record itself, of a folder above it or, for a folder, of a document in
// it (0: none).
func (t *retentionTree) pendingFor(kind string, id int64) int64 {
	if p := t.pending[pendingKey(kind, id)]; p != 0 {
		return p
	}
	start := id
	if kind == KindDocument {
		if d := t.docs[id]; d != nil {
			start = d.folder
		}
	} else {
		for _, fid := range t.subtree(id) {
			if p := t.pending[pendingKey(KindFolder, fid)]; p != 0 {
				return p
			}
			for _, did := range t.docsIn[fid] {
				if p := t.pending[pendingKey(KindDocument, did)]; p != 0 {
					return p
				}
			}
		}
	}
	if kind == KindDocument {
		if p := t.pending[pendingKey(KindFolder, start)]; p != 0 {
			return p
		}
	}
	for _, fid := range t.ancestors(start) {
		if p := t.pending[pendingKey(KindFolder, fid)]; p != 0 {
			return p
		}
	}
	return 0
}

// retention computes the Retention of a record in the tree.
func (t *retentionTree) retention(kind string, id int64, today civil.Date) Retention {
	r := Retention{Kind: kind, ID: id}
	if kind == KindDocument {
		d := t.docs[id]
		if d == nil {
			return r
		}
		r.Class, r.Inherited = t.docClass(d)
		r.TriggerDate, r.DeletableFrom = t.docDeletable(d)
	} else {
		r.Class, r.Inherited = t.folderClass(id)
		if f := t.folders[id]; f != nil && f.kind == "file" {
			r.TriggerDate, r.DeletableFrom = t.folderDeletable(id)
		} else if f != nil {
			r.TriggerDate = t.closedDay(f)
		}
	}
	if r.Class != nil {
		c := *r.Class
		r.Class = &c
	}
	r.Expired = r.DeletableFrom != nil && !today.Before(*r.DeletableFrom)
	r.Holds = t.blockingHolds(kind, id)
	if r.Holds == nil {
		r.Holds = []LegalHold{}
	}
	r.PendingDeletion = t.pendingFor(kind, id)
	return r
}

// auditType is the object type under which the audit trail records a
// record kind (folders as "doc_folder", like the file plan's own events).
func auditType(kind string) string {
	if kind == KindFolder {
		return "doc_folder"
	}
	return kind
}

// retentionLockKey is the PostgreSQL advisory lock of retention decisions
// ("ortlosRT").
const retentionLockKey int64 = 0x6f72746c6f735254

// retentionLock serialises, on PostgreSQL, the transactions that place
// legal holds, change retention classes, propose and approve deletions
// (SQLite serialises all writers): an approval then sees every hold and
// every longer period committed before it, and none commits while it
// deletes.
func retentionLock(ctx context.Context, tx *db.Tx) error {
	if tx.Dialect() != db.Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, retentionLockKey); err != nil {
		return fmt.Errorf("document: retention lock: %w", err)
	}
	return nil
}
