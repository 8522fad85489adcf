// Package config holds the configuration of the ortlos server. It is loaded
// by Load from, lowest to highest precedence: built-in defaults, an optional
// config file, ORTLOS_* environment variables and command-line flags. The
// result is a plain Config value that the caller passes on explicitly; the
// package keeps no global state.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ortlos/internal/filecheck"
)

// Config is the validated configuration of the server.
type Config struct {
	Listen      string // address to listen on, host:port
	BaseURL     string // external URL without trailing slash; derived from Listen when empty
	DatabaseURL string // secret: "sqlite:PATH", "postgres://…" or "postgresql://…"
	DataDir     string // directory for the SQLite database, the secret key and other files
	TLSCert     string // PEM certificate file; set together with TLSKey or not at all
	TLSKey      string // PEM private key file

	SessionIdleTimeout time.Duration // a session ends after this long without a request
	SessionMaxLifetime time.Duration // a session ends after this long regardless of activity

	LogLevel  string // debug, info, warn or error
	LogFormat string // text or json

	OrgName      string // name of the organisation shown in the UI; may be empty
	DefaultState string // Bundesland code whose public holidays apply by default
	TimeZone     string // IANA zone name of the organisation

	TrustedProxies []netip.Prefix // peers whose X-Forwarded-For is believed

	MetricsToken  string // secret bearer token for /metrics; empty disables /metrics
	SecretKeyFile string // file with the key that encrypts TOTP secrets
	BlobDir       string // folder of the local blob store (file contents by SHA-256)

	// S3-compatible object storage for the blobs instead of BlobDir; used
	// when BlobS3Endpoint is set (see docs/blobs.md).
	BlobS3Endpoint  string // host or host:port, without scheme
	BlobS3Bucket    string
	BlobS3Region    string // empty: asked from the server
	BlobS3Prefix    string // key prefix, e.g. ortlos/blobs; may be empty
	BlobS3AccessKey string
	BlobS3SecretKey string // secret
	BlobS3TLS       bool   // HTTPS (default); plain HTTP only to a loopback address
	BlobS3PartBytes int64  // part size of multipart uploads

	// Uploads of documents (docs/upload-checks.md).
	DocumentMaxBytes int64  // largest document version in bytes
	UploadAllow      string // allow-list of file types ("default", extensions, MIME types)
	ClamdAddr        string // clamd to scan uploads (unix socket path or host:port); empty: no scan

	SetupLinkTTL            time.Duration // validity of account set-up links
	MaxBodyBytes            int64         // limit on request bodies
	ShutdownTimeout         time.Duration // grace period for in-flight requests on shutdown
	PasswordHashConcurrency int           // parallel password hashes; 0 means half the CPUs (at least one)

	// Working time (see docs/worktime.md).
	WorktimeCorrectionDays int           // corrections older than this many days need the lead's approval
	WorktimeAutoBreak      bool          // deduct a missing statutory break automatically at clock-out
	FlexitimeMaxPlus       time.Duration // flexitime credit above this is forfeited at the monthly closing
	FlexitimeMaxMinus      time.Duration // a flexitime debit beyond this is flagged
	FlexitimeYearCarryover time.Duration // credit carried into the new year at the December closing
	// Reference period of the § 3 ArbZG average: 6_calendar_months or
	// 24_weeks, the periods following each other from the start date.
	WorktimeReferencePeriod string
	WorktimeReferenceStart  string // YYYY-MM-DD; for 6_calendar_months the first of a month

	// AbsenceLeadsSeeHealthTypes lets leads see the type (not the notes)
	// of their reports' sickness absences; off by default (health data).
	AbsenceLeadsSeeHealthTypes bool
	// LeaveCarryoverExpiry is the day (MM-DD) on which last year's
	// remaining leave lapses (§ 7(3) BUrlG: 03-31).
	LeaveCarryoverExpiry string

	// Outgoing e-mail for notifications; off while SMTPHost is empty.
	SMTPHost     string
	SMTPPort     int
	SMTPTLS      string // starttls (default), tls (implicit, port 465) or none
	SMTPUsername string
	SMTPPassword string // secret
	SMTPFrom     string // sender address, e.g. ortlos@stadt.example

	loc *time.Location // TimeZone loaded; nil when not yet loaded
}

