package cli

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/ocimove/ocimove/internal/progress"
	"github.com/ocimove/ocimove/workflows"
)

// statusView is what status shows, and its JSON output.
type statusView = progress.View

func (a *app) statusCommand() *cobra.Command {
	var (
		watch    bool
		interval time.Duration
	)
	cmd := &cobra.Command{
		Use:   "status MIGRATION_ID",
		Short: "Show a migration's shards: state, objects, bytes, last error (--watch for live progress bars, -o json)",
		Args:  exactArgs("MIGRATION_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if watch && a.json() {
				return usageErrorf("--watch draws progress bars; it does not combine with -o json")
			}
			if interval <= 0 {
				return usageErrorf("--interval %s: give a positive duration such as 2s", interval)
			}
			ctx := cmd.Context()
			c, err := a.dial(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			m, err := a.migration(ctx, c, args[0])
			if err != nil {
				return err
			}
			if watch {
				return a.watch(ctx, c, m, interval)
			}
			v, err := a.fetchStatus(ctx, c, m)
			if err != nil {
				return err
			}
			return a.emit(v, v.Print)
		},
	}
	a.outputFlag(cmd)
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "redraw live progress bars per shard with the overall ETA until the migration ends (Ctrl-C stops)")
	cmd.Flags().DurationVar(&interval, "interval", 2*time.Second, "how often --watch redraws")
	return cmd
}

// queryConcurrency bounds the shard status queries in flight.
const queryConcurrency = 8

// fetchStatus queries the migration and every started shard.
func (a *app) fetchStatus(ctx context.Context, c client.Client, m *migrationInfo) (*statusView, error) {
	v := &statusView{At: time.Now().UTC(), WorkflowStatus: statusName(m.Status)}
	desc, err := c.DescribeWorkflowExecution(ctx, m.WorkflowID, "")
	if err != nil {
		return nil, a.temporalError(fmt.Errorf("describe migration %s: %w", m.ID, err))
	}
	v.WorkflowStatus = statusName(desc.GetWorkflowExecutionInfo().GetStatus())
	if desc.GetWorkflowExecutionInfo().GetExecution().GetRunId() != m.RunID {
		// continued as new (or restarted): re-read its input
		if fresh, err := a.migration(ctx, c, m.ID); err == nil {
			*m = *fresh
		}
	}
	val, err := c.QueryWorkflow(ctx, m.WorkflowID, "", workflows.MigrationStatusQuery)
	if err == nil {
		err = val.Get(&v.Migration)
	}
	if err != nil {
		return nil, a.temporalError(fmt.Errorf("query migration %s's status (workflow %s): %w; a worker on task queue %q answers queries",
			m.ID, statusName(m.Status), err, a.conn.taskQueue))
	}
	v.Shards = make([]workflows.ShardStatus, len(m.Shards))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(queryConcurrency)
	for i, sh := range m.Shards {
		v.Shards[i] = workflows.ShardStatus{MigrationID: m.ID, ShardID: sh.ID, Prefix: sh.Prefix}
		v.Shards[i].State = workflows.Pending
		if i >= v.Migration.Started {
			continue
		}
		g.Go(func() error {
			st, err := shardStatus(gctx, c, m.ID, sh.ID)
			var nf *serviceerror.NotFound
			switch {
			case errors.As(err, &nf):
				return nil // not started yet
			case err != nil:
				mu.Lock()
				if v.ShardErrors == nil {
					v.ShardErrors = map[string]string{}
				}
				v.ShardErrors[sh.ID] = err.Error()
				mu.Unlock()
				return nil
			}
			st.Prefix = sh.Prefix
			v.Shards[i] = st
			return nil
		})
	}
	_ = g.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return v, nil
}

// shardStatus queries one shard's status.
func shardStatus(ctx context.Context, c client.Client, migrationID, shardID string) (workflows.ShardStatus, error) {
	var st workflows.ShardStatus
	val, err := c.QueryWorkflow(ctx, workflows.ShardWorkflowID(migrationID, shardID), "", workflows.ShardStatusQuery)
	if err != nil {
		return st, err
	}
	return st, val.Get(&st)
}
