package promapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/promapi"
	"github.com/ocimove/ocimove/internal/promapi/promtest"
)

// TestClientAgainstARealPrometheus runs a Prometheus scraping itself and
// asks it through every call of the client: instant and range queries,
// label values, targets, rules, and an expression that does not parse.
func TestClientAgainstARealPrometheus(t *testing.T) {
	srv := promtest.Start(t, []byte(`
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: self
    static_configs: [{targets: ["localhost:1"]}]
`))
	c := srv.Client
	ctx := context.Background()
	start := time.Now()
	promtest.Eventually(t, 30*time.Second, "a scrape of the unreachable target", func(ctx context.Context) (bool, string) {
		s, err := c.Query(ctx, `up{job="self"}`, time.Now())
		if err != nil {
			return false, err.Error()
		}
		return len(s) == 1, "no up series yet"
	})

	s, err := c.Query(ctx, `up{job="self"} + 41`, time.Now())
	require.NoError(t, err)
	require.Len(t, s, 1)
	assert.Equal(t, "localhost:1", s[0].Labels["instance"])
	require.Len(t, s[0].Points, 1)
	assert.Equal(t, 41.0, s[0].Points[0].V, "the target is down: up is 0")

	time.Sleep(2 * time.Second)
	r, err := c.QueryRange(ctx, `up{job="self"}`, start, time.Now(), time.Second)
	require.NoError(t, err)
	require.Len(t, r, 1)
	assert.GreaterOrEqual(t, len(r[0].Points), 2)
	for i := 1; i < len(r[0].Points); i++ {
		assert.True(t, r[0].Points[i].T.After(r[0].Points[i-1].T), "points in time order")
	}

	vals, err := c.LabelValues(ctx, "job", "up")
	require.NoError(t, err)
	assert.Equal(t, []string{"self"}, vals)

	targets, err := c.Targets(ctx)
	require.NoError(t, err)
	require.Len(t, targets, 1)
	assert.Equal(t, "down", targets[0].Health)

	rules, err := c.Rules(ctx)
	require.NoError(t, err)
	assert.Empty(t, rules)

	_, err = c.Query(ctx, `sum by (job) (up`, time.Now())
	require.Error(t, err)
	assert.True(t, promapi.IsBadData(err), "a parse error is bad data: %v", err)
	_, err = promapi.Client{URL: "http://127.0.0.1:1"}.Query(ctx, "up", time.Now())
	require.Error(t, err)
	assert.False(t, promapi.IsBadData(err), "a server that does not answer is not bad data")
}
