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
	"github.com/ocimove/ocimove/internal/plan"
)

// An object copied under an age filter and modified during catch-up is
// now "too young" for the filter, but its old copy is at the destination:
// the delta round copies it again instead of recording it excluded.
func TestDeltaRoundRecopiesModifiedObjectUnderAgeFilter(t *testing.T) {
	f := newFixture(t, func(p *planT) { p.Sources.Primary.Filters.MinAge = plan.Duration(3 * time.Second) })
	keys := f.seed(t, 2, 500)
	ctx := context.Background()
	info, err := f.src.Head(ctx, keys[0])
	require.NoError(t, err)
	// The plan starts 5 s after the objects were written: both are old enough.
	startAt := info.LastModified.Add(5 * time.Second)
	v, err := f.actEnv().ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{Shard: f.ref, Batch: 1, Limit: 10, StartAt: startAt})
	require.NoError(t, err)
	var cb activities.CopyBatchResult
	require.NoError(t, v.Get(&cb))
	require.EqualValues(t, 2, cb.Counts.Copied)

	// Modified 3 s or more after, it is younger than the filter's 3 s at the plan's start.
	time.Sleep(time.Until(info.LastModified.Add(3*time.Second + 100*time.Millisecond)))
	changed := randomBytes(t, 700)
	put(t, f.src, keys[0], changed)

	v, err = f.actEnv().ExecuteActivity(activities.DeltaRoundName, activities.DeltaInput{Shard: f.ref, Round: 1})
	require.NoError(t, err)
	var dr activities.DeltaResult
	require.NoError(t, v.Get(&dr))
	assert.EqualValues(t, 1, dr.Modified, "the changed object is copied again")
	assert.Zero(t, dr.Counts.Excluded)
	got, err := f.dst.Head(ctx, keys[0])
	require.NoError(t, err)
	assert.EqualValues(t, 700, got.Size, "the destination holds the new version")
	ms, err := manifest.New(f.dst, f.plan.Destination.ManifestPrefix, f.plan.AllowedRegion)
	require.NoError(t, err)
	merged, err := ms.Merge(ctx, f.ref.ShardID)
	require.NoError(t, err)
	assert.Equal(t, engine.Copied, merged.Entries[keys[0]].Outcome)

	fv := f.finalVerify(t, time.Now().Add(time.Second))
	assert.True(t, fv.OK, "%+v", fv)
}

// A key recorded excluded (as older versions recorded a changed object
// under an age filter) whose old copy is still at the destination is a
// problem for the final verification, named and repairable: cutover would
// serve the stale copy.
func TestFinalVerifyNamesExcludedKeyWithDestinationObject(t *testing.T) {
	f := newFixture(t, func(p *planT) { p.Sources.Primary.Filters.MinAge = plan.Duration(3 * time.Second) })
	keys := f.seed(t, 2, 500)
	ctx := context.Background()
	info, err := f.src.Head(ctx, keys[0])
	require.NoError(t, err)
	_, err = f.actEnv().ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{Shard: f.ref, Batch: 1, Limit: 10,
		StartAt: info.LastModified.Add(5 * time.Second)})
	require.NoError(t, err)
	time.Sleep(time.Until(info.LastModified.Add(3*time.Second + 100*time.Millisecond)))
	put(t, f.src, keys[0], randomBytes(t, 600)) // changed, now too young for the filter
	o, err := f.src.Head(ctx, keys[0])
	require.NoError(t, err)
	ms, err := manifest.New(f.dst, f.plan.Destination.ManifestPrefix, f.plan.AllowedRegion)
	require.NoError(t, err)
	_, err = ms.WriteManifest(ctx, &manifest.Manifest{Kind: manifest.KindDelta, ShardID: f.ref.ShardID, Seq: 1, Written: time.Now(),
		Entries: []manifest.Entry{{Result: engine.Result{Key: keys[0], Size: o.Size, SourceETag: o.ETag, SourceMTime: o.LastModified,
			Outcome: engine.Excluded, Error: plan.ExcludedTooYoung}}}})
	require.NoError(t, err)

	fv := f.finalVerify(t, time.Now().Add(time.Second))
	assert.False(t, fv.OK, "the stale copy of %s must not be cut over", keys[0])
	assert.Equal(t, []string{keys[0]}, fv.ProblemKeys)
	assert.EqualValues(t, 1, fv.Mismatched)
	assert.Equal(t, []string{keys[0]}, fv.RepairKeys, "a re-copy from the frozen source repairs it") // new API
}

func (f *fixture) finalVerify(t *testing.T, frozenAt time.Time) activities.FinalVerifyResult {
	t.Helper()
	v, err := f.actEnv().ExecuteActivity(activities.FinalVerifyName, activities.FinalVerifyInput{Shard: f.ref, FrozenAt: frozenAt})
	require.NoError(t, err)
	var res activities.FinalVerifyResult
	require.NoError(t, v.Get(&res))
	return res
}
