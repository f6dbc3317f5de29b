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
)

// The final verification names the keys a re-copy from the frozen source
// repairs (missing at the destination, never copied, corrupt, no SHA-256
// recorded, a copy of another source version) apart from those it cannot
// (modified after the freeze, extra at the destination); after a Recopy
// of them only the others remain.
func TestFinalVerifyRepairKeys(t *testing.T) {
	f := newFixture(t)
	keys := f.seed(t, 5, 700)
	f.copyAll(t, 10)
	ctx := context.Background()
	require.NoError(t, f.dst.Delete(ctx, keys[0]))    // lost at the destination
	put(t, f.src, keys[2], randomBytes(t, 710))       // changed before the freeze, not caught up
	put(t, f.src, "s/new", []byte("never copied"))    // new before the freeze, not caught up
	put(t, f.dst, "s/extra", []byte("not at source")) // extra at the destination
	ms, err := manifest.New(f.dst, f.plan.Destination.ManifestPrefix, f.plan.AllowedRegion)
	require.NoError(t, err)
	merged, err := ms.Merge(ctx, f.ref.ShardID)
	require.NoError(t, err)
	noSum := merged.Entries[keys[3]]
	noSum.SHA256 = "" // a skip recorded without a SHA-256
	_, err = ms.WriteManifest(ctx, &manifest.Manifest{Kind: manifest.KindRecopy, ShardID: f.ref.ShardID, Seq: 1, Written: time.Now(),
		Entries: []manifest.Entry{noSum}})
	require.NoError(t, err)
	time.Sleep(1100 * time.Millisecond) // mtimes have one-second resolution
	frozenAt := time.Now()
	time.Sleep(1100 * time.Millisecond)
	put(t, f.src, keys[4], randomBytes(t, 700))                                    // modified after the freeze
	f.env.OCI.Faults().Set(faults.Rule{Op: "get", KeyPrefix: keys[1], FlipBit: 9}) // corrupt at rest

	fv := f.finalVerify(t, frozenAt)
	assert.False(t, fv.OK)
	assert.Equal(t, []string{keys[0], keys[1], keys[2], keys[3], "s/new"}, fv.RepairKeys)
	assert.EqualValues(t, 5, fv.Repairable)
	assert.ElementsMatch(t, []string{keys[0], keys[1], keys[2], keys[3], keys[4], "s/extra", "s/new"}, fv.ProblemKeys)
	assert.EqualValues(t, 1, fv.ModifiedAfter)
	assert.EqualValues(t, 1, fv.Extra)
	var rec manifest.FinalVerifyRecord
	require.NoError(t, ms.ReadJSON(ctx, fv.RecordKey, &rec))
	assert.Len(t, rec.Problems, 7)
	assert.Zero(t, rec.ProblemsOmitted)

	f.env.OCI.Faults().Clear()
	v, err := f.actEnv().ExecuteActivity(activities.RecopyName, activities.RecopyInput{Shard: f.ref, Keys: fv.RepairKeys, Round: 2})
	require.NoError(t, err)
	var rc activities.RecopyResult
	require.NoError(t, v.Get(&rc))
	assert.Empty(t, rc.FailedKeys)
	assert.EqualValues(t, 1, rc.Counts.Objects, "s/new is new to the shard")

	fv = f.finalVerify(t, frozenAt)
	assert.False(t, fv.OK)
	assert.Empty(t, fv.RepairKeys)
	assert.ElementsMatch(t, []string{keys[4], "s/extra"}, fv.ProblemKeys)
	merged, err = ms.Merge(ctx, f.ref.ShardID)
	require.NoError(t, err)
	assert.Equal(t, engine.Copied, merged.Entries[keys[3]].Outcome)
	assert.Len(t, merged.Entries[keys[3]].SHA256, 64, "the re-copy, written after the rounds before it, wins")
}
