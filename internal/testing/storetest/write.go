package storetest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
)

// testConditionalPut checks If-None-Match and If-Match writes.
func testConditionalPut(t *testing.T, h Harness) {
	s := h.New(t)

	t.Run("if-none-match", func(t *testing.T) {
		const key = "cond/none-match"
		first := put(t, s, key, []byte("first"), store.PutOptions{IfNoneMatch: true})
		require.NotEmpty(t, first.ETag)

		second := []byte("second")
		_, err := s.Put(ctx(t), key, bytes.NewReader(second), int64(len(second)),
			store.PutOptions{IfNoneMatch: true, ContentMD5: md5Of(second)})
		require.Error(t, err, "if-none-match on an existing key must fail")
		assert.Truef(t, errors.Is(err, store.ErrPreconditionFailed), "want ErrPreconditionFailed, got %v", err)

		got, info := getAll(t, s, key, store.GetOptions{})
		assert.Equal(t, "first", string(got), "object changed by a failed conditional put")
		assert.Equal(t, first.ETag, info.ETag)
	})

	t.Run("if-match", func(t *testing.T) {
		const key = "cond/match"
		v1 := put(t, s, key, []byte("v1"), store.PutOptions{})
		v2 := put(t, s, key, []byte("v2 content"), store.PutOptions{IfMatch: v1.ETag})
		require.NotEqual(t, v1.ETag, v2.ETag)
		got, _ := getAll(t, s, key, store.GetOptions{})
		assert.Equal(t, "v2 content", string(got), "if-match with the current ETag writes")

		stale := []byte("v3 from a stale writer")
		_, err := s.Put(ctx(t), key, bytes.NewReader(stale), int64(len(stale)),
			store.PutOptions{IfMatch: v1.ETag, ContentMD5: md5Of(stale)})
		require.Error(t, err, "if-match with a stale ETag must fail")
		assert.Truef(t, errors.Is(err, store.ErrPreconditionFailed), "want ErrPreconditionFailed, got %v", err)

		got, info := getAll(t, s, key, store.GetOptions{})
		assert.Equal(t, "v2 content", string(got), "object changed by a failed conditional put")
		assert.Equal(t, v2.ETag, info.ETag)
	})
}

// testPutWrongContentMD5 checks that a Put whose bytes differ from its
// Content-MD5 is refused with ErrChecksumMismatch and leaves nothing behind:
// no new object, and an existing object unchanged.
func testPutWrongContentMD5(t *testing.T, h Harness) {
	s := h.New(t)
	data := []byte("the bytes actually sent")
	wrong := md5Of([]byte("the bytes the client meant to send"))

	t.Run("new-key", func(t *testing.T) {
		const key = "badmd5/new"
		_, err := s.Put(ctx(t), key, bytes.NewReader(data), int64(len(data)), store.PutOptions{ContentMD5: wrong})
		require.Error(t, err, "a put with a wrong Content-MD5 must fail")
		assert.Truef(t, errors.Is(err, store.ErrChecksumMismatch), "want ErrChecksumMismatch, got %v", err)
		_, err = s.Head(ctx(t), key)
		assert.Truef(t, errors.Is(err, store.ErrNotFound), "head after a refused put: want ErrNotFound, got %v", err)
	})

	t.Run("overwrite", func(t *testing.T) {
		const key = "badmd5/existing"
		orig := put(t, s, key, []byte("original"), store.PutOptions{})
		_, err := s.Put(ctx(t), key, bytes.NewReader(data), int64(len(data)), store.PutOptions{ContentMD5: wrong})
		require.Error(t, err, "a put with a wrong Content-MD5 must fail")
		assert.Truef(t, errors.Is(err, store.ErrChecksumMismatch), "want ErrChecksumMismatch, got %v", err)
		got, info := getAll(t, s, key, store.GetOptions{})
		assert.Equal(t, "original", string(got), "a refused put changed the object")
		assert.Equal(t, orig.ETag, info.ETag)
	})
}
