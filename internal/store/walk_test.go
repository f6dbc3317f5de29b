package store_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

// emptyPages wraps a real store: its List answers with an empty page
// marked truncated on the calls listed in at (1-based), and passes every
// other call through to the real endpoint, as a store that returns an
// empty page with a continuation token does.
type emptyPages struct {
	store.Store
	mu    sync.Mutex
	calls int
	at    func(call int) bool
}

func (e *emptyPages) List(ctx context.Context, opts store.ListOptions) (store.ListPage, error) {
	e.mu.Lock()
	e.calls++
	empty := e.at(e.calls)
	e.mu.Unlock()
	if empty {
		return store.ListPage{Truncated: true}, nil
	}
	return e.Store.List(ctx, opts)
}

func seedKeys(t *testing.T, st store.Store, n int) []string {
	t.Helper()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("p/k%04d", i)
		_, err := st.Put(context.Background(), keys[i], bytes.NewReader([]byte("x")), 1, store.PutOptions{})
		require.NoError(t, err)
	}
	return keys
}

// An empty truncated page is not the end of the listing: Walk and ListAll
// list again and see every key.
func TestWalkFollowsEmptyTruncatedPages(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	real := env.S3Store(t, env.Bucket("walk"), nil)
	keys := seedKeys(t, real, 5)
	st := &emptyPages{Store: real, at: func(call int) bool { return call <= 3 }}

	got, err := store.ListAll(context.Background(), st, "p/")
	require.NoError(t, err)
	var listed []string
	for _, o := range got {
		listed = append(listed, o.Key)
	}
	assert.Equal(t, keys, listed)
}

// A Lister pulls the same listing, from a key on.
func TestListerFollowsEmptyTruncatedPages(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	real := env.S3Store(t, env.Bucket("walk"), nil)
	keys := seedKeys(t, real, 5)
	st2 := &emptyPages{Store: real, at: func(call int) bool { return call%2 == 1 }}
	l := store.NewLister(st2, "p/", keys[1])
	var rest []string
	for {
		o, ok, err := l.Next(context.Background())
		require.NoError(t, err)
		if !ok {
			break
		}
		rest = append(rest, o.Key)
	}
	assert.Equal(t, keys[2:], rest)
}

// A store that never advances fails the walk with a clear error instead of
// looping forever.
func TestWalkGivesUpOnAStalledListing(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	real := env.S3Store(t, env.Bucket("walk"), nil)
	seedKeys(t, real, 2)
	st := &emptyPages{Store: real, at: func(int) bool { return true }}
	err := store.Walk(context.Background(), st, "p/", func(store.ObjectInfo) error { return nil })
	require.ErrorIs(t, err, store.ErrListingStalled)
	assert.Contains(t, err.Error(), real.String())
	assert.Contains(t, err.Error(), `"p/"`)
	assert.Equal(t, store.MaxEmptyPages, st.calls)
}
