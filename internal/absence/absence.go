// Package absence records absences (Abwesenheiten): leave, sickness,
// business trips and the like. People request absences for themselves;
// their lead (or HR) approves or rejects requests; types that need no
// approval (sickness) are recorded as approved at once; HR records any
// absence of other people directly. A range counts only the days the person
// would work under their work model, without the statewide holidays of
// their Bundesland (worktime.Service.TargetMinutes). Authorisation decisions
// live in absence_permissions.go; every change is written with its audit
// record in one transaction. The working-time module reads the absences
// table directly.
package absence

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/notify"
	"ortlos/internal/worktime"
)

// Day lengths of an absence.
const (
	DayFull    = "full"
	DayMorning = "morning"
	DayNoon    = "noon"
)

// DayLengths lists the day lengths in display order.
var DayLengths = []string{DayFull, DayMorning, DayNoon}

// Statuses of an absence.
const (
	StatusRequested = "requested"
	StatusApproved  = "approved"
	StatusRejected  = "rejected"
	StatusCancelled = "cancelled"
)

// Statuses lists the statuses in display order.
var Statuses = []string{StatusRequested, StatusApproved, StatusRejected, StatusCancelled}

// TypeAbsent is the type a lead sees instead of a type that reveals
// health data: only that the person is absent.
const TypeAbsent = "absent"

// Bounds.
const (
	// MaxNoteRunes bounds the note of an absence and of a decision.
	MaxNoteRunes = 500
	// MaxDays is the longest range of one absence, in calendar days.
	MaxDays = 366
	// maxList bounds one answer of List.
	maxList = 1000
	// maxTargetSpan is the longest span worktime.TargetMinutes answers.
	maxTargetSpan = 400
)

// Type is an absence type (absence_types).
type Type struct {
	ID     string
	NameDE string
	NameEN string
	// NeedsApproval: a request waits for the lead (sickness does not).
	NeedsApproval bool
	// CreditsTarget: approved days credit the working-time target (a
	// Gleittag does not: it draws from the flexitime account).
	CreditsTarget bool
	// HealthData: the type reveals health data; only the person and HR
	// see it.
	HealthData bool
	Active     bool
	Sort       int
}

// Name returns the type's name in lang ("de" or "en").
func (t Type) Name(lang string) string {
	if lang == "en" {
		return t.NameEN
	}
	return t.NameDE
}

// Absence is one absence as the actor may see it.
type Absence struct {
	ID       int64
	UserID   int64
	UserName string
	// TypeID is TypeAbsent when the actor may not see the type (a lead
	// looking at a report's sickness); Note is then empty.
	TypeID       string
	Start        civil.Date
	End          civil.Date
	DayLength    string
	Status       string
	Note         string
	SubstituteID int64
	// SubstituteName is the substitute's display name.
	SubstituteName string
	CreatedAt      time.Time
	CreatedBy      int64
	DecidedAt      *time.Time
	DecidedBy      int64
	DecisionNote   string
	// SubstituteConfirmedAt is when the substitute confirmed; a request
	// with a substitute waits for it before the lead may decide.
	SubstituteConfirmedAt *time.Time
	// ReplacesID is the approved absence a change request replaces (0:
	// none).
	ReplacesID int64
	// CancelRequestedAt is when the person asked to cancel this approved,
	// started absence; the lead decides the cancellation.
	CancelRequestedAt *time.Time
	// WorkingDays is the number of days of the range the person would
	// work (half for a half day), under the work model and the statewide
	// holidays of their Bundesland.
	WorkingDays float64
	// StaffingWarnings are the days on which the person's org unit would
	// be below its minimum staffing; nil unless filled by
	// WithStaffingWarnings (staffing.go).
	StaffingWarnings []StaffingWarning
}

// NewAbsence is a request or a record of an absence.
type NewAbsence struct {
	// UserID is the person; 0 means the actor.
	UserID    int64
	TypeID    string
	Start     civil.Date
	End       civil.Date
	DayLength string // empty: full
	Note      string
	// SubstituteID is the optional Vertretung (0: none).
	SubstituteID int64
}

// Filter selects absences for List.
type Filter struct {
	// UserID, when set, selects one person (404 when the actor may not
	// see them); 0 selects everyone the actor may see.
	UserID int64
	// From and To, when set, select absences that overlap [From, To].
	From, To civil.Date
	// Status, when set, is one of Statuses.
	Status string
	// ToDecide selects the requests the actor may decide (not their own):
	// as lead, as the deputy of a lead who is away today, or as HR.
	// Requests waiting for their substitute are not among them.
	ToDecide bool
	// ToConfirm selects the requests waiting for the actor's confirmation
	// as substitute.
	ToConfirm bool
}

// AwaitsSubstitute reports whether the request waits for its substitute's
// confirmation.
func (x Absence) AwaitsSubstitute() bool {
	return x.Status == StatusRequested && x.SubstituteID != 0 && x.SubstituteConfirmedAt == nil
}

// Service is the absence service.
type Service struct {
	db    *db.DB
	clock clock.Clock
	wt    *worktime.Service
	// leadsSeeHealthTypes lets leads see the type of their reports'
	// health-data absences (ORTLOS_ABSENCE_LEADS_SEE_HEALTH_TYPES).
	leadsSeeHealthTypes bool
	// notifier, when set, tells the people concerned (notify.go).
	notifier Notifier
	// carryOverExpiry is the day the leave carry-over lapses (zero: 31
	// March).
	carryOverExpiry CarryOverExpiry
	// taskFeed, when set, renders feeds of kind tasks (feeds.go).
	taskFeed TaskFeed
}

// WithLeadsSeeHealthTypes returns a copy of s in which leads see the type
// (not the notes) of their reports' absences whose type reveals health
// data, where the organisation allows it (e.g. by a Dienstvereinbarung).
func (s *Service) WithLeadsSeeHealthTypes(allow bool) *Service {
	c := *s
	c.leadsSeeHealthTypes = allow
	return &c
}

// seesType reports whether a sees the type of a health-data absence of
// ownerID (whose supervisor is supervisorID).
func (s *Service) seesType(a actor.Actor, ownerID, supervisorID int64) bool {
	return seesHealthData(a, ownerID) || (s.leadsSeeHealthTypes && isLeadOf(a, supervisorID))
}

