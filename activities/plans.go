package activities

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/store"
)

func lookupEnv(name string) (string, bool) { return os.LookupEnv(name) }

// PlanCache holds the plans this worker knows, by migration id: plans
// added by Preflight or Add, and plans loaded on demand by its loader.
type PlanCache struct {
	loader PlanLoader
	mu     sync.Mutex
	plans  map[string]*plan.Plan
}

// NewPlanCache returns a cache that loads unknown plans with l (nil: only
// added plans are known).
func NewPlanCache(l PlanLoader) *PlanCache {
	return &PlanCache{loader: l, plans: map[string]*plan.Plan{}}
}

// Add makes a plan known (normalized), for workers started with the plan
// and for tests.
func (c *PlanCache) Add(p *plan.Plan) {
	p = p.Clone()
	p.Normalize()
	c.add(p)
}

func (c *PlanCache) add(p *plan.Plan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.plans[p.ID] = p
}

// get returns the plan of ref, checking its fingerprint; a cached plan
// with another fingerprint is reloaded once.
func (c *PlanCache) get(ctx context.Context, ref ShardRef) (*plan.Plan, error) {
	if ref.MigrationID == "" {
		return nil, inputError("the shard reference has no migration id")
	}
	c.mu.Lock()
	p := c.plans[ref.MigrationID]
	c.mu.Unlock()
	if p != nil && (ref.PlanFingerprint == "" || p.Fingerprint() == ref.PlanFingerprint) {
		return p, nil
	}
	if c.loader == nil {
		if p != nil {
			return nil, nonRetryable(ErrTypePlan, fmt.Errorf("migration %s: this worker holds plan %s, the workflow expects %s; run Preflight with the plan",
				ref.MigrationID, p.Fingerprint(), ref.PlanFingerprint))
		}
		return nil, nonRetryable(ErrTypePlan, fmt.Errorf("migration %s: the plan is unknown to this worker; run Preflight first", ref.MigrationID))
	}
	loaded, err := c.loader.LoadPlan(ctx, ref.MigrationID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, nonRetryable(ErrTypePlan, fmt.Errorf("migration %s: no stored plan: %w (run Preflight first)", ref.MigrationID, err))
		}
		return nil, activityError(err)
	}
	loaded.Normalize()
	if ref.PlanFingerprint != "" && loaded.Fingerprint() != ref.PlanFingerprint {
		return nil, nonRetryable(ErrTypePlan, fmt.Errorf("migration %s: the stored plan has fingerprint %s, the workflow expects %s",
			ref.MigrationID, loaded.Fingerprint(), ref.PlanFingerprint))
	}
	c.add(loaded)
	return loaded, nil
}

// forget drops the plan of a migration.
func (c *PlanCache) forget(migrationID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.plans, migrationID)
}
