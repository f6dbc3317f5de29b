package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"
	"github.com/spf13/cobra"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/progress"
	"github.com/ocimove/ocimove/workflows"
)

// operatorSpec describes one operator command sent as an Update.
type operatorSpec struct {
	use, short, long string
	update           string // the Update's name
	// shardArg: the command takes MIGRATION SHARD; otherwise MIGRATION
	// and an optional --shard.
	shardArg bool
}

var operatorSpecs = []operatorSpec{
	{use: "pause MIGRATION_ID", update: workflows.UpdatePause,
		short: "Pause a migration (no new shards, no new batches) or, with --shard, one shard",
		long:  "pause stops new batches and rounds from starting; those in flight finish. On a migration it also starts no new shard and pauses every live one."},
	{use: "resume MIGRATION_ID", update: workflows.UpdateResume,
		short: "Resume a paused migration or, with --shard, one shard"},
	{use: "retry-shard MIGRATION_ID SHARD", update: workflows.UpdateRetry, shardArg: true,
		short: "Retry a Failed or RolledBack shard from its checkpoint (or run more delta rounds at the round limit)",
		long:  "retry-shard resumes a Failed or RolledBack shard where its data allows (never from zero). Fix the cause shown by `starter status` first. SHARD is a shard id or prefix."},
	{use: "approve MIGRATION_ID SHARD", update: workflows.UpdateApprove, shardArg: true,
		short: "Approve the cutover of a shard waiting in AwaitingApproval (manual approval plans)",
		long:  "approve lets a shard in AwaitingApproval (or waiting at its delta round limit) go on to its freeze, final verification and cutover. SHARD is a shard id or prefix."},
	{use: "rollback MIGRATION_ID SHARD", update: workflows.UpdateRollback, shardArg: true,
		short: "Roll a Frozen, CutOver or Soaking shard back to the source (reverse sync, full verify, routing to source)",
		long:  "rollback returns a shard's traffic to the source. After cutover the writes made at the destination are copied back and verified first. SHARD is a shard id or prefix."},
	{use: "adopt MIGRATION_ID SHARD", update: workflows.UpdateAdopt, shardArg: true,
		short: "Let a shard take over its route (at the source) from another migration that no longer drives it",
		long: "adopt applies to a shard that did not start because another migration owns its route. Make sure that migration has ended and will not change the route again; " +
			"the shard then claims the route and starts. A route that is not at the source cannot be adopted. SHARD is a shard id or prefix."},
}

func (a *app) operatorCommands() []*cobra.Command {
	cmds := make([]*cobra.Command, 0, len(operatorSpecs))
	for _, spec := range operatorSpecs {
		cmds = append(cmds, a.operatorCommand(spec))
	}
	return cmds
}

func (a *app) operatorCommand(spec operatorSpec) *cobra.Command {
	var reason, shardFlag string
	cmd := &cobra.Command{
		Use:   spec.use,
		Short: spec.short,
		Long:  spec.long,
		RunE: func(cmd *cobra.Command, args []string) error {
			if reason == "" {
				return usageError(errNoReason)
			}
			actor, err := a.actor()
			if err != nil {
				return err
			}
			shard := shardFlag
			if spec.shardArg {
				shard = args[1]
			}
			req := a.request(actor, reason)
			return a.operate(cmd.Context(), spec.update, args[0], shard, req, req)
		},
	}
	if spec.shardArg {
		cmd.Args = exactArgs("MIGRATION_ID", "SHARD")
	} else {
		cmd.Args = exactArgs("MIGRATION_ID")
		cmd.Flags().StringVar(&shardFlag, "shard", "", "act on this shard (id or prefix) instead of the whole migration")
	}
	a.actionFlags(cmd, &reason)
	a.outputFlag(cmd)
	return cmd
}

// cancelResult is the -o json document of cancel: the cancellation was
// requested (the shards wind down afterwards; status follows them).
type cancelResult struct {
	Command     string `json:"command"`
	MigrationID string `json:"migrationId"`
	WorkflowID  string `json:"workflowId"`
	RunID       string `json:"runId"`
	Actor       string `json:"actor"`
	Identity    string `json:"identity"`
	Reason      string `json:"reason"`
	Requested   bool   `json:"requested"`
}

// request is an operator request: who says they act (--as or the OS
// user), why, and the identity the Temporal connection carries (client
// certificate subject, API key id), recorded beside them.
func (a *app) request(actor, reason string) workflows.OperatorRequest {
	return workflows.OperatorRequest{Actor: actor, Reason: reason, Identity: a.connIdentity()}
}

// who names a request's actor and, in brackets, its connection identity.
func who(req workflows.OperatorRequest) string {
	if req.Identity == "" {
		return req.Actor
	}
	return req.Actor + " [" + req.Identity + "]"
}

// actionFlags adds --reason and --as.
func (a *app) actionFlags(cmd *cobra.Command, reason *string) {
	cmd.Flags().StringVar(reason, "reason", "", "why (required; recorded with who and when)")
	cmd.Flags().StringVar(&a.as, "as", "", "who acts (default: the OS user)")
}

