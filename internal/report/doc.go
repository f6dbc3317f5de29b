// Package report builds a migration's report from what the workflows
// report (state, counts, transitions) and what the activities stored as
// manifests and records in the manifest store, and writes it as JSON and
// as a readable Markdown page.
//
// The starter fills the inputs from the workflows' status queries, so this
// package does not depend on the workflows:
//
//	info := report.MigrationInfoFromPlan(p)      // regions, buckets, mode
//	info.State = string(status.State)
//	shards := []report.ShardInfo{{ShardID: s.ShardID, Prefix: s.Prefix, State: string(s.State),
//		Counts: s.Counts, Transitions: ..., LastError: s.LastError, ...}}
//	r, err := report.Build(ctx, manifestStore, p.Destination.ManifestPrefix, info, shards)
//	err = r.WriteJSON(jsonFile)
//	err = r.WriteMarkdown(mdFile)
//
// Per shard the report gives: object counts by outcome and bytes; how each
// object was verified (counts by source check, destination check and
// verification run, and the final full verification); mismatches; failed,
// source-gone, unsupported and archived objects with their reasons; timings
// from the transitions; operator actions (who, what, when, why); routing
// changes; the reverse sync of a rollback; and the purge. Build only reads:
// it never writes to the store.
package report
