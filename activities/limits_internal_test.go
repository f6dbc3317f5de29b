package activities

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/engine"
)

func TestApplyLimitsChangesTheWorkersLimiter(t *testing.T) {
	eng, err := engine.New(engine.Config{Limiter: engine.NewLimiter(0, 0)})
	require.NoError(t, err)
	a := &Activities{eng: eng}
	a.applyLimits(nil)
	b, r := eng.Limiter().Limits()
	require.Zero(t, b, "no limits in the input leave the worker's as they are")
	require.Zero(t, r)
	a.applyLimits(&RateLimits{BytesPerSecond: 5 << 20, RequestsPerSecond: 100})
	b, r = eng.Limiter().Limits()
	require.Equal(t, float64(5<<20), b)
	require.Equal(t, 100.0, r)
}