// NewService returns an absence service that counts working days with
// wt's work models and judges "today" in wt's zone.
func NewService(d *db.DB, c clock.Clock, wt *worktime.Service) *Service {
	return &Service{db: d, clock: c, wt: wt}
}

// Today is the current calendar day in the organisation's zone.
func (s *Service) Today() civil.Date { return civil.In(s.clock.Now(), s.wt.Location()) }

// write runs fn with its audit events in one transaction (audit.Write).
func (s *Service) write(ctx context.Context, a actor.Actor, fn func(tx *db.Tx, now time.Time) ([]audit.Event, error)) error {
	return audit.Write(ctx, s.db, s.clock.Now(), a, fn)
}

// person is what the service needs to know about the owner of absences.
type person struct {
	id         int64
	name       string
	supervisor int64
	state      string
}

func (s *Service) person(ctx context.Context, q db.Querier, userID int64) (person, error) {
	p := person{id: userID}
	var sup sql.NullInt64
	err := q.QueryRowContext(ctx, "SELECT display_name, supervisor_id, state FROM users WHERE id = ?", userID).Scan(&p.name, &sup, &p.state)
	if errors.Is(err, sql.ErrNoRows) {
		return person{}, errNotFound
	}
	if err != nil {
		return person{}, fmt.Errorf("absence: get user: %w", err)
	}
	p.supervisor = sup.Int64
	if p.state == "" {
		p.state = s.wt.Policy().DefaultState
	}
	return p, nil
}

// Types returns all absence types (inactive ones too, for the names of old
// absences) in display order. Every signed-in person may read them.
func (s *Service) Types(ctx context.Context, a actor.Actor) ([]Type, error) {
	if !a.Authenticated() && !a.Privileged() {
		return nil, errNotFound
	}
	return s.types(ctx, s.db)
}

func (s *Service) types(ctx context.Context, q db.Querier) ([]Type, error) {
	out, err := db.Query(ctx, q, func(row db.Scanner) (Type, error) {
		var t Type
		err := row.Scan(&t.ID, &t.NameDE, &t.NameEN, &t.NeedsApproval, &t.CreditsTarget, &t.HealthData, &t.Active, &t.Sort)
		return t, err
	}, "SELECT id, name_de, name_en, needs_approval, credits_target, health_data, active, sort FROM absence_types ORDER BY sort, id")
	if err != nil {
		return nil, fmt.Errorf("absence: list types: %w", err)
	}
	return out, nil
}

func errUnknownType() error {
	return apperr.Invalidf("unknown_absence_type", "unknown or inactive absence type").WithField("type_id", "unknown_absence_type")
}

// activeType returns the active type id.
func (s *Service) activeType(ctx context.Context, q db.Querier, id string) (Type, error) {
	types, err := s.types(ctx, q)
	if err != nil {
		return Type{}, err
	}
	i := slices.IndexFunc(types, func(t Type) bool { return t.ID == id })
	if i < 0 || !types[i].Active {
		return Type{}, errUnknownType()
	}
	return types[i], nil
}

// checkNew validates the fields of n that need no database.
func checkNew(n *NewAbsence) error {
	n.TypeID = strings.TrimSpace(n.TypeID)
	n.Note = strings.TrimSpace(n.Note)
	if n.DayLength == "" {
		n.DayLength = DayFull
	}
	switch {
	case n.TypeID == "":
		return errUnknownType()
	case n.Start.IsZero():
		return apperr.Invalidf("invalid_date", "start is required").WithField("start", "invalid_date")
	case n.End.IsZero():
		return apperr.Invalidf("invalid_date", "end is required").WithField("end", "invalid_date")
	case n.End.Before(n.Start) || n.Start.DaysUntil(n.End) >= MaxDays:
		return apperr.Invalidf("invalid_range", "end must not be before start, at most %d days", MaxDays).WithField("end", "invalid_range")
	case !slices.Contains(DayLengths, n.DayLength):
		return apperr.Invalidf("invalid_day_length", "day length must be full, morning or noon").WithField("day_length", "invalid_day_length")
	case n.DayLength != DayFull && n.Start != n.End:
		return apperr.Invalidf("half_day_single", "a half day is a single day").WithField("day_length", "half_day_single")
	case utf8.RuneCountInString(n.Note) > MaxNoteRunes:
		return apperr.Invalidf("absence_note_too_long", "the note may have at most %d characters", MaxNoteRunes).WithField("note", "absence_note_too_long")
	}
	return nil
}

// workingDays counts the days from start to end with a target above 0,
// half of it for a half day.
func workingDays(targets map[civil.Date]int, start, end civil.Date, dayLength string) float64 {
	n := 0.0
	for d := start; !d.After(end); d = d.AddDays(1) {
		if targets[d] > 0 {
			n++
		}
	}
	if dayLength != DayFull {
		n /= 2
	}
	return n
}

