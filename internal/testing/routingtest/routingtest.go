// Package routingtest is the conformance suite for routing targets: every
// backend runs Run against a real instance of itself, so that they all keep
// the same compare-and-set and idempotency contract.
package routingtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/routing"
)

// DrainAcker is implemented by targets on which a test can acknowledge a
// drain the way the application would.
type DrainAcker interface {
	AckDrain(ctx context.Context, shard, opID string) error
}

// Options tunes the suite for a backend.
type Options struct {
	// Acker, when set, acknowledges drains for the drain tests (for a target
	// whose acknowledgement happens elsewhere, such as a webhook's server).
	// When nil, the target itself is used if it is a DrainAcker.
	Acker DrainAcker
	// Historian, when set, is read for the history test; when nil the target
	// itself is used if it is a routing.History.
	Historian routing.History
	// Goroutines and Rounds size the concurrency test (default 6 and 4).
	Goroutines, Rounds int
}

var seq atomic.Int64

// Shard returns a shard name unique to this process and run, so that suites
// can share a database.
func Shard(t *testing.T) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("users/%s-%d-%s/", hex.EncodeToString(b), seq.Add(1), t.Name())
}

// Run runs the conformance suite. newTarget is called once per subtest; it may
// return the same target each time.
func Run(t *testing.T, newTarget func(t *testing.T) routing.Target, opts Options) {
	if opts.Goroutines <= 0 {
		opts.Goroutines = 6
	}
	if opts.Rounds <= 0 {
		opts.Rounds = 4
	}
	t.Run("Register", func(t *testing.T) { testRegister(t, newTarget(t)) })
	t.Run("UnknownShard", func(t *testing.T) { testUnknownShard(t, newTarget(t)) })
	t.Run("InvalidChange", func(t *testing.T) { testInvalidChange(t, newTarget(t)) })
	t.Run("CompareAndSet", func(t *testing.T) { testCompareAndSet(t, newTarget(t)) })
	t.Run("VersionConflict", func(t *testing.T) { testVersionConflict(t, newTarget(t)) })
	t.Run("RetryAfterLostResponse", func(t *testing.T) { testRetryAfterLostResponse(t, newTarget(t)) })
	t.Run("StaleRetryOfSupersededChange", func(t *testing.T) { testStaleRetryOfSupersededChange(t, newTarget(t)) })
	t.Run("Owner", func(t *testing.T) { testOwner(t, newTarget(t)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, newTarget(t), opts.Goroutines, opts.Rounds) })
	t.Run("History", func(t *testing.T) {
		tg := newTarget(t)
		h := opts.Historian
		if h == nil {
			h, _ = tg.(routing.History)
		}
		if h == nil {
			t.Skip("target keeps no history")
		}
		testHistory(t, tg, h)
	})
	t.Run("DrainAck", func(t *testing.T) {
		tg := newTarget(t)
		da, ok := tg.(routing.DrainAcknowledger)
		if !ok {
			t.Skip("target does not implement routing.DrainAcknowledger")
		}
		acker := opts.Acker
		if acker == nil {
			acker, _ = tg.(DrainAcker)
		}
		require.NotNil(t, acker, "a DrainAcknowledger target needs a way to acknowledge in tests")
		testDrainAck(t, tg, da, acker)
	})
}

func register(t *testing.T, tg routing.Target) routing.Route {
	t.Helper()
	shard := Shard(t)
	r, err := tg.Register(t.Context(), shard, "s3://src/"+shard)
	require.NoError(t, err)
	return r
}

func change(r routing.Route, to routing.State, op string) routing.Change {
	return routing.Change{
		Shard: r.Shard, To: to, ExpectedVersion: r.Version, OperationID: op,
		Actor: "routingtest", Reason: "conformance " + op, Owner: "mig-conformance",
	}
}

