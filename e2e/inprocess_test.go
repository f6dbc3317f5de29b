package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/internal/wire"
	"github.com/ocimove/ocimove/workflows"
)

// startWorker runs a worker in this process for the plans given, with the
// worker's real store and routing resolvers (credentials from the
// environment, as in production).
func startWorker(t *testing.T, c client.Client, queue string, plans ...*plan.Plan) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", testenv.S3AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testenv.S3SecretKey)
	t.Setenv("AWS_REGION", testenv.S3Region)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	w, err := wire.NewWorker(wire.Config{Client: c, TaskQueue: queue, Plans: plans,
		Engine: engine.Config{PartSize: e2ePartSize, PoolBytes: 128 << 20, Concurrency: 8},
		Worker: worker.Options{MaxConcurrentActivityExecutionSize: 16}})
	require.NoError(t, err)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
}

// startMigration starts p's migration workflow.
func startMigration(t *testing.T, c client.Client, queue string, p *plan.Plan) client.WorkflowRun {
	t.Helper()
	shards, err := p.ShardList()
	require.NoError(t, err)
	run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: workflows.MigrationWorkflowID(p.ID), TaskQueue: queue},
		workflows.MigrationWorkflow, workflows.MigrationInput{
			MigrationID: p.ID, PlanFingerprint: p.Fingerprint(), Shards: shards, Window: p.EffectiveWindow(),
			Settings: workflows.SettingsFromPlan(p, planStart),
		})
	require.NoError(t, err)
	return run
}

// recordHistory writes a workflow's history as JSON into
// workflows/testdata when OCIMOVE_RECORD_HISTORY=1, for the replay test.
func recordHistory(t *testing.T, c client.Client, workflowID, name string) {
	t.Helper()
	if os.Getenv("OCIMOVE_RECORD_HISTORY") != "1" {
		return
	}
	it := c.GetWorkflowHistory(context.Background(), workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []any
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		b, err := protojson.Marshal(ev)
		require.NoError(t, err)
		events = append(events, jsonRaw(b))
	}
	out, err := marshalHistory(events)
	require.NoError(t, err)
	path := filepath.Join("..", "workflows", "testdata", name+".json")
	require.NoError(t, os.WriteFile(path, out, 0o644))
	t.Logf("recorded %d events of %s into %s", len(events), workflowID, path)
}
