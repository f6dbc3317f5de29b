package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// verification shows checksum mismatches and how verifications end.
func verification() section {
	verified := func(extra ...string) string {
		return sumBy("migration", "increase("+byShard("ocimove_verified_objects_total", extra...)+"["+VarRange+"])")
	}
	return section{title: "Verification", panels: []cog.Builder[dashboard.Panel]{
		single("Checksum mismatches",
			"Checksum mismatches in the time range, by stage: copy (the source read, or the destination's check of a write; the engine copies again) and verify (found at the destination; re-copied up to the plan's limit). Any raises OcimoveChecksumMismatch.",
			"short", 6,
			query("A", sumBy("migration, stage", "increase("+byShard("ocimove_checksum_mismatches_total")+"["+VarRange+"])"), "{{migration}} {{stage}}")).
			ColorMode(common.BigValueColorModeBackground).Thresholds(thresholds(step{1, "red"})),
		single("Verified ratio",
			"Verifications at the destination that matched, over all verifications in the time range.",
			"percentunit", 6,
			query("A", verified(`result="ok"`)+" / "+verified(), "{{migration}}")).
			Min(0).Max(1).Thresholds(thresholds(step{0, "red"}, step{0.999, "green"})),
		graph("Verifications/s",
			"Objects verified at the destination per second, by mode (quick, full) and result (ok, mismatch).",
			"cps", 6,
			query("A", sumBy("migration, mode, result", rate(byShard("ocimove_verified_objects_total"))), "{{migration}} {{mode}} {{result}}")),
		graph("Mismatches by shard",
			"Checksum mismatches per shard and stage, per rate interval.",
			"short", 6,
			query("A", sumBy("migration, shard, stage", "increase("+byShard("ocimove_checksum_mismatches_total")+"["+VarRateInterval+"])"), "{{shard}} {{stage}}")),
	}}
}
