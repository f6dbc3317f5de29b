package activities

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync/atomic"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/store"
)

// session is a plan with its opened stores, as one activity uses it: eng
// is the engine scoped to the activity's migration (or its shard, tuned on
// its own).
type session struct {
	plan   *plan.Plan
	stores Stores
	man    *manifest.Store
	eng    *engine.Engine
	used   *atomic.Int64 // unix nanoseconds of the last use, shared by the views
}

type sessionKey struct{ id, fingerprint string }

// session loads the plan of ref and opens its stores (once per plan), and
// scopes the engine to ref's limits.
func (a *Activities) session(ctx context.Context, ref ShardRef) (*session, error) {
	p, err := a.plans.get(ctx, ref)
	if err != nil {
		return nil, err
	}
	base, err := a.sessionFor(ctx, p)
	if err != nil {
		return nil, err
	}
	base.used.Store(a.now().UnixNano())
	a.sweep(ctx)
	s := *base
	s.eng = a.engineFor(p, ref)
	return &s, nil
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
	s := &session{plan: p, stores: st, man: man, eng: a.eng, used: &atomic.Int64{}}
	s.used.Store(a.now().UnixNano())
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

// sweep forgets, at most once per half the idle time, the migrations whose
// sessions have been idle that long and whose workflow has closed: their
// plan, opened stores (closed where they hold connections) and limiters.
// A migration that runs again is loaded again.
func (a *Activities) sweep(ctx context.Context) {
	now := a.now().UnixNano()
	last := a.swept.Load()
	if a.closed == nil || now-last < int64(a.idle/2) || !a.swept.CompareAndSwap(last, now) {
		return
	}
	a.sessions.Range(func(k, v any) bool {
		s := v.(*session)
		if now-s.used.Load() < int64(a.idle) {
			return true
		}
		closed, err := a.closed(ctx, s.plan.ID)
		if err != nil || !closed {
			return true
		}
		a.sessions.Delete(k)
		a.scopes.forget(s.plan.ID)
		a.plans.forget(s.plan.ID)
		for _, st := range []store.Store{s.stores.Source, s.stores.Destination, s.stores.Manifest} {
			if c, ok := st.(io.Closer); ok {
				_ = c.Close()
			}
		}
		logger(ctx).Info("forgot a closed migration", "migration", s.plan.ID)
		return true
	})
}

// SessionsOf returns the ids of the migrations whose stores a worker has
// open.
func SessionsOf(a *Activities) []string {
	var ids []string
	a.sessions.Range(func(k, _ any) bool {
		ids = append(ids, k.(sessionKey).id)
		return true
	})
	slices.Sort(ids)
	return ids
}
