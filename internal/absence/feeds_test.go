package absence_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"ortlos/internal/absence"
	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/civil"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/worktime"
)

// unfold undoes the line folding of an iCalendar body.
func unfold(body []byte) string { return strings.ReplaceAll(string(body), "\r\n ", "") }

var unescaper = strings.NewReplacer(`\\`, `\`, `\,`, ",", `\;`, ";", `\n`, "\n")

// summaries returns the SUMMARY values of body in order, unescaped.
func summaries(body []byte) []string {
	var out []string
	for l := range strings.SplitSeq(unfold(body), "\r\n") {
		if v, ok := strings.CutPrefix(l, "SUMMARY:"); ok {
			out = append(out, unescaper.Replace(v))
		}
	}
	return out
}

func TestFeedLifecycle(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		leave, err := f.svc.Request(ctx, f.emp, easter)
		if err != nil {
			t.Fatal(err)
		}
		feed, token, err := f.svc.CreateFeed(ctx, f.emp, absence.FeedOwn, "BY")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(token, absence.FeedTokenPrefix) || len(token) < 40 || feed.Kind != absence.FeedOwn || feed.State != "" || feed.UserID != f.emp.UserID {
			t.Errorf("feed = %+v, token %q", feed, token)
		}
		// Only the hash is stored, and the audit record names no token.
		var stored int
		if err := d.QueryRowContext(ctx, "SELECT count(*) FROM calendar_feeds WHERE token_hash = ?", token).Scan(&stored); err != nil || stored != 0 {
			t.Errorf("token stored in clear: %d, %v", stored, err)
		}
		if n := auditCount(t, d, "calendar_feed.create"); n != 1 {
			t.Errorf("calendar_feed.create audited %d times", n)
		}
		var details string
		if err := d.QueryRowContext(ctx, "SELECT detail FROM audit_log WHERE action = 'calendar_feed.create'").Scan(&details); err != nil || strings.Contains(details, token[len(absence.FeedTokenPrefix):]) {
			t.Errorf("audit detail %q (err %v) holds the token", details, err)
		}

		data, err := f.svc.Feed(ctx, token, "example.org")
		if err != nil {
			t.Fatal(err)
		}
		body := unfold(data.Body)
		for _, want := range []string{
			"BEGIN:VCALENDAR\r\n", "X-WR-CALNAME:Abwesenheiten erika\r\n",
			fmt.Sprintf("UID:absence-%d@example.org\r\n", leave.ID),
			"DTSTART;VALUE=DATE:20260330\r\n", "DTEND;VALUE=DATE:20260411\r\n",
			"SUMMARY:Erholungsurlaub (beantragt)\r\n", "STATUS:TENTATIVE\r\n", "END:VCALENDAR\r\n",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("feed lacks %q:\n%s", want, body)
			}
		}
		if strings.Contains(body, "Ostern") {
			t.Error("the feed shows the note")
		}
		if !data.LastModified.Equal(start) || !strings.HasPrefix(data.ETag, `"`) {
			t.Errorf("Last-Modified %v, ETag %s; want the request's time %v", data.LastModified, data.ETag, start)
		}

		list, err := f.svc.Feeds(ctx, f.emp)
		if err != nil || len(list) != 1 || list[0].ID != feed.ID || list[0].LastUsedAt == nil {
			t.Errorf("feeds = %+v, %v; want the one feed, used", list, err)
		}
		if list, err := f.svc.Feeds(ctx, f.other); err != nil || len(list) != 0 {
			t.Errorf("someone else's feeds = %+v, %v", list, err)
		}

		_, err = f.svc.Feed(ctx, token+"x", "")
		wantCode(t, "unknown token", err, apperr.NotFound, "not_found")
		_, err = f.svc.Feed(ctx, "", "")
		wantCode(t, "empty token", err, apperr.NotFound, "not_found")

		wantCode(t, "revoke by someone else", f.svc.RevokeFeed(ctx, f.other, feed.ID), apperr.NotFound, "not_found")
		wantCode(t, "revoke by HR", f.svc.RevokeFeed(ctx, f.hr, feed.ID), apperr.NotFound, "not_found")
		ro := f.emp
		ro.Via, ro.TokenScope = actor.ViaToken, "read"
		wantCode(t, "revoke with a read-only token", f.svc.RevokeFeed(ctx, ro, feed.ID), apperr.Forbidden, "token_scope")
		if err := f.svc.RevokeFeed(ctx, f.emp, feed.ID); err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, d, "calendar_feed.revoke"); n != 1 {
			t.Errorf("calendar_feed.revoke audited %d times", n)
		}
		_, err = f.svc.Feed(ctx, token, "")
		wantCode(t, "revoked feed", err, apperr.NotFound, "not_found")
		wantCode(t, "revoke twice", f.svc.RevokeFeed(ctx, f.emp, feed.ID), apperr.NotFound, "not_found")
		if list, err := f.svc.Feeds(ctx, f.emp); err != nil || len(list) != 0 {
			t.Errorf("feeds after revocation = %+v, %v", list, err)
		}
	})
}

