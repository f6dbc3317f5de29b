package workflows

import (
	"errors"
	"fmt"
	"slices"

	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/ocimove/ocimove/activities"
)

// ShardState is a state of a shard's lifecycle.
type ShardState string

// Shard states. A shard holds a slot of the migration's window only in
// Copying … CutOver, and not while it waits for an operator.
const (
	Pending          ShardState = "Pending"
	Copying          ShardState = "Copying"
	Verifying        ShardState = "Verifying"
	CatchingUp       ShardState = "CatchingUp"
	AwaitingApproval ShardState = "AwaitingApproval"
	Frozen           ShardState = "Frozen"
	CutOver          ShardState = "CutOver"
	Soaking          ShardState = "Soaking"
	// Purging: the soak is over and the source copies are being deleted,
	// after a full re-verification. A rollback is no longer possible.
	Purging     ShardState = "Purging"
	Complete    ShardState = "Complete"
	Failed      ShardState = "Failed"
	RollingBack ShardState = "RollingBack"
	RolledBack  ShardState = "RolledBack"
	// Cancelled: the shard's workflow was cancelled; uploads were aborted
	// and routing returned to the source.
	Cancelled ShardState = "Cancelled"
)

// AllShardStates lists the states in lifecycle order.
var AllShardStates = []ShardState{Pending, Copying, Verifying, CatchingUp, AwaitingApproval, Frozen, CutOver,
	Soaking, Purging, Complete, Failed, RollingBack, RolledBack, Cancelled}

// inWindow reports whether a shard in state s takes a slot of the window.
func (s ShardState) inWindow() bool {
	switch s {
	case Pending, Copying, Verifying, CatchingUp, Frozen, CutOver, RollingBack:
		return true
	}
	return false
}

// Final reports whether the shard's workflow has ended in state s.
func (s ShardState) Final() bool { return s == Complete || s == Cancelled }

// Shard update, query and signal names.
const (
	// ShardStatusQuery returns a ShardStatus.
	ShardStatusQuery = "status"
	// UpdatePause stops new batches and rounds (in-flight ones finish). Arg OperatorRequest.
	UpdatePause = "pause"
	// UpdateResume undoes a pause. Arg OperatorRequest.
	UpdateResume = "resume"
	// UpdateRetry resumes a Failed or RolledBack shard from its checkpoint,
	// or runs more delta rounds for a shard waiting after its round limit. Arg OperatorRequest.
	UpdateRetry = "retry"
	// UpdateApprove lets a shard in AwaitingApproval (or waiting after its
	// round limit) go on to its freeze. Arg OperatorRequest.
	UpdateApprove = "approve"
	// UpdateRollback rolls a Frozen, CutOver or Soaking shard back to the source. Arg OperatorRequest.
	UpdateRollback = "rollback"
	// UpdateAdopt lets a shard that did not start because another
	// migration owns its route (at the source) take the route over. Arg
	// OperatorRequest.
	UpdateAdopt = "adopt"
	// UpdateSetBatchSize changes the objects per batch. Arg BatchSizeRequest.
	UpdateSetBatchSize = "set-batch-size"
	// UpdateSetRateLimits changes the copy rates. Arg RateLimitsRequest.
	UpdateSetRateLimits = "set-rate-limits"
	// UpdateSetConcurrency changes the objects in flight per batch. Arg
	// ConcurrencyRequest.
	UpdateSetConcurrency = "set-concurrency"

	// SignalShardPause, SignalShardResume and SignalShardBatchSize carry a
	// migration-wide operator action to a shard (args OperatorRequest,
	// OperatorRequest, BatchSizeRequest). They apply where they can and are
	// ignored where they do not.
	SignalShardPause     = "migration-pause"
	SignalShardResume    = "migration-resume"
	SignalShardBatchSize = "migration-batch-size"
	// SignalShardLimits carries the migration's copy limits (a
	// LimitsSignal) after a migration-wide change of rates or concurrency:
	// they replace the shard's, including one tuned on its own.
	SignalShardLimits = "migration-limits"
)

