package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/routing"
)

// maxFreezeTimeouts is how many freezes in a row may pass their maximum
// duration before the shard fails instead of catching up again.
const maxFreezeTimeouts = 3

// Reasons a bounded period ends early.
const (
	abortTimeout  = "timeout"
	abortRollback = "rollback"
)

// bounded runs fn with a context that is cancelled when max passes
// (abortTimeout) or when s.abortBounded is called (e.g. by a rollback). It
// returns why it was cut short, if it was, and fn's error.
func (s *shard) bounded(ctx workflow.Context, max time.Duration, fn func(workflow.Context) error) (string, error) {
	bctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	abort := ""
	s.abortBounded = func(reason string) {
		if abort == "" {
			abort = reason
		}
		cancel()
	}
	defer func() { s.abortBounded = nil }()
	tctx, cancelTimer := workflow.WithCancel(ctx)
	defer cancelTimer()
	workflow.Go(tctx, func(gctx workflow.Context) {
		if err := workflow.NewTimer(gctx, max).Get(gctx, nil); err == nil && s.abortBounded != nil {
			s.abortBounded(abortTimeout)
		}
	})
	err := fn(bctx)
	return abort, err
}

func (s *shard) location(root string) string {
	if root == "" {
		return ""
	}
	return root + s.in.Prefix
}

// noteRoute records a route the target returned.
func (s *shard) noteRoute(r routing.Route, op string) {
	if r.State != "" {
		s.cp.RouteState = r.State
	}
	s.cp.RouteVersion = r.Version
	s.cp.RouteOp = op
}

// setRoute changes the shard's route with a compare-and-set on the last
// version seen. Its retries reuse op, so a retry after a lost response
// finds its change applied and succeeds.
func (s *shard) setRoute(ctx workflow.Context, to routing.State, loc, op, actor, reason string) error {
	in := activities.RouteInput{Shard: s.ref(), To: to, Location: loc, ExpectedVersion: s.cp.RouteVersion,
		OperationID: op, Actor: actor, Reason: reason}
	var r routing.Route
	if err := workflow.ExecuteActivity(withRoute(ctx), activities.SetRouteName, in).Get(ctx, &r); err != nil {
		return fmt.Errorf("set route %s (operation %s, expected version %d): %w", to, op, in.ExpectedVersion, err)
	}
	if r.State == "" {
		r.State = to
	}
	s.noteRoute(r, op)
	s.logger.Info("route changed", "shard", s.in.ShardID, "to", to, "operation", op, "version", r.Version)
	return nil
}

// getRoute reads the shard's route.
func (s *shard) getRoute(ctx workflow.Context) (routing.Route, error) {
	var r routing.Route
	err := workflow.ExecuteActivity(withRoute(ctx), activities.GetRouteName, s.ref()).Get(ctx, &r)
	return r, err
}

// drain proves that writes to the frozen shard drained: the configured
// wait, or the application's acknowledgement within it.
func (s *shard) drain(ctx workflow.Context, op string) error {
	if s.in.Settings.DrainMode != "ack" {
		return workflow.Sleep(ctx, s.in.Settings.DrainWait)
	}
	poll := min(max(s.in.Settings.DrainWait/10, time.Second), 5*time.Second)
	deadline := workflow.Now(ctx).Add(s.in.Settings.DrainWait)
	for {
		var acked bool
		in := activities.RouteInput{Shard: s.ref(), To: routing.StateReadOnly, OperationID: op}
		if err := workflow.ExecuteActivity(withShort(ctx), activities.DrainAckedName, in).Get(ctx, &acked); err != nil {
			return fmt.Errorf("drain acknowledgement of %s: %w", op, err)
		}
		if acked {
			return nil
		}
		if !workflow.Now(ctx).Before(deadline) {
			return fmt.Errorf("no drain acknowledgement for operation %s within %s", op, s.in.Settings.DrainWait)
		}
		if err := workflow.Sleep(ctx, poll); err != nil {
			return err
		}
	}
}

