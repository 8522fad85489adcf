package absence

// Calendar feeds: secret, revocable iCalendar (RFC 5545) URLs a person
// subscribes to in Thunderbird, Outlook or any CalDAV/iCal client. Three
// kinds:
//
//   - own: the person's requested and approved absences, with type names
//     (never notes: the URL ends up in third-party calendar services);
//   - team: the absences of the person's team. The team is the people with
//     the same supervisor (colleagues), the supervisor themselves, and, when
//     the person holds the lead role, the people they supervise (reports).
//     Colleagues and the supervisor appear as "abwesend" without type for
//     every type, approved absences only; reports appear with their type
//     (requested ones as tentative), except types with health data, which
//     read "abwesend" as well (docs/absences.md);
//   - holidays: the public holidays of one Land;
//   - tasks: the due dates of the person's open tasks (rendered by the
//     project module through TaskFeed; offered only when one is set).
//
// Only the SHA-256 of the secret token is stored. A feed answers with the
// body, an ETag (hash of the body) and a Last-Modified: the latest change
// of the included absences, of the feed, or, for changes that leave no
// time stamp (a cancelled absence, a renamed person), the first fetch that
// saw the body change.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/db"
	"ortlos/internal/holiday"
	"ortlos/internal/i18n"
	"ortlos/internal/ical"
)

// Feed kinds.
const (
	FeedOwn      = "own"
	FeedTeam     = "team"
	FeedHolidays = "holidays"
	FeedTasks    = "tasks"
)

// FeedKinds lists the kinds in display order.
var FeedKinds = []string{FeedOwn, FeedTeam, FeedHolidays, FeedTasks}

// TaskFeed renders the events of a task feed: the due dates of the open
// tasks of a person (project.Service). host names the server in the UIDs,
// baseURL (may be empty) prefixes links to the tasks.
type TaskFeed interface {
	TaskFeedEvents(ctx context.Context, userID int64, lang, host, baseURL string, today civil.Date) ([]ical.Event, time.Time, error)
}

// WithTaskFeed returns a copy of s that offers feeds of kind tasks,
// rendered by tf.
func (s *Service) WithTaskFeed(tf TaskFeed) *Service {
	c := *s
	c.taskFeed = tf
	return &c
}

// AvailableFeedKinds lists the kinds this service offers, in display
// order: FeedKinds without tasks when no TaskFeed is set.
func (s *Service) AvailableFeedKinds() []string {
	if s.taskFeed == nil {
		return slices.DeleteFunc(slices.Clone(FeedKinds), func(k string) bool { return k == FeedTasks })
	}
	return FeedKinds
}

const (
	// FeedTokenPrefix starts every feed token, so that a leaked one is
	// recognisable.
	FeedTokenPrefix = "ocf_"
	// MaxFeeds bounds the active feeds of one person.
	MaxFeeds = 20
	// feedTouchInterval: last_used_at is written at most this often.
	feedTouchInterval = 5 * time.Minute
	// feedRefresh is the polling interval suggested to clients.
	feedRefresh = "PT1H"
)

