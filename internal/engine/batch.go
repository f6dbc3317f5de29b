package engine

import (
	"context"
	"sync"

	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
)

// BatchOptions controls one batch.
type BatchOptions struct {
	// Done holds the records of objects finished by an earlier attempt of
	// this batch; they are returned as they are and not copied again.
	Done map[string]Result
	// Resume holds multipart checkpoints of objects that were in flight
	// when an earlier attempt stopped.
	Resume map[string]Checkpoint
	// Filter, if set, excludes objects; reason goes into the record.
	Filter func(store.ObjectInfo) (excluded bool, reason string)
	// OnResult is called, serially, as each object finishes.
	OnResult func(Result)
	// OnCheckpoint is called, serially, as multipart uploads progress.
	OnCheckpoint func(Checkpoint)
	// After is a key that sorts before every object of the batch (the
	// batch's cursor), where the destination listing may start; "" lists
	// from the start of the batch's common prefix.
	After string
	// MigrationID is the migration the batch belongs to, written into every
	// copied object's provenance (store.MetaMigrationID); see
	// CopyOptions.MigrationID for what it changes about skips.
	MigrationID string
	// ForeignObjects says what to do with existing destination objects
	// that MigrationID did not write (default ForeignRefuse), in the store
	// ForeignScope names (see CopyOptions.ForeignScope).
	ForeignObjects ForeignPolicy
	ForeignScope   string
	// RequireSourceCheck fails objects whose source read cannot be checked
	// (see CopyOptions.RequireSourceCheck).
	RequireSourceCheck bool
}

// CopyBatch copies objs with at most Config.Concurrency objects in flight
// and returns one record per object, in the order of objs. One object's
// outcome never fails the batch; a cancelled ctx leaves the unfinished
// objects as retryable failures.
func (e *Engine) CopyBatch(ctx context.Context, src, dst store.Store, objs []store.ObjectInfo, opts BatchOptions) []Result {
	results := make([]Result, len(objs))
	var mu sync.Mutex // serializes the callbacks
	report := func(i int, r Result) {
		results[i] = r
		mu.Lock()
		defer mu.Unlock()
		if opts.OnResult != nil {
			opts.OnResult(r)
		}
	}
	onCP := func(c Checkpoint) {
		mu.Lock()
		defer mu.Unlock()
		if opts.OnCheckpoint != nil {
			opts.OnCheckpoint(c)
		}
	}
	present, indexed := e.destIndex(ctx, dst, objs, opts.After)
	sem := make(chan struct{}, e.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, obj := range objs {
		if r, ok := opts.Done[obj.Key]; ok {
			results[i] = r
			continue
		}
		if opts.Filter != nil {
			if ex, reason := opts.Filter(obj); ex {
				r := Result{Key: obj.Key, Size: obj.Size, SourceETag: obj.ETag, SourceMTime: obj.LastModified, Outcome: Excluded, Error: reason}
				e.obs.Observe(observe.Event{Kind: observe.ObjectDone, Store: dst.String(), Key: obj.Key, Outcome: string(Excluded)})
				report(i, r)
				continue
			}
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			results[i] = Result{Key: obj.Key, Size: obj.Size, Outcome: Failed, ErrorClass: store.Retryable, Error: ctx.Err().Error()}
			continue
		}
		wg.Add(1)
		go func(i int, obj store.ObjectInfo) {
			defer wg.Done()
			defer func() { <-sem }()
			var resume *Checkpoint
			if c, ok := opts.Resume[obj.Key]; ok {
				resume = &c
			}
			co := CopyOptions{Resume: resume, OnCheckpoint: onCP, MigrationID: opts.MigrationID,
				ForeignObjects: opts.ForeignObjects, ForeignScope: opts.ForeignScope, RequireSourceCheck: opts.RequireSourceCheck}
			if _, ok := present[obj.Key]; indexed && !ok {
				co.Absent = true
			}
			report(i, e.Copy(ctx, src, dst, obj, co))
		}(i, obj)
	}
	wg.Wait()
	return results
}
