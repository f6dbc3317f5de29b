package bench

import (
	"context"
	"os/exec"
	"testing"
)

// BenchmarkProductVsEngine is the bench command's side-by-side run as a
// testing.B: each iteration copies the same 2,000 × 16 KiB objects with
// the copy engine alone and with the full product (embedded Temporal, a
// worker, a plan over 8 shards; to AwaitingApproval, so through copy and
// verification), and with rclone when it is on PATH. It reports each
// one's objects/s and the ratios product/engine and product/rclone.
// The figures that docs/BENCHMARKS.md records come from cmd/bench on the
// full sets; this gives the same ratios from `go test -bench`:
//
//	go test -run '^$' -bench BenchmarkProductVsEngine -benchtime 1x ./internal/bench/
func BenchmarkProductVsEngine(b *testing.B) {
	set := Overrides{Count: 2000}.Apply(SmallSet)
	opts := Options{Sets: []Set{set}, HashRounds: 1, Product: true}
	if p, err := exec.LookPath("rclone"); err == nil {
		opts.Peer, opts.Rclone = "rclone", p
	}
	var engine, product, peer float64
	for b.Loop() {
		res, err := Execute(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		s := res.Sets[0]
		engine += perSecond(s.Engine)
		product += perSecond(s.Product)
		peer += perSecond(s.Rclone)
	}
	n := float64(b.N)
	b.ReportMetric(engine/n, "engine-objects/s")
	b.ReportMetric(product/n, "product-objects/s")
	if engine > 0 {
		b.ReportMetric(product/engine, "product/engine")
	}
	if peer > 0 {
		b.ReportMetric(peer/n, "rclone-objects/s")
		b.ReportMetric(product/peer, "product/rclone")
	}
}

// perSecond is the objects per second of the first of runs (0 without one).
func perSecond(runs []Run) float64 {
	if len(runs) == 0 || runs[0].Wall <= 0 {
		return 0
	}
	return float64(runs[0].Objects) / runs[0].Wall.Seconds()
}
