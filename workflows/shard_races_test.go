package workflows

import (
	"time"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/routing"
)

// Regression tests of the lifecycle's promises under races, on the
// scripted harness (time skips, so minutes of retries cost nothing). The
// races that need real activity cancellation run on the embedded server in
// e2e/lifecycle_races_test.go.

// A routing target that is down when a freeze ends keeps the shard
// read-only only while the workflow retries the unfreeze: it retries with a
// timer until the target answers, then goes on (writes never stranded).
func (s *shardSuite) TestUnfreezeRetriesUntilTargetReturns() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.finalDeltaFails = 8        // the first freeze times out at 2m
	f.failKind[opUnfreeze] = 200 // ten activities' worth of retries: about 40 minutes
	var during ShardStatus
	var routeDuring routing.Route
	env.RegisterDelayedCallback(func() {
		during = query(s.T(), env)
		routeDuring = f.route(s.T())
	}, 20*time.Minute)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 24*time.Hour)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	st := query(s.T(), env)
	s.Equal(routing.StateReadOnly, routeDuring.State, "20m in, the target is still down")
	s.Equal(Frozen, during.State, "the shard stays Frozen while its routing is being returned")
	s.Require().NotNil(during.Restore, "status shows the unfreeze being retried")
	s.Greater(during.Restore.Attempts, 0)
	s.Contains(during.Restore.LastError, "routing target unreachable")
	s.Equal(ClassUnfreeze, during.LastErrorClass)
	s.Equal(routing.StateSource, during.Restore.To)
	s.NotEqual(Failed, st.State, "the shard did not park read-only")
	s.Equal(routing.StateDestination, f.route(s.T()).State, "once the target answered, routing returned and the next freeze cut over")
	s.Contains(states(st), CatchingUp)
}

// A rollback accepted while the shard waits, paused, at the end of its soak
// is carried out: the shard rolls back and nothing is purged.
func (s *shardSuite) TestRollbackAcceptedAfterSoakWhilePaused() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	var pause, rb, resume *updRes
	env.RegisterDelayedCallback(func() { pause = update(env, UpdatePause, ops) }, 30*time.Minute) // soaking until ~1h
	env.RegisterDelayedCallback(func() {
		rb = update(env, UpdateRollback, OperatorRequest{Actor: "carol", Reason: "bad release"})
	}, 2*time.Hour)
	env.RegisterDelayedCallback(func() { resume = update(env, UpdateResume, ops) }, 3*time.Hour)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 5*time.Hour)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.NoError(pause.err)
	s.Require().NoError(rb.err, "the rollback is accepted: the shard is still Soaking")
	s.NoError(resume.err)
	st := query(s.T(), env)
	s.Equal(0, f.purges, "an accepted rollback is never followed by a purge")
	s.Contains(states(st), RolledBack)
	s.NotContains(states(st), Complete)
	s.Equal(routing.StateSource, f.route(s.T()).State)
}

// A rollback accepted in Frozen before the freeze began survives
// continue-as-new: the continued run rolls back instead of cutting over.
func (s *shardSuite) TestRollbackRequestSurvivesContinueAsNew() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	in := shardInput()
	in.Settings.Approval = "manual"
	var approve, pause, rb *updRes
	env.RegisterDelayedCallback(func() { pause = update(env, UpdatePause, ops) }, 29*time.Minute)
	env.RegisterDelayedCallback(func() { approve = update(env, UpdateApprove, ops) }, 30*time.Minute)
	env.RegisterDelayedCallback(func() {
		rb = update(env, UpdateRollback, OperatorRequest{Actor: "carol", Reason: "not tonight"})
	}, 31*time.Minute)
	env.RegisterDelayedCallback(func() { env.SetContinueAsNewSuggested(true) }, 32*time.Minute)
	env.ExecuteWorkflow(ShardWorkflow, in)
	s.NoError(pause.err)
	s.NoError(approve.err)
	s.Require().NoError(rb.err, "rollback applies in Frozen, before the freeze began")
	next := continuedInput[ShardInput](s.T(), env.GetWorkflowError())
	s.Equal(Frozen, next.Checkpoint.State)

	env2, f2 := shardEnv(s.T(), &s.WorkflowTestSuite)
	f2.routes = f.routes
	next.Checkpoint.Paused = false
	env2.RegisterDelayedCallback(func() { env2.CancelWorkflow() }, 3*time.Hour)
	env2.ExecuteWorkflow(ShardWorkflow, next)
	st := query(s.T(), env2)
	s.Empty(f2.setOps(routing.StateReadOnly), "the continued run never freezes")
	s.Empty(f2.setOps(routing.StateDestination), "nor cuts over")
	s.Contains(states(st), RolledBack)
	s.Equal(routing.StateSource, f2.route(s.T()).State)
}

