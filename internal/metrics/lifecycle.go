package metrics

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/workflows"
)

// LifecycleCollector exports the lifecycle as Temporal knows it, so that
// it is right with any number of workers and across their restarts:
// shards by state (from visibility: running shard workflows by their
// ShardState search attribute, closed ones by how they closed, and the
// shards not started yet from the migration's status), per-shard state and
// progress, each migration's progress, ETA and window, and the freeze
// health of the shards that are read-only now (from their status). Every
// worker runs one; it asks Temporal at most once per interval, and queries
// take `max without(instance)` across workers.
type LifecycleCollector struct {
	c       client.Client
	every   time.Duration
	timeout time.Duration
	now     func() time.Time

	mu      sync.Mutex
	at      time.Time
	metrics []prometheus.Metric

	up, shards, shardState, shardObjects, shardBytes *prometheus.Desc
	shardError                                       *prometheus.Desc
	progress, eta, elapsed, expected, done, window   *prometheus.Desc
	slots, paused, readOnly, freezeAge, unfreezes    *prometheus.Desc
}

// NewLifecycleCollector returns a collector that asks c at most once per
// every (default 15s).
func NewLifecycleCollector(c client.Client, every time.Duration) *LifecycleCollector {
	if every <= 0 {
		every = 15 * time.Second
	}
	mig := []string{"migration"}
	shard := []string{"migration", "shard"}
	d := prometheus.NewDesc
	return &LifecycleCollector{c: c, every: every, timeout: 10 * time.Second, now: time.Now,
		up:           d("ocimove_lifecycle_up", "1 when the last ask of Temporal for the lifecycle succeeded, else 0.", nil, nil),
		shards:       d("ocimove_shards", "Shards of a running migration by state (Pending counts shards not started yet).", []string{"migration", "state"}, nil),
		shardState:   d("ocimove_shard_state", "1 for the state a shard of a running migration is in; waiting is 1 when it waits for an operator (approval, or its delta round limit).", []string{"migration", "shard", "prefix", "state", "waiting"}, nil),
		shardObjects: d("ocimove_shard_objects", "Objects of a shard of a running migration counted so far, as the shard last reported.", shard, nil),
		shardBytes:   d("ocimove_shard_bytes", "Bytes of a shard of a running migration counted so far, as the shard last reported.", shard, nil),
		shardError: d("ocimove_shard_last_error", "1 with the class of a shard's last error (workflows.ErrorClass: ChecksumMismatch, Route, Residency, StorePermanent, ...); 0 with class none when it has none. The error's text is in starter status.",
			[]string{"migration", "shard", "class"}, nil),
		progress:  d("ocimove_migration_progress_ratio", "Bytes done over the estimated bytes, 0..1 (0 without an estimate).", mig, nil),
		eta:       d("ocimove_migration_eta_seconds", "Time left at the migration's rate so far (0 when unknown).", mig, nil),
		elapsed:   d("ocimove_migration_elapsed_seconds", "Time since the migration started.", mig, nil),
		expected:  d("ocimove_migration_expected_duration_seconds", "The migration's whole duration as projected once 5% was done (0 before).", mig, nil),
		done:      d("ocimove_migration_done", "Objects and bytes done, and estimated, by kind (objects_done, bytes_done, objects_estimated, bytes_estimated).", []string{"migration", "kind"}, nil),
		window:    d("ocimove_migration_window", "Shards the migration lets run at once.", mig, nil),
		slots:     d("ocimove_migration_slots_used", "Shards holding a slot of the window now.", mig, nil),
		paused:    d("ocimove_migration_paused", "1 when the migration is paused.", mig, nil),
		readOnly:  d("ocimove_shard_read_only", "1 for a shard whose route is read-only now (frozen for cutover, or for a rollback).", shard, nil),
		freezeAge: d("ocimove_shard_freeze_age_seconds", "How long a read-only shard has been read-only.", shard, nil),
		unfreezes: d("ocimove_shard_unfreeze_attempts", "Failed attempts, so far, to return a read-only shard's routing to a writable state.", shard, nil),
	}
}

