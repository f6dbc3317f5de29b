package activities_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocimove/ocimove/internal/testing/acttest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/memroute"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

// storesByPlan opens each plan's own stores.
type storesByPlan map[string]activities.Stores

func (s storesByPlan) Stores(_ context.Context, p *plan.Plan) (activities.Stores, error) {
	st, ok := s[p.ID]
	if !ok {
		return activities.Stores{}, fmt.Errorf("no stores for %s", p.ID)
	}
	return st, nil
}

// inFlight counts the object PUTs in flight at the OCI endpoint per
// bucket, and the most seen at once.
type inFlight struct {
	mu       sync.Mutex
	now, max map[string]int
}

func (f *inFlight) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bucket := ""
		if parts := strings.Split(r.URL.Path, "/"); len(parts) > 5 && parts[3] == "b" && parts[5] == "o" && r.Method == http.MethodPut {
			bucket = parts[4]
		}
		if bucket == "" {
			h.ServeHTTP(w, r)
			return
		}
		f.mu.Lock()
		f.now[bucket]++
		f.max[bucket] = max(f.max[bucket], f.now[bucket])
		f.mu.Unlock()
		defer func() {
			f.mu.Lock()
			f.now[bucket]--
			f.mu.Unlock()
		}()
		h.ServeHTTP(w, r)
	})
}

// Two migrations on one worker each keep their own limits: their own
// objects in flight (bounded by the worker's), their own rates, their own
// limiter under the worker's ceiling; a shard tuned on its own gets a
// limiter of its own; and a restarted worker applies the carried limits
// from its first activity.
func TestTwoMigrationsKeepTheirOwnLimits(t *testing.T) {
	seen := &inFlight{now: map[string]int{}, max: map[string]int{}}
	env := testenv.Start(t, testenv.Options{WrapOCI: seen.wrap})
	a := newPlan("mig-a", env.Bucket("src-a"), env.Bucket("dst-a"))
	a.Limits = plan.Limits{Concurrency: 2, RequestsPerSecond: 400, BytesPerSecond: 8 << 20}
	b := newPlan("mig-b", env.Bucket("src-b"), env.Bucket("dst-b"))
	b.Limits = plan.Limits{Concurrency: 6}
	wide := newPlan("mig-wide", env.Bucket("src-w"), env.Bucket("dst-w"))
	wide.Limits = plan.Limits{Concurrency: 64} // above the worker's 8
	plans := []*plan.Plan{a, b, wide}
	resolver := storesByPlan{}
	for _, p := range plans {
		src := env.S3Store(t, p.Sources.Primary.Place().Bucket, nil)
		dst := env.OCIStore(t, p.Destination.Place().Bucket, nil)
		resolver[p.ID] = activities.Stores{Source: src, Destination: dst, Manifest: dst}
		for i := range 24 {
			put(t, src, fmt.Sprintf("%sk%02d", shardPrefix, i), randomBytes(t, 1000))
		}
	}
	env.OCI.Faults().Set(faults.Rule{Op: "put", Latency: 150 * time.Millisecond})
	newActs := func() *activities.Activities {
		eng, err := engine.New(engine.Config{PartSize: 1 << 20, PoolBytes: 32 << 20, Concurrency: 8})
		require.NoError(t, err)
		cache := activities.NewPlanCache(nil)
		for _, p := range plans {
			cache.Add(p)
		}
		acts, err := activities.New(activities.Config{Plans: cache, Engine: eng, Stores: resolver,
			Routing: acttest.StaticRouting{Route: memroute.New()}})
		require.NoError(t, err)
		return acts
	}
	ref := func(p *plan.Plan, l *activities.RateLimits) activities.ShardRef {
		return activities.ShardRef{MigrationID: p.ID, PlanFingerprint: p.Fingerprint(), ShardID: plan.ShardID(shardPrefix),
			Prefix: shardPrefix, Limits: l}
	}
	var suite testsuite.WorkflowTestSuite
	run := func(acts *activities.Activities, r activities.ShardRef, batch int) {
		env := suite.NewTestActivityEnvironment()
		env.RegisterActivity(acts)
		_, err := env.ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{Shard: r, Batch: batch, Limit: 100, StartAt: time.Now()})
		require.NoError(t, err)
	}

	acts := newActs()
	var wg sync.WaitGroup
	for _, p := range plans {
		wg.Go(func() {
			run(acts, ref(p, &activities.RateLimits{BytesPerSecond: float64(p.Limits.BytesPerSecond), RequestsPerSecond: p.Limits.RequestsPerSecond}), 0)
		})
	}
	wg.Wait()
	seen.mu.Lock()
	assert.Equal(t, 2, seen.max[a.Destination.Place().Bucket], "migration a holds to its 2 objects in flight")
	assert.Equal(t, 6, seen.max[b.Destination.Place().Bucket], "migration b to its 6")
	assert.Equal(t, 8, seen.max[wide.Destination.Place().Bucket], "a plan asking for more than the worker allows gets the worker's 8")
	seen.mu.Unlock()

	la, ok := activities.LimitsOf(acts, a.ID, "")
	require.True(t, ok)
	assert.Equal(t, activities.ScopeLimits{Migration: a.ID, BytesPerSecond: 8 << 20, RequestsPerSecond: 400, Concurrency: 2}, la)
	lb, ok := activities.LimitsOf(acts, b.ID, "")
	require.True(t, ok)
	assert.Equal(t, activities.ScopeLimits{Migration: b.ID, Concurrency: 6}, lb, "b's rates are its own, not a's")
	assert.Len(t, activities.ScopesOf(acts), 3)

	// A shard of a tuned on its own: a limiter of its own; a's is untouched.
	env.OCI.Faults().Clear()
	run(acts, ref(a, &activities.RateLimits{BytesPerSecond: 1 << 20, RequestsPerSecond: 10, Shard: true}), 1)
	ls, ok := activities.LimitsOf(acts, a.ID, plan.ShardID(shardPrefix))
	require.True(t, ok)
	assert.Equal(t, float64(1<<20), ls.BytesPerSecond)
	assert.Equal(t, 10.0, ls.RequestsPerSecond)
	la, _ = activities.LimitsOf(acts, a.ID, "")
	assert.Equal(t, float64(8<<20), la.BytesPerSecond, "the migration's limiter is untouched by its tuned shard")

	// A restarted worker: its first activity applies the limits it carries.
	restarted := newActs()
	_, ok = activities.LimitsOf(restarted, a.ID, "")
	require.False(t, ok)
	run(restarted, ref(a, &activities.RateLimits{BytesPerSecond: 3 << 20, RequestsPerSecond: 7}), 2)
	la, ok = activities.LimitsOf(restarted, a.ID, "")
	require.True(t, ok)
	assert.Equal(t, float64(3<<20), la.BytesPerSecond)
	assert.Equal(t, 7.0, la.RequestsPerSecond)
}

