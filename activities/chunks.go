package activities

import (
	"context"
	"fmt"
	"sync"

	"go.temporal.io/sdk/temporal"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/store"
)

// scanFactor bounds how many keys a long activity walks without work
// before it moves its watermark anyway: chunk × scanFactor keys.
const scanFactor = 10

// copyChunk copies objs (in key order, every key after after) from src to
// dst with the session's options, reusing the records an earlier attempt
// finished and resuming its uploads by part. It fails if the activity is
// cancelled, and, once every object is finished or failed, if some failed
// with a retryable error: the retry resumes at after, reusing the records
// finished here. what names the work in the error.
func (a *Activities) copyChunk(ctx context.Context, s *session, t *tracker, src, dst store.Store, objs []store.ObjectInfo, after, what string) ([]engine.Result, error) {
	if len(objs) == 0 {
		return nil, nil
	}
	opts := t.copyOptions(s.copyOptions(), objs)
	opts.After = after
	results := s.eng.CopyBatch(ctx, src, dst, objs, opts)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var retryable []engine.Result
	for _, r := range results {
		if r.Outcome == engine.Failed && r.ErrorClass == store.Retryable {
			retryable = append(retryable, r)
		}
	}
	if len(retryable) > 0 {
		return nil, temporal.NewApplicationError(
			fmt.Sprintf("%s: %d objects failed with a retryable error (first: %q: %s); the retry resumes after %q and reuses the %d finished",
				what, len(retryable), retryable[0].Key, retryable[0].Error, after, len(results)-len(retryable)),
			ErrTypeRetryableObjects)
	}
	return results, nil
}

// verifyChunk verifies recs at dst in mode, with the plan's concurrency,
// reusing the checks an earlier attempt finished and recording each check
// as it finishes, so that a retry does not re-read what is verified. It
// returns one check per record, in order.
func (a *Activities) verifyChunk(ctx context.Context, s *session, t *tracker, dst store.Store, recs []engine.Result, mode engine.Mode) []engine.Check {
	out := make([]engine.Check, len(recs))
	sem := make(chan struct{}, s.eng.Concurrency())
	var wg sync.WaitGroup
	for i, r := range recs {
		if c, ok := t.prevCheck(r.Key); ok && c.Mode == mode && c.Class != store.Retryable {
			out[i] = c
			t.checked(c)
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			out[i] = engine.Check{Key: r.Key, Mode: mode, Problem: ctx.Err().Error(), Class: store.Retryable}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c := s.eng.Verify(ctx, dst, r, mode)
			out[i] = c
			if c.Class != store.Retryable {
				t.checked(c)
			}
		}()
	}
	wg.Wait()
	return out
}
