package activities_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/store"
)

func TestCopyBatchWritesManifestAndAdvancesCursor(t *testing.T) {
	f := newFixture(t)
	keys := f.seed(t, 7, 2000)
	env := f.actEnv()

	v, err := env.ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{
		Shard: f.ref, Batch: 1, Limit: 4, StartAt: time.Now()})
	require.NoError(t, err)
	var first activities.CopyBatchResult
	require.NoError(t, v.Get(&first))
	assert.Equal(t, keys[3], first.NextCursor)
	assert.False(t, first.Done)
	assert.EqualValues(t, 4, first.Counts.Copied)
	assert.EqualValues(t, 4*2000, first.Counts.BytesSent)
	assert.Equal(t, f.plan.Destination.ManifestPrefix+f.ref.ShardID+"/batch-00001.json", first.ManifestKey)

	ms, err := manifest.New(f.dst, f.plan.Destination.ManifestPrefix, f.plan.AllowedRegion)
	require.NoError(t, err)
	m, err := ms.ReadManifest(context.Background(), first.ManifestKey)
	require.NoError(t, err)
	require.Len(t, m.Entries, 4)
	for i, e := range m.Entries {
		assert.Equal(t, keys[i], e.Key)
		assert.Equal(t, engine.Copied, e.Outcome)
		assert.Len(t, e.SHA256, 64)
		assert.Len(t, e.MD5, 32)
		assert.NotEmpty(t, e.SourceETag)
	}

	v, err = env.ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{
		Shard: f.ref, Batch: 2, Cursor: first.NextCursor, Limit: 4, StartAt: time.Now()})
	require.NoError(t, err)
	var second activities.CopyBatchResult
	require.NoError(t, v.Get(&second))
	assert.True(t, second.Done)
	assert.Equal(t, keys[6], second.NextCursor)
	assert.EqualValues(t, 3, second.Counts.Copied)

	// Every source object is at the destination with its bytes.
	for _, k := range keys {
		_, err := f.dst.Head(context.Background(), k)
		require.NoError(t, err, k)
	}
	merged, err := ms.Merge(context.Background(), f.ref.ShardID)
	require.NoError(t, err)
	assert.Len(t, merged.Entries, 7)

	// A rerun of batch 1 (a retry after a lost result) rewrites the same
	// manifest: every object is skipped as identical.
	v, err = env.ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{
		Shard: f.ref, Batch: 1, Limit: 4, StartAt: time.Now()})
	require.NoError(t, err)
	var again activities.CopyBatchResult
	require.NoError(t, v.Get(&again))
	assert.EqualValues(t, 4, again.Counts.Skipped)
	assert.Zero(t, again.Counts.BytesSent)
}

func TestCopyBatchAppliesFilters(t *testing.T) {
	f := newFixture(t, func(p *planT) { p.Sources.Primary.Filters.Exclude = []string{"**/*.tmp"} })
	put(t, f.src, "s/a.tmp", []byte("scratch"))
	put(t, f.src, "s/b.dat", []byte("data"))
	v, err := f.actEnv().ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{
		Shard: f.ref, Batch: 1, Limit: 10, StartAt: time.Now()})
	require.NoError(t, err)
	var res activities.CopyBatchResult
	require.NoError(t, v.Get(&res))
	assert.EqualValues(t, 1, res.Counts.Excluded)
	assert.EqualValues(t, 1, res.Counts.Copied)
	_, err = f.dst.Head(context.Background(), "s/a.tmp")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

