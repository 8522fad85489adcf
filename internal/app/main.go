// Package app is the composition root: it wires configuration, database,
// services and the web server, and implements the sub-commands.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ortlos/internal/absence"
	"ortlos/internal/absence/absenceweb"
	"ortlos/internal/actor"
	"ortlos/internal/audit"
	"ortlos/internal/audit/auditweb"
	"ortlos/internal/blob"
	"ortlos/internal/civil"
	"ortlos/internal/clock"
	"ortlos/internal/config"
	"ortlos/internal/dav"
	"ortlos/internal/db"
	"ortlos/internal/document"
	"ortlos/internal/document/documentweb"
	"ortlos/internal/filecheck"
	"ortlos/internal/identity"
	"ortlos/internal/identity/identityweb"
	"ortlos/internal/identity/password"
	"ortlos/internal/notify"
	"ortlos/internal/notify/notifyweb"
	"ortlos/internal/project"
	"ortlos/internal/project/projectweb"
	"ortlos/internal/web"
	"ortlos/internal/web/openapi"
	"ortlos/internal/worktime"
	"ortlos/internal/worktime/arbzg"
	"ortlos/internal/worktime/worktimeweb"
)

// Main is a running ortlos instance. Tests build one with a config whose
// Listen is 127.0.0.1:0, call Open, Listen and Serve, and Close it.
type Main struct {
	Config config.Config
	Clock  clock.Clock
	Log    *slog.Logger
	Stdout io.Writer
	// HashParams overrides the password hashing parameters (tests use the
	// ASVS floor to run faster).
	HashParams *password.Params

	DB       *db.DB
	Blobs    blob.Store // file contents by SHA-256; a Local store in ORTLOS_BLOB_DIR unless set before Open
	Identity *identity.Service
	Audit    *audit.Service
	Worktime *worktime.Service
	Absence  *absence.Service
	Notify   *notify.Service
	Project  *project.Service
	Document *document.Service
	Server   *web.Server
	Metrics  *web.Metrics

	// Events carries board events to the browsers' streams (in process;
	// over LISTEN/NOTIFY on PostgreSQL).
	Events project.Broker

	listener net.Listener
	http     *http.Server
}

