package ocistore_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
)

func TestNamespaceDiscoveredAndStringNamesBucket(t *testing.T) {
	e := newEnv(t)
	assert.Equal(t, testNamespace, e.st.Namespace())
	assert.Equal(t, "oci://"+testNamespace+"/"+testBucket, e.st.String())
	assert.Equal(t, e.url, e.st.Endpoint())
}

func TestPutHeadGetRoundTripWithMetadata(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	data := randomBytes(t, 64<<10)
	md := store.Metadata{
		ContentType:        "application/x-test",
		ContentEncoding:    "gzip",
		ContentLanguage:    "de-DE",
		ContentDisposition: `attachment; filename="a b.bin"`,
		CacheControl:       "max-age=60",
		User: map[string]string{
			store.MetaSourceKey:    "users%2F3f%2Fa",
			store.MetaSHA256:       "abc123",
			"Mixed-Case-Name":      "v",
			store.MetaMigrationID:  "mig-1",
			store.MetaSourceBucket: "src",
		},
	}
	info, err := e.st.Put(c, "dir/a b+c=%.bin", bytes.NewReader(data), int64(len(data)),
		store.PutOptions{ContentMD5: md5sum(data), Metadata: md, StorageTier: "InfrequentAccess"})
	require.NoError(t, err)
	assert.Equal(t, int64(len(data)), info.Size)
	assert.NotEmpty(t, info.ETag)
	assert.Equal(t, md5sum(data), info.ContentMD5)
	assert.Equal(t, "InfrequentAccess", info.StorageClass)

	head, err := e.st.Head(c, "dir/a b+c=%.bin")
	require.NoError(t, err)
	assert.Equal(t, info.ETag, head.ETag)
	assert.Equal(t, int64(len(data)), head.Size)
	assert.Equal(t, md5sum(data), head.ContentMD5)
	assert.Equal(t, "InfrequentAccess", head.StorageClass)
	assert.False(t, head.LastModified.IsZero())
	want := md
	want.User = map[string]string{}
	for k, v := range md.User {
		want.User[lower(k)] = v
	}
	assert.Equal(t, want, head.Metadata)

	rc, ginfo, err := e.st.Get(c, "dir/a b+c=%.bin", store.GetOptions{})
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, rc.Close())
	require.NoError(t, err)
	assert.Equal(t, data, got)
	assert.Equal(t, info.ETag, ginfo.ETag)
	assert.Equal(t, want, ginfo.Metadata)
}

func TestRangedGet(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	data := randomBytes(t, 1000)
	info, err := e.st.Put(c, "r", bytes.NewReader(data), int64(len(data)), store.PutOptions{})
	require.NoError(t, err)

	for _, tc := range []struct {
		r    store.Range
		want []byte
	}{
		{store.Range{Offset: 10, Length: 5}, data[10:15]},
		{store.Range{Offset: 0, Length: 1}, data[:1]},
		{store.Range{Offset: 990, Length: -1}, data[990:]},
		{store.Range{Offset: 999, Length: 1}, data[999:]},
		{store.Range{Offset: 5, Length: 0}, []byte{}},
	} {
		t.Run(fmt.Sprintf("%d+%d", tc.r.Offset, tc.r.Length), func(t *testing.T) {
			r := tc.r
			rc, ginfo, err := e.st.Get(c, "r", store.GetOptions{Range: &r, IfMatch: info.ETag})
			require.NoError(t, err)
			got, err := io.ReadAll(rc)
			require.NoError(t, rc.Close())
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, int64(len(data)), ginfo.Size, "ObjectInfo describes the whole object")
		})
	}
}

func TestPutReadsSizeBytesFromCurrentPosition(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	data := randomBytes(t, 100)
	r := bytes.NewReader(data)
	_, err := r.Seek(20, io.SeekStart)
	require.NoError(t, err)
	_, err = e.st.Put(c, "window", r, 30, store.PutOptions{ContentMD5: md5sum(data[20:50])})
	require.NoError(t, err)
	assertContent(t, e, "window", data[20:50])

	_, err = e.st.Put(c, "short", bytes.NewReader(data[:10]), 20, store.PutOptions{})
	require.Error(t, err, "a body shorter than size must fail")
	_, err = e.st.Head(c, "short")
	assert.ErrorIs(t, err, store.ErrNotFound, "a failed put leaves nothing")
}

