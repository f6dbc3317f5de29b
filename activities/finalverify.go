package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/store"
)

// Bounds of the final verification's lists.
const (
	// maxRecordProblems bounds the problems kept in final-verify.json
	// (the record counts the ones left out).
	maxRecordProblems = 1000
	// maxRepairKeys bounds FinalVerifyResult.RepairKeys.
	maxRepairKeys = 1000
	// maxKeptDeleted bounds manifest.FinalVerifyRecord.KeptDeleted.
	maxKeptDeleted = 1000
	// finalVerifyParts names the parts of the final verification's
	// findings (final-verify-pNNNN.json).
	finalVerifyParts = "final-verify"
)

// FinalVerify runs the full verification over the complete final source
// listing, after the freeze and the final delta, as a merge join of the
// source listing, the merged manifests and the destination listing, all
// in key order:
//   - no in-scope source object modified after in.FrozenAt;
//   - nothing missing: every in-scope source object has a manifest entry
//     copied or skipped from that very source version (ETag and size);
//   - every SHA-256 equal: each destination object is re-read, hashed and
//     compared with the SHA-256 recorded while reading the source;
//   - nothing extra at the destination under the prefix, except keys
//     recorded as deleted at the source under the keep policy.
//
// An object is in scope if the plan's filters admit it or it has a copy
// (a present merged entry). A key the filters exclude that has an object
// at the destination is a problem, never skipped: that object would be
// served after cutover.
//
// It heartbeats its watermark, counters and the checks finished in the
// chunk in flight; a retry (inside the freeze) resumes after the
// watermark and does not re-hash what is verified. It writes
// final-verify.json (at most 1000 problems, and how many were left out)
// and returns OK=false with the counts, at most 100 problem keys and at
// most 1000 repairable keys when any check fails.
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
	t, err := a.track(ctx, s, in.Shard.ShardID, finalVerifyParts+"@"+in.FrozenAt.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return FinalVerifyResult{}, err
	}
	defer t.close()
	f := &finalVerify{a: a, s: s, in: in, t: t, filters: s.plan.Sources.Primary.Filters}
	res, err := f.run(ctx)
	if err != nil {
		return FinalVerifyResult{}, activityError(err)
	}
	logger(ctx).Info("final verification", "shard", in.Shard.ShardID, "ok", res.OK, "objects", res.Objects,
		"missing", res.Missing, "extra", res.Extra, "mismatched", res.Mismatched, "modifiedAfterFreeze", res.ModifiedAfter,
		"repairable", res.Repairable)
	return res, nil
}

// finding is one problem or kept deletion of the final verification, as
// stored in its parts.
type finding struct {
	Key     string `json:"key"`
	Problem string `json:"problem,omitempty"`
	// Listed: among the problems kept in the record; Repair: among the
	// result's RepairKeys; Kept: a key deleted at the source and kept
	// under the keep policy (among the record's KeptDeleted).
	Listed bool `json:"listed,omitempty"`
	Repair bool `json:"repair,omitempty"`
	Kept   bool `json:"kept,omitempty"`
}

type finalVerify struct {
	a       *Activities
	s       *session
	in      FinalVerifyInput
	t       *tracker
	start   time.Time
	filters plan.Filters
}

// fvChunk is the work and findings of one chunk.
type fvChunk struct {
	base     map[string]int64 // the committed tally
	tally    map[string]int64
	findings []finding
	verify   []engine.Result
}

func (c *fvChunk) count(name string) int64 { return c.base[name] + c.tally[name] }

// problem counts a problem under kind (missing, mismatched, extra,
// modifiedAfter), and keeps it if the lists have room.
func (c *fvChunk) problem(kind, key, why string, repairable bool) {
	c.tally[kind]++
	c.tally["problems"]++
	f := finding{Key: key, Problem: why}
	if c.count("listed") < maxRecordProblems {
		f.Listed = true
		c.tally["listed"]++
	}
	if repairable {
		c.tally["repairable"]++
		if c.count("repairListed") < maxRepairKeys {
			f.Repair = true
			c.tally["repairListed"]++
		}
	}
	if f.Listed || f.Repair {
		c.findings = append(c.findings, f)
	}
}

