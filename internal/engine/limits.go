package engine

import (
	"context"
	"io"
	"math"

	"golang.org/x/time/rate"
)

// Limiter bounds bytes per second (read from the source) and requests per
// second (to either store). Both can be changed while copies run. A limit
// of 0 means unlimited. A limiter made under a parent (NewLimiterUnder)
// also waits for the parent: a migration's limiter under the worker's, so
// that the worker's limits are a ceiling over all its migrations.
type Limiter struct {
	bytes    *rate.Limiter
	requests *rate.Limiter
	parent   *Limiter
}

// byteBurst is the most bytes one WaitN takes; reads are split to fit.
const byteBurst = 1 << 20

// NewLimiterUnder returns a Limiter with the given limits (0 = unlimited)
// that also waits for parent (nil: none).
func NewLimiterUnder(parent *Limiter, bytesPerSec, requestsPerSec float64) *Limiter {
	l := NewLimiter(bytesPerSec, requestsPerSec)
	l.parent = parent
	return l
}

// NewLimiter returns a Limiter with the given limits (0 = unlimited).
func NewLimiter(bytesPerSec, requestsPerSec float64) *Limiter {
	l := &Limiter{
		bytes:    rate.NewLimiter(rate.Inf, byteBurst),
		requests: rate.NewLimiter(rate.Inf, 1),
	}
	l.SetBytesPerSecond(bytesPerSec)
	l.SetRequestsPerSecond(requestsPerSec)
	return l
}

func limitOf(v float64) rate.Limit {
	if v <= 0 || math.IsInf(v, 1) {
		return rate.Inf
	}
	return rate.Limit(v)
}

// SetBytesPerSecond changes the byte limit while running.
func (l *Limiter) SetBytesPerSecond(v float64) { l.bytes.SetLimit(limitOf(v)) }

// SetRequestsPerSecond changes the request limit while running.
func (l *Limiter) SetRequestsPerSecond(v float64) {
	burst := int(v)
	if burst < 1 {
		burst = 1
	}
	l.requests.SetBurst(burst)
	l.requests.SetLimit(limitOf(v))
}

// Limits returns the current limits (0 = unlimited).
func (l *Limiter) Limits() (bytesPerSec, requestsPerSec float64) {
	val := func(r rate.Limit) float64 {
		if r == rate.Inf {
			return 0
		}
		return float64(r)
	}
	return val(l.bytes.Limit()), val(l.requests.Limit())
}

// Request waits for one request's token, here and in the parents.
func (l *Limiter) Request(ctx context.Context) error {
	for ; l != nil; l = l.parent {
		if err := l.requests.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Bytes waits until n bytes may pass, here and in the parents.
func (l *Limiter) Bytes(ctx context.Context, n int) error {
	for ; l != nil; l = l.parent {
		if l.bytes.Limit() == rate.Inf {
			continue
		}
		for left := n; left > 0; {
			c := min(left, byteBurst)
			if err := l.bytes.WaitN(ctx, c); err != nil {
				return err
			}
			left -= c
		}
	}
	return nil
}

// limitedReader applies the byte limit to a source stream.
type limitedReader struct {
	ctx context.Context
	r   io.Reader
	l   *Limiter
}

func (lr *limitedReader) Read(p []byte) (int, error) {
	n, err := lr.r.Read(p)
	if n > 0 {
		if werr := lr.l.Bytes(lr.ctx, n); werr != nil {
			return n, werr
		}
	}
	return n, err
}
