package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"

	"ortlos/internal/db"
)

// VerifyResult is the outcome of a chain check.
type VerifyResult struct {
	Checked int64 // records read
	OK      bool
	// BrokenSeq is the sequence number of the first record that does not fit
	// the chain (0 when OK).
	BrokenSeq int64
	Reason    string
	// HeadSeq and HeadHash describe the last record; an auditor can note
	// them as an anchor for later checks.
	HeadSeq  int64
	HeadHash string
}

const selectColumns = "seq, at, actor_id, actor, source_ip, action, object_type, object_id, detail, prev_hash, hash"

func scanRecord(rows interface{ Scan(...any) error }, r *Record) error {
	var at db.Time
	var actorID sql.NullInt64
	if err := rows.Scan(&r.Seq, &at, &actorID, &r.Actor, &r.SourceIP, &r.Action, &r.ObjectType, &r.ObjectID, &r.Detail, &r.PrevHash, &r.Hash); err != nil {
		return err
	}
	r.At = at.Time
	r.ActorID = actorID.Int64
	return nil
}

// Verify reads the whole trail in order and checks that sequence numbers are
// contiguous from 1, that every record links to its predecessor's hash, that
// every hash matches the record's content, and that the chain ends where
// audit_head says it does. Reading rows and hashing them run in two
// goroutines, so a large trail uses both of a small server's cores.
func Verify(ctx context.Context, q db.Querier) (VerifyResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rows, err := q.QueryContext(ctx, "SELECT "+selectColumns+" FROM audit_log ORDER BY seq")
	if err != nil {
		return VerifyResult{}, fmt.Errorf("audit: verify: %w", err)
	}
	batches := make(chan []Record, 4)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		defer rows.Close()
		const size = 1024
		batch := make([]Record, 0, size)
		for rows.Next() {
			var r Record
			if err := scanRecord(rows, &r); err != nil {
				readErr <- fmt.Errorf("audit: verify: %w", err)
				return
			}
			if batch = append(batch, r); len(batch) == size {
				select {
				case batches <- batch:
				case <-ctx.Done():
					readErr <- ctx.Err()
					return
				}
				batch = make([]Record, 0, size)
			}
		}
		if err := rows.Err(); err != nil {
			readErr <- fmt.Errorf("audit: verify: %w", err)
			return
		}
		if len(batch) > 0 {
			batches <- batch
		}
		readErr <- nil
	}()
	var res VerifyResult
	v := Verifier{}
	for batch := range batches {
		for _, r := range batch {
			res.Checked++
			if reason := v.Next(r); reason != "" {
				res.BrokenSeq, res.Reason = r.Seq, reason
				cancel()
				for range batches {
				}
				return res, nil
			}
		}
	}
	if err := <-readErr; err != nil {
		return VerifyResult{}, err
	}
	var headSeq int64
	var headHash string
	if err := q.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		return VerifyResult{}, fmt.Errorf("audit: verify head: %w", err)
	}
	if headSeq != v.lastSeq || headHash != v.lastHash {
		res.BrokenSeq = v.lastSeq + 1
		res.Reason = fmt.Sprintf("the chain ends at record %d but the head points to record %d: records were removed from the end", v.lastSeq, headSeq)
		return res, nil
	}
	res.OK, res.HeadSeq, res.HeadHash = true, v.lastSeq, v.lastHash
	return res, nil
}

// Verifier checks records one by one in sequence order; outside tools can
// follow the same steps on an export.
type Verifier struct {
	lastSeq  int64
	lastHash string
}

// Next checks r against the previous record and returns why it does not fit,
// or "" when it does.
func (v *Verifier) Next(r Record) string {
	switch {
	case r.Seq != v.lastSeq+1:
		return fmt.Sprintf("record %d follows record %d: records are missing or out of order", r.Seq, v.lastSeq)
	case r.PrevHash != v.lastHash:
		return fmt.Sprintf("record %d does not link to the hash of record %d", r.Seq, v.lastSeq)
	case r.ComputeHash() != r.Hash:
		return fmt.Sprintf("record %d was altered: its content does not match its hash", r.Seq)
	}
	v.lastSeq, v.lastHash = r.Seq, r.Hash
	return ""
}

// VerifyJSONL checks an exported trail read from rd (one Record per line).
// A complete export starts at sequence 1.
func VerifyJSONL(rd io.Reader) (VerifyResult, error) {
	dec := json.NewDecoder(rd)
	var res VerifyResult
	v := Verifier{}
	for dec.More() {
		var r Record
		if err := dec.Decode(&r); err != nil {
			return res, fmt.Errorf("audit: read export: %w", err)
		}
		res.Checked++
		if reason := v.Next(r); reason != "" {
			res.BrokenSeq, res.Reason = r.Seq, reason
			return res, nil
		}
	}
	res.OK, res.HeadSeq, res.HeadHash = true, v.lastSeq, v.lastHash
	return res, nil
}
