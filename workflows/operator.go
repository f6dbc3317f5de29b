package workflows

import (
	"errors"
	"time"
)

// SystemActor is the actor recorded for transitions the workflow makes on
// its own.
const SystemActor = "workflow"

// OperatorRequest is the argument of every operator Update and signal: who
// asks and why. Both are recorded in history (as the Update's argument)
// and in the shard's transitions.
type OperatorRequest struct {
	Actor  string `json:"actor"`
	Reason string `json:"reason"`
}

// check rejects a request without an actor or a reason.
func (r OperatorRequest) check() error {
	switch {
	case r.Actor == "":
		return errors.New("the request names no actor; say who asks (for example --actor alice)")
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
}

// maxTransitions bounds the transitions kept in a shard's state (the
// oldest are dropped; TransitionCount keeps the total).
const maxTransitions = 100
