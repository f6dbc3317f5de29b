package demo

import (
	"context"
	"io"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/ocimove/ocimove/internal/progress"
	"github.com/ocimove/ocimove/workflows"
)

// display shows the migration's progress with the starter's renderer:
// redrawn in place on a terminal, or as plain lines (one per state change,
// one per refresh) otherwise.
type display struct {
	out    io.Writer
	redraw bool
	frames progress.Frames
	seen   map[string]workflows.ShardState
}

func newDisplay(out io.Writer, redraw bool) *display {
	return &display{out: out, redraw: redraw, seen: map[string]workflows.ShardState{}}
}

// draw shows the shards' latest statuses with the migration's status,
// against the sizes the demo seeded.
func (d *display) draw(ctx context.Context, c client.Client, migrationID string, views []ShardView) {
	v := &progress.View{At: time.Now(), Totals: map[string]progress.Size{}}
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	if val, err := c.QueryWorkflow(qctx, workflows.MigrationWorkflowID(migrationID), "", workflows.MigrationStatusQuery); err == nil {
		_ = val.Get(&v.Migration)
	}
	cancel()
	for _, sv := range views {
		v.Shards = append(v.Shards, sv.status)
		v.Totals[sv.ID] = progress.Size{Objects: sv.Total.Objects, Bytes: sv.Total.Bytes}
	}
	if !d.redraw {
		v.Lines(d.out, d.seen)
		return
	}
	_ = d.frames.Draw(d.out, v, "")
}
