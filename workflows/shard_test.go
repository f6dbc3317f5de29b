package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/testsuite"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/routing"
)

type shardSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
}

func TestShardWorkflow(t *testing.T) { suite.Run(t, new(shardSuite)) }

// The whole lifecycle, from Pending to Complete with purge.
func (s *shardSuite) TestLifecycle() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	var last ShardStatus
	var soaking ShardStatus
	env.RegisterDelayedCallback(func() { soaking = query(s.T(), env) }, 30*time.Minute)
	env.RegisterDelayedCallback(func() { last = query(s.T(), env) }, 2*time.Hour)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.True(env.IsWorkflowCompleted())
	s.NoError(env.GetWorkflowError())
	var res ShardResult
	s.NoError(env.GetWorkflowResult(&res))
	s.Equal(Complete, res.State)
	s.EqualValues(5, res.Counts.Objects)
	s.Equal(1, f.purges)
	s.Len(f.copies, 3)
	s.Equal([]string{"", "k2", "k4"}, []string{f.copies[0].Cursor, f.copies[1].Cursor, f.copies[2].Cursor})
	r := f.route(s.T())
	s.Equal(routing.StateDestination, r.State)
	s.Equal("m1/s1/"+soaking.RunToken+"/cutover-1", r.OperationID)
	s.Equal("m1", r.Owner, "the migration owns the route it drives")
	s.Equal("oci://ns/dst/users/01/", r.Location)
	s.Equal([]string{"m1/s1/freeze-1"}, f.setOps(routing.StateReadOnly))
	s.Require().Len(f.finals, 1)
	s.Equal(testStart.Add(10*time.Second), f.finals[0].FrozenAt, "FrozenAt is after the drain wait")
	s.Empty(last.ShardID, "the workflow ended before 2h")
	s.Equal(Soaking, soaking.State)
	s.Equal([]ShardState{Pending, Copying, Verifying, CatchingUp, Frozen, CutOver, Soaking, Purging, Complete}, states(query(s.T(), env)))
}

// A batch that fails permanently parks the shard; a retry resumes after
// the last durable cursor, not from zero.
func (s *shardSuite) TestFailureAndRetryFromCheckpoint() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.copyBroken[1] = true
	var parked ShardStatus
	var retry *updRes
	env.RegisterDelayedCallback(func() {
		parked = query(s.T(), env)
		f.mu.Lock()
		f.copyBroken[1] = false
		f.mu.Unlock()
		retry = update(env, UpdateRetry, ops)
	}, time.Minute)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.NoError(env.GetWorkflowError())
	s.True(retry.done)
	s.NoError(retry.err)
	s.Equal(Failed, parked.State)
	s.Equal(Copying, parked.FailedFrom)
	s.Equal("k2", parked.Cursor)
	s.Equal(1, parked.Batches)
	s.Contains(parked.LastError, "access denied")
	s.Equal(ErrorClass(activities.ErrTypeStore), parked.LastErrorClass)
	s.False(parked.HoldsSlot)
	// batch 0 once, batch 1 failed, batch 1 again from "k2", batch 2.
	var cursors []string
	for _, c := range f.copies {
		cursors = append(cursors, c.Cursor)
	}
	s.Equal([]string{"", "k2", "k2", "k4"}, cursors)
	final := f.copies[len(f.copies)-1]
	s.Equal(2, final.Batch)
}

// Pause lets the in-flight batch finish and starts no new one; resume goes on.
func (s *shardSuite) TestPauseAndResume() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.copyFlaky[0] = 1 // batch 0 is in retry backoff at 500ms
	var paused ShardStatus
	var pause, again, resume *updRes
	env.RegisterDelayedCallback(func() { pause = update(env, UpdatePause, ops) }, 500*time.Millisecond)
	env.RegisterDelayedCallback(func() { again = update(env, UpdatePause, ops) }, 600*time.Millisecond)
	env.RegisterDelayedCallback(func() { paused = query(s.T(), env) }, 30*time.Minute)
	env.RegisterDelayedCallback(func() { resume = update(env, UpdateResume, ops) }, time.Hour)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.NoError(env.GetWorkflowError())
	s.NoError(pause.err)
	s.True(pause.st.Paused)
	s.ErrorContains(again.err, "already paused")
	s.NoError(resume.err)
	s.Equal(Copying, paused.State)
	s.True(paused.Paused)
	s.Equal(1, paused.Batches, "the in-flight batch finished, no other started")
	s.Equal("k2", paused.Cursor)
	var actions []string
	for _, tr := range paused.Transitions {
		if tr.Action != "" {
			actions = append(actions, tr.Action+" by "+tr.Actor+": "+tr.Reason)
		}
	}
	s.Equal([]string{"pause by alice: OPS-12"}, actions)
	s.Len(f.copies, 4) // failed attempt + 3 batches
}

