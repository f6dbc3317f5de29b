package workflows

import "go.temporal.io/sdk/worker"

// Register registers the migration, shard and pre-flight workflows with w.
func Register(w worker.Registry) {
	w.RegisterWorkflow(MigrationWorkflow)
	w.RegisterWorkflow(ShardWorkflow)
	w.RegisterWorkflow(PreflightWorkflow)
}