func testRegister(t *testing.T, tg routing.Target) {
	ctx := t.Context()
	shard := Shard(t)
	r, err := tg.Register(ctx, shard, "s3://src/a/")
	require.NoError(t, err)
	assert.Equal(t, shard, r.Shard)
	assert.Equal(t, routing.StateSource, r.State)
	assert.Equal(t, "s3://src/a/", r.Location)
	assert.EqualValues(t, 0, r.Version)
	assert.Empty(t, r.OperationID)
	assert.False(t, r.DrainAck)
	assert.False(t, r.UpdatedAt.IsZero())

	// Idempotent: a second registration returns the route unchanged, even
	// after a change and even with another location.
	_, err = tg.Set(ctx, change(r, routing.StateReadOnly, "op-freeze"))
	require.NoError(t, err)
	again, err := tg.Register(ctx, shard, "s3://elsewhere/")
	require.NoError(t, err)
	assert.Equal(t, routing.StateReadOnly, again.State)
	assert.EqualValues(t, 1, again.Version)
	assert.Equal(t, "s3://src/a/", again.Location)

	got, err := tg.Get(ctx, shard)
	require.NoError(t, err)
	assert.Equal(t, again.Version, got.Version)
	assert.Equal(t, again.State, got.State)

	_, err = tg.Register(ctx, "", "s3://x/")
	assert.ErrorIs(t, err, routing.ErrInvalidChange)
	_, err = tg.Register(ctx, Shard(t), "")
	assert.ErrorIs(t, err, routing.ErrInvalidChange)
}

func testUnknownShard(t *testing.T, tg routing.Target) {
	ctx := t.Context()
	shard := Shard(t)
	_, err := tg.Get(ctx, shard)
	require.ErrorIs(t, err, routing.ErrUnknownShard)
	assert.Contains(t, err.Error(), shard)
	_, err = tg.Set(ctx, routing.Change{Shard: shard, To: routing.StateReadOnly, OperationID: "op-1", Owner: "mig-1"})
	require.ErrorIs(t, err, routing.ErrUnknownShard)
	if da, ok := tg.(routing.DrainAcknowledger); ok {
		_, err = da.DrainAcknowledged(ctx, shard, "op-1")
		require.ErrorIs(t, err, routing.ErrUnknownShard)
	}
}

func testInvalidChange(t *testing.T, tg routing.Target) {
	ctx := t.Context()
	r := register(t, tg)
	bad := []routing.Change{
		{Shard: "", To: routing.StateReadOnly, OperationID: "op", Owner: "mig-1"},
		{Shard: r.Shard, To: "frozen", OperationID: "op", Owner: "mig-1"},
		{Shard: r.Shard, To: routing.StateReadOnly, OperationID: "", Owner: "mig-1"},
		{Shard: r.Shard, To: routing.StateReadOnly, OperationID: "op", ExpectedVersion: -1, Owner: "mig-1"},
		{Shard: r.Shard, To: routing.StateReadOnly, OperationID: "op"}, // no owner
	}
	for _, c := range bad {
		_, err := tg.Set(ctx, c)
		require.ErrorIs(t, err, routing.ErrInvalidChange, "change %+v", c)
		assert.NotErrorIs(t, err, routing.ErrVersionConflict)
	}
	got, err := tg.Get(ctx, r.Shard)
	require.NoError(t, err)
	assert.EqualValues(t, 0, got.Version, "a rejected change must change nothing")
	assert.Equal(t, routing.StateSource, got.State)
}