// Limits checked by Validate.
const (
	minSessionIdleTimeout = time.Minute
	maxSessionMaxLifetime = 30 * 24 * time.Hour
	minSetupLinkTTL       = 5 * time.Minute
	maxSetupLinkTTL       = 7 * 24 * time.Hour
	minMaxBodyBytes       = 4096
	maxHashConcurrency    = 64
	minMetricsTokenLen    = 16
)

// bundeslaender lists the codes accepted for DefaultState.
const bundeslaender = "BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH"

// Defaults returns the configuration used when nothing is set, with the
// derived settings (BaseURL, DatabaseURL, SecretKeyFile, BlobDir) filled in.
func Defaults() Config {
	c := base()
	c.derive()
	c.loc, _ = time.LoadLocation(c.TimeZone)
	return c
}

// base returns the defaults before derivation: settings whose default depends
// on other settings are empty.
func base() Config {
	return Config{
		Listen:             "127.0.0.1:8080",
		DataDir:            "./data",
		SessionIdleTimeout: 30 * time.Minute,
		SessionMaxLifetime: 12 * time.Hour,
		LogLevel:           "info",
		LogFormat:          "text",
		DefaultState:       "NW",
		TimeZone:           "Europe/Berlin",
		SetupLinkTTL:       24 * time.Hour,
		MaxBodyBytes:       1 << 20,
		ShutdownTimeout:    15 * time.Second,

		WorktimeCorrectionDays: 7,
		FlexitimeMaxPlus:       40 * time.Hour,
		FlexitimeMaxMinus:      20 * time.Hour,
		FlexitimeYearCarryover: 40 * time.Hour,

		WorktimeReferencePeriod: "6_calendar_months",
		WorktimeReferenceStart:  "2024-01-01",

		LeaveCarryoverExpiry: "03-31",

		SMTPPort: 587,
		SMTPTLS:  "starttls",

		BlobS3TLS:       true,
		BlobS3PartBytes: 8 << 20,

		DocumentMaxBytes: 2 << 30,
		UploadAllow:      "default",
	}
}

// derive fills the settings whose default depends on other settings.
func (c *Config) derive() {
	// An empty DataDir is reported by Validate; deriving from it anyway
	// keeps that the only error.
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite:" + filepath.Join(c.DataDir, "ortlos.db")
	}
	if c.SecretKeyFile == "" {
		c.SecretKeyFile = filepath.Join(c.DataDir, "secret.key")
	}
	if c.BlobDir == "" {
		c.BlobDir = filepath.Join(c.DataDir, "blobs")
	}
	if c.BaseURL == "" {
		c.BaseURL = deriveBaseURL(c.Listen, c.TLS())
	}
}

