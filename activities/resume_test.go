package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/ocimove/ocimove/internal/testing/acttest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/local/faults"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
)

// configure rebuilds the fixture's activities with cfg changed by edit.
func (f *fixture) configure(t *testing.T, edit func(*activities.Config)) {
	t.Helper()
	eng, err := engine.New(engine.Config{PartSize: 1 << 20, PoolBytes: 48 << 20, Concurrency: 4,
		Attempts: 2, RetryBackoff: 10 * time.Millisecond})
	require.NoError(t, err)
	plans := activities.NewPlanCache(nil)
	plans.Add(f.plan)
	cfg := activities.Config{Plans: plans,
		Stores:  acttest.StaticStores{Source: f.src, Destination: f.dst, Manifest: f.dst},
		Routing: acttest.StaticRouting{Route: f.routes}, Engine: eng}
	edit(&cfg)
	f.acts, err = activities.New(cfg)
	require.NoError(t, err)
}

// lastProgress runs an activity that must fail retryably and returns its
// last heartbeat.
func (f *fixture) lastProgress(t *testing.T, name string, in any) activities.Progress {
	t.Helper()
	return f.lastProgressFrom(t, nil, name, in)
}

// lastProgressFrom is lastProgress for an attempt that gets details.
func (f *fixture) lastProgressFrom(t *testing.T, details *activities.Progress, name string, in any) activities.Progress {
	t.Helper()
	var last activities.Progress
	env := f.actEnv()
	if details != nil {
		env.SetHeartbeatDetails(*details)
	}
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) {
		var p activities.Progress
		if d.Get(&p) == nil {
			last = p
		}
	})
	_, err := env.ExecuteActivity(name, in)
	require.Error(t, err)
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		require.False(t, appErr.NonRetryable(), "%v", err)
	}
	return last
}

// retryEnv is an activity environment whose attempt carries details, as
// Temporal's retry of an attempt that heartbeated them does.
func (f *fixture) retryEnv(details activities.Progress) *testsuite.TestActivityEnvironment {
	env := f.actEnv()
	env.SetHeartbeatDetails(details)
	return env
}

// guard makes every request for keys at the destination (head, get, put)
// and at the source (get) fail: a retry that touches them is caught by
// the fired count.
func (f *fixture) guard(keys ...string) {
	for _, k := range keys {
		for _, op := range []string{"head", "get", "put"} {
			f.env.OCI.Faults().Add(faults.Rule{Op: op, KeyPrefix: k, Status: http.StatusInternalServerError})
		}
		f.env.S3.Faults().Add(faults.Rule{Op: "get", KeyPrefix: k, Status: http.StatusInternalServerError})
	}
}

// fired counts the faults fired so far at both endpoints.
func (f *fixture) fired() int { return f.env.OCI.Faults().Fired("") + f.env.S3.Faults().Fired("") }

func (f *fixture) openUploads(t *testing.T) []store.Upload {
	t.Helper()
	ups, err := f.dst.ListUploads(context.Background(), "")
	require.NoError(t, err)
	return ups
}

// deltaAttemptCutShort runs a delta round over a fresh shard of nine
// objects in chunks of three, whose sixth object (multipart) cannot be
// committed: the attempt fails after its first chunk, with the sixth
// object's parts all uploaded. It returns the keys and the last heartbeat.
func deltaAttemptCutShort(t *testing.T, f *fixture) ([]string, activities.Progress) {
	t.Helper()
	f.configure(t, func(c *activities.Config) { c.ChunkObjects = 3; c.HeartbeatEvery = 20 * time.Millisecond })
	keys := f.seed(t, 9, 700)
	put(t, f.src, keys[5], randomBytes(t, int(2*ocistore.MinPartSize))) // two parts
	f.env.OCI.Faults().Set(faults.Rule{Op: "commit-multipart", KeyPrefix: keys[5], Status: http.StatusServiceUnavailable})
	p := f.lastProgress(t, activities.DeltaRoundName, activities.DeltaInput{Shard: f.ref, Round: 1})
	f.env.OCI.Faults().Clear()
	return keys, p
}