// ShardWorkflowID returns the workflow id of a migration's shard.
func ShardWorkflowID(migrationID, shardID string) string {
	return "ocimove/" + migrationID + "/shard/" + shardID
}

// ShardInput starts (or continues) a shard's workflow. Nothing here is a
// secret: the worker resolves stores and routing from the plan it loads by
// MigrationID.
type ShardInput struct {
	MigrationID      string        `json:"migrationId"`
	PlanFingerprint  string        `json:"planFingerprint"`
	ShardID          string        `json:"shardId"`
	Prefix           string        `json:"prefix"`
	ParentWorkflowID string        `json:"parentWorkflowId,omitempty"` // "" = no parent to report to
	Settings         ShardSettings `json:"settings"`
	// Checkpoint is the state carried across continue-as-new (zero at the start).
	Checkpoint ShardCheckpoint `json:"checkpoint"`
}

// ShardCheckpoint is a shard's durable progress: what a continued run
// needs. The status query shows it as a ShardStatus; the groups both
// hold (CopyProgress, CatchUp, RouteSeen, Milestones, Failure) are
// embedded in each.
type ShardCheckpoint struct {
	State ShardState `json:"state"`
	CopyProgress
	CatchUp
	RoundsSinceReset int `json:"roundsSinceReset"` // rounds counted against the limit

	Paused bool `json:"paused"`
	// Request is the operator request an Update accepted that the shard
	// has not yet carried out. It is carried across continue-as-new, so an
	// accepted request is never dropped.
	Request *PendingRequest `json:"request,omitempty"`

	// RunToken is fixed by the shard's first run and is part of every
	// routing operation id, so that two runs of one migration's shard never
	// share an operation id.
	RunToken string `json:"runToken"`
	RouteSeen
	// Restore shows a return of routing to a writable state that the
	// routing target has not accepted yet; the shard retries it with a
	// timer until it succeeds.
	Restore *RestoreStatus `json:"restore,omitempty"`
	// Ending is why the freeze or rollback under way ended, kept while its
	// routing is returned (carried across continue-as-new).
	Ending *PeriodEnd `json:"ending,omitempty"`
	// RollbackBy is who asked for the rollback under way, and why.
	RollbackBy OperatorRequest `json:"rollbackBy,omitzero"`
	Milestones
	Claims int `json:"claims"` // routes claimed or adopted
	// Cancelling: the workflow was cancelled and its clean-up is under way
	// (carried across continue-as-new).
	Cancelling bool `json:"cancelling,omitempty"`
	Failure

	Transitions     []Transition `json:"transitions"`
	TransitionCount int          `json:"transitionCount"`
	ReportSeq       int64        `json:"reportSeq"`
	Runs            int          `json:"runs"` // continue-as-new count
}

// ShardStatus is a shard as operators, the starter and the report see it:
// the answer of the status query and of operator Updates. It is built from
// the carried checkpoint and holds what a reader needs, so that the
// checkpoint's internals can change without changing this shape (the
// starter's `-o json` and the report's input).
type ShardStatus struct {
	MigrationID string     `json:"migrationId"`
	ShardID     string     `json:"shardId"`
	Prefix      string     `json:"prefix"`
	State       ShardState `json:"state"`
	Paused      bool       `json:"paused"`
	HoldsSlot   bool       `json:"holdsSlot"`
	BatchSize   int        `json:"batchSize"`
	CopyProgress
	CatchUp

	// Request is the accepted operator request not yet carried out.
	Request *PendingRequest `json:"request,omitempty"`
	// RunToken is part of every routing operation id of this shard's runs.
	RunToken string `json:"runToken"`
	RouteSeen
	// Restore is a return of routing being retried.
	Restore *RestoreStatus `json:"restore,omitempty"`
	// Cancelling: the workflow was cancelled and is putting things back
	// (rolling a cut-over shard back, returning a read-only route) while
	// State still names the state it was cancelled in.
	Cancelling bool `json:"cancelling,omitempty"`
	Milestones
	Failure

	Transitions     []Transition `json:"transitions"`
	TransitionCount int          `json:"transitionCount"`
	Runs            int          `json:"runs"`
}