// Verification mismatches are re-copied up to the limit, then the shard fails naming the keys.
func (s *shardSuite) TestPersistentMismatchFails() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.mismatch = []string{"k3"}
	var st ShardStatus
	env.RegisterDelayedCallback(func() { st = query(s.T(), env); env.CancelWorkflow() }, time.Hour)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.Equal(Failed, st.State)
	s.Equal(Verifying, st.FailedFrom)
	s.Contains(st.LastError, "k3")
	s.Equal(ClassMismatch, st.LastErrorClass)
	s.Equal([]string{"k3"}, st.ProblemKeys)
	s.Len(f.recopies, 2)
	s.Equal(1, f.aborts, "cancel aborts uploads")
}

// Catch-up waits for an operator at its round limit, showing the change rate.
func (s *shardSuite) TestRoundLimitWaitsForOperator() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.deltaChanged = 50
	var waiting ShardStatus
	var approve *updRes
	env.RegisterDelayedCallback(func() {
		waiting = query(s.T(), env)
		approve = update(env, UpdateApprove, ops)
	}, 10*time.Minute)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.NoError(env.GetWorkflowError())
	s.NoError(approve.err)
	s.Equal(CatchingUp, waiting.State)
	s.True(waiting.WaitingForOperator)
	s.False(waiting.HoldsSlot)
	s.EqualValues(50, waiting.LastChanged)
	s.Len(f.deltas, 4, "3 rounds, then the final delta after approval")
}

// Manual approval comes before the freeze; approving while copying is rejected.
func (s *shardSuite) TestApprovalBeforeFreeze() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	in := shardInput()
	in.Settings.Approval = "manual"
	f.copyFlaky[0] = 1
	var rejected, noReason, approved *updRes
	var awaiting ShardStatus
	env.RegisterDelayedCallback(func() { rejected = update(env, UpdateApprove, ops) }, 500*time.Millisecond)
	env.RegisterDelayedCallback(func() {
		awaiting = query(s.T(), env)
		noReason = update(env, UpdateApprove, OperatorRequest{Actor: "bob"})
	}, 30*time.Minute)
	env.RegisterDelayedCallback(func() {
		approved = update(env, UpdateApprove, OperatorRequest{Actor: "bob", Reason: "change window CHG-7"})
	}, 31*time.Minute)
	env.ExecuteWorkflow(ShardWorkflow, in)
	s.NoError(env.GetWorkflowError())
	s.Require().Error(rejected.err)
	s.Contains(rejected.err.Error(), "the shard is Copying; approve applies only in AwaitingApproval")
	s.ErrorContains(noReason.err, "no reason")
	s.NoError(approved.err)
	s.Equal(AwaitingApproval, awaiting.State)
	s.Equal(routing.StateSource, awaiting.RouteState, "no freeze before approval")
	s.False(awaiting.HoldsSlot)
	var frozenBy string
	for _, tr := range query(s.T(), env).Transitions {
		if tr.To == Frozen && tr.Action == "" {
			frozenBy = tr.Actor + ": " + tr.Reason
		}
	}
	s.Equal("bob: approved: change window CHG-7", frozenBy)
}

// A freeze that passes its maximum duration returns routing to the source
// and catches up again; the next freeze cuts over.
func (s *shardSuite) TestFreezeTimeoutReturnsRouting() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.finalDeltaFails = 8 // retries with backoff outlast the 2m freeze
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.NoError(env.GetWorkflowError())
	st := query(s.T(), env)
	s.Equal(Complete, st.State)
	s.Contains(states(st), CatchingUp)
	// freeze-1 read-only, unfreeze-1 back to source, freeze-2, cutover-2.
	s.Equal([]string{"m1/s1/freeze-1", "m1/s1/freeze-2"}, f.setOps(routing.StateReadOnly))
	s.Equal([]string{"m1/s1/claim-1", "m1/s1/unfreeze-1"}, f.setOps(routing.StateSource))
	s.Equal([]string{"m1/s1/cutover-2"}, f.setOps(routing.StateDestination))
	var reason string
	for _, tr := range st.Transitions {
		if tr.From == Frozen && tr.To == CatchingUp {
			reason = tr.Reason
		}
	}
	s.Contains(reason, "maximum duration 2m0s; routing returned to the source")
}

