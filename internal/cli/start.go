package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/progress"
	"github.com/ocimove/ocimove/workflows"
)

func (a *app) startCommand() *cobra.Command {
	timeout := 30 * time.Minute
	cmd := &cobra.Command{
		Use:   "start PLANFILE",
		Short: "Run the pre-flight, then start the migration (idempotent: a running migration is reported, not duplicated)",
		Long: `start runs the same pre-flight as plan and refuses to start when it finds
problems. It then starts the migration's workflow (id ocimove/<plan id>). A
migration already running with that id is reported and left alone; a
migration that completed under that id is not run again (give the plan a
new id).`,
		Args: exactArgs("PLANFILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadPlan(args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := a.dial(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			if done, err := a.reportExisting(ctx, c, p); done || err != nil {
				return err
			}
			a.say("Pre-flight of %s on task queue %q …\n", p.ID, a.conn.taskQueue)
			res, err := a.preflight(ctx, c, p, timeout)
			if err != nil {
				return err
			}
			rep := newPlanReport(p, res)
			if len(rep.Problems) > 0 {
				out := startResult{MigrationID: p.ID, Outcome: startRefused, WorkflowID: workflows.MigrationWorkflowID(p.ID),
					TaskQueue: a.conn.taskQueue, Preflight: &rep}
				if err := a.emit(out, func(w io.Writer) { rep.print(w, args[0]) }); err != nil {
					return err
				}
				return failedf("not started: pre-flight found %d problem(s) in %s", len(rep.Problems), args[0])
			}
			return a.start(ctx, c, p, rep)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", timeout, "how long to wait for the pre-flight (it lists every shard)")
	a.outputFlag(cmd)
	return cmd
}

// Outcomes of start.
const (
	startStarted        = "started"
	startAlreadyRunning = "already-running"
	startRefused        = "not-started"
)

// startResult is the -o json document of start.
type startResult struct {
	MigrationID string `json:"migrationId"`
	// Outcome is "started", "already-running" (nothing started) or
	// "not-started" (the pre-flight found problems; exit code 1).
	Outcome    string `json:"outcome"`
	WorkflowID string `json:"workflowId"`
	// RunID is the run started, or the one already running.
	RunID     string `json:"runId,omitempty"`
	TaskQueue string `json:"taskQueue"`
	// StartedAt is when the migration already running started.
	StartedAt time.Time `json:"startedAt,omitzero"`
	// Preflight is the pre-flight's answer, as plan -o json gives it
	// (absent when the migration was already running).
	Preflight *planReport `json:"preflight,omitempty"`
}

// reportExisting tells about a migration already started under p's id.
// done is true when there is one and nothing must be started.
func (a *app) reportExisting(ctx context.Context, c client.Client, p *plan.Plan) (done bool, err error) {
	m, err := a.migration(ctx, c, p.ID)
	if err != nil {
		if codeOf(err) == ExitUsage { // not found
			return false, nil
		}
		return true, err
	}
	switch {
	case m.running() && m.Input.PlanFingerprint != p.Fingerprint():
		return true, failedf("migration %s is already running (run %s, started %s) from another plan (fingerprint %s, this file %s); not started again. "+
			"Give this plan a new id, or cancel the running one first", p.ID, m.RunID, m.StartTime.Local().Format(time.RFC3339),
			short(m.Input.PlanFingerprint), short(p.Fingerprint()))
	case m.running():
		out := startResult{MigrationID: p.ID, Outcome: startAlreadyRunning, WorkflowID: m.WorkflowID, RunID: m.RunID,
			TaskQueue: a.conn.taskQueue, StartedAt: m.StartTime.UTC()}
		return true, a.emit(out, func(w io.Writer) {
			fmt.Fprintf(w, "Migration %s is already running (workflow %s, run %s, started %s); not started again.\nFollow it with: starter status %s --watch\n",
				p.ID, m.WorkflowID, m.RunID, m.StartTime.Local().Format(time.RFC3339), p.ID)
		})
	case m.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return true, failedf("migration %s already ran to completion (closed %s); a migration id runs once: give the plan a new id to run it again",
			p.ID, m.CloseTime.Local().Format(time.RFC3339))
	}
	return false, nil // failed, cancelled or terminated: may run again
}

// start starts the migration's workflow with the pre-flight's estimate.
func (a *app) start(ctx context.Context, c client.Client, p *plan.Plan, rep planReport) error {
	in, err := migrationInput(p, rep, time.Now())
	if err != nil {
		return usageError(err)
	}
	wid := workflows.MigrationWorkflowID(p.ID)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: wid, TaskQueue: a.conn.taskQueue,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.MigrationIDKey.ValueSet(p.ID),
			workflows.MigrationStateKey.ValueSet(string(workflows.MigrationRunning))),
	}, workflows.MigrationWorkflow, in)
	if err != nil {
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) || temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			if done, rerr := a.reportExisting(ctx, c, p); done || rerr != nil {
				return rerr
			}
		}
		return a.temporalError(fmt.Errorf("start migration %s: %w", p.ID, err))
	}
	out := startResult{MigrationID: p.ID, Outcome: startStarted, WorkflowID: wid, RunID: run.GetRunID(), TaskQueue: a.conn.taskQueue, Preflight: &rep}
	return a.emit(out, func(w io.Writer) {
		fmt.Fprintf(w, "Started migration %s: %d shards, %d objects, %s (workflow %s, run %s, task queue %q).\nFollow it with: starter status %s --watch\n",
			p.ID, len(rep.Shards), rep.Objects, progress.Bytes(rep.Bytes), wid, run.GetRunID(), a.conn.taskQueue, p.ID)
	})
}

// migrationInput builds the migration's input: explicit shards, or the
// generator itself, so that a large generated plan stays small in history.
func migrationInput(p *plan.Plan, rep planReport, startAt time.Time) (workflows.MigrationInput, error) {
	in := workflows.MigrationInput{
		MigrationID: p.ID, PlanFingerprint: p.Fingerprint(), Window: p.EffectiveWindow(),
		Settings: workflows.SettingsFromPlan(p, startAt),
		Estimate: workflows.Estimate{Objects: rep.Objects, Bytes: rep.Bytes},
	}
	planJSON, err := p.CanonicalJSON()
	if err != nil {
		return in, fmt.Errorf("plan: %w", err)
	}
	in.PlanJSON = planJSON
	if p.Shards.Generator == "" {
		shards, err := p.ShardList()
		if err != nil {
			return in, fmt.Errorf("plan: shards: %w", err)
		}
		in.Shards = shards
		return in, nil
	}
	in.ShardGenerator = p.Shards.Generator
	for _, pr := range p.Shards.Prefixes {
		in.Shards = append(in.Shards, plan.Shard{ID: plan.ShardID(pr), Prefix: pr})
	}
	return in, nil
}

// short abbreviates a fingerprint.
func short(fp string) string {
	if len(fp) > 12 {
		return fp[:12]
	}
	return fp
}
