// Package progress renders a migration's progress: the status table of
// `starter status`, the screen of progress bars that `starter status
// --watch` and the demo redraw, and the plain lines the demo prints when
// its output is not a terminal. One renderer serves them all.
package progress

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ocimove/ocimove/workflows"
)

// View is a migration's status at one moment; it is also the JSON of
// `starter status -o json`.
type View struct {
	// WorkflowStatus is the migration workflow's execution status:
	// Running, Completed, Canceled, Failed, Terminated, …
	WorkflowStatus string                    `json:"workflowStatus"`
	Migration      workflows.MigrationStatus `json:"migration"`
	// Shards are every shard of the plan in order; those not started yet
	// are Pending with only their id and prefix.
	Shards []workflows.ShardStatus `json:"shards"`
	// ShardErrors names shards whose status query failed.
	ShardErrors map[string]string `json:"shardErrors,omitempty"`
	At          time.Time         `json:"at"`
	// Totals are shards' sizes by shard id where they are known (the demo
	// knows what it seeded); elsewhere a shard's bar counts against the
	// migration's estimate spread evenly over its shards.
	Totals map[string]Size `json:"-"`
}

// Size is a number of objects and bytes.
type Size struct {
	Objects int64 `json:"objects"`
	Bytes   int64 `json:"bytes"`
}

// Summary writes the migration's header lines.
func (v *View) Summary(w io.Writer) {
	ms := v.Migration
	state := string(ms.State)
	if v.WorkflowStatus != "" && v.WorkflowStatus != "Running" {
		state = fmt.Sprintf("%s (workflow %s)", ms.State, v.WorkflowStatus)
	}
	fmt.Fprintf(w, "Migration %s: %s\n", ms.MigrationID, state)
	fmt.Fprintf(w, "Shards: %d, %d started; window %d, %d in use; %s\n", ms.Shards, ms.Started, ms.Window, ms.SlotsUsed, ByStateText(ms.ByState))
	done := fmt.Sprintf("%d objects, %s", ms.ObjectsDone, Bytes(ms.BytesDone))
	if ms.Estimate.Bytes > 0 {
		done += fmt.Sprintf(" of %d objects, %s (%.0f%%)", ms.Estimate.Objects, Bytes(ms.Estimate.Bytes),
			100*min(1, float64(ms.BytesDone)/float64(ms.Estimate.Bytes)))
	}
	rate := "-"
	if ms.BytesPerSecond > 0 {
		rate = Bytes(int64(ms.BytesPerSecond)) + "/s"
	}
	fmt.Fprintf(w, "Copied: %s; rate %s; ETA %s\n", done, rate, ETAText(ms))
}

// Print writes the status table and the latest operator actions.
func (v *View) Print(w io.Writer) {
	v.Summary(w)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARD\tPREFIX\tSTATE\tOBJECTS\tBYTES\tLAST ERROR")
	for _, s := range v.Shards {
		last := s.LastError
		if e, ok := v.ShardErrors[s.ShardID]; ok {
			last = "status unavailable: " + e
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", s.ShardID, s.Prefix, StateText(s), s.Counts.Objects, Bytes(s.Counts.Bytes), Clip(OneLine(last), 100))
	}
	tw.Flush()
	v.printActions(w)
}

// printActions lists the latest operator actions of the migration and its
// shards.
func (v *View) printActions(w io.Writer) {
	type row struct {
		at                    time.Time
		who, what, where, why string
	}
	var rows []row
	for _, t := range v.Migration.Actions {
		rows = append(rows, row{t.At, t.Actor, t.Action, "migration", t.Reason})
	}
	for _, s := range v.Shards {
		for _, t := range s.Transitions {
			if t.Actor == workflows.SystemActor || t.Actor == "" {
				continue
			}
			what := t.Action
			if what == "" {
				what = fmt.Sprintf("%s→%s", t.From, t.To)
			}
			rows = append(rows, row{t.At, t.Actor, what, s.ShardID, t.Reason})
		}
	}
	if len(rows) == 0 {
		return
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].at.After(rows[j].at) })
	if len(rows) > 10 {
		rows = rows[:10]
	}
	fmt.Fprintln(w, "\nLatest operator actions:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tWHO\tACTION\tON\tREASON")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.at.Local().Format(time.DateTime), r.who, r.what, r.where, Clip(OneLine(r.why), 80))
	}
	tw.Flush()
}

// CutOver counts the shards whose traffic has moved (CutOver, Soaking,
// Purging, Complete).
func (v *View) CutOver() int {
	n := 0
	for _, s := range v.Shards {
		switch s.State {
		case workflows.CutOver, workflows.Soaking, workflows.Purging, workflows.Complete:
			n++
		}
	}
	return n
}

