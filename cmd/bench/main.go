// Command bench measures the copy engine against `rclone copy --checksum`
// on the project's local S3 and OCI endpoints:
//
//	go run ./cmd/bench --set small|large|all [--peer rclone] [--rclone PATH] [--out FILE]
//
// It prints a markdown table of throughput, peak RSS and the targets; a
// missed target is reported as MISSED. See docs/BENCHMARKS.md.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ocimove/ocimove/internal/bench"
)

func main() {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	cancel()
	if err != nil {
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	var (
		setName, peer, rclonePath, out, workDir, cpuProfile string
		runs, spot                                          int
		keep, failOnMiss, product                           bool
		ov                                                  bench.Overrides
		partSizeMiB, poolMiB                                int64
	)
	cmd := &cobra.Command{
		Use:          "bench",
		Short:        "Benchmark the copy engine against rclone on the local endpoints",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sets, err := bench.ParseSets(setName)
			if err != nil {
				return err
			}
			ov.PartSize, ov.PoolBytes = partSizeMiB<<20, poolMiB<<20
			for i := range sets {
				sets[i] = ov.Apply(sets[i])
			}
			if peer == "rclone" && rclonePath == "" {
				if rclonePath, err = exec.LookPath("rclone"); err != nil {
					return fmt.Errorf("rclone not found on PATH: install it with `go install github.com/rclone/rclone@v1.76.0` or pass --rclone PATH")
				}
			}
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			res, err := bench.Execute(cmd.Context(), bench.Options{Product: product,
				Sets: sets, Peer: peer, Rclone: rclonePath, Runs: runs, WorkDir: workDir, Keep: keep,
				CPUProfile: cpuProfile, Spot: spot, Log: log,
			})
			if err != nil {
				return err
			}
			w := io.Writer(cmd.OutOrStdout())
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = io.MultiWriter(w, f)
			}
			res.Markdown(w)
			if failOnMiss {
				for _, t := range res.Targets() {
					if !t.Met {
						return fmt.Errorf("target missed: %s", t.Name)
					}
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&setName, "set", "all", "data set: small (10,000 × 16 KiB), large (4 × 512 MiB) or all")
	f.StringVar(&peer, "peer", "", `compare with a peer tool: "rclone"`)
	f.BoolVar(&product, "product", false, "also run the full product on each set: embedded Temporal (cmd/devserver), a cmd/worker process and an 8-shard plan started with cmd/starter")
	f.StringVar(&rclonePath, "rclone", "", "rclone binary (default: rclone on PATH)")
	f.StringVar(&out, "out", "", "also write the markdown report to this file")
	f.IntVar(&runs, "runs", 1, "copies per tool and set; the report shows the median")
	f.StringVar(&workDir, "workdir", "", "directory for the endpoints' storage (default: a temp dir)")
	f.BoolVar(&keep, "keep", false, "keep the work directory")
	f.StringVar(&cpuProfile, "cpuprofile", "", "directory for CPU profiles of the engine's copy child")
	f.IntVar(&spot, "spot", 3, "objects per destination re-read and compared by SHA-256")
	f.BoolVar(&failOnMiss, "fail-on-miss", false, "exit non-zero if a target is missed")
	f.IntVar(&ov.Count, "count", 0, "override the number of objects of the set(s)")
	f.IntVar(&ov.Concurrency, "concurrency", 0, "override the engine's Concurrency (and rclone --transfers/--checkers)")
	f.IntVar(&ov.PartConcurrency, "part-concurrency", 0, "override the engine's PartConcurrency (and rclone's upload concurrency)")
	f.Int64Var(&partSizeMiB, "part-size-mib", 0, "override the engine's PartSize in MiB (and rclone's chunk size/cutoff)")
	f.Int64Var(&poolMiB, "pool-mib", 0, "override the engine's PoolBytes in MiB")
	cmd.AddCommand(newCopyCmd(), newLifecycleCmd(), newMemFlatCmd())
	return cmd
}

// newCopyCmd is the hidden child that runs the engine's copy, so that its
// peak RSS is measured on its own.
func newCopyCmd() *cobra.Command {
	var spec, out string
	cmd := &cobra.Command{
		Use:    "copy",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return bench.RunCopyChild(cmd.Context(), spec, out)
		},
	}
	cmd.Flags().StringVar(&spec, "spec", "", "copy spec (JSON)")
	cmd.Flags().StringVar(&out, "out", "", "report file (JSON)")
	_ = cmd.MarkFlagRequired("spec")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}
