// Command promplot draws the dashboard's progress panels — bytes written
// per second, bytes done against the estimate, shards by state — as a PNG
// from a Prometheus server's data, for a report or where Grafana is not at
// hand:
//
//	go run ./cmd/promplot --prometheus http://127.0.0.1:9090 --migration us-users-to-oci --since 2h --out progress.png
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/ocimove/ocimove/internal/dashboards"
	"github.com/ocimove/ocimove/internal/promapi"
	"github.com/ocimove/ocimove/internal/promplot"
)

func main() {
	var (
		url       = flag.String("prometheus", "http://127.0.0.1:9090", "Prometheus server")
		migration = flag.String("migration", "", "migration id (default: every migration)")
		since     = flag.Duration("since", time.Hour, "time range up to now")
		step      = flag.Duration("step", 0, "resolution (default: the range over 300 points)")
		rate      = flag.Duration("rate-interval", time.Minute, "range of rate(): at least four scrape intervals")
		out       = flag.String("out", "progress.png", "PNG file to write")
	)
	flag.Parse()
	if err := run(*url, *migration, *since, *step, *rate, *out); err != nil {
		fmt.Fprintln(os.Stderr, "promplot:", err)
		os.Exit(1)
	}
}

func run(url, migration string, since, step, rate time.Duration, out string) error {
	end := time.Now()
	start := end.Add(-since)
	if step <= 0 {
		step = max(time.Second, since/300)
	}
	v := dashboards.Values{Migration: ".*", Shard: ".*", RateInterval: rate, Range: since}
	title := "ocimove: every migration"
	if migration != "" {
		v.Migration, title = regexp.QuoteMeta(migration), "ocimove: migration "+migration
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fig, err := promplot.Progress(ctx, promapi.Client{URL: url}, v, start, end, step, title)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := promplot.WritePNG(f, fig); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