// A lost routing response is retried with the same operation id and succeeds.
func (s *shardSuite) TestRoutingRetryAfterLostResponse() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.loseSet[routing.StateReadOnly] = 1
	f.loseSet[routing.StateDestination] = 1
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.NoError(env.GetWorkflowError())
	s.Equal([]string{"m1/s1/freeze-1", "m1/s1/freeze-1"}, f.setOps(routing.StateReadOnly))
	s.Equal([]string{"m1/s1/cutover-1", "m1/s1/cutover-1"}, f.setOps(routing.StateDestination))
	f.mu.Lock()
	s.Equal(f.sets[1].ExpectedVersion, f.sets[2].ExpectedVersion, "the retry carries the same expected version")
	f.mu.Unlock()
	r := f.route(s.T())
	s.Equal(routing.StateDestination, r.State)
	s.EqualValues(3, r.Version, "claim, freeze, cutover")
}

// Rollback from Frozen: routing back to the source, RolledBack; a retry catches up again.
func (s *shardSuite) TestRollbackFromFrozen() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.finalDeltaFails = 8
	var rolled ShardStatus
	var rb, retry *updRes
	env.RegisterDelayedCallback(func() {
		rb = update(env, UpdateRollback, OperatorRequest{Actor: "carol", Reason: "app errors"})
	}, 30*time.Second)
	env.RegisterDelayedCallback(func() {
		rolled = query(s.T(), env)
		f.mu.Lock()
		f.finalDeltaFails = 0
		f.mu.Unlock()
		retry = update(env, UpdateRetry, ops)
	}, time.Hour)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.NoError(env.GetWorkflowError())
	s.NoError(rb.err)
	s.Equal(Frozen, rb.st.State)
	s.NoError(retry.err)
	s.Equal(RolledBack, rolled.State)
	s.Equal(routing.StateSource, rolled.RouteState)
	s.Equal([]string{"m1/s1/claim-1", "m1/s1/unfreeze-1"}, f.setOps(routing.StateSource))
	last := rolled.Transitions[len(rolled.Transitions)-1]
	s.Equal("carol", last.Actor)
	s.Contains(last.Reason, "app errors")
	s.Equal(Complete, query(s.T(), env).State, "retry after rollback resumes in CatchingUp and completes")
	s.Contains(states(query(s.T(), env)), CatchingUp)
}

// Rollback from Soaking: freeze the destination, reverse sync (keeping a
// write made after cutover), routing to the source.
func (s *shardSuite) TestRollbackFromSoakingKeepsWrites() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	var rolled ShardStatus
	var rb *updRes
	env.RegisterDelayedCallback(func() {
		f.mu.Lock()
		f.dst["users/01/new-after-cutover"] = env.Now()
		f.mu.Unlock()
		rb = update(env, UpdateRollback, OperatorRequest{Actor: "carol", Reason: "latency regression"})
	}, 30*time.Minute)
	env.RegisterDelayedCallback(func() { rolled = query(s.T(), env); env.CancelWorkflow() }, 2*time.Hour)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.NoError(rb.err)
	s.Equal(RolledBack, rolled.State)
	s.Require().Len(f.reverse, 1)
	s.False(rolled.CutoverAt.IsZero())
	s.Equal(rolled.CutoverAt, f.reverse[0].CutoverAt)
	s.Contains(f.src, "users/01/new-after-cutover", "the write made after cutover is kept")
	s.Equal([]string{"m1/s1/freeze-1", "m1/s1/rollback-freeze-1"}, f.setOps(routing.StateReadOnly))
	s.Equal([]string{"m1/s1/claim-1", "m1/s1/rollback-source-1"}, f.setOps(routing.StateSource))
	s.Equal(routing.StateSource, f.route(s.T()).State)
	s.Equal(0, f.purges)
	s.Equal([]ShardState{Pending, Copying, Verifying, CatchingUp, Frozen, CutOver, Soaking, RollingBack, RolledBack, Cancelled}, states(query(s.T(), env)))
}

// Rollback while the cutover's response was lost: the cutover had applied,
// so the rollback runs the reverse sync.
func (s *shardSuite) TestRollbackFromCutOver() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.loseSet[routing.StateDestination] = 1 // cutover applies, its response is lost; retry in 1s
	var rb *updRes
	env.RegisterDelayedCallback(func() { rb = update(env, UpdateRollback, ops) }, 10*time.Second+500*time.Millisecond)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 2*time.Hour)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.NoError(rb.err)
	s.Equal(CutOver, rb.st.State)
	st := query(s.T(), env)
	s.Contains(states(st), RollingBack)
	s.Contains(states(st), RolledBack)
	s.Require().Len(f.reverse, 1)
	s.Equal(routing.StateSource, f.route(s.T()).State)
}

