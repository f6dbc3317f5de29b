package activities

import (
	"context"

	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing"
)

// StaticStores is a StoreResolver that returns stores opened beforehand,
// whatever the plan (tests, single-plan workers).
type StaticStores Stores

// Stores implements StoreResolver.
func (s StaticStores) Stores(context.Context, *plan.Plan) (Stores, error) { return Stores(s), nil }

// StaticRouting is a RoutingResolver that returns one target.
type StaticRouting struct{ Route routing.Target }

// Target implements RoutingResolver.
func (s StaticRouting) Target(context.Context, *plan.Plan) (routing.Target, error) {
	return s.Route, nil
}
