package identity_test

import (
	"testing"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/db"
	"ortlos/internal/db/dbtest"
	"ortlos/internal/identity"
)

var firstAdmin = identity.NewAdmin{
	Username: "Admin.Muster", DisplayName: "Erika Admin", Email: "it@example.org",
	Password: testPassword, SourceIP: testIP, UserAgent: testUA,
}

func TestSetupLink(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		if need, err := h.svc.NeedsSetup(h.ctx); err != nil || !need {
			t.Fatalf("NeedsSetup on an empty database = %v, %v; want true", need, err)
		}
		first, expires, err := h.svc.CreateSetupLink(h.ctx)
		if err != nil || !expires.Equal(t0.Add(24*time.Hour)) || len(first) < 43 {
			t.Fatalf("CreateSetupLink = %q, %v, %v", first, expires, err)
		}
		h.clk.Advance(time.Minute)
		link, _, err := h.svc.CreateSetupLink(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		h.wantAudits("setup.link_created", 2)
		// A new link invalidates the old, unused one.
		wantCode(t, "CheckSetupLink of the replaced link", h.svc.CheckSetupLink(h.ctx, first), apperr.NotFound, "setup_link_invalid")
		if err := h.svc.CheckSetupLink(h.ctx, link); err != nil {
			t.Fatalf("CheckSetupLink: %v", err)
		}
		for _, bad := range []string{"", "nonsense", first} {
			_, err := h.svc.UseSetupLink(h.ctx, bad, firstAdmin)
			wantCode(t, "UseSetupLink("+bad+")", err, apperr.NotFound, "setup_link_invalid")
		}

		// Invalid input leaves the link usable.
		before := h.snapshot()
		bad := firstAdmin
		bad.Username, bad.Password = "x", "musterstadt-verwaltung"
		_, err = h.svc.UseSetupLink(h.ctx, link, bad)
		wantField(t, "UseSetupLink with a bad username", err, "username", "invalid_username")
		wantField(t, "UseSetupLink with an org-name password", err, "password", "password_contains_org")
		bad = firstAdmin
		bad.Password = ""
		_, err = h.svc.UseSetupLink(h.ctx, link, bad)
		wantField(t, "UseSetupLink without password", err, "password", "password_too_short")
		h.wantUnchanged(before, "invalid UseSetupLink")

		res, err := h.svc.UseSetupLink(h.ctx, link, firstAdmin)
		if err != nil {
			t.Fatalf("UseSetupLink: %v", err)
		}
		if res.Session.Stage != identity.StageEnrol || res.User.Username != "admin.muster" {
			t.Errorf("UseSetupLink = %+v, want admin.muster in stage enrol", res)
		}
		a := h.auth(res.Token)
		if !a.User.Has(actor.RoleAdmin) || a.User.Email != "it@example.org" || a.Actor.IsAdmin() {
			t.Errorf("first admin: user %+v, actor %+v; want an admin user whose enrol-stage actor is not admin yet", a.User, a.Actor)
		}
		for _, action := range []string{"setup.link_used", "user.create", "auth.login"} {
			h.wantAudits(action, 1)
		}
		if rec := h.lastAudit("user.create"); rec.Detail["via"] != "setup_link" || rec.ObjectID != itoa(res.User.ID) {
			t.Errorf("user.create record = %+v", rec)
		}
		if need, _ := h.svc.NeedsSetup(h.ctx); need {
			t.Error("NeedsSetup after setup = true")
		}

		// Used is used; and no new link once users exist.
		before = h.snapshot()
		other := firstAdmin
		other.Username = "second.admin"
		_, err = h.svc.UseSetupLink(h.ctx, link, other)
		wantCode(t, "second UseSetupLink", err, apperr.NotFound, "setup_link_invalid")
		_, _, err = h.svc.CreateSetupLink(h.ctx)
		wantCode(t, "CreateSetupLink after setup", err, apperr.Conflict, "setup_done")
		h.wantUnchanged(before, "refused setup requests")

		// The admin enrols and then administers.
		full, _, _ := h.enrol(res.Token)
		admin := h.auth(full).Actor
		if _, err := h.svc.CreateUser(h.ctx, admin, identity.NewUser{Username: "anna", DisplayName: "Anna"}); err != nil {
			t.Errorf("CreateUser by the first admin: %v", err)
		}
	})
}

func TestSetupLinkExpires(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, func(s *identity.Settings) { s.SetupLinkTTL = time.Hour })
		link, _, err := h.svc.CreateSetupLink(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		h.clk.Advance(time.Hour - time.Second)
		if err := h.svc.CheckSetupLink(h.ctx, link); err != nil {
			t.Fatalf("link one second before expiry: %v", err)
		}
		h.clk.Advance(time.Second)
		wantCode(t, "CheckSetupLink when expired", h.svc.CheckSetupLink(h.ctx, link), apperr.NotFound, "setup_link_invalid")
		before := h.snapshot()
		_, err = h.svc.UseSetupLink(h.ctx, link, firstAdmin)
		wantCode(t, "UseSetupLink when expired", err, apperr.NotFound, "setup_link_invalid")
		h.wantUnchanged(before, "expired UseSetupLink")
	})
}

// TestSetupLinkAfterUsersExist: a link made before anyone existed must not
// create an administrator once an operator has created users.
func TestSetupLinkAfterUsersExist(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d)
		link, _, err := h.svc.CreateSetupLink(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		h.mustCreateUser("operator", actor.RoleAdmin)
		before := h.snapshot()
		_, err = h.svc.UseSetupLink(h.ctx, link, firstAdmin)
		wantCode(t, "UseSetupLink after users exist", err, apperr.Conflict, "setup_done")
		h.wantUnchanged(before, "UseSetupLink after users exist")
	})
}
