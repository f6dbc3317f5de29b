package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/workflows"
)

// ANSI sequences of the --watch screen.
const (
	ansiHome  = "\x1b[H\x1b[2J" // cursor home, clear screen
	barWidth  = 24
	barFilled = "█"
	barEmpty  = "░"
)

// watch redraws the status with progress bars every interval until the
// migration's workflow closes or ctx ends (Ctrl-C).
func (a *app) watch(ctx context.Context, c client.Client, m *migrationInfo, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		v, err := a.fetchStatus(ctx, c, m)
		if ctx.Err() != nil {
			return nil
		}
		var buf bytes.Buffer
		buf.WriteString(ansiHome)
		if err != nil {
			fmt.Fprintf(&buf, "starter: %v (retrying every %s)\n", err, interval)
		} else {
			v.drawBars(&buf, interval)
		}
		if _, err := a.out.Write(buf.Bytes()); err != nil {
			return err
		}
		if err == nil && v.WorkflowStatus != "Running" {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// stageProgress is how far along the lifecycle each state is, for the bars.
var stageProgress = map[workflows.ShardState]float64{
	workflows.Pending: 0, workflows.Copying: 0, workflows.Verifying: 0.75, workflows.CatchingUp: 0.8,
	workflows.AwaitingApproval: 0.85, workflows.Frozen: 0.9, workflows.CutOver: 0.95, workflows.Soaking: 0.97,
	workflows.Complete: 1, workflows.RollingBack: 0.5, workflows.RolledBack: 0, workflows.Cancelled: 0,
}

// copyShare is the part of a shard's bar that Copying fills.
const copyShare = 0.7

// shardProgress is a shard's place in its lifecycle, 0..1: Copying fills
// the first 70% by bytes against the average shard's estimated bytes (the
// pre-flight's estimate is per migration), later states the rest.
func shardProgress(s workflows.ShardStatus, avgBytes float64) float64 {
	state := s.State
	if state == workflows.Failed && s.FailedFrom != "" {
		state = s.FailedFrom
	}
	if state == workflows.Copying {
		if avgBytes <= 0 {
			return copyShare / 2
		}
		return copyShare * min(0.99, float64(s.Counts.Bytes)/avgBytes)
	}
	return stageProgress[state]
}

// bar draws a progress bar of f (0..1).
func bar(f float64) string {
	f = max(0, min(1, f))
	n := int(f*barWidth + 0.5)
	return "[" + strings.Repeat(barFilled, n) + strings.Repeat(barEmpty, barWidth-n) + "]"
}

// drawBars writes the --watch screen: the summary, an overall bar and ETA,
// and one bar per shard.
func (v *statusView) drawBars(w io.Writer, interval time.Duration) {
	ms := v.Migration
	v.summary(w)
	overall := 0.0
	if ms.Estimate.Bytes > 0 {
		overall = float64(ms.BytesDone) / float64(ms.Estimate.Bytes)
	}
	done := 0
	for _, s := range v.Shards {
		if s.State == workflows.Complete || s.State == workflows.Soaking || s.State == workflows.CutOver {
			done++
		}
	}
	fmt.Fprintf(w, "Copy    %s %3.0f%%   ETA %s\n", bar(overall), 100*min(1, overall), etaText(ms))
	if len(v.Shards) > 0 {
		fmt.Fprintf(w, "Cutover %s %d/%d shards cut over\n", bar(float64(done)/float64(len(v.Shards))), done, len(v.Shards))
	}
	fmt.Fprintln(w)
	avg := 0.0
	if ms.Shards > 0 {
		avg = float64(ms.Estimate.Bytes) / float64(ms.Shards)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARD\tPROGRESS\tSTATE\tOBJECTS\tBYTES\tLAST ERROR")
	for _, s := range v.Shards {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", s.ShardID, bar(shardProgress(s, avg)), stateText(s),
			s.Counts.Objects, humanBytes(s.Counts.Bytes), clip(oneLine(s.LastError), 60))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%s · every %s · Ctrl-C stops watching (the migration goes on)\n", v.At.Local().Format(time.TimeOnly), interval)
}