// CalendarFeed is a feed URL of a person, without its secret.
type CalendarFeed struct {
	ID     int64
	UserID int64
	Kind   string
	// State is the Land of a holidays feed, else empty.
	State      string
	CreatedAt  time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

// FeedData is a rendered feed.
type FeedData struct {
	Kind string
	// Body is the iCalendar file.
	Body []byte
	// ETag is a strong entity tag of Body, quoted.
	ETag string
	// LastModified is the latest change of what the feed shows.
	LastModified time.Time
}

// FeedWindow returns the days absence feeds cover around today: from
// 1 January of last year to 31 December of the year after next; holiday
// feeds cover the same years.
func FeedWindow(today civil.Date) (from, to civil.Date) {
	return civil.D(today.Year-1, time.January, 1), civil.D(today.Year+2, time.December, 31)
}

func errFeedKind() error {
	return apperr.Invalidf("invalid_feed_kind", "kind must be own, team, holidays or tasks").WithField("kind", "invalid_feed_kind")
}

// CreateFeed creates a feed of kind for the actor and returns it with its
// secret token, which is shown this once. state is the Land of a holidays
// feed (empty: the actor's own Land, or the organisation's default).
func (s *Service) CreateFeed(ctx context.Context, a actor.Actor, kind, state string) (CalendarFeed, string, error) {
	if !a.Authenticated() {
		return CalendarFeed{}, "", errNotFound
	}
	if !a.CanWrite() {
		return CalendarFeed{}, "", errReadOnlyToken
	}
	kind = strings.TrimSpace(kind)
	state = strings.ToUpper(strings.TrimSpace(state))
	if !slices.Contains(s.AvailableFeedKinds(), kind) {
		return CalendarFeed{}, "", errFeedKind()
	}
	var stateArg any
	if kind == FeedHolidays {
		if state == "" {
			p, err := s.person(ctx, s.db, a.UserID)
			if err != nil {
				return CalendarFeed{}, "", err
			}
			state = p.state
		}
		if holiday.StateName(state) == "" {
			return CalendarFeed{}, "", apperr.Invalidf("unknown_state", "unknown Land %q", state).WithField("state", "unknown_state")
		}
		stateArg = state
	} else {
		state = ""
	}
	token, hash := newFeedToken()
	var f CalendarFeed
	err := s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		if err := lockUser(ctx, tx, a.UserID); err != nil {
			return nil, err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM calendar_feeds WHERE user_id = ? AND revoked_at IS NULL", a.UserID).Scan(&n); err != nil {
			return nil, fmt.Errorf("absence: count feeds: %w", err)
		}
		if n >= MaxFeeds {
			return nil, apperr.Conflictf("too_many_feeds", "at most %d calendar feeds; revoke one first", MaxFeeds)
		}
		f = CalendarFeed{UserID: a.UserID, Kind: kind, State: state, CreatedAt: now}
		if err := tx.QueryRowContext(ctx, "INSERT INTO calendar_feeds (user_id, kind, state, token_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			a.UserID, kind, stateArg, hash, db.T(now)).Scan(&f.ID); err != nil {
			return nil, fmt.Errorf("absence: insert feed: %w", err)
		}
		detail := map[string]any{"user_id": a.UserID, "kind": kind}
		if state != "" {
			detail["state"] = state
		}
		return []audit.Event{{Action: "calendar_feed.create", ObjectType: "calendar_feed", ObjectID: itoa(f.ID), Detail: detail}}, nil
	})
	if err != nil {
		return CalendarFeed{}, "", err
	}
	return f, token, nil
}

func newFeedToken() (token, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	token = FeedTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashFeedToken(token)
}

func hashFeedToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

const feedColumns = "id, user_id, kind, state, created_at, revoked_at, last_used_at"

func scanFeed(sc db.Scanner) (CalendarFeed, error) {
	var f CalendarFeed
	var state sql.NullString
	var created db.Time
	var revoked, used db.NullTime
	if err := sc.Scan(&f.ID, &f.UserID, &f.Kind, &state, &created, &revoked, &used); err != nil {
		return CalendarFeed{}, err
	}
	f.State, f.CreatedAt, f.RevokedAt, f.LastUsedAt = state.String, created.Time, revoked.Ptr(), used.Ptr()
	return f, nil
}

// Feeds returns the actor's active (not revoked) feeds, newest first.
func (s *Service) Feeds(ctx context.Context, a actor.Actor) ([]CalendarFeed, error) {
	if !a.Authenticated() {
		return nil, errNotFound
	}
	out, err := db.Query(ctx, s.db, scanFeed, "SELECT "+feedColumns+" FROM calendar_feeds WHERE user_id = ? AND revoked_at IS NULL ORDER BY id DESC", a.UserID)
	if err != nil {
		return nil, fmt.Errorf("absence: list feeds: %w", err)
	}
	return out, nil
}

