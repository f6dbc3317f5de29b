package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
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
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/metrics"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/workflows"
)

func run(ctx context.Context, o options) error {
	log := newLogger(o.logLevel)
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
	copts, err := clientOptions(o, log)
	if err != nil {
		return usageError{err}
	}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	c, err := client.DialContext(dctx, copts)
	cancel()
	if err != nil {
		return fmt.Errorf("cannot reach Temporal at %s (namespace %s): %w; check --address/TEMPORAL_ADDRESS and that the server is running", o.address, o.namespace, err)
	}
	defer c.Close()

	// Plans given with --plan are known at once; any other migration's plan
	// is loaded from its workflow (the plan query) when a task needs it.
	cache := activities.NewPlanCache(workflowPlanLoader{c})
	for _, p := range plans {
		cache.Add(p)
		log.Info("serving plan", "migration", p.ID, "fingerprint", p.Fingerprint())
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.NewMetrics(reg)
	eng, err := engine.New(engine.Config{
		PartSize: o.partSize, PoolBytes: o.poolBytes, Concurrency: o.concurrency, PartConcurrency: o.partConcurrency,
		Observer: m, Limiter: engine.NewLimiter(o.bytesPerSecond, o.requestsPerSec),
	})
	if err != nil {
		return usageError{err}
	}
	acts, err := activities.New(activities.Config{
		Stores: activities.PlanStores{}, Routing: &activities.PlanRouting{}, Engine: eng, Plans: cache,
	})
	if err != nil {
		return err
	}

	w := worker.New(c, o.taskQueue, worker.Options{
		MaxConcurrentActivityExecutionSize: o.maxActivities,
		WorkerStopTimeout:                  o.stopTimeout,
	})
	workflows.Register(w)
	w.RegisterActivity(acts)

	var ready atomic.Bool
	if o.httpAddr != "" {
		srv, err := serveHTTP(o.httpAddr, reg, &ready, log)
		if err != nil {
			return err
		}
		defer srv.Close()
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("start worker on task queue %s: %w", o.taskQueue, err)
	}
	ready.Store(true)
	log.Info("worker started", "address", o.address, "namespace", o.namespace, "taskQueue", o.taskQueue,
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

// clientOptions builds the Temporal connection: TLS when a CA, a client
// certificate or an API key is configured; the API key is read from the
// environment variable named by --api-key-env and never logged.
func clientOptions(o options, log *slog.Logger) (client.Options, error) {
	opts := client.Options{HostPort: o.address, Namespace: o.namespace, Logger: tlog.NewStructuredLogger(log)}
	apiKey := os.Getenv(o.apiKeyEnv)
	if o.tlsCert == "" && o.tlsCA == "" && apiKey == "" {
		return opts, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: o.tlsServerName}
	if o.tlsCA != "" {
		pem, err := os.ReadFile(o.tlsCA)
		if err != nil {
			return opts, fmt.Errorf("read --tls-ca-path: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return opts, fmt.Errorf("--tls-ca-path %s holds no PEM certificate", o.tlsCA)
		}
		tc.RootCAs = pool
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return opts, errors.New("set both --tls-cert-path and --tls-key-path, or neither")
	}
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return opts, fmt.Errorf("load client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	opts.ConnectionOptions.TLS = tc
	if apiKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(apiKey)
	}
	return opts, nil
}

// serveHTTP serves /metrics from reg, /healthz (the process is up) and
// /readyz (the worker is polling).
func serveHTTP(addr string, reg *prometheus.Registry, ready *atomic.Bool, log *slog.Logger) (*http.Server, error) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
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
