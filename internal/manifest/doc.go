// Package manifest stores a migration's manifests and evidence as JSON
// objects in a store.Store, outside every shard's prefix:
//
//	<root>plan.json
//	<root><shardID>/batch-NNNNN.json              one per copied batch
//	<root><shardID>/recopy-NNNNN-pNNNN.json       re-copies (verification mismatches, repairs), in parts
//	<root><shardID>/delta-NNNNN-pNNNN.json        catch-up rounds (new, changed, deleted), in parts
//	<root><shardID>/verify-*.json                 verification records
//	<root><shardID>/final-verify.json             the full verification before cutover
//	<root><shardID>/final-verify-pNNNN.json       its findings, as it went
//	<root><shardID>/reverse-sync.json             a rollback's reverse sync
//	<root><shardID>/reverse-sync-pNNNN.json       its per-object records, in parts
//	<root><shardID>/purge.json                    what the purge deleted, per copy
//	<root><shardID>/purge-pNNNN.json              the deleted keys and versions, in parts
//	<root><shardID>/partial/…                     records of an activity's chunk in flight
//
// root is the plan's destination.manifestPrefix (default
// "_migrations/<id>/"). A manifest holds one Entry per object, in key
// order: the engine's Result (key, size, source ETag/version/mtime, MD5,
// SHA-256, how it was checked, outcome, error) plus a deletion mark. A
// round over many keys is written in parts as it proceeds, each part a
// sorted run and consecutive parts consecutive in key order; manifests
// written whole by older versions (recopy-NNNNN.json, delta-NNNNN.json)
// are still read.
//
// Reader yields a shard's merged view (the latest entry per key) in key
// order, streaming, from any key on; Merge reads it into memory for small
// shards, reports and tests.
//
// Every write is checked for residency first: the store must implement
// store.Regioner and its region must be allowed, or the write fails with
// an error wrapping ErrResidency. Writes are idempotent: a rewrite of the
// same content succeeds, and a changed rewrite (a retried activity)
// replaces the object conditionally on the ETag it read.
package manifest