// ShardResult is a finished shard's outcome.
type ShardResult struct {
	ShardID string            `json:"shardId"`
	State   ShardState        `json:"state"`
	Counts  activities.Counts `json:"counts"`
	Purged  int64             `json:"purged"`
}

// ShardWorkflow drives one shard through its lifecycle. It fails only on a
// bad input; any other failure parks the shard in Failed with its
// checkpoint, where it waits for an operator's retry or rollback.
func ShardWorkflow(ctx workflow.Context, in ShardInput) (ShardResult, error) {
	if in.MigrationID == "" || in.ShardID == "" {
		return ShardResult{}, errors.New("shard workflow: migrationId and shardId are required")
	}
	if err := in.Settings.Check(); err != nil {
		return ShardResult{}, fmt.Errorf("shard workflow %s: %w", in.ShardID, err)
	}
	s := &shard{in: in, logger: workflow.GetLogger(ctx)}
	s.cp = &s.in.Checkpoint
	if s.cp.RunToken == "" {
		s.cp.RunToken = runToken(workflow.GetInfo(ctx))
	}
	if err := s.setHandlers(ctx); err != nil {
		return ShardResult{}, err
	}
	return s.run(ctx)
}

// runToken names the chain of runs a workflow belongs to: the first eight
// characters of its first run's id.
func runToken(info *workflow.Info) string {
	id := info.FirstRunID
	if id == "" {
		id = info.WorkflowExecution.RunID
	}
	return id[:min(8, len(id))]
}

// shard is the state of one run of ShardWorkflow.
type shard struct {
	in     ShardInput
	cp     *ShardCheckpoint // points into in, so continue-as-new carries it
	logger log.Logger

	// During a bounded period (freeze, rollback): cancels it, with why.
	abortBounded func(reason string)
	batchesRun   int // batches in this run, for progress reports
}

// errContinueAsNew asks run to continue as new at a safe point.
var errContinueAsNew = errors.New("continue as new")

// ref names the shard for activities.
func (s *shard) ref() activities.ShardRef {
	return activities.ShardRef{MigrationID: s.in.MigrationID, PlanFingerprint: s.in.PlanFingerprint,
		ShardID: s.in.ShardID, Prefix: s.in.Prefix, Limits: s.limits()}
}

// status returns the current status.
func (s *shard) status() ShardStatus {
	cp := s.cp
	fail := cp.Failure
	fail.ProblemKeys = slices.Clone(fail.ProblemKeys)
	return ShardStatus{
		MigrationID: s.in.MigrationID, ShardID: s.in.ShardID, Prefix: s.in.Prefix, State: cp.State, Paused: cp.Paused,
		HoldsSlot: s.holdsSlot(), BatchSize: s.in.Settings.BatchSize,
		CopyProgress: cp.CopyProgress, CatchUp: cp.CatchUp,
		Request: clonePtr(cp.Request), RunToken: cp.RunToken, RouteSeen: cp.RouteSeen, Restore: clonePtr(cp.Restore),
		Cancelling: cp.Cancelling, Milestones: cp.Milestones, Failure: fail,
		Transitions: slices.Clone(cp.Transitions), TransitionCount: cp.TransitionCount, Runs: cp.Runs,
	}
}

// clonePtr returns a copy of *p, or nil.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// holdsSlot reports whether the shard takes a slot of the window now.
func (s *shard) holdsSlot() bool {
	return s.cp.State.inWindow() && !s.cp.WaitingForOperator
}
