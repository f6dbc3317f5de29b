package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/store"
)

// DeltaRound runs one catch-up round as a merge join of the shard's
// source listing with its merged manifests, both in key order, chunk by
// chunk. It copies new and changed objects (by source ETag, size and
// mtime), retries earlier failures (not counted as changes), and handles
// manifest entries no longer listed per the plan: "delete" removes the
// destination object, "keep" keeps it; both are recorded.
//
// The age filter decides only for objects without a copy at the
// destination: an object that has one (its merged entry is present) and
// now fails the filter has changed, and is copied again, never recorded
// Excluded.
//
// The round's records go to delta-NNNNN-pNNNN.json (NNNNN = in.Round; the
// final delta needs a round number of its own), one sorted part per chunk.
// It heartbeats its watermark, the records and upload checkpoints of the
// chunk in flight and its counters; a retry resumes after the watermark.
// Counts are the net change of the shard's counts (see Counts.net).
func (a *Activities) DeltaRound(ctx context.Context, in DeltaInput) (DeltaResult, error) {
	s, err := a.session(ctx, in.Shard)
	if err != nil {
		return DeltaResult{}, err
	}
	if err := s.checkWrite(); err != nil {
		return DeltaResult{}, err
	}
	run := manifest.Run{Kind: manifest.KindDelta, Seq: in.Round}
	t, err := a.track(ctx, s, in.Shard.ShardID, manifest.RunName(run.Kind, run.Seq))
	if err != nil {
		return DeltaResult{}, err
	}
	defer t.close()
	d := &deltaRound{a: a, s: s, in: in, t: t, parts: newRunParts(s, in.Shard, run.Kind, run.Seq, a.now)}
	res, err := d.run(ctx, run)
	if err != nil {
		return DeltaResult{}, giveUp(ctx, t, s.stores.Destination, activityError(err))
	}
	abortUploads(s.stores.Destination, t.leftoverUploads())
	logger(ctx).Info("delta round", "shard", in.Shard.ShardID, "round", in.Round, "final", in.Final,
		"new", res.New, "modified", res.Modified, "deleted", res.Deleted, "parts", t.state().Parts)
	return res, nil
}

// deltaRound is one DeltaRound in progress.
type deltaRound struct {
	a       *Activities
	s       *session
	in      DeltaInput
	t       *tracker
	parts   *runParts
	start   time.Time
	filters plan.Filters
}

// deltaItem is one key of the round with work: a copy, a record without
// a copy (excluded), or a deletion of a key no longer listed.
type deltaItem struct {
	key  string
	old  *manifest.Entry   // the merged entry; nil for a key new to the shard
	obj  *store.ObjectInfo // to copy
	rec  *manifest.Entry   // to record as it is
	del  bool              // not listed any more
	kind string            // tally of a copy: "new", "modified" or "" (a retry)
}

func (d *deltaRound) run(ctx context.Context, run manifest.Run) (DeltaResult, error) {
	if !d.t.retry {
		if err := d.parts.fresh(ctx); err != nil {
			return DeltaResult{}, err
		}
	}
	startAt, err := d.s.man.StartAt(ctx, d.in.Shard.ShardID)
	if err != nil {
		return DeltaResult{}, err
	}
	d.parts.header.StartAt = startAt
	d.start = startAt
	if d.start.IsZero() {
		d.start = d.a.now()
	}
	d.filters = d.s.plan.Sources.Primary.Filters
	st := d.t.state()
	reader, err := d.s.man.Open(ctx, d.in.Shard.ShardID, manifest.ReadOptions{StartAfter: st.Watermark, Exclude: &run})
	if err != nil {
		return DeltaResult{}, err
	}
	j := &join{src: store.NewLister(d.s.stores.Source, d.in.Shard.Prefix, st.Watermark), man: reader, obs: d.s.eng.Observer()}
	var items []deltaItem
	work, scanned, last := 0, 0, st.Watermark
	for {
		p, ok, err := j.next(ctx)
		if err != nil {
			return DeltaResult{}, fmt.Errorf("delta round %d: list %s and read the manifests: %w", d.in.Round, d.in.Shard.Prefix, err)
		}
		if !ok {
			break
		}
		last = p.key
		scanned++
		if it, ok := d.classify(p); ok {
			items = append(items, it)
			work++
		}
		if work >= d.a.chunk || scanned >= d.a.chunk*scanFactor {
			if err := d.chunk(ctx, items, last); err != nil {
				return DeltaResult{}, err
			}
			items, work, scanned = nil, 0, 0
		}
	}
	if err := d.chunk(ctx, items, last); err != nil {
		return DeltaResult{}, err
	}
	st = d.t.state()
	if _, err := d.parts.finish(ctx, st.Parts, last); err != nil {
		return DeltaResult{}, err
	}
	res := DeltaResult{New: st.Tally["new"], Modified: st.Tally["modified"], Deleted: st.Tally["deleted"],
		Counts: st.Counts, ManifestKey: d.parts.key(0)}
	res.Changed = res.New + res.Modified + res.Deleted
	return res, nil
}

