package worktime

// Manual entries, corrections and deletions of work intervals, and the
// lead's approval of late ones.
//
// Nothing is overwritten: a change is a new revision of the entry with a
// mandatory reason (source "manual" for a new entry, "correction" for a
// corrected or deleted one). A change whose day (the local date of the old
// and of the new start) lies more than Policy.CorrectionDays days back, or
// falls into a month the person has signed off, is not applied: it becomes
// a pending correction request that the person's lead (or HR) approves or
// rejects. Approval applies it in the same transaction as the decision and
// its audit record. HR and administrators change other people's entries at
// once.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
)

// Actions of a correction request.
const (
	CorrectionCreate = "create"
	CorrectionUpdate = "update"
	CorrectionDelete = "delete"
)

// Statuses of a correction request.
const (
	CorrectionPending   = "pending"
	CorrectionApproved  = "approved"
	CorrectionRejected  = "rejected"
	CorrectionWithdrawn = "withdrawn"
)

// CorrectionStatuses lists the statuses in display order.
var CorrectionStatuses = []string{CorrectionPending, CorrectionApproved, CorrectionRejected, CorrectionWithdrawn}

// Scopes of ListCorrections.
const (
	ScopeMine     = "mine"
	ScopeToDecide = "to_decide"
)

// Bounds of a change.
const (
	// MaxReasonRunes bounds the reason of a change and the note of a
	// rejection.
	MaxReasonRunes = 500
	// MaxEntryDuration is the longest interval that can be entered.
	MaxEntryDuration = 24 * time.Hour
	// maxCorrectionList bounds one answer of ListCorrections.
	maxCorrectionList = 500
)

// farFuture stands in for the open end of a running interval in overlap
// checks.
var farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// EntryChange is the new state of an entry: a manual entry, a correction
// or (Reason and Revision only) a deletion.
type EntryChange struct {
	Start time.Time
	// End nil keeps the interval open; only a running entry may stay open.
	End *time.Time
	// Location empty means office for a new entry and the current location
	// for a correction.
	Location string
	// Reason is mandatory, 1 to 500 characters.
	Reason string
	// Revision, when not 0, is the revision the change was made against:
	// if the entry has changed since, the change is refused
	// (revision_conflict).
	Revision int
}

// Correction is a correction request (Korrekturantrag).
type Correction struct {
	ID     int64
	UserID int64
	// UserName is the display name of the person whose entry it concerns.
	UserName string
	// EntryID is 0 for a requested new entry until it is approved.
	EntryID  int64
	Action   string // CorrectionCreate, CorrectionUpdate or CorrectionDelete
	Start    time.Time
	End      *time.Time
	Location string
	Reason   string
	// BaseRevision is the revision the change was made against (0 for a
	// new entry).
	BaseRevision int
	Status       string
	RequestedAt  time.Time
	RequestedBy  int64
	DecidedAt    *time.Time
	DecidedBy    int64
	// DecidedByName is the display name of who decided (empty while
	// pending).
	DecidedByName string
	DecisionNote  string
}

// ChangeResult is the outcome of a change: either the entry as changed
// (Entry) or the pending request that waits for approval (Request).
type ChangeResult struct {
	Entry   *Entry
	Request *Correction
}

// EntryRevision is one revision in the history of an entry.
type EntryRevision struct {
	Number        int
	Start         time.Time
	End           *time.Time
	Location      string
	Source        string
	Reason        string
	Deleted       bool
	EndsWithBreak bool
	Automatic     bool
	CreatedAt     time.Time
	CreatedBy     int64 // 0: the system
	CreatedByName string
}

// EntryDetail is an entry with its full history.
type EntryDetail struct {
	Entry Entry
	// Deleted reports that the current revision deletes the entry.
	Deleted   bool
	Revisions []EntryRevision // oldest first
	// Corrections are the correction requests of the entry, newest first.
	Corrections []Correction
}

