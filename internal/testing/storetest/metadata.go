package storetest

import (
	"bytes"
	"compress/gzip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
)

// testMetadata round-trips HTTP and user metadata through Put, Head and Get,
// for a single Put and for a multipart upload. The content is really
// gzip-compressed, so a client that decompresses transparently returns
// different bytes and fails.
func testMetadata(t *testing.T, h Harness) {
	s := h.New(t)
	var zbuf bytes.Buffer
	zw := gzip.NewWriter(&zbuf)
	_, err := zw.Write(bytes.Repeat([]byte("compressible metadata test content "), 200))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	data := zbuf.Bytes()

	meta := store.Metadata{
		ContentType:        "text/plain; charset=utf-8",
		ContentEncoding:    "gzip",
		ContentLanguage:    "en-GB",
		ContentDisposition: `attachment; filename="report 2026.txt"`,
		CacheControl:       "max-age=3600, must-revalidate",
		User: map[string]string{
			"alpha":             "1",
			"beta-key":          "two words",
			"gamma":             "x=y&z",
			store.MetaSHA256:    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			store.MetaSourceKey: "users%2F3f%2Fa%20b.txt",
		},
	}

	check := func(t *testing.T, key string) {
		hinfo, err := s.Head(ctx(t), key)
		require.NoError(t, err)
		assert.Equal(t, meta, hinfo.Metadata, "head metadata")

		got, ginfo := getAll(t, s, key, store.GetOptions{})
		sameBytes(t, data, got, "get (a Content-Encoding must not change the bytes)")
		assert.Equal(t, meta, ginfo.Metadata, "get metadata")

		rc, rinfo, err := s.Get(ctx(t), key, store.GetOptions{Range: &store.Range{Offset: 0, Length: 10}})
		require.NoError(t, err)
		rc.Close()
		assert.Equal(t, meta, rinfo.Metadata, "ranged get metadata")
	}

	t.Run("put", func(t *testing.T) {
		const key = "meta/put.txt.gz"
		put(t, s, key, data, store.PutOptions{Metadata: meta})
		check(t, key)
	})
	t.Run("multipart", func(t *testing.T) {
		const key = "meta/multipart.txt.gz"
		uploadParts(t, s, key, data, []int64{int64(len(data))}, store.PutOptions{Metadata: meta})
		check(t, key)
	})
	t.Run("no-user-metadata", func(t *testing.T) {
		const key = "meta/none"
		put(t, s, key, []byte("plain"), store.PutOptions{})
		hinfo, err := s.Head(ctx(t), key)
		require.NoError(t, err)
		assert.Empty(t, hinfo.Metadata.User, "an object written without user metadata has none")
	})
}
