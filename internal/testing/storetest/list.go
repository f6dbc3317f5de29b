package storetest

import (
	"bytes"
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/ocimove/ocimove/internal/store"
)

// listKeyCount is how many keys the paging case writes: more than a full
// default page of 1,000, so that every listing spans pages. (Each put is
// signed, and RSA signing under -race is slow, so it is not larger.)
const listKeyCount = 1500

// putMany writes each key with its own name as content, 16 at a time.
func putMany(t *testing.T, s store.Store, keys []string) {
	t.Helper()
	g, gctx := errgroup.WithContext(ctx(t))
	g.SetLimit(16)
	for _, k := range keys {
		g.Go(func() error {
			data := []byte(k)
			_, err := s.Put(gctx, k, bytes.NewReader(data), int64(len(data)), store.PutOptions{ContentMD5: md5Of(data)})
			if err != nil {
				return fmt.Errorf("put %q: %w", k, err)
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
}

// pagesFor is the number of pages a listing of n keys takes at limit.
func pagesFor(n, limit int) int {
	if n == 0 {
		return 1
	}
	return (n + limit - 1) / limit
}

// testListPages lists 2,500 keys across pages of several sizes, and resumes
// listings after a key.
func testListPages(t *testing.T, h Harness) {
	s := h.New(t)
	keys := make([]string, listKeyCount)
	for i := range keys {
		keys[i] = fmt.Sprintf("page/k%05d", i)
	}
	putMany(t, s, keys)
	// A key outside the prefix must not appear.
	put(t, s, "pagf/outside", []byte("x"), store.PutOptions{})

	for _, limit := range []int{0, 1000, 333} {
		t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
			objs, pages := listAll(t, s, "page/", "", limit)
			require.Equal(t, keys, keysOf(objs))
			eff := limit
			if eff == 0 {
				eff = 1000
			}
			assert.Equal(t, pagesFor(len(keys), eff), pages, "pages at limit %d", eff)
			for _, o := range objs {
				if !assert.Equalf(t, int64(len(o.Key)), o.Size, "size of %q", o.Key) ||
					!assert.NotEmptyf(t, o.ETag, "ETag of %q", o.Key) ||
					!assert.Falsef(t, o.LastModified.IsZero(), "LastModified of %q", o.Key) {
					break
				}
			}
		})
	}

	resume := []struct {
		name       string
		startAfter string
		limit      int
		want       []string
	}{
		{"after-existing-key", keys[234], 1000, keys[235:]},
		{"after-missing-key", keys[234] + "x", 1000, keys[235:]},
		{"across-a-page-boundary", keys[999], 1000, keys[1000:]},
		{"near-end-small-pages", keys[1490], 7, keys[1491:]},
		{"after-last-key", keys[len(keys)-1], 1000, nil},
		{"before-first-key", "page/", 1000, keys},
	}
	for _, r := range resume {
		t.Run("resume/"+r.name, func(t *testing.T) {
			objs, pages := listAll(t, s, "page/", r.startAfter, r.limit)
			assert.Equal(t, r.want, nilIfEmpty(keysOf(objs)))
			assert.Equal(t, pagesFor(len(r.want), r.limit), pages, "pages")
		})
	}
}

// testListPrefixAndOrder checks byte-lexicographic order and that a prefix
// selects exactly the keys that start with it.
func testListPrefixAndOrder(t *testing.T, h Harness) {
	s := h.New(t)
	inside := []string{
		"ord/a", "ord/B", "ord/Z", "ord/a-b", "ord/a/b", "ord/a0", "ord/a.b",
		"ord/é", "ord/ä", "ord/~", "ord/ ", "ord/!", "ord/日本", "ord/\u00ff", "ord/\u0100",
		"ord/9", "ord/10", "ord/1",
	}
	outside := []string{"ord", "ord-x", "ord.x/a", "ordx/a", "or", "other/ord/a", "Ord/a"}
	putMany(t, s, append(append([]string{}, inside...), outside...))

	sorted := func(in []string) []string {
		out := append([]string(nil), in...)
		sort.Strings(out) // Go compares strings byte-wise: the required order
		return out
	}
	filter := func(prefix string) []string {
		var out []string
		for _, k := range sorted(append(append([]string{}, inside...), outside...)) {
			if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
				out = append(out, k)
			}
		}
		return out
	}

	for _, prefix := range []string{"", "ord/", "ord", "ord/a", "ord/a/", "ord/日", "nomatch/"} {
		t.Run(fmt.Sprintf("prefix=%q", prefix), func(t *testing.T) {
			objs, _ := listAll(t, s, prefix, "", 0)
			assert.Equal(t, filter(prefix), nilIfEmpty(keysOf(objs)))
		})
	}
	t.Run("prefix+startAfter", func(t *testing.T) {
		all := filter("ord/")
		i := sort.SearchStrings(all, "ord/a-b")
		objs, _ := listAll(t, s, "ord/", "ord/a-b", 4)
		assert.Equal(t, all[i+1:], keysOf(objs))
	})
}

// nilIfEmpty maps an empty slice to nil so that comparisons with a nil
// expectation read well.
func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
