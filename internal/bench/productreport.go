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
		ts = append(ts, throughputTarget(sr.Set, "product (to AwaitingApproval) / engine", p, e, 0.95, "≥ 0.95×"))
	}
	if len(sr.Rclone) > 0 {
		ts = append(ts, throughputTarget(sr.Set, "product (to AwaitingApproval) / rclone", p, median(sr.Rclone),
			sr.Set.Target, fmt.Sprintf("≥ %.1f×", sr.Set.Target)))
	}
	return append(ts, rssTarget(sr.Set, "worker", p))
}

// throughputTarget is the target that run a's throughput on set be at
// least want times run b's.
func throughputTarget(set Set, what string, a, b Run, want float64, required string) Target {
	ratio := rate(set, a) / rate(set, b)
	return Target{
		Name:     fmt.Sprintf("%s set throughput, %s", set.Name, what),
		Measured: fmt.Sprintf("%.2f× (%.1f vs %.1f %s)", ratio, rate(set, a), rate(set, b), unit(set)),
		Required: required, Met: ratio >= want,
	}
}

// rssTarget is the target that the peak RSS of who's run on set stay
// within the set's buffer pool and 64 MiB.
func rssTarget(set Set, who string, r Run) Target {
	limit := set.PoolBytes + 64<<20
	return Target{
		Name:     fmt.Sprintf("%s set %s peak RSS", set.Name, who),
		Measured: mib(r.PeakRSS),
		Required: fmt.Sprintf("≤ pool %s + 64 MiB = %s", mib(set.PoolBytes), mib(limit)),
		Met:      r.PeakRSS > 0 && r.PeakRSS <= limit,
	}
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
