package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"ortlos/internal/actor"
	"ortlos/internal/identity"
)

// DemoOrgName is the organisation `ortlos demo` creates.
const DemoOrgName = "Stadt Musterstadt"

type demoUnit struct {
	key, parent, name, kind string
}

type demoUser struct {
	username, name, unit, supervisor, state string
	roles                                   []string
}

// The demo organisation: a small town hall with departments, a lead per
// office and every built-in role.
var (
	demoUnits = []demoUnit{
		{"verw", "", "Stadtverwaltung Musterstadt", "Verwaltung"},
		{"fb1", "verw", "Fachbereich 1 – Zentrale Dienste", "Fachbereich"},
		{"amt10", "fb1", "Amt 10 – Personal und Organisation", "Amt"},
		{"amt11", "fb1", "Amt 11 – IT-Service", "Amt"},
		{"rpa", "verw", "Rechnungsprüfungsamt", "Amt"},
		{"fb2", "verw", "Fachbereich 2 – Bürgerdienste", "Fachbereich"},
		{"amt32", "fb2", "Amt 32 – Bürgeramt", "Amt"},
		{"amt33", "fb2", "Amt 33 – Standesamt", "Amt"},
		{"fb3", "verw", "Fachbereich 3 – Bauen und Umwelt", "Fachbereich"},
		{"amt61", "fb3", "Amt 61 – Bauordnung", "Amt"},
	}
	demoUsers = []demoUser{
		{"andreas.krueger", "Andreas Krüger", "amt11", "", "NW", []string{actor.RoleAdmin}},
		{"jonas.weber", "Jonas Weber", "amt11", "andreas.krueger", "NW", []string{actor.RoleITSupport, actor.RoleEmployee}},
		{"sabine.hoffmann", "Sabine Hoffmann", "amt10", "", "NW", []string{actor.RoleHR, actor.RoleLead, actor.RoleEmployee}},
		{"anna.schmidt", "Anna Schmidt", "amt10", "sabine.hoffmann", "NW", []string{actor.RoleHR, actor.RoleEmployee}},
		{"petra.lange", "Dr. Petra Lange", "rpa", "", "NW", []string{actor.RoleAuditor}},
		{"claudia.braun", "Claudia Braun", "amt10", "sabine.hoffmann", "NW", []string{actor.RoleRecords, actor.RoleEmployee}},
		{"uwe.hartmann", "Uwe Hartmann", "amt10", "sabine.hoffmann", "NW", []string{actor.RoleRecords, actor.RoleEmployee}},
		{"martina.schulz", "Martina Schulz", "amt32", "", "NW", []string{actor.RoleLead, actor.RoleEmployee}},
		{"lukas.becker", "Lukas Becker", "amt32", "martina.schulz", "NW", []string{actor.RoleEmployee}},
		{"aylin.yilmaz", "Aylin Yılmaz", "amt32", "martina.schulz", "NW", []string{actor.RoleEmployee}},
		{"thomas.mueller", "Thomas Müller", "amt32", "martina.schulz", "RP", []string{actor.RoleEmployee}},
		{"birgit.neumann", "Birgit Neumann", "amt33", "", "NW", []string{actor.RoleLead, actor.RoleEmployee}},
		{"felix.zimmermann", "Felix Zimmermann", "amt33", "birgit.neumann", "NW", []string{actor.RoleEmployee}},
		{"stefan.wagner", "Stefan Wagner", "amt61", "", "NW", []string{actor.RoleLead, actor.RoleEmployee}},
		{"julia.fischer", "Julia Fischer", "amt61", "stefan.wagner", "NW", []string{actor.RoleEmployee}},
		{"mehmet.demir", "Mehmet Demir", "amt61", "stefan.wagner", "NI", []string{actor.RoleEmployee}},
		{"katrin.schroeder", "Katrin Schröder", "amt61", "stefan.wagner", "NW", []string{actor.RoleEmployee}},
	}
)

