package wire_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/internal/wire"
)

// TestWorkerStoreRetriesShowInMetrics: the stores a worker opens from a
// plan report to the worker's metrics, so that a 503 SlowDown from the
// source, retried by the store, counts in ocimove_store_retries_total and
// ocimove_store_throttled_total.
func TestWorkerStoreRetriesShowInMetrics(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	t.Setenv("AWS_ACCESS_KEY_ID", testenv.S3AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testenv.S3SecretKey)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	src, dst := env.Bucket("src"), env.Bucket("dst")
	require.NoError(t, env.S3.CreateBucket(src))
	require.NoError(t, env.OCI.CreateBucket(dst))

	p := plan.Example()
	p.ID, p.Sources.Copies, p.Purge.Enabled = "metrics", nil, false
	p.Sources.Primary = plan.PrimarySource{Location: plan.At(&s3store.Settings{Bucket: src, Region: testenv.S3Region,
		Endpoint: env.S3URL, UsePathStyle: true})}
	p.Destination.Location = plan.At(&ocistore.Settings{Namespace: env.OCI.Namespace(), Region: testenv.OCIRegion, Bucket: dst,
		Endpoint: env.OCIURL, Auth: ocistore.Auth{ConfigFile: env.OCICreds.ConfigPath, Profile: env.OCICreds.Profile}})
	p.Shards = plan.Shards{Prefixes: []string{"users/"}}
	p.Cutover.Target = plan.Target{Settings: &fileroute.Settings{Path: t.TempDir() + "/routes.json"}}
	p.Residency.AllowedRegions = []string{testenv.OCIRegion}
	p.Normalize()
	require.NoError(t, p.Validate())

	c, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	w, err := wire.NewWorker(wire.Config{Client: c, TaskQueue: "metrics"})
	require.NoError(t, err)

	// The source answers its first listing with 503 SlowDown; the store
	// retries it.
	env.S3.Faults().Add(faults.Rule{Op: "list", Status: 503, Count: 1})
	var suite testsuite.WorkflowTestSuite
	aenv := suite.NewTestActivityEnvironment()
	aenv.RegisterActivity(w.Activities)
	b, err := json.Marshal(p)
	require.NoError(t, err)
	v, err := aenv.ExecuteActivity(activities.PreflightName, activities.PreflightInput{PlanJSON: b})
	require.NoError(t, err)
	var res activities.PreflightResult
	require.NoError(t, v.Get(&res))
	require.Equal(t, 1, env.S3.Faults().Fired("list"), "the fault fired")
	assert.Empty(t, res.Problems, "the retried listing succeeds")

	assert.GreaterOrEqual(t, counted(t, w, "ocimove_store_retries_total", "list"), 1.0,
		"the store's retry is in ocimove_store_retries_total")
	assert.GreaterOrEqual(t, counted(t, w, "ocimove_store_throttled_total", "list"), 1.0,
		"the 503 SlowDown is in ocimove_store_throttled_total")
}

// counted sums the worker's counter name over its series of store
// operation op, whatever other labels they carry.
func counted(t *testing.T, w *wire.Worker, name, op string) float64 {
	t.Helper()
	mfs, err := w.Registry.Gather()
	require.NoError(t, err)
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "op" && l.GetValue() == op {
					sum += m.GetCounter().GetValue()
				}
			}
		}
	}
	return sum
}
