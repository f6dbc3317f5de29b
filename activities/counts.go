package activities

import (
	"context"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
)

// maxFailedKeys bounds CopyBatchResult.FailedKeys.
const maxFailedKeys = 20

// maxProblemKeys bounds the key lists of verification results.
const maxProblemKeys = 100

// add counts one record.
func (c *Counts) add(r engine.Result) {
	c.Objects++
	c.Bytes += r.Size
	c.BytesSent += r.BytesSent
	switch r.Outcome {
	case engine.Copied:
		c.Copied++
	case engine.Skipped:
		c.Skipped++
	case engine.Excluded:
		c.Excluded++
	case engine.SourceGone:
		c.SourceGone++
	case engine.UnsupportedName:
		c.UnsupportedName++
	case engine.Archived:
		c.Archived++
	case engine.Failed:
		c.Failed++
	}
	if r.SourceCheck == engine.SourceCheckNone {
		c.SourceUnchecked++
	}
}

// Add returns the sum of c and o.
func (c Counts) Add(o Counts) Counts {
	return Counts{
		Objects: c.Objects + o.Objects, Bytes: c.Bytes + o.Bytes, Copied: c.Copied + o.Copied,
		Skipped: c.Skipped + o.Skipped, Excluded: c.Excluded + o.Excluded, SourceGone: c.SourceGone + o.SourceGone,
		UnsupportedName: c.UnsupportedName + o.UnsupportedName, Archived: c.Archived + o.Archived,
		Failed: c.Failed + o.Failed, BytesSent: c.BytesSent + o.BytesSent, BytesResent: c.BytesResent + o.BytesResent,
		SourceUnchecked: c.SourceUnchecked + o.SourceUnchecked,
	}
}

func appendLimited(keys []string, key string, limit int) []string {
	if len(keys) < limit {
		return append(keys, key)
	}
	return keys
}

// entry adds (sign 1) or removes (sign -1) one manifest entry's share of
// the shard's counts: one object, its bytes and its outcome. BytesSent and
// BytesResent are flows, never taken from a stored entry.
func (c *Counts) entry(r engine.Result, sign int64) {
	c.Objects += sign
	c.Bytes += sign * r.Size
	switch r.Outcome {
	case engine.Copied:
		c.Copied += sign
	case engine.Skipped:
		c.Skipped += sign
	case engine.Excluded:
		c.Excluded += sign
	case engine.SourceGone:
		c.SourceGone += sign
	case engine.UnsupportedName:
		c.UnsupportedName += sign
	case engine.Archived:
		c.Archived += sign
	case engine.Failed:
		c.Failed += sign
	}
}

// net adds the change of the shard's counts when rec replaces old (nil:
// a key new to the shard) in the merged manifest: the new entry minus the
// one it replaces, so that Objects changes only for keys new to the
// shard. sent is what this activity sent for rec (BytesSent).
func (c *Counts) net(old *manifest.Entry, rec manifest.Entry, sent int64) {
	if old != nil {
		c.entry(old.Result, -1)
	}
	c.entry(rec.Result, 1)
	c.BytesSent += sent
}

// ManifestCounts returns the shard's counts as its merged manifest states
// them (one object per key ever recorded, deletions included with the
// outcome they had; BytesSent and BytesResent zero), streaming. The counts
// of every CopyBatch, DeltaRound and Recopy of a shard add up to these.
func ManifestCounts(ctx context.Context, ms *manifest.Store, shardID string) (Counts, error) {
	r, err := ms.Open(ctx, shardID, manifest.ReadOptions{})
	if err != nil {
		return Counts{}, err
	}
	var c Counts
	for {
		e, ok, err := r.Next()
		if err != nil || !ok {
			return c, err
		}
		c.entry(e.Result, 1)
	}
}