// frozen freezes the shard, proves the drain, runs the final delta and the
// full final verification, and cuts over, all within the freeze's maximum
// duration. Any other ending returns routing to the source.
func (s *shard) frozen(ctx workflow.Context) error {
	if err := s.between(ctx); err != nil {
		return err
	}
	if s.rollbackReq != nil { // rolled back before routing changed
		s.rollbackReq = nil
		s.transition(ctx, RolledBack, s.cp.RollbackBy.Actor, "rolled back before the freeze began: "+s.cp.RollbackBy.Reason)
		return nil
	}
	s.cp.Freezes++
	n := s.cp.Freezes
	freezeOp, cutOp := s.opID("freeze", n), s.opID("cutover", n)
	abort, err := s.bounded(ctx, s.in.Settings.FreezeMax, func(fctx workflow.Context) error {
		if err := s.setRoute(fctx, routing.StateReadOnly, "", freezeOp, SystemActor, "freeze before cutover"); err != nil {
			return err
		}
		s.cp.ReadOnlyAtDestination = false
		if err := s.drain(fctx, freezeOp); err != nil {
			return err
		}
		s.cp.FrozenAt = workflow.Now(fctx)
		s.cp.DeltaRounds++
		var dr activities.DeltaResult
		din := activities.DeltaInput{Shard: s.ref(), Round: s.cp.DeltaRounds, Final: true, Limits: s.limits()}
		if err := workflow.ExecuteActivity(withCopy(fctx), activities.DeltaRoundName, din).Get(fctx, &dr); err != nil {
			return fmt.Errorf("final delta: %w", err)
		}
		s.cp.Counts = addCounts(s.cp.Counts, dr.Counts)
		var fv activities.FinalVerifyResult
		fin := activities.FinalVerifyInput{Shard: s.ref(), FrozenAt: s.cp.FrozenAt}
		if err := workflow.ExecuteActivity(withCopy(fctx), activities.FinalVerifyName, fin).Get(fctx, &fv); err != nil {
			return fmt.Errorf("final verification: %w", err)
		}
		if !fv.OK {
			s.cp.ProblemKeys = fv.ProblemKeys
			return fmt.Errorf("final verification refused cutover: %d missing, %d extra, %d mismatched, %d modified after the freeze (record %s): %s",
				fv.Missing, fv.Extra, fv.Mismatched, fv.ModifiedAfter, fv.RecordKey, strings.Join(fv.ProblemKeys, ", "))
		}
		s.transition(fctx, CutOver, SystemActor, fmt.Sprintf("final verification passed: %d objects", fv.Objects))
		return s.setRoute(fctx, routing.StateDestination, s.location(s.in.Settings.DestinationLocation), cutOp, SystemActor, "cutover")
	})
	if err == nil && abort == "" {
		s.cutoverDone(ctx)
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err() // cancelled: run restores routing
	}
	why := abort
	if why == "" {
		why = errorMessage(err)
	}
	applied, rerr := s.restoreSource(ctx, n, cutOp, "freeze ended: "+why)
	if rerr != nil {
		return fmt.Errorf("freeze ended (%s) and routing could not be returned to the source: %w", why, rerr)
	}
	switch {
	case applied && abort == abortRollback:
		s.cutoverDone(ctx)
		s.transition(ctx, RollingBack, s.cp.RollbackBy.Actor, "rollback (cutover had applied): "+s.cp.RollbackBy.Reason)
	case applied:
		s.cutoverDone(ctx)
	case abort == abortRollback:
		s.transition(ctx, RolledBack, s.cp.RollbackBy.Actor, "rolled back from the freeze, routing at source: "+s.cp.RollbackBy.Reason)
	case abort == abortTimeout:
		s.cp.FreezeTimeouts++
		msg := fmt.Sprintf("the freeze passed its maximum duration %s; routing returned to the source", s.in.Settings.FreezeMax)
		if s.cp.FreezeTimeouts >= maxFreezeTimeouts {
			return fmt.Errorf("%s (%d freezes in a row)", msg, s.cp.FreezeTimeouts)
		}
		s.cp.LastError = msg
		s.transition(ctx, CatchingUp, SystemActor, msg)
	default:
		return fmt.Errorf("%w; routing returned to the source", err)
	}
	return nil
}

