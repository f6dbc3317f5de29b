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
	v := &verifyShard{s: s, shardID: in.Shard.ShardID, mode: mode, chunkSize: a.chunk}
	if activity.IsActivity(ctx) && activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &v.prog)
	}
	// Every problem found: an earlier attempt's as heartbeated (at most
	// maxProblemKeys of them), then this attempt's, up to the record's
	// bound.
	v.all = slices.Clone(v.prog.Problems)
	v.last = v.prog.Watermark
	stop := startBeats(ctx, a.beatEvery(ctx), func() { v.beat(ctx) })
	defer stop()
	if err := v.walk(ctx); err != nil {
		return VerifyResult{}, activityError(err)
	}
	stop()
	return v.record(ctx)
}

// verifyShard is one attempt of VerifyShard: the progress it heartbeats
// and the chunk of entries it is about to check.
type verifyShard struct {
	s         *session
	shardID   string
	mode      engine.Mode
	chunkSize int

	mu      sync.Mutex // guards prog against the background heartbeat
	prog    verifyProgress
	all     []manifest.Problem // for the record, at most maxRecordProblems
	omitted int64              // problems beyond maxRecordProblems
	chunk   []engine.Result
	last    string // key of the chunk's last entry
}

// beat heartbeats a copy of the progress.
func (v *verifyShard) beat(ctx context.Context) {
	v.mu.Lock()
	p := v.prog
	p.Problems = slices.Clone(v.prog.Problems)
	v.mu.Unlock()
	heartbeat(ctx, p)
}

// walk reads the merged manifests after the watermark and checks their
// present entries chunk by chunk.
func (v *verifyShard) walk(ctx context.Context) error {
	reader, err := v.s.man.Open(ctx, v.shardID, manifest.ReadOptions{StartAfter: v.prog.Watermark})
	if err != nil {
		return err
	}
	skip := 0
	if v.prog.Watermark == "" {
		skip = v.prog.Next * indexChunk // a heartbeat that counts chunks
	}
	for {
		e, ok, err := reader.Next()
		if err != nil {
			return err
		}
		if !ok {
			return v.check(ctx)
		}
		if !e.Present() {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		v.chunk = append(v.chunk, e.Result)
		v.last = e.Key
		if len(v.chunk) >= v.chunkSize {
			if err := v.check(ctx); err != nil {
				return err
			}
		}
	}
}

// check verifies the chunk at the destination, counts what it found and
// moves the watermark past it. A retryable failure of any object fails
// the attempt, so that the retry checks the chunk again.
func (v *verifyShard) check(ctx context.Context) error {
	if len(v.chunk) == 0 {
		return nil
	}
	checks := v.s.eng.VerifyBatch(ctx, v.s.stores.Destination, v.chunk, v.mode)
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, c := range checks {
		if !c.OK && c.Class == store.Retryable {
			return fmt.Errorf("verify %q: %s (retrying resumes after %q)", c.Key, c.Problem, v.prog.Watermark)
		}
	}
	v.mu.Lock()
	for _, c := range checks {
		v.prog.Checked++
		if c.OK {
			continue
		}
		v.prog.Mismatches++
		p := manifest.Problem{Key: c.Key, Problem: c.Problem}
		if len(v.all) < maxRecordProblems {
			v.all = append(v.all, p)
		} else {
			v.omitted++
		}
		if len(v.prog.Problems) < maxProblemKeys {
			v.prog.Problems = append(v.prog.Problems, p)
		}
	}
	v.prog.Watermark = v.last
	v.prog.Next += (len(v.chunk) + indexChunk - 1) / indexChunk
	v.mu.Unlock()
	v.chunk = nil
	v.beat(ctx)
	return nil
}

// record writes verify-<mode>.json and returns the result naming it.
func (v *verifyShard) record(ctx context.Context) (VerifyResult, error) {
	rec := manifest.VerifyRecord{MigrationID: v.s.plan.ID, ShardID: v.shardID, Mode: string(v.mode),
		Checked: v.prog.Checked, Mismatches: v.prog.Mismatches, Problems: v.all, ProblemsOmitted: v.omitted}
	res := VerifyResult{Checked: v.prog.Checked, Mismatches: v.prog.Mismatches,
		RecordKey: manifest.VerifyKey(v.s.man.Root(), v.shardID, string(v.mode))}
	for _, p := range v.prog.Problems {
		res.MismatchKeys = append(res.MismatchKeys, p.Key)
	}
	if err := v.s.man.WriteJSON(ctx, res.RecordKey, rec); err != nil {
		return VerifyResult{}, activityError(err)
	}
	return res, nil
}
