package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing"
)

// setHandlers registers the status query, the operator Updates (each with
// a validator that rejects, with its reason, an Update that does not
// apply) and the migration's signals.
func (s *shard) setHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, ShardStatusQuery, func() (ShardStatus, error) { return s.status(), nil }); err != nil {
		return err
	}
	updates := []struct {
		name     string
		validate func(OperatorRequest) error
		apply    func(workflow.Context, OperatorRequest)
	}{
		{UpdatePause, s.validatePause, s.applyPause},
		{UpdateResume, s.validateResume, s.applyResume},
		{UpdateRetry, s.validateRetry, func(ctx workflow.Context, r OperatorRequest) { s.accept(ctx, UpdateRetry, r) }},
		{UpdateApprove, s.validateApprove, func(ctx workflow.Context, r OperatorRequest) { s.accept(ctx, UpdateApprove, r) }},
		{UpdateRollback, s.validateRollback, s.applyRollback},
		{UpdateAdopt, s.validateAdopt, func(ctx workflow.Context, r OperatorRequest) { s.accept(ctx, UpdateAdopt, r) }},
	}
	for _, u := range updates {
		validate, apply, name := u.validate, u.apply, u.name
		err := workflow.SetUpdateHandlerWithOptions(ctx, name,
			func(ctx workflow.Context, req OperatorRequest) (ShardStatus, error) {
				s.action(ctx, name, req)
				apply(ctx, req)
				return s.status(), nil
			},
			workflow.UpdateHandlerOptions{Validator: func(req OperatorRequest) error {
				if err := req.check(); err != nil {
					return fmt.Errorf("%s shard %s: %w", name, s.in.ShardID, err)
				}
				if err := validate(req); err != nil {
					return fmt.Errorf("%s shard %s: %w", name, s.in.ShardID, err)
				}
				return nil
			}})
		if err != nil {
			return err
		}
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateSetBatchSize,
		func(ctx workflow.Context, req BatchSizeRequest) (ShardStatus, error) {
			s.applyBatchSize(ctx, req)
			return s.status(), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(req BatchSizeRequest) error {
			if err := s.validateBatchSize(req); err != nil {
				return fmt.Errorf("%s shard %s: %w", UpdateSetBatchSize, s.in.ShardID, err)
			}
			return nil
		}})
	if err != nil {
		return err
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, UpdateSetRateLimits,
		func(ctx workflow.Context, req RateLimitsRequest) (ShardStatus, error) {
			s.applyRateLimits(ctx, req)
			return s.status(), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(req RateLimitsRequest) error {
			if err := s.validateRateLimits(req); err != nil {
				return fmt.Errorf("%s shard %s: %w", UpdateSetRateLimits, s.in.ShardID, err)
			}
			return nil
		}})
	if err != nil {
		return err
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, UpdateSetConcurrency,
		func(ctx workflow.Context, req ConcurrencyRequest) (ShardStatus, error) {
			s.applyConcurrency(ctx, req)
			return s.status(), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(req ConcurrencyRequest) error {
			if err := req.validate(); err != nil {
				return fmt.Errorf("%s shard %s: %w", UpdateSetConcurrency, s.in.ShardID, err)
			}
			return s.notDone()
		}})
	if err != nil {
		return err
	}
	s.listenSignals(ctx)
	return nil
}

// shardSignals are the migration's signals to a shard, each with what it
// does where it applies.
func (s *shard) shardSignals() []struct {
	name  string
	apply func(workflow.Context, workflow.ReceiveChannel, bool)
} {
	return []struct {
		name  string
		apply func(workflow.Context, workflow.ReceiveChannel, bool)
	}{
		{SignalShardPause, func(ctx workflow.Context, c workflow.ReceiveChannel, async bool) {
			var r OperatorRequest
			if receive(ctx, c, &r, async) && s.validatePause(r) == nil {
				s.action(ctx, UpdatePause, r)
				s.applyPause(ctx, r)
			}
		}},
		{SignalShardResume, func(ctx workflow.Context, c workflow.ReceiveChannel, async bool) {
			var r OperatorRequest
			if receive(ctx, c, &r, async) && s.validateResume(r) == nil {
				s.action(ctx, UpdateResume, r)
				s.applyResume(ctx, r)
			}
		}},
		{SignalShardBatchSize, func(ctx workflow.Context, c workflow.ReceiveChannel, async bool) {
			var r BatchSizeRequest
			if receive(ctx, c, &r, async) && s.validateBatchSize(r) == nil {
				s.applyBatchSize(ctx, r)
			}
		}},
		{SignalShardLimits, func(ctx workflow.Context, c workflow.ReceiveChannel, async bool) {
			var r LimitsSignal
			if receive(ctx, c, &r, async) && s.notDone() == nil {
				s.applyMigrationLimits(ctx, r)
			}
		}},
	}
}

