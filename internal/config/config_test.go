package config

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// configPath is where tests put the config file; ORTLOS_CONFIG points to it
// when a test gives file content.
const configPath = "/etc/ortlos/ortlos.env"

// input is what Load sees: environment, files readable through readFile,
// an optional config file and the command-line arguments.
type input struct {
	env   map[string]string
	files map[string]string
	file  string // content of configPath; "" for no config file
	args  []string
}

func load(t *testing.T, in input) (Config, []string, error) {
	t.Helper()
	env := map[string]string{}
	for k, v := range in.env {
		env[k] = v
	}
	files := map[string]string{}
	for k, v := range in.files {
		files[k] = v
	}
	if in.file != "" {
		files[configPath] = in.file
		if _, ok := env[configKey]; !ok {
			env[configKey] = configPath
		}
	}
	getenv := func(k string) string { return env[k] }
	readFile := func(name string) ([]byte, error) {
		s, ok := files[name]
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		return []byte(s), nil
	}
	return Load("ortlos serve", in.args, getenv, readFile)
}

// mustLoad loads in and fails the test on error.
func mustLoad(t *testing.T, in input) Config {
	t.Helper()
	c, _, err := load(t, in)
	if err != nil {
		t.Fatalf("Load(%+v): unexpected error:\n%v", in, err)
	}
	return c
}

// errorLines splits a joined error into its messages.
func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

// withoutLocation clears the cached zone so that configs compare by value.
func withoutLocation(c Config) Config {
	c.loc = nil
	return c
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	d := Defaults()
	want := Config{
		Listen:             "127.0.0.1:8080",
		BaseURL:            "http://127.0.0.1:8080",
		DatabaseURL:        "sqlite:data/ortlos.db",
		DataDir:            "./data",
		SessionIdleTimeout: 30 * time.Minute,
		SessionMaxLifetime: 12 * time.Hour,
		LogLevel:           "info",
		LogFormat:          "text",
		DefaultState:       "NW",
		TimeZone:           "Europe/Berlin",
		SecretKeyFile:      "data/secret.key",
		BlobDir:            "data/blobs",
		SetupLinkTTL:       24 * time.Hour,
		MaxBodyBytes:       1048576,
		ShutdownTimeout:    15 * time.Second,

		WorktimeCorrectionDays: 7,
		FlexitimeMaxPlus:       40 * time.Hour,
		FlexitimeMaxMinus:      20 * time.Hour,
		FlexitimeYearCarryover: 40 * time.Hour,

		WorktimeReferencePeriod: "6_calendar_months",
		WorktimeReferenceStart:  "2024-01-01",

		LeaveCarryoverExpiry: "03-31",
		SMTPPort:             587,
		SMTPTLS:              "starttls",
		BlobS3TLS:            true,
		BlobS3PartBytes:      8 << 20,
		DocumentMaxBytes:     2 << 30,
		UploadAllow:          "default",
	}
	if got := withoutLocation(d); !reflect.DeepEqual(got, want) {
		t.Errorf("Defaults() =\n%+v\nwant\n%+v", got, want)
	}
	if err := d.Validate(); err != nil {
		t.Errorf("Defaults().Validate() = %v, want nil", err)
	}
	if d.TLS() {
		t.Error("Defaults().TLS() = true, want false")
	}
	if got := d.Location().String(); got != "Europe/Berlin" {
		t.Errorf("Defaults().Location() = %s, want Europe/Berlin", got)
	}

	c, args, err := load(t, input{})
	if err != nil {
		t.Fatalf("Load with nothing set: %v", err)
	}
	if !reflect.DeepEqual(withoutLocation(c), want) {
		t.Errorf("Load with nothing set =\n%+v\nwant\n%+v", withoutLocation(c), want)
	}
	if len(args) != 0 {
		t.Errorf("Load with nothing set: args = %q, want none", args)
	}
	if c.Location() == nil || c.Location().String() != "Europe/Berlin" {
		t.Errorf("Load: Location() = %v, want Europe/Berlin", c.Location())
	}
}

func TestLoadPrecedence(t *testing.T) {
	t.Parallel()
	const file = "ORTLOS_LISTEN=10.0.0.1:1\nORTLOS_ORG_NAME=File\nORTLOS_SESSION_IDLE_TIMEOUT=40m\n"
	tests := []struct {
		name     string
		in       input
		wantAddr string
		wantOrg  string
		wantIdle time.Duration
	}{
		{
			name:     "defaults",
			in:       input{},
			wantAddr: "127.0.0.1:8080", wantOrg: "", wantIdle: 30 * time.Minute,
		},
		{
			name:     "file over defaults",
			in:       input{file: file},
			wantAddr: "10.0.0.1:1", wantOrg: "File", wantIdle: 40 * time.Minute,
		},
		{
			name:     "env over file",
			in:       input{file: file, env: map[string]string{"ORTLOS_LISTEN": "10.0.0.2:2", "ORTLOS_SESSION_IDLE_TIMEOUT": "50m"}},
			wantAddr: "10.0.0.2:2", wantOrg: "File", wantIdle: 50 * time.Minute,
		},
		{
			name: "flag over env and file",
			in: input{file: file, env: map[string]string{"ORTLOS_LISTEN": "10.0.0.2:2", "ORTLOS_ORG_NAME": "Env"},
				args: []string{"-listen", "10.0.0.3:3"}},
			wantAddr: "10.0.0.3:3", wantOrg: "Env", wantIdle: 40 * time.Minute,
		},
		{
			name: "flag equal to the default still overrides",
			in: input{env: map[string]string{"ORTLOS_LISTEN": "10.0.0.2:2"},
				args: []string{"-listen=127.0.0.1:8080"}},
			wantAddr: "127.0.0.1:8080", wantOrg: "", wantIdle: 30 * time.Minute,
		},
		{
			name:     "flag set to empty overrides",
			in:       input{env: map[string]string{"ORTLOS_ORG_NAME": "Env"}, args: []string{"-org-name="}},
			wantAddr: "127.0.0.1:8080", wantOrg: "", wantIdle: 30 * time.Minute,
		},
		{
			name:     "empty value in file counts as unset",
			in:       input{file: "ORTLOS_LISTEN=\nORTLOS_ORG_NAME=''\n"},
			wantAddr: "127.0.0.1:8080", wantOrg: "", wantIdle: 30 * time.Minute,
		},
		{
			name: "-config flag over ORTLOS_CONFIG",
			in: input{
				env:   map[string]string{configKey: "/other.env"},
				files: map[string]string{"/other.env": "ORTLOS_ORG_NAME=Other\n", "/mine.env": "ORTLOS_ORG_NAME=Mine\n"},
				args:  []string{"-config", "/mine.env"},
			},
			wantAddr: "127.0.0.1:8080", wantOrg: "Mine", wantIdle: 30 * time.Minute,
		},
		{
			name:     "-config= disables the file from ORTLOS_CONFIG",
			in:       input{file: file, args: []string{"-config="}},
			wantAddr: "127.0.0.1:8080", wantOrg: "", wantIdle: 30 * time.Minute,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := mustLoad(t, tt.in)
			if c.Listen != tt.wantAddr || c.OrgName != tt.wantOrg || c.SessionIdleTimeout != tt.wantIdle {
				t.Errorf("Load(%+v): Listen, OrgName, SessionIdleTimeout = %q, %q, %s; want %q, %q, %s",
					tt.in, c.Listen, c.OrgName, c.SessionIdleTimeout, tt.wantAddr, tt.wantOrg, tt.wantIdle)
			}
		})
	}
}