// CorrectionFilter selects correction requests.
type CorrectionFilter struct {
	// Scope ScopeMine (default): the actor's own requests; ScopeToDecide:
	// the requests the actor may decide.
	Scope string
	// Status, when set, is one of CorrectionStatuses.
	Status string
}

// selectEntryAny selects the current revision of one entry, deleted or not.
const selectEntryAny = `SELECT e.id, e.user_id, r.start_at, r.end_at, r.location, r.revision, r.source, r.ends_with_break, r.automatic, r.deleted
	FROM time_entries e JOIN time_entry_revisions r ON r.entry_id = e.id
	WHERE e.id = ? ORDER BY r.revision DESC LIMIT 1`

// loadEntry returns the current state of entry id and whether it is
// deleted, or NotFound.
func loadEntry(ctx context.Context, q db.Querier, id int64) (Entry, bool, error) {
	var e Entry
	var start db.Time
	var end db.NullTime
	var deleted bool
	err := q.QueryRowContext(ctx, selectEntryAny, id).Scan(&e.ID, &e.UserID, &start, &end, &e.Location, &e.Revision, &e.Source, &e.EndsWithBreak, &e.Automatic, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, false, errNotFound
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("worktime: get entry: %w", err)
	}
	e.Start, e.End = start.Time, end.Ptr()
	return e, deleted, nil
}

// checkReason trims and checks a reason (or note); code names the error.
func checkReason(s, field, code string) (string, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n == 0 || n > MaxReasonRunes {
		return "", apperr.Invalidf(code, "%s must be 1 to %d characters", field, MaxReasonRunes).WithField(field, code)
	}
	return s, nil
}

// checkInterval validates the times of a change at now: a start, an end
// after it (open only when allowed), at most 24 hours, nothing in the
// future.
func checkInterval(start time.Time, end *time.Time, openAllowed bool, now time.Time) error {
	switch {
	case start.IsZero():
		return apperr.Invalidf("entry_start_required", "start is required").WithField("start", "entry_start_required")
	case end == nil && !openAllowed:
		return apperr.Invalidf("entry_end_required", "end is required").WithField("end", "entry_end_required")
	case end != nil && !end.After(start):
		return apperr.Invalidf("entry_end_before_start", "end must be after start").WithField("end", "entry_end_before_start")
	case end != nil && end.Sub(start) > MaxEntryDuration:
		return apperr.Invalidf("entry_too_long", "an entry may last at most 24 hours").WithField("end", "entry_too_long")
	case start.After(now):
		return apperr.Invalidf("entry_in_future", "the entry must not lie in the future").WithField("start", "entry_in_future")
	case end != nil && end.After(now):
		return apperr.Invalidf("entry_in_future", "the entry must not lie in the future").WithField("end", "entry_in_future")
	}
	return nil
}

// checkOverlap refuses an interval that overlaps another current entry of
// userID (intervals are half-open, so touching is fine).
func checkOverlap(ctx context.Context, q db.Querier, userID, exceptID int64, start time.Time, end *time.Time) error {
	to := farFuture
	if end != nil {
		to = *end
	}
	others, err := entriesBetween(ctx, q, userID, start, to)
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.ID != exceptID {
			return apperr.Conflictf("entry_overlap", "the entry overlaps entry %d", o.ID).WithField("start", "entry_overlap")
		}
	}
	return nil
}

func errRevisionConflict() error {
	return apperr.Conflictf("revision_conflict", "the entry has changed in the meantime").WithField("revision", "revision_conflict")
}

// CreateEntry adds a manual entry for userID (source "manual").
func (s *Service) CreateEntry(ctx context.Context, a actor.Actor, userID int64, ch EntryChange) (ChangeResult, error) {
	return s.change(ctx, a, CorrectionCreate, userID, 0, ch)
}

// CorrectEntry corrects entry id with a new revision (source
// "correction"). The change describes the whole new state; a running
// entry may keep its open end.
func (s *Service) CorrectEntry(ctx context.Context, a actor.Actor, id int64, ch EntryChange) (ChangeResult, error) {
	return s.change(ctx, a, CorrectionUpdate, 0, id, ch)
}