// receive takes one value from c: blocking, or only if one is queued.
func receive(ctx workflow.Context, c workflow.ReceiveChannel, v any, async bool) bool {
	if async {
		return c.ReceiveAsync(v)
	}
	c.Receive(ctx, v)
	return true
}

// listenSignals applies the migration's signals as they arrive.
func (s *shard) listenSignals(ctx workflow.Context) {
	workflow.Go(ctx, func(ctx workflow.Context) {
		sel := workflow.NewSelector(ctx)
		for _, sig := range s.shardSignals() {
			sel.AddReceive(workflow.GetSignalChannel(ctx, sig.name), func(c workflow.ReceiveChannel, _ bool) {
				sig.apply(ctx, c, false)
			})
		}
		for ctx.Err() == nil {
			sel.Select(ctx)
		}
	})
}

// drainSignals applies every signal that has arrived, so that
// continue-as-new carries them instead of dropping them with the run. A
// signal that arrives while the listener waits is handed to the listener
// at once, but the listener applies it only when it next runs: yield lets
// it run first; what is still queued is then applied here.
func (s *shard) drainSignals(ctx workflow.Context) {
	yield(ctx)
	for _, sig := range s.shardSignals() {
		c := workflow.GetSignalChannel(ctx, sig.name)
		for c.Len() > 0 {
			sig.apply(ctx, c, true)
		}
	}
}

// yield blocks the calling coroutine until every other coroutine of the
// workflow that can run has run and blocked (coroutines run in turn, and
// the one started here runs last).
func yield(ctx workflow.Context) {
	ch := workflow.NewChannel(ctx)
	workflow.Go(ctx, func(gctx workflow.Context) { ch.Send(gctx, struct{}{}) })
	ch.Receive(ctx, nil)
}

func (s *shard) notDone() error {
	if s.cp.State.Final() {
		return fmt.Errorf("the shard is %s; its workflow is ending", s.cp.State)
	}
	return nil
}

// notPending refuses a lifecycle request while another is pending: a shard
// carries out one at a time, so requests never contradict each other.
func (s *shard) notPending() error {
	if r := s.cp.Request; r != nil {
		return fmt.Errorf("a %s by %s is pending (accepted %s)", r.Action, r.Actor, r.At.UTC().Format("2006-01-02 15:04:05Z"))
	}
	return nil
}

func (s *shard) validatePause(OperatorRequest) error {
	if err := s.notDone(); err != nil {
		return err
	}
	if s.cp.Paused {
		return fmt.Errorf("the shard is already paused (in %s)", s.cp.State)
	}
	return nil
}

func (s *shard) applyPause(ctx workflow.Context, req OperatorRequest) {
	s.cp.Paused = true
	s.logger.Info("shard paused", "shard", s.in.ShardID, "state", s.cp.State, "actor", req.Actor, "reason", req.Reason)
}

func (s *shard) validateResume(OperatorRequest) error {
	if err := s.notDone(); err != nil {
		return err
	}
	if !s.cp.Paused {
		return fmt.Errorf("the shard is not paused (it is %s)", s.cp.State)
	}
	return nil
}

func (s *shard) applyResume(ctx workflow.Context, req OperatorRequest) {
	s.cp.Paused = false
	s.logger.Info("shard resumed", "shard", s.in.ShardID, "state", s.cp.State, "actor", req.Actor, "reason", req.Reason)
}

func (s *shard) validateRetry(OperatorRequest) error {
	switch {
	case s.cp.State == Failed || s.cp.State == RolledBack, s.cp.State == CatchingUp && s.cp.WaitingForOperator:
		return s.notPending()
	}
	return fmt.Errorf("the shard is %s; retry applies only to a Failed or RolledBack shard, or one waiting at its delta round limit", s.cp.State)
}

func (s *shard) validateApprove(OperatorRequest) error {
	switch {
	case s.cp.State == AwaitingApproval, s.cp.State == CatchingUp && s.cp.WaitingForOperator:
		return s.notPending()
	}
	return fmt.Errorf("the shard is %s; approve applies only in %s (after catch-up, before the freeze) or at the delta round limit",
		s.cp.State, AwaitingApproval)
}