func TestLoadAllSettings(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"ORTLOS_LISTEN":                         "[::1]:9000",
		"ORTLOS_BASE_URL":                       "https://zeit.example.org/ortlos/",
		"ORTLOS_DATABASE_URL":                   "postgres://u:p@db/ortlos",
		"ORTLOS_DATA_DIR":                       "/var/lib/ortlos",
		"ORTLOS_SESSION_IDLE_TIMEOUT":           "1h",
		"ORTLOS_SESSION_MAX_LIFETIME":           "720h",
		"ORTLOS_LOG_LEVEL":                      "DEBUG",
		"ORTLOS_LOG_FORMAT":                     "Json",
		"ORTLOS_ORG_NAME":                       "Stadt Musterstadt",
		"ORTLOS_DEFAULT_STATE":                  "by",
		"ORTLOS_TIME_ZONE":                      "UTC",
		"ORTLOS_TRUSTED_PROXIES":                "10.0.0.1",
		"ORTLOS_METRICS_TOKEN":                  "0123456789abcdef",
		"ORTLOS_SECRET_KEY_FILE":                "/run/secrets/key",
		"ORTLOS_BLOB_DIR":                       "/srv/ortlos-blobs",
		"ORTLOS_SETUP_LINK_TTL":                 "168h",
		"ORTLOS_MAX_BODY_BYTES":                 "4096",
		"ORTLOS_WORKTIME_CORRECTION_DAYS":       "0",
		"ORTLOS_WORKTIME_AUTO_BREAK":            "Yes",
		"ORTLOS_FLEXITIME_MAX_PLUS":             "20h",
		"ORTLOS_FLEXITIME_MAX_MINUS":            "10h30m",
		"ORTLOS_FLEXITIME_YEAR_CARRYOVER":       "0s",
		"ORTLOS_WORKTIME_REFERENCE_PERIOD":      "24_Weeks",
		"ORTLOS_WORKTIME_REFERENCE_START":       "2026-01-05",
		"ORTLOS_ABSENCE_LEADS_SEE_HEALTH_TYPES": "true",
		"ORTLOS_SHUTDOWN_TIMEOUT":               "1m30s",
		"ORTLOS_PASSWORD_HASH_CONCURRENCY":      "64",
		"ORTLOS_LEAVE_CARRYOVER_EXPIRY":         "04-30",
		"ORTLOS_SMTP_HOST":                      "mail.example.org",
		"ORTLOS_SMTP_PORT":                      "465",
		"ORTLOS_SMTP_TLS":                       "TLS",
		"ORTLOS_SMTP_USERNAME":                  "ortlos",
		"ORTLOS_SMTP_PASSWORD":                  "mail-pass",
		"ORTLOS_SMTP_FROM":                      "ortlos@example.org",
		"ORTLOS_BLOB_S3_ENDPOINT":               "s3.example.org:8443",
		"ORTLOS_BLOB_S3_BUCKET":                 "stadt-ortlos",
		"ORTLOS_BLOB_S3_REGION":                 "eu-central-1",
		"ORTLOS_BLOB_S3_PREFIX":                 "/ortlos/blobs/",
		"ORTLOS_BLOB_S3_ACCESS_KEY":             "AKIAORTLOS",
		"ORTLOS_BLOB_S3_SECRET_KEY":             "s3-secret",
		"ORTLOS_BLOB_S3_TLS":                    "yes",
		"ORTLOS_BLOB_S3_PART_BYTES":             "16777216",
		"ORTLOS_DOCUMENT_MAX_BYTES":             "1073741824",
		"ORTLOS_UPLOAD_ALLOW":                   "default, .dwg",
		"ORTLOS_CLAMD_ADDR":                     "/run/clamav/clamd.ctl",
	}
	got := withoutLocation(mustLoad(t, input{env: env}))
	want := Config{
		Listen:                     "[::1]:9000",
		BaseURL:                    "https://zeit.example.org/ortlos",
		DatabaseURL:                "postgres://u:p@db/ortlos",
		DataDir:                    "/var/lib/ortlos",
		SessionIdleTimeout:         time.Hour,
		SessionMaxLifetime:         720 * time.Hour,
		LogLevel:                   "debug",
		LogFormat:                  "json",
		OrgName:                    "Stadt Musterstadt",
		DefaultState:               "BY",
		TimeZone:                   "UTC",
		TrustedProxies:             []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32")},
		MetricsToken:               "0123456789abcdef",
		SecretKeyFile:              "/run/secrets/key",
		BlobDir:                    "/srv/ortlos-blobs",
		SetupLinkTTL:               168 * time.Hour,
		MaxBodyBytes:               4096,
		ShutdownTimeout:            90 * time.Second,
		PasswordHashConcurrency:    64,
		WorktimeCorrectionDays:     0,
		WorktimeAutoBreak:          true,
		FlexitimeMaxPlus:           20 * time.Hour,
		FlexitimeMaxMinus:          10*time.Hour + 30*time.Minute,
		FlexitimeYearCarryover:     0,
		WorktimeReferencePeriod:    "24_weeks",
		WorktimeReferenceStart:     "2026-01-05",
		AbsenceLeadsSeeHealthTypes: true,
		LeaveCarryoverExpiry:       "04-30",
		SMTPHost:                   "mail.example.org",
		SMTPPort:                   465,
		SMTPTLS:                    "tls",
		SMTPUsername:               "ortlos",
		SMTPPassword:               "mail-pass",
		SMTPFrom:                   "ortlos@example.org",
		BlobS3Endpoint:             "s3.example.org:8443",
		BlobS3Bucket:               "stadt-ortlos",
		BlobS3Region:               "eu-central-1",
		BlobS3Prefix:               "ortlos/blobs",
		BlobS3AccessKey:            "AKIAORTLOS",
		BlobS3SecretKey:            "s3-secret",
		BlobS3TLS:                  true,
		BlobS3PartBytes:            16 << 20,
		DocumentMaxBytes:           1 << 30,
		UploadAllow:                "default, .dwg",
		ClamdAddr:                  "/run/clamav/clamd.ctl",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load(%v) =\n%+v\nwant\n%+v", env, got, want)
	}
}

func TestLoadDerivedFromDataDir(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, input{args: []string{"-data-dir", "/srv/ortlos"}})
	if c.DatabaseURL != "sqlite:/srv/ortlos/ortlos.db" || c.SecretKeyFile != "/srv/ortlos/secret.key" || c.BlobDir != "/srv/ortlos/blobs" {
		t.Errorf("-data-dir /srv/ortlos: DatabaseURL, SecretKeyFile, BlobDir = %q, %q, %q; want sqlite:/srv/ortlos/ortlos.db, /srv/ortlos/secret.key, /srv/ortlos/blobs",
			c.DatabaseURL, c.SecretKeyFile, c.BlobDir)
	}
}

