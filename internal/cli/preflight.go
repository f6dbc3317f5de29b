package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/workflows"
)

// loadPlan reads, normalizes and validates a plan file. Any problem is
// bad input (exit code 2), with the file's position when the parser gives
// one.
func loadPlan(path string) (*plan.Plan, error) {
	p, err := plan.ParseFile(path)
	var fe *plan.FileError
	switch {
	case errors.As(err, &fe):
		return nil, usageError(fmt.Errorf("plan %s has %d problem(s):\n%w", path, len(fe.Problems), err))
	case err != nil:
		return nil, usageError(fmt.Errorf("plan: %w", err))
	}
	return p, nil
}

// cleanProblem drops the SDK's "(type: …, retryable: …): <message again>"
// tail that an activity error leaves in a pre-flight problem.
func cleanProblem(s string) string {
	if i := strings.Index(s, " (type: "); i > 0 {
		return s[:i]
	}
	return s
}

// noWorkerHint is how long a wait on the workers lasts before the starter
// checks that some worker polls the task queue.
const noWorkerHint = 5 * time.Second

// preflight runs PreflightWorkflow for p on the workers and returns its
// result. While it waits it tells, once, when no worker polls the task
// queue.
func (a *app) preflight(ctx context.Context, c client.Client, p *plan.Plan, timeout time.Duration) (activities.PreflightResult, error) {
	var res activities.PreflightResult
	data, err := json.Marshal(p)
	if err != nil {
		return res, usageError(fmt.Errorf("plan: encode as JSON: %w", err))
	}
	id := workflows.PreflightWorkflowID(p.ID, p.Fingerprint())
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: a.conn.taskQueue,
		WorkflowExecutionTimeout: timeout,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.PreflightWorkflow, activities.PreflightInput{PlanJSON: data})
	if err != nil {
		return res, a.temporalError(fmt.Errorf("start pre-flight %s: %w", id, err))
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go a.warnWithoutWorkers(wctx, c, done)
	if err := run.Get(wctx, &res); err != nil {
		if wctx.Err() != nil && ctx.Err() == nil {
			return res, failedf("pre-flight %s gave no answer within %s; is a worker polling task queue %q? (--timeout sets the wait)", id, timeout, a.conn.taskQueue)
		}
		return res, failedf("pre-flight %s failed on the worker: %v", id, err)
	}
	return res, nil
}

// warnWithoutWorkers prints a hint when no worker polls the task queue
// after noWorkerHint.
func (a *app) warnWithoutWorkers(ctx context.Context, c client.Client, done <-chan struct{}) {
	select {
	case <-done:
		return
	case <-ctx.Done():
		return
	case <-time.After(noWorkerHint):
	}
	resp, err := c.DescribeTaskQueue(ctx, a.conn.taskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil || len(resp.GetPollers()) > 0 {
		return
	}
	select {
	case <-done:
	default:
		fmt.Fprintf(a.errOut, "starter: still waiting: no worker polls task queue %q on %s; start one (worker --task-queue %s) or set --task-queue/OCIMOVE_TASK_QUEUE\n",
			a.conn.taskQueue, a.where(), a.conn.taskQueue)
	}
}