// A retried attempt gets the earlier attempt's heartbeat: it must not
// touch the finished objects (their HEAD would fail here) and must count
// as re-sent only the bytes of the object that was in flight.
func TestCopyBatchRetrySkipsFinishedObjects(t *testing.T) {
	f := newFixture(t)
	keys := f.seed(t, 10, 3000)
	ctx := context.Background()

	// The earlier attempt finished k00..k04 (really copied) and had k05 in flight.
	var objs []store.ObjectInfo
	for _, k := range keys[:5] {
		o, err := f.src.Head(ctx, k)
		require.NoError(t, err)
		objs = append(objs, o)
	}
	eng, err := engine.New(engine.Config{PartSize: 1 << 20, PoolBytes: 8 << 20})
	require.NoError(t, err)
	done := eng.CopyBatch(ctx, f.src, f.dst, objs, engine.BatchOptions{})
	for _, r := range done {
		require.Equal(t, engine.Copied, r.Outcome, r.Error)
	}
	env := f.actEnv()
	env.SetHeartbeatDetails(activities.BatchProgress{Batch: 1, End: keys[9], Done: done, InFlight: []string{keys[5]}})
	for _, k := range keys[:5] {
		f.env.OCI.Faults().Add(faults.Rule{Op: "head", KeyPrefix: k, Status: http.StatusInternalServerError})
		f.env.OCI.Faults().Add(faults.Rule{Op: "put", KeyPrefix: k, Status: http.StatusInternalServerError})
	}

	v, err := env.ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{
		Shard: f.ref, Batch: 1, Limit: 10, StartAt: time.Now()})
	require.NoError(t, err)
	var res activities.CopyBatchResult
	require.NoError(t, v.Get(&res))
	assert.Zero(t, f.env.OCI.Faults().Fired(""), "the retry touched a finished object")
	assert.EqualValues(t, 10, res.Counts.Copied)
	assert.EqualValues(t, 10*3000, res.Counts.BytesSent, "5 objects by the earlier attempt, 5 by this one")
	assert.EqualValues(t, 3000, res.Counts.BytesResent, "only the object in flight is waste")
	assert.True(t, res.Done)
}

// A batch whose objects fail with a retryable error returns a retryable
// error after heartbeating the finished ones; the next attempt, given
// that heartbeat, copies only the failed object.
func TestCopyBatchRetryableFailureHeartbeatsFinished(t *testing.T) {
	f := newFixture(t)
	keys := f.seed(t, 6, 1500)
	f.env.OCI.Faults().Set(faults.Rule{Op: "put", KeyPrefix: keys[4], Status: http.StatusServiceUnavailable})

	var last activities.BatchProgress
	env := f.actEnv()
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) {
		var p activities.BatchProgress
		if d.Get(&p) == nil {
			last = p
		}
	})
	_, err := env.ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{
		Shard: f.ref, Batch: 1, Limit: 10, StartAt: time.Now()})
	require.Error(t, err)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	assert.Equal(t, activities.ErrTypeRetryableObjects, appErr.Type())
	assert.False(t, appErr.NonRetryable())

	var doneKeys []string
	for _, r := range last.Done {
		doneKeys = append(doneKeys, r.Key)
	}
	assert.ElementsMatch(t, []string{keys[0], keys[1], keys[2], keys[3], keys[5]}, doneKeys)

	f.env.OCI.Faults().Clear()
	fired := f.env.OCI.Faults().Fired("")
	env2 := f.actEnv()
	env2.SetHeartbeatDetails(last)
	v, err := env2.ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{
		Shard: f.ref, Batch: 1, Limit: 10, StartAt: time.Now()})
	require.NoError(t, err)
	var res activities.CopyBatchResult
	require.NoError(t, v.Get(&res))
	assert.EqualValues(t, 6, res.Counts.Copied)
	assert.EqualValues(t, 6*1500, res.Counts.BytesSent)
	assert.Equal(t, fired, f.env.OCI.Faults().Fired(""))
}

func TestResidencyRefusesWrites(t *testing.T) {
	f := newFixture(t, func(p *planT) { p.Residency.AllowedRegions = []string{"eu-frankfurt-1"} })
	f.seed(t, 2, 100)
	_, err := f.actEnv().ExecuteActivity(activities.CopyBatchName, activities.CopyBatchInput{
		Shard: f.ref, Batch: 1, Limit: 10, StartAt: time.Now()})
	require.Error(t, err)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	assert.Equal(t, activities.ErrTypeResidency, appErr.Type())
	assert.True(t, appErr.NonRetryable())
	assert.Contains(t, err.Error(), "us-ashburn-1")
	_, err = f.dst.Head(context.Background(), "s/k00")
	assert.ErrorIs(t, err, store.ErrNotFound, "nothing may be written")

	_, err = f.actEnv().ExecuteActivity(activities.FinalVerifyName, activities.FinalVerifyInput{Shard: f.ref, FrozenAt: time.Now()})
	require.True(t, errors.As(err, &appErr), "%v", err)
	assert.Equal(t, activities.ErrTypeResidency, appErr.Type())
}
