package activities

import (
	"context"
	"fmt"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/plan"
)

// session is a plan with its opened stores.
type session struct {
	plan   *plan.Plan
	stores Stores
	man    *manifest.Store
}

type sessionKey struct{ id, fingerprint string }

// session loads the plan of ref and opens its stores (once per plan).
func (a *Activities) session(ctx context.Context, ref ShardRef) (*session, error) {
	p, err := a.plans.get(ctx, ref)
	if err != nil {
		return nil, err
	}
	return a.sessionFor(ctx, p)
}

func (a *Activities) sessionFor(ctx context.Context, p *plan.Plan) (*session, error) {
	key := sessionKey{p.ID, p.Fingerprint()}
	if s, ok := a.sessions.Load(key); ok {
		return s.(*session), nil
	}
	st, err := a.stores.Stores(ctx, p)
	if err != nil {
		return nil, activityError(fmt.Errorf("open the stores of migration %s: %w", p.ID, err))
	}
	if st.Source == nil || st.Destination == nil || st.Manifest == nil {
		return nil, nonRetryable(ErrTypePlan, fmt.Errorf("migration %s: the store resolver returned no source, destination or manifest store", p.ID))
	}
	man, err := manifest.New(st.Manifest, p.Destination.ManifestPrefix, p.AllowedRegion)
	if err != nil {
		return nil, nonRetryable(ErrTypePlan, err)
	}
	s := &session{plan: p, stores: st, man: man}
	actual, _ := a.sessions.LoadOrStore(key, s)
	return actual.(*session), nil
}

// checkWrite is the residency check at write: the destination and the
// manifest store must both be in allowed regions.
func (s *session) checkWrite() error {
	if err := manifest.CheckRegion(s.stores.Destination, s.plan.AllowedRegion); err != nil {
		return nonRetryable(ErrTypeResidency, err)
	}
	if err := s.man.CheckResidency(); err != nil {
		return nonRetryable(ErrTypeResidency, err)
	}
	return nil
}

// copyOptions are the engine options every copy of this migration uses:
// the migration id for provenance, and the plan's copy policies (what to do
// with destination objects the migration did not write; whether a source
// read that cannot be checked fails). Callers add their batch-specific
// fields (resume state, callbacks).
func (s *session) copyOptions() engine.BatchOptions {
	foreign := engine.ForeignRefuse
	if s.plan.Destination.ForeignObjects == plan.ForeignOverwrite {
		foreign = engine.ForeignOverwrite
	}
	// The policy protects the destination bucket; a reverse sync into the
	// source overwrites the shard's own objects there.
	return engine.BatchOptions{MigrationID: s.plan.ID, ForeignObjects: foreign, ForeignScope: s.stores.Destination.String(),
		RequireSourceCheck: s.plan.Verification.RequireSourceCheck}
}
