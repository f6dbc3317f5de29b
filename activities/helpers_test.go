package activities_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ocimove/ocimove/internal/testing/acttest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/routing/memroute"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

const shardPrefix = "s/"

type planT = plan.Plan

// fixture is a migration of one shard between real local endpoints.
type fixture struct {
	env    *testenv.Env
	src    *s3store.Store
	dst    *ocistore.Store
	plan   *plan.Plan
	acts   *activities.Activities
	routes *memroute.Target
	ref    activities.ShardRef
	suite  testsuite.WorkflowTestSuite
}

func newPlan(id, srcBucket, dstBucket string, allowed ...string) *plan.Plan {
	if len(allowed) == 0 {
		allowed = []string{testenv.OCIRegion}
	}
	p := &plan.Plan{
		ID:          id,
		Sources:     plan.Sources{Primary: plan.PrimarySource{Location: plan.At(&s3store.Settings{Bucket: srcBucket, Region: testenv.S3Region})}},
		Destination: plan.Destination{Location: plan.At(&ocistore.Settings{Region: testenv.OCIRegion, Bucket: dstBucket})},
		Shards:      plan.Shards{Prefixes: []string{shardPrefix}},
		Cutover:     plan.Cutover{Target: plan.Target{Settings: &fileroute.Settings{Path: "/tmp/routes.json"}}},
		Residency:   plan.Residency{AllowedRegions: allowed},
	}
	p.Normalize()
	return p
}

func newFixture(t *testing.T, mutate ...func(*plan.Plan)) *fixture {
	t.Helper()
	env := testenv.Start(t, testenv.Options{})
	srcBucket := env.Bucket("src")
	require.NoError(t, env.S3.CreateBucket(srcBucket))
	return newFixtureOn(t, env, srcBucket, mutate...)
}

// newFixtureOn builds a fixture whose source is the existing bucket srcBucket.
func newFixtureOn(t *testing.T, env *testenv.Env, srcBucket string, mutate ...func(*plan.Plan)) *fixture {
	t.Helper()
	f := &fixture{env: env, routes: memroute.New()}
	dstBucket := env.Bucket("dst")
	var err error
	f.src, err = s3store.New(context.Background(), testenv.S3Config(env.S3URL, srcBucket, nil))
	require.NoError(t, err)
	f.dst = env.OCIStore(t, dstBucket, nil)
	f.plan = newPlan("mig-1", srcBucket, dstBucket)
	for _, m := range mutate {
		m(f.plan)
	}
	eng, err := engine.New(engine.Config{PartSize: 1 << 20, PoolBytes: 16 << 20, Concurrency: 4,
		Attempts: 2, RetryBackoff: 10 * time.Millisecond})
	require.NoError(t, err)
	plans := activities.NewPlanCache(nil)
	plans.Add(f.plan)
	f.acts, err = activities.New(activities.Config{
		Plans:   plans,
		Stores:  acttest.StaticStores{Source: f.src, Destination: f.dst, Manifest: f.dst},
		Routing: acttest.StaticRouting{Route: f.routes},
		Engine:  eng,
	})
	require.NoError(t, err)
	f.ref = activities.ShardRef{MigrationID: f.plan.ID, PlanFingerprint: f.plan.Fingerprint(),
		ShardID: plan.ShardID(shardPrefix), Prefix: shardPrefix}
	return f
}

// actEnv returns a fresh activity environment with the activities registered.
func (f *fixture) actEnv() *testsuite.TestActivityEnvironment {
	env := f.suite.NewTestActivityEnvironment()
	env.RegisterActivity(f.acts)
	return env
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

// put writes an object to a store and returns its bytes.
func put(t *testing.T, st store.Store, key string, b []byte) {
	t.Helper()
	_, err := st.Put(context.Background(), key, bytes.NewReader(b), int64(len(b)), store.PutOptions{})
	require.NoError(t, err)
}

// seed writes n objects "s/kNN" of size bytes each to the source.
func (f *fixture) seed(t *testing.T, n, size int) []string {
	t.Helper()
	keys := make([]string, n)
	for i := range n {
		keys[i] = fmt.Sprintf("%sk%02d", shardPrefix, i)
		put(t, f.src, keys[i], randomBytes(t, size))
	}
	return keys
}

// copyAll copies the whole shard in batches of limit and returns the
// number of batches.
func (f *fixture) copyAll(t *testing.T, limit int) int {
	t.Helper()
	env := f.actEnv()
	cursor := ""
	for batch := 1; ; batch++ {
		v, err := env.ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{
			Shard: f.ref, Batch: batch, Cursor: cursor, Limit: limit, StartAt: time.Now()})
		require.NoError(t, err)
		var res activities.CopyBatchResult
		require.NoError(t, v.Get(&res))
		cursor = res.NextCursor
		if res.Done {
			return batch
		}
	}
}

func requireAppErr(t *testing.T, err error, errType string, nonRetryable bool) {
	t.Helper()
	require.Error(t, err)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	assert.Equal(t, errType, appErr.Type(), "%v", err)
	assert.Equal(t, nonRetryable, appErr.NonRetryable())
}