// A rollback accepted while a timed-out freeze is returning routing ends
// that freeze as a rollback; it does not linger and abort the next freeze.
func (s *shardSuite) TestRollbackDuringUnfreezeEndsThatFreeze() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.finalDeltaFails = 8       // the first freeze times out at 2m
	f.failKind[opUnfreeze] = 25 // and its unfreeze needs the workflow's own retry
	var rb *updRes
	env.RegisterDelayedCallback(func() {
		rb = update(env, UpdateRollback, OperatorRequest{Actor: "carol", Reason: "abort tonight"})
	}, 2*time.Minute+500*time.Millisecond)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 5*time.Hour)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.Require().NoError(rb.err)
	st := query(s.T(), env)
	got := states(st)
	s.Require().Contains(got, RolledBack)
	// The transition out of the first freeze is the rollback itself.
	for i, state := range got {
		if state == Frozen {
			s.Equal(RolledBack, got[i+1], "the freeze ends rolled back, not caught up again: %v", got)
			break
		}
	}
	s.Equal([]string{"m1/s1/freeze-1"}, f.setOps(routing.StateReadOnly), "no second freeze is begun and aborted")
	s.Equal(routing.StateSource, f.route(s.T()).State)
}

// A final verification that finds the destination's copy bad (missing,
// mismatched, no hash) is repaired by re-copying before the next freeze,
// within the plan's re-copy limit, not parked forever.
func (s *shardSuite) TestFinalVerifyRepairsDestinationBeforeNextFreeze() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.finalResults = []activities.FinalVerifyResult{{OK: false, Objects: 5, Mismatched: 1, Repairable: 1,
		ProblemKeys: []string{"users/01/k3"}, RepairKeys: []string{"users/01/k3"}, RecordKey: "_migrations/m1/s1/final.json"}}
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 5*time.Hour)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	st := query(s.T(), env)
	s.Require().Len(f.recopies, 1, "the bad copy is re-copied")
	s.Equal([]string{"users/01/k3"}, f.recopies[0].Keys)
	s.Len(f.finals, 2, "a second freeze verifies again")
	s.Equal(routing.StateDestination, f.route(s.T()).State)
	s.NotContains(states(st), Failed)
}

// The repair is bounded by the plan's re-copy limit: then the shard fails
// naming the keys, with routing at the source.
func (s *shardSuite) TestFinalVerifyRepairIsBounded() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	bad := activities.FinalVerifyResult{OK: false, Objects: 5, Missing: 1, Repairable: 1,
		ProblemKeys: []string{"users/01/k2"}, RepairKeys: []string{"users/01/k2"}, RecordKey: "_migrations/m1/s1/final.json"}
	f.finalResults = []activities.FinalVerifyResult{bad, bad, bad, bad, bad}
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 10*time.Hour)
	var failed ShardStatus
	env.RegisterDelayedCallback(func() { failed = query(s.T(), env) }, 9*time.Hour)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.Equal(Failed, failed.State)
	s.Contains(failed.LastError, "users/01/k2")
	s.Equal(ClassMismatch, failed.LastErrorClass)
	s.Len(f.recopies, testSettings().MaxRecopies)
	s.Equal(routing.StateSource, f.route(s.T()).State)
}

// A purge that fails parks the shard in Failed: it is never reported
// Complete before its purge record exists.
func (s *shardSuite) TestPurgeFailureIsNotComplete() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.purgeFails = true
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 5*time.Hour)
	var st ShardStatus
	env.RegisterDelayedCallback(func() { st = query(s.T(), env) }, 4*time.Hour)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.Equal(1, f.purges)
	s.Equal(Failed, st.State)
	s.NotContains(states(st), Complete, "Complete comes only after the purge record")
	s.Contains(st.LastError, "fails the full re-verification")
	s.Equal(ErrorClass(activities.ErrTypeInput), st.LastErrorClass)
}

// A migration-wide signal that arrives in the workflow task in which the
// shard continues as new is applied to the carried state, not lost with the
// run (the listener is handed the signal, but runs after the main loop).
func (s *shardSuite) TestSignalsDrainedBeforeContinueAsNew() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.copyFlaky[0] = 1 // batch 0 is in retry backoff at 100ms
	var pause *updRes
	env.RegisterDelayedCallback(func() { pause = update(env, UpdatePause, ops) }, 100*time.Millisecond)
	env.RegisterDelayedCallback(func() {
		// The shard waits, paused, between batches. Set the suggestion
		// outside a workflow task, so that the first task to see it is the
		// one that delivers the signal.
		env.RegisterDelayedCallback(func() {
			env.SetContinueAsNewSuggested(true)
			env.SignalWorkflow(SignalShardResume, ops)
		}, 0)
	}, time.Minute)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.NoError(pause.err)
	next := continuedInput[ShardInput](s.T(), env.GetWorkflowError())
	s.Equal(Copying, next.Checkpoint.State)
	s.Equal(1, next.Checkpoint.Batches, "paused after batch 0")
	s.False(next.Checkpoint.Paused, "the resume signal is in the carried state")
}

