package app

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/audit"
	"ortlos/internal/db"
)

// cmdAudit implements "ortlos audit verify" and "ortlos audit export".
func cmdAudit(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		return usageErr("audit needs a sub-command: verify or export")
	}
	sub := args[0]
	f := newAdminFlags("audit "+sub, env)
	var output string
	switch sub {
	case "verify":
	case "export":
		f.fs.StringVar(&output, "output", "-", `file to write JSON Lines to ("-" for stdout)`)
	default:
		return usageErr("unknown audit sub-command %q", sub)
	}
	cfg, err := f.config(args[1:], env)
	if err != nil {
		return err
	}
	d, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	if pending, err := d.Pending(ctx); err != nil || len(pending) > 0 {
		return fmt.Errorf("the database schema is not current; run ortlos migrate first")
	}
	if sub == "verify" {
		start := time.Now()
		res, err := audit.Verify(ctx, d)
		if err != nil {
			return err
		}
		if !res.OK {
			return fmt.Errorf("audit trail BROKEN at record %d after checking %d records: %s", res.BrokenSeq, res.Checked, res.Reason)
		}
		fmt.Fprintf(env.Stdout, "audit trail OK: %d records, head %d %s (%.2fs)\n", res.Checked, res.HeadSeq, res.HeadHash, time.Since(start).Seconds())
		return nil
	}
	w := env.Stdout
	if output != "-" {
		f, err := os.OpenFile(output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	svc := &audit.Service{DB: d}
	if err := svc.Export(ctx, actor.CLI(), audit.Filter{}, bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return d.InTx(ctx, func(tx *db.Tx) error {
		_, err := audit.Append(ctx, tx, time.Now(), actor.CLI(), audit.Event{Action: "audit.export", ObjectType: "audit_log", Detail: map[string]any{"via": "cli"}})
		return err
	})
}