// cutoverDone records the cutover and starts the soak.
func (s *shard) cutoverDone(ctx workflow.Context) {
	s.cp.CutoverAt = workflow.Now(ctx)
	s.cp.SoakUntil = time.Time{}
	s.cp.FreezeTimeouts = 0
	s.transition(ctx, Soaking, SystemActor, fmt.Sprintf("cut over (operation %s, version %d); soaking %s",
		s.cp.RouteOp, s.cp.RouteVersion, s.in.Settings.SoakRetention))
}

// cutOver reconciles a run that starts in CutOver: soak if the cutover
// applied, else catch up again.
func (s *shard) cutOver(ctx workflow.Context) error {
	r, err := s.getRoute(ctx)
	if err != nil {
		return fmt.Errorf("reconcile cutover: %w", err)
	}
	s.noteRoute(r, r.OperationID)
	if r.State == routing.StateDestination {
		s.cutoverDone(ctx)
		return nil
	}
	if r.State == routing.StateReadOnly {
		if _, err := s.restoreSource(ctx, s.cp.Freezes, "", "reconcile an unfinished cutover"); err != nil {
			return err
		}
	}
	s.transition(ctx, CatchingUp, SystemActor, "cutover had not applied; catching up again")
	return nil
}

// restoreSource returns routing to the source after a freeze, in a
// disconnected context so that cancellation cannot strand writes. It first
// reads the route: a cutover whose response was lost counts as applied.
func (s *shard) restoreSource(ctx workflow.Context, n int, cutOp, reason string) (cutoverApplied bool, err error) {
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	if r, gerr := s.getRoute(dctx); gerr == nil {
		if cutOp != "" && r.State == routing.StateDestination && r.OperationID == cutOp {
			s.noteRoute(r, cutOp)
			return true, nil
		}
		s.noteRoute(r, r.OperationID)
		if r.State == routing.StateSource {
			return false, nil
		}
	} else {
		s.logger.Warn("route not read before restoring it; using the last version seen", "shard", s.in.ShardID, "error", gerr)
	}
	if err := s.setRoute(dctx, routing.StateSource, s.location(s.in.Settings.SourceLocation), s.opID("unfreeze", n), SystemActor, reason); err != nil {
		return false, err
	}
	s.cp.ReadOnlyAtDestination = false
	return false, nil
}