// RevokeFeed revokes the actor's feed id for good: its URL answers 404
// from now on. Feeds of other people, and revoked ones, are not found.
func (s *Service) RevokeFeed(ctx context.Context, a actor.Actor, id int64) error {
	if !a.Authenticated() {
		return errNotFound
	}
	if !a.CanWrite() {
		return errReadOnlyToken
	}
	return s.write(ctx, a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		var kind string
		err := tx.QueryRowContext(ctx, "SELECT kind FROM calendar_feeds WHERE id = ? AND user_id = ? AND revoked_at IS NULL", id, a.UserID).Scan(&kind)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("absence: get feed: %w", err)
		}
		res, err := tx.ExecContext(ctx, "UPDATE calendar_feeds SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", db.T(now), id)
		if err != nil {
			return nil, fmt.Errorf("absence: revoke feed: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, fmt.Errorf("absence: revoke feed: %w", err)
		} else if n != 1 {
			return nil, errNotFound
		}
		return []audit.Event{{Action: "calendar_feed.revoke", ObjectType: "calendar_feed", ObjectID: itoa(id),
			Detail: map[string]any{"user_id": a.UserID, "kind": kind}}}, nil
	})
}

// feedOwner is a feed row with what rendering needs of its owner.
type feedOwner struct {
	CalendarFeed
	contentHash    string
	contentChanged *time.Time
	name           string
	lang           string
	supervisor     int64
	lead           bool
}

// Feed resolves a secret token and renders its feed. Unknown and revoked
// tokens, and feeds of disabled people, are NotFound. host names the
// server in the events' UIDs ("absence-7@host"); empty means "ortlos".
func (s *Service) Feed(ctx context.Context, token, host string) (FeedData, error) {
	return s.FeedAt(ctx, token, host, "")
}

// FeedAt is Feed with the server's base URL ("https://host:port"), which
// task feeds use to link each event to its task (none when empty).
func (s *Service) FeedAt(ctx context.Context, token, host, baseURL string) (FeedData, error) {
	if !strings.HasPrefix(token, FeedTokenPrefix) || len(token) > 100 {
		return FeedData{}, errNotFound
	}
	if host == "" {
		host = "ortlos"
	}
	var o feedOwner
	var state sql.NullString
	var created db.Time
	var revoked, used, changed db.NullTime
	var sup sql.NullInt64
	var disabled bool
	err := s.db.QueryRowContext(ctx, `SELECT f.id, f.user_id, f.kind, f.state, f.created_at, f.revoked_at, f.last_used_at,
		f.content_hash, f.content_changed_at, u.display_name, u.language, u.supervisor_id, u.disabled,
		EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role_id = ?)
		FROM calendar_feeds f JOIN users u ON u.id = f.user_id WHERE f.token_hash = ?`, actor.RoleLead, hashFeedToken(token)).Scan(
		&o.ID, &o.UserID, &o.Kind, &state, &created, &revoked, &used, &o.contentHash, &changed, &o.name, &o.lang, &sup, &disabled, &o.lead)
	if errors.Is(err, sql.ErrNoRows) {
		return FeedData{}, errNotFound
	}
	if err != nil {
		return FeedData{}, fmt.Errorf("absence: get feed: %w", err)
	}
	if revoked.Valid || disabled {
		return FeedData{}, errNotFound
	}
	o.State, o.CreatedAt, o.LastUsedAt, o.contentChanged, o.supervisor = state.String, created.Time, used.Ptr(), changed.Ptr(), sup.Int64
	cal, lastMod, err := s.feedCalendar(ctx, o, host, baseURL)
	if err != nil {
		return FeedData{}, err
	}
	var b bytes.Buffer
	if err := ical.Write(&b, cal); err != nil {
		return FeedData{}, err
	}
	sum := sha256.Sum256(b.Bytes())
	hash := hex.EncodeToString(sum[:])
	now := s.clock.Now()
	if o.CreatedAt.After(lastMod) {
		lastMod = o.CreatedAt
	}
	if o.contentChanged != nil && o.contentChanged.After(lastMod) {
		lastMod = *o.contentChanged
	}
	if err := s.touchFeed(ctx, o, hash, now, &lastMod); err != nil {
		return FeedData{}, err
	}
	if lastMod.After(now) {
		lastMod = now
	}
	return FeedData{Kind: o.Kind, Body: b.Bytes(), ETag: `"` + hash[:32] + `"`, LastModified: lastMod.UTC().Truncate(time.Second)}, nil
}

