package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ocimove/ocimove/internal/testing/clitest"

	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

// TestScaleSmoke1000Shards runs 1,000 shards of 10 objects each to cutover
// on the embedded server, and reports the largest history sizes: a check of
// the design at scale (window, child reports, continue-as-new), before the
// scale work. It takes a few minutes; set OCIMOVE_SCALE_SHARDS to run
// another count.
func TestScaleSmoke1000Shards(t *testing.T) {
	n := 1000
	if v := os.Getenv("OCIMOVE_SCALE_SHARDS"); v != "" {
		_, err := fmt.Sscan(v, &n)
		require.NoError(t, err)
	}
	dir := t.TempDir()
	_, tc := clitest.StartTemporal(t, dir)
	env := testenv.Start(t, testenv.Options{})
	src := env.S3Store(t, "scale-src", nil)
	env.OCIStore(t, "scale-dst", nil)

	var prefixes []string
	for i := 0; i < n; i++ {
		prefixes = append(prefixes, fmt.Sprintf("u/%04d/", i))
	}
	var wg sync.WaitGroup
	keys := make(chan string)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range keys {
				_, err := src.Put(context.Background(), k, bytes.NewReader([]byte(k)), int64(len(k)), store.PutOptions{})
				if err != nil {
					t.Errorf("seed %s: %v", k, err)
				}
			}
		}()
	}
	for _, p := range prefixes {
		for j := 0; j < 10; j++ {
			keys <- fmt.Sprintf("%sobj-%02d", p, j)
		}
	}
	close(keys)
	wg.Wait()

	p := localPlan(env, "e2e-scale", "scale-src", "scale-dst", prefixes)
	window := 200
	p.Window = &window
	p.Freeze = plan.Freeze{Drain: plan.DrainWait, DrainWait: plan.Duration(100 * time.Millisecond), MaxDuration: plan.Duration(10 * time.Minute)}
	p.Cutover.Target = plan.Target{Settings: &fileroute.Settings{Path: filepath.Join(dir, "routes.json")}}
	p, _ = writePlan(t, p, dir)
	startWorker(t, tc, "ocimove-scale", p)
	start := time.Now()
	startMigration(t, tc, "ocimove-scale", p)

	ctx := context.Background()
	migID := workflows.MigrationWorkflowID(p.ID)
	eventually(t, 20*time.Minute, "every shard cut over", func() (bool, string) {
		v, err := tc.QueryWorkflow(ctx, migID, "", workflows.MigrationStatusQuery)
		if err != nil {
			return false, err.Error()
		}
		var st workflows.MigrationStatus
		if err := v.Get(&st); err != nil {
			return false, err.Error()
		}
		done := st.ByState[workflows.Soaking] + st.ByState[workflows.CutOver]
		if st.ByState[workflows.Failed] > 0 {
			t.Fatalf("failed shards: %v", st.ByState)
		}
		return done == n, fmt.Sprint(st.ByState)
	})
	elapsed := time.Since(start)

	// The largest histories: the migration's (all its runs) and a shard's.
	desc, err := tc.DescribeWorkflowExecution(ctx, migID, "")
	require.NoError(t, err)
	mi := desc.GetWorkflowExecutionInfo()
	shards, err := p.ShardList()
	require.NoError(t, err)
	var maxShardLen, maxShardBytes int64
	for _, s := range shards[:50] {
		d, err := tc.DescribeWorkflowExecution(ctx, workflows.ShardWorkflowID(p.ID, s.ID), "")
		require.NoError(t, err)
		maxShardLen = max(maxShardLen, d.GetWorkflowExecutionInfo().GetHistoryLength())
		maxShardBytes = max(maxShardBytes, d.GetWorkflowExecutionInfo().GetHistorySizeBytes())
	}
	t.Logf("%d shards × 10 objects cut over in %s; migration history (current run): %d events, %d bytes; largest shard history (of 50 sampled): %d events, %d bytes",
		n, elapsed.Round(time.Second), mi.GetHistoryLength(), mi.GetHistorySizeBytes(), maxShardLen, maxShardBytes)
	require.Less(t, mi.GetHistorySizeBytes(), int64(50<<20), "the migration's history stays far below Temporal's 50 MiB limit")
}
