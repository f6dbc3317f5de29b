package manifest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

func allow(regions ...string) func(string) bool {
	return func(r string) bool {
		for _, a := range regions {
			if a == r {
				return true
			}
		}
		return false
	}
}

func TestWriteIsIdempotentAndMergeKeepsLatest(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	st := env.OCIStore(t, env.Bucket("m"), nil)
	ms, err := manifest.New(st, "_migrations/m1/", allow(testenv.OCIRegion))
	require.NoError(t, err)
	ctx := context.Background()

	b1 := &manifest.Manifest{Kind: manifest.KindBatch, ShardID: "sh", Seq: 1, Entries: []manifest.Entry{
		{Result: engine.Result{Key: "a", Size: 1, Outcome: engine.Copied, SHA256: "old"}},
		{Result: engine.Result{Key: "b", Size: 2, Outcome: engine.Copied}},
	}}
	key, err := ms.WriteManifest(ctx, b1)
	require.NoError(t, err)
	assert.Equal(t, "_migrations/m1/sh/batch-00001.json", key)
	_, err = ms.WriteManifest(ctx, b1) // same content
	require.NoError(t, err)
	b2 := &manifest.Manifest{Kind: manifest.KindBatch, ShardID: "sh", Seq: 2, Entries: []manifest.Entry{
		{Result: engine.Result{Key: "c", Size: 3, Outcome: engine.Copied}}}}
	_, err = ms.WriteManifest(ctx, b2)
	require.NoError(t, err)
	d1 := &manifest.Manifest{Kind: manifest.KindDelta, ShardID: "sh", Seq: 1, Entries: []manifest.Entry{
		{Result: engine.Result{Key: "a", Size: 1, Outcome: engine.Copied, SHA256: "new"}},
		{Result: engine.Result{Key: "b", Size: 2, Outcome: engine.Copied}, Deleted: manifest.DeletedRemoved}}}
	_, err = ms.WriteManifest(ctx, d1)
	require.NoError(t, err)
	// A retried batch with other content replaces its manifest.
	b2.Entries[0].SHA256 = "c-sum"
	_, err = ms.WriteManifest(ctx, b2)
	require.NoError(t, err)

	m, err := ms.Merge(ctx, "sh")
	require.NoError(t, err)
	assert.Equal(t, 3, m.Manifests)
	assert.Equal(t, "new", m.Entries["a"].SHA256, "the delta overrides the batch")
	assert.Equal(t, manifest.DeletedRemoved, m.Entries["b"].Deleted)
	assert.False(t, m.Entries["b"].Present())
	assert.Equal(t, "c-sum", m.Entries["c"].SHA256)
	sorted := m.Sorted()
	require.Len(t, sorted, 3)
	assert.Equal(t, "a", sorted[0].Key)
}

func TestResidencyRefusesManifestWrites(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	st := env.OCIStore(t, env.Bucket("m"), nil)
	ms, err := manifest.New(st, "_migrations/m1/", allow("eu-frankfurt-1"))
	require.NoError(t, err)
	err = ms.WriteJSON(context.Background(), "_migrations/m1/plan.json", map[string]string{"a": "b"})
	require.ErrorIs(t, err, manifest.ErrResidency)
	assert.Contains(t, err.Error(), testenv.OCIRegion)
	_, err = st.Head(context.Background(), "_migrations/m1/plan.json")
	assert.ErrorIs(t, err, store.ErrNotFound)

	// Keys outside the prefix and bad roots are refused.
	ok, err := manifest.New(st, "_migrations/m1/", allow(testenv.OCIRegion))
	require.NoError(t, err)
	assert.Error(t, ok.WriteJSON(context.Background(), "users/x.json", 1))
	_, err = manifest.New(st, "no-slash", allow(testenv.OCIRegion))
	assert.Error(t, err)
}
