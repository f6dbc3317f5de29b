package cli

import (
	"github.com/spf13/cobra"

	"github.com/ocimove/ocimove/workflows"
)

// tuneCommand changes a running migration's rates, batch size or window
// (or one shard's rates and batch size) through the workflows' Updates.
func (a *app) tuneCommand() *cobra.Command {
	var (
		reason, shard           string
		bytesPS, requests       float64
		batch, window, inFlight int
	)
	cmd := &cobra.Command{
		Use:   "tune MIGRATION_ID",
		Short: "Change rate limits, concurrency, batch size or window while a migration runs",
		Long: `tune changes settings live, from the next batch or round on:
  --bytes-per-second and --requests-per-second (set together; 0 = unlimited;
  they apply per worker, under each worker's own ceiling), --concurrency
  (objects in flight per batch, bounded by each worker's --concurrency),
  --batch-size, and --window (shards in flight, migration only). With
  --shard it changes one shard, whose limits are then its own (a limiter of
  its own on every worker) until the next migration-wide change. Each change
  is an Update recorded with who and why; one that does not apply is
  refused with its reason and changes nothing.`,
		Args: exactArgs("MIGRATION_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if reason == "" {
				return usageError(errNoReason)
			}
			f := cmd.Flags()
			rates := f.Changed("bytes-per-second") || f.Changed("requests-per-second")
			if !rates && !f.Changed("concurrency") && !f.Changed("batch-size") && !f.Changed("window") {
				return usageErrorf("tune: say what to change: --bytes-per-second/--requests-per-second, --concurrency, --batch-size or --window")
			}
			if f.Changed("window") && shard != "" {
				return usageErrorf("tune: --window applies to the whole migration, not to --shard %s", shard)
			}
			actor, err := a.actor()
			if err != nil {
				return err
			}
			req := a.request(actor, reason)
			ctx := cmd.Context()
			if rates {
				arg := workflows.RateLimitsRequest{OperatorRequest: req, BytesPerSecond: bytesPS, RequestsPerSecond: requests}
				if err := a.operate(ctx, workflows.UpdateSetRateLimits, args[0], shard, req, arg); err != nil {
					return err
				}
			}
			if f.Changed("concurrency") {
				arg := workflows.ConcurrencyRequest{OperatorRequest: req, Concurrency: inFlight}
				if err := a.operate(ctx, workflows.UpdateSetConcurrency, args[0], shard, req, arg); err != nil {
					return err
				}
			}
			if f.Changed("batch-size") {
				arg := workflows.BatchSizeRequest{OperatorRequest: req, BatchSize: batch}
				if err := a.operate(ctx, workflows.UpdateSetBatchSize, args[0], shard, req, arg); err != nil {
					return err
				}
			}
			if f.Changed("window") {
				arg := workflows.WindowRequest{OperatorRequest: req, Window: window}
				if err := a.operate(ctx, workflows.UpdateSetWindow, args[0], "", req, arg); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&shard, "shard", "", "change this shard (id or prefix) instead of the whole migration")
	cmd.Flags().Float64Var(&bytesPS, "bytes-per-second", 0, "copy bytes per second per worker (0 = unlimited)")
	cmd.Flags().Float64Var(&requests, "requests-per-second", 0, "store requests per second per worker (0 = unlimited)")
	cmd.Flags().IntVar(&inFlight, "concurrency", 0, "objects in flight per batch (bounded by each worker's --concurrency)")
	cmd.Flags().IntVar(&batch, "batch-size", 0, "objects per batch")
	cmd.Flags().IntVar(&window, "window", 0, "shards in flight (1..1000)")
	a.actionFlags(cmd, &reason)
	return cmd
}
