package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/store"
)

// FinalVerify runs the full verification over the complete final source
// listing, after the freeze and the final delta:
//   - no in-scope source object modified after in.FrozenAt;
//   - nothing missing: every in-scope source object has a manifest entry
//     copied or skipped from that very source version (ETag and size);
//   - every SHA-256 equal: each destination object is re-read, hashed and
//     compared with the SHA-256 recorded while reading the source;
//   - nothing extra at the destination under the prefix, except keys
//     recorded as deleted at the source under the keep policy.
//
// It writes final-verify.json and returns OK=false with the counts and at
// most 100 keys when any check fails.
func (a *Activities) FinalVerify(ctx context.Context, in FinalVerifyInput) (FinalVerifyResult, error) {
	s, err := a.session(ctx, in.Shard)
	if err != nil {
		return FinalVerifyResult{}, err
	}
	if in.FrozenAt.IsZero() {
		return FinalVerifyResult{}, inputError("final verify of shard %s: frozenAt is not set", in.Shard.ShardID)
	}
	if err := s.checkWrite(); err != nil {
		return FinalVerifyResult{}, err
	}
	merged, err := s.man.Merge(ctx, in.Shard.ShardID)
	if err != nil {
		return FinalVerifyResult{}, activityError(err)
	}
	start := merged.StartAt
	if start.IsZero() {
		start = in.FrozenAt
	}
	filters := s.plan.Sources.Primary.Filters
	rec := FinalVerifyRecord{MigrationID: s.plan.ID, ShardID: in.Shard.ShardID, Prefix: in.Shard.Prefix,
		FrozenAt: in.FrozenAt.UTC().Format(time.RFC3339Nano)}
	res := &rec.Result
	problem := func(key, why string) {
		rec.Problems = append(rec.Problems, Problem{Key: key, Problem: why})
		if len(res.ProblemKeys) < maxProblemKeys {
			res.ProblemKeys = append(res.ProblemKeys, key)
		}
	}

	var toVerify []engine.Result
	inSource := map[string]bool{}
	err = store.Walk(ctx, s.stores.Source, in.Shard.Prefix, func(o store.ObjectInfo) error {
		inSource[o.Key] = true
		if ok, _ := filters.Admit(o.Key, o.LastModified, start); !ok {
			return nil
		}
		res.Objects++
		if o.LastModified.After(in.FrozenAt) {
			res.ModifiedAfter++
			problem(o.Key, fmt.Sprintf("modified at the source at %s, after the freeze at %s",
				o.LastModified.UTC().Format(time.RFC3339), in.FrozenAt.UTC().Format(time.RFC3339)))
			return nil
		}
		e, ok := merged.Entries[o.Key]
		switch {
		case !ok || e.Deleted != "":
			res.Missing++
			problem(o.Key, "not in any manifest: never copied")
		case !e.Present():
			res.Missing++
			problem(o.Key, fmt.Sprintf("not at the destination: %s %s", e.Outcome, e.Error))
		case e.SourceETag != o.ETag || e.Size != o.Size:
			res.Mismatched++
			problem(o.Key, fmt.Sprintf("the copy is of another source version (ETag %s size %d; the source has ETag %s size %d)",
				e.SourceETag, e.Size, o.ETag, o.Size))
		default:
			toVerify = append(toVerify, e.Result)
		}
		return nil
	})
	if err != nil {
		return FinalVerifyResult{}, activityError(fmt.Errorf("final verify: list the source %s: %w", in.Shard.Prefix, err))
	}

	for i := 0; i < len(toVerify); i += verifyChunk {
		chunk := toVerify[i:min(i+verifyChunk, len(toVerify))]
		for _, c := range a.eng.VerifyBatch(ctx, s.stores.Destination, chunk, engine.Full) {
			switch {
			case c.OK:
			case c.Class == store.Retryable:
				return FinalVerifyResult{}, fmt.Errorf("final verify %q: %s", c.Key, c.Problem)
			case c.Missing:
				res.Missing++
				problem(c.Key, c.Problem)
			default:
				res.Mismatched++
				problem(c.Key, c.Problem)
			}
		}
		if err := ctx.Err(); err != nil {
			return FinalVerifyResult{}, err
		}
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, i+len(chunk))
		}
	}

	err = store.Walk(ctx, s.stores.Destination, in.Shard.Prefix, func(o store.ObjectInfo) error {
		if inSource[o.Key] {
			return nil
		}
		if e, ok := merged.Entries[o.Key]; ok && e.Deleted == manifest.DeletedKept {
			rec.KeptDeleted = append(rec.KeptDeleted, o.Key)
			return nil
		}
		res.Extra++
		problem(o.Key, "at the destination but not at the source (and not recorded as deleted under the keep policy)")
		return nil
	})
	if err != nil {
		return FinalVerifyResult{}, activityError(fmt.Errorf("final verify: list the destination %s: %w", in.Shard.Prefix, err))
	}
	res.OK = res.Missing == 0 && res.Extra == 0 && res.Mismatched == 0 && res.ModifiedAfter == 0
	res.RecordKey = manifest.RecordKey(s.man.Root(), in.Shard.ShardID, manifest.FinalVerifyName)
	if err := s.man.WriteJSON(ctx, res.RecordKey, rec); err != nil {
		return FinalVerifyResult{}, activityError(err)
	}
	logger(ctx).Info("final verification", "shard", in.Shard.ShardID, "ok", res.OK, "objects", res.Objects,
		"missing", res.Missing, "extra", res.Extra, "mismatched", res.Mismatched, "modifiedAfterFreeze", res.ModifiedAfter)
	return *res, nil
}