// A delta round that fails mid-way resumes after its watermark: its
// retry touches none of the objects finished before (their records are
// reused), resumes the multipart upload in flight by part (none is sent
// again), and leaves no upload open.
func TestDeltaRoundRetryResumesAfterWatermark(t *testing.T) {
	f := newFixture(t)
	keys, p := deltaAttemptCutShort(t, f)
	assert.Equal(t, keys[2], p.Watermark, "the first chunk is finished")
	assert.Equal(t, 1, p.Parts)
	var done []string
	for _, r := range p.Done {
		done = append(done, r.Key)
	}
	assert.ElementsMatch(t, []string{keys[3], keys[4]}, done)
	require.Len(t, p.Resume, 1)
	assert.Equal(t, keys[5], p.Resume[0].Key)
	assert.Equal(t, 2, p.Resume[0].PartsDone, "every part is uploaded")

	// A retry that fails the same way keeps the upload's checkpoint.
	f.env.OCI.Faults().Set(faults.Rule{Op: "commit-multipart", KeyPrefix: keys[5], Status: http.StatusServiceUnavailable})
	again := f.lastProgressFrom(t, &p, activities.DeltaRoundName, activities.DeltaInput{Shard: f.ref, Round: 1})
	f.env.OCI.Faults().Clear()
	require.Len(t, again.Resume, 1, "the checkpoint of the upload still open")
	assert.Equal(t, p.Resume[0].UploadID, again.Resume[0].UploadID)
	p = again

	f.guard(keys[:5]...)
	fired := f.fired()
	before := f.env.OCIBytesIn()
	v, err := f.retryEnv(p).ExecuteActivity(activities.DeltaRoundName, activities.DeltaInput{Shard: f.ref, Round: 1})
	require.NoError(t, err)
	var res activities.DeltaResult
	require.NoError(t, v.Get(&res))
	assert.Equal(t, fired, f.fired(), "the retry touched a finished object")
	assert.Less(t, f.env.OCIBytesIn()-before, int64(1<<20), "the multipart object's parts are not sent again")
	assert.EqualValues(t, 9, res.New)
	assert.EqualValues(t, 9, res.Counts.Copied)
	assert.EqualValues(t, 9, res.Counts.Objects)
	assert.Empty(t, f.openUploads(t))

	f.env.OCI.Faults().Clear()
	f.env.S3.Faults().Clear()
	ms, err := manifest.New(f.dst, f.plan.Destination.ManifestPrefix, f.plan.AllowedRegion)
	require.NoError(t, err)
	merged, err := ms.Merge(context.Background(), f.ref.ShardID)
	require.NoError(t, err)
	require.Len(t, merged.Entries, 9)
	for _, k := range keys {
		assert.Equal(t, engine.Copied, merged.Entries[k].Outcome, k)
		assert.Equal(t, readObject(t, f.src, k), readObject(t, f.dst, k), k)
	}
	parts, err := ms.Parts(context.Background(), f.ref.ShardID, manifest.RunName(manifest.KindDelta, 1))
	require.NoError(t, err)
	assert.Len(t, parts, 3, "one sorted part per chunk")
}

// An upload an earlier attempt left that the retry does not need (its
// object was deleted at the source meanwhile) is aborted, not leaked.
func TestDeltaRoundRetryAbortsUploadsItDoesNotResume(t *testing.T) {
	f := newFixture(t)
	keys, p := deltaAttemptCutShort(t, f)
	require.Len(t, p.Resume, 1)
	require.Len(t, f.openUploads(t), 1)
	require.NoError(t, f.src.Delete(context.Background(), keys[5]))
	v, err := f.retryEnv(p).ExecuteActivity(activities.DeltaRoundName, activities.DeltaInput{Shard: f.ref, Round: 1})
	require.NoError(t, err)
	var res activities.DeltaResult
	require.NoError(t, v.Get(&res))
	assert.EqualValues(t, 8, res.New)
	assert.Empty(t, f.openUploads(t))
}