func TestCreateFeedChecks(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		_, _, err := f.svc.CreateFeed(ctx, f.emp, "everyone", "")
		wantCode(t, "unknown kind", err, apperr.Invalid, "invalid_feed_kind")
		_, _, err = f.svc.CreateFeed(ctx, f.emp, absence.FeedHolidays, "XX")
		wantCode(t, "unknown Land", err, apperr.Invalid, "unknown_state")
		_, _, err = f.svc.CreateFeed(ctx, actor.CLI(), absence.FeedOwn, "")
		wantCode(t, "no person", err, apperr.NotFound, "not_found")
		ro := f.emp
		ro.Via, ro.TokenScope = actor.ViaToken, "read"
		_, _, err = f.svc.CreateFeed(ctx, ro, absence.FeedOwn, "")
		wantCode(t, "read-only token", err, apperr.Forbidden, "token_scope")

		// Holidays: the Land defaults to the person's (here the default Land).
		feed, token, err := f.svc.CreateFeed(ctx, f.emp, absence.FeedHolidays, "")
		if err != nil {
			t.Fatal(err)
		}
		if feed.State != f.wt.Policy().DefaultState {
			t.Errorf("state = %q; want the default %q", feed.State, f.wt.Policy().DefaultState)
		}
		by, byToken, err := f.svc.CreateFeed(ctx, f.emp, absence.FeedHolidays, "by")
		if err != nil || by.State != "BY" {
			t.Fatalf("holidays BY = %+v, %v", by, err)
		}
		data, err := f.svc.Feed(ctx, byToken, "")
		if err != nil {
			t.Fatal(err)
		}
		body := unfold(data.Body)
		// 2025 to 2028 around 2 March 2026.
		for _, want := range []string{"X-WR-CALNAME:Feiertage Bayern\r\n", "UID:2025-01-01-BY-neujahr@ortlos\r\n",
			"UID:2028-01-06-BY-heilige-drei-koenige@ortlos\r\n", "DTSTART;VALUE=DATE:20261225\r\n"} {
			if !strings.Contains(body, want) {
				t.Errorf("holidays feed lacks %q", want)
			}
		}
		if strings.Contains(body, "2024-") || strings.Contains(body, "2029-") {
			t.Error("holidays feed covers more than last year to the year after next")
		}
		if _, err := f.svc.Feed(ctx, token, ""); err != nil {
			t.Error(err)
		}
		for range absence.MaxFeeds - 2 {
			if _, _, err := f.svc.CreateFeed(ctx, f.emp, absence.FeedTeam, ""); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err = f.svc.CreateFeed(ctx, f.emp, absence.FeedOwn, "")
		wantCode(t, "one too many", err, apperr.Conflict, "too_many_feeds")
		if err := f.svc.RevokeFeed(ctx, f.emp, feed.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.CreateFeed(ctx, f.emp, absence.FeedOwn, ""); err != nil {
			t.Errorf("after a revocation: %v", err)
		}
	})
}

