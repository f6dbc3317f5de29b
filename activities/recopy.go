package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/store"
)

// Recopy copies the named keys again (verification mismatches): each
// destination object is deleted first, because its provenance would make
// the engine skip it as identical, then copied from the source as it is
// now. The records go to recopy-NNNNN.json (NNNNN = in.Round).
func (a *Activities) Recopy(ctx context.Context, in RecopyInput) (RecopyResult, error) {
	s, err := a.session(ctx, in.Shard)
	if err != nil {
		return RecopyResult{}, err
	}
	if err := s.checkWrite(); err != nil {
		return RecopyResult{}, err
	}
	if len(in.Keys) > maxProblemKeys*10 {
		return RecopyResult{}, inputError("recopy: %d keys; pass at most %d per call", len(in.Keys), maxProblemKeys*10)
	}
	var objs []store.ObjectInfo
	var gone []engine.Result
	for _, k := range in.Keys {
		if !shardHas(in.Shard.Prefix, k) {
			return RecopyResult{}, inputError("recopy: key %q is not under the shard prefix %q", k, in.Shard.Prefix)
		}
		o, err := s.stores.Source.Head(ctx, k)
		if errors.Is(err, store.ErrNotFound) {
			gone = append(gone, engine.Result{Key: k, Outcome: engine.SourceGone, Error: "deleted at the source before the re-copy"})
			continue
		}
		if err != nil {
			return RecopyResult{}, activityError(fmt.Errorf("recopy: head %q: %w", k, err))
		}
		if err := s.stores.Destination.Delete(ctx, k); err != nil {
			return RecopyResult{}, activityError(fmt.Errorf("recopy: delete the bad copy of %q: %w", k, err))
		}
		objs = append(objs, o)
	}
	results := append(a.eng.CopyBatch(ctx, s.stores.Source, s.stores.Destination, objs, s.copyOptions()), gone...)
	var res RecopyResult
	for _, r := range results {
		res.Counts.add(r)
		if r.Outcome == engine.Failed {
			res.FailedKeys = appendLimited(res.FailedKeys, r.Key, maxFailedKeys)
		}
	}
	m := &manifest.Manifest{Kind: manifest.KindRecopy, MigrationID: s.plan.ID, ShardID: in.Shard.ShardID,
		Prefix: in.Shard.Prefix, Seq: in.Round, Written: a.now().UTC(), Entries: manifest.Entries(results)}
	if res.ManifestKey, err = s.man.WriteManifest(ctx, m); err != nil {
		return RecopyResult{}, activityError(err)
	}
	res.Done = true
	return res, nil
}

func shardHas(prefix, key string) bool { return len(key) >= len(prefix) && key[:len(prefix)] == prefix }