func TestZeroAndOneByteObjects(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	for _, data := range [][]byte{{}, {0x42}} {
		key := fmt.Sprintf("size-%d", len(data))
		info, err := e.st.Put(c, key, bytes.NewReader(data), int64(len(data)), store.PutOptions{ContentMD5: md5sum(data)})
		require.NoError(t, err)
		assert.Equal(t, int64(len(data)), info.Size)
		assertContent(t, e, key, data)
	}
	_, err := e.st.Put(c, "nil-body", nil, 0, store.PutOptions{})
	require.NoError(t, err)
	assertContent(t, e, "nil-body", []byte{})
}

func TestListStartAfterPaging(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	var keys []string
	for i := range 25 {
		k := fmt.Sprintf("p/%03d", i)
		keys = append(keys, k)
		_, err := e.st.Put(c, k, bytes.NewReader([]byte(k)), int64(len(k)), store.PutOptions{})
		require.NoError(t, err)
	}
	_, err := e.st.Put(c, "q/other", bytes.NewReader(nil), 0, store.PutOptions{})
	require.NoError(t, err)

	var got []string
	after := ""
	pages := 0
	for {
		page, err := e.st.List(c, store.ListOptions{Prefix: "p/", StartAfter: after, Limit: 10})
		require.NoError(t, err)
		pages++
		for _, o := range page.Objects {
			got = append(got, o.Key)
			assert.Equal(t, int64(len(o.Key)), o.Size)
			assert.NotEmpty(t, o.ETag)
			assert.False(t, o.LastModified.IsZero())
			assert.Equal(t, md5sum([]byte(o.Key)), o.ContentMD5)
		}
		if !page.Truncated {
			break
		}
		require.NotEmpty(t, page.Objects)
		after = page.Objects[len(page.Objects)-1].Key
		require.Less(t, pages, 10, "listing does not end")
	}
	assert.Equal(t, keys, got)
	assert.Equal(t, 3, pages)

	// StartAfter is exclusive.
	page, err := e.st.List(c, store.ListOptions{StartAfter: keys[4], Limit: 1})
	require.NoError(t, err)
	require.Len(t, page.Objects, 1)
	assert.Equal(t, keys[5], page.Objects[0].Key)
	assert.True(t, page.Truncated)

	// The last page is not truncated.
	page, err = e.st.List(c, store.ListOptions{StartAfter: keys[24]})
	require.NoError(t, err)
	require.Len(t, page.Objects, 1)
	assert.Equal(t, "q/other", page.Objects[0].Key)
	assert.False(t, page.Truncated)
}

func TestConditionalPuts(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	v1 := []byte("version one")
	info, err := e.st.Put(c, "cond", bytes.NewReader(v1), int64(len(v1)), store.PutOptions{IfNoneMatch: true})
	require.NoError(t, err)

	v2 := []byte("version two")
	_, err = e.st.Put(c, "cond", bytes.NewReader(v2), int64(len(v2)), store.PutOptions{IfNoneMatch: true})
	require.ErrorIs(t, err, store.ErrPreconditionFailed)
	assert.Equal(t, store.Permanent, store.ClassOf(err))

	_, err = e.st.Put(c, "cond", bytes.NewReader(v2), int64(len(v2)), store.PutOptions{IfMatch: "not-the-etag"})
	require.ErrorIs(t, err, store.ErrPreconditionFailed)
	assertContent(t, e, "cond", v1)

	_, err = e.st.Put(c, "cond", bytes.NewReader(v2), int64(len(v2)), store.PutOptions{IfMatch: info.ETag})
	require.NoError(t, err)
	assertContent(t, e, "cond", v2)

	// A read pinned to the old ETag now fails instead of returning other bytes.
	_, _, err = e.st.Get(c, "cond", store.GetOptions{IfMatch: info.ETag})
	require.ErrorIs(t, err, store.ErrPreconditionFailed)
	_, _, err = e.st.Get(c, "cond", store.GetOptions{IfMatch: info.ETag, Range: &store.Range{Offset: 1, Length: 0}})
	require.ErrorIs(t, err, store.ErrPreconditionFailed)

	_, err = e.st.Put(c, "cond", bytes.NewReader(v2), int64(len(v2)), store.PutOptions{IfMatch: "x", IfNoneMatch: true})
	require.Error(t, err)
}

