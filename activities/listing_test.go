package activities_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ocimove/ocimove/internal/testing/acttest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/store"
)

// emptyFirstPages wraps the real source store: its first n List calls
// answer with an empty page marked truncated (a store may do so and still
// have more to list); every other call goes to the local endpoint.
type emptyFirstPages struct {
	store.Store
	mu sync.Mutex
	n  int
}

func (e *emptyFirstPages) List(ctx context.Context, opts store.ListOptions) (store.ListPage, error) {
	e.mu.Lock()
	empty := e.n > 0
	e.n--
	e.mu.Unlock()
	if empty {
		return store.ListPage{Truncated: true}, nil
	}
	return e.Store.List(ctx, opts)
}

// useSource rebuilds the fixture's activities with src as the source.
func (f *fixture) useSource(t *testing.T, src store.Store) {
	t.Helper()
	eng, err := engine.New(engine.Config{PartSize: 1 << 20, PoolBytes: 16 << 20, Concurrency: 4})
	require.NoError(t, err)
	plans := activities.NewPlanCache(nil)
	plans.Add(f.plan)
	f.acts, err = activities.New(activities.Config{Plans: plans,
		Stores:  acttest.StaticStores{Source: src, Destination: f.dst, Manifest: f.dst},
		Routing: acttest.StaticRouting{Route: f.routes}, Engine: eng})
	require.NoError(t, err)
}

// A batch whose first listing page is empty but truncated copies the
// objects that follow instead of ending the shard's copy.
func TestCopyBatchFollowsEmptyTruncatedPage(t *testing.T) {
	f := newFixture(t)
	f.seed(t, 3, 100)
	f.useSource(t, &emptyFirstPages{Store: f.src, n: 2})
	v, err := f.actEnv().ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{
		Shard: f.ref, Batch: 1, Limit: 10, StartAt: time.Now()})
	require.NoError(t, err)
	var res activities.CopyBatchResult
	require.NoError(t, v.Get(&res))
	assert.EqualValues(t, 3, res.Counts.Copied)
	assert.True(t, res.Done)
}
