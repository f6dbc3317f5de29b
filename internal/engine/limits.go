package engine

import (
	"context"
	"io"
	"math"

	"golang.org/x/time/rate"
)

// Limiter bounds the engine's bytes per second (read from the source) and
// requests per second (to either store). Both can be changed while copies
// run. A limit of 0 means unlimited.
type Limiter struct {
	bytes    *rate.Limiter
	requests *rate.Limiter
}

// byteBurst is the most bytes one WaitN takes; reads are split to fit.
const byteBurst = 1 << 20

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

// Request waits for one request's token.
func (l *Limiter) Request(ctx context.Context) error {
	if l == nil {
		return nil
	}
	return l.requests.Wait(ctx)
}

// Bytes waits until n bytes may pass.
func (l *Limiter) Bytes(ctx context.Context, n int) error {
	if l == nil || l.bytes.Limit() == rate.Inf {
		return nil
	}
	for n > 0 {
		c := min(n, byteBurst)
		if err := l.bytes.WaitN(ctx, c); err != nil {
			return err
		}
		n -= c
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
