package bench

import (
	"crypto/md5"
	"crypto/sha256"
	"time"

	"github.com/ocimove/ocimove/internal/engine"
)

// HashResult compares the engine's Hasher with this machine's ceiling:
// crypto/md5 then crypto/sha256 over the same buffer, nothing else. It
// is the logic of BenchmarkHashCeiling and BenchmarkHasher in
// internal/engine, run in-process.
type HashResult struct {
	CeilingMBps float64
	HasherMBps  float64
}

// Ratio is the Hasher's throughput over the ceiling.
func (h HashResult) Ratio() float64 { return h.HasherMBps / h.CeilingMBps }

// measureHash times both over a 16 MiB buffer, alternating for rounds
// rounds, and keeps each one's best round, so that a burst of load from
// another process hurts neither side more than the other.
func measureHash(rounds int) HashResult {
	buf := make([]byte, 16<<20)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	const iters = 4
	best := func(cur float64, d time.Duration) float64 {
		return max(cur, float64(iters*len(buf))/d.Seconds()/1e6)
	}
	var r HashResult
	for range rounds {
		t := time.Now()
		for range iters {
			md5.Sum(buf)
			sha256.Sum256(buf)
		}
		r.CeilingMBps = best(r.CeilingMBps, time.Since(t))
		t = time.Now()
		for range iters {
			h := engine.NewHasher()
			for off := 0; off < len(buf); off += 1 << 20 {
				h.Write(buf[off : off+1<<20])
			}
			h.Sums()
		}
		r.HasherMBps = best(r.HasherMBps, time.Since(t))
	}
	return r
}
