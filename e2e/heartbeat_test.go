package e2e_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ocimove/ocimove/internal/testing/acttest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/plan"
	"github.com/ocimove/ocimove/internal/routing/fileroute"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
	"github.com/ocimove/ocimove/internal/testing/clitest"
	"github.com/ocimove/ocimove/internal/testing/testenv"
	"github.com/ocimove/ocimove/internal/wire"
)

// runOnceName is the test workflow that runs one activity with the given
// heartbeat timeout and retry policy, registered only by these tests.
const runOnceName = "heartbeat-test-run-once"

// runOnceInput is runOnce's input.
type runOnceInput struct {
	Activity         string               `json:"activity"`
	Input            json.RawMessage      `json:"input"`
	HeartbeatTimeout time.Duration        `json:"heartbeatTimeout"`
	Retry            temporal.RetryPolicy `json:"retry"`
}

// runOnce runs in.Activity once, with in.HeartbeatTimeout, and returns its
// result as JSON.
func runOnce(ctx workflow.Context, in runOnceInput) (json.RawMessage, error) {
	retry := in.Retry
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute, HeartbeatTimeout: in.HeartbeatTimeout, RetryPolicy: &retry})
	var out json.RawMessage
	err := workflow.ExecuteActivity(ctx, in.Activity, in.Input).Get(ctx, &out)
	return out, err
}

// hbRig is the embedded Temporal server, the local endpoints with their
// fault injection, and an in-process worker running the real activities
// on them for one plan.
type hbRig struct {
	env   *testenv.Env
	c     client.Client
	queue string
	src   *s3store.Store
	dst   *ocistore.Store
	plan  *plan.Plan
	acts  *activities.Activities
}

func newHBRig(t *testing.T, prefixes []string, edit func(*plan.Plan)) *hbRig {
	t.Helper()
	_, c := clitest.StartTemporal(t, t.TempDir())
	env := testenv.Start(t, testenv.Options{})
	r := &hbRig{env: env, c: c, queue: "heartbeat-" + env.Bucket("q")}
	r.src = env.S3Store(t, env.Bucket("hb-src"), nil)
	r.dst = env.OCIStore(t, env.Bucket("hb-dst"), nil)
	r.plan = localPlan(env, "hb-"+env.Bucket("m"), r.src.Bucket(), r.dst.Bucket(), prefixes)
	r.plan.Cutover.Target = plan.Target{Settings: &fileroute.Settings{Path: t.TempDir() + "/routes.json"}}
	if edit != nil {
		edit(r.plan)
	}
	r.plan.Normalize()
	w, err := wire.NewWorker(wire.Config{Client: c, TaskQueue: r.queue, Plans: []*plan.Plan{r.plan},
		Engine: engine.Config{PartSize: ocistore.MinPartSize, PoolBytes: 64 << 20, Concurrency: 8,
			Attempts: 2, RetryBackoff: 10 * time.Millisecond},
		Stores: acttest.StaticStores{Source: r.src, Destination: r.dst, Manifest: r.dst}})
	require.NoError(t, err)
	r.acts = w.Activities
	w.RegisterWorkflowWithOptions(runOnce, workflow.RegisterOptions{Name: runOnceName})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	return r
}

func (r *hbRig) ref(prefix string) activities.ShardRef {
	return activities.ShardRef{MigrationID: r.plan.ID, PlanFingerprint: r.plan.Fingerprint(), ShardID: plan.ShardID(prefix), Prefix: prefix}
}

// seed writes n objects "<prefix>kNNN" of size bytes.
func (r *hbRig) seed(t *testing.T, prefix string, n, size int) []string {
	t.Helper()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%sk%03d", prefix, i)
		r.put(t, r.src, keys[i], size)
	}
	return keys
}

func (r *hbRig) put(t *testing.T, st store.Store, key string, size int) {
	t.Helper()
	b := make([]byte, size)
	_, err := rand.Read(b)
	require.NoError(t, err)
	_, err = st.Put(context.Background(), key, bytes.NewReader(b), int64(size), store.PutOptions{})
	require.NoError(t, err)
}

// copyShard copies a shard by calling CopyBatch directly (setup, not
// under test).
func (r *hbRig) copyShard(t *testing.T, prefix string) {
	t.Helper()
	res, err := r.acts.CopyBatch(context.Background(), activities.CopyBatchInput{Shard: r.ref(prefix), Batch: 1, Limit: 1000, StartAt: time.Now()})
	require.NoError(t, err)
	require.True(t, res.Done)
}

