package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/ocimove/ocimove/internal/plan"
)

// setHandlers registers the queries and the operator Updates.
func (m *migration) setHandlers(ctx workflow.Context) error {
	for _, set := range []func() error{
		func() error { return m.setQueries(ctx) },
		func() error { return setUpdate(ctx, m, UpdatePause, m.pause, m.canPause) },
		func() error { return setUpdate(ctx, m, UpdateResume, m.resume, m.canResume) },
		func() error { return setUpdate(ctx, m, UpdateSetWindow, m.setWindow, m.canSetWindow) },
		func() error { return setUpdate(ctx, m, UpdateSetRateLimits, m.setRateLimits, m.canSetRateLimits) },
		func() error { return setUpdate(ctx, m, UpdateSetConcurrency, m.setConcurrency, m.canSetConcurrency) },
		func() error { return setUpdate(ctx, m, UpdateSetBatchSize, m.setBatchSize, m.canSetBatchSize) },
	} {
		if err := set(); err != nil {
			return err
		}
	}
	return nil
}

// setUpdate registers the Update name: validate refuses a request before
// it enters history, apply changes the migration, and the answer is the
// migration's status after it.
func setUpdate[R any](ctx workflow.Context, m *migration, name string, apply func(workflow.Context, R), validate func(R) error) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, req R) (MigrationStatus, error) {
			apply(ctx, req)
			return m.status(workflow.Now(ctx)), nil
		},
		workflow.UpdateHandlerOptions{Validator: validate})
}

// setQueries registers the plan, status and shards queries.
func (m *migration) setQueries(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, MigrationPlanQuery, func() ([]byte, error) {
		if len(m.in.PlanJSON) == 0 {
			return nil, fmt.Errorf("migration %s was started without its plan", m.in.MigrationID)
		}
		return m.in.PlanJSON, nil
	}); err != nil {
		return err
	}
	err := workflow.SetQueryHandler(ctx, MigrationStatusQuery, func() (MigrationStatus, error) {
		return m.status(workflow.Now(ctx)), nil
	})
	if err != nil {
		return err
	}
	return workflow.SetQueryHandler(ctx, MigrationShardsQuery, func() ([]ShardProgress, error) {
		return append([]ShardProgress(nil), m.cp.Live...), nil
	})
}

// pause pauses the migration and every running shard.
func (m *migration) pause(ctx workflow.Context, req OperatorRequest) {
	m.action(ctx, UpdatePause, req)
	m.cp.Paused = true
	m.forward(ctx, SignalShardPause, req)
	m.upsert(ctx)
}

func (m *migration) canPause(req OperatorRequest) error {
	return m.validate(UpdatePause, req.check(), m.cp.Paused, "the migration is already paused")
}

// resume resumes the migration and every running shard.
func (m *migration) resume(ctx workflow.Context, req OperatorRequest) {
	m.action(ctx, UpdateResume, req)
	m.cp.Paused = false
	m.forward(ctx, SignalShardResume, req)
	m.upsert(ctx)
}

func (m *migration) canResume(req OperatorRequest) error {
	return m.validate(UpdateResume, req.check(), !m.cp.Paused, "the migration is not paused")
}

// setWindow changes how many shards run at once.
func (m *migration) setWindow(ctx workflow.Context, req WindowRequest) {
	m.action(ctx, fmt.Sprintf("set-window %d→%d", m.cp.Window, req.Window), req.OperatorRequest)
	m.cp.Window = req.Window
}

func (m *migration) canSetWindow(req WindowRequest) error {
	bad := req.Window < 1 || req.Window > plan.MaxWindow
	return m.validate(UpdateSetWindow, req.check(), bad,
		fmt.Sprintf("window %d is outside 1..%d (pending children must stay below Temporal's 2,000)", req.Window, plan.MaxWindow))
}

// setRateLimits changes the migration's rates and passes them to every
// running shard.
func (m *migration) setRateLimits(ctx workflow.Context, req RateLimitsRequest) {
	m.action(ctx, req.String(), req.OperatorRequest)
	m.in.Settings.BytesPerSecond, m.in.Settings.RequestsPerSecond = req.BytesPerSecond, req.RequestsPerSecond
	m.forward(ctx, SignalShardLimits, m.limits(req.OperatorRequest))
}