func TestSecretFromFile(t *testing.T) {
	t.Parallel()
	const token = "0123456789abcdef"
	tests := []struct {
		name      string
		in        input
		wantDB    string
		wantToken string
	}{
		{
			name:      "trailing newline trimmed",
			in:        input{env: map[string]string{"ORTLOS_METRICS_TOKEN_FILE": "/s/token"}, files: map[string]string{"/s/token": token + "\n"}},
			wantDB:    "sqlite:data/ortlos.db",
			wantToken: token,
		},
		{
			name:      "trailing CRLF trimmed",
			in:        input{env: map[string]string{"ORTLOS_METRICS_TOKEN_FILE": "/s/token"}, files: map[string]string{"/s/token": token + "\r\n"}},
			wantDB:    "sqlite:data/ortlos.db",
			wantToken: token,
		},
		{
			name:      "only one newline trimmed",
			in:        input{env: map[string]string{"ORTLOS_METRICS_TOKEN_FILE": "/s/token"}, files: map[string]string{"/s/token": token + "\n\n"}},
			wantDB:    "sqlite:data/ortlos.db",
			wantToken: token + "\n",
		},
		{
			name:      "spaces kept",
			in:        input{env: map[string]string{"ORTLOS_METRICS_TOKEN_FILE": "/s/token"}, files: map[string]string{"/s/token": " " + token + " \n"}},
			wantDB:    "sqlite:data/ortlos.db",
			wantToken: " " + token + " ",
		},
		{
			name:   "database URL file",
			in:     input{env: map[string]string{"ORTLOS_DATABASE_URL_FILE": "/s/db"}, files: map[string]string{"/s/db": "postgres://u:p@h/d\n"}},
			wantDB: "postgres://u:p@h/d",
		},
		{
			name:   "file key in the config file",
			in:     input{file: "ORTLOS_DATABASE_URL_FILE=/s/db\n", files: map[string]string{"/s/db": "postgres://u:p@h/d"}},
			wantDB: "postgres://u:p@h/d",
		},
		{
			name: "env file form over plain value in config file",
			in: input{file: "ORTLOS_DATABASE_URL=sqlite:/from/file.db\n", env: map[string]string{"ORTLOS_DATABASE_URL_FILE": "/s/db"},
				files: map[string]string{"/s/db": "postgres://u:p@h/d"}},
			wantDB: "postgres://u:p@h/d",
		},
		{
			name: "flag over env file form",
			in: input{env: map[string]string{"ORTLOS_DATABASE_URL_FILE": "/s/db"},
				args: []string{"-database-url", "sqlite:/flag.db"}},
			wantDB: "sqlite:/flag.db",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := mustLoad(t, tt.in)
			if c.DatabaseURL != tt.wantDB || c.MetricsToken != tt.wantToken {
				t.Errorf("Load(%+v): DatabaseURL, MetricsToken = %q, %q; want %q, %q",
					tt.in, c.DatabaseURL, c.MetricsToken, tt.wantDB, tt.wantToken)
			}
		})
	}
}

// checkErr asserts that err has exactly one message per entry of want, and
// that each message contains its entry.
func checkErr(t *testing.T, in input, err error, want ...string) {
	t.Helper()
	lines := errorLines(err)
	if len(lines) != len(want) {
		t.Fatalf("Load(%+v): got %d errors, want %d:\n%v", in, len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) {
			t.Errorf("Load(%+v): error %d = %q, want it to contain %q", in, i, lines[i], w)
		}
	}
}

func TestSecretFileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   input
		want []string
	}{
		{
			name: "both set in the environment",
			in:   input{env: map[string]string{"ORTLOS_METRICS_TOKEN": "0123456789abcdef", "ORTLOS_METRICS_TOKEN_FILE": "/s/token"}},
			want: []string{"config: ORTLOS_METRICS_TOKEN and ORTLOS_METRICS_TOKEN_FILE are both set in the environment"},
		},
		{
			name: "both set in the config file",
			in:   input{file: "ORTLOS_DATABASE_URL=sqlite:x.db\nORTLOS_DATABASE_URL_FILE=/s/db\n"},
			want: []string{"config: ORTLOS_DATABASE_URL and ORTLOS_DATABASE_URL_FILE are both set in config file " + configPath},
		},
		{
			name: "both set and overridden by a flag",
			in: input{env: map[string]string{"ORTLOS_DATABASE_URL": "sqlite:x.db", "ORTLOS_DATABASE_URL_FILE": "/s/db"},
				args: []string{"-database-url", "sqlite:y.db"}},
			want: []string{"ORTLOS_DATABASE_URL and ORTLOS_DATABASE_URL_FILE are both set in the environment"},
		},
		{
			name: "missing file",
			in:   input{env: map[string]string{"ORTLOS_METRICS_TOKEN_FILE": "/s/missing"}},
			want: []string{"config: ORTLOS_METRICS_TOKEN_FILE: open /s/missing: file does not exist"},
		},
		{
			name: "empty file",
			in:   input{env: map[string]string{"ORTLOS_DATABASE_URL_FILE": "/s/db"}, files: map[string]string{"/s/db": "\n"}},
			want: []string{"config: ORTLOS_DATABASE_URL_FILE: file /s/db is empty"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := load(t, tt.in)
			checkErr(t, tt.in, err, tt.want...)
		})
	}
}

func TestSecretFormsInDifferentSources(t *testing.T) {
	t.Parallel()
	in := input{
		file:  "ORTLOS_METRICS_TOKEN_FILE=/s/token\n",
		env:   map[string]string{"ORTLOS_METRICS_TOKEN": "fedcba9876543210"},
		files: map[string]string{"/s/token": "0123456789abcdef"},
	}
	c := mustLoad(t, in)
	if c.MetricsToken != "fedcba9876543210" {
		t.Errorf("Load(%+v): MetricsToken = %q, want the value from the environment", in, c.MetricsToken)
	}
}

