package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
)

func TestVerifyFindsBitFlipInFullModeAndRecopyRepairs(t *testing.T) {
	f := newFixture(t)
	keys := f.seed(t, 5, 4000)
	batches := f.copyAll(t, 3)
	env := f.actEnv()

	verify := func(mode string) activities.VerifyResult {
		v, err := env.ExecuteActivity(activities.VerifyShardName, activities.VerifyInput{Shard: f.ref, Mode: mode, Batches: batches})
		require.NoError(t, err)
		var res activities.VerifyResult
		require.NoError(t, v.Get(&res))
		return res
	}
	res := verify("full")
	assert.EqualValues(t, 5, res.Checked)
	assert.Zero(t, res.Mismatches)

	// Corruption at rest: reads of k02 come back with one bit flipped.
	f.env.OCI.Faults().Set(faults.Rule{Op: "get", KeyPrefix: keys[2], FlipBit: 100})
	quick := verify("quick")
	assert.Zero(t, quick.Mismatches, "quick verification is blind to corruption at rest")
	full := verify("full")
	assert.EqualValues(t, 1, full.Mismatches)
	assert.Equal(t, []string{keys[2]}, full.MismatchKeys)
	var rec manifest.VerifyRecord
	ms, err := manifest.New(f.dst, f.plan.Destination.ManifestPrefix, f.plan.AllowedRegion)
	require.NoError(t, err)
	require.NoError(t, ms.ReadJSON(context.Background(), full.RecordKey, &rec))
	require.Len(t, rec.Problems, 1)
	assert.Contains(t, rec.Problems[0].Problem, "SHA-256")

	f.env.OCI.Faults().Clear()
	v, err := env.ExecuteActivity(activities.RecopyName, activities.RecopyInput{Shard: f.ref, Keys: full.MismatchKeys, Round: 1})
	require.NoError(t, err)
	var rc activities.RecopyResult
	require.NoError(t, v.Get(&rc))
	// The re-copy is recorded as copied; its Counts are the net change of
	// the shard's counts: one copied entry replaced by another.
	m, err := ms.ReadManifest(context.Background(), rc.ManifestKey)
	require.NoError(t, err)
	require.Len(t, m.Entries, 1)
	assert.Equal(t, engine.Copied, m.Entries[0].Outcome)
	assert.Zero(t, rc.Counts.Copied)
	assert.Zero(t, rc.Counts.Objects)
	assert.EqualValues(t, 4000, rc.Counts.BytesSent)
	assert.Zero(t, verify("full").Mismatches)
}

func TestDeltaRoundPicksUpNewChangedDeleted(t *testing.T) {
	for _, policy := range []plan.DeletePolicy{plan.DeletesDelete, plan.DeletesKeep} {
		t.Run(string(policy), func(t *testing.T) {
			f := newFixture(t, func(p *planT) { p.Delta.Deletes = policy })
			keys := f.seed(t, 4, 1000)
			f.copyAll(t, 10)
			ctx := context.Background()
			put(t, f.src, "s/new", []byte("new object"))
			put(t, f.src, keys[1], randomBytes(t, 1200)) // changed
			require.NoError(t, f.src.Delete(ctx, keys[3]))

			env := f.actEnv()
			round := func(n int) activities.DeltaResult {
				v, err := env.ExecuteActivity(activities.DeltaRoundName, activities.DeltaInput{Shard: f.ref, Round: n})
				require.NoError(t, err)
				var res activities.DeltaResult
				require.NoError(t, v.Get(&res))
				return res
			}
			r1 := round(1)
			assert.EqualValues(t, 1, r1.New)
			assert.EqualValues(t, 1, r1.Modified)
			assert.EqualValues(t, 1, r1.Deleted)
			assert.EqualValues(t, 3, r1.Changed)
			// Counts are the net change of the shard's counts: the new
			// object adds one copied object; the changed one replaces a
			// copied entry with another; the deletion keeps its entry.
			assert.EqualValues(t, 1, r1.Counts.Copied)
			assert.EqualValues(t, 1, r1.Counts.Objects)
			assert.EqualValues(t, len("new object")+1200, r1.Counts.BytesSent)

			info, err := f.dst.Head(ctx, keys[1])
			require.NoError(t, err)
			assert.EqualValues(t, 1200, info.Size, "the changed object is copied again")
			_, err = f.dst.Head(ctx, keys[3])
			if policy == plan.DeletesDelete {
				assert.ErrorIs(t, err, store.ErrNotFound)
			} else {
				assert.NoError(t, err, "kept at the destination")
			}
			ms, err := manifest.New(f.dst, f.plan.Destination.ManifestPrefix, f.plan.AllowedRegion)
			require.NoError(t, err)
			merged, err := ms.Merge(ctx, f.ref.ShardID)
			require.NoError(t, err)
			want := manifest.DeletedRemoved
			if policy == plan.DeletesKeep {
				want = manifest.DeletedKept
			}
			assert.Equal(t, want, merged.Entries[keys[3]].Deleted)

			r2 := round(2)
			assert.Zero(t, r2.Changed, "a second round without source changes finds none")

			// The final verification accepts a key deleted under keep.
			v, err := env.ExecuteActivity(activities.FinalVerifyName, activities.FinalVerifyInput{Shard: f.ref, FrozenAt: time.Now().Add(time.Second)})
			require.NoError(t, err)
			var fv activities.FinalVerifyResult
			require.NoError(t, v.Get(&fv))
			assert.True(t, fv.OK, "%+v", fv)
			assert.EqualValues(t, 4, fv.Objects)
		})
	}
}