// TestTeamFeedPrivacy: colleagues see only "abwesend" for approved
// absences; the lead sees the type of their reports' absences (requests
// as tentative) except health data.
func TestTeamFeedPrivacy(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		max := f.user(t, "max", f.lead.UserID, actor.RoleEmployee)
		_, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "sick", Start: civil.D(2026, 3, 3), End: civil.D(2026, 3, 4)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Request(ctx, f.emp, easter); err != nil {
			t.Fatal(err)
		}
		trip, err := f.svc.Request(ctx, f.emp, absence.NewAbsence{TypeID: "business_trip", Start: civil.D(2026, 5, 5), DayLength: absence.DayMorning, End: civil.D(2026, 5, 5)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Approve(ctx, f.lead, trip.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Request(ctx, f.lead, absence.NewAbsence{TypeID: "vacation", Start: civil.D(2026, 6, 1), End: civil.D(2026, 6, 5)}); err != nil {
			t.Fatal(err)
		}
		// The lead's leave is decided by HR.
		leadLeave, err := f.svc.List(ctx, f.hr, absence.Filter{UserID: f.lead.UserID})
		if err != nil || len(leadLeave) != 1 {
			t.Fatal(leadLeave, err)
		}
		if _, err := f.svc.Approve(ctx, f.hr, leadLeave[0].ID); err != nil {
			t.Fatal(err)
		}
		// Somebody outside the team.
		if _, err := f.svc.Request(ctx, f.other, absence.NewAbsence{TypeID: "sick", Start: civil.D(2026, 3, 3), End: civil.D(2026, 3, 3)}); err != nil {
			t.Fatal(err)
		}
		feed := func(who actor.Actor) []string {
			t.Helper()
			_, token, err := f.svc.CreateFeed(ctx, who, absence.FeedTeam, "")
			if err != nil {
				t.Fatal(err)
			}
			data, err := f.svc.Feed(ctx, token, "")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data.Body), "TRANSP:TRANSPARENT") && len(summaries(data.Body)) > 0 {
				t.Error("team events block the subscriber's time")
			}
			return summaries(data.Body)
		}
		// A colleague: erika's sickness and trip as "abwesend", not her
		// request; the lead's approved leave as "abwesend".
		got := strings.Join(feed(max), " | ")
		want := "erika: abwesend | erika: abwesend, halber Tag (vormittags) | lena: abwesend"
		if got != want {
			t.Errorf("colleague's team feed = %q; want %q", got, want)
		}
		// The lead: types of reports, health data hidden, requests tentative.
		got = strings.Join(feed(f.lead), " | ")
		want = "erika: abwesend | erika: Erholungsurlaub (beantragt) | erika: Dienstreise, halber Tag (vormittags)"
		if got != want {
			t.Errorf("lead's team feed = %q; want %q", got, want)
		}
		// HR has no team here; someone without supervisor and reports sees nothing.
		if got := feed(f.other); len(got) != 0 {
			t.Errorf("team feed without team = %q", got)
		}
		// The own feed shows the sickness with its type.
		_, token, err := f.svc.CreateFeed(ctx, f.emp, absence.FeedOwn, "")
		if err != nil {
			t.Fatal(err)
		}
		data, err := f.svc.Feed(ctx, token, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := summaries(data.Body); len(got) != 3 || got[0] != "Krankheit ohne Bescheinigung" {
			t.Errorf("own feed = %q", got)
		}
	})
}

