package progress

import (
	"fmt"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/ocimove/ocimove/workflows"
)

// Bytes formats n in IEC units ("1.5 MiB").
func Bytes(n int64) string {
	if n < 0 {
		n = 0
	}
	return humanize.IBytes(uint64(n))
}

// Round rounds d for display: milliseconds under a second, seconds under
// an hour, minutes above.
func Round(d time.Duration) time.Duration {
	switch {
	case d <= 0:
		return 0
	case d < time.Second:
		return d.Round(time.Millisecond)
	case d < time.Hour:
		return d.Round(time.Second)
	}
	return d.Round(time.Minute)
}

// OneLine folds s onto one line.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Clip shortens s to n runes, marking the cut.
func Clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// StateText is a shard's state with what qualifies it: paused, waiting at
// the round limit, a pending request, a return of routing being retried.
func StateText(s workflows.ShardStatus) string {
	t := string(s.State)
	var notes []string
	if s.Paused {
		notes = append(notes, "paused")
	}
	if s.Cancelling {
		notes = append(notes, "cancelled: putting routing back")
	}
	if s.WaitingForOperator {
		notes = append(notes, fmt.Sprintf("waiting for an operator at the round limit, %.1f changes/min", s.ChangeRate))
	}
	if r := s.Request; r != nil {
		notes = append(notes, fmt.Sprintf("%s by %s pending", r.Action, r.Actor))
	}
	if r := s.Restore; r != nil {
		notes = append(notes, fmt.Sprintf("returning routing to %s: %d attempts since %s", r.To, r.Attempts, r.Since.UTC().Format("15:04:05Z")))
	}
	if len(notes) > 0 {
		t += " (" + strings.Join(notes, "; ") + ")"
	}
	return t
}

// ByStateText lists the non-zero counts by state in lifecycle order.
func ByStateText(by map[workflows.ShardState]int) string {
	var parts []string
	for _, s := range workflows.AllShardStates {
		if n := by[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, n))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// ETAText is the migration's remaining time for display.
func ETAText(ms workflows.MigrationStatus) string {
	switch {
	case ms.State == workflows.MigrationComplete:
		return "done"
	case ms.ETA > 0:
		return Round(ms.ETA).String()
	case ms.Estimate.Bytes > 0 && ms.BytesDone >= ms.Estimate.Bytes:
		return "copy done"
	}
	return "unknown"
}
