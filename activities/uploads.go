package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/store"
)

// abortUploads aborts the uploads of cps at dst, best effort, outside the
// activity's context (which may be cancelled): an upload no attempt will
// resume must not stay open.
func abortUploads(dst store.Store, cps []engine.Checkpoint) {
	if len(cps) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, c := range cps {
		if c.UploadID != "" {
			_ = dst.AbortMultipart(ctx, c.Key, c.UploadID)
		}
	}
}

// lastAttempt reports whether a failure of this attempt is final: the
// retry policy allows no further attempt, or the activity is not retried
// by Temporal at all.
func lastAttempt(ctx context.Context) bool {
	if !activity.IsActivity(ctx) {
		return true
	}
	info := activity.GetInfo(ctx)
	rp := info.RetryPolicy
	return rp != nil && rp.MaximumAttempts > 0 && info.Attempt >= rp.MaximumAttempts
}

// willResume reports whether an attempt that fails with err is followed
// by one that resumes from its heartbeat: err is retryable, attempts are
// left, and the activity was not cancelled (a cancelled activity is not
// retried, unless it stopped because its worker shuts down).
func willResume(ctx context.Context, err error) bool {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.NonRetryable() {
		return false
	}
	if ctx.Err() != nil {
		return workerStopping(ctx)
	}
	return !lastAttempt(ctx)
}

func workerStopping(ctx context.Context) bool {
	if !activity.IsActivity(ctx) {
		return false
	}
	select {
	case <-activity.GetWorkerStopChannel(ctx):
		return true
	default:
		return false
	}
}

// giveUp returns err after aborting t's open uploads at dst if no attempt
// will resume them; otherwise they stay open for the retry.
func giveUp(ctx context.Context, t *tracker, dst store.Store, err error) error {
	if !willResume(ctx, err) {
		abortUploads(dst, t.openUploads())
	}
	return err
}
