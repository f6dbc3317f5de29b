package engine

import "github.com/ocimove/ocimove/internal/observe"

// Scope is what one migration, or one shard tuned on its own, asks of the
// engine: a limiter of its own (made under the engine's, so that the
// engine's limits stay a ceiling over every scope), and its objects in
// flight and part size, bounded by the engine's configuration.
type Scope struct {
	// Migration and Shard name the scope's events to the observer.
	Migration, Shard string
	// Limiter bounds the scope's copies; nil leaves only the engine's.
	Limiter *Limiter
	// Concurrency is the objects in flight per batch; 0 or more than the
	// engine's Concurrency takes the engine's.
	Concurrency int
	// PartSize is the multipart part size; 0 takes the engine's. It is
	// held to at least 1 MiB and at most half the buffer pool, and objects
	// above it are uploaded in parts.
	PartSize int64
}

// For returns the engine as a scope uses it: the same buffer pool and
// observer, with the scope's limiter, concurrency and part size.
func (e *Engine) For(s Scope) *Engine {
	v := *e
	if s.Migration != "" || s.Shard != "" {
		v.obs = observe.Tagged(e.obs, s.Migration, s.Shard)
	}
	if s.Limiter != nil {
		v.limit = s.Limiter
	}
	if s.Concurrency > 0 {
		v.cfg.Concurrency = min(s.Concurrency, e.cfg.Concurrency)
	}
	if s.PartSize > 0 {
		ps := min(max(s.PartSize, 1<<20), e.cfg.PoolBytes/2)
		v.cfg.PartSize = ps
		v.cfg.MultipartThreshold = min(e.cfg.MultipartThreshold, ps)
	}
	return &v
}

// Observer returns the engine's observer (tagged with its scope), for the
// events of the work around its copies.
func (e *Engine) Observer() observe.Observer { return e.obs }

// Concurrency returns the objects in flight per batch.
func (e *Engine) Concurrency() int { return e.cfg.Concurrency }

// PartSize returns the multipart part size.
func (e *Engine) PartSize() int64 { return e.cfg.PartSize }
