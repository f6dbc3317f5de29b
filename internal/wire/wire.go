// Package wire assembles a worker: the one place where the metrics
// registry, the copy engine, the store and routing resolvers and the
// activities are built, and the workflows and activities registered on a
// Temporal worker. cmd/worker, the demo and every test that runs a worker
// use it, so that a change to the wiring is one edit.
package wire

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/metrics"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/workflows"
)

// Config says how to assemble a worker. Only Client and TaskQueue are
// required; every other zero field takes the production default.
type Config struct {
	// Client is the Temporal client the worker polls with.
	Client client.Client
	// TaskQueue is the task queue it polls.
	TaskQueue string
	// Registry receives the worker's metrics. Nil: a new registry with the
	// Go runtime and process collectors.
	Registry *prometheus.Registry
	// Engine tunes the copy engine (pool, part size, concurrency). Its
	// Observer and Limiter are set here: the metrics, and a limiter at the
	// worker's ceilings.
	Engine engine.Config
	// BytesPerSecond and RequestsPerSecond are the worker's ceilings over
	// every migration it runs (0: none).
	BytesPerSecond, RequestsPerSecond float64
	// Worker are the Temporal worker's options (activity slots, stop
	// timeout).
	Worker worker.Options
	// Plans are known to the worker from the start (plan files given to
	// cmd/worker); any other migration's plan is loaded by PlanLoader.
	Plans []*plan.Plan
	// PlanLoader loads the plan of a migration the worker does not know.
	// Nil: from the migration's workflow, by its plan query.
	PlanLoader activities.PlanLoader
	// Stores opens a plan's stores. Nil: through the real SDKs with the
	// worker's credentials (activities.PlanStores), reporting their
	// retries and throttling to the worker's metrics.
	Stores activities.StoreResolver
	// Routing opens a plan's routing target. Nil: activities.PlanRouting.
	Routing activities.RoutingResolver
	// Activities tunes the activities (heartbeat interval, chunk size);
	// its resolvers, engine and plans are set here.
	Activities activities.Config
	// LifecycleEvery is how often the worker asks Temporal for the
	// lifecycle metrics (shards by state, progress, freeze health); 0 is
	// every 15s, a negative value exports none.
	LifecycleEvery time.Duration
}

// NewRegistry returns a metrics registry with the Go runtime and process
// collectors, for NewWorker and for the Temporal client's metrics handler
// (metrics.TemporalHandler) to share.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Worker is an assembled worker: a Temporal worker with the workflows and
// the activities registered (not started), and what it is made of.
type Worker struct {
	worker.Worker
	Registry   *prometheus.Registry
	Metrics    *metrics.Metrics
	Engine     *engine.Engine
	Activities *activities.Activities
	Plans      *activities.PlanCache
}

// NewWorker assembles a worker as cfg says, or returns an error naming
// the setting that is wrong.
func NewWorker(cfg Config) (*Worker, error) {
	switch {
	case cfg.Client == nil:
		return nil, errors.New("wire: no Temporal client given")
	case cfg.TaskQueue == "":
		return nil, errors.New("wire: no task queue given")
	}
	reg := cfg.Registry
	if reg == nil {
		reg = NewRegistry()
	}
	m := metrics.NewMetrics(reg)

	ecfg := cfg.Engine
	ecfg.Observer = m
	ecfg.Limiter = engine.NewLimiter(cfg.BytesPerSecond, cfg.RequestsPerSecond)
	eng, err := engine.New(ecfg)
	if err != nil {
		return nil, err
	}

	loader := cfg.PlanLoader
	if loader == nil {
		loader = WorkflowPlanLoader{Client: cfg.Client}
	}
	plans := activities.NewPlanCache(loader)
	for _, p := range cfg.Plans {
		plans.Add(p)
	}
	acfg := cfg.Activities
	acfg.Engine, acfg.Plans = eng, plans
	if acfg.MigrationClosed == nil {
		acfg.MigrationClosed = WorkflowPlanLoader{Client: cfg.Client}.MigrationClosed
	}
	acfg.Stores, acfg.Routing = cfg.Stores, cfg.Routing
	if acfg.Stores == nil {
		// The stores report their retries and throttling to the metrics.
		acfg.Stores = activities.PlanStores{Observer: m}
	}
	if acfg.Routing == nil {
		acfg.Routing = &activities.PlanRouting{}
	}
	acts, err := activities.New(acfg)
	if err != nil {
		return nil, fmt.Errorf("wire: %w", err)
	}

	reg.MustRegister(metrics.NewLimitsCollector(func() []metrics.Limit {
		var out []metrics.Limit
		for _, l := range activities.ScopesOf(acts) {
			out = append(out, metrics.Limit(l))
		}
		return out
	}))
	if cfg.LifecycleEvery >= 0 {
		reg.MustRegister(metrics.NewLifecycleCollector(cfg.Client, cfg.LifecycleEvery))
	}

	wopts := cfg.Worker
	// Activities go through the task queue, never eagerly to the worker
	// that scheduled them: any worker may take them, and their time in the
	// queue (schedule-to-start) is measured.
	wopts.DisableEagerActivities = true
	wopts.Interceptors = append(append([]interceptor.WorkerInterceptor(nil), wopts.Interceptors...), activities.Interceptor(m))
	w := worker.New(cfg.Client, cfg.TaskQueue, wopts)
	workflows.Register(w)
	w.RegisterActivity(acts)
	return &Worker{Worker: w, Registry: reg, Metrics: m, Engine: eng, Activities: acts, Plans: plans}, nil
}