// Open connects to the database, applies pending migrations and builds the
// services and the HTTP handler.
func (m *Main) Open(ctx context.Context) error {
	if m.Clock == nil {
		m.Clock = clock.Real{}
	}
	if m.Log == nil {
		m.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if m.Stdout == nil {
		m.Stdout = io.Discard
	}
	cfg := m.Config
	d, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	m.DB = d
	if m.Blobs == nil {
		// Tests may inject another store.
		if m.Blobs, err = openBlobs(ctx, cfg); err != nil {
			return err
		}
	}
	applied, err := d.Migrate(ctx, m.Clock.Now())
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		m.Log.Info("database migrated", "applied", applied)
	}
	key, err := identity.LoadOrCreateKey(cfg.SecretKeyFile)
	if err != nil {
		return err
	}
	box, err := identity.NewSecretBox(key)
	if err != nil {
		return err
	}
	params := password.DefaultParams
	if m.HashParams != nil {
		params = *m.HashParams
	}
	hasher, err := password.NewHasher(params, cfg.PasswordHashConcurrency)
	if err != nil {
		return err
	}
	settings := identity.DefaultSettings()
	settings.OrgName = cfg.OrgName
	settings.DefaultState = cfg.DefaultState
	settings.IdleTimeout = cfg.SessionIdleTimeout
	settings.MaxLifetime = cfg.SessionMaxLifetime
	settings.SetupLinkTTL = cfg.SetupLinkTTL
	if cfg.OrgName != "" {
		settings.Issuer = "ortlos (" + cfg.OrgName + ")"
	}
	m.Identity = identity.NewService(d, m.Clock, hasher, box, settings, m.Log)
	m.Audit = &audit.Service{DB: d}
	m.Worktime = worktime.NewService(d, m.Clock).WithLocation(cfg.Location()).WithPolicy(worktime.Policy{
		CorrectionDays:                cfg.WorktimeCorrectionDays,
		AutoBreak:                     cfg.WorktimeAutoBreak,
		FlexitimeMaxPlusMinutes:       int(cfg.FlexitimeMaxPlus / time.Minute),
		FlexitimeMaxMinusMinutes:      int(cfg.FlexitimeMaxMinus / time.Minute),
		FlexitimeYearCarryoverMinutes: int(cfg.FlexitimeYearCarryover / time.Minute),
		DefaultState:                  cfg.DefaultState,
		ReferencePeriod:               referencePeriod(cfg),
	})

	renderer, err := web.NewRenderer(web.Pages(), identityweb.Pages(), auditweb.Pages(), worktimeweb.Pages(), absenceweb.Pages(), notifyweb.Pages(), projectweb.Pages(), documentweb.Pages())
	if err != nil {
		return err
	}
	m.Metrics = web.NewMetrics(d)
	m.Server = web.NewServer(web.Options{
		OrgName:        cfg.OrgName,
		Location:       cfg.Location(),
		TLS:            cfg.TLS(),
		TrustedProxies: cfg.TrustedProxies,
		MaxBodyBytes:   cfg.MaxBodyBytes,
		MetricsToken:   cfg.MetricsToken,
	}, m.Log, m.Identity, renderer, m.Metrics)
	m.Server.Handle("GET /readyz", http.HandlerFunc(m.ready))
	identityweb.Register(m.Server, m.Identity, m.Metrics)
	worktimeweb.Register(m.Server, m.Worktime)
	m.Notify = notify.NewService(d, m.Clock, cfg.Location()).WithMail(mailer(cfg))
	notifyweb.Register(m.Server, m.Notify)
	if d.Dialect() == db.Postgres {
		m.Events = project.NewPGBroker(d, cfg.DatabaseURL, m.Log)
	} else {
		m.Events = project.NewHub()
	}
	m.Project = project.NewService(d, m.Clock).WithLogger(m.Log).WithNotifier(m.Notify).WithEvents(m.Events)
	// Workload weighs tasks against the worktime capacity; the absence
	// module's calendar feeds include the task feed (due dates).
	m.Project = m.Project.WithCapacity(m.Worktime)
	// Task attachments keep their contents in the blob store and are
	// scanned like documents.
	scanner, err := clamdScanner(ctx, cfg, m.Log)
	if err != nil {
		return err
	}
	m.Project = m.Project.WithBlobs(m.Blobs).WithScanner(scanner)
	m.Absence = absence.NewService(d, m.Clock, m.Worktime).WithLeadsSeeHealthTypes(cfg.AbsenceLeadsSeeHealthTypes).WithNotifier(m.Notify).
		WithCarryOverExpiry(carryOverExpiry(cfg)).WithTaskFeed(m.Project)
	absenceweb.Register(m.Server, m.Absence)
	projects := projectweb.Register(m.Server, m.Project)
	docs, err := documentService(cfg, d, m.Clock, m.Blobs, m.Log, scanner)
	if err != nil {
		return err
	}
	m.Document = docs
	// Task attachments can be filed into Akten (documentweb/task_files.go).
	docWeb := documentweb.Register(m.Server, m.Document)
	docWeb.WithTaskFiles(taskFiles{m.Project})
	projects.WithFiler(recordFiler{m.Document, docWeb})
	// WebDAV at /dav/ (docs/webdav.md): Basic authentication with API tokens.
	dav.Register(m.Server, dav.New(d, m.Clock, m.Identity, m.Document, m.Log), m.Document.MaxBytes())
	auditweb.Register(m.Server, m.Audit, m.Identity)
	openapi.Register(m.Server)
	m.http = m.Server.HTTPServer()
	// Event streams never go idle: end them when the server shuts down.
	m.http.RegisterOnShutdown(m.Events.Close)
	return nil
}

// openDB creates the data folder when needed and opens the database without
// migrating it.
func openDB(ctx context.Context, cfg config.Config) (*db.DB, error) {
	if strings.HasPrefix(cfg.DatabaseURL, "sqlite:") || cfg.SecretKeyFile == filepath.Join(cfg.DataDir, "secret.key") {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data folder %s: %w", cfg.DataDir, err)
		}
	}
	return db.Open(ctx, cfg.DatabaseURL, db.Options{})
}