// Request records an absence: a request waiting for the lead, or, for
// types that need no approval and for HR recording someone else's absence,
// an approved absence at once.
func (s *Service) Request(ctx context.Context, a actor.Actor, n NewAbsence) (Absence, error) {
	if n.UserID == 0 {
		n.UserID = a.UserID
	}
	if n.UserID == 0 {
		return Absence{}, errNotFound
	}
	p, err := s.person(ctx, s.db, n.UserID)
	if err != nil {
		return Absence{}, err
	}
	if err := canCreate(a, n.UserID, p.supervisor); err != nil {
		return Absence{}, err
	}
	if err := checkNew(&n); err != nil {
		return Absence{}, err
	}
	t, err := s.activeType(ctx, s.db, n.TypeID)
	if err != nil {
		return Absence{}, err
	}
	if n.SubstituteID != 0 {
		if n.SubstituteID == n.UserID {
			return Absence{}, errSubstitute()
		}
		if _, err := s.person(ctx, s.db, n.SubstituteID); err != nil {
			if apperr.KindOf(err) == apperr.NotFound {
				return Absence{}, errSubstitute()
			}
			return Absence{}, err
		}
	}
	targets, err := s.wt.TargetMinutes(ctx, n.UserID, p.state, n.Start, n.End)
	if err != nil {
		return Absence{}, err
	}
	days := workingDays(targets, n.Start, n.End, n.DayLength)
	if days == 0 {
		return Absence{}, apperr.Invalidf("no_working_days", "the range contains no working day").WithField("start", "no_working_days")
	}
	status, action := StatusRequested, "absence.request"
	if !t.NeedsApproval || recordsDirectly(a, n.UserID) {
		status, action = StatusApproved, "absence.record"
	}
	var id int64
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := lockUser(ctx, tx, n.UserID); err != nil {
			return nil, err
		}
		if err := checkOverlap(ctx, tx, n.UserID, 0, n.Start, n.End, n.DayLength); err != nil {
			return nil, err
		}
		var sub any
		if n.SubstituteID != 0 {
			sub = n.SubstituteID
		}
		var decidedAt db.NullTime
		var decidedBy any
		if status == StatusApproved {
			decidedAt, decidedBy = db.NT(&now), actorID(a)
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO absences
			(user_id, type_id, start_date, end_date, day_length, status, note, substitute_id, created_at, created_by, decided_at, decided_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			n.UserID, t.ID, n.Start.String(), n.End.String(), n.DayLength, status, n.Note, sub, db.T(now), actorID(a), decidedAt, decidedBy).Scan(&id); err != nil {
			return nil, fmt.Errorf("absence: insert: %w", err)
		}
		events := []audit.Event{{Action: action, ObjectType: "absence", ObjectID: itoa(id), Detail: map[string]any{
			"user_id": n.UserID, "type_id": t.ID, "start": n.Start.String(), "end": n.End.String(),
			"day_length": n.DayLength, "status": status, "working_days": days}}}
		if status != StatusApproved {
			return events, s.requested(ctx, tx, now, a, id, p, n.SubstituteID, n.Start, n.End)
		}
		if err := s.notify(ctx, tx, now, a, noteTo(n.UserID, "recorded", id, n.Start, n.End)); err != nil {
			return nil, err
		}
		return s.closedMonthsFollow(ctx, tx, events, n.UserID, n.Start, n.End)
	})
	if err != nil {
		return Absence{}, err
	}
	return s.Get(ctx, a, id)
}

func errSubstitute() error {
	return apperr.Invalidf("invalid_substitute", "the substitute must be another existing person").WithField("substitute_id", "invalid_substitute")
}

