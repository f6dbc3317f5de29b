package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/store"
)

// ReverseSync carries the writes made at the destination since cutover
// back to the source, as a merge join of the destination listing with the
// merged manifests, both in key order, chunk by chunk:
//   - destination objects written since cutover (modified after
//     in.CutoverAt, or unknown to the manifests) are copied to the source
//     and verified there in full;
//   - keys the manifests hold as copied or skipped (not removed) that the
//     destination no longer lists were deleted there since cutover: they
//     are deleted at the source, if the source still holds the version
//     that was copied (otherwise the key fails, with the reason).
//
// The records go to reverse-sync-pNNNN.json, one sorted part per chunk,
// and the outcome to reverse-sync.json. It heartbeats its watermark, the
// records and upload checkpoints of the chunk in flight and its counters;
// a retry resumes after the watermark.
func (a *Activities) ReverseSync(ctx context.Context, in ReverseSyncInput) (ReverseSyncResult, error) {
	s, err := a.session(ctx, in.Shard)
	if err != nil {
		return ReverseSyncResult{}, err
	}
	if err := s.man.CheckResidency(); err != nil {
		return ReverseSyncResult{}, nonRetryable(ErrTypeResidency, err)
	}
	t, err := a.track(ctx, s, in.Shard.ShardID, string(manifest.KindReverseSync)+"@"+in.CutoverAt.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return ReverseSyncResult{}, err
	}
	defer t.close()
	r := &reverseSync{a: a, s: s, in: in, t: t, parts: newRunParts(s, in.Shard, manifest.KindReverseSync, 0, a.now)}
	res, err := r.run(ctx)
	if err != nil {
		return ReverseSyncResult{}, giveUp(ctx, t, s.stores.Source, activityError(err))
	}
	abortUploads(s.stores.Source, t.leftoverUploads())
	logger(ctx).Info("reverse sync", "shard", in.Shard.ShardID, "copied", res.Copied, "verified", res.Verified,
		"deleted", res.Deleted, "failed", res.Failed)
	return res, nil
}

type reverseSync struct {
	a     *Activities
	s     *session
	in    ReverseSyncInput
	t     *tracker
	parts *runParts
}

// rsItem is one key with work: a copy back, or a deletion to replay.
type rsItem struct {
	obj *store.ObjectInfo // at the destination, to copy back
	del *manifest.Entry   // deleted at the destination since cutover
}

func (r *reverseSync) run(ctx context.Context) (ReverseSyncResult, error) {
	if !r.t.retry {
		if err := r.parts.fresh(ctx); err != nil {
			return ReverseSyncResult{}, err
		}
	}
	st := r.t.state()
	reader, err := r.s.man.Open(ctx, r.in.Shard.ShardID, manifest.ReadOptions{StartAfter: st.Watermark})
	if err != nil {
		return ReverseSyncResult{}, err
	}
	j := &join{dst: store.NewLister(r.s.stores.Destination, r.in.Shard.Prefix, st.Watermark), man: reader, obs: r.s.eng.Observer()}
	var items []rsItem
	scanned, last := 0, st.Watermark
	for {
		p, ok, err := j.next(ctx)
		if err != nil {
			return ReverseSyncResult{}, fmt.Errorf("reverse sync: list the destination %s and read the manifests: %w", r.in.Shard.Prefix, err)
		}
		if !ok {
			break
		}
		last = p.key
		scanned++
		e := p.ent
		switch {
		case p.dst != nil && (e == nil || !e.Present() || p.dst.LastModified.After(r.in.CutoverAt)):
			items = append(items, rsItem{obj: p.dst})
		case p.dst == nil && e != nil && e.Present() && e.Deleted == "":
			items = append(items, rsItem{del: e})
		}
		if len(items) >= r.a.chunk || scanned >= r.a.chunk*scanFactor {
			if err := r.chunk(ctx, items, last); err != nil {
				return ReverseSyncResult{}, err
			}
			items, scanned = nil, 0
		}
	}
	if err := r.chunk(ctx, items, last); err != nil {
		return ReverseSyncResult{}, err
	}
	st = r.t.state()
	parts, err := r.parts.finish(ctx, st.Parts, last)
	if err != nil {
		return ReverseSyncResult{}, err
	}
	res := ReverseSyncResult{Copied: st.Tally["copied"], Verified: st.Tally["verified"], Failed: st.Tally["failed"],
		Deleted: st.Tally["deleted"], ManifestKey: manifest.RecordKey(r.s.man.Root(), r.in.Shard.ShardID, manifest.ReverseSyncName)}
	rec := manifest.ReverseSyncRecord{MigrationID: r.s.plan.ID, ShardID: r.in.Shard.ShardID, Prefix: r.in.Shard.Prefix,
		CutoverAt: r.in.CutoverAt.UTC().Format(time.RFC3339Nano), Parts: parts,
		Result: manifest.ReverseSyncCounts{Copied: res.Copied, Verified: res.Verified, Failed: res.Failed, Deleted: res.Deleted}}
	if err := r.s.man.WriteJSON(ctx, res.ManifestKey, rec); err != nil {
		return ReverseSyncResult{}, err
	}
	return res, nil
}