// A final verification that fails mid-way (inside the freeze) resumes
// after its watermark: the retry re-reads none of the objects verified
// before, in finished chunks or in the chunk it was in.
func TestFinalVerifyRetryDoesNotRehash(t *testing.T) {
	f := newFixture(t)
	f.configure(t, func(c *activities.Config) { c.ChunkObjects = 2; c.HeartbeatEvery = 20 * time.Millisecond })
	keys := f.seed(t, 6, 900)
	f.copyAll(t, 10)
	frozenAt := time.Now().Add(time.Second)
	f.env.OCI.Faults().Set(faults.Rule{Op: "get", KeyPrefix: keys[4], Status: http.StatusServiceUnavailable})
	p := f.lastProgress(t, activities.FinalVerifyName, activities.FinalVerifyInput{Shard: f.ref, FrozenAt: frozenAt})
	f.env.OCI.Faults().Clear()
	assert.Equal(t, keys[3], p.Watermark)
	var checked []string
	for _, c := range p.Checks {
		checked = append(checked, c.Key)
	}
	assert.Equal(t, []string{keys[5]}, checked, "the check finished in the chunk in flight is kept")

	for _, k := range []string{keys[0], keys[1], keys[2], keys[3], keys[5]} {
		f.env.OCI.Faults().Add(faults.Rule{Op: "get", KeyPrefix: k, Status: http.StatusInternalServerError})
	}
	fired := f.fired()
	v, err := f.retryEnv(p).ExecuteActivity(activities.FinalVerifyName, activities.FinalVerifyInput{Shard: f.ref, FrozenAt: frozenAt})
	require.NoError(t, err)
	var res activities.FinalVerifyResult
	require.NoError(t, v.Get(&res))
	assert.Equal(t, fired, f.fired(), "the retry re-read a verified object")
	assert.True(t, res.OK, "%+v", res)
	assert.EqualValues(t, 6, res.Objects)
}

// A purge that fails while deleting resumes where it stopped: no
// re-verification again, nothing deleted twice, and every deleted object
// on record exactly once.
func TestPurgeRetryResumesDeleting(t *testing.T) {
	f := newFixture(t, func(p *planT) { p.Purge.Enabled = true })
	f.configure(t, func(c *activities.Config) { c.ChunkObjects = 2; c.HeartbeatEvery = 20 * time.Millisecond })
	keys := f.seed(t, 5, 400)
	f.copyAll(t, 10)
	f.env.S3.Faults().Set(faults.Rule{Op: "delete", KeyPrefix: keys[3], Status: http.StatusInternalServerError})
	p := f.lastProgress(t, activities.PurgeName, f.ref)
	f.env.S3.Faults().Clear()
	assert.Equal(t, 1, p.Phase, "the re-verification is done")
	assert.Equal(t, keys[2], p.Watermark)

	for _, k := range keys {
		f.env.OCI.Faults().Add(faults.Rule{Op: "get", KeyPrefix: k, Status: http.StatusInternalServerError})
	}
	fired := f.fired()
	v, err := f.retryEnv(p).ExecuteActivity(activities.PurgeName, f.ref)
	require.NoError(t, err)
	var res activities.PurgeResult
	require.NoError(t, v.Get(&res))
	assert.Equal(t, fired, f.fired(), "the retry verified again")
	assert.EqualValues(t, 5, res.Deleted)
	left, err := store.ListAll(context.Background(), f.src, shardPrefix)
	require.NoError(t, err)
	assert.Empty(t, left)

	f.env.OCI.Faults().Clear()
	ms, err := manifest.New(f.dst, f.plan.Destination.ManifestPrefix, f.plan.AllowedRegion)
	require.NoError(t, err)
	var rec manifest.PurgeRecord
	require.NoError(t, ms.ReadJSON(context.Background(), res.RecordKey, &rec))
	var deleted []string
	for n := range rec.Parts {
		var part manifest.PurgePart
		require.NoError(t, ms.ReadJSON(context.Background(), manifest.PartKey(f.plan.Destination.ManifestPrefix, f.ref.ShardID, "purge", n), &part))
		for _, d := range part.Deleted {
			deleted = append(deleted, d.Key)
		}
	}
	assert.Equal(t, keys, deleted)
	assert.EqualValues(t, 5, rec.Copies[0].Objects)
}

// A delta round over many changes writes its records as several sorted
// parts, deletions in key order among them, and the merged view reads
// them as one run.
func TestDeltaRoundWritesSortedParts(t *testing.T) {
	f := newFixture(t)
	f.configure(t, func(c *activities.Config) { c.ChunkObjects = 3 })
	keys := f.seed(t, 10, 300)
	f.copyAll(t, 4)
	ctx := context.Background()
	for i, k := range keys {
		switch i % 3 {
		case 0:
			require.NoError(t, f.src.Delete(ctx, k))
		case 1:
			put(t, f.src, k, randomBytes(t, 310))
		}
	}
	put(t, f.src, shardPrefix+"k055", []byte("new between"))
	v, err := f.actEnv().ExecuteActivity(activities.DeltaRoundName, activities.DeltaInput{Shard: f.ref, Round: 1})
	require.NoError(t, err)
	var res activities.DeltaResult
	require.NoError(t, v.Get(&res))
	assert.EqualValues(t, 4, res.Deleted)
	assert.EqualValues(t, 3, res.Modified)
	assert.EqualValues(t, 1, res.New)
	ms, err := manifest.New(f.dst, f.plan.Destination.ManifestPrefix, f.plan.AllowedRegion)
	require.NoError(t, err)
	parts, err := ms.Parts(ctx, f.ref.ShardID, manifest.RunName(manifest.KindDelta, 1))
	require.NoError(t, err)
	require.Len(t, parts, 3)
	var all []string
	for _, k := range parts {
		m, err := ms.ReadManifest(ctx, k)
		require.NoError(t, err)
		assert.True(t, m.Sorted)
		for _, e := range m.Entries {
			all = append(all, e.Key)
		}
	}
	assert.IsIncreasing(t, all)
	assert.Len(t, all, 8)
	merged, err := ms.Merge(ctx, f.ref.ShardID)
	require.NoError(t, err)
	for i, k := range keys {
		if i%3 == 0 {
			assert.Equal(t, manifest.DeletedRemoved, merged.Entries[k].Deleted, k)
		}
	}
}

