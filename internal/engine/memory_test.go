package engine_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

// TestMemoryBound copies 16 large objects at once through a 64 MiB buffer
// pool and checks that memory stays bounded by the pool, not by the object
// sizes or counts: the pool never holds more than its capacity, and the
// process's heap grows by at most the pool plus 64 MiB while the copies run
// (the endpoints run in this process too, storing on disk), with the
// GOMEMLIMIT the worker sets.
func TestMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("copies 512 MiB")
	}
	const (
		objects  = 16
		objSize  = 32 << 20
		poolSize = 64 << 20
	)
	env := testenv.Start(t, testenv.Options{Disk: true})
	src := env.S3Store(t, env.Bucket("src"), nil)
	dst := env.OCIStore(t, env.Bucket("dst"), nil)
	for i := 0; i < objects; i++ {
		put(t, src, fmt.Sprintf("big/%02d", i), content(uint64(100+i), objSize), store.Metadata{})
	}
	objs := listAll(t, src, "big/")
	require.Len(t, objs, objects)

	e := newEngine(t, nil, func(c *engine.Config) {
		c.PoolBytes, c.Concurrency, c.PartConcurrency = poolSize, objects, 4
	})
	runtime.GC()
	base := heapBytes()
	// As the worker does: GOMEMLIMIT from the pool size (here on top of
	// what the test itself holds).
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(base) + engine.SuggestedMemoryLimit(poolSize)))
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if h := heapBytes(); h > peak.Load() {
					peak.Store(h)
				}
			}
		}
	}()
	res := e.CopyBatch(context.Background(), src, dst, objs, engine.BatchOptions{})
	close(stop)
	wg.Wait()
	for _, r := range res {
		require.Equal(t, engine.Copied, r.Outcome, "%s: %s", r.Key, r.Error)
	}
	growth := int64(peak.Load()) - int64(base)
	t.Logf("pool peak %d MiB of %d MiB; heap growth %d MiB (bound %d MiB)",
		e.Pool().Peak()>>20, poolSize>>20, growth>>20, (poolSize+64<<20)>>20)
	assert.LessOrEqual(t, e.Pool().Peak(), int64(poolSize), "the pool never holds more than its capacity")
	assert.LessOrEqual(t, growth, int64(poolSize+64<<20), "heap growth stays within pool + 64 MiB")
}

// heapBytes is the live heap: bytes in heap objects, reachable or not yet
// swept, without a stop-the-world.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
