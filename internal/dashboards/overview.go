package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// overview is the first row: how far the selected migrations are, how
// long they have left, how fast they copy, and their shards by state.
func overview() section {
	return section{title: "Overview", panels: []cog.Builder[dashboard.Panel]{
		single("Progress",
			"Bytes done over the estimate per migration, as Temporal knows it (the migration's status).",
			"percentunit", 4,
			query("A", lifecycle(byMigration("ocimove_migration_progress_ratio")), "{{migration}}")).
			Min(0).Max(1),
		single("ETA",
			"Time left at the migration's rate so far (no value while unknown).",
			"s", 4,
			query("A", lifecycle(byMigration("ocimove_migration_eta_seconds"))+" > 0", "{{migration}}")),
		single("Elapsed / expected",
			"Time since the start, and the whole duration projected once 5% was done. An elapsed time well past the expected one raises OcimoveMigrationOverdue.",
			"s", 4,
			query("A", lifecycle(byMigration("ocimove_migration_elapsed_seconds")), "elapsed {{migration}}"),
			query("B", lifecycle(byMigration("ocimove_migration_expected_duration_seconds")), "expected {{migration}}")),
		graph("Bytes/s",
			"Bytes written to the destination per second, over every worker (re-sends included).",
			"Bps", 6,
			query("A", sumBy("migration", rate(byShard("ocimove_written_bytes_total"))), "{{migration}}")),
		graph("Objects/s",
			"Objects that reached a final outcome per second, over every worker, by outcome.",
			"cps", 6,
			query("A", sumBy("migration, outcome", rate(byShard("ocimove_objects_total"))), "{{migration}} {{outcome}}")),
		stacked("Shards by state",
			"Shards of the selected migrations by lifecycle state, from Temporal's visibility (running shard workflows by ShardState, closed ones by how they closed, and shards not started yet as Pending).",
			"short", 12,
			query("A", sumBy("state", lifecycle(byMigration("ocimove_shards")))+" > 0", "{{state}}")),
		graph("Done and estimated bytes",
			"Bytes done, and the estimate they are measured against, per migration.",
			"bytes", 6,
			query("A", lifecycle(byMigration("ocimove_migration_done", `kind=~"bytes_.*"`)), "{{migration}} {{kind}}")),
		graph("Window",
			"Shards the migration lets run at once, the slots held now (Copying to CutOver), and 1 while it is paused.",
			"short", 6,
			query("A", lifecycle(byMigration("ocimove_migration_window")), "window {{migration}}"),
			query("B", lifecycle(byMigration("ocimove_migration_slots_used")), "slots used {{migration}}"),
			query("C", lifecycle(byMigration("ocimove_migration_paused")), "paused {{migration}}")),
	}}
}