// Describe implements prometheus.Collector.
func (l *LifecycleCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{l.up, l.shards, l.shardState, l.shardObjects, l.shardBytes, l.shardError, l.progress, l.eta,
		l.elapsed, l.expected, l.done, l.window, l.slots, l.paused, l.readOnly, l.freezeAge, l.unfreezes} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: the answers of the last ask,
// asking again when they are older than the interval.
func (l *LifecycleCollector) Collect(ch chan<- prometheus.Metric) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := l.now(); now.Sub(l.at) >= l.every || l.metrics == nil {
		ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
		ms, err := l.ask(ctx)
		cancel()
		up := 1.0
		if err != nil {
			up = 0
			ms = nil
		}
		l.metrics = append(ms, prometheus.MustNewConstMetric(l.up, prometheus.GaugeValue, up))
		l.at = now
	}
	for _, m := range l.metrics {
		ch <- m
	}
}

// ask reads the lifecycle of every running migration.
func (l *LifecycleCollector) ask(ctx context.Context) ([]prometheus.Metric, error) {
	migs, err := l.list(ctx, "WorkflowType = 'MigrationWorkflow' AND ExecutionStatus = 'Running'")
	if err != nil {
		return nil, err
	}
	var out []prometheus.Metric
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	for _, ex := range migs {
		id, ok := strings.CutPrefix(ex.GetExecution().GetWorkflowId(), "ocimove/")
		if !ok {
			continue
		}
		var st workflows.MigrationStatus
		v, err := l.c.QueryWorkflow(ctx, ex.GetExecution().GetWorkflowId(), "", workflows.MigrationStatusQuery)
		if err == nil {
			err = v.Get(&st)
		}
		if err != nil {
			return nil, fmt.Errorf("metrics: status of migration %s: %w", id, err)
		}
		ratio := 0.0
		if st.Estimate.Bytes > 0 {
			ratio = min(1, float64(st.BytesDone)/float64(st.Estimate.Bytes))
		}
		gauge(l.progress, ratio, id)
		gauge(l.eta, st.ETA.Seconds(), id)
		gauge(l.elapsed, st.Elapsed.Seconds(), id)
		gauge(l.expected, st.ExpectedDuration.Seconds(), id)
		gauge(l.done, float64(st.ObjectsDone), id, "objects_done")
		gauge(l.done, float64(st.BytesDone), id, "bytes_done")
		gauge(l.done, float64(st.Estimate.Objects), id, "objects_estimated")
		gauge(l.done, float64(st.Estimate.Bytes), id, "bytes_estimated")
		gauge(l.window, float64(st.Window), id)
		gauge(l.slots, float64(st.SlotsUsed), id)
		gauge(l.paused, b2f(st.State == workflows.MigrationPaused), id)
		shardMetrics, err := l.shardMetrics(ctx, id, st)
		if err != nil {
			return nil, err
		}
		out = append(out, shardMetrics...)
	}
	return out, nil
}

