package storetest

import (
	"errors"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
)

// awkwardKeys are names that trip up URL encoding, signing and path
// handling. Each must round-trip byte for byte.
var awkwardKeys = []string{
	"keys/plain.txt",
	"keys/with space.txt",
	"keys/  two  spaces  ",
	"keys/percent%.txt",
	"keys/percent-encoded-looking%20%2F%2525.txt",
	"keys/plus+sign+.txt",
	"keys/equals=sign=.txt",
	"keys/query?a=1&b=2",
	"keys/hash#fragment",
	"keys/tilde~name~",
	"keys/mixed %+=?#~ %2B+%3D=.txt",
	"keys/punctuation &;:@$,!'()*[]",
	"keys/unsafe {}^|`\"<>\\",
	"keys/ünïcødé/日本語/emoji-😀.bin",
	"keys/combining-e\u0301-vs-\u00e9",
	"keys/deep/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/leaf",
	"keys/trailing-slash/",
}

// testKeyRoundTrip writes, heads, reads, lists and deletes each awkward key.
func testKeyRoundTrip(t *testing.T, h Harness) {
	s := h.New(t)
	for _, key := range awkwardKeys {
		data := []byte("content of " + key)
		info := put(t, s, key, data, store.PutOptions{})
		assert.Equalf(t, key, info.Key, "put returned key for %q", key)
	}

	for _, key := range awkwardKeys {
		t.Run(key, func(t *testing.T) {
			data := []byte("content of " + key)
			hinfo, err := s.Head(ctx(t), key)
			require.NoErrorf(t, err, "head %q", key)
			assert.Equal(t, key, hinfo.Key)
			assert.Equal(t, int64(len(data)), hinfo.Size)

			got, ginfo := getAll(t, s, key, store.GetOptions{})
			assert.Equal(t, data, got)
			assert.Equal(t, key, ginfo.Key)

			objs, _ := listAll(t, s, key, "", 0)
			require.NotEmptyf(t, objs, "list with prefix %q", key)
			assert.Equal(t, key, objs[0].Key, "first key listed under its own name")
			assert.Equal(t, int64(len(data)), objs[0].Size)
		})
	}

	t.Run("list-all", func(t *testing.T) {
		want := append([]string(nil), awkwardKeys...)
		sort.Strings(want)
		objs, _ := listAll(t, s, "keys/", "", 0)
		assert.Equal(t, want, keysOf(objs))
		// Resuming after each awkward key returns exactly the keys after it.
		for i, k := range want {
			objs, _ := listAll(t, s, "keys/", k, 0)
			assert.Equalf(t, nilIfEmpty(want[i+1:]), nilIfEmpty(keysOf(objs)), "startAfter %q", k)
		}
	})

	t.Run("delete", func(t *testing.T) {
		for _, key := range awkwardKeys {
			require.NoErrorf(t, s.Delete(ctx(t), key), "delete %q", key)
			_, err := s.Head(ctx(t), key)
			assert.Truef(t, errors.Is(err, store.ErrNotFound), "head %q after delete: want ErrNotFound, got %v", key, err)
		}
		objs, _ := listAll(t, s, "keys/", "", 0)
		assert.Empty(t, keysOf(objs), "keys left after deleting all")
	})
}
