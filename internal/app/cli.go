package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"ortlos/internal/apperr"
	"ortlos/internal/config"
)

// Env is the process environment of a command, injectable for tests.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

const usage = `ortlos – ortsunabhängig arbeiten

Usage: ortlos <command> [flags]

Commands:
  serve                 run the server (production; prints a setup link on an empty database)
  demo                  run the server with the demo organisation "Stadt Musterstadt"
  migrate               apply pending database migrations and exit
  user create|list|disable|enable|reset-2fa|set-password
                        manage users on the server (scripting, recovery)
  token create          create a personal API token for a user
  audit verify|export   check the audit trail's hash chain, export it as JSON Lines
  doctor                check the installation: database, migrations, audit trail,
                        task order, blob store (exit code 1 when a check fails)
  documents verify      re-hash every stored file and check the records' references
                        (exit code 1 on missing or altered content)
  documents reindex     rebuild the full-text search index now (-mark-only: let
                        the running server's indexer do it); safe while it serves
  holidays              list the public holidays of a Bundesland and year
  worktime check        check clock intervals against the Arbeitszeitgesetz
  absence entitlement   compute a leave entitlement (BUrlG, contract) with its steps
  config                print the effective configuration (secrets hidden)
  version               print the version

Run "ortlos <command> -h" for the flags of a command. Every flag can also be
set with an ORTLOS_* environment variable or a config file (-config).
`

// Version is set at build time with -ldflags "-X ortlos/internal/app.Version=…".
var Version = "dev"

// Run executes the command line args and returns the exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = cmdServe(ctx, rest, env, false)
	case "demo":
		err = cmdServe(ctx, rest, env, true)
	case "migrate":
		err = cmdMigrate(ctx, rest, env)
	case "user":
		err = cmdUser(ctx, rest, env)
	case "token":
		err = cmdToken(ctx, rest, env)
	case "audit":
		err = cmdAudit(ctx, rest, env)
	case "doctor":
		err = cmdDoctor(ctx, rest, env)
	case "documents":
		err = cmdDocuments(ctx, rest, env)
	case "holidays":
		err = cmdHolidays(rest, env)
	case "worktime":
		err = cmdWorktime(rest, env)
	case "absence":
		err = cmdAbsence(rest, env)
	case "config":
		err = cmdConfig(rest, env)
	case "version":
		fmt.Fprintln(env.Stdout, "ortlos", Version)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.Stdout, usage)
	default:
		fmt.Fprintf(env.Stderr, "ortlos: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage), errors.Is(err, errInput):
		fmt.Fprintln(env.Stderr, "ortlos:", err)
		return 2
	default:
		fmt.Fprintln(env.Stderr, "ortlos:", describe(err))
		return 1
	}
}

var errUsage = errors.New("usage")

// errInput marks invalid input data (exit code 2, like usage errors).
var errInput = errors.New("invalid input")

func inputErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errInput, fmt.Sprintf(format, a...))
}

func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

// describe turns an error into a line for an operator: application errors
// show their code and field problems; others their text.
func describe(err error) string {
	if e, ok := apperr.As(err); ok && e.Kind != apperr.Internal {
		msg := e.Message + " (" + e.Code + ")"
		for f, c := range e.Fields {
			msg += fmt.Sprintf("; %s: %s", f, c)
		}
		// Keep the context that wrapped the application error, e.g. the
		// username the command looked for.
		return strings.Replace(err.Error(), e.Error(), msg, 1)
	}
	return err.Error()
}

// loadConfig reads the configuration for a server command from flags, env
// and config file.
func loadConfig(name string, args []string, env Env) (config.Config, []string, error) {
	cfg, rest, err := config.Load(name, args, env.Getenv, os.ReadFile)
	if errors.Is(err, flag.ErrHelp) {
		config.PrintDefaults(env.Stdout, name)
	}
	return cfg, rest, err
}

// adminFlags are the config flags an administrative command accepts next
// to its own.
type adminFlags struct {
	fs                            *flag.FlagSet
	configFile, dataDir, database string
}

func newAdminFlags(name string, env Env) *adminFlags {
	a := &adminFlags{fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	a.fs.SetOutput(env.Stderr)
	a.fs.StringVar(&a.configFile, "config", "", "config file (ORTLOS_CONFIG)")
	a.fs.StringVar(&a.dataDir, "data-dir", "", "data folder (ORTLOS_DATA_DIR)")
	a.fs.StringVar(&a.database, "database-url", "", "database URL (ORTLOS_DATABASE_URL)")
	return a
}

// config parses args and loads the configuration.
func (a *adminFlags) config(args []string, env Env) (config.Config, error) {
	if err := a.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.Config{}, err
		}
		return config.Config{}, usageErr("%v", err)
	}
	if a.fs.NArg() > 0 {
		return config.Config{}, usageErr("unexpected argument %q", a.fs.Arg(0))
	}
	var cargs []string
	for name, v := range map[string]string{"config": a.configFile, "data-dir": a.dataDir, "database-url": a.database} {
		if v != "" {
			cargs = append(cargs, "-"+name+"="+v)
		}
	}
	cfg, _, err := config.Load(a.fs.Name(), cargs, env.Getenv, os.ReadFile)
	return cfg, err
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(cfg.LogFormat, "json") {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openMain opens the database and services for an administrative command.
func openMain(ctx context.Context, cfg config.Config, env Env) (*Main, error) {
	m := &Main{Config: cfg, Log: newLogger(cfg, env.Stderr), Stdout: env.Stdout}
	if err := m.Open(ctx); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

func cmdConfig(args []string, env Env) error {
	cfg, _, err := loadConfig("config", args, env)
	if err != nil {
		return err
	}
	for _, s := range cfg.Describe() {
		fmt.Fprintf(env.Stdout, "%-36s %s\n", s.Name, s.Value)
	}
	return nil
}

func cmdMigrate(ctx context.Context, args []string, env Env) error {
	cfg, _, err := loadConfig("migrate", args, env)
	if err != nil {
		return err
	}
	d, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	applied, err := d.Migrate(ctx, time.Now())
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(env.Stdout, "database is up to date")
	}
	for _, v := range applied {
		fmt.Fprintln(env.Stdout, "applied", v)
	}
	return nil
}