type demoLogins struct {
	Password string
	Users    []demoUser
	Notice   string
}

// seedDemo creates the demo organisation in an empty database. Every demo
// user gets the same password, generated at random for this installation
// (there are no fixed credentials), and no second factor yet: the first login
// leads through the real enrolment. A later start prints the logins again.
func seedDemo(ctx context.Context, m *Main) (demoLogins, error) {
	file := demoLoginsFile(m.Config.DataDir)
	empty, err := m.Identity.NeedsSetup(ctx)
	if err != nil {
		return demoLogins{}, err
	}
	if !empty {
		b, err := os.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) {
			return demoLogins{Notice: "The database already holds an organisation that `ortlos demo` did not create; no demo data was added."}, nil
		}
		if err != nil {
			return demoLogins{}, err
		}
		return demoLogins{Password: strings.TrimSpace(string(b)), Users: demoUsers}, nil
	}
	pw := demoPassword()
	a := actor.CLI()
	units := map[string]int64{}
	for _, u := range demoUnits {
		ou, err := m.Identity.CreateOrgUnit(ctx, a, identity.OrgUnitInput{ParentID: units[u.parent], Name: u.name, Kind: u.kind})
		if err != nil {
			return demoLogins{}, fmt.Errorf("demo: org unit %s: %w", u.name, err)
		}
		units[u.key] = ou.ID
	}
	ids := map[string]int64{}
	for _, u := range demoUsers {
		created, err := m.Identity.CreateUser(ctx, a, identity.NewUser{
			Username: u.username, DisplayName: u.name, Email: u.username + "@musterstadt.example",
			OrgUnitID: units[u.unit], SupervisorID: ids[u.supervisor], State: u.state, Language: "de",
			Roles: u.roles, Password: pw,
		})
		if err != nil {
			return demoLogins{}, fmt.Errorf("demo: user %s: %w", u.username, err)
		}
		ids[u.username] = created.ID
	}
	if err := seedDemoWorktime(ctx, m, ids); err != nil {
		return demoLogins{}, err
	}
	if err := seedDemoProjects(ctx, m, ids); err != nil {
		return demoLogins{}, err
	}
	if err := seedDemoDocuments(ctx, m, units, ids); err != nil {
		return demoLogins{}, err
	}
	if err := os.WriteFile(file, []byte(pw+"\n"), 0o600); err != nil {
		return demoLogins{}, fmt.Errorf("demo: write %s: %w", file, err)
	}
	return demoLogins{Password: pw, Users: demoUsers}, nil
}

// demoPassword returns a random password like "Demo-k7m2-x9qp-4hfd".
func demoPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	var b strings.Builder
	b.WriteString("Demo")
	for i := range 12 {
		if i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(alphabet[randIndex(len(alphabet))])
	}
	return b.String()
}

func randIndex(n int) int {
	for {
		var c [1]byte
		if _, err := rand.Read(c[:]); err != nil {
			panic(err)
		}
		if int(c[0]) < 256-256%n {
			return int(c[0]) % n
		}
	}
}

func printDemo(w io.Writer, url string, l demoLogins) {
	fmt.Fprintf(w, "\nortlos demo – %s\n\n    Open %s in your browser.\n\n", DemoOrgName, url)
	if l.Notice != "" {
		fmt.Fprintf(w, "%s\n\n", l.Notice)
		return
	}
	fmt.Fprintf(w, "Demo logins (password for all: %s)\n", l.Password)
	fmt.Fprintln(w, "At the first login each user sets up two-factor authentication with an authenticator app.")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "    %-18s %-28s %s\n", "USERNAME", "ROLES", "NAME")
	for _, u := range l.Users {
		fmt.Fprintf(w, "    %-18s %-28s %s\n", u.username, strings.Join(u.roles, ","), u.name)
	}
	fmt.Fprintln(w)
}
