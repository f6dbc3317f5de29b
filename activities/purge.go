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

// purgeParts names the parts of the purge record (purge-pNNNN.json).
const purgeParts = "purge"

// Purge deletes every object of the shard prefix from the primary and
// from each source copy, only if the plan enables purge and only after a
// full re-verification of every present manifest entry at the destination
// passes. In versioned S3 buckets every version and delete marker goes.
//
// Both steps stream: the re-verification reads the merged manifests chunk
// by chunk, and each copy is listed and deleted page by page. What is
// deleted is recorded as it goes, in parts purge-pNNNN.json (never
// overwritten: parts of an earlier attempt stay on record), and counted
// per copy in purge.json. It heartbeats the step (re-verification, or the
// index of the copy being deleted), its watermark and its counters; a
// retry resumes there.
func (a *Activities) Purge(ctx context.Context, in ShardRef) (PurgeResult, error) {
	s, err := a.session(ctx, in)
	if err != nil {
		return PurgeResult{}, err
	}
	if !s.plan.Purge.Enabled {
		return PurgeResult{}, nonRetryable(ErrTypeInput, fmt.Errorf("purge of shard %s refused: the plan does not enable purge", in.ShardID))
	}
	if err := s.checkWrite(); err != nil {
		return PurgeResult{}, err
	}
	t, err := a.track(ctx, s, in.ShardID, purgeParts)
	if err != nil {
		return PurgeResult{}, err
	}
	defer t.close()
	p := &purge{a: a, s: s, in: in, t: t}
	res, err := p.run(ctx)
	if err != nil {
		return PurgeResult{}, activityError(err)
	}
	logger(ctx).Info("purged", "shard", in.ShardID, "deleted", res.Deleted)
	return res, nil
}

type purge struct {
	a      *Activities
	s      *session
	in     ShardRef
	t      *tracker
	copies []NamedStore
	parts  int // parts stored, this attempt's included
}

func (p *purge) run(ctx context.Context) (PurgeResult, error) {
	p.copies = append([]NamedStore{{Name: "primary", Store: p.s.stores.Source}}, p.s.stores.Copies...)
	stored, err := p.s.man.Parts(ctx, p.in.ShardID, purgeParts)
	if err != nil {
		return PurgeResult{}, err
	}
	p.parts = len(stored)
	if p.t.state().Phase == 0 {
		if err := p.reverify(ctx); err != nil {
			return PurgeResult{}, err
		}
		if err := p.t.commit("", func(pr *Progress) { pr.Phase = 1 }); err != nil {
			return PurgeResult{}, err
		}
	}
	for {
		st := p.t.state()
		i := st.Phase - 1
		if i >= len(p.copies) {
			break
		}
		if err := p.purgeCopy(ctx, p.copies[i]); err != nil {
			return PurgeResult{}, fmt.Errorf("purge %s: %w", p.copies[i].Name, err)
		}
		if err := p.t.commit("", func(pr *Progress) { pr.Phase, pr.VersionMarker = i+2, "" }); err != nil {
			return PurgeResult{}, err
		}
	}
	return p.record(ctx)
}

// reverify checks every present entry in full at the destination, chunk
// by chunk, and refuses the purge at the first that fails.
func (p *purge) reverify(ctx context.Context) error {
	st := p.t.state()
	reader, err := p.s.man.Open(ctx, p.in.ShardID, manifest.ReadOptions{StartAfter: st.Watermark})
	if err != nil {
		return err
	}
	var recs []engine.Result
	last := st.Watermark
	flush := func() error {
		if last == p.t.state().Watermark {
			return nil
		}
		for _, c := range p.a.verifyChunk(ctx, p.s, p.t, p.s.stores.Destination, recs, engine.Full) {
			if c.OK {
				continue
			}
			if c.Class == store.Retryable {
				if err := ctx.Err(); err != nil {
					return err
				}
				return fmt.Errorf("purge: re-verify %q: %s", c.Key, c.Problem)
			}
			return nonRetryable(ErrTypeInput, fmt.Errorf("purge of shard %s refused: %q fails the full re-verification: %s", p.in.ShardID, c.Key, c.Problem))
		}
		n := int64(len(recs))
		recs = nil
		return p.t.commit(last, func(pr *Progress) { pr.Tally["verified"] += n })
	}
	scanned := 0
	for {
		e, ok, err := reader.Next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		last = e.Key
		scanned++
		if e.Present() {
			recs = append(recs, e.Result)
		}
		if len(recs) >= p.a.chunk || scanned >= p.a.chunk*scanFactor {
			if err := flush(); err != nil {
				return err
			}
			scanned = 0
		}
	}
	return flush()
}

// purgeCopy deletes everything under the prefix in one source copy: all
// versions and delete markers of a bucket that keeps versions
// (store.VersionPurger: versioned S3 buckets), else every listed
// object; page by page, each page recorded as a part.
func (p *purge) purgeCopy(ctx context.Context, c NamedStore) error {
	if err := p.deleteCopy(ctx, c); err != nil {
		return err
	}
	return p.checkEmpty(ctx, c)
}

