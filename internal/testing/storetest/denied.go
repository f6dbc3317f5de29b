package storetest

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
)

// wantDenied checks that err is a permanent permission-denied error.
func wantDenied(t *testing.T, op string, err error) {
	t.Helper()
	if !assert.Errorf(t, err, "%s must be refused", op) {
		return
	}
	assert.Truef(t, errors.Is(err, store.ErrPermission), "%s: want ErrPermission, got %v", op, err)
	assert.Equalf(t, store.Permanent, store.ClassOf(err), "%s: class of %v", op, err)
}

// deniedOps runs every data-path operation on key and checks that each is
// refused.
func deniedOps(t *testing.T, s store.Store, key string, withList bool) {
	t.Helper()
	c := ctx(t)
	if withList {
		_, err := s.List(c, store.ListOptions{Prefix: ""})
		wantDenied(t, "list", err)
	}
	_, err := s.Head(c, key)
	wantDenied(t, "head", err)

	rc, _, err := s.Get(c, key, store.GetOptions{})
	if rc != nil {
		_, _ = io.Copy(io.Discard, rc)
		rc.Close()
	}
	wantDenied(t, "get", err)

	data := []byte("denied write")
	_, err = s.Put(c, key, bytes.NewReader(data), int64(len(data)), store.PutOptions{ContentMD5: md5Of(data)})
	wantDenied(t, "put", err)

	id, err := s.CreateMultipart(c, key, store.PutOptions{})
	wantDenied(t, "create multipart", err)
	if err == nil {
		_ = s.AbortMultipart(c, key, id)
	}

	wantDenied(t, "delete", s.Delete(c, key))
}

// testPermissionDeny checks operations on keys the endpoint denies.
func testPermissionDeny(t *testing.T, h Harness) {
	if h.Deny == nil {
		t.Skipf("harness %s has no Deny: permission denied is covered by BadCredentials only", h.Name)
	}
	s := h.New(t)
	const key = "denied/secret.txt"
	put(t, s, key, []byte("secret"), store.PutOptions{})
	put(t, s, "allowed/open.txt", []byte("open"), store.PutOptions{})

	h.Deny(t, s, "denied/")
	deniedOps(t, s, key, false)

	// Keys outside the denied prefix still work.
	got, _ := getAll(t, s, "allowed/open.txt", store.GetOptions{})
	assert.Equal(t, "open", string(got))
}

// testPermissionBadCredentials checks that a store with wrong credentials is
// refused on every operation.
func testPermissionBadCredentials(t *testing.T, h Harness) {
	s := h.BadCredentials(t)
	require.NotNil(t, s)
	deniedOps(t, s, "any/key.txt", true)

	_, err := s.ListParts(ctx(t), "any/key.txt", "some-upload")
	wantDenied(t, "list parts", err)
	wantDenied(t, "abort multipart", s.AbortMultipart(ctx(t), "any/key.txt", "some-upload"))
}