// DeleteEntry deletes entry id by a revision marked deleted; only Reason
// and Revision of ch count.
func (s *Service) DeleteEntry(ctx context.Context, a actor.Actor, id int64, reason string, revision int) (ChangeResult, error) {
	return s.change(ctx, a, CorrectionDelete, 0, id, EntryChange{Reason: reason, Revision: revision})
}

// change applies or requests a change. The person's row lock serialises it
// with clocking and other changes of the same person.
func (s *Service) change(ctx context.Context, a actor.Actor, action string, userID, entryID int64, ch EntryChange) (ChangeResult, error) {
	if action != CorrectionCreate {
		e, _, err := loadEntry(ctx, s.db, entryID)
		if err != nil {
			return ChangeResult{}, err
		}
		userID = e.UserID
	}
	supervisor, err := userSupervisor(ctx, s.db, userID)
	if err != nil {
		return ChangeResult{}, err
	}
	if err := canChangeEntries(a, userID, supervisor); err != nil {
		return ChangeResult{}, err
	}
	if ch.Reason, err = checkReason(ch.Reason, "reason", "reason_required"); err != nil {
		return ChangeResult{}, err
	}
	if action != CorrectionDelete && ch.Location != "" {
		if ch.Location, err = normaliseLocation(ch.Location); err != nil {
			return ChangeResult{}, err
		}
	}
	var out ChangeResult
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := lockUser(ctx, tx, userID); err != nil {
			return nil, err
		}
		var cur Entry
		var days []civil.Date
		if action != CorrectionCreate {
			var deleted bool
			var err error
			if cur, deleted, err = loadEntry(ctx, tx, entryID); err != nil {
				return nil, err
			}
			if deleted {
				return nil, apperr.Conflictf("entry_deleted", "the entry is deleted")
			}
			if ch.Revision != 0 && ch.Revision != cur.Revision {
				return nil, errRevisionConflict()
			}
			days = append(days, civil.In(cur.Start, s.loc))
		}
		switch action {
		case CorrectionCreate:
			if ch.Location == "" {
				ch.Location = LocationOffice
			}
		case CorrectionUpdate:
			if ch.Location == "" {
				ch.Location = cur.Location
			}
		case CorrectionDelete:
			ch.Start, ch.End, ch.Location = cur.Start, cur.End, cur.Location
		}
		if action != CorrectionDelete {
			if err := checkInterval(ch.Start, ch.End, action == CorrectionUpdate && cur.Running(), now); err != nil {
				return nil, err
			}
			if err := checkOverlap(ctx, tx, userID, entryID, ch.Start, ch.End); err != nil {
				return nil, err
			}
			if d := civil.In(ch.Start, s.loc); !slices.Contains(days, d) {
				days = append(days, d)
			}
		}
		approval, err := s.needsApproval(ctx, tx, a, userID, days, now)
		if err != nil {
			return nil, err
		}
		// While a request for the entry waits, its owner changes it only
		// by withdrawing the request first; HR overrides.
		if action != CorrectionCreate && !canCorrectDirectly(a, userID) {
			if err := noPendingCorrection(ctx, tx, entryID); err != nil {
				return nil, err
			}
		}
		if approval {
			c, ev, err := insertCorrection(ctx, tx, a, now, userID, entryID, action, ch, cur.Revision, days)
			if err != nil {
				return nil, err
			}
			out.Request = &c
			return []audit.Event{ev}, nil
		}
		e, events, err := s.apply(ctx, tx, a, now, action, userID, cur, ch, 0, days)
		if err != nil {
			return nil, err
		}
		out.Entry = &e
		return events, nil
	})
	if err != nil {
		return ChangeResult{}, err
	}
	return out, nil
}