func testCompareAndSet(t *testing.T, tg routing.Target) {
	ctx := t.Context()
	r := register(t, tg)

	frozen, err := tg.Set(ctx, change(r, routing.StateReadOnly, "op-freeze"))
	require.NoError(t, err)
	assert.Equal(t, routing.StateReadOnly, frozen.State)
	assert.EqualValues(t, 1, frozen.Version)
	assert.Equal(t, "op-freeze", frozen.OperationID)
	assert.Equal(t, "routingtest", frozen.Actor)
	assert.Equal(t, r.Location, frozen.Location, "an empty Location keeps the current one")

	c := change(frozen, routing.StateDestination, "op-cutover")
	c.Location = "oci://dst/" + r.Shard
	cut, err := tg.Set(ctx, c)
	require.NoError(t, err)
	assert.Equal(t, routing.StateDestination, cut.State)
	assert.EqualValues(t, 2, cut.Version)
	assert.Equal(t, c.Location, cut.Location)
	assert.Equal(t, "op-cutover", cut.OperationID)
	assert.False(t, cut.UpdatedAt.Before(frozen.UpdatedAt))

	got, err := tg.Get(ctx, r.Shard)
	require.NoError(t, err)
	assert.Equal(t, cut.State, got.State)
	assert.Equal(t, cut.Version, got.Version)
	assert.Equal(t, cut.Location, got.Location)
	assert.Equal(t, cut.OperationID, got.OperationID)
	assert.Equal(t, cut.Actor, got.Actor)
}

// testOwner: a route is owned by no migration until one changes it; every
// change records its migration as the owner, and a retry of an applied
// change keeps it.
func testOwner(t *testing.T, tg routing.Target) {
	ctx := t.Context()
	r := register(t, tg)
	assert.Empty(t, r.Owner, "a registered route is owned by no migration")

	claim := change(r, routing.StateSource, "mig-a/claim")
	claim.Owner = "mig-a"
	claimed, err := tg.Set(ctx, claim)
	require.NoError(t, err)
	assert.Equal(t, "mig-a", claimed.Owner)
	assert.Equal(t, routing.StateSource, claimed.State, "a claim keeps the state")
	assert.EqualValues(t, 1, claimed.Version)

	retry, err := tg.Set(ctx, claim)
	require.NoError(t, err)
	assert.Equal(t, "mig-a", retry.Owner)
	assert.EqualValues(t, 1, retry.Version)

	other := change(claimed, routing.StateReadOnly, "mig-b/freeze")
	other.Owner = "mig-b"
	taken, err := tg.Set(ctx, other)
	require.NoError(t, err)
	assert.Equal(t, "mig-b", taken.Owner)

	got, err := tg.Get(ctx, r.Shard)
	require.NoError(t, err)
	assert.Equal(t, "mig-b", got.Owner)
	again, err := tg.Register(ctx, r.Shard, "s3://elsewhere/")
	require.NoError(t, err)
	assert.Equal(t, "mig-b", again.Owner, "registering again returns the owner")
}

func testVersionConflict(t *testing.T, tg routing.Target) {
	ctx := t.Context()
	r := register(t, tg)
	c := change(r, routing.StateReadOnly, "op-a")
	c.ExpectedVersion = 7
	_, err := tg.Set(ctx, c)
	require.ErrorIs(t, err, routing.ErrVersionConflict)
	var ce *routing.ConflictError
	require.ErrorAs(t, err, &ce)
	assert.EqualValues(t, 0, ce.Current.Version)
	assert.Contains(t, err.Error(), "current version 0")

	got, err := tg.Get(ctx, r.Shard)
	require.NoError(t, err)
	assert.EqualValues(t, 0, got.Version)
	assert.Equal(t, routing.StateSource, got.State)
}

func testRetryAfterLostResponse(t *testing.T, tg routing.Target) {
	ctx := t.Context()
	r := register(t, tg)
	c := change(r, routing.StateReadOnly, "op-freeze")
	first, err := tg.Set(ctx, c)
	require.NoError(t, err)
	require.EqualValues(t, 1, first.Version)

	// The response was lost: the caller retries the same change, with the
	// version it saw before. Its own operation is found applied: success.
	retry, err := tg.Set(ctx, c)
	require.NoError(t, err)
	assert.EqualValues(t, 1, retry.Version, "a retry must not apply twice")
	assert.Equal(t, "op-freeze", retry.OperationID)
	assert.Equal(t, routing.StateReadOnly, retry.State)

	// A different operation with the stale version is a conflict.
	_, err = tg.Set(ctx, change(r, routing.StateReadOnly, "op-other"))
	require.ErrorIs(t, err, routing.ErrVersionConflict)
	// So is the same operation id asking for another state.
	_, err = tg.Set(ctx, change(r, routing.StateDestination, "op-freeze"))
	require.ErrorIs(t, err, routing.ErrVersionConflict)

	got, err := tg.Get(ctx, r.Shard)
	require.NoError(t, err)
	assert.EqualValues(t, 1, got.Version)
	assert.Equal(t, routing.StateReadOnly, got.State)
}