func TestInvalidSetting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), []byte("pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		env  map[string]string
		args []string
		want string // the whole error must be exactly one message containing this
	}{
		{env: map[string]string{"ORTLOS_LISTEN": "localhost"}, want: `config: ORTLOS_LISTEN: "localhost" is not a host:port address`},
		{env: map[string]string{"ORTLOS_LISTEN": ":http"}, want: `config: ORTLOS_LISTEN: ":http" is not a host:port address`},
		{args: []string{"-listen="}, want: `config: ORTLOS_LISTEN: "" is not a host:port address`},
		{env: map[string]string{"ORTLOS_BASE_URL": "ftp://example.org"}, want: `config: ORTLOS_BASE_URL: "ftp://example.org" is not an absolute http or https URL`},
		{env: map[string]string{"ORTLOS_DATABASE_URL": "mysql://db/ortlos"}, want: `config: ORTLOS_DATABASE_URL: invalid database URL: must start with "sqlite:", "postgres://" or "postgresql://"`},
		{env: map[string]string{"ORTLOS_DATABASE_URL": "sqlite:"}, want: "config: ORTLOS_DATABASE_URL: invalid database URL: sqlite URL has no file path"},
		{env: map[string]string{"ORTLOS_DATABASE_URL": "postgres://db/%zz"}, want: "config: ORTLOS_DATABASE_URL: invalid database URL: not a valid URL"},
		{args: []string{"-data-dir="}, want: "config: ORTLOS_DATA_DIR: must not be empty"},
		{env: map[string]string{"ORTLOS_TLS_CERT": filepath.Join(dir, "cert.pem"), "ORTLOS_TLS_KEY": filepath.Join(dir, "key.pem")},
			want: "config: ORTLOS_TLS_CERT: open " + filepath.Join(dir, "cert.pem") + ": no such file or directory"},
		{env: map[string]string{"ORTLOS_SESSION_IDLE_TIMEOUT": "abc"}, want: `config: ORTLOS_SESSION_IDLE_TIMEOUT: "abc" is not a duration (examples: 30m, 1h)`},
		{env: map[string]string{"ORTLOS_SESSION_IDLE_TIMEOUT": "30"}, want: `config: ORTLOS_SESSION_IDLE_TIMEOUT: "30" is not a duration`},
		{env: map[string]string{"ORTLOS_SESSION_IDLE_TIMEOUT": "59s"}, want: "config: ORTLOS_SESSION_IDLE_TIMEOUT: 59s is too short (minimum 1m)"},
		{env: map[string]string{"ORTLOS_SESSION_MAX_LIFETIME": "20m"}, want: "config: ORTLOS_SESSION_MAX_LIFETIME: 20m is shorter than ORTLOS_SESSION_IDLE_TIMEOUT (30m)"},
		{env: map[string]string{"ORTLOS_SESSION_MAX_LIFETIME": "721h"}, want: "config: ORTLOS_SESSION_MAX_LIFETIME: 721h is too long (maximum 720h, 30 days)"},
		{env: map[string]string{"ORTLOS_LOG_LEVEL": "verbose"}, want: `config: ORTLOS_LOG_LEVEL: "verbose" is not a log level (one of debug, info, warn, error)`},
		{env: map[string]string{"ORTLOS_LOG_FORMAT": "xml"}, want: `config: ORTLOS_LOG_FORMAT: "xml" is not a log format (one of text, json)`},
		{env: map[string]string{"ORTLOS_DEFAULT_STATE": "XX"}, want: `config: ORTLOS_DEFAULT_STATE: "XX" is not a Bundesland code (one of BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, RP, SL, SN, ST, SH, TH)`},
		{args: []string{"-default-state", "Bayern"}, want: `config: ORTLOS_DEFAULT_STATE: "BAYERN" is not a Bundesland code`},
		{env: map[string]string{"ORTLOS_TIME_ZONE": "Mars/Olympus_Mons"}, want: `config: ORTLOS_TIME_ZONE: "Mars/Olympus_Mons" is not a known time zone`},
		{args: []string{"-time-zone="}, want: "config: ORTLOS_TIME_ZONE: must not be empty"},
		{env: map[string]string{"ORTLOS_TRUSTED_PROXIES": "10.0.0.0/33"}, want: `config: ORTLOS_TRUSTED_PROXIES: "10.0.0.0/33": not an IP address or CIDR prefix`},
		{env: map[string]string{"ORTLOS_METRICS_TOKEN": "short"}, want: "config: ORTLOS_METRICS_TOKEN: too short: must be at least 16 characters"},
		{env: map[string]string{"ORTLOS_SETUP_LINK_TTL": "4m"}, want: "config: ORTLOS_SETUP_LINK_TTL: 4m is out of range (between 5m and 168h, 7 days)"},
		{env: map[string]string{"ORTLOS_SETUP_LINK_TTL": "169h"}, want: "config: ORTLOS_SETUP_LINK_TTL: 169h is out of range"},
		{env: map[string]string{"ORTLOS_MAX_BODY_BYTES": "1MiB"}, want: `config: ORTLOS_MAX_BODY_BYTES: "1MiB" is not a whole number`},
		{env: map[string]string{"ORTLOS_MAX_BODY_BYTES": "4095"}, want: "config: ORTLOS_MAX_BODY_BYTES: 4095 is too small (minimum 4096)"},
		{env: map[string]string{"ORTLOS_WORKTIME_AUTO_BREAK": "vielleicht"}, want: `config: ORTLOS_WORKTIME_AUTO_BREAK: "vielleicht" is not a yes/no value (true or false)`},
		{env: map[string]string{"ORTLOS_WORKTIME_CORRECTION_DAYS": "-1"}, want: "config: ORTLOS_WORKTIME_CORRECTION_DAYS: -1 is out of range (0 to 3660 days)"},
		{env: map[string]string{"ORTLOS_FLEXITIME_MAX_MINUS": "-5h"}, want: "config: ORTLOS_FLEXITIME_MAX_MINUS: -5h is out of range (whole minutes from 0 to 10000h)"},
		{env: map[string]string{"ORTLOS_WORKTIME_REFERENCE_PERIOD": "halbjahr"}, want: `config: ORTLOS_WORKTIME_REFERENCE_PERIOD: "halbjahr" is not a reference period (6_calendar_months or 24_weeks)`},
		{env: map[string]string{"ORTLOS_WORKTIME_REFERENCE_START": "2026-01-05"}, want: "config: ORTLOS_WORKTIME_REFERENCE_START: 2026-01-05 is not the first day of a month, as 6_calendar_months needs"},
		{env: map[string]string{"ORTLOS_FLEXITIME_YEAR_CARRYOVER": "50h"}, want: "config: ORTLOS_FLEXITIME_YEAR_CARRYOVER: 50h is more than ORTLOS_FLEXITIME_MAX_PLUS (40h)"},
		{env: map[string]string{"ORTLOS_LEAVE_CARRYOVER_EXPIRY": "02-29"}, want: `config: ORTLOS_LEAVE_CARRYOVER_EXPIRY: "02-29" is not a day of the year as MM-DD (e.g. 03-31; 02-29 is not allowed)`},
		{env: map[string]string{"ORTLOS_LEAVE_CARRYOVER_EXPIRY": "31.03."}, want: `config: ORTLOS_LEAVE_CARRYOVER_EXPIRY: "31.03." is not a day of the year as MM-DD (e.g. 03-31; 02-29 is not allowed)`},
		{env: map[string]string{"ORTLOS_SMTP_HOST": "mail.example.org"}, want: "config: ORTLOS_SMTP_FROM: must be set when ORTLOS_SMTP_HOST is set"},
		{env: map[string]string{"ORTLOS_DOCUMENT_MAX_BYTES": "1000"}, want: "config: ORTLOS_DOCUMENT_MAX_BYTES: 1000 is out of range (1 MiB to 1 TiB)"},
		{env: map[string]string{"ORTLOS_UPLOAD_ALLOW": "default, .exe"}, want: "config: ORTLOS_UPLOAD_ALLOW: "},
		{env: map[string]string{"ORTLOS_CLAMD_ADDR": "ftp://clamd"}, want: "config: ORTLOS_CLAMD_ADDR: "},
		{env: map[string]string{"ORTLOS_SMTP_HOST": "mail.example.org:25", "ORTLOS_SMTP_FROM": "a@b.de"}, want: `config: ORTLOS_SMTP_HOST: "mail.example.org:25" is not a host name or address (the port goes into ORTLOS_SMTP_PORT)`},
		{env: map[string]string{"ORTLOS_SMTP_HOST": "mail.example.org", "ORTLOS_SMTP_FROM": "a@b.de", "ORTLOS_SMTP_TLS": "none"}, want: "config: ORTLOS_SMTP_TLS: none is allowed only for a loopback server (localhost, 127.0.0.1, ::1); use starttls or tls"},
		{env: map[string]string{"ORTLOS_SMTP_HOST": "mail.example.org", "ORTLOS_SMTP_FROM": "a@b.de", "ORTLOS_SMTP_TLS": "ssl"}, want: `config: ORTLOS_SMTP_TLS: "ssl" is not starttls, tls or none`},
		{env: map[string]string{"ORTLOS_SMTP_HOST": "mail.example.org", "ORTLOS_SMTP_FROM": "Ortlos <a@b.de>"}, want: `config: ORTLOS_SMTP_FROM: "Ortlos <a@b.de>" is not a plain e-mail address`},
		{env: map[string]string{"ORTLOS_SMTP_HOST": "mail.example.org", "ORTLOS_SMTP_FROM": "a@b.de", "ORTLOS_SMTP_PORT": "0"}, want: "config: ORTLOS_SMTP_PORT: 0 is not a port (1 to 65535)"},
		{env: map[string]string{"ORTLOS_SMTP_HOST": "mail.example.org", "ORTLOS_SMTP_FROM": "a@b.de", "ORTLOS_SMTP_USERNAME": "u"}, want: "config: ORTLOS_SMTP_USERNAME: user name and ORTLOS_SMTP_PASSWORD must be set together"},
		{env: map[string]string{"ORTLOS_SHUTDOWN_TIMEOUT": "0s"}, want: "config: ORTLOS_SHUTDOWN_TIMEOUT: 0s is not positive"},
		{env: s3Env("ORTLOS_BLOB_S3_ENDPOINT", "https://s3.example.org"), want: `config: ORTLOS_BLOB_S3_ENDPOINT: "https://s3.example.org" is not host or host:port (no scheme or path: HTTPS is ORTLOS_BLOB_S3_TLS; IPv6 as [::1]:9000)`},
		{env: s3Env("ORTLOS_BLOB_S3_ENDPOINT", "s3.example.org/bucket"), want: `config: ORTLOS_BLOB_S3_ENDPOINT: "s3.example.org/bucket" is not host or host:port`},
		{env: s3Env("ORTLOS_BLOB_S3_ENDPOINT", "s3.example.org:0"), want: `config: ORTLOS_BLOB_S3_ENDPOINT: "s3.example.org:0" is not host or host:port`},
		{env: s3Env("ORTLOS_BLOB_S3_ENDPOINT", "s3.example.org:https"), want: `config: ORTLOS_BLOB_S3_ENDPOINT: "s3.example.org:https" is not host or host:port`},
		{env: s3Env("ORTLOS_BLOB_S3_ENDPOINT", "::1"), want: `config: ORTLOS_BLOB_S3_ENDPOINT: "::1" is not host or host:port`},
		{env: s3Env("ORTLOS_BLOB_S3_TLS", "false"), want: "config: ORTLOS_BLOB_S3_TLS: false is allowed only for a loopback server (localhost, 127.0.0.1, ::1); object storage over the network needs HTTPS"},
		{env: s3Env("ORTLOS_BLOB_S3_TLS", "maybe"), want: `config: ORTLOS_BLOB_S3_TLS: "maybe" is not a yes/no value`},
		{env: s3Env("ORTLOS_BLOB_S3_BUCKET", ""), want: "config: ORTLOS_BLOB_S3_BUCKET: must be set when ORTLOS_BLOB_S3_ENDPOINT is set"},
		{env: s3Env("ORTLOS_BLOB_S3_BUCKET", "Akten"), want: `config: ORTLOS_BLOB_S3_BUCKET: "Akten" is not a bucket name (3 to 63 characters a-z, 0-9, '.', '-')`},
		{env: s3Env("ORTLOS_BLOB_S3_BUCKET", "192.168.1.1"), want: `config: ORTLOS_BLOB_S3_BUCKET: "192.168.1.1" is not a bucket name`},
		{env: s3Env("ORTLOS_BLOB_S3_BUCKET", "-akten"), want: `config: ORTLOS_BLOB_S3_BUCKET: "-akten" is not a bucket name`},
		{env: s3Env("ORTLOS_BLOB_S3_REGION", "eu central"), want: `config: ORTLOS_BLOB_S3_REGION: "eu central" is not a region name (example: eu-central-1)`},
		{env: s3Env("ORTLOS_BLOB_S3_PREFIX", "a/../b"), want: `config: ORTLOS_BLOB_S3_PREFIX: "a/../b" contains . or .. as a segment`},
		{env: s3Env("ORTLOS_BLOB_S3_PREFIX", "a//b"), want: `config: ORTLOS_BLOB_S3_PREFIX: "a//b" contains an empty segment (//)`},
		{env: s3Env("ORTLOS_BLOB_S3_PREFIX", "akten?x"), want: `config: ORTLOS_BLOB_S3_PREFIX: "akten?x" may contain only letters, digits, '-', '_', '.' and '/'`},
		{env: s3Env("ORTLOS_BLOB_S3_SECRET_KEY", ""), want: "config: ORTLOS_BLOB_S3_ACCESS_KEY: access key and ORTLOS_BLOB_S3_SECRET_KEY must both be set"},
		{env: s3Env("ORTLOS_BLOB_S3_ACCESS_KEY", ""), want: "config: ORTLOS_BLOB_S3_ACCESS_KEY: access key and ORTLOS_BLOB_S3_SECRET_KEY must both be set"},
		{env: s3Env("ORTLOS_BLOB_S3_PART_BYTES", "5242879"), want: "config: ORTLOS_BLOB_S3_PART_BYTES: 5242879 is out of range (5242880, 5 MiB, to 1073741824, 1 GiB)"},
		{env: s3Env("ORTLOS_BLOB_S3_PART_BYTES", "8MiB"), want: `config: ORTLOS_BLOB_S3_PART_BYTES: "8MiB" is not a whole number`},
		{env: map[string]string{"ORTLOS_BLOB_S3_BUCKET": "akten"}, want: "config: ORTLOS_BLOB_S3_BUCKET: is set, but ORTLOS_BLOB_S3_ENDPOINT is not (set it to use object storage, or unset this)"},
		{env: map[string]string{"ORTLOS_PASSWORD_HASH_CONCURRENCY": "65"}, want: "config: ORTLOS_PASSWORD_HASH_CONCURRENCY: 65 is out of range (0 = half the CPUs, at most 64)"},
		{env: map[string]string{"ORTLOS_PASSWORD_HASH_CONCURRENCY": "-1"}, want: "config: ORTLOS_PASSWORD_HASH_CONCURRENCY: -1 is out of range"},
		{env: map[string]string{"ORTLOS_PASSWORD_HASH_CONCURRENCY": "four"}, want: `config: ORTLOS_PASSWORD_HASH_CONCURRENCY: "four" is not a whole number`},
	}
	for _, tt := range tests {
		in := input{env: tt.env, args: tt.args}
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			c, _, err := load(t, in)
			checkErr(t, in, err, tt.want)
			if !reflect.DeepEqual(c, Config{}) {
				t.Errorf("Load(%+v) returned a non-zero Config with its error: %+v", in, c)
			}
		})
	}
}

