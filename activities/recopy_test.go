package activities_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/store"
)

func readObject(t *testing.T, st store.Store, key string) []byte {
	t.Helper()
	rc, _, err := st.Get(context.Background(), key, store.GetOptions{})
	require.NoError(t, err)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoError(t, err)
	return b
}

// Recopy never deletes or overwrites a destination object this migration
// did not write: the key fails with the reason, and the object stays.
// Its own copies it replaces.
func TestRecopyNeverOverwritesForeignObject(t *testing.T) {
	f := newFixture(t)
	keys := f.seed(t, 2, 600)
	f.copyAll(t, 10)
	foreign := []byte("written at the destination by the application")
	put(t, f.dst, keys[0], foreign)

	v, err := f.actEnv().ExecuteActivity(activities.RecopyName, activities.RecopyInput{Shard: f.ref, Keys: []string{keys[0], keys[1]}, Round: 1})
	require.NoError(t, err)
	var res activities.RecopyResult
	require.NoError(t, v.Get(&res))
	assert.Equal(t, []string{keys[0]}, res.FailedKeys)
	assert.True(t, bytes.Equal(foreign, readObject(t, f.dst, keys[0])), "the foreign object is untouched")
	assert.Equal(t, readObject(t, f.src, keys[1]), readObject(t, f.dst, keys[1]), "its own copy is replaced")
	assert.EqualValues(t, 600, res.Counts.BytesSent, "only the migration's own copy is sent again")
}

// A delta round that finds a source object deleted removes the
// destination's copy under the "delete" policy only if this migration
// wrote it: an object the application put there since is kept.
func TestDeltaRoundNeverDeletesForeignObject(t *testing.T) {
	f := newFixture(t)
	keys := f.seed(t, 3, 600)
	f.copyAll(t, 10)
	foreign := []byte("written at the destination by the application")
	put(t, f.dst, keys[0], foreign)
	for _, k := range keys[:2] {
		require.NoError(t, f.src.Delete(context.Background(), k))
	}
	v, err := f.actEnv().ExecuteActivity(activities.DeltaRoundName, activities.DeltaInput{Shard: f.ref, Round: 1})
	require.NoError(t, err)
	var res activities.DeltaResult
	require.NoError(t, v.Get(&res))
	assert.EqualValues(t, 2, res.Deleted)
	assert.True(t, bytes.Equal(foreign, readObject(t, f.dst, keys[0])), "the foreign object is kept")
	_, err = f.dst.Head(context.Background(), keys[1])
	assert.ErrorIs(t, err, store.ErrNotFound, "the migration's own copy of a deleted object is removed")
}
