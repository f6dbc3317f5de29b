package e2e_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/testing/clitest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

// TestMigrationOverTLS runs a whole migration to Complete with both local
// endpoints serving only HTTPS, with a certificate of a private CA that the
// plan trusts through caFile: the worker opens the stores from the plan,
// so that pre-flight, CopyBatch (a multipart object included), the
// manifests, verification and cutover all go through the SDKs' TLS paths
// (for S3, checksums as trailers of aws-chunked bodies). Every object must
// reach the destination with its source's SHA-256.
func TestMigrationOverTLS(t *testing.T) {
	dir := t.TempDir()
	_, tc := clitest.StartTemporal(t, dir)
	env := testenv.Start(t, testenv.Options{TLS: true})
	require.True(t, strings.HasPrefix(env.S3URL, "https://") && strings.HasPrefix(env.OCIURL, "https://"), "%s %s", env.S3URL, env.OCIURL)
	require.NotEmpty(t, env.CAFile)
	src := env.S3Store(t, "tls-src", nil)
	dst := env.OCIStore(t, "tls-dst", nil)
	prefixes := []string{"users/1a/", "users/1b/"}
	sizes := seedShards(t, src, prefixes, 20, map[string]bool{"users/1b/": true})

	p := localPlan(env, "e2e-tls", "tls-src", "tls-dst", prefixes)
	routes := filepath.Join(dir, "routes.json")
	p.Cutover.Target = plan.Target{Settings: &fileroute.Settings{Path: routes}}
	p.Soak = plan.Soak{Retention: plan.Duration(time.Second)}
	p.Verification.Mode = plan.VerifyFull
	p, _ = writePlan(t, p, dir)

	ctx := context.Background()
	hashes := map[string]string{}
	for k := range sizes {
		h, _, err := hashObject(ctx, src, k)
		require.NoError(t, err)
		hashes[k] = h
	}
	startWorker(t, tc, "ocimove-tls", p)
	run := startMigration(t, tc, "ocimove-tls", p)
	wctx, cancel := context.WithTimeout(ctx, 6*time.Minute)
	defer cancel()
	var res workflows.MigrationResult
	require.NoError(t, run.Get(wctx, &res), "the migration completes over HTTPS")

	for k, want := range hashes {
		got, n, err := hashObject(ctx, dst, k)
		require.NoError(t, err, k)
		require.Equal(t, want, got, k)
		require.Equal(t, sizes[k], n, k)
	}
	shards, err := p.ShardList()
	require.NoError(t, err)
	rt, err := fileroute.New(routes)
	require.NoError(t, err)
	for _, s := range shards {
		r, err := rt.Get(ctx, s.ID)
		require.NoError(t, err)
		assert.Equal(t, routing.StateDestination, r.State, s.ID)
	}
}