// lockUser takes the row lock of the user inside tx, so that two requests
// of the same person cannot both pass the overlap check.
func lockUser(ctx context.Context, tx *db.Tx, userID int64) error {
	res, err := tx.ExecContext(ctx, "UPDATE users SET updated_at = updated_at WHERE id = ?", userID)
	if err != nil {
		return fmt.Errorf("absence: lock user: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("absence: lock user: %w", err)
	} else if n != 1 {
		return errNotFound
	}
	return nil
}

// checkOverlap refuses a range that overlaps another requested or approved
// absence of userID. A morning and an afternoon on the same day do not
// overlap.
func checkOverlap(ctx context.Context, q db.Querier, userID, exceptID int64, start, end civil.Date, dayLength string) error {
	type other struct {
		id         int64
		start, end string
		dayLength  string
	}
	others, err := db.Query(ctx, q, func(row db.Scanner) (other, error) {
		var o other
		err := row.Scan(&o.id, &o.start, &o.end, &o.dayLength)
		return o, err
	}, "SELECT id, start_date, end_date, day_length FROM absences WHERE user_id = ? AND status IN (?, ?) AND start_date <= ? AND end_date >= ?",
		userID, StatusRequested, StatusApproved, end.String(), start.String())
	if err != nil {
		return fmt.Errorf("absence: overlap: %w", err)
	}
	for _, o := range others {
		if o.id == exceptID {
			continue
		}
		halves := dayLength != DayFull && o.dayLength != DayFull && o.dayLength != dayLength
		if halves && o.start == o.end && start == end {
			continue
		}
		return apperr.Conflictf("absence_overlap", "the range overlaps absence %d", o.id).WithField("start", "absence_overlap")
	}
	return nil
}

// row is an absences row with its owner.
type row struct {
	Absence
	supervisor int64
	state      string
	healthData bool
}

const selectAbsence = `SELECT a.id, a.user_id, u.display_name, u.supervisor_id, u.state, a.type_id, t.health_data,
	a.start_date, a.end_date, a.day_length, a.status, a.note, a.substitute_id, a.created_at, a.created_by,
	a.decided_at, a.decided_by, a.decision_note, a.substitute_confirmed_at, a.replaces_id, sb.display_name, a.cancel_requested_at
	FROM absences a JOIN users u ON u.id = a.user_id JOIN absence_types t ON t.id = a.type_id
	LEFT JOIN users sb ON sb.id = a.substitute_id`

func (s *Service) scanRow(sc db.Scanner) (row, error) {
	var r row
	var sup, sub, createdBy, decidedBy, replaces sql.NullInt64
	var start, end string
	var subName sql.NullString
	var created db.Time
	var decided, confirmed, cancelReq db.NullTime
	if err := sc.Scan(&r.ID, &r.UserID, &r.UserName, &sup, &r.state, &r.TypeID, &r.healthData,
		&start, &end, &r.DayLength, &r.Status, &r.Note, &sub, &created, &createdBy,
		&decided, &decidedBy, &r.DecisionNote, &confirmed, &replaces, &subName, &cancelReq); err != nil {
		return row{}, err
	}
	var err error
	if r.Start, err = civil.Parse(start); err != nil {
		return row{}, fmt.Errorf("absence %d: start: %w", r.ID, err)
	}
	if r.End, err = civil.Parse(end); err != nil {
		return row{}, fmt.Errorf("absence %d: end: %w", r.ID, err)
	}
	r.supervisor, r.SubstituteID, r.CreatedBy, r.DecidedBy = sup.Int64, sub.Int64, createdBy.Int64, decidedBy.Int64
	r.CreatedAt, r.DecidedAt = created.Time, decided.Ptr()
	r.SubstituteConfirmedAt, r.ReplacesID, r.SubstituteName = confirmed.Ptr(), replaces.Int64, subName.String
	r.CancelRequestedAt = cancelReq.Ptr()
	if r.state == "" {
		r.state = s.wt.Policy().DefaultState
	}
	return r, nil
}

func (s *Service) load(ctx context.Context, q db.Querier, id int64) (row, error) {
	r, err := s.scanRow(q.QueryRowContext(ctx, selectAbsence+" WHERE a.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, errNotFound
	}
	if err != nil {
		return row{}, fmt.Errorf("absence: get: %w", err)
	}
	return r, nil
}

// view returns the absence as a may see it: for a lead looking at a type
// with health data, the type is TypeAbsent (unless the organisation lets
// leads see it) and the notes are empty.
func (s *Service) view(a actor.Actor, r row) Absence {
	out := r.Absence
	if r.healthData && !seesHealthData(a, r.UserID) {
		out.Note, out.DecisionNote = "", ""
		if !s.seesType(a, r.UserID, r.supervisor) {
			out.TypeID = TypeAbsent
		}
	}
	return out
}

// Get returns absence id, or NotFound when the actor may not see it.
func (s *Service) Get(ctx context.Context, a actor.Actor, id int64) (Absence, error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return Absence{}, err
	}
	if !canView(a, r.UserID, r.supervisor) && !isSubstitute(a, r.SubstituteID) {
		deputy, err := s.actingDeputy(ctx, s.db, a, r.supervisor)
		if err != nil {
			return Absence{}, err
		}
		if !deputy {
			return Absence{}, errNotFound
		}
	}
	targets, err := s.wt.TargetMinutes(ctx, r.UserID, r.state, r.Start, r.End)
	if err != nil {
		return Absence{}, err
	}
	r.WorkingDays = workingDays(targets, r.Start, r.End, r.DayLength)
	return s.view(a, r), nil
}

// List returns the absences selected by f that the actor may see, by start
// date (at most 1000).
func (s *Service) List(ctx context.Context, a actor.Actor, f Filter) ([]Absence, error) {
	if !a.Authenticated() && !a.Privileged() {
		return nil, errNotFound
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		return nil, apperr.Invalidf("invalid_filter", "unknown status").WithField("status", "invalid_filter")
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return nil, apperr.Invalidf("invalid_range", "from must not be after to").WithField("to", "invalid_range")
	}
	var where []string
	var args []any
	if f.UserID != 0 {
		p, err := s.person(ctx, s.db, f.UserID)
		if err != nil {
			return nil, err
		}
		if !canView(a, p.id, p.supervisor) {
			return nil, errNotFound
		}
		where, args = append(where, "a.user_id = ?"), append(args, f.UserID)
	}
	switch {
	case f.ToDecide:
		var leads []int64
		if !isHR(a) {
			var err error
			if leads, err = s.awayLeads(ctx, s.db, a.UserID); err != nil {
				return nil, err
			}
			if a.Has(actor.RoleLead) {
				leads = append(leads, a.UserID)
			}
			if len(leads) == 0 {
				return []Absence{}, nil
			}
		}
		where, args = append(where, "a.user_id <> ?",
			"((a.status = ? AND (a.substitute_id IS NULL OR a.substitute_confirmed_at IS NOT NULL)) OR (a.status = ? AND a.cancel_requested_at IS NOT NULL))"),
			append(args, a.UserID, StatusRequested, StatusApproved)
		if !isHR(a) {
			where = append(where, "u.supervisor_id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(leads)), ", ")+")")
			for _, l := range leads {
				args = append(args, l)
			}
		}
	case f.ToConfirm:
		if !a.Authenticated() {
			return []Absence{}, nil
		}
		where, args = append(where, "a.status = ?", "a.substitute_id = ?", "a.substitute_confirmed_at IS NULL"),
			append(args, StatusRequested, a.UserID)
	case isHR(a):
	case a.Has(actor.RoleLead):
		where, args = append(where, "(a.user_id = ? OR u.supervisor_id = ?)"), append(args, a.UserID, a.UserID)
	default:
		where, args = append(where, "a.user_id = ?"), append(args, a.UserID)
	}
	if f.Status != "" {
		where, args = append(where, "a.status = ?"), append(args, f.Status)
	}
	if !f.From.IsZero() {
		where, args = append(where, "a.end_date >= ?"), append(args, f.From.String())
	}
	if !f.To.IsZero() {
		where, args = append(where, "a.start_date <= ?"), append(args, f.To.String())
	}
	query := selectAbsence
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY a.start_date, a.id LIMIT " + strconv.Itoa(maxList)
	rows, err := db.Query(ctx, s.db, s.scanRow, query, args...)
	if err != nil {
		return nil, fmt.Errorf("absence: list: %w", err)
	}
	if err := s.countDays(ctx, rows); err != nil {
		return nil, err
	}
	out := make([]Absence, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.view(a, r))
	}
	return out, nil
}

// countDays fills WorkingDays of rows, reading each person's targets once
// where their absences span at most maxTargetSpan days.
func (s *Service) countDays(ctx context.Context, rows []row) error {
	type span struct{ from, to civil.Date }
	spans := map[int64]span{}
	for _, r := range rows {
		sp, ok := spans[r.UserID]
		if !ok {
			sp = span{r.Start, r.End}
		}
		if r.Start.Before(sp.from) {
			sp.from = r.Start
		}
		if r.End.After(sp.to) {
			sp.to = r.End
		}
		spans[r.UserID] = sp
	}
	cache := map[int64]map[civil.Date]int{}
	for i := range rows {
		r := &rows[i]
		targets, ok := cache[r.UserID]
		if !ok {
			sp := spans[r.UserID]
			if sp.from.DaysUntil(sp.to) > maxTargetSpan {
				sp = span{r.Start, r.End}
			} else {
				ok = true
			}
			t, err := s.wt.TargetMinutes(ctx, r.UserID, r.state, sp.from, sp.to)
			if err != nil {
				return err
			}
			targets = t
			if ok {
				cache[r.UserID] = t
			}
		}
		r.WorkingDays = workingDays(targets, r.Start, r.End, r.DayLength)
	}
	return nil
}

// Approve approves the requested absence id.
func (s *Service) Approve(ctx context.Context, a actor.Actor, id int64) (Absence, error) {
	return s.decide(ctx, a, id, StatusApproved, "")
}

// Reject rejects the requested absence id with a note (1 to 500
// characters) that the person sees.
func (s *Service) Reject(ctx context.Context, a actor.Actor, id int64, note string) (Absence, error) {
	return s.decide(ctx, a, id, StatusRejected, note)
}