func (c *fvChunk) kept(key string) {
	c.tally["keptDeleted"]++
	if c.count("keptListed") < maxKeptDeleted {
		c.tally["keptListed"]++
		c.findings = append(c.findings, finding{Key: key, Kept: true})
	}
}

func (f *finalVerify) run(ctx context.Context) (FinalVerifyResult, error) {
	shardID := f.in.Shard.ShardID
	if !f.t.retry {
		if err := f.s.man.DeleteParts(ctx, shardID, finalVerifyParts, 0); err != nil {
			return FinalVerifyResult{}, err
		}
	}
	startAt, err := f.s.man.StartAt(ctx, shardID)
	if err != nil {
		return FinalVerifyResult{}, err
	}
	f.start = startAt
	if f.start.IsZero() {
		f.start = f.in.FrozenAt
	}
	st := f.t.state()
	reader, err := f.s.man.Open(ctx, shardID, manifest.ReadOptions{StartAfter: st.Watermark})
	if err != nil {
		return FinalVerifyResult{}, err
	}
	j := &join{src: store.NewLister(f.s.stores.Source, f.in.Shard.Prefix, st.Watermark),
		dst: store.NewLister(f.s.stores.Destination, f.in.Shard.Prefix, st.Watermark), man: reader, obs: f.s.eng.Observer()}
	c := f.newChunk()
	scanned, last := 0, st.Watermark
	for {
		p, ok, err := j.next(ctx)
		if err != nil {
			return FinalVerifyResult{}, fmt.Errorf("final verify: list %s at the source and destination and read the manifests: %w", f.in.Shard.Prefix, err)
		}
		if !ok {
			break
		}
		last = p.key
		scanned++
		f.classify(p, c)
		if len(c.verify) >= f.a.chunk || scanned >= f.a.chunk*scanFactor {
			if err := f.chunk(ctx, c, last); err != nil {
				return FinalVerifyResult{}, err
			}
			c, scanned = f.newChunk(), 0
		}
	}
	if err := f.chunk(ctx, c, last); err != nil {
		return FinalVerifyResult{}, err
	}
	if err := f.s.man.DeleteParts(ctx, shardID, finalVerifyParts, f.t.state().Parts); err != nil {
		return FinalVerifyResult{}, err
	}
	return f.record(ctx)
}

func (f *finalVerify) newChunk() *fvChunk {
	return &fvChunk{base: f.t.state().Tally, tally: map[string]int64{}}
}

// classify checks one key of the join, leaving full verifications to the
// chunk.
func (f *finalVerify) classify(p joined, c *fvChunk) {
	e := p.ent
	if p.src == nil {
		if p.dst == nil {
			return
		}
		if e != nil && e.Deleted == manifest.DeletedKept {
			c.kept(p.key)
			return
		}
		c.problem("extra", p.key, "at the destination but not at the source (and not recorded as deleted under the keep policy)", false)
		return
	}
	o := p.src
	admitted, why := f.filters.Admit(o.Key, o.LastModified, f.start)
	if !admitted && (e == nil || !e.Present()) {
		if p.dst != nil {
			c.problem("mismatched", p.key, fmt.Sprintf("excluded by the plan's filters (%s), yet an object is at the destination, which cutover would serve: a copy of another version, or not this migration's", why), true)
		}
		return
	}
	c.tally["objects"]++
	if o.LastModified.After(f.in.FrozenAt) {
		c.problem("modifiedAfter", p.key, fmt.Sprintf("modified at the source at %s, after the freeze at %s",
			o.LastModified.UTC().Format(time.RFC3339), f.in.FrozenAt.UTC().Format(time.RFC3339)), false)
		return
	}
	switch {
	case e == nil || e.Deleted != "":
		c.problem("missing", p.key, "not in any manifest: never copied", true)
	case !e.Present():
		repairable := e.Outcome != engine.UnsupportedName && e.Outcome != engine.Archived
		c.problem("missing", p.key, fmt.Sprintf("not at the destination: %s %s", e.Outcome, e.Error), repairable)
	case e.SourceETag != o.ETag || e.Size != o.Size:
		c.problem("mismatched", p.key, fmt.Sprintf("the copy is of another source version (ETag %s size %d; the source has ETag %s size %d)",
			e.SourceETag, e.Size, o.ETag, o.Size), true)
	case p.dst == nil:
		c.problem("missing", p.key, "missing at the destination", true)
	default:
		c.verify = append(c.verify, e.Result)
	}
}

