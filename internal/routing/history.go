package routing

import (
	"context"
	"time"
)

// Event kinds recorded in a target's history.
const (
	EventRegister = "register"  // the route was created
	EventSet      = "set"       // a change was applied
	EventDrainAck = "drain-ack" // the application acknowledged a drain
)

// HistoryEntry is one recorded event of a shard's route: who, what, when,
// why and under which operation. Targets that keep history return these.
type HistoryEntry struct {
	Shard       string    `json:"shard"`
	Kind        string    `json:"kind"` // EventRegister, EventSet, EventDrainAck
	From        State     `json:"from,omitempty"`
	To          State     `json:"to"`
	Location    string    `json:"location"`
	Version     int64     `json:"version"` // the version after the event
	OperationID string    `json:"operationId,omitempty"`
	Actor       string    `json:"actor,omitempty"`
	Owner       string    `json:"owner,omitempty"` // the migration that made the change
	Reason      string    `json:"reason,omitempty"`
	At          time.Time `json:"at"`
}

// History is implemented by targets that keep the events of each shard's
// route, so that a report shows the routing changes as the target
// recorded them (a caller without it derives them from the shard's
// transitions).
type History interface {
	// History returns the shard's recorded events, oldest first.
	History(ctx context.Context, shard string) ([]HistoryEntry, error)
}
