package activities_test

import (
	"context"
	"crypto/rsa"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/local/localoci"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/testing/acttest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

// writeActivities are every activity that writes to the destination or
// the manifest store, with an input that would write if allowed.
func writeActivities(f *fixture) map[string]any {
	return map[string]any{
		activities.CopyBatchName:   activities.CopyBatchInput{Shard: f.ref, Batch: 1, Limit: 10, StartAt: time.Now()},
		activities.DeltaRoundName:  activities.DeltaInput{Shard: f.ref, Round: 1},
		activities.RecopyName:      activities.RecopyInput{Shard: f.ref, Keys: []string{shardPrefix + "k00"}, Round: 1},
		activities.VerifyShardName: activities.VerifyInput{Shard: f.ref, Mode: "full", Batches: 1},
		activities.FinalVerifyName: activities.FinalVerifyInput{Shard: f.ref, FrozenAt: time.Now(), Freeze: 1},
		activities.PurgeName:       f.ref,
		activities.ReverseSyncName: activities.ReverseSyncInput{Shard: f.ref, CutoverAt: time.Now()},
	}
}

// requireEmpty fails unless the whole bucket behind st (every prefix,
// manifests included) holds no object.
func requireEmpty(t *testing.T, st store.Store) {
	t.Helper()
	objs, err := store.ListAll(context.Background(), st, "")
	require.NoError(t, err)
	keys := make([]string, 0, len(objs))
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	require.Empty(t, keys, "nothing may be written to a region outside residency.allowedRegions")
}

// TestResidencyRefusesEveryWriteActivity calls every writing activity
// directly (no plan validation, no pre-flight) with a plan whose allowed
// regions exclude the destination's: each fails at once with a permanent
// Residency error, and the destination bucket stays empty.
func TestResidencyRefusesEveryWriteActivity(t *testing.T) {
	f := newFixture(t, func(p *planT) { p.Residency.AllowedRegions = []string{"eu-frankfurt-1"}; p.Purge.Enabled = true })
	f.seed(t, 3, 100)
	for name, in := range writeActivities(f) {
		_, err := f.actEnv().ExecuteActivity(name, in)
		requireAppErr(t, err, activities.ErrTypeResidency, true)
		assert.Contains(t, err.Error(), testenv.OCIRegion, name)
		requireEmpty(t, f.dst)
	}
}

// TestResidencyFollowsTheEndpointNotTheLabel points the destination at an
// endpoint that serves eu-frankfurt-1 while the plan's label says
// us-ashburn-1 (which is allowed): the plan is valid, but the region is
// derived from the endpoint actually used, so the first write is refused
// as a permanent error and nothing reaches the bucket.
func TestResidencyFollowsTheEndpointNotTheLabel(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	fra, err := localoci.New(localoci.Config{Region: "eu-frankfurt-1", Namespace: env.OCI.Namespace(),
		PublicKeys: map[string]*rsa.PublicKey{env.OCICreds.KeyID: env.OCICreds.PublicKey}})
	require.NoError(t, err)
	hs := httptest.NewServer(fra.Handler())
	t.Cleanup(hs.Close)
	srcBucket := env.Bucket("src")
	require.NoError(t, env.S3.CreateBucket(srcBucket))
	f := newFixtureOn(t, env, srcBucket, func(p *planT) { p.Purge.Enabled = true })
	require.NoError(t, f.plan.Validate(), "the plan itself is valid: its label names an allowed region")
	require.NoError(t, fra.CreateBucket("fra-dst"))
	dst, err := ocistore.New(context.Background(), testenv.OCIConfig(hs.URL, env.OCICreds, "fra-dst", nil))
	require.NoError(t, err)
	f = f.withStores(t, dst)
	f.seed(t, 3, 100)

	_, err = f.actEnv().ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{
		Shard: f.ref, Batch: 1, Limit: 10, StartAt: time.Now()})
	requireAppErr(t, err, activities.ErrTypeResidency, true)
	assert.Contains(t, err.Error(), "eu-frankfurt-1")
	requireEmpty(t, dst)
	for name, in := range writeActivities(f) {
		_, err := f.actEnv().ExecuteActivity(name, in)
		requireAppErr(t, err, activities.ErrTypeResidency, true)
		requireEmpty(t, dst)
	}
}

// withStores returns a copy of f whose activities write to dst (the
// destination and the manifest store), with the same plan and source.
func (f *fixture) withStores(t *testing.T, dst *ocistore.Store) *fixture {
	t.Helper()
	g := &fixture{env: f.env, src: f.src, dst: dst, plan: f.plan, routes: f.routes, ref: f.ref}
	eng, err := engine.New(engine.Config{PartSize: 1 << 20, PoolBytes: 16 << 20, Concurrency: 4,
		Attempts: 2, RetryBackoff: 10 * time.Millisecond})
	require.NoError(t, err)
	plans := activities.NewPlanCache(nil)
	plans.Add(f.plan)
	g.acts, err = activities.New(activities.Config{
		Plans:   plans,
		Stores:  acttest.StaticStores{Source: f.src, Destination: dst, Manifest: dst},
		Routing: acttest.StaticRouting{Route: f.routes},
		Engine:  eng,
	})
	require.NoError(t, err)
	return g
}