// chunk re-hashes the chunk's objects at the destination, then writes its
// findings as the next part and moves the watermark to last.
func (f *finalVerify) chunk(ctx context.Context, c *fvChunk, last string) error {
	st := f.t.state()
	if last == st.Watermark {
		return nil
	}
	for _, ch := range f.a.verifyChunk(ctx, f.s, f.t, f.s.stores.Destination, c.verify, engine.Full) {
		switch {
		case ch.OK:
		case ch.Class == store.Retryable:
			if err := ctx.Err(); err != nil {
				return err
			}
			return fmt.Errorf("final verify %q: %s (the retry resumes after %q)", ch.Key, ch.Problem, st.Watermark)
		case ch.Missing:
			c.problem("missing", ch.Key, ch.Problem, true)
		default:
			c.problem("mismatched", ch.Key, ch.Problem, true)
		}
	}
	slices.SortStableFunc(c.findings, func(a, b finding) int { return strings.Compare(a.Key, b.Key) })
	if len(c.findings) > 0 {
		key := manifest.PartKey(f.s.man.Root(), f.in.Shard.ShardID, finalVerifyParts, st.Parts)
		if err := f.s.man.WriteJSON(ctx, key, c.findings); err != nil {
			return err
		}
	}
	return f.t.commit(last, func(p *Progress) {
		if len(c.findings) > 0 {
			p.Parts++
		}
		for k, v := range c.tally {
			p.Tally[k] += v
		}
	})
}

// record writes final-verify.json from the counters and the stored
// findings, and returns the result.
func (f *finalVerify) record(ctx context.Context) (FinalVerifyResult, error) {
	st := f.t.state()
	tl := st.Tally
	rec := manifest.FinalVerifyRecord{MigrationID: f.s.plan.ID, ShardID: f.in.Shard.ShardID, Prefix: f.in.Shard.Prefix,
		FrozenAt: f.in.FrozenAt.UTC().Format(time.RFC3339Nano), ProblemsOmitted: tl["problems"] - tl["listed"],
		KeptDeletedCount: tl["keptDeleted"]}
	res := &FinalVerifyResult{}
	res.Objects, res.Missing, res.Extra = tl["objects"], tl["missing"], tl["extra"]
	res.Mismatched, res.ModifiedAfter, res.Repairable = tl["mismatched"], tl["modifiedAfter"], tl["repairable"]
	for n := range st.Parts {
		var fs []finding
		if err := f.s.man.ReadJSON(ctx, manifest.PartKey(f.s.man.Root(), f.in.Shard.ShardID, finalVerifyParts, n), &fs); err != nil {
			return FinalVerifyResult{}, err
		}
		for _, x := range fs {
			if x.Listed {
				rec.Problems = append(rec.Problems, manifest.Problem{Key: x.Key, Problem: x.Problem})
				res.ProblemKeys = appendLimited(res.ProblemKeys, x.Key, maxProblemKeys)
			}
			if x.Repair {
				res.RepairKeys = append(res.RepairKeys, x.Key)
			}
			if x.Kept {
				rec.KeptDeleted = append(rec.KeptDeleted, x.Key)
			}
		}
	}
	res.OK = res.Missing == 0 && res.Extra == 0 && res.Mismatched == 0 && res.ModifiedAfter == 0
	res.RecordKey = manifest.FinalVerifyKey(f.s.man.Root(), f.in.Shard.ShardID, f.in.Freeze)
	rec.Result = manifest.FinalVerifyCounts{OK: res.OK, Objects: res.Objects, Missing: res.Missing, Extra: res.Extra,
		Mismatched: res.Mismatched, ModifiedAfter: res.ModifiedAfter, Repairable: res.Repairable}
	if err := f.s.man.WriteJSON(ctx, res.RecordKey, rec); err != nil {
		return FinalVerifyResult{}, err
	}
	return *res, nil
}