// touchFeed records the fetch: last_used_at at most every
// feedTouchInterval, and the hash of the body; when the body changed since
// the last fetch, content_changed_at (and so Last-Modified) becomes now.
// These usage stamps are not audited, like those of API tokens.
func (s *Service) touchFeed(ctx context.Context, o feedOwner, hash string, now time.Time, lastMod *time.Time) error {
	changed := o.contentHash != hash
	touch := o.LastUsedAt == nil || now.Sub(*o.LastUsedAt) >= feedTouchInterval
	if !changed && !touch {
		return nil
	}
	var err error
	switch {
	case changed && o.contentHash != "":
		// The body differs from the one served before: something changed
		// after the last fetch, maybe without a time stamp of its own.
		if now.After(*lastMod) {
			*lastMod = now
		}
		_, err = s.db.ExecContext(ctx, "UPDATE calendar_feeds SET last_used_at = ?, content_hash = ?, content_changed_at = ? WHERE id = ? AND content_hash = ?",
			db.T(now), hash, db.T(now), o.ID, o.contentHash)
	case changed:
		_, err = s.db.ExecContext(ctx, "UPDATE calendar_feeds SET last_used_at = ?, content_hash = ? WHERE id = ? AND content_hash = ''",
			db.T(now), hash, o.ID)
	default:
		_, err = s.db.ExecContext(ctx, "UPDATE calendar_feeds SET last_used_at = ? WHERE id = ?", db.T(now), o.ID)
	}
	if err != nil {
		return fmt.Errorf("absence: touch feed: %w", err)
	}
	return nil
}

// feedCalendar builds the calendar of o and the latest change of the
// absences in it.
func (s *Service) feedCalendar(ctx context.Context, o feedOwner, host, baseURL string) (ical.Calendar, time.Time, error) {
	l := i18n.For(o.lang)
	cal := ical.Calendar{ProdID: "-//ortlos//Kalender//DE", RefreshInterval: feedRefresh}
	from, to := FeedWindow(s.Today())
	switch o.Kind {
	case FeedHolidays:
		cal.ProdID = "-//ortlos//Feiertage//DE"
		cal.Name = l.T("absence.feed_name_holidays", holiday.StateName(o.State))
		for y := from.Year; y <= to.Year; y++ {
			hs, err := holiday.ForYear(o.State, y)
			if err != nil {
				return ical.Calendar{}, time.Time{}, err
			}
			cal.Events = append(cal.Events, holiday.Events(o.State, hs, time.Date(y, time.January, 1, 0, 0, 0, 0, time.UTC))...)
		}
		return cal, time.Time{}, nil
	case FeedTasks:
		if s.taskFeed == nil {
			return ical.Calendar{}, time.Time{}, errNotFound
		}
		cal.ProdID = "-//ortlos//Aufgaben//DE"
		cal.Name = l.T("absence.feed_name_tasks", o.name)
		events, lastMod, err := s.taskFeed.TaskFeedEvents(ctx, o.UserID, o.lang, host, baseURL, s.Today())
		if err != nil {
			return ical.Calendar{}, time.Time{}, err
		}
		cal.Events = events
		return cal, lastMod, nil
	case FeedOwn:
		cal.Name = l.T("absence.feed_name_own", o.name)
	case FeedTeam:
		cal.Name = l.T("absence.feed_name_team", o.name)
	default:
		return ical.Calendar{}, time.Time{}, errNotFound
	}
	types, err := s.types(ctx, s.db)
	if err != nil {
		return ical.Calendar{}, time.Time{}, err
	}
	names := map[string]string{}
	for _, t := range types {
		names[t.ID] = t.Name(l.Lang)
	}
	rows, err := s.feedRows(ctx, o, from, to)
	if err != nil {
		return ical.Calendar{}, time.Time{}, err
	}
	var lastMod time.Time
	for _, r := range rows {
		stamp := r.created
		if r.decided != nil && r.decided.After(stamp) {
			stamp = *r.decided
		}
		if stamp.After(lastMod) {
			lastMod = stamp
		}
		summary := l.T("absence.type_absent")
		if r.showType {
			if n, ok := names[r.typeID]; ok {
				summary = n
			} else {
				summary = r.typeID
			}
		}
		if r.dayLength != DayFull {
			summary += ", " + l.T("absence.day_"+r.dayLength)
		}
		if o.Kind == FeedTeam {
			summary = r.userName + ": " + summary
		}
		e := ical.Event{UID: fmt.Sprintf("absence-%d@%s", r.id, host), Stamp: stamp, Start: r.start, End: r.end,
			Summary: summary, Status: ical.StatusConfirmed, Categories: l.T("absence.feed_category")}
		if r.status == StatusRequested {
			e.Status = ical.StatusTentative
			e.Summary = l.T("absence.feed_requested", summary)
		}
		// One's own absence blocks one's time; others' do not block the
		// subscriber's calendar.
		e.Transparent = o.Kind == FeedTeam
		cal.Events = append(cal.Events, e)
	}
	return cal, lastMod, nil
}

