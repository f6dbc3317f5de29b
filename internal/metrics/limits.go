package metrics

import "github.com/prometheus/client_golang/prometheus"

// Limit is the limits a worker applies to a migration, or to one of its
// shards tuned on its own (Shard set).
type Limit struct {
	Migration, Shard  string
	BytesPerSecond    float64 // 0: unlimited
	RequestsPerSecond float64
	Concurrency       int
}

// LimitsCollector exports the limits a worker applies now, read at each
// scrape from limits.
type LimitsCollector struct {
	limits               func() []Limit
	bytes, requests, obj *prometheus.Desc
}

// NewLimitsCollector returns a collector of limits(); register it on the
// worker's registry.
func NewLimitsCollector(limits func() []Limit) *LimitsCollector {
	labels := []string{"migration", "shard"}
	return &LimitsCollector{limits: limits,
		bytes: prometheus.NewDesc("ocimove_rate_limit_bytes_per_second",
			"The bytes/s limit this worker applies to a migration (shard \"\") or to a shard tuned on its own; 0 is unlimited.", labels, nil),
		requests: prometheus.NewDesc("ocimove_rate_limit_requests_per_second",
			"The requests/s limit this worker applies to a migration or to a shard tuned on its own; 0 is unlimited.", labels, nil),
		obj: prometheus.NewDesc("ocimove_concurrency_limit",
			"The objects in flight per batch this worker allows a migration or a shard tuned on its own.", labels, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *LimitsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.bytes
	ch <- c.requests
	ch <- c.obj
}

// Collect implements prometheus.Collector.
func (c *LimitsCollector) Collect(ch chan<- prometheus.Metric) {
	for _, l := range c.limits() {
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, l.BytesPerSecond, l.Migration, l.Shard)
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.GaugeValue, l.RequestsPerSecond, l.Migration, l.Shard)
		ch <- prometheus.MustNewConstMetric(c.obj, prometheus.GaugeValue, float64(l.Concurrency), l.Migration, l.Shard)
	}
}