// classify decides what the round does with one key of the join.
func (d *deltaRound) classify(p joined) (deltaItem, bool) {
	e := p.ent
	if p.src == nil {
		if e == nil || e.Deleted != "" {
			return deltaItem{}, false
		}
		return deltaItem{key: p.key, old: e, del: true}, true
	}
	o := p.src
	hasCopy := e != nil && e.Present()
	if !hasCopy {
		if ok, why := d.filters.Admit(o.Key, o.LastModified, d.start); !ok {
			if e != nil && e.Outcome == engine.Excluded {
				return deltaItem{}, false
			}
			rec := manifest.Entry{Result: engine.Result{Key: o.Key, Size: o.Size, SourceETag: o.ETag,
				SourceMTime: o.LastModified, Outcome: engine.Excluded, Error: why}}
			return deltaItem{key: p.key, old: e, rec: &rec}, true
		}
	}
	it := deltaItem{key: p.key, old: e, obj: o}
	switch {
	case e == nil || e.Deleted != "" || e.Outcome == engine.SourceGone || e.Outcome == engine.Excluded:
		it.kind = "new"
	case e.SourceETag != o.ETag || e.Size != o.Size || !sameSecond(e.SourceMTime, o.LastModified):
		it.kind = "modified"
	case e.Outcome == engine.Failed:
		// Retried, not a change.
	default:
		return deltaItem{}, false
	}
	return it, true
}

// chunk does the work of items (in key order, all keys up to last) and
// writes their records as the round's next part.
func (d *deltaRound) chunk(ctx context.Context, items []deltaItem, last string) error {
	st := d.t.state()
	if last == st.Watermark {
		return nil // nothing scanned
	}
	var objs []store.ObjectInfo
	for _, it := range items {
		if it.obj != nil {
			objs = append(objs, *it.obj)
		}
	}
	results, err := d.a.copyChunk(ctx, d.s, d.t, d.s.stores.Source, d.s.stores.Destination, objs, st.Watermark,
		fmt.Sprintf("delta round %d of shard %s", d.in.Round, d.in.Shard.ShardID))
	if err != nil {
		return err
	}
	byKey := make(map[string]engine.Result, len(results))
	for _, r := range results {
		byKey[r.Key] = r
	}
	var counts Counts
	tally := map[string]int64{}
	entries := make([]manifest.Entry, 0, len(items))
	for _, it := range items {
		var rec manifest.Entry
		var sent int64
		switch {
		case it.obj != nil:
			r := byKey[it.key]
			r.Duration = 0
			rec, sent = manifest.Entry{Result: r}, r.BytesSent
			counts.BytesResent += d.t.resent(r)
			if it.kind != "" {
				tally[it.kind]++
			}
		case it.del:
			var err error
			if rec, err = d.deleted(ctx, *it.old); err != nil {
				return err
			}
			tally["deleted"]++
		default:
			rec = *it.rec
		}
		counts.net(it.old, rec, sent)
		entries = append(entries, rec)
	}
	if len(entries) > 0 {
		if err := d.parts.write(ctx, st.Parts, st.Watermark, last, entries); err != nil {
			return err
		}
	}
	return d.t.commit(last, func(p *Progress) {
		if len(entries) > 0 {
			p.Parts++
		}
		p.Counts = p.Counts.Add(counts)
		for k, v := range tally {
			p.Tally[k] += v
		}
	})
}

// deleted handles an entry whose source object is no longer listed: per
// the delete policy its destination object is removed or kept, and the
// returned record says which. An object this migration did not write (the
// application's, or another migration's) is never deleted: it is kept,
// and the record says why.
func (d *deltaRound) deleted(ctx context.Context, e manifest.Entry) (manifest.Entry, error) {
	rec := e
	rec.Deleted, rec.BytesSent, rec.Duration = manifest.DeletedRemoved, 0, 0
	if !e.Present() {
		return rec, nil
	}
	if d.s.plan.Delta.Deletes == plan.DeletesKeep {
		rec.Deleted = manifest.DeletedKept
		return rec, nil
	}
	dst := d.s.stores.Destination
	info, err := dst.Head(ctx, e.Key)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return rec, nil
	case err != nil:
		return manifest.Entry{}, fmt.Errorf("delta: head %q at the destination: %w", e.Key, err)
	case !store.WrittenBy(info, d.s.plan.ID):
		rec.Deleted = manifest.DeletedKept
		rec.Error = fmt.Sprintf("deleted at the source; the destination object was not written by migration %s, so it is kept", d.s.plan.ID)
		return rec, nil
	}
	if err := dst.Delete(ctx, e.Key); err != nil && !errors.Is(err, store.ErrNotFound) {
		return manifest.Entry{}, fmt.Errorf("delta: delete %q at the destination: %w", e.Key, err)
	}
	return rec, nil
}

// sameSecond compares modification times to the second: a listing gives
// them in milliseconds, a HEAD (whose time a re-copy records) in seconds.
func sameSecond(a, b time.Time) bool {
	return a.Truncate(time.Second).Equal(b.Truncate(time.Second))
}
