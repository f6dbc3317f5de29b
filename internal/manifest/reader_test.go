package manifest_test

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

// rangeRecorder passes every call to the real OCI store and records the
// ranges of its GETs.
type rangeRecorder struct {
	store.Store
	mu     sync.Mutex
	ranges []*store.Range
}

func (r *rangeRecorder) Get(ctx context.Context, key string, opts store.GetOptions) (io.ReadCloser, store.ObjectInfo, error) {
	r.mu.Lock()
	r.ranges = append(r.ranges, opts.Range)
	r.mu.Unlock()
	return r.Store.Get(ctx, key, opts)
}

func (r *rangeRecorder) reset() {
	r.mu.Lock()
	r.ranges = nil
	r.mu.Unlock()
}

// Region reports the real store's region (the residency check needs it).
func (r *rangeRecorder) Region() string { return r.Store.(store.Regioner).Region() }

func entry(key string, sha string) manifest.Entry {
	return manifest.Entry{Result: engine.Result{Key: key, Size: 1, Outcome: engine.Copied, SHA256: sha}}
}

func newStore(t *testing.T) (*manifest.Store, store.Store) {
	t.Helper()
	env := testenv.Start(t, testenv.Options{})
	st := env.OCIStore(t, env.Bucket("m"), nil)
	ms, err := manifest.New(st, "_migrations/m1/", allow(testenv.OCIRegion))
	require.NoError(t, err)
	return ms, st
}

func readAll(t *testing.T, ms *manifest.Store, opts manifest.ReadOptions) []manifest.Entry {
	t.Helper()
	r, err := ms.Open(context.Background(), "sh", opts)
	require.NoError(t, err)
	var out []manifest.Entry
	for {
		e, ok, err := r.Next()
		require.NoError(t, err)
		if !ok {
			return out
		}
		out = append(out, e)
	}
}

func keysOf(es []manifest.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Key + "=" + e.SHA256 + e.Deleted
	}
	return out
}

// The reader yields the merged view in key order: batches one after
// another, a round written in parts as one run, rounds written later
// winning, deletions kept, and a resumed read starting after a key.
func TestReaderMergesInKeyOrderWithPrecedenceAndParts(t *testing.T) {
	ms, _ := newStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	write := func(m *manifest.Manifest) {
		m.ShardID = "sh"
		_, err := ms.WriteManifest(ctx, m)
		require.NoError(t, err)
	}
	writePart := func(m *manifest.Manifest, part int) {
		m.ShardID = "sh"
		_, err := ms.WritePart(ctx, m, part)
		require.NoError(t, err)
	}
	write(&manifest.Manifest{Kind: manifest.KindBatch, Seq: 0, NextCursor: "c", Written: t0, StartAt: t0,
		Entries: []manifest.Entry{entry("a", "b0"), entry("b", "b0"), entry("c", "b0")}})
	write(&manifest.Manifest{Kind: manifest.KindBatch, Seq: 1, Cursor: "c", NextCursor: "f", Written: t0,
		Entries: []manifest.Entry{entry("d", "b1"), entry("e", "b1"), entry("f", "b1")}})
	// Delta round 1 in two parts; its deletion of "b" comes in key order.
	del := entry("b", "b0")
	del.Deleted = manifest.DeletedRemoved
	writePart(&manifest.Manifest{Kind: manifest.KindDelta, Seq: 1, NextCursor: "c", Written: t0.Add(2 * time.Minute),
		Entries: []manifest.Entry{entry("a", "d1"), del}}, 0)
	writePart(&manifest.Manifest{Kind: manifest.KindDelta, Seq: 1, Cursor: "c", NextCursor: "g", Written: t0.Add(3 * time.Minute),
		Entries: []manifest.Entry{entry("g", "d1"), entry("e", "d1")}}, 1) // written unsorted: sorted on write
	// A re-copy before the delta round loses to it; one after it wins.
	write(&manifest.Manifest{Kind: manifest.KindRecopy, Seq: 1, Written: t0.Add(time.Minute),
		Entries: []manifest.Entry{entry("a", "r1"), entry("f", "r1")}})
	write(&manifest.Manifest{Kind: manifest.KindRecopy, Seq: 2, Written: t0.Add(5 * time.Minute),
		Entries: []manifest.Entry{entry("e", "r2")}})

	all := readAll(t, ms, manifest.ReadOptions{})
	assert.Equal(t, []string{"a=d1", "b=b0deleted", "c=b0", "d=b1", "e=r2", "f=r1", "g=d1"}, keysOf(all))

	// Resuming after a key, or from one.
	assert.Equal(t, []string{"e=r2", "f=r1", "g=d1"}, keysOf(readAll(t, ms, manifest.ReadOptions{StartAfter: "d"})))
	assert.Equal(t, []string{"d=b1", "e=r2", "f=r1", "g=d1"}, keysOf(readAll(t, ms, manifest.ReadOptions{From: "d"})))
	assert.Empty(t, readAll(t, ms, manifest.ReadOptions{StartAfter: "g"}))

	// The round being written is left out of its own view.
	assert.Equal(t, []string{"a=r1", "b=b0", "c=b0", "d=b1", "e=r2", "f=r1"},
		keysOf(readAll(t, ms, manifest.ReadOptions{Exclude: &manifest.Run{Kind: manifest.KindDelta, Seq: 1}})))

	// Merge is the same view, in a map.
	m, err := ms.Merge(ctx, "sh")
	require.NoError(t, err)
	assert.Len(t, m.Entries, 7)
	assert.Equal(t, 6, m.Manifests)
	assert.Equal(t, t0, m.StartAt.UTC())
	start, err := ms.StartAt(ctx, "sh")
	require.NoError(t, err)
	assert.Equal(t, t0, start.UTC())
	refs, err := ms.ShardManifests(ctx, "sh")
	require.NoError(t, err)
	require.Len(t, refs, 5, "two batches, two re-copies, one delta round in two parts")
	assert.Len(t, refs[4].Keys, 2)
	assert.True(t, refs[4].Parted)
}

