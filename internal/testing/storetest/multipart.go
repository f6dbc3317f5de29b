package storetest

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/ocimove/ocimove/internal/store"
)

const (
	// largeSize is the size of the large multipart object: at least 100 MiB,
	// with a short last part.
	largeSize = 100<<20 + 12345
	// largePartSize is the preferred part size of the large object; the
	// store's MinPartSize wins if it is larger.
	largePartSize = 8 << 20
	// largeUploaders is how many parts upload at once. With one buffer
	// being filled, at most largeUploaders+1 parts are in memory.
	largeUploaders = 2
)

// testMultipartLarge streams a 100 MiB object from a seeded PRNG through a
// multipart upload and checks the SHA-256 of what Get returns.
func testMultipartLarge(t *testing.T, h Harness) {
	s := h.New(t)
	lim := partLimits(t, s)
	partSize := max(int64(largePartSize), lim.MinPartSize, (largeSize+int64(lim.MaxParts)-1)/int64(lim.MaxParts))
	partSize = min(partSize, lim.MaxPartSize)
	nparts := int((largeSize + partSize - 1) / partSize)
	require.GreaterOrEqual(t, nparts, 2, "the large object must take several parts")
	require.LessOrEqual(t, nparts, lim.MaxParts)

	const key = "large/object.bin"
	c := ctx(t)
	id, err := s.CreateMultipart(c, key, store.PutOptions{Metadata: store.Metadata{ContentType: "application/octet-stream"}})
	require.NoError(t, err)
	uploaded := false
	t.Cleanup(func() {
		if !uploaded {
			_ = s.AbortMultipart(t.Context(), key, id)
		}
	})

	pool := make(chan []byte, largeUploaders+1)
	for range largeUploaders + 1 {
		pool <- make([]byte, partSize)
	}
	var (
		parts    = make([]store.Part, nparts)
		sent     = sha256.New()
		rng      = rand.NewChaCha8(seedBytes(100))
		boundary []byte // the 32 bytes around the end of part 1
	)
	g, gctx := errgroup.WithContext(c)
	g.SetLimit(largeUploaders)
	for i := range nparts {
		n := min(partSize, largeSize-int64(i)*partSize)
		var buf []byte
		select {
		case buf = <-pool:
		case <-gctx.Done():
		}
		if buf == nil {
			break
		}
		buf = buf[:n]
		fillRandom(rng, buf)
		sent.Write(buf)
		switch i {
		case 0:
			boundary = append(boundary, buf[n-16:]...)
		case 1:
			boundary = append(boundary, buf[:16]...)
		}
		sum := md5.Sum(buf)
		g.Go(func() error {
			defer func() { pool <- buf[:cap(buf)] }()
			p, err := s.UploadPart(gctx, key, id, i+1, bytes.NewReader(buf), n, sum[:])
			if err != nil {
				return fmt.Errorf("upload part %d of %d: %w", i+1, nparts, err)
			}
			parts[i] = p
			return nil
		})
	}
	require.NoError(t, g.Wait())

	info, err := s.CompleteMultipart(c, key, id, parts)
	require.NoError(t, err, "complete multipart")
	uploaded = true
	assert.Equal(t, int64(largeSize), info.Size, "complete size")

	hinfo, err := s.Head(c, key)
	require.NoError(t, err)
	assert.Equal(t, int64(largeSize), hinfo.Size, "head size")
	assert.Equal(t, "application/octet-stream", hinfo.Metadata.ContentType, "metadata set at create applies to the object")

	rc, ginfo, err := s.Get(c, key, store.GetOptions{IfMatch: hinfo.ETag})
	require.NoError(t, err)
	got := sha256.New()
	n, err := io.Copy(got, rc)
	rc.Close()
	require.NoError(t, err, "read the large object")
	assert.Equal(t, int64(largeSize), n, "bytes read")
	assert.Equal(t, int64(largeSize), ginfo.Size, "get size")
	assert.Equal(t, sent.Sum(nil), got.Sum(nil), "SHA-256 of what Get returned differs from what was sent")

	// A range across the first part boundary.
	b, _ := getAll(t, s, key, store.GetOptions{Range: &store.Range{Offset: partSize - 16, Length: 32}})
	assert.Equal(t, boundary, b, "range across the part boundary")
}

