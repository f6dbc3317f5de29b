package activities

import (
	"context"
	"fmt"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/store"
)

// ReverseSync copies back to the source the destination objects under the
// shard prefix that were written since cutover (modified after
// in.CutoverAt, or absent from the merged manifests), then verifies each
// copy in full at the source. The records go to reverse-sync.json.
// Deletions made at the destination since cutover are not replayed.
func (a *Activities) ReverseSync(ctx context.Context, in ReverseSyncInput) (ReverseSyncResult, error) {
	s, err := a.session(ctx, in.Shard)
	if err != nil {
		return ReverseSyncResult{}, err
	}
	if err := s.man.CheckResidency(); err != nil {
		return ReverseSyncResult{}, nonRetryable(ErrTypeResidency, err)
	}
	merged, err := s.man.Merge(ctx, in.Shard.ShardID)
	if err != nil {
		return ReverseSyncResult{}, activityError(err)
	}
	var objs []store.ObjectInfo
	err = store.Walk(ctx, s.stores.Destination, in.Shard.Prefix, func(o store.ObjectInfo) error {
		e, known := merged.Entries[o.Key]
		if !known || !e.Present() || o.LastModified.After(in.CutoverAt) {
			objs = append(objs, o)
		}
		return nil
	})
	if err != nil {
		return ReverseSyncResult{}, activityError(fmt.Errorf("reverse sync: list the destination %s: %w", in.Shard.Prefix, err))
	}
	var res ReverseSyncResult
	var recs []engine.Result
	for i := 0; i < len(objs); i += deltaChunk {
		chunk := objs[i:min(i+deltaChunk, len(objs))]
		results := a.eng.CopyBatch(ctx, s.stores.Destination, s.stores.Source, chunk, s.copyOptions())
		var toCheck []engine.Result
		for _, r := range results {
			switch {
			case r.Outcome == engine.Failed && r.ErrorClass == store.Retryable:
				return ReverseSyncResult{}, fmt.Errorf("reverse sync %q: %s", r.Key, r.Error)
			case r.Verifiable():
				res.Copied++
				toCheck = append(toCheck, r)
			default:
				res.Failed++
			}
		}
		for _, c := range a.eng.VerifyBatch(ctx, s.stores.Source, toCheck, engine.Full) {
			if c.OK {
				res.Verified++
			} else {
				if c.Class == store.Retryable {
					return ReverseSyncResult{}, fmt.Errorf("reverse sync: verify %q at the source: %s", c.Key, c.Problem)
				}
				res.Failed++
			}
		}
		recs = append(recs, results...)
		heartbeat(ctx, i+len(chunk))
	}
	res.ManifestKey = manifest.RecordKey(s.man.Root(), in.Shard.ShardID, manifest.ReverseSyncName)
	if err := s.man.WriteJSON(ctx, res.ManifestKey, manifest.Entries(recs)); err != nil {
		return ReverseSyncResult{}, activityError(err)
	}
	logger(ctx).Info("reverse sync", "shard", in.Shard.ShardID, "copied", res.Copied, "verified", res.Verified, "failed", res.Failed)
	return res, nil
}
