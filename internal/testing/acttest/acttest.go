// Package acttest holds the activities' resolvers for tests: stores and
// a routing target opened beforehand, and a plan loader that reads the
// plan Preflight stored with the manifests.
package acttest

import (
	"context"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/store"
)

// StaticStores is an activities.StoreResolver that returns stores opened beforehand,
// whatever the plan (tests, single-plan workers).
type StaticStores activities.Stores

// Stores implements activities.StoreResolver.
func (s StaticStores) Stores(context.Context, *plan.Plan) (activities.Stores, error) {
	return activities.Stores(s), nil
}

// StaticRouting is an activities.RoutingResolver that returns one target.
type StaticRouting struct{ Route routing.Target }

// Target implements activities.RoutingResolver.
func (s StaticRouting) Target(context.Context, *plan.Plan) (routing.Target, error) {
	return s.Route, nil
}

// StorePlanLoader loads plan.json from a store: by default from
// "_migrations/<id>/plan.json", where Preflight writes it when the plan
// keeps the default manifest prefix.
type StorePlanLoader struct {
	Store store.Store
	// Root returns the manifest prefix of a migration id (default
	// plan.DefaultManifestPrefix).
	Root func(migrationID string) string
}

// LoadPlan implements activities.PlanLoader.
func (l StorePlanLoader) LoadPlan(ctx context.Context, migrationID string) (*plan.Plan, error) {
	root := plan.DefaultManifestPrefix(migrationID)
	if l.Root != nil {
		root = l.Root(migrationID)
	}
	ms, err := manifest.New(l.Store, root, func(string) bool { return false }) // read-only
	if err != nil {
		return nil, err
	}
	var p plan.Plan
	if err := ms.ReadJSON(ctx, manifest.PlanKey(root), &p); err != nil {
		return nil, err
	}
	return &p, nil
}