// s3Env returns valid object storage settings with key set to value
// ("" removes it).
func s3Env(key, value string) map[string]string {
	env := map[string]string{
		"ORTLOS_BLOB_S3_ENDPOINT":   "s3.example.org",
		"ORTLOS_BLOB_S3_BUCKET":     "akten",
		"ORTLOS_BLOB_S3_ACCESS_KEY": "ortlos",
		"ORTLOS_BLOB_S3_SECRET_KEY": "s3-secret",
	}
	if value == "" {
		delete(env, key)
	} else {
		env[key] = value
	}
	return env
}

func TestBlobS3(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, input{})
	if c.BlobS3() {
		t.Error("BlobS3() = true by default")
	}
	for _, endpoint := range []string{"s3.example.org", "s3.example.org:443", "10.1.2.3:9000", "[fd00::1]:9000"} {
		c := mustLoad(t, input{env: s3Env("ORTLOS_BLOB_S3_ENDPOINT", endpoint)})
		if !c.BlobS3() || !c.BlobS3TLS || c.BlobS3PartBytes != 8<<20 || c.BlobS3Prefix != "" || c.BlobS3Region != "" {
			t.Errorf("%s: %+v", endpoint, c)
		}
	}
	// Plain HTTP to a server on the same machine.
	for _, endpoint := range []string{"127.0.0.1:9000", "localhost:7070", "[::1]:9000", "localhost"} {
		env := s3Env("ORTLOS_BLOB_S3_ENDPOINT", endpoint)
		env["ORTLOS_BLOB_S3_TLS"] = "false"
		if c := mustLoad(t, input{env: env}); c.BlobS3TLS {
			t.Errorf("%s: TLS still on", endpoint)
		}
	}
	// The secret key from a file; Describe hides it.
	env := s3Env("ORTLOS_BLOB_S3_SECRET_KEY", "")
	env["ORTLOS_BLOB_S3_SECRET_KEY_FILE"] = "/run/secrets/s3"
	c = mustLoad(t, input{env: env, files: map[string]string{"/run/secrets/s3": "aus-der-datei\n"}})
	if c.BlobS3SecretKey != "aus-der-datei" {
		t.Errorf("secret key from file = %q", c.BlobS3SecretKey)
	}
	for _, s := range c.Describe() {
		if s.Name == "ORTLOS_BLOB_S3_SECRET_KEY" && s.Value != "(set)" {
			t.Errorf("Describe shows the S3 secret key as %q", s.Value)
		}
	}
}

