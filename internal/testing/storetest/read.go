package storetest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
)

// testRangeGet reads ranges of an object and checks that exactly those bytes
// come back, while ObjectInfo still describes the whole object.
func testRangeGet(t *testing.T, h Harness) {
	s := h.New(t)
	const key = "range/object.bin"
	const size = 64<<10 + 7
	data := randomBytes(42, size)
	info := put(t, s, key, data, store.PutOptions{})

	ranges := []struct {
		name string
		r    store.Range
		want []byte
	}{
		{"first-byte", store.Range{Offset: 0, Length: 1}, data[:1]},
		{"middle", store.Range{Offset: 1000, Length: 5000}, data[1000:6000]},
		{"last-byte", store.Range{Offset: size - 1, Length: 1}, data[size-1:]},
		{"open-ended", store.Range{Offset: 60000, Length: -1}, data[60000:]},
		{"whole-explicit", store.Range{Offset: 0, Length: size}, data},
		{"from-zero-open-ended", store.Range{Offset: 0, Length: -1}, data},
	}
	for _, r := range ranges {
		t.Run(fmt.Sprintf("%s[%d,%d]", r.name, r.r.Offset, r.r.Length), func(t *testing.T) {
			rr := r.r
			got, ginfo := getAll(t, s, key, store.GetOptions{Range: &rr})
			assert.Equal(t, len(r.want), len(got), "bytes read")
			assert.Equal(t, r.want, got, "range content")
			assert.Equal(t, int64(size), ginfo.Size, "ObjectInfo.Size of a ranged get is the whole object's")
			assert.Equal(t, info.ETag, ginfo.ETag, "ETag")
		})
	}
	t.Run("range-pinned-to-current-etag", func(t *testing.T) {
		got, _ := getAll(t, s, key, store.GetOptions{IfMatch: info.ETag, Range: &store.Range{Offset: 10, Length: 10}})
		assert.Equal(t, data[10:20], got)
	})
}

// testGetIfMatch pins reads to an ETag: the current one reads, a stale one
// after an overwrite fails with ErrPreconditionFailed.
func testGetIfMatch(t *testing.T, h Harness) {
	s := h.New(t)
	const key = "ifmatch/object.txt"
	v1 := put(t, s, key, []byte("version one"), store.PutOptions{})
	got, _ := getAll(t, s, key, store.GetOptions{IfMatch: v1.ETag})
	assert.Equal(t, "version one", string(got))

	v2 := put(t, s, key, []byte("version two, longer"), store.PutOptions{})
	require.NotEqual(t, v1.ETag, v2.ETag, "an overwrite with other content must change the ETag")

	for _, rng := range []*store.Range{nil, {Offset: 0, Length: 4}} {
		rc, _, err := s.Get(ctx(t), key, store.GetOptions{IfMatch: v1.ETag, Range: rng})
		if rc != nil {
			rc.Close()
		}
		require.Errorf(t, err, "get pinned to a stale ETag (range %v) must fail", rng)
		assert.Truef(t, errors.Is(err, store.ErrPreconditionFailed), "range %v: want ErrPreconditionFailed, got %v", rng, err)
	}

	got, _ = getAll(t, s, key, store.GetOptions{IfMatch: v2.ETag})
	assert.Equal(t, "version two, longer", string(got))
}
