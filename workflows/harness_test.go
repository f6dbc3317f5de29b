package workflows

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/routing"
	"github.com/ocimove/ocimove/internal/routing/memroute"
)

// fakeActs are scripted activities registered by the contract's names. The
// routing activities run against a real in-memory routing target
// (memroute), so compare-and-set and operation ids behave as in production.
type fakeActs struct {
	mu     sync.Mutex
	routes *memroute.Target

	keys            []string                       // the shard's source keys, copied BatchSize at a time
	copyFlaky       map[int]int                    // batch → retryable failures left
	copyBroken      map[int]bool                   // batch → permanent failure while set
	mismatch        []string                       // keys VerifyShard always reports
	deltaChanged    int64                          // changes per non-final round
	finalDeltaFails int                            // retryable failures of the final delta during freeze #1
	loseSet         map[routing.State]int          // state → responses to lose (applied, then an error)
	failSet         map[routing.State]int          // state → failures without applying
	failKind        map[string]int                 // operation kind ("unfreeze") → failures without applying
	finalResults    []activities.FinalVerifyResult // scripted final verifications, one per call (then OK)
	purgeFails      bool                           // Purge fails permanently

	// objects written at the destination after cutover, and the source.
	dst map[string]time.Time
	src map[string]time.Time

	copies   []activities.CopyBatchInput
	sets     []activities.RouteInput
	recopies []activities.RecopyInput
	deltas   []activities.DeltaInput
	finals   []activities.FinalVerifyInput
	reverse  []activities.ReverseSyncInput
	purges   int
	aborts   int
}

func newFakeActs() *fakeActs {
	return &fakeActs{routes: memroute.New(), keys: []string{"k1", "k2", "k3", "k4", "k5"},
		copyFlaky: map[int]int{}, copyBroken: map[int]bool{}, loseSet: map[routing.State]int{},
		failSet: map[routing.State]int{}, failKind: map[string]int{}, dst: map[string]time.Time{}, src: map[string]time.Time{}}
}

func (f *fakeActs) register(env *testsuite.TestWorkflowEnvironment) {
	reg := func(fn any, name string) { env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg(f.CopyBatch, activities.CopyBatchName)
	reg(f.VerifyShard, activities.VerifyShardName)
	reg(f.Recopy, activities.RecopyName)
	reg(f.DeltaRound, activities.DeltaRoundName)
	reg(f.FinalVerify, activities.FinalVerifyName)
	reg(f.SetRoute, activities.SetRouteName)
	reg(f.GetRoute, activities.GetRouteName)
	reg(f.RegisterRoute, activities.RegisterRouteName)
	reg(f.DrainAcknowledged, activities.DrainAckedName)
	reg(f.ReverseSync, activities.ReverseSyncName)
	reg(f.Purge, activities.PurgeName)
	reg(f.AbortUploads, activities.AbortUploadsName)
}

func (f *fakeActs) CopyBatch(_ context.Context, in activities.CopyBatchInput) (activities.CopyBatchResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.copies = append(f.copies, in)
	if f.copyFlaky[in.Batch] > 0 {
		f.copyFlaky[in.Batch]--
		return activities.CopyBatchResult{}, fmt.Errorf("batch %d: connection reset", in.Batch)
	}
	if f.copyBroken[in.Batch] {
		return activities.CopyBatchResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("batch %d: access denied to the source bucket", in.Batch), activities.ErrTypeStore, nil)
	}
	var page []string
	for _, k := range f.keys {
		if k > in.Cursor && len(page) < in.Limit {
			page = append(page, k)
		}
	}
	res := activities.CopyBatchResult{Counts: activities.Counts{Objects: int64(len(page)), Bytes: 10 * int64(len(page)), Copied: int64(len(page))},
		ManifestKey: fmt.Sprintf("_migrations/m1/s1/batch-%05d.json", in.Batch)}
	if len(page) > 0 {
		res.NextCursor = page[len(page)-1]
	}
	res.Done = len(page) == 0 || page[len(page)-1] == f.keys[len(f.keys)-1]
	for _, k := range page {
		f.src[k] = time.Time{}
	}
	return res, nil
}

