package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/workflows"
)

// migrationInfo is what the starter learns of a migration from Temporal:
// its workflow's execution and the input of its current run, which holds
// the shard list.
type migrationInfo struct {
	ID         string
	WorkflowID string
	RunID      string
	Status     enumspb.WorkflowExecutionStatus
	StartTime  time.Time
	CloseTime  time.Time
	Input      workflows.MigrationInput
	Shards     []plan.Shard
}

// running reports whether the migration's workflow is open.
func (m *migrationInfo) running() bool {
	return m.Status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
}

// statusName is the workflow status without its enum prefix ("Completed").
func statusName(s enumspb.WorkflowExecutionStatus) string {
	n := s.String()
	if n == "" {
		return "Unknown"
	}
	return n
}

// migration looks migration id up: an unknown id is bad input.
func (a *app) migration(ctx context.Context, c client.Client, id string) (*migrationInfo, error) {
	wid := workflows.MigrationWorkflowID(id)
	desc, err := c.DescribeWorkflowExecution(ctx, wid, "")
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return nil, usageErrorf("no migration %q on %s (no workflow %s); check the id, the namespace and the address, or start it with `starter start PLANFILE`",
				id, a.where(), wid)
		}
		return nil, a.temporalError(fmt.Errorf("describe migration %s: %w", id, err))
	}
	info := desc.GetWorkflowExecutionInfo()
	m := &migrationInfo{ID: id, WorkflowID: wid, RunID: info.GetExecution().GetRunId(), Status: info.GetStatus(),
		StartTime: info.GetStartTime().AsTime(), CloseTime: info.GetCloseTime().AsTime()}
	if info.GetCloseTime() == nil {
		m.CloseTime = time.Time{}
	}
	it := c.GetWorkflowHistory(ctx, wid, m.RunID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		return nil, failedf("migration %s: its workflow has no history", id)
	}
	ev, err := it.Next()
	if err != nil {
		return nil, a.temporalError(fmt.Errorf("read migration %s's history: %w", id, err))
	}
	attrs := ev.GetWorkflowExecutionStartedEventAttributes()
	if attrs == nil {
		return nil, failedf("migration %s: the first event of run %s is %s, not its start", id, m.RunID, ev.GetEventType())
	}
	if err := a.dataConverter().FromPayloads(attrs.GetInput(), &m.Input); err != nil {
		return nil, failedf("migration %s: decode its input: %v", id, err)
	}
	if m.Shards, err = shardList(m.Input); err != nil {
		return nil, failedf("migration %s: %v", id, err)
	}
	return m, nil
}

// shardList expands a migration input's shards as MigrationWorkflow does.
func shardList(in workflows.MigrationInput) ([]plan.Shard, error) {
	if in.ShardGenerator == "" {
		return in.Shards, nil
	}
	p := &plan.Plan{Shards: plan.Shards{Generator: in.ShardGenerator}}
	for _, s := range in.Shards {
		p.Shards.Prefixes = append(p.Shards.Prefixes, s.Prefix)
	}
	return p.ShardList()
}

// shard finds a shard by its id or its prefix; an unknown one is bad
// input, naming the migration's shards.
func (m *migrationInfo) shard(arg string) (plan.Shard, error) {
	for _, s := range m.Shards {
		if s.ID == arg || s.Prefix == arg || (!strings.HasSuffix(arg, "/") && s.Prefix == arg+"/") {
			return s, nil
		}
	}
	ids := make([]string, 0, 5)
	for i, s := range m.Shards {
		if i == 5 {
			ids = append(ids, fmt.Sprintf("… %d more", len(m.Shards)-5))
			break
		}
		ids = append(ids, s.ID)
	}
	return plan.Shard{}, usageErrorf("migration %s has no shard %q; give a shard id or prefix (its shards: %s); `starter status %s` lists them",
		m.ID, arg, strings.Join(ids, ", "), m.ID)
}

// temporalError classifies an error of a Temporal call: an unreachable
// server exits 3, an unknown namespace 2, anything else 1.
func (a *app) temporalError(err error) error {
	var (
		nsnf    *serviceerror.NamespaceNotFound
		unavail *serviceerror.Unavailable
		denied  *serviceerror.PermissionDenied
		dl      *serviceerror.DeadlineExceeded
	)
	switch {
	case errors.As(err, &nsnf):
		return usageErrorf("%v; set the namespace with --namespace or TEMPORAL_NAMESPACE", err)
	case errors.As(err, &unavail), errors.As(err, &dl), errors.Is(err, context.DeadlineExceeded):
		return unavailable(fmt.Errorf("%w (Temporal at %s); check the server and --address/TEMPORAL_ADDRESS", err, a.where()))
	case errors.As(err, &denied):
		return failedf("%v; check the API key (TEMPORAL_API_KEY) or client certificate and the namespace's permissions", err)
	}
	var e *exitError
	if errors.As(err, &e) {
		return err
	}
	return &exitError{code: ExitFailed, err: err}
}
