package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Setting is one line of the effective configuration, for display.
type Setting struct {
	Name  string // environment variable, e.g. ORTLOS_LISTEN
	Value string // the value; "(set)" or "(unset)" for secrets
}

// setting describes one ORTLOS_* variable: its flag, help text and the
// Config field it fills.
type setting struct {
	env     string // environment variable and config file key
	flag    string // command-line flag name; "" when there is none
	usage   string // short help
	secret  bool   // hidden in Describe; may also be read from the file named by env+"_FILE"
	derived string // what an unset value is derived from, for help output
	// normalize, when set, is applied to the raw value before parsing.
	normalize func(string) string
	// field returns a pointer to the Config field: *string, *int, *int64,
	// *bool, *time.Duration or *[]netip.Prefix.
	field func(c *Config) any
}

// settings returns the table of all settings in display order.
func settings() []setting {
	return []setting{
		{env: "ORTLOS_LISTEN", flag: "listen", usage: "address to listen on (host:port)",
			field: func(c *Config) any { return &c.Listen }},
		{env: "ORTLOS_BASE_URL", flag: "base-url", usage: "external URL of the server",
			derived:   "http(s)://<listen>",
			normalize: trimTrailingSlash,
			field:     func(c *Config) any { return &c.BaseURL }},
		{env: "ORTLOS_DATABASE_URL", flag: "database-url", secret: true,
			usage:   "database URL: sqlite:PATH or postgres://…",
			derived: "sqlite:<data-dir>/ortlos.db",
			field:   func(c *Config) any { return &c.DatabaseURL }},
		{env: "ORTLOS_DATA_DIR", flag: "data-dir", usage: "directory for data files",
			field: func(c *Config) any { return &c.DataDir }},
		{env: "ORTLOS_TLS_CERT", flag: "tls-cert", usage: "TLS certificate file (PEM); needs -tls-key",
			field: func(c *Config) any { return &c.TLSCert }},
		{env: "ORTLOS_TLS_KEY", flag: "tls-key", usage: "TLS private key file (PEM); needs -tls-cert",
			field: func(c *Config) any { return &c.TLSKey }},
		{env: "ORTLOS_SESSION_IDLE_TIMEOUT", usage: "session ends after this long without activity (min 1m)",
			field: func(c *Config) any { return &c.SessionIdleTimeout }},
		{env: "ORTLOS_SESSION_MAX_LIFETIME", usage: "session ends after this long in any case (max 720h)",
			field: func(c *Config) any { return &c.SessionMaxLifetime }},
		{env: "ORTLOS_LOG_LEVEL", flag: "log-level", usage: "log level: debug, info, warn or error",
			normalize: strings.ToLower,
			field:     func(c *Config) any { return &c.LogLevel }},
		{env: "ORTLOS_LOG_FORMAT", flag: "log-format", usage: "log format: text or json",
			normalize: strings.ToLower,
			field:     func(c *Config) any { return &c.LogFormat }},
		{env: "ORTLOS_ORG_NAME", flag: "org-name", usage: "name of the organisation",
			field: func(c *Config) any { return &c.OrgName }},
		{env: "ORTLOS_DEFAULT_STATE", flag: "default-state", usage: "default Bundesland code for public holidays (e.g. NW, BY)",
			normalize: strings.ToUpper,
			field:     func(c *Config) any { return &c.DefaultState }},
		{env: "ORTLOS_TIME_ZONE", flag: "time-zone", usage: "time zone of the organisation (IANA name)",
			field: func(c *Config) any { return &c.TimeZone }},
		{env: "ORTLOS_TRUSTED_PROXIES", usage: "comma-separated IPs or CIDRs of reverse proxies",
			field: func(c *Config) any { return &c.TrustedProxies }},
		{env: "ORTLOS_METRICS_TOKEN", secret: true, usage: "bearer token for /metrics (min 16 characters; unset disables /metrics)",
			field: func(c *Config) any { return &c.MetricsToken }},
		{env: "ORTLOS_SECRET_KEY_FILE", usage: "file with the key that encrypts TOTP secrets",
			derived: "<data-dir>/secret.key",
			field:   func(c *Config) any { return &c.SecretKeyFile }},
		{env: "ORTLOS_BLOB_DIR", usage: "folder of the blob store (attachments and documents by SHA-256)",
			derived: "<data-dir>/blobs",
			field:   func(c *Config) any { return &c.BlobDir }},
		{env: "ORTLOS_BLOB_S3_ENDPOINT", usage: "S3-compatible object storage for the blobs instead of ORTLOS_BLOB_DIR: host or host:port (unset: local folder)",
			field: func(c *Config) any { return &c.BlobS3Endpoint }},
		{env: "ORTLOS_BLOB_S3_BUCKET", usage: "bucket of the blobs (must exist; needed with ORTLOS_BLOB_S3_ENDPOINT)",
			field: func(c *Config) any { return &c.BlobS3Bucket }},
		{env: "ORTLOS_BLOB_S3_REGION", usage: "region of the bucket, e.g. eu-central-1 (unset: asked from the server)",
			field: func(c *Config) any { return &c.BlobS3Region }},
		{env: "ORTLOS_BLOB_S3_PREFIX", usage: "key prefix of the blobs in the bucket, e.g. ortlos/blobs (unset: none)",
			normalize: func(s string) string { return strings.Trim(s, "/") },
			field:     func(c *Config) any { return &c.BlobS3Prefix }},
		{env: "ORTLOS_BLOB_S3_ACCESS_KEY", usage: "access key id for the bucket",
			field: func(c *Config) any { return &c.BlobS3AccessKey }},
		{env: "ORTLOS_BLOB_S3_SECRET_KEY", secret: true, usage: "secret access key for the bucket",
			field: func(c *Config) any { return &c.BlobS3SecretKey }},
		{env: "ORTLOS_BLOB_S3_TLS", usage: "HTTPS to the object storage (true/false; false only to a loopback address)",
			field: func(c *Config) any { return &c.BlobS3TLS }},
		{env: "ORTLOS_BLOB_S3_PART_BYTES", usage: "part size of multipart uploads in bytes (5 MiB to 1 GiB; the largest blob is 10,000 parts)",
			field: func(c *Config) any { return &c.BlobS3PartBytes }},
		{env: "ORTLOS_DOCUMENT_MAX_BYTES", usage: "largest document version in bytes (1 MiB to 1 TiB)",
			field: func(c *Config) any { return &c.DocumentMaxBytes }},
		{env: "ORTLOS_UPLOAD_ALLOW", usage: "file types accepted for documents: \"default\", extensions (.dwg) and MIME types, comma-separated",
			field: func(c *Config) any { return &c.UploadAllow }},
		{env: "ORTLOS_CLAMD_ADDR", usage: "clamd that scans uploads: unix socket path or host:port (unset: no virus scan)",
			field: func(c *Config) any { return &c.ClamdAddr }},
		{env: "ORTLOS_SETUP_LINK_TTL", usage: "validity of account set-up links (5m to 168h)",
			field: func(c *Config) any { return &c.SetupLinkTTL }},
		{env: "ORTLOS_MAX_BODY_BYTES", usage: "maximum request body size in bytes (min 4096)",
			field: func(c *Config) any { return &c.MaxBodyBytes }},
		{env: "ORTLOS_SHUTDOWN_TIMEOUT", usage: "grace period for requests on shutdown",
			field: func(c *Config) any { return &c.ShutdownTimeout }},
		{env: "ORTLOS_PASSWORD_HASH_CONCURRENCY", usage: "parallel password hashes (0 = half the CPUs, max 64)",
			field: func(c *Config) any { return &c.PasswordHashConcurrency }},
		{env: "ORTLOS_WORKTIME_CORRECTION_DAYS", usage: "corrections of working time older than this many days need the lead's approval (0 = all)",
			field: func(c *Config) any { return &c.WorktimeCorrectionDays }},
		{env: "ORTLOS_WORKTIME_AUTO_BREAK", usage: "deduct a missing statutory break automatically at clock-out (true/false)",
			field: func(c *Config) any { return &c.WorktimeAutoBreak }},
		{env: "ORTLOS_FLEXITIME_MAX_PLUS", usage: "flexitime account cap: credit above this is forfeited at the monthly closing",
			field: func(c *Config) any { return &c.FlexitimeMaxPlus }},
		{env: "ORTLOS_FLEXITIME_MAX_MINUS", usage: "flexitime account floor: a debit beyond this is flagged to the lead and HR",
			field: func(c *Config) any { return &c.FlexitimeMaxMinus }},
		{env: "ORTLOS_WORKTIME_REFERENCE_PERIOD", usage: "reference period of the § 3 ArbZG average: 6_calendar_months or 24_weeks",
			normalize: strings.ToLower,
			field:     func(c *Config) any { return &c.WorktimeReferencePeriod }},
		{env: "ORTLOS_WORKTIME_REFERENCE_START", usage: "start of a reference period (YYYY-MM-DD); the periods follow each other from it",
			field: func(c *Config) any { return &c.WorktimeReferenceStart }},
		{env: "ORTLOS_ABSENCE_LEADS_SEE_HEALTH_TYPES", usage: "leads see the type of their reports' sickness absences (true/false; health data, default false)",
			field: func(c *Config) any { return &c.AbsenceLeadsSeeHealthTypes }},
		{env: "ORTLOS_FLEXITIME_YEAR_CARRYOVER", usage: "credit carried into the new year at the December closing (at most ORTLOS_FLEXITIME_MAX_PLUS)",
			field: func(c *Config) any { return &c.FlexitimeYearCarryover }},
		{env: "ORTLOS_LEAVE_CARRYOVER_EXPIRY", usage: "day (MM-DD) on which last year's remaining leave lapses (§ 7(3) BUrlG: 03-31)",
			field: func(c *Config) any { return &c.LeaveCarryoverExpiry }},
		{env: "ORTLOS_SMTP_HOST", usage: "SMTP server for notification e-mails (unset: no e-mail)",
			field: func(c *Config) any { return &c.SMTPHost }},
		{env: "ORTLOS_SMTP_PORT", usage: "SMTP port (587 for starttls, 465 for tls)",
			field: func(c *Config) any { return &c.SMTPPort }},
		{env: "ORTLOS_SMTP_TLS", usage: "SMTP transport security: starttls, tls or none (none only to a loopback address)",
			normalize: strings.ToLower,
			field:     func(c *Config) any { return &c.SMTPTLS }},
		{env: "ORTLOS_SMTP_USERNAME", usage: "SMTP user name (unset: no authentication)",
			field: func(c *Config) any { return &c.SMTPUsername }},
		{env: "ORTLOS_SMTP_PASSWORD", secret: true, usage: "SMTP password",
			field: func(c *Config) any { return &c.SMTPPassword }},
		{env: "ORTLOS_SMTP_FROM", usage: "sender address of notification e-mails (needed with ORTLOS_SMTP_HOST)",
			field: func(c *Config) any { return &c.SMTPFrom }},
	}
}

