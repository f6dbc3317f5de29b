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
		{UpdateRetry, s.validateRetry, func(_ workflow.Context, r OperatorRequest) { s.retryReq = &r }},
		{UpdateApprove, s.validateApprove, func(_ workflow.Context, r OperatorRequest) { s.approveReq = &r }},
		{UpdateRollback, s.validateRollback, s.applyRollback},
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
	s.listenSignals(ctx)
	return nil
}

// listenSignals applies the migration's pause, resume and batch size
// signals where they apply.
func (s *shard) listenSignals(ctx workflow.Context) {
	workflow.Go(ctx, func(ctx workflow.Context) {
		pause := workflow.GetSignalChannel(ctx, SignalShardPause)
		resume := workflow.GetSignalChannel(ctx, SignalShardResume)
		batch := workflow.GetSignalChannel(ctx, SignalShardBatchSize)
		rates := workflow.GetSignalChannel(ctx, SignalShardRateLimits)
		for {
			sel := workflow.NewSelector(ctx)
			sel.AddReceive(pause, func(c workflow.ReceiveChannel, _ bool) {
				var r OperatorRequest
				c.Receive(ctx, &r)
				if s.validatePause(r) == nil {
					s.action(ctx, UpdatePause, r)
					s.applyPause(ctx, r)
				}
			})
			sel.AddReceive(resume, func(c workflow.ReceiveChannel, _ bool) {
				var r OperatorRequest
				c.Receive(ctx, &r)
				if s.validateResume(r) == nil {
					s.action(ctx, UpdateResume, r)
					s.applyResume(ctx, r)
				}
			})
			sel.AddReceive(batch, func(c workflow.ReceiveChannel, _ bool) {
				var r BatchSizeRequest
				c.Receive(ctx, &r)
				if s.validateBatchSize(r) == nil {
					s.applyBatchSize(ctx, r)
				}
			})
			sel.AddReceive(rates, func(c workflow.ReceiveChannel, _ bool) {
				var r RateLimitsRequest
				c.Receive(ctx, &r)
				if s.validateRateLimits(r) == nil {
					s.applyRateLimits(ctx, r)
				}
			})
			sel.Select(ctx)
			if ctx.Err() != nil {
				return
			}
		}
	})
}

func (s *shard) notDone() error {
	if s.cp.State.Final() {
		return fmt.Errorf("the shard is %s; its workflow is ending", s.cp.State)
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
	case s.cp.State == Failed || s.cp.State == RolledBack:
		if s.retryReq != nil {
			return fmt.Errorf("a retry by %s is already pending", s.retryReq.Actor)
		}
		return nil
	case s.cp.State == CatchingUp && s.cp.WaitingForOperator:
		return nil
	}
	return fmt.Errorf("the shard is %s; retry applies only to a Failed or RolledBack shard, or one waiting at its delta round limit", s.cp.State)
}

func (s *shard) validateApprove(OperatorRequest) error {
	switch {
	case s.cp.State == AwaitingApproval, s.cp.State == CatchingUp && s.cp.WaitingForOperator:
		if s.approveReq != nil {
			return fmt.Errorf("already approved by %s", s.approveReq.Actor)
		}
		return nil
	}
	return fmt.Errorf("the shard is %s; approve applies only in %s (after catch-up, before the freeze) or at the delta round limit",
		s.cp.State, AwaitingApproval)
}

func (s *shard) validateRollback(OperatorRequest) error {
	switch s.cp.State {
	case Frozen, CutOver, Soaking:
		if s.rollbackReq != nil {
			return fmt.Errorf("a rollback by %s is already under way", s.rollbackReq.Actor)
		}
		return nil
	case Failed:
		if s.cp.RouteState == routing.StateDestination {
			return nil
		}
		return fmt.Errorf("the shard is Failed with routing at %s; nothing to roll back (use retry)", s.cp.RouteState)
	case RollingBack:
		return fmt.Errorf("the shard is already rolling back")
	}
	return fmt.Errorf("the shard is %s and routing still points at the source; rollback applies in %s, %s or %s (cancel stops a migration earlier)",
		s.cp.State, Frozen, CutOver, Soaking)
}

func (s *shard) applyRollback(_ workflow.Context, req OperatorRequest) {
	s.cp.RollbackBy = req
	if s.abortBounded != nil && (s.cp.State == Frozen || s.cp.State == CutOver) {
		s.abortBounded(abortRollback)
		return
	}
	s.rollbackReq = &req
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

func (s *shard) applyRateLimits(ctx workflow.Context, req RateLimitsRequest) {
	s.action(ctx, req.String(), req.OperatorRequest)
	s.in.Settings.BytesPerSecond, s.in.Settings.RequestsPerSecond = req.BytesPerSecond, req.RequestsPerSecond
}
