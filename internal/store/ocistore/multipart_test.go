package ocistore_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
)

func TestMultipartLimitsAreOCIs(t *testing.T) {
	e := newEnv(t)
	l := e.st.MultipartLimits()
	assert.Equal(t, int64(10<<20), l.MinPartSize)
	assert.Equal(t, int64(50<<30), l.MaxPartSize)
	assert.Equal(t, 10000, l.MaxParts)
}

// uploadParts uploads data in parts of partSize and returns them.
func uploadParts(t *testing.T, e *env, key, id string, data []byte, partSize int) []store.Part {
	t.Helper()
	var parts []store.Part
	for n, off := 1, 0; off < len(data); n, off = n+1, off+partSize {
		end := min(off+partSize, len(data))
		chunk := data[off:end]
		p, err := e.st.UploadPart(ctx(t), key, id, n, bytes.NewReader(chunk), int64(len(chunk)), md5sum(chunk))
		require.NoError(t, err)
		assert.Equal(t, n, p.Number)
		assert.Equal(t, int64(len(chunk)), p.Size)
		assert.NotEmpty(t, p.ETag)
		assert.Equal(t, md5sum(chunk), p.MD5)
		parts = append(parts, p)
	}
	return parts
}

func TestMultipartRoundTripChecksOpcMultipartMD5(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	partSize := int(ocistore.MinPartSize)
	data := randomBytes(t, 2*partSize+1234)
	md := store.Metadata{ContentType: "video/mp4", CacheControl: "no-cache",
		User: map[string]string{store.MetaSHA256: "feed"}}

	id, err := e.st.CreateMultipart(c, "big/obj", store.PutOptions{Metadata: md, StorageTier: "Standard", IfNoneMatch: true})
	require.NoError(t, err)
	require.NotEmpty(t, id)
	uploaded := uploadParts(t, e, "big/obj", id, data, partSize)
	require.Len(t, uploaded, 3)

	// Resume path: the parts the store holds, with their MD5s, in order.
	listed, err := e.st.ListParts(c, "big/obj", id)
	require.NoError(t, err)
	require.Len(t, listed, 3)
	for i := range listed {
		assert.Equal(t, uploaded[i].Number, listed[i].Number)
		assert.Equal(t, uploaded[i].Size, listed[i].Size)
		assert.Equal(t, uploaded[i].ETag, listed[i].ETag)
		assert.Equal(t, uploaded[i].MD5, listed[i].MD5)
	}

	// Commit with the listed parts in reverse order: the store sorts them.
	rev := []store.Part{listed[2], listed[0], listed[1]}
	info, err := e.st.CompleteMultipart(c, "big/obj", id, rev)
	require.NoError(t, err)
	assert.Equal(t, int64(len(data)), info.Size)
	assert.NotEmpty(t, info.ETag)
	assert.Nil(t, info.ContentMD5, "a multipart object has no content MD5")

	assertContent(t, e, "big/obj", data)
	head, err := e.st.Head(c, "big/obj")
	require.NoError(t, err)
	assert.Equal(t, md, head.Metadata)
	assert.Nil(t, head.ContentMD5)
	assert.Equal(t, info.ETag, head.ETag)

	page, err := e.st.List(c, store.ListOptions{Prefix: "big/"})
	require.NoError(t, err)
	require.Len(t, page.Objects, 1)
	assert.Nil(t, page.Objects[0].ContentMD5, "a -N multipart md5 is not a content MD5")
	assert.Equal(t, int64(len(data)), page.Objects[0].Size)

	_, err = e.st.CreateMultipart(c, "big/obj", store.PutOptions{IfNoneMatch: true})
	assert.ErrorIs(t, err, store.ErrPreconditionFailed)
}

func TestMultipartMD5MatchesOCIFormula(t *testing.T) {
	a, b := md5.Sum([]byte("a")), md5.Sum([]byte("b"))
	cat := append(append([]byte{}, a[:]...), b[:]...)
	sum := md5.Sum(cat)
	want := base64.StdEncoding.EncodeToString(sum[:]) + "-2"
	assert.Equal(t, want, ocistore.MultipartMD5([][]byte{a[:], b[:]}))
}

func TestCommitWithWrongPartMD5IsDetectedAndRemoved(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	partSize := int(ocistore.MinPartSize)
	data := randomBytes(t, partSize+10)
	id, err := e.st.CreateMultipart(c, "mp-bad", store.PutOptions{})
	require.NoError(t, err)
	parts := uploadParts(t, e, "mp-bad", id, data, partSize)

	// The caller believes part 2 had other bytes: the service's
	// opc-multipart-md5 then disagrees with the locally computed value.
	parts[1].MD5 = md5sum([]byte("not what was sent"))
	_, err = e.st.CompleteMultipart(c, "mp-bad", id, parts)
	require.ErrorIs(t, err, store.ErrChecksumMismatch)
	assert.Equal(t, store.Permanent, store.ClassOf(err))
	assert.Equal(t, 1, e.rec.Count(observe.Mismatch))

	_, err = e.st.Head(c, "mp-bad")
	assert.ErrorIs(t, err, store.ErrNotFound, "the unverified object is removed")
}

func TestCommitRefusesPartsWithoutMD5(t *testing.T) {
	e := newEnv(t)
	_, err := e.st.CompleteMultipart(ctx(t), "k", "id", []store.Part{{Number: 1, ETag: "e", Size: 1}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no MD5")
}

func TestUploadPartWithWrongMD5IsRejected(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	id, err := e.st.CreateMultipart(c, "mp-part", store.PutOptions{})
	require.NoError(t, err)
	_, err = e.st.UploadPart(c, "mp-part", id, 1, bytes.NewReader([]byte("abc")), 3, md5sum([]byte("xyz")))
	require.ErrorIs(t, err, store.ErrChecksumMismatch)
	require.NoError(t, e.st.AbortMultipart(c, "mp-part", id))
}

func TestAbortMultipart(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	id, err := e.st.CreateMultipart(c, "mp-abort", store.PutOptions{})
	require.NoError(t, err)
	_, err = e.st.UploadPart(c, "mp-abort", id, 1, bytes.NewReader([]byte("abc")), 3, md5sum([]byte("abc")))
	require.NoError(t, err)

	require.NoError(t, e.st.AbortMultipart(c, "mp-abort", id))
	_, err = e.st.ListParts(c, "mp-abort", id)
	require.ErrorIs(t, err, store.ErrNotFound)
	require.NoError(t, e.st.AbortMultipart(c, "mp-abort", id), "aborting an unknown upload is not an error")
	_, err = e.st.Head(c, "mp-abort")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func TestUploadPartRetriesRewindTheBody(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	partSize := int(ocistore.MinPartSize)
	data := randomBytes(t, partSize+100)
	id, err := e.st.CreateMultipart(c, "mp-retry", store.PutOptions{})
	require.NoError(t, err)
	e.srv.Faults().Add(faultRule("upload-part", 503, 2))
	parts := uploadParts(t, e, "mp-retry", id, data, partSize)
	assert.Equal(t, 2, e.rec.Count(observe.Retry))
	_, err = e.st.CompleteMultipart(c, "mp-retry", id, parts)
	require.NoError(t, err)
	assertContent(t, e, "mp-retry", data)
}
