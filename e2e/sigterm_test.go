package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ocimove/ocimove/internal/testing/clitest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

// TestWorkerStopsGracefullyOnSIGTERM stops the worker process with SIGTERM
// in the middle of copying: it stops polling, lets its in-flight activities
// end and checkpoint, and exits 0 within its stop timeout. A new worker
// then finishes the shard, and every object is counted exactly once.
func TestWorkerStopsGracefullyOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	srv, tc := clitest.StartTemporal(t, dir)
	env := testenv.Start(t, testenv.Options{Disk: true})
	src := env.S3Store(t, "term-src", nil)
	env.OCIStore(t, "term-dst", nil)
	prefixes := []string{"users/0c/"}
	sizes := seedShards(t, src, prefixes, 800, nil)

	p := localPlan(env, "e2e-term", "term-src", "term-dst", prefixes)
	batch := 50
	p.BatchSize = &batch
	p.Cutover.Target = plan.Target{Settings: &fileroute.Settings{Path: filepath.Join(dir, "routes.json")}}
	p, _ = writePlan(t, p, dir)
	planJSON, err := p.CanonicalJSON()
	require.NoError(t, err)

	worker := buildBinary(t, "cmd/worker")
	args := []string{"--address", srv.Address(), "--task-queue", "ocimove-term", "--http-addr", "",
		"--max-activities", "2", "--concurrency", "2", "--stop-timeout", "10s", "--log-level", "info"}
	wenv := []string{"AWS_ACCESS_KEY_ID=" + testenv.S3AccessKey, "AWS_SECRET_ACCESS_KEY=" + testenv.S3SecretKey,
		"AWS_REGION=" + testenv.S3Region, "AWS_EC2_METADATA_DISABLED=true"}
	logPath := filepath.Join(dir, "worker.log")
	w := startProc(t, worker, args, wenv, logPath)

	ctx := context.Background()
	shards, err := p.ShardList()
	require.NoError(t, err)
	_, err = tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.MigrationWorkflowID(p.ID), TaskQueue: "ocimove-term"},
		workflows.MigrationWorkflow, workflows.MigrationInput{MigrationID: p.ID, PlanFingerprint: p.Fingerprint(), PlanJSON: planJSON,
			Shards: shards, Window: 1, Settings: workflows.SettingsFromPlan(p, planStart)})
	require.NoError(t, err)
	eventually(t, 2*time.Minute, "copying to be under way", func() (bool, string) {
		st, err := shardStatus(ctx, tc, p.ID, shards[0].ID)
		if err != nil {
			return false, err.Error()
		}
		return st.Counts.Objects >= 100, fmt.Sprintf("%d objects done", st.Counts.Objects)
	})

	require.NoError(t, w.cmd.Process.Signal(syscall.SIGTERM))
	exited := make(chan error, 1)
	go func() { exited <- w.cmd.Wait() }()
	select {
	case err := <-exited:
		require.NoError(t, err, "the worker exits 0 after SIGTERM")
	case <-time.After(30 * time.Second):
		t.Fatal("the worker did not exit within 30s of SIGTERM (stop timeout 10s)")
	}
	logs, err := os.ReadFile(logPath)
	require.NoError(t, err)
	assert.Contains(t, string(logs), "in-flight activities checkpoint and stop")
	assert.Contains(t, string(logs), "worker stopped")

	startProc(t, worker, args, wenv, logPath)
	var final workflows.ShardStatus
	eventually(t, 3*time.Minute, "the shard to be cut over", func() (bool, string) {
		st, err := shardStatus(ctx, tc, p.ID, shards[0].ID)
		if err != nil {
			return false, err.Error()
		}
		final = st
		return st.State == workflows.Soaking || st.State == workflows.CutOver, string(st.State)
	})
	assert.Equal(t, int64(len(sizes)), final.Counts.Objects, "every object is counted once")
	assert.Equal(t, final.Counts.Objects, final.Counts.Copied+final.Counts.Skipped)
}