// deriveBaseURL returns the URL under which a server listening on listen is
// reached locally, or "" when listen is not a host:port address.
func deriveBaseURL(listen string, tls bool) string {
	if !validListen(listen) {
		return ""
	}
	host, port, _ := net.SplitHostPort(listen)
	// A wildcard address is not something a browser can connect to.
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// TLS reports whether the server terminates TLS itself.
func (c Config) TLS() bool { return c.TLSCert != "" && c.TLSKey != "" }

// Location returns the time zone named by TimeZone. A Config from Load or
// Defaults has it cached; otherwise it is loaded on each call, and UTC is
// returned when TimeZone does not load (Validate reports that case).
func (c Config) Location() *time.Location {
	if c.loc != nil {
		return c.loc
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Validate checks every setting and returns all problems joined, each naming
// the environment variable of the setting. Secret values are never part of
// the error text. It checks that the TLS files exist and are readable.
func (c Config) Validate() error {
	return errors.Join(c.validate()...)
}

func (c Config) validate() []error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: %s", name, fmt.Sprintf(format, args...)))
	}

	listenOK := validListen(c.Listen)
	if !listenOK {
		bad("ORTLOS_LISTEN", "%q is not a host:port address (example: 127.0.0.1:8080)", c.Listen)
	}
	// An empty BaseURL after derivation means Listen is invalid, which is
	// reported above.
	if c.BaseURL != "" || listenOK {
		if msg := checkBaseURL(c.BaseURL); msg != "" {
			bad("ORTLOS_BASE_URL", "%s", msg)
		}
	}
	if msg := checkDatabaseURL(c.DatabaseURL); msg != "" {
		bad("ORTLOS_DATABASE_URL", "%s", msg)
	}
	if c.DataDir == "" {
		bad("ORTLOS_DATA_DIR", "must not be empty")
	}

	switch {
	case c.TLSCert != "" && c.TLSKey == "":
		bad("ORTLOS_TLS_KEY", "missing: ORTLOS_TLS_CERT is set (set both or neither)")
	case c.TLSCert == "" && c.TLSKey != "":
		bad("ORTLOS_TLS_CERT", "missing: ORTLOS_TLS_KEY is set (set both or neither)")
	}
	for _, f := range []struct{ name, path string }{
		{"ORTLOS_TLS_CERT", c.TLSCert},
		{"ORTLOS_TLS_KEY", c.TLSKey},
	} {
		if f.path == "" {
			continue
		}
		if err := checkReadable(f.path); err != nil {
			bad(f.name, "%v", err)
		}
	}

	if c.SessionIdleTimeout < minSessionIdleTimeout {
		bad("ORTLOS_SESSION_IDLE_TIMEOUT", "%s is too short (minimum %s)",
			formatDuration(c.SessionIdleTimeout), formatDuration(minSessionIdleTimeout))
	}
	switch {
	case c.SessionMaxLifetime < c.SessionIdleTimeout:
		bad("ORTLOS_SESSION_MAX_LIFETIME", "%s is shorter than ORTLOS_SESSION_IDLE_TIMEOUT (%s)",
			formatDuration(c.SessionMaxLifetime), formatDuration(c.SessionIdleTimeout))
	case c.SessionMaxLifetime > maxSessionMaxLifetime:
		bad("ORTLOS_SESSION_MAX_LIFETIME", "%s is too long (maximum %s, 30 days)",
			formatDuration(c.SessionMaxLifetime), formatDuration(maxSessionMaxLifetime))
	}

	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("ORTLOS_LOG_LEVEL", "%q is not a log level (one of debug, info, warn, error)", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		bad("ORTLOS_LOG_FORMAT", "%q is not a log format (one of text, json)", c.LogFormat)
	}

	if !isBundesland(c.DefaultState) {
		bad("ORTLOS_DEFAULT_STATE", "%q is not a Bundesland code (one of %s)",
			c.DefaultState, strings.Join(strings.Fields(bundeslaender), ", "))
	}
	if c.TimeZone == "" {
		// time.LoadLocation("") would silently mean UTC.
		bad("ORTLOS_TIME_ZONE", "must not be empty (example: Europe/Berlin)")
	} else if _, err := time.LoadLocation(c.TimeZone); err != nil {
		bad("ORTLOS_TIME_ZONE", "%q is not a known time zone (example: Europe/Berlin)", c.TimeZone)
	}

	for _, p := range c.TrustedProxies {
		if !p.IsValid() {
			bad("ORTLOS_TRUSTED_PROXIES", "invalid prefix %s", p)
		}
	}

	if c.MetricsToken != "" && utf8.RuneCountInString(c.MetricsToken) < minMetricsTokenLen {
		bad("ORTLOS_METRICS_TOKEN", "too short: must be at least %d characters (or unset to disable /metrics)", minMetricsTokenLen)
	}
	if c.SecretKeyFile == "" {
		bad("ORTLOS_SECRET_KEY_FILE", "must not be empty")
	}
	if c.BlobDir == "" {
		bad("ORTLOS_BLOB_DIR", "must not be empty")
	}

	if c.SetupLinkTTL < minSetupLinkTTL || c.SetupLinkTTL > maxSetupLinkTTL {
		bad("ORTLOS_SETUP_LINK_TTL", "%s is out of range (between %s and %s, 7 days)",
			formatDuration(c.SetupLinkTTL), formatDuration(minSetupLinkTTL), formatDuration(maxSetupLinkTTL))
	}
	if c.MaxBodyBytes < minMaxBodyBytes {
		bad("ORTLOS_MAX_BODY_BYTES", "%d is too small (minimum %d)", c.MaxBodyBytes, minMaxBodyBytes)
	}
	if c.ShutdownTimeout <= 0 {
		bad("ORTLOS_SHUTDOWN_TIMEOUT", "%s is not positive", formatDuration(c.ShutdownTimeout))
	}
	if c.PasswordHashConcurrency < 0 || c.PasswordHashConcurrency > maxHashConcurrency {
		bad("ORTLOS_PASSWORD_HASH_CONCURRENCY", "%d is out of range (0 = half the CPUs, at most %d)",
			c.PasswordHashConcurrency, maxHashConcurrency)
	}
	if c.WorktimeCorrectionDays < 0 || c.WorktimeCorrectionDays > 3660 {
		bad("ORTLOS_WORKTIME_CORRECTION_DAYS", "%d is out of range (0 to 3660 days)", c.WorktimeCorrectionDays)
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"ORTLOS_FLEXITIME_MAX_PLUS", c.FlexitimeMaxPlus}, {"ORTLOS_FLEXITIME_MAX_MINUS", c.FlexitimeMaxMinus}, {"ORTLOS_FLEXITIME_YEAR_CARRYOVER", c.FlexitimeYearCarryover}} {
		if f.d < 0 || f.d > 10000*time.Hour || f.d%time.Minute != 0 {
			bad(f.name, "%s is out of range (whole minutes from 0 to 10000h)", formatDuration(f.d))
		}
	}
	switch start, err := time.Parse(time.DateOnly, c.WorktimeReferenceStart); {
	case c.WorktimeReferencePeriod != "6_calendar_months" && c.WorktimeReferencePeriod != "24_weeks":
		bad("ORTLOS_WORKTIME_REFERENCE_PERIOD", "%q is not a reference period (6_calendar_months or 24_weeks)", c.WorktimeReferencePeriod)
	case err != nil:
		bad("ORTLOS_WORKTIME_REFERENCE_START", "%q is not a date (YYYY-MM-DD)", c.WorktimeReferenceStart)
	case c.WorktimeReferencePeriod == "6_calendar_months" && start.Day() != 1:
		bad("ORTLOS_WORKTIME_REFERENCE_START", "%s is not the first day of a month, as 6_calendar_months needs", c.WorktimeReferenceStart)
	}
	if c.FlexitimeYearCarryover > c.FlexitimeMaxPlus {
		bad("ORTLOS_FLEXITIME_YEAR_CARRYOVER", "%s is more than ORTLOS_FLEXITIME_MAX_PLUS (%s)",
			formatDuration(c.FlexitimeYearCarryover), formatDuration(c.FlexitimeMaxPlus))
	}
	if _, _, err := c.CarryoverExpiry(); err != nil {
		bad("ORTLOS_LEAVE_CARRYOVER_EXPIRY", "%q is not a day of the year as MM-DD (e.g. 03-31; 02-29 is not allowed)", c.LeaveCarryoverExpiry)
	}
	errs = append(errs, c.validateSMTP()...)
	errs = append(errs, c.validateUploads()...)
	errs = append(errs, c.validateBlobS3()...)
	return errs
}

