package e2e_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ocimove/ocimove/internal/testing/clitest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

// TestMigrationCompletesWithPurge runs a whole migration on the embedded
// server to Complete: copy, verify, catch up, freeze, final verification,
// cutover on a file routing target, soak, and the purge of the source after
// its re-verification. Every object must be at the destination with its
// source's SHA-256, and nothing left at the source.
func TestMigrationCompletesWithPurge(t *testing.T) {
	dir := t.TempDir()
	_, tc := clitest.StartTemporal(t, dir)
	env := testenv.Start(t, testenv.Options{Disk: true})
	src := env.S3Store(t, "life-src", nil)
	dst := env.OCIStore(t, "life-dst", nil)
	prefixes := []string{"users/0a/", "users/0b/"}
	sizes := seedShards(t, src, prefixes, 60, map[string]bool{"users/0b/": true})

	p := localPlan(env, "e2e-life", "life-src", "life-dst", prefixes)
	routes := filepath.Join(dir, "routes.json")
	p.Cutover.Target = plan.Target{Settings: &fileroute.Settings{Path: routes}}
	p.Soak = plan.Soak{Retention: plan.Duration(2 * time.Second)}
	p.Purge = plan.Purge{Enabled: true}
	p.Verification.Mode = plan.VerifyFull
	p, _ = writePlan(t, p, dir)

	startWorker(t, tc, "ocimove-life", p)
	hashes := map[string]string{}
	ctx := context.Background()
	for k := range sizes {
		h, _, err := hashObject(ctx, src, k)
		require.NoError(t, err)
		hashes[k] = h
	}
	run := startMigration(t, tc, "ocimove-life", p)
	wctx, cancel := context.WithTimeout(ctx, 6*time.Minute)
	defer cancel()
	var res workflows.MigrationResult
	require.NoError(t, run.Get(wctx, &res), "the migration completes")

	shards, err := p.ShardList()
	require.NoError(t, err)
	for _, s := range shards {
		st, err := shardStatus(ctx, tc, p.ID, s.ID)
		if err == nil {
			assert.Equal(t, workflows.Complete, st.State, s.ID)
		}
	}
	for k, want := range hashes {
		got, _, err := hashObject(ctx, dst, k)
		require.NoError(t, err, k)
		require.Equal(t, want, got, k)
	}
	left, err := store.ListAll(ctx, src, "users/")
	require.NoError(t, err)
	assert.Empty(t, left, "the source copy is purged after the soak")

	rt, err := fileroute.New(routes)
	require.NoError(t, err)
	for _, s := range shards {
		r, err := rt.Get(ctx, s.ID)
		require.NoError(t, err)
		assert.Equal(t, routing.StateDestination, r.State, s.ID)
	}
	recordHistory(t, tc, workflows.MigrationWorkflowID(p.ID), "migration-complete")
	recordHistory(t, tc, workflows.ShardWorkflowID(p.ID, shards[1].ID), "shard-complete-purged")
}
