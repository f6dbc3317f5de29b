// Command worker runs the migration's workflows and activities on a
// Temporal task queue. It connects to Temporal as the starter and the
// Temporal CLI do (the same flags, TEMPORAL_* variables and profiles, and
// the payload codec key). It holds the cloud credentials (the plans carry
// only references to them), serves /metrics, /healthz, /readyz and, with a
// codec key, the codec server /codec, and shuts down gracefully on SIGTERM:
// polling stops, and in-flight activities are cancelled so that they
// heartbeat their checkpoint before the process exits.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(exitCode(err))
	}
}