// seedRoute puts shard s1's route where an earlier migration (or an
// earlier run) left it.
func seedRoute(s *shardSuite, f *fakeActs, to routing.State, owner, op string) {
	ctx := s.T().Context()
	r, err := f.routes.Register(ctx, "s1", "s3://src/users/01/")
	s.Require().NoError(err)
	_, err = f.routes.Set(ctx, routing.Change{Shard: "s1", To: to, Location: "oci://ns/dst/users/01/",
		ExpectedVersion: r.Version, OperationID: op, Actor: "workflow", Reason: "seeded", Owner: owner})
	s.Require().NoError(err)
}

// A shard whose route another migration cut over is not started: nothing
// is copied over the destination the application now writes, and neither a
// retry nor the soak can lead to a purge.
func (s *shardSuite) TestForeignRouteRefusedAtStart() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	seedRoute(s, f, routing.StateDestination, "m0", "m0/s1/8c1d2e3f/cutover-1")
	var failed ShardStatus
	var retry *updRes
	env.RegisterDelayedCallback(func() {
		failed = query(s.T(), env)
		retry = update(env, UpdateRetry, ops)
	}, time.Minute)
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 5*time.Hour)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.Equal(Failed, failed.State)
	s.Equal(Pending, failed.FailedFrom)
	s.Contains(failed.LastError, "destination")
	s.Contains(failed.LastError, "m0")
	s.Equal(ClassRoute, failed.LastErrorClass)
	s.NoError(retry.err)
	s.Empty(f.copies, "nothing is copied over a live destination")
	s.Equal(0, f.purges)
	s.Empty(f.setOps(routing.StateReadOnly))
	r := f.route(s.T())
	s.Equal(routing.StateDestination, r.State, "the other migration's route is left as it is")
	s.Equal("m0", r.Owner)
}

// A route an earlier run of the same migration cut over is not mistaken for
// this run's cutover: operation ids are unique per run, and the shard does
// not start from a route that is not at the source.
func (s *shardSuite) TestEarlierRunsCutoverNotTakenAsApplied() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	seedRoute(s, f, routing.StateDestination, "m1", "m1/s1/cutover-1")
	f.failSet[routing.StateReadOnly] = 1000 // any freeze this run tries fails
	env.RegisterDelayedCallback(func() { env.CancelWorkflow() }, 5*time.Hour)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	st := query(s.T(), env)
	s.Equal(0, f.purges, "no purge without this run's own verified cutover")
	s.NotContains(states(st), Soaking)
	s.Empty(f.copies)
}

// A route at the source that another migration owns is adopted only on an
// operator's explicit adopt; then the shard copies.
func (s *shardSuite) TestAdoptForeignRouteAtSource() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	seedRoute(s, f, routing.StateSource, "m0", "m0/s1/8c1d2e3f/rollback-source-1")
	var failed ShardStatus
	var adopt *updRes
	env.RegisterDelayedCallback(func() {
		failed = query(s.T(), env)
		adopt = update(env, UpdateAdopt, OperatorRequest{Actor: "dana", Reason: "m0 was abandoned, OPS-77"})
	}, time.Minute)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.NoError(env.GetWorkflowError())
	s.Equal(Failed, failed.State)
	s.Contains(failed.LastError, "owned by migration m0")
	s.Equal(ClassRoute, failed.LastErrorClass)
	s.Require().NoError(adopt.err)
	st := query(s.T(), env)
	s.Equal(Complete, st.State)
	r := f.route(s.T())
	s.Equal("m1", r.Owner)
	s.Equal(routing.StateDestination, r.State)
}

// Operation ids carry the run's token, so two runs of one migration's
// shard never share one.
func (s *shardSuite) TestOperationIDsCarryTheRunToken() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.NoError(env.GetWorkflowError())
	st := query(s.T(), env)
	s.NotEmpty(st.RunToken)
	for _, op := range f.rawSetOps(routing.StateDestination) {
		s.Equal("m1/s1/"+st.RunToken+"/cutover-1", op)
	}
}

// A shard cancelled while Soaking is rolled back by the cancel's clean-up;
// while that runs, its status says so (Cancelling) beside the state it was
// cancelled in, and its route is read-only being driven back.
func (s *shardSuite) TestCancelledSoakingShardShowsItsCleanUp() {
	env, f := shardEnv(s.T(), &s.WorkflowTestSuite)
	f.failKind[opRollbackSource] = 3 // the return to the source is retried
	var before, during ShardStatus
	var routeDuring routing.Route
	env.RegisterDelayedCallback(func() {
		before = query(s.T(), env)
		env.CancelWorkflow()
	}, 30*time.Minute)
	env.RegisterDelayedCallback(func() {
		during = query(s.T(), env)
		routeDuring = f.route(s.T())
	}, 30*time.Minute+2*time.Second)
	env.ExecuteWorkflow(ShardWorkflow, shardInput())
	s.Equal(Soaking, before.State)
	s.False(before.Cancelling)
	s.True(during.Cancelling, "the status shows the cancel's clean-up under way (state %s)", during.State)
	s.Equal(routing.StateReadOnly, routeDuring.State, "the route is read-only while the rollback runs")
	end := query(s.T(), env)
	s.Equal(Cancelled, end.State)
	s.Equal(routing.StateSource, f.route(s.T()).State)
}
