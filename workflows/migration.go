package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/ocimove/ocimove/internal/plan"
)

// MigrationState is the migration workflow's state, in its search attribute.
type MigrationState string

// Migration states.
const (
	MigrationRunning   MigrationState = "Running"
	MigrationPaused    MigrationState = "Paused"
	MigrationComplete  MigrationState = "Complete"
	MigrationCancelled MigrationState = "Cancelled"
)

// Migration update and query names (pause, resume and set-batch-size share
// the shard Updates' names: UpdatePause, UpdateResume, UpdateSetBatchSize).
const (
	// MigrationStatusQuery returns a MigrationStatus.
	MigrationStatusQuery = "status"
	// MigrationPlanQuery returns the migration's plan as JSON
	// (MigrationInput.PlanJSON); workers load unknown plans with it.
	MigrationPlanQuery = "plan"
	// MigrationShardsQuery returns the []ShardProgress of the shards started
	// and not finished, as they last reported.
	MigrationShardsQuery = "shards"
	// UpdateSetWindow changes the window live. Arg WindowRequest.
	UpdateSetWindow = "set-window"
)

// MaxLiveShards bounds the shards started and not yet finished (in flight,
// parked, awaiting approval or soaking). It keeps a run's pending children
// below Temporal's limit of 2,000 and the carried state small.
const MaxLiveShards = 1500

// MigrationWorkflowID returns the workflow id of migration id.
func MigrationWorkflowID(id string) string { return "ocimove/" + id }

// MigrationInput starts (or continues) a migration.
type MigrationInput struct {
	MigrationID     string `json:"migrationId"`
	PlanFingerprint string `json:"planFingerprint"`
	// PlanJSON is the normalized plan (references only, never a secret),
	// served by the MigrationPlanQuery so that any worker can load the plan
	// of a migration it has not seen (at most plan.MaxPlanBytes).
	PlanJSON []byte `json:"planJson,omitempty"`
	// Shards are explicit shards; ShardGenerator (the plan's generator
	// syntax) adds more. Their union is sorted by prefix, as plan.ShardList.
	Shards         []plan.Shard  `json:"shards,omitempty"`
	ShardGenerator string        `json:"shardGenerator,omitempty"`
	Window         int           `json:"window"`
	Settings       ShardSettings `json:"settings"`
	Estimate       Estimate      `json:"estimate"`
	// Checkpoint is the state carried across continue-as-new.
	Checkpoint MigrationCheckpoint `json:"checkpoint"`
}

// Estimate is the expected size of the whole migration (from the plan
// command's listing); zero when unknown.
type Estimate struct {
	Objects int64 `json:"objects"`
	Bytes   int64 `json:"bytes"`
}

// ShardProgress is the migration's view of one started shard.
type ShardProgress struct {
	ID        string     `json:"id"`
	Prefix    string     `json:"prefix"`
	State     ShardState `json:"state"`
	HoldsSlot bool       `json:"holdsSlot"`
	Objects   int64      `json:"objects"`
	Bytes     int64      `json:"bytes"`
	LastError string     `json:"lastError,omitempty"`
	// LastErrorClass is LastError's bounded kind (ErrorClass).
	LastErrorClass ErrorClass `json:"lastErrorClass,omitempty"`
	Seq            int64      `json:"seq"`
}

// MigrationCheckpoint is the migration's carried state.
type MigrationCheckpoint struct {
	StartedAt   time.Time          `json:"startedAt,omitzero"`
	Window      int                `json:"window"`
	Paused      bool               `json:"paused"`
	NextIndex   int                `json:"nextIndex"` // shards[:NextIndex] are started
	Live        []ShardProgress    `json:"live"`      // started and not finished, in start order
	Finished    map[ShardState]int `json:"finished"`  // finished shards by final state
	DoneObjects int64              `json:"doneObjects"`
	DoneBytes   int64              `json:"doneBytes"`
	Actions     []Transition       `json:"actions"` // operator actions, the last maxTransitions
	Runs        int                `json:"runs"`
	// ExpectedDuration is the migration's whole duration as projected once
	// 5% of the estimated bytes were done (0 before, or without an
	// estimate): what an alert compares the elapsed time with.
	ExpectedDuration time.Duration `json:"expectedDuration,omitempty"`
}