func testStaleRetryOfSupersededChange(t *testing.T, tg routing.Target) {
	ctx := t.Context()
	r := register(t, tg)
	freeze := change(r, routing.StateReadOnly, "op-freeze")
	frozen, err := tg.Set(ctx, freeze)
	require.NoError(t, err)
	_, err = tg.Set(ctx, change(frozen, routing.StateSource, "op-unfreeze"))
	require.NoError(t, err)
	// The freeze is no longer the current operation: its late retry must not
	// report success, or the caller would believe the shard is frozen.
	_, err = tg.Set(ctx, freeze)
	require.ErrorIs(t, err, routing.ErrVersionConflict)
	got, err := tg.Get(ctx, r.Shard)
	require.NoError(t, err)
	assert.Equal(t, routing.StateSource, got.State)
	assert.EqualValues(t, 2, got.Version)
}

func testConcurrent(t *testing.T, tg routing.Target, goroutines, rounds int) {
	ctx := t.Context()
	r := register(t, tg)
	states := []routing.State{routing.StateReadOnly, routing.StateSource}
	for v := range int64(rounds) {
		type result struct {
			route routing.Route
			op    string
			err   error
		}
		results := make([]result, goroutines)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := range goroutines {
			wg.Go(func() {
				<-start
				op := fmt.Sprintf("op-v%d-g%d", v, g)
				c := routing.Change{
					Shard: r.Shard, To: states[v%2], ExpectedVersion: v, OperationID: op,
					Actor: fmt.Sprintf("goroutine-%d", g), Reason: "race", Owner: fmt.Sprintf("mig-%d", g),
				}
				route, err := tg.Set(ctx, c)
				results[g] = result{route, op, err}
			})
		}
		close(start)
		wg.Wait()
		winners := 0
		for _, res := range results {
			if res.err == nil {
				winners++
				assert.Equal(t, v+1, res.route.Version)
				assert.Equal(t, res.op, res.route.OperationID)
				continue
			}
			assert.True(t, errors.Is(res.err, routing.ErrVersionConflict), "round %d: unexpected error: %v", v, res.err)
		}
		require.Equal(t, 1, winners, "round %d: exactly one concurrent Set must win", v)
		got, err := tg.Get(ctx, r.Shard)
		require.NoError(t, err)
		require.Equal(t, v+1, got.Version)
		require.Equal(t, states[v%2], got.State)
	}
}

