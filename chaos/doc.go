// Package chaos is the fault-injection suite of real processes: a Temporal
// server persisted to disk (cmd/devserver), the local S3 and OCI endpoints
// (cmd/localcloud) each behind an embedded toxiproxy, the PostgreSQL
// routing target behind one too, and worker processes (cmd/worker). Each
// scenario runs a real migration, injects its faults, and ends with an
// independent check (its own SDK clients, SHA-256 of every object on both
// sides, the shard map read with its own SQL).
//
// The tests are behind the build tag chaos:
//
//	OCIMOVE_TEST_PG_DSN=$(scripts/postgres.sh | tail -n 1) go test -tags chaos -v -run 'TestChaos' ./chaos/
//
// OCIMOVE_CHAOS_FULL=1 selects the full form (20,000 objects in 8 shards),
// OCIMOVE_CHAOS_SEED (or -chaos.seed) replays a run; see docs/RELIABILITY.md.
package chaos
