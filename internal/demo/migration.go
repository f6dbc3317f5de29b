package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/workflows"
)

// startOrAttach attaches to the demo's migration workflow when it exists
// (a re-run resumes it) and starts it otherwise. It returns the run and
// whether it was already there.
func startOrAttach(ctx context.Context, c client.Client, p *plan.Plan, st *State) (client.WorkflowRun, bool, error) {
	id := workflows.MigrationWorkflowID(p.ID)
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &notFound):
	case err != nil:
		return nil, false, fmt.Errorf("demo: look up workflow %s: %w", id, err)
	default:
		info := desc.GetWorkflowExecutionInfo()
		switch s := info.GetStatus(); s {
		case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
			return c.GetWorkflow(ctx, id, info.GetExecution().GetRunId()), true, nil
		default:
			return nil, false, fmt.Errorf("demo: the migration workflow %s ended as %s; run with --fresh to start over", id, s)
		}
	}
	shards, err := p.ShardList()
	if err != nil {
		return nil, false, fmt.Errorf("demo: shards: %w", err)
	}
	total := st.Total()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.MigrationWorkflow, workflows.MigrationInput{
		MigrationID: p.ID, PlanFingerprint: p.Fingerprint(), Shards: shards, Window: p.EffectiveWindow(),
		Settings: workflows.SettingsFromPlan(p, st.PlanStart),
		Estimate: workflows.Estimate{Objects: total.Objects, Bytes: total.Bytes},
	})
	if err != nil {
		return nil, false, fmt.Errorf("demo: start the migration workflow %s: %w", id, err)
	}
	return run, false, nil
}

// ShardView is one shard as the demo shows it.
type ShardView struct {
	ID        string               `json:"id"`
	Prefix    string               `json:"prefix"`
	State     workflows.ShardState `json:"state"`
	Objects   int64                `json:"objects"`
	Bytes     int64                `json:"bytes"`
	Total     Size                 `json:"total"`
	CutoverAt time.Time            `json:"cutoverAt,omitzero"`
	LastError string               `json:"lastError,omitempty"`
	// status is the shard's last status, for the display.
	status workflows.ShardStatus
}

// cutOver reports whether a shard has reached its cutover.
func (v ShardView) cutOver() bool {
	switch v.State {
	case workflows.CutOver, workflows.Soaking, workflows.Complete:
		return true
	}
	return false
}

// pollShards asks every shard's workflow for its status; a shard not
// started yet is Pending, and a shard that does not answer keeps its
// previous view.
func pollShards(ctx context.Context, c client.Client, migrationID string, prev []ShardView) []ShardView {
	out := make([]ShardView, len(prev))
	for i, v := range prev {
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var st workflows.ShardStatus
		val, err := c.QueryWorkflow(qctx, workflows.ShardWorkflowID(migrationID, v.ID), "", workflows.ShardStatusQuery)
		if err == nil {
			err = val.Get(&st)
		}
		cancel()
		var notFound *serviceerror.NotFound
		switch {
		case err == nil:
			v.status = st
			v.State, v.Objects, v.Bytes, v.LastError = st.State, st.Counts.Objects, st.Counts.Bytes, st.LastError
			if !st.CutoverAt.IsZero() {
				v.CutoverAt = st.CutoverAt
			}
		case errors.As(err, &notFound):
			v.State = workflows.Pending
			v.status = workflows.ShardStatus{MigrationID: migrationID, ShardID: v.ID, Prefix: v.Prefix, State: workflows.Pending}
		}
		out[i] = v
	}
	return out
}
