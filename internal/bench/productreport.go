package bench

import (
	"fmt"
	"io"
)

// productTargets are the product run's targets on one set: its throughput
// against the engine alone and against rclone, and the worker's peak RSS.
func productTargets(sr SetResult, e Run) []Target {
	p := median(sr.Product)
	var ts []Target
	if len(sr.Engine) > 0 {
		ratio := rate(sr.Set, p) / rate(sr.Set, e)
		ts = append(ts, Target{
			Name:     fmt.Sprintf("%s set throughput, product (to AwaitingApproval) / engine", sr.Set.Name),
			Measured: fmt.Sprintf("%.2f× (%.1f vs %.1f %s)", ratio, rate(sr.Set, p), rate(sr.Set, e), unit(sr.Set)),
			Required: "≥ 0.95×", Met: ratio >= 0.95,
		})
	}
	if len(sr.Rclone) > 0 {
		r := median(sr.Rclone)
		ratio := rate(sr.Set, p) / rate(sr.Set, r)
		ts = append(ts, Target{
			Name:     fmt.Sprintf("%s set throughput, product (to AwaitingApproval) / rclone", sr.Set.Name),
			Measured: fmt.Sprintf("%.2f× (%.1f vs %.1f %s)", ratio, rate(sr.Set, p), rate(sr.Set, r), unit(sr.Set)),
			Required: fmt.Sprintf("≥ %.1f×", sr.Set.Target), Met: ratio >= sr.Set.Target,
		})
	}
	limit := sr.Set.PoolBytes + 64<<20
	ts = append(ts, Target{
		Name:     fmt.Sprintf("%s set worker peak RSS", sr.Set.Name),
		Measured: mib(p.PeakRSS),
		Required: fmt.Sprintf("≤ pool %s + 64 MiB = %s", mib(sr.Set.PoolBytes), mib(limit)),
		Met:      p.PeakRSS > 0 && p.PeakRSS <= limit,
	})
	return ts
}

// productMarkdown writes the product runs' phases: copy done, verified,
// and what the ratio would be on the copy phase alone.
func (res *Results) productMarkdown(w io.Writer) {
	head := false
	for _, sr := range res.Sets {
		if len(sr.Product) == 0 {
			continue
		}
		if !head {
			fmt.Fprintln(w, "Product runs (times from the migration workflow's start, server clock; the ratio target uses \"verified\"):")
			fmt.Fprintln(w)
			fmt.Fprintln(w, "| set | run | all shards copied s | all shards AwaitingApproval (copied + quick-verified + 1 delta round) s | copy phase / engine | starter start s (pre-flight, not counted) | worker CPU s | devserver CPU s | worker peak RSS |")
			fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
			head = true
		}
		e := median(sr.Engine)
		for i, p := range sr.Product {
			ph := p.Phases
			copyRatio := "-"
			if e.Wall > 0 && ph.Copied > 0 {
				copyRatio = fmt.Sprintf("%.2f×", e.Wall.Seconds()/ph.Copied.Seconds())
			}
			fmt.Fprintf(w, "| %s | %d | %.2f | %.2f | %s | %.2f | %.1f | %.1f | %s |\n", sr.Set.Name, i+1, ph.Copied.Seconds(), ph.Verified.Seconds(),
				copyRatio, ph.Starter.Seconds(), p.CPU.Seconds(), ph.DevserverCPU.Seconds(), mib(p.PeakRSS))
		}
	}
	if head {
		fmt.Fprintln(w)
	}
}