// MigrationStatus answers the status query and the migration's Updates.
type MigrationStatus struct {
	MigrationID    string             `json:"migrationId"`
	State          MigrationState     `json:"state"`
	Window         int                `json:"window"`
	SlotsUsed      int                `json:"slotsUsed"`
	Shards         int                `json:"shards"`
	Started        int                `json:"started"`
	ByState        map[ShardState]int `json:"byState"`
	ObjectsDone    int64              `json:"objectsDone"`
	BytesDone      int64              `json:"bytesDone"`
	Estimate       Estimate           `json:"estimate"`
	BytesPerSecond float64            `json:"bytesPerSecond"`
	ETA            time.Duration      `json:"eta"` // 0 when unknown
	StartedAt      time.Time          `json:"startedAt"`
	// Elapsed is the time since the start; ExpectedDuration the whole
	// duration projected early on (MigrationCheckpoint.ExpectedDuration).
	Elapsed          time.Duration   `json:"elapsed"`
	ExpectedDuration time.Duration   `json:"expectedDuration,omitempty"`
	Problems         []ShardProgress `json:"problems,omitempty"` // Failed shards, at most 20
	Actions          []Transition    `json:"actions,omitempty"`
	Runs             int             `json:"runs"`
}

// MigrationResult is a finished migration's outcome.
type MigrationResult struct {
	ByState map[ShardState]int `json:"byState"`
	Objects int64              `json:"objects"`
	Bytes   int64              `json:"bytes"`
}

// MigrationWorkflow runs one ShardWorkflow child per shard, at most Window
// of them in Copying … CutOver at once. Children are abandoned on close and
// report their state by signal to the migration's workflow id, so they
// survive its continue-as-new.
func MigrationWorkflow(ctx workflow.Context, in MigrationInput) (MigrationResult, error) {
	m, err := newMigration(ctx, in)
	if err != nil {
		return MigrationResult{}, err
	}
	if err := m.setHandlers(ctx); err != nil {
		return MigrationResult{}, err
	}
	return m.run(ctx)
}

// migration is the state of one run of MigrationWorkflow.
type migration struct {
	in      MigrationInput
	cp      *MigrationCheckpoint
	shards  []plan.Shard
	index   map[string]int // shard id → index in cp.Live
	reports workflow.ReceiveChannel
	dirty   bool
	logger  log.Logger
}

func newMigration(ctx workflow.Context, in MigrationInput) (*migration, error) {
	if in.MigrationID == "" {
		return nil, errors.New("migration workflow: migrationId is required")
	}
	if err := in.Settings.Check(); err != nil {
		return nil, fmt.Errorf("migration %s: %w", in.MigrationID, err)
	}
	shards := in.Shards
	if in.ShardGenerator != "" {
		p := &plan.Plan{Shards: plan.Shards{Generator: in.ShardGenerator}}
		for _, s := range in.Shards {
			p.Shards.Prefixes = append(p.Shards.Prefixes, s.Prefix)
		}
		var err error
		if shards, err = p.ShardList(); err != nil {
			return nil, fmt.Errorf("migration %s: shards: %w", in.MigrationID, err)
		}
	}
	if len(shards) == 0 {
		return nil, fmt.Errorf("migration %s: the shard list is empty", in.MigrationID)
	}
	m := &migration{in: in, shards: shards, logger: workflow.GetLogger(ctx),
		reports: workflow.GetSignalChannel(ctx, SignalShardReport)}
	m.cp = &m.in.Checkpoint
	if m.cp.StartedAt.IsZero() {
		m.cp.StartedAt = workflow.Now(ctx)
		m.cp.Window = in.Window
	}
	if m.cp.Window < 1 || m.cp.Window > plan.MaxWindow {
		return nil, fmt.Errorf("migration %s: window %d is outside 1..%d", in.MigrationID, m.cp.Window, plan.MaxWindow)
	}
	if m.cp.Finished == nil {
		m.cp.Finished = map[ShardState]int{}
	}
	m.reindex()
	return m, nil
}

func (m *migration) reindex() {
	m.index = make(map[string]int, len(m.cp.Live))
	for i, p := range m.cp.Live {
		m.index[p.ID] = i
	}
}

func (m *migration) run(ctx workflow.Context) (MigrationResult, error) {
	m.upsert(ctx)
	for {
		m.drain(ctx)
		m.pinExpected(workflow.Now(ctx))
		if err := m.startShards(ctx); err != nil {
			return m.cancelled(ctx)
		}
		if m.cp.NextIndex >= len(m.shards) && len(m.cp.Live) == 0 {
			m.upsert(ctx)
			return m.result(), nil
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return m.continueAsNew(ctx)
		}
		m.dirty = false
		err := workflow.Await(ctx, func() bool {
			return m.dirty || m.reports.Len() > 0 || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
		})
		if err != nil {
			return m.cancelled(ctx)
		}
	}
}

