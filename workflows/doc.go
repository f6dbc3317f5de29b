// Package workflows holds the migration's Temporal workflows: one
// MigrationWorkflow per plan, which runs one ShardWorkflow child per shard
// in a window, and the ShardWorkflow, which drives one shard through its
// lifecycle (Pending, Copying, Verifying, CatchingUp, AwaitingApproval,
// Frozen, CutOver, Soaking, Complete; Failed and RolledBack on the side).
//
// Workflow code here is deterministic: it does no I/O, reads time only
// through workflow.Now, sorts before iterating maps, and calls activities
// by the names in package activities, so it does not depend on their
// implementation.
package workflows
