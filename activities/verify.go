package activities

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"go.temporal.io/sdk/activity"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/store"
)

// indexChunk is the chunk size of heartbeats that count chunks (Next)
// instead of naming a watermark key (written by earlier versions).
const indexChunk = 500

// verifyProgress is VerifyShard's heartbeat.
type verifyProgress struct {
	// Watermark: every entry up to this key is checked.
	Watermark string `json:"watermark,omitempty"`
	// Next is the number of chunks checked (of indexChunk entries).
	Next       int                `json:"next"`
	Checked    int64              `json:"checked"`
	Mismatches int64              `json:"mismatches"`
	Problems   []manifest.Problem `json:"problems,omitempty"` // at most maxProblemKeys
}

// VerifyShard checks every present entry of the shard's merged manifests
// at the destination, quick or full (in.Mode, default the plan's),
// streaming the merged view chunk by chunk. It heartbeats in the
// background and, after each chunk, its watermark and counters; a retry
// resumes after the last checked chunk. The problems are stored in
// verify-<mode>.json (at most 1000, and how many were left out); the
// result names at most 100 keys.
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
	var prog verifyProgress
	if activity.IsActivity(ctx) && activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &prog)
	}
	var mu sync.Mutex
	beat := func() {
		mu.Lock()
		p := prog
		p.Problems = slices.Clone(prog.Problems)
		mu.Unlock()
		heartbeat(ctx, p)
	}
	stop := startBeats(ctx, a.beatEvery(ctx), beat)
	defer stop()

	reader, err := s.man.Open(ctx, in.Shard.ShardID, manifest.ReadOptions{StartAfter: prog.Watermark})
	if err != nil {
		return VerifyResult{}, activityError(err)
	}
	skip := 0
	if prog.Watermark == "" {
		skip = prog.Next * indexChunk // a heartbeat that counts chunks
	}
	// Every problem found: an earlier attempt's as heartbeated (at most
	// maxProblemKeys of them), then this attempt's, up to the record's
	// bound.
	all := slices.Clone(prog.Problems)
	var omitted int64
	var chunk []engine.Result
	last := prog.Watermark
	check := func() error {
		if len(chunk) == 0 {
			return nil
		}
		checks := s.eng.VerifyBatch(ctx, s.stores.Destination, chunk, mode)
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, c := range checks {
			if !c.OK && c.Class == store.Retryable {
				return fmt.Errorf("verify %q: %s (retrying resumes after %q)", c.Key, c.Problem, prog.Watermark)
			}
		}
		mu.Lock()
		for _, c := range checks {
			prog.Checked++
			if c.OK {
				continue
			}
			prog.Mismatches++
			p := manifest.Problem{Key: c.Key, Problem: c.Problem}
			if len(all) < maxRecordProblems {
				all = append(all, p)
			} else {
				omitted++
			}
			if len(prog.Problems) < maxProblemKeys {
				prog.Problems = append(prog.Problems, p)
			}
		}
		prog.Watermark = last
		prog.Next += (len(chunk) + indexChunk - 1) / indexChunk
		mu.Unlock()
		chunk = nil
		beat()
		return nil
	}
	for {
		e, ok, err := reader.Next()
		if err != nil {
			return VerifyResult{}, activityError(err)
		}
		if !ok {
			break
		}
		if !e.Present() {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		chunk = append(chunk, e.Result)
		last = e.Key
		if len(chunk) >= a.chunk {
			if err := check(); err != nil {
				return VerifyResult{}, activityError(err)
			}
		}
	}
	if err := check(); err != nil {
		return VerifyResult{}, activityError(err)
	}
	stop()
	rec := manifest.VerifyRecord{MigrationID: s.plan.ID, ShardID: in.Shard.ShardID, Mode: string(mode),
		Checked: prog.Checked, Mismatches: prog.Mismatches, Problems: all, ProblemsOmitted: omitted}
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