// checkEmpty proves the purge of a copy: a fresh listing under the prefix
// finds nothing, so that a listing that hid objects never passes for a
// purge. (A store.VersionPurger proves its own: it ends on a listing of
// versions that finds none.)
func (p *purge) checkEmpty(ctx context.Context, c NamedStore) error {
	page, err := c.Store.List(ctx, store.ListOptions{Prefix: p.in.Prefix, Limit: 1})
	if err != nil {
		return fmt.Errorf("check the purge of %s: %w", c.Name, err)
	}
	if len(page.Objects) > 0 {
		return fmt.Errorf("the purge of %s (%s) left %q under %s; it is not complete", c.Name, c.Store, page.Objects[0].Key, p.in.Prefix)
	}
	return nil
}

// deleteCopy deletes everything under the prefix in one source copy.
func (p *purge) deleteCopy(ctx context.Context, c NamedStore) error {
	if vp, ok := c.Store.(store.VersionPurger); ok {
		err := vp.PurgeVersions(ctx, p.in.Prefix, func(vs []store.Version) error {
			deleted := make([]manifest.DeletedObject, len(vs))
			for i, v := range vs {
				deleted[i] = manifest.DeletedObject{Key: v.Key, VersionID: v.VersionID, DeleteMarker: v.DeleteMarker}
			}
			return p.recordPart(ctx, c, deleted, "", "")
		})
		if !errors.Is(err, store.ErrUnversioned) {
			return err
		}
	}
	st := p.t.state()
	l := store.NewLister(c.Store, p.in.Prefix, st.Watermark)
	var batch []manifest.DeletedObject
	for {
		o, ok, err := l.Next(ctx)
		if err != nil {
			return err
		}
		if ok {
			if err := c.Store.Delete(ctx, o.Key); err != nil {
				if len(batch) > 0 {
					_ = p.recordPart(ctx, c, batch, batch[len(batch)-1].Key, "") // what went is on record before failing
				}
				return fmt.Errorf("delete %q: %w", o.Key, err)
			}
			batch = append(batch, manifest.DeletedObject{Key: o.Key})
		}
		if len(batch) > 0 && (!ok || len(batch) >= p.a.chunk) {
			if err := p.recordPart(ctx, c, batch, batch[len(batch)-1].Key, ""); err != nil {
				return err
			}
			batch = nil
		}
		if !ok {
			return nil
		}
	}
}

// recordPart writes the next part of the purge record and counts it in
// the copy's totals, moving the watermark to watermark.
func (p *purge) recordPart(ctx context.Context, c NamedStore, deleted []manifest.DeletedObject, watermark, versionMarker string) error {
	key := manifest.PartKey(p.s.man.Root(), p.in.ShardID, purgeParts, p.parts)
	if err := p.s.man.WriteJSON(ctx, key, manifest.PurgePart{Copy: c.Name, Store: c.Store.String(), Deleted: deleted}); err != nil {
		return err
	}
	p.parts++
	return p.t.commit(watermark, func(pr *Progress) { pr.VersionMarker = versionMarker })
}

// record counts every part on record per copy and writes purge.json.
func (p *purge) record(ctx context.Context) (PurgeResult, error) {
	keys, err := p.s.man.Parts(ctx, p.in.ShardID, purgeParts)
	if err != nil {
		return PurgeResult{}, err
	}
	rec := manifest.PurgeRecord{MigrationID: p.s.plan.ID, ShardID: p.in.ShardID, Prefix: p.in.Prefix, Parts: len(keys)}
	for _, c := range p.copies {
		rec.Copies = append(rec.Copies, manifest.PurgedCopy{Name: c.Name, Store: c.Store.String()})
	}
	var res PurgeResult
	for _, k := range keys {
		var part manifest.PurgePart
		if err := p.s.man.ReadJSON(ctx, k, &part); err != nil {
			return PurgeResult{}, err
		}
		i := slices.IndexFunc(rec.Copies, func(c manifest.PurgedCopy) bool { return c.Name == part.Copy })
		if i < 0 {
			rec.Copies = append(rec.Copies, manifest.PurgedCopy{Name: part.Copy, Store: part.Store})
			i = len(rec.Copies) - 1
		}
		pc := &rec.Copies[i]
		for _, d := range part.Deleted {
			switch {
			case d.DeleteMarker:
				pc.DeleteMarkers++
			case d.VersionID != "":
				pc.Versions++
			default:
				pc.Objects++
			}
			res.Deleted++
		}
	}
	res.RecordKey = manifest.RecordKey(p.s.man.Root(), p.in.ShardID, manifest.PurgeName)
	if err := p.s.man.WriteJSON(ctx, res.RecordKey, rec); err != nil {
		return PurgeResult{}, err
	}
	return res, nil
}