func (s *Service) decide(ctx context.Context, a actor.Actor, id int64, status, note string) (Absence, error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return Absence{}, err
	}
	if err := s.canDecide(ctx, a, r); err != nil {
		return Absence{}, err
	}
	if r.AwaitsSubstitute() {
		return Absence{}, errAwaitsSubstitute()
	}
	if status == StatusRejected {
		note = strings.TrimSpace(note)
		if n := utf8.RuneCountInString(note); n == 0 || n > MaxNoteRunes {
			return Absence{}, apperr.Invalidf("note_required", "note must be 1 to %d characters", MaxNoteRunes).WithField("note", "note_required")
		}
	}
	if r.Status == StatusApproved && r.CancelRequestedAt != nil {
		return s.decideCancellation(ctx, a, r, status == StatusApproved, note)
	}
	action := "absence.approve"
	if status == StatusRejected {
		action = "absence.reject"
	}
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		res, err := tx.ExecContext(ctx, "UPDATE absences SET status = ?, decided_at = ?, decided_by = ?, decision_note = ? WHERE id = ? AND status = ?",
			status, db.T(now), actorID(a), note, id, StatusRequested)
		if err != nil {
			return nil, fmt.Errorf("absence: decide: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, fmt.Errorf("absence: decide: %w", err)
		} else if n != 1 {
			return nil, errNotRequested()
		}
		detail := map[string]any{"user_id": r.UserID, "start": r.Start.String(), "end": r.End.String()}
		if r.ReplacesID != 0 {
			detail["replaces_id"] = r.ReplacesID
		}
		events := []audit.Event{{Action: action, ObjectType: "absence", ObjectID: itoa(id), Detail: detail}}
		if status != StatusApproved {
			return events, s.notify(ctx, tx, now, a, noteTo(r.UserID, "rejected", id, r.Start, r.End))
		}
		if err := s.notify(ctx, tx, now, a, noteTo(r.UserID, "approved", id, r.Start, r.End),
			noteTo(r.SubstituteID, "substitute_assigned", id, r.UserName, r.Start, r.End)); err != nil {
			return nil, err
		}
		if r.ReplacesID != 0 {
			// The change replaces the original: cancelled in the same
			// transaction, its days given back.
			orig, err := s.load(ctx, tx, r.ReplacesID)
			if err != nil {
				return nil, err
			}
			res, err := tx.ExecContext(ctx, "UPDATE absences SET status = ? WHERE id = ? AND status = ?", StatusCancelled, r.ReplacesID, StatusApproved)
			if err != nil {
				return nil, fmt.Errorf("absence: replace: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return nil, fmt.Errorf("absence: replace: %w", err)
			} else if n != 1 {
				return nil, errChangeStale()
			}
			events = append(events, audit.Event{Action: "absence.cancel", ObjectType: "absence", ObjectID: itoa(r.ReplacesID), Detail: map[string]any{
				"user_id": orig.UserID, "start": orig.Start.String(), "end": orig.End.String(), "previous_status": StatusApproved, "replaced_by": id}})
			if events, err = s.closedMonthsFollow(ctx, tx, events, orig.UserID, orig.Start, orig.End); err != nil {
				return nil, err
			}
		}
		return s.closedMonthsFollow(ctx, tx, events, r.UserID, r.Start, r.End)
	})
	if err != nil {
		return Absence{}, err
	}
	return s.Get(ctx, a, id)
}

func errAwaitsSubstitute() error {
	return apperr.Conflictf("absence_awaits_substitute", "the substitute has not confirmed the request yet")
}

func errChangeStale() error {
	return apperr.Conflictf("absence_change_stale", "the absence this change replaces is no longer approved")
}

func errNotRequested() error {
	return apperr.Conflictf("absence_not_requested", "only a requested absence can be decided")
}

// Cancel cancels absence id: the person cancels their own request, or
// their approved absence that has not started yet; HR and administrators
// cancel any requested or approved absence.
func (s *Service) Cancel(ctx context.Context, a actor.Actor, id int64) (Absence, error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return Absence{}, err
	}
	if err := canCancel(a, r.UserID, r.supervisor); err != nil {
		return Absence{}, err
	}
	today := s.Today()
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		cur, err := s.load(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		switch {
		case cur.Status == StatusRequested:
		case cur.Status == StatusApproved && (isHR(a) || today.Before(cur.Start)):
		default:
			return nil, apperr.Conflictf("absence_not_cancellable", "only a requested absence or an approved one that has not started can be cancelled")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE absences SET status = ? WHERE id = ?", StatusCancelled, id); err != nil {
			return nil, fmt.Errorf("absence: cancel: %w", err)
		}
		events := []audit.Event{{Action: "absence.cancel", ObjectType: "absence", ObjectID: itoa(id), Detail: map[string]any{
			"user_id": cur.UserID, "start": cur.Start.String(), "end": cur.End.String(), "previous_status": cur.Status}}}
		if cur.Status != StatusApproved {
			return events, nil
		}
		if err := s.cancelled(ctx, tx, now, a, cur); err != nil {
			return nil, err
		}
		return s.closedMonthsFollow(ctx, tx, events, cur.UserID, cur.Start, cur.End)
	})
	if err != nil {
		return Absence{}, err
	}
	return s.Get(ctx, a, id)
}

// closedMonthsFollow appends to events the recalculation of the person's
// closed working-time months that an approved (or cancelled approved)
// absence from first to last touches: its credit changes their frozen
// flexitime figures, in the same transaction.
func (s *Service) closedMonthsFollow(ctx context.Context, tx *db.Tx, events []audit.Event, userID int64, first, last civil.Date) ([]audit.Event, error) {
	more, err := s.wt.AbsenceChanged(ctx, tx, userID, first, last)
	if err != nil {
		return nil, err
	}
	return append(events, more...), nil
}

