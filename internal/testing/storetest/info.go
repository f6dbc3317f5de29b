package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
)

// saneClock is how far LastModified may stray from the test's own clock.
// Endpoint and test share a machine; HTTP dates have second resolution.
const saneClock = time.Minute

// testObjectInfo checks the fields that Put, Head, Get and List report for a
// single-part object.
func testObjectInfo(t *testing.T, h Harness) {
	s := h.New(t)
	data := []byte("the quick brown fox jumps over the lazy dog\n")
	const key = "info/object.txt"

	before := time.Now()
	pinfo := put(t, s, key, data, store.PutOptions{})
	after := time.Now()

	assert.NotEmpty(t, pinfo.ETag, "Put must return the new object's ETag")
	assert.NotContains(t, pinfo.ETag, `"`, "ETag must be unquoted")

	hinfo, err := s.Head(ctx(t), key)
	require.NoError(t, err)
	checkInfo(t, "head", hinfo, key, data, before, after)
	assert.Equal(t, pinfo.ETag, hinfo.ETag, "Put and Head ETags differ")

	got, ginfo := getAll(t, s, key, store.GetOptions{})
	assert.Equal(t, data, got)
	checkInfo(t, "get", ginfo, key, data, before, after)
	assert.Equal(t, hinfo.ETag, ginfo.ETag, "Head and Get ETags differ")

	objs, _ := listAll(t, s, "info/", "", 0)
	require.Len(t, objs, 1)
	l := objs[0]
	assert.Equal(t, key, l.Key)
	assert.Equal(t, int64(len(data)), l.Size, "list size")
	assert.Equal(t, hinfo.ETag, l.ETag, "List and Head ETags differ")
	assert.WithinRange(t, l.LastModified, before.Add(-saneClock), after.Add(saneClock), "list LastModified")
}

// checkInfo checks a Head or Get result for a single-part object holding data.
func checkInfo(t *testing.T, op string, info store.ObjectInfo, key string, data []byte, before, after time.Time) {
	t.Helper()
	assert.Equalf(t, key, info.Key, "%s: Key", op)
	assert.Equalf(t, int64(len(data)), info.Size, "%s: Size", op)
	assert.NotEmptyf(t, info.ETag, "%s: ETag", op)
	assert.Falsef(t, strings.Contains(info.ETag, `"`), "%s: ETag %s must be unquoted", op, info.ETag)
	assert.WithinRangef(t, info.LastModified, before.Add(-saneClock), after.Add(saneClock), "%s: LastModified", op)
	assert.Equalf(t, md5Of(data), info.ContentMD5, "%s: ContentMD5 of a single-part put must be the content's MD5", op)
}

// testNotFound checks missing objects: Head and Get fail with ErrNotFound,
// Delete succeeds.
func testNotFound(t *testing.T, h Harness) {
	s := h.New(t)
	const key = "missing/no-such-object"

	_, err := s.Head(ctx(t), key)
	require.Error(t, err, "head of a missing object")
	assert.Truef(t, errors.Is(err, store.ErrNotFound), "head: want ErrNotFound, got %v", err)

	rc, _, err := s.Get(ctx(t), key, store.GetOptions{})
	if rc != nil {
		rc.Close()
	}
	require.Error(t, err, "get of a missing object")
	assert.Truef(t, errors.Is(err, store.ErrNotFound), "get: want ErrNotFound, got %v", err)

	rc, _, err = s.Get(ctx(t), key, store.GetOptions{Range: &store.Range{Offset: 0, Length: 1}})
	if rc != nil {
		rc.Close()
	}
	require.Error(t, err, "ranged get of a missing object")
	assert.Truef(t, errors.Is(err, store.ErrNotFound), "ranged get: want ErrNotFound, got %v", err)

	assert.NoError(t, s.Delete(ctx(t), key), "delete of a missing object is not an error")

	// A deleted object is missing too.
	put(t, s, key, []byte("x"), store.PutOptions{})
	require.NoError(t, s.Delete(ctx(t), key))
	_, err = s.Head(ctx(t), key)
	assert.Truef(t, errors.Is(err, store.ErrNotFound), "head after delete: want ErrNotFound, got %v", err)
	assert.NoError(t, s.Delete(ctx(t), key), "second delete is not an error")
}