// The records of a chunk in flight that outgrow the heartbeat budget
// spill to partial objects: every heartbeat stays under the budget, and a
// retry restores the spilled records and reuses them.
func TestDeltaRoundSpillsLargeChunksAndRestoresThem(t *testing.T) {
	f := newFixture(t)
	const budget = 8 << 10
	f.configure(t, func(c *activities.Config) {
		c.ChunkObjects = 60
		c.MaxHeartbeatBytes = budget
		c.HeartbeatEvery = 10 * time.Millisecond
	})
	keys := f.seed(t, 60, 100)
	failing := keys[59]
	f.env.S3.Faults().Set(faults.Rule{Op: "get", KeyPrefix: failing, Status: http.StatusServiceUnavailable})
	var last activities.Progress
	largest := 0
	env := f.actEnv()
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) {
		var p activities.Progress
		if d.Get(&p) == nil {
			last = p
			b, _ := json.Marshal(p)
			largest = max(largest, len(b))
		}
	})
	_, err := env.ExecuteActivity(activities.DeltaRoundName, activities.DeltaInput{Shard: f.ref, Round: 1})
	require.Error(t, err)
	f.env.S3.Faults().Clear()
	assert.Less(t, largest, budget, "a heartbeat outgrew its budget")
	assert.NotEmpty(t, last.Spills, "the chunk's records spilled")
	assert.Empty(t, last.Watermark, "the only chunk is in flight")

	f.guard(keys[:59]...)
	fired := f.fired()
	v, err := f.retryEnv(last).ExecuteActivity(activities.DeltaRoundName, activities.DeltaInput{Shard: f.ref, Round: 1})
	require.NoError(t, err)
	var res activities.DeltaResult
	require.NoError(t, v.Get(&res))
	assert.Equal(t, fired, f.fired(), "the retry touched an object whose record was spilled")
	assert.EqualValues(t, 60, res.Counts.Copied)
	ms, err := manifest.New(f.dst, f.plan.Destination.ManifestPrefix, f.plan.AllowedRegion)
	require.NoError(t, err)
	partial, err := ms.ListKeys(context.Background(), manifest.ShardDir(f.plan.Destination.ManifestPrefix, f.ref.ShardID)+"partial/")
	require.NoError(t, err)
	assert.Empty(t, partial, "the partial objects are removed once the chunk's part is written")
}

// A VerifyShard retry resumes after the watermark its earlier attempt
// heartbeated, keeping that attempt's counts.
func TestVerifyShardRetryResumesAfterWatermark(t *testing.T) {
	f := newFixture(t)
	f.configure(t, func(c *activities.Config) { c.ChunkObjects = 2 })
	keys := f.seed(t, 5, 300)
	f.copyAll(t, 10)
	for _, k := range keys[:3] {
		f.env.OCI.Faults().Add(faults.Rule{Op: "get", KeyPrefix: k, Status: http.StatusInternalServerError})
	}
	fired := f.fired()
	env := f.actEnv()
	env.SetHeartbeatDetails(map[string]any{"watermark": keys[2], "next": 2, "checked": 3, "mismatches": 0})
	v, err := env.ExecuteActivity(activities.VerifyShardName, activities.VerifyInput{Shard: f.ref, Mode: "full"})
	require.NoError(t, err)
	var res activities.VerifyResult
	require.NoError(t, v.Get(&res))
	assert.Equal(t, fired, f.fired(), "the retry re-read a verified object")
	assert.EqualValues(t, 5, res.Checked)
	assert.Zero(t, res.Mismatches)
}
