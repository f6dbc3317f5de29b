// Package manifest stores a migration's manifests and evidence as JSON
// objects in a store.Store, outside every shard's prefix:
//
//	<root>plan.json
//	<root><shardID>/batch-NNNNN.json     one per copied batch
//	<root><shardID>/recopy-NNNNN.json    re-copies of verification mismatches
//	<root><shardID>/delta-NNNNN.json     catch-up rounds (new, changed, deleted)
//	<root><shardID>/verify-*.json        verification records
//	<root><shardID>/final-verify.json    the full verification before cutover
//	<root><shardID>/reverse-sync.json    a rollback's reverse sync
//	<root><shardID>/purge.json           what the purge deleted
//
// root is the plan's destination.manifestPrefix (default
// "_migrations/<id>/"). A manifest holds one Entry per object: the engine's
// Result (key, size, source ETag/version/mtime, MD5, SHA-256, how it was
// checked, outcome, error) plus a deletion mark.
//
// Every write is checked for residency first: the store must implement
// store.Regioner and its region must be allowed, or the write fails with
// an error wrapping ErrResidency. Writes are idempotent: a rewrite of the
// same content succeeds, and a changed rewrite (a retried activity)
// replaces the object conditionally on the ETag it read.
package manifest
