package engine

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// TestLimiterChangesWhileRunning lowers the byte limit while a reader is
// blocked on it: the waiter sees the new limit (its context ends before a
// token arrives), and raising it again lets bytes through at once.
func TestLimiterChangesWhileRunning(t *testing.T) {
	l := NewLimiter(0, 0)
	require.Equal(t, rate.Inf, l.bytes.Limit())
	require.NoError(t, l.Bytes(context.Background(), 64<<20), "unlimited never waits")

	l.SetBytesPerSecond(1) // one byte a second: past the burst, nothing passes soon
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	require.Error(t, l.Bytes(ctx, 2*byteBurst))
	require.Equal(t, rate.Limit(1), l.bytes.Limit())

	l.SetBytesPerSecond(0)
	require.NoError(t, l.Bytes(context.Background(), 1<<20))

	l.SetRequestsPerSecond(2)
	require.Equal(t, rate.Limit(2), l.requests.Limit())
	require.Equal(t, 2, l.requests.Burst())
	require.NoError(t, l.Request(context.Background()))

	var nilLimiter *Limiter
	require.NoError(t, nilLimiter.Request(context.Background()), "a nil limiter is unlimited")
	require.NoError(t, nilLimiter.Bytes(context.Background(), 1))
}
