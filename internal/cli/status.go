package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/ocimove/ocimove/workflows"
)

// statusView is what status shows, and its JSON output.
type statusView struct {
	// WorkflowStatus is the migration workflow's execution status:
	// Running, Completed, Canceled, Failed, Terminated, …
	WorkflowStatus string                    `json:"workflowStatus"`
	Migration      workflows.MigrationStatus `json:"migration"`
	// Shards are every shard of the plan in order; those not started yet
	// are Pending with only their id and prefix.
	Shards []workflows.ShardStatus `json:"shards"`
	// ShardErrors names shards whose status query failed.
	ShardErrors map[string]string `json:"shardErrors,omitempty"`
	At          time.Time         `json:"at"`
}

func (a *app) statusCommand() *cobra.Command {
	var (
		output   string
		watch    bool
		interval time.Duration
	)
	cmd := &cobra.Command{
		Use:   "status MIGRATION_ID",
		Short: "Show a migration's shards: state, objects, bytes, last error (--watch for live progress bars, -o json)",
		Args:  exactArgs("MIGRATION_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			if watch && output == "json" {
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
			if output == "json" {
				return writeJSON(a.out, v)
			}
			v.print(a.out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
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

// stateText is a shard's state with what qualifies it.
func stateText(s workflows.ShardStatus) string {
	t := string(s.State)
	var notes []string
	if s.Paused {
		notes = append(notes, "paused")
	}
	if s.WaitingForOperator {
		notes = append(notes, fmt.Sprintf("waiting for an operator at the round limit, %.1f changes/min", s.ChangeRate))
	}
	if r := s.Request; r != nil {
		notes = append(notes, fmt.Sprintf("%s by %s pending", r.Action, r.Actor))
	}
	if r := s.Restore; r != nil {
		notes = append(notes, fmt.Sprintf("returning routing to %s: %d attempts since %s", r.To, r.Attempts, r.Since.UTC().Format("15:04:05Z")))
	}
	if len(notes) > 0 {
		t += " (" + strings.Join(notes, "; ") + ")"
	}
	return t
}

// byStateText lists the non-zero counts by state in lifecycle order.
func byStateText(by map[workflows.ShardState]int) string {
	var parts []string
	for _, s := range workflows.AllShardStates {
		if n := by[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, n))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// summary writes the migration's header lines.
func (v *statusView) summary(w io.Writer) {
	ms := v.Migration
	state := string(ms.State)
	if v.WorkflowStatus != "Running" {
		state = fmt.Sprintf("%s (workflow %s)", ms.State, v.WorkflowStatus)
	}
	fmt.Fprintf(w, "Migration %s: %s\n", ms.MigrationID, state)
	fmt.Fprintf(w, "Shards: %d, %d started; window %d, %d in use; %s\n", ms.Shards, ms.Started, ms.Window, ms.SlotsUsed, byStateText(ms.ByState))
	done := fmt.Sprintf("%d objects, %s", ms.ObjectsDone, humanBytes(ms.BytesDone))
	if ms.Estimate.Bytes > 0 {
		done += fmt.Sprintf(" of %d objects, %s (%.0f%%)", ms.Estimate.Objects, humanBytes(ms.Estimate.Bytes),
			100*min(1, float64(ms.BytesDone)/float64(ms.Estimate.Bytes)))
	}
	rate := "-"
	if ms.BytesPerSecond > 0 {
		rate = humanBytes(int64(ms.BytesPerSecond)) + "/s"
	}
	fmt.Fprintf(w, "Copied: %s; rate %s; ETA %s\n", done, rate, etaText(ms))
}

func etaText(ms workflows.MigrationStatus) string {
	switch {
	case ms.State == workflows.MigrationComplete:
		return "done"
	case ms.ETA > 0:
		return roundDuration(ms.ETA).String()
	case ms.Estimate.Bytes > 0 && ms.BytesDone >= ms.Estimate.Bytes:
		return "copy done"
	}
	return "unknown"
}

// print writes the status table.
func (v *statusView) print(w io.Writer) {
	v.summary(w)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARD\tPREFIX\tSTATE\tOBJECTS\tBYTES\tLAST ERROR")
	for _, s := range v.Shards {
		last := s.LastError
		if e, ok := v.ShardErrors[s.ShardID]; ok {
			last = "status unavailable: " + e
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", s.ShardID, s.Prefix, stateText(s), s.Counts.Objects, humanBytes(s.Counts.Bytes), clip(oneLine(last), 100))
	}
	tw.Flush()
	v.printActions(w)
}

// printActions lists the latest operator actions of the migration and its
// shards.
func (v *statusView) printActions(w io.Writer) {
	type row struct {
		at                    time.Time
		who, what, where, why string
	}
	var rows []row
	for _, t := range v.Migration.Actions {
		rows = append(rows, row{t.At, t.Actor, t.Action, "migration", t.Reason})
	}
	for _, s := range v.Shards {
		for _, t := range s.Transitions {
			if t.Actor == workflows.SystemActor || t.Actor == "" {
				continue
			}
			what := t.Action
			if what == "" {
				what = fmt.Sprintf("%s→%s", t.From, t.To)
			}
			rows = append(rows, row{t.At, t.Actor, what, s.ShardID, t.Reason})
		}
	}
	if len(rows) == 0 {
		return
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].at.After(rows[j].at) })
	if len(rows) > 10 {
		rows = rows[:10]
	}
	fmt.Fprintln(w, "\nLatest operator actions:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tWHO\tACTION\tON\tREASON")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.at.Local().Format(time.DateTime), r.who, r.what, r.where, clip(oneLine(r.why), 80))
	}
	tw.Flush()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
