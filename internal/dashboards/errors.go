package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// errorsRow shows what went wrong: objects that failed, requests the
// stores throttled or retried, activities that failed.
func errorsRow() section {
	return section{title: "Errors and throttling", panels: []cog.Builder[dashboard.Panel]{
		graph("Failed objects/s",
			"Objects that failed, per second, by the store they were copied to and the error class (retryable: a later attempt resumes them; permanent: the plan or the objects must change). Sustained, it raises OcimoveErrorRate.",
			"cps", 6,
			query("A", sumBy("migration, store, class", rate(byShard("ocimove_errors_total"))), "{{migration}} {{store}} {{class}}")),
		graph("Throttled requests/s",
			"Store requests answered with throttling (429, 503 SlowDown), per second, by store and operation. Sustained, it raises OcimoveThrottled: lower the rates with `starter tune`.",
			"reqps", 6,
			query("A", sumBy("migration, store, op", rate(byMigration("ocimove_store_throttled_total"))), "{{migration}} {{store}} {{op}}")),
		graph("Retried requests/s",
			"Store requests retried by the SDK retryers, and source bodies reopened after breaking off, per second, by store and operation.",
			"reqps", 6,
			query("A", sumBy("migration, store, op", rate(byMigration("ocimove_store_retries_total"))), "{{migration}} {{store}} {{op}}")),
		graph("Activities by result",
			"Activities of shards finished per second, by activity and result; anything but ok is an attempt Temporal retries or a shard's failure.",
			"ops", 6,
			query("A", sumBy("activity, result", rate(byMigration("ocimove_activity_duration_seconds_count"))), "{{activity}} {{result}}")),
	}}
}