// taskFiles opens task attachments for filing them as documents.
type taskFiles struct{ p *project.Service }

func (t taskFiles) OpenTaskFile(ctx context.Context, a actor.Actor, id int64) (documentweb.TaskFile, io.ReadCloser, error) {
	f, r, err := t.p.OpenTaskFile(ctx, a, id)
	if err != nil {
		return documentweb.TaskFile{}, nil, err
	}
	return documentweb.TaskFile{Name: f.Name, MIMEType: f.MIMEType}, r, nil
}

// recordFiler files task attachments into Akten from the task page, the
// same way as the API operation fileTaskAttachment.
type recordFiler struct {
	d *document.Service
	h *documentweb.Handler
}

func (f recordFiler) WritableFiles(ctx context.Context, a actor.Actor) ([]projectweb.RecordFile, error) {
	cs, err := f.d.WritableFiles(ctx, a)
	out := make([]projectweb.RecordFile, 0, len(cs))
	for _, c := range cs {
		out = append(out, projectweb.RecordFile{ID: c.ID, Reference: c.Reference, Title: c.Title})
	}
	return out, err
}

func (f recordFiler) FileAttachment(ctx context.Context, a actor.Actor, folderID, fileID int64) (int64, error) {
	return f.h.FileTaskAttachment(ctx, a, folderID, fileID)
}

// documentService returns the records store with the configured upload
// checks: size limit, allowed types and the virus scanner (nil: none).
func documentService(cfg config.Config, d *db.DB, clk clock.Clock, blobs blob.Store, log *slog.Logger, scanner filecheck.Scanner) (*document.Service, error) {
	policy := filecheck.DefaultPolicy()
	allowed, err := filecheck.ParseAllowList(cfg.UploadAllow)
	if err != nil {
		return nil, fmt.Errorf("ORTLOS_UPLOAD_ALLOW: %w", err)
	}
	policy.Allowed = allowed
	return document.NewService(d, clk, blobs).WithLogger(log).WithLocation(cfg.Location()).WithMaxBytes(cfg.DocumentMaxBytes).
		WithUploadChecks(policy, scanner), nil
}

