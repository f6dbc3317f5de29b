// Package metrics is what a worker exports to Prometheus, on a registry
// the caller owns (never the global one): the copy engine's events, with
// the stores' retries and throttling beneath it (Metrics, an
// observe.Observer); the limits the worker applies (LimitsCollector); the
// lifecycle as Temporal knows it — shards by state, progress, ETA, freeze
// health (LifecycleCollector); and the Temporal SDK's own metrics
// (TemporalHandler). docs/METRICS.md lists every series.
//
// Labels are bounded sets: migration, shard, state, outcome, error class,
// store, operation, mode, activity. Object keys never become labels.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ocimove/ocimove/internal/observe"
)

// Metrics are the copy engine's metrics. Build them with NewMetrics and
// attach them as the observer of the engine and of the stores.
type Metrics struct {
	Objects     *prometheus.CounterVec
	ObjectBytes *prometheus.CounterVec
	Written     *prometheus.CounterVec
	Parts       *prometheus.CounterVec
	Listed      *prometheus.CounterVec
	Verified    *prometheus.CounterVec
	Mismatches  *prometheus.CounterVec
	Errors      *prometheus.CounterVec
	Retries     *prometheus.CounterVec
	Throttled   *prometheus.CounterVec
	InFlight    *prometheus.GaugeVec
	CopyTime    *prometheus.HistogramVec
	ActTime     *prometheus.HistogramVec
}

// NewMetrics registers the metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	shard := []string{"migration", "shard"}
	m := &Metrics{
		Objects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocimove_objects_total", Help: "Objects that reached a final outcome (copied, skipped, excluded, source-gone, unsupported-name, archived, failed), by migration, shard and outcome.",
		}, append(shard, "outcome")),
		ObjectBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocimove_object_bytes_total", Help: "Size of the objects that reached a final outcome, by migration, shard and outcome.",
		}, append(shard, "outcome")),
		Written: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocimove_written_bytes_total", Help: "Bytes written to destinations (objects and parts), re-sends included.",
		}, shard),
		Parts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocimove_multipart_parts_total", Help: "Multipart parts uploaded.",
		}, shard),
		Listed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocimove_listed_objects_total", Help: "Source or destination objects examined by delta rounds, final verifications and reverse syncs.",
		}, shard),
		Verified: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocimove_verified_objects_total", Help: "Objects verified at the destination, by mode (quick, full) and result (ok, mismatch).",
		}, append(shard, "mode", "result")),
		Mismatches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocimove_checksum_mismatches_total", Help: "Checksum mismatches, by stage: copy (the source read or the destination's check of a write) or verify.",
		}, append(shard, "stage")),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocimove_errors_total", Help: "Objects that failed, by the store they were copied to and the error class (retryable, permanent).",
		}, append(shard, "store", "class")),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocimove_store_retries_total", Help: "Store requests retried (by the SDK retryers, and body reads reopened), by store and operation.",
		}, []string{"migration", "store", "op"}),
		Throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocimove_store_throttled_total", Help: "Store requests answered with throttling (429, 503 SlowDown), by store and operation.",
		}, []string{"migration", "store", "op"}),
		InFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ocimove_copies_in_flight", Help: "Object copies in flight on this worker.",
		}, []string{"migration"}),
		CopyTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ocimove_object_copy_duration_seconds", Help: "Time to copy one object, by outcome.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 10), // 5ms … 22min
		}, []string{"migration", "outcome"}),
		ActTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ocimove_activity_duration_seconds", Help: "Time an activity of a shard took (a batch, a delta round, a verification, …), by activity and result.",
			Buckets: prometheus.ExponentialBuckets(0.05, 3, 11), // 50ms … 49min
		}, []string{"migration", "activity", "result"}),
	}
	reg.MustRegister(m.Objects, m.ObjectBytes, m.Written, m.Parts, m.Listed, m.Verified, m.Mismatches, m.Errors,
		m.Retries, m.Throttled, m.InFlight, m.CopyTime, m.ActTime)
	return m
}

// Observe implements observe.Observer.
func (m *Metrics) Observe(e observe.Event) {
	mig, sh := e.Migration, e.Shard
	switch e.Kind {
	case observe.ObjectDone:
		m.Objects.WithLabelValues(mig, sh, e.Outcome).Inc()
		m.ObjectBytes.WithLabelValues(mig, sh, e.Outcome).Add(float64(e.Bytes))
		if e.Outcome == "failed" {
			m.Errors.WithLabelValues(mig, sh, e.Store, orUnknown(e.Class)).Inc()
		}
		if e.Duration > 0 {
			m.CopyTime.WithLabelValues(mig, e.Outcome).Observe(e.Duration.Seconds())
		}
	case observe.Bytes:
		m.Written.WithLabelValues(mig, sh).Add(float64(e.Bytes))
	case observe.PartDone:
		m.Parts.WithLabelValues(mig, sh).Inc()
	case observe.Listed:
		m.Listed.WithLabelValues(mig, sh).Add(float64(e.Bytes))
	case observe.Retry:
		m.Retries.WithLabelValues(mig, e.Store, e.Op).Inc()
	case observe.Throttled:
		m.Throttled.WithLabelValues(mig, e.Store, e.Op).Inc()
	case observe.Mismatch:
		m.Mismatches.WithLabelValues(mig, sh, orUnknown(e.Stage)).Inc()
	case observe.Verified:
		m.Verified.WithLabelValues(mig, sh, e.Method, e.Outcome).Inc()
	case observe.CopyStarted:
		m.InFlight.WithLabelValues(mig).Inc()
	case observe.CopyFinished:
		m.InFlight.WithLabelValues(mig).Dec()
	case observe.ActivityDone:
		m.ActTime.WithLabelValues(mig, e.Activity, e.Outcome).Observe(e.Duration.Seconds())
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
