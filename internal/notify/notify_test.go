package notify_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/audit"
	"ortlos/internal/civil"
	"ortlos/internal/clock"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/notify"
	"ortlos/internal/notify/smtptest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var start = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

type fixture struct {
	d     *db.DB
	clock *clock.Fake
	svc   *notify.Service
}

func newFixture(t *testing.T, d *db.DB) fixture {
	t.Helper()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	c := clock.NewFake(start)
	return fixture{d: d, clock: c, svc: notify.NewService(d, c, berlin)}
}

// user inserts a person and returns the actor of a full session.
func (f fixture) user(t *testing.T, name, email, lang string) actor.Actor {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := f.d.InTx(ctx, func(tx *db.Tx) error {
		return tx.QueryRowContext(ctx, "INSERT INTO users (username, display_name, email, language, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			name, strings.ToUpper(name[:1])+name[1:], email, lang, db.T(start), db.T(start)).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return actor.Actor{UserID: id, Username: name, Roles: []string{actor.RoleEmployee}, Via: actor.ViaSession}
}

// add adds notes as actor a in one audited transaction.
func (f fixture) add(t *testing.T, svc *notify.Service, a actor.Actor, notes ...notify.Note) {
	t.Helper()
	err := audit.Write(context.Background(), f.d, f.clock.Now(), a, func(tx *db.Tx, now time.Time) ([]audit.Event, error) {
		return nil, svc.Add(context.Background(), tx, now, a, notes...)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func approved(userID int64, link string) notify.Note {
	return notify.Note{UserID: userID, Kind: "absence.approved", Args: []any{civil.D(2026, 3, 9), civil.D(2026, 3, 13)}, Link: link}
}

func TestAddListAndRead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		lead := f.user(t, "lena", "", "de")
		emp := f.user(t, "erika", "", "en")
		// The note to the actor herself is dropped, so is one to nobody.
		f.add(t, f.svc, lead, approved(emp.UserID, "/absences/1"), approved(lead.UserID, "/x"), notify.Note{Kind: "absence.approved"})
		f.clock.Advance(time.Minute)
		f.add(t, f.svc, lead, notify.Note{UserID: emp.UserID, Kind: "absence.decide", Args: []any{"Sven\r\nBcc: x", civil.D(2026, 4, 1), civil.D(2026, 4, 1)}, Link: "/absences/2"})

		p, err := f.svc.List(ctx, emp, "en", notify.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Unread != 2 || len(p.Items) != 2 {
			t.Fatalf("List = %d items, %d unread; want 2, 2", len(p.Items), p.Unread)
		}
		if got, want := p.Items[1].Text, "Your absence from 2026-03-09 to 2026-03-13 is approved."; got != want {
			t.Errorf("text = %q, want %q", got, want)
		}
		if got := p.Items[0].Text; !strings.HasPrefix(got, "Sven  Bcc: x requests") {
			t.Errorf("text with control characters = %q, want them replaced by spaces", got)
		}
		if p.Items[0].MailState != "none" {
			t.Errorf("mail state without SMTP = %q, want none", p.Items[0].MailState)
		}
		de, err := f.svc.List(ctx, emp, "de", notify.Filter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := de.Items[0].Text, "Sven  Bcc: x beantragt eine Abwesenheit vom 01.04.2026 bis 01.04.2026 – bitte entscheiden Sie."; got != want {
			t.Errorf("German text = %q, want %q", got, want)
		}
		if de.NextBeforeID != de.Items[0].ID {
			t.Errorf("NextBeforeID = %d, want %d", de.NextBeforeID, de.Items[0].ID)
		}
		older, err := f.svc.List(ctx, emp, "de", notify.Filter{Limit: 1, BeforeID: de.NextBeforeID})
		if err != nil || len(older.Items) != 1 || older.NextBeforeID != 0 || older.Items[0].Link != "/absences/1" {
			t.Fatalf("second page = %+v, %v; want the first notification and no more", older, err)
		}
		if lp, _ := f.svc.List(ctx, lead, "de", notify.Filter{}); len(lp.Items) != 0 {
			t.Errorf("lead has %d notifications, want 0 (own action)", len(lp.Items))
		}
		if _, err := f.svc.List(ctx, emp, "de", notify.Filter{Limit: 201}); apperr.CodeOf(err) != "invalid_filter" {
			t.Errorf("limit 201: err = %v, want invalid_filter", err)
		}

		// Nobody marks another person's notification: 404.
		if _, err := f.svc.MarkRead(ctx, lead, p.Items[0].ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("lead marks erika's notification: err = %v, want not found", err)
		}
		link, err := f.svc.MarkRead(ctx, emp, p.Items[0].ID)
		if err != nil || link != "/absences/2" {
			t.Fatalf("MarkRead = %q, %v", link, err)
		}
		if _, err := f.svc.MarkRead(ctx, emp, p.Items[0].ID); err != nil {
			t.Errorf("MarkRead again: %v", err)
		}
		unread, err := f.svc.List(ctx, emp, "de", notify.Filter{UnreadOnly: true})
		if err != nil || len(unread.Items) != 1 || unread.Unread != 1 {
			t.Fatalf("unread = %+v, %v; want 1", unread, err)
		}
		if n, err := f.svc.MarkAllRead(ctx, emp); err != nil || n != 1 {
			t.Fatalf("MarkAllRead = %d, %v; want 1", n, err)
		}
		if n, err := f.svc.Unread(ctx, emp.UserID); err != nil || n != 0 {
			t.Errorf("Unread = %d, %v; want 0", n, err)
		}
		ro := emp
		ro.Via, ro.TokenScope = actor.ViaToken, "read"
		if _, err := f.svc.MarkAllRead(ctx, ro); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("read-only token: err = %v, want forbidden", err)
		}
		var actions []string
		rows, err := d.QueryContext(ctx, "SELECT action FROM audit_log WHERE action LIKE 'notification.%' ORDER BY seq")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var a string
			rows.Scan(&a)
			actions = append(actions, a)
		}
		if got, want := strings.Join(actions, ","), "notification.read,notification.read_all"; got != want {
			t.Errorf("audit = %s, want %s (reading twice is one change)", got, want)
		}
	})
}

func TestSettings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		emp := f.user(t, "erika", "erika@example.org", "de")
		st, err := f.svc.GetSettings(ctx, emp)
		if err != nil || !st.Email || st.MailConfigured || st.Address != "erika@example.org" {
			t.Fatalf("GetSettings = %+v, %v; want e-mail on by default, SMTP off", st, err)
		}
		if st, err = f.svc.SetEmail(ctx, emp, false); err != nil || st.Email {
			t.Fatalf("SetEmail(false) = %+v, %v", st, err)
		}
		if st, err = f.svc.SetEmail(ctx, emp, true); err != nil || !st.Email {
			t.Fatalf("SetEmail(true) = %+v, %v", st, err)
		}
		if _, err := f.svc.GetSettings(ctx, actor.Anonymous("1.2.3.4")); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("anonymous: err = %v, want not found", err)
		}
	})
}

