package demo

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/ocimove/ocimove/workflows"
)

// progress draws the shards' progress: redrawn in place with ANSI escapes
// on a terminal, or as one plain line per refresh (plus a line per state
// change) otherwise.
type progress struct {
	out    io.Writer
	redraw bool
	start  time.Time
	// base is the bytes already done when this run began, so the rate and
	// ETA count only this run's work.
	base  int64
	based bool
	lines int // lines drawn last time (redraw)
	seen  map[string]workflows.ShardState
	cutAt map[string]time.Time // first seen cut over, when the status has no time yet
}

func newProgress(out io.Writer, redraw bool) *progress {
	return &progress{out: out, redraw: redraw, start: time.Now(), seen: map[string]workflows.ShardState{}}
}

// totals sums the shards' done and total objects and bytes, capping each
// shard's done at its total.
func totals(views []ShardView) (done, total Size) {
	for _, v := range views {
		total.Objects += v.Total.Objects
		total.Bytes += v.Total.Bytes
		done.Objects += min(v.Objects, v.Total.Objects)
		done.Bytes += min(v.Bytes, v.Total.Bytes)
	}
	return done, total
}

// observe records the first poll's bytes as this run's starting point,
// and when each shard was first seen cut over.
func (p *progress) observe(views []ShardView) {
	if !p.based {
		done, _ := totals(views)
		p.base, p.based, p.start = done.Bytes, true, time.Now()
	}
	for i := range views {
		if views[i].cutOver() && views[i].CutoverAt.IsZero() {
			if p.cutAt == nil {
				p.cutAt = map[string]time.Time{}
			}
			if _, ok := p.cutAt[views[i].ID]; !ok {
				p.cutAt[views[i].ID] = time.Now()
			}
			views[i].CutoverAt = p.cutAt[views[i].ID]
		}
	}
}

// eta returns the copy's bytes per second in this run and its remaining
// time ("" when unknown).
func (p *progress) eta(done, total Size, now time.Time) (float64, string) {
	elapsed := now.Sub(p.start).Seconds()
	if elapsed <= 0 {
		return 0, ""
	}
	rate := float64(done.Bytes-p.base) / elapsed
	switch {
	case done.Bytes >= total.Bytes:
		return rate, "copied; verifying and cutting over"
	case rate <= 0:
		return rate, "estimating"
	}
	left := time.Duration(float64(total.Bytes-done.Bytes) / rate * float64(time.Second))
	return rate, "ETA " + left.Round(time.Second).String()
}

// byState counts the shards per state, in lifecycle order.
func byState(views []ShardView) string {
	n := map[workflows.ShardState]int{}
	for _, v := range views {
		n[stateOf(v)]++
	}
	var parts []string
	for _, s := range workflows.AllShardStates {
		if n[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, n[s]))
			delete(n, s)
		}
	}
	var rest []string
	for s, k := range n {
		rest = append(rest, fmt.Sprintf("%s %d", s, k))
	}
	sort.Strings(rest)
	return strings.Join(append(parts, rest...), ", ")
}

func stateOf(v ShardView) workflows.ShardState {
	if v.State == "" {
		return workflows.Pending
	}
	return v.State
}

// draw shows views.
func (p *progress) draw(views []ShardView) {
	now := time.Now()
	done, total := totals(views)
	rate, eta := p.eta(done, total, now)
	elapsed := now.Sub(p.start).Round(time.Second)
	speed := ""
	if rate > 0 {
		speed = bytesIEC(int64(rate)) + "/s  "
	}
	summary := fmt.Sprintf("%s/%s objects  %s/%s  %s%s  (elapsed %s)",
		count(done.Objects), count(total.Objects), bytesIEC(done.Bytes), bytesIEC(total.Bytes), speed, eta, elapsed)
	if !p.redraw {
		for _, v := range views {
			if s := stateOf(v); p.seen[v.ID] != s {
				if p.seen[v.ID] != "" {
					fmt.Fprintf(p.out, "  %s %s -> %s\n", v.Prefix, p.seen[v.ID], s)
				}
				p.seen[v.ID] = s
			}
		}
		fmt.Fprintf(p.out, "progress: %s · shards: %s\n", summary, byState(views))
		return
	}
	var b strings.Builder
	if p.lines > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.lines)
	}
	line := func(format string, args ...any) {
		b.WriteString("\x1b[2K")
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	line("  %-10s %-17s %-22s %s", "shard", "state", "objects", "bytes")
	for _, v := range views {
		frac := 0.0
		if v.Total.Bytes > 0 {
			frac = float64(min(v.Bytes, v.Total.Bytes)) / float64(v.Total.Bytes)
		}
		extra := ""
		if v.LastError != "" && stateOf(v) == workflows.Failed {
			extra = "  " + truncate(v.LastError, 60)
		}
		line("  %-10s %-17s %s %-11s %s%s", v.Prefix, stateOf(v), bar(frac, 10),
			count(min(v.Objects, v.Total.Objects))+"/"+count(v.Total.Objects),
			bytesIEC(min(v.Bytes, v.Total.Bytes))+"/"+bytesIEC(v.Total.Bytes), extra)
	}
	line("  %s", summary)
	line("  shards: %s", byState(views))
	p.lines = len(views) + 3
	_, _ = io.WriteString(p.out, b.String())
}

func bar(frac float64, width int) string {
	n := int(frac*float64(width) + 0.5)
	n = max(0, min(width, n))
	return strings.Repeat("█", n) + strings.Repeat("░", width-n)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// count formats n with thousands separators.
func count(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// bytesIEC formats n bytes in KiB, MiB or GiB.
func bytesIEC(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGT"[exp])
}
