package report_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/report"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/workflows"
)

// heapSampler is the manifest store with the live heap measured, after a
// collection, at every read: what Build holds while it reads.
type heapSampler struct {
	store.Store
	reads int
	peak  uint64
}

func (h *heapSampler) Get(ctx context.Context, key string, opts store.GetOptions) (io.ReadCloser, store.ObjectInfo, error) {
	h.reads++
	h.peak = max(h.peak, liveHeap())
	return h.Store.Get(ctx, key, opts)
}

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestBuildMemoryStaysFlat builds the report of a shard whose manifests
// hold far more than the bound below (24 batches of 1000 entries with
// 1000-byte keys), then lists its objects, and requires the live heap to
// stay under the bound while they read them: Build and EachObject stream
// the merged view instead of loading a shard's entries.
func TestBuildMemoryStaysFlat(t *testing.T) {
	env := testenv.Start(t, testenv.Options{Disk: true})
	st := env.OCIStore(t, env.Bucket("mem"), nil)
	ms, err := manifest.New(st, root, func(r string) bool { return r == testenv.OCIRegion })
	require.NoError(t, err)
	const batches, perBatch, keyLen = 24, 1000, 1000
	ctx := context.Background()
	pad := strings.Repeat("k", keyLen-len("users/9/")-12)
	var total int64
	for b := range batches {
		m := &manifest.Manifest{Kind: manifest.KindBatch, MigrationID: "m1", ShardID: "users-9-big", Prefix: "users/9/", Seq: b + 1, Sorted: true}
		for i := range perBatch {
			key := fmt.Sprintf("users/9/%s-%05d-%05d", pad, b, i)
			total += int64(len(key))
			m.Entries = append(m.Entries, manifest.Entry{Result: engine.Result{Key: key, Size: 1, Outcome: engine.Copied,
				SHA256: strings.Repeat("a", 64), MD5: strings.Repeat("b", 32), SourceCheck: engine.SourceCheckETagMD5, DestCheck: engine.DestCheckContentMD5}})
		}
		m.NextCursor = m.Entries[len(m.Entries)-1].Key
		if b > 0 {
			m.Cursor = fmt.Sprintf("users/9/%s-%05d-%05d", pad, b-1, perBatch-1)
		}
		_, err := ms.WriteManifest(ctx, m)
		require.NoError(t, err)
	}
	shards := []report.ShardInfo{{ShardStatus: workflows.ShardStatus{ShardID: "users-9-big", Prefix: "users/9/", State: "Soaking"}}}

	sampler := &heapSampler{Store: st}
	base := liveHeap()
	r, err := report.Build(ctx, sampler, root, report.MigrationInfo{ID: "m1"}, shards)
	require.NoError(t, err)
	require.Len(t, r.Shards, 1)
	assert.Equal(t, int64(batches*perBatch), r.Shards[0].Objects)
	assert.Equal(t, map[string]int64{engine.SourceCheckETagMD5: batches * perBatch}, r.Shards[0].Verification.SourceChecks)

	const bound = 8 << 20
	require.Greater(t, total, int64(2*bound), "the shard's keys alone must exceed the bound")
	grew := int64(sampler.peak) - int64(base)
	t.Logf("%d reads; keys %d MiB; live heap grew by at most %.1f MiB while reading", sampler.reads, total>>20, float64(grew)/(1<<20))
	assert.Less(t, grew, int64(bound), "Build holds the shard's entries in memory")

	// The per-object listing streams the same way.
	sampler = &heapSampler{Store: st}
	base = liveHeap()
	n := 0
	require.NoError(t, report.EachObject(ctx, sampler, root, "users-9-big", func(report.Object) error { n++; return nil }))
	assert.Equal(t, batches*perBatch, n)
	grew = int64(sampler.peak) - int64(base)
	t.Logf("EachObject: %d reads; live heap grew by at most %.1f MiB", sampler.reads, float64(grew)/(1<<20))
	assert.Less(t, grew, int64(bound), "EachObject holds the shard's entries in memory")
}