// A delta manifest written whole by an older version, deletions after the
// listing order, is still read in key order.
func TestReaderReadsUnsortedOldRounds(t *testing.T) {
	ms, _ := newStore(t)
	ctx := context.Background()
	old := map[string]any{"kind": "delta", "shardId": "sh", "seq": 1, "entries": []manifest.Entry{
		entry("k2", "x"), entry("k3", "x"), {Result: entry("k1", "x").Result, Deleted: manifest.DeletedKept}}}
	require.NoError(t, ms.WriteJSON(ctx, manifest.Key("_migrations/m1/", "sh", manifest.KindDelta, 1), old))
	assert.Equal(t, []string{"k1=xdeleted-at-source-kept", "k2=x", "k3=x"}, keysOf(readAll(t, ms, manifest.ReadOptions{})))
}

// Overlapping batch manifests fail the read and name the object, rather
// than yield a view that silently misses keys.
func TestReaderRefusesOverlappingBatches(t *testing.T) {
	ms, _ := newStore(t)
	ctx := context.Background()
	for i, keys := range [][]string{{"a", "c"}, {"b", "d"}} {
		m := &manifest.Manifest{Kind: manifest.KindBatch, ShardID: "sh", Seq: i}
		for _, k := range keys {
			m.Entries = append(m.Entries, entry(k, "x"))
		}
		_, err := ms.WriteManifest(ctx, m)
		require.NoError(t, err)
	}
	r, err := ms.Open(ctx, "sh", manifest.ReadOptions{})
	require.NoError(t, err)
	for {
		_, ok, err := r.Next()
		if err != nil {
			assert.Contains(t, err.Error(), "batch-00001.json")
			return
		}
		require.True(t, ok, "the overlap must be reported")
	}
}

// The reader holds one ranged block per manifest, never a whole object:
// every GET it makes is a range of at most 128 KiB, even for a manifest
// of several MiB.
func TestReaderStreamsLargeManifestsInRangedBlocks(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	real := env.OCIStore(t, env.Bucket("m"), nil)
	rec := &rangeRecorder{Store: real}
	ms, err := manifest.New(rec, "_migrations/m1/", allow(testenv.OCIRegion))
	require.NoError(t, err)
	ctx := context.Background()
	m := &manifest.Manifest{Kind: manifest.KindBatch, ShardID: "sh", Seq: 0}
	for i := range 20000 {
		m.Entries = append(m.Entries, entry(fmt.Sprintf("users/%06d/profile.json", i), fmt.Sprintf("%064x", i)))
	}
	_, err = ms.WriteManifest(ctx, m)
	require.NoError(t, err)
	rec.reset()
	got := readAll(t, ms, manifest.ReadOptions{})
	require.Len(t, got, 20000)
	assert.Equal(t, "users/019999/profile.json", got[19999].Key)
	assert.Greater(t, len(rec.ranges), 10)
	for _, r := range rec.ranges {
		require.NotNil(t, r, "an unranged GET reads the whole manifest")
		assert.LessOrEqual(t, r.Length, int64(128<<10))
	}
}
