package demo

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/localoci"
)

// TestOCICredsRoundTrip reads back what localoci.WriteTestCredentials
// wrote, so that a re-run's endpoint accepts the same key.
func TestOCICredsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want, err := localoci.WriteTestCredentials(dir, OCIRegion)
	require.NoError(t, err)
	got, err := readOCICreds(want.ConfigPath)
	require.NoError(t, err)
	assert.Equal(t, want.KeyID, got.KeyID)
	assert.True(t, want.PublicKey.Equal(got.PublicKey))
}

// TestSampleObjects checks the sample data: sizes as listed, profiles that
// are JSON, the same bytes on every call, one large object.
func TestSampleObjects(t *testing.T) {
	objs := sampleObjects(3, 50, 11<<20)
	require.Len(t, objs, 51)
	perShard := map[string]int{}
	for _, o := range objs {
		data := o.content()
		require.Equal(t, o.size, int64(len(data)), o.key)
		assert.Equal(t, data, o.content(), "deterministic %s", o.key)
		perShard[o.key[:9]]++
		if o.kind == 0 {
			assert.True(t, json.Valid(data), "profile %s is JSON", o.key)
		}
		if o.kind != 2 {
			assert.True(t, o.size >= 1024 && o.size <= 8*1024, "%s is 1–8 KiB", o.key)
		}
		assert.True(t, strings.HasPrefix(o.key, "users/0"), o.key)
	}
	assert.Equal(t, map[string]int{"users/00/": 18, "users/01/": 17, "users/02/": 16}, perShard)
}