// pinExpected fixes the migration's projected duration once 5% of its
// estimated bytes are done.
func (m *migration) pinExpected(now time.Time) {
	if m.cp.ExpectedDuration > 0 || m.in.Estimate.Bytes <= 0 {
		return
	}
	st := m.status(now)
	if done := float64(st.BytesDone) / float64(m.in.Estimate.Bytes); done >= 0.05 {
		m.cp.ExpectedDuration = time.Duration(float64(st.Elapsed) / min(done, 1))
	}
}

// state is the migration's MigrationState.
func (m *migration) state() MigrationState {
	switch {
	case m.cp.NextIndex >= len(m.shards) && len(m.cp.Live) == 0:
		return MigrationComplete
	case m.cp.Paused:
		return MigrationPaused
	}
	return MigrationRunning
}

func (m *migration) upsert(ctx workflow.Context) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, MigrationIDKey.ValueSet(m.in.MigrationID),
		MigrationStateKey.ValueSet(string(m.state()))); err != nil {
		m.logger.Warn("search attributes not updated", "migration", m.in.MigrationID, "error", err)
	}
}

func (m *migration) slotsUsed() int {
	n := 0
	for _, p := range m.cp.Live {
		if p.HoldsSlot {
			n++
		}
	}
	return n
}

// startShards starts children while the window and the live bound allow.
func (m *migration) startShards(ctx workflow.Context) error {
	parentID := workflow.GetInfo(ctx).WorkflowExecution.ID
	for !m.cp.Paused && m.cp.NextIndex < len(m.shards) && m.slotsUsed() < m.cp.Window && len(m.cp.Live) < MaxLiveShards {
		sh := m.shards[m.cp.NextIndex]
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:        ShardWorkflowID(m.in.MigrationID, sh.ID),
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
			TypedSearchAttributes: temporal.NewSearchAttributes(MigrationIDKey.ValueSet(m.in.MigrationID),
				ShardStateKey.ValueSet(string(Pending))),
		})
		fut := workflow.ExecuteChildWorkflow(cctx, ShardWorkflow, ShardInput{
			MigrationID: m.in.MigrationID, PlanFingerprint: m.in.PlanFingerprint, ShardID: sh.ID, Prefix: sh.Prefix,
			ParentWorkflowID: parentID, Settings: m.in.Settings,
		})
		err := fut.GetChildWorkflowExecution().Get(ctx, nil)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		m.cp.NextIndex++
		p := ShardProgress{ID: sh.ID, Prefix: sh.Prefix, State: Pending, HoldsSlot: true}
		switch {
		case err == nil:
			id := sh.ID
			workflow.Go(ctx, func(gctx workflow.Context) {
				var r ShardResult
				m.childClosed(id, r, fut.Get(gctx, &r))
			})
		case temporal.IsWorkflowExecutionAlreadyStartedError(err):
			m.logger.Info("shard already started; waiting for its reports", "shard", sh.ID)
		default:
			p.State, p.HoldsSlot, p.LastError, p.LastErrorClass = Failed, false, "start: "+err.Error(), ClassStart
			m.logger.Error("shard did not start", "shard", sh.ID, "error", err)
		}
		m.cp.Live = append(m.cp.Live, p)
		m.index[p.ID] = len(m.cp.Live) - 1
		m.logger.Info("shard started", "migration", m.in.MigrationID, "shard", sh.ID, "slots", m.slotsUsed(), "window", m.cp.Window)
	}
	return nil
}

// childClosed records a child of this run that closed.
func (m *migration) childClosed(id string, r ShardResult, err error) {
	i, ok := m.index[id]
	if !ok {
		return // already finished by its report
	}
	p := &m.cp.Live[i]
	var canceled *temporal.CanceledError
	switch {
	case err == nil:
		p.State = r.State
		p.Objects, p.Bytes = r.Counts.Objects, r.Counts.Bytes
	case errors.As(err, &canceled):
		p.State = Cancelled
	default:
		p.State = Failed
		p.LastError, p.LastErrorClass = err.Error(), errorClass(err)
	}
	if p.State.Final() {
		m.finish(i)
	} else {
		// A child that failed as a workflow (bad input) ends; count it failed.
		m.cp.Finished[Failed]++
		m.remove(i)
	}
	m.dirty = true
}

// drain applies every queued shard report.
func (m *migration) drain(ctx workflow.Context) {
	for {
		var r ShardReport
		if !m.reports.ReceiveAsync(&r) {
			return
		}
		m.apply(r)
	}
}

