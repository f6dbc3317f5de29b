package wire

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/workflows"
)

// WorkflowPlanLoader loads a migration's plan from its workflow, which
// holds the normalized plan (references only) and serves it by query. Any
// worker can so run any migration's activities without a plan file.
type WorkflowPlanLoader struct{ Client client.Client }

// LoadPlan implements activities.PlanLoader.
func (l WorkflowPlanLoader) LoadPlan(ctx context.Context, migrationID string) (*plan.Plan, error) {
	v, err := l.Client.QueryWorkflow(ctx, workflows.MigrationWorkflowID(migrationID), "", workflows.MigrationPlanQuery)
	if err != nil {
		return nil, fmt.Errorf("load the plan of migration %s from its workflow: %w", migrationID, err)
	}
	var data []byte
	if err := v.Get(&data); err != nil {
		return nil, fmt.Errorf("decode the plan of migration %s: %w", migrationID, err)
	}
	p, err := plan.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("the plan of migration %s: %w", migrationID, err)
	}
	return p, nil
}

// MigrationClosed reports whether a migration's workflow has closed (or
// is not known to the server), for activities.Config.MigrationClosed.
func (l WorkflowPlanLoader) MigrationClosed(ctx context.Context, migrationID string) (bool, error) {
	desc, err := l.Client.DescribeWorkflowExecution(ctx, workflows.MigrationWorkflowID(migrationID), "")
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		return true, nil
	case err != nil:
		return false, err
	}
	return desc.GetWorkflowExecutionInfo().GetStatus() != enums.WORKFLOW_EXECUTION_STATUS_RUNNING, nil
}
