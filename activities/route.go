package activities

import (
	"context"
	"fmt"

	"github.com/ocimove/ocimove/internal/routing"
)

func (a *Activities) target(ctx context.Context, ref ShardRef) (routing.Target, error) {
	s, err := a.session(ctx, ref)
	if err != nil {
		return nil, err
	}
	t, err := a.routes.Target(ctx, s.plan)
	if err != nil {
		return nil, nonRetryable(ErrTypePlan, fmt.Errorf("migration %s: open the routing target: %w", s.plan.ID, err))
	}
	return t, nil
}

// SetRoute applies one routing change as a compare-and-set. A retry that
// finds its own operation id applied succeeds; a version conflict or a
// malformed change is a non-retryable error.
func (a *Activities) SetRoute(ctx context.Context, in RouteInput) (routing.Route, error) {
	t, err := a.target(ctx, in.Shard)
	if err != nil {
		return routing.Route{}, err
	}
	r, err := t.Set(ctx, routing.Change{Shard: in.Shard.ShardID, To: in.To, Location: in.Location,
		ExpectedVersion: in.ExpectedVersion, OperationID: in.OperationID, Actor: in.Actor, Reason: in.Reason,
		Owner: in.Shard.MigrationID})
	if err != nil {
		return routing.Route{}, routingError(err)
	}
	logger(ctx).Info("route set", "shard", in.Shard.ShardID, "state", r.State, "version", r.Version,
		"operation", in.OperationID, "actor", in.Actor, "reason", in.Reason)
	return r, nil
}

// GetRoute returns the shard's current route (to reconcile after a lost
// response or before a change).
func (a *Activities) GetRoute(ctx context.Context, in ShardRef) (routing.Route, error) {
	t, err := a.target(ctx, in)
	if err != nil {
		return routing.Route{}, err
	}
	r, err := t.Get(ctx, in.ShardID)
	return r, routingError(err)
}

// RegisterRoute creates the shard's route (state source, at the primary
// bucket's location), or returns the existing one.
func (a *Activities) RegisterRoute(ctx context.Context, in ShardRef) (routing.Route, error) {
	s, err := a.session(ctx, in)
	if err != nil {
		return routing.Route{}, err
	}
	t, err := a.target(ctx, in)
	if err != nil {
		return routing.Route{}, err
	}
	r, err := t.Register(ctx, in.ShardID, s.stores.Source.String()+"/"+in.Prefix)
	return r, routingError(err)
}

// DrainAcknowledged reports whether the application acknowledged the drain
// of the shard under the freeze operation in.OperationID. Targets without
// acknowledgements report false (use the drain wait).
func (a *Activities) DrainAcknowledged(ctx context.Context, in RouteInput) (bool, error) {
	t, err := a.target(ctx, in.Shard)
	if err != nil {
		return false, err
	}
	d, ok := t.(routing.DrainAcknowledger)
	if !ok {
		return false, nil
	}
	acked, err := d.DrainAcknowledged(ctx, in.Shard.ShardID, in.OperationID)
	return acked, routingError(err)
}