// clamdScanner returns the virus scanner of ORTLOS_CLAMD_ADDR for document
// uploads and task attachments, nil when none is configured. A clamd that
// does not answer at start is logged; uploads then fail closed until it
// does.
func clamdScanner(ctx context.Context, cfg config.Config, log *slog.Logger) (filecheck.Scanner, error) {
	if cfg.ClamdAddr == "" {
		return nil, nil
	}
	c, err := filecheck.NewClamd(cfg.ClamdAddr)
	if err != nil {
		return nil, fmt.Errorf("ORTLOS_CLAMD_ADDR: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.Ping(pctx); err != nil {
		log.Warn("clamd does not answer; uploads are refused until it does", "addr", cfg.ClamdAddr, "err", err)
	}
	return c, nil
}

// openBlobs opens the configured blob store: S3-compatible object storage
// when ORTLOS_BLOB_S3_ENDPOINT is set (its bucket must answer), else the
// local folder ORTLOS_BLOB_DIR, created when missing.
func openBlobs(ctx context.Context, cfg config.Config) (blob.Store, error) {
	if !cfg.BlobS3() {
		return blob.NewLocal(cfg.BlobDir)
	}
	s, err := newS3Store(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.Check(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// newS3Store returns the object storage of cfg without contacting it.
func newS3Store(cfg config.Config) (*blob.S3, error) {
	return blob.NewS3(blob.S3Options{
		Endpoint:  cfg.BlobS3Endpoint,
		Bucket:    cfg.BlobS3Bucket,
		Region:    cfg.BlobS3Region,
		Prefix:    cfg.BlobS3Prefix,
		AccessKey: cfg.BlobS3AccessKey,
		SecretKey: cfg.BlobS3SecretKey,
		Insecure:  !cfg.BlobS3TLS,
		PartSize:  cfg.BlobS3PartBytes,
	})
}

// ready answers 200 when the database answers and its schema is current.
func (m *Main) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := m.DB.Ping(ctx); err != nil {
		m.Log.Warn("readiness: database unreachable", "err", err)
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	if pending, err := m.DB.Pending(ctx); err != nil || len(pending) > 0 {
		http.Error(w, "database migrations pending", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// Listen binds the configured address.
func (m *Main) Listen() error {
	l, err := net.Listen("tcp", m.Config.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Listen, err)
	}
	m.listener = l
	return nil
}

// Addr returns the bound address.
func (m *Main) Addr() string { return m.listener.Addr().String() }

// URL returns the public base URL; with port 0 in the configuration it is
// derived from the bound address.
func (m *Main) URL() string {
	if strings.HasSuffix(m.Config.Listen, ":0") || m.Config.BaseURL == "" {
		scheme := "http"
		if m.Config.TLS() {
			scheme = "https"
		}
		return scheme + "://" + m.Addr()
	}
	return m.Config.BaseURL
}

// Serve serves HTTP until ctx ends, running background jobs meanwhile.
func (m *Main) Serve(ctx context.Context) error {
	go m.jobs(ctx)
	go func() {
		if err := m.Events.Run(ctx); err != nil {
			m.Log.Warn("board events", "err", err)
		}
	}()
	go m.Notify.RunMailer(ctx, m.deliveryOptions(), time.Minute)
	// New and changed documents become searchable within seconds.
	go m.Document.RunSearchIndexer(ctx, 5*time.Second)
	m.Log.Info("ortlos listening", "addr", m.Addr(), "url", m.URL())
	err := web.Serve(ctx, m.http, m.listener, m.Config.TLSCert, m.Config.TLSKey, m.Config.ShutdownTimeout)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// jobs runs periodic maintenance. Every instance may run it; the work is
// idempotent.
func (m *Main) jobs(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := m.Identity.PurgeExpiredSessions(ctx); err != nil {
				m.Log.Warn("purge sessions", "err", err)
			} else if n > 0 {
				m.Log.Info("expired sessions purged", "count", n)
			}
			if n, err := m.Notify.Purge(ctx); err != nil {
				m.Log.Warn("purge notifications", "err", err)
			} else if n > 0 {
				m.Log.Info("old notifications purged", "count", n)
			}
			// Due-tomorrow and overdue reminders; task_reminders makes
			// them go out once however many instances run this.
			if n, err := m.Project.SendReminders(ctx, m.Config.Location(), m.Clock.Now()); err != nil {
				m.Log.Warn("task reminders", "err", err)
			} else if n > 0 {
				m.Log.Info("task reminders sent", "count", n)
			}
		}
	}
}

// carryOverExpiry is the leave carry-over expiry of the configuration
// (validated by config.Load).
func carryOverExpiry(cfg config.Config) absence.CarryOverExpiry {
	month, day, err := cfg.CarryoverExpiry()
	if err != nil {
		return absence.CarryOverExpiry{}
	}
	return absence.CarryOverExpiry{Month: month, Day: day}
}

// mailer is the SMTP client of the configuration, nil when no SMTP server
// is configured.
func mailer(cfg config.Config) *notify.Mailer {
	if cfg.SMTPHost == "" {
		return nil
	}
	name := "ortlos"
	if cfg.OrgName != "" {
		name += " (" + cfg.OrgName + ")"
	}
	return &notify.Mailer{Host: cfg.SMTPHost, Port: cfg.SMTPPort, TLS: cfg.SMTPTLS, Username: cfg.SMTPUsername,
		Password: cfg.SMTPPassword, From: cfg.SMTPFrom, FromName: name}
}

// deliveryOptions are what notification e-mails put around their text.
func (m *Main) deliveryOptions() notify.DeliveryOptions {
	return notify.DeliveryOptions{BaseURL: m.URL(), OrgName: m.Config.OrgName, Log: m.Log}
}

// Close releases the database.
func (m *Main) Close() error {
	if m.listener != nil {
		m.listener.Close()
	}
	if m.DB != nil {
		return m.DB.Close()
	}
	return nil
}

// referencePeriod is the § 3 ArbZG reference period of the configuration
// (validated by config.Load).
func referencePeriod(cfg config.Config) arbzg.ReferencePeriod {
	start, _ := civil.Parse(cfg.WorktimeReferenceStart)
	return arbzg.ReferencePeriod{Type: cfg.WorktimeReferencePeriod, Start: start}
}
