package engine_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/testing/testenv"
)

// benchSeed puts n objects of size random bytes into src and returns them
// as listed (with their ETags), as a batch would receive them.
func benchSeed(b *testing.B, src store.Store, n int, size int64) []store.ObjectInfo {
	b.Helper()
	ctx := context.Background()
	rng := rand.NewChaCha8([32]byte{1})
	for i := range n {
		buf := make([]byte, size)
		_, _ = rng.Read(buf)
		sum := md5.Sum(buf)
		if _, err := src.Put(ctx, fmt.Sprintf("obj/%05d", i), bytes.NewReader(buf), size, store.PutOptions{ContentMD5: sum[:]}); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
	var objs []store.ObjectInfo
	after := ""
	for {
		page, err := src.List(ctx, store.ListOptions{StartAfter: after})
		if err != nil {
			b.Fatalf("list source: %v", err)
		}
		objs = append(objs, page.Objects...)
		if !page.Truncated || len(page.Objects) == 0 {
			break
		}
		after = page.Objects[len(page.Objects)-1].Key
	}
	if len(objs) != n {
		b.Fatalf("listed %d objects, seeded %d", len(objs), n)
	}
	return objs
}

// benchCopy copies objs into a fresh destination bucket per op and fails
// the benchmark unless every object is copied.
func benchCopy(b *testing.B, env *testenv.Env, src store.Store, objs []store.ObjectInfo, cfg engine.Config) {
	b.Helper()
	eng, err := engine.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var total int64
	for _, o := range objs {
		total += o.Size
	}
	b.SetBytes(total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dst := env.OCIStore(b, env.Bucket("dst"), nil)
		b.StartTimer()
		res := eng.CopyBatch(ctx, src, dst, objs, engine.BatchOptions{})
		b.StopTimer()
		for _, r := range res {
			if r.Outcome != engine.Copied {
				b.Fatalf("%s: outcome %s, error %s", r.Key, r.Outcome, r.Error)
			}
			// Keep the in-memory endpoint small across ops.
			if err := dst.Delete(ctx, r.Key); err != nil {
				b.Fatalf("delete %s: %v", r.Key, err)
			}
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(len(objs)*b.N)/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkCopySmall copies 256 objects of 16 KiB per op from the local S3
// endpoint to the local OCI endpoint (in-process, in memory) through the
// real SDKs, 32 objects in flight. cmd/bench runs the full 10,000-object
// set against endpoint processes; see docs/BENCHMARKS.md.
func BenchmarkCopySmall(b *testing.B) {
	env := testenv.Start(b, testenv.Options{})
	src := env.S3Store(b, env.Bucket("src"), nil)
	objs := benchSeed(b, src, 256, 16<<10)
	benchCopy(b, env, src, objs, engine.Config{Concurrency: 32, PoolBytes: 64 << 20})
}

// BenchmarkCopyLarge copies one 64 MiB object per op, in 16 MiB parts with
// 4 parts in flight.
func BenchmarkCopyLarge(b *testing.B) {
	env := testenv.Start(b, testenv.Options{})
	src := env.S3Store(b, env.Bucket("src"), nil)
	objs := benchSeed(b, src, 1, 64<<20)
	benchCopy(b, env, src, objs, engine.Config{PartSize: 16 << 20, PartConcurrency: 4, PoolBytes: 128 << 20})
}
