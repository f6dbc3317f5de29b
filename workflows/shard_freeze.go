package workflows

import (
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

// maxRepairKeys bounds the keys a refused final verification hands to the
// re-copy before the next freeze (more are found by that freeze).
const maxRepairKeys = 500

// Reasons a bounded period is cut short.
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

// drain proves that writes to the frozen shard drained under operation op:
// the configured wait, or the application's acknowledgement within it.
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
			return classed(ClassDrain, "no drain acknowledgement for operation %s within %s", op, s.in.Settings.DrainWait)
		}
		if err := workflow.Sleep(ctx, poll); err != nil {
			return err
		}
	}
}

// frozen freezes the shard and cuts it over, or ends the freeze: routing
// goes back to the source (retried until the routing target accepts)
// before the shard moves on. A freeze whose ending is under way when the
// run continues as new resumes that ending.
func (s *shard) frozen(ctx workflow.Context) error {
	if s.cp.Ending == nil {
		if err := s.between(ctx); err != nil {
			return err
		}
		if req, ok := s.take(UpdateRollback); ok { // before routing changed
			s.transition(ctx, RolledBack, req.Actor, "rolled back before the freeze began: "+req.Reason)
			return nil
		}
		end := s.freeze(ctx)
		if end == nil {
			s.cutoverDone(ctx)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err() // cancelled: cancelled() reads the route and cleans up
		}
		s.cp.Ending = end
	}
	return s.endFreeze(ctx)
}

// freeze runs one freeze within the plan's maximum duration: read-only,
// proof of the drain, the final delta, the full final verification over
// the final source listing, and the cutover. It returns nil when the
// cutover applied, else why the freeze ended.
func (s *shard) freeze(ctx workflow.Context) *PeriodEnd {
	s.cp.Freezes++
	n := s.cp.Freezes
	var refused *activities.FinalVerifyResult
	abort, err := s.bounded(ctx, s.in.Settings.FreezeMax, func(fctx workflow.Context) error {
		freezeOp := s.opID(opFreeze, n)
		if _, err := s.setRoute(fctx, routing.StateReadOnly, "", freezeOp, SystemActor, "freeze before cutover"); err != nil {
			return err
		}
		if err := s.drain(fctx, freezeOp); err != nil {
			return err
		}
		s.cp.FrozenAt = workflow.Now(fctx)
		s.cp.DeltaRounds++
		var dr activities.DeltaResult
		din := activities.DeltaInput{Shard: s.ref(), Round: s.cp.DeltaRounds, Final: true}
		if err := workflow.ExecuteActivity(withCopy(fctx), activities.DeltaRoundName, din).Get(fctx, &dr); err != nil {
			return fmt.Errorf("final delta: %w", err)
		}
		s.cp.Counts = addCounts(s.cp.Counts, dr.Counts)
		var fv activities.FinalVerifyResult
		fin := activities.FinalVerifyInput{Shard: s.ref(), FrozenAt: s.cp.FrozenAt, Freeze: n}
		if err := workflow.ExecuteActivity(withCopy(fctx), activities.FinalVerifyName, fin).Get(fctx, &fv); err != nil {
			return fmt.Errorf("final verification: %w", err)
		}
		if !fv.OK {
			s.cp.ProblemKeys = fv.ProblemKeys
			refused = &fv
			return classed(ClassMismatch, "final verification refused cutover: %d missing, %d extra, %d mismatched, %d modified after the freeze (record %s): %s",
				fv.Missing, fv.Extra, fv.Mismatched, fv.ModifiedAfter, fv.RecordKey, strings.Join(fv.ProblemKeys, ", "))
		}
		s.transition(fctx, CutOver, SystemActor, fmt.Sprintf("final verification passed: %d objects", fv.Objects))
		_, err := s.setRoute(fctx, routing.StateDestination, s.location(s.in.Settings.DestinationLocation),
			s.opID(opCutover, n), SystemActor, "cutover")
		return err
	})
	if err == nil && abort == "" {
		return nil
	}
	end := &PeriodEnd{Kind: periodFreeze, Why: abort, N: n}
	if err != nil {
		end.Error, end.Class = errorMessage(err), errorClass(err)
	}
	if abort == "" {
		end.Why = endError
		if refused != nil && repairable(*refused) {
			end.Why = endRepair
			end.RepairKeys = refused.RepairKeys[:min(len(refused.RepairKeys), maxRepairKeys)]
		}
	}
	return end
}

// repairable reports whether a re-copy from the frozen source repairs every
// problem a final verification found: the destination's copies are
// missing, mismatched or unhashed, and nothing was written at the source
// after the freeze nor is extra at the destination.
func repairable(fv activities.FinalVerifyResult) bool {
	return fv.ModifiedAfter == 0 && fv.Extra == 0 && fv.Repairable > 0 && len(fv.RepairKeys) > 0
}

// endFreeze returns routing to the source after a freeze that did not cut
// over, then moves on by how the freeze ended. A cutover that applied
// although its answer was lost counts as a cutover; a rollback accepted
// while the freeze ended is carried out here.
func (s *shard) endFreeze(ctx workflow.Context) error {
	end := s.cp.Ending
	r, err := s.makeWritable(ctx, "freeze ended: "+end.reason())
	if err != nil {
		return err
	}
	s.cp.Ending = nil
	rollback, rolledBack := s.take(UpdateRollback)
	kind, _, mine := s.opOf(r)
	switch {
	case !s.ours(r) || r.State == routing.StateReadOnly:
		return classed(ClassRoute, "freeze ended (%s) and the route is now %s, which this run did not set; routing left as it is", end.reason(), describe(r))
	case r.State == routing.StateDestination && mine && kind == opCutover:
		s.cutoverDone(ctx)
		if rolledBack {
			s.cp.RollbackBy = rollback
			s.transition(ctx, RollingBack, rollback.Actor, "rollback (the cutover had applied): "+rollback.Reason)
		}
		return nil
	case r.State == routing.StateDestination:
		return classed(ClassRoute, "freeze ended (%s) and the route is %s; routing left as it is", end.reason(), describe(r))
	case rolledBack:
		s.transition(ctx, RolledBack, rollback.Actor, "rolled back from the freeze, routing at the source: "+rollback.Reason)
		return nil
	}
	switch end.Why {
	case abortTimeout:
		s.cp.FreezeTimeouts++
		msg := fmt.Sprintf("the freeze passed its maximum duration %s; routing returned to the source", s.in.Settings.FreezeMax)
		if s.cp.FreezeTimeouts >= maxFreezeTimeouts {
			return classed(ClassFreezeTimeout, "%s (%d freezes in a row)", msg, s.cp.FreezeTimeouts)
		}
		s.setError(ClassFreezeTimeout, msg)
		s.transition(ctx, CatchingUp, SystemActor, msg)
		return nil
	case endRepair:
		return s.repair(ctx, end)
	case endResumed:
		s.transition(ctx, CatchingUp, SystemActor, "the cutover had not applied; catching up again")
		return nil
	}
	return classed(end.Class, "%s; routing returned to the source", end.Error)
}

// repair re-copies the objects whose destination copy a final verification
// refused, then catches up again for the next freeze, at most
// maxRecopies times in a row.
func (s *shard) repair(ctx workflow.Context, end *PeriodEnd) error {
	if s.cp.Repairs >= s.in.Settings.MaxRecopies {
		return classed(ClassMismatch, "%s; after %d re-copies the destination still fails the final verification: %s",
			end.Error, s.cp.Repairs, strings.Join(end.RepairKeys, ", "))
	}
	s.cp.Repairs++
	rin := activities.RecopyInput{Shard: s.ref(), Keys: end.RepairKeys, Round: 1000 + s.cp.Freezes}
	var rr activities.RecopyResult
	if err := workflow.ExecuteActivity(withCopy(ctx), activities.RecopyName, rin).Get(ctx, &rr); err != nil {
		return fmt.Errorf("re-copy before the next freeze: %w", err)
	}
	s.cp.Counts = addCounts(s.cp.Counts, rr.Counts)
	s.transition(ctx, CatchingUp, SystemActor, fmt.Sprintf("the final verification found %d bad copies at the destination; re-copied (repair %d of %d), routing at the source",
		len(end.RepairKeys), s.cp.Repairs, s.in.Settings.MaxRecopies))
	return nil
}

// cutoverDone records the cutover and starts the soak.
func (s *shard) cutoverDone(ctx workflow.Context) {
	s.cp.CutoverAt = workflow.Now(ctx)
	s.cp.SoakUntil = time.Time{}
	s.cp.FreezeTimeouts, s.cp.Repairs = 0, 0
	s.clearError()
	s.transition(ctx, Soaking, SystemActor, fmt.Sprintf("cut over (operation %s, version %d); soaking %s",
		s.cp.RouteOp, s.cp.RouteVersion, s.in.Settings.SoakRetention))
}

// cutOver reconciles a run that starts in CutOver, a state only a freeze
// passes through: the route says whether the cutover applied.
func (s *shard) cutOver(ctx workflow.Context) error {
	s.cp.State = Frozen
	s.cp.Ending = &PeriodEnd{Kind: periodFreeze, Why: endResumed, N: s.cp.Freezes}
	return s.endFreeze(ctx)
}