// A worker forgets the migrations whose workflow has closed once their
// stores have been idle: their stores, plan and limiters; a migration
// still running is kept.
func TestClosedMigrationsAreForgotten(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	done := newPlan("mig-done", env.Bucket("src-d"), env.Bucket("dst-d"))
	live := newPlan("mig-live", env.Bucket("src-l"), env.Bucket("dst-l"))
	resolver := storesByPlan{}
	for _, p := range []*plan.Plan{done, live} {
		src := env.S3Store(t, p.Sources.Primary.Place().Bucket, nil)
		dst := env.OCIStore(t, p.Destination.Place().Bucket, nil)
		resolver[p.ID] = activities.Stores{Source: src, Destination: dst, Manifest: dst}
		put(t, src, shardPrefix+"k", randomBytes(t, 100))
	}
	eng, err := engine.New(engine.Config{PartSize: 1 << 20, PoolBytes: 16 << 20})
	require.NoError(t, err)
	cache := activities.NewPlanCache(nil)
	cache.Add(done)
	cache.Add(live)
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var asked []string
	acts, err := activities.New(activities.Config{Plans: cache, Engine: eng, Stores: resolver,
		Routing: acttest.StaticRouting{Route: memroute.New()}, SessionIdle: 10 * time.Minute,
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
		MigrationClosed: func(_ context.Context, id string) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			asked = append(asked, id)
			return id == done.ID, nil
		}})
	require.NoError(t, err)
	var suite testsuite.WorkflowTestSuite
	copyOne := func(p *plan.Plan) {
		aenv := suite.NewTestActivityEnvironment()
		aenv.RegisterActivity(acts)
		_, err := aenv.ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{Batch: 0, Limit: 10, StartAt: now,
			Shard: activities.ShardRef{MigrationID: p.ID, PlanFingerprint: p.Fingerprint(), ShardID: plan.ShardID(shardPrefix), Prefix: shardPrefix}})
		require.NoError(t, err)
	}
	copyOne(done)
	copyOne(live)
	assert.Equal(t, []string{done.ID, live.ID}, activities.SessionsOf(acts))

	mu.Lock()
	now = now.Add(11 * time.Minute) // both idle
	mu.Unlock()
	copyOne(live) // the next activity sweeps
	assert.Equal(t, []string{live.ID}, activities.SessionsOf(acts), "the closed migration is forgotten")
	assert.Contains(t, asked, done.ID)
	_, known := activities.LimitsOf(acts, done.ID, "")
	assert.False(t, known, "its limiter too")
}
