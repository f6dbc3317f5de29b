// Package memroute is an in-memory routing target for tests and for the
// webhook reference server. It keeps a history of every event.
package memroute

import (
	"context"
	"sync"
	"time"

	"github.com/ocimove/ocimove/internal/routing"
)

// Target is an in-memory routing.Target. The zero value is not usable; call New.
type Target struct {
	mu      sync.Mutex
	routes  map[string]routing.Route
	history []routing.HistoryEntry
	now     func() time.Time
}

var (
	_ routing.Target            = (*Target)(nil)
	_ routing.DrainAcknowledger = (*Target)(nil)
)

// New returns an empty in-memory target.
func New() *Target {
	return &Target{routes: map[string]routing.Route{}, now: time.Now}
}

// String names the target.
func (t *Target) String() string { return "memory routing target" }

// Register implements routing.Target.
func (t *Target) Register(ctx context.Context, shard, sourceLocation string) (routing.Route, error) {
	if err := routing.ValidateRegistration(shard, sourceLocation); err != nil {
		return routing.Route{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if r, ok := t.routes[shard]; ok {
		return r, nil
	}
	r := routing.NewRoute(shard, sourceLocation, t.now())
	t.routes[shard] = r
	t.history = append(t.history, routing.HistoryEntry{
		Shard: shard, Kind: routing.EventRegister, To: r.State, Location: r.Location,
		Version: r.Version, Actor: r.Actor, At: r.UpdatedAt,
	})
	return r, nil
}

// Get implements routing.Target.
func (t *Target) Get(ctx context.Context, shard string) (routing.Route, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.routes[shard]
	if !ok {
		return routing.Route{}, routing.UnknownShardError(shard)
	}
	return r, nil
}

// Set implements routing.Target.
func (t *Target) Set(ctx context.Context, c routing.Change) (routing.Route, error) {
	if err := c.Validate(); err != nil {
		return routing.Route{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	cur, ok := t.routes[c.Shard]
	if !ok {
		return routing.Route{}, routing.UnknownShardError(c.Shard)
	}
	next, applied, err := routing.Apply(cur, c, t.now())
	if err != nil {
		return routing.Route{}, err
	}
	if !applied {
		return next, nil
	}
	t.routes[c.Shard] = next
	t.history = append(t.history, routing.SetEntry(cur, next, c))
	return next, nil
}

// AckDrain records the application's acknowledgement that writes to shard
// have drained under the freeze operation opID. The shard must be read-only
// under that operation.
func (t *Target) AckDrain(ctx context.Context, shard, opID string) error {
	if err := routing.ValidateDrainAck(shard, opID); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	cur, ok := t.routes[shard]
	if !ok {
		return routing.UnknownShardError(shard)
	}
	if cur.State != routing.StateReadOnly || cur.OperationID != opID {
		return routing.DrainAckError(cur, opID)
	}
	if cur.DrainAck {
		return nil
	}
	cur.DrainAck = true
	t.routes[shard] = cur
	t.history = append(t.history, routing.HistoryEntry{
		Shard: shard, Kind: routing.EventDrainAck, From: cur.State, To: cur.State, Location: cur.Location,
		Version: cur.Version, OperationID: opID, Actor: "application", At: t.now().UTC(),
	})
	return nil
}

// DrainAcknowledged implements routing.DrainAcknowledger.
func (t *Target) DrainAcknowledged(ctx context.Context, shard, opID string) (bool, error) {
	r, err := t.Get(ctx, shard)
	if err != nil {
		return false, err
	}
	return r.DrainAck && r.OperationID == opID, nil
}

// History returns the shard's recorded events, oldest first.
func (t *Target) History(ctx context.Context, shard string) ([]routing.HistoryEntry, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []routing.HistoryEntry
	for _, h := range t.history {
		if h.Shard == shard {
			out = append(out, h)
		}
	}
	return out, nil
}
