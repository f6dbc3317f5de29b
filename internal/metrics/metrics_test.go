package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/observe"
)

func TestObserveCountsEvents(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	m.Observe(observe.Event{Kind: observe.ObjectDone, Outcome: "copied"})
	m.Observe(observe.Event{Kind: observe.ObjectDone, Outcome: "copied"})
	m.Observe(observe.Event{Kind: observe.ObjectDone, Outcome: "failed"})
	m.Observe(observe.Event{Kind: observe.Bytes, Bytes: 1000})
	m.Observe(observe.Event{Kind: observe.Throttled, Op: "put"})
	m.Observe(observe.Event{Kind: observe.Mismatch})
	require.Equal(t, 2.0, testutil.ToFloat64(m.Objects.WithLabelValues("copied")))
	require.Equal(t, 1000.0, testutil.ToFloat64(m.Bytes))
	require.Equal(t, 1.0, testutil.ToFloat64(m.Throttled.WithLabelValues("put")))
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP ocimove_checksum_mismatches_total Checksum mismatches found while copying or verifying.
# TYPE ocimove_checksum_mismatches_total counter
ocimove_checksum_mismatches_total 1
`), "ocimove_checksum_mismatches_total"))
}