// fileKey is the variable that names a file holding the secret s.
func (s setting) fileKey() string { return s.env + "_FILE" }

// set parses v into the field of c. Errors do not mention the setting; the
// caller adds its name. They never repeat the value of a secret, which is
// only ever a plain string and cannot fail to parse.
func (s setting) set(c *Config, v string) error {
	if s.normalize != nil {
		v = s.normalize(v)
	}
	switch p := s.field(c).(type) {
	case *string:
		*p = v
	case *time.Duration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration (examples: 30m, 1h)", v)
		}
		*p = d
	case *int64:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		*p = n
	case *int:
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		*p = n
	case *bool:
		switch strings.ToLower(v) {
		case "true", "1", "yes", "on":
			*p = true
		case "false", "0", "no", "off":
			*p = false
		default:
			return fmt.Errorf("%q is not a yes/no value (true or false)", v)
		}
	case *[]netip.Prefix:
		ps, err := parsePrefixes(v)
		if err != nil {
			return err
		}
		*p = ps
	default:
		panic(fmt.Sprintf("config: %s: unsupported field type %T", s.env, p))
	}
	return nil
}

// show formats the field of c for display, hiding secrets.
func (s setting) show(c Config) string {
	v := s.format(c)
	if !s.secret {
		return v
	}
	if v == "" {
		return "(unset)"
	}
	return "(set)"
}

