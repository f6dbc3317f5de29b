// Package routing defines the routing target: the place where an application
// learns which store serves a shard. A migration freezes a shard by setting it
// read-only there, and cuts it over by pointing it at the destination.
//
// Every change is a compare-and-set on the route's version and carries an
// operation id. A retry that finds its own operation id already applied (same
// id, same target state) is a success, so a lost response never breaks a
// cutover. Backends live in sub-packages: pgroute (a PostgreSQL shard map),
// webhook (an HMAC-signed HTTP call to the application), fileroute (a JSON file,
// for the demo) and memroute (in memory, for tests).
package routing

import (
	"context"
	"time"
)

// State is where a shard's traffic goes.
type State string

// Routing states.
const (
	// StateSource: the shard is served, read and write, by its source store.
	StateSource State = "source"
	// StateReadOnly: the shard is frozen; applications may read the source but
	// must not write. Writes drain, and the application may acknowledge it.
	StateReadOnly State = "read-only"
	// StateDestination: the shard is served by the destination store.
	StateDestination State = "destination"
)

// Valid reports whether s is one of the routing states.
func (s State) Valid() bool {
	switch s {
	case StateSource, StateReadOnly, StateDestination:
		return true
	}
	return false
}

// Route is a shard's current routing entry.
type Route struct {
	Shard    string `json:"shard"`
	State    State  `json:"state"`
	Location string `json:"location"` // the store serving the shard, e.g. "s3://bucket/prefix/"
	// Version increases by one with every applied change; a new route is 0.
	Version int64 `json:"version"`
	// OperationID is the id of the change that produced this version.
	OperationID string `json:"operationId"`
	// DrainAck is true when the application acknowledged that writes to the
	// shard have drained under the current (read-only) operation.
	DrainAck  bool      `json:"drainAck"`
	UpdatedAt time.Time `json:"updatedAt"`
	Actor     string    `json:"actor"`
	// Owner is the migration that made the last change (and so drives the
	// shard's route); "" for a route no migration has changed yet.
	Owner string `json:"owner,omitempty"`
}

// Change asks a target to move a shard to a new state.
type Change struct {
	Shard string
	To    State
	// Location is the store that serves the shard in the new state. Empty
	// keeps the current location.
	Location string
	// ExpectedVersion is the version the caller last saw; the change applies
	// only if the route is still at it.
	ExpectedVersion int64
	// OperationID identifies this change. It must be unique per change and the
	// same across retries of it; it is what makes a retry idempotent.
	OperationID string
	Actor       string // who asks, for the audit trail
	Reason      string // why, for the audit trail
	// Owner is the migration making the change; it becomes the route's
	// owner. Every change names one, so that a migration never mistakes a
	// route another migration drives for its own.
	Owner string
}

// Target is a routing target.
type Target interface {
	// Register creates the shard's route at version 0, state source, served
	// from sourceLocation. Registering an existing shard returns its current
	// route unchanged.
	Register(ctx context.Context, shard, sourceLocation string) (Route, error)
	// Get returns the shard's route, or an error wrapping ErrUnknownShard.
	Get(ctx context.Context, shard string) (Route, error)
	// Set applies c as a compare-and-set on the version and returns the new
	// route. If c is already applied (the route carries c.OperationID and is
	// in state c.To) it returns the current route and no error. Otherwise a
	// version mismatch returns a *ConflictError wrapping ErrVersionConflict.
	Set(ctx context.Context, c Change) (Route, error)
}

// DrainAcknowledger is implemented by targets where the application can
// acknowledge that writes to a frozen shard have drained.
type DrainAcknowledger interface {
	// DrainAcknowledged reports whether the application acknowledged the
	// drain of the shard for the freeze operation opID.
	DrainAcknowledged(ctx context.Context, shard, opID string) (bool, error)
}
