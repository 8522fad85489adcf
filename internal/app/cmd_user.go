package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"ortlos/internal/actor"
	"ortlos/internal/identity"
)

// cmdUser implements "ortlos user create|list|disable|enable|reset-2fa|set-password".
func cmdUser(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		return usageErr("user needs a sub-command: create, list, disable, enable, reset-2fa, set-password")
	}
	sub, args := args[0], args[1:]
	f := newAdminFlags("user "+sub, env)
	var username, displayName, email, passwordFile, format string
	var orgUnit int64
	var roles stringList
	switch sub {
	case "create":
		f.fs.StringVar(&username, "username", "", "login name (required)")
		f.fs.StringVar(&displayName, "display-name", "", "full name (required)")
		f.fs.StringVar(&email, "email", "", "e-mail address")
		f.fs.Var(&roles, "role", "role: admin, hr, lead, employee, it-support, auditor (repeatable or comma-separated)")
		f.fs.StringVar(&passwordFile, "password-file", "", `file holding the initial password ("-" reads standard input)`)
		f.fs.Int64Var(&orgUnit, "org-unit", 0, "org unit id")
	case "list":
		f.fs.StringVar(&format, "format", "table", "output format: table or json")
	case "disable", "enable", "reset-2fa":
		f.fs.StringVar(&username, "username", "", "login name (required)")
	case "set-password":
		f.fs.StringVar(&username, "username", "", "login name (required)")
		f.fs.StringVar(&passwordFile, "password-file", "", `file holding the new password ("-" reads standard input) (required)`)
	default:
		return usageErr("unknown user sub-command %q", sub)
	}
	cfg, err := f.config(args, env)
	if err != nil {
		return err
	}
	if sub != "list" && username == "" {
		return usageErr("--username is required")
	}
	var pw string
	if passwordFile != "" {
		if pw, err = readSecretFile(passwordFile, env); err != nil {
			return err
		}
	} else if sub == "set-password" {
		return usageErr("--password-file is required")
	}
	m, err := openMain(ctx, cfg, env)
	if err != nil {
		return err
	}
	defer m.Close()
	a := actor.CLI()
	svc := m.Identity
	if sub == "create" {
		if displayName == "" {
			return usageErr("--display-name is required")
		}
		u, err := svc.CreateUser(ctx, a, identity.NewUser{Username: username, DisplayName: displayName, Email: email,
			Roles: roles, Password: pw, OrgUnitID: orgUnit})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "created user %s (id %d, roles %s)\n", u.Username, u.ID, strings.Join(u.Roles, ","))
		return nil
	}
	if sub == "list" {
		return listUsers(ctx, svc, a, format, env)
	}
	u, err := svc.GetUserByUsername(ctx, a, username)
	if err != nil {
		return fmt.Errorf("user %q: %w", username, err)
	}
	switch sub {
	case "disable", "enable":
		if _, err := svc.SetDisabled(ctx, a, u.ID, sub == "disable"); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "user %s %sd\n", u.Username, sub)
	case "reset-2fa":
		if err := svc.ResetMFA(ctx, a, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "second factor of %s removed; the user enrols again at the next login\n", u.Username)
	case "set-password":
		if err := svc.SetPassword(ctx, a, u.ID, pw); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "password of %s set; all sessions ended\n", u.Username)
	}
	return nil
}

func listUsers(ctx context.Context, svc *identity.Service, a actor.Actor, format string, env Env) error {
	var all []identity.User
	for offset := 0; ; offset += 500 {
		page, total, err := svc.ListUsers(ctx, a, identity.UserFilter{Offset: offset, Limit: 500})
		if err != nil {
			return err
		}
		all = append(all, page...)
		if len(all) >= total || len(page) == 0 {
			break
		}
	}
	if format == "json" {
		type row struct {
			ID          int64    `json:"id"`
			Username    string   `json:"username"`
			DisplayName string   `json:"display_name"`
			Email       string   `json:"email"`
			Roles       []string `json:"roles"`
			Disabled    bool     `json:"disabled"`
			TOTP        bool     `json:"totp_enabled"`
		}
		enc := json.NewEncoder(env.Stdout)
		for _, u := range all {
			if err := enc.Encode(row{u.ID, u.Username, u.DisplayName, u.Email, u.Roles, u.Disabled, u.TOTPEnabled}); err != nil {
				return err
			}
		}
		return nil
	}
	if format != "table" {
		return usageErr("--format must be table or json")
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tROLES\t2FA\tSTATUS")
	for _, u := range all {
		status, mfa := "active", "no"
		if u.Disabled {
			status = "disabled"
		}
		if u.TOTPEnabled {
			mfa = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.DisplayName, strings.Join(u.Roles, ","), mfa, status)
	}
	return tw.Flush()
}

// readSecretFile reads a password from a file or standard input ("-"),
// removing one trailing line break (and nothing else: no silent trimming).
func readSecretFile(name string, env Env) (string, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = readAll(env)
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return "", fmt.Errorf("read password file: %w", err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

func readAll(env Env) ([]byte, error) {
	return io.ReadAll(io.LimitReader(env.Stdin, 1<<16))
}

// stringList is a repeatable, comma-separable flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*s = append(*s, p)
		}
	}
	return nil
}
