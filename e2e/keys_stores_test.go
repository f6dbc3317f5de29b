package e2e_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

// TestTrickyKeysListAtBothEndpoints is the key test's quick half, without
// Temporal: every tricky key written with aws-sdk-go-v2 lists and reads
// back intact through the SDK and through the product's S3 store in pages
// of 3 (so that StartAfter falls on tricky keys); written through the
// product's OCI store, each lists and reads back intact through oci-go-sdk
// and through the store's own pages of 3.
func TestTrickyKeysListAtBothEndpoints(t *testing.T) {
	env := testenv.Start(t, testenv.Options{Disk: true})
	s3s := env.S3Store(t, "tk-src", nil)
	ocs := env.OCIStore(t, "tk-dst", nil)
	rs, ro := newRawS3(env, "tk-src"), newRawOCI(t, env, "tk-dst")
	ctx := context.Background()
	want := map[string]string{}
	for _, c := range trickyKeyClasses {
		for _, k := range c.keys {
			want["k/"+k] = ""
		}
	}
	want[maxLenKey("k/", 1024)] = ""
	for k := range want {
		d := content(k, 1, 100)
		want[k] = shaOf(d)
		rs.put(t, k, d)
	}
	assert.Equal(t, want, rs.hashes(t, "k/"), "aws-sdk-go-v2 lists and reads every key as written")
	assert.ElementsMatch(t, keysOf(want), pagedKeys(t, s3s, "k/"), "the S3 store lists every key once, in pages of 3")

	for k := range want {
		d := content(k, 1, 100)
		_, err := ocs.Put(ctx, k, bytes.NewReader(d), int64(len(d)), store.PutOptions{})
		require.NoError(t, err, "OCI store put %q", k)
	}
	assert.Equal(t, want, ro.hashes(t, "k/"), "oci-go-sdk lists and reads every key the OCI store wrote")
	assert.ElementsMatch(t, keysOf(want), pagedKeys(t, ocs, "k/"), "the OCI store lists every key once, in pages of 3")
	for _, k := range unsupportedKeys {
		_, err := ocs.Put(ctx, "k/"+k, bytes.NewReader([]byte("x")), 1, store.PutOptions{})
		assert.ErrorIs(t, err, store.ErrInvalidKey, "%q", k)
	}
}

// pagedKeys lists prefix through s in pages of 3, each after the last key
// of the one before.
func pagedKeys(t *testing.T, s store.Store, prefix string) []string {
	t.Helper()
	var keys []string
	after := ""
	for {
		p, err := s.List(context.Background(), store.ListOptions{Prefix: prefix, StartAfter: after, Limit: 3})
		require.NoError(t, err, "list after %q", after)
		for _, o := range p.Objects {
			keys = append(keys, o.Key)
			after = o.Key
		}
		if !p.Truncated {
			return keys
		}
	}
}

func keysOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
