package workflows

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/plan"
)

type migrationSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
}

func TestMigrationWorkflow(t *testing.T) { suite.Run(t, new(migrationSuite)) }

// children records the mocked shard children: when each started and how
// many ran at once.
type children struct {
	mu      sync.Mutex
	started map[string]time.Time
	running int
	maxRun  int
}

// mockShards registers, under ShardWorkflow's name, a child that runs for d
// and completes. (A registered fake rather than env.OnWorkflow: the test
// environment reports a mocked child started only when it has finished.)
func mockShards(env *testsuite.TestWorkflowEnvironment, d time.Duration) *children {
	c := &children{started: map[string]time.Time{}}
	env.RegisterWorkflowWithOptions(
		func(ctx workflow.Context, in ShardInput) (ShardResult, error) {
			c.mu.Lock()
			c.started[in.ShardID] = workflow.Now(ctx)
			c.running++
			c.maxRun = max(c.maxRun, c.running)
			c.mu.Unlock()
			err := workflow.Sleep(ctx, d)
			c.mu.Lock()
			c.running--
			c.mu.Unlock()
			if err != nil {
				return ShardResult{}, err
			}
			return ShardResult{ShardID: in.ShardID, State: Complete}, nil
		}, workflow.RegisterOptions{Name: "ShardWorkflow"})
	return c
}

func migrationInput(n, window int) MigrationInput {
	in := MigrationInput{MigrationID: "m1", PlanFingerprint: "fp", Window: window, Settings: testSettings(),
		Estimate: Estimate{Objects: 100, Bytes: 1000}}
	for i := range n {
		p := fmt.Sprintf("users/%02d/", i)
		in.Shards = append(in.Shards, plan.Shard{ID: plan.ShardID(p), Prefix: p})
	}
	return in
}

func (s *migrationSuite) env() *testsuite.TestWorkflowEnvironment {
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(testStart)
	env.RegisterWorkflow(MigrationWorkflow)
	return env
}

// The window bounds the shards in flight.
func (s *migrationSuite) TestWindow() {
	env := s.env()
	c := mockShards(env, time.Hour)
	env.ExecuteWorkflow(MigrationWorkflow, migrationInput(5, 2))
	s.NoError(env.GetWorkflowError())
	var res MigrationResult
	s.NoError(env.GetWorkflowResult(&res))
	s.Equal(5, res.ByState[Complete])
	s.Len(c.started, 5)
	s.Equal(2, c.maxRun)
}

// A soaking (or parked) shard releases its slot.
func (s *migrationSuite) TestSlotReleasedBySoakingShard() {
	env := s.env()
	c := mockShards(env, 10*time.Hour)
	in := migrationInput(2, 1)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalShardReport, ShardReport{ShardID: in.Shards[0].ID, State: Soaking, HoldsSlot: false, Objects: 7, Bytes: 70, Seq: 5})
	}, time.Hour)
	var st MigrationStatus
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(MigrationStatusQuery)
		s.Require().NoError(err)
		s.Require().NoError(v.Get(&st))
	}, 2*time.Hour)
	env.ExecuteWorkflow(MigrationWorkflow, in)
	s.NoError(env.GetWorkflowError())
	s.Equal(testStart.Add(time.Hour), c.started[in.Shards[1].ID], "the second shard starts when the first soaks")
	s.Equal(1, st.ByState[Soaking])
	s.Equal(1, st.ByState[Pending])
	s.EqualValues(70, st.BytesDone)
	s.EqualValues(1000, st.Estimate.Bytes)
	s.Greater(st.BytesPerSecond, 0.0)
	s.Greater(st.ETA, time.Duration(0))
}

// The window changes live; out-of-range windows are rejected with the reason.
func (s *migrationSuite) TestSetWindow() {
	env := s.env()
	c := mockShards(env, time.Hour)
	var zero, huge, ok *migUpd
	env.RegisterDelayedCallback(func() {
		zero = migUpdate(env, UpdateSetWindow, WindowRequest{OperatorRequest: ops, Window: 0})
		huge = migUpdate(env, UpdateSetWindow, WindowRequest{OperatorRequest: ops, Window: 1001})
		ok = migUpdate(env, UpdateSetWindow, WindowRequest{OperatorRequest: ops, Window: 3})
	}, time.Minute)
	env.ExecuteWorkflow(MigrationWorkflow, migrationInput(4, 1))
	s.NoError(env.GetWorkflowError())
	s.ErrorContains(zero.err, "window 0 is outside 1..1000")
	s.ErrorContains(huge.err, "window 1001 is outside 1..1000")
	s.Require().NoError(ok.err)
	s.Equal(3, ok.st.Window)
	s.Equal(3, c.maxRun)
	s.Require().Len(ok.st.Actions, 1)
	s.Equal("alice", ok.st.Actions[0].Actor)
}

// Pause stops new shards and is forwarded to the live ones; resume starts them again.
func (s *migrationSuite) TestPauseResume() {
	env := s.env()
	c := mockShards(env, time.Hour)
	in := migrationInput(2, 1)
	var pause, resume *migUpd
	env.RegisterDelayedCallback(func() { pause = migUpdate(env, UpdatePause, ops) }, time.Minute)
	env.RegisterDelayedCallback(func() { resume = migUpdate(env, UpdateResume, ops) }, 3*time.Hour)
	env.ExecuteWorkflow(MigrationWorkflow, in)
	s.NoError(env.GetWorkflowError())
	s.NoError(pause.err)
	s.Equal(MigrationPaused, pause.st.State)
	s.NoError(resume.err)
	s.Equal(testStart.Add(3*time.Hour), c.started[in.Shards[1].ID], "no shard starts while paused")
}

