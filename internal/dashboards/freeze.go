package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// freeze shows the shards whose writes are held: read-only now, for how
// long, and the failed attempts to make them writable again.
func freeze() section {
	return section{title: "Freeze health", panels: []cog.Builder[dashboard.Panel]{
		single("Read-only shards",
			"Shards whose route is read-only now: frozen for their cutover, or for a rollback.",
			"short", 6,
			query("A", sumBy("migration", lifecycle(byShard("ocimove_shard_read_only"))), "{{migration}}")).
			Thresholds(thresholds(step{1, "orange"})),
		graph("Freeze age",
			"How long each read-only shard has been read-only. Past the plan's freeze.maxDuration the shard must be returning to the source; OcimoveShardReadOnlyTooLong fires first.",
			"s", 9,
			query("A", lifecycle(byShard("ocimove_shard_freeze_age_seconds")), "{{shard}}")),
		graph("Unfreeze attempts",
			"Failed attempts so far to return a read-only shard's routing to a writable state; above 0 the routing target refuses or does not answer, and writes are about to be stranded (OcimoveUnfreezeFailing).",
			"short", 9,
			query("A", lifecycle(byShard("ocimove_shard_unfreeze_attempts")), "{{shard}}")),
	}}
}