func TestPutWithWrongContentMD5FailsAndLeavesNothing(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	data := []byte("the bytes")
	_, err := e.st.Put(c, "bad-md5", bytes.NewReader(data), int64(len(data)),
		store.PutOptions{ContentMD5: md5sum([]byte("other bytes"))})
	require.ErrorIs(t, err, store.ErrChecksumMismatch)
	_, err = e.st.Head(c, "bad-md5")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func TestDeleteAndNotFound(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	_, err := e.st.Put(c, "gone", bytes.NewReader([]byte("x")), 1, store.PutOptions{})
	require.NoError(t, err)
	require.NoError(t, e.st.Delete(c, "gone"))
	require.NoError(t, e.st.Delete(c, "gone"), "deleting a missing object is not an error")

	_, err = e.st.Head(c, "gone")
	require.ErrorIs(t, err, store.ErrNotFound)
	assert.Equal(t, store.Permanent, store.ClassOf(err))
	_, _, err = e.st.Get(c, "gone", store.GetOptions{})
	require.ErrorIs(t, err, store.ErrNotFound)
	var se *store.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, 404, se.Status)
	assert.Equal(t, "get", se.Op)
	assert.Equal(t, "gone", se.Key)
}

func TestInvalidKeysRejectedBeforeSending(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	before := e.requests.Load()
	for _, key := range []string{"a\nb", "a\rb", "a\x00b", "", string([]byte{0xff, 0xfe})} {
		_, err := e.st.Put(c, key, bytes.NewReader([]byte("x")), 1, store.PutOptions{})
		require.ErrorIs(t, err, store.ErrInvalidKey, "put %q", key)
		assert.Equal(t, store.Permanent, store.ClassOf(err))
		_, err = e.st.Head(c, key)
		require.ErrorIs(t, err, store.ErrInvalidKey)
		_, _, err = e.st.Get(c, key, store.GetOptions{})
		require.ErrorIs(t, err, store.ErrInvalidKey)
		_, err = e.st.CreateMultipart(c, key, store.PutOptions{})
		require.ErrorIs(t, err, store.ErrInvalidKey)
	}
	assert.Equal(t, before, e.requests.Load(), "no request may be sent for an invalid key")

	// The store is a NameChecker (docs/STORAGE.md), so the engine finds
	// these keys before it reads the source; the 1024-byte limit is in bytes.
	var nc store.NameChecker = e.st
	for _, key := range []string{"a\nb", "a\rb", "a\x00b", "", string([]byte{0xff}), strings.Repeat("é", 513)} {
		require.ErrorIs(t, nc.CheckName(key), store.ErrInvalidKey, "%q", key)
	}
	for _, key := range []string{"tab\tand\x01soh", " ", "a//b", "..", strings.Repeat("é", 512), "%2F+?#"} {
		require.NoError(t, nc.CheckName(key), "%q", key)
	}

	unicode := "ünï/cødé/🙂 %2F+="
	_, err := e.st.Put(c, unicode, bytes.NewReader([]byte("u")), 1, store.PutOptions{})
	require.NoError(t, err)
	assertContent(t, e, unicode, []byte("u"))
}

func TestArchivedObjectReadFailsWithErrArchived(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	_, err := e.st.Put(c, "cold", bytes.NewReader([]byte("cold")), 4, store.PutOptions{StorageTier: "archive"})
	require.NoError(t, err)
	head, err := e.st.Head(c, "cold")
	require.NoError(t, err)
	assert.Equal(t, "Archive", head.StorageClass)
	_, _, err = e.st.Get(c, "cold", store.GetOptions{})
	require.ErrorIs(t, err, store.ErrArchived)
	assert.Equal(t, store.Permanent, store.ClassOf(err))

	_, err = e.st.Put(c, "x", bytes.NewReader(nil), 0, store.PutOptions{StorageTier: "Glacier"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "InfrequentAccess")
}

func assertContent(t *testing.T, e *env, key string, want []byte) {
	t.Helper()
	rc, info, err := e.st.Get(ctx(t), key, store.GetOptions{})
	require.NoError(t, err)
	defer rc.Close()
	got, err := io.ReadAll(rc)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Equal(t, int64(len(want)), info.Size)
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }
