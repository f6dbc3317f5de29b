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

// run is the state machine: each step does its state's work and moves on.
func (s *shard) run(ctx workflow.Context) (ShardResult, error) {
	if s.cp.State == "" {
		s.cp.State = Pending
		s.cp.RouteState = routing.StateSource
		s.record(ctx, Transition{To: Pending, At: workflow.Now(ctx), Actor: SystemActor, Reason: "shard started"})
	}
	s.publish(ctx)
	for {
		if ctx.Err() != nil || s.cp.Cancelling {
			return s.cancelled(ctx)
		}
		var err error
		switch s.cp.State {
		case Pending:
			err = s.pending(ctx)
		case Copying:
			err = s.copying(ctx)
		case Verifying:
			err = s.verifying(ctx)
		case CatchingUp:
			err = s.catchingUp(ctx)
		case AwaitingApproval:
			err = s.awaitingApproval(ctx)
		case Frozen:
			err = s.frozen(ctx)
		case CutOver:
			err = s.cutOver(ctx)
		case Soaking:
			err = s.soaking(ctx)
		case Purging:
			err = s.purging(ctx)
		case RollingBack:
			err = s.rollingBack(ctx)
		case Complete:
			return ShardResult{ShardID: s.in.ShardID, State: Complete, Counts: s.cp.Counts, Purged: s.cp.Purged}, nil
		case Failed, RolledBack:
			err = s.parked(ctx)
		default:
			return ShardResult{}, fmt.Errorf("shard %s: unknown state %q in the checkpoint", s.in.ShardID, s.cp.State)
		}
		switch {
		case errors.Is(err, errContinueAsNew):
			return s.continueAsNew(ctx)
		case err != nil && ctx.Err() != nil:
			return s.cancelled(ctx)
		case err != nil:
			s.fail(ctx, err)
		}
	}
}

// fail parks the shard in Failed with its checkpoint.
func (s *shard) fail(ctx workflow.Context, err error) {
	s.cp.FailedFrom = s.cp.State
	s.setError(errorClass(err), errorMessage(err))
	s.transition(ctx, Failed, SystemActor, s.cp.LastError)
}

// errorMessage returns the root message of an activity error, without the
// SDK's wrapping.
func errorMessage(err error) string {
	if err == nil {
		return ""
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Error()
	}
	return err.Error()
}

// between runs at every safe point (between batches and rounds): it waits
// while the shard is paused and asks to continue as new when suggested.
func (s *shard) between(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return !s.cp.Paused || s.canSuggested(ctx) }); err != nil {
		return err
	}
	if s.canSuggested(ctx) {
		return errContinueAsNew
	}
	return nil
}

func (s *shard) canSuggested(ctx workflow.Context) bool {
	return workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

// continueAsNew waits for Update handlers to finish, applies the signals
// still queued, and continues with the checkpoint.
func (s *shard) continueAsNew(ctx workflow.Context) (ShardResult, error) {
	s.drainSignals(ctx)
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return s.cancelled(ctx)
	}
	s.drainSignals(ctx)
	s.cp.Runs++
	s.logger.Info("shard continues as new", "shard", s.in.ShardID, "state", s.cp.State, "cursor", s.cp.Cursor, "batches", s.cp.Batches)
	return ShardResult{}, workflow.NewContinueAsNewError(ctx, ShardWorkflow, s.in)
}

// pending registers the shard's route and starts the copy only from a
// route at the source that no other migration drives: an unowned route is
// claimed, a route this migration owns is kept, and any other route fails
// the shard (an operator may adopt a route at the source).
func (s *shard) pending(ctx workflow.Context) error {
	if err := s.between(ctx); err != nil {
		return err
	}
	var r routing.Route
	if err := workflow.ExecuteActivity(withRoute(ctx), activities.RegisterRouteName, s.ref()).Get(ctx, &r); err != nil {
		return fmt.Errorf("register route: %w", err)
	}
	s.noteRoute(r)
	switch {
	case r.State != routing.StateSource:
		return classed(ClassRoute, "the shard's route is %s: a shard starts only from a route at the source; leave this shard to the migration that moved it, or remove it from the plan", describe(r))
	case r.Owner != "" && !s.ours(r):
		return classed(ClassRoute, "the shard's route is owned by migration %s (%s): if that migration no longer drives it, adopt the route (starter adopt)", r.Owner, describe(r))
	case r.Owner == "":
		if err := s.claim(ctx, r, SystemActor, "claim the route for migration "+s.in.MigrationID); err != nil {
			return fmt.Errorf("claim the route: %w", err)
		}
	}
	s.transition(ctx, Copying, SystemActor, "copy started")
	return nil
}

// copying copies batch after batch. The cursor advances only after a
// batch's activity returns: its copy and manifest are durable by then.
func (s *shard) copying(ctx workflow.Context) error {
	for !s.cp.CopyDone {
		if err := s.between(ctx); err != nil {
			return err
		}
		in := activities.CopyBatchInput{Shard: s.ref(), Batch: s.cp.Batches, Cursor: s.cp.Cursor,
			Limit: s.in.Settings.BatchSize, StartAt: s.in.Settings.StartAt}
		var res activities.CopyBatchResult
		if err := workflow.ExecuteActivity(withCopy(ctx), activities.CopyBatchName, in).Get(ctx, &res); err != nil {
			return fmt.Errorf("copy batch %d after %q: %w", in.Batch, in.Cursor, err)
		}
		if !res.Done && res.NextCursor <= s.cp.Cursor {
			return fmt.Errorf("copy batch %d after %q made no progress (next cursor %q); the listing is inconsistent", in.Batch, in.Cursor, res.NextCursor)
		}
		s.cp.Batches++
		if res.NextCursor != "" {
			s.cp.Cursor = res.NextCursor
		}
		s.cp.Counts = addCounts(s.cp.Counts, res.Counts)
		s.cp.CopyDone = res.Done
		s.batchesRun++
		if len(res.FailedKeys) > 0 {
			s.cp.ProblemKeys = res.FailedKeys
		}
		if s.batchesRun%reportEveryBatches == 0 {
			s.report(ctx)
		}
	}
	s.transition(ctx, Verifying, SystemActor, fmt.Sprintf("copy done: %d batches, %d objects", s.cp.Batches, s.cp.Counts.Objects))
	return nil
}

// reportEveryBatches is how often Copying reports progress to the migration.
const reportEveryBatches = 10

// verifying checks every manifest entry and re-copies mismatches up to
// the plan's limit.
func (s *shard) verifying(ctx workflow.Context) error {
	for {
		var vr activities.VerifyResult
		in := activities.VerifyInput{Shard: s.ref(), Mode: s.in.Settings.VerifyMode, Batches: s.cp.Batches}
		if err := workflow.ExecuteActivity(withCopy(ctx), activities.VerifyShardName, in).Get(ctx, &vr); err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		if vr.Mismatches == 0 {
			s.cp.Recopies = 0
			s.cp.ProblemKeys = nil
			s.transition(ctx, CatchingUp, SystemActor, fmt.Sprintf("verified %d objects (%s)", vr.Checked, in.Mode))
			return nil
		}
		if s.cp.Recopies >= s.in.Settings.MaxRecopies {
			s.cp.ProblemKeys = vr.MismatchKeys
			return classed(ClassMismatch, "%d objects still mismatch after %d re-copies (record %s): %s",
				vr.Mismatches, s.cp.Recopies, vr.RecordKey, strings.Join(vr.MismatchKeys, ", "))
		}
		s.cp.Recopies++
		s.logger.Warn("re-copying mismatches", "shard", s.in.ShardID, "mismatches", vr.Mismatches, "round", s.cp.Recopies)
		rin := activities.RecopyInput{Shard: s.ref(), Keys: vr.MismatchKeys, Round: s.cp.Recopies}
		var rr activities.RecopyResult
		if err := workflow.ExecuteActivity(withCopy(ctx), activities.RecopyName, rin).Get(ctx, &rr); err != nil {
			return fmt.Errorf("re-copy round %d: %w", rin.Round, err)
		}
		s.cp.Counts = addCounts(s.cp.Counts, rr.Counts)
	}
}

// catchingUp runs delta rounds until one finds at most the threshold of
// changes; at the round limit it waits for an operator.
func (s *shard) catchingUp(ctx workflow.Context) error {
	for {
		if s.cp.WaitingForOperator {
			if err := workflow.Await(ctx, func() bool { return s.cp.Request != nil || s.canSuggested(ctx) }); err != nil {
				return err
			}
			if req, ok := s.take(UpdateApprove); ok {
				s.transition(ctx, Frozen, req.Actor, "approved at the round limit: "+req.Reason)
				return nil
			}
			req, ok := s.take(UpdateRetry)
			if !ok {
				return errContinueAsNew
			}
			s.cp.WaitingForOperator = false
			s.cp.RoundsSinceReset = 0
			s.record(ctx, Transition{From: CatchingUp, To: CatchingUp, At: workflow.Now(ctx), Actor: req.Actor,
				Reason: req.Reason, Action: UpdateRetry})
			s.report(ctx)
		}
		if err := s.between(ctx); err != nil {
			return err
		}
		if s.cp.RoundsSinceReset >= s.in.Settings.DeltaMaxRounds {
			s.cp.WaitingForOperator = true
			reason := fmt.Sprintf("round limit %d reached with %d changes in the last round (%.1f/min, threshold %d); retry for more rounds or approve",
				s.in.Settings.DeltaMaxRounds, s.cp.LastChanged, s.cp.ChangeRate, s.in.Settings.DeltaThreshold)
			s.record(ctx, Transition{From: CatchingUp, To: CatchingUp, At: workflow.Now(ctx), Actor: SystemActor, Reason: reason, Action: "wait-for-operator"})
			s.report(ctx)
			continue
		}
		s.cp.DeltaRounds++
		s.cp.RoundsSinceReset++
		start := workflow.Now(ctx)
		var dr activities.DeltaResult
		in := activities.DeltaInput{Shard: s.ref(), Round: s.cp.DeltaRounds}
		if err := workflow.ExecuteActivity(withCopy(ctx), activities.DeltaRoundName, in).Get(ctx, &dr); err != nil {
			return fmt.Errorf("delta round %d: %w", in.Round, err)
		}
		s.cp.Counts = addCounts(s.cp.Counts, dr.Counts)
		s.cp.LastChanged = dr.Changed
		if mins := workflow.Now(ctx).Sub(start).Minutes(); mins > 0 {
			s.cp.ChangeRate = float64(dr.Changed) / mins
		} else {
			s.cp.ChangeRate = 0
		}
		if dr.Changed <= int64(s.in.Settings.DeltaThreshold) {
			s.cp.RoundsSinceReset = 0
			reason := fmt.Sprintf("delta round %d found %d changes (threshold %d)", in.Round, dr.Changed, s.in.Settings.DeltaThreshold)
			if s.in.Settings.Approval == "manual" {
				s.transition(ctx, AwaitingApproval, SystemActor, reason+"; waiting for approval")
			} else {
				s.transition(ctx, Frozen, SystemActor, reason)
			}
			return nil
		}
	}
}

// awaitingApproval waits for an operator's approve before the freeze, so a
// waiting shard never blocks writes.
func (s *shard) awaitingApproval(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return s.requested(UpdateApprove) || s.canSuggested(ctx) }); err != nil {
		return err
	}
	req, ok := s.take(UpdateApprove)
	if !ok {
		return errContinueAsNew
	}
	s.transition(ctx, Frozen, req.Actor, "approved: "+req.Reason)
	return nil
}

// parked waits in Failed or RolledBack for an operator: a retry (resumed
// where the route and the checkpoint allow), a rollback (of a shard that
// failed while cut over) or an adoption (of a route another migration
// owns). A request that cannot be carried out is refused on the record.
func (s *shard) parked(ctx workflow.Context) error {
	if err := workflow.Await(ctx, func() bool { return s.cp.Request != nil || s.canSuggested(ctx) }); err != nil {
		return err
	}
	if req, ok := s.take(UpdateRollback); ok {
		s.cp.RollbackBy = req
		s.transition(ctx, RollingBack, req.Actor, "rollback: "+req.Reason)
		return nil
	}
	if req, ok := s.take(UpdateAdopt); ok {
		return s.adopt(ctx, req)
	}
	req, ok := s.take(UpdateRetry)
	if !ok {
		return errContinueAsNew
	}
	next, err := s.resumeState(ctx)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, errContinueAsNew) {
			return err
		}
		s.refuse(ctx, UpdateRetry, req, errorMessage(err))
		return nil
	}
	s.clearError()
	s.cp.FreezeTimeouts, s.cp.Recopies, s.cp.Repairs = 0, 0, 0
	s.transition(ctx, next, req.Actor, fmt.Sprintf("retry (resume in %s at cursor %q): %s", next, s.cp.Cursor, req.Reason))
	return nil
}

// adopt takes over a route at the source that another migration owns, on
// an operator's word, and starts the shard again.
func (s *shard) adopt(ctx workflow.Context, req OperatorRequest) error {
	r, err := s.getRoute(ctx)
	if err == nil && r.State != routing.StateSource {
		err = fmt.Errorf("the route is %s; only a route at the source can be adopted", describe(r))
	}
	if err == nil {
		err = s.claim(ctx, r, req.Actor, "adopt: "+req.Reason)
	}
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		s.refuse(ctx, UpdateAdopt, req, errorMessage(err))
		return nil
	}
	s.clearError()
	s.transition(ctx, Pending, req.Actor, fmt.Sprintf("adopted the route from migration %s: %s", r.Owner, req.Reason))
	return nil
}

