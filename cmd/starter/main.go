// Command starter is the operator's command for ocimove migrations: plan
// (a dry run on the workers), start, status (with --watch), pause, resume,
// retry-shard, approve, rollback, adopt, tune, cancel, report and
// verify-evidence, each with -o json where it prints state or results, and
// completion (shell scripts that complete migration and shard ids from
// Temporal). It talks to Temporal, configured like the Temporal CLI
// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key, profiles), and needs
// no cloud credentials, except `report`, which reads the manifests with
// read-only access to the manifest bucket. See `starter --help` and
// docs/CLI.md.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/ocimove/ocimove/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the starter with args and returns its exit code; Ctrl-C or
// SIGTERM cancels the command in flight (a --watch ends cleanly).
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cli.Run(ctx, args, stdout, stderr)
}
