package workflows

import (
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/routing"
)

// rollingBack rolls a cut-over shard back: freeze at the destination,
// reverse sync (objects written and deleted since cutover replayed to the
// source and verified), then routing to the source. Writes made after
// cutover are kept. A rollback that does not finish returns routing to the
// destination (retried until the routing target accepts) and fails.
func (s *shard) rollingBack(ctx workflow.Context) error {
	if s.cp.Ending == nil {
		end := s.rollback(ctx)
		if end == nil {
			s.transition(ctx, RolledBack, s.rollbackActor(), "rolled back to the source: "+s.cp.RollbackBy.Reason)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.cp.Ending = end
	}
	return s.endRollback(ctx)
}

func (s *shard) rollbackActor() string {
	if s.cp.RollbackBy.Actor == "" {
		return SystemActor
	}
	return s.cp.RollbackBy.Actor
}

// rollback runs the rollback's steps within the freeze's maximum duration
// and returns nil when routing reached the source, else why it ended.
func (s *shard) rollback(ctx workflow.Context) *PeriodEnd {
	s.cp.Rollbacks++
	n := s.cp.Rollbacks
	actor := s.rollbackActor()
	var rs activities.ReverseSyncResult
	abort, err := s.bounded(ctx, s.in.Settings.FreezeMax, func(rctx workflow.Context) error {
		r, err := s.getRoute(rctx)
		if err != nil {
			return err
		}
		kind, _, mine := s.opOf(r)
		switch {
		case !s.ours(r):
			return classed(ClassRoute, "the route is %s; this migration does not drive it", describe(r))
		case r.State == routing.StateDestination:
			freezeOp := s.opID(opRollbackFreeze, n)
			if _, err := s.setRoute(rctx, routing.StateReadOnly, "", freezeOp, actor, "rollback: freeze the destination"); err != nil {
				return err
			}
			if err := s.drain(rctx, freezeOp); err != nil {
				return err
			}
		case r.State == routing.StateReadOnly && mine && kind == opRollbackFreeze:
			// An earlier attempt froze the destination: prove the drain again.
			if err := s.drain(rctx, r.OperationID); err != nil {
				return err
			}
		default:
			return classed(ClassRoute, "the route is %s, not at the destination; nothing to roll back", describe(r))
		}
		in := activities.ReverseSyncInput{Shard: s.ref(), CutoverAt: s.cp.CutoverAt}
		if err := workflow.ExecuteActivity(withCopy(rctx), activities.ReverseSyncName, in).Get(rctx, &rs); err != nil {
			return fmt.Errorf("reverse sync: %w", err)
		}
		if rs.Failed > 0 {
			return classed(ClassReverseSync, "reverse sync: %d objects failed (manifest %s)", rs.Failed, rs.ManifestKey)
		}
		_, err = s.setRoute(rctx, routing.StateSource, s.location(s.in.Settings.SourceLocation), s.opID(opRollbackSource, n),
			actor, "rollback: route to the source")
		return err
	})
	if err == nil && abort == "" {
		s.logger.Info("reverse sync done", "shard", s.in.ShardID, "copied", rs.Copied, "verified", rs.Verified)
		return nil
	}
	end := &PeriodEnd{Kind: periodRollback, Why: abort, N: n, Error: errorMessage(err), Class: errorClass(err)}
	if abort == "" {
		end.Why = endError
	}
	return end
}

// endRollback returns routing to the destination after a rollback that
// did not reach the source (a rollback whose last change applied although
// its answer was lost counts as done).
func (s *shard) endRollback(ctx workflow.Context) error {
	end := s.cp.Ending
	r, err := s.makeWritable(ctx, "rollback ended: "+end.reason())
	if err != nil {
		return err
	}
	s.cp.Ending = nil
	kind, _, mine := s.opOf(r)
	switch {
	case s.ours(r) && r.State == routing.StateSource && mine && kind == opRollbackSource:
		s.transition(ctx, RolledBack, s.rollbackActor(), "rolled back to the source: "+s.cp.RollbackBy.Reason)
		return nil
	case s.ours(r) && r.State == routing.StateDestination:
		return classed(end.Class, "rollback ended (%s); routing is at the destination", end.reason())
	}
	return classed(ClassRoute, "rollback ended (%s) and the route is %s; routing left as it is", end.reason(), describe(r))
}

// cancelled cleans up a cancelled shard, disconnected from the
// cancellation: it aborts open multipart uploads and returns routing to the
// source, reading the route first (a change in flight at the cancel has
// landed or not by then). A shard whose cutover applied goes through the
// rollback, with reverse sync, never a bare flip; one whose purge began
// stays at the destination. Clean-up that outlives the run's history
// continues as new.
func (s *shard) cancelled(ctx workflow.Context) (ShardResult, error) {
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	if !s.cp.Cancelling {
		s.cp.Cancelling = true
		s.record(dctx, Transition{From: s.cp.State, To: s.cp.State, At: workflow.Now(dctx), Actor: SystemActor,
			Reason: "workflow cancelled: cleaning up", Action: "cancel"})
	}
	var problems []string
	if err := workflow.ExecuteActivity(withShort(dctx), activities.AbortUploadsName, s.ref()).Get(dctx, nil); err != nil {
		problems = append(problems, "abort uploads: "+errorMessage(err))
	}
	r, err := s.makeWritable(dctx, "workflow cancelled")
	if errors.Is(err, errContinueAsNew) {
		return s.continueAsNew(dctx)
	}
	if s.cp.Ending != nil && s.cp.Ending.Kind == periodFreeze {
		s.cp.Ending = nil // routing is writable again: the freeze is over
	}
	switch {
	case err != nil:
		problems = append(problems, "return routing: "+errorMessage(err))
	case !s.ours(r) || r.State == routing.StateSource:
	case r.State == routing.StateDestination && s.cp.PurgeStarted:
		problems = append(problems, "the purge has begun; routing stays at the destination")
	case r.State == routing.StateDestination:
		if s.cp.RollbackBy.Actor == "" {
			s.cp.RollbackBy = OperatorRequest{Actor: SystemActor, Reason: "workflow cancelled"}
		}
		if s.cp.Ending == nil {
			if s.cp.Ending = s.rollback(dctx); s.cp.Ending == nil {
				s.transition(dctx, RolledBack, s.rollbackActor(), "rolled back to the source: "+s.cp.RollbackBy.Reason)
				break
			}
		}
		if err := s.endRollback(dctx); errors.Is(err, errContinueAsNew) {
			return s.continueAsNew(dctx)
		} else if err != nil {
			problems = append(problems, errorMessage(err))
		}
	default:
		problems = append(problems, "routing left "+describe(r))
	}
	reason := fmt.Sprintf("workflow cancelled; uploads aborted; routing %s", s.cp.RouteState)
	if len(problems) > 0 {
		s.setError(ClassCancel, strings.Join(problems, "; "))
		reason += "; problems: " + s.cp.LastError
	}
	s.transition(dctx, Cancelled, SystemActor, reason)
	err = ctx.Err()
	if err == nil { // a continued run of a cancelled workflow
		err = temporal.NewCanceledError(reason)
	}
	return ShardResult{ShardID: s.in.ShardID, State: Cancelled, Counts: s.cp.Counts}, err
}
