// Command localcloud runs the project's local cloud endpoints as standalone
// processes, so that workers, rclone and benchmarks can use them:
//
//	localcloud s3  --addr 127.0.0.1:9000 --dir DIR --region us-east-1 --access-key K --secret-key S --bucket NAME...
//	localcloud oci --addr 127.0.0.1:9100 --dir DIR --region us-ashburn-1 --namespace NS --bucket NAME... --write-credentials DIR
//
// Both serve HTTPS instead of HTTP with --tls-cert FILE --tls-key FILE, or
// with --tls-self-signed DIR, which writes (or reuses) a CA certificate
// DIR/ca.pem, for the clients to trust (a store's caFile), and a server
// certificate it issued for 127.0.0.1, ::1, localhost, the --addr host and
// each --tls-host.
//
// Each prints one line "READY <url>" on stdout once it listens, logs with
// slog on stderr, and shuts down on SIGTERM or SIGINT. Fault rules can be
// set over HTTP at /_faults (see internal/local/faults).
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	if err := newRootCmd(os.Stdout, os.Stderr).Execute(); err != nil {
		os.Exit(1)
	}
}

// newRootCmd builds the command tree; out receives the READY line.
func newRootCmd(out, errOut io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "localcloud",
		Short:         "Run local S3 and OCI Object Storage endpoints",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	root.AddCommand(newS3Cmd(), newOCICmd())
	return root
}

// runUntilSignal prints READY, then waits for SIGTERM/SIGINT (or ctx) and
// stops the server.
func runUntilSignal(ctx context.Context, cmd *cobra.Command, log *slog.Logger, url string, stop func()) error {
	ctx, cancel := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer cancel()
	if _, err := fmt.Fprintf(cmd.OutOrStdout(), "READY %s\n", url); err != nil {
		stop()
		return err
	}
	<-ctx.Done()
	log.Info("shutting down", "url", url)
	stop()
	return nil
}

func newLogger(cmd *cobra.Command) *slog.Logger {
	return slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
}