// validListen reports whether s is host:port with a numeric port.
func validListen(s string) bool {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return false
	}
	_, err = strconv.ParseUint(port, 10, 16)
	return err == nil
}

// checkBaseURL returns what is wrong with s, or "". The URL is echoed only
// without user information, which could hold a password.
func checkBaseURL(s string) string {
	if s == "" {
		return "must not be empty"
	}
	u, err := url.Parse(s)
	if err != nil {
		return "is not a URL (example: https://ortlos.example.org)"
	}
	shown := s
	if u.User != nil {
		shown = u.Redacted()
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("%q is not an absolute http or https URL", shown)
	case u.Host == "" || u.Opaque != "":
		return fmt.Sprintf("%q has no host", shown)
	case u.User != nil:
		return fmt.Sprintf("%q must not contain user information", shown)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(s, "?#"):
		return fmt.Sprintf("%q must not have a query or fragment", shown)
	case strings.HasSuffix(s, "/"):
		return fmt.Sprintf("%q must not end with a slash", shown)
	}
	return ""
}

// checkDatabaseURL returns what is wrong with s, or "". The URL may contain a
// password, so the message never repeats it, not even through a parse error.
func checkDatabaseURL(s string) string {
	const want = `must start with "sqlite:", "postgres://" or "postgresql://"`
	switch {
	case s == "":
		return "must not be empty"
	case strings.HasPrefix(s, "sqlite:"):
		if strings.TrimPrefix(strings.TrimPrefix(s, "sqlite:"), "//") == "" {
			return "invalid database URL: sqlite URL has no file path"
		}
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		if _, err := url.Parse(s); err != nil {
			return "invalid database URL: not a valid URL"
		}
	default:
		return "invalid database URL: " + want
	}
	return ""
}

// checkReadable returns an error naming path unless it is a readable file.
func checkReadable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%s is a directory, not a file", path)
	}
	return nil
}

func isBundesland(code string) bool {
	return slices.Contains(strings.Fields(bundeslaender), code)
}

