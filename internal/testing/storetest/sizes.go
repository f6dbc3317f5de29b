package storetest

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
)

// randomBytes returns n bytes from a PRNG seeded with seed, so that content
// is reproducible from the seed alone.
func randomBytes(seed uint64, n int64) []byte {
	b := make([]byte, n)
	fillRandom(rand.NewChaCha8(seedBytes(seed)), b)
	return b
}

// seedBytes expands seed into a ChaCha8 seed.
func seedBytes(seed uint64) [32]byte {
	var s [32]byte
	for i := range 4 {
		v := seed + uint64(i)*0x9E3779B97F4A7C15
		for j := range 8 {
			s[i*8+j] = byte(v >> (8 * j))
		}
	}
	return s
}

// fillRandom fills b from r.
func fillRandom(r *rand.ChaCha8, b []byte) {
	_, _ = r.Read(b) // ChaCha8.Read never fails
}

// partLimits returns the store's limits after checking that they are usable.
func partLimits(t *testing.T, s store.Store) store.MultipartLimits {
	t.Helper()
	l := s.MultipartLimits()
	require.Positive(t, l.MinPartSize, "MultipartLimits.MinPartSize")
	require.GreaterOrEqual(t, l.MaxPartSize, l.MinPartSize, "MultipartLimits.MaxPartSize")
	require.GreaterOrEqual(t, l.MaxParts, 2, "MultipartLimits.MaxParts")
	return l
}

// testSizes writes objects of 0 bytes, 1 byte and exactly the multipart
// threshold in one Put, and the threshold + 1 in two parts.
func testSizes(t *testing.T, h Harness) {
	s := h.New(t)
	threshold := partLimits(t, s).MinPartSize

	for _, n := range []int64{0, 1, threshold} {
		t.Run(fmt.Sprintf("put-%d", n), func(t *testing.T) {
			key := fmt.Sprintf("sizes/put-%d", n)
			data := randomBytes(uint64(n)+1, n)
			info := put(t, s, key, data, store.PutOptions{})
			assert.Equal(t, int64(n), info.Size, "put size")

			hinfo, err := s.Head(ctx(t), key)
			require.NoError(t, err)
			assert.Equal(t, n, hinfo.Size, "head size")
			assert.Equal(t, md5Of(data), hinfo.ContentMD5, "head ContentMD5")

			got, ginfo := getAll(t, s, key, store.GetOptions{})
			assert.Equal(t, n, ginfo.Size, "get size")
			assert.Equal(t, len(data), len(got), "bytes read")
			sameBytes(t, data, got, "get")
		})
	}

	t.Run(fmt.Sprintf("multipart-%d", threshold+1), func(t *testing.T) {
		key := fmt.Sprintf("sizes/multipart-%d", threshold+1)
		data := randomBytes(99, threshold+1)
		info := uploadParts(t, s, key, data, []int64{threshold, 1}, store.PutOptions{})
		assert.Equal(t, threshold+1, info.Size, "complete size")
		assert.NotEmpty(t, info.ETag, "complete ETag")

		hinfo, err := s.Head(ctx(t), key)
		require.NoError(t, err)
		assert.Equal(t, threshold+1, hinfo.Size, "head size")
		assert.Equal(t, info.ETag, hinfo.ETag, "complete and head ETags differ")
		if hinfo.ContentMD5 != nil {
			assert.Equal(t, md5Of(data), hinfo.ContentMD5, "a store that vouches for a multipart MD5 must be right")
		}

		got, _ := getAll(t, s, key, store.GetOptions{})
		assert.Equal(t, sha256.Sum256(data), sha256.Sum256(got), "content differs")
	})
}

// uploadParts writes data as a multipart upload cut into parts of the given
// sizes, and completes it.
func uploadParts(t *testing.T, s store.Store, key string, data []byte, sizes []int64, opts store.PutOptions) store.ObjectInfo {
	t.Helper()
	id, err := s.CreateMultipart(ctx(t), key, opts)
	require.NoError(t, err, "create multipart")
	require.NotEmpty(t, id, "upload id")
	parts := make([]store.Part, 0, len(sizes))
	var off int64
	for i, n := range sizes {
		chunk := data[off : off+n]
		off += n
		sum := md5.Sum(chunk)
		p, err := s.UploadPart(ctx(t), key, id, i+1, bytes.NewReader(chunk), n, sum[:])
		if err != nil {
			_ = s.AbortMultipart(ctx(t), key, id)
		}
		require.NoErrorf(t, err, "upload part %d", i+1)
		assert.Equalf(t, i+1, p.Number, "part %d number", i+1)
		assert.Equalf(t, n, p.Size, "part %d size", i+1)
		assert.NotEmptyf(t, p.ETag, "part %d ETag", i+1)
		assert.Equalf(t, sum[:], p.MD5, "part %d MD5", i+1)
		parts = append(parts, p)
	}
	require.Equal(t, int64(len(data)), off, "part sizes must add up to the data")
	info, err := s.CompleteMultipart(ctx(t), key, id, parts)
	if err != nil {
		_ = s.AbortMultipart(ctx(t), key, id)
	}
	require.NoError(t, err, "complete multipart")
	return info
}