// resumeState is where a retried shard resumes, never from zero, decided
// by the route as it is now: a route another migration drives is refused;
// a freeze's read-only route is first returned.
func (s *shard) resumeState(ctx workflow.Context) (ShardState, error) {
	r, err := s.makeWritable(ctx, "retry")
	if err != nil {
		return "", err
	}
	switch {
	case s.cp.FailedFrom == Pending:
		return Pending, nil // the start checks the route again
	case !s.ours(r) || r.State == routing.StateReadOnly:
		return "", classed(ClassRoute, "the route is %s, which this migration does not drive; retry refused", describe(r))
	case r.State == routing.StateDestination:
		switch {
		case s.cp.CutoverAt.IsZero():
			return "", classed(ClassRoute, "the route is %s but this shard recorded no cutover; retry refused", describe(r))
		case s.cp.PurgeStarted || s.cp.FailedFrom == Purging:
			return Purging, nil
		case s.cp.FailedFrom == RollingBack:
			return RollingBack, nil
		}
		return Soaking, nil
	case !s.cp.CopyDone:
		return Copying, nil
	case s.cp.FailedFrom == Verifying:
		return Verifying, nil
	}
	return CatchingUp, nil
}

// soaking keeps the source copies for the retention. A rollback accepted
// at any time before the purge, even while the shard is paused after its
// soak, is carried out.
func (s *shard) soaking(ctx workflow.Context) error {
	if s.cp.CutoverAt.IsZero() {
		return errors.New("soaking without a recorded cutover; refusing to go on to the purge")
	}
	if s.cp.SoakUntil.IsZero() {
		s.cp.SoakUntil = s.cp.CutoverAt.Add(s.in.Settings.SoakRetention)
	}
	for {
		if req, ok := s.take(UpdateRollback); ok {
			s.cp.RollbackBy = req
			s.transition(ctx, RollingBack, req.Actor, "rollback during soak: "+req.Reason)
			return nil
		}
		remaining := s.cp.SoakUntil.Sub(workflow.Now(ctx))
		if remaining <= 0 {
			break
		}
		ok, err := workflow.AwaitWithTimeout(ctx, remaining, func() bool { return s.requested(UpdateRollback) || s.canSuggested(ctx) })
		if err != nil {
			return err
		}
		if ok && !s.requested(UpdateRollback) {
			return errContinueAsNew
		}
	}
	if err := s.between(ctx); err != nil {
		return err
	}
	if req, ok := s.take(UpdateRollback); ok { // accepted while paused after the soak
		s.cp.RollbackBy = req
		s.transition(ctx, RollingBack, req.Actor, "rollback at the end of the soak: "+req.Reason)
		return nil
	}
	if !s.in.Settings.PurgeEnabled {
		s.transition(ctx, Complete, SystemActor, fmt.Sprintf("soaked %s", s.in.Settings.SoakRetention))
		return nil
	}
	s.transition(ctx, Purging, SystemActor, fmt.Sprintf("soaked %s; purging the source copies", s.in.Settings.SoakRetention))
	return nil
}

// purging purges every source copy; the Purge activity re-verifies the
// destination in full before it deletes. The shard is Complete only once
// the purge record is written; a failed purge parks it in Failed.
func (s *shard) purging(ctx workflow.Context) error {
	if err := s.between(ctx); err != nil {
		return err
	}
	s.cp.PurgeStarted = true
	var pr activities.PurgeResult
	if err := workflow.ExecuteActivity(withCopy(ctx), activities.PurgeName, s.ref()).Get(ctx, &pr); err != nil {
		return fmt.Errorf("purge: %w", err)
	}
	s.cp.Purged = pr.Deleted
	s.transition(ctx, Complete, SystemActor, fmt.Sprintf("purged %d objects, versions and delete markers (record %s)", pr.Deleted, pr.RecordKey))
	return nil
}

// addCounts adds b to a.
func addCounts(a, b activities.Counts) activities.Counts { return a.Add(b) }

// limits are the copy limits the shard's next activity applies.
func (s *shard) limits() *activities.RateLimits {
	st := s.in.Settings
	return &activities.RateLimits{BytesPerSecond: st.BytesPerSecond, RequestsPerSecond: st.RequestsPerSecond,
		Concurrency: st.Concurrency, Shard: st.ShardTuned}
}
