package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
)

// configKey names the config file; it is read from the environment or the
// -config flag, never from the file itself.
const configKey = "ORTLOS_CONFIG"

// layer is one source of raw values, keyed by environment variable name.
type layer struct {
	where  string            // for error messages: "in the environment", …
	values map[string]string // only keys that are set
}

// Load builds the configuration from defaults, the optional config file
// (flag -config or ORTLOS_CONFIG), the environment and the flags in args,
// each overriding the one before, and validates it. args are the
// sub-command's arguments without program and sub-command name; getenv and
// readFile are os.Getenv and os.ReadFile in production. The flags are
// registered on a new flag.FlagSet called name, which prints nothing.
//
// It returns the positional arguments left after the flags. flag.ErrHelp is
// returned unchanged for -h and -help, so that the caller can call
// PrintDefaults; every other problem is reported in one error that joins
// all of them, each naming its setting.
//
// An empty environment variable or config file value counts as unset; a flag
// counts when it is given, even with an empty value. The secrets
// ORTLOS_DATABASE_URL and ORTLOS_METRICS_TOKEN may instead be given as
// ORTLOS_…_FILE, naming a file whose content (less one trailing newline) is
// the value; setting both forms in the same source is an error.
func Load(name string, args []string, getenv func(string) string, readFile func(string) ([]byte, error)) (Config, []string, error) {
	all := settings()
	fs := newFlagSet(name, all)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, nil, flag.ErrHelp
		}
		return Config{}, nil, fmt.Errorf("config: %w", err)
	}

	var errs []error
	layers := make([]layer, 0, 3)

	flags := layer{where: "in the flags", values: map[string]string{}}
	configPath, configFromFlag := "", false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "config" {
			configPath, configFromFlag = f.Value.String(), true
			return
		}
		for _, s := range all {
			if s.flag == f.Name {
				flags.values[s.env] = f.Value.String()
			}
		}
	})
	if !configFromFlag {
		configPath = getenv(configKey)
	}
	if configPath != "" {
		data, err := readFile(configPath)
		if err != nil {
			return Config{}, nil, fmt.Errorf("config: read config file: %w", err)
		}
		values, fileErrs := parseEnvFile(configPath, data, all)
		errs = append(errs, fileErrs...)
		layers = append(layers, layer{where: "in config file " + configPath, values: values})
	}

	env := layer{where: "in the environment", values: map[string]string{}}
	for _, s := range all {
		keys := []string{s.env}
		if s.secret {
			keys = append(keys, s.fileKey())
		}
		for _, k := range keys {
			if v := getenv(k); v != "" {
				env.values[k] = v
			}
		}
	}
	layers = append(layers, env, flags)

	c := base()
	for _, s := range all {
		v, ok, err := resolve(s, layers, readFile)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			continue
		}
		if err := s.set(&c, v); err != nil {
			errs = append(errs, fmt.Errorf("config: %s: %w", s.env, err))
		}
	}
	c.derive()
	errs = append(errs, c.validate()...)
	if len(errs) > 0 {
		return Config{}, nil, errors.Join(errs...)
	}
	c.loc, _ = time.LoadLocation(c.TimeZone) // validate checked that it loads
	return c, fs.Args(), nil
}

// resolve returns the raw value of s from the highest layer that sets it,
// reading the file of a *_FILE secret. ok is false when no layer sets s. A
// layer that sets both forms of a secret is an error even when a higher
// layer overrides it, because it is a mistake the operator should fix.
func resolve(s setting, layers []layer, readFile func(string) ([]byte, error)) (v string, ok bool, err error) {
	if s.secret {
		var errs []error
		for _, l := range layers {
			_, plain := l.values[s.env]
			_, file := l.values[s.fileKey()]
			if plain && file {
				errs = append(errs, fmt.Errorf("config: %s and %s are both set %s; set only one", s.env, s.fileKey(), l.where))
			}
		}
		if len(errs) > 0 {
			return "", false, errors.Join(errs...)
		}
	}
	for i := len(layers) - 1; i >= 0; i-- {
		l := layers[i]
		if v, ok := l.values[s.env]; ok {
			return v, true, nil
		}
		if !s.secret {
			continue
		}
		path, ok := l.values[s.fileKey()]
		if !ok {
			continue
		}
		data, err := readFile(path)
		if err != nil {
			return "", false, fmt.Errorf("config: %s: %w", s.fileKey(), err)
		}
		v := trimNewline(string(data))
		if v == "" {
			return "", false, fmt.Errorf("config: %s: file %s is empty", s.fileKey(), path)
		}
		return v, true, nil
	}
	return "", false, nil
}

// trimNewline removes one trailing "\n" or "\r\n", as left by editors and
// echo; other whitespace may belong to the secret and is kept.
func trimNewline(s string) string {
	if t, ok := strings.CutSuffix(s, "\r\n"); ok {
		return t
	}
	return strings.TrimSuffix(s, "\n")
}

// newFlagSet registers the flags of all settings that have one, plus
// -config, on a silent flag set. Defaults shown are those of base(); an
// unset flag never overrides anything, so they are for display only.
func newFlagSet(name string, all []setting) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("config", "", "config file with ORTLOS_*=value lines ("+configKey+")")
	def := base()
	for _, s := range all {
		if s.flag == "" {
			continue
		}
		usage := s.usage + " (" + s.env + ")"
		if s.derived != "" {
			usage += " (default " + s.derived + ")"
		}
		fs.String(s.flag, s.format(def), usage)
	}
	return fs
}

// parseEnvFile parses a config file of KEY=value lines. Blank lines and lines
// starting with # are skipped, "export " before the key is tolerated, and a
// value may be wrapped in double or single quotes, which are removed (there
// are no escapes, and # after a value is part of the value). Keys must be
// known settings or *_FILE forms of secrets, and each may appear once. An
// empty value counts as unset. Errors name the file and line but never
// repeat a value, which might be a secret.
func parseEnvFile(path string, data []byte, all []setting) (map[string]string, []error) {
	known := map[string]bool{}
	for _, s := range all {
		known[s.env] = true
		if s.secret {
			known[s.fileKey()] = true
		}
	}
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s:%d: %s", path, line, fmt.Sprintf(format, args...)))
	}

	values := map[string]string{}
	seen := map[string]int{} // key -> line of first occurrence
	text := strings.TrimPrefix(string(data), "\uFEFF")
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		line = strings.TrimSpace(line) // also drops the \r of CRLF files
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "export"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			line = strings.TrimSpace(rest)
		}
		key, value, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			bad(n, "expected KEY=value")
			continue
		}
		switch {
		case key == configKey:
			bad(n, "%s cannot be set in the config file", key)
			continue
		case !known[key]:
			bad(n, "unknown setting %q", key)
			continue
		}
		if first, dup := seen[key]; dup {
			bad(n, "%s is already set on line %d", key, first)
			continue
		}
		seen[key] = n
		value, err := unquote(strings.TrimSpace(value))
		if err != nil {
			bad(n, "%s: %v", key, err)
			continue
		}
		if value != "" {
			values[key] = value
		}
	}
	return values, errs
}

// unquote removes one pair of matching double or single quotes around v.
func unquote(v string) (string, error) {
	if v == "" || (v[0] != '"' && v[0] != '\'') {
		return v, nil
	}
	q := v[0]
	if len(v) < 2 || v[len(v)-1] != q {
		return "", fmt.Errorf("value has no closing %c quote", q)
	}
	return v[1 : len(v)-1], nil
}
