// Package storetest is the conformance suite that every store.Store passes.
//
// A backend's test builds a Harness around a real endpoint (a local S3 or
// OCI server reached over HTTP by the real cloud SDK) and calls Run. The
// suite never mocks a store: every case goes through the Store interface,
// the SDK and the wire.
package storetest

import (
	"bytes"
	"context"
	"crypto/md5"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
)

// Harness tells the suite how to obtain stores on one endpoint.
type Harness struct {
	// Name names the harness in test output, e.g. "s3" or "oci".
	Name string
	// New returns a fresh, empty store (a new bucket) for one subtest.
	New func(t *testing.T) store.Store
	// Deny makes keys under prefix answer permission-denied at the
	// endpoint. It is optional: when nil the Deny case is skipped, and the
	// skip message says so.
	Deny func(t *testing.T, s store.Store, prefix string)
	// BadCredentials returns a store on the same endpoint, for an existing
	// bucket, whose credentials are wrong, so that every operation is
	// refused with permission denied.
	BadCredentials func(t *testing.T) store.Store
}

// opTimeout bounds one case's calls so that a hung endpoint fails the case
// instead of hanging the test binary.
const opTimeout = 5 * time.Minute

// Run runs the conformance suite against h. Cases run in parallel, each on
// its own store from h.New.
func Run(t *testing.T, h Harness) {
	t.Helper()
	require.NotEmpty(t, h.Name, "Harness.Name must be set")
	require.NotNil(t, h.New, "Harness.New must be set")
	require.NotNil(t, h.BadCredentials, "Harness.BadCredentials must be set")

	cases := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"ObjectInfo", testObjectInfo},
		{"NotFound", testNotFound},
		{"ListPages", testListPages},
		{"ListPrefixAndOrder", testListPrefixAndOrder},
		{"KeyRoundTrip", testKeyRoundTrip},
		{"ListControlKeys", testListControlKeys},
		{"ChecksumsAreOfContent", testChecksumsAreOfContent},
		{"Sizes", testSizes},
		{"MultipartLarge", testMultipartLarge},
		{"MultipartResumeListParts", testMultipartListParts},
		{"MultipartAbort", testMultipartAbort},
		{"MultipartWrongPartMD5", testMultipartWrongPartMD5},
		{"PutWrongContentMD5", testPutWrongContentMD5},
		{"Metadata", testMetadata},
		{"RangeGet", testRangeGet},
		{"GetIfMatch", testGetIfMatch},
		{"ConditionalPut", testConditionalPut},
		{"PermissionDeny", testPermissionDeny},
		{"PermissionBadCredentials", testPermissionBadCredentials},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, h)
		})
	}
}

// ctx returns a context bounded by opTimeout and cancelled when t ends.
func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), opTimeout)
	t.Cleanup(cancel)
	return c
}

// md5Of returns the raw MD5 of b.
func md5Of(b []byte) []byte {
	s := md5.Sum(b)
	return s[:]
}

// put writes data under key in one Put with its Content-MD5 and fails the
// test on error.
func put(t *testing.T, s store.Store, key string, data []byte, opts store.PutOptions) store.ObjectInfo {
	t.Helper()
	if opts.ContentMD5 == nil {
		opts.ContentMD5 = md5Of(data)
	}
	info, err := s.Put(ctx(t), key, bytes.NewReader(data), int64(len(data)), opts)
	require.NoErrorf(t, err, "put %q (%d bytes)", key, len(data))
	return info
}

// getAll reads the whole object and fails the test on error.
func getAll(t *testing.T, s store.Store, key string, opts store.GetOptions) ([]byte, store.ObjectInfo) {
	t.Helper()
	rc, info, err := s.Get(ctx(t), key, opts)
	require.NoErrorf(t, err, "get %q", key)
	defer rc.Close()
	b, err := io.ReadAll(rc)
	require.NoErrorf(t, err, "read body of %q", key)
	return b, info
}

// listAll lists every object under prefix, page by page with limit, and
// returns the objects and the number of pages. It checks the page
// invariants: no page exceeds limit, a truncated page is not empty, and
// keys strictly increase across the whole listing.
func listAll(t *testing.T, s store.Store, prefix, startAfter string, limit int) ([]store.ObjectInfo, int) {
	t.Helper()
	var (
		all   []store.ObjectInfo
		pages int
		after = startAfter
	)
	max := limit
	if max == 0 {
		max = 1000
	}
	for {
		page, err := s.List(ctx(t), store.ListOptions{Prefix: prefix, StartAfter: after, Limit: limit})
		require.NoErrorf(t, err, "list prefix=%q startAfter=%q limit=%d (page %d)", prefix, after, limit, pages+1)
		pages++
		require.LessOrEqualf(t, len(page.Objects), max, "page %d exceeds limit %d", pages, max)
		for _, o := range page.Objects {
			require.Truef(t, strings.HasPrefix(o.Key, prefix), "listed key %q lacks prefix %q", o.Key, prefix)
			require.Truef(t, o.Key > after, "listed key %q is not after %q (byte order)", o.Key, after)
			after = o.Key
		}
		all = append(all, page.Objects...)
		if !page.Truncated {
			return all, pages
		}
		require.NotEmptyf(t, page.Objects, "page %d is truncated but empty: the listing cannot advance", pages)
		require.Lessf(t, pages, 100000, "listing does not end")
	}
}

// sameBytes checks that got equals want, and on a difference reports the
// lengths and the first differing offset instead of dumping both.
func sameBytes(t *testing.T, want, got []byte, msg string) bool {
	t.Helper()
	if bytes.Equal(want, got) {
		return true
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	t.Errorf("%s: content differs: want %d bytes, got %d bytes, first difference at offset %d (want %q..., got %q...)",
		msg, len(want), len(got), i, clip(want[i:], 16), clip(got[i:], 16))
	return false
}

// clip returns at most n bytes of b.
func clip(b []byte, n int) []byte { return b[:min(len(b), n)] }

// keysOf returns the keys of objs.
func keysOf(objs []store.ObjectInfo) []string {
	keys := make([]string, len(objs))
	for i, o := range objs {
		keys[i] = o.Key
	}
	return keys
}