// TestFeedLastModified: the ETag is stable while nothing changes;
// Last-Modified is the latest change of the absences, and moves to the
// fetch that first sees a change without a time stamp (a cancellation).
func TestFeedLastModified(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		_, token, err := f.svc.CreateFeed(ctx, f.emp, absence.FeedOwn, "")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		leave, err := f.svc.Request(ctx, f.emp, easter)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		if _, err := f.svc.Approve(ctx, f.lead, leave.ID); err != nil {
			t.Fatal(err)
		}
		approved := f.clock.Now()
		f.clock.Advance(time.Hour)
		a, err := f.svc.Feed(ctx, token, "")
		if err != nil {
			t.Fatal(err)
		}
		if !a.LastModified.Equal(approved) {
			t.Errorf("Last-Modified = %v; want the approval %v", a.LastModified, approved)
		}
		f.clock.Advance(time.Hour)
		b, err := f.svc.Feed(ctx, token, "")
		if err != nil {
			t.Fatal(err)
		}
		if a.ETag != b.ETag || !b.LastModified.Equal(approved) {
			t.Errorf("unchanged feed: ETag %s → %s, Last-Modified %v", a.ETag, b.ETag, b.LastModified)
		}
		if !strings.Contains(string(b.Body), "STATUS:CONFIRMED") {
			t.Error("approved absence not confirmed")
		}
		f.clock.Advance(time.Hour)
		if _, err := f.svc.Cancel(ctx, f.emp, leave.ID); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		c, err := f.svc.Feed(ctx, token, "")
		if err != nil {
			t.Fatal(err)
		}
		if c.ETag == b.ETag || !c.LastModified.Equal(f.clock.Now()) || strings.Contains(string(c.Body), "VEVENT") {
			t.Errorf("after cancellation: ETag %s (was %s), Last-Modified %v (now %v)", c.ETag, b.ETag, c.LastModified, f.clock.Now())
		}
	})
}

// BenchmarkTeamFeed renders a lead's team feed on SQLite for a team of 50
// people with a year of absences each (the target: under 50 ms).
// Run with
//
//	go test -run '^$' -bench TeamFeed ./internal/absence/
func BenchmarkTeamFeed(b *testing.B) {
	const people = 50
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := clock.NewFake(now)
	wt := worktime.NewService(d, c)
	svc := absence.NewService(d, c, wt)
	var lead int64
	absences := 0
	types := []string{"vacation", "sick", "business_trip", "training", "flexi_day", "sick_certified", "vacation", "child_sick"}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		ts := db.T(now)
		if err := tx.QueryRowContext(ctx, "INSERT INTO users (username, display_name, state, created_at, updated_at) VALUES ('lead', 'Lena Lead', 'NW', ?, ?) RETURNING id", ts, ts).Scan(&lead); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)", lead, actor.RoleLead); err != nil {
			return err
		}
		for p := range people {
			var id int64
			if err := tx.QueryRowContext(ctx, "INSERT INTO users (username, display_name, supervisor_id, state, created_at, updated_at) VALUES (?, ?, ?, 'NW', ?, ?) RETURNING id",
				fmt.Sprintf("user%02d", p), fmt.Sprintf("Person %02d", p), lead, ts, ts).Scan(&id); err != nil {
				return err
			}
			// Twenty absences of one to five days spread over 2026.
			for i := range 20 {
				first := civil.D(2026, 1, 2).AddDays(i*18 + p%7)
				status := absence.StatusApproved
				if i%5 == 4 {
					status = absence.StatusRequested
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO absences (user_id, type_id, start_date, end_date, status, note, created_at, decided_at)
					VALUES (?, ?, ?, ?, ?, 'Notiz, mit; Zeichen', ?, ?)`,
					id, types[(i+p)%len(types)], first.String(), first.AddDays(i%5).String(), status, ts, ts); err != nil {
					return err
				}
				absences++
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	a := actor.Actor{UserID: lead, Username: "lead", Roles: []string{actor.RoleLead}, Via: actor.ViaSession, SessionID: 1}
	_, token, err := svc.CreateFeed(ctx, a, absence.FeedTeam, "")
	if err != nil {
		b.Fatal(err)
	}
	var events int
	for b.Loop() {
		data, err := svc.Feed(ctx, token, "ortlos.example")
		if err != nil {
			b.Fatal(err)
		}
		events = strings.Count(string(data.Body), "BEGIN:VEVENT")
	}
	if events != absences {
		b.Fatalf("%d events; want %d", events, absences)
	}
	b.ReportMetric(float64(events), "events")
}