func TestFinalVerifyRefusesModifiedAfterFreezeAndMissing(t *testing.T) {
	f := newFixture(t)
	keys := f.seed(t, 4, 1000)
	f.copyAll(t, 10)
	env := f.actEnv()
	final := func(frozenAt time.Time) activities.FinalVerifyResult {
		v, err := env.ExecuteActivity(activities.FinalVerifyName, activities.FinalVerifyInput{Shard: f.ref, FrozenAt: frozenAt})
		require.NoError(t, err)
		var res activities.FinalVerifyResult
		require.NoError(t, v.Get(&res))
		return res
	}
	ok := final(time.Now().Add(time.Second))
	require.True(t, ok.OK, "%+v", ok)
	assert.EqualValues(t, 4, ok.Objects)

	// A write after the freeze.
	put(t, f.src, keys[0], randomBytes(t, 1000))
	info, err := f.src.Head(context.Background(), keys[0])
	require.NoError(t, err)
	res := final(info.LastModified.Add(-time.Nanosecond))
	assert.False(t, res.OK)
	assert.GreaterOrEqual(t, res.ModifiedAfter, int64(1))
	assert.Contains(t, res.ProblemKeys, keys[0])

	// A source object never copied is missing.
	put(t, f.src, "s/late", []byte("late"))
	res = final(time.Now().Add(time.Second))
	assert.False(t, res.OK)
	assert.EqualValues(t, 1, res.Missing)
	assert.EqualValues(t, 1, res.Mismatched, "k00 at the destination is of the old source version")
	assert.ElementsMatch(t, []string{keys[0], "s/late"}, res.ProblemKeys)

	// A destination object lost.
	f2 := newFixture(t)
	k2 := f2.seed(t, 2, 500)
	f2.copyAll(t, 10)
	require.NoError(t, f2.dst.Delete(context.Background(), k2[1]))
	v, err := f2.actEnv().ExecuteActivity(activities.FinalVerifyName, activities.FinalVerifyInput{Shard: f2.ref, FrozenAt: time.Now().Add(time.Second)})
	require.NoError(t, err)
	require.NoError(t, v.Get(&res))
	assert.False(t, res.OK)
	assert.EqualValues(t, 1, res.Missing)
	assert.Equal(t, []string{k2[1]}, res.ProblemKeys)
}

func TestRouting(t *testing.T) {
	f := newFixture(t)
	env := f.actEnv()
	v, err := env.ExecuteActivity(activities.RegisterRouteName, f.ref)
	require.NoError(t, err)
	var r routing.Route
	require.NoError(t, v.Get(&r))
	assert.Equal(t, routing.StateSource, r.State)

	change := activities.RouteInput{Shard: f.ref, To: routing.StateReadOnly, ExpectedVersion: 0, OperationID: "freeze-1", Actor: "test", Reason: "freeze"}
	v, err = env.ExecuteActivity(activities.SetRouteName, change)
	require.NoError(t, err)
	require.NoError(t, v.Get(&r))
	assert.EqualValues(t, 1, r.Version)

	// A retry after a lost response finds its own operation applied.
	v, err = env.ExecuteActivity(activities.SetRouteName, change)
	require.NoError(t, err)
	require.NoError(t, v.Get(&r))
	assert.EqualValues(t, 1, r.Version)

	// Another change with a stale version is a non-retryable conflict.
	_, err = env.ExecuteActivity(activities.SetRouteName, activities.RouteInput{Shard: f.ref, To: routing.StateDestination, ExpectedVersion: 0, OperationID: "cut-1"})
	requireAppErr(t, err, activities.ErrTypeVersionConflict, true)
	_, err = env.ExecuteActivity(activities.SetRouteName, activities.RouteInput{Shard: f.ref, To: "sideways", ExpectedVersion: 1, OperationID: "x"})
	requireAppErr(t, err, activities.ErrTypeInvalidChange, true)

	v, err = env.ExecuteActivity(activities.DrainAckedName, change)
	require.NoError(t, err)
	var acked bool
	require.NoError(t, v.Get(&acked))
	assert.False(t, acked)
	require.NoError(t, f.routes.AckDrain(context.Background(), f.ref.ShardID, "freeze-1"))
	v, err = env.ExecuteActivity(activities.DrainAckedName, change)
	require.NoError(t, err)
	require.NoError(t, v.Get(&acked))
	assert.True(t, acked)

	v, err = env.ExecuteActivity(activities.GetRouteName, f.ref)
	require.NoError(t, err)
	require.NoError(t, v.Get(&r))
	assert.Equal(t, routing.StateReadOnly, r.State)
}
