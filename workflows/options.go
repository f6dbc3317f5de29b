package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Activity options. Retries are bounded: an activity that keeps failing
// parks the shard in Failed, where an operator retries it. Activities
// return permanent errors as non-retryable application errors.
var (
	// copyOptions: a batch heartbeats its finished objects; a lost worker
	// is noticed within the heartbeat timeout and the retry skips them.
	copyOptions = workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Hour,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
			MaximumInterval: time.Minute, MaximumAttempts: 10},
	}
	// routeOptions: routing changes are short and idempotent by operation
	// id. A cancelled routing activity is waited for, so that the workflow
	// knows whether a change in flight applied before it decides anything.
	routeOptions = workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		WaitForCancellation: true,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
			MaximumInterval: 10 * time.Second, MaximumAttempts: 20},
	}
	// shortOptions: polls and small calls.
	shortOptions = workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2,
			MaximumInterval: 10 * time.Second, MaximumAttempts: 5},
	}
)

func withCopy(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, copyOptions)
}

func withRoute(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, routeOptions)
}

func withShort(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, shortOptions)
}