// start starts runOnce for one activity.
func (r *hbRig) start(t *testing.T, name string, in any, hb time.Duration, retry temporal.RetryPolicy) client.WorkflowRun {
	t.Helper()
	b, err := json.Marshal(in)
	require.NoError(t, err)
	run, err := r.c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{TaskQueue: r.queue,
		ID: fmt.Sprintf("%s-%s-%d", runOnceName, name, time.Now().UnixNano())},
		runOnceName, runOnceInput{Activity: name, Input: b, HeartbeatTimeout: hb, Retry: retry})
	require.NoError(t, err)
	return run
}

// slowOps is a latency longer than the heartbeat timeout the activities
// run with.
const (
	hbTimeout = 2 * time.Second
	slowOp    = 3 * time.Second
)

// Every long activity runs with a 2 s heartbeat timeout against endpoints
// where one operation of each kind it makes (a LIST page, a manifest GET,
// one object's copy or read, a delete) takes 3 s: it must heartbeat
// through them and finish, in one attempt, without a heartbeat timeout.
func TestHeartbeatThroughSlowOperations(t *testing.T) {
	prefixes := []string{"d/", "f/", "r/", "c/", "p/"}
	r := newHBRig(t, prefixes, func(p *plan.Plan) { p.Purge.Enabled = true })
	for _, p := range prefixes {
		r.seed(t, p, 4, 2000)
		r.copyShard(t, p)
	}
	manifests := r.plan.Destination.ManifestPrefix
	once := temporal.RetryPolicy{MaximumAttempts: 1}
	slow := func(injector *faults.Injector, op, keyPrefix string) {
		injector.Add(faults.Rule{Op: op, KeyPrefix: keyPrefix, Latency: slowOp, Count: 1})
	}
	cases := []struct {
		name  string
		act   string
		in    func() any
		setup func()
	}{
		{"DeltaRound", activities.DeltaRoundName,
			func() any { return activities.DeltaInput{Shard: r.ref("d/"), Round: 1} },
			func() {
				r.put(t, r.src, "d/k001", 3000) // changed: copied again
				slow(r.env.S3.Faults(), "list", "")
				slow(r.env.OCI.Faults(), "get", manifests)
				slow(r.env.OCI.Faults(), "put", "d/k001")
			}},
		{"FinalVerify", activities.FinalVerifyName,
			func() any {
				return activities.FinalVerifyInput{Shard: r.ref("f/"), FrozenAt: time.Now().Add(time.Second)}
			},
			func() {
				slow(r.env.OCI.Faults(), "list", "f/")
				slow(r.env.OCI.Faults(), "get", "f/k002")
			}},
		{"ReverseSync", activities.ReverseSyncName,
			func() any {
				return activities.ReverseSyncInput{Shard: r.ref("r/"), CutoverAt: time.Now().Add(-time.Hour)}
			},
			func() {
				slow(r.env.OCI.Faults(), "list", "r/")
				slow(r.env.S3.Faults(), "put", "r/k000")
			}},
		{"Recopy", activities.RecopyName,
			func() any {
				return activities.RecopyInput{Shard: r.ref("c/"), Keys: []string{"c/k000", "c/k003"}, Round: 1}
			},
			func() {
				slow(r.env.S3.Faults(), "head", "c/k000")
				slow(r.env.OCI.Faults(), "put", "c/k003")
			}},
		{"Purge", activities.PurgeName,
			func() any { return r.ref("p/") },
			func() {
				slow(r.env.OCI.Faults(), "get", "p/k001")
				slow(r.env.S3.Faults(), "delete", "p/k002")
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r.env.S3.Faults().Clear()
			r.env.OCI.Faults().Clear()
			tc.setup()
			slowFired := r.env.S3.Faults().Fired("") + r.env.OCI.Faults().Fired("")
			run := r.start(t, tc.act, tc.in(), hbTimeout, once)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			var out json.RawMessage
			require.NoError(t, run.Get(ctx, &out), "%s must heartbeat through operations slower than its heartbeat timeout", tc.act)
			assert.Greater(t, r.env.S3.Faults().Fired("")+r.env.OCI.Faults().Fired(""), slowFired, "the slow operations happened")
			t.Logf("%s: %s", tc.act, out)
		})
	}
}