// actorID is the created_by value of a: NULL for the system and the CLI.
func actorID(a actor.Actor) any {
	if a.UserID != 0 {
		return a.UserID
	}
	return nil
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// --- Substitute (Vertretung) -------------------------------------------

// ConfirmSubstitute confirms, as the named substitute, that the actor
// covers the requested absence id; only then may the lead decide it.
func (s *Service) ConfirmSubstitute(ctx context.Context, a actor.Actor, id int64) (Absence, error) {
	return s.substituteAnswer(ctx, a, id, true, "")
}

// DeclineSubstitute declines, as the named substitute, to cover the
// requested absence id: the request is rejected with the note (1 to 500
// characters) that the person sees.
func (s *Service) DeclineSubstitute(ctx context.Context, a actor.Actor, id int64, note string) (Absence, error) {
	return s.substituteAnswer(ctx, a, id, false, note)
}

func (s *Service) substituteAnswer(ctx context.Context, a actor.Actor, id int64, confirm bool, note string) (Absence, error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return Absence{}, err
	}
	if err := canAnswerAsSubstitute(a, r.UserID, r.supervisor, r.SubstituteID); err != nil {
		return Absence{}, err
	}
	if !confirm {
		note = strings.TrimSpace(note)
		if n := utf8.RuneCountInString(note); n == 0 || n > MaxNoteRunes {
			return Absence{}, apperr.Invalidf("note_required", "note must be 1 to %d characters", MaxNoteRunes).WithField("note", "note_required")
		}
	}
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		const waiting = " WHERE id = ? AND status = ? AND substitute_id = ? AND substitute_confirmed_at IS NULL"
		var res sql.Result
		var err error
		action := "absence.substitute_confirm"
		if confirm {
			res, err = tx.ExecContext(ctx, "UPDATE absences SET substitute_confirmed_at = ?"+waiting,
				db.T(now), id, StatusRequested, a.UserID)
		} else {
			action = "absence.substitute_decline"
			res, err = tx.ExecContext(ctx, "UPDATE absences SET status = ?, decided_at = ?, decided_by = ?, decision_note = ?"+waiting,
				StatusRejected, db.T(now), a.UserID, note, id, StatusRequested, a.UserID)
		}
		if err != nil {
			return nil, fmt.Errorf("absence: substitute: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, fmt.Errorf("absence: substitute: %w", err)
		} else if n != 1 {
			return nil, apperr.Conflictf("absence_not_awaiting_substitute", "the request does not wait for the substitute")
		}
		var notes []notify.Note
		if confirm {
			if notes, err = s.toDeciders(ctx, tx, "decide", id, r.UserID, r.supervisor, r.UserName, r.Start, r.End); err != nil {
				return nil, err
			}
		} else {
			notes = append(notes, noteTo(r.UserID, "substitute_declined", id, r.SubstituteName, r.Start, r.End))
		}
		if err := s.notify(ctx, tx, now, a, notes...); err != nil {
			return nil, err
		}
		return []audit.Event{{Action: action, ObjectType: "absence", ObjectID: itoa(id), Detail: map[string]any{
			"user_id": r.UserID, "substitute_id": a.UserID, "start": r.Start.String(), "end": r.End.String()}}}, nil
	})
	if err != nil {
		return Absence{}, err
	}
	return s.Get(ctx, a, id)
}

// --- The lead's deputy ---------------------------------------------------

// Deputy is the deputy a lead named (DeputyID 0: none).
type Deputy struct {
	LeadID     int64
	DeputyID   int64
	DeputyName string
}

// awayPredicate selects, for a lead_deputies row d, that the lead holds
// the lead role and has an approved absence covering the day given as the
// two following arguments.
const awayPredicate = `EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = d.lead_id AND ur.role_id = ?)
	AND EXISTS (SELECT 1 FROM absences x WHERE x.user_id = d.lead_id AND x.status = ? AND x.start_date <= ? AND x.end_date >= ?)`

// awayLeads returns the leads whose deputy is deputyID and who are away
// today.
func (s *Service) awayLeads(ctx context.Context, q db.Querier, deputyID int64) ([]int64, error) {
	if deputyID == 0 {
		return nil, nil
	}
	today := s.Today().String()
	ids, err := db.Query(ctx, q, func(row db.Scanner) (int64, error) {
		var id int64
		err := row.Scan(&id)
		return id, err
	}, "SELECT d.lead_id FROM lead_deputies d WHERE d.deputy_id = ? AND "+awayPredicate+" ORDER BY d.lead_id",
		deputyID, actor.RoleLead, StatusApproved, today, today)
	if err != nil {
		return nil, fmt.Errorf("absence: away leads: %w", err)
	}
	return ids, nil
}

// actingDeputy reports whether a is the deputy of leadID and leadID is
// away today.
func (s *Service) actingDeputy(ctx context.Context, q db.Querier, a actor.Actor, leadID int64) (bool, error) {
	if !a.Authenticated() || a.UserID == 0 || leadID == 0 {
		return false, nil
	}
	leads, err := s.awayLeads(ctx, q, a.UserID)
	if err != nil {
		return false, err
	}
	return slices.Contains(leads, leadID), nil
}

// canDecide is canDecide extended by the deputy of a lead who is away
// today: they decide like the lead.
func (s *Service) canDecide(ctx context.Context, a actor.Actor, r row) error {
	err := canDecide(a, r.UserID, r.supervisor)
	if apperr.KindOf(err) != apperr.NotFound {
		return err
	}
	deputy, derr := s.actingDeputy(ctx, s.db, a, r.supervisor)
	if derr != nil {
		return derr
	}
	if !deputy {
		return err
	}
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	return nil
}

// IsActingDeputy reports whether the actor is today the deputy of at
// least one lead who is away (for the approvals page).
func (s *Service) IsActingDeputy(ctx context.Context, a actor.Actor) (bool, error) {
	if !a.Authenticated() {
		return false, nil
	}
	leads, err := s.awayLeads(ctx, s.db, a.UserID)
	return len(leads) > 0, err
}

// GetDeputy returns the deputy of leadID; the lead themselves, HR and
// administrators may read it, everyone else gets 404.
func (s *Service) GetDeputy(ctx context.Context, a actor.Actor, leadID int64) (Deputy, error) {
	if !canManageDeputy(a, leadID) {
		return Deputy{}, errNotFound
	}
	if _, err := s.person(ctx, s.db, leadID); err != nil {
		return Deputy{}, err
	}
	return s.deputy(ctx, s.db, leadID)
}

func (s *Service) deputy(ctx context.Context, q db.Querier, leadID int64) (Deputy, error) {
	d := Deputy{LeadID: leadID}
	err := q.QueryRowContext(ctx, "SELECT d.deputy_id, u.display_name FROM lead_deputies d JOIN users u ON u.id = d.deputy_id WHERE d.lead_id = ?", leadID).Scan(&d.DeputyID, &d.DeputyName)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Deputy{}, fmt.Errorf("absence: get deputy: %w", err)
	}
	return d, nil
}