// testMultipartListParts uploads parts in two sessions, listing them in
// between as a resumed upload would, and completes with the listed parts.
func testMultipartListParts(t *testing.T, h Harness) {
	s := h.New(t)
	minPart := partLimits(t, s).MinPartSize
	const key = "resume/object.bin"
	data := randomBytes(7, minPart+1000)
	p1, p2 := data[:minPart], data[minPart:]

	id, err := s.CreateMultipart(ctx(t), key, store.PutOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.AbortMultipart(t.Context(), key, id) })

	parts, err := s.ListParts(ctx(t), key, id)
	require.NoError(t, err, "list parts of a new upload")
	assert.Empty(t, parts, "a new upload has no parts")

	up1, err := s.UploadPart(ctx(t), key, id, 1, bytes.NewReader(p1), int64(len(p1)), md5Of(p1))
	require.NoError(t, err)

	parts, err = s.ListParts(ctx(t), key, id)
	require.NoError(t, err)
	require.Len(t, parts, 1)
	checkPart(t, parts[0], up1, p1)

	// The second session first sends a wrong part 2, then replaces it: a
	// part number uploaded again replaces the earlier bytes.
	wrong := bytes.Repeat([]byte{'w'}, 10)
	_, err = s.UploadPart(ctx(t), key, id, 2, bytes.NewReader(wrong), int64(len(wrong)), md5Of(wrong))
	require.NoError(t, err)
	up2, err := s.UploadPart(ctx(t), key, id, 2, bytes.NewReader(p2), int64(len(p2)), md5Of(p2))
	require.NoError(t, err)

	parts, err = s.ListParts(ctx(t), key, id)
	require.NoError(t, err)
	require.Len(t, parts, 2)
	checkPart(t, parts[0], up1, p1)
	checkPart(t, parts[1], up2, p2)

	info, err := s.CompleteMultipart(ctx(t), key, id, parts)
	require.NoError(t, err, "complete with the listed parts")
	assert.Equal(t, int64(len(data)), info.Size)

	got, _ := getAll(t, s, key, store.GetOptions{})
	assert.Equal(t, sha256.Sum256(data), sha256.Sum256(got), "content differs")
}

// checkPart compares a listed part with the one UploadPart returned.
func checkPart(t *testing.T, listed, uploaded store.Part, data []byte) {
	t.Helper()
	assert.Equal(t, uploaded.Number, listed.Number, "part number")
	assert.Equalf(t, int64(len(data)), listed.Size, "part %d size", listed.Number)
	assert.Equalf(t, uploaded.ETag, listed.ETag, "part %d ETag", listed.Number)
	assert.Equalf(t, md5Of(data), listed.MD5, "part %d MD5 (needed to complete a resumed upload)", listed.Number)
}

// testMultipartAbort checks that an aborted upload leaves neither an object
// nor an upload.
func testMultipartAbort(t *testing.T, h Harness) {
	s := h.New(t)
	const key = "abort/object.bin"
	data := randomBytes(3, 4096)

	id, err := s.CreateMultipart(ctx(t), key, store.PutOptions{})
	require.NoError(t, err)
	_, err = s.UploadPart(ctx(t), key, id, 1, bytes.NewReader(data), int64(len(data)), md5Of(data))
	require.NoError(t, err)

	require.NoError(t, s.AbortMultipart(ctx(t), key, id))

	_, err = s.ListParts(ctx(t), key, id)
	require.Error(t, err, "list parts of an aborted upload")
	assert.Truef(t, errors.Is(err, store.ErrNotFound), "list parts after abort: want ErrNotFound, got %v", err)

	_, err = s.Head(ctx(t), key)
	assert.Truef(t, errors.Is(err, store.ErrNotFound), "head after abort: want ErrNotFound, got %v", err)
	objs, _ := listAll(t, s, "abort/", "", 0)
	assert.Empty(t, keysOf(objs), "objects after abort")

	assert.NoError(t, s.AbortMultipart(ctx(t), key, id), "aborting an aborted upload is not an error")
	assert.NoError(t, s.AbortMultipart(ctx(t), key, "no-such-upload-id"), "aborting an unknown upload is not an error")
}

// testMultipartWrongPartMD5 checks that a corrupted part is refused, and
// that CompleteMultipart detects a part MD5 that differs from what the
// store holds.
func testMultipartWrongPartMD5(t *testing.T, h Harness) {
	s := h.New(t)
	minPart := partLimits(t, s).MinPartSize
	const key = "badpart/object.bin"
	data := randomBytes(11, minPart+500)
	p1, p2 := data[:minPart], data[minPart:]

	id, err := s.CreateMultipart(ctx(t), key, store.PutOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.AbortMultipart(t.Context(), key, id) })

	t.Run("upload-part-corrupted", func(t *testing.T) {
		_, err := s.UploadPart(ctx(t), key, id, 2, bytes.NewReader(p2), int64(len(p2)), md5Of(append([]byte("x"), p2...)))
		require.Error(t, err, "a part whose bytes differ from its MD5 must be refused")
		assert.Truef(t, errors.Is(err, store.ErrChecksumMismatch), "want ErrChecksumMismatch, got %v", err)
	})

	up1, err := s.UploadPart(ctx(t), key, id, 1, bytes.NewReader(p1), int64(len(p1)), md5Of(p1))
	require.NoError(t, err)
	up2, err := s.UploadPart(ctx(t), key, id, 2, bytes.NewReader(p2), int64(len(p2)), md5Of(p2))
	require.NoError(t, err)

	tampered := up2
	tampered.MD5 = append([]byte(nil), up2.MD5...)
	tampered.MD5[0] ^= 0xff
	_, err = s.CompleteMultipart(ctx(t), key, id, []store.Part{up1, tampered})
	require.Error(t, err, "complete with a tampered part MD5 must fail")
	assert.Truef(t, errors.Is(err, store.ErrChecksumMismatch), "want ErrChecksumMismatch, got %v", err)
}
