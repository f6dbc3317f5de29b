package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
)

// countsOf computes a shard's counts from its merged manifest: one object
// per key recorded, its bytes and its outcome (no byte flows).
func countsOf(m *manifest.Merged) activities.Counts {
	var c activities.Counts
	for _, e := range m.Entries {
		c.Objects++
		c.Bytes += e.Size
		switch e.Outcome {
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
	}
	return c
}

func withoutFlows(c activities.Counts) activities.Counts {
	c.BytesSent, c.BytesResent = 0, 0
	return c
}

// The shard's status adds up the counts of its batches, delta rounds and
// re-copies. Objects re-copied in delta rounds (changed twice), a new
// object, a deleted one, an excluded one and a re-copy must leave that sum
// equal to the counts of the merged manifest, not count an object once
// per copy.
func TestDeltaCountsKeepShardCountsEqualToManifest(t *testing.T) {
	f := newFixture(t, func(p *planT) { p.Sources.Primary.Filters.Exclude = []string{"**/*.tmp"} })
	keys := f.seed(t, 6, 800)
	ctx := context.Background()
	env := f.actEnv()
	var total activities.Counts
	cursor := ""
	for batch := 1; ; batch++ {
		v, err := env.ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{
			Shard: f.ref, Batch: batch, Cursor: cursor, Limit: 4, StartAt: time.Now()})
		require.NoError(t, err)
		var res activities.CopyBatchResult
		require.NoError(t, v.Get(&res))
		total = total.Add(res.Counts)
		cursor = res.NextCursor
		if res.Done {
			break
		}
	}
	delta := func(round int) {
		v, err := env.ExecuteActivity(activities.DeltaRoundName, activities.DeltaInput{Shard: f.ref, Round: round})
		require.NoError(t, err)
		var res activities.DeltaResult
		require.NoError(t, v.Get(&res))
		total = total.Add(res.Counts)
	}
	put(t, f.src, keys[1], randomBytes(t, 900))
	put(t, f.src, keys[2], randomBytes(t, 1000))
	put(t, f.src, "s/new", []byte("a new object"))
	put(t, f.src, "s/scratch.tmp", []byte("excluded"))
	require.NoError(t, f.src.Delete(ctx, keys[5]))
	delta(1)
	put(t, f.src, keys[1], randomBytes(t, 950)) // changed again
	delta(2)
	v, err := env.ExecuteActivity(activities.RecopyName, activities.RecopyInput{Shard: f.ref, Keys: []string{keys[0], keys[2]}, Round: 1})
	require.NoError(t, err)
	var rc activities.RecopyResult
	require.NoError(t, v.Get(&rc))
	total = total.Add(rc.Counts)
	delta(3)

	ms, err := manifest.New(f.dst, f.plan.Destination.ManifestPrefix, f.plan.AllowedRegion)
	require.NoError(t, err)
	merged, err := ms.Merge(ctx, f.ref.ShardID)
	require.NoError(t, err)
	want := countsOf(merged)
	assert.EqualValues(t, 8, want.Objects, "6 seeded, one new, one excluded")
	assert.EqualValues(t, 7, want.Copied, "a re-copied object is not taken for changed by the next round")
	assert.Equal(t, want, withoutFlows(total), "the sum of the activities' counts is the manifest's")
	fromReader, err := activities.ManifestCounts(ctx, ms, f.ref.ShardID) // new API
	require.NoError(t, err)                                              // new API
	assert.Equal(t, want, fromReader)                                    // new API
}