// Continue-as-new with children in flight carries their states; the next
// run takes their reports and finishes.
func (s *migrationSuite) TestContinueAsNewWithChildrenInFlight() {
	env := s.env()
	mockShards(env, time.Hour)
	in := migrationInput(3, 2)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalShardReport, ShardReport{ShardID: in.Shards[0].ID, State: Verifying, HoldsSlot: true, Objects: 3, Seq: 4})
	}, time.Minute)
	env.RegisterDelayedCallback(func() { env.SetContinueAsNewSuggested(true) }, 2*time.Minute)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow("wake", nil) }, 3*time.Minute)
	env.ExecuteWorkflow(MigrationWorkflow, in)
	next := continuedInput[MigrationInput](s.T(), env.GetWorkflowError())
	s.Equal(2, next.Checkpoint.NextIndex)
	s.Require().Len(next.Checkpoint.Live, 2)
	s.Equal(Verifying, next.Checkpoint.Live[0].State)
	s.EqualValues(3, next.Checkpoint.Live[0].Objects)
	s.Equal(Pending, next.Checkpoint.Live[1].State)
	s.Equal(1, next.Checkpoint.Runs)

	// The next run: the abandoned children report by workflow id.
	env2 := s.env()
	c2 := mockShards(env2, time.Hour)
	for i := range 2 {
		id := in.Shards[i].ID
		env2.RegisterDelayedCallback(func() {
			env2.SignalWorkflow(SignalShardReport, ShardReport{ShardID: id, State: Complete, Objects: 5, Bytes: 50, Seq: 9})
		}, time.Duration(i+1)*time.Minute)
	}
	env2.ExecuteWorkflow(MigrationWorkflow, next)
	s.NoError(env2.GetWorkflowError())
	var res MigrationResult
	s.NoError(env2.GetWorkflowResult(&res))
	s.Equal(3, res.ByState[Complete])
	s.EqualValues(100, res.Bytes)
	s.Len(c2.started, 1, "only the third shard starts in the new run")
	s.Contains(c2.started, in.Shards[2].ID)
}

// A generator expands with the plan's pure functions.
func (s *migrationSuite) TestGenerator() {
	env := s.env()
	c := mockShards(env, time.Minute)
	in := migrationInput(0, 4)
	in.ShardGenerator = "logs/{0..2}/"
	env.ExecuteWorkflow(MigrationWorkflow, in)
	s.NoError(env.GetWorkflowError())
	s.Len(c.started, 3)
	s.Contains(c.started, plan.ShardID("logs/1/"))
}

// Bad inputs fail at once, naming the field.
func TestMigrationBadInput(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	for name, tc := range map[string]struct {
		in   MigrationInput
		want string
	}{
		"no shards": {migrationInput(0, 1), "the shard list is empty"},
		"window":    {migrationInput(1, 0), "window 0 is outside 1..1000"},
		"batch":     {func() MigrationInput { in := migrationInput(1, 1); in.Settings.BatchSize = 0; return in }(), "settings.batchSize 0"},
	} {
		env := s.NewTestWorkflowEnvironment()
		env.ExecuteWorkflow(MigrationWorkflow, tc.in)
		require.ErrorContains(t, env.GetWorkflowError(), tc.want, name)
	}
}

type migUpd struct {
	st  MigrationStatus
	err error
}

func migUpdate(env *testsuite.TestWorkflowEnvironment, name string, arg any) *migUpd {
	r := &migUpd{}
	env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { r.err = err },
		OnComplete: func(v any, err error) {
			r.err = err
			if st, ok := v.(MigrationStatus); ok {
				r.st = st
			}
		},
	}, arg)
	return r
}

// A shard whose purge fails is Failed in the migration's view, and the
// migration does not finish as if it were Complete.
func (s *migrationSuite) TestPurgeFailureShowsInMigration() {
	env := s.env()
	env.RegisterWorkflow(ShardWorkflow)
	f := newFakeActs()
	f.register(env)
	f.purgeFails = true
	var st MigrationStatus
	completedEarly := false
	env.RegisterDelayedCallback(func() {
		completedEarly = env.IsWorkflowCompleted()
		v, err := env.QueryWorkflow(MigrationStatusQuery)
		s.Require().NoError(err)
		s.Require().NoError(v.Get(&st))
		env.CancelWorkflow()
	}, 5*time.Hour)
	env.ExecuteWorkflow(MigrationWorkflow, migrationInput(1, 1))
	s.Equal(1, f.purges)
	s.False(completedEarly, "the migration is not complete while a purge failed")
	s.Equal(1, st.ByState[Failed])
	s.Zero(st.ByState[Complete])
	s.Require().Len(st.Problems, 1)
	s.Contains(st.Problems[0].LastError, "fails the full re-verification")
	s.Equal(ErrorClass(activities.ErrTypeInput), st.Problems[0].LastErrorClass, "the shard's report carries its error's class")
}
