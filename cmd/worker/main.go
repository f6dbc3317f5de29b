// Command worker runs the migration's workflows and activities on a
// Temporal task queue. It holds the cloud credentials (the plans carry only
// references to them), serves /metrics, /healthz and /readyz, and shuts down
// gracefully on SIGTERM: polling stops, and in-flight activities are
// cancelled so that they heartbeat their checkpoint before the process
// exits.
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