func mailer(s *smtptest.Server, tlsMode string) *notify.Mailer {
	m := &notify.Mailer{Host: s.Host, Port: s.Port, TLS: tlsMode, From: "ortlos@stadt.example", FromName: "ortlos (Stadt Beispiel)", Timeout: 5 * time.Second}
	if s.Roots != nil {
		m.TLSConfig = tlsConfig(s)
	}
	return m
}

func TestMailDelivery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		srv := smtptest.Start(t, smtptest.Options{TLS: "starttls", Username: "ortlos", Password: "s3cret-pass"})
		m := mailer(srv, "starttls")
		m.Username, m.Password = "ortlos", "s3cret-pass"
		svc := f.svc.WithMail(m)
		lead := f.user(t, "lena", "lena@example.org", "de")
		emp := f.user(t, "erika", "erika@example.org", "en")
		noAddress := f.user(t, "sven", "", "de")
		optedOut := f.user(t, "otto", "otto@example.org", "de")
		if _, err := svc.SetEmail(ctx, optedOut, false); err != nil {
			t.Fatal(err)
		}
		f.add(t, svc, emp, notify.Note{UserID: lead.UserID, Kind: "absence.decide", Args: []any{"Erika Müller", civil.D(2026, 3, 9), civil.D(2026, 3, 13)}, Link: "/absences/7"},
			approved(noAddress.UserID, "/absences/8"), approved(optedOut.UserID, "/absences/9"))
		f.add(t, svc, lead, approved(emp.UserID, "/absences/10"))

		opts := notify.DeliveryOptions{BaseURL: "https://ortlos.stadt.example/", OrgName: "Stadt Beispiel"}
		sent, err := svc.DeliverPending(ctx, opts)
		if err != nil || sent != 2 {
			t.Fatalf("DeliverPending = %d, %v; want 2 sent", sent, err)
		}
		msgs := srv.Messages()
		if len(msgs) != 2 {
			t.Fatalf("server received %d messages, want 2", len(msgs))
		}
		de := msgs[0]
		if de.AuthAs != "ortlos" || de.From != "ortlos@stadt.example" || strings.Join(de.To, ",") != "lena@example.org" {
			t.Errorf("envelope = auth %q from %q to %q", de.AuthAs, de.From, de.To)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(de.Message.Header.Get("Subject"))
		if err != nil {
			t.Fatal(err)
		}
		if want := "[Stadt Beispiel] Erika Müller beantragt eine Abwesenheit vom 09.03.2026 bis 13.03.2026 – bitte entscheiden Sie."; subject != want {
			t.Errorf("subject = %q, want %q", subject, want)
		}
		for k, want := range map[string]string{"Auto-Submitted": "auto-generated", "Content-Type": "text/plain; charset=utf-8", "To": "lena@example.org"} {
			if got := de.Message.Header.Get(k); got != want {
				t.Errorf("header %s = %q, want %q", k, got, want)
			}
		}
		if from := de.Message.Header.Get("From"); !strings.Contains(from, "<ortlos@stadt.example>") {
			t.Errorf("From = %q", from)
		}
		body := decodeQP(t, de.Body)
		for _, want := range []string{"Guten Tag Lena,", "Öffnen: https://ortlos.stadt.example/absences/7", "https://ortlos.stadt.example/notifications"} {
			if !strings.Contains(body, want) {
				t.Errorf("German body lacks %q:\n%s", want, body)
			}
		}
		if body := decodeQP(t, msgs[1].Body); !strings.Contains(body, "Your absence from 2026-03-09 to 2026-03-13 is approved.") {
			t.Errorf("English body:\n%s", body)
		}

		states := map[int64]string{}
		for _, u := range []actor.Actor{lead, emp, noAddress, optedOut} {
			p, err := svc.List(ctx, u, "de", notify.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			states[u.UserID] = p.Items[0].MailState
		}
		if states[lead.UserID] != "sent" || states[emp.UserID] != "sent" || states[noAddress.UserID] != "skipped" || states[optedOut.UserID] != "skipped" {
			t.Errorf("mail states = %v", states)
		}
		if sent, err := svc.DeliverPending(ctx, opts); err != nil || sent != 0 {
			t.Errorf("second run = %d, %v; want nothing to send", sent, err)
		}
	})
}