// chunk copies the chunk's objects back and verifies them in full at the
// source, replays its deletions, writes its records as the next part and
// moves the watermark to last.
func (r *reverseSync) chunk(ctx context.Context, items []rsItem, last string) error {
	st := r.t.state()
	if last == st.Watermark {
		return nil
	}
	var objs []store.ObjectInfo
	for _, it := range items {
		if it.obj != nil {
			objs = append(objs, *it.obj)
		}
	}
	results, err := r.a.copyChunk(ctx, r.s, r.t, r.s.stores.Destination, r.s.stores.Source, objs, st.Watermark,
		"reverse sync of shard "+r.in.Shard.ShardID)
	if err != nil {
		return err
	}
	tally := map[string]int64{}
	var toCheck []engine.Result
	for _, res := range results {
		if res.Verifiable() {
			tally["copied"]++
			toCheck = append(toCheck, res)
		} else {
			tally["failed"]++
		}
	}
	for _, c := range r.a.verifyChunk(ctx, r.s, r.t, r.s.stores.Source, toCheck, engine.Full) {
		switch {
		case c.OK:
			tally["verified"]++
		case c.Class == store.Retryable:
			if err := ctx.Err(); err != nil {
				return err
			}
			return fmt.Errorf("reverse sync: verify %q at the source: %s (the retry resumes after %q)", c.Key, c.Problem, st.Watermark)
		default:
			tally["failed"]++
		}
	}
	byKey := make(map[string]engine.Result, len(results))
	for _, res := range results {
		res.Duration = 0
		byKey[res.Key] = res
	}
	entries := make([]manifest.Entry, 0, len(items))
	for _, it := range items {
		if it.obj != nil {
			entries = append(entries, manifest.Entry{Result: byKey[it.obj.Key]})
			continue
		}
		rec, err := r.replayDelete(ctx, *it.del)
		if err != nil {
			return err
		}
		if rec.Outcome == engine.Failed {
			tally["failed"]++
		} else if rec.Deleted != "" {
			tally["deleted"]++
		}
		entries = append(entries, rec)
	}
	if len(entries) > 0 {
		if err := r.parts.write(ctx, st.Parts, st.Watermark, last, entries); err != nil {
			return err
		}
	}
	return r.t.commit(last, func(p *Progress) {
		if len(entries) > 0 {
			p.Parts++
		}
		for k, v := range tally {
			p.Tally[k] += v
		}
	})
}

// replayDelete deletes at the source a key deleted at the destination
// since cutover, if the source still holds the version that was copied.
// The record is the entry marked deleted, or a failure saying why not.
func (r *reverseSync) replayDelete(ctx context.Context, e manifest.Entry) (manifest.Entry, error) {
	rec := e
	rec.BytesSent, rec.Duration = 0, 0
	cur, err := r.s.stores.Source.Head(ctx, e.Key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		rec.Deleted = manifest.DeletedRemoved // already gone at the source
		return rec, nil
	case err != nil:
		return manifest.Entry{}, fmt.Errorf("reverse sync: head %q at the source: %w", e.Key, err)
	case e.SourceETag != "" && cur.ETag != e.SourceETag:
		rec.Outcome, rec.ErrorClass = engine.Failed, store.Permanent
		rec.Error = fmt.Sprintf("deleted at the destination since cutover, but the source holds another version (ETag %s; the copy was of %s): not deleted at the source", cur.ETag, e.SourceETag)
		return rec, nil
	}
	if err := r.s.stores.Source.Delete(ctx, e.Key); err != nil {
		return manifest.Entry{}, fmt.Errorf("reverse sync: delete %q at the source: %w", e.Key, err)
	}
	rec.Deleted = manifest.DeletedRemoved
	return rec, nil
}
