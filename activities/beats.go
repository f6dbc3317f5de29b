package activities

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
)

// beatEvery is how often an activity heartbeats: Config.HeartbeatEvery,
// and at least three times per heartbeat timeout of the activity, so that
// a workflow's short timeout is met whatever the configuration.
func (a *Activities) beatEvery(ctx context.Context) time.Duration {
	every := a.hbEvery
	if activity.IsActivity(ctx) {
		if t := activity.GetInfo(ctx).HeartbeatTimeout; t > 0 && t/3 < every {
			every = max(t/3, 10*time.Millisecond)
		}
	}
	return every
}

// startBeats calls beat every interval in the background, whatever the
// activity is doing meanwhile (a LIST, a manifest read, one long copy),
// until stop is called or ctx ends. stop waits for the background beat
// to return, and may be called more than once.
func startBeats(ctx context.Context, every time.Duration, beat func()) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				beat()
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { cancel(); <-done }) }
}