// SetDeputy names deputyID the deputy of leadID (0 removes the deputy).
// The lead (holding the lead role) sets their own; HR and administrators
// set anyone's. The deputy decides the requests of the lead's reports
// while the lead has an approved absence covering today.
func (s *Service) SetDeputy(ctx context.Context, a actor.Actor, leadID, deputyID int64) (Deputy, error) {
	if !canManageDeputy(a, leadID) {
		return Deputy{}, errNotFound
	}
	if !a.CanWrite() {
		return Deputy{}, errReadOnlyToken
	}
	if _, err := s.person(ctx, s.db, leadID); err != nil {
		return Deputy{}, err
	}
	var isLead bool
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) > 0 FROM user_roles WHERE user_id = ? AND role_id = ?", leadID, actor.RoleLead).Scan(&isLead); err != nil {
		return Deputy{}, fmt.Errorf("absence: lead role: %w", err)
	}
	if !isLead {
		return Deputy{}, apperr.Invalidf("not_a_lead", "only a lead names a deputy").WithField("id", "not_a_lead")
	}
	if deputyID != 0 {
		errDeputy := apperr.Invalidf("invalid_deputy", "the deputy must be another existing person").WithField("deputy_id", "invalid_deputy")
		if deputyID == leadID || deputyID < 0 {
			return Deputy{}, errDeputy
		}
		if _, err := s.person(ctx, s.db, deputyID); err != nil {
			if apperr.KindOf(err) == apperr.NotFound {
				return Deputy{}, errDeputy
			}
			return Deputy{}, err
		}
	}
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		old, err := s.deputy(ctx, tx, leadID)
		if err != nil {
			return nil, err
		}
		if old.DeputyID == deputyID {
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM lead_deputies WHERE lead_id = ?", leadID); err != nil {
			return nil, fmt.Errorf("absence: set deputy: %w", err)
		}
		action := "absence.deputy_clear"
		if deputyID != 0 {
			action = "absence.deputy_set"
			if _, err := tx.ExecContext(ctx, "INSERT INTO lead_deputies (lead_id, deputy_id, set_at, set_by) VALUES (?, ?, ?, ?)",
				leadID, deputyID, db.T(now), actorID(a)); err != nil {
				return nil, fmt.Errorf("absence: set deputy: %w", err)
			}
		}
		return []audit.Event{{Action: action, ObjectType: "user", ObjectID: itoa(leadID), Detail: map[string]any{
			"lead_id": leadID, "deputy_id": deputyID, "previous_deputy_id": old.DeputyID}}}, nil
	})
	if err != nil {
		return Deputy{}, err
	}
	return s.deputy(ctx, s.db, leadID)
}

// --- Change requests -----------------------------------------------------

// Change is a change request for an approved absence: the new range.
type Change struct {
	Start     civil.Date
	End       civil.Date
	DayLength string // empty: full
	Note      string
}

// RequestChange asks, as the person, to change the dates of their
// approved absence id: a new request of the same type linked to it
// (ReplacesID). The lead decides it like any request; on approval the
// original is cancelled in the same transaction, on rejection it stays.
// One change per absence may wait at a time.
func (s *Service) RequestChange(ctx context.Context, a actor.Actor, id int64, c Change) (Absence, error) {
	orig, err := s.load(ctx, s.db, id)
	if err != nil {
		return Absence{}, err
	}
	if !canView(a, orig.UserID, orig.supervisor) {
		return Absence{}, errNotFound
	}
	if !a.CanWrite() {
		return Absence{}, errReadOnlyToken
	}
	if !a.Authenticated() || a.UserID != orig.UserID {
		return Absence{}, errNotAllowed
	}
	errNotChangeable := apperr.Conflictf("absence_not_changeable", "only approved absences that need approval can be changed")
	if orig.Status != StatusApproved {
		return Absence{}, errNotChangeable
	}
	n := NewAbsence{UserID: orig.UserID, TypeID: orig.TypeID, Start: c.Start, End: c.End, DayLength: c.DayLength, Note: c.Note}
	if err := checkNew(&n); err != nil {
		return Absence{}, err
	}
	t, err := s.activeType(ctx, s.db, n.TypeID)
	if err != nil {
		return Absence{}, err
	}
	if !t.NeedsApproval {
		return Absence{}, errNotChangeable
	}
	targets, err := s.wt.TargetMinutes(ctx, n.UserID, orig.state, n.Start, n.End)
	if err != nil {
		return Absence{}, err
	}
	days := workingDays(targets, n.Start, n.End, n.DayLength)
	if days == 0 {
		return Absence{}, apperr.Invalidf("no_working_days", "the range contains no working day").WithField("start", "no_working_days")
	}
	var newID int64
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := lockUser(ctx, tx, n.UserID); err != nil {
			return nil, err
		}
		cur, err := s.load(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if cur.Status != StatusApproved {
			return nil, errNotChangeable
		}
		var pending int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM absences WHERE replaces_id = ? AND status = ?", id, StatusRequested).Scan(&pending); err != nil {
			return nil, fmt.Errorf("absence: pending change: %w", err)
		}
		if pending > 0 {
			return nil, apperr.Conflictf("absence_change_pending", "a change of this absence is already waiting")
		}
		if err := checkOverlap(ctx, tx, n.UserID, id, n.Start, n.End, n.DayLength); err != nil {
			return nil, err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO absences
			(user_id, type_id, start_date, end_date, day_length, status, note, created_at, created_by, replaces_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			n.UserID, t.ID, n.Start.String(), n.End.String(), n.DayLength, StatusRequested, n.Note, db.T(now), actorID(a), id).Scan(&newID); err != nil {
			return nil, fmt.Errorf("absence: insert change: %w", err)
		}
		notes, err := s.toDeciders(ctx, tx, "change_decide", newID, cur.UserID, cur.supervisor, cur.UserName, cur.Start, cur.End)
		if err != nil {
			return nil, err
		}
		if err := s.notify(ctx, tx, now, a, notes...); err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "absence.change_request", ObjectType: "absence", ObjectID: itoa(newID), Detail: map[string]any{
			"user_id": n.UserID, "replaces_id": id, "start": n.Start.String(), "end": n.End.String(),
			"day_length": n.DayLength, "working_days": days}}}, nil
	})
	if err != nil {
		return Absence{}, err
	}
	return s.Get(ctx, a, newID)
}

