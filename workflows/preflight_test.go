package workflows

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/ocimove/ocimove/activities"
)

func TestPreflightWorkflowReturnsTheActivityResult(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var got []byte
	env.RegisterActivityWithOptions(func(_ context.Context, in activities.PreflightInput) (activities.PreflightResult, error) {
		got = in.PlanJSON
		return activities.PreflightResult{Problems: []string{"destination: not writable"}, DestinationRegion: "us-ashburn-1",
			Shards: []activities.ShardSize{{ShardID: "a", Objects: 3, Bytes: 30}}}, nil
	}, activity.RegisterOptions{Name: activities.PreflightName})
	env.ExecuteWorkflow(PreflightWorkflow, activities.PreflightInput{PlanJSON: []byte(`{"id":"m"}`)})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res activities.PreflightResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, `{"id":"m"}`, string(got))
	require.Equal(t, []string{"destination: not writable"}, res.Problems)
	require.Equal(t, "us-ashburn-1", res.DestinationRegion)
	require.Equal(t, []activities.ShardSize{{ShardID: "a", Objects: 3, Bytes: 30}}, res.Shards)
}

func TestPreflightWorkflowRetriesThenFails(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	calls := 0
	env.RegisterActivityWithOptions(func(_ context.Context, _ activities.PreflightInput) (activities.PreflightResult, error) {
		calls++
		return activities.PreflightResult{}, errors.New("listing timed out")
	}, activity.RegisterOptions{Name: activities.PreflightName})
	env.ExecuteWorkflow(PreflightWorkflow, activities.PreflightInput{PlanJSON: []byte(`{}`)})
	require.True(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	require.Error(t, err)
	require.Contains(t, err.Error(), "listing timed out")
	require.Equal(t, int(preflightOptions.RetryPolicy.MaximumAttempts), calls)
}

func TestPreflightWorkflowRejectsAnEmptyPlan(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivityWithOptions(func(context.Context, activities.PreflightInput) (activities.PreflightResult, error) {
		t.Fatal("the activity must not run without a plan")
		return activities.PreflightResult{}, nil
	}, activity.RegisterOptions{Name: activities.PreflightName})
	env.ExecuteWorkflow(PreflightWorkflow, activities.PreflightInput{})
	var app *temporal.ApplicationError
	require.ErrorAs(t, env.GetWorkflowError(), &app)
	require.Contains(t, app.Error(), "planJson is empty")
}

func TestPreflightWorkflowID(t *testing.T) {
	require.Equal(t, "ocimove/m/preflight/0123456789ab", PreflightWorkflowID("m", "0123456789abcdef"))
	require.Equal(t, "ocimove/m/preflight/unknown", PreflightWorkflowID("m", ""))
}
