package devserver_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/ocimove/ocimove/internal/local/devserver"
)

// TestStatePersistsAcrossServerRestarts runs the server as a separate
// process on a SQLite file, leaves one workflow running and one completed,
// stops the server (SIGTERM), starts a new one on the same file and finds
// both; it then finishes the running one, kills the server (SIGKILL) and
// finds the result after another start.
func TestStatePersistsAcrossServerRestarts(t *testing.T) {
	db := tempDB(t)
	began := time.Now()
	step := func(what string) { t.Logf("%6.2fs %s", time.Since(began).Seconds(), what) }
	const taskQueue = "devserver-test"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// First server: run one workflow to completion, leave one waiting.
	srv := startServerProcess(t, db)
	c := dial(t, srv.addr)
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(copyingWorkflow)
	require.NoError(t, w.Start())

	opts := func(id string) client.StartWorkflowOptions {
		return client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}
	}
	waiting, err := c.ExecuteWorkflow(ctx, opts("shard-waiting"), copyingWorkflow, "mig-1", "a/")
	require.NoError(t, err)
	done, err := c.ExecuteWorkflow(ctx, opts("shard-done"), copyingWorkflow, "mig-1", "b/")
	require.NoError(t, err)
	require.NoError(t, c.SignalWorkflow(ctx, done.GetID(), "", finishSignal, nil))
	var prefix string
	require.NoError(t, done.Get(ctx, &prefix))
	require.Equal(t, "b/", prefix)

	step("first workflows done")
	listIDs(t, c, `ShardState = "Copying"`, "shard-waiting")
	listIDs(t, c, `MigrationID = "mig-1" AND ShardState = "CutOver"`, "shard-done")
	listIDs(t, c, `MigrationID = "mig-1"`, "shard-waiting", "shard-done")

	w.Stop()
	c.Close()
	step("first listed")
	srv.stop(t, syscall.SIGTERM)

	// Second server on the same file: both executions and their search
	// attributes are still there, and the waiting one resumes.
	step("first stopped")
	srv = startServerProcess(t, db)
	c = dial(t, srv.addr)
	// While it runs, no other server may open the file.
	_, err = devserver.Start(ctx, devserver.Config{DBPath: db, LogLevel: "off"})
	require.ErrorContains(t, err, "in use by another running devserver")

	requireStatus(ctx, t, c, "shard-done", enums.WORKFLOW_EXECUTION_STATUS_COMPLETED)
	requireStatus(ctx, t, c, "shard-waiting", enums.WORKFLOW_EXECUTION_STATUS_RUNNING)
	listIDs(t, c, `ShardState = "Copying"`, "shard-waiting")

	w = worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(copyingWorkflow)
	require.NoError(t, w.Start())
	require.NoError(t, c.SignalWorkflow(ctx, waiting.GetID(), "", finishSignal, nil))
	require.NoError(t, c.GetWorkflow(ctx, waiting.GetID(), "").Get(ctx, &prefix))
	require.Equal(t, "a/", prefix)
	step("second finished workflow")
	w.Stop()
	c.Close()
	srv.stop(t, syscall.SIGKILL)

	// Third server after a kill: the completion survived.
	srv = startServerProcess(t, db)
	c = dial(t, srv.addr)
	defer c.Close()
	step("third up")
	requireStatus(ctx, t, c, "shard-waiting", enums.WORKFLOW_EXECUTION_STATUS_COMPLETED)
	listIDs(t, c, `MigrationID = "mig-1" AND ShardState = "CutOver"`, "shard-waiting", "shard-done")
	step("checked")
	srv.stop(t, syscall.SIGTERM)
	step("stopped")
}

// requireStatus checks the status of the latest run of workflow id.
func requireStatus(ctx context.Context, t *testing.T, c client.Client, id string, want enums.WorkflowExecutionStatus) {
	t.Helper()
	resp, err := c.DescribeWorkflowExecution(ctx, id, "")
	require.NoError(t, err, "describe %s", id)
	require.Equal(t, want, resp.GetWorkflowExecutionInfo().GetStatus(), "status of %s", id)
}