// Lines writes the plain progress of a non-terminal output: a line per
// shard whose state changed since seen (which it updates), then one line
// for the whole migration.
func (v *View) Lines(w io.Writer, seen map[string]workflows.ShardState) {
	for _, s := range v.Shards {
		if prev, ok := seen[s.ShardID]; !ok || prev != s.State {
			if ok {
				fmt.Fprintf(w, "  %s %s -> %s\n", s.Prefix, prev, s.State)
			}
			seen[s.ShardID] = s.State
		}
	}
	ms := v.Migration
	fmt.Fprintf(w, "progress: %d objects, %s copied; %d/%d shards cut over; ETA %s; shards: %s\n",
		ms.ObjectsDone, Bytes(ms.BytesDone), v.CutOver(), len(v.Shards), ETAText(ms), ByStateText(ms.ByState))
}

// clearScreen moves the cursor home and clears the screen.
const clearScreen = "\x1b[H\x1b[2J"

// Redraw writes the screen as a frame that replaces the previous one on a
// terminal.
func (v *View) Redraw(w io.Writer, footer string) error {
	var b strings.Builder
	b.WriteString(clearScreen)
	v.Screen(&b, footer)
	_, err := io.WriteString(w, b.String())
	return err
}

// shardShare is how far along its lifecycle a shard is, for the bars:
// Copying fills the first copyShare by bytes, later states the rest.
var shardShare = map[workflows.ShardState]float64{
	workflows.Pending: 0, workflows.Copying: 0, workflows.Verifying: 0.75, workflows.CatchingUp: 0.8,
	workflows.AwaitingApproval: 0.85, workflows.Frozen: 0.9, workflows.CutOver: 0.95, workflows.Soaking: 0.97,
	workflows.Purging: 0.99, workflows.Complete: 1, workflows.RollingBack: 0.5, workflows.RolledBack: 0, workflows.Cancelled: 0,
}

// copyShare is the part of a shard's bar that Copying fills.
const copyShare = 0.7

// shardProgress is a shard's place in its lifecycle, 0..1, with total
// its expected bytes (0: unknown).
func shardProgress(s workflows.ShardStatus, total float64) float64 {
	state := s.State
	if state == workflows.Failed && s.FailedFrom != "" {
		state = s.FailedFrom
	}
	if state == workflows.Copying {
		if total <= 0 {
			return copyShare / 2
		}
		return copyShare * min(0.99, float64(s.Counts.Bytes)/total)
	}
	return shardShare[state]
}

// Bar draws a progress bar of f (0..1).
func Bar(f float64) string {
	const width = 24
	f = max(0, min(1, f))
	n := int(f*width + 0.5)
	return "[" + strings.Repeat("█", n) + strings.Repeat("░", width-n) + "]"
}

// Screen writes the progress screen: the summary, an overall bar with the
// ETA, the cutover bar, and one bar per shard, then footer.
func (v *View) Screen(w io.Writer, footer string) {
	ms := v.Migration
	v.Summary(w)
	overall := 0.0
	if ms.Estimate.Bytes > 0 {
		overall = float64(ms.BytesDone) / float64(ms.Estimate.Bytes)
	}
	fmt.Fprintf(w, "Copy    %s %3.0f%%   ETA %s\n", Bar(overall), 100*min(1, overall), ETAText(ms))
	if n := len(v.Shards); n > 0 {
		fmt.Fprintf(w, "Cutover %s %d/%d shards cut over\n", Bar(float64(v.CutOver())/float64(n)), v.CutOver(), n)
	}
	fmt.Fprintln(w)
	avg := 0.0
	if ms.Shards > 0 {
		avg = float64(ms.Estimate.Bytes) / float64(ms.Shards)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARD\tPROGRESS\tSTATE\tOBJECTS\tBYTES\tLAST ERROR")
	for _, s := range v.Shards {
		total := avg
		if t, ok := v.Totals[s.ShardID]; ok {
			total = float64(t.Bytes)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", s.ShardID, Bar(shardProgress(s, total)), StateText(s),
			s.Counts.Objects, Bytes(s.Counts.Bytes), Clip(OneLine(s.LastError), 60))
	}
	tw.Flush()
	if footer != "" {
		fmt.Fprintf(w, "\n%s\n", footer)
	}
}

// Frames redraws the screen in place below what the terminal already
// shows: each frame moves the cursor up over the previous one and clears
// its lines, so the output printed before the first frame stays.
type Frames struct{ lines int }

// Draw writes v's screen as the next frame.
func (f *Frames) Draw(w io.Writer, v *View, footer string) error {
	var screen strings.Builder
	v.Screen(&screen, footer)
	lines := strings.Split(strings.TrimSuffix(screen.String(), "\n"), "\n")
	var b strings.Builder
	if f.lines > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", f.lines)
	}
	for _, l := range lines {
		b.WriteString("\x1b[2K")
		b.WriteString(l)
		b.WriteByte('\n')
	}
	for i := len(lines); i < f.lines; i++ { // a shorter frame clears what is left
		b.WriteString("\x1b[2K\n")
	}
	f.lines = max(len(lines), f.lines)
	_, err := io.WriteString(w, b.String())
	return err
}
