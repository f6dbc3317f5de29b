package e2e_test

import (
	"context"
	"crypto/rsa"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/local/localoci"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/testing/clitest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

// TestResidencyRefusesTheFirstWrite runs a migration on the embedded
// Temporal server whose destination endpoint serves eu-frankfurt-1 while
// the plan's label (and its only allowed region) is us-ashburn-1. The plan
// is valid and no pre-flight runs: the region is derived from the endpoint
// at the first write, which fails as a permanent (non-retryable) Residency
// error on its first attempt. The shard ends Failed, and the destination
// bucket holds nothing at all, manifests included.
func TestResidencyRefusesTheFirstWrite(t *testing.T) {
	dir := t.TempDir()
	_, tc := clitest.StartTemporal(t, dir)
	env := testenv.Start(t, testenv.Options{})
	src := env.S3Store(t, "res-src", nil)
	seedShards(t, src, []string{"users/0e/"}, 20, nil)

	fra, err := localoci.New(localoci.Config{Region: "eu-frankfurt-1", Namespace: env.OCI.Namespace(),
		PublicKeys: map[string]*rsa.PublicKey{env.OCICreds.KeyID: env.OCICreds.PublicKey}})
	require.NoError(t, err)
	hs := httptest.NewServer(fra.Handler())
	t.Cleanup(hs.Close)
	require.NoError(t, fra.CreateBucket("res-dst"))

	p := localPlan(env, "e2e-residency", "res-src", "res-dst", []string{"users/0e/"})
	p.Destination.Location = plan.At(&ocistore.Settings{Namespace: env.OCI.Namespace(), Region: testenv.OCIRegion, Bucket: "res-dst", Endpoint: hs.URL,
		Auth: ocistore.Auth{Method: ocistore.AuthConfigFile, ConfigFile: env.OCICreds.ConfigPath, Profile: env.OCICreds.Profile}})
	p.Cutover.Target = plan.Target{Settings: &fileroute.Settings{Path: filepath.Join(dir, "routes.json")}}
	p, _ = writePlan(t, p, dir)
	require.NoError(t, p.Validate(), "the plan is valid: its label names an allowed region")

	startWorker(t, tc, "ocimove-residency", p)
	startMigration(t, tc, "ocimove-residency", p)
	shards, err := p.ShardList()
	require.NoError(t, err)
	shard := shards[0].ID
	ctx := context.Background()
	var st workflows.ShardStatus
	eventually(t, 3*time.Minute, "the shard to fail", func() (bool, string) {
		st, err = shardStatus(ctx, tc, p.ID, shard)
		if err != nil {
			return false, err.Error()
		}
		return st.State == workflows.Failed, string(st.State)
	})
	assert.Contains(t, st.LastError, "eu-frankfurt-1", "the failure names the region the endpoint serves")
	assert.Contains(t, st.LastError, "residency")

	// The first writing activity failed once, permanently: no retry.
	it := tc.GetWorkflowHistory(ctx, workflows.ShardWorkflowID(p.ID, shard), "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var failures, residency int
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil {
			assert.EqualValues(t, 1, a.GetAttempt(), "a residency refusal is never retried")
		}
		if a := ev.GetActivityTaskFailedEventAttributes(); a != nil {
			failures++
			info := a.GetFailure().GetApplicationFailureInfo()
			if info.GetType() == activities.ErrTypeResidency {
				residency++
				assert.True(t, info.GetNonRetryable(), "residency is a permanent error")
				assert.True(t, strings.Contains(a.GetFailure().GetMessage(), "eu-frankfurt-1"), a.GetFailure().GetMessage())
			}
		}
	}
	assert.Equal(t, 1, residency, "exactly one write was attempted, and refused")
	assert.Equal(t, 1, failures)

	dst, err := ocistore.New(ctx, testenv.OCIConfig(hs.URL, env.OCICreds, "res-dst", nil))
	require.NoError(t, err)
	objs, err := store.ListAll(ctx, dst, "")
	require.NoError(t, err)
	assert.Empty(t, objs, "no byte reaches a region outside residency.allowedRegions")
	_ = tc.TerminateWorkflow(ctx, workflows.MigrationWorkflowID(p.ID), "", "test over")
}
