package bench

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Markdown writes the lifecycle run's figures.
func (r *LifeResult) Markdown(w io.Writer) {
	o := r.Options
	n := o.Shards * o.Objects
	fmt.Fprintf(w, "Machine: %s  \n", machine())
	fmt.Fprintf(w, "Lifecycle run: %d shards × %d objects of %d B = %d objects, %d worker(s), purge %v, window %d, batch %d, concurrency %d, max activities %d; load before %s, after %s\n\n",
		o.Shards, o.Objects, o.Size, n, o.Workers, o.Purge, o.Window, o.BatchSize, o.Concurrency, o.MaxActivities, r.LoadBefore, r.LoadAfter)
	fmt.Fprintf(w, "| figure | value |\n|---|---:|\n")
	fmt.Fprintf(w, "| seeding (not measured) | %s |\n", r.Seed.Round(time.Second))
	fmt.Fprintf(w, "| start to migration Complete | %s |\n", r.Wall.Round(100*time.Millisecond))
	fmt.Fprintf(w, "| time per object (whole lifecycle) | %.2f ms |\n", float64(r.Wall.Microseconds())/1000/float64(n))
	fmt.Fprintf(w, "| objects per second (whole lifecycle) | %.0f |\n", float64(n)/r.Wall.Seconds())
	if r.DevserverCPU > 0 {
		fmt.Fprintf(w, "| Temporal server (cmd/devserver) CPU | %.1f s |\n", r.DevserverCPU.Seconds())
	}
	var workers time.Duration
	for _, ws := range r.Workers {
		workers += ws.CPU
	}
	fmt.Fprintf(w, "| CPU: workers / S3 endpoint / OCI endpoint | %.1f s / %.1f s / %.1f s |\n", workers.Seconds(), r.S3CPU.Seconds(), r.OCICPU.Seconds())
	total := workers + r.S3CPU + r.OCICPU + r.DevserverCPU
	fmt.Fprintf(w, "| CPU of all these processes / (wall × %d cores) | %.0f%% |\n", runtime.NumCPU(), 100*total.Seconds()/(r.Wall.Seconds()*float64(runtime.NumCPU())))
	fmt.Fprintf(w, "| workflow runs | %d |\n| runs over 10,000 events | %d |\n\n", r.Runs, r.Over10k)

	fmt.Fprintln(w, "| worker | peak RSS (ru_maxrss) | RSS max in 10–20% of the run | RSS max in 45–55% | RSS max in 90–100% | CPU s | activity tasks | CopyBatch tasks |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	for i, ws := range r.Workers {
		total := 0
		for _, c := range ws.Activities {
			total += c
		}
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %.1f | %d | %d |\n", i+1, mib(ws.PeakRSS),
			mib(windowMax(ws.Samples, 0.10, 0.20)), mib(windowMax(ws.Samples, 0.45, 0.55)), mib(windowMax(ws.Samples, 0.90, 1.0)),
			ws.CPU.Seconds(), total, ws.Activities["CopyBatch"])
	}
	fmt.Fprintln(w)
	for i, ws := range r.Workers {
		var kinds []string
		for k, c := range ws.Activities {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, c))
		}
		sort.Strings(kinds)
		fmt.Fprintf(w, "- worker %d activity tasks: %s\n", i+1, strings.Join(kinds, ", "))
	}
	fmt.Fprintln(w)
	if r.HistoryError != "" {
		fmt.Fprintf(w, "Histories not collected: %s\n\n", r.HistoryError)
	}
	fmt.Fprintln(w, "| largest histories: workflow | run | events | bytes |")
	fmt.Fprintln(w, "|---|---|---:|---:|")
	for _, h := range r.Largest {
		fmt.Fprintf(w, "| %s | %s | %d | %d |\n", h.WorkflowID, h.RunID, h.Events, h.Bytes)
	}
	fmt.Fprintln(w)
}

// windowMax is the largest RSS sampled between fractions from and to of
// the sampled time.
func windowMax(s []RSSSample, from, to float64) int64 {
	if len(s) == 0 {
		return 0
	}
	end := s[len(s)-1].At
	var m int64
	for _, x := range s {
		f := float64(x.At) / float64(max(end, 1))
		if f >= from && f <= to {
			m = max(m, x.RSS)
		}
	}
	return m
}

// MemFlatMarkdown writes the memflat comparison: the worker's peak RSS
// for each shard size.
func MemFlatMarkdown(w io.Writer, results []*LifeResult) {
	fmt.Fprintf(w, "Machine: %s\n\n", machine())
	fmt.Fprintln(w, "One shard, copied, quick-verified, delta rounds, frozen, final delta + full verification, cut over, soaked 1 s, purged (re-verification + delete):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| objects in the shard | start to Complete | worker peak RSS (ru_maxrss) | RSS max in 90–100% | worker CPU s | load before / after |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---|")
	for _, r := range results {
		ws := r.Workers[0]
		fmt.Fprintf(w, "| %d | %s | %s | %s | %.1f | %s / %s |\n", r.Options.Objects, r.Wall.Round(time.Second), mib(ws.PeakRSS),
			mib(windowMax(ws.Samples, 0.9, 1)), ws.CPU.Seconds(), r.LoadBefore, r.LoadAfter)
	}
	fmt.Fprintln(w)
	if len(results) == 2 {
		a, b := results[0].Workers[0].PeakRSS, results[1].Workers[0].PeakRSS
		verdict := "no higher"
		if b > a {
			verdict = fmt.Sprintf("HIGHER by %s", mib(b-a))
		}
		fmt.Fprintf(w, "Peak RSS for %d objects is %s than for %d (%s vs %s).\n", results[1].Options.Objects, verdict, results[0].Options.Objects, mib(b), mib(a))
	}
}
