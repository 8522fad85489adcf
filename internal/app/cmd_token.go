package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/identity"
)

// cmdToken implements "ortlos token create --username U --name N --scope
// read|write [--expires 90d]". The token is printed alone on stdout so that
// scripts can capture it.
func cmdToken(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || args[0] != "create" {
		return usageErr("token needs the sub-command create")
	}
	f := newAdminFlags("token create", env)
	var username, name, scope, expires string
	f.fs.StringVar(&username, "username", "", "owner of the token (required)")
	f.fs.StringVar(&name, "name", "", "name of the token, e.g. the script using it (required)")
	f.fs.StringVar(&scope, "scope", "read", "read or write")
	f.fs.StringVar(&expires, "expires", "90d", "lifetime: days (90d), hours (12h) or a Go duration")
	cfg, err := f.config(args[1:], env)
	if err != nil {
		return err
	}
	if username == "" || name == "" {
		return usageErr("--username and --name are required")
	}
	lifetime, err := parseLifetime(expires)
	if err != nil {
		return usageErr("--expires: %v", err)
	}
	m, err := openMain(ctx, cfg, env)
	if err != nil {
		return err
	}
	defer m.Close()
	a := actor.CLI()
	u, err := m.Identity.GetUserByUsername(ctx, a, username)
	if err != nil {
		return fmt.Errorf("user %q: %w", username, err)
	}
	t, secret, err := m.Identity.CreateTokenFor(ctx, a, u.ID, identity.NewToken{Name: name, Scope: scope, ExpiresIn: lifetime})
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, secret)
	fmt.Fprintf(env.Stderr, "token %q for %s (scope %s) expires %s; it is shown only now\n", t.Name, u.Username, t.Scope, t.ExpiresAt.Format(time.RFC3339))
	return nil
}

// parseLifetime accepts "90d", "36h" and Go durations.
func parseLifetime(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a lifetime (examples: 90d, 12h)", s)
	}
	return d, nil
}
