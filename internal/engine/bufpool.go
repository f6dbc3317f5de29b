package engine

import (
	"context"
	"fmt"
	"math/bits"
	"sync"

	"golang.org/x/sync/semaphore"
)

// minBufClass is the smallest buffer the pool hands out.
const minBufClass = 64 << 10

// Pool is the one pool of part buffers shared by every transfer of an
// Engine. It bounds the bytes held in buffers, in use or kept for reuse, by
// its capacity, whatever the object sizes or counts: a transfer that needs
// a buffer waits until enough of the budget is free.
//
// Buffers come in power-of-two size classes so that small objects do not
// take a whole part's worth of the budget.
type Pool struct {
	capacity int64
	sem      *semaphore.Weighted

	mu    sync.Mutex
	free  map[int][][]byte // class size -> idle buffers
	idle  int64            // bytes held in free lists
	inUse int64            // bytes handed out
	peak  int64            // most bytes held (in use plus idle) at once
}

// NewPool returns a pool that never holds more than capacity bytes.
func NewPool(capacity int64) *Pool {
	return &Pool{capacity: capacity, sem: semaphore.NewWeighted(capacity), free: map[int][][]byte{}}
}

// Capacity returns the pool's byte bound.
func (p *Pool) Capacity() int64 { return p.capacity }

// InUse returns the bytes currently handed out.
func (p *Pool) InUse() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inUse
}

// classOf rounds n up to its size class: a power of two up to 1 MiB, a
// whole number of MiB above, so that a part buffer wastes at most 1 MiB.
func classOf(n int) int {
	switch {
	case n <= minBufClass:
		return minBufClass
	case n <= 1<<20:
		return 1 << bits.Len(uint(n-1))
	}
	return (n + 1<<20 - 1) &^ (1<<20 - 1)
}

// Peak returns the most bytes the pool has held at once, in use or idle.
func (p *Pool) Peak() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

// Get returns a buffer of length n, waiting until the pool's budget allows
// it. Release it with Put.
func (p *Pool) Get(ctx context.Context, n int) ([]byte, error) {
	c := classOf(n)
	if int64(c) > p.capacity {
		return nil, fmt.Errorf("buffer pool: a %d-byte buffer exceeds the pool capacity of %d bytes; raise the pool size or lower the part size", n, p.capacity)
	}
	if err := p.sem.Acquire(ctx, int64(c)); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inUse += int64(c)
	if l := p.free[c]; len(l) > 0 {
		b := l[len(l)-1]
		p.free[c] = l[:len(l)-1]
		p.idle -= int64(c)
		return b[:n], nil
	}
	// Make room: idle buffers of other classes are dropped so that idle
	// plus in-use bytes stay within capacity.
	for cls, l := range p.free {
		for len(l) > 0 && p.idle+p.inUse > p.capacity {
			l = l[:len(l)-1]
			p.idle -= int64(cls)
		}
		p.free[cls] = l
	}
	p.peak = max(p.peak, p.idle+p.inUse)
	return make([]byte, n, c), nil
}

// Put returns a buffer obtained from Get.
func (p *Pool) Put(b []byte) {
	c := cap(b)
	p.mu.Lock()
	p.inUse -= int64(c)
	p.free[c] = append(p.free[c], b[:c])
	p.idle += int64(c)
	p.mu.Unlock()
	p.sem.Release(int64(c))
}
