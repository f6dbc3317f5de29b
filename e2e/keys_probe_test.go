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

func TestProbeKeys(t *testing.T) {
	env := testenv.Start(t, testenv.Options{Disk: true})
	s3s := env.S3Store(t, "probe-src", nil)
	ocs := env.OCIStore(t, "probe-dst", nil)
	rs, ro := newRawS3(env, "probe-src"), newRawOCI(t, env, "probe-dst")
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
	for _, k := range unsupportedKeys {
		rs.put(t, "k/"+k, []byte("x"))
	}
	got := rs.hashes(t, "k/")
	for _, k := range unsupportedKeys {
		assert.Contains(t, got, "k/"+k)
		delete(got, "k/"+k)
	}
	assert.Equal(t, want, got, "raw S3")
	ctx := context.Background()
	var listed []string
	after := ""
	for {
		p, err := s3s.List(ctx, store.ListOptions{Prefix: "k/", StartAfter: after, Limit: 3})
		require.NoError(t, err)
		for _, o := range p.Objects {
			listed = append(listed, o.Key)
			after = o.Key
		}
		if !p.Truncated {
			break
		}
	}
	assert.Len(t, listed, len(want)+len(unsupportedKeys), "s3store paging")
	for k := range want {
		d := content(k, 1, 100)
		_, err := ocs.Put(ctx, k, bytes.NewReader(d), 100, store.PutOptions{})
		require.NoError(t, err, "%q", k)
	}
	assert.Equal(t, want, ro.hashes(t, "k/"), "OCI")
	listed, after = nil, ""
	for {
		p, err := ocs.List(ctx, store.ListOptions{Prefix: "k/", StartAfter: after, Limit: 3})
		require.NoError(t, err)
		for _, o := range p.Objects {
			listed = append(listed, o.Key)
			after = o.Key
		}
		if !p.Truncated {
			break
		}
	}
	assert.Len(t, listed, len(want), "ocistore paging")
}