func (s *shard) validateRollback(OperatorRequest) error {
	switch s.cp.State {
	case Frozen, CutOver, Soaking:
		return s.notPending()
	case Failed:
		switch {
		case s.cp.PurgeStarted:
			return fmt.Errorf("the shard is Failed after its purge began; the source copies are partly deleted, so routing cannot return to them")
		case s.cp.RouteState == routing.StateDestination:
			return s.notPending()
		}
		return fmt.Errorf("the shard is Failed with routing at %s; nothing to roll back (use retry)", s.cp.RouteState)
	case RollingBack:
		return fmt.Errorf("the shard is already rolling back")
	case Purging:
		return fmt.Errorf("the shard is Purging: its source copies are being deleted, so it can no longer be rolled back")
	}
	return fmt.Errorf("the shard is %s and routing still points at the source; rollback applies in %s, %s or %s (cancel stops a migration earlier)",
		s.cp.State, Frozen, CutOver, Soaking)
}

// applyRollback accepts a rollback; during a freeze it also cuts the
// freeze short.
func (s *shard) applyRollback(ctx workflow.Context, req OperatorRequest) {
	s.accept(ctx, UpdateRollback, req)
	s.cp.RollbackBy = req
	if s.abortBounded != nil && (s.cp.State == Frozen || s.cp.State == CutOver) {
		s.abortBounded(abortRollback)
	}
}

func (s *shard) validateAdopt(OperatorRequest) error {
	if s.cp.State != Failed || s.cp.FailedFrom != Pending {
		return fmt.Errorf("the shard is %s; adopt applies only to a shard that did not start because another migration owns its route", s.cp.State)
	}
	if s.cp.RouteState != routing.StateSource {
		return fmt.Errorf("the route is %s; only a route at the source can be adopted", s.cp.RouteState)
	}
	return s.notPending()
}

func (s *shard) validateBatchSize(req BatchSizeRequest) error {
	if err := req.check(); err != nil {
		return err
	}
	if err := s.notDone(); err != nil {
		return err
	}
	if req.BatchSize < 1 || req.BatchSize > plan.MaxBatchSize {
		return fmt.Errorf("batch size %d is outside 1..%d", req.BatchSize, plan.MaxBatchSize)
	}
	return nil
}

func (s *shard) applyBatchSize(ctx workflow.Context, req BatchSizeRequest) {
	s.action(ctx, fmt.Sprintf("set-batch-size %d→%d", s.in.Settings.BatchSize, req.BatchSize), req.OperatorRequest)
	s.in.Settings.BatchSize = req.BatchSize
}

func (s *shard) validateRateLimits(req RateLimitsRequest) error {
	if err := req.validate(); err != nil {
		return err
	}
	return s.notDone()
}

// applyRateLimits changes the shard's rates on the shard alone: its limits
// are its own from then on (its own limiter on every worker), until a
// migration-wide change.
func (s *shard) applyRateLimits(ctx workflow.Context, req RateLimitsRequest) {
	s.action(ctx, req.String(), req.OperatorRequest)
	st := &s.in.Settings
	st.BytesPerSecond, st.RequestsPerSecond, st.ShardTuned = req.BytesPerSecond, req.RequestsPerSecond, true
}

// applyConcurrency changes the shard's objects in flight per batch on the
// shard alone, as applyRateLimits does its rates.
func (s *shard) applyConcurrency(ctx workflow.Context, req ConcurrencyRequest) {
	s.action(ctx, fmt.Sprintf("set-concurrency %d→%d", s.in.Settings.Concurrency, req.Concurrency), req.OperatorRequest)
	s.in.Settings.Concurrency, s.in.Settings.ShardTuned = req.Concurrency, true
}

// applyMigrationLimits takes the migration's limits after a migration-wide
// change: they replace the shard's, which share the migration's limiter
// again.
func (s *shard) applyMigrationLimits(ctx workflow.Context, l LimitsSignal) {
	s.action(ctx, fmt.Sprintf("migration limits %g bytes/s, %g requests/s, %d objects in flight", l.BytesPerSecond, l.RequestsPerSecond, l.Concurrency),
		l.OperatorRequest)
	st := &s.in.Settings
	st.BytesPerSecond, st.RequestsPerSecond, st.Concurrency, st.ShardTuned = l.BytesPerSecond, l.RequestsPerSecond, l.Concurrency, false
}