func TestMailRetry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		srv := smtptest.Start(t, smtptest.Options{TLS: "tls"})
		svc := f.svc.WithMail(mailer(srv, "tls"))
		lead := f.user(t, "lena", "", "de")
		emp := f.user(t, "erika", "erika@example.org", "de")
		f.add(t, svc, lead, approved(emp.UserID, "/absences/1"))

		srv.FailNext(1)
		if sent, err := svc.DeliverPending(ctx, notify.DeliveryOptions{}); err != nil || sent != 0 {
			t.Fatalf("first attempt = %d, %v; want 0 sent (server says 451)", sent, err)
		}
		var attempts int
		var next db.Time
		var lastErr string
		if err := d.QueryRowContext(ctx, "SELECT mail_attempts, mail_next_at, mail_error FROM notifications").Scan(&attempts, &next, &lastErr); err != nil {
			t.Fatal(err)
		}
		if attempts != 1 || !next.Equal(start.Add(time.Minute)) || !strings.Contains(lastErr, "451") {
			t.Errorf("after failure: attempts %d, next %s, error %q; want 1, +1m, the 451", attempts, next, lastErr)
		}
		if sent, _ := svc.DeliverPending(ctx, notify.DeliveryOptions{}); sent != 0 {
			t.Errorf("retry before its time sent %d", sent)
		}
		f.clock.Advance(time.Minute)
		if sent, err := svc.DeliverPending(ctx, notify.DeliveryOptions{}); err != nil || sent != 1 {
			t.Fatalf("retry = %d, %v; want 1 sent", sent, err)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("server has %d messages, want 1", n)
		}
	})
}

