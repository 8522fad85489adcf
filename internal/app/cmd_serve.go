package app

import (
	"context"
	"fmt"
	"path/filepath"
)

// cmdServe runs the server. With demo it first seeds the demo organisation
// into an empty database and prints the demo logins.
func cmdServe(ctx context.Context, args []string, env Env, demo bool) error {
	name := "serve"
	if demo {
		name = "demo"
	}
	cfg, rest, err := loadConfig(name, args, env)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErr("unexpected argument %q", rest[0])
	}
	if demo && cfg.OrgName == "" {
		cfg.OrgName = DemoOrgName
	}
	m := &Main{Config: cfg, Log: newLogger(cfg, env.Stderr), Stdout: env.Stdout}
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	if err := m.Listen(); err != nil {
		return err
	}
	url := m.URL()
	if demo {
		logins, err := seedDemo(ctx, m)
		if err != nil {
			return err
		}
		printDemo(env.Stdout, url, logins)
	} else if err := m.announceSetup(ctx, url); err != nil {
		return err
	}
	return m.Serve(ctx)
}

// announceSetup prints a one-time setup link when the database has no users
// yet. Nothing else is created: there are no default credentials.
func (m *Main) announceSetup(ctx context.Context, url string) error {
	need, err := m.Identity.NeedsSetup(ctx)
	if err != nil || !need {
		fmt.Fprintf(m.Stdout, "ortlos is running at %s\n", url)
		return err
	}
	token, expires, err := m.Identity.CreateSetupLink(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, `ortlos is running at %s

The database is empty. Create the first administrator with this one-time link
(valid until %s, usable once):

    %s/setup/%s

`, url, expires.In(m.Config.Location()).Format("02.01.2006 15:04 MST"), url, token)
	return nil
}

// demoLoginsFile keeps the demo password readable for later starts.
func demoLoginsFile(dataDir string) string { return filepath.Join(dataDir, "demo-logins.txt") }
