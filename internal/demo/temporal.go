package demo

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/local/devserver"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/wire"
)

// startTemporal starts the embedded Temporal server persisted in dir's
// temporal.db, on the port of the previous run when it is free, and a
// client whose logs go to log; with a codec key in the environment
// (OCIMOVE_CODEC_KEY, OCIMOVE_CODEC_KEY_FILE) the client seals every
// payload and the Web UI decodes them through the demo's codec server.
func startTemporal(ctx context.Context, dir string, st *State, log *slog.Logger) (*devserver.Server, client.Client, error) {
	port := 0
	if st.TemporalAddr != "" {
		if ln, err := net.Listen("tcp", st.TemporalAddr); err == nil {
			_ = ln.Close()
			_, p, _ := net.SplitHostPort(st.TemporalAddr)
			port, _ = strconv.Atoi(p)
		}
	}
	ui := uiPort()
	cdc, codecEndpoint, err := startCodec(ctx, ui, log)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: payload codec: %w", err)
	}
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	srv, err := devserver.Start(sctx, devserver.Config{DBPath: filepath.Join(dir, temporalDB), LogFile: filepath.Join(dir, temporalLog),
		Port: port, UIPort: ui, UICodecEndpoint: codecEndpoint})
	if err != nil {
		return nil, nil, fmt.Errorf("demo: start the embedded Temporal server: %w", err)
	}
	st.TemporalAddr = srv.Address()
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	opts := client.Options{HostPort: srv.Address(), Namespace: srv.Namespace(), Logger: tlog.NewStructuredLogger(log)}
	if cdc != nil {
		// The worker in this process and the demo's reads share this client.
		opts.DataConverter, opts.FailureConverter = cdc.DataConverter(), cdc.FailureConverter()
	}
	c, err := client.DialContext(dctx, opts)
	if err != nil {
		_ = srv.Stop()
		return nil, nil, fmt.Errorf("demo: connect to the embedded Temporal server at %s: %w", srv.Address(), err)
	}
	return srv, c, nil
}

// setWorkerEnv gives the in-process worker the local S3 endpoint's keys the
// way a production worker gets them: through the process environment
// (the AWS SDK's default chain). The plan holds no credential.
func setWorkerEnv(c s3Creds) error {
	for _, name := range []string{"AWS_PROFILE", "AWS_SESSION_TOKEN"} {
		if err := os.Unsetenv(name); err != nil {
			return fmt.Errorf("demo: unset %s: %w", name, err)
		}
	}
	for name, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": c.AccessKeyID, "AWS_SECRET_ACCESS_KEY": c.SecretAccessKey,
		"AWS_REGION": S3Region, "AWS_EC2_METADATA_DISABLED": "true",
	} {
		if err := os.Setenv(name, v); err != nil {
			return fmt.Errorf("demo: set %s: %w", name, err)
		}
	}
	return nil
}

// startWorker runs a worker in this process on the demo's task queue,
// registering the workflows and the activities with the worker's real
// store and routing resolvers, for plan p.
func startWorker(c client.Client, p *plan.Plan, partSize int64) (worker.Worker, error) {
	w, err := wire.NewWorker(wire.Config{Client: c, TaskQueue: TaskQueue, Plans: []*plan.Plan{p},
		Engine: engine.Config{PartSize: partSize, PoolBytes: 128 << 20, Concurrency: 8},
		Worker: worker.Options{MaxConcurrentActivityExecutionSize: 8, WorkerStopTimeout: 3 * time.Second}})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("demo: start the worker on task queue %s: %w", TaskQueue, err)
	}
	return w, nil
}

// defaultUIPort is the Temporal CLI dev server's Web UI port.
const defaultUIPort = 8233

// uiPort returns the port for the Web UI: 8233 when it is free, as with the
// Temporal CLI's dev server, else any free port.
func uiPort() int {
	for _, addr := range []string{net.JoinHostPort("127.0.0.1", strconv.Itoa(defaultUIPort)), "127.0.0.1:0"} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		port := ln.Addr().(*net.TCPAddr).Port
		_ = ln.Close()
		return port
	}
	return 0
}
