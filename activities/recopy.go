package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/store"
)

// maxRecopyKeys bounds the keys of one Recopy call.
const maxRecopyKeys = maxProblemKeys * 10

// Recopy copies the named keys (at most 1000; verification mismatches,
// FinalVerify's RepairKeys) again from the source as it is now. It never
// deletes or overwrites a destination object this migration did not
// write: such a key fails with the reason. Its own bad copy is deleted
// first, because its provenance would make the engine skip it as
// identical. The records go to recopy-NNNNN-pNNNN.json (NNNNN =
// in.Round), in key order, one part per chunk; Counts are the net change
// of the shard's counts. It heartbeats as DeltaRound does, and a retry
// resumes after its watermark.
func (a *Activities) Recopy(ctx context.Context, in RecopyInput) (RecopyResult, error) {
	s, err := a.session(ctx, in.Shard)
	if err != nil {
		return RecopyResult{}, err
	}
	if err := s.checkWrite(); err != nil {
		return RecopyResult{}, err
	}
	if len(in.Keys) > maxRecopyKeys {
		return RecopyResult{}, inputError("recopy: %d keys; pass at most %d per call", len(in.Keys), maxRecopyKeys)
	}
	keys := slices.Clone(in.Keys)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	for _, k := range keys {
		if !shardHas(in.Shard.Prefix, k) {
			return RecopyResult{}, inputError("recopy: key %q is not under the shard prefix %q", k, in.Shard.Prefix)
		}
	}
	run := manifest.Run{Kind: manifest.KindRecopy, Seq: in.Round}
	t, err := a.track(ctx, s, in.Shard.ShardID, manifest.RunName(run.Kind, run.Seq))
	if err != nil {
		return RecopyResult{}, err
	}
	defer t.close()
	r := &recopy{a: a, s: s, in: in, t: t, parts: newRunParts(s, in.Shard, run.Kind, run.Seq, a.now)}
	res, err := r.run(ctx, run, keys)
	if err != nil {
		return RecopyResult{}, giveUp(ctx, t, s.stores.Destination, activityError(err))
	}
	abortUploads(s.stores.Destination, t.leftoverUploads())
	return res, nil
}

type recopy struct {
	a     *Activities
	s     *session
	in    RecopyInput
	t     *tracker
	parts *runParts
}

func (r *recopy) run(ctx context.Context, run manifest.Run, keys []string) (RecopyResult, error) {
	if !r.t.retry {
		if err := r.parts.fresh(ctx); err != nil {
			return RecopyResult{}, err
		}
	}
	st := r.t.state()
	i, _ := slices.BinarySearch(keys, st.Watermark)
	for i < len(keys) && keys[i] <= st.Watermark {
		i++
	}
	keys = keys[i:]
	var reader *manifest.Reader
	if len(keys) > 0 {
		var err error
		if reader, err = r.s.man.Open(ctx, r.in.Shard.ShardID, manifest.ReadOptions{From: keys[0], Exclude: &run}); err != nil {
			return RecopyResult{}, err
		}
	}
	for len(keys) > 0 {
		n := min(r.a.chunk, len(keys))
		if err := r.chunk(ctx, reader, keys[:n]); err != nil {
			return RecopyResult{}, err
		}
		keys = keys[n:]
	}
	st = r.t.state()
	if _, err := r.parts.finish(ctx, st.Parts, st.Watermark); err != nil {
		return RecopyResult{}, err
	}
	res := RecopyResult{Counts: st.Counts, ManifestKey: r.parts.key(0), Done: true}
	for _, p := range st.Problems {
		res.FailedKeys = append(res.FailedKeys, p.Key)
	}
	return res, nil
}

// chunk re-copies keys (sorted), writes their records as the next part
// and moves the watermark to the last key.
func (r *recopy) chunk(ctx context.Context, reader *manifest.Reader, keys []string) error {
	st := r.t.state()
	old := map[string]*manifest.Entry{}
	for _, k := range keys {
		for {
			e, ok, err := reader.Peek()
			if err != nil {
				return err
			}
			if !ok || e.Key > k {
				break
			}
			_, _, _ = reader.Next()
			if e.Key == k {
				old[k] = &e
			}
		}
	}
	prepared := map[string]engine.Result{} // records made without a copy
	var objs []store.ObjectInfo
	for _, k := range keys {
		if r.t.finishedBefore(k) {
			objs = append(objs, store.ObjectInfo{Key: k}) // the engine returns the earlier record
			continue
		}
		o, err := r.s.stores.Source.Head(ctx, k)
		if errors.Is(err, store.ErrNotFound) {
			prepared[k] = engine.Result{Key: k, Outcome: engine.SourceGone, Error: "deleted at the source before the re-copy"}
			continue
		}
		if err != nil {
			return fmt.Errorf("recopy: head %q at the source: %w", k, err)
		}
		if why, err := r.clear(ctx, k); err != nil {
			return err
		} else if why != "" {
			prepared[k] = engine.Result{Key: k, Size: o.Size, SourceETag: o.ETag, SourceVersion: o.VersionID, SourceMTime: o.LastModified,
				Outcome: engine.Failed, ErrorClass: store.Permanent, Error: why}
			continue
		}
		objs = append(objs, o)
	}
	results, err := r.a.copyChunk(ctx, r.s, r.t, r.s.stores.Source, r.s.stores.Destination, objs, st.Watermark,
		fmt.Sprintf("recopy round %d of shard %s", r.in.Round, r.in.Shard.ShardID))
	if err != nil {
		return err
	}
	for _, res := range results {
		prepared[res.Key] = res
	}
	var counts Counts
	var failed []manifest.Problem
	entries := make([]manifest.Entry, 0, len(keys))
	for _, k := range keys {
		res := prepared[k]
		res.Duration = 0
		rec := manifest.Entry{Result: res}
		counts.net(old[k], rec, res.BytesSent)
		counts.BytesResent += r.t.resent(res)
		if res.Outcome == engine.Failed {
			failed = append(failed, manifest.Problem{Key: k, Problem: compact(res).Error})
		}
		entries = append(entries, rec)
	}
	last := keys[len(keys)-1]
	if err := r.parts.write(ctx, st.Parts, st.Watermark, last, entries); err != nil {
		return err
	}
	return r.t.commit(last, func(p *Progress) {
		p.Parts++
		p.Counts = p.Counts.Add(counts)
		for _, f := range failed {
			if len(p.Problems) < maxFailedKeys {
				p.Problems = append(p.Problems, f)
			}
		}
	})
}

// clear deletes the destination's copy of key if this migration wrote it.
// It returns why the key must not be re-copied: the destination holds an
// object the migration did not write.
func (r *recopy) clear(ctx context.Context, key string) (string, error) {
	dst := r.s.stores.Destination
	info, err := dst.Head(ctx, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("recopy: head %q at the destination: %w", key, err)
	case !store.WrittenBy(info, r.s.plan.ID):
		return fmt.Sprintf("exists at the destination, not written by migration %s: not overwritten", r.s.plan.ID), nil
	}
	if err := dst.Delete(ctx, key); err != nil {
		return "", fmt.Errorf("recopy: delete the bad copy of %q: %w", key, err)
	}
	return "", nil
}

func shardHas(prefix, key string) bool { return len(key) >= len(prefix) && key[:len(prefix)] == prefix }
