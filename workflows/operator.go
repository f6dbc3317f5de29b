package workflows

import (
	"errors"
	"fmt"
	"time"

	"github.com/ocimove/ocimove/internal/plan"
)

// SystemActor is the actor recorded for transitions the workflow makes on
// its own.
const SystemActor = "workflow"

// OperatorRequest is the argument of every operator Update and signal: who
// asks and why. Both are recorded in history (as the Update's argument)
// and in the shard's transitions. Actor is who the operator says they are;
// Identity, when set, is who the operator's Temporal connection
// authenticates as (the client certificate's subject, an API key's
// fingerprint; never a secret), recorded beside it in history.
type OperatorRequest struct {
	Actor    string `json:"actor"`
	Reason   string `json:"reason"`
	Identity string `json:"identity,omitempty"`
}

// check rejects a request without an actor or a reason.
func (r OperatorRequest) check() error {
	switch {
	case r.Actor == "":
		return errors.New("the request names no actor; say who asks (for example --as alice)")
	case r.Reason == "":
		return errors.New("the request gives no reason; say why (for example --reason 'ticket OPS-12')")
	}
	return nil
}

// BatchSizeRequest changes the objects per batch from the next batch on.
type BatchSizeRequest struct {
	OperatorRequest
	BatchSize int `json:"batchSize"`
}

// RateLimitsRequest changes the copy rates from the next batch or round
// on. The rates apply per worker; 0 means unlimited.
type RateLimitsRequest struct {
	OperatorRequest
	BytesPerSecond    float64 `json:"bytesPerSecond"`
	RequestsPerSecond float64 `json:"requestsPerSecond"`
}

// LimitsSignal carries a migration's copy limits to its shards.
type LimitsSignal struct {
	OperatorRequest
	BytesPerSecond    float64 `json:"bytesPerSecond"`
	RequestsPerSecond float64 `json:"requestsPerSecond"`
	Concurrency       int     `json:"concurrency"`
}

// ConcurrencyRequest changes the objects in flight per batch from the next
// batch or round on, bounded by each worker's --concurrency.
type ConcurrencyRequest struct {
	OperatorRequest
	Concurrency int `json:"concurrency"`
}

func (r ConcurrencyRequest) validate() error {
	if err := r.check(); err != nil {
		return err
	}
	if r.Concurrency < 1 || r.Concurrency > plan.MaxConcurrency {
		return fmt.Errorf("concurrency %d is outside 1..%d", r.Concurrency, plan.MaxConcurrency)
	}
	return nil
}

func (r RateLimitsRequest) validate() error {
	if err := r.check(); err != nil {
		return err
	}
	if r.BytesPerSecond < 0 || r.RequestsPerSecond < 0 {
		return fmt.Errorf("rates must be 0 (unlimited) or more, not %g bytes/s and %g requests/s", r.BytesPerSecond, r.RequestsPerSecond)
	}
	return nil
}

func (r RateLimitsRequest) String() string {
	return fmt.Sprintf("set-rate-limits %g bytes/s, %g requests/s", r.BytesPerSecond, r.RequestsPerSecond)
}

// WindowRequest changes the migration's window of shards in flight.
type WindowRequest struct {
	OperatorRequest
	Window int `json:"window"`
}

// Transition is one recorded change of a shard: a state change, or an
// operator action that kept the state (From == To, Action set).
type Transition struct {
	From   ShardState `json:"from"`
	To     ShardState `json:"to"`
	At     time.Time  `json:"at"`
	Actor  string     `json:"actor"`
	Reason string     `json:"reason"`
	Action string     `json:"action,omitempty"` // the operator action, e.g. "pause"
	// Identity is the identity of the operator's Temporal connection,
	// beside the self-asserted Actor (OperatorRequest.Identity).
	Identity string `json:"identity,omitempty"`
}

// maxTransitions bounds the transitions kept in a shard's state (the
// oldest are dropped; TransitionCount keeps the total).
const maxTransitions = 100