// needsApproval reports whether a change of userID's entries on days needs
// the lead's approval: always when the policy says 0 days, when a day lies
// more than CorrectionDays before today, or when its month is signed off.
// HR and administrators changing someone else's entries need none.
func (s *Service) needsApproval(ctx context.Context, q db.Querier, a actor.Actor, userID int64, days []civil.Date, now time.Time) (bool, error) {
	if canCorrectDirectly(a, userID) {
		return false, nil
	}
	if s.policy.CorrectionDays <= 0 {
		return true, nil
	}
	today := civil.In(now, s.loc)
	for _, d := range days {
		if d.DaysUntil(today) > s.policy.CorrectionDays {
			return true, nil
		}
		locked, err := monthLocked(ctx, q, userID, d)
		if err != nil {
			return false, err
		}
		if locked {
			return true, nil
		}
	}
	return false, nil
}

// apply writes the change as a new revision, written by "by" (for an
// approved request: the requester), and returns the entry and the audit
// events, including those of monthChanged for every affected day.
func (s *Service) apply(ctx context.Context, tx *db.Tx, by actor.Actor, now time.Time, action string, userID int64, cur Entry, ch EntryChange, correctionID int64, days []civil.Date) (Entry, []audit.Event, error) {
	var out Entry
	var ev audit.Event
	detail := map[string]any{"user_id": userID, "reason": ch.Reason}
	if correctionID != 0 {
		detail["correction_id"] = correctionID
	}
	switch action {
	case CorrectionCreate:
		var id int64
		if err := tx.QueryRowContext(ctx, "INSERT INTO time_entries (user_id, created_at) VALUES (?, ?) RETURNING id",
			userID, db.T(now)).Scan(&id); err != nil {
			return Entry{}, nil, fmt.Errorf("worktime: insert entry: %w", err)
		}
		out = Entry{ID: id, UserID: userID, Start: ch.Start, End: ch.End, Location: ch.Location, Revision: 1, Source: SourceManual}
		if err := insertRevision(ctx, tx, by, now, revision{entryID: id, number: 1, start: ch.Start, end: ch.End,
			location: ch.Location, source: SourceManual, reason: ch.Reason}); err != nil {
			return Entry{}, nil, err
		}
		ev.Action = "worktime.entry_create"
	case CorrectionUpdate:
		out = Entry{ID: cur.ID, UserID: userID, Start: ch.Start, End: ch.End, Location: ch.Location, Revision: cur.Revision + 1,
			Source: SourceCorrection, EndsWithBreak: cur.EndsWithBreak && ch.End != nil}
		if err := insertRevision(ctx, tx, by, now, revision{entryID: cur.ID, number: out.Revision, start: ch.Start, end: ch.End,
			location: ch.Location, source: SourceCorrection, reason: ch.Reason, endsWithBreak: out.EndsWithBreak}); err != nil {
			return Entry{}, nil, err
		}
		ev.Action = "worktime.entry_correct"
		detail["previous_revision"] = cur.Revision
	case CorrectionDelete:
		out = cur
		out.Revision, out.Source, out.Automatic = cur.Revision+1, SourceCorrection, false
		if err := insertRevision(ctx, tx, by, now, revision{entryID: cur.ID, number: out.Revision, start: cur.Start, end: cur.End,
			location: cur.Location, source: SourceCorrection, reason: ch.Reason, endsWithBreak: cur.EndsWithBreak, deleted: true}); err != nil {
			return Entry{}, nil, err
		}
		ev.Action = "worktime.entry_delete"
		detail["previous_revision"] = cur.Revision
	}
	detail["revision"] = out.Revision
	detail["start"] = out.Start.UTC().Format(time.RFC3339)
	if out.End != nil {
		detail["end"] = out.End.UTC().Format(time.RFC3339)
	}
	detail["location"] = out.Location
	detail["days"] = dayStrings(days)
	ev.ObjectType, ev.ObjectID, ev.Detail = "time_entry", itoa(out.ID), detail
	events := []audit.Event{ev}
	for _, d := range days {
		more, err := s.monthChanged(ctx, tx, userID, d)
		if err != nil {
			return Entry{}, nil, err
		}
		events = append(events, more...)
	}
	return out, events, nil
}

