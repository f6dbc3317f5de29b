// Package metrics turns the engine's observer events into Prometheus
// metrics, on a registry the caller owns (never the global one).
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ocimove/ocimove/internal/observe"
)

// Metrics are the copy engine's metrics. Build them with NewMetrics and
// attach them as the engine's (and the stores') observer.
type Metrics struct {
	Objects    *prometheus.CounterVec
	Bytes      prometheus.Counter
	Parts      prometheus.Counter
	Retries    *prometheus.CounterVec
	Throttled  *prometheus.CounterVec
	Mismatches prometheus.Counter
	Verified   *prometheus.CounterVec
}

// NewMetrics registers the metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Objects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocimove_objects_total", Help: "Objects that reached a final outcome, by outcome.",
		}, []string{"outcome"}),
		Bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ocimove_copied_bytes_total", Help: "Bytes written to destinations, re-sends included.",
		}),
		Parts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ocimove_multipart_parts_total", Help: "Multipart parts uploaded.",
		}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocimove_store_retries_total", Help: "Store requests retried, by operation.",
		}, []string{"op"}),
		Throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocimove_store_throttled_total", Help: "Store requests answered with throttling, by operation.",
		}, []string{"op"}),
		Mismatches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ocimove_checksum_mismatches_total", Help: "Checksum mismatches found while copying or verifying.",
		}),
		Verified: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocimove_verified_objects_total", Help: "Objects verified at the destination, by mode and result.",
		}, []string{"mode", "result"}),
	}
	reg.MustRegister(m.Objects, m.Bytes, m.Parts, m.Retries, m.Throttled, m.Mismatches, m.Verified)
	return m
}

// Observe implements observe.Observer. Labels are bounded sets (outcomes,
// operations, modes); keys never become labels.
func (m *Metrics) Observe(e observe.Event) {
	switch e.Kind {
	case observe.ObjectDone:
		m.Objects.WithLabelValues(e.Outcome).Inc()
	case observe.Bytes:
		m.Bytes.Add(float64(e.Bytes))
	case observe.PartDone:
		m.Parts.Inc()
	case observe.Retry:
		m.Retries.WithLabelValues(e.Op).Inc()
	case observe.Throttled:
		m.Throttled.WithLabelValues(e.Op).Inc()
	case observe.Mismatch:
		m.Mismatches.Inc()
	case observe.Verified:
		m.Verified.WithLabelValues(e.Method, e.Outcome).Inc()
	}
}
