// Package fileroute is a routing target kept in a JSON file, for the demo
// and for single-machine set-ups. An application reads the file to learn
// where each shard is served.
//
// Every change is a compare-and-set done under an exclusive flock on a
// sidecar lock file (path + ".lock"), so several processes may share the
// file; the file is replaced atomically (write a temporary file, fsync,
// rename), so a reader never sees a partial write. The file also keeps the
// history of every event.
package fileroute

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ocimove/ocimove/internal/routing"
)

// Target is a routing.Target stored in a JSON file.
type Target struct {
	path string
	now  func() time.Time
}

var (
	_ routing.Target            = (*Target)(nil)
	_ routing.DrainAcknowledger = (*Target)(nil)
)

// document is the file's content.
type document struct {
	// Routes maps each shard to its route.
	Routes  map[string]routing.Route `json:"routes"`
	History []routing.HistoryEntry   `json:"history"`
}

// New returns a target stored at path. The file is created by the first
// change; its directory must exist.
func New(path string) (*Target, error) {
	if path == "" {
		return nil, fmt.Errorf("fileroute: the routing file path is empty; set it in the plan's cutover target")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("fileroute: routing file %q: %w", path, err)
	}
	dir := filepath.Dir(abs)
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("fileroute: directory of routing file %q: %w (create it first)", abs, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("fileroute: %q is not a directory; choose another routing file path", dir)
	}
	return &Target{path: abs, now: time.Now}, nil
}

// Path returns the file's absolute path.
func (t *Target) Path() string { return t.path }

// String names the target.
func (t *Target) String() string { return "routing file " + t.path }

// Register implements routing.Target.
func (t *Target) Register(ctx context.Context, shard, sourceLocation string) (routing.Route, error) {
	if err := routing.ValidateRegistration(shard, sourceLocation); err != nil {
		return routing.Route{}, err
	}
	var out routing.Route
	err := t.update(ctx, func(d *document) (bool, error) {
		if r, ok := d.Routes[shard]; ok {
			out = r
			return false, nil
		}
		out = routing.NewRoute(shard, sourceLocation, t.now())
		d.Routes[shard] = out
		d.History = append(d.History, routing.HistoryEntry{
			Shard: shard, Kind: routing.EventRegister, To: out.State, Location: out.Location,
			Version: out.Version, Actor: out.Actor, At: out.UpdatedAt,
		})
		return true, nil
	})
	return out, err
}

// Get implements routing.Target. It reads without locking: the file is
// always replaced whole.
func (t *Target) Get(ctx context.Context, shard string) (routing.Route, error) {
	d, err := t.read()
	if err != nil {
		return routing.Route{}, err
	}
	r, ok := d.Routes[shard]
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
	var out routing.Route
	err := t.update(ctx, func(d *document) (bool, error) {
		cur, ok := d.Routes[c.Shard]
		if !ok {
			return false, routing.UnknownShardError(c.Shard)
		}
		next, applied, err := routing.Apply(cur, c, t.now())
		out = next
		if err != nil || !applied {
			return false, err
		}
		d.Routes[c.Shard] = next
		d.History = append(d.History, routing.SetEntry(cur, next, c))
		return true, nil
	})
	if err != nil {
		return routing.Route{}, err
	}
	return out, nil
}

// AckDrain records the application's acknowledgement that writes to shard
// have drained under the freeze operation opID. The shard must be read-only
// under that operation.
func (t *Target) AckDrain(ctx context.Context, shard, opID string) error {
	if err := routing.ValidateDrainAck(shard, opID); err != nil {
		return err
	}
	return t.update(ctx, func(d *document) (bool, error) {
		cur, ok := d.Routes[shard]
		if !ok {
			return false, routing.UnknownShardError(shard)
		}
		if cur.State != routing.StateReadOnly || cur.OperationID != opID {
			return false, routing.DrainAckError(cur, opID)
		}
		if cur.DrainAck {
			return false, nil
		}
		cur.DrainAck = true
		d.Routes[shard] = cur
		d.History = append(d.History, routing.HistoryEntry{
			Shard: shard, Kind: routing.EventDrainAck, From: cur.State, To: cur.State, Location: cur.Location,
			Version: cur.Version, OperationID: opID, Actor: "application", At: t.now().UTC(),
		})
		return true, nil
	})
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
	d, err := t.read()
	if err != nil {
		return nil, err
	}
	var out []routing.HistoryEntry
	for _, h := range d.History {
		if h.Shard == shard {
			out = append(out, h)
		}
	}
	return out, nil
}