func (m *migration) canSetRateLimits(req RateLimitsRequest) error {
	return m.validate(UpdateSetRateLimits, req.validate(), false, "")
}

// setConcurrency changes the migration's objects in flight per batch and
// passes it to every running shard.
func (m *migration) setConcurrency(ctx workflow.Context, req ConcurrencyRequest) {
	m.action(ctx, fmt.Sprintf("set-concurrency %d→%d", m.in.Settings.Concurrency, req.Concurrency), req.OperatorRequest)
	m.in.Settings.Concurrency = req.Concurrency
	m.forward(ctx, SignalShardLimits, m.limits(req.OperatorRequest))
}

func (m *migration) canSetConcurrency(req ConcurrencyRequest) error {
	return m.validate(UpdateSetConcurrency, req.validate(), false, "")
}

// setBatchSize changes the objects per batch for the batches to come.
func (m *migration) setBatchSize(ctx workflow.Context, req BatchSizeRequest) {
	m.action(ctx, fmt.Sprintf("set-batch-size %d→%d", m.in.Settings.BatchSize, req.BatchSize), req.OperatorRequest)
	m.in.Settings.BatchSize = req.BatchSize
	m.forward(ctx, SignalShardBatchSize, req)
}

func (m *migration) canSetBatchSize(req BatchSizeRequest) error {
	bad := req.BatchSize < 1 || req.BatchSize > plan.MaxBatchSize
	return m.validate(UpdateSetBatchSize, req.check(), bad,
		fmt.Sprintf("batch size %d is outside 1..%d", req.BatchSize, plan.MaxBatchSize))
}

// validate builds a validator's answer: the request's own problem first,
// then the state's.
func (m *migration) validate(name string, reqErr error, bad bool, why string) error {
	switch {
	case reqErr != nil:
		return fmt.Errorf("%s migration %s: %w", name, m.in.MigrationID, reqErr)
	case m.state() == MigrationComplete:
		return fmt.Errorf("%s migration %s: the migration is complete", name, m.in.MigrationID)
	case bad:
		return fmt.Errorf("%s migration %s: %s", name, m.in.MigrationID, why)
	}
	return nil
}

// action records an operator action, wakes the main loop and logs it.
func (m *migration) action(ctx workflow.Context, name string, req OperatorRequest) {
	m.cp.Actions = append(m.cp.Actions, Transition{At: workflow.Now(ctx), Actor: req.Actor, Reason: req.Reason, Action: name, Identity: req.Identity})
	if n := len(m.cp.Actions); n > maxTransitions {
		m.cp.Actions = append([]Transition(nil), m.cp.Actions[n-maxTransitions:]...)
	}
	m.dirty = true
	m.logger.Info("migration operator action", "migration", m.in.MigrationID, "action", name, "actor", req.Actor, "reason", req.Reason)
}

// forward signals every live shard; a shard that has ended is skipped.
func (m *migration) forward(ctx workflow.Context, signal string, arg any) {
	ids := make([]string, 0, len(m.cp.Live))
	futs := make([]workflow.Future, 0, len(m.cp.Live))
	for _, p := range m.cp.Live {
		ids = append(ids, p.ID)
		futs = append(futs, workflow.SignalExternalWorkflow(ctx, ShardWorkflowID(m.in.MigrationID, p.ID), "", signal, arg))
	}
	for i, f := range futs {
		if err := f.Get(ctx, nil); err != nil {
			m.logger.Warn("signal not delivered", "signal", signal, "shard", ids[i], "error", err)
		}
	}
}

// limits are the migration's copy limits, for its shards.
func (m *migration) limits(req OperatorRequest) LimitsSignal {
	st := m.in.Settings
	return LimitsSignal{OperatorRequest: req, BytesPerSecond: st.BytesPerSecond, RequestsPerSecond: st.RequestsPerSecond, Concurrency: st.Concurrency}
}