// shards reads a migration's shards: running ones from visibility, closed
// ones by count, those not started from its status.
func (l *LifecycleCollector) shardMetrics(ctx context.Context, id string, st workflows.MigrationStatus) ([]prometheus.Metric, error) {
	var out []prometheus.Metric
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	running, err := l.list(ctx, fmt.Sprintf("WorkflowType = 'ShardWorkflow' AND MigrationID = '%s' AND ExecutionStatus = 'Running'", quote(id)))
	if err != nil {
		return nil, err
	}
	var progress []workflows.ShardProgress
	v, err := l.c.QueryWorkflow(ctx, workflows.MigrationWorkflowID(id), "", workflows.MigrationShardsQuery)
	if err == nil {
		err = v.Get(&progress)
	}
	if err != nil {
		return nil, fmt.Errorf("metrics: shards of migration %s: %w", id, err)
	}
	live := map[string]workflows.ShardProgress{}
	for _, p := range progress {
		live[p.ID] = p
	}
	byState := map[workflows.ShardState]int{}
	for _, ex := range running {
		shardID := ex.GetExecution().GetWorkflowId()[len(workflows.ShardWorkflowID(id, "")):]
		state := workflows.ShardState(searchAttr(ex, workflows.ShardStateKey.GetName()))
		if state == "" {
			state = workflows.Pending
		}
		byState[state]++
		p := live[shardID]
		waiting := state == workflows.AwaitingApproval || (state == workflows.CatchingUp && !p.HoldsSlot && p.ID != "")
		gauge(l.shardState, 1, id, shardID, p.Prefix, string(state), fmt.Sprint(b2f(waiting)))
		gauge(l.shardObjects, float64(p.Objects), id, shardID)
		gauge(l.shardBytes, float64(p.Bytes), id, shardID)
		if p.LastErrorClass != "" {
			gauge(l.shardError, 1, id, shardID, string(p.LastErrorClass))
		} else {
			gauge(l.shardError, 0, id, shardID, "none")
		}
		if state == workflows.Frozen || state == workflows.RollingBack || state == workflows.CutOver {
			if err := l.freezeHealth(ctx, id, shardID, gauge); err != nil {
				return nil, err
			}
		}
	}
	for status, state := range map[string]workflows.ShardState{"Completed": workflows.Complete, "Canceled": workflows.Cancelled} {
		n, err := l.c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowType = 'ShardWorkflow' AND MigrationID = '%s' AND ExecutionStatus = '%s'", quote(id), status)})
		if err != nil {
			return nil, fmt.Errorf("metrics: count the %s shards of %s: %w", status, id, err)
		}
		byState[state] += int(n.GetCount())
	}
	byState[workflows.Pending] += max(0, st.Shards-st.Started)
	for _, s := range workflows.AllShardStates {
		gauge(l.shards, float64(byState[s]), id, string(s))
	}
	return out, nil
}

// freezeHealth reads one shard's status: whether its route is read-only,
// since when, and how many returns of its routing failed.
func (l *LifecycleCollector) freezeHealth(ctx context.Context, id, shardID string, gauge func(*prometheus.Desc, float64, ...string)) error {
	var ss workflows.ShardStatus
	v, err := l.c.QueryWorkflow(ctx, workflows.ShardWorkflowID(id, shardID), "", workflows.ShardStatusQuery)
	if err == nil {
		err = v.Get(&ss)
	}
	if err != nil {
		return fmt.Errorf("metrics: status of shard %s of %s: %w", shardID, id, err)
	}
	ro := ss.RouteState == routing.StateReadOnly
	gauge(l.readOnly, b2f(ro), id, shardID)
	if ro && !ss.ReadOnlySince.IsZero() {
		gauge(l.freezeAge, l.now().Sub(ss.ReadOnlySince).Seconds(), id, shardID)
	}
	attempts := 0
	if ss.Restore != nil {
		attempts = ss.Restore.Attempts
	}
	gauge(l.unfreezes, float64(attempts), id, shardID)
	return nil
}

// list lists the executions a visibility query finds, page by page.
func (l *LifecycleCollector) list(ctx context.Context, query string) ([]*workflowExecutionInfo, error) {
	var out []*workflowExecutionInfo
	var token []byte
	for {
		res, err := l.c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: 1000, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("metrics: list %q: %w", query, err)
		}
		out = append(out, res.GetExecutions()...)
		if token = res.GetNextPageToken(); len(token) == 0 {
			return out, nil
		}
	}
}

// searchAttr returns a Keyword search attribute of an execution.
func searchAttr(ex *workflowExecutionInfo, name string) string {
	p, ok := ex.GetSearchAttributes().GetIndexedFields()[name]
	if !ok {
		return ""
	}
	var s string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &s); err != nil {
		return ""
	}
	return s
}

// quote escapes a value for a visibility query's single quotes.
func quote(s string) string { return strings.ReplaceAll(s, "'", `\'`) }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// workflowExecutionInfo is one execution a visibility listing returns.
type workflowExecutionInfo = workflowpb.WorkflowExecutionInfo