// Colleague is a person the actor may name as substitute.
type Colleague struct {
	ID   int64
	Name string
}

// maxColleagues bounds the choice of substitutes.
const maxColleagues = 500

// Colleagues returns the people the actor may pick as substitute in the
// request form: enabled people of the same org unit or with the same
// supervisor, the supervisor and the actor's own reports, by name. The API
// accepts any existing person (substitute_id).
func (s *Service) Colleagues(ctx context.Context, a actor.Actor) ([]Colleague, error) {
	if !a.Authenticated() || a.UserID == 0 {
		return nil, errNotFound
	}
	return s.colleaguesOf(ctx, a.UserID)
}

// colleaguesOf is Colleagues for userID (also the deputies a lead may
// name, deputy.go).
func (s *Service) colleaguesOf(ctx context.Context, userID int64) ([]Colleague, error) {
	p, err := s.person(ctx, s.db, userID)
	if err != nil {
		return nil, err
	}
	unit, err := s.ownUnit(ctx, actor.Actor{UserID: userID})
	if err != nil {
		return nil, err
	}
	out, err := db.Query(ctx, s.db, func(row db.Scanner) (Colleague, error) {
		var c Colleague
		err := row.Scan(&c.ID, &c.Name)
		return c, err
	}, `SELECT id, display_name FROM users WHERE id <> ? AND disabled = ?
		AND ((? <> 0 AND org_unit_id = ?) OR (? <> 0 AND (supervisor_id = ? OR id = ?)) OR supervisor_id = ?)
		ORDER BY display_name, id LIMIT `+strconv.Itoa(maxColleagues),
		userID, false, unit, unit, p.supervisor, p.supervisor, p.supervisor, userID)
	if err != nil {
		return nil, fmt.Errorf("absence: colleagues: %w", err)
	}
	return out, nil
}

// --- Cancellation requests ------------------------------------------------

// RequestCancellation asks, as the person, to cancel their approved
// absence id that has already started (one that has not started they
// cancel themselves with Cancel). The lead decides it with Approve (the
// absence becomes cancelled) or Reject (it stays, with the note).
func (s *Service) RequestCancellation(ctx context.Context, a actor.Actor, id int64) (Absence, error) {
	r, err := s.load(ctx, s.db, id)
	if err != nil {
		return Absence{}, err
	}
	if !canView(a, r.UserID, r.supervisor) {
		return Absence{}, errNotFound
	}
	if !a.CanWrite() {
		return Absence{}, errReadOnlyToken
	}
	if !a.Authenticated() || a.UserID != r.UserID {
		return Absence{}, errNotAllowed
	}
	types, err := s.types(ctx, s.db)
	if err != nil {
		return Absence{}, err
	}
	i := slices.IndexFunc(types, func(t Type) bool { return t.ID == r.TypeID })
	if r.Status != StatusApproved || i < 0 || !types[i].NeedsApproval {
		return Absence{}, apperr.Conflictf("absence_not_changeable", "only approved absences that need approval can be changed")
	}
	if s.Today().Before(r.Start) {
		return Absence{}, apperr.Conflictf("absence_not_started", "an absence that has not started is cancelled directly")
	}
	err = s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		res, err := tx.ExecContext(ctx, "UPDATE absences SET cancel_requested_at = ? WHERE id = ? AND status = ? AND cancel_requested_at IS NULL",
			db.T(now), id, StatusApproved)
		if err != nil {
			return nil, fmt.Errorf("absence: request cancellation: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, fmt.Errorf("absence: request cancellation: %w", err)
		} else if n != 1 {
			return nil, apperr.Conflictf("absence_cancellation_pending", "a cancellation of this absence is already waiting")
		}
		notes, err := s.toDeciders(ctx, tx, "cancel_decide", id, r.UserID, r.supervisor, r.UserName, r.Start, r.End)
		if err != nil {
			return nil, err
		}
		if err := s.notify(ctx, tx, now, a, notes...); err != nil {
			return nil, err
		}
		return []audit.Event{{Action: "absence.cancellation_request", ObjectType: "absence", ObjectID: itoa(id), Detail: map[string]any{
			"user_id": r.UserID, "start": r.Start.String(), "end": r.End.String()}}}, nil
	})
	if err != nil {
		return Absence{}, err
	}
	return s.Get(ctx, a, id)
}

// decideCancellation approves (the absence becomes cancelled) or rejects
// (the request is cleared, the note kept) the cancellation request of r.
func (s *Service) decideCancellation(ctx context.Context, a actor.Actor, r row, approve bool, note string) (Absence, error) {
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		const pending = " WHERE id = ? AND status = ? AND cancel_requested_at IS NOT NULL"
		var res sql.Result
		var err error
		action := "absence.cancel"
		if approve {
			res, err = tx.ExecContext(ctx, "UPDATE absences SET status = ?"+pending, StatusCancelled, r.ID, StatusApproved)
		} else {
			action = "absence.cancellation_reject"
			res, err = tx.ExecContext(ctx, "UPDATE absences SET cancel_requested_at = NULL, decision_note = ?"+pending, note, r.ID, StatusApproved)
		}
		if err != nil {
			return nil, fmt.Errorf("absence: decide cancellation: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, fmt.Errorf("absence: decide cancellation: %w", err)
		} else if n != 1 {
			return nil, errNotRequested()
		}
		events := []audit.Event{{Action: action, ObjectType: "absence", ObjectID: itoa(r.ID), Detail: map[string]any{
			"user_id": r.UserID, "start": r.Start.String(), "end": r.End.String(), "previous_status": StatusApproved, "by_request": true}}}
		if !approve {
			return events, s.notify(ctx, tx, now, a, noteTo(r.UserID, "cancellation_rejected", r.ID, r.Start, r.End))
		}
		if err := s.notify(ctx, tx, now, a, noteTo(r.UserID, "cancellation_approved", r.ID, r.Start, r.End)); err != nil {
			return nil, err
		}
		return s.closedMonthsFollow(ctx, tx, events, r.UserID, r.Start, r.End)
	})
	if err != nil {
		return Absence{}, err
	}
	return s.Get(ctx, a, r.ID)
}
