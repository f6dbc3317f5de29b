package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/testing/clitest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/internal/wire"
	"github.com/ocimove/ocimove/workflows"
)

// These tests drive the shard lifecycle's races on the embedded Temporal
// server with the real activities, stores and a file routing target. A
// gate in front of the routing target holds one routing change in flight
// (before or after it applies) while the test cancels the workflow or lets
// the freeze's maximum duration pass.

// gate holds routing changes that match it.
type gate struct {
	to         routing.State
	kind       string // the operation kind, e.g. "/freeze-"
	applyFirst bool   // apply the change, then hold its answer
	after      func() // runs once the held change applied (applyFirst)
	arrived    chan struct{}
	release    chan struct{}
	once       sync.Once
}

func newGate(to routing.State, kind string, applyFirst bool) *gate {
	return &gate{to: to, kind: kind, applyFirst: applyFirst, arrived: make(chan struct{}), release: make(chan struct{})}
}

// gatedTarget is a routing target whose matching changes wait at a gate.
type gatedTarget struct {
	routing.Target
	gates []*gate
}

func (g *gatedTarget) Set(ctx context.Context, c routing.Change) (routing.Route, error) {
	for _, gt := range g.gates {
		if c.To != gt.to || !strings.Contains(c.OperationID, gt.kind) {
			continue
		}
		first := false
		gt.once.Do(func() { first = true })
		if !first {
			break
		}
		if !gt.applyFirst {
			close(gt.arrived)
			<-gt.release
			return g.Target.Set(ctx, c)
		}
		r, err := g.Target.Set(ctx, c)
		if err == nil && gt.after != nil {
			gt.after()
		}
		close(gt.arrived)
		<-gt.release
		return r, err
	}
	return g.Target.Set(ctx, c)
}

// DrainAcknowledged keeps the file target's optional capability.
func (g *gatedTarget) DrainAcknowledged(ctx context.Context, shard, op string) (bool, error) {
	if d, ok := g.Target.(routing.DrainAcknowledger); ok {
		return d.DrainAcknowledged(ctx, shard, op)
	}
	return false, nil
}

// gatedRouting resolves every plan's routing to one gated file target.
type gatedRouting struct{ t *gatedTarget }

func (r gatedRouting) Target(context.Context, *plan.Plan) (routing.Target, error) { return r.t, nil }

// raceFixture is one shard of 20 objects on the local endpoints, with a
// worker whose routing passes through gates.
type raceFixture struct {
	c      client.Client
	p      *plan.Plan
	shard  plan.Shard
	src    store.Store
	dst    store.Store
	routes *fileroute.Target
	queue  string
}

func newRaceFixture(t *testing.T, id string, gates ...*gate) *raceFixture {
	t.Helper()
	dir := t.TempDir()
	_, c := clitest.StartTemporal(t, dir)
	env := testenv.Start(t, testenv.Options{})
	srcBucket, dstBucket := env.Bucket("race-src"), env.Bucket("race-dst")
	f := &raceFixture{c: c, queue: "ocimove-race-" + id}
	f.src = env.S3Store(t, srcBucket, nil)
	f.dst = env.OCIStore(t, dstBucket, nil)
	seedShards(t, f.src, []string{"users/0r/"}, 20, nil)
	p := localPlan(env, id, srcBucket, dstBucket, []string{"users/0r/"})
	p.Cutover.Target = plan.Target{Settings: &fileroute.Settings{Path: filepath.Join(dir, "routes.json")}}
	p.Freeze = plan.Freeze{Drain: plan.DrainWait, DrainWait: plan.Duration(time.Second), MaxDuration: plan.Duration(6 * time.Second)}
	p, _ = writePlan(t, p, dir)
	f.p = p
	shards, err := p.ShardList()
	require.NoError(t, err)
	f.shard = shards[0]
	f.routes, err = fileroute.New(p.Cutover.Target.Settings.(*fileroute.Settings).Path)
	require.NoError(t, err)

	t.Setenv("AWS_ACCESS_KEY_ID", testenv.S3AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testenv.S3SecretKey)
	t.Setenv("AWS_REGION", testenv.S3Region)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	w, err := wire.NewWorker(wire.Config{Client: c, TaskQueue: f.queue, Plans: []*plan.Plan{p},
		Engine:  engine.Config{PartSize: e2ePartSize, PoolBytes: 64 << 20, Concurrency: 8},
		Routing: gatedRouting{&gatedTarget{Target: f.routes, gates: gates}},
		Worker:  worker.Options{MaxConcurrentActivityExecutionSize: 8}})
	require.NoError(t, err)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	return f
}

// start starts the shard's workflow on its own (no migration around it).
func (f *raceFixture) start(t *testing.T) client.WorkflowRun {
	t.Helper()
	run, err := f.c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID: workflows.ShardWorkflowID(f.p.ID, f.shard.ID), TaskQueue: f.queue},
		workflows.ShardWorkflow, workflows.ShardInput{MigrationID: f.p.ID, PlanFingerprint: f.p.Fingerprint(),
			ShardID: f.shard.ID, Prefix: f.shard.Prefix, Settings: workflows.SettingsFromPlan(f.p, planStart)})
	require.NoError(t, err)
	return run
}

