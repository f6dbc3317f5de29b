package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ocimove/ocimove/activities"
)

// PreflightTimeout bounds one attempt of the Preflight activity: it lists
// every shard of the plan, so it may take a while on a large bucket.
const PreflightTimeout = 30 * time.Minute

// preflightOptions: the activity returns problems as its result, so an
// error is an infrastructure fault worth a few retries.
var preflightOptions = workflow.ActivityOptions{
	StartToCloseTimeout: PreflightTimeout,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
		MaximumInterval: 30 * time.Second, MaximumAttempts: 3},
}

// PreflightWorkflowID returns the workflow id of a plan's pre-flight run:
// one per migration id and plan fingerprint, so that a second `starter
// plan` of the same plan joins a run in progress instead of listing twice.
func PreflightWorkflowID(migrationID, fingerprint string) string {
	if len(fingerprint) > 12 {
		fingerprint = fingerprint[:12]
	}
	if fingerprint == "" {
		fingerprint = "unknown"
	}
	return "ocimove/" + migrationID + "/preflight/" + fingerprint
}

// PreflightWorkflow runs the Preflight activity on a worker, which holds
// the credentials, so that the starter needs none: it checks the plan,
// stores it next to the manifests and lists every shard's objects and
// bytes. Problems come back in the result; the workflow fails only when
// the activity cannot run.
func PreflightWorkflow(ctx workflow.Context, in activities.PreflightInput) (activities.PreflightResult, error) {
	if len(in.PlanJSON) == 0 {
		return activities.PreflightResult{}, temporal.NewNonRetryableApplicationError(
			"preflight workflow: planJson is empty; pass the normalized plan as JSON", "InvalidInput", errors.New("empty plan"))
	}
	var res activities.PreflightResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, preflightOptions), activities.PreflightName, in).Get(ctx, &res)
	return res, err
}
