package workflows

import (
	"go.temporal.io/sdk/workflow"
)

// SignalShardReport is the signal a shard sends its migration on every
// state change that matters to the window. Arg ShardReport.
const SignalShardReport = "shard-report"

// ShardReport is what a shard tells its migration.
type ShardReport struct {
	ShardID   string     `json:"shardId"`
	State     ShardState `json:"state"`
	HoldsSlot bool       `json:"holdsSlot"`
	Objects   int64      `json:"objects"`
	Bytes     int64      `json:"bytes"`
	LastError string     `json:"lastError,omitempty"`
	// LastErrorClass is LastError's bounded kind (ErrorClass).
	LastErrorClass ErrorClass `json:"lastErrorClass,omitempty"`
	Seq            int64      `json:"seq"` // increases per shard; stale reports are dropped
}

// transition moves the shard to state to, recording who and why, and
// publishes it (search attribute, log, report to the migration).
func (s *shard) transition(ctx workflow.Context, to ShardState, actor, reason string) {
	from := s.cp.State
	s.cp.State = to
	if to != CatchingUp {
		s.cp.WaitingForOperator = false
	}
	s.record(ctx, Transition{From: from, To: to, At: workflow.Now(ctx), Actor: actor, Reason: reason})
	s.publish(ctx)
}

// action records an operator action that keeps the state.
func (s *shard) action(ctx workflow.Context, name string, req OperatorRequest) {
	s.record(ctx, Transition{From: s.cp.State, To: s.cp.State, At: workflow.Now(ctx),
		Actor: req.Actor, Reason: req.Reason, Action: name, Identity: req.Identity})
}

func (s *shard) record(ctx workflow.Context, t Transition) {
	s.cp.Transitions = append(s.cp.Transitions, t)
	if n := len(s.cp.Transitions); n > maxTransitions {
		s.cp.Transitions = append([]Transition(nil), s.cp.Transitions[n-maxTransitions:]...)
	}
	s.cp.TransitionCount++
	s.logger.Info("shard transition", "migration", s.in.MigrationID, "shard", s.in.ShardID,
		"from", t.From, "to", t.To, "action", t.Action, "actor", t.Actor, "reason", t.Reason)
}

// publish sets the search attributes and reports to the migration. It
// uses a disconnected context, so a cancelled shard still reports.
func (s *shard) publish(ctx workflow.Context) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, ShardStateKey.ValueSet(string(s.cp.State)),
		MigrationIDKey.ValueSet(s.in.MigrationID)); err != nil {
		s.logger.Warn("search attributes not updated", "shard", s.in.ShardID, "error", err)
	}
	s.report(ctx)
}

// report signals the shard's state to its migration, if it has one.
func (s *shard) report(ctx workflow.Context) {
	if s.in.ParentWorkflowID == "" {
		return
	}
	s.cp.ReportSeq++
	r := ShardReport{ShardID: s.in.ShardID, State: s.cp.State, HoldsSlot: s.holdsSlot(),
		Objects: s.cp.Counts.Objects, Bytes: s.cp.Counts.Bytes, LastError: s.cp.LastError, LastErrorClass: s.cp.LastErrorClass, Seq: s.cp.ReportSeq}
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	if err := workflow.SignalExternalWorkflow(dctx, s.in.ParentWorkflowID, "", SignalShardReport, r).Get(dctx, nil); err != nil {
		s.logger.Warn("report to migration failed", "shard", s.in.ShardID, "parent", s.in.ParentWorkflowID, "error", err)
	}
}
