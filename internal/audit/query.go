package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"ortlos/internal/actor"
	"ortlos/internal/apperr"
	"ortlos/internal/db"
)

// Filter selects records. Zero fields do not filter.
type Filter struct {
	ActorID    int64
	Actor      string // exact username
	Action     string // exact action, or a prefix ending in "." (e.g. "auth.")
	ObjectType string
	ObjectID   string
	From, To   *time.Time // half-open: From <= at < To
	// BeforeSeq pages backwards: only records with seq < BeforeSeq.
	BeforeSeq int64
	Limit     int
}

// MaxLimit bounds one page.
const MaxLimit = 500

// Service gives authorised read access to the trail.
type Service struct {
	DB *db.DB
}

// CanRead reports whether a may read the audit trail: administrators and
// auditors.
func CanRead(a actor.Actor) bool {
	return a.IsAdmin() || a.Has(actor.RoleAuditor)
}

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, arg any) {
		conds = append(conds, cond)
		args = append(args, arg)
	}
	if f.ActorID != 0 {
		add("actor_id = ?", f.ActorID)
	}
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			add("action LIKE ?", escapeLike(f.Action)+"%")
			conds[len(conds)-1] += " ESCAPE '\\'"
		} else {
			add("action = ?", f.Action)
		}
	}
	if f.ObjectType != "" {
		add("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("object_id = ?", f.ObjectID)
	}
	if f.From != nil {
		add("at >= ?", db.T(*f.From))
	}
	if f.To != nil {
		add("at < ?", db.T(*f.To))
	}
	if f.BeforeSeq > 0 {
		add("seq < ?", f.BeforeSeq)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// List returns records matching f, newest first.
func (s *Service) List(ctx context.Context, a actor.Actor, f Filter) ([]Record, error) {
	if !CanRead(a) {
		return nil, apperr.NotFoundf("not_found", "not found")
	}
	if f.Limit <= 0 || f.Limit > MaxLimit {
		f.Limit = 50
	}
	where, args := f.where()
	out, err := db.Query(ctx, s.DB, func(row db.Scanner) (r Record, err error) {
		err = scanRecord(row, &r)
		return r, err
	}, "SELECT "+selectColumns+" FROM audit_log"+where+" ORDER BY seq DESC LIMIT ?", append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return out, nil
}

// Export writes records matching f (ignoring paging) as JSON Lines in
// sequence order. An unfiltered export can be re-verified with VerifyJSONL or
// the procedure in docs/audit.md. The export itself is audited by the caller.
func (s *Service) Export(ctx context.Context, a actor.Actor, f Filter, w io.Writer) error {
	if !CanRead(a) {
		return apperr.NotFoundf("not_found", "not found")
	}
	f.BeforeSeq, f.Limit = 0, 0
	where, args := f.where()
	rows, err := s.DB.QueryContext(ctx, "SELECT "+selectColumns+" FROM audit_log"+where+" ORDER BY seq", args...)
	if err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	defer rows.Close()
	enc := json.NewEncoder(w)
	var r Record
	for rows.Next() {
		if err := scanRecord(rows, &r); err != nil {
			return fmt.Errorf("audit: export: %w", err)
		}
		if err := enc.Encode(&r); err != nil {
			return fmt.Errorf("audit: export: %w", err)
		}
	}
	return rows.Err()
}

// Verify checks the whole chain (see the package function Verify) for an
// actor who may read the trail.
func (s *Service) Verify(ctx context.Context, a actor.Actor) (VerifyResult, error) {
	if !CanRead(a) {
		return VerifyResult{}, apperr.NotFoundf("not_found", "not found")
	}
	return Verify(ctx, s.DB)
}
