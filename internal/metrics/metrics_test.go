package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/observe"
)

// Every event kind lands in its series, labelled by migration and shard,
// never by key.
func TestObserveCountsEvents(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	obs := observe.Tagged(m, "mig-1", "users-01")
	obs.Observe(observe.Event{Kind: observe.CopyStarted, Key: "users/01/a"})
	obs.Observe(observe.Event{Kind: observe.CopyStarted, Key: "users/01/b"})
	assert.Equal(t, 2.0, testutil.ToFloat64(m.InFlight.WithLabelValues("mig-1")))
	obs.Observe(observe.Event{Kind: observe.CopyFinished, Key: "users/01/a"})
	obs.Observe(observe.Event{Kind: observe.ObjectDone, Key: "users/01/a", Outcome: "copied", Bytes: 100, Duration: time.Second})
	obs.Observe(observe.Event{Kind: observe.ObjectDone, Key: "users/01/c", Outcome: "copied", Bytes: 50, Duration: time.Second})
	obs.Observe(observe.Event{Kind: observe.ObjectDone, Key: "users/01/b", Outcome: "failed", Bytes: 7, Store: "oci://ns/dst", Class: "retryable"})
	obs.Observe(observe.Event{Kind: observe.Bytes, Bytes: 1000})
	obs.Observe(observe.Event{Kind: observe.Throttled, Store: "s3://src", Op: "get"})
	obs.Observe(observe.Event{Kind: observe.Mismatch, Stage: "verify"})
	obs.Observe(observe.Event{Kind: observe.Verified, Method: "full", Outcome: "ok"})
	obs.Observe(observe.Event{Kind: observe.Listed, Bytes: 3})
	obs.Observe(observe.Event{Kind: observe.ActivityDone, Activity: "CopyBatch", Outcome: "ok", Duration: 2 * time.Second})
	assert.Equal(t, 1.0, testutil.ToFloat64(m.InFlight.WithLabelValues("mig-1")))
	assert.Equal(t, 2.0, testutil.ToFloat64(m.Objects.WithLabelValues("mig-1", "users-01", "copied")))
	assert.Equal(t, 150.0, testutil.ToFloat64(m.ObjectBytes.WithLabelValues("mig-1", "users-01", "copied")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Errors.WithLabelValues("mig-1", "users-01", "oci://ns/dst", "retryable")))
	assert.Equal(t, 1000.0, testutil.ToFloat64(m.Written.WithLabelValues("mig-1", "users-01")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Throttled.WithLabelValues("mig-1", "s3://src", "get")))
	assert.Equal(t, 3.0, testutil.ToFloat64(m.Listed.WithLabelValues("mig-1", "users-01")))
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP ocimove_checksum_mismatches_total Checksum mismatches, by stage: copy (the source read or the destination's check of a write) or verify.
# TYPE ocimove_checksum_mismatches_total counter
ocimove_checksum_mismatches_total{migration="mig-1",shard="users-01",stage="verify"} 1
`), "ocimove_checksum_mismatches_total"))
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				assert.NotContains(t, l.GetValue(), "users/01/", "%s: no key is a label", f.GetName())
			}
		}
	}
}

// The limits collector exports what a worker applies now.
func TestLimitsCollector(t *testing.T) {
	reg := prometheus.NewRegistry()
	limits := []Limit{{Migration: "mig-1", BytesPerSecond: 1 << 20, RequestsPerSecond: 50, Concurrency: 4},
		{Migration: "mig-1", Shard: "users-02", Concurrency: 2}}
	reg.MustRegister(NewLimitsCollector(func() []Limit { return limits }))
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP ocimove_concurrency_limit The objects in flight per batch this worker allows a migration or a shard tuned on its own.
# TYPE ocimove_concurrency_limit gauge
ocimove_concurrency_limit{migration="mig-1",shard=""} 4
ocimove_concurrency_limit{migration="mig-1",shard="users-02"} 2
`), "ocimove_concurrency_limit"))
}
