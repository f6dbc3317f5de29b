package dashboards

import (
	"fmt"
	"strings"
)

// The dashboard's template variables, as they appear in queries.
const (
	// VarMigration is the migration variable: one or more migration ids.
	VarMigration = "$migration"
	// VarShard is the shard variable: one or more shard ids.
	VarShard = "$shard"
	// VarRateInterval is Grafana's range for rate() and increase().
	VarRateInterval = "$__rate_interval"
	// VarRange is Grafana's whole time range of the dashboard.
	VarRange = "$__range"
)

// byMigration selects a migration-labelled series of the selected
// migrations, with extra matchers.
func byMigration(metric string, extra ...string) string {
	return selector(metric, append([]string{`migration=~"` + VarMigration + `"`}, extra...))
}

// byShard selects a shard-labelled series of the selected migrations and
// shards, with extra matchers.
func byShard(metric string, extra ...string) string {
	return selector(metric, append([]string{`migration=~"` + VarMigration + `"`, `shard=~"` + VarShard + `"`}, extra...))
}

func selector(metric string, matchers []string) string {
	return metric + "{" + strings.Join(matchers, ", ") + "}"
}

// lifecycle aggregates a lifecycle gauge, which every worker exports
// alike, to one series per label set: `max without(instance)`, over the
// series of one worker whose lifecycle is up (topk(1, …)). Each worker
// asks Temporal on its own 15-second cycle, so around a change of state
// two workers' numbers may be of different moments; one worker's are of
// one moment, and a shard is never counted in two states at once.
func lifecycle(sel string) string {
	return "max without(instance) (" + sel + " and on(instance) " + oneWorker + ")"
}

// oneWorker selects one worker whose last ask of Temporal succeeded.
const oneWorker = "topk(1, ocimove_lifecycle_up == 1)"

// rate is the per-second rate of a counter over Grafana's rate interval.
func rate(sel string) string { return fmt.Sprintf("rate(%s[%s])", sel, VarRateInterval) }

// sumBy sums expr by the given labels.
func sumBy(labels, expr string) string { return fmt.Sprintf("sum by (%s) (%s)", labels, expr) }
