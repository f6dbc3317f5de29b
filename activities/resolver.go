package activities

import (
	"context"
	"fmt"
	"os"
	"sync"

	// The worker opens every kind a plan may name.
	_ "github.com/ocimove/ocimove/internal/backends"
	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
)

// PlanStores is the worker's StoreResolver: it opens each of the plan's
// locations through its kind's settings (store.Settings.Open) with the
// worker's credentials, resolving secret references on the worker.
type PlanStores struct {
	// Lookup resolves env: and profile: references (default os.LookupEnv).
	Lookup func(string) (string, bool)
	// Observer receives the stores' Retry and Throttled events (the
	// worker's metrics; nil drops them).
	Observer observe.Observer
}

// Stores implements StoreResolver.
func (r PlanStores) Stores(ctx context.Context, p *plan.Plan) (Stores, error) {
	lookup := r.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var obs observe.Observer
	if r.Observer != nil {
		obs = observe.Tagged(r.Observer, p.ID, "") // the stores' events count against this migration
	}
	env := store.Env{Lookup: lookup, Observer: obs}
	open := func(l plan.Location) (store.Store, error) {
		if l.Settings == nil {
			return nil, fmt.Errorf("the plan locates no store here")
		}
		return l.Settings.Open(ctx, env)
	}
	var out Stores
	var err error
	if out.Source, err = open(p.Sources.Primary.Location); err != nil {
		return Stores{}, fmt.Errorf("sources.primary: %w", err)
	}
	if out.Destination, err = open(p.Destination.Location); err != nil {
		return Stores{}, fmt.Errorf("destination: %w", err)
	}
	out.Manifest = out.Destination
	if mb := p.Destination.ManifestBucket; mb != "" && mb != p.Destination.Place().Bucket {
		rb, ok := p.Destination.Settings.(store.Rebucketer)
		if !ok {
			return Stores{}, fmt.Errorf("destination.manifestBucket: a %s destination has no other bucket", p.Destination.Kind())
		}
		if out.Manifest, err = open(plan.At(rb.InBucket(mb))); err != nil {
			return Stores{}, fmt.Errorf("destination.manifestBucket: %w", err)
		}
	}
	for i, c := range p.Sources.Copies {
		st, err := open(c.Location)
		if err != nil {
			return Stores{}, fmt.Errorf("sources.copies[%d] (%s): %w", i, c.Name, err)
		}
		out.Copies = append(out.Copies, NamedStore{Name: c.Name, Store: st})
	}
	return out, nil
}

// PlanRouting is the worker's RoutingResolver: it opens the plan's
// cutover target through its kind's settings (routing.Settings.Open),
// resolving its secret references on the worker, once per migration.
type PlanRouting struct {
	// Lookup resolves env: and profile: references (default os.LookupEnv).
	Lookup func(string) (string, bool)

	mu      sync.Mutex
	targets map[string]routing.Target
}

// Target implements RoutingResolver.
func (r *PlanRouting) Target(ctx context.Context, p *plan.Plan) (routing.Target, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := p.ID + "/" + p.Fingerprint()
	if t, ok := r.targets[key]; ok {
		return t, nil
	}
	lookup := r.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	tc := p.Cutover.Target
	if tc.Settings == nil {
		return nil, fmt.Errorf("cutover.target: the plan names no routing target kind")
	}
	t, err := tc.Settings.Open(ctx, routing.Env{Lookup: lookup})
	if err != nil {
		return nil, fmt.Errorf("cutover.target (%s): %w", tc.Kind(), err)
	}
	if r.targets == nil {
		r.targets = map[string]routing.Target{}
	}
	r.targets[key] = t
	return t, nil
}
