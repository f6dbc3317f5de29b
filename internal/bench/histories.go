package bench

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/plan"
)

// collectHistories lists every workflow run of the server, records the
// largest histories and how many runs exceed 10,000 events, and counts
// the activity tasks each worker started (from the ActivityTaskStarted
// events' identities).
func collectHistories(ctx context.Context, c client.Client, p *plan.Plan, res *LifeResult) error {
	var all []History
	var token []byte
	for {
		resp, err := listPage(ctx, c, token)
		if err != nil {
			return fmt.Errorf("list the workflows: %w", err)
		}
		for _, info := range resp.GetExecutions() {
			h := History{WorkflowID: info.GetExecution().GetWorkflowId(), RunID: info.GetExecution().GetRunId(),
				Events: info.GetHistoryLength(), Bytes: info.GetHistorySizeBytes()}
			if h.Events == 0 {
				d, err := c.DescribeWorkflowExecution(ctx, h.WorkflowID, h.RunID)
				if err != nil {
					return fmt.Errorf("describe %s/%s: %w", h.WorkflowID, h.RunID, err)
				}
				h.Events, h.Bytes = d.GetWorkflowExecutionInfo().GetHistoryLength(), d.GetWorkflowExecutionInfo().GetHistorySizeBytes()
			}
			all = append(all, h)
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Events > all[j].Events })
	res.Runs = len(all)
	for _, h := range all {
		if h.Events > 10_000 {
			res.Over10k++
		}
	}
	res.Largest = all[:min(len(all), res.Options.Histories)]
	for _, h := range all {
		if err := countActivities(ctx, c, h, res.Workers); err != nil {
			return err
		}
	}
	return nil
}

// listPage lists one page of workflow runs, retrying: the SQLite
// visibility store of a busy server can take longer than the SDK's
// default RPC timeout.
func listPage(ctx context.Context, c client.Client, token []byte) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	var err error
	for attempt := range 5 {
		cctx, cancel := context.WithTimeout(ctx, time.Duration(attempt+1)*time.Minute)
		var resp *workflowservice.ListWorkflowExecutionsResponse
		resp, err = c.ListWorkflow(cctx, &workflowservice.ListWorkflowExecutionsRequest{PageSize: 100, NextPageToken: token})
		cancel()
		if err == nil {
			return resp, nil
		}
		time.Sleep(2 * time.Second)
	}
	return nil, err
}

// countActivities adds the activity tasks of one run to the worker whose
// identity (pid@host) started each.
func countActivities(ctx context.Context, c client.Client, h History, workers []WorkerStat) error {
	it := c.GetWorkflowHistory(ctx, h.WorkflowID, h.RunID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	types := map[int64]string{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return fmt.Errorf("history of %s: %w", h.WorkflowID, err)
		}
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil {
			types[ev.GetEventId()] = a.GetActivityType().GetName()
		}
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil {
			for i := range workers {
				if strings.HasPrefix(a.GetIdentity(), workers[i].identity) {
					workers[i].Activities[types[a.GetScheduledEventId()]]++
				}
			}
		}
	}
	return nil
}
