package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
)

// shardsDescription says what the per-shard table shows, and where the
// last error's text is: a label carries only its class.
const shardsDescription = "Each shard of the selected migrations: its state as Temporal knows it, " +
	"whether it waits for an operator (approval, or its delta round limit), the objects and bytes it has counted, " +
	"and the class of its last error (ChecksumMismatch, Route, Residency, StorePermanent, DrainTimeout, FreezeTimeout, UnfreezeRetrying, ...; none when it has none). " +
	"The error's text can name object keys, so it is not a label: `starter status MIGRATION` shows it; " +
	"fix the cause, then `starter retry-shard MIGRATION SHARD --reason '...'`."

// shards is the per-shard row: a table of every shard and each shard's
// objects over time.
func shards() section {
	return section{title: "Shards", panels: []cog.Builder[dashboard.Panel]{
		shardTable(),
		graph("Objects per shard",
			"Objects each shard has counted, as it last reported to Temporal.",
			"short", 8,
			query("A", lifecycle(byShard("ocimove_shard_objects")), "{{shard}}")).Height(10),
	}}
}

// shardTable joins, per shard, its state (a 1 for the state it is in),
// objects, bytes and the class of its last error.
func shardTable() *table.PanelBuilder {
	return table.NewPanelBuilder().Title("Shards").Description(shardsDescription).Datasource(datasource()).
		Span(16).Height(10).Filterable(true).
		WithTarget(tableQuery("A", lifecycle(byShard("ocimove_shard_state"))+" == 1")).
		WithTarget(tableQuery("B", lifecycle(byShard("ocimove_shard_objects")))).
		WithTarget(tableQuery("C", lifecycle(byShard("ocimove_shard_bytes")))).
		WithTarget(tableQuery("D", lifecycle(byShard("ocimove_shard_last_error")))).
		WithTransformation(dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
			"excludeByName": map[string]bool{"Time": true, "Value #A": true, "Value #D": true},
			"indexByName":   map[string]int{"migration": 0, "shard": 1, "prefix": 2, "state": 3, "waiting": 4, "Value #B": 5, "Value #C": 6, "class": 7},
			"renameByName":  map[string]string{"Value #B": "objects", "Value #C": "bytes", "waiting": "waits for operator", "class": "last error"},
		}}).
		OverrideByName("bytes", []dashboard.DynamicConfigValue{{Id: "unit", Value: "bytes"}}).
		OverrideByName("state", []dashboard.DynamicConfigValue{
			{Id: "mappings", Value: []dashboard.ValueMapping{stateColors()}},
			{Id: "custom.cellOptions", Value: map[string]any{"type": "color-background"}},
		}).
		OverrideByName("last error", []dashboard.DynamicConfigValue{
			{Id: "mappings", Value: []dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{
				Type:    dashboard.MappingTypeValueToText,
				Options: map[string]dashboard.ValueMappingResult{"none": {Text: cog.ToPtr("—"), Index: cog.ToPtr[int32](0)}},
			}}}},
		}).
		OverrideByName("waits for operator", []dashboard.DynamicConfigValue{
			{Id: "mappings", Value: []dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{
				Type: dashboard.MappingTypeValueToText,
				Options: map[string]dashboard.ValueMappingResult{
					"0": {Text: cog.ToPtr("no"), Index: cog.ToPtr[int32](0)},
					"1": {Text: cog.ToPtr("yes: starter approve, or retry-shard"), Color: cog.ToPtr("orange"), Index: cog.ToPtr[int32](1)},
				},
			}}}},
		})
}

// stateColors colors the states an SRE looks for: Failed red (its error
// is in `starter status`), frozen and rolling back orange, done green.
func stateColors() dashboard.ValueMapping {
	res := func(text, color string, i int32) dashboard.ValueMappingResult {
		return dashboard.ValueMappingResult{Text: cog.ToPtr(text), Color: cog.ToPtr(color), Index: cog.ToPtr(i)}
	}
	return dashboard.ValueMapping{ValueMap: &dashboard.ValueMap{
		Type: dashboard.MappingTypeValueToText,
		Options: map[string]dashboard.ValueMappingResult{
			"Failed":      res("Failed: see starter status", "red", 0),
			"RolledBack":  res("RolledBack", "purple", 1),
			"Frozen":      res("Frozen (read-only)", "orange", 2),
			"RollingBack": res("RollingBack (read-only)", "orange", 3),
			"Soaking":     res("Soaking", "green", 4),
			"Complete":    res("Complete", "green", 5),
		},
	}}
}