// rollingBack rolls a cut-over shard back: freeze at the destination,
// reverse sync (objects written since cutover copied back and verified),
// then routing to the source. Writes made after cutover are kept.
func (s *shard) rollingBack(ctx workflow.Context) error {
	err := s.rollbackSteps(ctx)
	if err == nil {
		s.transition(ctx, RolledBack, s.cp.RollbackBy.Actor, "rolled back to the source: "+s.cp.RollbackBy.Reason)
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// rollbackSteps runs the rollback within the freeze's maximum duration. On
// failure or timeout, routing returns to the destination (writable).
func (s *shard) rollbackSteps(ctx workflow.Context) error {
	s.cp.Rollbacks++
	n := s.cp.Rollbacks
	actor := s.cp.RollbackBy.Actor
	if actor == "" {
		actor = SystemActor
	}
	freezeOp, srcOp := s.opID("rollback-freeze", n), s.opID("rollback-source", n)
	var rs activities.ReverseSyncResult
	abort, err := s.bounded(ctx, s.in.Settings.FreezeMax, func(rctx workflow.Context) error {
		if s.cp.RouteState != routing.StateReadOnly || !s.cp.ReadOnlyAtDestination {
			if err := s.setRoute(rctx, routing.StateReadOnly, "", freezeOp, actor, "rollback: freeze the destination"); err != nil {
				return err
			}
			s.cp.ReadOnlyAtDestination = true
			if err := s.drain(rctx, freezeOp); err != nil {
				return err
			}
		}
		in := activities.ReverseSyncInput{Shard: s.ref(), CutoverAt: s.cp.CutoverAt}
		if err := workflow.ExecuteActivity(withCopy(rctx), activities.ReverseSyncName, in).Get(rctx, &rs); err != nil {
			return fmt.Errorf("reverse sync: %w", err)
		}
		if rs.Failed > 0 {
			return fmt.Errorf("reverse sync: %d objects failed (manifest %s)", rs.Failed, rs.ManifestKey)
		}
		if err := s.setRoute(rctx, routing.StateSource, s.location(s.in.Settings.SourceLocation), srcOp, actor, "rollback: route to the source"); err != nil {
			return err
		}
		s.cp.ReadOnlyAtDestination = false
		return nil
	})
	if err == nil && abort == "" {
		s.logger.Info("reverse sync done", "shard", s.in.ShardID, "copied", rs.Copied, "verified", rs.Verified)
		return nil
	}
	why := abort
	if err != nil {
		why = errorMessage(err)
	}
	// Return routing to the destination unless the rollback reached the source.
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	if r, gerr := s.getRoute(dctx); gerr == nil {
		s.noteRoute(r, r.OperationID)
		if r.State == routing.StateSource && r.OperationID == srcOp {
			s.cp.ReadOnlyAtDestination = false
			return nil
		}
		if r.State == routing.StateDestination {
			s.cp.ReadOnlyAtDestination = false
			return fmt.Errorf("rollback ended (%s); routing stays at the destination", why)
		}
	}
	if uerr := s.setRoute(dctx, routing.StateDestination, s.location(s.in.Settings.DestinationLocation), s.opID("rollback-undo", n), actor, "rollback ended: "+why); uerr != nil {
		return errors.Join(fmt.Errorf("rollback ended (%s)", why), fmt.Errorf("routing could not be returned to the destination: %w", uerr))
	}
	s.cp.ReadOnlyAtDestination = false
	return fmt.Errorf("rollback ended (%s); routing returned to the destination", why)
}

// cancelled cleans up a cancelled shard in a disconnected context: aborts
// open multipart uploads and returns routing to the source (by a rollback
// with reverse sync when the shard was cut over).
func (s *shard) cancelled(ctx workflow.Context) (ShardResult, error) {
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	var problems []string
	if err := workflow.ExecuteActivity(withShort(dctx), activities.AbortUploadsName, s.ref()).Get(dctx, nil); err != nil {
		problems = append(problems, "abort uploads: "+errorMessage(err))
	}
	switch {
	case s.cp.RouteState == routing.StateDestination || s.cp.ReadOnlyAtDestination:
		if s.cp.RollbackBy.Actor == "" {
			s.cp.RollbackBy = OperatorRequest{Actor: SystemActor, Reason: "workflow cancelled"}
		}
		if err := s.rollbackSteps(dctx); err != nil {
			problems = append(problems, errorMessage(err))
		}
	case s.cp.RouteState == routing.StateReadOnly:
		if _, err := s.restoreSource(dctx, s.cp.Freezes, "", "workflow cancelled"); err != nil {
			problems = append(problems, "restore routing: "+errorMessage(err))
		}
	}
	reason := fmt.Sprintf("workflow cancelled; uploads aborted; routing %s", s.cp.RouteState)
	if len(problems) > 0 {
		s.cp.LastError = strings.Join(problems, "; ")
		reason += "; problems: " + s.cp.LastError
	}
	s.transition(dctx, Cancelled, SystemActor, reason)
	return ShardResult{ShardID: s.in.ShardID, State: Cancelled, Counts: s.cp.Counts}, ctx.Err()
}