func (f *raceFixture) cancel(t *testing.T) {
	t.Helper()
	require.NoError(t, f.c.CancelWorkflow(context.Background(), workflows.ShardWorkflowID(f.p.ID, f.shard.ID), ""))
}

func (f *raceFixture) route(t *testing.T) routing.Route {
	t.Helper()
	r, err := f.routes.Get(context.Background(), f.shard.ID)
	require.NoError(t, err)
	return r
}

// ops lists the operation kinds of the route's history ("freeze-1", ...).
func (f *raceFixture) ops(t *testing.T) []string {
	t.Helper()
	hist, err := f.routes.History(context.Background(), f.shard.ID)
	require.NoError(t, err)
	var out []string
	for _, h := range hist {
		if h.Kind == routing.EventSet {
			out = append(out, h.OperationID[strings.LastIndexByte(h.OperationID, '/')+1:])
		}
	}
	return out
}

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(2 * time.Minute):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// waitEnded waits for the shard's workflow to end and returns its error.
func waitEnded(t *testing.T, run client.WorkflowRun) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	return run.Get(ctx, nil)
}

// Cancelling the workflow while its freeze's route change is in flight
// must not strand the shard read-only: the change lands after the cancel,
// and the clean-up sees it and returns routing to the source.
func TestCancelDuringFreezeRouteChange(t *testing.T) {
	g := newGate(routing.StateReadOnly, "/freeze-", false)
	f := newRaceFixture(t, "race-cancel-freeze", g)
	run := f.start(t)
	waitFor(t, g.arrived, "the freeze's route change")
	f.cancel(t)
	time.Sleep(2 * time.Second) // the cancel reaches the workflow first
	close(g.release)            // then the change applies
	err := waitEnded(t, run)
	var canceled *temporal.CanceledError
	require.True(t, errors.As(err, &canceled), "the workflow ends cancelled: %v", err)
	r := f.route(t)
	assert.Equal(t, routing.StateSource, r.State, "routing is back at the source; history %v", f.ops(t))
	assert.Contains(t, f.ops(t), "freeze-1")
	assert.Contains(t, f.ops(t), "unfreeze-1")
}

// A freeze whose maximum duration passes while its route change is in
// flight waits for the change, then undoes it: the late freeze never
// outlives the workflow's decision to return routing.
func TestFreezeTimeoutDuringRouteChange(t *testing.T) {
	g := newGate(routing.StateReadOnly, "/freeze-", false)
	f := newRaceFixture(t, "race-freeze-timeout", g)
	run := f.start(t)
	waitFor(t, g.arrived, "the freeze's route change")
	time.Sleep(8 * time.Second) // past the freeze's 6s maximum
	close(g.release)
	eventually(t, 2*time.Minute, "the next freeze to cut over", func() (bool, string) {
		st, err := shardStatus(context.Background(), f.c, f.p.ID, f.shard.ID)
		return err == nil && st.State == workflows.Soaking, string(st.State)
	})
	ops := f.ops(t)
	require.GreaterOrEqual(t, len(ops), 3, "%v", ops)
	assert.Equal(t, []string{"claim-1", "freeze-1", "unfreeze-1", "freeze-2", "cutover-2"}, ops,
		"the late freeze is undone by its own unfreeze before anything else changes the route")
	assert.Equal(t, routing.StateDestination, f.route(t).State)
	f.cancel(t)
	_ = waitEnded(t, run)
}

// Cancelling the workflow while its cutover is in flight, after the
// cutover applied and the application wrote at the destination, rolls the
// shard back with reverse sync: the write is kept at the source, never lost
// to a bare flip of the route.
func TestCancelDuringCutoverKeepsDestinationWrites(t *testing.T) {
	g := newGate(routing.StateDestination, "/cutover-", true)
	var f *raceFixture
	written := []byte("written by the application right after the cutover")
	g.after = func() {
		_, err := f.dst.Put(context.Background(), "users/0r/user-99999/new.json", bytes.NewReader(written), int64(len(written)), store.PutOptions{})
		if err != nil {
			panic(err)
		}
	}
	f = newRaceFixture(t, "race-cancel-cutover", g)
	run := f.start(t)
	waitFor(t, g.arrived, "the cutover")
	f.cancel(t)
	time.Sleep(2 * time.Second)
	close(g.release)
	err := waitEnded(t, run)
	var canceled *temporal.CanceledError
	require.True(t, errors.As(err, &canceled), "the workflow ends cancelled: %v", err)
	assert.Equal(t, routing.StateSource, f.route(t).State)
	ops := f.ops(t)
	assert.Contains(t, ops, "rollback-freeze-1", "the cancel rolls back through the destination's freeze: %v", ops)
	assert.Contains(t, ops, "rollback-source-1", "%v", ops)
	rc, _, err := f.src.Get(context.Background(), "users/0r/user-99999/new.json", store.GetOptions{})
	require.NoError(t, err, "the write made at the destination after the cutover is at the source")
	defer rc.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(rc)
	require.NoError(t, err)
	assert.Equal(t, written, buf.Bytes())
}
