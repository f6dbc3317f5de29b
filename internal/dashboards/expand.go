package dashboards

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Values are what Grafana puts in place of a dashboard's variables when it
// runs a query.
type Values struct {
	// Migration and Shard are regular expressions (Grafana's "All" is .*).
	Migration, Shard string
	// RateInterval is $__rate_interval: at least four scrape intervals.
	RateInterval time.Duration
	// Range is $__range: the dashboard's whole time range.
	Range time.Duration
}

// Expand returns expr with the dashboard's variables replaced by v, as
// Grafana runs it.
func Expand(expr string, v Values) string {
	return strings.NewReplacer(
		VarRateInterval, promDuration(v.RateInterval),
		VarRange, promDuration(v.Range),
		VarMigration, v.Migration,
		VarShard, v.Shard,
	).Replace(expr)
}

// promDuration writes d as a PromQL duration in whole seconds (at least 1s).
func promDuration(d time.Duration) string {
	return fmt.Sprintf("%ds", max(1, int64(d/time.Second)))
}

var legendLabel = regexp.MustCompile(`\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}`)

// Legend names a series as Grafana does with a legend format such as
// "{{migration}} {{outcome}}".
func Legend(format string, labels map[string]string) string {
	return strings.TrimSpace(legendLabel.ReplaceAllStringFunc(format, func(m string) string {
		return labels[legendLabel.FindStringSubmatch(m)[1]]
	}))
}
