package main

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ocimove/ocimove/internal/temporalconn"
)

// options are the worker's flags. Each can also be set by the environment
// variable named in its help; the Temporal connection's are the Temporal
// CLI's, the same as the starter's (see temporalconn).
type options struct {
	conn      temporalconn.Flags
	taskQueue string
	plans     []string
	httpAddr  string
	// codecOrigins may call the /codec endpoint from a browser (CORS);
	// codecTokenFile holds the bearer token it requires.
	codecOrigins   []string
	codecTokenFile string

	poolBytes       int64
	partSize        int64
	concurrency     int
	partConcurrency int
	maxActivities   int
	bytesPerSecond  float64
	requestsPerSec  float64
	stopTimeout     time.Duration
	logLevel        string
	// cpuProfile, if set, is where the worker writes a CPU profile of its
	// whole run (written when it stops).
	cpuProfile string
}

// usageError marks a bad flag or input: exit code 2.
type usageError struct{ error }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envList(name string) []string {
	var out []string
	for _, v := range strings.Split(os.Getenv(name), ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func envInt(name string, def int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return v
	}
	return def
}

func newCommand() *cobra.Command {
	var o options
	cmd := &cobra.Command{
		Use:           "worker",
		Short:         "Run the migration workflows and activities on a Temporal task queue",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	o.conn.ConnectTimeout = 15 * time.Second
	o.conn.Register(f)
	f.StringVar(&o.taskQueue, "task-queue", env("OCIMOVE_TASK_QUEUE", "ocimove"), "task queue (OCIMOVE_TASK_QUEUE)")
	f.StringArrayVar(&o.plans, "plan", nil, "plan file (YAML or JSON) this worker serves; repeat for several")
	f.StringVar(&o.httpAddr, "http-addr", env("OCIMOVE_HTTP_ADDR", "127.0.0.1:9464"), "address for /metrics, /healthz, /readyz and, with a codec key, the /codec endpoint (OCIMOVE_HTTP_ADDR); empty disables")
	f.StringSliceVar(&o.codecOrigins, "codec-cors-origin", envList("OCIMOVE_CODEC_CORS_ORIGINS"), "browser origin allowed to call /codec, such as the Web UI's http://127.0.0.1:8233; repeat or comma-separate (OCIMOVE_CODEC_CORS_ORIGINS)")
	f.StringVar(&o.codecTokenFile, "codec-token-file", env("OCIMOVE_CODEC_TOKEN_FILE", ""), "file holding the bearer token /codec requires (OCIMOVE_CODEC_TOKEN_FILE; or the token itself in OCIMOVE_CODEC_TOKEN); none: no token asked")
	f.Int64Var(&o.poolBytes, "pool-bytes", envInt("OCIMOVE_POOL_BYTES", 512<<20), "bytes of part buffers shared by all transfers (OCIMOVE_POOL_BYTES)")
	f.Int64Var(&o.partSize, "part-size", envInt("OCIMOVE_PART_SIZE", 16<<20), "multipart part size in bytes (OCIMOVE_PART_SIZE)")
	f.IntVar(&o.concurrency, "concurrency", int(envInt("OCIMOVE_CONCURRENCY", 16)), "objects in flight per batch (OCIMOVE_CONCURRENCY)")
	f.IntVar(&o.partConcurrency, "part-concurrency", int(envInt("OCIMOVE_PART_CONCURRENCY", 4)), "parts in flight per object (OCIMOVE_PART_CONCURRENCY)")
	f.IntVar(&o.maxActivities, "max-activities", int(envInt("OCIMOVE_MAX_ACTIVITIES", 8)), "activities run at once (OCIMOVE_MAX_ACTIVITIES)")
	f.Float64Var(&o.bytesPerSecond, "bytes-per-second", 0, "byte limit for this worker's copies, 0 = none")
	f.Float64Var(&o.requestsPerSec, "requests-per-second", 0, "request limit for this worker's copies, 0 = none")
	f.DurationVar(&o.stopTimeout, "stop-timeout", 30*time.Second, "how long SIGTERM waits for in-flight activities to checkpoint")
	f.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the worker's run to this file (written on SIGTERM/SIGINT)")
	f.StringVar(&o.logLevel, "log-level", env("OCIMOVE_LOG_LEVEL", "info"), "debug, info, warn or error (OCIMOVE_LOG_LEVEL)")
	return cmd
}