func dayStrings(days []civil.Date) []string {
	out := make([]string, 0, len(days))
	for _, d := range days {
		out = append(out, d.String())
	}
	return out
}

// noPendingCorrection refuses a second pending request for the same entry.
func noPendingCorrection(ctx context.Context, q db.Querier, entryID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM worktime_corrections WHERE entry_id = ? AND status = ?",
		entryID, CorrectionPending).Scan(&n); err != nil {
		return fmt.Errorf("worktime: pending corrections: %w", err)
	}
	if n > 0 {
		return apperr.Conflictf("correction_pending", "a correction of this entry is waiting for approval")
	}
	return nil
}

func insertCorrection(ctx context.Context, tx *db.Tx, a actor.Actor, now time.Time, userID, entryID int64, action string, ch EntryChange, base int, days []civil.Date) (Correction, audit.Event, error) {
	var entry any
	if entryID != 0 {
		entry = entryID
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO worktime_corrections
		(user_id, entry_id, action, start_at, end_at, location, reason, base_revision, status, requested_at, requested_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		userID, entry, action, db.T(ch.Start), db.NT(ch.End), ch.Location, ch.Reason, base, CorrectionPending, db.T(now), actorID(a)).Scan(&id); err != nil {
		return Correction{}, audit.Event{}, fmt.Errorf("worktime: insert correction: %w", err)
	}
	c := Correction{ID: id, UserID: userID, EntryID: entryID, Action: action, Start: ch.Start, End: ch.End, Location: ch.Location,
		Reason: ch.Reason, BaseRevision: base, Status: CorrectionPending, RequestedAt: now, RequestedBy: a.UserID}
	if err := tx.QueryRowContext(ctx, "SELECT display_name FROM users WHERE id = ?", userID).Scan(&c.UserName); err != nil {
		return Correction{}, audit.Event{}, fmt.Errorf("worktime: correction user: %w", err)
	}
	detail := map[string]any{"user_id": userID, "action": action, "base_revision": base, "days": dayStrings(days), "reason": ch.Reason}
	if entryID != 0 {
		detail["entry_id"] = entryID
	}
	return c, audit.Event{Action: "worktime.correction_request", ObjectType: "worktime_correction", ObjectID: itoa(id), Detail: detail}, nil
}

const selectCorrection = `SELECT c.id, c.user_id, u.display_name, c.entry_id, c.action, c.start_at, c.end_at, c.location, c.reason,
	c.base_revision, c.status, c.requested_at, c.requested_by, c.decided_at, c.decided_by, COALESCE(d.display_name, ''), c.decision_note
	FROM worktime_corrections c JOIN users u ON u.id = c.user_id LEFT JOIN users d ON d.id = c.decided_by`

func scanCorrection(row db.Scanner) (Correction, error) {
	var c Correction
	var entry, reqBy, decBy sql.NullInt64
	var start, requested db.Time
	var end, decided db.NullTime
	err := row.Scan(&c.ID, &c.UserID, &c.UserName, &entry, &c.Action, &start, &end, &c.Location, &c.Reason,
		&c.BaseRevision, &c.Status, &requested, &reqBy, &decided, &decBy, &c.DecidedByName, &c.DecisionNote)
	c.EntryID, c.RequestedBy, c.DecidedBy = entry.Int64, reqBy.Int64, decBy.Int64
	c.Start, c.End, c.RequestedAt, c.DecidedAt = start.Time, end.Ptr(), requested.Time, decided.Ptr()
	return c, err
}

func getCorrection(ctx context.Context, q db.Querier, id int64) (Correction, error) {
	c, err := scanCorrection(q.QueryRowContext(ctx, selectCorrection+" WHERE c.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Correction{}, errNotFound
	}
	if err != nil {
		return Correction{}, fmt.Errorf("worktime: get correction: %w", err)
	}
	return c, nil
}

// GetEntry returns entry id with its full history (deleted entries
// included) and its correction requests. The person, their lead, HR and
// administrators see it; everyone else gets NotFound.
func (s *Service) GetEntry(ctx context.Context, a actor.Actor, id int64) (EntryDetail, error) {
	e, deleted, err := loadEntry(ctx, s.db, id)
	if err != nil {
		return EntryDetail{}, err
	}
	supervisor, err := userSupervisor(ctx, s.db, e.UserID)
	if err != nil {
		return EntryDetail{}, err
	}
	if !canViewEntries(a, e.UserID, supervisor) {
		return EntryDetail{}, errNotFound
	}
	out := EntryDetail{Entry: e, Deleted: deleted}
	out.Revisions, err = db.Query(ctx, s.db, func(row db.Scanner) (EntryRevision, error) {
		var r EntryRevision
		var start, created db.Time
		var end db.NullTime
		var by sql.NullInt64
		err := row.Scan(&r.Number, &start, &end, &r.Location, &r.Source, &r.Reason, &r.Deleted, &r.EndsWithBreak, &r.Automatic, &created, &by, &r.CreatedByName)
		r.Start, r.End, r.CreatedAt, r.CreatedBy = start.Time, end.Ptr(), created.Time, by.Int64
		return r, err
	}, `SELECT r.revision, r.start_at, r.end_at, r.location, r.source, r.reason, r.deleted, r.ends_with_break, r.automatic, r.created_at, r.created_by, COALESCE(u.display_name, '')
		FROM time_entry_revisions r LEFT JOIN users u ON u.id = r.created_by WHERE r.entry_id = ? ORDER BY r.revision`, id)
	if err != nil {
		return EntryDetail{}, fmt.Errorf("worktime: list revisions: %w", err)
	}
	out.Corrections, err = db.Query(ctx, s.db, scanCorrection, selectCorrection+" WHERE c.entry_id = ? ORDER BY c.id DESC", id)
	if err != nil {
		return EntryDetail{}, fmt.Errorf("worktime: list corrections: %w", err)
	}
	return out, nil
}

// ListCorrections returns correction requests, newest first (at most 500):
// with ScopeMine the actor's own, with ScopeToDecide those the actor may
// decide (the lead: of the people they supervise; HR and administrators:
// of everyone), never the actor's own.
func (s *Service) ListCorrections(ctx context.Context, a actor.Actor, f CorrectionFilter) ([]Correction, error) {
	if !a.Authenticated() {
		return nil, errNotFound
	}
	var where []string
	var args []any
	switch f.Scope {
	case "", ScopeMine:
		where, args = append(where, "c.user_id = ?"), append(args, a.UserID)
	case ScopeToDecide:
		if !CanDecideCorrections(a) {
			return []Correction{}, nil
		}
		where, args = append(where, "c.user_id <> ?"), append(args, a.UserID)
		if !a.IsAdmin() && !a.Has(actor.RoleHR) {
			where, args = append(where, "u.supervisor_id = ?"), append(args, a.UserID)
		}
	default:
		return nil, apperr.Invalidf("invalid_filter", "scope must be mine or to_decide").WithField("scope", "invalid_filter")
	}
	if f.Status != "" {
		if !slices.Contains(CorrectionStatuses, f.Status) {
			return nil, apperr.Invalidf("invalid_filter", "unknown status").WithField("status", "invalid_filter")
		}
		where, args = append(where, "c.status = ?"), append(args, f.Status)
	}
	out, err := db.Query(ctx, s.db, scanCorrection, fmt.Sprintf("%s WHERE %s ORDER BY c.id DESC LIMIT %d",
		selectCorrection, strings.Join(where, " AND "), maxCorrectionList), args...)
	if err != nil {
		return nil, fmt.Errorf("worktime: list corrections: %w", err)
	}
	if out == nil {
		out = []Correction{}
	}
	return out, nil
}

// correctionFor loads request id for a: NotFound unless a may see the
// person's entries or decide the request. It also returns the person's
// supervisor.
func (s *Service) correctionFor(ctx context.Context, a actor.Actor, id int64) (Correction, int64, error) {
	c, err := getCorrection(ctx, s.db, id)
	if err != nil {
		return Correction{}, 0, err
	}
	supervisor, err := userSupervisor(ctx, s.db, c.UserID)
	if err != nil {
		return Correction{}, 0, err
	}
	if !canViewEntries(a, c.UserID, supervisor) && !canDecideCorrection(a, c.UserID, supervisor) {
		return Correction{}, 0, errNotFound
	}
	return c, supervisor, nil
}

// decisionTarget loads request id for a decision by a: NotFound for who may
// not see it, own_correction for the requester, forbidden for other
// viewers who may not decide it.
func (s *Service) decisionTarget(ctx context.Context, a actor.Actor, id int64) (Correction, error) {
	c, supervisor, err := s.correctionFor(ctx, a, id)
	if err != nil {
		return Correction{}, err
	}
	if a.UserID == c.UserID {
		return Correction{}, apperr.Forbiddenf("own_correction", "nobody decides their own correction request")
	}
	if !canDecideCorrection(a, c.UserID, supervisor) {
		return Correction{}, errNotAllowed
	}
	if !a.CanWrite() {
		return Correction{}, errReadOnlyToken
	}
	return c, nil
}

// pendingInTx reloads request id inside tx and refuses it unless pending.
func pendingInTx(ctx context.Context, tx *db.Tx, id int64) (Correction, error) {
	c, err := getCorrection(ctx, tx, id)
	if err != nil {
		return Correction{}, err
	}
	if c.Status != CorrectionPending {
		return Correction{}, apperr.Conflictf("correction_not_pending", "the request is %s", c.Status)
	}
	return c, nil
}

func setDecision(ctx context.Context, tx *db.Tx, a actor.Actor, now time.Time, c *Correction, status, note string) error {
	var entry any
	if c.EntryID != 0 {
		entry = c.EntryID
	}
	if _, err := tx.ExecContext(ctx, `UPDATE worktime_corrections SET status = ?, decided_at = ?, decided_by = ?, decision_note = ?, entry_id = ?
		WHERE id = ? AND status = ?`, status, db.T(now), actorID(a), note, entry, c.ID, CorrectionPending); err != nil {
		return fmt.Errorf("worktime: decide correction: %w", err)
	}
	c.Status, c.DecidedAt, c.DecidedBy, c.DecisionNote = status, &now, a.UserID, note
	return nil
}

// ApproveCorrection approves request id and applies it in the same
// transaction. If the entry has changed since the request
// (revision_conflict), was deleted (entry_deleted) or the change now
// overlaps another entry (entry_overlap), nothing changes and the request
// stays pending.
func (s *Service) ApproveCorrection(ctx context.Context, a actor.Actor, id int64) (Correction, Entry, error) {
	if _, err := s.decisionTarget(ctx, a, id); err != nil {
		return Correction{}, Entry{}, err
	}
	var out Correction
	var entry Entry
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		c, err := getCorrection(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if err := lockUser(ctx, tx, c.UserID); err != nil {
			return nil, err
		}
		if c, err = pendingInTx(ctx, tx, id); err != nil {
			return nil, err
		}
		ch := EntryChange{Start: c.Start, End: c.End, Location: c.Location, Reason: c.Reason}
		var cur Entry
		var days []civil.Date
		if c.Action != CorrectionCreate {
			var deleted bool
			if cur, deleted, err = loadEntry(ctx, tx, c.EntryID); err != nil {
				return nil, err
			}
			if deleted {
				return nil, apperr.Conflictf("entry_deleted", "the entry is deleted")
			}
			if cur.Revision != c.BaseRevision {
				return nil, errRevisionConflict()
			}
			days = append(days, civil.In(cur.Start, s.loc))
		}
		if c.Action != CorrectionDelete {
			if err := checkOverlap(ctx, tx, c.UserID, c.EntryID, c.Start, c.End); err != nil {
				return nil, err
			}
			if d := civil.In(c.Start, s.loc); !slices.Contains(days, d) {
				days = append(days, d)
			}
		}
		by := actor.Actor{UserID: c.RequestedBy}
		e, events, err := s.apply(ctx, tx, by, now, c.Action, c.UserID, cur, ch, c.ID, days)
		if err != nil {
			return nil, err
		}
		c.EntryID = e.ID
		if err := setDecision(ctx, tx, a, now, &c, CorrectionApproved, ""); err != nil {
			return nil, err
		}
		out, entry = c, e
		approve := audit.Event{Action: "worktime.correction_approve", ObjectType: "worktime_correction", ObjectID: itoa(c.ID),
			Detail: map[string]any{"user_id": c.UserID, "entry_id": e.ID, "action": c.Action, "revision": e.Revision, "days": dayStrings(days)}}
		return append([]audit.Event{approve}, events...), nil
	})
	if err != nil {
		return Correction{}, Entry{}, err
	}
	if c, err := getCorrection(ctx, s.db, id); err == nil {
		out = c // with the decider's display name
	}
	return out, entry, nil
}

// RejectCorrection rejects request id with a note (1 to 500 characters)
// that the requester sees.
func (s *Service) RejectCorrection(ctx context.Context, a actor.Actor, id int64, note string) (Correction, error) {
	if _, err := s.decisionTarget(ctx, a, id); err != nil {
		return Correction{}, err
	}
	note, err := checkReason(note, "note", "note_required")
	if err != nil {
		return Correction{}, err
	}
	return s.decide(ctx, a, id, CorrectionRejected, note, "worktime.correction_reject")
}

// WithdrawCorrection withdraws the actor's own pending request id.
func (s *Service) WithdrawCorrection(ctx context.Context, a actor.Actor, id int64) (Correction, error) {
	c, _, err := s.correctionFor(ctx, a, id)
	if err != nil {
		return Correction{}, err
	}
	if c.UserID != a.UserID && c.RequestedBy != a.UserID {
		return Correction{}, errNotAllowed
	}
	if !a.CanWrite() {
		return Correction{}, errReadOnlyToken
	}
	return s.decide(ctx, a, id, CorrectionWithdrawn, "", "worktime.correction_withdraw")
}

func (s *Service) decide(ctx context.Context, a actor.Actor, id int64, status, note, action string) (Correction, error) {
	var out Correction
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		c, err := pendingInTx(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if err := setDecision(ctx, tx, a, now, &c, status, note); err != nil {
			return nil, err
		}
		out = c
		detail := map[string]any{"user_id": c.UserID, "action": c.Action}
		if c.EntryID != 0 {
			detail["entry_id"] = c.EntryID
		}
		if note != "" {
			detail["note"] = note
		}
		return []audit.Event{{Action: action, ObjectType: "worktime_correction", ObjectID: itoa(c.ID), Detail: detail}}, nil
	})
	if err != nil {
		return Correction{}, err
	}
	if c, err := getCorrection(ctx, s.db, id); err == nil {
		out = c // with the decider's display name
	}
	return out, nil
}

// countPendingCorrections returns the number of pending correction
// requests per person of userIDs (people without any are left out), for
// the team view.
func countPendingCorrections(ctx context.Context, q db.Querier, userIDs []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(userIDs) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(userIDs)+1)
	args = append(args, CorrectionPending)
	for _, id := range userIDs {
		args = append(args, id)
	}
	query := "SELECT user_id, count(*) FROM worktime_corrections WHERE status = ? AND user_id IN (?" +
		strings.Repeat(", ?", len(userIDs)-1) + ") GROUP BY user_id"
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("worktime: count corrections: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("worktime: count corrections: %w", err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("worktime: count corrections: %w", err)
	}
	return out, nil
}