func (f *fakeActs) VerifyShard(_ context.Context, in activities.VerifyInput) (activities.VerifyResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return activities.VerifyResult{Checked: int64(len(f.keys)), Mismatches: int64(len(f.mismatch)), MismatchKeys: f.mismatch,
		RecordKey: "_migrations/m1/s1/verify.json"}, nil
}

func (f *fakeActs) Recopy(_ context.Context, in activities.RecopyInput) (activities.Counts, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recopies = append(f.recopies, in)
	return activities.Counts{Copied: int64(len(in.Keys))}, nil
}

func (f *fakeActs) DeltaRound(_ context.Context, in activities.DeltaInput) (activities.DeltaResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deltas = append(f.deltas, in)
	if in.Final {
		if f.finalDeltaFails > 0 {
			f.finalDeltaFails--
			return activities.DeltaResult{}, fmt.Errorf("final delta: source listing timed out")
		}
		return activities.DeltaResult{Changed: 1, Modified: 1}, nil
	}
	return activities.DeltaResult{Changed: f.deltaChanged, New: f.deltaChanged}, nil
}

func (f *fakeActs) FinalVerify(_ context.Context, in activities.FinalVerifyInput) (activities.FinalVerifyResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finals = append(f.finals, in)
	if len(f.finalResults) > 0 {
		r := f.finalResults[0]
		f.finalResults = f.finalResults[1:]
		return r, nil
	}
	return activities.FinalVerifyResult{OK: true, Objects: int64(len(f.keys)), RecordKey: "_migrations/m1/s1/final.json"}, nil
}

func (f *fakeActs) RegisterRoute(ctx context.Context, ref activities.ShardRef) (routing.Route, error) {
	return f.routes.Register(ctx, ref.ShardID, "s3://src/"+ref.Prefix)
}

func (f *fakeActs) GetRoute(ctx context.Context, ref activities.ShardRef) (routing.Route, error) {
	return f.routes.Get(ctx, ref.ShardID)
}

func (f *fakeActs) SetRoute(ctx context.Context, in activities.RouteInput) (routing.Route, error) {
	f.mu.Lock()
	f.sets = append(f.sets, in)
	fail := f.failSet[in.To] > 0
	if fail {
		f.failSet[in.To]--
	}
	for kind, n := range f.failKind {
		if n > 0 && !fail && strings.Contains(in.OperationID, "/"+kind+"-") {
			f.failKind[kind]--
			fail = true
		}
	}
	lose := !fail && f.loseSet[in.To] > 0
	if lose {
		f.loseSet[in.To]--
	}
	f.mu.Unlock()
	if fail {
		return routing.Route{}, fmt.Errorf("routing target unreachable")
	}
	r, err := f.routes.Set(ctx, routing.Change{Shard: in.Shard.ShardID, To: in.To, Location: in.Location,
		ExpectedVersion: in.ExpectedVersion, OperationID: in.OperationID, Actor: in.Actor, Reason: in.Reason,
		Owner: in.Shard.MigrationID})
	if err != nil {
		return r, err
	}
	if lose {
		return routing.Route{}, fmt.Errorf("read tcp: connection reset by peer (response lost)")
	}
	return r, nil
}

func (f *fakeActs) DrainAcknowledged(ctx context.Context, in activities.RouteInput) (bool, error) {
	return f.routes.DrainAcknowledged(ctx, in.Shard.ShardID, in.OperationID)
}

func (f *fakeActs) ReverseSync(_ context.Context, in activities.ReverseSyncInput) (activities.ReverseSyncResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reverse = append(f.reverse, in)
	var res activities.ReverseSyncResult
	for k, at := range f.dst {
		if at.After(in.CutoverAt) {
			f.src[k] = at
			res.Copied++
			res.Verified++
		}
	}
	return res, nil
}