// operate sends one operator Update, with arg (which carries req), to the
// migration or to one shard and waits for its outcome: a validator's
// refusal is printed with its reason and exits 1, nothing changed.
func (a *app) operate(ctx context.Context, update, migrationID, shardArg string, req workflows.OperatorRequest, arg any) error {
	c, err := a.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	m, err := a.migration(ctx, c, migrationID)
	if err != nil {
		return err
	}
	target, wid := "migration "+m.ID, m.WorkflowID
	var sh plan.Shard
	if shardArg != "" {
		if sh, err = m.shard(shardArg); err != nil {
			return err
		}
		target, wid = fmt.Sprintf("shard %s (%s) of migration %s", sh.ID, sh.Prefix, m.ID), workflows.ShardWorkflowID(m.ID, sh.ID)
		if err := a.checkOpen(ctx, c, wid, target, update); err != nil {
			return err
		}
	} else if !m.running() {
		return failedf("%s: migration %s has ended (workflow %s); nothing to %s", update, m.ID, statusName(m.Status), update)
	}
	updateID := uuid.NewString()
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID: updateID, WorkflowID: wid, UpdateName: update, Args: []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		if shardArg != "" {
			var st workflows.ShardStatus
			if err = h.Get(ctx, &st); err == nil {
				a.recordShardUpdate(m.ID, update, updateID, req, st, sh.Prefix)
				a.say("%s: accepted for %s; it is now %s. Recorded: %s, %q.\n", update, target, progress.StateText(st), who(req), req.Reason)
				return nil
			}
		} else {
			var st workflows.MigrationStatus
			if err = h.Get(ctx, &st); err == nil {
				a.recordMigrationUpdate(m.ID, update, updateID, req, st)
				a.say("%s: accepted for %s; it is now %s (%s). Recorded: %s, %q.\n", update, target, st.State, progress.ByStateText(st.ByState), who(req), req.Reason)
				return nil
			}
		}
	}
	return a.updateError(err, update, target)
}

// checkOpen refuses an action on a shard whose workflow has not started
// or has ended.
func (a *app) checkOpen(ctx context.Context, c client.Client, wid, target, update string) error {
	desc, err := c.DescribeWorkflowExecution(ctx, wid, "")
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		return failedf("%s: %s is Pending: its workflow has not started yet (the window is full or the migration is paused); %s applies once it runs",
			update, target, update)
	case err != nil:
		return a.temporalError(fmt.Errorf("describe %s: %w", target, err))
	}
	if s := desc.GetWorkflowExecutionInfo().GetStatus(); s != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return failedf("%s: %s has ended (workflow %s); nothing to %s", update, target, statusName(s), update)
	}
	return nil
}

// updateError explains a failed Update: a refusal by the validator (the
// action does not apply in the current state) or a call that failed.
func (a *app) updateError(err error, update, target string) error {
	var app *temporal.ApplicationError
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &app):
		return failedf("refused: %s (nothing changed)", app.Message())
	case errors.As(err, &nf):
		return failedf("%s: %s has ended; nothing to %s", update, target, update)
	}
	return a.temporalError(fmt.Errorf("%s %s: %w", update, target, err))
}

func (a *app) cancelCommand() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "cancel MIGRATION_ID",
		Short: "Cancel a migration: every live shard aborts its uploads and returns routing to the source",
		Long: `cancel requests the cancellation of the migration's workflow, recording who
and why in its history. Each live shard is cancelled in turn: it aborts its
multipart uploads and, if it was frozen, returns routing to the source. A
shard already cut over (CutOver or Soaking) is rolled back: the writes made
at the destination since cutover are copied back and verified, then routing
returns to the source. Only a shard whose purge has begun stays at the
destination.`,
		Args: exactArgs("MIGRATION_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if reason == "" {
				return usageError(errNoReason)
			}
			actor, err := a.actor()
			if err != nil {
				return err
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
			if !m.running() {
				return failedf("cancel: migration %s has ended (workflow %s); nothing to cancel", m.ID, statusName(m.Status))
			}
			req := a.request(actor, reason)
			_, err = c.WorkflowService().RequestCancelWorkflowExecution(ctx, &workflowservice.RequestCancelWorkflowExecutionRequest{
				Namespace:         a.namespace(),
				WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: m.WorkflowID},
				Identity:          a.identity(),
				RequestId:         uuid.NewString(),
				Reason:            fmt.Sprintf("%s: %s", who(req), reason),
			})
			if err != nil {
				return a.temporalError(fmt.Errorf("cancel migration %s: %w", m.ID, err))
			}
			res := cancelResult{Command: "cancel", MigrationID: m.ID, WorkflowID: m.WorkflowID, RunID: m.RunID,
				Actor: actor, Identity: req.Identity, Reason: reason, Requested: true}
			return a.emit(res, func(w io.Writer) {
				fmt.Fprintf(w, "cancel: requested for migration %s by %s, %q. Live shards abort their uploads and return routing to the source; follow with: starter status %s\n",
					m.ID, actor, reason, m.ID)
			})
		},
	}
	a.outputFlag(cmd)
	a.actionFlags(cmd, &reason)
	return cmd
}