// formatDuration is time.Duration.String without zero trailing units, so
// that 30m reads as "30m" rather than "30m0s". The result still parses.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// validateUploads checks the document upload settings.
func (c Config) validateUploads() []error {
	var errs []error
	if c.DocumentMaxBytes < 1<<20 || c.DocumentMaxBytes > 1<<40 {
		errs = append(errs, fmt.Errorf("config: ORTLOS_DOCUMENT_MAX_BYTES: %d is out of range (1 MiB to 1 TiB)", c.DocumentMaxBytes))
	}
	if _, err := filecheck.ParseAllowList(c.UploadAllow); err != nil {
		errs = append(errs, fmt.Errorf("config: ORTLOS_UPLOAD_ALLOW: %v", err))
	}
	if c.ClamdAddr != "" {
		if _, _, err := filecheck.ParseClamdAddr(c.ClamdAddr); err != nil {
			errs = append(errs, fmt.Errorf("config: ORTLOS_CLAMD_ADDR: %v", err))
		}
	}
	return errs
}

// validateSMTP checks the outgoing e-mail settings; they are checked only
// when ORTLOS_SMTP_HOST is set.
func (c Config) validateSMTP() []error {
	if c.SMTPHost == "" {
		return nil
	}
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: %s", name, fmt.Sprintf(format, args...)))
	}
	if strings.ContainsAny(c.SMTPHost, " /:") {
		bad("ORTLOS_SMTP_HOST", "%q is not a host name or address (the port goes into ORTLOS_SMTP_PORT)", c.SMTPHost)
	}
	if c.SMTPPort < 1 || c.SMTPPort > 65535 {
		bad("ORTLOS_SMTP_PORT", "%d is not a port (1 to 65535)", c.SMTPPort)
	}
	switch c.SMTPTLS {
	case "starttls", "tls":
	case "none":
		if !isLoopbackHost(c.SMTPHost) {
			bad("ORTLOS_SMTP_TLS", "none is allowed only for a loopback server (localhost, 127.0.0.1, ::1); use starttls or tls")
		}
	default:
		bad("ORTLOS_SMTP_TLS", "%q is not starttls, tls or none", c.SMTPTLS)
	}
	if c.SMTPFrom == "" {
		bad("ORTLOS_SMTP_FROM", "must be set when ORTLOS_SMTP_HOST is set")
	} else if a, err := mail.ParseAddress(c.SMTPFrom); err != nil || a.Name != "" {
		bad("ORTLOS_SMTP_FROM", "%q is not a plain e-mail address", c.SMTPFrom)
	}
	if (c.SMTPUsername == "") != (c.SMTPPassword == "") {
		bad("ORTLOS_SMTP_USERNAME", "user name and ORTLOS_SMTP_PASSWORD must be set together")
	}
	return errs
}

// Limits of ORTLOS_BLOB_S3_PART_BYTES: S3's minimum part size, and a
// maximum that keeps the buffers of an upload (four parts) modest.
const (
	minS3PartBytes = 5 << 20
	maxS3PartBytes = 1 << 30
)

// BlobS3 reports whether the blobs live in S3-compatible object storage
// rather than in BlobDir.
func (c Config) BlobS3() bool { return c.BlobS3Endpoint != "" }

