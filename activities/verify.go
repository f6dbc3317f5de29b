package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/store"
)

// verifyChunk is the number of entries verified between heartbeats.
const verifyChunk = 500

// verifyProgress is VerifyShard's heartbeat.
type verifyProgress struct {
	Next       int       `json:"next"` // the next chunk index
	Checked    int64     `json:"checked"`
	Mismatches int64     `json:"mismatches"`
	Problems   []Problem `json:"problems,omitempty"` // at most maxProblemKeys
}

// VerifyShard checks every entry of the shard's merged manifests at the
// destination, quick or full (in.Mode, default the plan's), heartbeating
// its progress by chunk. The full list of problems is stored in
// verify-<mode>.json; the result names at most 100 keys.
func (a *Activities) VerifyShard(ctx context.Context, in VerifyInput) (VerifyResult, error) {
	s, err := a.session(ctx, in.Shard)
	if err != nil {
		return VerifyResult{}, err
	}
	mode := engine.Mode(in.Mode)
	if mode == "" {
		mode = engine.Mode(s.plan.Verification.Mode)
	}
	if mode != engine.Quick && mode != engine.Full {
		return VerifyResult{}, inputError("verify shard %s: mode %q is not %q or %q", in.Shard.ShardID, in.Mode, plan.VerifyQuick, plan.VerifyFull)
	}
	if err := s.checkWrite(); err != nil {
		return VerifyResult{}, err
	}
	merged, err := s.man.Merge(ctx, in.Shard.ShardID)
	if err != nil {
		return VerifyResult{}, activityError(err)
	}
	var entries []engine.Result
	for _, e := range merged.Sorted() {
		if e.Present() {
			entries = append(entries, e.Result)
		}
	}
	var prog verifyProgress
	if activity.IsActivity(ctx) && activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &prog)
	}
	// Every problem found: an earlier attempt's as heartbeated (at most
	// maxProblemKeys of them), then this attempt's.
	all := append([]Problem(nil), prog.Problems...)
	for i := prog.Next; i*verifyChunk < len(entries); i++ {
		chunk := entries[i*verifyChunk : min((i+1)*verifyChunk, len(entries))]
		checks := a.eng.VerifyBatch(ctx, s.stores.Destination, chunk, mode)
		if err := ctx.Err(); err != nil {
			return VerifyResult{}, err
		}
		for _, c := range checks {
			if !c.OK && c.Class == store.Retryable {
				return VerifyResult{}, fmt.Errorf("verify %q: %s (retrying resumes at chunk %d)", c.Key, c.Problem, i)
			}
		}
		for _, c := range checks {
			prog.Checked++
			if !c.OK {
				prog.Mismatches++
				p := Problem{Key: c.Key, Problem: c.Problem}
				all = append(all, p)
				if len(prog.Problems) < maxProblemKeys {
					prog.Problems = append(prog.Problems, p)
				}
			}
		}
		prog.Next = i + 1
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, prog)
		}
	}
	rec := VerifyRecord{MigrationID: s.plan.ID, ShardID: in.Shard.ShardID, Mode: string(mode),
		Checked: prog.Checked, Mismatches: prog.Mismatches, Problems: all}
	res := VerifyResult{Checked: prog.Checked, Mismatches: prog.Mismatches,
		RecordKey: manifest.VerifyKey(s.man.Root(), in.Shard.ShardID, string(mode))}
	for _, p := range prog.Problems {
		res.MismatchKeys = append(res.MismatchKeys, p.Key)
	}
	if err := s.man.WriteJSON(ctx, res.RecordKey, rec); err != nil {
		return VerifyResult{}, activityError(err)
	}
	return res, nil
}
