// Package observe carries events from the copy engine and the SDK retryers
// beneath it to whoever listens (metrics, logs), so that those attach later
// without touching call sites.
package observe

import (
	"sync"
	"time"
)

// Kind names an event.
type Kind string

// Event kinds.
const (
	// ObjectDone: one object reached its final outcome in a batch.
	ObjectDone Kind = "object_done"
	// Bytes: bytes were read from the source and written to the destination.
	Bytes Kind = "bytes"
	// Retry: an SDK request is being retried.
	Retry Kind = "retry"
	// Throttled: the service asked us to slow down (429, 503 SlowDown).
	Throttled Kind = "throttled"
	// Mismatch: a checksum did not match (source read, part, or verify).
	Mismatch Kind = "mismatch"
	// PartDone: one multipart part was uploaded.
	PartDone Kind = "part_done"
	// Verified: one object was verified at the destination.
	Verified Kind = "verified"
	// CopyStarted and CopyFinished bracket one object's copy (for the
	// copies in flight).
	CopyStarted  Kind = "copy_started"
	CopyFinished Kind = "copy_finished"
	// Listed: Bytes source objects were examined by a listing (a delta
	// round, a verification): progress that copies nothing.
	Listed Kind = "listed"
	// ActivityDone: an activity of a shard ended (Activity, Outcome "ok"
	// or "error", Duration).
	ActivityDone Kind = "activity_done"
)

// Event is one observation. Fields that do not apply are zero.
type Event struct {
	Kind Kind
	// Migration and Shard name what the work belongs to; a scoped engine
	// (engine.Scope) and the stores of a migration set them.
	Migration string
	Shard     string
	Store     string // the store the event concerns
	Op        string // store operation, for Retry/Throttled
	Key       string
	Bytes     int64
	Outcome   string // for ObjectDone, Verified and ActivityDone
	Class     string // a failed object's error class: retryable or permanent
	Stage     string // where a Mismatch was found: "copy" or "verify"
	Activity  string // for ActivityDone
	Method    string // how the object was verified
	Status    int    // HTTP status, for Retry/Throttled
	Attempt   int    // for Retry
	Duration  time.Duration
	Err       error
}

// Observer receives events. Implementations must be safe for concurrent use
// and must not block.
type Observer interface {
	Observe(Event)
}

// Nop is an Observer that drops every event.
type Nop struct{}

// Observe implements Observer.
func (Nop) Observe(Event) {}

// Func adapts a function to an Observer.
type Func func(Event)

// Observe implements Observer.
func (f Func) Observe(e Event) { f(e) }

// Multi fans an event out to several observers.
type Multi []Observer

// Observe implements Observer.
func (m Multi) Observe(e Event) {
	for _, o := range m {
		o.Observe(e)
	}
}

// Recorder keeps every event; tests use it to assert what happened.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

// Observe implements Observer.
func (r *Recorder) Observe(e Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// Events returns a copy of the events seen so far.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// Count returns how many events of kind k were seen.
func (r *Recorder) Count(k Kind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// Tagged returns an observer that names migration and shard on every
// event that names none, and passes it to o.
func Tagged(o Observer, migration, shard string) Observer {
	return tagged{o: OrNop(o), migration: migration, shard: shard}
}

type tagged struct {
	o                Observer
	migration, shard string
}

func (t tagged) Observe(e Event) {
	if e.Migration == "" {
		e.Migration = t.migration
	}
	if e.Shard == "" {
		e.Shard = t.shard
	}
	t.o.Observe(e)
}

// OrNop returns o, or Nop if o is nil.
func OrNop(o Observer) Observer {
	if o == nil {
		return Nop{}
	}
	return o
}
