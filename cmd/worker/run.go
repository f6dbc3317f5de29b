package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/metrics"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/temporalconn"
	"github.com/ocimove/ocimove/internal/wire"
)

func run(ctx context.Context, o options) error {
	log := newLogger(o.logLevel)
	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			return usageError{err}
		}
		defer stop()
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(engine.SuggestedMemoryLimit(o.poolBytes))
	}
	var plans []*plan.Plan
	for _, path := range o.plans {
		p, err := plan.LoadFile(path)
		if err != nil {
			return usageError{err}
		}
		plans = append(plans, p)
	}
	conn, err := o.conn.Resolve()
	if err != nil {
		return usageError{err}
	}
	codecHandler, err := codecEndpoint(conn, o)
	if err != nil {
		return usageError{err}
	}
	conn.Options.Logger = tlog.NewStructuredLogger(log)
	// One registry for the worker's metrics and the Temporal SDK's.
	reg := wire.NewRegistry()
	if conn.Options.MetricsHandler, err = metrics.TemporalHandler(reg); err != nil {
		return err
	}
	c, err := conn.Dial(ctx)
	if err != nil {
		if k := temporalconn.KindOf(err); k == temporalconn.Config || k == temporalconn.UnknownNamespace {
			return usageError{err}
		}
		return err
	}
	defer c.Close()

	// Plans given with --plan are known at once; any other migration's plan
	// is loaded from its workflow (the plan query) when a task needs it.
	for _, p := range plans {
		log.Info("serving plan", "migration", p.ID, "fingerprint", p.Fingerprint())
	}
	w, err := wire.NewWorker(wire.Config{
		Client: c, TaskQueue: o.taskQueue, Plans: plans, Registry: reg,
		Engine:         engine.Config{PartSize: o.partSize, PoolBytes: o.poolBytes, Concurrency: o.concurrency, PartConcurrency: o.partConcurrency},
		BytesPerSecond: o.bytesPerSecond, RequestsPerSecond: o.requestsPerSec,
		Worker: worker.Options{MaxConcurrentActivityExecutionSize: o.maxActivities, WorkerStopTimeout: o.stopTimeout},
	})
	if err != nil {
		return usageError{err}
	}

	var ready atomic.Bool
	if o.httpAddr != "" {
		srv, err := serveHTTP(o.httpAddr, reg, &ready, codecHandler, log)
		if err != nil {
			return err
		}
		defer srv.Close()
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker on task queue %s: %w", o.taskQueue, err)
	}
	ready.Store(true)
	log.Info("worker started", "temporal", conn.String(), "taskQueue", o.taskQueue,
		"poolBytes", o.poolBytes, "plans", len(o.plans))
	fmt.Println("READY")

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case s := <-sig:
		log.Info("stopping: in-flight activities checkpoint and stop", "signal", s.String())
	case <-ctx.Done():
	}
	ready.Store(false)
	w.Stop()
	log.Info("worker stopped")
	return nil
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	h := slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l})
	log := slog.New(h)
	slog.SetDefault(log)
	return log
}

// serveHTTP serves /metrics from reg, /healthz (the process is up),
// /readyz (the worker is polling) and, when codec is not nil, the codec
// server at /codec/encode and /codec/decode.
func serveHTTP(addr string, reg *prometheus.Registry, ready *atomic.Bool, codec http.Handler, log *slog.Logger) (*http.Server, error) {
	mux := http.NewServeMux()
	if codec != nil {
		mux.Handle("/codec/", codec)
	}
	mux.Handle("/metrics", promhttp.HandlerFor(metrics.WithHelp(reg), promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			http.Error(w, "not polling", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on --http-addr %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", "err", err)
		}
	}()
	log.Info("serving /metrics, /healthz, /readyz", "addr", ln.Addr().String())
	return srv, nil
}
