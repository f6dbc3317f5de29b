// Command demo runs a complete demo migration on one machine with nothing
// installed beyond Go: an embedded Temporal server persisted to SQLite, the
// local S3 and OCI Object Storage endpoints seeded with sample user data, an
// in-process worker and a migration of every shard up to its cutover, with
// live progress. Stop it with Ctrl-C and run it again: it resumes.
//
//	go run ./cmd/demo [--dir .ocimove-demo] [--shards 8] [--objects 3000] [--fresh]
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ocimove/ocimove/internal/demo"
)

// Exit codes.
const (
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

type usageError struct{ error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C ends the process at once
	}()
	err := newCommand().ExecuteContext(ctx)
	stop()
	if err == nil {
		return
	}
	var ue usageError
	switch {
	case errors.Is(err, demo.ErrInterrupted):
		fmt.Fprintln(os.Stderr, "demo: stopped; run the same command again to resume")
		os.Exit(exitInterrupted)
	case errors.As(err, &ue), errors.Is(err, demo.ErrConfig):
		fmt.Fprintln(os.Stderr, err)
		os.Exit(exitUsage)
	default:
		fmt.Fprintln(os.Stderr, err)
		os.Exit(exitFailed)
	}
}

func newCommand() *cobra.Command {
	var cfg demo.Config
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a complete demo migration on embedded defaults",
		Long: `Run a complete demo migration on this machine: an embedded Temporal server
persisted to a file, local S3 and OCI Object Storage endpoints, sample user
data in 8 shards, a worker, and a migration of every shard to its cutover,
with live progress. Everything is kept under --dir: stop with Ctrl-C and run
the same command again to resume; --fresh starts over.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Out = cmd.OutOrStdout()
			cfg.Redraw = isTerminal(os.Stdout)
			if cfg.Shards < 1 || cfg.Objects < 1 {
				// Zero would mean "default" to demo.Config.
				return usageError{fmt.Errorf("demo: --shards and --objects must be at least 1 (got %d and %d)", cfg.Shards, cfg.Objects)}
			}
			_, err := demo.Run(cmd.Context(), cfg)
			return err
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{fmt.Errorf("demo: %w", err)} })
	f := cmd.Flags()
	f.StringVar(&cfg.Dir, "dir", demo.DefaultDir, "state directory: Temporal's database, the endpoints' data, credentials, plan, manifests")
	f.IntVar(&cfg.Shards, "shards", demo.DefaultShards, "number of shards users/00/ … (new state only)")
	f.IntVar(&cfg.Objects, "objects", demo.DefaultObjects, "number of small sample objects over all shards (new state only)")
	f.BoolVar(&cfg.Fresh, "fresh", false, "delete the state directory first and start over")
	return cmd
}

// isTerminal reports whether f is a terminal, where progress is redrawn in
// place.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
