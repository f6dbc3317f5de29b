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

// deltaChunk is the number of objects copied between heartbeats.
const deltaChunk = 500

// DeltaRound runs one catch-up round: it re-lists the whole shard,
// compares each in-scope object with the merged manifests by source ETag,
// size and mtime, copies new and changed objects (and retries earlier
// failures, which are not counted as changes), and handles objects deleted
// at the source per the plan: "delete" removes the destination object,
// "keep" keeps it; both are recorded. The records go to delta-NNNNN.json
// (NNNNN = in.Round; the final delta needs a round number of its own).
func (a *Activities) DeltaRound(ctx context.Context, in DeltaInput) (DeltaResult, error) {
	a.applyLimits(in.Limits)
	s, err := a.session(ctx, in.Shard)
	if err != nil {
		return DeltaResult{}, err
	}
	if err := s.checkWrite(); err != nil {
		return DeltaResult{}, err
	}
	merged, err := s.man.Merge(ctx, in.Shard.ShardID)
	if err != nil {
		return DeltaResult{}, activityError(err)
	}
	start := merged.StartAt
	if start.IsZero() {
		start = a.now()
	}
	filters := s.plan.Sources.Primary.Filters
	var res DeltaResult
	var entries []manifest.Entry
	var toCopy []store.ObjectInfo
	listed := map[string]bool{}
	err = store.Walk(ctx, s.stores.Source, in.Shard.Prefix, func(o store.ObjectInfo) error {
		listed[o.Key] = true
		e, known := merged.Entries[o.Key]
		if ok, why := filters.Admit(o.Key, o.LastModified, start); !ok {
			if !known || e.Outcome != engine.Excluded {
				entries = append(entries, manifest.Entry{Result: engine.Result{Key: o.Key, Size: o.Size, SourceETag: o.ETag,
					SourceMTime: o.LastModified, Outcome: engine.Excluded, Error: why}})
			}
			return nil
		}
		switch {
		case !known || e.Deleted != "" || e.Outcome == engine.SourceGone || e.Outcome == engine.Excluded:
			res.New++
		case e.SourceETag != o.ETag || e.Size != o.Size || !e.SourceMTime.Equal(o.LastModified):
			res.Modified++
		case e.Outcome == engine.Failed:
			// Retried, not a change.
		default:
			return nil
		}
		toCopy = append(toCopy, o)
		return nil
	})
	if err != nil {
		return DeltaResult{}, activityError(fmt.Errorf("delta: list %s: %w", in.Shard.Prefix, err))
	}

	for i := 0; i < len(toCopy); i += deltaChunk {
		chunk := toCopy[i:min(i+deltaChunk, len(toCopy))]
		for _, r := range a.eng.CopyBatch(ctx, s.stores.Source, s.stores.Destination, chunk, s.copyOptions()) {
			res.Counts.add(r)
			entries = append(entries, manifest.Entry{Result: r})
		}
		if err := ctx.Err(); err != nil {
			return DeltaResult{}, err
		}
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, i+len(chunk))
		}
	}
	for _, e := range entries {
		if e.Outcome == engine.Failed && e.ErrorClass == store.Retryable {
			return DeltaResult{}, fmt.Errorf("delta round %d: %q failed: %s (the retry re-lists and skips what is copied)", in.Round, e.Key, e.Error)
		}
	}

	deleted, err := a.handleDeletes(ctx, s, merged, listed)
	if err != nil {
		return DeltaResult{}, err
	}
	entries = append(entries, deleted...)
	res.Deleted = int64(len(deleted))
	res.Changed = res.New + res.Modified + res.Deleted

	m := &manifest.Manifest{Kind: manifest.KindDelta, MigrationID: s.plan.ID, ShardID: in.Shard.ShardID,
		Prefix: in.Shard.Prefix, Seq: in.Round, Written: a.now().UTC(), StartAt: merged.StartAt, Entries: entries}
	if res.ManifestKey, err = s.man.WriteManifest(ctx, m); err != nil {
		return DeltaResult{}, activityError(err)
	}
	logger(ctx).Info("delta round", "shard", in.Shard.ShardID, "round", in.Round, "final", in.Final,
		"new", res.New, "modified", res.Modified, "deleted", res.Deleted)
	return res, nil
}

// handleDeletes records every manifest entry whose source object is no
// longer listed, and per the delete policy removes it at the destination.
func (a *Activities) handleDeletes(ctx context.Context, s *session, merged *manifest.Merged, listed map[string]bool) ([]manifest.Entry, error) {
	var out []manifest.Entry
	for _, e := range merged.Sorted() {
		if listed[e.Key] || e.Deleted != "" {
			continue
		}
		d := e
		d.Deleted = manifest.DeletedRemoved
		if e.Present() {
			if s.plan.Delta.Deletes == plan.DeletesKeep {
				d.Deleted = manifest.DeletedKept
			} else if err := s.stores.Destination.Delete(ctx, e.Key); err != nil {
				return nil, activityError(fmt.Errorf("delta: delete %q at the destination: %w", e.Key, err))
			}
		}
		d.Duration = 0
		out = append(out, d)
	}
	return out, nil
}
