package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ocimove/ocimove/internal/routing"
)

// PendingRequest is an operator request that an Update accepted and the
// shard has not carried out yet. A shard holds at most one: a second
// lifecycle request is refused while one is pending, so requests never
// contradict each other.
type PendingRequest struct {
	Action string `json:"action"` // UpdateRetry, UpdateApprove, UpdateRollback or UpdateAdopt
	OperatorRequest
	At time.Time `json:"at"`
}

// RestoreStatus is a return of routing to a writable state that the routing
// target has not accepted yet.
type RestoreStatus struct {
	To        routing.State `json:"to"` // source after a freeze, destination after a rollback's freeze
	Since     time.Time     `json:"since"`
	Attempts  int           `json:"attempts"`
	LastError string        `json:"lastError"`
}

// PeriodEnd is why a bounded period (a freeze, or a rollback's freeze at
// the destination) ended without reaching its goal.
type PeriodEnd struct {
	Kind  string `json:"kind"` // periodFreeze or periodRollback
	Why   string `json:"why"`  // abortTimeout, abortRollback, endRepair, endError or endResumed
	Error string `json:"error,omitempty"`
	// Class is Error's bounded kind (ErrorClass).
	Class ErrorClass `json:"class,omitempty"`
	N     int        `json:"n"` // the freeze or rollback number, for operation ids
	// RepairKeys are the keys a final verification found the destination's
	// copy of bad (endRepair), to re-copy before the next freeze.
	RepairKeys []string `json:"repairKeys,omitempty"`
}

// Kinds of bounded period.
const (
	periodFreeze   = "freeze"
	periodRollback = "rollback"
)

// Reasons a bounded period ends early, besides those of bounded.
const (
	// endRepair: the final verification refused the cutover, and a re-copy
	// from the frozen source repairs every problem it found.
	endRepair = "repair"
	// endError: a step failed.
	endError = "error"
	// endResumed: a run found itself in CutOver, which only a bounded
	// period passes through; the route says how the period ended.
	endResumed = "resumed"
)

// reason describes the end for logs and transitions.
func (e *PeriodEnd) reason() string {
	if e.Error != "" {
		return e.Why + ": " + e.Error
	}
	return e.Why
}

// accept records req as the shard's pending request for action.
func (s *shard) accept(ctx workflow.Context, action string, req OperatorRequest) {
	s.cp.Request = &PendingRequest{Action: action, OperatorRequest: req, At: workflow.Now(ctx)}
}

// take returns and clears the pending request if it is for action.
func (s *shard) take(action string) (OperatorRequest, bool) {
	if s.cp.Request == nil || s.cp.Request.Action != action {
		return OperatorRequest{}, false
	}
	req := s.cp.Request.OperatorRequest
	s.cp.Request = nil
	return req, true
}

// requested reports whether a request for action is pending.
func (s *shard) requested(action string) bool {
	return s.cp.Request != nil && s.cp.Request.Action == action
}

// refuse records that the pending request for action cannot be carried out
// now, and why: the request ends with an audited refusal, not in silence.
func (s *shard) refuse(ctx workflow.Context, action string, req OperatorRequest, why string) {
	s.setError(ClassRefused, why)
	s.record(ctx, Transition{From: s.cp.State, To: s.cp.State, At: workflow.Now(ctx), Actor: req.Actor,
		Reason: "refused: " + why + " (asked: " + req.Reason + ")", Action: action + "-refused"})
	s.report(ctx)
}
