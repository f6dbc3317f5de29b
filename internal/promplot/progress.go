package promplot

import (
	"context"
	"fmt"
	"image/color"
	"time"

	"github.com/ocimove/ocimove/internal/dashboards"
	"github.com/ocimove/ocimove/internal/promapi"
)

// progressCharts are the dashboard panels the progress figure draws, by
// title, and how.
var progressCharts = []Chart{
	{Title: "Bytes/s", Unit: "MiB/s", Scale: 1 << 20},
	{Title: "Done and estimated bytes", Unit: "MiB", Scale: 1 << 20},
	{Title: "Shards by state", Unit: "shards", Stacked: true},
}

// Progress runs the dashboard's progress panels (bytes/s, bytes done and
// estimated, shards by state) over start…end every step, for the
// migrations and shards v selects, and returns them as a figure titled
// title.
func Progress(ctx context.Context, c promapi.Client, v dashboards.Values, start, end time.Time, step time.Duration, title string) (Figure, error) {
	data, err := dashboards.MigrationsJSON()
	if err != nil {
		return Figure{}, err
	}
	targets, err := dashboards.Targets(data)
	if err != nil {
		return Figure{}, err
	}
	f := Figure{Title: title}
	for _, ch := range progressCharts {
		queries := dashboards.Panel(targets, ch.Title)
		if len(queries) == 0 {
			return Figure{}, fmt.Errorf("promplot: the dashboard has no panel %q", ch.Title)
		}
		for _, q := range queries {
			res, err := c.QueryRange(ctx, dashboards.Expand(q.Expr, v), start, end, step)
			if err != nil {
				return Figure{}, fmt.Errorf("promplot: panel %q: %w", ch.Title, err)
			}
			for _, s := range res {
				name := dashboards.Legend(q.Legend, s.Labels)
				ch.Series = append(ch.Series, Series{Name: name, Points: s.Points, Color: stateColors[name]})
			}
		}
		f.Charts = append(f.Charts, ch)
	}
	return f, nil
}

// stateColors are the shard states' colors, the same in every figure:
// waiting and working states cool, read-only ones orange, done green,
// failed red.
var stateColors = map[string]color.Color{
	"Pending":          color.RGBA{170, 170, 170, 255},
	"Copying":          color.RGBA{90, 155, 212, 255},
	"Verifying":        color.RGBA{110, 200, 215, 255},
	"CatchingUp":       color.RGBA{60, 160, 150, 255},
	"AwaitingApproval": color.RGBA{235, 200, 70, 255},
	"Frozen":           color.RGBA{250, 150, 60, 255},
	"CutOver":          color.RGBA{215, 105, 40, 255},
	"Soaking":          color.RGBA{122, 195, 106, 255},
	"Purging":          color.RGBA{160, 170, 70, 255},
	"Complete":         color.RGBA{40, 130, 70, 255},
	"Failed":           color.RGBA{225, 60, 60, 255},
	"RollingBack":      color.RGBA{158, 103, 171, 255},
	"RolledBack":       color.RGBA{115, 75, 160, 255},
	"Cancelled":        color.RGBA{90, 90, 90, 255},
}