// feedRow is an absence as a feed shows it.
type feedRow struct {
	id         int64
	userName   string
	typeID     string
	start, end civil.Date
	dayLength  string
	status     string
	created    time.Time
	decided    *time.Time
	showType   bool
}

// feedRows reads the absences of o's feed overlapping [from, to], by start.
func (s *Service) feedRows(ctx context.Context, o feedOwner, from, to civil.Date) ([]feedRow, error) {
	query := `SELECT a.id, a.user_id, u.display_name, u.supervisor_id, a.type_id, t.health_data, a.start_date, a.end_date,
		a.day_length, a.status, a.created_at, a.decided_at
		FROM absences a JOIN users u ON u.id = a.user_id JOIN absence_types t ON t.id = a.type_id
		WHERE a.end_date >= ? AND a.start_date <= ? AND a.status IN (?, ?) AND `
	args := []any{from.String(), to.String(), StatusRequested, StatusApproved}
	if o.Kind == FeedOwn {
		query += "a.user_id = ?"
		args = append(args, o.UserID)
	} else {
		// Colleagues (same supervisor), the supervisor, and the reports of
		// a lead; never oneself, never disabled accounts.
		var team []string
		var teamArgs []any
		if o.supervisor != 0 {
			team = append(team, "u.supervisor_id = ?", "u.id = ?")
			teamArgs = append(teamArgs, o.supervisor, o.supervisor)
		}
		if o.lead {
			team = append(team, "u.supervisor_id = ?")
			teamArgs = append(teamArgs, o.UserID)
		}
		if len(team) == 0 {
			return nil, nil
		}
		query += "u.id <> ? AND u.disabled = ? AND (" + strings.Join(team, " OR ") + ")"
		args = append(append(args, o.UserID, false), teamArgs...)
	}
	query += " ORDER BY a.start_date, a.id"
	out, err := db.Query(ctx, s.db, func(sc db.Scanner) (feedRow, error) {
		var r feedRow
		var userID int64
		var sup sql.NullInt64
		var health bool
		var start, end string
		var created db.Time
		var decided db.NullTime
		if err := sc.Scan(&r.id, &userID, &r.userName, &sup, &r.typeID, &health, &start, &end, &r.dayLength, &r.status, &created, &decided); err != nil {
			return feedRow{}, err
		}
		var err error
		if r.start, err = civil.Parse(start); err != nil {
			return feedRow{}, fmt.Errorf("absence %d: start: %w", r.id, err)
		}
		if r.end, err = civil.Parse(end); err != nil {
			return feedRow{}, fmt.Errorf("absence %d: end: %w", r.id, err)
		}
		r.created, r.decided = created.Time, decided.Ptr()
		report := o.lead && sup.Valid && sup.Int64 == o.UserID
		switch {
		case o.Kind == FeedOwn:
			r.showType = true
		case report:
			r.showType = !health || s.leadsSeeHealthTypes
		default:
			r.showType = false
			if r.status != StatusApproved {
				r.status = "" // colleagues do not see requests: dropped below
			}
		}
		return r, nil
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("absence: feed rows: %w", err)
	}
	return slices.DeleteFunc(out, func(r feedRow) bool { return r.status == "" }), nil
}