// format formats the field of c in the syntax that set parses.
func (s setting) format(c Config) string {
	switch p := s.field(&c).(type) {
	case *string:
		return *p
	case *time.Duration:
		return formatDuration(*p)
	case *int64:
		return strconv.FormatInt(*p, 10)
	case *int:
		return strconv.Itoa(*p)
	case *bool:
		return strconv.FormatBool(*p)
	case *[]netip.Prefix:
		parts := make([]string, len(*p))
		for i, pr := range *p {
			parts[i] = pr.String()
		}
		return strings.Join(parts, ",")
	default:
		panic(fmt.Sprintf("config: %s: unsupported field type %T", s.env, p))
	}
}

// trimTrailingSlash removes trailing slashes from a URL, but not the two
// after the scheme: "https://" stays as it is, for a clear error.
func trimTrailingSlash(s string) string {
	prefix := ""
	if i := strings.Index(s, "://"); i >= 0 {
		prefix, s = s[:i+3], s[i+3:]
	}
	return prefix + strings.TrimRight(s, "/")
}

// parsePrefixes parses a comma-separated list of IP addresses and CIDR
// prefixes. A bare address stands for itself (/32 or /128); prefixes with
// host bits set are masked. Empty items are ignored so that a trailing comma
// does no harm. All invalid items are named in the error.
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var (
		out []netip.Prefix
		bad []string
	)
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if strings.Contains(item, "/") {
			p, err := netip.ParsePrefix(item)
			if err != nil {
				bad = append(bad, strconv.Quote(item))
				continue
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil || a.Zone() != "" {
			bad = append(bad, strconv.Quote(item))
			continue
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s: not an IP address or CIDR prefix (examples: 10.0.0.1, 10.0.0.0/8, fd00::/8)",
			strings.Join(bad, ", "))
	}
	return out, nil
}

// Describe returns every setting with its effective value, named by its
// environment variable, in a fixed order. Secrets appear as "(set)" or
// "(unset)".
func (c Config) Describe() []Setting {
	all := settings()
	out := make([]Setting, len(all))
	for i, s := range all {
		out[i] = Setting{Name: s.env, Value: s.show(c)}
	}
	return out
}
