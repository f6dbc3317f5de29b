package activities

import (
	"context"
	"fmt"
	"maps"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/store"
)

// CopyBatch copies the page of the shard's objects after in.Cursor,
// writes its manifest (batch-NNNNN.json) and returns the counts and the
// next cursor. It heartbeats the finished records and the checkpoints of
// uploads in flight; a retried attempt skips what is finished and resumes
// uploads by part. Objects that failed with a retryable error fail the
// attempt (retryably, after heartbeating); permanent failures are recorded
// in the manifest and the batch completes.
func (a *Activities) CopyBatch(ctx context.Context, in CopyBatchInput) (CopyBatchResult, error) {
	if in.Limit <= 0 {
		return CopyBatchResult{}, inputError("copy batch %d of shard %s: limit %d must be at least 1", in.Batch, in.Shard.ShardID, in.Limit)
	}
	if in.Shard.ShardID == "" || in.Shard.Prefix == "" {
		return CopyBatchResult{}, inputError("copy batch %d: the shard id and prefix must be set", in.Batch)
	}
	s, err := a.session(ctx, in.Shard)
	if err != nil {
		return CopyBatchResult{}, err
	}
	if err := s.checkWrite(); err != nil {
		return CopyBatchResult{}, err
	}

	at, err := resumeBatch(ctx, s.man, in.Batch)
	if err != nil {
		return CopyBatchResult{}, activityError(err)
	}
	prev, done, resume := at.prev, at.done, at.resume

	objs, listDone, err := listPage(ctx, s.stores.Source, in.Shard.Prefix, in.Cursor, prev.End, in.Limit)
	if err != nil {
		return CopyBatchResult{}, activityError(fmt.Errorf("list %s after %q: %w", in.Shard.Prefix, in.Cursor, err))
	}
	res := CopyBatchResult{Done: listDone, NextCursor: in.Cursor}
	if len(objs) > 0 {
		res.NextCursor = objs[len(objs)-1].Key
	}

	p := &progress{
		ctx: ctx, man: s.man, shardID: in.Shard.ShardID, batch: in.Batch, end: res.NextCursor,
		maxBytes: a.hbMax, every: a.beatEvery(ctx),
		chunks: prev.Chunks, pending: prev.Done, resume: maps.Clone(resume), inFlight: map[string]struct{}{},
	}
	if !at.retry {
		p.chunks, p.pending = nil, nil
	}
	p.beat()
	stopHB := startBeats(ctx, p.every, p.beat)
	filters := s.plan.Sources.Primary.Filters
	opts := s.copyOptions()
	opts.After, opts.Done, opts.Resume = in.Cursor, done, resume
	opts.Filter = func(o store.ObjectInfo) (bool, string) {
		if ok, why := filters.Admit(o.Key, o.LastModified, in.StartAt); !ok {
			return true, why
		}
		p.started(o.Key)
		return false, ""
	}
	opts.OnResult, opts.OnCheckpoint = p.finished, p.checkpoint
	results := s.eng.CopyBatch(ctx, s.stores.Source, s.stores.Destination, objs, opts)
	stopHB()
	p.beat()

	retryable := at.tally(results, &res)
	if ctx.Err() != nil {
		return CopyBatchResult{}, ctx.Err()
	}
	if p.err != nil {
		return CopyBatchResult{}, activityError(fmt.Errorf("batch %d: write partial records: %w", in.Batch, p.err))
	}
	if len(retryable) > 0 {
		return CopyBatchResult{}, temporal.NewApplicationError(
			fmt.Sprintf("batch %d of shard %s: %d objects failed with a retryable error (first: %s); the retry skips the %d finished",
				in.Batch, in.Shard.ShardID, len(retryable), retryable[0], len(results)-len(retryable)),
			ErrTypeRetryableObjects)
	}

	if res.ManifestKey, err = a.writeBatch(ctx, s, in, res.NextCursor, results); err != nil {
		return CopyBatchResult{}, activityError(err)
	}
	for _, k := range p.chunks {
		_ = s.man.Delete(ctx, k) // best effort: the batch manifest holds every record
	}
	logger(ctx).Info("batch copied", "shard", in.Shard.ShardID, "batch", in.Batch,
		"objects", res.Counts.Objects, "copied", res.Counts.Copied, "failed", res.Counts.Failed,
		"bytesResent", res.Counts.BytesResent, "next", res.NextCursor)
	return res, nil
}

// batchAttempt is what an attempt of CopyBatch takes over from the
// previous attempt of the same batch: its heartbeat, the records it
// finished and the uploads it left in flight.
type batchAttempt struct {
	prev        BatchProgress
	retry       bool // prev is an earlier attempt of this batch
	done        map[string]engine.Result
	resume      map[string]engine.Checkpoint
	wasInFlight map[string]bool // keys the previous attempt was copying
}

// resumeBatch reads the heartbeat of an earlier attempt of batch, if any,
// and restores its finished records and upload checkpoints.
func resumeBatch(ctx context.Context, man *manifest.Store, batch int) (batchAttempt, error) {
	at := batchAttempt{done: map[string]engine.Result{}, resume: map[string]engine.Checkpoint{}, wasInFlight: map[string]bool{}}
	if activity.IsActivity(ctx) && activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &at.prev); err == nil && at.prev.Batch == batch {
			at.retry = true
		}
	}
	if at.retry {
		var err error
		if at.done, at.resume, err = restore(ctx, man, at.prev); err != nil {
			return batchAttempt{}, err
		}
	}
	for _, k := range at.prev.InFlight {
		at.wasInFlight[k] = true
	}
	for k := range at.resume {
		at.wasInFlight[k] = true
	}
	return at, nil
}

// tally adds the results to res's counts (bytes sent again for objects
// the previous attempt left in flight count as resent), names the failed
// keys, and returns the keys that failed retryably.
func (at batchAttempt) tally(results []engine.Result, res *CopyBatchResult) []string {
	var retryable []string
	for _, r := range results {
		res.Counts.add(r)
		if _, wasDone := at.done[r.Key]; !wasDone && at.wasInFlight[r.Key] {
			res.Counts.BytesResent += r.BytesSent
		}
		if r.Outcome == engine.Failed {
			res.FailedKeys = appendLimited(res.FailedKeys, r.Key, maxFailedKeys)
			if r.ErrorClass == store.Retryable {
				retryable = append(retryable, r.Key)
			}
		}
	}
	return retryable
}

// writeBatch writes the batch's manifest of results and returns its key.
func (a *Activities) writeBatch(ctx context.Context, s *session, in CopyBatchInput, next string, results []engine.Result) (string, error) {
	m := &manifest.Manifest{
		Kind: manifest.KindBatch, MigrationID: s.plan.ID, ShardID: in.Shard.ShardID, Prefix: in.Shard.Prefix,
		Seq: in.Batch, Cursor: in.Cursor, NextCursor: next, Written: a.now().UTC(),
		StartAt: in.StartAt, Entries: manifest.Entries(results),
	}
	return s.man.WriteManifest(ctx, m)
}
