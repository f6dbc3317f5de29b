package cli

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
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
		var werr error
		if err != nil {
			_, werr = fmt.Fprintf(a.out, "\x1b[H\x1b[2Jstarter: %v (retrying every %s)\n", err, interval)
		} else {
			werr = v.Redraw(a.out, fmt.Sprintf("%s · every %s · Ctrl-C stops watching (the migration goes on)", v.At.Local().Format(time.TimeOnly), interval))
		}
		if werr != nil {
			return werr
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
