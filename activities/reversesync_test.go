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
	"github.com/ocimove/ocimove/internal/store"
)

// A deletion made at the destination since cutover is replayed at the
// source by the reverse sync, and recorded; a key deleted at the
// destination whose source object changed since the copy is not deleted
// and fails, naming why.
func TestReverseSyncReplaysDeletions(t *testing.T) {
	f := newFixture(t)
	keys := f.seed(t, 4, 500)
	f.copyAll(t, 10)
	ctx := context.Background()
	cutoverAt := time.Now()
	require.NoError(t, f.dst.Delete(ctx, keys[1])) // the application deleted it after cutover
	require.NoError(t, f.dst.Delete(ctx, keys[2]))
	put(t, f.src, keys[2], []byte("changed at the source behind the migration's back"))

	v, err := f.actEnv().ExecuteActivity(activities.ReverseSyncName, activities.ReverseSyncInput{Shard: f.ref, CutoverAt: cutoverAt})
	require.NoError(t, err)
	var res activities.ReverseSyncResult
	require.NoError(t, v.Get(&res))
	_, err = f.src.Head(ctx, keys[1])
	assert.ErrorIs(t, err, store.ErrNotFound, "the deletion is replayed at the source")
	_, err = f.src.Head(ctx, keys[2])
	assert.NoError(t, err, "a source object changed since the copy is not deleted")
	for _, k := range []string{keys[0], keys[3]} {
		_, err = f.src.Head(ctx, k)
		assert.NoError(t, err, k)
	}
	assert.EqualValues(t, 1, res.Deleted) // new API
	assert.EqualValues(t, 1, res.Failed)  // new API
	assert.Zero(t, res.Copied)            // new API

	var rec manifest.ReverseSyncRecord                                                                                       // new API
	ms, err := manifest.New(f.dst, f.plan.Destination.ManifestPrefix, f.plan.AllowedRegion)                                  // new API
	require.NoError(t, err)                                                                                                  // new API
	require.NoError(t, ms.ReadJSON(ctx, res.ManifestKey, &rec))                                                              // new API
	require.Equal(t, 1, rec.Parts)                                                                                           // new API
	part, err := ms.ReadManifest(ctx, manifest.PartKey(f.plan.Destination.ManifestPrefix, f.ref.ShardID, "reverse-sync", 0)) // new API
	require.NoError(t, err)                                                                                                  // new API
	require.Len(t, part.Entries, 2)                                                                                          // new API
	assert.Equal(t, manifest.DeletedRemoved, part.Entries[0].Deleted)                                                        // new API
	assert.Equal(t, engine.Failed, part.Entries[1].Outcome)                                                                  // new API
	assert.Contains(t, part.Entries[1].Error, "another version")                                                             // new API
}