func testHistory(t *testing.T, tg routing.Target, h routing.History) {
	ctx := t.Context()
	r := register(t, tg)
	freeze := change(r, routing.StateReadOnly, "op-freeze")
	freeze.Actor, freeze.Reason = "alice", "final delta"
	frozen, err := tg.Set(ctx, freeze)
	require.NoError(t, err)
	_, err = tg.Set(ctx, freeze) // a retry records nothing
	require.NoError(t, err)
	bad := change(r, routing.StateDestination, "op-stale")
	_, err = tg.Set(ctx, bad) // nor does a conflict
	require.ErrorIs(t, err, routing.ErrVersionConflict)
	cut := change(frozen, routing.StateDestination, "op-cutover")
	cut.Location, cut.Actor, cut.Reason = "oci://dst/x/", "bob", "verified"
	_, err = tg.Set(ctx, cut)
	require.NoError(t, err)

	hist, err := h.History(ctx, r.Shard)
	require.NoError(t, err)
	require.Len(t, hist, 3)
	assert.Equal(t, routing.EventRegister, hist[0].Kind)
	assert.Equal(t, routing.StateSource, hist[0].To)
	assert.EqualValues(t, 0, hist[0].Version)

	assert.Equal(t, routing.EventSet, hist[1].Kind)
	assert.Equal(t, routing.StateSource, hist[1].From)
	assert.Equal(t, routing.StateReadOnly, hist[1].To)
	assert.EqualValues(t, 1, hist[1].Version)
	assert.Equal(t, "op-freeze", hist[1].OperationID)
	assert.Equal(t, "alice", hist[1].Actor)
	assert.Equal(t, "final delta", hist[1].Reason)
	assert.False(t, hist[1].At.IsZero())

	assert.Equal(t, routing.StateReadOnly, hist[2].From)
	assert.Equal(t, routing.StateDestination, hist[2].To)
	assert.Equal(t, "oci://dst/x/", hist[2].Location)
	assert.EqualValues(t, 2, hist[2].Version)
	assert.Equal(t, "op-cutover", hist[2].OperationID)
	assert.Equal(t, "bob", hist[2].Actor)
	assert.Equal(t, "verified", hist[2].Reason)
	assert.Equal(t, "mig-conformance", hist[2].Owner, "the history names the migration that made each change")
	for _, e := range hist {
		assert.Equal(t, r.Shard, e.Shard)
	}
}

func testDrainAck(t *testing.T, tg routing.Target, da routing.DrainAcknowledger, acker DrainAcker) {
	ctx := t.Context()
	r := register(t, tg)

	// Not frozen: an acknowledgement is refused.
	err := acker.AckDrain(ctx, r.Shard, "op-freeze")
	require.Error(t, err)

	frozen, err := tg.Set(ctx, change(r, routing.StateReadOnly, "op-freeze"))
	require.NoError(t, err)
	assert.False(t, frozen.DrainAck)
	ok, err := da.DrainAcknowledged(ctx, r.Shard, "op-freeze")
	require.NoError(t, err)
	assert.False(t, ok, "no acknowledgement yet")

	// An acknowledgement for another operation is refused and proves nothing.
	require.Error(t, acker.AckDrain(ctx, r.Shard, "op-old-freeze"))
	ok, err = da.DrainAcknowledged(ctx, r.Shard, "op-freeze")
	require.NoError(t, err)
	assert.False(t, ok)

	require.NoError(t, acker.AckDrain(ctx, r.Shard, "op-freeze"))
	require.NoError(t, acker.AckDrain(ctx, r.Shard, "op-freeze"), "acknowledging twice is fine")
	ok, err = da.DrainAcknowledged(ctx, r.Shard, "op-freeze")
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = da.DrainAcknowledged(ctx, r.Shard, "op-old-freeze")
	require.NoError(t, err)
	assert.False(t, ok, "the acknowledgement is tied to its operation")
	got, err := tg.Get(ctx, r.Shard)
	require.NoError(t, err)
	assert.True(t, got.DrainAck)
	assert.EqualValues(t, 1, got.Version, "an acknowledgement is not a routing change")

	// The next change clears it; a new freeze needs a new acknowledgement.
	back, err := tg.Set(ctx, change(got, routing.StateSource, "op-unfreeze"))
	require.NoError(t, err)
	assert.False(t, back.DrainAck)
	refrozen, err := tg.Set(ctx, change(back, routing.StateReadOnly, "op-freeze-2"))
	require.NoError(t, err)
	assert.False(t, refrozen.DrainAck)
	ok, err = da.DrainAcknowledged(ctx, r.Shard, "op-freeze-2")
	require.NoError(t, err)
	assert.False(t, ok)
	ok, err = da.DrainAcknowledged(ctx, r.Shard, "op-freeze")
	require.NoError(t, err)
	assert.False(t, ok)
}
