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
// Per shard the report gives: object counts by outcome and bytes; how the
// objects were verified (counts by source check method, destination check,
// and by verification: quick, full and the final full verification, each
// ok, mismatch or missing); the index of its manifests and records (keys
// and parts) with the command lines that list them; mismatches; failed,
// source-gone, unsupported and archived objects with their reasons; timings
// from the transitions; operator actions (who, what, when, why); routing
// changes; the reverse sync of a rollback; and the purge. EachObject
// yields the per-object view the report links to. Both stream a shard's
// merged manifests (manifest.Store.Open), so memory does not grow with a
// shard's size. They only read: they never write to the store.
package report