func (f *fakeActs) Purge(_ context.Context, ref activities.ShardRef) (activities.PurgeResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.purges++
	if f.purgeFails {
		return activities.PurgeResult{}, temporal.NewNonRetryableApplicationError(
			"purge of shard s1 refused: \"users/01/k3\" fails the full re-verification", activities.ErrTypeInput, nil)
	}
	return activities.PurgeResult{Deleted: int64(len(f.src)), RecordKey: "_migrations/m1/s1/purge.json"}, nil
}

func (f *fakeActs) AbortUploads(_ context.Context, ref activities.ShardRef) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.aborts++
	return nil
}

func (f *fakeActs) route(t *testing.T) routing.Route {
	t.Helper()
	r, err := f.routes.Get(context.Background(), "s1")
	require.NoError(t, err)
	return r
}

// setOps returns the operation ids of the changes to state to, in order,
// without their run token ("m1/s1/freeze-1"); rawSetOps keeps it.
func (f *fakeActs) setOps(to routing.State) []string {
	var ops []string
	for _, op := range f.rawSetOps(to) {
		parts := strings.Split(op, "/")
		if len(parts) == 4 {
			op = parts[0] + "/" + parts[1] + "/" + parts[3]
		}
		ops = append(ops, op)
	}
	return ops
}

func (f *fakeActs) rawSetOps(to routing.State) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ops []string
	for _, s := range f.sets {
		if s.To == to {
			ops = append(ops, s.OperationID)
		}
	}
	return ops
}

var testStart = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func testSettings() ShardSettings {
	return ShardSettings{BatchSize: 2, VerifyMode: "quick", MaxRecopies: 2, DeltaMaxRounds: 3, DeltaThreshold: 5,
		DrainMode: "wait", DrainWait: 10 * time.Second, FreezeMax: 2 * time.Minute, Approval: "auto",
		SoakRetention: time.Hour, PurgeEnabled: true, StartAt: testStart,
		SourceLocation: "s3://src/", DestinationLocation: "oci://ns/dst/"}
}

func shardInput() ShardInput {
	return ShardInput{MigrationID: "m1", PlanFingerprint: "fp", ShardID: "s1", Prefix: "users/01/", Settings: testSettings()}
}

// shardEnv returns a test environment with the fake activities registered.
func shardEnv(t *testing.T, s *testsuite.WorkflowTestSuite) (*testsuite.TestWorkflowEnvironment, *fakeActs) {
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(testStart)
	f := newFakeActs()
	f.register(env)
	env.RegisterWorkflow(ShardWorkflow)
	return env, f
}

// updRes is an Update's outcome, filled in when the environment runs it.
type updRes struct {
	st   ShardStatus
	err  error
	done bool
}

// update sends an Update; its outcome is known after the environment ran it.
func update(env *testsuite.TestWorkflowEnvironment, name string, arg any) *updRes {
	r := &updRes{}
	env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { r.err, r.done = err, true },
		OnComplete: func(v any, err error) {
			r.done = true
			if err != nil {
				r.err = err
				return
			}
			if s, ok := v.(ShardStatus); ok {
				r.st = s
			}
		},
	}, arg)
	return r
}

func query(t *testing.T, env *testsuite.TestWorkflowEnvironment) ShardStatus {
	t.Helper()
	v, err := env.QueryWorkflow(ShardStatusQuery)
	require.NoError(t, err)
	var st ShardStatus
	require.NoError(t, v.Get(&st))
	return st
}

func states(st ShardStatus) []ShardState {
	var out []ShardState
	for _, tr := range st.Transitions {
		if tr.Action == "" {
			out = append(out, tr.To)
		}
	}
	return out
}

var ops = OperatorRequest{Actor: "alice", Reason: "OPS-12"}
