package bench

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
)

// Target is one benchmark target and whether it was met.
type Target struct {
	Name     string
	Measured string
	Required string
	Met      bool
}

// Status is "met" or "MISSED".
func (t Target) Status() string {
	if t.Met {
		return "met"
	}
	return "MISSED"
}

// rate is the run's throughput in the set's unit.
func rate(set Set, r Run) float64 {
	if r.Wall <= 0 {
		return 0
	}
	if set.usesObjectRate() {
		return float64(r.Objects) / r.Wall.Seconds()
	}
	return float64(r.Bytes) / 1e6 / r.Wall.Seconds()
}

func unit(set Set) string {
	if set.usesObjectRate() {
		return "objects/s"
	}
	return "MB/s"
}

// Targets evaluates the targets against the results.
func (res *Results) Targets() []Target {
	var ts []Target
	for _, sr := range res.Sets {
		e := median(sr.Engine)
		if len(sr.Product) > 0 {
			ts = append(ts, productTargets(sr, e)...)
		}
		if len(sr.Rclone) > 0 {
			ts = append(ts, throughputTarget(sr.Set, "engine / rclone", e, median(sr.Rclone),
				sr.Set.Target, fmt.Sprintf("≥ %.1f×", sr.Set.Target)))
		}
		ts = append(ts, rssTarget(sr.Set, "engine", e))
	}
	if res.Hash.CeilingMBps > 0 {
		ts = append(ts, Target{
			Name:     "hashing, Hasher (MD5+SHA-256+CRC32C) / crypto/md5+crypto/sha256 ceiling",
			Measured: fmt.Sprintf("%.0f%% (%.0f vs %.0f MB/s)", 100*res.Hash.Ratio(), res.Hash.HasherMBps, res.Hash.CeilingMBps),
			Required: "≥ 80%", Met: res.Hash.Ratio() >= 0.8,
		})
	}
	return ts
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// Markdown writes the results as markdown tables.
func (res *Results) Markdown(w io.Writer) {
	fmt.Fprintf(w, "Machine: %s  \n", res.Machine)
	fmt.Fprintf(w, "Run: %s", res.Started.UTC().Format("2006-01-02 15:04 UTC"))
	if res.RcloneVersion != "" {
		fmt.Fprintf(w, "; peer: %s", res.RcloneVersion)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| set | tool | objects | wall s | throughput | peak RSS | CPU s (tool) | CPU s (S3 endpoint) | CPU s (OCI endpoint) | CPU ms per object / per MB (tool + endpoints) | load before |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, sr := range res.Sets {
		for _, runs := range [][]Run{sr.Product, sr.Engine, sr.Rclone} {
			if len(runs) == 0 {
				continue
			}
			r := median(runs)
			fmt.Fprintf(w, "| %s (%d × %s) | %s | %d | %.2f | %.1f %s | %s | %.1f | %.1f | %.1f | %.2f | %s |\n",
				sr.Set.Name, sr.Set.Count, size(sr.Set.Size), r.Tool, r.Objects, r.Wall.Seconds(),
				rate(sr.Set, r), unit(sr.Set), mib(r.PeakRSS), r.CPU.Seconds(), r.S3CPU.Seconds(), r.OCICPU.Seconds(),
				cpuPerUnit(sr.Set, r), r.Load)
		}
		if len(sr.Engine) > 1 || len(sr.Rclone) > 1 || len(sr.Product) > 1 {
			fmt.Fprintf(w, "| | all runs (wall s) | | product: %s | engine: %s | rclone: %s | | | | | |\n", walls(sr.Product), walls(sr.Engine), walls(sr.Rclone))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| target | measured | required | status |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, t := range res.Targets() {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", t.Name, t.Measured, t.Required, t.Status())
	}
	fmt.Fprintln(w)
	res.productMarkdown(w)
	for _, sr := range res.Sets {
		s := sr.Set
		fmt.Fprintf(w, "- %s set: engine Concurrency=%d PartSize=%s PartConcurrency=%d PoolBytes=%s GOMEMLIMIT=%s; seeding took %.1fs (not measured)\n",
			s.Name, s.Concurrency, size(s.PartSize), s.PartConcurrency, size(s.PoolBytes), size(ChildMemoryLimit(s.PoolBytes)), sr.SeedTime.Seconds())
		if len(sr.Rclone) > 0 {
			fmt.Fprintf(w, "  rclone %s\n", strings.Join(sr.RcloneArgs, " "))
		}
		if e := median(sr.Engine); e.Report != nil {
			fmt.Fprintf(w, "  engine outcomes %v, source checks %v, listing %.2fs, copy %.2fs\n",
				e.Report.Outcomes, e.Report.SourceChk, e.Report.List.Seconds(), e.Report.Copy.Seconds())
		}
	}
}

// cpuPerUnit is the CPU time of the tool and both endpoints per object
// (small set) or per MB (large set), in milliseconds: a figure that other
// processes' load disturbs far less than wall time.
func cpuPerUnit(set Set, r Run) float64 {
	total := (r.CPU + r.S3CPU + r.OCICPU).Seconds() * 1000
	if set.usesObjectRate() {
		return total / float64(max(r.Objects, 1))
	}
	return total / (float64(r.Bytes) / 1e6)
}

func walls(runs []Run) string {
	var s []string
	for _, r := range runs {
		s = append(s, fmt.Sprintf("%.2f", r.Wall.Seconds()))
	}
	return strings.Join(s, ", ")
}

func size(b int64) string {
	switch {
	case b >= 1<<20 && b%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", b>>20)
	case b >= 1<<10 && b%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", b>>10)
	}
	return fmt.Sprintf("%d B", b)
}

// machine describes the CPU, core count and memory.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		l, _, _ := strings.Cut(string(b), "\n")
		mem = strings.Join(strings.Fields(l)[1:], " ")
	}
	return fmt.Sprintf("%s, %d cores (GOMAXPROCS %d), %s memory, %s/%s, %s", cpu, runtime.NumCPU(), runtime.GOMAXPROCS(0), mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}
