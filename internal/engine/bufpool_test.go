package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestPoolBound hammers the pool with mixed sizes from many goroutines and
// checks that the bytes held (in use plus idle) never exceed its capacity.
func TestPoolBound(t *testing.T) {
	const capacity = 8 << 20
	p := NewPool(capacity)
	var peak atomic.Int64
	var wg sync.WaitGroup
	sizes := []int{1, 16 << 10, 100 << 10, 1 << 20, 3 << 20, 4 << 20}
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				n := sizes[(g+i)%len(sizes)]
				b, err := p.Get(context.Background(), n)
				require.NoError(t, err)
				require.Len(t, b, n)
				p.mu.Lock()
				held := p.inUse + p.idle
				p.mu.Unlock()
				for {
					old := peak.Load()
					if held <= old || peak.CompareAndSwap(old, held) {
						break
					}
				}
				p.Put(b)
			}
		}()
	}
	wg.Wait()
	require.LessOrEqual(t, peak.Load(), int64(capacity))
	require.Zero(t, p.InUse())
}

func TestPoolRejectsOversizeAndHonoursContext(t *testing.T) {
	p := NewPool(1 << 20)
	_, err := p.Get(context.Background(), 2<<20)
	require.ErrorContains(t, err, "exceeds the pool capacity")

	b, err := p.Get(context.Background(), 1<<20)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = p.Get(ctx, 1)
	require.ErrorIs(t, err, context.DeadlineExceeded, "a full pool makes callers wait, not allocate")
	p.Put(b)
}
