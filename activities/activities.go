package activities

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
)

// Stores are the stores of one plan, opened in the worker.
type Stores struct {
	// Source is the primary bucket, copied from.
	Source store.Store
	// Destination is the OCI bucket copied to.
	Destination store.Store
	// Manifest holds manifests and evidence (destination.manifestBucket).
	Manifest store.Store
	// Copies are the replicas and backups purged with the primary.
	Copies []NamedStore
}

// NamedStore is a source copy with its plan name.
type NamedStore struct {
	Name  string
	Store store.Store
}

// StoreResolver opens a plan's stores. The worker's implementation
// (PlanStores) builds them from the plan, resolving secret references on
// the worker; tests may hand over stores opened on local endpoints.
type StoreResolver interface {
	Stores(ctx context.Context, p *plan.Plan) (Stores, error)
}

// RoutingResolver returns the routing target of a plan's cutover.
type RoutingResolver interface {
	Target(ctx context.Context, p *plan.Plan) (routing.Target, error)
}

// PlanLoader loads a migration's stored plan (plan.json, written by
// Preflight) by migration id.
type PlanLoader interface {
	LoadPlan(ctx context.Context, migrationID string) (*plan.Plan, error)
}

// Config builds an Activities.
type Config struct {
	Stores  StoreResolver
	Routing RoutingResolver
	Engine  *engine.Engine
	// Plans holds the known plans and loads others (optional: default an
	// empty cache without a loader, which knows only the plans given to
	// Preflight).
	Plans *PlanCache
	// Now is the clock (default time.Now).
	Now func() time.Time
	// HeartbeatEvery is how often every long activity heartbeats its
	// progress, whatever it is doing (default 5s; at least three times per
	// heartbeat timeout of the activity).
	HeartbeatEvery time.Duration
	// ChunkObjects is how many objects the long activities (DeltaRound,
	// FinalVerify, ReverseSync, Recopy, Purge, VerifyShard) handle per
	// chunk: the unit of their records' parts and of their resume
	// watermark (default 500).
	ChunkObjects int
	// MaxHeartbeatBytes bounds the encoded heartbeat details; above it the
	// finished records go to a partial manifest object (default 192 KiB).
	MaxHeartbeatBytes int
	// Lookup resolves secret references (default os.LookupEnv).
	Lookup func(string) (string, bool)
	// MigrationClosed reports whether a migration's workflow has closed,
	// so that the worker forgets its plan, stores and limiters (optional:
	// without it nothing is forgotten).
	MigrationClosed func(ctx context.Context, migrationID string) (bool, error)
	// SessionIdle is how long a migration's opened stores stay unused
	// before the worker asks whether the migration has closed (default
	// 10 minutes).
	SessionIdle time.Duration
}

// Activities are the migration's activities. Register it once with
// worker.RegisterActivity; its methods carry the names in this package's
// *Name constants.
type Activities struct {
	stores  StoreResolver
	routes  RoutingResolver
	eng     *engine.Engine
	plans   *PlanCache
	now     func() time.Time
	hbEvery time.Duration
	hbMax   int
	chunk   int
	lookup  func(string) (string, bool)

	sessions sync.Map // sessionKey -> *session
	scopes   scopes
	closed   func(ctx context.Context, migrationID string) (bool, error)
	idle     time.Duration
	swept    atomic.Int64 // unix nanoseconds of the last sweep
}

// New returns Activities, or an error naming the missing part.
func New(cfg Config) (*Activities, error) {
	switch {
	case cfg.Stores == nil:
		return nil, errors.New("activities: no StoreResolver given")
	case cfg.Routing == nil:
		return nil, errors.New("activities: no RoutingResolver given")
	case cfg.Engine == nil:
		return nil, errors.New("activities: no engine given")
	}
	a := &Activities{
		stores: cfg.Stores, routes: cfg.Routing, eng: cfg.Engine,
		plans: cfg.Plans, now: cfg.Now,
		hbEvery: cfg.HeartbeatEvery, hbMax: cfg.MaxHeartbeatBytes, chunk: cfg.ChunkObjects, lookup: cfg.Lookup,
	}
	if a.plans == nil {
		a.plans = NewPlanCache(nil)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.hbEvery <= 0 {
		a.hbEvery = 5 * time.Second
	}
	if a.chunk <= 0 {
		a.chunk = 500
	}
	if a.hbMax <= 0 {
		a.hbMax = 192 << 10
	}
	a.closed, a.idle = cfg.MigrationClosed, cfg.SessionIdle
	if a.idle <= 0 {
		a.idle = 10 * time.Minute
	}
	if a.lookup == nil {
		a.lookup = lookupEnv
	}
	return a, nil
}