func (m *migration) apply(r ShardReport) {
	i, ok := m.index[r.ShardID]
	if !ok {
		m.logger.Debug("report from a shard not live here", "shard", r.ShardID, "state", r.State)
		return
	}
	p := &m.cp.Live[i]
	if r.Seq != 0 && r.Seq <= p.Seq {
		return
	}
	p.State, p.HoldsSlot, p.Objects, p.Bytes, p.Seq = r.State, r.HoldsSlot, r.Objects, r.Bytes, r.Seq
	p.LastError, p.LastErrorClass = r.LastError, r.LastErrorClass
	if p.State.Final() {
		m.finish(i)
	}
	m.dirty = true
}

func (m *migration) finish(i int) {
	p := m.cp.Live[i]
	m.cp.Finished[p.State]++
	m.cp.DoneObjects += p.Objects
	m.cp.DoneBytes += p.Bytes
	m.remove(i)
}

func (m *migration) remove(i int) {
	m.cp.Live = slices.Delete(m.cp.Live, i, i+1)
	m.reindex()
}

// continueAsNew drains the reports, waits for handlers and continues with
// the carried state. Children keep running (ABANDON) and report to the new run.
func (m *migration) continueAsNew(ctx workflow.Context) (MigrationResult, error) {
	m.drain(ctx)
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return m.cancelled(ctx)
	}
	m.drain(ctx)
	m.cp.Runs++
	m.logger.Info("migration continues as new", "migration", m.in.MigrationID, "live", len(m.cp.Live), "next", m.cp.NextIndex)
	return MigrationResult{}, workflow.NewContinueAsNewError(ctx, MigrationWorkflow, m.in)
}

// cancelled cancels every live shard (each cleans up its uploads and routing).
func (m *migration) cancelled(ctx workflow.Context) (MigrationResult, error) {
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	ids := make([]string, 0, len(m.cp.Live))
	futs := make([]workflow.Future, 0, len(m.cp.Live))
	for _, p := range m.cp.Live {
		ids = append(ids, p.ID)
		futs = append(futs, workflow.RequestCancelExternalWorkflow(dctx, ShardWorkflowID(m.in.MigrationID, p.ID), ""))
	}
	for i, f := range futs {
		if err := f.Get(dctx, nil); err != nil {
			m.logger.Warn("shard not cancelled", "shard", ids[i], "error", err)
		}
	}
	if err := workflow.UpsertTypedSearchAttributes(dctx, MigrationStateKey.ValueSet(string(MigrationCancelled))); err != nil {
		m.logger.Warn("search attributes not updated", "error", err)
	}
	return m.result(), ctx.Err()
}

func (m *migration) result() MigrationResult {
	st := m.status(time.Time{})
	return MigrationResult{ByState: st.ByState, Objects: st.ObjectsDone, Bytes: st.BytesDone}
}

// status computes the status at now (zero: no rate).
func (m *migration) status(now time.Time) MigrationStatus {
	st := MigrationStatus{MigrationID: m.in.MigrationID, State: m.state(), Window: m.cp.Window, SlotsUsed: m.slotsUsed(),
		Shards: len(m.shards), Started: m.cp.NextIndex, ByState: map[ShardState]int{}, Estimate: m.in.Estimate,
		ObjectsDone: m.cp.DoneObjects, BytesDone: m.cp.DoneBytes, Runs: m.cp.Runs,
		Actions: append([]Transition(nil), m.cp.Actions...)}
	for _, k := range AllShardStates {
		if v := m.cp.Finished[k]; v > 0 {
			st.ByState[k] += v
		}
	}
	for _, p := range m.cp.Live {
		st.ByState[p.State]++
		st.ObjectsDone += p.Objects
		st.BytesDone += p.Bytes
		if p.State == Failed && len(st.Problems) < 20 {
			st.Problems = append(st.Problems, p)
		}
	}
	if n := len(m.shards) - m.cp.NextIndex; n > 0 {
		st.ByState[Pending] += n
	}
	st.StartedAt, st.ExpectedDuration = m.cp.StartedAt, m.cp.ExpectedDuration
	if !now.IsZero() {
		st.Elapsed = now.Sub(m.cp.StartedAt)
	}
	if elapsed := now.Sub(m.cp.StartedAt).Seconds(); !now.IsZero() && elapsed > 0 {
		st.BytesPerSecond = float64(st.BytesDone) / elapsed
		if st.BytesPerSecond > 0 && m.in.Estimate.Bytes > st.BytesDone {
			st.ETA = time.Duration(float64(m.in.Estimate.Bytes-st.BytesDone) / st.BytesPerSecond * float64(time.Second))
		}
	}
	return st
}