func TestMailGivesUp(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	f := newFixture(t, d)
	ctx := context.Background()
	srv := smtptest.Start(t, smtptest.Options{TLS: "none"})
	svc := f.svc.WithMail(mailer(srv, "none"))
	lead := f.user(t, "lena", "", "de")
	emp := f.user(t, "erika", "erika@example.org", "de")
	f.add(t, svc, lead, approved(emp.UserID, "/absences/1"))
	srv.FailNext(100)
	for range 7 {
		if _, err := svc.DeliverPending(ctx, notify.DeliveryOptions{}); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(13 * time.Hour)
	}
	p, err := svc.List(ctx, emp, "de", notify.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Items[0].MailState != "failed" {
		t.Errorf("after 7 failed attempts state = %q, want failed", p.Items[0].MailState)
	}
}

func TestMailTransportErrors(t *testing.T) {
	t.Parallel()
	plain := smtptest.Start(t, smtptest.Options{TLS: "none"})
	err := mailer(plain, "starttls").Send(context.Background(), notify.Message{To: "a@example.org", Subject: "x", Body: "y"})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("starttls against a server without it: err = %v, want a STARTTLS error", err)
	}
	auth := smtptest.Start(t, smtptest.Options{TLS: "starttls", Username: "ortlos", Password: "right"})
	m := mailer(auth, "starttls")
	m.Username, m.Password = "ortlos", "wrong-secret"
	err = m.Send(context.Background(), notify.Message{To: "a@example.org", Subject: "x", Body: "y"})
	if err == nil || strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("wrong password: err = %v, want an error without the password", err)
	}
	untrusted := mailer(auth, "starttls")
	untrusted.TLSConfig = nil
	if err := untrusted.Send(context.Background(), notify.Message{To: "a@example.org", Subject: "x", Body: "y"}); err == nil {
		t.Error("self-signed certificate accepted without being trusted")
	}
}

func TestPurge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		lead := f.user(t, "lena", "", "de")
		emp := f.user(t, "erika", "", "de")
		f.add(t, f.svc, lead, approved(emp.UserID, "/a"), approved(emp.UserID, "/b"))
		if _, err := f.svc.MarkAllRead(ctx, emp); err != nil {
			t.Fatal(err)
		}
		f.add(t, f.svc, lead, approved(emp.UserID, "/c"))
		f.clock.Advance(notify.ReadRetention + time.Hour)
		if n, err := f.svc.Purge(ctx); err != nil || n != 2 {
			t.Fatalf("Purge after 90 days = %d, %v; want the 2 read ones", n, err)
		}
		f.clock.Advance(notify.MaxRetention)
		if n, err := f.svc.Purge(ctx); err != nil || n != 1 {
			t.Fatalf("Purge after a year = %d, %v; want the unread one", n, err)
		}
	})
}

func tlsConfig(s *smtptest.Server) *tls.Config {
	return &tls.Config{RootCAs: s.Roots, MinVersion: tls.VersionTLS12}
}

func decodeQP(t *testing.T, b []byte) string {
	t.Helper()
	out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
