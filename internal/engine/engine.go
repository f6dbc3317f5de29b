package engine

import (
	"fmt"
	"time"

	"github.com/ocimove/ocimove/internal/observe"
)

// Config tunes an Engine. Zero fields take the defaults below.
type Config struct {
	// PartSize is the multipart part size (default 16 MiB). It grows when
	// an object would otherwise need more parts than the destination allows.
	PartSize int64
	// MultipartThreshold: objects larger than this are uploaded in parts
	// (default PartSize). It cannot exceed PartSize, because a single PUT
	// is buffered whole to know its Content-MD5 before sending.
	MultipartThreshold int64
	// PoolBytes bounds the memory held in part buffers across every
	// transfer of this Engine (default 512 MiB).
	PoolBytes int64
	// Concurrency is the number of objects in flight per batch (default 16).
	Concurrency int
	// PartConcurrency is the number of parts in flight per object (default 4).
	PartConcurrency int
	// Attempts is how often the engine itself tries an object whose failure
	// is retryable, on top of the SDK's per-request retries (default 3).
	Attempts int
	// RetryBackoff is the pause before the engine's second attempt; it
	// doubles for each further one (default 200ms).
	RetryBackoff time.Duration
	// StorageTier is the destination tier or class ("" = store default).
	StorageTier string
	// Observer receives the engine's events (default: none).
	Observer observe.Observer
	// Limiter bounds bytes/s and requests/s (default: unlimited).
	Limiter *Limiter
}

// Engine copies and verifies objects. One Engine (and so one buffer pool)
// serves every batch in a process; it is safe for concurrent use.
type Engine struct {
	cfg   Config
	pool  *Pool
	obs   observe.Observer
	limit *Limiter
}

// New returns an Engine, or an error naming the setting that is wrong.
func New(cfg Config) (*Engine, error) {
	if cfg.PartSize == 0 {
		cfg.PartSize = 16 << 20
	}
	if cfg.MultipartThreshold == 0 {
		cfg.MultipartThreshold = cfg.PartSize
	}
	if cfg.PoolBytes == 0 {
		cfg.PoolBytes = 512 << 20
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 16
	}
	if cfg.PartConcurrency == 0 {
		cfg.PartConcurrency = 4
	}
	if cfg.Attempts == 0 {
		cfg.Attempts = 3
	}
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = 200 * time.Millisecond
	}
	switch {
	case cfg.PartSize < 1<<20:
		return nil, fmt.Errorf("engine: part size %d is below 1 MiB; set a larger part size", cfg.PartSize)
	case cfg.MultipartThreshold > cfg.PartSize:
		return nil, fmt.Errorf("engine: multipart threshold %d exceeds the part size %d; set the threshold at or below the part size", cfg.MultipartThreshold, cfg.PartSize)
	case cfg.PoolBytes < 2*cfg.PartSize:
		return nil, fmt.Errorf("engine: buffer pool of %d bytes holds fewer than two parts of %d bytes; raise the pool size", cfg.PoolBytes, cfg.PartSize)
	case cfg.Concurrency < 1 || cfg.PartConcurrency < 1 || cfg.Attempts < 1:
		return nil, fmt.Errorf("engine: concurrency, part concurrency and attempts must be at least 1")
	}
	return &Engine{cfg: cfg, pool: NewPool(cfg.PoolBytes), obs: observe.OrNop(cfg.Observer), limit: cfg.Limiter}, nil
}

// Pool returns the engine's buffer pool.
func (e *Engine) Pool() *Pool { return e.pool }

// Limiter returns the engine's limiter (nil when unlimited), so that rates
// can be changed while copies run.
func (e *Engine) Limiter() *Limiter { return e.limit }

// MemoryHeadroom is what a copying process needs beside its buffer pool:
// the SDKs' and HTTP transports' buffers, the Temporal client and the
// runtime's own structures.
const MemoryHeadroom = 48 << 20

// SuggestedMemoryLimit is the GOMEMLIMIT for a process whose main memory
// use is a buffer pool of poolBytes. Buffers dropped from the pool are
// garbage until the collector runs; the limit makes it run before garbage
// piles up beyond the pool plus headroom, instead of at twice the live
// heap (GOGC's default).
func SuggestedMemoryLimit(poolBytes int64) int64 {
	return poolBytes + MemoryHeadroom
}