// validateBlobS3 checks the object storage settings; they are checked only
// when ORTLOS_BLOB_S3_ENDPOINT is set, except that the other settings
// without it are a mistake worth reporting.
func (c Config) validateBlobS3() []error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: %s", name, fmt.Sprintf(format, args...)))
	}
	if !c.BlobS3() {
		for _, f := range []struct{ name, v string }{
			{"ORTLOS_BLOB_S3_BUCKET", c.BlobS3Bucket},
			{"ORTLOS_BLOB_S3_ACCESS_KEY", c.BlobS3AccessKey},
			{"ORTLOS_BLOB_S3_SECRET_KEY", c.BlobS3SecretKey},
			{"ORTLOS_BLOB_S3_PREFIX", c.BlobS3Prefix},
			{"ORTLOS_BLOB_S3_REGION", c.BlobS3Region},
		} {
			if f.v != "" {
				bad(f.name, "is set, but ORTLOS_BLOB_S3_ENDPOINT is not (set it to use object storage, or unset this)")
			}
		}
		return errs
	}
	host, ok := s3Host(c.BlobS3Endpoint)
	if !ok {
		bad("ORTLOS_BLOB_S3_ENDPOINT", "%q is not host or host:port (no scheme or path: HTTPS is ORTLOS_BLOB_S3_TLS; IPv6 as [::1]:9000)", c.BlobS3Endpoint)
	}
	if !c.BlobS3TLS && !isLoopbackHost(host) {
		bad("ORTLOS_BLOB_S3_TLS", "false is allowed only for a loopback server (localhost, 127.0.0.1, ::1); object storage over the network needs HTTPS")
	}
	if !validBucket(c.BlobS3Bucket) {
		if c.BlobS3Bucket == "" {
			bad("ORTLOS_BLOB_S3_BUCKET", "must be set when ORTLOS_BLOB_S3_ENDPOINT is set")
		} else {
			bad("ORTLOS_BLOB_S3_BUCKET", "%q is not a bucket name (3 to 63 characters a-z, 0-9, '.', '-')", c.BlobS3Bucket)
		}
	}
	if c.BlobS3Region != "" && strings.Trim(c.BlobS3Region, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" {
		bad("ORTLOS_BLOB_S3_REGION", "%q is not a region name (example: eu-central-1)", c.BlobS3Region)
	}
	if msg := checkS3Prefix(c.BlobS3Prefix); msg != "" {
		bad("ORTLOS_BLOB_S3_PREFIX", "%q %s", c.BlobS3Prefix, msg)
	}
	if (c.BlobS3AccessKey == "") || (c.BlobS3SecretKey == "") {
		bad("ORTLOS_BLOB_S3_ACCESS_KEY", "access key and ORTLOS_BLOB_S3_SECRET_KEY must both be set")
	}
	if c.BlobS3PartBytes < minS3PartBytes || c.BlobS3PartBytes > maxS3PartBytes {
		bad("ORTLOS_BLOB_S3_PART_BYTES", "%d is out of range (%d, 5 MiB, to %d, 1 GiB)", c.BlobS3PartBytes, minS3PartBytes, maxS3PartBytes)
	}
	return errs
}

// s3Host returns the host of an endpoint host or host:port, and whether
// the endpoint is one.
func s3Host(endpoint string) (string, bool) {
	host := endpoint
	if h, port, err := net.SplitHostPort(endpoint); err == nil {
		if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
			return "", false
		}
		host = h
	}
	if host == "" {
		return "", false
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		// A bare IPv6 address needs brackets: [::1] or [::1]:9000.
		if ip.Is6() && host == endpoint {
			return "", false
		}
		return host, true
	}
	if strings.Trim(strings.ToLower(host), "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" {
		return "", false
	}
	return host, true
}

// validBucket reports whether s is a bucket name by S3's rules for new
// buckets: 3 to 63 characters of a-z, 0-9, '.' and '-', starting and ending
// with a letter or digit, no "..", not an IP address.
func validBucket(s string) bool {
	if len(s) < 3 || len(s) > 63 || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") != "" {
		return false
	}
	alnum := func(b byte) bool { return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' }
	if !alnum(s[0]) || !alnum(s[len(s)-1]) || strings.Contains(s, "..") {
		return false
	}
	_, err := netip.ParseAddr(s)
	return err != nil
}

// checkS3Prefix returns what is wrong with a key prefix, or "". Leading and
// trailing slashes are ignored; the segments must be plain names.
func checkS3Prefix(p string) string {
	p = strings.Trim(p, "/")
	if p == "" {
		return ""
	}
	if len(p) > 200 {
		return "is too long (at most 200 characters)"
	}
	for _, seg := range strings.Split(p, "/") {
		switch {
		case seg == "":
			return "contains an empty segment (//)"
		case seg == "." || seg == "..":
			return "contains . or .. as a segment"
		case strings.Trim(seg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "":
			return "may contain only letters, digits, '-', '_', '.' and '/'"
		}
	}
	return ""
}

// isLoopbackHost reports whether host names the local machine.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// CarryoverExpiry returns the month and day of LeaveCarryoverExpiry.
func (c Config) CarryoverExpiry() (time.Month, int, error) {
	t, err := time.Parse("01-02", c.LeaveCarryoverExpiry)
	if err != nil || len(c.LeaveCarryoverExpiry) != 5 || (t.Month() == time.February && t.Day() == 29) {
		return 0, 0, fmt.Errorf("invalid day %q", c.LeaveCarryoverExpiry)
	}
	return t.Month(), t.Day(), nil
}