func TestAllErrorsCollected(t *testing.T) {
	t.Parallel()
	in := input{
		file: "ORTLOS_LOG_FORMAT=xml\nORTLOS_NOPE=1\n",
		env: map[string]string{
			"ORTLOS_SESSION_IDLE_TIMEOUT": "abc",
			"ORTLOS_DEFAULT_STATE":        "XX",
			"ORTLOS_MAX_BODY_BYTES":       "10",
		},
		args: []string{"-time-zone", "Nowhere/Town"},
	}
	_, _, err := load(t, in)
	checkErr(t, in, err,
		configPath+`:2: unknown setting "ORTLOS_NOPE"`,
		"ORTLOS_SESSION_IDLE_TIMEOUT",
		"ORTLOS_LOG_FORMAT",
		"ORTLOS_DEFAULT_STATE",
		"ORTLOS_TIME_ZONE",
		"ORTLOS_MAX_BODY_BYTES",
	)
}

func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	const pw = "Geheim-Passw0rt"
	tests := []struct {
		name string
		in   input
	}{
		{"valid database URL beside another error", input{env: map[string]string{
			"ORTLOS_DATABASE_URL": "postgres://admin:" + pw + "@db/ortlos", "ORTLOS_LOG_LEVEL": "loud"}}},
		{"database URL with wrong scheme", input{env: map[string]string{"ORTLOS_DATABASE_URL": "mysql://admin:" + pw + "@db/ortlos"}}},
		{"database URL that does not parse", input{env: map[string]string{"ORTLOS_DATABASE_URL": "postgres://admin:" + pw + "@db/%zz"}}},
		{"database URL from a flag", input{args: []string{"-database-url", "pg://admin:" + pw + "@db"}}},
		{"database URL from a file", input{env: map[string]string{"ORTLOS_DATABASE_URL_FILE": "/s/db"},
			files: map[string]string{"/s/db": "mysql://admin:" + pw + "@db"}}},
		{"short metrics token", input{env: map[string]string{"ORTLOS_METRICS_TOKEN": pw}}},
		{"secret with an unterminated quote in the config file", input{file: `ORTLOS_METRICS_TOKEN="` + pw + "\n"}},
		{"secret under a misspelt key in the config file", input{file: "ORTLOS_METRICS_TOKN=" + pw + "\n"}},
		{"both forms set", input{env: map[string]string{"ORTLOS_METRICS_TOKEN": pw + pw, "ORTLOS_METRICS_TOKEN_FILE": "/s/t"}}},
		{"base URL with a password", input{env: map[string]string{"ORTLOS_BASE_URL": "https://admin:" + pw + "@example.org"}}},
		{"S3 secret key beside another S3 error", input{env: map[string]string{"ORTLOS_BLOB_S3_ENDPOINT": "s3.example.org",
			"ORTLOS_BLOB_S3_BUCKET": "X", "ORTLOS_BLOB_S3_ACCESS_KEY": "a", "ORTLOS_BLOB_S3_SECRET_KEY": pw}}},
		{"S3 secret key without an endpoint", input{env: map[string]string{"ORTLOS_BLOB_S3_SECRET_KEY": pw}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := load(t, tt.in)
			if err == nil {
				t.Fatalf("Load(%+v): got no error, want one", tt.in)
			}
			if strings.Contains(err.Error(), pw) {
				t.Errorf("Load(%+v): error shows the secret:\n%v", tt.in, err)
			}
		})
	}

	c := Defaults()
	c.DatabaseURL = "postgres://admin:" + pw + "@db/ortlos"
	c.MetricsToken = pw + pw
	for _, s := range c.Describe() {
		if strings.Contains(s.Value, pw) {
			t.Errorf("Describe: %s = %q shows the secret", s.Name, s.Value)
		}
	}
}

func TestConfigFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
		wantOrg string
	}{
		{"plain", "ORTLOS_ORG_NAME=Stadt Musterstadt\n", "Stadt Musterstadt"},
		{"comments and blank lines", "# ortlos\n\n  # indented comment\nORTLOS_ORG_NAME=A\n\n", "A"},
		{"double quotes", `ORTLOS_ORG_NAME="Stadt Musterstadt"`, "Stadt Musterstadt"},
		{"single quotes", `ORTLOS_ORG_NAME='Stadt "Muster" stadt'`, `Stadt "Muster" stadt`},
		{"export prefix", "export ORTLOS_ORG_NAME=A\n", "A"},
		{"spaces around key and value", "  ORTLOS_ORG_NAME = A  \n", "A"},
		{"CRLF line ends", "# c\r\nORTLOS_ORG_NAME=A\r\n", "A"},
		{"byte order mark", "\uFEFFORTLOS_ORG_NAME=A\n", "A"},
		{"hash and equals sign in a value", "ORTLOS_ORG_NAME=A#1=B\n", "A#1=B"},
		{"no newline at the end", "ORTLOS_ORG_NAME=A", "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := input{file: tt.content}
			if c := mustLoad(t, in); c.OrgName != tt.wantOrg {
				t.Errorf("config file %q: OrgName = %q, want %q", tt.content, c.OrgName, tt.wantOrg)
			}
		})
	}
}

func TestConfigFileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   input
		want []string
	}{
		{"unknown key with line number", input{file: "# c\n\nORTLOS_LISTN=:1\n"},
			[]string{"config: " + configPath + `:3: unknown setting "ORTLOS_LISTN"`}},
		{"file form of a setting that is not secret", input{file: "ORTLOS_LISTEN_FILE=/x\n"},
			[]string{configPath + `:1: unknown setting "ORTLOS_LISTEN_FILE"`}},
		{"line without equals sign", input{file: "ORTLOS_ORG_NAME\n"},
			[]string{configPath + ":1: expected KEY=value"}},
		{"unterminated quote", input{file: "ORTLOS_ORG_NAME='A\n"},
			[]string{configPath + ":1: ORTLOS_ORG_NAME: value has no closing ' quote"}},
		{"duplicate key", input{file: "ORTLOS_ORG_NAME=A\nORTLOS_ORG_NAME=B\n"},
			[]string{configPath + ":2: ORTLOS_ORG_NAME is already set on line 1"}},
		{"config key in the config file", input{file: "ORTLOS_CONFIG=/other\n"},
			[]string{configPath + ":1: ORTLOS_CONFIG cannot be set in the config file"}},
		{"several errors", input{file: "A=1\nORTLOS_ORG_NAME\n"},
			[]string{configPath + `:1: unknown setting "A"`, configPath + ":2: expected KEY=value"}},
		{"missing config file", input{env: map[string]string{configKey: "/nope.env"}},
			[]string{"config: read config file: open /nope.env: file does not exist"}},
		{"invalid value names the setting", input{file: "ORTLOS_SETUP_LINK_TTL=1 day\n"},
			[]string{`config: ORTLOS_SETUP_LINK_TTL: "1 day" is not a duration`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := load(t, tt.in)
			checkErr(t, tt.in, err, tt.want...)
		})
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert := filepath.Join(dir, "cert.pem")
	key := filepath.Join(dir, "key.pem")
	for _, p := range []string{cert, key} {
		if err := os.WriteFile(p, []byte("pem"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantTLS bool
		wantURL string
		wantErr string
	}{
		{name: "neither", wantURL: "http://127.0.0.1:8080"},
		{name: "both", env: map[string]string{"ORTLOS_TLS_CERT": cert, "ORTLOS_TLS_KEY": key},
			wantTLS: true, wantURL: "https://127.0.0.1:8080"},
		{name: "cert without key", env: map[string]string{"ORTLOS_TLS_CERT": cert},
			wantErr: "config: ORTLOS_TLS_KEY: missing: ORTLOS_TLS_CERT is set (set both or neither)"},
		{name: "key without cert", env: map[string]string{"ORTLOS_TLS_KEY": key},
			wantErr: "config: ORTLOS_TLS_CERT: missing: ORTLOS_TLS_KEY is set (set both or neither)"},
		{name: "key is a directory", env: map[string]string{"ORTLOS_TLS_CERT": cert, "ORTLOS_TLS_KEY": dir},
			wantErr: "config: ORTLOS_TLS_KEY: " + dir + " is a directory, not a file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := input{env: tt.env}
			c, _, err := load(t, in)
			if tt.wantErr != "" {
				checkErr(t, in, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Load(%+v): %v", in, err)
			}
			if c.TLS() != tt.wantTLS || c.BaseURL != tt.wantURL {
				t.Errorf("Load(%+v): TLS(), BaseURL = %t, %q; want %t, %q", in, c.TLS(), c.BaseURL, tt.wantTLS, tt.wantURL)
			}
		})
	}
}

func TestBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		listen, baseURL string
		want            string
		wantErr         string
	}{
		{listen: "127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{listen: ":8080", want: "http://localhost:8080"},
		{listen: "0.0.0.0:80", want: "http://localhost:80"},
		{listen: "[::]:8080", want: "http://localhost:8080"},
		{listen: "[::1]:8080", want: "http://[::1]:8080"},
		{listen: "zeit.intern:8080", want: "http://zeit.intern:8080"},
		{listen: "localhost", wantErr: "ORTLOS_LISTEN"}, // no BaseURL error on top
		{baseURL: "https://zeit.example.org", want: "https://zeit.example.org"},
		{baseURL: "https://zeit.example.org/", want: "https://zeit.example.org"},
		{baseURL: "https://example.org/ortlos//", want: "https://example.org/ortlos"},
		{baseURL: "zeit.example.org", wantErr: `config: ORTLOS_BASE_URL: "zeit.example.org" is not an absolute http or https URL`},
		{baseURL: "/ortlos", wantErr: `config: ORTLOS_BASE_URL: "/ortlos" is not an absolute http or https URL`},
		{baseURL: "https://", wantErr: `config: ORTLOS_BASE_URL: "https://" has no host`},
		{baseURL: "https:///", wantErr: `config: ORTLOS_BASE_URL: "https://" has no host`},
		{baseURL: "https:zeit", wantErr: `config: ORTLOS_BASE_URL: "https:zeit" has no host`},
		{baseURL: "https://example.org/?a=1", wantErr: `config: ORTLOS_BASE_URL: "https://example.org/?a=1" must not have a query or fragment`},
		{baseURL: "https://example.org?", wantErr: "must not have a query or fragment"},
		{baseURL: "https://example.org/#top", wantErr: `config: ORTLOS_BASE_URL: "https://example.org/#top" must not have a query or fragment`},
		{baseURL: "https://user@example.org", wantErr: `config: ORTLOS_BASE_URL: "https://user@example.org" must not contain user information`},
		{baseURL: "https://exa mple.org", wantErr: "config: ORTLOS_BASE_URL: is not a URL"},
	}
	for _, tt := range tests {
		env := map[string]string{"ORTLOS_LISTEN": tt.listen, "ORTLOS_BASE_URL": tt.baseURL}
		in := input{env: env}
		t.Run(tt.listen+" "+tt.baseURL, func(t *testing.T) {
			t.Parallel()
			c, _, err := load(t, in)
			if tt.wantErr != "" {
				checkErr(t, in, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Load(%+v): %v", in, err)
			}
			if c.BaseURL != tt.want {
				t.Errorf("Load(%+v): BaseURL = %q, want %q", in, c.BaseURL, tt.want)
			}
		})
	}
}

func TestValidateBaseURLWithTrailingSlash(t *testing.T) {
	t.Parallel()
	// Load strips the slash; a Config built in code must not have one.
	c := Defaults()
	c.BaseURL = "https://example.org/"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "ORTLOS_BASE_URL") {
		t.Errorf("Validate with BaseURL %q = %v, want an ORTLOS_BASE_URL error", c.BaseURL, err)
	}
}

func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value   string
		want    []string
		wantErr string
	}{
		{value: "10.0.0.1", want: []string{"10.0.0.1/32"}},
		{value: "::1", want: []string{"::1/128"}},
		{value: "10.0.0.0/8, 192.168.1.0/24,fd00::/8", want: []string{"10.0.0.0/8", "192.168.1.0/24", "fd00::/8"}},
		{value: "10.1.2.3/8", want: []string{"10.0.0.0/8"}},
		{value: "10.0.0.1,", want: []string{"10.0.0.1/32"}},
		{value: "10.0.0.1, nope, 10.0.0.300",
			wantErr: `config: ORTLOS_TRUSTED_PROXIES: "nope", "10.0.0.300": not an IP address or CIDR prefix`},
		{value: "fe80::1%eth0", wantErr: `"fe80::1%eth0": not an IP address or CIDR prefix`},
		{value: "10.0.0.0/", wantErr: `"10.0.0.0/": not an IP address or CIDR prefix`},
	}
	for _, tt := range tests {
		in := input{env: map[string]string{"ORTLOS_TRUSTED_PROXIES": tt.value}}
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()
			c, _, err := load(t, in)
			if tt.wantErr != "" {
				checkErr(t, in, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Load(%+v): %v", in, err)
			}
			got := make([]string, len(c.TrustedProxies))
			for i, p := range c.TrustedProxies {
				got[i] = p.String()
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ORTLOS_TRUSTED_PROXIES=%q: got %q, want %q", tt.value, got, tt.want)
			}
		})
	}
}

func TestLoadArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantArgs []string
		wantErr  string
	}{
		{name: "positional args returned", args: []string{"-org-name", "A", "alice", "bob"}, wantArgs: []string{"alice", "bob"}},
		{name: "double dash ends flags", args: []string{"--", "-listen"}, wantArgs: []string{"-listen"}},
		{name: "unknown flag", args: []string{"-nope"}, wantErr: "config: flag provided but not defined: -nope"},
		{name: "env-only setting has no flag", args: []string{"-metrics-token", "x"}, wantErr: "config: flag provided but not defined: -metrics-token"},
		{name: "missing flag value", args: []string{"-listen"}, wantErr: "config: flag needs an argument: -listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := input{args: tt.args}
			_, args, err := load(t, in)
			if tt.wantErr != "" {
				checkErr(t, in, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Load(%+v): %v", in, err)
			}
			if !reflect.DeepEqual(args, tt.wantArgs) {
				t.Errorf("Load(%+v): args = %q, want %q", in, args, tt.wantArgs)
			}
		})
	}
}

func TestLoadHelp(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"-h", "-help", "--help"} {
		_, _, err := load(t, input{args: []string{arg}})
		if err != flag.ErrHelp {
			t.Errorf("Load(%s) error = %v, want flag.ErrHelp unwrapped", arg, err)
		}
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	d := Defaults().Describe()
	wantNames := []string{
		"ORTLOS_LISTEN", "ORTLOS_BASE_URL", "ORTLOS_DATABASE_URL", "ORTLOS_DATA_DIR",
		"ORTLOS_TLS_CERT", "ORTLOS_TLS_KEY", "ORTLOS_SESSION_IDLE_TIMEOUT", "ORTLOS_SESSION_MAX_LIFETIME",
		"ORTLOS_LOG_LEVEL", "ORTLOS_LOG_FORMAT", "ORTLOS_ORG_NAME", "ORTLOS_DEFAULT_STATE",
		"ORTLOS_TIME_ZONE", "ORTLOS_TRUSTED_PROXIES", "ORTLOS_METRICS_TOKEN", "ORTLOS_SECRET_KEY_FILE",
		"ORTLOS_BLOB_DIR", "ORTLOS_BLOB_S3_ENDPOINT", "ORTLOS_BLOB_S3_BUCKET", "ORTLOS_BLOB_S3_REGION", "ORTLOS_BLOB_S3_PREFIX",
		"ORTLOS_BLOB_S3_ACCESS_KEY", "ORTLOS_BLOB_S3_SECRET_KEY", "ORTLOS_BLOB_S3_TLS", "ORTLOS_BLOB_S3_PART_BYTES", "ORTLOS_DOCUMENT_MAX_BYTES", "ORTLOS_UPLOAD_ALLOW", "ORTLOS_CLAMD_ADDR", "ORTLOS_SETUP_LINK_TTL", "ORTLOS_MAX_BODY_BYTES", "ORTLOS_SHUTDOWN_TIMEOUT", "ORTLOS_PASSWORD_HASH_CONCURRENCY",
		"ORTLOS_WORKTIME_CORRECTION_DAYS", "ORTLOS_WORKTIME_AUTO_BREAK", "ORTLOS_FLEXITIME_MAX_PLUS",
		"ORTLOS_FLEXITIME_MAX_MINUS", "ORTLOS_WORKTIME_REFERENCE_PERIOD", "ORTLOS_WORKTIME_REFERENCE_START", "ORTLOS_ABSENCE_LEADS_SEE_HEALTH_TYPES",
		"ORTLOS_FLEXITIME_YEAR_CARRYOVER", "ORTLOS_LEAVE_CARRYOVER_EXPIRY", "ORTLOS_SMTP_HOST", "ORTLOS_SMTP_PORT", "ORTLOS_SMTP_TLS",
		"ORTLOS_SMTP_USERNAME", "ORTLOS_SMTP_PASSWORD", "ORTLOS_SMTP_FROM",
	}
	got := map[string]string{}
	var names []string
	for _, s := range d {
		names = append(names, s.Name)
		got[s.Name] = s.Value
	}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("Describe names =\n%q\nwant\n%q", names, wantNames)
	}

	c := mustLoad(t, input{env: map[string]string{
		"ORTLOS_METRICS_TOKEN":   "0123456789abcdef",
		"ORTLOS_TRUSTED_PROXIES": "10.0.0.0/8,::1",
		"ORTLOS_SETUP_LINK_TTL":  "1h30m",
	}})
	for _, s := range c.Describe() {
		got[s.Name] = s.Value
	}
	want := map[string]string{
		"ORTLOS_LISTEN":               "127.0.0.1:8080",
		"ORTLOS_BASE_URL":             "http://127.0.0.1:8080",
		"ORTLOS_DATABASE_URL":         "(set)",
		"ORTLOS_TLS_CERT":             "",
		"ORTLOS_SESSION_IDLE_TIMEOUT": "30m",
		"ORTLOS_SESSION_MAX_LIFETIME": "12h",
		"ORTLOS_TRUSTED_PROXIES":      "10.0.0.0/8,::1/128",
		"ORTLOS_METRICS_TOKEN":        "(set)",
		"ORTLOS_SETUP_LINK_TTL":       "1h30m",
		"ORTLOS_MAX_BODY_BYTES":       "1048576",
		"ORTLOS_SHUTDOWN_TIMEOUT":     "15s",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("Describe: %s = %q, want %q", name, got[name], w)
		}
	}
	for _, s := range (Config{}).Describe() {
		if (s.Name == "ORTLOS_DATABASE_URL" || s.Name == "ORTLOS_METRICS_TOKEN") && s.Value != "(unset)" {
			t.Errorf("Describe of an empty Config: %s = %q, want (unset)", s.Name, s.Value)
		}
	}
}

func TestPrintDefaults(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	PrintDefaults(&buf, "ortlos serve")
	out := buf.String()
	want := []string{"Usage of ortlos serve:", "-config", "-listen", "-tls-key", "ORTLOS_CONFIG",
		"ORTLOS_DATABASE_URL_FILE", "ORTLOS_METRICS_TOKEN_FILE", "sqlite:<data-dir>/ortlos.db"}
	for _, s := range settings() {
		want = append(want, s.env)
		if s.flag != "" {
			want = append(want, "-"+s.flag)
		}
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("PrintDefaults output lacks %q:\n%s", w, out)
		}
	}
}

func TestLocation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		zone, want string
	}{
		{"Europe/Berlin", "Europe/Berlin"},
		{"UTC", "UTC"},
		{"Nowhere/Town", "UTC"}, // invalid; Validate reports it
	}
	for _, tt := range tests {
		c := Config{TimeZone: tt.zone}
		if got := c.Location().String(); got != tt.want {
			t.Errorf("Config{TimeZone: %q}.Location() = %s, want %s", tt.zone, got, tt.want)
		}
	}
}

func TestLoadMissingConfigFileWraps(t *testing.T) {
	t.Parallel()
	_, _, err := load(t, input{env: map[string]string{configKey: "/nope.env"}})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load with a missing config file: errors.Is(%v, fs.ErrNotExist) = false, want true", err)
	}
}