// A rollback is rejected while copying, naming why, and nothing changes.
func (s *shardSuite) TestRollbackRejectedWhileCopying() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.copyFlaky[0] = 1
	var before, after ShardStatus
	var rb, bad, good *updRes
	env.RegisterDelayedCallback(func() {
		before = query(s.T(), env)
		rb = update(env, UpdateRollback, ops)
		bad = update(env, UpdateSetBatchSize, BatchSizeRequest{OperatorRequest: ops, BatchSize: 0})
	}, 500*time.Millisecond)
	env.RegisterDelayedCallback(func() {
		after = query(s.T(), env)
		good = update(env, UpdateSetBatchSize, BatchSizeRequest{OperatorRequest: ops, BatchSize: 5})
	}, 600*time.Millisecond)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.NoError(env.GetWorkflowError())
	s.ErrorContains(rb.err, "the shard is Copying and routing still points at the source")
	s.ErrorContains(bad.err, "batch size 0 is outside 1..10000")
	s.Equal(before.TransitionCount, after.TransitionCount, "a rejected Update changes nothing")
	s.NoError(good.err)
	s.Equal(5, f.copies[len(f.copies)-1].Limit, "the new batch size applies from the next batch")
}

// Rate limits change live: a bad request is refused, a good one reaches the
// next copying activity.
func (s *shardSuite) TestSetRateLimitsLive() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.copyFlaky[0] = 1
	var bad, good *updRes
	env.RegisterDelayedCallback(func() {
		bad = update(env, UpdateSetRateLimits, RateLimitsRequest{OperatorRequest: ops, BytesPerSecond: -1})
		good = update(env, UpdateSetRateLimits, RateLimitsRequest{OperatorRequest: ops, BytesPerSecond: 1 << 20, RequestsPerSecond: 50})
	}, 500*time.Millisecond)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.NoError(env.GetWorkflowError())
	s.ErrorContains(bad.err, "rates must be 0 (unlimited) or more")
	s.NoError(good.err)
	first, last := f.copies[0], f.copies[len(f.copies)-1]
	s.Equal(0.0, first.Shard.Limits.BytesPerSecond, "before the change: the plan's rates (unlimited here)")
	s.Equal(activities.RateLimits{BytesPerSecond: 1 << 20, RequestsPerSecond: 50, Shard: true}, *last.Shard.Limits,
		"after it: the new rates, the shard's own")
	s.Require().NotEmpty(f.deltas)
	s.Equal(float64(1<<20), f.deltas[0].Shard.Limits.BytesPerSecond, "delta rounds carry them too")
	s.Require().NotEmpty(f.finals)
	s.Equal(float64(1<<20), f.finals[0].Shard.Limits.BytesPerSecond, "and every other activity of the shard")
}

// Cancel during a freeze aborts uploads and returns routing to the source.
func (s *shardSuite) TestCancelDuringFreeze() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.finalDeltaFails = 8
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 30*time.Second)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	require.Error(s.T(), env.GetWorkflowError())
	s.Equal(1, f.aborts)
	s.Equal(routing.StateSource, f.route(s.T()).State)
	s.Equal(Cancelled, query(s.T(), env).State)
}

// Continue-as-new between batches carries the cursor and counters.
func (s *shardSuite) TestContinueAsNewCarriesCheckpoint() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.copyFlaky[1] = 1
	env.RegisterDelayedCallback(func() { env.SetContinueAsNewSuggested(true) }, 500*time.Millisecond)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	in := continuedInput[ShardInput](s.T(), env.GetWorkflowError())
	s.Equal(Copying, in.Checkpoint.State)
	s.Equal("k4", in.Checkpoint.Cursor)
	s.Equal(2, in.Checkpoint.Batches)
	s.EqualValues(4, in.Checkpoint.Counts.Objects)
	s.Equal(1, in.Checkpoint.Runs)

	// The next run resumes after the cursor.
	env2, f2 := shardEnv(s.T(), &s.WorkflowTestSuite)
	f2.routes = f.routes
	env2.ExecuteWorkflow(ShardWorkflow, in)
	s.NoError(env2.GetWorkflowError())
	s.Require().NotEmpty(f2.copies)
	s.Equal("k4", f2.copies[0].Cursor)
	s.Equal(2, f2.copies[0].Batch)
	var res ShardResult
	s.NoError(env2.GetWorkflowResult(&res))
	s.EqualValues(5, res.Counts.Objects)
}

func TestShardStatesHoldSlots(t *testing.T) {
	for _, st := range AllShardStates {
		want := st == Pending || st == Copying || st == Verifying || st == CatchingUp || st == Frozen || st == CutOver || st == RollingBack
		assert.Equal(t, want, st.inWindow(), st)
	}
}
