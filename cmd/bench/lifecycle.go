package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/ocimove/ocimove/internal/bench"
)

// newLifecycleCmd runs a plan through every state to Complete on the
// embedded Temporal server with worker processes: the scale run.
func newLifecycleCmd() *cobra.Command {
	var (
		o   bench.LifeOptions
		out string
	)
	cmd := &cobra.Command{
		Use:   "lifecycle",
		Short: "Run a plan of --shards × --objects to Complete with --workers worker processes; print time per object, worker RSS over the run, the largest histories and the batch distribution",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Log = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			res, err := bench.RunLifecycle(cmd.Context(), o)
			if err != nil {
				return err
			}
			return emit(cmd.OutOrStdout(), out, res.Markdown)
		},
	}
	lifeFlags(cmd, &o)
	cmd.Flags().StringVar(&out, "out", "", "also write the markdown report to this file")
	return cmd
}

// newMemFlatCmd runs one shard of --small objects and one of --large
// objects through copy, delta rounds, final verification and purge, and
// prints the worker's peak RSS of each.
func newMemFlatCmd() *cobra.Command {
	var (
		o            bench.LifeOptions
		small, large int
		out          string
	)
	cmd := &cobra.Command{
		Use:   "memflat",
		Short: "Show the worker's peak RSS is flat in a shard's size: one shard of --small objects, then one of --large, each to Complete with the purge",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if small < 1 || large < small {
				return fmt.Errorf("--small %d and --large %d: want 1 ≤ small ≤ large", small, large)
			}
			o.Log = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			o.Shards, o.Workers, o.Purge = 1, 1, true
			var results []*bench.LifeResult
			for _, n := range []int{small, large} {
				o.Objects = n
				res, err := bench.RunLifecycle(cmd.Context(), o)
				if err != nil {
					return fmt.Errorf("shard of %d objects: %w", n, err)
				}
				results = append(results, res)
			}
			return emit(cmd.OutOrStdout(), out, func(w io.Writer) { bench.MemFlatMarkdown(w, results) })
		},
	}
	lifeFlags(cmd, &o)
	f := cmd.Flags()
	f.IntVar(&small, "small", 10_000, "objects in the small shard")
	f.IntVar(&large, "large", 1_000_000, "objects in the large shard")
	f.StringVar(&out, "out", "", "also write the markdown report to this file")
	_ = f.MarkHidden("shards")
	_ = f.MarkHidden("objects")
	_ = f.MarkHidden("workers")
	return cmd
}

func lifeFlags(cmd *cobra.Command, o *bench.LifeOptions) {
	f := cmd.Flags()
	f.IntVar(&o.Shards, "shards", 100, "shards in the plan")
	f.IntVar(&o.Objects, "objects", 100, "objects per shard")
	f.Int64Var(&o.Size, "size", 256, "bytes per object")
	f.IntVar(&o.Workers, "workers", 1, "worker processes on the task queue")
	f.BoolVar(&o.Purge, "purge", false, "purge the source after the soak")
	f.IntVar(&o.Concurrency, "concurrency", 8, "objects in flight per batch")
	f.Int64Var(&o.PoolBytes, "pool-bytes", 64<<20, "each worker's part-buffer pool")
	f.IntVar(&o.MaxActivities, "max-activities", 8, "activities per worker at once")
	f.IntVar(&o.BatchSize, "batch", 1000, "objects per batch")
	f.IntVar(&o.Window, "window", 0, "shards copying at once (default min(shards, 8))")
	f.StringVar(&o.Address, "address", "", "a fresh Temporal server to use instead of starting cmd/devserver (e.g. temporal server start-dev --db-filename F)")
	f.StringVar(&o.WorkDir, "workdir", "", "directory for the endpoints' and the server's storage (default: a temp dir)")
	f.BoolVar(&o.Keep, "keep", false, "keep the work directory")
}

// emit writes the report to w and, if path is set, to that file.
func emit(w io.Writer, path string, write func(io.Writer)) error {
	if path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		w = io.MultiWriter(w, f)
	}
	write(w)
	return nil
}
